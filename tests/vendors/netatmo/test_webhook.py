"""Netatmo's webhook: the signature, every event type, and what push should have brought.

Deliveries are checked against the app's client secret (hex HMAC-SHA256 of
the raw body in ``X-Netatmo-secret``), then turned into updates of the
cameras (and homes) we hold, as new objects, and into events to fire. A
delivery we cannot use is refused with a reason, and never creates a device.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
import json
from typing import Any

import pytest

from custom_components.petsmart_hub.model import (
    CameraEvent,
    Device,
    EventType,
    PowerSupply,
    SdCard,
)
from custom_components.petsmart_hub.vendors.base import (
    PushRejectedError,
    RefreshRequest,
)
from custom_components.petsmart_hub.vendors.netatmo import (
    NetatmoAccount,
    NetatmoClient,
    signature,
)

from .conftest import (
    ALICE,
    BOB,
    CLIENT_SECRET,
    DOORBELL,
    HOME,
    INDOOR,
    OUTDOOR,
    T0,
    USER,
    Clock,
    Cloud,
)


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def delivery(event_type: str, camera: str = INDOOR, **extra: Any) -> dict[str, Any]:
    """A camera event as the cloud pushes it (the wire contract's shape)."""
    return {
        "user_id": USER,
        "user": {"id": USER, "email": "user@example.com"},
        "event_type": event_type,
        "push_type": f"NACamera-{event_type}",
        "home_id": HOME,
        "home_name": "Home",
        "camera_id": camera,
        "device_id": camera,
        "event_id": f"ev-{event_type}",
        "snapshot_url": "https://img/snap",
        "vignette_url": "https://img/vignette",
        "message": f"<b>{event_type}</b> by Living room cam",
        "time": T0 + 30,
        **extra,
    }


@pytest.fixture
async def known(account: NetatmoAccount) -> dict[str, Device]:
    return (await account.async_refresh(RefreshRequest())).devices


# --- the signature -------------------------------------------------------------------


def test_a_good_signature(account: NetatmoAccount) -> None:
    body = json.dumps(delivery("movement")).encode()
    sent = signature(CLIENT_SECRET, body)

    account.verify_webhook(body, {"X-Netatmo-secret": sent})
    account.verify_webhook(body, {"x-netatmo-SECRET": sent.upper()})  # any case


@pytest.mark.parametrize(
    "headers",
    [
        {},  # missing
        {"X-Netatmo-secret": ""},
        {"X-Netatmo-secret": signature("another secret", b"{}")},  # forged
        {"X-Netatmo-secret": "é" * 64},  # not even hex
        {"X-Other": signature(CLIENT_SECRET, b"{}")},
    ],
)
def test_a_bad_signature(account: NetatmoAccount, headers: dict[str, str]) -> None:
    with pytest.raises(PushRejectedError) as caught:
        account.verify_webhook(b"{}", headers)

    assert caught.value.reason == "bad_signature"


def test_a_body_changed_on_the_way(account: NetatmoAccount) -> None:
    body = json.dumps(delivery("movement")).encode()
    sent = signature(CLIENT_SECRET, body)

    with pytest.raises(PushRejectedError):
        account.verify_webhook(
            body.replace(b"movement", b"animal"), {"X-Netatmo-secret": sent}
        )


def test_without_a_client_secret_nothing_is_trusted(
    client: NetatmoClient, clock: Clock
) -> None:
    account = NetatmoAccount(client, client_secret=None, now=clock)
    body = b"{}"

    with pytest.raises(PushRejectedError) as caught:
        account.verify_webhook(body, {"X-Netatmo-secret": signature("", body)})

    assert caught.value.reason == "bad_signature"


def test_deliveries_we_ignore_are_answered_200(account: NetatmoAccount) -> None:
    """Netatmo drops a webhook after five failed deliveries in an hour."""
    assert account.ignored_status == 200


# --- registration ---------------------------------------------------------------------


async def test_register_and_unregister(account: NetatmoAccount, cloud: Cloud) -> None:
    await account.async_register_webhook("https://example.com/api/webhook/abc")
    await account.async_unregister_webhook()

    add, drop = cloud.requests
    assert (add.method, add.endpoint, add.query) == (
        "POST",
        "addwebhook",
        {"url": "https://example.com/api/webhook/abc", "app_types": "app_security"},
    )
    assert (drop.endpoint, drop.query) == ("dropwebhook", {"app_types": "app_security"})


# --- what a delivery brings -------------------------------------------------------------


def test_the_activation_changes_nothing(
    account: NetatmoAccount, known: dict[str, Device]
) -> None:
    pushed = account.parse_webhook(
        {"user_id": USER, "user": {"id": USER}, "push_type": "webhook_activation"},
        known,
    )

    assert (pushed.updates, pushed.events, pushed.refresh) == ([], [], set())


@pytest.mark.parametrize(
    ("event_type", "camera", "neutral"),
    [
        ("animal", OUTDOOR, EventType.ANIMAL),
        ("human", OUTDOOR, EventType.HUMAN),
        ("vehicle", OUTDOOR, EventType.VEHICLE),
        ("movement", INDOOR, EventType.MOVEMENT),
        ("outdoor", OUTDOOR, EventType.MOVEMENT),
        ("person", INDOOR, EventType.PERSON),
        ("person_away", INDOOR, EventType.PERSON_AWAY),
        ("on", INDOOR, EventType.MONITORING_ON),
        ("off", INDOOR, EventType.MONITORING_OFF),
        ("connection", INDOOR, EventType.CONNECTED),
        ("disconnection", INDOOR, EventType.DISCONNECTED),
        ("boot", INDOOR, EventType.BOOTED),
        ("sd", INDOOR, EventType.SD_CARD),
        ("alim", INDOOR, EventType.POWER),
        ("incoming_call", DOORBELL, EventType.DOORBELL),
        ("accepted_call", DOORBELL, EventType.CALL_ANSWERED),
        ("missed_call", DOORBELL, EventType.CALL_MISSED),
    ],
)
def test_every_event_type(
    account: NetatmoAccount,
    known: dict[str, Device],
    event_type: str,
    camera: str,
    neutral: EventType,
) -> None:
    held = known[camera]
    before = copy.deepcopy(held)

    pushed = account.parse_webhook(delivery(event_type, camera), known)

    (fired,) = pushed.events
    assert (fired.device_id, fired.type, fired.at) == (camera, neutral, at(T0 + 30))
    assert fired.data["event_id"] == f"ev-{event_type}"
    assert fired.data["message"] == f"{event_type} by Living room cam"
    assert fired.data["snapshot_url"] == "https://img/snap"
    update = pushed.updates[0]
    assert update.device is not held
    assert held == before  # what we hold is never changed
    assert update.at == at(T0 + 30)
    assert update.device.camera is not None
    assert update.device.camera.last_event == CameraEvent(
        type=neutral,
        at=at(T0 + 30),
        id=f"ev-{event_type}",
        message=f"{event_type} by Living room cam",
        snapshot_url="https://img/snap",
    )
    assert (update.device.camera.last_animal == at(T0 + 30)) is (
        neutral is EventType.ANIMAL
    )


@pytest.mark.parametrize(
    ("event_type", "camera", "field", "value"),
    [
        ("off", INDOOR, "monitoring", False),
        ("on", OUTDOOR, "monitoring", True),  # it was off
        ("disconnection", INDOOR, "online", False),
    ],
)
def test_what_an_event_changes(
    account: NetatmoAccount,
    known: dict[str, Device],
    event_type: str,
    camera: str,
    field: str,
    value: bool,
) -> None:
    pushed = account.parse_webhook(delivery(event_type, camera), known)

    device = pushed.updates[0].device
    holder = device if field == "online" else device.camera
    assert getattr(holder, field) is value
    # the account keeps it: the next refresh agrees (push missed nothing)
    polled = account.devices[camera]
    assert getattr(polled if field == "online" else polled.camera, field) is value
    assert not account.push_missed(device, polled)


def test_a_connection_after_a_disconnection(
    account: NetatmoAccount, known: dict[str, Device]
) -> None:
    off = account.parse_webhook(delivery("disconnection", time=T0 + 10), known)
    known = {**known, INDOOR: off.updates[0].device}

    on = account.parse_webhook(delivery("boot", time=T0 + 20), known)

    assert off.updates[0].device.online is False
    assert on.updates[0].device.online is True


@pytest.mark.parametrize(
    ("event_type", "sub_type", "field", "value"),
    [
        ("sd", 1, "sd_card", SdCard.MISSING),
        ("sd", 7, "sd_card", SdCard.TOO_SMALL),
        ("alim", 1, "power_supply", PowerSupply.INSUFFICIENT),
        ("alim", 2, "power_supply", PowerSupply.OK),
    ],
)
def test_sd_card_and_power_events(
    account: NetatmoAccount,
    known: dict[str, Device],
    event_type: str,
    sub_type: int,
    field: str,
    value: Any,
) -> None:
    pushed = account.parse_webhook(delivery(event_type, sub_type=sub_type), known)

    assert getattr(pushed.updates[0].device.camera, field) is value


def test_a_doorbell_has_no_monitoring_to_switch(
    account: NetatmoAccount, known: dict[str, Device]
) -> None:
    pushed = account.parse_webhook(delivery("off", DOORBELL), known)

    assert pushed.updates[0].device.camera is not None
    assert pushed.updates[0].device.camera.monitoring is None


def test_a_person_comes_home(account: NetatmoAccount, known: dict[str, Device]) -> None:
    pushed = account.parse_webhook(
        delivery(
            "person",
            persons=[
                {"id": BOB, "face_id": "f", "face_key": "k", "is_known": True},
                {"id": "stranger", "is_known": False},
            ],
        ),
        known,
    )

    camera, home = pushed.updates
    assert camera.device.id == INDOOR
    assert home.device.id == HOME
    assert home.device is not known[HOME]
    assert home.device.home is not None
    bob = home.device.home.persons[BOB]
    assert (bob.name, bob.at_home, bob.last_seen) == ("Bob", True, at(T0 + 30))
    assert home.device.home.persons["stranger"].at_home is True
    assert pushed.events[0].data["person"] == "Bob, stranger"
    # the account keeps it
    assert account.devices[HOME].home is not None
    assert account.devices[HOME].home.persons[BOB].at_home is True


def test_a_person_leaves(account: NetatmoAccount, known: dict[str, Device]) -> None:
    pushed = account.parse_webhook(delivery("person_away", person_id=ALICE), known)

    home = pushed.updates[1].device.home
    assert home is not None
    assert home.persons[ALICE].at_home is False
    assert home.persons[ALICE].last_seen == at(T0 - 600)  # kept as it was


def test_an_older_event_does_not_roll_the_latest_back(
    account: NetatmoAccount, known: dict[str, Device]
) -> None:
    newer = account.parse_webhook(delivery("animal", time=T0 + 60), known)
    known = {**known, INDOOR: newer.updates[0].device}

    older = account.parse_webhook(delivery("movement", time=T0 + 10), known)

    camera = older.updates[0].device.camera
    assert camera is not None
    assert camera.last_event is not None
    assert camera.last_event.type is EventType.ANIMAL
    assert older.events[0].type is EventType.MOVEMENT  # it still happened


def test_a_late_delivery_changes_no_state(
    account: NetatmoAccount, known: dict[str, Device]
) -> None:
    """Delivered after a newer one: it fires, but switches nothing back."""
    newer = account.parse_webhook(delivery("movement", time=T0 + 60), known)
    known = {**known, INDOOR: newer.updates[0].device}

    late = account.parse_webhook(delivery("off", time=T0 + 10), known)

    assert late.events[0].type is EventType.MONITORING_OFF
    camera = late.updates[0].device.camera
    assert camera is not None
    assert camera.monitoring is True
    held = account.devices[INDOOR].camera
    assert held is not None
    assert held.monitoring is True
    assert not account.push_missed(known[INDOOR], account.devices[INDOOR])


def test_the_shapes_a_delivery_may_take(
    account: NetatmoAccount, known: dict[str, Device], cloud: Cloud
) -> None:
    """Named by push_type only; the camera as module_id; an id+key picture; no time."""
    pushed = account.parse_webhook(
        {
            "push_type": "NOC-human",
            "module_id": OUTDOOR,
            "subevent_id": "sub-1",
            "snapshot_id": "pic",
            "snapshot_key": "key",
        },
        known,
    )

    (fired,) = pushed.events
    assert fired.type is EventType.HUMAN
    assert fired.device_id == OUTDOOR
    assert fired.data["event_id"] == "sub-1"
    assert fired.data["snapshot_url"] == (
        f"{cloud.base_url}/api/getcamerapicture?image_id=pic&key=key"
    )
    assert fired.at == account._now()  # no time: when it arrived
    assert "message" not in fired.data


def test_an_impossible_time_is_when_it_arrived(
    account: NetatmoAccount, known: dict[str, Device]
) -> None:
    pushed = account.parse_webhook(delivery("movement", time=99999999999999), known)

    assert pushed.events[0].at == account._now()
    assert account.report.rejected["webhook.time"] == 1


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (delivery("movement", camera="aa:bb:cc:dd:ee:ff"), "unknown_device"),
        (delivery("movement", camera=HOME), "unknown_device"),  # not a camera
        (delivery("tag_open"), "unknown_event"),
        (delivery("daily_summary"), "unknown_event"),
        ({"push_type": "NACamera-hush", "camera_id": INDOOR}, "unknown_event"),
        ([1, 2], "malformed"),
        ("text", "malformed"),
        ({"event_type": "movement"}, "malformed"),  # no camera
        ({"camera_id": INDOOR}, "malformed"),  # no type
        (delivery("movement", camera=" "), "malformed"),
    ],
)
def test_deliveries_we_refuse(
    account: NetatmoAccount, known: dict[str, Device], payload: Any, reason: str
) -> None:
    devices = copy.deepcopy(known)

    with pytest.raises(PushRejectedError) as caught:
        account.parse_webhook(payload, known)

    assert caught.value.reason == reason
    assert known == devices  # never changed, never a new device


