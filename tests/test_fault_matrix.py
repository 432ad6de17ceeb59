"""The fault matrix: every way a cloud can misbehave, through Home Assistant.

Each row injects one fault into a vendor simulator and polls through it. For
every row we check what a user would see: the entry stays loaded; exactly the
entities of the affected devices are unavailable; no state or attribute shows
an impossible value; the device and entity registries do not change (no
device removed, no name, model, serial or firmware rewritten); the requests
sent during the fault stay within the account's cap; one cycle after the
fault ends everything is back; and nothing is logged at ERROR or with a
traceback. Later vendors add their rows here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
import logging
import math
from typing import Any

import freezegun.api
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub.const import DOMAIN, SCAN_INTERVAL
from custom_components.petsmart_hub.vendors import netro as netro_vendor, onenata
from custom_components.petsmart_hub.vendors.netro import RETRY_AFTER_FAILURE
from custom_components.petsmart_hub.vendors.netro.budget import PollPolicy
from custom_components.petsmart_hub.vendors.onenata import SLOW_TIER_INTERVAL
from custom_components.petsmart_hub.vendors.onenata.account import INVENTORY_INTERVAL
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .conftest import CONTROLLER_KEY, Cloud, NetroCloud

FROZEN = pytest.mark.freeze_time("2025-06-10 10:00:00+00:00")

FAST = timedelta(seconds=SCAN_INTERVAL)
SLOW = SLOW_TIER_INTERVAL
IDLE = PollPolicy().idle_status

DEVICES = "/v1/devices"
STATUS = "/v1/devices/{device_id}/status"
FOOD = "/v1/devices/{device_id}/food-level"
LOCATION = "/v1/devices/{device_id}/location"
#: Every route a OneNata poll reads.
ONENATA_ROUTES = {
    DEVICES,
    STATUS,
    LOCATION,
    FOOD,
    "/v1/devices/{device_id}/water-quality",
    "/v1/devices/{device_id}/usage-stats",
    "/v1/devices/{device_id}/health-insights",
    "/v1/devices/{device_id}/activity",
}
#: How long after setup every one of them has been read: the list at
#: INVENTORY_INTERVAL, each slow tier first 15 min x (1 + the device's phase)
#: after setup, and a litter box's two slow answers in turn after that.
EVERY_ROUTE = INVENTORY_INTERVAL + SLOW
NETRO_INFO = "/npa/v1/info.json"
NETRO_MOISTURES = "/npa/v1/moistures.json"

FEEDER = "feeding_machine_001"
CAMERA = "camera_001"
ALL = "all"  # every entity of the account is unavailable during the fault
NONE = "none"  # no entity is unavailable

type Tick = Callable[[timedelta], Awaitable[None]]


async def settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Wait for the polls in flight, letting frozen time creep on meanwhile.

    The event loop's clock is frozen too (and freezegun patches every module
    global that holds the real ``time.monotonic``, so the real clock is read
    through ``freezegun.api``): a request stalled by the simulator
    only times out (after REQUEST_TIMEOUT) when time moves. So instead of
    blocking on background tasks, we spin the loop and, only while real time
    passes without the polls finishing, nudge the frozen clock forward.
    """
    started = last_nudge = freezegun.api.real_monotonic()
    while pending := [t for t in hass._background_tasks if not t.done()]:
        await asyncio.sleep(0)
        now = freezegun.api.real_monotonic()
        if now - last_nudge > 0.2:
            freezer.tick(timedelta(milliseconds=500))
            async_fire_time_changed(hass)
            last_nudge = now
        if now - started > 30:
            pytest.fail(f"polls still in flight after 30 s: {pending}")
    await hass.async_block_till_done()


