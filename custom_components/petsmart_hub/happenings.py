"""What a change between two readings of a device means, whoever made it.

A feeder's last feed moved on: it fed. A litter box's visit count rose: a pet
used it. Polled or pushed, every new reading of a device passes here (from
the coordinator's journal) and what it tells becomes events. The meals of a
feeding schedule, and when one counts as missed, are worked out here too.

No Home Assistant imports: this is plain Python on the neutral model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
import re
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import (
    Alert,
    Device,
    DeviceEvent,
    EventType,
    EventValue,
    FeedingSlot,
    FountainState,
)

#: A feed this close to a meal's time (before it, or up to the grace after it)
#: is that meal: a feeder's clock and the cloud's report are not exact.
MEAL_EARLY: Final = timedelta(minutes=15)
#: A fountain filter with this much life left (percent) or less is due.
FILTER_DUE_LIFE: Final = 10.0
#: The most days of coming meals a calendar lists at once.
MAX_MEAL_DAYS: Final = 62
#: A moment a device tells for the first time (it was unknown) is news only
#: this fresh: the first good reading after a failed one is where it stands.
FIRST_NEWS: Final = timedelta(hours=1)

#: Filter status words that mean "replace it" (``replace``, ``replace_soon``,
#: ``expired``...): the doc shows only "good", so every plausible word is read,
#: as whole words ("replaced" and "changed" are done, not due).
_FILTER_DUE_WORDS: Final = re.compile(
    r"\b(replace|replacement|change|due|overdue|expired|exhausted|bad|poor|"
    r"dirty|clogged|worn|eol|end of life)\b",
    re.I,
)
#: ... unless they are denied ("not_due", "no_change_needed").
_NEGATION: Final = re.compile(r"\b(not|no|none|never)\b", re.I)
#: A geofence alert names a fence or zone (as a word: not "timezone").
_FENCE_WORDS: Final = re.compile(
    r"\b(geo ?fences?|fences?|safe ?zones?|zones?|boundary)\b", re.I
)
#: Alert types that say nothing by themselves: their message tells.
_GENERIC_TYPES: Final = frozenset(
    {"alert", "alerts", "notification", "event", "warning", "info", "message"}
)
#: How an alert's type says the pet left, or came back into, a safe zone
#: (``geofenceExit``, ``fence_out``, ``zone_in``).
_EXIT_TYPE: Final = re.compile(
    r"\b(exit|exited|exits|left|leave|leaving|outside|out|departed|breach)\b", re.I
)
_ENTRY_TYPE: Final = re.compile(
    r"\b(entry|enter|entered|enters|inside|in|arrived|arrival|returned|back)\b",
    re.I,
)
#: ... and how a message says it (no bare "in"/"out": "updated in the app").
_EXIT_MESSAGE: Final = re.compile(
    r"\b(exited|left|leaving|departed|escaped|is outside)\b", re.I
)
_ENTRY_MESSAGE: Final = re.compile(
    r"\b(entered|arrived|returned|is back|came back|is inside)\b", re.I
)


def _words(text: str) -> str:
    """A cloud's word as words: ``geofenceExit``, ``fence_in`` → "geofence Exit"."""
    return re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"[_\-.]+", " ", text))


def iso(moment: datetime | None) -> str | None:
    """An event attribute's time (ISO 8601, as Home Assistant shows times)."""
    return moment.isoformat() if moment is not None else None


def _event(
    device: Device, kind: EventType, at: datetime | None, **data: EventValue
) -> DeviceEvent:
    return DeviceEvent(device_id=device.id, type=kind, data=data, at=at)


# --- the other kinds: litter boxes, fountains, toys and every device's alerts --


def filter_due(state: FountainState) -> bool | None:
    """Whether a fountain's filter wants replacing (None: it does not tell)."""
    if state.filter_life is not None and state.filter_life <= FILTER_DUE_LIFE:
        return True
    if state.filter_status:
        words = _words(state.filter_status)
        return _NEGATION.search(words) is None and (
            _FILTER_DUE_WORDS.search(words) is not None
        )
    return None if state.filter_life is None else False


