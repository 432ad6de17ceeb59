"""Tests of the Netatmo simulator's webhooks: activation, events, signatures, bans."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import hashlib
import hmac
from typing import Any

import pytest

from simulator.core import start_server
from simulator.netatmo import SIGNATURE_HEADER, NetatmoSimulator

from . import CAM, HOME, NDB, NOC, T0, USER, Netatmo, error_of
from .conftest import Receiver

STAMP = int(T0.timestamp())
REFUSED = "http://127.0.0.1:9/hook"  # the discard port: nothing listens


async def add_webhook(client: Netatmo, url: str, **params: str) -> Any:
    """POST addwebhook; return the answer."""
    reply = await client.request(
        "POST",
        "/api/addwebhook",
        params={"url": url, "app_types": "app_security", **params},
    )
    assert reply.status == 200, reply.raw
    return reply.body


@pytest.fixture
async def hooked(
    client: Netatmo, sim: NetatmoSimulator, receiver: Receiver
) -> Receiver:
    """A receiver whose webhook is added and activated."""
    await add_webhook(client, receiver.url)
    await sim.deliveries_idle()
    assert receiver.push_types == ["webhook_activation"]
    return receiver


def hmac_of(secret: str, body: bytes) -> str:
    """The expected X-Netatmo-secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- activation and messages ---------------------------------------------------------------


async def test_addwebhook_activates(
    client: Netatmo, sim: NetatmoSimulator, receiver: Receiver
) -> None:
    answer = await add_webhook(client, receiver.url)
    assert answer["status"] == "ok"
    assert set(answer) == {"status", "time_exec", "time_server"}
    assert sim.webhook is not None
    assert sim.webhook.url == receiver.url
    await sim.deliveries_idle()
    assert receiver.payloads == [
        {
            "user_id": USER,
            "user": {"id": USER, "email": sim.email},
            "push_type": "webhook_activation",
        }
    ]
    [headers] = receiver.headers
    assert headers["Content-Type"] == "application/json"
    assert headers[SIGNATURE_HEADER] == hmac_of(sim.client_secret, receiver.bodies[0])
    assert sim.sign(receiver.bodies[0]) == headers[SIGNATURE_HEADER]
    assert sim.delivery_counts["sent"] == 1


async def test_movement_message(
    sim: NetatmoSimulator, hooked: Receiver, running: Any
) -> None:
    event = sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    message = hooked.payloads[1]
    assert message == {
        "user_id": USER,
        "user": {"id": USER, "email": sim.email},
        "home_id": HOME,
        "home_name": "Home",
        "camera_id": CAM,
        "device_id": CAM,
        "event_id": event.event_id,
        "event_type": "movement",
        "push_type": "NACamera-movement",
        "message": "Motion detected by Pet cam",
        "time": STAMP,
        "snapshot_url": f"{running.url}/images/{event.snapshot.image_id}",
    }
    body, headers = hooked.bodies[1], hooked.headers[1]
    assert headers[SIGNATURE_HEADER] == hmac_of(sim.client_secret, body)
    [delivery] = [d for d in sim.deliveries if d.event == "NACamera-movement"]
    assert (delivery.outcome, delivery.status, delivery.device_id) == ("sent", 200, CAM)
    assert delivery.headers == {SIGNATURE_HEADER: headers[SIGNATURE_HEADER]}


async def test_outdoor_detections_are_one_message_each(
    client: Netatmo, sim: NetatmoSimulator, hooked: Receiver
) -> None:
    event = sim.raise_event(NOC, "outdoor", detections=["animal", "human"])
    await sim.deliveries_idle()
    animal, human = hooked.payloads[1:]
    assert (animal["push_type"], animal["event_type"]) == ("NOC-animal", "animal")
    assert (human["push_type"], human["event_type"]) == ("NOC-human", "human")
    assert animal["event_id"] == human["event_id"] == event.event_id
    assert animal["subevent_id"] == event.subevents[0].subevent_id
    assert animal["message"] == "Animal seen by Garden"
    assert human["time"] == STAMP + 3
    for url in (animal["snapshot_url"], animal["vignette_url"]):
        assert (await client.request("GET", url, token=None)).status == 200


async def test_person_message(
    client: Netatmo, sim: NetatmoSimulator, hooked: Receiver
) -> None:
    alice = next(iter(sim.homes[HOME].persons))
    sim.raise_event(CAM, "person")
    await sim.deliveries_idle()
    message = hooked.payloads[1]
    assert message["push_type"] == "NACamera-person"
    [person] = message["persons"]
    face = sim.person(alice).face
    assert person == {
        "id": alice,
        "face_id": face.image_id,
        "face_key": face.key,
        "is_known": True,
        "face_url": person["face_url"],
    }
    assert (await client.request("GET", person["face_url"], token=None)).status == 200


async def test_doorbell_and_monitoring_messages(
    client: Netatmo, sim: NetatmoSimulator, hooked: Receiver
) -> None:
    sim.raise_event(NDB, "incoming_call")
    await client.setstate(HOME, {"id": CAM, "monitoring": "off"})
    sim.set_reachable(NOC, False)
    await sim.deliveries_idle()
    assert hooked.push_types[1:] == [
        "NDB-incoming_call",
        "NACamera-off",
        "NOC-disconnection",
    ]
    assert "snapshot_url" in hooked.payloads[1]


