"""A real Home Assistant, driven over its HTTP and websocket APIs like the UI does.

One scenario, in the order a person meets the integration: add the accounts
(with a mistake first), look at the devices and their values, feed the cat,
press buttons, change an option, live through a cloud outage, delete the
accounts. Home Assistant is a `hass` process of its own (the one in the venv),
with a fresh configuration directory; the simulators run in this test's loop, so
the test sees exactly what Home Assistant sent them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
import time
from typing import Any

import pytest

from e2e.hass import DOMAIN, HassClient, HassProcess, HassWebSocket, LogEntry, wait_for
from e2e.stack import (
    Stack,
    add_netatmo_account,
    add_netro_account,
    expected_version,
    running_stack,
)
from simulator.ninjablocks import DOOR_BELL_CODE, HEAT_LAMP_CODE
from simulator.ninjablocks.world import block_guids
from simulator.onenata.devices import filter_life, food_percentage, waste_level

pytestmark = pytest.mark.timeout(300)

#: Which Home Assistant runs, in the test's id: test_real_home_assistant[2026.11.0]
#: (`scripts/test` sets PETSMART_E2E_HASS and PETSMART_E2E_HA_VERSION).
HOME_ASSISTANT = pytest.mark.parametrize(
    "home_assistant", [expected_version() or "this venv's"]
)

API_KEY = "e2e-key"
FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
TRACKER = "gps_tracker_001"
LITTER_BOX = "litterbox_001"
TOY = "smart_toy_001"
DEVICES = "/v1/devices"
COMMANDS = "/v1/devices/{device_id}/commands"
SCAN_INTERVAL = 60  # how often an account polls (not an option: HA core's rule)

#: One entity of every OneNata device: all of them go when the cloud does.
ONENATA_SAMPLE = (
    "sensor.smart_feeder_1_food_level",
    "sensor.water_fountain_1_water_level",
    "device_tracker.gps_tracker_1",
    "camera.pet_camera_1",
    "sensor.litter_box_1_litter_level",
    "binary_sensor.smart_toy_1_playing",
    "button.smart_feeder_1_feed",
)
NETRO_SAMPLE = (
    "switch.front_yard_sprite_enabled",
    "sensor.front_lawn_moisture",
    "sensor.whisperer_1_moisture",
)


def number(state: dict[str, Any] | None) -> float:
    assert state is not None
    return float(state["state"])


async def states_of(client: HassClient, *entity_ids: str) -> dict[str, str]:
    states = await client.states()
    return {
        entity_id: states[entity_id]["state"] if entity_id in states else "missing"
        for entity_id in entity_ids
    }


async def wait_states(
    client: HassClient, entity_ids: tuple[str, ...], *, unavailable: bool, within: float
) -> None:
    """Wait until every entity is (or none is) unavailable."""

    async def reached() -> bool:
        states = await states_of(client, *entity_ids)
        if unavailable:
            return all(value == "unavailable" for value in states.values())
        return all(value not in ("unavailable", "missing") for value in states.values())

    try:
        await wait_for(reached, within=within, what="the entities' availability")
    except TimeoutError:
        pytest.fail(
            f"expected unavailable={unavailable}: "
            f"{await states_of(client, *entity_ids)}"
        )


# --- the scenario's steps -----------------------------------------------------


async def add_onenata(stack: Stack) -> dict[str, Any]:
    """Menu → OneNata → a wrong key (error) → the right key (entry) → duplicate."""
    client, fleet = stack.client, stack.fleet
    menu = await client.start_flow(DOMAIN)
    assert menu["type"] == "menu"
    assert menu["menu_options"] == [
        "onenata",
        "netro",
        "netatmo",
        "instathings",
        "ninjablocks",
    ]
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "onenata"})
    assert form["type"] == "form"
    assert form["step_id"] == "onenata"
    assert [field["name"] for field in form["data_schema"]] == ["api_key", "advanced"]

    asked = fleet.onenata.count("GET", DEVICES)
    wrong = await client.flow_step(
        form["flow_id"],
        {"api_key": "not-the-key", "advanced": {"base_url": fleet.onenata_url}},
    )
    assert wrong["type"] == "form"
    assert wrong["errors"] == {"base": "invalid_auth"}
    assert fleet.onenata.count("GET", DEVICES) == asked + 1

    created = await client.flow_step(
        form["flow_id"],
        {"api_key": API_KEY, "advanced": {"base_url": fleet.onenata_url}},
    )
    assert created["type"] == "create_entry"
    assert created["title"] == "OneNata"
    entry: dict[str, Any] = created["result"]
    assert entry["state"] == "loaded"

    again = await client.start_flow(DOMAIN)
    again = await client.flow_step(again["flow_id"], {"next_step_id": "onenata"})
    duplicate = await client.flow_step(
        again["flow_id"],
        {"api_key": API_KEY, "advanced": {"base_url": fleet.onenata_url}},
    )
    assert duplicate["type"] == "abort"
    assert duplicate["reason"] == "already_configured"
    return entry


async def add_netro(stack: Stack) -> list[dict[str, Any]]:
    """Menu → Netro → an unknown serial (error) → the controller; then the sensor."""
    client, fleet = stack.client, stack.fleet
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "netro"})
    assert form["step_id"] == "netro"
    wrong = await client.flow_step(
        form["flow_id"],
        {"api_key": "CTRL99999999", "advanced": {"base_url": fleet.netro_url}},
    )
    assert wrong["type"] == "form"
    assert wrong["errors"] == {"base": "invalid_auth"}
    created = await client.flow_step(
        form["flow_id"],
        {"api_key": fleet.netro_controller, "advanced": {"base_url": fleet.netro_url}},
    )
    assert created["type"] == "create_entry"
    controller = fleet.netro.controllers[fleet.netro_controller]
    assert created["title"] == controller.name
    sensor = await add_netro_account(client, fleet.netro_url, fleet.netro_sensor)
    assert sensor["title"] == fleet.netro.sensors[fleet.netro_sensor].name
    return [created["result"], sensor]


async def check_registry(
    stack: Stack, ws: HassWebSocket, labels: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Every simulated device is a device; every device has entities with states.

    Devices are returned by name: ``<label of its entry>_<device id>``, and
    the label alone for a Netro key's own device (identifiers themselves are
    ``<entry id>_<device id>``, and a Netro device id never holds the serial).
    """
    entry_ids = set(labels)
    fleet = stack.fleet
    controller = fleet.netro.controllers[fleet.netro_controller]
    expected = {
        *(f"onenata_{device_id}" for device_id in fleet.onenata.devices),
        f"netro_{controller.serial}",
        *(
            f"netro_{controller.serial}_zone{ith}"
            for ith, zone in controller.zones.items()
            if zone.enabled
        ),
        f"netro_{fleet.netro_sensor}",
    }
    devices: dict[str, dict[str, Any]] = {}
    for device in await ws.devices():
        for domain, identifier in device["identifiers"]:
            if domain != DOMAIN:
                continue
            entry_id, _, device_id = identifier.partition("_")
            assert entry_id in labels, identifier
            for key in (fleet.netro_controller, fleet.netro_sensor):
                assert key not in identifier  # the serial is the key: never in an id
            label = labels[entry_id]
            devices[label if device_id == "device" else f"{label}_{device_id}"] = device
    assert set(devices) == expected

    for device_id, sim_device in fleet.onenata.devices.items():
        device = devices[f"onenata_{device_id}"]
        assert device["name"] == sim_device.name
        assert device["manufacturer"] == "OneNata"
        assert device["model"] == sim_device.model
        assert device["serial_number"] == sim_device.serial
        assert device["sw_version"] == sim_device.firmware
    controller_device = devices[f"netro_{controller.serial}"]
    assert controller_device["name"] == controller.name
    assert controller_device["serial_number"] == controller.serial
    assert controller_device["hw_version"] == controller.version
    assert controller_device["sw_version"] == controller.sw_version
    for ith, zone in controller.zones.items():
        if zone.enabled:
            zone_device = devices[f"netro_{controller.serial}_zone{ith}"]
            assert zone_device["name"] == zone.name
            assert zone_device["via_device_id"] == controller_device["id"]
    assert {
        entry_id for device in devices.values() for entry_id in device["config_entries"]
    } == entry_ids

    entities = [e for e in await ws.entities() if e["platform"] == DOMAIN]
    device_ids = {device["id"] for device in devices.values()}
    assert {entity["device_id"] for entity in entities} == device_ids
    assert {entity["config_entry_id"] for entity in entities} == entry_ids
    states = await stack.client.states()
    for entity in entities:
        if entity["disabled_by"] is None:
            assert entity["entity_id"] in states, entity["entity_id"]
            assert states[entity["entity_id"]]["state"] != "unavailable"
    return devices


