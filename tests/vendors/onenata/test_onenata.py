"""The OneNata client and account against the simulator (no Home Assistant).

A plain ``aiohttp.ClientSession`` talks to the OneNata simulator, or to a tiny
"canned" app for bodies the simulator cannot produce, and every test checks
both what we sent (``sim.requests``) and what we made of the answer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
import email.utils
import json
import logging
import socket
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.petsmart_hub.model import (
    CleaningMode,
    Command,
    CommandResult,
    Deodorize,
    Device,
    DeviceKind,
    Difficulty,
    Feature,
    Feed,
    FeedingSlot,
    FlowRate,
    Intensity,
    NoWater,
    PauseFeedingSchedule,
    Photo,
    PlayMode,
    Portion,
    PumpMode,
    RecordingQuality,
    SetFeedingSchedule,
    SetGeofence,
    StartCleaning,
    StartPlay,
    StartPump,
    StartRecording,
    StartTraining,
    TakePhoto,
    TestWaterQuality,
    Water,
)
from custom_components.petsmart_hub.vendors import onenata
from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    DeviceNotFoundError,
    Inventory,
    NextRefresh,
    RateLimitError,
    RequestRejectedError,
    VendorAccount,
    VendorError,
)
from custom_components.petsmart_hub.vendors.descriptor import AccountContext
from custom_components.petsmart_hub.vendors.http import MAX_BODY_BYTES, RequestGate
from custom_components.petsmart_hub.vendors.onenata import (
    CAPABILITIES,
    DEFAULT_BASE_URL,
    DEVICE_TYPES,
    MANUFACTURER,
    OneNataAccount,
    OneNataClient,
    apply_status,
    parse_photo,
)
from custom_components.petsmart_hub.vendors.parse import ParseReport
from simulator.core import (
    KEEP_ID,
    BaseSimulator,
    RecordedRequest,
    RunningSimulator,
    start_server,
)
from simulator.media import JPEG_BYTES
from simulator.onenata import STRIP_TYPE, OneNataSimulator, photo_jpeg
from simulator.onenata.api import Ctx, activity_data, water_quality_data
from simulator.onenata.devices import DEVICE_KINDS, SimDevice, floor_time, track_point

API_KEY = "vendor-test-key"
# Just after a round hour: every 30 s / 60 s / 1 h boundary the simulator rounds
# to stays put for the few seconds a test takes.
NOW = datetime(2025, 6, 2, 10, 0, 1, tzinfo=UTC)
STATUS = "/v1/devices/{device_id}/status"
COMMANDS = "/v1/devices/{device_id}/commands"

FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
TRACKER = "gps_tracker_001"
CAMERA = "camera_001"
LITTER_BOX = "litterbox_001"
TOY = "smart_toy_001"
KIND_OF = {
    FEEDER: DeviceKind.FEEDER,
    FOUNTAIN: DeviceKind.FOUNTAIN,
    TRACKER: DeviceKind.TRACKER,
    CAMERA: DeviceKind.CAMERA,
    LITTER_BOX: DeviceKind.LITTER_BOX,
    TOY: DeviceKind.TOY,
}


# --- fixtures --------------------------------------------------------------------


@dataclass
class Cloud:
    """A running OneNata simulator with its clock pinned near ``NOW``."""

    sim: OneNataSimulator
    server: RunningSimulator

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/v1"

    def device(self, device_id: str) -> SimDevice:
        return self.sim.devices[device_id]

    def now(self) -> datetime:
        return self.sim.clock.now()


@pytest.fixture
async def cloud(socket_enabled: None) -> AsyncGenerator[Cloud]:
    sim = OneNataSimulator(api_key=API_KEY, devices_per_kind=0)
    sim.clock.set(NOW)
    for kind in DEVICE_KINDS:
        sim.add_device(kind)
    server = await start_server(sim)
    yield Cloud(sim, server)
    await server.close()


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(cloud: Cloud, session: aiohttp.ClientSession) -> OneNataClient:
    return OneNataClient(session, API_KEY, cloud.base_url)


@pytest.fixture
def account(client: OneNataClient) -> OneNataAccount:
    return OneNataAccount(client)


@dataclass
class Reply:
    """One canned answer: JSON-able body, or bytes/str sent verbatim."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class Canned:
    """A tiny app answering each path with a canned reply (recorded like the sim)."""

    def __init__(self) -> None:
        self.sim = BaseSimulator()
        self.replies: dict[str, Reply] = {}
        self.sim.app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server: RunningSimulator | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def reply(self, path: str, body: Any = None, **kwargs: Any) -> None:
        self.replies[path] = Reply(body, **kwargs)

    async def _handle(self, request: web.Request) -> web.Response:
        reply = self.replies.get(request.path)
        if reply is None:
            return web.json_response(
                {"code": 404, "msg": "no canned reply", "data": None}, status=404
            )
        if isinstance(reply.body, bytes):
            raw = reply.body
        elif isinstance(reply.body, str):
            raw = reply.body.encode()
        else:
            raw = json.dumps(reply.body).encode()
        return web.Response(
            body=raw,
            status=reply.status,
            headers=reply.headers,
            content_type=reply.content_type,
        )


@pytest.fixture
async def canned(socket_enabled: None) -> AsyncGenerator[Canned]:
    app = Canned()
    app.server = await start_server(app.sim)
    yield app
    await app.server.close()


@pytest.fixture
def canned_client(canned: Canned, session: aiohttp.ClientSession) -> OneNataClient:
    return OneNataClient(session, API_KEY, f"{canned.url}/v1", request_timeout=2)


