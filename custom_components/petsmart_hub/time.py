"""Times: when each meal of a feeder's schedule is served."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import PetSmartHubConfigEntry
from .entity import (
    MealSlotEntity,
    PetSmartEntityDescription,
    async_add_meal_entities,
    meal_key,
)
from .happenings import slot_time
from .model import DeviceKind

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PetSmartTimeEntityDescription(TimeEntityDescription, PetSmartEntityDescription):
    """A time of day of a device's schedule."""


def meal_time(meal: int) -> PetSmartTimeEntityDescription:
    """The time of one meal (in the schedule's time zone)."""
    return PetSmartTimeEntityDescription(
        key=meal_key(meal, "time"),
        translation_key="meal_time",
        translation_placeholders={"meal": str(meal)},
        kinds=frozenset({DeviceKind.FEEDER}),
        entity_category=EntityCategory.CONFIG,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a time per meal of every feeder's schedule."""
    async_add_meal_entities(entry, async_add_entities, "time", meal_time, MealTime)


class MealTime(MealSlotEntity, TimeEntity):
    """When one meal of the schedule is served."""

    entity_description: PetSmartTimeEntityDescription

    @property
    def native_value(self) -> time | None:
        """The meal's time as last sent (or being sent)."""
        return slot_time(self.slot) if self.slot else None

    async def async_set_value(self, value: time) -> None:
        """Move the meal; the whole schedule is sent once edits settle."""
        await self.journal.async_edit_meal(
            self.device_id, self.meal, at=value.strftime("%H:%M")
        )
