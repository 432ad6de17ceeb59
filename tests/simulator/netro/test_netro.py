"""Tests of the Netro simulator: the NPA doc's API, the token budget and the world."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
import re
import time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientOSError, ClientSession, ServerDisconnectedError
import pytest

from simulator import NetroSimulator
from simulator.__main__ import parse_args
from simulator.core import HUGE_BODY_SIZE, KEEP_ID, FaultKind, start_server
from simulator.netro import BASE_PATH, ENDPOINTS, NetroError
from simulator.netro.api import Ctx
from simulator.netro.devices import (
    CHECK_IN_INTERVAL,
    RAIN_SKIP_MM,
    Ids,
    SimController,
    add_months,
    new_controller,
)

from .. import Reply, served

T0 = datetime(2024, 6, 15, 11, 0, tzinfo=UTC)  # 04:00 in Los Angeles (PDT)
LA = ZoneInfo("America/Los_Angeles")
TODAY = date(2024, 6, 15)  # local
CTRL = "CTRL00000001"
CTRL2 = "CTRL00000002"
SENS = "SENS00000001"
KEEP = object()  # "use the helper's own key"

TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
META_KEYS = {
    "time", "tid", "version", "token_limit", "token_remaining", "token_reset", "last_active",
}  # fmt: skip
SCHEDULE_KEYS = {
    "id", "zone", "start_time", "end_time", "local_date", "local_start_time",
    "local_end_time", "source", "status",
}  # fmt: skip
SENSOR_DATA_KEYS = {
    "id", "time", "local_date", "local_time", "moisture", "sunlight", "celsius", "fahrenheit",
    "battery_level",
}  # fmt: skip
DOC_APIS = {
    "info", "schedules", "moisture", "moistures", "events", "set_status", "water",
    "stop_water", "no_water", "report_weather", "set_moisture", "sensor_data",
}  # fmt: skip
POST_APIS = {
    "set_status", "water", "stop_water", "no_water", "report_weather", "set_moisture",
}  # fmt: skip
CONTROLLER_APIS = sorted(DOC_APIS - {"info", "sensor_data"})
# One valid call of every API, with the doc's example parameters where it has them.
VALID_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "info": (CTRL, {}),
    "schedules": (CTRL, {"start_date": "2024-06-15", "end_date": "2024-07-15", "zones": "[1,2]"}),
    "moistures": (CTRL, {"start_date": "2024-06-01", "end_date": "2024-06-30", "zones": "[1,2]"}),
    "moisture": (CTRL, {}),
    "events": (CTRL, {"event": "3"}),
    "set_status": (CTRL, {"status": 0}),
    "water": (CTRL, {"zones": [1], "duration": 1, "delay": 5, "start_time": "2024-06-16 08:00"}),
    "stop_water": (CTRL, {}),
    "no_water": (CTRL, {"days": 2}),
    "report_weather": (
        CTRL,
        {"date": "2024-06-16", "rain": 0.1, "condition": 1, "rain_prob": 50, "temp": 20.0},
    ),
    "set_moisture": (CTRL, {"moisture": 100}),
    "sensor_data": (SENS, {"start_date": "2024-06-01", "end_date": "2024-06-30"}),
}  # fmt: skip
DATA_KEY = {
    "info": "device", "schedules": "schedules", "moistures": "moistures",
    "moisture": "moistures", "events": "events", "water": "schedules",
    "sensor_data": "sensor_data",
}  # fmt: skip

# Bad parameters: every one is code 6 (parameter error).
PARAMETER_ERRORS: list[tuple[str, dict[str, Any]]] = [
    ("water", {}),
    ("water", {"duration": 0}),
    ("water", {"duration": -5}),
    ("water", {"duration": "long"}),
    ("water", {"duration": True}),
    ("water", {"duration": 2000}),
    ("water", {"duration": 1, "delay": -1}),
    ("water", {"duration": 1, "delay": "soon"}),
    ("water", {"duration": 1, "start_time": "2024-06-15 10:00"}),  # in the past
    ("water", {"duration": 1, "start_time": "tomorrow"}),
    ("water", {"duration": 1, "start_time": 1718449200}),
    ("water", {"duration": 1, "zones": [7]}),  # no such zone
    ("water", {"duration": 1, "zones": [6]}),  # disabled
    ("water", {"duration": 1, "zones": "[1,x]"}),
    ("water", {"duration": 1, "zones": {"1": True}}),
    ("water", {"duration": 1, "start_time": "9999-12-31 23:59"}),  # no room to run
    ("no_water", {"days": 0}),
    ("no_water", {"days": 101}),
    ("no_water", {"days": "two"}),
    ("no_water", {"days": 1.5}),
    ("no_water", {"days": True}),
    ("set_status", {}),
    ("set_status", {"status": 2}),
    ("set_status", {"status": -1}),
    ("set_moisture", {}),
    ("set_moisture", {"moisture": 101}),
    ("set_moisture", {"moisture": -1}),
    ("set_moisture", {"moisture": "wet"}),
    ("set_moisture", {"moisture": 50, "zones": [0]}),
    ("report_weather", {}),
    ("report_weather", {"date": "2024-06-13"}),  # earlier than yesterday
    ("report_weather", {"date": "15/06/2024"}),
    ("report_weather", {"date": "2024-02-30"}),
    ("report_weather", {"date": "2024-06-15", "condition": 5}),
    ("report_weather", {"date": "2024-06-15", "condition": -1}),
    ("report_weather", {"date": "2024-06-15", "rain_prob": 101}),
    ("report_weather", {"date": "2024-06-15", "rain_prob": -1}),
    ("report_weather", {"date": "2024-06-15", "humidity": 100.5}),
    ("report_weather", {"date": "2024-06-15", "humidity": -1}),
    ("report_weather", {"date": "2024-06-15", "rain": -0.1}),
    ("report_weather", {"date": "2024-06-15", "temp": "warm"}),
    ("report_weather", {"date": "2024-06-15", "temp": "nan"}),
    ("schedules", {"zones": "[7]"}),
    ("schedules", {"zones": "0"}),
    ("schedules", {"start_date": "2024-13-01"}),
    ("schedules", {"start_date": "2024-06-20", "end_date": "2024-06-10"}),
    ("moistures", {"zones": "one"}),
    ("moisture", {"end_date": "June"}),
    ("events", {"event": "5"}),
    ("events", {"event": "0"}),
    ("events", {"event": "offline"}),
    ("sensor_data", {"start_date": "yesterday"}),
]


def parse(stamp: str) -> datetime:
    """Parse a doc time (UTC, no suffix)."""
    assert TIME_RE.fullmatch(stamp), stamp
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


def local_at(day: date, hour: int, minute: int = 0) -> datetime:
    """Local time in Los Angeles as an aware UTC time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA).astimezone(
        UTC
    )


@dataclass
class Npa:
    """Talks to a running Netro simulator the way a client would."""

    session: ClientSession
    url: str  # server root
    key: str = CTRL

    async def call(
        self,
        method: str,
        name: str,
        *,
        key: Any = KEEP,
        params: dict[str, str] | Sequence[tuple[str, str]] | None = None,
        body: dict[str, Any] | None = None,
        raw_body: str | None = None,
    ) -> Reply:
        """Send a request to /npa/v1/<name>.json."""
        key = self.key if key is KEEP else key
        query = list(params.items() if isinstance(params, dict) else params or [])
        json_body: dict[str, Any] | None = None
        if method == "GET" or raw_body is not None:
            if key is not None:
                query.append(("key", key))
        else:
            json_body = dict(body or {})
            if key is not None:
                json_body.setdefault("key", key)
        async with self.session.request(
            method,
            f"{self.url}{BASE_PATH}/{name}.json",
            params=query,
            json=json_body,
            data=raw_body,
            headers={"Content-Type": "application/json"} if raw_body else None,
        ) as response:
            return Reply(
                response.status,
                response.content_type,
                dict(response.headers),
                await response.read(),
            )

    async def get(self, name: str, *, key: Any = KEEP, **params: str) -> Reply:
        """GET an API with query parameters."""
        return await self.call("GET", name, key=key, params=params)

    async def post(self, name: str, *, key: Any = KEEP, **body: Any) -> Reply:
        """POST an API with a JSON body."""
        return await self.call("POST", name, key=key, body=body)

    async def doc_call(self, name: str, **overrides: Any) -> Reply:
        """Call an API the valid way VALID_CALLS gives."""
        key, params = VALID_CALLS[name]
        params = {**params, **overrides}
        if name in POST_APIS:
            return await self.post(name, key=key, **params)
        return await self.get(name, key=key, **{k: str(v) for k, v in params.items()})


def ok(reply: Reply) -> Any:
    """The data of an OK answer."""
    body = reply.body
    assert reply.status == 200, body
    assert body["status"] == "OK", body
    assert set(body) == {"status", "data", "meta"}
    return body["data"]


def error(reply: Reply) -> tuple[int, int, str]:
    """The HTTP status, code and message of an ERROR answer."""
    body = reply.body
    assert body["status"] == "ERROR", body
    assert set(body) == {"status", "errors", "meta"}
    [err] = body["errors"]
    assert set(err) == {"code", "message"}
    return reply.status, err["code"], err["message"]


@pytest.fixture
def options() -> dict[str, Any]:
    """Keyword arguments of the simulator under test."""
    return {}


@pytest.fixture
def netro(options: dict[str, Any]) -> NetroSimulator:
    """A Netro simulator whose clock reads T0."""
    sim = NetroSimulator(**options)
    sim.clock.set(T0)
    return sim


@pytest.fixture
async def npa(netro: NetroSimulator) -> AsyncGenerator[Npa]:
    """Serve `netro` on a free port and talk to it."""
    running = await start_server(netro)
    async with ClientSession() as session:
        yield Npa(session, running.url)
    await running.close()


async def schedules(npa: Npa, key: str = CTRL, **params: str) -> list[dict[str, Any]]:
    """The schedules.json list."""
    found: list[dict[str, Any]] = ok(await npa.get("schedules", key=key, **params))[
        "schedules"
    ]
    return found


async def today_schedules(npa: Npa) -> list[dict[str, Any]]:
    """Today's schedules (local date)."""
    day = TODAY.isoformat()
    return await schedules(npa, start_date=day, end_date=day)


# --- the fleet ---------------------------------------------------------------------


def test_stable_serials_names_and_zones() -> None:
    sim = NetroSimulator(controllers=2, zones=4, sensors=3)
    assert list(sim.controllers) == [CTRL, CTRL2]
    assert list(sim.sensors) == ["SENS00000001", "SENS00000002", "SENS00000003"]
    assert sim.keys == [CTRL, CTRL2, "SENS00000001", "SENS00000002", "SENS00000003"]
    first, second = sim.controllers.values()
    assert (first.name, second.name) == ("Front Yard Sprite", "Back Yard Spark")
    assert [zone.enabled for zone in first.zones.values()] == [True, True, True, False]
    assert [zone.smart for zone in first.zones.values()] == [
        "SMART", "SMART", "ASSISTANT", "TIMER",
    ]  # fmt: skip
    assert sim.sensors["SENS00000002"].name == "Whisperer 2"
    assert NetroSimulator().daily_limit == 2000