async def test_snapshot_ids_in_messages(
    sim: NetatmoSimulator, hooked: Receiver
) -> None:
    sim.set_shapes(snapshot="id_key")
    event = sim.raise_event(CAM, "animal")
    await sim.deliveries_idle()
    message = hooked.payloads[1]
    assert event.snapshot is not None
    assert (message["snapshot_id"], message["snapshot_key"]) == (
        event.snapshot.image_id,
        event.snapshot.key,
    )
    assert "snapshot_url" not in message


async def test_public_url_names_the_pictures(
    receiver: Receiver, client: Netatmo
) -> None:
    sim = NetatmoSimulator(public_url="https://netatmo.example/")
    running = await start_server(sim)
    try:
        other = Netatmo(client.session, running.url, sim.issue_token()["access_token"])
        await add_webhook(other, receiver.url)
        event = sim.raise_event(CAM, "movement")
        await sim.deliveries_idle()
        assert event.snapshot is not None
        assert receiver.payloads[1]["snapshot_url"] == (
            f"https://netatmo.example/images/{event.snapshot.image_id}"
        )
        vpn = (await other.body("homestatus", home_id=HOME))["home"]["modules"][0]
        assert vpn["vpn_url"].startswith("https://netatmo.example/vpn/")
    finally:
        await running.close()


# --- signatures ---------------------------------------------------------------------------


async def test_forged_signature(sim: NetatmoSimulator, hooked: Receiver) -> None:
    sim.set_delivery(signature="forged")
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    body, headers = hooked.bodies[1], hooked.headers[1]
    forged = headers[SIGNATURE_HEADER]
    assert len(forged) == 64
    assert int(forged, 16) >= 0  # hex, like a real one
    assert forged != hmac_of(sim.client_secret, body)
    sim.set_delivery(signature="missing")
    sim.raise_event(CAM, "movement")
    sim.set_delivery(signature="valid")
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert SIGNATURE_HEADER not in hooked.headers[2]
    assert hooked.headers[3][SIGNATURE_HEADER] == hmac_of(
        sim.client_secret, hooked.bodies[3]
    )


def test_signature_switch_is_checked(sim: NetatmoSimulator) -> None:
    with pytest.raises(ValueError, match="signature"):
        sim.set_delivery(signature="maybe")
    with pytest.raises(TypeError):
        sim.set_delivery(jitter=1)


# --- adding and dropping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({}, (400, 10)),
        ({"url": "not a url"}, (400, 21)),
        ({"url": "https://x.example/hook", "app_types": "app_thermostat"}, (400, 21)),
    ],
)
async def test_addwebhook_errors(
    client: Netatmo,
    sim: NetatmoSimulator,
    params: dict[str, str],
    error: tuple[int, int],
) -> None:
    reply = await client.request("POST", "/api/addwebhook", params=params)
    assert error_of(reply) == error
    assert sim.webhook is None


async def test_dropwebhook(
    client: Netatmo, sim: NetatmoSimulator, hooked: Receiver
) -> None:
    reply = await client.request(
        "POST", "/api/dropwebhook", params={"app_types": "app_security"}
    )
    assert (reply.status, reply.body["status"]) == (200, "ok")
    assert sim.webhook is None
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert hooked.push_types == ["webhook_activation"]


async def test_adding_again_moves_the_webhook(
    client: Netatmo, sim: NetatmoSimulator, hooked: Receiver
) -> None:
    await add_webhook(client, REFUSED)
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert hooked.push_types == ["webhook_activation"]
    assert [d.url for d in sim.deliveries][-2:] == [REFUSED, REFUSED]


async def test_events_before_a_webhook_are_not_pushed(
    client: Netatmo, sim: NetatmoSimulator, receiver: Receiver
) -> None:
    sim.raise_event(CAM, "movement")
    await add_webhook(client, receiver.url)
    await sim.deliveries_idle()
    assert receiver.push_types == ["webhook_activation"]


# --- failures and the ban -----------------------------------------------------------------


async def test_ban_after_five_failures(
    client: Netatmo, sim: NetatmoSimulator, receiver: Receiver
) -> None:
    receiver.status = 500
    await add_webhook(client, receiver.url)  # 1: the activation fails
    for _ in range(6):
        sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert len(receiver.bodies) == 5
    assert sim.webhook is None
    [ban] = sim.banned
    assert (ban.url, ban.failures) == (receiver.url, 5)
    assert [d.outcome for d in sim.deliveries] == ["failed"] * 5 + ["cancelled"] * 2
    # nothing more goes out until the webhook is added again
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert len(receiver.bodies) == 5
    receiver.status = 200
    await add_webhook(client, receiver.url)
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert receiver.push_types[5:] == ["webhook_activation", "NACamera-movement"]


