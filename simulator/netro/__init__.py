"""A fake Netro cloud (https://api.netrohome.com/npa/v1), faithful to the vendor doc.

This module is the HTTP side: routes, keys and the daily token budget, the
fleet and the helpers tests and benchmarks use. What devices do lives in
`simulator.netro.devices`; what each API answers lives in `simulator.netro.api`.

Answers have the shapes real devices send, beyond the doc: info.json's device
(or sensor) carries "last_active", the device's own latest contact with the
cloud (a controller's 15-minute check-in, a sensor's newest hourly reading),
never later than meta.time; battery-powered devices (Whisperer sensors, Pixie
controllers) add "battery_level" as a 0-1 fraction, and sensor_data.json rows
each carry "battery_level" as an integer percent (a sensor's info.json syncs
weekly, so it lags the rows). A Pixie's moistures.json stops two days before
today (`SimController.moisture_stale_days`) until set_moisture.json is called.
`NetroSimulator.water_unlisted` starts a run at the controller itself: status
says WATERING while schedules.json lists nothing running. `simulator.netro.devices` tells
the details.

Keys are device serials. Every call made with a valid key spends one of the
key's `daily_limit` tokens for the current UTC day of the simulator clock, even
when it then fails with code 4 or 6; once none are left every call answers
code 3 (and spends nothing) until midnight UTC.

Injected faults (see `simulator.core`) act before the API: HTTP_500, HTTP_401,
HTTP_429, HTTP_503, HTML_ERROR, MALFORMED_JSON, HUGE_BODY and CONNECTION_RESET
spend no token (a proxy or the network answered; HUGE_BODY's meta is the key's
real one). TIMEOUT and the faults that break a successful answer (MISSING_FIELDS,
DATA_NULL, WRONG_TYPES, OUT_OF_RANGE, DROP_ZONE) reach the API and spend one.
BODY_CODE is the API's own error `code` (default 5, internal error, with the
HTTP status `error_http_status` gives it): codes 4, 5 and 6 spend a token like
the real ones; codes 1 and 3 spend nothing and leave token_remaining as it is.
DROP_ZONE only acts on info.json: the controller's `zones` lose the zone whose
`ith` is the fault's value, while `zone_num` (the controller's zone count)
stays as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
import random
import string
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from aiohttp import web

from ..core import REQUEST_JSON, BaseSimulator, Fault, FaultKind, Handler
from .api import (
    API_VERSION,
    CONTROLLER,
    ENDPOINTS,
    ERROR_HTTP_STATUS_MODES,
    EXCEED_LIMIT,
    HTTP_STATUS_BY_CODE,
    INTERNAL_ERROR,
    INVALID_DEVICE,
    INVALID_KEY,
    PARAMETER_ERROR,
    SENSOR,
    SENSOR_INFO_SHAPES,
    Ctx,
    Endpoint,
    NetroError,
    WeatherReport,
    error_envelope,
    ok_envelope,
    parameter_error,
)
from .devices import (
    JSON,
    MAX_ZONES,
    Ids,
    Run,
    SimController,
    SimSensor,
    fmt_time,
    new_controller,
    new_sensor,
    next_utc_midnight,
)

BASE_PATH = "/npa/v1"
DEFAULT_DAILY_LIMIT = 2000
INFO_ROUTE = f"{BASE_PATH}/info.json"
# BODY_CODE's codes that, like the real errors, come before a token is spent.
UNSPENT_CODES = (INVALID_KEY, EXCEED_LIMIT)


class NetroSimulator(BaseSimulator):
    """The Netro cloud: controllers, sensors and a daily token budget per key."""

    fault_routes: ClassVar[Mapping[FaultKind, str]] = {FaultKind.DROP_ZONE: INFO_ROUTE}
    identity_keys: ClassVar[frozenset[str]] = frozenset({"serial", "ith", "zone", "id"})

    def __init__(
        self,
        *,
        controllers: int = 1,
        zones: int = 6,
        sensors: int = 1,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
        latency: float = 0.0,
        seed: int = 0,
        timezone: str = "America/Los_Angeles",
        error_http_status: str = "ok",
        sensor_info_shape: str = "sensor",
    ) -> None:
        """Create `controllers` controllers of `zones` zones and `sensors` sensors."""
        if error_http_status not in ERROR_HTTP_STATUS_MODES:
            raise ValueError(
                f"error_http_status must be one of {ERROR_HTTP_STATUS_MODES}"
            )
        if sensor_info_shape not in SENSOR_INFO_SHAPES:
            raise ValueError(f"sensor_info_shape must be one of {SENSOR_INFO_SHAPES}")
        if not 1 <= zones <= MAX_ZONES:
            raise ValueError(f"zones must be between 1 and {MAX_ZONES}")
        if controllers < 0 or sensors < 0 or daily_limit < 0:
            raise ValueError("controllers, sensors and daily_limit can not be negative")
        super().__init__(latency=latency)
        self.daily_limit = daily_limit
        self.seed = seed
        self.timezone = timezone
        self.error_http_status = error_http_status
        self.sensor_info_shape = sensor_info_shape
        tz = ZoneInfo(timezone)
        self._ids = Ids()
        self.controllers: dict[str, SimController] = {}
        for index in range(1, controllers + 1):
            controller = new_controller(index, zones, tz, seed, self._ids)
            self.controllers[controller.serial] = controller
        self.sensors: dict[str, SimSensor] = {}
        for index in range(1, sensors + 1):
            sensor = new_sensor(index, tz, seed)
            self.sensors[sensor.serial] = sensor
        self.weather_reports: list[WeatherReport] = []
        self._calls: dict[str, Counter[date]] = {}
        self._code3: Counter[str] = Counter()
        self._last_active: dict[str, datetime] = {}
        self._tid_rng = random.Random(f"{seed}:tid")
        self._add_routes()

    # --- fleet -----------------------------------------------------------------

    @property
    def keys(self) -> list[str]:
        """Every valid key: controller serials, then sensor serials."""
        return [*self.controllers, *self.sensors]

    def device(self, key: str) -> SimController | SimSensor | None:
        """Return the controller or sensor a key names, if any."""
        return self.controllers.get(key) or self.sensors.get(key)

    def settle(self) -> None:
        """Bring every device up to the simulator clock."""
        now = self.clock.now()
        for controller in self.controllers.values():
            controller.settle(now)
        for sensor in self.sensors.values():
            sensor.settle(now)

    def set_online(self, serial: str, online: bool) -> None:
        """Take a controller or sensor offline (events 1 and 2) or back."""
        device = self.device(serial)
        if device is None:
            raise KeyError(serial)
        device.set_online(self.clock.now(), online)

    def water_unlisted(self, serial: str, zone: int, minutes: float) -> None:
        """Start a run at the controller itself (its own button), now.

        It waters `zone` for `minutes` like a manual run but schedules.json
        never lists it. Nothing runs if the controller is offline or in STANDBY.
        """
        self.controllers[serial].water_unlisted(
            self.clock.now(), zone, timedelta(minutes=minutes)
        )

    def zone_watering(self, serial: str) -> dict[int, bool]:
        """The truth: which zones of a controller water right now."""
        return self.controllers[serial].zone_watering(self.clock.now())

    def watering_log(self, serial: str, *, include_running: bool = False) -> list[Run]:
        """The actual runs of a controller: (zone, start, end), oldest first.

        Only finished runs unless `include_running`, which adds the current run
        with its planned end.
        """
        return self.controllers[serial].watering_log(
            self.clock.now(), include_running=include_running
        )

    # --- token budget ------------------------------------------------------------

    def _today(self) -> date:
        """The current UTC day, the one tokens are counted for."""
        return self.clock.now().astimezone(UTC).date()

    def tokens_used(self, key: str) -> int:
        """Tokens `key` spent today (UTC)."""
        return self._calls.get(key, Counter())[self._today()]

    def tokens_remaining(self, key: str) -> int:
        """Tokens `key` has left today; 0 for an invalid key."""
        if self.device(key) is None:
            return 0
        return max(0, self.daily_limit - self.tokens_used(key))

    def code3_count(self, key: str) -> int:
        """How many calls with `key` were refused with code 3 (limit exceeded)."""
        return self._code3[key]

    def calls_per_day(self, key: str) -> dict[date, int]:
        """Tokens `key` spent on each UTC day."""
        return dict(sorted(self._calls.get(key, Counter()).items()))

    def _spend(self, key: str, now: datetime) -> bool:
        """Spend one of the key's tokens; False (and counted) if none are left."""
        self._last_active[key] = now
        calls = self._calls.setdefault(key, Counter())
        today = now.astimezone(UTC).date()
        if calls[today] >= self.daily_limit:
            self._code3[key] += 1
            return False
        calls[today] += 1
        return True

    def _meta(self, key: str | None, now: datetime) -> JSON:
        """The doc's meta object; token fields are 0 for an invalid key."""
        valid = key is not None and self.device(key) is not None
        used = self._calls.get(key or "", Counter())[now.astimezone(UTC).date()]
        return {
            "time": fmt_time(now),
            "tid": self._tid(now),
            "version": API_VERSION,
            "token_limit": self.daily_limit if valid else 0,
            "token_remaining": max(0, self.daily_limit - used) if valid else 0,
            "last_active": fmt_time(self._last_active.get(key or "", now)),
            "token_reset": fmt_time(next_utc_midnight(now)),
        }

    def _tid(self, now: datetime) -> str:
        """A transaction id like the doc's 1608810094_AisU."""
        letters = "".join(self._tid_rng.choices(string.ascii_letters, k=4))
        return f"{int(now.timestamp())}_{letters}"

    # --- answers -----------------------------------------------------------------

    def _http_status(self, code: int) -> int:
        """The HTTP status an ERROR body with `code` comes with."""
        if self.error_http_status == "codes":
            return HTTP_STATUS_BY_CODE.get(code, 500)
        return 200

    def _error(self, err: NetroError, key: str | None, now: datetime) -> web.Response:
        """Answer with an ERROR envelope."""
        return web.json_response(
            error_envelope(err.code, err.message, self._meta(key, now)),
            status=self._http_status(err.code),
        )

    def _key(self, request: web.Request) -> str | None:
        """The key of a request: from the JSON body, else from the query."""
        body = request.get(REQUEST_JSON)
        key = body.get("key") if isinstance(body, dict) else None
        if key is None:
            key = request.query.get("key")
        return None if key is None else str(key)

    def _args(self, request: web.Request, method: str) -> dict[str, Any]:
        """The parameters: the query, then (for POST) the JSON body over it."""
        args: dict[str, Any] = {}
        for name in dict.fromkeys(request.query.keys()):
            values = request.query.getall(name)
            args[name.removesuffix("[]")] = values[0] if len(values) == 1 else values
        if method == "POST" and request.body_exists:
            body = request.get(REQUEST_JSON)
            if not isinstance(body, dict):
                raise parameter_error("the body must be a JSON object")
            args.update(body)
        return args

    def _answer(self, endpoint: Endpoint, request: web.Request) -> web.Response:
        """Check the key, spend a token, then run the endpoint."""
        now = self.clock.now()
        key = self._key(request)
        device = None if key is None else self.device(key)
        if key is None or device is None:
            return self._error(
                NetroError(INVALID_KEY, f"Invalid key: {key or ''}"), key, now
            )
        if not self._spend(key, now):
            return self._error(
                NetroError(
                    EXCEED_LIMIT, f"Exceed limit: {self.daily_limit} calls a day"
                ),
                key,
                now,
            )
        try:
            data = endpoint.run(self._context(endpoint, request, device, now))
        except NetroError as err:
            return self._error(err, key, now)
        return web.json_response(ok_envelope(data, self._meta(key, now)))

    def _context(
        self,
        endpoint: Endpoint,
        request: web.Request,
        device: SimController | SimSensor,
        now: datetime,
    ) -> Ctx:
        """Check the key fits the endpoint, bring the device up to now, read args."""
        kind = CONTROLLER if isinstance(device, SimController) else SENSOR
        if kind not in endpoint.kinds:
            raise NetroError(
                INVALID_DEVICE,
                f"Invalid device or sensor: {device.serial} is a {kind}",
            )
        device.settle(now)
        return Ctx(
            now,
            device,
            self._args(request, endpoint.method),
            self.sensor_info_shape,
            self.weather_reports,
        )

    def _handler(self, endpoint: Endpoint) -> Handler:
        """Make the handler of /npa/v1/<name>.json."""

        async def handle(request: web.Request) -> web.StreamResponse:
            return self._answer(endpoint, request)

        return handle

    def _add_routes(self) -> None:
        """Register every API of the doc."""
        for endpoint in ENDPOINTS:
            self.app.router.add_route(
                endpoint.method,
                f"{BASE_PATH}/{endpoint.name}.json",
                self._handler(endpoint),
            )

    # --- hooks for the core --------------------------------------------------------

    def request_device_id(self, request: web.Request) -> str | None:
        """Requests are about the device whose serial is the key."""
        return self._key(request)

    def error_payload(self, status: int, message: str) -> Any:
        """An ERROR envelope for an HTTP error (unknown route, wrong method...)."""
        code = {401: INVALID_KEY, 429: EXCEED_LIMIT}.get(
            status, INTERNAL_ERROR if status >= 500 else PARAMETER_ERROR
        )
        return error_envelope(code, message, self._meta(None, self.clock.now()))

    def fault_error_payload(
        self, request: web.Request, status: int, message: str
    ) -> Any:
        """An injected HTTP error, with the key's token state (nothing spent)."""
        payload = self.error_payload(status, message)
        payload["meta"] = self._meta(self._key(request), self.clock.now())
        return payload

    def body_code_payload(self, code: int | None = None) -> Any:
        """Error `code` (default 5) in an ERROR envelope."""
        code = INTERNAL_ERROR if code is None else code
        return error_envelope(
            code, self._code_message(code, None), self._meta(None, self.clock.now())
        )

    def body_code_response(
        self, request: web.Request, code: int | None = None
    ) -> web.StreamResponse:
        """The API's own error `code` (default 5); all but codes 1 and 3 spend a token."""
        code = INTERNAL_ERROR if code is None else code
        now = self.clock.now()
        key = self._key(request)
        if (
            code not in UNSPENT_CODES
            and key is not None
            and self.device(key) is not None
        ):
            self._spend(key, now)
        return self._error(NetroError(code, self._code_message(code, key)), key, now)

    def _code_message(self, code: int, key: str | None) -> str:
        """The doc's message of an error code, for an injected BODY_CODE."""
        messages = {
            INVALID_KEY: f"Invalid key: {key or ''}",
            EXCEED_LIMIT: f"Exceed limit: {self.daily_limit} calls a day",
            INVALID_DEVICE: "Invalid device or sensor",
            INTERNAL_ERROR: "Internal error",
            PARAMETER_ERROR: "Parameter error",
        }
        return messages.get(code, f"Error {code}")

    def success_payload(self, request: web.Request, data: Any) -> Any:
        """An OK envelope with the key's token state (nothing spent)."""
        return ok_envelope(data, self._meta(self._key(request), self.clock.now()))

    def map_data(self, payload: Any, change: Callable[[Any], Any]) -> Any:
        """Change the data of an OK envelope; ERROR envelopes stay as they are."""
        if isinstance(payload, dict) and payload.get("status") == "OK":
            return {**payload, "data": change(payload.get("data"))}
        return payload

    def keep_identity_fields(self, payload: Any) -> Any:
        """Keep only the serial of info.json's device or sensor; empty other data."""
        return self.map_data(payload, _only_serials)

    def rewrite_payload(self, fault: Fault, request: web.Request, payload: Any) -> Any:
        """Drop a zone from info.json for DROP_ZONE, else as the core does."""
        if fault.kind is FaultKind.DROP_ZONE:
            return self.map_data(payload, lambda data: _drop_zone(data, fault.value))
        return super().rewrite_payload(fault, request, payload)

    def malformed_body(self) -> str:
        """An envelope cut off mid-way."""
        return '{"status": "OK", "data": {"device": {"name": "'

    def strip_required_fields(self, payload: Any) -> Any:
        """Keep the envelope but empty its data."""
        return self.map_data(payload, lambda _: {})


def _only_serials(data: Any) -> JSON:
    """info.json's data with nothing but the serial of its device or sensor."""
    if not isinstance(data, dict):
        return {}
    return {
        name: {"serial": item.get("serial")}
        for name, item in data.items()
        if name in ("device", "sensor") and isinstance(item, dict)
    }


def _drop_zone(data: Any, ith: Any) -> Any:
    """info.json's data without the controller zone `ith` (zone_num unchanged)."""
    device = data.get("device") if isinstance(data, dict) else None
    if not isinstance(device, dict) or not isinstance(device.get("zones"), list):
        return data
    zones = [zone for zone in device["zones"] if zone.get("ith") != ith]
    return {**data, "device": {**device, "zones": zones}}


def describe(sim: NetroSimulator) -> list[str]:
    """Lines telling a person how to reach the simulator's devices."""
    return [
        f"Controller keys: {', '.join(sim.controllers) or '-'}",
        f"Sensor keys:     {', '.join(sim.sensors) or '-'}",
        f"Daily limit:     {sim.daily_limit} calls per key",
    ]


__all__ = [
    "BASE_PATH",
    "ENDPOINTS",
    "NetroError",
    "NetroSimulator",
    "SimController",
    "SimSensor",
    "WeatherReport",
]
