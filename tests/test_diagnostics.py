"""Tests of the config entry diagnostics."""

from __future__ import annotations

from importlib import import_module
import json

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from homeassistant.components.camera import async_get_stream_source
from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant

from .conftest import API_KEY, Cloud

# Diagnostics downloads describe the system, which imports the Supervisor client;
# its mashumaro models cannot be compiled while freezegun has replaced datetime,
# so import it now, before any test freezes time.
import_module("homeassistant.components.hassio")

pytestmark = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The account's data with the key, URLs, serials and coordinates redacted."""
    # Watching the camera caches a signed stream URL, which must not leak either.
    stream_url = await async_get_stream_source(hass, "camera.pet_camera_1")
    assert stream_url is not None
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    assert diagnostics == snapshot

    dump = json.dumps(diagnostics)
    assert API_KEY not in dump
    assert onenata.server.url not in dump
    assert "127.0.0.1" not in dump
    assert "http" not in dump
    assert init_integration.unique_id not in dump
    for sim_device in onenata.sim.devices.values():
        assert sim_device.serial not in dump
        assert sim_device.device_id not in dump
    # Neither the tracker's position nor its home appears, not even rounded.
    tracker = onenata.sim.devices["gps_tracker_001"]
    location = init_integration.runtime_data.device("gps_tracker_001").tracker.location
    assert location is not None
    for coordinate in (
        location.latitude,
        location.longitude,
        *tracker.home,
    ):
        assert f"{coordinate:.2f}" not in dump
    assert tracker.address not in dump

    entry = diagnostics["entry"]
    assert entry["data"]["api_key"] == REDACTED
    assert entry["data"]["base_url"] == REDACTED
    assert entry["data"]["vendor"] == "onenata"
    devices = diagnostics["devices"]
    assert len(devices) == 6
    tracker_data = next(device for device in devices if device["kind"] == "tracker")
    assert tracker_data["tracker"]["location"]["latitude"] == REDACTED
    assert tracker_data["tracker"]["location"]["longitude"] == REDACTED
    assert tracker_data["tracker"]["location"]["address"] == REDACTED
    feeder = next(device for device in devices if device["kind"] == "feeder")
    # What helps debugging stays.
    assert feeder["feeder"]["food_remaining"] == 1200
    assert feeder["model"] == "piFI"
    assert feeder["failed"] is False
    assert feeder["stream"] is None
    camera = next(device for device in devices if device["kind"] == "camera")
    assert camera["stream"] == {
        "stream_url": REDACTED,
        "thumbnail_url": REDACTED,
        "expires_at": "2025-01-15T10:40:00+00:00",
    }


async def test_diagnostics_shows_failed_devices(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    onenata: Cloud,
    config_entry: MockConfigEntry,
) -> None:
    """A device that failed its last refresh is flagged."""
    onenata.sim.add_fault("http_500", device_id="camera_001")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )
    failed = {device["name"] for device in diagnostics["devices"] if device["failed"]}
    assert failed == {"Pet Camera 1"}
    assert diagnostics["last_update_success"] is True