def envelope(data: Any, code: Any = 200, msg: str = "Success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def last(sim: BaseSimulator) -> RecordedRequest:
    return sim.requests[-1]


def make_device(device_id: str, kind: DeviceKind | None = None) -> Device:
    return Device(
        id=device_id,
        kind=kind or KIND_OF[device_id],
        name=device_id,
        manufacturer=MANUFACTURER,
    )


def skip_ahead(client: OneNataClient, seconds: float) -> None:
    """Move the client's request gate ``seconds`` ahead (past a Retry-After)."""
    clock = client.gate.clock
    client.gate.clock = lambda: clock() + timedelta(seconds=seconds)


def free_port() -> int:
    """Return a local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- the client: every endpoint hits the documented path -------------------------


@dataclass
class Call:
    """One client method and the request the cloud must receive."""

    call: Callable[[OneNataClient], Awaitable[Any]]
    method: str
    route: str
    device_id: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    check: Callable[[Any], bool] = lambda _: True


HISTORY_START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
HISTORY_END = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)

CLIENT_CALLS = {
    "devices": Call(
        lambda c: c.async_get_devices(),
        "GET",
        "/v1/devices",
        check=lambda result: len(result.entries) == 6 and result.unreadable == 0,
    ),
    "validate": Call(
        lambda c: c.async_validate_device("ON-SF-900", "feedingMachine", "piFI"),
        "POST",
        "/v1/devices/validate",
        body={
            "serialNumber": "ON-SF-900",
            "deviceType": "feedingMachine",
            "deviceModel": "piFI",
            "manufacturer": "onenata",
        },
        check=lambda data: data["deviceId"] == "feeding_machine_002",
    ),
    "validate_no_model": Call(
        lambda c: c.async_validate_device("ON-GPS-900", "gpsTracker", None),
        "POST",
        "/v1/devices/validate",
        body={
            "serialNumber": "ON-GPS-900",
            "deviceType": "gpsTracker",
            "manufacturer": "onenata",
        },
        check=lambda data: data["deviceId"] == "gps_tracker_002",
    ),
    "status": Call(
        lambda c: c.async_get_status(FEEDER),
        "GET",
        STATUS,
        FEEDER,
        check=lambda data: data["deviceId"] == FEEDER and data["isOnline"] is True,
    ),
    "command": Call(
        lambda c: c.async_send_command(FEEDER, "feed", {"amount": 20}),
        "POST",
        COMMANDS,
        FEEDER,
        body={"command": "feed", "parameters": {"amount": 20}},
        check=lambda data: data["amountDispensed"] == 20,
    ),
    "food_level": Call(
        lambda c: c.async_get_food_level(FEEDER),
        "GET",
        "/v1/devices/{device_id}/food-level",
        FEEDER,
        check=lambda data: data["currentLevel"] == 1200,
    ),
    "location": Call(
        lambda c: c.async_get_location(TRACKER),
        "GET",
        "/v1/devices/{device_id}/location",
        TRACKER,
        query={"includeAddress": "true"},
        check=lambda data: data["address"] == "New York, NY, USA",
    ),
    "location_history": Call(
        lambda c: c.async_get_location_history(
            TRACKER,
            HISTORY_START.astimezone(timezone(timedelta(hours=2))),
            HISTORY_END,
            7,
        ),
        "GET",
        "/v1/devices/{device_id}/location/history",
        TRACKER,
        query={
            "startDate": "2025-06-02T09:00:00Z",
            "endDate": "2025-06-02T10:00:00Z",
            "limit": "7",
        },
        check=lambda data: len(data["locations"]) == 7 and data["hasMore"],
    ),
    "water_quality": Call(
        lambda c: c.async_get_water_quality(FOUNTAIN),
        "GET",
        "/v1/devices/{device_id}/water-quality",
        FOUNTAIN,
        check=lambda data: data["quality"] == "excellent",
    ),
    "stream": Call(
        lambda c: c.async_get_stream(CAMERA),
        "GET",
        "/v1/devices/{device_id}/stream",
        CAMERA,
        query={"quality": "1080p", "audio": "true", "format": "hls"},
        check=lambda data: data["streamUrl"].endswith("/live/camera_001/playlist.m3u8"),
    ),
    "usage_stats": Call(
        lambda c: c.async_get_usage_stats(LITTER_BOX),
        "GET",
        "/v1/devices/{device_id}/usage-stats",
        LITTER_BOX,
        query={"period": "7d", "includeHealth": "true"},
        check=lambda data: data["period"] == "7d" and "healthMetrics" in data,
    ),
    "health_insights": Call(
        lambda c: c.async_get_health_insights(LITTER_BOX),
        "GET",
        "/v1/devices/{device_id}/health-insights",
        LITTER_BOX,
        query={"period": "30d", "includeRecommendations": "true"},
        check=lambda data: data["overallHealth"] == "good",
    ),
    "activity": Call(
        lambda c: c.async_get_activity(TOY),
        "GET",
        "/v1/devices/{device_id}/activity",
        TOY,
        query={"period": "7d", "includeCalories": "true"},
        check=lambda data: "caloriesBurned" in data,
    ),
    "webhook": Call(
        lambda c: c.async_register_webhook(
            "https://example.com/hook", ["device.offline", "device.alert"]
        ),
        "POST",
        "/v1/webhooks",
        body={
            "url": "https://example.com/hook",
            "events": ["device.offline", "device.alert"],
        },
        # the doc shows no answer: registered is all it says
        check=lambda data: data is None,
    ),
}


@pytest.mark.parametrize("name", CLIENT_CALLS)
async def test_client_requests(cloud: Cloud, client: OneNataClient, name: str) -> None:
    """Each client method sends the documented method, path, query and body."""
    spec = CLIENT_CALLS[name]
    result = await spec.call(client)
    assert len(cloud.sim.requests) == 1
    request = last(cloud.sim)
    assert request.method == spec.method
    assert request.route == spec.route
    assert request.device_id == spec.device_id
    assert request.query == spec.query
    assert request.json == spec.body
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Accept"] == "application/json"
    if spec.body is not None:
        assert request.headers["Content-Type"].startswith("application/json")
    assert spec.check(result)


async def test_client_strips_trailing_slash(
    cloud: Cloud, session: aiohttp.ClientSession
) -> None:
    client = OneNataClient(session, API_KEY, f"{cloud.base_url}/")
    await client.async_get_status(FEEDER)
    assert last(cloud.sim).path == f"/v1/devices/{FEEDER}/status"


# --- GET /devices in every shape ---------------------------------------------------


@pytest.mark.parametrize(
    "shape", ["envelope_list", "envelope_object", "bare_list", "object"]
)
async def test_inventory_shapes(
    cloud: Cloud, account: OneNataAccount, shape: str
) -> None:
    cloud.sim.devices_shape = shape
    devices = await account.async_list()
    assert cloud.sim.count("GET", "/v1/devices") == 1
    assert [(d.id, d.kind) for d in devices] == list(KIND_OF.items())
    for device in devices:
        sim_device = cloud.device(device.id)
        assert device.name == sim_device.name
        assert device.manufacturer == "OneNata"
        assert device.model == sim_device.model
        assert device.serial == sim_device.serial
        assert device.firmware == sim_device.firmware
        assert device.online is None  # identity only, no readings yet
        # what it can do: its type's commands, from the doc
        assert (device.actions, device.features) == CAPABILITIES[device.kind]
    assert {d.name for d in devices} == {
        "Smart Feeder 1",
        "Water Fountain 1",
        "GPS Tracker 1",
        "Pet Camera 1",
        "Litter Box 1",
        "Smart Toy 1",
    }
    assert devices[0].serial == "ON-SF-001"
    assert devices[0].model == "piFI"


@pytest.mark.parametrize(
    "body",
    [
        envelope({"items": [{"id": "f1", "type": "feeder", "serial": "S1"}]}),
        envelope({"list": [{"id": "f1", "type": "feeding_machine", "serial": "S1"}]}),
        {
            "data": {
                "records": [{"device_id": "f1", "device_type": "Feeder", "sn": "S1"}]
            }
        },
    ],
    ids=["items", "list", "records"],
)
async def test_inventory_shapes_the_simulator_cannot_produce(
    canned: Canned, canned_client: OneNataClient, body: Any
) -> None:
    canned.reply("/v1/devices", body)
    (device,) = await OneNataAccount(canned_client).async_list()
    assert (device.id, device.kind, device.serial, device.name) == (
        "f1",
        DeviceKind.FEEDER,
        "S1",
        "f1",  # no name and no model: the id
    )


async def test_inventory_skips_unknown_types_and_logs_once(
    canned: Canned,
    canned_client: OneNataClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    canned.reply(
        "/v1/devices",
        envelope(
            [
                {"deviceId": "vac_001", "deviceType": "robotVacuum"},
                {"deviceId": "cam_9", "deviceType": "camera", "deviceModel": "Cam-X"},
                {"deviceId": "vac_002", "deviceType": "robotVacuum"},
                {"deviceId": "odd_001"},
                {"deviceId": "toy_9", "deviceType": "smartToy", "name": "Ball"},
            ]
        ),
    )
    account = OneNataAccount(canned_client)
    with caplog.at_level(logging.INFO):
        first = await account.async_list()
        second = await account.async_list()
    for devices in (first, second):
        assert isinstance(devices, Inventory)
        assert [(d.id, d.kind, d.name, d.name_reported) for d in devices] == [
            ("cam_9", DeviceKind.CAMERA, "Cam-X", False),  # no name: the model
            ("toy_9", DeviceKind.TOY, "Ball", True),
        ]
        # skipped, not gone: their ids are reported with the inventory
        assert devices.skipped_ids == {"vac_001", "vac_002", "odd_001"}
        assert devices.unreadable == 0  # every entry had an id
        assert devices.fresh
        assert devices.complete
    # an unknown type is logged once at info; an entry without a type is not
    # a type at all: counted (and logged at debug), no info log
    skipped = [r.getMessage() for r in caplog.records if "Skipping" in r.getMessage()]
    assert skipped == [
        "Skipping OneNata device type 'robotVacuum': not supported yet",
    ]
    assert account.report.skipped == {"device list entry": 2}  # once per listing
    assert account.report.rejected == {}


async def test_inventory_missing_fields(cloud: Cloud, account: OneNataAccount) -> None:
    """Entries without deviceId are a bad response, not a KeyError."""
    for shape in ("envelope_list", "envelope_object", "bare_list", "object"):
        cloud.sim.devices_shape = shape
        cloud.sim.add_fault("missing_fields", route="/v1/devices", times=1)
        with pytest.raises(BadResponseError):
            await account.async_list()


@pytest.mark.parametrize(
    "body",
    [
        envelope(None),
        envelope("devices"),
        envelope({"total": 0}),
        envelope({"devices": {"a": 1}}),
        envelope([1, 2]),
        envelope([{"deviceType": "camera"}]),
        {"unexpected": True},
        "just text",
        42,
    ],
)
async def test_inventory_malformed(
    canned: Canned, canned_client: OneNataClient, body: Any
) -> None:
    canned.reply("/v1/devices", body)
    with pytest.raises(BadResponseError):
        await OneNataAccount(canned_client).async_list()


# --- errors: faults injected into the simulator ------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("http_401", AuthError),
        ("http_429", RateLimitError),
        ("http_500", CannotConnectError),
        ("html_error", CannotConnectError),
        ("body_code", CannotConnectError),
        ("malformed_json", BadResponseError),
    ],
)
@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.async_get_devices(),
        lambda c: c.async_get_status(FEEDER),
        lambda c: c.async_send_command(FEEDER, "feed", {"amount": 5}),
        lambda c: c.async_validate_device("ON-SF-901", "feedingMachine", None),
    ],
    ids=["devices", "status", "command", "validate"],
)
async def test_fault_kinds_map_to_typed_errors(
    cloud: Cloud,
    client: OneNataClient,
    kind: str,
    error: type[VendorError],
    call: Callable[[OneNataClient], Awaitable[Any]],
) -> None:
    cloud.sim.add_fault(kind, times=1)
    with pytest.raises(error) as excinfo:
        await call(client)
    assert type(excinfo.value) is error
    assert cloud.sim.faults == []  # the one fault was used up by our request
    sent = len(cloud.sim.requests)
    if kind == "http_429":
        # the simulator's 429 says Retry-After: 30; nothing is sent before then
        assert excinfo.value.retry_after == 30.0
        with pytest.raises(RateLimitError, match="held back") as held:
            await call(client)
        assert held.value.retry_after is not None
        assert 25 < held.value.retry_after <= 30  # what is left of the pause
        assert len(cloud.sim.requests) == sent
        skip_ahead(client, 30)
    await call(client)  # and the next request succeeds
    assert len(cloud.sim.requests) == sent + 1


async def test_rate_limit_carries_retry_after(
    cloud: Cloud, client: OneNataClient
) -> None:
    cloud.sim.add_fault("http_429", route=STATUS, retry_after=42, times=1)
    with pytest.raises(RateLimitError) as excinfo:
        await client.async_get_status(FEEDER)
    assert excinfo.value.retry_after == 42.0
    assert "Rate limit exceeded" in str(excinfo.value)


async def test_auth_error_message_and_wrong_key(
    cloud: Cloud, client: OneNataClient
) -> None:
    cloud.sim.api_key = "another-key"
    with pytest.raises(AuthError, match="HTTP 401 on GET /devices: Invalid API key"):
        await client.async_get_devices()


async def test_timeout_is_cannot_connect(
    cloud: Cloud, session: aiohttp.ClientSession
) -> None:
    client = OneNataClient(session, API_KEY, cloud.base_url, request_timeout=0.2)
    cloud.sim.add_fault("timeout", route=STATUS, timeout_seconds=5, times=1)
    with pytest.raises(CannotConnectError, match="timeout on GET"):
        await client.async_get_status(FEEDER)
    # The fault was used up: the next request answers in time.
    assert (await client.async_get_status(FEEDER))["deviceId"] == FEEDER


async def test_connection_refused_is_cannot_connect(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    client = OneNataClient(session, API_KEY, f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(CannotConnectError, match="ClientConnectorError"):
        await client.async_get_devices()


async def test_simulator_api_errors(cloud: Cloud, client: OneNataClient) -> None:
    """404, 400 and 409 from the simulator's own checks become typed errors."""
    with pytest.raises(DeviceNotFoundError, match="Device not found"):
        await client.async_get_status("feeding_machine_999")
    with pytest.raises(RequestRejectedError, match="not supported"):
        await client.async_get_food_level(CAMERA)
    with pytest.raises(RequestRejectedError, match="Unknown command"):
        await client.async_send_command(FEEDER, "selfDestruct", {})
    cloud.sim.set_online(FEEDER, False)
    with pytest.raises(RequestRejectedError, match="offline") as excinfo:
        await client.async_send_command(FEEDER, "feed", {"amount": 5})
    assert not isinstance(excinfo.value, DeviceNotFoundError)


# --- errors the simulator cannot produce: the canned app --------------------------


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (401, AuthError),
        (403, AuthError),
        ("401", AuthError),
        (404, DeviceNotFoundError),
        ("404", DeviceNotFoundError),
        (400, RequestRejectedError),
        (409, RequestRejectedError),
        (429, RateLimitError),
        (500, CannotConnectError),
        (503, CannotConnectError),
        (0, BadResponseError),
        (201, BadResponseError),
        (302, BadResponseError),
        ("abc", BadResponseError),
        (None, BadResponseError),
        (True, BadResponseError),
        ([200], BadResponseError),
    ],
)
async def test_body_code_on_http_200(
    canned: Canned,
    canned_client: OneNataClient,
    code: Any,
    error: type[VendorError],
) -> None:
    canned.reply(f"/v1/devices/{FEEDER}/status", envelope({"deviceId": FEEDER}, code))
    with pytest.raises(error) as excinfo:
        await canned_client.async_get_status(FEEDER)
    assert type(excinfo.value) is error


async def test_body_code_200_as_string_is_success(
    canned: Canned, canned_client: OneNataClient
) -> None:
    canned.reply(f"/v1/devices/{FEEDER}/status", envelope({"deviceId": FEEDER}, "200"))
    assert await canned_client.async_get_status(FEEDER) == {"deviceId": FEEDER}


