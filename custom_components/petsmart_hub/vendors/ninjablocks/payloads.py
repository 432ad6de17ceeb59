"""Ninja Blocks' answers parsed, and its devices mapped onto the neutral model.

The shapes are the vendor doc's (``shared/vendor-apis/ninjablocks.txt``)
and our wire contract's (``docs/ninjablocks-wire.md``); each parser says
which doc sample or which assumption of the contract a shape comes from.
No Home Assistant imports here.

Devices:

- a block (one per ``node``) -> ``DeviceKind.GATEWAY``, id = the node;
- a GUID device (``SERIAL_G_V_D``) -> ``DeviceKind.GENERIC`` (a webcam:
  ``DeviceKind.CAMERA``), id = the GUID, reached through its block; what
  its ``DA`` says is mapped by its ``device_type``;
- a sub-device of an ``rf433`` or ``webhook`` hub -> ``DeviceKind.GENERIC``,
  id = ``<hub GUID>:<sub-device id>``, reached through the block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
import math
import re
from typing import Any, Final

from ...model import (
    CODE_PATTERN,
    DETECTION_EVENTS,
    Action,
    Detection,
    Device,
    DeviceEvent,
    DeviceKind,
    EventType,
    Feature,
    HistoryPoint,
    LightMode,
    LightState,
    Measurement,
    plausible_moment,
)
from ..base import BadResponseError, PushRejectedError
from ..parse import (
    ParseReport,
    pick,
    present,
    to_bool,
    to_datetime,
    to_int,
    to_str,
    to_text,
)

MANUFACTURER: Final = "Ninja Blocks"
#: The model of a block (the hub every GUID device is reached through).
BLOCK_MODEL: Final = "Ninja Block"
#: The models of the sub-devices, by category.
RF_MODEL: Final = "RF 433 MHz remote"
WEBHOOK_MODEL: Final = "Webhook"
SUBDEVICE_MODELS: Final = {"rf": RF_MODEL, "webhook": WEBHOOK_MODEL}
#: What a sub-device id is made of: ``<hub GUID>:<sub-device id>``.
SUBDEVICE_SEPARATOR: Final = ":"
#: The free-form value an ``rf433`` hub's last heard code is kept under.
LAST_CODE: Final = "last_code"
#: The key of a RECEIVED event's data: the code the hub heard.
CODE_KEY: Final = "code"
#: The longest text ``DA`` kept as a free-form value (longer ones are cut).
MAX_TEXT: Final = 255
#: A well-formed GUID: Ninja's ``SERIALNUMBER_G_V_D`` (the doc's convention).
GUID_PATTERN: Final = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}_[A-Za-z0-9]{1,16}_[0-9]{1,6}_[0-9]{1,10}"
)

#: Why a pushed body was refused (``PushRejectedError.reason``).
MALFORMED: Final = "malformed"
UNKNOWN_DEVICE: Final = "unknown_device"
#: A pushed value that is no plausible reading (a temperature of 9999).
IMPLAUSIBLE: Final = "implausible"

# --- what each device_type is (the wire contract's table; case-insensitive) -----

#: Types whose DA is a number: (measurement, factor into the model's unit).
#: ``light`` is read as lx and ``distance`` as cm (the doc is silent on both).
READING_TYPES: Final[dict[str, tuple[Measurement, float]]] = {
    "temperature": (Measurement.TEMPERATURE, 1.0),
    "humidity": (Measurement.HUMIDITY, 1.0),
    "light": (Measurement.ILLUMINANCE, 1.0),
    "distance": (Measurement.DISTANCE, 0.01),
}
#: Types whose DA is a yes/no word: what they detect.
DETECTION_TYPES: Final[dict[str, Detection]] = {
    "pir": Detection.MOTION,
    "motion": Detection.MOTION,
    "contact": Detection.OPENING,
    "door": Detection.OPENING,
    "window": Detection.OPENING,
    "reed": Detection.OPENING,
    "button": Detection.PRESS,
}
LIGHT_TYPES: Final = frozenset({"rgbled", "led"})
POWER_TYPES: Final = frozenset({"relay", "switch", "socket", "plug"})
RF_HUB_TYPES: Final = frozenset({"rf433"})
CAMERA_TYPES: Final = frozenset({"webcam", "camera"})
#: Hubs of webhook or SMS sub-devices: no readings of their own.
SERVICE_HUB_TYPES: Final = frozenset({"webhook", "sms"})
#: The nodes of the cloud's own services (``WEBHOOK_0_0_108``).
SERVICE_NODES: Final = frozenset({"WEBHOOK", "SMS"})

#: Truthy and falsy DA words (case-insensitive); anything else is no reading.
TRUTHY: Final = frozenset({"1", "true", "on", "open"})
FALSY: Final = frozenset({"0", "false", "off", "closed"})
#: An RGB LED's DA: six hex digits, optionally after a ``#``.
_HEX: Final = re.compile(r"#?([0-9a-fA-F]{6})")
#: The colour of an LED that is off.
BLACK: Final = "000000"


# --- reports: a device's DA and when it was sent ------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    """What a device last reported: its ``DA`` and when (``timestamp``, ms)."""

    #: The raw DA (None with ``has_da`` False: the device never reported).
    da: Any = None
    at: datetime | None = None
    has_da: bool = False


def _moment(value: Any) -> datetime | None:
    """A report's ``timestamp`` (ms since the epoch); None when unreadable or absurd."""
    moment = to_datetime(value)
    return moment if moment is not None and plausible_moment(moment) else None


