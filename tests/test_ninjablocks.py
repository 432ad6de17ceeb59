"""A Ninja Blocks account through Home Assistant, against the simulator.

The simulator's default world (one block with the doc's humidity and
temperature sensors, its RGB LED and RF 433 hub with the Door Bell and Heat
lamp remotes, a PIR, a door contact, the on-board button, a relay board, a
distance and a light sensor and a webcam, plus the cloud's webhook service
with its Dinner bell) and the devices and entities it makes; the LED's colour
and the relay's power; the remotes' buttons; what polls bring as events (a
remote's code, motion and its hold, a door, the button); the webcam's
snapshot; a device the cloud fails to answer for; a command the cloud
refuses; diagnostics.

Home Assistant has no URL the cloud could call back here, so the account
polls each minute (the listing at the first refresh; then the listing or the
heartbeats of the devices that report, as the account plans). Time is
frozen: polls come when a test lets time pass. The actions on sub-devices, renames and history are in
``test_ninjablocks_actions.py``; push in ``test_ninjablocks_push.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from importlib import import_module
import json
import math
from typing import Any

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

from custom_components.petsmart_hub import compat
from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.model import DeviceKind
from custom_components.petsmart_hub.push import PushState
from homeassistant.components.camera import async_get_image
from homeassistant.components.diagnostics import REDACTED
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_FRIENDLY_NAME,
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.media import JPEG_BYTES
from simulator.ninjablocks import (
    DEVICE_ROUTE,
    DEVICES_ROUTE,
    DINNER_BELL_ID,
    DINNER_BELL_TOKEN,
    HEARTBEAT_ROUTE,
    SNAPSHOT_ROUTE,
)
from simulator.ninjablocks.world import RF433_LAST_CODE

from .flow import STRINGS
from .ninjablocks_fixtures import (  # noqa: F401 - fixtures
    BUTTON,
    CONTACT,
    DISTANCE,
    DOOR_BELL,
    DOOR_BELL_CODE,
    ENTRY_ID,
    HEAT_LAMP,
    HEAT_LAMP_CODE,
    HUMIDITY,
    LED,
    LIGHT,
    NODE,
    PIR,
    RELAY,
    RF,
    TEMPERATURE,
    WEBCAM,
    WEBHOOK,
    NinjaCloud,
    fixture_ninjablocks,
    fixture_ninjablocks_entry,
    fixture_ninjablocks_options,
    fixture_unload_before_the_cloud_goes,
    ninjablocks_entry as make_entry,
)

# Diagnostics describe the system, which imports the Supervisor client; its
# models cannot be compiled while freezegun has replaced datetime (see
# test_diagnostics.py).
import_module("homeassistant.components.hassio")

pytestmark = pytest.mark.freeze_time("2026-03-10 10:00:00+00:00")

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
#: The polling interval (no push: Home Assistant has no URL the cloud reaches).
POLL = timedelta(seconds=60)
#: How long a PIR's motion shows after its report.
MOTION_HOLD = timedelta(seconds=90)

DINNER_BELL = f"{WEBHOOK}:{DINNER_BELL_ID}"

BLOCK_NAME = f"Ninja Block {NODE}"
TEMPERATURE_SENSOR = "sensor.temperature_temperature"
HUMIDITY_SENSOR = "sensor.humidity_humidity"
ILLUMINANCE_SENSOR = "sensor.light_sensor_illuminance"
DISTANCE_SENSOR = "sensor.distance_sensor_distance"
LAST_CODE_SENSOR = "sensor.rf_433mhz_last_code"
LED_LIGHT = "light.on_board_rgb_led"
RELAY_SWITCH = "switch.relay_board"
MOTION = "binary_sensor.pir_motion_sensor_motion"
MOTION_EVENT = "event.pir_motion_sensor_motion"
OPENING = "binary_sensor.door_contact_opening"
OPENING_EVENT = "event.door_contact_contact"
PRESSED = "binary_sensor.push_button_pressed"
PRESS_EVENT = "event.push_button_button"
DOOR_BELL_EVENT = "event.door_bell"
HEAT_LAMP_BUTTON = "button.heat_lamp_on"
DINNER_BELL_BUTTON = "button.dinner_bell"
WEBCAM_CAMERA = "camera.web_cam"

#: Every enabled entity of the default world, by the vendor id of its device
#: (every device of it is a key).
ENTITIES: dict[str, set[str]] = {
    NODE: set(),
    HUMIDITY: {HUMIDITY_SENSOR},
    TEMPERATURE: {TEMPERATURE_SENSOR},
    LED: {LED_LIGHT},
    RF: {LAST_CODE_SENSOR},
    DOOR_BELL: {DOOR_BELL_EVENT},
    HEAT_LAMP: {HEAT_LAMP_BUTTON},
    PIR: {MOTION, MOTION_EVENT},
    CONTACT: {OPENING, OPENING_EVENT},
    BUTTON: {PRESSED, PRESS_EVENT},
    RELAY: {RELAY_SWITCH},
    DISTANCE: {DISTANCE_SENSOR},
    LIGHT: {ILLUMINANCE_SENSOR},
    WEBCAM: {WEBCAM_CAMERA},
    WEBHOOK: set(),
    DINNER_BELL: {DINNER_BELL_BUTTON},
}
#: The Last report sensors of the default world, disabled by default (a
#: device that reports each minute would write a recorder row each minute).
LAST_REPORTS: dict[str, str] = {
    NODE: "sensor.ninja_block_astealthynode01_last_report",
    HUMIDITY: "sensor.humidity_last_report",
    TEMPERATURE: "sensor.temperature_last_report",
    LED: "sensor.on_board_rgb_led_last_report",
    RF: "sensor.rf_433mhz_last_report",
    PIR: "sensor.pir_motion_sensor_last_report",
    CONTACT: "sensor.door_contact_last_report",
    BUTTON: "sensor.push_button_last_report",
    RELAY: "sensor.relay_board_last_report",
    DISTANCE: "sensor.distance_sensor_last_report",
    LIGHT: "sensor.light_sensor_last_report",
    WEBHOOK: "sensor.webhook_last_report",
}
#: Every entity of the default world, the disabled ones too.
EVERY_ENTITY: set[str] = set().union(*ENTITIES.values(), LAST_REPORTS.values())


# --- helpers -----------------------------------------------------------------------


async def let_pass(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let ``delta`` of frozen time pass; run what fell due (a poll) to its end.

    A scheduled poll runs as a background task, which
    ``async_block_till_done`` does not wait for.
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
    """An entity's state (it must have one)."""
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    """An entity's attributes (it must have a state)."""
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return dict(found.attributes)


