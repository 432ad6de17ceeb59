"""The journal's edges through Home Assistant: what it reads back, what the cloud
says of a paused schedule, edits and meal checks around an unload.

The OneNata simulator serves the devices; time is frozen at 10:30 UTC on a
Wednesday and Home Assistant's time zone is UTC unless a test says otherwise.
Stored data is laid in ``hass_storage`` before the entry is set up, as a
Home Assistant restart (or a hand-edited file) would leave it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.happenings import Meal
from custom_components.petsmart_hub.journal import (
    SAVE_DELAY,
    STORAGE_VERSION,
    Journal,
    storage_key,
)
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from simulator.onenata import api as sim_api, devices as sim_devices, photo_jpeg

from .conftest import Cloud
from .meals_fixtures import (
    CALENDAR,
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
    pause_schedule,
    press_feed,
    schedule_commands,
    set_schedule,
    sim_schedule,
)

# Diagnostics downloads import the Supervisor client, whose models cannot be
# compiled while freezegun has replaced datetime (see test_diagnostics.py).
import_module("homeassistant.components.hassio")

pytestmark = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")

CAMERA = "camera_001"
TOY = "smart_toy_001"
PHOTO = "image.pet_camera_1_latest_photo"
PLAY = "event.smart_toy_1_play_session"
COMMANDS = "/v1/devices/{device_id}/commands"

#: Breakfast at 11:00 (30 g), a disabled lunch at 17:00 (40 g).
TWO_MEALS: list[dict[str, Any]] = [
    {"time": "11:00", "amount": 30, "enabled": True},
    {"time": "17:00", "amount": 40, "enabled": False},
]
BREAKFAST: dict[str, Any] = {"time": "11:00", "amount": 30, "enabled": True}
ONE_MEAL: dict[str, Any] = {"time": "09:00", "amount": 60, "enabled": True}


def at(hour: int, minute: int = 0, second: int = 0, day: int = 15) -> datetime:
    """A moment of January 2025, UTC."""
    return datetime(2025, 1, day, hour, minute, second, tzinfo=UTC)


# --- fixtures and helpers ---------------------------------------------------------


@pytest.fixture
def kept() -> set[str]:
    """The simulated devices the account keeps (the feeder alone: quick polls)."""
    return {FEEDER}


@pytest.fixture
def onenata(onenata: Cloud, kept: set[str]) -> Cloud:
    """The OneNata cloud with only the devices a test needs."""
    for device_id in list(onenata.sim.devices):
        if device_id not in kept:
            del onenata.sim.devices[device_id]
    return onenata


@pytest.fixture
def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    return make_tick(hass, freezer)


@pytest.fixture
def move_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MoveTo:
    return make_move_to(hass, freezer)


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the account up (again) and wait until its entities exist."""
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The account set up, in a Home Assistant whose time zone is UTC."""
    await hass.config.async_set_time_zone("UTC")
    await set_up(hass, config_entry)
    return config_entry


@pytest.fixture
async def two_meals(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """The account with TWO_MEALS sent to the feeder."""
    await set_schedule(hass, TWO_MEALS)
    return entry


def journal_of(entry: MockConfigEntry) -> Journal:
    journal = entry.runtime_data.journal
    assert journal is not None
    return journal


def seed(
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    feeders: dict[str, Any],
    photos: dict[str, Any] | None = None,
) -> None:
    """Lay a journal's file in storage, as an earlier run (or a hand) left it."""
    key = storage_key(entry.entry_id)
    hass_storage[key] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": key,
        "data": {"feeders": feeders, "photos": photos or {}},
    }


def kept_data(hass_storage: dict[str, Any], entry: MockConfigEntry) -> dict[str, Any]:
    """What the entry's journal last wrote."""
    data: dict[str, Any] = hass_storage[storage_key(entry.entry_id)]["data"]
    return data


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return dict(state.attributes)


def mismatch(hass: HomeAssistant) -> tuple[str, str | None, int | None]:
    state = hass.states.get(MISMATCH)
    assert state is not None
    return (
        state.state,
        state.attributes.get("reason"),
        state.attributes.get("meals_sent"),
    )


