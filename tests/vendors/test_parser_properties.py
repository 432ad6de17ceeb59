"""Property tests: every OneNata and Netro parser, fed random JSON.

Two kinds of input:

* ``JSON``: arbitrary JSON (null, booleans, ints up to thousands of digits,
  floats including NaN, infinities, 1e308 and -0.0, strings such as "NaN",
  "Infinity", "-20", "1e308" and timestamps from year 1 to 9999, lists and
  objects a few levels deep) whose object keys are mostly the field names the
  parsers read, so the noise lands where it matters.
* ``mutated(doc)``: a valid answer copied from ``shared/vendor-apis`` whose
  leaves (and sometimes whole sub-trees) are replaced by ``JSON`` (a number
  mostly by another number, a string mostly by another word or timestamp),
  with a key dropped or added and lists shortened or repeated. One time in
  four the whole answer is noise. It shrinks towards the valid answer, so a
  failure reads as "the doc's answer with this one value changed".

Properties:

1. Every parser, and every account call built on them, returns or raises
   ``BadResponseError``: no KeyError, TypeError, AttributeError, ValueError,
   OverflowError or RecursionError (anything else fails the test as is).
2. Every number that reaches the model is finite and inside its plausible
   range, and every moment is timezone-aware and inside 2000..2100. Model
   objects (devices after an account refresh, with their nested state,
   schedules and locations; history points; streams) are walked with
   ``dataclasses.fields`` and ``model.quantity_of``. The pure Netro parsers'
   values are checked directly (moisture 0..100, celsius -50..100, sunlight
   in klux at most 200 klx, times 2000..2100); a parsed OneNata location has
   a latitude and longitude in range and only finite numbers.
3. A OneNata refresh that fails leaves the device exactly as it was (what
   ``OneNataAccount.async_read`` promises).

How the accounts are driven without HTTP: both clients make every request
through ``async_fetch`` (vendors/http.py), imported into the vendor module.
``FakeCloud`` replaces that one function (``mock.patch.object`` on the vendor
module) and answers with a ``RawResponse`` whose body is the generated JSON,
serialised and decoded exactly as a real answer is. Everything from the
envelope check to the model mapping is the product's own code; the fake knows
only the vendors' documented endpoints, not which client method calls which,
what the account reads in which order or which private helpers it uses (a
fake client object would have to mirror all of that, and a parse-then-
``_build`` shortcut would skip the account's own bookkeeping). The body of
each request is drawn when the request is made (``st.data()``), so an account
that starts reading one more endpoint is still fuzzed, not broken. The
envelope itself stays a success (OneNata ``code`` 200, Netro ``status`` OK),
so the only typed error these calls may legitimately raise is
``BadResponseError``.

``OneNataAccount.async_read`` is driven for every kind OneNata
supports, with and without the slow tier, optionally after a refresh with the
doc's valid answers (so property 3 protects real readings);
``apply_status`` plus ``ParseReport.drop_implausible`` (what the account does
after mapping) is also checked on its own. ``NetroAccount.async_refresh``
makes its first refresh (info.json, then the schedules and moistures or the
sensor data the budget lets it read), builds its devices, and sometimes makes
a second refresh six hours later on top of what it knows; ``next_refresh``
is called too, since it works on what was parsed.

The ``@example`` inputs pin the smallest failures found so far, so they are
tried first on every run whatever Hypothesis generates.

The tests are synchronous: each example runs its coroutine on a private event
loop (nothing in these paths waits on I/O), so Hypothesis drives one plain
function per example whichever pytest-asyncio version is installed. The
autouse ``hass`` fixture of tests/conftest.py is function-scoped but not
used here, hence the suppressed ``function_scoped_fixture`` health check.
``derandomize=True`` and no example database make every CI run try the same
examples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
import copy
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, timedelta
import functools
import json
import math
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st
from multidict import CIMultiDict
import pytest

from custom_components.petsmart_hub.model import (
    PLAUSIBLE_RANGES,
    PLAUSIBLE_SPAN,
    Device,
    DeviceKind,
    Location,
    Quantity,
    plausible,
    plausible_moment,
    quantity_of,
)
from custom_components.petsmart_hub.vendors import netro, onenata
from custom_components.petsmart_hub.vendors.base import BadResponseError, RefreshRequest
from custom_components.petsmart_hub.vendors.http import RawResponse
from custom_components.petsmart_hub.vendors.parse import ParseReport


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
        ],
        # no "explain" phase: on a failure it re-runs the minimal example many
        # times to annotate it, which costs more than the whole passing run
        phases=[phase for phase in Phase if phase is not Phase.explain],
    )


# --- arbitrary JSON ------------------------------------------------------------

#: The keys the OneNata parsers and account read (vendors/onenata/).
ONENATA_KEYS = (
    # envelope and device list
    "code", "msg", "data", "devices", "items", "list", "records", "results",
    "deviceId", "id", "device_id", "deviceType", "type", "device_type",
    "serialNumber", "serial", "sn", "deviceModel", "model", "name",
    "deviceName", "nickname", "firmwareVersion", "firmware", "fwVersion",
    # status, all kinds
    "status", "isOnline", "online", "batteryLevel", "battery",
    "lastReportTime", "lastSeen", "alerts", "message",
    "foodLevel", "lastFeedTime", "nextScheduledFeed", "nextFeedTime",
    "scheduledFeeds", "feedCount", "waterLevel", "filterStatus",
    "lastMaintenance", "pumpRunning", "cleaning", "resolution", "nightVision",
    "audioSupport", "storageUsed", "recording", "litterLevel", "wasteLevel",
    "lastCleaned", "odorControl", "playModes", "lastPlaySession", "playing",
    "mode",
    # slow tier
    "currentLevel", "maxCapacity", "percentage", "estimatedDaysRemaining",
    "dailyConsumption", "lowLevelAlert", "refillRecommended", "lastRefill",
    "ph", "pH", "tds", "temperature", "chlorine", "quality", "lastTested",
    "filterLifeRemaining", "recommendations", "period", "totalVisits",
    "averageVisitsPerDay", "averageDuration", "maintenanceNeeded",
    "healthMetrics", "overallHealth", "totalPlayTime",
    "averageSessionDuration", "totalSessions", "caloriesBurned",
    "activityLevel", "favoritePlayMode",
    # location, history, stream
    "latitude", "lat", "longitude", "lng", "lon", "accuracy", "altitude",
    "speed", "heading", "timestamp", "address", "locations", "streamUrl",
    "url", "thumbnailUrl", "expiresAt",
)  # fmt: skip

#: The keys the Netro parsers and client read (vendors/netro/).
NETRO_KEYS = (
    "status", "data", "meta", "errors", "code", "message", "time",
    "token_limit", "token_remaining", "token_reset", "device", "sensor",
    "serial", "sn", "name", "zone_num", "version", "sw_version", "zones",
    "ith", "enabled", "smart", "schedules", "id", "zone", "start_time",
    "end_time", "source", "moistures", "date", "moisture", "sensor_data",
    "celsius", "fahrenheit", "sunlight", "events", "event",
)  # fmt: skip

FIELD_NAMES = tuple(sorted(set(ONENATA_KEYS) | set(NETRO_KEYS)))

#: Numbers just inside and just outside every plausible range.
BOUNDARIES = tuple(
    sorted(
        {
            value
            for low, high in PLAUSIBLE_RANGES.values()
            for edge in (float(low), float(high))
            for value in (
                edge,
                math.nextafter(edge, -math.inf),
                math.nextafter(edge, math.inf),
                edge - 1,
                edge + 1,
            )
        }
    )
)
SPECIAL_FLOATS = (
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    1.7976931348623157e308,
    -0.0,
    5e-324,
    *BOUNDARIES,
)
#: Ints a float cannot hold (JSON has no limit; Python's parser stops at 4300 digits).
HUGE = 10**400  # no float holds it, nor a thousandth of it (an epoch in ms)
HUGE_INTS = (
    2**53 + 1,
    2**63,
    -(2**63) - 1,
    10**308,
    10**309,
    -(10**309),
    HUGE,
    10**4000,
)
#: Epochs around the plausible span, in seconds and milliseconds.
EPOCHS = (
    *(
        value
        for moment in (*PLAUSIBLE_SPAN, datetime(2024, 1, 15, 10, 30, tzinfo=UTC))
        for seconds in (int(moment.timestamp()),)
        for value in (seconds - 1, seconds, seconds * 1000 - 1, seconds * 1000)
    ),
    10**11,
    10**11 + 1,
    -1,
    253402300800,  # year 10000 in seconds (read as milliseconds)
)
SPECIAL_STRINGS = (
    "",
    " ",
    "NaN",
    "nan",
    "-nan",
    "Infinity",
    "-Infinity",
    "inf",
    "1e308",
    "-1e308",
    "1e309",
    "-20",
    "0",
    "-0",
    "1",
    "50%",
    "101%",
    "-1%",
    " 75 ",
    "0x10",
    "1_000",
    "true",
    "False",
    "yes",
    "off",
    "null",
    "9" * 20,
    "9" * 400,
    "-" + "9" * 12,
    *(str(value) for value in EPOCHS),
    "2024-01-15T10:30:00Z",
    "2024-01-15T10:30:00",
    "2024-01-15T10:30:00+14:00",
    "2020-12-30 08:00",
    "2020-09-09",
    "20240115",
    "2020-W01-1",
    "1999-12-31T23:59:59Z",
    "2000-01-01T00:00:00Z",
    "2099-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
    "2099-12-31T23:00:00-12:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",
    "2024-02-30T00:00:00Z",
    "24:00",
    "T10:00",
    "z",
    "feedingMachine",
    "GPS",
    "waterFountain",
    "camera",
    "litter_box",
    "smartToy",
    "ONLINE",
    "WATERING",
    "STANDBY",
    "OFFLINE",
    "VALID",
    "EXECUTING",
    "EXECUTED",
    "SMART",
    "MANUAL",
    "OK",
    "ERROR",
)
#: Strings from a fixed alphabet (no Unicode tables to build and cache).
ALPHABET = "aZ09 .,:+-_%eE\u00e9\u2603\U0001f600\x00\n"
#: Deeper than the strategies nest, shallow enough for json.dumps.
DEEP = functools.reduce(lambda inner, _: [inner], range(200), [])

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE_INTS),
    st.sampled_from(EPOCHS),
    st.floats(),
    st.sampled_from(SPECIAL_FLOATS),
    st.text(alphabet=ALPHABET, max_size=6),
    st.sampled_from(SPECIAL_STRINGS),
    st.just(DEEP),
)
#: What replaces a number, or a string, of a valid answer (besides any JSON).
NUMBERS = st.one_of(
    st.integers(),
    st.floats(),
    st.sampled_from((*SPECIAL_FLOATS, *HUGE_INTS, *EPOCHS)),
    st.sampled_from(BOUNDARIES).map(str),
)
TEXTS = st.sampled_from(SPECIAL_STRINGS)
KEYS = st.one_of(st.sampled_from(FIELD_NAMES), st.text(alphabet=ALPHABET, max_size=4))
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=8,
)
JSON_OBJECTS = st.dictionaries(KEYS, JSON, max_size=5)


def _mostly(kept: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> Any:
    """``kept`` three times in four, else ``other`` (shrinks towards ``kept``)."""
    return st.integers(0, 3).flatmap(lambda pick: other if pick == 3 else kept)


def _edited(
    base: dict[str, Any], dropped: frozenset[str], extra: dict[str, Any]
) -> dict[str, Any]:
    result = {key: value for key, value in base.items() if key not in dropped}
    result.update(extra)
    return result


def mutated(doc: Any, *, root_object: bool = False) -> st.SearchStrategy[Any]:
    """A valid answer with leaves replaced by random JSON, keys dropped or added.

    With ``root_object`` the result is always an object (for parsers whose
    callers only ever hand them one).
    """
    if isinstance(doc, dict):
        keys = sorted(doc)
        kept = st.builds(
            _edited,
            st.fixed_dictionaries({key: mutated(value) for key, value in doc.items()}),
            st.frozensets(st.sampled_from(keys), max_size=1)
            if keys
            else st.just(frozenset()),
            st.dictionaries(KEYS, JSON, max_size=1),
        )
    elif isinstance(doc, list):
        kept = (
            st.lists(st.one_of([mutated(item) for item in doc]), min_size=1, max_size=3)
            if doc
            else st.lists(JSON, max_size=3)
        )
    else:
        kept = st.just(doc)
    if root_object:
        return _mostly(kept, JSON_OBJECTS)
    if isinstance(doc, int | float) and not isinstance(doc, bool):
        return _mostly(kept, st.one_of(JSON, NUMBERS))  # mostly other numbers
    if isinstance(doc, str):
        return _mostly(kept, st.one_of(JSON, TEXTS))  # other words and moments
    return _mostly(kept, JSON)


def _objects(doc: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects for a parser: the doc's answer mutated, or (one in four) noise."""
    return mutated(doc, root_object=True)


