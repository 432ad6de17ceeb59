"""OneNata's webhook events, parsed into updates of the neutral model.

No Home Assistant imports here. The doc documents the registration (``POST
/webhooks`` with the three event names) and one example, a
``device.status.changed`` whose ``data`` holds ``deviceId`` and a ``status``
object shaped like ``GET /status``. It is silent on the other two, so every
plausible shape is read (each is tested):

- the device id as ``data.deviceId``, ``data.device_id`` or ``data.id``, or
  at the top level;
- a status change's readings nested in ``data.status`` or at ``data``'s top
  level (as the status endpoint itself has both);
- a status change without any reading we know: the device is read again;
- ``device.offline`` with nothing but the id (the device is offline);
- ``device.alert`` as ``data.alert`` (an object with type and message, or a
  string), ``data.alerts`` (a list of those), or ``type``/``message`` fields
  of ``data`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import copy
from datetime import datetime
from typing import Any, Final

from ...model import Device, DeviceEvent, EventType, plausible_moment
from ..base import BadResponseError, DeviceUpdate, Pushed, PushRejectedError
from ..parse import ParseReport, pick, to_alerts, to_datetime, to_str

STATUS_CHANGED: Final = "device.status.changed"
OFFLINE: Final = "device.offline"
ALERT: Final = "device.alert"
#: What we register for, in the doc's order.
EVENTS: Final = (STATUS_CHANGED, OFFLINE, ALERT)


def _device_id(payload: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    device_id = (
        to_str(pick(data, "deviceId", "device_id", "id"))
        or to_str(pick(payload, "deviceId", "device_id"))
        or ""
    ).strip()
    if not device_id:
        raise PushRejectedError("no_device")
    return device_id


def _moment(payload: Mapping[str, Any], report: ParseReport) -> datetime | None:
    """When the event happened; an unreadable or impossible time is no time."""
    raw = payload.get("timestamp")
    if raw is None:
        return None
    moment = to_datetime(raw)
    if moment is None or not plausible_moment(moment):
        report.reject("webhook.timestamp", raw)
        return None
    return moment


def _alerts(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every alert of an alert event, as type and message."""
    raw: Any = data.get("alerts")
    items = raw if isinstance(raw, list) else [data.get("alert", data)]
    alerts: list[dict[str, str]] = []
    for alert in to_alerts(items):
        told = {"type": alert.type, "message": alert.message}
        if alert.zone is not None:  # a geofence alert's safe zone
            told["zone"] = alert.zone
        alerts.append(told)
    return alerts


type ApplyStatus = Callable[[Device, Mapping[str, Any], ParseReport], None]


def parse_event(
    payload: Any,
    known: Mapping[str, Device],
    report: ParseReport,
    apply_status: ApplyStatus,
    may_relist: Callable[[str], bool] = lambda _device_id: True,
) -> Pushed:
    """One webhook call into new device objects and events (``known`` is not changed).

    ``apply_status`` maps a status object onto a device (the account's).
    """
    if not isinstance(payload, Mapping):
        raise PushRejectedError("not_an_object")
    event = payload.get("event")
    if event not in EVENTS:
        raise PushRejectedError("unknown_event")
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise PushRejectedError("no_data")
    device_id = _device_id(payload, data)
    held = known.get(device_id)
    if held is None:
        # never a new device from a push alone: a device we do not know (one
        # just added in the app) has the device list read, and comes from it
        if may_relist(device_id):
            return Pushed(relist=True)
        raise PushRejectedError("unknown_device")
    at = _moment(payload, report)
    if event == ALERT:
        alerts = _alerts(data)
        if not alerts:
            raise PushRejectedError("no_alert")
        return Pushed(
            events=[
                DeviceEvent(
                    device_id=device_id, type=EventType.ALERT, data=alert, at=at
                )
                for alert in alerts
            ]
        )
    device = copy.deepcopy(held)
    if event == OFFLINE:
        device.online = False
    else:
        # the doc's example nests the device's own fields in "status" too,
        # where GET /status has them at the top: read both, nested wins
        nested = data.get("status")
        status = {**data, **nested} if isinstance(nested, Mapping) else dict(data)
        try:
            apply_status(device, status, report)
        except BadResponseError:
            # a change of nothing we show (e.g. only the doc's "temperature"
            # for a feeder): what changed is read from the cloud instead
            return Pushed(refresh={device_id})
        report.drop_implausible(device)
    return Pushed(updates=[DeviceUpdate(device, at)])
