"""Tests of the Ninja Blocks simulator's devices: listing, metadata, commands, auth."""

from __future__ import annotations

import pytest

from simulator.ninjablocks import NinjaBlocksSimulator

from . import (
    ALL,
    BUTTON,
    CONTACT,
    DISTANCE,
    DOOR_BELL,
    DOOR_BELL_CODE,
    HEAT_LAMP,
    HEAT_LAMP_CODE,
    HUMIDITY,
    INVALID_TOKEN,
    LED,
    LIGHT,
    NODE,
    PIR,
    RELAY,
    RF,
    T0_MS,
    TEMPERATURE,
    WEBCAM,
    WEBHOOK,
    Ninja,
    data,
    done,
    refused,
)

# The doc's sample listing entries, times apart.
DOC_HUMIDITY = {
    "css_class": "sensor rf digital humidity",
    "default_name": "Humidity",
    "device_type": "humidity",
    "did": "30",
    "gid": "0301",
    "has_subdevice_count": 0,
    "has_time_series": 1,
    "is_actuator": 0,
    "is_sensor": 1,
    "is_silent": 0,
    "meta": {},
    "node": NODE,
    "shortName": "Humidity",
    "subDevices": {},
    "vid": "0",
}


async def test_listing_is_the_doc_sample_and_more(client: Ninja) -> None:
    listing = await client.ok("/devices")
    assert list(listing) == ALL
    humidity = dict(listing[HUMIDITY])
    last = humidity.pop("last_data")
    assert humidity == DOC_HUMIDITY
    assert last["DA"] == 58
    assert T0_MS - 120_000 < last["timestamp"] <= T0_MS
    assert listing[TEMPERATURE]["last_data"]["DA"] == 26.6
    assert listing[TEMPERATURE]["last_data"]["timestamp"] == last["timestamp"] + 1
    led = listing[LED]
    assert (led["device_type"], led["css_class"], led["default_name"]) == (
        "rgbled",
        "actuator cape led rgbled",
        "On Board RGB LED",
    )
    assert (led["is_actuator"], led["is_sensor"], led["last_data"]["DA"]) == (
        1,
        1,
        "22B42B",
    )
    rf = listing[RF]
    assert rf["has_subdevice_count"] == 1
    assert rf["last_data"]["DA"] == "010001010101010100010101"
    assert rf["subDevices"] == {
        DOOR_BELL: {
            "category": "rf",
            "data": DOOR_BELL_CODE,
            "shortName": "Door Bell",
            "type": "sensor",
        },
        HEAT_LAMP: {
            "category": "rf",
            "data": HEAT_LAMP_CODE,
            "shortName": "Heat lamp on",
            "type": "actuator",
        },
    }
    assert "guid" not in humidity


async def test_the_added_devices(client: Ninja) -> None:
    listing = await client.ok("/devices")
    expected = {
        PIR: ("pir", 0, 1, 0, 0),
        CONTACT: ("contact", 0, 1, 0, 0),
        BUTTON: ("button", 0, 1, 0, 0),
        RELAY: ("relay", 0, 1, 1, 0),
        DISTANCE: ("distance", 120, 1, 0, 1),
        LIGHT: ("light", 350, 1, 0, 1),
    }
    for guid, (kind, da, sensor, actuator, series) in expected.items():
        device = listing[guid]
        assert device["device_type"] == kind
        assert device["last_data"]["DA"] == da
        assert (
            device["is_sensor"],
            device["is_actuator"],
            device["has_time_series"],
        ) == (sensor, actuator, series)
        node, gid, vid, did = guid.split("_")
        assert (device["node"], device["gid"], device["vid"], device["did"]) == (
            node,
            gid,
            vid,
            did,
        )
    webcam = listing[WEBCAM]
    assert webcam["device_type"] == "webcam"
    assert (
        webcam["is_sensor"],
        webcam["is_actuator"],
        webcam["has_time_series"],
    ) == (0, 0, 0)
    assert webcam["last_data"] == {}
    webhook = listing[WEBHOOK]
    assert (webhook["node"], webhook["gid"], webhook["vid"], webhook["did"]) == (
        "WEBHOOK",
        "0",
        "0",
        "108",
    )
    assert webhook["device_type"] == "webhook"
    assert webhook["subDevices"] == {
        "LA9EJ": {
            "category": "webhook",
            "data": "",
            "shortName": "Dinner bell",
            "type": "sensor",
            "token": "1c0c8929-3318-411d-96e0-36fb7872ea5d",
        }
    }