async def test_body_without_code_is_accepted(
    canned: Canned, canned_client: OneNataClient
) -> None:
    canned.reply(f"/v1/devices/{FEEDER}/status", {"data": {"deviceId": FEEDER}})
    assert await canned_client.async_get_status(FEEDER) == {"deviceId": FEEDER}


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, envelope(None, 401, "Invalid API key"), AuthError),
        (403, "Forbidden", AuthError),
        (404, envelope(None, 404, "Device not found"), DeviceNotFoundError),
        (400, envelope(None, 400, "Bad parameter"), RequestRejectedError),
        (418, b"", RequestRejectedError),
        (429, b"", RateLimitError),
        (500, b"", CannotConnectError),
        (502, "<html>Bad Gateway</html>", CannotConnectError),
        (503, {"msg": None}, CannotConnectError),
        (504, ["gateway"], CannotConnectError),
    ],
)
async def test_http_status_errors(
    canned: Canned,
    canned_client: OneNataClient,
    status: int,
    body: Any,
    error: type[VendorError],
) -> None:
    canned.reply(f"/v1/devices/{FEEDER}/status", body, status=status)
    with pytest.raises(error, match=f"HTTP {status} on GET") as excinfo:
        await canned_client.async_get_status(FEEDER)
    assert type(excinfo.value) is error
    if isinstance(body, dict) and body.get("msg"):
        assert body["msg"] in str(excinfo.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({}, None),
        ({"Retry-After": "later"}, None),
    ],
)
async def test_retry_after_header_forms(
    canned: Canned,
    canned_client: OneNataClient,
    header: dict[str, str],
    expected: float | None,
) -> None:
    canned.reply("/v1/devices", envelope(None, 429), status=429, headers=header)
    with pytest.raises(RateLimitError) as excinfo:
        await canned_client.async_get_devices()
    assert excinfo.value.retry_after == expected


async def test_retry_after_http_date(
    canned: Canned, canned_client: OneNataClient
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=90)
    canned.reply(
        "/v1/devices",
        envelope(None, 429),
        status=429,
        headers={"Retry-After": email.utils.format_datetime(when, usegmt=True)},
    )
    with pytest.raises(RateLimitError) as excinfo:
        await canned_client.async_get_devices()
    assert excinfo.value.retry_after is not None
    assert 85 <= excinfo.value.retry_after <= 90


async def test_retry_after_in_body_code_429(
    canned: Canned, canned_client: OneNataClient
) -> None:
    """A 429 reported inside an HTTP 200 envelope still honours Retry-After."""
    canned.reply("/v1/devices", envelope(None, 429), headers={"Retry-After": "7"})
    with pytest.raises(RateLimitError) as excinfo:
        await canned_client.async_get_devices()
    assert excinfo.value.retry_after == 7.0


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"code": 200, "data": {"deviceId": "',
        b"\xff\xfe\xfa not utf-8",
        b'{"code": 200, "msg": "\xff", "data": {}}',
        ("[" * 200_000 + "]" * 200_000).encode(),
        b"null",
        b"[]",
        b'"text"',
        b"3",
        json.dumps(envelope(None)).encode(),
        json.dumps(envelope([{"deviceId": FEEDER}])).encode(),
        json.dumps(envelope("ok")).encode(),
        json.dumps({"code": 200, "msg": "Success"}).encode(),
    ],
    ids=[
        "empty",
        "text",
        "truncated",
        "invalid_utf8",
        "invalid_utf8_in_string",
        "too_deep",
        "null",
        "list",
        "string",
        "number",
        "data_null",
        "data_list",
        "data_string",
        "no_data",
    ],
)
async def test_unparseable_bodies(
    canned: Canned, canned_client: OneNataClient, body: bytes
) -> None:
    canned.reply(f"/v1/devices/{FEEDER}/status", body)
    with pytest.raises(BadResponseError):
        await canned_client.async_get_status(FEEDER)


async def test_html_page_on_http_200(
    canned: Canned, canned_client: OneNataClient
) -> None:
    canned.reply(
        f"/v1/devices/{FEEDER}/status",
        "<html>maintenance</html>",
        content_type="text/html",
    )
    with pytest.raises(BadResponseError, match="returned no JSON"):
        await canned_client.async_get_status(FEEDER)


# --- refresh: every field of every kind --------------------------------------------


async def _device(account: OneNataAccount, device_id: str) -> Device:
    devices = {device.id: device for device in await account.async_list()}
    return devices[device_id]


async def test_refresh_feeder(cloud: Cloud, account: OneNataAccount) -> None:
    device = await _device(account, FEEDER)
    sim_device = cloud.device(FEEDER)
    cloud.sim.reset_requests()

    device = await account.async_read(device, slow=False)
    assert [r.route for r in cloud.sim.requests] == [STATUS]
    feeder = device.feeder
    assert feeder is not None
    assert device.online is True
    assert device.battery == 90.0
    assert device.last_report == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert device.alerts == []
    assert feeder.food_level == 60.0
    assert feeder.last_feed == sim_device.last_feed_time
    assert feeder.last_feed == datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    assert feeder.next_feed == datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    assert feeder.scheduled_feeds == 3
    assert feeder.feeds_today == 0
    assert feeder.food_remaining is None  # slow tier not fetched yet

    cloud.sim.reset_requests()
    device = await account.async_read(device, slow=True)
    feeder = device.feeder
    assert [r.route for r in cloud.sim.requests] == [
        STATUS,
        "/v1/devices/{device_id}/food-level",
    ]
    assert feeder.food_remaining == 1200.0
    assert feeder.capacity == 2000.0
    assert feeder.food_level == 60.0
    assert feeder.days_remaining == 7.0
    assert feeder.daily_consumption == 160.0
    assert feeder.food_low is False
    assert feeder.refill_recommended is False
    assert feeder.last_refill == sim_device.last_refill
    assert feeder.last_refill == datetime(2025, 5, 28, 10, 0, tzinfo=UTC)

    # The simulator's state reacts; the next refresh follows it.
    sim_device.food_grams = 300
    sim_device.battery_level = 10
    device = await account.async_read(device, slow=True)
    feeder = device.feeder
    assert feeder.food_level == 15.0
    assert feeder.food_remaining == 300.0
    assert feeder.food_low is True
    assert feeder.refill_recommended is True
    assert device.battery == 10.0
    assert [alert.message for alert in device.alerts] == [
        "Battery level is low",
        "Food level is low, please refill",
    ]
    assert [alert.type for alert in device.alerts] == ["lowBattery", "lowFood"]


async def test_refresh_fountain(cloud: Cloud, account: OneNataAccount) -> None:
    device = await _device(account, FOUNTAIN)
    sim_device = cloud.device(FOUNTAIN)
    cloud.sim.reset_requests()

    device = await account.async_read(device, slow=False)
    assert [r.route for r in cloud.sim.requests] == [STATUS]
    fountain = device.fountain
    assert fountain is not None
    assert device.online is True
    assert device.battery == 80.0
    assert fountain.water_level == 75.0
    assert fountain.filter_status == "good"
    assert fountain.last_maintenance == sim_device.last_maintenance
    assert fountain.last_maintenance == datetime(2025, 5, 24, 10, 0, tzinfo=UTC)
    assert fountain.pump_running is False
    assert fountain.cleaning is False
    assert fountain.ph is None

    cloud.sim.reset_requests()
    device = await account.async_read(device, slow=True)
    fountain = device.fountain
    assert [r.route for r in cloud.sim.requests] == [
        STATUS,
        "/v1/devices/{device_id}/water-quality",
    ]
    expected = water_quality_data(
        Ctx(cloud.sim.next_id, sim_device, cloud.now(), {}, "")
    )
    assert fountain.ph == expected["ph"]
    assert fountain.tds == expected["tds"]
    assert fountain.temperature == expected["temperature"]
    assert fountain.chlorine == expected["chlorine"]
    assert fountain.quality == "excellent"
    assert fountain.last_tested == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert fountain.filter_life == 85.0
    assert fountain.recommendations == []

    await account.async_execute(device, StartPump(duration_s=3600))
    device = await account.async_read(device, slow=False)
    fountain = device.fountain
    assert fountain.pump_running is True


async def test_refresh_tracker(cloud: Cloud, account: OneNataAccount) -> None:
    device = await _device(account, TRACKER)
    sim_device = cloud.device(TRACKER)
    cloud.sim.reset_requests()

    device = await account.async_read(device, slow=False)
    assert [(r.route, r.query) for r in cloud.sim.requests] == [
        (STATUS, {}),
        ("/v1/devices/{device_id}/location", {"includeAddress": "true"}),
    ]
    tracker = device.tracker
    assert tracker is not None
    location = tracker.location
    assert location is not None
    fix_time = floor_time(cloud.now(), 30)
    expected = track_point(sim_device, fix_time)
    assert location.latitude == expected["latitude"]
    assert location.longitude == expected["longitude"]
    assert location.accuracy == expected["accuracy"]
    assert location.altitude == expected["altitude"]
    assert location.speed == expected["speed"]
    assert location.heading == expected["heading"]
    assert location.timestamp == fix_time == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert location.address == "New York, NY, USA"
    assert tracker.last_seen == fix_time
    assert device.battery == 85.0
    assert device.online is True

    # Slow refresh of a tracker adds nothing beyond status and location.
    cloud.sim.reset_requests()
    device = await account.async_read(device, slow=True)
    tracker = device.tracker
    assert len(cloud.sim.requests) == 2


async def test_refresh_camera(cloud: Cloud, account: OneNataAccount) -> None:
    device = await _device(account, CAMERA)
    cloud.sim.reset_requests()
    device = await account.async_read(device, slow=True)
    assert [r.route for r in cloud.sim.requests] == [STATUS]  # no slow endpoint
    camera = device.camera
    assert camera is not None
    assert device.online is True
    assert device.battery is None  # mains powered: no batteryLevel
    assert camera.resolution == "1080p"
    assert camera.night_vision is True
    assert camera.audio is True
    assert camera.storage_used == "2.5GB"
    assert camera.recording is False

    await account.async_execute(device, StartRecording(duration_s=60))
    device = await account.async_read(device, slow=False)
    camera = device.camera
    assert camera.recording is True