async def check_values(stack: Stack, since: datetime) -> None:
    """A sample of every kind shows what the simulated cloud holds.

    `since` is before Home Assistant first read the cloud: values that move with
    the clock (filter life, waste level) may show any step since then.
    """
    client, fleet = stack.client, stack.fleet
    sim, now = fleet.onenata, fleet.onenata.clock.now()
    feeder, fountain = sim.devices[FEEDER], sim.devices[FOUNTAIN]
    tracker, litter, toy = (
        sim.devices[TRACKER],
        sim.devices[LITTER_BOX],
        sim.devices[TOY],
    )
    state = client.state

    assert number(await state("sensor.smart_feeder_1_food_level")) == food_percentage(
        feeder
    )
    assert number(await state("sensor.smart_feeder_1_food_remaining")) == (
        feeder.food_grams
    )
    assert number(await state("sensor.smart_feeder_1_battery")) == feeder.battery_level
    assert number(await state("sensor.water_fountain_1_water_level")) == (
        fountain.water_level
    )
    filter_shown = number(await state("sensor.water_fountain_1_filter_life"))
    assert filter_shown in {filter_life(fountain, since), filter_life(fountain, now)}
    assert (await state("sensor.water_fountain_1_water_quality") or {}).get(
        "state"
    ) in {"excellent", "good", "fair", "poor", "bad"}
    assert (await state("binary_sensor.water_fountain_1_pump") or {})["state"] == "off"
    position = await state("device_tracker.gps_tracker_1")
    assert position is not None
    assert abs(position["attributes"]["latitude"] - tracker.home[0]) < 0.01
    assert abs(position["attributes"]["longitude"] - tracker.home[1]) < 0.01
    assert (await state("camera.pet_camera_1") or {})["state"] == "idle"
    assert number(await state("sensor.litter_box_1_litter_level")) == (
        litter.litter_level
    )
    waste_shown = number(await state("sensor.litter_box_1_waste_level"))
    assert waste_shown in {
        waste_level(litter, now),
        waste_level(litter, sim.clock.now()),
    }
    assert number(await state("sensor.smart_toy_1_battery")) == toy.battery_level
    assert (await state("binary_sensor.smart_toy_1_playing") or {})["state"] == "off"

    netro = fleet.netro
    controller = netro.controllers[fleet.netro_controller]
    assert (await state("sensor.front_yard_sprite_status") or {})["state"] == (
        controller.status.lower()
    )
    assert (await state("switch.front_yard_sprite_enabled") or {})["state"] == "on"
    watering = netro.zone_watering(controller.serial)
    assert (await state("switch.front_lawn_watering") or {})["state"] == (
        "on" if watering[1] else "off"
    )
    assert 0 <= number(await state("sensor.front_lawn_moisture")) <= 100
    assert 0 <= number(await state("sensor.whisperer_1_moisture")) <= 100
    # a real Whisperer's battery: a percent in the rows, a fraction in info.json
    assert 5 <= number(await state("sensor.whisperer_1_battery")) <= 100
    moisture = await state("sensor.front_lawn_moisture") or {}
    assert moisture["attributes"]["measured_on"]  # the estimate's local date
    remaining = number(
        await state("sensor.front_yard_sprite_api_calls_remaining_today")
    )
    assert netro.tokens_remaining(controller.serial) <= remaining < netro.daily_limit


