"""What the Ninja Blocks API answers: envelopes, shapes, history and validation.

Every answer is the doc's envelope {"result": 1|0, "error": null|text, "id":
0|code[, "data"]}. The doc shows no error; the simulator answers failures as
{"result": 0, "error": <text>, "id": <code>}, where the code is the HTTP status
the failure maps to (401 a bad token, 404 an unknown device, 409 a callback
that exists, 400 a parameter the API refuses).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
import functools
import math
import re
import statistics
from typing import Any, Final

from .world import JSON, RELAY, RF433, RGBLED, from_ms, iso

INVALID_TOKEN: Final = "Invalid Token"  # noqa: S105 - an error text
CALLBACK_EXISTS: Final = "Callback already exists"
DEVICE_NOT_FOUND: Final = "Device not found"
# The error texts of BODY_CODE's codes (others: the HTTP reason).
ERROR_TEXTS: Final = {
    400: "Bad Request",
    401: INVALID_TOKEN,
    403: "Forbidden",
    404: DEVICE_NOT_FOUND,
    409: CALLBACK_EXISTS,
    429: "Too many requests",
    500: "Internal server error",
}

FOLDS: Final = ("mean", "sum", "min", "max", "stddev", "ss", "count")
UNITS: Final = ("min", "hour", "day", "month", "year")
INTERVAL_RE: Final = re.compile(r"^([1-9][0-9]*)(min|hour|day|month|year)$")
UNIT_MS: Final = {"min": 60_000, "hour": 3_600_000, "day": 86_400_000}
DEFAULT_WINDOW_MS: Final = 7 * 86_400_000
MAX_MS: Final = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
SUBDEVICE_CATEGORIES: Final = ("rf", "webhook", "sms")
SUBDEVICE_TYPES: Final = ("actuator", "sensor")
# The device_type a sub-device category must be created against.
CATEGORY_DEVICE: Final = {"rf": RF433, "webhook": "webhook", "sms": "sms"}
HEX_COLOUR: Final = re.compile(r"^[0-9A-Fa-f]{6}$")
RF_CODE: Final = re.compile(r"^[01]+$")
MAX_NAME: Final = 100


class ApiError(Exception):
    """A failure answered as {"result": 0, "error", "id"}.

    `status` is the HTTP status (200 for a `result: 0` answer on HTTP 200);
    `code` the envelope's id (default: the status, or 400 on HTTP 200).
    """

    def __init__(
        self,
        status: int,
        error: str,
        code: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Remember the status, the text and the code."""
        super().__init__(error)
        self.status = status
        self.error = error
        self.code = code if code is not None else (400 if status == 200 else status)
        self.headers = dict(headers or {})


def rejected(error: str, code: int = 400) -> ApiError:
    """A `result: 0` answer on HTTP 200 (what the API does with bad parameters)."""
    return ApiError(200, error, code)


def ok(data: Any = None, *, with_data: bool = True) -> JSON:
    """The success envelope (the doc's PUT/DELETE answers carry no data)."""
    out: JSON = {"result": 1, "error": None, "id": 0}
    if with_data:
        out["data"] = data
    return out


def failure(error: str, code: int) -> JSON:
    """The failure envelope."""
    return {"result": 0, "error": error, "id": code}


def is_envelope(payload: Any) -> bool:
    """Whether `payload` is a {result, error, id} envelope."""
    return isinstance(payload, dict) and "result" in payload and "id" in payload


# --- shapes ----------------------------------------------------------------------

CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "listing": ("object", "list"),
    "empty_subdevices": ("object", "list"),
    "no_data": ("empty", "missing"),
    "callback_exists": ("409", "envelope"),
    "auth_error": ("401", "200"),
    "callback_body": ("heartbeat", "lower", "wrapped", "envelope", "no_guid"),
    "data_time": ("iso", "ms"),
}


