"""Vendor-neutral simulator machinery.

Everything a fake vendor cloud needs apart from the vendor itself: a controllable
clock, request recording, added latency, fault injection and a server runner.
A vendor simulator subclasses `BaseSimulator`, registers its routes on `app` and
overrides the few hooks that shape error bodies in the vendor's own format.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum, StrEnum
from http import HTTPStatus
import json
import logging
import socket
import struct
import time
from typing import Any, ClassVar, Final

from aiohttp import web

_LOGGER = logging.getLogger(__name__)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Where the core middleware keeps a request's parsed JSON body (None if absent),
# so hooks such as `request_device_id` can look inside it.
REQUEST_JSON = "simulator.request_json"

HTML_ERROR_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
HTTP_503_PAGE = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
    "<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
HUGE_BODY_SIZE = 5 * 1024 * 1024
DEFAULT_RETRY_AFTER = 30
# MISSING_FIELDS with this `value` keeps the identity fields instead of emptying data.
KEEP_ID = "keep_id"
# The messages of the injected HTTP errors, also used for BODY_CODE's codes.
STATUS_MESSAGES = {
    401: "Invalid API key",
    429: "Rate limit exceeded",
    500: "Internal server error",
}


@dataclass
class RecordedRequest:
    """One request as the simulator received it."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    device_id: str | None = None
    #: when it arrived (``time.monotonic()``, the real clock)
    received: float = field(default_factory=time.monotonic)
    #: when it arrived by the simulator clock (None if recorded outside a simulator)
    at: datetime | None = None


class FaultKind(StrEnum):
    """The ways an injected fault can break a response."""

    TIMEOUT = "timeout"
    HTTP_500 = "http_500"
    HTTP_401 = "http_401"
    HTTP_429 = "http_429"
    BODY_CODE = "body_code"
    MALFORMED_JSON = "malformed_json"
    HTML_ERROR = "html_error"
    MISSING_FIELDS = "missing_fields"
    HTTP_503 = "http_503"
    HUGE_BODY = "huge_body"
    CONNECTION_RESET = "connection_reset"
    DATA_NULL = "data_null"
    WRONG_TYPES = "wrong_types"
    OUT_OF_RANGE = "out_of_range"
    BAD_ENTRIES = "bad_entries"
    EMPTY_LIST = "empty_list"
    DROP_DEVICE = "drop_device"
    MINIMAL_ENTRIES = "minimal_entries"
    DROP_ZONE = "drop_zone"


# Faults that only exist on one route of a vendor (its `fault_routes`): they
# match nothing else, so they are neither applied nor used up elsewhere.
ROUTE_BOUND_FAULTS = frozenset(
    {
        FaultKind.BAD_ENTRIES,
        FaultKind.EMPTY_LIST,
        FaultKind.DROP_DEVICE,
        FaultKind.MINIMAL_ENTRIES,
        FaultKind.DROP_ZONE,
    }
)
# Faults that let the API answer, then break the data of a successful answer.
REWRITING_FAULTS = ROUTE_BOUND_FAULTS | {
    FaultKind.MISSING_FIELDS,
    FaultKind.DATA_NULL,
    FaultKind.WRONG_TYPES,
    FaultKind.OUT_OF_RANGE,
}


