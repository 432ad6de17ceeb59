"""Tests of the Instathings simulator's injected HTTP faults."""

from __future__ import annotations

import asyncio

from aiohttp import ClientOSError, ClientTimeout, ServerDisconnectedError
import pytest

from simulator.core import KEEP_ID, FaultKind
from simulator.instathings import InstathingsSimulator

from . import ALL_DEVICES, CLIMATE, LAMP, PLUG, VIRTUAL, Insta

DEVICES = "/device/v1/devices"
DATA = "/device/v1/devices/{device_id}/data"
TOKEN = "/authentication/v1/oauth/token"


async def test_429_with_retry_after(client: Insta, sim: InstathingsSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_429, route=DEVICES, times=1, retry_after=12)
    reply = await client.get(DEVICES)
    assert reply.status == 429
    assert reply.headers["Retry-After"] == "12"
    assert reply.body == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Rate limit exceeded",
    }
    assert (await client.get(DEVICES)).status == 200


async def test_token_endpoint_faults(client: Insta, sim: InstathingsSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_429, route=TOKEN, times=1, retry_after=None)
    reply = await client.sign_in(sim.client_id, sim.client_secret)
    assert reply.status == 429
    assert "Retry-After" not in reply.headers
    sim.add_fault(FaultKind.HTTP_503, route=TOKEN, times=1, retry_after=5)
    reply = await client.sign_in(sim.client_id, sim.client_secret)
    assert (reply.status, reply.content_type, reply.headers["Retry-After"]) == (
        503,
        "text/html",
        "5",
    )
    assert (await client.sign_in(sim.client_id, sim.client_secret)).status == 200


