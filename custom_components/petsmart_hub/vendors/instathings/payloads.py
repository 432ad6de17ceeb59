"""Instathings' answers parsed, and a device's data mapped onto the neutral model.

The shapes are the vendor doc's (``shared/vendor-apis/instathings.txt``)
and our wire contract's (``docs/instathings-wire.md``); where both are
silent, every plausible shape is read, and the parsing code says so. No
Home Assistant imports here.

A device's data is free-form: what the device sent. Keys we recognise
(case-insensitive, with a few aliases and units each) become readings; a
switch's or a light's state becomes ``power`` or ``light``; everything else
that is a number, a word or a flag becomes a free-form value, nested keys
flattened (``relays_0_overpower``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import copy
from dataclasses import dataclass, field
from datetime import datetime
import re
from typing import Any, Final

from ...model import Action, Device, LightMode, LightState, Measurement
from ..base import BadResponseError, NotAnApiError
from ..parse import ParseReport, pick, present, to_datetime, to_float, to_str, to_text

MANUFACTURER: Final = "Instathings"
#: Records read per device and refresh (the doc's default page).
DATA_PAGE: Final = 10
#: The most free-form values one device gets (the rest are left out).
MAX_VALUES: Final = 50
#: The longest text value kept (longer ones are cut).
MAX_TEXT: Final = 255
#: The longest value key kept (a longer one is left out).
MAX_KEY: Final = 64
#: How deep nested data is flattened.
MAX_DEPTH: Final = 4

#: Keys that describe a record, not what the device measured (normalised,
#: see ``norm``): never a reading nor a value.
METADATA_KEYS: Final = frozenset(
    {
        "isvirtualdata",
        "isvirtual",
        "ts",
        "timestamp",
        "deviceid",
        "clientid",
        "projectid",
        "principal",
        "ttl",
        "id",
        "isvalid",
    }
)
#: Keys of a data record around the device's own data.
_RECORD_KEYS: Final = frozenset(
    {"ts", "deviceId", "data", "ttl", "principal", "id", "_id", "clientId"}
)
#: Keys that carry a switch's or a light's state (they are no values).
STATE_KEYS: Final = frozenset(
    {"state", "brightness", "color", "color_temp", "color_mode", "relays"}
)
_LIGHT_KEYS: Final = ("brightness", "color", "color_temp")
_COLOR_MODES: Final = frozenset({LightMode.XY, LightMode.RGB, LightMode.COLOR_TEMP})
_HEX_COLOR: Final = re.compile(r"#?([0-9a-fA-F]{6})")
#: Zigbee's ``color_mode`` (normalised) -> the mode a light is in.
_CURRENT_MODES: Final = {
    "xy": LightMode.XY,
    "colortemp": LightMode.COLOR_TEMP,
    "rgb": LightMode.RGB,
}

#: The battery: not a Measurement but ``Device.battery``.
BATTERY: Final = "battery"

type Target = Measurement | str


def norm(key: str) -> str:
    """A key as we compare it: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", key.lower())


#: Keys we recognise (normalised), in the order they are preferred, with
#: the unit a bare number is in. The wire contract names the quantities;
#: the aliases are the spellings common to Zigbee2MQTT, Shelly and the like.
READING_KEYS: Final[tuple[tuple[Target, tuple[tuple[str, str], ...]], ...]] = (
    (
        Measurement.TEMPERATURE,
        (
            ("temperature", "c"),
            ("temperaturec", "c"),
            ("temp", "c"),
            ("tempc", "c"),
            ("temperaturef", "f"),
            ("tempf", "f"),
        ),
    ),
    (
        Measurement.HUMIDITY,
        (("humidity", "%"), ("relativehumidity", "%"), ("hum", "%"), ("rh", "%")),
    ),
    (
        Measurement.MOISTURE,
        (("soilmoisture", "%"), ("moisture", "%"), ("soilhumidity", "%")),
    ),
    (
        Measurement.ILLUMINANCE,
        (("illuminancelux", "lx"), ("illuminance", "lx"), ("lux", "lx")),
    ),
    (Measurement.POWER, (("power", "w"), ("activepower", "w"), ("apower", "w"))),
    (
        Measurement.ENERGY,
        (("energy", "kwh"), ("energykwh", "kwh"), ("energywh", "wh")),
    ),
    (Measurement.VOLTAGE, (("voltage", "v"), ("volt", "v"), ("volts", "v"))),
    (Measurement.CURRENT, (("current", "a"), ("amps", "a"), ("amperage", "a"))),
    (Measurement.CO2, (("co2", "ppm"), ("carbondioxide", "ppm"), ("eco2", "ppm"))),
    (
        Measurement.WATER_LEVEL,
        (("waterlevel", "%"), ("waterlevelpercent", "%")),
    ),
    (Measurement.LINK_QUALITY, (("linkquality", "lqi"), ("lqi", "lqi"))),
    (
        BATTERY,
        (("battery", "%"), ("batterylevel", "%"), ("batterypercent", "%")),
    ),
)


