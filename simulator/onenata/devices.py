"""OneNata devices: the kinds, their state, and the readings derived from it.

Devices keep a little state that reacts to commands and to the simulator clock:
feeding lowers the food store, cleaning and play sessions run until their
duration is over, trackers wander around home, litter boxes fill up, and so on.
Everything random is derived from the seed, so two simulators built alike answer
alike.

What happens by itself as the clock moves is done in `SimDevice.settle`, which the
simulator runs before every answer, whenever its clock moves and before a helper
changes a device: sessions end, feeders serve the meals of their schedule, and
trackers report crossing their geo-fences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
import itertools
import math
import random
from typing import Any
from zoneinfo import ZoneInfo

type JSON = dict[str, Any]

FEEDER = "feedingMachine"
FOUNTAIN = "waterFountain"
TRACKER = "gpsTracker"
CAMERA = "camera"
LITTER_BOX = "litterBox"
TOY = "smartToy"
DEVICE_KINDS = (FEEDER, FOUNTAIN, TRACKER, CAMERA, LITTER_BOX, TOY)

PLAY_MODES = ("interactive", "automatic", "training")

FOOD_CAPACITY_GRAMS = 2000
LOW_LEVEL_PERCENT = 20
FILTER_LIFE_DAYS = 60
REPORT_INTERVAL_SECONDS = 60
TRACKER_FIX_SECONDS = 30
# How far back a tracker's fixes are checked against its fences after a long
# jump of the clock (the fixes before are not looked at).
FENCE_WATCH_LIMIT = timedelta(days=7)
EARTH_RADIUS_METERS = 6_371_000

# Home positions for trackers; the seed picks one.
HOMES = (
    (40.7128, -74.0060, "New York, NY, USA"),
    (51.5074, -0.1278, "London, UK"),
    (48.8566, 2.3522, "Paris, France"),
    (35.6762, 139.6503, "Tokyo, Japan"),
)


def iso(dt: datetime) -> str:
    """Format a time the way the doc does: 2024-01-15T10:30:00Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_or_none(dt: datetime | None) -> str | None:
    """Format a time, passing None through."""
    return None if dt is None else iso(dt)


def floor_time(dt: datetime, seconds: int) -> datetime:
    """Round a time down to a multiple of `seconds` since the epoch."""
    stamp = math.floor(dt.timestamp() / seconds) * seconds
    return datetime.fromtimestamp(stamp, UTC)


# --- kinds -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class KindSpec:
    """What differs between device kinds at registration."""

    id_prefix: str
    serial_prefix: str
    model: str
    name: str
    firmware: str
    battery: int | None  # None: mains powered, no batteryLevel reported
    validate_msg: str
    validate_fields: tuple[str, ...]  # taken from the flattened status


KINDS: dict[str, KindSpec] = {
    FEEDER: KindSpec(
        id_prefix="feeding_machine",
        serial_prefix="ON-SF",
        model="piFI",
        name="Smart Feeder",
        firmware="1.4.2",
        battery=90,
        validate_msg="Feeding machine validated successfully",
        validate_fields=("foodLevel", "batteryLevel", "lastFeedTime", "scheduledFeeds"),
    ),
    FOUNTAIN: KindSpec(
        id_prefix="water_fountain",
        serial_prefix="ON-WF",
        model="AquaPure",
        name="Water Fountain",
        firmware="2.1.0",
        battery=80,
        validate_msg="Water fountain validated successfully",
        validate_fields=("waterLevel", "filterStatus", "lastMaintenance"),
    ),
    TRACKER: KindSpec(
        id_prefix="gps_tracker",
        serial_prefix="ON-GPS",
        model="GPS-Pro",
        name="GPS Tracker",
        firmware="3.0.5",
        battery=85,
        validate_msg="Device validated successfully",
        validate_fields=("batteryLevel", "lastSeen"),
    ),
    CAMERA: KindSpec(
        id_prefix="camera",
        serial_prefix="ON-CAM",
        model="PetCam-HD",
        name="Pet Camera",
        firmware="5.2.1",
        battery=None,
        validate_msg="Camera validated successfully",
        validate_fields=("resolution", "nightVision", "audioSupport", "storageUsed"),
    ),
    LITTER_BOX: KindSpec(
        id_prefix="litterbox",
        serial_prefix="ON-LB",
        model="AutoClean-Pro",
        name="Litter Box",
        firmware="1.8.0",
        battery=None,
        validate_msg="Litter box validated successfully",
        validate_fields=("litterLevel", "wasteLevel", "lastCleaned", "odorControl"),
    ),
    TOY: KindSpec(
        id_prefix="smart_toy",
        serial_prefix="ON-TOY",
        model="PlayMate-AI",
        name="Smart Toy",
        firmware="0.9.7",
        battery=90,
        validate_msg="Smart toy validated successfully",
        validate_fields=("batteryLevel", "playModes", "aiEnabled", "lastPlaySession"),
    ),
}


