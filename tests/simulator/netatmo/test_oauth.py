"""Tests of the Netatmo simulator's OAuth2: login page, codes, rotation, expiry."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import BasicAuth
import pytest
from yarl import URL

from simulator.core import start_server
from simulator.netatmo import SCOPES, NetatmoSimulator
from simulator.netatmo.oauth import OAuthError

from . import HOME, USER, Netatmo, error_of

CALLBACK = "https://my.home-assistant.io/redirect/oauth"
TOKEN_RE = re.compile(rf"{USER}\|[0-9a-f]{{32}}")


def authorize_query(sim: NetatmoSimulator, **changes: str | None) -> dict[str, str]:
    """A valid authorize query, with some parameters changed or (None) left out."""
    query: dict[str, str | None] = {
        "client_id": sim.client_id,
        "redirect_uri": CALLBACK,
        "scope": "read_camera write_camera read_station",
        "state": "st4te",
    }
    query.update(changes)
    return {key: value for key, value in query.items() if value is not None}


async def login(
    client: Netatmo,
    sim: NetatmoSimulator,
    action: str = "approve",
    **changes: str | None,
) -> URL:
    """Post the login form; return where it redirects."""
    reply = await client.request(
        "POST",
        "/oauth2/authorize",
        params=authorize_query(sim, **changes),
        data={"user": sim.email, "password": sim.password, "action": action},
    )
    assert reply.status == 302, reply.raw
    return URL(reply.headers["Location"])


async def token(client: Netatmo, **form: str) -> tuple[int, Any]:
    """POST /oauth2/token; (status, JSON answer)."""
    reply = await client.request("POST", "/oauth2/token", data=form, token=None)
    return reply.status, reply.body


async def trade_code(client: Netatmo, sim: NetatmoSimulator, code: str) -> Any:
    """Trade a code for tokens."""
    status, answer = await token(
        client,
        grant_type="authorization_code",
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        code=code,
        redirect_uri=CALLBACK,
    )
    assert status == 200, answer
    return answer


async def refresh(client: Netatmo, sim: NetatmoSimulator, refresh_token: str) -> Any:
    """Refresh; (status, JSON answer)."""
    return await token(
        client,
        grant_type="refresh_token",
        refresh_token=refresh_token,
        client_id=sim.client_id,
        client_secret=sim.client_secret,
    )


async def signed_in(client: Netatmo, sim: NetatmoSimulator) -> Any:
    """Log in and trade the code: the token answer."""
    code = (await login(client, sim)).query["code"]
    return await trade_code(client, sim, code)


# --- the login page -----------------------------------------------------------------


async def test_login_page_is_a_form_posting_back(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    reply = await client.request(
        "GET", "/oauth2/authorize", params=authorize_query(sim), token=None
    )
    assert reply.status == 200
    assert reply.content_type == "text/html"
    page = reply.raw.decode()
    assert '<form method="post" action="/oauth2/authorize?' in page
    assert f'name="user" value="{sim.email}"' in page
    assert f'name="password" value="{sim.password}"' in page
    assert 'name="action" value="approve"' in page
    assert 'name="action" value="deny"' in page
    assert "read_station" in page
    assert sim.app_name in page


async def test_approve_redirects_with_code_and_state(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    location = await login(client, sim, redirect_uri=f"{CALLBACK}?flow=1")
    assert str(location.with_query(None)) == CALLBACK
    assert location.query["flow"] == "1"
    assert location.query["state"] == "st4te"
    assert re.fullmatch(r"[0-9a-f]{32}", location.query["code"])


async def test_deny_redirects_with_access_denied(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    location = await login(client, sim, action="deny")
    assert dict(location.query) == {"error": "access_denied", "state": "st4te"}


async def test_wrong_password_shows_the_page_again(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    reply = await client.request(
        "POST",
        "/oauth2/authorize",
        params=authorize_query(sim),
        data={"user": sim.email, "password": "nope", "action": "approve"},
    )
    assert reply.status == 401
    assert "Wrong email or password" in reply.raw.decode()
    assert sim.oauth.codes == {}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"client_id": "someone-else"}, "Invalid client_id"),
        ({"redirect_uri": None}, "Invalid redirect_uri"),
        ({"redirect_uri": "ftp://x/y"}, "Invalid redirect_uri"),
        ({"state": None}, "state is required"),
        ({"response_type": "token"}, "Unsupported response_type"),
        ({"scope": "read_camera fly_drone"}, "Unknown scope: fly_drone"),
    ],
)
async def test_bad_authorize_requests_are_400_pages(
    client: Netatmo,
    sim: NetatmoSimulator,
    changes: dict[str, str | None],
    problem: str,
) -> None:
    for method in ("GET", "POST"):
        reply = await client.request(
            method,
            "/oauth2/authorize",
            params=authorize_query(sim, **changes),
            data={"action": "approve"},
            token=None,
        )
        assert reply.status == 400
        assert reply.content_type == "text/html"
        assert problem in reply.raw.decode()


async def test_the_configured_callback_is_used_without_redirect_uri(
    client: Netatmo,
) -> None:
    sim = NetatmoSimulator(redirect_uri="https://app.example/cb")
    running = await start_server(sim)
    try:
        other = Netatmo(client.session, running.url)
        location = await login(other, sim, redirect_uri=None)
        assert str(location.with_query(None)) == "https://app.example/cb"
        assert "code" in location.query
    finally:
        await running.close()


# --- codes and tokens ----------------------------------------------------------------


async def test_code_for_tokens(client: Netatmo, sim: NetatmoSimulator) -> None:
    answer = await signed_in(client, sim)
    assert set(answer) == {
        "access_token",
        "refresh_token",
        "expires_in",
        "expire_in",
        "scope",
    }
    assert TOKEN_RE.fullmatch(answer["access_token"])
    assert TOKEN_RE.fullmatch(answer["refresh_token"])
    assert answer["access_token"] != answer["refresh_token"]
    assert answer["expires_in"] == answer["expire_in"] == 10800
    assert answer["scope"] == ["read_camera", "write_camera", "read_station"]
    assert sim.grants == {"direct": 1, "authorization_code": 1}  # direct: the fixture's
    client.token = answer["access_token"]
    assert (await client.get("homesdata")).status == 200


async def test_all_scopes_when_none_is_asked(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    code = (await login(client, sim, scope=None)).query["code"]
    assert (await trade_code(client, sim, code))["scope"] == list(SCOPES)


async def test_a_code_works_once(client: Netatmo, sim: NetatmoSimulator) -> None:
    code = (await login(client, sim)).query["code"]
    await trade_code(client, sim, code)
    status, answer = await token(
        client,
        grant_type="authorization_code",
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        code=code,
    )
    assert (status, answer) == (400, {"error": "invalid_grant"})
    assert sim.grant_errors == {"invalid_grant": 1}


async def test_a_code_expires_after_ten_minutes(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    code = (await login(client, sim)).query["code"]
    sim.clock.advance(601)
    status, answer = await token(
        client,
        grant_type="authorization_code",
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        code=code,
    )
    assert (status, answer["error"]) == (400, "invalid_grant")


async def test_a_code_needs_its_redirect_uri(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    code = (await login(client, sim)).query["code"]
    status, answer = await token(
        client,
        grant_type="authorization_code",
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        code=code,
        redirect_uri="https://elsewhere.example/cb",
    )
    assert (status, answer["error"]) == (400, "invalid_grant")
    assert (await trade_code(client, sim, code))["access_token"]


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "wrong"}, "invalid_client"),
        ({"client_secret": None}, "invalid_client"),
        ({"grant_type": None}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"refresh_token": "5c81|nope"}, "invalid_grant"),
    ],
)
async def test_token_errors(
    client: Netatmo,
    sim: NetatmoSimulator,
    form: dict[str, str | None],
    error: str,
) -> None:
    answer = await signed_in(client, sim)
    sent: dict[str, str | None] = {
        "grant_type": "refresh_token",
        "refresh_token": answer["refresh_token"],
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
    } | form
    status, body = await token(
        client, **{key: value for key, value in sent.items() if value is not None}
    )
    assert status == 400
    assert body["error"] == error
    assert sim.grant_errors[error] == 1


async def test_client_credentials_in_basic_auth(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    answer = await signed_in(client, sim)
    basic = BasicAuth(sim.client_id, sim.client_secret).encode()
    reply = await client.request(
        "POST",
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]},
        token=None,
        headers={"Authorization": basic},
    )
    assert reply.status == 200
    assert reply.body["refresh_token"] != answer["refresh_token"]


async def test_malformed_basic_auth_is_no_client(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    reply = await client.request(
        "POST",
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        token=None,
        headers={"Authorization": "Basic !!!not-base64"},
    )
    assert (reply.status, reply.body) == (400, {"error": "invalid_client"})


async def test_configurable_client_credentials(client: Netatmo) -> None:
    sim = NetatmoSimulator("my-app", "my-secret")
    assert (sim.client_id, sim.client_secret) == ("my-app", "my-secret")
    sim.client_secret = "rotated-secret"
    sim.client_id = "renamed-app"
    assert (sim.oauth.client_id, sim.oauth.client_secret) == (
        "renamed-app",
        "rotated-secret",
    )
    assert sim.token_lifetime == 10800


# --- refresh rotation ------------------------------------------------------------------


async def test_refresh_rotates(client: Netatmo, sim: NetatmoSimulator) -> None:
    first = await signed_in(client, sim)
    status, second = await refresh(client, sim, first["refresh_token"])
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"]
    # the old refresh token is dead; the new one works, once
    assert await refresh(client, sim, first["refresh_token"]) == (
        400,
        {"error": "invalid_grant"},
    )
    status, third = await refresh(client, sim, second["refresh_token"])
    assert status == 200
    assert sim.grants == {"direct": 1, "authorization_code": 1, "refresh_token": 2}
    assert [
        (grant.grant_type, grant.used_refresh_token) for grant in sim.oauth.log[1:]
    ] == [
        ("authorization_code", None),
        ("refresh_token", first["refresh_token"]),
        ("refresh_token", second["refresh_token"]),
    ]
    live = sim.oauth.live_refresh_tokens
    assert third["refresh_token"] in live
    assert first["refresh_token"] not in live
    assert second["refresh_token"] not in live
    # an access token handed out before a refresh lives on until it expires
    client.token = first["access_token"]
    assert (await client.get("homesdata")).status == 200


async def test_revoke_refresh(client: Netatmo, sim: NetatmoSimulator) -> None:
    first = await signed_in(client, sim)
    sim.revoke_refresh()
    assert await refresh(client, sim, first["refresh_token"]) == (
        400,
        {"error": "invalid_grant"},
    )
    # signing in again hands out a working pair
    again = await signed_in(client, sim)
    assert (await refresh(client, sim, again["refresh_token"]))[0] == 200


async def test_doc_token_shape_adds_restricted_tokens(
    client: Netatmo, sim: NetatmoSimulator
) -> None:
    sim.set_shapes(token="doc")
    answer = await signed_in(client, sim)
    assert TOKEN_RE.fullmatch(answer["restricted_access_token"])
    assert TOKEN_RE.fullmatch(answer["restricted_refresh_token"])
    client.token = answer["restricted_access_token"]
    assert error_of(await client.get("homesdata")) == (403, 2)


# --- using access tokens ------------------------------------------------------------------


async def test_expiry(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.token_lifetime = 60
    answer = await signed_in(client, sim)
    assert answer["expires_in"] == 60
    client.token = answer["access_token"]
    sim.clock.advance(59)
    assert (await client.get("homesdata")).status == 200
    sim.clock.advance(1)
    assert error_of(await client.get("homesdata")) == (403, 3)
    status, renewed = await refresh(client, sim, answer["refresh_token"])
    assert status == 200
    client.token = renewed["access_token"]
    assert (await client.get("homesdata")).status == 200


async def test_expire_tokens_now(client: Netatmo, sim: NetatmoSimulator) -> None:
    assert (await client.get("homesdata")).status == 200
    sim.expire_tokens()
    assert error_of(await client.get("homesdata")) == (403, 3)
    assert error_of(await client.get("homestatus", home_id=HOME)) == (403, 3)
    client.token = sim.issue_token()["access_token"]
    assert (await client.get("homesdata")).status == 200


async def test_revoke_tokens(client: Netatmo, sim: NetatmoSimulator) -> None:
    sim.revoke_tokens()
    assert error_of(await client.get("homesdata")) == (403, 2)


@pytest.mark.parametrize("token", [None, "", f"{USER}|deadbeef"])
async def test_missing_or_unknown_token_is_code_2(
    client: Netatmo, token: str | None
) -> None:
    reply = await client.request("GET", "/api/homesdata", token=token)
    assert error_of(reply) == (403, 2)
    assert reply.body["error"]["message"] == "Invalid access token"


async def test_access_token_as_a_parameter(client: Netatmo) -> None:
    token = client.token
    assert token is not None
    by_query = await client.request(
        "GET", "/api/homesdata", params={"access_token": token}, token=None
    )
    assert by_query.status == 200
    by_form = await client.request(
        "POST",
        "/api/homestatus",
        data={"access_token": token, "home_id": HOME},
        token=None,
    )
    assert by_form.status == 200
    assert by_form.body["body"]["home"]["id"] == HOME


@pytest.mark.parametrize(
    ("scopes", "endpoint", "params"),
    [
        (["read_station"], "homestatus", {"home_id": HOME}),
        (["read_station"], "getevents", {"home_id": HOME}),
        (["read_camera"], "getstationsdata", {}),
        (["read_station"], "gethomecoachsdata", {}),
        (["read_station"], "getscenarios", {"home_id": HOME}),
        (["read_homecoach"], "addwebhook", {"url": "https://x.example/hook"}),
    ],
)
async def test_wrong_scope_is_code_13(
    client: Netatmo,
    sim: NetatmoSimulator,
    scopes: list[str],
    endpoint: str,
    params: dict[str, str],
) -> None:
    client.token = sim.issue_token(scopes)["access_token"]
    reply = await client.get(endpoint, **params)
    assert error_of(reply) == (403, 13)
    assert reply.body["error"]["message"] == (
        "Application does not have the good scope rights"
    )
    # homesdata takes any scope
    assert (await client.get("homesdata")).status == 200


async def test_issue_token_checks_scopes(sim: NetatmoSimulator) -> None:
    assert sim.issue_token(["read_camera"])["scope"] == ["read_camera"]
    assert sim.grants == {"direct": 1}  # no client fixture here
    with pytest.raises(OAuthError):
        sim.issue_token(["read_everything"])
