"""Switches: a Netro controller's enabled state and each zone's watering.

Turning a switch on or off sends the documented request to the Netro
simulator; the tests read the request and what the simulated controller did.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.petsmart_hub.const import DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from .conftest import CONTROLLER_KEY, DEFAULT_ZONE_DURATION, NetroCloud, netro_entry
from .registry import find_device

pytestmark = pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")

NOW = datetime(2025, 6, 10, 10, 0, tzinfo=UTC)
ENABLED = "switch.front_yard_sprite_enabled"
STATUS = "sensor.front_yard_sprite_status"
WATERING = "binary_sensor.front_yard_sprite_watering"
FRONT_LAWN = "switch.front_lawn_watering"
BACK_LAWN = "switch.back_lawn_watering"
FLOWER_BEDS = "switch.flower_beds_watering"
WATER = "/npa/v1/water.json"
STOP_WATER = "/npa/v1/stop_water.json"
SET_STATUS = "/npa/v1/set_status.json"


async def switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


def bodies(netro: NetroCloud, route: str) -> list[dict[str, Any]]:
    return [r.json for r in netro.sim.requests if r.route == route]


def manual_runs(netro: NetroCloud) -> list[tuple[int, datetime, datetime]]:
    """(zone, start, end) of the simulator's MANUAL schedules."""
    now = netro.sim.clock.now()
    schedules = netro.sim.controllers[CONTROLLER_KEY].schedules(
        now, now.date(), now.date() + timedelta(days=1), None
    )
    return [(s.zone, s.start, s.end) for s in schedules if s.source == "MANUAL"]