class Unset(Enum):
    """The type of `UNSET`, an argument left out."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass
class Fault:
    """An injected fault and the requests it applies to.

    `retry_after` is the Retry-After header of HTTP_429 and HTTP_503 (None: no
    header; a string such as an HTTP date is sent as is). `size` is the length
    in bytes of a HUGE_BODY answer. `value` is what OUT_OF_RANGE puts in place
    of every number, the device DROP_DEVICE drops, the zone DROP_ZONE drops,
    and a variant for MISSING_FIELDS (`KEEP_ID`) and BAD_ENTRIES. `code` is the
    error code BODY_CODE reports (None: the vendor's internal error).
    """

    kind: FaultKind
    route: str | None = None
    device_id: str | None = None
    method: str | None = None
    times: int | None = None
    retry_after: int | str | None = DEFAULT_RETRY_AFTER
    timeout_seconds: float = 60.0
    size: int = HUGE_BODY_SIZE
    value: Any = None
    code: int | None = None

    def matches(self, method: str, route: str, device_id: str | None) -> bool:
        """Return True when this fault applies to the request."""
        return (
            (self.route is None or self.route == route)
            and (self.device_id is None or self.device_id == device_id)
            and (self.method is None or self.method.upper() == method)
        )


class SimClock:
    """Real UTC time shifted by an offset that tests can move.

    `advance` lets time pass: running activities finish, levels drift. `set`
    moves the whole simulated world to a new "now": simulators shift the
    times they store by the same jump, so a feed "two hours ago" stays two
    hours ago. Either way, `on_change` listeners hear of it afterwards.
    """

    def __init__(self) -> None:
        """Start in step with the real clock."""
        self._offset = timedelta()
        self._jump_listeners: list[Callable[[timedelta], None]] = []
        self._change_listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """Return the simulated current time (tz-aware, UTC)."""
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (or back, if negative)."""
        self._offset += timedelta(seconds=seconds)
        self._changed()

    def set(self, dt: datetime) -> None:
        """Make the simulated time equal `dt` from now on (it keeps running)."""
        if dt.tzinfo is None:
            raise ValueError("SimClock.set needs a tz-aware datetime")
        jump = dt - self.now()
        self._offset += jump
        for listener in self._jump_listeners:
            listener(jump)
        self._changed()

    def on_jump(self, listener: Callable[[timedelta], None]) -> None:
        """Call `listener` with the jump whenever `set` moves the clock."""
        self._jump_listeners.append(listener)

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after `advance` or `set` (and its jump listeners)."""
        self._change_listeners.append(listener)

    def _changed(self) -> None:
        """Tell the change listeners that simulated time moved."""
        for listener in self._change_listeners:
            listener()


def shift_times(value: Any, delta: timedelta) -> Any:
    """Return `value` with every datetime inside it moved by `delta`.

    Dataclass instances are updated in place; lists, tuples and dicts are
    rebuilt. Anything else is returned as is.
    """
    if isinstance(value, datetime):
        return value + delta
    if isinstance(value, list):
        return [shift_times(item, delta) for item in value]
    if isinstance(value, tuple):
        return tuple(shift_times(item, delta) for item in value)
    if isinstance(value, dict):
        return {key: shift_times(item, delta) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        for spec in fields(value):
            setattr(value, spec.name, shift_times(getattr(value, spec.name), delta))
    return value


def route_template(request: web.Request) -> str:
    """Return the route template a request matched, or its path if none."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


class BaseSimulator:
    """A fake cloud: an aiohttp app plus recording, latency and faults."""

    # The route each route-bound fault kind of this vendor acts on.
    fault_routes: ClassVar[Mapping[FaultKind, str]] = {}
    # Fields WRONG_TYPES and OUT_OF_RANGE leave alone: they name things.
    identity_keys: ClassVar[frozenset[str]] = frozenset({"id"})

    def __init__(self, *, latency: float = 0.0) -> None:
        """Create the app; subclasses add their routes afterwards."""
        self.clock = SimClock()
        self.requests: list[RecordedRequest] = []
        self.latency = latency
        self.faults: list[Fault] = []
        self._sleeping: set[asyncio.Task[Any]] = set()
        self._app = web.Application(middlewares=[self._core_middleware])
        self.clock.on_jump(self.shift_history)
        self.clock.on_jump(self._shift_request_times)

    @property
    def app(self) -> web.Application:
        """The aiohttp application serving this simulator."""
        return self._app

    # --- request log -------------------------------------------------------

    def count(
        self,
        method: str | None = None,
        route: str | None = None,
        device_id: str | None = None,
    ) -> int:
        """Count recorded requests matching every given filter."""
        return sum(
            1
            for req in self.requests
            if (method is None or req.method == method.upper())
            and (route is None or req.route == route)
            and (device_id is None or req.device_id == device_id)
        )

    def count_since(
        self,
        since: datetime,
        method: str | None = None,
        route: str | None = None,
    ) -> int:
        """Count recorded requests that arrived at or after `since` (simulator clock)."""
        return sum(
            1
            for req in self.requests
            if req.at is not None
            and req.at >= since
            and (method is None or req.method == method.upper())
            and (route is None or req.route == route)
        )

    def _shift_request_times(self, delta: timedelta) -> None:
        """Keep recorded arrival times relative to now when the clock is set."""
        for req in self.requests:
            if req.at is not None:
                req.at += delta

    def reset_requests(self) -> None:
        """Forget every recorded request."""
        self.requests.clear()

    # --- faults ------------------------------------------------------------

    def add_fault(
        self,
        kind: FaultKind | str,
        *,
        route: str | None = None,
        device_id: str | None = None,
        method: str | None = None,
        times: int | None = None,
        retry_after: int | str | None | Unset = UNSET,
        timeout_seconds: float = 60.0,
        size: int = HUGE_BODY_SIZE,
        value: Any = None,
        code: int | None = None,
    ) -> None:
        """Break matching requests; `times=None` keeps the fault until cleared.

        `retry_after` defaults to 30 seconds for HTTP_429 and to no header for
        HTTP_503; see `Fault` for the other parameters.
        """
        kind = FaultKind(kind)
        if size < 0:
            raise ValueError("size can not be negative")
        if retry_after is UNSET:
            retry_after = None if kind is FaultKind.HTTP_503 else DEFAULT_RETRY_AFTER
        self.faults.append(
            Fault(
                kind=kind,
                route=route,
                device_id=device_id,
                method=method,
                times=times,
                retry_after=retry_after,
                timeout_seconds=timeout_seconds,
                size=size,
                value=value,
                code=code,
            )
        )

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.faults.clear()

    def _take_fault(
        self, method: str, route: str, device_id: str | None
    ) -> Fault | None:
        """Return the first fault matching the request, using up one of its times."""
        for fault in self.faults:
            if not fault.matches(method, route, device_id) or (
                fault.kind in ROUTE_BOUND_FAULTS
                and self.fault_routes.get(fault.kind) != route
            ):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            return fault
        return None

    # --- hooks a vendor overrides ------------------------------------------

    def shift_history(self, delta: timedelta) -> None:
        """Move stored timestamps when the clock is set (see `SimClock`)."""

    def request_device_id(self, request: web.Request) -> str | None:
        """Return the device a request is about, for recording and faults."""
        return request.match_info.get("device_id")

    def error_payload(self, status: int, message: str) -> Any:
        """Return the JSON body the vendor sends with an HTTP error."""
        return {"error": message, "status": status}

    def body_code_payload(self, code: int | None = None) -> Any:
        """Return an HTTP 200 body that reports a failure (default 500) inside it."""
        code = 500 if code is None else code
        return {"error": status_message(code), "status": code}

    def fault_error_payload(
        self, request: web.Request, status: int, message: str
    ) -> Any:
        """Return the body of an injected HTTP error; defaults to `error_payload`."""
        return self.error_payload(status, message)

    def body_code_response(
        self, request: web.Request, code: int | None = None
    ) -> web.StreamResponse:
        """Answer a BODY_CODE fault; defaults to HTTP 200 with `body_code_payload`."""
        return web.json_response(self.body_code_payload(code))

    def success_payload(self, request: web.Request, data: Any) -> Any:
        """Return a successful answer carrying `data`, in the vendor's envelope."""
        return data

    def map_data(self, payload: Any, change: Callable[[Any], Any]) -> Any:
        """Return `payload` with `change` applied to its data if it is a success."""
        return change(payload)

    def malformed_body(self) -> str:
        """Return a truncated JSON body, as a proxy cutting the answer short would."""
        return '{"data": {"id": "'

    def strip_required_fields(self, payload: Any) -> Any:
        """Return `payload` without the fields a client needs."""
        return {}

    def keep_identity_fields(self, payload: Any) -> Any:
        """Return `payload` with nothing but `identity_keys` left in its data."""
        return self.map_data(payload, lambda data: only_keys(data, self.identity_keys))

    def null_data(self, payload: Any) -> Any:
        """Return `payload` with its data replaced by null."""
        return self.map_data(payload, lambda _: None)

    def rewrite_payload(self, fault: Fault, request: web.Request, payload: Any) -> Any:
        """Break the successful answer `payload` the way a rewriting fault says.

        A vendor handles its route-bound kinds (see `fault_routes`) first.
        """
        match fault.kind:
            case FaultKind.MISSING_FIELDS if fault.value == KEEP_ID:
                return self.keep_identity_fields(payload)
            case FaultKind.MISSING_FIELDS:
                return self.strip_required_fields(payload)
            case FaultKind.DATA_NULL:
                return self.null_data(payload)
            case FaultKind.WRONG_TYPES:
                keep = self.identity_keys
                return self.map_data(
                    payload, lambda d: map_scalars(d, keep, wrong_type)
                )
            case FaultKind.OUT_OF_RANGE:
                keep = self.identity_keys | {"meta"}
                change = out_of_range(fault.value)
                return self.map_data(payload, lambda d: map_scalars(d, keep, change))
        return payload

    def handle_http_exception(self, exc: web.HTTPException) -> web.StreamResponse:
        """Turn aiohttp's own errors (unknown route, bad method) into a response."""
        return web.json_response(
            self.error_payload(exc.status, exc.reason), status=exc.status
        )

    # --- the middleware ----------------------------------------------------

    @web.middleware
    async def _core_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Record, delay, maybe break, then answer a request."""
        route = route_template(request)
        body = await _read_json(request)
        request[REQUEST_JSON] = body
        device_id = self.request_device_id(request)
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                route=route,
                query=dict(request.query),
                json=body,
                headers=dict(request.headers),
                device_id=device_id,
                at=self.clock.now(),
            )
        )
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fault = self._take_fault(request.method, route, device_id)
        if fault is not None:
            return await self._apply_fault(fault, request, handler)
        return await self._call(handler, request)

    async def _call(self, handler: Handler, request: web.Request) -> web.StreamResponse:
        """Run the route handler, rendering aiohttp's HTTP errors the vendor way."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            return self.handle_http_exception(exc)

    async def _apply_fault(
        self, fault: Fault, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Answer a request the way the fault says."""
        _LOGGER.debug(
            "Injecting %s into %s %s", fault.kind, request.method, request.path
        )
        if fault.kind is FaultKind.TIMEOUT:
            await self._sleep(fault.timeout_seconds)
            return await self._call(handler, request)
        if fault.kind in REWRITING_FAULTS:
            response = await self._call(handler, request)
            return _rewrite_response(
                response, lambda payload: self.rewrite_payload(fault, request, payload)
            )
        return self._fault_answer(fault, request)

    def _fault_answer(self, fault: Fault, request: web.Request) -> web.StreamResponse:
        """Answer in place of the API (a proxy, the network or the API failing)."""
        match fault.kind:
            case FaultKind.HTTP_500:
                return web.json_response(
                    self.fault_error_payload(request, 500, "Internal server error"),
                    status=500,
                )
            case FaultKind.HTTP_401:
                return web.json_response(
                    self.fault_error_payload(request, 401, "Invalid API key"),
                    status=401,
                )
            case FaultKind.HTTP_429:
                return web.json_response(
                    self.fault_error_payload(request, 429, "Rate limit exceeded"),
                    status=429,
                    headers=_retry_after_header(fault),
                )
            case FaultKind.HTTP_503:
                return web.Response(
                    text=HTTP_503_PAGE,
                    status=503,
                    content_type="text/html",
                    headers=_retry_after_header(fault),
                )
            case FaultKind.BODY_CODE:
                return self.body_code_response(request, fault.code)
            case FaultKind.MALFORMED_JSON:
                return web.Response(
                    text=self.malformed_body(), content_type="application/json"
                )
            case FaultKind.HTML_ERROR:
                return web.Response(
                    text=HTML_ERROR_PAGE, status=502, content_type="text/html"
                )
            case FaultKind.HUGE_BODY:
                return self._huge_response(request, fault.size)
            case FaultKind.CONNECTION_RESET:
                return _reset_connection(request)
        raise ValueError(f"{fault.kind} is not answered in place of the API")

    def _huge_response(self, request: web.Request, size: int) -> web.Response:
        """A valid JSON success of `size` bytes: data holds a long padding string."""
        data = {"padding": ""}
        payload = self.success_payload(request, data)
        data["padding"] = "x" * max(0, size - len(json.dumps(payload)))
        return web.Response(text=json.dumps(payload), content_type="application/json")

    async def _sleep(self, seconds: float) -> None:
        """Sleep in a way `RunningSimulator.close` can interrupt."""
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - handlers always run in a task
            await asyncio.sleep(seconds)
            return
        self._sleeping.add(task)
        try:
            await asyncio.sleep(seconds)
        finally:
            self._sleeping.discard(task)

    def cancel_sleepers(self) -> None:
        """Cancel every request stuck in an injected timeout."""
        for task in list(self._sleeping):
            task.cancel()


def _rewrite_response(
    response: web.StreamResponse, rewrite: Callable[[Any], Any]
) -> web.StreamResponse:
    """Apply `rewrite` to the body of a successful JSON response."""
    if (
        not isinstance(response, web.Response)
        or response.status != 200
        or response.content_type != "application/json"
        or not isinstance(response.body, bytes)
    ):
        return response
    return web.json_response(rewrite(json.loads(response.body)))


def _retry_after_header(fault: Fault) -> dict[str, str]:
    """The Retry-After header of a fault, if it has one."""
    if fault.retry_after is None:
        return {}
    return {"Retry-After": str(fault.retry_after)}


def _reset_connection(request: web.Request) -> web.StreamResponse:
    """Drop the connection with a TCP reset, answering nothing.

    The response returned is never sent: aiohttp fails to write it to the
    closed transport and treats that as a client that went away.
    """
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            linger = struct.pack("ii", 1, 0)  # close with RST, not FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        transport.abort()
    return web.Response(status=204)


def status_message(code: int) -> str:
    """The message of an error `code`: the injected faults', else the HTTP reason."""
    if code in STATUS_MESSAGES:
        return STATUS_MESSAGES[code]
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return f"Error {code}"


def map_scalars(value: Any, keep: frozenset[str], change: Callable[[Any], Any]) -> Any:
    """Return `value` with `change` applied to every scalar inside it.

    Lists and objects keep their structure; the values of `keep` keys are left
    as they are.
    """
    if isinstance(value, dict):
        return {
            key: item if key in keep else map_scalars(item, keep, change)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [map_scalars(item, keep, change) for item in value]
    return change(value)


def wrong_type(value: Any) -> Any:
    """A scalar of the wrong JSON type: numbers "abc", strings 12345, booleans "maybe"."""
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, int | float):
        return "abc"
    if isinstance(value, str):
        return 12345
    return value


def out_of_range(replacement: Any) -> Callable[[Any], Any]:
    """Return a change that puts `replacement` in place of numbers (not booleans)."""

    def change(value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return replacement
        return value

    return change


def only_keys(data: Any, keep: frozenset[str]) -> Any:
    """Return an object of `data` reduced to its `keep` keys ({} if not an object)."""
    if not isinstance(data, dict):
        return {}
    return {key: item for key, item in data.items() if key in keep}


async def _read_json(request: web.Request) -> Any:
    """Return the parsed JSON body, or None when absent or not JSON."""
    if not request.body_exists:
        return None
    try:
        return json.loads(await request.read())
    except ValueError:
        return None


@dataclass
class RunningSimulator:
    """A simulator served on a local TCP port."""

    url: str
    port: int
    sim: BaseSimulator
    _runner: web.AppRunner = field(repr=False)

    async def close(self) -> None:
        """Stop serving; requests held by a timeout fault are cancelled."""
        self.sim.cancel_sleepers()
        await self._runner.cleanup()


async def start_server(
    sim: BaseSimulator, host: str = "127.0.0.1", port: int = 0
) -> RunningSimulator:
    """Serve `sim` on host:port (port 0 picks a free port)."""
    runner = web.AppRunner(
        sim.app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port: int = runner.addresses[0][1]
    return RunningSimulator(
        url=f"http://{host}:{bound_port}", port=bound_port, sim=sim, _runner=runner
    )
