"""The Netatmo client: bearer tokens, the envelope, the errors and the self-limit.

Against a canned cloud (no Home Assistant): the real envelope and the doc's
body-less one, every error code the API documents (the token ended early
is refreshed once and the call made again), throttling with and without
Retry-After, answers that are no answers, and the camera calls that do not
count against the API's limit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    DeviceNotFoundError,
    InvalidParameterError,
    RateLimitError,
    RequestRejectedError,
)
from custom_components.petsmart_hub.vendors.netatmo import (
    HOURLY_CAP,
    MAX_IMAGE_BYTES,
    THROTTLE_BACKOFF,
    CallLimit,
    NetatmoClient,
    unwrap,
)

from .conftest import HOME, USER, Clock, Cloud, Reply, Tokens, error, homesdata, ok


async def test_a_call_carries_the_bearer_token(
    client: NetatmoClient, cloud: Cloud, tokens: Tokens
) -> None:
    topology = await client.homesdata()

    assert [home.id for home in topology.homes] == [HOME]
    (seen,) = cloud.requests
    assert (seen.method, seen.endpoint, seen.token) == (
        "GET",
        "homesdata",
        tokens.current,
    )
    assert tokens.refreshes == 0


async def test_the_calls_and_their_parameters(
    client: NetatmoClient, cloud: Cloud
) -> None:
    await client.homestatus(HOME)
    await client.getevents(HOME, 10)
    await client.getscenarios(HOME)
    await client.getstationsdata()
    await client.gethomecoachsdata()
    await client.setstate({"home": {"id": HOME, "modules": []}})
    await client.addwebhook("https://example.com/hook")
    await client.dropwebhook()

    calls = [(s.method, s.endpoint, s.query, s.json) for s in cloud.requests]
    assert calls == [
        ("GET", "homestatus", {"home_id": HOME}, None),
        ("GET", "getevents", {"home_id": HOME, "size": "10"}, None),
        ("GET", "getscenarios", {"home_id": HOME}, None),
        ("GET", "getstationsdata", {"get_favorites": "false"}, None),
        ("GET", "gethomecoachsdata", {}, None),
        ("POST", "setstate", {}, {"home": {"id": HOME, "modules": []}}),
        (
            "POST",
            "addwebhook",
            {"url": "https://example.com/hook", "app_types": "app_security"},
            None,
        ),
        ("POST", "dropwebhook", {"app_types": "app_security"}, None),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        ok(homesdata()),  # the real envelope
        {"status": "ok", **homesdata()},  # the doc: the content beside the status
        homesdata(),  # the doc: the content alone
    ],
)
async def test_every_envelope(client: NetatmoClient, cloud: Cloud, answer: Any) -> None:
    cloud.reply("homesdata", answer)

    topology = await client.homesdata()

    assert topology.user_id == USER
    assert [home.id for home in topology.homes] == [HOME]


def test_unwrap() -> None:
    assert unwrap({"body": {"a": 1}, "status": "ok"}) == {"a": 1}
    assert unwrap({"status": "ok", "time_server": 1, "home": {"id": "x"}}) == {
        "home": {"id": "x"}
    }
    # the doc's odd homestatus, whose "status" is an object, keeps it
    assert unwrap({"status": {"devices": []}}) == {"status": {"devices": []}}
    assert unwrap([{"beg_time": 1}]) == [{"beg_time": 1}]
    with pytest.raises(BadResponseError):
        unwrap({"status": "failed", "body": {}})
    with pytest.raises(BadResponseError):
        unwrap("a string")


@pytest.mark.parametrize("code", [2, 3])
async def test_a_token_ended_early_is_refreshed_once(
    client: NetatmoClient, cloud: Cloud, tokens: Tokens, code: int
) -> None:
    cloud.reply(
        "homesdata",
        Reply(error(code, "Access token expired"), status=403),
        ok(homesdata()),
    )

    topology = await client.homesdata()

    assert topology.user_id == USER
    assert tokens.refreshes == 1
    first, second = cloud.requests
    assert first.token != second.token == tokens.current


async def test_a_token_refused_after_the_refresh_is_an_auth_error(
    client: NetatmoClient, cloud: Cloud, tokens: Tokens
) -> None:
    cloud.reply("homesdata", Reply(error(2, "Invalid access token"), status=403))

    with pytest.raises(AuthError, match="after a refresh"):
        await client.homesdata()

    assert tokens.refreshes == 1  # once, not in a loop
    assert cloud.calls("homesdata") == 2


async def test_a_401_without_a_code_is_a_token_problem_too(
    client: NetatmoClient, cloud: Cloud, tokens: Tokens
) -> None:
    cloud.reply(
        "homesdata", Reply("Unauthorized", status=401, content_type="text/plain")
    )

    with pytest.raises(AuthError):
        await client.homesdata()

    assert tokens.refreshes == 1


async def test_the_cloud_ending_our_token_by_name(
    client: NetatmoClient, cloud: Cloud, tokens: Tokens
) -> None:
    cloud.ended.add(tokens.current)

    await client.homestatus(HOME)

    assert [s.token for s in cloud.requests] == [
        f"{USER}|token0",
        f"{USER}|token1",
    ]


async def test_a_refused_refresh_token_is_an_auth_error(
    client: NetatmoClient, cloud: Cloud, tokens: Tokens
) -> None:
    async def refused(*, refresh: bool = False) -> str:
        if refresh:
            raise AuthError("the OAuth2 refresh token was refused")
        return "old"

    client._token = refused
    cloud.reply("homesdata", Reply(error(3), status=403))

    with pytest.raises(AuthError, match="refresh token"):
        await client.homesdata()


@pytest.mark.parametrize(
    ("reply", "raised"),
    [
        (Reply(error(13, "bad scope"), status=403), AuthError),
        (Reply(error(9, "Device not found"), status=404), DeviceNotFoundError),
        (Reply(error(9, "Device not found"), status=400), DeviceNotFoundError),
        (Reply(error(21, "Invalid argument"), status=400), InvalidParameterError),
        (Reply(error(1, "Unknown error"), status=500), CannotConnectError),
        (
            Reply("<html>503</html>", status=503, content_type="text/html"),
            CannotConnectError,
        ),
        (Reply(error(10, "Missing args"), status=400), RequestRejectedError),
        (Reply(None, status=404), RequestRejectedError),
        (Reply(error(99), status=403), AuthError),
        # an error envelope with HTTP 200
        (Reply(error(21, "Invalid argument")), InvalidParameterError),
        # garbage
        (Reply("not json", content_type="text/plain"), BadResponseError),
        (Reply(b"\xff\xfe", content_type="application/json"), BadResponseError),
        (Reply(None), BadResponseError),
        (Reply({"status": "failed"}), BadResponseError),
        (Reply({"body": {"nothing": []}, "status": "ok"}), BadResponseError),
    ],
)
async def test_error_codes(
    client: NetatmoClient, cloud: Cloud, reply: Reply, raised: type[Exception]
) -> None:
    cloud.reply("homesdata", reply)

    with pytest.raises(raised):
        await client.homesdata()


async def test_usage_reached_with_retry_after(
    client: NetatmoClient, cloud: Cloud
) -> None:
    cloud.reply(
        "homesdata",
        Reply(
            error(26, "User usage reached"), status=403, headers={"Retry-After": "120"}
        ),
    )

    with pytest.raises(RateLimitError) as caught:
        await client.homesdata()

    assert caught.value.retry_after == 120
    # every call waits until then, without reaching the cloud
    with pytest.raises(RateLimitError):
        await client.homestatus(HOME)
    assert cloud.calls() == 1


async def test_usage_reached_without_retry_after_backs_off(
    client: NetatmoClient, cloud: Cloud
) -> None:
    cloud.reply("homesdata", Reply(error(26, "User usage reached"), status=403))

    with pytest.raises(RateLimitError) as caught:
        await client.homesdata()

    assert caught.value.retry_after == THROTTLE_BACKOFF.total_seconds()
    assert client.gate.paused_until is not None


@pytest.mark.parametrize(
    ("headers", "wait"),
    [({"Retry-After": "30"}, 30), ({}, THROTTLE_BACKOFF.total_seconds())],
)
async def test_http_429(
    client: NetatmoClient, cloud: Cloud, headers: dict[str, str], wait: float
) -> None:
    cloud.reply("homestatus", Reply("Too Many Requests", status=429, headers=headers))

    with pytest.raises(RateLimitError) as caught:
        await client.homestatus(HOME)

    assert caught.value.retry_after == pytest.approx(wait, abs=1)
    assert client.gate.paused_until is not None


async def test_a_timeout_is_cannot_connect(
    session: aiohttp.ClientSession, cloud: Cloud, tokens: Tokens
) -> None:
    client = NetatmoClient(session, tokens, cloud.base_url, request_timeout=0.2)
    cloud.reply("homesdata", Reply(ok(homesdata()), delay=2))

    with pytest.raises(CannotConnectError, match="timeout"):
        await client.homesdata()


async def test_an_unreachable_cloud_is_cannot_connect(
    session: aiohttp.ClientSession, tokens: Tokens, socket_enabled: None
) -> None:
    client = NetatmoClient(session, tokens, "http://127.0.0.1:9")

    with pytest.raises(CannotConnectError):
        await client.homesdata()


async def test_setstate_errors(client: NetatmoClient, cloud: Cloud) -> None:
    payload = {"home": {"id": HOME, "modules": [{"id": "cam", "monitoring": "on"}]}}
    # pyatmo's fixture: the camera already was on (code 23) is no failure
    already = {
        "home": {"id": HOME},
        "errors": [{"code": 23, "message": "Already on", "id": "cam"}],
    }
    cloud.reply("setstate", ok(already))
    await client.setstate(payload)

    for code, raised in (
        (21, InvalidParameterError),
        (9, DeviceNotFoundError),
        (6, RequestRejectedError),
    ):
        cloud.reply("setstate", ok({"errors": [{"code": code, "id": "cam"}]}))
        with pytest.raises(raised):
            await client.setstate(payload)


async def test_the_self_limit_holds_every_call_back(
    client: NetatmoClient, cloud: Cloud
) -> None:
    clock = Clock()
    client.gate.clock = clock
    for _ in range(HOURLY_CAP):
        client.gate.admit("a call")
    clock.advance(timedelta(minutes=10))

    with pytest.raises(RateLimitError) as caught:
        await client.homestatus(HOME)

    assert caught.value.retry_after == timedelta(minutes=50).total_seconds()
    assert cloud.calls() == 0


def test_call_limit_room_and_when_it_frees() -> None:
    clock = Clock()
    limit = CallLimit(cap=5, window=timedelta(hours=1), now=clock)
    for _ in range(4):
        limit.admit("call")
        clock.advance(timedelta(minutes=1))

    assert limit.room() == 1
    assert limit.room(keep=2) == -1
    assert limit.frees_at() == clock()  # room now
    # keeping 2: two of the four must leave the window first
    assert limit.frees_at(keep=2) == clock() - timedelta(minutes=3) + timedelta(hours=1)
    limit.admit("call")
    assert limit.frees_at() == clock() - timedelta(minutes=4) + timedelta(hours=1)


async def test_a_camera_ping_is_no_api_call(
    client: NetatmoClient, cloud: Cloud
) -> None:
    cloud.reply(
        "vpn/indoor/command/ping",
        {"local_url": "http://192.168.1.5/abc/", "product_name": "Smart Indoor Camera"},
    )

    local = await client.camera_ping(f"{cloud.base_url}/vpn/indoor")

    assert local == "http://192.168.1.5/abc"
    assert client.gate.in_window() == 0
    assert client.camera_gate.in_window() == 1
    assert cloud.requests[0].token is None  # no token to a camera


@pytest.mark.parametrize(
    ("reply", "raised"),
    [
        (Reply({"product_name": "x"}), BadResponseError),
        (Reply("<html/>", content_type="text/html"), BadResponseError),
        (Reply(None, status=404), CannotConnectError),
        (Reply({"local_url": "http://x"}, delay=1), CannotConnectError),
    ],
)
async def test_a_camera_that_does_not_answer(
    client: NetatmoClient, cloud: Cloud, reply: Reply, raised: type[Exception]
) -> None:
    cloud.reply("local/indoor/command/ping", reply)

    with pytest.raises(raised):
        await client.camera_ping(f"{cloud.base_url}/local/indoor", local=True)


async def test_an_image_elsewhere_is_fetched_without_the_token(
    client: NetatmoClient, cloud: Cloud
) -> None:
    cloud.reply(
        "vpn/indoor/live/snapshot_720.jpg",
        Reply(b"\xff\xd8jpeg", content_type="image/jpeg"),
    )

    image = await client.image(f"{cloud.base_url}/vpn/indoor/live/snapshot_720.jpg")

    assert image == b"\xff\xd8jpeg"
    assert cloud.requests[0].token is None
    assert client.gate.in_window() == 0


async def test_an_api_picture_is_an_api_call_with_the_token(
    client: NetatmoClient, cloud: Cloud, tokens: Tokens
) -> None:
    cloud.reply(
        "getcamerapicture",
        Reply(error(3), status=403),
        Reply(b"\xff\xd8api", content_type="image/jpeg"),
    )

    image = await client.image(f"{client.api_url}/getcamerapicture?image_id=i&key=k")

    assert image == b"\xff\xd8api"
    assert [s.token for s in cloud.requests] == [f"{USER}|token0", f"{USER}|token1"]
    assert cloud.requests[1].query == {"image_id": "i", "key": "k"}
    assert client.gate.in_window() == 2


async def test_an_api_picture_refused(client: NetatmoClient, cloud: Cloud) -> None:
    cloud.reply("getcamerapicture", Reply(error(3), status=403))
    with pytest.raises(AuthError):
        await client.image(f"{client.api_url}/getcamerapicture?image_id=i&key=k")

    cloud.reply("getcamerapicture", Reply(error(9), status=404))
    with pytest.raises(DeviceNotFoundError):
        await client.image(f"{client.api_url}/getcamerapicture?image_id=i&key=k")


@pytest.mark.parametrize(
    ("reply", "raised"),
    [
        (
            Reply(b"x" * (MAX_IMAGE_BYTES + 1), content_type="image/jpeg"),
            BadResponseError,
        ),
        (Reply(b"", content_type="image/jpeg"), BadResponseError),
        (Reply(None, status=403), RequestRejectedError),
        (Reply(None, status=502), CannotConnectError),
    ],
)
async def test_an_image_that_cannot_be_had(
    client: NetatmoClient, cloud: Cloud, reply: Reply, raised: type[Exception]
) -> None:
    cloud.reply("pictures/1.jpg", reply)

    with pytest.raises(raised):
        await client.image(f"{cloud.base_url}/pictures/1.jpg")
