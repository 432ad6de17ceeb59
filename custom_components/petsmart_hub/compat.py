"""Differences between the Home Assistant releases we support, in one place.

We support HA 2025.4 (our declared minimum) up to the newest release. Every
helper here names the release that changed an API and when it can go; the
rest of the integration calls these helpers instead of the APIs they wrap.
Behaviour is chosen by feature detection on the class that changed, never by
catching import errors, and the type checker (which runs on the newest
release) sees the same imports as Home Assistant.

Schemas need no helper: ``import voluptuous as vol`` works on every release
(HA 2026.10 makes it return probatio; see ``typings/voluptuous``).
"""

from __future__ import annotations

from typing import cast

from homeassistant import const as ha_const

# --- names that moved -----------------------------------------------------------
# By HA 2026.10 these left their platform package's __init__ for
# binary_sensor/const.py, camera/const.py, switch/const.py and device_tracker/entity.py (HA 2025.4
# defines the first two in the package and the trackers in
# device_tracker/config_entry.py, since a deprecated alias module whose notices
# name the package). Only the package has them on both releases, but from 2026.10
# it re-exports them implicitly: the ignores are for strict mypy's
# no-implicit-reexport check only. Remove when the minimum HA is >= 2026.10 and
# import them from their new modules in the platforms.
from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined]
    BinarySensorDeviceClass,
)
from homeassistant.components.camera import (  # type: ignore[attr-defined]
    CameraEntityFeature,
)
from homeassistant.components.device_tracker import (  # type: ignore[attr-defined]
    TrackerEntity,
    TrackerEntityDescription,
)

# The light service's keys and colour modes: in light/const.py by HA 2026.10
# (HA 2025.4 defines the keys in the package; ColorMode is in const.py on
# both). The package has them all on both releases. Remove when the minimum
# HA is >= 2026.10 and import them from light/const.py in light.py.
from homeassistant.components.light import (  # type: ignore[attr-defined]
    ATTR_BRIGHTNESS,
    ATTR_COLOR_TEMP_KELVIN,
    ATTR_RGB_COLOR,
    ATTR_XY_COLOR,
    ColorMode,
)
from homeassistant.components.switch import (  # type: ignore[attr-defined]
    SwitchDeviceClass,
)
from homeassistant.helpers import device_registry as dr

__all__ = [
    "ATTR_BRIGHTNESS",
    "ATTR_COLOR_TEMP_KELVIN",
    "ATTR_RGB_COLOR",
    "ATTR_XY_COLOR",
    "PARTS_PER_MILLION",
    "SINGLE_ENTRY_DEVICES",
    "BinarySensorDeviceClass",
    "CameraEntityFeature",
    "ColorMode",
    "SwitchDeviceClass",
    "TrackerEntity",
    "TrackerEntityDescription",
    "async_get_entry_device",
    "async_remove_entry_device",
    "device_config_entry_ids",
    "via_device_info",
]


#: The unit of parts per million. HA 2026.x added ``UnitOfRatio`` and deprecated
#: ``CONCENTRATION_PARTS_PER_MILLION`` (going in 2027.8); HA 2025.4 has only
#: the latter. Both are the string "ppm". Remove when the minimum HA has
#: ``UnitOfRatio`` and use ``UnitOfRatio.PARTS_PER_MILLION``.
PARTS_PER_MILLION: str = (
    ha_const.UnitOfRatio.PARTS_PER_MILLION
    if hasattr(ha_const, "UnitOfRatio")
    else "ppm"
)

#: HA 2026.8 (device registry storage v3) made a device belong to exactly one
#: config entry: ``DeviceEntry.config_entry_id`` replaced ``config_entries``,
#: identifiers became unique per config entry only, ``async_get_device`` was
#: deprecated for ``async_get_device_by_identifier`` (breaks in 2027.8), the
#: ``via_device`` identifier of ``DeviceInfo`` for ``via_device_id`` (breaks in
#: 2027.8) and ``remove_config_entry_id`` for ``async_remove_device``.
#: Remove this flag, and every helper below, when the minimum HA is >= 2026.8.
SINGLE_ENTRY_DEVICES: bool = hasattr(
    dr.DeviceRegistry, "async_get_device_by_identifier"
)


def async_get_entry_device(
    registry: dr.DeviceRegistry, config_entry_id: str, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """Return the device of a config entry that has an identifier.

    HA 2026.8 deprecated ``async_get_device`` (identifiers are no longer unique
    across config entries). Remove when the minimum HA is >= 2026.8 and call
    ``registry.async_get_device_by_identifier`` directly.
    """
    if SINGLE_ENTRY_DEVICES:
        return registry.async_get_device_by_identifier(identifier, config_entry_id)
    device = registry.async_get_device(identifiers={identifier})
    if device is None or config_entry_id not in device.config_entries:
        return None
    return device


def device_config_entry_ids(device: dr.DeviceEntry) -> set[str]:
    """Return the config entries a device belongs to.

    HA 2026.8 deprecated ``DeviceEntry.config_entries`` (breaks in 2027.10): a
    device has a single ``config_entry_id``. Remove when the minimum HA is
    >= 2026.8 and read ``device.config_entry_id`` directly.
    """
    if SINGLE_ENTRY_DEVICES:
        return {device.config_entry_id}
    return set(device.config_entries)


def via_device_info(
    registry: dr.DeviceRegistry, config_entry_id: str, parent: tuple[str, str]
) -> dr.DeviceInfo:
    """Return the part of a ``DeviceInfo`` that links a device to its parent.

    The parent must be registered already; without it there is no link (HA
    2025.4 would only log a warning). HA 2026.8 deprecated the ``via_device``
    identifier (breaks in 2027.8) for ``via_device_id``, the parent's registry
    id, which HA 2025.4 does not accept in a ``DeviceInfo``. Remove when the
    minimum HA is >= 2026.8 and set ``via_device_id`` directly.
    """
    via = async_get_entry_device(registry, config_entry_id, parent)
    if via is None:
        return {}
    if SINGLE_ENTRY_DEVICES:
        return {"via_device_id": via.id}
    return cast(dr.DeviceInfo, {"via_device": parent})


def async_remove_entry_device(
    registry: dr.DeviceRegistry, device: dr.DeviceEntry, config_entry_id: str
) -> None:
    """Take a device away from a config entry (deleting it once it has none).

    HA 2026.8 deprecated ``remove_config_entry_id`` of ``async_update_device``:
    a device has one config entry, so it is removed with
    ``async_remove_device``. Remove when the minimum HA is >= 2026.8.
    """
    if SINGLE_ENTRY_DEVICES:
        registry.async_remove_device(device.id)
        return
    registry.async_update_device(device.id, remove_config_entry_id=config_entry_id)
