"""The Netro call budget: what one key may spend, and when each call is due.

Netro allows 2,000 calls a day per key (reset at midnight UTC) and tells us in
every answer how many are left. This module is pure logic with an explicit
``now`` everywhere, so the benchmark can drive it over simulated days. No
Home Assistant imports here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class Call(StrEnum):
    """The read calls a Netro key can make."""

    INFO = "info"  # controller status, enabled, zones
    SENSOR_INFO = "sensor_info"  # info.json of a soil sensor (name, status)
    SCHEDULES = "schedules"  # past and planned waterings: when zones run
    MOISTURES = "moistures"  # daily zone moisture
    SENSOR_DATA = "sensor_data"  # hourly soil sensor report


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often each call is made; the defaults spend about 250 calls a day."""

    #: Controller status while nothing waters (catches changes made elsewhere).
    idle_status: timedelta = timedelta(minutes=6)
    #: While a zone waters or is about to, schedules (which zone runs) this often.
    watering_status: timedelta = timedelta(minutes=1)
    #: Schedules; Netro updates them at least daily, and we refetch after commands.
    schedules: timedelta = timedelta(hours=2)
    #: Zone moistures; Netro updates them once a day.
    moistures: timedelta = timedelta(hours=6)
    #: Soil sensor data; a sensor reports once an hour.
    sensor: timedelta = timedelta(hours=1)
    #: A soil sensor's own info (its name and status change rarely).
    sensor_info: timedelta = timedelta(hours=6)
    #: "About to water": this close to a planned start we poll as if watering.
    soon: timedelta = timedelta(minutes=2)
    #: After a planned start or end we confirm it with one schedules call.
    confirm_after: timedelta = timedelta(seconds=20)
    #: While the status and the schedules disagree (WATERING with no schedule
    #: running), the schedules are read once at once, then after each of these
    #: gaps (the last repeats) until the status changes.
    recheck_backoff: tuple[timedelta, ...] = (
        timedelta(minutes=5),
        timedelta(minutes=15),
    )
    #: Calls kept for the user's own actions; polling stops at this many.
    reserve: int = 100

    def interval(self, call: Call, *, active: bool) -> timedelta:
        """The regular interval of ``call``."""
        if call is Call.INFO:
            return self.idle_status
        if call is Call.SCHEDULES and active:
            # while watering, schedules tell which zone runs: they are the status
            return self.watering_status
        return {
            Call.SCHEDULES: self.schedules,
            Call.MOISTURES: self.moistures,
            Call.SENSOR_DATA: self.sensor,
            Call.SENSOR_INFO: self.sensor_info,
        }[call]


def next_midnight_utc(now: datetime) -> datetime:
    """When a Netro budget resets."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


@dataclass(slots=True)
class CallBudget:
    """What we know of one key's daily budget."""

    limit: int = 2000
    reserve: int = 100
    remaining: int | None = None
    reset: datetime | None = None
    #: Set by error code 3: nothing may be called until then.
    exhausted_until: datetime | None = None

    def _roll(self, now: datetime) -> None:
        """A new UTC day brings the whole budget back."""
        if self.reset is not None and now >= self.reset:
            self.remaining = self.limit
            self.reset = next_midnight_utc(now)
        if self.exhausted_until is not None and now >= self.exhausted_until:
            self.exhausted_until = None

    def observe(
        self,
        remaining: int | None,
        reset: datetime | None,
        limit: int | None,
        now: datetime,
    ) -> None:
        """Take the budget from an answer's ``meta``."""
        if limit == 0:
            return  # the doc: token_limit is 0 for an invalid key, not a budget
        if limit:
            self.limit = limit
        if remaining is not None:
            self.remaining = max(remaining, 0)
        self.reset = reset if reset is not None else next_midnight_utc(now)

    def spend(self, now: datetime) -> None:
        """Count a call we are about to make (until an answer says better)."""
        self._roll(now)
        if self.remaining is not None:
            self.remaining = max(self.remaining - 1, 0)

    def refund(self) -> None:
        """Give back a call counted by ``spend`` that was never sent."""
        if self.remaining is not None:
            self.remaining = min(self.remaining + 1, self.limit)

    def exhausted(self, reset: datetime | None, now: datetime) -> None:
        """Error code 3: the budget is spent until ``reset``."""
        self.remaining = 0
        self.reset = (
            reset if reset is not None and reset > now else next_midnight_utc(now)
        )
        self.exhausted_until = self.reset

    def may_poll(self, now: datetime) -> bool:
        """Whether polling may spend a call (it keeps the reserve untouched)."""
        self._roll(now)
        if self.exhausted_until is not None:
            return False
        return self.remaining is None or self.remaining > self.reserve

    def may_act(self, now: datetime) -> bool:
        """Whether a user action may spend a call (never once the budget is spent)."""
        self._roll(now)
        if self.exhausted_until is not None:
            return False
        return self.remaining is None or self.remaining > 0

    def paused_until(self, now: datetime) -> datetime | None:
        """Until when polling is paused to save the budget (None: it is not)."""
        if self.may_poll(now):
            return None
        return self.reset or next_midnight_utc(now)

    def stretch(self, planned_per_day: float, now: datetime) -> float:
        """How much to stretch idle intervals so polling lasts until the reset.

        1.0 when the remaining budget (less the reserve) covers the planned
        rate until midnight UTC; larger when it does not.
        """
        self._roll(now)
        if self.remaining is None:
            return 1.0
        reset = self.reset or next_midnight_utc(now)
        left = max((reset - now).total_seconds(), 0.0) / 86400
        needed = planned_per_day * left
        available = self.remaining - self.reserve
        if needed <= 0:
            return 1.0
        if available <= 0:
            return float("inf")
        return max(1.0, needed / available)


