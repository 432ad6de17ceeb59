"""Tests of the Ninja Blocks simulator's sub-devices and webhook tickles."""

from __future__ import annotations

import re

from simulator.ninjablocks import NinjaBlocksSimulator

from . import (
    DINNER_BELL,
    DINNER_BELL_TOKEN,
    DOOR_BELL,
    LED,
    RF,
    T0_MS,
    WEBHOOK,
    Ninja,
    data,
    done,
    refused,
)

UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)


async def test_rf_lifecycle(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    created = data(
        await client.post(
            f"/device/{RF}/subdevice",
            {
                "category": "rf",
                "type": "actuator",
                "shortName": "Lamp Off",
                "data": "001100110011000011100101",
            },
        )
    )
    assert set(created) == {"id"}
    sub_id = created["id"]
    assert re.fullmatch(r"[A-Za-z0-9]{5}", sub_id)
    listing = await client.ok("/devices")
    assert listing[RF]["subDevices"][sub_id] == {
        "category": "rf",
        "type": "actuator",
        "shortName": "Lamp Off",
        "data": "001100110011000011100101",
    }
    path = f"/device/{RF}/subdevice/{sub_id}"
    done(await client.put(path, {"data": "100010100010101011010110"}))
    done(await client.put(path, {"shortName": "Lamp On", "type": "sensor"}))
    device = await client.ok(f"/device/{RF}")
    assert device["subDevices"][sub_id] == {
        "category": "rf",
        "type": "sensor",
        "shortName": "Lamp On",
        "data": "100010100010101011010110",
    }
    done(await client.delete(path))
    assert sub_id not in (await client.ok(f"/device/{RF}"))["subDevices"]
    refused(await client.delete(path), 404, 404)
    refused(await client.put(path, {"shortName": "x"}), 404, 404)
    assert set(sim.device(RF).sub_devices) >= {DOOR_BELL}


async def test_ids_are_unique_and_seeded(client: Ninja) -> None:
    body = {"category": "rf", "type": "sensor", "shortName": "Remote"}
    ids = [
        data(await client.post(f"/device/{RF}/subdevice", body))["id"] for _ in range(5)
    ]
    assert len(set(ids)) == 5
    # Another simulator with the same seed hands out the same ids.
    other = NinjaBlocksSimulator()
    from simulator.ninjablocks.world import new_subdevice_id

    assert new_subdevice_id(other._rng, {}) == ids[0]


async def test_create_validation(client: Ninja) -> None:
    path = f"/device/{RF}/subdevice"
    good = {"category": "rf", "type": "sensor", "shortName": "Remote"}
    for change, word in (
        ({"category": "zigbee"}, "category"),
        ({"category": None}, "category"),
        ({"type": "both"}, "type"),
        ({"shortName": ""}, "shortName"),
        ({"shortName": None}, "shortName"),
        ({"data": 101}, "data"),
        ({"category": "webhook"}, "correspond"),
        ({"category": "sms"}, "correspond"),
        ({"url": "http://example.com/hit"}, "url"),
    ):
        body = {k: v for k, v in {**good, **change}.items() if v is not None}
        assert word in refused(await client.post(path, body)), change
    assert "correspond" in refused(await client.post(f"/device/{LED}/subdevice", good))
    refused(await client.post("/device/NOPE_0_0_11/subdevice", good), 404, 404)
    assert "Nothing" in refused(await client.put(f"{path}/{DOOR_BELL}", {}))
    refused(await client.put(f"{path}/{DOOR_BELL}", {"category": "webhook"}))


async def test_webhook_sensor_and_tickle(
    client: Ninja, sim: NinjaBlocksSimulator
) -> None:
    created = data(
        await client.post(
            f"/device/{WEBHOOK}/subdevice",
            {"category": "webhook", "type": "sensor", "shortName": "My Sensor Webhook"},
        )
    )
    assert set(created) == {"id", "token"}
    assert UUID.match(created["token"])
    sub_id, token = created["id"], created["token"]
    assert sim.tickle_url(WEBHOOK, sub_id).endswith(f"/{sub_id}/tickle/{token}")
    tickle = f"/device/{WEBHOOK}/subdevice/{sub_id}/tickle/{token}"
    done(await client.request("POST", tickle, token=None))
    assert sim.device(WEBHOOK).last_data.da == sub_id  # type: ignore[union-attr]
    (count,) = await client.ok(
        f"/device/{WEBHOOK}/subdevice/{sub_id}/data", **{"from": str(T0_MS - 1)}
    )
    assert count["v"] == 1
    # A wrong token is refused like a wrong API token; an unknown one is 404.
    wrong = f"/device/{WEBHOOK}/subdevice/{sub_id}/tickle/not-the-token"
    reply = await client.request("POST", wrong, token=None)
    assert refused(reply, 401, 401) == "Invalid Token"
    refused(
        await client.request(
            "POST", f"/device/{WEBHOOK}/subdevice/nope1/tickle/{token}", token=None
        ),
        404,
        404,
    )
    assert [(t.subdevice_id, t.accepted) for t in sim.tickles] == [
        (sub_id, True),
        (sub_id, False),
    ]


async def test_the_seeded_webhook_sensor(
    client: Ninja, sim: NinjaBlocksSimulator
) -> None:
    tickle = f"/device/{WEBHOOK}/subdevice/{DINNER_BELL}/tickle/{DINNER_BELL_TOKEN}"
    before = len(sim.subdevice(WEBHOOK, DINNER_BELL).actuations)
    done(await client.request("POST", tickle, token=None))
    assert len(sim.subdevice(WEBHOOK, DINNER_BELL).actuations) == before + 1
    assert sim.tickle_url(WEBHOOK, DINNER_BELL) == f"/rest/v0{tickle}"


async def test_webhook_actuator(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    body = {
        "category": "webhook",
        "type": "actuator",
        "shortName": "Hit it",
        "url": "http://example.com/webhook/to/hit",
    }
    created = data(await client.post(f"/device/{WEBHOOK}/subdevice", body))
    assert set(created) == {"id"}
    sub = sim.subdevice(WEBHOOK, created["id"])
    assert (sub.url, sub.token) == ("http://example.com/webhook/to/hit", None)
    path = f"/device/{WEBHOOK}/subdevice/{sub.sub_id}"
    refused(await client.put(path, {"url": "not a url"}))
    reply = await client.request("POST", f"{path}/tickle/anything", token=None)
    refused(reply, 404, 404)
    # Turned into a sensor: the url goes, a token comes.
    done(await client.put(path, {"type": "sensor"}))
    assert sub.url is None
    assert sub.token is not None
    done(await client.put(path, {"type": "actuator", "url": "https://example.com/b"}))
    changed = sim.subdevice(WEBHOOK, sub.sub_id)
    assert (changed.url, changed.token) == ("https://example.com/b", None)