@pytest.fixture
def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    """Let time pass in small steps, running every poll that falls due."""

    async def _tick(delta: timedelta) -> None:
        step = timedelta(seconds=10)
        while delta > timedelta():
            freezer.tick(min(step, delta))
            delta -= step
            async_fire_time_changed(hass)
            await settle(hass, freezer)

    return _tick


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stalled cloud times out after two seconds instead of twenty."""
    monkeypatch.setattr(onenata.client, "REQUEST_TIMEOUT", 2)
    monkeypatch.setattr(netro_vendor.client, "REQUEST_TIMEOUT", 2)


@dataclass(frozen=True)
class Row:
    """One fault and what it may do."""

    kind: str
    route: str | None = None
    device_id: str | None = None
    affected: str = ALL  # ALL, NONE or a device id
    options: dict[str, Any] = field(default_factory=dict)
    #: how long to poll through the fault
    during: timedelta = 3 * FAST
    #: how long after the fault everything must be back (None: one cycle)
    recovery: timedelta | None = None

    @property
    def lead(self) -> timedelta:
        """How long to poll before the fault starts, so that it bites.

        OneNata reads its device list every INVENTORY_INTERVAL (at setup, then
        not until then): a fault on it starts one poll before that listing.
        """
        return INVENTORY_INTERVAL - FAST if self.route == DEVICES else timedelta()

    @property
    def id(self) -> str:
        extra = "-".join(f"{key}={value}" for key, value in self.options.items())
        where = (self.route or "any").rsplit("/", 1)[-1]
        return "-".join(filter(None, (self.kind, where, self.device_id, extra)))


ONENATA_ROWS = [
    Row("http_500", DEVICES),
    Row("http_503", DEVICES),
    Row("html_error", DEVICES),
    Row("malformed_json", DEVICES),
    Row("body_code", DEVICES),
    Row("body_code", DEVICES, options={"code": 503}),
    Row("data_null", DEVICES),
    Row("huge_body", DEVICES),
    Row("timeout", DEVICES),
    Row("connection_reset", DEVICES),
    # back-off without Retry-After: 2, 4, 8 min...; recovery at the next probe
    Row(
        "http_429",
        DEVICES,
        options={"retry_after": None},
        during=6 * FAST,
        recovery=timedelta(minutes=8),
    ),
    Row("missing_fields", DEVICES),
    # readable ids, unreadable types: the list says nothing; devices stay
    Row("wrong_types", DEVICES, affected=NONE),
    # a device list that is wrong but readable: nobody may leave
    Row("bad_entries", DEVICES, affected=NONE),
    Row("bad_entries", DEVICES, affected=NONE, options={"value": "strip_type"}),
    Row("empty_list", DEVICES, affected=NONE),
    Row("drop_device", DEVICES, affected=NONE, options={"value": CAMERA, "times": 1}),
    Row("minimal_entries", DEVICES, affected=NONE),
    # one device's own answers fail: only it goes unavailable
    Row("http_500", STATUS, FEEDER, affected=FEEDER),
    Row("timeout", STATUS, FEEDER, affected=FEEDER),
    Row("data_null", STATUS, FEEDER, affected=FEEDER),
    Row("missing_fields", STATUS, FEEDER, FEEDER, options={"value": "keep_id"}),
    # (the feeder's slow tier is first read 15 min x (1 + its phase) after setup)
    Row("missing_fields", FOOD, FEEDER, FEEDER, during=INVENTORY_INTERVAL),
    Row("huge_body", STATUS, FEEDER, affected=FEEDER),
    # garbage values: shown as unknown, never as states
    Row("wrong_types", STATUS, affected=NONE),
    *(
        Row(
            "out_of_range",
            None,
            affected=NONE,
            options={"value": value},
            during=EVERY_ROUTE,
        )
        for value in (-20, 250, 1e308, "NaN", "Infinity")
    ),
]


def registry_view(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """What the registries hold for the entry: devices with metadata, entities."""
    devices = {
        tuple(sorted(device.identifiers)): (
            device.name,
            device.model,
            device.serial_number,
            device.sw_version,
            device.via_device_id,
        )
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
    }
    entities = {
        entity.entity_id: entity.unique_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }
    return {"devices": devices, "entities": entities}


def entities_of(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, set[str]]:
    """Enabled entity ids per our device id."""
    device_registry = dr.async_get(hass)
    result: dict[str, set[str]] = {}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        if entity.disabled_by is not None or entity.device_id is None:
            continue
        device = device_registry.async_get(entity.device_id)
        assert device is not None
        (identifier,) = (i for d, i in device.identifiers if d == DOMAIN)
        device_id = identifier.split("_", 1)[1]
        result.setdefault(device_id, set()).add(entity.entity_id)
    return result


def unavailable(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Device ids with at least one unavailable entity."""
    return {
        device_id
        for device_id, entity_ids in entities_of(hass, entry).items()
        if any(
            (state := hass.states.get(entity_id)) is None
            or state.state == STATE_UNAVAILABLE
            for entity_id in entity_ids
        )
    }


