"""Tests of the Instathings simulator's control: set, status (202), fetch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from simulator.instathings import InstathingsSimulator

from . import (
    CLIMATE,
    GATEWAY,
    LAMP,
    PLUG,
    PROJECT,
    SHELLY,
    SHELLY_ON,
    SHELLY_STATUS,
    T0,
    Insta,
)


def set_path(device_id: str) -> str:
    """The set endpoint of a device."""
    return f"/device/v1/control/{device_id}/set"


def status_path(device_id: str) -> str:
    """The status endpoint of a device."""
    return f"/device/v1/control/{device_id}/status"


async def ask(
    client: Insta, device_id: str, headers: dict[str, str] | None = None, **query: str
) -> str:
    """Ask for a device's status; the Location to poll."""
    reply = await client.post(
        status_path(device_id), headers=headers, params=query or None
    )
    assert reply.status == 202, reply.raw
    assert reply.body == {}
    location: str = reply.headers["Location"]
    return location


# --- set --------------------------------------------------------------------------------


async def test_set_lamp(client: Insta, sim: InstathingsSimulator) -> None:
    reply = await client.post(set_path(LAMP), {"state": "OFF"})
    assert (reply.status, reply.body) == (200, {})
    assert sim.device(LAMP).state["state"] == "OFF"
    await client.post(set_path(LAMP), {"state": "toggle"})
    assert sim.device(LAMP).state["state"] == "ON"
    await client.post(
        set_path(LAMP),
        {"brightness": 100, "color": {"x": 0.5, "y": 0.4}, "color_temp": 370},
    )
    state = sim.device(LAMP).state
    assert (state["brightness"], state["color"], state["color_temp"]) == (
        100,
        {"x": 0.5, "y": 0.4},
        370,
    )
    await client.post(set_path(LAMP), {"brightness": 999, "color_temp": 20})
    assert (state["brightness"], state["color_temp"]) == (254, 150)
    await client.post(set_path(LAMP), {"brightness": 0})
    assert state["state"] == "OFF"
    # What changed is reported as data (the whole state, as zigbee2mqtt does).
    latest = (await client.ok(f"/device/v1/devices/{LAMP}/data", perPage="1"))["data"][
        0
    ]
    assert latest["data"] == state
    assert sim.controls[0].body == {"state": "OFF"}
    assert all(c.applied for c in sim.controls)


async def test_set_ignores_what_a_device_lacks(
    client: Insta, sim: InstathingsSimulator
) -> None:
    before = dict(sim.device(CLIMATE).state)
    records = len(sim.device(CLIMATE).records)
    reply = await client.post(set_path(CLIMATE), {"state": "ON", "brightness": 3})
    assert reply.status == 200
    assert sim.device(CLIMATE).state == before
    assert len(sim.device(CLIMATE).records) == records
    # A lamp told nonsense stays as it is, too.
    await client.post(set_path(LAMP), {"state": "BLUE", "color": "red"})
    assert sim.device(LAMP).state["state"] == "ON"


async def test_set_plug(client: Insta, sim: InstathingsSimulator) -> None:
    await client.post(set_path(PLUG), {"state": "OFF"})
    plug = sim.device(PLUG).state
    assert (plug["state"], plug["power"], plug["current"]) == ("OFF", 0.0, 0.0)
    await client.post(set_path(PLUG), {"state": "ON"})
    assert plug["power"] == 12.4


