"""Tests of the Instathings simulator's socket faults, in both framings."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import (
    ClientWebSocketResponse,
    ServerTimeoutError,
    WSMsgType,
    WSServerHandshakeError,
)
import pytest

from simulator.core import HUGE_BODY_SIZE
from simulator.instathings import InstathingsSimulator
from simulator.instathings.sockets import CLOUD, SOCKET_IO, garbage

from . import LAMP, Insta, closed, frame, sio_open, until

FRAMINGS = pytest.mark.parametrize(
    "options",
    [{}, {"on_premise": True}],
    ids=[CLOUD, SOCKET_IO],
)


async def open_socket(
    client: Insta, sim: InstathingsSimulator, **options: Any
) -> ClientWebSocketResponse:
    """A socket in the simulator's mode, past the socket.io handshake."""
    if not sim.on_premise:
        return await client.cloud_socket(**options)
    ws = await client.socket_io(**options)
    await sio_open(ws)
    return ws


async def next_event(ws: ClientWebSocketResponse, sim: InstathingsSimulator) -> Any:
    """The payload of the next data event, either framing."""
    text = await frame(ws)
    if sim.on_premise:
        name, data = json.loads(text[2:])
        assert name == "data"
        return data["payload"]
    return json.loads(text)["payload"]["data"]


async def ping(ws: ClientWebSocketResponse, sim: InstathingsSimulator) -> None:
    """Ping the way the framing does (engine.io "2" or a websocket ping)."""
    if sim.on_premise:
        await ws.send_str("2")
    else:
        await ws.ping()


async def pong(
    ws: ClientWebSocketResponse, sim: InstathingsSimulator, wait: float
) -> bool:
    """Whether the pong comes within `wait` seconds."""
    try:
        message = await ws.receive(timeout=wait)
    except TimeoutError:
        return False
    if sim.on_premise:
        assert (message.type, message.data) == (WSMsgType.TEXT, "3")
    else:
        assert message.type is WSMsgType.PONG
    return True


@FRAMINGS
async def test_drop(client: Insta, sim: InstathingsSimulator) -> None:
    sockets = [await open_socket(client, sim) for _ in range(2)]
    assert await sim.drop_sockets() == 2
    for ws in sockets:
        assert await closed(ws) == 1001
    await until(lambda: sim.open_sockets == [])
    # Clients come back.
    ws = await open_socket(client, sim)
    sim.report(LAMP, brightness=9)
    assert await next_event(ws, sim) == {"brightness": 9}
    assert sim.socket_connections == 3
    await ws.close()


@FRAMINGS
async def test_drop_with_code_and_abort(
    client: Insta, sim: InstathingsSimulator
) -> None:
    ws = await open_socket(client, sim)
    await sim.drop_sockets(1012, "restart")
    message = await ws.receive(timeout=2)
    assert (message.type, message.data, message.extra) == (
        WSMsgType.CLOSE,
        1012,
        "restart",
    )
    await ws.close()
    ws = await open_socket(client, sim)
    assert await sim.drop_sockets(abort=True) == 1
    message = await ws.receive(timeout=2)
    assert message.type in (WSMsgType.CLOSED, WSMsgType.ERROR)
    assert ws.close_code in (None, 1006)


@FRAMINGS
@pytest.mark.parametrize("kind", ["text", "shape", "binary"])
async def test_garbage(client: Insta, sim: InstathingsSimulator, kind: str) -> None:
    ws = await open_socket(client, sim)
    assert sim.send_garbage(kind) == 1
    message = await ws.receive(timeout=2)
    if kind == "binary":
        assert message.type is WSMsgType.BINARY
    else:
        assert message.type is WSMsgType.TEXT
        text = message.data
        if sim.on_premise:
            assert text.startswith("42")
            text = text[2:]
        if kind == "text":
            with pytest.raises(ValueError):
                json.loads(text)
        else:
            parsed = json.loads(text)
            assert not (isinstance(parsed, list) and len(parsed) == 2)
            assert not (isinstance(parsed, dict) and "action" in parsed)
    # The socket stays usable.
    sim.report(LAMP, brightness=1)
    assert await next_event(ws, sim) == {"brightness": 1}
    await ws.close()


@FRAMINGS
async def test_huge_frame(client: Insta, sim: InstathingsSimulator) -> None:
    ws = await open_socket(client, sim, max_msg_size=4096)
    sim.send_garbage("huge", size=20_000)
    message = await ws.receive(timeout=2)
    assert message.type is WSMsgType.ERROR
    # A client that takes it gets a well-formed frame of that size.
    ws = await open_socket(client, sim, max_msg_size=0)
    sim.send_garbage("huge", size=20_000)
    text = await frame(ws)
    assert len(text) == 20_000
    json.loads(text[2:] if sim.on_premise else text)
    await ws.close()


