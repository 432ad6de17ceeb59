"""Ninja Blocks' callbacks through Home Assistant: the simulator POSTs to HA's HTTP.

Home Assistant's HTTP runs on a real 127.0.0.1 port and is its external URL:
the account registers HA's webhook as the callback of every sensor
(``POST /device/:guid/callback``), and the simulator POSTs each report to it
the moment a device makes one. What arrives changes the entities without a
poll. A callback another app holds is left alone (and named in Repairs)
unless the user lets ours take over; unloading deletes ours only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import timedelta
from importlib import import_module
import json
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.push import OPT_PUSH, PushState
from custom_components.petsmart_hub.vendors.descriptor import OPT_TAKE_OVER
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_WEBHOOK_ID,
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from simulator.ninjablocks import (
    CALLBACK_ROUTE,
    DEVICES_ROUTE,
    HEARTBEAT_ROUTE,
    NinjaBlocksSimulator,
    block_guids,
)

from .flow import closed_port_url
from .netatmo_fixtures import async_reachable_at, async_serve_http
from .ninjablocks_fixtures import (  # noqa: F401 - fixtures
    DOOR_BELL_CODE,
    ENTRY_ID,
    PIR,
    RF,
    TEMPERATURE,
    WEBCAM,
    WEBHOOK,
    NinjaCloud,
    fixture_ninjablocks,
    fixture_ninjablocks_options,
    fixture_unload_before_the_cloud_goes,
    ninjablocks_entry,
)
from .test_ninjablocks import enable_last_report

# Diagnostics downloads import the Supervisor client, whose models cannot be
# compiled while freezegun has replaced datetime (see test_diagnostics.py).
import_module("homeassistant.components.hassio")

pytestmark = pytest.mark.freeze_time("2025-06-10 10:00:00+00:00")

TEMPERATURE_ENTITY = "sensor.temperature_temperature"
TEMPERATURE_REPORT = "sensor.temperature_last_report"
HUMIDITY_ENTITY = "sensor.humidity_humidity"
MOTION = "binary_sensor.pir_motion_sensor_motion"
MOTION_EVENT = "event.pir_motion_sensor_motion"
DOOR_BELL_EVENT = "event.door_bell"
LAST_CODE = "sensor.rf_433mhz_last_code"
#: HA's webhook path, whatever host the cloud calls it on.
WEBHOOK_PATH = "/api/webhook/"
#: Another app's callback: a closed port (the simulator's POSTs to it fail fast).
FOREIGN_URL = closed_port_url("/ninja/callback")
TAKEN_ISSUE = f"push_callbacks_taken_{ENTRY_ID}"

type Tick = Callable[[timedelta], Awaitable[None]]
type Post = Callable[[Any], Awaitable[ClientResponse]]


@pytest.fixture(name="tick")
def fixture_tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    """Let time pass (HA's and the simulator's clocks), fire what was due."""

    async def tick(delta: timedelta) -> None:
        freezer.tick(delta)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    return tick


@pytest.fixture
async def http(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> TestClient:
    """Home Assistant's HTTP on a real port, which is its external URL."""
    client = await async_serve_http(hass, hass_client_no_auth)
    await async_reachable_at(hass, client)
    return client


@pytest.fixture
def entry(
    hass: HomeAssistant, ninjablocks: NinjaCloud, ninjablocks_options: dict[str, Any]
) -> MockConfigEntry:
    """The account, added but not set up (a test first shapes the cloud)."""
    entry = ninjablocks_entry(ninjablocks, ninjablocks_options)
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def pushing(
    hass: HomeAssistant, http: TestClient, entry: MockConfigEntry
) -> MockConfigEntry:
    """The account set up with push: every sensor's callback is HA's webhook."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
def post(hass: HomeAssistant, http: TestClient) -> Post:
    """Call the entry's webhook as the cloud would (any body)."""

    async def call(body: Any) -> ClientResponse:
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = await http.post(
            f"{WEBHOOK_PATH}{entry.data[CONF_WEBHOOK_ID]}",
            data=raw,
            headers={"Content-Type": "application/json"},
        )
        await hass.async_block_till_done()
        return response

    return call


