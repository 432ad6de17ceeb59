"""Netro entities: every controller, zone and soil sensor value against the cloud.

The simulator is the truth: each entity's state is compared with what the
simulated controller or sensor holds. Time is frozen (US/Pacific is Home
Assistant's test time zone; the simulated devices live in Los Angeles too), so
the daily automatic waterings run from 12:00 UTC (05:00 local), zone after
zone: Front Lawn 12:00-12:03, Back Lawn -12:08, Flower Beds -12:13, Vegetable
Garden -12:21, Side Yard -12:29. Zone 6 (Drip Line) is disabled.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.coordinator import (
    device_identifier as registry_identifier,
)
from custom_components.petsmart_hub.vendors.netro import DEVICE_ID
from custom_components.petsmart_hub.vendors.netro.budget import PollPolicy
from homeassistant.const import STATE_UNAVAILABLE, EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from simulator.netro.devices import SimController

from .conftest import CONTROLLER_KEY, SENSOR_KEY, NetroCloud, netro_entry
from .registry import entry_ids, find_device

CONTROLLER = "front_yard_sprite"
STATUS = f"sensor.{CONTROLLER}_status"
WATERING = f"binary_sensor.{CONTROLLER}_watering"
CONNECTIVITY = f"binary_sensor.{CONTROLLER}_connectivity"
ENABLED = f"switch.{CONTROLLER}_enabled"
STOP = f"button.{CONTROLLER}_stop_watering"
CALLS = f"sensor.{CONTROLLER}_api_calls_remaining_today"
LAST_REPORT = f"sensor.{CONTROLLER}_last_report"
CALENDAR = f"calendar.{CONTROLLER}_watering_schedule"
ZONES = {
    1: "front_lawn",
    2: "back_lawn",
    3: "flower_beds",
    4: "vegetable_garden",
    5: "side_yard",
}
SOIL = "whisperer_1"
SCHEDULES = "/npa/v1/schedules.json"
INFO = "/npa/v1/info.json"
IDLE_STATUS = PollPolicy().idle_status


def ts(moment: datetime) -> str:
    """A timestamp sensor's state."""
    return moment.astimezone(UTC).isoformat()


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def enable_last_report(
    hass: HomeAssistant, entry: MockConfigEntry, entity_id: str
) -> None:
    """Enable the key's device's Last report sensor (disabled by default).

    Before the entry is set up: its registry entry is made enabled, as a user
    who enabled it leaves it.
    """
    er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        f"{registry_identifier(entry.entry_id, DEVICE_ID)}_last_report",
        suggested_object_id=entity_id.removeprefix("sensor."),
        config_entry=entry,
    )


async def set_up_reporting(
    hass: HomeAssistant, netro: NetroCloud, key: str, last_report: str
) -> MockConfigEntry:
    """Set up a key's account with its Last report sensor enabled."""
    entry = netro_entry(netro, key)
    entry.add_to_hass(hass)
    enable_last_report(hass, entry, last_report)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


def sim_controller(netro: NetroCloud) -> SimController:
    return netro.sim.controllers[CONTROLLER_KEY]


def sim_schedules(netro: NetroCloud) -> list[Any]:
    """The controller's listed schedules (past month to next month)."""
    now = netro.sim.clock.now()
    return sim_controller(netro).schedules(
        now, date(2025, 1, 1), date(2025, 12, 31), None
    )


def sim_moisture(netro: NetroCloud, ith: int) -> float:
    """The latest daily moisture record of a zone."""
    now = netro.sim.clock.now()
    records = sim_controller(netro).moistures(
        now, date(2025, 1, 1), date(2025, 12, 31), [ith]
    )
    return float(records[-1]["moisture"])


async def advance(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    until: datetime,
    step: timedelta = timedelta(seconds=10),
) -> None:
    """Let time pass until `until`, running every poll that falls due."""
    while (now := dt_util.utcnow()) < until:
        freezer.tick(min(step, until - now))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2025, 6, 10, hour, minute, second, tzinfo=UTC)


