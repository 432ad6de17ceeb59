"""The Instathings account: refreshes, the status round trip, commands, the descriptor.

Against the canned cloud: what each refresh sends and what it makes of the
answers (gateway, sensor, Hue lamp, Shelly plug, a virtual device), the
types read now and then, HTTP devices told by their type or their data, a
status that is polled and one that never comes (its wait holds no request
slot), failures of one device, one-device refreshes after a command, and
the exact body, headers and query of every command.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.petsmart_hub.model import (
    Action,
    Device,
    DeviceKind,
    Feed,
    LightMode,
    LightState,
    Measurement,
    SendCommand,
    SetLight,
    SetPower,
)
from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    CannotConnectError,
    DeviceNotFoundError,
    InvalidParameterError,
    RateLimitError,
    RefreshRequest,
    RequestRejectedError,
)
from custom_components.petsmart_hub.vendors.descriptor import (
    AccountContext,
    Push,
    SignIn,
)
from custom_components.petsmart_hub.vendors.instathings import (
    DESCRIPTOR,
    TYPES_INTERVAL,
    TYPES_RETRY,
    InstathingsAccount,
    InstathingsClient,
    account as account_module,
)

from .conftest import (
    GATEWAY,
    HTTP_PROTOCOL,
    LAMP,
    LAMP_STATUS,
    PLUG,
    PROJECT,
    SENSOR,
    SENSOR_TYPE,
    START,
    T0_MS,
    VIRTUAL,
    ZIGBEE,
    Clock,
    Cloud,
    Reply,
    devices,
    gateway,
    page,
    record,
    sub,
    types,
)

DEVICES = "GET /device/v1/devices"
TYPES = "GET /device/v1/types"
LAMP_STATUS_REQUEST = f"POST /device/v1/control/{LAMP}/status"
LAMP_FETCH = "GET /device/v1/control/req-lamp/fetch"
PLUG_STATUS_REQUEST = f"POST /device/v1/control/{PLUG}/status"
PLUG_FETCH = "GET /device/v1/control/req-plug/fetch"


def data_key(device_id: str) -> str:
    return f"GET /device/v1/devices/{device_id}/data"


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


async def refresh_all(
    account: InstathingsAccount,
    known: Mapping[str, Device] | None = None,
    *,
    push_healthy: bool = False,
) -> dict[str, Device]:
    refresh = await account.async_refresh(
        RefreshRequest(known=known or {}, push_healthy=push_healthy)
    )
    assert not refresh.failed
    return refresh.devices


# --- a refresh ------------------------------------------------------------------------


async def test_a_refresh_maps_the_project(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    refresh = await account.async_refresh(RefreshRequest())

    assert not refresh.failed
    assert refresh.listing is not None
    assert refresh.listing.complete
    assert [device.id for device in refresh.listing] == [
        VIRTUAL,
        GATEWAY,
        SENSOR,
        LAMP,
        PLUG,
    ]
    devices_ = refresh.devices

    hub = devices_[GATEWAY]
    assert hub.kind is DeviceKind.GATEWAY
    assert hub.gateway is not None
    assert (hub.gateway.connected, hub.gateway.disconnect_reason) == (True, None)
    assert hub.gateway.changed_at == ms(T0_MS - 3_600_000)
    assert (hub.online, hub.firmware, hub.manufacturer, hub.model) == (
        True,
        "1.7.1",
        "Instathings",
        "Instathings gate",
    )
    assert hub.readings == {}
    assert hub.actions == {Action.SEND_COMMAND}

    sensor = devices_[SENSOR]
    assert sensor.kind is DeviceKind.GENERIC
    assert (sensor.name, sensor.manufacturer, sensor.model) == (
        "doc",
        "Xiaomi",
        "WSDCGQ11LM",
    )
    assert (sensor.via_device, sensor.online, sensor.battery) == (GATEWAY, True, 91)
    assert sensor.readings == {
        Measurement.TEMPERATURE: 21.5,
        Measurement.HUMIDITY: 48,
    }
    assert sensor.values == {}
    assert sensor.generic is not None
    assert sensor.generic.measured_at == ms(T0_MS - 1000)
    assert sensor.last_report == ms(T0_MS - 1000)
    assert sensor.updated_at == START
    assert sensor.actions == {Action.SEND_COMMAND}
    assert (sensor.power, sensor.light) == (None, None)
    assert sensor.measures == frozenset()

    lamp = devices_[LAMP]
    assert (lamp.manufacturer, lamp.model) == ("Philips", "9290012573A")
    assert lamp.light == LightState(
        modes=frozenset({LightMode.XY, LightMode.COLOR_TEMP}),
        on=True,
        brightness=100.0,
        xy=(0.3068, 0.4143),
        color_temp_kelvin=6452,
    )
    assert lamp.power is None
    assert lamp.readings == {Measurement.LINK_QUALITY: 110}
    assert lamp.actions == {Action.SET_LIGHT, Action.SEND_COMMAND}

    plug = devices_[PLUG]
    assert (plug.power, plug.light) == (True, None)
    assert plug.actions == {Action.SET_POWER, Action.SEND_COMMAND}
    assert plug.readings == {
        Measurement.POWER: 42.5,
        Measurement.ENERGY: pytest.approx(2.0),
        Measurement.TEMPERATURE: 30.82,
    }
    assert plug.values["uptime"] == 458.0
    assert plug.last_report == datetime(2025, 6, 2, 11, 59, 57, tzinfo=UTC)

    virtual = devices_[VIRTUAL]
    assert virtual.values == {"value": 33.0}
    assert (virtual.online, virtual.via_device, virtual.manufacturer) == (
        None,
        None,
        "Instathings",
    )


async def test_what_a_refresh_sends(cloud: Cloud, account: InstathingsAccount) -> None:
    await account.async_refresh(RefreshRequest())

    keys = cloud.keys()
    assert keys[:3] == ["POST /authentication/v1/oauth/token", DEVICES, TYPES]
    assert sorted(keys[3:5]) == sorted(
        [
            f"GET /device/v1/protocols/{HTTP_PROTOCOL}",
            f"GET /device/v1/protocols/{ZIGBEE}",
        ]
    )
    for device_id in (VIRTUAL, GATEWAY, SENSOR, LAMP, PLUG):
        (seen,) = cloud.seen(data_key(device_id))
        assert seen.query == {"page": "1", "perPage": "10", "sort": "-ts"}
    # only what switches or lights is asked for its status; the plug is
    # an HTTP device (its type's protocol says so)
    assert cloud.seen(LAMP_STATUS_REQUEST)[0].headers == {}
    assert cloud.seen(PLUG_STATUS_REQUEST)[0].headers == {
        "instathings-path": "/status",
        "instathings-method": "GET",
    }
    assert cloud.calls(f"POST /device/v1/control/{SENSOR}/status") == 0
    assert cloud.calls(LAMP_FETCH) == 2  # 202, then the answer
    assert cloud.calls(PLUG_FETCH) == 1
    assert all(seen.token in cloud.valid for seen in cloud.requests[1:])


async def test_types_are_read_hourly_and_when_one_is_unknown(
    cloud: Cloud, account: InstathingsAccount, clock: Clock
) -> None:
    await refresh_all(account)
    await refresh_all(account)
    assert cloud.calls(TYPES) == 1
    assert cloud.calls(f"GET /device/v1/protocols/{ZIGBEE}") == 1

    # a device of a type we do not know: read the types again (once)
    cloud.reply(DEVICES, [*devices(), sub("New1", "new", "brand-new-type")])
    cloud.reply(data_key("New1"), page())
    await refresh_all(account)
    await refresh_all(account)
    assert cloud.calls(TYPES) == 2

    clock.advance(TYPES_INTERVAL)
    await refresh_all(account)
    assert cloud.calls(TYPES) == 3
    # protocols are kept: their ids do not change
    assert cloud.calls(f"GET /device/v1/protocols/{ZIGBEE}") == 1


async def test_types_that_fail_never_fail_a_refresh(
    cloud: Cloud, account: InstathingsAccount, clock: Clock
) -> None:
    cloud.reply(TYPES, Reply({"message": "Not Found"}, status=404))
    cloud.reply(f"GET /device/v1/protocols/{ZIGBEE}", Reply(status=500))

    devices_ = await refresh_all(account)

    assert (devices_[SENSOR].manufacturer, devices_[SENSOR].model) == (
        "Instathings",
        None,
    )
    await refresh_all(account)
    assert cloud.calls(TYPES) == 1  # not again before TYPES_RETRY

    cloud.reply(TYPES, types())
    clock.advance(TYPES_RETRY)
    devices_ = await refresh_all(account)
    assert devices_[SENSOR].manufacturer == "Xiaomi"
    assert cloud.calls(f"GET /device/v1/protocols/{ZIGBEE}") == 1  # it failed

    clock.advance(TYPES_INTERVAL)
    await refresh_all(account)  # the hourly read tries failed protocols again
    assert cloud.calls(f"GET /device/v1/protocols/{ZIGBEE}") == 2


async def test_types_refused_is_an_auth_error(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    cloud.reply(TYPES, Reply(status=401))

    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest())


async def test_an_http_type_by_its_add_on(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    shelly = {**types()[1], "addOn": "@instathings/gate-addon-http", "protocols": []}
    cloud.reply(TYPES, [shelly])
    cloud.reply(data_key(PLUG), page(record({"state": "ON"}, T0_MS, PLUG)))

    devices_ = await refresh_all(account)
    await account.async_execute(devices_[PLUG], SetPower(on=False))

    assert cloud.seen(PLUG_STATUS_REQUEST)[0].headers["instathings-path"] == "/status"
    assert cloud.seen(f"POST /device/v1/control/{PLUG}/set")[0].query == {"turn": "off"}


async def test_an_http_device_by_its_data(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    cloud.reply(TYPES, [])  # no type says anything
    devices_ = await refresh_all(account)

    await account.async_execute(devices_[PLUG], SetPower(on=True))

    (seen,) = cloud.seen(f"POST /device/v1/control/{PLUG}/set")
    assert (seen.json, seen.query) == ({}, {"turn": "on"})
    assert seen.headers == {"instathings-path": "/relay/0", "instathings-method": "GET"}


async def test_implausible_readings_are_dropped(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    cloud.reply(
        data_key(SENSOR),
        page(
            record(
                {"temperature": 500, "humidity": -5, "battery": 150, "co2": 600},
                T0_MS,
            )
        ),
    )

    sensor = (await refresh_all(account))[SENSOR]

    assert sensor.readings == {Measurement.CO2: 600}
    assert sensor.battery is None
    assert account.report.rejected["readings.temperature"] == 1
    assert account.report.rejected["battery"] == 1


async def test_a_key_gone_from_the_data_is_gone(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    first = await refresh_all(account)
    cloud.reply(data_key(SENSOR), page(record({"temperature": 20}, T0_MS + 5000)))
    cloud.reply(data_key(VIRTUAL), page())

    second = await refresh_all(account, first)

    assert second[SENSOR].readings == {Measurement.TEMPERATURE: 20}
    assert second[SENSOR].battery is None
    assert second[VIRTUAL].values == {}
    assert second[VIRTUAL].last_report is None


async def test_a_gateway_listed_without_a_word_of_it_stays_a_gateway(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    """A cut-down entry (no isGateway, no sub-devices) does not demote a gateway."""
    first = await refresh_all(account)
    assert first[GATEWAY].kind is DeviceKind.GATEWAY
    bare = {"id": GATEWAY, "name": "gateway", "projectId": PROJECT}
    cloud.reply(DEVICES, [bare if d["id"] == GATEWAY else d for d in devices()])

    second = await refresh_all(account, first)

    assert second[GATEWAY].kind is DeviceKind.GATEWAY
    # and a device never known as one is no gateway for saying nothing
    fresh = await refresh_all(account)
    assert fresh[GATEWAY].kind is DeviceKind.GENERIC


async def test_a_disconnected_gateway_takes_its_devices_offline(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    lost = {
        "eventType": "disconnected",
        "disconnectReason": "CONNECTION_LOST",
        "timestamp": T0_MS - 60_000,
    }
    cloud.reply(DEVICES, [gateway(status=lost), *devices()[2:]])

    first = await refresh_all(account)

    assert first[GATEWAY].gateway is not None
    assert (first[GATEWAY].gateway.connected, first[GATEWAY].online) == (False, False)
    assert first[GATEWAY].gateway.disconnect_reason == "CONNECTION_LOST"
    assert {first[d].online for d in (SENSOR, LAMP, PLUG)} == {False}

    cloud.reply(DEVICES, devices())
    second = await refresh_all(account, first)
    assert second[GATEWAY].gateway is not None
    assert second[GATEWAY].gateway.connected
    # why it last disconnected stays
    assert second[GATEWAY].gateway.disconnect_reason == "CONNECTION_LOST"
    assert {second[d].online for d in (SENSOR, LAMP, PLUG)} == {True}


async def test_a_failing_device_fails_alone(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    cloud.reply(data_key(SENSOR), Reply({"message": "boom"}, status=500))
    cloud.reply(data_key(VIRTUAL), Reply("<html/>", content_type="text/html"))

    refresh = await account.async_refresh(RefreshRequest())

    assert set(refresh.failed) == {SENSOR, VIRTUAL}
    assert isinstance(refresh.failed[SENSOR], CannotConnectError)
    assert set(refresh.devices) == {GATEWAY, LAMP, PLUG}


async def test_a_refused_token_fails_the_whole_refresh(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    await refresh_all(account)
    cloud.valid.clear()
    cloud.reply(
        "POST /authentication/v1/oauth/token", Reply({"message": "bad"}, status=401)
    )

    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest())


async def test_a_device_the_listing_left_out_is_read_too(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    known = await refresh_all(account)
    cloud.reply(DEVICES, [d for d in devices() if d["id"] not in (SENSOR, VIRTUAL)])
    cloud.reply(data_key(VIRTUAL), Reply({"message": "Not Found"}, status=404))

    refresh = await account.async_refresh(RefreshRequest(known=known))

    assert refresh.listing is not None
    assert SENSOR not in {d.id for d in refresh.listing}
    assert refresh.devices[SENSOR].readings[Measurement.TEMPERATURE] == 21.5
    assert refresh.devices[SENSOR].model == "WSDCGQ11LM"  # as we held it
    assert isinstance(refresh.failed[VIRTUAL], DeviceNotFoundError)


async def test_sub_devices_only_named_are_no_removal(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    cloud.reply(DEVICES, [gateway(subDevices=[SENSOR, "Ghost1"]), devices()[2], "junk"])

    inventory = await account.async_identify()

    assert [device.id for device in inventory] == [GATEWAY, SENSOR]
    assert inventory.skipped_ids == {"Ghost1"}
    assert inventory.unreadable == 1
    assert not inventory.complete


async def test_a_device_with_its_own_connection(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    """A device that connects by itself (no gateway) says so in its status."""
    alone = {
        **devices()[0],
        "status": {"eventType": "disconnected", "timestamp": T0_MS},
    }
    orphan = sub(SENSOR, "doc", SENSOR_TYPE, parentDevice="NotListed")
    cloud.reply(DEVICES, [alone, orphan])

    found = await refresh_all(account)

    assert found[VIRTUAL].online is False
    assert found[VIRTUAL].gateway is None
    assert found[SENSOR].online is None  # its gateway says nothing
    assert found[SENSOR].via_device == "NotListed"


@pytest.mark.parametrize(
    "key",
    [
        f"GET /device/v1/protocols/{ZIGBEE}",
        data_key(SENSOR),
        LAMP_STATUS_REQUEST,
        LAMP_FETCH,
    ],
)
async def test_a_token_refused_anywhere_fails_the_refresh(
    cloud: Cloud, account: InstathingsAccount, key: str
) -> None:
    cloud.reply(key, Reply({"message": "Unauthorized"}, status=401))

    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest())


async def test_a_token_refused_on_one_device(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    cloud.reply(f"GET /device/v1/devices/{SENSOR}", Reply(status=401))

    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest(device_id=SENSOR))


# --- the status round trip ---------------------------------------------------------------


@pytest.mark.parametrize(
    "pending",
    [
        Reply(status=202),
        Reply({"message": "Not Found"}, status=404),
        Reply({"projectId": PROJECT, "deviceId": LAMP, "id": "req-lamp"}),
    ],
)
async def test_a_status_is_polled_until_it_comes(
    cloud: Cloud, account: InstathingsAccount, pending: Reply
) -> None:
    off = {**LAMP_STATUS, "state": "OFF", "brightness": 127}
    cloud.reply(LAMP_FETCH, pending, pending, {"response": off})

    lamp = (await refresh_all(account))[LAMP]

    assert cloud.calls(LAMP_FETCH) == 3
    assert lamp.light is not None
    assert (lamp.light.on, lamp.light.brightness) == (False, 50.0)


async def test_a_status_that_never_comes_leaves_the_state_as_held(
    cloud: Cloud, account: InstathingsAccount, clock: Clock
) -> None:
    first = await refresh_all(account)
    assert first[LAMP].light is not None
    assert first[LAMP].light.on
    # the device answers no more; its data (older than the status we read)
    # says it is off
    cloud.reply(LAMP_FETCH, Reply(status=202))
    cloud.reply(
        data_key(LAMP),
        page(record({"state": "OFF", "linkquality": 90}, T0_MS - 500, LAMP)),
    )

    second = await refresh_all(account, first)

    assert cloud.calls(LAMP_FETCH) == 2 + 3  # every back-off step, then no more
    assert second[LAMP].light == first[LAMP].light  # stale, not failed
    assert second[LAMP].readings == {Measurement.LINK_QUALITY: 90}

    # data newer than what we hold wins, answered or not
    clock.advance(timedelta(minutes=1))
    cloud.reply(
        data_key(LAMP),
        page(record({"state": "OFF"}, T0_MS + 30_000, LAMP)),
    )
    third = await refresh_all(account, second)
    assert third[LAMP].light is not None
    assert third[LAMP].light.on is False
    assert third[LAMP].light.xy == (0.3068, 0.4143)  # what the data left out stays


async def test_a_failing_status_leaves_the_state_as_held(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    first = await refresh_all(account)
    cloud.reply(PLUG_STATUS_REQUEST, Reply(status=500))
    cloud.reply(data_key(PLUG), page(record({"temperature": 30}, T0_MS, PLUG)))

    second = await refresh_all(account, first)

    assert second[PLUG].power is True
    assert second[PLUG].actions == {Action.SET_POWER, Action.SEND_COMMAND}


async def test_a_status_without_a_state_leaves_it_as_held(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    first = await refresh_all(account)
    cloud.reply(LAMP_FETCH, {"response": {"uptime": 5}})
    cloud.reply(data_key(LAMP), page(record({"linkquality": 70}, T0_MS, LAMP)))

    second = await refresh_all(account, first)

    assert cloud.calls(LAMP_STATUS_REQUEST) == 2  # asked: it is a light
    assert second[LAMP].light == first[LAMP].light
    assert second[LAMP].readings == {Measurement.LINK_QUALITY: 70}


async def test_a_state_in_data_without_a_time(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    cloud.reply(
        data_key(LAMP),
        page({"deviceId": LAMP, "data": {"state": "OFF", "brightness": 1}}),  # no ts
    )

    lamp = (await refresh_all(account, push_healthy=True))[LAMP]

    assert lamp.light is not None
    assert (lamp.light.on, lamp.light.brightness) == (False, 0.4)
    assert lamp.last_report is None


async def test_a_status_answered_at_once(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    cloud.reply(LAMP_STATUS_REQUEST, {"response": {"state": "OFF"}})

    lamp = (await refresh_all(account))[LAMP]

    assert cloud.calls(LAMP_FETCH) == 0
    assert lamp.light is not None
    assert lamp.light.on is False
    assert lamp.light.brightness == 100.0  # from the data


async def test_waiting_for_a_status_holds_no_request_slot(
    cloud: Cloud,
    client: InstathingsClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One request at a time, two devices that never answer their status.

    Were the waits holding the slot, the second device would be asked only
    after the first one's last poll (and the refresh would wait twice).
    """
    monkeypatch.setattr(account_module, "STATUS_BACKOFF", (0.25, 0.25))
    account = InstathingsAccount(client, concurrency=1)
    cloud.reply(LAMP_FETCH, Reply(status=202))
    cloud.reply(PLUG_FETCH, Reply(status=202))
    devices_ = await refresh_all(account)

    keys = cloud.keys()
    last_data = max(i for i, key in enumerate(keys) if key.endswith("/data"))
    first_fetch = min(i for i, key in enumerate(keys) if key.endswith("/fetch"))
    assert last_data < first_fetch
    assert keys.index(PLUG_STATUS_REQUEST) < first_fetch
    assert keys.index(LAMP_STATUS_REQUEST) < first_fetch
    assert set(devices_) == {VIRTUAL, GATEWAY, SENSOR, LAMP, PLUG}


