"""A calendar of a sprinkler controller's watering schedules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import DeviceKind, WateringSchedule

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PetSmartCalendarEntityDescription(
    CalendarEntityDescription, PetSmartEntityDescription
):
    """A calendar of a device."""


CALENDARS: tuple[PetSmartCalendarEntityDescription, ...] = (
    PetSmartCalendarEntityDescription(
        key="schedules",
        translation_key="schedules",
        kinds=frozenset({DeviceKind.SPRINKLER_CONTROLLER}),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a schedule calendar for every controller."""
    async_add_device_entities(entry, async_add_entities, CALENDARS, PetSmartCalendar)


def _event(schedule: WateringSchedule) -> CalendarEvent:
    """A watering as a calendar event (zone, source and status in words)."""
    source = (schedule.source or "unknown").lower()
    status = (schedule.status or "unknown").lower()
    return CalendarEvent(
        start=schedule.start,
        end=schedule.end,
        summary=f"Water {schedule.zone_name or f'zone {schedule.zone}'}",
        description=f"Zone {schedule.zone}, source: {source}, status: {status}",
        uid=schedule.id,
    )


class PetSmartCalendar(PetSmartEntity, CalendarEntity):
    """Past and upcoming waterings, from the schedules already fetched."""

    entity_description: PetSmartCalendarEntityDescription

    @property
    def _schedules(self) -> list[WateringSchedule]:
        controller = self.device.controller
        return controller.schedules if controller else []

    @property
    def event(self) -> CalendarEvent | None:
        """The watering running now, else the next one."""
        now = dt_util.utcnow()
        upcoming = [s for s in self._schedules if s.end > now]
        if not upcoming:
            return None
        return _event(min(upcoming, key=lambda schedule: schedule.start))

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Waterings overlapping the range (no cloud call: schedules are cached)."""
        return [
            _event(schedule)
            for schedule in self._schedules
            if schedule.end > start_date and schedule.start < end_date
        ]
