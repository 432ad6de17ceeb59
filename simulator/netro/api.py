"""The Netro Public API surface: envelope, parameters and endpoints, table-driven.

Every endpoint is a plain function of a `Ctx` returning the `data` of the doc's
{status, data, meta} envelope; the table `ENDPOINTS` says which HTTP method it
takes and which kind of key (controller or sensor serial) it accepts. Bad
parameters raise `NetroError` with code 6, as the doc's error table says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
import math
import re
from typing import Any

from .devices import EVENT_TYPES, JSON, SimController, SimSensor, add_months

API_VERSION = "1.0"

# Error codes of the doc's table.
INVALID_KEY = 1
EXCEED_LIMIT = 3
INVALID_DEVICE = 4
INTERNAL_ERROR = 5
PARAMETER_ERROR = 6

# The doc never says which HTTP status comes with an ERROR body, so both are
# offered: "ok" answers every ERROR with HTTP 200, "codes" maps each code.
ERROR_HTTP_STATUS_MODES = ("ok", "codes")
HTTP_STATUS_BY_CODE = {
    INVALID_KEY: 401,
    EXCEED_LIMIT: 429,
    INVALID_DEVICE: 404,
    INTERNAL_ERROR: 500,
    PARAMETER_ERROR: 400,
}
# The doc shows no info.json for a sensor key: either its own "sensor" object or
# a "device" object with no zones.
SENSOR_INFO_SHAPES = ("sensor", "device")

CONTROLLER = "controller"
SENSOR = "sensor"

MAX_DURATION_MINUTES = 24 * 60  # the doc gives no limit; a day is plenty
MAX_DELAY_MINUTES = 30 * 24 * 60
WEATHER_CONDITIONS = (0, 1, 2, 3, 4)  # clear, cloudy, rain, snow, wind


class NetroError(Exception):
    """An error the API reports in an ERROR envelope with `code`."""

    def __init__(self, code: int, message: str) -> None:
        """Store the code and message."""
        super().__init__(message)
        self.code = code
        self.message = message


def parameter_error(detail: str) -> NetroError:
    """Return the code 6 error for a bad or missing parameter."""
    return NetroError(PARAMETER_ERROR, f"Parameter error: {detail}")


def ok_envelope(data: JSON, meta: JSON) -> JSON:
    """Wrap data in the doc's OK envelope."""
    return {"status": "OK", "data": data, "meta": meta}


def error_envelope(code: int, message: str, meta: JSON) -> JSON:
    """Wrap an error in the doc's ERROR envelope."""
    return {
        "status": "ERROR",
        "errors": [{"code": code, "message": message}],
        "meta": meta,
    }


# --- parameters (query strings and JSON bodies alike) --------------------------------


def _int(raw: Any, name: str) -> int:
    """Read an integer given as a number or a digit string."""
    if isinstance(raw, bool):
        raise parameter_error(f"{name} must be an integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
        return int(raw)
    raise parameter_error(f"{name} must be an integer")


def _number(raw: Any, name: str) -> float:
    """Read a finite number given as a number or a numeric string."""
    value: float | None = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw)
        except ValueError:
            value = None
    if value is None or not math.isfinite(value):
        raise parameter_error(f"{name} must be a number")
    return value


def arg_int(args: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    """Read an optional integer in [low, high]."""
    raw = args.get(name)
    if raw is None:
        return None
    value = _int(raw, name)
    if not low <= value <= high:
        raise parameter_error(f"{name} must be in the range of [{low},{high}]")
    return value


def arg_number(
    args: Mapping[str, Any],
    name: str,
    low: float | None = None,
    high: float | None = None,
) -> float | None:
    """Read an optional number, at least `low` and at most `high` when given."""
    raw = args.get(name)
    if raw is None:
        return None
    value = _number(raw, name)
    if (low is not None and value < low) or (high is not None and value > high):
        raise parameter_error(f"{name} is out of range")
    return value


def required[T](value: T | None, name: str) -> T:
    """Insist that a parameter was given."""
    if value is None:
        raise parameter_error(f"{name} is required")
    return value


def arg_date(args: Mapping[str, Any], name: str) -> date | None:
    """Read an optional date in YYYY-MM-DD form."""
    raw = args.get(name)
    if raw is None:
        return None
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise parameter_error(f"{name} must be a date like 2020-12-30")


def arg_date_range(
    args: Mapping[str, Any], default_first: date, default_last: date
) -> tuple[date, date]:
    """Read start_date/end_date, each with its default."""
    first = arg_date(args, "start_date") or default_first
    last = arg_date(args, "end_date") or default_last
    if first > last:
        raise parameter_error("start_date is later than end_date")
    return first, last


def arg_time(args: Mapping[str, Any], name: str) -> datetime | None:
    """Read a UTC time like "2020-12-30 08:00" (the doc's form) or ISO 8601."""
    raw = args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.strip()) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None:
        raise parameter_error(f"{name} must be a UTC time like 2020-12-30 08:00")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def arg_zones(
    args: Mapping[str, Any], controller: SimController, *, enabled_only: bool = False
) -> list[int] | None:
    """Read zones: [1,2] (the doc's form), 1,2, a JSON array, or repeated values."""
    raw = args.get("zones")
    if raw is None:
        return None
    items: list[Any]
    if isinstance(raw, list):
        items = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        items = list(text.split(",")) if text.strip() else []
    else:
        items = [raw]
    zones: list[int] = []
    for item in items:
        ith = _int(item, "zones")
        zone = controller.zones.get(ith)
        if zone is None:
            raise parameter_error(f"invalid zone {ith}")
        if enabled_only and not zone.enabled:
            raise parameter_error(f"zone {ith} is disabled")
        if ith not in zones:
            zones.append(ith)
    return zones or None


