"""Buttons: each press sends the documented command, then refreshes the device."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from .conftest import Cloud

COMMANDS = "/v1/devices/{device_id}/commands"
STATUS = "/v1/devices/{device_id}/status"

FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
CAMERA = "camera_001"
LITTER_BOX = "litterbox_001"
TOY = "smart_toy_001"


async def _press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


def _commands(cloud: Cloud) -> list[Any]:
    return [request.json for request in cloud.sim.requests if request.route == COMMANDS]


# entity id, simulated device, command as the OneNata doc spells it
BUTTONS = [
    (
        "button.smart_feeder_1_feed",
        FEEDER,
        {
            "command": "feed",
            "parameters": {
                "amount": 50,
                "schedule": "immediate",
                "recordFeeding": True,
            },
        },
    ),
    (
        "button.water_fountain_1_start_pump",
        FOUNTAIN,
        {"command": "startPump", "parameters": {"duration": 30, "autoStop": True}},
    ),
    (
        "button.water_fountain_1_start_cleaning",
        FOUNTAIN,
        {"command": "startClean", "parameters": {}},
    ),
    (
        "button.water_fountain_1_test_water_quality",
        FOUNTAIN,
        {"command": "testQuality", "parameters": {}},
    ),
    (
        "button.pet_camera_1_take_photo",
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
    ),
    (
        "button.pet_camera_1_start_recording",
        CAMERA,
        {
            "command": "startRecord",
            "parameters": {"autoStop": True, "saveToCloud": True},
        },
    ),
    (
        "button.litter_box_1_clean",
        LITTER_BOX,
        {"command": "startClean", "parameters": {}},
    ),
    (
        "button.litter_box_1_deodorize",
        LITTER_BOX,
        {"command": "enableDeodorize", "parameters": {}},
    ),
    (
        "button.smart_toy_1_start_play",
        TOY,
        {"command": "startPlay", "parameters": {"duration": 600}},
    ),
]


async def test_every_button_exists(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Each kind gets exactly its buttons, tied to the right device."""
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, init_integration.entry_id)
    buttons = {entry.entity_id for entry in entries if entry.domain == BUTTON_DOMAIN}
    assert buttons == {entity_id for entity_id, _, _ in BUTTONS}
    for entity_id, device_id, _ in BUTTONS:
        entry = registry.async_get(entity_id)
        assert entry is not None
        # scoped to the account: another account's same device cannot collide
        assert entry.unique_id.startswith(f"{init_integration.entry_id}_{device_id}_")
        assert hass.states.get(entity_id).state == STATE_UNKNOWN


@pytest.mark.parametrize(("entity_id", "device_id", "command"), BUTTONS)
async def test_press_sends_command_and_refreshes(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    entity_id: str,
    device_id: str,
    command: dict[str, Any],
) -> None:
    """A press sends one command to its device and fetches that device again."""
    sim = onenata.sim
    sim.reset_requests()

    await _press(hass, entity_id)

    assert _commands(onenata) == [command]
    assert sim.count("POST", COMMANDS, device_id=device_id) == 1
    # only the pressed device is refreshed, not the whole account
    assert sim.count("GET", STATUS, device_id=device_id) == 1
    assert sim.count("GET", STATUS) == 1
    assert sim.count("GET", "/v1/devices") == 0
    # the button remembers when it was pressed
    assert hass.states.get(entity_id).state != STATE_UNKNOWN


