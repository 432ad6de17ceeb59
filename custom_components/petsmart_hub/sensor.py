"""Sensors: levels, water quality, usage and activity statistics, room climate."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    LIGHT_LUX,
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfLength,
    UnitOfMass,
    UnitOfPower,
    UnitOfPressure,
    UnitOfSoundPressure,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType

from .compat import PARTS_PER_MILLION
from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import Action, Device, DeviceKind, Feature, Measurement, PowerSupply, SdCard

PARALLEL_UPDATES = 0

WATER_QUALITY_OPTIONS = ["excellent", "good", "fair", "poor", "bad"]
HEALTH_OPTIONS = ["excellent", "good", "fair", "poor", "attention"]
ACTIVITY_OPTIONS = ["very_low", "low", "medium", "high", "very_high"]
CONTROLLER_STATUS_OPTIONS = [
    "standby",
    "setup",
    "online",
    "watering",
    "offline",
    "sleeping",
    "poweroff",
]
SMART_MODE_OPTIONS = ["smart", "assistant", "timer"]
PLAY_MODE_OPTIONS = ["interactive", "automatic", "training"]


@dataclass(frozen=True, kw_only=True)
class PetSmartSensorEntityDescription(
    SensorEntityDescription, PetSmartEntityDescription
):
    """A sensor read from the neutral device model."""

    value_fn: Callable[[Device], StateType | datetime]
    attrs_fn: Callable[[Device], Mapping[str, Any]] | None = None


def _enum(value: str | None, options: list[str]) -> str | None:
    """Fold a vendor word onto an enum option; words we do not know are unknown."""
    if value is None:
        return None
    folded = value.strip().lower().replace(" ", "_").replace("-", "_")
    return folded if folded in options else None


def _feeder(fn: Callable[[Any], StateType | datetime]) -> Callable[[Device], Any]:
    return lambda device: fn(device.feeder)


def _fountain(fn: Callable[[Any], StateType | datetime]) -> Callable[[Device], Any]:
    return lambda device: fn(device.fountain)


def _litter(fn: Callable[[Any], StateType | datetime]) -> Callable[[Device], Any]:
    return lambda device: fn(device.litter_box)


def _toy(fn: Callable[[Any], StateType | datetime]) -> Callable[[Device], Any]:
    return lambda device: fn(device.toy)


FEEDER = frozenset({DeviceKind.FEEDER})
FOUNTAIN = frozenset({DeviceKind.FOUNTAIN})
TRACKER = frozenset({DeviceKind.TRACKER})
LITTER_BOX = frozenset({DeviceKind.LITTER_BOX})
TOY = frozenset({DeviceKind.TOY})
CONTROLLER = frozenset({DeviceKind.SPRINKLER_CONTROLLER})
ZONE = frozenset({DeviceKind.SPRINKLER_ZONE})
SOIL_SENSOR = frozenset({DeviceKind.SOIL_SENSOR})


def _zone(fn: Callable[[Any], StateType | datetime]) -> Callable[[Device], Any]:
    return lambda device: fn(device.zone)


def _soil(fn: Callable[[Any], StateType | datetime]) -> Callable[[Device], Any]:
    return lambda device: fn(device.soil)


def _not_zone(device: Device) -> bool:
    """Zones share their controller's connection and report time."""
    return device.kind is not DeviceKind.SPRINKLER_ZONE


class _Shown(NamedTuple):
    """How a generic reading is shown."""

    device_class: SensorDeviceClass | None
    unit: str | None
    precision: int
    #: Its name, where no device class names it.
    translation_key: str | None = None
    state_class: SensorStateClass = SensorStateClass.MEASUREMENT
    category: EntityCategory | None = None


