"""A fake Ninja Blocks cloud (https://api.ninja.is/rest/v0), faithful to the vendor doc.

This module is the HTTP side: routes, the token, callbacks, faults and the
world changes tests make. The devices live in `simulator.ninjablocks.world`,
the envelopes, shapes, history and validation in `simulator.ninjablocks.api`,
the callback registry and bodies in `simulator.ninjablocks.callbacks`. The wire
contract is docs/ninjablocks-wire.md.

Routes (below /rest/v0, all with `?user_access_token=<token>` but the tickle):

- GET /devices; GET | PUT | DELETE /device/:guid; GET /device/:guid/heartbeat;
  GET /device/:guid/data (from, to, interval, fn);
- POST | GET | PUT | DELETE /device/:guid/callback;
- POST /device/:guid/subdevice; PUT | DELETE /device/:guid/subdevice/:id;
  GET /device/:guid/subdevice/:id/data; POST
  /device/:guid/subdevice/:id/tickle/:token (no token needed);
- GET /camera/:guid/snapshot (the doc serves it from stream.ninja.is; here
  from the same server).

Answers are the doc's envelope {"result", "error", "id"[, "data"]}. Failures
(the doc shows none): a bad or missing token {"result": 0, "error": "Invalid
Token", "id": 401} with HTTP 401 (or 200: `Shapes.auth_error`); an unknown
device, sub-device or callback HTTP 404 with id 404; a callback that exists
HTTP 409 with id 409 (or HTTP 200: `Shapes.callback_exists`); a refused
parameter HTTP 200 with `result: 0` and id 400. An unknown route is 404, a
wrong method 405, both in the envelope.

Commands: PUT DA to an rgbled (6 hex digits, stored upper case) or a relay
("1"/"0", stored as 1/0) makes the device report it at once (last_data, the
heartbeat and its callback); to an rf433 it transmits the code (recorded in
`transmitted`, last_data unchanged; an RF actuator sub-device with that code
counts an actuation). Any other DA, or DA to a device that is no actuator, is
`result: 0`. shortName renames. Both in one PUT: each is applied if valid, and
the answer is `result: 0` if either failed, as the doc says.

World changes: `report(guid, DA)` is a device's report: last_data, the
heartbeat and the history follow (unless older than last_data), an RF code or
a webhook tickle counts an actuation of the sub-devices it matches, and the
heartbeat-like body is POSTed to the device's callback (if any) from a task;
`deliveries` and `delivery_counts` tell what became of it. A DELETEd device
comes back when it reports again (as the doc says), with its default name.

Faults: the core's (`add_fault`, see `simulator.core`; BODY_CODE is `result:
0` on HTTP 200 with the code as id) act before the API; so do this vendor's
own: `add_http_error` (any HTTP status with the failure envelope, optionally
Retry-After), `add_rejection` (HTTP 200 `result: 0` with any text and id),
`add_html_page` (an HTML page, by default HTTP 200 on GET /devices: "not an
API") and `add_garbage` (a non-JSON body on HTTP 200). They come before the
token check; `clear_faults` removes both kinds. `latency` delays every answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
import math
import random
from typing import Any, ClassVar, Final

from aiohttp import web

from ..core import (
    HTML_ERROR_PAGE,
    REQUEST_JSON,
    BaseSimulator,
    Handler,
    only_keys,
    route_template,
    shift_times,
    status_message,
)
from ..delivery import DeliversWebhooks, WebhookSender
from ..media import JPEG_BYTES
from .api import (
    CALLBACK_EXISTS,
    CATEGORY_DEVICE,
    DEVICE_NOT_FOUND,
    ERROR_TEXTS,
    INVALID_TOKEN,
    ApiError,
    Shapes,
    body_object,
    callback_url,
    command,
    counts,
    failure,
    is_envelope,
    ok,
    parse_query,
    point,
    rejected,
    series,
    short_name,
    subdevice_fields,
)
from .callbacks import (
    FOREIGN,
    REGISTERED,
    UPDATED,
    CallbackChange,
    Callbacks,
    callback_body,
)
from .world import (
    BLOCK_SPECS,
    BUTTON,
    CONTACT,
    DEFAULT_NODE,
    DINNER_BELL_ID,
    DINNER_BELL_TOKEN,
    DISTANCE,
    DOOR_BELL_CODE,
    DOOR_BELL_ID,
    HEAT_LAMP_CODE,
    HEAT_LAMP_ID,
    HUMIDITY,
    JSON,
    LIGHT,
    PIR,
    RELAY,
    RF433,
    RGBLED,
    TEMPERATURE,
    WEBCAM,
    WEBHOOK,
    WEBHOOK_GUID,
    WEBHOOK_NODE,
    LastData,
    SimDevice,
    SubDevice,
    World,
    add_block,
    block_guids,
    block_node,
    build_world,
    ms,
    new_subdevice_id,
    new_token,
    samples,
)

_LOGGER = logging.getLogger(__name__)

BASE_PATH: Final = "/rest/v0"
TOKEN_PARAM: Final = "user_access_token"  # noqa: S105 - a parameter name
DEFAULT_TOKEN: Final = "sim-ninjablocks-user-access-token"  # noqa: S105 - a fake one

DEVICES_ROUTE: Final = f"{BASE_PATH}/devices"
DEVICE_ROUTE: Final = f"{BASE_PATH}/device/{{guid}}"
HEARTBEAT_ROUTE: Final = f"{DEVICE_ROUTE}/heartbeat"
DATA_ROUTE: Final = f"{DEVICE_ROUTE}/data"
CALLBACK_ROUTE: Final = f"{DEVICE_ROUTE}/callback"
SUBDEVICES_ROUTE: Final = f"{DEVICE_ROUTE}/subdevice"
SUBDEVICE_ROUTE: Final = f"{SUBDEVICES_ROUTE}/{{subdevice_id}}"
SUBDEVICE_DATA_ROUTE: Final = f"{SUBDEVICE_ROUTE}/data"
TICKLE_ROUTE: Final = f"{SUBDEVICE_ROUTE}/tickle/{{token}}"
SNAPSHOT_ROUTE: Final = f"{BASE_PATH}/camera/{{guid}}/snapshot"

# The event name of callback POSTs in the delivery log.
CALLBACK_EVENT: Final = "callback"
CAMERA_TYPES: Final = (WEBCAM, "camera")
# The doc's sample snapshot headers (MJPG-Streamer behind the stream host).
SNAPSHOT_HEADERS: Final = {
    "Cache-Control": "no-store, no-cache, must-revalidate, pre-check=0, "
    "post-check=0, max-age=0",
    "Expires": "Mon, 3 Jan 2000 12:34:56 GMT",
    "Pragma": "no-cache",
    "Server": "MJPG-Streamer/0.2",
}
# What a wrong base URL answers: a web page, not the API.
HTML_PAGE: Final = (
    "<!DOCTYPE html>\n<html>\n<head><title>Ninja Blocks</title></head>\n<body>\n"
    "<h1>Ninja Blocks</h1>\n<p>Sign in to your dashboard.</p>\n</body>\n</html>\n"
)
GARBAGE_BODY: Final = "<<<garbage: this is not JSON>>>\n"
MALFORMED_BODY: Final = (
    '{"result": 1, "error": null, "id": 0, "data": {"ASTEALTHYNODE01_0301_0_30": '
    '{"css_class": "'
)

# The kinds of this vendor's own faults.
HTTP_ERROR: Final = "http_error"
REJECTION: Final = "rejection"
HTML: Final = "html"
GARBAGE: Final = "garbage"


@dataclass
class NinjaFault:
    """One of this vendor's faults (see the module doc) and what it matches."""

    kind: str
    status: int = 200
    route: str | None = None
    method: str | None = None
    device_id: str | None = None
    times: int | None = None
    retry_after: int | str | None = None
    error: str | None = None
    code: int | None = None

    def matches(self, method: str, route: str, device_id: str | None) -> bool:
        """Whether the fault applies to the request."""
        return (
            (self.route is None or self.route == route)
            and (self.device_id is None or self.device_id == device_id)
            and (self.method is None or self.method.upper() == method)
        )


