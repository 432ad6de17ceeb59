"""Ninja Blocks' account: blocks, their devices and sub-devices on the neutral model.

The plan (``docs/ninjablocks-wire.md``): the listing (``GET /devices``,
which brings every device's last report) at the first refresh, then every
``LISTING_INTERVAL`` without push, at every safety-net refresh while push is
healthy, and at once when a pushed GUID is unknown or a sub-device was
added, changed or removed. Between listings a refresh reads the heartbeat
of a reporting device our callback does not cover, where that is one call
less than the listing (one such device); otherwise it lists (one call
brings every device's last report).

Push: one callback URL per device (``POST /device/:guid/callback``). A
device whose callback another app holds is left alone unless the user lets
ours take over (``OPT_TAKE_OVER``); it is named by ``push_taken`` and
polled. No Home Assistant imports here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
import copy
from datetime import datetime, timedelta
import hashlib
import logging
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

from ...model import (
    CODE_PATTERN,
    Action,
    AddSubdevice,
    Command,
    CommandResult,
    Device,
    DeviceKind,
    HistoryPoint,
    HistoryQuery,
    RemoveSubdevice,
    Rename,
    SetLight,
    SetPower,
    Transmit,
    UpdateSubdevice,
)
from ..base import (
    AuthError,
    BadResponseError,
    DeviceNotFoundError,
    DeviceUpdate,
    HistoryAccount,
    InvalidParameterError,
    Inventory,
    NextRefresh,
    Pushed,
    PushRejectedError,
    Refresh,
    RefreshRequest,
    RequestRejectedError,
    SnapshotAccount,
    VendorAccount,
    VendorError,
    WebhookAccount,
    still_known,
)
from ..parse import ParseReport
from .client import CallbackExistsError, NinjaBlocksClient
from .payloads import (
    BLACK,
    GUID_PATTERN,
    IMPLAUSIBLE,
    LAST_CODE,
    UNKNOWN_DEVICE,
    Entry,
    Listing,
    Report,
    SubEntry,
    build_block,
    build_device,
    build_subdevice,
    events_of,
    is_newer,
    newest,
    parse_push,
    rgb_hex,
    split_subdevice_id,
    subdevice_id,
)

_LOGGER = logging.getLogger(__name__)

_T = TypeVar("_T")

#: Everything a Ninja Blocks device may offer (the descriptor's capabilities).
CAPABILITIES: Final = frozenset(
    {
        Action.RENAME,
        Action.SET_LIGHT,
        Action.SET_POWER,
        Action.TRANSMIT,
        Action.ADD_SUBDEVICE,
        Action.UPDATE_SUBDEVICE,
        Action.REMOVE_SUBDEVICE,
    }
)
#: How often the listing is read without push (heartbeats in between).
LISTING_INTERVAL: Final = timedelta(minutes=10)
#: ... and while push is healthy (the descriptor's safety net).
SAFETY_NET: Final = timedelta(minutes=15)
#: The normal polling cadence, asked for while push is healthy but leaves
#: some reporting devices uncovered (taken by another app, or not sensors).
POLL_INTERVAL: Final = timedelta(seconds=60)
#: The colour an LED turned on without one takes when it never showed one.
WHITE: Final = (255, 255, 255)


def account_id_of(nodes: Iterable[str]) -> str | None:
    """The account's id: a hash of its blocks' node ids (None: no block)."""
    ordered = sorted(set(nodes))
    if not ordered:
        return None
    return hashlib.sha256("\n".join(ordered).encode()).hexdigest()[:32]


def light_da(command: SetLight, held: Device) -> str:
    """The DA that sets an LED as ``command`` says (upper-case ``RRGGBB``).

    Off: black. On: the command's colour, else the colour the LED last
    showed, else white; at the command's brightness, else the one it last
    had, else full.
    """
    if not command.on:
        return BLACK
    light = held.light
    rgb = command.rgb or (light.rgb if light is not None else None) or WHITE
    brightness = command.brightness
    if brightness is None:
        brightness = light.brightness if light is not None else None
        if not brightness:
            brightness = 100.0
    return rgb_hex(rgb, brightness)


async def _gather(
    calls: Iterable[Coroutine[Any, Any, _T]],
) -> list[_T | VendorError]:
    """Run ``calls`` concurrently (the client caps them); an AuthError ends all.

    Each other failure is handed back in place of its result.
    """

    async def one(call: Coroutine[Any, Any, _T]) -> _T | VendorError:
        try:
            return await call
        except AuthError:
            raise
        except VendorError as err:
            return err

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(call)) for call in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


def _is_ours(current: str, ours: str) -> bool:
    """Whether a registered callback URL is one of ours (its path ends with our webhook's)."""
    path = urlsplit(ours).path.rstrip("/")
    return bool(path) and urlsplit(current).path.rstrip("/").endswith(path)


class NinjaBlocksAccount(
    VendorAccount, WebhookAccount, SnapshotAccount, HistoryAccount
):
    """A Ninja Blocks account (one access token) seen through the neutral model."""

    vendor = "ninjablocks"
    account_id_from_devices = True

    def __init__(
        self,
        client: NinjaBlocksClient,
        *,
        take_over: bool = False,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Wrap a client; ``take_over``: our callbacks replace another app's."""
        self.client = client
        self.gate = client.gate
        self.report = client.report
        self.take_over = take_over
        self._now: Callable[[], datetime] = now or client.now
        #: GUID -> its entry, as the last listing (and reports since) had it.
        self._entries: dict[str, Entry] = {}
        #: Sub-device id -> its entry.
        self._subs: dict[str, SubEntry] = {}
        #: What a command last sent each device (its DA), and when: until
        #: the device reports after it, that is what it shows.
        self._commanded: dict[str, tuple[Any, datetime]] = {}
        self._listed_at: datetime | None = None
        #: The listing is due at the next refresh (a sub-device changed...).
        self._relist = False
        #: The last refresh failed (no quick refresh is asked for then).
        self._failing = False
        self._refreshed = False
        self._push_healthy = False
        self._webhook_url: str | None = None
        #: GUIDs whose callback is ours.
        self._ours: set[str] = set()
        #: GUIDs whose callback another app holds (left alone).
        self._taken: set[str] = set()

    # -- what the account holds ------------------------------------------------------

    @property
    def entries(self) -> Mapping[str, Entry]:
        """The GUID devices as last listed."""
        return self._entries

    @property
    def covered(self) -> frozenset[str]:
        """The GUIDs whose callback is ours (their reports are pushed)."""
        return frozenset(self._ours)

    def _adopt(self, listing: Listing) -> None:
        """Keep what a listing says (entries, sub-devices, the account's id)."""
        self._entries = {entry.guid: entry for entry in listing.entries}
        self._subs = {
            sub.device_id: sub for entry in listing.entries for sub in entry.subs
        }
        self.account_id = account_id_of(listing.nodes)

    def _adopt_entry(self, entry: Entry) -> None:
        """Keep one device's entry (``GET /device/:guid``) and its sub-devices."""
        self._entries[entry.guid] = entry
        for sub_id in [k for k, sub in self._subs.items() if sub.hub == entry.guid]:
            del self._subs[sub_id]
        self._subs.update({sub.device_id: sub for sub in entry.subs})

    def _build(self, entry: Entry, known: Mapping[str, Device]) -> Device:
        return build_device(entry, known.get(entry.guid), self.report, self._now())

    def _block(self, node: str, known: Mapping[str, Device]) -> Device:
        """A block, its last report the newest of its devices'."""
        at = newest(
            entry.report.at for entry in self._entries.values() if entry.node == node
        )
        held = known.get(node)
        if held is None or held.kind is not DeviceKind.GATEWAY:
            return build_block(node, at)
        block = copy.deepcopy(held)
        block.last_report = newest([held.last_report, at])
        return block

    def _devices(self, listing: Listing, known: Mapping[str, Device]) -> list[Device]:
        """Every device of a listing: blocks, GUID devices, sub-devices."""
        devices = [self._block(node, known) for node in listing.nodes]
        for entry in listing.entries:
            devices.append(self._build(entry, known))
            devices.extend(build_subdevice(sub, self._now()) for sub in entry.subs)
        return devices

    def _uncovered(self) -> list[str]:
        """Reporting devices no callback of ours covers (heartbeats while push works)."""
        return [
            guid
            for guid, entry in self._entries.items()
            if entry.reporting and guid not in self._ours
        ]

    def _heartbeat_targets(self, push_healthy: bool) -> list[str]:
        if push_healthy:
            return self._uncovered()
        return [guid for guid, entry in self._entries.items() if entry.reporting]

    # -- listing and refreshing ---------------------------------------------------------

    async def async_identify(self) -> Inventory:
        """``GET /devices``: the token is good; the account's devices."""
        listing = await self.client.async_devices()
        self._adopt(listing)
        return Inventory(
            self._devices(listing, {}),
            unreadable=listing.unreadable,
            skipped_ids=listing.skipped,
        )

    def _listing_due(self, request: RefreshRequest, now: datetime) -> bool:
        """The listing's turn: first, asked for, every LISTING_INTERVAL, or cheaper.

        The listing brings every device's last report in one call: a
        refresh that would read more than one heartbeat lists instead (no
        push: the devices that report; push healthy and none left
        uncovered: the safety net). Heartbeats are read only where one
        device needs them (the one device whose callback another app holds,
        a device after a command). While push is healthy the listing is
        otherwise due every safety-net interval.
        """
        if self._listed_at is None or self._relist or request.relist:
            return True
        interval = SAFETY_NET if request.push_healthy else LISTING_INTERVAL
        if now - self._listed_at >= interval:
            return True
        return len(self._heartbeat_targets(request.push_healthy)) != 1

    async def async_refresh(self, request: RefreshRequest) -> Refresh:
        """The listing when due, else the heartbeats of the reporting devices.

        With ``request.device_id`` (after a command) only that device is
        read. Events fire for reports newer than the ones held, never at the
        first refresh.
        """
        if request.device_id is not None:
            # (such a request says nothing of push: it is not the plan's)
            return await self._refresh_one(request.device_id, request.known)
        self._push_healthy = request.push_healthy
        now = self._now()
        fire = self._refreshed
        try:
            if self._listing_due(request, now):
                refresh = await self._refresh_listing(request, now, fire)
            else:
                refresh = await self._refresh_heartbeats(request, fire)
        except VendorError:
            self._failing = True
            raise
        self._failing = False
        self._refreshed = True
        return refresh

    async def _refresh_listing(
        self, request: RefreshRequest, now: datetime, fire: bool
    ) -> Refresh:
        """List every device; read known GUIDs the listing left out; register new ones."""
        known = request.known
        previous = self._entries
        listing = await self.client.async_devices()
        self._adopt(listing)
        self._listed_at, self._relist = now, False
        devices = self._devices(listing, known)
        refresh = Refresh(
            listing=Inventory(
                devices, unreadable=listing.unreadable, skipped_ids=listing.skipped
            )
        )
        refresh.devices = {device.id: device for device in devices}
        if fire:
            for entry in listing.entries:
                if is_newer(entry.report, known.get(entry.guid)):
                    refresh.events += events_of(entry, refresh.devices[entry.guid])
        await self._read_missing(known, previous, refresh)
        if self._webhook_url is not None:
            await self._register_new(self._webhook_url)
        return refresh

    async def _read_missing(
        self,
        known: Mapping[str, Device],
        previous: Mapping[str, Entry],
        refresh: Refresh,
    ) -> None:
        """Known devices the listing left out: does each still answer?

        A GUID's heartbeat tells (a wrong listing, or a removal). A
        sub-device: its hub's own entry (``GET /device/:hub``), where it is
        gone only when that entry's whole list leaves it out. A block: gone
        only when none of its devices answers. What cannot be told is kept.
        """
        missing = [device_id for device_id in known if device_id not in refresh.devices]
        blocks = [d for d in missing if known[d].kind is DeviceKind.GATEWAY]
        subs: dict[str, list[str]] = {}
        for device_id in missing:
            split = split_subdevice_id(device_id)
            if split is not None:
                subs.setdefault(split[0], []).append(device_id)
        guids = [
            d for d in missing if d not in blocks and split_subdevice_id(d) is None
        ]
        results = await _gather(self.client.async_heartbeat(guid) for guid in guids)
        for guid, result in zip(guids, results, strict=True):
            if isinstance(result, VendorError):
                refresh.failed[guid] = result
                continue
            entry = previous.get(guid)
            if entry is None:
                device = copy.deepcopy(known[guid])
                device.last_report = newest([device.last_report, result.at])
            else:
                # it answers: the listing was wrong, and it is still polled
                entry.take(result)
                self._entries[guid] = entry
                device = self._build(entry, known)
            refresh.devices[guid] = device
        for hub, sub_ids in subs.items():
            await self._read_missing_subs(hub, sub_ids, refresh)
        for node in blocks:
            if any(
                device.via_device == node and device.kind is not DeviceKind.GATEWAY
                for device in refresh.devices.values()
            ):
                refresh.devices[node] = self._block(node, known)
            else:
                refresh.failed[node] = DeviceNotFoundError(
                    f"{known[node].name} has no device listed any more"
                )

    async def _read_missing_subs(
        self, hub: str, sub_ids: list[str], refresh: Refresh
    ) -> None:
        """Sub-devices of one hub the listing left out, asked of the hub itself."""
        try:
            entry = await self.client.async_device(hub)
        except DeviceNotFoundError as err:
            for device_id in sub_ids:
                refresh.failed[device_id] = err
            return
        except AuthError:
            raise
        except VendorError as err:
            _LOGGER.debug("Could not ask %s for its sub-devices: %s", hub, err)
            return  # nothing can be told: they stay
        held = {sub.device_id: sub for sub in entry.subs}
        for device_id in sub_ids:
            sub = held.get(device_id)
            if sub is not None:  # the listing was wrong
                self._subs[device_id] = sub
                refresh.devices[device_id] = build_subdevice(sub, self._now())
            elif entry.subs_known:
                refresh.failed[device_id] = DeviceNotFoundError(
                    f"{hub} has no sub-device {device_id} any more"
                )

    async def _refresh_heartbeats(self, request: RefreshRequest, fire: bool) -> Refresh:
        """Read the heartbeat of each reporting device (not those push covers).

        A device the cloud does not know any more makes the listing due.
        When every read failed (the cloud is lost), the refresh fails.
        """
        known = request.known
        targets = self._heartbeat_targets(request.push_healthy)
        results = await _gather(self.client.async_heartbeat(guid) for guid in targets)
        refresh = Refresh()
        nodes: set[str] = set()
        gone = False
        for guid, result in zip(targets, results, strict=True):
            if isinstance(result, VendorError):
                refresh.failed[guid] = result
                if isinstance(result, DeviceNotFoundError):
                    gone = self._relist = True
                continue
            entry = self._entries[guid]
            entry.take(result)
            device = self._build(entry, known)
            refresh.devices[guid] = device
            if entry.node:
                nodes.add(entry.node)
            if fire and is_newer(entry.report, known.get(guid)):
                refresh.events += events_of(entry, device)
        if targets and not refresh.devices and not gone:
            raise next(iter(refresh.failed.values()))
        for node in sorted(nodes):
            refresh.devices[node] = self._block(node, known)
        return refresh

    async def _refresh_one(
        self, device_id: str, known: Mapping[str, Device]
    ) -> Refresh:
        """One device after a command: its heartbeat (a sub-device: its hub's entry)."""
        refresh = Refresh()
        held = known.get(device_id)
        if held is not None and held.kind is DeviceKind.GATEWAY:
            return refresh  # a block: nothing of its own to read
        split = split_subdevice_id(device_id)
        hub = split[0] if split is not None else device_id
        entry = self._entries.get(hub)
        try:
            if split is None and entry is not None and entry.reporting:
                entry.take(
                    self._after_command(hub, await self.client.async_heartbeat(hub))
                )
            else:
                entry = await self.client.async_device(hub)
                self._adopt_entry(entry)
        except AuthError:
            raise
        except VendorError as err:
            refresh.failed[device_id] = err
            return refresh
        refresh.devices[hub] = self._build(entry, known)
        if self._refreshed and is_newer(entry.report, known.get(hub)):
            # what it reported since the last poll (a remote's code heard
            # just before a command) fires now: the next poll finds it held
            refresh.events += events_of(entry, refresh.devices[hub])
        for sub in entry.subs:
            refresh.devices[sub.device_id] = build_subdevice(sub, self._now())
        return refresh

    def _after_command(self, guid: str, report: Report) -> Report:
        """A heartbeat read just after a command, as far as it tells.

        A block reports a command's effect a moment after the cloud took
        it: a heartbeat from before the command shows what was sent (at the
        old report's time, so that the device's next report replaces it).
        """
        commanded = self._commanded.pop(guid, None)
        if commanded is None:
            return report
        da, sent = commanded
        if report.at is not None and report.at >= sent:
            return report
        return Report(da=da, at=report.at, has_da=True)

    def identifying_ids(self, devices: Iterable[Device]) -> set[str]:
        """The blocks: every account lists the cloud's own webhook service."""
        return {device.id for device in devices if device.kind is DeviceKind.GATEWAY}

    async def async_probe_device(self, device_id: str) -> bool | None:
        """Whether the cloud still knows a device (its heartbeat; a sub-device: its hub)."""
        split = split_subdevice_id(device_id)
        if split is not None:
            return await still_known(self._probe_sub(*split))
        if GUID_PATTERN.fullmatch(device_id) is None:
            return None  # a block: no call tells of one alone
        return await still_known(self.client.async_heartbeat(device_id))

    async def _probe_sub(self, hub: str, sub: str) -> None:
        entry = await self.client.async_device(hub)
        if any(item.id == sub for item in entry.subs):
            return
        if not entry.subs_known:
            raise BadResponseError(f"{hub} did not list its sub-devices whole")
        raise DeviceNotFoundError(f"{hub} has no sub-device {sub}")

    def next_refresh(self, now: datetime) -> NextRefresh:
        """Soon when a listing is due; each minute while push leaves devices uncovered."""
        at: datetime | None = None
        if self._relist and not self._failing:
            at = now
        elif self._push_healthy and self._uncovered():
            at = now + POLL_INTERVAL
        paused = self.gate.paused_until
        if at is not None and paused is not None and paused > at:
            at = paused
        return NextRefresh(at=at)

    # -- commands -----------------------------------------------------------------------

    def _sub(self, device: Device) -> SubEntry:
        sub = self._subs.get(device.id)
        if sub is None:
            raise DeviceNotFoundError(f"{device.name} is not a known sub-device")
        return sub

    async def async_execute(self, device: Device, command: Command) -> CommandResult:
        """Turn a command into its request (the contract's table)."""
        if command.action not in device.actions:
            raise RequestRejectedError(f"{device.name} can not {command.action}")
        split = split_subdevice_id(device.id)
        match command:
            case SetLight():
                # (read back by the refresh of the device that follows)
                da = light_da(command, device)
                await self.client.async_update(device.id, {"DA": da})
                self._commanded[device.id] = (da, self._now())
            case SetPower():
                da = "1" if command.on else "0"
                await self.client.async_update(device.id, {"DA": da})
                self._commanded[device.id] = (da, self._now())
            case Transmit():
                await self._transmit(self._sub(device))
            case Rename() if split is not None:
                sub = self._sub(device)
                await self.client.async_update_subdevice(
                    sub.hub, sub.id, {"shortName": command.name}
                )
                self._relist = True
            case Rename():
                await self.client.async_update(device.id, {"shortName": command.name})
                self._relist = True
            case AddSubdevice():
                return await self._add_subdevice(device, command)
            case UpdateSubdevice():
                await self._update_subdevice(self._sub(device), command)
            case RemoveSubdevice():
                sub = self._sub(device)
                await self.client.async_remove_subdevice(sub.hub, sub.id)
                self._relist = True
            case _:  # pragma: no cover - no device has another action
                raise RequestRejectedError(
                    f"Ninja Blocks devices can not {command.action}"
                )
        return CommandResult()

    async def _transmit(self, sub: SubEntry) -> None:
        """An RF actuator's code sent by its hub, or a webhook sensor's tickle."""
        if sub.category == "rf":
            if sub.code is None:
                raise InvalidParameterError(f"sub-device {sub.id} stores no code")
            await self.client.async_update(sub.hub, {"DA": sub.code})
            return
        if not sub.token:
            raise InvalidParameterError(f"sub-device {sub.id} has no tickle token")
        await self.client.async_tickle(sub.hub, sub.id, sub.token)

    async def _add_subdevice(self, hub: Device, command: AddSubdevice) -> CommandResult:
        """Store a code as a new RF sub-device of a hub (None: the code it heard last)."""
        code = command.code
        if code is None:
            entry = self._entries.get(hub.id)
            heard = entry.report.da if entry is not None else None
            code = heard if isinstance(heard, str) else None
            if code is None or not CODE_PATTERN.fullmatch(code):
                last = hub.values.get(LAST_CODE)
                code = last if isinstance(last, str) else None
            if code is None:
                raise InvalidParameterError(f"{hub.name} has heard no code yet")
        if not CODE_PATTERN.fullmatch(code):
            raise InvalidParameterError(f"{code!r} is no code of 0s and 1s")
        created = await self.client.async_add_subdevice(
            hub.id,
            {
                "category": "rf",
                "type": "sensor" if command.sensor else "actuator",
                "shortName": command.name,
                "data": code,
            },
        )
        self._relist = True
        if created is None:
            _LOGGER.debug("%s: the new sub-device's id was not said", hub.name)
            return CommandResult()
        return CommandResult(device_id=subdevice_id(hub.id, created))

    async def _update_subdevice(self, sub: SubEntry, command: UpdateSubdevice) -> None:
        body: dict[str, str] = {}
        if command.name is not None:
            body["shortName"] = command.name
        if command.code is not None:
            if sub.category == "rf" and not CODE_PATTERN.fullmatch(command.code):
                raise InvalidParameterError(f"{command.code!r} is no code of 0s and 1s")
            body["data"] = command.code
        if not body:
            raise InvalidParameterError("nothing to change")
        await self.client.async_update_subdevice(sub.hub, sub.id, body)
        self._relist = True

    # -- push ----------------------------------------------------------------------------

    async def async_register_webhook(self, url: str) -> None:
        """Register ``url`` as the callback of every sensor (``is_sensor`` 1).

        A device whose callback is ours already is left as it is (or moved
        to ``url``); another app's is left alone and named by
        ``push_taken``, unless ours may take over. Fails only when no
        device could be registered at all (or on an AuthError); a device
        that failed is registered again at the next listing.
        """
        sensors = [guid for guid, entry in self._entries.items() if entry.is_sensor]
        errors = await self._register_each(sensors, url)
        if errors and len(errors) == len(sensors):
            raise errors[0]
        self._webhook_url = url
        self._push_healthy = True

    async def _register_new(self, url: str) -> None:
        """Register the sensors with no callback of ours yet (nor another app's)."""
        await self._register_each(
            [
                guid
                for guid, entry in self._entries.items()
                if entry.is_sensor and guid not in self._ours | self._taken
            ],
            url,
        )

    async def _register_each(self, guids: list[str], url: str) -> list[VendorError]:
        """Register each device's callback; return what failed (logged)."""
        results = await _gather(self._register(guid, url) for guid in guids)
        errors: list[VendorError] = []
        for guid, result in zip(guids, results, strict=True):
            if isinstance(result, VendorError):
                _LOGGER.debug("Registering the callback of %s failed: %s", guid, result)
                errors.append(result)
        return errors

    async def _register(self, guid: str, url: str) -> None:
        """``POST`` our callback; when one exists, look whose it is."""
        try:
            await self.client.async_add_callback(guid, url)
        except CallbackExistsError:
            current = await self.client.async_get_callback(guid)
            # one exists, but whose is not said: not ours to replace either
            ours = current is not None and _is_ours(current, url)
            if not ours and not self.take_over:
                _LOGGER.debug("Another app holds the callback of %s", guid)
                self._taken.add(guid)
                self._ours.discard(guid)
                return
            if not ours:
                _LOGGER.info("Taking over the callback of %s", guid)
            if current != url:  # HA's URL moved, or taken over
                await self.client.async_set_callback(guid, url)
        self._ours.add(guid)
        self._taken.discard(guid)

    async def async_unregister_webhook(self) -> None:
        """``DELETE`` every callback of ours (never another app's).

        A device the cloud no longer knows has none to delete; any other
        failure is raised once the others are deleted.
        """
        self._push_healthy = False
        self._webhook_url = None
        ours = sorted(self._ours)
        self._ours.clear()
        results = await _gather(self.client.async_delete_callback(g) for g in ours)
        errors = [
            result
            for result in results
            if isinstance(result, VendorError)
            and not isinstance(result, DeviceNotFoundError)
        ]
        if errors:
            raise errors[0]

    def push_taken(self) -> Mapping[str, str]:
        """Devices whose callback another app holds: GUID -> name."""
        return {
            guid: entry.name
            for guid, entry in self._entries.items()
            if guid in self._taken
        }

    def parse_webhook(self, payload: Any, known: Mapping[str, Device]) -> Pushed:
        """A callback's body into its device's update (and its events).

        An unknown well-formed GUID makes the listing due (``relist``); an
        older report than the one held changes nothing.
        """
        now = self._now()
        guid, report = parse_push(payload, now)
        held = known.get(guid)
        entry = self._entries.get(guid)
        if held is None or entry is None:
            if GUID_PATTERN.fullmatch(guid) is None:
                raise PushRejectedError(UNKNOWN_DEVICE)
            self._relist = True
            return Pushed(relist=True)
        if (
            held.last_report is not None
            and report.at is not None
            and report.at < held.last_report
        ):
            return Pushed()  # older than what Home Assistant shows
        # A value that is no reading (9999 °C, "hot") is refused whole: it
        # must neither blank what the device shows nor pass for a report.
        # The device is built once, from the report, before it is kept.
        candidate = copy.copy(entry)
        candidate.report = report
        checked = ParseReport()
        device = build_device(candidate, held, checked, now)
        if checked.rejected:
            raise PushRejectedError(IMPLAUSIBLE)
        if not entry.take(report):  # it holds a newer report still
            device = self._build(entry, known)
        pushed = Pushed(updates=[DeviceUpdate(device, report.at)])
        if is_newer(report, held):
            pushed.events = events_of(entry, device)
        block = known.get(entry.node) if entry.node else None
        if entry.node is not None and block is not None and is_newer(report, block):
            pushed.updates.append(
                DeviceUpdate(self._block(entry.node, known), report.at)
            )
        return pushed

    def push_missed(self, held: Device, polled: Device) -> bool:
        """Whether a poll found a newer report our callback should have brought.

        Only devices our callback covers count, and only a report that
        changed what they show (a new reading, detection, code or state).
        """
        if held.id not in self._ours or held.kind is not polled.kind:
            return False
        if polled.last_report is None or (
            held.last_report is not None and polled.last_report <= held.last_report
        ):
            return False
        return (
            held.readings != polled.readings
            or held.values != polled.values
            or held.detections != polled.detections
            or held.power != polled.power
            or held.light != polled.light
        )

    # -- snapshot and history ---------------------------------------------------------------

    async def async_get_snapshot(self, device: Device) -> bytes:
        """A JPEG the webcam takes now (from the stream host)."""
        return await self.client.async_snapshot(device.id)

    async def async_get_history(
        self, device: Device, query: HistoryQuery
    ) -> list[HistoryPoint]:
        """The device's readings as the cloud keeps them (a sub-device: its actuations).

        Only what the query gives is sent; a sub-device's history has no
        folding function (it counts).
        """
        split = split_subdevice_id(device.id)
        params: dict[str, str] = {}
        if query.start is not None:
            params["from"] = str(int(query.start.timestamp() * 1000))
        if query.end is not None:
            params["to"] = str(int(query.end.timestamp() * 1000))
        if query.interval is not None or query.unit is not None:
            if query.unit is None:
                raise InvalidParameterError("an interval needs its unit")
            params["interval"] = f"{query.interval or 1}{query.unit.value}"
        if query.fold is not None:
            if split is not None:
                # (the doc's sub-device data counts uses: there is nothing to fold)
                raise InvalidParameterError(
                    "a stored code's history counts its uses; it takes no fn"
                )
            params["fn"] = query.fold.value
        if split is not None:
            return await self.client.async_history(split[0], params, sub=split[1])
        return await self.client.async_history(device.id, params)
