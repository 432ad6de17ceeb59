"""The vendor-neutral device model.

A feeder is a feeder whoever made it: vendor modules map their JSON onto these
dataclasses and the platforms read only these. Nothing here imports Home
Assistant, so vendor modules can use it too.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
import math
import re
from typing import Any, ClassVar, Final


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
    HUMIDITY = "humidity"  # % relative humidity
    CO2 = "co2"  # ppm
    NOISE = "noise"  # dB
    PRESSURE = "pressure"  # hPa
    POWER = "power"  # W
    ELECTRIC_ENERGY = "electric_energy"  # kWh
    VOLTAGE = "voltage"  # V
    CURRENT = "current"  # A
    LINK_QUALITY = "link_quality"  # LQI, 0-255
    LENGTH = "length"  # m (what a distance sensor measures)


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
    Quantity.HUMIDITY: (0, 100),
    Quantity.CO2: (0, 10_000),  # outdoor air is ~420 ppm; 10,000 is a sensor's top
    Quantity.NOISE: (0, 200),  # a jet engine close by is ~150 dB
    Quantity.PRESSURE: (300, 1_100),  # the top of Everest is ~330 hPa
    Quantity.POWER: (-100_000, 100_000),  # W; a plug that feeds in is negative
    Quantity.ELECTRIC_ENERGY: (0, 10_000_000),  # kWh
    Quantity.VOLTAGE: (0, 1_000),  # V
    Quantity.CURRENT: (0, 1_000),  # A
    Quantity.LINK_QUALITY: (0, 255),  # Zigbee's LQI
    Quantity.LENGTH: (0, 100),  # m; an ultrasonic or infrared ranger's reach
}


class Measurement(StrEnum):
    """What a generic reading measures, whoever measured it.

    A device's ``readings`` are keyed by these: a temperature is a temperature
    whether a weather station, a home coach or a sensor hub reports it, and
    one sensor description shows it.
    """

    TEMPERATURE = "temperature"  # °C
    HUMIDITY = "humidity"  # %
    CO2 = "co2"  # ppm
    NOISE = "noise"  # dB
    PRESSURE = "pressure"  # hPa (at sea level, as weather reports give it)
    MOISTURE = "moisture"  # % (soil)
    ILLUMINANCE = "illuminance"  # lx
    POWER = "power"  # W
    ENERGY = "energy"  # kWh (electricity used)
    VOLTAGE = "voltage"  # V
    CURRENT = "current"  # A
    WATER_LEVEL = "water_level"  # %
    LINK_QUALITY = "link_quality"  # LQI (0-255)
    DISTANCE = "distance"  # m (to the nearest thing a distance sensor sees)


#: The quantity (and so the plausible range) of each measurement.
MEASUREMENT_QUANTITY: Final[dict[Measurement, Quantity]] = {
    Measurement.TEMPERATURE: Quantity.TEMPERATURE,
    Measurement.HUMIDITY: Quantity.HUMIDITY,
    Measurement.CO2: Quantity.CO2,
    Measurement.NOISE: Quantity.NOISE,
    Measurement.PRESSURE: Quantity.PRESSURE,
    Measurement.MOISTURE: Quantity.PERCENT,
    Measurement.ILLUMINANCE: Quantity.ILLUMINANCE,
    Measurement.POWER: Quantity.POWER,
    Measurement.ENERGY: Quantity.ELECTRIC_ENERGY,
    Measurement.VOLTAGE: Quantity.VOLTAGE,
    Measurement.CURRENT: Quantity.CURRENT,
    Measurement.WATER_LEVEL: Quantity.PERCENT,
    Measurement.LINK_QUALITY: Quantity.LINK_QUALITY,
    Measurement.DISTANCE: Quantity.LENGTH,
}


class Detection(StrEnum):
    """What a yes/no sensor tells, whoever made it (a binary sensor each).

    A device's ``detections`` are keyed by these; each also fires its events
    (``DETECTION_EVENTS``) when the device reports it.
    """

    MOTION = "motion"  # a PIR saw movement
    OPENING = "opening"  # a door or window contact is open
    PRESS = "press"  # a button is pressed


#: A detection a device reports only when it happens (a PIR's trigger, with
#: no "all quiet" report after it) is on for this long after the report,
#: unless the device reports it over before.
DETECTION_HOLD: Final[dict[Detection, timedelta]] = {
    Detection.MOTION: timedelta(seconds=90),
}

#: Moments outside this span are not readings either (a year-1 or year-9999
#: timestamp is a vendor bug, not a last feed).
PLAUSIBLE_SPAN: Final = (
    datetime(2000, 1, 1, tzinfo=UTC),
    datetime(2100, 1, 1, tzinfo=UTC),
)

_QUANTITY: Final = "quantity"
_READINGS: Final = "readings"


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
        if spec.metadata.get(_READINGS):
            for measurement, number in list(value.items()):
                if not plausible(number, MEASUREMENT_QUANTITY[measurement]):
                    dropped.append((f"{spec.name}.{measurement}", number))
                    del value[measurement]
            continue
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
    #: Measures the air of a room or outdoors (weather station, home coach,
    #: their modules): its ``readings`` are what it shows.
    CLIMATE_SENSOR = "climate_sensor"
    #: A home as a whole: who is in it, what scenarios it can run.
    HOME = "home"
    #: A hub other devices are reached through (their ``via_device``).
    GATEWAY = "gateway"
    #: A device of a generic IoT platform (a plug, a sensor, a lamp): what it
    #: measures is in ``readings`` and ``values``, what it switches in
    #: ``power`` or ``light``.
    GENERIC = "generic"


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
    SET_MONITORING = "set_monitoring"
    RUN_SCENARIO = "run_scenario"
    #: Switch a device on or off (``Device.power``): a switch entity.
    SET_POWER = "set_power"
    #: Switch, dim or colour a light (``Device.light``): a light entity.
    SET_LIGHT = "set_light"
    #: Send the device a raw payload (the ``send_command`` action).
    SEND_COMMAND = "send_command"
    #: Send the code a sub-device stores (an RF plug's "on"): a button.
    TRANSMIT = "transmit"
    #: Set the name the cloud shows (rename_device).
    RENAME = "rename"
    #: A hub that stores remotes' codes as sub-devices (add_rf_subdevice).
    ADD_SUBDEVICE = "add_subdevice"
    #: A stored sub-device: change its name or code, or remove it.
    UPDATE_SUBDEVICE = "update_subdevice"
    REMOVE_SUBDEVICE = "remove_subdevice"


class Feature(StrEnum):
    """What a device offers beyond actions, where a platform or service asks."""

    LIVE_STREAM = "live_stream"  # a camera entity
    LOCATION_HISTORY = "location_history"  # the get_location_history action
    ALERTS = "alerts"  # its cloud pushes alerts: an "Alert" event entity
    #: A camera whose cloud tells what it saw (animal, person...): an event
    #: entity, the latest event's image and when an animal was last seen.
    CAMERA_EVENTS = "camera_events"
    SNAPSHOT = "snapshot"  # a camera that serves a still image of now
    #: Its cloud keeps its readings' history (the get_history action).
    HISTORY = "history"
    #: A remote's code the hub hears (an RF sensor sub-device): a
    #: "Code received" event entity fires when its hub reports it.
    CODE_EVENTS = "code_events"


class EventType(StrEnum):
    """Things a device tells of the moment they happen (event entities fire them)."""

    ALERT = "alert"
    # what a camera saw
    ANIMAL = "animal"
    HUMAN = "human"
    VEHICLE = "vehicle"
    MOVEMENT = "movement"
    #: a known person (``data`` says who, where the cloud does)
    PERSON = "person"
    PERSON_AWAY = "person_away"
    DOORBELL = "doorbell"  # someone rang
    CALL_ANSWERED = "call_answered"
    CALL_MISSED = "call_missed"
    # what happened to a camera
    MONITORING_ON = "monitoring_on"
    MONITORING_OFF = "monitoring_off"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    BOOTED = "booted"
    SD_CARD = "sd_card"  # its memory card changed state
    POWER = "power"  # its power supply changed state
    # what a yes/no sensor reported (``Detection``)
    MOTION = "motion"  # a PIR saw movement
    OPENED = "opened"
    CLOSED = "closed"
    PRESSED = "pressed"
    RELEASED = "released"
    #: A remote's code was received (an RF433 sensor sub-device's own code).
    RECEIVED = "received"
    # what happened to a pet's device (worked out from its readings)
    FED = "fed"  # a feeder dispensed a meal
    MISSED_MEAL = "missed_meal"  # a scheduled meal's time passed without a feed
    VISIT = "visit"  # a pet used the litter box
    CLEANING_FINISHED = "cleaning_finished"  # a litter box or fountain cleaned itself
    FILTER_DUE = "filter_due"  # a fountain's filter wants replacing
    PLAY_SESSION = "play_session"  # a toy's play session ended
    LEFT_SAFE_ZONE = "left_safe_zone"  # a tracker left a geofence
    ENTERED_SAFE_ZONE = "entered_safe_zone"  # a tracker entered a geofence


#: The event types of a camera's event entity (what a camera tells of).
CAMERA_EVENT_TYPES: Final = (
    EventType.ANIMAL,
    EventType.HUMAN,
    EventType.VEHICLE,
    EventType.MOVEMENT,
    EventType.PERSON,
    EventType.PERSON_AWAY,
    EventType.DOORBELL,
    EventType.CALL_ANSWERED,
    EventType.CALL_MISSED,
    EventType.MONITORING_ON,
    EventType.MONITORING_OFF,
    EventType.CONNECTED,
    EventType.DISCONNECTED,
    EventType.BOOTED,
    EventType.SD_CARD,
    EventType.POWER,
)

#: What each detection fires: (when it turns on, when it turns off); a
#: detection reported only when it happens has no "off" event.
DETECTION_EVENTS: Final[dict[Detection, tuple[EventType, EventType | None]]] = {
    Detection.MOTION: (EventType.MOTION, None),
    Detection.OPENING: (EventType.OPENED, EventType.CLOSED),
    Detection.PRESS: (EventType.PRESSED, EventType.RELEASED),
}


#: What an event's attributes hold (JSON-friendly: times as ISO strings).
type EventValue = str | int | float | bool | None


class FeedSource(StrEnum):
    """Who asked for a feed (a "Fed" event's ``source``)."""

    SCHEDULED = "scheduled"  # a meal of the schedule
    MANUAL_HOME_ASSISTANT = "manual_home_assistant"  # Feed from Home Assistant
    MANUAL_ELSEWHERE = "manual_elsewhere"  # the vendor's app or the device's button


@dataclass(frozen=True, kw_only=True, slots=True)
class Alert:
    """Something a device's cloud warns of (low food, left a safe zone...)."""

    #: The cloud's own word for it (``lowFood``, ``geofenceExit``).
    type: str
    message: str
    #: The safe zone a geofence alert is about, where the cloud names it.
    zone: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DeviceEvent:
    """Something that happened on a device, as a vendor pushed it."""

    device_id: str
    type: EventType
    #: What the event entity shows as its attributes (e.g. alert type, message).
    data: Mapping[str, EventValue] = field(default_factory=dict)
    #: When the cloud said it happened.
    at: datetime | None = None


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
    #: Whether the cloud says the schedule is paused (None: it does not tell).
    schedule_paused: bool | None = None


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
class CameraEvent:
    """The latest thing a camera saw, with its picture."""

    type: EventType
    at: datetime
    id: str | None = None
    message: str | None = None
    #: A (signed, expiring) picture of it, where the cloud gave one.
    snapshot_url: str | None = None


class SdCard(StrEnum):
    """The state of a camera's memory card."""

    READY = "ready"
    MISSING = "missing"
    INSERTED = "inserted"
    FORMATTED = "formatted"
    DEFECT = "defect"
    INCOMPATIBLE = "incompatible"
    TOO_SMALL = "too_small"


class PowerSupply(StrEnum):
    """Whether a camera's power supply is enough."""

    OK = "ok"
    INSUFFICIENT = "insufficient"


@dataclass(slots=True)
class CameraState:
    """Camera capabilities and recording state."""

    resolution: str | None = None
    night_vision: bool | None = None
    audio: bool | None = None
    storage_used: str | None = None
    recording: bool | None = None
    #: Watching (and telling of what it sees); False: switched off by the user.
    monitoring: bool | None = None
    sd_card: SdCard | None = None
    power_supply: PowerSupply | None = None
    last_event: CameraEvent | None = None
    #: When it last saw an animal (an animal event, pushed or read).
    last_animal: datetime | None = None


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
    #: When a pet last used it, where the cloud tells.
    last_visit: datetime | None = None
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
    #: How long the last play session lasted, where the cloud tells.
    last_session_duration: float | None = reading(Quantity.DURATION_S)  # seconds


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
class Person:
    """Someone a home knows (by face, phone or tag)."""

    id: str
    name: str | None = None
    at_home: bool | None = None
    last_seen: datetime | None = None


@dataclass(slots=True)
class Scenario:
    """A scenario a home can run (Home, Away, a user's own)."""

    id: str
    name: str


@dataclass(slots=True)
class HomeState:
    """A home: who is in it and the scenarios it has."""

    persons: dict[str, Person] = field(default_factory=dict)
    scenarios: list[Scenario] = field(default_factory=list)


@dataclass(slots=True)
class ClimateState:
    """A climate sensor: when its readings were measured."""

    #: When the sensor measured its current readings (not when we asked).
    measured_at: datetime | None = None


class LightMode(StrEnum):
    """How a light can be set (Home Assistant's colour modes, vendor-neutral)."""

    ONOFF = "onoff"
    BRIGHTNESS = "brightness"
    XY = "xy"  # CIE 1931 (Zigbee lamps)
    RGB = "rgb"
    COLOR_TEMP = "color_temp"


@dataclass(slots=True)
class LightState:
    """A light: on or off, how bright, what colour."""

    #: How it can be set (one or more of ``LightMode``).
    modes: frozenset[LightMode] = frozenset({LightMode.ONOFF})
    on: bool | None = None
    brightness: float | None = reading(Quantity.PERCENT)  # percent
    xy: tuple[float, float] | None = None
    rgb: tuple[int, int, int] | None = None
    color_temp_kelvin: int | None = None
    #: The mode it is in now, where it tells (Zigbee's ``color_mode``);
    #: None: the colour it reports says.
    mode: LightMode | None = None


@dataclass(slots=True)
class GatewayState:
    """A gateway: whether it is connected to its cloud, and why not."""

    connected: bool | None = None
    #: Why it last disconnected, as the cloud says it (``CONNECTION_LOST``).
    disconnect_reason: str | None = None
    #: When it last connected or disconnected.
    changed_at: datetime | None = None


@dataclass(slots=True)
class GenericState:
    """A generic device: when its readings were measured."""

    #: When the device sent its current readings (not when we asked).
    measured_at: datetime | None = None


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
    #: What its cloud warns of now (a poll's list; pushed alerts are events).
    alerts: list[Alert] = field(default_factory=list)
    #: What this device can be asked to do (its vendor decides, per device).
    actions: frozenset[Action] = frozenset()
    #: What else it offers that an entity or action needs (a live stream...).
    features: frozenset[Feature] = frozenset()
    feeder: FeederState | None = None
    fountain: FountainState | None = None
    tracker: TrackerState | None = None
    camera: CameraState | None = None
    litter_box: LitterBoxState | None = None
    toy: ToyState | None = None
    controller: ControllerState | None = None
    zone: ZoneState | None = None
    soil: SoilSensorState | None = None
    climate: ClimateState | None = None
    home: HomeState | None = None
    gateway: GatewayState | None = None
    generic: GenericState | None = None
    #: Generic readings, keyed by what is measured (any kind may have them).
    readings: dict[Measurement, float] = field(
        default_factory=dict, metadata={_READINGS: True}
    )
    #: What it measures, whether or not this answer had a value of each (an
    #: unreachable station still measures temperature: shown as unknown).
    measures: frozenset[Measurement] = frozenset()
    #: Readings no ``Measurement`` covers, keyed by the vendor's own name
    #: (a plain sensor each, named by its key); a key that is gone from the
    #: latest data leaves its entity unavailable.
    values: dict[str, float | str | bool] = field(default_factory=dict)
    #: Yes/no readings, keyed by what is detected (a binary sensor each).
    detections: dict[Detection, bool] = field(default_factory=dict)
    #: On or off, for a device that switches (``Action.SET_POWER``).
    power: bool | None = None
    #: A light's state (``Action.SET_LIGHT``); None: no light.
    light: LightState | None = None
    #: The room or area the device is in, as the cloud names it.
    area: str | None = None
    #: Id of the device this one is reached through (a zone's controller).
    via_device: str | None = None
    #: The vendor's daily call budget of this device's key, where it has one.
    calls_remaining: int | None = reading(Quantity.COUNT)
    calls_reset: datetime | None = None
    #: Calls the account made to its cloud in the last hour (a self-limited
    #: vendor shows them on its account-wide devices).
    calls_last_hour: int | None = reading(Quantity.COUNT)
    #: When this device's data last came from the cloud.
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        """Give every device the state holder of its kind."""
        attr, cls = STATE_HOLDERS[self.kind]
        if getattr(self, attr) is None:
            setattr(self, attr, cls())

    @property
    def kind_state(self) -> object:
        """The state holder of this device's kind (``feeder`` for a feeder...)."""
        return getattr(self, STATE_HOLDERS[self.kind][0])


def entity_shape(device: Device) -> tuple[object, ...]:
    """What decides which entities a device has: when it changes, look again.

    Its kind, what it can do and offer, what it measures, the keys (and
    kinds of value) of its free-form readings and detections, whether it
    switches or lights, and whether its cloud tells if it is online.
    """
    return (
        device.kind,
        device.actions,
        device.features,
        device.measures,
        frozenset(device.readings),
        frozenset((key, type(value)) for key, value in device.values.items()),
        frozenset(device.detections),
        device.power is None,
        device.light is None,
        device.online is None,
        frozenset(device.home.persons) if device.home is not None else None,
    )


def merged_device(base: Device, newer: Device, other: Device) -> Device:
    """Two readings of a device taken from ``base``: ``newer``'s changes win.

    A push that came while a poll read the device: what the push changed
    since ``base`` is kept, and the poll brings everything else (readings a
    push never carries). Field by field, the kind's state too.
    """
    if not (base.kind is newer.kind is other.kind):
        return newer
    result = copy.deepcopy(other)
    holder = STATE_HOLDERS[base.kind][0]
    for item in fields(Device):
        name = item.name
        if name != holder and getattr(newer, name) != getattr(base, name):
            setattr(result, name, copy.deepcopy(getattr(newer, name)))
    states = (getattr(base, holder), getattr(newer, holder), getattr(result, holder))
    for item in fields(states[1]):
        name = item.name
        if getattr(states[1], name) != getattr(states[0], name):
            setattr(states[2], name, copy.deepcopy(getattr(states[1], name)))
    return result


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
    DeviceKind.CLIMATE_SENSOR: ("climate", ClimateState),
    DeviceKind.HOME: ("home", HomeState),
    DeviceKind.GATEWAY: ("gateway", GatewayState),
    DeviceKind.GENERIC: ("generic", GenericState),
}