def _scale(factor: float) -> Callable[[float], float]:
    return lambda value: value * factor


_SAME: Final = _scale(1)
_PERCENT: Final = {"%": _SAME, "percent": _SAME, "": _SAME}
#: Per target: unit (normalised: lower case, no degree sign or spaces) ->
#: converter into the model's unit. A unit not listed is not understood.
UNITS: Final[dict[Target, dict[str, Callable[[float], float]]]] = {
    Measurement.TEMPERATURE: {
        "c": _SAME,
        "celsius": _SAME,
        "": _SAME,
        "f": lambda value: (value - 32) * 5 / 9,
        "fahrenheit": lambda value: (value - 32) * 5 / 9,
        "k": lambda value: value - 273.15,
        "kelvin": lambda value: value - 273.15,
    },
    Measurement.HUMIDITY: _PERCENT,
    Measurement.MOISTURE: _PERCENT,
    Measurement.WATER_LEVEL: _PERCENT,
    BATTERY: _PERCENT,
    Measurement.ILLUMINANCE: {"lx": _SAME, "lux": _SAME, "": _SAME},
    Measurement.POWER: {"w": _SAME, "watt": _SAME, "kw": _scale(1000), "": _SAME},
    Measurement.ENERGY: {
        "kwh": _SAME,
        "wh": _scale(1 / 1000),
        # Shelly's meters count watt-minutes
        "wmin": _scale(1 / 60_000),
        "": _SAME,
    },
    Measurement.VOLTAGE: {"v": _SAME, "mv": _scale(1 / 1000), "": _SAME},
    Measurement.CURRENT: {"a": _SAME, "ma": _scale(1 / 1000), "": _SAME},
    Measurement.CO2: {"ppm": _SAME, "": _SAME},
    Measurement.LINK_QUALITY: {"lqi": _SAME, "": _SAME},
}


def _unit(text: Any) -> str | None:
    """A unit as ``UNITS`` spells it (None: no text)."""
    if not isinstance(text, str):
        return None
    return text.lower().replace("°", "").replace("º", "").replace(" ", "")


# --- the device list ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Connectivity:
    """Whether a gateway is connected, as its ``status`` says."""

    connected: bool
    reason: str | None = None
    at: datetime | None = None


def parse_connectivity(status: Any) -> Connectivity | None:
    """Read a device's ``status`` (None: it says nothing of a connection)."""
    if not isinstance(status, Mapping):
        return None
    event = (to_text(pick(status, "eventType", "event_type")) or "").lower()
    if event not in ("connected", "disconnected"):
        return None
    connected = event == "connected"
    return Connectivity(
        connected=connected,
        reason=None
        if connected
        else to_text(pick(status, "disconnectReason", "disconnect_reason")),
        at=to_datetime(pick(status, "timestamp")),
    )


def firmware_of(version: Any) -> str | None:
    """The gate's version of ``{"gate": "instathings/gate:1.7.1"}`` (``1.7.1``).

    A bare string is read as the gate's version too (plausible; the doc
    shows only the object).
    """
    gate = version.get("gate") if isinstance(version, Mapping) else version
    text = to_text(gate)
    if text is None:
        return None
    return text.rsplit(":", 1)[-1].strip() or None