async def check_actions(stack: Stack, devices: dict[str, dict[str, Any]]) -> None:
    """petsmart_hub.feed reaches the feeder; buttons and switches act on the clouds."""
    client, fleet = stack.client, stack.fleet
    sim = fleet.onenata
    feeder = sim.devices[FEEDER]
    grams = feeder.food_grams
    await client.call(
        DOMAIN,
        "feed",
        {
            "device_id": devices[f"onenata_{FEEDER}"]["id"],
            "amount": 200,
            "portion": "large",
        },
    )
    commands = [r for r in sim.requests if r.route == COMMANDS]
    assert [(r.device_id, r.json) for r in commands] == [
        (
            FEEDER,
            {
                "command": "feed",
                "parameters": {
                    "amount": 200,
                    "schedule": "immediate",
                    "portion": "large",
                    "recordFeeding": True,
                },
            },
        )
    ]
    assert feeder.food_grams == grams - 200
    # the feeder was refreshed as part of the action
    assert number(await client.state("sensor.smart_feeder_1_food_remaining")) == (
        grams - 200
    )
    assert number(await client.state("sensor.smart_feeder_1_food_level")) == (
        food_percentage(feeder)
    )

    await client.call(
        "button", "press", {"entity_id": "button.water_fountain_1_start_pump"}
    )
    assert sim.devices[FOUNTAIN].active("pump", sim.clock.now()) is not None
    assert (await client.state("binary_sensor.water_fountain_1_pump") or {})[
        "state"
    ] == "on"

    netro = fleet.netro
    serial = fleet.netro_controller
    await client.call("switch", "turn_on", {"entity_id": "switch.front_lawn_watering"})
    assert netro.zone_watering(serial)[1] is True
    assert (await client.state("switch.front_lawn_watering") or {})["state"] == "on"
    await client.call("switch", "turn_off", {"entity_id": "switch.front_lawn_watering"})
    assert netro.zone_watering(serial)[1] is False
    assert (await client.state("switch.front_lawn_watering") or {})["state"] == "off"


