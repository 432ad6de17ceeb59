"""Netatmo's answers parsed into plain records (no Home Assistant imports).

Each parser reads the real API's shape first (as pyatmo's fixtures and Home
Assistant core's netatmo integration show it), then every variant the doc's
snippets (``shared/vendor-apis/netatmo.txt``) show for the same endpoint; the
module docstring of each parser lists them. The envelope (``body``) is the
client's: these parsers get what is inside it. A value of the wrong type
becomes unknown (and is counted); an answer whose structure is wrong is a
``BadResponseError``; an entry of a list we cannot read is skipped and
counted, so the rest of the answer still counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import re
from typing import Any, Final

from ...model import Measurement, PowerSupply, Scenario, SdCard
from ..base import BadResponseError
from ..parse import (
    ParseReport,
    pick,
    present,
    to_bool,
    to_datetime,
    to_float,
    to_int,
    to_str,
    to_text,
)

#: Camera types, with the names Netatmo sells them under.
CAMERA_MODELS: Final[dict[str, str]] = {
    "NACamera": "Smart Indoor Camera",
    "NOC": "Smart Outdoor Camera",
    "NDB": "Smart Video Doorbell",
}
#: Weather station types we map (the wind and rain gauges measure nothing
#: the neutral model has: they are skipped).
STATION_MODELS: Final[dict[str, str]] = {
    "NAMain": "Smart Weather Station",
    "NAModule1": "Smart Outdoor Module",
    "NAModule4": "Smart Additional Indoor Module",
}
HOMECOACH_MODELS: Final[dict[str, str]] = {
    "NHC": "Smart Indoor Air Quality Monitor",
}
#: Station modules we know but do not map.
UNMAPPED_STATION_TYPES: Final = frozenset({"NAModule2", "NAModule3"})
#: Gateways a home runs its scenarios through (Legrand's and BTicino's).
GATEWAY_TYPES: Final = frozenset({"NLG", "NLGS", "BNMH"})
#: Types another endpoint than homesdata reads (a topology may list them too).
WEATHER_TYPES: Final = frozenset(
    {*STATION_MODELS, *HOMECOACH_MODELS, *UNMAPPED_STATION_TYPES}
)

#: ``sd_status`` numbers (the real API) and the older words.
SD_STATUSES: Final[dict[int, SdCard]] = {
    1: SdCard.MISSING,
    2: SdCard.INSERTED,
    3: SdCard.FORMATTED,
    4: SdCard.READY,
    5: SdCard.DEFECT,
    6: SdCard.INCOMPATIBLE,
    7: SdCard.TOO_SMALL,
}
_SD_WORDS: Final[dict[str, SdCard]] = {
    "on": SdCard.READY,
    "ok": SdCard.READY,
    "ready": SdCard.READY,
    "off": SdCard.MISSING,
    "missing": SdCard.MISSING,
}
#: ``alim_status`` numbers and the older words.
POWER_STATUSES: Final[dict[int, PowerSupply]] = {
    1: PowerSupply.INSUFFICIENT,
    2: PowerSupply.OK,
}
_POWER_WORDS: Final[dict[str, PowerSupply]] = {
    "on": PowerSupply.OK,
    "ok": PowerSupply.OK,
    "off": PowerSupply.INSUFFICIENT,
    "insufficient": PowerSupply.INSUFFICIENT,
}
#: A device ``status`` word that says whether it is connected.
_ONLINE_WORDS: Final = frozenset({"online", "connected"})
_OFFLINE_WORDS: Final = frozenset({"offline", "disconnected", "unreachable"})
#: The doc's ``battery_level`` words, as a percentage.
BATTERY_WORDS: Final[dict[str, float]] = {
    "full": 100,
    "high": 75,
    "medium": 50,
    "low": 25,
    "very low": 10,
}
#: Dashboard keys of each measurement. ``Pressure`` is the sea-level
#: pressure weather reports give; ``AbsolutePressure`` is left out.
DASHBOARD_KEYS: Final[dict[Measurement, str]] = {
    Measurement.TEMPERATURE: "Temperature",
    Measurement.HUMIDITY: "Humidity",
    Measurement.CO2: "CO2",
    Measurement.NOISE: "Noise",
    Measurement.PRESSURE: "Pressure",
}
#: The order of a getmeasure row's values when it answers a home coach's
#: read (the doc's aircare variant names no types: we read them in this order).
MEASURE_ORDER: Final = (
    Measurement.TEMPERATURE,
    Measurement.CO2,
    Measurement.HUMIDITY,
    Measurement.NOISE,
    Measurement.PRESSURE,
)

_TAG: Final = re.compile(r"<[^>]*>")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(item: Mapping[str, Any], *keys: str) -> str | None:
    """An id: a non-empty string (or number) under the first present key."""
    text = to_str(pick(item, *keys))
    text = text.strip() if text is not None else None
    return text or None


def clean_message(value: Any) -> str | None:
    """An event's message without its HTML (``<b>Animal</b> seen`` -> ``Animal seen``)."""
    text = to_text(value)
    if text is None:
        return None
    return " ".join(_TAG.sub("", text).split()) or None