def test_many_controllers_and_zones_get_names() -> None:
    sim = NetroSimulator(controllers=5, zones=14)
    assert sim.controllers["CTRL00000005"].name == "Front Yard Sprite 2"
    assert sim.controllers[CTRL].zones[14].name == "Zone 14"
    assert NetroSimulator(zones=1).controllers[CTRL].zones[1].enabled


@pytest.mark.parametrize(
    "kwargs",
    [
        {"error_http_status": "sometimes"},
        {"sensor_info_shape": "whisperer"},
        {"zones": 0},
        {"zones": 100},
        {"controllers": -1},
        {"daily_limit": -1},
    ],
)
def test_bad_options_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        NetroSimulator(**kwargs)


def test_every_doc_api_is_served() -> None:
    assert {endpoint.name for endpoint in ENDPOINTS} == DOC_APIS
    assert {e.name for e in ENDPOINTS if e.method == "POST"} == POST_APIS
    assert set(VALID_CALLS) == DOC_APIS


# --- envelope and shapes -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DOC_APIS))
async def test_every_api_answers_the_doc_envelope(
    npa: Npa, netro: NetroSimulator, name: str
) -> None:
    reply = await npa.doc_call(name)
    data = ok(reply)
    assert reply.content_type == "application/json"
    if name in DATA_KEY:
        assert list(data) == [DATA_KEY[name]]
    else:
        assert data == {}
    meta = reply.body["meta"]
    assert set(meta) == META_KEYS
    assert meta["version"] == "1.0"
    assert meta["token_limit"] == 2000
    assert meta["token_remaining"] == 1999
    assert meta["token_reset"] == "2024-06-16T00:00:00"
    assert abs(parse(meta["time"]) - T0) < timedelta(seconds=5)
    assert meta["last_active"] == meta["time"]
    assert re.fullmatch(r"\d{10}_[A-Za-z]{4}", meta["tid"])
    assert netro.count(route=f"{BASE_PATH}/{name}.json") == 1


async def test_transaction_ids_are_unique(npa: Npa) -> None:
    tids = {(await npa.get("info")).body["meta"]["tid"] for _ in range(20)}
    assert len(tids) == 20


async def test_controller_info_is_the_doc_device(npa: Npa) -> None:
    device = ok(await npa.get("info"))["device"]
    assert list(device) == [
        "name", "zone_num", "serial", "version", "status", "sw_version", "last_active",
        "zones",
    ]  # fmt: skip
    assert device["serial"] == CTRL
    assert device["name"] == "Front Yard Sprite"
    assert (device["version"], device["sw_version"]) == ("2.2", "2.2.0")
    assert device["status"] == "ONLINE"
    assert device["zone_num"] == 6 == len(device["zones"])
    assert device["zones"][0] == {
        "name": "Front Lawn",
        "ith": 1,
        "enabled": True,
        "smart": "SMART",
    }
    assert [zone["ith"] for zone in device["zones"]] == [1, 2, 3, 4, 5, 6]
    assert [zone["enabled"] for zone in device["zones"]] == [True] * 5 + [False]
    assert {zone["smart"] for zone in device["zones"]} == {
        "SMART",
        "ASSISTANT",
        "TIMER",
    }


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"sensor_info_shape": "sensor"},
            {
                "sensor": {
                    "name": "Whisperer 1",
                    "serial": SENS,
                    "status": "ONLINE",
                    "version": "1.0",
                    "sw_version": "1.1.2",
                    "last_active": "2024-06-15T10:27:16",
                    "battery_level": 0.65,
                }
            },
        ),
        (
            {"sensor_info_shape": "device"},
            {
                "device": {
                    "name": "Whisperer 1",
                    "zone_num": 0,
                    "serial": SENS,
                    "version": "1.0",
                    "status": "ONLINE",
                    "sw_version": "1.1.2",
                    "last_active": "2024-06-15T10:27:16",
                    "battery_level": 0.65,
                    "zones": [],
                }
            },
        ),
    ],
)
async def test_sensor_info_shapes(npa: Npa, expected: dict[str, Any]) -> None:
    data = ok(await npa.get("info", key=SENS))
    assert data == expected
    assert list(data[next(iter(expected))]) == list(expected[next(iter(expected))])


async def test_moisture_is_an_alias_of_moistures(npa: Npa) -> None:
    assert ok(await npa.get("moisture")) == ok(await npa.get("moistures"))


async def test_post_key_in_the_query_or_the_body(
    npa: Npa, netro: NetroSimulator
) -> None:
    reply = await npa.call(
        "POST", "set_status", key=None, params={"key": CTRL}, body={"status": 0}
    )
    ok(reply)
    assert netro.controllers[CTRL].standby
    # The body's key wins over the query's.
    reply = await npa.call(
        "POST", "set_status", key=None, params={"key": "bogus"}, body={"key": CTRL, "status": 1}
    )  # fmt: skip
    ok(reply)
    assert not netro.controllers[CTRL].standby
    assert netro.count("POST", device_id=CTRL) == 2


async def test_post_parameters_may_come_in_the_query(
    npa: Npa, netro: NetroSimulator
) -> None:
    ok(await npa.call("POST", "set_status", params={"status": "0"}))
    assert netro.controllers[CTRL].standby


def test_endpoint_context_checks_the_kind_of_device() -> None:
    sim = NetroSimulator()
    with pytest.raises(NetroError) as err:
        _ = Ctx(T0, sim.sensors[SENS], {}).controller
    assert err.value.code == 4
    with pytest.raises(NetroError):
        _ = Ctx(T0, sim.controllers[CTRL], {}).sensor


def test_body_code_payload_is_an_internal_error() -> None:
    payload = NetroSimulator().body_code_payload()
    assert payload["status"] == "ERROR"
    assert payload["errors"] == [{"code": 5, "message": "Internal error"}]
    assert set(payload["meta"]) == META_KEYS


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "http_status"),
    [
        ({}, 200),
        ({"error_http_status": "ok"}, 200),
        ({"error_http_status": "codes"}, 401),
    ],
)
@pytest.mark.parametrize("name", sorted(DOC_APIS))
@pytest.mark.parametrize("key", ["invalid", None])
async def test_invalid_key_is_code_1(
    npa: Npa, netro: NetroSimulator, name: str, key: str | None, http_status: int
) -> None:
    method = "POST" if name in POST_APIS else "GET"
    reply = await npa.call(method, name, key=key)
    assert error(reply) == (http_status, 1, f"Invalid key: {key or ''}")
    meta = reply.body["meta"]
    assert set(meta) == META_KEYS
    assert (meta["token_limit"], meta["token_remaining"]) == (0, 0)
    assert netro.tokens_used("invalid") == 0
    assert netro.tokens_remaining("invalid") == 0
    assert netro.calls_per_day("invalid") == {}


@pytest.mark.parametrize(
    ("options", "http_status"), [({}, 200), ({"error_http_status": "codes"}, 404)]
)
@pytest.mark.parametrize(
    ("name", "key"),
    [*((name, SENS) for name in CONTROLLER_APIS), ("sensor_data", CTRL)],
)
async def test_wrong_kind_of_key_is_code_4(
    npa: Npa, netro: NetroSimulator, name: str, key: str, http_status: int
) -> None:
    method = "POST" if name in POST_APIS else "GET"
    reply = await npa.call(method, name, key=key)
    status, code, message = error(reply)
    assert (status, code) == (http_status, 4)
    assert message.startswith("Invalid device or sensor")
    assert netro.tokens_used(key) == 1  # failed calls spend a token too
    assert reply.body["meta"]["token_remaining"] == 1999


@pytest.mark.parametrize(
    ("options", "http_status"), [({}, 200), ({"error_http_status": "codes"}, 400)]
)
@pytest.mark.parametrize(("name", "params"), PARAMETER_ERRORS)
async def test_bad_parameters_are_code_6(
    npa: Npa,
    netro: NetroSimulator,
    name: str,
    params: dict[str, Any],
    http_status: int,
) -> None:
    key = SENS if name == "sensor_data" else CTRL
    if name in POST_APIS:
        reply = await npa.post(name, key=key, **params)
    else:
        reply = await npa.get(name, key=key, **params)
    status, code, message = error(reply)
    assert (status, code) == (http_status, 6)
    assert message.startswith("Parameter error: ")
    assert netro.tokens_used(key) == 1


@pytest.mark.parametrize("raw_body", ["not json", "[1, 2]", "null"])
async def test_post_body_must_be_a_json_object(npa: Npa, raw_body: str) -> None:
    reply = await npa.call("POST", "stop_water", raw_body=raw_body)
    assert error(reply)[:2] == (200, 6)


@pytest.mark.parametrize(
    ("options", "http_status"), [({}, 200), ({"error_http_status": "codes"}, 500)]
)
async def test_internal_error_is_code_5(
    npa: Npa, netro: NetroSimulator, http_status: int
) -> None:
    netro.add_fault(FaultKind.BODY_CODE, route=f"{BASE_PATH}/info.json", times=1)
    reply = await npa.get("info")
    assert error(reply) == (http_status, 5, "Internal error")
    assert reply.body["meta"]["token_remaining"] == 1999
    assert netro.tokens_used(CTRL) == 1
    ok(await npa.get("info"))
    # An internal error answered to an unknown key spends nothing.
    netro.add_fault(FaultKind.BODY_CODE, times=1)
    reply = await npa.get("info", key="nobody")
    assert error(reply)[1] == 5
    assert reply.body["meta"]["token_limit"] == 0


@pytest.mark.parametrize(
    ("options", "http_status"),
    [
        ({"daily_limit": 3}, 200),
        ({"daily_limit": 3, "error_http_status": "codes"}, 429),
    ],
)
async def test_exhausted_budget_is_code_3(
    npa: Npa, netro: NetroSimulator, http_status: int
) -> None:
    remaining = [
        (await npa.get("info")).body["meta"]["token_remaining"] for _ in range(3)
    ]
    assert remaining == [2, 1, 0]
    for name in ("info", "schedules", "water"):
        method = "POST" if name in POST_APIS else "GET"
        reply = await npa.call(method, name)
        assert error(reply) == (http_status, 3, "Exceed limit: 3 calls a day")
        meta = reply.body["meta"]
        assert (meta["token_limit"], meta["token_remaining"]) == (3, 0)
        assert meta["token_reset"] == "2024-06-16T00:00:00"
    assert netro.tokens_used(CTRL) == 3
    assert netro.tokens_remaining(CTRL) == 0
    assert netro.code3_count(CTRL) == 3
    assert netro.calls_per_day(CTRL) == {date(2024, 6, 15): 3}
    # Every key has its own budget.
    ok(await npa.get("info", key=SENS))
    assert netro.code3_count(SENS) == 0