@dataclass(slots=True)
class Entry:
    """One device of the listing."""

    id: str
    name: str | None = None
    project_id: str | None = None
    #: A gateway (None: the entry does not say; it stays what it was).
    gateway: bool | None = False
    parent: str | None = None
    type_id: str | None = None
    sub_devices: tuple[str, ...] = ()
    connectivity: Connectivity | None = None
    firmware: str | None = None


@dataclass(slots=True)
class Listing:
    """What ``GET /devices`` listed."""

    entries: list[Entry] = field(default_factory=list)
    #: Entries that could not be read at all (not an object, no id).
    unreadable: int = 0
    #: Sub-devices a gateway names only by id that the listing does not hold.
    mentioned: set[str] = field(default_factory=set)

    @property
    def project_id(self) -> str | None:
        """The project the devices belong to (the first one that says)."""
        return next((e.project_id for e in self.entries if e.project_id), None)


def parse_entry(item: Mapping[str, Any], parent: str | None = None) -> Entry | None:
    """One device object (None: it has no id)."""
    device_id = to_str(pick(item, "id", "deviceId", "_id"))
    if not device_id:
        return None
    subs = item.get("subDevices")
    sub_ids: list[str] = []
    for sub in subs if isinstance(subs, list) else []:
        sub_id = (
            to_str(pick(sub, "id", "deviceId")) if isinstance(sub, Mapping) else None
        )
        sub_id = sub_id or (sub if isinstance(sub, str) else None)
        if sub_id:
            sub_ids.append(sub_id)
    flag = item.get("isGateway")
    # a device that says nothing of being a gateway but has sub-devices is
    # one (plausible; the doc always sends isGateway); one that says nothing
    # at all stays what it was (a cut-down entry must not demote a gateway)
    gateway: bool | None = flag is True
    if flag is None:
        gateway = True if sub_ids else None
    return Entry(
        id=device_id,
        name=to_text(item.get("name")),
        project_id=to_text(item.get("projectId")),
        gateway=gateway,
        parent=to_text(item.get("parentDevice")) or parent,
        type_id=to_text(item.get("type")),
        sub_devices=tuple(sub_ids),
        connectivity=parse_connectivity(item.get("status")),
        firmware=firmware_of(item.get("version")),
    )


def listing_items(body: Any) -> list[Any] | None:
    """The list of a listing answer (None: the answer is no listing).

    The doc: a bare array; the wire contract adds ``{"data": [...]}`` and
    ``{"items": [...]}``. Also read (plausible): ``{"devices": [...]}``
    and an object under ``data`` holding one of those lists.
    """
    for _ in range(2):
        if isinstance(body, list):
            return body
        if not isinstance(body, Mapping):
            return None
        found = pick(body, "data", "items", "devices")
        if not present(found):
            return None
        body = found
    return body if isinstance(body, list) else None


def parse_listing(body: Any, report: ParseReport) -> Listing:
    """The devices of ``GET /devices`` (NotAnApiError: no listing at all).

    Sub-devices come as ids (the list view) or as objects (the by-id view):
    an object the top level does not hold is read as a device of its own;
    an id it does not hold is noted (``mentioned``), so that a listing that
    names a device without describing it never takes it for removed.
    """
    items = listing_items(body)
    if items is None:
        raise NotAnApiError("the device list is no list of devices")
    listing = Listing()
    seen: dict[str, Entry] = {}
    nested: list[Entry] = []
    for item in items:
        entry = parse_entry(item) if isinstance(item, Mapping) else None
        if entry is None:
            report.skip("device list entry", "not an object with an id")
            listing.unreadable += 1
            continue
        if entry.id in seen:
            continue
        seen[entry.id] = entry
        listing.entries.append(entry)
        subs = item.get("subDevices")
        for sub in subs if isinstance(subs, list) else []:
            child = parse_entry(sub, entry.id) if isinstance(sub, Mapping) else None
            if child is not None:
                nested.append(child)
    for child in nested:
        if child.id not in seen:
            seen[child.id] = child
            listing.entries.append(child)
    for entry in list(listing.entries):
        for sub_id in entry.sub_devices:
            if sub_id in seen:
                if seen[sub_id].parent is None:
                    seen[sub_id].parent = entry.id
            else:
                listing.mentioned.add(sub_id)
    return listing


