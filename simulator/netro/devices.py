"""Netro devices: controllers with zones, schedules and moisture, and soil sensors.

A controller's world is computed lazily. Its history begins one month before the
first time it is looked at; `SimController.settle` then replays, in time order,
everything due up to "now": local midnights (one moisture record per zone and
day), schedule starts (event 3, the zone waters) and schedule ends (event 4, the
run is logged and the zone's moisture rises). Each request therefore costs time
proportional to what happened since the previous one, never to the seconds that
passed.

Automatic schedules are generated one local day at a time: every enabled zone
waters once a day, zones one after another from 05:00 local. SMART and ASSISTANT
zones get "SMART" schedules, TIMER zones get "FIX" ones (from programs). One valve
runs at a time: a schedule that starts while another executes cuts it short,
except that an automatic schedule never interrupts a MANUAL or unlisted run (it
is dropped).
A controller in STANDBY, or offline, drops the schedules that come due.

A run can also start at the controller itself (its own button):
`SimController.water_unlisted` waters a zone at once, like a MANUAL run (status
WATERING, events 3 and 4, the run is logged, moisture rises, stop_water, STANDBY
and going offline end it, automatic schedules never interrupt it), but
schedules.json never lists it.

What info.json adds to the doc's fields, as real devices send it:

* "last_active", the device's latest contact with the cloud (UTC, no zone, never
  later than meta.time). A controller checks in every `CHECK_IN_INTERVAL` (15
  minutes) at a seeded offset: its latest check-in up to now while online, the
  latest one up to the moment it went offline while offline. A sensor's is the
  time of its newest hourly reading; it has none (and omits the field) before
  its first reading.
* "battery_level", a 0-1 fraction with two decimals, for battery-powered devices
  only: sensors (Whisperer) and controllers whose `battery_powered` is set (the
  "Pixie" model; Sprite and Spark send none). A battery starts at a seeded level
  in [80, 100] percent at installation (a sensor's `installed`, a controller's
  history start) and drains a seeded 0.5-1.5 points a day, never below 5. A
  controller reports its level now; a sensor syncs it to the cloud every 7 days
  from installation, so its info.json lags its sensor_data.json rows, which each
  carry the level at their time as an integer percent (unless `row_battery` is
  cleared).

A controller with `moisture_stale_days` > 0 (2 for the Pixie model, as seen in a
real capture) lists no moisture record dated after local today minus that many
days: the cloud's estimate has stopped. set_moisture.json sets it back to 0, the
user's override being a fresh value, so today's overridden record shows.

Moving the clock backwards (`SimClock.set` to an earlier time, or a negative
`advance`) rebuilds the world at the new time: history, manual schedules, unlisted
runs and overrides are forgotten; configuration, online and standby state are
kept (an offline controller counts as gone offline at the new time, unless it
went offline earlier than that).

Everything random is derived from the seed, so two simulators built alike
answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
import heapq
import math
import random
from typing import Any
from zoneinfo import ZoneInfo

type JSON = dict[str, Any]
type Run = tuple[int, datetime, datetime]

# Controller status (the doc also lists SETUP, SLEEPING and POWEROFF).
ONLINE = "ONLINE"
STANDBY = "STANDBY"
WATERING = "WATERING"
OFFLINE = "OFFLINE"

# Zone smart configuration.
SMART = "SMART"
ASSISTANT = "ASSISTANT"
TIMER = "TIMER"
SMART_CYCLE = (SMART, SMART, ASSISTANT, TIMER)

# Schedule sources and statuses.
SOURCE_SMART = "SMART"
SOURCE_FIX = "FIX"
SOURCE_MANUAL = "MANUAL"
SOURCE_LOCAL = "LOCAL"  # a run started at the controller itself: never listed
AUTOMATIC_SOURCES = (SOURCE_SMART, SOURCE_FIX)
VALID = "VALID"
EXECUTING = "EXECUTING"
EXECUTED = "EXECUTED"

# Event types.
EVENT_OFFLINE = 1
EVENT_ONLINE = 2
EVENT_SCHEDULE_START = 3
EVENT_SCHEDULE_END = 4
EVENT_TYPES = (EVENT_OFFLINE, EVENT_ONLINE, EVENT_SCHEDULE_START, EVENT_SCHEDULE_END)

CONTROLLER_VERSION = "2.2"
CONTROLLER_SW_VERSION = "2.2.0"
SENSOR_VERSION = "1.0"
SENSOR_SW_VERSION = "1.1.2"
CONTROLLER_NAMES = (
    "Front Yard Sprite",
    "Back Yard Spark",
    "Garden Pixie",
    "Orchard Sprite",
)
ZONE_NAMES = (
    "Front Lawn",
    "Back Lawn",
    "Flower Beds",
    "Vegetable Garden",
    "Side Yard",
    "Drip Line",
    "Hedges",
    "Trees",
    "Patio Pots",
    "Roses",
    "Herbs",
    "Orchard",
)
MAX_ZONES = 99

DAILY_START = time(5, 0)  # automatic schedules start at 05:00 local
ZONE_MINUTES = (3, 8)  # daily run length of a zone, minutes
MOISTURE_START = (45, 75)  # zone moisture when history begins
GAIN_PER_MINUTE = 1.5  # moisture points a minute of watering adds
DRYING_FACTOR = (0.6, 1.4)  # how much faster or slower than usual a day dries
RAIN_SKIP_MM = 3.0  # reported rain that makes SMART schedules skip the day
# Requests racing each other may see the clock a hair apart; only a bigger step
# back counts as moving the clock backwards.
REWIND_TOLERANCE = timedelta(seconds=1)
# Controllers check in with the cloud this often, at a seeded offset.
CHECK_IN_INTERVAL = timedelta(minutes=15)
SENSOR_INTERVAL = timedelta(hours=1)  # a sensor reports once an hour
# Batteries: level at installation (percent), drain (points a day), floor.
BATTERY_MODELS = frozenset({"Pixie"})  # battery-powered controller models
BATTERY_START = (80.0, 100.0)
BATTERY_DRAIN = (0.5, 1.5)
BATTERY_FLOOR = 5.0
BATTERY_SYNC_INTERVAL = timedelta(days=7)  # a sensor's info.json battery refresh
# Models whose cloud moisture estimate lags (days), as a real Pixie capture shows.
MOISTURE_STALE_DAYS_BY_MODEL = {"Pixie": 2}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MANUAL_ID_BASE = 1_000_000_000
EVENT_ID_BASE = 600_000_000


def fmt_time(dt: datetime) -> str:
    """Format a time the doc's way: UTC, no zone suffix (2020-12-24T11:41:34)."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")[:19]


