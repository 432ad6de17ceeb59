"""The Ninja Blocks actions through Home Assistant, against the simulator.

Remotes stored on the RF 433 hub (``add_rf_subdevice``,
``update_rf_subdevice``, ``remove_rf_subdevice``), renaming a device or a
remote in the cloud (``rename_device``) and the history the cloud keeps
(``get_history``): what the cloud receives, what Home Assistant shows at
once (no reload), and every refusal, translated, before anything is sent.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, ATTR_FRIENDLY_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from simulator.ninjablocks import (
    DATA_ROUTE,
    DEVICE_ROUTE,
    DEVICES_ROUTE,
    DOOR_BELL_ID,
    HEAT_LAMP_ID,
    SUBDEVICE_DATA_ROUTE,
    SUBDEVICE_ROUTE,
    SUBDEVICES_ROUTE,
    TOKEN_PARAM,
)
from simulator.ninjablocks.world import RF433_LAST_CODE

from .conftest import _ReportCollector
from .flow import STRINGS
from .ninjablocks_fixtures import (  # noqa: F401 - fixtures
    DOOR_BELL,
    DOOR_BELL_CODE,
    HEAT_LAMP,
    HEAT_LAMP_CODE,
    LED,
    NODE,
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
)
from .test_ninjablocks import (  # noqa: F401 - fixtures
    DOOR_BELL_EVENT,
    HEAT_LAMP_BUTTON,
    NOW,
    POLL,
    TEMPERATURE_SENSOR,
    Fired,
    entity_ids,
    fixture_fired,
    ha_device,
    ha_device_id,
    let_pass,
    registered_devices,
    state,
    unavailable,
)

pytestmark = pytest.mark.freeze_time("2026-03-10 10:00:00+00:00")

NEW_CODE = "110011001100110011001100"


def _collecting() -> _ReportCollector:
    collector = _ReportCollector()
    logging.getLogger().addHandler(collector)
    return collector


async def call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any] | None:
    """Run one of our actions, with its response where it has one."""
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    await hass.async_block_till_done()
    return response


async def refused(
    hass: HomeAssistant, service: str, key: str, **data: Any
) -> ServiceValidationError:
    """The action is refused with the translated error ``key``."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, **data)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert key in STRINGS["exceptions"]
    return err.value


def writes(cloud: NinjaCloud) -> int:
    """Requests that would change what the cloud holds."""
    return sum(1 for r in cloud.sim.requests if r.method in ("POST", "PUT", "DELETE"))


def new_subdevice(cloud: NinjaCloud, name: str) -> str:
    """The id of the hub's sub-device called ``name`` (it must be there)."""
    (found,) = [
        sub_id
        for sub_id, sub in cloud.sim.device(RF).sub_devices.items()
        if sub.short_name == name
    ]
    return found


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


# --- add_rf_subdevice ---------------------------------------------------------------------


