"""Fixtures of the Netatmo vendor tests: a canned cloud, a token getter, a clock.

The canned cloud answers each API endpoint (``/api/<endpoint>``) and each
camera path (``/vpn/<cam>/...``, ``/local/<cam>/...``) with the replies a test
sets (the last one repeats), checks the bearer token and records every
request. The default replies are the real API's shapes (as pyatmo's fixtures
and the wire contract show them) for the benchmark home: three cameras, a
gateway, a weather station with two modules and a home coach.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.petsmart_hub.vendors.netatmo import (
    NetatmoAccount,
    NetatmoClient,
    client as netatmo_client,
)

from ..canned import Reply, TinyCloud, respond

START = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
T0 = int(START.timestamp())

USER = "5c810b8e2d3e0401008b4567"
HOME = "5e1c7a4b2d3e04001a2b3c4d"
INDOOR = "70:ee:50:aa:00:01"  # NACamera
OUTDOOR = "70:ee:50:aa:00:02"  # NOC
DOORBELL = "70:ee:50:aa:00:03"  # NDB
GATEWAY = "70:ee:50:aa:00:09"  # NLG
DOOR_TAG = "70:ee:50:aa:00:0a"  # NACamDoorTag: not supported
STATION = "70:ee:50:bb:00:01"  # NAMain
OUTDOOR_MODULE = "02:00:00:bb:00:02"  # NAModule1
PET_ROOM = "03:00:00:bb:00:03"  # NAModule4
WIND = "06:00:00:bb:00:04"  # NAModule2: not mapped
COACH = "70:ee:50:cc:00:01"  # NHC
ALICE = "91827374-7e04-5298-83ad-a0cb8372dff1"
BOB = "91827375-7e04-5298-83ae-a0cb8372dff2"
LIVING_ROOM = "2255"
CAMERAS = (INDOOR, OUTDOOR, DOORBELL)
CLIMATE = (STATION, OUTDOOR_MODULE, PET_ROOM, COACH)
CLIENT_SECRET = "the-app-secret"


# --- the answers, in the real API's shapes -------------------------------------------


def ok(content: Any) -> dict[str, Any]:
    """The real envelope around a body."""
    return {"body": content, "status": "ok", "time_exec": 0.03, "time_server": T0}


def error(code: int, message: str = "error") -> dict[str, Any]:
    """The API's error envelope."""
    return {"error": {"code": code, "message": message}}


def homesdata() -> dict[str, Any]:
    """homesdata as the real API answers it."""
    return {
        "homes": [
            {
                "id": HOME,
                "name": "Home",
                "timezone": "Europe/Paris",
                "rooms": [
                    {
                        "id": LIVING_ROOM,
                        "name": "Living room",
                        "type": "livingroom",
                        "module_ids": [INDOOR],
                    },
                    {"id": "3366", "name": "Hall", "type": "lobby"},
                ],
                "modules": [
                    {
                        "id": INDOOR,
                        "type": "NACamera",
                        "name": "Living room cam",
                        "setup_date": 1544828430,
                        "room_id": LIVING_ROOM,
                    },
                    {
                        "id": OUTDOOR,
                        "type": "NOC",
                        "name": "Garden",
                        "setup_date": 1544828431,
                    },
                    {
                        "id": DOORBELL,
                        "type": "NDB",
                        "name": "Front door",
                        "room_id": "3366",
                    },
                    {"id": GATEWAY, "type": "NLG", "name": "Gateway"},
                    {"id": DOOR_TAG, "type": "NACamDoorTag", "name": "Back door"},
                ],
                "persons": [
                    {"id": ALICE, "pseudo": "Alice", "url": "https://example.com/a"},
                    {"id": BOB, "pseudo": "Bob"},
                ],
            }
        ],
        "user": {"id": USER, "email": "user@example.com", "language": "en-US"},
    }


