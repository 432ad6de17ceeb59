"""Netro actions: the request the cloud receives, validation before any call.

Every action runs through Home Assistant's service registry against the Netro
simulator (one controller "Front Yard Sprite" with zones 1-5 enabled and zone 6
disabled, one soil sensor "Whisperer 1"); the test then reads what the
simulator received and what it did.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime, timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from simulator.core import start_server
from simulator.netro import NetroSimulator

from .conftest import CONTROLLER_KEY, SENSOR_KEY, NetroCloud, netro_entry
from .registry import find_device

pytestmark = pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")

NOW = datetime(2025, 6, 10, 10, 0, tzinfo=UTC)
STRINGS = json.loads(
    (
        Path(__file__).parents[1] / "custom_components" / DOMAIN / "strings.json"
    ).read_text()
)
WATER = "/npa/v1/water.json"
STOP_WATER = "/npa/v1/stop_water.json"
NO_WATER = "/npa/v1/no_water.json"
SET_MOISTURE = "/npa/v1/set_moisture.json"
REPORT_WEATHER = "/npa/v1/report_weather.json"
SCHEDULES = "/npa/v1/schedules.json"
MOISTURES = "/npa/v1/moistures.json"


@pytest.fixture
async def two_controllers(socket_enabled: None) -> AsyncGenerator[NetroCloud]:
    """A Netro cloud with two controllers (two keys)."""
    sim = NetroSimulator(controllers=2, zones=3, sensors=0)
    server = await start_server(sim)
    yield NetroCloud(sim, server)
    await server.close()


def controller(hass: HomeAssistant) -> str:
    """HA device id of the controller."""
    return _device(hass, CONTROLLER_KEY)


def zone(hass: HomeAssistant, ith: int) -> str:
    """HA device id of a zone of the controller."""
    return _device(hass, f"{CONTROLLER_KEY}_zone{ith}")


def soil_sensor(hass: HomeAssistant) -> str:
    """HA device id of the soil sensor."""
    return _device(hass, SENSOR_KEY)


def _device(hass: HomeAssistant, vendor_id: str) -> str:
    device = find_device(hass, f"netro_{vendor_id}")
    assert device is not None, vendor_id
    return device.id


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)
    await hass.async_block_till_done()


def bodies(netro: NetroCloud, route: str) -> list[dict[str, Any]]:
    """JSON bodies of the POSTs the simulator received on `route`."""
    return [r.json for r in netro.sim.requests if r.route == route]


def manual_schedules(netro: NetroCloud) -> list[tuple[int, datetime, datetime]]:
    """(zone, start, end) of the simulator's MANUAL schedules, as it sees them."""
    sim = netro.sim
    now = sim.clock.now()
    schedules = sim.controllers[CONTROLLER_KEY].schedules(
        now, now.date() - timedelta(days=1), now.date() + timedelta(days=2), None
    )
    return [(s.zone, s.start, s.end) for s in schedules if s.source == "MANUAL"]


# --- water ------------------------------------------------------------------------