@dataclass(frozen=True)
class Shapes:
    """Which of the shapes the wire contract accepts the answers take.

    - `listing`: GET /devices' data keyed by GUID ("object", the doc) or a list
      of device objects each with its `guid` ("list").
    - `empty_subdevices`: no sub-devices as {} ("object") or [] ("list").
    - `no_data`: a device that never reported has `last_data: {}` ("empty") or
      none at all ("missing").
    - `callback_exists`: POST on a device that has a callback answers HTTP 409
      ("409") or HTTP 200 with the same body ("envelope"); both
      {"result": 0, "error": "Callback already exists", "id": 409}.
    - `auth_error`: a bad token answers HTTP 401 ("401") or HTTP 200 ("200"),
      both {"result": 0, "error": "Invalid Token", "id": 401}.
    - `callback_body`: what a callback POST carries: the heartbeat-like
      {G, V, D, DA, GUID, timestamp, node} ("heartbeat"), {guid, da, timestamp}
      ("lower"), {"data": heartbeat} ("wrapped"), a full success envelope
      around it ("envelope"), or the heartbeat without GUID ("no_guid").
    - `data_time`: history points' `t` as the doc's ISO text ("iso") or ms
      since the epoch ("ms").
    """

    listing: str = "object"
    empty_subdevices: str = "object"
    no_data: str = "empty"
    callback_exists: str = "409"
    auth_error: str = "401"
    callback_body: str = "heartbeat"
    data_time: str = "iso"

    def __post_init__(self) -> None:
        """Refuse a value that is not one of the switch's choices."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value not in CHOICES[spec.name]:
                choices = ", ".join(repr(c) for c in CHOICES[spec.name])
                raise ValueError(f"{spec.name} must be one of {choices}")

    def but(self, **changes: Any) -> Shapes:
        """A copy with some switches changed."""
        return replace(self, **changes)


# --- history ---------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """An interval such as 6hour: `count` units."""

    count: int
    unit: str

    def bucket(self, t_ms: int) -> int:
        """The start (ms) of the interval holding `t_ms`, aligned on UTC.

        Minutes, hours and days count from the epoch (1day starts at midnight
        UTC, 6hour at 0, 6, 12 and 18 h); months and years are calendar ones.
        """
        if self.unit in UNIT_MS:
            size = self.count * UNIT_MS[self.unit]
            return t_ms - t_ms % size
        return _calendar_bucket(t_ms // UNIT_MS["day"], self.unit, self.count)


@functools.lru_cache(maxsize=4096)
def _calendar_bucket(day: int, unit: str, count: int) -> int:
    """The start (ms) of the `count` months or years holding the epoch day `day`."""
    at = from_ms(day * UNIT_MS["day"])
    if unit == "month":
        index = at.year * 12 + at.month - 1
        index = max(12, index - index % count)  # never before the year 1
        start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    else:
        start = datetime(max(1, at.year - at.year % count), 1, 1, tzinfo=UTC)
    return int(start.timestamp() * 1000)


@dataclass(frozen=True)
class DataQuery:
    """What a /data request asks for."""

    start: int
    end: int
    interval: Interval | None
    fn: str


def _timestamp(query: Mapping[str, str], key: str) -> int | None:
    """A from/to parameter (ms since the epoch), None when absent."""
    raw = query.get(key)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise rejected(f"Invalid '{key}': expected a timestamp in ms") from None
    if not math.isfinite(value) or not 0 <= value <= MAX_MS:
        raise rejected(f"Invalid '{key}': expected a timestamp in ms")
    return int(value)


def parse_interval(raw: str | None) -> Interval | None:
    """`<n><min|hour|day|month|year>` (ApiError otherwise), None when absent."""
    if raw is None:
        return None
    match = INTERVAL_RE.match(raw)
    if match is None:
        raise rejected(
            f"Invalid interval '{raw}': expected a number and one of {', '.join(UNITS)}"
        )
    return Interval(int(match.group(1)), match.group(2))


def parse_query(
    query: Mapping[str, str], now_ms: int, *, with_fn: bool = True
) -> DataQuery:
    """The query: from (default: a week before to), to (default: now), interval, fn.

    fn defaults to mean; `to` is capped at now (there is no future data).

    A sub-device's data takes no fn (`with_fn` False: it is ignored).
    """
    end = _timestamp(query, "to")
    start = _timestamp(query, "from")
    if end is None:
        end = now_ms
    if start is None:
        start = max(0, end - DEFAULT_WINDOW_MS)
    if start > end:
        raise rejected("'from' is after 'to'")
    interval = parse_interval(query.get("interval"))
    fn = query.get("fn", "mean") if with_fn else "count"
    if fn not in FOLDS:
        raise rejected(f"Invalid fn '{fn}': expected one of {', '.join(FOLDS)}")
    return DataQuery(start, min(end, now_ms), interval, fn)


def fold(values: list[float], fn: str) -> float:
    """Reduce the values of one interval."""
    match fn:
        case "sum":
            return math.fsum(values)
        case "min":
            return min(values)
        case "max":
            return max(values)
        case "stddev":
            return statistics.pstdev(values)
        case "ss":
            return math.fsum(v * v for v in values)
        case "count":
            return float(len(values))
    return math.fsum(values) / len(values)


def series(
    points: list[tuple[int, float]], query: DataQuery
) -> list[tuple[int, float]]:
    """The points as asked: raw without an interval, else folded per interval.

    Intervals without a point are left out.
    """
    if query.interval is None:
        return points
    buckets: dict[int, list[float]] = defaultdict(list)
    for t, value in points:
        buckets[query.interval.bucket(t)].append(value)
    return [(start, fold(buckets[start], query.fn)) for start in sorted(buckets)]


def counts(times: list[int], query: DataQuery) -> list[tuple[int, float]]:
    """Actuation counts: per interval, or one total at `from` without one."""
    inside = [t for t in times if query.start <= t <= query.end]
    if query.interval is None:
        return [(query.start, float(len(inside)))]
    return series([(t, 1.0) for t in inside], replace(query, fn="count"))


def point(t_ms: int, value: float, time_shape: str) -> JSON:
    """{"t", "v"}: whole numbers as integers, like the doc's counts."""
    v: float | int = int(value) if value.is_integer() else value
    return {"t": iso(t_ms) if time_shape == "iso" else t_ms, "v": v}