# --- homesdata: the topology -----------------------------------------------------


@dataclass(slots=True)
class TopologyModule:
    """A module of a home, as homesdata lists it."""

    id: str
    type: str | None
    name: str | None
    room_id: str | None = None


@dataclass(slots=True)
class TopologyHome:
    """A home of homesdata: its rooms, modules and persons."""

    id: str
    name: str | None
    #: Room id -> its name (None: it has none).
    rooms: dict[str, str | None] = field(default_factory=dict)
    modules: list[TopologyModule] = field(default_factory=list)
    #: Person id -> the name the user gave (None: an unknown face).
    persons: dict[str, str | None] = field(default_factory=dict)
    #: Module entries that could not be read (no id).
    unreadable: int = 0

    def room_name(self, module: TopologyModule) -> str | None:
        """The name of the room a module is in."""
        return self.rooms.get(module.room_id) if module.room_id else None

    @property
    def gateway(self) -> str | None:
        """The id of the gateway the home runs its scenarios through."""
        return next((m.id for m in self.modules if m.type in GATEWAY_TYPES), None)


@dataclass(slots=True)
class Topology:
    """What homesdata says: the account's homes and who the user is."""

    homes: list[TopologyHome]
    user_id: str | None = None
    #: Entries that could not be read (a home or module without an id).
    unreadable: int = 0


def parse_homesdata(content: Any, report: ParseReport | None = None) -> Topology:
    """Parse homesdata (or the older gethomedata, which answers the same).

    Real: ``homes[]`` with ``id``, ``name``, ``rooms[]`` (``id``, ``name``,
    ``module_ids``), ``modules[]`` (``id``, ``type``, ``name``, ``room_id``),
    ``persons[]`` (``id``, ``pseudo``), and ``user.id`` beside ``homes``.
    Doc variants, read as well: a home's ``home_id``; a room's ``room_id``;
    modules as ``rooms[].devices[]`` (``device_id``, ``product_name``,
    ``type``: the product name is no name of the device) or as ``devices[]``
    (``id``, ``name``, ``room_id``, ``type``) or, in gethomedata, ``cameras[]``;
    a person's ``name`` instead of ``pseudo``.
    """
    report = report if report is not None else ParseReport()
    if not isinstance(content, Mapping) or not isinstance(content.get("homes"), list):
        raise BadResponseError("homesdata without a homes list")
    topology = Topology(homes=[])
    for item in content["homes"]:
        if not isinstance(item, Mapping) or not (home_id := _id(item, "id", "home_id")):
            report.skip("home", "no id")
            topology.unreadable += 1
            continue
        home = TopologyHome(id=home_id, name=to_text(item.get("name")))
        room_of = _read_rooms(item, home, report)
        for key in ("modules", "devices", "cameras"):
            for module in _list(item.get(key)):
                _read_module(module, home, None, room_of, report)
        for module in home.modules:
            module.room_id = module.room_id or room_of.get(module.id)
        for person in _list(item.get("persons")):
            if isinstance(person, Mapping) and (pid := _id(person, "id")):
                home.persons[pid] = to_text(pick(person, "pseudo", "name"))
            else:
                report.skip("person", "no id")
        topology.unreadable += home.unreadable
        topology.homes.append(home)
    user = content.get("user")
    if isinstance(user, Mapping):
        topology.user_id = _id(user, "id", "_id")
    return topology


