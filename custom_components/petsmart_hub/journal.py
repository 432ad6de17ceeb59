"""What happened to an account's devices, and what Home Assistant keeps of them.

One journal per entry, beside its coordinator. Every new reading of a
device, polled or pushed, passes ``observe``: what it tells (a feed, a visit,
a finished cleaning, a geofence alert) becomes events. The journal also keeps,
in the entry's own storage (``helpers.storage.Store``), what a cloud does not
tell back: the feeding schedule last sent (OneNata answers only a count), the
Feed amount, the feeds seen and the meals missed, the latest photo of each
camera. It decides when a meal was missed and edits meals one field at a
time, sending the whole schedule once per burst of edits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
import re
import time
from typing import Any, Final, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_call_later, async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER, OPT_FEED_AMOUNT, OPT_MISSED_MEAL_GRACE
from .happenings import (
    MEAL_EARLY,
    Meal,
    alert_events,
    iso,
    kind_events,
    meal_of,
    meal_times,
    meals_between,
    new_alerts,
    safe_zone_event,
    schedule_mismatch,
)
from .model import (
    AMOUNT,
    LIMITS,
    Action,
    Alert,
    Command,
    CommandResult,
    Device,
    DeviceEvent,
    EventType,
    Feed,
    FeedingSlot,
    FeedSource,
    HubData,
    PauseFeedingSchedule,
    Photo,
    SetFeedingSchedule,
    TakePhoto,
)


class JournalOwner(Protocol):
    """What the journal needs of its entry's coordinator (coordinator.py)."""

    hass: HomeAssistant
    config_entry: ConfigEntry
    data: HubData
    last_update_success: bool

    @property
    def options(self) -> dict[str, Any]:
        """The entry's options, defaults filled in."""

    async def async_execute(
        self, device_id: str, command: Command, *, refresh: bool = True
    ) -> CommandResult:
        """Run a command on a device (vendor failures as HomeAssistantError)."""

    async def async_refresh_device(self, device_id: str) -> None:
        """Read one device afresh."""

    def async_fire_event(self, event: DeviceEvent) -> None:
        """Hand an event to its event entities."""


STORAGE_VERSION: Final = 1
#: Writes to the storage file are gathered for this long (seconds).
SAVE_DELAY: Final = 10
#: Edits of a schedule's meals within this many seconds are sent as one.
SCHEDULE_DEBOUNCE: Final = 1.0
#: Feeds and missed meals kept for the calendar: this many days, at most so many.
LOG_DAYS: Final = 31
LOG_MAX: Final = 500
#: A Feed from Home Assistant is the feed the cloud reports within this of it.
MANUAL_MATCH: Final = timedelta(minutes=5)
#: A feed the cloud reports for the first time counts as news only this fresh.
FIRST_FEED_NEWS: Final = timedelta(hours=1)
#: Meals whose check fell due while Home Assistant was down are looked at
#: only this far back (older ones are history, not news).
CATCH_UP: Final = timedelta(hours=1)
#: An alert a poll lists is the one a push already told of within this (longer
#: than the safety-net poll while push works), and the other way round.
ALERT_SAME: Final = timedelta(hours=1)
#: A session's end or a cleaning's end told again within this is the same one
#: (seen ending, then its "last" time moving on at the next reading).
SAME_END: Final = timedelta(minutes=15)
#: A meal's time as a schedule holds it.
MEAL_TIME: Final = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
#: What a log entry of a missed meal has for its source.
MISSED: Final = "missed"
#: A meal's editable fields (``async_edit_meal``'s keywords).
_FIELDS: Final = ("time", "amount", "enabled")


def storage_key(entry_id: str) -> str:
    """The name of an entry's storage file (under .storage/)."""
    return f"{DOMAIN}.{entry_id}"


async def async_remove_storage(hass: HomeAssistant, entry_id: str) -> None:
    """Delete what an entry kept (the entry is being removed)."""
    store = Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id))
    await store.async_remove()


