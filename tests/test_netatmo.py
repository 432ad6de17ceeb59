"""A Netatmo account through Home Assistant, against the simulator.

Tokens (refreshed before they end, refreshed again when the cloud ends one
early, a refused refresh asking to sign in again), every entity the default
world makes, the commands (monitoring, scenarios), streams on the LAN or
through the VPN, events found by polling, throttling by the cloud, the
account's own hourly limit, and unloading.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
import json
import time
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.vendors.netatmo import (
    EVENTS_INTERVAL,
    HOURLY_CAP,
    POLL_RESERVE,
    STATUS_INTERVAL,
    STREAM_RECHECK,
    THROTTLE_BACKOFF,
    WEATHER_INTERVAL,
)
from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.components.select import (
    ATTR_OPTION,
    ATTR_OPTIONS,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    SERVICE_TOGGLE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from simulator.media import JPEG_BYTES

from .netatmo_fixtures import (  # noqa: F401 - fixtures
    BEDROOM,
    ENTRY_ID,
    FRONT_DOOR,
    GARDEN,
    HOME,
    HOME_2,
    OUTDOOR,
    PET_CAM,
    PET_ROOM,
    STATION,
    NetatmoCloud,
    Tick,
    fixture_init_netatmo,
    fixture_netatmo,
    fixture_netatmo_config_entry,
    fixture_netatmo_credentials,
    fixture_netatmo_history,
    fixture_netatmo_options,
    fixture_tick,
    netatmo_entry,
)

# Diagnostics downloads import the Supervisor client, whose models cannot be
# compiled while freezegun has replaced datetime (see test_diagnostics.py).
import_module("homeassistant.components.hassio")

pytestmark = pytest.mark.freeze_time("2025-06-10 10:00:00+00:00")

MONITORING = "switch.pet_cam_monitoring"
SCENARIO = "select.home_scenario"
CALLS = "sensor.home_cloud_calls_in_the_last_hour"
ALICE = "binary_sensor.home_alice"
BOB = "binary_sensor.home_bob"
CAMERA = "camera.pet_cam"
#: A long wait in steps that fire every poll on the way.
TOPOLOGY_QUARTER = timedelta(minutes=45)
#: The Last report sensors of the default world (disabled by default), by
#: the device id: the station, its modules and the coach.
LAST_REPORTS = {
    STATION: "sensor.indoor_last_report",
    OUTDOOR: "sensor.outdoor_last_report",
    PET_ROOM: "sensor.pet_room_last_report",
    BEDROOM: "sensor.bedroom_last_report",
}


def person_id(netatmo: NetatmoCloud, pseudo: str) -> str:
    return next(
        person.person_id
        for person in netatmo.sim.homes[HOME].persons.values()
        if person.pseudo == pseudo
    )


def api_requests(netatmo: NetatmoCloud) -> list[str]:
    """The API endpoints called so far, in order."""
    return [
        request.path.removeprefix("/api/")
        for request in netatmo.sim.requests
        if request.path.startswith("/api/")
    ]


def bearer(netatmo: NetatmoCloud) -> list[str]:
    """The access token of each API request so far."""
    return [
        request.headers.get("Authorization", "").removeprefix("Bearer ")
        for request in netatmo.sim.requests
        if request.path.startswith("/api/")
    ]


def registry_view(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    devices = {
        tuple(sorted(device.identifiers)): (device.name, device.model)
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
    }
    entities = {
        entity.entity_id: entity.unique_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }
    return {"devices": devices, "entities": entities}


def unavailable(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """The entry's enabled entities with no state, or an unavailable one."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.disabled_by is None
        and (
            (state := hass.states.get(entity.entity_id)) is None
            or state.state == STATE_UNAVAILABLE
        )
    }