@dataclass(slots=True)
class HubData:
    """What one account's coordinator holds."""

    devices: dict[str, Device] = field(default_factory=dict)
    #: Devices whose last refresh failed (their entities are unavailable).
    failed: set[str] = field(default_factory=set)
    #: Set while the vendor's call budget keeps us from polling: until when.
    polling_paused_until: datetime | None = None


# --- actions: typed parameters, neutral results and the limits of both ---------
#
# An entity or a service builds one of these commands; the coordinator hands
# it to the vendor package, which turns it into its own request. Durations are
# seconds here, whatever the user enters or the vendor counts.


class Portion(StrEnum):
    """How large a portion a feed dispenses."""

    SMALL = "small"
    NORMAL = "normal"
    LARGE = "large"


class FlowRate(StrEnum):
    """How fast a fountain's pump runs."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class PumpMode(StrEnum):
    """How a fountain's pump runs."""

    CONTINUOUS = "continuous"
    INTERMITTENT = "intermittent"


class CleaningMode(StrEnum):
    """How thoroughly a fountain or litter box cleans itself."""

    QUICK = "quick"
    NORMAL = "normal"
    DEEP = "deep"


class RecordingQuality(StrEnum):
    """The resolution a camera records in."""

    SD = "480p"
    HD = "720p"
    FULL_HD = "1080p"