def safe_zone_event(alert: Alert) -> EventType | None:
    """The safe-zone event a geofence alert tells of (None: not a geofence alert).

    Clouds word these freely (``geofenceExit``, ``fence_out``, a
    ``geofence`` alert saying "Left Home Safe Zone"). An alert is a geofence
    alert when its type names a fence or zone, when it carries a zone, or
    when its type says nothing ("alert") and its message names one; its type
    says whether it is an exit or an entry, else its message does (another
    alert that mentions a zone, "Battery low in Home zone", is none).
    """
    kind = _words(alert.type)
    message = _words(alert.message)
    if _FENCE_WORDS.search(kind) or alert.zone is not None:
        if _EXIT_TYPE.search(kind):
            return EventType.LEFT_SAFE_ZONE
        if _ENTRY_TYPE.search(kind):
            return EventType.ENTERED_SAFE_ZONE
    elif kind.strip().lower() not in _GENERIC_TYPES or not _FENCE_WORDS.search(message):
        return None
    if _EXIT_MESSAGE.search(message):
        return EventType.LEFT_SAFE_ZONE
    if _ENTRY_MESSAGE.search(message):
        return EventType.ENTERED_SAFE_ZONE
    return None


def new_alerts(old: Device, new: Device) -> list[Alert]:
    """The alerts a new reading lists that the one before did not."""
    before = {(alert.type, alert.message) for alert in old.alerts}
    return [alert for alert in new.alerts if (alert.type, alert.message) not in before]


def alert_events(
    device: Device, alerts: Iterable[Alert], at: datetime
) -> list[DeviceEvent]:
    """An "alert" event per alert, and a safe-zone event per geofence alert."""
    events: list[DeviceEvent] = []
    for alert in alerts:
        events.append(
            _event(device, EventType.ALERT, at, type=alert.type, message=alert.message)
        )
        if (zone_event := safe_zone_event(alert)) is not None:
            events.append(
                _event(
                    device,
                    zone_event,
                    at,
                    zone=alert.zone,
                    message=alert.message,
                    time=iso(at),
                )
            )
    return events


def _advanced(before: datetime | None, after: datetime | None, now: datetime) -> bool:
    """Whether a moment moved on (one told for the first time: only when fresh)."""
    if after is None:
        return False
    if before is None:
        return now - after < FIRST_NEWS
    return after > before


def kind_events(
    old: Device, new: Device, now: datetime, play_started: datetime | None = None
) -> list[DeviceEvent]:
    """What a litter box, fountain or toy did between two readings.

    ``play_started``: when the toy was first seen playing (a session's
    length where the cloud does not tell it).
    """
    events: list[DeviceEvent] = []
    if (box := new.litter_box) is not None and (was := old.litter_box) is not None:
        visited = _advanced(was.last_visit, box.last_visit, now)
        rose = (
            box.visits is not None
            and was.visits is not None
            and box.visits > was.visits
        )
        if visited or (rose and box.last_visit is None):
            count = (box.visits or 0) - (was.visits or 0) if rose else 1
            events.append(
                _event(
                    new,
                    EventType.VISIT,
                    box.last_visit if visited else now,
                    time=iso(box.last_visit if visited else now),
                    visits=box.visits,
                    count=count,
                )
            )
        events += _cleaning_finished(
            new, was.cleaning, box.cleaning, was.last_cleaned, box.last_cleaned, now
        )
    if (water := new.fountain) is not None and (held := old.fountain) is not None:
        events += _cleaning_finished(
            new,
            held.cleaning,
            water.cleaning,
            held.last_maintenance,
            water.last_maintenance,
            now,
        )
        if filter_due(water) and filter_due(held) is False:
            events.append(
                _event(
                    new,
                    EventType.FILTER_DUE,
                    now,
                    filter_status=water.filter_status,
                    filter_life=water.filter_life,
                )
            )
    if (toy := new.toy) is not None and (played := old.toy) is not None:
        ended = played.playing is True and toy.playing is False
        moved = _advanced(played.last_play_session, toy.last_play_session, now)
        if ended or (moved and toy.playing is not True):
            # a session whose end the cloud has not told yet ended now
            end = toy.last_play_session if moved and toy.last_play_session else now
            duration = toy.last_session_duration
            if duration is None and play_started is not None and end > play_started:
                duration = (end - play_started).total_seconds()
            events.append(
                _event(
                    new,
                    EventType.PLAY_SESSION,
                    end,
                    time=iso(end),
                    duration=round(duration) if duration is not None else None,
                    mode=toy.mode,
                )
            )
    return events


def _cleaning_finished(
    device: Device,
    was_cleaning: bool | None,
    cleaning: bool | None,
    was_done: datetime | None,
    done: datetime | None,
    now: datetime,
) -> list[DeviceEvent]:
    """A cleaning that ended (seen running, then not) or a newer "last cleaned"."""
    if cleaning is True:
        return []
    if _advanced(was_done, done, now) and was_done is not None:
        return [_event(device, EventType.CLEANING_FINISHED, done, time=iso(done))]
    if was_cleaning is True and cleaning is False:
        return [_event(device, EventType.CLEANING_FINISHED, now, time=iso(now))]
    return []