@dataclass
class Transmission:
    """An RF code sent through an rf433 device (PUT DA)."""

    guid: str
    code: str
    at: datetime


@dataclass
class Command:
    """A PUT /device/:guid as received, and whether it was accepted."""

    guid: str
    body: Any
    at: datetime
    accepted: bool
    error: str | None = None


@dataclass
class Tickle:
    """A tickle of a webhook sensor sub-device (`accepted` False: wrong token)."""

    guid: str
    subdevice_id: str
    at: datetime
    accepted: bool


@dataclass
class Report:
    """A device's report (`report`), and the callback URL it was POSTed to."""

    guid: str
    da: Any
    timestamp: int
    url: str | None


class NinjaBlocksSimulator(DeliversWebhooks, BaseSimulator):
    """The Ninja Blocks cloud: blocks' devices, sub-devices, callbacks and snapshots."""

    identity_keys: ClassVar[frozenset[str]] = frozenset(
        {
            "guid",
            "GUID",
            "node",
            "gid",
            "vid",
            "did",
            "G",
            "V",
            "D",
            "device_type",
            "id",
            "category",
            "type",
            "token",
            "url",
        }
    )

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        blocks: int = 1,
        shapes: Shapes | None = None,
        seed: int = 0,
        latency: float = 0.0,
        public_url: str | None = None,
    ) -> None:
        """Create the account: `blocks` blocks of every device, and the webhook device.

        `token` is the one valid user_access_token (`token` can be changed
        later); `public_url` is where clients reach the simulator (it only
        shapes `tickle_url`).
        """
        super().__init__(latency=latency)
        self.app.middlewares.append(self._api_middleware)
        self.token = token
        self.seed = seed
        self.public_url = public_url
        self.shapes = shapes or Shapes()
        self.world: World = build_world(
            blocks=blocks, now_ms=ms(self.clock.now()), seed=seed
        )
        self.callbacks = Callbacks()
        self.webhook_sender = WebhookSender(self.clock.now, seed)
        self.ninja_faults: list[NinjaFault] = []
        self.transmitted: list[Transmission] = []
        self.commands: list[Command] = []
        self.tickles: list[Tickle] = []
        self.reports: list[Report] = []
        self._rng = random.Random(f"{seed}:ids")
        self._add_routes()
        self.app.on_cleanup.append(self._on_cleanup)

    # --- shapes -------------------------------------------------------------------

    def set_shapes(self, **changes: Any) -> Shapes:
        """Change some answer shapes (see `api.Shapes`), e.g. listing="list"."""
        self.shapes = self.shapes.but(**changes)
        return self.shapes

    # --- the world ----------------------------------------------------------------

    @property
    def devices(self) -> dict[str, SimDevice]:
        """Every listed device by GUID (blocks in order, then the webhook device)."""
        return self.world.devices

    @property
    def nodes(self) -> list[str]:
        """The blocks' nodes (serials)."""
        return self.world.nodes

    def device(self, guid: str) -> SimDevice:
        """A listed device (KeyError if unknown or deleted)."""
        return self.world.devices[guid]

    def subdevice(self, guid: str, subdevice_id: str) -> SubDevice:
        """A sub-device of a listed device (KeyError if unknown)."""
        return self.device(guid).sub_devices[subdevice_id]

    def add_block(self, node: str | None = None) -> list[SimDevice]:
        """A new block comes online with every device (node: the next free one).

        Its devices are listed after the others (the webhook device moves last).
        """
        if node is None:
            index = 1
            while block_node(index) in self.world.nodes:
                index += 1
            node = block_node(index)
        webhook = self.world.devices.pop(WEBHOOK_GUID, None)
        try:
            return add_block(self.world, node, ms(self.clock.now()))
        finally:
            if webhook is not None:
                self.world.devices[WEBHOOK_GUID] = webhook

    def remove_device(self, guid: str) -> SimDevice:
        """A device leaves the account (as a DELETE would): unlisted, no callback."""
        device = self.world.delete(guid)
        self._drop_callback(guid)
        return device

    def report(
        self, guid: str, da: Any, timestamp: datetime | int | None = None
    ) -> JSON:
        """The device reports `da` (at `timestamp`: a datetime or ms; default now).

        last_data and the heartbeat take it unless they hold a newer report;
        a number joins a time-series device's history; an rf433 code counts an
        actuation of its RF sensor sub-devices with that data, a webhook
        device's DA of the webhook sensor with that id. The heartbeat-like body
        goes to the device's callback, if it has one. A deleted device is
        listed again (KeyError for a GUID never known). Returns the report as
        a heartbeat {G, V, D, DA, GUID, timestamp, node}.
        """
        device = self.world.devices.get(guid)
        if device is None:
            if guid not in self.world.deleted:
                raise KeyError(guid)
            device = self.world.revive(guid)
        if timestamp is None:
            at = ms(self.clock.now())
        elif isinstance(timestamp, datetime):
            at = ms(timestamp)
        else:
            at = int(timestamp)
        report = LastData(da, at)
        if device.last_data is None or at >= device.last_data.timestamp:
            device.last_data = report
        if (
            device.spec.has_time_series
            and isinstance(da, int | float)
            and not isinstance(da, bool)
            and math.isfinite(da)
        ):
            device.reported.append((at, float(da)))
        self._count_actuations(device, da, at)
        url = self.callbacks.get(guid)
        self.reports.append(Report(guid, da, at, url))
        if url is not None:
            body = callback_body(device, report, self.shapes.callback_body)
            self.webhook_sender.send(url, CALLBACK_EVENT, body, guid)
        return device.heartbeat(report)

    def _count_actuations(self, device: SimDevice, da: Any, at: int) -> None:
        """Count the sensor sub-devices a report matches (RF code, webhook id)."""
        if not isinstance(da, str) or not da:
            return
        for sub_id, sub in device.sub_devices.items():
            if sub.type != "sensor":
                continue
            if (
                device.device_type == RF433 and sub.category == "rf" and sub.data == da
            ) or (
                device.device_type == WEBHOOK
                and sub.category == "webhook"
                and sub_id == da
            ):
                sub.actuations.append(at)

    def tickle_url(self, guid: str, subdevice_id: str) -> str:
        """The URL that tickles a webhook sensor (relative without `public_url`)."""
        sub = self.subdevice(guid, subdevice_id)
        if sub.token is None:
            raise ValueError(f"{guid}:{subdevice_id} is not a webhook sensor")
        path = f"{BASE_PATH}/device/{guid}/subdevice/{subdevice_id}/tickle/{sub.token}"
        return f"{self.public_url.rstrip('/')}{path}" if self.public_url else path

    # --- callbacks ------------------------------------------------------------------

    def callback_url(self, guid: str) -> str | None:
        """The callback URL registered against a device, if any."""
        return self.callbacks.get(guid)

    def set_foreign_callback(self, guid: str, url: str) -> None:
        """Another app registers its callback on the device (KeyError if unknown)."""
        self.device(guid)
        self.callbacks.set(guid, url, FOREIGN, self.clock.now())

    def callback_changes(
        self, guid: str | None = None, action: str | None = None
    ) -> list[CallbackChange]:
        """How callbacks changed (registered, updated, deleted, foreign), oldest first."""
        return self.callbacks.changes(guid, action)

    def callback_deliveries(self, guid: str | None = None) -> list[Any]:
        """The delivery outcomes of callback POSTs (of one device)."""
        return [
            delivery
            for delivery in self.deliveries
            if guid is None or delivery.device_id == guid
        ]

    def _drop_callback(self, guid: str) -> None:
        """Forget a device's callback and withdraw what is queued for it.

        Queued POSTs to its URL are withdrawn only if no other device uses the
        URL (the sender cancels by URL).
        """
        url = self.callbacks.delete(guid, self.clock.now())
        if url is not None and url not in self.callbacks.urls.values():
            self.webhook_sender.cancel(url)

    async def _on_cleanup(self, app: web.Application) -> None:
        """Stop delivering when the server closes."""
        await self.close_deliveries()

    # --- requests -------------------------------------------------------------------

    @property
    def request_counts(self) -> Counter[str]:
        """Requests so far by "METHOD route template", e.g. "GET /rest/v0/devices"."""
        return Counter(f"{req.method} {req.route}" for req in self.requests)

    @property
    def total_requests(self) -> int:
        """Every request so far (the tickle and failures included)."""
        return len(self.requests)

    # --- this vendor's faults ---------------------------------------------------------

    def add_http_error(
        self,
        status: int,
        *,
        route: str | None = None,
        method: str | None = None,
        device_id: str | None = None,
        times: int | None = None,
        retry_after: int | str | None = None,
        error: str | None = None,
    ) -> None:
        """Answer matching requests with HTTP `status` and the failure envelope.

        The envelope is {"result": 0, "error": `error` (default: the status's
        text), "id": status}; `retry_after` adds a Retry-After header.
        """
        if not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status")
        self.ninja_faults.append(
            NinjaFault(
                HTTP_ERROR, status, route, method, device_id, times, retry_after, error
            )
        )

    def add_rejection(
        self,
        error: str = "Internal server error",
        *,
        code: int = 500,
        route: str | None = None,
        method: str | None = None,
        device_id: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer matching requests HTTP 200 {"result": 0, "error": error, "id": code}."""
        self.ninja_faults.append(
            NinjaFault(
                REJECTION, 200, route, method, device_id, times, error=error, code=code
            )
        )

    def add_html_page(
        self,
        *,
        route: str | None = DEVICES_ROUTE,
        status: int = 200,
        method: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer an HTML page (default: HTTP 200 on GET /devices, "not an API")."""
        self.ninja_faults.append(NinjaFault(HTML, status, route, method, None, times))

    def add_garbage(
        self,
        *,
        route: str | None = None,
        method: str | None = None,
        device_id: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer HTTP 200 with a body that is not JSON (labelled JSON)."""
        self.ninja_faults.append(
            NinjaFault(GARBAGE, 200, route, method, device_id, times)
        )

    def clear_faults(self) -> None:
        """Remove every injected fault, the core's and this vendor's."""
        super().clear_faults()
        self.ninja_faults.clear()

    def _take_ninja_fault(
        self, method: str, route: str, device_id: str | None
    ) -> NinjaFault | None:
        """The first of this vendor's faults matching a request, using up one time."""
        for fault in self.ninja_faults:
            if not fault.matches(method, route, device_id):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.ninja_faults.remove(fault)
            return fault
        return None

    @staticmethod
    def _ninja_fault_answer(fault: NinjaFault) -> web.Response:
        """Answer in place of the API the way the fault says."""
        match fault.kind:
            case "html":
                page = HTML_PAGE
                if fault.status >= 400:
                    title = f"{fault.status} {status_message(fault.status)}"
                    page = HTML_ERROR_PAGE.replace("502 Bad Gateway", title)
                return web.Response(
                    text=page, status=fault.status, content_type="text/html"
                )
            case "garbage":
                return web.Response(text=GARBAGE_BODY, content_type="application/json")
            case "rejection":
                return web.json_response(
                    failure(
                        fault.error or "Error",
                        500 if fault.code is None else fault.code,
                    )
                )
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        return web.json_response(
            failure(fault.error or _error_text(fault.status), fault.status),
            status=fault.status,
            headers=headers,
        )

    # --- hooks for the core ---------------------------------------------------------

    def shift_history(self, delta: timedelta) -> None:
        """Keep reports, history, actuations and the logs relative to now."""
        self.world.shift(int(delta.total_seconds() * 1000))
        for report in self.reports:
            report.timestamp += int(delta.total_seconds() * 1000)
        for log in (self.transmitted, self.commands, self.tickles, self.callbacks.log):
            shift_times(log, delta)

    def request_device_id(self, request: web.Request) -> str | None:
        """The GUID a path names (sub-device routes: their device's)."""
        return request.match_info.get("guid")

    def error_payload(self, status: int, message: str) -> Any:
        """The failure envelope, the status as its id."""
        return failure(message, status)

    def fault_error_payload(
        self, request: web.Request, status: int, message: str
    ) -> Any:
        """Injected HTTP errors in the failure envelope ("Invalid Token" for 401)."""
        return failure(_error_text(status), status)

    def body_code_payload(self, code: int | None = None) -> Any:
        """`result: 0` with the code as id (default 500)."""
        code = 500 if code is None else code
        return failure(_error_text(code), code)

    def success_payload(self, request: web.Request, data: Any) -> Any:
        """The success envelope."""
        return ok(data)

    def map_data(self, payload: Any, change: Callable[[Any], Any]) -> Any:
        """Change the data of a successful envelope (failures and data-less ones stay)."""
        if not is_envelope(payload):
            return change(payload)
        if payload.get("result") != 1 or "data" not in payload:
            return payload
        return {**payload, "data": change(payload["data"])}

    def strip_required_fields(self, payload: Any) -> Any:
        """Empty every device of the listing; any other data becomes {}."""
        return self.map_data(payload, lambda data: _each_device(data, lambda _: {}))

    def keep_identity_fields(self, payload: Any) -> Any:
        """Keep only the identity fields (of every device, in the listing)."""
        keep = self.identity_keys
        return self.map_data(
            payload, lambda data: _each_device(data, lambda d: only_keys(d, keep))
        )

    def malformed_body(self) -> str:
        """A listing cut off mid-way."""
        return MALFORMED_BODY

    def handle_http_exception(self, exc: web.HTTPException) -> web.StreamResponse:
        """Render aiohttp's own errors (404, 405 with its Allow header) in the envelope."""
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return web.json_response(
            failure(exc.reason, exc.status), status=exc.status, headers=headers
        )

    # --- HTTP -----------------------------------------------------------------------

    def _add_routes(self) -> None:
        """Register the API."""
        router = self.app.router
        router.add_get(DEVICES_ROUTE, self._handle_devices)
        router.add_get(DEVICE_ROUTE, self._handle_device)
        router.add_put(DEVICE_ROUTE, self._handle_put_device)
        router.add_delete(DEVICE_ROUTE, self._handle_delete_device)
        router.add_get(HEARTBEAT_ROUTE, self._handle_heartbeat)
        router.add_get(DATA_ROUTE, self._handle_data)
        router.add_post(CALLBACK_ROUTE, self._handle_post_callback)
        router.add_get(CALLBACK_ROUTE, self._handle_get_callback)
        router.add_put(CALLBACK_ROUTE, self._handle_put_callback)
        router.add_delete(CALLBACK_ROUTE, self._handle_delete_callback)
        router.add_post(SUBDEVICES_ROUTE, self._handle_post_subdevice)
        router.add_put(SUBDEVICE_ROUTE, self._handle_put_subdevice)
        router.add_delete(SUBDEVICE_ROUTE, self._handle_delete_subdevice)
        router.add_get(SUBDEVICE_DATA_ROUTE, self._handle_subdevice_data)
        router.add_post(TICKLE_ROUTE, self._handle_tickle)
        router.add_get(SNAPSHOT_ROUTE, self._handle_snapshot)

    @web.middleware
    async def _api_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Apply this vendor's faults, check the token, render ApiErrors."""
        route = route_template(request)
        fault = self._take_ninja_fault(
            request.method, route, self.request_device_id(request)
        )
        if fault is not None:
            return self._ninja_fault_answer(fault)
        try:
            if request.match_info.route.resource is not None and route != TICKLE_ROUTE:
                self._check_token(request)
            return await handler(request)
        except ApiError as err:
            return web.json_response(
                failure(err.error, err.code), status=err.status, headers=err.headers
            )

    def _check_token(self, request: web.Request) -> None:
        """Require ?user_access_token=<token>."""
        if request.query.get(TOKEN_PARAM) != self.token:
            raise self._auth_error()

    def _auth_error(self) -> ApiError:
        """The answer to a bad token: HTTP 401 (or 200), id 401."""
        status = 401 if self.shapes.auth_error == "401" else 200
        return ApiError(status, INVALID_TOKEN, 401)

    def _device(self, request: web.Request) -> SimDevice:
        """The device the path names (404 if unknown)."""
        device = self.world.devices.get(request.match_info["guid"])
        if device is None:
            raise ApiError(404, DEVICE_NOT_FOUND)
        return device

    def _subdevice(self, request: web.Request) -> tuple[SimDevice, SubDevice]:
        """The device and sub-device the path names (404 if either is unknown)."""
        device = self._device(request)
        sub = device.sub_devices.get(request.match_info["subdevice_id"])
        if sub is None:
            raise ApiError(404, "Sub-device not found")
        return device, sub

    def _now_ms(self) -> int:
        """The simulator clock in ms since the epoch."""
        return ms(self.clock.now())

    def _device_json(self, device: SimDevice, *, with_guid: bool) -> JSON:
        """A device object in the current shapes."""
        return device.as_json(
            with_guid=with_guid,
            empty_subdevices=self.shapes.empty_subdevices,
            no_data=self.shapes.no_data,
        )

    # --- devices ----------------------------------------------------------------------

    async def _handle_devices(self, request: web.Request) -> web.Response:
        """GET /devices: keyed by GUID (the doc) or a list (`Shapes.listing`)."""
        devices = self.world.devices.values()
        data: Any
        if self.shapes.listing == "list":
            data = [self._device_json(d, with_guid=True) for d in devices]
        else:
            data = {d.guid: self._device_json(d, with_guid=False) for d in devices}
        return web.json_response(ok(data))

    async def _handle_device(self, request: web.Request) -> web.Response:
        """GET /device/:guid (with `guid`)."""
        device = self._device(request)
        return web.json_response(ok(self._device_json(device, with_guid=True)))

    async def _handle_put_device(self, request: web.Request) -> web.Response:
        """PUT /device/:guid {DA?, shortName?}: a command and/or a rename."""
        device = self._device(request)
        raw = request.get(REQUEST_JSON)
        now = self.clock.now()
        failed: ApiError | None = None
        try:
            body = body_object(raw)
            if "DA" not in body and "shortName" not in body:
                raise rejected("Nothing to update: give DA and/or shortName")
        except ApiError as err:
            self.commands.append(Command(device.guid, raw, now, False, err.error))
            raise
        if "shortName" in body:
            try:
                device.short_name = short_name(body["shortName"])
            except ApiError as err:
                failed = err
        if "DA" in body:
            try:
                self._actuate(device, body["DA"])
            except ApiError as err:
                failed = failed or err
        self.commands.append(
            Command(
                device.guid,
                raw,
                now,
                failed is None,
                None if failed is None else failed.error,
            )
        )
        if failed is not None:
            raise failed
        return web.json_response(ok(with_data=False))

    def _actuate(self, device: SimDevice, da: Any) -> None:
        """Send a DA: the device reports it, or (rf433) transmits it."""
        value = command(device.device_type, device.spec.is_actuator, da)
        if device.device_type != RF433:
            self.report(device.guid, value)
            return
        now = self.clock.now()
        self.transmitted.append(Transmission(device.guid, value, now))
        for sub in device.sub_devices.values():
            if sub.category == "rf" and sub.type == "actuator" and sub.data == value:
                sub.actuations.append(ms(now))

    async def _handle_delete_device(self, request: web.Request) -> web.Response:
        """DELETE /device/:guid (it comes back when it reports again)."""
        self.remove_device(self._device(request).guid)
        return web.json_response(ok(with_data=False))

    async def _handle_heartbeat(self, request: web.Request) -> web.Response:
        """GET /device/:guid/heartbeat: {G, V, D, DA, GUID, timestamp, node}."""
        return web.json_response(ok(self._device(request).heartbeat()))

    async def _handle_data(self, request: web.Request) -> web.Response:
        """GET /device/:guid/data?from&to&interval&fn: [{t, v}]."""
        device = self._device(request)
        query = parse_query(request.query, self._now_ms())
        points = samples(self.world, device, query.start, query.end)
        data = [
            point(t, v, self.shapes.data_time)
            for t, v in series(points, query)
            if math.isfinite(v)
        ]
        return web.json_response(ok(data))

    # --- callbacks ------------------------------------------------------------------

    async def _handle_post_callback(self, request: web.Request) -> web.Response:
        """POST /device/:guid/callback {url}: 409 if the device has one."""
        device = self._device(request)
        url = callback_url(request.get(REQUEST_JSON))
        if self.callbacks.get(device.guid) is not None:
            status = 409 if self.shapes.callback_exists == "409" else 200
            raise ApiError(status, CALLBACK_EXISTS, 409)
        self.callbacks.set(device.guid, url, REGISTERED, self.clock.now())
        return web.json_response(ok(with_data=False))

    def _existing_callback(self, device: SimDevice) -> str:
        """The device's callback URL (404 without one)."""
        url = self.callbacks.get(device.guid)
        if url is None:
            raise ApiError(404, "Callback not found")
        return url

    async def _handle_get_callback(self, request: web.Request) -> web.Response:
        """GET /device/:guid/callback: {"url"} (404 without one)."""
        url = self._existing_callback(self._device(request))
        return web.json_response(ok({"url": url}))

    async def _handle_put_callback(self, request: web.Request) -> web.Response:
        """PUT /device/:guid/callback {url} (404 without one)."""
        device = self._device(request)
        url = callback_url(request.get(REQUEST_JSON))
        self._existing_callback(device)
        self.callbacks.set(device.guid, url, UPDATED, self.clock.now())
        return web.json_response(ok(with_data=False))

    async def _handle_delete_callback(self, request: web.Request) -> web.Response:
        """DELETE /device/:guid/callback (404 without one): no POST after it."""
        device = self._device(request)
        self._existing_callback(device)
        self._drop_callback(device.guid)
        return web.json_response(ok(with_data=False))

    # --- sub-devices ------------------------------------------------------------------

    @staticmethod
    def _check_subdevice(
        device: SimDevice, category: str, kind: str, url: str | None
    ) -> None:
        """The category must fit the device; a url only fits a webhook actuator."""
        if CATEGORY_DEVICE[category] != device.device_type:
            raise rejected(
                f"Category '{category}' does not correspond to a "
                f"{device.device_type} device"
            )
        if url is not None and (category, kind) != ("webhook", "actuator"):
            raise rejected("url is only stored in a webhook actuator")

    async def _handle_post_subdevice(self, request: web.Request) -> web.Response:
        """POST /device/:guid/subdevice: {"id"} (and a webhook sensor's "token")."""
        device = self._device(request)
        given = subdevice_fields(request.get(REQUEST_JSON), create=True)
        category, kind = given.category or "", given.type or ""
        self._check_subdevice(device, category, kind, given.url)
        sub_id = new_subdevice_id(self._rng, device.sub_devices)
        token = (
            new_token(self._rng) if (category, kind) == ("webhook", "sensor") else None
        )
        device.sub_devices[sub_id] = SubDevice(
            sub_id,
            category,
            kind,
            given.short_name or "",
            given.data or "",
            given.url,
            token,
        )
        data: JSON = {"id": sub_id}
        if token is not None:
            data["token"] = token
        return web.json_response(ok(data))

    async def _handle_put_subdevice(self, request: web.Request) -> web.Response:
        """PUT /device/:guid/subdevice/:id with what changes."""
        device, sub = self._subdevice(request)
        given = subdevice_fields(request.get(REQUEST_JSON), create=False)
        category = given.category or sub.category
        kind = given.type or sub.type
        self._check_subdevice(device, category, kind, given.url)
        sub.category, sub.type = category, kind
        if given.short_name is not None:
            sub.short_name = given.short_name
        if given.data is not None:
            sub.data = given.data
        if (category, kind) != ("webhook", "actuator"):
            sub.url = None
        elif given.url is not None:
            sub.url = given.url
        if (category, kind) != ("webhook", "sensor"):
            sub.token = None
        elif sub.token is None:
            sub.token = new_token(self._rng)
        return web.json_response(ok(with_data=False))

    async def _handle_delete_subdevice(self, request: web.Request) -> web.Response:
        """DELETE /device/:guid/subdevice/:id."""
        device, sub = self._subdevice(request)
        del device.sub_devices[sub.sub_id]
        return web.json_response(ok(with_data=False))

    async def _handle_subdevice_data(self, request: web.Request) -> web.Response:
        """GET /device/:guid/subdevice/:id/data: actuation counts."""
        _, sub = self._subdevice(request)
        query = parse_query(request.query, self._now_ms(), with_fn=False)
        data = [
            point(t, v, self.shapes.data_time) for t, v in counts(sub.actuations, query)
        ]
        return web.json_response(ok(data))

    async def _handle_tickle(self, request: web.Request) -> web.Response:
        """POST .../subdevice/:id/tickle/:token: the webhook device reports the id."""
        device, sub = self._subdevice(request)
        if sub.token is None:
            raise ApiError(404, "Sub-device is not a webhook sensor")
        accepted = request.match_info["token"] == sub.token
        self.tickles.append(Tickle(device.guid, sub.sub_id, self.clock.now(), accepted))
        if not accepted:
            raise self._auth_error()
        self.report(device.guid, sub.sub_id)
        return web.json_response(ok(with_data=False))

    # --- camera -----------------------------------------------------------------------

    async def _handle_snapshot(self, request: web.Request) -> web.Response:
        """GET /camera/:guid/snapshot: JPEG bytes (404 for a device that is no camera)."""
        device = self._device(request)
        if device.device_type not in CAMERA_TYPES:
            raise ApiError(404, "Device is not a camera")
        return web.Response(
            body=JPEG_BYTES, content_type="image/jpeg", headers=SNAPSHOT_HEADERS
        )


def _error_text(code: int) -> str:
    """The failure text of a code: this vendor's, else the HTTP reason."""
    return ERROR_TEXTS.get(code) or status_message(code)


def _each_device(data: Any, change: Callable[[JSON], JSON]) -> Any:
    """Apply `change` to every device of a listing; to any other data object."""
    if isinstance(data, list):
        return [change(item) if isinstance(item, dict) else item for item in data]
    if (
        isinstance(data, dict)
        and data
        and all(isinstance(v, dict) for v in data.values())
    ):
        return {key: change(item) for key, item in data.items()}
    return change(data) if isinstance(data, dict) else {}


def describe(sim: NinjaBlocksSimulator) -> list[str]:
    """The lines the command line prints about the account."""
    lines = [
        f"Token:    {sim.token} (?{TOKEN_PARAM}=...)",
        f"Blocks:   {', '.join(sim.nodes) or 'none'}",
        f"Devices:  {len(sim.devices)}",
    ]
    if sim.nodes:
        camera = f"{sim.nodes[0]}_0_0_1004"
        lines.append(f"Snapshot: {BASE_PATH}/camera/{camera}/snapshot")
    if (
        WEBHOOK_GUID in sim.devices
        and DINNER_BELL_ID in sim.devices[WEBHOOK_GUID].sub_devices
    ):
        lines.append(f"Tickle:   {sim.tickle_url(WEBHOOK_GUID, DINNER_BELL_ID)}")
    return lines


__all__ = [
    "BASE_PATH",
    "BLOCK_SPECS",
    "BUTTON",
    "CALLBACK_EVENT",
    "CALLBACK_ROUTE",
    "CONTACT",
    "DATA_ROUTE",
    "DEFAULT_NODE",
    "DEFAULT_TOKEN",
    "DEVICES_ROUTE",
    "DEVICE_ROUTE",
    "DINNER_BELL_ID",
    "DINNER_BELL_TOKEN",
    "DISTANCE",
    "DOOR_BELL_CODE",
    "DOOR_BELL_ID",
    "HEARTBEAT_ROUTE",
    "HEAT_LAMP_CODE",
    "HEAT_LAMP_ID",
    "HUMIDITY",
    "LIGHT",
    "PIR",
    "RELAY",
    "RF433",
    "RGBLED",
    "SNAPSHOT_ROUTE",
    "SUBDEVICES_ROUTE",
    "SUBDEVICE_DATA_ROUTE",
    "SUBDEVICE_ROUTE",
    "TEMPERATURE",
    "TICKLE_ROUTE",
    "TOKEN_PARAM",
    "WEBCAM",
    "WEBHOOK",
    "WEBHOOK_GUID",
    "WEBHOOK_NODE",
    "CallbackChange",
    "Command",
    "NinjaBlocksSimulator",
    "NinjaFault",
    "Report",
    "Shapes",
    "SimDevice",
    "SubDevice",
    "Tickle",
    "Transmission",
    "block_guids",
    "describe",
]
