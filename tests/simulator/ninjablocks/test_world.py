"""Tests of the Ninja Blocks simulator's world and its command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import re

from aiohttp import ClientSession
import pytest

from simulator.ninjablocks import (
    BLOCK_SPECS,
    DEFAULT_TOKEN,
    WEBHOOK_GUID,
    NinjaBlocksSimulator,
    Shapes,
    block_guids,
)

from .. import served
from . import ALL, BLOCK, DOOR_BELL, LED, RF, T0, T0_MS, Ninja


def test_default_world() -> None:
    sim = NinjaBlocksSimulator()
    assert list(sim.devices) == ALL
    assert sim.nodes == ["ASTEALTHYNODE01"]
    assert sim.token == DEFAULT_TOKEN
    assert list(block_guids().values()) == BLOCK
    assert len(BLOCK_SPECS) == len(BLOCK)


@pytest.mark.parametrize("options", [{"blocks": 3, "token": "t0k3n"}])
async def test_more_blocks(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    listing = await client.ok("/devices")
    assert len(listing) == 3 * len(BLOCK) + 1
    assert list(listing)[-1] == WEBHOOK_GUID
    assert "ASTEALTHYNODE03_0_0_11" in listing
    assert set(listing["ASTEALTHYNODE02_0_0_11"]["subDevices"]) == set(
        listing[RF]["subDevices"]
    )
    assert sim.nodes == ["ASTEALTHYNODE01", "ASTEALTHYNODE02", "ASTEALTHYNODE03"]
    added = sim.add_block()
    assert added[0].guid == "ASTEALTHYNODE04_0301_0_30"
    listing = await client.ok("/devices")
    assert list(listing)[-2:] == ["ASTEALTHYNODE04_0_0_1004", WEBHOOK_GUID]
    with pytest.raises(ValueError, match="exists"):
        sim.add_block("ASTEALTHYNODE02")


def test_no_blocks() -> None:
    sim = NinjaBlocksSimulator(blocks=0)
    assert list(sim.devices) == [WEBHOOK_GUID]
    with pytest.raises(ValueError, match="negative"):
        NinjaBlocksSimulator(blocks=-1)


def test_remove_device_and_report() -> None:
    sim = NinjaBlocksSimulator()
    sim.set_foreign_callback(LED, "http://x/y")
    sim.remove_device(LED)
    assert LED not in sim.devices
    assert sim.callback_url(LED) is None
    beat = sim.report(LED, "FF0000", datetime(2024, 1, 1, tzinfo=UTC))
    assert beat["timestamp"] == int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)
    assert sim.device(LED).short_name == "On Board RGB LED"


def test_clock_set_moves_the_world(sim: NinjaBlocksSimulator) -> None:
    stamp = sim.device(LED).last_data.timestamp  # type: ignore[union-attr]
    assert T0_MS - 30 * 60_000 < stamp < T0_MS
    bell = sim.subdevice(RF, DOOR_BELL).actuations[-1]
    sim.report(LED, "00FF00")
    sim.clock.set(T0 + timedelta(days=10))
    assert sim.device(LED).last_data.timestamp - stamp > 10 * 86_400_000 - 60_000  # type: ignore[union-attr]
    assert sim.subdevice(RF, DOOR_BELL).actuations[-1] - bell > 10 * 86_400_000 - 60_000
    assert sim.reports[0].timestamp > T0_MS + 10 * 86_400_000 - 60_000


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="callback_exists"):
        Shapes(callback_exists="410")
    assert Shapes().but(auth_error="200").auth_error == "200"


async def test_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "ninjablocks",
        "--port",
        "0",
        "--blocks",
        "2",
        "--token",
        "abc123",
        "--listing",
        "list",
        "--public-url",
        "https://ninja.example",
    ]
    async with served(argv, capsys) as lines, ClientSession() as session:
        base_url = lines["Base URL"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/rest/v0", base_url)
        assert lines["Token"].startswith("abc123")
        assert lines["Blocks"] == "ASTEALTHYNODE01, ASTEALTHYNODE02"
        assert lines["Tickle"].startswith(
            "https://ninja.example/rest/v0/device/WEBHOOK_0_0_108/subdevice/LA9EJ/tickle/"
        )
        ninja = Ninja(session, base_url.removesuffix("/rest/v0"), "abc123")
        listing = await ninja.ok("/devices")
        assert len(listing) == 2 * len(BLOCK) + 1
        assert listing[0]["guid"] == BLOCK[0]