async def test_refresh_litter_box(cloud: Cloud, account: OneNataAccount) -> None:
    device = await _device(account, LITTER_BOX)
    sim_device = cloud.device(LITTER_BOX)
    cloud.sim.reset_requests()

    device = await account.async_read(device, slow=False)
    assert [r.route for r in cloud.sim.requests] == [STATUS]
    box = device.litter_box
    assert box is not None
    assert device.battery is None
    assert box.litter_level == 85.0
    assert box.waste_level == 15.0
    assert box.last_cleaned == sim_device.last_cleaned
    assert box.last_cleaned == datetime(2025, 6, 1, 19, 0, tzinfo=UTC)
    assert box.odor_control == "active"
    assert box.cleaning is False
    assert box.visits is None

    cloud.sim.reset_requests()
    device = await account.async_read(device, slow=True)
    box = device.litter_box
    assert [r.route for r in cloud.sim.requests] == [
        STATUS,
        "/v1/devices/{device_id}/usage-stats",
        "/v1/devices/{device_id}/health-insights",
    ]
    assert box.visits_period == "7d"
    assert box.visits == sim_device.visits_per_day * 7
    assert box.average_visits_per_day == sim_device.visits_per_day
    assert box.average_visit_duration == sim_device.visit_seconds
    assert box.maintenance_needed is False
    assert box.overall_health == "good"
    assert box.recommendations == [
        "Maintain current feeding schedule",
        "Consider increasing water intake",
    ]
    assert box.health_alerts == []

    sim_device.litter_level = 10
    device = await account.async_read(device, slow=True)
    box = device.litter_box
    assert box.litter_level == 10.0
    assert box.maintenance_needed is True
    assert [alert.message for alert in device.alerts] == ["Litter level is low"]


async def test_refresh_toy(cloud: Cloud, account: OneNataAccount) -> None:
    device = await _device(account, TOY)
    sim_device = cloud.device(TOY)
    cloud.sim.reset_requests()

    device = await account.async_read(device, slow=False)
    assert [r.route for r in cloud.sim.requests] == [STATUS]
    toy = device.toy
    assert toy is not None
    assert device.battery == 90.0
    assert toy.play_modes == ["interactive", "automatic", "training"]
    assert toy.last_play_session == sim_device.last_play_session
    assert toy.last_play_session == datetime(2025, 6, 1, 16, 0, tzinfo=UTC)
    assert toy.playing is False
    assert toy.mode == "interactive"
    assert toy.sessions is None

    cloud.sim.reset_requests()
    device = await account.async_read(device, slow=True)
    toy = device.toy
    assert [r.route for r in cloud.sim.requests] == [
        STATUS,
        "/v1/devices/{device_id}/activity",
    ]
    expected = activity_data(
        Ctx(cloud.sim.next_id, sim_device, cloud.now(), {"period": "7d"}, "")
    )
    assert toy.total_play_time == expected["totalPlayTime"]
    assert toy.average_session == expected["averageSessionDuration"]
    assert toy.sessions == expected["totalSessions"]
    assert toy.sessions == sim_device.sessions_per_day * 7
    assert toy.calories == expected["caloriesBurned"]
    assert toy.activity_level == expected["activityLevel"]
    assert toy.favorite_mode == "interactive"

    await account.async_execute(device, StartPlay(mode=PlayMode.AUTOMATIC))
    device = await account.async_read(device, slow=False)
    toy = device.toy
    assert toy.playing is True


@pytest.mark.parametrize(
    ("device_id", "route", "fault", "error"),
    [
        (FEEDER, STATUS, "http_401", AuthError),
        (FEEDER, "/v1/devices/{device_id}/food-level", "http_500", CannotConnectError),
        (
            FOUNTAIN,
            "/v1/devices/{device_id}/water-quality",
            "malformed_json",
            BadResponseError,
        ),
        (
            TRACKER,
            "/v1/devices/{device_id}/location",
            "missing_fields",
            BadResponseError,
        ),
        (TRACKER, "/v1/devices/{device_id}/location", "html_error", CannotConnectError),
        (CAMERA, STATUS, "body_code", CannotConnectError),
        (LITTER_BOX, "/v1/devices/{device_id}/usage-stats", "http_429", RateLimitError),
        (
            LITTER_BOX,
            "/v1/devices/{device_id}/health-insights",
            "body_code",
            CannotConnectError,
        ),
        (TOY, "/v1/devices/{device_id}/activity", "malformed_json", BadResponseError),
    ],
)
async def test_failure_mid_refresh_leaves_device_unchanged(
    cloud: Cloud,
    account: OneNataAccount,
    device_id: str,
    route: str,
    fault: str,
    error: type[VendorError],
) -> None:
    device = await _device(account, device_id)
    device = await account.async_read(device, slow=True)
    before = copy.deepcopy(device)
    # Make every answer differ from what the device holds now.
    sim_device = cloud.device(device_id)
    sim_device.battery_level = 3
    sim_device.food_grams = 100
    sim_device.water_level = 10
    sim_device.litter_level = 5
    sim_device.resolution = "720p"
    sim_device.mode = "training"
    sim_device.filter_replaced = NOW - timedelta(days=59)
    cloud.sim.clock.advance(6 * 3600)
    cloud.sim.add_fault(fault, route=route, device_id=device_id)
    with pytest.raises(error):
        device = await account.async_read(device, slow=True)
    assert device == before

    cloud.sim.clear_faults()
    if fault == "http_429":  # Retry-After: 30 holds every request back till then
        with pytest.raises(RateLimitError, match="held back"):
            device = await account.async_read(device, slow=True)
        assert device == before
        skip_ahead(account.client, 30)
    device = await account.async_read(device, slow=True)
    assert device != before


@pytest.mark.parametrize("value", [None, KEEP_ID], ids=["empty", "id_only"])
@pytest.mark.parametrize("slow", [False, True])
async def test_answers_without_readings_fail_and_keep_last_values(
    cloud: Cloud, account: OneNataAccount, value: str | None, slow: bool
) -> None:
    """An answer stripped of its fields is a bad answer: readings stay as they were.

    It is not taken for fresh data either (the device's refresh fails).
    """
    device = await _device(account, FEEDER)
    device = await account.async_read(device, slow=True)
    before = copy.deepcopy(device)
    cloud.sim.reset_requests()
    cloud.sim.add_fault("missing_fields", device_id=FEEDER, value=value)
    with pytest.raises(BadResponseError, match="without any reading"):
        device = await account.async_read(device, slow=slow)
    assert device == before
    # every request was made before anything was checked or written
    assert cloud.sim.count("GET", "/v1/devices/{device_id}/food-level") == int(slow)
    assert cloud.sim.count("GET", STATUS) == 1


@pytest.mark.parametrize(
    "route",
    [
        "/v1/devices/{device_id}/usage-stats",
        "/v1/devices/{device_id}/health-insights",
    ],
)
async def test_a_slow_tier_answer_without_readings_fails_the_refresh(
    cloud: Cloud, account: OneNataAccount, route: str
) -> None:
    device = await _device(account, LITTER_BOX)
    device = await account.async_read(device, slow=True)
    before = copy.deepcopy(device)
    cloud.sim.add_fault("missing_fields", route=route, value=KEEP_ID, times=1)
    with pytest.raises(BadResponseError, match="slow-tier answer without any reading"):
        device = await account.async_read(device, slow=True)
    assert device == before
    device = await account.async_read(device, slow=True)  # the fault is gone


async def test_refresh_unknown_device(account: OneNataAccount) -> None:
    device = make_device("feeding_machine_404", DeviceKind.FEEDER)
    with pytest.raises(DeviceNotFoundError):
        device = await account.async_read(device, slow=False)
    assert device == make_device("feeding_machine_404", DeviceKind.FEEDER)


async def test_refresh_tracker_edge_cases(
    canned: Canned, canned_client: OneNataClient
) -> None:
    """Location battery wins over status; a fix without time keeps lastSeen."""
    canned.reply(
        "/v1/devices/t1/status",
        envelope(
            {
                "isOnline": "1",
                "batteryLevel": "50%",
                "lastReportTime": 1748858400,
                "lastSeen": "2025-06-02T10:00:00Z",
                "alerts": [{"type": "lowBattery"}, "Lost signal"],
            }
        ),
    )
    canned.reply(
        "/v1/devices/t1/location",
        envelope({"lat": "1.5", "lng": "2.5", "batteryLevel": 45}),
    )
    device = make_device("t1", DeviceKind.TRACKER)
    device = await OneNataAccount(canned_client).async_read(device, slow=False)
    assert device.online is True
    assert device.battery == 45.0
    assert device.last_report == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert [alert.message for alert in device.alerts] == ["lowBattery", "Lost signal"]
    assert device.tracker is not None
    assert device.tracker.last_seen == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert device.tracker.location is not None
    assert device.tracker.location.latitude == 1.5
    assert device.tracker.location.timestamp is None

    # A location without battery leaves the status battery alone.
    canned.reply("/v1/devices/t1/location", envelope({"latitude": 1, "longitude": 2}))
    device = await OneNataAccount(canned_client).async_read(device, slow=False)
    assert device.battery == 50.0

    # A fix out of range is not a position: the location becomes unknown (and
    # is counted), the rest of the refresh stands.
    canned.reply(
        "/v1/devices/t1/status", envelope({"isOnline": False, "batteryLevel": 40})
    )
    canned.reply("/v1/devices/t1/location", envelope({"latitude": 95, "longitude": 2}))
    account = OneNataAccount(canned_client)
    device = await account.async_read(device, slow=False)
    assert device.tracker.location is None
    assert device.tracker.last_seen == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert (device.online, device.battery) == (False, 40.0)
    assert account.report.rejected == {"tracker.location": 1}


@pytest.mark.parametrize(
    ("usage_health", "insight_alerts", "expected"),
    [
        (
            {"alerts": ["Fewer visits", {"message": "Long visits"}]},
            ["Long visits", {"type": "vet"}],
            ["Long visits", "vet", "Fewer visits"],
        ),
        ("not an object", ["Long visits"], ["Long visits"]),
        ({"alerts": None}, None, []),
    ],
)
async def test_litter_box_health_alerts_are_merged(
    canned: Canned,
    canned_client: OneNataClient,
    usage_health: Any,
    insight_alerts: Any,
    expected: list[str],
) -> None:
    canned.reply("/v1/devices/lb/status", envelope({"isOnline": True}))
    canned.reply(
        "/v1/devices/lb/usage-stats",
        envelope({"totalVisits": "12", "healthMetrics": usage_health}),
    )
    canned.reply(
        "/v1/devices/lb/health-insights",
        envelope({"overallHealth": "attention", "alerts": insight_alerts}),
    )
    device = make_device("lb", DeviceKind.LITTER_BOX)
    device = await OneNataAccount(canned_client).async_read(device, slow=True)
    assert device.litter_box is not None
    assert device.litter_box.visits == 12
    assert device.litter_box.overall_health == "attention"
    assert device.litter_box.health_alerts == expected


# --- apply_status: the doc's nested shape and the validate answers' flat one -----


def test_apply_status_nested_wins_over_top_level() -> None:
    device = make_device("f", DeviceKind.FEEDER)
    apply_status(
        device,
        {
            "deviceId": "f",
            "online": 0,
            "battery": 12,
            "lastReportTime": "2024-01-15T10:30:00Z",
            "foodLevel": 10,
            "status": {"foodLevel": 75, "feedCount": "3"},
        },
    )
    assert device.online is False
    assert device.battery == 12.0
    assert device.last_report == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert device.feeder is not None
    assert device.feeder.food_level == 75.0
    assert device.feeder.feeds_today == 3


