"""Tests of the Ninja Blocks simulator's faults, counters and snapshots."""

from __future__ import annotations

import asyncio

from aiohttp import ClientTimeout
import pytest

from simulator.core import KEEP_ID, FaultKind
from simulator.media import JPEG_BYTES
from simulator.ninjablocks import (
    CALLBACK_ROUTE,
    DATA_ROUTE,
    DEVICE_ROUTE,
    DEVICES_ROUTE,
    HEARTBEAT_ROUTE,
    SNAPSHOT_ROUTE,
    TICKLE_ROUTE,
    NinjaBlocksSimulator,
)

from . import (
    ALL,
    DINNER_BELL,
    DINNER_BELL_TOKEN,
    HUMIDITY,
    INVALID_TOKEN,
    LED,
    PIR,
    TEMPERATURE,
    WEBCAM,
    WEBHOOK,
    Ninja,
    data,
    done,
    refused,
)


async def test_http_errors_from_the_core(
    client: Ninja, sim: NinjaBlocksSimulator
) -> None:
    sim.add_fault(FaultKind.HTTP_429, route=DEVICES_ROUTE, times=1, retry_after=12)
    reply = await client.get("/devices")
    assert (reply.status, reply.headers["Retry-After"]) == (429, "12")
    assert reply.body == {"result": 0, "error": "Too many requests", "id": 429}
    sim.add_fault(FaultKind.HTTP_500, route=HEARTBEAT_ROUTE, times=1)
    reply = await client.get(f"/device/{LED}/heartbeat")
    assert refused(reply, 500, 500) == "Internal server error"
    sim.add_fault(FaultKind.HTTP_503, route=DEVICES_ROUTE, times=1, retry_after=5)
    reply = await client.get("/devices")
    assert (reply.status, reply.content_type, reply.headers["Retry-After"]) == (
        503,
        "text/html",
        "5",
    )
    sim.add_fault(FaultKind.HTTP_401, times=1)
    reply = await client.get("/devices")
    assert (reply.status, reply.body) == (401, INVALID_TOKEN)
    data(await client.get("/devices"))


async def test_body_code_is_result_0_on_200(
    client: Ninja, sim: NinjaBlocksSimulator
) -> None:
    sim.add_fault(FaultKind.BODY_CODE, route=DEVICE_ROUTE, method="PUT", times=1)
    reply = await client.put(f"/device/{LED}", {"DA": "FF0000"})
    assert refused(reply, 500) == "Internal server error"
    assert sim.device(LED).last_data.da == "22B42B"  # type: ignore[union-attr]
    for code, text in (
        (401, "Invalid Token"),
        (404, "Device not found"),
        (409, "Callback already exists"),
    ):
        sim.add_fault(FaultKind.BODY_CODE, route=CALLBACK_ROUTE, times=1, code=code)
        reply = await client.post(f"/device/{PIR}/callback", {"url": "http://x/y"})
        assert refused(reply, code) == text
    assert sim.callback_url(PIR) is None


