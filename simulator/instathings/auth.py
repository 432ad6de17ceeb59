"""Instathings authentication: client credentials traded for an HS256 JWT.

POST /authentication/v1/oauth/token with {"clientId", "clientSecret"} answers
{"access_token": <JWT>} (the key, and an `expires_in`, depend on the shapes).
The JWT is signed by the simulator (HS256, its own secret) and carries `sub`
(the client id), `projectId`, `iat` and, unless switched off, `exp`. The
simulator also remembers every token it handed out, so tests can expire or
revoke them; a token lives `token_ttl` seconds of the simulator clock whether
or not its `exp` says so.
"""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
import hmac
import json
from typing import Any

DEFAULT_TOKEN_TTL = 3600


class ApiError(Exception):
    """An error answer: the HTTP status and a message for the body."""

    def __init__(self, status: int, message: str) -> None:
        """Store the status and the message."""
        super().__init__(message)
        self.status = status
        self.message = message


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWTs use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding (ValueError if broken)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_jwt(payload: dict[str, Any], secret: str) -> str:
    """An HS256 JWT of `payload`."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


def decode_jwt(token: str, secret: str) -> dict[str, Any] | None:
    """The payload of an HS256 JWT signed with `secret`, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header, body, signature = parts
    expected = hmac.new(
        secret.encode(), f"{header}.{body}".encode(), hashlib.sha256
    ).digest()
    try:
        if not hmac.compare_digest(b64url_decode(signature), expected):
            return None
        decoded_header = json.loads(b64url_decode(header))
        payload = json.loads(b64url_decode(body))
    except ValueError:
        return None
    if not isinstance(decoded_header, dict) or decoded_header.get("alg") != "HS256":
        return None
    return payload if isinstance(payload, dict) else None


@dataclass
class IssuedToken:
    """A token the simulator handed out, and until when it works."""

    token: str
    issued: datetime
    expires: datetime
    revoked: bool = False


class TokenServer:
    """The project's API credentials and every token handed out."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        project_id: str,
        signing_secret: str,
        token_ttl: int = DEFAULT_TOKEN_TTL,
    ) -> None:
        """Serve one project's client credentials."""
        self.client_id = client_id
        self.client_secret = client_secret
        self.project_id = project_id
        self.signing_secret = signing_secret
        self.token_ttl = token_ttl
        self.issued: dict[str, IssuedToken] = {}
        #: tokens the token endpoint handed out
        self.grants = 0
        #: refused token requests by HTTP status
        self.refusals: Counter[int] = Counter()
        self._serial = 0

    def grant(
        self,
        body: Any,
        now: datetime,
        *,
        with_exp: bool,
        refusal: int = 401,
    ) -> IssuedToken:
        """Answer the token endpoint's body.

        ApiError 400 without the credentials, `refusal` with wrong ones.
        """
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("clientId"), str)
            or not isinstance(body.get("clientSecret"), str)
        ):
            self.refusals[400] += 1
            raise ApiError(400, "clientId and clientSecret are required")
        if (
            body["clientId"] != self.client_id
            or body["clientSecret"] != self.client_secret
        ):
            self.refusals[refusal] += 1
            raise ApiError(refusal, "Invalid client credentials")
        self.grants += 1
        return self.issue(now, with_exp=with_exp)

    def issue(self, now: datetime, *, with_exp: bool = True) -> IssuedToken:
        """Sign a new token for the project."""
        self._serial += 1
        issued_at = int(now.timestamp())
        expires = now + timedelta(seconds=self.token_ttl)
        payload: dict[str, Any] = {
            "sub": self.client_id,
            "projectId": self.project_id,
            "iat": issued_at,
            "jti": f"{self._serial}",
        }
        if with_exp:
            payload["exp"] = issued_at + self.token_ttl
        token = encode_jwt(payload, self.signing_secret)
        issued = IssuedToken(token, now, expires)
        self.issued[token] = issued
        return issued

    def check(self, token: str | None, now: datetime) -> dict[str, Any]:
        """The payload of a working token; ApiError 401 (or 403) otherwise.

        401: no token, a broken or forged one, a revoked or expired one.
        403: a genuine token of another project.
        """
        if not token:
            raise ApiError(401, "Missing authentication token")
        payload = decode_jwt(token, self.signing_secret)
        if payload is None:
            raise ApiError(401, "Invalid token")
        known = self.issued.get(token)
        if known is not None:
            if known.revoked:
                raise ApiError(401, "Token revoked")
            if known.expires <= now:
                raise ApiError(401, "Token expired")
        elif isinstance(exp := payload.get("exp"), int | float) and (
            exp <= now.timestamp()
        ):
            raise ApiError(401, "Token expired")
        if payload.get("projectId") != self.project_id:
            raise ApiError(403, "Forbidden")
        return payload

    def expires_at(self, token: str) -> datetime | None:
        """When a token stops working (None: a token we did not hand out)."""
        known = self.issued.get(token)
        return known.expires if known is not None else None

    def expire_all(self, now: datetime) -> None:
        """Every token handed out so far is expired from now on."""
        for issued in self.issued.values():
            issued.expires = min(issued.expires, now)

    def revoke_all(self) -> None:
        """Every token handed out so far is refused from now on."""
        for issued in self.issued.values():
            issued.revoked = True

    def shift(self, delta: timedelta) -> None:
        """Keep expiry times relative to now when the clock is set."""
        for issued in self.issued.values():
            issued.issued += delta
            issued.expires += delta
