"""Ninja Blocks' REST API: the requests, their envelope and their typed errors.

Every call but the tickle carries the user's access token as the query
parameter ``user_access_token`` (the doc's "A note on Auth"); the token is
redacted from every error text the client makes, and no error keeps the
network exception (whose URL holds it) as its cause. Answers are envelopes
``{"result": 1|0, "error": null|"text", "id": 0|n, "data": ...}``: a
``result: 0`` or an ``error`` fails even on HTTP 200. Snapshots come from
the stream host (``stream.ninja.is``). See ``docs/ninjablocks-wire.md``.
No Home Assistant imports here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum, auto
import re
from typing import Any, Final
from urllib.parse import quote, urlsplit, urlunsplit

import aiohttp

from ...model import HistoryPoint
from ..base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    DeviceNotFoundError,
    NotAnApiError,
    RateLimitError,
    RequestRejectedError,
    VendorError,
)
from ..http import MAX_BODY_BYTES, RawResponse, RequestGate, async_fetch
from ..parse import ParseReport, to_bool, to_int, to_text
from .payloads import (
    Entry,
    Listing,
    Report,
    parse_callback_url,
    parse_created_id,
    parse_device,
    parse_heartbeat,
    parse_history,
    parse_listing,
)

DEFAULT_BASE_URL: Final = "https://api.ninja.is/rest/v0"
#: The query parameter the user's access token travels in.
TOKEN_PARAM: Final = "user_access_token"  # noqa: S105 - a parameter's name
REQUEST_TIMEOUT: Final = 20  # seconds
#: The most requests one account may send in REQUEST_WINDOW, whatever asks.
#: The doc names no limit; this keeps a bug from hammering the cloud while
#: leaving room for a heartbeat a minute of a few hundred devices.
REQUEST_CAP: Final = 300
REQUEST_WINDOW: Final = timedelta(minutes=1)
#: Requests a refresh keeps in flight at once (the doc names no limit; a
#: block's devices are read together, a few at a time).
CONCURRENT_REQUESTS: Final = 4
#: How long every request is held back when the cloud throttles (429)
#: without saying for how long.
THROTTLE_BACKOFF: Final = timedelta(minutes=1)
#: The largest snapshot read.
MAX_SNAPSHOT_BYTES: Final = 10 * 1024 * 1024

DEVICES_PATH: Final = "/devices"
#: What the token is replaced with in an error text.
REDACTED: Final = "**REDACTED**"

#: Error texts that say the token is refused (the doc is silent on them).
_AUTH_TEXT: Final = re.compile(r"token|auth|unauthori[sz]ed|forbidden|login", re.I)
_NOT_FOUND_TEXT: Final = re.compile(r"not\s+found|not\s+exist|no\s+such", re.I)
_EXISTS_TEXT: Final = re.compile(r"exist", re.I)
_AUTH_CODES: Final = frozenset({401, 403})
_URL_TEXT: Final = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.I)
#: Statuses of the listing that say: this URL is not the API.
_NOT_THE_API: Final = frozenset({404, 405, 406})


class CallbackExistsError(RequestRejectedError):
    """A callback is registered against the device already (HTTP 409 or "exists")."""


class Call(Enum):
    """What a request is, for the errors it maps onto (the wire contract)."""

    #: ``GET /devices``: a wrong answer says the URL is not the API.
    LISTING = auto()
    #: Any other read: a wrong answer is a BadResponseError.
    READ = auto()
    #: A command: a refusal is a RequestRejectedError.
    COMMAND = auto()


#: The cloud's own API host, whose snapshots ``stream.ninja.is`` serves.
_CLOUD_HOST: Final = "api.ninja.is"


def stream_base(base_url: str) -> str:
    """Where snapshots are served: ``stream.ninja.is`` for Ninja's own cloud.

    ``https://api.ninja.is/rest/v0`` -> ``https://stream.ninja.is/rest/v0``;
    any other host (one the user named, a simulator on 127.0.0.1) serves
    them itself: the token never goes to a host the user did not give.
    """
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host.lower() != _CLOUD_HOST:
        return base_url
    netloc = f"stream.{host[4:]}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _segment(value: str) -> str:
    """One path segment (a GUID, a sub-device id), quoted."""
    return quote(value, safe="")


def device_path(guid: str, *rest: str) -> str:
    """``/device/:guid[/rest...]``."""
    return "/".join(["", "device", _segment(guid), *(_segment(p) for p in rest)])


class NinjaBlocksClient:
    """Thin async client of the Ninja Blocks REST API for one access token."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: str,
        *,
        report: ParseReport | None = None,
        gate: RequestGate | None = None,
        now: Callable[[], datetime] | None = None,
        request_timeout: float | None = None,
        concurrency: int = CONCURRENT_REQUESTS,
    ) -> None:
        """Keep the session (owned by the caller) and the token."""
        self.session = session
        self.base_url = base_url.strip().rstrip("/")
        self.stream_url = stream_base(self.base_url)
        self._token = token
        #: Other secrets an error text must not show (tickle tokens).
        self._secrets: set[str] = set()
        self.report = report if report is not None else ParseReport()
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.gate = gate or RequestGate(
            cap=REQUEST_CAP, window=REQUEST_WINDOW, now=self.now
        )
        self._timeout = aiohttp.ClientTimeout(total=request_timeout or REQUEST_TIMEOUT)
        #: No more than this many requests of the account are in flight.
        self._limit = asyncio.Semaphore(concurrency)

    def redact(self, text: str) -> str:
        """``text`` without the access token, and without any URL it quotes.

        A cloud that repeats a callback URL (Home Assistant's webhook id)
        or a tickle URL in its error must not put it in a log line.
        """
        for secret in (self._token, *self._secrets):
            if secret:
                text = text.replace(secret, REDACTED)
        return _URL_TEXT.sub(REDACTED, text)

    # -- the round trip --------------------------------------------------------------

    async def _fetch(
        self,
        method: str,
        url: str,
        *,
        label: str,
        auth: bool = True,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        max_bytes: int = MAX_BODY_BYTES,
    ) -> RawResponse:
        """Send one request (the token as a query parameter); read the whole answer.

        A network failure becomes a CannotConnectError of our own: the
        aiohttp error behind it (whose URL holds the token) is not kept.
        """
        query = dict(params or {})
        if auth:
            query[TOKEN_PARAM] = self._token
        failure: VendorError | None = None
        try:
            async with self._limit:
                return await async_fetch(
                    self.session,
                    method,
                    url,
                    label=label,
                    client_timeout=self._timeout,
                    gate=self.gate,
                    params=query,
                    json=json,
                    headers={"Accept": "application/json"},
                    max_bytes=max_bytes,
                )
        except CannotConnectError as err:
            failure = CannotConnectError(self.redact(str(err)))
        # raised outside the handler: the original is not even its context
        raise failure

    async def request(
        self,
        method: str,
        path: str,
        *,
        label: str,
        call: Call,
        auth: bool = True,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> Any:
        """Send a request; return the envelope's ``data`` (or raise its typed error)."""
        response = await self._fetch(
            method,
            f"{self.base_url}{path}",
            label=label,
            auth=auth,
            params=params,
            json=json,
        )
        return self._data(response, label, call, auth)

    def _data(self, response: RawResponse, label: str, call: Call, auth: bool) -> Any:
        """The ``data`` of a successful envelope (else the answer's typed error)."""
        payload = response.json()
        envelope = (
            payload if isinstance(payload, dict) and "result" in payload else None
        )
        if response.status < 400:
            if envelope is None:
                if call is Call.LISTING:
                    raise NotAnApiError(f"{label}: the answer is no Ninja envelope")
                raise BadResponseError(f"{label}: the answer is no Ninja envelope")
            if _succeeded(envelope):
                return envelope.get("data")
        raise self._error(response, envelope, payload, label, call, auth)

    def _error(
        self,
        response: RawResponse,
        envelope: Mapping[str, Any] | None,
        payload: Any,
        label: str,
        call: Call,
        auth: bool,
    ) -> VendorError:
        """The typed error of a failed answer (the contract's mapping, in its order)."""
        status = response.status
        code = to_int(envelope.get("id")) if envelope is not None else None
        text = _error_text(payload)
        message = self.redact(
            f"{label}: HTTP {status}"
            + (f" ({code})" if code else "")
            + (f": {text}" if text else "")
        )
        # (an error's words tell of the token only on a read: a refused
        # command that names a "token" must not ask the user to sign in
        # again; a refused token is refused on a read too, and the next
        # poll tells)
        worded = call is not Call.COMMAND
        if (
            status in _AUTH_CODES
            or code in _AUTH_CODES
            or (worded and _matches(_AUTH_TEXT, text))
        ):
            # the tickle carries no token: what it refuses is its own
            return AuthError(message) if auth else RequestRejectedError(message)
        if status == 404 or code == 404 or _matches(_NOT_FOUND_TEXT, text):
            if call is Call.LISTING:
                return NotAnApiError(message)
            return DeviceNotFoundError(message)
        if status == 409 or code == 409 or _matches(_EXISTS_TEXT, text):
            return CallbackExistsError(message)
        if status == 429 or code == 429:
            return RateLimitError(
                message, self.gate.hold_back(response, THROTTLE_BACKOFF)
            )
        if status >= 500:
            return CannotConnectError(message)
        if call is Call.LISTING and (envelope is None or status in _NOT_THE_API):
            return NotAnApiError(message)
        if call is Call.COMMAND:
            return RequestRejectedError(message)
        return BadResponseError(message)

    # -- the endpoints ------------------------------------------------------------------

    async def async_devices(self) -> Listing:
        """``GET /devices``: the account's devices.

        This is where a URL that is not the API shows (a 404, a web page, a
        non-envelope answer: NotAnApiError).
        """
        data = await self.request(
            "GET", DEVICES_PATH, label="the device list", call=Call.LISTING
        )
        return parse_listing(data, self.report)

    async def async_device(self, guid: str) -> Entry:
        """``GET /device/:guid``: one device (DeviceNotFoundError: unknown)."""
        data = await self.request(
            "GET", device_path(guid), label=f"device {guid}", call=Call.READ
        )
        return parse_device(data, self.report)

    async def async_heartbeat(self, guid: str) -> Report:
        """``GET /device/:guid/heartbeat``: what the device last reported."""
        data = await self.request(
            "GET",
            device_path(guid, "heartbeat"),
            label=f"the heartbeat of {guid}",
            call=Call.READ,
        )
        return parse_heartbeat(data)

    async def async_update(self, guid: str, body: Mapping[str, Any]) -> None:
        """``PUT /device/:guid`` (``DA`` sends a command, ``shortName`` renames)."""
        await self.request(
            "PUT",
            device_path(guid),
            label=f"an update of {guid}",
            call=Call.COMMAND,
            json=dict(body),
        )

    async def async_add_subdevice(
        self, hub: str, body: Mapping[str, Any]
    ) -> str | None:
        """``POST /device/:guid/subdevice``: the new sub-device's id (None: not said)."""
        data = await self.request(
            "POST",
            device_path(hub, "subdevice"),
            label=f"a new sub-device of {hub}",
            call=Call.COMMAND,
            json=dict(body),
        )
        return parse_created_id(data)

    async def async_update_subdevice(
        self, hub: str, sub: str, body: Mapping[str, Any]
    ) -> None:
        """``PUT /device/:guid/subdevice/:id`` with what changes."""
        await self.request(
            "PUT",
            device_path(hub, "subdevice", sub),
            label=f"an update of sub-device {sub} of {hub}",
            call=Call.COMMAND,
            json=dict(body),
        )

    async def async_remove_subdevice(self, hub: str, sub: str) -> None:
        """``DELETE /device/:guid/subdevice/:id``."""
        await self.request(
            "DELETE",
            device_path(hub, "subdevice", sub),
            label=f"the removal of sub-device {sub} of {hub}",
            call=Call.COMMAND,
        )

    async def async_tickle(self, hub: str, sub: str, token: str) -> None:
        """``POST /device/:guid/subdevice/:id/tickle/:token`` (no access token).

        The tickle token is a secret of its URL: no error names it.
        """
        self._secrets.add(token)
        await self.request(
            "POST",
            device_path(hub, "subdevice", sub, "tickle", token),
            label=f"the tickle of sub-device {sub} of {hub}",
            call=Call.COMMAND,
            auth=False,
        )

    async def async_get_callback(self, guid: str) -> str | None:
        """``GET /device/:guid/callback``: the URL registered (None: none said)."""
        data = await self.request(
            "GET",
            device_path(guid, "callback"),
            label=f"the callback of {guid}",
            call=Call.READ,
        )
        return parse_callback_url(data)

    async def async_add_callback(self, guid: str, url: str) -> None:
        """``POST /device/:guid/callback`` (CallbackExistsError: one is registered)."""
        await self.request(
            "POST",
            device_path(guid, "callback"),
            label=f"a new callback of {guid}",
            call=Call.COMMAND,
            json={"url": url},
        )

    async def async_set_callback(self, guid: str, url: str) -> None:
        """``PUT /device/:guid/callback``: replace the registered URL."""
        await self.request(
            "PUT",
            device_path(guid, "callback"),
            label=f"an update of the callback of {guid}",
            call=Call.COMMAND,
            json={"url": url},
        )

    async def async_delete_callback(self, guid: str) -> None:
        """``DELETE /device/:guid/callback``."""
        await self.request(
            "DELETE",
            device_path(guid, "callback"),
            label=f"the removal of the callback of {guid}",
            call=Call.COMMAND,
        )

    async def async_history(
        self, guid: str, params: Mapping[str, str], sub: str | None = None
    ) -> list[HistoryPoint]:
        """``GET /device/:guid/data`` (a sub-device's: ``.../subdevice/:id/data``)."""
        path = (
            device_path(guid, "data")
            if sub is None
            else device_path(guid, "subdevice", sub, "data")
        )
        data = await self.request(
            "GET", path, label=f"the history of {guid}", call=Call.READ, params=params
        )
        return parse_history(data, self.report)

    async def async_snapshot(self, guid: str) -> bytes:
        """``GET <stream>/camera/:guid/snapshot``: a JPEG the webcam takes now.

        Anything that is not an image is a BadResponseError (an envelope
        saying why: its typed error); at most MAX_SNAPSHOT_BYTES are read.
        """
        label = f"a snapshot of {guid}"
        response = await self._fetch(
            "GET",
            f"{self.stream_url}/camera/{_segment(guid)}/snapshot",
            label=label,
            max_bytes=MAX_SNAPSHOT_BYTES,
        )
        content_type = response.headers.get("Content-Type", "").lower()
        if response.status < 400 and content_type.startswith("image/"):
            return response.body
        payload = response.json()
        envelope = (
            payload if isinstance(payload, dict) and "result" in payload else None
        )
        if response.status < 400 and (envelope is None or _succeeded(envelope)):
            raise BadResponseError(
                f"{label}: the answer is no image ({content_type or 'no type'})"
            )
        raise self._error(response, envelope, payload, label, Call.READ, True)


def _succeeded(envelope: Mapping[str, Any]) -> bool:
    """An envelope that says yes: ``result`` 1 and no ``error``."""
    error = envelope.get("error")
    failed = bool(error) if not isinstance(error, str) else bool(error.strip())
    return to_bool(envelope.get("result")) is True and not failed


def _error_text(payload: Any) -> str | None:
    """The error text of an answer (an envelope's ``error``), never a long page."""
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    text = (
        to_text(error) if not isinstance(error, dict) else to_text(error.get("message"))
    )
    if text is None:
        text = to_text(payload.get("message"))
    return text[:200] if text else None


def _matches(pattern: re.Pattern[str], text: str | None) -> bool:
    return text is not None and pattern.search(text) is not None
