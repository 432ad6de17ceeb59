"""Tests of the Ninja Blocks simulator's history: device data and sub-device counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
import math
import statistics

import pytest

from simulator.ninjablocks import NinjaBlocksSimulator

from . import (
    DISTANCE,
    DOOR_BELL,
    DOOR_BELL_CODE,
    HEAT_LAMP,
    HUMIDITY,
    LED,
    LIGHT,
    RF,
    T0,
    T0_MS,
    TEMPERATURE,
    Ninja,
    data,
    refused,
)

HOUR = 3_600_000
STEP = 600_000


def stamp(at: datetime) -> str:
    """Milliseconds since the epoch, as a query parameter."""
    return str(int(at.timestamp() * 1000))


async def test_raw_points(client: Ninja) -> None:
    points = await client.ok(
        f"/device/{TEMPERATURE}/data", **{"from": str(T0_MS - HOUR), "to": str(T0_MS)}
    )
    assert [p["t"] for p in points] == [
        f"2024-06-15T09:{minute:02d}:00.000+0000" for minute in range(0, 60, 10)
    ] + ["2024-06-15T10:00:00.000+0000"]
    for p in points:
        assert 15 < p["v"] < 28
    # The same query answers the same; another device has its own wave.
    again = await client.ok(
        f"/device/{TEMPERATURE}/data", **{"from": str(T0_MS - HOUR), "to": str(T0_MS)}
    )
    assert again == points
    for guid, low, high in ((HUMIDITY, 35, 75), (LIGHT, 0, 600), (DISTANCE, 80, 160)):
        values = [
            p["v"]
            for p in await client.ok(
                f"/device/{guid}/data", **{"from": str(T0_MS - 86_400_000)}
            )
        ]
        assert len(values) > 100
        assert all(low <= v <= high and isinstance(v, int) for v in values), guid


async def test_default_window_is_a_week(client: Ninja) -> None:
    # The clock has run a little past T0: the sample a week before T0 is out.
    points = await client.ok(f"/device/{TEMPERATURE}/data")
    assert len(points) == 7 * 144
    assert points[0]["t"] == "2024-06-08T10:10:00.000+0000"
    assert points[-1]["t"] == "2024-06-15T10:00:00.000+0000"


async def test_the_docs_query(client: Ninja) -> None:
    """fn=mean&interval=1day with no range: a week of daily means at midnight UTC."""
    points = await client.ok(f"/device/{TEMPERATURE}/data", fn="mean", interval="1day")
    assert [p["t"] for p in points] == [
        f"2024-06-{day:02d}T00:00:00.000+0000" for day in range(8, 16)
    ]
    assert all(18 < p["v"] < 25 for p in points)


@pytest.mark.parametrize("fn", ["mean", "sum", "min", "max", "stddev", "ss", "count"])
async def test_folds(client: Ninja, fn: str) -> None:
    window = {"from": str(T0_MS - 6 * HOUR), "to": str(T0_MS - 1)}
    raw = await client.ok(f"/device/{TEMPERATURE}/data", **window)
    folded = await client.ok(
        f"/device/{TEMPERATURE}/data", interval="2hour", fn=fn, **window
    )
    assert [p["t"] for p in folded] == [
        "2024-06-15T04:00:00.000+0000",
        "2024-06-15T06:00:00.000+0000",
        "2024-06-15T08:00:00.000+0000",
    ]
    folds: dict[str, Callable[[list[float]], float]] = {
        "mean": statistics.fmean,
        "sum": math.fsum,
        "min": min,
        "max": max,
        "stddev": statistics.pstdev,
        "ss": lambda values: math.fsum(v * v for v in values),
        "count": len,
    }
    expected = folds[fn]
    for index, p in enumerate(folded):
        values = [float(r["v"]) for r in raw[index * 12 : index * 12 + 12]]
        assert p["v"] == pytest.approx(expected(values))


async def test_calendar_intervals(client: Ninja) -> None:
    start = stamp(datetime(2024, 1, 1, tzinfo=UTC))
    months = await client.ok(
        f"/device/{HUMIDITY}/data", interval="1month", fn="count", **{"from": start}
    )
    assert [(p["t"][:10], p["v"]) for p in months] == [
        ("2024-01-01", 31 * 144),
        ("2024-02-01", 29 * 144),
        ("2024-03-01", 31 * 144),
        ("2024-04-01", 30 * 144),
        ("2024-05-01", 31 * 144),
        ("2024-06-01", 14 * 144 + 61),
    ]
    quarters = await client.ok(
        f"/device/{HUMIDITY}/data", interval="3month", fn="count", **{"from": start}
    )
    assert [p["t"][:10] for p in quarters] == ["2024-01-01", "2024-04-01"]
    years = await client.ok(
        f"/device/{HUMIDITY}/data",
        interval="1year",
        fn="max",
        **{"from": stamp(datetime(2023, 9, 1, tzinfo=UTC))},
    )
    assert [p["t"] for p in years] == [
        "2023-01-01T00:00:00.000+0000",
        "2024-01-01T00:00:00.000+0000",
    ]


async def test_history_starts_400_days_back(client: Ninja) -> None:
    points = await client.ok(
        f"/device/{TEMPERATURE}/data", interval="1year", fn="count", **{"from": "0"}
    )
    assert sum(p["v"] for p in points) == 400 * 144 + 1
    future = await client.ok(
        f"/device/{TEMPERATURE}/data",
        **{"from": str(T0_MS + HOUR), "to": str(T0_MS + 2 * HOUR)},
    )
    assert future == []


async def test_reports_join_the_history(
    client: Ninja, sim: NinjaBlocksSimulator
) -> None:
    sim.report(TEMPERATURE, 30.5, T0_MS - 5 * 60_000)
    sim.report(TEMPERATURE, "not a number", T0_MS - 4 * 60_000)
    points = await client.ok(
        f"/device/{TEMPERATURE}/data",
        **{"from": str(T0_MS - STEP), "to": str(T0_MS)},
    )
    assert [p["t"][11:19] for p in points] == ["09:50:00", "09:55:00", "10:00:00"]
    assert points[1]["v"] == 30.5


async def test_time_shapes(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.set_shapes(data_time="ms")
    points = await client.ok(
        f"/device/{TEMPERATURE}/data", **{"from": str(T0_MS - STEP), "to": str(T0_MS)}
    )
    assert [p["t"] for p in points] == [T0_MS - STEP, T0_MS]


async def test_huge_intervals(client: Ninja) -> None:
    for unit in ("min", "day", "month", "year"):
        points = await client.ok(
            f"/device/{TEMPERATURE}/data", interval=f"99999999999{unit}", fn="count"
        )
        assert [p["v"] for p in points] == [7 * 144], unit


async def test_no_time_series(client: Ninja) -> None:
    assert await client.ok(f"/device/{LED}/data", interval="1day") == []
    refused(await client.get("/device/NOPE_0_0_1/data"), 404, 404)


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"interval": "1week"}, "interval"),
        ({"interval": "0day"}, "interval"),
        ({"interval": "day"}, "interval"),
        ({"interval": "1Day"}, "interval"),
        ({"interval": "1.5hour"}, "interval"),
        ({"interval": "1day", "fn": "median"}, "fn"),
        ({"fn": "avg"}, "fn"),
        ({"from": "yesterday"}, "from"),
        ({"to": "-5"}, "to"),
        ({"from": "nan"}, "from"),
        ({"from": str(T0_MS), "to": str(T0_MS - 1)}, "after"),
        ({"to": "1e30"}, "to"),
    ],
)
async def test_query_validation(
    client: Ninja, params: dict[str, str], word: str
) -> None:
    error = refused(await client.get(f"/device/{TEMPERATURE}/data", **params))
    assert word in error


async def test_subdevice_counts(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    path = f"/device/{RF}/subdevice/{DOOR_BELL}/data"
    day = {"from": str(T0_MS - 86_400_000), "to": str(T0_MS)}
    (total,) = await client.ok(path, **day)
    assert total["t"] == "2024-06-14T10:00:00.000+0000"
    assert 0 <= total["v"] <= 6
    sim.report(RF, DOOR_BELL_CODE)
    sim.report(RF, DOOR_BELL_CODE)
    sim.report(RF, "0000")
    day["to"] = str(T0_MS + 60_000)
    (after,) = await client.ok(path, **day)
    assert after["v"] == total["v"] + 2
    minutes = await client.ok(path, interval="1min", **day)
    assert minutes[-1] == {"t": "2024-06-15T10:00:00.000+0000", "v": 2}
    assert sum(p["v"] for p in minutes) == after["v"]
    # The doc's example: no range, counts per minute; fn is not a parameter here.
    data(await client.get(path, interval="1min", fn="whatever"))
    refused(await client.get(path, interval="1fortnight"))
    refused(await client.get(f"/device/{RF}/subdevice/nope1/data"), 404, 404)
    # Transmitting the heat lamp's code counts as its actuation.
    lamp = f"/device/{RF}/subdevice/{HEAT_LAMP}/data"
    (before,) = await client.ok(lamp, **day)
    await client.put(f"/device/{RF}", {"DA": sim.subdevice(RF, HEAT_LAMP).data})
    (now,) = await client.ok(lamp, **day)
    assert now["v"] == before["v"] + 1
    assert sim.clock.now() >= T0
