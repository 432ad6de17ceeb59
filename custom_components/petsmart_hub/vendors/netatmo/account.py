"""Netatmo's account: homes, cameras and climate sensors on the neutral model.

The account keeps what each call last said (the topology, each home's
status, its scenarios, the cameras' latest events, the weather readings)
and builds new device objects from it after every refresh, push or
command: a refresh makes only the calls its plan (``plan.py``) says are due,
so a refresh with nothing due makes no call and hands over the devices as
they stand. No Home Assistant imports here.

Devices (ids are Netatmo's own):

- each home -> ``DeviceKind.HOME``: who is at home, its scenarios (run
  through its gateway, where it has one);
- each camera (NACamera, NOC, NDB) -> ``DeviceKind.CAMERA`` in its home;
- each weather station's main module, its indoor and outdoor modules, and
  each home coach -> ``DeviceKind.CLIMATE_SENSOR`` with its readings.

Other module types are skipped (``Inventory.skipped_ids``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import logging
from typing import Any, Final
from urllib.parse import urlencode

from ...model import (
    MEASUREMENT_QUANTITY,
    Action,
    CameraState,
    ClimateState,
    Command,
    CommandResult,
    Device,
    DeviceEvent,
    DeviceKind,
    EventType,
    Feature,
    HomeState,
    Measurement,
    Person,
    Quantity,
    RunScenario,
    Scenario,
    SetMonitoring,
    StreamInfo,
    plausible,
    plausible_moment,
)
from ..base import (
    AuthError,
    BadResponseError,
    CameraAccount,
    CannotConnectError,
    DeviceNotFoundError,
    DeviceUpdate,
    InvalidParameterError,
    Inventory,
    NextRefresh,
    Pushed,
    PushRejectedError,
    RateLimitError,
    Refresh,
    RefreshRequest,
    RequestRejectedError,
    VendorAccount,
    VendorError,
    WebhookAccount,
)
from .client import MANUFACTURER, POLL_RESERVE, NetatmoClient
from .events import EVENT_TYPES, Effects, Occurrence, effects, occurrences, record
from .payloads import (
    CAMERA_MODELS,
    HOMECOACH_MODELS,
    STATION_MODELS,
    UNMAPPED_STATION_TYPES,
    WEATHER_TYPES,
    CloudEvent,
    HomeStatus,
    ModuleStatus,
    Snapshot,
    Topology,
    TopologyHome,
    TopologyModule,
    WeatherListing,
    WeatherModule,
)
from .plan import PER_HOME, Call, Key, PollPlan, key
from .webhook import UNKNOWN_DEVICE, parse_push, verify_signature

_LOGGER = logging.getLogger(__name__)

#: What a camera offers (each camera type says what it can be asked to do:
#: a doorbell has no monitoring to switch).
CAMERA_FEATURES: Final = frozenset(
    {Feature.LIVE_STREAM, Feature.SNAPSHOT, Feature.CAMERA_EVENTS}
)
CAMERA_ACTIONS: Final[dict[str, frozenset[Action]]] = {
    "NACamera": frozenset({Action.SET_MONITORING}),
    "NOC": frozenset({Action.SET_MONITORING}),
    "NDB": frozenset(),
}
#: What a home with a gateway can be asked to do.
HOME_ACTIONS: Final = frozenset({Action.RUN_SCENARIO})
#: Everything a Netatmo device may offer (the descriptor's capabilities).
CAPABILITIES: Final = frozenset(
    {*CAMERA_FEATURES, *HOME_ACTIONS, *(a for s in CAMERA_ACTIONS.values() for a in s)}
)
HOME_MODEL: Final = "Home"
#: A live stream is handed out for this long, then asked for again: whether
#: the camera is on the LAN (a local stream) or only through Netatmo's VPN
#: is checked again each time.
STREAM_RECHECK: Final = timedelta(minutes=5)
#: Event ids remembered so that a repeat (polled after pushed) fires once.
SEEN_EVENTS: Final = 1000
#: An event is stamped when it began and listed once its video is up: one
#: that began this long before the previous poll is still news then.
LATE_EVENTS: Final = timedelta(minutes=5)
_WEATHER_CALLS: Final = (Call.STATIONS, Call.HOMECOACHS)
_WEATHER_MODELS: Final[dict[Call, Mapping[str, str]]] = {
    Call.STATIONS: STATION_MODELS,
    Call.HOMECOACHS: HOMECOACH_MODELS,
}
_AIR: Final = frozenset(
    {
        Measurement.TEMPERATURE,
        Measurement.HUMIDITY,
        Measurement.CO2,
        Measurement.NOISE,
        Measurement.PRESSURE,
    }
)
#: What each weather module measures, whether or not an answer had a value
#: (an unreachable station sends no dashboard_data: its sensors stay, unknown).
#: Types not here measure what their answers carry.
_MEASURES: Final[dict[str, frozenset[Measurement]]] = {
    "NAMain": _AIR,  # the station's indoor base
    "NAModule1": frozenset({Measurement.TEMPERATURE, Measurement.HUMIDITY}),
    "NAModule4": frozenset(
        {Measurement.TEMPERATURE, Measurement.HUMIDITY, Measurement.CO2}
    ),
    "NHC": _AIR,  # the home coach
}
#: Errors that say the cloud (not one answer) is out of reach: the rest of
#: the refresh waits too.
_CLOUD_WIDE: Final = (CannotConnectError, RateLimitError)


@dataclass(slots=True)
class _Run:
    """What one refresh did."""

    now: datetime
    succeeded: int = 0
    #: The calls read successfully.
    read: set[Key] = field(default_factory=set)
    #: The calls that failed (or were due when the cloud was lost).
    failed: set[Key] = field(default_factory=set)
    #: The cloud was lost (or throttles us): nothing more was called.
    lost: VendorError | None = None
    events: list[DeviceEvent] = field(default_factory=list)


class NetatmoAccount(VendorAccount, WebhookAccount, CameraAccount):
    """A Netatmo account seen through the neutral model."""

    vendor = "netatmo"
    #: Netatmo drops a webhook that failed five deliveries in an hour: a
    #: delivery we ignore is still answered 200.
    ignored_status = 200

    def __init__(
        self,
        client: NetatmoClient,
        *,
        client_secret: str | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Wrap a client; ``now`` lets a benchmark drive simulated time."""
        self.client = client
        self.client_secret = client_secret
        self._now = now or (lambda: datetime.now(UTC))
        if now is not None:  # the self-limit runs on the same clock
            client.gate.clock = now
            client.camera_gate.clock = now
        self.gate = client.gate
        self.report = client.report
        self.plan = PollPlan()
        self.topology: Topology | None = None
        self._status: dict[str, HomeStatus] = {}
        #: Home id -> when its last status read began (later news overrides it).
        self._status_read: dict[str, datetime] = {}
        self._scenarios: dict[str, list[Scenario]] = {}
        self._weather: dict[Call, dict[str, WeatherModule]] = {}
        self._weather_read: dict[Call, datetime] = {}
        #: Whether the account has devices of a weather call (None: not known).
        self._has_weather: dict[Call, bool | None] = dict.fromkeys(_WEATHER_CALLS)
        self._weather_unreadable: dict[Call, int] = {}
        #: Camera id -> its latest event and animal (polled or pushed).
        self._seen_by: dict[str, CameraState] = {}
        #: Camera id -> field -> (when, value) told by events since its status.
        self._overrides: dict[str, dict[str, tuple[datetime, Any]]] = {}
        #: Home id -> person id -> (when, at home) told by events since its status.
        self._presence: dict[str, dict[str, tuple[datetime, bool]]] = {}
        #: Home id -> when its events were last polled (the first poll fires nothing).
        self._events_polled: dict[str, datetime] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        #: Calls whose last attempt failed, and why (their devices are failed).
        self._failures: dict[Key, VendorError] = {}
        #: Why the cloud is held lost (None: the last call reached it).
        self._lost: VendorError | None = None
        self._push_healthy = False
        self._unsupported_logged: set[str] = set()
        self._devices: dict[str, Device] = {}
        self._skipped: set[str] = set()

    # -- what the account holds --------------------------------------------------

    @property
    def devices(self) -> Mapping[str, Device]:
        """The devices as last built (every build makes new objects)."""
        return self._devices

    @property
    def calls_last_hour(self) -> int:
        """API calls the account made in the last hour (the self-limit's window)."""
        return self.gate.in_window()

    def _homes(self) -> list[TopologyHome]:
        return self.topology.homes if self.topology is not None else []

    def _home(self, home_id: str) -> TopologyHome | None:
        return next((home for home in self._homes() if home.id == home_id), None)

    def _home_of(self, device_id: str) -> str | None:
        """The home a home device is, or a camera is in (None: neither).

        A weather device a topology lists is no camera: getstationsdata or
        gethomecoachsdata reads it, not its home's status.
        """
        for home in self._homes():
            if home.id == device_id or any(
                m.id == device_id and m.type in CAMERA_MODELS for m in home.modules
            ):
                return home.id
        return None

    def _keys(self, push_healthy: bool) -> list[Key]:
        """The calls the plan makes now, topology first."""
        keys = [key(Call.TOPOLOGY)]
        for home in self._homes():
            keys += [key(Call.SCENARIOS, home.id), key(Call.STATUS, home.id)]
            if not push_healthy:
                keys.append(key(Call.EVENTS, home.id))
        keys += [key(c) for c in _WEATHER_CALLS if self._has_weather[c] is not False]
        return keys

    # -- refresh -------------------------------------------------------------------

    async def async_identify(self) -> Inventory:
        """Read the topology (one call) and return the homes and cameras in it."""
        run = _Run(self._now())
        await self._call(key(Call.TOPOLOGY), run)
        if run.lost is not None or self.topology is None:
            raise self._failures.get(key(Call.TOPOLOGY)) or CannotConnectError(
                "homesdata could not be read"
            )
        self._build(run.now)
        return Inventory(
            self._devices.values(),
            unreadable=self.topology.unreadable,
            skipped_ids=self._skipped,
        )

    async def async_refresh(self, request: RefreshRequest) -> Refresh:
        """Make the calls that are due and hand over every device, built anew.

        A device whose data could not be read (its call failed, now or
        before and not yet again) is in ``failed``. With ``device_id`` (after
        a command) only that device's home status (or weather read) is made.
        Netatmo answers per home and per endpoint, never per device: a known
        device a listing leaves out cannot be read on its own, so
        ``request.known`` is not needed (the coordinator confirms removals).
        """
        self._push_healthy = request.push_healthy
        now = self._now()
        if request.device_id is not None:
            return await self._refresh_device(request.device_id, now)
        run = _Run(now)
        topology = key(Call.TOPOLOGY)
        if topology in self.plan.wanted([topology], now):
            await self._call(topology, run)
        if self.topology is None:
            raise (
                self._failures.get(topology)
                or run.lost
                or CannotConnectError("the topology could not be read yet")
            )
        for due in self.plan.wanted(self._keys(request.push_healthy), now):
            if due == topology:
                continue
            if run.lost is not None:
                # the cloud is lost: what was due fails with it
                self._failures[due] = run.lost
                run.failed.add(due)
                continue
            if not await self._call(due, run) and run.lost is None:
                break  # held back: the rest waits for the next refresh
        if run.lost is not None and not run.succeeded:
            raise run.lost
        if not run.succeeded and self._lost is not None and self.plan.held(now):
            raise self._still_lost(now)
        self._build(now)
        refresh = Refresh(listing=self._inventory(run), events=run.events)
        for device_id, device in self._devices.items():
            error = self._failure_of(device_id)
            if error is None:
                refresh.devices[device_id] = device
            else:
                refresh.failed[device_id] = error
        return refresh

    async def _call(self, due: Key, run: _Run) -> bool:
        """Make one call of the plan; False: no more calls this refresh.

        Polls keep POLL_RESERVE calls of the hourly cap for commands, and
        wait out a hold (the cloud lost or throttling). A failure of one
        answer fails that call only; a lost cloud ends the refresh.
        """
        paused = self.gate.paused_until
        if self.plan.held(run.now) or (paused is not None and run.now < paused):
            return False
        if self.client.gate.room(POLL_RESERVE) <= 0:
            _LOGGER.debug("Netatmo: %s deferred by the hourly self-limit", due[0])
            return False
        try:
            await self._read(due, run)
        except AuthError:
            raise
        except VendorError as err:
            run.failed.add(due)
            self._failures[due] = err
            wait = None
            if isinstance(err, RateLimitError) and err.retry_after is not None:
                wait = timedelta(seconds=err.retry_after)
            self.plan.failed(due, run.now, wait)
            _LOGGER.debug("Netatmo %s failed: %s", due[0], err)
            if isinstance(err, _CLOUD_WIDE):
                run.lost = self._lost = err
                self.plan.hold(self.plan.due[due])
                return False
            return True
        self._lost = None
        run.succeeded += 1
        run.read.add(due)
        self._failures.pop(due, None)
        self.plan.done(due, run.now)
        return True

    def _still_lost(self, now: datetime) -> VendorError:
        """The error that lost the cloud, while its hold lasts (with the wait left)."""
        err = self._lost
        assert err is not None
        if isinstance(err, RateLimitError) and self.plan.hold_until is not None:
            return RateLimitError(
                str(err), (self.plan.hold_until - now).total_seconds()
            )
        return err

    async def _read(self, due: Key, run: _Run) -> None:
        """Make the call of ``due`` and keep what it says."""
        call, home_id = due
        client = self.client
        match call:
            case Call.TOPOLOGY:
                self._adopt_topology(await client.homesdata(), run.now)
            case Call.SCENARIOS:
                self._scenarios[home_id] = await client.getscenarios(home_id)
            case Call.STATUS:
                started = self._now()
                self._adopt_status(home_id, await client.homestatus(home_id), started)
            case Call.EVENTS:
                self._adopt_events(home_id, await client.getevents(home_id), run)
            case Call.STATIONS:
                self._adopt_weather(call, await client.getstationsdata(), run.now)
            case Call.HOMECOACHS:
                self._adopt_weather(call, await client.gethomecoachsdata(), run.now)

    async def _refresh_device(self, device_id: str, now: datetime) -> Refresh:
        """Read again what one device shows (its home's status, its weather read)."""
        due = self._source_of(device_id)
        if due is None:
            return Refresh(
                failed={device_id: DeviceNotFoundError("not a device of the account")}
            )
        run = _Run(now)
        if not await self._call(due, run):
            # held back (self-limit, a hold): read at the next refresh instead
            self.plan.force(due, now)
        self._build(now)
        refresh = Refresh(events=run.events)
        for member in self._dependents(due):
            error = self._failure_of(member)
            if error is not None:
                refresh.failed[member] = error
            elif member in self._devices:
                refresh.devices[member] = self._devices[member]
        return refresh

    def _source_of(self, device_id: str) -> Key | None:
        """The call that reads a device."""
        home_id = self._home_of(device_id)
        if home_id is not None:
            return key(Call.STATUS, home_id)
        for call in _WEATHER_CALLS:
            if device_id in self._weather.get(call, {}):
                return key(call)
        return None

    def _dependents(self, source: Key) -> list[str]:
        """The devices a status or weather call reads."""
        call, home_id = source
        if call is Call.STATUS:
            return [home_id] + [
                m.id
                for home in self._homes()
                if home.id == home_id
                for m in home.modules
                if m.type in CAMERA_MODELS
            ]
        return [
            module.id
            for module in self._weather.get(call, {}).values()
            if module.type in _WEATHER_MODELS[call]
        ]

    def _failure_of(self, device_id: str) -> VendorError | None:
        """Why a device's data could not be read (None: it was)."""
        source = self._source_of(device_id)
        return self._failures.get(source) if source is not None else None

    def next_refresh(self, now: datetime) -> NextRefresh:
        """The first moment a call is due (after a hold, and inside the self-limit)."""
        if self.topology is None and not self.plan.due:
            return NextRefresh()
        keys = (
            self._keys(self._push_healthy)
            if self.topology is not None
            else [key(Call.TOPOLOGY)]
        )
        at = self.plan.next_due(keys, now)
        if self.gate.paused_until is not None and self.gate.paused_until > at:
            at = self.gate.paused_until
        if self.client.gate.room(POLL_RESERVE) <= 0:
            # the hour's calls are spent: poll when one frees up. Our own
            # limit, not the cloud's budget: nothing for the user to fix
            at = max(at, self.client.gate.frees_at(POLL_RESERVE))
        return NextRefresh(at=at)

    # -- keeping what the calls said -----------------------------------------------

    def _adopt_topology(self, topology: Topology, now: datetime) -> None:
        self.topology = topology
        self.account_id = topology.user_id or (
            topology.homes[0].id if topology.homes else None
        )
        homes = {home.id for home in topology.homes}
        for held in (self._status, self._status_read, self._scenarios, self._presence):
            for home_id in set(held) - homes:
                del held[home_id]
        self.plan.forget(
            k for k in self.plan.due if k[0] not in PER_HOME or k[1] in homes
        )
        listed = {m.type for home in topology.homes for m in home.modules}
        for call in _WEATHER_CALLS:
            if listed & set(_WEATHER_MODELS[call]):
                self._has_weather[call] = True
            elif self._has_weather[call] is False:
                self._has_weather[call] = None  # check again with the topology
            if self._has_weather[call] is not False:
                self.plan.force(key(call), now)

    def _adopt_status(
        self, home_id: str, status: HomeStatus, started: datetime
    ) -> None:
        for module in status.modules.values():
            if module.last_seen is not None and not plausible_moment(module.last_seen):
                self.report.reject("last_report", module.last_seen.isoformat())
                module.last_seen = None
        for person in status.persons.values():
            if person.last_seen is not None and not plausible_moment(person.last_seen):
                self.report.reject("person.last_seen", person.last_seen.isoformat())
                person.last_seen = None
        self._status[home_id] = status
        self._status_read[home_id] = started
        home = self._home(home_id)
        cameras = {m.id for m in home.modules} if home is not None else set()
        # what events said before this read began, the read says better
        for camera in cameras & set(self._overrides):
            told = {
                name: told
                for name, told in self._overrides[camera].items()
                if told[0] > started
            }
            self._overrides[camera] = told
        self._presence[home_id] = {
            person: told
            for person, told in self._presence.get(home_id, {}).items()
            if told[0] > started
        }

    def _adopt_weather(
        self, call: Call, listing: WeatherListing, now: datetime
    ) -> None:
        if listing.devices is None:
            self._adopt_single(call, listing, now)
            return
        for module in listing.devices:
            self._clean(module)
        self._weather[call] = {module.id: module for module in listing.devices}
        self._weather_read[call] = now
        self._weather_unreadable[call] = listing.unreadable
        self._has_weather[call] = bool(listing.devices) or bool(listing.unreadable)

    def _adopt_single(self, call: Call, listing: WeatherListing, now: datetime) -> None:
        """The doc's answers that name no device: the only station's (or coach's) news."""
        held = [
            module
            for module in self._weather.get(call, {}).values()
            if module.type in _WEATHER_MODELS[call] and module.main_id is None
        ]
        if len(held) != 1:
            self.report.skip(f"{call} answer", "names no device and we know no one")
            return
        module = held[0]
        news = listing.diagnostics or listing.measures
        assert news is not None
        self._clean(news)
        if news.reachable is not None:
            module.reachable = news.reachable
        module.battery = news.battery if news.battery is not None else module.battery
        if news.readings:
            module.readings = dict(news.readings)
            module.measured_at = news.measured_at or module.measured_at
        self._weather_read[call] = now

    def _clean(self, module: WeatherModule) -> None:
        """Drop (and count) what no sensor can read: values out of range, odd times."""
        for measurement, value in list(module.readings.items()):
            if not plausible(value, MEASUREMENT_QUANTITY[measurement]):
                self.report.reject(f"readings.{measurement}", value)
                del module.readings[measurement]
        if module.battery is not None and not plausible(
            module.battery, Quantity.BATTERY
        ):
            self.report.reject("battery", module.battery)
            module.battery = None
        for name in ("measured_at", "last_seen"):
            moment = getattr(module, name)
            if moment is not None and not plausible_moment(moment):
                self.report.reject(f"climate.{name}", moment.isoformat())
                setattr(module, name, None)

    def _adopt_events(self, home_id: str, events: list[CloudEvent], run: _Run) -> None:
        """Take the latest events; fire the new ones (none the first time after start).

        New: never seen (polled or pushed) and not older than the previous
        poll, give or take LATE_EVENTS.
        """
        home = self._home(home_id)
        cameras = {m.id for m in home.modules} if home is not None else set()
        found = sorted(
            (o for event in events for o in occurrences(event, self._snapshot_url)),
            key=lambda occurrence: occurrence.at,
        )
        previous = self._events_polled.get(home_id)
        self._events_polled[home_id] = run.now
        for occurrence in found:
            if occurrence.camera_id not in cameras:
                continue
            if not plausible_moment(occurrence.at):
                self.report.reject("event.time", occurrence.at.isoformat())
                continue
            news = (
                previous is not None
                and occurrence.id not in self._seen
                and occurrence.at >= previous - LATE_EVENTS
            )
            self._note(home_id, occurrence)
            if news:
                run.events.append(self._device_event(home_id, occurrence))

    def _note(self, home_id: str, occurrence: Occurrence) -> None:
        """Remember an occurrence: seen, the camera's latest, and what it changed."""
        self._seen[occurrence.id] = None
        self._seen.move_to_end(occurrence.id)
        while len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)
        seen = self._seen_by.setdefault(occurrence.camera_id, CameraState())
        latest = seen.last_event.at if seen.last_event is not None else None
        record(seen, occurrence)
        read = self._status_read.get(home_id)
        if read is not None and occurrence.at <= read:
            return  # the status read since says better
        if latest is None or occurrence.at >= latest:
            # an event older than the camera's latest changes nothing (as the
            # coordinator drops an update older than one it applied)
            told = self._overrides.setdefault(occurrence.camera_id, {})
            change = effects(occurrence)
            for name in ("monitoring", "online", "sd_card", "power_supply"):
                if (value := getattr(change, name)) is not None:
                    told[name] = (occurrence.at, value)
        if occurrence.type in (EventType.PERSON, EventType.PERSON_AWAY):
            presence = self._presence.setdefault(home_id, {})
            for person in occurrence.person_ids:
                if person not in presence or presence[person][0] <= occurrence.at:
                    presence[person] = (
                        occurrence.at,
                        occurrence.type is EventType.PERSON,
                    )

    def _device_event(self, home_id: str, occurrence: Occurrence) -> DeviceEvent:
        home = self._home(home_id)
        names = home.persons if home is not None else {}
        return DeviceEvent(
            device_id=occurrence.camera_id,
            type=occurrence.type,
            data=occurrence.data(names.get),
            at=occurrence.at,
        )

    def _snapshot_url(self, snapshot: Snapshot | None, camera_id: str) -> str | None:
        """Where an event's picture is: its URL, the API's picture, or the camera's file."""
        if snapshot is None:
            return None
        if snapshot.url:
            return snapshot.url
        if snapshot.id and snapshot.key:
            query = urlencode({"image_id": snapshot.id, "key": snapshot.key})
            return f"{self.client.api_url}/getcamerapicture?{query}"
        vpn = self._vpn_url(camera_id)
        if snapshot.filename and vpn:
            return f"{vpn}/{snapshot.filename.lstrip('/')}"
        return None

    def _vpn_url(self, camera_id: str) -> str | None:
        home_id = self._home_of(camera_id)
        status = self._status.get(home_id) if home_id is not None else None
        module = status.modules.get(camera_id) if status is not None else None
        return module.vpn_url.rstrip("/") if module and module.vpn_url else None

    # -- building the devices ----------------------------------------------------------

    def _build(self, now: datetime) -> None:
        """(Re)build every device from what the calls said: new objects each time."""
        devices: dict[str, Device] = {}
        skipped: set[str] = set()
        for home in self._homes():
            devices[home.id] = self._home_device(home)
            for module in home.modules:
                if module.type in CAMERA_MODELS:
                    devices[module.id] = self._camera(home, module)
                elif module.type not in WEATHER_TYPES:
                    skipped.add(module.id)
                    self._unsupported(module.type)
        for call in _WEATHER_CALLS:
            for sensor in self._weather.get(call, {}).values():
                if sensor.type in _WEATHER_MODELS[call]:
                    devices[sensor.id] = self._climate(call, sensor)
                else:
                    skipped.add(sensor.id)
                    if sensor.type not in UNMAPPED_STATION_TYPES:
                        self._unsupported(sensor.type)
        for device in devices.values():
            self.report.drop_implausible(device)
        self._devices = devices
        self._skipped = skipped

    def _unsupported(self, module_type: str | None) -> None:
        kind = module_type or "without a type"
        if kind not in self._unsupported_logged:
            self._unsupported_logged.add(kind)
            _LOGGER.debug("Skipping Netatmo modules %s: not supported", kind)

    def _inventory(self, run: _Run) -> Inventory:
        """The devices as a listing: fresh when the topology and its weather reads were made."""
        weather = [key(c) for c in _WEATHER_CALLS if self._has_weather[c] is not False]
        listing_calls = {key(Call.TOPOLOGY), *weather}
        fresh = key(Call.TOPOLOGY) in run.read and not (listing_calls & run.failed)
        fresh = fresh and all(k in run.read for k in weather)
        unreadable = (self.topology.unreadable if self.topology else 0) + sum(
            self._weather_unreadable.get(c, 0) for c in _WEATHER_CALLS
        )
        return Inventory(
            self._devices.values(),
            fresh=fresh,
            unreadable=unreadable if fresh else 0,
            skipped_ids=self._skipped,
        )

    def _home_device(self, home: TopologyHome) -> Device:
        status = self._status.get(home.id)
        persons: dict[str, Person] = {
            pid: Person(id=pid, name=name) for pid, name in home.persons.items()
        }
        for pid, told in (status.persons if status else {}).items():
            person = persons.setdefault(pid, Person(id=pid))
            person.at_home = told.at_home
            person.last_seen = told.last_seen
        for pid, (at, at_home) in self._presence.get(home.id, {}).items():
            person = persons.setdefault(pid, Person(id=pid))
            person.at_home = at_home
            if at_home:
                person.last_seen = at
        device = Device(
            id=home.id,
            kind=DeviceKind.HOME,
            name=home.name or "Netatmo home",
            name_reported=home.name is not None,
            manufacturer=MANUFACTURER,
            model=HOME_MODEL,
            actions=HOME_ACTIONS if home.gateway else frozenset(),
            calls_last_hour=self.calls_last_hour,
            updated_at=self._status_read.get(home.id),
        )
        device.home = HomeState(
            persons=persons, scenarios=list(self._scenarios.get(home.id, []))
        )
        return device

    def _camera(self, home: TopologyHome, module: TopologyModule) -> Device:
        status = self._status.get(home.id)
        state: ModuleStatus | None = status.modules.get(module.id) if status else None
        kind = str(module.type)  # a camera type: the caller checked
        model = CAMERA_MODELS[kind]
        name = module.name or (state.name if state else None)
        room = home.room_name(module) or (
            home.rooms.get(state.room_id) if state and state.room_id else None
        )
        device = Device(
            id=module.id,
            kind=DeviceKind.CAMERA,
            name=name or model,
            name_reported=name is not None,
            manufacturer=MANUFACTURER,
            model=model,
            firmware=state.firmware if state else None,
            # no entry in its home's status: the camera is not connected
            online=None if status is None else state is not None and state.online,
            last_report=state.last_seen if state else None,
            actions=CAMERA_ACTIONS[kind],
            features=CAMERA_FEATURES,
            area=room,
            via_device=home.id,
            updated_at=self._status_read.get(home.id),
        )
        camera = CameraState()
        if state is not None:
            camera.monitoring = state.monitoring if kind != "NDB" else None
            camera.sd_card = state.sd_card
            camera.power_supply = state.power_supply
        seen = self._seen_by.get(module.id)
        if seen is not None:
            camera.last_event = copy.copy(seen.last_event)
            camera.last_animal = seen.last_animal
        for name_, (_at, value) in self._overrides.get(module.id, {}).items():
            if name_ == "online":
                device.online = value
            elif name_ != "monitoring" or kind != "NDB":
                setattr(camera, name_, value)
        device.camera = camera
        return device

    def _climate(self, call: Call, module: WeatherModule) -> Device:
        model = _WEATHER_MODELS[call][str(module.type)]
        name = module.name or module.station_name
        device = Device(
            id=module.id,
            kind=DeviceKind.CLIMATE_SENSOR,
            name=name or model,
            name_reported=name is not None,
            manufacturer=MANUFACTURER,
            model=model,
            firmware=module.firmware,
            online=module.reachable,
            battery=module.battery,
            last_report=module.last_seen or module.measured_at,
            readings=dict(module.readings),
            measures=_MEASURES.get(str(module.type), frozenset())
            | frozenset(module.readings),
            area=module.name,
            via_device=module.main_id,
            updated_at=self._weather_read.get(call),
        )
        device.climate = ClimateState(measured_at=module.measured_at)
        return device

    # -- commands --------------------------------------------------------------------

    async def async_execute(self, device: Device, command: Command) -> CommandResult:
        """Switch a camera's monitoring, or run a home's scenario (``setstate``)."""
        if command.action not in device.actions:
            raise RequestRejectedError(f"{device.name} can not {command.action}")
        home_id = self._home_of(device.id) or device.via_device or device.id
        match command:
            case SetMonitoring():
                await self.client.setstate(
                    {
                        "home": {
                            "id": home_id,
                            "modules": [
                                {
                                    "id": device.id,
                                    "monitoring": "on" if command.on else "off",
                                }
                            ],
                        }
                    }
                )
                # shown at once; the read after the command confirms it
                told = self._overrides.setdefault(device.id, {})
                told["monitoring"] = (self._now(), command.on)
            case RunScenario():
                home = self._home(home_id)
                gateway = home.gateway if home is not None else None
                if gateway is None:
                    raise RequestRejectedError(f"{device.name} has no gateway")
                scenario = self._scenario_id(home_id, command.scenario)
                await self.client.setstate(
                    {
                        "home": {
                            "id": home_id,
                            "modules": [{"id": gateway, "scenario": scenario}],
                        }
                    }
                )
            case _:
                raise RequestRejectedError(f"Netatmo devices can not {command.action}")
        self._build(self._now())
        return CommandResult()

    def _scenario_id(self, home_id: str, wanted: str) -> str:
        """The id of a home's scenario, named by its id or its name."""
        scenarios = self._scenarios.get(home_id, [])
        if not scenarios:
            return wanted  # not read (yet): the cloud decides
        for scenario in scenarios:
            if wanted in (scenario.id, scenario.name):
                return scenario.id
        lowered = wanted.casefold()
        for scenario in scenarios:
            if lowered in (scenario.id.casefold(), scenario.name.casefold()):
                return scenario.id
        raise InvalidParameterError(f"the home has no scenario {wanted!r}")

    # -- push -----------------------------------------------------------------------

    async def async_register_webhook(self, url: str) -> None:
        """``addwebhook``: the cloud calls ``url`` with the cameras' events.

        Push is taken as healthy from here on (the coordinator plans the
        next refresh at once; each refresh's request then says for sure).
        """
        await self.client.addwebhook(url)
        self._push_healthy = True

    async def async_unregister_webhook(self) -> None:
        """``dropwebhook``: the cloud stops calling our webhook."""
        self._push_healthy = False
        await self.client.dropwebhook()

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Refuse a delivery not signed with the app's client secret."""
        verify_signature(self.client_secret, body, headers)

    def parse_webhook(self, payload: Any, known: Mapping[str, Device]) -> Pushed:
        """A delivery into its camera's (and home's) update and event.

        The activation call changes nothing; an unknown type, a camera we do
        not hold or a malformed body is refused (PushRejectedError). What the
        event says is kept too, so that the next refresh agrees with it. A
        camera back on line (connected, booted) is read again: what it shows
        (monitoring, memory card, power) was unknown while it was off line.
        """
        pushed = parse_push(payload, self.report)
        if pushed is None:
            return Pushed()
        held = known.get(pushed.camera_id)
        if held is None or held.kind is not DeviceKind.CAMERA:
            raise PushRejectedError(UNKNOWN_DEVICE)
        at = pushed.at or self._now()
        home_id = self._home_of(held.id) or pushed.home_id or held.via_device or held.id
        occurrence = Occurrence(
            id=pushed.id,
            type=EVENT_TYPES[pushed.type],
            at=at,
            camera_id=held.id,
            message=pushed.message,
            snapshot_url=self._snapshot_url(pushed.snapshot, held.id),
            person_ids=pushed.person_ids,
            sub_type=pushed.sub_type,
        )
        self._note(home_id, occurrence)
        camera = copy.deepcopy(held)
        assert camera.camera is not None  # a camera's state holder
        latest = camera.camera.last_event
        if latest is None or occurrence.at >= latest.at:
            _apply(camera, effects(occurrence))
        record(camera.camera, occurrence)
        updates = [DeviceUpdate(camera, at)]
        home = known.get(home_id)
        if (
            occurrence.person_ids
            and occurrence.type in (EventType.PERSON, EventType.PERSON_AWAY)
            and home is not None
            and home.home is not None
        ):
            home = copy.deepcopy(home)
            assert home.home is not None
            for pid in occurrence.person_ids:
                person = home.home.persons.setdefault(pid, Person(id=pid))
                person.at_home = occurrence.type is EventType.PERSON
                if person.at_home:
                    person.last_seen = at
            updates.append(DeviceUpdate(home, at))
        self._build(self._now())
        back = occurrence.type in (EventType.CONNECTED, EventType.BOOTED)
        return Pushed(
            updates=updates,
            events=[self._device_event(home_id, occurrence)],
            refresh={held.id} if back else set(),
        )

    def push_missed(self, held: Device, polled: Device) -> bool:
        """Whether a poll found a camera change push should have brought.

        Monitoring switched, connection lost or back, or a newer event: each
        is pushed when push works. A value first learnt is no change.
        """
        before, after = held.camera, polled.camera
        if before is None or after is None:
            return False  # not cameras: nothing of theirs is pushed
        if None not in (before.monitoring, after.monitoring) and (
            before.monitoring != after.monitoring
        ):
            return True
        if None not in (held.online, polled.online) and held.online != polled.online:
            return True
        return after.last_event is not None and (
            before.last_event is None or after.last_event.at > before.last_event.at
        )

    # -- camera -------------------------------------------------------------------------

    async def async_get_stream(self, device: Device) -> StreamInfo:
        """The live stream: on the LAN when the camera answers there, else via the VPN.

        The VPN ping tells the camera's LAN URL; a ping there (a short wait)
        tells whether we share its network. Either way the stream expires
        soon, so the choice is made again (a LAN that stopped answering
        falls back to the VPN).
        """
        vpn = self._vpn_url(device.id)
        if vpn is None:
            raise CannotConnectError(f"{device.name} has no VPN URL: is it online?")
        base, stream = vpn, f"{vpn}/live/index.m3u8"
        try:
            local = await self.client.camera_ping(vpn)
        except BadResponseError:
            local = None  # the camera answers, but tells no LAN URL
        if local is not None:
            try:
                await self.client.camera_ping(local, local=True)
            except VendorError as err:
                _LOGGER.debug("%s is not on our LAN (%s): via VPN", device.name, err)
            else:
                base, stream = local, f"{local}/live/index_local.m3u8"
        return StreamInfo(
            stream_url=stream,
            thumbnail_url=f"{base}/live/snapshot_720.jpg",
            expires_at=self._now() + STREAM_RECHECK,
        )

    async def async_get_image(self, url: str) -> bytes:
        """Download a picture (a camera's snapshot, an event's), size-capped."""
        return await self.client.image(url)


def _apply(device: Device, change: Effects) -> None:
    """Apply what an event says of a camera's state to its device."""
    camera = device.camera
    assert camera is not None
    if change.online is not None:
        device.online = change.online
    if change.monitoring is not None and Action.SET_MONITORING in device.actions:
        camera.monitoring = change.monitoring
    if change.sd_card is not None:
        camera.sd_card = change.sd_card
    if change.power_supply is not None:
        camera.power_supply = change.power_supply
