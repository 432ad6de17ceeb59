"""Instathings' account: a project's (or a gateway's) devices on the neutral model.

Devices (ids are Instathings' own):

- a gateway -> ``DeviceKind.GATEWAY``: connected or not (its ``status``),
  its gate's version as firmware, and whatever it measures;
- any other device -> ``DeviceKind.GENERIC``, reached through its gateway
  (``parentDevice``), offline while that gateway is disconnected: its
  readings, its free-form values, and its switch (``power``) or light.

A refresh lists the devices, reads the device types now and then (hourly,
and when a device names a type we do not know), and reads every device's
newest data concurrently. A device that switches or lights is also asked
for its status (``POST /control/:id/status``, then its answer is polled with
a short back-off that holds no request slot). While the socket works it
brings the status events: the safety-net refresh asks for no status. No
Home Assistant imports here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Mapping
import copy
from datetime import datetime, timedelta
import logging
from typing import Any, Final

from ...model import (
    Action,
    Command,
    CommandResult,
    Device,
    DeviceKind,
    SendCommand,
    SetLight,
    SetPower,
)
from ..base import (
    AuthError,
    Inventory,
    Pushed,
    PushSocket,
    Refresh,
    RefreshRequest,
    RequestRejectedError,
    SocketAccount,
    VendorAccount,
    VendorError,
    still_known,
)
from .client import (
    CONCURRENT_REQUESTS,
    METHOD_HEADER,
    PATH_HEADER,
    InstathingsClient,
    host_port,
    project_name,
)
from .messages import parse_message
from .payloads import (
    BASE_ACTIONS,
    MANUFACTURER,
    STATE_KEYS,
    Entry,
    Listing,
    Mapped,
    Merged,
    TypeInfo,
    apply_connectivity,
    is_http_type,
    map_data,
    map_state,
    parse_entry,
    set_state,
)
from .socket import CloudSocket, SocketIoSocket, socketio_url

_LOGGER = logging.getLogger(__name__)

#: Everything an Instathings device may offer (the descriptor's capabilities).
CAPABILITIES: Final = frozenset(
    {Action.SET_POWER, Action.SET_LIGHT, Action.SEND_COMMAND}
)
#: Seconds to wait before each poll of a status request's answer: about
#: three seconds in all, then the device's state stays as we held it.
STATUS_BACKOFF: Final[tuple[float, ...]] = (0.2, 0.4, 0.8, 1.6)
#: How often the device types (and the protocols they need) are read again.
TYPES_INTERVAL: Final = timedelta(hours=1)
#: ... and after a failed read.
TYPES_RETRY: Final = timedelta(minutes=5)
#: What an HTTP device (a Shelly) is asked its status with.
STATUS_HEADERS: Final = {PATH_HEADER: "/status", METHOD_HEADER: "GET"}
#: What an HTTP device is switched with (``?turn=on|off``).
RELAY_HEADERS: Final = {PATH_HEADER: "/relay/0", METHOD_HEADER: "GET"}
#: A light's brightness, as the device counts it.
MAX_BRIGHTNESS: Final = 254


def light_body(command: SetLight) -> dict[str, Any]:
    """The body that sets a light: only what the command gives.

    Brightness is percent here and 0-254 on the device; a colour
    temperature is kelvin here and mireds there.
    """
    body: dict[str, Any] = {"state": "ON" if command.on else "OFF"}
    if not command.on:
        return body
    if command.brightness is not None:
        level = round(command.brightness / 100 * MAX_BRIGHTNESS)
        if command.brightness > 0:
            level = max(level, 1)
        body["brightness"] = min(max(level, 0), MAX_BRIGHTNESS)
    if command.xy is not None:
        body["color"] = {"x": command.xy[0], "y": command.xy[1]}
    elif command.rgb is not None:
        red, green, blue = command.rgb
        body["color"] = {"r": red, "g": green, "b": blue}
    if command.color_temp_kelvin is not None and command.color_temp_kelvin > 0:
        body["color_temp"] = round(1_000_000 / command.color_temp_kelvin)
    return body


def _switches(device: Device | None) -> bool:
    return device is not None and (device.power is not None or device.light is not None)


def _measured(device: Device) -> datetime | None:
    """When the data a device shows was sent."""
    if device.generic is not None:
        return device.generic.measured_at
    return device.last_report


async def _all(calls: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run ``calls`` concurrently; the first that fails (an AuthError) ends the rest."""
    try:
        async with asyncio.TaskGroup() as group:
            for call in calls:
                group.create_task(call)
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None


