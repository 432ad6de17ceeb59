"""Callbacks: the URLs the cloud POSTs a device's data to, as soon as it gets it.

One callback per device. The registry keeps the current URL of every device
and a log of every change, by the API or by a test (`foreign`: another app's
callback set behind our back). The body of a delivery is the heartbeat-like
{G, V, D, DA, GUID, timestamp, node} or one of the other shapes the wire
contract accepts (see `api.Shapes.callback_body`); `WebhookSender` POSTs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .api import ok
from .world import JSON, LastData, SimDevice

# What a change of the log did.
REGISTERED = "registered"  # POST
UPDATED = "updated"  # PUT
DELETED = "deleted"  # DELETE (or the device was deleted)
FOREIGN = "foreign"  # set by a test: another app's callback


@dataclass
class CallbackChange:
    """One change of a device's callback."""

    at: datetime
    action: str
    guid: str
    url: str | None


@dataclass
class Callbacks:
    """The callback URL of every device that has one, and how they changed."""

    urls: dict[str, str] = field(default_factory=dict)
    log: list[CallbackChange] = field(default_factory=list)

    def get(self, guid: str) -> str | None:
        """The device's callback URL, if it has one."""
        return self.urls.get(guid)

    def set(self, guid: str, url: str, action: str, at: datetime) -> None:
        """Register or replace a device's callback."""
        self.urls[guid] = url
        self.log.append(CallbackChange(at, action, guid, url))

    def delete(self, guid: str, at: datetime) -> str | None:
        """Remove a device's callback; its URL (None if it had none)."""
        url = self.urls.pop(guid, None)
        if url is not None:
            self.log.append(CallbackChange(at, DELETED, guid, url))
        return url

    def changes(
        self, guid: str | None = None, action: str | None = None
    ) -> list[CallbackChange]:
        """The changes of one device and/or of one kind, oldest first."""
        return [
            change
            for change in self.log
            if (guid is None or change.guid == guid)
            and (action is None or change.action == action)
        ]


def callback_body(device: SimDevice, report: LastData, shape: str) -> JSON:
    """What a callback POST carries for one report of the device."""
    beat = device.heartbeat(report)
    match shape:
        case "lower":
            lower: JSON = {"guid": device.guid}
            if "DA" in beat:
                lower["da"] = beat["DA"]
            if "timestamp" in beat:
                lower["timestamp"] = beat["timestamp"]
            return lower
        case "wrapped":
            return {"data": beat}
        case "envelope":
            return ok(beat)
        case "no_guid":
            return {key: value for key, value in beat.items() if key != "GUID"}
    return beat