#: How each generic reading is shown. Named by Home Assistant from the
#: device class where it has one: a temperature is "Temperature".
_READINGS: dict[Measurement, _Shown] = {
    Measurement.TEMPERATURE: _Shown(
        SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS, 1
    ),
    Measurement.HUMIDITY: _Shown(SensorDeviceClass.HUMIDITY, PERCENTAGE, 0),
    Measurement.CO2: _Shown(SensorDeviceClass.CO2, PARTS_PER_MILLION, 0),
    Measurement.NOISE: _Shown(
        SensorDeviceClass.SOUND_PRESSURE, UnitOfSoundPressure.DECIBEL, 0
    ),
    Measurement.PRESSURE: _Shown(
        SensorDeviceClass.ATMOSPHERIC_PRESSURE, UnitOfPressure.HPA, 1
    ),
    Measurement.MOISTURE: _Shown(SensorDeviceClass.MOISTURE, PERCENTAGE, 0),
    Measurement.ILLUMINANCE: _Shown(SensorDeviceClass.ILLUMINANCE, LIGHT_LUX, 0),
    Measurement.POWER: _Shown(SensorDeviceClass.POWER, UnitOfPower.WATT, 1),
    Measurement.ENERGY: _Shown(
        SensorDeviceClass.ENERGY,
        UnitOfEnergy.KILO_WATT_HOUR,
        2,
        state_class=SensorStateClass.TOTAL_INCREASING,
    ),
    Measurement.VOLTAGE: _Shown(
        SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 0
    ),
    Measurement.CURRENT: _Shown(
        SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 2
    ),
    Measurement.WATER_LEVEL: _Shown(None, PERCENTAGE, 0, "water_level"),
    Measurement.LINK_QUALITY: _Shown(
        None, None, 0, "link_quality", category=EntityCategory.DIAGNOSTIC
    ),
    Measurement.DISTANCE: _Shown(SensorDeviceClass.DISTANCE, UnitOfLength.METERS, 2),
}


def _reading(measurement: Measurement) -> PetSmartSensorEntityDescription:
    """The sensor of one generic reading, on any device that measures it.

    It exists once the device measures it (or reports it); a device whose
    latest data lacks it shows it unavailable, unless it says it measures
    it all the same (then its value is unknown).
    """
    shown = _READINGS[measurement]

    def present(device: Device) -> bool:
        return measurement in device.measures or measurement in device.readings

    return PetSmartSensorEntityDescription(
        key=f"reading_{measurement.value}",
        translation_key=shown.translation_key,
        device_class=shown.device_class,
        native_unit_of_measurement=shown.unit,
        state_class=shown.state_class,
        entity_category=shown.category,
        suggested_display_precision=shown.precision,
        exists_fn=present,
        present_fn=present,
        value_fn=lambda device: device.readings.get(measurement),
    )


READING_SENSORS = tuple(_reading(measurement) for measurement in Measurement)

SD_CARD_OPTIONS = [state.value for state in SdCard]
POWER_SUPPLY_OPTIONS = [state.value for state in PowerSupply]


def _tells_report_time(device: Device) -> bool:
    """Whether a device tells when it last reported (a Last report sensor).

    Not a zone (its controller tells) nor a home. A device read without a
    report time has none to tell (a Netatmo camera); one not read yet (its
    first read failed) may, and keeps its sensor.
    """
    if device.kind in (DeviceKind.SPRINKLER_ZONE, DeviceKind.HOME):
        return False
    never_read = device.online is None and device.updated_at is None
    return device.last_report is not None or never_read


GATEWAY_SENSORS: tuple[PetSmartSensorEntityDescription, ...] = (
    PetSmartSensorEntityDescription(
        key="disconnect_reason",
        translation_key="disconnect_reason",
        kinds=frozenset({DeviceKind.GATEWAY}),
        entity_category=EntityCategory.DIAGNOSTIC,
        # a gateway whose cloud tells whether it is connected (not a Ninja
        # block, which nobody asks)
        exists_fn=lambda device: device.online is not None,
        # why it is offline is worth seeing most while it is offline
        available_offline=True,
        value_fn=lambda device: (
            device.gateway.disconnect_reason
            if device.gateway and device.gateway.connected is False
            else None
        ),
    ),
)