async def check_meals(stack: Stack, devices: dict[str, dict[str, Any]]) -> None:
    """Meals sent from Home Assistant become entities; an edit sends the whole list."""
    client, sim = stack.client, stack.fleet.onenata
    feeder = sim.devices[FEEDER]
    await client.call(
        DOMAIN,
        "set_feeding_schedule",
        {
            "device_id": devices[f"onenata_{FEEDER}"]["id"],
            "timezone": "UTC",
            "schedule": [
                {"time": "07:00", "amount": 30},
                {"time": "19:00", "amount": 45, "enabled": False},
            ],
        },
    )
    meal_1 = await client.state("number.smart_feeder_1_meal_1_amount")
    assert meal_1 is not None
    assert number(meal_1) == 30
    assert (await client.state("switch.smart_feeder_1_meal_2") or {})["state"] == "off"
    sent = sim.count("POST", COMMANDS, device_id=FEEDER)
    # the action returns once the (debounced) schedule went out
    await client.call(
        "time",
        "set_value",
        {"entity_id": "time.smart_feeder_1_meal_1_time", "time": "07:30"},
    )
    assert sim.count("POST", COMMANDS, device_id=FEEDER) == sent + 1
    last = [r for r in sim.requests if r.route == COMMANDS][-1].json
    assert last is not None
    assert last["command"] == "setSchedule"
    assert last["parameters"]["schedule"] == [
        {"time": "07:30", "amount": 30, "enabled": True},
        {"time": "19:00", "amount": 45, "enabled": False},
    ]
    assert [
        (m.time.strftime("%H:%M"), m.amount, m.enabled) for m in feeder.schedule
    ] == [
        ("07:30", 30, True),
        ("19:00", 45, False),
    ]
    assert (await client.state("time.smart_feeder_1_meal_1_time") or {})[
        "state"
    ] == "07:30:00"
    # the Feed amount is Home Assistant's: kept, and what the Feed button sends
    await client.call(
        "number",
        "set_value",
        {"entity_id": "number.smart_feeder_1_feed_amount", "value": 35},
    )
    assert number(await client.state("number.smart_feeder_1_feed_amount")) == 35


async def change_options(stack: Stack, entry_id: str) -> None:
    """The options flow stores a new feed amount and reloads the account."""
    result = await stack.client.options_flow(entry_id, {"feed_amount": 60})
    assert result["type"] == "create_entry"

    async def reloaded() -> bool:
        entries = {e["entry_id"]: e for e in await stack.client.entries()}
        return bool(entries[entry_id]["state"] == "loaded")

    await wait_for(reloaded, within=15, what="the account to reload")
    await wait_states(stack.client, ONENATA_SAMPLE, unavailable=False, within=15)


async def check_outage(stack: Stack) -> None:
    """The cloud goes down: its entities go unavailable, then recover; Netro stays."""
    client, sim = stack.client, stack.fleet.onenata
    sim.add_fault("http_500", method="GET")  # every read: the list is not due
    await client.call(
        "homeassistant", "update_entity", {"entity_id": ONENATA_SAMPLE[0]}
    )
    await wait_states(client, ONENATA_SAMPLE, unavailable=True, within=15)
    await wait_states(client, NETRO_SAMPLE, unavailable=False, within=1)

    sim.clear_faults()
    await client.call(
        "homeassistant", "update_entity", {"entity_id": ONENATA_SAMPLE[0]}
    )
    # A refresh asked for within the coordinator's cooldown runs when it ends.
    await wait_states(client, ONENATA_SAMPLE, unavailable=False, within=20)
    assert number(await client.state("sensor.smart_feeder_1_food_level")) == (
        food_percentage(sim.devices[FEEDER])
    )


