"""A fake OneNata cloud (https://api.onenata.com/v1), faithful to the vendor doc.

This module is the HTTP side: routes, authentication, the fleet, webhooks and
the camera media. What devices are and what the API answers live in
`simulator.onenata.devices` and `simulator.onenata.api`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
import logging
import re
import time
from typing import Any, ClassVar

from aiohttp import WSMsgType, web

from ..core import BaseSimulator, Fault, FaultKind, Handler, shift_times, status_message
from ..delivery import DeliversWebhooks, WebhookSender
from ..media import JPEG_BYTES, TS_SEGMENT_BYTES, hls_playlist
from .api import (
    COMMANDS,
    DEVICE_ENDPOINTS,
    ApiError,
    Ctx,
    Endpoint,
    envelope,
    validate_params,
)
from .devices import (
    CAMERA,
    DEVICE_KINDS,
    FOUNTAIN,
    JSON,
    KINDS,
    LITTER_BOX,
    TRACKER,
    TRACKER_FIX_SECONDS,
    RaisedAlert,
    SimDevice,
    floor_time,
    iso,
    new_device,
    validate_data,
)
from .events import WEBHOOK_EVENTS, Look, changes, look

_LOGGER = logging.getLogger(__name__)

API_PREFIX = "/v1/"
#: In scale mode, the whole fleet is settled (and looked at) at most this
#: often (real seconds); in between only the device a request names.
FLEET_SETTLE_EVERY = 1.0
DEVICES_SHAPES = ("envelope_list", "envelope_object", "bare_list", "object")

DEVICE_LIST_ROUTE = "/v1/devices"
# The faults that break GET /devices' list (and act on no other route).
DEVICE_LIST_FAULTS = (
    FaultKind.BAD_ENTRIES,
    FaultKind.EMPTY_LIST,
    FaultKind.DROP_DEVICE,
    FaultKind.MINIMAL_ENTRIES,
)
# BAD_ENTRIES with this `value` also takes deviceType out of every real entry.
STRIP_TYPE = "strip_type"


@dataclass
class WebhookRegistration:
    """The account's webhook: where events go and which ones."""

    webhook_id: str
    url: str
    events: list[str]

    def as_json(self) -> JSON:
        """The registration as POST /webhooks answers it."""
        return {"webhookId": self.webhook_id, "url": self.url, "events": self.events}