class PlayMode(StrEnum):
    """How a toy plays."""

    INTERACTIVE = "interactive"
    AUTOMATIC = "automatic"
    TRAINING = "training"


class Intensity(StrEnum):
    """How vigorously a toy plays."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Difficulty(StrEnum):
    """How hard a training session is."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class WeatherCondition(StrEnum):
    """The weather of a day, as reported to a sprinkler controller."""

    CLEAR = "clear"
    CLOUDY = "cloudy"
    RAIN = "rain"
    SNOW = "snow"
    WIND = "wind"


def to_minutes(seconds: int) -> int:
    """Whole minutes for a vendor that counts them (a part minute counts whole)."""
    return math.ceil(seconds / 60)


@dataclass(frozen=True, kw_only=True, slots=True)
class Feed:
    """Dispense food now."""

    action: ClassVar[Action] = Action.FEED
    amount: int  # grams
    portion: Portion | None = None
    sound_alert: bool | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SetFeedingSchedule:
    """Replace a feeder's daily schedule."""

    action: ClassVar[Action] = Action.SET_FEEDING_SCHEDULE
    slots: tuple[FeedingSlot, ...]
    timezone: str  # IANA name the slot times are in
    #: Let the device shift meals by itself (its own heuristics).
    auto_adjust: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class PauseFeedingSchedule:
    """Pause a feeder's schedule."""

    action: ClassVar[Action] = Action.PAUSE_FEEDING_SCHEDULE


