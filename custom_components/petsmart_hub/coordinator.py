"""The account coordinator: one per config entry, whatever the vendor."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from datetime import datetime, timedelta
from functools import partial
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
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .compat import async_get_entry_device, async_remove_entry_device
from .const import (
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_SLOW_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_CONCURRENT_REQUESTS,
    OPT_SCAN_INTERVAL,
    OPT_SLOW_SCAN_INTERVAL,
    STREAM_REFRESH_MARGIN,
)
from .model import Action, Device, DeviceKind, HubData, Location, StreamInfo
from .vendors.base import (
    AuthError,
    BadResponseError,
    BudgetExhaustedError,
    InvalidParameterError,
    RateLimitError,
    RequestRejectedError,
    VendorAccount,
    VendorError,
)

type PetSmartHubConfigEntry = ConfigEntry[PetSmartHubCoordinator]

#: The shortest gap between two refreshes a vendor may ask for.
MIN_POLL_GAP = timedelta(seconds=5)


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
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(
                seconds=entry.options.get(OPT_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
            ),
        )
        self.account = account
        self._regular_interval = self.update_interval
        self._budget_issue = False
        # no repair issue outlives its entry (unloaded, reloaded or removed)
        entry.async_on_unload(
            partial(ir.async_delete_issue, hass, DOMAIN, self._budget_issue_id)
        )
        self.slow_interval = timedelta(
            minutes=entry.options.get(
                OPT_SLOW_SCAN_INTERVAL, DEFAULT_SLOW_SCAN_INTERVAL
            )
        )
        self.data = HubData()
        self._limit = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        #: monotonic time at which each device's slow tier is next due
        self._slow_due: dict[str, float] = {}
        self._streams: dict[str, StreamInfo] = {}

    def device_identifier(self, device_id: str) -> str:
        """Identifier of a device in the device registry (unique across vendors)."""
        return f"{self.account.vendor}_{device_id}"

    def device(self, device_id: str) -> Device:
        """Return a known device."""
        return self.data.devices[device_id]

    async def _async_update_data(self) -> HubData:
        """Refresh the inventory, then every device concurrently."""
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

        devices: dict[str, Device] = {}
        renamed: list[Device] = []
        for fresh in inventory:
            known = self.data.devices.get(fresh.id)
            if known is None or known.kind is not fresh.kind:
                devices[fresh.id] = fresh
                continue
            firmware = fresh.firmware or known.firmware
            if (known.name, known.model, known.serial, known.firmware) != (
                fresh.name,
                fresh.model,
                fresh.serial,
                firmware,
            ):
                known.name = fresh.name
                known.model = fresh.model
                known.serial = fresh.serial
                known.firmware = firmware
                renamed.append(known)
            devices[fresh.id] = known

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
        for device, error in zip(devices.values(), results, strict=True):
            if error is not None:
                failed.add(device.id)
            self._log_availability(device, error)
        self._update_registry(renamed)
        self._forget_vanished(set(devices))
        utcnow = dt_util.utcnow()
        paused = self.account.polling_paused_until(utcnow)
        self._plan_next_poll(utcnow)
        self._report_budget(paused)
        return HubData(devices=devices, failed=failed, polling_paused_until=paused)

    def _plan_next_poll(self, now: datetime) -> None:
        """Let a vendor with a call budget choose when we refresh next."""
        wake = self.account.next_poll(now)
        if wake is None:
            self.update_interval = self._regular_interval
        else:
            self.update_interval = max(wake - now, MIN_POLL_GAP)

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
            LOGGER.info("%s (%s) is unavailable: %s", device.name, device.id, error)
        elif error is None and was_failed:
            LOGGER.info("%s (%s) is available again", device.name, device.id)

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
            LOGGER.debug("Refreshing %s (%s) failed: %s", device.name, device.id, err)
            return err
        if slow:
            self._slow_due[device.id] = (
                time.monotonic() + self.slow_interval.total_seconds()
            )
        return None

    def _update_registry(self, devices: list[Device]) -> None:
        """Carry a new name, model, serial or firmware into the device registry."""
        registry = dr.async_get(self.hass)
        for device in devices:
            entry = async_get_entry_device(
                registry,
                self.config_entry.entry_id,
                (DOMAIN, self.device_identifier(device.id)),
            )
            if entry is not None:
                registry.async_update_device(
                    entry.id,
                    name=device.name,
                    model=device.model,
                    serial_number=device.serial,
                    sw_version=device.firmware,
                )

    def _forget_vanished(self, present: set[str]) -> None:
        """Detach devices the account no longer has from this entry.

        The registry is the reference, not the last refresh, so a device that
        left the account while Home Assistant was stopped goes too.
        """
        for device_id in set(self._slow_due) - present:
            del self._slow_due[device_id]
        for device_id in set(self._streams) - present:
            del self._streams[device_id]
        current = {self.device_identifier(device_id) for device_id in present}
        registry = dr.async_get(self.hass)
        for entry in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            ours = {ident for domain, ident in entry.identifiers if domain == DOMAIN}
            if ours and not ours & current:
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
        self._plan_next_poll(utcnow)
        self._report_budget(paused)
        self.async_set_updated_data(
            HubData(
                devices=self.data.devices,
                failed=failed,
                polling_paused_until=paused,
            )
        )

    async def async_execute(
        self,
        device_id: str,
        action: Action,
        params: Mapping[str, Any] | None = None,
        *,
        refresh: bool = True,
    ) -> dict[str, Any]:
        """Run an action on a device; vendor failures become HomeAssistantError."""
        device = self.device(device_id)
        result = await self._call(
            self.account.async_execute(device, action, params or {}), action, device
        )
        if refresh:
            await self.async_refresh_device(device_id)
        return result

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
        device: Device | None = None,
    ) -> T:
        """Await a vendor call, turning its errors into translated HA errors.

        An action (``action`` and ``device`` given) names itself in its
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
            if action is None or device is None:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key=error_translation_key(err),
                    translation_placeholders={"error": str(err)},
                ) from err
            raise _action_error(err, action, device) from err
        return result


def _action_error(
    err: VendorError, action: Action, device: Device
) -> HomeAssistantError:
    """The translated error of a failed action."""
    if isinstance(err, InvalidParameterError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_parameter",
            translation_placeholders={"action": action.value, "error": str(err)},
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
            "device": device.name,
            "error": str(err),
        },
    )
