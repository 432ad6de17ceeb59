"""The HTTP round trip every vendor client makes, with network errors typed.

Every request of an account passes one ``RequestGate``: it honours the
cloud's ``Retry-After`` (no request of that account leaves before then) and
caps the requests of a sliding window, so no code path can hammer a cloud.
No Home Assistant imports here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import email.utils
import json as jsonlib
from typing import Any, Final

import aiohttp
from multidict import CIMultiDict

from .base import BadResponseError, CannotConnectError, RateLimitError, SelfLimitedError
from .parse import to_float

#: The largest answer we read; a bigger one is refused, not buffered.
MAX_BODY_BYTES: Final = 2 * 1024 * 1024
#: The longest pause a Retry-After can impose.
MAX_RETRY_AFTER: Final = timedelta(days=1)
#: HTTP statuses whose Retry-After pauses the account.
THROTTLE_STATUSES: Final = frozenset({429, 503})


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date).

    Honoured to the second, but never beyond MAX_RETRY_AFTER: a cloud asking
    for ten years gets a day, and is asked again then.
    """
    if not value:
        return None
    seconds = to_float(value)
    if seconds is None:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER.total_seconds())


class RequestGate:
    """The requests of one account: paused on Retry-After, capped per window."""

    def __init__(
        self,
        *,
        cap: int,
        window: timedelta,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Allow ``cap`` requests per sliding ``window``."""
        self.cap = cap
        self.window = window
        #: The gate's clock (a benchmark drives simulated time through it).
        self.clock: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self._sent: deque[datetime] = deque()
        #: No request leaves before this moment (the cloud's Retry-After).
        self.paused_until: datetime | None = None
        #: Requests refused locally because the window was full.
        self.refused = 0
        #: Requests let through since the gate was made.
        self.sent = 0

    def admit(self, label: str) -> None:
        """Let one request go, or raise RateLimitError without sending it."""
        now = self.clock()
        if self.paused_until is not None:
            if now < self.paused_until:
                raise RateLimitError(
                    f"{label} held back: the cloud asked us to wait",
                    (self.paused_until - now).total_seconds(),
                )
            self.paused_until = None
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        if len(self._sent) >= self.cap:
            self.refused += 1
            raise SelfLimitedError(
                f"{label} held back: {self.cap} requests in {self.window}",
                (self._sent[0] + self.window - now).total_seconds(),
            )
        self._sent.append(now)
        self.sent += 1

    def throttle(self, retry_after: str | None) -> float | None:
        """Honour a throttling answer's Retry-After header: pause, return seconds.

        Without a usable header nothing is paused (the caller backs off).
        """
        seconds = parse_retry_after(retry_after, self.clock())
        if seconds is not None:
            self.pause(seconds)
        return seconds

    def hold_back(self, response: RawResponse, backoff: timedelta) -> float:
        """A throttling answer: hold every request back; return for how long.

        As long as the cloud asked (its Retry-After, honoured already when
        the status was a throttling one), else ``backoff``.
        """
        seconds = response.retry_after
        if seconds is None:
            seconds = self.throttle(response.headers.get("Retry-After"))
        if seconds is None:
            seconds = backoff.total_seconds()
            self.pause(seconds)
        return seconds

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (never shortening a pause)."""
        seconds = min(max(seconds, 0.0), MAX_RETRY_AFTER.total_seconds())
        until = self.clock() + timedelta(seconds=seconds)
        if self.paused_until is None or until > self.paused_until:
            self.paused_until = until

    def in_window(self) -> int:
        """Requests sent within the current window."""
        now = self.clock()
        return sum(1 for sent in self._sent if sent > now - self.window)


@dataclass(frozen=True, slots=True)
class RawResponse:
    """Status, headers and body of an answer, read in full."""

    status: int
    headers: CIMultiDict[str]
    body: bytes
    #: Seconds the cloud asked us to wait (429/503 with Retry-After), if any.
    retry_after: float | None = None

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


async def _read_capped(
    response: aiohttp.ClientResponse, label: str, max_bytes: int
) -> bytes:
    """Read the body, refusing one larger than ``max_bytes``."""
    if (response.content_length or 0) > max_bytes:
        raise BadResponseError(f"{label} answered {response.content_length} bytes")
    body = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise BadResponseError(f"{label} answered more than {max_bytes} bytes")
    return bytes(body)


async def async_fetch(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    label: str,
    client_timeout: aiohttp.ClientTimeout,
    gate: RequestGate | None = None,
    max_bytes: int = MAX_BODY_BYTES,
    params: Mapping[str, str] | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
) -> RawResponse:
    """Send a request through the gate and read the whole answer.

    ``label`` names the request in errors. A 429 or 503 with Retry-After
    pauses the gate; the caller still gets the answer to map onto its error.
    """
    if gate is not None:
        gate.admit(label)
    try:
        async with session.request(
            method,
            url,
            params=params,
            json=json,
            headers=headers,
            timeout=client_timeout,
        ) as response:
            retry_after = None
            if response.status in THROTTLE_STATUSES:
                header = response.headers.get("Retry-After")
                retry_after = (
                    gate.throttle(header)
                    if gate is not None
                    else parse_retry_after(header, datetime.now(UTC))
                )
            return RawResponse(
                response.status,
                CIMultiDict(response.headers),
                await _read_capped(response, label, max_bytes),
                retry_after,
            )
    except TimeoutError as err:
        raise CannotConnectError(f"timeout on {label}") from err
    except aiohttp.ClientError as err:
        raise CannotConnectError(f"{label} failed: {type(err).__name__}") from err
