"""Tests of setting up, unloading and reloading an account, and of its devices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.coordinator import PetSmartHubCoordinator
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component

from .conftest import Cloud
from .registry import entry_ids, find_device, remove_device_command

pytestmark = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")


async def test_setup_and_unload(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Set up an account, then unload it: every entity goes, polling stops."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    assert isinstance(entry.runtime_data, PetSmartHubCoordinator)
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    # 68, an Alert event entity per device, and the pet owner's: a feeder's
    # Missed meal and Schedule mismatch, Fed and Missed meal events, Feed
    # amount, Meals per day and Meals calendar; an event each of the litter
    # box, fountain, toy and tracker; the camera's Latest photo
    assert len(entities) == 86
    assert {entity.domain for entity in entities} == {
        "binary_sensor",
        "button",
        "calendar",
        "camera",
        "device_tracker",
        "event",
        "image",
        "number",
        "sensor",
    }

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    for entity in entities:
        state = hass.states.get(entity.entity_id)
        assert state is None or state.state == STATE_UNAVAILABLE, entity.entity_id
    # The actions stay registered (they belong to the integration, not the entry).
    assert hass.services.has_service(DOMAIN, "feed")

    onenata.sim.reset_requests()
    freezer.tick(timedelta(minutes=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert onenata.sim.requests == []


async def test_reload_keeps_devices_and_entities(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A reload neither duplicates nor loses anything."""
    devices = {
        device.id
        for device in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
    }
    entities = {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
    }
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert {
        device.id
        for device in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
    } == devices
    assert {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
    } == entities
    assert not [
        entity_id
        for entity_id in entities
        if hass.states.is_state(entity_id, STATE_UNAVAILABLE)
    ]


async def test_options_change_reloads(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """New options take effect at once (the entry reloads)."""
    before = init_integration.runtime_data
    hass.config_entries.async_update_entry(
        init_integration, options={"feed_amount": 80}
    )
    await hass.async_block_till_done()

    after = init_integration.runtime_data
    assert after is not before
    assert init_integration.state is ConfigEntryState.LOADED
    # polling is not an option: the same intervals
    assert after.update_interval == timedelta(seconds=60)


async def test_device_info(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    onenata: Cloud,
    init_integration: MockConfigEntry,
) -> None:
    """Every device is in the registry with manufacturer, model, serial, firmware."""
    devices = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert len(devices) == len(onenata.sim.devices) == 6
    for sim_device in onenata.sim.devices.values():
        device = find_device(hass, f"onenata_{sim_device.device_id}")
        assert device is not None, sim_device.device_id
        assert device.manufacturer == "OneNata"
        assert device.model == sim_device.model
        assert device.serial_number == sim_device.serial
        assert device.sw_version == sim_device.firmware
        assert device.name == sim_device.name
        assert entry_ids(device) == {init_integration.entry_id}

    feeder = find_device(hass, "onenata_feeding_machine_001")
    assert feeder is not None
    assert (feeder.name, feeder.model, feeder.serial_number, feeder.sw_version) == (
        "Smart Feeder 1",
        "piFI",
        "ON-SF-001",
        "1.4.2",
    )


async def remove_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    device_id: str,
) -> dict[str, Any]:
    """Ask, as the device page's Delete does, to remove a device of the entry."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(remove_device_command(entry.entry_id, device_id))
    response: dict[str, Any] = await client.receive_json()
    return response


async def test_remove_only_stale_devices(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A device the account still has cannot be deleted; a stale one can."""

    async def remove(device_id: str) -> bool:
        response = await remove_device(
            hass, hass_ws_client, init_integration, device_id
        )
        return bool(response["success"])

    current = find_device(hass, "onenata_smart_toy_001")
    assert current is not None
    assert not await remove(current.id)
    assert device_registry.async_get(current.id) is not None

    stale = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, "onenata_feeding_machine_042")},
        name="An old feeder",
    )
    assert await remove(stale.id)
    assert device_registry.async_get(stale.id) is None


async def test_user_may_remove_a_device_the_list_left_out(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
    onenata: Cloud,
    init_integration: MockConfigEntry,
) -> None:
    """A device kept while its removal is confirmed can be deleted by hand."""
    onenata.sim.remove_device("smart_toy_001")
    # (the device list read now, as when something says a device came or went)
    await init_integration.runtime_data.async_refresh_inventory()
    await hass.async_block_till_done()
    toy = find_device(hass, "onenata_smart_toy_001")
    assert toy is not None  # one list without it: kept

    response = await remove_device(hass, hass_ws_client, init_integration, toy.id)
    assert response["success"]
    assert device_registry.async_get(toy.id) is None

    # the next polls (and lists) neither bring it back nor fail
    for _ in range(2):
        await init_integration.runtime_data.async_refresh_inventory()
        await hass.async_block_till_done()
        await init_integration.runtime_data.async_refresh()
        await hass.async_block_till_done()
    assert find_device(hass, "onenata_smart_toy_001") is None
    assert init_integration.state is ConfigEntryState.LOADED


async def test_no_device_removal_while_the_account_is_down(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
    onenata: Cloud,
    init_integration: MockConfigEntry,
) -> None:
    """Not loaded (cloud unreachable at start): nothing can be told stale."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    onenata.sim.add_fault("http_500", route="/v1/devices")
    assert not await hass.config_entries.async_setup(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.SETUP_RETRY

    device = find_device(hass, "onenata_smart_toy_001")
    assert device is not None
    response = await remove_device(hass, hass_ws_client, init_integration, device.id)
    assert not response["success"]
    assert response["error"]["message"] == (
        "Failed to remove device entry, rejected by integration"
    )
    assert device_registry.async_get(device.id) is not None


@pytest.mark.parametrize(
    "platform", [Platform.BUTTON, Platform.CAMERA, Platform.DEVICE_TRACKER]
)
async def test_platform_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry: MockConfigEntry,
    platform: Platform,
) -> None:
    """Entity registry entries and states of the button, camera and tracker platforms.

    The sensor and binary sensor snapshots live with their own tests.
    """
    config_entry.add_to_hass(hass)
    with (
        patch("custom_components.petsmart_hub.PLATFORMS", [platform]),
        # The camera's access token is random; pin it.
        patch("random.SystemRandom.getrandbits", return_value=0xC0FFEE),
    ):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)