def _read_rooms(
    item: Mapping[str, Any], home: TopologyHome, report: ParseReport
) -> dict[str, str]:
    """Read the rooms (and the doc's modules nested in them); return module -> room."""
    room_of: dict[str, str] = {}
    for room in _list(item.get("rooms")):
        if not isinstance(room, Mapping) or not (room_id := _id(room, "id", "room_id")):
            report.skip("room", "no id")
            continue
        home.rooms[room_id] = to_text(room.get("name"))
        for module_id in _list(room.get("module_ids")):
            if text := to_str(module_id):
                room_of[text] = room_id
        for module in _list(room.get("devices")):
            _read_module(module, home, room_id, room_of, report)
    return room_of


def _read_module(
    raw: Any,
    home: TopologyHome,
    room_id: str | None,
    room_of: Mapping[str, str],
    report: ParseReport,
) -> None:
    """One module entry of a home (merged with one read before under its id)."""
    if not isinstance(raw, Mapping) or not (
        module_id := _id(raw, "id", "device_id", "_id")
    ):
        report.skip("module", "no id")
        home.unreadable += 1
        return
    module = TopologyModule(
        id=module_id,
        type=to_text(raw.get("type")),
        name=to_text(raw.get("name")),
        room_id=to_str(raw.get("room_id")) or room_id or room_of.get(module_id),
    )
    for known in home.modules:
        if known.id == module_id:
            known.type = known.type or module.type
            known.name = known.name or module.name
            known.room_id = known.room_id or module.room_id
            return
    home.modules.append(module)


# --- homestatus: what each module of a home is doing -----------------------------


@dataclass(slots=True)
class ModuleStatus:
    """A module's state, as homestatus tells it."""

    id: str
    type: str | None = None
    #: The doc's ``config.name`` and ``config.room_id`` (the real API: none).
    name: str | None = None
    room_id: str | None = None
    #: False: it said it is offline, unreachable, or homestatus named it in
    #: its ``errors`` (a disconnected module).
    online: bool = True
    monitoring: bool | None = None
    sd_card: SdCard | None = None
    power_supply: PowerSupply | None = None
    vpn_url: str | None = None
    is_local: bool | None = None
    firmware: str | None = None
    #: When it last reported (the doc's ``last_update``; a module's ``last_seen``).
    last_seen: datetime | None = None


@dataclass(slots=True)
class PersonStatus:
    """Whether a person is at home, as homestatus tells it."""

    id: str
    at_home: bool | None
    last_seen: datetime | None


@dataclass(slots=True)
class HomeStatus:
    """homestatus of one home."""

    home_id: str | None
    modules: dict[str, ModuleStatus] = field(default_factory=dict)
    persons: dict[str, PersonStatus] = field(default_factory=dict)
    #: Module id -> the error code homestatus gave for it (6: disconnected).
    errors: dict[str, int] = field(default_factory=dict)


def _sd_card(value: Any, report: ParseReport) -> SdCard | None:
    if value is None:
        return None
    number = to_int(value)
    card = (
        SD_STATUSES.get(number)
        if number is not None
        else _SD_WORDS.get(str(value).strip().lower())
    )
    if card is None:
        report.reject("camera.sd_card", value)
    return card