async def check_push(stack: Stack, ws: HassWebSocket, entry_id: str) -> None:
    """With a URL the cloud can reach, changes arrive by push, at once.

    HA's external URL is set to its own address on 127.0.0.1; reloaded, the
    OneNata account registers its webhook with the simulator, which then
    calls the real ``/api/webhook/<id>`` whenever a device changes.
    """
    client, sim = stack.client, stack.fleet.onenata
    await ws.command("config/core/update", external_url=stack.hass.url)
    await client.post(f"/api/config/config_entries/entry/{entry_id}/reload")

    async def registered() -> bool:
        return sim.webhook is not None

    await wait_for(registered, within=20, what="the webhook's registration")
    assert sim.webhook is not None
    assert sim.webhook.url.startswith(f"{stack.hass.url}/api/webhook/")
    before = len(sim.requests)

    # no poll comes for 15 minutes now: only push can bring these within seconds
    sim.update_device(FEEDER, battery_level=33)
    sim.notify_changes()

    async def battery_pushed() -> bool:
        state = await client.state("sensor.smart_feeder_1_battery")
        return state is not None and state["state"] in ("33", "33.0")

    await wait_for(battery_pushed, within=5, what="the pushed battery level")
    sim.raise_alert(FEEDER, "food_low", "Food is running low")

    async def alert_fired() -> bool:
        state = await client.state("event.smart_feeder_1_alert")
        return state is not None and state["attributes"].get("type") == "food_low"

    await wait_for(alert_fired, within=5, what="the pushed alert")
    alert = await client.state("event.smart_feeder_1_alert")
    assert alert is not None
    assert alert["attributes"]["message"] == "Food is running low"
    # what the cloud pushed cost no request of ours
    assert [r for r in sim.requests[before:] if r.route != "/v1/webhooks"] == []
    delivered = [d for d in sim.deliveries if d.outcome == "sent"]
    assert delivered
    assert all(d.status == 200 for d in delivered)


async def check_netatmo(stack: Stack, ws: HassWebSocket) -> dict[str, Any]:
    """Netatmo through the real sign-in: cameras, room climate, persons, push.

    The user's app goes into Application credentials; the flow sends the
    browser to the simulator's login page and back through Home Assistant's
    /auth/external/callback. HA's external URL is already set (check_push),
    so the account registers its webhook, and an animal the garden camera
    sees becomes the camera's event at once, signed and verified on the way.
    """
    client, sim = stack.client, stack.fleet.netatmo
    entry = await add_netatmo_account(
        client, client.session, sim, stack.fleet.netatmo_url
    )
    assert entry["title"] == "Netatmo"
    tokens = [g for g in sim.oauth.log if g.grant_type == "authorization_code"]
    assert len(tokens) == 1  # one sign-in, one code traded

    async def shown() -> bool:
        states = await client.states()
        wanted = (
            "camera.pet_cam",
            "sensor.pet_room_temperature",
            "sensor.bedroom_carbon_dioxide",
            "binary_sensor.home_alice",
            "select.home_scenario",
        )
        return all(
            entity_id in states and states[entity_id]["state"] != "unavailable"
            for entity_id in wanted
        )

    await wait_for(shown, within=30, what="Netatmo's entities")
    alice = await client.state("binary_sensor.home_alice")
    bob = await client.state("binary_sensor.home_bob")
    assert alice is not None and alice["state"] == "on"
    assert bob is not None and bob["state"] == "off"
    temperature = await client.state("sensor.pet_room_temperature")
    assert temperature is not None
    assert temperature["attributes"]["unit_of_measurement"] == "°C"
    assert -50 < float(temperature["state"]) < 100
    scenario = await client.state("select.home_scenario")
    assert scenario is not None
    assert "Movie night" in scenario["attributes"]["options"]

    async def registered() -> bool:
        return sim.webhook is not None

    await wait_for(registered, within=20, what="Netatmo's webhook")
    assert sim.webhook is not None
    assert sim.webhook.url.startswith(f"{stack.hass.url}/api/webhook/")
    garden = "70:ee:50:01:02:01"  # the outdoor camera
    sim.raise_event(garden, "animal")
    raised = time.monotonic()

    async def animal() -> bool:
        state = await client.state("event.garden_camera_event")
        return state is not None and state["attributes"].get("event_type") == "animal"

    await wait_for(animal, within=5, interval=0.02, what="the pushed animal")
    # within a second of the push, as the state is read over REST every 20 ms
    assert time.monotonic() - raised < 1.0
    seen = await client.state("sensor.garden_last_animal_seen")
    assert seen is not None and seen["state"] not in ("unknown", "unavailable")
    delivered = [d for d in sim.deliveries if d.outcome == "sent"]
    assert delivered and all(d.status == 200 for d in delivered)
    return entry