def ha_device(hass: HomeAssistant, vendor_id: str) -> dr.DeviceEntry | None:
    """The account's device in the device registry, by its vendor id."""
    return compat.async_get_entry_device(
        dr.async_get(hass), ENTRY_ID, (DOMAIN, f"{ENTRY_ID}_{vendor_id}")
    )


def ha_device_id(hass: HomeAssistant, vendor_id: str) -> str:
    """The registry id of a device of the account (it must be there)."""
    device = ha_device(hass, vendor_id)
    assert device is not None, vendor_id
    return device.id


def registered_devices(hass: HomeAssistant) -> dict[str, dr.DeviceEntry]:
    """The account's devices in the device registry, by vendor id."""
    return {
        identifier.removeprefix(f"{ENTRY_ID}_"): device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), ENTRY_ID)
        for domain, identifier in device.identifiers
        if domain == DOMAIN
    }


def entity_ids(hass: HomeAssistant, vendor_id: str) -> set[str]:
    """The entities of one device of the account."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_device(
            er.async_get(hass), ha_device_id(hass, vendor_id)
        )
    }


def registered_entities(hass: HomeAssistant) -> set[str]:
    """Every entity of the account (the disabled ones too)."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)
    }


def enabled_entities(hass: HomeAssistant) -> set[str]:
    """The account's enabled entities (those that have a state)."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), ENTRY_ID)
        if entity.disabled_by is None
    }


def unavailable(hass: HomeAssistant) -> set[str]:
    """The account's enabled entities that are unavailable (or have no state)."""
    return {
        entity_id
        for entity_id in enabled_entities(hass)
        if (found := hass.states.get(entity_id)) is None
        or found.state == STATE_UNAVAILABLE
    }


def enable_last_report(
    hass: HomeAssistant, entry: MockConfigEntry, vendor_ids: Iterable[str]
) -> None:
    """Enable devices' Last report sensors (disabled by default) before setup.

    Their registry entries are made enabled, as a user who enabled them
    leaves them.
    """
    registry = er.async_get(hass)
    for vendor_id in vendor_ids:
        registry.async_get_or_create(
            "sensor",
            DOMAIN,
            f"{ENTRY_ID}_{vendor_id}_last_report",
            suggested_object_id=LAST_REPORTS[vendor_id].removeprefix("sensor."),
            config_entry=entry,
        )


def heartbeats(cloud: NinjaCloud, guid: str | None = None) -> int:
    """Heartbeat reads (of one device, or of all)."""
    return cloud.sim.count("GET", HEARTBEAT_ROUTE, guid)


def rendered(err: HomeAssistantError) -> str:
    """The message strings.json gives for a translated error."""
    assert err.translation_key is not None
    template = STRINGS["exceptions"][err.translation_key]["message"]
    return template.format(**(err.translation_placeholders or {}))


