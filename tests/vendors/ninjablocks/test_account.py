"""The Ninja Blocks account: the plan, polled events, commands, history, the descriptor.

Against the canned cloud: the listing at the first refresh and every
LISTING_INTERVAL, heartbeats of the reporting devices in between (none of
those push covers while it is healthy), events of newer reports (never at
the first refresh), devices the listing leaves out, one-device refreshes
and probes, the exact request of every command and what is read back, the
history's query and the snapshot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.petsmart_hub.model import (
    Action,
    AddSubdevice,
    Device,
    DeviceKind,
    EventType,
    Feed,
    HistoryFold,
    HistoryQuery,
    HistoryUnit,
    LightMode,
    Measurement,
    RemoveSubdevice,
    Rename,
    SetLight,
    SetPower,
    Transmit,
    UpdateSubdevice,
)
from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    CannotConnectError,
    DeviceNotFoundError,
    DeviceUpdate,
    InvalidParameterError,
    RefreshRequest,
    RequestRejectedError,
)
from custom_components.petsmart_hub.vendors.descriptor import (
    OPT_TAKE_OVER,
    AccountContext,
    Push,
    SignIn,
)
from custom_components.petsmart_hub.vendors.ninjablocks import (
    CAPABILITIES,
    DEFAULT_BASE_URL,
    DESCRIPTOR,
    LISTING_INTERVAL,
    POLL_INTERVAL,
    NinjaBlocksAccount,
    NinjaBlocksClient,
    account_id_of,
)
from custom_components.petsmart_hub.vendors.ninjablocks.payloads import Report
from custom_components.petsmart_hub.vendors.registry import VENDORS

from .conftest import (
    CONTACT,
    DOORBELL,
    DOORBELL_CODE,
    GUIDS,
    HUMIDITY,
    LAMP_ON,
    LAMP_ON_CODE,
    LED,
    NODE,
    PIR,
    RELAY,
    REPORTING,
    RF,
    RF_CODE,
    START,
    T0_MS,
    TEMPERATURE,
    TICKLE,
    TICKLE_TOKEN,
    TOKEN,
    WEBCAM,
    WEBHOOK,
    WEBHOOK_NODE,
    Clock,
    Cloud,
    Reply,
    device,
    devices,
    failed,
    heartbeat,
    ms,
    ok,
)

HOOK = "https://ha.example.com/api/webhook/abc123"


def beats(keys: list[str]) -> set[str]:
    return {key for key in keys if key.endswith("/heartbeat")}


def heartbeat_keys(guids: list[str]) -> set[str]:
    return {f"GET /device/{guid}/heartbeat" for guid in guids}


async def first(account: NinjaBlocksAccount) -> dict[str, Device]:
    """The first refresh: what Home Assistant then holds."""
    return (await account.async_refresh(RefreshRequest())).devices


# --- the descriptor ---------------------------------------------------------------------------


def test_the_descriptor(session: aiohttp.ClientSession) -> None:
    assert DESCRIPTOR.key == "ninjablocks"
    assert DESCRIPTOR.title == "Ninja Blocks"
    assert DESCRIPTOR.sign_in is SignIn.ACCESS_TOKEN
    assert DESCRIPTOR.default_url == DEFAULT_BASE_URL == "https://api.ninja.is/rest/v0"
    assert DESCRIPTOR.push is Push.WEBHOOK
    assert DESCRIPTOR.push_safety_net == timedelta(minutes=15)
    assert DESCRIPTOR.push_takeover is True
    assert (
        DESCRIPTOR.capabilities
        == CAPABILITIES
        == frozenset(
            {
                Action.RENAME,
                Action.SET_LIGHT,
                Action.SET_POWER,
                Action.TRANSMIT,
                Action.ADD_SUBDEVICE,
                Action.UPDATE_SUBDEVICE,
                Action.REMOVE_SUBDEVICE,
            }
        )
    )
    assert VENDORS["ninjablocks"] is DESCRIPTOR

    plain = DESCRIPTOR.factory(
        AccountContext(
            session=session,
            credentials={"access_token": TOKEN},
            base_url=None,
            options={},
        )
    )
    assert isinstance(plain, NinjaBlocksAccount)
    assert plain.client.base_url == DEFAULT_BASE_URL
    assert plain.client.stream_url == "https://stream.ninja.is/rest/v0"
    assert plain.take_over is False
    taking = DESCRIPTOR.factory(
        AccountContext(
            session=session,
            credentials={"access_token": TOKEN},
            base_url="http://127.0.0.1:8904/rest/v0",
            options={OPT_TAKE_OVER: True},
        )
    )
    assert isinstance(taking, NinjaBlocksAccount)
    assert taking.take_over is True
    assert taking.client.stream_url == "http://127.0.0.1:8904/rest/v0"


# --- identify and the first refresh -------------------------------------------------------------


async def test_identify_lists_the_account(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    inventory = await account.async_identify()

    assert cloud.sent() == ["GET /devices"]
    assert inventory.complete
    ids = [device.id for device in inventory]
    # one block; the webhook service (node "WEBHOOK") is on none
    assert ids[0] == NODE
    assert WEBHOOK_NODE not in ids
    assert set(GUIDS) <= set(ids)
    assert f"{RF}:{DOORBELL}" in ids
    assert inventory.skipped_ids == {f"{WEBHOOK}:SMS01"}
    assert account.account_id_from_devices is True
    assert account.account_id == account_id_of([NODE])
    assert account.account_id == account_id_of([NODE, NODE])
    assert account.account_id is not None
    assert NODE not in account.account_id


async def test_an_account_without_devices_has_no_id(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    cloud.listing({})
    assert list(await account.async_identify()) == []
    assert account.account_id is None


async def test_the_first_refresh_lists_and_fires_nothing(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await account.async_identify()  # the sign-in's listing is not the refresh's
    cloud.clear()
    # even with devices held, and a newer report than theirs
    held = {
        PIR: Device(
            id=PIR,
            kind=DeviceKind.GENERIC,
            name="pir",
            manufacturer="x",
            last_report=datetime(2020, 1, 1, tzinfo=UTC),
        )
    }
    refresh = await account.async_refresh(RefreshRequest(known=held))

    assert cloud.sent()[0] == "GET /devices"
    assert refresh.events == []
    assert refresh.listing is not None and refresh.listing.complete
    assert set(refresh.devices) == {device.id for device in refresh.listing}
    block = refresh.devices[NODE]
    assert block.kind is DeviceKind.GATEWAY
    assert block.last_report == datetime.fromtimestamp((T0_MS - 60_000) / 1000, UTC)
    assert refresh.devices[TEMPERATURE].readings == {Measurement.TEMPERATURE: 26.6}
    assert refresh.devices[LED].light is not None
    assert refresh.devices[LED].light.modes == frozenset({LightMode.RGB})
    assert refresh.devices[WEBCAM].kind is DeviceKind.CAMERA


# --- the plan ------------------------------------------------------------------------------------


async def test_the_listing_when_it_is_cheaper_than_heartbeats(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    """Several reporting devices: one listing brings them all (one call)."""
    held = await first(account)
    cloud.clear()

    clock.advance(timedelta(seconds=60))
    refresh = await account.async_refresh(RefreshRequest(known=held))

    assert cloud.sent() == ["GET /devices"]
    assert refresh.listing is not None
    assert set(REPORTING) <= set(refresh.devices)
    assert refresh.events == []  # the same reports as held


async def test_one_reporting_device_is_read_by_its_heartbeat(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    """One device to read: its heartbeat; the listing every LISTING_INTERVAL."""
    listing = devices()
    cloud.listing({HUMIDITY: listing[HUMIDITY], WEBCAM: listing[WEBCAM]})
    held = await first(account)
    cloud.clear()

    clock.advance(timedelta(seconds=60))
    refresh = await account.async_refresh(RefreshRequest(known=held))
    # not the webcam: it reports nothing
    assert cloud.sent() == [f"GET /device/{HUMIDITY}/heartbeat"]
    assert refresh.listing is None
    assert set(refresh.devices) == {HUMIDITY, NODE}

    cloud.clear()
    clock.advance(LISTING_INTERVAL - timedelta(seconds=60))
    refresh = await account.async_refresh(RefreshRequest(known=held))
    assert cloud.sent() == ["GET /devices"]
    assert refresh.listing is not None


async def test_polled_events_fire_for_newer_reports(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    later = clock.advance(timedelta(seconds=60))
    cloud.beat(PIR, 1, later)
    cloud.beat(CONTACT, "open", later)
    cloud.beat(RF, DOORBELL_CODE, later)
    cloud.beat(HUMIDITY, 61, later)

    refresh = await account.async_refresh(RefreshRequest(known=held))

    assert sorted((e.device_id, e.type, e.at) for e in refresh.events) == sorted(
        [
            (PIR, EventType.MOTION, later),
            (CONTACT, EventType.OPENED, later),
            (f"{RF}:{DOORBELL}", EventType.RECEIVED, later),
        ]
    )
    received = next(e for e in refresh.events if e.type is EventType.RECEIVED)
    assert received.data == {"code": DOORBELL_CODE}
    assert refresh.devices[HUMIDITY].readings == {Measurement.HUMIDITY: 61}
    assert refresh.devices[RF].values == {"last_code": DOORBELL_CODE}
    assert refresh.devices[NODE].last_report == later

    # held now: the same reports fire nothing again
    held = {**held, **refresh.devices}
    clock.advance(timedelta(seconds=60))
    cloud.beat(CONTACT, "closed", clock())
    refresh = await account.async_refresh(RefreshRequest(known=held))
    assert [(e.device_id, e.type) for e in refresh.events] == [
        (CONTACT, EventType.CLOSED)
    ]


async def test_the_listing_fires_what_it_finds_newer(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    listing = devices()
    listing[PIR] = device(PIR, "pir", 1, ms(clock() + timedelta(minutes=5)))
    cloud.listing(listing)
    clock.advance(LISTING_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest(known=held))

    assert refresh.listing is not None
    assert [(e.device_id, e.type) for e in refresh.events] == [(PIR, EventType.MOTION)]


async def test_while_push_is_healthy_covered_devices_are_not_polled(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    await account.async_register_webhook(HOOK)
    cloud.clear()

    clock.advance(timedelta(seconds=60))
    refresh = await account.async_refresh(RefreshRequest(known=held, push_healthy=True))

    # the relay is no sensor: our callback does not cover it
    assert cloud.sent() == [f"GET /device/{RELAY}/heartbeat"]
    assert set(refresh.devices) == {RELAY, NODE}
    assert account.next_refresh(clock()).at == clock() + POLL_INTERVAL
    # a command's one-device refresh says nothing of push
    await account.async_refresh(RefreshRequest(known=held, device_id=RELAY))
    assert account.next_refresh(clock()).at == clock() + POLL_INTERVAL

    # push fails: every reporting device is read again (by the listing)
    cloud.clear()
    clock.advance(timedelta(seconds=60))
    await account.async_refresh(RefreshRequest(known=held, push_healthy=False))
    assert cloud.sent() == ["GET /devices"]
    assert account.next_refresh(clock()).at is None


async def test_a_safety_net_refresh_lists(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    listing = devices()
    del listing[RELAY]  # every reporting device is a sensor
    cloud.listing(listing)
    held = await first(account)
    await account.async_register_webhook(HOOK)
    assert account.next_refresh(clock()).at is None  # the safety net's interval
    cloud.clear()

    clock.advance(timedelta(minutes=2))
    refresh = await account.async_refresh(RefreshRequest(known=held, push_healthy=True))

    assert cloud.sent() == ["GET /devices"]
    assert refresh.listing is not None


async def test_a_device_the_cloud_lost_makes_the_listing_due(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    await account.async_register_webhook(HOOK)  # the relay alone is read
    cloud.reply(
        f"GET /device/{RELAY}/heartbeat",
        Reply(failed("Device not found", 404), status=404),
    )
    clock.advance(timedelta(seconds=60))

    refresh = await account.async_refresh(RefreshRequest(known=held, push_healthy=True))

    assert isinstance(refresh.failed[RELAY], DeviceNotFoundError)
    assert account.next_refresh(clock()).at == clock()
    cloud.clear()
    await account.async_refresh(RefreshRequest(known=held, push_healthy=True))
    assert cloud.sent()[0] == "GET /devices"


async def test_a_lost_cloud_fails_the_refresh(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    await account.async_register_webhook(HOOK)  # the relay alone is read
    cloud.reply(f"GET /device/{RELAY}/heartbeat", Reply(None, status=502))
    clock.advance(timedelta(seconds=60))
    with pytest.raises(CannotConnectError):
        await account.async_refresh(RefreshRequest(known=held, push_healthy=True))
    cloud.reply("GET /devices", Reply(None, status=502))
    with pytest.raises(CannotConnectError):
        await account.async_refresh(RefreshRequest(known=held))


async def test_a_refused_token_fails_the_refresh(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    cloud.token = "revoked"
    clock.advance(timedelta(seconds=60))
    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest(known=held))
    # a listing due after a failure is not hurried (the coordinator backs off)
    account._relist = True
    assert account.next_refresh(clock()).at is None


async def test_a_failed_listing_is_raised(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    cloud.reply("GET /devices", Reply(failed("down"), status=503))
    with pytest.raises(CannotConnectError):
        await account.async_refresh(RefreshRequest())


async def test_known_devices_the_listing_left_out(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    listing = devices()
    del listing[TEMPERATURE]  # still answers: the listing was wrong
    del listing[PIR]  # gone
    listing[RF]["subDevices"] = {}  # its remotes are gone from the hub...
    listing[RF]["has_subdevice_count"] = 0
    del listing[WEBHOOK]  # the webhook service is gone
    cloud.listing(listing)
    # ... as the hub itself says
    cloud.reply(f"GET /device/{RF}", ok({**listing[RF], "guid": RF}))
    cloud.reply(
        f"GET /device/{PIR}/heartbeat",
        Reply(failed("Device not found", 404), status=404),
    )
    later = clock.advance(LISTING_INTERVAL)
    cloud.beat(TEMPERATURE, 22.5, later)

    refresh = await account.async_refresh(RefreshRequest(known=held))

    assert refresh.devices[TEMPERATURE].readings == {Measurement.TEMPERATURE: 22.5}
    assert isinstance(refresh.failed[PIR], DeviceNotFoundError)
    for gone in (f"{RF}:{DOORBELL}", f"{RF}:{LAMP_ON}"):
        assert isinstance(refresh.failed[gone], DeviceNotFoundError)
    assert refresh.listing is not None
    assert TEMPERATURE not in {device.id for device in refresh.listing}


@pytest.mark.parametrize(
    ("listed_subs", "hub_answer"),
    [
        # the listing's entry lost its list; the hub still has its remotes
        (None, None),
        ({}, None),
        # the listing says none; the hub's own answer fails: nothing is told
        ({}, Reply(None, status=500)),
        # both leave them out, but the hub counts one: not its whole list
        ({}, "counted"),
    ],
    ids=["no-list", "empty-list", "hub-fails", "hub-counts-more"],
)
async def test_remotes_a_broken_listing_leaves_out_stay(
    cloud: Cloud,
    account: NinjaBlocksAccount,
    clock: Clock,
    listed_subs: Any,
    hub_answer: Any,
) -> None:
    """A remote goes only when its hub's own whole list leaves it out."""
    held = await first(account)
    listing = devices()
    if listed_subs is None:
        del listing[RF]["subDevices"]
    else:
        listing[RF]["subDevices"] = listed_subs
    cloud.listing(listing)
    if hub_answer == "counted":
        cloud.reply(
            f"GET /device/{RF}",
            ok({**listing[RF], "guid": RF, "has_subdevice_count": 2}),
        )
    elif hub_answer is not None:
        cloud.reply(f"GET /device/{RF}", hub_answer)
    clock.advance(LISTING_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest(known=held))

    for remote in (f"{RF}:{DOORBELL}", f"{RF}:{LAMP_ON}"):
        assert remote not in refresh.failed
    if hub_answer is None:  # the hub answered with them: kept, and usable
        assert refresh.devices[f"{RF}:{LAMP_ON}"].name == held[f"{RF}:{LAMP_ON}"].name
        await account.async_execute(refresh.devices[f"{RF}:{LAMP_ON}"], Transmit())


