"""A feeder's meals through Home Assistant: edit them, keep them, know when one is missed.

The OneNata simulator's feeder serves the meals of its schedule at their time
(unless it is jammed, offline or paused). Time is frozen at 10:30 UTC on a
Wednesday, and Home Assistant's time zone is UTC unless a test says
otherwise, so the meals' times read as the simulator's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.journal import SAVE_DELAY, storage_key
from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from simulator.onenata.devices import ScheduleEntry

from .conftest import Cloud
from .meals_fixtures import (
    CALENDAR,
    COMMANDS,
    FED_EVENT,
    FEED_AMOUNT,
    FEEDER,
    MISMATCH,
    MISSED,
    MISSED_EVENT,
    Fired,
    MoveTo,
    Tick,
    edit_meals,
    feeder_device,
    make_move_to,
    make_tick,
    meal_amount,
    meal_entities,
    meal_switch,
    meal_time,
    pause_schedule,
    press_feed,
    schedule_commands,
    set_schedule,
    sim_schedule,
)
from .netatmo_fixtures import async_reachable_at, async_serve_http

pytestmark = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")

#: Breakfast at 11:00 (30 g), a disabled lunch at 17:00 (40 g).
TWO_MEALS: list[dict[str, Any]] = [
    {"time": "11:00", "amount": 30, "enabled": True},
    {"time": "17:00", "amount": 40, "enabled": False},
]


def at(hour: int, minute: int = 0, second: int = 0, day: int = 15) -> datetime:
    """A moment of January 2025, UTC."""
    return datetime(2025, 1, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def onenata(onenata: Cloud) -> Cloud:
    """The OneNata cloud with the feeder alone (quicker setups and polls)."""
    for device_id in list(onenata.sim.devices):
        if device_id != FEEDER:
            del onenata.sim.devices[device_id]
    return onenata


@pytest.fixture
def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    return make_tick(hass, freezer)


@pytest.fixture
def move_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MoveTo:
    return make_move_to(hass, freezer)


@pytest.fixture
async def entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The OneNata account set up, in a Home Assistant whose time zone is UTC."""
    await hass.config.async_set_time_zone("UTC")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
