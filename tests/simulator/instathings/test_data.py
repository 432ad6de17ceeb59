"""Tests of the Instathings simulator's data endpoint: pages, order, record shapes."""

from __future__ import annotations

from datetime import datetime, timedelta
import re

import pytest

from simulator.instathings import InstathingsSimulator

from . import CLIMATE, GATEWAY, LAMP, SHELLY, T0, VIRTUAL, Insta

T0_MS = int(T0.timestamp() * 1000)
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def near(stamp: str, moment: datetime) -> bool:
    """Whether an ISO time is within a second of `moment` (the clock runs on)."""
    return abs((datetime.fromisoformat(stamp) - moment).total_seconds()) < 1


def data_path(device_id: str) -> str:
    """The data endpoint of a device."""
    return f"/device/v1/devices/{device_id}/data"


async def test_cloud_record_shape(client: Insta, sim: InstathingsSimulator) -> None:
    body = await client.ok(data_path(CLIMATE))
    assert set(body) == {"data", "totalItems"}
    assert body["totalItems"] == 6
    record = body["data"][0]
    assert set(record) == {
        "ts",
        "deviceId",
        "data",
        "ttl",
        "principal",
        "id",
        "clientId",
    }
    assert record["deviceId"] == CLIMATE
    assert record["clientId"] == GATEWAY
    assert record["principal"] == sim.device(GATEWAY).certificate_id
    assert record["ttl"] == record["ts"] // 1000 + 86400
    assert re.fullmatch(r"[0-9a-f-]{36}", record["id"])
    # Newest first, ms, flat: the latest record is the current state.
    assert [r["ts"] for r in body["data"]] == sorted(
        (r["ts"] for r in body["data"]), reverse=True
    )
    assert record["ts"] == pytest.approx(T0_MS - 10 * 60 * 1000, abs=1000)
    assert record["data"] == sim.device(CLIMATE).state
    assert set(record["data"]) == {"temperature", "humidity", "battery", "linkquality"}


async def test_virtual_device_record(client: Insta) -> None:
    record = (await client.ok(data_path(VIRTUAL)))["data"][0]
    assert record["clientId"] == "N/A"
    assert record["data"]["isVirtualData"] is True
    assert isinstance(record["data"]["value"], int)


async def test_pagination(client: Insta, sim: InstathingsSimulator) -> None:
    for index in range(25):
        sim.report(LAMP, at=T0 + timedelta(seconds=index), brightness=index)
    first = await client.ok(data_path(LAMP))
    assert first["totalItems"] == 31
    assert len(first["data"]) == 10  # default perPage
    assert [r["data"]["brightness"] for r in first["data"]] == list(range(24, 14, -1))
    third = await client.ok(data_path(LAMP), page="3", perPage="10")
    assert [r["data"]["brightness"] for r in third["data"][:5]] == [4, 3, 2, 1, 0]
    assert len(third["data"]) == 10
    last = await client.ok(data_path(LAMP), page="4", perPage="10")
    assert len(last["data"]) == 1
    beyond = await client.ok(data_path(LAMP), page="9")
    assert beyond == {"data": [], "totalItems": 31}
    everything = await client.ok(data_path(LAMP), perPage="100")
    assert len(everything["data"]) == 31
    one = await client.ok(data_path(LAMP), perPage="1", sort="-ts")
    assert one["data"][0]["data"] == {"brightness": 24}


BAD_QUERIES = [
    {"perPage": "0"},
    {"perPage": "101"},
    {"page": "0"},
    {"page": "one"},
    {"start": "yesterday"},
    {"sort": "name"},
    {"sort": "-value"},
]


async def test_bad_queries(client: Insta) -> None:
    for query in BAD_QUERIES:
        reply = await client.get(data_path(CLIMATE), **query)
        assert reply.status == 400, query
        assert reply.body["statusCode"] == 400


async def test_window(client: Insta, sim: InstathingsSimulator) -> None:
    for minute in range(5):
        sim.report(LAMP, at=T0 + timedelta(minutes=minute), brightness=minute)
    start = str(T0_MS + 60_000)
    end = str(T0_MS + 180_000)
    body = await client.ok(data_path(LAMP), start=start, end=end)
    assert body["totalItems"] == 3
    assert [r["data"]["brightness"] for r in body["data"]] == [3, 2, 1]
    assert (await client.ok(data_path(LAMP), start=str(T0_MS + 240_001)))[
        "totalItems"
    ] == 0
    assert (await client.ok(data_path(LAMP), end=str(T0_MS - 1)))["totalItems"] == 6


