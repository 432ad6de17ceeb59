"""What every vendor account offers the coordinator, and the errors it raises."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..model import (
    Command,
    CommandResult,
    Device,
    DeviceEvent,
    DeviceKind,
    HistoryPoint,
    HistoryQuery,
    Location,
    StreamInfo,
)
from .parse import ParseReport

if TYPE_CHECKING:
    from .http import RequestGate


class VendorError(Exception):
    """Base class of every error a vendor client raises."""


class AuthError(VendorError):
    """The cloud rejected the credentials."""


class RateLimitError(VendorError):
    """The cloud asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Remember how long the cloud asked us to wait (seconds), when it said."""
        super().__init__(message)
        self.retry_after = retry_after


class SelfLimitedError(RateLimitError):
    """Held back by the account's own cap on requests: nothing was sent.

    Not the cloud's word: our own limit keeps the account well inside the
    cloud's (``retry_after``: when a request may go again).
    """


class BudgetExhaustedError(RateLimitError):
    """The key's call budget is spent until ``reset`` (no call may be made)."""

    def __init__(self, message: str, reset: datetime | None) -> None:
        """Remember when the budget comes back."""
        super().__init__(message)
        self.reset = reset


class CannotConnectError(VendorError):
    """The cloud could not be reached, timed out or failed on its side (5xx)."""


class BadResponseError(VendorError):
    """The cloud answered something we cannot understand."""


class NotAnApiError(VendorError):
    """The URL answers, but not as the vendor's API (a 404 where it lists, a web page).

    The user's URL is wrong (the config flow says ``invalid_url``).
    """


class RequestRejectedError(VendorError):
    """The cloud understood the request but refused it (4xx other than auth)."""


class DeviceNotFoundError(RequestRejectedError):
    """The cloud does not know the device (any more)."""


class InvalidParameterError(RequestRejectedError):
    """The cloud refused a parameter of the request (bad user input)."""


class Inventory(list[Device]):
    """The account's devices, and how far the listing behind them can be trusted.

    A device leaves Home Assistant only when fresh, complete listings leave it
    out (the coordinator decides); this tells it whether this one counts.
    """

    def __init__(
        self,
        devices: Iterable[Device] = (),
        *,
        fresh: bool = True,
        unreadable: int = 0,
        skipped_ids: Iterable[str] = (),
    ) -> None:
        """Wrap the devices of one listing."""
        super().__init__(devices)
        #: The listing is a new answer of the cloud (not one held from before).
        self.fresh = fresh
        #: Entries of the listing that could not be read at all (no id).
        self.unreadable = unreadable
        #: Ids of listed entries that were skipped (unsupported or unreadable).
        self.skipped_ids = frozenset(skipped_ids)

    @property
    def complete(self) -> bool:
        """Whether every entry of a fresh listing was read."""
        return self.fresh and not self.unreadable


@dataclass(frozen=True, slots=True)
class NextRefresh:
    """When an account wants its next refresh, in neutral terms."""

    #: The moment the account's own plan wants the next refresh (None: the
    #: regular interval). A call budget, a planned start, push health...
    at: datetime | None = None
    #: Polling is held back until then (a spent call budget): users are told,
    #: and entities of a budget-limited device say how old their data is.
    paused_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class RefreshRequest:
    """What the coordinator asks of a refresh."""

    #: The devices Home Assistant holds, as of the last refresh. Read only: an
    #: account builds new Device objects and never changes these.
    known: Mapping[str, Device] = field(default_factory=dict)
    #: Refresh only this device, in full, without listing (after a command).
    device_id: str | None = None
    #: Push brings the account's changes: this refresh is the safety net.
    push_healthy: bool = False
    #: Read the device list now, not when the account's own plan would (a
    #: push named a device we do not know, a command added one).
    relist: bool = False
    #: Read every device now, due or not (the user asked for a refresh).
    read_all: bool = False
    #: Seconds the refresh may take to read devices: a device not started by
    #: then is left for the next refresh (``Refresh.pending``). Setting up a
    #: large account fills it in batches; None: read every device that is due.
    deadline: float | None = None


@dataclass(slots=True)
class Refresh:
    """What one refresh brought: new device objects, and what failed."""

    #: Every device read successfully, as a new object.
    devices: dict[str, Device] = field(default_factory=dict)
    #: Devices whose read failed (Home Assistant keeps what it holds).
    failed: dict[str, VendorError] = field(default_factory=dict)
    #: The listing of the account's devices behind it (None: none was read).
    listing: Inventory | None = None
    #: What devices told of since the last refresh (a cloud that is polled
    #: for its events): fired like pushed events, oldest first.
    events: list[DeviceEvent] = field(default_factory=list)
    #: Listed devices the refresh's deadline left unread (read next time).
    pending: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class DeviceUpdate:
    """A device's new state that arrived between refreshes (pushed, or read back)."""

    #: The device as it now is: a new object, never one Home Assistant holds.
    device: Device
    #: When the cloud observed it; an update older than one applied is dropped.
    at: datetime | None = None