@dataclass(slots=True)
class LogEntry:
    """A feed seen, or a meal missed (the feeder's calendar lists both)."""

    at: datetime
    amount: int | None
    #: A ``FeedSource`` value, or MISSED.
    source: str
    slot: int | None = None


@dataclass(slots=True)
class FeederRecord:
    """What Home Assistant keeps of one feeder."""

    #: The schedule last sent (None: never sent from Home Assistant).
    slots: list[FeedingSlot] | None = None
    timezone: str | None = None
    #: Paused from Home Assistant (the cloud's word, where it tells, wins).
    paused: bool = False
    #: The Feed button's amount (None: the option's default).
    feed_amount: int | None = None
    log: list[LogEntry] = field(default_factory=list)
    #: The meal missed last, until the next feed.
    missed: LogEntry | None = None
    #: Meals up to this moment (their time, not their check's) were judged,
    #: or are not the schedule's (it was sent after them).
    judged_until: datetime | None = None
    # not stored: edits waiting for the debounce ((meal, field) -> value),
    # those being sent, the callers' future, one send at a time, a Feed sent
    edits: dict[tuple[int, str], Any] = field(default_factory=dict)
    in_flight: dict[tuple[int, str], Any] = field(default_factory=dict)
    sending: asyncio.Future[None] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    manual: tuple[int, datetime] | None = None


def _edited(
    slots: list[FeedingSlot], edits: Mapping[tuple[int, str], Any]
) -> list[FeedingSlot]:
    """The meals with edits applied (an edit of a meal no longer there is dropped)."""
    meals = [replace(slot) for slot in slots]
    for (meal, what), value in edits.items():
        if 1 <= meal <= len(meals):
            setattr(meals[meal - 1], what, value)
    return meals


def _slot_json(slot: FeedingSlot) -> dict[str, Any]:
    return {"time": slot.time, "amount": slot.amount, "enabled": slot.enabled}


def _log_json(entry: LogEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "amount": entry.amount,
        "source": entry.source,
        "slot": entry.slot,
    }