async def two_meals(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """The account with TWO_MEALS sent to the feeder."""
    await set_schedule(hass, TWO_MEALS)
    return entry


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def meal_states(hass: HomeAssistant, meal: int) -> tuple[str, str, str]:
    """The states of one meal's time, amount and switch."""
    time_, amount, switch = meal_entities(meal)
    return state_of(hass, time_), state_of(hass, amount), state_of(hass, switch)


def stored(hass_storage: dict[str, Any], entry: MockConfigEntry) -> dict[str, Any]:
    """What the entry's journal wrote for the feeder."""
    assert storage_key(entry.entry_id) == f"petsmart_hub.{entry.entry_id}"
    feeders: dict[str, Any] = hass_storage[storage_key(entry.entry_id)]["data"][
        "feeders"
    ]
    return feeders[FEEDER]


# --- 1. the schedule's slots become entities -------------------------------------


async def test_schedule_creates_and_removes_meal_entities(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry
) -> None:
    """One time, amount and switch per meal; they follow the schedule's length."""
    registry = er.async_get(hass)
    # nothing sent from Home Assistant yet: no meal entities
    assert all(registry.async_get(e) is None for e in meal_entities(1))

    await set_schedule(hass, TWO_MEALS)
    assert meal_states(hass, 1) == ("11:00:00", "30", STATE_ON)
    assert meal_states(hass, 2) == ("17:00:00", "40", STATE_OFF)
    amount = hass.states.get(meal_amount(1))
    assert amount is not None
    assert amount.attributes["min"] == 1
    assert amount.attributes["max"] == 500
    assert amount.attributes["unit_of_measurement"] == "g"
    for entity_id in meal_entities(1):
        registered = registry.async_get(entity_id)
        assert registered is not None
        assert registered.config_entry_id == entry.entry_id
        assert registered.entity_category is EntityCategory.CONFIG
    assert all(registry.async_get(e) is None for e in meal_entities(3))

    # a longer schedule adds a slot and updates the others
    await set_schedule(
        hass,
        [
            {"time": "07:15", "amount": 25},
            {"time": "12:00", "amount": 35},
            {"time": "19:45", "amount": 45, "enabled": False},
        ],
    )
    assert meal_states(hass, 1) == ("07:15:00", "25", STATE_ON)
    assert meal_states(hass, 2) == ("12:00:00", "35", STATE_ON)
    assert meal_states(hass, 3) == ("19:45:00", "45", STATE_OFF)

    # a shorter one removes the extra slots from the registry, not only the states
    await set_schedule(hass, [{"time": "09:00", "amount": 60}])
    assert meal_states(hass, 1) == ("09:00:00", "60", STATE_ON)
    for meal in (2, 3):
        for entity_id in meal_entities(meal):
            assert registry.async_get(entity_id) is None, entity_id
            assert hass.states.get(entity_id) is None, entity_id

    # and a slot that comes back gets its entities (and ids) again
    await set_schedule(
        hass, [{"time": "09:00", "amount": 60}, {"time": "21:00", "amount": 20}]
    )
    assert meal_states(hass, 2) == ("21:00:00", "20", STATE_ON)
    assert sim_schedule(onenata) == [
        {"time": "09:00", "amount": 60, "enabled": True},
        {"time": "21:00", "amount": 20, "enabled": True},
    ]


# --- 2. and 3. editing meals -----------------------------------------------------


async def test_edits_go_out_as_one_schedule(
    hass: HomeAssistant, onenata: Cloud, two_meals: MockConfigEntry, tick: Tick
) -> None:
    """A time, an amount and a switch changed together: one setSchedule, whole list."""
    onenata.sim.reset_requests()

    errors = await edit_meals(
        hass,
        tick,
        ("time", "set_value", {"entity_id": meal_time(1), "time": "07:45:00"}),
        ("number", "set_value", {"entity_id": meal_amount(1), "value": 55}),
        ("switch", "turn_on", {"entity_id": meal_switch(2)}),
    )

    assert errors == [None, None, None]
    edited = [
        {"time": "07:45", "amount": 55, "enabled": True},
        {"time": "17:00", "amount": 40, "enabled": True},
    ]
    (command,) = schedule_commands(onenata)
    assert command["schedule"] == edited
    assert command["timezone"] == "UTC"
    assert onenata.sim.count("POST", COMMANDS) == 1
    assert sim_schedule(onenata) == edited
    assert meal_states(hass, 1) == ("07:45:00", "55", STATE_ON)
    assert meal_states(hass, 2) == ("17:00:00", "40", STATE_ON)
    # the cloud's count of meals agrees with what was sent
    mismatch = hass.states.get(MISMATCH)
    assert mismatch is not None
    assert mismatch.state == STATE_OFF
    assert mismatch.attributes["cloud_scheduled_feeds"] == 2

    # a later edit is a schedule of its own, built on the edited one
    errors = await edit_meals(
        hass,
        tick,
        ("switch", "turn_off", {"entity_id": meal_switch(1)}),
    )
    assert errors == [None]
    assert [c["schedule"] for c in schedule_commands(onenata)][-1] == [
        {"time": "07:45", "amount": 55, "enabled": False},
        {"time": "17:00", "amount": 40, "enabled": True},
    ]
    assert onenata.sim.count("POST", COMMANDS) == 2


async def test_an_edit_keeps_the_schedules_own_time_zone(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry, tick: Tick
) -> None:
    """A schedule sent for Amsterdam is edited, and its meals shown, in Amsterdam."""
    await set_schedule(
        hass, [{"time": "11:00", "amount": 30}], timezone="Europe/Amsterdam"
    )
    errors = await edit_meals(
        hass,
        tick,
        ("number", "set_value", {"entity_id": meal_amount(1), "value": 35}),
    )
    assert errors == [None]
    command = schedule_commands(onenata)[-1]
    assert command["timezone"] == "Europe/Amsterdam"
    assert command["schedule"] == [{"time": "11:00", "amount": 35, "enabled": True}]
    # today's 11:00 in Amsterdam (10:00 UTC) is past, tomorrow's is coming
    events = await calendar_events(hass, at(0), at(0, day=17))
    assert [(e["start"], e["summary"]) for e in events] == [
        ("2025-01-16T11:00:00+01:00", "Meal 1 (35 g)")
    ]


async def test_a_refused_schedule_changes_nothing(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    tick: Tick,
    hass_storage: dict[str, Any],
) -> None:
    """The cloud refuses the edited schedule: every call fails, the meals stay."""
    await tick(timedelta(seconds=SAVE_DELAY + 1))  # the schedule sent is written
    before = stored(hass_storage, two_meals)
    assert before["slots"] == TWO_MEALS
    onenata.sim.add_fault("http_500", route=COMMANDS)
    onenata.sim.reset_requests()

    errors = await edit_meals(
        hass,
        tick,
        ("time", "set_value", {"entity_id": meal_time(1), "time": "07:45:00"}),
        ("number", "set_value", {"entity_id": meal_amount(1), "value": 55}),
        ("switch", "turn_on", {"entity_id": meal_switch(2)}),
    )

    assert all(isinstance(error, HomeAssistantError) for error in errors), errors
    error = errors[0]
    assert isinstance(error, HomeAssistantError)
    assert error.translation_key == "action_failed"
    assert "Smart Feeder 1" in str(error)
    assert onenata.sim.count("POST", COMMANDS) == 1  # tried once, for all three
    assert sim_schedule(onenata) == TWO_MEALS
    assert meal_states(hass, 1) == ("11:00:00", "30", STATE_ON)
    assert meal_states(hass, 2) == ("17:00:00", "40", STATE_OFF)
    await tick(timedelta(seconds=SAVE_DELAY + 1))
    assert stored(hass_storage, two_meals) == before

    # once the cloud takes commands again, the same edit goes through
    onenata.sim.faults.clear()
    errors = await edit_meals(
        hass,
        tick,
        ("number", "set_value", {"entity_id": meal_amount(1), "value": 55}),
    )
    assert errors == [None]
    assert meal_states(hass, 1) == ("11:00:00", "55", STATE_ON)
    assert sim_schedule(onenata)[0]["amount"] == 55


async def test_an_edit_pending_at_unload_is_refused(
    hass: HomeAssistant, onenata: Cloud, two_meals: MockConfigEntry, tick: Tick
) -> None:
    """Unloading while an edit waits for its send fails the edit; nothing is sent."""
    onenata.sim.reset_requests()
    task = hass.async_create_task(
        hass.services.async_call(
            "number",
            "set_value",
            {"entity_id": meal_amount(1), "value": 99},
            blocking=True,
        )
    )
    for _ in range(5):
        await asyncio.sleep(0)
    assert await hass.config_entries.async_unload(two_meals.entry_id)
    await tick(timedelta(seconds=2))
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "meal_not_sent"
    assert schedule_commands(onenata) == []
    assert sim_schedule(onenata) == TWO_MEALS


# --- 4. and 5. what Home Assistant keeps ----------------------------------------


async def test_meals_feed_amount_and_missed_meal_survive_a_restart(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    tick: Tick,
    move_to: MoveTo,
    hass_storage: dict[str, Any],
) -> None:
    """Reload, and a fresh setup from storage, show what was there; removal deletes it."""
    entry = two_meals
    await hass.services.async_call(
        "number", "set_value", {"entity_id": FEED_AMOUNT, "value": 80}, blocking=True
    )
    onenata.sim.update_device(FEEDER, jammed=True)
    await move_to(at(11, 5))
    await move_to(at(11, 10, 30))
    assert state_of(hass, MISSED) == STATE_ON
    missed_event = hass.states.get(MISSED_EVENT)
    assert missed_event is not None

    # written to storage once the save delay is over
    await tick(timedelta(seconds=SAVE_DELAY + 1))
    kept = stored(hass_storage, entry)
    assert kept["slots"] == TWO_MEALS
    assert kept["timezone"] == "UTC"
    assert kept["feed_amount"] == 80
    assert kept["paused"] is False
    assert kept["missed"]["at"] == "2025-01-15T11:00:00+00:00"

    def shown() -> dict[str, Any]:
        missed = hass.states.get(MISSED)
        assert missed is not None
        return {
            "meal 1": meal_states(hass, 1),
            "meal 2": meal_states(hass, 2),
            "feed amount": state_of(hass, FEED_AMOUNT),
            "missed": (missed.state, dict(missed.attributes)),
        }

    before = shown()
    assert before["feed amount"] == "80"
    assert before["missed"][1]["meal_time"] == "2025-01-15T11:00:00+00:00"
    fired = Fired(hass, MISSED_EVENT)

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await tick(timedelta(seconds=5))
    assert shown() == before

    # unloaded (storage written), then set up again from storage alone
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert stored(hass_storage, entry)["feed_amount"] == 80
    await tick(timedelta(seconds=5))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert shown() == before
    # the meal missed before the restarts is not missed again
    await tick(timedelta(minutes=2))
    assert fired.events == []
    assert state_of(hass, MISSED_EVENT) == missed_event.state
    # nothing was sent to rebuild the meals: they came from storage
    assert len(schedule_commands(onenata)) == 1

    # removing the account deletes what it kept
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    await tick(timedelta(seconds=SAVE_DELAY + 1))
    assert storage_key(entry.entry_id) not in hass_storage


async def test_feed_amount_number(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry
) -> None:
    """The Feed button dispenses the Feed amount set; it is kept across reloads."""
    assert state_of(hass, FEED_AMOUNT) == "50"
    await hass.services.async_call(
        "number", "set_value", {"entity_id": FEED_AMOUNT, "value": 80}, blocking=True
    )
    assert state_of(hass, FEED_AMOUNT) == "80"
    onenata.sim.reset_requests()

    await press_feed(hass)

    (command,) = [r.json for r in onenata.sim.requests if r.route == COMMANDS]
    assert command["command"] == "feed"
    assert command["parameters"]["amount"] == 80
    assert onenata.sim.devices[FEEDER].feed_log[-1][1] == 80

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, FEED_AMOUNT) == "80"
    onenata.sim.reset_requests()
    await press_feed(hass)
    (command,) = [r.json for r in onenata.sim.requests if r.route == COMMANDS]
    assert command["parameters"]["amount"] == 80