async def test_push_healthy_asks_no_status(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    first = await refresh_all(account)
    requests = cloud.calls(LAMP_STATUS_REQUEST)

    second = await refresh_all(account, first, push_healthy=True)

    assert cloud.calls(LAMP_STATUS_REQUEST) == requests
    assert cloud.calls(PLUG_STATUS_REQUEST) == 1
    assert second[LAMP].light == first[LAMP].light
    assert second[PLUG].power is True


# --- one device ------------------------------------------------------------------------------


async def test_one_device_after_a_command(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    known = await refresh_all(account)
    since = len(cloud.requests)
    cloud.reply(PLUG_FETCH, {"response": {"relays": [{"ison": False}]}})

    refresh = await account.async_refresh(
        RefreshRequest(known=known, device_id=PLUG, push_healthy=True)
    )

    assert refresh.listing is None
    assert set(refresh.devices) == {PLUG}
    assert refresh.devices[PLUG].power is False
    assert refresh.devices[PLUG].name == "Plug"
    assert cloud.keys()[since:] == [
        data_key(PLUG),
        PLUG_STATUS_REQUEST,
        PLUG_FETCH,
    ]


async def test_one_device_we_do_not_hold(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    refresh = await account.async_refresh(RefreshRequest(device_id=SENSOR))

    assert refresh.devices[SENSOR].readings[Measurement.HUMIDITY] == 48
    assert refresh.devices[SENSOR].via_device == GATEWAY
    assert cloud.keys()[1:] == [f"GET /device/v1/devices/{SENSOR}", data_key(SENSOR)]

    cloud.reply(f"GET /device/v1/devices/{SENSOR}", Reply(status=404))
    refresh = await account.async_refresh(RefreshRequest(device_id=SENSOR))
    assert isinstance(refresh.failed[SENSOR], DeviceNotFoundError)


async def test_probing_a_device(cloud: Cloud, account: InstathingsAccount) -> None:
    assert await account.async_probe_device(SENSOR) is True
    cloud.reply(f"GET /device/v1/devices/{SENSOR}", Reply(status=404))
    assert await account.async_probe_device(SENSOR) is False
    cloud.reply(f"GET /device/v1/devices/{SENSOR}", Reply(status=503))
    assert await account.async_probe_device(SENSOR) is None


# --- commands --------------------------------------------------------------------------------


def lamp_device() -> Device:
    return Device(id=LAMP, kind=DeviceKind.GENERIC, name="Lamp", manufacturer="Philips")


@pytest.mark.parametrize(
    ("command", "body"),
    [
        (SetPower(on=True), {"state": "ON"}),
        (SetPower(on=False), {"state": "OFF"}),
        (SetLight(on=False, brightness=50), {"state": "OFF"}),
        (SetLight(on=True), {"state": "ON"}),
        (SetLight(on=True, brightness=100), {"state": "ON", "brightness": 254}),
        (SetLight(on=True, brightness=0.1), {"state": "ON", "brightness": 1}),
        (SetLight(on=True, brightness=0), {"state": "ON", "brightness": 0}),
        (
            SetLight(on=True, brightness=50, xy=(0.31, 0.41)),
            {"state": "ON", "brightness": 127, "color": {"x": 0.31, "y": 0.41}},
        ),
        (
            SetLight(on=True, rgb=(255, 0, 10)),
            {"state": "ON", "color": {"r": 255, "g": 0, "b": 10}},
        ),
        (
            SetLight(on=True, color_temp_kelvin=6500),
            {"state": "ON", "color_temp": 154},
        ),
    ],
)
async def test_command_bodies(
    cloud: Cloud, account: InstathingsAccount, command: Any, body: dict[str, Any]
) -> None:
    result = await account.async_execute(lamp_device(), command)

    (seen,) = cloud.seen(f"POST /device/v1/control/{LAMP}/set")
    assert seen.json == body
    assert (seen.headers, seen.query) == ({}, {})
    assert result.photo is None


async def test_send_command(cloud: Cloud, account: InstathingsAccount) -> None:
    await account.async_execute(
        lamp_device(),
        SendCommand(
            payload={"effect": "blink", "nested": {"a": [1, 2]}},
            path="/settings",
            method="post",
            query={"reset": "1"},
        ),
    )
    await account.async_execute(lamp_device(), SendCommand(payload={"state": "TOGGLE"}))

    first, second = cloud.seen(f"POST /device/v1/control/{LAMP}/set")
    assert first.json == {"effect": "blink", "nested": {"a": [1, 2]}}
    assert first.headers == {
        "instathings-path": "/settings",
        "instathings-method": "POST",
    }
    assert first.query == {"reset": "1"}
    assert (second.json, second.headers, second.query) == ({"state": "TOGGLE"}, {}, {})


async def test_command_errors(cloud: Cloud, account: InstathingsAccount) -> None:
    key = f"POST /device/v1/control/{LAMP}/set"
    for status, error in (
        (404, DeviceNotFoundError),
        (400, InvalidParameterError),
        (403, RequestRejectedError),
        (500, CannotConnectError),
    ):
        cloud.reply(key, Reply({"message": "no"}, status=status))
        with pytest.raises(error):
            await account.async_execute(lamp_device(), SetPower(on=True))

    cloud.reply(key, Reply(status=429, headers={"Retry-After": "5"}))
    with pytest.raises(RateLimitError) as throttled:
        await account.async_execute(lamp_device(), SetPower(on=True))
    assert throttled.value.retry_after == 5
    account.gate.paused_until = None

    cloud.reply(key, Reply(status=401))
    with pytest.raises(AuthError):
        await account.async_execute(lamp_device(), SetPower(on=True))

    with pytest.raises(RequestRejectedError, match="can not feed"):
        await account.async_execute(lamp_device(), Feed(amount=10))


# --- the descriptor ----------------------------------------------------------------------------


async def test_the_descriptor_opens_an_account(
    session: aiohttp.ClientSession, cloud: Cloud
) -> None:
    assert DESCRIPTOR.key == "instathings"
    assert DESCRIPTOR.sign_in is SignIn.CLIENT_CREDENTIALS
    assert DESCRIPTOR.push is Push.SOCKET
    assert DESCRIPTOR.url_asked
    assert DESCRIPTOR.default_url is None
    assert DESCRIPTOR.push_safety_net == timedelta(minutes=15)
    assert DESCRIPTOR.capabilities == {
        Action.SET_POWER,
        Action.SET_LIGHT,
        Action.SEND_COMMAND,
    }
    assert DESCRIPTOR.identity({"client_id": "abc", "client_secret": "s"}) == "abc"

    account = DESCRIPTOR.factory(
        AccountContext(
            session=session,
            credentials={"client_id": "client-id", "client_secret": "client-secret"},
            base_url=f"{cloud.base_url}/",
            options={},
        )
    )

    assert isinstance(account, InstathingsAccount)
    assert account.vendor == "instathings"
    assert len(await account.async_identify()) == 5
    assert cloud.requests[0].json == {
        "clientId": "client-id",
        "clientSecret": "client-secret",
    }
    with pytest.raises(ValueError, match="URL"):
        DESCRIPTOR.factory(
            AccountContext(session=session, credentials={}, base_url=None, options={})
        )
