"""The Instathings client: the JWT, the requests and their typed errors.

Against a canned cloud (no Home Assistant): every token answer shape, a
token's end from its ``exp`` or ``expires_in`` (or none), renewal before it
ends and after a 401, a second 401, a gateway that wants no token, every
error the doc lists on the token endpoint and the listing, and the status
request's Location in each form.
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
    InvalidParameterError,
    NotAnApiError,
    RateLimitError,
    RequestRejectedError,
)
from custom_components.petsmart_hub.vendors.instathings import (
    THROTTLE_BACKOFF,
    TOKEN_MARGIN,
    InstathingsAccount,
    InstathingsClient,
    host_port,
    jwt_expiry,
    parse_token,
    project_name,
)

from .conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    GATEWAY,
    LAMP,
    PROJECT,
    START,
    Clock,
    Cloud,
    Reply,
    make_jwt,
)

TOKEN = "POST /authentication/v1/oauth/token"
DEVICES = "GET /device/v1/devices"


def accepted(cloud: Cloud, token: str) -> str:
    cloud.valid.add(token)
    return token


# --- the token ---------------------------------------------------------------------


async def test_identify_asks_a_token_then_lists_with_it(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    inventory = await account.async_identify()

    assert [device.id for device in inventory] == [
        "iIrGFfgU",
        GATEWAY,
        "A1Owj4Eu",
        LAMP,
        "9s9WdonY9",
    ]
    token_request, listing = cloud.requests
    assert (token_request.method, token_request.path) == (
        "POST",
        "/authentication/v1/oauth/token",
    )
    assert token_request.json == {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    assert token_request.token is None
    assert (listing.method, listing.path) == ("GET", "/device/v1/devices")
    assert listing.token in cloud.valid
    assert account.account_id == PROJECT
    assert account.client.on_premise is False


@pytest.mark.parametrize(
    "shape",
    [
        "access_token",
        "accessToken",
        "token",
        "data",
        "trailing_comma",
        "string",
        "text",
    ],
)
async def test_every_token_answer_shape(
    cloud: Cloud, client: InstathingsClient, shape: str
) -> None:
    jwt = accepted(cloud, make_jwt(sub="x"))
    body: Any = {
        "access_token": {"access_token": jwt},
        "accessToken": {"accessToken": jwt},
        "token": {"token": jwt, "expires_in": 3600},
        "data": {"data": {"access_token": jwt}},
        # the doc's own answer, trailing comma and all
        "trailing_comma": f'{{\n  "access_token": "{jwt}",\n}}',
        "string": f'"{jwt}"',
        "text": jwt,
    }[shape]
    cloud.reply(
        TOKEN,
        Reply(
            body, content_type="text/plain" if shape == "text" else "application/json"
        ),
    )

    await client.async_devices()

    assert cloud.seen(DEVICES)[0].token == jwt


@pytest.mark.parametrize(
    "body",
    [
        {"message": "hello"},
        {"access_token": ""},
        {"access_token": 42},
        "<html>hi</html>",
        "",
    ],
)
async def test_an_answer_without_a_token_is_not_the_api(
    cloud: Cloud, client: InstathingsClient, body: Any
) -> None:
    cloud.reply(TOKEN, Reply(body, content_type="text/html"))

    with pytest.raises(NotAnApiError):
        await client.async_devices()
    assert cloud.calls(DEVICES) == 0


async def test_a_token_is_renewed_a_margin_before_its_exp(
    cloud: Cloud, client: InstathingsClient, clock: Clock
) -> None:
    await client.async_devices()
    first = cloud.seen(DEVICES)[0].token
    assert client.renew_at == START + timedelta(seconds=3600) - TOKEN_MARGIN

    clock.advance(timedelta(seconds=3600) - TOKEN_MARGIN - timedelta(seconds=1))
    await client.async_devices()
    assert cloud.calls(TOKEN) == 1
    assert cloud.seen(DEVICES)[1].token == first

    clock.advance(timedelta(seconds=1))
    await client.async_devices()
    assert cloud.calls(TOKEN) == 2
    assert cloud.seen(DEVICES)[2].token != first
    assert client.tokens_fetched == 2


async def test_expires_in_ends_a_token_without_exp(
    cloud: Cloud, client: InstathingsClient, clock: Clock
) -> None:
    jwt = accepted(cloud, make_jwt(sub="no-exp"))
    cloud.reply(TOKEN, {"access_token": jwt, "expires_in": 300}, cloud.mint)

    await client.async_devices()
    assert client.renew_at == START + timedelta(seconds=300) - TOKEN_MARGIN

    clock.advance(timedelta(seconds=241))
    await client.async_devices()
    assert cloud.calls(TOKEN) == 2


async def test_the_earlier_of_exp_and_expires_in_counts(
    cloud: Cloud, client: InstathingsClient
) -> None:
    exp = int(START.timestamp()) + 600
    jwt = accepted(cloud, make_jwt(exp=exp))
    cloud.reply(TOKEN, {"access_token": jwt, "expires_in": 7200})

    await client.async_devices()

    assert client.renew_at == START + timedelta(seconds=600) - TOKEN_MARGIN


async def test_a_token_without_an_end_lives_until_refused(
    cloud: Cloud, client: InstathingsClient, clock: Clock
) -> None:
    jwt = accepted(cloud, make_jwt(sub="forever"))
    cloud.reply(TOKEN, {"access_token": jwt}, cloud.mint)

    await client.async_devices()
    clock.advance(timedelta(days=30))
    await client.async_devices()
    assert client.renew_at is None
    assert cloud.calls(TOKEN) == 1

    cloud.valid.discard(jwt)  # the cloud ends it
    await client.async_devices()
    assert cloud.calls(TOKEN) == 2
    assert cloud.keys()[-3:] == [DEVICES, TOKEN, DEVICES]


async def test_a_401_renews_the_token_once_and_sends_again(
    cloud: Cloud, client: InstathingsClient
) -> None:
    await client.async_devices()
    cloud.valid.clear()

    listing = await client.async_devices()

    assert len(listing.entries) == 5
    assert cloud.keys() == [TOKEN, DEVICES, DEVICES, TOKEN, DEVICES]
    assert cloud.seen(DEVICES)[2].token in cloud.valid


async def test_a_second_401_is_an_auth_error(
    cloud: Cloud, client: InstathingsClient
) -> None:
    cloud.reply(TOKEN, {"access_token": make_jwt(sub="refused")})

    with pytest.raises(AuthError, match="after a renewal"):
        await client.async_devices()

    assert cloud.keys() == [TOKEN, DEVICES, TOKEN, DEVICES]


async def test_concurrent_401s_renew_the_token_once(
    cloud: Cloud, client: InstathingsClient
) -> None:
    await client.async_devices()
    cloud.valid.clear()

    await asyncio.gather(*(client.async_types() for _ in range(3)))

    assert cloud.calls(TOKEN) == 2
    assert client.tokens_fetched == 2


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_wrong_credentials_are_an_auth_error(
    cloud: Cloud, account: InstathingsAccount, status: int
) -> None:
    cloud.reply(TOKEN, Reply({"message": "invalid client"}, status=status))

    with pytest.raises(AuthError):
        await account.async_identify()
    assert cloud.calls(DEVICES) == 0


@pytest.mark.parametrize("status", [404, 405])
async def test_on_premise_there_is_no_token(
    cloud: Cloud, account: InstathingsAccount, status: int
) -> None:
    cloud.reply(TOKEN, Reply({"message": "no"}, status=status))
    cloud.valid.add(None)  # a gateway asks for none

    inventory = await account.async_identify()
    await account.async_identify()

    assert len(inventory) == 5
    assert account.client.on_premise is True
    assert cloud.calls(TOKEN) == 1
    assert [seen.token for seen in cloud.seen(DEVICES)] == [None, None]
    # no projectId on the gateway's devices: the gateway is the account
    cloud.reply(DEVICES, [{"id": "x", "name": "x"}])
    other = InstathingsAccount(account.client)
    await other.async_identify()
    assert other.account_id == host_port(cloud.base_url)


async def test_on_premise_a_401_asks_for_a_token_again(
    cloud: Cloud, client: InstathingsClient
) -> None:
    cloud.reply(TOKEN, Reply(status=404), cloud.mint)

    await client.async_devices()  # no token: 401, then the endpoint hands one out

    assert client.on_premise is False
    assert cloud.keys() == [TOKEN, DEVICES, TOKEN, DEVICES]
    assert cloud.seen(DEVICES)[1].token in cloud.valid


async def test_on_premise_a_server_that_refuses_us(
    cloud: Cloud, client: InstathingsClient
) -> None:
    cloud.reply(TOKEN, Reply(status=405))

    with pytest.raises(AuthError):
        await client.async_devices()

    assert cloud.keys() == [TOKEN, DEVICES, TOKEN, DEVICES]
    assert client.on_premise


async def test_token_endpoint_errors(cloud: Cloud, client: InstathingsClient) -> None:
    cloud.reply(TOKEN, Reply(status=429, headers={"Retry-After": "30"}))
    with pytest.raises(RateLimitError) as throttled:
        await client.async_token()
    assert throttled.value.retry_after == 30
    assert client.gate.paused_until == START + timedelta(seconds=30)

    client.gate.paused_until = None
    for status in (500, 503):
        cloud.reply(TOKEN, Reply({"message": "down"}, status=status))
        with pytest.raises(CannotConnectError, match="down"):
            await client.async_token()
    cloud.reply(TOKEN, Reply(status=406))
    with pytest.raises(RequestRejectedError):
        await client.async_token()


# --- the listing's errors ----------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 405, 406])
async def test_a_listing_that_is_not_found_is_not_the_api(
    cloud: Cloud, account: InstathingsAccount, status: int
) -> None:
    cloud.reply(
        DEVICES, Reply("<html>Not here</html>", status=status, content_type="text/html")
    )

    with pytest.raises(NotAnApiError):
        await account.async_identify()


async def test_an_unknown_path_is_not_the_api(
    cloud: Cloud, account: InstathingsAccount
) -> None:
    del cloud.replies[DEVICES]  # the canned cloud's own 404

    with pytest.raises(NotAnApiError):
        await account.async_identify()


@pytest.mark.parametrize(
    "body", ["<!doctype html><html><body>Welcome</body></html>", {"message": "hi"}, 42]
)
async def test_a_listing_that_is_no_listing_is_not_the_api(
    cloud: Cloud, account: InstathingsAccount, body: Any
) -> None:
    cloud.reply(DEVICES, Reply(body, content_type="text/html"))

    with pytest.raises(NotAnApiError):
        await account.async_identify()


async def test_listing_errors(cloud: Cloud, client: InstathingsClient) -> None:
    cloud.reply(DEVICES, Reply({"message": "Forbidden"}, status=403))
    with pytest.raises(AuthError):
        await client.async_devices()

    cloud.reply(
        DEVICES,
        Reply({"message": "Slow down"}, status=429, headers={"Retry-After": "12"}),
    )
    with pytest.raises(RateLimitError, match="Slow down") as throttled:
        await client.async_devices()
    assert throttled.value.retry_after == 12
    # the gate holds every request back until then, without sending it
    sent = cloud.calls()
    with pytest.raises(RateLimitError):
        await client.async_devices()
    assert cloud.calls() == sent

    client.gate.paused_until = None
    cloud.reply(DEVICES, Reply(status=429))
    with pytest.raises(RateLimitError) as backoff:
        await client.async_devices()
    assert backoff.value.retry_after == THROTTLE_BACKOFF.total_seconds()
    assert client.gate.paused_until == START + THROTTLE_BACKOFF

    client.gate.paused_until = None
    for status in (500, 502, 503):
        cloud.reply(DEVICES, Reply("oops", status=status, content_type="text/plain"))
        with pytest.raises(CannotConnectError, match=f"HTTP {status}"):
            await client.async_devices()


async def test_a_timeout_is_cannot_connect(
    session: aiohttp.ClientSession, cloud: Cloud, clock: Clock
) -> None:
    client = InstathingsClient(
        session,
        cloud.base_url,
        CLIENT_ID,
        CLIENT_SECRET,
        now=clock,
        request_timeout=0.1,
    )
    cloud.reply(DEVICES, Reply([], delay=0.3))

    with pytest.raises(CannotConnectError, match="timeout"):
        await client.async_devices()


async def test_an_unreachable_url_is_cannot_connect(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = InstathingsClient(session, f"http://127.0.0.1:{port}", "a", "b")

    with pytest.raises(CannotConnectError):
        await InstathingsAccount(client).async_identify()


async def test_device_call_errors(cloud: Cloud, client: InstathingsClient) -> None:
    path = f"POST /device/v1/control/{LAMP}/set"
    for status, error in (
        (400, InvalidParameterError),
        (403, RequestRejectedError),
        (404, DeviceNotFoundError),
        (405, RequestRejectedError),
        (406, RequestRejectedError),
        (500, CannotConnectError),
        (503, CannotConnectError),
    ):
        cloud.reply(path, Reply({"message": f"no {status}"}, status=status))
        with pytest.raises(error, match=f"no {status}"):
            await client.async_control(LAMP, {"state": "ON"})

    cloud.reply(
        f"GET /device/v1/devices/{LAMP}", Reply("<html/>", content_type="text/html")
    )
    with pytest.raises(BadResponseError):
        await client.async_device(LAMP)


# --- the status request's ticket -------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "fetch"),
    [
        (
            Reply({}, status=202, headers={"Location": "/device/v1/control/r1/fetch"}),
            "/device/v1/control/r1/fetch",
        ),
        (
            Reply({}, status=202, headers={"Location": "../control/r2/fetch"}),
            "/control/r2/fetch",
        ),
        (Reply({"requestId": "r3"}, status=202), "/device/v1/control/r3/fetch"),
        (Reply({"id": "r4"}, status=202), "/device/v1/control/r4/fetch"),
        # an absolute URL elsewhere: polled on our own origin (the token stays here)
        (
            Reply(
                {},
                status=202,
                headers={
                    "Location": "https://evil.example/device/v1/control/r5/fetch?x=1"
                },
            ),
            "/device/v1/control/r5/fetch?x=1",
        ),
    ],
)
async def test_where_a_status_is_polled(
    cloud: Cloud, client: InstathingsClient, reply: Reply, fetch: str
) -> None:
    cloud.reply(f"POST /device/v1/control/{LAMP}/status", reply)

    ticket = await client.async_request_status(LAMP)

    assert ticket.url == f"{cloud.base_url}{fetch}"
    assert ticket.response is None


async def test_an_absolute_location_on_our_origin_is_kept(
    cloud: Cloud, client: InstathingsClient
) -> None:
    ticket = await client.async_request_status("9s9WdonY9")

    assert ticket.url == f"{cloud.base_url}/device/v1/control/req-plug/fetch"


async def test_a_status_answered_at_once(
    cloud: Cloud, client: InstathingsClient
) -> None:
    cloud.reply(
        f"POST /device/v1/control/{LAMP}/status", {"response": {"state": "OFF"}}
    )

    ticket = await client.async_request_status(LAMP)

    assert ticket.response == {"state": "OFF"}


async def test_a_status_response_that_is_none_yet(
    cloud: Cloud, client: InstathingsClient
) -> None:
    cloud.reply(
        f"POST /device/v1/control/{LAMP}/status",
        Reply({"response": "pending"}, status=202, headers={"Location": "/f/r7"}),
    )

    ticket = await client.async_request_status(LAMP)

    assert (ticket.url, ticket.response) == (f"{cloud.base_url}/f/r7", None)


async def test_a_device_in_an_envelope(cloud: Cloud, client: InstathingsClient) -> None:
    cloud.reply(
        f"GET /device/v1/devices/{LAMP}", {"data": {"id": LAMP, "name": "Lamp"}}
    )

    assert await client.async_device(LAMP) == {"id": LAMP, "name": "Lamp"}


async def test_a_status_request_without_a_ticket(
    cloud: Cloud, client: InstathingsClient
) -> None:
    cloud.reply(f"POST /device/v1/control/{LAMP}/status", Reply({}, status=202))

    with pytest.raises(BadResponseError):
        await client.async_request_status(LAMP)


async def test_fetching_a_status(cloud: Cloud, client: InstathingsClient) -> None:
    url = f"{cloud.base_url}/device/v1/control/r9/fetch"
    for pending in (
        Reply(status=202),
        Reply({"message": "not yet"}, status=404),
        Reply({"projectId": PROJECT, "deviceId": LAMP}),
        Reply({"response": None}),
        Reply("[1, 2]"),
    ):
        cloud.reply("GET /device/v1/control/r9/fetch", pending)
        assert await client.async_fetch_status(url) is None

    cloud.reply(
        "GET /device/v1/control/r9/fetch",
        {"response": {"type": "data", "message": {"data": {"state": "ON"}}}},
    )
    assert await client.async_fetch_status(url) == {"state": "ON"}

    cloud.reply("GET /device/v1/control/r9/fetch", Reply(status=500))
    with pytest.raises(CannotConnectError):
        await client.async_fetch_status(url)


# --- the pieces ----------------------------------------------------------------------------------


def test_jwt_expiry() -> None:
    assert jwt_expiry(make_jwt(exp=1_750_000_000)) is not None
    assert jwt_expiry(make_jwt(exp=1_750_000_000)).timestamp() == 1_750_000_000  # type: ignore[union-attr]
    assert jwt_expiry(make_jwt(sub="x")) is None
    assert jwt_expiry(make_jwt(exp="soon")) is None
    assert jwt_expiry(make_jwt(exp=1e20)) is None
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry("a.!!!.c") is None
    assert jwt_expiry("a.W10.c") is None  # the payload is a list


def test_parse_token_forgives_the_docs_trailing_comma() -> None:
    jwt = make_jwt(exp=int(START.timestamp()) + 60)
    token = parse_token(f'{{"access_token": "{jwt}",}}'.encode(), START)

    assert token.value == jwt
    assert token.expires_at == START + timedelta(seconds=60)
    with pytest.raises(NotAnApiError):
        parse_token(b"\xff\xfe", START)


def test_project_name_and_host_port() -> None:
    assert project_name("https://MyProject.instathings.io/") == "myproject"
    assert project_name("https://a.b.instathings.io") == "a"
    assert project_name("https://instathings.io") is None
    assert project_name("http://192.168.1.20:1234") is None
    assert host_port("http://192.168.1.20:1234") == "192.168.1.20:1234"
    assert host_port("https://gateway.local") == "gateway.local:443"
    assert host_port("http://gateway.local/") == "gateway.local:80"


async def test_the_account_is_named_by_its_url_until_it_lists(
    session: aiohttp.ClientSession,
) -> None:
    cloud_account = InstathingsAccount(
        InstathingsClient(session, "https://myproject.instathings.io", "a", "b")
    )
    gateway_account = InstathingsAccount(
        InstathingsClient(session, "http://10.0.0.5:1234/", "a", "b")
    )

    assert cloud_account.account_id == "myproject"
    assert cloud_account.project == "myproject"
    assert gateway_account.account_id == "10.0.0.5:1234"
    assert gateway_account.project is None