async def test_listing_shapes(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.set_shapes(listing="list", empty_subdevices="list", no_data="missing")
    listing = await client.ok("/devices")
    assert [device["guid"] for device in listing] == ALL
    assert listing[0]["subDevices"] == []
    assert "last_data" not in listing[ALL.index(WEBCAM)]
    with pytest.raises(ValueError, match="listing"):
        sim.set_shapes(listing="dict")


async def test_one_device(client: Ninja) -> None:
    device = await client.ok(f"/device/{TEMPERATURE}")
    assert device["guid"] == TEMPERATURE
    assert device["device_type"] == "temperature"
    assert device["last_data"]["DA"] == 26.6
    reply = await client.get("/device/NOSUCHNODE_0_0_1")
    assert refused(reply, 404, 404) == "Device not found"


async def test_heartbeat(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    beat = await client.ok(f"/device/{TEMPERATURE}/heartbeat")
    assert beat == {
        "G": "0301",
        "V": 0,
        "D": 31,
        "DA": 26.6,
        "GUID": TEMPERATURE,
        "timestamp": sim.device(TEMPERATURE).last_data.timestamp,  # type: ignore[union-attr]
        "node": NODE,
    }
    assert await client.ok(f"/device/{WEBCAM}/heartbeat") == {
        "G": "0",
        "V": 0,
        "D": 1004,
        "GUID": WEBCAM,
        "node": NODE,
    }
    assert (await client.get("/device/NOPE_0_0_1/heartbeat")).status == 404


async def test_led_colour(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    done(await client.put(f"/device/{LED}", {"DA": "ff00fF"}))
    beat = await client.ok(f"/device/{LED}/heartbeat")
    assert beat["DA"] == "FF00FF"
    assert beat["timestamp"] >= T0_MS
    listing = await client.ok("/devices")
    assert listing[LED]["last_data"] == {"DA": "FF00FF", "timestamp": beat["timestamp"]}
    for wrong in ("#FF00FF", "FF00F", "GG0000", 16711935, None, "1"):
        assert "hex" in refused(await client.put(f"/device/{LED}", {"DA": wrong}))
    assert (await client.ok(f"/device/{LED}/heartbeat"))["DA"] == "FF00FF"
    assert [c.accepted for c in sim.commands] == [True] + [False] * 6


async def test_relay(client: Ninja) -> None:
    done(await client.put(f"/device/{RELAY}", {"DA": "1"}))
    assert (await client.ok(f"/device/{RELAY}/heartbeat"))["DA"] == 1
    done(await client.put(f"/device/{RELAY}", {"DA": 0}))
    assert (await client.ok(f"/device/{RELAY}/heartbeat"))["DA"] == 0
    for wrong in ("on", 2, True, "FF00FF"):
        refused(await client.put(f"/device/{RELAY}", {"DA": wrong}))


async def test_rf_transmit(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    before = sim.device(RF).last_data
    lamp = sim.subdevice(RF, HEAT_LAMP)
    actuated = len(lamp.actuations)
    done(await client.put(f"/device/{RF}", {"DA": HEAT_LAMP_CODE}))
    done(await client.put(f"/device/{RF}", {"DA": "0101"}))
    assert [(t.guid, t.code) for t in sim.transmitted] == [
        (RF, HEAT_LAMP_CODE),
        (RF, "0101"),
    ]
    assert sim.device(RF).last_data == before
    assert len(lamp.actuations) == actuated + 1
    assert sim.reports == []
    refused(await client.put(f"/device/{RF}", {"DA": "0120"}))
    assert len(sim.transmitted) == 2


async def test_da_refused_by_non_actuators(client: Ninja) -> None:
    for guid in (TEMPERATURE, PIR, WEBCAM):
        error = refused(await client.put(f"/device/{guid}", {"DA": "1"}))
        assert "actuator" in error
    assert "webhook" in refused(await client.put(f"/device/{WEBHOOK}", {"DA": "1"}))


async def test_rename(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    done(await client.put(f"/device/{LED}", {"shortName": "The color changing light"}))
    assert (await client.ok(f"/device/{LED}"))["shortName"] == (
        "The color changing light"
    )
    for wrong in ("", "   ", 12, "x" * 101):
        refused(await client.put(f"/device/{LED}", {"shortName": wrong}))
    # Both at once: each applied if valid, result 0 if either failed.
    reply = await client.put(f"/device/{LED}", {"shortName": "Lamp", "DA": "nope"})
    refused(reply)
    assert sim.device(LED).short_name == "Lamp"
    done(await client.put(f"/device/{LED}", {"shortName": "Eyes", "DA": "000000"}))
    assert (sim.device(LED).short_name, sim.device(LED).last_data.da) == (  # type: ignore[union-attr]
        "Eyes",
        "000000",
    )


async def test_put_without_anything(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    assert "Nothing" in refused(await client.put(f"/device/{LED}", {}))
    assert "object" in refused(await client.put(f"/device/{LED}", ["DA"]))
    refused(
        await client.request(
            "PUT", f"/device/{LED}", data="not json", params={"x": "1"}
        )
    )
    reply = await client.put("/device/NOPE_0_0_1000", {"DA": "FF0000"})
    refused(reply, 404, 404)
    assert len(sim.commands) == 3


async def test_delete_device(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    done(await client.put(f"/device/{PIR}", {"shortName": "Hall"}))
    done(await client.delete(f"/device/{PIR}"))
    assert PIR not in await client.ok("/devices")
    refused(await client.get(f"/device/{PIR}"), 404, 404)
    refused(await client.delete(f"/device/{PIR}"), 404, 404)
    # It is re-created on its next heartbeat, with its default name.
    sim.report(PIR, 1)
    device = await client.ok(f"/device/{PIR}")
    assert (device["shortName"], device["last_data"]["DA"]) == ("PIR Motion Sensor", 1)
    with pytest.raises(KeyError):
        sim.report("NEVER_0_0_1", 1)


async def test_token(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    for token in (None, "wrong", ""):
        for method, path in (
            ("GET", "/devices"),
            ("GET", f"/device/{LED}"),
            ("PUT", f"/device/{LED}"),
            ("GET", f"/camera/{WEBCAM}/snapshot"),
            ("POST", f"/device/{RF}/subdevice"),
        ):
            reply = await client.request(method, path, token=token, json={})
            assert (reply.status, reply.body) == (401, INVALID_TOKEN)
    # The OAuth parameter name is not the personal token's.
    reply = await client.request(
        "GET", "/devices", token=None, params={"access_token": sim.token}
    )
    assert reply.status == 401
    sim.set_shapes(auth_error="200")
    reply = await client.request("GET", "/devices", token="wrong")
    assert (reply.status, reply.body) == (200, INVALID_TOKEN)
    sim.token = "another"
    assert (await client.get("/devices")).status == 200  # auth_error="200"
    assert (await client.get("/devices")).body == INVALID_TOKEN
    client.token = "another"
    data(await client.get("/devices"))


async def test_unknown_route_and_method(client: Ninja) -> None:
    reply = await client.get("/nothing/here")
    refused(reply, 404, 404)
    reply = await client.request("PATCH", f"/device/{LED}")
    refused(reply, 405, 405)
    assert "PUT" in reply.headers["Allow"]