async def calendar_events(
    hass: HomeAssistant, start: datetime, end: datetime
) -> list[tuple[str, str]]:
    """(start, summary) of the feeder calendar's events in [start, end)."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": CALENDAR, "start_date_time": start, "end_date_time": end},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events: list[dict[str, Any]] = response[CALENDAR]["events"]  # type: ignore[assignment,index]
    return [(event["start"], event["summary"]) for event in events]


def coming_meals(events: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [event for event in events if event[1].startswith("Meal ")]


def pending_call(
    hass: HomeAssistant, domain: str, service: str, data: dict[str, Any]
) -> asyncio.Task[Any]:
    """A blocking service call left running (a user's edit waiting for its send).

    Until time passes the debounce, Home Assistant is not idle (the entity's
    call waits): wait for it only once the send is due (``tick``).
    """
    return hass.async_create_background_task(
        hass.services.async_call(domain, service, data, blocking=True),
        f"petsmart_hub test {service}",
    )


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def fire(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass without waiting for Home Assistant to be idle (a send hangs)."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await settle()


async def stopped(journal: Journal) -> None:
    """Wait until an unload has begun stopping the journal (no edit is taken)."""
    for _ in range(100):
        if journal._stopping:
            break
        await asyncio.sleep(0)
    assert journal._stopping
    await settle()


@contextmanager
def cloud_leaves_out(*names: str) -> Iterator[set[str]]:
    """The simulated cloud's device status without the fields ``names``.

    Yields the set of fields left out: a test may give one back.
    """
    hidden = set(names)
    real = sim_devices.kind_status

    def status(device: sim_devices.SimDevice, now: datetime) -> dict[str, Any]:
        return {k: v for k, v in real(device, now).items() if k not in hidden}

    with (
        patch.object(sim_devices, "kind_status", status),
        patch.object(sim_api, "kind_status", status),
    ):
        yield hidden


type Refresh = Callable[[str], Coroutine[Any, Any, None]]


def refresh_then(
    entry: MockConfigEntry, after: Callable[[str], Awaitable[None]]
) -> Any:
    """Patch the coordinator's fresh read of a device: read, then ``after``."""
    coordinator = entry.runtime_data
    real: Refresh = coordinator.async_refresh_device

    async def refresh(device_id: str) -> None:
        await real(device_id)
        await after(device_id)

    return patch.object(coordinator, "async_refresh_device", refresh)


# --- an edit, and the schedule it was of --------------------------------------------


async def test_an_edit_of_a_meal_a_new_schedule_dropped_is_left_out(
    hass: HomeAssistant, onenata: Cloud, two_meals: MockConfigEntry, tick: Tick
) -> None:
    """Meal 2's amount waits for its send; a one-meal schedule is sent meanwhile.

    The send goes out with the new schedule alone: the edit of a meal no
    longer there is dropped, not laid over meal 1.
    """
    onenata.sim.reset_requests()
    edit = pending_call(
        hass, "number", "set_value", {"entity_id": meal_amount(2), "value": 55}
    )
    await settle()
    assert not edit.done()
    assert state_of(hass, meal_amount(2)) == "55"  # shown while on its way

    # (no waiting for Home Assistant to be idle: the edit keeps it busy)
    await hass.services.async_call(
        DOMAIN,
        "set_feeding_schedule",
        {"device_id": feeder_device(hass), "schedule": [ONE_MEAL]},
        blocking=True,
    )
    await settle()
    assert hass.states.get(meal_amount(2)) is None
    assert not edit.done()
    await tick(timedelta(seconds=2))
    await edit  # the caller hears no error

    assert [command["schedule"] for command in schedule_commands(onenata)] == [
        [ONE_MEAL],
        [ONE_MEAL],
    ]
    assert sim_schedule(onenata) == [ONE_MEAL]
    assert state_of(hass, meal_amount(1)) == "60"
    assert hass.states.get(meal_amount(2)) is None


# --- what storage gives back ------------------------------------------------------


@pytest.mark.parametrize(
    "lunch",
    [
        ["17:00", 40, False],
        {"time": "25:00", "amount": 40},
        {"time": 1700, "amount": 40},
        {"time": "17:00", "amount": True},
        {"time": "17:00", "amount": 0},
        {"time": "17:00", "amount": 501},
        {"time": "17:00", "amount": 40.5},
        {"time": "17:00"},
    ],
    ids=[
        "not a mapping",
        "hour 25",
        "time not text",
        "amount a bool",
        "amount 0",
        "amount 501",
        "amount not whole",
        "no amount",
    ],
)
async def test_a_stored_schedule_with_an_unreadable_meal_is_ignored(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    lunch: Any,
) -> None:
    """One bad meal and the whole schedule is unknown; the rest of the record stays."""
    seed(
        hass_storage,
        config_entry,
        {FEEDER: {"slots": [BREAKFAST, lunch], "timezone": "UTC", "feed_amount": 80}},
    )
    await hass.config.async_set_time_zone("UTC")
    await set_up(hass, config_entry)

    registry = er.async_get(hass)
    for meal in (1, 2):
        for entity_id in meal_entities(meal):
            assert registry.async_get(entity_id) is None, entity_id
    # the feeder's own three meals, none sent from Home Assistant
    assert mismatch(hass) == (STATE_ON, "not_known", None)
    assert coming_meals(await calendar_events(hass, at(0), at(0, day=17))) == []
    assert state_of(hass, FEED_AMOUNT) == "80"
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert kept_data(hass_storage, config_entry)["feeders"][FEEDER]["slots"] is None


async def test_unreadable_moments_records_and_zones_are_left_out(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Moments that do not parse or have no zone, a record that is no mapping, an
    unknown time zone: each is left out, the rest is read (HA's zone is US/Pacific).
    """
    assert hass.config.time_zone == "US/Pacific"
    fed = {"at": "2025-01-15T08:00:00+00:00", "amount": 20, "source": "scheduled"}
    seed(
        hass_storage,
        config_entry,
        {
            FEEDER: {
                "slots": [BREAKFAST],
                "timezone": "Mars/Olympus_Mons",
                "feed_amount": 80,
                "log": [
                    {**fed, "at": "2025-13-45T00:00:00Z"},  # month 13
                    {**fed, "at": "2025-01-15T09:00:00"},  # no time zone
                    fed,
                ],
                "missed": {"at": "2025-01-15T07:00:00", "amount": 30, "slot": 1},
                "judged_until": "2025-13-45T00:00:00Z",
            },
            "feeding_machine_002": ["not", "a", "record"],
        },
    )
    await set_up(hass, config_entry)

    events = await calendar_events(hass, at(0), at(0, day=16))
    # breakfast at 11:00 in Home Assistant's zone, not in an unknown one's
    assert events == [
        ("2025-01-15T08:00:00+00:00", "Fed (20 g)"),
        ("2025-01-15T11:00:00-08:00", "Meal 1 (30 g)"),
    ]
    assert state_of(hass, MISSED) == STATE_OFF
    assert state_of(hass, FEED_AMOUNT) == "80"

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    feeders = kept_data(hass_storage, config_entry)["feeders"]
    assert list(feeders) == [FEEDER]
    kept = feeders[FEEDER]
    assert kept["timezone"] is None
    assert kept["missed"] is None
    assert [entry["at"] for entry in kept["log"]] == [fed["at"]]
    # unreadable, it was judged from the setup's catch-up on
    assert kept["judged_until"] == "2025-01-15T09:30:00+00:00"


@pytest.mark.parametrize("kept", [{FEEDER, CAMERA}])
async def test_the_latest_photo_is_read_back_and_odd_ones_left_out(
    hass: HomeAssistant,
    onenata: Cloud,
    entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    move_to: MoveTo,
    hass_client: ClientSessionGenerator,
) -> None:
    """A photo taken before a restart is the Latest photo after it, bytes and all."""
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.pet_camera_1_take_photo"},
        blocking=True,
    )
    await hass.async_block_till_done()
    (photo,) = onenata.sim.devices[CAMERA].photos
    assert state_of(hass, PHOTO) == "2025-01-15T10:30:00+00:00"
    assert await hass.config_entries.async_unload(entry.entry_id)
    photos = kept_data(hass_storage, entry)["photos"]
    assert list(photos) == [CAMERA]
    taken = photos[CAMERA]
    # a hand adds a field and mangles another; two records are no photo at all
    photos[CAMERA] = {**taken, "thumbnail_url": 5, "taken_by": "a hand"}
    photos[FEEDER] = {"url": 42, "timestamp": taken["timestamp"]}
    photos["camera_002"] = "a photo"

    await move_to(at(11))
    await set_up(hass, entry)

    state = hass.states.get(PHOTO)
    assert state is not None
    assert state.state == "2025-01-15T10:30:00+00:00"
    assert state.attributes["event_type"] == "photo"
    client = await hass_client()
    response = await client.get(state.attributes["entity_picture"])
    assert response.status == 200
    assert await response.read() == photo_jpeg(f"{CAMERA}/{photo}")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert kept_data(hass_storage, entry)["photos"] == {
        CAMERA: {**taken, "thumbnail_url": None}
    }


# --- paused: the cloud's word, else Home Assistant's --------------------------------


async def test_a_cloud_silent_on_pausing_leaves_it_to_home_assistant(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> None:
    """No scheduleStatus: paused is what Home Assistant set, across a reload."""
    entry = config_entry
    await hass.config.async_set_time_zone("UTC")
    with cloud_leaves_out("scheduleStatus"):
        await set_up(hass, entry)
        await set_schedule(hass, TWO_MEALS)
        feeder = entry.runtime_data.data.devices[FEEDER].feeder
        assert feeder is not None
        assert feeder.schedule_paused is None
        assert coming_meals(await calendar_events(hass, at(0), at(0, day=16))) == [
            ("2025-01-15T11:00:00+00:00", "Meal 1 (30 g)")
        ]

        await pause_schedule(hass)
        assert onenata.sim.devices[FEEDER].schedule_paused is True
        assert coming_meals(await calendar_events(hass, at(0), at(0, day=16))) == []
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert coming_meals(await calendar_events(hass, at(0), at(0, day=16))) == []
        assert "message" not in attributes(hass, CALENDAR)

        # the schedule sent again resumes it
        await set_schedule(hass, TWO_MEALS)
        assert coming_meals(await calendar_events(hass, at(0), at(0, day=16))) == [
            ("2025-01-15T11:00:00+00:00", "Meal 1 (30 g)")
        ]


async def test_a_schedule_resumed_in_the_app_is_resumed_in_home_assistant(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    tick: Tick,
    hass_storage: dict[str, Any],
) -> None:
    """Paused from HA, resumed in the vendor's app: the cloud's word wins."""
    await pause_schedule(hass)
    await tick(timedelta(seconds=SAVE_DELAY + 1))
    assert kept_data(hass_storage, two_meals)["feeders"][FEEDER]["paused"] is True
    assert coming_meals(await calendar_events(hass, at(0), at(0, day=16))) == []

    onenata.sim.update_device(FEEDER, schedule_paused=False)  # the app resumes it
    await tick(timedelta(seconds=61))

    assert coming_meals(await calendar_events(hass, at(0), at(0, day=16))) == [
        ("2025-01-15T11:00:00+00:00", "Meal 1 (30 g)")
    ]
    assert attributes(hass, CALENDAR)["message"] == "Meal 1 (30 g)"
    await tick(timedelta(seconds=SAVE_DELAY + 1))
    assert kept_data(hass_storage, two_meals)["feeders"][FEEDER]["paused"] is False


async def test_an_edit_of_a_paused_schedule_keeps_it_paused(
    hass: HomeAssistant, onenata: Cloud, two_meals: MockConfigEntry, tick: Tick
) -> None:
    """A schedule sent resumes a OneNata feeder: the journal pauses it again."""
    await pause_schedule(hass)
    onenata.sim.reset_requests()

    errors = await edit_meals(
        hass, tick, ("number", "set_value", {"entity_id": meal_amount(1), "value": 55})
    )

    assert errors == [None]
    sent = [
        request.json["command"]
        for request in onenata.sim.requests
        if request.route == COMMANDS
    ]
    assert sent == ["setSchedule", "pauseSchedule"]
    assert onenata.sim.devices[FEEDER].schedule_paused is True
    assert sim_schedule(onenata)[0]["amount"] == 55
    assert state_of(hass, meal_amount(1)) == "55"
    assert coming_meals(await calendar_events(hass, at(0), at(0, day=16))) == []


# --- sends that go wrong, and sends around an unload ----------------------------------


async def test_an_unexpected_failure_of_a_send_reaches_the_caller(
    hass: HomeAssistant, onenata: Cloud, two_meals: MockConfigEntry, tick: Tick
) -> None:
    """Not a HomeAssistantError (a bug, say): the caller hears meal_not_sent."""
    onenata.sim.reset_requests()
    with patch.object(
        two_meals.runtime_data, "async_execute", side_effect=KeyError("slots")
    ):
        errors = await edit_meals(
            hass,
            tick,
            ("number", "set_value", {"entity_id": meal_amount(1), "value": 55}),
        )
    (error,) = errors
    assert isinstance(error, HomeAssistantError)
    assert error.translation_domain == DOMAIN
    assert error.translation_key == "meal_not_sent"
    assert state_of(hass, meal_amount(1)) == "30"
    assert schedule_commands(onenata) == []
    assert sim_schedule(onenata) == TWO_MEALS


async def test_sends_in_flight_at_unload(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    tick: Tick,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """One send is on its way when the entry unloads, a second edit waits for it.

    The first goes through: the feeder has it, and so does what HA keeps
    (the unload waits for it before its last write). The second is never
    sent: its caller hears meal_not_sent. Nothing is planned after.
    """
    entry = two_meals
    journal = journal_of(entry)
    account = entry.runtime_data.account
    real = account.async_execute
    gate = asyncio.Event()

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        return await real(*args, **kwargs)

    onenata.sim.reset_requests()
    with patch.object(account, "async_execute", slow):
        first = pending_call(
            hass, "number", "set_value", {"entity_id": meal_amount(1), "value": 55}
        )
        await settle()
        await fire(hass, freezer, timedelta(seconds=2))  # its send waits for the cloud
        assert not first.done()
        second = pending_call(
            hass, "number", "set_value", {"entity_id": meal_amount(2), "value": 45}
        )
        await settle()
        await fire(hass, freezer, timedelta(seconds=2))  # it waits for the first
        assert not second.done()

        unloading = hass.async_create_background_task(
            hass.config_entries.async_unload(entry.entry_id), "unload"
        )
        await stopped(journal)
        assert not journal._stopped  # (the unload waits for the send)
        gate.set()
        assert await unloading

    await first  # the feeder took it
    with pytest.raises(HomeAssistantError) as err:
        await second
    assert err.value.translation_key == "meal_not_sent"
    assert [command["schedule"] for command in schedule_commands(onenata)] == [
        [{**TWO_MEALS[0], "amount": 55}, TWO_MEALS[1]]
    ]
    assert sim_schedule(onenata)[0]["amount"] == 55
    # what the feeder has is what was kept; nothing is planned after
    assert journal._stopped
    assert [slot.amount for slot in journal.slots(FEEDER) or []] == [55, 40]
    stored = kept_data(hass_storage, entry)["feeders"][FEEDER]
    assert [slot["amount"] for slot in stored["slots"]] == [55, 40]
    assert journal._cancel_check is None
    await tick(timedelta(seconds=SAVE_DELAY + 1))
    assert kept_data(hass_storage, entry)["feeders"][FEEDER] == stored


async def test_nothing_is_edited_or_checked_after_the_unload(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
    hass_storage: dict[str, Any],
) -> None:
    """An unloaded journal refuses edits, plans nothing and judges nothing."""
    entry = two_meals
    journal = journal_of(entry)
    onenata.sim.update_device(FEEDER, jammed=True)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    stored = kept_data(hass_storage, entry)
    onenata.sim.reset_requests()

    for edit in (
        journal.async_edit_meal(FEEDER, 1, amount=55),
        journal.async_set_meal_count(FEEDER, 3),
    ):
        with pytest.raises(HomeAssistantError) as err:
            await edit
        assert err.value.translation_key == "meal_not_sent"

    # breakfast's grace ends: no timer fires, nor does a late one judge it
    await move_to(at(11, 10, 10))
    assert journal._cancel_check is None
    journal._check(dt_util.utcnow())
    breakfast = Meal(1, at(11), 30)
    await journal._async_judge({FEEDER: [breakfast]}, dt_util.utcnow())
    record = journal._feeders[FEEDER]
    assert journal._judge(FEEDER, record, breakfast) is False
    journal._plan_check()
    await hass.async_block_till_done()
    assert journal._cancel_check is None
    assert journal.missed(FEEDER) is None
    assert onenata.sim.requests == []
    assert schedule_commands(onenata) == []
    assert kept_data(hass_storage, entry) == stored


# --- meal checks that find something gone --------------------------------------------


async def test_a_meal_check_the_unload_overtakes_judges_nothing(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Breakfast's check reads the jammed feeder; the entry unloads meanwhile."""
    entry = two_meals
    journal = journal_of(entry)
    onenata.sim.update_device(FEEDER, jammed=True)
    await move_to(at(11, 5))
    read = asyncio.Event()
    gate = asyncio.Event()

    async def wait_for_the_unload(_device_id: str) -> None:
        read.set()
        await gate.wait()

    with refresh_then(entry, wait_for_the_unload):
        freezer.move_to(at(11, 10, 10))
        async_fire_time_changed(hass)
        await asyncio.wait_for(read.wait(), 5)
        unloading = hass.async_create_background_task(
            hass.config_entries.async_unload(entry.entry_id), "unload"
        )
        await stopped(journal)
        stored = kept_data(hass_storage, entry)
        gate.set()
        assert await unloading
    await hass.async_block_till_done()

    assert journal.missed(FEEDER) is None
    assert [e.source for e in journal.log(FEEDER)] == []
    assert journal._cancel_check is None
    await move_to(at(11, 30))
    assert kept_data(hass_storage, entry) == stored
    assert stored["feeders"][FEEDER]["missed"] is None


async def test_a_meal_due_for_a_feeder_that_left_the_account(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
) -> None:
    """The feeder leaves the account while its meal is checked: nothing is missed."""
    entry = two_meals
    journal = journal_of(entry)
    coordinator = entry.runtime_data
    onenata.sim.update_device(FEEDER, jammed=True)
    missed = Fired(hass, MISSED_EVENT)
    await move_to(at(11, 5))

    async def leave(device_id: str) -> None:
        onenata.sim.remove_device(device_id)
        await coordinator.async_confirm_removed([device_id])

    with refresh_then(entry, leave):
        await move_to(at(11, 10, 10))

    assert FEEDER not in coordinator.data.devices
    assert missed.events == []
    assert journal.missed(FEEDER) is None
    assert journal._cancel_check is None  # no feeder left to watch
    assert hass.states.get(MISSED) is None


async def test_a_record_gone_between_the_check_and_the_judging(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    move_to: MoveTo,
) -> None:
    """The journal no longer keeps the feeder once read: it is not judged."""
    entry = two_meals
    journal = journal_of(entry)
    onenata.sim.update_device(FEEDER, jammed=True)
    missed = Fired(hass, MISSED_EVENT)
    await move_to(at(11, 5))

    async def forget(device_id: str) -> None:
        journal._feeders.pop(device_id)

    with refresh_then(entry, forget):
        await move_to(at(11, 10, 10))

    assert missed.events == []
    assert journal.missed(FEEDER) is None
    assert state_of(hass, MISSED) == STATE_OFF
    assert journal._cancel_check is None


async def test_a_schedule_of_disabled_meals_plans_no_check(
    hass: HomeAssistant, onenata: Cloud, entry: MockConfigEntry, move_to: MoveTo
) -> None:
    """Every meal switched off: nothing to wait for, nothing missed."""
    await set_schedule(hass, [{**BREAKFAST, "enabled": False}])
    journal = journal_of(entry)
    assert journal._cancel_check is None
    onenata.sim.update_device(FEEDER, jammed=True)
    missed = Fired(hass, MISSED_EVENT)
    await move_to(at(11, 10, 10))
    assert missed.events == []
    assert state_of(hass, MISSED) == STATE_OFF


# --- a feeder the account lost, in the diagnostics ---------------------------------


@pytest.mark.parametrize("kept", [{FEEDER, CAMERA}])
async def test_diagnostics_of_a_feeder_no_longer_listed(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    tick: Tick,
    hass_client: ClientSessionGenerator,
) -> None:
    """What HA keeps of a feeder that left the account shows, without its name."""
    entry = two_meals
    onenata.sim.remove_device(FEEDER)
    for _ in range(5):
        await tick(timedelta(seconds=61))
        if FEEDER not in entry.runtime_data.data.devices:
            break
    assert FEEDER not in entry.runtime_data.data.devices

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    (feeder,) = diagnostics["journal"]["feeders"]
    assert feeder["device"] == "a device no longer listed"
    assert feeder["slots"] == TWO_MEALS
    assert feeder["mismatch"] is None
    assert journal_of(entry).mismatch(FEEDER) is None


# --- what readings tell -------------------------------------------------------------


@pytest.mark.parametrize("kept", [{TOY}])
async def test_a_play_session_the_cloud_does_not_time(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """No lastSessionDuration: the session lasted from when it was seen playing.

    Its end is seen (playing no more) before lastPlaySession is told; that
    later news is the same session, not a second one.
    """
    sim = onenata.sim
    with cloud_leaves_out("lastSessionDuration", "lastPlaySession") as hidden:
        await set_up(hass, config_entry)
        played = Fired(hass, PLAY)
        started = dt_util.utcnow()
        sim.devices[TOY].start("play", "play_test", started, 300, mode="chase")
        await tick(timedelta(seconds=61))  # a poll sees it playing
        seen = dt_util.utcnow()
        assert played.events == []
        await tick(timedelta(seconds=300))  # over at +300 s, seen at +361 s
        ended = dt_util.utcnow()
        assert played.events == [
            {"event_type": "play_session", "time": ended.isoformat()}
        ]
        assert attributes(hass, PLAY)["duration"] == round(
            (ended - seen).total_seconds()
        )
        hidden.discard("lastPlaySession")  # the cloud tells the end at last
        await tick(timedelta(seconds=61))
        await tick(timedelta(seconds=61))
    assert sim.devices[TOY].last_play_session == started + timedelta(seconds=300)
    assert len(played.events) == 1


async def test_a_feed_time_that_comes_back_is_not_told_again(
    hass: HomeAssistant,
    onenata: Cloud,
    two_meals: MockConfigEntry,
    tick: Tick,
) -> None:
    """lastFeedTime goes to null and back within the hour: one Fed, one entry."""
    fed = Fired(hass, FED_EVENT)
    await press_feed(hass)
    assert [event["time"] for event in fed.events] == ["2025-01-15T10:30:00+00:00"]

    onenata.sim.update_device(FEEDER, last_feed_time=None)
    await tick(timedelta(seconds=61))
    onenata.sim.update_device(FEEDER, last_feed_time=at(10, 30))
    await tick(timedelta(seconds=61))
    feeder = two_meals.runtime_data.data.devices[FEEDER].feeder
    assert feeder is not None
    assert feeder.last_feed == at(10, 30)

    assert len(fed.events) == 1
    events = await calendar_events(hass, at(0), at(0, day=16))
    assert [summary for _, summary in events if summary.startswith("Fed")] == [
        "Fed (50 g)"
    ]
    assert len(journal_of(two_meals).log(FEEDER)) == 1
