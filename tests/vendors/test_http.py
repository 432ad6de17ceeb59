"""The HTTP round trip of vendors/http.py: the request gate, Retry-After, the cap.

``RequestGate`` is driven by a hand-moved clock; ``async_fetch`` talks to a tiny
app on 127.0.0.1 that records every request it receives, so a request refused
by the gate is seen never to leave.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
import email.utils
import socket
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
import pytest

from custom_components.petsmart_hub.vendors import netro, onenata
from custom_components.petsmart_hub.vendors.base import (
    BadResponseError,
    CannotConnectError,
    RateLimitError,
)
from custom_components.petsmart_hub.vendors.http import (
    MAX_BODY_BYTES,
    THROTTLE_STATUSES,
    RawResponse,
    RequestGate,
    async_fetch,
    parse_retry_after,
)
from custom_components.petsmart_hub.vendors.onenata import client as onenata_client
from simulator.core import BaseSimulator, RunningSimulator, start_server

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
TIMEOUT = aiohttp.ClientTimeout(total=5)


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def free_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def gate(cap: int = 3, window: timedelta = MINUTE) -> tuple[RequestGate, Clock]:
    clock = Clock()
    return RequestGate(cap=cap, window=window, now=clock), clock


# --- RequestGate --------------------------------------------------------------------


def test_gate_caps_requests_over_a_sliding_window() -> None:
    requests, clock = gate(cap=3)
    requests.admit("a")
    clock.advance(10)
    requests.admit("b")
    clock.advance(10)
    requests.admit("c")
    assert (requests.sent, requests.refused, requests.in_window()) == (3, 0, 3)
    clock.advance(10)  # 30 s after the first: the window is full
    with pytest.raises(RateLimitError, match="d held back: 3 requests in") as caught:
        requests.admit("d")
    # the first request leaves the window 60 s after it was sent
    assert caught.value.retry_after == 30.0
    assert (requests.sent, requests.refused) == (3, 1)
    clock.advance(29.5)
    with pytest.raises(RateLimitError) as caught:
        requests.admit("e")
    assert caught.value.retry_after == 0.5
    clock.advance(0.5)  # exactly a window after the first: it no longer counts
    requests.admit("f")
    assert (requests.sent, requests.refused, requests.in_window()) == (4, 2, 3)
    # the window slides: one more slot opens 10 s later, not a whole new window
    with pytest.raises(RateLimitError) as caught:
        requests.admit("g")
    assert caught.value.retry_after == 10.0
    clock.advance(10)
    requests.admit("g")
    clock.advance(120)
    assert requests.in_window() == 0
    for label in "hij":
        requests.admit(label)
    assert requests.sent == 8


def test_gate_pause_refuses_everything_until_it_ends() -> None:
    requests, clock = gate(cap=100)
    requests.admit("before")
    requests.pause(30)
    assert requests.paused_until == NOW + timedelta(seconds=30)
    with pytest.raises(RateLimitError, match="asked us to wait") as caught:
        requests.admit("x")
    assert caught.value.retry_after == 30.0
    clock.advance(20)
    with pytest.raises(RateLimitError) as caught:
        requests.admit("x")
    assert caught.value.retry_after == 10.0
    # a refusal during a pause is neither sent nor a window refusal
    assert (requests.sent, requests.refused) == (1, 0)
    clock.advance(10)  # the pause is over at its last instant
    requests.admit("after")
    assert requests.paused_until is None
    assert requests.sent == 2


def test_gate_pause_is_never_shortened() -> None:
    requests, clock = gate()
    requests.pause(60)
    until = requests.paused_until
    requests.pause(10)  # a shorter Retry-After does not end the longer pause
    assert requests.paused_until == until
    clock.advance(30)
    requests.pause(20)  # ends at +50 s, before +60 s: still the first
    assert requests.paused_until == until
    requests.pause(45)  # ends at +75 s: extends it
    assert requests.paused_until == NOW + timedelta(seconds=75)
    requests.pause(0)
    assert requests.paused_until == NOW + timedelta(seconds=75)


def test_gate_pause_of_zero_lets_the_next_request_go() -> None:
    requests, _clock = gate()
    requests.pause(0)
    requests.admit("now")
    assert requests.paused_until is None
    assert requests.sent == 1


def test_gate_clock_can_be_replaced() -> None:
    """A benchmark (or NetroAccount(now=...)) drives the gate through ``clock``."""
    requests = RequestGate(cap=1, window=MINUTE)
    real = datetime.now(UTC)
    assert abs(requests.clock() - real) < timedelta(seconds=5)
    assert requests.clock().tzinfo is not None
    clock = Clock()
    requests.clock = clock
    assert requests.clock() == NOW
    requests.admit("a")
    with pytest.raises(RateLimitError):
        requests.admit("b")
    clock.advance(60)
    requests.admit("b")


def test_vendor_caps() -> None:
    assert (onenata.REQUEST_CAP, onenata.REQUEST_WINDOW) == (2500, MINUTE)
    assert onenata_client.CONCURRENT_REQUESTS == 4
    assert netro.REQUEST_CAP == 40
    assert timedelta(minutes=10) == netro.REQUEST_WINDOW
    assert MAX_BODY_BYTES == 2 * 1024 * 1024
    assert onenata.MAX_IMAGE_BYTES > MAX_BODY_BYTES
    assert frozenset({429, 503}) == THROTTLE_STATUSES


async def test_each_client_has_its_own_gate() -> None:
    async with aiohttp.ClientSession() as session:
        one = onenata.OneNataClient(session, "k")
        other = onenata.OneNataClient(session, "k")
        assert one.gate is not other.gate
        assert (one.gate.cap, one.gate.window) == (2500, MINUTE)
        shared = RequestGate(cap=5, window=MINUTE)
        assert onenata.OneNataClient(session, "k", gate=shared).gate is shared
        key = netro.NetroClient(session, "SERIAL")
        assert (key.gate.cap, key.gate.window) == (40, timedelta(minutes=10))
        assert netro.NetroClient(session, "SERIAL", gate=shared).gate is shared
        assert key.calls == key.gate.sent == 0


# --- parse_retry_after ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("30", 30.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("-10", 0.0),
        ("1.5", 1.5),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: retry now
        ("Wed, 99 Oct 2015 07:28:00 GMT", None),
        ("Mon, 02 Jun 2025 10:02:00 GMT", 120.0),
        ("Mon, 02 Jun 2025 10:00:00 GMT", 0.0),
        ("Mon, 02 Jun 2025 09:59:00 GMT", 0.0),
        ("Monday", None),
        ("Mon, 02 Jun", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize("usegmt", [True, False])
def test_parse_retry_after_http_date(usegmt: bool) -> None:
    header = email.utils.format_datetime(NOW + timedelta(seconds=120), usegmt=usegmt)
    assert parse_retry_after(header, NOW) == 120.0


def test_parse_retry_after_http_date_without_zone_is_utc() -> None:
    when = (NOW + timedelta(seconds=300)).replace(tzinfo=None)
    header = email.utils.format_datetime(when)  # "-0000": no zone given
    assert header.endswith("-0000")
    assert parse_retry_after(header, NOW) == 300.0


def test_parse_retry_after_http_date_with_offset() -> None:
    when = (NOW + timedelta(seconds=60)).astimezone(timezone(timedelta(hours=-5)))
    assert parse_retry_after(email.utils.format_datetime(when), NOW) == 60.0


def test_parse_retry_after_counts_from_the_given_now() -> None:
    header = "Mon, 02 Jun 2025 10:05:00 GMT"
    assert parse_retry_after(header, NOW) == 300.0
    assert parse_retry_after(header, NOW + timedelta(minutes=4)) == 60.0
    assert parse_retry_after("30", NOW + timedelta(days=1)) == 30.0


# --- async_fetch against a local app --------------------------------------------------


@dataclass
class Answer:
    """What the app answers on a path."""

    body: bytes = b"{}"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False


class App:
    """A tiny app answering each path as told, recording every request."""

    def __init__(self) -> None:
        self.sim = BaseSimulator()
        self.answers: dict[str, Answer] = {}
        self.sim.app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server: RunningSimulator | None = None

    def url(self, path: str) -> str:
        assert self.server is not None
        return f"{self.server.url}{path}"

    @property
    def received(self) -> int:
        return len(self.sim.requests)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        answer = self.answers[request.path]
        if not answer.chunked:
            return web.Response(
                body=answer.body,
                status=answer.status,
                headers=answer.headers,
                content_type="application/json",
            )
        response = web.StreamResponse(status=answer.status, headers=answer.headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(answer.body), 256 * 1024):
            await response.write(answer.body[start : start + 256 * 1024])
        await response.write_eof()
        return response


@pytest.fixture
async def app(socket_enabled: None) -> AsyncGenerator[App]:
    served = App()
    served.server = await start_server(served.sim)
    yield served
    await served.server.close()


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def fetch(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> RawResponse:
    return await async_fetch(
        session, "GET", url, label="GET test", client_timeout=TIMEOUT, **kwargs
    )


async def test_fetch_reads_the_whole_answer(
    app: App, session: aiohttp.ClientSession
) -> None:
    app.answers["/a"] = Answer(b'{"x": 1}', headers={"X-Test": "yes"})
    response = await fetch(session, app.url("/a"), params={"q": "1"})
    assert (response.status, response.body, response.json()) == (
        200,
        b'{"x": 1}',
        {"x": 1},
    )
    assert response.headers["x-test"] == "yes"
    assert response.retry_after is None
    assert app.sim.requests[0].query == {"q": "1"}


async def test_a_refused_request_is_never_sent(
    app: App, session: aiohttp.ClientSession
) -> None:
    app.answers["/a"] = Answer()
    requests, clock = gate(cap=1)
    await fetch(session, app.url("/a"), gate=requests)
    with pytest.raises(RateLimitError, match="GET test held back") as caught:
        await fetch(session, app.url("/a"), gate=requests)
    assert caught.value.retry_after == 60.0
    assert app.received == 1
    assert (requests.sent, requests.refused) == (1, 1)
    clock.advance(60)
    await fetch(session, app.url("/a"), gate=requests)
    assert app.received == 2
    assert requests.sent == 2


@pytest.mark.parametrize("status", [429, 503])
async def test_a_throttling_answer_with_retry_after_pauses_the_gate(
    app: App, session: aiohttp.ClientSession, status: int
) -> None:
    app.answers["/a"] = Answer(b"", status, {"Retry-After": "45"})
    app.answers["/b"] = Answer()
    requests, clock = gate(cap=100)
    response = await fetch(session, app.url("/a"), gate=requests)
    # the caller still gets the answer, to map onto its own error
    assert (response.status, response.retry_after) == (status, 45.0)
    assert requests.paused_until == NOW + timedelta(seconds=45)
    with pytest.raises(RateLimitError) as caught:
        await fetch(session, app.url("/b"), gate=requests)  # any path of the account
    assert caught.value.retry_after == 45.0
    assert app.received == 1
    clock.advance(45)
    assert (await fetch(session, app.url("/b"), gate=requests)).status == 200
    assert app.received == 2


async def test_retry_after_as_an_http_date_counts_on_the_gate_clock(
    app: App, session: aiohttp.ClientSession
) -> None:
    when = email.utils.format_datetime(NOW + timedelta(minutes=2), usegmt=True)
    app.answers["/a"] = Answer(b"", 429, {"Retry-After": when})
    requests, _clock = gate()
    response = await fetch(session, app.url("/a"), gate=requests)
    assert response.retry_after == 120.0
    assert requests.paused_until == NOW + timedelta(minutes=2)


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (429, {}),  # no Retry-After: nothing to honour
        (503, {}),
        (429, {"Retry-After": "later"}),
        (200, {"Retry-After": "30"}),  # not a throttling status
        (500, {"Retry-After": "30"}),
    ],
)
async def test_no_pause_without_a_usable_retry_after(
    app: App, session: aiohttp.ClientSession, status: int, headers: dict[str, str]
) -> None:
    app.answers["/a"] = Answer(b"", status, headers)
    requests, _clock = gate()
    response = await fetch(session, app.url("/a"), gate=requests)
    assert response.retry_after is None
    assert requests.paused_until is None
    await fetch(session, app.url("/a"), gate=requests)
    assert app.received == 2


async def test_fetch_without_a_gate(app: App, session: aiohttp.ClientSession) -> None:
    app.answers["/a"] = Answer(b"", 429, {"Retry-After": "12"})
    response = await fetch(session, app.url("/a"))
    assert response.retry_after == 12.0
    await fetch(session, app.url("/a"))  # nothing holds it back
    assert app.received == 2


@pytest.mark.parametrize("chunked", [False, True], ids=["content_length", "chunked"])
async def test_the_body_cap(
    app: App, session: aiohttp.ClientSession, chunked: bool
) -> None:
    app.answers["/full"] = Answer(b"x" * MAX_BODY_BYTES, chunked=chunked)
    app.answers["/over"] = Answer(b"x" * (MAX_BODY_BYTES + 1), chunked=chunked)
    app.answers["/huge"] = Answer(b"x" * (3 * MAX_BODY_BYTES), chunked=chunked)
    assert len((await fetch(session, app.url("/full"))).body) == MAX_BODY_BYTES
    message = "more than 2097152 bytes" if chunked else "answered 2097153 bytes"
    with pytest.raises(BadResponseError, match=message):
        await fetch(session, app.url("/over"))
    with pytest.raises(BadResponseError, match="GET test answered"):
        await fetch(session, app.url("/huge"))
    # a caller can allow more (images), or less
    assert len(
        (await fetch(session, app.url("/over"), max_bytes=3 * MAX_BODY_BYTES)).body
    ) == (MAX_BODY_BYTES + 1)
    with pytest.raises(BadResponseError):
        await fetch(session, app.url("/full"), max_bytes=1024)


async def test_fetch_network_errors(app: App, session: aiohttp.ClientSession) -> None:
    app.answers["/slow"] = Answer()
    app.sim.add_fault("timeout", timeout_seconds=5, times=1)
    with pytest.raises(CannotConnectError, match="timeout on GET test"):
        await async_fetch(
            session,
            "GET",
            app.url("/slow"),
            label="GET test",
            client_timeout=aiohttp.ClientTimeout(total=0.2),
        )
    with pytest.raises(CannotConnectError, match="GET test failed: ClientConnector"):
        await fetch(session, f"http://127.0.0.1:{free_port()}/")


def test_raw_response_json() -> None:
    def raw(body: bytes) -> RawResponse:
        return RawResponse(200, CIMultiDict(), body)

    assert raw(b'{"a": [1]}').json() == {"a": [1]}
    assert raw(b"  ").json() is None
    assert raw(b"not json").json() is None
    assert raw(b"\xff\xfe").json() is None
    assert raw(("[" * 100_000 + "]" * 100_000).encode()).json() is None


@pytest.mark.parametrize("header", ["1e12", "99999999999999"])
async def test_an_absurd_retry_after_is_not_a_crash(
    app: App, session: aiohttp.ClientSession, header: str
) -> None:
    app.answers["/a"] = Answer(b"", 429, {"Retry-After": header})
    requests, _clock = gate()
    response = await fetch(session, app.url("/a"), gate=requests)
    assert response.status == 429
    assert requests.paused_until is not None