async def test_faults_come_before_auth(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.add_fault(FaultKind.HTTP_500, times=1)
    reply = await client.request("GET", DEVICES, token=None)
    assert reply.status == 500
    assert reply.body["statusCode"] == 500
    assert (await client.request("GET", DEVICES, token=None)).status == 401


async def test_answers_in_place_of_the_api(
    client: Insta, sim: InstathingsSimulator
) -> None:
    for kind, status, content_type in (
        (FaultKind.HTML_ERROR, 502, "text/html"),
        (FaultKind.HTTP_503, 503, "text/html"),
        (FaultKind.HTTP_401, 401, "application/json"),
        (FaultKind.MALFORMED_JSON, 200, "application/json"),
    ):
        sim.add_fault(kind, route=DEVICES, times=1)
        reply = await client.get(DEVICES)
        assert (reply.status, reply.content_type) == (status, content_type)
    with pytest.raises(ValueError):
        reply.body
    assert reply.raw.startswith(b'[{"projectId": "77JTOK6B"')


async def test_body_code_is_the_error_table(
    client: Insta, sim: InstathingsSimulator
) -> None:
    for code in (400, 403, 404, 405, 406, None):
        sim.add_fault(FaultKind.BODY_CODE, route=DEVICES, times=1, code=code)
        reply = await client.get(DEVICES)
        assert reply.status == (code or 500)
        assert reply.body["statusCode"] == (code or 500)


async def test_timeout(client: Insta, sim: InstathingsSimulator) -> None:
    sim.add_fault(FaultKind.TIMEOUT, route=DEVICES, times=1, timeout_seconds=5)
    with pytest.raises(asyncio.TimeoutError):
        async with client.session.get(
            f"{client.url}{DEVICES}",
            headers={"Authorization": f"Bearer {client.token}"},
            timeout=ClientTimeout(total=0.2),
        ):
            pass
    assert (await client.get(DEVICES)).status == 200


async def test_connection_reset(client: Insta, sim: InstathingsSimulator) -> None:
    # a POST, as aiohttp retries an idempotent request once after a reset
    route = "/device/v1/control/{device_id}/set"
    sim.add_fault(FaultKind.CONNECTION_RESET, route=route, times=1)
    with pytest.raises((ClientOSError, ServerDisconnectedError)):
        await client.post(f"/device/v1/control/{LAMP}/set", {"state": "OFF"})
    assert sim.device(LAMP).state["state"] == "ON"  # the API never saw it


async def test_huge_body(client: Insta, sim: InstathingsSimulator) -> None:
    sim.add_fault(FaultKind.HUGE_BODY, route=DEVICES, times=1, size=100_000)
    reply = await client.get(DEVICES)
    assert reply.status == 200
    assert len(reply.raw) == 100_000


async def test_per_device_faults(client: Insta, sim: InstathingsSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_500, device_id=CLIMATE)
    assert (await client.get(f"/device/v1/devices/{CLIMATE}/data")).status == 500
    assert (await client.get(f"/device/v1/devices/{CLIMATE}")).status == 500
    assert (await client.post(f"/device/v1/control/{CLIMATE}/set", {})).status == 500
    assert (await client.get(f"/device/v1/devices/{LAMP}/data")).status == 200
    assert (await client.get(DEVICES)).status == 200
    # The fetch of a status request counts as its device's.
    sim.clear_faults()
    reply = await client.post(f"/device/v1/control/{PLUG}/status")
    location = reply.headers["Location"]
    sim.add_fault(FaultKind.HTTP_503, device_id=PLUG, retry_after=3)
    fetched = await client.get(location)
    assert (fetched.status, fetched.headers["Retry-After"]) == (503, "3")
    # And the sub-device delete path, too.
    reply = await client.request("DELETE", f"/devices/x/subDevice/subDevices/{PLUG}")
    assert reply.status == 503


async def test_rewriting_faults(client: Insta, sim: InstathingsSimulator) -> None:
    sim.add_fault(FaultKind.MISSING_FIELDS, route=DEVICES, times=1)
    assert await client.ok(DEVICES) == [{}] * len(ALL_DEVICES)
    sim.add_fault(FaultKind.MISSING_FIELDS, route=DEVICES, times=1, value=KEEP_ID)
    devices = await client.ok(DEVICES)
    assert devices[1] == {
        "id": CLIMATE,
        "projectId": "77JTOK6B",
        "type": "01c2fd9f-fb3a-45cf-8be3-97e00b7510c6",
        "protocols": ["vRy6GTde"],
        "parentDevice": devices[0]["id"],
    }
    sim.add_fault(FaultKind.DATA_NULL, route=DATA, times=1)
    assert await client.ok(f"/device/v1/devices/{LAMP}/data") == {
        "data": None,
        "totalItems": 6,
    }
    sim.add_fault(FaultKind.WRONG_TYPES, route=DATA, times=1)
    record = (await client.ok(f"/device/v1/devices/{LAMP}/data"))["data"][0]
    assert record["deviceId"] == LAMP
    assert record["data"]["brightness"] == "abc"
    assert record["ts"] == "abc"
    sim.add_fault(FaultKind.OUT_OF_RANGE, route=DATA, times=1, value=-999)
    record = (await client.ok(f"/device/v1/devices/{CLIMATE}/data"))["data"][0]
    assert record["data"]["temperature"] == -999


async def test_device_list_faults(client: Insta, sim: InstathingsSimulator) -> None:
    sim.set_shapes(devices="data")
    sim.add_fault(FaultKind.EMPTY_LIST, times=1)
    assert await client.ok(DEVICES) == {"data": [], "totalItems": 8}
    sim.add_fault(FaultKind.DROP_DEVICE, value=LAMP, times=1)
    assert LAMP not in [d["id"] for d in (await client.ok(DEVICES))["data"]]
    sim.set_shapes(devices="list")
    sim.add_fault(FaultKind.MINIMAL_ENTRIES, times=1)
    assert (await client.ok(DEVICES))[-1] == {
        "projectId": "77JTOK6B",
        "id": VIRTUAL,
        "name": "Virtual sensor",
    }
    sim.add_fault(FaultKind.BAD_ENTRIES, times=1)
    devices = await client.ok(DEVICES)
    assert len(devices) == len(ALL_DEVICES) + 4
    assert devices[-2:] == ["not a device", None]
    # Route-bound faults leave other routes alone (and are not used up there).
    sim.add_fault(FaultKind.EMPTY_LIST, times=1)
    assert (await client.ok(f"/device/v1/devices/{LAMP}/data"))["totalItems"] == 6
    assert await client.ok(DEVICES) == []


async def test_latency(sim: InstathingsSimulator, client: Insta) -> None:
    sim.latency = 0.1
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await client.get(DEVICES)).status == 200
    assert loop.time() - started >= 0.1