# --- device state ------------------------------------------------------------


@dataclass
class Session:
    """Something a device does for a while: cleaning, pumping, playing..."""

    session_id: str
    start: datetime
    end: datetime
    details: JSON = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Length of the session."""
        return (self.end - self.start).total_seconds()


@dataclass
class ScheduleEntry:
    """One meal of a feeding schedule."""

    time: time
    amount: int
    enabled: bool = True


def _default_schedule() -> list[ScheduleEntry]:
    """Return the doc's example schedule: 08:00, 12:00 and 18:00."""
    return [
        ScheduleEntry(time(8), 60),
        ScheduleEntry(time(12), 40),
        ScheduleEntry(time(18), 60),
    ]


@dataclass
class RaisedAlert:
    """An alert raised on a device, each one a new alert.

    A test raises them (`OneNataSimulator.raise_alert`), and so does a device
    for an event such as crossing a geo-fence.
    """

    serial: int  # tells two alerts of the same type apart
    type: str
    message: str
    severity: str
    raised: datetime
    # more fields of the alert object (a geo-fence alert's fenceName)
    extra: JSON = field(default_factory=dict)


# Serials of alerts a device raises when `SimDevice.settle` is called without
# the simulator's own counter (the simulator always passes it).
_SPARE_SERIALS = itertools.count(1_000_000_000)


