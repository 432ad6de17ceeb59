"""OneNata's webhook events parsed into the neutral model (pure vendor code).

The doc's example first, then every shape the doc leaves open (see the
module docstring of ``vendors/onenata/webhook.py``), then malformed input.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.petsmart_hub.model import Device, DeviceKind, EventType
from custom_components.petsmart_hub.vendors.base import PushRejectedError
from custom_components.petsmart_hub.vendors.onenata import OneNataAccount, OneNataClient
from custom_components.petsmart_hub.vendors.onenata.account import apply_status
from custom_components.petsmart_hub.vendors.onenata.webhook import EVENTS, parse_event
from custom_components.petsmart_hub.vendors.parse import ParseReport

AT = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


def _feeder(device_id: str = "device_001") -> Device:
    device = Device(
        id=device_id,
        kind=DeviceKind.FEEDER,
        name="Bowl",
        manufacturer="OneNata",
        online=True,
        battery=90,
    )
    assert device.feeder is not None
    device.feeder.food_level = 60
    return device


def _parse(payload: Any, known: dict[str, Device] | None = None) -> Any:
    known = {"device_001": _feeder()} if known is None else known
    return parse_event(payload, known, ParseReport(), apply_status)


def test_the_docs_example() -> None:
    held = _feeder()
    known = {held.id: held}
    before = copy.deepcopy(held)
    pushed = parse_event(
        {
            "event": "device.status.changed",
            "timestamp": "2024-01-15T10:30:00Z",
            "data": {
                "deviceId": "device_001",
                "status": {"isOnline": True, "batteryLevel": 75, "temperature": 25.5},
            },
        },
        known,
        ParseReport(),
        apply_status,
    )
    (update,) = pushed.updates
    assert update.at == AT
    assert update.device.battery == 75
    assert update.device is not held
    assert held == before  # what we hold is never changed
    assert update.device.feeder is not None
    assert update.device.feeder.food_level == 60  # not in the event: kept
    assert not pushed.events
    assert EVENTS == ("device.status.changed", "device.offline", "device.alert")


@pytest.mark.parametrize(
    "data",
    [
        {"deviceId": "device_001", "batteryLevel": 40},  # readings at the top
        {"device_id": "device_001", "status": {"batteryLevel": 40}},
        {"id": "device_001", "status": {"batteryLevel": 40}},
    ],
)
def test_status_shapes_the_doc_leaves_open(data: dict[str, Any]) -> None:
    (update,) = _parse({"event": "device.status.changed", "data": data}).updates
    assert update.device.battery == 40
    assert update.at is None  # no timestamp: applied in arrival order


def test_the_device_id_at_the_top_level() -> None:
    pushed = _parse({"event": "device.offline", "deviceId": "device_001", "data": {}})
    assert pushed.updates[0].device.online is False


def test_kind_readings_of_a_status_change() -> None:
    pushed = _parse(
        {
            "event": "device.status.changed",
            "data": {"deviceId": "device_001", "status": {"foodLevel": 15}},
        }
    )
    feeder = pushed.updates[0].device.feeder
    assert feeder is not None
    assert feeder.food_level == 15


def test_an_implausible_reading_is_dropped_and_counted() -> None:
    report = ParseReport()
    pushed = parse_event(
        {
            "event": "device.status.changed",
            "data": {"deviceId": "device_001", "status": {"batteryLevel": 900}},
        },
        {"device_001": _feeder()},
        report,
        apply_status,
    )
    assert pushed.updates[0].device.battery is None
    assert report.as_dict()


def test_offline() -> None:
    (update,) = _parse(
        {
            "event": "device.offline",
            "timestamp": "2024-01-15T10:30:00Z",
            "data": {"deviceId": "device_001"},
        }
    ).updates
    assert update.device.online is False
    assert update.at == AT


@pytest.mark.parametrize(
    ("data", "alerts"),
    [
        (
            {"deviceId": "device_001", "alert": {"type": "food_low", "message": "Low"}},
            [{"type": "food_low", "message": "Low"}],
        ),
        (
            {"deviceId": "device_001", "alert": "jammed"},
            [{"type": "jammed", "message": "jammed"}],
        ),
        (
            {"deviceId": "device_001", "type": "filter", "message": "Replace it"},
            [{"type": "filter", "message": "Replace it"}],
        ),
        (
            {
                "deviceId": "device_001",
                "alerts": [
                    {"alertType": "a", "msg": "one"},
                    "b",
                    {"code": "c"},
                    {"description": "only words"},
                    {"other": 1},
                    7,
                ],
            },
            [
                {"type": "a", "message": "one"},
                {"type": "b", "message": "b"},
                {"type": "c", "message": "c"},
                {"type": "alert", "message": "only words"},
            ],
        ),
    ],
)
def test_alert_shapes(data: dict[str, Any], alerts: list[dict[str, str]]) -> None:
    pushed = _parse(
        {"event": "device.alert", "timestamp": "2024-01-15T10:30:00Z", "data": data}
    )
    assert not pushed.updates
    assert [event.data for event in pushed.events] == alerts
    assert {event.type for event in pushed.events} == {EventType.ALERT}
    assert {event.at for event in pushed.events} == {AT}
    assert {event.device_id for event in pushed.events} == {"device_001"}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([], "not_an_object"),
        ("device.offline", "not_an_object"),
        (
            {"event": "device.created", "data": {"deviceId": "device_001"}},
            "unknown_event",
        ),
        ({"data": {"deviceId": "device_001"}}, "unknown_event"),
        ({"event": "device.offline"}, "no_data"),
        ({"event": "device.offline", "data": []}, "no_data"),
        ({"event": "device.offline", "data": {}}, "no_device"),
        ({"event": "device.offline", "data": {"deviceId": "  "}}, "no_device"),
        ({"event": "device.alert", "data": {"deviceId": "device_001"}}, "no_alert"),
    ],
)
def test_what_is_refused(payload: Any, reason: str) -> None:
    with pytest.raises(PushRejectedError) as refused:
        _parse(payload)
    assert refused.value.reason == reason


@pytest.mark.parametrize("event", EVENTS)
def test_a_device_we_do_not_know_asks_for_the_list(event: str) -> None:
    """Never a device from a push alone: one just added comes from the list."""
    known = {"device_001": _feeder()}
    before = copy.deepcopy(known)
    pushed = _parse(
        {
            "event": event,
            "data": {
                "deviceId": "stranger",
                "status": {"batteryLevel": 50},
                "alert": {"type": "food_low", "message": "Food is running low"},
            },
        },
        known,
    )
    assert pushed.relist
    assert not pushed.updates
    assert not pushed.events
    assert not pushed.refresh
    assert not pushed.removed
    assert known == before


def test_a_status_change_of_nothing_we_show_asks_for_a_read() -> None:
    pushed = _parse(
        {
            "event": "device.status.changed",
            "data": {"deviceId": "device_001", "status": {"temperature": 25.5}},
        }
    )
    assert pushed.refresh == {"device_001"}
    assert not pushed.updates


@pytest.mark.parametrize("timestamp", ["yesterday", "9999-01-01T00:00:00Z", 12])
def test_an_unreadable_time_is_no_time(timestamp: Any) -> None:
    report = ParseReport()
    pushed = parse_event(
        {
            "event": "device.offline",
            "timestamp": timestamp,
            "data": {"deviceId": "device_001"},
        },
        {"device_001": _feeder()},
        report,
        apply_status,
    )
    assert pushed.updates[0].at is None
    assert report.as_dict()


def test_the_account_parses_and_judges_what_push_missed() -> None:
    account = OneNataAccount(OneNataClient(None, "k"))  # type: ignore[arg-type]
    held = _feeder()
    pushed = account.parse_webhook(
        {"event": "device.offline", "data": {"deviceId": held.id}}, {held.id: held}
    )
    assert pushed.updates[0].device.online is False
    same = copy.deepcopy(held)
    assert not account.push_missed(held, same)
    same.feeder.food_remaining = 10  # type: ignore[union-attr]  # slow tier: never pushed
    assert not account.push_missed(held, same)
    same.last_report = AT  # a check-in: OneNata pushes none
    assert not account.push_missed(held, same)
    same.alerts = ["food_low"]  # alerts come as device.alert events
    assert not account.push_missed(held, same)
    status = copy.deepcopy(held)
    status.battery = 10
    assert account.push_missed(held, status)
    kind = copy.deepcopy(held)
    kind.feeder.food_level = 1  # type: ignore[union-attr]
    assert account.push_missed(held, kind)
    other = Device(id=held.id, kind=DeviceKind.TOY, name="x", manufacturer="y")
    assert not account.push_missed(held, other)
    tracker = Device(id="t", kind=DeviceKind.TRACKER, name="t", manufacturer="y")
    seen = copy.deepcopy(tracker)
    seen.tracker.last_seen = AT  # type: ignore[union-attr]  # its check-in
    assert not account.push_missed(tracker, seen)
