"""A fake Netatmo cloud (https://api.netatmo.com), faithful to the real API.

This module is the HTTP side: OAuth2, tokens and scopes, the per-user limits,
the routes, webhooks and the cameras' VPN and local URLs. The world (homes,
cameras, persons, stations, coaches) lives in `simulator.netatmo.homes`, the
events in `simulator.netatmo.events`, the answers and their doc variants in
`simulator.netatmo.api`, the OAuth2 server in `simulator.netatmo.oauth`.

Routes (all on one host, as the simulator stands in for several):

- /oauth2/authorize (the login page and its form), /oauth2/token;
- the API under /api/<name> and, as the doc writes them, /<name>: homesdata,
  gethomedata, homestatus, getevents, getstationsdata, gethomecoachsdata,
  getmeasure, getscenarios, setstate, getcamerapicture, addwebhook,
  dropwebhook;
- a camera's VPN URL /vpn/<hash> and local URL /local/<hash>: command/ping,
  live/index.m3u8 (VPN) or live/index_local.m3u8 (local), also under
  live/files/<quality>/, their segments, and live/snapshot_720.jpg;
- /images/<id>: event snapshots and vignettes, person faces.

API requests need an access token (`Authorization: Bearer`, or the doc's
access_token parameter): none or an unknown one is 403 code 2, an expired one
403 code 3, one without the endpoint's scope 403 code 13. Every authenticated
request counts against the user's limits, 50 per 10 s and 500 per hour of the
simulator clock: beyond them the answer is 403 code 26 and the refused request
does not count. `limit_answer` picks the answer: "403" (the real one), "403_retry"
(the same with Retry-After), "429" (a gateway's 429 with Retry-After and the
code 26 body) or "429_text" (429 with Retry-After and a plain-text body).

Injected faults (see `simulator.core`) act before the API, as a proxy or the
network would: they need no token and count against no limit, except TIMEOUT
and the faults that break a successful answer, which reach the API. BODY_CODE
is the real API's error inside a success: HTTP 200 with body.errors
[{"code": 6 (or the fault's code), "id": <the device or home asked about>}].
BAD_ENTRIES, EMPTY_LIST, DROP_DEVICE and MINIMAL_ENTRIES act on
/api/homesdata: the homes' device lists get unreadable entries, the account
lists no home, the device whose id is the fault's value is left out, or the
devices keep only their id and type.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
import hashlib
import hmac
import json
import logging
import math
import re
from typing import Any, ClassVar

from aiohttp import BasicAuth, web
from yarl import URL

from ..core import (
    REQUEST_JSON,
    BaseSimulator,
    Fault,
    FaultKind,
    Handler,
    route_template,
)
from ..delivery import (
    FAILED,
    SENT,
    DeliversWebhooks,
    Delivery,
    DeliverySwitches,
    WebhookSender,
)
from ..media import JPEG_BYTES, TS_SEGMENT_BYTES, hls_playlist
from .api import (
    DEVICE_UNREACHABLE,
    ENDPOINT_NAMES,
    ENDPOINTS,
    OPERATION_FORBIDDEN,
    READ,
    SCOPES_BY_ENDPOINT,
    USAGE_REACHED,
    ApiError,
    Ctx,
    Endpoint,
    Shapes,
    code_for_status,
    envelope,
    error_body,
    invalid,
    ok_body,
    ok_status,
    only_ids,
    rewrite_homes,
)
from .events import (
    EVENT_TYPES,
    SimEvent,
    activation_payload,
    build_event,
    webhook_payloads,
)
from .homes import (
    LINK_404,
    LINK_503,
    LINK_OK,
    LINK_TIMEOUT,
    MEASURES,
    PRODUCT_NAMES,
    SimHome,
    SimModule,
    SimPerson,
    SimSensor,
    World,
    WorldSpec,
    build_world,
    object_id,
)
from .oauth import (
    DEFAULT_TOKEN_LIFETIME,
    SCOPES,
    AccessToken,
    OAuthError,
    OAuthServer,
    error_page,
    login_page,
)

_LOGGER = logging.getLogger(__name__)

API_PREFIX = "/api"
HOMESDATA_ROUTE = "/api/homesdata"
# The faults that break homesdata's device lists (and act on no other route).
HOMESDATA_FAULTS = (
    FaultKind.BAD_ENTRIES,
    FaultKind.EMPTY_LIST,
    FaultKind.DROP_DEVICE,
    FaultKind.MINIMAL_ENTRIES,
)
DEFAULT_CLIENT_ID = "sim-netatmo-client-id"
DEFAULT_CLIENT_SECRET = "sim-netatmo-client-secret"  # noqa: S105 - a fake app's
DEFAULT_EMAIL = "owner@example.com"
DEFAULT_PASSWORD = "sim-password"  # noqa: S105 - the fake account's

# How a refused (over the limit) request is answered (see the module doc).
LIMIT_ANSWERS = ("403", "403_retry", "429", "429_text")
SHORT_WINDOW = timedelta(seconds=10)
LONG_WINDOW = timedelta(hours=1)

# The webhook signature: right, wrong (a valid-looking HMAC with another key) or none.
SIGNATURES = ("valid", "forged", "missing")
SIGNATURE_HEADER = "X-Netatmo-secret"
BAN_FAILURES = 5  # non-200 answers ...
BAN_WINDOW = timedelta(hours=1)  # ... within this long get a webhook banned

DEFAULT_CAMERA_TIMEOUT = 30.0  # how long a "timeout" camera URL holds a request
LOCAL_LINK_MODES = (LINK_404, LINK_TIMEOUT)
VPN_LINK_MODES = (LINK_503, LINK_404, LINK_TIMEOUT)
# Readings set_reading accepts besides a device's own measures.
DERIVED_READINGS = (
    "AbsolutePressure",
    "health_idx",
    "min_temp",
    "max_temp",
    "temp_trend",
    "pressure_trend",
)
_ACCESS = "netatmo.access"
_ARGS = "netatmo.args"
_META_KEYS = ("status", "time_exec", "time_server")


@dataclass
class NetatmoWebhook:
    """The app's webhook for the user: where events go, and its recent failures."""

    url: str
    added: datetime
    failures: list[datetime] = field(default_factory=list)