CAMERA_SENSORS: tuple[PetSmartSensorEntityDescription, ...] = (
    PetSmartSensorEntityDescription(
        key="last_animal",
        translation_key="last_animal",
        kinds=frozenset({DeviceKind.CAMERA}),
        device_class=SensorDeviceClass.TIMESTAMP,
        available_offline=True,
        exists_fn=lambda device: Feature.CAMERA_EVENTS in device.features,
        value_fn=lambda device: device.camera.last_animal if device.camera else None,
    ),
    PetSmartSensorEntityDescription(
        key="sd_card",
        translation_key="sd_card",
        kinds=frozenset({DeviceKind.CAMERA}),
        device_class=SensorDeviceClass.ENUM,
        options=SD_CARD_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=lambda device: bool(device.camera and device.camera.sd_card),
        value_fn=lambda device: device.camera.sd_card if device.camera else None,
    ),
    PetSmartSensorEntityDescription(
        key="power_supply",
        translation_key="power_supply",
        kinds=frozenset({DeviceKind.CAMERA}),
        device_class=SensorDeviceClass.ENUM,
        options=POWER_SUPPLY_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=lambda device: bool(device.camera and device.camera.power_supply),
        value_fn=lambda device: (device.camera.power_supply if device.camera else None),
    ),
)

HOME_SENSORS: tuple[PetSmartSensorEntityDescription, ...] = (
    PetSmartSensorEntityDescription(
        # a home whose scenarios cannot be run from here lists them (one that
        # can has a select)
        key="scenarios",
        translation_key="scenarios",
        kinds=frozenset({DeviceKind.HOME}),
        exists_fn=lambda device: Action.RUN_SCENARIO not in device.actions,
        value_fn=lambda device: len(device.home.scenarios) if device.home else None,
        attrs_fn=lambda device: {
            "scenarios": [s.name for s in device.home.scenarios] if device.home else []
        },
    ),
    PetSmartSensorEntityDescription(
        key="calls_last_hour",
        translation_key="calls_last_hour",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        available_offline=True,
        exists_fn=lambda device: device.calls_last_hour is not None,
        value_fn=lambda device: device.calls_last_hour,
    ),
)


