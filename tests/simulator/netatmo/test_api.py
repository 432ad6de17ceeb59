"""Tests of the Netatmo simulator's API: every endpoint's shapes, errors and limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import ClientOSError, ServerDisconnectedError
import pytest

from simulator.core import HUGE_BODY_SIZE, KEEP_ID, start_server
from simulator.netatmo import ENDPOINT_NAMES, NetatmoSimulator, Shapes

from . import (
    CAM,
    CAM2,
    COACH,
    HOME,
    HOME2,
    MOVIE_NIGHT,
    NDB,
    NLG,
    NOC,
    OUTDOOR,
    PET_ROOM,
    STATION,
    T0,
    USER,
    Netatmo,
    error_of,
)

STAMP = int(T0.timestamp())


def persons(sim: NetatmoSimulator) -> tuple[str, str]:
    """The ids of Alice (at home) and Bob (away)."""
    alice, bob = sim.homes[HOME].persons
    return alice, bob


# --- homesdata ------------------------------------------------------------------------


async def test_homesdata_real(client: Netatmo, sim: NetatmoSimulator) -> None:
    reply = await client.get("homesdata")
    assert reply.status == 200
    assert reply.content_type == "application/json"
    payload = reply.body
    assert set(payload) == {"body", "status", "time_exec", "time_server"}
    assert payload["time_server"] == pytest.approx(STAMP, abs=5)
    body = payload["body"]
    assert body["user"]["id"] == USER
    assert body["user"]["email"] == sim.email
    home, home2 = body["homes"]
    assert (home["id"], home["name"], home["timezone"]) == (
        HOME,
        "Home",
        "Europe/Paris",
    )
    assert [(m["id"], m["type"], m["name"]) for m in home["modules"]] == [
        (CAM, "NACamera", "Pet cam"),
        (NOC, "NOC", "Garden"),
        (NDB, "NDB", "Front door"),
        (NLG, "NLG", "Gateway"),
    ]
    assert all(isinstance(m["setup_date"], int) for m in home["modules"])
    assert home["rooms"] == [
        {
            "id": "1001",
            "name": "Living room",
            "type": "livingroom",
            "module_ids": [CAM],
        },
        {"id": "1002", "name": "Garden", "type": "outdoor", "module_ids": [NOC]},
        {"id": "1003", "name": "Entrance", "type": "lobby", "module_ids": [NDB, NLG]},
    ]
    assert {m["id"]: m["room_id"] for m in home["modules"]}[CAM] == "1001"
    alice, bob = persons(sim)
    assert [(p["id"], p["pseudo"]) for p in home["persons"]] == [
        (alice, "Alice"),
        (bob, "Bob"),
    ]
    face = await client.request("GET", home["persons"][0]["url"], token=None)
    assert (face.status, face.content_type) == (200, "image/jpeg")
    assert (home2["id"], home2["name"]) == (HOME2, "Home 2")
    assert [(m["id"], m["type"]) for m in home2["modules"]] == [(CAM2, "NACamera")]
    assert home2["persons"] == []


async def test_gethomedata_and_the_bare_paths_answer_alike(client: Netatmo) -> None:
    real = (await client.get("homesdata")).body["body"]
    assert (await client.get("gethomedata")).body["body"] == real
    bare = await client.request("GET", "/homesdata")
    assert bare.body["body"] == real
    post = await client.request("POST", "/api/homesdata")
    assert post.body["body"] == real


async def test_homesdata_of_one_home(client: Netatmo) -> None:
    body = await client.body("homesdata", home_id=HOME2)
    assert [home["id"] for home in body["homes"]] == [HOME2]
    assert error_of(await client.get("homesdata", home_id="nope")) == (400, 21)


async def test_homesdata_control_shape(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.set_shapes(homesdata="control", person_name="name", user=False)
    body = await client.body("homesdata")
    assert "user" not in body
    home = body["homes"][0]
    assert set(home) == {"home_id", "name", "rooms", "persons"}
    assert home["home_id"] == HOME
    assert home["rooms"][2] == {
        "room_id": "1003",
        "name": "Entrance",
        "devices": [
            {"device_id": NDB, "product_name": "Smart Video Doorbell", "type": "NDB"},
            {"device_id": NLG, "product_name": "Home + Control Gateway", "type": "NLG"},
        ],
    }
    assert [p["name"] for p in home["persons"]] == ["Alice", "Bob"]
    assert all("pseudo" not in p for p in home["persons"])


async def test_homesdata_security_shape(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.set_shapes(homesdata="security")
    home = (await client.body("homesdata"))["homes"][0]
    assert set(home) == {"id", "name", "rooms", "devices", "persons"}
    assert home["rooms"][0] == {"id": "1001", "name": "Living room"}
    assert home["devices"][0] == {
        "id": CAM,
        "name": "Pet cam",
        "room_id": "1001",
        "type": "NACamera",
    }


@pytest.mark.parametrize(
    ("envelope", "expected_keys"),
    [
        ("body", {"body", "status", "time_exec", "time_server"}),
        ("flat", {"status", "homes", "user", "time_server"}),
        ("bare", {"homes", "user"}),
        ("doc", {"homes", "user"}),
    ],
)
async def test_envelopes(
    client: Netatmo, sim: NetatmoSimulator, envelope: str, expected_keys: set[str]
) -> None:
    sim.set_shapes(envelope=envelope)
    payload = (await client.get("homesdata")).body
    assert set(payload) == expected_keys
    homes = payload["body"]["homes"] if "body" in payload else payload["homes"]
    assert homes[0]["id"] == HOME


async def test_doc_preset(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.shapes = "doc"
    assert sim.shapes == Shapes.preset("doc")
    homes = (await client.get("homesdata")).body
    assert set(homes) == {"homes"}
    assert set(homes["homes"][0]) == {"id", "name", "rooms", "devices", "persons"}
    status = (await client.get("homestatus", home_id=HOME)).body
    assert status["status"] == "ok"
    assert status["home"]["devices"][0]["status"] == "online"
    events = (await client.get("getevents", home_id=HOME)).body
    assert set(events) == {"events"}
    assert "event_type" in events["events"][0]
    scenarios = (await client.get("getscenarios", home_id=HOME)).body
    assert scenarios["scenarios"][0] == {"id": "home", "name": "Home", "actions": []}
    stations = (await client.get("getstationsdata")).body
    assert set(stations) == {"devices"}
    assert stations["devices"][0]["modules"][0]["battery_level"] == "High"  # 79 %
    coaches = (await client.get("gethomecoachsdata")).body
    assert coaches["devices"][0]["name"] == "Bedroom"
    measure = (
        await client.get(
            "getmeasure", device_id=COACH, scale="1hour", type="Temperature"
        )
    ).body
    assert measure["status"] == "ok"
    assert measure["body"][0]["step_time"] == 3600


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="homesdata"):
        Shapes(homesdata="fancy")
    with pytest.raises(ValueError, match="preset"):
        Shapes.preset("mixed")
    sim = NetatmoSimulator()
    with pytest.raises(ValueError, match="events"):
        sim.set_shapes(events="newest")
    assert sim.set_shapes("doc", envelope="body").envelope == "body"


# --- homestatus ---------------------------------------------------------------------


async def test_homestatus_real(
    client: Netatmo, sim: NetatmoSimulator, running: Any
) -> None:
    body = await client.body("homestatus", home_id=HOME)
    assert set(body) == {"home"}
    home = body["home"]
    assert home["id"] == HOME
    modules = {module["id"]: module for module in home["modules"]}
    camera = modules[CAM]
    assert camera["type"] == "NACamera"
    assert (camera["monitoring"], camera["sd_status"], camera["alim_status"]) == (
        "on",
        4,
        2,
    )
    assert camera["is_local"] is True
    assert camera["vpn_url"] == f"{running.url}/vpn/{sim.module(CAM).camera_hash}"
    assert isinstance(camera["firmware_revision"], int)
    assert 0 < camera["wifi_strength"] <= 100
    assert modules[NOC]["floodlight"] == "auto"
    assert modules[NOC]["is_local"] is False
    assert "monitoring" not in modules[NDB]
    assert modules[NDB]["sd_status"] == 4
    assert modules[NLG]["reachable"] is True
    alice, bob = persons(sim)
    assert {p["id"]: p["out_of_sight"] for p in home["persons"]} == {
        alice: False,
        bob: True,
    }
    assert all(p["last_seen"] < STAMP for p in home["persons"])


async def test_homestatus_device_types(client: Netatmo) -> None:
    body = await client.body("homestatus", home_id=HOME, device_types="NOC,NDB")
    assert [m["id"] for m in body["home"]["modules"]] == [NOC, NDB]


async def test_homestatus_needs_a_known_home(client: Netatmo) -> None:
    missing = await client.get("homestatus")
    assert error_of(missing) == (400, 10)
    assert missing.body["error"]["message"] == "Missing home_id"
    assert error_of(await client.get("homestatus", home_id="nope")) == (400, 21)


async def test_homestatus_legacy(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.update_module(CAM, sd_status=1, alim_status=1)
    sim.set_shapes(homestatus="legacy")
    modules = (await client.body("homestatus", home_id=HOME))["home"]["modules"]
    states = {
        m["id"]: (m["sd_status"], m["alim_status"]) for m in modules if "sd_status" in m
    }
    assert states == {CAM: ("off", "off"), NOC: ("on", "on"), NDB: ("on", "on")}


async def test_homestatus_doc(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.set_shapes(homestatus="doc", envelope="doc")
    payload = (await client.get("homestatus", home_id=HOME)).body
    assert set(payload) == {"status", "home", "time_server"}
    devices = {device["id"]: device for device in payload["home"]["devices"]}
    camera = devices[CAM]
    assert {key: camera[key] for key in ("status", "sd_status", "reachable")} == {
        "status": "online",
        "sd_status": "ok",
        "reachable": True,
    }
    assert camera["config"] == {"name": "Pet cam", "room_id": "1001"}
    assert camera["monitoring_status"] == "on"
    assert camera["vpn_url"].endswith(sim.module(CAM).camera_hash)
    assert camera["last_update"] == pytest.approx(STAMP, abs=5)
    assert "monitoring_status" not in devices[NDB]


async def test_unreachable_camera_in_homestatus(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.set_reachable(NOC, False)
    body = await client.body("homestatus", home_id=HOME)
    assert body["errors"] == [{"code": 6, "id": NOC}]
    assert NOC not in [m["id"] for m in body["home"]["modules"]]
    sim.set_shapes(homestatus="doc")
    doc = (await client.body("homestatus", home_id=HOME))["home"]["devices"]
    offline = next(device for device in doc if device["id"] == NOC)
    assert (offline["status"], offline["reachable"]) == ("offline", False)
    assert "vpn_url" not in offline
    sim.set_reachable(NOC, True)
    assert "errors" not in await client.body("homestatus", home_id=HOME)
    sim.set_shapes(homestatus="real")
    sim.set_reachable(NLG, False)
    body = await client.body("homestatus", home_id=HOME)
    assert body["errors"] == [{"code": 6, "id": NLG}]
    assert sim.homes[HOME].events[-1].module_id == NOC  # a gateway raises no event


# --- stations, coaches, measures ------------------------------------------------------


async def test_getstationsdata_real(client: Netatmo, sim: NetatmoSimulator) -> None:
    body = await client.body("getstationsdata")
    assert body["user"]["mail"] == sim.email
    [station] = body["devices"]
    assert (station["_id"], station["type"], station["station_name"]) == (
        STATION,
        "NAMain",
        "Home",
    )
    assert station["data_type"] == [
        "Temperature",
        "CO2",
        "Humidity",
        "Noise",
        "Pressure",
    ]
    dashboard = station["dashboard_data"]
    assert 20 <= dashboard["Temperature"] <= 23
    assert 500 <= dashboard["CO2"] <= 800
    assert dashboard["AbsolutePressure"] == round(dashboard["Pressure"] - 6.1, 1)
    assert dashboard["min_temp"] <= dashboard["Temperature"] <= dashboard["max_temp"]
    assert dashboard["temp_trend"] in ("up", "down", "stable")
    assert STAMP - 300 < dashboard["time_utc"] <= STAMP
    outdoor, pet_room = station["modules"]
    assert (outdoor["_id"], outdoor["type"], outdoor["module_name"]) == (
        OUTDOOR,
        "NAModule1",
        "Outdoor",
    )
    assert set(outdoor["dashboard_data"]) >= {"time_utc", "Temperature", "Humidity"}
    assert "CO2" not in outdoor["dashboard_data"]
    assert outdoor["battery_percent"] == 79
    assert outdoor["battery_vp"] > 4000
    assert (pet_room["_id"], pet_room["type"], pet_room["module_name"]) == (
        PET_ROOM,
        "NAModule4",
        "Pet room",
    )
    assert "CO2" in pet_room["dashboard_data"]


async def test_unreachable_station(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.set_reachable(PET_ROOM, False)
    station = (await client.body("getstationsdata"))["devices"][0]
    assert station["modules"][1]["reachable"] is False
    assert "dashboard_data" not in station["modules"][1]
    assert "dashboard_data" in station["modules"][0]
    sim.set_reachable(STATION, False)
    station = (await client.body("getstationsdata"))["devices"][0]
    assert station["reachable"] is False
    assert "dashboard_data" not in station
    assert all("dashboard_data" not in module for module in station["modules"])


async def test_getstationsdata_diagnostic(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.set_shapes(stations="diagnostic")
    sim.update_module(OUTDOOR, rf_status=60)
    sim.update_module(PET_ROOM, battery_percent=15, rf_status=90)
    station = (await client.body("getstationsdata"))["devices"][0]
    outdoor, pet_room = station["modules"]
    assert outdoor["battery_level"] == "High"  # 79 %
    assert outdoor["radio_status"] == "Good"
    assert (pet_room["battery_level"], pet_room["radio_status"]) == ("Very Low", "Bad")
    assert "battery_percent" not in pet_room
    assert "rf_status" not in pet_room
    assert station["setup_date"].endswith("Z")
    assert station["wifi_status"] > 0


async def test_getstationsdata_by_device(client: Netatmo) -> None:
    body = await client.body("getstationsdata", device_id=STATION)
    assert [device["_id"] for device in body["devices"]] == [STATION]
    assert error_of(await client.get("getstationsdata", device_id="nope")) == (404, 9)


async def test_gethomecoachsdata(client: Netatmo, sim: NetatmoSimulator) -> None:
    [coach] = (await client.body("gethomecoachsdata"))["devices"]
    assert (coach["_id"], coach["type"], coach["station_name"]) == (
        COACH,
        "NHC",
        "Bedroom",
    )
    assert "health_idx" in coach["data_type"]
    assert coach["dashboard_data"]["health_idx"] in range(5)
    sim.set_reading(COACH, "CO2", 2100)
    sim.set_reading(COACH, "Humidity", 80)
    dashboard = (await client.body("gethomecoachsdata"))["devices"][0]["dashboard_data"]
    assert (dashboard["CO2"], dashboard["health_idx"]) == (2100, 4)
    sim.set_shapes(coach_name="name")
    coach = (await client.body("gethomecoachsdata"))["devices"][0]
    assert coach["name"] == "Bedroom"
    assert "station_name" not in coach


async def test_no_stations_or_coaches(client: Netatmo) -> None:
    sim = NetatmoSimulator(stations=0, coaches=0)
    token = sim.issue_token()["access_token"]
    running = await start_server(sim)
    try:
        other = Netatmo(client.session, running.url, token)
        assert (await other.body("getstationsdata"))["devices"] == []
        assert (await other.body("gethomecoachsdata"))["devices"] == []
    finally:
        await running.close()


async def test_getmeasure(client: Netatmo, sim: NetatmoSimulator) -> None:
    body = await client.body(
        "getmeasure",
        device_id=STATION,
        scale="1hour",
        type="temperature,CO2",
        limit="3",
    )
    [series] = body
    assert series["step_time"] == 3600
    assert series["beg_time"] == (STAMP // 3600 - 2) * 3600
    assert len(series["value"]) == 3
    assert all(len(row) == 2 for row in series["value"])
    plain = await client.body(
        "getmeasure",
        device_id=STATION,
        module_id=OUTDOOR,
        scale="30min",
        type="Humidity",
        limit="2",
        optimize="false",
    )
    assert list(plain) == [str((STAMP // 1800 - 1) * 1800), str(STAMP // 1800 * 1800)]
    coach = await client.body(
        "getmeasure", device_id=COACH, scale="1day", type="health_idx"
    )
    assert coach[0]["value"][0][0] in range(5)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"scale": "1hour", "type": "Temperature"}, (400, 10)),
        ({"device_id": STATION, "type": "Temperature"}, (400, 10)),
        (
            {"device_id": STATION, "scale": "fortnight", "type": "Temperature"},
            (400, 21),
        ),
        ({"device_id": STATION, "scale": "1hour", "type": "Rain"}, (400, 21)),
        ({"device_id": "nope", "scale": "1hour", "type": "Temperature"}, (404, 9)),
        (
            {
                "device_id": COACH,
                "module_id": OUTDOOR,
                "scale": "1hour",
                "type": "Temperature",
            },
            (404, 9),
        ),
        (
            {"device_id": STATION, "scale": "1hour", "type": "CO2", "limit": "x"},
            (400, 21),
        ),
    ],
)
async def test_getmeasure_errors(
    client: Netatmo, params: dict[str, str], error: tuple[int, int]
) -> None:
    assert error_of(await client.get("getmeasure", **params)) == error


async def test_getmeasure_needs_the_device_scope(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    client.token = sim.issue_token(["read_station"])["access_token"]
    reply = await client.get("getmeasure", device_id=COACH, scale="1hour", type="CO2")
    assert error_of(reply) == (403, 13)


# --- scenarios ---------------------------------------------------------------------------


async def test_getscenarios_real(client: Netatmo) -> None:
    body = await client.body("getscenarios", home_id=HOME)
    assert body == {
        "home": {
            "id": HOME,
            "scenarios": [
                {"type": "home", "id": "home"},
                {"type": "away", "id": "away"},
                {"type": "wake_up", "id": "wake_up"},
                {"type": "bedtime", "id": "bedtime"},
                {"type": "custom", "id": MOVIE_NIGHT, "name": "Movie night"},
            ],
        }
    }
    no_gateway = await client.body("getscenarios", home_id=HOME2)
    assert no_gateway == {"home": {"id": HOME2, "scenarios": []}}
    by_gateway = await client.body("getscenarios", device_id=NLG)
    assert by_gateway == body
    assert error_of(await client.get("getscenarios")) == (400, 10)


@pytest.mark.parametrize(
    ("shape", "first", "last"),
    [
        ("named", {"id": "home", "name": "Home", "actions": []}, None),
        ("strings", "Home", "Movie night"),
        ("scenario_id", {"scenario_id": "home", "name": "Home"}, None),
    ],
)
async def test_getscenarios_doc_shapes(
    client: Netatmo, sim: NetatmoSimulator, shape: str, first: Any, last: Any
) -> None:
    sim.set_shapes(scenarios=shape)
    scenarios = (await client.body("getscenarios"))["scenarios"]  # no home_id needed
    assert scenarios[0] == first
    assert len(scenarios) == 5
    if last is not None:
        assert scenarios[-1] == last


# --- setstate ----------------------------------------------------------------------------


async def test_setstate_monitoring(client: Netatmo, sim: NetatmoSimulator) -> None:
    reply = await client.setstate(HOME, {"id": CAM, "monitoring": "off"})
    assert reply.status == 200
    assert set(reply.body) == {"status", "time_exec", "time_server"}
    assert reply.body["status"] == "ok"
    modules = (await client.body("homestatus", home_id=HOME))["home"]["modules"]
    assert modules[0]["monitoring"] == "off"
    latest = (await client.body("getevents", home_id=HOME, size="1"))["home"]["events"]
    assert (latest[0]["type"], latest[0]["module_id"]) == ("off", CAM)
    # the same again changes nothing and raises no event
    await client.setstate(HOME, {"id": CAM, "monitoring": "off"})
    assert [e.type for e in sim.homes[HOME].events].count("off") == 1


async def test_setstate_floodlight_and_scenario(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    reply = await client.setstate(
        HOME, {"id": NOC, "floodlight": "on"}, {"id": NLG, "scenario": "away"}
    )
    assert reply.status == 200
    assert sim.module(NOC).floodlight == "on"
    assert sim.homes[HOME].active_scenario == "away"
    for wanted in (MOVIE_NIGHT, "movie NIGHT", "bedtime"):
        assert (
            await client.setstate(HOME, {"id": NLG, "scenario": wanted})
        ).status == 200
    assert [run.scenario_id for run in sim.world.scenario_runs] == [
        "away",
        MOVIE_NIGHT,
        MOVIE_NIGHT,
        "bedtime",
    ]
    assert sim.world.scenario_runs[0].at == T0 or abs(
        sim.world.scenario_runs[0].at - T0
    ) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("home_id", "modules", "error"),
    [
        (HOME, [{"id": NDB, "monitoring": "off"}], (400, 21)),
        (HOME, [{"id": CAM, "monitoring": "maybe"}], (400, 21)),
        (HOME, [{"id": CAM, "volume": 3}], (400, 21)),
        (HOME, [{"id": CAM}], (400, 21)),
        (HOME, [{"id": NLG, "scenario": "disco"}], (400, 21)),
        (HOME2, [{"id": CAM2, "scenario": "away"}], (400, 21)),
        (HOME, [{"id": "70:ee:50:99:99:99", "monitoring": "off"}], (404, 9)),
        (HOME, [], (400, 10)),
        ("nope", [{"id": CAM, "monitoring": "off"}], (400, 21)),
        # everything is checked first: the camera stays on
        (
            HOME,
            [{"id": CAM, "monitoring": "off"}, {"id": NDB, "monitoring": "off"}],
            (400, 21),
        ),
    ],
)
async def test_setstate_errors(
    client: Netatmo,
    sim: NetatmoSimulator,
    home_id: str,
    modules: list[dict[str, Any]],
    error: tuple[int, int],
) -> None:
    assert error_of(await client.setstate(home_id, *modules)) == error
    assert sim.module(CAM).monitoring == "on"
    assert sim.world.scenario_runs == []


async def test_setstate_needs_a_home(client: Netatmo) -> None:
    reply = await client.request("POST", "/api/setstate", json={"modules": []})
    assert error_of(reply) == (400, 10)
    assert (await client.request("GET", "/api/setstate")).status == 405


async def test_setstate_scopes(client: Netatmo, sim: NetatmoSimulator) -> None:
    client.token = sim.issue_token(["read_camera", "write_presence"])["access_token"]
    assert error_of(await client.setstate(HOME, {"id": CAM, "monitoring": "off"})) == (
        403,
        13,
    )
    assert (await client.setstate(HOME, {"id": NOC, "monitoring": "off"})).status == 200
    client.token = sim.issue_token(["read_camera"])["access_token"]
    assert error_of(await client.setstate(HOME, {"id": NLG, "scenario": "home"})) == (
        403,
        13,
    )


# --- limits --------------------------------------------------------------------------


async def test_fifty_requests_per_ten_seconds(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    for _ in range(50):
        assert (await client.get("homesdata")).status == 200
    refused = await client.get("homestatus", home_id=HOME)
    assert error_of(refused) == (403, 26)
    assert refused.body["error"]["message"] == "User usage reached"
    assert "Retry-After" not in refused.headers
    assert sim.throttled == 1
    sim.limit_answer = "403_retry"
    again = await client.get("homesdata")
    assert error_of(again) == (403, 26)
    assert 1 <= int(again.headers["Retry-After"]) <= 10
    sim.clock.advance(10)
    assert (await client.get("homesdata")).status == 200


async def test_five_hundred_requests_per_hour(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.limit_per_hour = 5
    for _ in range(5):
        assert (await client.get("homesdata")).status == 200
        sim.clock.advance(60)
    assert error_of(await client.get("homesdata")) == (403, 26)
    sim.clock.advance(3600 - 5 * 60)  # the first call leaves the window
    assert (await client.get("homesdata")).status == 200
    assert error_of(await client.get("homesdata")) == (403, 26)
    assert sim.throttled == 2


async def test_limit_answered_with_429(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.limit_per_10s = 2
    sim.limit_answer = "429"
    await client.get("homesdata")
    sim.clock.advance(3)
    await client.get("homesdata")
    refused = await client.get("homesdata")
    assert error_of(refused) == (429, 26)
    assert refused.headers["Retry-After"] == "7"
    sim.limit_answer = "429_text"
    text = await client.get("homesdata")
    assert (text.status, text.content_type, text.raw) == (
        429,
        "text/plain",
        b"Too Many Requests",
    )
    assert text.headers["Retry-After"] == "7"


def test_limit_answer_is_checked() -> None:
    with pytest.raises(ValueError, match="limit_answer"):
        NetatmoSimulator(limit_answer="418")


async def test_limits_count_only_authenticated_api_calls(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.limit_per_10s = 1
    await client.request("GET", "/api/homesdata", token="bad")
    await client.request(
        "POST", "/oauth2/token", data={"grant_type": "refresh_token"}, token=None
    )
    sim.add_fault("http_500", route="/api/homesdata", times=1)
    await client.get("homesdata")
    assert (await client.get("homesdata")).status == 200
    assert error_of(await client.get("homesdata")) == (403, 26)


# --- counters ---------------------------------------------------------------------------


async def test_requests_are_counted_per_route(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    await client.get("homesdata")
    await client.request("GET", "/homesdata")
    sim.clock.advance(3600)
    await client.get("homestatus", home_id=HOME)
    await client.get("homestatus", home_id=HOME2)
    assert sim.count("GET", "/api/homesdata") == 1
    assert sim.count(route="/homesdata") == 1
    assert sim.count(route="/api/homestatus", device_id=HOME2) == 1
    assert sim.api_calls("homesdata") == 2
    assert sim.api_calls() == 4
    assert sim.api_calls(since=T0 + timedelta(minutes=30)) == 2
    assert sim.count_since(T0 + timedelta(minutes=30), route="/api/homestatus") == 2
    per_hour = sim.calls_per_hour()
    assert list(per_hour.values()) == [2, 2]
    assert sim.calls_per_hour("homestatus") == {T0 + timedelta(hours=1): 2}
    recorded = sim.requests[-1]
    assert (recorded.query, recorded.device_id) == ({"home_id": HOME2}, HOME2)
    assert recorded.at is not None
    assert abs(recorded.at - (T0 + timedelta(hours=1))) < timedelta(seconds=5)


def test_every_endpoint_is_listed() -> None:
    assert set(ENDPOINT_NAMES) == {
        "homesdata",
        "gethomedata",
        "homestatus",
        "getevents",
        "getstationsdata",
        "gethomecoachsdata",
        "getmeasure",
        "getscenarios",
        "setstate",
        "getcamerapicture",
        "addwebhook",
        "dropwebhook",
    }


# --- injected faults ---------------------------------------------------------------------


async def test_unknown_api_route(client: Netatmo) -> None:
    reply = await client.get("getthermostatsdata")
    assert reply.status == 404
    assert reply.body["error"]["code"] == 1


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("http_500", 500, 1), ("http_401", 401, 2), ("http_429", 429, 26)],
)
async def test_http_faults_use_netatmo_errors(
    client: Netatmo, sim: NetatmoSimulator, kind: str, status: int, code: int
) -> None:
    sim.add_fault(kind, route="/api/homestatus", times=1)
    reply = await client.get("homestatus", home_id=HOME)
    assert error_of(reply) == (status, code)
    if kind == "http_429":
        assert reply.headers["Retry-After"] == "30"
    assert (await client.get("homestatus", home_id=HOME)).status == 200


async def test_faults_need_no_token(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.add_fault("http_503", route="/api/homesdata", times=1)
    reply = await client.request("GET", "/api/homesdata", token=None)
    assert (reply.status, reply.content_type) == (503, "text/html")


async def test_html_error_and_malformed_json(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.add_fault("html_error", route="/api/getevents", times=1)
    sim.add_fault("malformed_json", route="/api/getevents", times=1)
    html = await client.get("getevents", home_id=HOME)
    assert (html.status, html.content_type) == (502, "text/html")
    broken = await client.get("getevents", home_id=HOME)
    assert broken.status == 200
    assert broken.raw.startswith(b'{"body": {')
    with pytest.raises(ValueError):
        _ = broken.body


async def test_timeout_fault(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.add_fault("timeout", route="/api/homesdata", times=1, timeout_seconds=5)
    with pytest.raises(TimeoutError):
        await client.request("GET", "/api/homesdata", give_up=0.05)
    sim.add_fault("timeout", route="/api/homesdata", times=1, timeout_seconds=0.01)
    assert (await client.get("homesdata")).status == 200


async def test_body_code_is_an_error_inside_a_success(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.add_fault("body_code", route="/api/homestatus", times=1)
    payload = (await client.get("homestatus", home_id=HOME)).body
    assert payload["status"] == "ok"
    assert payload["body"] == {
        "errors": [{"code": 6, "id": HOME}],
        "home": {"id": HOME},
    }
    sim.add_fault("body_code", route="/api/getstationsdata", times=1, code=41)
    body = await client.body("getstationsdata", device_id=STATION)
    assert body == {"errors": [{"code": 41, "id": STATION}]}


async def test_rewriting_faults(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.add_fault("missing_fields", route="/api/homesdata", times=1)
    assert await client.body("homesdata") == {}
    sim.add_fault("missing_fields", route="/api/homesdata", times=1, value=KEEP_ID)
    kept = await client.body("homesdata")
    assert kept["homes"][0]["modules"][0] == {
        "id": CAM,
        "type": "NACamera",
        "room_id": "1001",
    }
    assert kept["homes"][0]["rooms"][0] == {
        "id": "1001",
        "type": "livingroom",
        "module_ids": [CAM],
    }
    assert kept["user"] == {"id": USER}
    sim.add_fault("data_null", route="/api/homestatus", times=1)
    assert (await client.get("homestatus", home_id=HOME)).body["body"] is None
    sim.add_fault("wrong_types", route="/api/getstationsdata", times=1)
    station = (await client.body("getstationsdata"))["devices"][0]
    assert station["_id"] == STATION
    assert station["dashboard_data"]["Temperature"] == "abc"
    sim.add_fault("out_of_range", route="/api/gethomecoachsdata", times=1, value=-999)
    coach = (await client.body("gethomecoachsdata"))["devices"][0]
    assert coach["dashboard_data"]["CO2"] == -999


async def test_rewriting_faults_keep_other_envelopes(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.set_shapes(envelope="flat")
    sim.add_fault("data_null", route="/api/homestatus", times=1)
    payload = (await client.get("homestatus", home_id=HOME)).body
    assert payload["status"] == "ok"
    assert payload["home"] is None
    sim.set_shapes(envelope="bare")
    sim.add_fault("missing_fields", route="/api/homesdata", times=1)
    assert (await client.get("homesdata")).body == {}


async def test_huge_body_and_connection_reset(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.add_fault("huge_body", route="/api/homesdata", times=1)
    huge = await client.get("homesdata")
    assert len(huge.raw) == HUGE_BODY_SIZE
    assert huge.body["status"] == "ok"
    # a POST, as aiohttp retries an idempotent request once after a reset
    sim.add_fault("connection_reset", route="/api/setstate", times=1)
    with pytest.raises((ClientOSError, ServerDisconnectedError)):
        await client.setstate(HOME, {"id": CAM, "monitoring": "off"})
    assert sim.module(CAM).monitoring == "on"  # the API never saw it


async def test_homesdata_list_faults(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.add_fault("empty_list", times=1)
    assert (await client.body("homesdata"))["homes"] == []
    sim.add_fault("drop_device", value=NOC, times=1)
    home = (await client.body("homesdata"))["homes"][0]
    assert NOC not in [m["id"] for m in home["modules"]]
    assert home["rooms"][1]["module_ids"] == []
    sim.add_fault("minimal_entries", times=1)
    home = (await client.body("homesdata"))["homes"][0]
    assert home["modules"][0] == {"id": CAM, "type": "NACamera"}
    sim.set_shapes(homesdata="control")
    sim.add_fault("bad_entries", times=1)
    home = (await client.body("homesdata"))["homes"][0]
    assert home["rooms"][0]["devices"][-2:] == ["garbage", None]
    # they act on homesdata only
    sim.add_fault("empty_list", times=1)
    assert (await client.body("homestatus", home_id=HOME))["home"]["modules"]
    assert sim.faults  # not used up elsewhere