@pytest.mark.parametrize("options", [{"daily_limit": 2}])
async def test_budget_resets_at_midnight_utc(npa: Npa, netro: NetroSimulator) -> None:
    netro.clock.set(datetime(2024, 6, 15, 23, 59, 0, tzinfo=UTC))
    for _ in range(3):
        await npa.get("info")
    assert error(await npa.get("info"))[1] == 3
    assert netro.code3_count(CTRL) == 2
    netro.clock.advance(61)  # 00:00:01 UTC: a new day
    reply = await npa.get("info")
    ok(reply)
    meta = reply.body["meta"]
    assert meta["token_remaining"] == 1
    assert meta["token_reset"] == "2024-06-17T00:00:00"
    assert netro.tokens_used(CTRL) == 1
    assert netro.calls_per_day(CTRL) == {date(2024, 6, 15): 2, date(2024, 6, 16): 1}
    # Setting the clock to another day resets the budget as well.
    netro.clock.set(datetime(2024, 6, 20, 12, 0, tzinfo=UTC))
    assert netro.tokens_remaining(CTRL) == 2
    ok(await npa.get("info"))
    assert netro.calls_per_day(CTRL)[date(2024, 6, 20)] == 1


async def test_daily_limit_can_change_while_running(
    npa: Npa, netro: NetroSimulator
) -> None:
    ok(await npa.get("info"))
    netro.daily_limit = 1
    assert netro.tokens_remaining(CTRL) == 0
    assert error(await npa.get("info"))[1] == 3


async def test_last_active_is_the_latest_call(npa: Npa, netro: NetroSimulator) -> None:
    await npa.get("info")
    netro.clock.advance(90)
    meta = (await npa.get("info")).body["meta"]
    assert parse(meta["last_active"]) - T0 >= timedelta(seconds=90)


@pytest.mark.parametrize(
    ("options", "http_status"), [({}, 404), ({"error_http_status": "codes"}, 404)]
)
async def test_unknown_api_and_wrong_method(
    npa: Npa, netro: NetroSimulator, http_status: int
) -> None:
    reply = await npa.get("nonsense")
    assert reply.status == http_status
    assert error(reply)[1] == 6
    reply = await npa.call("GET", "water")
    assert reply.status == 405
    assert error(reply)[1] == 6
    reply = await npa.call("POST", "info")
    assert reply.status == 405
    assert netro.tokens_used(CTRL) == 0


# --- fault injection --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "code", "spends"),
    [
        (FaultKind.HTTP_500, 500, 5, False),
        (FaultKind.HTTP_401, 401, 1, False),
        (FaultKind.HTTP_429, 429, 3, False),
        (FaultKind.BODY_CODE, 200, 5, True),
    ],
)
async def test_injected_errors_on_netro_routes(
    npa: Npa,
    netro: NetroSimulator,
    kind: FaultKind,
    status: int,
    code: int,
    spends: bool,
) -> None:
    netro.add_fault(kind, route=f"{BASE_PATH}/schedules.json", device_id=CTRL, times=1)
    ok(await npa.get("info"))  # another route
    reply = await npa.get("schedules")
    assert error(reply)[:2] == (status, code)
    assert reply.body["meta"]["token_limit"] == 2000
    assert netro.tokens_used(CTRL) == (2 if spends else 1)
    if kind is FaultKind.HTTP_429:
        assert reply.headers["Retry-After"] == "30"
    ok(await npa.get("schedules"))  # the fault was used up
    assert netro.count(route=f"{BASE_PATH}/schedules.json", device_id=CTRL) == 2


@pytest.mark.parametrize("options", [{"controllers": 2}])
async def test_fault_for_one_key_spares_the_others(
    npa: Npa, netro: NetroSimulator
) -> None:
    netro.add_fault(FaultKind.HTTP_500, device_id=CTRL2)
    ok(await npa.get("info"))
    assert (await npa.get("info", key=CTRL2)).status == 500
    assert (await npa.post("stop_water", key=CTRL2)).status == 500
    netro.clear_faults()
    ok(await npa.get("info", key=CTRL2))
    assert netro.count(device_id=CTRL2) == 3


async def test_html_and_malformed_answers(npa: Npa, netro: NetroSimulator) -> None:
    netro.add_fault(FaultKind.HTML_ERROR, times=1)
    reply = await npa.get("info")
    assert (reply.status, reply.content_type) == (502, "text/html")
    netro.add_fault(FaultKind.MALFORMED_JSON, times=1)
    reply = await npa.get("info")
    assert reply.status == 200
    with pytest.raises(ValueError):
        _ = reply.body
    assert netro.tokens_used(CTRL) == 0


async def test_missing_fields_keeps_the_envelope(
    npa: Npa, netro: NetroSimulator
) -> None:
    netro.add_fault(FaultKind.MISSING_FIELDS, times=2)
    assert ok(await npa.get("info")) == {}
    reply = await npa.get("info", key="bogus")
    assert error(reply)[1] == 1  # errors pass through untouched
    assert netro.tokens_used(CTRL) == 1


async def test_timeout_then_answer_spends_a_token(
    npa: Npa, netro: NetroSimulator
) -> None:
    netro.add_fault(FaultKind.TIMEOUT, timeout_seconds=0.05, times=1)
    started = time.monotonic()
    ok(await npa.get("info"))
    assert time.monotonic() - started >= 0.05
    assert netro.tokens_used(CTRL) == 1


# --- the fault matrix ---------------------------------------------------------------------

INFO = f"{BASE_PATH}/info.json"


async def test_http_503_fault(npa: Npa, netro: NetroSimulator) -> None:
    netro.add_fault(FaultKind.HTTP_503, route=INFO, times=1)
    reply = await npa.get("info")
    assert (reply.status, reply.content_type) == (503, "text/html")
    assert "Retry-After" not in reply.headers
    assert b"<title>503 Service Temporarily Unavailable</title>" in reply.raw
    ok(await npa.get("info"))
    assert netro.tokens_used(CTRL) == 1  # a proxy answered: nothing spent
    netro.add_fault(FaultKind.HTTP_503, retry_after=90, times=1)
    assert (await npa.get("schedules")).headers["Retry-After"] == "90"
    assert netro.count(route=INFO, device_id=CTRL) == 2


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [(None, None), ("Wed, 21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026 07:28:00 GMT")],
)
async def test_http_429_retry_after_forms(
    npa: Npa, netro: NetroSimulator, retry_after: str | None, header: str | None
) -> None:
    netro.add_fault(FaultKind.HTTP_429, retry_after=retry_after, times=1)
    reply = await npa.get("info")
    assert error(reply) == (429, 3, "Rate limit exceeded")
    assert reply.headers.get("Retry-After") == header
    ok(await npa.get("info"))
    assert netro.tokens_used(CTRL) == 1
    assert netro.count(route=INFO) == 2


async def test_huge_body_fault(npa: Npa, netro: NetroSimulator) -> None:
    netro.add_fault(FaultKind.HUGE_BODY, route=INFO, times=1)
    reply = await npa.get("info")
    assert (reply.status, reply.content_type) == (200, "application/json")
    assert len(reply.raw) == HUGE_BODY_SIZE == 5 * 1024 * 1024
    data = ok(reply)
    assert list(data) == ["padding"]
    assert set(data["padding"]) == {"x"}
    meta = reply.body["meta"]
    assert set(meta) == META_KEYS
    assert (meta["token_limit"], meta["token_remaining"]) == (2000, 2000)
    assert netro.tokens_used(CTRL) == 0
    ok(await npa.get("info"))
    netro.add_fault(FaultKind.HUGE_BODY, size=3000, times=1)
    assert len((await npa.get("info")).raw) == 3000
    assert netro.count(route=INFO) == 3


async def test_connection_reset_fault(npa: Npa, netro: NetroSimulator) -> None:
    netro.add_fault(FaultKind.CONNECTION_RESET, method="POST", times=1)
    ok(await npa.get("info"))
    with pytest.raises((ServerDisconnectedError, ClientOSError)):
        await npa.post("set_status", status=0)
    assert not netro.controllers[CTRL].standby  # the API never saw it
    assert netro.tokens_used(CTRL) == 1
    ok(await npa.post("set_status", status=0))
    assert netro.controllers[CTRL].standby
    assert netro.count("POST", device_id=CTRL) == 2


async def test_data_null_fault(npa: Npa, netro: NetroSimulator) -> None:
    netro.add_fault(FaultKind.DATA_NULL, route=INFO, times=2)
    reply = await npa.get("info")
    assert ok(reply) is None
    meta = reply.body["meta"]
    assert set(meta) == META_KEYS
    assert meta["token_remaining"] == 1999  # the API answered: one token spent
    assert error(await npa.get("info", key="bogus"))[1] == 1  # errors pass through
    assert ok(await npa.get("info"))["device"]["serial"] == CTRL
    assert netro.count(route=INFO) == 3


async def test_wrong_types_fault(npa: Npa, netro: NetroSimulator) -> None:
    netro.add_fault(FaultKind.WRONG_TYPES, times=2)
    reply = await npa.get("info")
    device = ok(reply)["device"]
    assert device["serial"] == CTRL
    assert (device["name"], device["status"], device["version"]) == (12345,) * 3
    assert device["zone_num"] == "abc"
    assert [zone["ith"] for zone in device["zones"]] == [1, 2, 3, 4, 5, 6]
    assert device["zones"][0] == {
        "name": 12345,
        "ith": 1,
        "enabled": "maybe",
        "smart": 12345,
    }
    assert reply.body["meta"]["token_remaining"] == 1999  # meta is not data
    first = ok(await npa.get("schedules"))["schedules"][0]
    assert isinstance(first["id"], int)
    assert first["zone"] == 1
    assert first["start_time"] == first["status"] == 12345
    assert ok(await npa.get("info"))["device"]["zone_num"] == 6
    assert netro.count(device_id=CTRL) == 3


@pytest.mark.parametrize("value", [-20, 250, 1e308, "NaN", "Infinity"])
async def test_out_of_range_fault(npa: Npa, netro: NetroSimulator, value: Any) -> None:
    netro.add_fault(FaultKind.OUT_OF_RANGE, value=value, times=2)
    reply = await npa.get("moistures", zones="[1]", start_date="2024-06-14")
    records = ok(reply)["moistures"]
    assert [record["moisture"] for record in records] == [value, value]
    assert [record["zone"] for record in records] == [1, 1]
    assert all(isinstance(record["id"], int) for record in records)
    assert records[0]["date"] == "2024-06-14"
    assert reply.body["meta"]["token_limit"] == 2000
    if value == 1e308:
        assert b'"moisture": 1e+308' in reply.raw
    device = ok(await npa.get("info"))["device"]
    assert device["zone_num"] == value
    assert [zone["ith"] for zone in device["zones"]] == [1, 2, 3, 4, 5, 6]
    assert device["zones"][0]["enabled"] is True  # booleans are not numbers
    assert ok(await npa.get("info"))["device"]["zone_num"] == 6
    assert netro.count(device_id=CTRL) == 3


