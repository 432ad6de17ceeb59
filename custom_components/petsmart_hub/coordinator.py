"""The account coordinator: one per config entry, whatever the vendor."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
import logging
import math
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .compat import async_get_entry_device, async_remove_entry_device, via_device_info
from .const import (
    DOMAIN,
    LOGGER,
    MAX_CONCURRENT_REQUESTS,
    SCAN_INTERVAL,
    SLOW_SCAN_INTERVAL,
    STREAM_REFRESH_MARGIN,
)
from .model import (
    Action,
    Command,
    CommandResult,
    Device,
    DeviceKind,
    HubData,
    Location,
    StreamInfo,
)
from .vendors.base import (
    AuthError,
    BadResponseError,
    BudgetExhaustedError,
    InvalidParameterError,
    Inventory,
    RateLimitError,
    RequestRejectedError,
    VendorAccount,
    VendorError,
)

type PetSmartHubConfigEntry = ConfigEntry[PetSmartHubCoordinator]

#: The shortest gap between two refreshes a vendor may ask for.
MIN_POLL_GAP = timedelta(seconds=5)
#: Fresh, complete device listings in a row that must leave a device out
#: before it is removed from Home Assistant.
REMOVAL_CONFIRMATIONS = 2
#: The longest gap between polls while the cloud throttles without Retry-After.
MAX_BACKOFF = timedelta(minutes=15)


class _OutageAsWarning(logging.Filter):
    """Home Assistant logs a failed refresh at ERROR, once per outage.

    A cloud outage is not an error of Home Assistant's: we log it as one
    WARNING when the account becomes unreachable (and HA's INFO when it is
    back), so an outage never fills the log with ERROR lines.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and str(record.msg).startswith(
            ("Error fetching ", "Timeout fetching ", "Error requesting ")
        ):
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True


#: The logger Home Assistant's coordinator machinery writes to for us.
COORDINATOR_LOGGER = LOGGER.getChild("coordinator")
COORDINATOR_LOGGER.addFilter(_OutageAsWarning())


def _wait(err: RateLimitError) -> float:
    """How long a throttling error asks us to wait (unknown: shortest)."""
    return -1.0 if err.retry_after is None else err.retry_after


def device_identifier(entry_id: str, device_id: str) -> str:
    """Identifier of a device in the device registry.

    Scoped to the entry, so two accounts sharing a device never collide;
    vendor device ids hold no secret (a Netro one is not its serial).
    """
    return f"{entry_id}_{device_id}"


def entry_device_ids(hass: HomeAssistant, entry_id: str) -> set[str]:
    """Vendor ids of the devices an entry has in the device registry."""
    prefix = device_identifier(entry_id, "")
    return {
        identifier.removeprefix(prefix)
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier.startswith(prefix)
    }


def _registry_fields(device: Device) -> tuple[str | None, ...]:
    """What of a device the device registry shows."""
    return (device.name, device.model, device.serial, device.firmware, device.hardware)


def error_translation_key(err: VendorError) -> str:
    """Name the translated message that explains a vendor error."""
    if isinstance(err, AuthError):
        return "auth_failed"
    if isinstance(err, RateLimitError):
        return "rate_limited"
    if isinstance(err, BadResponseError):
        return "bad_response"
    if isinstance(err, RequestRejectedError):
        return "request_rejected"
    return "cannot_connect"


