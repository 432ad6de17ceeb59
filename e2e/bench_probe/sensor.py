"""Plain sensors on plain devices: Home Assistant's own cost per entity.

Every device gets ``per_device`` sensors, added a device at a time. They
never update (no polling, no listeners). Every other one has a number with
a unit and a state class (recorded in long-term statistics, as many of an
integration's sensors are); the rest show a short text. Each has a unique
id, a translated-style name (``has_entity_name``) and a device.
"""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import DOMAIN
from .config_flow import DEVICES, PER_DEVICE


class PlainSensor(SensorEntity):
    """A sensor that shows one value forever."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry_id: str, device: int, index: int) -> None:
        """Sensor `index` of device `device`."""
        self._attr_unique_id = f"{entry_id}_{device}_{index}"
        self._attr_name = f"Reading {index}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{entry_id}_{device}")},
            name=f"Plain device {device}",
            manufacturer="Benchmark",
            model="Plain",
        )
        if index % 2:
            self._attr_native_value = 10 + (device + index) % 80
            self._attr_native_unit_of_measurement = PERCENTAGE
            self._attr_state_class = SensorStateClass.MEASUREMENT
        else:
            self._attr_native_value = f"ok {device}"


async def async_setup_entry(
    hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    """Add every device's sensors."""
    for device in range(entry.data[DEVICES]):
        async_add_entities(
            PlainSensor(entry.entry_id, device, index)
            for index in range(entry.data[PER_DEVICE])
        )