@dataclass(frozen=True, kw_only=True, slots=True)
class SetGeofence:
    """Add a safe zone to a tracker."""

    action: ClassVar[Action] = Action.SET_GEOFENCE
    latitude: float
    longitude: float
    radius: float  # metres
    name: str
    alert_on_exit: bool = True
    alert_on_entry: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class StartPump:
    """Run a fountain's pump."""

    action: ClassVar[Action] = Action.START_PUMP
    duration_s: int | None = None
    flow_rate: FlowRate | None = None
    mode: PumpMode | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class StartCleaning:
    """Clean a fountain or a litter box."""

    action: ClassVar[Action] = Action.START_CLEANING
    mode: CleaningMode | None = None
    duration_s: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class TestWaterQuality:
    """Measure a fountain's water."""

    __test__: ClassVar[bool] = False  # not a test class, whatever pytest thinks
    action: ClassVar[Action] = Action.TEST_WATER_QUALITY


@dataclass(frozen=True, kw_only=True, slots=True)
class TakePhoto:
    """Take a still photo."""

    action: ClassVar[Action] = Action.TAKE_PHOTO


@dataclass(frozen=True, kw_only=True, slots=True)
class StartRecording:
    """Record a clip."""

    action: ClassVar[Action] = Action.START_RECORDING
    duration_s: int | None = None
    quality: RecordingQuality | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Deodorize:
    """Run a litter box's deodorizer."""

    action: ClassVar[Action] = Action.DEODORIZE


