"""Tests of the Instathings simulator's websockets: the cloud's and socket.io."""

from __future__ import annotations

import asyncio
import json

from aiohttp import WSMsgType, WSServerHandshakeError
import pytest

from simulator.instathings import InstathingsSimulator
from simulator.instathings.sockets import CLOUD, SOCKET_IO

from . import (
    CLIMATE,
    GATEWAY,
    LAMP,
    PROJECT,
    SHELLY,
    SHELLY_STATUS,
    Insta,
    action,
    closed,
    frame,
    sio_events,
    sio_open,
    until,
)

ON_PREMISE = {"on_premise": True}

# --- cloud ----------------------------------------------------------------------------


async def test_cloud_socket_gets_data(client: Insta, sim: InstathingsSimulator) -> None:
    async with await client.cloud_socket() as ws:
        assert sim.socket_connections == 1
        assert len(sim.open_sockets) == 1
        session = sim.open_sockets[0]
        assert session.framing == CLOUD
        assert "access_token" not in session.handshake.query
        assert session.handshake.query["project"] == PROJECT
        record = sim.report(CLIMATE, temperature=25.0)
        message = await action(ws)
        assert message["action"] == "data"
        await sim.sockets_idle()
        assert sim.open_sockets[0].sent == 1
        assert message["payload"] == {
            "id": record.record_id,
            "clientId": GATEWAY,
            "principal": sim.device(GATEWAY).certificate_id,
            "ts": int(record.at.timestamp() * 1000),
            "ttl": int(record.at.timestamp()) + 86400,
            "deviceId": CLIMATE,
            "data": {"temperature": 25.0},
        }
    # The upgrade is a recorded request like any other.
    assert sim.count("GET", "/") == 1