@dataclass
class SimDevice:
    """One simulated device; kind-specific fields are unused by other kinds."""

    device_id: str
    kind: str
    serial: str
    model: str
    name: str
    firmware: str
    created: datetime
    seed_key: str
    manufacturer: str = "onenata"
    battery_level: int | None = None
    online: bool = True
    offline_since: datetime | None = None
    raised_alerts: list[RaisedAlert] = field(default_factory=list)
    # activity -> running session ("clean", "pump", "record", "talk", "play")
    sessions: dict[str, Session] = field(default_factory=dict)
    # feeder
    food_grams: int = 1200
    feed_count: int = 0
    last_feed_time: datetime | None = None
    last_refill: datetime | None = None
    feed_log: list[tuple[datetime, int]] = field(default_factory=list)
    schedule: list[ScheduleEntry] = field(default_factory=_default_schedule)
    schedule_tz: str = "UTC"
    schedule_paused: bool = False
    # the meals of the schedule up to this moment are served (or missed)
    meals_through: datetime | None = None
    # a jammed feeder dispenses nothing: scheduled meals are missed
    jammed: bool = False
    # tracker
    home: tuple[float, float] = (0.0, 0.0)
    address: str = ""
    phases: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    fences: list[JSON] = field(default_factory=list)
    # fenceId -> whether the last fix checked was inside that fence
    fence_inside: dict[str, bool] = field(default_factory=dict)
    # the fixes up to this report moment are checked against the fences
    fences_through: datetime | None = None
    # (from, position): from that report moment on the tracker stays at the
    # position instead of wandering (None: it wanders again); see move_tracker
    position_overrides: list[tuple[datetime, tuple[float, float] | None]] = field(
        default_factory=list
    )
    sos_enabled: bool = False
    # fountain
    water_level: int = 75
    filter_replaced: datetime | None = None
    last_maintenance: datetime | None = None
    last_tested: datetime | None = None
    target_temperature: float | None = None
    # camera
    resolution: str = "1080p"
    night_vision: bool = True
    audio_support: bool = True
    storage_mb: float = 2560.0
    photos: list[str] = field(default_factory=list)
    # litter box (waste builds up by one percent an hour since the last clean)
    litter_level: int = 85
    last_cleaned: datetime | None = None
    odor_control: bool = True
    visits_per_day: int = 6  # the synthetic baseline of usage-stats
    visit_seconds: int = 180
    # visits logged by OneNataSimulator.visit: (when, seconds)
    visit_log: list[tuple[datetime, int]] = field(default_factory=list)
    last_visit: datetime | None = None
    # toy
    ai_enabled: bool = True
    mode: str = "interactive"
    auto_mode: bool = False
    last_play_session: datetime | None = None
    last_session_seconds: int | None = None
    play_log: list[tuple[datetime, float, str]] = field(default_factory=list)
    sessions_per_day: int = 4
    session_minutes: int = 15
    # quiet (see OneNataSimulator.quiet): what the device reports by itself
    # stays as it was at this moment; its report times run on
    frozen_at: datetime | None = None

    def rng(self, *salt: object) -> random.Random:
        """Return a generator seeded by the simulator seed, this device and `salt`."""
        return random.Random(":".join([self.seed_key, *map(str, salt)]))

    def active(self, activity: str, now: datetime) -> Session | None:
        """Return the running session of `activity`, if any."""
        session = self.sessions.get(activity)
        if session is None or not session.start <= now < session.end:
            return None
        return session

    def start(
        self,
        activity: str,
        session_id: str,
        start: datetime,
        seconds: float,
        **details: Any,
    ) -> Session:
        """Start (or restart) a timed activity."""
        session = Session(
            session_id, start, start + timedelta(seconds=seconds), details
        )
        self.sessions[activity] = session
        return session

    def settle(
        self, now: datetime, new_serial: Callable[[], int] | None = None
    ) -> None:
        """Bring the device up to `now`.

        Finish every session whose time is up and apply its effects; a feeder
        serves the scheduled meals since it last looked, a tracker checks its
        fixes since then against its geo-fences. `new_serial` numbers the
        alerts that raises (the simulator's counter).
        """
        for activity, session in sorted(
            self.sessions.items(), key=lambda item: item[1].end
        ):
            if session.end <= now:
                del self.sessions[activity]
                _finish_session(self, activity, session)
        # a quiet device catches up on what it would have done once it is not
        at = self.value_time(now)
        if self.kind == FEEDER:
            _serve_meals(self, at)
        elif self.kind == TRACKER:
            _watch_fences(self, at, new_serial or (lambda: next(_SPARE_SERIALS)))

    def value_time(self, now: datetime) -> datetime:
        """The moment the device's own readings are taken at: `now`, unless quiet.

        A quiet device (`frozen_at` set) reports what it did at `frozen_at`:
        no meals, no wandering, no waste building up, the same water readings.
        Its report times, and what it was told to do (sessions), run on.
        """
        return now if self.frozen_at is None else min(now, self.frozen_at)

    def online_at(self, moment: datetime) -> bool:
        """Whether the device was online at `moment` (of the time since it settled).

        The simulator settles a device before it changes it, so its state held
        since then, but for the moment it went offline.
        """
        return self.online or (
            self.offline_since is not None and moment < self.offline_since
        )


def _finish_session(device: SimDevice, activity: str, session: Session) -> None:
    """Apply what a finished session leaves behind."""
    match activity:
        case "clean" if device.kind == LITTER_BOX:
            device.last_cleaned = session.end
        case "clean":
            device.last_maintenance = session.end
        case "play":
            device.play_log.append(
                (session.end, session.seconds, session.details["mode"])
            )
            device.last_play_session = session.end
            device.last_session_seconds = round(session.seconds)
        case "record":
            device.storage_mb += session.seconds * 0.5


# --- what happens by itself ---------------------------------------------------


def _local_day(device: SimDevice, moment: datetime) -> date:
    """The date of `moment` in the feeder's schedule time zone."""
    return moment.astimezone(ZoneInfo(device.schedule_tz)).date()


def feeds_today(device: SimDevice, now: datetime) -> int:
    """The status' feedCount: the feeds of today, local to the schedule's zone.

    The doc's status example shows "feedCount": 3 and says nothing more; it is
    taken to count the feeds of the day (the doc's feeding schedule has three
    meals a day; the integration reads it as feeds today), starting again at
    midnight in the schedule's time zone. A feeder whose last feed was not
    today has fed nothing today.
    """
    last = device.last_feed_time
    if last is None or _local_day(device, last) != _local_day(device, now):
        return 0
    return device.feed_count