#: Unit -> the range a state in it can take.
_UNIT_RANGES = {"%": (0, 100), "°C": (-50, 100), "ppm": (0, 10_000), "lx": (0, 2e5)}


def assert_plausible_states(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """No state or numeric attribute of the account shows an impossible value."""
    for entity_ids in entities_of(hass, entry).values():
        for entity_id in entity_ids:
            state = hass.states.get(entity_id)
            assert state is not None
            for name, value in state.attributes.items():
                if isinstance(value, float):
                    assert math.isfinite(value), (entity_id, name, value)
            try:
                number = float(state.state)
            except ValueError:
                continue
            assert math.isfinite(number), (entity_id, state.state)
            low, high = _UNIT_RANGES.get(
                state.attributes.get("unit_of_measurement", ""), (-1e6, 1e6)
            )
            if entity_id.endswith("_ph"):
                low, high = 0, 14
            assert low <= number <= high, (entity_id, state.state)


def assert_quiet_log(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing at ERROR, and no traceback above DEBUG, from anyone."""
    loud = [
        record
        for record in caplog.records
        if (record.levelno >= logging.ERROR and "turbojpeg" not in record.getMessage())
        # (a DEBUG traceback, as HA 2026's coordinator writes, is not shown)
        or (record.exc_info and record.levelno >= logging.WARNING)
    ]
    assert not loud, [record.getMessage() for record in loud]


@FROZEN
@pytest.mark.parametrize("row", ONENATA_ROWS, ids=lambda row: row.id)
async def test_onenata_fault_matrix(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
    caplog: pytest.LogCaptureFixture,
    row: Row,
) -> None:
    """OneNata: each fault harms only what it must, and heals within a cycle."""
    sim = onenata.sim
    entry = init_integration
    before = registry_view(hass, entry)
    everything = set(entities_of(hass, entry))
    gate = entry.runtime_data.account.gate

    await tick(row.lead)
    sim.add_fault(row.kind, route=row.route, device_id=row.device_id, **row.options)
    sim.reset_requests()
    await tick(row.during)
    # the fault bit: what it breaks was asked for while it was on
    if row.route is None:
        assert {request.route for request in sim.requests} >= ONENATA_ROUTES
    else:
        assert sim.count("GET", row.route, row.device_id) > 0

    assert entry.state is ConfigEntryState.LOADED
    expected = {
        ALL: everything,
        NONE: set(),
    }.get(row.affected, {row.affected})
    assert unavailable(hass, entry) == expected
    assert_plausible_states(hass, entry)
    assert registry_view(hass, entry) == before
    minutes = math.ceil(row.during / timedelta(minutes=1)) + 1
    assert len(sim.requests) <= gate.cap * minutes
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))

    sim.clear_faults()
    await tick(row.recovery or FAST)
    assert unavailable(hass, entry) == set()
    assert_plausible_states(hass, entry)
    assert registry_view(hass, entry) == before
    assert_quiet_log(caplog)


@FROZEN
@pytest.mark.parametrize("value", [-20, 250, 1e308, "NaN", "Infinity", "abc"])
async def test_onenata_implausible_values_are_unknown_and_counted(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
    value: Any,
) -> None:
    """Out-of-range numbers become unknown for that cycle, and diagnostics count them."""
    onenata.sim.add_fault("out_of_range", route=STATUS, value=value)
    onenata.sim.add_fault("out_of_range", route=FOOD, value=value)
    await tick(SLOW)
    for entity_id in (
        "sensor.smart_feeder_1_battery",
        "sensor.smart_feeder_1_food_level",
        "sensor.water_fountain_1_battery",
    ):
        state = hass.states.get(entity_id)
        assert state is not None
        # -20 % is impossible for all three
        assert state.state == "unknown", (entity_id, state.state)
    rejected = init_integration.runtime_data.reliability()["rejected_values"]
    assert rejected["battery"] >= 1
    assert rejected["feeder.food_level"] >= 1

    onenata.sim.clear_faults()
    await tick(SLOW)
    assert hass.states.get("sensor.smart_feeder_1_battery").state == "90.0"


@FROZEN
async def test_onenata_429_is_honoured_to_the_second(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After 429 with Retry-After: 120 nothing is sent for 120 s, then at once."""
    sim = onenata.sim
    # on to the poll before the device list is read again
    freezer.tick(INVENTORY_INTERVAL - FAST)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    sim.add_fault("http_429", route=DEVICES, times=1, retry_after=120)
    sim.reset_requests()
    freezer.tick(FAST)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(sim.requests) == 1
    sim.reset_requests()

    for _ in range(119):
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert sim.requests == []
    assert hass.states.get("sensor.smart_feeder_1_battery").state == STATE_UNAVAILABLE

    for _ in range(3):
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert sim.count("GET", DEVICES) == 1
    assert hass.states.get("sensor.smart_feeder_1_battery").state == "90.0"


@FROZEN
async def test_onenata_429_without_retry_after_backs_off(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
) -> None:
    """Without Retry-After polls back off exponentially to 15 min; success resets."""
    sim = onenata.sim
    coordinator = init_integration.runtime_data
    await tick(Row("http_429", DEVICES).lead)
    sim.add_fault("http_429", route=DEVICES, retry_after=None)
    sim.reset_requests()
    await tick(FAST)
    intervals = []
    for _ in range(5):
        intervals.append(coordinator.update_interval)
        await tick(coordinator.update_interval)
    assert intervals == [
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(minutes=15),
        timedelta(minutes=15),
    ]
    assert sim.count("GET", DEVICES) == 6
    assert coordinator.reliability()["throttle_backoff_steps"] == 6

    sim.clear_faults()
    await tick(coordinator.update_interval)
    assert coordinator.update_interval == FAST
    assert coordinator.reliability()["throttle_backoff_steps"] == 0
    assert hass.states.get("sensor.smart_feeder_1_battery").state == "90.0"


@FROZEN
async def test_onenata_rejected_key_starts_reauth_and_keeps_devices(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
) -> None:
    """A 401 while polling asks for a new key; devices and entities stay."""
    before = registry_view(hass, init_integration)
    await tick(Row("http_401", DEVICES).lead)
    onenata.sim.add_fault("http_401", route=DEVICES)
    await tick(FAST)
    assert onenata.sim.count("GET", DEVICES) == 2
    assert list(init_integration.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert registry_view(hass, init_integration) == before


@FROZEN
async def test_onenata_missing_twice_then_removed(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
) -> None:
    """A device left out of two lists in a row that also answers 404 goes."""
    sim = onenata.sim
    coordinator = init_integration.runtime_data
    sim.add_fault("drop_device", route=DEVICES, value=CAMERA, times=2)
    # the list is read every INVENTORY_INTERVAL (or when something says it
    # changed): two lists that leave the camera out
    await tick(INVENTORY_INTERVAL)
    assert sim.count("GET", DEVICES) == 2
    # the camera still answers for itself: the list was wrong, nothing counts
    assert CAMERA in set(entities_of(hass, init_integration))
    assert coordinator.reliability()["devices_missing_from_list"] == 0
    await tick(INVENTORY_INTERVAL)
    assert sim.count("GET", DEVICES) == 3
    assert CAMERA in set(entities_of(hass, init_integration))
    assert coordinator.reliability()["devices_missing_from_list"] == 0

    sim.remove_device(CAMERA)
    await tick(FAST)
    # its 404 has the list read at the next poll
    assert sim.count("GET", DEVICES) == 3
    assert CAMERA in set(entities_of(hass, init_integration))
    await tick(FAST)
    assert sim.count("GET", DEVICES) == 4
    assert coordinator.reliability()["devices_missing_from_list"] == 1
    await tick(FAST)
    assert sim.count("GET", DEVICES) == 5
    assert CAMERA not in set(entities_of(hass, init_integration))


@FROZEN
async def test_onenata_diagnostics_count_skipped_entries(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
) -> None:
    """Unreadable list entries are skipped, logged once at debug and counted."""
    onenata.sim.add_fault("bad_entries", route=DEVICES)
    # the list is read every INVENTORY_INTERVAL: two lists
    await tick(2 * INVENTORY_INTERVAL)
    assert onenata.sim.count("GET", DEVICES) == 3
    skipped = init_integration.runtime_data.reliability()["skipped_entries"]
    # per list: one without a type, one without an id, a string and a null
    assert skipped == {"device list entry": 8}


@FROZEN
async def test_onenata_one_device_throttled_pauses_the_account(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
) -> None:
    """A 429 with Retry-After on one device's call holds every request back."""
    sim = onenata.sim
    sim.add_fault("http_429", route=STATUS, device_id=FEEDER, times=1, retry_after=150)
    await tick(FAST)
    assert FEEDER in unavailable(hass, init_integration)
    sim.reset_requests()
    await tick(timedelta(seconds=140))
    assert sim.requests == []
    await tick(timedelta(seconds=20))
    # then the devices that are due (the list is not)
    assert sim.count("GET", STATUS, FEEDER) == 1
    assert unavailable(hass, init_integration) == set()


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@FROZEN
async def test_onenata_restart_with_a_partial_list_keeps_the_registry(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    tick: Tick,
) -> None:
    """Starting on a list without names, or without a device, loses nothing."""
    before = registry_view(hass, init_integration)
    onenata.sim.add_fault("minimal_entries", route=DEVICES)
    onenata.sim.add_fault("drop_device", route=DEVICES, value=CAMERA)
    await _restart(hass, init_integration)
    await tick(2 * FAST)
    # names, models, serials and firmware come from the registry; the camera,
    # left out but still answering for itself, stays
    assert registry_view(hass, init_integration) == before
    assert hass.states.get("sensor.smart_feeder_1_battery").state == "90.0"


# --- Netro ----------------------------------------------------------------------

NETRO_ROWS = [
    Row("http_500", NETRO_INFO),
    Row("http_503", NETRO_INFO),
    Row("html_error", NETRO_INFO),
    Row("malformed_json", NETRO_INFO),
    *(Row("body_code", NETRO_INFO, options={"code": code}) for code in (4, 5, 6)),
    Row("data_null", NETRO_INFO),
    Row("huge_body", NETRO_INFO),
    Row("timeout", NETRO_INFO),
    Row("connection_reset", NETRO_INFO),
    Row("missing_fields", NETRO_INFO),
    Row("missing_fields", NETRO_INFO, options={"value": "keep_id"}),
    Row(
        "http_429",
        NETRO_INFO,
        options={"retry_after": 300},
        recovery=timedelta(seconds=310),
    ),
    Row("wrong_types", NETRO_INFO, affected=NONE),
    # a zone left out once has no fresh data until the next info.json (one
    # idle cycle), and stays in the registry
    Row(
        "drop_zone",
        NETRO_INFO,
        affected="zone1",
        options={"value": 1, "times": 1},
        recovery=IDLE,
    ),
    *(
        Row("out_of_range", NETRO_MOISTURES, affected=NONE, options={"value": value})
        for value in (-20, 250, 1e308, "NaN")
    ),
]


@pytest.mark.freeze_time("2025-06-10 10:00:00+00:00")
@pytest.mark.parametrize("row", NETRO_ROWS, ids=lambda row: row.id)
async def test_netro_fault_matrix(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    tick: Tick,
    caplog: pytest.LogCaptureFixture,
    row: Row,
) -> None:
    """Netro: each fault harms only what it must, and heals within a cycle.

    The status is read every IDLE minutes; a failed read is retried after
    RETRY_AFTER_FAILURE (or the cloud's Retry-After). Entities must not come
    back while the fault is on, and must within one retry once it is off.
    """
    sim = netro.sim
    entry = netro_controller
    before = registry_view(hass, entry)
    everything = set(entities_of(hass, entry))
    sim.add_fault(row.kind, route=row.route, device_id=CONTROLLER_KEY, **row.options)
    if row.route == NETRO_MOISTURES:
        entry.runtime_data.account.plan.force(netro_vendor.Call.MOISTURES)
    sim.reset_requests()
    await tick(IDLE + 2 * RETRY_AFTER_FAILURE + timedelta(seconds=30))

    assert entry.state is ConfigEntryState.LOADED
    expected = {ALL: everything, NONE: set()}.get(row.affected, {row.affected})
    assert unavailable(hass, entry) == expected
    assert_plausible_states(hass, entry)
    after = registry_view(hass, entry)
    assert after["devices"] == before["devices"]
    assert set(after["entities"].items()) ^ set(before["entities"].items()) == set()
    # a failed read is retried every two minutes, not hammered
    assert len(sim.requests) <= 8
    assert len(sim.requests) <= entry.runtime_data.account.gate.cap

    sim.clear_faults()
    await tick(row.recovery or RETRY_AFTER_FAILURE + timedelta(seconds=10))
    assert unavailable(hass, entry) == set()
    assert_plausible_states(hass, entry)
    assert registry_view(hass, entry) == before
    assert_quiet_log(caplog)


@pytest.mark.freeze_time("2025-06-10 10:00:00+00:00")
async def test_netro_outage_is_one_warning_and_one_info(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    tick: Tick,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outage over many polls logs one warning, and one info when it ends."""
    caplog.set_level(logging.INFO, logger="custom_components.petsmart_hub")
    netro.sim.add_fault("http_500", route=NETRO_INFO)
    await tick(IDLE + 5 * RETRY_AFTER_FAILURE)
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    warnings = [r for r in ours if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Error fetching" in warnings[0].getMessage()
    assert not [r for r in ours if r.levelno >= logging.ERROR]

    netro.sim.clear_faults()
    await tick(RETRY_AFTER_FAILURE + timedelta(seconds=10))
    recovered = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(recovered) == 1
    assert recovered[0].levelno == logging.INFO


@pytest.mark.freeze_time("2025-06-10 10:00:00+00:00")
@pytest.mark.parametrize("code", [1, 3])
async def test_netro_key_and_budget_codes(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    tick: Tick,
    code: int,
) -> None:
    """Code 1 asks for a new key; code 3 pauses polling with the values kept."""
    before = registry_view(hass, netro_controller)
    netro.sim.add_fault("body_code", route=NETRO_INFO, code=code)
    netro.sim.reset_requests()
    await tick(IDLE + 3 * RETRY_AFTER_FAILURE)
    assert registry_view(hass, netro_controller) == before
    reauth = list(netro_controller.async_get_active_flows(hass, {SOURCE_REAUTH}))
    if code == 1:
        assert reauth
        return
    assert not reauth
    assert netro.sim.count() == 1  # nothing more once the budget is said to be spent
    assert unavailable(hass, netro_controller) == set()
    assert netro_controller.runtime_data.data.polling_paused_until is not None
