"""The vendor-neutral device model.

A feeder is a feeder whoever made it: vendor modules map their JSON onto these
dataclasses and the platforms read only these. Nothing here imports Home
Assistant, so vendor modules can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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

    food_level: float | None = None  # percent
    food_remaining: float | None = None  # grams
    capacity: float | None = None  # grams
    days_remaining: float | None = None
    daily_consumption: float | None = None  # grams a day
    food_low: bool | None = None
    refill_recommended: bool | None = None
    last_feed: datetime | None = None
    next_feed: datetime | None = None
    scheduled_feeds: int | None = None
    feeds_today: int | None = None
    last_refill: datetime | None = None


@dataclass(slots=True)
class FountainState:
    """Water, pump and water quality of a fountain."""

    water_level: float | None = None  # percent
    pump_running: bool | None = None
    cleaning: bool | None = None
    filter_status: str | None = None
    last_maintenance: datetime | None = None
    quality: str | None = None
    ph: float | None = None
    tds: float | None = None  # ppm
    temperature: float | None = None  # °C
    chlorine: float | None = None  # mg/L
    filter_life: float | None = None  # percent
    last_tested: datetime | None = None
    recommendations: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Location:
    """A GPS fix."""

    latitude: float
    longitude: float
    accuracy: float | None = None  # metres
    altitude: float | None = None  # metres
    speed: float | None = None  # km/h
    heading: float | None = None  # degrees
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

    litter_level: float | None = None  # percent
    waste_level: float | None = None  # percent
    last_cleaned: datetime | None = None
    cleaning: bool | None = None
    odor_control: str | None = None
    visits: int | None = None
    visits_period: str | None = None
    average_visits_per_day: float | None = None
    average_visit_duration: float | None = None  # seconds
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
    total_play_time: float | None = None  # minutes
    sessions: int | None = None
    average_session: float | None = None  # minutes
    calories: float | None = None  # kcal
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
    moisture: float | None = None  # percent
    watering: bool | None = None
    next_start: datetime | None = None
    last_end: datetime | None = None


@dataclass(slots=True)
class SoilSensorState:
    """The latest report of a soil sensor."""

    moisture: float | None = None  # percent
    sunlight: float | None = None  # lux
    temperature: float | None = None  # °C
    last_reading: datetime | None = None


@dataclass(slots=True)
class Device:
    """One device of an account, with everything we know of it."""

    id: str
    kind: DeviceKind
    name: str
    manufacturer: str
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    online: bool | None = None
    battery: float | None = None  # percent
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
    calls_remaining: int | None = None
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
