"""What Instathings' sockets tell, as updates of the devices a refresh read.

Every action of the doc (the cloud's payloads and a gateway's socket.io
ones), the refusals (unknown action, malformed, unknown device), and
``push_missed``: what a safety-net poll may find without the socket having
missed anything.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from custom_components.petsmart_hub.model import (
    Device,
    DeviceKind,
    LightMode,
    Measurement,
)
from custom_components.petsmart_hub.vendors.base import (
    PushRejectedError,
    RefreshRequest,
)
from custom_components.petsmart_hub.vendors.instathings import (
    MALFORMED,
    MAX_VALUES,
    UNKNOWN_DEVICE,
    UNKNOWN_EVENT,
    InstathingsAccount,
    InstathingsClient,
)

from .conftest import (
    GATEWAY,
    LAMP,
    PLUG,
    PROJECT,
    SENSOR,
    T0_MS,
    VIRTUAL,
    Cloud,
    page,
    record,
)


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


@pytest.fixture
async def known(cloud: Cloud, account: InstathingsAccount) -> dict[str, Device]:
    refresh = await account.async_refresh(RefreshRequest())
    return refresh.devices


@pytest.fixture
def offline(session: aiohttp.ClientSession) -> InstathingsAccount:
    """An account that sends nothing (parsing needs no cloud)."""
    return InstathingsAccount(InstathingsClient(session, "http://gw.invalid", "a", "b"))


def small_known() -> dict[str, Device]:
    """A gateway and a sensor behind it, built by hand."""
    return {
        GATEWAY: Device(
            id=GATEWAY, kind=DeviceKind.GATEWAY, name="gw", manufacturer="I"
        ),
        SENSOR: Device(
            id=SENSOR,
            kind=DeviceKind.GENERIC,
            name="s",
            manufacturer="I",
            via_device=GATEWAY,
        ),
    }


def gateway_payload(**extra: Any) -> dict[str, Any]:
    return {
        "projectId": PROJECT,
        "ts": 1588581909753,
        "stats": {"ingestion": 2373},
        "certificateId": "0e8833aa",
        "protocols": ["IuYtREd0", "R2Jh6IhT", "knx"],
        "env": "live",
        "isGateway": True,
        "name": "gateway",
        "subDevices": [SENSOR],
        "id": GATEWAY,
        **extra,
    }


# --- data and status ---------------------------------------------------------------------


async def test_a_cloud_data_event(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    at = T0_MS + 60_000
    message = {
        "action": "data",
        "payload": {
            "id": "7dec7c01-949c-4615-9d09-7680e702080e",
            "clientId": GATEWAY,
            "principal": "0e8833aa",
            "ts": at,
            "ttl": 1904285769,
            "deviceId": SENSOR,
            "data": {"temperature": 23.5, "data": 81, "isVirtualData": False},
        },
    }

    pushed = account.parse_socket_message(message, known)

    (update,) = pushed.updates
    sensor = update.device
    assert sensor is not known[SENSOR]
    assert update.at == ms(at)
    assert sensor.readings == {Measurement.TEMPERATURE: 23.5, Measurement.HUMIDITY: 48}
    assert sensor.values == {"data": 81.0}
    assert sensor.battery == 91
    assert sensor.last_report == ms(at)
    assert sensor.generic is not None
    assert sensor.generic.measured_at == ms(at)
    assert known[SENSOR].readings[Measurement.TEMPERATURE] == 21.5  # untouched
    assert not (pushed.refresh or pushed.relist or pushed.removed or pushed.events)


async def test_an_on_premise_data_event(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    message = {
        "action": "data",
        "payload": {
            "deviceId": PLUG,
            "payload": {
                "type": "data",
                "message": {"data": {"relays": [{"ison": False}], "temperature": 31}},
            },
            "ts": "2025-06-02T12:01:00.000Z",
        },
    }

    (update,) = account.parse_socket_message(message, known).updates

    plug = update.device
    assert plug.power is False
    assert plug.readings[Measurement.TEMPERATURE] == 31
    assert plug.readings[Measurement.POWER] == 42.5  # kept
    assert update.at == datetime(2025, 6, 2, 12, 1, tzinfo=UTC)


async def test_a_cloud_status_event(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    message = {
        "action": "status",
        "payload": {
            "projectId": PROJECT,
            "response": {
                "type": "data",
                "message": {"data": {"state": "OFF", "linkquality": 60}},
            },
            "ttl": 1589640897,
            "deviceId": LAMP,
            "id": "B9z87nrYo",
        },
    }

    (update,) = account.parse_socket_message(message, known).updates

    lamp = update.device
    assert update.at is None
    assert lamp.light is not None
    assert lamp.light.on is False
    assert lamp.light.xy == (0.3068, 0.4143)  # kept
    assert lamp.light.modes == {LightMode.XY, LightMode.COLOR_TEMP}
    assert lamp.readings == {Measurement.LINK_QUALITY: 60}
    assert lamp.generic is not None
    assert lamp.generic.measured_at == known[LAMP].generic.measured_at  # type: ignore[union-attr]


async def test_a_data_event_makes_a_sensor_a_switch(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    message = {
        "action": "data",
        "payload": {"deviceId": VIRTUAL, "data": {"state": "ON", "battery": 300}},
    }

    (update,) = account.parse_socket_message(message, known).updates

    assert update.device.power is True
    assert "set_power" in update.device.actions
    assert update.device.battery is None  # implausible, dropped
    assert update.device.last_report == known[VIRTUAL].last_report  # no ts


async def test_a_gateways_own_data(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    message = {
        "action": "data",
        "payload": {"deviceId": GATEWAY, "ts": T0_MS, "data": {"cpu_temp": 51}},
    }

    (update,) = account.parse_socket_message(message, known).updates

    assert update.device.values == {"cpu_temp": 51.0}
    assert update.device.last_report == ms(T0_MS)
    assert update.device.generic is None


async def test_pushed_values_are_capped(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    held = copy.deepcopy(known)
    held[SENSOR].values = {f"v{i}": float(i) for i in range(MAX_VALUES)}
    message = {
        "action": "data",
        "payload": {"deviceId": SENSOR, "data": {"v1": 5, "new": 1}},
    }

    (update,) = account.parse_socket_message(message, held).updates

    assert update.device.values["v1"] == 5.0
    assert "new" not in update.device.values


async def test_a_pushed_state_is_not_rolled_back_by_older_data(
    cloud: Cloud, account: InstathingsAccount, known: dict[str, Device]
) -> None:
    message = {
        "action": "status",
        "payload": {
            "deviceId": PLUG,
            "payload": {"relays": [{"ison": False}]},
            "ts": T0_MS + 60_000,
        },
    }
    (update,) = account.parse_socket_message(message, known).updates
    held = {**known, PLUG: update.device}
    cloud.reply(
        f"GET /device/v1/devices/{PLUG}/data",
        page(record({"relays": [{"ison": True}]}, T0_MS - 5000, PLUG)),
    )

    polled = (
        await account.async_refresh(RefreshRequest(known=held, push_healthy=True))
    ).devices

    assert polled[PLUG].power is False
    assert not account.push_missed(held[PLUG], polled[PLUG])


# --- gateways ------------------------------------------------------------------------------------


async def test_a_gateway_disconnects_and_connects(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    lost = {
        "action": "disconnected",
        "payload": gateway_payload(
            version={"gate": "instathings/gate:1.7.2"},
            status={
                "disconnectReason": "CONNECTION_LOST",
                "clientInitiatedDisconnect": False,
                "eventType": "disconnected",
                "timestamp": 1588924123011,
            },
        ),
    }

    pushed = account.parse_socket_message(lost, known)

    hub, *subs = pushed.updates
    assert hub.device.id == GATEWAY
    assert hub.at == ms(1588924123011)
    assert hub.device.gateway is not None
    assert (hub.device.gateway.connected, hub.device.gateway.disconnect_reason) == (
        False,
        "CONNECTION_LOST",
    )
    assert hub.device.gateway.changed_at == ms(1588924123011)
    assert (hub.device.online, hub.device.firmware) == (False, "1.7.2")
    assert {update.device.id for update in subs} == {SENSOR, LAMP, PLUG}
    assert {update.device.online for update in subs} == {False}
    assert {update.at for update in subs} == {ms(1588924123011)}

    offline = {
        **known,
        **{update.device.id: update.device for update in pushed.updates},
    }
    back = {
        "action": "connected",
        "payload": gateway_payload(
            status={"eventType": "connected", "timestamp": 1588924200000}
        ),
    }
    pushed = account.parse_socket_message(back, offline)

    hub, *subs = pushed.updates
    assert hub.device.gateway is not None
    assert hub.device.gateway.connected
    assert hub.device.gateway.disconnect_reason == "CONNECTION_LOST"  # the last one
    assert hub.device.online
    assert {update.device.online for update in subs} == {True}
    # and again: nothing changes for the sub-devices
    again = account.parse_socket_message(
        back, {**offline, **{u.device.id: u.device for u in pushed.updates}}
    )
    assert [update.device.id for update in again.updates] == [GATEWAY]


async def test_a_connected_event_without_a_status(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    payload = gateway_payload(ts=T0_MS)
    pushed = account.parse_socket_message(
        {"action": "disconnected", "payload": payload}, known
    )

    hub = pushed.updates[0]
    assert hub.at == ms(T0_MS)
    assert hub.device.gateway is not None
    assert hub.device.gateway.disconnect_reason is None


async def test_software_version(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    message = {
        "action": "software_version",
        "payload": gateway_payload(
            version={"gate": "instathings/gate:1.8.0"},
            status={"eventType": "connected", "timestamp": T0_MS},
        ),
    }

    (update,) = account.parse_socket_message(message, known).updates

    assert update.device.firmware == "1.8.0"
    assert update.device.online

    message["payload"] = gateway_payload(
        version={"gate": "instathings/gate:1.8.1"}, status={"eventType": "x"}
    )
    (update,) = account.parse_socket_message(message, known).updates
    assert update.device.firmware == "1.8.1"

    message["payload"] = gateway_payload()
    with pytest.raises(PushRejectedError) as refused:
        account.parse_socket_message(message, known)
    assert refused.value.reason == MALFORMED


# --- pairing ------------------------------------------------------------------------------------


def device_payload(device_id: str, event: str) -> dict[str, Any]:
    return {
        "projectId": PROJECT,
        "ts": 1588925713401,
        "status": {"eventType": event},
        "parentDevice": GATEWAY,
        "id": device_id,
        "env": "live",
        "isGateway": False,
        "name": "sensor",
        "type": "01c2fd9f-fb3a-45cf-8be3-97e00b7510c6",
    }


async def test_pairing(account: InstathingsAccount, known: dict[str, Device]) -> None:
    new = account.parse_socket_message(
        {"action": "paired", "payload": device_payload("f0xqzIBCt", "paired")}, known
    )
    assert new.relist
    assert not new.updates

    offline = copy.deepcopy(known)
    offline[SENSOR].online = False
    back = account.parse_socket_message(
        {"action": "paired", "payload": device_payload(SENSOR, "paired")}, offline
    )
    assert not back.relist
    (update,) = back.updates
    assert update.device.online is True

    gone = account.parse_socket_message(
        {"action": "not_paired", "payload": device_payload(SENSOR, "not_paired")}, known
    )
    assert gone.removed == {SENSOR}

    never = account.parse_socket_message(
        {"action": "not_paired", "payload": device_payload("f0xqzIBCt", "not_paired")},
        known,
    )
    assert never == type(never)()

    hub = {**device_payload(GATEWAY, "not_paired"), "parentDevice": None}
    assert (
        account.parse_socket_message(
            {"action": "not_paired", "payload": hub}, known
        ).removed
        == set()
    )


@pytest.mark.parametrize(
    "message",
    [
        {
            "action": "installation_succeded",
            "payload": {"event": {"protocol": "knx", "stdout": "secret?"}},
        },
        {"action": "installation_failed", "payload": {"event": {"exitStatus": 1}}},
        {
            "action": "discovering",
            "payload": device_payload("ULfDD5dO4", "discovering"),
        },
        {
            "action": "log",
            "payload": {
                "logs": [{"message": "Connecting...", "type": "LOG"}],
                "deviceId": GATEWAY,
            },
        },
        {"action": "log", "payload": None},
    ],
)
def test_what_changes_nothing(
    offline: InstathingsAccount, message: dict[str, Any]
) -> None:
    pushed = offline.parse_socket_message(message, small_known())

    assert not (
        pushed.updates
        or pushed.events
        or pushed.refresh
        or pushed.relist
        or pushed.removed
    )


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"action": "rebooted", "payload": {}}, UNKNOWN_EVENT),
        ("data", MALFORMED),
        ([1], MALFORMED),
        ({"payload": {}}, MALFORMED),
        ({"action": 5, "payload": {}}, MALFORMED),
        ({"action": "data", "payload": "x"}, MALFORMED),
        ({"action": "data", "payload": {"data": {"a": 1}}}, MALFORMED),
        ({"action": "data", "payload": {"deviceId": SENSOR}}, MALFORMED),
        ({"action": "data", "payload": {"deviceId": SENSOR, "data": 81}}, MALFORMED),
        (
            {
                "action": "status",
                "payload": {
                    "deviceId": SENSOR,
                    "response": {"type": "data", "message": "x"},
                },
            },
            MALFORMED,
        ),
        (
            {"action": "data", "payload": {"deviceId": "nobody", "data": {"a": 1}}},
            UNKNOWN_DEVICE,
        ),
        ({"action": "connected", "payload": {"name": "no id"}}, MALFORMED),
        ({"action": "connected", "payload": {"id": "nobody"}}, UNKNOWN_DEVICE),
        ({"action": "paired", "payload": {"name": "no id"}}, MALFORMED),
    ],
)
def test_what_is_refused(
    offline: InstathingsAccount, message: Any, reason: str
) -> None:
    with pytest.raises(PushRejectedError) as refused:
        offline.parse_socket_message(message, small_known())

    assert refused.value.reason == reason


# --- push_missed -----------------------------------------------------------------------------------


async def test_push_missed(
    account: InstathingsAccount, known: dict[str, Device]
) -> None:
    sensor = known[SENSOR]
    same = copy.deepcopy(sensor)
    same.updated_at = datetime(2030, 1, 1, tzinfo=UTC)
    same.last_report = datetime(2030, 1, 1, tzinfo=UTC)
    assert not account.push_missed(sensor, same)

    newer = copy.deepcopy(sensor)
    newer.readings[Measurement.TEMPERATURE] = 25
    newer.generic.measured_at = ms(T0_MS + 1000)  # type: ignore[union-attr]
    assert account.push_missed(sensor, newer)

    # what the socket brought is newer than the poll: nothing missed
    pushed = copy.deepcopy(sensor)
    pushed.values["uptime"] = 470.0
    pushed.generic.measured_at = ms(T0_MS + 5000)  # type: ignore[union-attr]
    assert not account.push_missed(pushed, newer)

    never = copy.deepcopy(sensor)
    never.generic.measured_at = None  # type: ignore[union-attr]
    assert account.push_missed(never, newer)
    same_time = copy.deepcopy(newer)
    same_time.values["x"] = 1.0
    assert not account.push_missed(newer, same_time)

    offline = copy.deepcopy(sensor)
    offline.online = False
    assert account.push_missed(sensor, offline)

    lamp_off = copy.deepcopy(known[LAMP])
    lamp_off.light.on = False  # type: ignore[union-attr]
    assert account.push_missed(known[LAMP], lamp_off)
    plug_off = copy.deepcopy(known[PLUG])
    plug_off.power = False
    assert account.push_missed(known[PLUG], plug_off)

    hub = known[GATEWAY]
    warmer = copy.deepcopy(hub)
    warmer.readings[Measurement.TEMPERATURE] = 40
    warmer.last_report = ms(T0_MS + 1000)
    assert account.push_missed(hub, warmer)
    lost = copy.deepcopy(hub)
    lost.gateway.connected = False  # type: ignore[union-attr]
    assert account.push_missed(hub, lost)
    assert not account.push_missed(hub, known[SENSOR])  # another kind
