"""Tests of what OneNata devices do by themselves as the simulator clock moves.

Scheduled meals, litter box visits, the end of cleanings and play sessions,
geo-fence crossings and photos of their own: what a pet owner's automations
react to, through the API and the webhook.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
import io
from typing import Any

import pytest

from simulator.media import JPEG_BYTES
from simulator.onenata import OneNataSimulator
from simulator.onenata.devices import distance_meters

from .. import Api, serve_hook
from .test_webhooks import Receiver, register

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)  # a Monday; meals at 08, 12, 18 UTC

FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
TRACKER = "gps_tracker_001"
CAMERA = "camera_001"
LITTER = "litterbox_001"
TOY = "smart_toy_001"

STATUS_CHANGED = "device.status.changed"


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(hour: int, minute: int = 0, day: int = 15) -> datetime:
    """A moment of January 2024, UTC."""
    return datetime(2024, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def sim() -> OneNataSimulator:
    """A simulator whose clock stands at 2024-01-15T10:30:00Z."""
    sim = OneNataSimulator()
    sim.clock.set(T0)
    return sim


@pytest.fixture
async def hooked(api: Api) -> AsyncGenerator[Receiver]:
    """A receiver registered for every event."""
    receiver = Receiver()
    async with serve_hook(receiver.handle) as url:
        receiver.url = url
        await register(api, url)
        yield receiver


def received(receiver: Receiver, event: str, device_id: str) -> list[dict[str, Any]]:
    """The data of every `event` the receiver got for `device_id`."""
    return [
        body["data"]
        for body in receiver.received
        if body["event"] == event and body["data"]["deviceId"] == device_id
    ]


async def feeder(api: Api) -> dict[str, Any]:
    """The feeder's status object."""
    status: dict[str, Any] = (await api.status(FEEDER))["status"]
    return status


async def set_schedule(
    api: Api, meals: list[dict[str, Any]], timezone: str = "UTC"
) -> None:
    reply = await api.command(FEEDER, "setSchedule", schedule=meals, timezone=timezone)
    assert reply.status == 200, reply.body


# --- scheduled meals ------------------------------------------------------------------------


async def test_a_meal_is_served_at_its_local_time(
    api: Api, sim: OneNataSimulator
) -> None:
    # 12:15 in Kolkata is 06:45 UTC
    await set_schedule(api, [{"time": "12:15", "amount": 45}], "Asia/Kolkata")
    sim.clock.set(at(6, 44))
    assert (await feeder(api))["feedCount"] == 0
    sim.clock.advance(60)
    status = await feeder(api)
    assert status["lastFeedTime"] == "2024-01-15T06:45:00Z"
    assert status["feedCount"] == 1
    assert status["nextScheduledFeed"] == "2024-01-16T06:45:00Z"
    device = sim.devices[FEEDER]
    assert device.food_grams == 1200 - 45
    assert device.feed_log[-1] == (at(6, 45), 45)
    level = (await api.get(f"/devices/{FEEDER}/food-level")).data
    assert level["currentLevel"] == 1155


