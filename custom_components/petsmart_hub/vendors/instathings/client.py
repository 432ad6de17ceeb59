"""Instathings' REST API: the token, the requests and their typed errors.

A project's API (``https://<project>.instathings.io``, or a cloud-compatible
server elsewhere) hands out a JWT for a client id and secret
(``POST /authentication/v1/oauth/token``); every other request carries it as
a bearer token. The token is kept until ``TOKEN_MARGIN`` before it ends (its
``exp``, or the answer's ``expires_in``) and renewed once when a request is
answered 401; a second 401 is an AuthError. A gateway's own server (on
premise) answers the token endpoint 404 or 405: it wants no token, and no
``Authorization`` header is sent (``docs/instathings-wire.md``). No Home
Assistant imports here.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json as jsonlib
import logging
import re
from typing import Any, Final
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp

from ..base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    DeviceNotFoundError,
    InvalidParameterError,
    NotAnApiError,
    RateLimitError,
    RequestRejectedError,
    VendorError,
)
from ..http import RawResponse, RequestGate, async_fetch
from ..parse import ParseReport, pick, present, to_float, to_text
from .payloads import (
    DATA_PAGE,
    Listing,
    Merged,
    TypeInfo,
    parse_entry,
    parse_listing,
    parse_protocol,
    parse_records,
    parse_types,
    unwrap,
)

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT: Final = 20  # seconds
#: The most requests one account may send in REQUEST_WINDOW, whatever asks.
#: Instathings documents no limit; this keeps a bug from hammering the cloud
#: while leaving room for a data read and a status read (with its polls) a
#: minute for a hundred devices.
REQUEST_CAP: Final = 600
REQUEST_WINDOW: Final = timedelta(minutes=1)
#: Requests a refresh keeps in flight at once (the doc names no limit; a
#: gateway's sub-devices are read a few at a time).
CONCURRENT_REQUESTS: Final = 4
#: A token is renewed this long before it ends.
TOKEN_MARGIN: Final = timedelta(seconds=60)
#: How long every request is held back when the cloud throttles (429)
#: without saying for how long.
THROTTLE_BACKOFF: Final = timedelta(minutes=1)

TOKEN_PATH: Final = "/authentication/v1/oauth/token"  # noqa: S105 - a path
DEVICES_PATH: Final = "/device/v1/devices"
TYPES_PATH: Final = "/device/v1/types"
PROTOCOLS_PATH: Final = "/device/v1/protocols"
CONTROL_PATH: Final = "/device/v1/control"
#: The headers that reach an HTTP device (a Shelly plug behind a gateway).
PATH_HEADER: Final = "instathings-path"
METHOD_HEADER: Final = "instathings-method"

#: The token endpoint's statuses that say: a gateway's server, no token.
_ON_PREMISE_STATUSES: Final = frozenset({404, 405})
_BAD_CREDENTIALS: Final = frozenset({400, 401, 403})
#: Statuses of the listing that say: this URL is not the API.
_NOT_THE_API: Final = frozenset({404, 405, 406})
#: A trailing comma before a closing brace (the doc's token answer has one).
_TRAILING_COMMA: Final = re.compile(r",\s*([}\]])")
_JWT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class Token:
    """A JWT and when it ends (None: it lives until the cloud refuses it)."""

    value: str
    expires_at: datetime | None


def jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` of a JWT's payload (None: it has none, or it is no JWT)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        payload = jsonlib.loads(base64.urlsafe_b64decode(segment))
    except (ValueError, binascii.Error, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    exp = to_float(payload.get("exp"))
    if exp is None:
        return None
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _decode(body: bytes) -> Any:
    """A body as JSON, forgiving a trailing comma (None: not JSON)."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return None
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return jsonlib.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return None


def parse_token(body: bytes, now: datetime) -> Token:
    """The token of the token endpoint's answer.

    The doc shows ``{"access_token": JWT,}`` (with a trailing comma, which
    is forgiven); the wire contract adds ``accessToken`` and ``token``, each
    optionally with ``expires_in`` (seconds). Also accepted, as plausible
    shapes the doc is silent on: the same object inside ``data``, and a
    bare JWT (as a JSON string or as plain text). A token ends at its
    JWT's ``exp`` or after ``expires_in``, whichever comes first; with
    neither it lives until a request is refused.

    Raises NotAnApiError for an answer that holds no token (a web page).
    """
    payload = _decode(body)
    if payload is None:
        text = body.decode(errors="replace").strip()
        payload = text if _JWT.fullmatch(text) else None
    if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
        payload = payload["data"]
    expires_in: float | None = None
    value: str | None
    if isinstance(payload, dict):
        value = to_text(pick(payload, "access_token", "accessToken", "token"))
        expires_in = to_float(pick(payload, "expires_in", "expiresIn"))
    else:
        value = to_text(payload)
    if not value:
        raise NotAnApiError("the token endpoint answered no token")
    ends = [moment for moment in (jwt_expiry(value),) if moment is not None]
    if expires_in is not None and expires_in > 0:
        ends.append(now + timedelta(seconds=expires_in))
    return Token(value, min(ends) if ends else None)


