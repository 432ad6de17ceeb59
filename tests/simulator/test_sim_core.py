"""Tests of the vendor-neutral simulator machinery in simulator/core.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import time
from typing import Any

from aiohttp import ClientConnectionError, ClientSession, ClientTimeout, web
import pytest

from simulator.core import (
    KEEP_ID,
    BaseSimulator,
    Fault,
    FaultKind,
    RecordedRequest,
    SimClock,
    shift_times,
    start_server,
)
from simulator.onenata import OneNataSimulator

from . import Api

STATUS_ROUTE = "/v1/devices/{device_id}/status"


# --- clock ----------------------------------------------------------------------


def test_clock_follows_real_time_in_utc() -> None:
    clock = SimClock()
    now = clock.now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=1)


def test_clock_advance_and_set() -> None:
    clock = SimClock()
    before = clock.now()
    clock.advance(3600)
    assert timedelta(minutes=59) < clock.now() - before < timedelta(minutes=61)
    target = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    clock.set(target)
    assert abs(clock.now() - target) < timedelta(seconds=1)
    clock.advance(-60)
    assert abs(clock.now() - (target - timedelta(minutes=1))) < timedelta(seconds=1)


def test_clock_tells_its_change_listeners_after_its_jump_listeners() -> None:
    clock = SimClock()
    heard: list[str] = []
    clock.on_jump(lambda jump: heard.append("jump"))
    clock.on_change(lambda: heard.append("change"))
    clock.advance(60)
    clock.set(datetime(2024, 1, 15, 10, 30, tzinfo=UTC))
    assert heard == ["change", "jump", "change"]


def test_clock_set_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        SimClock().set(datetime(2024, 1, 15))


# --- server runner --------------------------------------------------------------


async def test_start_server_on_free_ports() -> None:
    first, second = OneNataSimulator(), OneNataSimulator()
    one = await start_server(first)
    two = await start_server(second)
    try:
        assert one.port > 0
        assert two.port > 0
        assert one.port != two.port
        assert one.url == f"http://127.0.0.1:{one.port}"
        async with ClientSession() as session:
            api = Api(session, one.url)
            assert (await api.get("/devices")).status == 200
    finally:
        await one.close()
        await two.close()


async def test_closed_server_refuses_connections() -> None:
    running = await start_server(OneNataSimulator())
    await running.close()
    async with ClientSession() as session:
        with pytest.raises(ClientConnectionError):
            await Api(session, running.url).get("/devices")


# --- request log ----------------------------------------------------------------


async def test_requests_are_recorded(api: Api, sim: OneNataSimulator) -> None:
    await api.get("/devices")
    await api.get("/devices/camera_001/stream", quality="720p")
    await api.command("feeding_machine_001", "feed", amount=10)
    await api.get("/devices/nope/status")

    assert [r.route for r in sim.requests] == [
        "/v1/devices",
        "/v1/devices/{device_id}/stream",
        "/v1/devices/{device_id}/commands",
        STATUS_ROUTE,
    ]
    stream = sim.requests[1]
    assert isinstance(stream, RecordedRequest)
    assert stream.method == "GET"
    assert stream.path == "/v1/devices/camera_001/stream"
    assert stream.query == {"quality": "720p"}
    assert stream.json is None
    assert stream.headers["Authorization"] == "Bearer test-key"
    assert stream.device_id == "camera_001"
    assert sim.requests[2].json == {"command": "feed", "parameters": {"amount": 10}}


async def test_count_filters(api: Api, sim: OneNataSimulator) -> None:
    for device_id in ("camera_001", "camera_001", "litterbox_001"):
        await api.status(device_id)
    await api.command("litterbox_001", "checkStatus")
    await api.get("/devices")

    assert sim.count() == 5
    assert sim.count("GET") == 4
    assert sim.count("get") == 4
    assert sim.count(route=STATUS_ROUTE) == 3
    assert sim.count(device_id="camera_001") == 2
    assert sim.count(device_id="litterbox_001") == 2
    assert sim.count("GET", STATUS_ROUTE, "litterbox_001") == 1
    assert sim.count("POST", STATUS_ROUTE) == 0

    sim.reset_requests()
    assert sim.count() == 0


async def test_unknown_routes_are_recorded_by_path(
    api: Api, sim: OneNataSimulator
) -> None:
    reply = await api.get("/no/such/thing")
    assert reply.status == 404
    assert reply.body == {"code": 404, "msg": "Not Found", "data": None}
    assert sim.requests[-1].route == "/v1/no/such/thing"


async def test_unparsable_body_is_recorded_as_none(
    api: Api, sim: OneNataSimulator
) -> None:
    reply = await api.request(
        "POST", "/devices/feeding_machine_001/commands", raw_body="{nope"
    )
    assert reply.status == 400
    assert sim.requests[-1].json is None


# --- latency --------------------------------------------------------------------


async def test_latency_delays_every_request(api: Api, sim: OneNataSimulator) -> None:
    sim.latency = 0.2
    started = time.monotonic()
    assert (await api.get("/devices")).status == 200
    assert time.monotonic() - started >= 0.2


async def test_latency_from_constructor() -> None:
    assert OneNataSimulator(latency=0.5).latency == 0.5


# --- faults -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "content_type", "body"),
    [
        (
            FaultKind.HTTP_500,
            500,
            "application/json",
            {"code": 500, "msg": "Internal server error", "data": None},
        ),
        (
            FaultKind.HTTP_401,
            401,
            "application/json",
            {"code": 401, "msg": "Invalid API key", "data": None},
        ),
        (
            FaultKind.HTTP_429,
            429,
            "application/json",
            {"code": 429, "msg": "Rate limit exceeded", "data": None},
        ),
        (
            FaultKind.BODY_CODE,
            200,
            "application/json",
            {"code": 500, "msg": "Internal server error", "data": None},
        ),
    ],
)
async def test_error_faults(
    api: Api,
    sim: OneNataSimulator,
    kind: FaultKind,
    status: int,
    content_type: str,
    body: Any,
) -> None:
    sim.add_fault(kind)
    reply = await api.get("/devices")
    assert reply.status == status
    assert reply.content_type == content_type
    assert reply.body == body


async def test_429_sends_retry_after(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_429, retry_after=120)
    reply = await api.get("/devices")
    assert reply.headers["Retry-After"] == "120"


async def test_malformed_json_fault(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.MALFORMED_JSON)
    reply = await api.get("/devices")
    assert reply.status == 200
    assert reply.content_type == "application/json"
    with pytest.raises(ValueError):
        _ = reply.body


async def test_html_error_fault(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTML_ERROR)
    reply = await api.get("/devices")
    assert reply.status == 502
    assert reply.content_type == "text/html"
    assert b"502 Bad Gateway" in reply.raw


@pytest.mark.parametrize(
    ("shape", "entries_of"),
    [
        ("envelope_list", lambda body: body["data"]),
        ("envelope_object", lambda body: body["data"]["devices"]),
        ("bare_list", lambda body: body),
        ("object", lambda body: body["devices"]),
    ],
)
async def test_missing_fields_fault_on_device_list(
    api: Api, sim: OneNataSimulator, shape: str, entries_of: Any
) -> None:
    sim.devices_shape = shape
    sim.add_fault(FaultKind.MISSING_FIELDS, route="/v1/devices")
    reply = await api.get("/devices")
    assert reply.status == 200
    entries = entries_of(reply.body)
    assert len(entries) == 6
    assert all("deviceId" not in entry for entry in entries)
    assert all("serialNumber" in entry for entry in entries)


async def test_missing_fields_fault_on_an_object(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.add_fault(FaultKind.MISSING_FIELDS, route=STATUS_ROUTE)
    reply = await api.get("/devices/camera_001/status")
    assert reply.status == 200
    assert reply.body == {"code": 200, "msg": "Success", "data": {}}


async def test_missing_fields_leaves_errors_alone(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.add_fault(FaultKind.MISSING_FIELDS)
    reply = await api.get("/devices/nope/status")
    assert reply.status == 404
    assert reply.body["code"] == 404
    media = await api.get(f"{api.url}/thumbnails/camera_001.jpg")
    assert media.content_type == "image/jpeg"


async def test_timeout_fault_answers_late(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.TIMEOUT, timeout_seconds=0.3)
    started = time.monotonic()
    reply = await api.get("/devices")
    assert time.monotonic() - started >= 0.3
    assert reply.status == 200


async def test_timeout_fault_trips_client_timeouts(sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.TIMEOUT)  # 60 s by default
    running = await start_server(sim)
    async with ClientSession(timeout=ClientTimeout(total=0.2)) as session:
        with pytest.raises(TimeoutError):
            await Api(session, running.url).get("/devices")
    started = time.monotonic()
    await running.close()
    assert time.monotonic() - started < 5


async def test_close_cancels_requests_held_by_a_timeout(
    sim: OneNataSimulator,
) -> None:
    sim.add_fault(FaultKind.TIMEOUT)
    running = await start_server(sim)
    async with ClientSession() as session:
        pending = asyncio.create_task(Api(session, running.url).get("/devices"))
        await asyncio.sleep(0.2)
        assert sim.count() == 1
        started = time.monotonic()
        await running.close()
        assert time.monotonic() - started < 5
        with pytest.raises(ClientConnectionError):
            await pending


async def test_fault_scoped_to_route(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_500, route=STATUS_ROUTE)
    assert (await api.get("/devices")).status == 200
    assert (await api.get("/devices/camera_001/status")).status == 500
    assert (await api.get("/devices/camera_001/stream")).status == 200


async def test_fault_scoped_to_device(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_500, device_id="camera_001")
    assert (await api.get("/devices/camera_001/status")).status == 500
    assert (await api.get("/devices/camera_001/stream")).status == 500
    assert (await api.command("camera_001", "takePhoto")).status == 500
    assert (await api.get("/devices/litterbox_001/status")).status == 200
    assert (await api.get("/devices")).status == 200


async def test_fault_scoped_to_device_and_route(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.add_fault(FaultKind.HTTP_401, route=STATUS_ROUTE, device_id="camera_001")
    assert (await api.get("/devices/camera_001/status")).status == 401
    assert (await api.get("/devices/camera_001/stream")).status == 200
    assert (await api.get("/devices/smart_toy_001/status")).status == 200


async def test_fault_scoped_to_method(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_500, method="post")
    assert (await api.get("/devices/feeding_machine_001/status")).status == 200
    assert (await api.command("feeding_machine_001", "checkFood")).status == 500


async def test_fault_times(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_500, times=2)
    assert [(await api.get("/devices")).status for _ in range(3)] == [500, 500, 200]
    assert sim.faults == []
    assert sim.count(route="/v1/devices") == 3


async def test_faults_apply_in_order_added(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_429, times=1)
    sim.add_fault(FaultKind.HTTP_500, times=1)
    assert [(await api.get("/devices")).status for _ in range(3)] == [429, 500, 200]


async def test_fault_until_cleared(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault("html_error")
    assert [(await api.get("/devices")).status for _ in range(3)] == [502] * 3
    sim.clear_faults()
    assert (await api.get("/devices")).status == 200


async def test_faulted_requests_do_not_reach_the_device(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.add_fault(FaultKind.HTTP_500, times=1)
    await api.command("feeding_machine_001", "feed", amount=100)
    assert sim.devices["feeding_machine_001"].food_grams == 1200


def test_unknown_fault_kind_is_rejected(sim: OneNataSimulator) -> None:
    with pytest.raises(ValueError):
        sim.add_fault("gremlins")


# --- a bare BaseSimulator: the vendor-neutral defaults ------------------------------


class EchoSimulator(BaseSimulator):
    """The smallest possible vendor: one route."""

    def __init__(self) -> None:
        super().__init__()
        self.app.router.add_get("/things/{device_id}", self._thing)

    async def _thing(self, request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["device_id"], "ok": True})


@pytest.fixture
async def echo() -> AsyncGenerator[tuple[EchoSimulator, ClientSession, str]]:
    sim = EchoSimulator()
    running = await start_server(sim)
    async with ClientSession() as session:
        yield sim, session, running.url
    await running.close()


async def test_base_defaults(
    echo: tuple[EchoSimulator, ClientSession, str],
) -> None:
    sim, session, url = echo

    async def get(path: str) -> tuple[int, bytes]:
        async with session.get(url + path) as response:
            return response.status, await response.read()

    assert await get("/things/a") == (200, b'{"id": "a", "ok": true}')
    assert await get("/elsewhere") == (404, b'{"error": "Not Found", "status": 404}')
    sim.add_fault(FaultKind.HTTP_500, times=1, device_id="a")
    assert (await get("/things/b"))[0] == 200
    assert await get("/things/a") == (
        500,
        b'{"error": "Internal server error", "status": 500}',
    )
    sim.add_fault(FaultKind.BODY_CODE, times=1)
    assert await get("/things/a") == (
        200,
        b'{"error": "Internal server error", "status": 500}',
    )
    sim.add_fault(FaultKind.MISSING_FIELDS, times=1)
    assert await get("/things/a") == (200, b"{}")
    sim.add_fault(FaultKind.MALFORMED_JSON, times=1)
    assert await get("/things/a") == (200, b'{"data": {"id": "')
    assert sim.count(device_id="a") == 5


async def test_base_defaults_of_the_fault_matrix(
    echo: tuple[EchoSimulator, ClientSession, str],
) -> None:
    sim, session, url = echo

    async def get(path: str) -> tuple[int, str, bytes]:
        async with session.get(url + path) as response:
            return response.status, response.content_type, await response.read()

    sim.add_fault(FaultKind.HTTP_503, times=1)
    assert (await get("/things/a"))[:2] == (503, "text/html")
    sim.add_fault(FaultKind.HUGE_BODY, size=40, times=1)
    assert await get("/things/a") == (
        200,
        "application/json",
        b'{"padding": "' + b"x" * 25 + b'"}',
    )
    sim.add_fault(FaultKind.DATA_NULL, times=1)
    assert (await get("/things/a"))[2] == b"null"
    sim.add_fault(FaultKind.WRONG_TYPES, times=1)
    assert (await get("/things/a"))[2] == b'{"id": "a", "ok": "maybe"}'
    sim.add_fault(FaultKind.OUT_OF_RANGE, value=-20, times=1)
    assert (await get("/things/a"))[2] == b'{"id": "a", "ok": true}'
    sim.add_fault(FaultKind.MISSING_FIELDS, value=KEEP_ID, times=1)
    assert (await get("/things/a"))[2] == b'{"id": "a"}'
    sim.add_fault(FaultKind.BODY_CODE, code=503, times=1)
    assert (await get("/things/a"))[2] == (
        b'{"error": "Service Unavailable", "status": 503}'
    )
    # A vendor without a device list never applies (nor uses up) its faults.
    sim.add_fault(FaultKind.EMPTY_LIST, times=1)
    assert (await get("/things/a"))[2] == b'{"id": "a", "ok": true}'
    assert [fault.kind for fault in sim.faults] == [FaultKind.EMPTY_LIST]
    assert sim.count(device_id="a") == 8


def test_add_fault_defaults(sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_429)
    sim.add_fault(FaultKind.HTTP_503)
    sim.add_fault(FaultKind.HTTP_503, retry_after="Wed, 21 Oct 2026 07:28:00 GMT")
    sim.add_fault("out_of_range", value=1e308, times=2)
    assert [fault.retry_after for fault in sim.faults] == [
        30,
        None,
        "Wed, 21 Oct 2026 07:28:00 GMT",
        30,
    ]
    assert sim.faults[0] == Fault(FaultKind.HTTP_429)
    last = sim.faults[-1]
    assert (last.kind, last.value, last.times) == (FaultKind.OUT_OF_RANGE, 1e308, 2)
    assert (last.size, last.code) == (5 * 1024 * 1024, None)
    with pytest.raises(ValueError):
        sim.add_fault(FaultKind.HUGE_BODY, size=-1)


# --- clock jumps --------------------------------------------------------------------


def test_set_reports_the_jump_to_listeners() -> None:
    clock = SimClock()
    jumps: list[timedelta] = []
    clock.on_jump(jumps.append)
    clock.advance(60)
    assert jumps == []
    target = clock.now() + timedelta(hours=2)
    clock.set(target)
    assert len(jumps) == 1
    assert abs(jumps[0] - timedelta(hours=2)) < timedelta(seconds=1)


def test_shift_times_walks_containers_and_dataclasses() -> None:
    @dataclass
    class Thing:
        at: datetime
        log: list[tuple[datetime, int]]
        by_name: dict[str, datetime]
        label: str = "x"

    start = datetime(2024, 1, 1, tzinfo=UTC)
    thing = Thing(start, [(start, 1)], {"a": start})
    day = timedelta(days=1)
    assert shift_times(thing, day) is thing
    later = start + day
    assert thing == Thing(later, [(later, 1)], {"a": later})
    assert shift_times(5, day) == 5
    assert shift_times(Thing, day) is Thing