def parse_last_data(value: Any) -> Report:
    """A listing entry's ``last_data: {DA, timestamp}`` (the doc's samples).

    The contract: it may be missing or ``{}`` (a device that never reported).
    """
    if not isinstance(value, Mapping):
        return Report()
    da = pick(value, "DA", "da")
    return Report(
        da=da if present(da) else None,
        at=_moment(value.get("timestamp")),
        has_da=present(da) and da is not None,
    )


def parse_heartbeat(data: Any) -> Report:
    """``GET /device/:guid/heartbeat``'s ``data``: ``{G, V, D, DA, GUID, timestamp, node}``.

    The doc's sample; a heartbeat without ``DA`` is a device that never
    reported (no reading). Raises BadResponseError when it is no object.
    """
    if not isinstance(data, Mapping):
        raise BadResponseError("a heartbeat: the answer is no object")
    return parse_last_data(data)


# --- the listing ------------------------------------------------------------------------


@dataclass(slots=True)
class SubEntry:
    """A sub-device of a hub (``subDevices: {id: {category, type, ...}}``)."""

    id: str
    hub: str
    #: What it hangs under: its hub's block (an RF hub's), else its hub.
    node: str | None
    category: str
    #: ``sensor`` or ``actuator`` (anything else: neither).
    type: str | None = None
    name: str | None = None
    #: The code it stores (an RF remote's bits) or other data.
    data: str | None = None
    url: str | None = None
    #: A webhook sensor's tickle token (a secret of its URL).
    token: str | None = None

    @property
    def device_id(self) -> str:
        """Its device id: ``<hub GUID>:<sub-device id>``."""
        return subdevice_id(self.hub, self.id)

    @property
    def code(self) -> str | None:
        """The code it stores, when that is an RF code (0s and 1s)."""
        return self.data if self.data and CODE_PATTERN.fullmatch(self.data) else None


def subdevice_id(hub: str, sub: str) -> str:
    """The device id of a hub's sub-device."""
    return f"{hub}{SUBDEVICE_SEPARATOR}{sub}"


def split_subdevice_id(device_id: str) -> tuple[str, str] | None:
    """``(hub GUID, sub-device id)`` of a sub-device's id (None: not one)."""
    hub, separator, sub = device_id.partition(SUBDEVICE_SEPARATOR)
    return (hub, sub) if separator and hub and sub else None


