"""OneNata's pet-owner fields: alerts, schedule pause, visits, play sessions.

The doc shows ``alerts`` only as an empty list and says nothing of a paused
schedule, a litter box's last visit or how long a play session lasted; every
documented and plausible shape is read (``apply_status``, the status of a
``device.status.changed`` webhook, ``device.alert``) and implausible values
are dropped and counted. Then the same through the simulator, end to end.
No Home Assistant.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.petsmart_hub.model import (
    Alert,
    Device,
    DeviceKind,
    EventType,
    FeedingSlot,
    PauseFeedingSchedule,
    SetFeedingSchedule,
    SetGeofence,
    StartPlay,
)
from custom_components.petsmart_hub.vendors.onenata import (
    OneNataAccount,
    OneNataClient,
    apply_status,
)
from custom_components.petsmart_hub.vendors.onenata.webhook import parse_event
from custom_components.petsmart_hub.vendors.parse import ParseReport, to_alerts
from simulator.core import RunningSimulator, start_server
from simulator.onenata import OneNataSimulator
from simulator.onenata.devices import DEVICE_KINDS

API_KEY = "vendor-test-key"
AT = datetime(2024, 1, 15, 10, 25, tzinfo=UTC)
# just after a round hour, as in test_onenata.py
NOW = datetime(2025, 6, 2, 10, 0, 1, tzinfo=UTC)

FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
TRACKER = "gps_tracker_001"
LITTER_BOX = "litterbox_001"
TOY = "smart_toy_001"


def make_device(kind: DeviceKind, device_id: str = "device_001") -> Device:
    return Device(id=device_id, kind=kind, name=device_id, manufacturer="OneNata")


def applied(
    kind: DeviceKind, data: dict[str, Any], report: ParseReport | None = None
) -> Device:
    """A fresh device of ``kind`` with a status answer applied."""
    device = make_device(kind)
    apply_status(device, data, report)
    return device


def pushed(
    held: Device, status: dict[str, Any], report: ParseReport | None = None
) -> Device:
    """What a ``device.status.changed`` carrying ``status`` makes of ``held``."""
    result = parse_event(
        {
            "event": "device.status.changed",
            "timestamp": "2024-01-15T10:30:00Z",
            "data": {"deviceId": held.id, "status": status},
        },
        {held.id: held},
        report if report is not None else ParseReport(),
        apply_status,
    )
    (update,) = result.updates
    return update.device


# --- alerts: words and objects ----------------------------------------------------


SIM_FENCE_ALERT = {
    "type": "geofenceExit",
    "severity": "warning",
    "message": "Left Home Safe Zone",
    "timestamp": "2024-01-15T10:30:00Z",
    "fenceName": "Home Safe Zone",
}


@pytest.mark.parametrize(
    ("raw", "alerts"),
    [
        ([], []),  # the doc's
        (["lowFood"], [Alert(type="lowFood", message="lowFood")]),
        (
            ["  jammed  ", "", "   ", None, [], {}],
            [Alert(type="jammed", message="jammed")],
        ),
        (
            [
                {
                    "type": "lowFood",
                    "severity": "warning",
                    "message": "Food level is low, please refill",
                    "timestamp": "2024-01-15T10:30:00Z",
                }
            ],
            [Alert(type="lowFood", message="Food level is low, please refill")],
        ),
        (
            [SIM_FENCE_ALERT],
            [
                Alert(
                    type="geofenceExit",
                    message="Left Home Safe Zone",
                    zone="Home Safe Zone",
                )
            ],
        ),
        (
            [{"alertType": "geofenceEntry", "msg": "Entered Park", "fence": "Park"}],
            [Alert(type="geofenceEntry", message="Entered Park", zone="Park")],
        ),
        (
            [
                {
                    "code": "fence_exit",
                    "description": "Left the yard",
                    "zoneName": "Yard",
                }
            ],
            [Alert(type="fence_exit", message="Left the yard", zone="Yard")],
        ),
        (
            [{"name": "geofence", "text": " Left Home ", "zone": " Home "}],
            [Alert(type="geofence", message="Left Home", zone="Home")],
        ),
        (
            [{"type": "geofenceExit", "geofence": "Home"}],
            [Alert(type="geofenceExit", message="geofenceExit", zone="Home")],
        ),
        (
            [{"message": "Something is wrong"}],
            [Alert(type="alert", message="Something is wrong")],
        ),
        ([{"code": 1001, "msg": "Jammed"}], [Alert(type="1001", message="Jammed")]),
        (
            [{"type": "lowFood", "message": "Low", "fenceName": None}],
            [Alert(type="lowFood", message="Low")],
        ),
        # nothing to tell: left out, the others kept in their order
        (
            [{"severity": "info"}, "b", {"type": None, "message": None}, {"code": "c"}],
            [Alert(type="b", message="b"), Alert(type="c", message="c")],
        ),
    ],
)
def test_status_alert_shapes(raw: list[Any], alerts: list[Alert]) -> None:
    assert to_alerts(raw) == alerts
    device = applied(DeviceKind.TRACKER, {"isOnline": True, "alerts": raw})
    assert device.alerts == alerts
    # in a pushed status too
    held = applied(DeviceKind.TRACKER, {"isOnline": True})
    assert pushed(held, {"isOnline": True, "alerts": raw}).alerts == alerts


@pytest.mark.parametrize("raw", ["lowFood", None, {"type": "lowFood"}, 3])
def test_alerts_that_are_no_list_are_none(raw: Any) -> None:
    report = ParseReport()
    device = applied(DeviceKind.FEEDER, {"isOnline": True, "alerts": raw}, report)
    assert device.alerts == []
    assert report.rejected == {}


def test_alerts_left_out_are_kept() -> None:
    device = applied(DeviceKind.FEEDER, {"isOnline": True, "alerts": ["lowFood"]})
    apply_status(device, {"batteryLevel": 50})
    assert device.alerts == [Alert(type="lowFood", message="lowFood")]
    apply_status(device, {"batteryLevel": 50, "alerts": []})
    assert device.alerts == []


@pytest.mark.parametrize(
    ("alert", "data"),
    [
        (
            {"type": "lowFood", "message": "Food is low"},
            {"type": "lowFood", "message": "Food is low"},
        ),
        ("jammed", {"type": "jammed", "message": "jammed"}),
        (
            {"alertType": "geofenceExit", "msg": "Left Home Safe Zone"},
            {"type": "geofenceExit", "message": "Left Home Safe Zone"},
        ),
    ],
)
def test_a_pushed_alert(alert: Any, data: dict[str, str]) -> None:
    tracker = make_device(DeviceKind.TRACKER)
    result = parse_event(
        {
            "event": "device.alert",
            "timestamp": "2024-01-15T10:30:00Z",
            "data": {"deviceId": tracker.id, "alert": alert},
        },
        {tracker.id: tracker},
        ParseReport(),
        apply_status,
    )
    (event,) = result.events
    assert event.type is EventType.ALERT
    assert dict(event.data) == data


@pytest.mark.parametrize(
    ("alert", "data"),
    [
        (
            # what the simulator pushes for a fence crossed
            {"type": "geofenceExit", "message": "Left Home", "fenceName": "Home"},
            {"type": "geofenceExit", "message": "Left Home", "zone": "Home"},
        ),
        (
            {"alertType": "geofenceEntry", "msg": "Entered Park", "zoneName": "Park"},
            {"type": "geofenceEntry", "message": "Entered Park", "zone": "Park"},
        ),
        (
            {"name": "geofence", "text": "Left Home"},
            {"type": "geofence", "message": "Left Home"},
        ),
    ],
)
def test_a_pushed_alert_carries_what_a_polled_one_does(
    alert: dict[str, Any], data: dict[str, str]
) -> None:
    tracker = make_device(DeviceKind.TRACKER)
    result = parse_event(
        {"event": "device.alert", "data": {"deviceId": tracker.id, "alert": alert}},
        {tracker.id: tracker},
        ParseReport(),
        apply_status,
    )
    (event,) = result.events
    assert dict(event.data) == data


# --- a feeder's paused schedule -----------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "paused",
        "Paused",
        " PAUSED ",
        "pause",
        "suspended",
        "stopped",
        "disabled",
        "off",
    ],
)
def test_a_schedule_status_word_for_paused(word: str) -> None:
    device = applied(DeviceKind.FEEDER, {"status": {"scheduleStatus": word}})
    assert device.feeder is not None
    assert device.feeder.schedule_paused is True


@pytest.mark.parametrize(
    "word", ["active", "Active", "running", "enabled", "on", "resumed", "normal"]
)
def test_a_schedule_status_word_for_running(word: str) -> None:
    device = applied(DeviceKind.FEEDER, {"status": {"scheduleStatus": word}})
    assert device.feeder is not None
    assert device.feeder.schedule_paused is False


def test_an_inactive_schedule_is_paused() -> None:
    device = applied(DeviceKind.FEEDER, {"status": {"scheduleStatus": "inactive"}})
    assert device.feeder is not None
    assert device.feeder.schedule_paused is True


@pytest.mark.parametrize(
    ("data", "paused"),
    [
        ({"schedulePaused": True}, True),
        ({"schedulePaused": False}, False),
        ({"schedulePaused": 1}, True),
        ({"schedulePaused": 0}, False),
        ({"scheduleStatus": True}, True),
        ({"scheduleStatus": False}, False),
        # the word wins where both are sent
        ({"scheduleStatus": "active", "schedulePaused": True}, False),
        # at the top level (the validate answers' shape)
        ({"top": {"scheduleStatus": "paused"}}, True),
    ],
)
def test_a_schedule_paused_flag(data: dict[str, Any], paused: bool) -> None:
    answer = data.get("top", {"status": data})
    device = applied(DeviceKind.FEEDER, answer)
    assert device.feeder is not None
    assert device.feeder.schedule_paused is paused


@pytest.mark.parametrize(
    ("flag", "paused"), [("true", True), ("false", False), ("1", True), ("0", False)]
)
def test_a_schedule_paused_flag_sent_as_text(flag: str, paused: bool) -> None:
    device = applied(DeviceKind.FEEDER, {"status": {"schedulePaused": flag}})
    assert device.feeder is not None
    assert device.feeder.schedule_paused is paused


def test_an_unreadable_schedule_status_is_unknown_and_counted() -> None:
    report = ParseReport()
    device = applied(
        DeviceKind.FEEDER, {"status": {"scheduleStatus": "paused"}}, report
    )
    assert device.feeder is not None
    for value in ("sometimes", "", ["paused"], {"paused": True}):
        apply_status(device, {"status": {"scheduleStatus": value}}, report)
        assert device.feeder.schedule_paused is None
    assert report.rejected == {"feeder.schedule_paused": 4}
    # sent as null: unknown, not counted; left out: kept
    apply_status(device, {"status": {"scheduleStatus": "paused"}}, report)
    apply_status(device, {"status": {"feedCount": 1}}, report)
    assert device.feeder.schedule_paused is True
    apply_status(device, {"status": {"scheduleStatus": None}}, report)
    assert device.feeder.schedule_paused is None
    assert report.rejected == {"feeder.schedule_paused": 4}


def test_a_pushed_schedule_pause() -> None:
    held = applied(DeviceKind.FEEDER, {"status": {"scheduleStatus": "active"}})
    device = pushed(held, {"scheduleStatus": "paused"})
    assert device.feeder is not None
    assert device.feeder.schedule_paused is True
    assert held.feeder is not None
    assert held.feeder.schedule_paused is False  # what we hold is never changed


# --- a litter box's visits ---------------------------------------------------------


@pytest.mark.parametrize("key", ["lastVisit", "lastVisitTime", "lastUse", "lastUsed"])
@pytest.mark.parametrize(
    "value",
    [
        "2024-01-15T10:25:00Z",
        "2024-01-15T11:25:00+01:00",
        "2024-01-15T10:25:00",  # naive: UTC
        int(AT.timestamp()),
        int(AT.timestamp() * 1000),
        str(int(AT.timestamp())),
    ],
)
def test_a_last_visit_by_every_name_and_in_every_format(key: str, value: Any) -> None:
    device = applied(DeviceKind.LITTER_BOX, {"status": {key: value}})
    assert device.litter_box is not None
    assert device.litter_box.last_visit == AT
    assert pushed(device, {key: value}).litter_box.last_visit == AT  # type: ignore[union-attr]


def test_the_first_name_of_a_last_visit_wins() -> None:
    device = applied(
        DeviceKind.LITTER_BOX,
        {"status": {"lastUsed": "2020-01-01T00:00:00Z", "lastVisit": AT.isoformat()}},
    )
    assert device.litter_box is not None
    assert device.litter_box.last_visit == AT


@pytest.mark.parametrize("key", ["totalVisits", "visitCount"])
def test_a_visit_count_in_the_status_is_not_read(key: str) -> None:
    """The doc's totalVisits counts a period (usage statistics): a status's is not it."""
    device = applied(DeviceKind.LITTER_BOX, {"status": {key: 42, "litterLevel": 80}})
    assert device.litter_box is not None
    assert device.litter_box.visits is None


def test_unreadable_visit_fields_are_unknown_and_counted() -> None:
    report = ParseReport()
    device = applied(
        DeviceKind.LITTER_BOX,
        {"status": {"lastVisit": "yesterday", "litterLevel": 80}},
        report,
    )
    assert device.litter_box is not None
    assert device.litter_box.last_visit is None
    assert report.rejected == {"litter_box.last_visit": 1}


# --- a toy's last session ------------------------------------------------------------


@pytest.mark.parametrize("key", ["lastSessionDuration", "lastPlayDuration"])
@pytest.mark.parametrize(
    ("value", "seconds"), [(600, 600.0), ("600", 600.0), (599.5, 599.5), (0, 0.0)]
)
def test_a_last_session_duration(key: str, value: Any, seconds: float) -> None:
    device = applied(DeviceKind.TOY, {"status": {key: value}})
    assert device.toy is not None
    assert device.toy.last_session_duration == seconds
    assert pushed(device, {key: value}).toy.last_session_duration == seconds  # type: ignore[union-attr]


def test_an_unreadable_duration_is_unknown_and_counted() -> None:
    report = ParseReport()
    device = applied(
        DeviceKind.TOY, {"status": {"lastSessionDuration": "ten minutes"}}, report
    )
    assert device.toy is not None
    assert device.toy.last_session_duration is None
    assert report.rejected == {"toy.last_session_duration": 1}


# --- implausible values: dropped and counted --------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "field"),
    [
        (DeviceKind.TOY, {"lastSessionDuration": -5}, "toy.last_session_duration"),
        (DeviceKind.TOY, {"lastPlayDuration": -0.5}, "toy.last_session_duration"),
        # more than a week of play in one session
        (
            DeviceKind.TOY,
            {"lastSessionDuration": 8 * 24 * 3600},
            "toy.last_session_duration",
        ),
        (
            DeviceKind.LITTER_BOX,
            {"lastVisit": "1900-01-01T00:00:00Z"},
            "litter_box.last_visit",
        ),
        (
            DeviceKind.LITTER_BOX,
            {"lastVisitTime": "2150-01-01T00:00:00Z"},
            "litter_box.last_visit",
        ),
        (DeviceKind.LITTER_BOX, {"lastUse": 0}, "litter_box.last_visit"),  # 1970
    ],
)
def test_an_implausible_pushed_value_is_dropped_and_counted(
    kind: DeviceKind, status: dict[str, Any], field: str
) -> None:
    held = make_device(kind)
    report = ParseReport()
    device = pushed(held, {"isOnline": True, **status}, report)
    holder, name = field.split(".")
    assert getattr(getattr(device, holder), name) is None
    assert device.online is True  # the rest of the status is kept
    assert report.rejected == {field: 1}


# --- through the simulator: what the account reads ------------------------------------


@dataclass
class Cloud:
    sim: OneNataSimulator
    server: RunningSimulator
    account: OneNataAccount

    async def read(self, device_id: str, kind: DeviceKind, *, slow: bool) -> Device:
        return await self.account.async_read(make_device(kind, device_id), slow=slow)


@pytest.fixture
async def cloud(socket_enabled: None) -> AsyncGenerator[Cloud]:
    sim = OneNataSimulator(api_key=API_KEY, devices_per_kind=0)
    sim.clock.set(NOW)
    for kind in DEVICE_KINDS:
        sim.add_device(kind)
    server = await start_server(sim)
    async with aiohttp.ClientSession() as session:
        client = OneNataClient(session, API_KEY, f"{server.url}/v1")
        yield Cloud(sim, server, OneNataAccount(client))
    await server.close()


async def test_the_simulators_litter_box_visits(cloud: Cloud) -> None:
    sim = cloud.sim
    box = sim.devices[LITTER_BOX]
    device = await cloud.read(LITTER_BOX, DeviceKind.LITTER_BOX, slow=True)
    assert device.litter_box is not None
    assert device.litter_box.last_visit == box.last_visit
    baseline = device.litter_box.visits
    assert baseline == box.visits_per_day * 7

    sim.clock.advance(60)
    sim.visit(LITTER_BOX)
    status = await cloud.account.async_read(device, slow=False)
    assert status.litter_box is not None
    assert box.last_visit is not None
    assert status.litter_box.last_visit == box.last_visit.replace(microsecond=0)
    assert status.litter_box.visits == baseline  # the statistics are the slow tier's
    stats = await cloud.account.async_read(device, slow=True)
    assert stats.litter_box is not None
    assert stats.litter_box.visits == baseline + 1
    assert cloud.account.report.rejected == {}


async def test_the_simulators_play_sessions(cloud: Cloud) -> None:
    sim = cloud.sim
    toy = sim.devices[TOY]
    device = await cloud.read(TOY, DeviceKind.TOY, slow=False)
    assert device.toy is not None
    assert device.toy.last_session_duration == toy.session_minutes * 60

    await cloud.account.async_execute(device, StartPlay(duration_s=120))
    device = await cloud.account.async_read(device, slow=False)
    assert device.toy is not None
    assert device.toy.playing is True
    sim.clock.advance(121)
    device = await cloud.account.async_read(device, slow=False)
    assert device.toy is not None
    assert device.toy.playing is False
    assert device.toy.last_session_duration == 120
    assert toy.last_play_session is not None
    assert device.toy.last_play_session == toy.last_play_session.replace(microsecond=0)


async def test_the_simulators_schedule_pause(cloud: Cloud) -> None:
    device = await cloud.read(FEEDER, DeviceKind.FEEDER, slow=False)
    assert device.feeder is not None
    assert device.feeder.schedule_paused is False
    await cloud.account.async_execute(device, PauseFeedingSchedule())
    device = await cloud.account.async_read(device, slow=False)
    assert device.feeder is not None
    assert device.feeder.schedule_paused is True
    assert device.feeder.next_feed is None
    await cloud.account.async_execute(
        device,
        SetFeedingSchedule(slots=(FeedingSlot("08:00", 60),), timezone="UTC"),
    )
    device = await cloud.account.async_read(device, slow=False)
    assert device.feeder is not None
    assert device.feeder.schedule_paused is False


async def test_the_simulators_geofence_alerts(cloud: Cloud) -> None:
    sim = cloud.sim
    tracker = sim.devices[TRACKER]
    home = tracker.home
    device = await cloud.read(TRACKER, DeviceKind.TRACKER, slow=False)
    await cloud.account.async_execute(
        device,
        SetGeofence(
            latitude=home[0],
            longitude=home[1],
            radius=500,
            name="Home Safe Zone",
            alert_on_exit=True,
            alert_on_entry=True,
        ),
    )
    sim.move_tracker(TRACKER, home[0] + 0.1, home[1])  # about 11 km north
    device = await cloud.account.async_read(device, slow=False)
    assert (
        Alert(type="geofenceExit", message="Left Home Safe Zone", zone="Home Safe Zone")
        in device.alerts
    )
    sim.clock.advance(30)
    sim.move_tracker(TRACKER, home[0], home[1])
    device = await cloud.account.async_read(device, slow=False)
    assert [alert for alert in device.alerts if alert.zone] == [
        Alert(
            type="geofenceExit", message="Left Home Safe Zone", zone="Home Safe Zone"
        ),
        Alert(
            type="geofenceEntry",
            message="Entered Home Safe Zone",
            zone="Home Safe Zone",
        ),
    ]


async def test_the_simulators_filter_alert(cloud: Cloud) -> None:
    cloud.sim.age_filter(FOUNTAIN, 50)
    device = await cloud.read(FOUNTAIN, DeviceKind.FOUNTAIN, slow=True)
    assert device.fountain is not None
    assert device.fountain.filter_status == "replace"
    assert device.fountain.filter_life is not None
    assert device.fountain.filter_life < 10
    assert Alert(type="filterReplace", message="Filter needs replacement") in (
        device.alerts
    )


async def test_implausible_values_from_the_simulator_are_dropped(cloud: Cloud) -> None:
    sim = cloud.sim
    sim.update_device(LITTER_BOX, last_visit=datetime(1900, 1, 1, tzinfo=UTC))
    sim.update_device(TOY, last_session_seconds=-30)
    box = await cloud.read(LITTER_BOX, DeviceKind.LITTER_BOX, slow=False)
    toy = await cloud.read(TOY, DeviceKind.TOY, slow=False)
    assert box.litter_box is not None
    assert box.litter_box.last_visit is None
    assert box.litter_box.last_cleaned is not None  # the rest is read
    assert toy.toy is not None
    assert toy.toy.last_session_duration is None
    assert toy.toy.last_play_session is not None
    assert cloud.account.report.rejected == {
        "litter_box.last_visit": 1,
        "toy.last_session_duration": 1,
    }
    sim.update_device(TOY, last_session_seconds=900)
    sim.update_device(LITTER_BOX, last_visit=sim.clock.now() - timedelta(minutes=5))
    toy = await cloud.account.async_read(toy, slow=False)
    box = await cloud.account.async_read(box, slow=False)
    assert toy.toy is not None
    assert toy.toy.last_session_duration == 900
    assert box.litter_box is not None
    assert box.litter_box.last_visit is not None