async def delivered(hass: HomeAssistant, cloud: NinjaCloud) -> None:
    """Wait until the simulator's callback POSTs are answered and HA is idle."""
    await cloud.sim.deliveries_idle()
    await hass.async_block_till_done()


def webhook_url(http: TestClient, entry: MockConfigEntry) -> str:
    """The callback URL the account registers: HA's webhook at its external URL."""
    return str(http.make_url(f"{WEBHOOK_PATH}{entry.data[CONF_WEBHOOK_ID]}"))


def sensors(sim: NinjaBlocksSimulator) -> list[str]:
    """The GUIDs of every device with is_sensor 1 (those that get a callback)."""
    return [guid for guid, device in sim.devices.items() if device.spec.is_sensor]


def callback_calls(sim: NinjaBlocksSimulator, method: str) -> int:
    return sim.count(method, CALLBACK_ROUTE)


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def states(hass: HomeAssistant) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every state with its attributes but the camera's ever-changing token."""
    return {
        item.entity_id: (
            item.state,
            {
                key: value
                for key, value in item.attributes.items()
                if key not in ("access_token", "entity_picture")
            },
        )
        for item in hass.states.async_all()
    }


def taken_issue(hass: HomeAssistant) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, TAKEN_ISSUE)


def heartbeat(sim: NinjaBlocksSimulator, guid: str, **changes: Any) -> dict[str, Any]:
    """The callback body of a device's report, as the simulator sends it."""
    return {**sim.device(guid).heartbeat(), **changes}


# --- registration ----------------------------------------------------------------------


async def test_setup_registers_a_callback_per_sensor(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    ninjablocks: NinjaCloud,
    http: TestClient,
    pushing: MockConfigEntry,
    tick: Tick,
) -> None:
    """One POST per is_sensor device with HA's webhook URL; polling is the safety net."""
    sim = ninjablocks.sim
    url = webhook_url(http, pushing)
    assert url.startswith(str(http.make_url("/")).rstrip("/"))
    assert len(pushing.data[CONF_WEBHOOK_ID]) == 64
    expected = sensors(sim)
    assert WEBCAM not in expected  # a camera is no sensor
    assert sim.callbacks.urls == dict.fromkeys(expected, url)
    assert callback_calls(sim, "POST") == len(expected)
    for method in ("GET", "PUT", "DELETE"):
        assert callback_calls(sim, method) == 0
    assert [c.guid for c in sim.callback_changes(action="registered")] == expected

    coordinator = pushing.runtime_data
    assert coordinator.push.state is PushState.HEALTHY
    assert coordinator.push_healthy
    assert coordinator.update_interval == timedelta(minutes=15)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, pushing)
    assert (
        diagnostics["push"].items()
        >= {
            "state": "healthy",
            "error": None,
            "accepted": 0,
            "refused": {},
            "retry_in": None,
            "transport": "webhook",
            "callbacks_taken": 0,
        }.items()
    )
    assert url not in json.dumps(diagnostics)  # no webhook id in diagnostics
    assert taken_issue(hass) is None

    # every device is covered: no heartbeats, the listing every 15 minutes
    sim.reset_requests()
    await tick(timedelta(minutes=5))
    assert sim.requests == []
    await tick(timedelta(minutes=10, seconds=1))
    assert sim.request_counts == {f"GET {DEVICES_ROUTE}": 1}
    assert coordinator.push_healthy
    # the reload keeps the webhook id: the callbacks stay where they are
    assert await hass.config_entries.async_reload(pushing.entry_id)
    await hass.async_block_till_done()
    assert webhook_url(http, pushing) == url
    assert sim.callbacks.urls == dict.fromkeys(expected, url)


