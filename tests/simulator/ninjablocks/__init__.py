"""Tests of the Ninja Blocks simulator, plus a small client for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession

from simulator.ninjablocks import BASE_PATH, DEFAULT_TOKEN, TOKEN_PARAM

from .. import Reply

T0 = datetime(2024, 6, 15, 10, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
NODE = "ASTEALTHYNODE01"
HUMIDITY = f"{NODE}_0301_0_30"
TEMPERATURE = f"{NODE}_0301_0_31"
LED = f"{NODE}_0_0_1000"
RF = f"{NODE}_0_0_11"
PIR = f"{NODE}_1_0_7"
CONTACT = f"{NODE}_0302_0_14"
BUTTON = f"{NODE}_0_0_5"
RELAY = f"{NODE}_2_0_1002"
DISTANCE = f"{NODE}_4_0_10"
LIGHT = f"{NODE}_3_0_6"
WEBCAM = f"{NODE}_0_0_1004"
WEBHOOK = "WEBHOOK_0_0_108"
BLOCK = [
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
    WEBCAM,
]
ALL = [*BLOCK, WEBHOOK]
DOOR_BELL = "6l8At"
DOOR_BELL_CODE = "011111110001010100110000"
HEAT_LAMP = "MB0FH"
HEAT_LAMP_CODE = "010101010101010101010101"
DINNER_BELL = "LA9EJ"
DINNER_BELL_TOKEN = "1c0c8929-3318-411d-96e0-36fb7872ea5d"
KEEP = object()  # "use the client's own token"
INVALID_TOKEN = {"result": 0, "error": "Invalid Token", "id": 401}


@dataclass
class Ninja:
    """Talks to a running Ninja Blocks simulator the way a client would."""

    session: ClientSession
    url: str  # server root, e.g. http://127.0.0.1:54321
    token: str | None = DEFAULT_TOKEN

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: str | None = None,
        params: Mapping[str, str] | None = None,
        token: Any = KEEP,
    ) -> Reply:
        """Send a request; `path` is below /rest/v0 unless it is a full URL."""
        url = path if path.startswith("http") else f"{self.url}{BASE_PATH}{path}"
        query = dict(params or {})
        sent = self.token if token is KEEP else token
        if sent is not None:
            query[TOKEN_PARAM] = sent
        async with self.session.request(
            method, url, json=json, data=data, params=query
        ) as response:
            return Reply(
                response.status,
                response.content_type,
                dict(response.headers),
                await response.read(),
            )

    async def get(self, path: str, **params: str) -> Reply:
        """GET with query parameters."""
        return await self.request("GET", path, params=params)

    async def put(self, path: str, body: Any) -> Reply:
        """PUT a JSON body."""
        return await self.request("PUT", path, json=body)

    async def post(self, path: str, body: Any = None) -> Reply:
        """POST a JSON body."""
        return await self.request("POST", path, json=body)

    async def delete(self, path: str) -> Reply:
        """DELETE."""
        return await self.request("DELETE", path)

    async def ok(self, path: str, **params: str) -> Any:
        """GET a successful envelope; its data."""
        return data(await self.get(path, **params))


def data(reply: Reply) -> Any:
    """The data of a successful envelope (HTTP 200, result 1)."""
    assert reply.status == 200, reply.raw
    body = reply.body
    assert (body["result"], body["error"], body["id"]) == (1, None, 0), body
    return body.get("data")


def done(reply: Reply) -> None:
    """A successful envelope without data (PUT, DELETE)."""
    assert reply.status == 200, reply.raw
    assert reply.body == {"result": 1, "error": None, "id": 0}


def refused(reply: Reply, code: int = 400, status: int = 200) -> str:
    """A failure envelope; its error text."""
    assert reply.status == status, reply.raw
    body = reply.body
    assert set(body) == {"result", "error", "id"}, body
    assert (body["result"], body["id"]) == (0, code), body
    assert isinstance(body["error"], str)
    error: str = body["error"]
    return error