# --- validation ------------------------------------------------------------------


def body_object(body: Any) -> JSON:
    """A request body that must be a JSON object."""
    if not isinstance(body, dict):
        raise rejected("The body must be a JSON object")
    return body


def short_name(value: Any) -> str:
    """A shortName: a non-empty string of at most 100 characters."""
    if not isinstance(value, str) or not value.strip():
        raise rejected("shortName must be a non-empty string")
    if len(value) > MAX_NAME:
        raise rejected(f"shortName is longer than {MAX_NAME} characters")
    return value


def command(device_type: str, is_actuator: int, da: Any) -> Any:
    """The DA an actuator accepts, normalised (ApiError for a wrong one).

    rgbled: 6 hex digits (stored upper case); relay: "1"/"0" (or 1/0, stored
    as 1/0); rf433: a code of 0s and 1s. Anything else takes no DA.
    """
    if not is_actuator:
        raise rejected("Device is not an actuator")
    if device_type == RGBLED:
        if isinstance(da, str) and HEX_COLOUR.match(da):
            return da.upper()
        raise rejected("DA must be a colour of 6 hex digits (RRGGBB)")
    if device_type == RELAY:
        if da in ("0", "1") or (type(da) is int and da in (0, 1)):
            return int(da)
        raise rejected('DA must be "1" or "0"')
    if device_type == RF433:
        if isinstance(da, str) and RF_CODE.match(da):
            return da
        raise rejected("DA must be an RF code of 0s and 1s")
    raise rejected(f"A {device_type} device takes no DA")


@dataclass
class SubdeviceFields:
    """The fields of a sub-device create or update (None: not given)."""

    category: str | None = None
    type: str | None = None
    short_name: str | None = None
    data: str | None = None
    url: str | None = None


def subdevice_fields(body: Any, *, create: bool) -> SubdeviceFields:
    """Check a sub-device body: category, type and shortName required to create."""
    body = body_object(body)
    given = SubdeviceFields()
    category = body.get("category")
    if category is not None or create:
        if category not in SUBDEVICE_CATEGORIES:
            raise rejected(f"category must be one of {', '.join(SUBDEVICE_CATEGORIES)}")
        given.category = category
    kind = body.get("type")
    if kind is not None or create:
        if kind not in SUBDEVICE_TYPES:
            raise rejected(f"type must be one of {', '.join(SUBDEVICE_TYPES)}")
        given.type = kind
    if "shortName" in body or create:
        given.short_name = short_name(body.get("shortName"))
    if "data" in body:
        if not isinstance(body["data"], str):
            raise rejected("data must be a string")
        given.data = body["data"]
    if "url" in body:
        url = body["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise rejected("url must be an http(s) URL")
        given.url = url
    if not create and given == SubdeviceFields():
        raise rejected("Nothing to update")
    return given


def callback_url(body: Any) -> str:
    """The `url` of a callback body: required, http(s)."""
    url = body_object(body).get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise rejected("url is required and must be an http(s) URL")
    return url