def _moment(raw: Any) -> datetime | None:
    """A stored moment (None: missing, unreadable or without a time zone)."""
    try:
        moment = dt_util.parse_datetime(str(raw or ""))
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _amount(raw: Any) -> int | None:
    """A stored amount in grams (None: not a whole number the cloud takes)."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if raw in AMOUNT else None


def _read_log(raw: Any) -> LogEntry | None:
    """A stored log entry (None: unreadable, e.g. edited by hand)."""
    if not isinstance(raw, Mapping) or (at := _moment(raw.get("at"))) is None:
        return None
    slot = raw.get("slot")
    return LogEntry(
        at=at,
        amount=_amount(raw.get("amount")),
        source=str(raw.get("source") or FeedSource.MANUAL_ELSEWHERE),
        slot=slot if isinstance(slot, int) and not isinstance(slot, bool) else None,
    )


def _read_slots(raw: Any) -> list[FeedingSlot] | None:
    """A stored schedule (None: none, or not all of it readable meals)."""
    if not isinstance(raw, list):
        return None
    slots = []
    for item in raw:
        if not isinstance(item, Mapping):
            return None
        at, amount = item.get("time"), _amount(item.get("amount"))
        if not isinstance(at, str) or not MEAL_TIME.fullmatch(at) or amount is None:
            return None
        slots.append(FeedingSlot(at, amount, item.get("enabled", True) is not False))
    return slots


def _read_photo(raw: Any) -> Photo | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("url"), str):
        return None
    return Photo(
        id=raw.get("id") if isinstance(raw.get("id"), str) else None,
        url=raw["url"],
        thumbnail_url=raw.get("thumbnail_url")
        if isinstance(raw.get("thumbnail_url"), str)
        else None,
        timestamp=_moment(raw.get("timestamp")),
    )


def _text(raw: Any) -> str | None:
    return raw if isinstance(raw, str) else None


class Journal:
    """The entry's memory of its devices' meals, feeds, events and photos."""

    def __init__(self, hass: HomeAssistant, coordinator: JournalOwner) -> None:
        """Bind to the entry's coordinator (its data, options and commands)."""
        self.hass = hass
        self.coordinator = coordinator
        # (private: photo URLs are signed)
        self._store: Store[dict[str, Any]] = Store(
            hass,
            STORAGE_VERSION,
            storage_key(coordinator.config_entry.entry_id),
            private=True,
        )
        self._feeders: dict[str, FeederRecord] = {}
        self._photos: dict[str, Photo] = {}
        #: Device id -> listeners of what the journal keeps of it.
        self._listeners: dict[str, set[CALLBACK_TYPE]] = {}
        #: (device id, alert type, message) -> when (monotonic) a push / a
        #: poll told it.
        self._pushed_alerts: dict[tuple[str, str, str], float] = {}
        self._polled_alerts: dict[tuple[str, str, str], float] = {}
        #: (device id, event type) -> the end of a session or cleaning told.
        self._ends_told: dict[tuple[str, EventType], datetime] = {}
        #: Toy id -> when it was first seen playing (a session's length).
        self._playing_since: dict[str, datetime] = {}
        self._cancel_check: CALLBACK_TYPE | None = None
        self._cancel_sends: dict[str, CALLBACK_TYPE] = {}
        #: Set when the entry unloads: no edit is taken or sent after it ...
        self._stopping = False
        #: ... and once a send on its way ended, nothing is planned or kept.
        self._stopped = False

    # --- storage -----------------------------------------------------------

    async def async_load(self) -> None:
        """Read what was kept; anything unreadable is left out, never fatal."""
        stored = await self._store.async_load() or {}
        feeders = stored.get("feeders")
        for device_id, raw in (feeders if isinstance(feeders, dict) else {}).items():
            if not isinstance(raw, Mapping):
                continue
            timezone = _text(raw.get("timezone"))
            # (read from disk in the executor, so later uses find it cached)
            if timezone is not None and not await dt_util.async_get_time_zone(timezone):
                timezone = None
            log = raw.get("log")
            self._feeders[str(device_id)] = FeederRecord(
                slots=_read_slots(raw.get("slots")),
                timezone=timezone,
                paused=raw.get("paused") is True,
                feed_amount=_amount(raw.get("feed_amount")),
                log=[
                    e for e in map(_read_log, log if isinstance(log, list) else []) if e
                ],
                missed=_read_log(raw.get("missed")),
                judged_until=_moment(raw.get("judged_until")),
            )
        photos = stored.get("photos")
        for device_id, raw in (photos if isinstance(photos, dict) else {}).items():
            if (photo := _read_photo(raw)) is not None:
                self._photos[str(device_id)] = photo
        await dt_util.async_get_time_zone(self.hass.config.time_zone)

    def _data(self) -> dict[str, Any]:
        return {
            "feeders": {
                device_id: {
                    "slots": None
                    if record.slots is None
                    else [_slot_json(slot) for slot in record.slots],
                    "timezone": record.timezone,
                    "paused": record.paused,
                    "feed_amount": record.feed_amount,
                    "log": [_log_json(entry) for entry in record.log],
                    "missed": _log_json(record.missed) if record.missed else None,
                    "judged_until": iso(record.judged_until),
                }
                for device_id, record in self._feeders.items()
            },
            "photos": {
                device_id: {
                    "id": photo.id,
                    "url": photo.url,
                    "thumbnail_url": photo.thumbnail_url,
                    "timestamp": iso(photo.timestamp),
                }
                for device_id, photo in self._photos.items()
            },
        }

    def _save(self) -> None:
        if not self._stopped:
            self._store.async_delay_save(self._data, SAVE_DELAY)

    async def async_stop(self) -> None:
        """Refuse edits not sent yet, keep a send on its way, stop and write.

        A schedule the feeder is being sent as the entry unloads is what it
        will have: it is kept (and saved) once the send is over.
        """
        self._stopping = True  # no new edit, no send not begun yet
        for cancel in self._cancel_sends.values():
            cancel()
        self._cancel_sends.clear()
        for record in self._feeders.values():
            record.edits.clear()
            if record.sending is not None and not record.sending.done():
                record.sending.set_exception(_not_sent())
            record.sending = None
        for record in list(self._feeders.values()):
            async with record.lock:  # (a send on its way ends)
                pass
        self._stopped = True
        if self._cancel_check is not None:
            self._cancel_check()
            self._cancel_check = None
        await self._store.async_save(self._data())

    # --- listeners ---------------------------------------------------------

    @callback
    def async_add_listener(
        self, device_id: str, listener: CALLBACK_TYPE
    ) -> CALLBACK_TYPE:
        """Call ``listener`` when what the journal keeps of a device changes."""
        listeners = self._listeners.setdefault(device_id, set())
        listeners.add(listener)

        @callback
        def remove() -> None:
            listeners.discard(listener)
            if not listeners:
                self._listeners.pop(device_id, None)

        return remove

    def _changed(self, device_id: str) -> None:
        for listener in list(self._listeners.get(device_id, ())):
            listener()

    # --- readings ----------------------------------------------------------

    def _feeder(self, device_id: str) -> FeederRecord:
        return self._feeders.setdefault(device_id, FeederRecord())

    @property
    def _grace(self) -> timedelta:
        return timedelta(minutes=int(self.coordinator.options[OPT_MISSED_MEAL_GRACE]))

    def slots(self, device_id: str) -> list[FeedingSlot] | None:
        """The meals as the feeder's entities show them (edits on their way too)."""
        record = self._feeders.get(device_id)
        if record is None or record.slots is None:
            return None
        if not record.edits and not record.in_flight:
            return record.slots
        return _edited(record.slots, {**record.in_flight, **record.edits})

    def timezone(self, device_id: str) -> str:
        """The time zone of a feeder's meal times."""
        record = self._feeders.get(device_id)
        return (record.timezone if record else None) or self.hass.config.time_zone

    def paused(self, device_id: str) -> bool:
        """Whether a feeder's schedule is paused: as its cloud says, else as we set."""
        device = self.coordinator.data.devices.get(device_id)
        cloud = device.feeder.schedule_paused if device and device.feeder else None
        if cloud is not None:
            return cloud
        record = self._feeders.get(device_id)
        return bool(record and record.paused)

    def feed_amount(self, device_id: str) -> int:
        """What the Feed button dispenses (grams)."""
        record = self._feeders.get(device_id)
        if record is not None and record.feed_amount is not None:
            return record.feed_amount
        return int(self.coordinator.options[OPT_FEED_AMOUNT])

    def log(self, device_id: str) -> list[LogEntry]:
        """Feeds seen and meals missed, oldest first."""
        record = self._feeders.get(device_id)
        return list(record.log) if record else []

    def missed(self, device_id: str) -> LogEntry | None:
        """The meal missed last, until the next feed (None: none is)."""
        record = self._feeders.get(device_id)
        return record.missed if record else None

    def mismatch(self, device_id: str) -> str | None:
        """Why the cloud's schedule disagrees with the one last sent (None: it agrees)."""
        device = self.coordinator.data.devices.get(device_id)
        if device is None:
            return None
        record = self._feeders.get(device_id)
        return schedule_mismatch(
            record.slots if record else None,
            self.timezone(device_id),
            self.paused(device_id),
            device,
            dt_util.utcnow(),
        )

    def photo(self, device_id: str) -> Photo | None:
        """The latest photo a camera took on request."""
        return self._photos.get(device_id)

    def diagnostics(self) -> dict[str, Any]:
        """What the journal keeps, by device name (ids may hold serials).

        No photo URL (signed, a view of the home): only when it was taken.
        """
        data = self._data()
        devices = self.coordinator.data.devices

        def name(device_id: str) -> str:
            device = devices.get(device_id)
            return device.name if device else "a device no longer listed"

        return {
            "feeders": [
                {
                    "device": name(device_id),
                    **{k: v for k, v in kept.items() if k != "log"},
                    "log_entries": len(kept["log"]),
                    "mismatch": self.mismatch(device_id),
                }
                for device_id, kept in data["feeders"].items()
            ],
            "photos": [
                {"device": name(device_id), "timestamp": kept["timestamp"]}
                for device_id, kept in data["photos"].items()
            ],
        }

    # --- what a command leaves behind ------------------------------------

    @callback
    def command_done(
        self, device: Device, command: Command, result: CommandResult
    ) -> None:
        """Keep what a command that went through tells of the device."""
        if self._stopped:
            return  # (a send that ended after the entry unloaded)
        now = dt_util.utcnow()
        if isinstance(command, SetFeedingSchedule):
            record = self._feeder(device.id)
            record.slots = list(command.slots)
            record.timezone = command.timezone
            record.paused = False
            # meals before this schedule are not its own to miss
            record.judged_until = max(record.judged_until or now, now)
            self._save()
            self._plan_check()
            self._changed(device.id)
        elif isinstance(command, PauseFeedingSchedule):
            self._feeder(device.id).paused = True
            self._save()
            self._changed(device.id)
        elif isinstance(command, Feed):
            self._feeder(device.id).manual = (command.amount, now)
        elif isinstance(command, TakePhoto) and result.photo and result.photo.url:
            photo = result.photo
            self._photos[device.id] = (
                photo if photo.timestamp is not None else replace(photo, timestamp=now)
            )
            self._save()
            self._changed(device.id)

    # --- editing meals -----------------------------------------------------

    async def async_set_feed_amount(self, device_id: str, amount: int) -> None:
        """Set what the Feed button dispenses."""
        self._feeder(device_id).feed_amount = amount
        self._save()
        self._changed(device_id)

    async def async_set_meal_count(self, device_id: str, count: int) -> None:
        """Give the schedule ``count`` meals and send it at once.

        Meals beyond the count go; new ones get times spread over the day
        (``meal_times``) and the Feed amount, switched on. A feeder whose
        schedule Home Assistant never sent gets a whole new one: this is
        how a schedule is made without the action.
        """
        if self._stopping:
            raise _not_sent()
        if count not in LIMITS.feeding_slots:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_schedule_length",
                translation_placeholders={"count": str(count)},
            )
        record = self._feeder(device_id)
        async with record.lock:
            current = list(record.slots or [])
            if count <= len(current):
                meals = current[:count]
            else:
                amount = self.feed_amount(device_id)
                meals = current + [
                    FeedingSlot(at, amount, True)
                    for at in meal_times(
                        count - len(current), [slot.time for slot in current]
                    )
                ]
            await self.coordinator.async_execute(
                device_id,
                SetFeedingSchedule(
                    slots=tuple(meals), timezone=self.timezone(device_id)
                ),
            )

    async def async_edit_meal(
        self,
        device_id: str,
        slot: int,
        *,
        at: str | None = None,
        amount: int | None = None,
        enabled: bool | None = None,
    ) -> None:
        """Change one meal; edits within SCHEDULE_DEBOUNCE go out as one schedule.

        Returns once the schedule holding the edit was sent; a refusal
        raises (and the meals show what the feeder has again). Each edit is
        of one field of one meal, laid over the schedule as it is when sent:
        a refused send's edits never ride along with the next one.
        """
        record = self._feeder(device_id)
        current = self.slots(device_id)
        if self._stopping:
            raise _not_sent()
        if current is None or not 1 <= slot <= len(current):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_such_meal",
                translation_placeholders={"meal": str(slot)},
            )
        for what, value in zip(_FIELDS, (at, amount, enabled), strict=True):
            if value is not None:
                record.edits[(slot, what)] = value
        if record.sending is None:
            record.sending = self.hass.loop.create_future()

            async def send(_now: datetime) -> None:
                self._cancel_sends.pop(device_id, None)
                self.coordinator.config_entry.async_create_task(
                    self.hass, self._async_send(device_id), "petsmart_hub meals"
                )

            self._cancel_sends[device_id] = async_call_later(
                self.hass, SCHEDULE_DEBOUNCE, send
            )
        waiting = record.sending
        self._changed(device_id)
        await asyncio.shield(waiting)

    async def _async_send(self, device_id: str) -> None:
        """Send the meals as edited (the whole schedule, once; one send at a time)."""
        record = self._feeder(device_id)
        waiting, record.sending = record.sending, None
        async with record.lock:
            edits, record.edits = record.edits, {}
            record.in_flight = edits
            try:
                paused = self.paused(device_id)
                await self.coordinator.async_execute(
                    device_id, self._schedule_with(device_id, edits)
                )
                if paused and not self._stopped:
                    # a schedule sent resumes it (OneNata's setSchedule does):
                    # a paused feeder stays paused
                    await self.coordinator.async_execute(
                        device_id, PauseFeedingSchedule()
                    )
            except Exception as err:  # noqa: BLE001 - every caller must hear of it
                if waiting is not None and not waiting.done():
                    waiting.set_exception(
                        err if isinstance(err, HomeAssistantError) else _not_sent()
                    )
            else:
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)
            finally:
                record.in_flight = {}
                self._changed(device_id)

    def _schedule_with(
        self, device_id: str, edits: Mapping[tuple[int, str], Any]
    ) -> SetFeedingSchedule:
        """The whole schedule as last sent, with the edits laid over it."""
        slots = self._feeder(device_id).slots
        if self._stopping or slots is None:
            raise _not_sent()
        return SetFeedingSchedule(
            slots=tuple(_edited(slots, edits)), timezone=self.timezone(device_id)
        )

    # --- what new readings tell ------------------------------------------

    @callback
    def observe(self, old: Device, new: Device) -> list[DeviceEvent]:
        """The events a device's new reading tells (``old``: the one before)."""
        now = dt_util.utcnow()
        events: list[DeviceEvent] = []
        if new.feeder is not None and old.feeder is not None:
            fed_at, before = new.feeder.last_feed, old.feeder.last_feed
            news = fed_at is not None and (
                (before is not None and fed_at > before)
                or (before is None and now - fed_at < FIRST_FEED_NEWS)
            )
            if news and fed_at and (fed := self._fed(new, fed_at)) is not None:
                events.append(fed)
            record = self._feeders.get(new.id)
            if new.feeder.schedule_paused is False and record and record.paused:
                record.paused = False  # resumed in the vendor's app
                self._save()
        if new.toy is not None and new.toy.playing:
            self._playing_since.setdefault(new.id, now)
        for event in kind_events(old, new, now, self._playing_since.get(new.id)):
            if self._told_again(event):
                continue
            events.append(event)
        if new.toy is not None and not new.toy.playing:
            self._playing_since.pop(new.id, None)
        fresh = [
            alert
            for alert in new_alerts(old, new)
            if not self._recent(self._pushed_alerts, _alert_key(new.id, alert))
        ]
        for alert in fresh:
            self._polled_alerts[_alert_key(new.id, alert)] = time.monotonic()
        events += alert_events(new, fresh, now)
        return events

    def _told_again(self, event: DeviceEvent) -> bool:
        """Whether a session's or cleaning's end was told already (by another reading)."""
        if event.type not in (EventType.PLAY_SESSION, EventType.CLEANING_FINISHED):
            return False
        key = (event.device_id, event.type)
        told = self._ends_told.get(key)
        at = event.at or dt_util.utcnow()
        self._ends_told[key] = at
        return told is not None and abs(at - told) < SAME_END

    @callback
    def pushed(self, event: DeviceEvent) -> list[DeviceEvent]:
        """A pushed event, and what it tells besides (a geofence alert's zone event).

        A pushed alert a poll already told of is not told again.
        """
        if event.type is not EventType.ALERT:
            return [event]
        alert = Alert(
            type=str(event.data.get("type") or "alert"),
            message=str(event.data.get("message") or event.data.get("type") or ""),
            zone=str(event.data["zone"]) if event.data.get("zone") else None,
        )
        key = _alert_key(event.device_id, alert)
        if self._recent(self._polled_alerts, key):
            return []
        self._pushed_alerts[key] = time.monotonic()
        events = [event]
        device = self.coordinator.data.devices.get(event.device_id)
        if (
            device is not None
            and device.tracker is not None
            and (zone_event := safe_zone_event(alert)) is not None
        ):
            at = event.at or dt_util.utcnow()
            events.append(
                DeviceEvent(
                    device_id=event.device_id,
                    type=zone_event,
                    data={
                        "zone": alert.zone,
                        "message": alert.message,
                        "time": iso(at),
                    },
                    at=at,
                )
            )
        return events

    @staticmethod
    def _recent(
        seen: dict[tuple[str, str, str], float], key: tuple[str, str, str]
    ) -> bool:
        at = seen.get(key)
        return at is not None and time.monotonic() - at < ALERT_SAME.total_seconds()

    def _fed(self, device: Device, fed_at: datetime) -> DeviceEvent | None:
        """A feed seen: who asked for it and how much, logged and told.

        None: that feed was told already (its time went away and came back).
        """
        record = self._feeder(device.id)
        if any(e.at == fed_at and e.source != MISSED for e in record.log):
            return None
        slot: int | None = None
        amount: int | None = None
        manual = record.manual
        if manual is not None and abs(fed_at - manual[1]) <= MANUAL_MATCH:
            source = FeedSource.MANUAL_HOME_ASSISTANT
            amount = manual[0]
            record.manual = None
        elif (
            record.slots
            and not self.paused(device.id)
            and (
                meal := meal_of(
                    record.slots, self.timezone(device.id), fed_at, self._grace
                )
            )
            is not None
        ):
            source, amount, slot = FeedSource.SCHEDULED, meal.amount, meal.slot
        else:
            source = FeedSource.MANUAL_ELSEWHERE
        self._append(record, LogEntry(fed_at, amount, source.value, slot))
        if record.missed is not None and fed_at >= record.missed.at - MEAL_EARLY:
            record.missed = None  # the next feed ends a missed meal
        self._save()
        self._changed(device.id)
        return DeviceEvent(
            device_id=device.id,
            type=EventType.FED,
            data={
                "amount": amount,
                "source": source.value,
                "time": iso(fed_at),
                "meal": slot,
            },
            at=fed_at,
        )

    @staticmethod
    def _append(record: FeederRecord, entry: LogEntry) -> None:
        oldest = entry.at - timedelta(days=LOG_DAYS)
        record.log = [e for e in record.log if e.at >= oldest][-(LOG_MAX - 1) :]
        record.log.append(entry)
        record.log.sort(key=lambda e: e.at)

    # --- missed meals ------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start watching for missed meals (the entities are there by now)."""
        now = dt_util.utcnow()
        for record in self._feeders.values():
            if record.judged_until is None or record.judged_until < now - CATCH_UP:
                record.judged_until = now - CATCH_UP
        self._check(now)

    def _watched(self) -> list[tuple[str, FeederRecord]]:
        """Feeders with a schedule whose meals can be missed."""
        devices = self.coordinator.data.devices
        return [
            (device_id, record)
            for device_id, record in self._feeders.items()
            if record.slots
            and device_id in devices
            and Action.FEED in devices[device_id].actions
        ]

    def _due(self, device_id: str, record: FeederRecord, now: datetime) -> list[Meal]:
        """Meals after ``judged_until`` whose grace has ended by ``now``."""
        until = now - self._grace
        start = (record.judged_until or until) + timedelta(microseconds=1)
        return meals_between(
            record.slots or [],
            self.timezone(device_id),
            start,
            until + timedelta(microseconds=1),
        )

    @callback
    def _check(self, now: datetime) -> None:
        """Judge the meals whose grace ended (after reading those feeders afresh)."""
        self._cancel_check = None
        if self._stopped:
            return
        due = {
            device_id: meals
            for device_id, record in self._watched()
            if (meals := self._due(device_id, record, now))
        }
        if not due:
            self._plan_check(now)
            return
        self.coordinator.config_entry.async_create_task(
            self.hass, self._async_judge(due, now), "petsmart_hub missed meals"
        )

    async def _async_judge(self, due: dict[str, list[Meal]], now: datetime) -> None:
        """Read each feeder with a meal due afresh, then judge its meals.

        The fresh read tells a feed a lost push (or a slow poll) did not; a
        feeder that cannot be read is not judged: no alarm on stale data.
        """
        changed = False
        for device_id, meals in due.items():
            if self._stopped:
                return
            await self.coordinator.async_refresh_device(device_id)
            record = self._feeders.get(device_id)
            if record is None:
                continue
            for meal in meals:
                changed |= self._judge(device_id, record, meal)
            until = now - self._grace
            record.judged_until = max(record.judged_until or until, until)
            changed = True
        if changed:
            self._save()
        self._plan_check()

    def _judge(self, device_id: str, record: FeederRecord, meal: Meal) -> bool:
        """Whether a meal whose grace ended was missed (and tell it if so)."""
        coordinator = self.coordinator
        device = coordinator.data.devices.get(device_id)
        if (
            device is None
            or device.online is False
            or device_id in coordinator.data.failed
            or not coordinator.last_update_success
        ):
            return False  # an offline feeder (or an unreachable cloud) tells nothing
        if self.paused(device_id) or self._stopped:
            return False
        last = device.feeder.last_feed if device.feeder else None
        since = meal.at.astimezone(UTC) - MEAL_EARLY
        fed = (last is not None and last >= since) or any(
            entry.source != MISSED and entry.at >= since for entry in record.log[-5:]
        )
        if fed:
            return False
        entry = LogEntry(meal.at, meal.amount, MISSED, meal.slot)
        record.missed = entry
        self._append(record, entry)
        LOGGER.debug("%s missed its %s meal", device.name, meal.at.isoformat())
        coordinator.async_fire_event(
            DeviceEvent(
                device_id=device_id,
                type=EventType.MISSED_MEAL,
                data={"time": iso(meal.at), "amount": meal.amount, "meal": meal.slot},
                at=meal.at,
            )
        )
        self._changed(device_id)
        return True

    def _plan_check(self, now: datetime | None = None) -> None:
        """Wake at the next moment a meal's grace ends."""
        if self._cancel_check is not None:
            self._cancel_check()
            self._cancel_check = None
        if self._stopped:
            return
        now = now or dt_util.utcnow()
        grace = self._grace
        wake: datetime | None = None
        for device_id, record in self._watched():
            after = max(now - grace, record.judged_until or now - grace)
            coming = meals_between(
                record.slots or [],
                self.timezone(device_id),
                after + timedelta(microseconds=1),
                now + timedelta(days=2),
            )
            if coming:
                due = coming[0].at.astimezone(UTC) + grace
                wake = due if wake is None else min(wake, due)
        if wake is not None:
            self._cancel_check = async_track_point_in_utc_time(
                self.hass, self._check, wake.astimezone(UTC)
            )


def _alert_key(device_id: str, alert: Alert) -> tuple[str, str, str]:
    return (device_id, alert.type, alert.message)


def _not_sent() -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key="meal_not_sent"
    )
