"""Fixtures for the simulator tests: a simulator on 127.0.0.1 and a client."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from aiohttp import ClientSession
import pytest

from simulator.core import start_server
from simulator.onenata import OneNataSimulator

from . import Api


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the package-wide fixture: the simulator needs no Home Assistant."""


@pytest.fixture(autouse=True)
def allow_sockets(socket_enabled: None) -> None:
    """Let these tests open local sockets (pytest-socket blocks them by default)."""


@pytest.fixture
def devices_per_kind() -> int:
    """How many devices of every kind `sim` starts with."""
    return 1


@pytest.fixture
def sim(devices_per_kind: int) -> OneNataSimulator:
    """A OneNata simulator with `devices_per_kind` devices of every kind."""
    return OneNataSimulator(devices_per_kind=devices_per_kind)


@pytest.fixture
async def api(sim: OneNataSimulator) -> AsyncGenerator[Api]:
    """Serve `sim` on a free port and talk to it."""
    running = await start_server(sim)
    async with ClientSession() as session:
        yield Api(session, running.url)
    await running.close()
