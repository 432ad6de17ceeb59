"""Tests of the Instathings simulator's devices, types, protocols, logs, certificates."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from simulator.instathings import InstathingsSimulator
from simulator.instathings.world import short_id

from . import (
    ALL_DEVICES,
    CLIMATE,
    FOUNTAIN,
    GATEWAY,
    HTTP,
    LAMP,
    PROJECT,
    SHELLY,
    SUB_DEVICES,
    T0,
    VIRTUAL,
    ZIGBEE,
    Insta,
)

HUE_TYPE = "4023br5d-9f88-4f31-97c2-0e682aef543f"
GATE_TYPE = "4023bd5d-9f88-4761-97c2-0e682aef5437"
SHELLY_TYPE = "c2d8f4a6-3e1b-4c7d-9f05-6a8b2e4d1c93"


# --- list and by id ----------------------------------------------------------------------


async def test_device_list_doc_shape(client: Insta) -> None:
    devices = await client.ok("/device/v1/devices")
    assert isinstance(devices, list)
    assert [d["id"] for d in devices] == ALL_DEVICES
    gateway, *subs, virtual = devices
    assert gateway["isGateway"] is True
    assert gateway["subDevices"] == SUB_DEVICES
    assert gateway["name"] == "Gateway"
    assert gateway["type"] == GATE_TYPE
    assert gateway["protocols"] == [ZIGBEE, HTTP]
    assert gateway["version"] == {"gate": "instathings/gate:1.7.1"}
    assert gateway["status"]["eventType"] == "connected"
    assert gateway["status"]["clientId"] == GATEWAY
    assert gateway["env"] == "sandbox"
    assert gateway["stats"] == {"ingestion": 36}
    for sub in subs:
        assert sub["parentDevice"] == GATEWAY
        assert sub["isGateway"] is False
        assert sub["isVirtual"] is False
        assert sub["projectId"] == PROJECT
        assert isinstance(sub["ts"], int)
        assert len(sub["id"]) == 8
        assert "subDevices" not in sub
    assert [s["name"] for s in subs] == [
        "Terrarium climate",
        "Garden soil",
        "Hue lamp",
        "Aquarium plug",
        "Heater plug",
        "Pet fountain",
    ]
    # The doc's standalone virtual device: no gateway, no type.
    assert virtual == {
        "projectId": PROJECT,
        "ts": virtual["ts"],
        "isVirtual": True,
        "demoActive": False,
        "id": VIRTUAL,
        "isGateway": False,
        "name": "Virtual sensor",
    }
    assert virtual["ts"] < int(T0.timestamp() * 1000)


@pytest.mark.parametrize(
    ("shape", "key", "extra"),
    [("data", "data", "totalItems"), ("items", "items", "count")],
)
async def test_device_list_envelopes(
    client: Insta, sim: InstathingsSimulator, shape: str, key: str, extra: str
) -> None:
    sim.set_shapes(devices=shape)
    body = await client.ok("/device/v1/devices")
    assert set(body) == {key, extra}
    assert [d["id"] for d in body[key]] == ALL_DEVICES
    assert body[extra] == len(ALL_DEVICES)


async def test_sub_devices_as_objects(client: Insta, sim: InstathingsSimulator) -> None:
    sim.set_shapes(list_sub_devices="objects")
    gateway = (await client.ok("/device/v1/devices"))[0]
    assert [s["id"] for s in gateway["subDevices"]] == SUB_DEVICES
    assert gateway["subDevices"][2]["name"] == "Hue lamp"
    assert gateway["subDevices"][2]["parentDevice"] == GATEWAY


async def test_device_by_id(client: Insta, sim: InstathingsSimulator) -> None:
    gateway = await client.ok(f"/device/v1/devices/{GATEWAY}")
    assert gateway["id"] == GATEWAY
    # The doc's by-id answer: subDevices as objects.
    assert [s["id"] for s in gateway["subDevices"]] == SUB_DEVICES
    assert gateway["subDevices"][0]["type"] == "01c2fd9f-fb3a-45cf-8be3-97e00b7510c6"
    sim.set_shapes(device_sub_devices="ids")
    gateway = await client.ok(f"/device/v1/devices/{GATEWAY}")
    assert gateway["subDevices"] == SUB_DEVICES
    lamp = await client.ok(f"/device/v1/devices/{LAMP}")
    assert (lamp["name"], lamp["type"], lamp["parentDevice"]) == (
        "Hue lamp",
        HUE_TYPE,
        GATEWAY,
    )
    assert lamp["protocols"] == [ZIGBEE]
    assert lamp["status"]["eventType"] == "paired"
    shelly = await client.ok(f"/device/v1/devices/{SHELLY}")
    assert (shelly["type"], shelly["protocols"]) == (SHELLY_TYPE, [HTTP])


async def test_unknown_device(client: Insta) -> None:
    for method, path in [
        ("GET", "/device/v1/devices/nope1234"),
        ("PATCH", "/device/v1/devices/nope1234"),
        ("DELETE", "/device/v1/devices/nope1234"),
        ("GET", "/device/v1/devices/nope1234/data"),
        ("GET", "/device/v1/devices/nope1234/gate/logs"),
        ("POST", "/device/v1/control/nope1234/set"),
        ("POST", "/device/v1/control/nope1234/status"),
        ("GET", "/devices/nope1234/credentials/certificate"),
    ]:
        reply = await client.request(method, path, json={"name": "x"})
        assert reply.status == 404, (method, path)
        assert reply.body == {
            "statusCode": 404,
            "error": "Not Found",
            "message": "Device not found",
        }


async def test_unknown_route_and_method(client: Insta) -> None:
    reply = await client.get("/device/v2/devices")
    assert (reply.status, reply.body["statusCode"]) == (404, 404)
    reply = await client.request("PUT", f"/device/v1/devices/{LAMP}")
    assert reply.status == 405
    assert set(reply.headers["Allow"].split(",")) == {"GET", "HEAD", "PATCH", "DELETE"}


# --- patch and delete ------------------------------------------------------------------------


async def test_patch(client: Insta, sim: InstathingsSimulator) -> None:
    reply = await client.request(
        "PATCH",
        f"/device/v1/devices/{LAMP}",
        json={"name": "Terrarium light", "frequency": 30, "demoActive": True},
    )
    assert (reply.status, reply.body) == (200, {})
    lamp = await client.ok(f"/device/v1/devices/{LAMP}")
    assert (lamp["name"], lamp["frequency"], lamp["demoActive"]) == (
        "Terrarium light",
        30,
        True,
    )
    assert sim.device(LAMP).name == "Terrarium light"


PATCH_REFUSED = [
    {"name": "x" * 21},
    {"name": ""},
    {"name": 5},
    {"frequency": 29},
    {"frequency": 30.5},
    {"frequency": True},
    {"demoActive": "yes"},
    {"colour": "red"},
    {},
    ["name"],
    None,
]


async def test_patch_refused(client: Insta, sim: InstathingsSimulator) -> None:
    for body in PATCH_REFUSED:
        reply = await client.request("PATCH", f"/device/v1/devices/{LAMP}", json=body)
        assert reply.status == 400, body
        assert reply.body["error"] == "Bad Request"
    assert sim.device(LAMP).name == "Hue lamp"


async def test_patch_name_of_twenty(client: Insta) -> None:
    name = "n" * 20
    reply = await client.request(
        "PATCH", f"/device/v1/devices/{LAMP}", json={"name": name}
    )
    assert reply.status == 200
    assert (await client.ok(f"/device/v1/devices/{LAMP}"))["name"] == name


async def test_delete_device(client: Insta, sim: InstathingsSimulator) -> None:
    reply = await client.request("DELETE", f"/device/v1/devices/{LAMP}")
    assert (reply.status, reply.body) == (200, {})
    assert (await client.get(f"/device/v1/devices/{LAMP}")).status == 404
    devices = await client.ok("/device/v1/devices")
    assert LAMP not in [d["id"] for d in devices]
    assert LAMP not in devices[0]["subDevices"]
    assert [e.action for e in sim.events] == ["not_paired"]


async def test_delete_gateway_takes_its_devices(
    client: Insta, sim: InstathingsSimulator
) -> None:
    assert (
        await client.request("DELETE", f"/device/v1/devices/{GATEWAY}")
    ).status == 200
    devices = await client.ok("/device/v1/devices")
    assert [d["id"] for d in devices] == [VIRTUAL]
    assert [e.device_id for e in sim.events_of("not_paired")] == SUB_DEVICES


@pytest.mark.parametrize(
    "prefix", ["/devices", "/device/v1/devices"], ids=["doc", "prefixed"]
)
async def test_delete_sub_device(
    client: Insta, sim: InstathingsSimulator, prefix: str
) -> None:
    path = f"{prefix}/{GATEWAY}/subDevice/subDevices/{CLIMATE}"
    reply = await client.request("DELETE", path)
    assert (reply.status, reply.body) == (200, {})
    assert CLIMATE not in sim.devices
    assert (await client.get(f"/device/v1/devices/{CLIMATE}")).status == 404
    # Again, or through a device that is not its parent: 404.
    assert (await client.request("DELETE", path)).status == 404
    wrong = f"{prefix}/{VIRTUAL}/subDevice/subDevices/{LAMP}"
    assert (await client.request("DELETE", wrong)).status == 404
    assert (
        await client.request("DELETE", f"{prefix}/nope/subDevice/subDevices/{LAMP}")
    ).status == 404
    assert sim.count("DELETE", device_id=CLIMATE) == 2


# --- types and protocols ----------------------------------------------------------------


async def test_types(client: Insta) -> None:
    types = await client.ok("/device/v1/types")
    by_model = {t["model"]: t for t in types}
    hue = by_model["9290012573A"]
    assert hue == {
        "addOn": "@instathings/gate-addon-zigbee",
        "description": "Hue white and color ambiance",
        "fakeSampleLabel": "onoff",
        "id": HUE_TYPE,
        "manufacturer": "Philips",
        "model": "9290012573A",
        "pairingMethods": ["touchlink"],
        "physicalParameter": [],
        "protocols": [ZIGBEE],
        "rooms": [
            "closed-office",
            "meeting-room",
            "toilet",
            "archive",
            "living-room",
            "bedroom",
            "kitchen",
            "open-space",
        ],
        "space": ["workspace", "home"],
        "type": "sensor",
    }
    shelly = by_model["SHPLG-S"]
    assert (shelly["manufacturer"], shelly["addOn"], shelly["protocols"]) == (
        "Shelly",
        "@instathings/gate-addon-http",
        [HTTP],
    )
    assert {t["manufacturer"] for t in types} >= {"Xiaomi", "TuYa", "Innr", "Acme"}
    assert await client.ok(f"/device/v1/types/{HUE_TYPE}") == hue
    assert (await client.get("/device/v1/types/unknown")).status == 404


async def test_protocols(client: Insta) -> None:
    assert await client.ok(f"/device/v1/protocols/{ZIGBEE}") == {
        "id": ZIGBEE,
        "name": "Zigbee",
        "slug": "zigbee",
    }
    assert await client.ok(f"/device/v1/protocols/{HTTP}") == {
        "id": HTTP,
        "name": "HTTP",
        "slug": "http",
    }
    assert (await client.ok("/device/v1/protocols/knx"))["name"] == "KNX"
    assert (await client.get("/device/v1/protocols/nope")).status == 404


# --- certificates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "prefix"),
    [("POST", "/devices"), ("GET", "/devices"), ("POST", "/device/v1/devices")],
)
async def test_certificate_sandbox(
    client: Insta, sim: InstathingsSimulator, method: str, prefix: str
) -> None:
    before = sim.device(GATEWAY).certificate_id
    reply = await client.request(method, f"{prefix}/{GATEWAY}/credentials/certificate")
    assert reply.status == 200
    assert reply.content_type == "application/json"
    body = reply.body
    assert body["id"] == GATEWAY
    assert body["env"] == "sandbox"
    assert body["certificateId"] != before
    assert body["certificateId"] == sim.device(GATEWAY).certificate_id
    assert len(body["certificateId"]) == 64
    assert body["credentials"]["certificatePem"].startswith(
        "-----BEGIN CERTIFICATE-----\n"
    )
    assert body["credentials"]["privateKey"].endswith("-----END RSA PRIVATE KEY-----\n")
    assert "-----BEGIN PUBLIC KEY-----" in body["credentials"]["publicKey"]
    assert body["subDevices"] == SUB_DEVICES
    assert (body["isGateway"], body["type"], body["projectId"]) == (
        True,
        GATE_TYPE,
        PROJECT,
    )


@pytest.mark.parametrize("options", [{"env": "live"}])
async def test_certificate_live_is_a_zip(client: Insta) -> None:
    reply = await client.request("POST", f"/devices/{GATEWAY}/credentials/certificate")
    assert reply.status == 200
    assert reply.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(reply.raw))
    assert set(archive.namelist()) == {
        "config/certificate.pem.crt",
        "config/private.pem.key",
        "config/public.pem.key",
        "config/config.json",
        "install.sh",
    }
    assert json.loads(archive.read("config/config.json"))["env"] == "live"


# --- logs ---------------------------------------------------------------------------------


async def test_logs(client: Insta, sim: InstathingsSimulator) -> None:
    lines = await client.ok(f"/device/v1/devices/{GATEWAY}/gate/logs")
    assert [line["type"] for line in lines] == ["LOG", "LOG"]
    assert lines[0]["message"].endswith("gate Connecting...\n")
    assert f"discover/{PROJECT}/{GATEWAY}/device/post" in lines[1]["message"]
    assert set(lines[0]) == {"timestamp", "type", "message", "ingestionTime"}
    zigbee = await client.ok(
        f"/device/v1/devices/{GATEWAY}/instathings-zigbee2mqtt/logs"
    )
    assert len(zigbee) == 1
    sim.clock.advance(60)
    sim.log(GATEWAY, "gate something failed", type="ERR")
    lines = await client.ok(f"/device/v1/devices/{GATEWAY}/gate/logs")
    assert lines[-1]["type"] == "ERR"
    assert lines[-1]["message"].endswith(" gate something failed")
    # A window: both ends, or neither.
    start = str(int(T0.timestamp() * 1000) + 30_000)
    end = str(int(T0.timestamp() * 1000) + 90_000)
    window = await client.ok(
        f"/device/v1/devices/{GATEWAY}/gate/logs", start=start, end=end
    )
    assert [line["type"] for line in window] == ["ERR"]
    reply = await client.get(f"/device/v1/devices/{GATEWAY}/gate/logs", start=start)
    assert reply.status == 400
    reply = await client.get(
        f"/device/v1/devices/{GATEWAY}/gate/logs", start="x", end="y"
    )
    assert reply.status == 400


async def test_logs_unknown_container(client: Insta) -> None:
    reply = await client.get(f"/device/v1/devices/{GATEWAY}/nginx/logs")
    assert reply.status == 400
    assert "gate" in reply.body["message"]
    # A sub-device runs no container.
    assert (await client.get(f"/device/v1/devices/{LAMP}/gate/logs")).status == 400


# --- sizes and seeds ----------------------------------------------------------------------


def test_gateways_option() -> None:
    sim = InstathingsSimulator(gateways=3, standalone=False, history=2)
    assert len(sim.gateways) == 3
    assert len(sim.devices) == 3 * 7
    assert [g.name for g in sim.gateways] == ["Gateway", "Gateway 2", "Gateway 3"]
    second = sim.gateways[1]
    assert [sim.device(s).name for s in second.sub_devices][:2] == [
        "Terrarium climate 2",
        "Garden soil 2",
    ]
    assert all(len(sim.device(s).records) == 2 for s in second.sub_devices)
    assert len({d.device_id for d in sim.devices.values()}) == 21
    assert sim.device_of_kind("lamp", gateway=3).parent == sim.gateways[2].device_id
    # The list reads gateway, its devices, next gateway...
    order = list(sim.devices)
    assert order.index(second.device_id) == 7
    assert InstathingsSimulator(gateways=0).devices.keys() == {VIRTUAL}


def test_seed() -> None:
    one, again, other = (
        InstathingsSimulator(seed=7),
        InstathingsSimulator(seed=7),
        InstathingsSimulator(seed=8),
    )
    assert list(one.devices) == list(again.devices)
    assert list(one.devices) != list(other.devices)
    assert one.device_of_kind("climate").state == again.device_of_kind("climate").state
    assert next(iter(one.devices)) == short_id(7, "device", 1, "gateway")


def test_default_world(sim: InstathingsSimulator) -> None:
    assert list(sim.devices) == ALL_DEVICES
    kinds = {d.device_id: d.kind for d in sim.devices.values()}
    assert kinds == {
        GATEWAY: "gateway",
        CLIMATE: "climate",
        "TyXwSmYG": "soil",
        LAMP: "lamp",
        "ypGa3jFB": "plug",
        SHELLY: "shelly",
        FOUNTAIN: "fountain",
        VIRTUAL: "virtual",
    }
    assert sim.device(SHELLY).is_http
    assert not sim.device(LAMP).is_http
    assert set(sim.device(FOUNTAIN).state) == {"cycles", "mode", "filter_ok"}
    assert sim.device(VIRTUAL).state["isVirtualData"] is True
    with pytest.raises(ValueError, match="negative"):
        InstathingsSimulator(gateways=-1)
    with pytest.raises(ValueError, match="env"):
        InstathingsSimulator(env="prod")