def project_name(url: str) -> str | None:
    """The project a ``https://<project>.instathings.io`` URL names (None: another host)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host.endswith(".instathings.io"):
        return None
    label = host.removesuffix(".instathings.io").split(".")[0]
    return label or None


def host_port(url: str) -> str:
    """``host:port`` of a URL (the port its scheme implies when it names none)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True, slots=True)
class StatusTicket:
    """What ``POST /control/:id/status`` answered: where to poll, or the status itself."""

    url: str | None = None
    response: dict[str, Any] | None = None


class InstathingsClient:
    """Thin async client of one Instathings project (or gateway) API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        report: ParseReport | None = None,
        gate: RequestGate | None = None,
        now: Callable[[], datetime] | None = None,
        request_timeout: float | None = None,
    ) -> None:
        """Keep the session (owned by the caller) and the credentials."""
        self.session = session
        self.base_url = base_url.strip().rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self.report = report if report is not None else ParseReport()
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.gate = gate or RequestGate(
            cap=REQUEST_CAP, window=REQUEST_WINDOW, now=self.now
        )
        self._timeout = aiohttp.ClientTimeout(total=request_timeout or REQUEST_TIMEOUT)
        self._token: Token | None = None
        #: None until the token endpoint answered; True: a gateway's server.
        self.on_premise: bool | None = None
        self._token_lock = asyncio.Lock()
        #: Tokens fetched since the client was made.
        self.tokens_fetched = 0

    # -- the token ----------------------------------------------------------------

    @property
    def renew_at(self) -> datetime | None:
        """When the current token must be renewed (None: no token, or it never ends)."""
        if self._token is None or self._token.expires_at is None:
            return None
        return self._token.expires_at - TOKEN_MARGIN

    async def async_token(self, *, valid_for: timedelta = timedelta()) -> str | None:
        """A token valid ``valid_for`` beyond now (None: on premise, where none is wanted).

        A socket asks for one that lasts a while: one opened with a token
        about to be renewed would have to be opened again at once.
        """
        async with self._token_lock:
            token = self._token
            if token is not None and (
                token.expires_at is None
                or self.now() + valid_for < token.expires_at - TOKEN_MARGIN
            ):
                return token.value
            if self.on_premise and token is None:
                return None
            return await self._async_fetch_token()

    async def async_renew(self, stale: str | None) -> str | None:
        """Get a new token because ``stale`` was refused (unless it was renewed since).

        On premise the token endpoint is asked again: the server may want
        one now.
        """
        async with self._token_lock:
            current = self._token.value if self._token is not None else None
            if current != stale:
                return current
            return await self._async_fetch_token()

    async def _async_fetch_token(self) -> str | None:
        """``POST /authentication/v1/oauth/token`` (the lock is held)."""
        self._token = None
        response = await async_fetch(
            self.session,
            "POST",
            f"{self.base_url}{TOKEN_PATH}",
            label="the token request",
            client_timeout=self._timeout,
            gate=self.gate,
            json={"clientId": self._client_id, "clientSecret": self._client_secret},
            headers={"Accept": "application/json"},
        )
        status = response.status
        if status in _ON_PREMISE_STATUSES:
            if not self.on_premise:
                _LOGGER.debug("No token endpoint (HTTP %s): on premise", status)
            self.on_premise = True
            return None
        if status in _BAD_CREDENTIALS:
            raise AuthError(f"the token request was refused: HTTP {status}")
        if status >= 400:
            raise self._error(response, "the token request")
        self._token = parse_token(response.body, self.now())
        self.on_premise = False
        self.tokens_fetched += 1
        return self._token.value

    # -- the round trip -------------------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL of an API path."""
        return f"{self.base_url}{path}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        label: str,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        passthrough: frozenset[int] = frozenset(),
        url: str | None = None,
    ) -> RawResponse:
        """Send a request with the token; map a failure onto its typed error.

        A 401 renews the token once and sends the request again; a second
        401 is an AuthError. An answer whose status is in ``passthrough`` is
        returned for the caller to read.
        """
        for attempt in range(2):
            token = await self.async_token()
            sent = {"Accept": "application/json", **(headers or {})}
            if token is not None:
                sent["Authorization"] = f"Bearer {token}"
            response = await async_fetch(
                self.session,
                method,
                url or self.url(path),
                label=label,
                client_timeout=self._timeout,
                gate=self.gate,
                params=params,
                json=json,
                headers=sent,
            )
            if response.status == 401:
                if attempt:
                    raise AuthError(f"{label}: the token was refused after a renewal")
                _LOGGER.debug("%s: the token was refused; renewing it", label)
                await self.async_renew(token)
                continue
            if response.status in passthrough or response.status < 400:
                return response
            raise self._error(response, label)
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, response: RawResponse, label: str) -> VendorError:
        """The typed error of a failed answer."""
        status = response.status
        text = f"{label}: HTTP {status}"
        message = _message(response)
        if message:
            text = f"{text}: {message}"
        if status == 429:
            return RateLimitError(text, self.gate.hold_back(response, THROTTLE_BACKOFF))
        if status >= 500:
            return CannotConnectError(text)
        if status == 400:
            return InvalidParameterError(text)
        if status == 404:
            return DeviceNotFoundError(text)
        return RequestRejectedError(text)

    # -- the endpoints ------------------------------------------------------------------

    async def async_devices(self) -> Listing:
        """``GET /device/v1/devices``: the project's devices.

        This is where a URL that is not the API shows: a 404 (or 405, 406)
        here, or an answer that is no listing (a web page) is NotAnApiError.
        A 403 says the client may not read the project: an AuthError.
        """
        response = await self.request(
            "GET",
            DEVICES_PATH,
            label="the device list",
            passthrough=_NOT_THE_API | {403},
        )
        if response.status == 403:
            raise AuthError("the device list: HTTP 403 (not allowed)")
        if response.status in _NOT_THE_API:
            raise NotAnApiError(f"the device list: HTTP {response.status}")
        return parse_listing(response.json(), self.report)

    async def async_device(self, device_id: str) -> dict[str, Any]:
        """``GET /device/v1/devices/:id``: one device (DeviceNotFoundError: unknown)."""
        response = await self.request(
            "GET", f"{DEVICES_PATH}/{device_id}", label="a device"
        )
        payload = response.json()
        if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
            payload = payload["data"]
        if not isinstance(payload, dict) or parse_entry(payload) is None:
            raise BadResponseError("a device: the answer is no device")
        return payload

    async def async_types(self) -> dict[str, TypeInfo]:
        """``GET /device/v1/types``: the device types of the project."""
        response = await self.request("GET", TYPES_PATH, label="the device types")
        return parse_types(response.json(), self.report)

    async def async_protocol(self, protocol_id: str) -> str | None:
        """``GET /device/v1/protocols/:id``: the protocol's slug (None: unknown)."""
        response = await self.request(
            "GET", f"{PROTOCOLS_PATH}/{protocol_id}", label="a protocol"
        )
        return parse_protocol(response.json())

    async def async_data(self, device_id: str, per_page: int = DATA_PAGE) -> Merged:
        """``GET /device/v1/devices/:id/data``: the newest records, merged."""
        response = await self.request(
            "GET",
            f"{DEVICES_PATH}/{device_id}/data",
            label="a device's data",
            params={"page": "1", "perPage": str(per_page), "sort": "-ts"},
        )
        return parse_records(response.json(), self.report)

    async def async_control(
        self,
        device_id: str,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        """``POST /device/v1/control/:id/set``: the body reaches the device as is."""
        await self.request(
            "POST",
            f"{CONTROL_PATH}/{device_id}/set",
            label="a control request",
            json=body,
            headers=headers,
            params=params,
        )

    async def async_request_status(
        self, device_id: str, headers: Mapping[str, str] | None = None
    ) -> StatusTicket:
        """``POST /device/v1/control/:id/status``: where to poll for the answer.

        The doc: 202 with a ``Location`` header (absolute or relative). Also
        read, as plausible shapes: no ``Location`` but a ``requestId`` (or
        ``id``) in the body, and a 200 carrying the ``response`` at once.
        """
        response = await self.request(
            "POST",
            f"{CONTROL_PATH}/{device_id}/status",
            label="a status request",
            headers=headers,
        )
        payload = response.json()
        if isinstance(payload, dict) and "response" in payload:
            found = unwrap(payload["response"])
            if found is not None:
                return StatusTicket(response=found)
        location = response.headers.get("Location")
        if location:
            return StatusTicket(url=self._same_origin(location))
        request_id = (
            to_text(pick(payload, "requestId", "id"))
            if isinstance(payload, dict)
            else None
        )
        if request_id:
            return StatusTicket(url=self.url(f"{CONTROL_PATH}/{request_id}/fetch"))
        raise BadResponseError("a status request: no Location to poll")

    def _same_origin(self, location: str) -> str:
        """Where a ``Location`` points, on our own origin (the token goes nowhere else)."""
        target = urlsplit(urljoin(f"{self.base_url}/", location))
        base = urlsplit(self.base_url)
        if (target.scheme, target.netloc) == (base.scheme, base.netloc):
            return target.geturl()
        return urlunsplit((base.scheme, base.netloc, target.path, target.query, ""))

    async def async_fetch_status(self, url: str) -> dict[str, Any] | None:
        """``GET /device/v1/control/:requestId/fetch``: the status, or None while pending.

        Pending: 202, 404, or a 200 without a ``response`` (wire contract).
        """
        response = await self.request(
            "GET", "", url=url, label="a status fetch", passthrough=frozenset({404})
        )
        if response.status != 200:
            return None
        payload = response.json()
        if not isinstance(payload, dict):
            return None
        found = pick(payload, "response")
        return unwrap(found) if present(found) else None


def _message(response: RawResponse) -> str | None:
    """The message of an error answer, where it has one (never a long page)."""
    payload = response.json()
    if isinstance(payload, dict):
        text = to_text(pick(payload, "message", "error", "msg"))
        return text[:200] if text else None
    return None
