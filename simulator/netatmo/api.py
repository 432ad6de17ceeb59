"""The Netatmo API surface: errors, envelopes, answer shapes and endpoints.

Every endpoint is a plain function of a `Ctx` returning what goes in the
answer's `body`; the table `ENDPOINTS` says which HTTP methods it takes and the
scopes of which a token needs one. Parameters come from the query, a form body
or a JSON body alike (the real API takes all three).

Our doc's snippets disagree with the real API and with each other, so the
answers come in switchable shapes (`Shapes`): the real ones by default, and
every doc variant the wire contract lists. Where the doc is silent (error codes
of a missing or wrong parameter, scopes of scenarios) the comments say what is
answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from functools import partial
import math
from typing import Any

from ..core import Fault, FaultKind
from .events import EVENTS_SHAPES, SNAPSHOT_SHAPES, build_event, event_json, image_url
from .homes import (
    ALIM_OK,
    DATA_TYPES,
    JSON,
    MONITORED_TYPES,
    NHC,
    NLG,
    PLACE,
    PRODUCT_NAMES,
    SD_READY,
    WRITE_SCOPES,
    ScenarioRun,
    SimHome,
    SimModule,
    SimSensor,
    World,
    battery_vp,
    battery_word,
    health_index,
    radio_word,
    stamp,
)

# Error codes (the real API's table).
UNKNOWN_ERROR = 1
INVALID_TOKEN = 2
TOKEN_EXPIRED = 3
DEVICE_UNREACHABLE = 6  # homestatus' per-device "errors" entries
DEVICE_NOT_FOUND = 9
MISSING_ARGS = 10
OPERATION_FORBIDDEN = 13  # the token lacks the scope
INVALID_ARG = 21
USAGE_REACHED = 26

# The code an HTTP error status comes with when nothing more precise is known.
CODE_BY_STATUS = {400: INVALID_ARG, 401: INVALID_TOKEN, 403: OPERATION_FORBIDDEN}
TIME_EXEC = 0.031  # the real answers' time_exec, seconds

READ_SECURITY = frozenset({"read_camera", "read_presence", "read_doorbell"})
# The contract's scope list has none for scenarios: running one takes a security
# write scope, reading them a security read scope.
SCENARIO_WRITE = frozenset({"write_camera", "write_presence"})


class ApiError(Exception):
    """An error the API answers with HTTP `status` and {"error": {code, message}}."""

    def __init__(self, status: int, code: int, message: str) -> None:
        """Store the HTTP status, the Netatmo code and the message."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_body(code: int, message: str) -> JSON:
    """The real error answer."""
    return {"error": {"code": code, "message": message}}


def missing(name: str) -> ApiError:
    """A required parameter is missing (code 10, as the real API answers)."""
    return ApiError(400, MISSING_ARGS, f"Missing {name}")


def invalid(message: str) -> ApiError:
    """A parameter is wrong (code 21)."""
    return ApiError(400, INVALID_ARG, message)


def not_found(device_id: str) -> ApiError:
    """No such device (code 9)."""
    return ApiError(404, DEVICE_NOT_FOUND, f"Device not found: {device_id}")


# --- shapes ------------------------------------------------------------------------

ENVELOPES = ("body", "flat", "bare", "doc")
HOMESDATA_SHAPES = ("real", "control", "security")
PERSON_NAME_KEYS = ("pseudo", "name")
HOMESTATUS_SHAPES = ("real", "legacy", "doc")
SCENARIOS_SHAPES = ("real", "named", "strings", "scenario_id")
STATIONS_SHAPES = ("real", "diagnostic")
COACH_NAME_KEYS = ("station_name", "name")
TOKEN_SHAPES = ("real", "doc")
# The envelope each doc snippet shows, with envelope "doc" (others: bare).
DOC_ENVELOPES = {"homestatus": "flat", "getmeasure": "body"}

_CHOICES: dict[str, tuple[str, ...]] = {
    "envelope": ENVELOPES,
    "homesdata": HOMESDATA_SHAPES,
    "person_name": PERSON_NAME_KEYS,
    "homestatus": HOMESTATUS_SHAPES,
    "events": EVENTS_SHAPES,
    "snapshot": SNAPSHOT_SHAPES,
    "scenarios": SCENARIOS_SHAPES,
    "stations": STATIONS_SHAPES,
    "coach_name": COACH_NAME_KEYS,
    "token": TOKEN_SHAPES,
}


