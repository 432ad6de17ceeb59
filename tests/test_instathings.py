"""An Instathings project through Home Assistant, against the simulator.

Every device of the default world (a gateway with Zigbee devices, a Shelly
plug spoken to over HTTP, a pet fountain whose keys nobody knows, a virtual
device) and the entities its data makes; keys that come and go; switches
and the light with the bodies the devices get; the status requests (202,
then polled); the raw ``send_command`` action; the token; throttling and
broken answers; what the socket brings (a gateway leaving and coming back,
devices pairing and unpairing, data); and a gateway on premise.

Time is frozen: polls come when the test lets time pass. The account's
back-off between status polls lets frozen time pass as it waits (see
``timed_status``), so a status answer comes after the very delays the
account waits. Push itself (a dropped socket, reconnecting) is tested in
``test_instathings_push.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import timedelta
import json
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub import compat
from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.push import OPT_PUSH, PushState
from custom_components.petsmart_hub.vendors.instathings import (
    STATUS_BACKOFF,
    account as account_module,
    socket as socket_module,
)
from homeassistant.components.light import (
    ATTR_BRIGHTNESS,
    ATTR_COLOR_TEMP_KELVIN,
    ATTR_XY_COLOR,
    DOMAIN as LIGHT_DOMAIN,
)
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_FRIENDLY_NAME,
    ATTR_UNIT_OF_MEASUREMENT,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.core import FaultKind
from simulator.instathings import (
    CLIMATE as CLIMATE_KIND,
    DATA_ROUTE,
    DEVICE_ROUTE,
    DEVICES_ROUTE,
    FETCH_ROUTE,
    SET_ROUTE,
    STATUS_ROUTE,
    TOKEN_ROUTE,
)

from .conftest import Cloud
from .flow import STRINGS
from .instathings_fixtures import (  # noqa: F401 - fixtures
    CLIMATE,
    ENTRY_ID,
    FOUNTAIN,
    GATEWAY,
    LAMP,
    PLUG,
    PROJECT,
    SHELLY,
    SOIL,
    VIRTUAL,
    InstathingsCloud,
    fixture_instathings,
    fixture_instathings_entry,
    fixture_instathings_on_premise,
    fixture_instathings_options,
    instathings_entry as make_entry,
)

pytestmark = pytest.mark.freeze_time("2026-03-10 10:00:00+00:00")

CLIMATE_TEMPERATURE = "sensor.terrarium_climate_temperature"
CLIMATE_HUMIDITY = "sensor.terrarium_climate_humidity"
CLIMATE_BATTERY = "sensor.terrarium_climate_battery"
CLIMATE_CONNECTIVITY = "binary_sensor.terrarium_climate_connectivity"
SOIL_MOISTURE = "sensor.garden_soil_moisture"
PLUG_SWITCH = "switch.aquarium_plug"
PLUG_POWER = "sensor.aquarium_plug_power"
PLUG_ENERGY = "sensor.aquarium_plug_energy"
SHELLY_SWITCH = "switch.heater_plug"
LAMP_LIGHT = "light.hue_lamp"
FOUNTAIN_MODE = "sensor.pet_fountain_mode"
FOUNTAIN_CYCLES = "sensor.pet_fountain_cycles"
FOUNTAIN_FILTER = "binary_sensor.pet_fountain_filter_ok"
VIRTUAL_VALUE = "sensor.virtual_sensor_value"
GATEWAY_CONNECTIVITY = "binary_sensor.gateway_connectivity"
GATEWAY_REASON = "sensor.gateway_disconnect_reason"
#: Each device's Last report sensor (disabled by default; the gateway tells
#: no report time).
LAST_REPORTS = {
    CLIMATE: "sensor.terrarium_climate_last_report",
    SOIL: "sensor.garden_soil_last_report",
    LAMP: "sensor.hue_lamp_last_report",
    PLUG: "sensor.aquarium_plug_last_report",
    SHELLY: "sensor.heater_plug_last_report",
    FOUNTAIN: "sensor.pet_fountain_last_report",
    VIRTUAL: "sensor.virtual_sensor_last_report",
}
#: How long the push safety net waits between polls.
SAFETY_NET = timedelta(minutes=15)
#: The polling interval without push.
POLL = timedelta(seconds=60)

#: The account polls (no socket): what a test checks comes by polls only.
POLLING = pytest.mark.parametrize("instathings_options", [{OPT_PUSH: False}])


class _TimedAsyncio:
    """``asyncio`` as the account sees it: a back-off sleep lets frozen time pass."""

    def __init__(self, freezer: FrozenDateTimeFactory) -> None:
        self._freezer = freezer

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        self._freezer.tick(timedelta(seconds=delay))
        await asyncio.sleep(0)
        return result


@pytest.fixture(autouse=True)
def timed_status(
    freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Status polls wait their back-off in frozen time; no websocket heartbeat.

    The heartbeat's pings would be judged by frozen time too: a poll that
    jumps minutes would find a pong missing. Push health is not tested here.
    """
    monkeypatch.setattr(account_module, "asyncio", _TimedAsyncio(freezer))
    monkeypatch.setattr(socket_module, "SOCKET_HEARTBEAT", None)


