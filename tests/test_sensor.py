"""Tests of the sensor platform: every sensor of every kind against the simulator."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import timedelta
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.petsmart_hub.sensor import (
    ACTIVITY_OPTIONS,
    HEALTH_OPTIONS,
    WATER_QUALITY_OPTIONS,
    _enum,
)
from homeassistant.components.sensor import (
    ATTR_OPTIONS,
    ATTR_STATE_CLASS,
    SensorDeviceClass,
    SensorStateClass,
)
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    ATTR_UNIT_OF_MEASUREMENT,
    PERCENTAGE,
    STATE_UNKNOWN,
    EntityCategory,
    Platform,
    UnitOfMass,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from simulator.onenata import OneNataSimulator, api as onenata_api
from simulator.onenata.api import (
    Ctx,
    activity_data,
    food_level_data,
    health_insights_data,
    location_data,
    status_data,
    usage_stats_data,
    water_quality_data,
)
from simulator.onenata.devices import JSON

from .conftest import Cloud
from .registry import find_device

pytestmark = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")

SLOW = timedelta(minutes=15)

type Builder = Callable[[Ctx], JSON]
#: entity id -> (simulator endpoint, path of the value in its data)
type Expectations = dict[str, tuple[Builder, str]]

#: The query parameters the client sends to each endpoint.
QUERIES: dict[Builder, dict[str, str]] = {
    location_data: {"includeAddress": "true"},
    usage_stats_data: {"period": "7d", "includeHealth": "true"},
    health_insights_data: {"period": "30d", "includeRecommendations": "true"},
    activity_data: {"period": "7d", "includeCalories": "true"},
}

#: Every sensor of every kind and where the simulator keeps its value.
EXPECTED: dict[str, tuple[str, Expectations]] = {
    "feeder": (
        "feeding_machine_001",
        {
            "sensor.smart_feeder_1_battery": (status_data, "batteryLevel"),
            "sensor.smart_feeder_1_last_report": (status_data, "lastReportTime"),
            "sensor.smart_feeder_1_food_level": (food_level_data, "percentage"),
            "sensor.smart_feeder_1_food_remaining": (food_level_data, "currentLevel"),
            "sensor.smart_feeder_1_food_days_remaining": (
                food_level_data,
                "estimatedDaysRemaining",
            ),
            "sensor.smart_feeder_1_daily_food_consumption": (
                food_level_data,
                "dailyConsumption",
            ),
            "sensor.smart_feeder_1_last_feed": (status_data, "status.lastFeedTime"),
            "sensor.smart_feeder_1_next_scheduled_feed": (
                status_data,
                "status.nextScheduledFeed",
            ),
            "sensor.smart_feeder_1_scheduled_feeds": (
                status_data,
                "status.scheduledFeeds",
            ),
            "sensor.smart_feeder_1_last_refill": (food_level_data, "lastRefill"),
        },
    ),
    "fountain": (
        "water_fountain_001",
        {
            "sensor.water_fountain_1_battery": (status_data, "batteryLevel"),
            "sensor.water_fountain_1_last_report": (status_data, "lastReportTime"),
            "sensor.water_fountain_1_water_level": (status_data, "status.waterLevel"),
            "sensor.water_fountain_1_water_quality": (water_quality_data, "quality"),
            "sensor.water_fountain_1_ph": (water_quality_data, "ph"),
            "sensor.water_fountain_1_total_dissolved_solids": (
                water_quality_data,
                "tds",
            ),
            "sensor.water_fountain_1_water_temperature": (
                water_quality_data,
                "temperature",
            ),
            "sensor.water_fountain_1_chlorine": (water_quality_data, "chlorine"),
            "sensor.water_fountain_1_filter_life": (
                water_quality_data,
                "filterLifeRemaining",
            ),
            "sensor.water_fountain_1_last_maintenance": (
                status_data,
                "status.lastMaintenance",
            ),
        },
    ),
    "tracker": (
        "gps_tracker_001",
        {
            "sensor.gps_tracker_1_battery": (location_data, "batteryLevel"),
            "sensor.gps_tracker_1_last_report": (status_data, "lastReportTime"),
            "sensor.gps_tracker_1_last_seen": (location_data, "timestamp"),
            "sensor.gps_tracker_1_altitude": (location_data, "altitude"),
        },
    ),
    "camera": (
        "camera_001",
        {"sensor.pet_camera_1_last_report": (status_data, "lastReportTime")},
    ),
    "litter_box": (
        "litterbox_001",
        {
            "sensor.litter_box_1_last_report": (status_data, "lastReportTime"),
            "sensor.litter_box_1_litter_level": (usage_stats_data, "litterLevel"),
            "sensor.litter_box_1_waste_level": (usage_stats_data, "wasteLevel"),
            "sensor.litter_box_1_visits": (usage_stats_data, "totalVisits"),
            "sensor.litter_box_1_average_visits_per_day": (
                usage_stats_data,
                "averageVisitsPerDay",
            ),
            "sensor.litter_box_1_average_visit_duration": (
                usage_stats_data,
                "averageDuration",
            ),
            "sensor.litter_box_1_last_cleaned": (status_data, "status.lastCleaned"),
            "sensor.litter_box_1_overall_health": (
                health_insights_data,
                "overallHealth",
            ),
            "sensor.litter_box_1_health_alerts": (health_insights_data, "alerts"),
        },
    ),
    "toy": (
        "smart_toy_001",
        {
            "sensor.smart_toy_1_battery": (status_data, "batteryLevel"),
            "sensor.smart_toy_1_last_report": (status_data, "lastReportTime"),
            "sensor.smart_toy_1_activity_level": (activity_data, "activityLevel"),
            "sensor.smart_toy_1_total_play_time": (activity_data, "totalPlayTime"),
            "sensor.smart_toy_1_play_sessions": (activity_data, "totalSessions"),
            "sensor.smart_toy_1_average_play_session": (
                activity_data,
                "averageSessionDuration",
            ),
            "sensor.smart_toy_1_calories_burned": (activity_data, "caloriesBurned"),
            "sensor.smart_toy_1_favourite_play_mode": (
                activity_data,
                "favoritePlayMode",
            ),
            "sensor.smart_toy_1_last_play_session": (
                status_data,
                "status.lastPlaySession",
            ),
        },
    ),
}


def _change_feeder(sim: OneNataSimulator) -> None:
    device = sim.devices["feeding_machine_001"]
    device.food_grams = 300
    device.schedule_paused = True  # no next feed; consumption from the log
    device.last_refill = sim.clock.now() - timedelta(hours=3)


def _change_fountain(sim: OneNataSimulator) -> None:
    device = sim.devices["water_fountain_001"]
    device.water_level = 15
    device.filter_replaced = sim.clock.now() - timedelta(days=55)
    device.target_temperature = 30.5


def _change_litter_box(sim: OneNataSimulator) -> None:
    device = sim.devices["litterbox_001"]
    device.litter_level = 12
    device.last_cleaned = sim.clock.now() - timedelta(hours=90)
    device.visits_per_day = 9


def _change_toy(sim: OneNataSimulator) -> None:
    device = sim.devices["smart_toy_001"]
    now = sim.clock.now()
    device.play_log.append((now - timedelta(hours=1), 4 * 3600, "training"))
    device.last_play_session = now - timedelta(hours=1)
    device.battery_level = 12


#: How each kind's readings are changed before the second check.
CHANGES: dict[str, Callable[[OneNataSimulator], None]] = {
    "feeder": _change_feeder,
    "fountain": _change_fountain,
    "tracker": lambda sim: None,  # it wanders with the clock
    "camera": lambda sim: None,  # its report time moves with the clock
    "litter_box": _change_litter_box,
    "toy": _change_toy,
}


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


async def read_everything_again(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Poll until every reading was read anew (the slow tier included).

    Each device's slow tier falls due at its own point of the slow interval,
    first between one and two intervals after setup; a litter box reads its
    two slow answers in turn: two polls, two and three intervals on, read
    them all.
    """
    for delta in (2 * SLOW, SLOW):
        freezer.tick(delta)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def sim_value(
    sim: OneNataSimulator, device_id: str, builder: Builder, path: str
) -> Any:
    """What the simulator answers right now, at ``path`` of the endpoint's data."""
    ctx = Ctx(
        sim.next_id,
        sim.devices[device_id],
        sim.clock.now(),
        QUERIES.get(builder, {}),
        "",
    )
    value: Any = builder(ctx)
    for key in path.split("."):
        value = value[key]
    return value