class Fired:
    """The events the account's event entities fire (their state changes)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    @callback
    def record(self, event: Event[Any]) -> None:
        entity_id: str = event.data["entity_id"]
        new = event.data["new_state"]
        if not entity_id.startswith("event.") or new is None:
            return
        if new.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            return
        old = event.data["old_state"]
        if old is not None and old.state == new.state:
            return  # an attribute changed, not a new event
        extra = {
            key: value
            for key, value in new.attributes.items()
            if key
            not in ("event_types", "event_type", ATTR_DEVICE_CLASS, ATTR_FRIENDLY_NAME)
        }
        self.events.append((entity_id, new.attributes["event_type"], extra))

    def take(self) -> list[tuple[str, str, dict[str, Any]]]:
        """What fired since the last look."""
        taken, self.events = self.events, []
        return taken


@pytest.fixture(name="fired")
def fixture_fired(hass: HomeAssistant) -> Fired:
    """Record every event an event entity fires from now on."""
    recorder = Fired()
    hass.bus.async_listen(EVENT_STATE_CHANGED, recorder.record)
    return recorder


async def setup_account(
    hass: HomeAssistant, cloud: NinjaCloud, *, last_report: Iterable[str] = ()
) -> MockConfigEntry:
    """Set the account up (for a test that changes the world first).

    ``last_report``: the devices whose Last report sensor the user enabled.
    """
    entry = make_entry(cloud)
    entry.add_to_hass(hass)
    enable_last_report(hass, entry, last_report)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


# --- the default world -----------------------------------------------------------------


async def test_every_device_and_its_entities(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> None:
    """The block, its devices and sub-devices under it, named and typed."""
    # (the Last report sensors whose times are checked, enabled by the user)
    shown_reports = {NODE, TEMPERATURE, PIR, RELAY}
    ninjablocks_entry = await setup_account(
        hass, ninjablocks, last_report=shown_reports
    )
    assert ninjablocks_entry.state is ConfigEntryState.LOADED
    # no URL the cloud could call: the account polls, each minute
    assert ninjablocks_entry.runtime_data.push.state is PushState.NO_URL
    assert ninjablocks_entry.runtime_data.update_interval == POLL
    # set up with one listing
    assert [(r.method, r.route) for r in ninjablocks.sim.requests] == [
        ("GET", DEVICES_ROUTE)
    ]

    devices = registered_devices(hass)
    assert set(devices) == set(ENTITIES)
    block = devices[NODE]
    assert (
        block.name,
        block.manufacturer,
        block.model,
        block.serial_number,
        block.via_device_id,
    ) == (BLOCK_NAME, "Ninja Blocks", "Ninja Block", NODE, None)
    held = ninjablocks_entry.runtime_data.data.devices
    assert held[NODE].kind is DeviceKind.GATEWAY
    assert held[WEBCAM].kind is DeviceKind.CAMERA
    # every GUID device of the block is reached through it, named by the cloud
    # (shortName), its model the cloud's default name
    for guid in (HUMIDITY, TEMPERATURE, LED, RF, PIR, CONTACT, BUTTON, RELAY):
        sim_device = ninjablocks.sim.device(guid)
        device = devices[guid]
        assert (device.name, device.manufacturer, device.model) == (
            sim_device.short_name,
            "Ninja Blocks",
            sim_device.spec.default_name,
        ), guid
        assert device.via_device_id == block.id, guid
    for guid in (DISTANCE, LIGHT, WEBCAM):
        assert devices[guid].via_device_id == block.id, guid
    assert devices[TEMPERATURE].name == "Temperature"
    assert devices[WEBCAM].name == "Web Cam"
    # the RF remotes are devices of their own, on the block too
    for sub_id, name in ((DOOR_BELL, "Door Bell"), (HEAT_LAMP, "Heat lamp on")):
        device = devices[sub_id]
        assert (device.name, device.model) == (name, "RF 433 MHz remote")
        assert device.via_device_id == block.id
    # the webhook service is on no block: no block device for it; its
    # webhook sensor hangs under it
    assert devices[WEBHOOK].name == "Webhook"
    assert devices[WEBHOOK].via_device_id is None
    assert (devices[DINNER_BELL].name, devices[DINNER_BELL].model) == (
        "Dinner bell",
        "Webhook",
    )
    assert devices[DINNER_BELL].via_device_id == devices[WEBHOOK].id

    # exactly these entities; no connectivity sensor (the cloud never tells)
    for vendor_id, expected in ENTITIES.items():
        if vendor_id in shown_reports:
            expected = expected | {LAST_REPORTS[vendor_id]}
        assert entity_ids(hass, vendor_id) == expected, vendor_id
    assert registered_entities(hass) == EVERY_ENTITY
    assert not any(
        "connectivity" in entity_id for entity_id in registered_entities(hass)
    )
    # the other Last report sensors are there, disabled by default
    registry = er.async_get(hass)
    for vendor_id, entity_id in LAST_REPORTS.items():
        found = registry.async_get(entity_id)
        assert found is not None, entity_id
        if vendor_id in shown_reports:
            assert found.disabled_by is None, entity_id
        else:
            assert found.disabled_by is er.RegistryEntryDisabler.INTEGRATION
            assert hass.states.get(entity_id) is None

    # the doc's readings, with their units
    assert state(hass, TEMPERATURE_SENSOR) == "26.6"
    assert attributes(hass, TEMPERATURE_SENSOR)[ATTR_UNIT_OF_MEASUREMENT] == "°C"
    assert attributes(hass, TEMPERATURE_SENSOR)[ATTR_DEVICE_CLASS] == "temperature"
    assert state(hass, HUMIDITY_SENSOR) == "58.0"
    assert attributes(hass, HUMIDITY_SENSOR)[ATTR_UNIT_OF_MEASUREMENT] == "%"
    assert state(hass, ILLUMINANCE_SENSOR) == "350.0"
    assert attributes(hass, ILLUMINANCE_SENSOR)[ATTR_UNIT_OF_MEASUREMENT] == "lx"
    assert attributes(hass, ILLUMINANCE_SENSOR)[ATTR_DEVICE_CLASS] == "illuminance"
    # 120 cm
    assert state(hass, DISTANCE_SENSOR) == "1.2"
    assert attributes(hass, DISTANCE_SENSOR)[ATTR_UNIT_OF_MEASUREMENT] == "m"
    assert attributes(hass, DISTANCE_SENSOR)[ATTR_DEVICE_CLASS] == "distance"
    # the hub's last code
    assert state(hass, LAST_CODE_SENSOR) == RF433_LAST_CODE
    # last reports: each device's last_data timestamp; the block's the newest
    for guid, entity_id in (
        (TEMPERATURE, "sensor.temperature_last_report"),
        (PIR, "sensor.pir_motion_sensor_last_report"),
        (RELAY, "sensor.relay_board_last_report"),
    ):
        last = ninjablocks.sim.device(guid).last_data
        assert last is not None
        reported = datetime.fromtimestamp(last.timestamp / 1000, UTC)
        assert datetime.fromisoformat(state(hass, entity_id)) == reported.replace(
            microsecond=0
        ), entity_id
    assert state(hass, "sensor.ninja_block_astealthynode01_last_report") == (
        state(hass, "sensor.temperature_last_report")
    )
    assert datetime.fromisoformat(
        state(hass, "sensor.temperature_last_report")
    ) == NOW - timedelta(minutes=1)

    # the yes/no sensors, all at rest
    assert state(hass, MOTION) == STATE_OFF
    assert attributes(hass, MOTION)[ATTR_DEVICE_CLASS] == "motion"
    assert state(hass, OPENING) == STATE_OFF
    assert attributes(hass, OPENING)[ATTR_DEVICE_CLASS] == "opening"
    assert state(hass, PRESSED) == STATE_OFF
    assert attributes(hass, MOTION_EVENT)["event_types"] == ["motion"]
    assert attributes(hass, OPENING_EVENT)["event_types"] == ["opened", "closed"]
    assert attributes(hass, PRESS_EVENT)["event_types"] == ["pressed", "released"]
    assert attributes(hass, DOOR_BELL_EVENT)["event_types"] == ["received"]
    assert attributes(hass, DOOR_BELL_EVENT)[ATTR_FRIENDLY_NAME] == "Door Bell"

    # the relay is off (DA 0); the LED shows "22B42B" in RGB
    assert state(hass, RELAY_SWITCH) == STATE_OFF
    led = attributes(hass, LED_LIGHT)
    assert state(hass, LED_LIGHT) == STATE_ON
    assert led["supported_color_modes"] == ["rgb"]
    assert led["color_mode"] == "rgb"
    # 0x22B42B: brightest channel 0xB4 = 180 of 255; the colour at full
    assert led["brightness"] == 180
    assert led["rgb_color"] == (48, 255, 61)

    # the buttons send, the camera serves stills only
    assert attributes(hass, HEAT_LAMP_BUTTON)[ATTR_FRIENDLY_NAME] == "Heat lamp on"
    assert attributes(hass, DINNER_BELL_BUTTON)[ATTR_FRIENDLY_NAME] == "Dinner bell"
    assert state(hass, WEBCAM_CAMERA) == "idle"
    assert attributes(hass, WEBCAM_CAMERA)["supported_features"] == 0

    # no entity is unavailable; only events and buttons never used are unknown;
    # every number is a finite one
    assert unavailable(hass) == set()
    unknown = {
        entity_id
        for entity_id in enabled_entities(hass)
        if state(hass, entity_id) == STATE_UNKNOWN
    }
    assert unknown == {
        MOTION_EVENT,
        OPENING_EVENT,
        PRESS_EVENT,
        DOOR_BELL_EVENT,
        HEAT_LAMP_BUTTON,
        DINNER_BELL_BUTTON,
    }
    for entity_id in enabled_entities(hass):
        if ATTR_UNIT_OF_MEASUREMENT in attributes(hass, entity_id):
            assert math.isfinite(float(state(hass, entity_id))), entity_id


async def test_polls_bring_new_reports(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, ninjablocks: NinjaCloud
) -> None:
    """Each minute a poll brings what the devices reported, in few requests."""
    sim = ninjablocks.sim
    await setup_account(hass, ninjablocks, last_report=[TEMPERATURE])
    sim.reset_requests()
    sim.report(TEMPERATURE, 27.4)
    sim.report(HUMIDITY, 61)
    sim.report(DISTANCE, 35)
    await let_pass(hass, freezer, POLL)
    assert state(hass, TEMPERATURE_SENSOR) == "27.4"
    assert state(hass, HUMIDITY_SENSOR) == "61.0"
    assert state(hass, DISTANCE_SENSOR) == "0.35"
    assert datetime.fromisoformat(
        state(hass, "sensor.temperature_last_report")
    ) == NOW.replace(microsecond=0)
    # the listing, or the heartbeats of the devices that report (sensors,
    # the LED, the relay, the RF hub): never the webcam, the webhook service
    # or a sub-device, and never more than one request per reporting device
    reporting = {
        HUMIDITY,
        TEMPERATURE,
        LED,
        RF,
        PIR,
        CONTACT,
        BUTTON,
        RELAY,
        DISTANCE,
        LIGHT,
    }
    assert {r.route for r in sim.requests} <= {DEVICES_ROUTE, HEARTBEAT_ROUTE}
    assert {r.device_id for r in sim.requests if r.route == HEARTBEAT_ROUTE} <= (
        reporting
    )
    assert 1 <= len(sim.requests) <= len(reporting)
    # an impossible reading is no reading: the sensor shows none
    sim.report(TEMPERATURE, 9999)
    await let_pass(hass, freezer, POLL)
    assert state(hass, TEMPERATURE_SENSOR) == STATE_UNKNOWN
    # ten minutes on, the account has been listed again (what it holds is
    # checked against the cloud's list)
    sim.report(TEMPERATURE, 25.0)
    for _ in range(9):
        await let_pass(hass, freezer, POLL)
    assert sim.count("GET", DEVICES_ROUTE) >= 1
    assert state(hass, TEMPERATURE_SENSOR) == "25.0"
    assert unavailable(hass) == set()


# --- the LED and the relay ---------------------------------------------------------------


async def light(hass: HomeAssistant, service: str, **data: Any) -> None:
    """Call a light action on the LED."""
    await hass.services.async_call(
        "light", service, {ATTR_ENTITY_ID: LED_LIGHT, **data}, blocking=True
    )
    await hass.async_block_till_done()


def sent_da(cloud: NinjaCloud, guid: str) -> str | None:
    """The DA of the last command a device was sent (the cloud accepted it)."""
    command = [c for c in cloud.sim.commands if c.guid == guid][-1]
    assert command.accepted, command
    return command.body.get("DA")


async def test_the_led_colour_round_trip(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """RGB (and brightness) to RRGGBB; the state read back; off is black."""
    sim = ninjablocks.sim
    # a colour: at the brightness the LED has (0xB4 of 255)
    reads = heartbeats(ninjablocks, LED)
    await light(hass, "turn_on", rgb_color=(255, 0, 0))
    assert sent_da(ninjablocks, LED) == "B40000"
    assert sim.device(LED).last_data.da == "B40000"
    # read back from the heartbeat at once
    assert heartbeats(ninjablocks, LED) > reads
    led = attributes(hass, LED_LIGHT)
    assert state(hass, LED_LIGHT) == STATE_ON
    assert led["rgb_color"] == (255, 0, 0)
    assert led["brightness"] == 180
    assert led["color_mode"] == "rgb"

    # a colour at full brightness
    await light(hass, "turn_on", rgb_color=(0, 0, 255), brightness=255)
    assert sent_da(ninjablocks, LED) == "0000FF"
    assert attributes(hass, LED_LIGHT)["rgb_color"] == (0, 0, 255)
    assert attributes(hass, LED_LIGHT)["brightness"] == 255

    # a colour at half brightness: the channels scaled
    await light(hass, "turn_on", rgb_color=(255, 128, 0), brightness=128)
    assert sent_da(ninjablocks, LED) == "804000"
    led = attributes(hass, LED_LIGHT)
    assert led["rgb_color"] == (255, 128, 0)
    assert led["brightness"] == 128

    # brightness alone keeps the colour
    await light(hass, "turn_on", brightness=255)
    assert sent_da(ninjablocks, LED) == "FF8000"
    assert attributes(hass, LED_LIGHT)["rgb_color"] == (255, 128, 0)

    # off: black
    await light(hass, "turn_off")
    assert sent_da(ninjablocks, LED) == "000000"
    assert state(hass, LED_LIGHT) == STATE_OFF
    # on without a colour: the last one, as bright as it was
    await light(hass, "turn_on")
    assert sent_da(ninjablocks, LED) == "FF8000"
    assert state(hass, LED_LIGHT) == STATE_ON
    assert attributes(hass, LED_LIGHT)["rgb_color"] == (255, 128, 0)
    assert attributes(hass, LED_LIGHT)["brightness"] == 255
    assert unavailable(hass) == set()


async def test_the_led_turned_on_by_others_shows_their_colour(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A colour set from elsewhere shows at the next poll (lower case, with #)."""
    ninjablocks.sim.report(LED, "#00ff00")
    await let_pass(hass, freezer, POLL)
    assert state(hass, LED_LIGHT) == STATE_ON
    assert attributes(hass, LED_LIGHT)["rgb_color"] == (0, 255, 0)
    assert attributes(hass, LED_LIGHT)["brightness"] == 255
    ninjablocks.sim.report(LED, "000000")
    await let_pass(hass, freezer, POLL)
    assert state(hass, LED_LIGHT) == STATE_OFF
    # turned on here again: the colour it showed before black
    await light(hass, "turn_on")
    assert sent_da(ninjablocks, LED) == "00FF00"


