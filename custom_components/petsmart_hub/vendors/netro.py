"""Netro Public API (NPA): HTTP client and parsing.

The API (``shared/vendor-apis/netro.txt``) answers ``{"status": "OK"|"ERROR",
"data"|"errors", "meta"}``; ``meta`` carries the key's daily call budget, which
we record from every answer. The key is the device's serial. No Home Assistant
imports here.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Final

import aiohttp

from ..model import (
    KIND_ACTIONS,
    Action,
    ControllerState,
    Device,
    DeviceKind,
    Location,
    Quantity,
    SoilSensorState,
    StreamInfo,
    WateringSchedule,
    ZoneState,
    plausible,
    plausible_moment,
)
from .base import (
    AuthError,
    BadResponseError,
    BudgetExhaustedError,
    CannotConnectError,
    DeviceNotFoundError,
    InvalidParameterError,
    Inventory,
    RateLimitError,
    RequestRejectedError,
    VendorAccount,
    VendorError,
)
from .http import RequestGate, async_fetch
from .netro_budget import Call, CallBudget, PollPlan, PollPolicy
from .parse import (
    ParseReport,
    pick,
    to_bool,
    to_datetime,
    to_float,
    to_int,
    to_str,
    to_text,
)

DEFAULT_BASE_URL: Final = "https://api.netrohome.com/npa/v1"
REQUEST_TIMEOUT: Final = 20  # seconds
DAILY_LIMIT: Final = 2000
#: The most requests one key may send in REQUEST_WINDOW, whatever asks: a
#: watering hour reads the schedules once a minute, and a burst of actions
#: (six zone switches, each read back) still fits.
REQUEST_CAP: Final = 40
REQUEST_WINDOW: Final = timedelta(minutes=10)

# Error codes of the doc's "Errors" table.
ERROR_INVALID_KEY: Final = 1
ERROR_LIMIT: Final = 3
ERROR_INVALID_DEVICE: Final = 4
ERROR_INTERNAL: Final = 5
ERROR_PARAMETER: Final = 6

CONTROLLER_STATUSES: Final = (
    "STANDBY",
    "SETUP",
    "ONLINE",
    "WATERING",
    "OFFLINE",
    "SLEEPING",
    "POWEROFF",
)
SMART_MODES: Final = ("SMART", "ASSISTANT", "TIMER")
SCHEDULE_SOURCES: Final = ("SMART", "FIX", "MANUAL")
SCHEDULE_STATUSES: Final = ("VALID", "EXECUTING", "EXECUTED")
WEATHER_CONDITIONS: Final = {"clear": 0, "cloudy": 1, "rain": 2, "snow": 3, "wind": 4}


@dataclass(slots=True)
class NetroMeta:
    """The budget part of an answer's ``meta``."""

    token_limit: int | None = None
    token_remaining: int | None = None
    token_reset: datetime | None = None
    time: datetime | None = None


@dataclass(slots=True)
class NetroZone:
    """A zone of a controller, as ``info.json`` describes it."""

    ith: int
    name: str | None  # None: the cloud sent none
    enabled: bool | None  # None: sent, but not a boolean we can read
    smart: str | None

    @property
    def label(self) -> str:
        """The zone's name, or a stand-in."""
        return self.name or f"Zone {self.ith}"


@dataclass(slots=True)
class NetroInfo:
    """``info.json``: a controller (with zones) or a soil sensor."""

    serial: str
    name: str | None  # None: the cloud sent none
    is_sensor: bool
    status: str | None
    version: str | None  # the hardware version
    sw_version: str | None
    zones: list[NetroZone] = field(default_factory=list)
    #: Zone entries that could not be read (the zone list is incomplete).
    unreadable_zones: int = 0
    #: When the device itself last spoke to the cloud (not meta's last_active,
    #: which is the key's last API call).
    last_active: datetime | None = None
    battery: float | None = None  # percent


@dataclass(slots=True)
class NetroSchedule:
    """One schedule (past, running or planned) of a zone."""

    id: str
    zone: int
    start: datetime
    end: datetime
    source: str | None
    status: str | None
    #: The controller's UTC offset, from the local start time beside the UTC one.
    utc_offset: timedelta | None = None


@dataclass(slots=True)
class NetroMoisture:
    """A zone's moisture on a local date."""

    zone: int
    date: date
    moisture: float


@dataclass(slots=True)
class NetroSensorReading:
    """One hourly report of a soil sensor."""

    time: datetime
    moisture: float | None
    sunlight_klux: float | None
    celsius: float | None
    battery: float | None = None  # percent


@dataclass(slots=True)
class NetroEvent:
    """An event (1 offline, 2 online, 3 schedule start, 4 schedule end)."""

    id: str
    event: int
    time: datetime
    message: str | None


