"""Numbers: the Feed button's amount and each meal's amount."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.number import (
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfMass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import PetSmartHubConfigEntry
from .entity import (
    MealEntity,
    MealSlotEntity,
    PetSmartEntityDescription,
    async_add_device_entities,
    async_add_meal_entities,
    meal_key,
)
from .model import AMOUNT, LIMITS, Action, DeviceKind

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PetSmartNumberEntityDescription(
    NumberEntityDescription, PetSmartEntityDescription
):
    """A number Home Assistant keeps for a device (in the entry's storage)."""


FEED_AMOUNT = PetSmartNumberEntityDescription(
    key="feed_amount",
    translation_key="feed_amount",
    kinds=frozenset({DeviceKind.FEEDER}),
    exists_fn=lambda device: Action.FEED in device.actions,
    entity_category=EntityCategory.CONFIG,
    native_min_value=LIMITS.options["feed_amount"].low,
    native_max_value=LIMITS.options["feed_amount"].high,
    native_step=1,
    mode=NumberMode.BOX,
    native_unit_of_measurement=UnitOfMass.GRAMS,
    available_offline=True,  # it is ours, not the feeder's
)


MEALS_PER_DAY = PetSmartNumberEntityDescription(
    # how a schedule is made (or meals added and removed) from the device page
    key="meals_per_day",
    translation_key="meals_per_day",
    kinds=frozenset({DeviceKind.FEEDER}),
    exists_fn=lambda device: Action.SET_FEEDING_SCHEDULE in device.actions,
    entity_category=EntityCategory.CONFIG,
    native_min_value=LIMITS.feeding_slots.low,
    native_max_value=LIMITS.feeding_slots.high,
    native_step=1,
    mode=NumberMode.BOX,
)


def meal_amount(meal: int) -> PetSmartNumberEntityDescription:
    """The amount of one meal of the schedule."""
    return PetSmartNumberEntityDescription(
        key=meal_key(meal, "amount"),
        translation_key="meal_amount",
        translation_placeholders={"meal": str(meal)},
        kinds=frozenset({DeviceKind.FEEDER}),
        entity_category=EntityCategory.CONFIG,
        native_min_value=AMOUNT.low,
        native_max_value=AMOUNT.high,
        native_step=1,
        mode=NumberMode.BOX,
        native_unit_of_measurement=UnitOfMass.GRAMS,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the Feed amount of every feeder and an amount per meal."""
    async_add_device_entities(entry, async_add_entities, (FEED_AMOUNT,), FeedAmount)
    async_add_device_entities(entry, async_add_entities, (MEALS_PER_DAY,), MealsPerDay)
    async_add_meal_entities(
        entry, async_add_entities, "number", meal_amount, MealAmount
    )


class FeedAmount(MealEntity, NumberEntity):
    """How much the Feed button dispenses; kept across restarts."""

    entity_description: PetSmartNumberEntityDescription

    @property
    def native_value(self) -> float:
        """The amount set, or the entry's option until one is."""
        return self.journal.feed_amount(self.device_id)

    async def async_set_native_value(self, value: float) -> None:
        """Keep the new amount (the next Feed dispenses it)."""
        await self.journal.async_set_feed_amount(self.device_id, round(value))


class MealsPerDay(MealEntity, NumberEntity):
    """How many meals the schedule has; setting it adds or removes meals."""

    entity_description: PetSmartNumberEntityDescription

    @property
    def native_value(self) -> float | None:
        """The meals of the schedule last sent (unknown: none sent from here)."""
        slots = self.journal.slots(self.device_id)
        return None if slots is None else len(slots)

    async def async_set_native_value(self, value: float) -> None:
        """Send the schedule with that many meals (new ones spread over the day)."""
        await self.journal.async_set_meal_count(self.device_id, round(value))


class MealAmount(MealSlotEntity, NumberEntity):
    """How much one meal of the schedule dispenses."""

    entity_description: PetSmartNumberEntityDescription

    @property
    def native_value(self) -> float | None:
        """The meal's amount as last sent (or being sent)."""
        return self.slot.amount if self.slot else None

    async def async_set_native_value(self, value: float) -> None:
        """Change the amount; the whole schedule is sent once edits settle."""
        await self.journal.async_edit_meal(
            self.device_id, self.meal, amount=round(value)
        )