@pytest.fixture(autouse=True)
async def unload_before_the_cloud_goes(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> AsyncGenerator[None]:
    """Unload every account while its simulator still runs (a quiet teardown)."""
    yield
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


# --- helpers -----------------------------------------------------------------------


def real_clock() -> float:
    """Seconds of real time (freezegun leaves this clock alone)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def until(
    hass: HomeAssistant, condition: Callable[[], Any], within: float = 5.0
) -> None:
    """Let the event loop run until ``condition`` holds (what a socket brings).

    Time is frozen, so no timed sleep would ever end: the loop is spun
    (``sleep(0)`` still lets sockets be read) against a real clock.
    """
    deadline = real_clock() + within
    while not condition():
        assert real_clock() < deadline, "timed out waiting"
        await asyncio.sleep(0)
    await hass.async_block_till_done()


async def let_pass(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let ``delta`` of frozen time pass; run what fell due (the poll) to its end.

    A scheduled poll runs as a background task, which ``async_block_till_done``
    does not wait for (nor may it wait for all of them: the push socket's
    runner never ends).
    """
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    polls = [
        task
        for task in asyncio.all_tasks()
        if task.get_name().endswith(" - refresh") and not task.done()
    ]
    if polls:
        await asyncio.wait(polls)
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return dict(found.attributes)


def number(value: float) -> str:
    """A reading as Home Assistant's state shows it."""
    return str(float(value))


def ha_device(hass: HomeAssistant, device_id: str) -> dr.DeviceEntry | None:
    """The account's device in the device registry (by its vendor id)."""
    return compat.async_get_entry_device(
        dr.async_get(hass), ENTRY_ID, (DOMAIN, f"{ENTRY_ID}_{device_id}")
    )


def entity_ids(hass: HomeAssistant, device_id: str) -> set[str]:
    device = ha_device(hass, device_id)
    assert device is not None
    return {
        entity.entity_id
        for entity in er.async_entries_for_device(er.async_get(hass), device.id)
    }


def registered_devices(hass: HomeAssistant) -> set[str]:
    """The vendor ids of the account's devices in the device registry."""
    return {
        identifier.removeprefix(f"{ENTRY_ID}_")
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), ENTRY_ID)
        for _, identifier in device.identifiers
    }


def registered_entities(hass: HomeAssistant) -> set[str]:
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)
    }


def unavailable(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """The entry's enabled entities with no state, or an unavailable one.

    (A disabled entity, such as the Last report sensor by default, has no state.)
    """
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.disabled_by is None
        and (
            (found := hass.states.get(entity.entity_id)) is None
            or found.state == STATE_UNAVAILABLE
        )
    }


def enable_last_report(
    hass: HomeAssistant, entry: MockConfigEntry, entity_ids: dict[str, str]
) -> None:
    """Enable Last report sensors (disabled by default) before the entry is set up.

    ``entity_ids``: vendor device id -> the sensor's entity id. Their registry
    entries are made enabled, as a user who enabled them leaves them.
    """
    registry = er.async_get(hass)
    for device_id, entity_id in entity_ids.items():
        registry.async_get_or_create(
            "sensor",
            DOMAIN,
            f"{ENTRY_ID}_{device_id}_last_report",
            suggested_object_id=entity_id.removeprefix("sensor."),
            config_entry=entry,
        )


def requests(cloud: InstathingsCloud, route: str, device_id: str | None = None) -> int:
    return cloud.sim.count(route=route, device_id=device_id)