@dataclass(frozen=True)
class Shapes:
    """Which shape every answer takes: the real API's, or one of the doc's.

    - envelope: "body" (real: {"body": ..., "status": "ok", "time_server"}),
      "flat" ({"status": "ok", <body's keys>}), "bare" (the body's keys alone)
      or "doc" (each endpoint as its doc snippet shows it: homestatus flat,
      getmeasure with body, the others bare). Errors are always
      {"error": {...}}; setstate and the webhook routes always {"status": "ok"}.
    - homesdata: "real" (id, rooms with module_ids, modules), "control" (the
      doc's home_id, rooms with room_id and devices[] of device_id,
      product_name, type; a device in no room is not listed) or "security"
      (id, rooms with id, home-level devices[] of id, name, room_id, type).
    - person_name: a person's name as "pseudo" (real) or "name" (doc).
    - user: whether homesdata and the station/coach answers carry `user`
      (without it, a client takes the first home's id for the account).
    - homestatus: "real" (modules[], sd_status/alim_status codes, unreachable
      devices in body.errors), "legacy" (the same with "on"/"off" strings) or
      "doc" (devices[] with status "online"/"offline", reachable, sd_status
      "ok", config.name, firmware, last_update, monitoring_status).
    - events: "real", "doc" (top-level events with event_id, event_type,
      timestamp, device_id, camera_id) or "motion" (top-level events whose
      movement is "motion", with timestamp).
    - snapshot: event pictures as {"url"} (real) or {"id", "key"} (older
      answers, fetched through getcamerapicture); webhooks likewise send
      snapshot_url or snapshot_id/snapshot_key.
    - scenarios: "real" ({"home": {"scenarios": [{"type", "id", ...}]}}),
      "named" ([{"id", "name", "actions"}]), "strings" (["Home", ...]) or
      "scenario_id" ([{"scenario_id", "name"}]).
    - stations: "real" or "diagnostic" (modules with the doc's radio_status and
      battery_level words and an ISO setup_date instead of rf_status and
      battery_percent).
    - coach_name: a home coach's name as "station_name" (real answers) or
      "name".
    - token: the token answer as the real API gives it, or "doc" (with the
      doc example's restricted tokens as well).
    """

    envelope: str = "body"
    homesdata: str = "real"
    person_name: str = "pseudo"
    user: bool = True
    homestatus: str = "real"
    events: str = "real"
    snapshot: str = "url"
    scenarios: str = "real"
    stations: str = "real"
    coach_name: str = "station_name"
    token: str = "real"  # noqa: S105 - a shape, not a secret

    def __post_init__(self) -> None:
        """Refuse unknown shapes."""
        for spec in fields(self):
            choices = _CHOICES.get(spec.name)
            value = getattr(self, spec.name)
            if choices is not None and value not in choices:
                raise ValueError(f"{spec.name} must be one of {', '.join(choices)}")

    @classmethod
    def preset(cls, name: str) -> Shapes:
        """Shapes by name: "real" (the real API's) or "doc" (the doc's variants).

        "doc" takes a doc variant for every answer that has one.
        """
        if name == "real":
            return cls()
        if name == "doc":
            return cls(
                envelope="doc",
                homesdata="security",
                person_name="name",
                user=False,
                homestatus="doc",
                events="doc",
                scenarios="named",
                stations="diagnostic",
                coach_name="name",
                token="doc",  # noqa: S106 - a shape, not a secret
            )
        raise ValueError('preset must be "real" or "doc"')

    def but(self, **changes: Any) -> Shapes:
        """These shapes with some changed (checked)."""
        return replace(self, **changes)


def envelope(name: str, content: Any, shapes: Shapes, now: datetime) -> Any:
    """Wrap an endpoint's body the way `shapes.envelope` says."""
    mode = shapes.envelope
    if mode == "doc":
        mode = DOC_ENVELOPES.get(name, "bare")
    if mode == "body" or not isinstance(content, dict):
        return ok_body(content, now)
    if mode == "flat":
        return {"status": "ok", **content, "time_server": stamp(now)}
    return content


def ok_body(content: Any, now: datetime) -> JSON:
    """The real success envelope."""
    return {
        "body": content,
        "status": "ok",
        "time_exec": TIME_EXEC,
        "time_server": stamp(now),
    }