async def test_water_zone(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A zone waters at once for the given minutes; its switch shows it."""
    await call(hass, "water", {"device_id": [zone(hass, 2)], "duration": 5})

    assert bodies(netro, WATER) == [
        {"key": CONTROLLER_KEY, "duration": 5, "zones": [2]}
    ]
    assert manual_schedules(netro) == [(2, NOW, NOW + timedelta(minutes=5))]
    assert netro.sim.zone_watering(CONTROLLER_KEY)[2] is True
    assert hass.states.get("switch.back_lawn_watering").state == "on"
    assert hass.states.get("binary_sensor.front_yard_sprite_watering").state == "on"
    # the answer carried the new schedule: no schedules call was needed
    assert netro.sim.count(route=SCHEDULES) == 1


async def test_water_controller_waters_every_enabled_zone(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Targeting the controller sends no zones: every enabled zone in turn."""
    await call(hass, "water", {"device_id": [controller(hass)], "duration": 3})

    assert bodies(netro, WATER) == [{"key": CONTROLLER_KEY, "duration": 3}]
    assert [zone for zone, _, _ in manual_schedules(netro)] == [1, 2, 3, 4, 5]
    assert hass.states.get("switch.front_lawn_watering").state == "on"
    assert hass.states.get("switch.back_lawn_watering").state == "off"
    next_watering = hass.states.get("sensor.back_lawn_next_watering").state
    assert next_watering == (NOW + timedelta(minutes=3)).isoformat()


async def test_water_several_zones_of_one_controller_is_one_call(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Zones of one controller go in one water call and run one after another.

    Two calls would both start now, and the second would cut the first short.
    """
    await call(
        hass,
        "water",
        {"device_id": [zone(hass, 1), zone(hass, 3)], "duration": 4},
    )

    assert bodies(netro, WATER) == [
        {"key": CONTROLLER_KEY, "duration": 4, "zones": [1, 3]}
    ]
    four = timedelta(minutes=4)
    assert manual_schedules(netro) == [
        (1, NOW, NOW + four),
        (3, NOW + four, NOW + 2 * four),
    ]
    assert hass.states.get("switch.front_lawn_watering").state == "on"
    assert hass.states.get("sensor.flower_beds_next_watering").state == (
        (NOW + four).isoformat()
    )


async def test_zones_of_two_controllers_make_one_call_each(
    hass: HomeAssistant, two_controllers: NetroCloud
) -> None:
    """Each controller (its own key and entry) gets one call for its zones."""
    sim = two_controllers.sim
    keys = list(sim.controllers)
    for key in keys:
        entry = netro_entry(two_controllers, key)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    first, second = keys
    targets = [
        _device(hass, f"{first}_zone1"),
        _device(hass, f"{second}_zone2"),
        _device(hass, f"{first}_zone2"),
    ]

    await call(hass, "water", {"device_id": targets, "duration": 3})
    assert bodies(two_controllers, WATER) == [
        {"key": first, "duration": 3, "zones": [1, 2]},
        {"key": second, "duration": 3, "zones": [2]},
    ]

    await call(hass, "stop_watering", {"device_id": targets})
    assert bodies(two_controllers, STOP_WATER) == [{"key": first}, {"key": second}]
    assert not any(sim.zone_watering(first).values())
    assert not any(sim.zone_watering(second).values())


async def test_water_zones_and_their_controller_waters_all_once(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """The controller among the targets means every zone: one call, no zones."""
    await call(
        hass,
        "water",
        {"device_id": [zone(hass, 4), controller(hass)], "duration": 2},
    )

    assert bodies(netro, WATER) == [{"key": CONTROLLER_KEY, "duration": 2}]
    assert len(manual_schedules(netro)) == 5


async def test_water_after_delay(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A delay starts the watering that many minutes later."""
    await call(
        hass, "water", {"device_id": [zone(hass, 1)], "duration": 6, "delay": 15}
    )

    assert bodies(netro, WATER) == [
        {"key": CONTROLLER_KEY, "duration": 6, "zones": [1], "delay": 15}
    ]
    start = NOW + timedelta(minutes=15)
    assert manual_schedules(netro) == [(1, start, start + timedelta(minutes=6))]
    assert hass.states.get("switch.front_lawn_watering").state == "off"
    assert hass.states.get("sensor.front_lawn_next_watering").state == (
        start.isoformat()
    )


async def test_delayed_watering_shows_at_its_start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """The next refresh is planned for the new watering's start, not later."""
    await call(hass, "water", {"device_id": [zone(hass, 1)], "duration": 5, "delay": 1})
    assert hass.states.get("switch.front_lawn_watering").state == "off"
    end = NOW + timedelta(minutes=1, seconds=10)
    while (now := dt_util.utcnow()) < end:
        freezer.tick(min(timedelta(seconds=10), end - now))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    assert netro.sim.zone_watering(CONTROLLER_KEY)[1] is True
    assert hass.states.get("switch.front_lawn_watering").state == "on"


async def test_water_at_start_time_sends_utc(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A local start time (US/Pacific in tests) goes to Netro in UTC, doc format."""
    await call(
        hass,
        "water",
        {
            "device_id": [zone(hass, 5)],
            "duration": 10,
            "start_time": "2025-06-10 14:30:00",
        },
    )

    assert bodies(netro, WATER) == [
        {
            "key": CONTROLLER_KEY,
            "duration": 10,
            "zones": [5],
            "start_time": "2025-06-10 21:30",
        }
    ]
    start = datetime(2025, 6, 10, 21, 30, tzinfo=UTC)
    assert manual_schedules(netro) == [(5, start, start + timedelta(minutes=10))]


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"delay": 5, "start_time": "2025-06-10 14:30:00"}, "delay_and_start_time"),
        ({"start_time": "2025-06-10 02:59:00"}, "start_time_in_past"),
        ({"start_time": "2025-06-10 03:00:00"}, "start_time_in_past"),
    ],
)
async def test_water_timing_errors(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    extra: dict[str, Any],
    key: str,
) -> None:
    """Delay and start time together, or a start time not in the future."""
    before = len(netro.sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "water", {"device_id": [zone(hass, 1)], "duration": 5, **extra}
        )
    assert err.value.translation_key == key
    assert key in STRINGS["exceptions"]
    assert len(netro.sim.requests) == before


# --- stop, no water, moisture -------------------------------------------------------


async def test_stop_watering_several_zones_is_one_call(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """stop_water stops the whole controller, so three zones make one call."""
    await call(hass, "water", {"device_id": [controller(hass)], "duration": 5})
    assert hass.states.get("switch.front_lawn_watering").state == "on"

    await call(
        hass,
        "stop_watering",
        {"device_id": [zone(hass, 1), zone(hass, 2), controller(hass)]},
    )

    assert bodies(netro, STOP_WATER) == [{"key": CONTROLLER_KEY}]
    assert not any(netro.sim.zone_watering(CONTROLLER_KEY).values())
    assert manual_schedules(netro) == [(1, NOW, NOW)]  # cut short, the rest dropped
    assert hass.states.get("switch.front_lawn_watering").state == "off"
    assert hass.states.get("binary_sensor.front_yard_sprite_watering").state == "off"
    # what stop_water changed was read back at once
    assert netro.sim.count(route=SCHEDULES) == 2


async def test_no_water(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """no_water skips today and the following days; the schedules are re-read."""
    assert hass.states.get("sensor.front_lawn_next_watering").state == (
        "2025-06-10T12:00:00+00:00"
    )
    await call(hass, "no_water", {"device_id": [controller(hass)], "days": 3})

    assert bodies(netro, NO_WATER) == [{"key": CONTROLLER_KEY, "days": 3}]
    assert netro.sim.count(route=SCHEDULES) == 2
    assert hass.states.get("sensor.front_lawn_next_watering").state == (
        "2025-06-13T12:00:00+00:00"
    )


async def test_set_moisture_zone(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """set_moisture overrides a zone's moisture, read back at once."""
    await call(hass, "set_moisture", {"device_id": [zone(hass, 2)], "moisture": 40})

    assert bodies(netro, SET_MOISTURE) == [
        {"key": CONTROLLER_KEY, "moisture": 40, "zones": [2]}
    ]
    assert netro.sim.count(route=MOISTURES) == 2
    assert hass.states.get("sensor.back_lawn_moisture").state == "40.0"
    assert hass.states.get("sensor.front_lawn_moisture").state != "40.0"


async def test_set_moisture_several_zones_is_one_call(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Zones of one controller share one set_moisture call."""
    await call(
        hass,
        "set_moisture",
        {"device_id": [zone(hass, 3), zone(hass, 1)], "moisture": 100},
    )

    assert bodies(netro, SET_MOISTURE) == [
        {"key": CONTROLLER_KEY, "moisture": 100, "zones": [3, 1]}
    ]
    assert hass.states.get("sensor.front_lawn_moisture").state == "100.0"
    assert hass.states.get("sensor.flower_beds_moisture").state == "100.0"
    assert hass.states.get("sensor.back_lawn_moisture").state != "100.0"


async def test_set_moisture_controller_sets_every_zone(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Targeting the controller sends no zones: Netro sets them all."""
    await call(hass, "set_moisture", {"device_id": [controller(hass)], "moisture": 0})

    assert bodies(netro, SET_MOISTURE) == [{"key": CONTROLLER_KEY, "moisture": 0}]
    for name in ("front_lawn", "back_lawn", "flower_beds", "vegetable_garden"):
        assert hass.states.get(f"sensor.{name}_moisture").state == "0.0"


# --- report weather ---------------------------------------------------------------


async def test_report_weather_every_field(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Our field names become the doc's (rain_prob, temp, t_min, t_max, t_dew)."""
    await call(
        hass,
        "report_weather",
        {
            "device_id": [controller(hass)],
            "date": "2025-06-10",
            "condition": "rain",
            "rain": 4.5,
            "rain_probability": 80,
            "temperature": 18.5,
            "temperature_min": 12,
            "temperature_max": 24,
            "dew_point": 9.5,
            "wind_speed": 3.2,
            "humidity": 65,
            "pressure": 1013,
        },
    )

    assert bodies(netro, REPORT_WEATHER) == [
        {
            "key": CONTROLLER_KEY,
            "date": "2025-06-10",
            "condition": 2,
            "rain": 4.5,
            "rain_prob": 80.0,
            "temp": 18.5,
            "t_min": 12.0,
            "t_max": 24.0,
            "t_dew": 9.5,
            "wind_speed": 3.2,
            "humidity": 65.0,
            "pressure": 1013.0,
        }
    ]
    report = netro.sim.weather_reports[-1]
    assert report.serial == CONTROLLER_KEY
    assert report.date == date(2025, 6, 10)
    assert report.values["condition"] == 2
    assert report.values["rain_prob"] == 80
    # 4.5 mm of rain makes Netro skip today's SMART waterings: read back at once
    assert netro.sim.count(route=SCHEDULES) == 2
    assert hass.states.get("sensor.front_lawn_next_watering").state == (
        "2025-06-11T12:00:00+00:00"
    )
    # a TIMER zone waters from its program whatever the weather
    assert hass.states.get("sensor.vegetable_garden_next_watering").state == (
        "2025-06-10T12:13:00+00:00"
    )


@pytest.mark.parametrize(
    ("condition", "number"),
    [("clear", 0), ("cloudy", 1), ("rain", 2), ("snow", 3), ("wind", 4)],
)
async def test_report_weather_condition_numbers(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    condition: str,
    number: int,
) -> None:
    """Each condition name is sent as the doc's number; yesterday is accepted."""
    await call(
        hass,
        "report_weather",
        {"device_id": [controller(hass)], "date": "2025-06-09", "condition": condition},
    )

    assert bodies(netro, REPORT_WEATHER) == [
        {"key": CONTROLLER_KEY, "date": "2025-06-09", "condition": number}
    ]
    assert netro.sim.weather_reports[-1].values == {"condition": number}


# --- validation before any request -------------------------------------------------

OUT_OF_RANGE = [
    ("water", {"duration": 0}, "out_of_range"),
    ("water", {"duration": 721}, "out_of_range"),
    ("water", {"duration": 5, "delay": -1}, "out_of_range"),
    ("water", {"duration": 5, "delay": 1441}, "out_of_range"),
    ("no_water", {"days": 0}, "out_of_range"),
    ("no_water", {"days": 101}, "out_of_range"),
    ("set_moisture", {"moisture": -1}, "out_of_range"),
    ("set_moisture", {"moisture": 101}, "out_of_range"),
    ("report_weather", {"date": "2025-06-08"}, "date_too_early"),
    ("report_weather", {"date": "2025-06-10", "condition": "hail"}, "invalid_choice"),
    ("report_weather", {"date": "2025-06-10", "rain": -0.1}, "out_of_range"),
    ("report_weather", {"date": "2025-06-10", "rain": 1000.1}, "out_of_range"),
    (
        "report_weather",
        {"date": "2025-06-10", "rain_probability": 101},
        "out_of_range",
    ),
    ("report_weather", {"date": "2025-06-10", "temperature": 60.5}, "out_of_range"),
    (
        "report_weather",
        {"date": "2025-06-10", "temperature_min": -61},
        "out_of_range",
    ),
    ("report_weather", {"date": "2025-06-10", "temperature_max": 61}, "out_of_range"),
    ("report_weather", {"date": "2025-06-10", "dew_point": -60.5}, "out_of_range"),
    ("report_weather", {"date": "2025-06-10", "wind_speed": -1}, "out_of_range"),
    ("report_weather", {"date": "2025-06-10", "wind_speed": 100.5}, "out_of_range"),
    ("report_weather", {"date": "2025-06-10", "humidity": -1}, "out_of_range"),
    ("report_weather", {"date": "2025-06-10", "humidity": 101}, "out_of_range"),
    ("report_weather", {"date": "2025-06-10", "pressure": 799}, "out_of_range"),
    ("report_weather", {"date": "2025-06-10", "pressure": 1201}, "out_of_range"),
    (
        "report_weather",
        {"date": "2025-06-10", "temperature_min": 20, "temperature_max": 10},
        "min_above_max",
    ),
]


@pytest.mark.parametrize(
    ("service", "data", "key"),
    OUT_OF_RANGE,
    ids=[
        f"{s}-{'-'.join(f'{k}={v}' for k, v in d.items())}" for s, d, _ in OUT_OF_RANGE
    ],
)
async def test_invalid_input_is_refused_before_any_request(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    key: str,
) -> None:
    """Every documented range is checked first, with a translated error."""
    before = len(netro.sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, {"device_id": [controller(hass)], **data})
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    template = STRINGS["exceptions"][key]["message"]
    assert template.format(**err.value.translation_placeholders)
    assert len(netro.sim.requests) == before


@pytest.mark.parametrize(
    ("service", "data", "value"),
    [
        ("no_water", {"days": 1}, 1),
        ("no_water", {"days": 100}, 100),
        ("set_moisture", {"moisture": 0}, 0),
        ("set_moisture", {"moisture": 100}, 100),
    ],
)
async def test_range_bounds_are_accepted(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    value: int,
) -> None:
    """The documented bounds themselves are valid."""
    await call(hass, service, {"device_id": [controller(hass)], **data})
    route = NO_WATER if service == "no_water" else SET_MOISTURE
    assert bodies(netro, route)[-1] == {"key": CONTROLLER_KEY, **data}


# --- wrong targets, cloud refusals --------------------------------------------------


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("water", {"duration": 5}),
        ("stop_watering", {}),
        ("no_water", {"days": 1}),
        ("set_moisture", {"moisture": 50}),
        ("report_weather", {"date": "2025-06-10"}),
    ],
)
async def test_soil_sensor_is_the_wrong_kind(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_sensor: MockConfigEntry,
    service: str,
    data: dict[str, Any],
) -> None:
    """A soil sensor does not water."""
    before = len(netro.sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, {"device_id": [soil_sensor(hass)], **data})
    assert err.value.translation_key == "wrong_device_kind"
    assert err.value.translation_placeholders == {
        "device": "Whisperer 1",
        "kind": "soil_sensor",
    }
    assert len(netro.sim.requests) == before


@pytest.mark.parametrize(
    ("service", "data"),
    [("no_water", {"days": 1}), ("report_weather", {"date": "2025-06-10"})],
)
async def test_controller_only_actions_refuse_a_zone(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    service: str,
    data: dict[str, Any],
) -> None:
    """no_water and report_weather act on a controller, not on one zone."""
    before = len(netro.sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, {"device_id": [zone(hass, 1)], **data})
    assert err.value.translation_key == "wrong_device_kind"
    assert len(netro.sim.requests) == before


async def test_water_on_a_feeder_is_the_wrong_kind(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    init_integration: MockConfigEntry,
) -> None:
    """A OneNata feeder next to the controller cannot water; nothing is sent."""
    feeder = find_device(hass, "onenata_feeding_machine_001")
    assert feeder is not None
    before = len(netro.sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "water", {"device_id": [zone(hass, 1), feeder.id], "duration": 5}
        )
    assert err.value.translation_key == "wrong_device_kind"
    assert err.value.translation_placeholders["kind"] == "feeder"
    assert len(netro.sim.requests) == before


async def test_code_6_is_a_validation_error(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A zone disabled in the Netro app since the last poll: code 6 from water."""
    netro.sim.controllers[CONTROLLER_KEY].zones[1].enabled = False
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "water", {"device_id": [zone(hass, 1)], "duration": 5})
    assert err.value.translation_key == "invalid_parameter"
    assert err.value.translation_placeholders["action"] == "water"
    assert "code 6" in err.value.translation_placeholders["error"]
    assert len(bodies(netro, WATER)) == 1
    assert manual_schedules(netro) == []


async def test_cloud_failure_is_an_action_error(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Netro's internal error (code 5) fails the action, not as bad input."""
    netro.sim.add_fault("body_code", route=STOP_WATER, times=1)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "stop_watering", {"device_id": [controller(hass)]})
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "action_failed"
    assert err.value.translation_placeholders["device"] == "Front Yard Sprite"
    assert len(bodies(netro, STOP_WATER)) == 1