@pytest.mark.parametrize("options", [{"sensor_info_shape": "device"}])
async def test_drop_zone_fault(npa: Npa, netro: NetroSimulator) -> None:
    netro.add_fault(FaultKind.DROP_ZONE, value=3, device_id=CTRL, times=1)
    ok(await npa.get("schedules"))  # another route: the fault is not used up
    assert ok(await npa.get("info", key=SENS))["device"]["zones"] == []
    device = ok(await npa.get("info"))["device"]
    assert [zone["ith"] for zone in device["zones"]] == [1, 2, 4, 5, 6]
    assert device["zone_num"] == 6  # the controller's zone count stays
    assert len(ok(await npa.get("info"))["device"]["zones"]) == 6
    assert netro.count(route=INFO) == 3
    assert netro.tokens_used(CTRL) == 3


async def test_device_list_faults_never_match(npa: Npa, netro: NetroSimulator) -> None:
    for kind in (FaultKind.BAD_ENTRIES, FaultKind.EMPTY_LIST, FaultKind.DROP_DEVICE):
        netro.add_fault(kind, times=1)
    assert len(ok(await npa.get("info"))["device"]["zones"]) == 6
    assert len(netro.faults) == 3


@pytest.mark.parametrize(
    ("code", "message", "spends", "http_status"),
    [
        (1, f"Invalid key: {CTRL}", False, 401),
        (3, "Exceed limit: 2000 calls a day", False, 429),
        (4, "Invalid device or sensor", True, 404),
        (5, "Internal error", True, 500),
        (6, "Parameter error", True, 400),
    ],
)
@pytest.mark.parametrize("options", [{}, {"error_http_status": "codes"}])
async def test_body_code_fault_with_a_code(
    npa: Npa,
    netro: NetroSimulator,
    options: dict[str, Any],
    code: int,
    message: str,
    spends: bool,
    http_status: int,
) -> None:
    netro.add_fault(FaultKind.BODY_CODE, code=code, route=INFO, times=1)
    ok(await npa.get("schedules"))
    reply = await npa.get("info")
    expected_status = http_status if options else 200
    assert error(reply) == (expected_status, code, message)
    meta = reply.body["meta"]
    assert set(meta) == META_KEYS
    assert meta["token_limit"] == 2000
    assert meta["token_remaining"] == (1998 if spends else 1999)
    assert netro.tokens_used(CTRL) == (2 if spends else 1)
    assert netro.code3_count(CTRL) == 0
    ok(await npa.get("info"))
    assert netro.count(route=INFO) == 2


async def test_missing_fields_keep_id(npa: Npa, netro: NetroSimulator) -> None:
    netro.add_fault(FaultKind.MISSING_FIELDS, value=KEEP_ID, times=3)
    reply = await npa.get("info")
    assert ok(reply) == {"device": {"serial": CTRL}}
    assert set(reply.body["meta"]) == META_KEYS
    assert ok(await npa.get("info", key=SENS)) == {"sensor": {"serial": SENS}}
    assert ok(await npa.get("schedules")) == {}
    assert ok(await npa.get("info"))["device"]["name"] == "Front Yard Sprite"
    assert netro.tokens_used(CTRL) == 3
    assert netro.count() == 4


@pytest.mark.parametrize("options", [{"latency": 0.05}])
async def test_latency(npa: Npa) -> None:
    started = time.monotonic()
    ok(await npa.get("info"))
    assert time.monotonic() - started >= 0.05


# --- schedules ---------------------------------------------------------------------------


async def test_daily_automatic_schedules(npa: Npa, netro: NetroSimulator) -> None:
    controller = netro.controllers[CTRL]
    found = await schedules(npa)
    days = sorted({s["local_date"] for s in found})
    # The past month and the next month by default.
    assert days[0] == "2024-05-15"
    assert days[-1] == "2024-07-15"
    assert len(days) == 62
    assert len(found) == 62 * 5  # five enabled zones a day
    assert len({s["id"] for s in found}) == len(found)
    for schedule in found:
        assert set(schedule) == SCHEDULE_KEYS
        start, end = parse(schedule["start_time"]), parse(schedule["end_time"])
        local = start.astimezone(LA)
        assert schedule["local_date"] == local.date().isoformat()
        assert schedule["local_start_time"] == local.strftime("%H:%M:%S")
        assert schedule["local_end_time"] == end.astimezone(LA).strftime("%H:%M:%S")
        zone = controller.zones[schedule["zone"]]
        assert end - start == timedelta(minutes=zone.minutes)
        assert schedule["source"] == ("FIX" if zone.smart == "TIMER" else "SMART")
        expected = "EXECUTED" if schedule["local_date"] < "2024-06-15" else "VALID"
        assert schedule["status"] == expected
    today = [s for s in found if s["local_date"] == "2024-06-15"]
    assert [s["zone"] for s in today] == [1, 2, 3, 4, 5]
    assert today[0]["local_start_time"] == "05:00:00"
    assert today[0]["start_time"] == "2024-06-15T12:00:00"
    for before, after in pairwise(today):
        assert before["end_time"] == after["start_time"]


async def test_schedules_run_as_the_clock_passes(
    npa: Npa, netro: NetroSimulator
) -> None:
    zones = netro.controllers[CTRL].zones
    assert netro.zone_watering(CTRL) == dict.fromkeys(range(1, 7), False)
    netro.clock.set(local_at(TODAY, 5, 1))
    today = await today_schedules(npa)
    assert [s["status"] for s in today] == ["EXECUTING"] + ["VALID"] * 4
    assert ok(await npa.get("info"))["device"]["status"] == "WATERING"
    assert netro.zone_watering(CTRL) == {
        1: True,
        2: False,
        3: False,
        4: False,
        5: False,
        6: False,
    }
    netro.clock.advance(zones[1].minutes * 60)  # zone 2 now
    today = await today_schedules(npa)
    assert [s["status"] for s in today] == ["EXECUTED", "EXECUTING"] + ["VALID"] * 3
    assert netro.zone_watering(CTRL)[2]
    netro.clock.set(local_at(TODAY, 6))
    today = await today_schedules(npa)
    assert {s["status"] for s in today} == {"EXECUTED"}
    assert ok(await npa.get("info"))["device"]["status"] == "ONLINE"
    assert not any(netro.zone_watering(CTRL).values())
    runs = [run for run in netro.watering_log(CTRL) if run[1] >= local_at(TODAY, 0)]
    assert runs == [
        (s["zone"], parse(s["start_time"]), parse(s["end_time"])) for s in today
    ]


async def test_watering_log_covers_the_past_month(netro: NetroSimulator) -> None:
    log = netro.watering_log(CTRL)
    assert len(log) == 31 * 5  # 2024-05-15 .. 2024-06-14
    assert log[0][1] == local_at(date(2024, 5, 15), 5)
    netro.clock.set(local_at(TODAY, 5, 1))
    assert netro.watering_log(CTRL) == log
    [(zone, start, end)] = netro.watering_log(CTRL, include_running=True)[len(log) :]
    assert (zone, start) == (1, local_at(TODAY, 5))
    assert end > netro.clock.now()


@pytest.mark.parametrize(
    "params",
    [
        {"zones": "[1,3]"},
        {"zones": "1,3"},
        {"zones": "[1, 3]"},
        {"zones": " 3 , 1 "},
        {"zones[]": "1,3"},
        [("zones", "1"), ("zones", "3")],
        [("zones", "1"), ("zones", "3"), ("zones", "3")],
    ],
)
@pytest.mark.parametrize("name", ["schedules", "moistures"])
async def test_zones_parameter_forms(
    npa: Npa, name: str, params: dict[str, str] | list[tuple[str, str]]
) -> None:
    data = ok(await npa.call("GET", name, params=params))
    assert {item["zone"] for item in data[name]} == {1, 3}


@pytest.mark.parametrize("zones", ["[]", ""])
async def test_empty_zones_means_all(npa: Npa, zones: str) -> None:
    found = await schedules(
        npa, zones=zones, start_date="2024-06-15", end_date="2024-06-15"
    )
    assert [s["zone"] for s in found] == [1, 2, 3, 4, 5]


async def test_schedule_date_range(npa: Npa) -> None:
    found = await schedules(npa, start_date="2024-06-10", end_date="2024-06-11")
    assert {s["local_date"] for s in found} == {"2024-06-10", "2024-06-11"}
    found = await schedules(npa, start_date="2024-07-10")
    assert (found[0]["local_date"], found[-1]["local_date"]) == (
        "2024-07-10",
        "2024-07-15",
    )
    # Nothing before history begins nor beyond the next month.
    assert await schedules(npa, start_date="2023-01-01", end_date="2024-05-14") == []
    assert await schedules(npa, start_date="2024-07-16", end_date="2025-01-01") == []


@pytest.mark.parametrize("options", [{"timezone": "UTC", "zones": 2}])
async def test_time_zone_option(npa: Npa) -> None:
    [schedule] = await schedules(npa, start_date="2024-06-15", end_date="2024-06-15")
    assert schedule["start_time"] == "2024-06-15T05:00:00"
    assert schedule["local_start_time"] == "05:00:00"


def test_schedules_follow_daylight_saving() -> None:
    netro_sim = NetroSimulator(zones=2)
    netro_sim.clock.set(datetime(2024, 3, 9, 20, tzinfo=UTC))
    controller = netro_sim.controllers[CTRL]
    now = netro_sim.clock.now()
    before, after = (
        controller.schedules(now, day, day, None)[0]
        for day in (date(2024, 3, 9), date(2024, 3, 11))
    )
    assert before.start.hour == 13  # PST
    assert after.start.hour == 12  # PDT


# --- water, stop_water, no_water, set_status ------------------------------------------------


async def test_water_creates_manual_schedules(npa: Npa, netro: NetroSimulator) -> None:
    data = ok(await npa.post("water", zones=[3, 1], duration=2, delay=5))
    created = data["schedules"]
    assert [s["zone"] for s in created] == [3, 1]
    assert {s["source"] for s in created} == {"MANUAL"}
    assert {s["status"] for s in created} == {"VALID"}
    assert all(set(s) == SCHEDULE_KEYS for s in created)
    first, second = created
    assert abs(parse(first["start_time"]) - (T0 + timedelta(minutes=5))) < timedelta(
        seconds=2
    )
    assert parse(first["end_time"]) - parse(first["start_time"]) == timedelta(minutes=2)
    assert first["end_time"] == second["start_time"]
    listed = await today_schedules(npa)
    assert [s["id"] for s in listed[:2]] == [first["id"], second["id"]]
    netro.clock.advance(6 * 60)
    assert netro.zone_watering(CTRL)[3]
    netro.clock.advance(2 * 60)
    assert netro.zone_watering(CTRL)[1]
    netro.clock.advance(2 * 60)
    assert not any(netro.zone_watering(CTRL).values())
    events = ok(await npa.get("events", start_date="2024-06-15"))["events"]
    assert [(e["event"], e["message"][:27]) for e in events] == [
        (3, "Start to water zone 3 at 04"),
        (4, "Stop watering zone 3 at 04:"),
        (3, "Start to water zone 1 at 04"),
        (4, "Stop watering zone 1 at 04:"),
    ]
    zones_run = [run[0] for run in netro.watering_log(CTRL) if run[1] > T0]
    assert zones_run == [3, 1]