async def push_ready(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The account's socket is open (push is healthy)."""
    push = entry.runtime_data.push
    await until(hass, lambda: push.state is PushState.HEALTHY)


def silently(cloud: InstathingsCloud, device_id: str, **values: Any) -> None:
    """The device sends data the socket does not tell (a poll finds it)."""
    device = cloud.sim.device(device_id)
    device.state.update(values)
    cloud.sim.world.record(device, values, cloud.sim.clock.now())


# --- the default world ----------------------------------------------------------------


async def test_every_device_and_its_entities(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """Devices linked to their gateway, named and typed; readings with units."""
    sim = instathings.sim
    assert instathings_entry.state is ConfigEntryState.LOADED
    devices = {
        identifier.removeprefix(f"{ENTRY_ID}_"): device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), instathings_entry.entry_id
        )
        for _, identifier in device.identifiers
    }
    assert set(devices) == set(sim.devices)
    gateway = devices[GATEWAY]
    assert (gateway.name, gateway.manufacturer, gateway.model) == (
        "Gateway",
        "Instathings",
        "Gate",
    )
    assert gateway.sw_version == "1.7.1"
    assert gateway.via_device_id is None
    expected = {
        CLIMATE: ("Terrarium climate", "Xiaomi", "WSDCGQ11LM"),
        SOIL: ("Garden soil", "TuYa", "TS0601_soil"),
        LAMP: ("Hue lamp", "Philips", "9290012573A"),
        PLUG: ("Aquarium plug", "Innr", "SP 120"),
        SHELLY: ("Heater plug", "Shelly", "SHPLG-S"),
        FOUNTAIN: ("Pet fountain", "Acme", "PF-1"),
    }
    for device_id, shown in expected.items():
        device = devices[device_id]
        assert (device.name, device.manufacturer, device.model) == shown
        assert device.via_device_id == gateway.id, device_id
    # a virtual device of no type, on no gateway
    virtual = devices[VIRTUAL]
    assert (virtual.name, virtual.manufacturer, virtual.model) == (
        "Virtual sensor",
        "Instathings",
        None,
    )
    assert virtual.via_device_id is None

    # readings, as the devices last reported them, with their units
    climate = sim.device(CLIMATE).state
    assert state(hass, CLIMATE_TEMPERATURE) == number(climate["temperature"])
    assert attributes(hass, CLIMATE_TEMPERATURE)[ATTR_UNIT_OF_MEASUREMENT] == "°C"
    assert attributes(hass, CLIMATE_TEMPERATURE)[ATTR_DEVICE_CLASS] == "temperature"
    assert state(hass, CLIMATE_HUMIDITY) == number(climate["humidity"])
    assert state(hass, CLIMATE_BATTERY) == number(climate["battery"])
    assert state(hass, "sensor.terrarium_climate_link_quality") == number(
        climate["linkquality"]
    )
    soil = sim.device(SOIL).state
    assert state(hass, SOIL_MOISTURE) == number(soil["soil_moisture"])
    assert attributes(hass, SOIL_MOISTURE)[ATTR_DEVICE_CLASS] == "moisture"
    assert state(hass, "sensor.garden_soil_temperature") == number(soil["temperature"])
    plug = sim.device(PLUG).state
    for entity_id, key, unit in (
        (PLUG_POWER, "power", "W"),
        (PLUG_ENERGY, "energy", "kWh"),
        ("sensor.aquarium_plug_voltage", "voltage", "V"),
        ("sensor.aquarium_plug_current", "current", "A"),
    ):
        assert float(state(hass, entity_id)) == pytest.approx(plug[key], abs=1e-3), (
            entity_id
        )
        assert attributes(hass, entity_id)[ATTR_UNIT_OF_MEASUREMENT] == unit
    assert attributes(hass, PLUG_ENERGY)[ATTR_STATE_CLASS] == (
        SensorStateClass.TOTAL_INCREASING
    )
    assert state(hass, PLUG_SWITCH) == STATE_ON
    # the Shelly: its /status read over HTTP (relay, meter in watt-minutes)
    shelly = sim.device(SHELLY).state
    assert state(hass, SHELLY_SWITCH) == STATE_OFF
    assert float(state(hass, "sensor.heater_plug_energy")) == pytest.approx(
        shelly["meters"][0]["total"] / 60_000, abs=1e-3
    )
    assert state(hass, "sensor.heater_plug_temperature") == number(
        shelly["temperature"]
    )
    assert state(hass, "sensor.heater_plug_wifi_sta_ssid") == "PetHome"
    assert state(hass, "binary_sensor.heater_plug_wifi_sta_connected") == STATE_ON
    # the lamp: xy colour and a colour temperature
    lamp = attributes(hass, LAMP_LIGHT)
    assert state(hass, LAMP_LIGHT) == STATE_ON
    assert lamp[ATTR_BRIGHTNESS] == 255
    assert lamp[ATTR_XY_COLOR] == pytest.approx((0.3068, 0.4143), abs=1e-3)
    assert set(lamp["supported_color_modes"]) == {"xy", "color_temp"}
    assert lamp["color_mode"] == "xy"
    # keys nobody knows: a number, a word, a flag (each named by its key)
    fountain = sim.device(FOUNTAIN).state
    assert state(hass, FOUNTAIN_CYCLES) == number(fountain["cycles"])
    assert attributes(hass, FOUNTAIN_CYCLES) == {
        ATTR_STATE_CLASS: SensorStateClass.MEASUREMENT,
        ATTR_FRIENDLY_NAME: "Pet fountain cycles",
    }
    assert state(hass, FOUNTAIN_MODE) == "eco"
    assert attributes(hass, FOUNTAIN_MODE) == {ATTR_FRIENDLY_NAME: "Pet fountain mode"}
    assert state(hass, FOUNTAIN_FILTER) == STATE_ON
    assert attributes(hass, FOUNTAIN_FILTER)[ATTR_FRIENDLY_NAME] == (
        "Pet fountain filter_ok"
    )
    assert state(hass, VIRTUAL_VALUE) == number(sim.device(VIRTUAL).state["value"])
    assert "sensor.virtual_sensor_isvirtualdata" not in entity_ids(hass, VIRTUAL)
    # the gateway: connected, no reason to show
    assert state(hass, GATEWAY_CONNECTIVITY) == STATE_ON
    assert state(hass, GATEWAY_REASON) == STATE_UNKNOWN
    assert state(hass, CLIMATE_CONNECTIVITY) == STATE_ON
    # every entity has a value; the virtual device, whose link nobody tells,
    # has no connectivity sensor at all
    assert "binary_sensor.virtual_sensor_connectivity" not in entity_ids(hass, VIRTUAL)
    entries = er.async_entries_for_config_entry(
        er.async_get(hass), instathings_entry.entry_id
    )
    unknown = {
        entity.entity_id
        for entity in entries
        if entity.disabled_by is None
        and state(hass, entity.entity_id) in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    }
    assert unknown == {GATEWAY_REASON}
    # only the Last report sensors are disabled (by default: a row a minute
    # in the recorder), one of every device but the gateway
    disabled = {
        entity.entity_id: entity.disabled_by
        for entity in entries
        if entity.disabled_by is not None
    }
    assert disabled == dict.fromkeys(
        LAST_REPORTS.values(), er.RegistryEntryDisabler.INTEGRATION
    )
    assert set(LAST_REPORTS) == set(sim.devices) - {GATEWAY}
    # the token was fetched once and went with every request (the socket's
    # in its query)
    assert requests(instathings, TOKEN_ROUTE) == 1
    (token,) = sim.auth.issued
    assert {
        request.headers.get("Authorization")
        for request in sim.requests
        if request.route not in (TOKEN_ROUTE, "/")
    } == {f"Bearer {token}"}
    (socket,) = [request for request in sim.requests if request.route == "/"]
    assert socket.query == {"project": PROJECT, "access_token": token}