def _power(value: Any, report: ParseReport) -> PowerSupply | None:
    if value is None:
        return None
    number = to_int(value)
    power = (
        POWER_STATUSES.get(number)
        if number is not None
        else _POWER_WORDS.get(str(value).strip().lower())
    )
    if power is None:
        report.reject("camera.power_supply", value)
    return power


def _firmware(raw: Mapping[str, Any]) -> str | None:
    """A module's firmware: its name ("3.2.0") where given, else its revision."""
    name = to_text(raw.get("firmware_name"))
    if name:
        return name
    number = to_int(pick(raw, "firmware_revision", "firmware"))
    return None if number is None else str(number)


def parse_module_status(raw: Mapping[str, Any], report: ParseReport) -> ModuleStatus:
    """One entry of homestatus's module list (the caller checked its id)."""
    config = raw.get("config")
    config = config if isinstance(config, Mapping) else {}
    module = ModuleStatus(
        id=str(_id(raw, "id", "device_id")),
        type=to_text(raw.get("type")),
        name=to_text(config.get("name")),
        room_id=to_str(config.get("room_id")),
        sd_card=_sd_card(raw.get("sd_status"), report),
        power_supply=_power(raw.get("alim_status"), report),
        vpn_url=to_text(raw.get("vpn_url")),
        is_local=to_bool(raw.get("is_local")),
        firmware=_firmware(raw),
        last_seen=to_datetime(pick(raw, "last_seen", "last_update", "last_activity")),
    )
    monitoring = raw.get("monitoring")
    if monitoring is not None:
        module.monitoring = to_bool(monitoring)
        if module.monitoring is None:
            report.reject("camera.monitoring", monitoring)
    if to_bool(raw.get("reachable")) is False:
        module.online = False
    status = to_text(raw.get("status"))
    word = status.lower() if status else None
    if word in _OFFLINE_WORDS:
        module.online = False
    elif word in ("on", "off") and module.monitoring is None:
        # the older camera answers said "status": "on"/"off" for monitoring
        module.monitoring = word == "on"
    return module


def parse_homestatus(content: Any, report: ParseReport | None = None) -> HomeStatus:
    """Parse homestatus.

    Real: ``home`` with ``id``, ``modules[]`` (per camera ``monitoring``,
    ``sd_status`` 1-7, ``alim_status`` 1-2, ``vpn_url``, ``is_local``,
    ``firmware_revision``/``firmware_name``, ``reachable``) and ``persons[]``
    (``id``, ``last_seen``, ``out_of_sight``); a disconnected module only in
    ``errors[]`` (``code`` 6, ``id``) beside ``home``. Doc variants, read as
    well: ``home.devices[]`` with ``status: "online"``, ``sd_status: "ok"``,
    ``reachable``, ``config.name``, ``firmware``, ``last_update``; the older
    words for ``sd_status`` and ``alim_status`` ("on"/"off"/"ok"); the
    content at the top level without ``body`` (the client unwraps both).
    """
    report = report if report is not None else ParseReport()
    if not isinstance(content, Mapping):
        raise BadResponseError("homestatus is not an object")
    home = content.get("home")
    if not isinstance(home, Mapping):
        raise BadResponseError("homestatus without a home")
    status = HomeStatus(home_id=_id(home, "id", "home_id"))
    for key in ("modules", "devices"):
        raw = home.get(key)
        if raw is not None and not isinstance(raw, list):
            raise BadResponseError(f"homestatus {key} is not a list")
        for item in _list(raw):
            if not isinstance(item, Mapping) or not _id(item, "id", "device_id"):
                report.skip("module status", "no id")
                continue
            module = parse_module_status(item, report)
            status.modules.setdefault(module.id, module)
    for source in (content.get("errors"), home.get("errors")):
        for error in _list(source):
            if isinstance(error, Mapping) and (module_id := _id(error, "id")):
                status.errors[module_id] = to_int(error.get("code")) or 0
    for module_id in status.errors:
        if module_id in status.modules:
            status.modules[module_id].online = False
    for person in _list(home.get("persons")):
        if not isinstance(person, Mapping) or not (pid := _id(person, "id")):
            report.skip("person status", "no id")
            continue
        out_of_sight = to_bool(person.get("out_of_sight"))
        status.persons[pid] = PersonStatus(
            id=pid,
            at_home=None if out_of_sight is None else not out_of_sight,
            last_seen=to_datetime(person.get("last_seen")),
        )
    return status