def assert_state(hass: HomeAssistant, entity_id: str, expected: Any) -> None:
    """Check a sensor's state against the simulator's value."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    if expected is None:
        assert state.state == STATE_UNKNOWN, entity_id
    elif isinstance(expected, list):  # a list of alerts: the sensor counts them
        assert int(state.state) == len(expected), entity_id
    elif state.attributes.get(ATTR_DEVICE_CLASS) == SensorDeviceClass.TIMESTAMP:
        assert dt_util.parse_datetime(state.state) == dt_util.parse_datetime(
            expected
        ), entity_id
    elif isinstance(expected, int | float):
        assert float(state.state) == pytest.approx(expected), entity_id
    else:
        assert state.state == expected, entity_id


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("kind", list(EXPECTED))
async def test_every_sensor_follows_the_simulator(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    kind: str,
) -> None:
    """Every sensor of a kind shows what the cloud says, before and after a change."""
    sim = onenata.sim
    device_id, expectations = EXPECTED[kind]
    device = find_device(hass, f"onenata_{device_id}")
    assert device is not None
    sensors = {
        entry.entity_id
        for entry in er.async_entries_for_device(er.async_get(hass), device.id)
        if entry.domain == Platform.SENSOR
    }
    # The table covers every sensor the device has.
    assert sensors == set(expectations)

    for entity_id, (builder, path) in expectations.items():
        assert_state(hass, entity_id, sim_value(sim, device_id, builder, path))

    before = {entity_id: hass.states.get(entity_id) for entity_id in expectations}
    CHANGES[kind](sim)
    await read_everything_again(hass, freezer)
    for entity_id, (builder, path) in expectations.items():
        assert_state(hass, entity_id, sim_value(sim, device_id, builder, path))
    changed = {
        entity_id
        for entity_id, state in before.items()
        if state != hass.states.get(entity_id)
    }
    assert changed  # the second check is not the first one again


async def test_sensor_values_after_changes(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Spot checks of the changed readings, written out by hand."""
    for change in CHANGES.values():
        change(onenata.sim)
    await read_everything_again(hass, freezer)

    states = {
        "sensor.smart_feeder_1_food_level": "15.0",
        "sensor.smart_feeder_1_food_remaining": "300.0",
        "sensor.smart_feeder_1_next_scheduled_feed": STATE_UNKNOWN,
        "sensor.smart_feeder_1_daily_food_consumption": "0.0",
        "sensor.smart_feeder_1_food_days_remaining": STATE_UNKNOWN,
        "sensor.smart_feeder_1_last_refill": "2025-01-15T07:30:00+00:00",
        "sensor.water_fountain_1_water_level": "15.0",
        "sensor.water_fountain_1_filter_life": "8.0",
        "sensor.water_fountain_1_water_quality": "poor",
        "sensor.water_fountain_1_water_temperature": "30.5",
        "sensor.litter_box_1_waste_level": "90.0",
        "sensor.litter_box_1_litter_level": "12.0",
        "sensor.litter_box_1_visits": "63",
        "sensor.smart_toy_1_favourite_play_mode": "training",
        "sensor.smart_toy_1_battery": "12.0",
        "sensor.smart_toy_1_last_play_session": "2025-01-15T09:30:00+00:00",
    }
    for entity_id, expected in states.items():
        assert hass.states.get(entity_id).state == expected, entity_id
    quality = hass.states.get("sensor.water_fountain_1_water_quality")
    assert quality.attributes["recommendations"] == [
        "Replace the filter soon",
        "Refill the water tank",
    ]