class InstathingsAccount(VendorAccount, SocketAccount):
    """An Instathings project (or gateway) seen through the neutral model."""

    vendor = "instathings"

    def __init__(
        self,
        client: InstathingsClient,
        *,
        concurrency: int = CONCURRENT_REQUESTS,
    ) -> None:
        """Wrap a client (its clock is the account's)."""
        self.client = client
        self.gate = client.gate
        self.report = client.report
        self._limit = asyncio.Semaphore(concurrency)
        self._types: dict[str, TypeInfo] = {}
        self._types_due: datetime | None = None
        #: Type ids the last read of the types did not hold.
        self._type_misses: set[str] = set()
        #: Protocol id -> its slug (None: its read failed).
        self._slugs: dict[str, str | None] = {}
        #: Device id -> its type says it is an HTTP device.
        self._http_type: dict[str, bool] = {}
        #: Device id -> it is an HTTP device (its type, or its data).
        self._http: dict[str, bool] = {}
        #: Device id -> when the switch or light state we handed over was true.
        self._state_at: dict[str, datetime] = {}
        self._project_id: str | None = None
        self.account_id = project_name(client.base_url) or host_port(client.base_url)

    @property
    def project(self) -> str | None:
        """The project the socket asks for (its id, else its name)."""
        return self._project_id or project_name(self.client.base_url)

    # -- listing ------------------------------------------------------------------------

    async def async_identify(self) -> Inventory:
        """A token and the device list: the credentials and the URL are good."""
        listing = await self.client.async_devices()
        self._note_project(listing)
        return self._inventory(listing, {})

    def _note_project(self, listing: Listing) -> None:
        if listing.project_id:
            self._project_id = listing.project_id
            self.account_id = listing.project_id

    def _inventory(self, listing: Listing, known: Mapping[str, Device]) -> Inventory:
        """The listed devices (metadata and connectivity, no data)."""
        connectivity = {
            entry.id: entry.connectivity for entry in listing.entries if entry.gateway
        }
        devices: list[Device] = []
        for entry in listing.entries:
            device = self._listed_device(entry, known.get(entry.id))
            if entry.connectivity is None and entry.parent is not None:
                parent = connectivity.get(entry.parent)
                if parent is not None:
                    device.online = parent.connected
            devices.append(device)
        return Inventory(
            devices, unreadable=listing.unreadable, skipped_ids=listing.mentioned
        )

    def _listed_device(self, entry: Entry, held: Device | None) -> Device:
        """A device of the listing, as its entry and its type say."""
        info = self._types.get(entry.type_id) if entry.type_id else None
        gateway = (
            entry.gateway
            if entry.gateway is not None
            else held is not None and held.kind is DeviceKind.GATEWAY
        )
        self._http_type[entry.id] = info is not None and is_http_type(info, self._slugs)
        model = info.model if info is not None else None
        device = Device(
            id=entry.id,
            kind=DeviceKind.GATEWAY if gateway else DeviceKind.GENERIC,
            name=entry.name or model or entry.id,
            name_reported=entry.name is not None,
            manufacturer=(info.manufacturer if info is not None else None)
            or MANUFACTURER,
            model=model,
            firmware=entry.firmware,
            actions=BASE_ACTIONS,
            via_device=entry.parent,
        )
        if entry.connectivity is not None:
            apply_connectivity(device, entry.connectivity, held)
        return device

    async def _async_read_types(self, listing: Listing) -> None:
        """Read the types when due or when one is unknown; then the protocols they need.

        A failed read never fails the refresh (a gateway's server may serve
        no types): the devices are shown without their type until it works.
        """
        now = self.client.now()
        wanted = {entry.type_id for entry in listing.entries if entry.type_id}
        unknown = wanted - set(self._types) - self._type_misses
        due = self._types_due is None or now >= self._types_due
        if due or unknown:
            try:
                self._types = await self.client.async_types()
            except AuthError:
                raise
            except VendorError as err:
                _LOGGER.debug("Reading the device types failed: %s", err)
                self._types_due = now + TYPES_RETRY
                self._type_misses |= unknown
                return
            self._types_due = now + TYPES_INTERVAL
            self._type_misses = wanted - set(self._types)
            if due:  # protocols whose read failed are tried again
                self._slugs = {k: v for k, v in self._slugs.items() if v is not None}
        needed = {
            protocol
            for type_id in wanted
            if (info := self._types.get(type_id)) is not None
            and not is_http_type(info, {})
            for protocol in info.protocols
            if protocol not in self._slugs
        }
        await _all(self._async_read_protocol(p) for p in sorted(needed))

    async def _async_read_protocol(self, protocol: str) -> None:
        try:
            async with self._limit:
                self._slugs[protocol] = await self.client.async_protocol(protocol)
        except AuthError:
            raise
        except VendorError as err:
            _LOGGER.debug("Reading protocol %s failed: %s", protocol, err)
            self._slugs[protocol] = None

    # -- refreshing ----------------------------------------------------------------------

    async def async_refresh(self, request: RefreshRequest) -> Refresh:
        """List, read the types when due, then read every device concurrently.

        With ``request.device_id`` only that device is read (its data and
        its status), without listing. With ``request.push_healthy`` no
        status is asked: the socket brings the devices' status events.
        """
        if request.device_id is not None:
            return await self._async_refresh_one(request.device_id, request.known)
        listing = await self.client.async_devices()
        self._note_project(listing)
        await self._async_read_types(listing)
        inventory = self._inventory(listing, request.known)
        targets = {device.id: copy.deepcopy(device) for device in inventory}
        # a known device the listing left out: does it still answer?
        for device_id, known in request.known.items():
            targets.setdefault(device_id, copy.deepcopy(known))
        refresh = Refresh(listing=inventory)
        await _all(
            self._async_read(
                device,
                request.known.get(device_id),
                refresh,
                ask_status=not request.push_healthy,
            )
            for device_id, device in targets.items()
        )
        return refresh

    async def _async_refresh_one(
        self, device_id: str, known: Mapping[str, Device]
    ) -> Refresh:
        """One device, in full (after a command)."""
        held = known.get(device_id)
        refresh = Refresh()
        if held is None:
            try:
                entry = parse_entry(await self.client.async_device(device_id))
            except AuthError:
                raise
            except VendorError as err:
                refresh.failed[device_id] = err
                return refresh
            assert entry is not None  # async_device checked it
            base = self._listed_device(entry, None)
        else:
            base = copy.deepcopy(held)
        await self._async_read(base, held, refresh, ask_status=True)
        return refresh

    async def _async_read(
        self,
        device: Device,
        held: Device | None,
        refresh: Refresh,
        *,
        ask_status: bool,
    ) -> None:
        """Read one device into ``refresh``; a failure only fails that device."""
        try:
            async with self._limit:
                merged = await self.client.async_data(device.id)
            mapped = map_data(merged.data, self.report)
            http = self._http_type.get(device.id, False) or mapped.http
            self._http[device.id] = http
            status: dict[str, Any] | None = None
            if ask_status and (mapped.has_state or _switches(held)):
                status = await self._async_status(device, http)
        except AuthError:
            raise
        except VendorError as err:
            _LOGGER.debug("Refreshing %s failed: %s", device.name, err)
            refresh.failed[device.id] = err
            return
        self._apply(device, held, merged, mapped, status)
        refresh.devices[device.id] = device

    async def _async_status(self, device: Device, http: bool) -> dict[str, Any] | None:
        """Ask a device for its status and wait for it (None: it did not answer).

        The wait between polls holds no request slot: other devices are
        read meanwhile. A request that fails (but for the credentials) or
        is never answered leaves the state as we hold it.
        """
        try:
            async with self._limit:
                ticket = await self.client.async_request_status(
                    device.id, STATUS_HEADERS if http else None
                )
            if ticket.response is not None:
                return ticket.response
            assert ticket.url is not None
            for delay in STATUS_BACKOFF:
                await asyncio.sleep(delay)
                async with self._limit:
                    answer = await self.client.async_fetch_status(ticket.url)
                if answer is not None:
                    return answer
        except AuthError:
            raise
        except VendorError as err:
            _LOGGER.debug("Asking %s for its status failed: %s", device.name, err)
            return None
        _LOGGER.debug("%s did not answer its status request", device.name)
        return None

    def _apply(
        self,
        device: Device,
        held: Device | None,
        merged: Merged,
        mapped: Mapped,
        status: Mapping[str, Any] | None,
    ) -> None:
        """The newest data (and status) onto ``device``: only what they say.

        The switch or light state: the status's when the device answered;
        else the data's, unless what we hold is newer (a status answered,
        or pushed, after the data's record); else what we hold.
        """
        now = self.client.now()
        device.readings = dict(mapped.readings)
        device.values = dict(mapped.values)
        device.battery = mapped.battery
        device.last_report = merged.at
        if device.generic is not None:
            device.generic.measured_at = merged.at
        device.updated_at = now
        held_light = held.light if held is not None else None
        power, light = None, None
        stated = False
        if status is not None:
            source = {k: merged.data[k] for k in STATE_KEYS if k in merged.data}
            source.update({k: status[k] for k in STATE_KEYS if k in status})
            power, light, used = map_state(source)
            if used:
                stated = True
                self._state_at[device.id] = now
        if not stated:
            data_at = merged.newest(STATE_KEYS)
            held_at = self._state_at.get(device.id)
            if mapped.has_state and (
                not _switches(held)
                or held_at is None
                or (data_at is not None and data_at >= held_at)
            ):
                power, light = mapped.power, mapped.light
                if data_at is not None:
                    self._state_at[device.id] = data_at
            elif held is not None:
                power, light = held.power, copy.deepcopy(held.light)
        set_state(device, power, light, held_light)
        self.report.drop_implausible(device)

    async def async_probe_device(self, device_id: str) -> bool | None:
        """``GET /device/v1/devices/:id``: does the cloud still know the device?"""
        return await still_known(self.client.async_device(device_id))

    # -- commands -------------------------------------------------------------------------

    async def async_execute(self, device: Device, command: Command) -> CommandResult:
        """``POST /device/v1/control/:id/set`` with the command's body."""
        http = self._http.get(device.id, self._http_type.get(device.id, False))
        headers: dict[str, str] | None = None
        params: dict[str, str] | None = None
        body: Any
        match command:
            case SetPower() if http:
                body = {}
                headers = dict(RELAY_HEADERS)
                params = {"turn": "on" if command.on else "off"}
            case SetPower():
                body = {"state": "ON" if command.on else "OFF"}
            case SetLight():
                body = light_body(command)
            case SendCommand():
                body = command.payload
                headers = {}
                if command.path:
                    headers[PATH_HEADER] = command.path
                if command.method:
                    headers[METHOD_HEADER] = command.method.upper()
                params = dict(command.query) or None
            case _:
                raise RequestRejectedError(
                    f"Instathings devices can not {command.action}"
                )
        await self.client.async_control(
            device.id, body, headers=headers or None, params=params
        )
        return CommandResult()

    # -- push ---------------------------------------------------------------------------------

    async def async_open_socket(self) -> PushSocket:
        """The cloud's socket, or a gateway's socket.io on premise."""
        await self.client.async_token()  # tells the cloud from a gateway
        if self.client.on_premise:
            gateway = SocketIoSocket(
                self.client.session, socketio_url(self.client.base_url)
            )
            await gateway.open()
            return gateway
        cloud = CloudSocket(self.client, self.project)
        await cloud.open()
        return cloud

    def parse_socket_message(self, message: Any, known: Mapping[str, Device]) -> Pushed:
        """One socket message into updates of known devices (see ``messages``)."""
        parsed = parse_message(message, known, self.report)
        now = self.client.now()
        for update in parsed.pushed.updates:
            if update.device.id in parsed.stated:
                self._state_at[update.device.id] = update.at or now
        return parsed.pushed

    def push_missed(self, held: Device, polled: Device) -> bool:
        """Whether a poll found what the socket should have brought.

        A gateway's connection, a switch or a light differing is missed. So
        are readings, values or the battery differing, but only when the
        poll read newer data than the socket brought: what a status event
        added (or newer pushed data) is no miss. When the device last
        checked in (``last_report``, ``updated_at``) is never compared.
        """
        if held.kind is not polled.kind:
            return False
        if held.online != polled.online:
            return True
        if (held.gateway is not None and polled.gateway is not None) and (
            held.gateway.connected != polled.gateway.connected
        ):
            return True
        if held.power != polled.power or held.light != polled.light:
            return True
        pushed_at, polled_at = _measured(held), _measured(polled)
        newer = polled_at is not None and (pushed_at is None or polled_at > pushed_at)
        return newer and (
            held.readings != polled.readings
            or held.values != polled.values
            or held.battery != polled.battery
        )
