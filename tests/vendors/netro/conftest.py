"""Fixtures of the Netro vendor tests: an HTTP session and a canned cloud.

The canned cloud answers each path with a reply the test sets: for bodies
the simulator cannot produce (real devices' shapes, broken answers).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.core import BaseSimulator, RunningSimulator, start_server

from ..canned import Reply, respond


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


class Canned:
    """A tiny app answering each path with a canned reply."""

    def __init__(self) -> None:
        self.sim = BaseSimulator()
        self.replies: dict[str, Reply] = {}
        self.sim.app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server: RunningSimulator | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"{self.server.url}/npa/v1"

    def reply(self, name: str, body: Any = None, **kwargs: Any) -> None:
        self.replies[f"/npa/v1/{name}.json"] = Reply(body, **kwargs)

    async def _handle(self, request: web.Request) -> web.Response:
        return respond(self.replies[request.path])


@pytest.fixture
async def canned(socket_enabled: None) -> AsyncGenerator[Canned]:
    app = Canned()
    app.server = await start_server(app.sim)
    yield app
    await app.server.close()
