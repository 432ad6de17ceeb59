"""Netatmo's answers, in every shape: the real API's, each of the doc's variants, and broken ones.

The parsers first (pure functions), then the account's handling of the doc's
weather answers that name no device.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.petsmart_hub.model import (
    Measurement,
    PowerSupply,
    Scenario,
    SdCard,
)
from custom_components.petsmart_hub.vendors.base import BadResponseError, RefreshRequest
from custom_components.petsmart_hub.vendors.netatmo import (
    NetatmoAccount,
    parse_events,
    parse_homesdata,
    parse_homestatus,
    parse_scenarios,
    parse_weather,
)
from custom_components.petsmart_hub.vendors.parse import ParseReport

from .conftest import (
    ALICE,
    COACH,
    DOORBELL,
    HOME,
    INDOOR,
    OUTDOOR,
    OUTDOOR_MODULE,
    STATION,
    T0,
    Cloud,
    homecoachsdata,
    homesdata,
    ok,
)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# --- homesdata -------------------------------------------------------------------


def test_homesdata_real() -> None:
    topology = parse_homesdata(homesdata())

    (home,) = topology.homes
    assert home.name == "Home"
    assert home.gateway == "70:ee:50:aa:00:09"
    cameras = {m.id: m for m in home.modules if m.type in ("NACamera", "NOC")}
    assert home.room_name(cameras[INDOOR]) == "Living room"
    assert home.room_name(cameras[OUTDOOR]) is None
    assert home.persons[ALICE] == "Alice"


def test_homesdata_doc_variant_rooms_with_devices() -> None:
    """The control doc: home_id, room_id, and devices nested in rooms."""
    topology = parse_homesdata(
        {
            "homes": [
                {
                    "home_id": HOME,
                    "name": "My Home",
                    "rooms": [
                        {
                            "room_id": "r1",
                            "name": "Living Room",
                            "devices": [
                                {
                                    "device_id": INDOOR,
                                    "product_name": "Smart Indoor Camera",
                                    "type": "NACamera",
                                }
                            ],
                        }
                    ],
                    "persons": [{"id": ALICE, "name": "John"}],
                }
            ]
        }
    )

    (home,) = topology.homes
    assert home.id == HOME
    (module,) = home.modules
    assert (module.id, module.type, module.name) == (INDOOR, "NACamera", None)
    assert home.room_name(module) == "Living Room"
    assert home.persons == {ALICE: "John"}
    assert topology.user_id is None


def test_homesdata_doc_variant_devices_list() -> None:
    """The security doc (and gethomedata): devices[] with id, name, room_id, type."""
    topology = parse_homesdata(
        {
            "homes": [
                {
                    "id": HOME,
                    "name": "Martin office",
                    "rooms": [{"id": "r1", "name": "Living Room"}],
                    "devices": [
                        {
                            "id": INDOOR,
                            "name": "Living Room Camera",
                            "room_id": "r1",
                            "type": "NACamera",
                        }
                    ],
                }
            ]
        }
    )

    (module,) = topology.homes[0].modules
    assert (module.name, topology.homes[0].room_name(module)) == (
        "Living Room Camera",
        "Living Room",
    )


def test_homesdata_a_module_twice_is_merged() -> None:
    topology = parse_homesdata(
        {
            "homes": [
                {
                    "id": HOME,
                    "rooms": [
                        {
                            "id": "r1",
                            "name": "Hall",
                            "devices": [{"device_id": DOORBELL, "type": "NDB"}],
                        }
                    ],
                    "modules": [{"id": DOORBELL, "name": "Front door"}],
                }
            ]
        }
    )

    (module,) = topology.homes[0].modules
    assert (module.type, module.name, module.room_id) == ("NDB", "Front door", "r1")


@pytest.mark.parametrize(
    "answer",
    [
        {"persons": [{"id": "1", "name": "John"}], "last_setup_date": "2023-01-01"},
        {"homes": "none"},
        [],
        None,
    ],
)
def test_homesdata_without_homes(answer: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_homesdata(answer)


def test_homesdata_broken_entries_are_counted() -> None:
    report = ParseReport()
    topology = parse_homesdata(
        {
            "homes": [
                "a string",
                {
                    "id": HOME,
                    "rooms": ["x", {"name": "no id"}],
                    "modules": [None, {"id": ""}, {"id": INDOOR, "type": "NACamera"}],
                    "persons": [{"pseudo": "nobody"}],
                },
            ]
        },
        report,
    )

    assert [m.id for m in topology.homes[0].modules] == [INDOOR]
    assert topology.unreadable == 3
    assert report.skipped == {"home": 1, "room": 2, "module": 2, "person": 1}


def test_an_empty_account() -> None:
    assert parse_homesdata({"homes": []}).homes == []


# --- homestatus ------------------------------------------------------------------


def test_homestatus_real(cloud: Cloud) -> None:
    from .conftest import homestatus

    status = parse_homestatus(homestatus(cloud.base_url))

    indoor = status.modules[INDOOR]
    assert indoor.monitoring is True
    assert indoor.sd_card is SdCard.READY
    assert indoor.power_supply is PowerSupply.OK
    assert indoor.vpn_url == f"{cloud.base_url}/vpn/indoor"
    assert indoor.is_local is True
    assert status.persons[ALICE].at_home is True


def test_homestatus_doc_variant_devices() -> None:
    """The security doc: devices[] with status, sd_status "ok", reachable, config."""
    status = parse_homestatus(
        {
            "home": {
                "id": HOME,
                "devices": [
                    {
                        "id": INDOOR,
                        "type": "NACamera",
                        "status": "online",
                        "sd_status": "ok",
                        "vpn_url": "vpn.example.com",
                        "reachable": True,
                        "config": {"name": "Living Room Camera", "room_id": "r1"},
                        "firmware": 123456789,
                        "last_update": 1678886400,
                    }
                ],
            }
        }
    )

    module = status.modules[INDOOR]
    assert module.online is True
    assert module.sd_card is SdCard.READY
    assert (module.name, module.room_id) == ("Living Room Camera", "r1")
    assert module.firmware == "123456789"
    assert module.last_seen == at(1678886400)


async def test_homestatus_doc_variants_on_the_account(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    """No body wrapper, devices[], a camera named and placed only by homestatus."""
    topology = homesdata()
    camera = topology["homes"][0]["modules"][0]
    del camera["name"]
    del camera["room_id"]
    topology["homes"][0]["rooms"][0]["module_ids"] = []
    cloud.reply("homesdata", ok(topology))
    cloud.reply(
        "homestatus",
        {
            "status": "ok",
            "home": {
                "id": HOME,
                "devices": [
                    {
                        "id": INDOOR,
                        "type": "NACamera",
                        "status": "offline",
                        "sd_status": "ok",
                        "vpn_url": f"{cloud.base_url}/vpn/indoor",
                        "reachable": False,
                        "config": {"name": "Living Room Camera", "room_id": "2255"},
                        "firmware": 123456789,
                        "last_update": 1678886400,
                    }
                ],
            },
        },
    )

    device = (await account.async_refresh(RefreshRequest())).devices[INDOOR]

    assert (device.name, device.name_reported) == ("Living Room Camera", True)
    assert device.area == "Living room"
    assert device.online is False
    assert device.firmware == "123456789"
    assert device.last_report == at(1678886400)
    assert device.camera is not None
    assert device.camera.sd_card is SdCard.READY


@pytest.mark.parametrize(
    "answer",
    [
        {"home": "x"},
        {"status": {"devices": [{"device_id": "d", "state": {}}]}},
        {"home": {"id": HOME, "modules": "none"}},
        "text",
    ],
)
def test_homestatus_broken(answer: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_homestatus(answer)


def test_homestatus_broken_values_are_unknown_and_counted() -> None:
    report = ParseReport()
    status = parse_homestatus(
        {
            "home": {
                "id": HOME,
                "modules": [
                    {"id": INDOOR, "monitoring": "maybe", "alim_status": 7},
                    {"type": "NOC"},
                ],
                "persons": [{"out_of_sight": True}, {"id": ALICE}],
            }
        },
        report,
    )

    module = status.modules[INDOOR]
    assert (module.monitoring, module.power_supply) == (None, None)
    assert status.persons[ALICE].at_home is None
    assert report.rejected == {"camera.monitoring": 1, "camera.power_supply": 1}
    assert report.skipped == {"module status": 1, "person status": 1}


# --- getevents -------------------------------------------------------------------


def test_events_real() -> None:
    """pyatmo's fixture shape: an outdoor event with detections, a person event."""
    events = parse_events(
        {
            "home": {
                "id": HOME,
                "events": [
                    {
                        "id": "e2",
                        "type": "outdoor",
                        "time": T0,
                        "module_id": OUTDOOR,
                        "video_id": "v",
                        "video_status": "available",
                        "subevents": [
                            {
                                "id": "s1",
                                "type": "human",
                                "time": T0,
                                "verified": True,
                                "offset": 0,
                                "snapshot": {"url": "https://img/1"},
                                "vignette": {"url": "https://img/1v"},
                                "message": "Person erfasst",
                            },
                            {
                                "id": "s2",
                                "type": "animal",
                                "time": T0 + 5,
                                "snapshot": {"filename": "vod/x/snapshot.jpg"},
                            },
                        ],
                    },
                    {
                        "id": "e1",
                        "type": "person",
                        "time": T0 - 60,
                        "module_id": INDOOR,
                        "snapshot": {"id": "img", "key": "k"},
                        "message": "<b>Alice</b> seen",
                        "person_id": ALICE,
                        "out_of_sight": False,
                    },
                ],
            }
        }
    )

    outdoor, person = events
    assert (outdoor.id, outdoor.type, outdoor.module_id) == ("e2", "outdoor", OUTDOOR)
    assert [(s.id, s.type, s.module_id) for s in outdoor.subevents] == [
        ("s1", "human", OUTDOOR),
        ("s2", "animal", OUTDOOR),
    ]
    assert outdoor.subevents[0].snapshot is not None
    assert outdoor.subevents[0].snapshot.url == "https://img/1"
    assert outdoor.subevents[1].snapshot is not None
    assert outdoor.subevents[1].snapshot.filename == "vod/x/snapshot.jpg"
    assert person.message == "Alice seen"
    assert person.person_id == ALICE
    assert person.snapshot is not None
    assert (person.snapshot.id, person.snapshot.key) == ("img", "k")


