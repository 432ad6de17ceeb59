"""When each Netatmo call is due: the account's polling plan (no Home Assistant imports).

Pure logic with an explicit ``now``, so a benchmark can drive it over
simulated hours. The plan of one account:

- ``homesdata`` (the topology) at start and every 3 hours; each home's
  ``getscenarios`` with it;
- each home's ``homestatus`` every 5 minutes;
- each home's ``getevents`` every minute, but only while push is not
  healthy (the webhook brings the events otherwise);
- ``getstationsdata`` and ``gethomecoachsdata`` every 10 minutes, only
  while the account has such devices: the first read finds out, and every
  topology read checks again.

For a home with three cameras, a station and a home coach that is about 25
calls an hour with push healthy and 85 without (``calls_per_hour``), well
under the account's self-limit of 200.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final


class Call(StrEnum):
    """The read calls of the plan (the endpoint each makes)."""

    TOPOLOGY = "homesdata"
    SCENARIOS = "getscenarios"
    STATUS = "homestatus"
    EVENTS = "getevents"
    STATIONS = "getstationsdata"
    HOMECOACHS = "gethomecoachsdata"


TOPOLOGY_INTERVAL: Final = timedelta(hours=3)
STATUS_INTERVAL: Final = timedelta(minutes=5)
EVENTS_INTERVAL: Final = timedelta(seconds=60)
WEATHER_INTERVAL: Final = timedelta(minutes=10)
INTERVALS: Final[dict[Call, timedelta]] = {
    Call.TOPOLOGY: TOPOLOGY_INTERVAL,
    Call.SCENARIOS: TOPOLOGY_INTERVAL,
    Call.STATUS: STATUS_INTERVAL,
    Call.EVENTS: EVENTS_INTERVAL,
    Call.STATIONS: WEATHER_INTERVAL,
    Call.HOMECOACHS: WEATHER_INTERVAL,
}
#: Calls of one home (the others are the account's).
PER_HOME: Final = frozenset({Call.SCENARIOS, Call.STATUS, Call.EVENTS})
#: A failed call is made again after this long (or its interval, if shorter).
RETRY_AFTER_FAILURE: Final = timedelta(minutes=2)

#: A call of the plan: what it reads and for which home ("" for the account).
type Key = tuple[Call, str]


def key(call: Call, home_id: str = "") -> Key:
    """The plan's key of a call (of a home, or of the account)."""
    return (call, home_id if call in PER_HOME else "")


def calls_per_hour(
    homes: int, *, push_healthy: bool, stations: bool, homecoachs: bool
) -> float:
    """The calls an hour the plan makes for such an account."""
    hour = timedelta(hours=1)
    per_home = [Call.SCENARIOS, Call.STATUS] + ([] if push_healthy else [Call.EVENTS])
    account = [Call.TOPOLOGY]
    account += [Call.STATIONS] if stations else []
    account += [Call.HOMECOACHS] if homecoachs else []
    return homes * sum(hour / INTERVALS[c] for c in per_home) + sum(
        hour / INTERVALS[c] for c in account
    )


@dataclass(slots=True)
class PollPlan:
    """When each call is next due, and whether the cloud holds every call back."""

    due: dict[Key, datetime] = field(default_factory=dict)
    #: No poll before this moment (the cloud is down or throttles us).
    hold_until: datetime | None = None

    def wanted(self, keys: Iterable[Key], now: datetime) -> list[Key]:
        """The calls of ``keys`` due at ``now`` (a call never made is due), in order."""
        return [k for k in keys if self.due.get(k, now) <= now]

    def done(self, call: Key, now: datetime) -> None:
        """A call was made at ``now``: it is due again an interval later."""
        self.due[call] = now + INTERVALS[call[0]]

    def failed(self, call: Key, now: datetime, wait: timedelta | None = None) -> None:
        """A call failed: it is made again after ``wait`` (default: a short retry)."""
        if wait is None:
            wait = min(INTERVALS[call[0]], RETRY_AFTER_FAILURE)
        self.due[call] = now + wait

    def force(self, call: Key, now: datetime) -> None:
        """Make a call due at ``now`` (it is read at the next refresh)."""
        self.due[call] = min(self.due.get(call, now), now)

    def hold(self, until: datetime) -> None:
        """Hold every poll back until ``until`` (never shortening a hold)."""
        if self.hold_until is None or until > self.hold_until:
            self.hold_until = until

    def held(self, now: datetime) -> bool:
        """Whether polls are held back at ``now``."""
        if self.hold_until is not None and now >= self.hold_until:
            self.hold_until = None
        return self.hold_until is not None

    def next_due(self, keys: Iterable[Key], now: datetime) -> datetime:
        """The first moment one of ``keys`` is due (never before a hold ends)."""
        moments = [self.due.get(k, now) for k in keys]
        moment = min(moments, default=now + TOPOLOGY_INTERVAL)
        if self.hold_until is not None and self.hold_until > moment:
            moment = self.hold_until
        return max(moment, now)

    def forget(self, keep: Iterable[Key]) -> None:
        """Drop the calls of homes that left the account."""
        kept = set(keep)
        for old in set(self.due) - kept:
            del self.due[old]
