"""Netatmo's polled camera events (getevents, while push is not healthy).

The first poll after start fires nothing (history is not news) but sets each
camera's latest event; later polls fire what is newer, oldest first, once.
An outdoor camera's event fires its detections; person events move people
in and out of their home; a camera's own events change its state until
its home's next status read says better.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.petsmart_hub.model import EventType
from custom_components.petsmart_hub.vendors.base import Refresh, RefreshRequest
from custom_components.petsmart_hub.vendors.netatmo import (
    EVENTS_INTERVAL,
    STATUS_INTERVAL,
    NetatmoAccount,
)
from custom_components.petsmart_hub.vendors.netatmo.account import LATE_EVENTS

from .conftest import (
    ALICE,
    BOB,
    DOOR_TAG,
    DOORBELL,
    HOME,
    INDOOR,
    OUTDOOR,
    T0,
    Clock,
    Cloud,
    event,
    getevents,
    ok,
)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def poll(
    account: NetatmoAccount, cloud: Cloud, clock: Clock, *events: dict[str, Any]
) -> Refresh:
    """The next events poll, the cloud answering ``events`` (newest first)."""
    cloud.reply("getevents", ok(getevents(*events)))
    clock.advance(EVENTS_INTERVAL)
    return await account.async_refresh(RefreshRequest())


HISTORY = (
    event("e3", "movement", T0 - 60, INDOOR),
    event("e2", "animal", T0 - 3600, INDOOR, snapshot={"url": "https://img/e2"}),
    event("e1", "missed_call", T0 - 7200, DOORBELL),
)


async def test_the_first_poll_fires_nothing(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    cloud.reply("getevents", ok(getevents(*HISTORY)))

    refresh = await account.async_refresh(RefreshRequest())

    assert refresh.events == []
    indoor = refresh.devices[INDOOR].camera
    assert indoor is not None
    assert indoor.last_event is not None
    assert (indoor.last_event.id, indoor.last_event.type) == ("e3", EventType.MOVEMENT)
    assert indoor.last_event.at == at(T0 - 60)
    assert indoor.last_event.message == "movement seen"
    assert indoor.last_animal == at(T0 - 3600)
    doorbell = refresh.devices[DOORBELL].camera
    assert doorbell is not None
    assert doorbell.last_event is not None
    assert doorbell.last_event.type is EventType.CALL_MISSED


async def test_later_polls_fire_what_is_new_oldest_first(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    cloud.reply("getevents", ok(getevents(*HISTORY)))
    await account.async_refresh(RefreshRequest())

    refresh = await poll(
        account,
        cloud,
        clock,
        event("e5", "incoming_call", T0 + 50, DOORBELL),
        event("e4", "animal", T0 + 30, INDOOR, snapshot={"url": "https://img/e4"}),
        *HISTORY,
    )

    assert [(e.device_id, e.type, e.at) for e in refresh.events] == [
        (INDOOR, EventType.ANIMAL, at(T0 + 30)),
        (DOORBELL, EventType.DOORBELL, at(T0 + 50)),
    ]
    assert refresh.events[0].data == {
        "event_id": "e4",
        "message": "animal seen",
        "snapshot_url": "https://img/e4",
    }
    indoor = refresh.devices[INDOOR].camera
    assert indoor is not None
    assert indoor.last_animal == at(T0 + 30)
    assert indoor.last_event is not None
    assert indoor.last_event.snapshot_url == "https://img/e4"
    # the same page again: nothing new
    again = await poll(account, cloud, clock, event("e4", "animal", T0 + 30, INDOOR))
    assert again.events == []


async def test_an_event_listed_late_is_news_an_old_one_is_not(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    """An event is listed once its video is up: it may have begun before the last poll."""
    cloud.reply("getevents", ok(getevents(*HISTORY)))
    await account.async_refresh(RefreshRequest())  # at T0

    refresh = await poll(
        account,
        cloud,
        clock,
        event("late", "movement", T0 - 30),
        event("old", "movement", T0 - LATE_EVENTS.total_seconds() - 1),
    )

    assert [e.data["event_id"] for e in refresh.events] == ["late"]
    indoor = refresh.devices[INDOOR].camera
    assert indoor is not None
    assert indoor.last_event is not None
    assert indoor.last_event.id == "late"
    # listed late too: it fires, but never rolls the camera's latest back
    again = await poll(account, cloud, clock, event("older", "movement", T0 - 45))
    assert [e.data["event_id"] for e in again.events] == ["older"]
    camera = again.devices[INDOOR].camera
    assert camera is not None
    assert camera.last_event is not None
    assert camera.last_event.id == "late"


async def test_an_outdoor_event_fires_its_detections(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    outdoor = event(
        "o1",
        "outdoor",
        T0 + 10,
        OUTDOOR,
        subevents=[
            {
                "id": "s2",
                "type": "vehicle",
                "time": T0 + 20,
                "snapshot": {"url": "https://img/s2"},
                "message": "Vehicle seen",
            },
            {
                "id": "s1",
                "type": "animal",
                "time": T0 + 10,
                "snapshot": {"url": "https://img/s1"},
                "message": "Animal seen",
            },
            {"id": "s3", "type": "unknown_kind", "time": T0 + 25},
        ],
    )

    refresh = await poll(account, cloud, clock, outdoor)

    assert [(e.type, e.data["event_id"]) for e in refresh.events] == [
        (EventType.ANIMAL, "s1"),
        (EventType.VEHICLE, "s2"),
    ]
    camera = refresh.devices[OUTDOOR].camera
    assert camera is not None
    assert camera.last_event is not None
    assert (camera.last_event.type, camera.last_event.snapshot_url) == (
        EventType.VEHICLE,
        "https://img/s2",
    )
    assert camera.last_animal == at(T0 + 10)
    # a detection added to the same event later fires alone
    outdoor["subevents"].insert(
        0, {"id": "s4", "type": "human", "time": T0 + 70, "message": "Human seen"}
    )
    later = await poll(account, cloud, clock, outdoor)
    assert [(e.type, e.data["event_id"]) for e in later.events] == [
        (EventType.HUMAN, "s4")
    ]
    assert "snapshot_url" not in later.events[0].data  # none, not its parent's


async def test_an_outdoor_event_without_detections_is_a_movement(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())

    refresh = await poll(account, cloud, clock, event("o2", "outdoor", T0 + 5, OUTDOOR))

    assert [e.type for e in refresh.events] == [EventType.MOVEMENT]


@pytest.mark.parametrize(
    ("snapshot", "url"),
    [
        ({"url": "https://img/x"}, "https://img/x"),
        (
            {"id": "pic 1", "key": "k&y"},
            "/api/getcamerapicture?image_id=pic+1&key=k%26y",
        ),
        ({"filename": "vod/1/snapshot.jpg"}, "/vpn/indoor/vod/1/snapshot.jpg"),
        ({"id": "no key"}, None),
    ],
)
async def test_where_an_events_picture_is(
    account: NetatmoAccount,
    cloud: Cloud,
    clock: Clock,
    snapshot: dict[str, str],
    url: str | None,
) -> None:
    await account.async_refresh(RefreshRequest())

    refresh = await poll(
        account, cloud, clock, event("p", "movement", T0 + 5, snapshot=snapshot)
    )

    (fired,) = refresh.events
    if url is None:
        assert "snapshot_url" not in fired.data
    elif url.startswith("/"):
        assert fired.data["snapshot_url"] == f"{cloud.base_url}{url}"
    else:
        assert fired.data["snapshot_url"] == url


async def test_person_events_move_people_in_and_out(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())

    refresh = await poll(
        account,
        cloud,
        clock,
        event("p2", "person_away", T0 + 20, INDOOR, person_id=ALICE),
        event("p1", "person", T0 + 10, INDOOR, person_id=BOB),
        # listed late, older than the status read: it is news, but the
        # status says better who is home
        event("p0", "person_away", T0 - 10, INDOOR, person_id=BOB),
    )

    assert [(e.type, e.data.get("person")) for e in refresh.events] == [
        (EventType.PERSON_AWAY, "Bob"),
        (EventType.PERSON, "Bob"),
        (EventType.PERSON_AWAY, "Alice"),
    ]
    home = refresh.devices[HOME].home
    assert home is not None
    assert home.persons[BOB].at_home is True
    assert home.persons[BOB].last_seen == at(T0 + 10)
    assert home.persons[ALICE].at_home is False
    # the next status read (after the events) says who is home again
    clock.advance(STATUS_INTERVAL)
    status = await account.async_refresh(RefreshRequest())
    home = status.devices[HOME].home
    assert home is not None
    assert (home.persons[ALICE].at_home, home.persons[BOB].at_home) == (True, False)


async def test_an_unknown_face(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())

    refresh = await poll(
        account, cloud, clock, event("p", "person", T0 + 5, person_id="stranger")
    )

    assert refresh.events[0].data["person"] == "stranger"
    home = refresh.devices[HOME].home
    assert home is not None
    assert home.persons["stranger"].at_home is True
    assert home.persons["stranger"].name is None


async def test_a_cameras_own_events_change_it_until_the_next_status(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())

    refresh = await poll(
        account,
        cloud,
        clock,
        event("c3", "sd", T0 + 30, INDOOR, sub_type=5),
        event("c2", "alim", T0 + 25, INDOOR, sub_type=1),
        event("c1", "off", T0 + 20, INDOOR),
        event("c0", "disconnection", T0 + 10, OUTDOOR),
    )

    indoor, outdoor = refresh.devices[INDOOR], refresh.devices[OUTDOOR]
    assert indoor.camera is not None
    assert indoor.camera.monitoring is False
    assert indoor.camera.sd_card == "defect"
    assert indoor.camera.power_supply == "insufficient"
    assert outdoor.online is False
    assert [e.type for e in refresh.events] == [
        EventType.DISCONNECTED,
        EventType.MONITORING_OFF,
        EventType.POWER,
        EventType.SD_CARD,
    ]
    clock.advance(STATUS_INTERVAL)
    status = await account.async_refresh(RefreshRequest())
    assert status.devices[OUTDOOR].online is True
    assert status.devices[INDOOR].camera is not None
    assert status.devices[INDOOR].camera.monitoring is True


async def test_what_is_no_camera_event_is_left_out(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())

    refresh = await poll(
        account,
        cloud,
        clock,
        event("x1", "tag_open", T0 + 5, DOOR_TAG),
        event("x2", "person_home", T0 + 6, INDOOR),
        event("x3", "movement", T0 + 7, "aa:bb:cc:dd:ee:ff"),
        {"type": "motion", "timestamp": T0 + 8},  # the doc's, without id
        event("x4", "movement", 99999999999999, INDOOR),  # year 5138
    )

    assert refresh.events == []
    assert account.report.skipped["event"] == 1
    assert account.report.rejected["event.time"] == 1


async def test_events_from_the_docs_shape(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply(
        "getevents",
        ok(
            {
                "events": [
                    {
                        "event_type": "motion",
                        "camera_id": INDOOR,
                        "event_id": "d1",
                        "timestamp": T0 + 5,
                    }
                ]
            }
        ),
    )
    clock.advance(EVENTS_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest())

    assert [(e.device_id, e.type) for e in refresh.events] == [
        (INDOOR, EventType.MOVEMENT)
    ]


async def test_a_pushed_event_is_not_fired_again_by_a_poll(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    first = await account.async_refresh(RefreshRequest())
    account.parse_webhook(
        {
            "event_type": "animal",
            "camera_id": INDOOR,
            "event_id": "pushed",
            "time": T0 + 20,
        },
        first.devices,
    )

    refresh = await poll(
        account,
        cloud,
        clock,
        event("new", "movement", T0 + 40),
        event("pushed", "animal", T0 + 20),
        event("missed", "movement", T0 + 10),  # push never brought it
    )

    assert [e.data["event_id"] for e in refresh.events] == ["missed", "new"]


async def test_a_failed_first_poll_is_still_the_first(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    cloud.reply("getevents", {"status": "ok", "body": {"home": {"events": "x"}}})
    await account.async_refresh(RefreshRequest())

    refresh = await poll(account, cloud, clock, *HISTORY)

    assert refresh.events == []
    clock.advance(timedelta(seconds=1))


async def test_only_so_many_event_ids_are_remembered(
    account: NetatmoAccount,
    cloud: Cloud,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custom_components.petsmart_hub.vendors.netatmo import account as module

    monkeypatch.setattr(module, "SEEN_EVENTS", 2)
    await account.async_refresh(RefreshRequest())
    page = [event(f"n{i}", "movement", T0 + i) for i in range(3, 0, -1)]

    await poll(account, cloud, clock, *page)

    assert list(account._seen) == ["n2", "n3"]  # the oldest forgotten


async def test_a_picture_on_a_camera_without_a_vpn_url(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    from .conftest import homestatus

    status = homestatus(cloud.base_url)
    del status["home"]["modules"][0]["vpn_url"]
    cloud.reply("homestatus", ok(status))
    await account.async_refresh(RefreshRequest())

    refresh = await poll(
        account,
        cloud,
        clock,
        event("f", "movement", T0 + 5, snapshot={"filename": "vod/1.jpg"}),
        {"id": "no module", "type": "movement", "time": T0 + 6},
    )

    (fired,) = refresh.events
    assert "snapshot_url" not in fired.data