def fmt_clock(dt: datetime) -> str:
    """Format the time of day of an aware time, as 05:00:00."""
    return dt.isoformat(timespec="seconds")[11:19]


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later (or earlier), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def next_utc_midnight(now: datetime) -> datetime:
    """Return the next midnight UTC, when daily tokens reset."""
    today = now.astimezone(UTC).date()
    return datetime.combine(today + timedelta(days=1), time(), UTC)


def seeded(seed: int, *salt: object) -> random.Random:
    """Return a random generator derived from the seed and `salt`."""
    return random.Random(":".join(map(str, (seed, *salt))))


def latest_tick(at: datetime, every: timedelta, offset: timedelta) -> datetime:
    """Return the latest time <= `at` of the series EPOCH + offset + n * every."""
    return EPOCH + offset + (at - offset - EPOCH) // every * every


@dataclass(frozen=True)
class Battery:
    """A battery: `start` percent at installation, losing `drain` points a day."""

    start: float
    drain: float

    def level(self, installed: datetime, at: datetime) -> float:
        """Return the level (percent) at `at`, never below BATTERY_FLOOR."""
        days = max(0.0, (at - installed).total_seconds() / 86400)
        return max(BATTERY_FLOOR, self.start - self.drain * days)


def new_battery(seed: int, serial: str) -> Battery:
    """Return the seeded battery of device `serial`."""
    rng = seeded(seed, serial, "battery")
    return Battery(rng.uniform(*BATTERY_START), rng.uniform(*BATTERY_DRAIN))


class Ids:
    """Issues the simulator-wide ids of manual schedules and events."""

    def __init__(self) -> None:
        """Start both counters at their bases."""
        self._manual = MANUAL_ID_BASE
        self._event = EVENT_ID_BASE

    def manual(self) -> int:
        """Return a new manual schedule id."""
        self._manual += 1
        return self._manual

    def event(self) -> int:
        """Return a new event id."""
        self._event += 1
        return self._event


# --- controllers ------------------------------------------------------------------