async def test_an_led_never_lit_turns_on_white(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> None:
    """Black since setup (no colour known): on is white, at full brightness."""
    ninjablocks.sim.report(LED, "000000")
    await setup_account(hass, ninjablocks)
    assert state(hass, LED_LIGHT) == STATE_OFF
    await light(hass, "turn_on")
    assert sent_da(ninjablocks, LED) == "FFFFFF"
    assert state(hass, LED_LIGHT) == STATE_ON
    assert attributes(hass, LED_LIGHT)["rgb_color"] == (255, 255, 255)
    assert attributes(hass, LED_LIGHT)["brightness"] == 255


async def test_the_led_takes_colours_in_other_spaces(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Home Assistant converts hue/saturation to the LED's RGB."""
    await light(hass, "turn_on", hs_color=(240, 100), brightness=255)
    assert sent_da(ninjablocks, LED) == "0000FF"
    assert attributes(hass, LED_LIGHT)["rgb_color"] == (0, 0, 255)
    await light(hass, "turn_on", color_name="red", brightness=51)
    assert sent_da(ninjablocks, LED) == "330000"
    assert attributes(hass, LED_LIGHT)["rgb_color"] == (255, 0, 0)
    assert attributes(hass, LED_LIGHT)["brightness"] == 51


async def test_the_relay_switches(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """On is DA "1", off "0"; the state follows the heartbeat read back."""
    for service, da, shown in (
        ("turn_on", "1", STATE_ON),
        ("turn_off", "0", STATE_OFF),
        ("toggle", "1", STATE_ON),
    ):
        await hass.services.async_call(
            "switch", service, {ATTR_ENTITY_ID: RELAY_SWITCH}, blocking=True
        )
        await hass.async_block_till_done()
        assert sent_da(ninjablocks, RELAY) == da
        assert ninjablocks.sim.device(RELAY).last_data.da == int(da)
        assert state(hass, RELAY_SWITCH) == shown


async def test_a_relay_that_never_reported_can_be_switched(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> None:
    """A relay without ``last_data``: its switch shows unknown, and works."""
    ninjablocks.sim.device(RELAY).last_data = None
    entry = make_entry(ninjablocks)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, RELAY_SWITCH) == STATE_UNKNOWN
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: RELAY_SWITCH}, blocking=True
    )
    await hass.async_block_till_done()
    assert sent_da(ninjablocks, RELAY) == "1"
    assert state(hass, RELAY_SWITCH) == STATE_ON


async def test_a_refused_command_is_a_translated_error(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """``result: 0`` on HTTP 200: the action fails, translated; nothing changes."""
    sim = ninjablocks.sim
    sim.add_rejection(
        "Relay is busy", method="PUT", route=DEVICE_ROUTE, device_id=RELAY
    )
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            "switch", "turn_on", {ATTR_ENTITY_ID: RELAY_SWITCH}, blocking=True
        )
    err = failed.value
    assert err.translation_domain == DOMAIN
    assert err.translation_key == "action_failed"
    assert err.translation_placeholders["device"] == "Relay Board"
    assert "Relay is busy" in rendered(err)
    await hass.async_block_till_done()
    assert sim.device(RELAY).last_data.da == 0
    assert state(hass, RELAY_SWITCH) == STATE_OFF
    # the account is none the worse: the next command goes through
    sim.clear_faults()
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: RELAY_SWITCH}, blocking=True
    )
    await hass.async_block_till_done()
    assert state(hass, RELAY_SWITCH) == STATE_ON
    assert unavailable(hass) == set()