# --- delivery ----------------------------------------------------------------------


async def test_a_report_is_pushed_at_once(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    entry: MockConfigEntry,
) -> None:
    """The temperature sensor reports: its sensor shows it, nothing is polled."""
    sim = ninjablocks.sim
    # (its Last report sensor, disabled by default, enabled by the user)
    enable_last_report(hass, entry, [TEMPERATURE])
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    pushing = entry
    humidity = hass.states.get(HUMIDITY_ENTITY)
    sim.reset_requests()
    sim.report(TEMPERATURE, 27.5)
    await delivered(hass, ninjablocks)
    assert state(hass, TEMPERATURE_ENTITY) == "27.5"
    assert state(hass, TEMPERATURE_REPORT) == "2025-06-10T10:00:00+00:00"
    assert sim.requests == []
    (delivery,) = sim.callback_deliveries(TEMPERATURE)
    assert delivery.status == 200
    # only that device's entities were written
    assert hass.states.get(HUMIDITY_ENTITY).last_reported == humidity.last_reported
    assert pushing.runtime_data.push.accepted == 1


@pytest.mark.parametrize(
    "shape", ["heartbeat", "lower", "wrapped", "envelope", "no_guid"]
)
async def test_every_body_shape_is_taken(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    pushing: MockConfigEntry,
    tick: Tick,
    shape: str,
) -> None:
    """Each body the wire contract accepts updates the state."""
    sim = ninjablocks.sim
    sim.set_shapes(callback_body=shape)
    for value in (21.25, 22.5):
        sim.report(TEMPERATURE, value)
        await delivered(hass, ninjablocks)
        assert state(hass, TEMPERATURE_ENTITY) == str(value)
        await tick(timedelta(seconds=1))
    assert [d.status for d in sim.callback_deliveries()] == [200, 200]
    assert pushing.runtime_data.push.refused == {}


async def test_motion_is_pushed(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    pushing: MockConfigEntry,
    tick: Tick,
) -> None:
    """A PIR's motion fires the motion event and turns its binary sensor on."""
    sim = ninjablocks.sim
    assert state(hass, MOTION) == STATE_OFF
    assert state(hass, MOTION_EVENT) == STATE_UNKNOWN
    sim.report(PIR, 1)
    await delivered(hass, ninjablocks)
    assert state(hass, MOTION) == STATE_ON
    event = hass.states.get(MOTION_EVENT)
    assert event.state == "2025-06-10T10:00:00.000+00:00"
    assert event.attributes["event_type"] == "motion"

    # it ends: the binary sensor turns off, and motion has no off event
    await tick(timedelta(seconds=30))
    sim.report(PIR, 0)
    await delivered(hass, ninjablocks)
    assert state(hass, MOTION) == STATE_OFF
    assert state(hass, MOTION_EVENT) == event.state
    # a report delivered twice (a cloud that retries) fires one event
    fired: list[Event] = []
    hass.bus.async_listen(
        EVENT_STATE_CHANGED,
        lambda event: fired.append(event)
        if event.data["entity_id"] == MOTION_EVENT
        else None,
    )
    sim.set_delivery(duplicate=True)
    await tick(timedelta(seconds=30))
    sim.report(PIR, 1)
    await delivered(hass, ninjablocks)
    assert [d.status for d in sim.callback_deliveries(PIR)][-2:] == [200, 200]
    assert len(fired) == 1
    assert state(hass, MOTION_EVENT) == "2025-06-10T10:01:00.000+00:00"
    assert state(hass, MOTION) == STATE_ON


