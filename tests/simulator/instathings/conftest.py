"""Fixtures for the Instathings simulator tests: a simulator and a client."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from aiohttp import ClientSession
import pytest

from simulator.core import RunningSimulator, start_server
from simulator.instathings import InstathingsSimulator

from . import T0, Insta


@pytest.fixture
def options() -> dict[str, Any]:
    """Keyword arguments of the simulator under test."""
    return {}


@pytest.fixture
def sim(options: dict[str, Any]) -> InstathingsSimulator:
    """An Instathings simulator whose clock reads T0; devices answer in 50 ms."""
    sim = InstathingsSimulator(**{"status_delay": 0.05, **options})
    sim.clock.set(T0)
    return sim


@pytest.fixture
async def running(sim: InstathingsSimulator) -> AsyncGenerator[RunningSimulator]:
    """Serve `sim` on a free port."""
    running = await start_server(sim)
    yield running
    await running.close()


@pytest.fixture
async def client(
    sim: InstathingsSimulator, running: RunningSimulator
) -> AsyncGenerator[Insta]:
    """A client holding a working token (none on premise)."""
    async with ClientSession() as session:
        token = None if sim.on_premise else sim.issue_token()
        yield Insta(session, running.url, token)