# --- getevents: what the cameras saw -------------------------------------------------


@dataclass(slots=True)
class Snapshot:
    """Where an event's picture is: a URL, an id and key, or a file on the camera."""

    url: str | None = None
    id: str | None = None
    key: str | None = None
    filename: str | None = None


@dataclass(slots=True)
class CloudEvent:
    """An event (or an outdoor camera's detection within one)."""

    id: str
    type: str
    time: datetime
    module_id: str | None = None
    message: str | None = None
    snapshot: Snapshot | None = None
    person_id: str | None = None
    #: What changed, for ``sd`` and ``alim`` events (sd_status/alim_status numbers).
    sub_type: int | None = None
    subevents: list[CloudEvent] = field(default_factory=list)


def parse_snapshot(*candidates: Any) -> Snapshot | None:
    """The first of ``candidates`` that says where a picture is."""
    for raw in candidates:
        if not isinstance(raw, Mapping):
            continue
        snapshot = Snapshot(
            url=to_text(raw.get("url")),
            id=_id(raw, "id"),
            key=to_text(raw.get("key")),
            filename=to_text(raw.get("filename")),
        )
        if snapshot.url or (snapshot.id and snapshot.key) or snapshot.filename:
            return snapshot
    return None


def _event(
    raw: Any, report: ParseReport, module_id: str | None = None
) -> CloudEvent | None:
    """One event; None (counted) when it lacks an id, a type or a time."""
    if not isinstance(raw, Mapping):
        report.skip("event", "not an object")
        return None
    event_id = _id(raw, "id", "event_id")
    kind = to_text(pick(raw, "type", "event_type"))
    when = to_datetime(pick(raw, "time", "timestamp"))
    if not event_id or not kind or when is None:
        report.skip("event", "no id, type or time")
        return None
    event = CloudEvent(
        id=event_id,
        type=kind.lower(),
        time=when,
        module_id=_id(raw, "module_id", "device_id", "camera_id") or module_id,
        message=clean_message(raw.get("message")),
        snapshot=parse_snapshot(raw.get("snapshot"), raw.get("vignette")),
        person_id=_id(raw, "person_id"),
        sub_type=to_int(raw.get("sub_type")),
    )
    for sub in _list(raw.get("subevents")):
        if (detection := _event(sub, report, event.module_id)) is not None:
            event.subevents.append(detection)
    return event


def parse_events(content: Any, report: ParseReport | None = None) -> list[CloudEvent]:
    """Parse getevents: the events, newest first as the cloud sends them.

    Real: ``home.events[]`` with ``id``, ``type``, ``time``, ``module_id``,
    ``message``, ``snapshot`` (``url``, or ``id`` and ``key``, or a
    ``filename`` on the camera), ``person_id``, ``subevents[]`` (an outdoor
    camera's detections, each with its own ``id``, ``type``, ``time``,
    ``snapshot``, ``message``). Doc variants, read as well: ``events[]`` at
    the top; ``event_type``, ``event_id``, ``device_id``/``camera_id`` and
    ``timestamp`` for ``type``, ``id``, ``module_id`` and ``time``; the
    ``motion`` type (movement). An event without an id, type or time is
    skipped (and counted).
    """
    report = report if report is not None else ParseReport()
    if not isinstance(content, Mapping):
        raise BadResponseError("getevents is not an object")
    home = content.get("home")
    raw = home.get("events") if isinstance(home, Mapping) else content.get("events")
    if not isinstance(raw, list):
        raise BadResponseError("getevents without an events list")
    return [event for item in raw if (event := _event(item, report)) is not None]


