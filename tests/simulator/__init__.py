"""Tests of the vendor cloud simulators, plus a small HTTP helper for them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
import contextlib
from dataclasses import dataclass
import json
from typing import Any

from aiohttp import ClientSession, web
import pytest

API_KEY = "test-key"
KEEP = object()  # "use the helper's own Authorization header"


@dataclass
class Reply:
    """An HTTP answer, with the body parsed when it is JSON."""

    status: int
    content_type: str
    headers: Mapping[str, str]
    raw: bytes

    @property
    def body(self) -> Any:
        """The parsed JSON body."""
        return json.loads(self.raw)

    @property
    def data(self) -> Any:
        """The `data` of a successful {code, msg, data} envelope."""
        body = self.body
        assert self.status == 200, body
        assert body["code"] == 200, body
        return body["data"]


@dataclass
class Api:
    """Talks to a running simulator the way a client would."""

    session: ClientSession
    url: str  # server root, e.g. http://127.0.0.1:54321
    key: str = API_KEY

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        auth: Any = KEEP,
        raw_body: str | None = None,
    ) -> Reply:
        """Send a request; `path` is below /v1 unless it is a full URL."""
        url = (
            path if path.startswith(("http://", "https://")) else f"{self.url}/v1{path}"
        )
        headers = {}
        authorization = f"Bearer {self.key}" if auth is KEEP else auth
        if authorization is not None:
            headers["Authorization"] = authorization
        if raw_body is not None:
            headers["Content-Type"] = "application/json"
        async with self.session.request(
            method,
            url,
            json=body,
            data=raw_body,
            params=params,
            headers=headers,
        ) as response:
            return Reply(
                response.status,
                response.content_type,
                dict(response.headers),
                await response.read(),
            )

    async def get(self, path: str, **params: str) -> Reply:
        """GET below /v1 (or a full URL) with query parameters."""
        return await self.request("GET", path, params=params or None)

    async def post(self, path: str, body: Any) -> Reply:
        """POST a JSON body below /v1."""
        return await self.request("POST", path, body=body)

    async def command(self, device_id: str, command: str, **parameters: Any) -> Reply:
        """POST /devices/{device_id}/commands."""
        return await self.post(
            f"/devices/{device_id}/commands",
            {"command": command, "parameters": parameters},
        )

    async def status(self, device_id: str) -> dict[str, Any]:
        """GET the status data of a device."""
        data: dict[str, Any] = (await self.get(f"/devices/{device_id}/status")).data
        return data


@contextlib.asynccontextmanager
async def serve_hook(
    handle: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    """Serve ``handle`` on 127.0.0.1 (a webhook receiver); yield its URL."""
    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def served(
    argv: Sequence[str], capsys: pytest.CaptureFixture[str]
) -> AsyncIterator[dict[str, str]]:
    """Run ``python -m simulator <argv>``'s server; yield what it printed, by label.

    The lines ``Label: value`` it prints before "Ctrl-C" (stripped), e.g.
    ``Base URL``; the server stops when the block ends.
    """
    from simulator.__main__ import parse_args, serve

    stop = asyncio.Event()
    task = asyncio.create_task(serve(parse_args(list(argv)), stop))
    output = ""
    for _ in range(200):
        await asyncio.sleep(0.01)
        output += capsys.readouterr().out
        if "Ctrl-C" in output:
            break
    lines = dict(line.split(": ", 1) for line in output.splitlines() if ": " in line)
    try:
        yield {label: value.strip() for label, value in lines.items()}
    finally:
        stop.set()
        await task