def record_feed(device: SimDevice, moment: datetime, amount: int) -> int:
    """Dispense up to `amount` grams at `moment` (a feed command or a meal).

    Return the grams dispensed: what is left when the store runs low, down to
    nothing (that still counts as a feed, as the feed command always did).
    """
    dispensed = min(amount, device.food_grams)
    device.feed_count = feeds_today(device, moment) + 1
    device.food_grams -= dispensed
    device.last_feed_time = moment
    device.feed_log.append((moment, dispensed))
    return dispensed


def meal_moments(
    device: SimDevice, after: datetime, until: datetime
) -> list[tuple[datetime, ScheduleEntry]]:
    """The enabled meals of the schedule after `after`, up to `until` (in order).

    Meal times are local to the schedule's time zone (as `next_feed` reads
    them), so a meal keeps its local time across a change of daylight saving.
    """
    tz = ZoneInfo(device.schedule_tz)
    day = after.astimezone(tz).date()
    last = until.astimezone(tz).date()
    moments = []
    while day <= last:
        for entry in enabled_meals(device):
            moment = datetime.combine(day, entry.time, tzinfo=tz).astimezone(UTC)
            if after < moment <= until:
                moments.append((moment, entry))
        day += timedelta(days=1)
    return sorted(moments, key=lambda item: item[0])


def _serve_meals(device: SimDevice, now: datetime) -> None:
    """Dispense the scheduled meals whose moment has come since the last look.

    A meal is missed, and leaves food, last feed time and count as they are,
    when the schedule is paused, the feeder is jammed or it is offline. Meals
    before the feeder was added or its schedule was last set are not served;
    a clock moved back serves nothing (and nothing twice later).
    """
    since = device.meals_through or device.created
    if now <= since:
        return
    for moment, entry in meal_moments(device, since, now):
        if device.schedule_paused or device.jammed or not device.online_at(moment):
            continue
        record_feed(device, moment, entry.amount)
    if device.feed_count and feeds_today(device, now) == 0:
        device.feed_count = 0  # midnight passed
    device.meals_through = now