async def test_readings_with_units(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> None:
    """{value, unit} readings; °F and Wh are converted to the sensors' units."""
    sim = instathings.sim
    sim.set_shapes(values="units")
    entry = make_entry(instathings)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, CLIMATE_TEMPERATURE) == number(
        sim.device(CLIMATE).state["temperature"]
    )
    assert float(state(hass, PLUG_ENERGY)) == pytest.approx(
        sim.device(PLUG).state["energy"], abs=1e-3
    )
    assert state(hass, CLIMATE_BATTERY) == number(sim.device(CLIMATE).state["battery"])

    await push_ready(hass, entry)
    sim.report(CLIMATE, temperature={"value": 77.0, "unit": "°F"})
    sim.report(PLUG, energy={"value": 4500, "unit": "Wh"})
    await until(hass, lambda: state(hass, PLUG_ENERGY) == "4.5")
    assert state(hass, CLIMATE_TEMPERATURE) == "25.0"
    assert attributes(hass, CLIMATE_TEMPERATURE)[ATTR_UNIT_OF_MEASUREMENT] == "°C"
    assert attributes(hass, PLUG_ENERGY)[ATTR_UNIT_OF_MEASUREMENT] == "kWh"


# --- keys that come and go (polled: push off) -------------------------------------------


@POLLING
async def test_a_key_that_goes_and_comes_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """Its sensor is unavailable (kept) while the data lacks it; a new key appears."""
    sim = instathings.sim
    coordinator = instathings_entry.runtime_data
    assert instathings_entry.runtime_data.push.state is PushState.OFF
    assert coordinator.update_interval == POLL
    registered = registered_entities(hass)
    # the fountain stops sending its mode: no record holds it any more
    fountain = sim.device(FOUNTAIN)
    del fountain.state["mode"]
    for record in fountain.records:
        record.data.pop("mode", None)
    await let_pass(hass, freezer, POLL)
    assert state(hass, FOUNTAIN_MODE) == STATE_UNAVAILABLE
    assert state(hass, FOUNTAIN_CYCLES) == number(fountain.state["cycles"])
    assert er.async_get(hass).async_get(FOUNTAIN_MODE) is not None

    # it comes back; and a key never seen before appears, without a reload
    silently(instathings, FOUNTAIN, mode="turbo", flow_rate=1.25, uv_lamp=False)
    await let_pass(hass, freezer, POLL)
    assert state(hass, FOUNTAIN_MODE) == "turbo"
    assert state(hass, "sensor.pet_fountain_flow_rate") == "1.25"
    assert state(hass, "binary_sensor.pet_fountain_uv_lamp") == STATE_OFF
    assert instathings_entry.state is ConfigEntryState.LOADED
    assert registered_entities(hass) - registered == {
        "sensor.pet_fountain_flow_rate",
        "binary_sensor.pet_fountain_uv_lamp",
    }

    # a value of the other kind: the sensor stays, its value is unknown
    silently(instathings, FOUNTAIN, cycles="many")
    await let_pass(hass, freezer, POLL)
    assert state(hass, FOUNTAIN_CYCLES) == STATE_UNKNOWN


# --- switches and the light ----------------------------------------------------------------


async def test_the_zigbee_plug_switches(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """``{"state": "OFF"|"ON"}`` to /control/:id/set; its status is read after."""
    sim = instathings.sim
    for service, body, shown in (
        (SERVICE_TURN_OFF, {"state": "OFF"}, STATE_OFF),
        (SERVICE_TURN_ON, {"state": "ON"}, STATE_ON),
    ):
        statuses = requests(instathings, STATUS_ROUTE, PLUG)
        await hass.services.async_call(
            SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: PLUG_SWITCH}, blocking=True
        )
        await hass.async_block_till_done()
        control = sim.controls[-1]
        assert (control.device_id, control.body) == (PLUG, body)
        assert (control.path, control.method, control.query) == (None, None, {})
        assert control.applied
        assert state(hass, PLUG_SWITCH) == shown
        assert requests(instathings, STATUS_ROUTE, PLUG) == statuses + 1
    assert state(hass, PLUG_POWER) == "12.4"


async def test_the_shelly_plug_switches_over_http(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """The relay's path and method in headers, ``?turn=on|off`` as the query."""
    sim = instathings.sim
    for service, turn, shown in (
        (SERVICE_TURN_ON, "on", STATE_ON),
        (SERVICE_TURN_OFF, "off", STATE_OFF),
    ):
        await hass.services.async_call(
            SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: SHELLY_SWITCH}, blocking=True
        )
        await hass.async_block_till_done()
        control = sim.controls[-1]
        assert control.device_id == SHELLY
        assert (control.path, control.method, control.query) == (
            "/relay/0",
            "GET",
            {"turn": turn},
        )
        request = next(r for r in reversed(sim.requests) if r.route == SET_ROUTE)
        assert request.headers["instathings-path"] == "/relay/0"
        assert request.headers["instathings-method"] == "GET"
        assert request.query == {"turn": turn}
        assert sim.device(SHELLY).state["relays"][0]["ison"] is (turn == "on")
        assert state(hass, SHELLY_SWITCH) == shown
    # its status was asked over HTTP too: GET /status
    status = next(r for r in reversed(sim.requests) if r.route == STATUS_ROUTE)
    assert status.device_id == SHELLY
    assert status.headers["instathings-path"] == "/status"
    assert status.headers["instathings-method"] == "GET"