async def set_up(hass: HomeAssistant, netro: NetroCloud, **options: Any) -> None:
    entry = netro_entry(netro, CONTROLLER_KEY, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


# --- zones --------------------------------------------------------------------


async def test_zone_on_waters_for_the_default_run_time(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """On waters that zone now, for the default 10 minutes."""
    assert hass.states.get(FRONT_LAWN).state == "off"
    await switch(hass, SERVICE_TURN_ON, FRONT_LAWN)

    assert bodies(netro, WATER) == [
        {"key": CONTROLLER_KEY, "duration": DEFAULT_ZONE_DURATION, "zones": [1]}
    ]
    assert manual_runs(netro) == [(1, NOW, NOW + timedelta(minutes=10))]
    assert netro.sim.zone_watering(CONTROLLER_KEY)[1] is True
    assert hass.states.get(FRONT_LAWN).state == "on"
    assert hass.states.get(WATERING).state == "on"
    assert hass.states.get(BACK_LAWN).state == "off"


async def test_zone_on_uses_the_run_time_option(
    hass: HomeAssistant, netro: NetroCloud
) -> None:
    """The zone_duration option sets how long a switched-on zone waters."""
    await set_up(hass, netro, zone_duration=25)
    await switch(hass, SERVICE_TURN_ON, BACK_LAWN)

    assert bodies(netro, WATER) == [
        {"key": CONTROLLER_KEY, "duration": 25, "zones": [2]}
    ]
    assert manual_runs(netro) == [(2, NOW, NOW + timedelta(minutes=25))]
    assert hass.states.get(BACK_LAWN).state == "on"


async def test_zone_turns_off_by_itself_at_the_end(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """After its run time the zone is off again, as it is in the cloud."""
    await switch(hass, SERVICE_TURN_ON, FRONT_LAWN)
    end = NOW + timedelta(minutes=DEFAULT_ZONE_DURATION, seconds=10)
    while (now := dt_util.utcnow()) < end:
        freezer.tick(min(timedelta(seconds=20), end - now))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    assert netro.sim.zone_watering(CONTROLLER_KEY)[1] is False
    assert hass.states.get(FRONT_LAWN).state == "off"
    assert hass.states.get(WATERING).state == "off"
    assert hass.states.get("sensor.front_lawn_last_watering").state == (
        (NOW + timedelta(minutes=DEFAULT_ZONE_DURATION)).isoformat()
    )


async def test_zone_off_stops_every_zone_of_the_controller(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Off is Netro's stop_water, which has no zones: it stops ALL watering.

    Flower Beds' switch is turned off while Front Lawn waters and the other
    zones wait their turn: Front Lawn stops and the waiting runs are dropped.
    """
    controller = find_device(hass, f"netro_{CONTROLLER_KEY}")
    assert controller is not None
    await hass.services.async_call(
        DOMAIN, "water", {"device_id": [controller.id], "duration": 5}, blocking=True
    )
    assert hass.states.get(FRONT_LAWN).state == "on"
    assert hass.states.get(FLOWER_BEDS).state == "off"

    await switch(hass, SERVICE_TURN_OFF, FLOWER_BEDS)

    assert bodies(netro, STOP_WATER) == [{"key": CONTROLLER_KEY}]
    assert not any(netro.sim.zone_watering(CONTROLLER_KEY).values())
    assert manual_runs(netro) == [(1, NOW, NOW)]  # cut at once, the rest dropped
    assert hass.states.get(FRONT_LAWN).state == "off"
    assert hass.states.get(WATERING).state == "off"
    assert hass.states.get("sensor.back_lawn_next_watering").state == (
        "2025-06-10T12:03:00+00:00"  # back to its daily smart schedule
    )


async def test_zone_switch_failure(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A cloud error fails the switch; it stays off."""
    netro.sim.add_fault("body_code", route=WATER, times=1)
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, SERVICE_TURN_ON, FRONT_LAWN)
    assert err.value.translation_key == "action_failed"
    assert err.value.translation_placeholders["device"] == "Front Lawn"
    assert hass.states.get(FRONT_LAWN).state == "off"
    assert manual_runs(netro) == []


# --- controller enabled --------------------------------------------------------


async def test_controller_enabled_off_and_on(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Off is set_status 0 (STANDBY), on is set_status 1 (ONLINE)."""
    controller = netro.sim.controllers[CONTROLLER_KEY]
    assert hass.states.get(ENABLED).state == "on"

    await switch(hass, SERVICE_TURN_OFF, ENABLED)
    assert bodies(netro, SET_STATUS) == [{"key": CONTROLLER_KEY, "status": 0}]
    assert controller.standby
    assert controller.status == "STANDBY"
    assert hass.states.get(ENABLED).state == "off"
    assert hass.states.get(STATUS).state == "standby"

    await switch(hass, SERVICE_TURN_ON, ENABLED)
    assert bodies(netro, SET_STATUS)[-1] == {"key": CONTROLLER_KEY, "status": 1}
    assert not controller.standby
    assert controller.status == "ONLINE"
    assert hass.states.get(ENABLED).state == "on"
    assert hass.states.get(STATUS).state == "online"


@pytest.mark.freeze_time("2025-06-10T11:59:40+00:00")
async def test_disabled_controller_does_not_show_planned_watering(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """In STANDBY Netro skips its schedules: no zone shows watering at 12:00."""
    await switch(hass, SERVICE_TURN_OFF, ENABLED)
    end = datetime(2025, 6, 10, 12, 0, 10, tzinfo=UTC)
    while (now := dt_util.utcnow()) < end:
        freezer.tick(min(timedelta(seconds=10), end - now))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    assert not any(netro.sim.zone_watering(CONTROLLER_KEY).values())
    assert hass.states.get(FRONT_LAWN).state == "off"
    assert hass.states.get(WATERING).state == "off"


async def test_enabled_switch_failure(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A refused set_status leaves the switch as it was."""
    netro.sim.add_fault("http_500", route=SET_STATUS, times=1)
    with pytest.raises(HomeAssistantError):
        await switch(hass, SERVICE_TURN_OFF, ENABLED)
    assert hass.states.get(ENABLED).state == "on"
    assert not netro.sim.controllers[CONTROLLER_KEY].standby


# --- snapshot -------------------------------------------------------------------


async def test_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    netro: NetroCloud,
) -> None:
    """The controller's switches: enabled, and one watering switch per zone."""
    entry = netro_entry(netro, CONTROLLER_KEY)
    entry.add_to_hass(hass)
    with patch("custom_components.petsmart_hub.PLATFORMS", [Platform.SWITCH]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
