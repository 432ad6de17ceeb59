"""GPS trackers: where the pet is, how sure, and how it moves between polls."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub.vendors.base import DeviceUpdate
from homeassistant.components.device_tracker import SourceType
from homeassistant.const import STATE_HOME, STATE_NOT_HOME, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.onenata import api as onenata_api
from simulator.onenata.devices import TRACKER_FIX_SECONDS, last_report, track_point

from .conftest import Cloud

TRACKER = "device_tracker.gps_tracker_1"
DEVICE = "gps_tracker_001"
LOCATION = "/v1/devices/{device_id}/location"
LAST_SEEN = "sensor.gps_tracker_1_last_seen"
NOW = datetime(2025, 1, 15, 10, 30, 10, tzinfo=UTC)

pytestmark = pytest.mark.freeze_time(NOW)


def _expected_fix(cloud: Cloud) -> dict[str, object]:
    """The fix the simulator reports now (it reports one every 30 s)."""
    device = cloud.sim.devices[DEVICE]
    return track_point(
        device, last_report(device, cloud.sim.clock.now(), TRACKER_FIX_SECONDS)
    )


async def _poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 61
) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    # the coordinator refreshes in a background task
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_tracker_state(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The tracker shows the cloud's last fix with its details."""
    fix = _expected_fix(onenata)
    state = hass.states.get(TRACKER)
    assert state.state == STATE_NOT_HOME
    attributes = state.attributes
    assert attributes["source_type"] == SourceType.GPS
    assert attributes["latitude"] == fix["latitude"]
    assert attributes["longitude"] == fix["longitude"]
    assert attributes["gps_accuracy"] == round(fix["accuracy"])
    assert attributes["altitude"] == fix["altitude"]
    assert attributes["speed"] == fix["speed"]
    assert attributes["heading"] == fix["heading"]
    assert attributes["address"] == "New York, NY, USA"
    # the fix's time is the Last seen sensor's (an attribute would record a
    # new state at each fix of a tracker at rest)
    assert "fix_time" not in attributes
    assert hass.states.get(LAST_SEEN).state == "2025-01-15T10:30:00+00:00"
    # the battery is the battery sensor's (HA deprecated it on trackers)
    assert "battery_level" not in attributes
    assert attributes["friendly_name"] == "GPS Tracker 1"

    # the location is asked with the address
    request = next(r for r in onenata.sim.requests if r.route == LOCATION)
    assert request.query == {"includeAddress": "true"}

    # the tracker is the device's main entity, tied to its device
    entry = er.async_get(hass).async_get(TRACKER)
    assert entry.unique_id == f"{entry.config_entry_id}_{DEVICE}_location"
    device = dr.async_get(hass).async_get(entry.device_id)
    assert device.identifiers == {("petsmart_hub", f"{entry.config_entry_id}_{DEVICE}")}
    assert device.serial_number == "ON-GPS-001"
    assert device.model == "GPS-Pro"