SENSORS: tuple[PetSmartSensorEntityDescription, ...] = (
    # Sprinkler controller, zones and soil sensor
    PetSmartSensorEntityDescription(
        key="controller_status",
        translation_key="controller_status",
        kinds=CONTROLLER,
        device_class=SensorDeviceClass.ENUM,
        options=CONTROLLER_STATUS_OPTIONS,
        available_offline=True,
        value_fn=lambda device: _enum(
            device.controller.status if device.controller else None,
            CONTROLLER_STATUS_OPTIONS,
        ),
    ),
    PetSmartSensorEntityDescription(
        key="zone_moisture",
        translation_key="moisture",
        kinds=ZONE,
        device_class=SensorDeviceClass.MOISTURE,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_zone(lambda s: s.moisture),
        # the local date of the newest estimate: it can be days old (and is
        # unknown once too old), so the date is always there to see
        attrs_fn=lambda device: {
            "measured_on": (
                device.zone.moisture_date.isoformat()
                if device.zone and device.zone.moisture_date
                else None
            )
        },
    ),
    PetSmartSensorEntityDescription(
        key="next_watering",
        translation_key="next_watering",
        kinds=ZONE,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_zone(lambda s: s.next_start),
    ),
    PetSmartSensorEntityDescription(
        key="last_watering",
        translation_key="last_watering",
        kinds=ZONE,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_zone(lambda s: s.last_end),
    ),
    PetSmartSensorEntityDescription(
        key="smart_mode",
        translation_key="smart_mode",
        kinds=ZONE,
        device_class=SensorDeviceClass.ENUM,
        options=SMART_MODE_OPTIONS,
        value_fn=_zone(lambda s: _enum(s.smart, SMART_MODE_OPTIONS)),
    ),
    PetSmartSensorEntityDescription(
        key="soil_moisture",
        translation_key="moisture",
        kinds=SOIL_SENSOR,
        device_class=SensorDeviceClass.MOISTURE,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_soil(lambda s: s.moisture),
    ),
    PetSmartSensorEntityDescription(
        key="sunlight",
        translation_key="sunlight",
        kinds=SOIL_SENSOR,
        device_class=SensorDeviceClass.ILLUMINANCE,
        native_unit_of_measurement=LIGHT_LUX,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_soil(lambda s: s.sunlight),
    ),
    PetSmartSensorEntityDescription(
        key="soil_temperature",
        translation_key="soil_temperature",
        kinds=SOIL_SENSOR,
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_soil(lambda s: s.temperature),
    ),
    PetSmartSensorEntityDescription(
        key="last_reading",
        translation_key="last_reading",
        kinds=SOIL_SENSOR,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_soil(lambda s: s.last_reading),
    ),
    # Every device
    PetSmartSensorEntityDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        exists_fn=lambda device: device.battery is not None,
        value_fn=lambda device: device.battery,
    ),
    PetSmartSensorEntityDescription(
        key="last_report",
        translation_key="last_report",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # a device that checks in every minute changes it every minute: a
        # row a minute in the recorder for what Connectivity already tells
        entity_registry_enabled_default=False,
        available_offline=True,
        exists_fn=_tells_report_time,
        value_fn=lambda device: device.last_report,
    ),
    PetSmartSensorEntityDescription(
        key="calls_remaining",
        translation_key="calls_remaining",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        available_offline=True,
        exists_fn=lambda device: _not_zone(device)
        and device.calls_remaining is not None,
        value_fn=lambda device: device.calls_remaining,
        attrs_fn=lambda device: {
            "reset": device.calls_reset.isoformat() if device.calls_reset else None
        },
    ),
    # Feeder
    PetSmartSensorEntityDescription(
        key="food_level",
        translation_key="food_level",
        kinds=FEEDER,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_feeder(lambda s: s.food_level),
    ),
    PetSmartSensorEntityDescription(
        key="food_remaining",
        translation_key="food_remaining",
        kinds=FEEDER,
        device_class=SensorDeviceClass.WEIGHT,
        native_unit_of_measurement=UnitOfMass.GRAMS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_feeder(lambda s: s.food_remaining),
    ),
    PetSmartSensorEntityDescription(
        key="days_remaining",
        translation_key="days_remaining",
        kinds=FEEDER,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.DAYS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_feeder(lambda s: s.days_remaining),
    ),
    PetSmartSensorEntityDescription(
        key="daily_consumption",
        translation_key="daily_consumption",
        kinds=FEEDER,
        native_unit_of_measurement="g/d",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_feeder(lambda s: s.daily_consumption),
    ),
    PetSmartSensorEntityDescription(
        key="last_feed",
        translation_key="last_feed",
        kinds=FEEDER,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_feeder(lambda s: s.last_feed),
    ),
    PetSmartSensorEntityDescription(
        key="next_feed",
        translation_key="next_feed",
        kinds=FEEDER,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_feeder(lambda s: s.next_feed),
    ),
    PetSmartSensorEntityDescription(
        key="scheduled_feeds",
        translation_key="scheduled_feeds",
        kinds=FEEDER,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_feeder(lambda s: s.scheduled_feeds),
    ),
    PetSmartSensorEntityDescription(
        key="last_refill",
        translation_key="last_refill",
        kinds=FEEDER,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_feeder(lambda s: s.last_refill),
    ),
    # Water fountain
    PetSmartSensorEntityDescription(
        key="water_level",
        translation_key="water_level",
        kinds=FOUNTAIN,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_fountain(lambda s: s.water_level),
    ),
    PetSmartSensorEntityDescription(
        key="water_quality",
        translation_key="water_quality",
        kinds=FOUNTAIN,
        device_class=SensorDeviceClass.ENUM,
        options=WATER_QUALITY_OPTIONS,
        value_fn=_fountain(lambda s: _enum(s.quality, WATER_QUALITY_OPTIONS)),
        attrs_fn=lambda device: {
            "recommendations": device.fountain.recommendations
            if device.fountain
            else []
        },
    ),
    PetSmartSensorEntityDescription(
        key="ph",
        kinds=FOUNTAIN,
        device_class=SensorDeviceClass.PH,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_fountain(lambda s: s.ph),
    ),
    PetSmartSensorEntityDescription(
        key="tds",
        translation_key="tds",
        kinds=FOUNTAIN,
        native_unit_of_measurement=PARTS_PER_MILLION,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_fountain(lambda s: s.tds),
    ),
    PetSmartSensorEntityDescription(
        key="water_temperature",
        translation_key="water_temperature",
        kinds=FOUNTAIN,
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_fountain(lambda s: s.temperature),
    ),
    PetSmartSensorEntityDescription(
        key="chlorine",
        translation_key="chlorine",
        kinds=FOUNTAIN,
        native_unit_of_measurement="mg/L",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=_fountain(lambda s: s.chlorine),
    ),
    PetSmartSensorEntityDescription(
        key="filter_life",
        translation_key="filter_life",
        kinds=FOUNTAIN,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_fountain(lambda s: s.filter_life),
    ),
    PetSmartSensorEntityDescription(
        key="last_maintenance",
        translation_key="last_maintenance",
        kinds=FOUNTAIN,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_fountain(lambda s: s.last_maintenance),
    ),
    # GPS tracker
    PetSmartSensorEntityDescription(
        key="last_seen",
        translation_key="last_seen",
        kinds=TRACKER,
        device_class=SensorDeviceClass.TIMESTAMP,
        available_offline=True,
        value_fn=lambda device: device.tracker.last_seen if device.tracker else None,
    ),
    PetSmartSensorEntityDescription(
        key="altitude",
        translation_key="altitude",
        kinds=TRACKER,
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.METERS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        suggested_display_precision=1,
        value_fn=lambda device: (
            device.tracker.location.altitude
            if device.tracker and device.tracker.location
            else None
        ),
    ),
    # Litter box
    PetSmartSensorEntityDescription(
        key="litter_level",
        translation_key="litter_level",
        kinds=LITTER_BOX,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_litter(lambda s: s.litter_level),
    ),
    PetSmartSensorEntityDescription(
        key="waste_level",
        translation_key="waste_level",
        kinds=LITTER_BOX,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_litter(lambda s: s.waste_level),
    ),
    PetSmartSensorEntityDescription(
        key="visits",
        translation_key="visits",
        kinds=LITTER_BOX,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_litter(lambda s: s.visits),
        attrs_fn=lambda device: {
            "period": device.litter_box.visits_period if device.litter_box else None
        },
    ),
    PetSmartSensorEntityDescription(
        key="average_visits_per_day",
        translation_key="average_visits_per_day",
        kinds=LITTER_BOX,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_litter(lambda s: s.average_visits_per_day),
    ),
    PetSmartSensorEntityDescription(
        key="average_visit_duration",
        translation_key="average_visit_duration",
        kinds=LITTER_BOX,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_litter(lambda s: s.average_visit_duration),
    ),
    PetSmartSensorEntityDescription(
        key="last_cleaned",
        translation_key="last_cleaned",
        kinds=LITTER_BOX,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_litter(lambda s: s.last_cleaned),
    ),
    PetSmartSensorEntityDescription(
        key="overall_health",
        translation_key="overall_health",
        kinds=LITTER_BOX,
        device_class=SensorDeviceClass.ENUM,
        options=HEALTH_OPTIONS,
        value_fn=_litter(lambda s: _enum(s.overall_health, HEALTH_OPTIONS)),
        attrs_fn=lambda device: {
            "recommendations": device.litter_box.recommendations
            if device.litter_box
            else []
        },
    ),
    PetSmartSensorEntityDescription(
        key="health_alerts",
        translation_key="health_alerts",
        kinds=LITTER_BOX,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_litter(lambda s: len(s.health_alerts)),
        attrs_fn=lambda device: {
            "alerts": device.litter_box.health_alerts if device.litter_box else []
        },
    ),
    # Smart toy
    PetSmartSensorEntityDescription(
        key="activity_level",
        translation_key="activity_level",
        kinds=TOY,
        device_class=SensorDeviceClass.ENUM,
        options=ACTIVITY_OPTIONS,
        value_fn=_toy(lambda s: _enum(s.activity_level, ACTIVITY_OPTIONS)),
    ),
    PetSmartSensorEntityDescription(
        key="total_play_time",
        translation_key="total_play_time",
        kinds=TOY,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_toy(lambda s: s.total_play_time),
    ),
    PetSmartSensorEntityDescription(
        key="play_sessions",
        translation_key="play_sessions",
        kinds=TOY,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_toy(lambda s: s.sessions),
    ),
    PetSmartSensorEntityDescription(
        key="average_session",
        translation_key="average_session",
        kinds=TOY,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_toy(lambda s: s.average_session),
    ),
    PetSmartSensorEntityDescription(
        key="calories",
        translation_key="calories",
        kinds=TOY,
        native_unit_of_measurement="kcal",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_toy(lambda s: s.calories),
    ),
    PetSmartSensorEntityDescription(
        key="favorite_mode",
        translation_key="favorite_mode",
        kinds=TOY,
        device_class=SensorDeviceClass.ENUM,
        options=PLAY_MODE_OPTIONS,
        value_fn=_toy(lambda s: _enum(s.favorite_mode, PLAY_MODE_OPTIONS)),
    ),
    PetSmartSensorEntityDescription(
        key="last_play_session",
        translation_key="last_play_session",
        kinds=TOY,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_toy(lambda s: s.last_play_session),
    ),
    *READING_SENSORS,
    *CAMERA_SENSORS,
    *HOME_SENSORS,
    *GATEWAY_SENSORS,
)


