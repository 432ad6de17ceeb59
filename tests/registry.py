"""Device registry look-ups for the tests, the same on every supported HA.

They go through the integration's compat helpers, so the tests use no device
registry API that the newest Home Assistant reports as deprecated.
"""

from __future__ import annotations

from typing import Any

from custom_components.petsmart_hub import compat
from custom_components.petsmart_hub.const import CONF_API_KEY, CONF_VENDOR, DOMAIN
from custom_components.petsmart_hub.coordinator import (
    device_identifier as registry_identifier,
)
from custom_components.petsmart_hub.vendors.registry import VENDORS
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr


def device_identifier(entry: ConfigEntry, name: str) -> str | None:
    """The registry identifier of a device an entry has, by the tests' name for it.

    Tests name devices ``<vendor>_<vendor device id>`` with the ids the clouds
    know (a Netro serial); the registry scopes them to the entry and names
    Netro's devices without the serial. None: not a device of this entry.
    """
    vendor = entry.data[CONF_VENDOR]
    if not name.startswith(f"{vendor}_"):
        return None
    device_id = VENDORS[vendor].device_id_after_v1(
        name.removeprefix(f"{vendor}_"), entry.data[CONF_API_KEY]
    )
    return registry_identifier(entry.entry_id, device_id)


def find_device(hass: HomeAssistant, name: str) -> dr.DeviceEntry | None:
    """Return our device the tests call ``name``, whichever of our entries has it."""
    registry = dr.async_get(hass)
    for entry in hass.config_entries.async_entries(DOMAIN):
        identifier = device_identifier(entry, name)
        if identifier is None:
            continue
        device = compat.async_get_entry_device(
            registry, entry.entry_id, (DOMAIN, identifier)
        )
        if device is not None:
            return device
    return None


def entry_ids(device: dr.DeviceEntry) -> set[str]:
    """The config entries a device belongs to."""
    return compat.device_config_entry_ids(device)


def remove_device_command(entry_id: str, device_id: str) -> dict[str, Any]:
    """The websocket command with which the frontend deletes a device.

    HA 2026.8 replaced config/device_registry/remove_config_entry (deprecated,
    going in 2027.9) with config/device_registry/remove.
    """
    if compat.SINGLE_ENTRY_DEVICES:
        return {"type": "config/device_registry/remove", "device_id": device_id}
    return {
        "type": "config/device_registry/remove_config_entry",
        "config_entry_id": entry_id,
        "device_id": device_id,
    }
