"""Binary sensors: connectivity, alerts and running cycles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .compat import BinarySensorDeviceClass
from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import Device, DeviceKind

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PetSmartBinarySensorEntityDescription(
    BinarySensorEntityDescription, PetSmartEntityDescription
):
    """A binary sensor read from the neutral device model."""

    is_on_fn: Callable[[Device], bool | None]


BINARY_SENSORS: tuple[PetSmartBinarySensorEntityDescription, ...] = (
    PetSmartBinarySensorEntityDescription(
        key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        available_offline=True,
        exists_fn=lambda device: device.kind is not DeviceKind.SPRINKLER_ZONE,
        is_on_fn=lambda device: device.online,
    ),
    PetSmartBinarySensorEntityDescription(
        key="watering",
        translation_key="watering",
        kinds=frozenset({DeviceKind.SPRINKLER_CONTROLLER}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.controller.watering
        if device.controller
        else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="food_low",
        translation_key="food_low",
        kinds=frozenset({DeviceKind.FEEDER}),
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda device: device.feeder.food_low if device.feeder else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="refill_recommended",
        translation_key="refill_recommended",
        kinds=frozenset({DeviceKind.FEEDER}),
        is_on_fn=lambda device: device.feeder.refill_recommended
        if device.feeder
        else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="pump_running",
        translation_key="pump_running",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.fountain.pump_running
        if device.fountain
        else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="fountain_cleaning",
        translation_key="cleaning",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.fountain.cleaning if device.fountain else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="litter_box_cleaning",
        translation_key="cleaning",
        kinds=frozenset({DeviceKind.LITTER_BOX}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.litter_box.cleaning
        if device.litter_box
        else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="maintenance_needed",
        translation_key="maintenance_needed",
        kinds=frozenset({DeviceKind.LITTER_BOX}),
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda device: (
            device.litter_box.maintenance_needed if device.litter_box else None
        ),
    ),
    PetSmartBinarySensorEntityDescription(
        key="recording",
        translation_key="recording",
        kinds=frozenset({DeviceKind.CAMERA}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.camera.recording if device.camera else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="playing",
        translation_key="playing",
        kinds=frozenset({DeviceKind.TOY}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.toy.playing if device.toy else None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add binary sensors for every device, now and when devices appear."""
    async_add_device_entities(
        entry, async_add_entities, BINARY_SENSORS, PetSmartBinarySensor
    )


class PetSmartBinarySensor(PetSmartEntity, BinarySensorEntity):
    """A binary sensor of a device."""

    entity_description: PetSmartBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Read the value from the device model."""
        return self.entity_description.is_on_fn(self.device)
