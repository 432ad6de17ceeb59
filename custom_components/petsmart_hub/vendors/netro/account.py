"""Netro's account: the API mapped onto the neutral model, polled under the budget.

No Home Assistant imports here.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Final

from ...model import (
    Action,
    Command,
    CommandResult,
    ControllerState,
    Device,
    DeviceKind,
    NoWater,
    ReportWeather,
    SetEnabled,
    SetMoisture,
    SoilSensorState,
    StopWatering,
    Water,
    WateringSchedule,
    ZoneState,
    to_minutes,
)
from ..base import (
    BudgetExhaustedError,
    DeviceNotFoundError,
    Inventory,
    NextRefresh,
    RateLimitError,
    Refresh,
    RefreshRequest,
    RequestRejectedError,
    VendorAccount,
    VendorError,
)
from .budget import Call, CallBudget, PollPlan, PollPolicy
from .client import (
    WEATHER_CONDITIONS,
    NetroClient,
    NetroInfo,
    NetroMoisture,
    NetroSchedule,
    NetroSensorReading,
    NetroZone,
)

# --- the account: mapping onto the neutral model, polling under the budget ----

MANUFACTURER: Final = "Netro"
#: Never refresh less often than this (derived state and data age stay fresh).
MAX_POLL_GAP: Final = timedelta(minutes=5)
#: A failed read is tried again after this long, not at once.
RETRY_AFTER_FAILURE: Final = timedelta(minutes=2)
#: A zone's moisture estimate for a local day longer ago than this is shown as
#: unknown, not passed off as today's (whole days: on the 10th, the 7th's
#: estimate shows, the 6th's does not).
MOISTURE_MAX_AGE: Final = timedelta(days=3)
#: A device's last contact may run this far ahead of our clock (clock skew);
#: further ahead, it is not a time the device reported.
CLOCK_SKEW: Final = timedelta(minutes=5)
_OFFLINE_STATUSES: Final = frozenset({"OFFLINE", "POWEROFF"})
_HALTED_STATUSES: Final = frozenset({"STANDBY", *_OFFLINE_STATUSES})


#: Device id of the key's own device (its controller or soil sensor). Ids are
#: per key and never hold the serial: the serial is the key, a secret.
DEVICE_ID: Final = "device"


def zone_device_id(ith: int) -> str:
    """Device id of a zone of the key's controller."""
    return f"zone{ith}"


def migrate_device_id(old: str, key: str) -> str:
    """The device id of one that version 1 named after the serial (the key).

    ``<serial>`` was the controller or sensor and ``<serial>_zone<n>`` a zone;
    anything else is kept as it was.
    """
    if old == key:
        return DEVICE_ID
    prefix = f"{key}_"
    rest = old.removeprefix(prefix)
    if old.startswith(prefix) and rest.startswith("zone"):
        return rest
    return old


def _stopped(
    schedules: list[NetroSchedule], now: datetime, *, drop_manual: bool = True
) -> list[NetroSchedule]:
    """End the running schedule at ``now``; drop planned manual ones too.

    What stop_water.json does (the doc: the current schedule and the remaining
    manual ones); STANDBY only ends the run (planned ones are skipped when due).
    """
    kept: list[NetroSchedule] = []
    for schedule in schedules:
        if schedule.status == "EXECUTED" or schedule.end <= now:
            kept.append(schedule)
        elif schedule.start <= now:
            kept.append(replace(schedule, end=now, status="EXECUTED"))
        elif schedule.source != "MANUAL" or not drop_manual:
            kept.append(schedule)
    return kept


#: What each kind of Netro device can be asked to do (a zone: what acts on
#: zones; a soil sensor only reports).
ACTIONS: Final[dict[DeviceKind, frozenset[Action]]] = {
    DeviceKind.SPRINKLER_CONTROLLER: frozenset(
        {
            Action.WATER,
            Action.STOP_WATERING,
            Action.NO_WATER,
            Action.SET_MOISTURE,
            Action.REPORT_WEATHER,
            Action.SET_ENABLED,
        }
    ),
    DeviceKind.SPRINKLER_ZONE: frozenset(
        {Action.WATER, Action.STOP_WATERING, Action.SET_MOISTURE}
    ),
    DeviceKind.SOIL_SENSOR: frozenset(),
}
#: Commands that act on the whole controller whichever of its devices is named
#: (stop_water.json stops every zone): one call, however many are named.
_ONCE_PER_CONTROLLER: Final = frozenset({Action.STOP_WATERING})
#: Commands one call takes for several zones. Netro runs the zones of one
#: water call one after another; separate calls would all start at once, each
#: cutting the previous one short.
_ZONES_IN_ONE_CALL: Final = frozenset({Action.WATER, Action.SET_MOISTURE})