async def test_a_door_bell_code_is_pushed(
    hass: HomeAssistant, ninjablocks: NinjaCloud, pushing: MockConfigEntry
) -> None:
    """The RF hub hears the door bell's code: the door bell's event fires."""
    sim = ninjablocks.sim
    assert state(hass, DOOR_BELL_EVENT) == STATE_UNKNOWN
    sim.reset_requests()
    sim.report(RF, DOOR_BELL_CODE)
    await delivered(hass, ninjablocks)
    event = hass.states.get(DOOR_BELL_EVENT)
    assert event.state == "2025-06-10T10:00:00.000+00:00"
    assert event.attributes["event_type"] == "received"
    assert event.attributes["code"] == DOOR_BELL_CODE
    assert state(hass, LAST_CODE) == DOOR_BELL_CODE
    assert sim.requests == []


# --- what is refused -----------------------------------------------------------------------


async def test_bad_bodies_are_refused_and_change_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    ninjablocks: NinjaCloud,
    pushing: MockConfigEntry,
    post: Post,
) -> None:
    """Not JSON, no object, no GUID or DA, a GUID of no shape: 4xx, nothing moves."""
    sim = ninjablocks.sim
    before = states(hass)
    devices = set(pushing.runtime_data.data.devices)
    sim.reset_requests()
    beat = heartbeat(sim, TEMPERATURE, DA=30.5)
    no_guid = {key: value for key, value in beat.items() if key != "GUID"}
    calls: list[tuple[Any, int]] = [
        (b"{not json", 400),
        ([beat], 400),  # a JSON list
        ("a text", 400),
        ({key: value for key, value in no_guid.items() if key != "node"}, 400),
        ({key: value for key, value in beat.items() if key != "DA"}, 400),
        ({**beat, "DA": None}, 400),
        ({"data": [beat]}, 400),
        ({**beat, "GUID": "not a guid!"}, 400),
    ]
    for body, status in calls:
        assert (await post(body)).status == status, body
    assert states(hass) == before
    assert set(pushing.runtime_data.data.devices) == devices
    assert sim.requests == []  # nothing made it read anything
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, pushing)
    assert diagnostics["push"]["refused"] == {
        "not_json": 1,
        "malformed": 6,
        "unknown_device": 1,
    }
    assert diagnostics["push"]["accepted"] == 0
    assert diagnostics["push"]["state"] == "healthy"  # never held against push
    # a good one still goes through
    assert (await post(beat)).status == 200
    assert state(hass, TEMPERATURE_ENTITY) == "30.5"


async def test_an_older_report_changes_nothing(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    pushing: MockConfigEntry,
    post: Post,
    tick: Tick,
) -> None:
    """A report older than the one shown (a late delivery) never rolls it back."""
    sim = ninjablocks.sim
    sim.report(TEMPERATURE, 27.5)
    await delivered(hass, ninjablocks)
    before = states(hass)
    await tick(timedelta(seconds=5))
    held = sim.device(TEMPERATURE).last_data.timestamp
    late = heartbeat(sim, TEMPERATURE, DA=12.0, timestamp=held - 60_000)
    # the cloud gets its answer (it would only retry), but nothing moves
    assert (await post(late)).status == 200
    assert states(hass) == before
    assert pushing.runtime_data.push.refused == {}


async def test_a_body_that_arrives_in_pieces_is_read_whole(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    pushing: MockConfigEntry,
) -> None:
    """A callback sent in two TCP pieces (chunked, a pause between) is one body."""
    body = json.dumps(heartbeat(ninjablocks.sim, TEMPERATURE, DA=30.5)).encode()

    async def pieces() -> AsyncGenerator[bytes]:
        yield body[:20]
        for _ in range(5):  # (time is frozen here: let the loop run instead)
            await asyncio.sleep(0)
        yield body[20:]

    response = await http.post(
        f"{WEBHOOK_PATH}{pushing.data[CONF_WEBHOOK_ID]}", data=pieces()
    )
    await hass.async_block_till_done()
    assert pushing.runtime_data.push.refused == {}
    assert response.status == 200
    assert state(hass, TEMPERATURE_ENTITY) == "30.5"