async def test_own_http_errors(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.add_http_error(429, route=DEVICES_ROUTE, times=1, retry_after=7)
    reply = await client.get("/devices")
    assert (reply.status, reply.headers["Retry-After"]) == (429, "7")
    assert reply.body == {"result": 0, "error": "Too many requests", "id": 429}
    sim.add_http_error(502, route=DATA_ROUTE, device_id=HUMIDITY, error="Bad gateway!")
    assert refused(await client.get(f"/device/{HUMIDITY}/data"), 502, 502) == (
        "Bad gateway!"
    )
    data(await client.get(f"/device/{TEMPERATURE}/data"))
    assert refused(await client.get(f"/device/{HUMIDITY}/data"), 502, 502)
    sim.clear_faults()
    data(await client.get(f"/device/{HUMIDITY}/data"))
    sim.add_http_error(403, method="DELETE", times=2)
    refused(await client.delete(f"/device/{PIR}"), 403, 403)
    data(await client.get(f"/device/{PIR}"))
    refused(await client.delete(f"/device/{PIR}/callback"), 403, 403)
    refused(await client.delete(f"/device/{PIR}/callback"), 404, 404)
    with pytest.raises(ValueError, match="status"):
        sim.add_http_error(42)


async def test_rejection(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.add_rejection(route=DEVICES_ROUTE, times=1)
    assert refused(await client.get("/devices"), 500) == "Internal server error"
    sim.add_rejection("Device not found", code=404, route=HEARTBEAT_ROUTE, times=1)
    assert refused(await client.get(f"/device/{LED}/heartbeat"), 404) == (
        "Device not found"
    )
    sim.add_rejection("Sorry", code=0, device_id=LED)
    assert refused(await client.put(f"/device/{LED}", {"DA": "00FF00"}), 0) == "Sorry"
    data(await client.get(f"/device/{PIR}"))


async def test_not_an_api(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.add_html_page(times=1)
    reply = await client.get("/devices")
    assert (reply.status, reply.content_type) == (200, "text/html")
    assert b"<html>" in reply.raw
    data(await client.get("/devices"))
    sim.add_html_page(route=None, status=404, times=1)
    reply = await client.get(f"/device/{LED}")
    assert (reply.status, reply.content_type) == (404, "text/html")
    assert b"<title>404 Not Found</title>" in reply.raw
    sim.add_fault(FaultKind.HTML_ERROR, route=DEVICES_ROUTE, times=1)
    reply = await client.get("/devices")
    assert (reply.status, reply.content_type) == (502, "text/html")
    # A JSON answer that is no envelope.
    sim.add_fault(FaultKind.MISSING_FIELDS, route=DEVICES_ROUTE, times=1)
    reply = await client.get("/devices")
    assert reply.body == {
        "result": 1,
        "error": None,
        "id": 0,
        "data": {guid: {} for guid in ALL},
    }


async def test_garbage(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.add_garbage(route=DEVICES_ROUTE, times=1)
    sim.add_fault(FaultKind.MALFORMED_JSON, route=HEARTBEAT_ROUTE, times=1)
    for path in ("/devices", f"/device/{LED}/heartbeat"):
        reply = await client.get(path)
        assert (reply.status, reply.content_type) == (200, "application/json")
        with pytest.raises(ValueError):
            reply.body
    data(await client.get("/devices"))


async def test_faults_come_before_the_token(
    client: Ninja, sim: NinjaBlocksSimulator
) -> None:
    sim.add_http_error(500, times=1)
    assert (await client.request("GET", "/devices", token=None)).status == 500
    sim.add_fault(FaultKind.HTTP_503, times=1)
    assert (await client.request("GET", "/devices", token=None)).status == 503
    assert (await client.request("GET", "/devices", token=None)).status == 401


async def test_rewriting_faults(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.add_fault(FaultKind.WRONG_TYPES, route=HEARTBEAT_ROUTE, times=1)
    beat = await client.ok(f"/device/{TEMPERATURE}/heartbeat")
    assert (beat["DA"], beat["timestamp"], beat["GUID"], beat["D"]) == (
        "abc",
        "abc",
        TEMPERATURE,
        31,
    )
    sim.add_fault(FaultKind.DATA_NULL, route=DEVICES_ROUTE, times=1)
    assert await client.ok("/devices") is None
    sim.add_fault(FaultKind.MISSING_FIELDS, route=DEVICES_ROUTE, times=1, value=KEEP_ID)
    listing = await client.ok("/devices")
    assert listing[LED] == {
        "device_type": "rgbled",
        "did": "1000",
        "gid": "0",
        "node": "ASTEALTHYNODE01",
        "vid": "0",
    }
    sim.add_fault(FaultKind.OUT_OF_RANGE, route=HEARTBEAT_ROUTE, times=1, value=-999)
    beat = await client.ok(f"/device/{HUMIDITY}/heartbeat")
    assert beat["DA"] == -999
    # Data-less answers and failures pass untouched.
    sim.add_fault(FaultKind.WRONG_TYPES, route=DEVICE_ROUTE, method="PUT", times=1)
    done(await client.put(f"/device/{LED}", {"DA": "000000"}))


async def test_latency_and_timeout(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.latency = 0.05
    loop = asyncio.get_running_loop()
    started = loop.time()
    data(await client.get("/devices"))
    assert loop.time() - started >= 0.05
    sim.latency = 0
    sim.add_fault(FaultKind.TIMEOUT, route=DEVICES_ROUTE, times=1, timeout_seconds=5)
    with pytest.raises(asyncio.TimeoutError):
        async with client.session.get(
            f"{client.url}/rest/v0/devices",
            params={"user_access_token": sim.token},
            timeout=ClientTimeout(total=0.1),
        ):
            pass
    data(await client.get("/devices"))


async def test_request_counter(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    await client.get("/devices")
    await client.get("/devices")
    await client.get(f"/device/{LED}/heartbeat")
    await client.get(f"/device/{PIR}/heartbeat")
    await client.request("GET", "/devices", token="wrong")
    await client.request(
        "POST",
        f"/device/{WEBHOOK}/subdevice/{DINNER_BELL}/tickle/{DINNER_BELL_TOKEN}",
        token=None,
    )
    assert sim.total_requests == 6
    assert sim.request_counts == {
        f"GET {DEVICES_ROUTE}": 3,
        f"GET {HEARTBEAT_ROUTE}": 2,
        f"POST {TICKLE_ROUTE}": 1,
    }
    assert sim.count("GET", HEARTBEAT_ROUTE, device_id=PIR) == 1
    assert sim.requests[0].query == {"user_access_token": sim.token}
    sim.reset_requests()
    assert sim.total_requests == 0


async def test_snapshot(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    reply = await client.get(f"/camera/{WEBCAM}/snapshot")
    assert (reply.status, reply.content_type) == (200, "image/jpeg")
    assert reply.raw == JPEG_BYTES
    assert reply.raw.startswith(b"\xff\xd8")
    assert reply.headers["Server"] == "MJPG-Streamer/0.2"
    assert "no-cache" in reply.headers["Cache-Control"]
    assert refused(await client.get(f"/camera/{LED}/snapshot"), 404, 404)
    refused(await client.get("/camera/NOPE_0_0_1004/snapshot"), 404, 404)
    sim.add_http_error(503, route=SNAPSHOT_ROUTE, times=1)
    assert (await client.get(f"/camera/{WEBCAM}/snapshot")).status == 503