# --- types and protocols -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """A device type: who makes it, and how it is spoken to."""

    id: str
    manufacturer: str | None = None
    model: str | None = None
    add_on: str | None = None
    protocols: tuple[str, ...] = ()


def parse_types(body: Any, report: ParseReport) -> dict[str, TypeInfo]:
    """``GET /types`` (the same list shapes as the device list)."""
    items = listing_items(body)
    if items is None:
        raise BadResponseError("the device types are no list")
    types: dict[str, TypeInfo] = {}
    for item in items:
        type_id = to_str(item.get("id")) if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or not type_id:
            report.skip("device type", "not an object with an id")
            continue
        protocols = item.get("protocols")
        types[type_id] = TypeInfo(
            id=type_id,
            manufacturer=to_text(item.get("manufacturer")),
            model=to_text(item.get("model")) or to_text(item.get("description")),
            add_on=to_text(item.get("addOn")),
            protocols=tuple(text for text in (to_str(p) for p in protocols) if text)
            if isinstance(protocols, list)
            else (),
        )
    return types


def parse_protocol(body: Any) -> str | None:
    """A protocol's slug (its name, lower case, where it has no slug)."""
    if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
        body = body["data"]
    if not isinstance(body, Mapping):
        return None
    text = to_text(body.get("slug")) or to_text(body.get("name"))
    return text.lower() if text else None


def is_http_type(info: TypeInfo, slugs: Mapping[str, str | None]) -> bool:
    """Whether devices of a type are HTTP devices (addOn or a protocol says so)."""
    if info.add_on and "http" in info.add_on.lower():
        return True
    return any(slugs.get(protocol) == "http" for protocol in info.protocols)


# --- data records ----------------------------------------------------------------------


def unwrap(data: Any) -> dict[str, Any] | None:
    """A device's own data out of its envelope (None: there is none).

    Read: flat data (the cloud doc's ``{"value": 33, ...}``), the on premise
    and status envelope ``{"type": "data", "message": {"data": {...}}}``,
    and (plausible) a ``message`` without ``data`` or a lone ``data``
    object around the data.
    """
    for _ in range(3):
        if not isinstance(data, Mapping):
            return None
        message = data.get("message")
        if "type" in data and "message" in data:
            if not isinstance(message, Mapping):
                return None
            data = message.get("data", message)
            continue
        if set(data) == {"data"} and isinstance(data["data"], Mapping):
            data = data["data"]
            continue
        return dict(data)
    return dict(data) if isinstance(data, Mapping) else None


@dataclass(slots=True)
class Merged:
    """A device's newest data: each key from the newest record that has it."""

    data: dict[str, Any] = field(default_factory=dict)
    #: When the record each key came from was sent.
    key_at: dict[str, datetime | None] = field(default_factory=dict)
    #: When the newest record was sent.
    at: datetime | None = None

    def newest(self, keys: Iterable[str]) -> datetime | None:
        """When the newest record with one of ``keys`` was sent."""
        moments = [
            moment for key in keys if (moment := self.key_at.get(key)) is not None
        ]
        return max(moments) if moments else None


