"""Tests of the Instathings simulator, plus a small client for it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import json
from typing import Any

from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType

from .. import Reply

T0 = datetime(2024, 6, 15, 10, 0, tzinfo=UTC)
PROJECT = "77JTOK6B"
# The default world (seed 0).
GATEWAY = "4SVlb721"  # "Gateway"
CLIMATE = "VAvVrKLY"  # "Terrarium climate"
SOIL = "TyXwSmYG"  # "Garden soil"
LAMP = "WEmHqvrc"  # "Hue lamp"
PLUG = "ypGa3jFB"  # "Aquarium plug"
SHELLY = "Xg5Ya73n"  # "Heater plug" (HTTP)
FOUNTAIN = "hBnhlINI"  # "Pet fountain"
VIRTUAL = "3LEeBgsM"  # "Virtual sensor" (no gateway)
SUB_DEVICES = [CLIMATE, SOIL, LAMP, PLUG, SHELLY, FOUNTAIN]
ALL_DEVICES = [GATEWAY, *SUB_DEVICES, VIRTUAL]
ZIGBEE = "vRy6GTde"
HTTP = "IuYtREd0"
SHELLY_ON = {"instathings-path": "/relay/0", "instathings-method": "GET"}
SHELLY_STATUS = {"instathings-path": "/status", "instathings-method": "GET"}
KEEP = object()  # "use the client's own token"


@dataclass
class Insta:
    """Talks to a running Instathings simulator the way a client would."""

    session: ClientSession
    url: str  # server root, e.g. http://127.0.0.1:54321
    token: str | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: str | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        token: Any = KEEP,
    ) -> Reply:
        """Send a request; `path` is below the server root unless a full URL."""
        url = path if path.startswith("http") else f"{self.url}{path}"
        sent = dict(headers or {})
        bearer = self.token if token is KEEP else token
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        async with self.session.request(
            method,
            url,
            json=json,
            data=data,
            params=params,
            headers=sent,
            allow_redirects=False,
        ) as response:
            return Reply(
                response.status,
                response.content_type,
                dict(response.headers),
                await response.read(),
            )

    async def get(self, path: str, **params: str) -> Reply:
        """GET with query parameters."""
        return await self.request("GET", path, params=params or None)

    async def ok(self, path: str, **params: str) -> Any:
        """GET and return the parsed body of a 200."""
        reply = await self.get(path, **params)
        assert reply.status == 200, reply.raw
        return reply.body

    async def post(
        self,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Reply:
        """POST a JSON body."""
        return await self.request(
            "POST", path, json=body, headers=headers, params=params
        )

    async def sign_in(self, client_id: str, client_secret: str) -> Reply:
        """POST the token endpoint (without a bearer)."""
        return await self.request(
            "POST",
            "/authentication/v1/oauth/token",
            json={"clientId": client_id, "clientSecret": client_secret},
            token=None,
        )

    async def cloud_socket(
        self, project: str = PROJECT, token: Any = KEEP, **options: Any
    ) -> ClientWebSocketResponse:
        """Open the cloud websocket at the origin root."""
        bearer = self.token if token is KEEP else token
        params = {"project": project, "access_token": bearer or ""}
        return await self.session.ws_connect(f"{self.url}/", params=params, **options)

    async def socket_io(self, **options: Any) -> ClientWebSocketResponse:
        """Open the on-premise socket.io websocket."""
        return await self.session.ws_connect(
            f"{self.url}/socket.io/",
            params={"EIO": "3", "transport": "websocket"},
            **options,
        )


async def frame(ws: ClientWebSocketResponse, wait: float = 2.0) -> str:
    """The next text frame."""
    message = await ws.receive(timeout=wait)
    assert message.type is WSMsgType.TEXT, message
    text: str = message.data
    return text


async def action(ws: ClientWebSocketResponse, wait: float = 2.0) -> dict[str, Any]:
    """The next cloud frame, parsed."""
    parsed: dict[str, Any] = json.loads(await frame(ws, wait))
    assert set(parsed) == {"action", "payload"}, parsed
    return parsed


async def sio_events(
    ws: ClientWebSocketResponse, count: int, wait: float = 2.0
) -> list[tuple[str, Any]]:
    """The next `count` socket.io events as (name, data)."""
    events = []
    for _ in range(count):
        text = await frame(ws, wait)
        assert text.startswith("42"), text
        name, data = json.loads(text[2:])
        events.append((name, data))
    return events


async def sio_open(ws: ClientWebSocketResponse) -> dict[str, Any]:
    """Read the open packet and the namespace connect; the open packet's data."""
    opened = await frame(ws)
    assert opened.startswith("0"), opened
    assert await frame(ws) == "40"
    data: dict[str, Any] = json.loads(opened[1:])
    return data


async def until(check: Callable[[], bool], wait: float = 2.0) -> None:
    """Wait until `check()` holds (the server side settles after the client's)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def closed(ws: ClientWebSocketResponse, wait: float = 2.0) -> int | None:
    """Wait for the server to close the socket; its close code."""
    message = await ws.receive(timeout=wait)
    assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING), (
        message
    )
    return ws.close_code