async def test_attributes_of_list_sensors(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Periods, recommendations and alerts are attributes."""
    visits = hass.states.get("sensor.litter_box_1_visits")
    assert visits.attributes["period"] == "7d"
    health = hass.states.get("sensor.litter_box_1_overall_health")
    assert health.attributes["recommendations"] == [
        "Maintain current feeding schedule",
        "Consider increasing water intake",
    ]
    alerts = hass.states.get("sensor.litter_box_1_health_alerts")
    assert alerts.state == "0"
    assert alerts.attributes["alerts"] == []
    quality = hass.states.get("sensor.water_fountain_1_water_quality")
    assert quality.attributes["recommendations"] == []


@pytest.mark.parametrize(
    ("entity_id", "name", "device_class", "unit", "state_class"),
    [
        (
            "sensor.smart_feeder_1_battery",
            "Smart Feeder 1 Battery",
            SensorDeviceClass.BATTERY,
            PERCENTAGE,
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.smart_feeder_1_food_level",
            "Smart Feeder 1 Food level",
            None,
            PERCENTAGE,
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.smart_feeder_1_food_remaining",
            "Smart Feeder 1 Food remaining",
            SensorDeviceClass.WEIGHT,
            UnitOfMass.GRAMS,
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.smart_feeder_1_food_days_remaining",
            "Smart Feeder 1 Food days remaining",
            SensorDeviceClass.DURATION,
            UnitOfTime.DAYS,
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.smart_feeder_1_next_scheduled_feed",
            "Smart Feeder 1 Next scheduled feed",
            SensorDeviceClass.TIMESTAMP,
            None,
            None,
        ),
        (
            "sensor.water_fountain_1_water_temperature",
            "Water Fountain 1 Water temperature",
            SensorDeviceClass.TEMPERATURE,
            UnitOfTemperature.CELSIUS,
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.water_fountain_1_ph",
            "Water Fountain 1 pH",
            SensorDeviceClass.PH,
            None,
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.water_fountain_1_total_dissolved_solids",
            "Water Fountain 1 Total dissolved solids",
            None,
            "ppm",
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.water_fountain_1_water_quality",
            "Water Fountain 1 Water quality",
            SensorDeviceClass.ENUM,
            None,
            None,
        ),
        (
            "sensor.gps_tracker_1_last_seen",
            "GPS Tracker 1 Last seen",
            SensorDeviceClass.TIMESTAMP,
            None,
            None,
        ),
        (
            "sensor.litter_box_1_average_visit_duration",
            "Litter Box 1 Average visit duration",
            SensorDeviceClass.DURATION,
            UnitOfTime.SECONDS,
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.litter_box_1_overall_health",
            "Litter Box 1 Overall health",
            SensorDeviceClass.ENUM,
            None,
            None,
        ),
        (
            "sensor.smart_toy_1_total_play_time",
            "Smart Toy 1 Total play time",
            SensorDeviceClass.DURATION,
            UnitOfTime.MINUTES,
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.smart_toy_1_calories_burned",
            "Smart Toy 1 Calories burned",
            None,
            "kcal",
            SensorStateClass.MEASUREMENT,
        ),
        (
            "sensor.smart_toy_1_favourite_play_mode",
            "Smart Toy 1 Favourite play mode",
            SensorDeviceClass.ENUM,
            None,
            None,
        ),
        (
            "sensor.pet_camera_1_last_report",
            "Pet Camera 1 Last report",
            SensorDeviceClass.TIMESTAMP,
            None,
            None,
        ),
    ],
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")  # (Last report)
async def test_sensor_metadata(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_id: str,
    name: str,
    device_class: str | None,
    unit: str | None,
    state_class: str | None,
) -> None:
    """Translated names, device classes, units and state classes."""
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes[ATTR_FRIENDLY_NAME] == name
    assert state.attributes.get(ATTR_DEVICE_CLASS) == device_class
    assert state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) == unit
    assert state.attributes.get(ATTR_STATE_CLASS) == state_class


async def test_enum_options(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Enum sensors list their options (translated in strings.json)."""
    for entity_id, options in (
        ("sensor.water_fountain_1_water_quality", WATER_QUALITY_OPTIONS),
        ("sensor.litter_box_1_overall_health", HEALTH_OPTIONS),
        ("sensor.smart_toy_1_activity_level", ACTIVITY_OPTIONS),
    ):
        assert hass.states.get(entity_id).attributes[ATTR_OPTIONS] == options


async def test_diagnostic_and_disabled_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """Report times are diagnostic and off by default, as is the tracker's altitude."""
    for entity_id in (
        "sensor.smart_feeder_1_last_report",
        "sensor.pet_camera_1_last_report",
    ):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.entity_category is EntityCategory.DIAGNOSTIC
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None
    altitude = entity_registry.async_get("sensor.gps_tracker_1_altitude")
    assert altitude is not None
    assert altitude.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get("sensor.gps_tracker_1_altitude") is None
    assert (
        entity_registry.async_get("sensor.smart_feeder_1_food_level").entity_category
        is None
    )


async def test_no_battery_sensor_without_a_battery(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    onenata: Cloud,
    init_integration: MockConfigEntry,
) -> None:
    """Mains-powered devices (camera, litter box) report no battery: no sensor."""
    assert onenata.sim.devices["camera_001"].battery_level is None
    assert onenata.sim.devices["litterbox_001"].battery_level is None
    for entity_id in ("sensor.pet_camera_1_battery", "sensor.litter_box_1_battery"):
        assert entity_registry.async_get(entity_id) is None
        assert hass.states.get(entity_id) is None
    batteries = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
        if entry.original_device_class == SensorDeviceClass.BATTERY
    }
    assert batteries == {
        "sensor.smart_feeder_1_battery",
        "sensor.water_fountain_1_battery",
        "sensor.gps_tracker_1_battery",
        "sensor.smart_toy_1_battery",
    }


