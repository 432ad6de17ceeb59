"""Tests of the Instathings simulator's authentication: tokens, JWTs, modes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import jwt
import pytest

from simulator.instathings import InstathingsSimulator
from simulator.instathings.auth import b64url, decode_jwt, encode_jwt

from . import LAMP, PROJECT, T0, Insta

STAMP = int(T0.timestamp())


def claims(sim: InstathingsSimulator, token: str) -> dict[str, Any]:
    """A token's payload, checked by PyJWT against the simulator's key."""
    payload: dict[str, Any] = jwt.decode(
        token,
        sim.signing_secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    return payload


async def test_token_doc_shape(client: Insta, sim: InstathingsSimulator) -> None:
    reply = await client.sign_in(sim.client_id, sim.client_secret)
    assert reply.status == 200
    assert reply.content_type == "application/json"
    assert set(reply.body) == {"access_token"}
    token = reply.body["access_token"]
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    payload = claims(sim, token)
    assert payload["sub"] == sim.client_id
    assert payload["projectId"] == PROJECT
    assert payload["iat"] == pytest.approx(STAMP, abs=5)
    assert payload["exp"] == payload["iat"] + 3600
    assert sim.auth.grants == 1
    # The token works.
    client.token = token
    assert (await client.get("/device/v1/devices")).status == 200


@pytest.mark.parametrize("key", ["access_token", "accessToken", "token"])
async def test_token_key_and_expires_in(
    client: Insta, sim: InstathingsSimulator, key: str
) -> None:
    sim.set_shapes(token=key, expires_in=True)
    sim.token_ttl = 600
    body = (await client.sign_in(sim.client_id, sim.client_secret)).body
    assert set(body) == {key, "expires_in"}
    assert body["expires_in"] == 600
    payload = claims(sim, body[key])
    assert payload["exp"] - payload["iat"] == 600


async def test_token_without_exp(client: Insta, sim: InstathingsSimulator) -> None:
    sim.set_shapes(jwt_exp=False)
    token = (await client.sign_in(sim.client_id, sim.client_secret)).body[
        "access_token"
    ]
    assert "exp" not in claims(sim, token)
    client.token = token
    assert (await client.get("/device/v1/types")).status == 200
    # The server still ends it after token_ttl.
    sim.clock.advance(3601)
    reply = await client.get("/device/v1/types")
    assert reply.status == 401
    assert reply.body["message"] == "Token expired"


TOKEN_REFUSED = [
    ({"clientId": "sim-instathings-client-id", "clientSecret": "wrong"}, 401),
    ({"clientId": "wrong", "clientSecret": "sim-instathings-client-secret"}, 401),
    ({"clientId": "sim-instathings-client-id"}, 400),
    ({"client_id": "x", "client_secret": "y"}, 400),
    (None, 400),
]


async def test_token_refused(client: Insta, sim: InstathingsSimulator) -> None:
    for body, status in TOKEN_REFUSED:
        reply = await client.request(
            "POST", "/authentication/v1/oauth/token", json=body, token=None
        )
        assert reply.status == status, body
        assert reply.body["statusCode"] == status
        assert set(reply.body) == {"statusCode", "error", "message"}
    assert sim.auth.refusals == {401: 2, 400: 3}
    assert sim.auth.grants == 0


@pytest.mark.parametrize("status", [400, 403])
async def test_bad_credentials_status(
    client: Insta, sim: InstathingsSimulator, status: int
) -> None:
    sim.set_shapes(bad_credentials=status)
    reply = await client.sign_in(sim.client_id, "wrong")
    assert (reply.status, reply.body["statusCode"]) == (status, status)
    # Missing credentials stay a 400.
    reply = await client.request(
        "POST", "/authentication/v1/oauth/token", json={}, token=None
    )
    assert reply.status == 400


async def test_token_wrong_method(client: Insta) -> None:
    reply = await client.get("/authentication/v1/oauth/token")
    assert reply.status == 405
    assert reply.headers["Allow"] == "POST"
    assert reply.body["error"] == "Method Not Allowed"


async def test_bearer_required(client: Insta) -> None:
    for path in (
        "/device/v1/devices",
        f"/device/v1/devices/{LAMP}",
        f"/device/v1/devices/{LAMP}/data",
        "/device/v1/types",
        "/device/v1/protocols/vRy6GTde",
    ):
        reply = await client.request("GET", path, token=None)
        assert reply.status == 401, path
        assert reply.headers["WWW-Authenticate"] == "Bearer"
        assert reply.body == {
            "statusCode": 401,
            "error": "Unauthorized",
            "message": "Missing authentication token",
        }


async def test_bad_tokens(client: Insta, sim: InstathingsSimulator) -> None:
    forged = encode_jwt({"projectId": PROJECT, "sub": "x"}, "another key")
    for token, message in [
        ("not.a.jwt", "Invalid token"),
        ("garbage", "Invalid token"),
        (forged, "Invalid token"),
    ]:
        reply = await client.request("GET", "/device/v1/devices", token=token)
        assert (reply.status, reply.body["message"]) == (401, message)
    # Another project's genuine token: 403.
    other = encode_jwt({"projectId": "OTHER123"}, sim.signing_secret)
    assert (
        await client.request("GET", "/device/v1/devices", token=other)
    ).status == 403
    # A token signed by the simulator but never handed out: its exp decides.
    own = encode_jwt({"projectId": PROJECT, "exp": STAMP + 10}, sim.signing_secret)
    assert (await client.request("GET", "/device/v1/devices", token=own)).status == 200
    sim.clock.advance(11)
    assert (await client.request("GET", "/device/v1/devices", token=own)).status == 401


async def test_expiry_by_clock(client: Insta, sim: InstathingsSimulator) -> None:
    sim.clock.advance(3599)
    assert (await client.get("/device/v1/devices")).status == 200
    sim.clock.advance(1)
    reply = await client.get("/device/v1/devices")
    assert (reply.status, reply.body["message"]) == (401, "Token expired")


async def test_expire_and_revoke(client: Insta, sim: InstathingsSimulator) -> None:
    sim.expire_tokens()
    assert (await client.get("/device/v1/devices")).status == 401
    client.token = sim.issue_token()
    assert (await client.get("/device/v1/devices")).status == 200
    sim.revoke_tokens()
    reply = await client.get("/device/v1/devices")
    assert (reply.status, reply.body["message"]) == (401, "Token revoked")


async def test_clock_set_keeps_tokens_alive(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.clock.set(T0.replace(year=2025))
    assert (await client.get("/device/v1/devices")).status == 200


def test_token_ttl_must_be_positive(sim: InstathingsSimulator) -> None:
    with pytest.raises(ValueError, match="positive"):
        sim.token_ttl = 0
    with pytest.raises(ValueError, match="positive"):
        InstathingsSimulator(token_ttl=-1)


def test_jwt_round_trip() -> None:
    token = encode_jwt({"a": 1}, "key")
    assert decode_jwt(token, "key") == {"a": 1}
    assert decode_jwt(token, "other") is None
    header, body, _ = token.split(".")
    assert decode_jwt(f"{header}.{body}.!!!", "key") is None
    # A right signature over a header naming another algorithm is refused.
    other = b64url(b'{"alg":"none"}')
    signature = hmac.new(b"key", f"{other}.{body}".encode(), hashlib.sha256)
    assert decode_jwt(f"{other}.{body}.{b64url(signature.digest())}", "key") is None


async def test_accept_header(client: Insta) -> None:
    reply = await client.request(
        "GET", "/device/v1/devices", headers={"Accept": "text/html"}
    )
    assert reply.status == 406
    assert reply.body["error"] == "Not Acceptable"
    for accept in ("application/json", "*/*", "text/html, application/*;q=0.8"):
        reply = await client.request(
            "GET", "/device/v1/devices", headers={"Accept": accept}
        )
        assert reply.status == 200, accept


# --- on premise ----------------------------------------------------------------------


@pytest.mark.parametrize("options", [{"on_premise": True}])
async def test_on_premise_has_no_token(
    client: Insta, sim: InstathingsSimulator
) -> None:
    reply = await client.sign_in(sim.client_id, sim.client_secret)
    assert reply.status == 404
    assert reply.body["statusCode"] == 404
    # Everything else answers without a token.
    assert client.token is None
    assert (await client.get("/device/v1/devices")).status == 200
    assert (await client.get(f"/device/v1/devices/{LAMP}/data")).status == 200
    # A stray bearer is ignored.
    reply = await client.request("GET", "/device/v1/types", token="whatever")
    assert reply.status == 200
    sim.set_shapes(on_premise_token=405)
    reply = await client.sign_in(sim.client_id, sim.client_secret)
    assert (reply.status, reply.body["error"]) == (405, "Method Not Allowed")


async def test_mode_can_switch_at_runtime(
    client: Insta, sim: InstathingsSimulator
) -> None:
    sim.on_premise = True
    assert (await client.sign_in(sim.client_id, sim.client_secret)).status == 404
    assert (await client.request("GET", "/device/v1/devices", token=None)).status == 200
    sim.on_premise = False
    assert (await client.request("GET", "/device/v1/devices", token=None)).status == 401
