"""Tests of the Netatmo simulator's events: raising them, getevents, pictures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.netatmo import NetatmoSimulator

from . import CAM, CAM2, HOME, HOME2, NDB, NLG, NOC, T0, Netatmo, error_of

STAMP = int(T0.timestamp())


async def events(client: Netatmo, home_id: str = HOME, **params: str) -> list[dict]:
    """getevents' events (real shape)."""
    body = await client.body("getevents", home_id=home_id, **params)
    assert body["home"]["id"] == home_id
    listed: list[dict] = body["home"]["events"]
    return listed


async def test_history(client: Netatmo) -> None:
    listed = await events(client)
    assert [(e["type"], e["module_id"]) for e in listed] == [
        ("connection", CAM),
        ("connection", NOC),
        ("connection", NDB),
    ]
    # a day before the simulator was made, moved along when its clock was set
    assert listed[0]["time"] == pytest.approx(STAMP - 86400, abs=2)
    assert listed[0]["message"] == "Pet cam connected"
    assert [e["module_id"] for e in await events(client, HOME2)] == [CAM2]


async def test_no_history(client: Netatmo) -> None:
    sim = NetatmoSimulator(history=False)
    assert all(home.events == [] for home in sim.homes.values())


async def test_movement(client: Netatmo, sim: NetatmoSimulator) -> None:
    event = sim.raise_event(CAM, "movement")
    newest = (await events(client))[0]
    assert newest == {
        "id": event.event_id,
        "type": "movement",
        "time": STAMP,
        "module_id": CAM,
        "message": "Motion detected by Pet cam",
        "snapshot": {"url": newest["snapshot"]["url"]},
        "video_id": event.video_id,
        "video_status": "available",
    }
    assert len(event.event_id) == 24
    picture = await client.request("GET", newest["snapshot"]["url"], token=None)
    assert (picture.status, picture.content_type) == (200, "image/jpeg")


