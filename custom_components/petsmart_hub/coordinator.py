"""The account coordinator: one per config entry, whatever the vendor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
import logging
import math
import time
from typing import Any, Protocol

import aiohttp
from yarl import URL

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import (
    config_entry_oauth2_flow,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .compat import async_get_entry_device, async_remove_entry_device, via_device_info
from .const import (
    CONF_BASE_URL,
    CONF_VENDOR,
    DOMAIN,
    LOGGER,
    SCAN_INTERVAL,
    STREAM_REFRESH_MARGIN,
)
from .journal import Journal
from .model import (
    OPTION_DEFAULTS,
    Action,
    Command,
    CommandResult,
    Device,
    DeviceEvent,
    DeviceKind,
    EventType,
    HistoryPoint,
    HistoryQuery,
    HubData,
    Location,
    StreamInfo,
    entity_shape,
    merged_device,
)
from .vendors.base import (
    AuthError,
    BadResponseError,
    BudgetExhaustedError,
    CameraAccount,
    CannotConnectError,
    DeviceUpdate,
    EnrollingAccount,
    HistoryAccount,
    InvalidParameterError,
    Inventory,
    LocationHistoryAccount,
    NotAnApiError,
    PushAccount,
    RateLimitError,
    Refresh,
    RefreshRequest,
    RequestRejectedError,
    SelfLimitedError,
    SnapshotAccount,
    VendorAccount,
    VendorError,
)
from .vendors.descriptor import AccountContext, TokenGetter, VendorDescriptor
from .vendors.registry import VENDORS

type PetSmartHubConfigEntry = ConfigEntry[PetSmartHubCoordinator]


class PushStatus(Protocol):
    """What the coordinator's owner may ask of push (push.py implements it)."""

    @property
    def state(self) -> str:
        """Where push stands."""

    def diagnostics(self) -> dict[str, object]:
        """Push health for diagnostics."""


#: The shortest gap between two refreshes a vendor may ask for.
MIN_POLL_GAP = timedelta(seconds=5)
#: Fresh, complete device listings in a row that must leave a device out
#: before it is removed from Home Assistant.
REMOVAL_CONFIRMATIONS = 2
#: How long a change a poll found may wait for its push before push counts as
#: having missed it.
PUSH_GRACE = timedelta(seconds=60)
#: The longest gap between polls while the cloud throttles without Retry-After.
MAX_BACKOFF = timedelta(minutes=15)
#: How long a refresh may read devices while the account is being filled in
#: (setup of a large account): what is left is read by the next refresh,
#: FILL_GAP later, so setup returns quickly and entities come in batches.
FILL_DEADLINE = 2.0
FILL_GAP = timedelta(seconds=1)


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


def vendor_of(entry: ConfigEntry) -> VendorDescriptor:
    """The descriptor of an entry's vendor, already imported (``async_vendor``)."""
    return VENDORS[entry.data[CONF_VENDOR]]


async def async_vendor(hass: HomeAssistant, key: str) -> VendorDescriptor:
    """The vendor's descriptor, its package imported in the import executor.

    A vendor's package is imported the first time one of its accounts is
    set up or a flow signs in to it, never in the event loop; afterwards
    ``vendor_of`` finds it.
    """
    if key in VENDORS.loaded():
        return VENDORS[key]
    return await hass.async_add_import_executor_job(VENDORS.__getitem__, key)


def entry_credentials(
    descriptor: VendorDescriptor, data: Mapping[str, Any]
) -> dict[str, str]:
    """The sign-in fields of entry data (or of a sign-in form), stripped."""
    return {
        field.key: str(data.get(field.key) or "").strip()
        for field in descriptor.credentials
    }


def open_account(
    hass: HomeAssistant,
    descriptor: VendorDescriptor,
    data: Mapping[str, Any],
    options: Mapping[str, Any],
    token: TokenGetter | None = None,
    client_secret: str | None = None,
) -> VendorAccount:
    """Open a vendor account from entry data (or the flow's, before there is an entry)."""
    return descriptor.factory(
        AccountContext(
            session=async_get_clientsession(hass),
            credentials=entry_credentials(descriptor, data),
            base_url=data.get(CONF_BASE_URL) or descriptor.default_url,
            options=options,
            token=token,
            client_secret=client_secret,
        )
    )