def test_events_doc_variants() -> None:
    """Top-level events; event_type/event_id/device_id/camera_id/timestamp; motion."""
    events = parse_events(
        {
            "events": [
                {
                    "user_id": "u",
                    "event_type": "MOVEMENT",
                    "device_id": INDOOR,
                    "home_id": HOME,
                    "camera_id": INDOOR,
                    "event_id": "618a54ca",
                    "sub_type": 2,
                    "timestamp": T0,
                },
                {"type": "motion", "timestamp": T0, "id": "m1", "camera_id": OUTDOOR},
                {"type": "motion", "timestamp": T0},  # the doc's, without an id
            ]
        }
    )

    first, second = events
    assert (first.id, first.type, first.module_id, first.time) == (
        "618a54ca",
        "movement",
        INDOOR,
        at(T0),
    )
    assert first.sub_type == 2
    assert (second.type, second.module_id) == ("motion", OUTDOOR)


@pytest.mark.parametrize(
    "answer", [{"home": {"id": HOME}}, {"events": {}}, [], {"home": {"events": None}}]
)
def test_events_broken(answer: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_events(answer)


# --- getstationsdata / gethomecoachsdata -----------------------------------------


def test_stations_doc_variant_diagnostics() -> None:
    listing = parse_weather(
        {
            "radio_status": "Good",
            "wifi_status": 71,
            "battery_level": "Very Low",
            "setup_date": "2023-01-15T10:00:00Z",
            "reachable": True,
        }
    )

    assert listing.devices is None
    assert listing.diagnostics is not None
    assert (listing.diagnostics.reachable, listing.diagnostics.battery) == (True, 10)


def test_homecoach_doc_variant_measures() -> None:
    listing = parse_weather(
        [
            {"beg_time": T0 - 600, "value": [[20.0]]},
            {
                "beg_time": T0 - 300,
                "step_time": 300,
                "value": [[21.0, 800], [22.1, 850, 47, 41, 1013.5]],
            },
            {"value": "broken"},
            {"beg_time": T0 - 900, "value": [[18.0]]},  # older: not the newest
            {"beg_time": "never", "value": [[1.0]]},
            {"beg_time": T0 - 1200, "value": [["hot", 400]]},
        ]
    )

    assert listing.devices is None
    assert listing.measures is not None
    assert listing.measures.measured_at == at(T0)
    assert listing.measures.readings == {
        Measurement.TEMPERATURE: 22.1,
        Measurement.CO2: 850,
        Measurement.HUMIDITY: 47,
        Measurement.NOISE: 41,
        Measurement.PRESSURE: 1013.5,
    }


def test_a_homecoach_named_station_name() -> None:
    coach = homecoachsdata()
    device = coach["devices"][0]
    device["station_name"] = device.pop("name")

    (module,) = parse_weather(coach).devices or []

    assert (module.name, module.station_name) == (None, "Bedroom")


@pytest.mark.parametrize(
    "answer",
    [
        {"devices": "none"},
        {"user": {}},
        "text",
        None,
        [{"value": "broken"}],
        [{"beg_time": T0, "value": []}],
    ],
)
def test_weather_broken(answer: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_weather(answer)


async def test_the_diagnostics_answer_on_the_account(
    account: NetatmoAccount, cloud: Cloud, clock: Any
) -> None:
    from datetime import timedelta

    await account.async_refresh(RefreshRequest())
    cloud.reply(
        "getstationsdata",
        ok({"radio_status": "Bad", "battery_level": "Low", "reachable": False}),
    )
    cloud.reply(
        "gethomecoachsdata",
        ok([{"beg_time": T0 + 600, "value": [[19.5, 1200]]}]),
    )
    clock.advance(timedelta(minutes=10))

    refresh = await account.async_refresh(RefreshRequest())

    station, coach = refresh.devices[STATION], refresh.devices[COACH]
    assert station.online is False
    assert station.battery == 25
    assert station.readings[Measurement.PRESSURE] == 1015.2  # kept
    # the account's only station is the one it means, not its modules
    assert refresh.devices[OUTDOOR_MODULE].online is True
    assert coach.readings[Measurement.TEMPERATURE] == 19.5
    assert coach.readings[Measurement.CO2] == 1200
    # what the row does not measure is not passed off as measured then
    assert Measurement.NOISE not in coach.readings
    assert coach.climate is not None
    assert coach.climate.measured_at == at(T0 + 600)
    assert refresh.listing is not None
    assert not refresh.listing.fresh


async def test_a_single_device_answer_with_no_single_device_is_skipped(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    cloud.reply("gethomecoachsdata", ok([{"beg_time": T0, "value": [[19.5]]}]))

    refresh = await account.async_refresh(RefreshRequest())

    assert COACH not in refresh.devices
    assert account.report.skipped["gethomecoachsdata answer"] == 1


# --- getscenarios ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "scenarios"),
    [
        (
            {"home": {"id": HOME, "scenarios": [{"type": "wake_up", "id": "wake_up"}]}},
            [Scenario("wake_up", "Wake up")],
        ),
        (
            {"scenarios": [{"id": "home", "name": "Home", "actions": []}]},
            [Scenario("home", "Home")],
        ),
        (
            {"scenarios": ["Home", "Away"]},
            [Scenario("Home", "Home"), Scenario("Away", "Away")],
        ),
        (
            {"scenarios": [{"scenario_id": "s1", "name": "Movie Night"}]},
            [Scenario("s1", "Movie Night")],
        ),
        ({"scenarios": [{"type": "custom", "id": "c1"}]}, [Scenario("c1", "c1")]),
        ({"scenarios": [{"name": "no id"}, 3, ""]}, []),
    ],
)
def test_scenarios_every_shape(answer: Any, scenarios: list[Scenario]) -> None:
    assert parse_scenarios(answer) == scenarios


@pytest.mark.parametrize("answer", [{"home": {"id": HOME}}, {"scenarios": "x"}, []])
def test_scenarios_broken(answer: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_scenarios(answer)


async def test_scenario_doc_variant_on_the_account(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    cloud.reply("getscenarios", {"scenarios": ["Home", "Away"]})

    home = (await account.async_refresh(RefreshRequest())).devices[HOME]

    assert home.home is not None
    assert [s.name for s in home.home.scenarios] == ["Home", "Away"]
