"""A fake Instathings cloud (https://<project>.instathings.io), or a gateway on premise.

This module is the HTTP and websocket side. The world (protocols, types,
gateways, devices, their data and logs) lives in `simulator.instathings.world`,
the answers and their variants (`Shapes`) in `simulator.instathings.api`, the
JWTs in `simulator.instathings.auth`, the websockets in
`simulator.instathings.sockets`.

Routes (the doc's, with its two prefix-less paths served with and without the
/device/v1 prefix):

- POST /authentication/v1/oauth/token ({"clientId", "clientSecret"});
- GET /device/v1/devices, GET | PATCH | DELETE /device/v1/devices/{id},
  GET /device/v1/devices/{id}/data, GET /device/v1/devices/{id}/{container}/logs,
  DELETE /devices/{parent}/subDevice/subDevices/{id},
  GET | POST /devices/{id}/credentials/certificate;
- POST /device/v1/control/{id}/set, POST /device/v1/control/{id}/status (202 +
  Location), GET /device/v1/control/{requestId}/fetch;
- GET /device/v1/types, /device/v1/types/{id}, /device/v1/protocols/{id};
- the websockets: / (cloud) and /socket.io/ (on premise).

Cloud mode: every route but the token needs `Authorization: Bearer <JWT>`
(401 without, with a broken, revoked or expired one; 403 for another project's).
On premise: no authentication at all, and the token endpoint answers 404.
A request whose Accept header rules JSON out is 406; an unknown route 404, a
wrong method 405. Error bodies are {"statusCode", "error", "message"}.

World changes push their events to every open socket (in its framing) and show
in REST: `report`, `disconnect_gateway` / `connect_gateway`, `discover`, `pair`,
`pair_failed`, `unpair`, `set_software_version`, `log`, `install_protocol`,
`tick`; a status request's answer pushes `status`. Socket faults:
`drop_sockets`, `send_garbage`, `stall_sockets` / `unstall_sockets`,
`refuse_sockets` / `accept_sockets`; `socket_connections` counts upgrades.

Injected faults (see `simulator.core`) act before the API, as a proxy or the
network would. BODY_CODE is this vendor's error table: the fault's code (500
by default) as the HTTP status with the error body. BAD_ENTRIES, EMPTY_LIST,
DROP_DEVICE and MINIMAL_ENTRIES act on the device list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import contextlib
import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import io
import json
import logging
import random
from typing import Any, ClassVar
import zipfile

from aiohttp import web

from ..core import (
    REQUEST_JSON,
    BaseSimulator,
    Fault,
    FaultKind,
    Handler,
    only_keys,
    route_template,
)
from .api import (
    PLAN,
    Shapes,
    certificate_json,
    check_patch,
    data_event,
    device_json,
    device_list,
    envelope,
    error_body,
    gateway_event,
    installation_event,
    log_event,
    log_json,
    logs_window,
    pairing_event,
    parse_page,
    record_json,
    render_values,
    select_records,
)
from .auth import DEFAULT_TOKEN_TTL, ApiError, TokenServer
from .sockets import (
    CLOUD,
    DEFAULT_PING_INTERVAL,
    DEFAULT_PING_TIMEOUT,
    GARBAGE_KINDS,
    GOING_AWAY,
    SOCKET_IO,
    Frame,
    SocketHub,
    SocketSession,
    cloud_frame,
    sio_event,
)
from .world import (
    CLIMATE,
    CONTAINER_VERSIONS,
    DEFAULT_PROJECT_ID,
    FOUNTAIN,
    GATEWAY,
    JSON,
    LAMP,
    MAX_NAME,
    NAMES,
    PLUG,
    PROTOCOLS,
    SHELLY,
    SOIL,
    SUB_DEVICE_KINDS,
    TYPES,
    TYPES_BY_ID,
    VIRTUAL,
    DataRecord,
    LogLine,
    SimDevice,
    World,
    apply_command,
    boot_logs,
    build_world,
    drift,
    hex_digest,
    iso,
    ms,
    shelly_call,
    short_id,
    uuid_like,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "sim-instathings-client-id"
DEFAULT_CLIENT_SECRET = "sim-instathings-client-secret"  # noqa: S105 - a fake app's
DEFAULT_STATUS_DELAY = 0.5

TOKEN_ROUTE = "/authentication/v1/oauth/token"  # noqa: S105 - a path
DEVICES_ROUTE = "/device/v1/devices"
DEVICE_ROUTE = "/device/v1/devices/{device_id}"
DATA_ROUTE = "/device/v1/devices/{device_id}/data"
LOGS_ROUTE = "/device/v1/devices/{device_id}/{container_id}/logs"
SUB_DEVICE_ROUTES = (
    "/devices/{parent_id}/subDevice/subDevices/{device_id}",
    "/device/v1/devices/{parent_id}/subDevice/subDevices/{device_id}",
)
CERTIFICATE_ROUTES = (
    "/devices/{device_id}/credentials/certificate",
    "/device/v1/devices/{device_id}/credentials/certificate",
)
SET_ROUTE = "/device/v1/control/{device_id}/set"
STATUS_ROUTE = "/device/v1/control/{device_id}/status"
FETCH_ROUTE = "/device/v1/control/{request_id}/fetch"
TYPES_ROUTE = "/device/v1/types"
TYPE_ROUTE = "/device/v1/types/{type_id}"
PROTOCOL_ROUTE = "/device/v1/protocols/{protocol_id}"
CLOUD_SOCKET_ROUTE = "/"
SOCKET_IO_ROUTES = ("/socket.io/", "/socket.io")
SOCKET_ROUTES = frozenset({CLOUD_SOCKET_ROUTE, *SOCKET_IO_ROUTES})

PATH_HEADER = "instathings-path"
METHOD_HEADER = "instathings-method"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DISCONNECT_REASONS = (
    "CONNECTION_LOST",
    "CLIENT_INITIATED_DISCONNECT",
    "DUPLICATE_CLIENTID",
    "SERVER_INITIATED_DISCONNECT",
    "MQTT_KEEP_ALIVE_TIMEOUT",
)
ACCEPTED_MEDIA = ("*/*", "application/*", "application/json")

# The faults that break the device list (and act on no other route).
DEVICE_LIST_FAULTS = (
    FaultKind.BAD_ENTRIES,
    FaultKind.EMPTY_LIST,
    FaultKind.DROP_DEVICE,
    FaultKind.MINIMAL_ENTRIES,
)


@dataclass
class StatusRequest:
    """A status request: asked, then answered by the device (or never)."""

    request_id: str
    device_id: str
    created: datetime
    due: datetime
    #: (path, method, query) of an HTTP device's request
    http: tuple[str, str, dict[str, str]] | None = None
    response: Any = None
    answered: datetime | None = None
    is_http: bool = False

    @property
    def pending(self) -> bool:
        """Whether the device has not answered yet."""
        return self.answered is None


@dataclass
class Control:
    """A command the set endpoint forwarded to a device."""

    device_id: str
    body: Any
    at: datetime
    path: str | None = None
    method: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    applied: bool = False


@dataclass
class SentEvent:
    """A world event the simulator pushed to the open sockets."""

    action: str
    device_id: str
    payload: Any
    at: datetime


class InstathingsSimulator(BaseSimulator):
    """The Instathings cloud (or a gateway's on-premise server) and its world."""

    fault_routes: ClassVar[Mapping[FaultKind, str]] = dict.fromkeys(
        DEVICE_LIST_FAULTS, DEVICES_ROUTE
    )
    identity_keys: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "_id",
            "deviceId",
            "parentDevice",
            "projectId",
            "type",
            "clientId",
            "principal",
            "certificateId",
            "subDevices",
            "protocols",
        }
    )

    def __init__(
        self,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        *,
        project_id: str = DEFAULT_PROJECT_ID,
        gateways: int = 1,
        standalone: bool = True,
        history: int = 6,
        on_premise: bool = False,
        env: str = "sandbox",
        token_ttl: int = DEFAULT_TOKEN_TTL,
        shapes: Shapes | None = None,
        status_delay: float = DEFAULT_STATUS_DELAY,
        ping_interval: float = DEFAULT_PING_INTERVAL,
        ping_timeout: float = DEFAULT_PING_TIMEOUT,
        tick_interval: float | None = None,
        seed: int = 0,
        latency: float = 0.0,
        public_url: str | None = None,
    ) -> None:
        """Create the project, its credentials and the default world.

        `gateways` gateways each get one device of every kind (see
        `world.build_world`), `standalone` adds the doc's virtual device, and
        every device starts with `history` data records 10 minutes apart.
        `on_premise` serves a gateway's server (no auth, socket.io) instead of
        the cloud. `env` "live" makes the certificate endpoint answer a zip.
        `status_delay` is how long (seconds) a device takes to answer a status
        request; `ping_interval` / `ping_timeout` the socket.io heartbeat;
        `tick_interval` moves the readings that often while served.
        """
        if gateways < 0:
            raise ValueError("gateways can not be negative")
        if token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        if env not in ("sandbox", "live"):
            raise ValueError("env must be sandbox or live")
        super().__init__(latency=latency)
        self.app.middlewares.append(self._api_middleware)
        self.seed = seed
        self.on_premise = on_premise
        self.public_url = public_url
        self.shapes = shapes or Shapes()
        self.status_delay = status_delay
        self.tick_interval = tick_interval
        self.world: World = build_world(
            project_id=project_id,
            seed=seed,
            env=env,
            gateways=gateways,
            standalone=standalone,
            history=history,
            now=self.clock.now(),
        )
        self.auth = TokenServer(
            client_id,
            client_secret,
            project_id,
            hex_digest(seed, "jwt-secret"),
            token_ttl,
        )
        self.hub = SocketHub(
            self.clock, ping_interval=ping_interval, ping_timeout=ping_timeout
        )
        self.status_requests: dict[str, StatusRequest] = {}
        self._unanswered: dict[str, StatusRequest] = {}
        #: every command the set endpoint forwarded
        self.controls: list[Control] = []
        #: every event pushed to the sockets
        self.events: list[SentEvent] = []
        #: cloud sockets closed with 4001 at once (wrong project or token)
        self.socket_rejections = 0
        self._rng = random.Random(seed)
        self._serial = 0
        self._timers: set[asyncio.TimerHandle] = set()
        self._ticker: asyncio.Task[None] | None = None
        self.clock.on_change(self._on_clock_change)
        self._add_routes()
        self.app.on_startup.append(self._on_startup)
        self.app.on_shutdown.append(self._on_shutdown)

    # --- credentials and tokens ----------------------------------------------------

    @property
    def client_id(self) -> str:
        """The project's API client id."""
        return self.auth.client_id

    @property
    def client_secret(self) -> str:
        """The project's API client secret."""
        return self.auth.client_secret

    @property
    def project_id(self) -> str:
        """The project id (JWTs carry it; the cloud socket asks for it)."""
        return self.world.project_id

    @property
    def token_ttl(self) -> int:
        """Seconds a new token lives (by the simulator clock)."""
        return self.auth.token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError("token_ttl must be positive")
        self.auth.token_ttl = seconds

    @property
    def signing_secret(self) -> str:
        """The HS256 key the simulator signs its JWTs with."""
        return self.auth.signing_secret

    def issue_token(self) -> str:
        """A working token, without a trip to the token endpoint."""
        return self.auth.issue(self.clock.now(), with_exp=self.shapes.jwt_exp).token

    def expire_tokens(self) -> None:
        """Expire every token handed out so far (401; open cloud sockets get 4001)."""
        self.auth.expire_all(self.clock.now())
        self.hub.wake_all()

    def revoke_tokens(self) -> None:
        """Revoke every token handed out so far (401; open cloud sockets get 4001)."""
        self.auth.revoke_all()
        self.hub.wake_all()

    def set_shapes(self, **changes: Any) -> Shapes:
        """Change some answer shapes (see `api.Shapes`), e.g. devices="items"."""
        self.shapes = self.shapes.but(**changes)
        return self.shapes

    # --- the world --------------------------------------------------------------------

    @property
    def devices(self) -> dict[str, SimDevice]:
        """Every device by id (gateways first, each followed by its devices)."""
        return self.world.devices

    @property
    def gateways(self) -> list[SimDevice]:
        """The gateways."""
        return self.world.gateways

    def device(self, device_id: str) -> SimDevice:
        """A device by id (KeyError if unknown)."""
        return self.world.find(device_id)

    def device_of_kind(self, kind: str, gateway: int = 1) -> SimDevice:
        """The default world's device of `kind` ("lamp", "shelly"...) of gateway N."""
        if kind == VIRTUAL:
            return self.device(short_id(self.seed, "device", 0, VIRTUAL))
        return self.device(short_id(self.seed, "device", gateway, kind))

    def report(
        self, device_id: str, /, *, at: datetime | None = None, **values: Any
    ) -> DataRecord:
        """The device sends data: `values` (or, without any, its whole state).

        The values join the device's state, a data record is stored (the data
        endpoint shows it) and a `data` event goes to every open socket.
        """
        device = self.device(device_id)
        device.state.update(copy.deepcopy(values))
        return self._publish(device, values or device.state, at)

    def _publish(
        self, device: SimDevice, data: JSON, at: datetime | None = None
    ) -> DataRecord:
        """Store a data message and push it."""
        record = self.world.record(device, data, at or self.clock.now())
        self._emit(
            "data",
            device.device_id,
            data_event(record, self.shapes),
            render_values(record.data, self.shapes),
            record.at,
        )
        return record

    def disconnect_gateway(
        self, gateway_id: str, reason: str = "CONNECTION_LOST"
    ) -> None:
        """The gateway leaves the cloud: `disconnected` (its devices stop answering)."""
        gateway = self._gateway(gateway_id)
        gateway.connected = False
        gateway.disconnect_reason = reason
        gateway.status_at = self.clock.now()
        self._emit(
            "disconnected",
            gateway_id,
            {**gateway_event(self.world, gateway, full=True), "plan": _plan()},
        )

    def connect_gateway(self, gateway_id: str) -> None:
        """The gateway comes (back): `connected`, then `software_version`."""
        gateway = self._gateway(gateway_id)
        gateway.connected = True
        gateway.disconnect_reason = None
        gateway.status_at = self.clock.now()
        self._serial += 1
        gateway.session_id = uuid_like(self.seed, "session", gateway_id, self._serial)
        self._emit(
            "connected", gateway_id, gateway_event(self.world, gateway, full=False)
        )
        self._emit(
            "software_version",
            gateway_id,
            gateway_event(self.world, gateway, full=True),
        )
        gateway.logs.extend(boot_logs(self.world, gateway, self.clock.now()))

    def set_software_version(self, gateway_id: str, version: str) -> None:
        """The gate runs another version (e.g. "instathings/gate:1.8.0")."""
        gateway = self._gateway(gateway_id)
        gateway.version = version
        self._emit(
            "software_version",
            gateway_id,
            gateway_event(self.world, gateway, full=True),
        )

    def discover(
        self, gateway_id: str, kind: str = CLIMATE, *, name: str | None = None
    ) -> str:
        """The gateway is looking for devices and found one: `discovering`.

        Returns the id the device gets if `pair` follows with it.
        """
        device = self._new_sub_device(gateway_id, kind, name, None)
        self._emit(
            "discovering",
            device.device_id,
            pairing_event(self.world, device, "discovering"),
        )
        return device.device_id

    def pair(
        self,
        gateway_id: str,
        kind: str = CLIMATE,
        *,
        name: str | None = None,
        device_id: str | None = None,
    ) -> SimDevice:
        """A device of `kind` pairs to the gateway: it is listed, `paired` goes out."""
        device = self._new_sub_device(gateway_id, kind, name, device_id)
        if device.device_id in self.world.devices:
            raise ValueError(f"{device.device_id} is already paired")
        self.world.add(device)
        self._emit(
            "paired", device.device_id, pairing_event(self.world, device, "paired")
        )
        return device

    def pair_failed(
        self,
        gateway_id: str,
        kind: str = CLIMATE,
        *,
        name: str | None = None,
        device_id: str | None = None,
    ) -> str:
        """Pairing a device fails: `not_paired` (nothing is listed); its id."""
        device = self._new_sub_device(gateway_id, kind, name, device_id)
        self._emit(
            "not_paired",
            device.device_id,
            pairing_event(self.world, device, "not_paired"),
        )
        return device.device_id

    def unpair(self, device_id: str) -> None:
        """A device leaves its gateway: `not_paired`; gone from the list, by id 404."""
        device = self.device(device_id)
        if device.parent is None:
            raise ValueError(f"{device_id} is not paired to a gateway")
        self._remove(device)

    def log(
        self,
        device_id: str,
        *messages: str,
        container: str = "gate",
        type: str = "LOG",  # noqa: A002 - the doc's field name
    ) -> list[LogLine]:
        """A gateway's container logs lines: the logs endpoint and a `log` event."""
        gateway = self._gateway(device_id)
        now = self.clock.now()
        lines = [
            LogLine(now, f"{iso(now)} {message}", type, container, now)
            for message in messages
        ]
        gateway.logs.extend(lines)
        self._emit("log", device_id, log_event(gateway, container, lines))
        return lines

    def install_protocol(
        self, gateway_id: str, protocol_id: str, *, success: bool = True
    ) -> None:
        """Install a protocol on the gate: `installation_succeded` or `_failed`."""
        gateway = self._gateway(gateway_id)
        protocol = PROTOCOLS.get(protocol_id)
        now = self.clock.now()
        new: list[str] = []
        if success:
            if protocol_id not in gateway.protocols:
                gateway.protocols.append(protocol_id)
            container = protocol.container if protocol is not None else None
            if container is not None and container not in gateway.containers:
                gateway.containers.append(container)
                new = [container, "eclipse-mosquitto"]
        versions = {
            c: CONTAINER_VERSIONS[c] for c in ("gate", *new) if c in CONTAINER_VERSIONS
        }
        self._emit(
            "installation_succeded" if success else "installation_failed",
            gateway_id,
            installation_event(
                self.world, gateway, protocol_id, success, now, new, versions
            ),
        )

    def tick(self, seconds: float = 60.0) -> list[DataRecord]:
        """Let `seconds` pass for the readings: they drift and are reported.

        Devices behind a disconnected gateway, and devices that never answer,
        send nothing. The clock does not move.
        """
        records = []
        for device in list(self.world.devices.values()):
            if device.is_gateway or not self.world.reachable(device):
                continue
            if drift(device.kind, device.state, self._rng, seconds):
                records.append(self._publish(device, device.state))
        return records

    def set_never_answers(self, device_id: str, never: bool = True) -> None:
        """Make a device ignore status requests and commands (or answer again)."""
        self.device(device_id).never_answers = never

    def set_answer_delay(self, device_id: str, seconds: float | None) -> None:
        """How long a device takes to answer a status request (None: the default)."""
        self.device(device_id).answer_delay = seconds

    def _gateway(self, device_id: str) -> SimDevice:
        """A gateway by id (ValueError for another device)."""
        device = self.device(device_id)
        if not device.is_gateway:
            raise ValueError(f"{device_id} is not a gateway")
        return device

    def _new_sub_device(
        self, gateway_id: str, kind: str, name: str | None, device_id: str | None
    ) -> SimDevice:
        """A device of `kind` for the gateway (not added to the world)."""
        gateway = self._gateway(gateway_id)
        if kind not in SUB_DEVICE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(SUB_DEVICE_KINDS)}")
        if device_id is None:
            self._serial += 1
            device_id = short_id(self.seed, "paired", self._serial)
        return self.world.new_device(
            kind,
            self.clock.now(),
            device_id=device_id,
            name=(name or NAMES[kind])[:MAX_NAME],
            parent=gateway,
        )

    def _remove(self, device: SimDevice) -> None:
        """Take a device (a gateway with its own) out; `not_paired` for each paired one."""
        for gone in self.world.remove(device):
            if gone.parent is not None:
                self._emit(
                    "not_paired",
                    gone.device_id,
                    pairing_event(self.world, gone, "not_paired"),
                )

    # --- pushing ------------------------------------------------------------------------

    def _emit(
        self,
        action: str,
        device_id: str,
        payload: Any,
        local: Any = None,
        at: datetime | None = None,
    ) -> None:
        """Push an event to every open socket, in each socket's framing.

        Cloud: {"action", "payload"}. On premise: `data` and `status` go out as
        42["data", {deviceId, payload, ts}] and 42["data_<id>", payload], every
        event as 42["<id>", {action, payload, ts}]; `local` is the payload
        there (default: the cloud's).
        """
        at = at or self.clock.now()
        self.events.append(SentEvent(action, device_id, payload, at))
        local = payload if local is None else local
        stamp = iso(at)
        socket_io: list[Frame] = []
        if action in ("data", "status"):
            socket_io.append(
                sio_event(
                    action, {"deviceId": device_id, "payload": local, "ts": stamp}
                )
            )
            socket_io.append(sio_event(f"{action}_{device_id}", local))
        socket_io.append(
            sio_event(device_id, {"action": action, "payload": local, "ts": stamp})
        )
        self.hub.broadcast([cloud_frame(action, payload)], socket_io)

    def events_of(self, action: str) -> list[SentEvent]:
        """The events of one action pushed so far."""
        return [event for event in self.events if event.action == action]

    # --- sockets: counters and faults -----------------------------------------------------

    @property
    def socket_connections(self) -> int:
        """Websocket upgrades accepted so far (either framing, rejected ones too)."""
        return self.hub.connections

    @property
    def open_sockets(self) -> list[SocketSession]:
        """The sockets open right now."""
        return self.hub.open_sessions

    async def sockets_idle(self) -> None:
        """Wait until every open socket has been sent what is queued for it."""
        await self.hub.idle()

    async def drop_sockets(
        self, code: int = GOING_AWAY, reason: str = "", *, abort: bool = False
    ) -> int:
        """Close every open socket with `code` (abort: cut without a close frame)."""
        return await self.hub.drop(code, reason, abort=abort)

    def send_garbage(self, kind: str = "text", *, size: int | None = None) -> int:
        """Send every open socket one unusable frame; return how many got it.

        `kind`: "text" (not JSON), "shape" (JSON of the wrong shape), "huge"
        (`size` bytes, default 5 MiB) or "binary".
        """
        if kind not in GARBAGE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(GARBAGE_KINDS)}")
        return (
            self.hub.send_garbage(kind)
            if size is None
            else self.hub.send_garbage(kind, size)
        )

    def stall_sockets(self, seconds: float | None = None) -> int:
        """Stop reading and writing every open socket, without closing it.

        No pong, no event (they wait), no heartbeat drop; for `seconds` of real
        time or until `unstall_sockets`.
        """
        return self.hub.stall(seconds)

    def unstall_sockets(self) -> int:
        """Resume stalled sockets (what waited goes out)."""
        return self.hub.unstall()

    def refuse_sockets(self, seconds: float | None = None) -> None:
        """Answer new socket handshakes 503 for a while.

        For `seconds` of the simulator clock (with Retry-After), or until
        `accept_sockets`.
        """
        self.hub.refuse(seconds)

    def accept_sockets(self) -> None:
        """Accept new sockets again."""
        self.hub.accept()

    # --- clock and lifecycle -----------------------------------------------------------------

    def _on_clock_change(self) -> None:
        """Answer status requests now due; re-check tokens of open sockets."""
        self._settle()
        self.hub.wake_all()

    async def _on_startup(self, app: web.Application) -> None:
        """Start moving the readings, if asked to."""
        if self.tick_interval:
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        """tick() every `tick_interval` seconds."""
        interval = self.tick_interval or 60.0
        while True:
            await asyncio.sleep(interval)
            self.tick(interval)

    async def _on_shutdown(self, app: web.Application) -> None:
        """Stop the ticker and the timers, close the sockets."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        await self.hub.close_all()

    # --- routes ------------------------------------------------------------------------------

    def _add_routes(self) -> None:
        """Register the REST API and the websockets."""
        router = self.app.router
        router.add_post(TOKEN_ROUTE, self._handle_token)
        router.add_get(DEVICES_ROUTE, self._handle_devices)
        router.add_get(DEVICE_ROUTE, self._handle_device)
        router.add_patch(DEVICE_ROUTE, self._handle_patch)
        router.add_delete(DEVICE_ROUTE, self._handle_delete)
        router.add_get(DATA_ROUTE, self._handle_data)
        for route in SUB_DEVICE_ROUTES:
            router.add_delete(route, self._handle_delete_sub_device)
        for route in CERTIFICATE_ROUTES:
            router.add_get(route, self._handle_certificate)
            router.add_post(route, self._handle_certificate)
        router.add_get(LOGS_ROUTE, self._handle_logs)
        router.add_post(SET_ROUTE, self._handle_set)
        router.add_post(STATUS_ROUTE, self._handle_status)
        router.add_get(FETCH_ROUTE, self._handle_fetch)
        router.add_get(TYPES_ROUTE, self._handle_types)
        router.add_get(TYPE_ROUTE, self._handle_type)
        router.add_get(PROTOCOL_ROUTE, self._handle_protocol)
        router.add_get(CLOUD_SOCKET_ROUTE, self._handle_cloud_socket)
        for route in SOCKET_IO_ROUTES:
            router.add_get(route, self._handle_socket_io)

    @web.middleware
    async def _api_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Check Accept and (in the cloud) the token; render ApiErrors."""
        route = route_template(request)
        try:
            if (
                request.match_info.route.resource is not None
                and route not in SOCKET_ROUTES
            ):
                self._check_accept(request, route)
                if route != TOKEN_ROUTE and not self.on_premise:
                    self.auth.check(_bearer(request), self.clock.now())
            return await handler(request)
        except ApiError as err:
            return self._error(err.status, err.message)

    def _error(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        """An error answer (401 says how to authenticate)."""
        sent = dict(headers or {})
        if status == 401:
            sent["WWW-Authenticate"] = "Bearer"
        return web.json_response(
            error_body(status, message), status=status, headers=sent
        )

    @staticmethod
    def _check_accept(request: web.Request, route: str) -> None:
        """406 when the Accept header rules JSON out."""
        accept = request.headers.get("Accept")
        if not accept:
            return
        media = [part.split(";")[0].strip().lower() for part in accept.split(",")]
        allowed = [*ACCEPTED_MEDIA]
        if route in CERTIFICATE_ROUTES:
            allowed.append("application/zip")
        if not any(m in allowed or m.endswith("+json") for m in media):
            raise ApiError(406, "Only application/json is served")

    def _base_url(self, request: web.Request) -> str:
        """The base URL clients reach this simulator at."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"{request.scheme}://{request.host}"

    def _device(self, request: web.Request, key: str = "device_id") -> SimDevice:
        """The device a path names (ApiError 404 if unknown)."""
        device = self.world.devices.get(request.match_info[key])
        if device is None:
            raise ApiError(404, "Device not found")
        return device

    # --- REST: token, devices, types ----------------------------------------------------

    async def _handle_token(self, request: web.Request) -> web.Response:
        """POST the client credentials, get a JWT (404 on premise)."""
        if self.on_premise:
            status = self.shapes.on_premise_token
            if status == 405:
                raise ApiError(405, "Method Not Allowed")
            raise ApiError(404, "Not Found")
        issued = self.auth.grant(
            request.get(REQUEST_JSON),
            self.clock.now(),
            with_exp=self.shapes.jwt_exp,
            refusal=self.shapes.bad_credentials,
        )
        answer: JSON = {self.shapes.token: issued.token}
        if self.shapes.expires_in:
            answer["expires_in"] = self.auth.token_ttl
        return web.json_response(answer)

    async def _handle_devices(self, request: web.Request) -> web.Response:
        """Every device of the project."""
        return web.json_response(device_list(self.world, self.shapes))

    async def _handle_device(self, request: web.Request) -> web.Response:
        """One device (a gateway's subDevices as objects, by default)."""
        device = self._device(request)
        return web.json_response(
            device_json(self.world, device, self.shapes.device_sub_devices)
        )

    async def _handle_patch(self, request: web.Request) -> web.Response:
        """Change name (max 20), frequency (min 30) or demoActive."""
        device = self._device(request)
        changes = check_patch(request.get(REQUEST_JSON))
        if "name" in changes:
            device.name = changes["name"]
        if "frequency" in changes:
            device.frequency = changes["frequency"]
        if "demoActive" in changes:
            device.demo_active = changes["demoActive"]
        return web.json_response({})

    async def _handle_delete(self, request: web.Request) -> web.Response:
        """Delete a device (a gateway takes its devices along)."""
        self._remove(self._device(request))
        return web.json_response({})

    async def _handle_delete_sub_device(self, request: web.Request) -> web.Response:
        """Delete a device of a gateway (404 unless paired to that gateway)."""
        parent = self._device(request, "parent_id")
        device = self._device(request)
        if device.parent != parent.device_id:
            raise ApiError(404, "Sub-device not found")
        self._remove(device)
        return web.json_response({})

    async def _handle_certificate(self, request: web.Request) -> web.Response:
        """New credentials: JSON in sandbox, a zip in live."""
        device = self._device(request)
        self._serial += 1
        device.certificate_id = hex_digest(
            self.seed, "certificate", device.device_id, self._serial
        )
        answer = certificate_json(self.world, device, self._serial)
        if self.world.env != "live":
            return web.json_response(answer)
        return web.Response(
            body=_certificate_zip(answer),
            content_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{device.device_id}.zip"'
            },
        )

    async def _handle_types(self, request: web.Request) -> web.Response:
        """Every device type."""
        return web.json_response([t.as_json() for t in TYPES.values()])

    async def _handle_type(self, request: web.Request) -> web.Response:
        """One device type."""
        device_type = TYPES_BY_ID.get(request.match_info["type_id"])
        if device_type is None:
            raise ApiError(404, "Type not found")
        return web.json_response(device_type.as_json())

    async def _handle_protocol(self, request: web.Request) -> web.Response:
        """One protocol."""
        protocol = PROTOCOLS.get(request.match_info["protocol_id"])
        if protocol is None:
            raise ApiError(404, "Protocol not found")
        return web.json_response(protocol.as_json())

    # --- REST: data and logs --------------------------------------------------------------

    async def _handle_data(self, request: web.Request) -> web.Response:
        """A page of a device's data."""
        device = self._device(request)
        page = parse_page(request.query)
        order = self.shapes.data_order or ("oldest" if self.on_premise else "newest")
        records, total = select_records(device.records, page, order == "newest")
        return web.json_response(
            {
                "data": [
                    record_json(r, self.shapes, on_premise=self.on_premise)
                    for r in records
                ],
                "totalItems": total,
            }
        )

    async def _handle_logs(self, request: web.Request) -> web.Response:
        """A gateway container's logs, between start and end if given."""
        device = self._device(request)
        container = request.match_info["container_id"]
        if container not in device.containers:
            allowed = ", ".join(device.containers) or "none"
            raise ApiError(400, f"containerId must be one of: {allowed}")
        start, end = logs_window(request.query)
        lines = [
            log_json(line)
            for line in device.logs
            if line.container == container
            and (start is None or ms(line.at) >= start)
            and (end is None or ms(line.at) <= end)
        ]
        return web.json_response(lines)

    # --- REST: control -----------------------------------------------------------------

    @staticmethod
    def _http_target(request: web.Request) -> tuple[str, str, dict[str, str]]:
        """The path, method and query an HTTP device gets (400 without headers)."""
        path = request.headers.get(PATH_HEADER)
        method = request.headers.get(METHOD_HEADER)
        if not path or not method:
            raise ApiError(
                400, f"{PATH_HEADER} and {METHOD_HEADER} are required for HTTP devices"
            )
        if method.upper() not in HTTP_METHODS:
            raise ApiError(
                400, f"{METHOD_HEADER} must be one of {', '.join(HTTP_METHODS)}"
            )
        return path, method.upper(), dict(request.query)

    async def _handle_set(self, request: web.Request) -> web.Response:
        """Forward a command to a device; it acts on it (if it can hear it)."""
        device = self._device(request)
        body = request.get(REQUEST_JSON)
        now = self.clock.now()
        reachable = self.world.reachable(device)
        if device.is_http:
            path, method, query = self._http_target(request)
            control = Control(device.device_id, body, now, path, method, query)
            self.controls.append(control)
            if reachable and device.kind == SHELLY:
                _, changed = shelly_call(device.state, path, query)
                control.applied = True
                if changed:
                    self._publish(device, device.state)
            return web.json_response({})
        if not isinstance(body, dict):
            raise ApiError(400, "The body must be a JSON object")
        control = Control(device.device_id, body, now, query=dict(request.query))
        self.controls.append(control)
        if reachable:
            control.applied = True
            if apply_command(device.kind, device.state, body):
                self._publish(device, device.state)
        return web.json_response({})

    async def _handle_status(self, request: web.Request) -> web.Response:
        """Ask a device for its status: 202 and where to fetch the answer."""
        device = self._device(request)
        http = self._http_target(request) if device.is_http else None
        now = self.clock.now()
        self._serial += 1
        request_id = short_id(self.seed, "request", self._serial)
        delay = (
            device.answer_delay
            if device.answer_delay is not None
            else self.status_delay
        )
        pending = StatusRequest(
            request_id,
            device.device_id,
            now,
            now + timedelta(seconds=max(0.0, delay)),
            http,
            is_http=device.is_http,
        )
        self.status_requests[request_id] = pending
        self._unanswered[request_id] = pending
        if delay <= 0:
            self._settle()
        else:
            loop = asyncio.get_running_loop()
            self._timers = {h for h in self._timers if h.when() > loop.time()}
            self._timers.add(loop.call_later(delay, self._settle))
        location = f"/device/v1/control/{request_id}/fetch"
        if self.shapes.location == "absolute":
            location = f"{self._base_url(request)}{location}"
        body = (
            {"requestId": request_id} if self.shapes.status_body == "request_id" else {}
        )
        return web.json_response(body, status=202, headers={"Location": location})

    async def _handle_fetch(self, request: web.Request) -> web.Response:
        """The device's answer: pending (202, 404 or 200 without it), or the answer."""
        pending = self.status_requests.get(request.match_info["request_id"])
        if pending is None:
            raise ApiError(404, "Request not found")
        self._settle()
        if pending.pending:
            match self.shapes.pending:
                case "404":
                    raise ApiError(404, "Response not found")
                case "200":
                    body = self._fetch_body(pending)
                    del body["response"]
                    return web.json_response(body)
            return web.json_response({}, status=202)
        return web.json_response(self._fetch_body(pending))

    def _fetch_body(self, pending: StatusRequest) -> JSON:
        """{projectId, response, ttl, deviceId, id}."""
        return {
            "projectId": self.project_id,
            "response": self._response(pending),
            "ttl": int((pending.created + timedelta(days=1)).timestamp()),
            "deviceId": pending.device_id,
            "id": pending.request_id,
        }

    def _response(self, pending: StatusRequest) -> Any:
        """The device's answer, flat or enveloped as the shapes say."""
        data = render_values(pending.response, self.shapes)
        style = self.shapes.response or ("enveloped" if pending.is_http else "flat")
        return envelope(data) if style == "enveloped" else data

    def _settle(self) -> None:
        """Let devices answer the status requests now due (the reachable ones)."""
        now = self.clock.now()
        for pending in list(self._unanswered.values()):
            if pending.due > now:
                continue
            device = self.world.devices.get(pending.device_id)
            if device is None or not self.world.reachable(device):
                continue
            if pending.http is not None and device.kind == SHELLY:
                path, _, query = pending.http
                answer, changed = shelly_call(device.state, path, query)
                if changed:
                    self._publish(device, device.state)
            else:
                answer = copy.deepcopy(device.state)
            pending.response = answer
            pending.answered = now
            del self._unanswered[pending.request_id]
            self._emit(
                "status",
                pending.device_id,
                self._fetch_body(pending),
                render_values(answer, self.shapes),
            )

    # --- websockets -------------------------------------------------------------------------

    def _refused(self) -> web.Response | None:
        """The 503 of a refused handshake, if sockets are refused now."""
        refused, retry_after = self.hub.refusal()
        if not refused:
            return None
        self.hub.refused += 1
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return self._error(503, "Service Unavailable", headers)

    async def _handle_cloud_socket(self, request: web.Request) -> web.StreamResponse:
        """The cloud's websocket: ?project=<id>&access_token=<JWT>."""
        if self.on_premise:
            raise ApiError(404, "Not Found")
        if (refusal := self._refused()) is not None:
            return refusal
        if not web.WebSocketResponse().can_prepare(request).ok:
            raise ApiError(400, "Expected a websocket upgrade")
        ws = await self.hub.upgrade(request)
        token = request.query.get("access_token")
        try:
            self._check_socket(request.query.get("project"), token)
        except ApiError as err:
            self.socket_rejections += 1
            await ws.close(code=self.shapes.socket_close, message=err.message.encode())
            return ws
        await self.hub.serve_cloud(
            request, ws, token, self._seconds_left, lambda: self.shapes.socket_close
        )
        return ws

    def _check_socket(self, project: str | None, token: str | None) -> None:
        """ApiError unless the project is ours and the token works."""
        if project != self.project_id:
            raise ApiError(401, "Unknown project")
        self.auth.check(token, self.clock.now())

    def _seconds_left(self, token: str | None) -> float | None:
        """How long a socket's token still works (ApiError once it does not)."""
        now = self.clock.now()
        payload = self.auth.check(token, now)
        expires = self.auth.expires_at(token or "")
        if expires is not None:
            return (expires - now).total_seconds()
        exp = payload.get("exp")
        return exp - now.timestamp() if isinstance(exp, int | float) else None

    async def _handle_socket_io(self, request: web.Request) -> web.StreamResponse:
        """The gateway's socket.io (Engine.IO v3, websocket transport only)."""
        if not self.on_premise:
            raise ApiError(404, "Not Found")
        if (refusal := self._refused()) is not None:
            return refusal
        if request.query.get("EIO") != "3":
            return web.json_response(
                {"code": 5, "message": "Unsupported protocol version"}, status=400
            )
        if request.query.get("transport") != "websocket":
            return web.json_response(
                {"code": 0, "message": "Transport unknown"}, status=400
            )
        if not web.WebSocketResponse().can_prepare(request).ok:
            return web.json_response({"code": 3, "message": "Bad request"}, status=400)
        ws = await self.hub.upgrade(request)
        await self.hub.serve_socket_io(request, ws)
        return ws

    # --- hooks for the core -------------------------------------------------------------------

    def shift_history(self, delta: timedelta) -> None:
        """Keep devices, data, logs, tokens and requests relative to now."""
        self.world.shift(delta)
        self.auth.shift(delta)
        for pending in self.status_requests.values():
            pending.created += delta
            pending.due += delta
            if pending.answered is not None:
                pending.answered += delta
        for control in self.controls:
            control.at += delta
        for event in self.events:
            event.at += delta

    def request_device_id(self, request: web.Request) -> str | None:
        """The device a path names; for fetch, the device the request asked."""
        request_id = request.match_info.get("request_id")
        if request_id is not None:
            pending = self.status_requests.get(request_id)
            return pending.device_id if pending is not None else None
        return request.match_info.get("device_id")

    def error_payload(self, status: int, message: str) -> Any:
        """The error body."""
        return error_body(status, message)

    def handle_http_exception(self, exc: web.HTTPException) -> web.StreamResponse:
        """Render aiohttp's own errors (404, 405 with its Allow header) in our body."""
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return web.json_response(
            error_body(exc.status, exc.reason), status=exc.status, headers=headers
        )

    def body_code_response(
        self, request: web.Request, code: int | None = None
    ) -> web.StreamResponse:
        """Instathings reports errors by status only: the code's error answer."""
        return self._error(500 if code is None else code, "Injected error")

    def body_code_payload(self, code: int | None = None) -> Any:
        """The body of the code's error answer."""
        return error_body(500 if code is None else code, "Injected error")

    def map_data(self, payload: Any, change: Callable[[Any], Any]) -> Any:
        """Change the data of an answer: a list's entries, or a {data|items} list."""
        if isinstance(payload, dict):
            if "statusCode" in payload and "error" in payload:
                return payload
            for key in ("data", "items"):
                if isinstance(payload.get(key), list):
                    return {**payload, key: change(payload[key])}
        return change(payload)

    def keep_identity_fields(self, payload: Any) -> Any:
        """Keep only ids (of every entry, in a list)."""
        keep = self.identity_keys
        return self.map_data(
            payload,
            lambda data: [only_keys(item, keep) for item in data]
            if isinstance(data, list)
            else only_keys(data, keep),
        )

    def strip_required_fields(self, payload: Any) -> Any:
        """Empty objects where the data was (entries of a list each)."""
        return self.map_data(
            payload, lambda data: [{} for _ in data] if isinstance(data, list) else {}
        )

    def malformed_body(self) -> str:
        """A device list cut off mid-way."""
        return f'[{{"projectId": "{self.project_id}", "ts": 1579184185884, "id": "'

    def rewrite_payload(self, fault: Fault, request: web.Request, payload: Any) -> Any:
        """Break the device list for its faults, else as the core does."""
        if fault.kind in DEVICE_LIST_FAULTS:
            return self.map_data(payload, lambda items: _rewrite_list(fault, items))
        return super().rewrite_payload(fault, request, payload)


# --- helpers -------------------------------------------------------------------------------


def _bearer(request: web.Request) -> str | None:
    """The bearer token of a request."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _plan() -> JSON:
    """The doc's plan object (a copy)."""
    return copy.deepcopy(PLAN)


def _rewrite_list(fault: Fault, items: Any) -> Any:
    """A device list broken the way a route-bound fault says."""
    if not isinstance(items, list):
        return items
    match fault.kind:
        case FaultKind.EMPTY_LIST:
            return []
        case FaultKind.DROP_DEVICE:
            return [
                i
                for i in items
                if not (isinstance(i, dict) and i.get("id") == fault.value)
            ]
        case FaultKind.MINIMAL_ENTRIES:
            return [
                {k: v for k, v in i.items() if k in ("id", "name", "projectId")}
                if isinstance(i, dict)
                else i
                for i in items
            ]
        case FaultKind.BAD_ENTRIES:
            return [
                *items,
                {"name": "No id", "isGateway": False},
                {"id": 12345, "name": ["not", "a", "name"]},
                "not a device",
                None,
            ]
    return items


def _certificate_zip(answer: JSON) -> bytes:
    """The live certificate answer: the gate's config folder and install script."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        credentials = answer["credentials"]
        archive.writestr("config/certificate.pem.crt", credentials["certificatePem"])
        archive.writestr("config/private.pem.key", credentials["privateKey"])
        archive.writestr("config/public.pem.key", credentials["publicKey"])
        config = {k: v for k, v in answer.items() if k != "credentials"}
        archive.writestr("config/config.json", json.dumps(config, indent=2))
        archive.writestr(
            "install.sh",
            "#!/bin/sh\n# Installs the Instathings gate (simulated)\n"
            "docker run -d --name gate -v $PWD/config:/config instathings/gate:1.7.1\n",
        )
    return buffer.getvalue()


__all__ = [
    "CLIMATE",
    "CLOUD",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_PROJECT_ID",
    "DISCONNECT_REASONS",
    "FOUNTAIN",
    "GARBAGE_KINDS",
    "GATEWAY",
    "LAMP",
    "PLUG",
    "SHELLY",
    "SOCKET_IO",
    "SOIL",
    "VIRTUAL",
    "Control",
    "InstathingsSimulator",
    "SentEvent",
    "Shapes",
    "StatusRequest",
]
