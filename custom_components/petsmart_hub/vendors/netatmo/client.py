"""Netatmo's cloud: bearer-token requests, the envelope, errors and the self-limit.

Every API request goes to ``{base_url}/api/<endpoint>`` with the account's
OAuth2 access token as a bearer token and through one ``CallLimit``: a
sliding hour that never lets the account send more than ``HOURLY_CAP``
calls, whatever asks (polls stop ``POLL_RESERVE`` short of it, so commands
always find room). Calls to a camera's own VPN or local URL (ping, live
stream, snapshot) are not API calls: they pass a gate of their own and do
not count. No Home Assistant imports here.

Answers come as ``{"body": ..., "status": "ok"}``; the doc's snippets also
show the body's content at the top level (``{"status": "ok", "home": ...}``
or a bare ``{"homes": [...]}``): ``unwrap`` reads both. Errors come as
``{"error": {"code", "message"}}``, with the HTTP status 4xx or 5xx (or, now
and then, 200).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import logging
from typing import Any, Final

import aiohttp

from ...model import Scenario
from ..base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    DeviceNotFoundError,
    InvalidParameterError,
    RateLimitError,
    RequestRejectedError,
    VendorError,
)
from ..descriptor import TokenGetter
from ..http import RawResponse, RequestGate, async_fetch
from ..parse import ParseReport, to_int, to_str, to_text
from .payloads import (
    CloudEvent,
    HomeStatus,
    Topology,
    WeatherListing,
    parse_events,
    parse_homesdata,
    parse_homestatus,
    parse_scenarios,
    parse_weather,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.netatmo.com"
MANUFACTURER: Final = "Netatmo"
REQUEST_TIMEOUT: Final = 20  # seconds
#: The most API calls the account makes in CALL_WINDOW, whatever asks.
#: Netatmo allows 500 an hour per user (shared with the user's other apps):
#: we stay well under it.
HOURLY_CAP: Final = 200
CALL_WINDOW: Final = timedelta(hours=1)
#: Polls stop this many calls short of the cap: commands always find room.
POLL_RESERVE: Final = 20
#: How long to hold every call back when the cloud throttles us (code 26,
#: HTTP 429) without saying for how long.
THROTTLE_BACKOFF: Final = timedelta(minutes=5)
#: Events read per getevents call (the cloud's own default page).
EVENTS_PAGE: Final = 30

#: Camera calls (VPN or LAN): not API calls, capped on their own.
CAMERA_CAP: Final = 120
CAMERA_WINDOW: Final = timedelta(minutes=1)
CAMERA_TIMEOUT: Final = 10  # seconds, through Netatmo's VPN
#: A camera on the LAN answers at once; a longer wait means it is not there.
LOCAL_PING_TIMEOUT: Final = 2  # seconds
#: The largest picture we download.
MAX_IMAGE_BYTES: Final = 5 * 1024 * 1024

# Error codes of the API's error envelope.
ERROR_INVALID_TOKEN: Final = 2
ERROR_TOKEN_EXPIRED: Final = 3
ERROR_DEVICE_NOT_FOUND: Final = 9
ERROR_SCOPE: Final = 13
ERROR_INVALID_ARGUMENT: Final = 21
ERROR_ALREADY: Final = 23  # setstate: the camera already is as asked
ERROR_USAGE_REACHED: Final = 26
_TOKEN_ENDED: Final = frozenset({ERROR_INVALID_TOKEN, ERROR_TOKEN_EXPIRED})
#: Keys of the envelope around a body the doc shows without ``body``.
_ENVELOPE_KEYS: Final = frozenset({"status", "time_exec", "time_server"})


class CallLimit(RequestGate):
    """The sliding hour of the account's API calls (a gate that also tells ahead)."""

    def room(self, keep: int = 0) -> int:
        """How many calls may still go now, keeping ``keep`` of the cap free."""
        return self.cap - keep - self.in_window()

    def frees_at(self, keep: int = 0) -> datetime:
        """When a call may go again, keeping ``keep`` of the cap free (now: at once)."""
        now = self.clock()
        sent = sorted(moment for moment in self._sent if moment > now - self.window)
        over = len(sent) - (self.cap - keep)
        if over < 0:
            return now
        return sent[over] + self.window


class _TokenEndedError(VendorError):
    """The cloud ended the access token early (code 2 or 3)."""


def unwrap(payload: Any) -> Any:
    """The content of a successful answer (``body``, or the doc's top level).

    An answer carrying an ``error`` object is no success: the caller maps it.
    """
    if not isinstance(payload, Mapping):
        if isinstance(payload, list):
            return payload
        raise BadResponseError("the answer is not an object")
    status = payload.get("status")
    if isinstance(status, str) and status.lower() != "ok":
        raise BadResponseError(f"the answer's status is {status!r}")
    if "body" in payload:
        return payload["body"]
    # the doc's snippets: the body's content beside the status
    return {
        key: value
        for key, value in payload.items()
        if key not in _ENVELOPE_KEYS or not isinstance(value, str | int | float)
    }


