"""Fixtures of the Instathings vendor tests: a canned cloud, JWTs, a clock.

The canned cloud answers each ``METHOD /path`` with the replies a test sets
(the last one repeats), checks the bearer token against the tokens it
minted (an unknown one: 401), records every request, and hands a websocket
upgrade to the test's handler. The default replies are the doc's shapes for
a small project: a gateway with a sensor, a Hue lamp and a Shelly plug
behind it, and a virtual device of its own.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.petsmart_hub.vendors.instathings import (
    InstathingsAccount,
    InstathingsClient,
    account as account_module,
)

from ..canned import Reply, TinyCloud, respond

START = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
T0_MS = int(START.timestamp() * 1000)

PROJECT = "77JTOK6B"
CLIENT_ID = "client-id"
CLIENT_SECRET = "client-secret"
GATEWAY = "Wcganw3s"
SENSOR = "A1Owj4Eu"
LAMP = "BSQuiDVl"
PLUG = "9s9WdonY9"
VIRTUAL = "iIrGFfgU"
HUE_TYPE = "4023br5d-9f88-4f31-97c2-0e682aef543f"
SHELLY_TYPE = "shelly-plug-s"
SENSOR_TYPE = "01c2fd9f-fb3a-45cf-8be3-97e00b7510c6"
GATE_TYPE = "4023bd5d-9f88-4761-97c2-0e682aef5437"
ZIGBEE = "vRy6GTde"
HTTP_PROTOCOL = "R2Jh6IhT"


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def make_jwt(**claims: Any) -> str:
    """A JWT with these claims (the signature is nobody's business here)."""
    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims)}.c2lnbmF0dXJl"


# --- the doc's shapes ----------------------------------------------------------------


def gateway(**extra: Any) -> dict[str, Any]:
    """The gateway as the list view has it (sub-devices as ids)."""
    return {
        "projectId": PROJECT,
        "ts": T0_MS - 86_400_000,
        "subDevices": [SENSOR, LAMP, PLUG],
        "isVirtual": False,
        "demoActive": False,
        "id": GATEWAY,
        "isGateway": True,
        "name": "gateway",
        "type": GATE_TYPE,
        "protocols": [ZIGBEE, HTTP_PROTOCOL],
        "version": {"gate": "instathings/gate:1.7.1"},
        "status": {
            "eventType": "connected",
            "clientId": GATEWAY,
            "timestamp": T0_MS - 3_600_000,
        },
        **extra,
    }


def sub(device_id: str, name: str, device_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "projectId": PROJECT,
        "ts": T0_MS - 80_000_000,
        "isVirtual": False,
        "demoActive": False,
        "parentDevice": GATEWAY,
        "id": device_id,
        "isGateway": False,
        "name": name,
        "type": device_type,
        **extra,
    }


def devices() -> list[dict[str, Any]]:
    """GET /device/v1/devices as the doc answers it."""
    return [
        {
            "projectId": PROJECT,
            "ts": T0_MS - 90_000_000,
            "isVirtual": True,
            "demoActive": True,
            "id": VIRTUAL,
            "isGateway": False,
            "name": "device1",
        },
        gateway(),
        sub(SENSOR, "doc", SENSOR_TYPE),
        sub(LAMP, "Lamp", HUE_TYPE),
        sub(PLUG, "Plug", SHELLY_TYPE),
    ]


def types() -> list[dict[str, Any]]:
    """GET /device/v1/types."""
    return [
        {
            "addOn": "@instathings/gate-addon-zigbee",
            "description": "Hue white and color ambiance",
            "id": HUE_TYPE,
            "manufacturer": "Philips",
            "model": "9290012573A",
            "protocols": [ZIGBEE],
            "type": "actuator",
        },
        {
            "addOn": "@instathings/gate-addon-generic",
            "description": "Shelly Plug S",
            "id": SHELLY_TYPE,
            "manufacturer": "Shelly",
            "model": "SHPLG-S",
            "protocols": [HTTP_PROTOCOL],
            "type": "actuator",
        },
        {
            "addOn": "@instathings/gate-addon-zigbee",
            "description": "Aqara temperature and humidity sensor",
            "id": SENSOR_TYPE,
            "manufacturer": "Xiaomi",
            "model": "WSDCGQ11LM",
            "protocols": [ZIGBEE],
            "type": "sensor",
        },
        {"id": GATE_TYPE, "description": "Instathings gate", "protocols": []},
    ]