async def test_water_defaults_to_every_enabled_zone_now(
    npa: Npa, netro: NetroSimulator
) -> None:
    created = ok(await npa.post("water", duration=1))["schedules"]
    assert [s["zone"] for s in created] == [1, 2, 3, 4, 5]
    assert abs(parse(created[0]["start_time"]) - T0) < timedelta(seconds=2)
    assert netro.zone_watering(CTRL)[1]  # starts right away
    assert ok(await npa.get("info"))["device"]["status"] == "WATERING"


@pytest.mark.parametrize(
    ("start_time", "expected"),
    [
        ("2024-06-15 18:30", "2024-06-15T18:30:00"),  # the doc's form
        ("2024-06-15T18:30:00", "2024-06-15T18:30:00"),
        ("2024-06-15T18:30:00Z", "2024-06-15T18:30:00"),
        ("2024-06-15T20:30:00+02:00", "2024-06-15T18:30:00"),
    ],
)
async def test_water_start_time_beats_delay(
    npa: Npa, start_time: str, expected: str
) -> None:
    [created] = ok(
        await npa.post("water", zones=[2], duration=10, delay=1, start_time=start_time)
    )["schedules"]
    assert created["start_time"] == expected
    assert created["end_time"] == expected.replace("18:30", "18:40")
    assert created["local_start_time"] == "11:30:00"


async def test_water_accepts_zones_and_numbers_as_strings(npa: Npa) -> None:
    created = ok(await npa.post("water", zones="[2,4]", duration="3", delay="1"))[
        "schedules"
    ]
    assert [s["zone"] for s in created] == [2, 4]
    created = ok(await npa.post("water", zones=5, duration=0.5))["schedules"]
    start, end = parse(created[0]["start_time"]), parse(created[0]["end_time"])
    assert end - start == timedelta(seconds=30)


async def test_numbers_may_be_integral_floats(npa: Npa) -> None:
    ok(await npa.post("no_water", days=2.0))
    assert await schedules(npa, start_date="2024-06-16", end_date="2024-06-16") == []


async def test_water_without_enabled_zones(npa: Npa, netro: NetroSimulator) -> None:
    for zone in netro.controllers[CTRL].zones.values():
        zone.enabled = False
    assert error(await npa.post("water", duration=1))[1:] == (
        6,
        "Parameter error: no enabled zone to water",
    )


def test_a_run_stopped_as_it_starts_is_not_logged() -> None:
    sim = NetroSimulator()
    controller = sim.controllers[CTRL]
    controller.water(T0, [1], timedelta(minutes=5), T0)
    controller.stop_water(T0)
    assert controller.watering_log(T0, include_running=True)[-1][1] < T0
    manual = controller.schedules(T0, TODAY, TODAY, None)[0]
    assert (manual.source, manual.status, manual.end) == ("MANUAL", "EXECUTED", T0)
    assert controller.events(T0, TODAY, TODAY, None)[-1].event == 4


async def test_manual_watering_interrupts_automatic(
    npa: Npa, netro: NetroSimulator
) -> None:
    netro.clock.set(local_at(TODAY, 5, 1))
    assert netro.zone_watering(CTRL)[1]
    ok(await npa.post("water", zones=[4], duration=30))
    assert netro.zone_watering(CTRL)[4]
    today = await today_schedules(npa)
    smart_1 = next(s for s in today if s["zone"] == 1 and s["source"] == "SMART")
    assert smart_1["status"] == "EXECUTED"
    assert smart_1["local_end_time"][:5] == "05:01"
    # Automatic schedules due during the manual run are dropped.
    netro.clock.advance(30 * 60)
    today = await today_schedules(npa)
    assert [(s["zone"], s["source"]) for s in today] == [(1, "SMART"), (4, "MANUAL")]
    assert {s["status"] for s in today} == {"EXECUTED"}


async def test_later_manual_watering_replaces_the_running_one(
    npa: Npa, netro: NetroSimulator
) -> None:
    ok(await npa.post("water", zones=[1], duration=10))
    assert netro.zone_watering(CTRL)[1]
    netro.clock.advance(60)
    ok(await npa.post("water", zones=[2], duration=10))
    assert netro.zone_watering(CTRL) == {
        1: False,
        2: True,
        3: False,
        4: False,
        5: False,
        6: False,
    }
    [(zone, start, end)] = netro.watering_log(CTRL)[-1:]
    assert zone == 1
    assert timedelta(seconds=59) < end - start < timedelta(seconds=62)


async def test_stop_water(npa: Npa, netro: NetroSimulator) -> None:
    ok(await npa.post("water", zones=[1, 2], duration=5))
    ok(await npa.post("water", zones=[3], duration=5, delay=60))
    netro.clock.advance(60)
    assert netro.zone_watering(CTRL)[1]
    ok(await npa.post("stop_water"))
    assert not any(netro.zone_watering(CTRL).values())
    today = await today_schedules(npa)
    manual = [s for s in today if s["source"] == "MANUAL"]
    assert len(manual) == 1  # the remaining manual schedules are gone
    assert manual[0]["status"] == "EXECUTED"
    assert parse(manual[0]["end_time"]) - parse(manual[0]["start_time"]) < timedelta(
        seconds=62
    )
    # Automatic schedules still run.
    netro.clock.set(local_at(TODAY, 5, 1))
    assert netro.zone_watering(CTRL)[1]
    ok(await npa.post("stop_water"))
    assert not any(netro.zone_watering(CTRL).values())
    netro.clock.set(local_at(TODAY, 5, 7))
    assert netro.zone_watering(CTRL)[2]
    ok(await npa.post("stop_water"))  # nothing running: still fine


async def test_no_water_today(npa: Npa, netro: NetroSimulator) -> None:
    ok(await npa.post("no_water"))
    assert await today_schedules(npa) == []
    netro.clock.set(local_at(TODAY, 5, 1))
    assert not any(netro.zone_watering(CTRL).values())
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert len(await schedules(npa, start_date=tomorrow, end_date=tomorrow)) == 5


async def test_no_water_for_days(npa: Npa, netro: NetroSimulator) -> None:
    netro.clock.set(local_at(TODAY, 5, 6))  # zones 1 and 2 ran or run
    ok(await npa.post("no_water", days=3))
    today = await today_schedules(npa)
    assert [s["status"] for s in today] == ["EXECUTED", "EXECUTING"]
    found = await schedules(npa, start_date="2024-06-16", end_date="2024-06-19")
    assert {s["local_date"] for s in found} == {"2024-06-18", "2024-06-19"}
    # Days generated later honour it as well.
    netro.clock.set(local_at(date(2024, 6, 17), 12))
    assert not [r for r in netro.watering_log(CTRL) if r[1] > local_at(TODAY, 6)]
    netro.clock.set(local_at(date(2024, 6, 19), 12))
    assert len([r for r in netro.watering_log(CTRL) if r[1] > local_at(TODAY, 6)]) == 10


async def test_set_status_standby_and_back(npa: Npa, netro: NetroSimulator) -> None:
    netro.clock.set(local_at(TODAY, 5, 1))
    assert netro.zone_watering(CTRL)[1]
    ok(await npa.post("set_status", status=0))
    assert ok(await npa.get("info"))["device"]["status"] == "STANDBY"
    assert not any(netro.zone_watering(CTRL).values())
    netro.clock.set(local_at(TODAY, 7))
    today = await today_schedules(npa)
    assert [s["zone"] for s in today] == [1]  # the rest never ran
    ok(await npa.post("set_status", status="1"))
    assert ok(await npa.get("info"))["device"]["status"] == "ONLINE"
    netro.clock.set(local_at(TODAY + timedelta(days=1), 5, 1))
    assert netro.zone_watering(CTRL)[1]


async def test_manual_watering_in_standby_never_runs(
    npa: Npa, netro: NetroSimulator
) -> None:
    ok(await npa.post("set_status", status=0))
    ok(await npa.post("water", zones=[1], duration=5))
    assert not netro.zone_watering(CTRL)[1]
    assert [s for s in await today_schedules(npa) if s["source"] == "MANUAL"] == []


# --- set_moisture, report_weather, moistures ----------------------------------------------------


async def test_moistures_one_record_per_zone_and_day(npa: Npa) -> None:
    records = ok(await npa.get("moistures"))["moistures"]
    days = sorted({r["date"] for r in records})
    assert (days[0], days[-1], len(days)) == ("2024-05-15", "2024-06-15", 32)
    assert len(records) == 32 * 5  # enabled zones only
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        assert set(record) == {"id", "zone", "date", "moisture"}
        assert 0 <= record["moisture"] <= 100
    per_zone = {
        z: [r["moisture"] for r in records if r["zone"] == z] for z in range(1, 6)
    }
    assert all(len(set(values)) > 1 for values in per_zone.values())


async def test_moisture_is_updated_once_a_day(npa: Npa, netro: NetroSimulator) -> None:
    query = {"zones": "1", "start_date": "2024-06-01"}
    before = ok(await npa.get("moistures", **query))["moistures"]
    ok(await npa.post("water", zones=[1], duration=20))
    netro.clock.advance(30 * 60)
    assert ok(await npa.get("moistures", **query))["moistures"] == before
    netro.clock.set(local_at(TODAY + timedelta(days=1), 0, 1))
    after = ok(await npa.get("moistures", **query))["moistures"]
    assert after[:-1] == before
    assert after[-1]["date"] == "2024-06-16"


async def test_watering_raises_and_drying_lowers_moisture() -> None:
    async def tomorrow_moisture(sim: NetroSimulator, water: bool) -> int:
        sim.clock.set(T0)
        running = await start_server(sim)
        async with ClientSession() as session:
            client = Npa(session, running.url)
            if water:
                ok(await client.post("water", zones=[2], duration=20))
            else:
                ok(await client.post("no_water", days=2))
            sim.clock.set(local_at(TODAY + timedelta(days=1), 12))
            records = ok(await client.get("moistures", zones="2"))["moistures"]
        await running.close()
        assert records[-1]["date"] == "2024-06-16"
        value: int = records[-1]["moisture"]
        today: int = records[-2]["moisture"]
        return value - today

    wet = await tomorrow_moisture(NetroSimulator(), water=True)
    dry = await tomorrow_moisture(NetroSimulator(), water=False)
    assert dry < 0
    assert wet > dry + 20


