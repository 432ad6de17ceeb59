"""Tests of the OneNata simulator's webhooks: registration, events and delivery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math
from typing import Any

from aiohttp import ClientSession, web
import pytest

from simulator import onenata as onenata_sim
from simulator.core import start_server
from simulator.delivery import WebhookSender
from simulator.onenata import WEBHOOK_EVENTS, OneNataSimulator

from .. import Api, serve_hook

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
STAMP = "2024-01-15T10:30:00Z"

FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
LITTER = "litterbox_001"
TOY = "smart_toy_001"

ALL = list(WEBHOOK_EVENTS)
REFUSED = "http://127.0.0.1:9/hook"  # the discard port: nothing listens


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records what it gets, answers `status`."""

    url: str = ""
    status: int = 204
    received: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        """Record one POST."""
        self.content_types.append(request.content_type)
        self.received.append(await request.json())
        return web.Response(status=self.status)

    @property
    def events(self) -> list[tuple[str, str]]:
        """(event, deviceId) of everything received, in order."""
        return [(body["event"], body["data"]["deviceId"]) for body in self.received]


@pytest.fixture
async def receiver() -> AsyncGenerator[Receiver]:
    """Serve a `Receiver` at <url>/hook."""
    receiver = Receiver()
    async with serve_hook(receiver.handle) as url:
        receiver.url = url
        yield receiver


@pytest.fixture
def sim() -> OneNataSimulator:
    """A simulator whose clock stands at the doc's 2024-01-15T10:30:00Z."""
    sim = OneNataSimulator()
    sim.clock.set(T0)
    return sim


async def register(api: Api, url: str, events: list[str] = ALL) -> Any:
    """Register the webhook; return the answer's data."""
    return (await api.post("/webhooks", {"url": url, "events": events})).data


@pytest.fixture
async def hooked(api: Api, receiver: Receiver) -> Receiver:
    """A receiver registered for every event."""
    await register(api, receiver.url)
    return receiver


# --- registration ---------------------------------------------------------------------------


async def test_register(api: Api, sim: OneNataSimulator, receiver: Receiver) -> None:
    reply = await api.post("/webhooks", {"url": receiver.url, "events": ALL})
    assert reply.status == 200
    assert reply.body == {
        "code": 200,
        "msg": "Webhook registered successfully",
        "data": {"webhookId": "webhook_001", "url": receiver.url, "events": ALL},
    }
    assert sim.webhook is not None
    assert (sim.webhook.url, sim.webhook.events) == (receiver.url, ALL)
    assert sim.count("POST", "/v1/webhooks") == 1


async def test_registering_again_replaces_the_webhook(
    api: Api, sim: OneNataSimulator
) -> None:
    await register(api, "https://your-app.com/webhook/device-status")
    again = await register(
        api, "http://127.0.0.1/other", ["device.alert", "device.alert"]
    )
    assert again == {
        "webhookId": "webhook_001",
        "url": "http://127.0.0.1/other",
        "events": ["device.alert"],
    }
    assert sim.webhook is not None
    assert sim.webhook.as_json() == again


@pytest.mark.parametrize(
    "body",
    [
        {"events": ALL},
        {"url": None, "events": ALL},
        {"url": 42, "events": ALL},
        {"url": "ftp://x/y", "events": ALL},
        {"url": "https://", "events": ALL},
        {"url": "https://x/with space", "events": ALL},
        {"url": "https://x/y"},
        {"url": "https://x/y", "events": []},
        {"url": "https://x/y", "events": "device.alert"},
        {"url": "https://x/y", "events": ["device.exploded"]},
        {"url": "https://x/y", "events": ["device.alert", "device.online"]},
    ],
)
async def test_bad_registrations_are_400(
    api: Api, sim: OneNataSimulator, body: dict[str, Any]
) -> None:
    reply = await api.post("/webhooks", body)
    assert reply.status == 400
    assert reply.body["code"] == 400
    assert reply.body["data"] is None
    assert sim.webhook is None