@pytest.mark.parametrize("entry_options", [{"feed_amount": 75}])
async def test_feed_amount_starts_at_the_option(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry
) -> None:
    """Until it is set, the Feed amount is the account's option."""
    assert state_of(hass, FEED_AMOUNT) == "75"
    onenata.sim.reset_requests()
    await press_feed(hass)
    (command,) = [r.json for r in onenata.sim.requests if r.route == COMMANDS]
    assert command["parameters"]["amount"] == 75


# --- 6. missed meals ----------------------------------------------------------


def missed_attributes(hass: HomeAssistant) -> dict[str, Any]:
    state = hass.states.get(MISSED)
    assert state is not None
    return {key: state.attributes.get(key) for key in ("meal_time", "amount", "meal")}


async def test_a_missed_meal_fires_once_and_clears_at_the_next_feed(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
) -> None:
    """A jammed feeder misses breakfast: on at 11:10, one event, off at the next feed."""
    missed = Fired(hass, MISSED_EVENT)
    fed = Fired(hass, FED_EVENT)
    onenata.sim.update_device(FEEDER, jammed=True)

    await move_to(at(11, 5))
    await move_to(at(11, 9, 50))
    assert state_of(hass, MISSED) == STATE_OFF
    assert missed.events == []

    await move_to(at(11, 10, 10))
    assert state_of(hass, MISSED) == STATE_ON
    assert missed_attributes(hass) == {
        "meal_time": "2025-01-15T11:00:00+00:00",
        "amount": 30,
        "meal": 1,
    }
    assert missed.events == [
        {
            "event_type": "missed_meal",
            "time": "2025-01-15T11:00:00+00:00",
            "amount": 30,
            "meal": 1,
        }
    ]

    # polls come and go: still that one event
    for minute in (12, 20, 40):
        await move_to(at(11, minute))
    assert len(missed.events) == 1
    assert state_of(hass, MISSED) == STATE_ON

    # the jam is cleared and the pet fed from Home Assistant: the meal is no longer missed
    onenata.sim.update_device(FEEDER, jammed=False)
    await press_feed(hass)
    assert state_of(hass, MISSED) == STATE_OFF
    assert missed_attributes(hass) == {"meal_time": None, "amount": None, "meal": None}
    assert [event["source"] for event in fed.events] == ["manual_home_assistant"]
    assert len(missed.events) == 1