async def test_set_moisture(npa: Npa, netro: NetroSimulator) -> None:
    before = ok(await npa.get("moistures", start_date="2024-06-15"))["moistures"]
    ok(await npa.post("set_moisture", zones=[1, 2], moisture=88))
    records = ok(await npa.get("moistures", start_date="2024-06-15"))["moistures"]
    assert [r["moisture"] for r in records] == [
        88 if r["zone"] in (1, 2) else r["moisture"] for r in before
    ]
    ok(await npa.post("set_moisture", moisture=10))  # every zone
    records = ok(await npa.get("moistures", start_date="2024-06-15"))["moistures"]
    assert {r["moisture"] for r in records} == {10}
    # It is the new starting point: tomorrow's record follows from it.
    ok(await npa.post("no_water", days=2))
    netro.clock.set(local_at(TODAY + timedelta(days=1), 1))
    records = ok(await npa.get("moistures", start_date="2024-06-16"))["moistures"]
    assert all(0 <= r["moisture"] < 10 for r in records)


async def test_report_weather_is_stored(npa: Npa, netro: NetroSimulator) -> None:
    ok(await npa.doc_call("report_weather"))
    ok(
        await npa.post(
            "report_weather",
            date="2024-06-14",  # yesterday is still allowed
            t_min=10, t_max=25.5, t_dew=8, wind_speed=3.2, humidity=60, pressure=1013,
        )
    )  # fmt: skip
    first, second = netro.weather_reports
    assert (first.serial, first.date) == (CTRL, date(2024, 6, 16))
    assert first.values == {"condition": 1, "rain": 0.1, "rain_prob": 50, "temp": 20.0}
    assert abs(first.reported_at - T0) < timedelta(seconds=5)
    assert second.values == {
        "t_min": 10, "t_max": 25.5, "t_dew": 8, "wind_speed": 3.2, "humidity": 60,
        "pressure": 1013,
    }  # fmt: skip
    # Light rain changes nothing.
    tomorrow = "2024-06-16"
    assert len(await schedules(npa, start_date=tomorrow, end_date=tomorrow)) == 5


@pytest.mark.parametrize("day", ["2024-06-15", "2024-06-16"])
async def test_reported_rain_skips_smart_watering(
    npa: Npa, netro: NetroSimulator, day: str
) -> None:
    if day == "2024-06-16":  # generate tomorrow's schedules first
        await schedules(npa, start_date=day, end_date=day)
    ok(await npa.post("report_weather", date=day, rain=RAIN_SKIP_MM, condition=2))
    found = await schedules(npa, start_date=day, end_date=day)
    assert [(s["zone"], s["source"]) for s in found] == [(4, "FIX")]  # TIMER zone
    other = "2024-06-17"
    assert len(await schedules(npa, start_date=other, end_date=other)) == 5


async def test_reported_rain_for_a_later_day(npa: Npa) -> None:
    ok(await npa.post("report_weather", date="2024-06-20", rain=12.5))
    found = await schedules(npa, start_date="2024-06-20", end_date="2024-06-20")
    assert [s["zone"] for s in found] == [4]


# --- online, offline and events ------------------------------------------------------------------


async def test_events_follow_what_happens(npa: Npa, netro: NetroSimulator) -> None:
    events = ok(await npa.get("events"))["events"]
    assert len(events) == 31 * 5 * 2  # a month of automatic watering
    assert all(set(e) == {"id", "event", "time", "message"} for e in events)
    assert len({e["id"] for e in events}) == len(events)
    start, end = events[0], events[1]
    assert (start["event"], start["time"]) == (3, "2024-05-15T12:00:00")
    assert start["message"] == "Start to water zone 1 at 05:00:00 on 2024-05-15"
    minutes = netro.controllers[CTRL].zones[1].minutes
    assert end["event"] == 4
    assert end["message"] == f"Stop watering zone 1 at 05:0{minutes}:00 on 2024-05-15"
    netro.clock.set(datetime(2024, 6, 15, 11, 30, 15, tzinfo=UTC))
    netro.set_online(CTRL, False)
    netro.set_online(CTRL, False)  # no second event
    assert ok(await npa.get("info"))["device"]["status"] == "OFFLINE"
    netro.clock.advance(45 * 60)
    netro.set_online(CTRL, True)
    latest = ok(await npa.get("events", start_date="2024-06-15"))["events"]
    assert [(e["event"], e["message"]) for e in latest] == [
        (1, "Device offline at 04:30:15 on 2024-06-15"),
        (2, "Device online at 05:15:15 on 2024-06-15"),
    ]
    assert latest[0]["time"] == "2024-06-15T11:30:15"
    # Nothing watered while it was offline.
    assert [r for r in netro.watering_log(CTRL) if r[1] > T0] == []


@pytest.mark.parametrize("kind", [1, 2, 3, 4])
async def test_event_filter(npa: Npa, netro: NetroSimulator, kind: int) -> None:
    netro.set_online(CTRL, False)
    netro.set_online(CTRL, True)
    events = ok(await npa.get("events", event=str(kind)))["events"]
    assert events
    assert {e["event"] for e in events} == {kind}


async def test_event_date_range(npa: Npa) -> None:
    events = ok(
        await npa.get("events", start_date="2024-06-01", end_date="2024-06-02")
    )["events"]
    assert len(events) == 2 * 5 * 2
    assert {e["time"][:10] for e in events} == {"2024-06-01", "2024-06-02"}


async def test_offline_controller_stops_watering(
    npa: Npa, netro: NetroSimulator
) -> None:
    netro.clock.set(local_at(TODAY, 5, 1))
    assert netro.zone_watering(CTRL)[1]
    netro.set_online(CTRL, False)
    assert not any(netro.zone_watering(CTRL).values())
    events = ok(await npa.get("events", start_date="2024-06-15"))["events"]
    assert [e["event"] for e in events] == [3, 4, 1]


def test_set_online_of_an_unknown_serial() -> None:
    with pytest.raises(KeyError):
        NetroSimulator().set_online("nobody", False)


# --- sensors -------------------------------------------------------------------------------------


async def test_sensor_data_hourly(npa: Npa, netro: NetroSimulator) -> None:
    readings = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
    times = [parse(r["time"]) for r in readings]
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(times))
    assert readings[0]["local_date"] == "2024-05-15"
    assert readings[-1]["local_date"] == "2024-06-15"
    assert T0 - timedelta(hours=1) < times[-1] <= T0
    assert len({r["id"] for r in readings}) == len(readings)
    for reading in readings:
        assert set(reading) == SENSOR_DATA_KEYS
        local = parse(reading["time"]).astimezone(LA)
        assert reading["local_date"] == local.date().isoformat()
        assert reading["local_time"] == local.strftime("%H:%M:%S")
        assert 0 <= reading["moisture"] <= 100
        assert 0 <= reading["sunlight"] <= 120
        assert -10 < reading["celsius"] < 45
        assert reading["fahrenheit"] == round(reading["celsius"] * 9 / 5 + 32, 1)
        if local.hour < 5 or local.hour > 20:
            assert reading["sunlight"] == 0
    noon = [r["sunlight"] for r in readings if r["local_time"][:2] == "13"]
    assert min(noon) > 20
    netro.clock.advance(3600)
    later = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
    assert later[-1]["time"] != readings[-1]["time"]


async def test_sensor_data_date_range(npa: Npa) -> None:
    readings = ok(
        await npa.get(
            "sensor_data", key=SENS, start_date="2024-06-10", end_date="2024-06-10"
        )
    )["sensor_data"]
    assert len(readings) == 24
    assert {r["local_date"] for r in readings} == {"2024-06-10"}
    future = await npa.get(
        "sensor_data", key=SENS, start_date="2024-06-16", end_date="2024-06-20"
    )
    assert ok(future)["sensor_data"] == []


async def _sensor_readings(seed: int) -> list[dict[str, Any]]:
    sim = NetroSimulator(seed=seed)
    sim.clock.set(T0)
    now = sim.clock.now()
    return sim.sensors[SENS].readings(now, date(2024, 6, 10), date(2024, 6, 12))


async def test_sensor_data_is_deterministic_from_the_seed() -> None:
    assert await _sensor_readings(1) == await _sensor_readings(1)
    assert await _sensor_readings(1) != await _sensor_readings(2)


async def test_offline_sensor_stops_reporting(npa: Npa, netro: NetroSimulator) -> None:
    netro.set_online(SENS, False)
    assert ok(await npa.get("info", key=SENS))["sensor"]["status"] == "OFFLINE"
    before = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
    netro.clock.advance(3 * 3600)
    assert ok(await npa.get("sensor_data", key=SENS))["sensor_data"] == before
    netro.set_online(SENS, True)
    netro.set_online(SENS, True)
    netro.clock.advance(3600)
    after = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
    assert len(after) == len(before) + 1


# --- what real devices add: last_active, battery_level, stale moisture -----------------

PIXIE = "CTRL00000003"  # "Garden Pixie", the third controller of a fleet


async def info_of(npa: Npa, key: str = CTRL) -> tuple[dict[str, Any], datetime]:
    """info.json's device (or sensor) object and meta.time."""
    reply = await npa.get("info", key=key)
    data = ok(reply)
    [item] = data.values()
    return item, parse(reply.body["meta"]["time"])


def is_check_in(controller: SimController, at: datetime) -> bool:
    """Whether `at` is one of the controller's 15-minute check-ins."""
    offset = controller.check_in_offset
    return (at - offset - datetime(1970, 1, 1, tzinfo=UTC)) % CHECK_IN_INTERVAL == (
        timedelta(0)
    )


async def test_controller_last_active_is_its_latest_check_in(
    npa: Npa, netro: NetroSimulator
) -> None:
    controller = netro.controllers[CTRL]
    device, meta_time = await info_of(npa)
    last = parse(device["last_active"])
    assert is_check_in(controller, last)
    assert meta_time - CHECK_IN_INTERVAL < last <= meta_time
    assert last != meta_time  # the device's contact, not the call
    netro.clock.advance(CHECK_IN_INTERVAL.total_seconds())
    device, meta_time = await info_of(npa)
    assert parse(device["last_active"]) == last + CHECK_IN_INTERVAL
    # Exactly at a check-in it is that check-in; a hair before, the previous one.
    tick = last + 10 * CHECK_IN_INTERVAL
    assert controller.last_active(tick) == tick
    assert controller.last_active(tick - timedelta(microseconds=1)) == (
        tick - CHECK_IN_INTERVAL
    )


def test_check_in_offsets_are_seeded_per_serial() -> None:
    def offsets(seed: int) -> list[timedelta]:
        sim = NetroSimulator(controllers=3, seed=seed)
        return [c.check_in_offset for c in sim.controllers.values()]

    assert offsets(1) == offsets(1)
    assert offsets(1) != offsets(2)
    assert len(set(offsets(1))) == 3
    assert all(timedelta(0) <= o < CHECK_IN_INTERVAL for o in offsets(1))