def event_signal(entry_id: str, device_id: str, event_type: EventType) -> str:
    """The dispatcher signal a device's events of a type are sent on."""
    return f"{DOMAIN}_event_{entry_id}_{device_id}_{event_type.value}"


def rebased_implementation(
    hass: HomeAssistant,
    implementation: config_entry_oauth2_flow.AbstractOAuth2Implementation,
    descriptor: VendorDescriptor,
    base_url: str | None,
) -> config_entry_oauth2_flow.AbstractOAuth2Implementation:
    """The user's OAuth2 app, authorizing where the account's cloud is.

    An account moved to another API URL (advanced: a regional cloud, our
    simulator) authorizes and refreshes there too: the vendor's endpoint
    paths on that URL's host. Any other account keeps the implementation.
    """
    oauth2 = descriptor.oauth2
    if (
        oauth2 is None
        or not base_url
        or base_url == descriptor.default_url
        or not isinstance(
            implementation, config_entry_oauth2_flow.LocalOAuth2Implementation
        )
    ):
        return implementation
    base = URL(base_url)

    def moved(endpoint: str) -> str:
        url = URL(endpoint)
        return str(base.with_path(url.path).with_query(url.query))

    return config_entry_oauth2_flow.LocalOAuth2Implementation(
        hass,
        implementation.domain,
        implementation.client_id,
        implementation.client_secret,
        moved(oauth2.authorize_url),
        moved(oauth2.token_url),
    )


def oauth2_token_getter(
    hass: HomeAssistant, session: config_entry_oauth2_flow.OAuth2Session
) -> TokenGetter:
    """A token getter for an OAuth2 vendor: a valid access token, refreshed when due.

    Every refreshed token (with its rotated refresh token) is stored in the
    entry at once, by HA's session or (a refresh the account asked for
    because the cloud ended a token early) here. A refusal (4xx but 429) is
    the vendor's AuthError, which starts reauth; anything else is the cloud
    being unreachable.
    """
    lock = asyncio.Lock()

    async def token(*, refresh: bool = False) -> str:
        ended = session.token.get("access_token")
        try:
            async with lock:
                if refresh:
                    # several calls may find the token ended at once: one refresh
                    if session.token.get("access_token") == ended:
                        new = await session.implementation.async_refresh_token(
                            session.token
                        )
                        hass.config_entries.async_update_entry(
                            session.config_entry,
                            data={**session.config_entry.data, "token": new},
                        )
                else:
                    await session.async_ensure_token_valid()
        except aiohttp.ClientResponseError as err:
            if 400 <= err.status < 500 and err.status != 429:
                raise AuthError("the OAuth2 refresh token was refused") from err
            raise CannotConnectError(f"token refresh failed ({err.status})") from err
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnectError("token refresh failed") from err
        return str(session.token["access_token"])

    return token


def _registry_fields(device: Device) -> tuple[str | None, ...]:
    """What of a device the device registry shows."""
    return (device.name, device.model, device.serial, device.firmware, device.hardware)


def error_translation_key(err: VendorError) -> str:
    """Name the translated message that explains a vendor error."""
    if isinstance(err, AuthError):
        return "auth_failed"
    if isinstance(err, RateLimitError):
        return "rate_limited"
    if isinstance(err, BadResponseError | NotAnApiError):
        return "bad_response"
    if isinstance(err, RequestRejectedError):
        return "request_rejected"
    return "cannot_connect"


