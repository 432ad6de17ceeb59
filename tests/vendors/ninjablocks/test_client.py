"""The Ninja Blocks client: the token, the envelope and the typed errors.

Against a canned cloud (no Home Assistant): the token as a query parameter
(and never in an error's text), ``result: 0`` on HTTP 200 for a listing, a
read and a command, the error texts and envelope ids the contract maps,
every HTTP status it names, time-outs, a refused connection, answers that
are no envelope, the cap on requests in flight, the stream host and the
snapshot's content type.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import socket
from typing import Any

import aiohttp
import pytest

from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    DeviceNotFoundError,
    NotAnApiError,
    RateLimitError,
    RequestRejectedError,
    SelfLimitedError,
    VendorError,
)
from custom_components.petsmart_hub.vendors.http import RequestGate
from custom_components.petsmart_hub.vendors.ninjablocks import (
    REDACTED,
    THROTTLE_BACKOFF,
    CallbackExistsError,
    NinjaBlocksClient,
    client as client_module,
    stream_base,
)
from custom_components.petsmart_hub.vendors.ninjablocks.client import device_path

from .conftest import (
    GUIDS,
    LED,
    RF,
    START,
    TEMPERATURE,
    TICKLE,
    TICKLE_TOKEN,
    TOKEN,
    WEBCAM,
    WEBHOOK,
    Clock,
    Cloud,
    Reply,
    failed,
    ok,
)

DEVICES = "GET /devices"
BEAT = f"GET /device/{TEMPERATURE}/heartbeat"
PUT_LED = f"PUT /device/{LED}"
SNAPSHOT = f"GET /camera/{WEBCAM}/snapshot"


def chain(err: BaseException) -> str:
    """Every text of an error and of what it was raised from or during."""
    texts = []
    seen: BaseException | None = err
    while seen is not None:
        texts.append(f"{type(seen).__name__}: {seen} {seen.args!r}")
        seen = seen.__cause__ or seen.__context__
    return " | ".join(texts)


async def test_every_call_carries_the_token_as_a_query_parameter(
    cloud: Cloud, client: NinjaBlocksClient
) -> None:
    listing = await client.async_devices()
    await client.async_heartbeat(TEMPERATURE)

    assert [entry.guid for entry in listing.entries] == GUIDS
    assert [(s.method, s.path, s.token, s.query) for s in cloud.requests] == [
        ("GET", "/devices", TOKEN, {}),
        ("GET", f"/device/{TEMPERATURE}/heartbeat", TOKEN, {}),
    ]


async def test_the_tickle_carries_no_token(
    cloud: Cloud, client: NinjaBlocksClient
) -> None:
    await client.async_tickle(WEBHOOK, TICKLE, TICKLE_TOKEN)
    (seen,) = cloud.requests
    assert (seen.method, seen.token) == ("POST", None)
    assert seen.path == f"/device/{WEBHOOK}/subdevice/{TICKLE}/tickle/{TICKLE_TOKEN}"


def test_paths_quote_their_segments() -> None:
    assert device_path(RF, "subdevice", "a/b") == f"/device/{RF}/subdevice/a%2Fb"


@pytest.mark.parametrize(
    ("base", "stream"),
    [
        ("https://api.ninja.is/rest/v0", "https://stream.ninja.is/rest/v0"),
        ("https://API.ninja.is:8443/rest/v0", "https://stream.ninja.is:8443/rest/v0"),
        ("http://127.0.0.1:8904/rest/v0", "http://127.0.0.1:8904/rest/v0"),
        ("https://ninja.example.com/rest/v0", "https://ninja.example.com/rest/v0"),
    ],
)
def test_the_stream_base(base: str, stream: str) -> None:
    assert stream_base(base) == stream


# --- result: 0 on HTTP 200 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "call", "error"),
    [
        (DEVICES, "devices", BadResponseError),
        (BEAT, "heartbeat", BadResponseError),
        (PUT_LED, "update", RequestRejectedError),
    ],
)
@pytest.mark.parametrize(
    "body",
    [
        failed("Something went wrong"),
        failed(None),
        # a result of 1 with an error is a failure too
        {"result": 1, "error": "Something went wrong", "id": 0},
        {"result": "0", "error": None, "id": 0, "data": {}},
    ],
)
async def test_a_refusal_on_http_200(
    cloud: Cloud,
    client: NinjaBlocksClient,
    key: str,
    call: str,
    error: type[VendorError],
    body: dict[str, Any],
) -> None:
    cloud.reply(key, body)
    with pytest.raises(error) as caught:
        await _call(client, call)
    assert type(caught.value) is error


async def _call(client: NinjaBlocksClient, call: str) -> Any:
    if call == "devices":
        return await client.async_devices()
    if call == "heartbeat":
        return await client.async_heartbeat(TEMPERATURE)
    if call == "device":
        return await client.async_device(TEMPERATURE)
    if call == "callback":
        return await client.async_add_callback(TEMPERATURE, "http://x/api/webhook/1")
    if call == "snapshot":
        return await client.async_snapshot(WEBCAM)
    return await client.async_update(LED, {"DA": "FF0000"})


@pytest.mark.parametrize(
    ("body", "call", "error"),
    [
        # the error's text (the doc is silent on them: the contract's words)
        (failed("Invalid token"), "heartbeat", AuthError),
        (failed("Not authorised"), "update", RequestRejectedError),
        (failed("Unauthorized"), "devices", AuthError),
        (failed("Forbidden"), "heartbeat", AuthError),
        (failed("Please login"), "heartbeat", AuthError),
        (failed("Device not found"), "heartbeat", DeviceNotFoundError),
        (failed("Device does not exist"), "update", DeviceNotFoundError),
        (failed("Not found"), "devices", NotAnApiError),
        (failed("Callback already exists"), "callback", CallbackExistsError),
        # the envelope's id
        (failed("nope", 401), "heartbeat", AuthError),
        (failed("nope", 403), "devices", AuthError),
        (failed("nope", 404), "device", DeviceNotFoundError),
        (failed("nope", 404), "devices", NotAnApiError),
        (failed("nope", 409), "callback", CallbackExistsError),
        (failed("slow down", 429), "heartbeat", RateLimitError),
    ],
)
async def test_envelope_errors(
    cloud: Cloud,
    client: NinjaBlocksClient,
    body: dict[str, Any],
    call: str,
    error: type[VendorError],
) -> None:
    for key in (DEVICES, BEAT, PUT_LED, f"GET /device/{TEMPERATURE}"):
        cloud.reply(key, body)
    cloud.reply(f"POST /device/{TEMPERATURE}/callback", body)
    with pytest.raises(error) as caught:
        await _call(client, call)
    assert type(caught.value) is error


async def test_a_tickle_refused_is_no_auth_error(
    cloud: Cloud, client: NinjaBlocksClient
) -> None:
    cloud.reply(
        f"POST /device/{WEBHOOK}/subdevice/{TICKLE}/tickle/{TICKLE_TOKEN}",
        Reply(failed("Invalid tickle token", 401), status=401),
    )
    with pytest.raises(RequestRejectedError) as caught:
        await client.async_tickle(WEBHOOK, TICKLE, TICKLE_TOKEN)
    assert not isinstance(caught.value, AuthError)
    assert TICKLE_TOKEN not in str(caught.value)


# --- HTTP statuses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "call", "error"),
    [
        (401, failed("Unauthorized", 401), "heartbeat", AuthError),
        (403, None, "update", AuthError),
        (404, failed("Not found", 404), "heartbeat", DeviceNotFoundError),
        (404, "<html>Not here</html>", "update", DeviceNotFoundError),
        (404, "<html>Not here</html>", "devices", NotAnApiError),
        (405, None, "devices", NotAnApiError),
        (400, "<html>Bad</html>", "devices", NotAnApiError),
        (400, failed("bad"), "devices", BadResponseError),
        (400, failed("bad"), "heartbeat", BadResponseError),
        (400, failed("bad"), "update", RequestRejectedError),
        (409, None, "callback", CallbackExistsError),
        (500, None, "heartbeat", CannotConnectError),
        (502, "<html>Bad gateway</html>", "devices", CannotConnectError),
        (503, failed("maintenance"), "update", CannotConnectError),
    ],
)
async def test_http_statuses(
    cloud: Cloud,
    client: NinjaBlocksClient,
    status: int,
    body: Any,
    call: str,
    error: type[VendorError],
) -> None:
    for key in (DEVICES, BEAT, PUT_LED, f"POST /device/{TEMPERATURE}/callback"):
        cloud.reply(key, Reply(body, status=status))
    with pytest.raises(error) as caught:
        await _call(client, call)
    assert type(caught.value) is error


async def test_the_wrong_token(cloud: Cloud, client: NinjaBlocksClient) -> None:
    cloud.token = "another"
    with pytest.raises(AuthError):
        await client.async_devices()


async def test_throttling_with_and_without_retry_after(
    cloud: Cloud, client: NinjaBlocksClient, clock: Clock
) -> None:
    cloud.reply(
        BEAT, Reply(failed("Too many"), status=429, headers={"Retry-After": "30"})
    )
    with pytest.raises(RateLimitError) as caught:
        await client.async_heartbeat(TEMPERATURE)
    assert caught.value.retry_after == 30
    # every request is held back meanwhile, without being sent
    cloud.clear()
    with pytest.raises(RateLimitError):
        await client.async_devices()
    assert cloud.requests == []

    clock.advance(timedelta(seconds=31))
    cloud.reply(BEAT, Reply(failed("Too many"), status=429))
    with pytest.raises(RateLimitError) as caught:
        await client.async_heartbeat(TEMPERATURE)
    assert caught.value.retry_after == THROTTLE_BACKOFF.total_seconds()
    assert client.gate.paused_until == clock() + THROTTLE_BACKOFF


async def test_a_time_out(
    cloud: Cloud, session: aiohttp.ClientSession, clock: Clock
) -> None:
    slow = NinjaBlocksClient(session, cloud.api, TOKEN, now=clock, request_timeout=0.05)
    cloud.reply(BEAT, Reply(ok({}), delay=1))
    with pytest.raises(CannotConnectError, match="timeout"):
        await slow.async_heartbeat(TEMPERATURE)


async def test_a_refused_connection_keeps_no_url(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = NinjaBlocksClient(session, f"http://127.0.0.1:{port}/rest/v0", TOKEN)
    with pytest.raises(CannotConnectError) as caught:
        await refused.async_devices()
    # the aiohttp error behind it (with the URL, and so the token) is not kept
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert TOKEN not in chain(caught.value)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><body>Ninja Blocks</body></html>", "text/html"),
        ([1, 2, 3], "application/json"),
        ({"data": {}}, "application/json"),
        (b"\xff\xfe", "application/octet-stream"),
    ],
)
async def test_answers_that_are_no_envelope(
    cloud: Cloud, client: NinjaBlocksClient, body: Any, content_type: str
) -> None:
    for key in (DEVICES, BEAT):
        cloud.reply(key, Reply(body, content_type=content_type))
    with pytest.raises(NotAnApiError):
        await client.async_devices()
    with pytest.raises(BadResponseError):
        await client.async_heartbeat(TEMPERATURE)


async def test_the_token_is_in_no_error_text(
    cloud: Cloud, client: NinjaBlocksClient
) -> None:
    echo = f"bad request for ?user_access_token={TOKEN}"
    cloud.reply(DEVICES, Reply(failed(echo, 401), status=401))
    cloud.reply(BEAT, Reply(failed(echo), status=500))
    cloud.reply(PUT_LED, failed(echo))
    cloud.reply(f"GET /device/{TEMPERATURE}", Reply(failed(echo, 404)))
    for call in ("devices", "heartbeat", "update", "device"):
        with pytest.raises(VendorError) as caught:
            await _call(client, call)
        assert TOKEN not in chain(caught.value)
        assert REDACTED in str(caught.value)


async def test_at_most_four_requests_are_in_flight(
    cloud: Cloud, client: NinjaBlocksClient
) -> None:
    for guid in GUIDS:
        cloud.reply(f"GET /device/{guid}/heartbeat", Reply(ok({"DA": 1}), delay=0.05))
    await asyncio.gather(*(client.async_heartbeat(guid) for guid in GUIDS))
    assert cloud.calls() == len(GUIDS)
    assert cloud.most_in_flight == 4


async def test_the_cap_on_requests(
    cloud: Cloud, session: aiohttp.ClientSession, clock: Clock
) -> None:
    capped = NinjaBlocksClient(
        session,
        cloud.api,
        TOKEN,
        gate=RequestGate(cap=2, window=timedelta(minutes=1), now=clock),
    )
    await capped.async_heartbeat(TEMPERATURE)
    await capped.async_heartbeat(TEMPERATURE)
    with pytest.raises(SelfLimitedError):
        await capped.async_heartbeat(TEMPERATURE)
    assert cloud.calls() == 2


# --- snapshots -----------------------------------------------------------------------------


async def test_a_snapshot(cloud: Cloud, client: NinjaBlocksClient) -> None:
    assert await client.async_snapshot(WEBCAM) == b"\xff\xd8\xff\xe0JPEG"
    (seen,) = cloud.requests
    assert (seen.path, seen.token) == (f"/camera/{WEBCAM}/snapshot", TOKEN)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply("<html>camera</html>", content_type="text/html"), BadResponseError),
        (Reply(ok({"url": "x"})), BadResponseError),
        (Reply(failed("Device not found")), DeviceNotFoundError),
        (Reply(failed("offline")), BadResponseError),
        (Reply(None, status=404), DeviceNotFoundError),
        (Reply(b"img", status=500, content_type="image/jpeg"), CannotConnectError),
        (Reply(failed("no", 401), status=401), AuthError),
    ],
)
async def test_a_snapshot_that_is_no_image(
    cloud: Cloud, client: NinjaBlocksClient, reply: Reply, error: type[VendorError]
) -> None:
    cloud.reply(SNAPSHOT, reply)
    with pytest.raises(error) as caught:
        await client.async_snapshot(WEBCAM)
    assert type(caught.value) is error


async def test_a_snapshot_too_large(
    cloud: Cloud, client: NinjaBlocksClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_SNAPSHOT_BYTES", 4)
    with pytest.raises(BadResponseError):
        await client.async_snapshot(WEBCAM)


def test_the_clock_defaults_to_now(session: aiohttp.ClientSession) -> None:
    plain = NinjaBlocksClient(session, "https://api.ninja.is/rest/v0/", TOKEN)
    assert plain.base_url == "https://api.ninja.is/rest/v0"
    assert plain.now() > START
    assert NinjaBlocksClient(session, "x", "").redact("a") == "a"