def record(
    data: Any, at_ms: int | str, device_id: str = SENSOR, **extra: Any
) -> dict[str, Any]:
    """A data record (``ts`` in ms, or an ISO string as on premise)."""
    return {
        "ts": at_ms,
        "deviceId": device_id,
        "data": data,
        "ttl": at_ms // 1000 + 86400 if isinstance(at_ms, int) else None,
        "principal": "9a5e146441177cd658b7d96d7156c0564e1a141ef3dad396c6dea44284c68c86",
        "id": f"rec-{at_ms}",
        "clientId": "N/A",
        **extra,
    }


def page(*records: Any) -> dict[str, Any]:
    return {"data": list(records), "totalItems": len(records)}


SHELLY_STATUS: dict[str, Any] = {
    "relays": [
        {"ison": True, "has_timer": False, "timer_remaining": 0, "overpower": False}
    ],
    "meters": [{"power": 42.5, "is_valid": True, "total": 120_000, "overpower": 0}],
    "temperature": 30.82,
    "overtemperature": False,
    "uptime": 458,
}

LAMP_STATUS: dict[str, Any] = {
    "state": "ON",
    "brightness": 254,
    "color": {"x": 0.3068, "y": 0.4143},
    "linkquality": 110,
    "color_temp": 155,
}


def data_of(device_id: str) -> dict[str, Any]:
    """Each device's default data page."""
    return {
        VIRTUAL: page(record({"value": 33, "isVirtualData": True}, T0_MS, VIRTUAL)),
        GATEWAY: page(),
        SENSOR: page(
            record({"temperature": 21.5, "humidity": 48, "battery": 91}, T0_MS - 1000)
        ),
        LAMP: page(record(dict(LAMP_STATUS), T0_MS - 2000, LAMP)),
        PLUG: page(
            record(
                {"type": "data", "message": {"data": dict(SHELLY_STATUS)}},
                "2025-06-02T11:59:57.000Z",  # on premise: ISO
                PLUG,
            )
        ),
    }[device_id]


# --- the canned cloud ------------------------------------------------------------------