async def test_the_lamp(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """Brightness (0-254), xy colour, colour temperature in mireds, off."""
    sim = instathings.sim

    async def light(service: str, **data: Any) -> dict[str, Any]:
        await hass.services.async_call(
            LIGHT_DOMAIN,
            service,
            {ATTR_ENTITY_ID: LAMP_LIGHT, **data},
            blocking=True,
        )
        await hass.async_block_till_done()
        control = sim.controls[-1]
        assert control.device_id == LAMP
        return control.body

    assert await light(SERVICE_TURN_ON, **{ATTR_BRIGHTNESS: 128}) == {
        "state": "ON",
        "brightness": 128,
    }
    assert sim.device(LAMP).state["brightness"] == 128
    assert attributes(hass, LAMP_LIGHT)[ATTR_BRIGHTNESS] == 129  # 128 of 254
    assert await light(SERVICE_TURN_ON, **{ATTR_BRIGHTNESS: 255}) == {
        "state": "ON",
        "brightness": 254,
    }
    assert attributes(hass, LAMP_LIGHT)[ATTR_BRIGHTNESS] == 255
    assert await light(SERVICE_TURN_ON, **{ATTR_XY_COLOR: (0.2, 0.3)}) == {
        "state": "ON",
        "color": {"x": 0.2, "y": 0.3},
    }
    lamp = attributes(hass, LAMP_LIGHT)
    assert lamp[ATTR_XY_COLOR] == pytest.approx((0.2, 0.3))
    assert lamp["color_mode"] == "xy"
    assert await light(SERVICE_TURN_ON, **{ATTR_COLOR_TEMP_KELVIN: 4000}) == {
        "state": "ON",
        "color_temp": 250,
    }
    assert sim.device(LAMP).state["color_temp"] == 250
    # the lamp says nothing of its mode: shown in the colour it reports (xy),
    # until it says it is in colour temperature mode (as Zigbee2MQTT does)
    await push_ready(hass, instathings_entry)
    sim.device(LAMP).state["color_mode"] = "color_temp"
    sim.report(LAMP)
    await until(
        hass, lambda: attributes(hass, LAMP_LIGHT)["color_mode"] == "color_temp"
    )
    assert attributes(hass, LAMP_LIGHT)[ATTR_COLOR_TEMP_KELVIN] == 4000
    assert await light(SERVICE_TURN_OFF) == {"state": "OFF"}
    assert state(hass, LAMP_LIGHT) == STATE_OFF
    assert sim.device(LAMP).state["state"] == "OFF"
    assert await light(SERVICE_TURN_ON) == {"state": "ON"}
    assert state(hass, LAMP_LIGHT) == STATE_ON


# --- status requests: 202, then polled -------------------------------------------------------


@POLLING
async def test_a_status_answered_late_updates_the_state(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """The lamp answers after a while: polled until it does; its answer is shown."""
    sim = instathings.sim
    # turned off at the wall switch: no data record says so, only its status
    sim.device(LAMP).state["state"] = "OFF"
    sim.set_answer_delay(LAMP, 1.2)
    fetches = requests(instathings, FETCH_ROUTE, LAMP)
    await let_pass(hass, freezer, POLL)
    assert state(hass, LAMP_LIGHT) == STATE_OFF
    request = [r for r in sim.status_requests.values() if r.device_id == LAMP][-1]
    assert request.answered is not None
    assert request.answered - request.created >= timedelta(seconds=1.2)
    assert request.response["state"] == "OFF"
    # fetched while it had not answered (202), then once it had
    assert requests(instathings, FETCH_ROUTE, LAMP) - fetches >= 2
    assert unavailable(hass, instathings_entry) == set()


@POLLING
async def test_a_device_that_never_answers_keeps_its_state(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """The plug never answers: polled a few times, then its state stays as held."""
    sim = instathings.sim
    sim.set_never_answers(PLUG)
    fetches = requests(instathings, FETCH_ROUTE, PLUG)
    silently(instathings, CLIMATE, temperature=30.5)
    silently(instathings, FOUNTAIN, mode="night")
    await let_pass(hass, freezer, POLL)
    # the back-off's polls, then it gave up
    assert requests(instathings, FETCH_ROUTE, PLUG) - fetches == len(STATUS_BACKOFF)
    pending = [r for r in sim.status_requests.values() if r.device_id == PLUG]
    assert pending[-1].pending
    assert state(hass, PLUG_SWITCH) == STATE_ON
    assert state(hass, PLUG_POWER) == number(sim.device(PLUG).state["power"])
    # the others refreshed as usual
    assert state(hass, CLIMATE_TEMPERATURE) == "30.5"
    assert state(hass, FOUNTAIN_MODE) == "night"
    assert unavailable(hass, instathings_entry) == set()
    assert instathings_entry.runtime_data.last_update_success


# --- send_command -----------------------------------------------------------------------------


async def test_send_command(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """A payload goes as it is (an object or its JSON text); HTTP path and query."""
    sim = instathings.sim
    plug = ha_device(hass, PLUG)
    shelly = ha_device(hass, SHELLY)
    assert plug is not None
    assert shelly is not None

    payload = {"state": "OFF", "power_on_behavior": "previous", "nested": {"a": [1, 2]}}
    await hass.services.async_call(
        DOMAIN,
        "send_command",
        {"device_id": plug.id, "payload": payload},
        blocking=True,
    )
    control = sim.controls[-1]
    assert (control.device_id, control.body) == (PLUG, payload)
    assert (control.path, control.method, control.query) == (None, None, {})
    await hass.async_block_till_done()
    assert state(hass, PLUG_SWITCH) == STATE_OFF

    text = '{"state": "ON", "countdown": 30}'
    await hass.services.async_call(
        DOMAIN,
        "send_command",
        {"device_id": [plug.id], "payload": text},
        blocking=True,
    )
    assert sim.controls[-1].body == json.loads(text)
    await hass.async_block_till_done()
    assert state(hass, PLUG_SWITCH) == STATE_ON

    await hass.services.async_call(
        DOMAIN,
        "send_command",
        {
            "device_id": shelly.id,
            "payload": {},
            "path": "/relay/0",
            "method": "GET",
            "query": {"turn": "on", "timer": 30},
        },
        blocking=True,
    )
    control = sim.controls[-1]
    assert control.device_id == SHELLY
    assert (control.path, control.method, control.query) == (
        "/relay/0",
        "GET",
        {"turn": "on", "timer": "30"},
    )
    assert control.applied
    await hass.async_block_till_done()
    assert state(hass, SHELLY_SWITCH) == STATE_ON


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"payload": "{not json"}, "payload_not_json"),
        ({"payload": "[1, 2]"}, "payload_not_object"),
        ({"payload": '"on"'}, "payload_not_object"),
        ({"payload": {"blob": "x" * 17_000}}, "payload_too_large"),
        ({"payload": {}, "path": "/relay/0"}, "path_and_method"),
        ({"payload": {}, "method": "GET"}, "path_and_method"),
        ({"payload": {}, "path": "relay/0", "method": "GET"}, "invalid_path"),
        ({"payload": {}, "path": "/re lay", "method": "GET"}, "invalid_path"),
        ({"payload": {}, "path": "/relay/0", "method": "FETCH"}, "invalid_choice"),
        ({"payload": {}, "query": {"turn": ["on"]}}, "invalid_query"),
        ({"payload": {}, "query": {"turn": True}}, "invalid_query"),
    ],
)
async def test_send_command_refuses(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    """Each refusal is translated; nothing reaches the cloud."""
    shelly = ha_device(hass, SHELLY)
    assert shelly is not None
    sets = requests(instathings, SET_ROUTE)
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "send_command",
            {"device_id": shelly.id, **data},
            blocking=True,
        )
    assert refused.value.translation_domain == DOMAIN
    assert refused.value.translation_key == key
    assert key in STRINGS["exceptions"]
    assert requests(instathings, SET_ROUTE) == sets


