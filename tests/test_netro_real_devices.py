"""Netro as real devices report it, through Home Assistant (issue 9).

The simulator sends what real Sprite, Pixie and Whisperer answers carry beyond
the doc: each device's own ``last_active``, ``battery_level`` (a fraction in
info.json, a percent in sensor_data rows), the hardware ``version``, and
moistures.json rows that stop days before today (the Pixie's, two days).

Time is frozen at 10:00 UTC on 10 June 2025, 03:00 in Los Angeles, where the
simulated devices live: the local day is the 10th.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.vendors.netro import MOISTURE_MAX_AGE, NetroAccount
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from simulator.core import start_server
from simulator.netro import NetroSimulator
from simulator.netro.devices import SimController, SimSensor

from .conftest import NetroCloud, netro_entry
from .registry import find_device
from .test_netro_entities import advance, enable_last_report

SPRITE_KEY = "CTRL00000001"
SPARK_KEY = "CTRL00000002"
PIXIE_KEY = "CTRL00000003"
SENSOR_KEY = "SENS00000001"
NOW = datetime(2025, 6, 10, 10, 0, tzinfo=UTC)
LOCAL_TODAY = date(2025, 6, 10)
SCHEDULES = "/npa/v1/schedules.json"

# Diagnostics downloads import the Supervisor client, whose models cannot be
# compiled while freezegun has replaced datetime: import it before any freeze.
import_module("homeassistant.components.hassio")

pytestmark = pytest.mark.freeze_time(NOW.isoformat())


@pytest.fixture
async def fleet(socket_enabled: None) -> AsyncGenerator[NetroCloud]:
    """A Sprite, a Spark and a Pixie (3 zones each) and a Whisperer."""
    sim = NetroSimulator(controllers=3, zones=3, sensors=1)
    server = await start_server(sim)
    yield NetroCloud(sim, server)
    await server.close()


async def set_up(
    hass: HomeAssistant, fleet: NetroCloud, key: str, *, last_report: str | None = None
) -> MockConfigEntry:
    """Set a key's account up; ``last_report``: its Last report sensor, enabled.

    (That sensor is disabled by default.)
    """
    entry = netro_entry(fleet, key)
    entry.add_to_hass(hass)
    if last_report is not None:
        enable_last_report(hass, entry, last_report)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def controller(fleet: NetroCloud, key: str) -> SimController:
    return fleet.sim.controllers[key]


def whisperer(fleet: NetroCloud) -> SimSensor:
    return fleet.sim.sensors[SENSOR_KEY]


def newest_row(fleet: NetroCloud) -> dict[str, Any]:
    now = fleet.sim.clock.now()
    return whisperer(fleet).readings(now, now.date() - timedelta(days=1), now.date())[
        -1
    ]


# --- battery ---------------------------------------------------------------------------


async def test_a_whisperer_shows_its_battery_from_the_newest_row(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    fleet: NetroCloud,
) -> None:
    """Rows (percent) win over info.json (a fraction); without them, info.json."""
    await set_up(hass, fleet, SENSOR_KEY)
    row = newest_row(fleet)
    synced = whisperer(fleet).synced_battery(NOW) * 100
    assert row["battery_level"] != round(synced)  # info.json lags the rows
    battery = hass.states.get("sensor.whisperer_1_battery")
    assert battery is not None
    assert float(battery.state) == row["battery_level"]
    assert battery.attributes["device_class"] == "battery"
    assert battery.attributes["unit_of_measurement"] == "%"
    assert battery.attributes["state_class"] == "measurement"
    assert entity_registry.async_get("sensor.whisperer_1_battery") is not None

    # rows without a battery: info.json's fraction, scaled to percent
    whisperer(fleet).row_battery = False
    await advance(hass, freezer, NOW + timedelta(hours=1), step=timedelta(minutes=5))
    assert fleet.sim.count(route="/npa/v1/sensor_data.json") == 2
    assert float(state(hass, "sensor.whisperer_1_battery")) == pytest.approx(
        whisperer(fleet).synced_battery(dt_util.utcnow()) * 100
    )


async def test_a_pixie_shows_its_battery_and_a_sprite_has_none(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, fleet: NetroCloud
) -> None:
    await set_up(hass, fleet, PIXIE_KEY)
    await set_up(hass, fleet, SPRITE_KEY)
    level = controller(fleet, PIXIE_KEY).battery_level(NOW)
    assert level is not None
    assert 0 < level < 1  # a fraction in info.json
    assert float(state(hass, "sensor.garden_pixie_battery")) == pytest.approx(
        level * 100
    )
    # mains-powered: no battery reported, so no battery sensor at all
    assert controller(fleet, SPRITE_KEY).battery_level(NOW) is None
    assert hass.states.get("sensor.front_yard_sprite_battery") is None
    assert entity_registry.async_get("sensor.front_yard_sprite_battery") is None
    # nor for the Pixie's zones
    assert not [
        entity_id
        for entity_id in hass.states.async_entity_ids("sensor")
        if entity_id.endswith("_battery") and "pixie" not in entity_id
    ]


# --- last report -------------------------------------------------------------------------


async def test_last_report_is_when_the_controller_last_spoke_to_the_cloud(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fleet: NetroCloud
) -> None:
    """An offline controller's last report stays where it stopped, however fresh our reads."""
    await set_up(
        hass, fleet, SPRITE_KEY, last_report="sensor.front_yard_sprite_last_report"
    )
    sprite = controller(fleet, SPRITE_KEY)
    last_active = sprite.last_active(NOW)
    assert last_active < NOW
    assert state(hass, "sensor.front_yard_sprite_last_report") == ts(last_active)

    fleet.sim.set_online(SPRITE_KEY, False)
    went = sprite.last_active(dt_util.utcnow())
    await advance(hass, freezer, NOW + timedelta(hours=2), step=timedelta(minutes=2))
    assert fleet.sim.count(route="/npa/v1/info.json") > 10  # read all along
    assert state(hass, "binary_sensor.front_yard_sprite_connectivity") == "off"
    assert state(hass, "sensor.front_yard_sprite_last_report") == ts(went)
    assert dt_util.utcnow() - went > timedelta(hours=1, minutes=45)