async def test_a_refused_colour_is_a_translated_error(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """The LED's command refused (``result: 0``): translated, the colour kept."""
    ninjablocks.sim.add_rejection("Block offline", code=503, device_id=LED)
    with pytest.raises(HomeAssistantError) as failed:
        await light(hass, "turn_on", rgb_color=(255, 0, 0))
    assert failed.value.translation_key == "action_failed"
    assert "Block offline" in rendered(failed.value)
    assert attributes(hass, LED_LIGHT)["rgb_color"] == (48, 255, 61)


# --- the remotes' buttons ----------------------------------------------------------------


async def test_the_rf_remote_button_sends_its_code(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Heat lamp on: the hub is sent the remote's stored code as its DA."""
    sim = ninjablocks.sim
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: HEAT_LAMP_BUTTON}, blocking=True
    )
    await hass.async_block_till_done()
    (sent,) = sim.transmitted
    assert (sent.guid, sent.code) == (RF, HEAT_LAMP_CODE)
    command = sim.commands[-1]
    assert (command.guid, command.body, command.accepted) == (
        RF,
        {"DA": HEAT_LAMP_CODE},
        True,
    )
    # the cloud counted it; the hub itself reported nothing new
    assert len(sim.subdevice(RF, HEAT_LAMP.split(":")[1]).actuations) >= 1
    assert state(hass, LAST_CODE_SENSOR) == RF433_LAST_CODE
    assert state(hass, HEAT_LAMP_BUTTON) == NOW.isoformat()
    assert sim.tickles == []


