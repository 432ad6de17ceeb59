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

    @property
    def actions(self) -> frozenset[Action]:
        """What this device can be asked to do."""
        return KIND_ACTIONS.get(self.kind, frozenset())

    def __post_init__(self) -> None:
        """Give every device the state holder of its kind."""
        holders = {
            DeviceKind.FEEDER: ("feeder", FeederState),
            DeviceKind.FOUNTAIN: ("fountain", FountainState),
            DeviceKind.TRACKER: ("tracker", TrackerState),
            DeviceKind.CAMERA: ("camera", CameraState),
            DeviceKind.LITTER_BOX: ("litter_box", LitterBoxState),
            DeviceKind.TOY: ("toy", ToyState),
        }
        attr, cls = holders[self.kind]
        if getattr(self, attr) is None:
            setattr(self, attr, cls())


@dataclass(slots=True)
class HubData:
    """What one account's coordinator holds."""

    devices: dict[str, Device] = field(default_factory=dict)
    #: Devices whose last refresh failed (their entities are unavailable).
    failed: set[str] = field(default_factory=set)