@dataclass(frozen=True, kw_only=True, slots=True)
class StartPlay:
    """Start a play session."""

    action: ClassVar[Action] = Action.START_PLAY
    mode: PlayMode | None = None
    duration_s: int | None = None
    intensity: Intensity | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class StartTraining:
    """Start a training session for one skill."""

    action: ClassVar[Action] = Action.START_TRAINING
    skill: str
    difficulty: Difficulty | None = None
    duration_s: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Water:
    """Water now, after a delay or at a time (a controller: every zone in turn)."""

    action: ClassVar[Action] = Action.WATER
    duration_s: int
    delay_s: int | None = None
    start_time: datetime | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class StopWatering:
    """Stop watering (the whole controller, whichever device is named)."""

    action: ClassVar[Action] = Action.STOP_WATERING


@dataclass(frozen=True, kw_only=True, slots=True)
class NoWater:
    """Skip watering today and the days after."""

    action: ClassVar[Action] = Action.NO_WATER
    days: int


@dataclass(frozen=True, kw_only=True, slots=True)
class SetMoisture:
    """Override the estimated soil moisture."""

    action: ClassVar[Action] = Action.SET_MOISTURE
    moisture: int  # percent


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportWeather:
    """Tell a controller the weather of a day (its own forecast is overridden)."""

    action: ClassVar[Action] = Action.REPORT_WEATHER
    day: date
    condition: WeatherCondition | None = None
    rain: float | None = None  # mm
    rain_probability: float | None = None  # percent
    temperature: float | None = None  # °C
    temperature_min: float | None = None  # °C
    temperature_max: float | None = None  # °C
    dew_point: float | None = None  # °C
    wind_speed: float | None = None  # m/s
    humidity: float | None = None  # percent
    pressure: float | None = None  # hPa


