"""Buttons: one-shot commands that have no documented opposite."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import OPT_FEED_AMOUNT, OPT_PLAY_DURATION, OPT_PUMP_DURATION
from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import (
    Action,
    Command,
    Deodorize,
    Device,
    DeviceKind,
    Feed,
    StartCleaning,
    StartPlay,
    StartPump,
    StartRecording,
    StopWatering,
    TakePhoto,
    TestWaterQuality,
    Transmit,
)

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PetSmartButtonEntityDescription(
    ButtonEntityDescription, PetSmartEntityDescription
):
    """A button that runs one action with parameters taken from the options.

    It exists only on a device that can do ``action``; ``command_fn`` builds
    the command from the entry's options.
    """

    action: Action
    command_fn: Callable[[Mapping[str, Any]], Command]

    def applies_to(self, device: Device) -> bool:
        """Tell whether a device gets this button: it must be able to do it."""
        return self.action in device.actions and super().applies_to(device)


BUTTONS: tuple[PetSmartButtonEntityDescription, ...] = (
    PetSmartButtonEntityDescription(
        key="stop_watering",
        translation_key="stop_watering",
        kinds=frozenset({DeviceKind.SPRINKLER_CONTROLLER}),
        action=Action.STOP_WATERING,
        command_fn=lambda _: StopWatering(),
    ),
    PetSmartButtonEntityDescription(
        key="feed",
        translation_key="feed",
        kinds=frozenset({DeviceKind.FEEDER}),
        action=Action.FEED,
        command_fn=lambda options: Feed(amount=options[OPT_FEED_AMOUNT]),
    ),
    PetSmartButtonEntityDescription(
        key="start_pump",
        translation_key="start_pump",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        action=Action.START_PUMP,
        # the option is in minutes
        command_fn=lambda options: StartPump(
            duration_s=60 * options[OPT_PUMP_DURATION]
        ),
    ),
    PetSmartButtonEntityDescription(
        key="fountain_start_cleaning",
        translation_key="start_cleaning",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        action=Action.START_CLEANING,
        command_fn=lambda _: StartCleaning(),
    ),
    PetSmartButtonEntityDescription(
        key="test_water_quality",
        translation_key="test_water_quality",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        action=Action.TEST_WATER_QUALITY,
        command_fn=lambda _: TestWaterQuality(),
    ),
    PetSmartButtonEntityDescription(
        key="take_photo",
        translation_key="take_photo",
        kinds=frozenset({DeviceKind.CAMERA}),
        action=Action.TAKE_PHOTO,
        command_fn=lambda _: TakePhoto(),
    ),
    PetSmartButtonEntityDescription(
        key="start_recording",
        translation_key="start_recording",
        kinds=frozenset({DeviceKind.CAMERA}),
        action=Action.START_RECORDING,
        command_fn=lambda _: StartRecording(),
    ),
    PetSmartButtonEntityDescription(
        key="litter_box_clean",
        translation_key="clean",
        kinds=frozenset({DeviceKind.LITTER_BOX}),
        action=Action.START_CLEANING,
        command_fn=lambda _: StartCleaning(),
    ),
    PetSmartButtonEntityDescription(
        key="deodorize",
        translation_key="deodorize",
        kinds=frozenset({DeviceKind.LITTER_BOX}),
        action=Action.DEODORIZE,
        command_fn=lambda _: Deodorize(),
    ),
    PetSmartButtonEntityDescription(
        key="start_play",
        translation_key="start_play",
        kinds=frozenset({DeviceKind.TOY}),
        action=Action.START_PLAY,
        # the option is in seconds
        command_fn=lambda options: StartPlay(duration_s=options[OPT_PLAY_DURATION]),
    ),
    PetSmartButtonEntityDescription(
        # a remote's stored code (an RF plug's "on"): the device itself
        key="transmit",
        translation_key="transmit",
        name=None,
        action=Action.TRANSMIT,
        command_fn=lambda _: Transmit(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add buttons for every device, now and when devices appear."""
    async_add_device_entities(entry, async_add_entities, BUTTONS, PetSmartButton)


class PetSmartButton(PetSmartEntity, ButtonEntity):
    """A button of a device."""

    entity_description: PetSmartButtonEntityDescription

    async def async_press(self) -> None:
        """Run the action, then refresh the device.

        The device's own Feed amount (its number entity) beats the option.
        """
        options = dict(self.coordinator.options)
        options[OPT_FEED_AMOUNT] = self.coordinator.journal.feed_amount(self.device_id)
        await self.coordinator.async_execute(
            self.device_id, self.entity_description.command_fn(options)
        )