async def test_registration_needs_the_key(api: Api, sim: OneNataSimulator) -> None:
    reply = await api.request(
        "POST",
        "/webhooks",
        auth="Bearer wrong",
        body={"url": "https://x/y", "events": ALL},
    )
    assert reply.status == 401
    assert reply.body == {"code": 401, "msg": "Invalid API key", "data": None}
    assert sim.webhook is None


async def test_faults_apply_to_registration(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault("http_500", route="/v1/webhooks", times=1)
    body = {"url": "https://x/y", "events": ALL}
    failed = await api.post("/webhooks", body)
    assert failed.status == 500
    assert sim.webhook is None
    assert (await api.post("/webhooks", body)).status == 200
    assert sim.webhook is not None
    assert sim.count("POST", "/v1/webhooks") == 2


# --- events ---------------------------------------------------------------------------------


async def test_a_command_sends_status_changed(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    await api.command(FEEDER, "feed", amount=50)
    await sim.deliveries_idle()
    status = await api.status(FEEDER)
    assert status["status"]["feedCount"] == 1
    assert hooked.received == [
        {
            "event": "device.status.changed",
            "timestamp": STAMP,
            "data": {"deviceId": FEEDER, "status": status},
        }
    ]
    assert hooked.content_types == ["application/json"]
    [delivery] = sim.deliveries
    assert (delivery.event, delivery.device_id, delivery.outcome) == (
        "device.status.changed",
        FEEDER,
        "sent",
    )
    assert (delivery.status, delivery.error, delivery.at.date()) == (
        204,
        None,
        T0.date(),
    )
    assert delivery.latency is not None
    assert delivery.latency >= 0
    assert sim.delivery_counts == {"sent": 1, "failed": 0, "dropped": 0, "cancelled": 0}


@pytest.mark.parametrize(
    ("device_id", "command", "parameters"),
    [
        (FOUNTAIN, "startPump", {"duration": 5}),
        (FOUNTAIN, "startClean", {}),
        (LITTER, "startClean", {}),
        (TOY, "startPlay", {"duration": 60}),
        (TOY, "setMode", {"mode": "training"}),
    ],
)
async def test_commands_that_change_a_device_send_status_changed(
    api: Api,
    sim: OneNataSimulator,
    hooked: Receiver,
    device_id: str,
    command: str,
    parameters: dict[str, Any],
) -> None:
    await api.command(device_id, command, **parameters)
    await sim.deliveries_idle()
    assert hooked.events == [("device.status.changed", device_id)]


async def test_reading_changes_nothing(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    await api.status(FEEDER)
    await api.get(f"/devices/{FEEDER}/food-level")
    await api.command(TOY, "getActivity")
    await sim.deliveries_idle()
    assert hooked.received == []
    assert sim.deliveries == []


async def test_time_passing_sends_status_changed(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    await api.command(FOUNTAIN, "startPump", duration=5)
    await sim.deliveries_idle()
    hooked.received.clear()

    sim.clock.advance(3600)  # the pump stops, the waste drawer fills by 1 %
    await sim.deliveries_idle()

    assert sorted(hooked.events) == [
        ("device.status.changed", LITTER),
        ("device.status.changed", FOUNTAIN),
    ]
    by_device = {body["data"]["deviceId"]: body for body in hooked.received}
    assert by_device[FOUNTAIN]["timestamp"] == "2024-01-15T11:30:00Z"
    assert by_device[FOUNTAIN]["data"]["status"]["status"]["pumpRunning"] is False
    assert by_device[LITTER]["data"]["status"] == await api.status(LITTER)


async def test_a_helper_change_sends_status_changed(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    device = sim.update_device(FEEDER, food_grams=1000)
    assert device.food_grams == 1000
    await sim.deliveries_idle()
    [body] = hooked.received
    assert body["event"] == "device.status.changed"
    assert body["data"]["status"]["status"]["foodLevel"] == 50
    with pytest.raises(AttributeError, match="hunger"):
        sim.update_device(FEEDER, hunger=3)


async def test_a_direct_change_is_sent_on_notify(
    sim: OneNataSimulator, hooked: Receiver
) -> None:
    sim.devices[TOY].battery_level = 60
    sim.notify_changes()
    await sim.deliveries_idle()
    [body] = hooked.received
    assert body["data"]["status"]["batteryLevel"] == 60


async def test_scale_mode_looks_at_the_named_device_and_the_fleet_each_second(
    api: Api,
    sim: OneNataSimulator,
    hooked: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In scale mode a request settles and looks at its own device only.

    The whole fleet still is, at most FLEET_SETTLE_EVERY apart: another
    device's change goes out then, not lost.
    """
    # (an hour: a slow machine's requests all fall within the same "second")
    monkeypatch.setattr(onenata_sim, "FLEET_SETTLE_EVERY", 3600)
    sim.scale = True
    sim.devices[LITTER].battery_level = 64
    sim._fleet_settled = -math.inf  # the fleet never settled: all of it now
    await api.status(FEEDER)
    await sim.deliveries_idle()
    assert hooked.events == [("device.status.changed", LITTER)]
    hooked.received.clear()
    sim.devices[TOY].battery_level = 60
    sim.devices[FEEDER].battery_level = 61
    await api.status(FEEDER)  # within the interval: the feeder only
    await sim.deliveries_idle()
    assert hooked.events == [("device.status.changed", FEEDER)]
    sim.update_device(FOUNTAIN, battery_level=62)  # a helper: that device only
    await sim.deliveries_idle()
    assert hooked.events[1:] == [("device.status.changed", FOUNTAIN)]
    assert (await api.status(TOY))["batteryLevel"] == 60  # read: it is looked at
    await sim.deliveries_idle()
    assert hooked.events[2:] == [("device.status.changed", TOY)]

    sim.devices[LITTER].battery_level = 63
    sim._fleet_settled = -math.inf  # the interval is over
    await api.status(FEEDER)
    await sim.deliveries_idle()
    assert hooked.events[3:] == [("device.status.changed", LITTER)]


async def test_offline_and_back(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    sim.set_online(FEEDER, False)
    await sim.deliveries_idle()
    assert hooked.received == [
        {"event": "device.offline", "timestamp": STAMP, "data": {"deviceId": FEEDER}}
    ]
    # nothing more while it stays offline
    sim.set_online(FEEDER, False)
    sim.update_device(FEEDER, food_grams=900)
    await sim.deliveries_idle()
    assert len(hooked.received) == 1

    sim.set_online(FEEDER, True)
    await sim.deliveries_idle()
    assert hooked.events[1:] == [("device.status.changed", FEEDER)]
    status = hooked.received[1]["data"]["status"]
    assert status["isOnline"] is True
    assert status["status"]["foodLevel"] == 45
    assert status == await api.status(FEEDER)


async def test_raise_alert(api: Api, sim: OneNataSimulator, hooked: Receiver) -> None:
    sim.raise_alert(FEEDER, "food_low", "Food is running low")
    await sim.deliveries_idle()
    assert hooked.received[-1] == {
        "event": "device.alert",
        "timestamp": STAMP,
        "data": {
            "deviceId": FEEDER,
            "alert": {"type": "food_low", "message": "Food is running low"},
        },
    }
    # the status lists it too, so that changed first
    assert hooked.events == [
        ("device.status.changed", FEEDER),
        ("device.alert", FEEDER),
    ]
    [listed] = (await api.status(FEEDER))["alerts"]
    assert listed == {
        "type": "food_low",
        "severity": "warning",
        "message": "Food is running low",
        "timestamp": STAMP,
    }
    # the same alert again is a new alert
    sim.raise_alert(FEEDER, "food_low", "Food is running low")
    await sim.deliveries_idle()
    assert hooked.events[-1] == ("device.alert", FEEDER)
    assert len((await api.status(FEEDER))["alerts"]) == 2


async def test_clear_alerts(api: Api, sim: OneNataSimulator, hooked: Receiver) -> None:
    sim.raise_alert(TOY, "stuck", "The toy is stuck")
    sim.raise_alert(TOY, "dirty", "Clean the toy", severity="info")
    sim.clear_alerts(TOY, "stuck")
    assert [alert["type"] for alert in (await api.status(TOY))["alerts"]] == ["dirty"]
    sim.clear_alerts(TOY)
    assert (await api.status(TOY))["alerts"] == []
    await sim.deliveries_idle()
    assert [event for event, _ in hooked.events].count("device.alert") == 2


async def test_a_device_rule_raises_an_alert_once(
    sim: OneNataSimulator, hooked: Receiver
) -> None:
    sim.update_device(FEEDER, food_grams=100)
    sim.update_device(FEEDER, food_grams=90)
    await sim.deliveries_idle()
    assert hooked.events == [
        ("device.status.changed", FEEDER),
        ("device.alert", FEEDER),
        ("device.status.changed", FEEDER),
    ]
    assert hooked.received[1]["data"]["alert"] == {
        "type": "lowFood",
        "message": "Food level is low, please refill",
    }


async def test_an_offline_device_reports_on_its_return(
    sim: OneNataSimulator, hooked: Receiver
) -> None:
    sim.set_online(FOUNTAIN, False)
    sim.update_device(FOUNTAIN, water_level=5)  # not reported while offline
    sim.raise_alert(FOUNTAIN, "leak", "Water on the floor")  # a test's own: sent
    await sim.deliveries_idle()
    assert hooked.events == [
        ("device.offline", FOUNTAIN),
        ("device.alert", FOUNTAIN),
    ]
    sim.set_online(FOUNTAIN, True)
    await sim.deliveries_idle()
    assert hooked.events[2:] == [
        ("device.status.changed", FOUNTAIN),
        ("device.alert", FOUNTAIN),
    ]
    assert hooked.received[3]["data"]["alert"]["type"] == "lowWater"


async def test_only_the_registered_events_are_sent(
    api: Api, sim: OneNataSimulator, receiver: Receiver
) -> None:
    await register(api, receiver.url, ["device.alert"])
    await api.command(FEEDER, "feed", amount=50)
    sim.set_online(TOY, False)
    sim.raise_alert(FEEDER, "food_low", "Food is running low")
    await sim.deliveries_idle()
    assert receiver.events == [("device.alert", FEEDER)]

    await register(api, receiver.url, ["device.offline"])
    sim.set_online(TOY, True)
    sim.set_online(FEEDER, False)
    await sim.deliveries_idle()
    assert receiver.events[1:] == [("device.offline", FEEDER)]


async def test_nothing_is_sent_without_a_webhook(
    api: Api, sim: OneNataSimulator
) -> None:
    await api.command(FEEDER, "feed", amount=50)
    sim.set_online(FEEDER, False)
    sim.raise_alert(FEEDER, "food_low", "Food is running low")
    sim.emit("device.alert", {"deviceId": FEEDER})
    await sim.deliveries_idle()
    assert sim.deliveries == []


async def test_new_and_removed_devices(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    body = {"serialNumber": "ON-TOY-777", "deviceType": "smartToy"}
    device_id = (await api.post("/devices/validate", body)).data["deviceId"]
    sim.update_device(device_id, battery_level=50)
    sim.remove_device(device_id)
    sim.notify_changes()
    await sim.deliveries_idle()
    assert hooked.events == [("device.status.changed", device_id)]


async def test_setting_the_clock_reports_moved_times(
    sim: OneNataSimulator, hooked: Receiver
) -> None:
    sim.clock.set(T0 + timedelta(days=1, hours=2))
    await sim.deliveries_idle()
    assert ("device.status.changed", FEEDER) in hooked.events


# --- delivery switches ----------------------------------------------------------------------


async def test_delay(api: Api, sim: OneNataSimulator, hooked: Receiver) -> None:
    assert sim.set_delivery(delay=0.3).delay == 0.3
    await api.command(FEEDER, "feed", amount=50)
    await api.command(TOY, "setMode", mode="training")
    await asyncio.sleep(0.1)
    assert hooked.received == []
    assert sim.webhook_sender.pending == 2
    await sim.deliveries_idle()
    assert hooked.events == [
        ("device.status.changed", FEEDER),
        ("device.status.changed", TOY),
    ]
    assert all(d.latency is not None and d.latency >= 0.3 for d in sim.deliveries)
    assert sim.webhook_sender.pending == 0


async def test_drop_next(sim: OneNataSimulator, hooked: Receiver) -> None:
    sim.set_delivery(drop_next=2)
    for grams in (1000, 900, 800):
        sim.update_device(FEEDER, food_grams=grams)
    await sim.deliveries_idle()
    assert [d.outcome for d in sim.deliveries] == ["dropped", "dropped", "sent"]
    assert hooked.received[0]["data"]["status"]["status"]["foodLevel"] == 40
    assert sim.delivery.drop_next == 0
    assert sim.delivery_counts["dropped"] == 2
    assert sim.delivery_counts["sent"] == 1
    dropped = sim.deliveries[0]
    assert (dropped.status, dropped.latency) == (None, None)


async def test_drop_rate_is_seeded(receiver: Receiver) -> None:
    async def outcomes(seed: int) -> list[str]:
        sim = OneNataSimulator(seed=seed)
        running = await start_server(sim)
        async with ClientSession() as session:
            await register(Api(session, running.url), receiver.url)
        sim.set_delivery(drop_rate=0.5)
        for grams in range(1000, 0, -50):
            sim.update_device(FEEDER, food_grams=grams)
        await sim.deliveries_idle()
        await running.close()
        return [d.outcome for d in sim.deliveries if d.event != "device.alert"]

    first, again, other = await outcomes(1), await outcomes(1), await outcomes(2)
    assert first == again
    assert first != other
    assert {"sent", "dropped"} == set(first)


async def test_drop_everything(sim: OneNataSimulator, hooked: Receiver) -> None:
    sim.set_delivery(drop_rate=1.0)
    sim.raise_alert(FEEDER, "food_low", "Food is running low")
    await sim.deliveries_idle()
    assert hooked.received == []
    assert sim.delivery_counts["dropped"] == 2


async def test_duplicate(sim: OneNataSimulator, hooked: Receiver) -> None:
    sim.set_delivery(duplicate=True)
    sim.set_online(FEEDER, False)
    await sim.deliveries_idle()
    assert hooked.events == [("device.offline", FEEDER)] * 2
    assert hooked.received[0] == hooked.received[1]
    assert sim.delivery_counts["sent"] == 2


async def test_reorder(sim: OneNataSimulator, hooked: Receiver) -> None:
    sim.set_delivery(reorder=True)
    for device_id in (FEEDER, TOY, LITTER):
        sim.set_online(device_id, False)
    await sim.webhook_sender.idle(release_held=False)
    # swapped in pairs; the third waits for a fourth
    assert hooked.events == [("device.offline", TOY), ("device.offline", FEEDER)]
    assert sim.webhook_sender.pending == 1
    await sim.deliveries_idle()  # releases it
    assert hooked.events[2:] == [("device.offline", LITTER)]


async def test_switching_reorder_off_releases_the_held_event(
    sim: OneNataSimulator, hooked: Receiver
) -> None:
    sim.set_delivery(reorder=True)
    sim.set_online(FEEDER, False)
    await sim.webhook_sender.idle(release_held=False)
    assert hooked.received == []
    sim.set_delivery(reorder=False)
    sim.set_online(TOY, False)
    await sim.deliveries_idle()
    assert hooked.events == [("device.offline", FEEDER), ("device.offline", TOY)]


@pytest.mark.parametrize(
    ("switches", "error"),
    [
        ({"delay": -1}, ValueError),
        ({"drop_next": -1}, ValueError),
        ({"drop_rate": 1.5}, ValueError),
        ({"drop_rate": -0.1}, ValueError),
        ({"jitter": 1}, TypeError),
    ],
)
def test_bad_switches(switches: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        OneNataSimulator().set_delivery(**switches)


# --- failures and shutdown ------------------------------------------------------------------


async def test_a_failing_receiver_is_counted(
    api: Api, sim: OneNataSimulator, hooked: Receiver
) -> None:
    hooked.status = 500
    await api.command(FEEDER, "feed", amount=50)
    await sim.deliveries_idle()
    [delivery] = sim.deliveries
    assert (delivery.outcome, delivery.status, delivery.error) == (
        "failed",
        500,
        "HTTP 500",
    )
    assert sim.delivery_counts["failed"] == 1
    assert len(hooked.received) == 1


async def test_an_unreachable_receiver_is_counted(
    api: Api, sim: OneNataSimulator
) -> None:
    await register(api, REFUSED)
    await api.command(FEEDER, "feed", amount=50)
    await sim.deliveries_idle()
    [delivery] = sim.deliveries
    assert (delivery.outcome, delivery.status) == ("failed", None)
    assert delivery.error
    assert sim.delivery_counts["failed"] == 1
    # the simulator goes on answering
    assert (await api.status(FEEDER))["isOnline"] is True


async def test_close_cancels_pending_deliveries(receiver: Receiver) -> None:
    sim = OneNataSimulator()
    running = await start_server(sim)
    async with ClientSession() as session:
        api = Api(session, running.url)
        await register(api, receiver.url)
        sim.set_delivery(delay=60)
        await api.command(FEEDER, "feed", amount=50)
        await api.command(TOY, "setMode", mode="training")
    await asyncio.sleep(0)
    assert sim.webhook_sender.pending == 2

    await running.close()

    assert sim.delivery_counts["cancelled"] == 2
    assert sim.webhook_sender.pending == 0
    assert receiver.received == []
    assert not [
        task for task in asyncio.all_tasks() if task.get_name() == "simulator webhooks"
    ]


async def test_close_cancels_a_post_in_flight() -> None:
    started = asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        started.set()
        await asyncio.sleep(60)
        return web.Response()  # pragma: no cover - never answered

    app = web.Application()
    app.router.add_post("/hook", stall)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sender = WebhookSender(lambda: T0)
    sender.configure(reorder=True)
    sender.send(f"http://127.0.0.1:{runner.addresses[0][1]}/hook", "a", {})
    sender.send(f"http://127.0.0.1:{runner.addresses[0][1]}/hook", "b", {})
    await started.wait()

    await sender.close()
    await runner.cleanup()

    assert [(d.event, d.outcome) for d in sender.log] == [
        ("b", "cancelled"),
        ("a", "cancelled"),
    ]


def test_events_queued_without_a_loop_go_out_once_one_runs() -> None:
    sender = WebhookSender(lambda: T0, timeout=2)
    sender.send(REFUSED, "device.offline", {"event": "device.offline"}, FEEDER)
    assert sender.pending == 1

    async def deliver() -> None:
        await sender.idle()
        await sender.close()

    asyncio.run(deliver())
    [delivery] = sender.log
    assert (delivery.outcome, delivery.device_id) == ("failed", FEEDER)


async def test_an_unexpected_error_is_counted_not_raised(
    monkeypatch: pytest.MonkeyPatch, sim: OneNataSimulator, hooked: Receiver
) -> None:
    def blocked(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("sockets are blocked")

    monkeypatch.setattr(ClientSession, "post", blocked)
    sim.set_online(FEEDER, False)
    await sim.deliveries_idle()
    [delivery] = sim.deliveries
    assert (delivery.outcome, delivery.error) == (
        "failed",
        "RuntimeError: sockets are blocked",
    )
