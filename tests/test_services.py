"""Actions: the command the cloud receives, validation first, vendor failures."""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import string
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol
import yaml

from custom_components.petsmart_hub import services
from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.model import (
    Command,
    CommandResult,
    Device,
    Photo,
    TakePhoto,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from simulator.onenata import photo_jpeg

from .conftest import Cloud
from .registry import entry_ids, find_device

COMPONENT = Path(services.__file__).parent
STRINGS = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))
SERVICES_YAML = yaml.safe_load((COMPONENT / "services.yaml").read_text("utf-8"))
ICONS = json.loads((COMPONENT / "icons.json").read_text(encoding="utf-8"))

COMMANDS = "/v1/devices/{device_id}/commands"
STATUS = "/v1/devices/{device_id}/status"
HISTORY = "/v1/devices/{device_id}/location/history"
VALIDATE = "/v1/devices/validate"

FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
TRACKER = "gps_tracker_001"
CAMERA = "camera_001"
LITTER_BOX = "litterbox_001"
TOY = "smart_toy_001"


def ha_device(hass: HomeAssistant, vendor_id: str) -> str:
    """Return the HA device id of a simulated device."""
    device = find_device(hass, f"onenata_{vendor_id}")
    assert device is not None, vendor_id
    return device.id


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> Any:
    result = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )
    await hass.async_block_till_done()
    return result


def sent_commands(cloud: Cloud) -> list[tuple[str | None, Any]]:
    """(device, body) of every command the cloud received."""
    return [(r.device_id, r.json) for r in cloud.sim.requests if r.route == COMMANDS]


def rendered(err: HomeAssistantError) -> str:
    """The message strings.json gives for a translated error (HA drops the dot)."""
    template = STRINGS["exceptions"][err.translation_key]["message"].rstrip(".")
    return template.format(**(err.translation_placeholders or {}))


# --- every action sends the documented command ---------------------------------


