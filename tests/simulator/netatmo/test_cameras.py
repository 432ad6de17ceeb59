"""Tests of the Netatmo simulator's camera URLs: VPN, local, streams and switches."""

from __future__ import annotations

import pytest

from simulator.core import RunningSimulator
from simulator.media import JPEG_BYTES, TS_SEGMENT_BYTES
from simulator.netatmo import NetatmoSimulator

from . import CAM, HOME, NDB, NLG, NOC, Netatmo

PING_ROUTE = "/{via}/{camera_hash}/command/ping"


async def vpn_url(client: Netatmo, camera_id: str) -> str:
    """The VPN URL homestatus gives a camera."""
    modules = (await client.body("homestatus", home_id=HOME))["home"]["modules"]
    return next(m["vpn_url"] for m in modules if m["id"] == camera_id)


async def local_url(client: Netatmo, camera_id: str) -> str:
    """The local URL a camera's VPN ping gives."""
    ping = await client.request(
        "GET", f"{await vpn_url(client, camera_id)}/command/ping"
    )
    assert ping.status == 200
    url: str = ping.body["local_url"]
    return url


@pytest.mark.parametrize(
    ("camera_id", "product"),
    [
        (CAM, "Smart Indoor Camera"),
        (NOC, "Smart Outdoor Camera"),
        (NDB, "Smart Video Doorbell"),
    ],
)
async def test_ping(
    client: Netatmo,
    sim: NetatmoSimulator,
    running: RunningSimulator,
    camera_id: str,
    product: str,
) -> None:
    vpn = await vpn_url(client, camera_id)
    camera_hash = sim.module(camera_id).camera_hash
    assert vpn == f"{running.url}/vpn/{camera_hash}"
    ping = await client.request("GET", f"{vpn}/command/ping", token=None)
    assert ping.status == 200
    assert ping.body == {
        "local_url": f"{running.url}/local/{camera_hash}",
        "product_name": product,
    }
    local = await client.request("GET", f"{ping.body['local_url']}/command/ping")
    assert local.body == ping.body
    assert sim.count(route=PING_ROUTE, device_id=camera_id) == 2


async def test_streams_and_snapshots(client: Netatmo) -> None:
    vpn = await vpn_url(client, CAM)
    local = await local_url(client, CAM)
    for base, playlist in ((vpn, "index.m3u8"), (local, "index_local.m3u8")):
        for live in ("live", "live/files/high"):
            reply = await client.request("GET", f"{base}/{live}/{playlist}")
            assert reply.status == 200
            assert reply.content_type == "application/vnd.apple.mpegurl"
            text = reply.raw.decode()
            assert text.startswith("#EXTM3U")
            assert "segment0.ts" in text
            segment = await client.request("GET", f"{base}/{live}/segment0.ts")
            assert (segment.status, segment.raw) == (200, TS_SEGMENT_BYTES)
        snapshot = await client.request("GET", f"{base}/live/snapshot_720.jpg")
        assert (snapshot.status, snapshot.content_type) == (200, "image/jpeg")
        assert snapshot.raw == JPEG_BYTES
    # each URL has its own playlist name
    assert (await client.request("GET", f"{vpn}/live/index_local.m3u8")).status == 404
    assert (await client.request("GET", f"{local}/live/index.m3u8")).status == 404


async def test_unknown_camera_hash(client: Netatmo, running: RunningSimulator) -> None:
    reply = await client.request("GET", f"{running.url}/vpn/0123abcd/command/ping")
    assert reply.status == 404


async def test_local_url_unreachable(client: Netatmo, sim: NetatmoSimulator) -> None:
    vpn = await vpn_url(client, CAM)
    local = await local_url(client, CAM)
    sim.set_local_reachable(CAM)
    assert (await client.request("GET", f"{local}/command/ping")).status == 404
    assert (await client.request("GET", f"{local}/live/index_local.m3u8")).status == 404
    # the VPN still streams, and homestatus still says the camera is local
    assert (await client.request("GET", f"{vpn}/live/index.m3u8")).status == 200
    modules = (await client.body("homestatus", home_id=HOME))["home"]["modules"]
    assert modules[0]["is_local"] is True
    sim.set_local_reachable(CAM, True)
    assert (await client.request("GET", f"{local}/command/ping")).status == 200


async def test_local_url_times_out(client: Netatmo, sim: NetatmoSimulator) -> None:
    local = await local_url(client, CAM)
    sim.set_local_reachable(CAM, how="timeout")
    with pytest.raises(TimeoutError):
        await client.request("GET", f"{local}/command/ping", give_up=0.05)
    sim.camera_timeout = 0.01
    late = await client.request("GET", f"{local}/command/ping")
    assert late.status == 504


@pytest.mark.parametrize(("how", "status"), [("503", 503), ("404", 404)])
async def test_vpn_fails(
    client: Netatmo, sim: NetatmoSimulator, how: str, status: int
) -> None:
    vpn = await vpn_url(client, NOC)
    sim.set_vpn_reachable(NOC, how=how)
    assert (await client.request("GET", f"{vpn}/command/ping")).status == status
    assert (
        await client.request("GET", f"{vpn}/live/snapshot_720.jpg")
    ).status == status
    assert (await client.request("GET", f"{vpn}/live/segment1.ts")).status == status
    other = await vpn_url(client, CAM)
    assert (await client.request("GET", f"{other}/command/ping")).status == 200
    sim.set_vpn_reachable(NOC, True)
    assert (await client.request("GET", f"{vpn}/command/ping")).status == 200


async def test_vpn_times_out(client: Netatmo, sim: NetatmoSimulator) -> None:
    vpn = await vpn_url(client, CAM)
    sim.set_vpn_reachable(CAM, how="timeout")
    with pytest.raises(TimeoutError):
        await client.request("GET", f"{vpn}/live/index.m3u8", give_up=0.05)


async def test_an_offline_camera_fails_on_both_urls(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    vpn = await vpn_url(client, CAM)
    local = await local_url(client, CAM)
    sim.set_reachable(CAM, False)
    assert (await client.request("GET", f"{vpn}/command/ping")).status == 503
    assert (await client.request("GET", f"{local}/command/ping")).status == 404
    sim.set_reachable(CAM, True)
    assert (await client.request("GET", f"{vpn}/command/ping")).status == 200


def test_switches_are_checked(sim: NetatmoSimulator) -> None:
    with pytest.raises(ValueError, match="how"):
        sim.set_local_reachable(CAM, how="503")
    with pytest.raises(ValueError, match="how"):
        sim.set_vpn_reachable(CAM, how="slow")
    with pytest.raises(ValueError, match="not a camera"):
        sim.set_local_reachable(NLG)
    with pytest.raises(KeyError):
        sim.set_vpn_reachable("70:ee:50:99:99:99")