def _error_code(payload: Any) -> tuple[int | None, str]:
    """The code and message of an error answer (None: it has no code)."""
    if not isinstance(payload, Mapping):
        return None, ""
    error = payload.get("error")
    if isinstance(error, Mapping):
        return to_int(error.get("code")), to_text(error.get("message")) or ""
    return None, to_str(error) or ""


class NetatmoClient:
    """Thin async client of the Netatmo API (its answers parsed into records)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: TokenGetter,
        base_url: str = DEFAULT_BASE_URL,
        *,
        report: ParseReport | None = None,
        gate: CallLimit | None = None,
        camera_gate: RequestGate | None = None,
        request_timeout: float | None = None,
    ) -> None:
        """Keep the session (owned by the caller) and the token getter."""
        self._session = session
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.report = report if report is not None else ParseReport()
        self._timeout = aiohttp.ClientTimeout(total=request_timeout or REQUEST_TIMEOUT)
        #: Every API call passes here: the hourly self-limit and Retry-After.
        self.gate = gate or CallLimit(cap=HOURLY_CAP, window=CALL_WINDOW)
        #: Camera calls pass here (they do not count against the API's limit).
        self.camera_gate = camera_gate or RequestGate(
            cap=CAMERA_CAP, window=CAMERA_WINDOW
        )

    @property
    def api_url(self) -> str:
        """Where the API's endpoints are."""
        return f"{self.base_url}/api"

    # -- the round trip ---------------------------------------------------------

    async def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> Any:
        """Call an endpoint and return its content (``body`` unwrapped).

        A token the cloud ended early (403 code 2 or 3) is refreshed once and
        the call made again; refused again, it is an AuthError.
        """
        for attempt in range(2):
            token = await self._token(refresh=attempt > 0)
            response = await async_fetch(
                self._session,
                method,
                f"{self.api_url}/{endpoint}",
                label=f"{method} {endpoint}",
                client_timeout=self._timeout,
                gate=self.gate,
                params=params,
                json=json,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                },
            )
            try:
                return self._read(response, endpoint)
            except _TokenEndedError as err:
                if attempt:
                    raise AuthError(
                        f"{endpoint}: the access token was refused after a refresh"
                    ) from err
                _LOGGER.debug("%s: the access token ended early; refreshing", endpoint)
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, response: RawResponse, endpoint: str) -> Any:
        """Map an answer onto its content or the matching typed error."""
        payload = response.json()
        code, message = _error_code(payload)
        failed = response.status >= 400 or (
            isinstance(payload, Mapping) and "error" in payload
        )
        if not failed:
            if payload is None:
                raise BadResponseError(f"{endpoint} answered no JSON")
            return unwrap(payload)
        text = f"{endpoint}: HTTP {response.status}" + (
            f", code {code}" if code is not None else ""
        )
        if message:
            text = f"{text}: {message}"
        if code in _TOKEN_ENDED or (code is None and response.status == 401):
            raise _TokenEndedError(text)
        if code == ERROR_SCOPE:
            raise AuthError(text)
        if code == ERROR_USAGE_REACHED or response.status == 429:
            raise RateLimitError(text, self.gate.hold_back(response, THROTTLE_BACKOFF))
        if response.status >= 500:
            raise CannotConnectError(text)
        if code == ERROR_DEVICE_NOT_FOUND:
            raise DeviceNotFoundError(text)
        if code == ERROR_INVALID_ARGUMENT:
            raise InvalidParameterError(text)
        if response.status in (401, 403):
            raise AuthError(text)
        raise RequestRejectedError(text)

    # -- the endpoints ------------------------------------------------------------

    async def homesdata(self) -> Topology:
        """``GET homesdata``: the homes, their rooms, modules and persons."""
        return parse_homesdata(await self.request("GET", "homesdata"), self.report)

    async def homestatus(self, home_id: str) -> HomeStatus:
        """``GET homestatus``: what each module of a home is doing now."""
        return parse_homestatus(
            await self.request("GET", "homestatus", params={"home_id": home_id}),
            self.report,
        )

    async def getevents(
        self, home_id: str, size: int = EVENTS_PAGE
    ) -> list[CloudEvent]:
        """``GET getevents``: a home's newest events, newest first."""
        return parse_events(
            await self.request(
                "GET", "getevents", params={"home_id": home_id, "size": str(size)}
            ),
            self.report,
        )

    async def getstationsdata(self) -> WeatherListing:
        """``GET getstationsdata``: the account's weather stations and readings."""
        return parse_weather(
            await self.request(
                "GET", "getstationsdata", params={"get_favorites": "false"}
            ),
            self.report,
        )

    async def gethomecoachsdata(self) -> WeatherListing:
        """``GET gethomecoachsdata``: the account's home coaches and readings."""
        return parse_weather(
            await self.request("GET", "gethomecoachsdata"), self.report
        )

    async def getscenarios(self, home_id: str) -> list[Scenario]:
        """``GET getscenarios``: the scenarios a home has."""
        return parse_scenarios(
            await self.request("GET", "getscenarios", params={"home_id": home_id}),
            self.report,
        )

    async def setstate(self, payload: Mapping[str, Any]) -> None:
        """``POST setstate``: change modules of a home (monitoring, a scenario).

        A module the cloud refused comes back in the answer's ``errors``; one
        that already was as asked (code 23) is no failure.
        """
        content = await self.request("POST", "setstate", json=dict(payload))
        errors = content.get("errors") if isinstance(content, Mapping) else None
        for error in errors if isinstance(errors, list) else []:
            if not isinstance(error, Mapping):
                continue
            code = to_int(error.get("code"))
            if code == ERROR_ALREADY:
                continue
            text = (
                f"setstate refused {to_str(error.get('id'))}: code {code} "
                f"{to_text(error.get('message')) or ''}".rstrip()
            )
            if code == ERROR_DEVICE_NOT_FOUND:
                raise DeviceNotFoundError(text)
            if code == ERROR_INVALID_ARGUMENT:
                raise InvalidParameterError(text)
            raise RequestRejectedError(text)

    async def addwebhook(self, url: str) -> None:
        """``POST addwebhook``: the cloud calls ``url`` with the cameras' events."""
        await self.request(
            "POST", "addwebhook", params={"url": url, "app_types": "app_security"}
        )

    async def dropwebhook(self) -> None:
        """``POST dropwebhook``: the cloud stops calling our webhook."""
        await self.request("POST", "dropwebhook", params={"app_types": "app_security"})

    # -- the cameras themselves (not API calls) -------------------------------------

    async def camera_ping(self, url: str, *, local: bool = False) -> str:
        """``{url}/command/ping``: the camera's LAN URL (its ``local_url``).

        ``local``: the URL is on the LAN, where a camera answers at once or
        not at all (LOCAL_PING_TIMEOUT). Raises CannotConnectError when the
        camera does not answer (in time) and BadResponseError when it answers
        something else.
        """
        timeout = LOCAL_PING_TIMEOUT if local else CAMERA_TIMEOUT
        response = await async_fetch(
            self._session,
            "GET",
            f"{url.rstrip('/')}/command/ping",
            label="a camera ping",
            client_timeout=aiohttp.ClientTimeout(total=timeout),
            gate=self.camera_gate,
            max_bytes=64 * 1024,
        )
        if response.status >= 400:
            raise CannotConnectError(f"a camera ping answered HTTP {response.status}")
        payload = response.json()
        found = (
            to_text(payload.get("local_url")) if isinstance(payload, Mapping) else None
        )
        if not found:
            raise BadResponseError("a camera ping without a local_url")
        return found.rstrip("/")

    async def image(self, url: str) -> bytes:
        """Download a picture: a camera's or an event's (at most MAX_IMAGE_BYTES).

        A picture the API serves (getcamerapicture) is an API call, made with
        the token; any other URL is signed or on a camera: no token is sent
        there, and it does not count against the API's limit.
        """
        if url.startswith(f"{self.api_url}/"):
            return await self._api_image(url)
        response = await async_fetch(
            self._session,
            "GET",
            url,
            label="an image download",
            client_timeout=aiohttp.ClientTimeout(total=CAMERA_TIMEOUT),
            gate=self.camera_gate,
            max_bytes=MAX_IMAGE_BYTES,
        )
        return _image_body(response)

    async def _api_image(self, url: str) -> bytes:
        """An image the API serves (counted, with the token; refreshed once)."""
        for attempt in range(2):
            token = await self._token(refresh=attempt > 0)
            response = await async_fetch(
                self._session,
                "GET",
                url,
                label="getcamerapicture",
                client_timeout=self._timeout,
                gate=self.gate,
                max_bytes=MAX_IMAGE_BYTES,
                headers={"Authorization": f"Bearer {token}"},
            )
            if response.status < 400:
                return _image_body(response)
            try:
                self._read(response, "getcamerapicture")
            except _TokenEndedError as err:
                if attempt:
                    raise AuthError("getcamerapicture: token refused") from err
        raise AssertionError("unreachable")  # pragma: no cover


def _image_body(response: RawResponse) -> bytes:
    """The picture of a download, or the error of a failed one."""
    if response.status >= 500:
        raise CannotConnectError(f"HTTP {response.status} downloading an image")
    if response.status >= 400:
        raise RequestRejectedError(f"HTTP {response.status} downloading an image")
    if not response.body:
        raise BadResponseError("an empty image")
    return response.body