# --- endpoints ------------------------------------------------------------------------


@dataclass(frozen=True)
class WeatherReport:
    """A weather report received through report_weather.json."""

    serial: str
    date: date
    reported_at: datetime
    values: dict[str, float] = field(default_factory=dict)


@dataclass
class Ctx:
    """Everything an endpoint needs for one request."""

    now: datetime
    device: SimController | SimSensor
    args: Mapping[str, Any]
    sensor_info_shape: str = "sensor"
    weather_reports: list[WeatherReport] = field(default_factory=list)

    @property
    def controller(self) -> SimController:
        """The controller the key names."""
        if not isinstance(self.device, SimController):
            raise NetroError(INVALID_DEVICE, "Invalid device or sensor")
        return self.device

    @property
    def sensor(self) -> SimSensor:
        """The sensor the key names."""
        if not isinstance(self.device, SimSensor):
            raise NetroError(INVALID_DEVICE, "Invalid device or sensor")
        return self.device

    @property
    def today(self) -> date:
        """Today in the device's time zone."""
        return self.now.astimezone(self.device.tz).date()


def info_data(ctx: Ctx) -> JSON:
    """GET info.json: the controller, or the sensor in the configured shape."""
    device = ctx.device
    if isinstance(device, SimController):
        return {"device": device.to_json(ctx.now)}
    if ctx.sensor_info_shape == "device":
        return {"device": device.device_json(ctx.now)}
    return {"sensor": device.to_json(ctx.now)}


def _month_around(ctx: Ctx) -> tuple[date, date]:
    """The requested date range; by default the past month and the next month."""
    return arg_date_range(ctx.args, add_months(ctx.today, -1), add_months(ctx.today, 1))


def schedules_data(ctx: Ctx) -> JSON:
    """GET schedules.json."""
    controller = ctx.controller
    first, last = _month_around(ctx)
    zones = arg_zones(ctx.args, controller)
    schedules = controller.schedules(ctx.now, first, last, zones)
    return {"schedules": [s.to_json(controller.tz) for s in schedules]}


def moistures_data(ctx: Ctx) -> JSON:
    """GET moistures.json (the doc's table calls it moisture)."""
    controller = ctx.controller
    first, last = _month_around(ctx)
    zones = arg_zones(ctx.args, controller)
    return {"moistures": controller.moistures(ctx.now, first, last, zones)}


def events_data(ctx: Ctx) -> JSON:
    """GET events.json."""
    controller = ctx.controller
    kind = arg_int(ctx.args, "event", min(EVENT_TYPES), max(EVENT_TYPES))
    first, last = _month_around(ctx)
    events = controller.events(ctx.now, first, last, kind)
    return {"events": [event.to_json() for event in events]}


def set_status_data(ctx: Ctx) -> JSON:
    """POST set_status.json: 0 is STANDBY, 1 is ONLINE."""
    controller = ctx.controller
    status = required(arg_int(ctx.args, "status", 0, 1), "status")
    controller.set_standby(ctx.now, standby=status == 0)
    return {}