@dataclass(frozen=True, kw_only=True, slots=True)
class SetEnabled:
    """Enable a controller, or put it in standby."""

    action: ClassVar[Action] = Action.SET_ENABLED
    enabled: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class SetMonitoring:
    """Switch a camera's watching on or off."""

    action: ClassVar[Action] = Action.SET_MONITORING
    on: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class RunScenario:
    """Run one of a home's scenarios (``Scenario.id``)."""

    action: ClassVar[Action] = Action.RUN_SCENARIO
    scenario: str


@dataclass(frozen=True, kw_only=True, slots=True)
class SetPower:
    """Switch a device on or off."""

    action: ClassVar[Action] = Action.SET_POWER
    on: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class SetLight:
    """Switch a light on or off; on, also set what is given of its look."""

    action: ClassVar[Action] = Action.SET_LIGHT
    on: bool
    brightness: float | None = None  # percent, 0-100
    xy: tuple[float, float] | None = None
    rgb: tuple[int, int, int] | None = None
    color_temp_kelvin: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SendCommand:
    """Send a device a raw JSON payload, for what the entities do not cover.

    ``path`` and ``method`` reach a device that is itself an HTTP server (a
    Shelly plug behind a gateway); ``query`` is passed on as it is.
    """

    action: ClassVar[Action] = Action.SEND_COMMAND
    payload: dict[str, Any]
    path: str | None = None
    method: str | None = None
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Transmit:
    """Send the code a sub-device stores (an RF remote's button, a webhook's tickle)."""

    action: ClassVar[Action] = Action.TRANSMIT