@dataclass
class SimZone:
    """One zone (valve) of a controller."""

    ith: int
    name: str
    enabled: bool
    smart: str
    minutes: int  # length of its daily automatic run
    initial_moisture: int

    @property
    def source(self) -> str:
        """The source of this zone's automatic schedules."""
        return SOURCE_FIX if self.smart == TIMER else SOURCE_SMART

    def to_json(self) -> JSON:
        """Return the zone as info.json lists it."""
        return {
            "name": self.name,
            "ith": self.ith,
            "enabled": self.enabled,
            "smart": self.smart,
        }


@dataclass(eq=False)
class Schedule:
    """One watering of one zone; `end` is cut short if it is stopped."""

    id: int
    zone: int
    start: datetime
    end: datetime
    source: str
    started: bool = False
    ended: bool = False
    dropped: bool = False  # skipped, stopped before it began, or superseded
    # the fields that only change with `end`, formatted once
    _fixed: tuple[datetime, JSON] | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        """VALID until it starts, EXECUTING while it waters, EXECUTED after."""
        if self.ended:
            return EXECUTED
        return EXECUTING if self.started else VALID

    def to_json(self, tz: ZoneInfo) -> JSON:
        """Return the schedule as schedules.json lists it."""
        if self._fixed is None or self._fixed[0] != self.end:
            start, end = self.start.astimezone(tz), self.end.astimezone(tz)
            fixed = {
                "id": self.id,
                "zone": self.zone,
                "start_time": fmt_time(self.start),
                "end_time": fmt_time(self.end),
                "local_date": start.date().isoformat(),
                "local_start_time": fmt_clock(start),
                "local_end_time": fmt_clock(end),
                "source": self.source,
            }
            self._fixed = (self.end, fixed)
        return {**self._fixed[1], "status": self.status}


@dataclass(frozen=True)
class Event:
    """Something that happened to a controller."""

    id: int
    event: int
    time: datetime
    message: str
    local_date: date  # for the start_date/end_date filter

    def to_json(self) -> JSON:
        """Return the event as events.json lists it."""
        return dict(self._json)

    @cached_property
    def _json(self) -> JSON:
        """The event's JSON, formatted once."""
        return {
            "id": self.id,
            "event": self.event,
            "time": fmt_time(self.time),
            "message": self.message,
        }


@dataclass
class Level:
    """A zone's moisture: `value` at `at`, falling by `rate` points a second."""

    value: float
    at: datetime
    rate: float

    def at_time(self, when: datetime) -> float:
        """Return the moisture at `when` (not before `at`)."""
        return max(0.0, self.value - self.rate * (when - self.at).total_seconds())


@dataclass
class World:
    """A controller's history and plans, from `start` up to `settled`."""

    start: datetime  # local midnight where history begins
    settled: datetime  # everything due up to here has happened
    next_midnight: datetime
    next_day: date  # first local day whose automatic schedules are not generated
    days: dict[date, list[Schedule]] = field(default_factory=dict)
    manual: list[Schedule] = field(default_factory=list)
    pending: list[tuple[datetime, int, Schedule]] = field(default_factory=list)
    running: Schedule | None = None
    events: list[Event] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    levels: dict[int, Level] = field(default_factory=dict)
    records: dict[tuple[date, int], int] = field(default_factory=dict)
    no_water_days: set[date] = field(default_factory=set)
    rain_days: set[date] = field(default_factory=set)