# --- getstationsdata / gethomecoachsdata: the air's readings --------------------------


@dataclass(slots=True)
class WeatherModule:
    """A station's main module, one of its modules, or a home coach."""

    id: str
    type: str | None
    name: str | None
    station_name: str | None = None
    #: The main module a module belongs to (None: it is a main module).
    main_id: str | None = None
    reachable: bool | None = None
    battery: float | None = None
    firmware: str | None = None
    readings: dict[Measurement, float] = field(default_factory=dict)
    measured_at: datetime | None = None
    last_seen: datetime | None = None


@dataclass(slots=True)
class WeatherListing:
    """The devices of one weather endpoint, and what could not be read.

    ``devices`` is None when the answer lists none but is one of the doc's
    single-device variants: ``diagnostics`` or ``measures`` then say what
    it tells of the account's only device of that endpoint.
    """

    devices: list[WeatherModule] | None
    unreadable: int = 0
    #: The doc's weather "diagnose" answer (no id): reachable and battery.
    diagnostics: WeatherModule | None = None
    #: The doc's aircare getmeasure answer (no id): the newest readings.
    measures: WeatherModule | None = None


def _readings(
    dashboard: Mapping[str, Any], report: ParseReport
) -> dict[Measurement, float]:
    readings: dict[Measurement, float] = {}
    for measurement, key in DASHBOARD_KEYS.items():
        value = dashboard.get(key)
        if value is None:
            continue
        number = to_float(value)
        if number is None:
            report.reject(f"readings.{measurement}", value)
            continue
        readings[measurement] = number
    return readings


def _battery(raw: Mapping[str, Any], report: ParseReport) -> float | None:
    value = pick(raw, "battery_percent", "battery_level")
    if not present(value) or value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in BATTERY_WORDS:
        return BATTERY_WORDS[value.strip().lower()]
    number = to_float(value)
    if number is None:
        report.reject("battery", value)
    return number


def _weather_module(
    raw: Mapping[str, Any],
    report: ParseReport,
    *,
    main: WeatherModule | None = None,
) -> WeatherModule:
    dashboard = raw.get("dashboard_data")
    dashboard = dashboard if isinstance(dashboard, Mapping) else {}
    return WeatherModule(
        id=str(_id(raw, "_id", "id")),
        type=to_text(raw.get("type")),
        name=to_text(pick(raw, "module_name", "name")),
        station_name=to_text(raw.get("station_name"))
        or (main.station_name if main else None),
        main_id=main.id if main else None,
        reachable=to_bool(raw.get("reachable")),
        battery=_battery(raw, report),
        firmware=None if (fw := to_int(raw.get("firmware"))) is None else str(fw),
        readings=_readings(dashboard, report),
        measured_at=to_datetime(dashboard.get("time_utc")),
        last_seen=to_datetime(
            pick(raw, "last_seen", "last_message", "last_status_store")
        ),
    )


def _measures(rows: list[Any], report: ParseReport) -> WeatherModule | None:
    """The doc's aircare getmeasure answer: the newest row's values."""
    newest: WeatherModule | None = None
    for row in rows:
        if not isinstance(row, Mapping) or not isinstance(row.get("value"), list):
            report.skip("measure", "no value list")
            continue
        begin = to_datetime(row.get("beg_time"))
        step = to_float(row.get("step_time")) or 0
        values = [v for v in row["value"] if isinstance(v, list) and v]
        if begin is None or not values:
            report.skip("measure", "no time or values")
            continue
        at = begin + timedelta(seconds=step * (len(values) - 1))
        if newest is not None and newest.measured_at and newest.measured_at > at:
            continue
        readings: dict[Measurement, float] = {}
        for measurement, value in zip(MEASURE_ORDER, values[-1], strict=False):
            number = to_float(value)
            if number is None:
                report.reject(f"readings.{measurement}", value)
            else:
                readings[measurement] = number
        newest = WeatherModule(
            id="", type=None, name=None, readings=readings, measured_at=at
        )
    return newest


