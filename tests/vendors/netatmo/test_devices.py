"""The devices a Netatmo account builds from the real API's answers (no Home Assistant).

The benchmark home (three cameras, a gateway, a weather station with its
modules, a home coach) read once: every device's kind, ids, names, areas,
links, capabilities and state, then what is skipped and what is dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.petsmart_hub.model import (
    Action,
    DeviceKind,
    Feature,
    Measurement,
    PowerSupply,
    Scenario,
    SdCard,
)
from custom_components.petsmart_hub.vendors.base import RefreshRequest
from custom_components.petsmart_hub.vendors.netatmo import (
    DESCRIPTOR,
    MANUFACTURER,
    NetatmoAccount,
)

from .conftest import (
    ALICE,
    BOB,
    CAMERAS,
    CLIMATE,
    COACH,
    DOOR_TAG,
    GATEWAY,
    HOME,
    INDOOR,
    OUTDOOR,
    OUTDOOR_MODULE,
    PET_ROOM,
    START,
    STATION,
    T0,
    USER,
    WIND,
    Cloud,
    homesdata,
    homestatus,
    ok,
    stationsdata,
)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def test_the_benchmark_home(account: NetatmoAccount, cloud: Cloud) -> None:
    refresh = await account.async_refresh(RefreshRequest())

    devices = refresh.devices
    assert set(devices) == {HOME, *CAMERAS, *CLIMATE}
    assert not refresh.failed
    assert account.account_id == USER
    assert {d.manufacturer for d in devices.values()} == {MANUFACTURER}
    kinds = {device_id: device.kind for device_id, device in devices.items()}
    assert kinds[HOME] is DeviceKind.HOME
    assert {kinds[c] for c in CAMERAS} == {DeviceKind.CAMERA}
    assert {kinds[c] for c in CLIMATE} == {DeviceKind.CLIMATE_SENSOR}
    # the gateway, the door tag and the wind gauge are listed, and skipped
    assert refresh.listing is not None
    assert refresh.listing.skipped_ids == {GATEWAY, DOOR_TAG, WIND}
    assert refresh.listing.fresh
    assert refresh.listing.complete
    # the first read: topology, scenarios, status, events, both weather reads
    assert sorted(cloud.endpoints()) == sorted(
        [
            "homesdata",
            "getscenarios",
            "homestatus",
            "getevents",
            "getstationsdata",
            "gethomecoachsdata",
        ]
    )


async def test_the_home(account: NetatmoAccount) -> None:
    home = (await account.async_refresh(RefreshRequest())).devices[HOME]

    assert home.name == "Home"
    assert home.model == "Home"
    assert home.actions == {Action.RUN_SCENARIO}  # it has a gateway (NLG)
    assert home.calls_last_hour == 6
    assert home.updated_at == START
    assert home.home is not None
    alice, bob = home.home.persons[ALICE], home.home.persons[BOB]
    assert (alice.name, alice.at_home, alice.last_seen) == ("Alice", True, at(T0 - 600))
    assert (bob.name, bob.at_home, bob.last_seen) == ("Bob", False, at(T0 - 86400))
    assert home.home.scenarios == [
        Scenario("home", "Home"),
        Scenario("away", "Away"),
        Scenario("5f1a2b3c", "Movie night"),
    ]


async def test_a_home_without_gateway_lists_its_scenarios_only(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    topology = homesdata()
    topology["homes"][0]["modules"] = [
        m for m in topology["homes"][0]["modules"] if m["type"] != "NLG"
    ]
    cloud.reply("homesdata", ok(topology))

    home = (await account.async_refresh(RefreshRequest())).devices[HOME]

    assert home.actions == frozenset()
    assert home.home is not None
    assert len(home.home.scenarios) == 3


async def test_the_cameras(account: NetatmoAccount) -> None:
    devices = (await account.async_refresh(RefreshRequest())).devices
    indoor, outdoor, doorbell = (devices[c] for c in CAMERAS)

    assert [c.model for c in (indoor, outdoor, doorbell)] == [
        "Smart Indoor Camera",
        "Smart Outdoor Camera",
        "Smart Video Doorbell",
    ]
    assert [c.name for c in (indoor, outdoor, doorbell)] == [
        "Living room cam",
        "Garden",
        "Front door",
    ]
    # rooms by the room's module_ids, by the module's room_id, or none
    assert [c.area for c in (indoor, outdoor, doorbell)] == [
        "Living room",
        None,
        "Hall",
    ]
    assert {c.via_device for c in (indoor, outdoor, doorbell)} == {HOME}
    features = frozenset({Feature.LIVE_STREAM, Feature.SNAPSHOT, Feature.CAMERA_EVENTS})
    assert {c.features for c in (indoor, outdoor, doorbell)} == {features}
    assert indoor.actions == outdoor.actions == {Action.SET_MONITORING}
    assert doorbell.actions == frozenset()  # a doorbell has no monitoring
    assert [c.firmware for c in (indoor, outdoor, doorbell)] == ["181", "3.2.0", None]
    assert {c.online for c in (indoor, outdoor, doorbell)} == {True}
    assert indoor.camera is not None
    assert outdoor.camera is not None
    assert doorbell.camera is not None
    assert (indoor.camera.monitoring, outdoor.camera.monitoring) == (True, False)
    assert doorbell.camera.monitoring is None
    assert (indoor.camera.sd_card, outdoor.camera.sd_card) == (
        SdCard.READY,
        SdCard.DEFECT,
    )
    assert (indoor.camera.power_supply, outdoor.camera.power_supply) == (
        PowerSupply.OK,
        PowerSupply.INSUFFICIENT,
    )
    assert indoor.camera.last_event is None  # no event yet


async def test_the_climate_sensors(account: NetatmoAccount) -> None:
    devices = (await account.async_refresh(RefreshRequest())).devices
    station, outdoor, pet_room, coach = (devices[c] for c in CLIMATE)

    assert station.readings == {
        Measurement.TEMPERATURE: 22.4,
        Measurement.CO2: 612,
        Measurement.HUMIDITY: 45,
        Measurement.NOISE: 38,
        Measurement.PRESSURE: 1015.2,  # at sea level, not AbsolutePressure
    }
    assert outdoor.readings == {
        Measurement.TEMPERATURE: 9.5,
        Measurement.HUMIDITY: 80,
    }
    assert pet_room.readings[Measurement.CO2] == 700
    assert coach.readings[Measurement.NOISE] == 40
    assert [d.model for d in (station, outdoor, pet_room, coach)] == [
        "Smart Weather Station",
        "Smart Outdoor Module",
        "Smart Additional Indoor Module",
        "Smart Indoor Air Quality Monitor",
    ]
    assert [d.name for d in (station, outdoor, pet_room, coach)] == [
        "Indoor",
        "Outdoor",
        "Pet room",
        "Bedroom",
    ]
    assert [d.area for d in (station, outdoor, pet_room, coach)] == [
        "Indoor",
        "Outdoor",
        "Pet room",
        "Bedroom",
    ]
    assert [d.via_device for d in (station, outdoor, pet_room, coach)] == [
        None,
        STATION,
        STATION,
        None,
    ]
    assert [d.battery for d in (station, outdoor, pet_room, coach)] == [
        None,
        79,
        60,
        None,
    ]
    assert station.climate is not None
    assert station.climate.measured_at == at(T0 - 300)
    assert outdoor.climate is not None
    assert outdoor.climate.measured_at == at(T0 - 280)
    assert station.firmware == "181"
    assert {d.online for d in (station, outdoor, pet_room, coach)} == {True}
    assert {d.actions for d in (station, outdoor, pet_room, coach)} == {frozenset()}


async def test_an_unreachable_station_has_no_readings(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    stations = stationsdata()
    main = stations["devices"][0]
    main["reachable"] = False
    del main["dashboard_data"]
    cloud.reply("getstationsdata", ok(stations))

    station = (await account.async_refresh(RefreshRequest())).devices[STATION]

    assert station.online is False
    assert station.readings == {}
    assert station.climate is not None
    assert station.climate.measured_at is None


@pytest.mark.parametrize(
    ("change", "online"),
    [
        (lambda m: m.update(reachable=False), False),
        (lambda m: m.update(status="offline"), False),
        (lambda m: m.update(status="disconnected"), False),
        (lambda m: m.update(status="online"), True),
        (lambda m: m.clear() or m.update(id=INDOOR), True),  # bare: connected
    ],
)
async def test_camera_connection_from_homestatus(
    account: NetatmoAccount, cloud: Cloud, change: Any, online: bool
) -> None:
    status = homestatus(cloud.base_url)
    change(status["home"]["modules"][0])
    cloud.reply("homestatus", ok(status))

    devices = (await account.async_refresh(RefreshRequest())).devices

    assert devices[INDOOR].online is online


async def test_a_camera_missing_from_homestatus_is_offline(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    status = homestatus(cloud.base_url)
    status["home"]["modules"] = status["home"]["modules"][1:]
    cloud.reply("homestatus", ok(status))

    devices = (await account.async_refresh(RefreshRequest())).devices

    assert devices[INDOOR].online is False
    assert devices[OUTDOOR].online is True


async def test_a_disconnected_camera_in_the_errors_is_offline(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    """pyatmo's fixture: a module that is not connected only in ``errors``."""
    status = homestatus(cloud.base_url)
    status["errors"] = [{"code": 6, "id": OUTDOOR}]
    cloud.reply("homestatus", ok(status))

    devices = (await account.async_refresh(RefreshRequest())).devices

    assert devices[OUTDOOR].online is False
    assert devices[INDOOR].online is True


