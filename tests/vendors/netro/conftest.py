"""Fixtures of the Netro vendor tests: an HTTP session and a canned cloud.

The canned cloud answers each path with a reply the test sets: for bodies
the simulator cannot produce (real devices' shapes, broken answers).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.core import BaseSimulator, RunningSimulator, start_server


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@dataclass
class Reply:
    """One canned answer: a JSON-able body, or bytes/str sent verbatim."""

    body: Any = None
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


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
        reply = self.replies[request.path]
        if isinstance(reply.body, bytes):
            raw = reply.body
        elif isinstance(reply.body, str):
            raw = reply.body.encode()
        elif reply.body is None:
            raw = b""
        else:
            raw = json.dumps(reply.body).encode()
        return web.Response(
            body=raw,
            status=reply.status,
            content_type=reply.content_type,
            headers=reply.headers,
        )


@pytest.fixture
async def canned(socket_enabled: None) -> AsyncGenerator[Canned]:
    app = Canned()
    app.server = await start_server(app.sim)
    yield app
    await app.server.close()