class PetSmartHubCoordinator(DataUpdateCoordinator[HubData]):
    """Polls one vendor account: a fast tier every tick, a slow tier less often."""

    config_entry: PetSmartHubConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PetSmartHubConfigEntry,
        account: VendorAccount,
    ) -> None:
        """Set the polling intervals from the entry's options."""
        super().__init__(
            hass,
            COORDINATOR_LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=SCAN_INTERVAL),
        )
        self.account = account
        self._regular_interval = self.update_interval
        self._budget_issue = False
        # no repair issue outlives its entry (unloaded, reloaded or removed)
        entry.async_on_unload(
            partial(ir.async_delete_issue, hass, DOMAIN, self._budget_issue_id)
        )
        self.slow_interval = timedelta(minutes=SLOW_SCAN_INTERVAL)
        self.data = HubData()
        self._limit = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        #: monotonic time at which each device's slow tier is next due
        self._slow_due: dict[str, float] = {}
        #: Device id -> what the device registry was last given for it (a
        #: vendor may update the very Device objects we hold, so the fields
        #: before a refresh are remembered here, not read off the object).
        self._registry_shown: dict[str, tuple[str | None, ...]] = {}
        self._streams: dict[str, StreamInfo] = {}
        #: Device id -> fresh, complete listings in a row that left it out.
        self._missing_since: dict[str, int] = {}
        #: Polls in a row the cloud throttled without saying for how long.
        self._backoff = 0
        #: Devices the last listing named (a user may delete the others).
        self.listed: set[str] = set()

    def device_identifier(self, device_id: str) -> str:
        """Identifier of one of this entry's devices in the device registry."""
        return device_identifier(self.config_entry.entry_id, device_id)

    def device_info(self, device: Device) -> DeviceInfo:
        """Describe a device for the registry, linked to the device it is reached through.

        A link needs the parent in the registry: ``_register_devices`` puts
        every device a refresh brings there, parents first, before any
        platform builds entities.
        """
        info = DeviceInfo(
            identifiers={(DOMAIN, self.device_identifier(device.id))},
            manufacturer=device.manufacturer,
            model=device.model,
            name=device.name,
            serial_number=device.serial,
            sw_version=device.firmware,
            hw_version=device.hardware,
        )
        if device.via_device is not None:
            info.update(
                via_device_info(
                    dr.async_get(self.hass),
                    self.config_entry.entry_id,
                    (DOMAIN, self.device_identifier(device.via_device)),
                )
            )
        return info

    def _register_devices(self, devices: Iterable[Device]) -> None:
        """Put new devices in the device registry, parents before children."""
        registry = dr.async_get(self.hass)
        for device in sorted(devices, key=lambda device: device.via_device is not None):
            registry.async_get_or_create(
                config_entry_id=self.config_entry.entry_id, **self.device_info(device)
            )

    def reliability(self) -> dict[str, Any]:
        """What the cloud's misbehaviour cost, for diagnostics."""
        gate = self.account.gate
        return {
            **self.account.report.as_dict(),
            # a count, not ids: a Netro device id holds its serial, the API key
            "devices_missing_from_list": len(self._missing_since),
            "throttle_backoff_steps": self._backoff,
            "requests_paused_until": gate.paused_until.isoformat()
            if gate.paused_until
            else None,
            "requests_in_window": gate.in_window(),
            "request_cap": f"{gate.cap} per {gate.window}",
            "requests_held_back": gate.refused,
        }

    def device(self, device_id: str) -> Device:
        """Return a known device."""
        return self.data.devices[device_id]

    async def _async_update_data(self) -> HubData:
        """Refresh the inventory, then every device concurrently.

        Whatever happens, the next poll is planned here: the vendor's own
        plan, the cloud's Retry-After, or a back-off while it throttles.
        """
        try:
            return await self._async_poll()
        except (ConfigEntryAuthFailed, UpdateFailed) as err:
            cause = err.__cause__
            self._plan_next_poll(
                dt_util.utcnow(), cause if isinstance(cause, VendorError) else None
            )
            raise

    async def _async_poll(self) -> HubData:
        try:
            inventory = await self.account.async_get_devices()
        except AuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except VendorError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=error_translation_key(err),
                translation_placeholders={"error": str(err)},
            ) from err

        devices, renamed = self._merge(inventory)
        listed = set(devices)
        new_ids = listed - set(self.data.devices)
        # devices the listing left out stay until removal is confirmed; their
        # own answers tell whether the listing was wrong
        registered = entry_device_ids(self.hass, self.config_entry.entry_id)
        missing = (set(self.data.devices) | registered) - listed
        for device_id in missing & set(self.data.devices):
            devices[device_id] = self.data.devices[device_id]

        now = time.monotonic()
        results = await asyncio.gather(
            *(
                self._async_refresh_one(
                    device, slow=self._slow_due.get(device.id, 0) <= now
                )
                for device in devices.values()
            )
        )
        failed: set[str] = set()
        errors: dict[str, VendorError] = {}
        for device, error in zip(devices.values(), results, strict=True):
            if error is not None:
                failed.add(device.id)
                errors[device.id] = error
            self._log_availability(device, error)
        gone = await self._async_confirm_missing(inventory, missing, devices, errors)
        for device_id in gone:
            devices.pop(device_id, None)
            failed.discard(device_id)
        self.listed = listed
        self._register_devices(
            device for device_id, device in devices.items() if device_id in new_ids
        )
        self._update_registry(renamed)
        self._forget(set(devices), gone)
        utcnow = dt_util.utcnow()
        paused = self.account.polling_paused_until(utcnow)
        throttled = [e for e in errors.values() if isinstance(e, RateLimitError)]
        self._plan_next_poll(utcnow, max(throttled, key=_wait, default=None))
        self._report_budget(paused)
        return HubData(devices=devices, failed=failed, polling_paused_until=paused)

    def _merge(self, inventory: Inventory) -> tuple[dict[str, Device], list[Device]]:
        """Device objects updated from a listing, and those whose metadata changed.

        A value the listing lacks (no model, a stand-in name) never replaces
        one we know, from the last refresh or from the device registry.
        """
        devices: dict[str, Device] = {}
        renamed: list[Device] = []
        for fresh in inventory:
            known = self.data.devices.get(fresh.id)
            if known is None or known.kind is not fresh.kind:
                self._fill_from_registry(fresh)
                devices[fresh.id] = fresh
                self._registry_shown[fresh.id] = _registry_fields(fresh)
                continue
            if fresh.name_reported:
                known.name = fresh.name
                known.name_reported = True
            known.model = fresh.model or known.model
            known.serial = fresh.serial or known.serial
            known.firmware = fresh.firmware or known.firmware
            known.hardware = fresh.hardware or known.hardware
            shown = _registry_fields(known)
            if self._registry_shown.get(known.id) != shown:
                self._registry_shown[known.id] = shown
                renamed.append(known)
            devices[fresh.id] = known
        return devices, renamed

    def _fill_from_registry(self, device: Device) -> None:
        """Complete a newly seen device's metadata from its registry entry."""
        entry = async_get_entry_device(
            dr.async_get(self.hass),
            self.config_entry.entry_id,
            (DOMAIN, self.device_identifier(device.id)),
        )
        if entry is None:
            return
        if not device.name_reported and entry.name:
            device.name = entry.name
            device.name_reported = True
        device.model = device.model or entry.model
        device.serial = device.serial or entry.serial_number
        device.firmware = device.firmware or entry.sw_version
        device.hardware = device.hardware or entry.hw_version

    async def _async_confirm_missing(
        self,
        inventory: Inventory,
        missing: set[str],
        devices: dict[str, Device],
        errors: dict[str, VendorError],
    ) -> set[str]:
        """Count fresh, complete listings without each missing device; return the gone.

        A device goes after REMOVAL_CONFIRMATIONS such listings in a row. A
        listing does not count for a device that still answers, and when it
        is empty while any device it leaves out answers, it counts for none.
        """
        for device_id in set(self._missing_since) - missing:
            del self._missing_since[device_id]  # listed again
        if not missing or not inventory.fresh:
            return set()
        answered: set[str] = set()
        for device_id in missing:
            if device_id in devices:
                if device_id not in errors:
                    answered.add(device_id)
            elif await self.account.async_probe_device(device_id):
                answered.add(device_id)
        void = not inventory.complete or (not inventory and bool(answered))
        gone: set[str] = set()
        for device_id in missing:
            if void or device_id in answered or device_id in inventory.skipped_ids:
                self._missing_since.pop(device_id, None)
                continue
            count = self._missing_since.get(device_id, 0) + 1
            self._missing_since[device_id] = count
            if count >= REMOVAL_CONFIRMATIONS:
                gone.add(device_id)
                del self._missing_since[device_id]
            else:
                known = devices.get(device_id)
                LOGGER.debug(  # the name, not the id: a Netro id holds the key
                    "%s: %s is missing from the device list; kept until confirmed",
                    self.config_entry.title,
                    known.name if known else "a registered device",
                )
        return gone

    def _plan_next_poll(self, now: datetime, error: VendorError | None = None) -> None:
        """Choose when we refresh next.

        The vendor's plan (a call budget) first; a Retry-After is honoured to
        the second (the scheduler rounds down to whole seconds, so one more
        is added); throttling without one backs off exponentially from the
        regular interval up to MAX_BACKOFF, and any other outcome resets it.
        """
        wake = self.account.next_poll(now)
        interval = (
            self._regular_interval if wake is None else max(wake - now, MIN_POLL_GAP)
        )
        if isinstance(error, RateLimitError) and not isinstance(
            error, BudgetExhaustedError
        ):
            if error.retry_after is not None:
                interval = timedelta(seconds=math.ceil(error.retry_after) + 1)
            else:
                self._backoff += 1
                interval = min(self._regular_interval * 2**self._backoff, MAX_BACKOFF)
        else:
            self._backoff = 0
        self.update_interval = interval

    @property
    def _budget_issue_id(self) -> str:
        return f"budget_exhausted_{self.config_entry.entry_id}"

    def _report_budget(self, paused: datetime | None) -> None:
        """Raise a repair issue while the call budget keeps us from polling."""
        issue_id = self._budget_issue_id
        if paused is None:
            if self._budget_issue:
                LOGGER.info("%s: polling resumed", self.config_entry.title)
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
                self._budget_issue = False
            return
        if not self._budget_issue:
            LOGGER.warning(
                "%s: the daily call budget is nearly spent; polling pauses until %s",
                self.config_entry.title,
                paused.isoformat(),
            )
        self._budget_issue = True
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="budget_exhausted",
            translation_placeholders={
                "account": self.config_entry.title,
                "reset": dt_util.as_local(paused).strftime("%Y-%m-%d %H:%M"),
            },
        )

    def _log_availability(self, device: Device, error: VendorError | None) -> None:
        """Log once when a device stops refreshing and once when it is back."""
        was_failed = device.id in self.data.failed
        if error is not None and not was_failed:
            # by name only: a device id can hold a secret (a Netro serial)
            LOGGER.info("%s is unavailable: %s", device.name, error)
        elif error is None and was_failed:
            LOGGER.info("%s is available again", device.name)

    async def _async_refresh_one(
        self, device: Device, *, slow: bool
    ) -> VendorError | None:
        """Refresh one device; a failure only marks that device failed."""
        try:
            async with self._limit:
                await self.account.async_refresh_device(device, slow=slow)
        except AuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except VendorError as err:
            LOGGER.debug("Refreshing %s failed: %s", device.name, err)
            return err
        if slow:
            self._slow_due[device.id] = (
                time.monotonic() + self.slow_interval.total_seconds()
            )
        return None

    def _update_registry(self, devices: list[Device]) -> None:
        """Carry a new name, model, serial or version into the device registry.

        Only values the cloud sent: a missing one never clears what is there.
        """
        registry = dr.async_get(self.hass)
        for device in devices:
            entry = async_get_entry_device(
                registry,
                self.config_entry.entry_id,
                (DOMAIN, self.device_identifier(device.id)),
            )
            if entry is None:
                continue
            registry.async_update_device(
                entry.id,
                name=device.name if device.name_reported else entry.name,
                model=device.model or entry.model,
                serial_number=device.serial or entry.serial_number,
                sw_version=device.firmware or entry.sw_version,
                hw_version=device.hardware or entry.hw_version,
            )

    def _forget(self, present: set[str], gone: set[str]) -> None:
        """Drop what we hold for devices that left; remove confirmed ones.

        Only a confirmed removal (``gone``) takes a device out of the
        registry; a device merely absent from one listing stays.
        """
        for device_id in set(self._slow_due) - present:
            del self._slow_due[device_id]
        for device_id in set(self._registry_shown) - present:
            del self._registry_shown[device_id]
        for device_id in set(self._streams) - present:
            del self._streams[device_id]
        if not gone:
            return
        doomed = {self.device_identifier(device_id) for device_id in gone}
        registry = dr.async_get(self.hass)
        for entry in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            ours = {ident for domain, ident in entry.identifiers if domain == DOMAIN}
            if ours & doomed:
                LOGGER.info("Device %s left the account; removing it", entry.name)
                async_remove_entry_device(registry, entry, self.config_entry.entry_id)

    async def async_refresh_device(self, device_id: str) -> None:
        """Refresh one device (both tiers) after a command and notify entities."""
        device = self.device(device_id)
        try:
            error = await self._async_refresh_one(device, slow=True)
        except ConfigEntryAuthFailed:
            # The command went through; the key was rejected just after.
            self.config_entry.async_start_reauth(self.hass)
            error = AuthError("the cloud rejected the API key")
        self._log_availability(device, error)
        failed = set(self.data.failed)
        if error is None:
            failed.discard(device_id)
        else:
            failed.add(device_id)
        # a command can change the plan (a new watering) and spend the budget
        utcnow = dt_util.utcnow()
        paused = self.account.polling_paused_until(utcnow)
        self._plan_next_poll(utcnow, error)
        self._report_budget(paused)
        self.async_set_updated_data(
            HubData(
                devices=self.data.devices,
                failed=failed,
                polling_paused_until=paused,
            )
        )

    async def async_execute(
        self, device_id: str, command: Command, *, refresh: bool = True
    ) -> CommandResult:
        """Run a command on a device; vendor failures become HomeAssistantError."""
        device = self.device(device_id)
        result = await self._call(
            self.account.async_execute(device, command), command.action, [device]
        )
        if refresh:
            await self.async_refresh_device(device_id)
        return result

    async def async_execute_many(
        self, device_ids: Sequence[str], command: Command
    ) -> list[CommandResult]:
        """Run one command on several devices, in as few calls as the vendor needs.

        Every device is refreshed after it (none when the command failed).
        """
        devices = [self.device(device_id) for device_id in dict.fromkeys(device_ids)]
        results = await self._call(
            self.account.async_execute_many(devices, command), command.action, devices
        )
        for device in devices:
            await self.async_refresh_device(device.id)
        return results

    def cached_stream(self, device_id: str) -> StreamInfo | None:
        """The live stream last handed out for a camera, if any."""
        return self._streams.get(device_id)

    async def async_get_stream(self, device_id: str) -> StreamInfo:
        """Return a live stream, asking for a new signed URL before it expires."""
        cached = self._streams.get(device_id)
        if cached is not None and (
            cached.expires_at is None
            or cached.expires_at - STREAM_REFRESH_MARGIN > dt_util.utcnow()
        ):
            return cached
        stream = await self._call(self.account.async_get_stream(self.device(device_id)))
        self._streams[device_id] = stream
        return stream

    async def async_get_image(self, url: str) -> bytes:
        """Download an image the cloud pointed us to."""
        return await self._call(self.account.async_get_image(url))

    async def async_get_location_history(
        self, device_id: str, start: datetime, end: datetime, limit: int
    ) -> list[Location]:
        """Return a tracker's past positions."""
        return await self._call(
            self.account.async_get_location_history(
                self.device(device_id), start, end, limit
            )
        )

    async def async_add_device(
        self, serial: str, kind: DeviceKind, model: str | None
    ) -> str:
        """Register a device with the account, then refresh so it appears."""
        device_id = await self._call(self.account.async_add_device(serial, kind, model))
        await self.async_refresh()
        return device_id

    async def _call[T](
        self,
        call: Coroutine[Any, Any, T],
        action: Action | None = None,
        devices: Sequence[Device] = (),
    ) -> T:
        """Await a vendor call, turning its errors into translated HA errors.

        An action (``action`` and its ``devices`` given) names itself in its
        failure; a refused parameter is the user's to fix, and a spent call
        budget says when calls come back.
        """
        try:
            result: T = await call
        except AuthError as err:
            self.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except VendorError as err:
            if action is None or not devices:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key=error_translation_key(err),
                    translation_placeholders={"error": str(err)},
                ) from err
            raise _action_error(err, action, devices) from err
        return result


def _action_error(
    err: VendorError, action: Action, devices: Sequence[Device]
) -> HomeAssistantError:
    """The translated error of a failed action."""
    if isinstance(err, InvalidParameterError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_parameter",
            translation_placeholders={"action": action.value, "error": str(err)},
        )
    if isinstance(err, RateLimitError) and not isinstance(err, BudgetExhaustedError):
        # held back by the account's gate (no request sent) or refused by the cloud
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="throttled",
            translation_placeholders={
                "action": action.value,
                "seconds": str(math.ceil(err.retry_after or 60)),
            },
        )
    if isinstance(err, BudgetExhaustedError):
        reset = dt_util.as_local(err.reset) if err.reset else None
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="budget_exhausted",
            translation_placeholders={
                "reset": reset.strftime("%Y-%m-%d %H:%M") if reset else "midnight UTC"
            },
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="action_failed",
        translation_placeholders={
            "action": action.value,
            "device": ", ".join(device.name for device in devices),
            "error": str(err),
        },
    )