@pytest.mark.parametrize("da", [9999, "hot", [26.6]], ids=["9999", "text", "list"])
async def test_an_implausible_reading_is_refused(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    pushing: MockConfigEntry,
    post: Post,
    tick: Tick,
    da: Any,
) -> None:
    """A temperature of 9999 °C (or of no number) is refused; 26.6 stays."""
    sim = ninjablocks.sim
    await tick(timedelta(seconds=1))
    before = states(hass)
    held = sim.device(TEMPERATURE).last_data.timestamp
    body = heartbeat(sim, TEMPERATURE, DA=da, timestamp=held + 61_000)
    response = await post(body)
    assert states(hass) == before
    assert state(hass, TEMPERATURE_ENTITY) == "26.6"
    assert 400 <= response.status < 500
    assert pushing.runtime_data.push.refused == {"implausible": 1}


async def test_an_unknown_device_pushed_lists_the_account_again(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    pushing: MockConfigEntry,
    post: Post,
) -> None:
    """A new block's device reports: the listing brings it in, no reload."""
    sim = ninjablocks.sim
    registry = dr.async_get(hass)
    before = len(dr.async_entries_for_config_entry(registry, pushing.entry_id))
    node = "ASTEALTHYNODE02"
    sim.add_block(node)
    new_temperature = block_guids(node)["temperature"]
    sim.report(new_temperature, 18.5)  # no callback yet: nobody hears of it
    await delivered(hass, ninjablocks)
    assert sim.callback_deliveries(new_temperature) == []
    sim.reset_requests()

    assert (await post(heartbeat(sim, new_temperature))).status == 200
    await hass.async_block_till_done()
    assert sim.count("GET", DEVICES_ROUTE) == 1
    assert pushing.state is ConfigEntryState.LOADED
    devices = dr.async_entries_for_config_entry(registry, pushing.entry_id)
    subs = len(sim.device(block_guids(node)["rf433"]).sub_devices)
    # its block, its devices and its RF hub's sub-devices
    assert len(devices) == before + 1 + len(block_guids(node)) + subs
    assert state(hass, "sensor.temperature_temperature_2") == "18.5"
    # the listing registered the new sensors' callbacks: the next report comes
    url = webhook_url(http, pushing)
    assert sim.callback_url(new_temperature) == url
    assert callback_calls(sim, "POST") == len(
        [g for g in sensors(sim) if g.startswith(node)]
    )
    sim.report(new_temperature, 19.5)
    await delivered(hass, ninjablocks)
    assert state(hass, "sensor.temperature_temperature_2") == "19.5"


# --- callbacks that exist --------------------------------------------------------------


@pytest.mark.parametrize("exists", ["409", "envelope"])
async def test_our_own_callbacks_are_kept(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    entry: MockConfigEntry,
    exists: str,
) -> None:
    """Callbacks still ours (HA restarted): looked at, not written again."""
    sim = ninjablocks.sim
    sim.set_shapes(callback_exists=exists)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_WEBHOOK_ID: "a" * 64}
    )
    url = webhook_url(http, entry)
    for guid in sensors(sim):
        sim.set_foreign_callback(guid, url)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    count = len(sensors(sim))
    assert callback_calls(sim, "POST") == count  # each answered "exists"
    assert callback_calls(sim, "GET") == count
    assert callback_calls(sim, "PUT") == 0
    assert entry.runtime_data.push.state is PushState.HEALTHY
    assert taken_issue(hass) is None
    sim.report(TEMPERATURE, 28.0)
    await delivered(hass, ninjablocks)
    assert state(hass, TEMPERATURE_ENTITY) == "28.0"