async def test_send_command_is_for_instathings_devices_only(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """A OneNata device can not be sent a raw payload, even beside an Instathings one."""
    other = next(
        iter(
            dr.async_entries_for_config_entry(
                dr.async_get(hass), init_integration.entry_id
            )
        )
    )
    plug = ha_device(hass, PLUG)
    assert plug is not None
    sets = requests(instathings, SET_ROUTE)
    onenata_requests = len(onenata.sim.requests)
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "send_command",
            {"device_id": [plug.id, other.id], "payload": {"state": "OFF"}},
            blocking=True,
        )
    assert refused.value.translation_key == "wrong_device_kind"
    # every target is checked before anything is sent
    assert requests(instathings, SET_ROUTE) == sets
    assert len(onenata.sim.requests) == onenata_requests


# --- the token ---------------------------------------------------------------------------------


@POLLING
async def test_an_expired_token_is_renewed_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """The cloud ends the token early: one 401, one new token, the poll succeeds."""
    sim = instathings.sim
    assert requests(instathings, TOKEN_ROUTE) == 1
    old = sim.auth.grants
    sim.expire_tokens()
    listings = requests(instathings, DEVICES_ROUTE)
    silently(instathings, CLIMATE, temperature=28.0)
    await let_pass(hass, freezer, POLL)
    assert requests(instathings, TOKEN_ROUTE) == 2
    assert sim.auth.grants == old + 1
    # the listing was refused once, then sent again with the new token
    assert requests(instathings, DEVICES_ROUTE) == listings + 2
    assert state(hass, CLIMATE_TEMPERATURE) == "28.0"
    assert unavailable(hass, instathings_entry) == set()
    assert not list(instathings_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    # the new token serves the next poll too
    await let_pass(hass, freezer, POLL)
    assert requests(instathings, TOKEN_ROUTE) == 2


async def test_a_short_lived_token_is_renewed_before_it_ends(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, instathings: InstathingsCloud
) -> None:
    """Tokens of two minutes: renewed ahead of their end, never refused."""
    sim = instathings.sim
    sim.token_ttl = 120
    entry = make_entry(instathings, {OPT_PUSH: False})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert requests(instathings, TOKEN_ROUTE) == 1
    for polls in range(1, 4):
        listings = requests(instathings, DEVICES_ROUTE)
        await let_pass(hass, freezer, POLL)
        # each poll on a token with a minute left takes a new one first
        assert requests(instathings, TOKEN_ROUTE) == 1 + polls
        assert requests(instathings, DEVICES_ROUTE) == listings + 1
    assert unavailable(hass, entry) == set()


@POLLING
async def test_revoked_token_and_changed_secret_ask_to_sign_in_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """The token is revoked and the secret was changed in the console: reauth."""
    sim = instathings.sim
    devices = registered_devices(hass)
    entities = registered_entities(hass)
    tokens = requests(instathings, TOKEN_ROUTE)
    sim.revoke_tokens()
    sim.auth.client_secret = "rotated-in-the-console"
    await let_pass(hass, freezer, POLL)
    (flow,) = instathings_entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    assert flow["context"]["entry_id"] == ENTRY_ID
    assert state(hass, CLIMATE_TEMPERATURE) == STATE_UNAVAILABLE
    # a new token was asked for once (refused), then the account stopped asking
    assert requests(instathings, TOKEN_ROUTE) == tokens + 1
    assert sim.auth.refusals[401] == 1
    # nothing was deleted
    assert registered_devices(hass) == devices
    assert registered_entities(hass) == entities


# --- throttling and broken answers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [(30, timedelta(seconds=31)), (None, timedelta(seconds=61))],
)
async def test_throttled_refresh_backs_off_then_recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
    retry_after: int | None,
    wait: timedelta,
) -> None:
    """429: unavailable, nothing asked until the cloud's (or our) wait is over."""
    sim = instathings.sim
    coordinator = instathings_entry.runtime_data
    await push_ready(hass, instathings_entry)
    sim.add_fault(
        FaultKind.HTTP_429, route=DEVICES_ROUTE, times=1, retry_after=retry_after
    )
    await let_pass(hass, freezer, SAFETY_NET)
    assert not coordinator.last_update_success
    assert state(hass, CLIMATE_TEMPERATURE) == STATE_UNAVAILABLE
    assert coordinator.update_interval == wait
    assert coordinator.account.gate.paused_until is not None
    asked = len(sim.requests)
    await let_pass(hass, freezer, wait - timedelta(seconds=5))
    assert len(sim.requests) == asked
    silently(instathings, CLIMATE, temperature=20.5)
    await let_pass(hass, freezer, timedelta(seconds=5))
    assert coordinator.last_update_success
    assert state(hass, CLIMATE_TEMPERATURE) == "20.5"
    assert unavailable(hass, instathings_entry) == set()
    assert coordinator.update_interval == SAFETY_NET


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": FaultKind.HTTP_500},
        {"kind": FaultKind.HTTP_503, "retry_after": None},
        {"kind": FaultKind.HTTP_503, "retry_after": 120},
    ],
    ids=["500", "503", "503 with Retry-After"],
)
async def test_a_failing_refresh_recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
    fault: dict[str, Any],
) -> None:
    """500 / 503 on the device list: unavailable until the next poll works."""
    sim = instathings.sim
    coordinator = instathings_entry.runtime_data
    await push_ready(hass, instathings_entry)
    devices = set(sim.devices)
    sim.add_fault(route=DEVICES_ROUTE, times=1, **fault)
    await let_pass(hass, freezer, SAFETY_NET)
    assert not coordinator.last_update_success
    assert state(hass, PLUG_SWITCH) == STATE_UNAVAILABLE
    assert coordinator.update_interval == SAFETY_NET
    await let_pass(hass, freezer, SAFETY_NET)
    assert coordinator.last_update_success
    assert unavailable(hass, instathings_entry) == set()
    assert registered_devices(hass) == devices


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": FaultKind.EMPTY_LIST},
        {"kind": FaultKind.DROP_DEVICE, "value": SOIL},
        {"kind": FaultKind.BAD_ENTRIES},
        {"kind": FaultKind.MINIMAL_ENTRIES},
        {"kind": FaultKind.MALFORMED_JSON},
        {"kind": FaultKind.HTML_ERROR},
        {"kind": FaultKind.HTTP_500, "route": DATA_ROUTE, "device_id": SOIL},
    ],
    ids=lambda fault: str(fault["kind"]),
)
async def test_bad_answers_never_delete_a_device(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
    fault: dict[str, Any],
) -> None:
    """Three broken polls in a row: every device and entity stays; all are back after."""
    sim = instathings.sim
    await push_ready(hass, instathings_entry)
    devices = registered_devices(hass)
    entities = registered_entities(hass)
    sim.add_fault(**{"route": DEVICES_ROUTE, **fault})
    for _ in range(3):
        await let_pass(hass, freezer, SAFETY_NET)
        assert registered_devices(hass) >= devices
    assert registered_entities(hass) >= entities
    sim.clear_faults()
    for _ in range(2):
        await let_pass(hass, freezer, SAFETY_NET)
    assert instathings_entry.runtime_data.last_update_success
    assert unavailable(hass, instathings_entry) & entities == set()
    assert state(hass, SOIL_MOISTURE) == number(sim.device(SOIL).state["soil_moisture"])
    # a device only a broken list named is gone again (confirmed twice, probed)
    assert registered_devices(hass) == devices