async def test_only_200_counts_as_delivered(
    client: Netatmo, sim: NetatmoSimulator, receiver: Receiver
) -> None:
    receiver.status = 204
    await add_webhook(client, receiver.url)
    for _ in range(4):
        sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert sim.delivery_counts["sent"] == 5  # 2xx for the sender...
    assert sim.webhook is None  # ... but Netatmo wants 200
    assert sim.banned[0].url == receiver.url


async def test_failures_older_than_an_hour_are_forgotten(
    client: Netatmo, sim: NetatmoSimulator, receiver: Receiver
) -> None:
    receiver.status = 503
    await add_webhook(client, receiver.url)
    for _ in range(3):
        sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    sim.clock.advance(3601)
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert sim.webhook is not None
    assert len(sim.webhook.failures) == 1
    receiver.status = 200
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert sim.webhook is not None
    assert sim.banned == []


async def test_an_unreachable_receiver_is_banned_too(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    await add_webhook(client, REFUSED)
    for _ in range(4):
        sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert sim.webhook is None
    assert all(d.status is None for d in sim.deliveries if d.outcome == "failed")
    assert sim.delivery_counts["failed"] == 5


# --- delivery switches -----------------------------------------------------------------------


async def test_delay(sim: NetatmoSimulator, hooked: Receiver) -> None:
    sim.set_delivery(delay=0.2)
    sim.raise_event(CAM, "movement")
    await asyncio.sleep(0.05)
    assert len(hooked.bodies) == 1
    await sim.deliveries_idle()
    assert hooked.push_types[1:] == ["NACamera-movement"]
    assert sim.deliveries[-1].latency is not None
    assert sim.deliveries[-1].latency >= 0.2


async def test_drop_duplicate_reorder(sim: NetatmoSimulator, hooked: Receiver) -> None:
    sim.set_delivery(drop_next=1)
    sim.raise_event(CAM, "movement")
    sim.raise_event(NDB, "incoming_call")
    await sim.deliveries_idle()
    assert hooked.push_types[1:] == ["NDB-incoming_call"]
    assert sim.delivery_counts["dropped"] == 1

    sim.set_delivery(duplicate=True)
    sim.raise_event(CAM, "animal")
    await sim.deliveries_idle()
    assert hooked.push_types[2:] == ["NACamera-animal"] * 2
    assert hooked.bodies[2] == hooked.bodies[3]
    assert hooked.headers[2][SIGNATURE_HEADER] == hooked.headers[3][SIGNATURE_HEADER]

    sim.set_delivery(duplicate=False, reorder=True)
    sim.raise_event(CAM, "movement")
    sim.raise_event(NDB, "missed_call")
    await sim.deliveries_idle()
    assert hooked.push_types[4:] == ["NDB-missed_call", "NACamera-movement"]
    assert sim.delivery.reorder is True


async def test_close_cancels_pending(client: Netatmo, sim: NetatmoSimulator) -> None:
    await add_webhook(client, "http://127.0.0.1:9/never")
    sim.set_delivery(delay=60)
    sim.raise_event(CAM, "movement")
    await sim.close_deliveries()
    assert sim.delivery_counts["cancelled"] >= 1


async def test_webhook_scope(client: Netatmo, sim: NetatmoSimulator) -> None:
    client.token = sim.issue_token(["read_station"])["access_token"]
    reply = await client.request(
        "POST", "/api/addwebhook", params={"url": "https://x.example/hook"}
    )
    assert error_of(reply) == (403, 13)


async def test_clock_jumps_keep_failures_recent(
    client: Netatmo, sim: NetatmoSimulator, receiver: Receiver
) -> None:
    receiver.status = 500
    await add_webhook(client, receiver.url)
    await sim.deliveries_idle()
    sim.clock.set(T0 + timedelta(days=1))
    assert sim.webhook is not None
    assert sim.webhook.failures[0] - (T0 + timedelta(days=1)) < timedelta(seconds=5)


async def test_a_failing_delivery_listener_is_logged_not_raised(
    sim: NetatmoSimulator, hooked: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(delivery: Any) -> None:
        raise RuntimeError("listener bug")

    sim.webhook_sender.on_record = broken
    sim.raise_event(CAM, "movement")
    await sim.deliveries_idle()
    assert hooked.push_types[1:] == ["NACamera-movement"]
    assert sim.delivery_counts["sent"] == 2
    assert "Delivery listener failed" in caplog.text


async def test_cancel_withdraws_a_waiting_delivery(
    client: Netatmo, sim: NetatmoSimulator, hooked: Receiver
) -> None:
    sim.set_delivery(delay=0.1)
    sim.raise_event(CAM, "movement")
    sim.raise_event(NDB, "incoming_call")
    await asyncio.sleep(0.02)  # the worker waits on the first one
    assert sim.webhook_sender.cancel(hooked.url) == 2
    assert sim.webhook_sender.cancel(hooked.url) == 0
    sim.set_delivery(delay=0)
    sim.raise_event(NOC, "animal")
    await sim.deliveries_idle()
    assert hooked.push_types[1:] == ["NOC-animal"]
    assert [d.outcome for d in sim.deliveries[1:]] == ["cancelled", "cancelled", "sent"]
