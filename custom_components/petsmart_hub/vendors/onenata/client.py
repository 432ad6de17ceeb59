"""OneNata cloud: HTTP client, parsing and mapping onto the neutral model.

The API (``shared/vendor-apis/onenata.txt``) wraps every answer in
``{"code", "msg", "data"}``; a ``code`` other than 200 is an error even when the
HTTP status is 200. No Home Assistant imports here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import logging
import re
from typing import Any, Final

import aiohttp

from ...model import DeviceKind
from ..base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    DeviceNotFoundError,
    RateLimitError,
    RequestRejectedError,
)
from ..http import THROTTLE_STATUSES, RequestGate, async_fetch
from ..parse import ParseReport, pick, present, to_int, to_str, to_text

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.onenata.com/v1"
MANUFACTURER: Final = "OneNata"
REQUEST_TIMEOUT: Final = 20  # seconds
#: The most requests one account may send in REQUEST_WINDOW, whatever asks.
#: OneNata documents no limit; this keeps a bug from hammering the cloud while
#: leaving room for setting up, then polling, an account of a thousand devices
#: (about two requests each at setup, one a minute after).
REQUEST_CAP: Final = 2500
REQUEST_WINDOW: Final = timedelta(minutes=1)
#: Requests a refresh keeps in flight at once. OneNata documents no limit;
#: four is what a cloud of its kind takes without throttling.
CONCURRENT_REQUESTS: Final = 4
#: The largest photo or thumbnail we download.
MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024

#: ``deviceType`` as the doc spells it, per neutral kind.
DEVICE_TYPES: Final[dict[DeviceKind, str]] = {
    DeviceKind.FEEDER: "feedingMachine",
    DeviceKind.FOUNTAIN: "waterFountain",
    DeviceKind.TRACKER: "gpsTracker",
    DeviceKind.CAMERA: "camera",
    DeviceKind.LITTER_BOX: "litterBox",
    DeviceKind.TOY: "smartToy",
}

# The doc only ever shows the camelCase types above; other spellings seen in
# the wild ("feeding_machine", "Feeder", "GPS") are folded to the same kinds.
_KIND_ALIASES: Final[dict[str, DeviceKind]] = {
    "feedingmachine": DeviceKind.FEEDER,
    "feeder": DeviceKind.FEEDER,
    "smartfeeder": DeviceKind.FEEDER,
    "waterfountain": DeviceKind.FOUNTAIN,
    "fountain": DeviceKind.FOUNTAIN,
    "gpstracker": DeviceKind.TRACKER,
    "tracker": DeviceKind.TRACKER,
    "gps": DeviceKind.TRACKER,
    "camera": DeviceKind.CAMERA,
    "petcamera": DeviceKind.CAMERA,
    "smartcamera": DeviceKind.CAMERA,
    "litterbox": DeviceKind.LITTER_BOX,
    "smartlitterbox": DeviceKind.LITTER_BOX,
    "smarttoy": DeviceKind.TOY,
    "toy": DeviceKind.TOY,
}


def kind_from_type(device_type: Any) -> DeviceKind | None:
    """Map a OneNata ``deviceType`` onto a neutral kind (None: unsupported)."""
    text = to_str(device_type)
    if text is None:
        return None
    return _KIND_ALIASES.get(re.sub(r"[^a-z]", "", text.lower()))


@dataclass(slots=True)
class OneNataDevice:
    """One entry of ``GET /devices``."""

    device_id: str
    device_type: str
    kind: DeviceKind | None
    serial: str | None
    model: str | None
    name: str | None
    firmware: str | None


@dataclass(slots=True)
class DeviceListing:
    """What ``GET /devices`` listed: readable entries, and how many were not."""

    entries: list[OneNataDevice]
    #: Entries that could not be read at all (not an object, no deviceId).
    unreadable: int = 0


def parse_device_list(body: Any, report: ParseReport | None = None) -> DeviceListing:
    """Parse the body of ``GET /devices``.

    The doc never shows this body. We accept every plausible shape: a bare
    list, the usual envelope whose ``data`` is the list, an envelope whose
    ``data`` is an object holding the list (``devices``, ``items``, ``list``,
    ``records`` or ``results``), and an object holding the list directly.

    An entry we cannot read (not an object, no ``deviceId``) is skipped and
    counted; the listing is then incomplete, so no device is taken for gone.
    A list of entries none of which can be read is a bad answer.
    """
    report = report if report is not None else ParseReport()
    items: Any = body
    if isinstance(items, dict) and "data" in items:
        items = items["data"]
    if isinstance(items, dict):
        found = pick(items, "devices", "items", "list", "records", "results")
        items = found if present(found) else None
    if not isinstance(items, list):
        raise BadResponseError("device list is not a list")
    listing = DeviceListing([])
    for item in items:
        if not isinstance(item, dict):
            report.skip("device list entry", "not an object")
            listing.unreadable += 1
            continue
        device_id = to_str(pick(item, "deviceId", "id", "device_id"))
        if not device_id:
            report.skip("device list entry", "no deviceId")
            listing.unreadable += 1
            continue
        device_type = to_text(pick(item, "deviceType", "type", "device_type")) or ""
        listing.entries.append(
            OneNataDevice(
                device_id=device_id,
                device_type=device_type,
                kind=kind_from_type(device_type),
                serial=to_text(pick(item, "serialNumber", "serial", "sn")),
                model=to_text(pick(item, "deviceModel", "model")),
                name=to_text(pick(item, "name", "deviceName", "nickname")),
                firmware=to_text(
                    pick(item, "firmwareVersion", "firmware", "fwVersion")
                ),
            )
        )
    if items and not listing.entries:
        raise BadResponseError("no entry of the device list can be read")
    return listing


def _raise_for_code(code: int, message: str, retry_after: float | None) -> None:
    """Turn an HTTP status or envelope code into the matching typed error.

    A 503 that says when to come back is throttling; without Retry-After it
    is an outage like any other 5xx.
    """
    if code in (401, 403):
        raise AuthError(message)
    if code == 429 or (code == 503 and retry_after is not None):
        raise RateLimitError(message, retry_after)
    if code == 404:
        raise DeviceNotFoundError(message)
    if 400 <= code < 500:
        raise RequestRejectedError(message)
    if code >= 500:
        raise CannotConnectError(message)
    raise BadResponseError(message)


class OneNataClient:
    """Thin async client of the OneNata REST API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        request_timeout: float | None = None,
        gate: RequestGate | None = None,
    ) -> None:
        """Keep the session (owned by the caller) and credentials."""
        self._session = session
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=request_timeout or REQUEST_TIMEOUT)
        #: Every request of the account passes here (Retry-After, the cap).
        self.gate = gate or RequestGate(cap=REQUEST_CAP, window=REQUEST_WINDOW)

    async def _request_raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        empty_ok: bool = False,
    ) -> Any:
        """Send a request and return the decoded JSON body (envelope unchecked).

        ``empty_ok``: an empty 2xx body is an answer (None), not a bad one.
        """
        url = f"{self._base_url}{path}"
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Accept": "application/json",
        }
        response = await async_fetch(
            self._session,
            method,
            url,
            label=f"{method} {path}",
            client_timeout=self._timeout,
            gate=self.gate,
            params=params,
            json=json,
            headers=headers,
        )
        status = response.status
        retry_after = response.retry_after
        body = response.json()
        if status >= 400:
            message = f"HTTP {status} on {method} {path}"
            if isinstance(body, dict) and to_str(body.get("msg")):
                message = f"{message}: {body['msg']}"
            _raise_for_code(status, message, retry_after)
        if body is None:
            if empty_ok and not response.body.strip():
                return None
            raise BadResponseError(f"{method} {path} returned no JSON")
        if isinstance(body, dict) and "code" in body:
            code = to_int(body["code"])
            if code is None:
                raise BadResponseError(
                    f"{method} {path} returned code {body['code']!r}"
                )
            if code != 200:
                message = f"code {code} on {method} {path}: {to_str(body.get('msg'))}"
                if code in THROTTLE_STATUSES and retry_after is None:
                    # a throttling code inside an HTTP 200: its header counts too
                    retry_after = self.gate.throttle(
                        response.headers.get("Retry-After")
                    )
                _raise_for_code(code, message, retry_after)
        return body

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        """Send a request and return the envelope's ``data`` object."""
        body = await self._request_raw(method, path, params=params, json=json)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise BadResponseError(f"{method} {path} returned no data object")
        return data

    async def async_get_devices(
        self, report: ParseReport | None = None
    ) -> DeviceListing:
        """``GET /devices``: the account's devices."""
        return parse_device_list(await self._request_raw("GET", "/devices"), report)

    async def async_validate_device(
        self, serial: str, device_type: str, model: str | None
    ) -> dict[str, Any]:
        """``POST /devices/validate``: add a device to the account."""
        payload: dict[str, Any] = {
            "serialNumber": serial,
            "deviceType": device_type,
            "manufacturer": "onenata",
        }
        if model:
            payload["deviceModel"] = model
        return await self._request("POST", "/devices/validate", json=payload)

    async def async_register_webhook(self, url: str, events: list[str]) -> None:
        """``POST /webhooks``: the cloud calls ``url`` with ``events``.

        The doc shows no answer: any 2xx answer that is no error envelope is
        taken as registered, an empty body included.
        """
        await self._request_raw(
            "POST", "/webhooks", json={"url": url, "events": events}, empty_ok=True
        )

    async def async_get_status(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/status``."""
        return await self._request("GET", f"/devices/{device_id}/status")

    async def async_send_command(
        self, device_id: str, command: str, parameters: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``POST /devices/{id}/commands``: any command of the doc's list."""
        return await self._request(
            "POST",
            f"/devices/{device_id}/commands",
            json={"command": command, "parameters": dict(parameters)},
        )

    async def async_get_food_level(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/food-level``."""
        return await self._request("GET", f"/devices/{device_id}/food-level")

    async def async_get_location(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/location``."""
        return await self._request(
            "GET", f"/devices/{device_id}/location", params={"includeAddress": "true"}
        )

    async def async_get_location_history(
        self, device_id: str, start: datetime, end: datetime, limit: int
    ) -> dict[str, Any]:
        """``GET /devices/{id}/location/history``."""
        return await self._request(
            "GET",
            f"/devices/{device_id}/location/history",
            params={
                "startDate": _iso(start),
                "endDate": _iso(end),
                "limit": str(limit),
            },
        )

    async def async_get_water_quality(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/water-quality``."""
        return await self._request("GET", f"/devices/{device_id}/water-quality")

    async def async_get_stream(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/stream`` (HLS)."""
        return await self._request(
            "GET",
            f"/devices/{device_id}/stream",
            params={"quality": "1080p", "audio": "true", "format": "hls"},
        )

    async def async_get_usage_stats(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/usage-stats`` (litter box)."""
        return await self._request(
            "GET",
            f"/devices/{device_id}/usage-stats",
            params={"period": "7d", "includeHealth": "true"},
        )

    async def async_get_health_insights(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/health-insights`` (litter box)."""
        return await self._request(
            "GET",
            f"/devices/{device_id}/health-insights",
            params={"period": "30d", "includeRecommendations": "true"},
        )

    async def async_get_activity(self, device_id: str) -> dict[str, Any]:
        """``GET /devices/{id}/activity`` (smart toy)."""
        return await self._request(
            "GET",
            f"/devices/{device_id}/activity",
            params={"period": "7d", "includeCalories": "true"},
        )

    async def async_get_bytes(self, url: str) -> bytes:
        """Download a thumbnail or photo (signed URLs: no credentials sent)."""
        response = await async_fetch(
            self._session,
            "GET",
            url,
            label="an image download",
            client_timeout=self._timeout,
            gate=self.gate,
            max_bytes=MAX_IMAGE_BYTES,
        )
        if response.status in (401, 403):
            # signed URLs carry no API key: the URL was refused, not the key
            raise RequestRejectedError(f"HTTP {response.status} downloading an image")
        if response.status >= 400:
            _raise_for_code(
                response.status, f"HTTP {response.status}", response.retry_after
            )
        return response.body


def _iso(moment: datetime) -> str:
    """Format a moment the way the doc does (UTC, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