async def test_the_webhook_button_tickles(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> None:
    """Dinner bell: its tickle URL with its token (and no access token)."""
    sim = ninjablocks.sim
    await setup_account(hass, ninjablocks, last_report=[WEBHOOK])
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: DINNER_BELL_BUTTON}, blocking=True
    )
    await hass.async_block_till_done()
    (tickle,) = sim.tickles
    assert (tickle.guid, tickle.subdevice_id, tickle.accepted) == (
        WEBHOOK,
        DINNER_BELL_ID,
        True,
    )
    request = next(r for r in sim.requests if r.method == "POST" and "tickle" in r.path)
    assert DINNER_BELL_TOKEN in request.path
    assert "user_access_token" not in request.query
    assert sim.transmitted == []
    # the tickle is the webhook service's report: read back at once
    assert sim.device(WEBHOOK).last_data.da == DINNER_BELL_ID
    assert datetime.fromisoformat(state(hass, "sensor.webhook_last_report")) == NOW
    assert unavailable(hass) == set()


async def test_a_failed_transmission_is_a_translated_error(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """The hub's cloud answers 500: the press fails, translated; nothing sent."""
    ninjablocks.sim.add_http_error(500, method="PUT", route=DEVICE_ROUTE, device_id=RF)
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            "button", "press", {ATTR_ENTITY_ID: HEAT_LAMP_BUTTON}, blocking=True
        )
    assert failed.value.translation_domain == DOMAIN
    assert failed.value.translation_key == "action_failed"
    assert ninjablocks.sim.transmitted == []


# --- events of polls ------------------------------------------------------------------------


async def test_an_rf_code_fires_its_remote(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    fired: Fired,
) -> None:
    """The Door Bell's code heard: its event fires ``received`` with the code."""
    sim = ninjablocks.sim
    sim.report(RF, DOOR_BELL_CODE)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(DOOR_BELL_EVENT, "received", {"code": DOOR_BELL_CODE})]
    assert state(hass, DOOR_BELL_EVENT) == (NOW + POLL).isoformat(
        timespec="milliseconds"
    )
    assert attributes(hass, DOOR_BELL_EVENT)["code"] == DOOR_BELL_CODE
    assert state(hass, LAST_CODE_SENSOR) == DOOR_BELL_CODE
    # nothing new: a poll fires nothing
    await let_pass(hass, freezer, POLL)
    assert fired.take() == []
    # a code no remote stores: the hub shows it, nothing fires
    other = "111100001111000011110000"
    sim.report(RF, other)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == []
    assert state(hass, LAST_CODE_SENSOR) == other
    # the bell again: it fires again
    sim.report(RF, DOOR_BELL_CODE)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(DOOR_BELL_EVENT, "received", {"code": DOOR_BELL_CODE})]
    # pressed twice: each report fires
    sim.report(RF, DOOR_BELL_CODE)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(DOOR_BELL_EVENT, "received", {"code": DOOR_BELL_CODE})]
    # a report that is no code is no reading: the hub has no last code to
    # show, nothing fires, the account is fine
    sim.report(RF, "hello")
    await let_pass(hass, freezer, POLL)
    assert fired.take() == []
    assert state(hass, LAST_CODE_SENSOR) == STATE_UNAVAILABLE
    assert ninjablocks_entry.runtime_data.last_update_success
    assert ninjablocks_entry.runtime_data.last_update_success