# --- the vendors' documented answers (shared/vendor-apis) ------------------------

ONENATA_STATUS = {
    "deviceId": "device_001",
    "isOnline": True,
    "batteryLevel": 75,
    "lastReportTime": "2024-01-15T10:30:00Z",
    "status": {"temperature": 25.5, "humidity": 60, "feedCount": 3, "waterLevel": 80},
    "alerts": [],
}
#: The validate answers, which carry a kind's readings at the top level.
ONENATA_VALIDATED = {
    DeviceKind.FEEDER: {
        "deviceId": "feeding_machine_001",
        "status": "active",
        "foodLevel": 75,
        "batteryLevel": 90,
        "lastFeedTime": "2024-01-15T08:00:00Z",
        "scheduledFeeds": 3,
    },
    DeviceKind.TRACKER: {
        "deviceId": "gps_tracker_001",
        "status": "active",
        "batteryLevel": 85,
        "lastSeen": "2024-01-15T10:30:00Z",
    },
    DeviceKind.FOUNTAIN: {
        "deviceId": "water_fountain_001",
        "status": "active",
        "waterLevel": 75,
        "filterStatus": "good",
        "lastMaintenance": "2024-01-10T08:00:00Z",
    },
    DeviceKind.CAMERA: {
        "deviceId": "camera_001",
        "status": "active",
        "resolution": "1080p",
        "nightVision": True,
        "audioSupport": True,
        "storageUsed": "2.5GB",
    },
    DeviceKind.LITTER_BOX: {
        "deviceId": "litterbox_001",
        "status": "active",
        "litterLevel": 85,
        "wasteLevel": 15,
        "lastCleaned": "2024-01-15T08:00:00Z",
        "odorControl": "active",
    },
    DeviceKind.TOY: {
        "deviceId": "smart_toy_001",
        "status": "active",
        "batteryLevel": 90,
        "playModes": ["interactive", "automatic", "training"],
        "aiEnabled": True,
        "lastPlaySession": "2024-01-14T16:30:00Z",
    },
}
ONENATA_LOCATION = {
    "latitude": 40.7128,
    "longitude": -74.0060,
    "accuracy": 5.2,
    "altitude": 10.5,
    "speed": 0,
    "heading": 0,
    "timestamp": "2024-01-15T10:30:00Z",
    "address": "New York, NY, USA",
    "batteryLevel": 85,
}
ONENATA_HISTORY = {
    "locations": [
        {
            "latitude": 40.7128,
            "longitude": -74.0060,
            "timestamp": "2024-01-15T10:30:00Z",
            "accuracy": 5.2,
        }
    ],
    "totalCount": 150,
    "hasMore": True,
}
ONENATA_STREAM = {
    "streamUrl": "https://stream.onenata.com/live/camera_001/playlist.m3u8",
    "thumbnailUrl": "https://cdn.onenata.com/thumbnails/camera_001.jpg",
    "quality": "1080p",
    "fps": 30,
    "audioEnabled": True,
    "expiresAt": "2024-01-15T12:30:00Z",
}
#: The data of every other documented GET, by the end of its path.
ONENATA_ANSWERS: dict[str, Any] = {
    "/location": ONENATA_LOCATION,
    "/location/history": ONENATA_HISTORY,
    "/stream": ONENATA_STREAM,
    "/food-level": {
        "currentLevel": 1200,
        "maxCapacity": 2000,
        "percentage": 60,
        "estimatedDaysRemaining": 7,
        "dailyConsumption": 160,
        "lowLevelAlert": False,
        "refillRecommended": False,
        "lastRefill": "2024-01-10T10:00:00Z",
    },
    "/water-quality": {
        "ph": 7.2,
        "tds": 150,
        "temperature": 22.5,
        "chlorine": 0.1,
        "quality": "excellent",
        "lastTested": "2024-01-15T10:30:00Z",
        "filterLifeRemaining": 85,
        "recommendations": [],
    },
    "/usage-stats": {
        "period": "7d",
        "totalVisits": 42,
        "averageVisitsPerDay": 6,
        "averageDuration": 180,
        "litterLevel": 85,
        "wasteLevel": 15,
        "healthMetrics": {
            "frequencyNormal": True,
            "durationNormal": True,
            "alerts": [],
        },
        "maintenanceNeeded": False,
    },
    "/health-insights": {
        "period": "30d",
        "overallHealth": "good",
        "patterns": {"frequencyTrend": "stable", "durationTrend": "normal"},
        "alerts": [],
        "recommendations": [
            "Maintain current feeding schedule",
            "Consider increasing water intake",
        ],
        "vetConsultation": False,
    },
    "/activity": {
        "period": "7d",
        "totalPlayTime": 420,
        "averageSessionDuration": 15,
        "totalSessions": 28,
        "caloriesBurned": 350,
        "activityLevel": "high",
        "favoritePlayMode": "interactive",
        "peakActivityHours": ["08:00", "18:00"],
        "recommendations": ["Increase play duration", "Try training mode"],
    },
}
#: The doc never shows GET /devices; its entries as the validate calls describe them.
ONENATA_DEVICES = [
    {
        "deviceId": "feeding_machine_001",
        "deviceType": "feedingMachine",
        "deviceModel": "piFI",
        "serialNumber": "ON-SF-001",
        "name": "Kitchen feeder",
        "firmwareVersion": "1.2.0",
    },
    {
        "deviceId": "gps_tracker_001",
        "deviceType": "gpsTracker",
        "deviceModel": "GPS-Pro",
        "serialNumber": "ON-GPS-001",
    },
]
ONENATA_KINDS = tuple(onenata.DEVICE_TYPES)
#: Request paths end in one of these; longer first ("/location/history").
ONENATA_ROUTES = tuple(
    sorted({"/devices", "/status", *ONENATA_ANSWERS}, key=len, reverse=True)
)

