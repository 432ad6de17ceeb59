"""The HTTP round trip every vendor client makes, with network errors typed.

No Home Assistant imports here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json as jsonlib
from typing import Any

import aiohttp
from multidict import CIMultiDict

from .base import CannotConnectError


@dataclass(frozen=True, slots=True)
class RawResponse:
    """Status, headers and body of an answer, read in full."""

    status: int
    headers: CIMultiDict[str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON.

        Decoding the bytes here (not with ``response.text()``) turns invalid
        UTF-8 into a ValueError and absurdly deep nesting into a RecursionError,
        both caught: the caller sees an unreadable answer, never a crash.
        """
        if not self.body.strip():
            return None
        try:
            return jsonlib.loads(self.body)
        except (ValueError, RecursionError):
            return None


async def async_fetch(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    label: str,
    client_timeout: aiohttp.ClientTimeout,
    params: Mapping[str, str] | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
) -> RawResponse:
    """Send a request and read the whole answer; ``label`` names it in errors."""
    try:
        async with session.request(
            method,
            url,
            params=params,
            json=json,
            headers=headers,
            timeout=client_timeout,
        ) as response:
            return RawResponse(
                response.status, CIMultiDict(response.headers), await response.read()
            )
    except TimeoutError as err:
        raise CannotConnectError(f"timeout on {label}") from err
    except aiohttp.ClientError as err:
        raise CannotConnectError(f"{label} failed: {type(err).__name__}") from err