async def test_a_meal_the_feeder_served_is_not_missed(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
) -> None:
    """The feeder serves breakfast (a poll sees it): nothing is missed."""
    missed = Fired(hass, MISSED_EVENT)
    await move_to(at(11, 1))
    await move_to(at(11, 30))
    assert onenata.sim.devices[FEEDER].last_feed_time == at(11)
    assert state_of(hass, MISSED) == STATE_OFF
    assert missed.events == []


@pytest.mark.parametrize("scenario", ["offline", "disabled", "paused"])
async def test_no_missed_meal_while_offline_disabled_or_paused(
    hass: HomeAssistant,
    onenata: Cloud,
    entry: MockConfigEntry,
    move_to: MoveTo,
    scenario: str,
) -> None:
    """Breakfast (11:00) is not missed while the feeder is offline, its slot
    disabled or the schedule paused; the 12:00 meal after is."""
    await set_schedule(
        hass,
        [
            {"time": "11:00", "amount": 30, "enabled": scenario != "disabled"},
            {"time": "12:00", "amount": 45},
        ],
    )
    onenata.sim.update_device(FEEDER, jammed=True)
    missed = Fired(hass, MISSED_EVENT)
    if scenario == "offline":
        onenata.sim.set_online(FEEDER, False)
    elif scenario == "paused":
        await pause_schedule(hass)

    await move_to(at(10, 45))
    await move_to(at(11, 5))
    await move_to(at(11, 10, 10))
    await move_to(at(11, 20))
    assert state_of(hass, MISSED) == STATE_OFF
    assert missed.events == []

    # the feeder back (the schedule sent again) and fed by hand at 11:30: the
    # 12:00 meal after is watched as ever
    if scenario == "offline":
        onenata.sim.set_online(FEEDER, True)
    elif scenario == "paused":
        await set_schedule(
            hass, [{"time": "11:00", "amount": 30}, {"time": "12:00", "amount": 45}]
        )
    await move_to(at(11, 30))
    await press_feed(hass)
    await move_to(at(12, 5))
    await move_to(at(12, 10, 10))
    assert state_of(hass, MISSED) == STATE_ON
    assert missed_attributes(hass) == {
        "meal_time": "2025-01-15T12:00:00+00:00",
        "amount": 45,
        "meal": 2,
    }
    assert [event["meal"] for event in missed.events] == [2]


