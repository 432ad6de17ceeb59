"""Fixtures for the Ninja Blocks simulator tests: a simulator and a client."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from aiohttp import ClientSession
import pytest

from simulator.core import RunningSimulator, start_server
from simulator.ninjablocks import NinjaBlocksSimulator

from . import T0, Ninja


@pytest.fixture
def options() -> dict[str, Any]:
    """Keyword arguments of the simulator under test."""
    return {}


@pytest.fixture
def sim(options: dict[str, Any]) -> NinjaBlocksSimulator:
    """A Ninja Blocks simulator whose clock reads T0."""
    sim = NinjaBlocksSimulator(**options)
    sim.clock.set(T0)
    return sim


@pytest.fixture
async def running(sim: NinjaBlocksSimulator) -> AsyncGenerator[RunningSimulator]:
    """Serve `sim` on a free port."""
    running = await start_server(sim)
    yield running
    await running.close()


@pytest.fixture
async def client(
    sim: NinjaBlocksSimulator, running: RunningSimulator
) -> AsyncGenerator[Ninja]:
    """A client holding the valid token."""
    async with ClientSession() as session:
        yield Ninja(session, running.url, sim.token)
