"""Tests of the binary sensor platform against the simulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    EntityCategory,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from simulator.onenata import OneNataSimulator
from simulator.onenata.devices import SimDevice, food_percentage, waste_level

from .conftest import Cloud

pytestmark = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")

FAST = timedelta(seconds=60)
SLOW = timedelta(minutes=15)

type Tick = Callable[[timedelta], Awaitable[None]]


@pytest.fixture
def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    """Move frozen time on and let the polls that fell due run."""

    async def _tick(delta: timedelta) -> None:
        freezer.tick(delta)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    return _tick


def on_off(value: bool) -> str:
    """A boolean as a binary sensor state."""
    return STATE_ON if value else STATE_OFF


def running(device: SimDevice, activity: str, sim: OneNataSimulator) -> bool:
    """Whether the simulated device is in the middle of ``activity``."""
    return device.active(activity, sim.clock.now()) is not None


#: entity id -> how the simulator decides it
EXPECTED: dict[str, Callable[[OneNataSimulator], bool]] = {
    "binary_sensor.smart_feeder_1_connectivity": lambda sim: sim.devices[
        "feeding_machine_001"
    ].online,
    "binary_sensor.smart_feeder_1_food_low": lambda sim: (
        food_percentage(sim.devices["feeding_machine_001"]) < 20
    ),
    "binary_sensor.smart_feeder_1_refill_recommended": lambda sim: (
        food_percentage(sim.devices["feeding_machine_001"]) < 20
    ),
    # Home Assistant never sent a schedule here: no meal of it can be missed
    "binary_sensor.smart_feeder_1_missed_meal": lambda sim: False,
    # ... and the cloud counts meals Home Assistant does not know
    "binary_sensor.smart_feeder_1_schedule_mismatch": lambda sim: bool(
        sim.devices["feeding_machine_001"].schedule
    ),
    "binary_sensor.water_fountain_1_connectivity": lambda sim: sim.devices[
        "water_fountain_001"
    ].online,
    "binary_sensor.water_fountain_1_pump": lambda sim: running(
        sim.devices["water_fountain_001"], "pump", sim
    ),
    "binary_sensor.water_fountain_1_cleaning": lambda sim: running(
        sim.devices["water_fountain_001"], "clean", sim
    ),
    "binary_sensor.gps_tracker_1_connectivity": lambda sim: sim.devices[
        "gps_tracker_001"
    ].online,
    "binary_sensor.pet_camera_1_connectivity": lambda sim: sim.devices[
        "camera_001"
    ].online,
    "binary_sensor.pet_camera_1_recording": lambda sim: running(
        sim.devices["camera_001"], "record", sim
    ),
    "binary_sensor.litter_box_1_connectivity": lambda sim: sim.devices[
        "litterbox_001"
    ].online,
    "binary_sensor.litter_box_1_cleaning": lambda sim: running(
        sim.devices["litterbox_001"], "clean", sim
    ),
    "binary_sensor.litter_box_1_maintenance_needed": lambda sim: (
        waste_level(sim.devices["litterbox_001"], sim.clock.now()) >= 80
        or sim.devices["litterbox_001"].litter_level <= 20
    ),
    "binary_sensor.smart_toy_1_connectivity": lambda sim: sim.devices[
        "smart_toy_001"
    ].online,
    "binary_sensor.smart_toy_1_playing": lambda sim: running(
        sim.devices["smart_toy_001"], "play", sim
    ),
}


def assert_matches_simulator(hass: HomeAssistant, sim: OneNataSimulator) -> None:
    """Every binary sensor shows what the simulator's state implies."""
    for entity_id, truth in EXPECTED.items():
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        assert state.state == on_off(truth(sim)), entity_id


async def test_every_binary_sensor(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    onenata: Cloud,
    init_integration: MockConfigEntry,
) -> None:
    """The table covers every binary sensor, and each matches the simulator."""
    binary_sensors = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
        if entry.domain == Platform.BINARY_SENSOR
    }
    assert binary_sensors == set(EXPECTED)
    assert_matches_simulator(hass, onenata.sim)
    # At start every device is online and idle, with plenty of food and litter.
    on = {
        entity_id for entity_id in EXPECTED if hass.states.is_state(entity_id, STATE_ON)
    }
    assert on == {
        entity_id
        for entity_id in EXPECTED
        if "connectivity" in entity_id or "schedule_mismatch" in entity_id
    }