@dataclass(slots=True)
class PollPlan:
    """When each read call of one key is next due."""

    policy: PollPolicy = field(default_factory=PollPolicy)
    last: dict[Call, datetime] = field(default_factory=dict)
    #: Calls wanted at once (after a command, on an inconsistency, at start).
    forced: set[Call] = field(default_factory=set)
    #: Moments at which a schedules call confirms a planned start or end.
    confirmations: list[datetime] = field(default_factory=list)
    #: The status the schedules disagree with (None: they agree).
    disagreement: str | None = None
    #: Schedules reads made since that disagreement began.
    rechecks: int = 0
    #: When the schedules are next read while they disagree; meanwhile the
    #: watering interval does not apply to them.
    recheck: datetime | None = None

    def planned_per_day(self, calls: tuple[Call, ...]) -> float:
        """Calls a day at the idle rate (what the budget must cover)."""
        day = timedelta(days=1)
        return sum(day / self.policy.interval(call, active=False) for call in calls)

    def due(
        self,
        calls: tuple[Call, ...],
        now: datetime,
        *,
        active: bool,
        stretch: float = 1.0,
    ) -> list[Call]:
        """The calls to make now, in a stable order."""
        wanted: list[Call] = []
        confirm = any(moment <= now for moment in self.confirmations)
        for call in calls:
            last = self.last.get(call)
            interval = self._interval(call, active=active, stretch=stretch)
            if (
                call in self.forced
                or last is None
                or now - last >= interval
                or (call is Call.SCHEDULES and (confirm or self._recheck_due(now)))
            ):
                wanted.append(call)
        return wanted

    def _interval(self, call: Call, *, active: bool, stretch: float) -> timedelta:
        """The interval of ``call`` now (idle ones stretched to save the budget)."""
        if call is Call.SCHEDULES and self.recheck is not None:
            active = False  # the re-read back-off stands in for the watering rate
        interval = self.policy.interval(call, active=active)
        if not active:
            # stretch is infinite once nothing is left above the reserve
            interval = interval * min(stretch, 1000.0)
        return interval

    def _recheck_due(self, now: datetime) -> bool:
        return self.recheck is not None and self.recheck <= now

    def done(self, call: Call, now: datetime) -> None:
        """Record a call made at ``now``."""
        self.last[call] = now
        self.forced.discard(call)
        if call is Call.SCHEDULES:
            self.confirmations = [
                moment for moment in self.confirmations if moment > now
            ]
            if self.disagreement is not None:
                backoff = self.policy.recheck_backoff
                self.recheck = now + backoff[min(self.rechecks, len(backoff) - 1)]
                self.rechecks += 1

    def disagree(self, status: str, now: datetime, *, status_read: datetime) -> None:
        """The schedules disagree with ``status`` (read at ``status_read``).

        They are read again at once, unless a read since the status already
        confirmed the disagreement; then ever less often while the
        disagreement is about the same status.
        """
        if status == self.disagreement:
            return
        self.disagreement = status
        read = self.last.get(Call.SCHEDULES)
        if read is not None and read >= status_read:
            self.rechecks = 1  # that read was the confirming one
            self.recheck = read + self.policy.recheck_backoff[0]
        else:
            self.rechecks = 0
            self.recheck = now

    def agree(self) -> None:
        """The status and the schedules agree (again)."""
        self.disagreement = None
        self.rechecks = 0
        self.recheck = None

    def force(self, *calls: Call) -> None:
        """Make ``calls`` due at once."""
        self.forced.update(calls)

    def expect(self, transitions: list[datetime]) -> None:
        """Plan one confirming schedules call shortly after each transition.

        Transitions closer than a minute to each other share one confirmation.
        """
        confirmed = self.last.get(Call.SCHEDULES)
        moments: list[datetime] = []
        for moment in sorted(transitions):
            confirm = moment + self.policy.confirm_after
            if confirmed is not None and confirm <= confirmed:
                continue  # a schedules call after it already confirmed it
            if not moments or confirm - moments[-1] > timedelta(minutes=1):
                moments.append(confirm)
        self.confirmations = moments

    def next_due(
        self,
        calls: tuple[Call, ...],
        now: datetime,
        *,
        active: bool,
        stretch: float = 1.0,
    ) -> datetime:
        """The next moment any call becomes due."""
        if self.forced & set(calls):
            return now
        moments = [moment for moment in self.confirmations if moment > now]
        if self.recheck is not None and Call.SCHEDULES in calls:
            moments.append(max(self.recheck, now))
        for call in calls:
            last = self.last.get(call)
            if last is None:
                return now
            interval = self._interval(call, active=active, stretch=stretch)
            moments.append(last + interval)
        return min(moments) if moments else now + timedelta(hours=1)