def test_garbage_frames() -> None:
    assert len(garbage("huge", CLOUD)) == HUGE_BODY_SIZE
    assert len(garbage("huge", SOCKET_IO, 1000)) == 1000
    with pytest.raises(ValueError, match="kind"):
        garbage("poison", CLOUD)


def test_send_garbage_checks_kind(sim: InstathingsSimulator) -> None:
    with pytest.raises(ValueError, match="kind"):
        sim.send_garbage("poison")
    assert sim.send_garbage("text") == 0


@FRAMINGS
async def test_stall(client: Insta, sim: InstathingsSimulator) -> None:
    ws = await open_socket(client, sim, autoping=False)
    await ping(ws, sim)
    assert await pong(ws, sim, 1.0)
    assert sim.stall_sockets() == 1
    assert sim.open_sockets[0].stalled
    await ping(ws, sim)
    sim.report(LAMP, brightness=2)
    assert not await pong(ws, sim, 0.2)
    assert not ws.closed
    # Resumed, what waited goes out: the event, then the pong.
    assert sim.unstall_sockets() == 1
    assert await next_event(ws, sim) == {"brightness": 2}
    if sim.on_premise:
        assert [json.loads((await frame(ws))[2:])[0] for _ in range(2)] == [
            f"data_{LAMP}",
            LAMP,
        ]
    assert await pong(ws, sim, 1.0)
    await ws.close()


@FRAMINGS
async def test_stall_for_a_while(client: Insta, sim: InstathingsSimulator) -> None:
    ws = await open_socket(client, sim)
    sim.stall_sockets(0.2)
    sim.report(LAMP, brightness=5)
    with pytest.raises(TimeoutError):
        await ws.receive(timeout=0.1)
    assert await next_event(ws, sim) == {"brightness": 5}
    assert not sim.open_sockets[0].stalled
    await ws.close()


async def test_stall_is_noticed_by_a_heartbeat(
    client: Insta, sim: InstathingsSimulator
) -> None:
    ws = await client.cloud_socket(heartbeat=0.2)
    sim.stall_sockets()
    message = await ws.receive(timeout=2)
    assert message.type in (WSMsgType.CLOSED, WSMsgType.ERROR, WSMsgType.CLOSE)
    assert ws.closed
    assert isinstance(ws.exception(), ServerTimeoutError)
    ws._cancel_heartbeat()  # aiohttp 3.11 leaves its next heartbeat scheduled


@pytest.mark.parametrize(
    "options", [{"on_premise": True, "ping_interval": 0.1, "ping_timeout": 0.1}]
)
async def test_stalled_server_drops_nobody(
    client: Insta, sim: InstathingsSimulator
) -> None:
    ws = await open_socket(client, sim)
    sim.stall_sockets()
    await asyncio.sleep(0.35)  # beyond pingInterval + pingTimeout
    assert not ws.closed
    assert len(sim.open_sockets) == 1
    sim.unstall_sockets()
    # Back, it notices the client has been silent.
    assert await closed(ws) == 1000


@FRAMINGS
async def test_refuse(client: Insta, sim: InstathingsSimulator) -> None:
    sim.refuse_sockets(30)
    with pytest.raises(WSServerHandshakeError) as err:
        await open_socket(client, sim)
    assert err.value.status == 503
    assert err.value.headers is not None
    assert err.value.headers["Retry-After"] == "30"
    sim.clock.advance(20)
    with pytest.raises(WSServerHandshakeError) as err:
        await open_socket(client, sim)
    assert err.value.headers is not None
    assert err.value.headers["Retry-After"] == "10"
    assert sim.hub.refused == 2
    assert sim.socket_connections == 0
    assert sim.count("GET", "/socket.io/" if sim.on_premise else "/") == 2
    sim.clock.advance(10)
    ws = await open_socket(client, sim)
    assert sim.socket_connections == 1
    await ws.close()
    # Until told otherwise.
    sim.refuse_sockets()
    with pytest.raises(WSServerHandshakeError) as err:
        await open_socket(client, sim)
    assert err.value.headers is not None
    assert "Retry-After" not in err.value.headers
    sim.accept_sockets()
    await (await open_socket(client, sim)).close()


@FRAMINGS
async def test_http_faults_on_the_upgrade(
    client: Insta, sim: InstathingsSimulator
) -> None:
    route = "/socket.io/" if sim.on_premise else "/"
    sim.add_fault("http_429", route=route, times=1, retry_after=7)
    with pytest.raises(WSServerHandshakeError) as err:
        await open_socket(client, sim)
    assert err.value.status == 429
    await (await open_socket(client, sim)).close()
    assert sim.socket_connections == 1