@dataclass(frozen=True, kw_only=True, slots=True)
class Rename:
    """Set the name the device has in its cloud."""

    action: ClassVar[Action] = Action.RENAME
    name: str


#: A remote's code as a hub stores it: its bits, as 0s and 1s.
CODE_PATTERN: Final = re.compile(r"^[01]{8,128}$")
#: The longest name a cloud is sent (rename_device, sub-devices).
MAX_NAME: Final = 100


@dataclass(frozen=True, kw_only=True, slots=True)
class AddSubdevice:
    """Store a remote's code as a new sub-device of a hub.

    ``sensor``: a code the hub hears (an event fires); else one it sends (a
    button). ``code`` None: the code the hub heard last.
    """

    action: ClassVar[Action] = Action.ADD_SUBDEVICE
    name: str
    sensor: bool
    code: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class UpdateSubdevice:
    """Change what is given of a stored sub-device (its name, its code)."""

    action: ClassVar[Action] = Action.UPDATE_SUBDEVICE
    name: str | None = None
    code: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class RemoveSubdevice:
    """Delete a stored sub-device from its hub."""

    action: ClassVar[Action] = Action.REMOVE_SUBDEVICE


type Command = (
    Feed
    | SetFeedingSchedule
    | PauseFeedingSchedule
    | SetGeofence
    | StartPump
    | StartCleaning
    | TestWaterQuality
    | TakePhoto
    | StartRecording
    | Deodorize
    | StartPlay
    | StartTraining
    | Water
    | StopWatering
    | NoWater
    | SetMoisture
    | ReportWeather
    | SetEnabled
    | SetMonitoring
    | RunScenario
    | SetPower
    | SetLight
    | SendCommand
    | Transmit
    | Rename
    | AddSubdevice
    | UpdateSubdevice
    | RemoveSubdevice
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Photo:
    """Where a photo a camera took is."""

    id: str | None = None
    url: str | None = None
    thumbnail_url: str | None = None
    timestamp: datetime | None = None
    resolution: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class CommandResult:
    """What a vendor answered to a command, as far as anyone needs it."""

    photo: Photo | None = None
    #: Schedules a watering command created.
    schedules_created: int | None = None
    #: The id of the device a command created (a sub-device).
    device_id: str | None = None


class HistoryFold(StrEnum):
    """How a history's points are folded into each interval."""

    MEAN = "mean"
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    STDDEV = "stddev"
    SS = "ss"  # sum of squares
    COUNT = "count"


class HistoryUnit(StrEnum):
    """The units a history's interval is counted in."""

    MINUTE = "min"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, kw_only=True, slots=True)
class HistoryQuery:
    """Which stretch of a device's history, in which steps, folded how.

    ``interval``: a number of ``unit`` (None: the cloud's own points);
    ``fold``: None, the cloud's default (the mean).
    """

    start: datetime | None = None
    end: datetime | None = None
    interval: int | None = None
    unit: HistoryUnit | None = None
    fold: HistoryFold | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class HistoryPoint:
    """One point of a device's history."""

    at: datetime
    value: float