NETRO_META = {
    "time": "2020-12-24T11:41:34",
    "tid": "1608810094_AisU",
    "version": "1.0",
    "token_limit": 2000,
    "token_remaining": 1980,
    "last_active": "2020-12-24T11:41:34",
    "token_reset": "2020-12-25T00:00:00",
}
NETRO_CONTROLLER = {
    "device": {
        "name": "Netro Device",
        "zone_num": 12,
        "serial": "ABCDEFG",
        "version": "2.2",
        "status": "ONLINE",
        "sw_version": "2.2.0",
        "zones": [
            {"name": "frontyard", "ith": 1, "enabled": True, "smart": "SMART"},
            # the doc elides the other zones; zone 4 is the one its schedule waters
            {"name": "backyard", "ith": 4, "enabled": True, "smart": "ASSISTANT"},
        ],
    }
}
#: The doc shows no sensor's info.json; parse_info reads a ``sensor`` object.
NETRO_SENSOR = {
    "sensor": {
        "name": "Whisperer",
        "serial": "SENS0001",
        "status": "ONLINE",
        "version": "1.0",
        "sw_version": "1.0.3",
    }
}
NETRO_ANSWERS: dict[str, Any] = {
    "schedules": {
        "schedules": [
            {
                "id": 63828923,
                "zone": 4,
                "start_time": "2020-12-30T13:00:00",
                "end_time": "2020-12-30T13:01:00",
                "local_date": "2020-12-30",
                "local_start_time": "05:00:00",
                "local_end_time": "05:01:00",
                "source": "SMART",
                "status": "VALID",
            }
        ]
    },
    "moistures": {
        "moistures": [{"id": 9255769, "zone": 1, "date": "2020-09-09", "moisture": 69}]
    },
    "events": {
        "events": [
            {
                "event": 3,
                "id": 638289413,
                "time": "2021-01-09T03:00:00",
                "message": "Start to water zone 4 at 19:00:00 on 2021-01-08",
            }
        ]
    },
    "sensor_data": {
        "sensor_data": [
            {
                "id": 4933685,
                "time": "2020-07-04T23:07:17",
                "local_date": "2020-07-04",
                "local_time": "16:07:17",
                "moisture": 78,
                "sunlight": 120.312,
                "celsius": 34.0,
                "fahrenheit": 93.2,
            }
        ]
    },
}
#: Moments the Netro account refreshes at: inside the doc's schedule, just
#: after its sensor reading, and years after both.
NETRO_NOWS = (
    datetime(2020, 12, 30, 13, 0, 30, tzinfo=UTC),
    datetime(2020, 7, 5, 0, 0, tzinfo=UTC),
    datetime(2025, 6, 2, 14, 0, tzinfo=UTC),
)