@pytest.mark.parametrize("entry_options", [{"missed_meal_grace": 30}])
async def test_the_grace_option_moves_the_moment(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
) -> None:
    """With 30 minutes of grace, breakfast is missed at 11:30, not at 11:10."""
    missed = Fired(hass, MISSED_EVENT)
    onenata.sim.update_device(FEEDER, jammed=True)
    await move_to(at(11, 10, 10))
    await move_to(at(11, 20))
    await move_to(at(11, 29, 50))
    assert state_of(hass, MISSED) == STATE_OFF
    assert missed.events == []
    await move_to(at(11, 30, 10))
    assert state_of(hass, MISSED) == STATE_ON
    assert [event["meal"] for event in missed.events] == [1]


async def test_a_meal_missed_in_home_assistants_time_zone(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    move_to: MoveTo,
) -> None:
    """Meal times are in Home Assistant's zone (US/Pacific): 03:00 is 11:00 UTC."""
    assert hass.config.time_zone == "US/Pacific"
    await set_schedule(hass, [{"time": "03:00", "amount": 30}])
    assert schedule_commands(onenata)[-1]["timezone"] == "US/Pacific"
    onenata.sim.update_device(FEEDER, jammed=True)
    missed = Fired(hass, MISSED_EVENT)
    await move_to(at(11, 5))
    await move_to(at(11, 10, 10))
    assert missed_attributes(hass) == {
        "meal_time": "2025-01-15T03:00:00-08:00",
        "amount": 30,
        "meal": 1,
    }
    assert len(missed.events) == 1


async def test_a_meal_missed_while_home_assistant_was_down(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
) -> None:
    """Breakfast's grace ended while the account was unloaded: it is told at setup."""
    entry = two_meals
    onenata.sim.update_device(FEEDER, jammed=True)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await move_to(at(11, 20))
    fired = Fired(hass, MISSED_EVENT)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert state_of(hass, MISSED) == STATE_ON
    assert [event["meal"] for event in fired.events] == [1]


