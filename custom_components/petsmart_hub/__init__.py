"""PetSmart Hub: smart pet devices from several vendor clouds."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .const import CONF_VENDOR, DOMAIN
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .services import async_setup_services
from .vendors import ACCOUNT_FACTORIES

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.CAMERA,
    Platform.DEVICE_TRACKER,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions (once, for every entry)."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PetSmartHubConfigEntry) -> bool:
    """Open the vendor account, make the first refresh and set up platforms."""
    account = ACCOUNT_FACTORIES[entry.data[CONF_VENDOR]](
        async_get_clientsession(hass), entry.data, entry.options
    )
    coordinator = PetSmartHubCoordinator(hass, entry, account)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    opened_with = dict(entry.options)

    async def _async_options_updated(
        hass: HomeAssistant, entry: PetSmartHubConfigEntry
    ) -> None:
        """Apply new options (polling intervals, defaults) by reloading.

        New data (reauth, reconfigure) reloads through the config flow; a
        second reload here would spend another round of (budgeted) calls.
        """
        if entry.options != opened_with:
            await hass.config_entries.async_reload(entry.entry_id)

    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: PetSmartHubConfigEntry
) -> bool:
    """Unload the platforms; the coordinator stops with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PetSmartHubConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Let the user delete a device the account's last device list left out.

    Such a device may still be kept while its removal is being confirmed; the
    user need not wait for that.
    """
    if entry.state is not ConfigEntryState.LOADED:
        # Without a refreshed account we cannot tell whether it is stale.
        return False
    coordinator = entry.runtime_data
    current = {
        coordinator.device_identifier(device_id) for device_id in coordinator.listed
    }
    return not any(
        domain == DOMAIN and identifier in current
        for domain, identifier in device_entry.identifiers
    )