def ok_status(now: datetime) -> JSON:
    """The answer of a write (setstate, addwebhook...): no body."""
    return {"status": "ok", "time_exec": TIME_EXEC, "time_server": stamp(now)}


# --- context and parameters ------------------------------------------------------


@dataclass
class Ctx:
    """Everything an endpoint needs for one request."""

    world: World
    now: datetime
    args: Mapping[str, Any]
    body: Any  # the JSON body, if any
    scopes: frozenset[str]
    shapes: Shapes
    base_url: str

    def arg(self, name: str) -> str | None:
        """A parameter as a string (None when absent or empty)."""
        value = self.args.get(name)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def required(self, name: str) -> str:
        """A parameter that must be there (code 10 if not)."""
        value = self.arg(name)
        if value is None:
            raise missing(name)
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """An optional integer parameter in [low, high] (code 21 if not)."""
        raw = self.arg(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid(f"{name} must be an integer") from None
        if not low <= value <= high:
            raise invalid(f"{name} must be between {low} and {high}")
        return value

    def home(self, name: str = "home_id") -> SimHome:
        """The home a parameter names (code 10 if absent, 21 if unknown)."""
        home = self.world.homes.get(self.required(name))
        if home is None:
            raise invalid("Invalid id")
        return home

    def image(self, image_id: str) -> str:
        """The URL the simulator serves a picture at."""
        return image_url(self.base_url, self.world.images[image_id])

    def vpn_url(self, module: SimModule) -> str:
        """A camera's VPN URL (on this simulator)."""
        return f"{self.base_url}/vpn/{module.camera_hash}"

    def require_scope(self, wanted: frozenset[str] | set[str]) -> None:
        """Code 13 unless the token has one of `wanted`."""
        if not self.scopes & wanted:
            raise ApiError(
                403,
                OPERATION_FORBIDDEN,
                "Application does not have the good scope rights",
            )


# --- homesdata / gethomedata -------------------------------------------------------


def _persons(home: SimHome, ctx: Ctx) -> list[JSON]:
    """Homesdata's persons."""
    key = ctx.shapes.person_name
    return [
        {
            "id": person.person_id,
            key: person.pseudo,
            "url": ctx.image(person.face.image_id),
        }
        for person in home.persons.values()
    ]


def _home_topology(home: SimHome, ctx: Ctx) -> JSON:
    """One home of homesdata in the configured shape."""
    modules = list(home.modules.values())
    persons = _persons(home, ctx)
    if ctx.shapes.homesdata == "control":
        return {
            "home_id": home.home_id,
            "name": home.name,
            "rooms": [
                {
                    "room_id": room.room_id,
                    "name": room.name,
                    "devices": [
                        {
                            "device_id": module.module_id,
                            "product_name": PRODUCT_NAMES[module.type],
                            "type": module.type,
                        }
                        for module in modules
                        if module.room_id == room.room_id
                    ],
                }
                for room in home.rooms
            ],
            "persons": persons,
        }
    if ctx.shapes.homesdata == "security":
        return {
            "id": home.home_id,
            "name": home.name,
            "rooms": [{"id": room.room_id, "name": room.name} for room in home.rooms],
            "devices": [
                {
                    "id": module.module_id,
                    "name": module.name,
                    "room_id": module.room_id,
                    "type": module.type,
                }
                for module in modules
            ],
            "persons": persons,
        }
    topology: list[JSON] = []
    for module in modules:
        entry: JSON = {
            "id": module.module_id,
            "type": module.type,
            "name": module.name,
            "setup_date": stamp(module.setup),
        }
        if module.room_id is not None:
            entry["room_id"] = module.room_id
        topology.append(entry)
    return {
        "id": home.home_id,
        "name": home.name,
        "altitude": PLACE["altitude"],
        "coordinates": PLACE["location"],
        "country": PLACE["country"],
        "timezone": home.timezone,
        "rooms": [
            {
                "id": room.room_id,
                "name": room.name,
                "type": room.type,
                "module_ids": [
                    m.module_id for m in modules if m.room_id == room.room_id
                ],
            }
            for room in home.rooms
        ],
        "modules": topology,
        "persons": persons,
    }


def homesdata(ctx: Ctx) -> JSON:
    """GET homesdata (and gethomedata): the homes and their devices.

    An optional home_id narrows the answer to that home (code 21 if unknown).
    """
    homes = list(ctx.world.homes.values())
    if ctx.arg("home_id") is not None:
        homes = [ctx.home()]
    content: JSON = {"homes": [_home_topology(home, ctx) for home in homes]}
    if ctx.shapes.user:
        content["user"] = {
            "id": ctx.world.user_id,
            "email": ctx.world.email,
            "language": "en-US",
            "locale": "en-US",
            "feel_like_algorithm": 0,
            "unit_pressure": 0,
            "unit_system": 0,
            "unit_wind": 0,
        }
    return content


# --- homestatus --------------------------------------------------------------------


def _module_status(module: SimModule, ctx: Ctx) -> JSON:
    """One module of homestatus, real or legacy."""
    data: JSON = {"id": module.module_id, "type": module.type}
    if module.type == NLG:
        return data | {
            "firmware_revision": module.firmware,
            "wifi_strength": module.wifi_strength,
            "reachable": True,  # an unreachable gateway is in body.errors instead
            "last_seen": stamp(ctx.now),
        }
    legacy = ctx.shapes.homestatus == "legacy"
    if module.monitoring is not None:
        data["monitoring"] = module.monitoring
    if legacy:
        data["sd_status"] = "on" if module.sd_status == SD_READY else "off"
        data["alim_status"] = "on" if module.alim_status == ALIM_OK else "off"
    else:
        data["sd_status"] = module.sd_status
        data["alim_status"] = module.alim_status
    data |= {
        "vpn_url": ctx.vpn_url(module),
        "is_local": module.is_local,
        "firmware_revision": module.firmware,
        "wifi_strength": module.wifi_strength,
    }
    if module.floodlight is not None:
        data["floodlight"] = module.floodlight
    return data


def _doc_device(module: SimModule, ctx: Ctx) -> JSON:
    """One device of the doc's homestatus variant."""
    data: JSON = {
        "id": module.module_id,
        "type": module.type,
        "status": "online" if module.reachable else "offline",
        "reachable": module.reachable,
    }
    if module.is_camera:
        data["sd_status"] = "ok" if module.sd_status == SD_READY else "error"
        if module.reachable:
            data["vpn_url"] = ctx.vpn_url(module)
    if module.monitoring is not None:
        data["monitoring_status"] = module.monitoring
    config: JSON = {"name": module.name}
    if module.room_id is not None:
        config["room_id"] = module.room_id
    return data | {
        "config": config,
        "firmware": module.firmware,
        "last_update": stamp(
            ctx.now if module.reachable else module.last_seen or ctx.now
        ),
    }


def homestatus(ctx: Ctx) -> JSON:
    """GET homestatus?home_id=...: the state of a home's devices and persons.

    device_types (comma separated) narrows the devices, as the real API does.
    An unreachable device is not in modules but in body.errors with code 6
    (real and legacy shapes); the doc shape lists it with status "offline".
    """
    home = ctx.home()
    wanted = ctx.arg("device_types")
    types = set(wanted.split(",")) if wanted else None
    modules = [
        module
        for module in home.modules.values()
        if types is None or module.type in types
    ]
    persons = [
        {
            "id": person.person_id,
            "last_seen": stamp(person.last_seen),
            "out_of_sight": person.out_of_sight,
        }
        for person in home.persons.values()
    ]
    if ctx.shapes.homestatus == "doc":
        return {
            "home": {
                "id": home.home_id,
                "devices": [_doc_device(module, ctx) for module in modules],
                "persons": persons,
            }
        }
    content: JSON = {
        "home": {
            "id": home.home_id,
            "modules": [_module_status(m, ctx) for m in modules if m.reachable],
            "persons": persons,
        }
    }
    errors = [
        {"code": DEVICE_UNREACHABLE, "id": m.module_id}
        for m in modules
        if not m.reachable
    ]
    if errors:
        content = {"errors": errors, **content}
    return content


# --- getevents ---------------------------------------------------------------------

DEFAULT_EVENTS = 30
MAX_EVENTS = 300


def getevents(ctx: Ctx) -> JSON:
    """GET getevents?home_id=...&size=N: the home's events, newest first.

    module_id (or device_id) narrows them to one device.
    """
    home = ctx.home()
    size = ctx.integer("size", DEFAULT_EVENTS, 1, MAX_EVENTS)
    device = ctx.arg("module_id") or ctx.arg("device_id")
    if device is not None and device not in home.modules:
        raise not_found(device)
    events = [
        event
        for event in reversed(home.events)
        if device is None or event.module_id == device
    ][:size]
    shape, snapshot = ctx.shapes.events, ctx.shapes.snapshot
    listed = [event_json(e, home, ctx.base_url, shape, snapshot) for e in events]
    if shape == "real":
        return {"home": {"id": home.home_id, "events": listed}}
    return {"events": listed}


# --- getstationsdata / gethomecoachsdata ---------------------------------------------


def _iso(dt: datetime) -> str:
    """The doc's ISO 8601 form of a time."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _account_user(ctx: Ctx) -> JSON:
    """The user object of getstationsdata and gethomecoachsdata."""
    return {
        "mail": ctx.world.email,
        "administrative": {
            "lang": "en-US",
            "reg_locale": "en-US",
            "country": "FR",
            "unit": 0,
            "windunit": 0,
            "pressureunit": 0,
            "feel_like_algo": 0,
        },
    }


def _last_seen(sensor: SimSensor, reachable: bool, now: datetime) -> int:
    """When a device last reported: its latest measurement, or when it was lost."""
    if reachable:
        return stamp(sensor.measured_at(now))
    return stamp(sensor.measured_at(sensor.lost_at or sensor.setup))


def _station_module(module: SimSensor, station_reachable: bool, ctx: Ctx) -> JSON:
    """One module of a station."""
    reachable = module.reachable and station_reachable
    seen = _last_seen(module, reachable, ctx.now)
    data: JSON = {
        "_id": module.device_id,
        "type": module.type,
        "module_name": module.name,
        "data_type": DATA_TYPES[module.type],
        "last_setup": stamp(module.setup),
        "reachable": reachable,
        "firmware": module.firmware,
        "last_message": seen,
        "last_seen": seen,
    }
    battery = module.battery_percent if module.battery_percent is not None else 100
    rf_status = module.rf_status if module.rf_status is not None else 60
    if ctx.shapes.stations == "diagnostic":
        data |= {
            "radio_status": radio_word(rf_status),
            "battery_level": battery_word(battery),
            "setup_date": _iso(module.setup),
        }
    else:
        data |= {
            "rf_status": rf_status,
            "battery_vp": battery_vp(battery),
            "battery_percent": battery,
        }
    if reachable:
        data["dashboard_data"] = module.dashboard_data(ctx.now)
    return data


def _weather_device(device: SimSensor, ctx: Ctx) -> JSON:
    """A station or a home coach, with its modules (a station's)."""
    data: JSON = {"_id": device.device_id, "type": device.type}
    if device.type == NHC:
        data[ctx.shapes.coach_name] = device.station_name or device.name
    else:
        data["station_name"] = device.station_name or device.name
        data["module_name"] = device.name
    data |= {
        "date_setup": stamp(device.setup),
        "last_setup": stamp(device.setup),
        "last_status_store": _last_seen(device, device.reachable, ctx.now),
        "firmware": device.firmware,
        "wifi_status": device.wifi_status,
        "reachable": device.reachable,
        "co2_calibrating": False,
        "data_type": DATA_TYPES[device.type],
        "place": {**PLACE, "timezone": device.timezone},
    }
    if ctx.shapes.stations == "diagnostic" and device.type != NHC:
        data["setup_date"] = _iso(device.setup)
    if device.reachable:
        data["dashboard_data"] = device.dashboard_data(ctx.now)
    if device.type != NHC:
        data["modules"] = [
            _station_module(module, device.reachable, ctx) for module in device.modules
        ]
    return data


def _weather_answer(devices: dict[str, SimSensor], ctx: Ctx) -> JSON:
    """The devices of a weather answer, narrowed by device_id if given."""
    wanted = ctx.arg("device_id")
    chosen = list(devices.values())
    if wanted is not None:
        if wanted not in devices:
            raise not_found(wanted)
        chosen = [devices[wanted]]
    content: JSON = {"devices": [_weather_device(device, ctx) for device in chosen]}
    if ctx.shapes.user:
        content["user"] = _account_user(ctx)
    return content


def getstationsdata(ctx: Ctx) -> JSON:
    """GET getstationsdata: the weather stations and their modules.

    A device that is not reachable has no dashboard_data (nor have the modules
    of an unreachable station).
    """
    return _weather_answer(ctx.world.stations, ctx)


def gethomecoachsdata(ctx: Ctx) -> JSON:
    """GET gethomecoachsdata: the home coaches."""
    return _weather_answer(ctx.world.coaches, ctx)


# --- getmeasure (stations and coaches history; the doc's aircare snippet) ------------

SCALES = {
    "max": 300,
    "30min": 1800,
    "1hour": 3600,
    "3hours": 10800,
    "1day": 86400,
    "1week": 7 * 86400,
    "1month": 30 * 86400,
}
MAX_MEASURES = 1024


def getmeasure(ctx: Ctx) -> Any:
    """GET getmeasure?device_id&module_id&scale&type: a device's history.

    optimize (default true) gives the real [{"beg_time", "step_time", "value"}]
    list, optimize=false an object of "<timestamp>": [values]. Types are the
    device's data_type names in any case; values are the drifting readings.
    """
    device_id = ctx.required("device_id")
    module_id = ctx.arg("module_id")
    try:
        sensor = ctx.world.find_sensor(module_id or device_id)
    except KeyError:
        raise not_found(module_id or device_id) from None
    if module_id is not None:
        station = ctx.world.station_of(module_id)
        if station is None or station.device_id != device_id:
            raise not_found(module_id)
    ctx.require_scope({"read_homecoach"} if sensor.type == NHC else {"read_station"})
    scale = ctx.required("scale")
    if scale not in SCALES:
        raise invalid(f"Invalid scale: {scale}")
    names = _measure_names(sensor, ctx.required("type"))
    step = SCALES[scale]
    limit = ctx.integer("limit", MAX_MEASURES, 1, MAX_MEASURES)
    now = stamp(ctx.now)
    end = min(ctx.integer("date_end", now, 0, 2**40), now) // step * step
    begin = ctx.integer("date_begin", end - step * (limit - 1), 0, 2**40)
    first = math.ceil(begin / step) * step
    times = list(range(first, end + 1, step))[:limit]
    rows = [[_measure(sensor, name, t) for name in names] for t in times]
    if ctx.arg("optimize") == "false":
        return {str(t): row for t, row in zip(times, rows, strict=True)}
    if not times:
        return []
    return [{"beg_time": times[0], "step_time": step, "value": rows}]


def _measure_names(sensor: SimSensor, raw: str) -> list[str]:
    """The measures asked for (code 21 for one the device does not have)."""
    known = {name.casefold(): name for name in DATA_TYPES[sensor.type]}
    names = []
    for item in raw.split(","):
        name = known.get(item.strip().casefold())
        if name is None:
            raise invalid(f"Invalid type: {item.strip()}")
        names.append(name)
    return names


def _measure(sensor: SimSensor, name: str, when: int) -> Any:
    """One historical value."""
    at = datetime.fromtimestamp(when, UTC)
    if name == "health_idx":
        return health_index(sensor.drifting("CO2", at), sensor.drifting("Humidity", at))
    return sensor.drifting(name, at)


# --- scenarios ---------------------------------------------------------------------


def getscenarios(ctx: Ctx) -> JSON:
    """GET getscenarios?home_id=...: the gateway's scenarios (none without one).

    The doc's snippets also ask by the gateway's device_id, or for nothing at
    all: with a doc shape, a missing home_id means the first home with a
    gateway. The real shape wants home_id (code 10).
    """
    home = _scenario_home(ctx)
    scenarios = home.scenarios if home.gateway is not None else []
    match ctx.shapes.scenarios:
        case "named":
            return {
                "scenarios": [
                    {"id": s.scenario_id, "name": s.name, "actions": []}
                    for s in scenarios
                ]
            }
        case "strings":
            return {"scenarios": [s.name for s in scenarios]}
        case "scenario_id":
            return {
                "scenarios": [
                    {"scenario_id": s.scenario_id, "name": s.name} for s in scenarios
                ]
            }
    listed: list[JSON] = []
    for scenario in scenarios:
        entry: JSON = {"type": scenario.type, "id": scenario.scenario_id}
        if scenario.type == "custom":
            entry["name"] = scenario.name
        listed.append(entry)
    return {"home": {"id": home.home_id, "scenarios": listed}}


def _scenario_home(ctx: Ctx) -> SimHome:
    """The home getscenarios is asked about."""
    if ctx.arg("home_id") is not None:
        return ctx.home()
    device = ctx.arg("device_id")
    if device is not None:
        try:
            home, _ = ctx.world.find_module(device)
        except KeyError:
            raise not_found(device) from None
        return home
    if ctx.shapes.scenarios == "real":
        raise missing("home_id")
    with_gateway = [h for h in ctx.world.homes.values() if h.gateway is not None]
    if not with_gateway:
        raise missing("home_id")
    return with_gateway[0]


# --- setstate ----------------------------------------------------------------------

MONITORING = ("on", "off")
FLOODLIGHT = ("on", "off", "auto")


def setstate(ctx: Ctx) -> JSON:
    """POST setstate with {"home": {"id", "modules": [{"id", ...}]}}.

    A module entry sets "monitoring" ("on"/"off", NACamera and NOC only: a
    doorbell has none), "floodlight" (NOC) or runs a "scenario" (the NLG
    gateway only: a home without one can not run scenarios). Everything is
    checked before anything changes. A monitoring change is an "on"/"off"
    event of the camera, pushed like any other.
    """
    home_json = ctx.body.get("home") if isinstance(ctx.body, dict) else None
    if not isinstance(home_json, dict):
        raise missing("home")
    home = ctx.world.homes.get(str(home_json.get("id")))
    if home is None:
        raise invalid("Invalid id")
    entries = home_json.get("modules")
    if not isinstance(entries, list) or not entries:
        raise missing("modules")
    changes = [_change(home, entry, ctx) for entry in entries]
    for apply in changes:
        apply()
    return ok_status(ctx.now)


def _change(home: SimHome, entry: Any, ctx: Ctx) -> Callable[[], None]:
    """Check one module entry of setstate; return how to apply it."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise invalid("Each module needs an id")
    module = home.modules.get(entry["id"])
    if module is None:
        raise not_found(entry["id"])
    wanted = {key: value for key, value in entry.items() if key != "id"}
    if not wanted:
        raise invalid(f"Nothing to set for module {module.module_id}")
    steps: list[Callable[[], None]] = []
    for key, value in wanted.items():
        if key == "monitoring" and module.type in MONITORED_TYPES:
            ctx.require_scope({WRITE_SCOPES[module.type]})
            if value not in MONITORING:
                raise invalid(f"Invalid monitoring value: {value}")
            steps.append(_monitoring_step(home, module, value, ctx))
        elif key == "floodlight" and module.floodlight is not None:
            ctx.require_scope({WRITE_SCOPES[module.type]})
            if value not in FLOODLIGHT:
                raise invalid(f"Invalid floodlight value: {value}")
            steps.append(partial(setattr, module, "floodlight", value))
        elif key == "scenario" and module.type == NLG:
            ctx.require_scope(SCENARIO_WRITE)
            scenario = home.scenario(str(value))
            if scenario is None:
                raise invalid(f"Invalid scenario: {value}")
            steps.append(_scenario_step(home, scenario.scenario_id, ctx))
        else:
            raise invalid(f"cannot set property {key} for module {module.module_id}")

    def apply() -> None:
        for step in steps:
            step()

    return apply


def _monitoring_step(
    home: SimHome, module: SimModule, value: str, ctx: Ctx
) -> Callable[[], None]:
    """Switch a camera's monitoring; a change is an on/off event."""

    def apply() -> None:
        if module.monitoring == value:
            return
        module.monitoring = value
        event = build_event(ctx.world, home, module, value, ctx.now)
        ctx.world.add_event(home, event)

    return apply


def _scenario_step(home: SimHome, scenario_id: str, ctx: Ctx) -> Callable[[], None]:
    """Run a scenario."""

    def apply() -> None:
        home.active_scenario = scenario_id
        ctx.world.scenario_runs.append(ScenarioRun(home.home_id, scenario_id, ctx.now))

    return apply


# --- the table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One API: /api/<name> (and the doc's bare /<name>).

    `scopes`: the token needs one of them (None: any valid token will do).
    `enveloped`: False for writes, whose function returns the whole answer.
    """

    name: str
    methods: tuple[str, ...]
    scopes: frozenset[str] | None
    run: Callable[[Ctx], Any]
    enveloped: bool = True


READ = ("GET", "POST")  # the real API takes both (pyatmo POSTs everything)
ENDPOINTS = (
    Endpoint("homesdata", READ, None, homesdata),
    Endpoint("gethomedata", READ, None, homesdata),
    Endpoint("homestatus", READ, READ_SECURITY, homestatus),
    Endpoint("getevents", READ, READ_SECURITY, getevents),
    Endpoint("getstationsdata", READ, frozenset({"read_station"}), getstationsdata),
    Endpoint(
        "gethomecoachsdata", READ, frozenset({"read_homecoach"}), gethomecoachsdata
    ),
    Endpoint(
        "getmeasure", READ, frozenset({"read_station", "read_homecoach"}), getmeasure
    ),
    Endpoint("getscenarios", READ, READ_SECURITY, getscenarios),
    Endpoint("setstate", ("POST",), SCENARIO_WRITE, setstate, enveloped=False),
)
# Endpoints the simulator answers itself (pictures, webhooks), and their scopes.
SIMULATOR_ENDPOINTS: dict[str, frozenset[str] | None] = {
    "getcamerapicture": READ_SECURITY,
    "addwebhook": READ_SECURITY,
    "dropwebhook": READ_SECURITY,
}
SCOPES_BY_ENDPOINT: dict[str, frozenset[str] | None] = {
    **{endpoint.name: endpoint.scopes for endpoint in ENDPOINTS},
    **SIMULATOR_ENDPOINTS,
}
ENDPOINT_NAMES = tuple(SCOPES_BY_ENDPOINT)
# The code of an error status when a route has none of its own (unknown route...).
DEFAULT_CODE = UNKNOWN_ERROR


def code_for_status(status: int) -> int:
    """The Netatmo code an HTTP error status comes with."""
    return CODE_BY_STATUS.get(status, DEFAULT_CODE)


# --- homesdata's faults (see simulator.netatmo) ---------------------------------------


def only_ids(value: Any, keep: frozenset[str]) -> Any:
    """Objects reduced to their identity keys (and the objects and lists inside)."""
    if isinstance(value, dict):
        return {
            key: item if key in keep else only_ids(item, keep)
            for key, item in value.items()
            if key in keep or isinstance(item, dict | list)
        }
    if isinstance(value, list):
        return [only_ids(item, keep) for item in value if isinstance(item, dict | list)]
    return value


def _entry_id(entry: Any) -> Any:
    """The id of a homesdata device entry, whatever the shape."""
    if not isinstance(entry, dict):
        return None
    return entry.get("id", entry.get("device_id"))


def _rewrite_entries(fault: Fault, entries: list[Any]) -> list[Any]:
    """Break a list of device entries the way a homesdata fault says."""
    match fault.kind:
        case FaultKind.BAD_ENTRIES:
            return [
                *entries,
                {"name": "Camera without an id", "type": "NACamera"},
                {"id": "70:ee:50:ff:ff:ff", "name": "Device without a type"},
                "garbage",
                None,
            ]
        case FaultKind.DROP_DEVICE:
            return [entry for entry in entries if _entry_id(entry) != fault.value]
        case FaultKind.MINIMAL_ENTRIES:
            return [
                {key: entry[key] for key in ("id", "device_id", "type") if key in entry}
                for entry in entries
                if isinstance(entry, dict)
            ]
    return entries


def rewrite_homes(fault: Fault, body: Any) -> Any:
    """The body of homesdata with its homes' device lists broken."""
    if not isinstance(body, dict) or not isinstance(body.get("homes"), list):
        return body
    if fault.kind is FaultKind.EMPTY_LIST:
        return {**body, "homes": []}
    homes: list[Any] = []
    for home in body["homes"]:
        if not isinstance(home, dict):
            homes.append(home)
            continue
        home = dict(home)
        for key in ("modules", "devices"):
            if isinstance(home.get(key), list):
                home[key] = _rewrite_entries(fault, home[key])
        rooms = []
        for room in home.get("rooms") or []:
            room = dict(room)
            if isinstance(room.get("devices"), list):
                room["devices"] = _rewrite_entries(fault, room["devices"])
            if fault.kind is FaultKind.DROP_DEVICE and "module_ids" in room:
                room["module_ids"] = [m for m in room["module_ids"] if m != fault.value]
            rooms.append(room)
        if "rooms" in home:
            home["rooms"] = rooms
        homes.append(home)
    return {**body, "homes": homes}