# --- what the socket brings ------------------------------------------------------------------


async def test_a_gateway_that_leaves_and_comes_back(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> None:
    """Disconnected: its devices are unavailable, the reason is shown; then back."""
    sim = instathings.sim
    sub_devices = (CLIMATE, SOIL, LAMP, PLUG, SHELLY, FOUNTAIN)
    instathings_entry = make_entry(instathings)
    instathings_entry.add_to_hass(hass)
    # (their Last report sensors, disabled by default, enabled by the user)
    enable_last_report(
        hass,
        instathings_entry,
        {device_id: LAST_REPORTS[device_id] for device_id in sub_devices},
    )
    assert await hass.config_entries.async_setup(instathings_entry.entry_id)
    await hass.async_block_till_done()
    await push_ready(hass, instathings_entry)
    asked = len(sim.requests)
    sim.disconnect_gateway(GATEWAY, "MQTT_KEEP_ALIVE_TIMEOUT")
    await until(hass, lambda: state(hass, GATEWAY_CONNECTIVITY) == STATE_OFF)
    assert state(hass, GATEWAY_REASON) == "MQTT_KEEP_ALIVE_TIMEOUT"
    last_reports = set()
    for device_id in sub_devices:
        for entity_id in entity_ids(hass, device_id):
            if entity_id.endswith("_connectivity"):
                assert state(hass, entity_id) == STATE_OFF, entity_id
            elif entity_id.endswith("_last_report"):  # when it was last heard of
                assert state(hass, entity_id) != STATE_UNAVAILABLE, entity_id
                last_reports.add(entity_id)
            else:
                assert state(hass, entity_id) == STATE_UNAVAILABLE, entity_id
    assert last_reports == {LAST_REPORTS[device_id] for device_id in sub_devices}
    # the virtual device is on no gateway
    assert state(hass, VIRTUAL_VALUE) != STATE_UNAVAILABLE
    assert len(sim.requests) == asked

    sim.connect_gateway(GATEWAY)
    await until(hass, lambda: state(hass, GATEWAY_CONNECTIVITY) == STATE_ON)
    assert state(hass, GATEWAY_REASON) == STATE_UNKNOWN
    assert unavailable(hass, instathings_entry) == set()
    assert state(hass, CLIMATE_CONNECTIVITY) == STATE_ON
    assert state(hass, CLIMATE_TEMPERATURE) == number(
        sim.device(CLIMATE).state["temperature"]
    )
    assert len(sim.requests) == asked


async def test_a_new_gate_version_is_the_gateways_firmware(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """``software_version`` updates the device registry at once."""
    await push_ready(hass, instathings_entry)
    instathings.sim.set_software_version(GATEWAY, "instathings/gate:1.8.0")

    def firmware() -> str | None:
        device = ha_device(hass, GATEWAY)
        assert device is not None
        return device.sw_version

    await until(hass, lambda: firmware() == "1.8.0")


async def test_devices_pair_and_unpair(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """A paired device appears (its readings as they come); an unpaired one goes."""
    sim = instathings.sim
    await push_ready(hass, instathings_entry)
    paired = sim.pair(GATEWAY, CLIMATE_KIND, name="Bedroom climate")
    await until(hass, lambda: ha_device(hass, paired.device_id) is not None)
    device = ha_device(hass, paired.device_id)
    assert device is not None
    gateway = ha_device(hass, GATEWAY)
    assert gateway is not None
    assert (device.name, device.manufacturer, device.model) == (
        "Bedroom climate",
        "Xiaomi",
        "WSDCGQ11LM",
    )
    assert device.via_device_id == gateway.id
    assert instathings_entry.state is ConfigEntryState.LOADED
    await until(
        hass, lambda: hass.states.get("binary_sensor.bedroom_climate_connectivity")
    )
    # it has sent nothing yet; its first data makes its sensors
    sim.report(paired.device_id, temperature=21.5, humidity=48.0)
    await until(hass, lambda: hass.states.get("sensor.bedroom_climate_temperature"))
    assert state(hass, "sensor.bedroom_climate_temperature") == "21.5"
    assert state(hass, "sensor.bedroom_climate_humidity") == "48.0"

    soil_entities = entity_ids(hass, SOIL)
    probes = requests(instathings, DEVICE_ROUTE, SOIL)
    sim.unpair(SOIL)
    await until(hass, lambda: ha_device(hass, SOIL) is None)
    # the cloud was asked whether it still knows the device (404)
    assert requests(instathings, DEVICE_ROUTE, SOIL) == probes + 1
    assert all(hass.states.get(entity_id) is None for entity_id in soil_entities)
    assert all(
        er.async_get(hass).async_get(entity_id) is None for entity_id in soil_entities
    )
    assert ha_device(hass, CLIMATE) is not None


async def test_data_arrives_without_a_poll(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """A device's data updates its sensors at once; nothing is asked over REST."""
    sim = instathings.sim
    await push_ready(hass, instathings_entry)
    asked = len(sim.requests)
    sim.report(CLIMATE, temperature=26.75, humidity=61.0)
    await until(hass, lambda: state(hass, CLIMATE_TEMPERATURE) == "26.75")
    assert state(hass, CLIMATE_HUMIDITY) == "61.0"
    sim.report(FOUNTAIN, mode="boost", filter_ok=False)
    await until(hass, lambda: state(hass, FOUNTAIN_MODE) == "boost")
    assert state(hass, FOUNTAIN_FILTER) == STATE_OFF
    # a plug switched by hand tells its state
    sim.report(PLUG, state="OFF", power=0.0)
    await until(hass, lambda: state(hass, PLUG_SWITCH) == STATE_OFF)
    assert state(hass, PLUG_POWER) == "0.0"
    assert len(sim.requests) == asked


# --- on premise -------------------------------------------------------------------------------


class TestOnPremise:
    """A gateway's own server: no token, socket.io."""

    @pytest.fixture(name="instathings_on_premise")
    def fixture_on_premise(self) -> bool:
        return True

    async def test_set_up_without_a_token(
        self,
        hass: HomeAssistant,
        instathings: InstathingsCloud,
        instathings_entry: MockConfigEntry,
    ) -> None:
        """The token endpoint answers 404: no Authorization header; values appear."""
        sim = instathings.sim
        assert instathings_entry.state is ConfigEntryState.LOADED
        assert sim.auth.grants == 0
        assert requests(instathings, TOKEN_ROUTE) == 1
        assert not any("Authorization" in r.headers for r in sim.requests)
        assert state(hass, CLIMATE_TEMPERATURE) == number(
            sim.device(CLIMATE).state["temperature"]
        )
        assert state(hass, FOUNTAIN_MODE) == "eco"
        assert state(hass, PLUG_SWITCH) == STATE_ON
        assert state(hass, SHELLY_SWITCH) == STATE_OFF
        assert state(hass, GATEWAY_CONNECTIVITY) == STATE_ON
        assert unavailable(hass, instathings_entry) == set()
        # the gateway's socket.io brings data too
        await push_ready(hass, instathings_entry)
        sim.report(CLIMATE, temperature=23.25)
        await until(hass, lambda: state(hass, CLIMATE_TEMPERATURE) == "23.25")
        await hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: PLUG_SWITCH},
            blocking=True,
        )
        assert sim.controls[-1].body == {"state": "OFF"}
        assert not any("Authorization" in r.headers for r in sim.requests)


async def test_a_connectivity_sensor_nobody_fed_is_removed(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> None:
    """Earlier versions gave the virtual device (whose link nobody tells) one."""
    entry = make_entry(instathings)
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    stale = registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{ENTRY_ID}_{VIRTUAL}_connectivity",
        config_entry=entry,
        suggested_object_id="virtual_sensor_connectivity",
    )
    # the gateway's, which its cloud feeds, stays
    kept = registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{ENTRY_ID}_{GATEWAY}_connectivity",
        config_entry=entry,
        suggested_object_id="gateway_connectivity",
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(stale.entity_id) is None
    assert registry.async_get(kept.entity_id) is not None
    assert state(hass, kept.entity_id) == STATE_ON