def parse_records(body: Any, report: ParseReport) -> Merged:
    """Merge ``GET /devices/:id/data``'s records, newest first.

    The records' ``ts`` is ms since the epoch (cloud) or an ISO string (on
    premise); they are sorted here whatever order they came in. A record
    without a ``data`` object is read as flat data beside its envelope keys
    (plausible; the doc always nests it).
    """
    items = listing_items(body)
    if items is None:
        raise BadResponseError("a device's data is no list of records")
    records: list[tuple[datetime | None, dict[str, Any]]] = []
    for item in items:
        if not isinstance(item, Mapping):
            report.skip("data record", "not an object")
            continue
        raw = (
            item["data"]
            if "data" in item
            else {k: v for k, v in item.items() if k not in _RECORD_KEYS}
        )
        data = unwrap(raw)
        if data is None:
            report.skip("data record", "no data object")
            continue
        records.append((to_datetime(item.get("ts")), data))
    records.sort(key=lambda record: (record[0] is not None, record[0]), reverse=True)
    merged = Merged()
    for at, data in records:
        if merged.at is None:
            merged.at = at
        for key, value in data.items():
            if key not in merged.data:
                merged.data[key] = value
                merged.key_at[key] = at
    return merged


# --- mapping a device's data onto the model ---------------------------------------------


@dataclass(slots=True)
class Mapped:
    """What a device's data says, in the model's terms."""

    readings: dict[Measurement, float] = field(default_factory=dict)
    values: dict[str, float | str | bool] = field(default_factory=dict)
    battery: float | None = None
    power: bool | None = None
    light: LightState | None = None
    #: It reports a switch's or a light's state.
    has_state: bool = False
    #: Its data is a Shelly's (an HTTP device behind the gateway).
    http: bool = False


def _number(value: Any, unit: str, target: Target) -> float | None:
    """A reading in the model's unit (None: no number, or a unit not understood)."""
    number = to_float(value)
    converter = UNITS[target].get(unit)
    if number is None or converter is None:
        return None
    return round(converter(number), 3)


def _reading(value: Any, unit: str, target: Target) -> tuple[bool, float | None]:
    """Read a recognised key: (whether it is a reading at all, its value).

    A number, a numeric string or a ``{"value", "unit"}`` object is a
    reading; anything else (a word, a flag) is left to the values.
    """
    if isinstance(value, Mapping) and "value" in value:
        given = _unit(value.get("unit"))
        return True, _number(value["value"], unit if given is None else given, target)
    if to_float(value) is None:
        return False, None
    return True, _number(value, unit, target)


def _first(items: Any) -> dict[str, Any] | None:
    """The first object of a list (a Shelly's relay or meter 0)."""
    if isinstance(items, list) and items and isinstance(items[0], Mapping):
        return dict(items[0])
    return None