async def check_instathings(stack: Stack) -> dict[str, Any]:
    """Instathings: the project URL, client id and secret; live values over its socket.

    Every gateway and sub-device appears with its values; the plug's switch
    sends the documented body; a reading the device sends reaches HA's
    state within a second through the project's websocket, with no poll.
    """
    client, sim = stack.client, stack.fleet.instathings
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "instathings"})
    assert [field["name"] for field in form["data_schema"]] == [
        "base_url",
        "client_id",
        "client_secret",
    ]
    wrong = await client.flow_step(
        form["flow_id"],
        {
            "base_url": stack.fleet.instathings_url,
            "client_id": sim.client_id,
            "client_secret": "not-the-secret",
        },
    )
    assert wrong["type"] == "form"
    assert wrong["errors"] == {"base": "invalid_auth"}
    entry = await client.flow_step(
        wrong["flow_id"],
        {
            "base_url": stack.fleet.instathings_url,
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
        },
    )
    assert entry["type"] == "create_entry", entry
    assert entry["title"] == "Instathings"
    entry = entry["result"]

    wanted = (
        "binary_sensor.gateway_connectivity",
        "sensor.terrarium_climate_temperature",
        "sensor.garden_soil_moisture",
        "sensor.aquarium_plug_power",
        "sensor.pet_fountain_mode",
        "switch.aquarium_plug",
        "switch.heater_plug",
        "light.hue_lamp",
    )

    async def shown() -> bool:
        states = await client.states()
        return all(
            entity_id in states and states[entity_id]["state"] != "unavailable"
            for entity_id in wanted
        )

    await wait_for(shown, within=30, what="Instathings' entities")
    moisture = await client.state("sensor.garden_soil_moisture")
    assert moisture is not None
    assert moisture["attributes"]["unit_of_measurement"] == "%"
    assert 0 <= float(moisture["state"]) <= 100

    await client.call("switch", "turn_off", {"entity_id": "switch.aquarium_plug"})
    assert sim.controls[-1].body == {"state": "OFF"}
    plug = await client.state("switch.aquarium_plug")
    assert plug is not None and plug["state"] == "off"

    async def socket_open() -> bool:
        return bool(sim.open_sockets)

    await wait_for(socket_open, within=20, what="Instathings' socket")
    before = len(sim.requests)
    sim.report("VAvVrKLY", temperature=28.75)  # the terrarium's sensor
    sent = time.monotonic()

    async def pushed() -> bool:
        state = await client.state("sensor.terrarium_climate_temperature")
        return state is not None and state["state"] == "28.75"

    await wait_for(pushed, within=5, interval=0.02, what="the pushed temperature")
    assert time.monotonic() - sent < 1.0
    assert len(sim.requests) == before  # no poll brought it
    return entry