def test_apply_status_flat_validate_answer() -> None:
    """The validate answer's readings sit at the top level; status is a word."""
    device = make_device("w", DeviceKind.FOUNTAIN)
    apply_status(
        device,
        {
            "deviceId": "water_fountain_001",
            "status": "active",
            "waterLevel": 75,
            "filterStatus": "good",
            "lastMaintenance": "2024-01-10T08:00:00Z",
        },
    )
    assert device.fountain is not None
    assert device.fountain.water_level == 75.0
    assert device.fountain.filter_status == "good"
    assert device.fountain.last_maintenance == datetime(2024, 1, 10, 8, tzinfo=UTC)
    assert device.online is None  # not reported: still unknown


def test_apply_status_null_is_unknown_missing_keeps_value() -> None:
    device = make_device("c", DeviceKind.CAMERA)
    apply_status(
        device,
        {"isOnline": True, "batteryLevel": 50, "status": {"resolution": "1080p"}},
    )
    apply_status(
        device,
        {
            "batteryLevel": None,
            "alerts": "not a list",
            "status": {"nightVision": "yes", "recording": "garbage"},
        },
    )
    assert device.online is True  # left out: kept
    assert device.battery is None  # sent as null: unknown
    assert device.alerts == []
    assert device.camera is not None
    assert device.camera.resolution == "1080p"  # left out: kept
    assert device.camera.night_vision is True
    assert device.camera.recording is None  # unreadable: unknown


# --- actions: every Action becomes the right OneNata command ----------------------


@dataclass
class ActionCase:
    """A command, the OneNata command it must send and what the simulator shows."""

    device_id: str
    command: Command
    name: str
    parameters: dict[str, Any]
    #: (the simulated device, the cloud's answer) -> whether all went well
    check: Callable[[SimDevice, dict[str, Any]], bool]


ACTION_CASES = {
    "feed": ActionCase(
        FEEDER,
        Feed(amount=30, portion=Portion.SMALL, sound_alert=False),
        "feed",
        {
            "amount": 30,
            "schedule": "immediate",
            "recordFeeding": True,
            "portion": "small",
            "soundAlert": False,
        },
        lambda dev, res: dev.food_grams == 1170 and res["amountDispensed"] == 30,
    ),
    "feed_amount_only": ActionCase(
        FEEDER,
        Feed(amount=50),
        "feed",
        {"amount": 50, "schedule": "immediate", "recordFeeding": True},
        lambda dev, res: dev.food_grams == 1150 and dev.feed_count == 1,
    ),
    "set_schedule": ActionCase(
        FEEDER,
        SetFeedingSchedule(
            slots=(FeedingSlot("07:30", 40), FeedingSlot("19:00", 60, False)),
            timezone="Europe/Paris",
        ),
        "setSchedule",
        {
            "schedule": [
                {"time": "07:30", "amount": 40, "enabled": True},
                {"time": "19:00", "amount": 60, "enabled": False},
            ],
            "timezone": "Europe/Paris",
            "autoAdjust": True,
        },
        lambda dev, res: (
            dev.schedule_tz == "Europe/Paris"
            and len(dev.schedule) == 2
            and res["totalDailyFeeds"] == 1
            and res["totalDailyAmount"] == 40
        ),
    ),
    "set_schedule_no_auto_adjust": ActionCase(
        FEEDER,
        SetFeedingSchedule(slots=(), timezone="UTC", auto_adjust=False),
        "setSchedule",
        {"schedule": [], "timezone": "UTC", "autoAdjust": False},
        lambda dev, res: dev.schedule == [] and res["totalDailyFeeds"] == 0,
    ),
    "pause_schedule": ActionCase(
        FEEDER,
        PauseFeedingSchedule(),
        "pauseSchedule",
        {},
        lambda dev, res: dev.schedule_paused and res["status"] == "paused",
    ),
    "set_geofence": ActionCase(
        TRACKER,
        SetGeofence(latitude=40.71, longitude=-74.0, radius=250, name="Yard"),
        "setFence",
        {
            "latitude": 40.71,
            "longitude": -74.0,
            "radius": 250,
            "name": "Yard",
            "alertOnExit": True,
            "alertOnEntry": False,
            "enabled": True,
        },
        lambda dev, res: dev.fences[-1]["name"] == "Yard" and res["status"] == "active",
    ),
    "set_geofence_alerts": ActionCase(
        TRACKER,
        SetGeofence(
            latitude=1.0,
            longitude=2.0,
            radius=50.5,
            name="Park",
            alert_on_exit=False,
            alert_on_entry=True,
        ),
        "setFence",
        {
            "latitude": 1.0,
            "longitude": 2.0,
            "radius": 50.5,
            "name": "Park",
            "alertOnExit": False,
            "alertOnEntry": True,
            "enabled": True,
        },
        lambda dev, res: dev.fences[-1]["alertOnEntry"] is True,
    ),
    "start_pump": ActionCase(
        FOUNTAIN,
        # an hour: startPump counts minutes
        StartPump(duration_s=3600, flow_rate=FlowRate.HIGH, mode=PumpMode.INTERMITTENT),
        "startPump",
        {"duration": 60, "flowRate": "high", "mode": "intermittent", "autoStop": True},
        lambda dev, res: "pump" in dev.sessions and res["currentFlowRate"] == "high",
    ),
    "start_pump_defaults": ActionCase(
        FOUNTAIN,
        StartPump(duration_s=1800),
        "startPump",
        {"duration": 30, "autoStop": True},
        lambda dev, res: res["status"] == "running",
    ),
    "start_pump_part_minute": ActionCase(
        FOUNTAIN,
        StartPump(duration_s=90),  # never cut shorter than asked
        "startPump",
        {"duration": 2, "autoStop": True},
        lambda dev, res: res["status"] == "running",
    ),
    "start_pump_no_duration": ActionCase(
        FOUNTAIN,
        StartPump(),
        "startPump",
        {"autoStop": True},
        lambda dev, res: res["status"] == "running",
    ),
    "start_cleaning_fountain": ActionCase(
        FOUNTAIN,
        StartCleaning(mode=CleaningMode.DEEP, duration_s=120),
        "startClean",
        {"mode": "deep", "duration": 120},
        lambda dev, res: "clean" in dev.sessions and res["status"] == "in_progress",
    ),
    "start_cleaning_litter_box": ActionCase(
        LITTER_BOX,
        StartCleaning(mode=CleaningMode.QUICK),
        "startClean",
        {"mode": "quick"},
        lambda dev, res: "clean" in dev.sessions and res["mode"] == "quick",
    ),
    "test_water_quality": ActionCase(
        FOUNTAIN,
        TestWaterQuality(),
        "testQuality",
        {},
        lambda dev, res: dev.last_tested is not None and res["quality"] == "excellent",
    ),
    "take_photo": ActionCase(
        CAMERA,
        TakePhoto(),
        "takePhoto",
        {"quality": "high", "timestamp": True, "format": "jpeg", "saveToCloud": True},
        lambda dev, res: dev.photos == ["photo_001"] and res["photoId"] == "photo_001",
    ),
    "start_recording": ActionCase(
        CAMERA,
        StartRecording(duration_s=120, quality=RecordingQuality.HD),
        "startRecord",
        {"duration": 120, "quality": "720p", "autoStop": True, "saveToCloud": True},
        lambda dev, res: "record" in dev.sessions and res["quality"] == "720p",
    ),
    "deodorize": ActionCase(
        LITTER_BOX,
        Deodorize(),
        "enableDeodorize",
        {},
        lambda dev, res: dev.odor_control and res["odorControl"] == "active",
    ),
    "start_play": ActionCase(
        TOY,
        StartPlay(mode=PlayMode.TRAINING, duration_s=300, intensity=Intensity.HIGH),
        "startPlay",
        {"mode": "training", "duration": 300, "intensity": "high"},
        lambda dev, res: (
            dev.sessions["play"].details["mode"] == "training"
            and res["currentIntensity"] == "high"
        ),
    ),
    "start_training": ActionCase(
        TOY,
        StartTraining(skill="sit", difficulty=Difficulty.ADVANCED, duration_s=200),
        "startTraining",
        {
            "skill": "sit",
            "difficulty": "advanced",
            "duration": 200,
            "rewardSystem": True,
            "progressTracking": True,
        },
        lambda dev, res: "play" in dev.sessions and res["skill"] == "sit",
    ),
}


def test_every_action_is_covered() -> None:
    """Each device type has its capabilities; every action of them has a case."""
    assert set(CAPABILITIES) == set(DEVICE_TYPES)
    onenata_actions = set().union(*(actions for actions, _ in CAPABILITIES.values()))
    assert {case.command.action for case in ACTION_CASES.values()} == onenata_actions
    assert CAPABILITIES[DeviceKind.CAMERA][1] == {Feature.LIVE_STREAM, Feature.ALERTS}
    assert CAPABILITIES[DeviceKind.TRACKER][1] == {
        Feature.LOCATION_HISTORY,
        Feature.ALERTS,
    }
    # every device type's alerts are pushed
    assert all(Feature.ALERTS in features for _, features in CAPABILITIES.values())


@pytest.mark.parametrize(
    ("words", "choices"),
    [
        (onenata.account.PORTIONS, Portion),
        (onenata.account.FLOW_RATES, FlowRate),
        (onenata.account.PUMP_MODES, PumpMode),
        (onenata.account.CLEANING_MODES, CleaningMode),
        (onenata.account.RECORDING_QUALITIES, RecordingQuality),
        (onenata.account.PLAY_MODES, PlayMode),
        (onenata.account.INTENSITIES, Intensity),
        (onenata.account.DIFFICULTIES, Difficulty),
    ],
)
def test_every_choice_has_its_word(words: dict[Any, str], choices: type) -> None:
    assert set(words) == set(choices)