@pytest.mark.parametrize(
    ("vendor_word", "state"),
    [
        ("excellent", "excellent"),
        ("EXCELLENT", "excellent"),
        (" Good ", "good"),
        ("Sparkling", STATE_UNKNOWN),
        ("very-bad", STATE_UNKNOWN),
    ],
)
async def test_unknown_vendor_words_are_unknown(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    vendor_word: str,
    state: str,
) -> None:
    """An enum sensor folds the vendor's word onto its options, or shows unknown."""
    monkeypatch.setattr(onenata_api, "QUALITY_BANDS", ((0, vendor_word),))
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    quality = hass.states.get("sensor.water_fountain_1_water_quality")
    assert quality.state == state
    # The rest of the device is unaffected.
    assert hass.states.get("sensor.water_fountain_1_water_level").state == "75.0"


@pytest.mark.parametrize(
    ("word", "options", "folded"),
    [
        ("Very High", ACTIVITY_OPTIONS, "very_high"),
        ("very-low", ACTIVITY_OPTIONS, "very_low"),
        ("extreme", ACTIVITY_OPTIONS, None),
        ("ATTENTION", HEALTH_OPTIONS, "attention"),
        ("", HEALTH_OPTIONS, None),
        (None, WATER_QUALITY_OPTIONS, None),
    ],
)
def test_enum_folding(word: str | None, options: list[str], folded: str | None) -> None:
    """Case, spaces and dashes are folded; anything else is unknown."""
    assert _enum(word, options) == folded


async def test_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry: MockConfigEntry,
    entity_registry_enabled_by_default: None,
) -> None:
    """The sensor entities, their registry entries and states."""
    config_entry.add_to_hass(hass)
    with patch("custom_components.petsmart_hub.PLATFORMS", [Platform.SENSOR]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)