@dataclass(slots=True)
class Entry:
    """One GUID device of the listing (or of ``GET /device/:guid``)."""

    guid: str
    #: The block it belongs to (its ``node``, else the GUID's serial part).
    node: str | None
    #: Lower case (the contract matches it case-insensitively).
    device_type: str
    default_name: str | None = None
    short_name: str | None = None
    is_sensor: bool = False
    is_actuator: bool = False
    has_time_series: bool = False
    subs: list[SubEntry] = field(default_factory=list)
    #: Whether ``subs`` is the hub's whole list: its ``subDevices`` was
    #: there and readable, and holds as many as ``has_subdevice_count``
    #: says (False: a sub-device missing from it tells nothing).
    subs_known: bool = True
    report: Report = field(default_factory=Report)

    @property
    def name(self) -> str:
        """What the device is called (its ``shortName``, else a stand-in)."""
        return self.short_name or self.default_name or self.guid

    @property
    def camera(self) -> bool:
        """A webcam (snapshots, nothing to read)."""
        return self.device_type in CAMERA_TYPES

    @property
    def reporting(self) -> bool:
        """Whether its heartbeat is worth reading between listings.

        Sensors, LEDs, relays and RF hubs; not cameras, webhook or SMS hubs.
        """
        if self.camera or self.device_type in SERVICE_HUB_TYPES:
            return False
        return (
            self.is_sensor
            or self.device_type in LIGHT_TYPES
            or self.device_type in POWER_TYPES
            or self.device_type in RF_HUB_TYPES
        )

    def take(self, report: Report) -> bool:
        """Keep a newer report (a heartbeat, a push); False: it is older."""
        held = self.report.at
        if report.at is not None and held is not None and report.at < held:
            return False
        self.report = report
        return True


@dataclass(slots=True)
class Listing:
    """What ``GET /devices`` listed."""

    entries: list[Entry] = field(default_factory=list)
    #: Entries that could not be read at all (not an object, no GUID).
    unreadable: int = 0
    #: Ids of sub-devices that were skipped (SMS, unknown categories).
    skipped: set[str] = field(default_factory=set)

    @property
    def nodes(self) -> list[str]:
        """The blocks of the listing, sorted."""
        return sorted({entry.node for entry in self.entries if entry.node})


def _flag(value: Any) -> bool:
    """The doc's 0/1 flags (``is_sensor``, ``has_time_series``...)."""
    return to_bool(value) is True


def node_of(guid: str) -> str | None:
    """The serial part of a Ninja GUID (``SERIALNUMBER_G_V_D``)."""
    serial = guid.split("_", 1)[0]
    return serial if serial and serial != guid else None


def _sub_items(value: Any) -> list[tuple[str | None, Any]]:
    """``subDevices`` as ``(id, object)`` pairs.

    The doc: an object keyed by id; the contract: also ``[]`` or ``{}``
    when empty. Also read (plausible): a list of objects with an ``id``.
    """
    if isinstance(value, Mapping):
        return [(to_str(key), item) for key, item in value.items()]
    if isinstance(value, list):
        return [
            (to_str(item.get("id")) if isinstance(item, Mapping) else None, item)
            for item in value
        ]
    return []


def _parse_subs(
    value: Any, hub: str, node: str | None, listing: Listing, report: ParseReport
) -> list[SubEntry]:
    """A hub's sub-devices (``{id: {category, type, shortName, data[, url][, token]}}``).

    ``rf`` and ``webhook`` sub-devices are kept; ``sms`` ones (and any other
    category) are skipped and counted in the parse report.
    """
    subs: list[SubEntry] = []
    for sub_id, item in _sub_items(value):
        if not sub_id or not isinstance(item, Mapping):
            report.skip("sub-device", "not an object with an id")
            continue
        category = (to_text(item.get("category")) or "").lower()
        if category not in SUBDEVICE_MODELS:
            report.skip("sub-device", f"category {category or 'none'!r} is not used")
            listing.skipped.add(subdevice_id(hub, sub_id))
            continue
        kind = (to_text(item.get("type")) or "").lower()
        subs.append(
            SubEntry(
                id=sub_id,
                hub=hub,
                node=node,
                category=category,
                type=kind if kind in ("sensor", "actuator") else None,
                name=to_text(item.get("shortName")),
                data=to_text(item.get("data")),
                url=to_text(item.get("url")),
                token=to_text(item.get("token")),
            )
        )
    return subs