@pytest.mark.parametrize("scenario", ["jammed", "offline"])
async def test_each_missed_meal_is_told_once(
    hass: HomeAssistant,
    onenata: Cloud,
    entry: MockConfigEntry,
    move_to: MoveTo,
    scenario: str,
) -> None:
    """Two meals in a row not served: one event each, one calendar entry each."""
    await set_schedule(
        hass, [{"time": "11:00", "amount": 30}, {"time": "12:00", "amount": 45}]
    )
    onenata.sim.update_device(FEEDER, jammed=True)
    if scenario == "offline":
        onenata.sim.set_online(FEEDER, False)
    missed = Fired(hass, MISSED_EVENT)
    await move_to(at(11, 5))
    await move_to(at(11, 10, 10))
    if scenario == "offline":
        onenata.sim.set_online(FEEDER, True)
    await move_to(at(11, 30))
    await move_to(at(12, 5))
    await move_to(at(12, 10, 10))

    told = [1, 2] if scenario == "jammed" else [2]
    assert [event["meal"] for event in missed.events] == told
    events = await calendar_events(hass, at(0), at(23, 59))
    assert [e["start"] for e in events if e["summary"].startswith("Missed")] == [
        f"2025-01-15T{hour}:00:00+00:00" for hour in ("11", "12")[-len(told) :]
    ]


# --- 7. fed events, by poll and by webhook --------------------------------------


def fed_event(
    source: str, amount: int | None, time: datetime, meal: int | None = None
) -> dict[str, Any]:
    return {
        "event_type": "fed",
        "amount": amount,
        "source": source,
        "time": time.isoformat(),
        "meal": meal,
    }


async def test_fed_events_by_poll(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
) -> None:
    """Fed from HA, a scheduled meal, fed from the app: three sources, by polling."""
    fed = Fired(hass, FED_EVENT)

    await press_feed(hass)
    assert fed.events == [fed_event("manual_home_assistant", 50, at(10, 30))]

    # the feeder serves breakfast at 11:00; the next poll sees it
    await move_to(at(11, 0, 30))
    assert fed.events[1:] == [fed_event("scheduled", 30, at(11), meal=1)]

    # someone feeds from the app (the cloud's lastFeedTime moves on, nothing else)
    await move_to(at(11, 30))
    onenata.sim.update_device(FEEDER, last_feed_time=at(11, 30))
    await move_to(at(11, 31, 10))
    assert fed.events[2:] == [fed_event("manual_elsewhere", None, at(11, 30))]

    # later polls tell nothing new
    await move_to(at(11, 45))
    assert len(fed.events) == 3
    assert state_of(hass, MISSED) == STATE_OFF

    # the feed action is a feed from Home Assistant too, with its own amount
    await hass.services.async_call(
        DOMAIN,
        "feed",
        {"device_id": feeder_device(hass), "amount": 20},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert fed.events[3:] == [fed_event("manual_home_assistant", 20, at(11, 45))]


@pytest.fixture
async def pushing(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> AsyncGenerator[MockConfigEntry]:
    """The account with push: the simulator calls Home Assistant's webhook."""
    await hass.config.async_set_time_zone("UTC")
    client = await async_serve_http(hass, hass_client_no_auth)
    await async_reachable_at(hass, client)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert onenata.sim.webhook is not None
    await set_schedule(hass, TWO_MEALS)
    await delivered(hass, onenata)
    yield config_entry
    await onenata.sim.close_deliveries()


async def delivered(hass: HomeAssistant, onenata: Cloud) -> None:
    """Wait until the simulator's webhook calls are answered and HA is idle."""
    await onenata.sim.deliveries_idle()
    await hass.async_block_till_done()


async def test_fed_events_by_webhook(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    move_to: MoveTo,
) -> None:
    """The same three feeds, told by the cloud's webhook, each once."""
    sim = onenata.sim
    fed = Fired(hass, FED_EVENT)

    await press_feed(hass)
    await delivered(hass, onenata)
    assert fed.events == [fed_event("manual_home_assistant", 50, at(10, 30))]

    # breakfast is served; the cloud tells it before any poll could (the
    # safety net polled at 10:50, the next poll is at 11:05)
    await move_to(at(10, 50))
    freezer.move_to(at(11, 0, 20))
    sim.reset_requests()
    sim.notify_changes()
    await delivered(hass, onenata)
    assert sim.requests == []  # no poll: the webhook told it
    told = sim.deliveries[-1]
    assert (told.event, told.status) == ("device.status.changed", 200)
    feeder = told.payload["data"]["status"]["status"]
    assert feeder["lastFeedTime"] == "2025-01-15T11:00:00Z"
    assert fed.events[1:] == [fed_event("scheduled", 30, at(11), meal=1)]

    # fed from the app (the poll of 11:06 came before, the next is at 11:21)
    await move_to(at(11, 6))
    freezer.move_to(at(11, 20))
    sim.reset_requests()
    sim.update_device(FEEDER, last_feed_time=at(11, 20))
    await delivered(hass, onenata)
    # no poll (only the fresh read of the feeder a meal's check makes)
    assert sim.count("GET", "/v1/devices") == 0
    assert fed.events[2:] == [fed_event("manual_elsewhere", None, at(11, 20))]

    # the safety-net polls after the webhook tell nothing twice
    await move_to(at(11, 50))
    await delivered(hass, onenata)
    assert sim.count("GET", "/v1/devices") > 0
    assert len(fed.events) == 3


# --- 8. the calendar -------------------------------------------------------------


async def calendar_events(
    hass: HomeAssistant, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The feeder calendar's events in [start, end) through calendar.get_events."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": CALENDAR, "start_date_time": start, "end_date_time": end},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events: list[dict[str, Any]] = response[CALENDAR]["events"]  # type: ignore[assignment,index]
    return events


def calendar_event(start: datetime, summary: str, description: str) -> dict[str, Any]:
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=1)).isoformat(),
        "summary": summary,
        "description": description,
    }


