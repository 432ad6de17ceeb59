"""Instathings' sockets against tiny aiohttp websocket servers.

The cloud's socket: its URL, its JSON frames (garbage refused, the socket
still usable), a close, a token refused at the handshake or by a 4001/1008
close (renewed once, then an AuthError), a stalled server caught by the
heartbeat. A gateway's socket.io: the Engine.IO handshake, pings sent on
time, the events handed over and the repeats skipped, garbage frames, the
end, and a server that answers no ping.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import itertools
import json
import socket
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    CannotConnectError,
    PushRejectedError,
)
from custom_components.petsmart_hub.vendors.instathings import (
    BAD_FRAME,
    NOT_JSON,
    CloudSocket,
    InstathingsAccount,
    InstathingsClient,
    SocketIoSocket,
    cloud_socket_url,
    socket as socket_module,
    socketio_url,
)

from .conftest import PROJECT, SENSOR, Cloud, Reply, make_jwt

TOKEN = "POST /authentication/v1/oauth/token"
DATA_EVENT = {
    "action": "data",
    "payload": {"deviceId": SENSOR, "ts": 1588925769193, "data": {"data": 81}},
}


class Server:
    """What the websocket server saw."""

    def __init__(self) -> None:
        self.connections: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.received: list[tuple[float, str]] = []
        self.done = asyncio.Event()


async def accept(
    request: web.Request, server: Server, **kwargs: Any
) -> web.WebSocketResponse:
    server.connections.append(dict(request.query))
    server.paths.append(request.path)
    ws = web.WebSocketResponse(**kwargs)
    await ws.prepare(request)
    return ws


async def drain(ws: web.WebSocketResponse, server: Server) -> None:
    """Record what the client sends until it closes."""
    loop = asyncio.get_running_loop()
    async for message in ws:
        if message.type is aiohttp.WSMsgType.TEXT:
            server.received.append((loop.time(), message.data))
            if message.data == "2" and getattr(ws, "pong", True):
                await ws.send_str("3")


# --- the cloud's socket ---------------------------------------------------------------


async def test_the_cloud_socket_frames(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    server = Server()

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, server)
        await ws.send_str(json.dumps(DATA_EVENT))
        await ws.send_str("this is no JSON")
        await ws.send_str("[1, 2]")
        await ws.send_bytes(b"\x00\x01")
        await ws.send_str(json.dumps({"action": "log", "payload": {"logs": []}}))
        await ws.close()
        return ws

    cloud.socket = handler
    await account.async_identify()

    pushed = await account.async_open_socket()

    assert isinstance(pushed, CloudSocket)
    assert server.paths == ["/"]
    (query,) = server.connections
    assert query["project"] == PROJECT
    assert query["access_token"] in cloud.valid
    assert pushed.renew_at == account.client.renew_at
    assert await pushed.receive() == DATA_EVENT
    for reason in (NOT_JSON, BAD_FRAME, BAD_FRAME):
        with pytest.raises(PushRejectedError) as refused:
            await pushed.receive()
        assert refused.value.reason == reason
    assert (await pushed.receive())["action"] == "log"
    assert await pushed.receive() is None
    await pushed.close()
    assert await pushed.receive() is None


async def test_closing_the_socket_ends_it(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    server = Server()

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, server)
        await drain(ws, server)
        return ws

    cloud.socket = handler
    pushed = await account.async_open_socket()
    receiving = asyncio.create_task(pushed.receive())
    await asyncio.sleep(0.05)

    await pushed.close()

    assert await receiving is None
    assert await pushed.receive() is None


async def test_a_refused_handshake_renews_the_token_once(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    server = Server()

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.query.get("access_token") not in cloud.valid:
            server.connections.append(dict(request.query))
            return web.Response(status=401)
        ws = await accept(request, server)
        await ws.send_str(json.dumps(DATA_EVENT))
        await drain(ws, server)
        return ws

    cloud.socket = handler
    cloud.reply(TOKEN, {"access_token": make_jwt(sub="stale")}, cloud.mint)

    pushed = await account.async_open_socket()

    assert await pushed.receive() == DATA_EVENT
    assert cloud.calls(TOKEN) == 2
    assert len(server.connections) == 2
    await pushed.close()

    cloud.reply(TOKEN, {"access_token": make_jwt(sub="never")})
    account.client._token = None
    with pytest.raises(AuthError):
        await account.async_open_socket()


async def test_a_socket_opens_with_a_token_that_lasts(
    cloud: Cloud, account: InstathingsAccount, clock: Any
) -> None:
    server = Server()

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, server)
        await ws.close()
        return ws

    cloud.socket = handler
    await account.async_identify()
    renew_at = account.client.renew_at
    assert renew_at is not None
    clock.advance(renew_at - clock() - timedelta(seconds=30))

    pushed = await account.async_open_socket()

    assert cloud.calls(TOKEN) == 2  # about to be renewed: renewed first
    assert pushed.renew_at is not None
    assert pushed.renew_at > renew_at
    assert (
        server.connections[0]["access_token"]
        != cloud.seen("GET /device/v1/devices")[0].token
    )
    await pushed.close()


@pytest.mark.parametrize("code", [4001, 1008])
async def test_a_token_ended_by_a_close_is_renewed_once(
    cloud: Cloud, account: InstathingsAccount, code: int
) -> None:
    server = Server()
    closes = [code]

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, server)
        if closes:
            closes.pop()
            await ws.close(code=code, message=b"token expired")
            return ws
        await ws.send_str(json.dumps(DATA_EVENT))
        await ws.close(code=code)  # and again, at once
        return ws

    cloud.socket = handler
    pushed = await account.async_open_socket()

    assert await pushed.receive() == DATA_EVENT  # after a renewal, reopened
    assert cloud.calls(TOKEN) == 2
    assert (
        server.connections[0]["access_token"] != server.connections[1]["access_token"]
    )
    # a message came between: the next refusal renews again
    assert await pushed.receive() == DATA_EVENT
    assert cloud.calls(TOKEN) == 3
    await pushed.close()


async def test_a_token_refused_twice_by_a_close_is_an_auth_error(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, Server())
        await ws.close(code=4001)
        return ws

    cloud.socket = handler
    pushed = await account.async_open_socket()

    with pytest.raises(AuthError):
        await pushed.receive()
    assert cloud.calls(TOKEN) == 2


@pytest.mark.parametrize("status", [404, 500])
async def test_a_failed_handshake_is_cannot_connect(
    cloud: Cloud, account: InstathingsAccount, status: int
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status)

    cloud.socket = handler

    with pytest.raises(CannotConnectError, match=str(status)):
        await account.async_open_socket()


async def test_no_socket_server_is_cannot_connect(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = InstathingsClient(session, f"http://127.0.0.1:{port}", "a", "b")
    client.on_premise = True

    with pytest.raises(CannotConnectError):
        await SocketIoSocket(session, socketio_url(client.base_url)).open()


async def test_a_slow_handshake_is_cannot_connect(
    cloud: Cloud, account: InstathingsAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket_module, "CONNECT_TIMEOUT", 0.1)

    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.3)
        return web.Response(status=500)

    cloud.socket = handler

    with pytest.raises(CannotConnectError, match="timed out"):
        await account.async_open_socket()


async def test_a_stalled_server_is_caught_by_the_heartbeat(
    cloud: Cloud, account: InstathingsAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket_module, "SOCKET_HEARTBEAT", 0.1)
    server = Server()

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, server, autoping=False)  # answers no ping
        async for _ in ws:  # until the client gives up
            pass
        return ws

    cloud.socket = handler
    pushed = await account.async_open_socket()
    loop = asyncio.get_running_loop()
    began = loop.time()

    with pytest.raises(CannotConnectError):
        await pushed.receive()
    assert loop.time() - began < 2


def test_socket_urls(session: aiohttp.ClientSession) -> None:
    assert (
        cloud_socket_url("https://myproj.instathings.io") == "wss://wss.instathings.io/"
    )
    assert (
        cloud_socket_url("https://cloud.example:8443/api")
        == "wss://cloud.example:8443/"
    )
    assert cloud_socket_url("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/"
    assert socketio_url("http://10.0.0.5:1234/") == (
        "ws://10.0.0.5:1234/socket.io/?EIO=3&transport=websocket"
    )
    assert socketio_url("https://gw.local") == (
        "wss://gw.local/socket.io/?EIO=3&transport=websocket"
    )
    client = InstathingsClient(session, "https://myproj.instathings.io", "a", "b")
    assert str(CloudSocket(client, PROJECT).url("abc.def.ghi")) == (
        f"wss://wss.instathings.io/?project={PROJECT}&access_token=abc.def.ghi"
    )
    assert (
        str(CloudSocket(client, None).url(None)) == "wss://wss.instathings.io/?project="
    )


# --- a gateway's socket.io ----------------------------------------------------------------------


@pytest.fixture
def on_premise(cloud: Cloud) -> Cloud:
    cloud.reply(TOKEN, Reply({"message": "Not Found"}, status=404))
    return cloud


def event(name: str, body: Any) -> str:
    return "42" + json.dumps([name, body])


async def test_socketio_events_and_pings(
    on_premise: Cloud, account: InstathingsAccount
) -> None:
    server = Server()
    data = {
        "deviceId": SENSOR,
        "payload": {"temperature": 30.82},
        "ts": "2020-05-20T12:19:44.395Z",
    }
    status = {
        "deviceId": SENSOR,
        "payload": {"temperature": 30.5},
        "ts": "2020-05-20T12:19:45.000Z",
    }

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, server)
        reader = asyncio.create_task(drain(ws, server))
        await ws.send_str(
            '0{"sid":"abc","upgrades":[],"pingInterval":100,"pingTimeout":50}'
        )
        await ws.send_str("40")
        await ws.send_str('0{"sid":"abc","pingInterval":100}')  # again: pings anew
        await ws.send_str(event(f"data_{SENSOR}", {"temperature": 30.82}))
        await ws.send_str(event("data", data))
        await ws.send_str(event(SENSOR, {"action": "data", "payload": {}}))
        await ws.send_str(event(f"status_{SENSOR}", {"temperature": 30.5}))
        await ws.send_str("42/gate,17" + json.dumps(["status", status]))
        await ws.send_str("42not json")
        await ws.send_str('42{"event": "data"}')
        await ws.send_str("9nonsense")
        await ws.send_str("47[]")
        await ws.send_str("")
        await ws.send_str("6")
        await ws.send_str("43[]")
        await ws.send_str("2probe")
        await ws.send_str(event("connected", {"id": "gw"}))
        await asyncio.sleep(0.45)
        await ws.send_str("41")
        await reader
        return ws

    on_premise.socket = handler
    pushed = await account.async_open_socket()

    assert isinstance(pushed, SocketIoSocket)
    assert server.paths == ["/socket.io/"]
    assert server.connections == [{"EIO": "3", "transport": "websocket"}]
    assert pushed.renew_at is None
    assert await pushed.receive() == {"action": "data", "payload": data}
    assert await pushed.receive() == {"action": "status", "payload": status}
    for reason in (NOT_JSON, BAD_FRAME, BAD_FRAME, BAD_FRAME, BAD_FRAME):
        with pytest.raises(PushRejectedError) as refused:
            await pushed.receive()
        assert refused.value.reason == reason
    assert await pushed.receive() == {"action": "connected", "payload": {"id": "gw"}}
    assert await pushed.receive() is None

    assert server.received[0][1] == "3probe"  # the server's ping answered
    pings = [at for at, text in server.received if text == "2"]
    assert 2 <= len(pings) <= 5  # every 100 ms for 450 ms
    gaps = [later - earlier for earlier, later in itertools.pairwise(pings)]
    assert all(0.08 < gap < 0.3 for gap in gaps)
    assert not pushed.stalled


async def test_socketio_a_server_that_answers_no_ping(
    on_premise: Cloud, account: InstathingsAccount
) -> None:
    server = Server()

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, server)
        ws.pong = False  # type: ignore[attr-defined]
        reader = asyncio.create_task(drain(ws, server))
        await ws.send_str('0{"sid":"abc","pingInterval":50,"pingTimeout":20}')
        await ws.send_str("40")
        await reader
        return ws

    on_premise.socket = handler
    pushed = await account.async_open_socket()

    with pytest.raises(CannotConnectError, match="no ping"):
        await pushed.receive()
    assert isinstance(pushed, SocketIoSocket)
    assert pushed.stalled
    assert [text for _, text in server.received] == ["2"]


@pytest.mark.parametrize(
    ("frames", "outcome"),
    [
        (["0not json", "40", "1"], None),
        (["0{}", "40", "41"], None),
        (['0{"pingInterval": true}', '44{"message":"nope"}'], CannotConnectError),
        (["0[]", "40"], None),  # then the server closes the socket
        (["0{}", "42/nocomma"], PushRejectedError),
    ],
)
async def test_socketio_endings(
    on_premise: Cloud, account: InstathingsAccount, frames: list[str], outcome: Any
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        ws = await accept(request, Server())
        for frame in frames:
            await ws.send_str(frame)
        await ws.close()
        return ws

    on_premise.socket = handler
    pushed = await account.async_open_socket()

    if outcome is None:
        assert await pushed.receive() is None
    else:
        with pytest.raises(outcome):
            await pushed.receive()
    await pushed.close()


async def test_socketio_a_refused_handshake_is_an_auth_error(
    on_premise: Cloud, account: InstathingsAccount
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=403)

    on_premise.socket = handler

    with pytest.raises(AuthError):
        await account.async_open_socket()