class OneNataSimulator(DeliversWebhooks, BaseSimulator):
    """The OneNata cloud: devices, commands, webhooks and camera media."""

    fault_routes: ClassVar[Mapping[FaultKind, str]] = dict.fromkeys(
        DEVICE_LIST_FAULTS, DEVICE_LIST_ROUTE
    )
    identity_keys: ClassVar[frozenset[str]] = frozenset({"deviceId", "id"})

    def __init__(
        self,
        api_key: str = "test-key",
        devices_per_kind: int = 1,
        *,
        latency: float = 0.0,
        devices_shape: str = "envelope_list",
        seed: int = 0,
        public_url: str | None = None,
        devices: int | None = None,
    ) -> None:
        """Create the simulator with `devices_per_kind` devices of every kind.

        With `devices`, that many devices instead, the kinds taken in turn in
        `DEVICE_KINDS` order (feeder, fountain, tracker, camera, litter box,
        toy, feeder...): 5 is one each of the first five kinds, 50 is nine
        feeders, nine fountains and eight of each other kind.
        """
        if devices_shape not in DEVICES_SHAPES:
            raise ValueError(f"devices_shape must be one of {DEVICES_SHAPES}")
        if devices is not None and devices < 0:
            raise ValueError("devices can not be negative")
        super().__init__(latency=latency)
        self.app.middlewares.append(self._api_middleware)
        self.api_key = api_key
        self.devices_shape = devices_shape
        self.seed = seed
        self.public_url = public_url
        self.devices: dict[str, SimDevice] = {}
        # The account's webhook (one per account: registering again replaces it).
        self.webhook: WebhookRegistration | None = None
        self.webhook_sender = WebhookSender(self.clock.now, seed)
        self._looks: dict[str, Look] = {}
        self._counters: Counter[str] = Counter()
        self._quiet = False
        #: Scale mode, for accounts of hundreds of devices in real time (the
        #: scale benchmark): a request or `update_device` settles and looks at
        #: the device it names only, and the whole fleet at most every
        #: FLEET_SETTLE_EVERY seconds, so the simulator's cost per request
        #: does not grow with the fleet. Every device is still settled before
        #: it is read or changed; another's timed changes (a meal served, a
        #: fence crossed) are sent up to a second later. Off: every request
        #: settles and looks at every device, as tests expect.
        self.scale = False
        #: when (monotonic) the whole fleet was last settled
        self._fleet_settled = -float("inf")
        if devices is not None:
            for number in range(devices):
                self.add_device(DEVICE_KINDS[number % len(DEVICE_KINDS)])
        else:
            for kind in DEVICE_KINDS:
                for _ in range(devices_per_kind):
                    self.add_device(kind)
        self._add_routes()
        self.clock.on_change(self.notify_changes)
        self.app.on_cleanup.append(self._on_cleanup)

    # --- fleet ------------------------------------------------------------

    def add_device(
        self, kind: str, serial: str | None = None, model: str | None = None
    ) -> SimDevice:
        """Add a device of `kind`; serial and model default to the stable ones."""
        if kind not in KINDS:
            raise ValueError(f"Unknown device kind {kind!r}")
        if serial is not None and self.find_serial(serial) is not None:
            raise ValueError(f"Serial {serial!r} is already registered")
        spec = KINDS[kind]
        index = self._next_free_index(kind, need_serial=serial is None)
        device = new_device(
            kind,
            index,
            serial or f"{spec.serial_prefix}-{index:03d}",
            model or spec.model,
            self.clock.now(),
            self.seed,
        )
        if self._quiet:
            device.frozen_at = device.created
        self.devices[device.device_id] = device
        return device

    def _next_free_index(self, kind: str, *, need_serial: bool) -> int:
        """Next index of `kind` whose id (and default serial) are still free."""
        spec = KINDS[kind]
        while True:
            self._counters[f"kind:{kind}"] += 1
            index = self._counters[f"kind:{kind}"]
            taken = f"{spec.id_prefix}_{index:03d}" in self.devices or (
                need_serial
                and self.find_serial(f"{spec.serial_prefix}-{index:03d}") is not None
            )
            if not taken:
                return index

    @property
    def quiet(self) -> bool:
        """Whether nothing happens in the home but the devices' check-ins.

        Set it and every device keeps reporting what it reports now: trackers
        stand still, feeders serve no meals, waste, filters and water readings
        stay as they are. The clock runs on, and with it the report times
        (lastReportTime, lastSeen, a fix's timestamp, lastTested each hour),
        sessions a command started, and what the helpers change. Unset it
        and the devices catch up: they report what they would have by now
        (the meals meanwhile served, the tracker where it wandered to).
        """
        return self._quiet

    @quiet.setter
    def quiet(self, quiet: bool) -> None:
        if quiet == self._quiet:
            return
        self.settle()
        self._quiet = quiet
        now = self.clock.now()
        for device in self.devices.values():
            device.frozen_at = now if quiet else None
        self.notify_changes()

    def remove_device(self, device_id: str) -> None:
        """Delete a device from the account."""
        del self.devices[device_id]
        self._looks.pop(device_id, None)

    def find_serial(self, serial: str) -> SimDevice | None:
        """Return the device with this serial number, if any."""
        return next((d for d in self.devices.values() if d.serial == serial), None)

    def set_online(self, device_id: str, online: bool) -> None:
        """Take a device offline (it stops reporting and refuses commands) or back.

        Going offline sends device.offline, coming back device.status.changed.
        An offline feeder misses its scheduled meals, an offline tracker sends
        no fixes (a fence crossed meanwhile shows at its first fix back).
        """
        device = self.devices[device_id]
        self.settle()
        device.online = online
        device.offline_since = None if online else self.clock.now()
        self.notify_changes()

    def update_device(self, device_id: str, **changes: Any) -> SimDevice:
        """Set fields of a device (e.g. food_grams=100) and send what that changes.

        What the device did until now is settled first, so e.g. jammed=True
        makes the feeder miss the meals from now on, not the ones already due.
        """
        device = self.devices[device_id]
        known = {spec.name for spec in fields(SimDevice)}
        if unknown := set(changes) - known:
            raise AttributeError(f"SimDevice has no {', '.join(sorted(unknown))}")
        scope = self._scope(device_id)
        self.settle(scope)
        for name, value in changes.items():
            setattr(device, name, value)
        self.notify_changes(scope)
        return device

    def raise_alert(
        self,
        device_id: str,
        alert_type: str,
        message: str,
        severity: str = "warning",
    ) -> None:
        """Raise an alert on a device: GET /status lists it, device.alert is sent."""
        device = self.devices[device_id]
        self.settle()
        device.raised_alerts.append(
            RaisedAlert(
                self._alert_serial(), alert_type, message, severity, self.clock.now()
            )
        )
        self.notify_changes()

    def _alert_serial(self) -> int:
        """Number a new raised alert (every one is a new alert)."""
        self._counters["raised_alert"] += 1
        return self._counters["raised_alert"]

    def clear_alerts(self, device_id: str, alert_type: str | None = None) -> None:
        """Withdraw the alerts raised on a device (of one type, or all).

        Geo-fence alerts are raised alerts too: clear them by type
        (geofenceExit, geofenceEntry) or with all the others.
        """
        device = self.devices[device_id]
        self.settle()
        device.raised_alerts = [
            alert
            for alert in device.raised_alerts
            if alert_type is not None and alert.type != alert_type
        ]
        self.notify_changes()

    def visit(self, device_id: str, seconds: int = 180) -> None:
        """Log a visit of the pet to a litter box now, lasting `seconds`.

        GET usage-stats counts it (totalVisits, averageDuration) for as long as
        it is inside the period asked for, and the status' lastVisit shows it
        (a device.status.changed).
        """
        device = self._device_of(device_id, LITTER_BOX)
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
            raise ValueError("seconds must be a positive whole number")
        self.settle()
        now = self.clock.now()
        device.visit_log.append((now, seconds))
        device.last_visit = now
        self.notify_changes()

    def age_filter(self, device_id: str, days: float) -> None:
        """Make a fountain's filter `days` older (its life, status and alert follow).

        The filter lasts 60 days: filterStatus is good down to 30 % of its life,
        replace_soon down to 10 %, then replace (and the filterReplace alert).
        """
        device = self._device_of(device_id, FOUNTAIN)
        self.settle()
        assert device.filter_replaced is not None
        device.filter_replaced -= timedelta(days=days)
        self.notify_changes()

    def move_tracker(
        self, device_id: str, latitude: float | None, longitude: float | None
    ) -> None:
        """Put a tracker at a fixed position, or (None, None) let it wander again.

        It takes effect in the tracker's current report moment, as if it sent
        its new fix at once: GET location answers it, location history has it
        from that moment on, and crossing a geo-fence's edge raises the alert
        now (and sends device.alert).
        """
        device = self._device_of(device_id, TRACKER)
        if (latitude is None) != (longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        where = None
        if latitude is not None and longitude is not None:
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError("latitude or longitude out of range")
            where = (float(latitude), float(longitude))
        self.settle()
        step = timedelta(seconds=TRACKER_FIX_SECONDS)
        moment = floor_time(self.clock.now(), TRACKER_FIX_SECONDS)
        device.position_overrides = [
            *(item for item in device.position_overrides if item[0] < moment),
            (moment, where),
        ]
        # check the current fix again, at its new position
        if device.fences_through is None or device.fences_through >= moment:
            device.fences_through = moment - step
        self.notify_changes()

    def _device_of(self, device_id: str, kind: str) -> SimDevice:
        """Return a device that must be of `kind` (else ValueError)."""
        device = self.devices[device_id]
        if device.kind != kind:
            raise ValueError(f"{device_id} is a {device.kind}, not a {kind}")
        return device

    def next_id(self, prefix: str) -> str:
        """Return the next id such as feed_001 for `prefix`."""
        self._counters[prefix] += 1
        return f"{prefix}_{self._counters[prefix]:03d}"

    # --- webhooks -----------------------------------------------------------

    def settle(self, device_id: str | None = None) -> None:
        """Bring every device up to now (see `SimDevice.settle`); or only one.

        Sessions end, feeders serve their scheduled meals, trackers check their
        fences. Runs before every API answer, whenever the clock moves (with or
        without a webhook) and in the helpers before they change a device.
        """
        self._settle_at(self.clock.now(), device_id)

    def _settle_at(self, now: datetime, device_id: str | None = None) -> None:
        """Bring every device (or the one of `device_id`) up to `now`."""
        if device_id is None:
            self._fleet_settled = time.monotonic()
        for _device_id, device in self._in_scope(device_id):
            device.settle(now, self._alert_serial)

    def _in_scope(self, device_id: str | None) -> Iterable[tuple[str, SimDevice]]:
        """Every device by id, or only the one of `device_id` (if it still exists)."""
        if device_id is None:
            return self.devices.items()
        device = self.devices.get(device_id)
        return [] if device is None else [(device_id, device)]

    def _scope(self, device_id: str | None) -> str | None:
        """Which devices a request or helper settles and looks at: None is all.

        Every one, unless in scale mode (see `scale`) and the fleet was
        settled less than FLEET_SETTLE_EVERY ago: then only `device_id`'s.
        """
        if (
            self.scale
            and device_id is not None
            and time.monotonic() - self._fleet_settled < FLEET_SETTLE_EVERY
        ):
            return device_id
        return None

    def notify_changes(self, device_id: str | None = None) -> None:
        """Settle every device, look at it and send the events for what changed.

        Called after every API request, whenever the clock moves and by the
        helpers that change devices; a test that changes a device directly can
        call it too. Nothing is looked at or sent without a registered webhook.
        With `device_id`, only that device is settled and looked at (scale
        mode).
        """
        now = self.clock.now()
        self._settle_at(now, device_id)
        if self.webhook is None:
            return
        for looked_id, device in self._in_scope(device_id):
            after, status = look(device, now)
            before = self._looks.get(looked_id)
            if before is None:
                self._looks[looked_id] = after
                continue
            events, self._looks[looked_id] = changes(before, after, status)
            for event, data in events:
                self.emit(event, data)

    def emit(self, event: str, data: JSON) -> None:
        """Send one event now, if the webhook asked for it (delivery is a task)."""
        hook = self.webhook
        if hook is None or event not in hook.events:
            return
        payload = {"event": event, "timestamp": iso(self.clock.now()), "data": data}
        self.webhook_sender.send(hook.url, event, payload, data.get("deviceId"))

    async def _on_cleanup(self, app: web.Application) -> None:
        """Stop delivering when the app is cleaned up (the server closes)."""
        await self.close_deliveries()

    # --- hooks for the core -------------------------------------------------

    def shift_history(self, delta: timedelta) -> None:
        """Keep every device's past (and running sessions) relative to now."""
        for device in self.devices.values():
            shift_times(device, delta)

    def error_payload(self, status: int, message: str) -> Any:
        """Wrap errors in the same envelope as successes."""
        return envelope(message, None, code=status)

    def body_code_payload(self, code: int | None = None) -> Any:
        """Report `code` (default 500) inside an HTTP 200 envelope."""
        code = 500 if code is None else code
        return envelope(status_message(code), None, code=code)

    def success_payload(self, request: web.Request, data: Any) -> Any:
        """The doc's success envelope."""
        return envelope("Success", data)

    def map_data(self, payload: Any, change: Callable[[Any], Any]) -> Any:
        """Change the data of a code 200 envelope, or a bare device list."""
        if not _is_envelope(payload):
            return change(payload)
        if payload["code"] != 200:
            return payload
        return {**payload, "data": change(payload["data"])}

    def null_data(self, payload: Any) -> Any:
        """Null the envelope's data, or the list of a bare device list."""
        if _is_envelope(payload):
            return super().null_data(payload)
        return {"devices": None}

    def keep_identity_fields(self, payload: Any) -> Any:
        """Keep only deviceId: in the data object, or in every device entry."""
        return self.map_data(payload, _keep_device_ids)

    def rewrite_payload(self, fault: Fault, request: web.Request, payload: Any) -> Any:
        """Break the device list for the device-list faults, else as the core does."""
        if fault.kind in DEVICE_LIST_FAULTS:
            return self.map_data(
                payload,
                lambda data: map_entries(
                    data, lambda items: rewrite_entries(fault, items)
                ),
            )
        return super().rewrite_payload(fault, request, payload)

    def malformed_body(self) -> str:
        """Return an envelope cut off mid-way."""
        return '{"code": 200, "msg": "Success", "data": {"deviceId": "'

    def strip_required_fields(self, payload: Any) -> Any:
        """Drop deviceId from device lists; empty any other data object."""

        def strip_list(items: list[Any]) -> list[Any]:
            return [
                {k: v for k, v in item.items() if k != "deviceId"}
                if isinstance(item, dict)
                else item
                for item in items
            ]

        def strip_data(data: Any) -> Any:
            if isinstance(data, list):
                return strip_list(data)
            if isinstance(data, dict) and isinstance(data.get("devices"), list):
                return {**data, "devices": strip_list(data["devices"])}
            return {}

        if isinstance(payload, dict) and "code" in payload and "data" in payload:
            return {**payload, "data": strip_data(payload["data"])}
        return strip_data(payload)

    # --- HTTP -----------------------------------------------------------------

    def _add_routes(self) -> None:
        """Register the API and the media routes."""
        router = self.app.router
        router.add_get("/v1/devices", self._handle_devices)
        router.add_post("/v1/devices/validate", self._handle_validate)
        for endpoint in DEVICE_ENDPOINTS:
            router.add_get(
                f"/v1/devices/{{device_id}}/{endpoint.path}",
                self._endpoint_handler(endpoint),
            )
        router.add_post("/v1/devices/{device_id}/commands", self._handle_command)
        router.add_post("/v1/webhooks", self._handle_webhooks)
        router.add_get("/live/{device_id}/playlist.m3u8", self._handle_playlist)
        router.add_get("/live/{device_id}/segment{index:\\d+}.ts", self._handle_segment)
        router.add_get("/thumbnails/{image}.jpg", self._handle_thumbnail)
        router.add_get("/photos/{device_id}/{photo}.jpg", self._handle_photo)
        router.add_get("/talk/{device_id}", self._handle_talk)

    @web.middleware
    async def _api_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Check the API key, advance device state, and render ApiError."""
        api = request.path.startswith(API_PREFIX)
        scope: str | None = None
        try:
            if api:
                self._check_auth(request)
                scope = self._scope(request.match_info.get("device_id"))
                self.settle(scope)
            return await handler(request)
        except ApiError as err:
            return web.json_response(
                self.error_payload(err.status, err.message), status=err.status
            )
        finally:
            if api:
                self.notify_changes(scope)

    def _check_auth(self, request: web.Request) -> None:
        """Require `Authorization: Bearer <api_key>`."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.api_key:
            raise ApiError(401, "Invalid API key")

    def _base_url(self, request: web.Request) -> str:
        """Return the base URL clients reach this simulator at."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"{request.scheme}://{request.host}"

    def _device(
        self, request: web.Request, kinds: tuple[str, ...] = DEVICE_KINDS
    ) -> SimDevice:
        """Return the device named in the path: 404 if unknown, 400 if the wrong kind."""
        device = self.devices.get(request.match_info["device_id"])
        if device is None:
            raise ApiError(404, "Device not found")
        if device.kind not in kinds:
            raise ApiError(
                400, f"Operation not supported for device type {device.kind}"
            )
        return device

    def _ctx(
        self, request: web.Request, device: SimDevice, args: Mapping[str, Any]
    ) -> Ctx:
        """Build the context for a data builder or command."""
        return Ctx(
            self.next_id, device, self.clock.now(), args, self._base_url(request)
        )

    async def _json_object(self, request: web.Request) -> JSON:
        """Return the request body, which must be a JSON object."""
        try:
            body = await request.json()
        except ValueError as err:
            raise ApiError(400, "Request body must be valid JSON") from err
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be a JSON object")
        return body

    def _device_entry(self, device: SimDevice) -> JSON:
        """Return one device entry of GET /devices."""
        return {
            "deviceId": device.device_id,
            "serialNumber": device.serial,
            "deviceType": device.kind,
            "deviceModel": device.model,
            "manufacturer": device.manufacturer,
            "name": device.name,
            "firmwareVersion": device.firmware,
            "status": "active",
        }

    async def _handle_devices(self, request: web.Request) -> web.Response:
        """GET /devices, in the configured (undocumented) shape."""
        entries = [self._device_entry(device) for device in self.devices.values()]
        body: Any
        match self.devices_shape:
            case "envelope_list":
                body = envelope("Success", entries)
            case "envelope_object":
                body = envelope("Success", {"devices": entries, "total": len(entries)})
            case "bare_list":
                body = entries
            case _:
                body = {"devices": entries}
        return web.json_response(body)

    async def _handle_validate(self, request: web.Request) -> web.Response:
        """POST /devices/validate: register a device (idempotent per serial)."""
        body = await self._json_object(request)
        serial = body.get("serialNumber")
        kind = body.get("deviceType")
        model = body.get("deviceModel")
        manufacturer = body.get("manufacturer", "onenata")
        if not isinstance(serial, str) or not serial.strip():
            raise ApiError(400, "serialNumber is required")
        if kind not in KINDS:
            raise ApiError(400, f"Unsupported deviceType: {kind}")
        if model is not None and not isinstance(model, str):
            raise ApiError(400, "deviceModel must be a string")
        if not isinstance(manufacturer, str):
            raise ApiError(400, "manufacturer must be a string")
        device = self.find_serial(serial)
        if device is None:
            device = self.add_device(kind, serial, model)
            device.manufacturer = manufacturer
        elif device.kind != kind:
            raise ApiError(400, f"Serial number {serial} belongs to a {device.kind}")
        data = validate_data(device, self.clock.now())
        return web.json_response(envelope(KINDS[kind].validate_msg, data))

    def _endpoint_handler(self, endpoint: Endpoint) -> Handler:
        """Make the handler of a GET /devices/{id}/<path> endpoint."""

        async def handle(request: web.Request) -> web.StreamResponse:
            device = self._device(request, endpoint.kinds)
            data = endpoint.build(self._ctx(request, device, request.query))
            return web.json_response(envelope(endpoint.msg, data))

        return handle

    async def _handle_command(self, request: web.Request) -> web.Response:
        """POST /devices/{id}/commands."""
        device = self._device(request)
        body = await self._json_object(request)
        name, params = body.get("command"), body.get("parameters") or {}
        if not isinstance(name, str) or name not in COMMANDS:
            raise ApiError(400, f"Unknown command: {name}")
        command = COMMANDS[name]
        if device.kind not in command.kinds:
            raise ApiError(
                400, f"Command {name} is not supported by device type {device.kind}"
            )
        if not isinstance(params, dict):
            raise ApiError(400, "parameters must be an object")
        if not device.online:
            raise ApiError(409, "Device is offline")
        args = validate_params(params, command.params)
        data = command.run(self._ctx(request, device, args))
        return web.json_response(envelope(command.msg, data))

    async def _handle_webhooks(self, request: web.Request) -> web.Response:
        """POST /webhooks: set the account's webhook (again: replace url and events)."""
        body = await self._json_object(request)
        url, events = body.get("url"), body.get("events")
        if not isinstance(url, str) or not re.match(r"https?://[^/\s]+\S*$", url):
            raise ApiError(400, "url must be an http(s) URL")
        if (
            not isinstance(events, list)
            or not events
            or any(event not in WEBHOOK_EVENTS for event in events)
        ):
            raise ApiError(
                400, f"events must be a non-empty list of {', '.join(WEBHOOK_EVENTS)}"
            )
        events = list(dict.fromkeys(events))
        if self.webhook is None:
            self.webhook = WebhookRegistration(self.next_id("webhook"), url, events)
        else:
            self.webhook.url, self.webhook.events = url, events
        return web.json_response(
            envelope("Webhook registered successfully", self.webhook.as_json())
        )

    # --- media ("CDN" URLs: no API key, like the real signed URLs) -------------

    def _camera(self, request: web.Request) -> SimDevice:
        """Return the camera named in a media path, else raise 404."""
        device = self.devices.get(request.match_info["device_id"])
        if device is None or device.kind != CAMERA:
            raise web.HTTPNotFound
        return device

    async def _handle_playlist(self, request: web.Request) -> web.Response:
        """Serve a small HLS playlist for a camera's live stream."""
        self._camera(request)
        return web.Response(
            text=hls_playlist(),
            content_type="application/vnd.apple.mpegurl",
            headers={"Cache-Control": "no-cache"},
        )

    async def _handle_segment(self, request: web.Request) -> web.Response:
        """Serve one transport stream segment of the live stream."""
        self._camera(request)
        return web.Response(body=TS_SEGMENT_BYTES, content_type="video/mp2t")

    async def _handle_thumbnail(self, request: web.Request) -> web.Response:
        """Serve a camera's live thumbnail or a photo's thumbnail."""
        image = request.match_info["image"]
        cameras = [device for device in self.devices.values() if device.kind == CAMERA]
        known = {camera.device_id for camera in cameras} | {
            f"{photo}_thumb" for camera in cameras for photo in camera.photos
        }
        if image not in known:
            raise web.HTTPNotFound
        if image.endswith("_thumb"):
            return web.Response(body=photo_jpeg(image), content_type="image/jpeg")
        return web.Response(body=JPEG_BYTES, content_type="image/jpeg")

    async def _handle_photo(self, request: web.Request) -> web.Response:
        """Serve a photo taken with takePhoto: every photo's bytes are its own."""
        camera = self._camera(request)
        photo = request.match_info["photo"]
        if photo not in camera.photos:
            raise web.HTTPNotFound
        return web.Response(
            body=photo_jpeg(f"{camera.device_id}/{photo}"), content_type="image/jpeg"
        )

    async def _handle_talk(self, request: web.Request) -> web.WebSocketResponse:
        """Serve two-way audio: a websocket that echoes what it receives."""
        self._camera(request)
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            if message.type == WSMsgType.BINARY:
                await socket.send_bytes(message.data)
            elif message.type == WSMsgType.TEXT:
                await socket.send_str(message.data)
        return socket


def photo_jpeg(name: str) -> bytes:
    """The camera's JPEG with a comment segment naming one photo (or thumbnail).

    Every photo so has bytes of its own (a client can tell a new photo from
    the one before) and is still the same valid 64x48 JPEG. The comment goes
    right after the JFIF header (APP0), where a decoder skips it.
    """
    comment = f"OneNata photo {name}".encode()
    header_end = 4 + int.from_bytes(JPEG_BYTES[4:6], "big")  # SOI + APP0
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return JPEG_BYTES[:header_end] + segment + JPEG_BYTES[header_end:]


def _is_envelope(payload: Any) -> bool:
    """Whether `payload` is a {code, msg, data} envelope."""
    return isinstance(payload, dict) and "code" in payload and "data" in payload


def _has_entries(data: Any) -> bool:
    """Whether `data` is a device list, bare or as {"devices": [...]}."""
    return isinstance(data, list) or (
        isinstance(data, dict) and isinstance(data.get("devices"), list)
    )


def map_entries(data: Any, change: Callable[[list[Any]], list[Any]]) -> Any:
    """Change the entries of a device list in either shape (keeping "total" right)."""
    if isinstance(data, list):
        return change(data)
    if not _has_entries(data):
        return data
    entries = change(data["devices"])
    if "total" in data:
        return {**data, "devices": entries, "total": len(entries)}
    return {**data, "devices": entries}


def _keep_device_ids(data: Any) -> Any:
    """A device list's entries, or a data object, reduced to their deviceId."""
    if _has_entries(data):
        return map_entries(data, _only_device_ids)
    return _only_device_id(data)


def _only_device_id(data: Any) -> JSON:
    """An object reduced to its deviceId ({} if it has none)."""
    if not isinstance(data, dict) or "deviceId" not in data:
        return {}
    return {"deviceId": data["deviceId"]}


def _only_device_ids(entries: list[Any]) -> list[Any]:
    """Device entries reduced to their deviceId."""
    return [_only_device_id(entry) for entry in entries]


def unreadable_entries() -> list[Any]:
    """Entries a client can not use: no deviceType, no deviceId, a string, null."""
    return [
        {
            "deviceId": "unknown_001",
            "serialNumber": "ON-XX-001",
            "deviceModel": "mystery",
            "manufacturer": "onenata",
            "name": "Unknown device",
            "firmwareVersion": "1.0.0",
            "status": "active",
        },
        {
            "serialNumber": "ON-XX-002",
            "deviceType": CAMERA,
            "deviceModel": "mystery",
            "manufacturer": "onenata",
            "name": "Camera without an id",
            "firmwareVersion": "1.0.0",
            "status": "active",
        },
        "garbage",
        None,
    ]


def rewrite_entries(fault: Fault, entries: list[Any]) -> list[Any]:
    """Break the real device entries the way a device-list fault says."""
    match fault.kind:
        case FaultKind.BAD_ENTRIES if fault.value == STRIP_TYPE:
            return [*_without(entries, "deviceType"), *unreadable_entries()]
        case FaultKind.BAD_ENTRIES:
            return [*entries, *unreadable_entries()]
        case FaultKind.EMPTY_LIST:
            return []
        case FaultKind.DROP_DEVICE:
            return [entry for entry in entries if entry.get("deviceId") != fault.value]
        case FaultKind.MINIMAL_ENTRIES:
            return [
                {key: entry[key] for key in ("deviceId", "deviceType") if key in entry}
                for entry in entries
            ]
    return entries


def _without(entries: list[Any], name: str) -> list[Any]:
    """Device entries without the field `name`."""
    return [
        {key: val for key, val in entry.items() if key != name} for entry in entries
    ]


__all__ = [
    "COMMANDS",
    "DEVICE_ENDPOINTS",
    "DEVICE_KINDS",
    "WEBHOOK_EVENTS",
    "ApiError",
    "Delivery",
    "DeliverySwitches",
    "OneNataSimulator",
    "SimDevice",
    "WebhookRegistration",
    "photo_jpeg",
]