async def test_calendar_lists_feeds_missed_and_coming_meals(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry, move_to: MoveTo
) -> None:
    """Past feeds with their amounts, the meal missed, the enabled meals to come."""
    await set_schedule(
        hass,
        [
            {"time": "11:00", "amount": 30},
            {"time": "17:00", "amount": 40, "enabled": False},
            {"time": "20:00", "amount": 50},
        ],
    )
    state = hass.states.get(CALENDAR)
    assert state is not None
    assert state.attributes["message"] == "Meal 1 (30 g)"
    assert state.attributes["start_time"] == "2025-01-15 11:00:00"

    await press_feed(hass)  # 10:30, from Home Assistant
    await move_to(at(11, 1))  # breakfast served
    onenata.sim.update_device(FEEDER, jammed=True)
    await move_to(at(19, 55))
    await move_to(at(20, 10, 10))  # dinner missed
    await move_to(at(20, 15))
    requests = len(onenata.sim.requests)

    events = await calendar_events(hass, at(0), at(0, day=17))

    assert events == [
        calendar_event(at(10, 30), "Fed (50 g)", "fed from Home Assistant"),
        calendar_event(at(11), "Fed (30 g)", "scheduled meal"),
        calendar_event(at(20), "Missed meal (50 g)", "Meal 3 was not served"),
        calendar_event(at(11, day=16), "Meal 1 (30 g)", "Scheduled meal"),
        calendar_event(at(20, day=16), "Meal 3 (50 g)", "Scheduled meal"),
    ]
    assert len(onenata.sim.requests) == requests  # no cloud call
    state = hass.states.get(CALENDAR)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["message"] == "Meal 1 (30 g)"
    assert state.attributes["start_time"] == "2025-01-16 11:00:00"

    # paused: the past stays, nothing is coming
    await pause_schedule(hass)
    events = await calendar_events(hass, at(0), at(0, day=17))
    assert [event["summary"] for event in events] == [
        "Fed (50 g)",
        "Fed (30 g)",
        "Missed meal (50 g)",
    ]
    state = hass.states.get(CALENDAR)
    assert state is not None
    assert "message" not in state.attributes


# --- 9. the cloud's word on the schedule -----------------------------------------


