"""Plausible readings in model.py: ranges, moments and ``drop_implausible``."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, fields
from datetime import UTC, datetime, timedelta, timezone
import math
from typing import Any

import pytest

from custom_components.petsmart_hub import model
from custom_components.petsmart_hub.model import (
    PLAUSIBLE_RANGES,
    PLAUSIBLE_SPAN,
    STATE_HOLDERS,
    Action,
    Device,
    DeviceKind,
    Feature,
    Feed,
    FeederState,
    Location,
    Quantity,
    SoilSensorState,
    TrackerState,
    Water,
    drop_implausible,
    plausible,
    plausible_moment,
    quantity_of,
    reading,
    to_minutes,
)

NOON = datetime(2025, 6, 2, 12, tzinfo=UTC)


def device(kind: DeviceKind = DeviceKind.FEEDER, **kwargs: Any) -> Device:
    return Device(id="d1", kind=kind, name="D", manufacturer="M", **kwargs)


# --- plausible / plausible_moment ------------------------------------------------------


def test_every_quantity_has_a_range() -> None:
    assert set(PLAUSIBLE_RANGES) == set(Quantity)
    for low, high in PLAUSIBLE_RANGES.values():
        assert low < high


@pytest.mark.parametrize(
    ("value", "quantity", "expected"),
    [
        (0, Quantity.PERCENT, True),
        (100, Quantity.PERCENT, True),  # bounds are inclusive
        (55.5, Quantity.PERCENT, True),
        (-0.1, Quantity.PERCENT, False),
        (100.1, Quantity.PERCENT, False),
        (7, Quantity.PH, True),
        (14.5, Quantity.PH, False),
        (-50, Quantity.TEMPERATURE, True),
        (-50.1, Quantity.TEMPERATURE, False),
        (100, Quantity.TEMPERATURE, True),
        (200_000, Quantity.ILLUMINANCE, True),
        (200_001, Quantity.ILLUMINANCE, False),
        (-90, Quantity.LATITUDE, True),
        (90.0001, Quantity.LATITUDE, False),
        (-180, Quantity.LONGITUDE, True),
        (181, Quantity.LONGITUDE, False),
        (360, Quantity.HEADING, True),
        (-1, Quantity.HEADING, False),
        (-500, Quantity.ALTITUDE, True),
        (1_000_000, Quantity.COUNT, True),
        (1_000_001, Quantity.COUNT, False),
        (float("nan"), Quantity.PERCENT, False),
        (float("inf"), Quantity.COUNT, False),
        (float("-inf"), Quantity.TEMPERATURE, False),
        (True, Quantity.PERCENT, False),  # a bool is not a number here
        (False, Quantity.COUNT, False),
        ("50", Quantity.PERCENT, False),
        (None, Quantity.PERCENT, False),
        ([50], Quantity.PERCENT, False),
    ],
)
def test_plausible(value: Any, quantity: Quantity, expected: bool) -> None:
    assert plausible(value, quantity) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOON, True),
        (datetime(2000, 1, 1, tzinfo=UTC), True),  # the span's start is in it
        (datetime(2000, 1, 1, tzinfo=UTC) - timedelta(seconds=1), False),
        (datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC), True),
        (datetime(2100, 1, 1, tzinfo=UTC), False),  # its end is not
        (datetime(1970, 1, 1, tzinfo=UTC), False),  # epoch 0
        (datetime(1, 1, 1, tzinfo=UTC), False),
        (datetime(9999, 12, 31, tzinfo=UTC), False),
        (datetime(2025, 6, 2, 12), True),  # naive: taken as UTC
        (datetime(1999, 12, 31, 23), False),
    ],
)
def test_plausible_moment(moment: datetime, expected: bool) -> None:
    assert plausible_moment(moment) is expected


def test_plausible_moment_honours_the_offset() -> None:
    assert (
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2100, 1, 1, tzinfo=UTC),
    ) == PLAUSIBLE_SPAN
    plus_one = timezone(timedelta(hours=1))
    # 00:30 on 1 January 2000 at UTC+1 is still 1999 in UTC
    assert not plausible_moment(datetime(2000, 1, 1, 0, 30, tzinfo=plus_one))
    assert plausible_moment(datetime(2000, 1, 1, 1, 0, tzinfo=plus_one))
    # and 00:30 on 1 January 2100 at UTC+1 is still 2099
    assert plausible_moment(datetime(2100, 1, 1, 0, 30, tzinfo=plus_one))


def test_reading_fields_carry_their_quantity() -> None:
    @dataclass
    class Holder:
        level: float | None = reading(Quantity.PERCENT)
        word: str | None = None

    level, word = fields(Holder)
    assert quantity_of(level) is Quantity.PERCENT
    assert quantity_of(word) is None
    assert Holder().level is None  # a reading defaults to unknown
    by_name = {spec.name: quantity_of(spec) for spec in fields(FeederState)}
    assert by_name["food_level"] is Quantity.PERCENT
    assert by_name["food_remaining"] is Quantity.MASS
    assert by_name["last_feed"] is None
    assert by_name["food_low"] is None
    latitude = next(spec for spec in fields(Location) if spec.name == "latitude")
    assert quantity_of(latitude) is Quantity.LATITUDE


# --- drop_implausible ------------------------------------------------------------------


def test_plausible_device_is_left_alone() -> None:
    feeder = device(
        battery=50,
        last_report=NOON,
        feeder=FeederState(food_level=40, feeds_today=3, last_feed=NOON),
    )
    before = Device(
        **{spec.name: getattr(feeder, spec.name) for spec in fields(feeder)}
    )
    assert drop_implausible(feeder) == []
    assert feeder == before
    assert feeder.battery == 50


def test_drop_implausible_nested_state_and_names() -> None:
    feeder = device(
        battery=150,
        feeder=FeederState(food_level=-5, capacity=2000, scheduled_feeds=3),
    )
    dropped = drop_implausible(feeder)
    assert dropped == [("battery", 150), ("feeder.food_level", -5)]
    assert feeder.battery is None
    assert feeder.feeder is not None
    assert feeder.feeder.food_level is None
    assert feeder.feeder.capacity == 2000  # the rest stays
    assert feeder.feeder.scheduled_feeds == 3
    assert drop_implausible(feeder) == []  # nothing left to drop


@pytest.mark.parametrize(
    ("latitude", "longitude", "bad"),
    [
        (95.0, 2.0, "latitude"),
        (-91.0, 2.0, "latitude"),
        (1.0, 181.0, "longitude"),
        (math.nan, 0.0, "latitude"),
        (1.0, math.inf, "longitude"),
    ],
)
def test_a_location_with_a_bad_coordinate_is_dropped_whole(
    latitude: float, longitude: float, bad: str
) -> None:
    fix = Location(latitude=latitude, longitude=longitude, accuracy=5, timestamp=NOON)
    tracker = device(
        DeviceKind.TRACKER, tracker=TrackerState(location=fix, last_seen=NOON)
    )
    ((name, value),) = drop_implausible(tracker)
    assert name == f"tracker.location.{bad}"
    assert value is getattr(fix, bad)
    assert tracker.tracker is not None
    assert tracker.tracker.location is None
    assert tracker.tracker.last_seen == NOON  # the tracker's own reading stays


def test_a_location_with_a_bad_optional_reading_keeps_its_position() -> None:
    fix = Location(
        latitude=1.5,
        longitude=2.5,
        accuracy=-1,
        altitude=20_000,
        speed=80,
        heading=400,
        timestamp=datetime(1970, 1, 1, tzinfo=UTC),
    )
    tracker = device(DeviceKind.TRACKER, tracker=TrackerState(location=fix))
    assert drop_implausible(tracker) == [
        ("tracker.location.accuracy", -1),
        ("tracker.location.altitude", 20_000),
        ("tracker.location.heading", 400),
        ("tracker.location.timestamp", datetime(1970, 1, 1, tzinfo=UTC)),
    ]
    assert tracker.tracker is not None
    assert tracker.tracker.location == Location(latitude=1.5, longitude=2.5, speed=80)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2100, 1, 1, tzinfo=UTC),
        datetime(9999, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1),
    ],
)
def test_moments_out_of_the_span_are_dropped(moment: datetime) -> None:
    feeder = device(
        last_report=moment,
        updated_at=NOON,
        feeder=FeederState(last_feed=moment, next_feed=NOON),
    )
    assert drop_implausible(feeder) == [
        ("last_report", moment),
        ("feeder.last_feed", moment),
    ]
    assert feeder.last_report is None
    assert feeder.updated_at == NOON
    assert feeder.feeder is not None
    assert feeder.feeder.last_feed is None
    assert feeder.feeder.next_feed == NOON


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, True, False, "50", [50], {"v": 50}]
)
def test_a_reading_that_is_not_a_finite_number_is_dropped(value: Any) -> None:
    sensor = device(
        DeviceKind.SOIL_SENSOR,
        battery=value,
        soil=SoilSensorState(moisture=value, temperature=20),
    )
    dropped = drop_implausible(sensor)
    assert [name for name, _ in dropped] == ["battery", "soil.moisture"]
    assert sensor.battery is None
    assert sensor.soil is not None
    assert sensor.soil.moisture is None
    assert sensor.soil.temperature == 20


def test_drop_implausible_on_a_state_holder_and_on_other_objects() -> None:
    soil = SoilSensorState(moisture=50, sunlight=250_000, temperature=-60)
    assert drop_implausible(soil) == [("sunlight", 250_000), ("temperature", -60)]
    assert soil == SoilSensorState(moisture=50)
    assert drop_implausible(SoilSensorState) == []  # a class, not a holder
    assert drop_implausible("text") == []
    assert drop_implausible(None) == []
    assert drop_implausible({"battery": 500}) == []


@pytest.mark.parametrize("kind", list(DeviceKind))
def test_a_fresh_device_of_every_kind_has_nothing_to_drop(kind: DeviceKind) -> None:
    fresh = device(kind)
    attr, cls = STATE_HOLDERS[kind]
    assert isinstance(getattr(fresh, attr), cls)
    assert drop_implausible(fresh) == []


def test_capabilities_are_per_device() -> None:
    """The vendor fills them in: a device built without any can do nothing."""
    assert device().actions == frozenset()
    assert device().features == frozenset()
    feeder = device(
        actions=frozenset({Action.FEED}), features=frozenset({Feature.LIVE_STREAM})
    )
    assert feeder.actions == {Action.FEED}
    assert feeder.features == {Feature.LIVE_STREAM}


@pytest.mark.parametrize("action", list(Action))
def test_one_command_per_action(action: Action) -> None:
    """Each action has its command class, named after it, in the Command union."""
    command = getattr(model, "".join(word.title() for word in action.split("_")))
    assert command.action is action
    assert command.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert "__slots__" in vars(command)
    assert all(spec.kw_only for spec in fields(command))
    assert "action" not in {spec.name for spec in fields(command)}  # a ClassVar
    assert command in model.Command.__value__.__args__


def test_commands_are_frozen_and_keyword_only() -> None:
    feed = Feed(amount=5)
    assert feed.action is Action.FEED
    with pytest.raises(FrozenInstanceError):
        feed.amount = 6  # type: ignore[misc]
    with pytest.raises(TypeError):
        Feed(5)  # type: ignore[misc]
    assert Water(duration_s=600).delay_s is None


def test_to_minutes_counts_a_part_minute_whole() -> None:
    assert [to_minutes(s) for s in (0, 1, 59, 60, 61, 600)] == [0, 1, 1, 1, 2, 10]


def test_name_reported_defaults_to_true() -> None:
    assert device().name_reported is True
    assert device(name_reported=False).name_reported is False