@dataclass(frozen=True, slots=True)
class Range:
    """An inclusive range of numbers, in the unit the user enters them in."""

    low: float
    high: float
    unit: str | None = None

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` is a number inside the range."""
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )


#: A range of numbers, or the words a field accepts.
type Limit = Range | tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """Every range and choice list of the actions' fields and the options."""

    #: Fields that mean the same in every action they appear in.
    fields: Mapping[str, Limit]
    #: Fields whose limits depend on the action (durations, modes).
    actions: Mapping[Action, Mapping[str, Limit]]
    #: How many meals a feeding schedule has.
    feeding_slots: Range
    #: The options of an entry (what buttons and switches send).
    options: Mapping[str, Range]

    def of(self, action: Action | None, field: str) -> Limit | None:
        """The limit of a field of an action (None: the field has none)."""
        own = self.actions.get(action, {}) if action is not None else {}
        return own.get(field, self.fields.get(field))


def _words(choices: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in choices)


_TEMPERATURE: Final = Range(-60, 60, "°C")
#: What a feed or a meal dispenses (grams).
AMOUNT: Final = Range(1, 500, "g")

#: The one table of limits: services validate with it, services.yaml and the
#: options form show the same numbers (tests hold them equal).
LIMITS: Final = Limits(
    fields={
        "amount": AMOUNT,
        "portion": _words(Portion),
        "latitude": Range(-90, 90),
        "longitude": Range(-180, 180),
        "radius": Range(10, 50_000, "m"),
        "flow_rate": _words(FlowRate),
        "recording_quality": _words(RecordingQuality),
        "intensity": _words(Intensity),
        "difficulty": _words(Difficulty),
        "limit": Range(1, 1000),
        "device_type": tuple(
            kind.value
            for kind in (
                DeviceKind.FEEDER,
                DeviceKind.FOUNTAIN,
                DeviceKind.TRACKER,
                DeviceKind.CAMERA,
                DeviceKind.LITTER_BOX,
                DeviceKind.TOY,
            )
        ),
        "days": Range(1, 100, "d"),
        "moisture": Range(0, 100, "%"),
        "delay": Range(0, 1440, "min"),
        "condition": _words(WeatherCondition),
        "rain": Range(0, 1000, "mm"),
        "rain_probability": Range(0, 100, "%"),
        "temperature": _TEMPERATURE,
        "temperature_min": _TEMPERATURE,
        "temperature_max": _TEMPERATURE,
        "dew_point": _TEMPERATURE,
        "wind_speed": Range(0, 100, "m/s"),
        "humidity": Range(0, 100, "%"),
        "pressure": Range(800, 1200, "hPa"),
        # an HTTP device's own method (send_command)
        "method": ("GET", "POST", "PUT", "PATCH", "DELETE"),
        # get_history
        "fn": _words(HistoryFold),
        "interval_unit": _words(HistoryUnit),
        "interval": Range(1, 1000),
        # add_rf_subdevice: a code the hub sends, or one it hears
        "subdevice_type": ("actuator", "sensor"),
    },
    actions={
        Action.START_PUMP: {
            "duration": Range(1, 1440, "min"),
            "mode": _words(PumpMode),
        },
        Action.START_CLEANING: {
            "duration": Range(30, 3600, "s"),
            "mode": _words(CleaningMode),
        },
        Action.START_RECORDING: {"duration": Range(5, 3600, "s")},
        Action.START_PLAY: {
            "duration": Range(10, 3600, "s"),
            "mode": _words(PlayMode),
        },
        Action.START_TRAINING: {"duration": Range(30, 3600, "s")},
        Action.WATER: {"duration": Range(1, 720, "min")},
    },
    feeding_slots=Range(1, 10),
    options={  # keyed by const.OPT_* (const.py is Home Assistant's side)
        "feed_amount": Range(1, 500, "g"),
        "pump_duration": Range(1, 1440, "min"),
        "play_duration": Range(10, 3600, "s"),
        "zone_duration": Range(1, 720, "min"),
        "missed_meal_grace": Range(1, 240, "min"),
    },
)

#: The ranges of the options' numbers, by option key (the options form reads them).
OPTION_RANGES: Final = LIMITS.options
#: What an option is until the user sets it (a vendor's descriptor may differ).
OPTION_DEFAULTS: Final[dict[str, int]] = {
    "feed_amount": 50,  # grams
    "pump_duration": 30,  # minutes
    "play_duration": 600,  # seconds
    "zone_duration": 10,  # minutes a zone switch waters
    #: How long after a meal's time a feed may come before it counts as missed.
    "missed_meal_grace": 10,  # minutes
}