async def test_add_an_rf_actuator_with_its_code(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A new remote: stored in the cloud, a device at once, its button sends it."""
    sim = ninjablocks.sim
    listings = sim.count("GET", DEVICES_ROUTE)
    response = await call(
        hass,
        "add_rf_subdevice",
        device_id=ha_device_id(hass, RF),
        name="  Garage door  ",
        subdevice_type="actuator",
        code=NEW_CODE,
    )
    sub_id = new_subdevice(ninjablocks, "Garage door")
    created = sim.subdevice(RF, sub_id)
    assert (created.category, created.type, created.data) == (
        "rf",
        "actuator",
        NEW_CODE,
    )
    (post,) = [r for r in sim.requests if r.route == SUBDEVICES_ROUTE]
    assert (post.method, post.device_id) == ("POST", RF)
    assert post.json == {
        "category": "rf",
        "type": "actuator",
        "shortName": "Garage door",
        "data": NEW_CODE,
    }
    # the account was listed again: the new remote is a device now, no reload
    assert sim.count("GET", DEVICES_ROUTE) == listings + 1
    device = ha_device(hass, f"{RF}:{sub_id}")
    assert device is not None
    assert response == {"device_id": device.id}
    assert (device.name, device.model, device.manufacturer) == (
        "Garage door",
        "RF 433 MHz remote",
        "Ninja Blocks",
    )
    assert device.via_device_id == ha_device_id(hass, NODE)
    assert entity_ids(hass, f"{RF}:{sub_id}") == {"button.garage_door"}
    assert ninjablocks_entry.state is ConfigEntryState.LOADED
    # its button sends the stored code
    await press(hass, "button.garage_door")
    assert sim.transmitted[-1].code == NEW_CODE
    assert sim.transmitted[-1].guid == RF
    assert unavailable(hass) == set()


async def test_add_an_rf_sensor_from_the_code_the_hub_heard(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    fired: Fired,
) -> None:
    """No code: the hub's last one; a sensor's event fires when it is heard."""
    sim = ninjablocks.sim
    response = await call(
        hass,
        "add_rf_subdevice",
        device_id=ha_device_id(hass, RF),
        name="Window remote",
        subdevice_type="sensor",
    )
    sub_id = new_subdevice(ninjablocks, "Window remote")
    assert sim.subdevice(RF, sub_id).data == RF433_LAST_CODE
    assert sim.subdevice(RF, sub_id).type == "sensor"
    assert response == {"device_id": ha_device_id(hass, f"{RF}:{sub_id}")}
    assert entity_ids(hass, f"{RF}:{sub_id}") == {"event.window_remote"}
    # heard again: the new remote's event fires (the bell's does not)
    sim.report(RF, RF433_LAST_CODE)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [
        ("event.window_remote", "received", {"code": RF433_LAST_CODE})
    ]


async def test_add_without_a_code_when_the_hub_heard_none(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """The hub's last report is no code: the action is refused, nothing stored."""
    ninjablocks.sim.report(RF, "not a code")
    await let_pass(hass, freezer, POLL)
    before = writes(ninjablocks)
    err = await refused(
        hass,
        "add_rf_subdevice",
        "invalid_parameter",
        device_id=ha_device_id(hass, RF),
        name="Window remote",
        subdevice_type="sensor",
    )
    assert err.translation_placeholders["action"] == "add_subdevice"
    assert writes(ninjablocks) == before
    assert len(ninjablocks.sim.device(RF).sub_devices) == 2


async def test_adding_a_remote_uses_no_deprecated_registry_api(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Home Assistant reports no deprecated call while a remote is added."""
    collector = _collecting()
    try:
        response = await call(
            hass,
            "add_rf_subdevice",
            device_id=ha_device_id(hass, RF),
            name="Garage door",
            subdevice_type="actuator",
            code=NEW_CODE,
        )
    finally:
        logging.getLogger().removeHandler(collector)
    sub_id = new_subdevice(ninjablocks, "Garage door")
    assert response == {"device_id": ha_device_id(hass, f"{RF}:{sub_id}")}
    assert collector.reports == []


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"code": "0101"}, "invalid_code"),  # too short
        ({"code": "01010101x1010101"}, "invalid_code"),
        ({"code": "2" * 24}, "invalid_code"),
        ({"code": "0" * 129}, "invalid_code"),  # too long
        ({"name": "   "}, "empty_value"),
        ({"name": "x" * 101}, "name_too_long"),
    ],
)
async def test_add_refuses(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    """A code that is not 8 to 128 binary digits, a bad name: nothing is sent."""
    before = writes(ninjablocks)
    devices = set(registered_devices(hass))
    await refused(
        hass,
        "add_rf_subdevice",
        key,
        **{
            "device_id": ha_device_id(hass, RF),
            "name": "Garage door",
            "subdevice_type": "actuator",
            **data,
        },
    )
    assert writes(ninjablocks) == before
    assert ninjablocks.sim.transmitted == []
    assert set(registered_devices(hass)) == devices


@pytest.mark.parametrize("target", [TEMPERATURE, LED, NODE, DOOR_BELL, WEBHOOK])
async def test_add_to_a_device_that_is_no_rf_hub(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    target: str,
) -> None:
    """Only the RF hub stores remotes (not the webhook service, nor a remote)."""
    before = writes(ninjablocks)
    await refused(
        hass,
        "add_rf_subdevice",
        "wrong_device_kind",
        device_id=ha_device_id(hass, target),
        name="Garage door",
        subdevice_type="actuator",
        code=NEW_CODE,
    )
    assert writes(ninjablocks) == before


async def test_add_refused_by_the_cloud(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """``result: 0``: a translated error; no device appears."""
    ninjablocks.sim.add_rejection("Too many sub-devices", route=SUBDEVICES_ROUTE)
    devices = set(registered_devices(hass))
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "add_rf_subdevice",
            device_id=ha_device_id(hass, RF),
            name="Garage door",
            subdevice_type="actuator",
            code=NEW_CODE,
        )
    assert err.value.translation_key == "action_failed"
    assert "Too many sub-devices" in str(err.value.translation_placeholders)
    assert set(registered_devices(hass)) == devices


# --- update_rf_subdevice --------------------------------------------------------------------


async def test_update_a_remote_name_and_code(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Renamed in the cloud and the device registry; the button sends the new code."""
    sim = ninjablocks.sim
    response = await call(
        hass,
        "update_rf_subdevice",
        device_id=ha_device_id(hass, HEAT_LAMP),
        name="Heater on",
        code=NEW_CODE,
    )
    assert response == {"device_id": None}
    sub = sim.subdevice(RF, HEAT_LAMP_ID)
    assert (sub.short_name, sub.data) == ("Heater on", NEW_CODE)
    (put,) = [r for r in sim.requests if r.route == SUBDEVICE_ROUTE]
    assert put.method == "PUT"
    assert put.json == {"shortName": "Heater on", "data": NEW_CODE}
    device = ha_device(hass, HEAT_LAMP)
    assert device is not None
    assert device.name == "Heater on"
    # the same entity, named as its device now
    assert entity_ids(hass, HEAT_LAMP) == {HEAT_LAMP_BUTTON}
    await press(hass, HEAT_LAMP_BUTTON)
    assert sim.transmitted[-1].code == NEW_CODE

    # the name alone
    await call(
        hass,
        "update_rf_subdevice",
        device_id=ha_device_id(hass, HEAT_LAMP),
        name="Heat lamp",
    )
    put = [r for r in sim.requests if r.route == SUBDEVICE_ROUTE][-1]
    assert put.json == {"shortName": "Heat lamp"}
    assert ha_device(hass, HEAT_LAMP).name == "Heat lamp"
    assert sim.subdevice(RF, HEAT_LAMP_ID).data == NEW_CODE


async def test_update_a_sensor_code_fires_on_the_new_one(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    fired: Fired,
) -> None:
    """The Door Bell learns a new code: only that one fires it."""
    await call(
        hass,
        "update_rf_subdevice",
        device_id=ha_device_id(hass, DOOR_BELL),
        code=NEW_CODE,
    )
    assert ninjablocks.sim.subdevice(RF, DOOR_BELL_ID).data == NEW_CODE
    ninjablocks.sim.report(RF, DOOR_BELL_CODE)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == []
    ninjablocks.sim.report(RF, NEW_CODE)
    await let_pass(hass, freezer, POLL)
    assert fired.take() == [(DOOR_BELL_EVENT, "received", {"code": NEW_CODE})]


@pytest.mark.parametrize(
    ("target", "data", "key"),
    [
        (HEAT_LAMP, {}, "nothing_to_change"),
        (HEAT_LAMP, {"code": "01"}, "invalid_code"),
        (HEAT_LAMP, {"name": ""}, "empty_value"),
        (DOOR_BELL, {"name": "y" * 101}, "name_too_long"),
        (RF, {"name": "Hub"}, "wrong_device_kind"),
        (TEMPERATURE, {"code": NEW_CODE}, "wrong_device_kind"),
    ],
)
async def test_update_refuses(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    target: str,
    data: dict[str, Any],
    key: str,
) -> None:
    """Nothing to change, a bad code or name, a device that is no remote."""
    before = writes(ninjablocks)
    await refused(
        hass,
        "update_rf_subdevice",
        key,
        device_id=ha_device_id(hass, target),
        **data,
    )
    assert writes(ninjablocks) == before
    assert ninjablocks.sim.subdevice(RF, HEAT_LAMP_ID).data == HEAT_LAMP_CODE


# --- remove_rf_subdevice ---------------------------------------------------------------------


async def test_remove_a_remote(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Deleted in the cloud; its device and entity gone at once."""
    sim = ninjablocks.sim
    response = await call(
        hass, "remove_rf_subdevice", device_id=ha_device_id(hass, HEAT_LAMP)
    )
    assert response == {"device_id": None}
    assert HEAT_LAMP_ID not in sim.device(RF).sub_devices
    assert sim.count("DELETE", SUBDEVICE_ROUTE, RF) == 1
    assert ha_device(hass, HEAT_LAMP) is None
    assert er.async_get(hass).async_get(HEAT_LAMP_BUTTON) is None
    assert hass.states.get(HEAT_LAMP_BUTTON) is None
    # the rest stays
    assert ha_device(hass, DOOR_BELL) is not None
    assert ha_device(hass, RF) is not None
    assert unavailable(hass) == set()
    # the next listings do not bring it back
    for _ in range(10):
        await let_pass(hass, freezer, POLL)
    assert ha_device(hass, HEAT_LAMP) is None
    assert unavailable(hass) == set()


@pytest.mark.parametrize("target", [RF, TEMPERATURE, NODE])
async def test_remove_refuses_a_device_that_is_no_remote(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    target: str,
) -> None:
    """A GUID device or the block is no sub-device: nothing is deleted."""
    before = writes(ninjablocks)
    await refused(
        hass,
        "remove_rf_subdevice",
        "wrong_device_kind",
        device_id=ha_device_id(hass, target),
    )
    assert writes(ninjablocks) == before
    assert ha_device(hass, target) is not None


# --- rename_device ---------------------------------------------------------------------------


async def test_rename_a_device(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """The cloud's shortName; the device registry and the entities follow."""
    sim = ninjablocks.sim
    response = await call(
        hass,
        "rename_device",
        device_id=ha_device_id(hass, TEMPERATURE),
        name=" Terrarium ",
    )
    assert response == {"device_id": None}
    assert sim.device(TEMPERATURE).short_name == "Terrarium"
    put = [r for r in sim.requests if r.route == DEVICE_ROUTE][-1]
    assert (put.method, put.device_id, put.json) == (
        "PUT",
        TEMPERATURE,
        {"shortName": "Terrarium"},
    )
    device = ha_device(hass, TEMPERATURE)
    assert device is not None
    assert device.name == "Terrarium"
    # the model (the cloud's default name) stays
    assert device.model == "Temperature"
    assert hass.states.get(TEMPERATURE_SENSOR).attributes[ATTR_FRIENDLY_NAME] == (
        "Terrarium Temperature"
    )
    assert state(hass, TEMPERATURE_SENSOR) == "26.6"
    # the listings that follow say the same
    for _ in range(10):
        await let_pass(hass, freezer, POLL)
    assert ha_device(hass, TEMPERATURE).name == "Terrarium"


async def test_rename_a_remote(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A sub-device's shortName, on its hub's sub-device path."""
    sim = ninjablocks.sim
    await call(
        hass,
        "rename_device",
        device_id=ha_device_id(hass, DOOR_BELL),
        name="Front door",
    )
    assert sim.subdevice(RF, DOOR_BELL_ID).short_name == "Front door"
    assert sim.subdevice(RF, DOOR_BELL_ID).data == DOOR_BELL_CODE
    put = [r for r in sim.requests if r.route == SUBDEVICE_ROUTE][-1]
    assert (put.method, put.json) == ("PUT", {"shortName": "Front door"})
    assert ha_device(hass, DOOR_BELL).name == "Front door"
    assert hass.states.get(DOOR_BELL_EVENT).attributes[ATTR_FRIENDLY_NAME] == (
        "Front door"
    )


@pytest.mark.parametrize(
    ("target", "name", "key"),
    [
        (TEMPERATURE, "", "empty_value"),
        (TEMPERATURE, "   ", "empty_value"),
        (TEMPERATURE, "t" * 101, "name_too_long"),
        (HEAT_LAMP, "h" * 101, "name_too_long"),
        (NODE, "My block", "wrong_device_kind"),
    ],
)
async def test_rename_refuses(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    target: str,
    name: str,
    key: str,
) -> None:
    """An empty or too long name; a block (the cloud names none)."""
    before = writes(ninjablocks)
    await refused(
        hass, "rename_device", key, device_id=ha_device_id(hass, target), name=name
    )
    assert writes(ninjablocks) == before
    assert ninjablocks.sim.device(TEMPERATURE).short_name == "Temperature"


async def test_a_name_of_100_characters_is_taken(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """The longest name the cloud takes."""
    name = "n" * 100
    await call(hass, "rename_device", device_id=ha_device_id(hass, RELAY), name=name)
    assert ninjablocks.sim.device(RELAY).short_name == name
    assert ha_device(hass, RELAY).name == name


# --- get_history -------------------------------------------------------------------------------


async def cloud_history(
    hass: HomeAssistant, cloud: NinjaCloud, path: str, **params: str
) -> list[dict[str, Any]]:
    """What the cloud itself answers to a /data request."""
    session = async_get_clientsession(hass)
    async with session.get(
        f"{cloud.url}{path}", params={TOKEN_PARAM: cloud.sim.token, **params}
    ) as answer:
        body = await answer.json()
    assert body["result"] == 1, body
    return body["data"]


def ms(at: Any) -> str:
    return str(int(at.timestamp() * 1000))


async def test_history_folded_per_hour(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """interval, unit and fn as the cloud spells them; its points, as (time, value)."""
    sim = ninjablocks.sim
    start, end = NOW - timedelta(hours=6), NOW
    response = await call(
        hass,
        "get_history",
        device_id=ha_device_id(hass, TEMPERATURE),
        start=start.isoformat(),
        end=end.isoformat(),
        interval=1,
        interval_unit="hour",
        fn="max",
    )
    (request,) = [r for r in sim.requests if r.route == DATA_ROUTE]
    assert request.device_id == TEMPERATURE
    assert {k: v for k, v in request.query.items() if k != TOKEN_PARAM} == {
        "from": ms(start),
        "to": ms(end),
        "interval": "1hour",
        "fn": "max",
    }
    assert response is not None
    points = response["points"]
    expected = await cloud_history(
        hass,
        ninjablocks,
        f"/device/{TEMPERATURE}/data",
        **{"from": ms(start), "to": ms(end), "interval": "1hour", "fn": "max"},
    )
    # 04:00 to 10:00 (the last hour holds its first sample only)
    assert len(points) == len(expected) == 7
    assert [p["time"] for p in points] == [
        (start + timedelta(hours=hour)).isoformat() for hour in range(7)
    ]
    assert [p["value"] for p in points] == pytest.approx([p["v"] for p in expected])
    assert all(isinstance(p["value"], float) for p in points)
    assert all(-20 < p["value"] < 60 for p in points)


async def test_history_without_an_interval(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """By default the last 24 hours of the cloud's own points (every 10 min)."""
    sim = ninjablocks.sim
    sim.report(TEMPERATURE, 30.5)
    response = await call(
        hass, "get_history", device_id=ha_device_id(hass, TEMPERATURE)
    )
    (request,) = [r for r in sim.requests if r.route == DATA_ROUTE]
    query = {k: v for k, v in request.query.items() if k != TOKEN_PARAM}
    assert query == {"from": ms(NOW - timedelta(days=1)), "to": ms(NOW)}
    assert response is not None
    points = response["points"]
    # every 10 minutes, both ends included, and the report just made
    assert len(points) == 24 * 6 + 1 + 1
    assert points[0]["time"] == (NOW - timedelta(days=1)).isoformat()
    assert {"time": NOW.isoformat(), "value": 30.5} in points[-2:]
    times = [p["time"] for p in points]
    assert times == sorted(times)


async def test_history_of_a_remote_counts(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A sub-device's history: how often it was heard per interval (no fn)."""
    sim = ninjablocks.sim
    start = NOW - timedelta(days=7)
    sim.report(RF, DOOR_BELL_CODE)
    response = await call(
        hass,
        "get_history",
        device_id=ha_device_id(hass, DOOR_BELL),
        start=start.isoformat(),
        end=NOW.isoformat(),
        interval=1,
        interval_unit="day",
    )
    (request,) = [r for r in sim.requests if r.route == SUBDEVICE_DATA_ROUTE]
    assert request.device_id == RF
    assert request.path.endswith(f"/subdevice/{DOOR_BELL_ID}/data")
    query = {k: v for k, v in request.query.items() if k != TOKEN_PARAM}
    assert query == {"from": ms(start), "to": ms(NOW), "interval": "1day"}
    assert response is not None
    points = response["points"]
    expected = await cloud_history(
        hass,
        ninjablocks,
        f"/device/{RF}/subdevice/{DOOR_BELL_ID}/data",
        **query,
    )
    assert [p["value"] for p in points] == [float(p["v"]) for p in expected]
    assert points
    # the ring just heard counts, today
    today = [p for p in points if p["time"] == NOW.replace(hour=0).isoformat()]
    assert today
    assert today[0]["value"] >= 1
    # one total over the period without an interval
    total = await call(
        hass,
        "get_history",
        device_id=ha_device_id(hass, DOOR_BELL),
        start=start.isoformat(),
        end=NOW.isoformat(),
    )
    assert total is not None
    assert [p["value"] for p in total["points"]] == [sum(p["value"] for p in points)]


@pytest.mark.parametrize(
    ("target", "data", "key"),
    [
        (TEMPERATURE, {"interval": 6}, "interval_and_unit"),
        (TEMPERATURE, {"interval_unit": "hour"}, "interval_and_unit"),
        (TEMPERATURE, {"interval": 1, "interval_unit": "week"}, "invalid_choice"),
        (TEMPERATURE, {"fn": "median"}, "invalid_choice"),
        (TEMPERATURE, {"interval": 0, "interval_unit": "hour"}, "out_of_range"),
        (
            TEMPERATURE,
            {"start": "2026-03-10T09:00:00+00:00", "end": "2026-03-10T08:00:00+00:00"},
            "start_after_end",
        ),
        (RELAY, {}, "wrong_device_kind"),
        (LED, {}, "wrong_device_kind"),
        (WEBCAM, {}, "wrong_device_kind"),
        (NODE, {}, "wrong_device_kind"),
    ],
)
async def test_history_refuses(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    target: str,
    data: dict[str, Any],
    key: str,
) -> None:
    """Each refusal translated; the cloud is not asked."""
    await refused(
        hass, "get_history", key, device_id=ha_device_id(hass, target), **data
    )
    assert ninjablocks.sim.count("GET", DATA_ROUTE) == 0
    assert ninjablocks.sim.count("GET", SUBDEVICE_DATA_ROUTE) == 0


async def test_history_of_one_device_only(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Two devices at once: refused."""
    await refused(
        hass,
        "get_history",
        "single_device_required",
        device_id=[ha_device_id(hass, TEMPERATURE), ha_device_id(hass, DOOR_BELL)],
    )


async def test_history_refused_by_the_cloud(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """``result: 0`` on the data read: a translated error, the account fine."""
    ninjablocks.sim.add_rejection("Data store unavailable", route=DATA_ROUTE)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "get_history", device_id=ha_device_id(hass, TEMPERATURE))
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key in STRINGS["exceptions"]
    assert "Data store unavailable" in str(err.value.translation_placeholders)
    assert unavailable(hass) == set()