@dataclass
class SimController:
    """A Netro controller (Sprite, Spark, Pixie) and its lazily computed world."""

    serial: str
    index: int
    name: str
    tz: ZoneInfo
    seed: int
    ids: Ids = field(repr=False)
    zones: dict[int, SimZone] = field(default_factory=dict)
    model: str = "Sprite"
    version: str = CONTROLLER_VERSION
    sw_version: str = CONTROLLER_SW_VERSION
    online: bool = True
    standby: bool = False
    # None: from the model (BATTERY_MODELS); set it to force either way.
    battery_powered: bool | None = None
    moisture_stale_days: int = 0  # moistures.json hides records newer than this
    offline_since: datetime | None = None  # set while offline
    world: World | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Derive `battery_powered` from the model unless it was given."""
        if self.battery_powered is None:
            self.battery_powered = self.model in BATTERY_MODELS

    # --- reading -------------------------------------------------------------

    @property
    def status(self) -> str:
        """OFFLINE, STANDBY, WATERING or ONLINE (as of the last settle)."""
        if not self.online:
            return OFFLINE
        if self.standby:
            return STANDBY
        if self.world is not None and self.world.running is not None:
            return WATERING
        return ONLINE

    @property
    def enabled_zones(self) -> list[SimZone]:
        """The enabled zones, in order."""
        return [zone for zone in self.zones.values() if zone.enabled]

    @cached_property
    def battery(self) -> Battery:
        """The seeded battery (only reported when `battery_powered`)."""
        return new_battery(self.seed, self.serial)

    @cached_property
    def check_in_offset(self) -> timedelta:
        """When, within every CHECK_IN_INTERVAL, this controller checks in."""
        rng = seeded(self.seed, self.serial, "check_in")
        return timedelta(seconds=rng.randrange(int(CHECK_IN_INTERVAL.total_seconds())))

    def last_active(self, now: datetime) -> datetime:
        """The latest check-in: up to now, or up to going offline while offline."""
        until = now
        if not self.online and self.offline_since is not None:
            until = min(now, self.offline_since)
        return latest_tick(until, CHECK_IN_INTERVAL, self.check_in_offset)

    def battery_level(self, now: datetime) -> float | None:
        """The battery as info.json gives it (a 0-1 fraction), if battery-powered."""
        if not self.battery_powered:
            return None
        start = self.settle(now).start
        return round(self.battery.level(start, now) / 100, 2)

    def to_json(self, now: datetime) -> JSON:
        """Return the device as info.json shows it at `now`."""
        self.settle(now)
        device: JSON = {
            "name": self.name,
            "zone_num": len(self.zones),
            "serial": self.serial,
            "version": self.version,
            "status": self.status,
            "sw_version": self.sw_version,
            "last_active": fmt_time(self.last_active(now)),
        }
        battery = self.battery_level(now)
        if battery is not None:
            device["battery_level"] = battery
        device["zones"] = [zone.to_json() for zone in self.zones.values()]
        return device

    def local_date(self, when: datetime) -> date:
        """Return the controller's local date at `when`."""
        return when.astimezone(self.tz).date()

    def local_time(self, day: date, at: time) -> datetime:
        """Return local `at` on `day` as a UTC time."""
        return datetime.combine(day, at, self.tz).astimezone(UTC)

    def schedules(
        self, now: datetime, first: date, last: date, zones: list[int] | None
    ) -> list[Schedule]:
        """Return the listed schedules whose local date is in [first, last]."""
        world = self.settle(now)
        self._generate(world, min(last, add_months(self.local_date(now), 1)))
        found = [
            schedule
            for day, schedules in world.days.items()
            if first <= day <= last
            for schedule in schedules
        ]
        found += [s for s in world.manual if first <= self.local_date(s.start) <= last]
        return sorted(
            (s for s in found if not s.dropped and (zones is None or s.zone in zones)),
            key=lambda s: (s.start, s.id),
        )

    def moistures(
        self, now: datetime, first: date, last: date, zones: list[int] | None
    ) -> list[JSON]:
        """Return the daily moisture records of enabled zones in [first, last].

        Records dated after local today minus `moisture_stale_days` are hidden.
        """
        world = self.settle(now)
        last = min(
            last, self.local_date(now) - timedelta(days=self.moisture_stale_days)
        )
        enabled = {zone.ith for zone in self.enabled_zones}
        return [
            {
                "id": self.index * 10**8 + zone * 10**6 + day.toordinal() % 10**6,
                "zone": zone,
                "date": day.isoformat(),
                "moisture": value,
            }
            for (day, zone), value in sorted(world.records.items())
            if first <= day <= last
            and zone in enabled
            and (zones is None or zone in zones)
        ]

    def events(
        self, now: datetime, first: date, last: date, kind: int | None
    ) -> list[Event]:
        """Return the events whose local date is in [first, last]."""
        world = self.settle(now)
        return [
            event
            for event in world.events
            if first <= event.local_date <= last
            and (kind is None or event.event == kind)
        ]

    def zone_watering(self, now: datetime) -> dict[int, bool]:
        """Return, for every zone, whether it is watering right now."""
        running = self.settle(now).running
        return {ith: running is not None and running.zone == ith for ith in self.zones}

    def watering_log(self, now: datetime, *, include_running: bool) -> list[Run]:
        """Return the actual runs: (zone, start, end), oldest first."""
        world = self.settle(now)
        runs = list(world.runs)
        if include_running and world.running is not None:
            running = world.running
            runs.append((running.zone, running.start, running.end))
        return runs

    # --- acting --------------------------------------------------------------

    def water(
        self, now: datetime, zones: list[int], duration: timedelta, start: datetime
    ) -> list[Schedule]:
        """Create MANUAL schedules: the zones water one after another from `start`.

        They start at the next settle, so the caller sees them VALID, as the
        doc's answer to water.json shows.
        """
        world = self.settle(now)
        created = []
        for zone in zones:
            schedule = Schedule(
                self.ids.manual(), zone, start, start + duration, SOURCE_MANUAL
            )
            created.append(schedule)
            world.manual.append(schedule)
            heapq.heappush(world.pending, (schedule.start, schedule.id, schedule))
            start = schedule.end
        return created

    def water_unlisted(self, now: datetime, zone: int, duration: timedelta) -> Schedule:
        """Water `zone` for `duration` from now, started at the controller itself.

        It runs like a MANUAL run (events 3 and 4, logged, automatic schedules
        never interrupt it, stop_water, STANDBY and going offline end it) but
        schedules.json never lists it. Offline or in STANDBY it does not run: the
        returned run is then `dropped`.
        """
        if zone not in self.zones:
            raise KeyError(zone)
        if duration <= timedelta(0):
            raise ValueError("duration must be positive")
        world = self.settle(now)
        run = Schedule(self.ids.manual(), zone, now, now + duration, SOURCE_LOCAL)
        self._start(world, run)
        return run

    def stop_water(self, now: datetime) -> None:
        """End the executing schedule and drop every manual one still to come."""
        world = self.settle(now)
        if world.running is not None:
            self._end(world, world.running, now)
        for schedule in world.manual:
            if not schedule.started:
                schedule.dropped = True

    def no_water(self, now: datetime, days: int) -> None:
        """Skip the automatic schedules of today and the following days-1 days."""
        world = self.settle(now)
        today = self.local_date(now)
        skipped = {today + timedelta(days=offset) for offset in range(days)}
        world.no_water_days |= skipped
        for day in skipped & world.days.keys():
            for schedule in world.days[day]:
                schedule.dropped = schedule.dropped or not schedule.started

    def report_rain(self, now: datetime, day: date, rain_mm: float) -> None:
        """Skip the day's SMART schedules still to come when enough rain is reported."""
        world = self.settle(now)
        if rain_mm < RAIN_SKIP_MM:
            return
        world.rain_days.add(day)
        for schedule in world.days.get(day, []):
            if schedule.source == SOURCE_SMART and not schedule.started:
                schedule.dropped = True

    def set_standby(self, now: datetime, standby: bool) -> None:
        """Enter STANDBY (watering stops, schedules are skipped) or leave it."""
        world = self.settle(now)
        if standby and world.running is not None:
            self._end(world, world.running, now)
        self.standby = standby

    def set_online(self, now: datetime, online: bool) -> None:
        """Lose or regain the connection; watering stops while offline."""
        world = self.settle(now)
        if online == self.online:
            return
        if not online and world.running is not None:
            self._end(world, world.running, now)
        self.online = online
        self.offline_since = None if online else now
        self._event(
            world,
            EVENT_ONLINE if online else EVENT_OFFLINE,
            now,
            f"Device {'online' if online else 'offline'} at {self._when(now)}",
        )

    def set_moisture(self, now: datetime, zones: list[int], moisture: int) -> None:
        """Override the estimated moisture of `zones`, today's record included.

        The override is a fresh value: the moisture records are no longer stale.
        """
        world = self.settle(now)
        self.moisture_stale_days = 0
        today = self.local_date(now)
        for zone in zones:
            world.levels[zone] = Level(moisture, now, self._drying_rate(zone, today))
            world.records[today, zone] = moisture

    # --- the engine ----------------------------------------------------------

    def settle(self, now: datetime) -> World:
        """Let everything due up to `now` happen; return the world."""
        world = self.world
        if world is None or now < world.settled - REWIND_TOLERANCE:
            world = self.world = self._new_world(now)
            if not self.online and (
                self.offline_since is None or self.offline_since > now
            ):
                self.offline_since = now
        now = max(now, world.settled)
        self._generate(world, self.local_date(now))
        while True:
            # At equal times a run ends before midnight, and midnight before a start.
            due: list[tuple[datetime, int]] = []
            running = world.running
            if running is not None and running.end <= now:
                due.append((running.end, 0))
            if world.next_midnight <= now:
                due.append((world.next_midnight, 1))
            if world.pending and world.pending[0][0] <= now:
                due.append((world.pending[0][0], 2))
            if not due:
                break
            at, which = min(due)
            if which == 0 and running is not None:
                self._end(world, running, at)
            elif which == 1:
                self._midnight(world, at)
            else:
                self._start(world, heapq.heappop(world.pending)[2])
        world.settled = now
        return world

    def _new_world(self, now: datetime) -> World:
        """Begin history at local midnight one month before `now`."""
        first = add_months(self.local_date(now), -1)
        start = self.local_time(first, time())
        world = World(start=start, settled=start, next_midnight=start, next_day=first)
        for zone in self.zones.values():
            world.levels[zone.ith] = Level(
                zone.initial_moisture, start, self._drying_rate(zone.ith, first)
            )
        return world

    def _generate(self, world: World, last: date) -> None:
        """Generate the automatic schedules of every local day up to `last`."""
        while world.next_day <= last:
            day = world.next_day
            at = self.local_time(day, DAILY_START)
            schedules = []
            for zone in self.enabled_zones:
                schedule = Schedule(
                    self.index * 10**8 + day.toordinal() % 10**6 * 100 + zone.ith,
                    zone.ith,
                    at,
                    at + timedelta(minutes=zone.minutes),
                    zone.source,
                )
                schedule.dropped = day in world.no_water_days or (
                    schedule.source == SOURCE_SMART and day in world.rain_days
                )
                schedules.append(schedule)
                heapq.heappush(world.pending, (schedule.start, schedule.id, schedule))
                at = schedule.end
            world.days[day] = schedules
            world.next_day = day + timedelta(days=1)

    def _start(self, world: World, schedule: Schedule) -> None:
        """Start a schedule that came due, unless it cannot run."""
        if schedule.dropped:
            return
        if not self.online or self.standby:
            schedule.dropped = True
            return
        running = world.running
        if running is not None:
            if (
                schedule.source in AUTOMATIC_SOURCES
                and running.source not in AUTOMATIC_SOURCES
            ):
                schedule.dropped = True
                return
            self._end(world, running, schedule.start)
        schedule.started = True
        world.running = schedule
        self._event(
            world,
            EVENT_SCHEDULE_START,
            schedule.start,
            f"Start to water zone {schedule.zone} at {self._when(schedule.start)}",
        )

    def _end(self, world: World, schedule: Schedule, at: datetime) -> None:
        """End the running schedule at `at`: log the run, wet the zone."""
        schedule.end = min(schedule.end, at)
        schedule.ended = True
        world.running = None
        if schedule.end > schedule.start:
            world.runs.append((schedule.zone, schedule.start, schedule.end))
        minutes = (schedule.end - schedule.start).total_seconds() / 60
        level = world.levels[schedule.zone]
        world.levels[schedule.zone] = Level(
            min(100.0, level.at_time(schedule.end) + minutes * GAIN_PER_MINUTE),
            schedule.end,
            level.rate,
        )
        self._event(
            world,
            EVENT_SCHEDULE_END,
            schedule.end,
            f"Stop watering zone {schedule.zone} at {self._when(schedule.end)}",
        )

    def _midnight(self, world: World, midnight: datetime) -> None:
        """Record the day's moisture of every zone; the day dries at its own rate."""
        day = self.local_date(midnight)
        for ith, level in world.levels.items():
            value = level.at_time(midnight)
            world.levels[ith] = Level(value, midnight, self._drying_rate(ith, day))
            world.records[day, ith] = round(value)
        world.next_midnight = self.local_time(day + timedelta(days=1), time())

    def _drying_rate(self, ith: int, day: date) -> float:
        """Moisture points a second zone `ith` loses on `day`.

        On an average day a zone loses what its daily run gives back.
        """
        zone = self.zones.get(ith)
        minutes = zone.minutes if zone is not None else ZONE_MINUTES[0]
        factor = seeded(self.seed, self.serial, "dry", ith, day).uniform(*DRYING_FACTOR)
        return minutes * GAIN_PER_MINUTE * factor / 86400

    def _event(self, world: World, kind: int, at: datetime, message: str) -> None:
        """Record an event."""
        world.events.append(
            Event(self.ids.event(), kind, at, message, self.local_date(at))
        )

    def _when(self, at: datetime) -> str:
        """Describe a time the way event messages do: 19:00:00 on 2021-01-08."""
        local = at.astimezone(self.tz)
        return f"{fmt_clock(local)} on {local.date().isoformat()}"


