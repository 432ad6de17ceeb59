"""Meals per day: a schedule made, grown and shrunk from the device page alone.

A feeder whose schedule Home Assistant never sent has no meal entities; its
*Meals per day* number makes one (meals spread over the day, the Feed amount
each), and the meal entities follow every change of the count.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub.happenings import meal_times
from homeassistant.const import STATE_OFF, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .conftest import Cloud
from .meals_fixtures import (
    FEED_AMOUNT,
    MISMATCH,
    meal_entities,
    schedule_commands,
    sim_schedule,
)

pytestmark = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")

MEALS_PER_DAY = "number.smart_feeder_1_meals_per_day"


@pytest.fixture
def onenata(onenata: Cloud) -> Cloud:
    """The OneNata cloud with the feeder alone."""
    for device_id in list(onenata.sim.devices):
        if device_id != "feeding_machine_001":
            del onenata.sim.devices[device_id]
    return onenata


@pytest.fixture
async def entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    await hass.config.async_set_time_zone("UTC")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


async def set_number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": value}, blocking=True
    )
    await hass.async_block_till_done()


def meals(*items: tuple[str, int, bool]) -> list[dict[str, Any]]:
    return [{"time": t, "amount": a, "enabled": e} for t, a, e in items]


async def test_a_schedule_made_grown_and_shrunk_from_the_page(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry
) -> None:
    """Unknown until set; each change is one whole schedule; entities follow."""
    registry = er.async_get(hass)
    assert hass.states.get(MEALS_PER_DAY).state == STATE_UNKNOWN
    assert hass.states.get(MISMATCH).attributes["reason"] == "not_known"
    assert hass.states.get(meal_entities(1)[0]) is None

    await set_number(hass, FEED_AMOUNT, 45)
    await set_number(hass, MEALS_PER_DAY, 3)
    made = meals(("07:00", 45, True), ("13:00", 45, True), ("19:00", 45, True))
    assert schedule_commands(onenata) == [
        {"schedule": made, "timezone": "UTC", "autoAdjust": True}
    ]
    assert sim_schedule(onenata) == made
    assert hass.states.get(MEALS_PER_DAY).state == "3"
    assert hass.states.get(meal_entities(3)[0]).state == "19:00:00"
    assert hass.states.get(MISMATCH).state == STATE_OFF

    # one more: the meals kept, the new one at a free time of the layout
    await set_number(hass, MEALS_PER_DAY, 4)
    assert sim_schedule(onenata)[:3] == made
    assert sim_schedule(onenata)[3] == {"time": "11:00", "amount": 45, "enabled": True}
    assert hass.states.get(meal_entities(4)[1]).state == "45"

    # two fewer: the last two go, and so do their entities
    await set_number(hass, MEALS_PER_DAY, 2)
    assert sim_schedule(onenata) == made[:2]
    assert len(schedule_commands(onenata)) == 3
    for entity_id in (*meal_entities(3), *meal_entities(4)):
        assert hass.states.get(entity_id) is None, entity_id
        assert registry.async_get(entity_id) is None, entity_id
    assert hass.states.get(MEALS_PER_DAY).state == "2"


@pytest.mark.parametrize("count", [0, 11])
async def test_a_count_out_of_range_is_refused(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry, count: int
) -> None:
    with pytest.raises(ServiceValidationError):
        await set_number(hass, MEALS_PER_DAY, count)
    assert schedule_commands(onenata) == []
    with pytest.raises(ServiceValidationError, match="1 to 10 meals"):
        await entry.runtime_data.journal.async_set_meal_count(
            "feeding_machine_001", count
        )


@pytest.mark.parametrize(
    ("count", "taken", "times"),
    [
        (1, (), ["08:00"]),
        (2, (), ["07:00", "19:00"]),
        (3, (), ["07:00", "13:00", "19:00"]),
        (4, (), ["07:00", "11:00", "15:00", "19:00"]),
        (1, ("07:00", "13:00", "19:00"), ["11:00"]),
        (1, ("08:00",), ["07:00"]),
        # the whole day's layout, new and taken: the free times of it
        # (10 meals: 80 minutes apart)
        (2, tuple(f"{h:02d}:00" for h in range(7, 15)), ["08:20", "09:40"]),
        (0, (), []),
    ],
)
def test_meal_times(count: int, taken: tuple[str, ...], times: list[str]) -> None:
    assert meal_times(count, taken) == times