@pytest.mark.parametrize("name", ACTION_CASES)
async def test_actions(
    cloud: Cloud,
    account: OneNataAccount,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = ACTION_CASES[name]
    device = make_device(case.device_id)
    answers: list[dict[str, Any]] = []
    send = account.client.async_send_command

    async def spy(*args: Any) -> dict[str, Any]:
        answers.append(await send(*args))
        return answers[-1]

    monkeypatch.setattr(account.client, "async_send_command", spy)
    result = await account.async_execute(device, case.command)
    assert len(cloud.sim.requests) == 1
    request = last(cloud.sim)
    assert request.method == "POST"
    assert request.route == COMMANDS
    assert request.device_id == case.device_id
    assert request.json == {"command": case.name, "parameters": case.parameters}
    (answer,) = answers
    assert case.check(cloud.device(case.device_id), answer)
    if isinstance(case.command, TakePhoto):
        assert result.photo == parse_photo(answer)
    else:
        assert result == CommandResult()


@pytest.mark.parametrize(
    "command", [Water(duration_s=60), NoWater(days=1)], ids=["water", "no_water"]
)
async def test_a_command_onenata_has_not_is_refused_before_any_request(
    cloud: Cloud, account: OneNataAccount, command: Command
) -> None:
    with pytest.raises(RequestRejectedError, match=f"can not {command.action}"):
        await account.async_execute(make_device(FEEDER), command)
    assert cloud.sim.requests == []


def test_parse_photo() -> None:
    """A photo answer maps onto the neutral Photo; what it lacks stays unknown."""
    assert parse_photo(
        {
            "photoId": "p1",
            "url": "https://cdn/p1.jpg",
            "thumbnailUrl": "https://cdn/p1_thumb.jpg",
            "timestamp": "2025-06-02T10:00:00Z",
            "fileSize": "2.5MB",
            "resolution": "1920x1080",
        }
    ) == Photo(
        id="p1",
        url="https://cdn/p1.jpg",
        thumbnail_url="https://cdn/p1_thumb.jpg",
        timestamp=datetime(2025, 6, 2, 10, 0, tzinfo=UTC),
        resolution="1920x1080",
    )
    assert parse_photo({}) == Photo()
    # a moment no camera can have taken it at is none
    assert parse_photo({"timestamp": "0001-01-01T00:00:00Z"}).timestamp is None
    assert parse_photo({"timestamp": "yesterday"}).timestamp is None


async def test_action_rejected_by_the_cloud(
    cloud: Cloud, account: OneNataAccount
) -> None:
    with pytest.raises(RequestRejectedError, match="not supported"):
        await account.async_execute(
            make_device(CAMERA, DeviceKind.FEEDER), Feed(amount=5)
        )
    with pytest.raises(RequestRejectedError, match="Invalid parameter amount"):
        await account.async_execute(make_device(FEEDER), Feed(amount=900))
    assert cloud.device(FEEDER).food_grams == 1200


# --- camera: stream and images -------------------------------------------------------


async def test_stream_and_images(cloud: Cloud, account: OneNataAccount) -> None:
    stream = await account.async_get_stream(make_device(CAMERA))
    request = last(cloud.sim)
    assert request.route == "/v1/devices/{device_id}/stream"
    assert request.query == {"quality": "1080p", "audio": "true", "format": "hls"}
    assert stream.stream_url == f"{cloud.server.url}/live/{CAMERA}/playlist.m3u8"
    assert stream.thumbnail_url == f"{cloud.server.url}/thumbnails/{CAMERA}.jpg"
    assert stream.expires_at is not None
    expires_in = stream.expires_at - NOW
    assert timedelta(minutes=10) <= expires_in <= timedelta(minutes=10, seconds=20)

    assert await account.async_get_image(stream.thumbnail_url) == JPEG_BYTES
    image_request = last(cloud.sim)
    assert image_request.path == f"/thumbnails/{CAMERA}.jpg"
    # Signed CDN URLs: the API key is not sent to them.
    assert "Authorization" not in image_request.headers

    photo = (await account.async_execute(make_device(CAMERA), TakePhoto())).photo
    assert photo is not None
    assert photo.url is not None
    assert photo.thumbnail_url is not None
    # each photo has bytes of its own (a new photo is told from the old)
    assert await account.async_get_image(photo.url) == photo_jpeg(
        f"{CAMERA}/{photo.id}"
    )
    assert await account.async_get_image(photo.thumbnail_url) == photo_jpeg(
        f"{photo.id}_thumb"
    )


async def test_stream_errors(cloud: Cloud, account: OneNataAccount) -> None:
    cloud.sim.add_fault("missing_fields", route="/v1/devices/{device_id}/stream")
    with pytest.raises(BadResponseError, match="stream without streamUrl"):
        await account.async_get_stream(make_device(CAMERA))
    cloud.sim.clear_faults()
    with pytest.raises(RequestRejectedError):
        await account.async_get_stream(make_device(FEEDER, DeviceKind.CAMERA))


async def test_image_errors(
    cloud: Cloud,
    canned: Canned,
    session: aiohttp.ClientSession,
) -> None:
    account = OneNataAccount(
        OneNataClient(session, API_KEY, cloud.base_url, request_timeout=0.2)
    )
    with pytest.raises(RequestRejectedError, match="HTTP 404"):
        await account.async_get_image(f"{cloud.server.url}/thumbnails/nothing.jpg")
    canned.reply("/image.jpg", b"", status=500, content_type="image/jpeg")
    with pytest.raises(CannotConnectError, match="HTTP 500"):
        await account.async_get_image(f"{canned.url}/image.jpg")
    # A refused signed URL is not a refused API key: no AuthError (no reauth).
    for status in (401, 403):
        canned.reply("/forbidden.jpg", b"", status=status, content_type="image/jpeg")
        with pytest.raises(RequestRejectedError, match=f"HTTP {status}") as excinfo:
            await account.async_get_image(f"{canned.url}/forbidden.jpg")
        assert not isinstance(excinfo.value, AuthError)
    canned.reply("/slow.jpg", JPEG_BYTES, content_type="image/jpeg")
    canned.sim.add_fault("timeout", route="/{tail}", timeout_seconds=5, times=1)
    with pytest.raises(CannotConnectError, match="timeout on an image download"):
        await account.async_get_image(f"{canned.url}/slow.jpg")
    assert await account.async_get_image(f"{canned.url}/slow.jpg") == JPEG_BYTES
    with pytest.raises(CannotConnectError, match="image download failed"):
        await account.async_get_image(f"http://127.0.0.1:{free_port()}/a.jpg")


# --- location history ------------------------------------------------------------------


async def test_location_history(cloud: Cloud, account: OneNataAccount) -> None:
    tracker = make_device(TRACKER)
    start = HISTORY_START.astimezone(timezone(timedelta(hours=-4)))
    history = await account.async_get_location_history(tracker, start, HISTORY_END, 5)
    request = last(cloud.sim)
    assert request.route == "/v1/devices/{device_id}/location/history"
    assert request.query == {
        "startDate": "2025-06-02T09:00:00Z",
        "endDate": "2025-06-02T10:00:00Z",
        "limit": "5",
    }
    assert [point.timestamp for point in history] == [
        HISTORY_START + timedelta(minutes=5 * step) for step in range(5)
    ]
    sim_device = cloud.device(TRACKER)
    for point in history:
        assert point.timestamp is not None
        expected = track_point(sim_device, point.timestamp)
        assert point.latitude == expected["latitude"]
        assert point.longitude == expected["longitude"]
        assert point.accuracy == expected["accuracy"]


async def test_location_history_skips_bad_points(
    canned: Canned, canned_client: OneNataClient
) -> None:
    canned.reply(
        "/v1/devices/t1/location/history",
        envelope(
            {
                "locations": [
                    {"latitude": 1, "longitude": 2, "timestamp": 1748858400},
                    "not a point",
                    None,
                    {"latitude": "north", "longitude": 2},
                    {"latitude": 1},
                    {"latitude": 100, "longitude": 2},
                    {"lat": "3.5", "lon": "4.5", "accuracy": "5"},
                ],
                "totalCount": 7,
                "hasMore": False,
            }
        ),
    )
    history = await OneNataAccount(canned_client).async_get_location_history(
        make_device("t1", DeviceKind.TRACKER), HISTORY_START, HISTORY_END, 100
    )
    assert [(p.latitude, p.longitude, p.accuracy, p.timestamp) for p in history] == [
        (1.0, 2.0, None, datetime(2025, 6, 2, 10, 0, tzinfo=UTC)),
        (3.5, 4.5, 5.0, None),
    ]


@pytest.mark.parametrize(
    "data", [{}, {"locations": None}, {"locations": {"a": 1}}, {"locations": "x"}]
)
async def test_location_history_without_list(
    canned: Canned, canned_client: OneNataClient, data: dict[str, Any]
) -> None:
    canned.reply("/v1/devices/t1/location/history", envelope(data))
    with pytest.raises(BadResponseError, match="without a locations list"):
        await OneNataAccount(canned_client).async_get_location_history(
            make_device("t1", DeviceKind.TRACKER), HISTORY_START, HISTORY_END, 10
        )


# --- add_device --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "new_id"),
    [
        (DeviceKind.FEEDER, "feeding_machine_002"),
        (DeviceKind.FOUNTAIN, "water_fountain_002"),
        (DeviceKind.TRACKER, "gps_tracker_002"),
        (DeviceKind.CAMERA, "camera_002"),
        (DeviceKind.LITTER_BOX, "litterbox_002"),
        (DeviceKind.TOY, "smart_toy_002"),
    ],
)
async def test_add_device(
    cloud: Cloud, account: OneNataAccount, kind: DeviceKind, new_id: str
) -> None:
    assert await account.async_add_device("SN-NEW-1", kind, "Model-9") == new_id
    assert last(cloud.sim).json == {
        "serialNumber": "SN-NEW-1",
        "deviceType": DEVICE_TYPES[kind],
        "deviceModel": "Model-9",
        "manufacturer": "onenata",
    }
    sim_device = cloud.device(new_id)
    assert (sim_device.serial, sim_device.model) == ("SN-NEW-1", "Model-9")
    # It is in the inventory from now on, of the right kind.
    devices = {d.id: d for d in await account.async_list()}
    assert devices[new_id].kind is kind
    assert devices[new_id].serial == "SN-NEW-1"


async def test_add_device_without_model_and_twice(
    cloud: Cloud, account: OneNataAccount
) -> None:
    new_id = await account.async_add_device("SN-NEW-2", DeviceKind.TOY, None)
    assert "deviceModel" not in last(cloud.sim).json
    assert cloud.device(new_id).model == "PlayMate-AI"
    # Validating the same serial again is idempotent.
    assert await account.async_add_device("SN-NEW-2", DeviceKind.TOY, None) == new_id
    # The same serial as another kind is refused.
    with pytest.raises(RequestRejectedError, match="belongs to a smartToy"):
        await account.async_add_device("SN-NEW-2", DeviceKind.CAMERA, None)


async def test_add_device_bad_answers(
    cloud: Cloud, account: OneNataAccount, canned: Canned, canned_client: OneNataClient
) -> None:
    cloud.sim.add_fault("missing_fields", route="/v1/devices/validate")
    with pytest.raises(BadResponseError, match="without a deviceId"):
        await account.async_add_device("SN-NEW-3", DeviceKind.FEEDER, None)
    canned.reply("/v1/devices/validate", envelope({"id": 77, "status": "active"}))
    assert (
        await OneNataAccount(canned_client).async_add_device(
            "SN", DeviceKind.FEEDER, None
        )
        == "77"
    )
    canned.reply("/v1/devices/validate", envelope({"deviceId": None}))
    with pytest.raises(BadResponseError):
        await OneNataAccount(canned_client).async_add_device(
            "SN", DeviceKind.FEEDER, None
        )


# --- reliability: the gate, the body cap, partial listings, rejected values --------