async def test_last_report_of_a_whisperer_is_its_newest_reading(
    hass: HomeAssistant, fleet: NetroCloud
) -> None:
    await set_up(hass, fleet, SENSOR_KEY, last_report="sensor.whisperer_1_last_report")
    newest = datetime.fromisoformat(newest_row(fleet)["time"]).replace(tzinfo=UTC)
    assert state(hass, "sensor.whisperer_1_last_report") == ts(newest)
    assert newest == whisperer(fleet).last_reading(NOW)


# --- hardware version ----------------------------------------------------------------------


async def test_hardware_and_software_versions_reach_the_device_registry(
    hass: HomeAssistant, fleet: NetroCloud
) -> None:
    await set_up(hass, fleet, PIXIE_KEY)
    await set_up(hass, fleet, SENSOR_KEY)
    pixie = find_device(hass, f"netro_{PIXIE_KEY}")
    assert pixie is not None
    assert (pixie.hw_version, pixie.sw_version) == (
        controller(fleet, PIXIE_KEY).version,
        controller(fleet, PIXIE_KEY).sw_version,
    )
    assert pixie.hw_version is not None
    assert pixie.hw_version != pixie.sw_version
    sensor = find_device(hass, f"netro_{SENSOR_KEY}")
    assert sensor is not None
    assert (sensor.hw_version, sensor.sw_version) == (
        whisperer(fleet).version,
        whisperer(fleet).sw_version,
    )
    zone = find_device(hass, f"netro_{PIXIE_KEY}_zone1")
    assert zone is not None
    assert zone.hw_version is None


async def test_a_new_hardware_version_updates_the_registry(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fleet: NetroCloud
) -> None:
    """And a new name or firmware: the account updates the very device it built."""
    await set_up(hass, fleet, SPRITE_KEY)
    sim = controller(fleet, SPRITE_KEY)
    sim.version, sim.sw_version, sim.name = "2.3", "2.3.1", "Lawn Sprite"
    await advance(hass, freezer, NOW + timedelta(minutes=7), step=timedelta(minutes=1))
    sprite = find_device(hass, f"netro_{SPRITE_KEY}")
    assert sprite is not None
    assert (sprite.hw_version, sprite.sw_version, sprite.name) == (
        "2.3",
        "2.3.1",
        "Lawn Sprite",
    )


# --- moisture age ----------------------------------------------------------------------------


def moisture(hass: HomeAssistant, entity_id: str) -> tuple[str, str | None]:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state, found.attributes.get("measured_on")


def newest_record(fleet: NetroCloud, key: str, zone: int) -> dict[str, Any]:
    now = fleet.sim.clock.now()
    return controller(fleet, key).moistures(
        now, date(2025, 1, 1), date(2025, 12, 31), [zone]
    )[-1]


async def test_moisture_has_its_date_and_is_unknown_once_too_old(
    hass: HomeAssistant, fleet: NetroCloud
) -> None:
    """Today's (Sprite), two days old (Pixie, as real) and four days old (Spark)."""
    controller(fleet, SPARK_KEY).moisture_stale_days = 4
    for key in (SPRITE_KEY, SPARK_KEY, PIXIE_KEY):
        await set_up(hass, fleet, key)
    assert timedelta(days=3) == MOISTURE_MAX_AGE

    sprite = newest_record(fleet, SPRITE_KEY, 1)
    assert sprite["date"] == LOCAL_TODAY.isoformat()
    assert moisture(hass, "sensor.front_lawn_moisture") == (
        str(float(sprite["moisture"])),
        sprite["date"],
    )
    # the Pixie's estimate stopped two days ago: shown, with its date
    pixie = newest_record(fleet, PIXIE_KEY, 1)
    assert pixie["date"] == (LOCAL_TODAY - timedelta(days=2)).isoformat()
    assert moisture(hass, "sensor.front_lawn_moisture_3") == (
        str(float(pixie["moisture"])),
        pixie["date"],
    )
    # four days old: never passed off as today's, but its date stays in sight
    spark = newest_record(fleet, SPARK_KEY, 1)
    assert spark["date"] == (LOCAL_TODAY - timedelta(days=4)).isoformat()
    assert moisture(hass, "sensor.front_lawn_moisture_2") == (
        STATE_UNKNOWN,
        spark["date"],
    )