def mismatch(hass: HomeAssistant) -> tuple[str, dict[str, Any]]:
    state = hass.states.get(MISMATCH)
    assert state is not None
    keys = (
        "reason",
        "cloud_scheduled_feeds",
        "cloud_next_feed",
        "meals_sent",
        "meals_enabled",
    )
    return state.state, {key: state.attributes.get(key) for key in keys}


async def test_schedule_mismatch(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry, move_to: MoveTo
) -> None:
    """Unknown until HA sends a schedule; a schedule changed behind HA's back shows."""
    registry = er.async_get(hass)
    registered = registry.async_get(MISMATCH)
    assert registered is not None
    assert registered.entity_category is EntityCategory.DIAGNOSTIC
    # the simulated feeder has the doc's three meals, HA never sent any
    assert mismatch(hass) == (
        STATE_ON,
        {
            "reason": "not_known",
            "cloud_scheduled_feeds": 3,
            "cloud_next_feed": "2025-01-15T12:00:00+00:00",
            "meals_sent": None,
            "meals_enabled": None,
        },
    )

    await set_schedule(hass, TWO_MEALS)
    assert mismatch(hass) == (
        STATE_OFF,
        {
            "reason": None,
            "cloud_scheduled_feeds": 1,
            "cloud_next_feed": "2025-01-15T11:00:00+00:00",
            "meals_sent": 2,
            "meals_enabled": 1,
        },
    )

    # changed in the app: three meals
    sim_feeder = onenata.sim.devices[FEEDER]
    sim_feeder.schedule = [
        ScheduleEntry(time(9), 10),
        ScheduleEntry(time(13), 10),
        ScheduleEntry(time(21), 10),
    ]
    await move_to(at(10, 31, 10))
    state, attributes = mismatch(hass)
    assert state == STATE_ON
    assert attributes["reason"] == "count"
    assert attributes["cloud_scheduled_feeds"] == 3

    # as many meals as HA's enabled ones, at another time
    sim_feeder.schedule = [ScheduleEntry(time(13), 30)]
    await move_to(at(10, 32, 20))
    state, attributes = mismatch(hass)
    assert state == STATE_ON
    assert attributes["reason"] == "next_feed"
    assert attributes["cloud_next_feed"] == "2025-01-15T13:00:00+00:00"

    # sent again from HA: they agree
    await set_schedule(hass, TWO_MEALS)
    assert mismatch(hass)[0] == STATE_OFF


# --- 10. what cannot be done -----------------------------------------------------


@pytest.mark.parametrize("value", [0, 501])
async def test_amounts_out_of_range_are_refused(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    tick: Tick,
    value: int,
) -> None:
    """A meal's amount and the Feed amount take 1-500 g; nothing is sent otherwise."""
    onenata.sim.reset_requests()
    for entity_id in (meal_amount(1), FEED_AMOUNT):
        with pytest.raises(ServiceValidationError):
            await hass.services.async_call(
                "number",
                "set_value",
                {"entity_id": entity_id, "value": value},
                blocking=True,
            )
    await tick(timedelta(seconds=2))
    assert onenata.sim.count("POST", COMMANDS) == 0
    assert state_of(hass, meal_amount(1)) == "30"
    assert state_of(hass, FEED_AMOUNT) == "50"


async def test_a_removed_meal_cannot_be_edited(
    hass: HomeAssistant, onenata: Cloud, two_meals: MockConfigEntry, tick: Tick
) -> None:
    """Meal 2 of a one-meal schedule has no entity; the journal refuses it too."""
    await set_schedule(hass, [{"time": "11:00", "amount": 30}])
    assert hass.states.get(meal_amount(2)) is None
    onenata.sim.reset_requests()

    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": meal_amount(2), "value": 20},
        blocking=True,
    )
    await tick(timedelta(seconds=2))
    assert onenata.sim.count("POST", COMMANDS) == 0

    journal = two_meals.runtime_data.journal
    assert journal is not None
    with pytest.raises(ServiceValidationError) as err:
        await journal.async_edit_meal(FEEDER, 5, amount=20)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "no_such_meal"
    assert err.value.translation_placeholders == {"meal": "5"}
    assert "no meal 5" in str(err.value)
    await tick(timedelta(seconds=2))
    assert onenata.sim.count("POST", COMMANDS) == 0
    assert sim_schedule(onenata) == [{"time": "11:00", "amount": 30, "enabled": True}]
