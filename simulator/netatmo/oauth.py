"""Netatmo's OAuth2 server: the login page, authorization codes and rotating tokens.

The flow is the real one (authorization code, then refresh tokens):

- GET /oauth2/authorize shows a login page whose form posts back to the same
  URL; "approve" redirects to `redirect_uri?code=...&state=...`, "deny" to
  `redirect_uri?error=access_denied&state=...`. A code works once, for ten
  minutes, for the client and redirect URI it was made for.
- POST /oauth2/token trades a code, or a refresh token, for an access token of
  `token_lifetime` seconds (10800 like the real API) and a NEW refresh token:
  the refresh token used is dead from then on (rotation). Access tokens handed
  out earlier stay valid until they expire.
- Errors are HTTP 400 with {"error": "invalid_grant"} (unknown, used or
  expired code or refresh token), {"error": "invalid_client"} (client id or
  secret wrong), {"error": "invalid_request"} or {"error":
  "unsupported_grant_type"}.

Tokens look like the real ones: `<24 hex user id>|<32 hex>`. Every grant is
logged (`OAuthServer.log`) and counted (`grants`, `errors`) so tests can see
rotation happen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import html
from typing import Any

from .api import INVALID_TOKEN, TOKEN_EXPIRED, ApiError
from .homes import JSON, digest

SCOPES = (
    "read_camera",
    "write_camera",
    "access_camera",
    "read_presence",
    "write_presence",
    "access_presence",
    "read_doorbell",
    "access_doorbell",
    "read_station",
    "read_homecoach",
)
DEFAULT_TOKEN_LIFETIME = 10800
CODE_LIFETIME = timedelta(minutes=10)
TOKEN_SHAPES = ("real", "doc")

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a grant type, not a secret
INVALID_GRANT = "invalid_grant"
INVALID_CLIENT = "invalid_client"
INVALID_REQUEST = "invalid_request"
INVALID_SCOPE = "invalid_scope"
UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"


class OAuthError(Exception):
    """A refused token request: HTTP 400 with {"error": `error`}."""

    def __init__(self, error: str, description: str | None = None) -> None:
        """Store the OAuth error name."""
        super().__init__(description or error)
        self.error = error
        self.description = description


@dataclass
class AccessToken:
    """An access token and what it may do until when."""

    token: str
    scopes: tuple[str, ...]
    client_id: str
    expires: datetime


@dataclass
class RefreshToken:
    """A refresh token; it dies when used (rotation) or revoked."""

    token: str
    scopes: tuple[str, ...]
    client_id: str
    alive: bool = True


@dataclass
class AuthCode:
    """An authorization code waiting to be traded for tokens."""

    code: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    expires: datetime
    used: bool = False


@dataclass
class TokenGrant:
    """One successful trip to the token endpoint (or a token handed to a test)."""

    grant_type: str
    at: datetime
    access_token: str
    refresh_token: str
    used_refresh_token: str | None = None


class OAuthServer:
    """The app's client credentials and every code and token handed out."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        user_id: str,
        seed: int,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
    ) -> None:
        """Serve one app (client) of one user."""
        self.client_id = client_id
        self.client_secret = client_secret
        self.user_id = user_id
        self.seed = seed
        self.token_lifetime = token_lifetime
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        #: successful grants by grant type
        self.grants: Counter[str] = Counter()
        #: refused token requests by error
        self.errors: Counter[str] = Counter()
        self.log: list[TokenGrant] = []
        self._serial = 0

    def _secret(self, kind: str) -> str:
        """A new, never repeated 32-hex secret."""
        self._serial += 1
        return digest(self.seed, "oauth", kind, self._serial)[:32]

    # --- authorize ---------------------------------------------------------------------

    def parse_scope(self, raw: str | None) -> tuple[str, ...]:
        """The scopes of a space-separated list; all of them when none is asked.

        The doc says scope is required; a request without one is granted every
        scope rather than refused. An unknown scope is refused.
        """
        if raw is None or not raw.strip():
            return SCOPES
        asked = tuple(dict.fromkeys(raw.split()))
        if unknown := [scope for scope in asked if scope not in SCOPES]:
            raise OAuthError(INVALID_SCOPE, f"Unknown scope: {' '.join(unknown)}")
        return asked

    def new_code(
        self, redirect_uri: str, scopes: tuple[str, ...], now: datetime
    ) -> str:
        """An authorization code for an approved login."""
        code = self._secret("code")
        self.codes[code] = AuthCode(
            code, self.client_id, redirect_uri, scopes, now + CODE_LIFETIME
        )
        return code

    # --- token ------------------------------------------------------------------------

    def token(
        self,
        form: Mapping[str, str],
        basic: tuple[str, str] | None,
        now: datetime,
        shape: str = "real",
    ) -> JSON:
        """Answer POST /oauth2/token (raises OAuthError, counted in `errors`).

        `shape` "doc" adds the doc example's restricted_access_token and
        restricted_refresh_token (which nothing here accepts).
        """
        try:
            answer = self._grant(form, basic, now)
        except OAuthError as err:
            self.errors[err.error] += 1
            raise
        if shape == "doc":
            answer["restricted_access_token"] = f"{self.user_id}|{self._secret('r')}"
            answer["restricted_refresh_token"] = f"{self.user_id}|{self._secret('r')}"
        return answer

    def _grant(
        self,
        form: Mapping[str, str],
        basic: tuple[str, str] | None,
        now: datetime,
    ) -> JSON:
        """Check the client, then trade a code or a refresh token."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError(INVALID_REQUEST, "grant_type is missing")
        client_id, client_secret = basic or (
            form.get("client_id"),
            form.get("client_secret"),
        )
        if client_id != self.client_id or client_secret != self.client_secret:
            raise OAuthError(INVALID_CLIENT)
        if grant_type == AUTHORIZATION_CODE:
            return self._trade_code(form, now)
        if grant_type == REFRESH_TOKEN:
            return self._refresh(form, now)
        raise OAuthError(UNSUPPORTED_GRANT_TYPE)

    def _trade_code(self, form: Mapping[str, str], now: datetime) -> JSON:
        """grant_type=authorization_code."""
        code = self.codes.get(form.get("code") or "")
        if code is None or code.used or code.expires <= now:
            raise OAuthError(INVALID_GRANT)
        redirect_uri = form.get("redirect_uri")
        if redirect_uri is not None and redirect_uri != code.redirect_uri:
            raise OAuthError(INVALID_GRANT, "redirect_uri does not match")
        code.used = True
        return self.issue(code.scopes, now, AUTHORIZATION_CODE)

    def _refresh(self, form: Mapping[str, str], now: datetime) -> JSON:
        """grant_type=refresh_token: rotate."""
        used = self.refresh_tokens.get(form.get("refresh_token") or "")
        if used is None or not used.alive or used.client_id != self.client_id:
            raise OAuthError(INVALID_GRANT)
        used.alive = False
        return self.issue(used.scopes, now, REFRESH_TOKEN, used.token)

    def issue(
        self,
        scopes: tuple[str, ...],
        now: datetime,
        grant_type: str,
        used_refresh_token: str | None = None,
    ) -> JSON:
        """Hand out a new access and refresh token pair; return the token answer."""
        access = f"{self.user_id}|{self._secret('access')}"
        refresh = f"{self.user_id}|{self._secret('refresh')}"
        self.access_tokens[access] = AccessToken(
            access,
            scopes,
            self.client_id,
            now + timedelta(seconds=self.token_lifetime),
        )
        self.refresh_tokens[refresh] = RefreshToken(refresh, scopes, self.client_id)
        self.grants[grant_type] += 1
        self.log.append(
            TokenGrant(grant_type, now, access, refresh, used_refresh_token)
        )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.token_lifetime,
            "expire_in": self.token_lifetime,
            "scope": list(scopes),
        }

    # --- using tokens -------------------------------------------------------------------

    def check(self, token: str | None, now: datetime) -> AccessToken:
        """The access token of a request: code 2 if unknown, 3 if expired."""
        found = self.access_tokens.get(token or "")
        if found is None:
            raise ApiError(403, INVALID_TOKEN, "Invalid access token")
        if found.expires <= now:
            raise ApiError(403, TOKEN_EXPIRED, "Access token expired")
        return found

    def expire_all(self, now: datetime) -> None:
        """Make every access token handed out so far expired (code 3)."""
        for token in self.access_tokens.values():
            token.expires = min(token.expires, now)

    def revoke_all(self) -> None:
        """Forget every access token (they answer code 2 from now on)."""
        self.access_tokens.clear()

    def revoke_refresh(self) -> None:
        """Kill every refresh token handed out so far (invalid_grant)."""
        for token in self.refresh_tokens.values():
            token.alive = False

    @property
    def live_refresh_tokens(self) -> list[str]:
        """The refresh tokens that still work."""
        return [token.token for token in self.refresh_tokens.values() if token.alive]

    def shift(self, delta: timedelta) -> None:
        """Keep expiry times relative to now when the clock is set."""
        for token in self.access_tokens.values():
            token.expires += delta
        for code in self.codes.values():
            code.expires += delta
        for grant in self.log:
            grant.at += delta


def login_page(
    *,
    action: str,
    app_name: str,
    email: str,
    password: str,
    scopes: tuple[str, ...],
    error: str | None = None,
) -> str:
    """The HTML login page: the account prefilled, approve and deny buttons."""
    items = "".join(f"<li>{html.escape(scope)}</li>" for scope in scopes)
    problem = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Netatmo - Sign in</title></head>
<body>
<h1>Sign in to Netatmo</h1>
<p>{html.escape(app_name)} would like to access your account:</p>
<ul>{items}</ul>
{problem}
<form method="post" action="{html.escape(action)}">
<label>Email <input type="email" name="user" value="{html.escape(email)}"></label>
<label>Password
<input type="password" name="password" value="{html.escape(password)}"></label>
<button type="submit" name="action" value="approve" id="approve">Yes, I accept</button>
<button type="submit" name="action" value="deny" id="deny">No, thanks</button>
</form>
</body>
</html>
"""


def error_page(message: str) -> str:
    """The HTML page of a refused authorize request."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Netatmo - Error</title></head>\n"
        f"<body><h1>Error</h1><p>{html.escape(message)}</p></body></html>\n"
    )


def form_value(form: Mapping[str, Any], name: str) -> str | None:
    """A form or query value as a string (None if absent)."""
    value = form.get(name)
    return value if isinstance(value, str) else None