async def test_newest_first_size_and_device(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.raise_event(CAM, "animal")
    sim.clock.advance(60)
    sim.raise_event(NDB, "incoming_call")
    sim.clock.advance(60)
    sim.raise_event(CAM, "movement")
    sim.raise_event(CAM, "movement", at=T0 - timedelta(hours=2))  # a late one
    listed = await events(client, size="3")
    assert [e["type"] for e in listed] == ["movement", "incoming_call", "animal"]
    times = [e["time"] for e in await events(client)]
    assert times == sorted(times, reverse=True)
    assert len(times) == 7
    own = await events(client, module_id=NDB)
    assert [e["type"] for e in own] == ["incoming_call", "connection"]
    assert own == await events(client, device_id=NDB)
    assert error_of(await client.get("getevents", home_id=HOME, size="0")) == (400, 21)
    assert error_of(await client.get("getevents", home_id=HOME, module_id=CAM2)) == (
        404,
        9,
    )
    assert error_of(await client.get("getevents")) == (400, 10)


async def test_person_events(client: Netatmo, sim: NetatmoSimulator) -> None:
    alice, bob = sim.homes[HOME].persons
    sim.clock.advance(30)
    event = sim.raise_event(CAM, "person", person_id=bob)
    newest = (await events(client))[0]
    assert newest["type"] == "person"
    assert newest["person_id"] == bob
    assert newest["out_of_sight"] is False
    assert newest["message"] == "<b>Bob</b> seen by Pet cam"
    status = (await client.body("homestatus", home_id=HOME))["home"]["persons"]
    seen = {p["id"]: p for p in status}
    assert seen[bob] == {"id": bob, "last_seen": STAMP + 30, "out_of_sight": False}
    sim.raise_event(CAM, "person_away")  # the first person: Alice
    assert sim.person(alice).out_of_sight is True
    assert event.person_id == bob
    assert sim.raise_event(CAM, "person").person_id == alice


async def test_outdoor_events_carry_detections(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.raise_event(NOC, "animal")
    both = sim.raise_event(NOC, "outdoor", detections=["human", "vehicle"])
    newest, animal = (await events(client))[:2]
    assert newest["type"] == "outdoor"
    assert "snapshot" not in newest
    assert "message" not in newest
    assert newest["video_status"] == "available"
    assert [
        (sub["type"], sub["offset"], sub["time"], sub["verified"], sub["message"])
        for sub in newest["subevents"]
    ] == [
        ("human", 0, STAMP, True, "Person seen by Garden"),
        ("vehicle", 3, STAMP + 3, True, "Vehicle seen by Garden"),
    ]
    assert newest["subevents"][0]["id"] == both.subevents[0].subevent_id
    for sub in newest["subevents"]:
        for picture in (sub["snapshot"], sub["vignette"]):
            reply = await client.request("GET", picture["url"], token=None)
            assert reply.status == 200
    assert [sub["type"] for sub in animal["subevents"]] == ["animal"]
    assert animal["subevents"][0]["message"] == "Animal seen by Garden"


async def test_doorbell_and_device_events(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.raise_event(NDB, "incoming_call")
    sim.raise_event(NDB, "missed_call", message="Nobody answered")
    sim.update_module(CAM, sd_status=5)
    sim.raise_event(CAM, "sd")
    sd, missed, call = (await events(client))[:3]
    assert (call["type"], call["message"]) == (
        "incoming_call",
        "Someone rang at Front door",
    )
    assert "url" in call["snapshot"]
    assert missed["message"] == "Nobody answered"
    assert (sd["type"], sd["sub_type"]) == ("sd", 5)


@pytest.mark.parametrize(
    ("camera_id", "kind", "extra", "error"),
    [
        (NDB, "movement", {}, ValueError),
        (NDB, "off", {}, ValueError),
        (NOC, "person", {}, ValueError),
        (CAM, "outdoor", {}, ValueError),
        (NLG, "movement", {}, ValueError),
        (CAM, "person", {"person_id": "stranger"}, ValueError),
        (CAM2, "person", {}, ValueError),  # Home 2 knows nobody
        (NOC, "outdoor", {"detections": ["dragon"]}, ValueError),
        ("70:ee:50:99:99:99", "movement", {}, KeyError),
    ],
)
def test_impossible_events(
    sim: NetatmoSimulator,
    camera_id: str,
    kind: str,
    extra: dict,
    error: type[Exception],
) -> None:
    before = len(sim.homes[HOME].events)
    with pytest.raises(error):
        sim.raise_event(camera_id, kind, **extra)
    assert len(sim.homes[HOME].events) == before


async def test_doc_events_shape(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.set_shapes(events="doc", envelope="bare")
    event = sim.raise_event(CAM, "movement")
    payload = (await client.get("getevents", home_id=HOME)).body
    assert set(payload) == {"events"}
    newest = payload["events"][0]
    assert {key: newest[key] for key in ("event_id", "event_type", "timestamp")} == {
        "event_id": event.event_id,
        "event_type": "movement",
        "timestamp": STAMP,
    }
    assert (newest["device_id"], newest["camera_id"], newest["home_id"]) == (
        CAM,
        CAM,
        HOME,
    )
    assert not {"id", "type", "time", "module_id"} & set(newest)


async def test_motion_events_shape(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.set_shapes(events="motion")
    sim.raise_event(CAM, "movement")
    sim.raise_event(CAM, "animal")
    listed = (await client.body("getevents", home_id=HOME))["events"]
    assert [(e["type"], e["timestamp"]) for e in listed[:2]] == [
        ("animal", STAMP),
        ("motion", STAMP),
    ]
    assert "time" not in listed[0]


async def test_snapshots_by_id_and_key(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.set_shapes(snapshot="id_key")
    event = sim.raise_event(CAM, "movement")
    snapshot = (await events(client))[0]["snapshot"]
    assert set(snapshot) == {"id", "key"}
    picture = await client.get(
        "getcamerapicture", image_id=snapshot["id"], key=snapshot["key"]
    )
    assert (picture.status, picture.content_type) == (200, "image/jpeg")
    wrong = await client.get("getcamerapicture", image_id=snapshot["id"], key="nope")
    assert error_of(wrong) == (400, 21)
    by_event = await client.get(
        "getcamerapicture", home_id=HOME, event_id=event.event_id
    )
    assert by_event.status == 200
    history = sim.homes[HOME].events[0]  # a connection: no picture
    no_picture = await client.get(
        "getcamerapicture", home_id=HOME, event_id=history.event_id
    )
    assert error_of(no_picture) == (400, 21)
    assert error_of(await client.get("getcamerapicture")) == (400, 10)
    unknown = await client.request("GET", "/images/0000", token=None)
    assert unknown.status == 404