def new_controller(
    index: int, zones: int, tz: ZoneInfo, seed: int, ids: Ids
) -> SimController:
    """Build controller number `index` (1-based) with `zones` zones, the last disabled."""
    serial = f"CTRL{index:08d}"
    base = CONTROLLER_NAMES[(index - 1) % len(CONTROLLER_NAMES)]
    rounds = (index - 1) // len(CONTROLLER_NAMES)
    model = base.rsplit(" ", 1)[-1]
    controller = SimController(
        serial=serial,
        index=index,
        name=base if rounds == 0 else f"{base} {rounds + 1}",
        tz=tz,
        seed=seed,
        ids=ids,
        model=model,
        moisture_stale_days=MOISTURE_STALE_DAYS_BY_MODEL.get(model, 0),
    )
    for ith in range(1, zones + 1):
        rng = seeded(seed, serial, "zone", ith)
        controller.zones[ith] = SimZone(
            ith=ith,
            name=ZONE_NAMES[ith - 1] if ith <= len(ZONE_NAMES) else f"Zone {ith}",
            enabled=ith < zones or zones == 1,
            smart=SMART_CYCLE[(ith - 1) % len(SMART_CYCLE)],
            minutes=rng.randint(*ZONE_MINUTES),
            initial_moisture=rng.randint(*MOISTURE_START),
        )
    return controller


