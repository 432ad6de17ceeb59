"""Push: a vendor's cloud tells Home Assistant of changes the moment they happen.

Vendor-neutral. A vendor whose account is a ``WebhookAccount`` gets a webhook
of HA's ``webhook`` component, registered with its cloud; one whose account
is a ``SocketAccount`` gets a socket kept open to its cloud. What arrives
either way is parsed by the vendor into the same typed updates a poll
brings, applied to the devices they name only. While push is healthy the
coordinator polls at the vendor's safety-net interval.

- A webhook whose registration fails, or that misses a change a poll found,
  sends polling back to normal; a repair issue says why, and registration
  is tried again with back-off (1 min doubling to 1 h).
- A socket that drops (or misses a change) sends polling back to normal and
  is opened again with a jittered back-off (1 s doubling to 5 min); it is
  opened again before the token it was opened with ends. A repair issue
  says so only when it stays down for SOCKET_ISSUE_AFTER.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import contextlib
from datetime import timedelta
from enum import StrEnum
from functools import partial
import json
import random
import secrets
import time
from typing import Any, Final

from aiohttp import web

from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .model import Device
from .vendors.base import (
    Pushed,
    PushRejectedError,
    PushSocket,
    SocketAccount,
    VendorError,
    WebhookAccount,
)

#: The option that turns push off (it is on wherever a URL can be reached).
OPT_PUSH: Final = "push"
#: The largest webhook body accepted.
MAX_BODY: Final = 64 * 1024
#: Registration is retried after this long, doubling up to RETRY_MAX.
RETRY_MIN: Final = timedelta(minutes=1)
RETRY_MAX: Final = timedelta(hours=1)
#: A pushed device that asks to be read again is read this long after.
REFRESH_DELAY: Final = 2.0
#: A socket is opened again after about this long, doubling up to the max
#: (each wait jittered between half and all of it, never under the min).
SOCKET_RETRY_MIN: Final = timedelta(seconds=1)
SOCKET_RETRY_MAX: Final = timedelta(minutes=5)
#: A socket that stayed open this long starts the back-off over.
SOCKET_STABLE: Final = timedelta(minutes=1)
#: A socket down this long (reopening failed all the while) raises a repair issue.
SOCKET_ISSUE_AFTER: Final = timedelta(minutes=5)


async def _read_body(request: web.Request) -> bytes:
    """The body, whole however it arrives (in pieces, chunked), up to MAX_BODY + 1.

    ``read(n)`` returns what has arrived so far; a body split across
    packets is read until it ends (or passes the limit).
    """
    body = bytearray()
    while len(body) <= MAX_BODY:
        chunk = await request.content.read(MAX_BODY + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


class PushState(StrEnum):
    """Where push stands (the options form and diagnostics show it)."""

    OFF = "off"  # the user turned it off
    UNSUPPORTED = "unsupported"  # the vendor does not push
    NO_URL = "no_url"  # Home Assistant has no URL the cloud can reach
    STARTING = "starting"
    HEALTHY = "healthy"
    FAILED = "failed"  # registration failed, or push missed a change


class PushManager:
    """The webhook of one account: its URL, its handler and its health."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PetSmartHubConfigEntry,
        coordinator: PetSmartHubCoordinator,
    ) -> None:
        """Bind to an entry (nothing happens before ``async_start``)."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.state = PushState.UNSUPPORTED
        #: Why the last registration failed (repair issue, diagnostics).
        self.error: str | None = None
        self.accepted = 0
        #: Refused calls by reason (diagnostics).
        self.refused: dict[str, int] = {}
        self._url: str | None = None
        self._registered = False
        #: The cloud holds our webhook (registered, not dropped since): a
        #: push that fell back to polling is still registered there.
        self._cloud_registered = False
        self._retry = RETRY_MIN
        self._cancel_retry: CALLBACK_TYPE | None = None
        #: Names of the devices whose callback another app holds (as reported).
        self._taken: list[str] = []
        self._cancel_taken: CALLBACK_TYPE | None = None
        self._pending_refresh: dict[str, CALLBACK_TYPE] = {}
        #: The socket runner (a socket vendor) and the socket it holds open.
        self._runner: asyncio.Task[None] | None = None
        self._socket: PushSocket | None = None
        #: Sockets opened since start (diagnostics), and when the current
        #: outage began (monotonic; None: the socket is up or never was).
        self.connections = 0
        self._down_since: float | None = None

    @property
    def _account(self) -> WebhookAccount | None:
        account = self.coordinator.account
        return account if isinstance(account, WebhookAccount) else None

    @property
    def _socket_account(self) -> SocketAccount | None:
        account = self.coordinator.account
        return account if isinstance(account, SocketAccount) else None

    @property
    def _issue_id(self) -> str:
        return f"push_failed_{self.entry.entry_id}"

    async def async_start(self) -> None:
        """Register the webhook with HA and the cloud, or open the socket."""
        sockets = self._socket_account is not None
        if self._account is None and not sockets:
            return
        if not self.entry.options.get(OPT_PUSH, True):
            self.state = PushState.OFF
            return
        if sockets:
            self.state = PushState.STARTING
            self._runner = self.entry.async_create_background_task(
                self.hass, self._async_run_socket(), f"{DOMAIN} push socket"
            )
            return
        cloudhook = self._cloudhook_available()
        base = self._external_base()
        if not cloudhook and base is None:
            self.state = PushState.NO_URL
            LOGGER.debug("%s: no URL the cloud can reach; polling", self.entry.title)
            return
        webhook_id = self.entry.data.get(CONF_WEBHOOK_ID)
        if not webhook_id:  # made once, kept: the cloud keeps calling one URL
            webhook_id = secrets.token_hex(32)
            self.hass.config_entries.async_update_entry(
                self.entry, data={**self.entry.data, CONF_WEBHOOK_ID: webhook_id}
            )
        self._url = await self._async_url(webhook_id, cloudhook, base)
        if self._url is None:
            self.state = PushState.NO_URL
            return
        webhook.async_register(
            self.hass,
            DOMAIN,
            self.entry.title,
            webhook_id,
            self._async_handle,
            allowed_methods=["POST"],
        )
        self._registered = True
        self.state = PushState.STARTING
        await self._async_register()

    def _cloudhook_available(self) -> bool:
        """Whether the user has HA Cloud, whose cloudhooks reach us from anywhere."""
        if "cloud" not in self.hass.config.components:
            return False
        from homeassistant.components import cloud

        return cloud.async_active_subscription(self.hass)

    def _external_base(self) -> str | None:
        """HA's external URL, if it has one."""
        try:
            return get_url(
                self.hass, allow_internal=False, allow_ip=True, allow_cloud=False
            )
        except NoURLAvailableError:
            return None

    async def _async_url(
        self, webhook_id: str, cloudhook: bool, base: str | None
    ) -> str | None:
        """HA Cloud's cloudhook when the user has one, else HA's external URL."""
        if cloudhook:
            from homeassistant.components import cloud

            try:
                return await cloud.async_get_or_create_cloudhook(self.hass, webhook_id)
            except Exception as err:  # noqa: BLE001 - fall back to the URL
                LOGGER.debug("No cloudhook: %s", err)
        if base is None:
            return None
        return f"{base}{webhook.async_generate_path(webhook_id)}"

    async def _async_register(self, _now: object = None) -> None:
        """Ask the cloud to call our URL; on failure fall back and retry later."""
        account = self._account
        self._cancel_retry = None
        # only started with a webhook account and a URL (async_start)
        assert account is not None
        assert self._url is not None
        try:
            await account.async_register_webhook(self._url)
        except VendorError as err:
            self._fail(f"registration failed: {err}")
            return
        self._cloud_registered = True
        self._retry = RETRY_MIN
        self.error = None
        self.state = PushState.HEALTHY
        self.coordinator.set_push_healthy(True)
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        LOGGER.debug("%s: push is healthy", self.entry.title)
        self._report_taken()
        if self._cancel_taken is None:
            # devices that appear later are registered by the account's refresh
            self._cancel_taken = self.coordinator.async_add_listener(self._report_taken)

    @property
    def _taken_issue_id(self) -> str:
        return f"push_callbacks_taken_{self.entry.entry_id}"

    @callback
    def _report_taken(self) -> None:
        """Name in Repairs the devices whose callback another app holds."""
        account = self._account
        taken = sorted(account.push_taken().values()) if account else []
        if taken == self._taken:
            return
        self._taken = taken
        if not taken:
            ir.async_delete_issue(self.hass, DOMAIN, self._taken_issue_id)
            return
        LOGGER.info(
            "%s: another app holds the callback of %s; polling them",
            self.entry.title,
            ", ".join(taken),
        )
        self._warn(
            self._taken_issue_id, "push_callbacks_taken", devices=", ".join(taken)
        )

    @callback
    def _fail(self, reason: str) -> None:
        """Poll as normal, say why in a repair issue, and register again later."""
        if self.state is PushState.HEALTHY or self.error is None:
            LOGGER.warning(
                "%s: push is off, polling instead: %s", self.entry.title, reason
            )
        self._polling_instead(reason)
        self._raise_issue("push_failed", reason)
        if self._cancel_retry is None:
            self._cancel_retry = async_call_later(
                self.hass, self._retry, self._async_register
            )
            self._retry = min(self._retry * 2, RETRY_MAX)

    @callback
    def async_push_missed(self) -> None:
        """A poll found a change push never brought."""
        if self.state is not PushState.HEALTHY:
            return
        if self._runner is None:
            self._fail("a change reached us only by polling")
            return
        # a socket that lets changes by is no good: open a new one
        LOGGER.info(
            "%s: a change reached us only by polling; reopening the socket",
            self.entry.title,
        )
        self._socket_down("a change reached us only by polling")
        if self._socket is not None:
            self.hass.async_create_task(self._socket.close())

    # -- the socket --------------------------------------------------------------

    async def _async_run_socket(self) -> None:
        """Keep a socket open to the cloud, whatever it does, until stopped."""
        account = self._socket_account
        assert account is not None  # started only for a socket account
        retry = SOCKET_RETRY_MIN
        while True:
            try:
                socket = await account.async_open_socket()
            except VendorError as err:
                self._socket_down(f"could not open the socket: {err}")
                retry = await self._async_wait(retry)
                continue
            opened = time.monotonic()
            self._socket = socket
            self.connections += 1
            self._socket_up()
            try:
                reason = await self._async_read(socket)
            finally:
                self._socket = None
                await socket.close()
            if time.monotonic() - opened >= SOCKET_STABLE.total_seconds():
                retry = SOCKET_RETRY_MIN
            if reason is None:  # its token ends: a new one, at once
                LOGGER.debug("%s: reopening the socket (new token)", self.entry.title)
                continue
            self._socket_down(reason)
            retry = await self._async_wait(retry)

    async def _async_wait(self, retry: timedelta) -> timedelta:
        """Wait a jittered ``retry`` before opening again; return the next wait."""
        seconds = max(
            SOCKET_RETRY_MIN.total_seconds(),
            retry.total_seconds() * random.uniform(0.5, 1.0),  # noqa: S311 - jitter
        )
        LOGGER.debug(
            "%s: opening the socket again in %.1f s", self.entry.title, seconds
        )
        await asyncio.sleep(seconds)
        return min(retry * 2, SOCKET_RETRY_MAX)

    async def _async_read(self, socket: PushSocket) -> str | None:
        """Apply what the socket brings until it ends; return why (None: renew)."""
        while True:
            timeout = None
            if socket.renew_at is not None:
                timeout = max((socket.renew_at - dt_util.utcnow()).total_seconds(), 0)
            try:
                async with asyncio.timeout(timeout):
                    message = await socket.receive()
            except TimeoutError:
                return None
            except PushRejectedError as err:
                self._refuse(err.reason)
                continue
            except VendorError as err:  # the vendor says how it failed
                return str(err)
            if message is None:
                return "the cloud closed the socket"
            self._apply_message(message)

    @callback
    def _apply_message(self, message: Any) -> None:
        """Apply one socket message the way a webhook call is applied."""
        account = self._socket_account
        assert account is not None
        refused = self._accept(
            partial(account.parse_socket_message, message), "a socket message"
        )
        if refused is not None:
            self._refuse(refused)

    @callback
    def _socket_up(self) -> None:
        """The socket is open: polling is the safety net again."""
        if self.state is not PushState.HEALTHY:
            LOGGER.debug("%s: push is healthy (socket open)", self.entry.title)
        self._down_since = None
        self.error = None
        self.state = PushState.HEALTHY
        self.coordinator.set_push_healthy(True)
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)

    @callback
    def _socket_down(self, reason: str) -> None:
        """The socket is down: poll as usual; a long outage raises a repair issue."""
        if self.state is PushState.HEALTHY:
            LOGGER.info("%s: %s; polling until it is back", self.entry.title, reason)
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
        self._polling_instead(reason)
        if now - self._down_since >= SOCKET_ISSUE_AFTER.total_seconds():
            if not ir.async_get(self.hass).async_get_issue(DOMAIN, self._issue_id):
                LOGGER.warning(
                    "%s: push is off, polling instead: %s", self.entry.title, reason
                )
            self._raise_issue("push_socket_down", reason)

    @callback
    def _polling_instead(self, reason: str) -> None:
        """Push failed (``reason``): poll at the regular interval."""
        self.state = PushState.FAILED
        self.error = reason
        self.coordinator.set_push_healthy(False)

    @callback
    def _raise_issue(self, translation_key: str, reason: str) -> None:
        """Tell the user in Repairs that changes arrive only by polling, and why."""
        self._warn(self._issue_id, translation_key, error=reason)

    @callback
    def _warn(self, issue_id: str, translation_key: str, **placeholders: str) -> None:
        """A repair issue of this account (a warning the user cannot fix here)."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=translation_key,
            translation_placeholders={"account": self.entry.title, **placeholders},
        )

    async def async_stop(self) -> None:
        """Remove HA's handler, stop retrying, and unregister where the cloud can."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        registered_with_cloud = self._cloud_registered
        self._cloud_registered = False
        if self._registered:
            webhook.async_unregister(self.hass, self.entry.data[CONF_WEBHOOK_ID])
            self._registered = False
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        for cancel in self._pending_refresh.values():
            cancel()
        self._pending_refresh.clear()
        if self._cancel_taken is not None:
            self._cancel_taken()
            self._cancel_taken = None
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        ir.async_delete_issue(self.hass, DOMAIN, self._taken_issue_id)
        self._taken = []
        self.state = PushState.OFF
        account = self._account
        if registered_with_cloud and account is not None:
            try:
                await account.async_unregister_webhook()
            except VendorError as err:
                LOGGER.debug(
                    "%s: the webhook stays registered: %s", self.entry.title, err
                )

    def _refuse(self, reason: str, status: int = 400) -> web.Response:
        self.refused[reason] = self.refused.get(reason, 0) + 1
        LOGGER.debug("%s: refused a webhook call: %s", self.entry.title, reason)
        return web.Response(status=status)

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Apply what the cloud pushed; answer at once and never raise."""
        try:
            body = await _read_body(request)
        except (OSError, ValueError):  # a broken upload changes nothing
            return self._refuse("unreadable")
        if len(body) > MAX_BODY:
            return self._refuse("too_large", 413)
        account = self._account
        if account is None:  # pragma: no cover - the handler exists only with one
            return self._refuse("no_account")
        try:
            account.verify_webhook(body, request.headers)
        except PushRejectedError as err:
            return self._refuse(err.reason, 401)
        # from here on the call is the cloud's own: a cloud that punishes
        # failed deliveries gets its answer (200) even for what we ignore
        ignored = account.ignored_status
        try:
            payload = json.loads(body)
        except ValueError:
            return self._refuse("not_json", ignored)
        refused = self._accept(
            partial(account.parse_webhook, payload), "a webhook call"
        )
        if refused is not None:
            return self._refuse(refused, ignored)
        return web.Response(status=200)

    @callback
    def _accept(
        self, parse: Callable[[Mapping[str, Device]], Pushed], what: str
    ) -> str | None:
        """Parse one push (webhook call or socket message) and apply it.

        Returns why it was refused (None: applied). A vendor bug is logged
        and refused as unreadable: it must not break HA nor end a socket.
        """
        try:
            pushed = parse(self.coordinator.data.devices)
        except PushRejectedError as err:
            return err.reason
        except Exception:  # noqa: BLE001 - a vendor bug must not break HA
            LOGGER.exception("%s: could not read %s", self.entry.title, what)
            return "unreadable"
        self.accepted += 1
        self._apply(pushed)
        return None

    @callback
    def _apply(self, pushed: Pushed) -> None:
        """Apply what one push brought (a webhook call or a socket message)."""
        for update in pushed.updates:
            self.coordinator.async_apply_update(update)
        for event in pushed.events:
            self.coordinator.async_fire_event(event)
        for device_id in pushed.refresh:
            self._refresh_soon(device_id)
        if pushed.relist:
            self.hass.async_create_task(
                self.coordinator.async_refresh_inventory(soon=True)
            )
        if pushed.removed:
            self.hass.async_create_task(
                self.coordinator.async_confirm_removed(pushed.removed)
            )

    @callback
    def _refresh_soon(self, device_id: str) -> None:
        """Read a device again shortly: several pushes in a row make one read."""
        if device_id in self._pending_refresh:
            return

        async def refresh(_now: object) -> None:
            self._pending_refresh.pop(device_id, None)
            if device_id in self.coordinator.data.devices:
                await self.coordinator.async_refresh_device(device_id)

        self._pending_refresh[device_id] = async_call_later(
            self.hass, REFRESH_DELAY, refresh
        )

    def diagnostics(self) -> dict[str, object]:
        """Push health for diagnostics (no URL, no webhook id)."""
        return {
            "state": self.state.value,
            "error": self.error,
            "accepted": self.accepted,
            "refused": dict(self.refused),
            "retry_in": (
                str(self._retry)
                if self.state is PushState.FAILED and self._runner is None
                else None
            ),
            "transport": (
                "socket"
                if self._socket_account is not None
                else "webhook"
                if self._account is not None
                else None
            ),
            "sockets_opened": self.connections,
            "callbacks_taken": len(self._taken),
        }