@pytest.mark.parametrize("exists", ["409", "envelope"])
async def test_our_callbacks_follow_a_new_url(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    entry: MockConfigEntry,
    exists: str,
) -> None:
    """HA's URL changed since: each of our callbacks is moved there (PUT)."""
    sim = ninjablocks.sim
    sim.set_shapes(callback_exists=exists)
    webhook_id = "b" * 64
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_WEBHOOK_ID: webhook_id}
    )
    old = f"https://old-name.duckdns.org:8123{WEBHOOK_PATH}{webhook_id}"
    for guid in sensors(sim):
        sim.set_foreign_callback(guid, old)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    url = webhook_url(http, entry)
    assert sim.callbacks.urls == dict.fromkeys(sensors(sim), url)
    assert callback_calls(sim, "PUT") == len(sensors(sim))
    assert len(sim.callback_changes(action="updated")) == len(sensors(sim))
    assert entry.runtime_data.push.state is PushState.HEALTHY
    assert taken_issue(hass) is None
    sim.report(TEMPERATURE, 28.5)
    await delivered(hass, ninjablocks)
    assert state(hass, TEMPERATURE_ENTITY) == "28.5"


@pytest.mark.parametrize("exists", ["409", "envelope"])
async def test_another_apps_callback_is_left_alone_and_polled(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    ninjablocks: NinjaCloud,
    http: TestClient,
    entry: MockConfigEntry,
    tick: Tick,
    exists: str,
) -> None:
    """Not replaced; Repairs names the device; its heartbeat is read each minute."""
    sim = ninjablocks.sim
    sim.set_shapes(callback_exists=exists)
    sim.set_foreign_callback(TEMPERATURE, FOREIGN_URL)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    url = webhook_url(http, entry)
    assert sim.callback_url(TEMPERATURE) == FOREIGN_URL
    assert callback_calls(sim, "GET") == 1
    assert callback_calls(sim, "PUT") == 0
    others = [guid for guid in sensors(sim) if guid != TEMPERATURE]
    assert all(sim.callback_url(guid) == url for guid in others)
    issue = taken_issue(hass)
    assert issue is not None
    assert issue.translation_key == "push_callbacks_taken"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {
        "account": "Ninja Blocks",
        "devices": "Temperature",
    }
    coordinator = entry.runtime_data
    assert coordinator.push.state is PushState.HEALTHY
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["push"]["callbacks_taken"] == 1
    assert FOREIGN_URL not in json.dumps(diagnostics)
    # the uncovered device is heart-beaten every minute, the others are not
    assert coordinator.update_interval == timedelta(seconds=60)
    sim.report(TEMPERATURE, 31.0)  # goes to the other app only
    await delivered(hass, ninjablocks)
    assert state(hass, TEMPERATURE_ENTITY) == "26.6"
    sim.reset_requests()
    await tick(timedelta(seconds=61))
    assert sim.request_counts == {f"GET {HEARTBEAT_ROUTE}": 1}
    assert sim.count("GET", HEARTBEAT_ROUTE, TEMPERATURE) == 1
    assert state(hass, TEMPERATURE_ENTITY) == "31.0"
    assert coordinator.push_healthy  # a poll of a taken device is no miss
    await tick(timedelta(seconds=61))
    assert sim.count("GET", HEARTBEAT_ROUTE, TEMPERATURE) == 2
    assert sim.callback_url(TEMPERATURE) == FOREIGN_URL  # never taken over