async def test_feed(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """feed: amount, portion and sound alert as the doc spells them."""
    sim = onenata.sim
    sim.reset_requests()
    await call(
        hass,
        "feed",
        {
            "device_id": ha_device(hass, FEEDER),
            "amount": 30,
            "portion": "small",
            "sound_alert": False,
        },
    )
    assert sent_commands(onenata) == [
        (
            FEEDER,
            {
                "command": "feed",
                "parameters": {
                    "amount": 30,
                    "schedule": "immediate",
                    "portion": "small",
                    "soundAlert": False,
                    "recordFeeding": True,
                },
            },
        )
    ]
    assert sim.devices[FEEDER].food_grams == 1170
    # the fed device is refreshed (status and food level), nothing else
    assert sim.count("GET", STATUS) == 1
    assert sim.count("GET", STATUS, device_id=FEEDER) == 1
    assert sim.count("GET", "/v1/devices/{device_id}/food-level") == 1
    assert hass.states.get("sensor.smart_feeder_1_food_remaining").state == "1170.0"


async def test_feed_amount_only(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Portion and sound alert are left to the feeder when not given."""
    await call(hass, "feed", {"device_id": [ha_device(hass, FEEDER)], "amount": "45"})
    assert sent_commands(onenata) == [
        (
            FEEDER,
            {
                "command": "feed",
                "parameters": {
                    "amount": 45,
                    "schedule": "immediate",
                    "recordFeeding": True,
                },
            },
        )
    ]


@pytest.mark.parametrize("devices_per_kind", [2])
async def test_feed_several_devices(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """One call feeds every targeted feeder once (duplicates are ignored)."""
    first = ha_device(hass, FEEDER)
    second = ha_device(hass, "feeding_machine_002")
    onenata.sim.reset_requests()
    await call(hass, "feed", {"device_id": [first, second, first], "amount": 20})
    assert [device for device, _ in sent_commands(onenata)] == [
        FEEDER,
        "feeding_machine_002",
    ]
    assert onenata.sim.devices[FEEDER].food_grams == 1180
    assert onenata.sim.devices["feeding_machine_002"].food_grams == 1180
    assert onenata.sim.count("GET", STATUS) == 2
    assert hass.states.get("sensor.smart_feeder_2_food_remaining").state == "1180.0"


async def test_set_feeding_schedule(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The schedule goes out as the doc's list; the time zone is HA's."""
    await call(
        hass,
        "set_feeding_schedule",
        {
            "device_id": ha_device(hass, FEEDER),
            "schedule": [
                # HA's time selector gives seconds too
                {"time": "07:30:00", "amount": 40},
                {"time": "12:15", "amount": 25.0, "enabled": True},
                {"time": "19:00", "amount": 60, "enabled": "off"},
            ],
        },
    )
    assert hass.config.time_zone == "US/Pacific"
    assert sent_commands(onenata) == [
        (
            FEEDER,
            {
                "command": "setSchedule",
                "parameters": {
                    "schedule": [
                        {"time": "07:30", "amount": 40, "enabled": True},
                        {"time": "12:15", "amount": 25, "enabled": True},
                        {"time": "19:00", "amount": 60, "enabled": False},
                    ],
                    "timezone": "US/Pacific",
                    "autoAdjust": True,
                },
            },
        )
    ]
    device = onenata.sim.devices[FEEDER]
    assert device.schedule_tz == "US/Pacific"
    assert [entry.enabled for entry in device.schedule] == [True, True, False]
    assert hass.states.get("sensor.smart_feeder_1_scheduled_feeds").state == "2"


async def test_set_feeding_schedule_timezone(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """An explicit time zone wins; a single meal may be given without a list."""
    await call(
        hass,
        "set_feeding_schedule",
        {
            "device_id": ha_device(hass, FEEDER),
            "schedule": {"time": "08:00", "amount": 60},
            "timezone": "Europe/Amsterdam",
        },
    )
    (_, body), *_ = sent_commands(onenata)
    assert body["parameters"]["timezone"] == "Europe/Amsterdam"
    assert body["parameters"]["schedule"] == [
        {"time": "08:00", "amount": 60, "enabled": True}
    ]
    assert onenata.sim.devices[FEEDER].schedule_tz == "Europe/Amsterdam"


async def test_pause_feeding_schedule(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Pausing stops the scheduled meals."""
    assert hass.states.get("sensor.smart_feeder_1_next_scheduled_feed").state != (
        "unknown"
    )
    await call(hass, "pause_feeding_schedule", {"device_id": ha_device(hass, FEEDER)})
    assert sent_commands(onenata) == [
        (FEEDER, {"command": "pauseSchedule", "parameters": {}})
    ]
    assert onenata.sim.devices[FEEDER].schedule_paused is True
    assert (
        hass.states.get("sensor.smart_feeder_1_next_scheduled_feed").state == "unknown"
    )


async def test_set_geofence(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """setFence with the doc's names; alerts default to exit only."""
    await call(
        hass,
        "set_geofence",
        {
            "device_id": ha_device(hass, TRACKER),
            "latitude": 40.7128,
            "longitude": -74.006,
            "radius": 250,
            "name": "Home Safe Zone",
        },
    )
    await call(
        hass,
        "set_geofence",
        {
            "device_id": ha_device(hass, TRACKER),
            "latitude": -33.9,
            "longitude": 151.2,
            "radius": 50000,
            "name": "Holiday",
            "alert_on_exit": False,
            "alert_on_entry": True,
        },
    )
    assert sent_commands(onenata) == [
        (
            TRACKER,
            {
                "command": "setFence",
                "parameters": {
                    "latitude": 40.7128,
                    "longitude": -74.006,
                    "radius": 250,
                    "name": "Home Safe Zone",
                    "alertOnExit": True,
                    "alertOnEntry": False,
                    "enabled": True,
                },
            },
        ),
        (
            TRACKER,
            {
                "command": "setFence",
                "parameters": {
                    "latitude": -33.9,
                    "longitude": 151.2,
                    "radius": 50000,
                    "name": "Holiday",
                    "alertOnExit": False,
                    "alertOnEntry": True,
                    "enabled": True,
                },
            },
        ),
    ]
    assert [fence["name"] for fence in onenata.sim.devices[TRACKER].fences] == [
        "Home Safe Zone",
        "Holiday",
    ]


async def test_start_pump(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """startPump with duration, flowRate and mode."""
    await call(
        hass,
        "start_pump",
        {
            "device_id": ha_device(hass, FOUNTAIN),
            "duration": 15,
            "flow_rate": "high",
            "mode": "intermittent",
        },
    )
    assert sent_commands(onenata) == [
        (
            FOUNTAIN,
            {
                "command": "startPump",
                "parameters": {
                    "duration": 15,
                    "flowRate": "high",
                    "mode": "intermittent",
                    "autoStop": True,
                },
            },
        )
    ]
    assert hass.states.get("binary_sensor.water_fountain_1_pump").state == "on"


async def test_start_cleaning_fountain_and_litter_box(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """startClean goes to fountains and litter boxes alike, in one call."""
    await call(
        hass,
        "start_cleaning",
        {
            "device_id": [ha_device(hass, FOUNTAIN), ha_device(hass, LITTER_BOX)],
            "mode": "deep",
            "duration": 300,
        },
    )
    body = {"command": "startClean", "parameters": {"mode": "deep", "duration": 300}}
    assert sent_commands(onenata) == [(FOUNTAIN, body), (LITTER_BOX, body)]
    assert hass.states.get("binary_sensor.water_fountain_1_cleaning").state == "on"
    assert hass.states.get("binary_sensor.litter_box_1_cleaning").state == "on"

    onenata.sim.reset_requests()
    await call(
        hass,
        "start_cleaning",
        {"device_id": ha_device(hass, LITTER_BOX), "mode": "normal"},
    )
    assert sent_commands(onenata) == [
        (LITTER_BOX, {"command": "startClean", "parameters": {"mode": "normal"}})
    ]


async def test_take_photo(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """takePhoto answers where the photo is; the URL serves the picture."""
    response = await call(
        hass, "take_photo", {"device_id": ha_device(hass, CAMERA)}, response=True
    )
    assert sent_commands(onenata) == [
        (
            CAMERA,
            {
                "command": "takePhoto",
                "parameters": {
                    "quality": "high",
                    "timestamp": True,
                    "format": "jpeg",
                    "saveToCloud": True,
                },
            },
        )
    ]
    base = onenata.server.url
    assert response == {
        "photo_id": "photo_001",
        "url": f"{base}/photos/camera_001/photo_001.jpg",
        "thumbnail_url": f"{base}/thumbnails/photo_001_thumb.jpg",
        "timestamp": response["timestamp"],
        "resolution": "1920x1080",
    }
    assert datetime.fromisoformat(response["timestamp"].replace("Z", "+00:00"))
    session = async_get_clientsession(hass)
    async with session.get(response["url"]) as photo:
        assert await photo.read() == photo_jpeg("camera_001/photo_001")
    # without asking for the response the photo is taken all the same
    await call(hass, "take_photo", {"device_id": ha_device(hass, CAMERA)})
    assert onenata.sim.devices[CAMERA].photos == ["photo_001", "photo_002"]


async def test_start_recording(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """startRecord with duration and quality."""
    await call(
        hass,
        "start_recording",
        {
            "device_id": ha_device(hass, CAMERA),
            "duration": 60,
            "recording_quality": "720p",
        },
    )
    assert sent_commands(onenata) == [
        (
            CAMERA,
            {
                "command": "startRecord",
                "parameters": {
                    "duration": 60,
                    "quality": "720p",
                    "autoStop": True,
                    "saveToCloud": True,
                },
            },
        )
    ]
    assert hass.states.get("binary_sensor.pet_camera_1_recording").state == "on"


async def test_start_play(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """startPlay with mode, duration and intensity."""
    await call(
        hass,
        "start_play",
        {
            "device_id": ha_device(hass, TOY),
            "mode": "automatic",
            "duration": 120,
            "intensity": "high",
        },
    )
    assert sent_commands(onenata) == [
        (
            TOY,
            {
                "command": "startPlay",
                "parameters": {
                    "mode": "automatic",
                    "duration": 120,
                    "intensity": "high",
                },
            },
        )
    ]
    assert hass.states.get("binary_sensor.smart_toy_1_playing").state == "on"


async def test_start_training(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """startTraining with skill, difficulty and duration."""
    await call(
        hass,
        "start_training",
        {
            "device_id": ha_device(hass, TOY),
            "skill": "fetch",
            "difficulty": "advanced",
            "duration": 600,
        },
    )
    assert sent_commands(onenata) == [
        (
            TOY,
            {
                "command": "startTraining",
                "parameters": {
                    "skill": "fetch",
                    "difficulty": "advanced",
                    "duration": 600,
                    "rewardSystem": True,
                    "progressTracking": True,
                },
            },
        )
    ]
    assert onenata.sim.devices[TOY].sessions["play"].details == {"mode": "training"}


@pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")
async def test_get_location_history_default_period(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """By default the last 24 hours, at most 100 positions."""
    response = await call(
        hass,
        "get_location_history",
        {"device_id": ha_device(hass, TRACKER)},
        response=True,
    )
    (request,) = [r for r in onenata.sim.requests if r.route == HISTORY]
    assert request.device_id == TRACKER
    assert request.query == {
        "startDate": "2025-01-14T10:30:00Z",
        "endDate": "2025-01-15T10:30:00Z",
        "limit": "100",
    }
    locations = response["locations"]
    assert len(locations) == 100
    first = locations[0]
    assert set(first) == {"latitude", "longitude", "accuracy", "timestamp"}
    assert first["timestamp"] == "2025-01-14T10:30:00+00:00"
    assert isinstance(first["latitude"], float)
    assert isinstance(first["longitude"], float)
    assert 3 <= first["accuracy"] <= 8
    assert locations[1]["timestamp"] == "2025-01-14T10:35:00+00:00"


@pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")
async def test_get_location_history_period(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Times without a zone are HA's local time; the limit is passed on."""
    response = await call(
        hass,
        "get_location_history",
        {
            "device_id": ha_device(hass, TRACKER),
            "start": "2025-01-15 00:00:00",
            "end": "2025-01-15T02:00:00-08:00",
            "limit": 5,
        },
        response=True,
    )
    (request,) = [r for r in onenata.sim.requests if r.route == HISTORY]
    assert request.query == {
        "startDate": "2025-01-15T08:00:00Z",
        "endDate": "2025-01-15T10:00:00Z",
        "limit": "5",
    }
    assert [point["timestamp"] for point in response["locations"]] == [
        f"2025-01-15T08:{minute:02d}:00+00:00" for minute in range(0, 25, 5)
    ]

    # only an end: the day before it
    onenata.sim.reset_requests()
    await call(
        hass,
        "get_location_history",
        {"device_id": ha_device(hass, TRACKER), "end": "2025-01-15T06:00:00+00:00"},
        response=True,
    )
    (request,) = [r for r in onenata.sim.requests if r.route == HISTORY]
    assert request.query["startDate"] == "2025-01-14T06:00:00Z"
    assert request.query["endDate"] == "2025-01-15T06:00:00Z"


async def test_add_device(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """add_device registers the serial; the device appears without a reload."""
    assert hass.states.get("button.smart_feeder_2_feed") is None
    response = await call(
        hass,
        "add_device",
        {
            "config_entry_id": init_integration.entry_id,
            "serial": " ON-SF-777 ",
            "device_type": "feeder",
            "model": "piFI",
        },
        response=True,
    )
    assert response == {"device_id": "feeding_machine_002"}
    (request,) = [r for r in onenata.sim.requests if r.route == VALIDATE]
    assert request.method == "POST"
    assert request.json == {
        "serialNumber": "ON-SF-777",
        "deviceType": "feedingMachine",
        "deviceModel": "piFI",
        "manufacturer": "onenata",
    }
    assert init_integration.state is ConfigEntryState.LOADED

    device = dr.async_get(hass).async_get(ha_device(hass, "feeding_machine_002"))
    assert device.serial_number == "ON-SF-777"
    assert device.model == "piFI"
    assert entry_ids(device) == {init_integration.entry_id}
    assert hass.states.get("button.smart_feeder_2_feed") is not None
    assert hass.states.get("sensor.smart_feeder_2_food_level").state == "60.0"

    # and it can be used right away
    await call(hass, "feed", {"device_id": device.id, "amount": 10})
    assert onenata.sim.devices["feeding_machine_002"].food_grams == 1190


@pytest.mark.parametrize(
    ("device_type", "cloud_type", "vendor_id", "entity_id"),
    [
        (
            "fountain",
            "waterFountain",
            "water_fountain_002",
            "sensor.water_fountain_2_ph",
        ),
        ("tracker", "gpsTracker", "gps_tracker_002", "device_tracker.gps_tracker_2"),
        ("camera", "camera", "camera_002", "camera.pet_camera_2"),
        (
            "litter_box",
            "litterBox",
            "litterbox_002",
            "sensor.litter_box_2_litter_level",
        ),
        ("toy", "smartToy", "smart_toy_002", "button.smart_toy_2_start_play"),
    ],
)
async def test_add_device_every_kind(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    device_type: str,
    cloud_type: str,
    vendor_id: str,
    entity_id: str,
) -> None:
    """Every kind is registered with the doc's deviceType (model optional)."""
    response = await call(
        hass,
        "add_device",
        {
            "config_entry_id": init_integration.entry_id,
            "serial": f"NEW-{device_type}",
            "device_type": device_type,
        },
        response=True,
    )
    assert response == {"device_id": vendor_id}
    (request,) = [r for r in onenata.sim.requests if r.route == VALIDATE]
    assert request.json == {
        "serialNumber": f"NEW-{device_type}",
        "deviceType": cloud_type,
        "manufacturer": "onenata",
    }
    assert hass.states.get(entity_id) is not None


# --- validation before any request ----------------------------------------------

type DataFn = Callable[[HomeAssistant], dict[str, Any]]


def _to(vendor_id: str, **data: Any) -> DataFn:
    return lambda hass: {"device_id": ha_device(hass, vendor_id), **data}


def _meals(*meals: Any, **extra: Any) -> DataFn:
    return _to(FEEDER, schedule=list(meals), **extra)


INVALID: list[tuple[str, DataFn, str, dict[str, str]]] = [
    # wrong kind of device
    ("feed", _to(FOUNTAIN, amount=50), "wrong_device_kind", {"kind": "fountain"}),
    (
        "feed",
        lambda hass: {
            "device_id": [ha_device(hass, FEEDER), ha_device(hass, CAMERA)],
            "amount": 50,
        },
        "wrong_device_kind",
        {"device": "Pet Camera 1", "kind": "camera"},
    ),
    ("set_feeding_schedule", _to(TOY, schedule=[{"time": "08:00", "amount": 5}]),
     "wrong_device_kind", {"kind": "toy"}),
    ("pause_feeding_schedule", _to(LITTER_BOX), "wrong_device_kind", {}),
    (
        "set_geofence",
        _to(FEEDER, latitude=1, longitude=1, radius=100, name="x"),
        "wrong_device_kind",
        {"device": "Smart Feeder 1", "kind": "feeder"},
    ),
    ("start_pump", _to(LITTER_BOX), "wrong_device_kind", {"kind": "litter_box"}),
    ("start_cleaning", _to(FEEDER), "wrong_device_kind", {}),
    ("start_cleaning", _to(CAMERA), "wrong_device_kind", {}),
    ("take_photo", _to(TRACKER), "wrong_device_kind", {"kind": "tracker"}),
    ("start_recording", _to(TOY), "wrong_device_kind", {}),
    ("start_play", _to(CAMERA), "wrong_device_kind", {}),
    ("start_training", _to(FEEDER, skill="sit"), "wrong_device_kind", {}),
    ("get_location_history", _to(CAMERA), "wrong_device_kind", {"kind": "camera"}),
    # numbers out of range
    ("feed", _to(FEEDER, amount=0), "out_of_range",
     {"field": "amount", "value": "0", "min": "1", "max": "500"}),
    ("feed", _to(FEEDER, amount=501), "out_of_range", {"field": "amount"}),
    (
        "set_geofence",
        _to(TRACKER, latitude=90.5, longitude=0, radius=100, name="x"),
        "out_of_range",
        {"field": "latitude"},
    ),
    (
        "set_geofence",
        _to(TRACKER, latitude=0, longitude=-180.1, radius=100, name="x"),
        "out_of_range",
        {"field": "longitude"},
    ),
    (
        "set_geofence",
        _to(TRACKER, latitude=0, longitude=0, radius=9, name="x"),
        "out_of_range",
        {"field": "radius", "min": "10", "max": "50000"},
    ),
    (
        "set_geofence",
        _to(TRACKER, latitude=0, longitude=0, radius=50001, name="x"),
        "out_of_range",
        {"field": "radius"},
    ),
    ("start_pump", _to(FOUNTAIN, duration=0), "out_of_range",
     {"field": "duration", "min": "1", "max": "1440"}),
    ("start_pump", _to(FOUNTAIN, duration=1441), "out_of_range", {}),
    ("start_cleaning", _to(FOUNTAIN, duration=29), "out_of_range",
     {"min": "30", "max": "3600"}),
    ("start_cleaning", _to(LITTER_BOX, duration=3601), "out_of_range", {}),
    ("start_recording", _to(CAMERA, duration=4), "out_of_range",
     {"min": "5", "max": "3600"}),
    ("start_recording", _to(CAMERA, duration=3601), "out_of_range", {}),
    ("start_play", _to(TOY, duration=9), "out_of_range", {"min": "10"}),
    ("start_play", _to(TOY, duration=3601), "out_of_range", {"max": "3600"}),
    ("start_training", _to(TOY, skill="sit", duration=29), "out_of_range",
     {"min": "30"}),
    ("start_training", _to(TOY, skill="sit", duration=3601), "out_of_range", {}),
    ("get_location_history", _to(TRACKER, limit=0), "out_of_range",
     {"field": "limit", "min": "1", "max": "1000"}),
    ("get_location_history", _to(TRACKER, limit=1001), "out_of_range", {}),
    # words that are not among the choices
    ("feed", _to(FEEDER, amount=50, portion="huge"), "invalid_choice",
     {"field": "portion", "value": "huge", "choices": "small, normal, large"}),
    ("start_pump", _to(FOUNTAIN, flow_rate="turbo"), "invalid_choice",
     {"field": "flow_rate"}),
    ("start_pump", _to(FOUNTAIN, mode="smart"), "invalid_choice", {"field": "mode"}),
    ("start_cleaning", _to(FOUNTAIN, mode="standard"), "invalid_choice",
     {"choices": "quick, normal, deep"}),
    ("start_recording", _to(CAMERA, recording_quality="4k"), "invalid_choice",
     {"field": "recording_quality"}),
    ("start_play", _to(TOY, mode="chase"), "invalid_choice", {"field": "mode"}),
    ("start_play", _to(TOY, intensity="wild"), "invalid_choice",
     {"field": "intensity"}),
    ("start_training", _to(TOY, skill="sit", difficulty="expert"), "invalid_choice",
     {"field": "difficulty"}),
    # feeding schedules
    ("set_feeding_schedule", _meals({"time": "25:00", "amount": 10}), "invalid_time",
     {"index": "1", "value": "25:00"}),
    ("set_feeding_schedule",
     _meals({"time": "08:00", "amount": 10}, {"time": "8:00", "amount": 10}),
     "invalid_time", {"index": "2"}),
    ("set_feeding_schedule", _meals({"time": "08:00:00:00", "amount": 10}),
     "invalid_time", {}),
    ("set_feeding_schedule", _meals({"amount": 10}), "invalid_time",
     {"value": "None"}),
    ("set_feeding_schedule", _meals({"time": "08:00"}), "invalid_amount",
     {"index": "1", "value": "None"}),
    ("set_feeding_schedule", _meals({"time": "08:00", "amount": "50"}),
     "invalid_amount", {"value": "50"}),
    ("set_feeding_schedule", _meals({"time": "08:00", "amount": True}),
     "invalid_amount", {}),
    ("set_feeding_schedule", _meals({"time": "08:00", "amount": 0}), "out_of_range",
     {"field": "amount"}),
    ("set_feeding_schedule", _meals({"time": "08:00", "amount": 600}),
     "out_of_range", {"field": "amount"}),
    ("set_feeding_schedule",
     _meals({"time": "08:00", "amount": 10, "enabled": "maybe"}),
     "invalid_enabled", {"index": "1", "value": "maybe"}),
    ("set_feeding_schedule", _meals(), "invalid_schedule_length", {"count": "0"}),
    ("set_feeding_schedule",
     _meals(*({"time": f"{hour:02d}:00", "amount": 10} for hour in range(11))),
     "invalid_schedule_length", {"count": "11"}),
    ("set_feeding_schedule",
     _meals({"time": "08:00", "amount": 10}, timezone="Mars/Olympus_Mons"),
     "invalid_timezone", {"value": "Mars/Olympus_Mons"}),
    # empty words
    ("set_geofence",
     _to(TRACKER, latitude=0, longitude=0, radius=100, name="  "),
     "empty_value", {"field": "name"}),
    ("start_training", _to(TOY, skill=" "), "empty_value", {"field": "skill"}),
    # periods
    ("get_location_history",
     _to(TRACKER, start="2025-01-15T10:00:00+00:00", end="2025-01-15T10:00:00+00:00"),
     "start_after_end", {}),
    ("get_location_history",
     _to(TRACKER, start="2025-01-16T00:00:00+00:00", end="2025-01-15T00:00:00+00:00"),
     "start_after_end", {}),
    # unknown devices
    ("feed", lambda hass: {"device_id": "not-a-device", "amount": 5},
     "device_not_found", {"device_id": "not-a-device"}),
    ("take_photo", lambda hass: {"device_id": "not-a-device"}, "device_not_found", {}),
    ("get_location_history", lambda hass: {"device_id": "nope"}, "device_not_found",
     {}),
    # accounts
    ("add_device",
     lambda hass: {"config_entry_id": "nope", "serial": "S", "device_type": "toy"},
     "entry_not_found", {"entry_id": "nope"}),
    ("add_device",
     lambda hass: {
         "config_entry_id": hass.config_entries.async_entries(DOMAIN)[0].entry_id,
         "serial": "   ",
         "device_type": "toy",
     },
     "empty_value", {"field": "serial"}),
    ("add_device",
     lambda hass: {
         "config_entry_id": hass.config_entries.async_entries(DOMAIN)[0].entry_id,
         "serial": "S-1",
         "device_type": "robot",
     },
     "invalid_choice", {"field": "device_type"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("service", "data_fn", "key", "placeholders"),
    INVALID,
    ids=[f"{case[0]}-{case[2]}-{n}" for n, case in enumerate(INVALID)],
)
async def test_invalid_input(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    service: str,
    data_fn: DataFn,
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Bad input is a translated ServiceValidationError before any request."""
    data = data_fn(hass)
    onenata.sim.reset_requests()
    response = service in ("take_photo", "get_location_history", "add_device")

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, data, response=response)

    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert placeholders.items() <= (err.value.translation_placeholders or {}).items()
    # the message renders from strings.json, every placeholder filled
    message = str(err.value)
    assert message == rendered(err.value)
    assert "{" not in message
    assert onenata.sim.count(route=COMMANDS) == 0
    assert onenata.sim.requests == []


@pytest.mark.parametrize("devices_per_kind", [2])
@pytest.mark.parametrize(
    ("service", "vendor_ids"),
    [
        ("take_photo", ("camera_001", "camera_002")),
        ("get_location_history", ("gps_tracker_001", "gps_tracker_002")),
    ],
)
async def test_response_actions_need_one_device(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    service: str,
    vendor_ids: tuple[str, str],
) -> None:
    """Actions that answer with data take exactly one device."""
    onenata.sim.reset_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            service,
            {"device_id": [ha_device(hass, vendor_id) for vendor_id in vendor_ids]},
            response=True,
        )
    assert err.value.translation_key == "single_device_required"
    assert str(err.value) == "This action returns data for one device; 2 were given"
    assert onenata.sim.requests == []


async def test_device_of_unloaded_account(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The devices of an unloaded account cannot be targeted; neither it."""
    device_id = ha_device(hass, FEEDER)
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    onenata.sim.reset_requests()

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "feed", {"device_id": device_id, "amount": 5})
    assert err.value.translation_key == "device_not_found"
    assert str(err.value) == (
        "Smart Feeder 1 is not a device of a loaded PetSmart Hub account"
    )

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "add_device",
            {
                "config_entry_id": init_integration.entry_id,
                "serial": "ON-SF-999",
                "device_type": "feeder",
            },
            response=True,
        )
    assert err.value.translation_key == "entry_not_loaded"
    assert str(err.value) == "The account OneNata is not loaded"
    assert onenata.sim.requests == []


async def test_device_of_another_integration(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A device that is not ours is not found (and no request is made)."""
    other = MockConfigEntry(domain="other_pets")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id,
        identifiers={("other_pets", "bowl")},
        name="Other bowl",
    )
    onenata.sim.reset_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "feed", {"device_id": device.id, "amount": 5})
    assert err.value.translation_key == "device_not_found"
    assert err.value.translation_placeholders == {"device_id": "Other bowl"}
    assert onenata.sim.requests == []


async def test_vanished_device(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A registry device the account no longer has is not found."""
    device_id = ha_device(hass, TOY)
    coordinator = init_integration.runtime_data
    onenata.sim.remove_device(TOY)
    for _ in range(2):  # gone once two device lists in a row leave it out
        await coordinator.async_refresh_inventory()
        await hass.async_block_till_done()
    onenata.sim.reset_requests()
    assert dr.async_get(hass).async_get(device_id) is None
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "start_play", {"device_id": device_id})
    assert err.value.translation_key == "device_not_found"
    assert onenata.sim.requests == []


async def test_device_unknown_to_the_account(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A device of our entry that the account does not list is not found."""
    ghost = dr.async_get(hass).async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, "onenata_ghost_001")},
        name="Ghost feeder",
    )
    onenata.sim.reset_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "feed", {"device_id": ghost.id, "amount": 5})
    assert err.value.translation_key == "device_not_found"
    assert err.value.translation_placeholders == {"device_id": "Ghost feeder"}
    assert onenata.sim.requests == []


async def test_schema_errors(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """What the schema refuses never reaches the cloud either."""
    onenata.sim.reset_requests()
    with pytest.raises(vol.Invalid):
        await call(hass, "feed", {"device_id": ha_device(hass, FEEDER)})
    with pytest.raises(vol.Invalid):
        await call(
            hass, "feed", {"device_id": ha_device(hass, FEEDER), "amount": "lots"}
        )
    with pytest.raises(vol.Invalid):
        await call(
            hass,
            "set_feeding_schedule",
            {"device_id": ha_device(hass, FEEDER), "schedule": ["08:00"]},
        )
    with pytest.raises(vol.Invalid):
        await call(
            hass,
            "get_location_history",
            {"device_id": ha_device(hass, TRACKER), "start": "yesterday"},
            response=True,
        )
    assert onenata.sim.requests == []


# --- vendor failures ------------------------------------------------------------


@pytest.mark.parametrize("fault", ["http_500", "body_code", "html_error"])
@pytest.mark.parametrize(
    ("service", "data_fn", "vendor_id", "action"),
    [
        ("feed", _to(FEEDER, amount=20), FEEDER, "feed"),
        (
            "set_feeding_schedule",
            _meals({"time": "08:00", "amount": 10}),
            FEEDER,
            "set_feeding_schedule",
        ),
        ("pause_feeding_schedule", _to(FEEDER), FEEDER, "pause_feeding_schedule"),
        (
            "set_geofence",
            _to(TRACKER, latitude=1, longitude=2, radius=100, name="Z"),
            TRACKER,
            "set_geofence",
        ),
        ("start_pump", _to(FOUNTAIN), FOUNTAIN, "start_pump"),
        ("start_cleaning", _to(LITTER_BOX), LITTER_BOX, "start_cleaning"),
        ("take_photo", _to(CAMERA), CAMERA, "take_photo"),
        ("start_recording", _to(CAMERA), CAMERA, "start_recording"),
        ("start_play", _to(TOY), TOY, "start_play"),
        ("start_training", _to(TOY, skill="sit"), TOY, "start_training"),
    ],
)
async def test_vendor_failure(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    service: str,
    data_fn: DataFn,
    vendor_id: str,
    action: str,
    fault: str,
) -> None:
    """A failing command is a HomeAssistantError naming action and device."""
    onenata.sim.add_fault(fault, route=COMMANDS)
    onenata.sim.reset_requests()
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, service, data_fn(hass))
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "action_failed"
    placeholders = err.value.translation_placeholders
    assert placeholders["action"] == action
    assert placeholders["device"] == onenata.sim.devices[vendor_id].name
    assert str(err.value) == rendered(err.value)
    # one attempt, no refresh after it
    assert onenata.sim.count(route=COMMANDS) == 1
    assert onenata.sim.count(route=STATUS) == 0


async def test_vendor_rejects_parameters(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The cloud's own refusal (HTTP 400) is passed on with its reason."""
    onenata.sim.set_online(FOUNTAIN, False)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "start_pump", {"device_id": ha_device(hass, FOUNTAIN)})
    assert err.value.translation_key == "action_failed"
    assert "Device is offline" in str(err.value)


@pytest.mark.parametrize(
    ("service", "data_fn"),
    [
        ("feed", _to(FEEDER, amount=20)),
        ("take_photo", _to(CAMERA)),
        ("get_location_history", _to(TRACKER)),
    ],
)
async def test_rejected_key_starts_reauth(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    service: str,
    data_fn: DataFn,
) -> None:
    """A 401 during an action fails it and starts a reauth flow."""
    data = data_fn(hass)
    onenata.sim.api_key = "a-new-key"
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, service, data, response=service != "feed")
    assert err.value.translation_key == "auth_failed"
    assert str(err.value) == rendered(err.value)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id


async def test_add_device_rejected_key(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A 401 while adding a device starts reauth too."""
    onenata.sim.add_fault("http_401", route=VALIDATE)
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "add_device",
            {
                "config_entry_id": init_integration.entry_id,
                "serial": "ON-SF-5",
                "device_type": "feeder",
            },
            response=True,
        )
    assert err.value.translation_key == "auth_failed"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ("http_500", "cannot_connect"),
        ("http_429", "rate_limited"),
        ("body_code", "cannot_connect"),
        ("missing_fields", "bad_response"),
        ("malformed_json", "bad_response"),
    ],
)
async def test_location_history_failure(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    fault: str,
    key: str,
) -> None:
    """A failing history request is a translated HomeAssistantError."""
    onenata.sim.add_fault(fault, route=HISTORY)
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "get_location_history",
            {"device_id": ha_device(hass, TRACKER)},
            response=True,
        )
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == key
    assert str(err.value) == rendered(err.value)


@pytest.mark.parametrize(
    ("serial", "device_type", "fault", "key"),
    [
        # the serial belongs to a feeder: the cloud refuses it as a camera
        ("ON-SF-001", "camera", None, "request_rejected"),
        ("ON-CAM-9", "camera", "http_500", "cannot_connect"),
        ("ON-CAM-9", "camera", "missing_fields", "bad_response"),
    ],
)
async def test_add_device_failure(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    serial: str,
    device_type: str,
    fault: str | None,
    key: str,
) -> None:
    """The cloud refusing a device is a HomeAssistantError; nothing appears."""
    if fault:
        onenata.sim.add_fault(fault, route=VALIDATE)
    before = len(dr.async_get(hass).devices)
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "add_device",
            {
                "config_entry_id": init_integration.entry_id,
                "serial": serial,
                "device_type": device_type,
            },
            response=True,
        )
    assert err.value.translation_key == key
    assert str(err.value) == rendered(err.value)
    assert len(dr.async_get(hass).devices) == before


async def test_camera_missing_photo_fields(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Fields the cloud leaves out of a photo answer come back empty."""
    onenata.sim.add_fault("missing_fields", route=COMMANDS)
    response = await call(
        hass, "take_photo", {"device_id": ha_device(hass, CAMERA)}, response=True
    )
    assert response == dict.fromkeys(
        ("photo_id", "url", "thumbnail_url", "timestamp", "resolution")
    )


async def test_take_photo_answers_from_the_neutral_result(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The response is read from the typed result, whatever the vendor's JSON."""
    taken = datetime(2025, 6, 2, 10, 0, 5, tzinfo=UTC)
    sent: list[tuple[str, Command]] = []

    async def execute(device: Device, command: Command) -> CommandResult:
        sent.append((device.id, command))
        if len(sent) > 1:
            return CommandResult()  # a vendor that tells nothing of the photo
        return CommandResult(
            photo=Photo(
                id="p-7",
                url="https://cdn.example/p-7.jpg",
                thumbnail_url=None,
                timestamp=taken,
                resolution="640x480",
            )
        )

    monkeypatch.setattr(init_integration.runtime_data.account, "async_execute", execute)
    data = {"device_id": ha_device(hass, CAMERA)}
    response = await call(hass, "take_photo", data, response=True)
    assert sent == [(CAMERA, TakePhoto())]
    assert response == {
        "photo_id": "p-7",
        "url": "https://cdn.example/p-7.jpg",
        "thumbnail_url": None,
        "timestamp": "2025-06-02T10:00:05+00:00",
        "resolution": "640x480",
    }
    assert await call(hass, "take_photo", data, response=True) == dict.fromkeys(
        ("photo_id", "url", "thumbnail_url", "timestamp", "resolution")
    )


@pytest.mark.parametrize("devices_per_kind", [2])
async def test_failure_on_several_devices_names_them(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """One call for several devices fails as one, naming the devices it was for."""
    onenata.sim.add_fault("http_500", route=COMMANDS, device_id="feeding_machine_002")
    onenata.sim.reset_requests()
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "feed",
            {
                "device_id": [
                    ha_device(hass, FEEDER),
                    ha_device(hass, "feeding_machine_002"),
                ],
                "amount": 20,
            },
        )
    assert err.value.translation_key == "action_failed"
    placeholders = err.value.translation_placeholders
    assert placeholders["device"] == "Smart Feeder 1, Smart Feeder 2"
    assert onenata.sim.devices[FEEDER].food_grams == 1180  # the first was fed
    assert onenata.sim.count(route=COMMANDS) == 2


# --- services.yaml, strings.json and services.py agree --------------------------


def _service_names() -> set[str]:
    return set(SERVICES_YAML)


async def test_services_registered(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Every action in services.yaml is registered (and nothing else)."""
    assert set(hass.services.async_services_for_domain(DOMAIN)) == _service_names()
    assert set(services._SCHEMAS) == _service_names()
    # registered once for the integration: unloading the entry keeps them
    await hass.config_entries.async_unload(init_integration.entry_id)
    assert set(hass.services.async_services_for_domain(DOMAIN)) == _service_names()


def test_services_yaml_fields() -> None:
    """Each field has a selector, and services.yaml lists what the schema takes."""
    for service, spec in SERVICES_YAML.items():
        fields = spec["fields"]
        assert set(fields) == {str(key) for key in services._SCHEMAS[service].schema}
        for field, field_spec in fields.items():
            assert "selector" in field_spec, (service, field)
            required = {
                str(key)
                for key in services._SCHEMAS[service].schema
                if isinstance(key, vol.Required)
            }
            assert bool(field_spec.get("required")) == (field in required), (
                service,
                field,
            )


def test_services_strings() -> None:
    """Each action and field has a name and description in strings.json."""
    assert set(STRINGS["services"]) == _service_names()
    for service, spec in SERVICES_YAML.items():
        texts = STRINGS["services"][service]
        assert texts["name"]
        assert texts["description"]
        assert set(texts["fields"]) == set(spec["fields"]), service
        for field in spec["fields"]:
            assert texts["fields"][field]["name"], (service, field)
            assert texts["fields"][field]["description"], (service, field)
    assert set(ICONS["services"]) == _service_names()


def _invalid_calls() -> list[tuple[str, set[str]]]:
    """(translation key, placeholder names) of every _invalid(...) in services.py."""
    tree = ast.parse(Path(services.__file__).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_invalid"
        ):
            key = node.args[0]
            assert isinstance(key, ast.Constant), ast.unparse(node)
            found.append((key.value, {kw.arg for kw in node.keywords if kw.arg}))
    return found


def _placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def test_every_error_is_translated() -> None:
    """Every error services.py raises has a message whose placeholders it fills."""
    raised = _invalid_calls()
    assert len(raised) >= 15
    keys = {key for key, _ in raised}
    assert keys >= {
        "wrong_device_kind",
        "out_of_range",
        "invalid_choice",
        "invalid_time",
        "invalid_amount",
        "invalid_enabled",
        "invalid_schedule_length",
        "invalid_timezone",
        "empty_value",
        "device_not_found",
        "single_device_required",
        "start_after_end",
        "entry_not_found",
        "entry_not_loaded",
    }
    exceptions = STRINGS["exceptions"]
    for key, given in raised:
        assert key in exceptions, key
        assert _placeholders(exceptions[key]["message"]) <= given, key
    # errors of the vendor, raised for services by the coordinator
    assert _placeholders(exceptions["action_failed"]["message"]) <= {
        "action",
        "device",
        "error",
    }
    for key in (
        "auth_failed",
        "rate_limited",
        "bad_response",
        "request_rejected",
        "cannot_connect",
    ):
        assert _placeholders(exceptions[key]["message"]) <= {"error"}, key


def test_translations_match_strings() -> None:
    """translations/en.json is strings.json."""
    english = json.loads(
        (COMPONENT / "translations" / "en.json").read_text(encoding="utf-8")
    )
    assert english == STRINGS


async def test_location_history_now(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The default period ends at the moment of the call."""
    freezer.move_to(datetime(2025, 6, 1, 12, 0, 5, tzinfo=UTC))
    await call(
        hass,
        "get_location_history",
        {"device_id": ha_device(hass, TRACKER), "limit": 1000},
        response=True,
    )
    (request,) = [r for r in onenata.sim.requests if r.route == HISTORY]
    end = datetime(2025, 6, 1, 12, 0, 5, tzinfo=UTC)
    assert request.query["endDate"] == end.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert request.query["startDate"] == (end - timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert request.query["limit"] == "1000"
