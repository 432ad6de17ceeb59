"""The vendor-neutral device model.

A feeder is a feeder whoever made it: vendor modules map their JSON onto these
dataclasses and the platforms read only these. Nothing here imports Home
Assistant, so vendor modules can use it too.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
import math
from typing import Any, Final


class Quantity(StrEnum):
    """What a reading measures; each has the range that is physically possible."""

    PERCENT = "percent"
    BATTERY = "battery"
    PH = "ph"
    TEMPERATURE = "temperature"  # °C
    MASS = "mass"  # g
    DAYS = "days"
    MASS_PER_DAY = "mass_per_day"  # g/d
    DURATION_S = "duration_s"
    DURATION_MIN = "duration_min"
    COUNT = "count"
    RATE_PER_DAY = "rate_per_day"
    TDS = "tds"  # ppm
    CHLORINE = "chlorine"  # mg/L
    ILLUMINANCE = "illuminance"  # lx
    ENERGY = "energy"  # kcal
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    DISTANCE = "distance"  # m (GPS accuracy)
    ALTITUDE = "altitude"  # m
    SPEED = "speed"  # km/h
    HEADING = "heading"  # degrees


#: The range a reading of each quantity can physically take (inclusive).
#: Anything outside, and anything not a finite number, is not a reading: the
#: vendor parsing drops it (the entity shows unknown for that cycle).
PLAUSIBLE_RANGES: Final[dict[Quantity, tuple[float, float]]] = {
    Quantity.PERCENT: (0, 100),
    Quantity.BATTERY: (0, 100),
    Quantity.PH: (0, 14),
    Quantity.TEMPERATURE: (-50, 100),
    Quantity.MASS: (0, 100_000),  # a feeder holds kilograms, not tonnes
    Quantity.DAYS: (0, 3_650),
    Quantity.MASS_PER_DAY: (0, 100_000),
    Quantity.DURATION_S: (0, 7 * 24 * 3600),
    Quantity.DURATION_MIN: (0, 366 * 24 * 60),
    Quantity.COUNT: (0, 1_000_000),
    Quantity.RATE_PER_DAY: (0, 10_000),
    Quantity.TDS: (0, 10_000),
    Quantity.CHLORINE: (0, 1_000),
    Quantity.ILLUMINANCE: (0, 200_000),  # full sunlight is about 120 klx
    Quantity.ENERGY: (0, 1_000_000),
    Quantity.LATITUDE: (-90, 90),
    Quantity.LONGITUDE: (-180, 180),
    Quantity.DISTANCE: (0, 1_000_000),
    Quantity.ALTITUDE: (-500, 10_000),
    Quantity.SPEED: (0, 500),
    Quantity.HEADING: (0, 360),
}

#: Moments outside this span are not readings either (a year-1 or year-9999
#: timestamp is a vendor bug, not a last feed).
PLAUSIBLE_SPAN: Final = (
    datetime(2000, 1, 1, tzinfo=UTC),
    datetime(2100, 1, 1, tzinfo=UTC),
)

_QUANTITY: Final = "quantity"


def plausible(value: float, quantity: Quantity) -> bool:
    """Whether ``value`` is a finite number inside ``quantity``'s range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    low, high = PLAUSIBLE_RANGES[quantity]
    return math.isfinite(value) and low <= value <= high


def plausible_moment(value: datetime) -> bool:
    """Whether a timestamp lies in the span a device can report."""
    low, high = PLAUSIBLE_SPAN
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return low <= moment < high


def reading(quantity: Quantity) -> Any:
    """A numeric model field (default None) that carries its plausible range."""
    return field(default=None, metadata={_QUANTITY: quantity})


def quantity_of(spec: Field[Any]) -> Quantity | None:
    """The quantity a model field measures (None: not a numeric reading)."""
    return spec.metadata.get(_QUANTITY)


def drop_implausible(holder: object) -> list[tuple[str, Any]]:
    """Set every implausible reading of ``holder`` to None; return what was dropped.

    ``holder`` is a Device or one of the state dataclasses below. Nested
    dataclasses (a device's feeder state, a tracker's location) are walked,
    their names joined with a dot; a nested object whose *required* reading
    is implausible (a location's latitude) is dropped whole.
    """
    return _drop(holder)[0]