async def test_controller_last_active_stops_while_offline(
    npa: Npa, netro: NetroSimulator
) -> None:
    controller = netro.controllers[CTRL]
    before, _ = await info_of(npa)
    netro.clock.advance(20 * 60)
    netro.set_online(CTRL, False)
    went_offline = controller.offline_since
    assert went_offline is not None
    assert abs(went_offline - netro.clock.now()) < timedelta(seconds=1)
    netro.clock.advance(5 * 3600)
    device, meta_time = await info_of(npa)
    assert device["status"] == "OFFLINE"
    last = parse(device["last_active"])
    assert last == controller.last_active(went_offline)
    assert went_offline - CHECK_IN_INTERVAL < last <= went_offline
    assert last > parse(before["last_active"])
    assert meta_time - last > timedelta(hours=5)
    netro.set_online(CTRL, True)
    assert controller.offline_since is None
    device, meta_time = await info_of(npa)
    assert meta_time - CHECK_IN_INTERVAL < parse(device["last_active"]) <= meta_time


async def test_controller_last_active_after_the_clock_goes_back(
    npa: Npa, netro: NetroSimulator
) -> None:
    controller = netro.controllers[CTRL]
    netro.set_online(CTRL, False)
    netro.clock.set(T0 - timedelta(days=3))
    device, meta_time = await info_of(npa)
    assert device["status"] == "OFFLINE"
    # Rebuilt: it counts as gone offline at the new time, never in the future.
    assert controller.offline_since is not None
    assert controller.offline_since <= netro.clock.now()
    assert meta_time - CHECK_IN_INTERVAL < parse(device["last_active"]) <= meta_time
    # A controller set offline by hand before anyone looked at it as well.
    other = NetroSimulator(controllers=2)
    other.controllers[CTRL2].online = False
    other.clock.set(T0)
    now = other.clock.now()
    assert T0 - CHECK_IN_INTERVAL < other.controllers[CTRL2].last_active(now) <= now
    assert other.controllers[CTRL2].offline_since is None
    other.controllers[CTRL2].to_json(now)
    assert other.controllers[CTRL2].offline_since == now


@pytest.mark.parametrize("options", [{"controllers": 3}])
async def test_last_active_is_never_later_than_meta_time(
    npa: Npa, netro: NetroSimulator
) -> None:
    for step in range(12):
        netro.clock.advance(7 * 60 + 13)
        if step == 5:
            netro.set_online(CTRL, False)
        for key in (CTRL, CTRL2, PIXIE, SENS):
            item, meta_time = await info_of(npa, key)
            assert TIME_RE.fullmatch(item["last_active"])
            assert parse(item["last_active"]) <= meta_time


@pytest.mark.parametrize(
    ("options", "name"),
    [({"sensor_info_shape": "sensor"}, "sensor"), ({"sensor_info_shape": "device"}, "device")],
)  # fmt: skip
async def test_sensor_last_active_is_its_newest_reading(
    npa: Npa, netro: NetroSimulator, name: str
) -> None:
    async def newest_reading() -> datetime:
        readings = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
        return parse(readings[-1]["time"])

    data = ok(await npa.get("info", key=SENS))
    assert list(data) == [name]
    newest = await newest_reading()
    assert parse(data[name]["last_active"]) == newest
    netro.clock.advance(3600)
    item, meta_time = await info_of(npa, SENS)
    assert (
        parse(item["last_active"])
        == await newest_reading()
        == newest + timedelta(hours=1)
    )
    assert meta_time - parse(item["last_active"]) < timedelta(hours=1)
    # Offline: no readings, so last_active stays where the readings stopped.
    netro.set_online(SENS, False)
    netro.clock.advance(5 * 3600)
    item, meta_time = await info_of(npa, SENS)
    assert parse(item["last_active"]) == await newest_reading()
    assert meta_time - parse(item["last_active"]) > timedelta(hours=5)
    netro.set_online(SENS, True)
    netro.clock.advance(3600)
    item, _ = await info_of(npa, SENS)
    assert parse(item["last_active"]) == await newest_reading()
    assert parse(item["last_active"]) > netro.clock.now() - timedelta(hours=1)


@pytest.mark.parametrize(
    ("options", "name"),
    [({"sensor_info_shape": "sensor"}, "sensor"), ({"sensor_info_shape": "device"}, "device")],
)  # fmt: skip
async def test_sensor_without_a_reading_has_no_last_active(
    npa: Npa, netro: NetroSimulator, name: str
) -> None:
    sensor = netro.sensors[SENS]
    sensor.settle(netro.clock.now())
    sensor.installed = netro.clock.now()  # nothing reported yet (next at :27:16)
    data = ok(await npa.get("info", key=SENS))
    assert "last_active" not in data[name]
    assert data[name]["battery_level"] > 0.79  # the level at installation
    assert ok(await npa.get("sensor_data", key=SENS))["sensor_data"] == []


async def test_sensor_rows_carry_a_draining_battery_percent(
    npa: Npa, netro: NetroSimulator
) -> None:
    readings = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
    levels = [r["battery_level"] for r in readings]
    assert all(isinstance(level, int) for level in levels)
    assert all(a >= b for a, b in pairwise(levels))
    assert 80 <= levels[0] <= 100  # the first reading is at installation
    days = (parse(readings[-1]["time"]) - parse(readings[0]["time"])).days
    assert days == 31
    assert 0.5 * days - 1 <= levels[0] - levels[-1] <= 1.5 * days + 1
    sensor = netro.sensors[SENS]
    installed = sensor.installed
    assert installed is not None
    assert levels[-1] == round(
        sensor.battery.level(installed, parse(readings[-1]["time"]))
    )


def test_batteries_never_drain_below_the_floor() -> None:
    sim = NetroSimulator(controllers=3)
    sim.clock.set(T0)
    sensor = sim.sensors[SENS]
    installed = sensor.settle(T0)
    assert sensor.battery.level(installed, installed + timedelta(days=400)) == 5
    assert sensor.battery.level(installed, installed) == sensor.battery.start
    assert 80 <= sensor.battery.start <= 100
    assert 0.5 <= sensor.battery.drain <= 1.5
    pixie = sim.controllers[PIXIE]
    pixie.settle(T0)  # installed a month before T0
    assert pixie.battery_level(T0 + timedelta(days=400)) == 0.05


def test_batteries_are_seeded() -> None:
    def batteries(seed: int) -> list[tuple[float, float]]:
        sim = NetroSimulator(controllers=3, sensors=2, seed=seed)
        batteries = [sim.controllers[PIXIE].battery]
        batteries += [sensor.battery for sensor in sim.sensors.values()]
        return [(b.start, b.drain) for b in batteries]

    assert batteries(3) == batteries(3)
    assert batteries(3) != batteries(4)
    assert len(set(batteries(3))) == 3


async def test_sensor_info_battery_syncs_weekly(
    npa: Npa, netro: NetroSimulator
) -> None:
    async def info_and_newest_row() -> tuple[float, int]:
        item, _ = await info_of(npa, SENS)
        rows = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
        battery: float = item["battery_level"]
        assert round(battery, 2) == battery
        assert 0 < battery <= 1
        return battery, rows[-1]["battery_level"]

    # Installed 2024-05-15 00:00 local (07:00 UTC): syncs on the 12th and 19th.
    battery, row = await info_and_newest_row()
    assert netro.sensors[SENS].installed == local_at(date(2024, 5, 15), 0)
    assert battery * 100 >= row  # it lags the rows, which drained further
    assert battery * 100 - row <= 11
    netro.clock.set(datetime(2024, 6, 19, 6, 59, tzinfo=UTC))  # just before a sync
    late, late_row = await info_and_newest_row()
    assert late == battery
    assert late * 100 - late_row >= 2  # nearly a week of drain since the sync
    netro.clock.set(datetime(2024, 6, 19, 7, 1, tzinfo=UTC))  # just after it
    synced, synced_row = await info_and_newest_row()
    assert synced < battery
    assert abs(synced * 100 - synced_row) <= 1.5


async def test_rows_battery_can_be_dropped_even_from_cached_rows(
    npa: Npa, netro: NetroSimulator
) -> None:
    first = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
    assert all("battery_level" in r for r in first)
    netro.sensors[SENS].row_battery = False
    rows = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
    assert len(rows) == len(first)
    assert all(set(r) == SENSOR_DATA_KEYS - {"battery_level"} for r in rows)
    assert "battery_level" in (await info_of(npa, SENS))[0]  # info.json keeps it
    netro.sensors[SENS].row_battery = True
    assert ok(await npa.get("sensor_data", key=SENS))["sensor_data"] == first


@pytest.mark.parametrize("options", [{"controllers": 4}])
async def test_only_pixie_controllers_report_a_battery(
    npa: Npa, netro: NetroSimulator
) -> None:
    models = {serial: c.model for serial, c in netro.controllers.items()}
    assert list(models.values()) == ["Sprite", "Spark", "Pixie", "Sprite"]
    for serial, controller in netro.controllers.items():
        device, _ = await info_of(npa, serial)
        assert controller.battery_powered is (serial == PIXIE)
        assert ("battery_level" in device) is (serial == PIXIE)
    pixie, _ = await info_of(npa, PIXIE)
    assert list(pixie)[-3:] == ["last_active", "battery_level", "zones"]
    level = pixie["battery_level"]
    assert isinstance(level, float)
    assert round(level, 2) == level
    # A month after installation (its history start), 80-100 minus 15-45 points.
    assert 0.32 <= level <= 0.85
    netro.clock.advance(4 * 86400)
    later, _ = await info_of(npa, PIXIE)
    assert level - 0.07 <= later["battery_level"] <= level - 0.01
    # Tests can flip it either way.
    netro.controllers[CTRL].battery_powered = True
    netro.controllers[PIXIE].battery_powered = False
    assert 0 < (await info_of(npa, CTRL))[0]["battery_level"] <= 1
    assert "battery_level" not in (await info_of(npa, PIXIE))[0]


def test_battery_powered_follows_the_model() -> None:
    ids = Ids()
    assert new_controller(3, 2, LA, 0, ids).battery_powered
    assert not new_controller(1, 2, LA, 0, ids).battery_powered
    assert SimController("X", 9, "x", LA, 0, ids, model="Pixie").battery_powered
    forced = SimController(
        "Y", 9, "y", LA, 0, ids, model="Pixie", battery_powered=False
    )
    assert forced.battery_powered is False