@dataclass
class BannedWebhook:
    """A webhook Netatmo stopped delivering to after too many failures."""

    url: str
    at: datetime
    failures: int


class NetatmoSimulator(DeliversWebhooks, BaseSimulator):
    """The Netatmo cloud: OAuth2, homes and cameras, stations, coaches, webhooks."""

    fault_routes: ClassVar[Mapping[FaultKind, str]] = dict.fromkeys(
        HOMESDATA_FAULTS, HOMESDATA_ROUTE
    )
    identity_keys: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "_id",
            "type",
            "home_id",
            "room_id",
            "device_id",
            "module_id",
            "camera_id",
            "event_id",
            "person_id",
            "scenario_id",
            "subevent_id",
            "module_ids",
        }
    )

    def __init__(
        self,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        *,
        homes: int = 2,
        indoor_cameras: int = 1,
        outdoor_cameras: int = 1,
        doorbells: int = 1,
        gateway: bool = True,
        stations: int = 1,
        coaches: int = 1,
        history: bool = True,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
        shapes: Shapes | str = "real",
        limit_per_10s: int = 50,
        limit_per_hour: int = 500,
        limit_answer: str = "403",
        email: str = DEFAULT_EMAIL,
        password: str = DEFAULT_PASSWORD,
        app_name: str = "PetSmart Hub",
        redirect_uri: str | None = None,
        seed: int = 0,
        latency: float = 0.0,
        public_url: str | None = None,
    ) -> None:
        """Create the app (client id and secret), the user and the default world.

        See `homes.build_world` for the world the sizes describe; `history`
        gives every camera a "connection" event a day ago. `redirect_uri` is
        the app's configured callback, used when authorize names none.
        """
        if limit_answer not in LIMIT_ANSWERS:
            raise ValueError(f"limit_answer must be one of {', '.join(LIMIT_ANSWERS)}")
        if token_lifetime <= 0:
            raise ValueError("token_lifetime must be positive")
        super().__init__(latency=latency)
        self.app.middlewares.append(self._api_middleware)
        self.seed = seed
        self.email = email
        self.password = password
        self.app_name = app_name
        self.redirect_uri = redirect_uri
        self.public_url = public_url
        self.user_id = object_id("5c81", seed, 1)
        now = self.clock.now()
        self.world: World = build_world(
            WorldSpec(
                homes,
                indoor_cameras,
                outdoor_cameras,
                doorbells,
                gateway,
                stations,
                coaches,
            ),
            seed,
            now,
            self.user_id,
            email,
        )
        self.oauth = OAuthServer(
            client_id, client_secret, self.user_id, seed, token_lifetime
        )
        self._shapes = shapes if isinstance(shapes, Shapes) else Shapes.preset(shapes)
        self.limit_per_10s = limit_per_10s
        self.limit_per_hour = limit_per_hour
        self.limit_answer = limit_answer
        #: requests refused for the limits
        self.throttled = 0
        self._calls: deque[datetime] = deque()
        # The app's webhook for the user (addwebhook again replaces it).
        self.webhook: NetatmoWebhook | None = None
        self.banned: list[BannedWebhook] = []
        self.signature = "valid"
        self.webhook_sender = WebhookSender(self.clock.now, seed)
        self.webhook_sender.on_record = self._on_delivery
        self.camera_timeout = DEFAULT_CAMERA_TIMEOUT
        self._push_base: str | None = None
        self.world.listeners.append(self._on_event)
        if history:
            self._add_history(now)
        self._api_routes: dict[str, str] = {}
        self._add_routes()
        self.app.on_cleanup.append(self._on_cleanup)

    # --- the app and its tokens ---------------------------------------------------------

    @property
    def client_id(self) -> str:
        """The app's client id."""
        return self.oauth.client_id

    @client_id.setter
    def client_id(self, value: str) -> None:
        self.oauth.client_id = value

    @property
    def client_secret(self) -> str:
        """The app's client secret (it also signs webhooks)."""
        return self.oauth.client_secret

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.oauth.client_secret = value

    @property
    def token_lifetime(self) -> int:
        """Seconds a new access token lives (10800 unless set shorter)."""
        return self.oauth.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError("token_lifetime must be positive")
        self.oauth.token_lifetime = seconds

    @property
    def grants(self) -> Counter[str]:
        """Successful token grants by type (authorization_code, refresh_token...)."""
        return self.oauth.grants

    @property
    def grant_errors(self) -> Counter[str]:
        """Refused token requests by error (invalid_grant, invalid_client...)."""
        return self.oauth.errors

    def issue_token(self, scopes: Iterable[str] | None = None) -> dict[str, Any]:
        """Hand out a token pair without the login dance (grant type "direct").

        Returns the token endpoint's answer; `scopes` defaults to every scope.
        """
        asked = self.oauth.parse_scope(None if scopes is None else " ".join(scopes))
        return self.oauth.issue(asked, self.clock.now(), "direct")

    def expire_tokens(self) -> None:
        """Expire every access token handed out so far: they answer code 3."""
        self.oauth.expire_all(self.clock.now())

    def revoke_tokens(self) -> None:
        """Revoke every access token handed out so far: they answer code 2."""
        self.oauth.revoke_all()

    def revoke_refresh(self) -> None:
        """Kill every refresh token handed out so far: refreshing is invalid_grant.

        Signing in again (authorization code) hands out working ones.
        """
        self.oauth.revoke_refresh()

    # --- answer shapes -------------------------------------------------------------------

    @property
    def shapes(self) -> Shapes:
        """The shape of every answer (see `api.Shapes`)."""
        return self._shapes

    @shapes.setter
    def shapes(self, value: Shapes | str) -> None:
        self._shapes = value if isinstance(value, Shapes) else Shapes.preset(value)

    def set_shapes(self, preset: str | None = None, **changes: Any) -> Shapes:
        """Start from a preset ("real" or "doc") or the current shapes, change some.

        For instance set_shapes(homesdata="control", envelope="bare").
        """
        base = Shapes.preset(preset) if preset is not None else self._shapes
        self._shapes = base.but(**changes)
        return self._shapes

    # --- the world -----------------------------------------------------------------------

    @property
    def homes(self) -> dict[str, SimHome]:
        """The account's homes by id."""
        return self.world.homes

    @property
    def stations(self) -> dict[str, SimSensor]:
        """The weather stations by id (their modules inside)."""
        return self.world.stations

    @property
    def coaches(self) -> dict[str, SimSensor]:
        """The home coaches by id."""
        return self.world.coaches

    def module(self, module_id: str) -> SimModule:
        """A home's device (camera, doorbell, gateway) by id."""
        return self.world.find_module(module_id)[1]

    def sensor(self, device_id: str) -> SimSensor:
        """A station, station module or home coach by id."""
        return self.world.find_sensor(device_id)

    def person(self, person_id: str) -> SimPerson:
        """A person of any home by id."""
        for home in self.world.homes.values():
            if person_id in home.persons:
                return home.persons[person_id]
        raise KeyError(person_id)

    def _add_history(self, now: datetime) -> None:
        """A "connection" event a day ago for every camera (nothing is pushed)."""
        for home in self.world.homes.values():
            for index, module in enumerate(home.cameras):
                when = now - timedelta(days=1, minutes=index)
                home.events.append(
                    build_event(self.world, home, module, "connection", when)
                )
            home.events.sort(key=lambda event: event.time)

    def raise_event(
        self,
        camera_id: str,
        kind: str,
        *,
        person_id: str | None = None,
        detections: Iterable[str] | None = None,
        message: str | None = None,
        at: datetime | None = None,
    ) -> SimEvent:
        """Let a camera record an event now (or `at`): getevents lists it, it is pushed.

        `kind` is one of the camera type's events (see `events.EVENT_TYPES`):
        an NOC's "human", "animal" or "vehicle" make an "outdoor" event with
        that detection, "outdoor" takes `detections` (default: an animal);
        "person" and "person_away" take `person_id` (default: the home's first
        person) and mark that person seen or gone.
        """
        home, module = self.world.find_module(camera_id)
        event = build_event(
            self.world,
            home,
            module,
            kind,
            at or self.clock.now(),
            person_id=person_id,
            detections=tuple(detections) if detections is not None else None,
            message=message,
        )
        self.world.add_event(home, event)
        return event

    def set_local_reachable(
        self, camera_id: str, reachable: bool = False, *, how: str = LINK_404
    ) -> None:
        """Make a camera's local URL fail ("404" or "timeout") or work again."""
        if how not in LOCAL_LINK_MODES:
            raise ValueError(f"how must be one of {', '.join(LOCAL_LINK_MODES)}")
        self._camera_module(camera_id).local_link = LINK_OK if reachable else how

    def set_vpn_reachable(
        self, camera_id: str, reachable: bool = False, *, how: str = LINK_503
    ) -> None:
        """Make a camera's VPN URL fail ("503", "404" or "timeout") or work again."""
        if how not in VPN_LINK_MODES:
            raise ValueError(f"how must be one of {', '.join(VPN_LINK_MODES)}")
        self._camera_module(camera_id).vpn_link = LINK_OK if reachable else how

    def _camera_module(self, camera_id: str) -> SimModule:
        """A camera or doorbell by id (ValueError for the gateway)."""
        module = self.module(camera_id)
        if not module.is_camera:
            raise ValueError(f"{camera_id} is a {module.type}, not a camera")
        return module

    def set_reachable(self, device_id: str, reachable: bool) -> None:
        """Take a device off line or back.

        A camera going off line raises a "disconnection" event (coming back a
        "connection" one) and its URLs fail; homestatus lists it in errors.
        A station, station module or coach loses its dashboard_data (a
        station's modules too).
        """
        now = self.clock.now()
        try:
            home, module = self.world.find_module(device_id)
        except KeyError:
            sensor = self.world.find_sensor(device_id)
            lost = None if reachable else sensor.lost_at or now
            sensor.reachable = reachable
            sensor.lost_at = lost
            for part in sensor.modules:
                part.lost_at = None if reachable else part.lost_at or lost
            return
        if module.reachable == reachable:
            return
        module.reachable = reachable
        module.last_seen = now
        if module.is_camera:
            kind = "connection" if reachable else "disconnection"
            self.world.add_event(home, build_event(self.world, home, module, kind, now))

    def set_reading(self, device_id: str, name: str, value: Any) -> None:
        """Pin a reading of a station, module or coach (None lets it drift again).

        `name` is a dashboard_data key: one of the device's measures
        (Temperature, CO2, Humidity, Noise, Pressure) or a derived one
        (AbsolutePressure, health_idx, min_temp, max_temp, temp_trend,
        pressure_trend).
        """
        sensor = self.world.find_sensor(device_id)
        if name not in MEASURES[sensor.type] and name not in DERIVED_READINGS:
            raise ValueError(f"A {sensor.type} has no reading {name!r}")
        if value is None:
            sensor.pinned.pop(name, None)
        else:
            sensor.pinned[name] = value

    def update_module(self, device_id: str, **changes: Any) -> SimModule | SimSensor:
        """Set fields of a device (e.g. sd_status=5, battery_percent=10)."""
        try:
            device: SimModule | SimSensor = self.module(device_id)
        except KeyError:
            device = self.sensor(device_id)
        known = {spec.name for spec in fields(device)}
        if unknown := set(changes) - known:
            raise AttributeError(
                f"{type(device).__name__} has no {', '.join(sorted(unknown))}"
            )
        for name, value in changes.items():
            setattr(device, name, value)
        return device

    def set_person_home(self, person_id: str, at_home: bool) -> None:
        """Say whether a person is at home (seen now) or away (out of sight)."""
        person = self.person(person_id)
        person.out_of_sight = not at_home
        person.last_seen = self.clock.now().replace(microsecond=0)

    # --- limits and counters -----------------------------------------------------------

    def api_calls(
        self, endpoint: str | None = None, since: datetime | None = None
    ) -> int:
        """API requests received (both /api/<name> and /<name>), since a time."""
        return sum(
            1
            for request in self.requests
            if (name := self._api_routes.get(request.route)) is not None
            and (endpoint is None or name == endpoint)
            and (since is None or (request.at is not None and request.at >= since))
        )

    def api_requests(self) -> list[tuple[str, datetime]]:
        """Every API request received: its endpoint name and when (sim clock)."""
        return [
            (name, request.at)
            for request in self.requests
            if (name := self._api_routes.get(request.route)) is not None
            and request.at is not None
        ]

    def calls_per_hour(self, endpoint: str | None = None) -> dict[datetime, int]:
        """API requests per hour of the simulator clock, oldest hour first."""
        counts: Counter[datetime] = Counter()
        for request in self.requests:
            name = self._api_routes.get(request.route)
            if name is None or request.at is None:
                continue
            if endpoint is None or name == endpoint:
                counts[request.at.replace(minute=0, second=0, microsecond=0)] += 1
        return dict(sorted(counts.items()))

    def _spend(self, now: datetime) -> web.Response | None:
        """Count one request against the limits; the refusal if over them."""
        calls = self._calls
        while calls and now - calls[0] >= LONG_WINDOW:
            calls.popleft()
        recent = [moment for moment in calls if now - moment < SHORT_WINDOW]
        if len(recent) >= self.limit_per_10s:
            wait = recent[0] + SHORT_WINDOW - now
        elif len(calls) >= self.limit_per_hour:
            wait = calls[0] + LONG_WINDOW - now
        else:
            calls.append(now)
            return None
        self.throttled += 1
        retry = {"Retry-After": str(max(1, math.ceil(wait.total_seconds())))}
        match self.limit_answer:
            case "429":
                return web.json_response(
                    error_body(USAGE_REACHED, "Too many requests"),
                    status=429,
                    headers=retry,
                )
            case "429_text":
                return web.Response(text="Too Many Requests", status=429, headers=retry)
        return web.json_response(
            error_body(USAGE_REACHED, "User usage reached"),
            status=403,
            headers=retry if self.limit_answer == "403_retry" else None,
        )

    # --- webhooks -----------------------------------------------------------------------

    def sign(self, body: bytes) -> str:
        """The X-Netatmo-secret of a body: hex HMAC-SHA256 keyed by the client secret."""
        return hmac.new(self.client_secret.encode(), body, hashlib.sha256).hexdigest()

    def _push(self, payload: dict[str, Any], event: str, device_id: str | None) -> None:
        """Send one message to the webhook, signed as `signature` says."""
        hook = self.webhook
        if hook is None:
            return
        body = json.dumps(payload).encode()
        headers: dict[str, str] = {}
        if self.signature == "valid":
            headers[SIGNATURE_HEADER] = self.sign(body)
        elif self.signature == "forged":
            forged = f"forged:{self.client_secret}".encode()
            headers[SIGNATURE_HEADER] = hmac.new(
                forged, body, hashlib.sha256
            ).hexdigest()
        self.webhook_sender.send(
            hook.url, event, payload, device_id, headers=headers, body=body
        )

    def _on_event(self, home: SimHome, event: SimEvent) -> None:
        """Push a new event to the webhook, if there is one."""
        if self.webhook is None:
            return
        module = home.modules[event.module_id]
        base = self.public_url or self._push_base or ""
        for payload in webhook_payloads(
            self.world, home, module, event, base.rstrip("/"), self._shapes.snapshot
        ):
            self._push(payload, payload["push_type"], module.module_id)

    def _on_delivery(self, delivery: Delivery) -> None:
        """Count a failed delivery; ban the webhook at the fifth within an hour."""
        hook = self.webhook
        if (
            hook is None
            or delivery.url != hook.url
            or delivery.outcome not in (SENT, FAILED)
            or delivery.status == 200  # Netatmo wants exactly 200
        ):
            return
        now = self.clock.now()
        hook.failures = [t for t in hook.failures if now - t < BAN_WINDOW] + [now]
        if len(hook.failures) >= BAN_FAILURES:
            _LOGGER.info("Netatmo bans the webhook %s", hook.url)
            self.banned.append(BannedWebhook(hook.url, now, len(hook.failures)))
            self.webhook = None
            self.webhook_sender.cancel(hook.url)

    def set_delivery(self, **switches: Any) -> DeliverySwitches:
        """Change delivery switches: delay, drop_next, drop_rate, duplicate, reorder.

        signature="valid" | "forged" | "missing" changes the X-Netatmo-secret
        header of the messages sent from now on.
        """
        if "signature" in switches:
            signature = switches.pop("signature")
            if signature not in SIGNATURES:
                raise ValueError(f"signature must be one of {', '.join(SIGNATURES)}")
            self.signature = signature
        return self.webhook_sender.configure(**switches)

    async def _on_cleanup(self, app: web.Application) -> None:
        """Stop delivering when the app is cleaned up (the server closes)."""
        await self.close_deliveries()

    # --- HTTP: routes and the API middleware -----------------------------------------------

    def _add_routes(self) -> None:
        """Register OAuth2, the API (twice), the camera URLs and the pictures."""
        router = self.app.router
        router.add_get("/oauth2/authorize", self._handle_authorize_page)
        router.add_post("/oauth2/authorize", self._handle_authorize)
        router.add_post("/oauth2/token", self._handle_token)
        for endpoint in ENDPOINTS:
            self._add_api(endpoint.name, endpoint.methods, self._handler(endpoint))
        self._add_api("getcamerapicture", READ, self._handle_picture)
        self._add_api("addwebhook", READ, self._handle_addwebhook)
        self._add_api("dropwebhook", READ, self._handle_dropwebhook)
        camera = "/{via:vpn|local}/{camera_hash}"
        router.add_get(f"{camera}/command/ping", self._handle_ping)
        for live in ("live", "live/files/{quality}"):
            router.add_get(
                f"{camera}/{live}/{{playlist:index\\.m3u8|index_local\\.m3u8}}",
                self._handle_playlist,
            )
            router.add_get(
                f"{camera}/{live}/segment{{index:\\d+}}.ts", self._handle_segment
            )
        router.add_get(f"{camera}/live/snapshot_720.jpg", self._handle_live_snapshot)
        router.add_get("/images/{image_id}", self._handle_image)

    def _add_api(self, name: str, methods: tuple[str, ...], handler: Handler) -> None:
        """Register an API at /api/<name> and at the doc's /<name>."""
        for path in (f"{API_PREFIX}/{name}", f"/{name}"):
            for method in methods:
                self.app.router.add_route(method, path, handler)
            self._api_routes[path] = name

    @web.middleware
    async def _api_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Check the token, count the request against the limits, check the scope."""
        name = self._api_routes.get(route_template(request))
        if name is None:
            return await handler(request)
        now = self.clock.now()
        try:
            args = await self._args(request)
            token = self.oauth.check(self._access_token(request, args), now)
            refused = self._spend(now)
            if refused is not None:
                return refused
            _check_scope(name, token)
            request[_ACCESS] = token
            return await handler(request)
        except ApiError as err:
            return web.json_response(
                error_body(err.code, err.message), status=err.status
            )

    async def _args(self, request: web.Request) -> dict[str, Any]:
        """The parameters: the query, a form body, a JSON body's top-level values."""
        cached: dict[str, Any] | None = request.get(_ARGS)
        if cached is not None:
            return cached
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
        body = request.get(REQUEST_JSON)
        if isinstance(body, dict):
            args.update(
                {
                    key: value
                    for key, value in body.items()
                    if isinstance(value, str | int | float)
                    and not isinstance(value, bool)
                }
            )
        request[_ARGS] = args
        return args

    @staticmethod
    def _access_token(request: web.Request, args: Mapping[str, Any]) -> str | None:
        """The bearer token, else the doc's access_token parameter."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        value = args.get("access_token")
        return value if isinstance(value, str) else None

    def _base_url(self, request: web.Request) -> str:
        """The base URL clients reach this simulator at."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"{request.scheme}://{request.host}"

    async def _ctx(self, request: web.Request) -> Ctx:
        """Build the context of an API request."""
        token: AccessToken = request[_ACCESS]
        return Ctx(
            self.world,
            self.clock.now(),
            await self._args(request),
            request.get(REQUEST_JSON),
            frozenset(token.scopes),
            self._shapes,
            self._base_url(request),
        )

    def _handler(self, endpoint: Endpoint) -> Handler:
        """Make the handler of one table endpoint."""

        async def handle(request: web.Request) -> web.StreamResponse:
            ctx = await self._ctx(request)
            answer = endpoint.run(ctx)
            if endpoint.enveloped:
                answer = envelope(endpoint.name, answer, ctx.shapes, ctx.now)
            return web.json_response(answer)

        return handle

    async def _handle_picture(self, request: web.Request) -> web.Response:
        """GET getcamerapicture: image_id and key (real), or home_id and event_id (doc)."""
        ctx = await self._ctx(request)
        image_id = ctx.arg("image_id")
        if image_id is not None:
            image = self.world.images.get(image_id)
            if image is None or ctx.arg("key") != image.key:
                raise invalid("Invalid image id or key")
            return _jpeg()
        home = ctx.home()
        event_id = ctx.required("event_id")
        event = next((e for e in home.events if e.event_id == event_id), None)
        if event is None or not event.images:
            raise invalid(f"No picture for event {event_id}")
        return _jpeg()

    async def _handle_addwebhook(self, request: web.Request) -> web.Response:
        """POST addwebhook?url=...: (re)place the webhook, then activate it."""
        ctx = await self._ctx(request)
        url = ctx.required("url")
        if not re.match(r"https?://[^/\s]+\S*$", url):
            raise invalid("Invalid url")
        _check_app_types(ctx)
        self._push_base = self._base_url(request)
        self.webhook = NetatmoWebhook(url, ctx.now)
        self._push(activation_payload(self.world), "webhook_activation", None)
        return web.json_response(ok_status(ctx.now))

    async def _handle_dropwebhook(self, request: web.Request) -> web.Response:
        """POST dropwebhook: stop pushing (queued messages still go out)."""
        ctx = await self._ctx(request)
        _check_app_types(ctx)
        self.webhook = None
        return web.json_response(ok_status(ctx.now))

    # --- OAuth2 -------------------------------------------------------------------------

    def _authorize_request(
        self, request: web.Request
    ) -> tuple[str, str, tuple[str, ...]] | web.Response:
        """Check an authorize URL: (redirect_uri, state, scopes) or a 400 page."""
        query = request.query
        if query.get("client_id") != self.client_id:
            return _page(error_page("Invalid client_id"), 400)
        redirect_uri = query.get("redirect_uri") or self.redirect_uri
        if not redirect_uri or not re.match(r"https?://[^/\s]+\S*$", redirect_uri):
            return _page(error_page("Invalid redirect_uri"), 400)
        state = query.get("state")
        if not state:
            return _page(error_page("state is required"), 400)
        if query.get("response_type", "code") != "code":
            return _page(error_page("Unsupported response_type"), 400)
        try:
            scopes = self.oauth.parse_scope(query.get("scope"))
        except OAuthError as err:
            return _page(error_page(str(err)), 400)
        return redirect_uri, state, scopes

    def _login(
        self, request: web.Request, scopes: tuple[str, ...], error: str | None = None
    ) -> str:
        """The login page for an authorize URL."""
        return login_page(
            action=str(request.rel_url),
            app_name=self.app_name,
            email=self.email,
            password=self.password,
            scopes=scopes,
            error=error,
        )

    async def _handle_authorize_page(self, request: web.Request) -> web.Response:
        """GET /oauth2/authorize: the login page."""
        checked = self._authorize_request(request)
        if isinstance(checked, web.Response):
            return checked
        return _page(self._login(request, checked[2]))

    async def _handle_authorize(self, request: web.Request) -> web.Response:
        """POST /oauth2/authorize: the login form; approve or deny."""
        checked = self._authorize_request(request)
        if isinstance(checked, web.Response):
            return checked
        redirect_uri, state, scopes = checked
        form = await request.post()
        if form.get("action") == "deny":
            return _redirect(redirect_uri, error="access_denied", state=state)
        if form.get("user") != self.email or form.get("password") != self.password:
            return _page(self._login(request, scopes, "Wrong email or password"), 401)
        code = self.oauth.new_code(redirect_uri, scopes, self.clock.now())
        return _redirect(redirect_uri, code=code, state=state)

    async def _handle_token(self, request: web.Request) -> web.Response:
        """POST /oauth2/token: trade a code or a refresh token."""
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        basic: tuple[str, str] | None = None
        if request.headers.get("Authorization", "").lower().startswith("basic "):
            try:
                auth = BasicAuth.decode(request.headers["Authorization"])
            except ValueError:
                auth = None
            if auth is not None:
                basic = (auth.login, auth.password)
        try:
            answer = self.oauth.token(form, basic, self.clock.now(), self._shapes.token)
        except OAuthError as err:
            body = {"error": err.error}
            if err.description:
                body["error_description"] = err.description
            return web.json_response(body, status=400)
        return web.json_response(answer)

    # --- cameras (VPN and local URLs: no token, like the real ones) ---------------------------

    async def _gate(self, request: web.Request) -> SimModule | web.Response:
        """The camera a VPN/local URL names, or how that URL fails right now."""
        found = self.world.camera_by_hash(request.match_info["camera_hash"])
        if found is None:
            return _text(404, "Not Found")
        module = found[1]
        vpn = request.match_info["via"] == "vpn"
        mode = module.vpn_link if vpn else module.local_link
        if not module.reachable and mode == LINK_OK:
            mode = LINK_503 if vpn else LINK_404
        if mode == LINK_TIMEOUT:
            await self._sleep(self.camera_timeout)
            return _text(504, "Gateway Timeout")
        if mode == LINK_404:
            return _text(404, "Not Found")
        if mode == LINK_503:
            return _text(503, "Service Unavailable")
        return module

    async def _handle_ping(self, request: web.Request) -> web.Response:
        """{url}/command/ping: the camera's local URL and product name."""
        gate = await self._gate(request)
        if isinstance(gate, web.Response):
            return gate
        base = self._base_url(request)
        return web.json_response(
            {
                "local_url": f"{base}/local/{gate.camera_hash}",
                "product_name": PRODUCT_NAMES[gate.type],
            }
        )

    async def _handle_playlist(self, request: web.Request) -> web.Response:
        """index.m3u8 (VPN) or index_local.m3u8 (local): an HLS playlist."""
        gate = await self._gate(request)
        if isinstance(gate, web.Response):
            return gate
        vpn = request.match_info["via"] == "vpn"
        if request.match_info["playlist"] != (
            "index.m3u8" if vpn else "index_local.m3u8"
        ):
            return _text(404, "Not Found")
        return web.Response(
            text=hls_playlist(),
            content_type="application/vnd.apple.mpegurl",
            headers={"Cache-Control": "no-cache"},
        )

    async def _handle_segment(self, request: web.Request) -> web.Response:
        """One transport stream segment of the live stream."""
        gate = await self._gate(request)
        if isinstance(gate, web.Response):
            return gate
        return web.Response(body=TS_SEGMENT_BYTES, content_type="video/mp2t")

    async def _handle_live_snapshot(self, request: web.Request) -> web.Response:
        """live/snapshot_720.jpg: what the camera sees now."""
        gate = await self._gate(request)
        if isinstance(gate, web.Response):
            return gate
        return _jpeg()

    async def _handle_image(self, request: web.Request) -> web.Response:
        """An event snapshot or vignette, or a face (the real blob URLs need no token)."""
        if request.match_info["image_id"] not in self.world.images:
            return _text(404, "Not Found")
        return _jpeg()

    # --- hooks for the core --------------------------------------------------------------

    def shift_history(self, delta: timedelta) -> None:
        """Keep events, persons, tokens, limits and failures relative to now."""
        self.world.shift(delta)
        self.oauth.shift(delta)
        self._calls = deque(moment + delta for moment in self._calls)
        if self.webhook is not None:
            self.webhook.added += delta
            self.webhook.failures = [t + delta for t in self.webhook.failures]

    def request_device_id(self, request: web.Request) -> str | None:
        """The camera of a camera URL; else the device (or home) a request names."""
        camera_hash = request.match_info.get("camera_hash")
        if camera_hash is not None:
            found = self.world.camera_by_hash(camera_hash)
            return found[1].module_id if found is not None else None
        for name in ("device_id", "module_id", "camera_id", "home_id"):
            if name in request.query:
                return request.query[name]
        body = request.get(REQUEST_JSON)
        home = body.get("home") if isinstance(body, dict) else None
        if isinstance(home, dict) and isinstance(home.get("id"), str):
            return str(home["id"])
        return None

    def error_payload(self, status: int, message: str) -> Any:
        """The real error body."""
        return error_body(code_for_status(status), message)

    def fault_error_payload(
        self, request: web.Request, status: int, message: str
    ) -> Any:
        """Injected errors with Netatmo's codes and messages."""
        known = {
            401: (2, "Invalid access token"),
            429: (USAGE_REACHED, "User usage reached"),
            500: (1, "Internal server error"),
        }
        code, text = known.get(status, (code_for_status(status), message))
        return error_body(code, text)

    def body_code_payload(self, code: int | None = None) -> Any:
        """An error inside a success: body.errors with `code` (default 6)."""
        code = DEVICE_UNREACHABLE if code is None else code
        return ok_body(
            {"errors": [{"code": code, "id": self.user_id}]}, self.clock.now()
        )

    def body_code_response(
        self, request: web.Request, code: int | None = None
    ) -> web.StreamResponse:
        """HTTP 200, body.errors naming the device (or home) asked about."""
        code = DEVICE_UNREACHABLE if code is None else code
        content: dict[str, Any] = {
            "errors": [{"code": code, "id": self.request_device_id(request) or ""}]
        }
        home_id = request.query.get("home_id")
        if home_id is not None:
            content["home"] = {"id": home_id}
        return web.json_response(ok_body(content, self.clock.now()))

    def success_payload(self, request: web.Request, data: Any) -> Any:
        """The real success envelope."""
        return ok_body(data, self.clock.now())

    def map_data(self, payload: Any, change: Callable[[Any], Any]) -> Any:
        """Change the body of a success, whatever its envelope; errors stay."""
        if not isinstance(payload, dict):
            return change(payload)
        if "error" in payload:
            return payload
        if "body" in payload:
            return {**payload, "body": change(payload["body"])}
        if "status" not in payload:
            return change(payload)
        meta = {key: payload[key] for key in _META_KEYS if key in payload}
        content = {k: v for k, v in payload.items() if k not in _META_KEYS}
        changed = change(content)
        if isinstance(changed, dict):
            return {**meta, **changed}
        return {**meta, **dict.fromkeys(content, changed)}

    def keep_identity_fields(self, payload: Any) -> Any:
        """Keep only ids and types, everywhere in the body."""
        keep = self.identity_keys
        return self.map_data(payload, lambda data: only_ids(data, keep))

    def strip_required_fields(self, payload: Any) -> Any:
        """Keep the envelope but empty its body."""
        return self.map_data(payload, lambda _: {})

    def malformed_body(self) -> str:
        """A success envelope cut off mid-way."""
        return '{"body": {"homes": [{"id": "'

    def rewrite_payload(self, fault: Fault, request: web.Request, payload: Any) -> Any:
        """Break homesdata's device lists for its faults, else as the core does."""
        if fault.kind in HOMESDATA_FAULTS:
            return self.map_data(payload, lambda body: rewrite_homes(fault, body))
        return super().rewrite_payload(fault, request, payload)