def _drop(holder: object) -> tuple[list[tuple[str, Any]], bool]:
    """What ``drop_implausible`` does, plus whether ``holder`` must go whole."""
    dropped: list[tuple[str, Any]] = []
    if not is_dataclass(holder) or isinstance(holder, type):
        return dropped, False
    for spec in fields(holder):
        value = getattr(holder, spec.name)
        if value is None:
            continue
        quantity = quantity_of(spec)
        if quantity is not None or isinstance(value, datetime):
            if (
                plausible(value, quantity)
                if quantity is not None
                else plausible_moment(value)
            ):
                continue
            dropped.append((spec.name, value))
            if spec.default is MISSING and spec.default_factory is MISSING:
                return dropped, True  # a required reading: the object is wrong
            setattr(holder, spec.name, None)
        elif is_dataclass(value) and not isinstance(value, type):
            inner, whole = _drop(value)
            dropped.extend((f"{spec.name}.{name}", item) for name, item in inner)
            if whole:
                setattr(holder, spec.name, None)
    return dropped, False


class DeviceKind(StrEnum):
    """What a device is, whoever made it."""

    FEEDER = "feeder"
    FOUNTAIN = "fountain"
    TRACKER = "tracker"
    CAMERA = "camera"
    LITTER_BOX = "litter_box"
    TOY = "toy"
    SPRINKLER_CONTROLLER = "sprinkler_controller"
    SPRINKLER_ZONE = "sprinkler_zone"
    SOIL_SENSOR = "soil_sensor"


class Action(StrEnum):
    """Things a device can be asked to do (buttons and actions map onto these)."""

    FEED = "feed"
    SET_FEEDING_SCHEDULE = "set_feeding_schedule"
    PAUSE_FEEDING_SCHEDULE = "pause_feeding_schedule"
    SET_GEOFENCE = "set_geofence"
    START_PUMP = "start_pump"
    START_CLEANING = "start_cleaning"
    TEST_WATER_QUALITY = "test_water_quality"
    TAKE_PHOTO = "take_photo"
    START_RECORDING = "start_recording"
    DEODORIZE = "deodorize"
    START_PLAY = "start_play"
    START_TRAINING = "start_training"
    WATER = "water"
    STOP_WATERING = "stop_watering"
    NO_WATER = "no_water"
    SET_MOISTURE = "set_moisture"
    REPORT_WEATHER = "report_weather"
    SET_ENABLED = "set_enabled"


#: What every device of a kind can do.
KIND_ACTIONS: dict[DeviceKind, frozenset[Action]] = {
    DeviceKind.FEEDER: frozenset(
        {Action.FEED, Action.SET_FEEDING_SCHEDULE, Action.PAUSE_FEEDING_SCHEDULE}
    ),
    DeviceKind.FOUNTAIN: frozenset(
        {Action.START_PUMP, Action.START_CLEANING, Action.TEST_WATER_QUALITY}
    ),
    DeviceKind.TRACKER: frozenset({Action.SET_GEOFENCE}),
    DeviceKind.CAMERA: frozenset({Action.TAKE_PHOTO, Action.START_RECORDING}),
    DeviceKind.LITTER_BOX: frozenset({Action.START_CLEANING, Action.DEODORIZE}),
    DeviceKind.TOY: frozenset({Action.START_PLAY, Action.START_TRAINING}),
    DeviceKind.SPRINKLER_CONTROLLER: frozenset(
        {
            Action.WATER,
            Action.STOP_WATERING,
            Action.NO_WATER,
            Action.SET_MOISTURE,
            Action.REPORT_WEATHER,
            Action.SET_ENABLED,
        }
    ),
    DeviceKind.SPRINKLER_ZONE: frozenset(
        {Action.WATER, Action.STOP_WATERING, Action.SET_MOISTURE}
    ),
    DeviceKind.SOIL_SENSOR: frozenset(),
}


@dataclass(slots=True)
class FeedingSlot:
    """One meal of a feeding schedule."""

    time: str  # "HH:MM"
    amount: int  # grams
    enabled: bool = True