def parse_entry(
    item: Any,
    report: ParseReport,
    guid: str | None = None,
    listing: Listing | None = None,
) -> Entry | None:
    """One device object (the doc's listing values and ``GET /device/:guid``).

    Its GUID is the listing's key (the doc) or its own ``guid`` (the doc's
    ``GET /device/:guid``; the contract's list shape). None: no GUID.
    """
    if not isinstance(item, Mapping):
        return None
    guid = guid or to_text(pick(item, "guid", "GUID"))
    if not guid:
        return None
    device_type = (to_text(item.get("device_type")) or "").lower()
    # A service of the cloud's own (webhooks, SMS; the doc's WEBHOOK_0_0_108,
    # node "WEBHOOK", whose device_type the doc does not show) is on no
    # block: no block device is made for it, and its sub-devices hang under
    # it instead.
    node = to_text(item.get("node")) or node_of(guid)
    if device_type in SERVICE_HUB_TYPES or (node or "").upper() in SERVICE_NODES:
        node = None
    entry = Entry(
        guid=guid,
        node=node,
        device_type=device_type,
        default_name=to_text(item.get("default_name")),
        short_name=to_text(item.get("shortName")),
        is_sensor=_flag(item.get("is_sensor")),
        is_actuator=_flag(item.get("is_actuator")),
        has_time_series=_flag(item.get("has_time_series")),
        report=parse_last_data(item.get("last_data")),
    )
    raw_subs = item.get("subDevices")
    entry.subs = _parse_subs(raw_subs, guid, node or guid, listing or Listing(), report)
    counted = to_int(item.get("has_subdevice_count"))
    entry.subs_known = isinstance(raw_subs, Mapping | list) and (
        not counted or len(_sub_items(raw_subs)) >= counted
    )
    return entry


def parse_device(data: Any, report: ParseReport) -> Entry:
    """``GET /device/:guid``'s ``data`` (BadResponseError: no device object)."""
    entry = parse_entry(data, report)
    if entry is None:
        raise BadResponseError("a device: the answer is no device")
    return entry


def parse_listing(data: Any, report: ParseReport) -> Listing:
    """``GET /devices``'s ``data``.

    The doc: an object keyed by GUID. The contract: also a list of device
    objects each with a ``guid``. An entry that is no object or has no GUID
    is unreadable (counted: the listing is then not complete). Raises
    BadResponseError when ``data`` is neither.
    """
    items: list[tuple[str | None, Any]]
    if isinstance(data, Mapping):
        items = [(to_text(key), value) for key, value in data.items()]
    elif isinstance(data, list):
        items = [(None, value) for value in data]
    else:
        raise BadResponseError("the device list is neither an object nor a list")
    listing = Listing()
    seen: set[str] = set()
    for key, value in items:
        entry = parse_entry(value, report, key, listing)
        if entry is None:
            report.skip("device list entry", "not an object with a GUID")
            listing.unreadable += 1
            continue
        if entry.guid in seen:
            continue
        seen.add(entry.guid)
        listing.entries.append(entry)
    return listing


def parse_callback_url(data: Any) -> str | None:
    """``GET /device/:guid/callback``'s ``data: {"url": ...}`` (the doc's sample)."""
    if isinstance(data, Mapping):
        return to_text(data.get("url"))
    return None


def parse_created_id(data: Any) -> str | None:
    """``POST /device/:guid/subdevice``'s ``data: {"id"[, "token"]}`` (the doc's samples)."""
    if isinstance(data, Mapping):
        return to_str(data.get("id")) or None
    return None