async def test_a_moisture_estimate_that_stops_turns_unknown(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fleet: NetroCloud
) -> None:
    await set_up(hass, fleet, PIXIE_KEY)
    value, measured_on = moisture(hass, "sensor.front_lawn_moisture")
    assert measured_on == (LOCAL_TODAY - timedelta(days=2)).isoformat()
    assert value != STATE_UNKNOWN
    # the estimate stops for two more days: 3 days old still shows, 4 do not
    controller(fleet, PIXIE_KEY).moisture_stale_days = 3
    await advance(
        hass, freezer, NOW + timedelta(hours=6, minutes=5), timedelta(minutes=5)
    )
    assert fleet.sim.count(route="/npa/v1/moistures.json") == 2
    value, measured_on = moisture(hass, "sensor.front_lawn_moisture")
    assert measured_on == (LOCAL_TODAY - timedelta(days=3)).isoformat()
    assert value != STATE_UNKNOWN
    controller(fleet, PIXIE_KEY).moisture_stale_days = 4
    await advance(
        hass, freezer, NOW + timedelta(hours=12, minutes=10), timedelta(minutes=5)
    )
    assert fleet.sim.count(route="/npa/v1/moistures.json") == 3
    assert moisture(hass, "sensor.front_lawn_moisture") == (
        STATE_UNKNOWN,
        (LOCAL_TODAY - timedelta(days=4)).isoformat(),
    )
    # the user's own moisture is a fresh value, for today
    zone = find_device(hass, f"netro_{PIXIE_KEY}_zone1")
    assert zone is not None
    await hass.services.async_call(
        DOMAIN,
        "set_moisture",
        {"device_id": [zone.id], "moisture": 55},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert moisture(hass, "sensor.front_lawn_moisture") == (
        "55.0",
        LOCAL_TODAY.isoformat(),
    )


# --- status and schedules disagreeing ------------------------------------------------------------


@pytest.mark.freeze_time("2025-06-10T18:00:00+00:00")  # 11:00 local, nothing planned
async def test_an_hour_of_disagreement_costs_a_few_schedule_reads(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fleet: NetroCloud
) -> None:
    """Watering started at the controller: WATERING, but no schedule lists it."""
    entry = await set_up(hass, fleet, SPRITE_KEY)
    start = dt_util.utcnow()
    # settle: the first reads are done
    await advance(hass, freezer, start + timedelta(minutes=1), timedelta(seconds=10))
    before = fleet.sim.count(route=SCHEDULES)
    fleet.sim.water_unlisted(SPRITE_KEY, 2, 60)
    await advance(hass, freezer, start + timedelta(hours=1), timedelta(seconds=10))
    assert controller(fleet, SPRITE_KEY).status == "WATERING"
    assert state(hass, "sensor.front_yard_sprite_status") == "watering"
    assert state(hass, "switch.back_lawn_watering") == "off"  # nothing lists it
    # the status read at 18:06 disagrees: schedules once then (18:06), then
    # 18:11, 18:26, 18:41, 18:56 - not once a minute (about 55)
    assert fleet.sim.count(route=SCHEDULES) - before == 5
    account = entry.runtime_data.account
    assert isinstance(account, NetroAccount)
    plan = account.plan
    assert (plan.disagreement, plan.rechecks) == ("WATERING", 5)
    # the run ends: status and schedules agree again, the back-off is over
    await advance(
        hass, freezer, start + timedelta(hours=1, minutes=15), timedelta(seconds=10)
    )
    assert controller(fleet, SPRITE_KEY).status == "ONLINE"
    assert state(hass, "sensor.front_yard_sprite_status") == "online"
    assert (plan.disagreement, plan.recheck) == (None, None)


# --- diagnostics ---------------------------------------------------------------------------------


async def test_diagnostics_carry_the_new_fields_without_the_serial(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, fleet: NetroCloud
) -> None:
    entry = await set_up(hass, fleet, PIXIE_KEY)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    devices = {device["kind"]: device for device in diagnostics["devices"]}
    pixie = devices["sprinkler_controller"]
    assert pixie["battery"] == pytest.approx(
        controller(fleet, PIXIE_KEY).battery_level(NOW) * 100
    )
    assert pixie["hardware"] == controller(fleet, PIXIE_KEY).version
    assert pixie["last_report"] is not None
    measured_on = devices["sprinkler_zone"]["zone"]["moisture_date"]
    if isinstance(measured_on, dict):
        # freezegun's FakeDate is no date to orjson: HA's fallback encoder
        # writes it as {"__type", "isoformat"} (a real date is a plain string)
        measured_on = measured_on["isoformat"]
    assert measured_on == (LOCAL_TODAY - timedelta(days=2)).isoformat()
    assert PIXIE_KEY not in str(diagnostics)