def enable_last_report(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Enable every Last report sensor (disabled by default) before setup.

    Their registry entries are made enabled, as a user who enabled them
    leaves them.
    """
    registry = er.async_get(hass)
    for device_id, entity_id in LAST_REPORTS.items():
        registry.async_get_or_create(
            "sensor",
            DOMAIN,
            f"{ENTRY_ID}_{device_id}_last_report",
            suggested_object_id=entity_id.removeprefix("sensor."),
            config_entry=entry,
        )


# --- tokens -----------------------------------------------------------------------


@pytest.mark.usefixtures("netatmo_credentials")
async def test_an_ended_token_is_refreshed_at_setup(
    hass: HomeAssistant, netatmo: NetatmoCloud
) -> None:
    """The refresh token rotates: the entry keeps the new one, the old one is dead."""
    sim = netatmo.sim
    entry = netatmo_entry(netatmo, expires_in=-60)
    old = dict(entry.data["token"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert sim.grants["refresh_token"] == 1
    grant = sim.oauth.log[-1]
    assert grant.used_refresh_token == old["refresh_token"]
    token = entry.data["token"]
    assert token["access_token"] == grant.access_token
    assert token["refresh_token"] == grant.refresh_token
    assert token["expires_at"] > time.time() + 3 * 3600 - 60
    assert sim.oauth.live_refresh_tokens == [grant.refresh_token]
    # every API call went with the new token
    assert set(bearer(netatmo)) == {grant.access_token}
    assert hass.states.get(MONITORING).state == STATE_ON


async def test_a_token_the_cloud_ended_early_is_refreshed(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    """403 code 3 mid-run: one refresh, the call made again, nothing unavailable."""
    sim = netatmo.sim
    old = dict(init_netatmo.data["token"])
    sim.expire_tokens()
    sim.reset_requests()
    await tick(EVENTS_INTERVAL)

    assert sim.grants["refresh_token"] == 1
    grant = sim.oauth.log[-1]
    assert grant.used_refresh_token == old["refresh_token"]
    assert init_netatmo.data["token"]["access_token"] == grant.access_token
    assert init_netatmo.data["token"]["refresh_token"] == grant.refresh_token
    assert sim.oauth.live_refresh_tokens == [grant.refresh_token]
    # the first call was refused with the ended token, then made again
    assert api_requests(netatmo)[:2] == ["getevents", "getevents"]
    assert bearer(netatmo)[0] == old["access_token"]
    assert set(bearer(netatmo)[1:]) == {grant.access_token}
    assert unavailable(hass, init_netatmo) == set()
    assert not list(init_netatmo.async_get_active_flows(hass, {SOURCE_REAUTH}))

    # the new token serves the next polls: no more refreshing
    await tick(STATUS_INTERVAL)
    assert sim.grants["refresh_token"] == 1


async def test_a_refused_refresh_starts_reauth_and_keeps_the_devices(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    sim = netatmo.sim
    before = registry_view(hass, init_netatmo)
    sim.revoke_refresh()
    sim.expire_tokens()
    await tick(EVENTS_INTERVAL)

    assert sim.grant_errors["invalid_grant"] == 1
    assert list(init_netatmo.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert init_netatmo.state is ConfigEntryState.LOADED
    assert registry_view(hass, init_netatmo) == before
    assert hass.states.get(MONITORING).state == STATE_UNAVAILABLE


# --- entities -----------------------------------------------------------------------


async def test_every_entity(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    netatmo_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Cameras, switches, sensors, persons and scenarios of the default world.

    The Last report sensors (disabled by default) enabled, so every entity
    shows its state.
    """
    entry = netatmo_config_entry
    enable_last_report(hass, entry)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    states = {state.entity_id: state for state in hass.states.async_all()}

    for camera in ("pet_cam", "garden", "front_door", "home_2_cam"):
        assert states[f"camera.{camera}"].state == "idle"
        assert states[f"event.{camera}_camera_event"].state == STATE_UNKNOWN
        assert states[f"sensor.{camera}_memory_card"].state == "ready"
        assert states[f"sensor.{camera}_power_supply"].state == "ok"
        assert states[f"binary_sensor.{camera}_connectivity"].state == STATE_ON
        # no animal seen (the history is a connection a day ago)
        assert states[f"sensor.{camera}_last_animal_seen"].state == STATE_UNKNOWN
        image = states[f"image.{camera}_latest_event"]
        assert image.attributes["event_type"] == "connected"
    # the doorbell's monitoring cannot be switched
    assert {entity for entity in states if entity.startswith("switch.")} == {
        "switch.pet_cam_monitoring",
        "switch.garden_monitoring",
        "switch.home_2_cam_monitoring",
    }
    assert states[MONITORING].state == STATE_ON
    assert states["sensor.pet_cam_memory_card"].attributes[ATTR_DEVICE_CLASS] == "enum"

    # readings, with their device classes and units
    readings = {
        "sensor.pet_room_temperature": ("temperature", "°C"),
        "sensor.pet_room_humidity": ("humidity", "%"),
        "sensor.pet_room_carbon_dioxide": ("carbon_dioxide", "ppm"),
        "sensor.outdoor_temperature": ("temperature", "°C"),
        "sensor.indoor_atmospheric_pressure": ("atmospheric_pressure", "hPa"),
        "sensor.bedroom_sound_pressure": ("sound_pressure", "dB"),
        "sensor.bedroom_carbon_dioxide": ("carbon_dioxide", "ppm"),
    }
    for entity_id, (device_class, unit) in readings.items():
        state = states[entity_id]
        assert state.attributes[ATTR_DEVICE_CLASS] == device_class
        assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == unit
        float(state.state)  # a number
    assert states["sensor.pet_room_battery"].attributes[ATTR_DEVICE_CLASS] == "battery"
    # the outdoor module measures no CO2, the coach no battery
    assert "sensor.outdoor_carbon_dioxide" not in states
    assert "sensor.bedroom_battery" not in states

    # persons of the home: Alice is in, Bob out
    assert states[ALICE].state == STATE_ON
    assert states[ALICE].attributes[ATTR_DEVICE_CLASS] == "presence"
    assert states[BOB].state == STATE_OFF
    # home 1 runs its scenarios (a select), home 2 (no gateway) lists them
    assert states[SCENARIO].attributes[ATTR_OPTIONS] == [
        "Home",
        "Away",
        "Wake up",
        "Bedtime",
        "Movie night",
    ]
    assert states[SCENARIO].state == STATE_UNKNOWN  # the cloud does not say
    assert "select.home_2_scenario" not in states
    assert "sensor.home_scenarios" not in states
    home_2 = states["sensor.home_2_scenarios"]
    assert home_2.state == "0"  # Netatmo lists none without a gateway
    assert home_2.attributes["scenarios"] == []
    # the account's calls in the last hour: the nine of the first refresh
    assert states[CALLS].state == "9"
    assert states["sensor.home_2_cloud_calls_in_the_last_hour"].state == "9"
    assert netatmo.sim.api_calls() == 9

    # devices: homes, cameras in them, the station and its modules, the coach
    registry = dr.async_get(hass)
    devices = {
        identifier.removeprefix(f"{entry.entry_id}_"): device
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        for _, identifier in device.identifiers
    }
    assert devices[PET_CAM].via_device_id == devices[HOME].id
    assert devices[GARDEN].model == "Smart Outdoor Camera"
    assert devices[PET_ROOM].via_device_id == devices[STATION].id
    assert {HOME, HOME_2, FRONT_DOOR, BEDROOM} <= set(devices)

    # the whole set, pinned (plain strings: releases differ in enum types)
    def plain(value: Any) -> str | None:
        return None if value is None else str(value)

    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert {
        entity.entity_id: {
            "unique_id": entity.unique_id.removeprefix(f"{entry.entry_id}_"),
            "state": states[entity.entity_id].state,
            "device_class": plain(
                states[entity.entity_id].attributes.get(ATTR_DEVICE_CLASS)
            ),
            "unit": plain(
                states[entity.entity_id].attributes.get(ATTR_UNIT_OF_MEASUREMENT)
            ),
            "category": plain(entity.entity_category),
        }
        for entity in sorted(entities, key=lambda entity: entity.entity_id)
    } == snapshot


async def test_last_report_is_disabled_by_default(
    hass: HomeAssistant, netatmo: NetatmoCloud, init_netatmo: MockConfigEntry
) -> None:
    """The station's, its modules' and the coach's: registered, disabled, no state.

    (A device reporting every few minutes would write a recorder row each time.)
    """
    registry = er.async_get(hass)
    disabled = {
        entity.entity_id: entity.disabled_by
        for entity in er.async_entries_for_config_entry(registry, ENTRY_ID)
        if entity.disabled_by is not None
    }
    assert disabled == dict.fromkeys(
        LAST_REPORTS.values(), er.RegistryEntryDisabler.INTEGRATION
    )
    for entity_id in LAST_REPORTS.values():
        assert hass.states.get(entity_id) is None, entity_id
    assert unavailable(hass, init_netatmo) == set()


async def test_readings_follow_the_station(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    """The weather calls are made every ten minutes; new readings show then."""
    sim = netatmo.sim
    sim.set_reading(PET_ROOM, "Temperature", 23.4)
    sim.set_reading(PET_ROOM, "CO2", 1250)
    sim.set_reading(BEDROOM, "Noise", 58)
    await tick(WEATHER_INTERVAL - timedelta(seconds=30))
    assert hass.states.get("sensor.pet_room_temperature").state != "23.4"
    await tick(timedelta(seconds=31))
    assert hass.states.get("sensor.pet_room_temperature").state == "23.4"
    assert hass.states.get("sensor.pet_room_carbon_dioxide").state == "1250.0"
    assert hass.states.get("sensor.bedroom_sound_pressure").state == "58.0"


async def test_persons_memory_card_and_power(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    """What homestatus says shows at the next status read (every five minutes)."""
    sim = netatmo.sim
    sim.set_person_home(person_id(netatmo, "Bob"), True)
    sim.set_person_home(person_id(netatmo, "Alice"), False)
    sim.update_module(PET_CAM, sd_status=5, alim_status=1)
    await tick(STATUS_INTERVAL - timedelta(seconds=30))
    assert hass.states.get(BOB).state == STATE_OFF
    await tick(timedelta(seconds=31))
    assert hass.states.get(BOB).state == STATE_ON
    assert hass.states.get(ALICE).state == STATE_OFF
    assert hass.states.get("sensor.pet_cam_memory_card").state == "defect"
    assert hass.states.get("sensor.pet_cam_power_supply").state == "insufficient"
    assert hass.states.get("sensor.garden_memory_card").state == "ready"


def setstate_bodies(netatmo: NetatmoCloud) -> list[Any]:
    return [r.json for r in netatmo.sim.requests if r.path == "/api/setstate"]


async def test_monitoring_switch(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    """Off and on through setstate; the camera's own state confirms it."""
    sim = netatmo.sim
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: MONITORING}, blocking=True
    )
    assert setstate_bodies(netatmo) == [
        {"home": {"id": HOME, "modules": [{"id": PET_CAM, "monitoring": "off"}]}}
    ]
    assert sim.module(PET_CAM).monitoring == "off"
    assert hass.states.get(MONITORING).state == STATE_OFF
    # the home's status was read again after the command
    assert api_requests(netatmo)[-2:] == ["setstate", "homestatus"]
    await tick(STATUS_INTERVAL)
    assert hass.states.get(MONITORING).state == STATE_OFF

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: MONITORING}, blocking=True
    )
    assert sim.module(PET_CAM).monitoring == "on"
    assert hass.states.get(MONITORING).state == STATE_ON
    assert hass.states.get("switch.garden_monitoring").state == STATE_ON


