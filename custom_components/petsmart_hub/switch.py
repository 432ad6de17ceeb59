"""Switches: a documented on and off (controller, zone watering, camera monitoring, plugs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .compat import SwitchDeviceClass
from .const import OPT_ZONE_DURATION
from .coordinator import PetSmartHubConfigEntry
from .entity import (
    MealSlotEntity,
    PetSmartEntity,
    PetSmartEntityDescription,
    async_add_device_entities,
    async_add_meal_entities,
    meal_key,
)
from .model import (
    Action,
    Command,
    Device,
    DeviceKind,
    SetEnabled,
    SetMonitoring,
    SetPower,
    StopWatering,
    Water,
)

PARALLEL_UPDATES = 1

type CommandFn = Callable[[Mapping[str, Any]], Command]


@dataclass(frozen=True, kw_only=True)
class PetSmartSwitchEntityDescription(
    SwitchEntityDescription, PetSmartEntityDescription
):
    """A switch whose on and off are two actions.

    It exists only on a device that can do both; the commands are built from
    the entry's options.
    """

    is_on_fn: Callable[[Device], bool | None]
    on_action: Action
    off_action: Action
    turn_on_fn: CommandFn
    turn_off_fn: CommandFn

    def applies_to(self, device: Device) -> bool:
        """Tell whether a device gets this switch: it must do on and off."""
        return {self.on_action, self.off_action} <= device.actions and (
            super().applies_to(device)
        )


SWITCHES: tuple[PetSmartSwitchEntityDescription, ...] = (
    PetSmartSwitchEntityDescription(
        key="enabled",
        translation_key="enabled",
        kinds=frozenset({DeviceKind.SPRINKLER_CONTROLLER}),
        available_offline=True,
        is_on_fn=lambda device: device.controller.enabled
        if device.controller
        else None,
        on_action=Action.SET_ENABLED,
        off_action=Action.SET_ENABLED,
        turn_on_fn=lambda _: SetEnabled(enabled=True),
        turn_off_fn=lambda _: SetEnabled(enabled=False),
    ),
    PetSmartSwitchEntityDescription(
        # Off is Netro's stop_water, which stops every zone of the controller.
        key="zone_watering",
        translation_key="zone_watering",
        kinds=frozenset({DeviceKind.SPRINKLER_ZONE}),
        is_on_fn=lambda device: device.zone.watering if device.zone else None,
        on_action=Action.WATER,
        off_action=Action.STOP_WATERING,
        # the option is in minutes
        turn_on_fn=lambda options: Water(duration_s=60 * options[OPT_ZONE_DURATION]),
        turn_off_fn=lambda _: StopWatering(),
    ),
    PetSmartSwitchEntityDescription(
        # a camera that watches (and tells of what it sees) or is switched off
        key="monitoring",
        translation_key="monitoring",
        kinds=frozenset({DeviceKind.CAMERA}),
        is_on_fn=lambda device: device.camera.monitoring if device.camera else None,
        on_action=Action.SET_MONITORING,
        off_action=Action.SET_MONITORING,
        turn_on_fn=lambda _: SetMonitoring(on=True),
        turn_off_fn=lambda _: SetMonitoring(on=False),
    ),
    PetSmartSwitchEntityDescription(
        # a plug or relay: the device's own main entity (named as the device)
        key="power",
        name=None,
        device_class=SwitchDeviceClass.SWITCH,
        # one that never reported its state can still be switched (unknown)
        exists_fn=lambda device: (
            device.power is not None or Action.SET_POWER in device.actions
        ),
        is_on_fn=lambda device: device.power,
        on_action=Action.SET_POWER,
        off_action=Action.SET_POWER,
        turn_on_fn=lambda _: SetPower(on=True),
        turn_off_fn=lambda _: SetPower(on=False),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add switches for every device, now and when devices appear."""
    async_add_device_entities(entry, async_add_entities, SWITCHES, PetSmartSwitch)
    async_add_meal_entities(
        entry, async_add_entities, "switch", meal_enabled, MealSwitch
    )


@dataclass(frozen=True, kw_only=True)
class MealSwitchEntityDescription(SwitchEntityDescription, PetSmartEntityDescription):
    """A meal's on and off (kept in the schedule Home Assistant sends)."""


def meal_enabled(meal: int) -> MealSwitchEntityDescription:
    """Whether one meal of the schedule is served."""
    return MealSwitchEntityDescription(
        key=meal_key(meal, "enabled"),
        translation_key="meal_enabled",
        translation_placeholders={"meal": str(meal)},
        kinds=frozenset({DeviceKind.FEEDER}),
        entity_category=EntityCategory.CONFIG,
    )


class PetSmartSwitch(PetSmartEntity, SwitchEntity):
    """A switch of a device."""

    entity_description: PetSmartSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Read the state from the device model."""
        return self.entity_description.is_on_fn(self.device)

    async def _async_run(self, command_fn: CommandFn) -> None:
        await self.coordinator.async_execute(
            self.device_id, command_fn(self.coordinator.options)
        )

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Run the description's on action."""
        await self._async_run(self.entity_description.turn_on_fn)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Run the description's off action."""
        await self._async_run(self.entity_description.turn_off_fn)


class MealSwitch(MealSlotEntity, SwitchEntity):
    """Whether one meal of the schedule is served."""

    entity_description: MealSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The meal is on in the schedule as last sent (or being sent)."""
        return self.slot.enabled if self.slot else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Serve the meal again; the schedule is sent once edits settle."""
        await self.journal.async_edit_meal(self.device_id, self.meal, enabled=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Skip the meal; the schedule is sent once edits settle."""
        await self.journal.async_edit_meal(self.device_id, self.meal, enabled=False)