def water_data(ctx: Ctx) -> JSON:
    """POST water.json: MANUAL schedules, zones one after another."""
    controller = ctx.controller
    zones = arg_zones(ctx.args, controller, enabled_only=True) or [
        zone.ith for zone in controller.enabled_zones
    ]
    duration = required(arg_number(ctx.args, "duration"), "duration")
    if not 0 < duration <= MAX_DURATION_MINUTES:
        raise parameter_error(
            f"duration must be greater than 0 and at most {MAX_DURATION_MINUTES}"
        )
    delay = arg_number(ctx.args, "delay") or 0.0
    if not 0 <= delay <= MAX_DELAY_MINUTES:
        raise parameter_error(f"delay must be in the range of [0,{MAX_DELAY_MINUTES}]")
    start_time = arg_time(ctx.args, "start_time")
    if start_time is not None and start_time <= ctx.now:
        raise parameter_error("start_time must be later than the current time")
    if not zones:
        raise parameter_error("no enabled zone to water")
    start = start_time or ctx.now + timedelta(minutes=delay)
    try:
        schedules = controller.water(ctx.now, zones, timedelta(minutes=duration), start)
    except OverflowError as err:
        raise parameter_error("start_time is too far away") from err
    return {"schedules": [s.to_json(controller.tz) for s in schedules]}


def stop_water_data(ctx: Ctx) -> JSON:
    """POST stop_water.json."""
    ctx.controller.stop_water(ctx.now)
    return {}


def no_water_data(ctx: Ctx) -> JSON:
    """POST no_water.json: days in [1,100], 1 (today only) by default."""
    controller = ctx.controller
    days = arg_int(ctx.args, "days", 1, 100) or 1
    controller.no_water(ctx.now, days)
    return {}


# report_weather.json's optional numbers and their ranges
WEATHER_NUMBERS: dict[str, tuple[float | None, float | None]] = {
    "rain": (0, None),
    "rain_prob": (0, 100),
    "temp": (None, None),
    "t_min": (None, None),
    "t_max": (None, None),
    "t_dew": (None, None),
    "wind_speed": (0, None),
    "humidity": (0, 100),
    "pressure": (0, None),
}


def report_weather_data(ctx: Ctx) -> JSON:
    """POST report_weather.json: store the report; enough rain skips SMART watering."""
    controller = ctx.controller
    day = required(arg_date(ctx.args, "date"), "date")
    if day < ctx.today - timedelta(days=1):
        raise parameter_error("date can not be earlier than yesterday")
    values: dict[str, float] = {}
    condition = arg_int(
        ctx.args, "condition", min(WEATHER_CONDITIONS), max(WEATHER_CONDITIONS)
    )
    if condition is not None:
        values["condition"] = condition
    for name, (low, high) in WEATHER_NUMBERS.items():
        value = arg_number(ctx.args, name, low, high)
        if value is not None:
            values[name] = value
    ctx.weather_reports.append(WeatherReport(controller.serial, day, ctx.now, values))
    if "rain" in values:
        controller.report_rain(ctx.now, day, values["rain"])
    return {}


def set_moisture_data(ctx: Ctx) -> JSON:
    """POST set_moisture.json: override the moisture of zones (all by default)."""
    controller = ctx.controller
    zones = arg_zones(ctx.args, controller) or list(controller.zones)
    moisture = required(arg_number(ctx.args, "moisture", 0, 100), "moisture")
    controller.set_moisture(ctx.now, zones, round(moisture))
    return {}


def sensor_data(ctx: Ctx) -> JSON:
    """GET sensor_data.json: hourly readings, the past month by default."""
    sensor = ctx.sensor
    first, last = arg_date_range(ctx.args, add_months(ctx.today, -1), ctx.today)
    return {"sensor_data": sensor.readings(ctx.now, first, last)}


@dataclass(frozen=True)
class Endpoint:
    """One API: /npa/v1/<name>.json."""

    name: str
    method: str
    kinds: tuple[str, ...]
    run: Callable[[Ctx], JSON]


ENDPOINTS = (
    Endpoint("info", "GET", (CONTROLLER, SENSOR), info_data),
    Endpoint("schedules", "GET", (CONTROLLER,), schedules_data),
    Endpoint("moistures", "GET", (CONTROLLER,), moistures_data),
    Endpoint("moisture", "GET", (CONTROLLER,), moistures_data),
    Endpoint("events", "GET", (CONTROLLER,), events_data),
    Endpoint("set_status", "POST", (CONTROLLER,), set_status_data),
    Endpoint("water", "POST", (CONTROLLER,), water_data),
    Endpoint("stop_water", "POST", (CONTROLLER,), stop_water_data),
    Endpoint("no_water", "POST", (CONTROLLER,), no_water_data),
    Endpoint("report_weather", "POST", (CONTROLLER,), report_weather_data),
    Endpoint("set_moisture", "POST", (CONTROLLER,), set_moisture_data),
    Endpoint("sensor_data", "GET", (SENSOR,), sensor_data),
)
