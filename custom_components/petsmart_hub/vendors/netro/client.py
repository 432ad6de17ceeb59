"""Netro Public API (NPA): HTTP client and parsing.

The API (``shared/vendor-apis/netro.txt``) answers ``{"status": "OK"|"ERROR",
"data"|"errors", "meta"}``; ``meta`` carries the key's daily call budget, which
we record from every answer. The key is the device's serial. No Home Assistant
imports here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

import aiohttp

from ...model import Quantity, plausible, plausible_moment
from ..base import (
    AuthError,
    BadResponseError,
    BudgetExhaustedError,
    CannotConnectError,
    DeviceNotFoundError,
    InvalidParameterError,
    RateLimitError,
    RequestRejectedError,
)
from ..http import RequestGate, async_fetch
from ..parse import (
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