async def test_the_older_string_forms(account: NetatmoAccount, cloud: Cloud) -> None:
    status = homestatus(cloud.base_url)
    indoor, outdoor, doorbell = status["home"]["modules"][:3]
    indoor.update(sd_status="on", alim_status="on")
    del indoor["monitoring"]
    indoor["status"] = "on"  # the older answers' monitoring
    outdoor.update(sd_status="off", alim_status="off")
    doorbell.update(sd_status="ok", alim_status="ok")
    cloud.reply("homestatus", ok(status))

    devices = (await account.async_refresh(RefreshRequest())).devices
    cameras = [devices[c].camera for c in CAMERAS]

    assert [c.sd_card for c in cameras if c] == [
        SdCard.READY,
        SdCard.MISSING,
        SdCard.READY,
    ]
    assert [c.power_supply for c in cameras if c] == [
        PowerSupply.OK,
        PowerSupply.INSUFFICIENT,
        PowerSupply.OK,
    ]
    assert cameras[0] is not None
    assert cameras[0].monitoring is True


@pytest.mark.parametrize(
    ("sd_status", "card"),
    [
        (1, SdCard.MISSING),
        (2, SdCard.INSERTED),
        (3, SdCard.FORMATTED),
        (4, SdCard.READY),
        (5, SdCard.DEFECT),
        (6, SdCard.INCOMPATIBLE),
        (7, SdCard.TOO_SMALL),
        ("4", SdCard.READY),
        (99, None),
        ("broken", None),
    ],
)
async def test_every_sd_status(
    account: NetatmoAccount, cloud: Cloud, sd_status: Any, card: SdCard | None
) -> None:
    status = homestatus(cloud.base_url)
    status["home"]["modules"][0]["sd_status"] = sd_status
    cloud.reply("homestatus", ok(status))

    devices = (await account.async_refresh(RefreshRequest())).devices

    assert devices[INDOOR].camera is not None
    assert devices[INDOOR].camera.sd_card is card
    assert (account.report.rejected["camera.sd_card"] == 1) is (card is None)


