"""A canned answer, for the vendor tests' tiny clouds (bodies no simulator sends)."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import web


@dataclass
class Reply:
    """One canned answer: a JSON-able body, or bytes/str sent verbatim."""

    body: Any = None
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering (a camera that does not answer).
    delay: float = 0.0


def respond(reply: Reply) -> web.Response:
    """The HTTP response of a canned reply."""
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


class TinyCloud:
    """A tiny app on a free 127.0.0.1 port routing every path to ``_handle``.

    A vendor test's cloud subclasses it: ``_handle`` answers a request,
    ``defaults`` sets the replies it starts with.
    """

    def __init__(self) -> None:
        """Route everything; serve nothing until ``start``."""
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    def defaults(self) -> None:
        """The replies the cloud starts with (none here)."""

    async def start(self) -> None:
        """Serve on a free port, then set the default replies (they may need the URL)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self.defaults()

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