#: The longest text a free-form sensor shows (Home Assistant's state limit).
MAX_STATE_LENGTH = 255


@cache
def value_sensor(key: str, numeric: bool) -> PetSmartSensorEntityDescription:
    """The plain sensor of a reading its vendor names freely, named by its key.

    A number is a measurement (long-term statistics); text is shown as it
    is. The sensor is unavailable while the device's latest data lacks the
    key, and unknown while it holds a value of the other kind.
    """

    def value(device: Device) -> StateType:
        found = device.values.get(key)
        if isinstance(found, bool) or found is None:
            return None
        if numeric:
            return found if isinstance(found, int | float) else None
        return None if isinstance(found, int | float) else found[:MAX_STATE_LENGTH]

    return PetSmartSensorEntityDescription(
        key=f"value_{key}",
        name=key,
        state_class=SensorStateClass.MEASUREMENT if numeric else None,
        exists_fn=lambda device: key in device.values,
        present_fn=lambda device: key in device.values,
        value_fn=value,
    )


def value_sensors(device: Device) -> Iterable[PetSmartSensorEntityDescription]:
    """A plain sensor per free-form reading that is a number or text."""
    for key, found in device.values.items():
        if not isinstance(found, bool):
            yield value_sensor(key, isinstance(found, int | float))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add sensors for every device, now and when devices (or readings) appear."""
    async_add_device_entities(
        entry, async_add_entities, SENSORS, PetSmartSensor, dynamic=value_sensors
    )


class PetSmartSensor(PetSmartEntity, SensorEntity):
    """A sensor of a device."""

    entity_description: PetSmartSensorEntityDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Read the value from the device model."""
        return self.entity_description.value_fn(self.device)

    def _platform_attributes(self) -> Mapping[str, Any] | None:
        """Extra context (periods, alert lists, recommendations)."""
        if self.entity_description.attrs_fn is None:
            return None
        return self.entity_description.attrs_fn(self.device)