def homestatus(base: str) -> dict[str, Any]:
    """homestatus as the real API answers it (VPN URLs on the canned cloud)."""
    return {
        "home": {
            "id": HOME,
            "modules": [
                {
                    "id": INDOOR,
                    "type": "NACamera",
                    "monitoring": "on",
                    "sd_status": 4,
                    "alim_status": 2,
                    "vpn_url": f"{base}/vpn/indoor",
                    "is_local": True,
                    "firmware_revision": 181,
                    "wifi_strength": 62,
                },
                {
                    "id": OUTDOOR,
                    "type": "NOC",
                    "monitoring": "off",
                    "sd_status": 5,
                    "alim_status": 1,
                    "vpn_url": f"{base}/vpn/outdoor",
                    "is_local": False,
                    "floodlight": "auto",
                    "firmware_revision": 3002000,
                    "firmware_name": "3.2.0",
                },
                {
                    "id": DOORBELL,
                    "type": "NDB",
                    "sd_status": 4,
                    "alim_status": 2,
                    "vpn_url": f"{base}/vpn/doorbell",
                    "is_local": True,
                    "wifi_strength": 55,
                },
                {"id": GATEWAY, "type": "NLG", "reachable": True},
            ],
            "persons": [
                {"id": ALICE, "last_seen": T0 - 600, "out_of_sight": False},
                {"id": BOB, "last_seen": T0 - 86400, "out_of_sight": True},
            ],
        }
    }


def event(
    event_id: str,
    kind: str,
    at: int,
    module: str = INDOOR,
    **extra: Any,
) -> dict[str, Any]:
    """One getevents event (real shape)."""
    return {
        "id": event_id,
        "type": kind,
        "time": at,
        "module_id": module,
        "message": f"<b>{kind}</b> seen",
        **extra,
    }


def getevents(*events: dict[str, Any]) -> dict[str, Any]:
    """getevents as the real API answers it (newest first, as given)."""
    return {"home": {"id": HOME, "events": list(events)}}


def stationsdata() -> dict[str, Any]:
    """getstationsdata as the real API answers it."""
    return {
        "devices": [
            {
                "_id": STATION,
                "type": "NAMain",
                "station_name": "Home",
                "module_name": "Indoor",
                "reachable": True,
                "firmware": 181,
                "wifi_status": 55,
                "data_type": ["Temperature", "CO2", "Humidity", "Noise", "Pressure"],
                "dashboard_data": {
                    "time_utc": T0 - 300,
                    "Temperature": 22.4,
                    "CO2": 612,
                    "Humidity": 45,
                    "Noise": 38,
                    "Pressure": 1015.2,
                    "AbsolutePressure": 1009.1,
                },
                "modules": [
                    {
                        "_id": OUTDOOR_MODULE,
                        "type": "NAModule1",
                        "module_name": "Outdoor",
                        "reachable": True,
                        "battery_percent": 79,
                        "firmware": 50,
                        "dashboard_data": {
                            "time_utc": T0 - 280,
                            "Temperature": 9.5,
                            "Humidity": 80,
                        },
                    },
                    {
                        "_id": PET_ROOM,
                        "type": "NAModule4",
                        "module_name": "Pet room",
                        "reachable": True,
                        "battery_percent": 60,
                        "dashboard_data": {
                            "time_utc": T0 - 290,
                            "Temperature": 21.0,
                            "CO2": 700,
                            "Humidity": 50,
                        },
                    },
                    {
                        "_id": WIND,
                        "type": "NAModule2",
                        "module_name": "Wind",
                        "reachable": True,
                        "battery_percent": 90,
                        "dashboard_data": {"time_utc": T0, "WindStrength": 12},
                    },
                ],
            }
        ],
        "user": {"mail": "user@example.com"},
    }


def homecoachsdata() -> dict[str, Any]:
    """gethomecoachsdata as the real API answers it."""
    return {
        "devices": [
            {
                "_id": COACH,
                "type": "NHC",
                "name": "Bedroom",
                "reachable": True,
                "firmware": 45,
                "wifi_status": 60,
                "dashboard_data": {
                    "time_utc": T0 - 120,
                    "Temperature": 23.1,
                    "CO2": 900,
                    "Humidity": 48,
                    "Noise": 40,
                    "Pressure": 1014.0,
                    "health_idx": 1,
                },
            }
        ],
        "user": {"mail": "user@example.com"},
    }


