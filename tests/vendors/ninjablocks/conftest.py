"""Fixtures of the Ninja Blocks vendor tests: a canned cloud, a clock.

The canned cloud serves ``/rest/v0``: each ``METHOD /path`` (below the
base) answers with the replies a test sets (the last one repeats), checks
the ``user_access_token`` query parameter (a wrong one: 401), and records
every request. Callbacks are held per device (POST on one that exists:
409). The default world is the doc's: node ``ASTEALTHYNODE01`` with its
humidity and temperature sensors, its RGB LED and its RF 433 hub (the Door
Bell sensor sub-device, plus a lamp remote), and a PIR, a contact, a relay,
a distance and a light sensor, a webcam, and the webhook device
``WEBHOOK_0_0_108`` (a tickle sensor, a URL actuator and an SMS entry).
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

from custom_components.petsmart_hub.vendors.ninjablocks import (
    TOKEN_PARAM,
    NinjaBlocksAccount,
    NinjaBlocksClient,
)

from ..canned import Reply, TinyCloud, respond

START = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
T0_MS = int(START.timestamp() * 1000)
TOKEN = "secret-token-0123456789"
PREFIX = "/rest/v0"

NODE = "ASTEALTHYNODE01"
HUMIDITY = f"{NODE}_0301_0_30"
TEMPERATURE = f"{NODE}_0301_0_31"
LED = f"{NODE}_0_0_1000"
RF = f"{NODE}_0_0_11"
PIR = f"{NODE}_0_0_7"
CONTACT = f"{NODE}_0301_0_5"
RELAY = f"{NODE}_0_0_206"
DISTANCE = f"{NODE}_0_0_2"
LIGHT = f"{NODE}_0_0_6"
WEBCAM = f"{NODE}_0_0_1004"
WEBHOOK_NODE = "WEBHOOK"
WEBHOOK = f"{WEBHOOK_NODE}_0_0_108"

DOORBELL = "6l8At"
DOORBELL_CODE = "011111110001010100110000"
LAMP_ON = "MB0FH"
LAMP_ON_CODE = "100010100010101011010110"
TICKLE = "LA9EJ"
TICKLE_TOKEN = "1c0c8929-3318-411d-96e0-36fb7872ea5d"
HOOK_OUT = "WA1"
SMS = "SMS01"
RF_CODE = "010001010101010100010101"

#: Every GUID the default listing has, in its order.
GUIDS = [
    HUMIDITY,
    TEMPERATURE,
    LED,
    RF,
    PIR,
    CONTACT,
    RELAY,
    DISTANCE,
    LIGHT,
    WEBCAM,
    WEBHOOK,
]
#: The GUIDs with ``is_sensor`` 1 (their callbacks are registered).
SENSORS = [HUMIDITY, TEMPERATURE, LED, RF, PIR, CONTACT, DISTANCE, LIGHT, WEBCAM]
#: The GUIDs whose heartbeat is read between listings.
REPORTING = [HUMIDITY, TEMPERATURE, LED, RF, PIR, CONTACT, RELAY, DISTANCE, LIGHT]


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def ok(data: Any = None) -> dict[str, Any]:
    """A successful envelope."""
    body: dict[str, Any] = {"result": 1, "error": None, "id": 0}
    if data is not None:
        body["data"] = data
    return body


def failed(error: str | None, code: int = 0) -> dict[str, Any]:
    """A failed envelope."""
    return {"result": 0, "error": error, "id": code}


def device(
    guid: str,
    device_type: str,
    da: Any,
    at_ms: int | None = T0_MS - 60_000,
    *,
    name: str | None = None,
    default_name: str | None = None,
    is_sensor: int = 1,
    is_actuator: int = 0,
    has_time_series: int = 0,
    subs: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """A device object as the listing has it (the doc's fields)."""
    node, gid, vid, did = guid.split("_")
    default = default_name or device_type.title()
    last_data: dict[str, Any] = {}
    if da is not None:
        last_data = {"DA": da, "timestamp": at_ms}
    return {
        "css_class": f"sensor {device_type}",
        "default_name": default,
        "device_type": device_type,
        "did": did,
        "gid": gid,
        "has_subdevice_count": len(subs) if subs else 0,
        "has_time_series": has_time_series,
        "is_actuator": is_actuator,
        "is_sensor": is_sensor,
        "is_silent": 0,
        "last_data": last_data,
        "meta": {},
        "node": node,
        "shortName": default if name is None else name,
        "subDevices": subs if subs is not None else {},
        "vid": vid,
        **extra,
    }


def rf_subs() -> dict[str, Any]:
    return {
        DOORBELL: {
            "category": "rf",
            "data": DOORBELL_CODE,
            "shortName": "Door Bell",
            "type": "sensor",
        },
        LAMP_ON: {
            "category": "rf",
            "data": LAMP_ON_CODE,
            "shortName": "Lamp On",
            "type": "actuator",
        },
    }


def webhook_subs() -> dict[str, Any]:
    return {
        TICKLE: {
            "category": "webhook",
            "type": "sensor",
            "shortName": "My Sensor Webhook",
            "token": TICKLE_TOKEN,
        },
        HOOK_OUT: {
            "category": "webhook",
            "type": "actuator",
            "shortName": "Hit it",
            "url": "http://example.com/webhook/to/hit",
        },
        SMS: {"category": "sms", "type": "actuator", "shortName": "Phone"},
    }


def devices() -> dict[str, dict[str, Any]]:
    """The default listing's ``data``: an object keyed by GUID (the doc)."""
    return {
        HUMIDITY: device(HUMIDITY, "humidity", 58, has_time_series=1),
        TEMPERATURE: device(TEMPERATURE, "temperature", 26.6, has_time_series=1),
        LED: device(
            LED,
            "rgbled",
            "22B42B",
            name="On Board RGB LED",
            default_name="On Board RGB LED",
            is_actuator=1,
        ),
        RF: device(
            RF,
            "rf433",
            RF_CODE,
            name="RF 433Mhz",
            default_name="RF 433Mhz",
            is_actuator=1,
            subs=rf_subs(),
        ),
        PIR: device(PIR, "PIR", 0, name="Hall PIR"),
        CONTACT: device(CONTACT, "contact", "closed", name="Front door"),
        RELAY: device(RELAY, "relay", "0", is_sensor=0, is_actuator=1, name="Lamp"),
        DISTANCE: device(DISTANCE, "distance", 150),
        LIGHT: device(LIGHT, "light", 320),
        WEBCAM: device(WEBCAM, "webcam", None, name="Cam", is_actuator=0),
        WEBHOOK: device(
            WEBHOOK,
            "webhook",
            None,
            name="Webhooks",
            is_sensor=0,
            is_actuator=1,
            subs=webhook_subs(),
        ),
    }


def heartbeat(guid: str, da: Any, at_ms: int) -> dict[str, Any]:
    """A heartbeat's ``data`` (the doc's shape)."""
    node, gid, vid, did = guid.split("_")
    return {
        "G": gid,
        "V": int(vid),
        "D": int(did),
        "DA": da,
        "GUID": guid,
        "timestamp": at_ms,
        "node": node,
    }


@dataclass
class Seen:
    """One request the cloud received (the token taken out of the query)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    token: str | None


type Answer = Reply | Callable[[web.Request, Any], Reply]


class Cloud(TinyCloud):
    """A tiny Ninja Blocks cloud: canned replies, callbacks held, requests recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[str, list[Answer]] = {}
        self.requests: list[Seen] = []
        self.token = TOKEN
        #: GUID -> the callback URL registered against it.
        self.callbacks: dict[str, str] = {}
        #: Requests being answered now, and the most there ever were.
        self.in_flight = 0
        self.most_in_flight = 0

    @property
    def api(self) -> str:
        return f"{self.base_url}{PREFIX}"

    def defaults(self) -> None:
        listing = devices()
        self.listing(listing)
        for guid, item in listing.items():
            self.reply(f"GET /device/{guid}", ok({**item, "guid": guid}))
            last = item["last_data"]
            self.reply(
                f"GET /device/{guid}/heartbeat",
                ok(heartbeat(guid, last.get("DA"), last.get("timestamp", T0_MS))),
            )
            self.reply(f"PUT /device/{guid}", ok())
            self.reply(f"GET /device/{guid}/data", ok([]))
            for method in ("POST", "GET", "PUT", "DELETE"):
                self.reply(f"{method} /device/{guid}/callback", self._callback)
        self.reply(f"POST /device/{RF}/subdevice", ok({"id": "NEW01"}))
        for sub in (DOORBELL, LAMP_ON):
            self.reply(f"PUT /device/{RF}/subdevice/{sub}", ok())
            self.reply(f"DELETE /device/{RF}/subdevice/{sub}", ok())
        self.reply(
            f"POST /device/{WEBHOOK}/subdevice/{TICKLE}/tickle/{TICKLE_TOKEN}", ok()
        )
        self.reply(
            f"GET /camera/{WEBCAM}/snapshot",
            Reply(b"\xff\xd8\xff\xe0JPEG", content_type="image/jpeg"),
        )

    def _callback(self, request: web.Request, body: Any) -> Reply:
        """The callback routes, holding one URL per device (the doc)."""
        guid = request.path.split("/")[-2]
        if request.method == "GET":
            url = self.callbacks.get(guid)
            if url is None:
                return Reply(failed("Callback not found", 404), status=404)
            return Reply(ok({"url": url}))
        if request.method == "DELETE":
            if self.callbacks.pop(guid, None) is None:
                return Reply(failed("Callback not found", 404), status=404)
            return Reply(ok())
        if request.method == "POST" and guid in self.callbacks:
            return Reply(failed("Callback already registered", 409), status=409)
        self.callbacks[guid] = body["url"]
        return Reply(ok())

    def reply(self, key: str, *answers: Any, **kwargs: Any) -> None:
        """Set the answers of ``METHOD /path`` (JSON bodies, Replys or callables)."""
        self.replies[key] = [
            a if isinstance(a, Reply) or callable(a) else Reply(a, **kwargs)
            for a in answers
        ]

    def listing(self, data: Any) -> None:
        """Answer the listing with this ``data``."""
        self.listed = data
        self.reply("GET /devices", ok(data))

    def beat(self, guid: str, da: Any, at: datetime) -> None:
        """The device reports: its heartbeat (and its listing entry) say so."""
        self.reply(f"GET /device/{guid}/heartbeat", ok(heartbeat(guid, da, ms(at))))
        listed = getattr(self, "listed", None)
        if isinstance(listed, dict) and isinstance(listed.get(guid), dict):
            listed[guid]["last_data"] = {"DA": da, "timestamp": ms(at)}
            self.reply("GET /devices", ok(listed))

    def seen(self, key: str | None = None) -> list[Seen]:
        return [
            s for s in self.requests if key is None or f"{s.method} {s.path}" == key
        ]

    def calls(self, key: str | None = None) -> int:
        return len(self.seen(key))

    def sent(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.requests]

    def clear(self) -> None:
        self.requests.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        path = request.path.removeprefix(PREFIX)
        query = dict(request.query)
        token = query.pop(TOKEN_PARAM, None)
        key = f"{request.method} {path}"
        self.requests.append(Seen(request.method, path, query, body, token))
        answers = self.replies.get(key)
        if not answers:
            return respond(Reply(failed("Not found", 404), status=404))
        if "/tickle/" not in path and token != self.token:
            return respond(Reply(failed("Unauthorized: bad token", 401), status=401))
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        reply = answer if isinstance(answer, Reply) else answer(request, body)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
        finally:
            self.in_flight -= 1
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


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def cloud(socket_enabled: None) -> AsyncGenerator[Cloud]:
    app = Cloud()
    await app.start()
    yield app
    await app.close()


@pytest.fixture
def client(
    session: aiohttp.ClientSession, cloud: Cloud, clock: Clock
) -> NinjaBlocksClient:
    return NinjaBlocksClient(session, cloud.api, TOKEN, now=clock)


@pytest.fixture
def account(client: NinjaBlocksClient) -> NinjaBlocksAccount:
    return NinjaBlocksAccount(client)