@pytest.mark.parametrize("options", [{"controllers": 3}])
async def test_pixie_moistures_are_two_days_stale(
    npa: Npa, netro: NetroSimulator
) -> None:
    assert netro.controllers[PIXIE].moisture_stale_days == 2
    assert netro.controllers[CTRL].moisture_stale_days == 0
    records = ok(await npa.get("moistures", key=PIXIE))["moistures"]
    assert max(r["date"] for r in records) == "2024-06-13"
    assert min(r["date"] for r in records) == "2024-05-15"
    late = ok(await npa.get("moistures", key=PIXIE, end_date="2024-07-01"))
    assert max(r["date"] for r in late["moistures"]) == "2024-06-13"
    sprite = ok(await npa.get("moistures", key=CTRL))["moistures"]
    assert max(r["date"] for r in sprite) == "2024-06-15"
    # Days later the newest record is still two days old.
    netro.clock.set(local_at(date(2024, 6, 18), 12))
    records = ok(await npa.get("moistures", key=PIXIE))["moistures"]
    assert max(r["date"] for r in records) == "2024-06-16"
    # Any controller can be made stale.
    netro.controllers[CTRL].moisture_stale_days = 5
    sprite = ok(await npa.get("moistures", key=CTRL))["moistures"]
    assert max(r["date"] for r in sprite) == "2024-06-13"


@pytest.mark.parametrize("options", [{"controllers": 3}])
async def test_set_moisture_makes_moistures_fresh(
    npa: Npa, netro: NetroSimulator
) -> None:
    ok(await npa.post("set_moisture", key=PIXIE, zones=[1], moisture=77))
    assert netro.controllers[PIXIE].moisture_stale_days == 0
    records = ok(await npa.get("moistures", key=PIXIE, start_date="2024-06-13"))
    found = {(r["date"], r["zone"]): r["moisture"] for r in records["moistures"]}
    assert found["2024-06-15", 1] == 77
    assert ("2024-06-14", 2) in found
    assert {day for day, _ in found} == {"2024-06-13", "2024-06-14", "2024-06-15"}


# --- runs started at the controller itself (never listed) --------------------------------


async def listed_running(npa: Npa) -> list[dict[str, Any]]:
    """The schedules schedules.json says execute right now."""
    return [s for s in await schedules(npa) if s["status"] == "EXECUTING"]


async def test_unlisted_run_waters_but_is_never_listed(
    npa: Npa, netro: NetroSimulator
) -> None:
    listed_before = await schedules(npa)
    log_before = netro.watering_log(CTRL)
    netro.water_unlisted(CTRL, 2, 50)  # 04:00 to 04:50 local
    [(zone, start, end)] = netro.watering_log(CTRL, include_running=True)[-1:]
    assert (zone, end - start) == (2, timedelta(minutes=50))
    assert abs(start - netro.clock.now()) < timedelta(seconds=1)
    for _ in range(5):  # "WATERING" all along, nothing running in schedules.json
        device, _ = await info_of(npa)
        assert device["status"] == "WATERING"
        assert netro.zone_watering(CTRL) == {i: i == 2 for i in range(1, 7)}
        assert await listed_running(npa) == []
        assert await schedules(npa) == listed_before
        netro.clock.advance(10 * 60)
    netro.clock.advance(60)  # 51 minutes in: over
    assert not any(netro.zone_watering(CTRL).values())
    assert (await info_of(npa))[0]["status"] == "ONLINE"
    assert netro.watering_log(CTRL) == [*log_before, (2, start, end)]
    events = ok(await npa.get("events", start_date="2024-06-15"))["events"]
    assert [(e["event"], e["message"][:26]) for e in events] == [
        (3, "Start to water zone 2 at 0"),
        (4, "Stop watering zone 2 at 04"),
    ]
    assert parse(events[0]["time"]) == start.replace(microsecond=0)
    # Never listed, not even once it is over.
    assert await schedules(npa) == listed_before


async def test_automatic_schedules_do_not_interrupt_an_unlisted_run(
    npa: Npa, netro: NetroSimulator
) -> None:
    netro.water_unlisted(CTRL, 5, 80)  # 04:00 to 05:20 local
    netro.clock.set(local_at(TODAY, 5, 10))
    assert netro.zone_watering(CTRL) == {i: i == 5 for i in range(1, 7)}
    assert await listed_running(npa) == []
    # The automatic schedules that came due meanwhile were dropped, as during a
    # MANUAL run; the later ones run.
    netro.clock.set(local_at(TODAY, 7))
    today = await today_schedules(npa)
    assert all(parse(s["start_time"]) >= local_at(TODAY, 5, 20) for s in today)
    assert {s["status"] for s in today} == {"EXECUTED"}
    assert len(today) < 5
    runs = [r for r in netro.watering_log(CTRL) if r[1] >= T0]
    assert runs[0][0] == 5
    assert runs[0][2] - runs[0][1] == timedelta(minutes=80)


@pytest.mark.parametrize("how", ["stop_water", "standby", "offline", "water"])
async def test_an_unlisted_run_ends_like_any_run(
    npa: Npa, netro: NetroSimulator, how: str
) -> None:
    netro.water_unlisted(CTRL, 3, 60)
    netro.clock.advance(10 * 60)
    assert netro.zone_watering(CTRL)[3]
    if how == "stop_water":
        ok(await npa.post("stop_water"))
    elif how == "standby":
        ok(await npa.post("set_status", status=0))
    elif how == "offline":
        netro.set_online(CTRL, False)
    else:  # a manual run from the API replaces it, as it would a manual one
        ok(await npa.post("water", zones=[1], duration=5))
    assert not netro.zone_watering(CTRL)[3]
    zone, start, end = next(r for r in netro.watering_log(CTRL) if r[1] >= T0)
    assert zone == 3
    assert timedelta(minutes=10) <= end - start < timedelta(minutes=11)
    events = ok(await npa.get("events", start_date="2024-06-15"))["events"]
    assert [e["event"] for e in events][:2] == [3, 4]
    assert "Stop watering zone 3" in events[1]["message"]


@pytest.mark.parametrize("how", ["standby", "offline"])
async def test_no_unlisted_run_in_standby_or_offline(
    netro: NetroSimulator, how: str
) -> None:
    controller = netro.controllers[CTRL]
    now = netro.clock.now()
    if how == "standby":
        controller.set_standby(now, True)
    else:
        controller.set_online(now, False)
    run = controller.water_unlisted(now, 1, timedelta(minutes=30))
    assert run.dropped
    assert not any(netro.zone_watering(CTRL).values())
    assert controller.status in ("STANDBY", "OFFLINE")


def test_unlisted_run_arguments() -> None:
    sim = NetroSimulator()
    sim.clock.set(T0)
    with pytest.raises(KeyError):
        sim.water_unlisted(CTRL, 7, 10)
    with pytest.raises(ValueError):
        sim.water_unlisted(CTRL, 1, 0)
    with pytest.raises(KeyError):
        sim.water_unlisted("nobody", 1, 10)
    sim.water_unlisted(CTRL, 6, 10)  # a disabled zone's valve still opens by hand
    assert sim.zone_watering(CTRL)[6]


def test_an_unlisted_run_wets_its_zone() -> None:
    def tomorrow(unlisted: bool) -> int:
        sim = NetroSimulator()
        controller = sim.controllers[CTRL]
        controller.set_moisture(T0, [2], 40)
        if unlisted:
            controller.water_unlisted(T0, 2, timedelta(minutes=20))
        later = local_at(TODAY + timedelta(days=1), 12)
        day = TODAY + timedelta(days=1)
        [record] = controller.moistures(later, day, day, [2])
        value: int = record["moisture"]
        return value

    assert abs(tomorrow(unlisted=True) - tomorrow(unlisted=False) - 30) <= 1


async def test_moving_the_clock_back_forgets_an_unlisted_run(
    npa: Npa, netro: NetroSimulator
) -> None:
    netro.water_unlisted(CTRL, 2, 120)
    assert netro.zone_watering(CTRL)[2]
    netro.clock.set(T0 - timedelta(days=1))
    assert not any(netro.zone_watering(CTRL).values())
    assert (await info_of(npa))[0]["status"] == "ONLINE"


# --- the clock -----------------------------------------------------------------------------------


async def test_moving_the_clock_back_rebuilds_the_world(
    npa: Npa, netro: NetroSimulator
) -> None:
    ok(await npa.post("water", zones=[1], duration=5, delay=60))
    ok(await npa.post("set_moisture", moisture=0))
    netro.clock.set(T0 - timedelta(days=10))
    found = await schedules(npa)
    assert "MANUAL" not in {s["source"] for s in found}
    assert min(s["local_date"] for s in found) == "2024-05-05"
    records = ok(await npa.get("moistures"))["moistures"]
    assert 0 not in {r["moisture"] for r in records}
    netro.set_online(SENS, False)
    netro.clock.set(T0 - timedelta(days=20))
    readings = ok(await npa.get("sensor_data", key=SENS))["sensor_data"]
    assert readings[0]["local_date"] == "2024-04-26"
    netro.clock.advance(3 * 3600)  # still offline: nothing new
    assert ok(await npa.get("sensor_data", key=SENS))["sensor_data"] == readings


def test_thirty_days_with_thousands_of_calls_stay_fast() -> None:
    sim = NetroSimulator(controllers=2, sensors=1)
    sim.clock.set(T0)
    controller = sim.controllers[CTRL]
    started = time.monotonic()
    for _ in range(30 * 24 * 6):  # every ten minutes for 30 days
        sim.clock.advance(600)
        now = sim.clock.now()
        sim.zone_watering(CTRL)
        controller.schedules(now, TODAY, TODAY + timedelta(days=1), None)
    assert time.monotonic() - started < 20
    runs = [r for r in sim.watering_log(CTRL) if r[1] > T0]
    assert len(runs) == 30 * 5
    # A controller nobody looked at begins its history a month back, lazily.
    sim.settle()
    assert len(sim.watering_log(CTRL2)) == 30 * 5


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 12, 15), 1) == date(2024, 1, 15)
    assert add_months(date(2024, 5, 31), 1) == date(2024, 6, 30)


# --- standalone ----------------------------------------------------------------------------------


def test_command_line_defaults() -> None:
    args = parse_args(["netro"])
    assert (args.host, args.port, args.controllers, args.zones, args.sensors) == (
        "127.0.0.1",
        8901,
        1,
        6,
        1,
    )
    assert (args.daily_limit, args.error_http_status, args.sensor_info_shape) == (
        2000,
        "ok",
        "sensor",
    )


async def test_serve_prints_how_to_connect(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["netro", "--port", "0", "--controllers", "2", "--zones", "4", "--sensors", "1",
            "--daily-limit", "5", "--error-http-status", "codes"]  # fmt: skip
    async with served(argv, capsys) as lines, ClientSession() as session:
        base_url = lines["Base URL"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/npa/v1", base_url)
        assert lines["Controller keys"] == f"{CTRL}, {CTRL2}"
        assert lines["Sensor keys"] == SENS
        async with session.get(f"{base_url}/info.json", params={"key": CTRL2}) as reply:
            body = await reply.json()
            assert body["data"]["device"]["zone_num"] == 4
            assert body["meta"]["token_remaining"] == 4
        async with session.get(f"{base_url}/info.json", params={"key": "x"}) as reply:
            assert reply.status == 401