async def test_sort(client: Insta) -> None:
    for sort in ("ts", "+ts"):
        body = await client.ok(data_path(CLIMATE), sort=sort)
        stamps = [r["ts"] for r in body["data"]]
        assert stamps == sorted(stamps), sort
    # A "+" sent unencoded arrives as a space.
    reply = await client.get(f"{data_path(CLIMATE)}?sort=+ts")
    stamps = [r["ts"] for r in reply.body["data"]]
    assert stamps == sorted(stamps)
    body = await client.ok(data_path(CLIMATE), sort="-ts")
    stamps = [r["ts"] for r in body["data"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_shape_switches(client: Insta, sim: InstathingsSimulator) -> None:
    sim.set_shapes(data_order="oldest", data_ts="iso", data_record="enveloped")
    body = await client.ok(data_path(CLIMATE))
    record = body["data"][0]
    assert ISO.fullmatch(record["ts"])
    assert near(record["ts"], T0 - timedelta(minutes=60))
    assert set(record["data"]) == {"type", "message"}
    assert record["data"]["type"] == "data"
    assert set(record["data"]["message"]["data"]) >= {"temperature", "humidity"}
    assert "clientId" in record  # the cloud's fields stay


async def test_units_and_colors(client: Insta, sim: InstathingsSimulator) -> None:
    sim.set_shapes(values="units")
    record = (await client.ok(data_path(CLIMATE)))["data"][0]
    state = sim.device(CLIMATE).state
    assert record["data"]["temperature"] == {
        "value": state["temperature"],
        "unit": "°C",
    }
    assert record["data"]["humidity"] == {"value": state["humidity"], "unit": "%"}
    assert record["data"]["linkquality"] == state["linkquality"]
    sim.set_shapes(values="plain", color="rgb")
    lamp = (await client.ok(data_path(LAMP)))["data"][0]["data"]
    assert set(lamp["color"]) == {"r", "g", "b"}
    assert all(0 <= lamp["color"][c] <= 255 for c in "rgb")
    assert max(lamp["color"].values()) == 255
    sim.set_shapes(color="hex")
    lamp = (await client.ok(data_path(LAMP)))["data"][0]["data"]
    assert re.fullmatch(r"#[0-9a-f]{6}", lamp["color"]["hex"])
    with pytest.raises(ValueError, match="color must be one of"):
        sim.set_shapes(color="hsv")


async def test_shelly_records_are_its_status(client: Insta) -> None:
    data = (await client.ok(data_path(SHELLY)))["data"][0]["data"]
    assert data["relays"][0]["ison"] is False
    assert set(data["meters"][0]) >= {"power", "total"}
    assert {"temperature", "overtemperature", "fs_free", "uptime"} <= set(data)


async def test_report_shows_in_data(client: Insta, sim: InstathingsSimulator) -> None:
    record = sim.report(CLIMATE, temperature=26.5)
    body = await client.ok(data_path(CLIMATE), perPage="1")
    assert body["data"][0]["data"] == {"temperature": 26.5}
    assert body["data"][0]["id"] == record.record_id
    assert sim.device(CLIMATE).state["temperature"] == 26.5
    # Without values: the whole state.
    sim.report(CLIMATE)
    latest = (await client.ok(data_path(CLIMATE), perPage="1"))["data"][0]["data"]
    assert latest == sim.device(CLIMATE).state
    assert (await client.ok(f"/device/v1/devices/{GATEWAY}"))["stats"][
        "ingestion"
    ] == 38


@pytest.mark.parametrize("options", [{"on_premise": True}])
async def test_on_premise_records(client: Insta, sim: InstathingsSimulator) -> None:
    body = await client.ok(data_path(SHELLY), page="1", perPage="1")
    assert body["totalItems"] == 6
    record = body["data"][0]
    assert set(record) == {"_id", "data", "deviceId", "ts"}
    assert re.fullmatch(r"[0-9a-f]{24}", record["_id"])
    assert ISO.fullmatch(record["ts"])
    # Oldest first by default on premise.
    assert near(record["ts"], T0 - timedelta(minutes=60))
    assert record["data"]["type"] == "data"
    shelly = record["data"]["message"]["data"]
    assert shelly["relays"][0]["ison"] is False
    newest = await client.ok(data_path(SHELLY), page="1", perPage="1", sort="-ts")
    assert near(newest["data"][0]["ts"], T0 - timedelta(minutes=10))
    # The mode's defaults can be switched too.
    sim.set_shapes(data_ts="ms", data_record="flat", data_order="newest")
    record = (await client.ok(data_path(SHELLY), perPage="1"))["data"][0]
    assert record["ts"] == pytest.approx(T0_MS - 600_000, abs=1000)
    assert "relays" in record["data"]