type UpdateListener = Callable[[DeviceUpdate], None]


def carry_state(listed: Device, known: Device | None) -> Device:
    """A new device: what a listing says of it, on a copy of the state we hold.

    A device whose kind changed starts over from the listing.
    """
    if known is None or known.kind is not listed.kind:
        return listed
    device = copy.deepcopy(known)
    device.name, device.name_reported = listed.name, listed.name_reported
    device.model = listed.model
    device.serial = listed.serial
    device.firmware = listed.firmware
    device.hardware = listed.hardware
    return device


async def still_known(call: Awaitable[object]) -> bool | None:
    """Whether the cloud still knows a device, from a call about it (a probe).

    True: it answered; False: it says the device is unknown; None: the call
    failed otherwise (nothing can be told).
    """
    try:
        await call
    except DeviceNotFoundError:
        return False
    except VendorError:
        return None
    return True


class VendorAccount(ABC):
    """One account on a vendor cloud, spoken to in terms of the neutral model.

    The lifecycle: ``async_start`` once the first refresh worked (a vendor
    that pushes subscribes or opens its socket there), ``async_refresh``
    whenever the coordinator polls, ``async_stop`` when the entry unloads.
    Devices are always handed over as new objects, by a refresh or by an
    update between refreshes: nothing the coordinator holds is ever changed.
    What a camera, a tracker or device enrolment needs beyond this comes from
    the capability classes below, which only an account that can honour them
    implements.
    """

    #: Vendor key, as in the vendor registry.
    vendor: str
    #: What parsing this account's answers had to leave out (diagnostics).
    report: ParseReport
    #: Every request of the account passes this gate (Retry-After, the cap).
    gate: RequestGate
    #: The cloud's own id of the account, once identified (None: it has none
    #: it tells; the entry is then named by a hash of its credentials).
    account_id: str | None = None
    #: ``account_id`` is made from the devices (a hash of a vendor's hub
    #: ids) and changes when a hub is added: new credentials reach the same
    #: account when they list a device the entry has, whatever the id.
    account_id_from_devices: bool = False
    _listener: UpdateListener | None = None

    async def async_start(self, listener: UpdateListener) -> None:
        """Start receiving updates between refreshes; they go to ``listener``.

        A vendor that only polls keeps the listener for the updates its own
        commands bring.
        """
        self._listener = listener

    async def async_stop(self) -> None:
        """Stop: no update reaches the listener any more."""
        self._listener = None

    def publish(self, update: DeviceUpdate) -> None:
        """Hand an update to the listener (dropped before start and after stop)."""
        if self._listener is not None:
            self._listener(update)

    @abstractmethod
    async def async_identify(self) -> Inventory:
        """Check the credentials as cheaply as the vendor allows; return the devices."""

    @abstractmethod
    async def async_refresh(self, request: RefreshRequest) -> Refresh:
        """Read the account's devices as the vendor's plan has it.

        A device the listing leaves out but ``request.known`` holds is read
        too: whether it still answers tells a wrong listing from a removal.
        """

    def identifying_ids(self, devices: Iterable[Device]) -> set[str]:
        """The ids among ``devices`` that tell one account from another.

        Every id by default; an account whose listing holds devices every
        account of its cloud lists (a cloud's own service) leaves those out.
        """
        return {device.id for device in devices}

    async def async_probe_device(self, device_id: str) -> bool | None:
        """Whether the cloud still answers for a device it did not list.

        True: it answers; False: it says the device is unknown; None: this
        vendor cannot tell cheaply (or the call failed).
        """
        return None

    def next_refresh(self, now: datetime) -> NextRefresh:
        """When the account wants its next refresh (default: the regular interval)."""
        return NextRefresh()

    @abstractmethod
    async def async_execute(self, device: Device, command: Command) -> CommandResult:
        """Send ``command`` to ``device``; return what the cloud answered, mapped."""

    async def async_execute_many(
        self, devices: Sequence[Device], command: Command
    ) -> list[CommandResult]:
        """Send one command to several devices of the account: one result per call.

        One device after another here; a vendor whose API does it in fewer
        calls (several zones in one) overrides this.
        """
        return [await self.async_execute(device, command) for device in devices]


class PushRejectedError(VendorError):
    """A pushed message we cannot trust or use (it changes nothing)."""

    def __init__(self, reason: str) -> None:
        """``reason`` names the refusal for the counters (e.g. ``unknown_device``)."""
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Pushed:
    """What one pushed message brought."""

    updates: list[DeviceUpdate] = field(default_factory=list)
    events: list[DeviceEvent] = field(default_factory=list)
    #: Devices the message said changed without saying how: read them again.
    refresh: set[str] = field(default_factory=set)
    #: The account's devices changed (one was paired): list them again.
    relist: bool = False
    #: Devices the cloud says left the account (unpaired). They go only once
    #: the cloud confirms it does not know them any more (a probe).
    removed: set[str] = field(default_factory=set)


