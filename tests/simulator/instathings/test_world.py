"""Tests of the Instathings simulator's world changes, as sockets and REST see them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import json
import re
from typing import Any

from aiohttp import ClientSession
import pytest

from simulator.__main__ import parse_args, serve
from simulator.instathings import InstathingsSimulator

from .. import served
from . import (
    CLIMATE,
    FOUNTAIN,
    GATEWAY,
    LAMP,
    PLUG,
    PROJECT,
    SHELLY,
    SOIL,
    SUB_DEVICES,
    VIRTUAL,
    Insta,
    action,
    sio_events,
    sio_open,
    until,
)

GATE_TYPE = "4023bd5d-9f88-4761-97c2-0e682aef5437"
CLIMATE_TYPE = "01c2fd9f-fb3a-45cf-8be3-97e00b7510c6"


async def test_gateway_disconnects_and_connects(
    client: Insta, sim: InstathingsSimulator
) -> None:
    async with await client.cloud_socket() as ws:
        sim.disconnect_gateway(GATEWAY, "MQTT_KEEP_ALIVE_TIMEOUT")
        message = await action(ws)
        assert message["action"] == "disconnected"
        payload = message["payload"]
        assert (payload["id"], payload["isGateway"], payload["type"]) == (
            GATEWAY,
            True,
            GATE_TYPE,
        )
        assert payload["projectId"] == PROJECT
        assert payload["subDevices"] == SUB_DEVICES
        assert payload["version"] == {"gate": "instathings/gate:1.7.1"}
        assert payload["plan"]["object"] == "plan"
        status = payload["status"]
        assert status["eventType"] == "disconnected"
        assert status["disconnectReason"] == "MQTT_KEEP_ALIVE_TIMEOUT"
        assert status["clientInitiatedDisconnect"] is False
        assert status["clientId"] == GATEWAY
        assert "ipAddress" not in status
        gateway = await client.ok(f"/device/v1/devices/{GATEWAY}")
        assert gateway["status"]["eventType"] == "disconnected"
        assert gateway["status"]["disconnectReason"] == "MQTT_KEEP_ALIVE_TIMEOUT"
        sim.connect_gateway(GATEWAY)
        connected = await action(ws)
        assert connected["action"] == "connected"
        assert connected["payload"]["status"]["eventType"] == "connected"
        assert connected["payload"]["status"]["ipAddress"] == "84.220.143.221"
        assert connected["payload"]["stats"] == {"ingestion": 36}
        assert "version" not in connected["payload"]
        version = await action(ws)
        assert version["action"] == "software_version"
        assert version["payload"]["version"] == {"gate": "instathings/gate:1.7.1"}
        session = version["payload"]["status"]["sessionIdentifier"]
        assert session != status["sessionIdentifier"]
    gateway = await client.ok(f"/device/v1/devices/{GATEWAY}")
    assert gateway["status"]["eventType"] == "connected"
    assert "disconnectReason" not in gateway["status"]


async def test_client_initiated_disconnect(
    client: Insta, sim: InstathingsSimulator
) -> None:
    async with await client.cloud_socket() as ws:
        sim.disconnect_gateway(GATEWAY, "CLIENT_INITIATED_DISCONNECT")
        status = (await action(ws))["payload"]["status"]
        assert status["clientInitiatedDisconnect"] is True


async def test_software_version(client: Insta, sim: InstathingsSimulator) -> None:
    async with await client.cloud_socket() as ws:
        sim.set_software_version(GATEWAY, "instathings/gate:1.8.0")
        message = await action(ws)
        assert message["action"] == "software_version"
        assert message["payload"]["version"] == {"gate": "instathings/gate:1.8.0"}
    gateway = await client.ok(f"/device/v1/devices/{GATEWAY}")
    assert gateway["version"] == {"gate": "instathings/gate:1.8.0"}


async def test_discover_and_pair(client: Insta, sim: InstathingsSimulator) -> None:
    async with await client.cloud_socket() as ws:
        found = sim.discover(GATEWAY, "climate", name="Bird cage")
        message = await action(ws)
        assert message == {
            "action": "discovering",
            "payload": {
                "projectId": PROJECT,
                "ts": message["payload"]["ts"],
                "status": {"eventType": "discovering"},
                "parentDevice": GATEWAY,
                "id": found,
                "env": "sandbox",
                "isGateway": False,
                "name": "Bird cage",
                "type": CLIMATE_TYPE,
            },
        }
        assert found not in sim.devices
        device = sim.pair(GATEWAY, "climate", name="Bird cage", device_id=found)
        paired = await action(ws)
        assert paired["action"] == "paired"
        assert paired["payload"]["id"] == found
        assert paired["payload"]["status"] == {"eventType": "paired"}
        devices = await client.ok("/device/v1/devices")
        ids = [d["id"] for d in devices]
        # Listed right behind its gateway's other devices.
        assert ids == [GATEWAY, *SUB_DEVICES, found, VIRTUAL]
        assert devices[0]["subDevices"] == [*SUB_DEVICES, found]
        assert (await client.ok(f"/device/v1/devices/{found}"))["name"] == "Bird cage"
        assert "temperature" in device.state
        with pytest.raises(ValueError, match="already paired"):
            sim.pair(GATEWAY, "climate", device_id=found)
        # It reports like the others.
        sim.report(found, temperature=21.0)
        assert (await action(ws))["payload"]["deviceId"] == found


async def test_pairing_fails(client: Insta, sim: InstathingsSimulator) -> None:
    async with await client.cloud_socket() as ws:
        failed = sim.pair_failed(GATEWAY, "lamp")
        message = await action(ws)
        assert message["action"] == "not_paired"
        assert message["payload"]["id"] == failed
        assert message["payload"]["name"] == "Hue lamp"
        assert failed not in sim.devices
        assert (await client.get(f"/device/v1/devices/{failed}")).status == 404


async def test_unpair(client: Insta, sim: InstathingsSimulator) -> None:
    async with await client.cloud_socket() as ws:
        sim.unpair(SOIL)
        message = await action(ws)
        assert message["action"] == "not_paired"
        assert message["payload"]["id"] == SOIL
        assert message["payload"]["parentDevice"] == GATEWAY
        assert message["payload"]["status"] == {"eventType": "not_paired"}
    assert (await client.get(f"/device/v1/devices/{SOIL}")).status == 404
    assert SOIL not in [d["id"] for d in await client.ok("/device/v1/devices")]
    assert SOIL not in (await client.ok(f"/device/v1/devices/{GATEWAY}"))["subDevices"]
    with pytest.raises(ValueError, match="not paired"):
        sim.unpair(VIRTUAL)
    with pytest.raises(KeyError):
        sim.unpair(SOIL)


async def test_log_event(client: Insta, sim: InstathingsSimulator) -> None:
    async with await client.cloud_socket() as ws:
        lines = sim.log(GATEWAY, "gate:log Connecting...", "gate:log Subscribing")
        message = await action(ws)
        assert message["action"] == "log"
        payload = message["payload"]
        assert payload["deviceId"] == GATEWAY
        assert payload["containerName"] == "gate"
        assert [line["type"] for line in payload["logs"]] == ["LOG", "LOG"]
        assert payload["logs"][0]["message"].endswith(" gate:log Connecting...")
        assert payload["logs"][0]["timestamp"] == int(lines[0].at.timestamp() * 1000)
        assert set(payload["logs"][0]) == {"message", "type", "timestamp"}


async def test_installation(client: Insta, sim: InstathingsSimulator) -> None:
    async with await client.cloud_socket() as ws:
        sim.install_protocol(GATEWAY, "knx")
        message = await action(ws)
        assert message["action"] == "installation_succeded"
        event = message["payload"]["event"]
        assert (event["protocol"], event["protocolId"]) == ("knx", "knx")
        assert (event["exitStatus"], event["installationSuccess"]) == (0, True)
        assert event["newContainers"] == ["instathings-knx2mqtt", "eclipse-mosquitto"]
        assert event["versions"]["instathings-knx2mqtt"] == "instathings/knx2mqtt:1.0.1"
        assert event["versions"]["gate"] == "instathings/gate:1.7.1"
        assert "Pulling from instathings/knx2mqtt" in event["stdout"]
        assert (event["projectId"], event["deviceId"]) == (PROJECT, GATEWAY)
        sim.install_protocol(GATEWAY, "vRy7GTde", success=False)
        failed = (await action(ws))["payload"]["event"]
        assert failed["protocol"] == "automations"
        assert (failed["exitStatus"], failed["installationSuccess"]) == (1, False)
        assert failed["newContainers"] == []
        assert failed["versions"] == {"gate": "instathings/gate:1.7.1"}
    gateway = await client.ok(f"/device/v1/devices/{GATEWAY}")
    assert gateway["protocols"] == ["vRy6GTde", "IuYtREd0", "knx"]
    assert (
        await client.get(f"/device/v1/devices/{GATEWAY}/instathings-knx2mqtt/logs")
    ).status == 200


async def test_every_action_reaches_a_socket(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.set_answer_delay(LAMP, 0)
    async with await client.cloud_socket() as ws:
        sim.disconnect_gateway(GATEWAY)
        sim.connect_gateway(GATEWAY)
        sim.install_protocol(GATEWAY, "knx")
        sim.install_protocol(GATEWAY, "vRy7GTde", success=False)
        new = sim.discover(GATEWAY)
        sim.pair(GATEWAY, device_id=new)
        sim.pair_failed(GATEWAY)
        sim.report(LAMP, brightness=1)
        await client.post(f"/device/v1/control/{LAMP}/status")
        sim.log(GATEWAY, "hello")
        actions = [(await action(ws))["action"] for _ in range(11)]
    assert actions == [
        "disconnected",
        "connected",
        "software_version",
        "installation_succeded",
        "installation_failed",
        "discovering",
        "paired",
        "not_paired",
        "data",
        "status",
        "log",
    ]
    assert [e.action for e in sim.events] == actions


@pytest.mark.parametrize("options", [{"on_premise": True}])
async def test_world_changes_on_premise(
    client: Insta, sim: InstathingsSimulator
) -> None:
    async with await client.socket_io() as ws:
        await sio_open(ws)
        sim.pair(GATEWAY, "soil", device_id="newSoil1")
        sim.unpair("newSoil1")
        sim.log(GATEWAY, "hello")
        events = await sio_events(ws, 3)
    assert [name for name, _ in events] == ["newSoil1", "newSoil1", GATEWAY]
    assert [data["action"] for _, data in events] == ["paired", "not_paired", "log"]
    assert events[0][1]["payload"]["parentDevice"] == GATEWAY
    assert events[2][1]["payload"]["logs"][0]["message"].endswith(" hello")
    assert all(re.fullmatch(r"[\d-]+T[\d:.]+Z", data["ts"]) for _, data in events)


async def test_tick(client: Insta, sim: InstathingsSimulator) -> None:
    before = {d: json.dumps(sim.device(d).state) for d in (CLIMATE, SOIL, PLUG)}
    energy = sim.device(PLUG).state["energy"]
    total = sim.device(SHELLY).state["meters"][0]["total"]
    cycles = sim.device(FOUNTAIN).state["cycles"]
    async with await client.cloud_socket() as ws:
        records = sim.tick(600)
        # Every device but the lamp moves (nothing drifts a lamp).
        assert {r.device_id for r in records} == {
            CLIMATE,
            SOIL,
            PLUG,
            SHELLY,
            FOUNTAIN,
            VIRTUAL,
        }
        messages = [await action(ws) for _ in records]
    assert {m["payload"]["deviceId"] for m in messages} == {
        r.device_id for r in records
    }
    assert json.dumps(sim.device(CLIMATE).state) != before[CLIMATE]
    assert 18 <= sim.device(CLIMATE).state["temperature"] <= 32
    assert sim.device(PLUG).state["energy"] > energy
    assert sim.device(SHELLY).state["meters"][0]["total"] == total  # relay off
    assert sim.device(FOUNTAIN).state["cycles"] == cycles + 1
    # A disconnected gateway's devices send nothing.
    sim.disconnect_gateway(GATEWAY)
    assert {r.device_id for r in sim.tick()} == {VIRTUAL}
    sim.set_never_answers(VIRTUAL)
    assert sim.tick() == []


async def test_soil_gets_watered(sim: InstathingsSimulator) -> None:
    soil = sim.device(SOIL).state
    soil["soil_moisture"] = 12.2
    sim.tick()
    assert soil["soil_moisture"] == 60.0


@pytest.mark.parametrize("options", [{"tick_interval": 0.05}])
async def test_ticker_while_served(client: Insta, sim: InstathingsSimulator) -> None:
    cycles = sim.device(FOUNTAIN).state["cycles"]
    await until(lambda: sim.device(FOUNTAIN).state["cycles"] >= cycles + 2)


def test_world_change_errors(sim: InstathingsSimulator) -> None:
    with pytest.raises(ValueError, match="not a gateway"):
        sim.disconnect_gateway(LAMP)
    with pytest.raises(ValueError, match="kind"):
        sim.pair(GATEWAY, "toaster")
    with pytest.raises(KeyError):
        sim.report("unknown1", value=1)
    long_name = sim.pair(GATEWAY, name="A very very long device name")
    assert long_name.name == "A very very long dev"


def test_clock_set_moves_history(sim: InstathingsSimulator) -> None:
    record = sim.device(CLIMATE).records[-1]
    gap = sim.clock.now() - record.at
    created = sim.clock.now() - sim.device(CLIMATE).created
    sim.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    assert abs(sim.clock.now() - record.at - gap) < timedelta(seconds=1)
    assert abs(sim.clock.now() - sim.device(CLIMATE).created - created) < timedelta(
        seconds=1
    )


# --- command line --------------------------------------------------------------------


def test_command_line_defaults() -> None:
    args = parse_args(["instathings"])
    assert (args.host, args.port, args.gateways, args.seed) == ("127.0.0.1", 8903, 1, 0)
    assert (args.on_premise, args.token_ttl, args.public_url) == (False, 3600, None)
    assert args.client_id == "sim-instathings-client-id"


async def test_serve_prints_how_to_connect(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["instathings", "--port", "0", "--gateways", "2", "--client-id", "me",
            "--client-secret", "s3cret", "--token-ttl", "60"]  # fmt: skip
    async with served(argv, capsys) as lines, ClientSession() as session:
        base_url = lines["Base URL"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
        assert lines["Client ID"] == "me"
        assert lines["Project"] == PROJECT
        assert "?project=77JTOK6B&access_token=" in lines["Websocket"]
        insta = Insta(session, base_url)
        reply = await insta.sign_in("me", "s3cret")
        body: dict[str, Any] = reply.body
        insta.token = body["access_token"]
        devices = await insta.ok("/device/v1/devices")
        assert len([d for d in devices if d["isGateway"]]) == 2


async def test_serve_on_premise(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse_args(["instathings", "--port", "0", "--on-premise", "--seed", "3"])
    stop = asyncio.Event()
    task = asyncio.create_task(serve(args, stop))
    output = ""
    for _ in range(200):
        await asyncio.sleep(0.01)
        output += capsys.readouterr().out
        if "Ctrl-C" in output:
            break
    assert "on premise" in output
    assert "/socket.io/?EIO=3&transport=websocket" in output
    base_url = output.split("Base URL: ")[1].split()[0]
    async with ClientSession() as session:
        insta = Insta(session, base_url)
        assert (await insta.sign_in("a", "b")).status == 404
        assert len(await insta.ok("/device/v1/devices")) == 8
    stop.set()
    await task