# --- helpers -------------------------------------------------------------------------------


def _check_scope(name: str, token: AccessToken) -> None:
    """Code 13 unless the token has one of the endpoint's scopes."""
    wanted = SCOPES_BY_ENDPOINT[name]
    if wanted is not None and not wanted & set(token.scopes):
        raise ApiError(
            403, OPERATION_FORBIDDEN, "Application does not have the good scope rights"
        )


def _check_app_types(ctx: Ctx) -> None:
    """app_types, if given, must include app_security (code 21)."""
    app_types = ctx.arg("app_types")
    if app_types is not None and "app_security" not in app_types.split(","):
        raise invalid(f"Invalid app_types: {app_types}")


def _jpeg() -> web.Response:
    """A JPEG answer."""
    return web.Response(body=JPEG_BYTES, content_type="image/jpeg")


def _text(status: int, text: str) -> web.Response:
    """A plain-text answer, as a camera or a blob store gives it."""
    return web.Response(text=text, status=status)


def _page(text: str, status: int = 200) -> web.Response:
    """An HTML page."""
    return web.Response(text=text, status=status, content_type="text/html")


def _redirect(uri: str, **params: str) -> web.Response:
    """302 to `uri` with `params` added to its query.

    Returned, not raised: the core would render a raised redirect as an error.
    """
    location = str(URL(uri).extend_query(params))
    return web.Response(status=302, headers={"Location": location})


__all__ = [
    "ENDPOINT_NAMES",
    "EVENT_TYPES",
    "SCOPES",
    "SIGNATURE_HEADER",
    "BannedWebhook",
    "NetatmoSimulator",
    "NetatmoWebhook",
    "Shapes",
    "SimEvent",
]