async def test_feed_lowers_food(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Feeding 50 g shows up in the food sensors right after the press."""
    assert hass.states.get("sensor.smart_feeder_1_food_remaining").state == "1200.0"
    assert hass.states.get("sensor.smart_feeder_1_food_level").state == "60.0"
    last_feed = hass.states.get("sensor.smart_feeder_1_last_feed").state

    await _press(hass, "button.smart_feeder_1_feed")

    assert onenata.sim.devices[FEEDER].food_grams == 1150
    # the slow tier (food-level) is fetched again too
    assert hass.states.get("sensor.smart_feeder_1_food_remaining").state == "1150.0"
    # 1150 g of 2000 g, as the cloud rounds it
    assert hass.states.get("sensor.smart_feeder_1_food_level").state == "58.0"
    assert hass.states.get("sensor.smart_feeder_1_last_feed").state != last_feed


@pytest.mark.parametrize(
    ("entity_id", "sensor_id", "device_id"),
    [
        (
            "button.water_fountain_1_start_pump",
            "binary_sensor.water_fountain_1_pump",
            FOUNTAIN,
        ),
        (
            "button.water_fountain_1_start_cleaning",
            "binary_sensor.water_fountain_1_cleaning",
            FOUNTAIN,
        ),
        (
            "button.pet_camera_1_start_recording",
            "binary_sensor.pet_camera_1_recording",
            CAMERA,
        ),
        (
            "button.litter_box_1_clean",
            "binary_sensor.litter_box_1_cleaning",
            LITTER_BOX,
        ),
        ("button.smart_toy_1_start_play", "binary_sensor.smart_toy_1_playing", TOY),
    ],
)
async def test_press_starts_activity(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    entity_id: str,
    sensor_id: str,
    device_id: str,
) -> None:
    """Starting something shows it running at once (no wait for the next poll)."""
    assert hass.states.get(sensor_id).state == "off"
    await _press(hass, entity_id)
    assert onenata.sim.devices[device_id].sessions
    assert hass.states.get(sensor_id).state == "on"


async def test_test_water_quality_refetches_quality(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Testing the water also reads the water quality again."""
    sim = onenata.sim
    sim.reset_requests()
    await _press(hass, "button.water_fountain_1_test_water_quality")
    assert sim.devices[FOUNTAIN].last_tested is not None
    assert sim.count("GET", "/v1/devices/{device_id}/water-quality") == 1


async def test_take_photo_stores_photo(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The camera takes a photo."""
    await _press(hass, "button.pet_camera_1_take_photo")
    assert onenata.sim.devices[CAMERA].photos == ["photo_001"]


@pytest.mark.parametrize(
    "entry_options", [{"feed_amount": 75, "pump_duration": 10, "play_duration": 120}]
)
async def test_press_uses_option_defaults(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Feed amount, pump and play durations come from the options."""
    for entity_id in (
        "button.smart_feeder_1_feed",
        "button.water_fountain_1_start_pump",
        "button.smart_toy_1_start_play",
    ):
        await _press(hass, entity_id)
    feed, pump, play = _commands(onenata)
    assert feed["parameters"]["amount"] == 75
    assert pump["parameters"]["duration"] == 10
    assert play["parameters"]["duration"] == 120
    assert onenata.sim.devices[FEEDER].food_grams == 1125


@pytest.mark.parametrize(
    ("fault", "translation_key"),
    [
        ("http_500", "action_failed"),
        ("body_code", "action_failed"),
        ("html_error", "action_failed"),
        ("malformed_json", "action_failed"),
        ("http_429", "throttled"),
    ],
)
async def test_press_vendor_failure(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    fault: str,
    translation_key: str,
) -> None:
    """A failing command is reported to the user and changes nothing."""
    sim = onenata.sim
    sim.add_fault(fault, route=COMMANDS)
    sim.reset_requests()

    with pytest.raises(HomeAssistantError) as err:
        await _press(hass, "button.smart_feeder_1_feed")

    assert err.value.translation_key == translation_key
    if translation_key == "throttled":
        assert err.value.translation_placeholders == {"action": "feed", "seconds": "30"}
    else:
        assert err.value.translation_placeholders["device"] == "Smart Feeder 1"
        assert "Smart Feeder 1" in str(err.value)
    assert sim.devices[FEEDER].food_grams == 1200
    # no refresh after a failed command
    assert sim.count("GET", STATUS) == 0
    assert hass.states.get("sensor.smart_feeder_1_food_remaining").state == "1200.0"


async def test_press_while_the_cloud_asked_to_wait_sends_nothing(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a 429 with Retry-After, presses fail at once until the time is up."""
    sim = onenata.sim
    sim.add_fault("http_429", route=COMMANDS, times=1, retry_after=120)
    with pytest.raises(HomeAssistantError):
        await _press(hass, "button.smart_feeder_1_feed")
    sim.reset_requests()

    freezer.tick(timedelta(seconds=100))
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass, "button.litter_box_1_deodorize")
    assert err.value.translation_key == "throttled"
    assert err.value.translation_placeholders["seconds"] == "20"
    assert "try deodorize again in 20 seconds" in str(err.value)
    assert sim.requests == []  # held back: nothing reached the cloud

    freezer.tick(timedelta(seconds=21))
    await _press(hass, "button.smart_feeder_1_feed")
    assert sim.count("POST", COMMANDS) == 1
    assert sim.devices[FEEDER].food_grams < 1200


async def test_press_rejected_key_starts_reauth(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A 401 on a command fails the press and asks the user to sign in again."""
    onenata.sim.add_fault("http_401", route=COMMANDS)
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass, "button.litter_box_1_deodorize")
    assert err.value.translation_key == "auth_failed"
    flows = hass.config_entries.flow.async_progress_by_handler("petsmart_hub")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id


async def test_press_offline_device(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The cloud refuses commands to an offline device (HTTP 409)."""
    onenata.sim.set_online(TOY, False)
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass, "button.smart_toy_1_start_play")
    assert err.value.translation_key == "action_failed"
    assert "offline" in str(err.value)