#: Neutral weather fields -> the names report_weather.json takes.
_WEATHER_NAMES: Final = {
    "rain": "rain",
    "rain_probability": "rain_prob",
    "temperature": "temp",
    "temperature_min": "t_min",
    "temperature_max": "t_max",
    "dew_point": "t_dew",
    "wind_speed": "wind_speed",
    "humidity": "humidity",
    "pressure": "pressure",
}


def weather_report(command: ReportWeather) -> dict[str, Any]:
    """The body of report_weather.json (condition as the doc's number)."""
    report: dict[str, Any] = {"date": command.day.isoformat()}
    if command.condition is not None:
        report["condition"] = WEATHER_CONDITIONS[command.condition]
    for ours, theirs in _WEATHER_NAMES.items():
        if (value := getattr(command, ours)) is not None:
            report[theirs] = value
    return report


def _zones(devices: Sequence[Device]) -> list[int] | None:
    """The zone indices of the devices; None when the controller is among them.

    The controller named means every zone: Netro's calls without zones.
    """
    indices: list[int] = []
    for device in devices:
        if device.kind is not DeviceKind.SPRINKLER_ZONE or device.zone is None:
            return None
        indices.append(device.zone.index)
    return indices


class NetroAccount(VendorAccount):
    """One Netro key: a controller with its zones, or a soil sensor.

    Every read goes through the call budget: ``async_poll`` makes the
    calls that are due (``PollPlan``) while the budget allows (``CallBudget``);
    everything between calls is derived from the schedules already known, so a
    zone shows as watering from its planned start without a call.
    """

    vendor = "netro"

    def __init__(
        self,
        client: NetroClient,
        *,
        policy: PollPolicy | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Wrap a client; ``now`` lets a benchmark drive simulated time."""
        self.client = client
        self._now = now or (lambda: datetime.now(UTC))
        if now is not None:
            client.gate.clock = now  # the cap's window runs on the same clock
        self.report = client.report
        self.gate = client.gate
        self.plan = PollPlan(policy or PollPolicy())
        self.budget = CallBudget(reserve=self.plan.policy.reserve)
        self.info: NetroInfo | None = None
        self.schedules: list[NetroSchedule] = []
        self.moistures: list[NetroMoisture] = []
        self.readings: list[NetroSensorReading] = []
        self._devices: dict[str, Device] = {}
        self._info_at: datetime | None = None
        self._retry: dict[Call, datetime] = {}
        #: The last read's failure, standing while it waits for its retry.
        self._failure: VendorError | None = None

    @property
    def devices(self) -> Mapping[str, Device]:
        """The devices as last built (every build makes new objects)."""
        return self._devices

    # -- budget-aware calls --------------------------------------------------

    def _note_budget(self, now: datetime) -> None:
        meta = self.client.meta
        self.budget.observe(
            meta.token_remaining, meta.token_reset, meta.token_limit, now
        )

    async def _spend[T](self, call: Coroutine[Any, Any, T], now: datetime) -> T:
        """Make one call, keeping the budget up to date (code 3 included)."""
        self.budget.spend(now)
        before = self.client.meta
        sent = self.client.calls
        try:
            result = await call
        except BudgetExhaustedError as err:
            self.budget.exhausted(err.reset or self.client.meta.token_reset, now)
            raise
        except VendorError:
            if self.client.calls == sent:
                self.budget.refund()  # held back by the gate: nothing was sent
            elif self.client.meta is not before:
                # an answer without meta (timeout, proxy page) leaves our count
                self._note_budget(now)
            raise
        self._note_budget(now)
        return result

    @property
    def _calls(self) -> tuple[Call, ...]:
        if self.info is not None and self.info.is_sensor:
            return (Call.SENSOR_INFO, Call.SENSOR_DATA)
        return (Call.INFO, Call.SCHEDULES, Call.MOISTURES)

    async def _read(self, call: Call, now: datetime) -> None:
        client = self.client
        if call in (Call.INFO, Call.SENSOR_INFO):
            info = await self._spend(client.async_info(), now)
            if info.last_active is not None and info.last_active > now + CLOCK_SKEW:
                self.report.reject("last_active", info.last_active.isoformat())
                info.last_active = None  # ahead of us: not a time it reported
            self.info = info
            self._info_at = now
        elif call is Call.SCHEDULES:
            self.schedules = await self._spend(client.async_schedules(), now)
        elif call is Call.MOISTURES:
            self.moistures = await self._spend(client.async_moistures(), now)
        else:
            # the API filters on the sensor's local date, up to a day off UTC's
            today = now.date()
            readings = await self._spend(
                client.async_sensor_data(
                    start=today - timedelta(days=1), end=today + timedelta(days=1)
                ),
                now,
            )
            for reading in readings:
                if reading.time > now + CLOCK_SKEW:
                    self.report.skip("sensor reading", "taken after now")
            self.readings = [r for r in readings if r.time <= now + CLOCK_SKEW]

    def _active(self, now: datetime) -> bool:
        """Watering now, or about to."""
        soon = now + self.plan.policy.soon
        if self.info is not None and self.info.status == "WATERING":
            return True
        if self.info is not None and self.info.status in _HALTED_STATUSES:
            return False  # nothing planned runs in standby or while offline
        return any(
            schedule.start <= soon and schedule.end > now
            for schedule in self.schedules
            if schedule.status != "EXECUTED"
        )

    async def async_identify(self) -> Inventory:
        """Check the key with one call (info.json) and return its devices."""
        now = self._now()
        await self._read(Call.INFO, now)
        self.plan.done(self._calls[0], now)
        self._build(now)
        return self._inventory(fresh=True)

    async def async_refresh(self, request: RefreshRequest) -> Refresh:
        """Make the due calls (``async_poll``) and hand over the devices built.

        One key's devices are built together from the same answers, so a
        refresh of one device (after a command, which read back what it
        changed) hands over all of them, without a call. A device the last
        info.json did not name is not found, and while a failed read waits
        for its retry no device has fresh data.
        """
        if request.device_id is None:
            listing: Inventory | None = await self.async_poll()
        else:
            listing = None
            try:
                self._raise_if_failing(self._now())
            except VendorError as err:
                return Refresh(failed={request.device_id: err})
        refresh = Refresh(devices=dict(self._devices), listing=listing)
        for device_id in request.known:
            if device_id not in self._devices:
                refresh.failed[device_id] = DeviceNotFoundError(
                    "the device is not in the last info.json"
                )
        return refresh

    async def async_poll(self) -> Inventory:
        """Make the due calls the budget allows, then return the devices.

        While a failed call waits for its retry, the failure stands: the
        devices are not reported as fresh on data that could not be read.
        """
        now = self._now()
        fresh = False
        # a failed read waiting for its retry holds every call back
        self._raise_if_failing(now)
        if self.info is None:
            # what the key is (controller or sensor) decides everything else
            if not self.budget.may_act(now):
                raise BudgetExhaustedError("no calls left today", self.budget.reset)
            await self._read(Call.INFO, now)
            self.plan.done(self._calls[0], now)
            fresh = True
        calls = self._calls
        stretch = self.budget.stretch(self.plan.planned_per_day(calls), now)
        for call in self.plan.due(
            calls, now, active=self._active(now), stretch=stretch
        ):
            if not self.budget.may_poll(now):
                break
            try:
                await self._read(call, now)
            except BudgetExhaustedError:
                break
            except VendorError as err:
                self._failed(call, err, now)
                raise
            self._retry.pop(call, None)
            self.plan.done(call, now)
            fresh = fresh or call in (Call.INFO, Call.SENSOR_INFO)
        self._raise_if_failing(now)
        self._build(now)
        return self._inventory(fresh=fresh)

    def _inventory(self, *, fresh: bool) -> Inventory:
        """The devices, and whether they come from an info.json read just now."""
        unreadable = self.info.unreadable_zones if self.info is not None else 0
        return Inventory(
            self._devices.values(), fresh=fresh, unreadable=unreadable if fresh else 0
        )

    def _failed(self, call: Call, err: VendorError, now: datetime) -> None:
        """Remember a failed read: it is tried again after a pause, not at once."""
        wait = RETRY_AFTER_FAILURE
        if isinstance(err, RateLimitError) and err.retry_after is not None:
            wait = timedelta(seconds=err.retry_after)  # the cloud said when
        self._retry[call] = now + wait
        self._failure = err

    def _raise_if_failing(self, now: datetime) -> None:
        """Raise the last failure again while a failed read waits for its retry."""
        if self._failure is None:
            return
        pending = [moment for moment in self._retry.values() if moment > now]
        if not pending:
            self._failure = None
            return
        err = self._failure
        if isinstance(err, RateLimitError) and not isinstance(
            err, BudgetExhaustedError
        ):
            raise RateLimitError(str(err), (min(pending) - now).total_seconds())
        raise err.with_traceback(None)

    # -- mapping -------------------------------------------------------------

    def _build(self, now: datetime) -> None:
        """(Re)build the devices from what we know, deriving state at ``now``."""
        info = self.info
        assert info is not None
        devices: dict[str, Device] = {}
        online = info.status not in _OFFLINE_STATUSES if info.status else None
        budget = self.budget
        if info.is_sensor:
            sensor = self._own_device(
                info, DeviceKind.SOIL_SENSOR, stand_in="Netro sensor", model="Whisperer"
            )
            sensor.online = online
            sensor.soil = self._soil()
            # the newest report wins: a sensor_data row over info.json
            sensor.last_report = sensor.soil.last_reading or info.last_active
            batteries = [r.battery for r in self.readings if r.battery is not None]
            sensor.battery = batteries[-1] if batteries else info.battery
            devices[sensor.id] = sensor
        else:
            controller = self._own_device(
                info,
                DeviceKind.SPRINKLER_CONTROLLER,
                stand_in="Netro",
                model="Controller",
            )
            controller.battery = info.battery  # a battery-powered Pixie
            devices[controller.id] = controller
            zone_names = {zone.ith: zone.label for zone in info.zones}
            # moisture dates are the controller's local dates (UTC's when unknown)
            offset = self._utc_offset(now) or timedelta()
            today = now.astimezone(timezone(offset)).date()
            zone_devices = []
            for zone in info.zones:
                device_id = zone_device_id(zone.ith)
                if not zone.enabled and not (
                    zone.enabled is None and device_id in self._devices
                ):  # an unreadable flag keeps a zone we show, adds none
                    continue
                device = self._device(
                    device_id,
                    DeviceKind.SPRINKLER_ZONE,
                    zone.name,
                    stand_in=zone.label,
                    model="Zone",
                    serial=None,
                )
                device.via_device = controller.id
                device.zone = self._zone_state(zone, now, today)
                devices[device.id] = device
                zone_devices.append(device)
            watering = any(d.zone.watering for d in zone_devices if d.zone)
            controller.controller = ControllerState(
                # the status read may predate a planned start we know of
                status="WATERING"
                if watering and info.status == "ONLINE"
                else info.status,
                enabled=None if info.status is None else info.status != "STANDBY",
                watering=watering,
                schedules=[
                    WateringSchedule(
                        s.id,
                        s.zone,
                        s.start,
                        s.end,
                        s.source,
                        s.status,
                        zone_names.get(s.zone, f"Zone {s.zone}"),
                    )
                    for s in self.schedules
                ],
            )
            disagreement = self._disagreement()
            if disagreement is None:
                self.plan.agree()
            else:
                # the cloud waters something we have no schedule for, or stopped
                # what we thought runs (the Netro app): read the schedules again,
                # ever less often while the status stays what it is
                assert self._info_at is not None
                self.plan.disagree(disagreement, now, status_read=self._info_at)
            for device in (controller, *zone_devices):
                device.online = online
                device.last_report = info.last_active
            # transitions of the last minutes stay pending until confirmed
            self.plan.expect(self._transitions(now, since=now - timedelta(minutes=10)))
        for device in devices.values():
            device.calls_remaining = budget.remaining
            device.calls_reset = budget.reset
            device.updated_at = self._info_at
            self.report.drop_implausible(device)
        self._devices = devices

    def _device(
        self,
        device_id: str,
        kind: DeviceKind,
        name: str | None,
        *,
        stand_in: str,
        model: str,
        serial: str | None,
    ) -> Device:
        """A new device object; a name or version the cloud left out stays as last built."""
        device = Device(
            id=device_id,
            kind=kind,
            name=name or stand_in,
            name_reported=name is not None,
            manufacturer=MANUFACTURER,
            model=model,
            serial=serial,
            actions=ACTIONS[kind],
        )
        previous = self._devices.get(device_id)
        if previous is not None and previous.kind is kind:
            if name is None:
                device.name, device.name_reported = (
                    previous.name,
                    previous.name_reported,
                )
            device.firmware, device.hardware = previous.firmware, previous.hardware
        return device

    def _own_device(
        self, info: NetroInfo, kind: DeviceKind, *, stand_in: str, model: str
    ) -> Device:
        """The key's own device (controller or sensor), with info.json's versions.

        A version info.json left out stays as last known.
        """
        device = self._device(
            DEVICE_ID,
            kind,
            info.name,
            stand_in=stand_in,
            model=model,
            serial=info.serial,
        )
        device.firmware = info.sw_version or device.firmware
        device.hardware = info.version or device.hardware
        return device

    def _disagreement(self) -> str | None:
        """The status the schedules disagree with, or None when they agree.

        A status describes the moment it was read: WATERING then with no
        schedule covering that moment, or ONLINE then while a schedule we
        believe in had been running for a while. (A past schedule counts
        for WATERING even once EXECUTED: it did run then.)
        """
        info, fetched = self.info, self._info_at
        if info is None or fetched is None:
            return None
        # our clock and the cloud's may differ by seconds: a run that ended
        # (or began) that close to the read still explains WATERING
        settle = self.plan.policy.confirm_after
        if info.status == "WATERING":
            near = any(
                s.start - settle <= fetched < s.end + settle for s in self.schedules
            )
            return None if near else info.status
        covering = [s for s in self.schedules if s.start <= fetched < s.end]
        if info.status == "ONLINE" and any(
            s.start + settle <= fetched and s.status != "EXECUTED" for s in covering
        ):
            return info.status
        return None

    def _utc_offset(self, now: datetime) -> timedelta | None:
        """The controller's UTC offset now: that of the schedule nearest ``now``.

        Schedules span two months, across daylight saving changes: the
        nearest one has the offset in force (give or take its own day).
        """
        told = [s for s in self.schedules if s.utc_offset is not None]
        if not told:
            return None
        return min(told, key=lambda s: abs(s.start - now)).utc_offset

    def _zone_state(self, zone: NetroZone, now: datetime, today: date) -> ZoneState:
        mine = [s for s in self.schedules if s.zone == zone.ith]
        # a controller in STANDBY (or offline) skips what comes due
        halted = self.info is not None and self.info.status in _HALTED_STATUSES
        watering = not halted and any(
            s.start <= now < s.end and s.status != "EXECUTED" for s in mine
        )
        upcoming = [s.start for s in mine if s.start > now and s.status == "VALID"]
        ended = [s.end for s in mine if s.end <= now]
        moistures = [
            m for m in self.moistures if m.zone == zone.ith and m.date <= today
        ]
        newest = moistures[-1] if moistures else None
        # whole local days: the estimate for three days ago still shows today
        fresh = newest is not None and today - newest.date <= MOISTURE_MAX_AGE
        return ZoneState(
            index=zone.ith,
            enabled=zone.enabled is not False,
            smart=zone.smart,
            moisture=newest.moisture if newest is not None and fresh else None,
            moisture_date=newest.date if newest is not None else None,
            watering=watering,
            next_start=min(upcoming) if upcoming else None,
            last_end=max(ended) if ended else None,
        )

    def _soil(self) -> SoilSensorState:
        if not self.readings:
            return SoilSensorState()
        latest = self.readings[-1]
        return SoilSensorState(
            moisture=latest.moisture,
            sunlight=None
            if latest.sunlight_klux is None
            else latest.sunlight_klux * 1000,
            temperature=latest.celsius,
            last_reading=latest.time,
        )

    def _transitions(
        self, now: datetime, since: datetime | None = None
    ) -> list[datetime]:
        """Planned starts and ends after ``since`` (default: now) within a day."""
        since = now if since is None else since
        horizon = now + timedelta(days=1)
        moments: list[datetime] = []
        for schedule in self.schedules:
            if schedule.status == "EXECUTED" and schedule.end <= since:
                continue
            moments.extend(
                m for m in (schedule.start, schedule.end) if since < m <= horizon
            )
        return moments

    def next_refresh(self, now: datetime) -> NextRefresh:
        """When to refresh next, and until when the budget pauses polling."""
        return NextRefresh(
            at=self._next_poll(now), paused_until=self.budget.paused_until(now)
        )

    def _next_poll(self, now: datetime) -> datetime | None:
        """The next due call, or the next planned start/end, whichever is first."""
        if self.info is None:
            return None
        active = self._active(now)
        stretch = self.budget.stretch(self.plan.planned_per_day(self._calls), now)
        moments = [now + MAX_POLL_GAP]
        paused = self.budget.paused_until(now)
        if paused is not None:
            moments.append(paused)
        else:
            # a call that failed waits for its retry, not for its due time, and
            # while it waits, nothing else is called either
            waiting = {call for call, moment in self._retry.items() if moment > now}
            if self._failure is not None and waiting:
                return min(self._retry[call] for call in waiting)
            calls = tuple(call for call in self._calls if call not in waiting)
            moments.append(
                self.plan.next_due(calls, now, active=active, stretch=stretch)
            )
            moments.extend(self._retry[call] for call in waiting)
        moments.extend(self._transitions(now))
        return max(min(moments), now)

    # -- actions -------------------------------------------------------------

    async def async_execute(self, device: Device, command: Command) -> CommandResult:
        """Run a watering command, then read back only what it changed."""
        return (await self.async_execute_many([device], command))[0]

    async def async_execute_many(
        self, devices: Sequence[Device], command: Command
    ) -> list[CommandResult]:
        """Run a command for several devices of the key in as few calls as it takes.

        Zones of one water or set_moisture go in one call (the controller
        among them: every zone); stop_water is one call however many are
        named; anything else is one call per device.
        """
        if not devices:
            return []
        for device in devices:
            if command.action not in ACTIONS.get(device.kind, frozenset()):
                raise RequestRejectedError(
                    f"a Netro {device.kind} can not {command.action}"
                )
        if command.action in _ONCE_PER_CONTROLLER:
            return [await self._async_run(command, None)]
        if command.action in _ZONES_IN_ONE_CALL:
            return [await self._async_run(command, _zones(devices))]
        return [await self._async_run(command, None) for _ in devices]

    async def _async_run(
        self, command: Command, zones: list[int] | None
    ) -> CommandResult:
        """Make the call of one command (``zones``: None for every zone)."""
        now = self._now()
        if not self.budget.may_act(now):
            raise BudgetExhaustedError("no Netro calls left today", self.budget.reset)
        client = self.client
        result = CommandResult()
        match command:
            case Water():
                created = await self._spend(
                    client.async_water(
                        to_minutes(command.duration_s),
                        zones=zones,
                        delay=None
                        if command.delay_s is None
                        else to_minutes(command.delay_s),
                        start_time=command.start_time,
                    ),
                    now,
                )
                known = {schedule.id for schedule in created}
                self.schedules = sorted(
                    [s for s in self.schedules if s.id not in known] + created,
                    key=lambda schedule: (schedule.start, schedule.zone),
                )
                result = CommandResult(schedules_created=len(created))
            case SetEnabled():
                await self._spend(client.async_set_status(command.enabled), now)
                if self.info is not None:
                    self.info.status = "ONLINE" if command.enabled else "STANDBY"
                if not command.enabled:
                    # STANDBY stops the run: it must not resume when enabled
                    self.schedules = _stopped(self.schedules, now, drop_manual=False)
            case SetMoisture():
                await self._spend(
                    client.async_set_moisture(command.moisture, zones), now
                )
                await self._read_back(Call.MOISTURES, now)
            case ReportWeather():
                await self._spend(
                    client.async_report_weather(weather_report(command)), now
                )
                # reported rain can make Netro skip waterings it had planned
                await self._read_back(Call.SCHEDULES, now)
            case NoWater():
                await self._spend(client.async_no_water(command.days), now)
                await self._read_back(Call.SCHEDULES, now)
            case StopWatering():  # every zone of the controller
                await self._spend(client.async_stop_water(), now)
                # shown at once, even if the read-back has to wait
                self.schedules = _stopped(self.schedules, now)
                await self._read_back(Call.SCHEDULES, now)
        if self.info is not None:
            self._build(now)
        return result

    async def _read_back(self, call: Call, now: datetime) -> None:
        """Read what a command changed, budget permitting (else on the next poll)."""
        if not self.budget.may_act(now):
            self.plan.force(call)
            return
        try:
            await self._read(call, now)
        except VendorError:
            self.plan.force(call)
            return
        self.plan.done(call, now)