async def test_every_meal_of_a_long_jump_is_served(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.clock.advance(24 * 3600)  # 12:00, 18:00 and tomorrow's 08:00
    device = sim.devices[FEEDER]
    assert device.feed_log == [(at(12), 40), (at(18), 60), (at(8, day=16), 60)]
    assert device.food_grams == 1200 - 160
    status = await feeder(api)
    assert status["lastFeedTime"] == "2024-01-16T08:00:00Z"
    assert status["feedCount"] == 1  # today's feeds: the count began again at 0:00
    assert status["nextScheduledFeed"] == "2024-01-16T12:00:00Z"


async def test_a_meal_takes_what_is_left(api: Api, sim: OneNataSimulator) -> None:
    sim.update_device(FEEDER, food_grams=25)
    sim.clock.advance(2 * 3600)  # 12:00: 40 g asked
    device = sim.devices[FEEDER]
    assert (device.food_grams, device.feed_log[-1]) == (0, (at(12), 25))
    sim.clock.advance(6 * 3600)  # 18:00: nothing left, but the feeder tried
    status = await feeder(api)
    assert (status["foodLevel"], status["feedCount"]) == (0, 2)
    assert status["lastFeedTime"] == "2024-01-15T18:00:00Z"


async def test_meals_before_the_device_or_the_schedule_are_not_served(
    api: Api, sim: OneNataSimulator
) -> None:
    added = sim.add_device("feedingMachine")  # at 10:30, after the 08:00 meal
    await set_schedule(api, [{"time": "09:00", "amount": 30}])  # 09:00 is past
    sim.clock.advance(3600)
    assert sim.devices[FEEDER].feed_log == []
    assert added.feed_log == []
    sim.clock.advance(3600)  # 12:30: the new device's 12:00 meal
    assert added.feed_log == [(at(12), 40)]
    assert sim.devices[FEEDER].feed_log == []


async def test_a_schedule_set_at_759_serves_its_8_oclock_meal(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.clock.set(at(7, 59))
    await set_schedule(api, [{"time": "08:00", "amount": 60}])
    sim.clock.advance(61)
    assert sim.devices[FEEDER].feed_log == [(at(8), 60)]
    assert (await feeder(api))["lastFeedTime"] == "2024-01-15T08:00:00Z"


async def test_setting_the_clock_moves_the_world_and_serves_nothing(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.clock.set(T0 + timedelta(days=3))
    assert sim.devices[FEEDER].feed_log == []
    sim.clock.advance(2 * 3600)
    assert sim.devices[FEEDER].feed_log == [(at(12, day=18), 40)]


async def test_a_clock_moved_back_serves_no_meal_twice(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.clock.advance(2 * 3600)
    sim.clock.advance(-2 * 3600)
    sim.clock.advance(2 * 3600)
    assert sim.devices[FEEDER].feed_log == [(at(12), 40)]


async def test_a_jammed_feeder_misses_its_meals(
    api: Api, sim: OneNataSimulator
) -> None:
    before = await feeder(api)
    sim.update_device(FEEDER, jammed=True)
    sim.clock.advance(2 * 3600)
    status = await feeder(api)
    assert status["lastFeedTime"] == before["lastFeedTime"]
    assert (status["feedCount"], status["foodLevel"]) == (0, 60)
    assert sim.devices[FEEDER].feed_log == []
    assert status["nextScheduledFeed"] == "2024-01-15T18:00:00Z"
    sim.update_device(FEEDER, jammed=False)
    sim.clock.advance(6 * 3600)
    assert sim.devices[FEEDER].feed_log == [(at(18), 60)]


async def test_an_offline_feeder_misses_its_meals(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.set_online(FEEDER, False)
    sim.clock.advance(2 * 3600)
    sim.set_online(FEEDER, True)
    status = await feeder(api)
    assert status["feedCount"] == 0
    assert status["foodLevel"] == 60
    assert sim.devices[FEEDER].feed_log == []
    sim.clock.advance(6 * 3600)
    assert sim.devices[FEEDER].feed_log == [(at(18), 60)]


async def test_a_paused_schedule_serves_nothing(
    api: Api, sim: OneNataSimulator
) -> None:
    await api.command(FEEDER, "pauseSchedule")
    sim.clock.advance(2 * 3600)  # 12:30
    assert sim.devices[FEEDER].feed_log == []
    resumed = (await api.command(FEEDER, "pauseSchedule", paused=False)).data
    assert resumed["nextScheduledFeed"] == "2024-01-15T18:00:00Z"  # 12:00 is gone
    sim.clock.advance(6 * 3600)
    assert sim.devices[FEEDER].feed_log == [(at(18), 60)]


async def test_disabled_meals_are_not_served(api: Api, sim: OneNataSimulator) -> None:
    await set_schedule(
        api,
        [
            {"time": "11:00", "amount": 30, "enabled": False},
            {"time": "11:30", "amount": 20},
        ],
    )
    sim.clock.advance(2 * 3600)
    assert sim.devices[FEEDER].feed_log == [(at(11, 30), 20)]


async def test_feed_count_starts_again_at_local_midnight(
    api: Api, sim: OneNataSimulator
) -> None:
    await set_schedule(api, [], "America/New_York")
    sim.clock.set(at(4, 30))  # 23:30 in New York
    await api.command(FEEDER, "feed", amount=10)
    await api.command(FEEDER, "feed", amount=10)
    assert (await feeder(api))["feedCount"] == 2
    sim.clock.advance(45 * 60)  # 00:15 in New York
    assert (await feeder(api))["feedCount"] == 0
    assert sim.devices[FEEDER].feed_count == 0
    await api.command(FEEDER, "feed", amount=10)
    assert (await feeder(api))["feedCount"] == 1


async def test_a_served_meal_is_pushed_with_its_last_feed_time(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    sim.clock.advance(90 * 60)  # 12:00
    await sim.deliveries_idle()
    [data] = received(hooked, STATUS_CHANGED, FEEDER)
    status = data["status"]["status"]
    assert status["lastFeedTime"] == "2024-01-15T12:00:00Z"
    assert (status["feedCount"], status["foodLevel"]) == (1, 58)
    assert status["nextScheduledFeed"] == "2024-01-15T18:00:00Z"


async def test_a_missed_meal_pushes_nothing_about_feeding(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    before = (await feeder(api))["lastFeedTime"]
    sim.update_device(FEEDER, jammed=True)
    sim.clock.advance(60 * 60)  # 11:30
    await sim.deliveries_idle()
    hooked.received.clear()
    sim.clock.advance(60 * 60)  # 12:30: the 12:00 meal is missed
    await sim.deliveries_idle()
    [data] = received(hooked, STATUS_CHANGED, FEEDER)  # the next feed moved on
    status = data["status"]["status"]
    assert status["lastFeedTime"] == before
    assert status["nextScheduledFeed"] == "2024-01-15T18:00:00Z"
    assert (status["feedCount"], status["foodLevel"]) == (0, 60)


# --- litter box visits ----------------------------------------------------------------------


async def test_a_visit_counts_in_the_usage_stats(
    api: Api, sim: OneNataSimulator
) -> None:
    path = f"/devices/{LITTER}/usage-stats"
    week, day = (await api.get(path)).data, (await api.get(path, period="24h")).data
    sim.visit(LITTER, seconds=600)
    week_after = (await api.get(path)).data
    day_after = (await api.get(path, period="24h")).data
    assert week_after["totalVisits"] == week["totalVisits"] + 1
    assert day_after["totalVisits"] == day["totalVisits"] + 1
    assert week_after["averageDuration"] > week["averageDuration"]
    assert day_after["averageDuration"] > week_after["averageDuration"]
    usual = sim.devices[LITTER].visit_seconds
    baseline = day["totalVisits"]
    assert day_after["averageDuration"] == round(
        (baseline * usual + 600) / (baseline + 1)
    )
    assert day_after["averageVisitsPerDay"] == day["averageVisitsPerDay"] + 1
    assert week_after["averageVisitsPerDay"] == week["averageVisitsPerDay"]
    assert (await api.command(LITTER, "getUsageStats")).data == week_after

    sim.clock.advance(2 * 86400)  # out of the last 24 hours, still in the week
    assert (await api.get(path, period="24h")).data["totalVisits"] == baseline
    assert (await api.get(path)).data["totalVisits"] == week["totalVisits"] + 1


async def test_a_visit_shows_in_the_status_and_is_pushed(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    before = (await api.status(LITTER))["status"]["lastVisit"]
    assert datetime.fromisoformat(before) < T0  # the usual visits' newest
    sim.clock.advance(5)
    await sim.deliveries_idle()
    hooked.received.clear()
    sim.visit(LITTER)
    await sim.deliveries_idle()
    [data] = received(hooked, STATUS_CHANGED, LITTER)
    assert data["status"]["status"]["lastVisit"] == "2024-01-15T10:30:05Z"
    assert data["status"] == await api.status(LITTER)
    [(when, seconds)] = sim.devices[LITTER].visit_log
    assert (iso(when), seconds) == ("2024-01-15T10:30:05Z", 180)


@pytest.mark.parametrize(
    ("device_id", "seconds", "error"),
    [
        (FEEDER, 180, ValueError),
        (LITTER, 0, ValueError),
        (LITTER, 1.5, ValueError),
        (LITTER, True, ValueError),
        ("nope", 180, KeyError),
    ],
)
def test_bad_visits_are_refused(
    sim: OneNataSimulator, device_id: str, seconds: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        sim.visit(device_id, seconds)


# --- fountain: cleaning and filter ----------------------------------------------------------


async def test_the_end_of_a_cleaning_is_pushed(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    await api.command(FOUNTAIN, "startClean", duration=300)
    await sim.deliveries_idle()
    [started] = received(hooked, STATUS_CHANGED, FOUNTAIN)
    assert started["status"]["status"]["cleaning"] is True
    sim.clock.advance(299)
    await sim.deliveries_idle()
    assert len(received(hooked, STATUS_CHANGED, FOUNTAIN)) == 1
    sim.clock.advance(2)
    await sim.deliveries_idle()
    ended = received(hooked, STATUS_CHANGED, FOUNTAIN)[1]["status"]["status"]
    assert ended["cleaning"] is False
    assert ended["lastMaintenance"] == "2024-01-15T10:35:00Z"


async def test_an_aging_filter(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    async def filter_now() -> tuple[str, int]:
        status = (await api.status(FOUNTAIN))["status"]
        quality = (await api.get(f"/devices/{FOUNTAIN}/water-quality")).data
        return status["filterStatus"], quality["filterLifeRemaining"]

    sim.update_device(FOUNTAIN, filter_replaced=T0 - timedelta(days=9))
    assert await filter_now() == ("good", 85)  # 9 days of 60
    sim.age_filter(FOUNTAIN, 34)
    assert await filter_now() == ("replace_soon", 28)
    sim.age_filter(FOUNTAIN, 11)
    assert await filter_now() == ("replace_soon", 10)
    sim.age_filter(FOUNTAIN, 1)
    assert await filter_now() == ("replace", 8)
    await sim.deliveries_idle()
    alerts = received(hooked, "device.alert", FOUNTAIN)
    assert [alert["alert"]["type"] for alert in alerts] == ["filterReplace"]
    statuses = received(hooked, STATUS_CHANGED, FOUNTAIN)
    assert [data["status"]["status"]["filterStatus"] for data in statuses] == [
        "replace_soon",
        "replace",
    ]
    await api.command(FOUNTAIN, "replaceFilter")
    assert await filter_now() == ("good", 100)
    with pytest.raises(ValueError):
        sim.age_filter(FEEDER, 1)


# --- toy: the end of a play session ---------------------------------------------------------


async def test_the_end_of_a_play_session_is_pushed(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    before = (await api.status(TOY))["status"]
    assert before["lastSessionDuration"] == sim.devices[TOY].session_minutes * 60
    await api.command(TOY, "startPlay", duration=90)
    sim.clock.advance(91)
    await sim.deliveries_idle()
    started, ended = received(hooked, STATUS_CHANGED, TOY)
    assert started["status"]["status"]["playing"] is True
    status = ended["status"]["status"]
    assert status["playing"] is False
    assert status["lastPlaySession"] == "2024-01-15T10:31:30Z"
    assert status["lastSessionDuration"] == 90
    assert ended["status"] == await api.status(TOY)


async def test_a_training_session_is_a_play_session(
    api: Api, sim: OneNataSimulator
) -> None:
    await api.command(TOY, "startTraining", skill="sit", duration=45)
    sim.clock.advance(60)
    status = (await api.status(TOY))["status"]
    assert (status["lastSessionDuration"], status["playing"]) == (45, False)


# --- tracker: geo-fences --------------------------------------------------------------------


async def here(api: Api) -> tuple[float, float]:
    fix = (await api.get(f"/devices/{TRACKER}/location")).data
    return fix["latitude"], fix["longitude"]


async def set_fence(api: Api, center: tuple[float, float], **parameters: Any) -> str:
    reply = await api.command(
        TRACKER,
        "setFence",
        latitude=center[0],
        longitude=center[1],
        **{"radius": 200, "name": "Home", "alertOnEntry": True, **parameters},
    )
    fence_id: str = reply.data["fenceId"]
    return fence_id


def fence_alerts(status: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (alert["type"], alert["message"], alert["fenceName"])
        for alert in status["alerts"]
        if "fenceName" in alert
    ]


async def test_leaving_and_entering_a_fence_raise_alerts(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    home = await here(api)
    await set_fence(api, home)
    await sim.deliveries_idle()
    assert received(hooked, "device.alert", TRACKER) == []  # inside from the start

    sim.clock.advance(7)
    sim.move_tracker(TRACKER, home[0] + 0.01, home[1])  # about 1.1 km north
    status = await api.status(TRACKER)
    assert fence_alerts(status) == [("geofenceExit", "Left Home", "Home")]
    [listed] = status["alerts"]
    assert listed == {
        "type": "geofenceExit",
        "severity": "warning",
        "message": "Left Home",
        "timestamp": "2024-01-15T10:30:00Z",  # the fix that showed it
        "fenceName": "Home",
    }
    sim.move_tracker(TRACKER, *home)
    sim.clock.advance(60)
    sim.move_tracker(TRACKER, home[0] + 0.01, home[1])
    await sim.deliveries_idle()
    alerts = [data["alert"] for data in received(hooked, "device.alert", TRACKER)]
    assert alerts == [
        {"type": "geofenceExit", "message": "Left Home", "fenceName": "Home"},
        {"type": "geofenceEntry", "message": "Entered Home", "fenceName": "Home"},
        {"type": "geofenceExit", "message": "Left Home", "fenceName": "Home"},
    ]
    status = await api.status(TRACKER)
    assert len(fence_alerts(status)) == 3
    assert received(hooked, STATUS_CHANGED, TRACKER)[-1]["status"] == status

    sim.clear_alerts(TRACKER, "geofenceExit")
    assert fence_alerts(await api.status(TRACKER)) == [
        ("geofenceEntry", "Entered Home", "Home")
    ]
    sim.clear_alerts(TRACKER)
    assert (await api.status(TRACKER))["alerts"] == []


async def test_a_fence_only_alerts_as_asked(api: Api, sim: OneNataSimulator) -> None:
    home = await here(api)
    await set_fence(api, home, name="Garden", alertOnExit=False)
    await set_fence(api, home, name="Street", alertOnEntry=False)
    await set_fence(api, home, name="Off", enabled=False)
    sim.move_tracker(TRACKER, home[0], home[1] + 0.02)
    assert fence_alerts(await api.status(TRACKER)) == [
        ("geofenceExit", "Left Street", "Street")
    ]
    sim.move_tracker(TRACKER, *home)
    assert fence_alerts(await api.status(TRACKER)) == [
        ("geofenceExit", "Left Street", "Street"),
        ("geofenceEntry", "Entered Garden", "Garden"),
    ]


async def test_a_moved_tracker_answers_where_it_was_put(
    api: Api, sim: OneNataSimulator
) -> None:
    wander = await here(api)
    sim.clock.advance(10)
    sim.move_tracker(TRACKER, 40.0, -73.5)
    fix = (await api.get(f"/devices/{TRACKER}/location")).data
    assert (fix["latitude"], fix["longitude"]) == (40.0, -73.5)
    assert (fix["speed"], fix["heading"], fix["timestamp"]) == (0.0, 0, iso(T0))
    sim.clock.advance(600)
    assert await here(api) == (40.0, -73.5)
    history = (
        await api.get(
            f"/devices/{TRACKER}/location/history",
            startDate="2024-01-15T10:25:00Z",
            interval="300",
        )
    ).data["locations"]
    assert [point["timestamp"] for point in history] == [
        "2024-01-15T10:25:00Z",
        "2024-01-15T10:30:00Z",
        "2024-01-15T10:35:00Z",
        "2024-01-15T10:40:00Z",
    ]
    assert [(p["latitude"], p["longitude"]) for p in history[1:]] == [(40.0, -73.5)] * 3
    assert (history[0]["latitude"], history[0]["longitude"]) != (40.0, -73.5)
    sim.move_tracker(TRACKER, None, None)
    again = await here(api)
    assert distance_meters(again, wander) < 500
    with pytest.raises(ValueError):
        sim.move_tracker(TRACKER, 40.0, None)
    with pytest.raises(ValueError):
        sim.move_tracker(TRACKER, 91.0, 0.0)
    with pytest.raises(ValueError):
        sim.move_tracker(FEEDER, 40.0, -73.5)


async def test_the_wandering_tracker_crosses_a_small_fence(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    home = await here(api)
    await set_fence(api, home, radius=10, name="Bowl", alertOnEntry=False)
    sim.clock.advance(3600)  # fixes every 30 s, each checked
    await sim.deliveries_idle()
    alerts = received(hooked, "device.alert", TRACKER)
    assert [data["alert"]["message"] for data in alerts] == ["Left Bowl"]
    [listed] = (await api.status(TRACKER))["alerts"]
    left = datetime.fromisoformat(listed["timestamp"])
    assert T0 < left <= T0 + timedelta(hours=1)
    assert left.second in (0, 30)


async def test_an_offline_tracker_reports_the_crossing_when_back(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    home = await here(api)
    await set_fence(api, home)
    sim.set_online(TRACKER, False)
    sim.clock.advance(40)
    sim.move_tracker(TRACKER, home[0] + 0.01, home[1])  # from the 10:30:30 fix
    sim.clock.advance(120)
    assert (await api.status(TRACKER))["alerts"] == []
    sim.set_online(TRACKER, True)
    sim.clock.advance(30)  # its first fix back: 10:33:00
    await sim.deliveries_idle()
    [data] = received(hooked, "device.alert", TRACKER)
    assert data["alert"]["type"] == "geofenceExit"
    [listed] = (await api.status(TRACKER))["alerts"]
    assert listed["timestamp"] == "2024-01-15T10:33:00Z"


# --- camera: photos of their own ------------------------------------------------------------


async def test_every_photo_has_bytes_of_its_own(api: Api) -> None:
    images = []
    for _ in range(2):
        photo = (await api.command(CAMERA, "takePhoto")).data
        for url in (photo["url"], photo["thumbnailUrl"]):
            reply = await api.request("GET", url, auth=None)
            assert (reply.status, reply.content_type) == (200, "image/jpeg")
            again = await api.request("GET", url, auth=None)
            assert again.raw == reply.raw  # the same photo stays the same
            images.append(reply.raw)
    live = (await api.get(f"/devices/{CAMERA}/stream")).data["thumbnailUrl"]
    images.append((await api.request("GET", live, auth=None)).raw)
    assert images[-1] == JPEG_BYTES
    assert len(set(images)) == 5
    image_module = pytest.importorskip("PIL.Image")
    for raw in images:
        assert (raw[:2], raw[-2:]) == (b"\xff\xd8", b"\xff\xd9")
        with image_module.open(io.BytesIO(raw)) as image:
            image.load()
            assert (image.format, image.size) == ("JPEG", (64, 48))