class PushAccount(ABC):
    """An account whose cloud pushes its changes (by webhook or socket)."""

    @abstractmethod
    def push_missed(self, held: Device, polled: Device) -> bool:
        """Whether a poll found a change of ``held`` that push should have brought."""


class WebhookAccount(PushAccount):
    """An account whose cloud calls a webhook URL we register with it."""

    #: The HTTP status a delivery we ignore (unknown event, unknown device,
    #: malformed) is answered with. A cloud that bans a webhook after a few
    #: failed deliveries (Netatmo) must be answered 200 all the same.
    ignored_status: int = 400

    @abstractmethod
    async def async_register_webhook(self, url: str) -> None:
        """Ask the cloud to call ``url`` with the account's events (VendorError if not)."""

    async def async_unregister_webhook(self) -> None:
        """Ask the cloud to stop calling our webhook (where its API can).

        Called when the entry unloads; a failure is only logged. Default:
        the cloud has no such call (HA's handler goes away all the same).
        """

    def push_taken(self) -> Mapping[str, str]:
        """Devices whose pushes another app holds: id -> name (default: none).

        A cloud that keeps one callback per device may hold another app's
        for some; ours does not replace it unless the user allows it. Those
        devices are polled as without push, and a repair issue names them.
        """
        return {}

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Refuse a delivery that did not come from the cloud (PushRejectedError).

        Called with the raw body and the request's headers before anything
        is parsed. Default: the cloud signs nothing (the webhook id, a
        secret in the URL, is all there is).
        """

    @abstractmethod
    def parse_webhook(self, payload: Any, known: Mapping[str, Device]) -> Pushed:
        """Turn a pushed message into updates of ``known`` devices (new objects).

        Raises PushRejectedError for anything it cannot use: an unknown event
        type, a device that is not in ``known``, a malformed body. It never
        creates a device.
        """


class PushSocket(ABC):
    """One open socket of an account's cloud (the push module reads it)."""

    #: When the socket must be opened again (the token it was opened with
    #: ends then); None: it may stay open.
    renew_at: datetime | None = None

    @abstractmethod
    async def receive(self) -> Any:
        """The next message, decoded (None: the socket closed).

        The socket's own protocol (pings, handshakes) is handled inside.
        Raises PushRejectedError for a frame it cannot decode (the socket
        stays open) and CannotConnectError when the socket failed.
        """

    @abstractmethod
    async def close(self) -> None:
        """Close the socket (nothing more is received)."""


class SocketAccount(PushAccount):
    """An account whose cloud pushes over a socket we open to it."""

    @abstractmethod
    async def async_open_socket(self) -> PushSocket:
        """Open the socket with valid credentials (AuthError, CannotConnectError...)."""

    @abstractmethod
    def parse_socket_message(self, message: Any, known: Mapping[str, Device]) -> Pushed:
        """Turn one message into updates of ``known`` devices (new objects).

        Raises PushRejectedError for a message it cannot use; a message it
        merely has no use for (a log line) gives an empty ``Pushed``.
        """


class CameraAccount(ABC):
    """An account whose cameras stream and whose cloud serves images."""

    @abstractmethod
    async def async_get_stream(self, device: Device) -> StreamInfo:
        """Return a fresh live stream of a camera."""

    @abstractmethod
    async def async_get_image(self, url: str) -> bytes:
        """Download an image (snapshot, photo) the cloud pointed us to."""


class SnapshotAccount(ABC):
    """An account whose cameras serve a still image of now (no live stream)."""

    @abstractmethod
    async def async_get_snapshot(self, device: Device) -> bytes:
        """A still image (JPEG) the camera takes now."""


class HistoryAccount(ABC):
    """An account whose cloud keeps its devices' readings (``Feature.HISTORY``)."""

    @abstractmethod
    async def async_get_history(
        self, device: Device, query: HistoryQuery
    ) -> list[HistoryPoint]:
        """The device's past readings, oldest first, as the query folds them."""


class LocationHistoryAccount(ABC):
    """An account whose trackers keep a history of positions."""

    @abstractmethod
    async def async_get_location_history(
        self, device: Device, start: datetime, end: datetime, limit: int
    ) -> list[Location]:
        """Return a tracker's past positions between ``start`` and ``end``."""


class EnrollingAccount(ABC):
    """An account that new devices can be added to by serial number."""

    @abstractmethod
    async def async_add_device(
        self, serial: str, kind: DeviceKind, model: str | None
    ) -> str:
        """Register a new device with the account and return its id."""