@pytest.mark.parametrize("ninjablocks_options", [{OPT_TAKE_OVER: True}])
async def test_taking_over_another_apps_callback(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """The user lets ours replace it: PUT with our URL, no repair issue."""
    sim = ninjablocks.sim
    sim.set_foreign_callback(TEMPERATURE, FOREIGN_URL)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    url = webhook_url(http, entry)
    assert sim.callback_url(TEMPERATURE) == url
    (put,) = sim.callback_changes(TEMPERATURE, "updated")
    assert put.url == url
    assert callback_calls(sim, "PUT") == 1
    assert taken_issue(hass) is None
    coordinator = entry.runtime_data
    assert coordinator.push.diagnostics()["callbacks_taken"] == 0
    assert coordinator.update_interval == timedelta(minutes=15)
    sim.report(TEMPERATURE, 29.0)
    await delivered(hass, ninjablocks)
    assert state(hass, TEMPERATURE_ENTITY) == "29.0"


async def test_turning_take_over_on_clears_the_repair_issue(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    entry: MockConfigEntry,
) -> None:
    """The option set later: the reload takes the callback over, Repairs empties."""
    sim = ninjablocks.sim
    sim.set_foreign_callback(TEMPERATURE, FOREIGN_URL)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert taken_issue(hass) is not None
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["description_placeholders"] == {"push": "healthy"}
    await hass.config_entries.options.async_configure(
        result["flow_id"], {OPT_PUSH: True, OPT_TAKE_OVER: True}
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert sim.callback_url(TEMPERATURE) == webhook_url(http, entry)
    assert taken_issue(hass) is None


# --- unload ----------------------------------------------------------------------------


async def test_unload_deletes_our_callbacks_only(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """Every callback of ours is DELETEd; the other app's stays; Repairs empties."""
    sim = ninjablocks.sim
    sim.set_foreign_callback(TEMPERATURE, FOREIGN_URL)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert taken_issue(hass) is not None
    ours = [guid for guid in sensors(sim) if guid != TEMPERATURE]
    sim.reset_requests()

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert callback_calls(sim, "DELETE") == len(ours)
    assert sorted(c.guid for c in sim.callback_changes(action="deleted")) == sorted(
        ours
    )
    assert sim.count("DELETE", CALLBACK_ROUTE, TEMPERATURE) == 0
    assert sim.callbacks.urls == {TEMPERATURE: FOREIGN_URL}
    assert taken_issue(hass) is None
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"push_failed_{ENTRY_ID}") is None
    # nothing is polled or delivered any more
    sim.reset_requests()
    sim.report(PIR, 1)
    await delivered(hass, ninjablocks)
    assert sim.callback_deliveries(PIR) == []
    await tick(timedelta(minutes=20))
    assert sim.requests == []


# --- without push ----------------------------------------------------------------------


async def test_no_external_url_polls_every_minute(
    hass: HomeAssistant, ninjablocks: NinjaCloud, entry: MockConfigEntry, tick: Tick
) -> None:
    """No URL the cloud can reach: no callback, every device read each minute."""
    sim = ninjablocks.sim
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data
    assert coordinator.push.state is PushState.NO_URL
    assert not coordinator.push_healthy
    assert coordinator.update_interval == timedelta(seconds=60)
    assert callback_calls(sim, "POST") == 0
    assert sim.callbacks.urls == {}
    assert taken_issue(hass) is None

    # each minute one poll reads every device that reports (the heartbeats,
    # or the listing where that is fewer calls): never the camera's
    reporting = [guid for guid in sensors(sim) if guid != WEBHOOK]
    for value in (24.0, 24.5):
        sim.reset_requests()
        sim.report(TEMPERATURE, value)
        await tick(timedelta(seconds=61))
        assert state(hass, TEMPERATURE_ENTITY) == str(value)
        assert set(sim.request_counts) <= {
            f"GET {HEARTBEAT_ROUTE}",
            f"GET {DEVICES_ROUTE}",
        }
        assert 1 <= sim.total_requests <= len(reporting)
        assert sim.count("GET", HEARTBEAT_ROUTE, WEBCAM) == 0
    assert coordinator.update_interval == timedelta(seconds=60)
    assert sim.deliveries == []


@pytest.mark.parametrize("ninjablocks_options", [{OPT_PUSH: False}])
async def test_push_turned_off_registers_nothing(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    http: TestClient,
    entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """A reachable URL but push off: no callback, polled like without one."""
    sim = ninjablocks.sim
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.push.state is PushState.OFF
    assert sim.callbacks.urls == {}
    assert sim.total_requests == sim.count("GET", DEVICES_ROUTE) == 1
    assert entry.runtime_data.update_interval == timedelta(seconds=60)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert callback_calls(sim, "DELETE") == 0
