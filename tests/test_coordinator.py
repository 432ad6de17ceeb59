"""Tests of the account coordinator, driven through Home Assistant and the simulator.

Polling tiers, a failing device, an offline device, a whole-account outage,
a rejected key, devices coming and going, the concurrency cap, and what the
coordinator does around commands, streams and other one-off calls.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
import logging
import math

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub.const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_VENDOR,
    DOMAIN,
    SCAN_INTERVAL,
)
from custom_components.petsmart_hub.coordinator import (
    device_identifier as registry_identifier,
    error_translation_key,
)
from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    DeviceNotFoundError,
    RateLimitError,
    RequestRejectedError,
    VendorError,
)
from custom_components.petsmart_hub.vendors.descriptor import account_unique_id
from custom_components.petsmart_hub.vendors.onenata import SLOW_TIER_INTERVAL
from custom_components.petsmart_hub.vendors.onenata.account import (
    INVENTORY_INTERVAL,
    _phase,
)
from custom_components.petsmart_hub.vendors.onenata.client import CONCURRENT_REQUESTS
from homeassistant.components.camera import async_get_stream_source
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.core import start_server
from simulator.onenata import OneNataSimulator
from simulator.onenata.devices import iso

from .conftest import API_KEY, VENDOR_ONENATA, Cloud
from .registry import find_device

FROZEN = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")

FAST = timedelta(seconds=SCAN_INTERVAL)
SLOW = SLOW_TIER_INTERVAL

DEVICES = "/v1/devices"
STATUS = "/v1/devices/{device_id}/status"
LOCATION = "/v1/devices/{device_id}/location"
HISTORY = "/v1/devices/{device_id}/location/history"
FOOD = "/v1/devices/{device_id}/food-level"
WATER = "/v1/devices/{device_id}/water-quality"
USAGE = "/v1/devices/{device_id}/usage-stats"
INSIGHTS = "/v1/devices/{device_id}/health-insights"
ACTIVITY = "/v1/devices/{device_id}/activity"
STREAM = "/v1/devices/{device_id}/stream"
COMMANDS = "/v1/devices/{device_id}/commands"

#: Slow-tier endpoint -> the one device of the fleet that uses it.
SLOW_ROUTES = {
    FOOD: "feeding_machine_001",
    WATER: "water_fountain_001",
    USAGE: "litterbox_001",
    INSIGHTS: "litterbox_001",
    ACTIVITY: "smart_toy_001",
}
#: What a regular poll reads (the device list only every INVENTORY_INTERVAL).
FAST_ROUTES = {STATUS, LOCATION}

COORDINATOR_LOGGER = "custom_components.petsmart_hub"
OUTAGE_LOG = "Error fetching petsmart_hub OneNata data"
RECOVERY_LOG = "Fetching petsmart_hub OneNata data recovered"

type Tick = Callable[[timedelta], Awaitable[None]]


@pytest.fixture
def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    """Move frozen time on and let every timer that fell due run."""

    async def _tick(delta: timedelta) -> None:
        freezer.tick(delta)
        async_fire_time_changed(hass)
        # Polls run as background tasks of the entry.
        await hass.async_block_till_done(wait_background_tasks=True)

    return _tick


def entity_ids(hass: HomeAssistant, device_id: str) -> set[str]:
    """Entity ids (enabled ones) of a OneNata device, from the registries."""
    device = find_device(hass, f"onenata_{device_id}")
    assert device is not None, device_id
    return {
        entry.entity_id
        for entry in er.async_entries_for_device(er.async_get(hass), device.id)
    }


def all_entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Every enabled entity of the account."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.disabled_by is None
    }


def enable_last_report(
    hass: HomeAssistant, entry: MockConfigEntry, device_id: str, entity_id: str
) -> None:
    """Enable a device's Last report sensor (disabled by default) before setup.

    Its registry entry is made enabled, as a user who enabled it leaves it.
    """
    er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        f"{registry_identifier(entry.entry_id, device_id)}_last_report",
        suggested_object_id=entity_id.removeprefix("sensor."),
        config_entry=entry,
    )


def unavailable(hass: HomeAssistant, entity_ids: set[str]) -> set[str]:
    """The entities among ``entity_ids`` whose state is unavailable."""
    found = set()
    for entity_id in entity_ids:
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        if state.state == STATE_UNAVAILABLE:
            found.add(entity_id)
    return found


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[object]:
    """Reauth flows in progress for the entry."""
    return list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


# --- polling tiers --------------------------------------------------------------


def slow_minutes(device_id: str, until: int) -> list[int]:
    """The polls (minutes after setup) at which a device's slow tier is read.

    First due one slow interval after setup, stretched by the device's phase,
    then exactly one slow interval after it was last due (no drift): each
    falls on the first poll at or after it is due.
    """
    due = SLOW.total_seconds() * (1 + _phase(device_id))
    minutes = []
    while (minute := math.ceil(due / FAST.total_seconds())) <= until:
        minutes.append(minute)
        due += SLOW.total_seconds()
    return minutes


@FROZEN
async def test_fast_tier_then_slow_tier(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Each tier at its own pace, each device at its own point of it.

    A device's status every scan interval (a tracker's every other), the
    device list every INVENTORY_INTERVAL, levels and statistics every slow
    interval.
    """
    sim = onenata.sim
    # The first refresh fetches the list and both tiers of every device.
    assert sim.count("GET", DEVICES) == 1
    assert sim.count("GET", STATUS) == 6
    assert sim.count("GET", LOCATION, "gps_tracker_001") == 1
    for route, device_id in SLOW_ROUTES.items():
        assert sim.count("GET", route, device_id) == 1, route

    until = 45
    polls: dict[int, list[tuple[str, str | None]]] = {}
    for minute in range(1, until + 1):
        sim.reset_requests()
        await tick(FAST)
        assert {r.method for r in sim.requests} == {"GET"}
        polls[minute] = [(r.route, r.device_id) for r in sim.requests]

    def read_at(route: str, device_id: str | None = None) -> list[int]:
        return [
            minute
            for minute, requests in polls.items()
            for request in requests
            if request[0] == route and device_id in (None, request[1])
        ]

    # Every device but the tracker: its status at every poll, once.
    for device_id in set(sim.devices) - {"gps_tracker_001"}:
        assert read_at(STATUS, device_id) == list(range(1, until + 1)), device_id
    # The tracker (status and position: two requests) every other poll, from
    # the poll its phase gives.
    first = 1 + int(_phase("gps_tracker_001") * 2)
    tracker_polls = list(range(first, until + 1, 2))
    assert read_at(STATUS, "gps_tracker_001") == tracker_polls
    assert read_at(LOCATION) == tracker_polls
    assert read_at(LOCATION, "gps_tracker_001") == tracker_polls
    # The device list: every 30 minutes only.
    assert read_at(DEVICES) == [INVENTORY_INTERVAL // FAST]

    # Each slow tier falls due at its device's own point of the slow interval,
    # then exactly one slow interval later.
    for route in (FOOD, WATER, ACTIVITY):
        device_id = SLOW_ROUTES[route]
        expected = slow_minutes(device_id, until)
        assert len(expected) == 2, route
        assert expected[1] == expected[0] + SLOW // FAST, route
        assert read_at(route) == expected, route
        assert read_at(route, device_id) == expected, route
    # A litter box reads one of its two slow answers at each slow read, in
    # turn (both were read at setup).
    litter = slow_minutes("litterbox_001", until)
    assert len(litter) == 2
    assert read_at(INSIGHTS) == read_at(INSIGHTS, "litterbox_001") == litter[:1]
    assert read_at(USAGE) == read_at(USAGE, "litterbox_001") == litter[1:]
    # the devices' slow reads do not all land on one poll
    assert (
        len({slow_minutes(device_id, until)[0] for device_id in SLOW_ROUTES.values()})
        > 1
    )

    # A poll with nothing slow due reads statuses (and positions) only.
    quiet = set(polls) - {
        minute for route in (DEVICES, *SLOW_ROUTES) for minute in read_at(route)
    }
    assert len(quiet) > 30
    for minute in quiet:
        assert {route for route, _ in polls[minute]} <= FAST_ROUTES, minute


@FROZEN
async def test_polling_intervals_are_no_options(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """HA core's rule: the integration decides; intervals left in options are ignored."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={"scan_interval": 3600, "slow_scan_interval": 600}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = config_entry.runtime_data
    assert coordinator.update_interval == FAST
    sim = onenata.sim
    sim.reset_requests()
    await tick(FAST)
    assert {request.route for request in sim.requests} == FAST_ROUTES


# --- one device failing ----------------------------------------------------------


@FROZEN
async def test_failing_device_only_takes_its_own_entities_down(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device whose requests fail is unavailable; the others carry on."""
    caplog.set_level(logging.INFO, logger=COORDINATOR_LOGGER)
    sim = onenata.sim
    fountain = entity_ids(hass, "water_fountain_001")
    others = all_entity_ids(hass, init_integration) - fountain
    assert len(fountain) == 17  # (and its Last report, disabled by default)
    assert not unavailable(hass, fountain | others)

    sim.add_fault("http_500", device_id="water_fountain_001")
    await tick(FAST)
    # on to the poll at which its slow tier falls due (its own point of the
    # slow interval), which fails too
    due = slow_minutes("water_fountain_001", 60)[0]
    await tick(FAST * (due - 1))
    assert unavailable(hass, fountain) == fountain
    assert not unavailable(hass, others)
    assert init_integration.runtime_data.last_update_success
    message = "Water Fountain 1 is unavailable"
    assert caplog.text.count(message) == 1

    # The slow tier it missed is fetched at the first poll after it recovers;
    # the other devices are not due yet.
    assert slow_minutes("feeding_machine_001", 60)[0] > due + 1
    sim.clear_faults()
    sim.reset_requests()
    await tick(FAST)
    assert not unavailable(hass, fountain | others)
    assert sim.count("GET", WATER, "water_fountain_001") == 1
    assert sim.count("GET", FOOD) == 0
    assert hass.states.get("sensor.water_fountain_1_water_level").state == "75.0"
    assert caplog.text.count("Water Fountain 1 is available") == 1


@FROZEN
async def test_device_failing_at_setup(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry, tick: Tick
) -> None:
    """A device that fails during the first refresh does not fail the entry."""
    onenata.sim.add_fault("malformed_json", route=STATUS, device_id="camera_001")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    # (whether it is online is not known yet: no connectivity sensor so far)
    camera = entity_ids(hass, "camera_001")
    assert camera == {
        "camera.pet_camera_1",
        "binary_sensor.pet_camera_1_recording",
        "button.pet_camera_1_take_photo",
        "button.pet_camera_1_start_recording",
        "event.pet_camera_1_alert",
        "image.pet_camera_1_latest_photo",
    }
    assert unavailable(hass, all_entity_ids(hass, config_entry)) == camera

    onenata.sim.clear_faults()
    await tick(FAST)
    assert not unavailable(hass, all_entity_ids(hass, config_entry))
    assert hass.states.get("binary_sensor.pet_camera_1_recording").state == STATE_OFF
    # once its cloud told, it has its connectivity sensor
    connectivity = hass.states.get("binary_sensor.pet_camera_1_connectivity")
    assert connectivity is not None
    assert connectivity.state == STATE_ON


# --- a device the cloud reports offline ---------------------------------------------


@FROZEN
async def test_offline_device(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry, tick: Tick
) -> None:
    """Offline: only connectivity and the report times stay available."""
    # (the Last report sensors are disabled by default: the user enabled them)
    config_entry.add_to_hass(hass)
    enable_last_report(
        hass, config_entry, "smart_toy_001", "sensor.smart_toy_1_last_report"
    )
    enable_last_report(
        hass, config_entry, "gps_tracker_001", "sensor.gps_tracker_1_last_report"
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    sim = onenata.sim
    toy = entity_ids(hass, "smart_toy_001")
    tracker = entity_ids(hass, "gps_tracker_001")
    others = all_entity_ids(hass, config_entry) - toy - tracker
    assert "sensor.smart_toy_1_last_report" in toy
    assert "sensor.gps_tracker_1_last_report" in tracker

    sim.set_online("smart_toy_001", False)
    sim.set_online("gps_tracker_001", False)
    went_offline = sim.devices["smart_toy_001"].offline_since
    assert went_offline is not None
    await tick(FAST)

    # an offline device's pushed alert still tells
    toy_kept = {
        "binary_sensor.smart_toy_1_connectivity",
        "sensor.smart_toy_1_last_report",
        "event.smart_toy_1_alert",
        "event.smart_toy_1_play_session",  # (a session seen late still tells)
    }
    tracker_kept = {
        "binary_sensor.gps_tracker_1_connectivity",
        "sensor.gps_tracker_1_last_report",
        "sensor.gps_tracker_1_last_seen",
        "event.gps_tracker_1_alert",
        "event.gps_tracker_1_safe_zone",
    }
    assert unavailable(hass, toy) == toy - toy_kept
    assert unavailable(hass, tracker) == tracker - tracker_kept
    assert "device_tracker.gps_tracker_1" in unavailable(hass, tracker)
    assert not unavailable(hass, others)
    assert hass.states.get("binary_sensor.smart_toy_1_connectivity").state == STATE_OFF
    assert hass.states.get("sensor.smart_toy_1_last_report").state == (
        went_offline.replace(microsecond=0).isoformat()
    )

    sim.set_online("smart_toy_001", True)
    sim.set_online("gps_tracker_001", True)
    await tick(FAST)
    assert not unavailable(hass, toy | others)
    assert hass.states.get("binary_sensor.smart_toy_1_connectivity").state == STATE_ON
    # a tracker is read every other poll: back at the next one
    assert unavailable(hass, tracker) == tracker - tracker_kept
    await tick(FAST)
    assert not unavailable(hass, toy | tracker | others)
    assert hass.states.get("binary_sensor.gps_tracker_1_connectivity").state == STATE_ON


# --- the whole account --------------------------------------------------------------


@FROZEN
@pytest.mark.parametrize(
    "fault",
    [
        "http_500",
        "http_429",
        "body_code",
        "malformed_json",
        "html_error",
        "missing_fields",
    ],
)
async def test_account_outage_and_recovery(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """The device list failing takes everything down, logged once each way."""
    sim = onenata.sim
    everything = all_entity_ids(hass, init_integration)
    sim.add_fault(fault, route=DEVICES)
    sim.reset_requests()
    # the list is read every INVENTORY_INTERVAL, then at every poll until it
    # answers again
    await tick(INVENTORY_INTERVAL)
    for _ in range(2):
        await tick(FAST)
    assert unavailable(hass, everything) == everything
    assert sim.count("GET", DEVICES) == 3
    assert sim.count("GET", STATUS) == 0
    assert caplog.text.count(OUTAGE_LOG) == 1
    assert RECOVERY_LOG not in caplog.text

    sim.clear_faults()
    await tick(FAST)
    await tick(FAST)
    assert not unavailable(hass, everything)
    assert caplog.text.count(OUTAGE_LOG) == 1
    assert caplog.text.count(RECOVERY_LOG) == 1
    assert init_integration.state is ConfigEntryState.LOADED


@FROZEN
async def test_rejected_key_while_polling_starts_reauth(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """401 on the device list: ConfigEntryAuthFailed, a reauth flow, unavailable."""
    assert not reauth_flows(hass, init_integration)
    onenata.sim.api_key = "a-rotated-key"
    await tick(FAST)

    flows = reauth_flows(hass, init_integration)
    assert len(flows) == 1
    everything = all_entity_ids(hass, init_integration)
    assert unavailable(hass, everything) == everything
    # Nothing is deleted: the entry waits for a new key.
    assert init_integration.state is ConfigEntryState.LOADED
    assert (
        len(
            dr.async_entries_for_config_entry(
                dr.async_get(hass), init_integration.entry_id
            )
        )
        == 6
    )


@FROZEN
async def test_rejected_key_on_a_device_starts_reauth(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """401 on one device's status is an account problem too."""
    onenata.sim.add_fault("http_401", route=STATUS, device_id="litterbox_001", times=1)
    await tick(FAST)
    assert len(reauth_flows(hass, init_integration)) == 1
    assert not init_integration.runtime_data.last_update_success


@FROZEN
@pytest.mark.parametrize("fault", ["http_500", "html_error", "body_code", "http_429"])
async def test_first_refresh_failure_retries_setup(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    tick: Tick,
    fault: str,
) -> None:
    """The cloud failing at start-up: SETUP_RETRY, then loaded once it is back."""
    onenata.sim.add_fault(fault, route=DEVICES)
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.states.async_entity_ids("sensor")

    onenata.sim.clear_faults()
    await tick(timedelta(seconds=30))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.smart_feeder_1_food_level").state == "60.0"


@FROZEN
async def test_first_refresh_rejected_key(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> None:
    """A rejected key at start-up: setup error and a reauth flow."""
    onenata.sim.api_key = "another-key"
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, config_entry)) == 1


# --- devices coming and going ----------------------------------------------------------


@FROZEN
async def test_new_device_appears_without_reload(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """A device added to the account gets its device and entities at the next listing."""
    coordinator = init_integration.runtime_data
    sim = onenata.sim
    added = sim.add_device("feedingMachine", serial="ON-SF-777")
    added.food_grams = 500
    assert hass.states.get("sensor.smart_feeder_2_food_level") is None

    # the device list is read every INVENTORY_INTERVAL, not at every poll
    await tick(FAST)
    assert find_device(hass, "onenata_feeding_machine_002") is None
    assert sim.count("GET", DEVICES) == 1  # (at setup)
    await tick(INVENTORY_INTERVAL - FAST)
    assert sim.count("GET", DEVICES) == 2
    assert init_integration.runtime_data is coordinator  # no reload
    device = find_device(hass, "onenata_feeding_machine_002")
    assert device is not None
    assert device.serial_number == "ON-SF-777"
    assert device.name == "Smart Feeder 2"
    # A new device gets its slow tier at once.
    assert sim.count("GET", FOOD, "feeding_machine_002") == 1
    assert hass.states.get("sensor.smart_feeder_2_food_level").state == "25.0"
    assert hass.states.get("sensor.smart_feeder_2_food_remaining").state == "500.0"
    assert hass.states.get("button.smart_feeder_2_feed") is not None
    assert (
        hass.states.get("binary_sensor.smart_feeder_2_connectivity").state == STATE_ON
    )
    # The existing feeder is not added twice.
    assert len(entity_ids(hass, "feeding_machine_001")) == len(
        entity_ids(hass, "feeding_machine_002")
    )


@FROZEN
async def test_removed_device_leaves_the_registry(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """A device gone from the account is removed with its entities."""
    entity_registry = er.async_get(hass)
    toy = entity_ids(hass, "smart_toy_001")
    camera = entity_ids(hass, "camera_001")
    others = all_entity_ids(hass, init_integration) - toy - camera
    coordinator = init_integration.runtime_data
    assert await async_get_stream_source(hass, "camera.pet_camera_1")
    assert coordinator.cached_stream("camera_001") is not None

    sim = onenata.sim
    sim_toy = sim.devices["smart_toy_001"]
    sim.remove_device("smart_toy_001")
    sim.remove_device("camera_001")
    sim.reset_requests()
    await tick(FAST)
    # their own answers (404) make them unavailable, and have the device list
    # read at the next poll
    assert sim.count("GET", DEVICES) == 0
    assert find_device(hass, "onenata_smart_toy_001") is not None
    assert unavailable(hass, toy | camera) == toy | camera
    assert not unavailable(hass, others)

    # one device list without them is not enough (they still answer 404)
    await tick(FAST)
    assert sim.count("GET", DEVICES) == 1
    assert find_device(hass, "onenata_smart_toy_001") is not None
    assert find_device(hass, "onenata_camera_001") is not None
    assert unavailable(hass, toy | camera) == toy | camera

    await tick(FAST)
    assert sim.count("GET", DEVICES) == 2
    assert coordinator.cached_stream("camera_001") is None
    assert find_device(hass, "onenata_camera_001") is None

    assert find_device(hass, "onenata_smart_toy_001") is None
    for entity_id in toy:
        assert entity_registry.async_get(entity_id) is None
        assert hass.states.get(entity_id) is None
    assert all_entity_ids(hass, init_integration) == others
    assert not unavailable(hass, others)

    # It comes back if the account gets it again, at the next listing (the
    # 404s the confirming listing got have the list read at the next poll).
    sim.devices[sim_toy.device_id] = sim_toy
    await tick(FAST)
    assert sim.count("GET", DEVICES) == 3
    assert all_entity_ids(hass, init_integration) == others | toy
    assert hass.states.get("sensor.smart_toy_1_battery").state == "90.0"


@FROZEN
async def test_device_removed_while_home_assistant_was_stopped(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """A device that left while the entry was unloaded is removed at next start."""
    entry_id = init_integration.entry_id
    assert await hass.config_entries.async_unload(entry_id)
    await hass.async_block_till_done()
    onenata.sim.remove_device("litterbox_001")

    assert await hass.config_entries.async_setup(entry_id)
    await hass.async_block_till_done()
    device_registry = dr.async_get(hass)
    # the first list after the start counts once; the next list confirms it
    # (by the time the list is read again, at the latest)
    assert find_device(hass, "onenata_litterbox_001") is not None
    await tick(INVENTORY_INTERVAL)
    assert find_device(hass, "onenata_litterbox_001") is None
    assert len(dr.async_entries_for_config_entry(device_registry, entry_id)) == 5
    assert hass.states.get("sensor.litter_box_1_litter_level") is None


@FROZEN
async def test_device_removed_while_stopped_goes_at_the_next_poll(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Its status answered 404 at start: the next poll lists, and confirms it."""
    sim = onenata.sim
    entry_id = init_integration.entry_id
    assert await hass.config_entries.async_unload(entry_id)
    await hass.async_block_till_done()
    sim.remove_device("litterbox_001")

    assert await hass.config_entries.async_setup(entry_id)
    await hass.async_block_till_done()
    assert find_device(hass, "onenata_litterbox_001") is not None
    assert sim.count("GET", STATUS, "litterbox_001") >= 1  # (404: the probe)
    sim.reset_requests()
    await tick(FAST)
    assert sim.count("GET", DEVICES) == 1
    assert find_device(hass, "onenata_litterbox_001") is None


@FROZEN
async def test_firmware_and_name_changes_reach_the_registry(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """A firmware update or a rename in the vendor app updates the device.

    The device list tells them: they come with its next reading.
    """
    sim_device = onenata.sim.devices["feeding_machine_001"]
    sim_device.firmware = "1.5.0"
    sim_device.name = "Kitchen Feeder"
    await tick(FAST)
    device = find_device(hass, "onenata_feeding_machine_001")
    assert device is not None
    assert device.sw_version == "1.4.2"  # (no list read yet)
    await tick(INVENTORY_INTERVAL - FAST)

    device = find_device(hass, "onenata_feeding_machine_001")
    assert device is not None
    assert device.sw_version == "1.5.0"
    assert device.name == "Kitchen Feeder"
    # Entity ids stay as they were.
    assert hass.states.get("sensor.smart_feeder_1_food_level") is not None


# --- concurrency -------------------------------------------------------------------------


@dataclass
class InFlight:
    """Counts the requests the simulator is serving at the same time."""

    now: int = 0
    peak: int = 0

    @web.middleware
    async def middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Count a request for as long as it is served (latency included)."""
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            return await handler(request)
        finally:
            self.now -= 1


@pytest.fixture
async def slow_cloud(
    socket_enabled: None,
) -> AsyncGenerator[tuple[OneNataSimulator, InFlight, MockConfigEntry]]:
    """A simulator answering every request after 0.2 s, with an in-flight gauge."""
    sim = OneNataSimulator(api_key=API_KEY, devices_per_kind=1, latency=0.2)
    gauge = InFlight()
    # Outermost, so that the latency the core middleware adds is counted.
    sim.app.middlewares.insert(0, gauge.middleware)
    server = await start_server(sim)
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title="OneNata",
        unique_id=account_unique_id(VENDOR_ONENATA, API_KEY),
        data={
            CONF_VENDOR: VENDOR_ONENATA,
            CONF_API_KEY: API_KEY,
            CONF_BASE_URL: f"{server.url}/v1",
        },
    )
    yield sim, gauge, entry
    await server.close()


async def test_refresh_runs_devices_concurrently_under_the_cap(
    hass: HomeAssistant,
    slow_cloud: tuple[OneNataSimulator, InFlight, MockConfigEntry],
) -> None:
    """Six devices are refreshed side by side, never more than the cap at once."""
    sim, gauge, entry = slow_cloud
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert len(sim.devices) > CONCURRENT_REQUESTS
    # the cap was reached (requests overlapped) and never passed; no clock is
    # read: a busy CI machine made "faster than one after the other" flaky
    assert gauge.peak == CONCURRENT_REQUESTS
    assert len(sim.requests) >= 13


# --- commands, streams and other one-off calls ----------------------------------------------


@FROZEN
async def test_command_refreshes_only_its_device(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """After a command only that device is fetched again (both tiers)."""
    sim = onenata.sim
    sim.reset_requests()
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.smart_feeder_1_feed"}, blocking=True
    )
    assert {request.device_id for request in sim.requests} == {"feeding_machine_001"}
    assert sim.count("POST", COMMANDS) == 1
    assert sim.count("GET", STATUS) == 1
    assert sim.count("GET", FOOD) == 1
    assert sim.count("GET", DEVICES) == 0
    assert hass.states.get("sensor.smart_feeder_1_food_remaining").state == "1150.0"
    assert hass.states.get("sensor.smart_feeder_1_last_feed").state == (
        "2025-01-15T10:30:00+00:00"
    )


@FROZEN
@pytest.mark.parametrize("fault", ["http_500", "body_code", "html_error"])
async def test_command_failure_is_a_translated_error(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    fault: str,
) -> None:
    """A failing command raises HomeAssistantError and leaves entities alone."""
    onenata.sim.add_fault(fault, route=COMMANDS)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.smart_feeder_1_feed"},
            blocking=True,
        )
    assert err.value.translation_key == "action_failed"
    assert err.value.translation_placeholders["device"] == "Smart Feeder 1"
    assert err.value.translation_placeholders["action"] == "feed"
    assert hass.states.get("sensor.smart_feeder_1_food_remaining").state == "1200.0"
    assert not reauth_flows(hass, init_integration)


@FROZEN
async def test_command_rejected_key_starts_reauth(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """401 on a command: translated auth error and a reauth flow."""
    onenata.sim.add_fault("http_401", route=COMMANDS)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.smart_toy_1_start_play"},
            blocking=True,
        )
    assert err.value.translation_key == "auth_failed"
    assert len(reauth_flows(hass, init_integration)) == 1


@FROZEN
async def test_refresh_after_command_fails(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The command went through but the refresh after it failed."""
    caplog.set_level(logging.INFO, logger=COORDINATOR_LOGGER)
    sim = onenata.sim
    toy = entity_ids(hass, "smart_toy_001")
    sim.add_fault("http_500", route=STATUS, device_id="smart_toy_001", times=1)
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.smart_toy_1_start_play"}, blocking=True
    )
    assert sim.devices["smart_toy_001"].active("play", sim.clock.now()) is not None
    assert unavailable(hass, toy) == toy
    assert caplog.text.count("Smart Toy 1 is unavailable") == 1

    await tick(FAST)
    assert not unavailable(hass, toy)
    assert hass.states.get("binary_sensor.smart_toy_1_playing").state == STATE_ON


@FROZEN
async def test_refresh_after_command_rejected_key(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A key rejected right after a successful command starts reauth, no error."""
    sim = onenata.sim
    sim.add_fault("http_401", route=STATUS, device_id="feeding_machine_001", times=1)
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.smart_feeder_1_feed"}, blocking=True
    )
    assert sim.devices["feeding_machine_001"].food_grams == 1150
    assert len(reauth_flows(hass, init_integration)) == 1
    feeder = entity_ids(hass, "feeding_machine_001")
    assert unavailable(hass, feeder) == feeder


@FROZEN
async def test_stream_url_is_reused_until_it_nears_expiry(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A signed stream URL is cached and renewed shortly before expiresAt."""
    sim = onenata.sim
    sim.reset_requests()
    url = await async_get_stream_source(hass, "camera.pet_camera_1")
    assert url == f"{onenata.server.url}/live/camera_001/playlist.m3u8"
    await async_get_stream_source(hass, "camera.pet_camera_1")
    assert sim.count("GET", STREAM) == 1

    freezer.tick(timedelta(minutes=8, seconds=59))  # expires after 10 minutes
    await async_get_stream_source(hass, "camera.pet_camera_1")
    assert sim.count("GET", STREAM) == 1
    freezer.tick(timedelta(seconds=2))  # now within the 60 s margin
    await async_get_stream_source(hass, "camera.pet_camera_1")
    assert sim.count("GET", STREAM) == 2


@FROZEN
@pytest.mark.parametrize(
    ("fault", "translation_key"),
    [
        ("http_500", "cannot_connect"),
        ("http_429", "rate_limited"),
        ("malformed_json", "bad_response"),
        ("http_401", "auth_failed"),
    ],
)
async def test_one_off_call_failures(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    fault: str,
    translation_key: str,
) -> None:
    """Vendor errors of one-off calls become translated HomeAssistantErrors."""
    onenata.sim.add_fault(fault, route=HISTORY)
    device = find_device(hass, "onenata_gps_tracker_001")
    assert device is not None
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_location_history",
            {"device_id": device.id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == translation_key
    assert len(reauth_flows(hass, init_integration)) == (
        1 if fault == "http_401" else 0
    )


@FROZEN
async def test_one_off_call_for_a_device_the_cloud_forgot(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A 404 from the cloud is a refused request."""
    device = find_device(hass, "onenata_gps_tracker_001")
    assert device is not None
    onenata.sim.remove_device("gps_tracker_001")
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_location_history",
            {"device_id": device.id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "request_rejected"


@FROZEN
async def test_location_history(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The history comes from the cloud through the coordinator."""
    device = find_device(hass, "onenata_gps_tracker_001")
    assert device is not None
    response = await hass.services.async_call(
        DOMAIN,
        "get_location_history",
        {"device_id": device.id, "limit": 5},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    locations = response["locations"]
    assert isinstance(locations, list)
    assert len(locations) == 5
    request = next(r for r in onenata.sim.requests if r.route == HISTORY)
    assert request.query["limit"] == "5"
    assert request.query["endDate"] == iso(onenata.sim.clock.now())


@FROZEN
async def test_add_device_appears_at_once(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """add_device registers the serial and refreshes so the device appears."""
    response = await hass.services.async_call(
        DOMAIN,
        "add_device",
        {
            "config_entry_id": init_integration.entry_id,
            "serial": "ON-TOY-777",
            "device_type": "toy",
            "model": "PlayMate-AI",
        },
        blocking=True,
        return_response=True,
    )
    assert response == {"device_id": "smart_toy_002"}
    assert onenata.sim.devices["smart_toy_002"].serial == "ON-TOY-777"
    assert hass.states.get("sensor.smart_toy_2_battery").state == "85.0"


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (AuthError("x"), "auth_failed"),
        (RateLimitError("x", 30), "rate_limited"),
        (BadResponseError("x"), "bad_response"),
        (RequestRejectedError("x"), "request_rejected"),
        (DeviceNotFoundError("x"), "request_rejected"),
        (CannotConnectError("x"), "cannot_connect"),
        (VendorError("x"), "cannot_connect"),
    ],
)
def test_error_translation_keys(error: VendorError, key: str) -> None:
    """Every vendor error has a translated explanation."""
    assert error_translation_key(error) == key