# --- values ------------------------------------------------------------------


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_controller_entities(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, netro: NetroCloud
) -> None:
    """Status, watering, enabled, stop button, calls left: as the cloud says.

    (The Last report sensor, disabled by default, enabled by the user.)
    """
    await set_up_reporting(hass, netro, CONTROLLER_KEY, LAST_REPORT)
    assert sim_controller(netro).status == "ONLINE"
    assert state(hass, STATUS) == "online"
    assert hass.states.get(STATUS).attributes["options"] == [
        "standby",
        "setup",
        "online",
        "watering",
        "offline",
        "sleeping",
        "poweroff",
    ]
    assert state(hass, WATERING) == "off"
    assert hass.states.get(WATERING).attributes["device_class"] == "running"
    assert state(hass, CONNECTIVITY) == "on"
    assert state(hass, ENABLED) == "on"
    assert state(hass, STOP) == "unknown"  # never pressed
    # when the controller last checked in with the cloud, not when we asked
    last_active = sim_controller(netro).last_active(at(10, 0))
    assert state(hass, LAST_REPORT) == ts(last_active)
    assert last_active < at(10, 0)

    calls = hass.states.get(CALLS)
    assert calls.state == str(netro.sim.tokens_remaining(CONTROLLER_KEY)) == "1997"
    assert calls.attributes["reset"] == "2025-06-11T00:00:00+00:00"
    # a count: no invented unit ("calls")
    assert "unit_of_measurement" not in calls.attributes
    assert calls.attributes["state_class"] == "measurement"
    for entity_id in (CALLS, LAST_REPORT, CONNECTIVITY):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.entity_category is EntityCategory.DIAGNOSTIC
    # the enabled switch follows set_status' STANDBY
    assert not sim_controller(netro).standby


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_zone_entities(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Every enabled zone: watering, moisture, next and last watering, smart mode."""
    now = netro.sim.clock.now()
    schedules = sim_schedules(netro)
    for ith, name in ZONES.items():
        zone = sim_controller(netro).zones[ith]
        mine = [s for s in schedules if s.zone == ith]
        upcoming = min(s.start for s in mine if s.start > now)
        ended = max(s.end for s in mine if s.end <= now)
        assert state(hass, f"switch.{name}_watering") == "off"
        assert float(state(hass, f"sensor.{name}_moisture")) == sim_moisture(netro, ith)
        assert state(hass, f"sensor.{name}_next_watering") == ts(upcoming)
        assert state(hass, f"sensor.{name}_last_watering") == ts(ended)
        assert state(hass, f"sensor.{name}_smart_mode") == zone.smart.lower()
    # the sequence the module docstring describes
    assert state(hass, "sensor.front_lawn_next_watering") == ts(at(12, 0))
    assert state(hass, "sensor.side_yard_next_watering") == ts(at(12, 21))
    assert state(hass, "sensor.front_lawn_last_watering") == (
        "2025-06-09T12:03:00+00:00"
    )
    assert state(hass, "sensor.vegetable_garden_smart_mode") == "timer"
    assert state(hass, "sensor.flower_beds_smart_mode") == "assistant"
    moisture = hass.states.get("sensor.front_lawn_moisture")
    assert moisture.attributes["unit_of_measurement"] == "%"
    assert moisture.attributes["device_class"] == "moisture"


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_disabled_zone_has_no_device(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """Zone 6 is disabled in the Netro app: no device, no entities."""
    assert not sim_controller(netro).zones[6].enabled
    assert find_device(hass, f"netro_{CONTROLLER_KEY}_zone6") is None
    assert not [
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, netro_controller.entry_id
        )
        if "drip_line" in entry.entity_id
    ]
    devices = dr.async_entries_for_config_entry(
        device_registry, netro_controller.entry_id
    )
    assert len(devices) == 1 + len(ZONES)


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_zone_disabled_later_leaves_the_registry(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """A zone disabled in the Netro app goes, entities and all; the rest stay linked.

    It goes once two info.json reads in a row leave it out, not on the first.
    """
    controller = find_device(hass, f"netro_{CONTROLLER_KEY}")
    assert controller is not None
    zone = find_device(hass, f"netro_{CONTROLLER_KEY}_zone1")
    assert zone is not None
    assert er.async_entries_for_device(entity_registry, zone.id)

    sim_controller(netro).zones[1].enabled = False
    assert await hass.config_entries.async_reload(netro_controller.entry_id)
    await hass.async_block_till_done()
    assert find_device(hass, f"netro_{CONTROLLER_KEY}_zone1") == zone
    reads = netro.sim.count("GET", INFO)

    await advance(hass, freezer, dt_util.utcnow() + IDLE_STATUS + timedelta(minutes=1))
    assert netro.sim.count("GET", INFO) == reads + 1
    assert find_device(hass, f"netro_{CONTROLLER_KEY}_zone1") is None
    assert not er.async_entries_for_device(entity_registry, zone.id)
    assert hass.states.get("switch.front_lawn_watering") is None
    assert find_device(hass, f"netro_{CONTROLLER_KEY}") == controller
    back_lawn = find_device(hass, f"netro_{CONTROLLER_KEY}_zone2")
    assert back_lawn is not None
    assert back_lawn.via_device_id == controller.id
    assert state(hass, "switch.back_lawn_watering") == "off"


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_device_info(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    netro_sensor: MockConfigEntry,
) -> None:
    """Controller and sensor devices; every zone is reached via its controller."""
    controller = find_device(hass, f"netro_{CONTROLLER_KEY}")
    assert controller is not None
    assert controller.name == "Front Yard Sprite"
    assert controller.manufacturer == "Netro"
    assert controller.serial_number == CONTROLLER_KEY
    assert controller.sw_version == sim_controller(netro).sw_version == "2.2.0"
    assert controller.hw_version == sim_controller(netro).version == "2.2"
    assert controller.via_device_id is None
    assert entry_ids(controller) == {netro_controller.entry_id}

    for ith, zone in sim_controller(netro).zones.items():
        device = find_device(hass, f"netro_{CONTROLLER_KEY}_zone{ith}")
        if not zone.enabled:
            assert device is None
            continue
        assert device is not None
        assert device.name == zone.name
        assert device.manufacturer == "Netro"
        assert device.model == "Zone"
        assert device.via_device_id == controller.id
        assert device.serial_number is None

    sensor = find_device(hass, f"netro_{SENSOR_KEY}")
    assert sensor is not None
    assert sensor.name == "Whisperer 1"
    assert sensor.model == "Whisperer"
    assert sensor.serial_number == SENSOR_KEY
    assert sensor.sw_version == netro.sim.sensors[SENSOR_KEY].sw_version
    assert sensor.hw_version == netro.sim.sensors[SENSOR_KEY].version
    assert sensor.via_device_id is None
    assert entry_ids(sensor) == {netro_sensor.entry_id}


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_last_report_is_disabled_by_default(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    netro_controller: MockConfigEntry,
    netro_sensor: MockConfigEntry,
) -> None:
    """The controller's and the sensor's Last report: registered, disabled, no state.

    (A device checking in every minute would write a recorder row each minute.)
    """
    for entry, entity_id in (
        (netro_controller, LAST_REPORT),
        (netro_sensor, f"sensor.{SOIL}_last_report"),
    ):
        found = entity_registry.async_get(entity_id)
        assert found is not None, entity_id
        assert found.config_entry_id == entry.entry_id
        assert found.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert found.entity_category is EntityCategory.DIAGNOSTIC
        assert hass.states.get(entity_id) is None
        # the only entity disabled
        assert [
            registered.entity_id
            for registered in er.async_entries_for_config_entry(
                entity_registry, entry.entry_id
            )
            if registered.disabled_by is not None
        ] == [entity_id]


@pytest.mark.freeze_time("2025-06-10T20:00:00+00:00")  # 13:00 local: sunny
async def test_soil_sensor_entities(
    hass: HomeAssistant, netro: NetroCloud, netro_sensor: MockConfigEntry
) -> None:
    """Moisture, sunlight in lux (the API gives klux), temperature, last reading."""
    now = netro.sim.clock.now()
    latest = netro.sim.sensors[SENSOR_KEY].readings(
        now, now.date() - timedelta(days=1), now.date()
    )[-1]
    assert latest["sunlight"] > 0
    assert float(state(hass, f"sensor.{SOIL}_moisture")) == latest["moisture"]
    sunlight = hass.states.get(f"sensor.{SOIL}_sunlight")
    assert float(sunlight.state) == pytest.approx(latest["sunlight"] * 1000)
    assert sunlight.attributes["unit_of_measurement"] == "lx"
    assert sunlight.attributes["device_class"] == "illuminance"
    temperature = hass.states.get(f"sensor.{SOIL}_soil_temperature")
    assert float(temperature.state) == latest["celsius"]
    assert temperature.attributes["unit_of_measurement"] == "°C"
    last = datetime.fromisoformat(latest["time"]).replace(tzinfo=UTC)
    assert state(hass, f"sensor.{SOIL}_last_reading") == ts(last)
    assert now - last < timedelta(hours=1)  # hourly reports
    assert state(hass, f"binary_sensor.{SOIL}_connectivity") == "on"
    assert state(hass, f"sensor.{SOIL}_api_calls_remaining_today") == str(
        netro.sim.tokens_remaining(SENSOR_KEY)
    )
    # a sensor has no watering entities
    assert hass.states.get(f"switch.{SOIL}_enabled") is None
    assert hass.states.get(f"calendar.{SOIL}_watering_schedule") is None


@pytest.mark.freeze_time("2025-06-10T20:00:00+00:00")
async def test_soil_sensor_follows_hourly_reports(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_sensor: MockConfigEntry,
) -> None:
    """An hour later the next report is shown."""
    first = state(hass, f"sensor.{SOIL}_last_reading")
    await advance(
        hass, freezer, dt_util.utcnow() + timedelta(hours=1), step=timedelta(minutes=1)
    )
    second = state(hass, f"sensor.{SOIL}_last_reading")
    assert datetime.fromisoformat(second) - datetime.fromisoformat(first) == (
        timedelta(hours=1)
    )
    assert netro.sim.count(route="/npa/v1/sensor_data.json") == 2


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_offline_controller(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, netro: NetroCloud
) -> None:
    """OFFLINE: only status, connectivity and the enabled switch stay available.

    (The Last report sensor, disabled by default, enabled by the user.)
    """
    await set_up_reporting(hass, netro, CONTROLLER_KEY, LAST_REPORT)
    netro.sim.set_online(CONTROLLER_KEY, False)
    await advance(hass, freezer, at(10, 0) + IDLE_STATUS, step=timedelta(minutes=1))

    assert state(hass, STATUS) == "offline"
    assert state(hass, CONNECTIVITY) == "off"
    assert state(hass, ENABLED) == "on"
    assert state(hass, CALLS) != STATE_UNAVAILABLE  # diagnostics stay too
    assert state(hass, LAST_REPORT) != STATE_UNAVAILABLE
    gone = [WATERING, STOP, CALENDAR] + [
        f"{platform}.{name}_{suffix}"
        for name in ZONES.values()
        for platform, suffix in (
            ("switch", "watering"),
            ("sensor", "moisture"),
            ("sensor", "next_watering"),
            ("sensor", "last_watering"),
            ("sensor", "smart_mode"),
        )
    ]
    assert {entity_id: state(hass, entity_id) for entity_id in gone} == dict.fromkeys(
        gone, STATE_UNAVAILABLE
    )

    netro.sim.set_online(CONTROLLER_KEY, True)
    await advance(hass, freezer, at(10, 0) + 2 * IDLE_STATUS, step=timedelta(minutes=1))
    assert state(hass, STATUS) == "online"
    assert state(hass, CONNECTIVITY) == "on"
    assert all(state(hass, entity_id) != STATE_UNAVAILABLE for entity_id in gone)


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
@pytest.mark.parametrize(
    "fault", ["http_500", "body_code", "html_error", "malformed_json"]
)
async def test_cloud_failure_then_recovery(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    fault: str,
) -> None:
    """A failed status poll makes the account unavailable until a poll works."""
    netro.sim.add_fault(fault, route="/npa/v1/info.json", times=1)
    await advance(hass, freezer, at(10, 0) + IDLE_STATUS, step=timedelta(seconds=30))
    assert state(hass, STATUS) == STATE_UNAVAILABLE
    assert state(hass, "switch.front_lawn_watering") == STATE_UNAVAILABLE
    assert not netro_controller.runtime_data.last_update_success

    # the failed call is tried again a little later, not at once
    await advance(hass, freezer, at(10, 0) + 2 * IDLE_STATUS, step=timedelta(minutes=1))
    assert netro.sim.count(route="/npa/v1/info.json") == 3
    assert state(hass, STATUS) == "online"
    assert state(hass, "switch.front_lawn_watering") == "off"
    assert state(hass, "sensor.front_lawn_moisture") == "62.0"


# --- time: watering derived from the schedules --------------------------------


@pytest.mark.freeze_time("2025-06-10T11:59:40+00:00")
async def test_watering_follows_the_schedule_without_polling(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """At a planned start the zone turns on with no call; one call confirms it."""
    sim = netro.sim
    assert len(sim.requests) == 3  # info, schedules, moistures at setup
    assert state(hass, "switch.front_lawn_watering") == "off"

    await advance(hass, freezer, at(12, 0, 10))
    assert len(sim.requests) == 3  # no call made the zone turn on
    assert sim.zone_watering(CONTROLLER_KEY)[1] is True
    assert state(hass, "switch.front_lawn_watering") == "on"
    assert state(hass, WATERING) == "on"
    assert state(hass, "switch.back_lawn_watering") == "off"
    assert state(hass, CALENDAR) == "on"
    assert hass.states.get(CALENDAR).attributes["message"] == "Water Front Lawn"

    await advance(hass, freezer, at(12, 0, 40))
    assert sim.count(route=SCHEDULES) == 2  # the confirming schedules call
    assert hass.states.get(CALENDAR).attributes["description"] == (
        "Zone 1, source: smart, status: executing"
    )

    # Front Lawn ends at 12:03 and Back Lawn takes over
    await advance(hass, freezer, at(12, 3, 10))
    assert sim.zone_watering(CONTROLLER_KEY) == {
        1: False,
        2: True,
        3: False,
        4: False,
        5: False,
        6: False,
    }
    assert state(hass, "switch.front_lawn_watering") == "off"
    assert state(hass, "switch.back_lawn_watering") == "on"
    assert state(hass, WATERING) == "on"
    assert state(hass, "sensor.front_lawn_last_watering") == ts(at(12, 3))

    # the last zone ends at 12:29: nothing waters any more
    await advance(hass, freezer, at(12, 29, 10))
    assert not any(sim.zone_watering(CONTROLLER_KEY).values())
    assert state(hass, WATERING) == "off"
    assert all(
        state(hass, f"switch.{name}_watering") == "off" for name in ZONES.values()
    )
    assert state(hass, "sensor.side_yard_last_watering") == ts(at(12, 29))
    assert state(hass, "sensor.front_lawn_next_watering") == (
        "2025-06-11T12:00:00+00:00"
    )
    assert sim.code3_count(CONTROLLER_KEY) == 0


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_watering_started_elsewhere_is_noticed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """Watering started in the Netro app shows once the status poll sees it."""
    controller = sim_controller(netro)
    now = netro.sim.clock.now()
    controller.water(now, [3], timedelta(minutes=20), now)  # not through HA
    assert state(hass, "switch.flower_beds_watering") == "off"

    await advance(hass, freezer, at(10, 0) + IDLE_STATUS + timedelta(seconds=30))
    assert netro.sim.zone_watering(CONTROLLER_KEY)[3] is True
    assert state(hass, STATUS) == "watering"
    assert state(hass, "switch.flower_beds_watering") == "on"
    assert state(hass, WATERING) == "on"


# --- snapshots ---------------------------------------------------------------


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_sensor_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    netro: NetroCloud,
) -> None:
    """The Netro sensors (controller, zones, soil sensor): registry and state.

    Every sensor, those disabled by default (Last report) enabled.
    """
    entries = [netro_entry(netro, CONTROLLER_KEY), netro_entry(netro, SENSOR_KEY)]
    with patch("custom_components.petsmart_hub.PLATFORMS", [Platform.SENSOR]):
        for entry in entries:
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
    for entry in entries:
        await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
@pytest.mark.parametrize("platform", [Platform.BINARY_SENSOR, Platform.BUTTON])
async def test_controller_platform_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    netro: NetroCloud,
    platform: Platform,
) -> None:
    """The controller's watering and connectivity sensors, and its stop button."""
    entry = netro_entry(netro, CONTROLLER_KEY)
    with patch("custom_components.petsmart_hub.PLATFORMS", [platform]):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
