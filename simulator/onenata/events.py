"""OneNata's webhook events: which changes of a device become which event.

The simulator looks at every device after anything that may change it (a
request, the clock moving, a test helper) and compares it with the last look.
What differs becomes the doc's events:

- device.offline: the device went offline (nothing else is reported for it
  while it stays offline; coming back is a device.status.changed);
- device.status.changed: what GET /devices/{id}/status answers changed, apart
  from the report times that tick by themselves; the event carries that answer;
- device.alert: a new alert, one event per alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import json
from typing import Any

from .devices import JSON, SimDevice, alert_keys, device_status

STATUS_CHANGED = "device.status.changed"
OFFLINE = "device.offline"
ALERT = "device.alert"
WEBHOOK_EVENTS = (STATUS_CHANGED, OFFLINE, ALERT)

# Status fields that move on their own (report times, alert timestamps).
TICKING_FIELDS = frozenset({"lastReportTime", "lastSeen"})


@dataclass(frozen=True)
class Look:
    """What the simulator last saw of a device."""

    online: bool
    fingerprint: str
    alerts: dict[str, JSON]


def look(device: SimDevice, now: datetime) -> tuple[Look, JSON]:
    """Look at a device: what to compare next time, and its status answer."""
    status = device_status(device, now)
    stable: dict[str, Any] = {
        key: value for key, value in status.items() if key not in TICKING_FIELDS
    }
    stable["alerts"] = [
        {key: alert[key] for key in ("type", "severity", "message")}
        for alert in status["alerts"]
    ]
    return (
        Look(
            device.online,
            json.dumps(stable, sort_keys=True),
            alert_keys(device, now),
        ),
        status,
    )


def changes(
    before: Look, after: Look, status: JSON
) -> tuple[list[tuple[str, JSON]], Look]:
    """The events (name, data) between two looks, and the look to keep.

    While a device is offline the kept look stays what the receiver was last
    told, so that what changed meanwhile is reported when it is back.
    """
    device_id = status["deviceId"]
    events: list[tuple[str, JSON]] = []
    if after.online:
        if before.fingerprint != after.fingerprint:
            events.append((STATUS_CHANGED, {"deviceId": device_id, "status": status}))
        new_alerts = {
            key: alert
            for key, alert in after.alerts.items()
            if key not in before.alerts
        }
        keep = after
    else:
        if before.online:
            events.append((OFFLINE, {"deviceId": device_id}))
        # an offline device reports nothing, but a test may still raise alerts
        new_alerts = {
            key: alert
            for key, alert in after.alerts.items()
            if key.startswith("raised:") and key not in before.alerts
        }
        keep = Look(False, before.fingerprint, before.alerts | new_alerts)
    events.extend(
        (ALERT, {"deviceId": device_id, "alert": dict(alert)})
        for alert in new_alerts.values()
    )
    return events, keep
