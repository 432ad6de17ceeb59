"""GPS trackers as device trackers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.device_tracker.const import SourceType
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .compat import TrackerEntity, TrackerEntityDescription
from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import DeviceKind, Location

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PetSmartTrackerEntityDescription(
    TrackerEntityDescription, PetSmartEntityDescription
):
    """A GPS tracker of a device."""


TRACKERS: tuple[PetSmartTrackerEntityDescription, ...] = (
    PetSmartTrackerEntityDescription(
        key="location", name=None, kinds=frozenset({DeviceKind.TRACKER})
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a tracker entity for every GPS tracker, now and when trackers appear."""
    async_add_device_entities(entry, async_add_entities, TRACKERS, PetSmartTracker)


class PetSmartTracker(PetSmartEntity, TrackerEntity):
    """Where a pet's GPS tracker is."""

    _attr_source_type = SourceType.GPS
    entity_description: PetSmartTrackerEntityDescription

    @property
    def _location(self) -> Location | None:
        tracker = self.device.tracker
        return tracker.location if tracker else None

    @property
    def latitude(self) -> float | None:
        """Latitude of the last fix."""
        location = self._location
        return location.latitude if location else None

    @property
    def longitude(self) -> float | None:
        """Longitude of the last fix."""
        location = self._location
        return location.longitude if location else None

    @property
    def location_accuracy(self) -> int:
        """Accuracy of the last fix in whole metres (0: unknown)."""
        location = self._location
        if location is None or location.accuracy is None:
            return 0
        return round(location.accuracy)

    def _platform_attributes(self) -> Mapping[str, Any]:
        """Altitude, speed, heading and address of the last fix.

        Not its time: a tracker at rest fixes again and again, and a time
        attribute would record a new state each time (the Last seen sensor
        tells it).
        """
        location = self._location
        if location is None:
            return {}
        return {
            "altitude": location.altitude,
            "speed": location.speed,
            "heading": location.heading,
            "address": location.address,
        }
