"""Config flow: choose a vendor, then sign in to its cloud."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from yarl import URL

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    CONF_ADVANCED,
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_VENDOR,
    DEFAULT_FEED_AMOUNT,
    DEFAULT_PLAY_DURATION,
    DEFAULT_PUMP_DURATION,
    DEFAULT_RESERVE,
    DEFAULT_ZONE_DURATION,
    DOMAIN,
    IMPLEMENTED_VENDORS,
    LOGGER,
    NETRO_DEFAULT_BASE_URL,
    ONENATA_DEFAULT_BASE_URL,
    OPT_FEED_AMOUNT,
    OPT_PLAY_DURATION,
    OPT_PUMP_DURATION,
    OPT_RESERVE,
    OPT_ZONE_DURATION,
    VENDOR_NETRO,
    VENDOR_ONENATA,
)
from .coordinator import entry_device_ids
from .vendors import ACCOUNT_FACTORIES, account_unique_id
from .vendors.base import (
    AuthError,
    BudgetExhaustedError,
    CannotConnectError,
    Inventory,
    RateLimitError,
    VendorError,
)

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))

#: Title and default API URL of each vendor.
VENDOR_TITLES = {VENDOR_ONENATA: "OneNata", VENDOR_NETRO: "Netro"}
#: Vendors whose key is the device itself (a Netro serial).
KEY_IS_DEVICE = frozenset({VENDOR_NETRO})
DEFAULT_BASE_URLS = {
    VENDOR_ONENATA: ONENATA_DEFAULT_BASE_URL,
    VENDOR_NETRO: NETRO_DEFAULT_BASE_URL,
}


def _credentials_schema(vendor: str, defaults: Mapping[str, Any]) -> vol.Schema:
    """API key, and the base URL folded away under an advanced section."""
    return vol.Schema(
        {
            vol.Required(
                CONF_API_KEY, default=defaults.get(CONF_API_KEY, "")
            ): _PASSWORD,
            vol.Required(CONF_ADVANCED): section(
                vol.Schema(
                    {
                        vol.Required(
                            CONF_BASE_URL,
                            default=defaults.get(
                                CONF_BASE_URL, DEFAULT_BASE_URLS[vendor]
                            ),
                        ): _URL
                    }
                ),
                {"collapsed": True},
            ),
        }
    )


class PetSmartHubConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a vendor account."""

    #: 2: no secret in any id, and ids scoped to their entry (see __init__).
    VERSION = 2
    _title: str | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user pick a vendor (only the implemented ones are offered)."""
        return self.async_show_menu(
            step_id="user", menu_options=list(IMPLEMENTED_VENDORS)
        )

    async def async_step_onenata(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in to OneNata with an API key."""
        return await self._async_credentials_step(VENDOR_ONENATA, user_input)

    async def async_step_netro(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a Netro controller or soil sensor by its serial number (the key)."""
        return await self._async_credentials_step(VENDOR_NETRO, user_input)

    async def _async_credentials_step(
        self, vendor: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(vendor, user_input)
            if not errors:
                await self.async_set_unique_id(
                    account_unique_id(vendor, data[CONF_API_KEY])
                )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=self._title or VENDOR_TITLES[vendor], data=data
                )
        return self.async_show_form(
            step_id=vendor,
            data_schema=_credentials_schema(vendor, _flatten(user_input)),
            errors=errors,
        )

    async def _async_validate(
        self,
        vendor: str,
        user_input: Mapping[str, Any],
        *,
        entry: ConfigEntry | None = None,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Try the credentials against the cloud; return entry data and form errors."""
        data = {CONF_VENDOR: vendor, **_flatten(user_input)}
        data[CONF_API_KEY] = str(data.get(CONF_API_KEY, "")).strip()
        data[CONF_BASE_URL] = str(
            data.get(CONF_BASE_URL) or DEFAULT_BASE_URLS[vendor]
        ).strip()
        if not data[CONF_API_KEY]:
            return data, {CONF_API_KEY: "invalid_auth"}
        try:
            url = URL(data[CONF_BASE_URL])
        except ValueError:  # e.g. "http://[::1", "http://host:99999"
            return data, {"base": "invalid_url"}
        if url.scheme not in ("http", "https") or not url.host:
            return data, {"base": "invalid_url"}
        account = ACCOUNT_FACTORIES[vendor](
            async_get_clientsession(self.hass), data, {}
        )
        try:
            devices = await account.async_identify()
        except AuthError:
            return data, {"base": "invalid_auth"}
        except BudgetExhaustedError:
            return data, {"base": "budget_exhausted"}
        except RateLimitError:
            return data, {"base": "rate_limited"}
        except CannotConnectError:
            return data, {"base": "cannot_connect"}
        except VendorError as err:
            LOGGER.debug("Unexpected answer while validating %s: %s", vendor, err)
            return data, {"base": "invalid_response"}
        except Exception:  # noqa: BLE001 - anything else is shown as "unknown"
            LOGGER.exception("Unexpected error while validating a %s account", vendor)
            return data, {"base": "unknown"}
        if entry is not None and self._other_account(entry, data, devices):
            return data, {"base": "wrong_account"}
        if vendor == VENDOR_NETRO and devices:
            # one key is one device: name the entry after it
            self._title = devices[0].name
        return data, {}

    def _other_account(
        self, entry: ConfigEntry, data: Mapping[str, Any], devices: Inventory
    ) -> bool:
        """Whether new credentials reach another account than the entry's.

        A Netro key is its device: another key is another device. Another
        OneNata key may be the same account (rotated): it is another one
        when it lists none of the devices the entry has.
        """
        vendor = entry.data[CONF_VENDOR]
        if vendor in KEY_IS_DEVICE:
            return account_unique_id(vendor, data[CONF_API_KEY]) != entry.unique_id
        known = entry_device_ids(self.hass, entry.entry_id)
        return bool(known) and not known & {device.id for device in devices}

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The cloud rejected the key: ask for a new one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new key of the same account; nothing is deleted."""
        entry = self._get_reauth_entry()
        vendor = entry.data[CONF_VENDOR]
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(
                vendor,
                {**user_input, CONF_BASE_URL: entry.data.get(CONF_BASE_URL)},
                entry=entry,
            )
            if not errors:
                return await self._async_update_entry(entry, data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): _PASSWORD}),
            description_placeholders={"vendor": VENDOR_TITLES[vendor]},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the key or the API URL of an account."""
        entry = self._get_reconfigure_entry()
        vendor = entry.data[CONF_VENDOR]
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(vendor, user_input, entry=entry)
            if not errors:
                return await self._async_update_entry(entry, data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_credentials_schema(vendor, _flatten(user_input) or entry.data),
            description_placeholders={"vendor": VENDOR_TITLES[vendor]},
            errors=errors,
        )

    async def _async_update_entry(
        self, entry: ConfigEntry, data: dict[str, Any]
    ) -> ConfigFlowResult:
        """Store new credentials (and the id derived from them), then reload."""
        unique_id = account_unique_id(data[CONF_VENDOR], data[CONF_API_KEY])
        if unique_id != entry.unique_id:
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
        self.hass.config_entries.async_update_entry(
            entry, unique_id=unique_id, data={**entry.data, **data}
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
        """Polling and default amounts/durations."""
        return PetSmartHubOptionsFlow()


def _flatten(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """Lift the advanced section's fields to the top level."""
    if not user_input:
        return {}
    flat = {key: value for key, value in user_input.items() if key != CONF_ADVANCED}
    flat.update(user_input.get(CONF_ADVANCED) or {})
    return flat


def _number(low: int, high: int, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=low,
            max=high,
            step=1,
            mode=NumberSelectorMode.BOX,
            unit_of_measurement=unit,
        )
    )


#: Per vendor: option -> (default, min, max, unit)
OPTION_FIELDS: dict[str, dict[str, tuple[int, int, int, str]]] = {
    VENDOR_ONENATA: {
        OPT_FEED_AMOUNT: (DEFAULT_FEED_AMOUNT, 1, 500, "g"),
        OPT_PUMP_DURATION: (DEFAULT_PUMP_DURATION, 1, 1440, "min"),
        OPT_PLAY_DURATION: (DEFAULT_PLAY_DURATION, 10, 3600, "s"),
    },
    VENDOR_NETRO: {
        OPT_ZONE_DURATION: (DEFAULT_ZONE_DURATION, 1, 720, "min"),
        OPT_RESERVE: (DEFAULT_RESERVE, 20, 1000, "calls"),
    },
}


class PetSmartHubOptionsFlow(OptionsFlow):
    """Options of an account."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and store the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={key: int(value) for key, value in user_input.items()}
            )
        options = self.config_entry.options
        schema = vol.Schema(
            {
                vol.Required(key, default=options.get(key, default)): _number(
                    low, high, unit
                )
                for key, (default, low, high, unit) in OPTION_FIELDS[
                    self.config_entry.data[CONF_VENDOR]
                ].items()
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