# --- feeders: the meals of a schedule and what a feed was ----------------------


@dataclass(frozen=True, slots=True)
class Meal:
    """One meal of a schedule on one day."""

    slot: int  # 1-based, as the entities count them
    #: aware, in the schedule's time zone (add to it in UTC: a ZoneInfo
    #: moment plus a timedelta is wall-clock time, wrong across a DST change)
    at: datetime
    amount: int


def zone(name: str | None) -> ZoneInfo | None:
    """The time zone a schedule's times are in (None: not a known zone)."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def slot_time(slot: FeedingSlot) -> time:
    """A slot's "HH:MM" as a time of day."""
    hours, minutes = slot.time.split(":")[:2]
    return time(int(hours), int(minutes))


#: Where the meals of a day go when a count of them is asked for: spread over
#: the waking day, first at 07:00, last at 19:00 (one meal: 08:00).
FIRST_MEAL: Final = time(7)
LAST_MEAL: Final = time(19)


def meal_times(count: int, taken: Sequence[str] = ()) -> list[str]:
    """``count`` "HH:MM" times for new meals, spread over the day, none in ``taken``.

    The meals of a day (the new and the ``taken`` ones) spread from
    FIRST_MEAL to LAST_MEAL at even steps, rounded to 5 minutes (one meal:
    08:00); the new ones take the first of those times no meal has yet.
    There are always enough: the steps are distinct (at most 10 meals: 80
    minutes or more apart) and the taken ones hold at most as many.
    """
    used = set(taken)
    total = count + len(used)
    if total <= 1:
        layout = ["08:00"]
    else:
        first = FIRST_MEAL.hour * 60 + FIRST_MEAL.minute
        span = LAST_MEAL.hour * 60 + LAST_MEAL.minute - first
        layout = [
            f"{minute // 60:02d}:{minute % 60:02d}"
            for minute in (
                first + round(span * step / (total - 1) / 5) * 5
                for step in range(total)
            )
        ]
    return [candidate for candidate in layout if candidate not in used][:count]


def meals_between(
    slots: Sequence[FeedingSlot], timezone: str, start: datetime, end: datetime
) -> list[Meal]:
    """The enabled meals whose time falls in [start, end), oldest first."""
    tz = zone(timezone)
    if tz is None or end <= start:
        return []
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = min(end.astimezone(tz).date(), first + timedelta(days=MAX_MEAL_DAYS))
    meals: list[Meal] = []
    day: date = first
    while day <= last:
        for index, slot in enumerate(slots, start=1):
            if not slot.enabled:
                continue
            moment = datetime.combine(day, slot_time(slot), tzinfo=tz)
            if start <= moment < end:
                meals.append(Meal(index, moment, slot.amount))
        day += timedelta(days=1)
    return sorted(meals, key=lambda meal: meal.at)


def meal_of(
    slots: Sequence[FeedingSlot], timezone: str, fed_at: datetime, grace: timedelta
) -> Meal | None:
    """The scheduled meal a feed at ``fed_at`` was (None: no meal was due then)."""
    near = meals_between(slots, timezone, fed_at - grace, fed_at + MEAL_EARLY)
    return min(near, key=lambda meal: abs(meal.at - fed_at), default=None)


def schedule_mismatch(
    slots: Sequence[FeedingSlot] | None,
    timezone: str | None,
    paused: bool,
    device: Device,
    now: datetime,
) -> str | None:
    """Why the cloud's word on a feeder's schedule disagrees with ours (None: it agrees).

    ``slots``/``timezone``: the schedule last sent (None: never sent from
    here). The cloud tells only a count of meals and the next one: a count
    of neither all nor the enabled meals, or a next meal that is none of
    ours, disagrees. A cloud that tells nothing never disagrees.
    """
    feeder = device.feeder
    if feeder is None:
        return None
    count = feeder.scheduled_feeds
    if slots is None:
        return "not_known" if count else None
    if count is not None and count not in {
        len(slots),
        sum(slot.enabled for slot in slots),
    }:
        return "count"
    next_feed = feeder.next_feed
    if next_feed is None or paused or feeder.schedule_paused:
        return None
    if next_feed < now - timedelta(minutes=1):
        return None  # a stale "next" is the cloud's lag, not a schedule
    coming = meals_between(
        slots,
        timezone or "UTC",
        next_feed - timedelta(minutes=1),
        next_feed + timedelta(minutes=1),
    )
    return None if coming else "next_feed"