def parse_weather(content: Any, report: ParseReport | None = None) -> WeatherListing:
    """Parse getstationsdata or gethomecoachsdata.

    Real: ``devices[]`` with ``_id``, ``type``, ``station_name`` (a home
    coach: ``name``), ``module_name``, ``reachable``, ``firmware``,
    ``dashboard_data`` (``time_utc``, ``Temperature``, ``Humidity``, ``CO2``,
    ``Noise``, ``Pressure``; absent while unreachable) and, for a station,
    ``modules[]`` (the same, with ``battery_percent``). Doc variants, read as
    well: the weather "diagnose" answer without an id (``reachable``,
    ``battery_level`` as a word, ``radio_status``, ``wifi_status``), and the
    aircare getmeasure answer (a list of ``beg_time`` + ``value`` rows).
    """
    report = report if report is not None else ParseReport()
    if isinstance(content, list):
        measures = _measures(content, report)
        if measures is None:
            raise BadResponseError("a getmeasure answer without a readable row")
        return WeatherListing(devices=None, measures=measures)
    if not isinstance(content, Mapping):
        raise BadResponseError("weather answer is not an object")
    raw = content.get("devices")
    if raw is None and ("reachable" in content or "battery_level" in content):
        diagnostics = WeatherModule(
            id="",
            type=None,
            name=None,
            reachable=to_bool(content.get("reachable")),
            battery=_battery(content, report),
        )
        return WeatherListing(devices=None, diagnostics=diagnostics)
    if not isinstance(raw, list):
        raise BadResponseError("weather answer without a devices list")
    devices: list[WeatherModule] = []
    listing = WeatherListing(devices=devices)
    for item in raw:
        if not isinstance(item, Mapping) or not _id(item, "_id", "id"):
            report.skip("weather device", "no id")
            listing.unreadable += 1
            continue
        main = _weather_module(item, report)
        devices.append(main)
        for module in _list(item.get("modules")):
            if not isinstance(module, Mapping) or not _id(module, "_id", "id"):
                report.skip("weather module", "no id")
                listing.unreadable += 1
                continue
            devices.append(_weather_module(module, report, main=main))
    return listing


# --- getscenarios ----------------------------------------------------------------------


def parse_scenarios(content: Any, report: ParseReport | None = None) -> list[Scenario]:
    """Parse getscenarios.

    Real: ``home.scenarios[]`` with ``type`` and ``id`` (Netatmo's own
    scenarios, named by their type: ``home``, ``away``...) and ``name`` (a
    user's own). Doc variants, read as well: ``scenarios[]`` at the top, of
    ``{"id", "name"}``, of ``{"scenario_id", "name"}``, or of bare names.
    """
    report = report if report is not None else ParseReport()
    if not isinstance(content, Mapping):
        raise BadResponseError("getscenarios is not an object")
    home = content.get("home")
    raw = (
        home.get("scenarios") if isinstance(home, Mapping) else content.get("scenarios")
    )
    if not isinstance(raw, list):
        raise BadResponseError("getscenarios without a scenarios list")
    scenarios: list[Scenario] = []
    for item in raw:
        if isinstance(item, str) and item.strip():
            scenarios.append(Scenario(id=item.strip(), name=item.strip()))
            continue
        if not isinstance(item, Mapping) or not (
            scenario_id := _id(item, "id", "scenario_id", "type")
        ):
            report.skip("scenario", "no id")
            continue
        kind = to_text(item.get("type"))
        name = to_text(item.get("name")) or (
            kind.replace("_", " ").capitalize() if kind and kind != "custom" else None
        )
        scenarios.append(Scenario(id=scenario_id, name=name or scenario_id))
    return scenarios