async def test_tracker_moves(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every other poll reads the location again; the pet wanders."""
    before = hass.states.get(TRACKER).attributes
    onenata.sim.reset_requests()

    onenata.sim.clock.advance(15 * 60)
    await _poll(hass, freezer)

    assert onenata.sim.count("GET", LOCATION, device_id=DEVICE) == 1
    fix = _expected_fix(onenata)
    after = hass.states.get(TRACKER).attributes
    assert (after["latitude"], after["longitude"]) == (
        fix["latitude"],
        fix["longitude"],
    )
    assert (after["latitude"], after["longitude"]) != (
        before["latitude"],
        before["longitude"],
    )
    assert "fix_time" not in after
    assert hass.states.get(LAST_SEEN).state == "2025-01-15T10:46:00+00:00"
    assert after["speed"] == fix["speed"]
    assert after["heading"] == fix["heading"]

    # (a tracker's reading takes two requests: it is read every other poll)
    await _poll(hass, freezer)
    assert onenata.sim.count("GET", LOCATION, device_id=DEVICE) == 1
    await _poll(hass, freezer)
    assert onenata.sim.count("GET", LOCATION, device_id=DEVICE) == 2
    latitude = _expected_fix(onenata)["latitude"]
    assert hass.states.get(TRACKER).attributes["latitude"] == latitude


async def test_tracker_battery(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The battery is the tracker's own sensor, not a tracker attribute.

    HA 2026.x deprecated ``battery_level`` on trackers (unsupported from
    2027.7), so no release shows it there.
    """
    assert hass.states.get("sensor.gps_tracker_1_battery").state == "85.0"
    onenata.sim.devices[DEVICE].battery_level = 41
    await _poll(hass, freezer)
    assert hass.states.get("sensor.gps_tracker_1_battery").state == "41.0"
    assert "battery_level" not in hass.states.get(TRACKER).attributes


async def test_tracker_zones(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The state names the zone the pet is in."""
    home = onenata.sim.devices[DEVICE].home
    hass.states.async_set(
        "zone.park",
        "0",
        {
            "latitude": home[0],
            "longitude": home[1],
            "radius": 2000,
            "passive": False,
            "friendly_name": "Park",
        },
    )
    await _poll(hass, freezer)
    assert hass.states.get(TRACKER).state == "Park"

    await hass.config.async_update(latitude=home[0], longitude=home[1], radius=500)
    # (the tracker is read every other poll)
    await _poll(hass, freezer)
    await _poll(hass, freezer)
    assert hass.states.get(TRACKER).state == STATE_HOME


@pytest.mark.parametrize("fault", ["http_500", "missing_fields", "malformed_json"])
async def test_tracker_location_failure(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fault: str,
) -> None:
    """A tracker whose location fails is unavailable, then comes back."""
    onenata.sim.add_fault(fault, route=LOCATION)
    await _poll(hass, freezer)
    assert hass.states.get(TRACKER).state == STATE_UNAVAILABLE
    # only this device: the other devices stay
    assert hass.states.get("camera.pet_camera_1").state != STATE_UNAVAILABLE

    onenata.sim.clear_faults()
    await _poll(hass, freezer)
    state = hass.states.get(TRACKER)
    assert state.state == STATE_NOT_HOME
    assert state.attributes["latitude"] == _expected_fix(onenata)["latitude"]


async def test_tracker_offline(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A tracker the cloud reports offline is unavailable."""
    onenata.sim.set_online(DEVICE, False)
    await _poll(hass, freezer)
    assert hass.states.get(TRACKER).state == STATE_UNAVAILABLE
    onenata.sim.set_online(DEVICE, True)
    # (the tracker is read every other poll)
    await _poll(hass, freezer)
    assert hass.states.get(TRACKER).state == STATE_UNAVAILABLE
    await _poll(hass, freezer)
    assert hass.states.get(TRACKER).state == STATE_NOT_HOME


@pytest.mark.parametrize("devices_per_kind", [2])
async def test_every_tracker(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Each tracker has its own entity and position."""
    first = hass.states.get(TRACKER)
    second = hass.states.get("device_tracker.gps_tracker_2")
    assert hass.states.get("sensor.gps_tracker_2_battery").state == "80.0"
    assert (first.attributes["latitude"], first.attributes["longitude"]) != (
        second.attributes["latitude"],
        second.attributes["longitude"],
    )


async def test_tracker_fix_without_details(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fix with only coordinates has accuracy 0 and empty details."""

    def bare_fix(ctx: onenata_api.Ctx) -> dict[str, object]:
        fix = onenata_api.location_data(ctx)
        return {"latitude": fix["latitude"], "longitude": fix["longitude"]}

    endpoint = next(e for e in onenata_api.DEVICE_ENDPOINTS if e.path == "location")
    # the endpoint is a frozen dataclass: swap its builder for this test only
    monkeypatch.setitem(endpoint.__dict__, "build", bare_fix)
    await _poll(hass, freezer)

    attributes = hass.states.get(TRACKER).attributes
    assert attributes["latitude"] == _expected_fix(onenata)["latitude"]
    assert attributes["gps_accuracy"] == 0
    assert attributes["altitude"] is None
    assert attributes["speed"] is None
    assert attributes["heading"] is None
    assert attributes["address"] is None
    assert "fix_time" not in attributes


async def test_tracker_without_fix(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A tracker that has no fix yet (as other clouds report) is unknown."""
    coordinator = init_integration.runtime_data
    device = copy.deepcopy(coordinator.data.devices[DEVICE])
    assert device.tracker is not None
    device.tracker.location = None
    coordinator.async_apply_update(DeviceUpdate(device))
    state = hass.states.get(TRACKER)
    assert state.state == "unknown"
    assert "latitude" not in state.attributes
    assert "altitude" not in state.attributes
    assert hass.states.get("sensor.gps_tracker_1_battery").state == "85.0"
