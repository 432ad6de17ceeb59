"""OneNata devices: the kinds, their state, and the readings derived from it.

Devices keep a little state that reacts to commands and to the simulator clock:
feeding lowers the food store, cleaning and play sessions run until their
duration is over, trackers wander around home, litter boxes fill up, and so on.
Everything random is derived from the seed, so two simulators built alike answer
alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
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
    """An alert a test raised on a device (`OneNataSimulator.raise_alert`)."""

    serial: int  # tells two alerts of the same type apart
    type: str
    message: str
    severity: str
    raised: datetime


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
    # tracker
    home: tuple[float, float] = (0.0, 0.0)
    address: str = ""
    phases: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    fences: list[JSON] = field(default_factory=list)
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
    visits_per_day: int = 6
    visit_seconds: int = 180
    # toy
    ai_enabled: bool = True
    mode: str = "interactive"
    auto_mode: bool = False
    last_play_session: datetime | None = None
    play_log: list[tuple[datetime, float, str]] = field(default_factory=list)
    sessions_per_day: int = 4
    session_minutes: int = 15

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

    def settle(self, now: datetime) -> None:
        """Finish every session whose time is up and apply its effects."""
        for activity, session in sorted(
            self.sessions.items(), key=lambda item: item[1].end
        ):
            if session.end <= now:
                del self.sessions[activity]
                _finish_session(self, activity, session)


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
        case "record":
            device.storage_mb += session.seconds * 0.5


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
    device.last_refill = floor_time(now - timedelta(days=5), 3600)
    lat, lon, device.address = HOMES[seed % len(HOMES)]
    device.home = (lat + rng.uniform(-0.002, 0.002), lon + rng.uniform(-0.002, 0.002))
    device.phases = tuple(rng.uniform(0, 2 * math.pi) for _ in range(4))
    device.filter_replaced = floor_time(now - timedelta(days=9), 3600)
    device.last_maintenance = device.filter_replaced
    device.last_cleaned = floor_time(now - timedelta(hours=15), 60)
    device.visits_per_day = rng.randint(5, 7)
    device.visit_seconds = rng.randint(150, 210)
    device.last_play_session = floor_time(now - timedelta(hours=18), 60)
    device.sessions_per_day = rng.randint(3, 5)
    device.session_minutes = rng.randint(12, 18)
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


def track_point(device: SimDevice, when: datetime) -> JSON:
    """Where a tracker is at `when`: a slow, deterministic wander around home."""

    def position(stamp: float) -> tuple[float, float]:
        p = device.phases
        lat = device.home[0] + 0.0008 * math.sin(stamp / 900 + p[0])
        lat += 0.0002 * math.sin(stamp / 131 + p[1])
        lon = device.home[1] + 0.0010 * math.cos(stamp / 1100 + p[2])
        lon += 0.0002 * math.sin(stamp / 173 + p[3])
        return lat, lon

    stamp = when.timestamp()
    lat, lon = position(stamp)
    prev_lat, prev_lon = position(stamp - 1)
    north = (lat - prev_lat) * 111_320
    east = (lon - prev_lon) * 111_320 * math.cos(math.radians(lat))
    rng = device.rng("fix", int(stamp))
    return {
        "latitude": round(lat, 6),
        "longitude": round(lon, 6),
        "accuracy": round(rng.uniform(3.0, 8.0), 1),
        "altitude": round(10.5 + rng.uniform(-1.0, 1.0), 1),
        "speed": round(math.hypot(north, east), 2),
        "heading": round(math.degrees(math.atan2(east, north)) % 360),
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
    """Return the alerts a device currently raises: its rules', then raised ones."""
    return [
        {
            "type": rule.type,
            "severity": rule.severity,
            "message": rule.message,
            "timestamp": iso(now),
        }
        for rule in ALERT_RULES
        if device.kind in rule.kinds and rule.raised(device, now)
    ] + [
        {
            "type": alert.type,
            "severity": alert.severity,
            "message": alert.message,
            "timestamp": iso(alert.raised),
        }
        for alert in device.raised_alerts
    ]


def alert_keys(device: SimDevice, now: datetime) -> dict[str, JSON]:
    """The alerts a device raises now, by a key that is new for each new alert.

    A rule's alert is the same alert for as long as it holds; every raised alert
    is a new one. The values are what a device.alert webhook carries.
    """
    keys = {
        f"rule:{rule.type}": {"type": rule.type, "message": rule.message}
        for rule in ALERT_RULES
        if device.kind in rule.kinds and rule.raised(device, now)
    }
    keys |= {
        f"raised:{alert.serial}": {"type": alert.type, "message": alert.message}
        for alert in device.raised_alerts
    }
    return keys


def kind_status(device: SimDevice, now: datetime) -> JSON:
    """Return the kind-specific `status` object of GET /status."""
    match device.kind:
        case "feedingMachine":
            return {
                "foodLevel": food_percentage(device),
                "feedCount": device.feed_count,
                "lastFeedTime": iso_or_none(device.last_feed_time),
                "nextScheduledFeed": iso_or_none(next_feed(device, now)),
                "scheduledFeeds": len(enabled_meals(device)),
                "scheduleStatus": "paused" if device.schedule_paused else "active",
            }
        case "waterFountain":
            return {
                "waterLevel": device.water_level,
                "filterStatus": filter_status(filter_life(device, now)),
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
                "wasteLevel": waste_level(device, now),
                "lastCleaned": iso_or_none(device.last_cleaned),
                "odorControl": "active" if device.odor_control else "inactive",
                "cleaning": device.active("clean", now) is not None,
            }
        case "smartToy":
            return {
                "playModes": list(PLAY_MODES),
                "aiEnabled": device.ai_enabled,
                "lastPlaySession": iso_or_none(device.last_play_session),
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
