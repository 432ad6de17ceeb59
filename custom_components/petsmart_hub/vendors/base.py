"""What every vendor account offers the coordinator, and the errors it raises."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..model import Command, CommandResult, Device, DeviceKind, Location, StreamInfo
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


class VendorAccount(ABC):
    """One account on a vendor cloud, spoken to in terms of the neutral model."""

    #: Vendor key, as in const.IMPLEMENTED_VENDORS.
    vendor: str
    #: What parsing this account's answers had to leave out (diagnostics).
    report: ParseReport
    #: Every request of the account passes this gate (Retry-After, the cap).
    gate: RequestGate

    @abstractmethod
    async def async_get_devices(self) -> Inventory:
        """Return the account's devices.

        Called first on every coordinator refresh. Most vendors only list the
        devices here; a vendor whose devices share one budgeted key (Netro)
        also makes that refresh's calls here.
        """

    async def async_identify(self) -> Inventory:
        """Check the credentials as cheaply as the vendor allows; return the devices."""
        return await self.async_get_devices()

    async def async_probe_device(self, device_id: str) -> bool | None:
        """Whether the cloud still answers for a device it did not list.

        True: it answers; False: it says the device is unknown; None: this
        vendor cannot tell cheaply (or the call failed).
        """
        return None

    def next_poll(self, now: datetime) -> datetime | None:
        """When the vendor wants the next refresh (None: the regular interval)."""
        return None

    def polling_paused_until(self, now: datetime) -> datetime | None:
        """Until when polling is paused to save a call budget (None: it is not)."""
        return None

    @abstractmethod
    async def async_refresh_device(self, device: Device, *, slow: bool) -> None:
        """Update ``device`` in place from the cloud; ``slow`` adds slow-tier data."""

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

    @abstractmethod
    async def async_get_stream(self, device: Device) -> StreamInfo:
        """Return a fresh live stream of a camera."""

    @abstractmethod
    async def async_get_image(self, url: str) -> bytes:
        """Download an image (snapshot, photo) the cloud pointed us to."""

    @abstractmethod
    async def async_get_location_history(
        self, device: Device, start: datetime, end: datetime, limit: int
    ) -> list[Location]:
        """Return a tracker's past positions between ``start`` and ``end``."""

    @abstractmethod
    async def async_add_device(
        self, serial: str, kind: DeviceKind, model: str | None
    ) -> str:
        """Register a new device with the account and return its id."""