def _to_date(value: Any) -> date | None:
    text = to_str(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def parse_meta(body: Mapping[str, Any]) -> NetroMeta | None:
    """Read the budget from an answer's ``meta`` (times are UTC without a zone)."""
    meta = body.get("meta")
    if not isinstance(meta, dict):
        return None
    return NetroMeta(
        token_limit=to_int(meta.get("token_limit")),
        token_remaining=to_int(meta.get("token_remaining")),
        token_reset=to_datetime(meta.get("token_reset")),
        time=to_datetime(meta.get("time")),
    )


def parse_info(data: Mapping[str, Any], report: ParseReport | None = None) -> NetroInfo:
    """Parse ``info.json``.

    The doc shows only a controller, under ``device`` with ``zones``. A soil
    sensor is recognised by a ``sensor`` object, or by a ``device`` object
    without zones (``zone_num`` 0 or absent); both shapes are accepted. A
    zone entry we cannot read (not an object, no ``ith``) is skipped and
    counted in ``unreadable_zones``: the zone list is then incomplete.
    """
    report = report if report is not None else ParseReport()
    sensor = data.get("sensor")
    device = data.get("device")
    raw = sensor if isinstance(sensor, dict) else device
    if not isinstance(raw, dict):
        raise BadResponseError("info.json without a device or sensor object")
    serial = to_str(pick(raw, "serial", "sn"))
    if not serial:
        raise BadResponseError("info.json without a serial")
    if not any(
        key in raw
        for key in (
            "name",
            "status",
            "zones",
            "zone_num",
            "sw_version",
            "last_active",
            "battery_level",
        )
    ):
        # a serial alone says nothing, not even whether it is a sensor
        raise BadResponseError("info.json without any reading")
    zones_raw = raw.get("zones")
    zones: list[NetroZone] = []
    unreadable = 0
    if isinstance(zones_raw, list):
        for item in zones_raw:
            ith = to_int(item.get("ith")) if isinstance(item, dict) else None
            if not isinstance(item, dict) or ith is None or ith < 1:
                report.skip("zone entry", "not an object with an ith")
                unreadable += 1
                continue
            zones.append(
                NetroZone(
                    ith=ith,
                    name=to_text(item.get("name")),
                    # absent means enabled (captures of real zones omit it);
                    # a value we cannot read is unknown, not "enabled"
                    enabled=to_bool(item["enabled"]) if "enabled" in item else True,
                    smart=_upper(item.get("smart")),
                )
            )
    zone_num = to_int(raw.get("zone_num"))
    is_sensor = isinstance(sensor, dict) or (
        not zones and not unreadable and not zone_num
    )
    return NetroInfo(
        serial=serial,
        name=to_text(raw.get("name")),
        is_sensor=is_sensor,
        status=_upper(raw.get("status")),
        version=to_text(raw.get("version")),
        sw_version=to_text(raw.get("sw_version")),
        zones=sorted(zones, key=lambda zone: zone.ith),
        unreadable_zones=unreadable,
        last_active=_last_active(raw, report),
        battery=_battery(raw, report, fraction_form=True),
    )


def _last_active(item: Mapping[str, Any], report: ParseReport) -> datetime | None:
    """The device's own ``last_active`` (not in the doc; real devices send it).

    Zone-less like every Netro time (UTC); an epoch is accepted too. One we
    cannot read, or outside the span a device can report, is counted.
    """
    raw = item.get("last_active")
    if raw is None:
        return None
    moment = _moment(raw)
    if moment is None:
        report.reject("last_active", raw)
    return moment


def _battery(
    item: Mapping[str, Any], report: ParseReport, *, fraction_form: bool
) -> float | None:
    """``battery_level`` in percent; None when absent or not plausible (counted).

    The doc is silent; real devices send it in two forms: a 0-1 fraction in
    info.json (a Whisperer's 0.63, a Pixie's 0.81) and a percent in each
    sensor_data row (39). Either form is accepted anywhere: below 1 is a
    fraction, above 1 a percent. Exactly 1 is read in the field's usual form
    (``fraction_form``): full in info.json, 1 % in a sensor row. A numeric
    string ("0.63", "39%") counts as its number.
    """
    raw = item.get("battery_level")
    if raw is None:
        return None
    value = to_float(raw)
    if value is not None and (0 <= value < 1 or (value == 1 and fraction_form)):
        value = round(value * 100, 2)
    if value is None or not plausible(value, Quantity.BATTERY):
        report.reject("battery_level", raw)
        return None
    return value


def _upper(value: Any) -> str | None:
    text = to_text(value)
    return text.upper() if text else None


def _list(
    data: Mapping[str, Any], key: str, report: ParseReport
) -> list[dict[str, Any]]:
    """The list under ``key``; the doc always wraps lists in an object.

    Entries that are not objects are skipped and counted.
    """
    items = data.get(key)
    if items is None and key in data:
        return []
    if not isinstance(items, list):
        raise BadResponseError(f"answer without a {key} list")
    entries = [item for item in items if isinstance(item, dict)]
    for _ in range(len(items) - len(entries)):
        report.skip(f"{key} entry", "not an object")
    return entries


def parse_schedules(
    data: Mapping[str, Any], report: ParseReport | None = None
) -> list[NetroSchedule]:
    """Parse a ``schedules`` list; entries we cannot read are skipped (and counted)."""
    report = report if report is not None else ParseReport()
    schedules: list[NetroSchedule] = []
    for item in _list(data, "schedules", report):
        zone = to_int(item.get("zone"))
        start = _moment(item.get("start_time"))
        end = _moment(item.get("end_time"))
        if zone is None or start is None or end is None or end < start:
            report.skip("schedule", "no zone, start or end")
            continue
        schedules.append(
            NetroSchedule(
                id=to_str(item.get("id")) or f"{zone}-{start.isoformat()}",
                zone=zone,
                start=start,
                end=end,
                source=_upper(item.get("source")),
                status=_upper(item.get("status")),
                utc_offset=_utc_offset(item, start),
            )
        )
    return sorted(schedules, key=lambda schedule: (schedule.start, schedule.zone))


#: The widest UTC offsets there are (UTC-12 to UTC+14).
_OFFSET_SPAN: Final = (timedelta(hours=-12), timedelta(hours=14))


def _utc_offset(item: Mapping[str, Any], start: datetime) -> timedelta | None:
    """The controller's UTC offset: ``local_date`` + ``local_start_time`` - ``start_time``.

    Rounded to the quarter hour (every offset in use is a multiple); None when
    either local field is missing or unreadable, or the result is no offset.
    """
    day = _to_date(item.get("local_date"))
    clock = to_str(item.get("local_start_time"))
    if day is None or clock is None:
        return None
    try:
        local = datetime.combine(day, time.fromisoformat(clock.strip()))
    except ValueError:
        return None
    seconds = (local - start.replace(tzinfo=None)).total_seconds()
    offset = timedelta(minutes=round(seconds / 900) * 15)
    low, high = _OFFSET_SPAN
    return offset if low <= offset <= high else None


def _moment(value: Any) -> datetime | None:
    """A timestamp inside the span a device can report, else None."""
    moment = to_datetime(value)
    return moment if moment is not None and plausible_moment(moment) else None


def _reading(
    item: Mapping[str, Any], key: str, quantity: Quantity, report: ParseReport
) -> float | None:
    """A reading of ``item``: None when absent, null or not plausible (counted)."""
    raw = item.get(key)
    if raw is None:
        return None
    value = to_float(raw)
    if value is None or not plausible(value, quantity):
        report.reject(key, raw)
        return None
    return value


def parse_moistures(
    data: Mapping[str, Any], report: ParseReport | None = None
) -> list[NetroMoisture]:
    """Parse a ``moistures`` list; entries we cannot read are skipped (and counted).

    The doc gives moisture in [0, 100]; anything else is not a reading.
    """
    report = report if report is not None else ParseReport()
    result: list[NetroMoisture] = []
    for item in _list(data, "moistures", report):
        zone = to_int(item.get("zone"))
        day = _to_date(item.get("date"))
        moisture = _reading(item, "moisture", Quantity.PERCENT, report)
        if zone is None or day is None or moisture is None:
            report.skip("moisture", "no zone, date or plausible moisture")
            continue
        result.append(NetroMoisture(zone, day, moisture))
    return sorted(result, key=lambda entry: (entry.date, entry.zone))


def parse_sensor_data(
    data: Mapping[str, Any], report: ParseReport | None = None
) -> list[NetroSensorReading]:
    """Parse a ``sensor_data`` list; entries we cannot read are skipped (and counted).

    Each value is checked on its own: an implausible temperature leaves the
    row's moisture and sunlight standing.
    """
    report = report if report is not None else ParseReport()
    result: list[NetroSensorReading] = []
    for item in _list(data, "sensor_data", report):
        moment = _moment(item.get("time"))
        if moment is None:
            report.skip("sensor reading", "no time")
            continue
        celsius = _reading(item, "celsius", Quantity.TEMPERATURE, report)
        if celsius is None and item.get("celsius") is None:
            fahrenheit = to_float(item.get("fahrenheit"))
            if fahrenheit is not None:
                converted = (fahrenheit - 32) * 5 / 9
                if plausible(converted, Quantity.TEMPERATURE):
                    celsius = converted
                else:
                    report.reject("fahrenheit", item.get("fahrenheit"))
        sunlight = _reading(item, "sunlight", Quantity.ILLUMINANCE, report)
        if sunlight is not None and not plausible(
            sunlight * 1000, Quantity.ILLUMINANCE
        ):  # klux here; in lux (what the model holds) it must be in range too
            report.reject("sunlight", sunlight)
            sunlight = None
        result.append(
            NetroSensorReading(
                time=moment,
                moisture=_reading(item, "moisture", Quantity.PERCENT, report),
                sunlight_klux=sunlight,
                celsius=celsius,
                battery=_battery(item, report, fraction_form=False),
            )
        )
    return sorted(result, key=lambda reading: reading.time)


def parse_events(
    data: Mapping[str, Any], report: ParseReport | None = None
) -> list[NetroEvent]:
    """Parse an ``events`` list; entries we cannot read are skipped (and counted)."""
    report = report if report is not None else ParseReport()
    result: list[NetroEvent] = []
    for item in _list(data, "events", report):
        kind = to_int(item.get("event"))
        moment = _moment(item.get("time"))
        if kind is None or moment is None:
            report.skip("event", "no type or time")
            continue
        result.append(
            NetroEvent(
                id=to_str(item.get("id")) or f"{kind}-{moment.isoformat()}",
                event=kind,
                time=moment,
                message=to_str(item.get("message")),
            )
        )
    return sorted(result, key=lambda event: event.time)


def _error(code: int | None, message: str, reset: datetime | None) -> Exception:
    """The typed error of an NPA error code."""
    if code == ERROR_INVALID_KEY:
        return AuthError(message)
    if code == ERROR_LIMIT:
        return BudgetExhaustedError(message, reset)
    if code == ERROR_INVALID_DEVICE:
        return DeviceNotFoundError(message)
    if code == ERROR_PARAMETER:
        return InvalidParameterError(message)
    return CannotConnectError(message)


_HTTP_CODES: Final = {401: ERROR_INVALID_KEY, 403: ERROR_INVALID_KEY, 429: ERROR_LIMIT}


def _zones_param(zones: Sequence[int] | None) -> dict[str, str]:
    """Zones as the doc's examples send them: ``zones=[1,2]``."""
    return {} if not zones else {"zones": "[" + ",".join(str(z) for z in zones) + "]"}


def _dates(start: date | None, end: date | None) -> dict[str, str]:
    params = {}
    if start is not None:
        params["start_date"] = start.isoformat()
    if end is not None:
        params["end_date"] = end.isoformat()
    return params


class NetroClient:
    """Async client of one Netro key (a controller's or a sensor's serial)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        request_timeout: float | None = None,
        gate: RequestGate | None = None,
    ) -> None:
        """Keep the session (owned by the caller) and the key."""
        self._session = session
        self._key = key
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=request_timeout or REQUEST_TIMEOUT)
        #: The budget as of the last answer that carried one.
        self.meta = NetroMeta()
        #: Every request of the key passes here (Retry-After, the cap).
        self.gate = gate or RequestGate(cap=REQUEST_CAP, window=REQUEST_WINDOW)
        #: What parsing had to leave out (diagnostics).
        self.report = ParseReport()

    @property
    def calls(self) -> int:
        """Calls this client made (every call costs a token, failed ones too)."""
        return self.gate.sent

    def _note_meta(self, body: Any) -> None:
        meta = parse_meta(body) if isinstance(body, dict) else None
        if meta is not None and meta.token_remaining is not None:
            self.meta = meta

    async def _request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, str] | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Call ``endpoint`` (e.g. ``info``) and return its ``data`` object."""
        path = f"/{endpoint}.json"
        query = None
        body_json = None
        if method == "GET":
            query = {"key": self._key, **(params or {})}
        else:
            body_json = {"key": self._key, **(payload or {})}
        response = await async_fetch(
            self._session,
            method,
            f"{self._base_url}{path}",
            label=f"{method} {path}",
            client_timeout=self._timeout,
            gate=self.gate,
            params=query,
            json=body_json,
            headers={"Accept": "application/json"},
        )
        status = response.status
        body = response.json()
        self._note_meta(body)
        if response.retry_after is not None:
            # a 429 or 503 that says when to come back: a pause, not a spent day
            raise RateLimitError(
                f"HTTP {status} on {method} {path}", response.retry_after
            )
        if isinstance(body, dict) and to_str(body.get("status")) is not None:
            state = str(body["status"]).upper()
            if state == "ERROR":
                errors = body.get("errors")
                first = errors[0] if isinstance(errors, list) and errors else {}
                first = first if isinstance(first, dict) else {}
                code = to_int(first.get("code"))
                # the cloud echoes a bad key ("Invalid key: ..."): the key is
                # the device's secret serial, kept out of every message we log
                message = (to_str(first.get("message")) or "error").replace(
                    self._key, "<key>"
                )
                raise _error(
                    code,
                    f"code {code} on {method} {path}: {message}",
                    self.meta.token_reset,
                )
            if state == "OK" and status < 400:
                data = body.get("data")
                if data is None or data == []:
                    return {}
                if not isinstance(data, dict):
                    raise BadResponseError(f"{method} {path} returned no data object")
                return data
        if status >= 400:
            code = _HTTP_CODES.get(status, ERROR_INTERNAL if status >= 500 else None)
            if code is None:
                raise RequestRejectedError(f"HTTP {status} on {method} {path}")
            raise _error(
                code, f"HTTP {status} on {method} {path}", self.meta.token_reset
            )
        raise BadResponseError(f"{method} {path} returned an unreadable answer")

    async def async_info(self) -> NetroInfo:
        """``GET info.json``: the controller and its zones, or the sensor."""
        return parse_info(await self._request("GET", "info"), self.report)

    async def async_schedules(
        self,
        *,
        zones: Sequence[int] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[NetroSchedule]:
        """``GET schedules.json`` (default: past month and next month)."""
        params = {**_zones_param(zones), **_dates(start, end)}
        return parse_schedules(
            await self._request("GET", "schedules", params=params), self.report
        )

    async def async_moistures(
        self,
        *,
        zones: Sequence[int] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[NetroMoisture]:
        """``GET moistures.json`` (the doc's table calls it ``moisture``)."""
        params = {**_zones_param(zones), **_dates(start, end)}
        return parse_moistures(
            await self._request("GET", "moistures", params=params), self.report
        )

    async def async_events(
        self,
        *,
        event: int | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> list[NetroEvent]:
        """``GET events.json``."""
        params = _dates(start, end)
        if event is not None:
            params["event"] = str(event)
        return parse_events(
            await self._request("GET", "events", params=params), self.report
        )

    async def async_sensor_data(
        self, *, start: date | None = None, end: date | None = None
    ) -> list[NetroSensorReading]:
        """``GET sensor_data.json`` (default: the past month)."""
        return parse_sensor_data(
            await self._request("GET", "sensor_data", params=_dates(start, end)),
            self.report,
        )

    async def async_set_status(self, enabled: bool) -> None:
        """``POST set_status.json``: 1 = ONLINE, 0 = STANDBY."""
        await self._request("POST", "set_status", payload={"status": int(enabled)})

    async def async_water(
        self,
        duration: int,
        *,
        zones: Sequence[int] | None = None,
        delay: int | None = None,
        start_time: datetime | None = None,
    ) -> list[NetroSchedule]:
        """``POST water.json``: water now, after ``delay`` minutes or at a time."""
        payload: dict[str, Any] = {"duration": duration}
        if zones:
            payload["zones"] = list(zones)
        if delay is not None:
            payload["delay"] = delay
        if start_time is not None:
            # the doc's example: "2020-12-30 08:00" (UTC)
            payload["start_time"] = start_time.astimezone(UTC).strftime(
                "%Y-%m-%d %H:%M"
            )
        data = await self._request("POST", "water", payload=payload)
        return parse_schedules(data, self.report) if "schedules" in data else []

    async def async_stop_water(self) -> None:
        """``POST stop_water.json``: stop watering and drop manual schedules."""
        await self._request("POST", "stop_water")

    async def async_no_water(self, days: int) -> None:
        """``POST no_water.json``: skip today and the following days."""
        await self._request("POST", "no_water", payload={"days": days})

    async def async_set_moisture(
        self, moisture: int, zones: Sequence[int] | None = None
    ) -> None:
        """``POST set_moisture.json``: override the estimated moisture."""
        payload: dict[str, Any] = {"moisture": moisture}
        if zones:
            payload["zones"] = list(zones)
        await self._request("POST", "set_moisture", payload=payload)

    async def async_report_weather(self, report: Mapping[str, Any]) -> None:
        """``POST report_weather.json`` with the doc's field names."""
        await self._request("POST", "report_weather", payload=dict(report))


# --- the account: mapping onto the neutral model, polling under the budget ----

MANUFACTURER: Final = "Netro"
#: Never refresh less often than this (derived state and data age stay fresh).
MAX_POLL_GAP: Final = timedelta(minutes=5)
#: A failed read is tried again after this long, not at once.
RETRY_AFTER_FAILURE: Final = timedelta(minutes=2)
#: A zone's moisture estimate for a local day longer ago than this is shown as
#: unknown, not passed off as today's (whole days: on the 10th, the 7th's
#: estimate shows, the 6th's does not).
MOISTURE_MAX_AGE: Final = timedelta(days=3)
#: A device's last contact may run this far ahead of our clock (clock skew);
#: further ahead, it is not a time the device reported.
CLOCK_SKEW: Final = timedelta(minutes=5)
_OFFLINE_STATUSES: Final = frozenset({"OFFLINE", "POWEROFF"})
_HALTED_STATUSES: Final = frozenset({"STANDBY", *_OFFLINE_STATUSES})


#: Device id of the key's own device (its controller or soil sensor). Ids are
#: per key and never hold the serial: the serial is the key, a secret.
DEVICE_ID: Final = "device"


def zone_device_id(ith: int) -> str:
    """Device id of a zone of the key's controller."""
    return f"zone{ith}"


def migrate_device_id(old: str, key: str) -> str:
    """The device id of one that version 1 named after the serial (the key).

    ``<serial>`` was the controller or sensor and ``<serial>_zone<n>`` a zone;
    anything else is kept as it was.
    """
    if old == key:
        return DEVICE_ID
    prefix = f"{key}_"
    rest = old.removeprefix(prefix)
    if old.startswith(prefix) and rest.startswith("zone"):
        return rest
    return old


def _stopped(
    schedules: list[NetroSchedule], now: datetime, *, drop_manual: bool = True
) -> list[NetroSchedule]:
    """End the running schedule at ``now``; drop planned manual ones too.

    What stop_water.json does (the doc: the current schedule and the remaining
    manual ones); STANDBY only ends the run (planned ones are skipped when due).
    """
    kept: list[NetroSchedule] = []
    for schedule in schedules:
        if schedule.status == "EXECUTED" or schedule.end <= now:
            kept.append(schedule)
        elif schedule.start <= now:
            kept.append(replace(schedule, end=now, status="EXECUTED"))
        elif schedule.source != "MANUAL" or not drop_manual:
            kept.append(schedule)
    return kept


#: Neutral weather fields -> the names report_weather.json takes.
_WEATHER_NAMES: Final = {
    "rain": "rain",
    "rain_probability": "rain_prob",
    "temperature": "temp",
    "temperature_min": "t_min",
    "temperature_max": "t_max",
    "dew_point": "t_dew",
    "wind_speed": "wind_speed",
    "humidity": "humidity",
    "pressure": "pressure",
}


def weather_report(params: Mapping[str, Any]) -> dict[str, Any]:
    """The body of report_weather.json (condition as the doc's number)."""
    report: dict[str, Any] = {"date": params["date"].isoformat()}
    if params.get("condition") is not None:
        report["condition"] = WEATHER_CONDITIONS[params["condition"]]
    for ours, theirs in _WEATHER_NAMES.items():
        if params.get(ours) is not None:
            report[theirs] = params[ours]
    return report


class NetroAccount(VendorAccount):
    """One Netro key: a controller with its zones, or a soil sensor.

    Every read goes through the call budget: ``async_get_devices`` makes the
    calls that are due (``PollPlan``) while the budget allows (``CallBudget``);
    everything between calls is derived from the schedules already known, so a
    zone shows as watering from its planned start without a call.
    """

    vendor = "netro"

    def __init__(
        self,
        client: NetroClient,
        *,
        policy: PollPolicy | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Wrap a client; ``now`` lets a benchmark drive simulated time."""
        self.client = client
        self._now = now or (lambda: datetime.now(UTC))
        if now is not None:
            client.gate.clock = now  # the cap's window runs on the same clock
        self.report = client.report
        self.gate = client.gate
        self.plan = PollPlan(policy or PollPolicy())
        self.budget = CallBudget(reserve=self.plan.policy.reserve)
        self.info: NetroInfo | None = None
        self.schedules: list[NetroSchedule] = []
        self.moistures: list[NetroMoisture] = []
        self.readings: list[NetroSensorReading] = []
        self._devices: dict[str, Device] = {}
        self._info_at: datetime | None = None
        self._retry: dict[Call, datetime] = {}
        #: The last read's failure, standing while it waits for its retry.
        self._failure: VendorError | None = None

    # -- budget-aware calls --------------------------------------------------

    def _note_budget(self, now: datetime) -> None:
        meta = self.client.meta
        self.budget.observe(
            meta.token_remaining, meta.token_reset, meta.token_limit, now
        )

    async def _spend[T](self, call: Coroutine[Any, Any, T], now: datetime) -> T:
        """Make one call, keeping the budget up to date (code 3 included)."""
        self.budget.spend(now)
        before = self.client.meta
        sent = self.client.calls
        try:
            result = await call
        except BudgetExhaustedError as err:
            self.budget.exhausted(err.reset or self.client.meta.token_reset, now)
            raise
        except VendorError:
            if self.client.calls == sent:
                self.budget.refund()  # held back by the gate: nothing was sent
            elif self.client.meta is not before:
                # an answer without meta (timeout, proxy page) leaves our count
                self._note_budget(now)
            raise
        self._note_budget(now)
        return result

    @property
    def _calls(self) -> tuple[Call, ...]:
        if self.info is not None and self.info.is_sensor:
            return (Call.SENSOR_INFO, Call.SENSOR_DATA)
        return (Call.INFO, Call.SCHEDULES, Call.MOISTURES)

    async def _read(self, call: Call, now: datetime) -> None:
        client = self.client
        if call in (Call.INFO, Call.SENSOR_INFO):
            info = await self._spend(client.async_info(), now)
            if info.last_active is not None and info.last_active > now + CLOCK_SKEW:
                self.report.reject("last_active", info.last_active.isoformat())
                info.last_active = None  # ahead of us: not a time it reported
            self.info = info
            self._info_at = now
        elif call is Call.SCHEDULES:
            self.schedules = await self._spend(client.async_schedules(), now)
        elif call is Call.MOISTURES:
            self.moistures = await self._spend(client.async_moistures(), now)
        else:
            # the API filters on the sensor's local date, up to a day off UTC's
            today = now.date()
            readings = await self._spend(
                client.async_sensor_data(
                    start=today - timedelta(days=1), end=today + timedelta(days=1)
                ),
                now,
            )
            for reading in readings:
                if reading.time > now + CLOCK_SKEW:
                    self.report.skip("sensor reading", "taken after now")
            self.readings = [r for r in readings if r.time <= now + CLOCK_SKEW]

    def _active(self, now: datetime) -> bool:
        """Watering now, or about to."""
        soon = now + self.plan.policy.soon
        if self.info is not None and self.info.status == "WATERING":
            return True
        if self.info is not None and self.info.status in _HALTED_STATUSES:
            return False  # nothing planned runs in standby or while offline
        return any(
            schedule.start <= soon and schedule.end > now
            for schedule in self.schedules
            if schedule.status != "EXECUTED"
        )

    async def async_identify(self) -> Inventory:
        """Check the key with one call (info.json) and return its devices."""
        now = self._now()
        await self._read(Call.INFO, now)
        self.plan.done(self._calls[0], now)
        self._build(now)
        return self._inventory(fresh=True)

    async def async_get_devices(self) -> Inventory:
        """Make the due calls the budget allows, then return the devices.

        While a failed call waits for its retry, the failure stands: the
        devices are not reported as fresh on data that could not be read.
        """
        now = self._now()
        fresh = False
        # a failed read waiting for its retry holds every call back
        self._raise_if_failing(now)
        if self.info is None:
            # what the key is (controller or sensor) decides everything else
            if not self.budget.may_act(now):
                raise BudgetExhaustedError("no calls left today", self.budget.reset)
            await self._read(Call.INFO, now)
            self.plan.done(self._calls[0], now)
            fresh = True
        calls = self._calls
        stretch = self.budget.stretch(self.plan.planned_per_day(calls), now)
        for call in self.plan.due(
            calls, now, active=self._active(now), stretch=stretch
        ):
            if not self.budget.may_poll(now):
                break
            try:
                await self._read(call, now)
            except BudgetExhaustedError:
                break
            except VendorError as err:
                self._failed(call, err, now)
                raise
            self._retry.pop(call, None)
            self.plan.done(call, now)
            fresh = fresh or call in (Call.INFO, Call.SENSOR_INFO)
        self._raise_if_failing(now)
        self._build(now)
        return self._inventory(fresh=fresh)

    def _inventory(self, *, fresh: bool) -> Inventory:
        """The devices, and whether they come from an info.json read just now."""
        unreadable = self.info.unreadable_zones if self.info is not None else 0
        return Inventory(
            self._devices.values(), fresh=fresh, unreadable=unreadable if fresh else 0
        )

    def _failed(self, call: Call, err: VendorError, now: datetime) -> None:
        """Remember a failed read: it is tried again after a pause, not at once."""
        wait = RETRY_AFTER_FAILURE
        if isinstance(err, RateLimitError) and err.retry_after is not None:
            wait = timedelta(seconds=err.retry_after)  # the cloud said when
        self._retry[call] = now + wait
        self._failure = err

    def _raise_if_failing(self, now: datetime) -> None:
        """Raise the last failure again while a failed read waits for its retry."""
        if self._failure is None:
            return
        pending = [moment for moment in self._retry.values() if moment > now]
        if not pending:
            self._failure = None
            return
        err = self._failure
        if isinstance(err, RateLimitError) and not isinstance(
            err, BudgetExhaustedError
        ):
            raise RateLimitError(str(err), (min(pending) - now).total_seconds())
        raise err.with_traceback(None)

    # -- mapping -------------------------------------------------------------

    def _build(self, now: datetime) -> None:
        """(Re)build the devices from what we know, deriving state at ``now``."""
        info = self.info
        assert info is not None
        devices: dict[str, Device] = {}
        online = info.status not in _OFFLINE_STATUSES if info.status else None
        budget = self.budget
        if info.is_sensor:
            sensor = self._device(
                DEVICE_ID,
                DeviceKind.SOIL_SENSOR,
                info.name,
                stand_in="Netro sensor",
                model="Whisperer",
                serial=info.serial,
            )
            self._versions(sensor, info)
            sensor.online = online
            sensor.soil = self._soil()
            # the newest report wins: a sensor_data row over info.json
            sensor.last_report = sensor.soil.last_reading or info.last_active
            batteries = [r.battery for r in self.readings if r.battery is not None]
            sensor.battery = batteries[-1] if batteries else info.battery
            devices[sensor.id] = sensor
        else:
            controller = self._device(
                DEVICE_ID,
                DeviceKind.SPRINKLER_CONTROLLER,
                info.name,
                stand_in="Netro",
                model="Controller",
                serial=info.serial,
            )
            self._versions(controller, info)
            controller.battery = info.battery  # a battery-powered Pixie
            devices[controller.id] = controller
            zone_names = {zone.ith: zone.label for zone in info.zones}
            zone_devices = []
            for zone in info.zones:
                device_id = zone_device_id(zone.ith)
                if not zone.enabled and not (
                    zone.enabled is None and device_id in self._devices
                ):  # an unreadable flag keeps a zone we show, adds none
                    continue
                device = self._device(
                    device_id,
                    DeviceKind.SPRINKLER_ZONE,
                    zone.name,
                    stand_in=zone.label,
                    model="Zone",
                    serial=None,
                )
                device.via_device = controller.id
                device.zone = self._zone_state(zone, now)
                devices[device.id] = device
                zone_devices.append(device)
            watering = any(d.zone.watering for d in zone_devices if d.zone)
            controller.controller = ControllerState(
                # the status read may predate a planned start we know of
                status="WATERING"
                if watering and info.status == "ONLINE"
                else info.status,
                enabled=None if info.status is None else info.status != "STANDBY",
                watering=watering,
                schedules=[
                    WateringSchedule(
                        s.id,
                        s.zone,
                        s.start,
                        s.end,
                        s.source,
                        s.status,
                        zone_names.get(s.zone, f"Zone {s.zone}"),
                    )
                    for s in self.schedules
                ],
            )
            disagreement = self._disagreement()
            if disagreement is None:
                self.plan.agree()
            else:
                # the cloud waters something we have no schedule for, or stopped
                # what we thought runs (the Netro app): read the schedules again,
                # ever less often while the status stays what it is
                assert self._info_at is not None
                self.plan.disagree(disagreement, now, status_read=self._info_at)
            for device in (controller, *zone_devices):
                device.online = online
                device.last_report = info.last_active
            # transitions of the last minutes stay pending until confirmed
            self.plan.expect(self._transitions(now, since=now - timedelta(minutes=10)))
        for device in devices.values():
            device.calls_remaining = budget.remaining
            device.calls_reset = budget.reset
            device.updated_at = self._info_at
            self.report.drop_implausible(device)
        self._devices = devices

    def _device(
        self,
        device_id: str,
        kind: DeviceKind,
        name: str | None,
        *,
        stand_in: str,
        model: str,
        serial: str | None,
    ) -> Device:
        """The device as last built, updated; a name the cloud left out stays."""
        device = self._devices.get(device_id)
        if device is None or device.kind is not kind:
            device = Device(
                id=device_id,
                kind=kind,
                name=name or stand_in,
                name_reported=name is not None,
                manufacturer=MANUFACTURER,
            )
        elif name is not None:
            device.name = name
            device.name_reported = True
        device.model = model
        device.serial = serial
        return device

    def _versions(self, device: Device, info: NetroInfo) -> None:
        """Take info.json's versions; one it left out stays as last known."""
        device.firmware = info.sw_version or device.firmware
        device.hardware = info.version or device.hardware

    def _disagreement(self) -> str | None:
        """The status the schedules disagree with, or None when they agree.

        A status describes the moment it was read: WATERING then with no
        schedule covering that moment, or ONLINE then while a schedule we
        believe in had been running for a while. (A past schedule counts
        for WATERING even once EXECUTED: it did run then.)
        """
        info, fetched = self.info, self._info_at
        if info is None or fetched is None:
            return None
        # our clock and the cloud's may differ by seconds: a run that ended
        # (or began) that close to the read still explains WATERING
        settle = self.plan.policy.confirm_after
        if info.status == "WATERING":
            near = any(
                s.start - settle <= fetched < s.end + settle for s in self.schedules
            )
            return None if near else info.status
        covering = [s for s in self.schedules if s.start <= fetched < s.end]
        if info.status == "ONLINE" and any(
            s.start + settle <= fetched and s.status != "EXECUTED" for s in covering
        ):
            return info.status
        return None

    def _utc_offset(self, now: datetime) -> timedelta | None:
        """The controller's UTC offset now: that of the schedule nearest ``now``.

        Schedules span two months, across daylight saving changes: the
        nearest one has the offset in force (give or take its own day).
        """
        told = [s for s in self.schedules if s.utc_offset is not None]
        if not told:
            return None
        return min(told, key=lambda s: abs(s.start - now)).utc_offset

    def _zone_state(self, zone: NetroZone, now: datetime) -> ZoneState:
        mine = [s for s in self.schedules if s.zone == zone.ith]
        # a controller in STANDBY (or offline) skips what comes due
        halted = self.info is not None and self.info.status in _HALTED_STATUSES
        watering = not halted and any(
            s.start <= now < s.end and s.status != "EXECUTED" for s in mine
        )
        upcoming = [s.start for s in mine if s.start > now and s.status == "VALID"]
        ended = [s.end for s in mine if s.end <= now]
        # moisture dates are the controller's local dates (UTC's when unknown)
        today = now.astimezone(timezone(self._utc_offset(now) or timedelta())).date()
        moistures = [
            m for m in self.moistures if m.zone == zone.ith and m.date <= today
        ]
        newest = moistures[-1] if moistures else None
        # whole local days: the estimate for three days ago still shows today
        fresh = newest is not None and today - newest.date <= MOISTURE_MAX_AGE
        return ZoneState(
            index=zone.ith,
            enabled=zone.enabled is not False,
            smart=zone.smart,
            moisture=newest.moisture if newest is not None and fresh else None,
            moisture_date=newest.date if newest is not None else None,
            watering=watering,
            next_start=min(upcoming) if upcoming else None,
            last_end=max(ended) if ended else None,
        )

    def _soil(self) -> SoilSensorState:
        if not self.readings:
            return SoilSensorState()
        latest = self.readings[-1]
        return SoilSensorState(
            moisture=latest.moisture,
            sunlight=None
            if latest.sunlight_klux is None
            else latest.sunlight_klux * 1000,
            temperature=latest.celsius,
            last_reading=latest.time,
        )

    def _transitions(
        self, now: datetime, since: datetime | None = None
    ) -> list[datetime]:
        """Planned starts and ends after ``since`` (default: now) within a day."""
        since = now if since is None else since
        horizon = now + timedelta(days=1)
        moments: list[datetime] = []
        for schedule in self.schedules:
            if schedule.status == "EXECUTED" and schedule.end <= since:
                continue
            moments.extend(
                m for m in (schedule.start, schedule.end) if since < m <= horizon
            )
        return moments

    def next_poll(self, now: datetime) -> datetime | None:
        """The next due call, or the next planned start/end, whichever is first."""
        if self.info is None:
            return None
        active = self._active(now)
        stretch = self.budget.stretch(self.plan.planned_per_day(self._calls), now)
        moments = [now + MAX_POLL_GAP]
        paused = self.budget.paused_until(now)
        if paused is not None:
            moments.append(paused)
        else:
            # a call that failed waits for its retry, not for its due time, and
            # while it waits, nothing else is called either
            waiting = {call for call, moment in self._retry.items() if moment > now}
            if self._failure is not None and waiting:
                return min(self._retry[call] for call in waiting)
            calls = tuple(call for call in self._calls if call not in waiting)
            moments.append(
                self.plan.next_due(calls, now, active=active, stretch=stretch)
            )
            moments.extend(self._retry[call] for call in waiting)
        moments.extend(self._transitions(now))
        return max(min(moments), now)

    def polling_paused_until(self, now: datetime) -> datetime | None:
        """Until when the budget keeps us from polling."""
        return self.budget.paused_until(now)

    async def async_refresh_device(self, device: Device, *, slow: bool) -> None:
        """Nothing to fetch per device: ``async_get_devices`` derived it all.

        A device the last info.json did not name is not found, and while a
        failed read waits for its retry the device has no fresh data.
        """
        if device.id not in self._devices:
            raise DeviceNotFoundError(f"{device.id} is not in the last info.json")
        self._raise_if_failing(self._now())

    # -- actions -------------------------------------------------------------

    async def async_execute(
        self, device: Device, action: Action, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Run a watering action, then read back only what it changed."""
        if action not in KIND_ACTIONS[DeviceKind.SPRINKLER_CONTROLLER]:
            raise RequestRejectedError(f"Netro devices can not {action}")
        now = self._now()
        if not self.budget.may_act(now):
            raise BudgetExhaustedError("no Netro calls left today", self.budget.reset)
        client = self.client
        zones = params.get("zones") or (
            [device.zone.index]
            if device.zone is not None and device.kind is DeviceKind.SPRINKLER_ZONE
            else None
        )
        result: dict[str, Any] = {}
        if action is Action.WATER:
            created = await self._spend(
                client.async_water(
                    int(params["duration"]),
                    zones=zones,
                    delay=params.get("delay"),
                    start_time=params.get("start_time"),
                ),
                now,
            )
            known = {schedule.id for schedule in created}
            self.schedules = sorted(
                [s for s in self.schedules if s.id not in known] + created,
                key=lambda schedule: (schedule.start, schedule.zone),
            )
            result["schedules"] = len(created)
        elif action is Action.SET_ENABLED:
            enabled = bool(params["enabled"])
            await self._spend(client.async_set_status(enabled), now)
            if self.info is not None:
                self.info.status = "ONLINE" if enabled else "STANDBY"
            if not enabled:  # STANDBY stops the run: it must not resume when enabled
                self.schedules = _stopped(self.schedules, now, drop_manual=False)
        elif action is Action.SET_MOISTURE:
            await self._spend(
                client.async_set_moisture(int(params["moisture"]), zones), now
            )
            await self._read_back(Call.MOISTURES, now)
        elif action is Action.REPORT_WEATHER:
            await self._spend(client.async_report_weather(weather_report(params)), now)
            # reported rain can make Netro skip waterings it had planned
            await self._read_back(Call.SCHEDULES, now)
        else:
            if action is Action.NO_WATER:
                await self._spend(client.async_no_water(int(params["days"])), now)
            else:  # STOP_WATERING stops every zone of the controller
                await self._spend(client.async_stop_water(), now)
                # shown at once, even if the read-back has to wait
                self.schedules = _stopped(self.schedules, now)
            await self._read_back(Call.SCHEDULES, now)
        if self.info is not None:
            self._build(now)
        return result

    async def _read_back(self, call: Call, now: datetime) -> None:
        """Read what a command changed, budget permitting (else on the next poll)."""
        if not self.budget.may_act(now):
            self.plan.force(call)
            return
        try:
            await self._read(call, now)
        except VendorError:
            self.plan.force(call)
            return
        self.plan.done(call, now)

    async def async_get_stream(self, device: Device) -> StreamInfo:
        """Netro devices have no camera."""
        raise RequestRejectedError("Netro devices have no stream")

    async def async_get_image(self, url: str) -> bytes:
        """Netro devices have no camera."""
        raise RequestRejectedError("Netro devices have no images")

    async def async_get_location_history(
        self, device: Device, start: datetime, end: datetime, limit: int
    ) -> list[Location]:
        """Netro devices have no location."""
        raise RequestRejectedError("Netro devices have no location")

    async def async_add_device(
        self, serial: str, kind: DeviceKind, model: str | None
    ) -> str:
        """A Netro key is one device: add another key as another account."""
        raise RequestRejectedError("add a Netro device as its own account")
