"""Ninja Blocks push: per-device callbacks and what they deliver.

Registration (new, 409 then whose it is: ours as it is, ours on a moved
host, another app's left alone or taken over, the envelope's "exists"),
partial and total failures, a device that appears later, unregistering
only ours, every delivered body shape, unknown GUIDs, malformed bodies,
older reports, and when a poll says push missed a change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from custom_components.petsmart_hub.model import (
    Detection,
    Device,
    DeviceKind,
    EventType,
    Measurement,
)
from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    CannotConnectError,
    PushRejectedError,
    RefreshRequest,
)
from custom_components.petsmart_hub.vendors.ninjablocks import (
    IMPLAUSIBLE,
    MALFORMED,
    POLL_INTERVAL,
    UNKNOWN_DEVICE,
    NinjaBlocksAccount,
    NinjaBlocksClient,
)

from .conftest import (
    CONTACT,
    DOORBELL,
    DOORBELL_CODE,
    HUMIDITY,
    LED,
    NODE,
    PIR,
    RELAY,
    REPORTING,
    RF,
    SENSORS,
    T0_MS,
    TEMPERATURE,
    WEBCAM,
    Clock,
    Cloud,
    Reply,
    devices,
    failed,
    heartbeat,
    ms,
    ok,
)

HOOK = "https://ha.example.com/api/webhook/abc123"
MOVED = "http://192.168.1.5:8123/api/webhook/abc123"
OTHER = "http://my-app.herokuapp.com/callback_handler"


async def first(account: NinjaBlocksAccount) -> dict[str, Device]:
    return (await account.async_refresh(RefreshRequest())).devices


def posts(cloud: Cloud) -> list[str]:
    return sorted(
        s.path.split("/")[2]
        for s in cloud.requests
        if s.path.endswith("/callback") and s.method == "POST"
    )


# --- registration ------------------------------------------------------------------------------


async def test_new_callbacks_for_every_sensor(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await first(account)
    cloud.clear()

    await account.async_register_webhook(HOOK)

    assert posts(cloud) == sorted(SENSORS)
    assert {s.json["url"] for s in cloud.requests} == {HOOK}
    assert cloud.callbacks == dict.fromkeys(SENSORS, HOOK)
    assert account.covered == frozenset(SENSORS)
    assert account.push_taken() == {}


async def test_a_callback_of_ours_already(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await first(account)
    cloud.callbacks = {TEMPERATURE: HOOK, HUMIDITY: MOVED}
    cloud.clear()

    await account.async_register_webhook(HOOK)

    keys = cloud.sent()
    # the same URL: nothing more; HA's URL moved: ours is updated
    assert f"GET /device/{TEMPERATURE}/callback" in keys
    assert f"PUT /device/{TEMPERATURE}/callback" not in keys
    assert f"PUT /device/{HUMIDITY}/callback" in keys
    assert cloud.callbacks[HUMIDITY] == HOOK
    assert account.covered == frozenset(SENSORS)


async def test_another_apps_callback_is_left_alone(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    cloud.callbacks = {TEMPERATURE: OTHER}
    cloud.clear()

    await account.async_register_webhook(HOOK)

    assert f"PUT /device/{TEMPERATURE}/callback" not in cloud.sent()
    assert cloud.callbacks[TEMPERATURE] == OTHER
    assert account.push_taken() == {TEMPERATURE: "Temperature"}
    assert TEMPERATURE not in account.covered
    # it is polled (each minute) while push brings the others: with the
    # relay (no sensor) two devices to read, so the one listing reads both
    assert account.next_refresh(clock()).at == clock() + POLL_INTERVAL
    cloud.clear()
    clock.advance(timedelta(seconds=60))
    await account.async_refresh(RefreshRequest(known=held, push_healthy=True))
    assert cloud.sent() == ["GET /devices"]
    # it is never deleted
    cloud.clear()
    await account.async_unregister_webhook()
    assert f"DELETE /device/{TEMPERATURE}/callback" not in cloud.sent()
    assert cloud.callbacks == {TEMPERATURE: OTHER}


async def test_taking_over_another_apps_callback(
    cloud: Cloud, client: NinjaBlocksClient
) -> None:
    account = NinjaBlocksAccount(client, take_over=True)
    await first(account)
    cloud.callbacks = {TEMPERATURE: OTHER}

    await account.async_register_webhook(HOOK)

    assert cloud.callbacks[TEMPERATURE] == HOOK
    assert account.push_taken() == {}
    assert TEMPERATURE in account.covered


@pytest.mark.parametrize(
    "exists",
    [
        Reply(failed("Callback already exists")),  # on HTTP 200
        Reply(failed("nope", 409)),
        Reply(None, status=409),
    ],
)
async def test_every_way_the_cloud_says_one_exists(
    cloud: Cloud, account: NinjaBlocksAccount, exists: Reply
) -> None:
    await first(account)
    cloud.reply(f"POST /device/{TEMPERATURE}/callback", exists)
    cloud.reply(f"GET /device/{TEMPERATURE}/callback", ok({"url": OTHER}))
    await account.async_register_webhook(HOOK)
    assert account.push_taken() == {TEMPERATURE: "Temperature"}


async def test_one_exists_but_none_is_shown(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await first(account)
    cloud.reply(f"POST /device/{TEMPERATURE}/callback", Reply(None, status=409))
    cloud.reply(f"GET /device/{TEMPERATURE}/callback", ok({}))
    cloud.reply(f"PUT /device/{TEMPERATURE}/callback", ok())
    cloud.clear()
    await account.async_register_webhook(HOOK)
    # whose it is is not said: not ours to replace (another app's, maybe)
    assert f"PUT /device/{TEMPERATURE}/callback" not in cloud.sent()
    assert TEMPERATURE not in account.covered
    assert account.push_taken() == {TEMPERATURE: "Temperature"}


async def test_one_exists_but_none_is_shown_taken_over(
    cloud: Cloud, client: NinjaBlocksClient
) -> None:
    account = NinjaBlocksAccount(client, take_over=True)
    await first(account)
    cloud.reply(f"POST /device/{TEMPERATURE}/callback", Reply(None, status=409))
    cloud.reply(f"GET /device/{TEMPERATURE}/callback", ok({}))
    cloud.reply(f"PUT /device/{TEMPERATURE}/callback", ok())
    cloud.clear()
    await account.async_register_webhook(HOOK)
    assert f"PUT /device/{TEMPERATURE}/callback" in cloud.sent()
    assert TEMPERATURE in account.covered


async def test_registration_failures(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    cloud.reply(f"POST /device/{TEMPERATURE}/callback", Reply(None, status=500))
    await account.async_register_webhook(HOOK)  # the others are covered
    assert TEMPERATURE not in account.covered
    assert account.push_taken() == {}

    # a later listing registers it again (and any device new to the account)
    listing = devices()
    new = f"{NODE}_0_0_55"
    listing[new] = {**listing[PIR], "did": "55"}
    cloud.listing(listing)
    cloud.reply(f"GET /device/{new}/heartbeat", ok({}))
    for method in ("POST", "GET", "PUT", "DELETE"):
        cloud.reply(f"{method} /device/{new}/callback", cloud._callback)
    cloud.reply(f"POST /device/{TEMPERATURE}/callback", cloud._callback)
    cloud.clear()
    clock.advance(timedelta(minutes=15))
    await account.async_refresh(RefreshRequest(known=held, push_healthy=True))
    assert posts(cloud) == sorted([TEMPERATURE, new])
    assert {TEMPERATURE, new} <= account.covered


async def test_a_registration_that_fails_everywhere(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await first(account)
    for guid in SENSORS:
        cloud.reply(f"POST /device/{guid}/callback", Reply(None, status=502))
    with pytest.raises(CannotConnectError):
        await account.async_register_webhook(HOOK)
    assert account.covered == frozenset()


async def test_a_registration_with_a_refused_token(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await first(account)
    cloud.token = "revoked"
    with pytest.raises(AuthError):
        await account.async_register_webhook(HOOK)


async def test_unregistering_deletes_only_ours(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    await first(account)
    cloud.callbacks = {TEMPERATURE: OTHER}
    await account.async_register_webhook(HOOK)
    del cloud.callbacks[HUMIDITY]  # gone already: nothing to delete
    cloud.clear()

    await account.async_unregister_webhook()

    deleted = sorted(s.path.split("/")[2] for s in cloud.seen() if s.method == "DELETE")
    assert deleted == sorted(set(SENSORS) - {TEMPERATURE})
    assert cloud.callbacks == {TEMPERATURE: OTHER}
    assert account.covered == frozenset()
    assert account.next_refresh(clock()).at is None


async def test_unregistering_raises_what_failed_after_the_rest(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await first(account)
    await account.async_register_webhook(HOOK)
    cloud.reply(f"DELETE /device/{LED}/callback", Reply(None, status=500))
    with pytest.raises(CannotConnectError):
        await account.async_unregister_webhook()
    assert set(cloud.callbacks) == {LED}


# --- deliveries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    ["heartbeat", "lower", "wrapped", "envelope", "node"],
)
async def test_every_delivered_shape(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock, shape: str
) -> None:
    held = await first(account)
    at = ms(clock() + timedelta(seconds=5))
    beat = heartbeat(CONTACT, "open", at)
    body: Any = {
        "heartbeat": beat,
        "lower": {"guid": CONTACT, "da": "open", "timestamp": at},
        "wrapped": {"data": beat},
        "envelope": {"result": 1, "error": None, "id": 0, "data": beat},
        "node": {k: v for k, v in beat.items() if k != "GUID"},
    }[shape]

    pushed = account.parse_webhook(body, held)

    contact, block = pushed.updates
    assert contact.device.id == CONTACT
    assert contact.device.detections == {Detection.OPENING: True}
    assert contact.at == contact.device.last_report
    assert ms(contact.at) == at
    assert contact.device is not held[CONTACT]
    assert (block.device.id, block.device.last_report) == (NODE, contact.at)
    assert [(e.device_id, e.type, e.at) for e in pushed.events] == [
        (CONTACT, EventType.OPENED, contact.at)
    ]
    assert not pushed.relist


async def test_a_pushed_code_fires_on_its_sub_device(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    pushed = account.parse_webhook({"guid": RF, "DA": DOORBELL_CODE}, held)
    (hub, _block) = pushed.updates
    assert hub.at == clock()  # no timestamp: as it arrived
    assert hub.device.values == {"last_code": DOORBELL_CODE}
    assert [(e.device_id, e.data) for e in pushed.events] == [
        (f"{RF}:{DOORBELL}", {"code": DOORBELL_CODE})
    ]


async def test_an_unknown_guid_lists_again(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    pushed = account.parse_webhook(heartbeat(f"{NODE}_0_0_321", 1, T0_MS), held)
    assert pushed.relist
    assert pushed.updates == []
    assert account.next_refresh(clock()).at == clock()
    cloud.clear()
    await account.async_refresh(RefreshRequest(known=held, push_healthy=True))
    assert cloud.sent()[0] == "GET /devices"

    # known to the cloud's listing, not yet to Home Assistant: listed again too
    without = {k: v for k, v in held.items() if k != PIR}
    assert account.parse_webhook(heartbeat(PIR, 1, T0_MS), without).relist


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"guid": "nonsense", "DA": 1}, UNKNOWN_DEVICE),
        ({"guid": NODE, "DA": 1}, UNKNOWN_DEVICE),  # a block sends nothing
        ({"guid": f"{RF}:{DOORBELL}", "DA": 1}, UNKNOWN_DEVICE),
        ({"DA": 1}, MALFORMED),
        ("text", MALFORMED),
        ({"guid": TEMPERATURE}, MALFORMED),
    ],
)
async def test_deliveries_refused(
    cloud: Cloud, account: NinjaBlocksAccount, body: Any, reason: str
) -> None:
    held = await first(account)
    with pytest.raises(PushRejectedError) as caught:
        account.parse_webhook(body, held)
    assert caught.value.reason == reason


async def test_an_older_report_changes_nothing(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    older = account.parse_webhook(heartbeat(CONTACT, "open", T0_MS - 120_000), held)
    assert (older.updates, older.events) == ([], [])
    # the same report again: no event either
    again = account.parse_webhook(heartbeat(CONTACT, "closed", T0_MS - 60_000), held)
    assert [update.device.id for update in again.updates] == [CONTACT]
    assert again.events == []


async def test_a_pushed_implausible_value_is_dropped(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    with pytest.raises(PushRejectedError) as refused:
        account.parse_webhook(heartbeat(TEMPERATURE, 900, T0_MS), held)
    assert refused.value.reason == IMPLAUSIBLE
    ok_push = account.parse_webhook(heartbeat(TEMPERATURE, 21, T0_MS + 1000), held)
    assert ok_push.updates[0].device.readings == {Measurement.TEMPERATURE: 21}


async def test_a_push_without_its_block_held(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    del held[NODE]
    pushed = account.parse_webhook(heartbeat(HUMIDITY, 40, T0_MS), held)
    assert [update.device.id for update in pushed.updates] == [HUMIDITY]


# --- what push missed ----------------------------------------------------------------------------


async def test_push_missed(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    await account.async_register_webhook(HOOK)
    listing = devices()
    later = clock() + timedelta(minutes=5)
    listing[CONTACT]["last_data"] = {"DA": "open", "timestamp": ms(later)}
    listing[TEMPERATURE]["last_data"] = {"DA": 26.6, "timestamp": ms(later)}
    listing[RELAY]["last_data"] = {"DA": "1", "timestamp": ms(later)}
    cloud.listing(listing)
    clock.advance(timedelta(minutes=15))
    polled = (
        await account.async_refresh(RefreshRequest(known=held, push_healthy=True))
    ).devices

    # a newer report that changed what it shows: push should have brought it
    assert account.push_missed(held[CONTACT], polled[CONTACT])
    # newer, but the same reading
    assert not account.push_missed(held[TEMPERATURE], polled[TEMPERATURE])
    # not ours to push (the relay is no sensor)
    assert not account.push_missed(held[RELAY], polled[RELAY])
    # not newer
    assert not account.push_missed(polled[CONTACT], held[CONTACT])
    assert not account.push_missed(held[HUMIDITY], polled[HUMIDITY])
    # a kind that changed is a new device, not a miss
    camera = Device(
        id=CONTACT,
        kind=DeviceKind.CAMERA,
        name="c",
        manufacturer="x",
        last_report=later,
    )
    assert not account.push_missed(held[CONTACT], camera)
    assert set(REPORTING) - set(SENSORS) == {RELAY}
    assert WEBCAM in SENSORS


async def test_a_failed_registration_again_keeps_what_is_ours(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await first(account)
    await account.async_register_webhook(HOOK)
    for guid in SENSORS:
        cloud.reply(f"POST /device/{guid}/callback", Reply(None, status=502))
    with pytest.raises(CannotConnectError):
        await account.async_register_webhook(HOOK)
    # unloading still deletes the callbacks the cloud holds of ours
    cloud.clear()
    await account.async_unregister_webhook()
    assert cloud.callbacks == {}


async def test_no_sensor_to_register(cloud: Cloud, account: NinjaBlocksAccount) -> None:
    cloud.listing({RELAY: devices()[RELAY]})
    await first(account)
    cloud.clear()
    await account.async_register_webhook(HOOK)
    assert cloud.requests == []
    assert account.push_taken() == {}


async def test_a_push_older_than_a_report_the_account_read_since(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    """HA still shows the old value; the account read a newer one: that one wins."""
    held = await first(account)
    cloud.beat(HUMIDITY, 70, held[HUMIDITY].last_report + timedelta(minutes=2))
    await account.async_refresh(RefreshRequest(known=held, device_id=HUMIDITY))
    between = held[HUMIDITY].last_report + timedelta(minutes=1)
    pushed = account.parse_webhook(
        heartbeat(HUMIDITY, 40, int(between.timestamp() * 1000)), held
    )
    assert pushed.updates[0].device.readings == {Measurement.HUMIDITY: 70}