async def check_ninjablocks(stack: Stack) -> dict[str, Any]:
    """Ninja Blocks: the access token; sensors live through callbacks; LED, relay, RF.

    The block's devices appear with their values; the LED takes a colour,
    the relay switches and the RF plug's button sends its stored code; a
    reading the block reports reaches HA's state within a second through
    the device's callback, with no poll, and a door bell's RF code fires
    its event.
    """
    client, sim = stack.client, stack.fleet.ninjablocks
    url = stack.fleet.ninjablocks_url
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "ninjablocks"})
    assert [field["name"] for field in form["data_schema"]] == [
        "access_token",
        "advanced",
    ]
    wrong = await client.flow_step(
        form["flow_id"],
        {"access_token": "not-the-token", "advanced": {"base_url": url}},
    )
    assert wrong["type"] == "form"
    assert wrong["errors"] == {"base": "invalid_auth"}
    created = await client.flow_step(
        wrong["flow_id"], {"access_token": sim.token, "advanced": {"base_url": url}}
    )
    assert created["type"] == "create_entry", created
    assert created["title"] == "Ninja Blocks"
    entry: dict[str, Any] = created["result"]
    assert sim.token not in str(entry)

    wanted = (
        "sensor.temperature_temperature",
        "sensor.humidity_humidity",
        "sensor.distance_sensor_distance",
        "binary_sensor.pir_motion_sensor_motion",
        "binary_sensor.door_contact_opening",
        "light.on_board_rgb_led",
        "switch.relay_board",
        "button.heat_lamp_on",
        "event.door_bell",
        "camera.web_cam",
    )

    async def shown() -> bool:
        states = await client.states()
        return all(
            entity_id in states and states[entity_id]["state"] != "unavailable"
            for entity_id in wanted
        )

    await wait_for(shown, within=30, what="Ninja Blocks' entities")
    temperature = await client.state("sensor.temperature_temperature")
    assert temperature is not None
    assert temperature["state"] == "26.6"
    assert temperature["attributes"]["unit_of_measurement"] == "°C"

    await client.call(
        "light",
        "turn_on",
        {
            "entity_id": "light.on_board_rgb_led",
            "rgb_color": [255, 0, 128],
            "brightness": 255,
        },
    )
    assert sim.commands[-1].body == {"DA": "FF0080"}
    led = await client.state("light.on_board_rgb_led")
    assert led is not None and led["state"] == "on"
    assert led["attributes"]["rgb_color"] == [255, 0, 128]
    await client.call("switch", "turn_on", {"entity_id": "switch.relay_board"})
    assert sim.commands[-1].body == {"DA": "1"}
    relay = await client.state("switch.relay_board")
    assert relay is not None and relay["state"] == "on"
    await client.call("button", "press", {"entity_id": "button.heat_lamp_on"})
    assert sim.transmitted[-1].code == HEAT_LAMP_CODE

    temperature_guid = block_guids()["temperature"]

    async def registered() -> bool:
        return sim.callback_url(temperature_guid) is not None

    await wait_for(registered, within=20, what="Ninja Blocks' callbacks")
    before = sim.total_requests
    sim.report(temperature_guid, 27.25)
    sent = time.monotonic()

    async def pushed() -> bool:
        state = await client.state("sensor.temperature_temperature")
        return state is not None and state["state"] == "27.25"

    await wait_for(pushed, within=5, interval=0.02, what="the pushed temperature")
    assert time.monotonic() - sent < 1.0
    assert sim.total_requests == before  # no poll brought it

    bell = await client.state("event.door_bell")
    assert bell is not None
    sim.report(block_guids()["rf433"], DOOR_BELL_CODE)

    async def rang() -> bool:
        state = await client.state("event.door_bell")
        return state is not None and state["state"] != bell["state"]

    await wait_for(rang, within=5, interval=0.05, what="the door bell's event")
    rung = await client.state("event.door_bell")
    assert rung is not None
    assert rung["attributes"]["event_type"] == "received"
    return entry


async def remove_everything(
    stack: Stack, ws: HassWebSocket, entry_ids: set[str], entity_ids: set[str]
) -> None:
    """Deleting the accounts leaves no entity, device, state or polling behind."""
    client, fleet = stack.client, stack.fleet
    for entry_id in entry_ids:
        assert await client.remove_entry(entry_id) == {"require_restart": False}
    assert await client.entries() == []
    assert [e for e in await ws.entities() if e["platform"] == DOMAIN] == []
    assert [
        d
        for d in await ws.devices()
        if any(domain == DOMAIN for domain, _ in d["identifiers"])
    ] == []
    assert entity_ids.isdisjoint(await client.states())

    # unloading dropped Netatmo's webhook, closed Instathings' socket and
    # deleted every Ninja Blocks callback
    assert fleet.netatmo.webhook is None
    assert not fleet.instathings.open_sockets
    assert not fleet.ninjablocks.callbacks.urls
    onenata_before = len(fleet.onenata.requests)
    netro_before = len(fleet.netro.requests)
    netatmo_before = len(fleet.netatmo.requests)
    instathings_before = len(fleet.instathings.requests)
    ninjablocks_before = len(fleet.ninjablocks.requests)

    async def polled() -> bool:
        return (
            len(fleet.onenata.requests) > onenata_before
            or len(fleet.netro.requests) > netro_before
            or len(fleet.netatmo.requests) > netatmo_before
            or len(fleet.instathings.requests) > instathings_before
            or len(fleet.ninjablocks.requests) > ninjablocks_before
        )

    # Until a polling interval (and 5 s) after the last request: any poll
    # still scheduled would have asked the clouds by then.
    last = max(
        r.received
        for r in fleet.onenata.requests
        + fleet.netro.requests
        + fleet.netatmo.requests
        + fleet.instathings.requests
        + fleet.ninjablocks.requests
    )
    quiet_until = last + SCAN_INTERVAL + 5
    with pytest.raises(TimeoutError):
        await wait_for(
            polled,
            within=max(1.0, quiet_until - time.monotonic()),
            interval=1,
            what="a poll",
        )


