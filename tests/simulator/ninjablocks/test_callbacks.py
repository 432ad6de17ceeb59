"""Tests of the Ninja Blocks simulator's callbacks: registration and delivery."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
import pytest

from simulator.ninjablocks import CALLBACK_EVENT, NinjaBlocksSimulator

from .. import serve_hook
from . import (
    DOOR_BELL,
    DOOR_BELL_CODE,
    LED,
    NODE,
    PIR,
    RF,
    T0_MS,
    TEMPERATURE,
    Ninja,
    data,
    done,
    refused,
)

APP = "http://my-app.herokuapp.com/callback_handler"
OTHER = "http://my-app.herokuapp.com/another_handler"
REFUSED = "http://127.0.0.1:9/hook"  # the discard port: nothing listens


@dataclass
class Receiver:
    """A callback receiver on 127.0.0.1: records what it gets, answers `status`."""

    url: str = ""
    status: int = 200
    received: list[Any] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        """Record one POST."""
        self.content_types.append(request.content_type)
        self.received.append(await request.json())
        return web.Response(status=self.status)


@pytest.fixture
async def receiver() -> AsyncGenerator[Receiver]:
    """A receiver being served."""
    receiver = Receiver()
    async with serve_hook(receiver.handle) as url:
        receiver.url = url
        yield receiver


def path(guid: str) -> str:
    """The callback path of a device."""
    return f"/device/{guid}/callback"


async def test_lifecycle(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    refused(await client.get(path(PIR)), 404, 404)
    refused(await client.put(path(PIR), {"url": APP}), 404, 404)
    refused(await client.delete(path(PIR)), 404, 404)
    done(await client.post(path(PIR), {"url": APP}))
    assert await client.ok(path(PIR)) == {"url": APP}
    done(await client.put(path(PIR), {"url": OTHER}))
    assert await client.ok(path(PIR)) == {"url": OTHER}
    assert sim.callback_url(PIR) == OTHER
    done(await client.delete(path(PIR)))
    refused(await client.get(path(PIR)), 404, 404)
    assert [(c.action, c.guid, c.url) for c in sim.callback_changes()] == [
        ("registered", PIR, APP),
        ("updated", PIR, OTHER),
        ("deleted", PIR, OTHER),
    ]
    assert sim.callback_changes(action="updated")[0].at >= sim.callback_changes()[0].at
    refused(await client.post(path("NOPE_0_0_1"), {"url": APP}), 404, 404)


async def test_url_is_required(client: Ninja) -> None:
    bodies: list[Any] = [{}, {"url": ""}, {"url": "ftp://x"}, {"url": 5}]
    for body in bodies:
        assert "url" in refused(await client.post(path(PIR), body))
    for body in (["url"], None):
        assert "object" in refused(await client.post(path(PIR), body))
    done(await client.post(path(PIR), {"url": APP}))
    refused(await client.put(path(PIR), {"url": None}))


async def test_existing_callback_is_409(
    client: Ninja, sim: NinjaBlocksSimulator
) -> None:
    done(await client.post(path(PIR), {"url": APP}))
    reply = await client.post(path(PIR), {"url": OTHER})
    assert refused(reply, 409, 409) == "Callback already exists"
    sim.set_shapes(callback_exists="envelope")
    reply = await client.post(path(PIR), {"url": OTHER})
    assert reply.body == {"result": 0, "error": "Callback already exists", "id": 409}
    assert reply.status == 200
    assert sim.callback_url(PIR) == APP


async def test_foreign_callback(client: Ninja, sim: NinjaBlocksSimulator) -> None:
    sim.set_foreign_callback(TEMPERATURE, OTHER)
    refused(await client.post(path(TEMPERATURE), {"url": APP}), 409, 409)
    assert await client.ok(path(TEMPERATURE)) == {"url": OTHER}
    assert [c.action for c in sim.callback_changes(TEMPERATURE)] == ["foreign"]
    done(await client.put(path(TEMPERATURE), {"url": APP}))
    assert sim.callback_url(TEMPERATURE) == APP
    with pytest.raises(KeyError):
        sim.set_foreign_callback("NOPE_0_0_1", OTHER)


async def test_report_reaches_the_callback(
    client: Ninja, sim: NinjaBlocksSimulator, receiver: Receiver
) -> None:
    done(await client.post(path(TEMPERATURE), {"url": receiver.url}))
    beat = sim.report(TEMPERATURE, 24.9, T0_MS + 5)
    await sim.deliveries_idle()
    body = {
        "G": "0301",
        "V": 0,
        "D": 31,
        "DA": 24.9,
        "GUID": TEMPERATURE,
        "timestamp": T0_MS + 5,
        "node": NODE,
    }
    assert beat == body
    assert receiver.received == [body]
    assert receiver.content_types == ["application/json"]
    assert sim.delivery_counts["sent"] == 1
    (delivery,) = sim.callback_deliveries(TEMPERATURE)
    assert (delivery.event, delivery.url, delivery.outcome) == (
        CALLBACK_EVENT,
        receiver.url,
        "sent",
    )
    assert (await client.ok(f"/device/{TEMPERATURE}/heartbeat")) == body
    # A device without a callback reports quietly.
    sim.report(PIR, 1)
    await sim.deliveries_idle()
    assert len(receiver.received) == 1
    assert [r.url for r in sim.reports] == [receiver.url, None]


async def test_older_report_is_delivered_but_not_kept(
    client: Ninja, sim: NinjaBlocksSimulator, receiver: Receiver
) -> None:
    sim.set_foreign_callback(TEMPERATURE, receiver.url)
    sim.report(TEMPERATURE, 20.0)
    newest = sim.device(TEMPERATURE).last_data
    sim.report(TEMPERATURE, 19.0, T0_MS - 3_600_000)
    await sim.deliveries_idle()
    assert [r["DA"] for r in receiver.received] == [20.0, 19.0]
    assert receiver.received[1]["timestamp"] == T0_MS - 3_600_000
    assert sim.device(TEMPERATURE).last_data == newest


async def test_door_bell_press(
    client: Ninja, sim: NinjaBlocksSimulator, receiver: Receiver
) -> None:
    done(await client.post(path(RF), {"url": receiver.url}))
    presses = len(sim.subdevice(RF, DOOR_BELL).actuations)
    sim.report(RF, DOOR_BELL_CODE)
    await sim.deliveries_idle()
    assert receiver.received[0]["DA"] == DOOR_BELL_CODE
    assert receiver.received[0]["GUID"] == RF
    assert len(sim.subdevice(RF, DOOR_BELL).actuations) == presses + 1
    listing = await client.ok("/devices")
    assert listing[RF]["last_data"]["DA"] == DOOR_BELL_CODE


async def test_commands_report_to_the_callback(
    client: Ninja, sim: NinjaBlocksSimulator, receiver: Receiver
) -> None:
    done(await client.post(path(LED), {"url": receiver.url}))
    done(await client.put(f"/device/{LED}", {"DA": "00ff00"}))
    await sim.deliveries_idle()
    assert [r["DA"] for r in receiver.received] == ["00FF00"]


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("lower", {"guid": TEMPERATURE, "da": 21.5, "timestamp": T0_MS}),
        ("wrapped", {"data": {"DA": 21.5, "GUID": TEMPERATURE}}),
        ("envelope", {"result": 1, "error": None, "id": 0, "data": {"DA": 21.5}}),
        ("no_guid", {"G": "0301", "V": 0, "D": 31, "node": NODE}),
    ],
)
async def test_body_shapes(
    client: Ninja,
    sim: NinjaBlocksSimulator,
    receiver: Receiver,
    shape: str,
    expected: dict[str, Any],
) -> None:
    sim.set_shapes(callback_body=shape)
    sim.set_foreign_callback(TEMPERATURE, receiver.url)
    sim.report(TEMPERATURE, 21.5, T0_MS)
    await sim.deliveries_idle()
    (body,) = receiver.received
    if shape in ("wrapped", "envelope"):
        assert set(body) == set(expected)
        assert expected["data"].items() <= body["data"].items()
    elif shape == "no_guid":
        assert "GUID" not in body
        assert expected.items() <= body.items()
    else:
        assert body == expected


async def test_failed_deliveries_are_counted(
    client: Ninja, sim: NinjaBlocksSimulator, receiver: Receiver
) -> None:
    receiver.status = 500
    sim.set_foreign_callback(TEMPERATURE, receiver.url)
    sim.set_foreign_callback(PIR, REFUSED)
    sim.report(TEMPERATURE, 22)
    sim.report(PIR, 1)
    await sim.deliveries_idle()
    assert (sim.delivery_counts["sent"], sim.delivery_counts["failed"]) == (0, 2)
    assert {d.error for d in sim.deliveries} >= {"HTTP 500"}
    sim.set_delivery(drop_next=1)
    sim.report(PIR, 0)
    await sim.deliveries_idle()
    assert sim.delivery_counts["dropped"] == 1


async def test_no_post_after_delete(
    client: Ninja, sim: NinjaBlocksSimulator, receiver: Receiver
) -> None:
    done(await client.post(path(TEMPERATURE), {"url": receiver.url}))
    done(await client.post(path(PIR), {"url": receiver.url}))
    sim.set_delivery(delay=0.05)
    sim.report(TEMPERATURE, 22)
    done(await client.delete(path(TEMPERATURE)))
    # Its URL is still another device's callback: what is queued goes out.
    await sim.deliveries_idle()
    assert len(receiver.received) == 1
    sim.report(PIR, 1)
    done(await client.delete(path(PIR)))
    await sim.deliveries_idle()
    assert len(receiver.received) == 1
    assert sim.delivery_counts["cancelled"] == 1
    sim.report(PIR, 0)
    await sim.deliveries_idle()
    assert len(receiver.received) == 1


async def test_deleting_a_device_drops_its_callback(
    client: Ninja, sim: NinjaBlocksSimulator
) -> None:
    done(await client.post(path(PIR), {"url": APP}))
    done(await client.delete(f"/device/{PIR}"))
    assert sim.callback_url(PIR) is None
    sim.report(PIR, 1)
    assert data(await client.get(f"/device/{PIR}"))["guid"] == PIR
    refused(await client.get(path(PIR)), 404, 404)
