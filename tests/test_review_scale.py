# ruff: noqa: F811  (fixtures imported from test_scale are used as arguments)
"""Review of issue 16 (scale and thrift): bugs proven by failing tests.

Each test here failed on the reviewed change; all are fixed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import copy
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub import compat, coordinator as coordinator_module
from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.model import Scenario
from custom_components.petsmart_hub.vendors.base import DeviceUpdate
from homeassistant.components.select import ATTR_OPTIONS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .conftest import Cloud
from .netatmo_fixtures import (  # noqa: F401 - fixtures
    fixture_init_netatmo,
    fixture_netatmo,
    fixture_netatmo_config_entry,
    fixture_netatmo_credentials,
    fixture_netatmo_history,
    fixture_netatmo_options,
)
from .test_scale import (  # noqa: F401 - fixtures
    DEVICES,
    FROZEN,
    MINUTE,
    STATUS,
    Tick,
    post,
    reachable,
    tick,
)

LOCATION = "/v1/devices/{device_id}/location"


def _entities_of(
    hass: HomeAssistant, entry: MockConfigEntry, device_id: str
) -> list[str]:
    registry = er.async_get(hass)
    ident = f"{entry.entry_id}_{device_id}"
    device = compat.async_get_entry_device(
        dr.async_get(hass), entry.entry_id, (DOMAIN, ident)
    )
    assert device is not None
    return [
        entity.entity_id
        for entity in er.async_entries_for_device(registry, device.id)
        if entity.disabled_by is None
    ]


# --- 1. one device's own failure is taken for an account outage --------------


@FROZEN
@pytest.mark.parametrize("devices_per_kind", [0])
async def test_one_broken_tracker_does_not_take_the_other_down(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """Two GPS trackers (read on alternate polls); one's location is malformed."""
    sim = onenata.sim
    first = sim.add_device("gpsTracker").device_id  # gps_tracker_001: odd polls
    second = sim.add_device("gpsTracker").device_id  # gps_tracker_002: even polls
    assert (first, second) == ("gps_tracker_001", "gps_tracker_002")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = config_entry.runtime_data
    healthy = _entities_of(hass, config_entry, second)
    assert healthy
    sim.add_fault("missing_fields", route=LOCATION, device_id=first)
    seen_unavailable: list[str] = []
    account_failed = 0
    for _ in range(4):
        await tick(MINUTE)
        account_failed += not coordinator.last_update_success
        seen_unavailable += [
            entity_id
            for entity_id in healthy
            if hass.states.get(entity_id).state == STATE_UNAVAILABLE
        ]
    assert account_failed == 0
    assert seen_unavailable == []


@pytest.mark.parametrize("devices_per_kind", [0])
async def test_a_single_broken_device_does_not_fail_setup(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> None:
    """The list answers; the only feeder's status lacks its fields."""
    sim = onenata.sim
    feeder = sim.add_device("feedingMachine").device_id
    sim.add_fault("missing_fields", route=STATUS, device_id=feeder)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED


# --- 2. a device we will never hold reads the device list at each push --------


@pytest.mark.usefixtures("reachable")
async def test_pushes_of_a_device_we_never_hold_do_not_relist_each_time(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    post: Callable[[Any], Awaitable[int]],
) -> None:
    """A collar of a type we skip pushes its status five times in a minute."""
    sim = onenata.sim
    sim.reset_requests()
    statuses = []
    for _ in range(5):
        status = await post(
            {
                "event": "device.status.changed",
                "data": {
                    "deviceId": "smart_collar_001",
                    "status": {"batteryLevel": 80},
                },
            }
        )
        statuses.append(status)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
        await hass.async_block_till_done(wait_background_tasks=True)
    # the first has the list read; the others are refused as unknown (400)
    assert statuses == [200, 400, 400, 400, 400]
    # at most one listing for the unknown id (it was not in the list then)
    assert sim.count("GET", DEVICES) <= 1, sim.count("GET", DEVICES)


# --- 3. homeassistant.update_entity ---------------------------------------------


@FROZEN
async def test_update_entity_reads_the_device(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Asked for fresh data 10 s after a poll, the feeder is read."""
    assert await async_setup_component(hass, "homeassistant", {})
    sim = onenata.sim
    await tick(MINUTE)
    await tick(timedelta(seconds=10))
    sim.reset_requests()
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {"entity_id": "sensor.smart_feeder_1_battery"},
        blocking=True,
    )
    assert sim.count("GET", STATUS, "feeding_machine_001") == 1


@FROZEN
async def test_update_entity_reads_every_device_then_polling_goes_on(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """A refresh the user asks for reads every device (the tracker too, off its
    poll), and the regular poll comes one interval after it."""
    assert await async_setup_component(hass, "homeassistant", {})
    sim = onenata.sim
    await tick(MINUTE)
    await tick(timedelta(seconds=10))
    sim.reset_requests()
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {"entity_id": "sensor.smart_feeder_1_battery"},
        blocking=True,
    )
    assert {r.device_id for r in sim.requests if r.route == STATUS} == set(sim.devices)
    sim.reset_requests()
    await tick(timedelta(seconds=61))
    assert sim.count("GET", STATUS) >= 5


# --- 4. the fill never ends without polling -------------------------------------


@pytest.mark.parametrize("devices_per_kind", [3])
async def test_the_fill_ends_with_polling_disabled(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> None:
    """Setup reads one batch; the others come although the user polls by hand."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, pref_disable_polling=True)
    with patch.object(coordinator_module, "FILL_DEADLINE", 0.0):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        coordinator = config_entry.runtime_data
        first = len(coordinator.data.devices)
        assert first < len(onenata.sim.devices)  # setup left some for later
        for _ in range(10):
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
            await hass.async_block_till_done(wait_background_tasks=True)
    assert len(coordinator.data.devices) == len(onenata.sim.devices)


# --- 5. what changes only in capability attributes is never written ------------


@pytest.mark.freeze_time("2025-06-10 10:00:00+00:00")
async def test_a_new_scenario_reaches_the_selects_options(
    hass: HomeAssistant, netatmo: Any, init_netatmo: MockConfigEntry
) -> None:
    """The home gains a scenario (a poll or push brings it): the select offers it."""
    coordinator = init_netatmo.runtime_data
    home = next(
        d
        for d in coordinator.data.devices.values()
        if d.home is not None and d.home.scenarios
    )
    before = hass.states.get("select.home_scenario").attributes[ATTR_OPTIONS]
    changed = copy.deepcopy(home)
    assert changed.home is not None
    changed.home.scenarios.append(Scenario(id="new", name="Vacation"))
    coordinator.async_apply_update(DeviceUpdate(changed))
    await hass.async_block_till_done()
    assert hass.states.get("select.home_scenario").attributes[ATTR_OPTIONS] == [
        *before,
        "Vacation",
    ]