async def test_a_code_heard_before_a_transmission_still_fires(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    fired: Fired,
) -> None:
    """The bell rings, then Heat lamp on is pressed before the next poll.

    The press reads the hub back (``GET /device/:hub``), which brings the
    bell's report: it must fire then, or at the next poll, not never.
    """
    sim = ninjablocks.sim
    sim.report(RF, DOOR_BELL_CODE)
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: HEAT_LAMP_BUTTON}, blocking=True
    )
    await hass.async_block_till_done()
    assert state(hass, LAST_CODE_SENSOR) == DOOR_BELL_CODE
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(DOOR_BELL_EVENT, "received", {"code": DOOR_BELL_CODE})]


async def test_motion_fires_and_is_held_for_90_seconds(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    fired: Fired,
) -> None:
    """PIR reports 1: ``motion`` fires, motion shows until 90 s after the report."""
    sim = ninjablocks.sim
    freezer.tick(timedelta(seconds=20))
    sim.report(PIR, 1)
    reported = NOW + timedelta(seconds=20)
    await let_pass(hass, freezer, POLL - timedelta(seconds=20))
    assert fired.take() == [(MOTION_EVENT, "motion", {})]
    assert state(hass, MOTION) == STATE_ON
    # the PIR says nothing more (polls read the same report): still motion
    # until the hold is over, then none, without a poll
    await let_pass(
        hass, freezer, reported + MOTION_HOLD - NOW - POLL - timedelta(seconds=1)
    )
    assert state(hass, MOTION) == STATE_ON
    await let_pass(hass, freezer, timedelta(seconds=1))
    assert state(hass, MOTION) == STATE_OFF
    await let_pass(hass, freezer, POLL)
    assert state(hass, MOTION) == STATE_OFF
    assert fired.take() == []
    # motion again: it fires again and shows again
    sim.report(PIR, 1)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(MOTION_EVENT, "motion", {})]
    assert state(hass, MOTION) == STATE_ON
    # no motion reported: motion has no off event; it shows none at once
    sim.report(PIR, 0)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == []
    assert state(hass, MOTION) == STATE_OFF


async def test_the_door_contact_opens_and_closes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    fired: Fired,
) -> None:
    """Opened and closed events; the opening sensor follows (no hold)."""
    sim = ninjablocks.sim
    sim.report(CONTACT, 1)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(OPENING_EVENT, "opened", {})]
    assert state(hass, OPENING) == STATE_ON
    # still open minutes later: no hold for a door
    await let_pass(hass, freezer, POLL * 3)
    assert state(hass, OPENING) == STATE_ON
    assert fired.take() == []
    sim.report(CONTACT, "closed")
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(OPENING_EVENT, "closed", {})]
    assert state(hass, OPENING) == STATE_OFF


async def test_the_button_is_pressed_and_released(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    fired: Fired,
) -> None:
    """Pressed and released events; the binary sensor follows."""
    sim = ninjablocks.sim
    sim.report(BUTTON, 1)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(PRESS_EVENT, "pressed", {})]
    assert state(hass, PRESSED) == STATE_ON
    sim.report(BUTTON, 0)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(PRESS_EVENT, "released", {})]
    assert state(hass, PRESSED) == STATE_OFF


async def test_the_first_refresh_fires_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    fired: Fired,
) -> None:
    """Reports from before setup are shown but fire no event."""
    sim = ninjablocks.sim
    sim.report(PIR, 1)
    sim.report(CONTACT, 1)
    sim.report(BUTTON, 1)
    sim.report(RF, DOOR_BELL_CODE)
    await setup_account(hass, ninjablocks)
    assert fired.take() == []
    for entity_id in (MOTION_EVENT, OPENING_EVENT, PRESS_EVENT, DOOR_BELL_EVENT):
        assert state(hass, entity_id) == STATE_UNKNOWN, entity_id
    assert state(hass, MOTION) == STATE_ON
    assert state(hass, OPENING) == STATE_ON
    assert state(hass, PRESSED) == STATE_ON
    assert state(hass, LAST_CODE_SENSOR) == DOOR_BELL_CODE
    # the next poll reads the same reports: still nothing fires
    await let_pass(hass, freezer, POLL)
    assert fired.take() == []
    # the PIR reported at setup: its motion ends 90 s after the report
    await let_pass(hass, freezer, MOTION_HOLD - POLL)
    assert state(hass, MOTION) == STATE_OFF


async def test_motion_reported_long_ago_shows_none(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> None:
    """A PIR whose last report (motion) is older than the hold shows no motion."""
    ninjablocks.sim.report(PIR, 1, timestamp=NOW - timedelta(minutes=5))
    await setup_account(hass, ninjablocks)
    assert state(hass, MOTION) == STATE_OFF


# --- the webcam --------------------------------------------------------------------------------


async def test_the_webcam_snapshot(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A still image taken now (the stream host's snapshot), a JPEG."""
    image = await async_get_image(hass, WEBCAM_CAMERA)
    assert image.content == JPEG_BYTES
    assert image.content_type == "image/jpeg"
    assert ninjablocks.sim.count("GET", SNAPSHOT_ROUTE, WEBCAM) == 1
    # each image is a new snapshot
    await async_get_image(hass, WEBCAM_CAMERA)
    assert ninjablocks.sim.count("GET", SNAPSHOT_ROUTE, WEBCAM) == 2


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"kind": "http", "status": 500}, id="http-500"),
        pytest.param({"kind": "http", "status": 404}, id="http-404"),
        pytest.param({"kind": "garbage"}, id="not-an-image"),
    ],
)
async def test_a_failed_snapshot_is_no_image(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    fault: dict[str, Any],
) -> None:
    """No image and HA's clear error; the camera stays; the next one works."""
    sim = ninjablocks.sim
    if fault["kind"] == "http":
        sim.add_http_error(fault["status"], route=SNAPSHOT_ROUTE, times=1)
    else:
        sim.add_garbage(route=SNAPSHOT_ROUTE, times=1)
    with pytest.raises(HomeAssistantError, match="Unable to get image"):
        await async_get_image(hass, WEBCAM_CAMERA)
    assert state(hass, WEBCAM_CAMERA) == "idle"
    assert ninjablocks_entry.state is ConfigEntryState.LOADED
    image = await async_get_image(hass, WEBCAM_CAMERA)
    assert image.content == JPEG_BYTES