async def test_running_cycles_turn_on_and_off(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Pump, cleaning, recording and play sessions show while they run."""
    sim = onenata.sim
    now = sim.clock.now()
    sim.devices["water_fountain_001"].start("pump", "cmd_1", now, 300)
    sim.devices["water_fountain_001"].start("clean", "clean_1", now, 120)
    sim.devices["camera_001"].start("record", "rec_1", now, 200)
    sim.devices["litterbox_001"].start("clean", "clean_2", now, 180)
    sim.devices["smart_toy_001"].start("play", "play_1", now, 240, mode="training")

    await tick(FAST)
    assert_matches_simulator(hass, sim)
    for entity_id in (
        "binary_sensor.water_fountain_1_pump",
        "binary_sensor.water_fountain_1_cleaning",
        "binary_sensor.pet_camera_1_recording",
        "binary_sensor.litter_box_1_cleaning",
        "binary_sensor.smart_toy_1_playing",
    ):
        assert hass.states.get(entity_id).state == STATE_ON, entity_id

    # The fountain's cleaning (2 min) is over before its pump (5 min).
    await tick(FAST * 2)
    assert_matches_simulator(hass, sim)
    assert hass.states.get("binary_sensor.water_fountain_1_cleaning").state == STATE_OFF
    assert hass.states.get("binary_sensor.water_fountain_1_pump").state == STATE_ON

    await tick(FAST * 3)
    assert_matches_simulator(hass, sim)
    assert not [
        entity_id
        for entity_id in EXPECTED
        if "connectivity" not in entity_id
        and "schedule_mismatch" not in entity_id
        and hass.states.is_state(entity_id, STATE_ON)
    ]


async def test_food_low_and_maintenance_needed(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Problems reported by the slow tier turn on after its next run."""
    sim = onenata.sim
    sim.devices["feeding_machine_001"].food_grams = 250
    sim.devices["litterbox_001"].last_cleaned = sim.clock.now() - timedelta(hours=85)

    # The fast tier does not carry these readings.
    await tick(FAST)
    assert hass.states.get("binary_sensor.smart_feeder_1_food_low").state == STATE_OFF
    assert (
        hass.states.get("binary_sensor.litter_box_1_maintenance_needed").state
        == STATE_OFF
    )

    # Each device's slow tier falls due at its own point of the slow interval,
    # one to two intervals after setup; a litter box reads its usage
    # statistics (which tell maintenance) and its health insights in turn.
    await tick(2 * SLOW)
    assert hass.states.get("binary_sensor.smart_feeder_1_food_low").state == STATE_ON
    await tick(SLOW)
    assert_matches_simulator(hass, sim)
    assert hass.states.get("binary_sensor.smart_feeder_1_food_low").state == STATE_ON
    assert (
        hass.states.get("binary_sensor.smart_feeder_1_refill_recommended").state
        == STATE_ON
    )
    assert (
        hass.states.get("binary_sensor.litter_box_1_maintenance_needed").state
        == STATE_ON
    )


async def test_connectivity_follows_the_cloud(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Connectivity reports offline (staying available); the rest goes unavailable."""
    sim = onenata.sim
    sim.set_online("water_fountain_001", False)
    await tick(FAST)

    connectivity = hass.states.get("binary_sensor.water_fountain_1_connectivity")
    assert connectivity.state == STATE_OFF
    for entity_id in (
        "binary_sensor.water_fountain_1_pump",
        "binary_sensor.water_fountain_1_cleaning",
    ):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    assert (
        hass.states.get("binary_sensor.smart_feeder_1_connectivity").state == STATE_ON
    )

    sim.set_online("water_fountain_001", True)
    await tick(FAST)
    assert_matches_simulator(hass, sim)


@pytest.mark.parametrize(
    ("entity_id", "name", "device_class"),
    [
        (
            "binary_sensor.smart_feeder_1_connectivity",
            "Smart Feeder 1 Connectivity",
            BinarySensorDeviceClass.CONNECTIVITY,
        ),
        (
            "binary_sensor.smart_feeder_1_food_low",
            "Smart Feeder 1 Food low",
            BinarySensorDeviceClass.PROBLEM,
        ),
        (
            "binary_sensor.smart_feeder_1_refill_recommended",
            "Smart Feeder 1 Refill recommended",
            None,
        ),
        (
            "binary_sensor.water_fountain_1_pump",
            "Water Fountain 1 Pump",
            BinarySensorDeviceClass.RUNNING,
        ),
        (
            "binary_sensor.water_fountain_1_cleaning",
            "Water Fountain 1 Cleaning",
            BinarySensorDeviceClass.RUNNING,
        ),
        (
            "binary_sensor.litter_box_1_cleaning",
            "Litter Box 1 Cleaning",
            BinarySensorDeviceClass.RUNNING,
        ),
        (
            "binary_sensor.litter_box_1_maintenance_needed",
            "Litter Box 1 Maintenance needed",
            BinarySensorDeviceClass.PROBLEM,
        ),
        (
            "binary_sensor.pet_camera_1_recording",
            "Pet Camera 1 Recording",
            BinarySensorDeviceClass.RUNNING,
        ),
        (
            "binary_sensor.smart_toy_1_playing",
            "Smart Toy 1 Playing",
            BinarySensorDeviceClass.RUNNING,
        ),
    ],
)
async def test_binary_sensor_metadata(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_id: str,
    name: str,
    device_class: str | None,
) -> None:
    """Translated names and device classes."""
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes[ATTR_FRIENDLY_NAME] == name
    assert state.attributes.get(ATTR_DEVICE_CLASS) == device_class


async def test_connectivity_is_diagnostic(
    entity_registry: er.EntityRegistry, init_integration: MockConfigEntry
) -> None:
    """Connectivity is a diagnostic entity; the problems are not."""
    for entity_id, category in (
        ("binary_sensor.smart_toy_1_connectivity", EntityCategory.DIAGNOSTIC),
        ("binary_sensor.smart_feeder_1_food_low", None),
    ):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.entity_category == category


async def test_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry: MockConfigEntry,
) -> None:
    """The binary sensor entities, their registry entries and states."""
    config_entry.add_to_hass(hass)
    with patch("custom_components.petsmart_hub.PLATFORMS", [Platform.BINARY_SENSOR]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)