@pytest.mark.parametrize("body", ['"ON"', "[1, 2]", "not json", None])
async def test_set_needs_an_object(client: Insta, body: str | None) -> None:
    reply = await client.request(
        "POST",
        set_path(LAMP),
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 400
    assert reply.body["message"] == "The body must be a JSON object"


async def test_http_device_needs_headers(
    client: Insta, sim: InstathingsSimulator
) -> None:
    for headers in (
        None,
        {"instathings-path": "/relay/0"},
        {"instathings-method": "GET"},
    ):
        for path in (set_path(SHELLY), status_path(SHELLY)):
            reply = await client.post(path, {}, headers=headers, params={"turn": "on"})
            assert reply.status == 400, (path, headers)
            assert "instathings-path" in reply.body["message"]
    reply = await client.post(
        set_path(SHELLY),
        headers={"instathings-path": "/relay/0", "instathings-method": "FETCH"},
    )
    assert reply.status == 400
    assert sim.device(SHELLY).state["relays"][0]["ison"] is False
    assert sim.controls == []


async def test_shelly_relay(client: Insta, sim: InstathingsSimulator) -> None:
    shelly = sim.device(SHELLY).state
    reply = await client.post(
        set_path(SHELLY), headers=SHELLY_ON, params={"turn": "on"}
    )
    assert (reply.status, reply.body) == (200, {})
    assert shelly["relays"][0]["ison"] is True
    assert shelly["meters"][0]["power"] == 45.0
    control = sim.controls[-1]
    assert (control.path, control.method, control.query) == (
        "/relay/0",
        "GET",
        {"turn": "on"},
    )
    await client.post(set_path(SHELLY), headers=SHELLY_ON, params={"turn": "toggle"})
    assert shelly["relays"][0]["ison"] is False
    await client.post(set_path(SHELLY), headers=SHELLY_ON, params={"turn": "toggle"})
    await client.post(set_path(SHELLY), headers=SHELLY_ON, params={"turn": "off"})
    assert shelly["relays"][0]["ison"] is False
    assert shelly["meters"][0]["power"] == 0.0
    # Header names are case-insensitive; a path it does not know changes nothing.
    await client.post(
        set_path(SHELLY),
        headers={"Instathings-Path": "relay/0", "Instathings-Method": "post"},
        params={"turn": "on"},
    )
    assert shelly["relays"][0]["ison"] is True
    await client.post(
        set_path(SHELLY), headers={**SHELLY_ON, "instathings-path": "/light/0"}
    )
    assert shelly["relays"][0]["ison"] is True
    data = (await client.ok(f"/device/v1/devices/{SHELLY}/data", perPage="1"))["data"][
        0
    ]
    assert data["data"]["relays"][0]["ison"] is True


# --- status and fetch -------------------------------------------------------------------


async def test_status_flow(
    client: Insta, sim: InstathingsSimulator, running: Any
) -> None:
    sim.status_delay = 60
    location = await ask(client, LAMP)
    assert location.startswith(running.url)
    assert location.endswith("/fetch")
    request_id = location.split("/")[-2]
    assert len(request_id) == 8
    pending = await client.get(location)
    assert (pending.status, pending.body) == (202, {})
    sim.clock.advance(59)
    assert (await client.get(location)).status == 202
    sim.clock.advance(1)
    answer = await client.get(location)
    assert answer.status == 200
    assert answer.body == {
        "projectId": PROJECT,
        "response": sim.device(LAMP).state,
        "ttl": answer.body["ttl"],
        "deviceId": LAMP,
        "id": request_id,
    }
    assert set(answer.body["response"]) == {
        "state",
        "brightness",
        "color",
        "linkquality",
        "color_temp",
    }
    assert answer.body["ttl"] == pytest.approx(int(T0.timestamp()) + 86400, abs=5)
    # The answer stays (polling again is fine).
    assert (await client.get(location)).body == answer.body


async def test_status_answers_in_real_time(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.set_answer_delay(CLIMATE, 0.2)
    location = await ask(client, CLIMATE)
    assert (await client.get(location)).status == 202
    await asyncio.sleep(0.25)
    reply = await client.get(location)
    assert reply.status == 200
    assert "temperature" in reply.body["response"]


async def test_status_without_delay(client: Insta, sim: InstathingsSimulator) -> None:
    sim.set_answer_delay(LAMP, 0)
    location = await ask(client, LAMP)
    assert (await client.get(location)).status == 200


async def test_status_shapes(client: Insta, sim: InstathingsSimulator) -> None:
    sim.status_delay = 60
    sim.set_shapes(location="relative", status_body="request_id")
    reply = await client.post(status_path(LAMP))
    assert reply.status == 202
    location = reply.headers["Location"]
    request_id = reply.body["requestId"]
    assert location == f"/device/v1/control/{request_id}/fetch"
    sim.set_shapes(pending="404")
    pending = await client.get(location)
    assert (pending.status, pending.body["statusCode"]) == (404, 404)
    sim.set_shapes(pending="200")
    pending = await client.get(location)
    assert pending.status == 200
    assert pending.body == {
        "projectId": PROJECT,
        "ttl": pending.body["ttl"],
        "deviceId": LAMP,
        "id": request_id,
    }
    sim.clock.advance(60)
    sim.set_shapes(response="enveloped")
    answer = (await client.get(location)).body
    assert answer["response"]["type"] == "data"
    assert answer["response"]["message"]["data"]["state"] == "ON"


async def test_shelly_status_is_enveloped(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.set_answer_delay(SHELLY, 0)
    location = await ask(client, SHELLY, SHELLY_STATUS)
    response = (await client.get(location)).body["response"]
    assert response["type"] == "data"
    status = response["message"]["data"]
    assert status == sim.device(SHELLY).state
    assert {"relays", "meters", "temperature", "overtemperature", "fs_free"} <= set(
        status
    )
    sim.set_shapes(response="flat")
    assert (await client.get(location)).body["response"] == status
    # A status request through /relay/0 with turn=on switches it (it is forwarded).
    location = await ask(client, SHELLY, SHELLY_ON, turn="on")
    relay = (await client.get(location)).body["response"]
    assert relay["ison"] is True
    assert sim.device(SHELLY).state["relays"][0]["ison"] is True
    location = await ask(
        client, SHELLY, {**SHELLY_STATUS, "instathings-path": "/meter/0"}
    )
    assert (await client.get(location)).body["response"]["power"] == 45.0
    location = await ask(
        client, SHELLY, {**SHELLY_STATUS, "instathings-path": "/settings"}
    )
    assert (await client.get(location)).body["response"]["device"]["type"] == "SHPLG-S"
    location = await ask(client, SHELLY, {**SHELLY_STATUS, "instathings-path": "/nope"})
    assert (await client.get(location)).body["response"] == {"error": "Not Found"}


async def test_never_answers(client: Insta, sim: InstathingsSimulator) -> None:
    sim.set_never_answers(LAMP)
    location = await ask(client, LAMP)
    sim.clock.advance(600)
    assert (await client.get(location)).status == 202
    # Commands go nowhere either, though the cloud accepts them.
    assert (await client.post(set_path(LAMP), {"state": "OFF"})).status == 200
    assert sim.device(LAMP).state["state"] == "ON"
    assert sim.controls[-1].applied is False
    sim.set_never_answers(LAMP, False)
    sim.clock.advance(1)
    # The device answers once it is back (the request was still waiting).
    assert (await client.get(location)).status == 200


async def test_disconnected_gateway_devices_do_not_answer(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.disconnect_gateway(GATEWAY)
    location = await ask(client, CLIMATE)
    sim.clock.advance(10)
    assert (await client.get(location)).status == 202
    sim.connect_gateway(GATEWAY)
    sim.clock.advance(1)
    assert (await client.get(location)).status == 200


async def test_fetch_unknown_request(client: Insta) -> None:
    reply = await client.get("/device/v1/control/unknown1/fetch")
    assert reply.status == 404
    assert reply.body["message"] == "Request not found"


async def test_requests_are_recorded_with_their_device(
    client: Insta, sim: InstathingsSimulator
) -> None:
    location = await ask(client, LAMP)
    await client.get(location)
    assert sim.count("POST", "/device/v1/control/{device_id}/status", LAMP) == 1
    assert sim.count("GET", "/device/v1/control/{request_id}/fetch", LAMP) == 1
    assert sim.count(device_id=LAMP) == 2
