"""What Instathings' sockets tell, turned into updates of known devices.

A message is ``{"action", "payload"}``: the cloud's frames as they come,
and a gateway's socket.io events as ``socket.py`` hands them over (the
event's name as ``action``, its object as ``payload``). Payloads as in the
vendor doc: a gateway device for ``connected``, ``disconnected`` and
``software_version``; a device for ``paired``, ``not_paired`` and
``discovering``; ``{deviceId, data, ts}`` for the cloud's ``data``,
``{deviceId, response}`` for its ``status``, and ``{deviceId, payload, ts}``
for both on premise. No Home Assistant imports here.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
from dataclasses import dataclass, field
import logging
from typing import Any, Final

from ...model import Device
from ..base import DeviceUpdate, Pushed, PushRejectedError
from ..parse import ParseReport, pick, present, to_datetime, to_str, to_text
from .payloads import (
    MAX_VALUES,
    Connectivity,
    apply_connectivity,
    firmware_of,
    map_data,
    parse_connectivity,
    set_state,
    unwrap,
)

_LOGGER = logging.getLogger(__name__)

#: Why a message was refused (``PushRejectedError.reason``).
MALFORMED: Final = "malformed"
UNKNOWN_EVENT: Final = "unknown_event"
UNKNOWN_DEVICE: Final = "unknown_device"

DATA: Final = "data"
STATUS: Final = "status"
CONNECTED: Final = "connected"
DISCONNECTED: Final = "disconnected"
SOFTWARE_VERSION: Final = "software_version"
PAIRED: Final = "paired"
NOT_PAIRED: Final = "not_paired"
#: Actions that change nothing we show (the doc's spelling of "succeeded",
#: and the right one, which a fixed server may send).
QUIET: Final = frozenset(
    {
        "installation_succeded",
        "installation_succeeded",
        "installation_failed",
        "discovering",
        "log",
    }
)
#: Every action the socket may bring.
ACTIONS: Final = frozenset(
    {
        DATA,
        STATUS,
        CONNECTED,
        DISCONNECTED,
        SOFTWARE_VERSION,
        PAIRED,
        NOT_PAIRED,
        *QUIET,
    }
)


@dataclass(slots=True)
class Parsed:
    """A message's updates, and the devices whose switch or light state it set."""

    pushed: Pushed = field(default_factory=Pushed)
    stated: set[str] = field(default_factory=set)


def parse_message(
    message: Any, known: Mapping[str, Device], report: ParseReport
) -> Parsed:
    """Turn one socket message into updates of ``known`` devices (new objects)."""
    if not isinstance(message, Mapping):
        raise PushRejectedError(MALFORMED)
    action = to_text(message.get("action"))
    if action is None:
        raise PushRejectedError(MALFORMED)
    if action not in ACTIONS:
        raise PushRejectedError(UNKNOWN_EVENT)
    payload = message.get("payload")
    if action in QUIET:
        if action == "log":
            lines = payload.get("logs") if isinstance(payload, Mapping) else None
            _LOGGER.debug(
                "The socket brought %s log lines",
                len(lines) if isinstance(lines, list) else 0,
            )
        else:
            _LOGGER.debug("The socket brought %s", action)
        return Parsed()
    if not isinstance(payload, Mapping):
        raise PushRejectedError(MALFORMED)
    if action in (DATA, STATUS):
        return _data(action, payload, known, report)
    device_id = to_str(pick(payload, "id", "deviceId"))
    if not device_id:
        raise PushRejectedError(MALFORMED)
    if action == PAIRED:
        return _paired(device_id, known)
    if action == NOT_PAIRED:
        return _not_paired(device_id, payload, known)
    return _gateway(action, device_id, payload, known)


def _data(
    action: str,
    payload: Mapping[str, Any],
    known: Mapping[str, Device],
    report: ParseReport,
) -> Parsed:
    """``data`` or ``status``: the device's new keys merged into what we hold."""
    device_id = to_str(pick(payload, "deviceId"))
    body = pick(payload, "data", "payload", "response")
    data = unwrap(body) if present(body) else None
    if not device_id or data is None:
        raise PushRejectedError(MALFORMED)
    held = known.get(device_id)
    if held is None:
        raise PushRejectedError(UNKNOWN_DEVICE)
    at = to_datetime(payload.get("ts"))
    device = copy.deepcopy(held)
    mapped = map_data(data, report)
    device.readings.update(mapped.readings)
    for key, value in mapped.values.items():
        if key in device.values or len(device.values) < MAX_VALUES:
            device.values[key] = value
    if mapped.battery is not None:
        device.battery = mapped.battery
    parsed = Parsed()
    if mapped.has_state:
        set_state(device, mapped.power, mapped.light, held.light)
        parsed.stated.add(device_id)
    if action == DATA and at is not None:
        device.last_report = at
        if device.generic is not None:
            device.generic.measured_at = at
    report.drop_implausible(device)
    parsed.pushed.updates.append(DeviceUpdate(device, at))
    return parsed


def _paired(device_id: str, known: Mapping[str, Device]) -> Parsed:
    """A device paired: a new one is listed again; a known one is back."""
    held = known.get(device_id)
    if held is None:
        return Parsed(Pushed(relist=True))
    device = copy.deepcopy(held)
    device.online = True
    return Parsed(Pushed(updates=[DeviceUpdate(device)]))


def _not_paired(
    device_id: str, payload: Mapping[str, Any], known: Mapping[str, Device]
) -> Parsed:
    """A sub-device unpaired (or its pairing failed): it may have left."""
    held = known.get(device_id)
    if held is None or (held.via_device is None and not payload.get("parentDevice")):
        return Parsed()  # a device we never had, or no sub-device
    return Parsed(Pushed(removed={device_id}))


def _gateway(
    action: str,
    device_id: str,
    payload: Mapping[str, Any],
    known: Mapping[str, Device],
) -> Parsed:
    """``connected``, ``disconnected``, ``software_version``: a gateway's news.

    Its sub-devices are offline while it is disconnected, online again once
    it is back.
    """
    held = known.get(device_id)
    if held is None:
        raise PushRejectedError(UNKNOWN_DEVICE)
    status = payload.get("status")
    at = to_datetime(pick(status, "timestamp")) if isinstance(status, Mapping) else None
    at = at or to_datetime(payload.get("ts"))
    connectivity: Connectivity | None
    if action == SOFTWARE_VERSION:
        connectivity = parse_connectivity(status)
    else:
        found = parse_connectivity(status)
        connectivity = Connectivity(
            connected=action == CONNECTED,
            reason=found.reason if found is not None else None,
            at=at,
        )
    firmware = firmware_of(payload.get("version"))
    if action == SOFTWARE_VERSION and firmware is None:
        raise PushRejectedError(MALFORMED)
    device = copy.deepcopy(held)
    if firmware is not None:
        device.firmware = firmware
    pushed = Pushed()
    if connectivity is not None:
        apply_connectivity(device, connectivity, held)
        subs = payload.get("subDevices")
        named = {
            text
            for text in (
                to_str(pick(s, "id")) if isinstance(s, Mapping) else to_str(s)
                for s in (subs if isinstance(subs, list) else [])
            )
            if text
        }
        for sub in known.values():
            if sub.id == device_id or (
                sub.via_device != device_id and sub.id not in named
            ):
                continue
            if sub.online is not connectivity.connected:
                child = copy.deepcopy(sub)
                child.online = connectivity.connected
                pushed.updates.append(DeviceUpdate(child, connectivity.at))
    pushed.updates.insert(0, DeviceUpdate(device, at))
    return Parsed(pushed)