# --- a device the cloud fails to answer for ------------------------------------------------


async def test_a_failing_heartbeat_makes_only_its_device_unavailable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """HTTP 500 on the relay's heartbeat (read after its command): it alone; back."""
    sim = ninjablocks.sim
    sim.add_http_error(500, route=HEARTBEAT_ROUTE, device_id=RELAY)
    # the command went through; reading the relay back failed
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: RELAY_SWITCH}, blocking=True
    )
    await hass.async_block_till_done()
    assert sim.device(RELAY).last_data.da == 1
    assert sim.count("GET", HEARTBEAT_ROUTE, RELAY) >= 1
    assert unavailable(hass) == entity_ids(hass, RELAY)
    assert ninjablocks_entry.runtime_data.last_update_success
    assert ha_device(hass, RELAY) is not None
    # the others are as they were
    assert state(hass, TEMPERATURE_SENSOR) == "26.6"
    assert state(hass, LED_LIGHT) == STATE_ON
    # the cloud answers again: the next poll brings the relay back, on
    sim.clear_faults()
    await let_pass(hass, freezer, POLL)
    assert unavailable(hass) == set()
    assert state(hass, RELAY_SWITCH) == STATE_ON


async def test_a_failing_listing_makes_everything_unavailable_then_recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """The cloud down (every call 503): all unavailable; then every device back."""
    sim = ninjablocks.sim
    sim.add_http_error(503)
    await let_pass(hass, freezer, POLL)
    # every heartbeat failed: the refresh failed, every entity is unavailable
    assert not ninjablocks_entry.runtime_data.last_update_success
    assert unavailable(hass) == set().union(*ENTITIES.values())
    # nothing was removed
    assert set(registered_devices(hass)) == set(ENTITIES)
    sim.clear_faults()
    await let_pass(hass, freezer, POLL)
    assert unavailable(hass) == set()
    assert ninjablocks_entry.runtime_data.last_update_success
    assert registered_entities(hass) == EVERY_ENTITY


# --- devices that come and go ----------------------------------------------------------


async def test_a_device_deleted_in_the_cloud_leaves(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """The PIR is deleted: once two listings confirm it, it leaves Home Assistant."""
    ninjablocks.sim.remove_device(PIR)
    await let_pass(hass, freezer, POLL)
    # it no longer answers: unavailable, kept until a second listing confirms
    assert unavailable(hass) == entity_ids(hass, PIR)
    # (the listing is read at least every ten minutes)
    for _ in range(11):
        await let_pass(hass, freezer, POLL)
    assert ha_device(hass, PIR) is None
    assert not {MOTION, MOTION_EVENT} & registered_entities(hass)
    assert hass.states.get(MOTION) is None
    # the rest stays, available
    assert ha_device(hass, NODE) is not None
    assert set(registered_devices(hass)) == set(ENTITIES) - {PIR}
    assert unavailable(hass) == set()


async def test_a_new_block_appears_without_a_reload(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A second block comes online: it and its devices appear at a listing."""
    added = ninjablocks.sim.add_block()
    node = added[0].node
    for _ in range(10):
        await let_pass(hass, freezer, POLL)
    assert ninjablocks_entry.state is ConfigEntryState.LOADED
    block = ha_device(hass, node)
    assert block is not None
    assert block.name == f"Ninja Block {node}"
    for device in added:
        found = ha_device(hass, device.guid)
        assert found is not None, device.guid
        assert found.via_device_id == block.id
    assert unavailable(hass) == set()


# --- diagnostics ----------------------------------------------------------------------------


async def test_diagnostics_redact_the_token_and_codes(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Neither the access token nor a remote's code appears; the rest helps."""
    sim = ninjablocks.sim
    sim.report(RF, DOOR_BELL_CODE)
    await let_pass(hass, freezer, POLL)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, ninjablocks_entry
    )
    dump = json.dumps(diagnostics)
    assert sim.token not in dump
    assert DINNER_BELL_TOKEN not in dump
    for code in (DOOR_BELL_CODE, HEAT_LAMP_CODE, RF433_LAST_CODE):
        assert code not in dump
    assert ninjablocks.server.url not in dump
    entry = diagnostics["entry"]
    assert entry["data"]["access_token"] == REDACTED
    assert entry["data"]["base_url"] == REDACTED
    assert entry["data"]["vendor"] == "ninjablocks"
    devices = {device["name"]: device for device in diagnostics["devices"]}
    assert devices["RF 433Mhz"]["values"]["last_code"] == REDACTED
    # what helps stays
    assert devices["Temperature"]["readings"] == {"temperature": 26.6}
    assert devices["Ninja Block **REDACTED**"]["kind"] == "gateway"
    assert devices["Web Cam"]["kind"] == "camera"
    assert not any(device["failed"] for device in devices.values())
    assert diagnostics["push"]["state"] == PushState.NO_URL


async def test_diagnostics_show_no_device_id_or_serial(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """No GUID, no block serial anywhere (as for every other vendor's ids)."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, ninjablocks_entry
    )
    dump = json.dumps(diagnostics)
    block = next(d for d in diagnostics["devices"] if d["kind"] == "gateway")
    assert block["serial"] == REDACTED
    assert block["id"] == REDACTED
    for guid in ninjablocks.sim.devices:
        assert guid not in dump
    assert NODE not in dump