@dataclass(slots=True)
class FeederState:
    """Food and schedule of a feeder."""

    food_level: float | None = reading(Quantity.PERCENT)  # percent
    food_remaining: float | None = reading(Quantity.MASS)  # grams
    capacity: float | None = reading(Quantity.MASS)  # grams
    days_remaining: float | None = reading(Quantity.DAYS)
    daily_consumption: float | None = reading(Quantity.MASS_PER_DAY)  # grams a day
    food_low: bool | None = None
    refill_recommended: bool | None = None
    last_feed: datetime | None = None
    next_feed: datetime | None = None
    scheduled_feeds: int | None = reading(Quantity.COUNT)
    feeds_today: int | None = reading(Quantity.COUNT)
    last_refill: datetime | None = None


@dataclass(slots=True)
class FountainState:
    """Water, pump and water quality of a fountain."""

    water_level: float | None = reading(Quantity.PERCENT)  # percent
    pump_running: bool | None = None
    cleaning: bool | None = None
    filter_status: str | None = None
    last_maintenance: datetime | None = None
    quality: str | None = None
    ph: float | None = reading(Quantity.PH)
    tds: float | None = reading(Quantity.TDS)  # ppm
    temperature: float | None = reading(Quantity.TEMPERATURE)  # °C
    chlorine: float | None = reading(Quantity.CHLORINE)  # mg/L
    filter_life: float | None = reading(Quantity.PERCENT)  # percent
    last_tested: datetime | None = None
    recommendations: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Location:
    """A GPS fix."""

    latitude: float = field(metadata={_QUANTITY: Quantity.LATITUDE})
    longitude: float = field(metadata={_QUANTITY: Quantity.LONGITUDE})
    accuracy: float | None = reading(Quantity.DISTANCE)  # metres
    altitude: float | None = reading(Quantity.ALTITUDE)  # metres
    speed: float | None = reading(Quantity.SPEED)  # km/h
    heading: float | None = reading(Quantity.HEADING)  # degrees
    timestamp: datetime | None = None
    address: str | None = None


@dataclass(slots=True)
class TrackerState:
    """Where a tracker is."""

    location: Location | None = None
    last_seen: datetime | None = None


@dataclass(slots=True)
class StreamInfo:
    """A (signed, expiring) live stream of a camera."""

    stream_url: str
    thumbnail_url: str | None = None
    expires_at: datetime | None = None


@dataclass(slots=True)
class CameraState:
    """Camera capabilities and recording state."""

    resolution: str | None = None
    night_vision: bool | None = None
    audio: bool | None = None
    storage_used: str | None = None
    recording: bool | None = None


@dataclass(slots=True)
class LitterBoxState:
    """Litter, waste, usage and the health derived from it."""

    litter_level: float | None = reading(Quantity.PERCENT)  # percent
    waste_level: float | None = reading(Quantity.PERCENT)  # percent
    last_cleaned: datetime | None = None
    cleaning: bool | None = None
    odor_control: str | None = None
    visits: int | None = reading(Quantity.COUNT)
    visits_period: str | None = None
    average_visits_per_day: float | None = reading(Quantity.RATE_PER_DAY)
    average_visit_duration: float | None = reading(Quantity.DURATION_S)  # seconds
    maintenance_needed: bool | None = None
    health_alerts: list[str] = field(default_factory=list)
    overall_health: str | None = None
    recommendations: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ToyState:
    """Play state and activity statistics of a smart toy."""

    playing: bool | None = None
    mode: str | None = None
    play_modes: list[str] = field(default_factory=list)
    last_play_session: datetime | None = None
    activity_level: str | None = None
    total_play_time: float | None = reading(Quantity.DURATION_MIN)  # minutes
    sessions: int | None = reading(Quantity.COUNT)
    average_session: float | None = reading(Quantity.DURATION_MIN)  # minutes
    calories: float | None = reading(Quantity.ENERGY)  # kcal
    favorite_mode: str | None = None


@dataclass(slots=True)
class WateringSchedule:
    """A past, running or planned watering of one zone."""

    id: str
    zone: int
    start: datetime
    end: datetime
    source: str | None = None  # SMART, FIX, MANUAL
    status: str | None = None  # VALID, EXECUTING, EXECUTED
    zone_name: str | None = None