# --- mapping onto the model --------------------------------------------------------------


def truthy(value: Any) -> bool | None:
    """A yes/no DA: 1, "1", true, "on", "open", "true" / their opposites (None: neither)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return value == 1
        return None
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUTHY:
            return True
        if word in FALSY:
            return False
    return None


def parse_rgb(value: Any) -> tuple[int, int, int] | None:
    """An LED's DA as its three channels (``"22B42B"``, ``"#ff00ff"``; None: not one)."""
    if not isinstance(value, str):
        return None
    match = _HEX.fullmatch(value.strip())
    if match is None:
        return None
    raw = bytes.fromhex(match.group(1))
    return raw[0], raw[1], raw[2]


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def light_of(
    channels: tuple[int, int, int], held: LightState | None
) -> tuple[bool, tuple[int, int, int] | None, float | None]:
    """``(on, rgb, brightness)`` of an LED's channels.

    Brightness is the brightest channel over 255 (percent); the colour is
    scaled so that its brightest channel is 255. Black is off: the colour
    and brightness stay as they were (the colour an LED turned on takes).
    """
    top = max(channels)
    if top == 0:
        return (
            False,
            held.rgb if held is not None else None,
            held.brightness if held is not None else None,
        )
    red, green, blue = (min(255, _half_up(c * 255 / top)) for c in channels)
    return True, (red, green, blue), round(top / 255 * 100, 1)


def rgb_hex(rgb: tuple[int, int, int], brightness: float) -> str:
    """The DA that shows ``rgb`` at ``brightness`` percent (upper case, as the doc)."""
    top = max(rgb)
    if top <= 0:
        rgb, top = (255, 255, 255), 255
    level = min(max(brightness, 0.0), 100.0) / 100
    if level <= 0:
        return BLACK
    channels = [min(255, _half_up(c * 255 / top * level)) for c in rgb]
    if max(channels) == 0:  # very dim: the brightest channel still glows
        channels[rgb.index(top)] = 1
    return "".join(f"{c:02X}" for c in channels)


