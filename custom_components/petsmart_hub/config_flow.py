"""Config flow: choose a vendor, then sign in to its cloud its own way."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from functools import partial
import logging
from typing import Any

import voluptuous as vol
from yarl import URL

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import CONF_ADVANCED, CONF_BASE_URL, CONF_VENDOR, DOMAIN, LOGGER
from .coordinator import (
    async_vendor,
    entry_credentials,
    entry_device_ids,
    open_account,
    rebased_implementation,
    vendor_of,
)
from .push import OPT_PUSH, PushState
from .vendors.base import (
    AuthError,
    BudgetExhaustedError,
    CannotConnectError,
    Inventory,
    NotAnApiError,
    RateLimitError,
    VendorAccount,
    VendorError,
)
from .vendors.descriptor import OPT_TAKE_OVER, Push, SignIn, VendorDescriptor
from .vendors.registry import VENDORS

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_TEXT = TextSelector()
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))

type _Step = Callable[[dict[str, Any] | None], Coroutine[Any, Any, ConfigFlowResult]]


def _credentials_schema(
    descriptor: VendorDescriptor,
    defaults: Mapping[str, Any],
    *,
    with_url: bool = True,
) -> vol.Schema:
    """The sign-in kind's fields, and the base URL folded away under advanced.

    A vendor whose URL is the user's own (a project's) asks for it first.
    """
    schema: dict[Any, Any] = {}
    if with_url and descriptor.url_asked:
        schema[
            vol.Required(
                CONF_BASE_URL, default=defaults.get(CONF_BASE_URL, vol.UNDEFINED)
            )
        ] = _URL
    # a stored secret is never shown again (reauth): no default at all there
    schema |= {
        (
            vol.Required(field.key, default=defaults.get(field.key, ""))
            if with_url
            else vol.Required(field.key)
        ): (_PASSWORD if field.secret else _TEXT)
        for field in descriptor.credentials
    }
    if with_url and descriptor.default_url is not None:
        schema[vol.Required(CONF_ADVANCED)] = section(
            vol.Schema(
                {
                    vol.Required(
                        CONF_BASE_URL,
                        default=defaults.get(CONF_BASE_URL, descriptor.default_url),
                    ): _URL
                }
            ),
            {"collapsed": True},
        )
    return vol.Schema(schema)


def _valid_url(text: str) -> bool:
    """Whether ``text`` is an http(s) URL with a host."""
    try:
        url = URL(text)
    except ValueError:  # e.g. "http://[::1", "http://host:99999"
        return False
    return url.scheme in ("http", "https") and bool(url.host)


class PetSmartHubConfigFlow(
    config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN
):
    """Add a vendor account: the vendor menu, then that vendor's sign-in.

    One handler for every vendor and every kind of sign-in: a form of the
    sign-in kind's fields, or (OAuth2) Home Assistant's own OAuth2 steps,
    which this handler inherits.
    """

    DOMAIN = DOMAIN
    #: 2: no secret in any id, and ids scoped to their entry (see __init__).
    VERSION = 2
    _title: str | None = None
    _descriptor: VendorDescriptor | None = None
    #: OAuth2: the API URL an advanced user moved the vendor to (None: its own).
    _base_url: str | None = None
    #: The devices the credentials last tried listed.
    _devices: Inventory = Inventory()

    @property
    def logger(self) -> logging.Logger:
        """The logger HA's OAuth2 steps write to."""
        return LOGGER

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """The scopes the OAuth2 vendor asks for."""
        oauth2 = self._descriptor.oauth2 if self._descriptor else None
        return {"scope": " ".join(oauth2.scopes)} if oauth2 and oauth2.scopes else {}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user pick a vendor."""
        return self.async_show_menu(step_id="user", menu_options=list(VENDORS))

    def __getattr__(self, name: str) -> _Step:
        """The menu's step of each vendor: ``async_step_<vendor key>``.

        Every vendor's sign-in is the same step, driven by its descriptor,
        so a vendor brings no step method of its own.
        """
        vendor = name.removeprefix("async_step_")
        if name.startswith("async_step_") and vendor in VENDORS:
            return partial(self._async_step_vendor, vendor)
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    async def _async_step_vendor(
        self, vendor: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """The vendor's sign-in, its package imported when first picked."""
        return await self._async_step_sign_in(
            await async_vendor(self.hass, vendor), user_input
        )

    async def _async_step_sign_in(
        self, descriptor: VendorDescriptor, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Sign in with the vendor's kind of sign-in."""
        self._descriptor = descriptor
        if descriptor.sign_in is SignIn.OAUTH2:
            return await self._async_step_oauth2_url(descriptor, user_input)
        errors: dict[str, str] = {}
        if user_input is not None:
            data, account, errors = await self._async_validate(descriptor, user_input)
            if account is not None:
                if self._configured_elsewhere(descriptor, account):
                    return self.async_abort(reason="already_configured")
                await self.async_set_unique_id(
                    descriptor.unique_id(
                        entry_credentials(descriptor, data), account.account_id
                    )
                )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=self._title or descriptor.title, data=data
                )
        return self.async_show_form(
            step_id=descriptor.key,
            data_schema=_credentials_schema(descriptor, _flatten(user_input)),
            errors=errors,
        )

    async def _async_step_oauth2_url(
        self, descriptor: VendorDescriptor, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """OAuth2: the cloud's URL (folded away under advanced); then HA's steps.

        One click for most users; who must use another server (a regional
        cloud, our simulator) unfolds the section first.
        """
        errors: dict[str, str] = {}
        if descriptor.default_url is None:
            return await self.async_step_pick_implementation()
        if user_input is not None:
            url = str(_flatten(user_input).get(CONF_BASE_URL) or "").strip()
            if _valid_url(url):
                self._base_url = url
                return await self.async_step_pick_implementation()
            errors["base"] = "invalid_url"
        return self.async_show_form(
            step_id=descriptor.key,
            data_schema=_credentials_schema(descriptor, _flatten(user_input)),
            errors=errors,
        )

    async def async_step_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """HA's external step, against the cloud the account lives on."""
        if self._descriptor is not None and self.flow_impl is not None:
            self.flow_impl = rebased_implementation(
                self.hass, self.flow_impl, self._descriptor, self._base_url
            )
        return await super().async_step_auth(user_input)

    async def _async_validate(
        self,
        descriptor: VendorDescriptor,
        user_input: Mapping[str, Any],
        *,
        entry: ConfigEntry | None = None,
    ) -> tuple[dict[str, Any], VendorAccount | None, dict[str, str]]:
        """Try the credentials against the cloud.

        Returns the entry data, the account when it answered (None on
        errors) and the form's errors.
        """
        flat = _flatten(user_input)
        data: dict[str, Any] = {
            CONF_VENDOR: descriptor.key,
            **entry_credentials(descriptor, flat),
        }
        if descriptor.default_url is not None or descriptor.url_asked:
            data[CONF_BASE_URL] = str(
                flat.get(CONF_BASE_URL) or descriptor.default_url or ""
            ).strip()
        for field in descriptor.credentials:
            if not data[field.key]:
                return data, None, {field.key: "invalid_auth"}
        if CONF_BASE_URL in data and not _valid_url(data[CONF_BASE_URL]):
            return data, None, {"base": "invalid_url"}
        account = open_account(self.hass, descriptor, data, {})
        error, devices = await self._async_identify(account, descriptor)
        if error is not None:
            return data, None, {"base": error}
        self._devices = devices
        if entry is not None and self._other_account(entry, data, account, devices):
            return data, None, {"base": "wrong_account"}
        if descriptor.key_is_device and devices:
            # one key is one device: name the entry after it
            self._title = devices[0].name
        return data, account, {}

    async def _async_identify(
        self, account: VendorAccount, descriptor: VendorDescriptor
    ) -> tuple[str | None, Inventory]:
        """Ask the cloud who the account is; return a form error or its devices."""
        try:
            return None, await account.async_identify()
        except AuthError:
            return "invalid_auth", Inventory()
        except BudgetExhaustedError:
            return "budget_exhausted", Inventory()
        except RateLimitError:
            return "rate_limited", Inventory()
        except CannotConnectError:
            return "cannot_connect", Inventory()
        except NotAnApiError:
            return "invalid_url", Inventory()
        except VendorError as err:
            LOGGER.debug(
                "Unexpected answer while validating %s: %s", descriptor.key, err
            )
            return "invalid_response", Inventory()
        except Exception:  # noqa: BLE001 - anything else is shown as "unknown"
            LOGGER.exception(
                "Unexpected error while validating a %s account", descriptor.key
            )
            return "unknown", Inventory()

    def _configured_elsewhere(
        self, descriptor: VendorDescriptor, account: VendorAccount
    ) -> bool:
        """Whether an account named by its devices is an entry already.

        Its name (a hash of its blocks) changes when a block is added: an
        entry that holds one of its identifying devices is the same account.
        """
        if not account.account_id_from_devices:
            return False
        ids = account.identifying_ids(self._devices)
        return any(
            entry.data.get(CONF_VENDOR) == descriptor.key
            and bool(ids & entry_device_ids(self.hass, entry.entry_id))
            for entry in self._async_current_entries(include_ignore=False)
        )

    def _other_account(
        self,
        entry: ConfigEntry,
        data: Mapping[str, Any],
        account: VendorAccount,
        devices: Inventory,
    ) -> bool:
        """Whether new credentials reach another account than the entry's.

        An account that names itself, or a key that is its device, is another
        one when its unique id differs. Another key of a vendor whose keys
        rotate, or of an account named by its devices (a block added since
        changes the name), may be the same account: it is another one when
        it lists none of the devices the entry has.
        """
        descriptor = vendor_of(entry)
        named = account.account_id and not account.account_id_from_devices
        if named or descriptor.key_is_device:
            unique_id = descriptor.unique_id(
                entry_credentials(descriptor, data), account.account_id
            )
            return unique_id != entry.unique_id
        known = entry_device_ids(self.hass, entry.entry_id)
        return bool(known) and not known & account.identifying_ids(devices)

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """HA's OAuth2 steps got a token: ask the cloud who the account is."""
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            entry = self._get_reauth_or_reconfigure_entry()
            descriptor = await async_vendor(self.hass, entry.data[CONF_VENDOR])
        else:
            entry = None
            descriptor = self._descriptor or await async_vendor(
                self.hass, data.get(CONF_VENDOR, "")
            )
        data = {CONF_VENDOR: descriptor.key, **data}
        if self._base_url:
            data[CONF_BASE_URL] = self._base_url
        token = data["token"]

        async def get_token(*, refresh: bool = False) -> str:
            # the token HA's steps just got: fresh, nothing to refresh yet
            return str(token["access_token"])

        account = open_account(self.hass, descriptor, data, {}, get_token)
        error, _ = await self._async_identify(account, descriptor)
        if error is not None:
            return self.async_abort(reason=error)
        if not account.account_id:
            LOGGER.debug("%s did not say which account the token is", descriptor.key)
            return self.async_abort(reason="invalid_response")
        await self.async_set_unique_id(descriptor.unique_id({}, account.account_id))
        if entry is not None:
            if entry.unique_id != self.unique_id:
                return self.async_abort(reason="wrong_account")
            return self._async_store(entry, data)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=descriptor.title, data=data)

    def _get_reauth_or_reconfigure_entry(self) -> ConfigEntry:
        if self.source == SOURCE_REAUTH:
            return self._get_reauth_entry()
        return self._get_reconfigure_entry()

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The cloud rejected the credentials: ask for new ones."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials of the same account; nothing is deleted."""
        entry = self._get_reauth_entry()
        descriptor = await async_vendor(self.hass, entry.data[CONF_VENDOR])
        self._descriptor = descriptor
        errors: dict[str, str] = {}
        if user_input is not None:
            if descriptor.sign_in is SignIn.OAUTH2:
                self._base_url = entry.data.get(CONF_BASE_URL)
                return await self.async_step_pick_implementation()
            data, account, errors = await self._async_validate(
                descriptor,
                {**user_input, CONF_BASE_URL: entry.data.get(CONF_BASE_URL)},
                entry=entry,
            )
            if account is not None:
                return await self._async_update_entry(entry, data, account)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_credentials_schema(descriptor, {}, with_url=False),
            description_placeholders={"vendor": descriptor.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the credentials or the API URL of an account."""
        entry = self._get_reconfigure_entry()
        descriptor = await async_vendor(self.hass, entry.data[CONF_VENDOR])
        self._descriptor = descriptor
        if descriptor.sign_in is SignIn.OAUTH2:
            self._base_url = entry.data.get(CONF_BASE_URL)
            return await self.async_step_pick_implementation()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, account, errors = await self._async_validate(
                descriptor, user_input, entry=entry
            )
            if account is not None:
                return await self._async_update_entry(entry, data, account)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_credentials_schema(
                descriptor, _flatten(user_input) or entry.data
            ),
            description_placeholders={"vendor": descriptor.title},
            errors=errors,
        )

    async def _async_update_entry(
        self, entry: ConfigEntry, data: dict[str, Any], account: VendorAccount
    ) -> ConfigFlowResult:
        """Store new credentials (and the id derived from them), then reload."""
        descriptor = vendor_of(entry)
        unique_id = descriptor.unique_id(
            entry_credentials(descriptor, data), account.account_id
        )
        if unique_id != entry.unique_id:
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
        return self._async_store(entry, data, unique_id)

    def _async_store(
        self, entry: ConfigEntry, data: dict[str, Any], unique_id: str | None = None
    ) -> ConfigFlowResult:
        self.hass.config_entries.async_update_entry(
            entry, unique_id=unique_id or entry.unique_id, data={**entry.data, **data}
        )
        # The entry's update listener reloads on option changes only, so the
        # flow reloads here (async_update_reload_and_abort would too, but HA
        # 2026.x reports it for an entry with an update listener).
        self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(
            reason=(
                "reconfigure_successful"
                if self.source == SOURCE_RECONFIGURE
                else "reauth_successful"
            )
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> PetSmartHubOptionsFlow:
        """The vendor's options (default amounts, durations, a call reserve)."""
        return PetSmartHubOptionsFlow()


def _flatten(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """Lift the advanced section's fields to the top level."""
    if not user_input:
        return {}
    flat = {key: value for key, value in user_input.items() if key != CONF_ADVANCED}
    flat.update(user_input.get(CONF_ADVANCED) or {})
    return flat


def _number(low: int, high: int, unit: str | None) -> NumberSelector:
    config = NumberSelectorConfig(
        min=low, max=high, step=1, mode=NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


class PetSmartHubOptionsFlow(OptionsFlow):
    """Options of an account."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and store the options."""
        descriptor = await async_vendor(self.hass, self.config_entry.data[CONF_VENDOR])
        pushes = descriptor.push is not Push.NONE
        if user_input is not None:
            switches = (OPT_PUSH, OPT_TAKE_OVER)
            data: dict[str, Any] = {
                key: int(value)
                for key, value in user_input.items()
                if key not in switches
            }
            if pushes:
                data[OPT_PUSH] = bool(user_input.get(OPT_PUSH, True))
            if descriptor.push_takeover:
                data[OPT_TAKE_OVER] = bool(user_input.get(OPT_TAKE_OVER, False))
            return self.async_create_entry(data=data)
        options = self.config_entry.options
        fields: dict[Any, Any] = {
            vol.Required(
                option.key, default=options.get(option.key, option.default)
            ): _number(option.low, option.high, option.unit)
            for option in descriptor.options
        }
        if pushes:
            fields[vol.Required(OPT_PUSH, default=options.get(OPT_PUSH, True))] = (
                BooleanSelector()
            )
        if descriptor.push_takeover:
            fields[
                vol.Required(OPT_TAKE_OVER, default=options.get(OPT_TAKE_OVER, False))
            ] = BooleanSelector()
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(fields),
            description_placeholders={"push": self._push_state()},
        )

    def _push_state(self) -> str:
        """Where push stands for this account (why it is off, when it is)."""
        entry = self.config_entry
        if vendor_of(entry).push is Push.NONE:
            return PushState.UNSUPPORTED.value
        if entry.state is not ConfigEntryState.LOADED:
            return PushState.OFF.value if not entry.options.get(OPT_PUSH, True) else "-"
        push = entry.runtime_data.push
        return push.state if push is not None else PushState.UNSUPPORTED.value