async def test_scenario_select(
    hass: HomeAssistant, netatmo: NetatmoCloud, init_netatmo: MockConfigEntry
) -> None:
    """Choosing a scenario runs it on the home's gateway."""
    sim = netatmo.sim
    home = sim.homes[HOME]
    movie_night = home.scenario("Movie night")
    assert movie_night is not None
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: SCENARIO, ATTR_OPTION: "Movie night"},
        blocking=True,
    )
    assert setstate_bodies(netatmo) == [
        {
            "home": {
                "id": HOME,
                "modules": [
                    {"id": home.gateway.module_id, "scenario": movie_night.scenario_id}
                ],
            }
        }
    ]
    assert home.active_scenario == movie_night.scenario_id
    assert hass.states.get(SCENARIO).state == "Movie night"


# --- cameras ----------------------------------------------------------------------


async def test_stream_on_the_lan_then_through_the_vpn(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    """The LAN stream while the camera answers there; the VPN's once it does not."""
    sim = netatmo.sim
    camera_hash = sim.module(PET_CAM).camera_hash
    local = f"{netatmo.url}/local/{camera_hash}/live/index_local.m3u8"
    vpn = f"{netatmo.url}/vpn/{camera_hash}/live/index.m3u8"

    assert await async_get_stream_source(hass, CAMERA) == local
    sim.set_local_reachable(PET_CAM, False)
    # the stream handed out is kept until shortly before it is checked again
    await tick(STREAM_RECHECK - timedelta(seconds=90))
    assert await async_get_stream_source(hass, CAMERA) == local
    await tick(timedelta(seconds=31))
    assert await async_get_stream_source(hass, CAMERA) == vpn
    async with aiohttp.ClientSession() as player:
        for url in (vpn, local):
            async with player.get(url) as playlist:
                if url == vpn:
                    assert playlist.status == 200
                    assert (await playlist.text()).startswith("#EXTM3U")
                else:  # the LAN is gone
                    assert playlist.status == 404

    # the camera's still image: its live snapshot, through HA's camera API
    image = await async_get_image(hass, CAMERA)
    assert image.content == JPEG_BYTES
    assert image.content_type == "image/jpeg"
    # the camera's own URLs (pings, the snapshot) are no API calls: they do
    # not count against the account's hour
    camera_calls = [
        request.path
        for request in sim.requests
        if request.path.startswith(("/vpn/", "/local/"))
    ]
    assert f"/vpn/{camera_hash}/command/ping" in camera_calls
    assert f"/vpn/{camera_hash}/live/snapshot_720.jpg" in camera_calls
    account = init_netatmo.runtime_data.account
    assert account.calls_last_hour == len(api_requests(netatmo))


async def test_polled_events_fire_the_event_entity(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    netatmo_config_entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """Without push, getevents every minute brings the events (the first read fires none)."""
    sim = netatmo.sim
    event = "event.garden_camera_event"
    # an animal a minute before Home Assistant started: old news
    sim.raise_event(PET_CAM, "animal", at=sim.clock.now() - timedelta(minutes=1))
    assert await hass.config_entries.async_setup(netatmo_config_entry.entry_id)
    await hass.async_block_till_done()
    assert netatmo_config_entry.runtime_data.push.state == "no_url"
    assert hass.states.get("event.pet_cam_camera_event").state == STATE_UNKNOWN
    assert hass.states.get(event).state == STATE_UNKNOWN
    # ... but what the cameras saw last is known
    assert hass.states.get("sensor.pet_cam_last_animal_seen").state == (
        "2025-06-10T09:59:00+00:00"
    )
    assert hass.states.get("image.pet_cam_latest_event").attributes["event_type"] == (
        "animal"
    )

    sim.raise_event(GARDEN, "animal")  # at 10:00:00
    await tick(EVENTS_INTERVAL - timedelta(seconds=5))
    assert hass.states.get(event).state == STATE_UNKNOWN
    await tick(timedelta(seconds=6))
    state = hass.states.get(event)
    assert state.state != STATE_UNKNOWN
    assert state.attributes["event_type"] == "animal"
    assert state.attributes["message"] == "Animal seen by Garden"
    assert state.attributes["snapshot_url"].startswith(f"{netatmo.url}/images/")
    assert hass.states.get("sensor.garden_last_animal_seen").state == (
        "2025-06-10T10:00:00+00:00"
    )
    assert hass.states.get("image.garden_latest_event").attributes["event_type"] == (
        "animal"
    )
    # read again, the same event does not fire twice
    fired = state.state
    await tick(EVENTS_INTERVAL)
    assert hass.states.get(event).state == fired
    assert hass.states.get("event.pet_cam_camera_event").state == STATE_UNKNOWN
    assert sim.api_calls("getevents") == 6  # both homes, every minute


async def test_diagnostics_keep_the_household_private(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    """No token, URL, id, person or event picture; what a bug report needs stays."""
    sim = netatmo.sim
    sim.raise_event(PET_CAM, "animal")
    await tick(EVENTS_INTERVAL)
    assert await async_get_stream_source(hass, CAMERA)  # a stream URL is cached
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_netatmo
    )

    dump = json.dumps(diagnostics)
    token = init_netatmo.data["token"]
    for secret in (
        token["access_token"],
        token["refresh_token"],
        sim.client_secret,
        netatmo.url,
        "127.0.0.1",
        sim.user_id,
        HOME,
        PET_CAM,
        STATION,
        *(person.person_id for person in sim.homes[HOME].persons.values()),
        *(person.pseudo for person in sim.homes[HOME].persons.values()),
    ):
        assert secret not in dump
    assert "http" not in dump
    devices = {device["name"]: device for device in diagnostics["devices"]}
    # 2 homes, 4 cameras, the station's base and 2 modules, the coach
    assert len(diagnostics["devices"]) == len(devices) == 10
    pet_cam = devices["Pet cam"]
    assert pet_cam["kind"] == "camera"
    assert pet_cam["camera"]["last_event"]["type"] == "animal"
    assert pet_cam["stream"]["stream_url"] == "**REDACTED**"
    assert devices["Home"]["home"]["persons"] == "**REDACTED**"
    assert diagnostics["push"]["state"] == "no_url"
    assert diagnostics["reliability"]["request_cap"] == "200 per 1:00:00"


# --- throttling and the hourly self-limit -----------------------------------------


@pytest.mark.parametrize(
    ("answer", "wait"),
    [
        # the real limit: 403 code 26, no Retry-After (we hold back 5 min)
        ("403", THROTTLE_BACKOFF),
        # a gateway's 429 with Retry-After: honoured to the second
        ("429", timedelta(seconds=120)),
    ],
)
async def test_throttled_by_the_cloud(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
    answer: str,
    wait: timedelta,
) -> None:
    """No call goes until the wait is over; then polling picks up again."""
    sim = netatmo.sim
    coordinator = init_netatmo.runtime_data
    if answer == "403":
        sim.limit_per_hour = 1  # every call is over the hour's limit
    else:
        sim.add_fault("http_429", retry_after=120)
    sim.reset_requests()
    await tick(EVENTS_INTERVAL)
    # one call was refused; nothing more was tried
    assert api_requests(netatmo) == ["getevents"]
    assert coordinator.update_interval == wait + timedelta(seconds=1)
    assert coordinator.reliability()["requests_paused_until"] is not None
    # the coordinator's rule: a refresh that read nothing fails (unavailable)
    assert hass.states.get(MONITORING).state == STATE_UNAVAILABLE
    assert init_netatmo.state is ConfigEntryState.LOADED

    sim.reset_requests()
    for _ in range(int(wait / timedelta(seconds=30)) - 1):
        await tick(timedelta(seconds=30))
    assert sim.requests == []

    sim.limit_per_hour = 500
    sim.clear_faults()
    await tick(timedelta(seconds=31))
    assert "getevents" in api_requests(netatmo)
    assert unavailable(hass, init_netatmo) == set()
    assert coordinator.reliability()["requests_paused_until"] is None


async def test_the_hourly_self_limit_holds_under_a_burst(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    """250 monitoring toggles, six seconds apart, polls going on meanwhile.

    The simulator never sees more than HOURLY_CAP calls in the hour; polls
    stop POLL_RESERVE short of it, and commands beyond it are refused at
    home with the translated message (no call sent).
    """
    sim = netatmo.sim
    done = 0
    refused: list[HomeAssistantError] = []
    for _ in range(250):
        try:
            await hass.services.async_call(
                SWITCH_DOMAIN,
                SERVICE_TOGGLE,
                {ATTR_ENTITY_ID: MONITORING},
                blocking=True,
            )
        except HomeAssistantError as err:
            refused.append(err)
        else:
            done += 1
        await tick(timedelta(seconds=6))

    assert sim.api_calls() == HOURLY_CAP
    assert sim.api_calls("setstate") == done
    assert sim.throttled == 0  # the cloud never had to refuse one
    assert len(refused) == 250 - done > 0
    err = refused[-1]
    assert err.translation_key == "self_limited"  # our own cap, not the cloud's
    assert err.translation_placeholders["action"] == "set_monitoring"
    assert f"{err.translation_placeholders['seconds']} seconds" in str(err)
    # polls went on meanwhile, and left room for the commands
    assert sim.api_calls("getevents") > 2  # the first refresh made two
    assert sim.api_calls() - sim.api_calls("setstate") <= HOURLY_CAP - POLL_RESERVE
    assert hass.states.get(CALLS).state == str(HOURLY_CAP)
    assert hass.states.get(MONITORING).state != STATE_UNAVAILABLE
    reliability = init_netatmo.runtime_data.reliability()
    assert reliability["requests_held_back"] == len(refused)

    # an hour after the first calls, they are out of the window: polls resume
    sim.reset_requests()
    await tick(timedelta(minutes=55))
    assert api_requests(netatmo) != []
    assert int(hass.states.get(CALLS).state) < HOURLY_CAP


# --- unload and removal -------------------------------------------------------------


async def test_unload_and_removal_leave_no_polling(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    init_netatmo: MockConfigEntry,
    tick: Tick,
) -> None:
    sim = netatmo.sim
    assert await hass.config_entries.async_unload(init_netatmo.entry_id)
    await hass.async_block_till_done()
    assert init_netatmo.state is ConfigEntryState.NOT_LOADED
    sim.reset_requests()
    for _ in range(4):
        await tick(TOPOLOGY_QUARTER)
    assert sim.requests == []

    assert await hass.config_entries.async_setup(init_netatmo.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(MONITORING).state == STATE_ON
    await hass.config_entries.async_remove(init_netatmo.entry_id)
    await hass.async_block_till_done()
    sim.reset_requests()
    for _ in range(4):
        await tick(TOPOLOGY_QUARTER)
    assert sim.requests == []
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_a_scenario_gone_meanwhile_is_refused(
    hass: HomeAssistant, netatmo: NetatmoCloud, init_netatmo: MockConfigEntry
) -> None:
    """A scenario the home no longer has (chosen from an old list) runs nothing."""
    entity = hass.data[SELECT_DOMAIN].get_entity(SCENARIO)
    with pytest.raises(ServiceValidationError) as err:
        await entity.async_select_option("Gone since")
    assert err.value.translation_key == "unknown_scenario"
    assert err.value.translation_placeholders == {"scenario": "Gone since"}
    assert setstate_bodies(netatmo) == []


async def test_the_event_picture_is_fetched_once_and_a_lost_one_is_none(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    netatmo_config_entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """The latest event's picture is downloaded once; one the cloud fails is none."""
    sim = netatmo.sim
    sim.raise_event(PET_CAM, "animal", at=sim.clock.now() - timedelta(minutes=1))
    assert await hass.config_entries.async_setup(netatmo_config_entry.entry_id)
    await hass.async_block_till_done()
    entity = hass.data["image"].get_entity("image.pet_cam_latest_event")
    sim.reset_requests()
    assert await entity.async_image() == JPEG_BYTES
    assert await entity.async_image() == JPEG_BYTES
    assert len(sim.requests) == 1  # fetched once

    sim.add_fault("http_500", route="/images/{image_id}")
    sim.raise_event(PET_CAM, "animal")
    await tick(EVENTS_INTERVAL + timedelta(seconds=1))
    assert hass.states.get("image.pet_cam_latest_event").state == (
        "2025-06-10T10:00:00+00:00"
    )
    assert await entity.async_image() is None  # no picture, no error


async def test_the_credentials_form_says_where_to_make_an_app(
    hass: HomeAssistant,
    netatmo_credentials: None,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Application credentials → PetSmart Hub explains the app and its redirect URI."""
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "application_credentials/config"})
    answer = await client.receive_json()
    assert answer["success"]
    assert DOMAIN in answer["result"]["domains"]
    placeholders = answer["result"]["integrations"][DOMAIN]["description_placeholders"]
    assert placeholders["apps_url"] == "https://dev.netatmo.com/apps/"
    assert placeholders["redirect_url"].endswith("/redirect/oauth")


@pytest.mark.parametrize("netatmo_history", [False])
async def test_a_camera_that_saw_nothing_yet_has_no_picture(
    hass: HomeAssistant, netatmo: NetatmoCloud, init_netatmo: MockConfigEntry
) -> None:
    """Before its first event a camera's picture is unknown, not an error."""
    image = hass.states.get("image.pet_cam_latest_event")
    assert image.state == STATE_UNKNOWN
    assert "event_type" not in image.attributes
    entity = hass.data["image"].get_entity("image.pet_cam_latest_event")
    assert await entity.async_image() is None
    assert hass.states.get("sensor.pet_cam_last_animal_seen").state == STATE_UNKNOWN