def _number(value: Any) -> float | None:
    """A numeric DA (a number, or a numeric string); None: anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _actions(entry: Entry) -> frozenset[Action]:
    actions = {Action.RENAME}
    if entry.device_type in LIGHT_TYPES:
        actions.add(Action.SET_LIGHT)
    if entry.device_type in POWER_TYPES:
        actions.add(Action.SET_POWER)
    if entry.device_type in RF_HUB_TYPES:
        actions.add(Action.ADD_SUBDEVICE)
    return frozenset(actions)


def build_device(
    entry: Entry,
    held: Device | None,
    report: ParseReport,
    now: datetime | None = None,
) -> Device:
    """The GUID device of an entry, its DA mapped by its ``device_type``.

    ``held`` is what Home Assistant holds of it: an LED that reports black
    keeps its colour, a relay whose DA is unreadable keeps its state.
    """
    features: set[Feature] = set()
    if entry.has_time_series:
        features.add(Feature.HISTORY)
    if entry.camera:
        features.add(Feature.SNAPSHOT)
    device = Device(
        id=entry.guid,
        kind=DeviceKind.CAMERA if entry.camera else DeviceKind.GENERIC,
        name=entry.name,
        name_reported=entry.short_name is not None,
        manufacturer=MANUFACTURER,
        model=entry.default_name,
        actions=_actions(entry),
        features=frozenset(features),
        via_device=entry.node,
        last_report=entry.report.at,
        updated_at=now,
    )
    if device.generic is not None:
        device.generic.measured_at = entry.report.at
    _map_da(device, entry, held, report)
    report.drop_implausible(device)
    return device


def _map_da(
    device: Device, entry: Entry, held: Device | None, report: ParseReport
) -> None:
    """What the DA says, by the entry's type (the contract's table)."""
    kind = entry.device_type
    da, has_da = entry.report.da, entry.report.has_da
    name = f"{kind or 'device'}.DA"
    if kind in LIGHT_TYPES:
        held_light = held.light if held is not None else None
        light = LightState(modes=frozenset({LightMode.RGB}))
        channels = parse_rgb(da) if has_da else None
        if channels is not None:
            light.on, light.rgb, light.brightness = light_of(channels, held_light)
        else:
            if has_da:
                report.reject(name, da)
            if held_light is not None:
                light.rgb, light.brightness = held_light.rgb, held_light.brightness
        device.light = light
        return
    if kind in POWER_TYPES:
        power = truthy(da) if has_da else None
        if power is None:
            if has_da:
                report.reject(name, da)
            power = held.power if held is not None else None
        device.power = power
        return
    if kind in READING_TYPES:
        measurement, factor = READING_TYPES[kind]
        device.measures = frozenset({measurement})
        number = _number(da) if has_da else None
        if number is not None:
            device.readings[measurement] = round(number * factor, 4)
        elif has_da:
            report.reject(name, da)
        return
    if kind in DETECTION_TYPES:
        state = truthy(da) if has_da else None
        if state is not None:
            device.detections[DETECTION_TYPES[kind]] = state
        elif has_da:
            report.reject(name, da)
        return
    if kind in RF_HUB_TYPES:
        code = da.strip() if isinstance(da, str) else None
        if code is not None and CODE_PATTERN.fullmatch(code):
            device.values[LAST_CODE] = code
        elif has_da:
            report.reject(name, da)
        return
    if entry.camera or kind in SERVICE_HUB_TYPES or not entry.is_sensor or not has_da:
        return
    # anything else a sensor reports: a free-form value named by its type
    number = _number(da)
    if number is not None:
        device.values[kind or "value"] = number
    elif isinstance(da, str) and da.strip():
        device.values[kind or "value"] = da.strip()[:MAX_TEXT]
    else:
        report.reject(name, da)


def build_block(node: str, last_report: datetime | None) -> Device:
    """A block: the gateway its GUID devices are reached through."""
    return Device(
        id=node,
        kind=DeviceKind.GATEWAY,
        name=f"{BLOCK_MODEL} {node}",
        manufacturer=MANUFACTURER,
        model=BLOCK_MODEL,
        serial=node,
        last_report=last_report,
    )


def newest(moments: Iterable[datetime | None]) -> datetime | None:
    """The newest of some moments (None: none known)."""
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def build_subdevice(sub: SubEntry, now: datetime | None = None) -> Device:
    """A hub's sub-device (an RF remote's code, a webhook), read at ``now``.

    It reports nothing of its own: no report time (its hub's tells).
    """
    actions = {Action.RENAME, Action.UPDATE_SUBDEVICE, Action.REMOVE_SUBDEVICE}
    # the cloud counts how often each sub-device was used (its history)
    features: set[Feature] = {Feature.HISTORY}
    if sub.category == "rf":
        if sub.type == "actuator" and sub.code is not None:
            actions.add(Action.TRANSMIT)  # the hub sends its code
        if sub.type == "sensor":
            features.add(Feature.CODE_EVENTS)  # the hub hears its code
    elif sub.type == "sensor" and sub.token:
        actions.add(Action.TRANSMIT)  # the tickle
    model = SUBDEVICE_MODELS[sub.category]
    return Device(
        id=sub.device_id,
        kind=DeviceKind.GENERIC,
        name=sub.name or f"{model} {sub.id}",
        name_reported=sub.name is not None,
        manufacturer=MANUFACTURER,
        model=model,
        actions=frozenset(actions),
        features=frozenset(features),
        via_device=sub.node,
        updated_at=now,
    )


# --- events -----------------------------------------------------------------------------


def events_of(entry: Entry, device: Device) -> list[DeviceEvent]:
    """What a new report of a GUID device fires (the caller checked it is new).

    A detection's on event when truthy, its off event (none for motion)
    when falsy; an RF hub's code fires RECEIVED on each of its RF sensor
    sub-devices storing that code (data ``{"code": <code>}``).
    """
    at = entry.report.at
    events: list[DeviceEvent] = []
    for detection, state in device.detections.items():
        on_event, off_event = DETECTION_EVENTS[detection]
        event = on_event if state else off_event
        if event is not None:
            events.append(DeviceEvent(device_id=device.id, type=event, at=at))
    code = device.values.get(LAST_CODE)
    if isinstance(code, str):
        events.extend(
            DeviceEvent(
                device_id=sub.device_id,
                type=EventType.RECEIVED,
                data={CODE_KEY: code},
                at=at,
            )
            for sub in entry.subs
            if sub.category == "rf" and sub.type == "sensor" and sub.data == code
        )
    return events


def is_newer(report: Report, held: Device | None) -> bool:
    """Whether a report is newer than the one Home Assistant holds of a device."""
    if held is None or report.at is None:
        return False
    return held.last_report is None or report.at > held.last_report


# --- history ----------------------------------------------------------------------------


def parse_history(data: Any, report: ParseReport) -> list[HistoryPoint]:
    """``GET /device/:guid/data``'s ``data: [{"t", "v"}]``, oldest first.

    The doc: ``t`` an ISO time (``2012-12-18T00:00:00.000+0000``); the
    contract: ``t`` may also be ms since the epoch. A point whose ``v`` is
    not a finite number, or whose ``t`` is unreadable, is skipped.
    """
    if data is None:
        return []
    if not isinstance(data, list):
        raise BadResponseError("a history: the answer is no list")
    points: list[HistoryPoint] = []
    for item in data:
        if not isinstance(item, Mapping):
            report.skip("history point", "not an object")
            continue
        value = item.get("v")
        at = _moment(item.get("t"))
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            report.skip("history point", "no finite value")
            continue
        if at is None:
            report.skip("history point", "no readable time")
            continue
        points.append(HistoryPoint(at=at, value=float(value)))
    points.sort(key=lambda point: point.at)
    return points


# --- pushed bodies ------------------------------------------------------------------------


def _unwrap(payload: Any) -> Any:
    """A pushed report out of ``{"data": {...}}`` or a full envelope (contract, shape 3)."""
    for _ in range(2):
        if not isinstance(payload, Mapping) or present(pick(payload, "DA", "da")):
            return payload
        inner = payload.get("data")
        if not isinstance(inner, Mapping):
            return payload
        if "result" in payload and to_bool(payload.get("result")) is not True:
            raise PushRejectedError(MALFORMED)
        payload = inner
    return payload


def parse_push(payload: Any, now: datetime) -> tuple[str, Report]:
    """A callback's body: ``(GUID, report)``.

    The doc is silent on the body ("URLs that we will POST to with this
    device's data"); the contract accepts:

    1. the heartbeat's shape ``{"G", "V", "D", "DA", "GUID", "timestamp", "node"}``
       (what the simulator sends);
    2. lower case ``{"guid", "da" | "DA", "timestamp"}``;
    3. either wrapped as ``{"data": {...}}`` or in a full envelope;
    4. no GUID but ``node``, ``G``, ``V``, ``D``: the GUID ``node_G_V_D``.

    ``timestamp`` is ms since the epoch; missing (or unreadable) it is the
    time the push arrived. Raises PushRejectedError(``malformed``) for
    anything else (no object, no GUID, no DA).
    """
    body = _unwrap(payload)
    if not isinstance(body, Mapping):
        raise PushRejectedError(MALFORMED)
    guid = to_text(pick(body, "GUID", "guid"))
    if guid is None:
        parts = [to_str(body.get(key)) for key in ("node", "G", "V", "D")]
        if not all(parts):
            raise PushRejectedError(MALFORMED)
        guid = "_".join(part.strip() for part in parts if part)
    da = pick(body, "DA", "da")
    if not present(da) or da is None:
        raise PushRejectedError(MALFORMED)
    at = _moment(body.get("timestamp")) or now
    return guid.strip(), Report(da=da, at=at, has_da=True)