def scenarios() -> dict[str, Any]:
    """getscenarios as the real API answers it."""
    return {
        "home": {
            "id": HOME,
            "scenarios": [
                {"type": "home", "id": "home"},
                {"type": "away", "id": "away"},
                {"type": "custom", "id": "5f1a2b3c", "name": "Movie night"},
            ],
        }
    }


# --- the canned cloud ----------------------------------------------------------------


@dataclass
class Seen:
    """One request the cloud received."""

    method: str
    endpoint: str
    query: dict[str, str]
    json: Any
    token: str | None


type Answer = Reply | Callable[[web.Request], Reply]


class Cloud(TinyCloud):
    """A tiny app answering each endpoint with its canned replies."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[str, list[Answer]] = {}
        self.requests: list[Seen] = []
        #: Bearer tokens the cloud says ended early (403 code 3).
        self.ended: set[str] = set()

    def defaults(self) -> None:
        """The benchmark home in the real API's shapes."""
        self.reply("homesdata", ok(homesdata()))
        self.reply("homestatus", ok(homestatus(self.base_url)))
        self.reply("getevents", ok(getevents()))
        self.reply("getstationsdata", ok(stationsdata()))
        self.reply("gethomecoachsdata", ok(homecoachsdata()))
        self.reply("getscenarios", ok(scenarios()))
        self.reply("setstate", {"status": "ok", "time_server": T0})
        self.reply("addwebhook", {"status": "ok", "time_exec": 0.01})
        self.reply("dropwebhook", {"status": "ok"})

    def reply(self, endpoint: str, *answers: Any, **kwargs: Any) -> None:
        """Set an endpoint's answers (JSON bodies, Reply objects or callables)."""
        self.replies[endpoint] = [
            a if isinstance(a, Reply) or callable(a) else Reply(a, **kwargs)
            for a in answers
        ]

    def calls(self, endpoint: str | None = None) -> int:
        """How many API calls (of one endpoint) the cloud received."""
        return sum(
            1
            for seen in self.requests
            if "/" not in seen.endpoint
            and (endpoint is None or seen.endpoint == endpoint)
        )

    def endpoints(self, since: int = 0) -> list[str]:
        """The endpoints called since request number ``since``."""
        return [seen.endpoint for seen in self.requests[since:]]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.lstrip("/")
        endpoint = path.removeprefix("api/")
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        self.requests.append(
            Seen(request.method, endpoint, dict(request.query), body, token)
        )
        if path.startswith("api/") and token in self.ended:
            return respond(Reply(error(3, "Access token expired"), status=403))
        answers = self.replies.get(endpoint)
        if not answers:
            return respond(Reply(error(404, "no such endpoint"), status=404))
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        reply = answer if isinstance(answer, Reply) else answer(request)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return respond(reply)


class Tokens:
    """A token getter: the same token until asked to refresh."""

    def __init__(self) -> None:
        self.refreshes = 0
        self.asked = 0

    @property
    def current(self) -> str:
        return f"{USER}|token{self.refreshes}"

    async def __call__(self, *, refresh: bool = False) -> str:
        self.asked += 1
        if refresh:
            self.refreshes += 1
        return self.current


class Clock:
    """Simulated time: stands still until a test moves it."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> datetime:
        self.moment += delta
        return self.moment

    def to(self, moment: datetime) -> datetime:
        self.moment = max(self.moment, moment)
        return self.moment


@pytest.fixture(autouse=True)
def quick_lan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A LAN camera that does not answer in 0.3 s is not there (tests wait no longer)."""
    monkeypatch.setattr(netatmo_client, "LOCAL_PING_TIMEOUT", 0.3)


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def cloud(socket_enabled: None) -> AsyncGenerator[Cloud]:
    app = Cloud()
    await app.start()
    yield app
    await app.close()


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(
    session: aiohttp.ClientSession, cloud: Cloud, tokens: Tokens
) -> NetatmoClient:
    return NetatmoClient(session, tokens, cloud.base_url)


@pytest.fixture
def account(client: NetatmoClient, clock: Clock) -> NetatmoAccount:
    return NetatmoAccount(client, client_secret=CLIENT_SECRET, now=clock)
