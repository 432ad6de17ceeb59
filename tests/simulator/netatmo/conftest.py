"""Fixtures for the Netatmo simulator tests: a simulator, a client, a receiver."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import ClientSession, web
import pytest

from simulator.core import RunningSimulator, start_server
from simulator.netatmo import NetatmoSimulator

from .. import serve_hook
from . import T0, Netatmo


@pytest.fixture
def options() -> dict[str, Any]:
    """Keyword arguments of the simulator under test."""
    return {}


@pytest.fixture
def sim(options: dict[str, Any]) -> NetatmoSimulator:
    """A Netatmo simulator whose clock reads T0."""
    sim = NetatmoSimulator(**options)
    sim.clock.set(T0)
    return sim


@pytest.fixture
async def running(sim: NetatmoSimulator) -> AsyncGenerator[RunningSimulator]:
    """Serve `sim` on a free port."""
    running = await start_server(sim)
    yield running
    await running.close()


@pytest.fixture
async def client(
    sim: NetatmoSimulator, running: RunningSimulator
) -> AsyncGenerator[Netatmo]:
    """A client holding a token with every scope."""
    async with ClientSession() as session:
        yield Netatmo(session, running.url, sim.issue_token()["access_token"])


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records what it gets, answers `status`."""

    url: str = ""
    status: int = 200
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        """Record one POST."""
        self.bodies.append(await request.read())
        self.headers.append(dict(request.headers))
        return web.Response(status=self.status)

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """Everything received, parsed."""
        return [json.loads(body) for body in self.bodies]

    @property
    def push_types(self) -> list[str]:
        """The push_type of everything received, in order."""
        return [json.loads(body)["push_type"] for body in self.bodies]


@pytest.fixture
async def receiver() -> AsyncGenerator[Receiver]:
    """Serve a `Receiver` at <url>/hook."""
    receiver = Receiver()
    async with serve_hook(receiver.handle) as url:
        receiver.url = url
        yield receiver
