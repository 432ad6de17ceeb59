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
