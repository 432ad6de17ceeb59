"""Calendars: a sprinkler controller's waterings and a feeder's meals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import PetSmartHubConfigEntry
from .entity import JournalEntity, PetSmartEntityDescription, async_add_device_entities
from .happenings import meals_between
from .journal import MISSED, Journal
from .model import Action, Device, DeviceKind, FeedSource, WateringSchedule

PARALLEL_UPDATES = 0

#: How long a meal lasts on the calendar (a feed is a moment).
MEAL_LENGTH = timedelta(minutes=1)

type EventsFn = Callable[[Journal, Device, datetime, datetime], list[CalendarEvent]]


@dataclass(frozen=True, kw_only=True)
class PetSmartCalendarEntityDescription(
    CalendarEntityDescription, PetSmartEntityDescription
):
    """A calendar of a device: its events between two moments (no cloud call)."""

    events_fn: EventsFn
    #: How far ahead the calendar's state looks for its next event.
    next_within: timedelta = timedelta(days=366)


def _watering(schedule: WateringSchedule) -> CalendarEvent:
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


def _waterings(
    journal: Journal, device: Device, start: datetime, end: datetime
) -> list[CalendarEvent]:
    """Waterings overlapping the range, from the schedules already fetched."""
    schedules = device.controller.schedules if device.controller else []
    return [
        _watering(schedule)
        for schedule in schedules
        if schedule.end > start and schedule.start < end
    ]


#: How each feed's source reads on the calendar.
_SOURCES = {
    FeedSource.SCHEDULED: "scheduled meal",
    FeedSource.MANUAL_HOME_ASSISTANT: "fed from Home Assistant",
    FeedSource.MANUAL_ELSEWHERE: "fed from the app or the feeder",
}


def _source_words(source: str) -> str:
    try:
        return _SOURCES[FeedSource(source)]
    except ValueError:
        return source


def _grams(amount: int | None) -> str:
    return f" ({amount} g)" if amount is not None else ""


def _meals(
    journal: Journal, device: Device, start: datetime, end: datetime
) -> list[CalendarEvent]:
    """Feeds seen and meals missed in the range, then the coming meals."""
    events = [
        CalendarEvent(
            start=entry.at,
            end=entry.at + MEAL_LENGTH,
            summary=(
                f"Missed meal{_grams(entry.amount)}"
                if entry.source == MISSED
                else f"Fed{_grams(entry.amount)}"
            ),
            description=(
                f"Meal {entry.slot} was not served"
                if entry.source == MISSED
                else _source_words(entry.source)
            ),
            uid=f"{device.id}_{entry.at.isoformat()}_{entry.source}",
        )
        for entry in journal.log(device.id)
        if entry.at + MEAL_LENGTH > start and entry.at < end
    ]
    slots = journal.slots(device.id)
    if slots and not journal.paused(device.id):
        # the meals still to come (one served now is a feed, or missed)
        since = max(start, dt_util.utcnow())
        events += [
            CalendarEvent(
                start=meal.at,
                end=meal.at + MEAL_LENGTH,
                summary=f"Meal {meal.slot}{_grams(meal.amount)}",
                description="Scheduled meal",
                uid=f"{device.id}_meal_{meal.at.isoformat()}",
            )
            for meal in meals_between(slots, journal.timezone(device.id), since, end)
        ]
    return sorted(events, key=lambda event: event.start)


CALENDARS: tuple[PetSmartCalendarEntityDescription, ...] = (
    PetSmartCalendarEntityDescription(
        key="schedules",
        translation_key="schedules",
        kinds=frozenset({DeviceKind.SPRINKLER_CONTROLLER}),
        events_fn=_waterings,
    ),
    PetSmartCalendarEntityDescription(
        key="meals",
        translation_key="meals",
        kinds=frozenset({DeviceKind.FEEDER}),
        exists_fn=lambda device: Action.FEED in device.actions,
        available_offline=True,  # past meals stay readable
        events_fn=_meals,
        # a daily schedule's next meal is within a day (paused: none)
        next_within=timedelta(days=2),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a calendar for every controller and every feeder."""
    async_add_device_entities(entry, async_add_entities, CALENDARS, PetSmartCalendar)


class PetSmartCalendar(JournalEntity, CalendarEntity):
    """Past and coming events of a device, from what is already known."""

    entity_description: PetSmartCalendarEntityDescription

    @property
    def event(self) -> CalendarEvent | None:
        """The event going on now, else the next one."""
        now = dt_util.utcnow()
        coming = self.entity_description.events_fn(
            self.journal, self.device, now, now + self.entity_description.next_within
        )
        return min(coming, key=lambda event: event.start, default=None)

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Events overlapping the range (no cloud call)."""
        return self.entity_description.events_fn(
            self.journal, self.device, start_date, end_date
        )
