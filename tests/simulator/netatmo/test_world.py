"""Tests of the Netatmo simulator's world: ids, sizes, drifting readings, the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.netatmo import NetatmoSimulator
from simulator.netatmo.homes import WorldSpec

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
)


def test_default_world(sim: NetatmoSimulator) -> None:
    assert sim.user_id == USER
    assert list(sim.homes) == [HOME, HOME2]
    home = sim.homes[HOME]
    assert [(m.module_id, m.type) for m in home.modules.values()] == [
        (CAM, "NACamera"),
        (NOC, "NOC"),
        (NDB, "NDB"),
        (NLG, "NLG"),
    ]
    assert home.gateway is not None
    assert home.gateway.module_id == NLG
    assert [(p.pseudo, p.out_of_sight) for p in home.persons.values()] == [
        ("Alice", False),
        ("Bob", True),
    ]
    assert [s.scenario_id for s in home.scenarios] == [
        "home",
        "away",
        "wake_up",
        "bedtime",
        MOVIE_NIGHT,
    ]
    assert list(sim.homes[HOME2].modules) == [CAM2]
    assert sim.homes[HOME2].gateway is None
    assert list(sim.stations) == [STATION]
    assert [m.device_id for m in sim.stations[STATION].modules] == [OUTDOOR, PET_ROOM]
    assert sim.sensor(PET_ROOM).name == "Pet room"
    assert list(sim.coaches) == [COACH]
    hashes = {module.camera_hash for module in home.cameras}
    assert len(hashes) == 3
    assert all(len(h) == 32 for h in hashes)


def test_the_seed_decides_everything() -> None:
    one, again, other = (NetatmoSimulator(seed=s) for s in (1, 1, 2))
    for sim in (one, again, other):
        sim.clock.set(T0)

    def fingerprint(sim: NetatmoSimulator) -> tuple:
        return (
            sim.user_id,
            list(sim.homes),
            [m.camera_hash for h in sim.homes.values() for m in h.cameras],
            [p for h in sim.homes.values() for p in h.persons],
            sim.sensor(STATION).dashboard_data(T0)["Temperature"],
        )

    assert fingerprint(one) == fingerprint(again)
    assert fingerprint(one) != fingerprint(other)


def test_scaling() -> None:
    sim = NetatmoSimulator(
        homes=3,
        indoor_cameras=2,
        outdoor_cameras=0,
        doorbells=2,
        gateway=False,
        stations=2,
        coaches=0,
    )
    first, second, third = sim.homes.values()
    assert [m.type for m in first.modules.values()] == [
        "NACamera",
        "NACamera",
        "NDB",
        "NDB",
    ]
    assert [m.name for m in first.modules.values()] == [
        "Pet cam",
        "Pet cam 2",
        "Front door",
        "Front door 2",
    ]
    assert first.scenarios == []
    assert [m.type for m in third.modules.values()] == ["NACamera", "NACamera"]
    assert third.name == "Home 3"
    assert second.persons == {}
    assert len(sim.stations) == 2
    assert sim.coaches == {}
    assert NetatmoSimulator(homes=0).homes == {}


@pytest.mark.parametrize(
    "sizes", [{"homes": -1}, {"indoor_cameras": 256}, {"homes": 256}]
)
def test_impossible_sizes(sizes: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        WorldSpec(**sizes)


def test_token_lifetime_is_checked(sim: NetatmoSimulator) -> None:
    with pytest.raises(ValueError):
        NetatmoSimulator(token_lifetime=0)
    with pytest.raises(ValueError):
        sim.token_lifetime = -5


# --- readings -----------------------------------------------------------------------


def test_readings_drift_with_the_clock(sim: NetatmoSimulator) -> None:
    station = sim.sensor(STATION)
    seen = []
    for _ in range(24):
        data = station.dashboard_data(sim.clock.now())
        assert 20.3 <= data["Temperature"] <= 22.7
        assert 500 <= data["CO2"] <= 800
        assert 40 <= data["Humidity"] <= 50
        seen.append(data["Temperature"])
        sim.clock.advance(3600)
    assert len(set(seen)) > 5
    # one measurement every five minutes: nothing moves in between
    tick = station.measured_at(T0)
    assert station.dashboard_data(tick) == station.dashboard_data(
        tick + timedelta(seconds=299)
    )
    assert station.dashboard_data(tick)["time_utc"] == int(tick.timestamp())
    assert station.measured_at(tick + timedelta(seconds=300)) > tick


async def test_readings_drift_in_the_api(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    before = (await client.body("getstationsdata"))["devices"][0]["dashboard_data"]
    sim.clock.advance(6 * 3600)
    client.token = sim.issue_token()["access_token"]  # the first one expired
    after = (await client.body("getstationsdata"))["devices"][0]["dashboard_data"]
    assert after["time_utc"] - before["time_utc"] == pytest.approx(6 * 3600, abs=300)
    assert (before["Temperature"], before["CO2"]) != (
        after["Temperature"],
        after["CO2"],
    )


async def test_set_reading(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.set_reading(PET_ROOM, "Temperature", 35.5)
    sim.set_reading(STATION, "Pressure", 990.0)
    sim.set_reading(COACH, "health_idx", 3)
    body = await client.body("getstationsdata")
    station = body["devices"][0]["dashboard_data"]
    pet_room = body["devices"][0]["modules"][1]["dashboard_data"]
    assert pet_room["Temperature"] == 35.5
    assert pet_room["max_temp"] == 35.5
    assert pet_room["temp_trend"] == "stable"
    assert (station["Pressure"], station["AbsolutePressure"]) == (990.0, 983.9)
    coach = (await client.body("gethomecoachsdata"))["devices"][0]["dashboard_data"]
    assert coach["health_idx"] == 3
    sim.clock.advance(7200)
    assert sim.sensor(PET_ROOM).dashboard_data(sim.clock.now())["Temperature"] == 35.5
    sim.set_reading(PET_ROOM, "Temperature", None)
    assert sim.sensor(PET_ROOM).dashboard_data(sim.clock.now())["Temperature"] < 23
    with pytest.raises(ValueError, match="Noise"):
        sim.set_reading(OUTDOOR, "Noise", 40)
    with pytest.raises(KeyError):
        sim.set_reading(CAM, "Temperature", 20)


def test_update_module(sim: NetatmoSimulator) -> None:
    assert sim.update_module(CAM, wifi_strength=20).wifi_strength == 20
    assert sim.update_module(OUTDOOR, battery_percent=5).battery_percent == 5
    with pytest.raises(AttributeError, match="colour"):
        sim.update_module(CAM, colour="red")
    with pytest.raises(KeyError):
        sim.update_module("nope", wifi_strength=1)


async def test_set_person_home(client: Netatmo, sim: NetatmoSimulator) -> None:
    alice, bob = sim.homes[HOME].persons
    sim.set_person_home(bob, True)
    sim.set_person_home(alice, False)
    persons = (await client.body("homestatus", home_id=HOME))["home"]["persons"]
    assert {p["id"]: p["out_of_sight"] for p in persons} == {alice: True, bob: False}
    with pytest.raises(KeyError):
        sim.set_person_home("nobody", True)


# --- the clock ----------------------------------------------------------------------


async def test_setting_the_clock_keeps_the_past_relative(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.token_lifetime = 600
    client.token = sim.issue_token()["access_token"]
    sim.raise_event(CAM, "movement")
    later = T0 + timedelta(days=30)
    sim.clock.set(later)
    events = (await client.body("getevents", home_id=HOME))["home"]["events"]
    assert events[0]["time"] == pytest.approx(int(later.timestamp()), abs=2)
    persons = (await client.body("homestatus", home_id=HOME))["home"]["persons"]
    away = next(p for p in persons if p["out_of_sight"])
    assert int(later.timestamp()) - away["last_seen"] == pytest.approx(26 * 3600, abs=5)
    # the token still has its ten minutes
    sim.clock.advance(599)
    assert (await client.get("homesdata")).status == 200
    sim.clock.advance(2)
    assert (await client.get("homesdata")).status == 403