async def test_implausible_readings_are_dropped_and_counted(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    stations = stationsdata()
    dashboard = stations["devices"][0]["dashboard_data"]
    dashboard.update(Temperature=150, CO2=-5, Noise="loud", Pressure=50000)
    dashboard["time_utc"] = 99999999999999  # year 5138
    stations["devices"][0]["modules"][0]["battery_percent"] = 180
    cloud.reply("getstationsdata", ok(stations))

    devices = (await account.async_refresh(RefreshRequest())).devices

    station = devices[STATION]
    assert station.readings == {Measurement.HUMIDITY: 45}
    assert station.climate is not None
    assert station.climate.measured_at is None
    assert devices[OUTDOOR_MODULE].battery is None
    assert devices[OUTDOOR_MODULE].readings[Measurement.TEMPERATURE] == 9.5
    rejected = account.report.rejected
    assert rejected["readings.temperature"] == 1
    assert rejected["readings.co2"] == 1
    assert rejected["readings.noise"] == 1  # not a number
    assert rejected["readings.pressure"] == 1
    assert rejected["battery"] == 1
    assert rejected["climate.measured_at"] == 1
    # counted once, not again on every build
    await account.async_refresh(RefreshRequest())
    assert account.report.rejected["readings.temperature"] == 1


async def test_unreadable_entries_are_skipped_and_make_the_listing_incomplete(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    topology = homesdata()
    topology["homes"][0]["modules"].append({"type": "NACamera", "name": "no id"})
    topology["homes"].append({"name": "a home without id"})
    stations = stationsdata()
    stations["devices"].append("not a device")
    cloud.reply("homesdata", ok(topology))
    cloud.reply("getstationsdata", ok(stations))

    refresh = await account.async_refresh(RefreshRequest())

    assert set(refresh.devices) == {HOME, *CAMERAS, *CLIMATE}
    assert refresh.listing is not None
    assert refresh.listing.unreadable == 3
    assert not refresh.listing.complete
    assert account.report.skipped["module"] == 1
    assert account.report.skipped["home"] == 1


async def test_a_homes_name_left_out_is_a_stand_in(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    topology = homesdata()
    del topology["homes"][0]["name"]
    del topology["homes"][0]["modules"][1]["name"]
    cloud.reply("homesdata", ok(topology))

    devices = (await account.async_refresh(RefreshRequest())).devices

    assert (devices[HOME].name, devices[HOME].name_reported) == ("Netatmo home", False)
    assert (devices[OUTDOOR].name, devices[OUTDOOR].name_reported) == (
        "Smart Outdoor Camera",
        False,
    )


async def test_identify_reads_the_topology_only(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    inventory = await account.async_identify()

    assert cloud.endpoints() == ["homesdata"]
    assert {d.id for d in inventory} == {HOME, *CAMERAS}
    assert account.account_id == USER
    # the first refresh does not read the topology again
    await account.async_refresh(RefreshRequest())
    assert cloud.calls("homesdata") == 1


async def test_the_account_id_without_a_user_is_the_first_homes(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    topology = homesdata()
    del topology["user"]
    cloud.reply("homesdata", ok(topology))

    await account.async_identify()

    assert account.account_id == HOME


async def test_the_descriptor(cloud: Cloud) -> None:
    assert DESCRIPTOR.key == "netatmo"
    assert DESCRIPTOR.title == "Netatmo"
    assert DESCRIPTOR.default_url == "https://api.netatmo.com"
    assert DESCRIPTOR.oauth2 is not None
    assert DESCRIPTOR.oauth2.authorize_url == "https://api.netatmo.com/oauth2/authorize"
    assert DESCRIPTOR.oauth2.token_url == "https://api.netatmo.com/oauth2/token"
    assert DESCRIPTOR.oauth2.scopes == (
        "read_camera",
        "write_camera",
        "access_camera",
        "read_presence",
        "write_presence",
        "access_presence",
        "read_doorbell",
        "access_doorbell",
        "read_station",
        "read_homecoach",
    )
    assert DESCRIPTOR.capabilities == {
        Action.SET_MONITORING,
        Action.RUN_SCENARIO,
        Feature.LIVE_STREAM,
        Feature.SNAPSHOT,
        Feature.CAMERA_EVENTS,
    }
    assert DESCRIPTOR.credentials == ()


async def test_the_factory_opens_an_account(cloud: Cloud, tokens: Any) -> None:
    import aiohttp

    from custom_components.petsmart_hub.vendors.descriptor import AccountContext

    async with aiohttp.ClientSession() as session:
        account = DESCRIPTOR.factory(
            AccountContext(
                session=session,
                credentials={},
                base_url=cloud.base_url,
                options={},
                token=tokens,
                client_secret="secret",
            )
        )
        assert isinstance(account, NetatmoAccount)
        await account.async_identify()
    assert account.client_secret == "secret"
    assert cloud.requests[0].token == tokens.current
    with pytest.raises(ValueError, match="OAuth2"):
        DESCRIPTOR.factory(
            AccountContext(session=session, credentials={}, base_url=None, options={})
        )


async def test_a_refresh_hands_over_new_objects(account: NetatmoAccount) -> None:
    first = await account.async_refresh(RefreshRequest())
    second = await account.async_refresh(RefreshRequest(known=first.devices))

    assert second.devices == first.devices
    assert all(second.devices[i] is not first.devices[i] for i in first.devices)
    assert second.devices[INDOOR].camera is not first.devices[INDOOR].camera


async def test_a_climate_sensor_between_reads_keeps_its_time(
    account: NetatmoAccount, clock: Any
) -> None:
    await account.async_refresh(RefreshRequest())
    clock.advance(timedelta(minutes=1))

    devices = (await account.async_refresh(RefreshRequest())).devices

    assert devices[PET_ROOM].updated_at == START
    assert devices[COACH].updated_at == START


async def test_an_unknown_weather_module_is_skipped(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    stations = stationsdata()
    stations["devices"][0]["modules"].append(
        {"_id": "09:00:00:bb:00:09", "type": "NAModule9", "module_name": "New"}
    )
    stations["devices"][0]["modules"].append({"type": "NAModule1"})  # no id
    cloud.reply("getstationsdata", ok(stations))

    refresh = await account.async_refresh(RefreshRequest())

    assert "09:00:00:bb:00:09" not in refresh.devices
    assert refresh.listing is not None
    assert "09:00:00:bb:00:09" in refresh.listing.skipped_ids
    assert refresh.listing.unreadable == 1
    assert account.report.skipped["weather module"] == 1


async def test_battery_words_and_broken_batteries(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    stations = stationsdata()
    modules = stations["devices"][0]["modules"]
    modules[0].pop("battery_percent")
    modules[0]["battery_level"] = "Medium"
    modules[1]["battery_percent"] = "empty-ish"
    cloud.reply("getstationsdata", ok(stations))

    devices = (await account.async_refresh(RefreshRequest())).devices

    assert devices[OUTDOOR_MODULE].battery == 50
    assert devices[PET_ROOM].battery is None
    assert account.report.rejected["battery"] == 1


async def test_impossible_times_in_homestatus(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    """A real answer's ``last_seen: 0`` (1970) is no time the device reported."""
    status = homestatus(cloud.base_url)
    status["home"]["modules"][0]["last_seen"] = 0
    status["home"]["persons"][0]["last_seen"] = 0
    cloud.reply("homestatus", ok(status))

    devices = (await account.async_refresh(RefreshRequest())).devices
    await account.async_refresh(RefreshRequest())

    assert devices[INDOOR].last_report is None
    assert devices[HOME].home is not None
    assert devices[HOME].home.persons[ALICE].last_seen is None
    assert account.report.rejected["last_report"] == 1  # once, not per build
    assert account.report.rejected["person.last_seen"] == 1