# --- what push should have brought ----------------------------------------------------------


def test_push_missed(known: dict[str, Device], account: NetatmoAccount) -> None:
    held = known[INDOOR]

    def polled(change: Any) -> Device:
        device = copy.deepcopy(held)
        change(device)
        return device

    assert not account.push_missed(held, copy.deepcopy(held))
    assert account.push_missed(
        held, polled(lambda d: setattr(d.camera, "monitoring", False))
    )
    assert account.push_missed(held, polled(lambda d: setattr(d, "online", False)))
    newer = CameraEvent(type=EventType.MOVEMENT, at=at(T0 + 90), id="x")
    assert account.push_missed(
        held, polled(lambda d: setattr(d.camera, "last_event", newer))
    )
    with_event = polled(lambda d: setattr(d.camera, "last_event", newer))
    older = CameraEvent(type=EventType.MOVEMENT, at=at(T0 - 90), id="y")
    assert not account.push_missed(
        with_event, polled(lambda d: setattr(d.camera, "last_event", older))
    )
    # what is first learnt, or not pushed at all, is no miss
    unknown = polled(lambda d: setattr(d.camera, "monitoring", None))
    assert not account.push_missed(unknown, held)
    assert not account.push_missed(
        held, polled(lambda d: setattr(d.camera, "sd_card", SdCard.DEFECT))
    )
    assert not account.push_missed(known[HOME], known[HOME])
    assert not account.push_missed(held, known[HOME])