def check_log(hass: HassProcess) -> None:
    """Nothing from the integration above INFO but the outage; no blocking calls."""
    entries = hass.log()
    assert entries, "Home Assistant wrote no log"

    def ours(entry: LogEntry) -> bool:
        return entry.logger.startswith("custom_components.petsmart_hub")

    def outage(entry: LogEntry) -> bool:
        return (
            ours(entry)
            and entry.level == "WARNING"  # a cloud outage: one warning, no ERROR
            and entry.message.startswith("Error fetching petsmart_hub OneNata data")
        )

    def custom_integration_notice(entry: LogEntry) -> bool:
        return entry.logger == "homeassistant.loader" and (
            "We found a custom integration petsmart_hub" in entry.message
        )

    problems = [
        entry
        for entry in entries
        if entry.level in ("WARNING", "ERROR", "CRITICAL")
        and (ours(entry) or "petsmart_hub" in entry.message)
        and not outage(entry)
        and not custom_integration_notice(entry)
    ]
    problems += [
        entry
        for entry in entries
        if "petsmart_hub" in entry.message
        and (
            "Detected blocking call" in entry.message
            or "deprecat" in entry.message.lower()
            or "Detected that custom integration" in entry.message
            or "Detected code that" in entry.message
        )
        and entry not in problems
    ]
    assert not problems, "\n".join(map(str, problems))
    assert sum(map(outage, entries)) == 1, "the outage is logged once"
    recovered = [
        e
        for e in entries
        if ours(e) and "Fetching petsmart_hub OneNata data recovered" in e.message
    ]
    assert len(recovered) == 1, "the recovery is logged once"


# --- the scenario ---------------------------------------------------------------


@HOME_ASSISTANT
async def test_real_home_assistant(
    tmp_path: Path, socket_enabled: None, home_assistant: str
) -> None:
    """From an empty Home Assistant to working accounts and back to nothing."""
    async with running_stack(tmp_path / "config", api_key=API_KEY) as stack:
        assert home_assistant in ("this venv's", stack.version)
        since = stack.fleet.onenata.clock.now()
        onenata = await add_onenata(stack)
        netro = await add_netro(stack)
        fleet = stack.fleet
        labels = {
            onenata["entry_id"]: "onenata",
            netro[0]["entry_id"]: f"netro_{fleet.netro_controller}",
            netro[1]["entry_id"]: f"netro_{fleet.netro_sensor}",
        }
        entry_ids = set(labels)
        async with stack.client.websocket() as ws:
            devices = await check_registry(stack, ws, labels)
            await check_values(stack, since)
            await check_actions(stack, devices)
            await check_meals(stack, devices)
            await change_options(stack, onenata["entry_id"])
            await check_outage(stack)
            await check_push(stack, ws, onenata["entry_id"])
            netatmo = await check_netatmo(stack, ws)
            entry_ids.add(netatmo["entry_id"])
            instathings = await check_instathings(stack)
            entry_ids.add(instathings["entry_id"])
            ninjablocks = await check_ninjablocks(stack)
            entry_ids.add(ninjablocks["entry_id"])
            entity_ids = {
                e["entity_id"] for e in await ws.entities() if e["platform"] == DOMAIN
            }
            await remove_everything(stack, ws, entry_ids, entity_ids)
    # after a clean stop, so that shutdown problems are in the log too
    assert stack.hass.process is not None
    assert stack.hass.process.returncode == 0, stack.hass.tail()
    check_log(stack.hass)