@functools.cache
def onenata_data(
    route: str, kind: DeviceKind | None = None, *, root_object: bool = False
) -> st.SearchStrategy[Any]:
    """The ``data`` of a OneNata answer on ``route``, from its doc example."""
    if route == "/status":
        docs = [ONENATA_STATUS, *ONENATA_VALIDATED.values()]
        if kind is not None:
            docs = [ONENATA_STATUS, ONENATA_VALIDATED[kind]]
        return st.one_of([mutated(doc, root_object=root_object) for doc in docs])
    if route == "/devices":
        return st.one_of(
            mutated(ONENATA_DEVICES), mutated({"devices": ONENATA_DEVICES})
        )
    if route in ONENATA_ANSWERS:
        return mutated(ONENATA_ANSWERS[route])
    return JSON


def onenata_body(data: Any) -> dict[str, Any]:
    """The OneNata envelope of a successful answer."""
    return {"code": 200, "msg": "Success", "data": data}


@functools.cache
def onenata_answer(
    route: str, kind: DeviceKind | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """A successful OneNata answer on ``route`` (its data fuzzed)."""
    return onenata_data(route, kind).map(onenata_body)


NETRO_INFO = st.one_of(mutated(NETRO_CONTROLLER), mutated(NETRO_SENSOR))


@functools.cache
def netro_data(route: str) -> st.SearchStrategy[Any]:
    """The ``data`` of a Netro answer on ``route``, from its doc example."""
    if route == "info":
        return NETRO_INFO
    if route in NETRO_ANSWERS:
        return mutated(NETRO_ANSWERS[route])
    return JSON


@functools.cache
def netro_body(route: str) -> st.SearchStrategy[dict[str, Any]]:
    """A Netro answer whose status says OK (data and meta are fuzzed)."""
    return st.fixed_dictionaries(
        {
            "status": st.just("OK"),
            "data": netro_data(route),
            "meta": mutated(NETRO_META),
        }
    )


# --- driving the accounts without a network ----------------------------------------

#: The clients never touch their session: FakeCloud stands in for async_fetch.
NO_SESSION: Any = None


class FakeCloud:
    """Answers each request through ``async_fetch`` with a JSON body.

    ``route`` names the documented endpoint of a URL; ``answer`` gives the body
    (any JSON value) for it, drawn when the request is made. The body is
    serialised and handed over as bytes, as a real answer is.
    """

    def __init__(
        self, route: Callable[[str], str], answer: Callable[[str], Any]
    ) -> None:
        self._route = route
        self._answer = answer

    async def fetch(
        self, session: Any, method: str, url: str, **kwargs: Any
    ) -> RawResponse:
        body = json.dumps(self._answer(self._route(url))).encode()
        return RawResponse(200, CIMultiDict(), body)


def onenata_route(url: str) -> str:
    return next((route for route in ONENATA_ROUTES if url.endswith(route)), url)


def netro_route(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".json")


@contextmanager
def onenata_cloud(answer: Callable[[str], Any]) -> Iterator[onenata.OneNataAccount]:
    """A OneNata account whose every request ``answer`` answers."""
    cloud = FakeCloud(onenata_route, answer)
    client = onenata.OneNataClient(NO_SESSION, "test-key")
    with mock.patch.object(onenata.client, "async_fetch", cloud.fetch):
        yield onenata.OneNataAccount(client)


@contextmanager
def netro_cloud(
    answer: Callable[[str], Any], clock: Callable[[], datetime]
) -> Iterator[netro.NetroAccount]:
    """A Netro account on ``clock`` whose every request ``answer`` answers."""
    cloud = FakeCloud(netro_route, answer)
    client = netro.NetroClient(NO_SESSION, "ABCDEFG")
    with mock.patch.object(netro.client, "async_fetch", cloud.fetch):
        yield netro.NetroAccount(client, now=clock)


def drawn(
    data: st.DataObject, strategy: Callable[[str], st.SearchStrategy[Any]]
) -> Callable[[str], Any]:
    """An ``answer`` that draws each body from ``strategy(route)``."""
    return lambda route: data.draw(strategy(route), label=route)


def run[T](coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a private loop (the tests themselves are sync)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def onenata_device(kind: DeviceKind) -> Device:
    return Device(
        id="device_001",
        kind=kind,
        name="Pet device",
        manufacturer=onenata.MANUFACTURER,
    )


# --- what the model may hold -----------------------------------------------------


def violations(value: Any, where: str, quantity: Quantity | None = None) -> list[str]:
    """Every value of a model object (walked recursively) that is not a reading."""
    if value is None:
        return []
    if quantity is not None:
        return (
            [] if plausible(value, quantity) else [f"{where} = {value!r} ({quantity})"]
        )
    if isinstance(value, bool | str | int):
        return []
    if isinstance(value, float):
        return [] if math.isfinite(value) else [f"{where} = {value!r} (not finite)"]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return [f"{where} = {value!r} (naive)"]
        return [] if plausible_moment(value) else [f"{where} = {value!r} (moment)"]
    if isinstance(value, list | tuple):
        return [
            problem
            for index, item in enumerate(value)
            for problem in violations(item, f"{where}[{index}]")
        ]
    if is_dataclass(value) and not isinstance(value, type):
        return [
            problem
            for spec in fields(value)
            for problem in violations(
                getattr(value, spec.name), f"{where}.{spec.name}", quantity_of(spec)
            )
        ]
    return []


def assert_model_plausible(value: Any, where: str) -> None:
    problems = violations(value, where)
    assert not problems, problems


# --- OneNata -------------------------------------------------------------------


@_settings(80)
@given(body=st.one_of(JSON, onenata_data("/devices"), onenata_answer("/devices")))
def test_onenata_device_list(body: Any) -> None:
    try:
        listing = onenata.parse_device_list(body, ParseReport())
    except BadResponseError:
        return
    assert listing.unreadable >= 0
    for entry in listing.entries:
        assert isinstance(entry.device_id, str)
        assert entry.device_id
        assert entry.kind is None or entry.kind in DeviceKind


@_settings(60)
@given(data=st.data())
def test_onenata_inventory(data: st.DataObject) -> None:
    with onenata_cloud(drawn(data, onenata_answer)) as account:
        try:
            inventory = run(account.async_list())
        except BadResponseError:
            return
    for device in inventory:
        assert device.kind in ONENATA_KINDS
        assert device.id
        assert_model_plausible(device, device.id)


@pytest.mark.parametrize("kind", ONENATA_KINDS)
@_settings(100)
@given(data=onenata_data("/status", root_object=True))
# an int no float can hold, where each converter reads one
@example(data={"batteryLevel": HUGE})
@example(data={"isOnline": HUGE})
@example(data={"lastReportTime": HUGE})
def test_onenata_apply_status(kind: DeviceKind, data: dict[str, Any]) -> None:
    device = onenata_device(kind)
    report = ParseReport()
    try:
        onenata.apply_status(device, data, report)
    except BadResponseError:
        return
    report.drop_implausible(device)  # what the account does after mapping
    assert_model_plausible(device, kind)


@pytest.mark.parametrize("kind", ONENATA_KINDS)
@_settings(50)
@given(data=st.data(), primed=st.booleans(), slow=st.booleans())
def test_onenata_refresh(
    kind: DeviceKind, data: st.DataObject, primed: bool, slow: bool
) -> None:
    device = onenata_device(kind)
    if primed:  # real readings first: a failed refresh must leave them standing
        valid = {"/status": ONENATA_VALIDATED[kind], **ONENATA_ANSWERS}
        with onenata_cloud(lambda route: onenata_body(valid[route])) as account:
            device = run(account.async_read(device, slow=True))
        assert_model_plausible(device, kind)
    before = copy.deepcopy(device)
    answer = drawn(data, lambda route: onenata_answer(route, kind))
    with onenata_cloud(answer) as account:
        try:
            fresh = run(account.async_read(device, slow=slow))
        except BadResponseError:
            assert device == before
            return
    assert device == before  # the account built a new object
    assert_model_plausible(fresh, kind)


@_settings(100)
@given(data=_objects(ONENATA_LOCATION))
@example(data={"latitude": 40.7128, "longitude": -74.006, "accuracy": HUGE})
def test_onenata_location(data: dict[str, Any]) -> None:
    try:
        location = onenata.parse_location(data)
    except BadResponseError:
        return
    assert plausible(location.latitude, Quantity.LATITUDE)
    assert plausible(location.longitude, Quantity.LONGITUDE)
    for spec in fields(location):
        value = getattr(location, spec.name)
        assert not isinstance(value, float) or math.isfinite(value), spec.name


@_settings(150)
@given(body=onenata_answer("/location/history"))
@example(
    body=onenata_body(
        {
            "locations": [
                {
                    "latitude": 40.7128,
                    "longitude": -74.006,
                    "timestamp": "0001-01-01T00:00:00Z",
                    "accuracy": -1,
                }
            ]
        }
    )
)
def test_onenata_location_history(body: dict[str, Any]) -> None:
    start = datetime(2024, 1, 14, tzinfo=UTC)
    end = datetime(2024, 1, 16, tzinfo=UTC)
    with onenata_cloud(lambda route: body) as account:
        try:
            history = run(
                account.async_get_location_history(
                    onenata_device(DeviceKind.TRACKER), start, end, 100
                )
            )
        except BadResponseError:
            return
    assert all(isinstance(point, Location) for point in history)
    assert_model_plausible(history, "history")


@_settings(100)
@given(data=_objects(ONENATA_STREAM))
@example(data={"streamUrl": ONENATA_STREAM["streamUrl"], "expiresAt": "0001-01-01"})
def test_onenata_stream(data: dict[str, Any]) -> None:
    try:
        stream = onenata.parse_stream(data)
    except BadResponseError:
        return
    assert isinstance(stream.stream_url, str)
    assert stream.stream_url
    assert_model_plausible(stream, "stream")


# --- Netro -----------------------------------------------------------------------


def check_meta(meta: netro.NetroMeta | None) -> None:
    if meta is None:
        return
    for value in (meta.token_limit, meta.token_remaining):
        assert value is None or (isinstance(value, int) and not isinstance(value, bool))
    for moment in (meta.token_reset, meta.time):
        assert moment is None or moment.tzinfo is not None


def check_info(info: netro.NetroInfo) -> None:
    assert isinstance(info.serial, str)
    assert info.serial
    assert info.name is None or (isinstance(info.name, str) and info.name)
    assert info.unreadable_zones >= 0
    ith = [zone.ith for zone in info.zones]
    assert ith == sorted(ith)
    for zone in info.zones:
        assert isinstance(zone.ith, int)
        assert zone.ith >= 1
        assert zone.name is None or (isinstance(zone.name, str) and zone.name)


def check_schedules(schedules: list[netro.NetroSchedule]) -> None:
    for schedule in schedules:
        assert isinstance(schedule.zone, int)
        assert isinstance(schedule.id, str)
        assert plausible_moment(schedule.start), schedule
        assert plausible_moment(schedule.end), schedule
        assert schedule.start.tzinfo is not None
        assert schedule.start <= schedule.end
    assert schedules == sorted(schedules, key=lambda s: (s.start, s.zone))


def check_moistures(moistures: list[netro.NetroMoisture]) -> None:
    for entry in moistures:
        assert isinstance(entry.zone, int)
        assert isinstance(entry.date, date)
        assert plausible(entry.moisture, Quantity.PERCENT), entry


def check_sensor_data(readings: list[netro.NetroSensorReading]) -> None:
    for reading in readings:
        assert plausible_moment(reading.time), reading
        assert reading.time.tzinfo is not None
        assert reading.moisture is None or plausible(
            reading.moisture, Quantity.PERCENT
        ), reading
        assert reading.celsius is None or plausible(
            reading.celsius, Quantity.TEMPERATURE
        ), reading
        assert reading.sunlight_klux is None or plausible(
            reading.sunlight_klux * 1000, Quantity.ILLUMINANCE
        ), reading


def check_events(events: list[netro.NetroEvent]) -> None:
    for event in events:
        assert isinstance(event.event, int)
        assert plausible_moment(event.time), event
        assert event.time.tzinfo is not None


#: Per parser: how to call it, what to feed it, what its result must satisfy.
NETRO_PARSERS: dict[
    str,
    tuple[
        Callable[[Any, ParseReport], Any],
        st.SearchStrategy[dict[str, Any]],
        Callable[[Any], None],
    ],
] = {
    "meta": (
        lambda body, report: netro.parse_meta(body),
        _objects({"status": "OK", "data": {}, "meta": NETRO_META}),
        check_meta,
    ),
    "info_controller": (netro.parse_info, _objects(NETRO_CONTROLLER), check_info),
    "info_sensor": (netro.parse_info, _objects(NETRO_SENSOR), check_info),
    **{
        name: (parse, _objects(NETRO_ANSWERS[name]), check)
        for name, parse, check in (
            ("schedules", netro.parse_schedules, check_schedules),
            ("moistures", netro.parse_moistures, check_moistures),
            ("sensor_data", netro.parse_sensor_data, check_sensor_data),
            ("events", netro.parse_events, check_events),
        )
    },
}


@pytest.mark.parametrize("name", NETRO_PARSERS)
@_settings(80)
@given(data=st.data())
def test_netro_parser(name: str, data: st.DataObject) -> None:
    parse, answers, check = NETRO_PARSERS[name]
    body = data.draw(answers, label=name)
    try:
        result = parse(body, ParseReport())
    except BadResponseError:
        return
    check(result)


def netro_refresh(account: netro.NetroAccount, now: datetime) -> bool:
    """One coordinator refresh; False when it failed with BadResponseError."""
    try:
        refresh = run(account.async_refresh(RefreshRequest()))
    except BadResponseError:
        return False
    account.next_refresh(now)
    inventory = refresh.listing
    assert inventory
    assert refresh.devices == {device.id: device for device in inventory}
    for device in inventory:
        assert device.kind in NETRO_KINDS
        assert_model_plausible(device, device.id)
    return True


NETRO_KINDS = frozenset(
    {DeviceKind.SPRINKLER_CONTROLLER, DeviceKind.SPRINKLER_ZONE, DeviceKind.SOIL_SENSOR}
)
#: Long enough for every read call to be due again.
NETRO_LATER = timedelta(hours=6, minutes=1)


@_settings(100)
@given(data=st.data(), start=st.sampled_from(NETRO_NOWS), again=st.booleans())
def test_netro_account(data: st.DataObject, start: datetime, again: bool) -> None:
    now = [start]
    with netro_cloud(drawn(data, netro_body), lambda: now[0]) as account:
        if netro_refresh(account, start) and again:
            # the next refresh reads every call again, on top of what it knows
            now[0] = start + NETRO_LATER
            netro_refresh(account, now[0])
