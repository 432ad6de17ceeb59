"""Diagnostics: the account's parsed data, with secrets and places redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_BASE_URL
from .coordinator import PetSmartHubConfigEntry
from .vendors.descriptor import CREDENTIALS

TO_REDACT = {
    # every sign-in field of every kind, and an OAuth2 entry's token
    *(field.key for fields in CREDENTIALS.values() for field in fields),
    "token",
    "webhook_id",
    CONF_BASE_URL,
    "unique_id",
    "id",
    "serial",
    "via_device",  # a device id of the vendor's
    # where free-form readings (Instathings) tell of the home network
    "wifi_sta_ip",
    "wifi_sta_ssid",
    "ip",
    "ssid",
    "mac",
    "ipAddress",
    "latitude",
    "longitude",
    "altitude",
    "address",
    "stream_url",
    "thumbnail_url",
    "snapshot_url",  # an event's picture (a signed URL, a view of the home)
    "persons",  # who lives there: names, keyed by the vendor's person ids
    "last_code",  # the last remote code a hub heard (a garage remote's?)
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PetSmartHubConfigEntry
) -> dict[str, Any]:
    """Entry data, options and every device as the model holds it."""
    coordinator = entry.runtime_data
    devices = [
        {
            **asdict(device),
            "kind": device.kind.value,
            "actions": sorted(device.actions),
            "features": sorted(device.features),
            "failed": device_id in coordinator.data.failed,
            "stream": asdict(stream)
            if (stream := coordinator.cached_stream(device_id))
            else None,
        }
        for device_id, device in coordinator.data.devices.items()
    ]
    redacted = async_redact_data(
        {
            "entry": {
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "last_update_success": coordinator.last_update_success,
            "update_interval": str(coordinator.update_interval),
            "reliability": coordinator.reliability(),
            "push": coordinator.push.diagnostics() if coordinator.push else None,
            "journal": coordinator.journal.diagnostics(),
            "devices": devices,
        },
        TO_REDACT,
    )
    # a serial may also be part of a name the cloud made (a Ninja block's)
    serials = {
        device.serial
        for device in coordinator.data.devices.values()
        if device.serial and len(device.serial) >= _MIN_SCRUBBED
    }
    return _scrub(redacted, serials) if serials else redacted


#: Shorter serials are not looked for inside other text (they would match
#: anything).
_MIN_SCRUBBED = 6


def _scrub(value: Any, secrets: set[str]) -> Any:
    """Every text inside ``value`` with each of ``secrets`` replaced."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, secrets) for item in value]
    return value