def _switch(value: Any) -> bool | None:
    """``ON``/``OFF`` (any case) or a flag (None: neither)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"on": True, "off": False}.get(value.strip().lower())
    return None


def _color(
    value: Any,
) -> tuple[tuple[float, float] | None, tuple[int, int, int] | None]:
    """A colour as xy or rgb: ``{x, y}``, ``{r, g, b}``, ``{hex}`` or ``"#rrggbb"``."""
    if isinstance(value, Mapping):
        x, y = to_float(value.get("x")), to_float(value.get("y"))
        if x is not None and y is not None and 0 <= x <= 1 and 0 <= y <= 1:
            return (x, y), None
        channels = [to_float(value.get(c)) for c in ("r", "g", "b")]
        if all(c is not None and 0 <= c <= 255 for c in channels):
            red, green, blue = (round(c or 0) for c in channels)
            return None, (red, green, blue)
        value = value.get("hex")
    if isinstance(value, str) and (match := _HEX_COLOR.fullmatch(value.strip())):
        raw = bytes.fromhex(match.group(1))
        return None, (raw[0], raw[1], raw[2])
    return None, None


def normal_modes(modes: Iterable[LightMode]) -> frozenset[LightMode]:
    """Modes as Home Assistant wants them: a colour mode makes brightness implied."""
    found = frozenset(modes)
    if found & _COLOR_MODES:
        return found & _COLOR_MODES
    if LightMode.BRIGHTNESS in found:
        return frozenset({LightMode.BRIGHTNESS})
    return frozenset({LightMode.ONOFF})


def map_state(
    data: Mapping[str, Any],
) -> tuple[bool | None, LightState | None, set[str]]:
    """A switch's or a light's state: (power, light, the keys it used).

    ``state`` ON/OFF with ``brightness``, ``color`` or ``color_temp`` is a
    light (brightness 0-254 becomes percent, mireds become kelvin; Zigbee's
    ``color_mode`` says which mode it is in); ``state`` alone is a switch,
    and so is a Shelly's ``relays[0].ison``.
    """
    used: set[str] = set()
    on = _switch(data.get("state")) if "state" in data else None
    if on is not None:
        used.add("state")
    light = LightState(modes=frozenset())
    modes: set[LightMode] = set()
    raw = to_float(data.get("brightness"))
    if raw is not None:
        light.brightness = round(min(max(raw, 0), 254) / 254 * 100, 1)
        modes.add(LightMode.BRIGHTNESS)
        used.add("brightness")
    if "color" in data:
        xy, rgb = _color(data["color"])
        if xy is not None:
            light.xy = xy
            modes.add(LightMode.XY)
            used.add("color")
        elif rgb is not None:
            light.rgb = rgb
            modes.add(LightMode.RGB)
            used.add("color")
    mireds = to_float(data.get("color_temp"))
    if mireds is not None and mireds > 0:
        light.color_temp_kelvin = round(1_000_000 / mireds)
        modes.add(LightMode.COLOR_TEMP)
        used.add("color_temp")
    if "color_mode" in data:
        # the mode a lamp is in; a message may tell only that (a lamp just
        # switched to its colour temperature): still the lamp's, never a value
        used.add("color_mode")
        light.mode = _CURRENT_MODES.get(norm(str(data["color_mode"])))
    if modes or "color_mode" in data:
        light.on = on
        light.modes = normal_modes(modes)
        return None, light, used
    if on is None:
        relay = _first(data.get("relays"))
        on = _switch(relay.get("ison")) if relay is not None else None
        if on is not None:
            used.add("relays")
    return on, None, used


def merge_light(base: LightState | None, new: LightState) -> LightState:
    """``new`` over ``base``: what ``new`` does not say stays as ``base`` had it."""
    if base is None:
        return copy.deepcopy(new)
    return LightState(
        modes=normal_modes(base.modes | new.modes),
        on=new.on if new.on is not None else base.on,
        brightness=new.brightness if new.brightness is not None else base.brightness,
        xy=new.xy if new.xy is not None else base.xy,
        rgb=new.rgb if new.rgb is not None else base.rgb,
        color_temp_kelvin=new.color_temp_kelvin
        if new.color_temp_kelvin is not None
        else base.color_temp_kelvin,
        mode=new.mode if new.mode is not None else base.mode,
    )


def map_data(data: Mapping[str, Any], report: ParseReport) -> Mapped:
    """Map a device's (merged) data onto readings, values, battery and state."""
    work: dict[str, Any] = copy.deepcopy(dict(data))
    mapped = Mapped()
    keys: dict[str, str] = {}
    for name in work:
        keys.setdefault(norm(name), name)
    for target, aliases in READING_KEYS:
        for alias, unit in aliases:
            key = keys.get(alias)
            if key is None or key not in work:
                continue
            is_reading, value = _reading(work[key], unit, target)
            if not is_reading:
                continue
            del work[key]
            if value is None:
                report.reject(f"{key}", data[key])
            elif target == BATTERY:
                mapped.battery = value
            else:
                mapped.readings[Measurement(target)] = value
            break
    _shelly_meters(work, mapped)
    power, light, used = map_state(work)
    mapped.power, mapped.light = power, light
    mapped.has_state = bool(used)
    if "relays" in used:
        relays = work["relays"]
        relays[0].pop("ison", None)
    for key in used - {"relays"}:
        work.pop(key, None)
    mapped.http = isinstance(work.get("relays"), list)
    _flatten("", work, mapped.values, report, 0)
    return mapped


#: Per Shelly meter list: (key in meter 0, measurement, unit).
_METERS: Final[dict[str, tuple[tuple[str, Measurement, str], ...]]] = {
    "meters": (
        ("power", Measurement.POWER, "w"),
        ("total", Measurement.ENERGY, "wmin"),
    ),
    # Shelly EM's energy meters (plausible: the same family, Wh totals)
    "emeters": (
        ("power", Measurement.POWER, "w"),
        ("voltage", Measurement.VOLTAGE, "v"),
        ("current", Measurement.CURRENT, "a"),
        ("total", Measurement.ENERGY, "wh"),
    ),
}