@dataclass
class Seen:
    """One request the cloud received."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    token: str | None
    headers: dict[str, str]
    at: float


type Answer = Reply | Callable[[web.Request], Reply]
type SocketHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Cloud(TinyCloud):
    """A tiny Instathings project: canned replies, minted tokens, recorded requests."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[str, list[Answer]] = {}
        self.requests: list[Seen] = []
        #: Tokens the cloud accepts (None: no token at all, on premise).
        self.valid: set[str | None] = set()
        #: Seconds each minted token lives (its ``exp``), from the clock's now.
        self.token_life = 3600
        self.minted = 0
        self.clock: Clock | None = None
        self.socket: SocketHandler | None = None

    def mint(self, request: web.Request) -> Reply:
        """The token endpoint: a fresh JWT whose exp is ``token_life`` from now."""
        now = self.clock() if self.clock is not None else datetime.now(UTC)
        self.minted += 1
        token = make_jwt(
            sub=CLIENT_ID, exp=int(now.timestamp()) + self.token_life, n=self.minted
        )
        self.valid.add(token)
        return Reply({"access_token": token})

    def defaults(self) -> None:
        self.reply("POST /authentication/v1/oauth/token", self.mint)
        self.reply("GET /device/v1/devices", devices())
        self.reply("GET /device/v1/types", types())
        self.reply(
            f"GET /device/v1/protocols/{ZIGBEE}", {"id": ZIGBEE, "slug": "zigbee"}
        )
        self.reply(
            f"GET /device/v1/protocols/{HTTP_PROTOCOL}",
            {"id": HTTP_PROTOCOL, "name": "HTTP", "slug": "http"},
        )
        for device in devices():
            device_id = device["id"]
            self.reply(f"GET /device/v1/devices/{device_id}", device)
            self.reply(f"GET /device/v1/devices/{device_id}/data", data_of(device_id))
            self.reply(f"POST /device/v1/control/{device_id}/set", {})
        self.reply(
            f"POST /device/v1/control/{LAMP}/status",
            Reply(
                {},
                status=202,
                headers={"Location": "/device/v1/control/req-lamp/fetch"},
            ),
        )
        self.reply(
            "GET /device/v1/control/req-lamp/fetch",
            Reply(status=202),
            {"projectId": PROJECT, "response": dict(LAMP_STATUS), "deviceId": LAMP},
        )
        self.reply(
            f"POST /device/v1/control/{PLUG}/status",
            Reply(
                {},
                status=202,
                headers={
                    "Location": f"{self.base_url}/device/v1/control/req-plug/fetch"
                },
            ),
        )
        self.reply(
            "GET /device/v1/control/req-plug/fetch",
            {
                "projectId": PROJECT,
                "response": {"type": "data", "message": {"data": SHELLY_STATUS}},
                "deviceId": PLUG,
            },
        )

    def reply(self, key: str, *answers: Any, **kwargs: Any) -> None:
        """Set the answers of ``METHOD /path`` (JSON bodies, Replys or callables)."""
        self.replies[key] = [
            a if isinstance(a, Reply) or callable(a) else Reply(a, **kwargs)
            for a in answers
        ]

    def seen(self, key: str | None = None) -> list[Seen]:
        """The requests (of one ``METHOD /path``) received."""
        return [
            s for s in self.requests if key is None or f"{s.method} {s.path}" == key
        ]

    def calls(self, key: str | None = None) -> int:
        return len(self.seen(key))

    def keys(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.requests]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            if self.socket is None:
                return web.Response(status=404)
            return await self.socket(request)
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        key = f"{request.method} {request.path}"
        self.requests.append(
            Seen(
                request.method,
                request.path,
                dict(request.query),
                body,
                token,
                {
                    name.lower(): value
                    for name, value in request.headers.items()
                    if name.lower().startswith("instathings-")
                },
                asyncio.get_running_loop().time(),
            )
        )
        answers = self.replies.get(key)
        if not answers:
            return respond(Reply({"message": "Not Found"}, status=404))
        if not key.startswith("POST /authentication") and token not in self.valid:
            return respond(Reply({"message": "Unauthorized"}, status=401))
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        reply = answer if isinstance(answer, Reply) else answer(request)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return respond(reply)


class Clock:
    """Simulated time: stands still until a test moves it."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> datetime:
        self.moment += delta
        return self.moment


@pytest.fixture(autouse=True)
def quick_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """A status answer is polled after 10, 20 and 40 ms (tests wait no longer)."""
    monkeypatch.setattr(account_module, "STATUS_BACKOFF", (0.01, 0.02, 0.04))


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def cloud(socket_enabled: None, clock: Clock) -> AsyncGenerator[Cloud]:
    app = Cloud()
    app.clock = clock
    await app.start()
    yield app
    await app.close()


@pytest.fixture
def client(
    session: aiohttp.ClientSession, cloud: Cloud, clock: Clock
) -> InstathingsClient:
    return InstathingsClient(
        session, cloud.base_url, CLIENT_ID, CLIENT_SECRET, now=clock
    )


@pytest.fixture
def account(client: InstathingsClient) -> InstathingsAccount:
    return InstathingsAccount(client)