def distance_meters(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METERS * math.asin(math.sqrt(min(1.0, h)))


def inside_fence(fence: JSON, point: tuple[float, float]) -> bool:
    """Whether a point is inside a fence (on its edge counts as inside)."""
    center = (float(fence["latitude"]), float(fence["longitude"]))
    return distance_meters(center, point) <= float(fence["radius"])


def _watch_fences(
    device: SimDevice, now: datetime, new_serial: Callable[[], int]
) -> None:
    """Check the tracker's fixes since the last look against its enabled fences.

    Each fix (every TRACKER_FIX_SECONDS, the moments GET /location answers for)
    that lands on the other side of a fence's edge than the fix before raises
    an alert, when the fence asks for it: geofenceExit "Left <name>" or
    geofenceEntry "Entered <name>", with the fence's name as fenceName. The
    doc promises these alerts ("receive alerts when the pet enters or exits")
    but shows none: type, message and fenceName are our plausible shape. An
    offline tracker sends no fixes; the crossing shows at its first fix back.
    """
    step = timedelta(seconds=TRACKER_FIX_SECONDS)
    latest = floor_time(now, TRACKER_FIX_SECONDS)
    since = device.fences_through or floor_time(device.created, TRACKER_FIX_SECONDS)
    if latest <= since:
        return
    device.fences_through = latest
    fences = [fence for fence in device.fences if fence.get("enabled", True)]
    if not fences:
        return
    moment = max(since + step, latest - FENCE_WATCH_LIMIT)
    while moment <= latest:
        if device.online_at(moment):
            _check_fences(device, fences, moment, new_serial)
        moment += step


def _check_fences(
    device: SimDevice,
    fences: list[JSON],
    moment: datetime,
    new_serial: Callable[[], int],
) -> None:
    """Compare one fix with the side of each fence the tracker was last seen on."""
    fix = position(device, moment)
    for fence in fences:
        fence_id, inside = fence["fenceId"], inside_fence(fence, fix)
        was = device.fence_inside.get(fence_id)
        device.fence_inside[fence_id] = inside
        if was is None or was == inside:
            continue
        name = str(fence["name"])
        if inside and fence.get("alertOnEntry"):
            alert = ("geofenceEntry", f"Entered {name}", "info")
        elif not inside and fence.get("alertOnExit"):
            alert = ("geofenceExit", f"Left {name}", "warning")
        else:
            continue
        device.raised_alerts.append(
            RaisedAlert(new_serial(), *alert, moment, {"fenceName": name})
        )


def new_device(
    kind: str, index: int, serial: str, model: str, now: datetime, seed: int
) -> SimDevice:
    """Build a device of `kind` with plausible, seed-derived starting state."""
    spec = KINDS[kind]
    device_id = f"{spec.id_prefix}_{index:03d}"
    device = SimDevice(
        device_id=device_id,
        kind=kind,
        serial=serial,
        model=model,
        name=f"{spec.name} {index}",
        firmware=spec.firmware,
        created=now,
        seed_key=f"{seed}:{device_id}",
    )
    rng = device.rng("init")
    if spec.battery is not None:
        device.battery_level = max(5, spec.battery - 5 * (index - 1))
    device.last_feed_time = floor_time(now - timedelta(hours=2), 3600)
    device.meals_through = now
    device.last_refill = floor_time(now - timedelta(days=5), 3600)
    lat, lon, device.address = HOMES[seed % len(HOMES)]
    device.home = (lat + rng.uniform(-0.002, 0.002), lon + rng.uniform(-0.002, 0.002))
    device.phases = tuple(rng.uniform(0, 2 * math.pi) for _ in range(4))
    device.fences_through = floor_time(now, TRACKER_FIX_SECONDS)
    device.filter_replaced = floor_time(now - timedelta(days=9), 3600)
    device.last_maintenance = device.filter_replaced
    device.last_cleaned = floor_time(now - timedelta(hours=15), 60)
    device.visits_per_day = rng.randint(5, 7)
    device.visit_seconds = rng.randint(150, 210)
    # the newest visit of the synthetic baseline: half a visit interval ago
    device.last_visit = floor_time(
        now - timedelta(hours=24 / device.visits_per_day / 2), 60
    )
    device.last_play_session = floor_time(now - timedelta(hours=18), 60)
    device.sessions_per_day = rng.randint(3, 5)
    device.session_minutes = rng.randint(12, 18)
    device.last_session_seconds = device.session_minutes * 60
    return device


# --- derived readings ---------------------------------------------------------


def food_percentage(device: SimDevice) -> int:
    """Food store as a percentage of capacity."""
    return round(device.food_grams * 100 / FOOD_CAPACITY_GRAMS)


def next_feed(device: SimDevice, now: datetime) -> datetime | None:
    """Next enabled meal after `now`, or None when paused or empty."""
    if device.schedule_paused:
        return None
    tz = ZoneInfo(device.schedule_tz)
    today = now.astimezone(tz).date()
    upcoming = [
        moment
        for day in (today, today + timedelta(days=1))
        for entry in device.schedule
        if entry.enabled
        and (moment := datetime.combine(day, entry.time, tzinfo=tz)) > now
    ]
    return min(upcoming).astimezone(UTC) if upcoming else None


def enabled_meals(device: SimDevice) -> list[ScheduleEntry]:
    """Return the meals of the schedule that are switched on."""
    return [entry for entry in device.schedule if entry.enabled]


def filter_life(device: SimDevice, now: datetime) -> int:
    """Remaining filter life in percent."""
    assert device.filter_replaced is not None
    days = (now - device.filter_replaced).total_seconds() / 86400
    return max(0, min(100, round(100 - days * 100 / FILTER_LIFE_DAYS)))


def filter_status(life: int) -> str:
    """Describe filter life as the doc's filterStatus word."""
    if life >= 30:
        return "good"
    return "replace_soon" if life >= 10 else "replace"


def waste_level(device: SimDevice, now: datetime) -> int:
    """Waste drawer fill in percent: one percent per hour since the last clean."""
    assert device.last_cleaned is not None
    hours = (now - device.last_cleaned).total_seconds() / 3600
    return max(0, min(100, math.floor(hours)))


def storage_used(device: SimDevice) -> str:
    """Camera cloud storage in the doc's "2.5GB" style."""
    return f"{device.storage_mb / 1024:.1f}GB"


def fixed_position(device: SimDevice, when: datetime) -> tuple[float, float] | None:
    """Where a moved tracker stays at `when` (None: it wanders)."""
    fixed = None
    for since, where in device.position_overrides:
        if since > when:
            break
        fixed = where
    return fixed


def _wander(device: SimDevice, stamp: float) -> tuple[float, float]:
    """A slow, deterministic wander around home."""
    p = device.phases
    lat = device.home[0] + 0.0008 * math.sin(stamp / 900 + p[0])
    lat += 0.0002 * math.sin(stamp / 131 + p[1])
    lon = device.home[1] + 0.0010 * math.cos(stamp / 1100 + p[2])
    lon += 0.0002 * math.sin(stamp / 173 + p[3])
    return lat, lon


def position(device: SimDevice, when: datetime) -> tuple[float, float]:
    """The (latitude, longitude) a tracker reports for `when`, rounded as sent.

    A quiet tracker stays where it wandered to (a move still moves it).
    """
    lat, lon = fixed_position(device, when) or _wander(
        device, device.value_time(when).timestamp()
    )
    return round(lat, 6), round(lon, 6)


def track_point(device: SimDevice, when: datetime) -> JSON:
    """Where a tracker is at `when`: wandering around home, or where it was moved."""
    # a quiet tracker stands still, its fixes alike but for their time
    stamp = device.value_time(when).timestamp()
    lat, lon = position(device, when)
    if fixed_position(device, when) is not None or stamp < when.timestamp():
        speed, heading = 0.0, 0
    else:
        raw_lat, raw_lon = _wander(device, stamp)
        prev_lat, prev_lon = _wander(device, stamp - 1)
        north = (raw_lat - prev_lat) * 111_320
        east = (raw_lon - prev_lon) * 111_320 * math.cos(math.radians(raw_lat))
        speed = round(math.hypot(north, east), 2)
        heading = round(math.degrees(math.atan2(east, north)) % 360)
    rng = device.rng("fix", int(stamp))
    return {
        "latitude": lat,
        "longitude": lon,
        "accuracy": round(rng.uniform(3.0, 8.0), 1),
        "altitude": round(10.5 + rng.uniform(-1.0, 1.0), 1),
        "speed": speed,
        "heading": heading,
        "timestamp": iso(when),
    }


@dataclass(frozen=True)
class AlertRule:
    """An alert some device kinds raise while `raised` holds."""

    kinds: tuple[str, ...]
    type: str
    severity: str
    message: str
    raised: Callable[[SimDevice, datetime], bool]


ALERT_RULES = (
    AlertRule(
        DEVICE_KINDS,
        "lowBattery",
        "warning",
        "Battery level is low",
        lambda d, _: d.battery_level is not None and d.battery_level < 20,
    ),
    AlertRule(
        (FEEDER,),
        "lowFood",
        "warning",
        "Food level is low, please refill",
        lambda d, _: food_percentage(d) < LOW_LEVEL_PERCENT,
    ),
    AlertRule(
        (FOUNTAIN,),
        "lowWater",
        "warning",
        "Water level is low",
        lambda d, _: d.water_level < LOW_LEVEL_PERCENT,
    ),
    AlertRule(
        (FOUNTAIN,),
        "filterReplace",
        "info",
        "Filter needs replacement",
        lambda d, now: filter_life(d, now) < 10,
    ),
    AlertRule(
        (LITTER_BOX,),
        "wasteBinFull",
        "warning",
        "Waste drawer is almost full",
        lambda d, now: waste_level(d, now) >= 80,
    ),
    AlertRule(
        (LITTER_BOX,),
        "lowLitter",
        "warning",
        "Litter level is low",
        lambda d, _: d.litter_level <= LOW_LEVEL_PERCENT,
    ),
)


def alerts(device: SimDevice, now: datetime) -> list[JSON]:
    """Return the alerts a device currently raises: its rules', then raised ones.

    A rule's alert carries the time of the answer (it ticks, quiet or not).
    """
    at = device.value_time(now)
    return [
        {
            "type": rule.type,
            "severity": rule.severity,
            "message": rule.message,
            "timestamp": iso(now),
        }
        for rule in ALERT_RULES
        if device.kind in rule.kinds and rule.raised(device, at)
    ] + [
        {
            "type": alert.type,
            "severity": alert.severity,
            "message": alert.message,
            "timestamp": iso(alert.raised),
            **alert.extra,
        }
        for alert in device.raised_alerts
    ]


def alert_keys(device: SimDevice, now: datetime) -> dict[str, JSON]:
    """The alerts a device raises now, by a key that is new for each new alert.

    A rule's alert is the same alert for as long as it holds; every raised alert
    is a new one. The values are what a device.alert webhook carries.
    """
    at = device.value_time(now)
    keys = {
        f"rule:{rule.type}": {"type": rule.type, "message": rule.message}
        for rule in ALERT_RULES
        if device.kind in rule.kinds and rule.raised(device, at)
    }
    keys |= {
        f"raised:{alert.serial}": {
            "type": alert.type,
            "message": alert.message,
            **alert.extra,
        }
        for alert in device.raised_alerts
    }
    return keys


def kind_status(device: SimDevice, now: datetime) -> JSON:
    """Return the kind-specific `status` object of GET /status."""
    at = device.value_time(now)  # readings; sessions run on real time
    match device.kind:
        case "feedingMachine":
            return {
                "foodLevel": food_percentage(device),
                "feedCount": feeds_today(device, at),
                "lastFeedTime": iso_or_none(device.last_feed_time),
                "nextScheduledFeed": iso_or_none(next_feed(device, at)),
                "scheduledFeeds": len(enabled_meals(device)),
                "scheduleStatus": "paused" if device.schedule_paused else "active",
            }
        case "waterFountain":
            return {
                "waterLevel": device.water_level,
                "filterStatus": filter_status(filter_life(device, at)),
                "lastMaintenance": iso_or_none(device.last_maintenance),
                "pumpRunning": device.active("pump", now) is not None,
                "cleaning": device.active("clean", now) is not None,
            }
        case "camera":
            return {
                "resolution": device.resolution,
                "nightVision": device.night_vision,
                "audioSupport": device.audio_support,
                "storageUsed": storage_used(device),
                "recording": device.active("record", now) is not None,
            }
        case "litterBox":
            return {
                "litterLevel": device.litter_level,
                "wasteLevel": waste_level(device, at),
                "lastCleaned": iso_or_none(device.last_cleaned),
                "odorControl": "active" if device.odor_control else "inactive",
                "cleaning": device.active("clean", now) is not None,
                # doc-silent, plausible: when the pet last used the box
                "lastVisit": iso_or_none(device.last_visit),
            }
        case "smartToy":
            return {
                "playModes": list(PLAY_MODES),
                "aiEnabled": device.ai_enabled,
                "lastPlaySession": iso_or_none(device.last_play_session),
                # doc-silent, plausible: how long that session lasted (seconds)
                "lastSessionDuration": device.last_session_seconds,
                "playing": device.active("play", now) is not None,
                "mode": device.mode,
                "autoMode": device.auto_mode,
            }
    return {}


def last_report(device: SimDevice, now: datetime, every: int) -> datetime:
    """When the device last reported: periodically, or when it went offline."""
    if not device.online and device.offline_since is not None:
        return device.offline_since
    return floor_time(now, every)


def device_status(device: SimDevice, now: datetime) -> JSON:
    """GET /devices/{id}/status."""
    data: JSON = {"deviceId": device.device_id, "isOnline": device.online}
    if device.battery_level is not None:
        data["batteryLevel"] = device.battery_level
    data["lastReportTime"] = iso(last_report(device, now, REPORT_INTERVAL_SECONDS))
    if device.kind == TRACKER:
        data["lastSeen"] = iso(last_report(device, now, TRACKER_FIX_SECONDS))
    data["status"] = kind_status(device, now)
    data["alerts"] = alerts(device, now)
    return data


def validate_data(device: SimDevice, now: datetime) -> JSON:
    """POST /devices/validate: the doc's per-kind registration answer."""
    status = device_status(device, now)
    flat = {**status, **status["status"]}
    fields = KINDS[device.kind].validate_fields
    return {
        "deviceId": device.device_id,
        "status": "active",
        **{name: flat[name] for name in fields if name in flat},
    }