class PetSmartHubCoordinator(DataUpdateCoordinator[HubData]):
    """Refreshes one vendor account when its plan says, and applies its updates."""

    config_entry: PetSmartHubConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PetSmartHubConfigEntry,
        account: VendorAccount,
    ) -> None:
        """Poll at the regular interval until the account's plan says otherwise."""
        super().__init__(
            hass,
            COORDINATOR_LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=SCAN_INTERVAL),
        )
        self.account = account
        self._polling_interval = timedelta(seconds=SCAN_INTERVAL)
        #: Set while the vendor's push works: polling is only the safety net.
        self.push_healthy = False
        #: The account's push, once set up (push.py).
        self.push: PushStatus | None = None
        #: What happened to the devices and what HA keeps of them (journal.py).
        self.journal = Journal(hass, self)
        #: Called when a poll finds a change push never brought (push.py).
        self.on_push_missed: Callable[[], None] | None = None
        #: Devices a poll found changed that no push has confirmed yet.
        self._suspects: set[str] = set()
        #: Device id -> listeners of that device's entities only (updates).
        self._device_listeners: dict[str, set[Callable[[], None]]] = {}
        #: Each device's registry description, shared by all its entities.
        self._device_infos: dict[str, DeviceInfo] = {}
        #: Devices whose entities the next update wakes (None: every device).
        self._wake: set[str] | None = set()
        #: Whether the account refreshed fine when entities were last woken.
        self._woke_success = True
        #: Read the device list at the next refresh (something says it changed),
        #: and how many times that was asked (a listing already on its way
        #: when it was asked does not answer it).
        self._relist = False
        self._relist_asked = 0
        #: Read every device at the next refresh (the user asked for one).
        self._read_all = False
        self._cancel_fill: CALLBACK_TYPE | None = None
        #: Some listed devices are still to be read for the first time.
        self._filling = True
        #: When (loop time) the next planned refresh runs.
        self._refresh_due: float | None = None
        self._cancel_judge: CALLBACK_TYPE | None = None
        entry.async_on_unload(self._stop_judging)
        entry.async_on_unload(self._stop_filling)
        self._budget_issue = False
        # no repair issue outlives its entry (unloaded, reloaded or removed)
        entry.async_on_unload(
            partial(ir.async_delete_issue, hass, DOMAIN, self._budget_issue_id)
        )
        self.data = HubData()
        #: Device id -> what the device registry was last given for it.
        self._registry_shown: dict[str, tuple[str | None, ...]] = {}
        #: Device id -> when the cloud observed the newest update applied.
        self._update_at: dict[str, datetime] = {}
        #: When (monotonic) an update between refreshes was last applied, per device.
        self._pushed_at: dict[str, float] = {}
        self._streams: dict[str, StreamInfo] = {}
        #: Device id -> fresh, complete listings in a row that left it out.
        self._missing_since: dict[str, int] = {}
        #: Polls in a row the cloud throttled without saying for how long.
        self._backoff = 0
        #: Devices the last listing named (a user may delete the others).
        self.listed: set[str] = set()
        #: Device id -> a device object and its entity shape (every platform
        #: asks after every update: each object's shape is worked out once).
        self._shapes: dict[str, tuple[Device, tuple[object, ...]]] = {}

    @property
    def options(self) -> dict[str, Any]:
        """The entry's options; one the user never set is at its default.

        The vendor's default where its descriptor has the option, else the
        neutral one (``OPTION_DEFAULTS``).
        """
        values: dict[str, Any] = dict(OPTION_DEFAULTS)
        values.update(
            {spec.key: spec.default for spec in vendor_of(self.config_entry).options}
        )
        values.update(self.config_entry.options)
        return values

    @property
    def _regular_interval(self) -> timedelta:
        """The polling interval: the vendor's safety net while push is healthy."""
        if self.push_healthy:
            return vendor_of(self.config_entry).push_safety_net
        return self._polling_interval

    @callback
    def set_push_healthy(self, healthy: bool) -> None:
        """Push started or stopped working: poll at the matching interval."""
        if healthy == self.push_healthy:
            return
        self.push_healthy = healthy
        self._plan_next_poll(dt_util.utcnow())
        if not healthy:
            # back to the normal tier now, not after a safety-net interval
            self.hass.async_create_task(self.async_request_refresh())

    def _check_push(
        self, known: Mapping[str, Device], fresh: Mapping[str, Device]
    ) -> None:
        """Note devices a poll found changed while push is healthy.

        Their push may still be on the way: if none arrives within
        PUSH_GRACE, push missed the change (push.py is told).
        """
        account = self.account
        if not self.push_healthy or not isinstance(account, PushAccount):
            return
        for device_id, polled in fresh.items():
            held = known.get(device_id)
            if held is not None and account.push_missed(held, polled):
                LOGGER.debug("%s changed without a push (yet)", polled.name)
                self._suspects.add(device_id)
        if self._suspects and self._cancel_judge is None:
            self._cancel_judge = async_call_later(
                self.hass, PUSH_GRACE, self._judge_push
            )

    @callback
    def _judge_push(self, _now: datetime) -> None:
        self._cancel_judge = None
        if self._suspects and self.push_healthy and self.on_push_missed is not None:
            self.on_push_missed()
        self._suspects.clear()

    @callback
    def _stop_judging(self) -> None:
        if self._cancel_judge is not None:
            self._cancel_judge()
            self._cancel_judge = None

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
        # one object for every entity of the device (a 500-device account
        # has thousands of entities, each of which keeps it)
        held = self._device_infos.get(device.id)
        if held == info:
            return held
        self._device_infos[device.id] = info
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
        known = self.data.devices
        started = time.monotonic()
        relist_asked, read_all = self._relist_asked, self._read_all
        self._read_all = False
        try:
            refresh = await self.account.async_refresh(
                RefreshRequest(
                    known=known,
                    push_healthy=self.push_healthy,
                    relist=self._relist,
                    read_all=read_all,
                    deadline=FILL_DEADLINE if self._filling else None,
                )
            )
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
        # a refresh that listed nothing (a vendor that lists now and then)
        # tells nothing of who left
        inventory = (
            refresh.listing if refresh.listing is not None else Inventory(fresh=False)
        )
        listed = {device.id for device in inventory}
        # devices the listing left out stay until removal is confirmed; their
        # own answers tell whether the listing was wrong
        registered = entry_device_ids(self.hass, self.config_entry.entry_id)
        missing = (set(known) | registered) - listed
        # in the listing's order, then the known devices it left out (and
        # those read without a listing)
        wanted = [device.id for device in inventory]
        wanted += [device_id for device_id in known if device_id in missing]
        wanted += list(refresh.devices)
        devices, renamed = self._adopt(refresh, inventory, dict.fromkeys(wanted))
        # a push applied while the poll ran is newer than what the poll read
        pushed = {
            device_id
            for device_id, at in self._pushed_at.items()
            if at >= started and device_id in devices and device_id in self.data.devices
        }
        for device_id in pushed:
            # what the push changed wins; the poll brings the rest (levels,
            # statistics a push never carries)
            base = known.get(device_id)
            newer = self.data.devices[device_id]
            devices[device_id] = (
                newer
                if base is None or devices[device_id] is base
                else merged_device(base, newer, devices[device_id])
            )
        failed = set(refresh.failed) & set(devices)
        # a device this refresh did not read stays as it was (failed or not)
        failed |= {
            device_id
            for device_id in self.data.failed & set(devices)
            if device_id not in refresh.devices
        }
        self._check_push(
            known, {k: v for k, v in refresh.devices.items() if k not in pushed}
        )
        for device in devices.values():
            self._log_availability(device, refresh.failed.get(device.id))
        gone = await self._async_confirm_missing(
            inventory, missing, devices, refresh.failed
        )
        for device_id in gone:
            devices.pop(device_id, None)
            failed.discard(device_id)
        new_ids = set(devices) - set(known)
        if refresh.listing is not None:
            self.listed = listed
            if self._relist_asked == relist_asked:
                self._relist = False
        self._register_devices(
            device for device_id, device in devices.items() if device_id in new_ids
        )
        self._update_registry(renamed)
        self._forget(set(devices), gone)
        utcnow = dt_util.utcnow()
        throttled = [
            e for e in refresh.failed.values() if isinstance(e, RateLimitError)
        ]
        self._filling = bool(refresh.pending)
        paused = self._plan_next_poll(utcnow, max(throttled, key=_wait, default=None))
        if self._filling and not throttled and paused is None:
            self._fill_soon()
        self._report_budget(paused)
        for event in refresh.events:
            if event.device_id in devices:
                self.async_fire_event(event)
        # (against what we hold now: a push during the poll told its own news)
        self._observe(self.data.devices, devices)
        held = self.data
        self._mark_changed(held, devices, failed)
        if paused is not None or paused != held.polling_paused_until:
            self._wake = None  # every entity tells how old its data is
        return HubData(devices=devices, failed=failed, polling_paused_until=paused)

    def _mark_changed(
        self, held: HubData, devices: Mapping[str, Device], failed: set[str]
    ) -> None:
        """Note the devices whose entities the update must wake.

        Those read anew with a change, those that came, went, failed or
        recovered. A device read without a change is the object held
        (``_adopt``): its entities are not woken at all.
        """
        if self._wake is None:
            return
        before = held.devices
        self._wake |= {
            device_id
            for device_id, device in devices.items()
            if before.get(device_id) is not device
        }
        self._wake |= set(before) - set(devices)
        self._wake |= failed ^ held.failed

    @callback
    def async_update_listeners(self) -> None:
        """Tell the account's listeners, then the entities of changed devices only.

        Every device's entities are woken when the account's availability
        changed (a failed refresh, or the first one after).
        """
        super().async_update_listeners()
        wake, self._wake = self._wake, set()
        if wake is None or self.last_update_success != self._woke_success:
            self._woke_success = self.last_update_success
            wake = set(self._device_listeners)
        self._wake_devices(wake)

    @callback
    def _fill_soon(self) -> None:
        """Read the rest of a large account soon though the entry does not poll.

        (A polling entry's plan already has its next refresh a FILL_GAP away.)
        """
        if not self.config_entry.pref_disable_polling or self._cancel_fill is not None:
            return

        @callback
        def fill(_now: datetime) -> None:
            self._cancel_fill = None
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), f"{self.name} - fill"
            )

        self._cancel_fill = async_call_later(self.hass, FILL_GAP, fill)

    @callback
    def _stop_filling(self) -> None:
        if self._cancel_fill is not None:
            self._cancel_fill()
            self._cancel_fill = None

    async def async_refresh_everything(self) -> None:
        """Read every device soon, due or not (``homeassistant.update_entity``)."""
        self._read_all = True
        await self.async_request_refresh()

    @callback
    def _schedule_refresh(self) -> None:
        """Plan the next refresh, and remember when it runs."""
        super()._schedule_refresh()
        if self.update_interval is not None:
            self._refresh_due = (
                self.hass.loop.time() + self.update_interval.total_seconds()
            )

    @callback
    def _advance_refresh(self) -> None:
        """Refresh sooner when the plan now wants it sooner (a watering starts).

        Never later: a command does not delay the account's next poll.
        """
        due = self._refresh_due
        interval = self.update_interval
        if (
            due is not None
            and interval is not None
            and self._listeners
            and self.hass.loop.time() + interval.total_seconds() < due
        ):
            self._schedule_refresh()

    @callback
    def _wake_devices(self, device_ids: Iterable[str]) -> None:
        """Run the listeners of these devices' entities."""
        for device_id in device_ids:
            for listener in list(self._device_listeners.get(device_id, ())):
                listener()

    @callback
    def _publish(self, data: HubData, changed: set[str]) -> None:
        """Hold new data between refreshes; wake only the changed devices' entities.

        The account's own listeners (which add entities) run only when a
        device came or went or gained what makes an entity; the account's
        next poll stays when it was planned.
        """
        before = self.data.devices
        self.data = data
        after = data.devices
        if set(before) != set(after) or any(
            self.entity_shape(before[device_id]) != self.entity_shape(after[device_id])
            for device_id in changed
            if device_id in before and device_id in after
        ):
            super().async_update_listeners()
        self._wake_devices(changed)

    @callback
    def async_fire_event(self, event: DeviceEvent) -> None:
        """Hand a device's event (pushed or polled) to its event entities.

        The journal sees it first: what it tells besides (a geofence alert
        is also a safe-zone event), or that a poll already told it.
        """
        for told in self.journal.pushed(event):
            self._dispatch(told)

    @callback
    def _dispatch(self, event: DeviceEvent) -> None:
        async_dispatcher_send(
            self.hass,
            event_signal(self.config_entry.entry_id, event.device_id, event.type),
            event,
        )

    @callback
    def _observe(
        self, before: Mapping[str, Device], after: Mapping[str, Device]
    ) -> None:
        """Fire what each device's new reading tells (a feed, a visit...).

        A device seen for the first time tells nothing: its first reading is
        where it stands, not news.
        """
        for device_id, new in after.items():
            old = before.get(device_id)
            if old is None or old is new or old.kind is not new.kind:
                continue
            for event in self.journal.observe(old, new):
                self._dispatch(event)

    def _adopt(
        self, refresh: Refresh, inventory: Inventory, wanted: Iterable[str]
    ) -> tuple[dict[str, Device], list[Device]]:
        """The devices to hold after a refresh, and those whose metadata changed.

        A device read afresh is the account's new object; one whose read
        failed stays as we held it (or as listed, when new). A value the
        cloud left out (no model, a stand-in name) never replaces one we
        know, from the last refresh or from the device registry.
        """
        listed = {device.id: device for device in inventory}
        devices: dict[str, Device] = {}
        renamed: list[Device] = []
        for device_id in wanted:
            known = self.data.devices.get(device_id)
            device = refresh.devices.get(device_id)
            if device is None and known is None and device_id in refresh.pending:
                continue  # read for the first time by a coming refresh
            if device is None:
                device = known if known is not None else listed[device_id]
            if device is known:
                devices[device_id] = device
                continue
            if known is None or known.kind is not device.kind:
                self._fill_from_registry(device)
            else:
                _keep_known_metadata(device, known)
                if _same_state(known, device):
                    # one copy of each device: the held object stays
                    known.updated_at = device.updated_at
                    devices[device_id] = known
                    continue
            shown = _registry_fields(device)
            if self._registry_shown.get(device_id) != shown:
                if device_id in self._registry_shown:
                    renamed.append(device)
                self._registry_shown[device_id] = shown
            devices[device_id] = device
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
                LOGGER.debug(  # by name: what the user knows the device as
                    "%s: %s is missing from the device list; kept until confirmed",
                    self.config_entry.title,
                    known.name if known else "a registered device",
                )
        return gone

    def _plan_next_poll(
        self, now: datetime, error: VendorError | None = None
    ) -> datetime | None:
        """Choose when we refresh next; return until when polling is paused.

        The vendor's plan (a call budget) first; a Retry-After is honoured to
        the second (the scheduler rounds down to whole seconds, so one more
        is added); throttling without one backs off exponentially from the
        regular interval up to MAX_BACKOFF, and any other outcome resets it.
        """
        plan = self.account.next_refresh(now)
        wake = plan.at
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
            if self._filling and plan.paused_until is None:
                # the rest of a large account first (push may be healthy now)
                interval = min(interval, FILL_GAP)
        self.update_interval = interval
        return plan.paused_until

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
                "vendor": vendor_of(self.config_entry).title,
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

    def entity_shape(self, device: Device) -> tuple[object, ...]:
        """The device's ``entity_shape``, worked out once per device object."""
        held = self._shapes.get(device.id)
        if held is not None and held[0] is device:
            return held[1]
        shape = entity_shape(device)
        self._shapes[device.id] = (device, shape)
        return shape

    def _forget(self, present: set[str], gone: set[str]) -> None:
        """Drop what we hold for devices that left; remove confirmed ones.

        Only a confirmed removal (``gone``) takes a device out of the
        registry; a device merely absent from one listing stays.
        """
        for device_id in set(self._update_at) - present:
            del self._update_at[device_id]
        for device_id in set(self._pushed_at) - present:
            del self._pushed_at[device_id]
        for device_id in set(self._registry_shown) - present:
            del self._registry_shown[device_id]
        for device_id in set(self._streams) - present:
            del self._streams[device_id]
        for device_id in set(self._shapes) - present:
            del self._shapes[device_id]
        for device_id in set(self._device_infos) - present:
            del self._device_infos[device_id]
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
        """Refresh one device in full after a command and notify entities.

        The account may hand over more devices than the one asked for (a
        command on a zone changes its controller too).
        """
        try:
            refresh = await self.account.async_refresh(
                RefreshRequest(known=self.data.devices, device_id=device_id)
            )
        except AuthError:
            # The command went through; the key was rejected just after.
            self.config_entry.async_start_reauth(self.hass)
            refresh = Refresh(failed={device_id: AuthError("credentials rejected")})
        except VendorError as err:
            refresh = Refresh(failed={device_id: err})
        devices = dict(self.data.devices)
        failed = set(self.data.failed)
        adopted, renamed = self._adopt(
            refresh, Inventory(), [key for key in refresh.devices if key in devices]
        )
        devices.update(adopted)
        failed -= set(refresh.devices)
        failed |= set(refresh.failed) & set(devices)
        self._update_registry(renamed)
        self._observe(self.data.devices, adopted)
        error = refresh.failed.get(device_id)
        if device_id in devices:
            self._log_availability(devices[device_id], error)
        # a command can change the plan (a new watering) and spend the budget
        paused = self._plan_next_poll(dt_util.utcnow(), error)
        self._report_budget(paused)
        changed = {
            device_id
            for device_id, device in adopted.items()
            if self.data.devices.get(device_id) is not device
        }
        changed |= failed ^ self.data.failed
        if paused is not None or paused != self.data.polling_paused_until:
            changed = set(devices)
        self._advance_refresh()
        self._publish(
            HubData(devices=devices, failed=failed, polling_paused_until=paused),
            changed,
        )
        for event in refresh.events:
            if event.device_id in devices:
                self.async_fire_event(event)

    async def async_confirm_removed(self, device_ids: Iterable[str]) -> None:
        """The cloud says devices left the account: remove those it no longer knows.

        A push alone never deletes a device: each is probed, and only one the
        cloud says it does not know goes (one it still answers for stays).
        """
        gone = set()
        for device_id in device_ids:
            if device_id not in self.data.devices:
                continue
            # (a probe never raises: it answers None when it cannot tell)
            if await self.account.async_probe_device(device_id) is False:
                gone.add(device_id)
        if not gone:
            return
        for device_id in gone:
            LOGGER.info(
                "%s: %s left the account",
                self.config_entry.title,
                self.data.devices[device_id].name,
            )
        devices = {k: v for k, v in self.data.devices.items() if k not in gone}
        self.listed -= gone
        self._forget(set(devices), gone)
        self._publish(
            HubData(
                devices=devices,
                failed=self.data.failed - gone,
                polling_paused_until=self.data.polling_paused_until,
            ),
            gone,
        )

    @callback
    def async_add_device_listener(
        self, device_id: str, listener: Callable[[], None]
    ) -> Callable[[], None]:
        """Listen for updates of one device (a push wakes only its entities)."""
        self._device_listeners.setdefault(device_id, set()).add(listener)
        # (a partial, not a closure: thousands of entities each keep one)
        return partial(self._remove_device_listener, device_id, listener)

    @callback
    def _remove_device_listener(
        self, device_id: str, listener: Callable[[], None]
    ) -> None:
        """Stop telling a listener of its device's updates."""
        listeners = self._device_listeners.get(device_id)
        if listeners is None:
            return
        listeners.discard(listener)
        if not listeners:
            del self._device_listeners[device_id]

    @callback
    def async_apply_update(self, update: DeviceUpdate) -> None:
        """Apply a device's state that arrived between refreshes.

        Only a device we hold is updated, and an update the cloud observed
        before one already applied never rolls it back. Only that device's
        entities are told; the next poll stays when it was planned.
        """
        device = update.device
        known = self.data.devices.get(device.id)
        if known is None or known.kind is not device.kind:
            return
        self._suspects.discard(device.id)  # pushed after all
        newest = self._update_at.get(device.id)
        if update.at is not None:
            if newest is not None and update.at < newest:
                return
            self._update_at[device.id] = update.at
        _keep_known_metadata(device, known)
        self._pushed_at[device.id] = time.monotonic()
        shown = _registry_fields(device)
        if self._registry_shown.get(device.id, shown) != shown:
            # pushed metadata (a gateway's new version) reaches the registry now
            self._registry_shown[device.id] = shown
            self._update_registry([device])
        self._observe({device.id: known}, {device.id: device})
        # (a gained reading or control: the platforms add its entity)
        self._publish(
            HubData(
                devices={**self.data.devices, device.id: device},
                failed=self.data.failed - {device.id},
                polling_paused_until=self.data.polling_paused_until,
            ),
            {device.id},
        )

    async def async_execute(
        self, device_id: str, command: Command, *, refresh: bool = True
    ) -> CommandResult:
        """Run a command on a device; vendor failures become HomeAssistantError."""
        device = self.device(device_id)
        result = await self._call(
            self.account.async_execute(device, command), command.action, [device]
        )
        self.journal.command_done(device, command, result)
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
        for device, result in zip(devices, results, strict=False):
            self.journal.command_done(device, command, result)
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
        stream = await self._call(
            self._camera_account().async_get_stream(self.device(device_id))
        )
        self._streams[device_id] = stream
        return stream

    async def async_get_image(self, url: str) -> bytes:
        """Download an image the cloud pointed us to."""
        return await self._call(self._camera_account().async_get_image(url))

    async def async_get_snapshot(self, device_id: str) -> bytes:
        """A still image a camera without a live stream takes now."""
        account = self.account
        if not isinstance(account, SnapshotAccount):
            raise _unsupported("camera")
        return await self._call(account.async_get_snapshot(self.device(device_id)))

    async def async_get_history(
        self, device_id: str, query: HistoryQuery
    ) -> list[HistoryPoint]:
        """A device's past readings, as its cloud keeps them."""
        account = self.account
        if not isinstance(account, HistoryAccount):
            raise _unsupported("get_history")
        return await self._call(
            account.async_get_history(self.device(device_id), query)
        )

    async def async_get_location_history(
        self, device_id: str, start: datetime, end: datetime, limit: int
    ) -> list[Location]:
        """Return a tracker's past positions."""
        account = self.account
        if not isinstance(account, LocationHistoryAccount):
            raise _unsupported("get_location_history")
        return await self._call(
            account.async_get_location_history(
                self.device(device_id), start, end, limit
            )
        )

    async def async_add_device(
        self, serial: str, kind: DeviceKind, model: str | None
    ) -> str:
        """Register a device with the account, then refresh so it appears."""
        account = self.account
        if not isinstance(account, EnrollingAccount):
            raise _unsupported("add_device")
        device_id = await self._call(account.async_add_device(serial, kind, model))
        await self.async_refresh_inventory()
        return device_id

    async def async_refresh_inventory(self, *, soon: bool = False) -> None:
        """Refresh with the device list read now (a device came or went).

        ``soon``: a refresh in a moment, several asks making one (a push that
        names a device we do not know).
        """
        self._relist = True
        self._relist_asked += 1
        if soon:
            await self.async_request_refresh()
        else:
            await self.async_refresh()

    def _camera_account(self) -> CameraAccount:
        """The account as a camera source (platforms only ask where it is one)."""
        account = self.account
        if not isinstance(account, CameraAccount):
            raise _unsupported("camera")
        return account

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


def _unsupported(what: str) -> ServiceValidationError:
    """The error of asking an account for something its vendor cannot do."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_supported",
        translation_placeholders={"action": what},
    )


def _same_state(held: Device, fresh: Device) -> bool:
    """Whether a device read anew tells nothing new (when it was read aside)."""
    if held.updated_at == fresh.updated_at:
        return held == fresh
    updated_at, fresh.updated_at = fresh.updated_at, held.updated_at
    try:
        return held == fresh
    finally:
        fresh.updated_at = updated_at


def _keep_known_metadata(device: Device, known: Device) -> None:
    """Fill what the cloud left out of a new device object from the one we held."""
    if not device.name_reported and known.name_reported:
        device.name, device.name_reported = known.name, True
    device.model = device.model or known.model
    device.serial = device.serial or known.serial
    device.firmware = device.firmware or known.firmware
    device.hardware = device.hardware or known.hardware


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
        # held back by the account's own cap, or by the cloud (Retry-After,
        # or refused by it)
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=(
                "self_limited" if isinstance(err, SelfLimitedError) else "throttled"
            ),
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