@dataclass(slots=True)
class ControllerState:
    """A sprinkler controller: status, enablement and its schedules."""

    status: str | None = None
    enabled: bool | None = None
    watering: bool | None = None
    schedules: list[WateringSchedule] = field(default_factory=list)


@dataclass(slots=True)
class ZoneState:
    """One zone of a sprinkler controller."""

    index: int = 0
    enabled: bool = True
    smart: str | None = None  # SMART, ASSISTANT, TIMER
    #: None while the newest estimate is too old to pass for today's.
    moisture: float | None = reading(Quantity.PERCENT)  # percent
    #: The (local) date the newest moisture estimate is for, even a too-old one.
    moisture_date: date | None = None
    watering: bool | None = None
    next_start: datetime | None = None
    last_end: datetime | None = None


@dataclass(slots=True)
class SoilSensorState:
    """The latest report of a soil sensor."""

    moisture: float | None = reading(Quantity.PERCENT)  # percent
    sunlight: float | None = reading(Quantity.ILLUMINANCE)  # lux
    temperature: float | None = reading(Quantity.TEMPERATURE)  # °C
    last_reading: datetime | None = None


@dataclass(slots=True)
class Device:
    """One device of an account, with everything we know of it."""

    id: str
    kind: DeviceKind
    name: str
    manufacturer: str
    #: False when the cloud sent no name and ``name`` is a stand-in (the model
    #: or the id): it must never replace a name we already know.
    name_reported: bool = True
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    hardware: str | None = None  # hardware version
    online: bool | None = None
    battery: float | None = reading(Quantity.BATTERY)  # percent
    #: When the device itself last reported to its cloud (not when we asked).
    last_report: datetime | None = None
    alerts: list[str] = field(default_factory=list)
    feeder: FeederState | None = None
    fountain: FountainState | None = None
    tracker: TrackerState | None = None
    camera: CameraState | None = None
    litter_box: LitterBoxState | None = None
    toy: ToyState | None = None
    controller: ControllerState | None = None
    zone: ZoneState | None = None
    soil: SoilSensorState | None = None
    #: Id of the device this one is reached through (a zone's controller).
    via_device: str | None = None
    #: The vendor's daily call budget of this device's key, where it has one.
    calls_remaining: int | None = reading(Quantity.COUNT)
    calls_reset: datetime | None = None
    #: When this device's data last came from the cloud.
    updated_at: datetime | None = None

    @property
    def actions(self) -> frozenset[Action]:
        """What this device can be asked to do."""
        return KIND_ACTIONS.get(self.kind, frozenset())

    def __post_init__(self) -> None:
        """Give every device the state holder of its kind."""
        attr, cls = STATE_HOLDERS[self.kind]
        if getattr(self, attr) is None:
            setattr(self, attr, cls())

    @property
    def kind_state(self) -> object:
        """The state holder of this device's kind (``feeder`` for a feeder...)."""
        return getattr(self, STATE_HOLDERS[self.kind][0])


#: Per kind: the Device attribute holding its state, and the state's class.
STATE_HOLDERS: dict[DeviceKind, tuple[str, type]] = {
    DeviceKind.FEEDER: ("feeder", FeederState),
    DeviceKind.FOUNTAIN: ("fountain", FountainState),
    DeviceKind.TRACKER: ("tracker", TrackerState),
    DeviceKind.CAMERA: ("camera", CameraState),
    DeviceKind.LITTER_BOX: ("litter_box", LitterBoxState),
    DeviceKind.TOY: ("toy", ToyState),
    DeviceKind.SPRINKLER_CONTROLLER: ("controller", ControllerState),
    DeviceKind.SPRINKLER_ZONE: ("zone", ZoneState),
    DeviceKind.SOIL_SENSOR: ("soil", SoilSensorState),
}


@dataclass(slots=True)
class HubData:
    """What one account's coordinator holds."""

    devices: dict[str, Device] = field(default_factory=dict)
    #: Devices whose last refresh failed (their entities are unavailable).
    failed: set[str] = field(default_factory=set)
    #: Set while the vendor's call budget keeps us from polling: until when.
    polling_paused_until: datetime | None = None
