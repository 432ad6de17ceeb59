"""Buttons: one-shot commands that have no documented opposite."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import (
    DEFAULT_FEED_AMOUNT,
    DEFAULT_PLAY_DURATION,
    DEFAULT_PUMP_DURATION,
    OPT_FEED_AMOUNT,
    OPT_PLAY_DURATION,
    OPT_PUMP_DURATION,
)
from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import Action, DeviceKind

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PetSmartButtonEntityDescription(
    ButtonEntityDescription, PetSmartEntityDescription
):
    """A button that runs one action with parameters taken from the options."""

    action: Action
    params_fn: Callable[[Mapping[str, Any]], dict[str, Any]] = lambda _: {}


BUTTONS: tuple[PetSmartButtonEntityDescription, ...] = (
    PetSmartButtonEntityDescription(
        key="stop_watering",
        translation_key="stop_watering",
        kinds=frozenset({DeviceKind.SPRINKLER_CONTROLLER}),
        action=Action.STOP_WATERING,
    ),
    PetSmartButtonEntityDescription(
        key="feed",
        translation_key="feed",
        kinds=frozenset({DeviceKind.FEEDER}),
        action=Action.FEED,
        params_fn=lambda options: {
            "amount": options.get(OPT_FEED_AMOUNT, DEFAULT_FEED_AMOUNT)
        },
    ),
    PetSmartButtonEntityDescription(
        key="start_pump",
        translation_key="start_pump",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        action=Action.START_PUMP,
        # startPump counts minutes (the doc's 30 ends 30 minutes later)
        params_fn=lambda options: {
            "duration": options.get(OPT_PUMP_DURATION, DEFAULT_PUMP_DURATION)
        },
    ),
    PetSmartButtonEntityDescription(
        key="fountain_start_cleaning",
        translation_key="start_cleaning",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        action=Action.START_CLEANING,
    ),
    PetSmartButtonEntityDescription(
        key="test_water_quality",
        translation_key="test_water_quality",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        action=Action.TEST_WATER_QUALITY,
    ),
    PetSmartButtonEntityDescription(
        key="take_photo",
        translation_key="take_photo",
        kinds=frozenset({DeviceKind.CAMERA}),
        action=Action.TAKE_PHOTO,
    ),
    PetSmartButtonEntityDescription(
        key="start_recording",
        translation_key="start_recording",
        kinds=frozenset({DeviceKind.CAMERA}),
        action=Action.START_RECORDING,
    ),
    PetSmartButtonEntityDescription(
        key="litter_box_clean",
        translation_key="clean",
        kinds=frozenset({DeviceKind.LITTER_BOX}),
        action=Action.START_CLEANING,
    ),
    PetSmartButtonEntityDescription(
        key="deodorize",
        translation_key="deodorize",
        kinds=frozenset({DeviceKind.LITTER_BOX}),
        action=Action.DEODORIZE,
    ),
    PetSmartButtonEntityDescription(
        key="start_play",
        translation_key="start_play",
        kinds=frozenset({DeviceKind.TOY}),
        action=Action.START_PLAY,
        params_fn=lambda options: {
            "duration": options.get(OPT_PLAY_DURATION, DEFAULT_PLAY_DURATION)
        },
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
        """Run the action, then refresh the device."""
        description = self.entity_description
        await self.coordinator.async_execute(
            self.device_id,
            description.action,
            description.params_fn(self.coordinator.config_entry.options),
        )