async def test_inventory_with_unreadable_entries_is_incomplete(
    cloud: Cloud, account: OneNataAccount
) -> None:
    """Entries without an id make the listing incomplete; without a type, skipped."""
    cloud.sim.add_fault("bad_entries", times=1)
    devices = await account.async_list()
    assert [(d.id, d.kind) for d in devices] == list(KIND_OF.items())
    # no deviceId, "garbage" and null: unreadable; no deviceType: skipped by id
    assert devices.unreadable == 3
    assert devices.skipped_ids == {"unknown_001"}
    assert devices.fresh
    assert not devices.complete
    assert account.report.skipped == {"device list entry": 4}
    # the next listing is whole again
    again = await account.async_list()
    assert again.complete
    assert again.skipped_ids == frozenset()


async def test_inventory_whose_entries_all_lost_their_type(
    cloud: Cloud, account: OneNataAccount
) -> None:
    cloud.sim.add_fault("bad_entries", value=STRIP_TYPE, times=1)
    devices = await account.async_list()
    assert list(devices) == []
    # every listed id is reported: none of these devices is gone
    assert devices.skipped_ids == {*KIND_OF, "unknown_001"}
    assert devices.unreadable == 3
    assert not devices.complete
    assert account.report.skipped == {"device list entry": 10}


async def test_inventory_of_minimal_entries_has_stand_in_names(
    cloud: Cloud, account: OneNataAccount
) -> None:
    cloud.sim.add_fault("minimal_entries", times=1)
    devices = await account.async_list()
    assert [(d.id, d.name, d.name_reported, d.model) for d in devices] == [
        (device_id, device_id, False, None) for device_id in KIND_OF
    ]
    assert devices.complete
    named = await account.async_list()
    assert {d.name_reported for d in named} == {True}


async def test_empty_and_short_listings_are_fresh_and_complete(
    cloud: Cloud, account: OneNataAccount
) -> None:
    """What the cloud no longer lists is for the coordinator to judge."""
    cloud.sim.add_fault("drop_device", value=FEEDER, times=1)
    short = await account.async_list()
    assert [d.id for d in short] == [d for d in KIND_OF if d != FEEDER]
    assert short.complete
    cloud.sim.add_fault("empty_list", times=1)
    empty = await account.async_list()
    assert list(empty) == []
    assert empty.complete
    assert empty.skipped_ids == frozenset()


def test_inventory_complete() -> None:
    assert Inventory().complete
    assert Inventory([make_device(FEEDER)], unreadable=0).complete
    assert not Inventory([make_device(FEEDER)], unreadable=1).complete
    assert not Inventory(fresh=False).complete
    assert not Inventory(fresh=False, unreadable=2).complete
    inventory = Inventory([make_device(FEEDER)], skipped_ids=["a", "b", "a"])
    assert inventory.skipped_ids == {"a", "b"}
    assert inventory == [make_device(FEEDER)]  # still the list of devices


@pytest.mark.parametrize("name", ["", "   ", 12345, None, ["Rex"]])
async def test_a_name_that_is_not_text_is_not_a_reported_name(
    canned: Canned, canned_client: OneNataClient, name: Any
) -> None:
    canned.reply(
        "/v1/devices",
        envelope([{"deviceId": "f1", "deviceType": "feeder", "name": name}]),
    )
    (device,) = await OneNataAccount(canned_client).async_list()
    assert device.name == "f1"  # the stand-in
    assert device.name_reported is False


async def test_probe_device(cloud: Cloud, account: OneNataAccount) -> None:
    assert await account.async_probe_device(FEEDER) is True
    assert await account.async_probe_device("feeding_machine_404") is False
    cloud.sim.add_fault("http_500", route=STATUS, times=1)
    assert await account.async_probe_device(FEEDER) is None
    cloud.sim.add_fault("http_429", route=STATUS, times=1)
    assert await account.async_probe_device(FEEDER) is None
    # held back by the Retry-After: cannot tell, and nothing is sent
    sent = len(cloud.sim.requests)
    assert await account.async_probe_device(FEEDER) is None
    assert len(cloud.sim.requests) == sent
    assert [r.route for r in cloud.sim.requests] == [STATUS] * 4


def test_apply_status_without_any_reading_is_a_bad_answer() -> None:
    device = make_device("f", DeviceKind.FEEDER)
    apply_status(device, {"isOnline": True, "status": {"foodLevel": 40}})
    before = copy.deepcopy(device)
    for data in ({"deviceId": "f"}, {}, {"deviceId": "f", "name": "Feeder"}):
        with pytest.raises(BadResponseError, match="status without any reading"):
            apply_status(device, data)
        assert device == before
    # one reading is enough; what is left out keeps its value
    apply_status(device, {"deviceId": "f", "status": {"feedCount": 2}})
    assert device.feeder is not None
    assert (device.online, device.feeder.food_level, device.feeder.feeds_today) == (
        True,
        40.0,
        2,
    )
    apply_status(device, {"lastSeen": "2025-06-02T10:00:00Z"})
    assert device.last_report == datetime(2025, 6, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize("status", [{}, "active", {"deviceId": "f"}])
def test_apply_status_with_an_empty_status_is_a_bad_answer(status: Any) -> None:
    device = make_device("f", DeviceKind.FEEDER)
    try:
        apply_status(device, {"deviceId": "f", "status": status})
    except BadResponseError:
        return
    raise AssertionError("accepted an answer without any reading")


def test_apply_status_counts_unreadable_values() -> None:
    device = make_device("f", DeviceKind.FEEDER)
    apply_status(device, {"isOnline": True, "batteryLevel": 80, "foodLevel": 50})
    report = ParseReport()
    apply_status(
        device,
        {
            "isOnline": "maybe",
            "batteryLevel": "abc",
            "lastReportTime": "soon",
            "alerts": "not a list",
            "status": {
                "foodLevel": float("nan"),
                "feedCount": "3",
                "nextFeedTime": None,
            },
        },
        report,
    )
    assert device.feeder is not None
    assert (device.online, device.battery, device.last_report) == (None, None, None)
    assert device.alerts == []
    assert (device.feeder.food_level, device.feeder.feeds_today) == (None, 3)
    assert device.feeder.next_feed is None
    # sent but unreadable: counted; sent as null: simply unknown
    assert report.rejected == {
        "online": 1,
        "battery": 1,
        "last_report": 1,
        "feeder.food_level": 1,
    }
    assert report.skipped == {}


async def test_refresh_counts_unreadable_and_implausible_values(
    canned: Canned, canned_client: OneNataClient
) -> None:
    canned.reply(
        "/v1/devices/f/status",
        envelope(
            {
                "isOnline": True,
                "batteryLevel": 150,
                "lastReportTime": "1970-01-01T00:00:00Z",
                "status": {
                    "foodLevel": -5,
                    "feedCount": 2,
                    "lastFeedTime": "2150-01-01T00:00:00Z",
                },
            }
        ),
    )
    canned.reply(
        "/v1/devices/f/food-level",
        envelope(
            {
                "currentLevel": "lots",
                "maxCapacity": 2000,
                "percentage": 101,
                "estimatedDaysRemaining": 5,
            }
        ),
    )
    account = OneNataAccount(canned_client)
    device = make_device("f", DeviceKind.FEEDER)
    device = await account.async_read(device, slow=True)
    feeder = device.feeder
    assert feeder is not None
    assert device.online is True
    assert (device.battery, device.last_report) == (None, None)
    assert (feeder.food_level, feeder.food_remaining, feeder.last_feed) == (
        None,
        None,
        None,
    )
    assert (feeder.capacity, feeder.days_remaining, feeder.feeds_today) == (
        2000.0,
        5.0,
        2,
    )
    assert account.report.rejected == {
        "feeder.food_remaining": 1,  # "lots": not a number
        "battery": 1,  # 150 %
        "last_report": 1,  # 1970
        "feeder.food_level": 1,  # 101 % (the slow tier's, read after -5)
        "feeder.last_feed": 1,  # 2150
    }
    assert account.report.skipped == {}


async def test_refresh_with_wrong_types_from_the_simulator(
    cloud: Cloud, account: OneNataAccount
) -> None:
    device = await _device(account, FEEDER)
    device = await account.async_read(device, slow=True)
    cloud.sim.add_fault("wrong_types", device_id=FEEDER, times=2)
    device = await account.async_read(device, slow=True)
    feeder = device.feeder
    assert feeder is not None
    # numbers came as "abc", booleans as "maybe", times as 12345 (1970)
    assert (device.online, device.battery, device.last_report) == (None, None, None)
    assert (feeder.food_level, feeder.food_remaining, feeder.capacity) == (
        None,
        None,
        None,
    )
    assert feeder.food_low is None
    assert feeder.last_feed is None
    rejected = account.report.rejected
    assert rejected["battery"] == 1
    assert rejected["online"] == 1
    assert rejected["feeder.food_remaining"] == 1
    assert rejected["feeder.last_feed"] == 1  # a plausible type, not a moment
    # the next answers are right again
    device = await account.async_read(device, slow=True)
    feeder = device.feeder
    assert device.battery == 90.0
    assert feeder.food_remaining == 1200.0


async def test_refresh_with_out_of_range_numbers_from_the_simulator(
    cloud: Cloud, account: OneNataAccount
) -> None:
    tracker = await _device(account, TRACKER)
    tracker = await account.async_read(tracker, slow=True)
    assert tracker.tracker is not None
    last_seen = tracker.tracker.last_seen
    cloud.sim.add_fault("out_of_range", device_id=TRACKER, value=1e9, times=2)
    tracker = await account.async_read(tracker, slow=True)
    assert tracker.battery is None
    assert tracker.tracker.location is None  # 1e9 degrees is no position
    assert tracker.tracker.last_seen == last_seen
    assert account.report.rejected == {"battery": 1, "tracker.location": 1}


async def test_tracker_location_readings(
    canned: Canned, canned_client: OneNataClient
) -> None:
    canned.reply("/v1/devices/t1/status", envelope({"batteryLevel": 60}))
    account = OneNataAccount(canned_client)
    device = make_device("t1", DeviceKind.TRACKER)
    assert device.tracker is not None

    # an unreadable battery on the fix keeps the status's (and is counted)
    canned.reply(
        "/v1/devices/t1/location",
        envelope(
            {"latitude": 1, "longitude": 2, "batteryLevel": "abc", "altitude": 1e6}
        ),
    )
    device = await account.async_read(device, slow=False)
    assert device.battery == 60.0
    assert device.tracker.location is not None
    assert device.tracker.location.altitude is None  # 1000 km up: dropped
    assert account.report.rejected == {
        "battery": 1,
        "tracker.location.altitude": 1,
    }

    # a null battery on the fix is simply not sent
    canned.reply(
        "/v1/devices/t1/location",
        envelope({"latitude": 1, "longitude": 2, "batteryLevel": None}),
    )
    device = await account.async_read(device, slow=False)
    assert device.battery == 60.0
    assert account.report.rejected["battery"] == 1

    # a coordinate missing or unreadable: no position, the refresh stands
    for fix in ({"latitude": 1}, {"lat": "north", "lng": 2}, {"lon": None}):
        canned.reply("/v1/devices/t1/location", envelope(fix))
        device = await account.async_read(device, slow=False)
        assert device.tracker.location is None
    assert account.report.rejected["tracker.location"] == 3

    # an answer without any coordinate key is a bad answer: nothing changes
    before = copy.deepcopy(device)
    for fix in ({}, {"deviceId": "t1", "accuracy": 5}):
        canned.reply("/v1/devices/t1/location", envelope(fix))
        with pytest.raises(BadResponseError, match="location without any reading"):
            device = await account.async_read(device, slow=False)
        assert device == before


async def test_body_code_429_with_retry_after_pauses_the_account(
    canned: Canned, canned_client: OneNataClient
) -> None:
    """A 429 inside an HTTP 200 honours Retry-After like an HTTP 429 does."""
    canned.reply("/v1/devices", envelope(None, 429), headers={"Retry-After": "7"})
    canned.reply(f"/v1/devices/{FEEDER}/status", envelope({"isOnline": True}))
    with pytest.raises(RateLimitError, match="code 429 on GET /devices") as caught:
        await canned_client.async_get_devices()
    assert caught.value.retry_after == 7.0
    # the whole account waits: another path is not sent either
    with pytest.raises(RateLimitError, match="held back") as held:
        await canned_client.async_get_status(FEEDER)
    assert held.value.retry_after is not None
    assert 0 < held.value.retry_after <= 7
    assert len(canned.sim.requests) == 1
    skip_ahead(canned_client, 7)
    assert await canned_client.async_get_status(FEEDER) == {"isOnline": True}
    assert len(canned.sim.requests) == 2


@pytest.mark.parametrize(
    ("code", "headers", "error", "retry_after"),
    [
        (429, {}, RateLimitError, None),
        (503, {"Retry-After": "15"}, RateLimitError, 15.0),
        (503, {}, CannotConnectError, None),
        (500, {"Retry-After": "15"}, CannotConnectError, None),
        (404, {"Retry-After": "15"}, DeviceNotFoundError, None),
    ],
)
async def test_body_codes_and_retry_after(
    canned: Canned,
    canned_client: OneNataClient,
    code: int,
    headers: dict[str, str],
    error: type[VendorError],
    retry_after: float | None,
) -> None:
    canned.reply(f"/v1/devices/{FEEDER}/status", envelope(None, code), headers=headers)
    with pytest.raises(error) as caught:
        await canned_client.async_get_status(FEEDER)
    assert type(caught.value) is error
    if isinstance(caught.value, RateLimitError):
        assert caught.value.retry_after == retry_after
    paused = canned_client.gate.paused_until is not None
    assert paused is (retry_after is not None)


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (503, {"Retry-After": "20"}, RateLimitError),
        (503, {"Retry-After": "soon"}, CannotConnectError),
        (503, {}, CannotConnectError),
        (429, {"Retry-After": "20"}, RateLimitError),
    ],
)
async def test_http_503_with_retry_after_is_throttling(
    canned: Canned,
    canned_client: OneNataClient,
    status: int,
    headers: dict[str, str],
    error: type[VendorError],
) -> None:
    canned.reply(
        f"/v1/devices/{FEEDER}/status",
        "<html>busy</html>",
        status=status,
        headers=headers,
        content_type="text/html",
    )
    with pytest.raises(error, match=f"HTTP {status} on GET") as caught:
        await canned_client.async_get_status(FEEDER)
    assert type(caught.value) is error
    if error is RateLimitError:
        assert caught.value.retry_after == 20.0
        with pytest.raises(RateLimitError, match="held back"):
            await canned_client.async_get_status(FEEDER)
        assert len(canned.sim.requests) == 1