def _shelly_meters(work: dict[str, Any], mapped: Mapped) -> None:
    """A Shelly's ``meters[0]`` (and ``emeters[0]``): power and energy.

    A reading the top level already gave wins; what is read is taken out
    of the data (the rest of the meter stays a value).
    """
    for list_key, fields in _METERS.items():
        meters = work.get(list_key)
        if not isinstance(meters, list) or not meters:
            continue
        meter = meters[0]
        if not isinstance(meter, dict):
            continue
        for key, measurement, unit in fields:
            if key not in meter or measurement in mapped.readings:
                continue
            value = _number(meter[key], unit, measurement)
            if value is not None:
                mapped.readings[measurement] = value
                del meter[key]


def _flatten(
    prefix: str,
    value: Any,
    values: dict[str, float | str | bool],
    report: ParseReport,
    depth: int,
) -> None:
    """Put every scalar of ``value`` in ``values`` (``parent_child``, ``list_0``)."""
    if isinstance(value, Mapping | list):
        if depth > MAX_DEPTH:
            report.skip("value", "nested too deep")
            return
        items = (
            value.items()
            if isinstance(value, Mapping)
            else ((str(index), item) for index, item in enumerate(value))
        )
        for key, item in items:
            if norm(str(key)) in METADATA_KEYS:
                continue
            name = f"{prefix}_{key}" if prefix else str(key)
            _flatten(name, item, values, report, depth + 1)
        return
    scalar: float | str | bool
    if isinstance(value, bool):
        scalar = value
    elif isinstance(value, int | float):
        number = to_float(value)  # None: NaN, infinite, or too large a number
        if number is None:
            report.reject(prefix, value)
            return
        scalar = number
    elif isinstance(value, str):
        scalar = value[:MAX_TEXT]
    else:
        return  # null
    if len(prefix) > MAX_KEY:
        report.skip("value", "key too long")
        return
    if prefix not in values and len(values) >= MAX_VALUES:
        report.skip("value", f"more than {MAX_VALUES} keys")
        return
    values[prefix] = scalar


# --- what a device's state does to a model device --------------------------------------

#: What every device can be asked: a raw payload.
BASE_ACTIONS: Final = frozenset({Action.SEND_COMMAND})


def actions_of(device: Device) -> frozenset[Action]:
    """What a device can be asked to do, from what it reports."""
    actions = set(BASE_ACTIONS)
    if device.power is not None:
        actions.add(Action.SET_POWER)
    if device.light is not None:
        actions.add(Action.SET_LIGHT)
    return frozenset(actions)


def set_state(
    device: Device,
    power: bool | None,
    light: LightState | None,
    base_light: LightState | None,
) -> None:
    """Give ``device`` a switch's or a light's state (and the actions that go with it).

    A light stays a light: a bare ON/OFF of a device we know as a light
    switches the light. What a light's state leaves out stays as
    ``base_light`` had it.
    """
    if light is None and power is not None and base_light is not None:
        light = LightState(modes=frozenset(), on=power)
    if light is not None:
        device.light = merge_light(base_light, light)
        device.power = None
    else:
        device.light = None
        device.power = power
    device.actions = actions_of(device)


def apply_connectivity(
    device: Device, connectivity: Connectivity, held: Device | None = None
) -> None:
    """A gateway's connection onto ``device`` (its ``online`` and gateway state).

    The reason of the last disconnection stays while it is connected again.
    """
    device.online = connectivity.connected
    if device.gateway is None:
        return
    reason = connectivity.reason
    if connectivity.connected and held is not None and held.gateway is not None:
        reason = held.gateway.disconnect_reason
    device.gateway.connected = connectivity.connected
    device.gateway.disconnect_reason = reason
    device.gateway.changed_at = connectivity.at