async def test_cloud_socket_status_event(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.set_answer_delay(SHELLY, 0)
    async with await client.cloud_socket() as ws:
        reply = await client.post(
            f"/device/v1/control/{SHELLY}/status", headers=SHELLY_STATUS
        )
        request_id = reply.headers["Location"].split("/")[-2]
        message = await action(ws)
        assert message["action"] == "status"
        payload = message["payload"]
        assert set(payload) == {"projectId", "response", "ttl", "deviceId", "id"}
        assert (payload["deviceId"], payload["id"], payload["projectId"]) == (
            SHELLY,
            request_id,
            PROJECT,
        )
        assert payload["response"]["type"] == "data"
        assert payload["response"]["message"]["data"]["overtemperature"] is False


@pytest.mark.parametrize(
    ("project", "token", "message"),
    [
        ("OTHER123", None, "Unknown project"),
        (PROJECT, "", "Missing authentication token"),
        (PROJECT, "nonsense", "Invalid token"),
    ],
)
async def test_cloud_socket_refused(
    client: Insta,
    sim: InstathingsSimulator,
    project: str,
    token: str | None,
    message: str,
) -> None:
    ws = await client.cloud_socket(
        project=project, token=client.token if token is None else token
    )
    received = await ws.receive(timeout=2)
    assert received.type is WSMsgType.CLOSE
    assert (received.data, received.extra) == (4001, message)
    await ws.close()
    assert ws.close_code == 4001
    assert sim.socket_rejections == 1
    assert sim.socket_connections == 1
    assert sim.open_sockets == []


async def test_cloud_socket_expired_token(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.clock.advance(3600)
    ws = await client.cloud_socket()
    assert await closed(ws) == 4001


async def test_cloud_socket_closed_when_token_expires(
    client: Insta, sim: InstathingsSimulator
) -> None:
    async with await client.cloud_socket() as ws:
        sim.clock.advance(3599)
        sim.report(LAMP, brightness=3)
        assert (await action(ws))["action"] == "data"
        sim.clock.advance(1)
        assert await closed(ws) == 4001
    await until(lambda: sim.hub.sessions == [])


async def test_cloud_socket_closed_in_real_time(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.token_ttl = 1
    token = sim.issue_token()
    sim.clock.advance(0.7)
    ws = await client.cloud_socket(token=token)
    assert sim.open_sockets  # accepted: the token still worked
    assert await closed(ws) == 4001


async def test_cloud_socket_close_code_1008(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.set_shapes(socket_close=1008)
    ws = await client.cloud_socket(token="bad")
    assert await closed(ws) == 1008
    ws = await client.cloud_socket()
    sim.expire_tokens()
    assert await closed(ws) == 1008


@pytest.mark.parametrize(
    ("how", "reason"), [("expire", "Token expired"), ("revoke", "Token revoked")]
)
async def test_cloud_socket_closed_when_tokens_die(
    client: Insta, sim: InstathingsSimulator, how: str, reason: str
) -> None:
    ws = await client.cloud_socket()
    session = sim.open_sockets[0]
    getattr(sim, f"{how}_tokens")()
    message = await ws.receive(timeout=2)
    assert (message.type, message.data, message.extra) == (
        WSMsgType.CLOSE,
        4001,
        reason,
    )
    await ws.close()
    assert (session.close_code, session.close_reason) == (4001, reason)


async def test_cloud_socket_answers_pings(
    client: Insta, sim: InstathingsSimulator
) -> None:
    async with await client.cloud_socket(autoping=False) as ws:
        await ws.ping(b"hi")
        pong = await ws.receive(timeout=2)
        assert (pong.type, pong.data) == (WSMsgType.PONG, b"hi")
        assert sim.open_sockets[0].pongs == 1
        await ws.send_str('{"hello": 1}')
        await asyncio.sleep(0.05)
        assert sim.open_sockets[0].received == ['{"hello": 1}']


async def test_cloud_root_needs_an_upgrade(client: Insta) -> None:
    reply = await client.get("/")
    assert reply.status == 400
    assert reply.body["message"] == "Expected a websocket upgrade"


async def test_cloud_has_no_socket_io(client: Insta) -> None:
    with pytest.raises(WSServerHandshakeError) as err:
        await client.socket_io()
    assert err.value.status == 404


async def test_many_sockets_all_get_events(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sockets = [await client.cloud_socket() for _ in range(3)]
    sim.report(LAMP, state="OFF")
    for ws in sockets:
        assert (await action(ws))["payload"]["data"] == {"state": "OFF"}
        await ws.close()
    assert sim.socket_connections == 3
    assert sim.count(route="/") == 3


# --- socket.io --------------------------------------------------------------------------


@pytest.mark.parametrize("options", [ON_PREMISE])
async def test_socket_io_handshake(client: Insta, sim: InstathingsSimulator) -> None:
    async with await client.socket_io() as ws:
        opened = await sio_open(ws)
        assert opened == {
            "sid": opened["sid"],
            "upgrades": [],
            "pingInterval": 25000,
            "pingTimeout": 5000,
        }
        assert sim.open_sockets[0].framing == SOCKET_IO
        assert sim.open_sockets[0].sid == opened["sid"]
        await ws.send_str("2")
        assert await frame(ws) == "3"
        await ws.send_str("2probe")
        assert await frame(ws) == "3probe"
        await ws.send_str("40")  # the client may connect the namespace itself
        await ws.send_str("2")
        assert await frame(ws) == "3"
    assert sim.count("GET", "/socket.io/") == 1
    assert sim.socket_connections == 1


@pytest.mark.parametrize("options", [ON_PREMISE])
async def test_socket_io_events(client: Insta, sim: InstathingsSimulator) -> None:
    sim.set_answer_delay(LAMP, 0)
    async with await client.socket_io() as ws:
        await sio_open(ws)
        record = sim.report(CLIMATE, temperature=30.82)
        (name, data), (name_id, bare), (name_dev, grouped) = await sio_events(ws, 3)
        assert (name, name_id, name_dev) == ("data", f"data_{CLIMATE}", CLIMATE)
        assert data == {
            "deviceId": CLIMATE,
            "payload": {"temperature": 30.82},
            "ts": data["ts"],
        }
        assert data["ts"].endswith("Z")
        assert data["ts"][:19] == record.at.strftime("%Y-%m-%dT%H:%M:%S")
        assert bare == {"temperature": 30.82}
        assert grouped == {
            "action": "data",
            "payload": {"temperature": 30.82},
            "ts": data["ts"],
        }
        assert (await client.post(f"/device/v1/control/{LAMP}/status")).status == 202
        (name, data), (name_id, bare), (name_dev, grouped) = await sio_events(ws, 3)
        assert (name, name_id, name_dev) == ("status", f"status_{LAMP}", LAMP)
        assert data["deviceId"] == LAMP
        assert data["payload"] == sim.device(LAMP).state == bare
        assert grouped["action"] == "status"
        # Device events come as the device's own event.
        sim.disconnect_gateway(GATEWAY)
        ((name, grouped),) = await sio_events(ws, 1)
        assert name == GATEWAY
        assert grouped["action"] == "disconnected"
        assert grouped["payload"]["status"]["disconnectReason"] == "CONNECTION_LOST"


@pytest.mark.parametrize(
    "options", [{**ON_PREMISE, "ping_interval": 0.15, "ping_timeout": 0.1}]
)
async def test_socket_io_heartbeat(client: Insta, sim: InstathingsSimulator) -> None:
    loop = asyncio.get_running_loop()
    # A client that pings stays.
    async with await client.socket_io() as ws:
        opened = await sio_open(ws)
        assert (opened["pingInterval"], opened["pingTimeout"]) == (150, 100)
        for _ in range(4):
            await asyncio.sleep(0.12)
            await ws.send_str("2")
            assert await frame(ws) == "3"
        assert not ws.closed
    # A silent one is dropped after pingInterval + pingTimeout.
    started = loop.time()
    ws = await client.socket_io()
    await sio_open(ws)
    session = sim.hub.sessions[-1]
    assert await closed(ws) == 1000
    assert 0.25 <= loop.time() - started < 1.5
    assert session.close_reason == "ping timeout"


@pytest.mark.parametrize("packet", ["41", "1"])
@pytest.mark.parametrize("options", [ON_PREMISE])
async def test_socket_io_client_leaves(
    client: Insta, sim: InstathingsSimulator, packet: str
) -> None:
    ws = await client.socket_io()
    await sio_open(ws)
    await ws.send_str(packet)
    assert await closed(ws) == 1000
    await until(lambda: sim.hub.sessions == [])


@pytest.mark.parametrize("options", [ON_PREMISE])
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"EIO": "4", "transport": "websocket"}, 5),
        ({"transport": "websocket"}, 5),
        ({"EIO": "3", "transport": "polling"}, 0),
    ],
)
async def test_socket_io_refuses_other_protocols(
    client: Insta, query: dict[str, str], code: int
) -> None:
    reply = await client.get("/socket.io/", **query)
    assert reply.status == 400
    assert reply.body["code"] == code
    # A plain GET with the right query is no upgrade.
    reply = await client.get("/socket.io/", EIO="3", transport="websocket")
    assert (reply.status, reply.body["code"]) == (400, 3)


@pytest.mark.parametrize("options", [ON_PREMISE])
async def test_on_premise_has_no_cloud_socket(client: Insta) -> None:
    with pytest.raises(WSServerHandshakeError) as err:
        await client.cloud_socket(token="x")
    assert err.value.status == 404
    # socket.io without the trailing slash works too.
    ws = await client.session.ws_connect(
        f"{client.url}/socket.io?EIO=3&transport=websocket"
    )
    assert json.loads((await frame(ws))[1:])["pingInterval"] == 25000
    await ws.close()