async def test_simulator_503_page(cloud: Cloud, client: OneNataClient) -> None:
    cloud.sim.add_fault("http_503", route=STATUS, times=1)
    with pytest.raises(CannotConnectError, match="HTTP 503"):
        await client.async_get_status(FEEDER)
    await client.async_get_status(FEEDER)  # no Retry-After: no pause
    cloud.sim.add_fault("http_503", route=STATUS, retry_after=20, times=1)
    with pytest.raises(RateLimitError) as caught:
        await client.async_get_status(FEEDER)
    assert caught.value.retry_after == 20.0
    assert client.gate.paused_until is not None


async def test_the_request_cap_holds_requests_back(
    cloud: Cloud, session: aiohttp.ClientSession
) -> None:
    gate = RequestGate(cap=2, window=timedelta(minutes=1))
    client = OneNataClient(session, API_KEY, cloud.base_url, gate=gate)
    await client.async_get_status(FEEDER)
    await client.async_get_devices()
    with pytest.raises(RateLimitError, match="2 requests in") as caught:
        await client.async_get_status(FEEDER)
    assert caught.value.retry_after is not None
    assert 55 < caught.value.retry_after <= 60
    assert len(cloud.sim.requests) == 2
    assert (gate.sent, gate.refused) == (2, 1)
    skip_ahead(client, 60)
    await client.async_get_status(FEEDER)
    assert len(cloud.sim.requests) == 3


async def test_a_huge_answer_is_refused(cloud: Cloud, client: OneNataClient) -> None:
    cloud.sim.add_fault("huge_body", route=STATUS, times=1)
    with pytest.raises(BadResponseError, match="answered"):
        await client.async_get_status(FEEDER)
    cloud.sim.add_fault("huge_body", route=STATUS, size=MAX_BODY_BYTES // 2, times=1)
    assert "padding" in await client.async_get_status(FEEDER)


async def test_images_pass_the_gate(cloud: Cloud, account: OneNataAccount) -> None:
    photo = (await account.async_execute(make_device(CAMERA), TakePhoto())).photo
    assert photo is not None
    assert photo.url is not None
    cloud.sim.add_fault("http_429", route=STATUS, retry_after=10, times=1)
    with pytest.raises(RateLimitError):
        await account.client.async_get_status(FEEDER)
    sent = len(cloud.sim.requests)
    with pytest.raises(RateLimitError, match="an image download held back"):
        await account.async_get_image(photo.url)
    assert len(cloud.sim.requests) == sent
    skip_ahead(account.client, 10)
    assert await account.async_get_image(photo.url) == photo_jpeg(
        f"{CAMERA}/{photo.id}"
    )


@pytest.mark.parametrize(
    ("status", "headers", "error", "paused"),
    [
        (429, {"Retry-After": "5"}, RateLimitError, True),
        (429, {}, RateLimitError, False),
        (503, {"Retry-After": "5"}, RateLimitError, True),
        (503, {}, CannotConnectError, False),
    ],
)
async def test_image_throttling(
    canned: Canned,
    canned_client: OneNataClient,
    status: int,
    headers: dict[str, str],
    error: type[VendorError],
    paused: bool,
) -> None:
    canned.reply(
        "/img.jpg", b"", status=status, headers=headers, content_type="image/jpeg"
    )
    account = OneNataAccount(canned_client)
    with pytest.raises(error, match=f"HTTP {status}") as caught:
        await account.async_get_image(f"{canned.url}/img.jpg")
    assert type(caught.value) is error
    assert (canned_client.gate.paused_until is not None) is paused
    if paused:
        assert isinstance(caught.value, RateLimitError)
        assert caught.value.retry_after == 5.0


async def test_image_size_cap(
    canned: Canned, canned_client: OneNataClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Images may be larger than an API answer, up to MAX_IMAGE_BYTES."""
    big = b"\xff" * (MAX_BODY_BYTES + 1024)
    canned.reply("/big.jpg", big, content_type="image/jpeg")
    canned.reply("/v1/devices", big, content_type="application/json")
    account = OneNataAccount(canned_client)
    assert await account.async_get_image(f"{canned.url}/big.jpg") == big
    with pytest.raises(BadResponseError, match="answered"):
        await canned_client.async_get_devices()  # an API answer may not
    monkeypatch.setattr(onenata.client, "MAX_IMAGE_BYTES", 1024)
    with pytest.raises(BadResponseError, match="an image download answered"):
        await account.async_get_image(f"{canned.url}/big.jpg")


def _open(
    vendor: str,
    session: aiohttp.ClientSession,
    data: dict[str, str],
    options: dict[str, Any],
) -> Any:
    """Open an account as setup does: through the vendor's descriptor."""
    return onenata.DESCRIPTOR.factory(
        AccountContext(
            session=session,
            credentials={"api_key": data["api_key"]},
            base_url=data.get("base_url"),
            options=options,
        )
    )


# --- the package: factories and the abstract account --------------------------------------


async def test_account_factory(cloud: Cloud, session: aiohttp.ClientSession) -> None:
    account = _open(
        "onenata", session, {"api_key": API_KEY, "base_url": f"{cloud.base_url}/"}, {}
    )
    assert isinstance(account, OneNataAccount)
    assert account.vendor == "onenata"
    assert len(await account.async_list()) == 6
    assert last(cloud.sim).path == "/v1/devices"
    assert last(cloud.sim).headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("data", [{"api_key": "k"}, {"api_key": "k", "base_url": ""}])
async def test_account_factory_default_base_url(
    session: aiohttp.ClientSession, data: dict[str, str]
) -> None:
    account = _open("onenata", session, data, {})
    assert isinstance(account, OneNataAccount)
    assert account.client._base_url == DEFAULT_BASE_URL


async def test_account_defaults(cloud: Cloud, account: OneNataAccount) -> None:
    """What the base class gives OneNata: identify lists, polling is regular."""
    devices = await account.async_identify()
    assert isinstance(devices, Inventory)
    assert len(devices) == 6
    assert [r.route for r in cloud.sim.requests] == ["/v1/devices"]
    assert account.next_refresh(NOW) == NextRefresh()
    assert account.gate is account.client.gate


def test_rate_limit_error_defaults() -> None:
    assert RateLimitError("slow down").retry_after is None
    assert RateLimitError("slow down", 5).retry_after == 5
    assert issubclass(DeviceNotFoundError, RequestRejectedError)
    for error in (
        AuthError,
        RateLimitError,
        CannotConnectError,
        BadResponseError,
        RequestRejectedError,
    ):
        assert issubclass(error, VendorError)


def test_vendor_account_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        VendorAccount()  # type: ignore[abstract]
    # what every vendor can honour; cameras, trackers and enrolment are
    # capabilities an account class adds only where it can
    assert VendorAccount.__abstractmethods__ == {
        "async_identify",
        "async_refresh",
        "async_execute",
    }


async def test_webhook_registration_answers(
    canned: Canned, canned_client: OneNataClient
) -> None:
    """The doc shows no answer to POST /webhooks: an empty 2xx is registered."""
    canned.reply("/v1/webhooks", "", content_type="application/json")
    await canned_client.async_register_webhook("https://h/x", ["device.alert"])
    canned.reply("/v1/webhooks", "<html>proxy</html>", content_type="text/html")
    with pytest.raises(BadResponseError, match="returned no JSON"):
        await canned_client.async_register_webhook("https://h/x", ["device.alert"])
    canned.reply("/v1/webhooks", envelope(None, 400))
    with pytest.raises(RequestRejectedError):
        await canned_client.async_register_webhook("https://h/x", ["nope"])