# --- sensors --------------------------------------------------------------------


@dataclass
class SimSensor:
    """A Netro soil sensor (Whisperer): one set of readings an hour."""

    serial: str
    index: int
    name: str
    tz: ZoneInfo
    seed: int
    version: str = SENSOR_VERSION
    sw_version: str = SENSOR_SW_VERSION
    online: bool = True
    row_battery: bool = True  # sensor_data.json rows carry "battery_level"
    installed: datetime | None = None  # readings begin here (set on first use)
    seen: datetime | None = None  # the latest time it was looked at
    offline: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    _readings: dict[int, JSON] = field(default_factory=dict, repr=False)

    @property
    def status(self) -> str:
        """ONLINE or OFFLINE."""
        return ONLINE if self.online else OFFLINE

    @cached_property
    def battery(self) -> Battery:
        """The seeded battery."""
        return new_battery(self.seed, self.serial)

    def to_json(self, now: datetime) -> JSON:
        """Return the sensor as info.json shows it (the "sensor" shape)."""
        return {
            "name": self.name,
            "serial": self.serial,
            "status": self.status,
            "version": self.version,
            "sw_version": self.sw_version,
            **self._reported(now),
        }

    def device_json(self, now: datetime) -> JSON:
        """Return the sensor as a zoneless info.json "device" (the other shape)."""
        return {
            "name": self.name,
            "zone_num": 0,
            "serial": self.serial,
            "version": self.version,
            "status": self.status,
            "sw_version": self.sw_version,
            **self._reported(now),
            "zones": [],
        }

    def _reported(self, now: datetime) -> JSON:
        """info.json's last_active (if it has a reading yet) and battery_level."""
        reported: JSON = {}
        last = self.last_reading(now)
        if last is not None:
            reported["last_active"] = fmt_time(last)
        reported["battery_level"] = self.synced_battery(now)
        return reported

    def last_reading(self, now: datetime) -> datetime | None:
        """The time of the newest reading up to `now`, if any."""
        installed = self.settle(now)
        offset = self._offset()
        at = latest_tick(now, SENSOR_INTERVAL, offset)
        while at >= installed:
            since = next(
                (
                    since
                    for since, until in self.offline
                    if since <= at and (until is None or at < until)
                ),
                None,
            )
            if since is None:
                return at
            at = latest_tick(since - timedelta.resolution, SENSOR_INTERVAL, offset)
        return None

    def synced_battery(self, now: datetime) -> float:
        """The level (a 0-1 fraction) of the latest weekly sync, as info.json has it."""
        installed = self.settle(now)
        syncs = max(0, (now - installed) // BATTERY_SYNC_INTERVAL)
        synced = installed + syncs * BATTERY_SYNC_INTERVAL
        return round(self.battery.level(installed, synced) / 100, 2)

    def settle(self, now: datetime) -> datetime:
        """Install the sensor a month back on first use (or after time went back)."""
        if self.installed is None or self.seen is None or now < self.seen:
            first = add_months(now.astimezone(self.tz).date(), -1)
            self.installed = datetime.combine(first, time(), self.tz).astimezone(UTC)
            self.offline = [] if self.online else [(now, None)]
        self.seen = now
        return self.installed

    def set_online(self, now: datetime, online: bool) -> None:
        """Stop reporting (offline) or resume."""
        self.settle(now)
        if online == self.online:
            return
        if online:
            since, _ = self.offline[-1]
            self.offline[-1] = (since, now)
        else:
            self.offline.append((now, None))
        self.online = online

    def readings(self, now: datetime, first: date, last: date) -> list[JSON]:
        """Return the hourly readings whose local date is in [first, last]."""
        installed = self.settle(now)
        begin = max(installed, datetime.combine(first, time(), self.tz))
        end = datetime.combine(last + timedelta(days=1), time(), self.tz)
        offset = self._offset()
        hour = math.floor((begin - offset).timestamp() / 3600)
        found: list[JSON] = []
        while True:
            at = datetime.fromtimestamp(hour * 3600, UTC) + offset
            if at > now or at >= end:
                return found
            if at >= begin and not self._was_offline(at):
                reading = self._reading(hour, at)
                if self.row_battery:
                    level = round(self.battery.level(installed, at))
                    reading = {**reading, "battery_level": level}
                found.append(reading)
            hour += 1

    def _offset(self) -> timedelta:
        """Minutes and seconds past the hour at which this sensor reports."""
        rng = seeded(self.seed, self.serial, "offset")
        return timedelta(minutes=rng.randrange(60), seconds=rng.randrange(60))

    def _was_offline(self, at: datetime) -> bool:
        """Return True if the sensor was offline at `at`."""
        return any(
            since <= at and (until is None or at < until)
            for since, until in self.offline
        )

    def _reading(self, hour: int, at: datetime) -> JSON:
        """Return the (cached, seed-derived) reading taken at `at`."""
        if hour not in self._readings:
            self._readings[hour] = self._compute(hour, at)
        return self._readings[hour]

    def _compute(self, hour: int, at: datetime) -> JSON:
        """Derive a plausible reading from the seed, the day and the hour."""
        local = at.astimezone(self.tz)
        rng = seeded(self.seed, self.serial, "reading", hour)
        day = seeded(self.seed, self.serial, "day", local.date())
        peak_klux, mean_c = day.uniform(60, 110), day.uniform(14, 24)
        clock = local.hour + local.minute / 60
        sun = max(0.0, math.sin(math.pi * (clock - 6) / 14)) if 6 <= clock <= 20 else 0
        celsius = round(
            mean_c + 6 * math.sin(math.pi * (clock - 9) / 12) + rng.uniform(-0.5, 0.5),
            1,
        )
        days = at.timestamp() / 86400
        phase = seeded(self.seed, self.serial, "phase").uniform(0, 2 * math.pi)
        moisture = 50 + 15 * math.sin(2 * math.pi * days / 9 + phase)
        return {
            "id": self.index * 10**7 + hour % 10**7,
            "time": fmt_time(at),
            "local_date": local.date().isoformat(),
            "local_time": fmt_clock(local),
            "moisture": max(0, min(100, round(moisture + rng.uniform(-2, 2)))),
            "sunlight": round(sun * peak_klux * rng.uniform(0.6, 1.0), 3),
            "celsius": celsius,
            "fahrenheit": round(celsius * 9 / 5 + 32, 1),
        }


def new_sensor(index: int, tz: ZoneInfo, seed: int) -> SimSensor:
    """Build sensor number `index` (1-based)."""
    return SimSensor(
        serial=f"SENS{index:08d}",
        index=index,
        name=f"Whisperer {index}",
        tz=tz,
        seed=seed,
    )


__all__ = [
    "EVENT_TYPES",
    "JSON",
    "Event",
    "Ids",
    "Schedule",
    "SimController",
    "SimSensor",
    "SimZone",
]