async def test_a_block_stays_while_a_device_of_it_answers(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    """A listing that leaves a whole block out: its devices' heartbeats tell."""
    held = await first(account)
    cloud.listing({WEBHOOK: devices()[WEBHOOK]})
    for guid in GUIDS:
        if guid != TEMPERATURE:
            cloud.reply(
                f"GET /device/{guid}/heartbeat",
                Reply(failed("Device not found", 404), status=404),
            )
    clock.advance(LISTING_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest(known=held))
    assert NODE in refresh.devices
    assert NODE not in refresh.failed

    for gone in (f"/device/{TEMPERATURE}/heartbeat", f"/device/{RF}"):
        cloud.reply(f"GET {gone}", Reply(failed("Device not found", 404), status=404))
    clock.advance(LISTING_INTERVAL)
    refresh = await account.async_refresh(RefreshRequest(known=held))
    assert isinstance(refresh.failed[NODE], DeviceNotFoundError)


async def test_a_known_device_never_listed_that_answers(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    stray_id = f"{NODE}_0_0_77"
    stray = Device(
        id=stray_id, kind=DeviceKind.GENERIC, name="stray", manufacturer="Ninja Blocks"
    )
    cloud.reply(f"GET /device/{stray_id}/heartbeat", ok(heartbeat(stray_id, 3, T0_MS)))
    refresh = await account.async_refresh(RefreshRequest(known={stray_id: stray}))
    assert refresh.devices[stray_id].last_report == START
    assert refresh.devices[stray_id].name == "stray"


# --- one device after a command, probes -------------------------------------------------------------


async def test_one_device_is_its_heartbeat(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    cloud.clear()
    cloud.beat(TEMPERATURE, 20.5, clock())

    refresh = await account.async_refresh(
        RefreshRequest(known=held, device_id=TEMPERATURE)
    )

    assert cloud.sent() == [f"GET /device/{TEMPERATURE}/heartbeat"]
    assert set(refresh.devices) == {TEMPERATURE}
    assert refresh.devices[TEMPERATURE].readings == {Measurement.TEMPERATURE: 20.5}


async def test_a_sub_device_is_its_hubs_entry(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    item = devices()[RF]
    item["subDevices"][DOORBELL]["shortName"] = "Front bell"
    cloud.reply(f"GET /device/{RF}", ok({**item, "guid": RF}))
    cloud.clear()

    refresh = await account.async_refresh(
        RefreshRequest(known=held, device_id=f"{RF}:{DOORBELL}")
    )

    assert cloud.sent() == [f"GET /device/{RF}"]
    assert refresh.devices[f"{RF}:{DOORBELL}"].name == "Front bell"
    assert RF in refresh.devices


async def test_one_device_without_heartbeat_or_unknown(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    cloud.clear()
    refresh = await account.async_refresh(RefreshRequest(known=held, device_id=WEBCAM))
    assert cloud.sent() == [f"GET /device/{WEBCAM}"]
    assert refresh.devices[WEBCAM].kind is DeviceKind.CAMERA

    cloud.clear()
    refresh = await account.async_refresh(RefreshRequest(known=held, device_id=NODE))
    assert (cloud.sent(), refresh.devices, refresh.failed) == ([], {}, {})

    refresh = await account.async_refresh(
        RefreshRequest(known=held, device_id=f"{NODE}_0_0_404")
    )
    assert isinstance(refresh.failed[f"{NODE}_0_0_404"], DeviceNotFoundError)

    cloud.token = "revoked"
    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest(known=held, device_id=TEMPERATURE))


async def test_probes(cloud: Cloud, account: NinjaBlocksAccount) -> None:
    await first(account)
    assert await account.async_probe_device(TEMPERATURE) is True
    assert await account.async_probe_device(f"{NODE}_0_0_404") is False
    cloud.reply(f"GET /device/{HUMIDITY}/heartbeat", Reply(None, status=500))
    assert await account.async_probe_device(HUMIDITY) is None
    assert await account.async_probe_device(f"{RF}:{DOORBELL}") is True
    assert await account.async_probe_device(f"{RF}:GONE") is False
    assert await account.async_probe_device(NODE) is None


# --- commands ----------------------------------------------------------------------------------------


class Published(list[DeviceUpdate]):
    def __call__(self, update: DeviceUpdate) -> None:
        self.append(update)


async def started(account: NinjaBlocksAccount) -> tuple[dict[str, Device], Published]:
    held = await first(account)
    published = Published()
    await account.async_start(published)
    return held, published


async def test_the_colour_round_trip(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held, published = await started(account)
    later = clock.advance(timedelta(seconds=5))
    cloud.beat(LED, "800040", later)
    cloud.clear()

    result = await account.async_execute(
        held[LED], SetLight(on=True, rgb=(255, 0, 128), brightness=50)
    )
    # the refresh of the device that follows reads it back (no second read)
    refresh = await account.async_refresh(RefreshRequest(known=held, device_id=LED))

    assert result.device_id is None
    assert published == []
    put, beat = cloud.seen()
    assert (put.method, put.path, put.json) == (
        "PUT",
        f"/device/{LED}",
        {"DA": "800040"},
    )
    assert (beat.method, beat.path) == ("GET", f"/device/{LED}/heartbeat")
    read = refresh.devices[LED]
    assert read.last_report == later
    light = read.light
    assert light is not None
    assert (light.on, light.rgb) == (True, (255, 0, 128))
    assert light.brightness == pytest.approx(50, abs=0.5)


@pytest.mark.parametrize(
    ("command", "da"),
    [
        (SetLight(on=False), "000000"),
        # on without a colour: the last colour, at its brightness
        (SetLight(on=True), "22B42B"),
        (SetLight(on=True, brightness=100), "30FF3D"),
        (SetLight(on=True, rgb=(0, 0, 255)), "0000B4"),
        (SetLight(on=True, brightness=0), "000000"),
    ],
)
async def test_light_bodies(
    cloud: Cloud, account: NinjaBlocksAccount, command: SetLight, da: str
) -> None:
    held = await first(account)
    cloud.clear()
    await account.async_execute(held[LED], command)
    assert cloud.seen(f"PUT /device/{LED}")[0].json == {"DA": da}


async def test_an_led_that_never_showed_a_colour_turns_white(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    listing = devices()
    listing[LED] = device(LED, "rgbled", "000000")
    cloud.listing(listing)
    held = await first(account)
    cloud.clear()
    await account.async_execute(held[LED], SetLight(on=True))
    assert cloud.seen(f"PUT /device/{LED}")[0].json == {"DA": "FFFFFF"}


async def test_power_is_read_back(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held, published = await started(account)
    later = clock.advance(timedelta(seconds=5))
    cloud.beat(RELAY, "1", later)
    cloud.clear()

    await account.async_execute(held[RELAY], SetPower(on=True))
    refresh = await account.async_refresh(RefreshRequest(known=held, device_id=RELAY))
    await account.async_execute(held[RELAY], SetPower(on=False))

    assert [s.json for s in cloud.seen(f"PUT /device/{RELAY}")] == [
        {"DA": "1"},
        {"DA": "0"},
    ]
    assert refresh.devices[RELAY].power is True
    assert cloud.calls(f"GET /device/{RELAY}/heartbeat") == 1
    assert published == []


async def test_an_older_heartbeat_than_the_entry_is_not_published(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held, published = await started(account)
    cloud.beat(RELAY, "1", clock() - timedelta(days=1))
    await account.async_execute(held[RELAY], SetPower(on=True))
    assert published == []


async def test_transmit(cloud: Cloud, account: NinjaBlocksAccount) -> None:
    held = await first(account)
    cloud.clear()

    await account.async_execute(held[f"{RF}:{LAMP_ON}"], Transmit())
    await account.async_execute(held[f"{WEBHOOK}:{TICKLE}"], Transmit())

    put, tickle = cloud.seen()
    assert (put.method, put.path, put.json) == (
        "PUT",
        f"/device/{RF}",
        {"DA": LAMP_ON_CODE},
    )
    assert (tickle.method, tickle.path, tickle.token) == (
        "POST",
        f"/device/{WEBHOOK}/subdevice/{TICKLE}/tickle/{TICKLE_TOKEN}",
        None,
    )


async def test_transmit_without_a_code_or_a_token(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    listing = devices()
    listing[RF]["subDevices"][LAMP_ON]["data"] = "garbled"
    del listing[WEBHOOK]["subDevices"][TICKLE]["token"]
    cloud.listing(listing)
    held = await first(account)
    for sub in (f"{RF}:{LAMP_ON}", f"{WEBHOOK}:{TICKLE}"):
        device_ = held[sub]
        assert Action.TRANSMIT not in device_.actions
        device_.actions = device_.actions | {Action.TRANSMIT}
        with pytest.raises(InvalidParameterError):
            await account.async_execute(device_, Transmit())


async def test_renames(cloud: Cloud, account: NinjaBlocksAccount, clock: Clock) -> None:
    held = await first(account)
    cloud.reply(f"PUT /device/{WEBCAM}", ok())
    cloud.clear()

    await account.async_execute(held[WEBCAM], Rename(name="Porch"))
    assert account.next_refresh(clock()).at == clock()  # the listing is due
    await account.async_execute(held[f"{RF}:{DOORBELL}"], Rename(name="Bell"))

    assert [(s.method, s.path, s.json) for s in cloud.seen()] == [
        ("PUT", f"/device/{WEBCAM}", {"shortName": "Porch"}),
        ("PUT", f"/device/{RF}/subdevice/{DOORBELL}", {"shortName": "Bell"}),
    ]
    cloud.clear()
    await account.async_refresh(RefreshRequest(known=held))
    assert cloud.sent()[0] == "GET /devices"


async def test_add_a_sub_device(cloud: Cloud, account: NinjaBlocksAccount) -> None:
    held = await first(account)
    cloud.clear()

    given = await account.async_execute(
        held[RF], AddSubdevice(name="Lamp Off", sensor=False, code="0000111100001111")
    )
    heard = await account.async_execute(
        held[RF], AddSubdevice(name="Remote", sensor=True)
    )

    assert [s.json for s in cloud.seen(f"POST /device/{RF}/subdevice")] == [
        {
            "category": "rf",
            "type": "actuator",
            "shortName": "Lamp Off",
            "data": "0000111100001111",
        },
        # no code: the one the hub heard last
        {"category": "rf", "type": "sensor", "shortName": "Remote", "data": RF_CODE},
    ]
    assert given.device_id == heard.device_id == f"{RF}:NEW01"


async def test_add_a_sub_device_with_the_code_held(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    account.entries[RF].report = Report()  # the account heard nothing itself
    cloud.clear()
    await account.async_execute(held[RF], AddSubdevice(name="Remote", sensor=True))
    assert cloud.seen()[0].json["data"] == RF_CODE  # as Home Assistant holds it


async def test_add_a_sub_device_without_a_code(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    listing = devices()
    listing[RF] = device(RF, "rf433", None, is_actuator=1)
    cloud.listing(listing)
    held = await first(account)
    cloud.clear()
    with pytest.raises(InvalidParameterError):
        await account.async_execute(held[RF], AddSubdevice(name="x", sensor=True))
    with pytest.raises(InvalidParameterError):
        await account.async_execute(
            held[RF], AddSubdevice(name="x", sensor=True, code="0123")
        )
    assert cloud.requests == []


async def test_a_created_sub_device_whose_id_is_not_said(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    cloud.reply(f"POST /device/{RF}/subdevice", ok())
    result = await account.async_execute(held[RF], AddSubdevice(name="x", sensor=True))
    assert result.device_id is None


@pytest.mark.parametrize(
    ("command", "body"),
    [
        (UpdateSubdevice(name="Bell"), {"shortName": "Bell"}),
        (UpdateSubdevice(code="1111000011110000"), {"data": "1111000011110000"}),
        (
            UpdateSubdevice(name="Bell", code="1111000011110000"),
            {"shortName": "Bell", "data": "1111000011110000"},
        ),
    ],
)
async def test_update_a_sub_device(
    cloud: Cloud, account: NinjaBlocksAccount, command: UpdateSubdevice, body: Any
) -> None:
    held = await first(account)
    cloud.clear()
    await account.async_execute(held[f"{RF}:{DOORBELL}"], command)
    assert [(s.method, s.path, s.json) for s in cloud.seen()] == [
        ("PUT", f"/device/{RF}/subdevice/{DOORBELL}", body)
    ]


async def test_an_update_of_nothing_or_a_bad_code(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    cloud.clear()
    for command in (UpdateSubdevice(), UpdateSubdevice(code="abc")):
        with pytest.raises(InvalidParameterError):
            await account.async_execute(held[f"{RF}:{DOORBELL}"], command)
    assert cloud.requests == []


async def test_remove_a_sub_device(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    cloud.clear()
    await account.async_execute(held[f"{RF}:{LAMP_ON}"], RemoveSubdevice())
    assert cloud.sent() == [f"DELETE /device/{RF}/subdevice/{LAMP_ON}"]
    assert account.next_refresh(clock()).at == clock()


async def test_commands_a_device_cannot_do(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    cloud.clear()
    for device_id, command in [
        (TEMPERATURE, SetLight(on=True)),
        (LED, Feed(amount=10)),
        (NODE, Rename(name="x")),
    ]:
        with pytest.raises(RequestRejectedError):
            await account.async_execute(held[device_id], command)
    stranger = Device(
        id=f"{RF}:ZZZ",
        kind=DeviceKind.GENERIC,
        name="z",
        manufacturer="x",
        actions=frozenset({Action.REMOVE_SUBDEVICE}),
    )
    with pytest.raises(DeviceNotFoundError):
        await account.async_execute(stranger, RemoveSubdevice())
    assert cloud.requests == []


async def test_a_command_the_cloud_refuses(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    cloud.reply(f"PUT /device/{RELAY}", failed("Could not send"))
    with pytest.raises(RequestRejectedError):
        await account.async_execute(held[RELAY], SetPower(on=True))


# --- history and snapshots ----------------------------------------------------------------------------


async def test_history_sends_only_what_is_given(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    cloud.reply(
        f"GET /device/{TEMPERATURE}/data",
        ok(
            [
                {"t": "2012-12-18T00:00:00.000+0000", "v": 26.56},
                {"t": 1355702400000, "v": 25.5},
            ]
        ),
    )
    cloud.clear()
    start = datetime(2012, 12, 11, tzinfo=UTC)
    end = datetime(2012, 12, 18, tzinfo=UTC)

    points = await account.async_get_history(
        held[TEMPERATURE],
        HistoryQuery(
            start=start,
            end=end,
            interval=1,
            unit=HistoryUnit.DAY,
            fold=HistoryFold.MEAN,
        ),
    )
    await account.async_get_history(held[TEMPERATURE], HistoryQuery())
    await account.async_get_history(
        held[TEMPERATURE], HistoryQuery(unit=HistoryUnit.HOUR, fold=HistoryFold.COUNT)
    )

    assert [s.query for s in cloud.seen(f"GET /device/{TEMPERATURE}/data")] == [
        {
            "from": str(ms(start)),
            "to": str(ms(end)),
            "interval": "1day",
            "fn": "mean",
        },
        {},
        {"interval": "1hour", "fn": "count"},
    ]
    assert [(p.at.day, p.value) for p in points] == [(17, 25.5), (18, 26.56)]


async def test_a_sub_devices_history_counts_its_actuations(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    key = f"GET /device/{RF}/subdevice/{DOORBELL}/data"
    cloud.reply(key, ok([{"t": "2012-06-28T01:49:00.000+0000", "v": 5}]))
    cloud.clear()

    points = await account.async_get_history(
        held[f"{RF}:{DOORBELL}"], HistoryQuery(interval=6, unit=HistoryUnit.MINUTE)
    )

    assert [s.query for s in cloud.seen(key)] == [{"interval": "6min"}]
    assert [p.value for p in points] == [5.0]
    # it counts uses: a folding function is refused, nothing is asked
    with pytest.raises(InvalidParameterError):
        await account.async_get_history(
            held[f"{RF}:{DOORBELL}"],
            HistoryQuery(interval=6, unit=HistoryUnit.MINUTE, fold=HistoryFold.MAX),
        )
    assert len(cloud.seen(key)) == 1


async def test_an_interval_needs_its_unit(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    held = await first(account)
    with pytest.raises(InvalidParameterError):
        await account.async_get_history(held[TEMPERATURE], HistoryQuery(interval=5))


async def test_a_snapshot(cloud: Cloud, account: NinjaBlocksAccount) -> None:
    held = await first(account)
    assert await account.async_get_snapshot(held[WEBCAM]) == b"\xff\xd8\xff\xe0JPEG"


async def test_the_account_clock(session: aiohttp.ClientSession) -> None:
    clock = Clock(START + timedelta(days=1))
    account = NinjaBlocksAccount(
        NinjaBlocksClient(session, DEFAULT_BASE_URL, TOKEN), now=clock
    )
    assert account._now() == clock()
    assert account.covered == frozenset()


async def test_a_pause_of_the_cloud_delays_the_next_refresh(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    await first(account)
    await account.async_register_webhook("https://ha.example.com/api/webhook/x")
    account.gate.pause(300)
    assert account.next_refresh(clock()).at == clock() + timedelta(seconds=300)


async def test_a_device_without_a_block(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    loner = {**device(HUMIDITY, "humidity", 40), "guid": "LONER"}
    del loner["node"]
    cloud.listing([loner])
    cloud.reply("GET /device/LONER/heartbeat", ok(heartbeat(HUMIDITY, 41, T0_MS)))
    held = await first(account)
    assert set(held) == {"LONER"}
    assert held["LONER"].via_device is None
    assert account.account_id is None
    clock.advance(timedelta(seconds=60))
    refresh = await account.async_refresh(RefreshRequest(known=held))
    assert set(refresh.devices) == {"LONER"}
    assert refresh.devices["LONER"].readings == {Measurement.HUMIDITY: 41}


async def test_an_older_heartbeat_changes_nothing(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    """A heartbeat older than the report held (a slow answer) is not taken."""
    held = await first(account)
    before = held[HUMIDITY].readings
    cloud.beat(HUMIDITY, 99, clock() - timedelta(hours=1))
    refresh = await account.async_refresh(
        RefreshRequest(known=held, device_id=HUMIDITY)
    )
    assert refresh.devices[HUMIDITY].readings == before


def test_accounts_are_told_apart_by_their_blocks(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    """Every account lists the cloud's webhook service: only blocks identify one."""
    devices = [
        Device(id=NODE, kind=DeviceKind.GATEWAY, name="block", manufacturer="x"),
        Device(id=WEBHOOK, kind=DeviceKind.GENERIC, name="hooks", manufacturer="x"),
        Device(id=HUMIDITY, kind=DeviceKind.GENERIC, name="h", manufacturer="x"),
    ]
    assert account.identifying_ids(devices) == {NODE}


async def test_a_command_not_reported_yet_shows_what_was_sent(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    """A block reports a command a moment later: no bounce back to the old state."""
    held = await first(account)
    assert held[RELAY].power is False
    await account.async_execute(held[RELAY], SetPower(on=True))
    # the heartbeat still holds the report from before the command
    refresh = await account.async_refresh(RefreshRequest(known=held, device_id=RELAY))
    assert refresh.devices[RELAY].power is True
    assert refresh.devices[RELAY].last_report == held[RELAY].last_report
    # the block's own next report is what counts
    cloud.beat(RELAY, 0, clock.advance(timedelta(seconds=5)))
    refresh = await account.async_refresh(RefreshRequest(known=held, device_id=RELAY))
    assert refresh.devices[RELAY].power is False


async def test_a_refused_token_while_asking_a_hub_for_its_remotes(
    cloud: Cloud, account: NinjaBlocksAccount, clock: Clock
) -> None:
    held = await first(account)
    listing = devices()
    del listing[RF]["subDevices"]
    cloud.listing(listing)
    cloud.reply(f"GET /device/{RF}", Reply(failed("Invalid Token", 401), status=401))
    clock.advance(LISTING_INTERVAL)
    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest(known=held))


async def test_probing_a_remote_of_a_hub_that_lists_them_not_whole(
    cloud: Cloud, account: NinjaBlocksAccount
) -> None:
    await first(account)
    entry = {**devices()[RF], "guid": RF}
    del entry["subDevices"]
    cloud.reply(f"GET /device/{RF}", ok(entry))
    assert await account.async_probe_device(f"{RF}:{DOORBELL}") is None
    cloud.reply(
        f"GET /device/{RF}",
        ok({**entry, "subDevices": {}, "has_subdevice_count": 0}),
    )
    assert await account.async_probe_device(f"{RF}:{DOORBELL}") is False
