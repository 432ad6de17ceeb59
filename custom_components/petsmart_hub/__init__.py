"""PetSmart Hub: smart pet devices from several vendor clouds."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import (
    config_entry_oauth2_flow,
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.typing import ConfigType

from .compat import device_config_entry_ids
from .const import CONF_BASE_URL, CONF_VENDOR, DOMAIN, LOGGER, REMOVED_OPTIONS
from .coordinator import (
    PetSmartHubConfigEntry,
    PetSmartHubCoordinator,
    async_vendor,
    device_identifier,
    entry_credentials,
    oauth2_token_getter,
    open_account,
    rebased_implementation,
    vendor_of,
)
from .journal import async_remove_storage
from .push import PushManager
from .services import async_setup_services
from .vendors.descriptor import SignIn

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.CAMERA,
    Platform.DEVICE_TRACKER,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.LIGHT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions (once, for every entry)."""
    async_setup_services(hass)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Move a version 1 entry to ids that hold no secret and cannot collide.

    Version 1 named devices ``<vendor>_<device id>`` and entities
    ``<vendor>_<device id>_<key>``; a Netro device id was its serial (the
    API key) and a Netro entry's unique id the key itself, and two accounts
    sharing a device gave their entities the same unique ids. Version 2
    scopes both to the entry (``<entry id>_<device id>[_<key>]``), renames
    Netro's devices (``device``, ``zone<n>``) and hashes every entry's key.
    Entity ids, names and history stay: only unique ids and identifiers move.
    Polling intervals are no options any more: those are dropped.
    """
    if entry.version > 2:
        return False  # a downgrade: we cannot read what a newer version wrote
    if entry.version == 1:
        descriptor = await async_vendor(hass, entry.data[CONF_VENDOR])
        await _async_migrate_ids_v1(hass, entry)
        hass.config_entries.async_update_entry(
            entry,
            unique_id=descriptor.unique_id(
                entry_credentials(descriptor, entry.data), None
            ),
            options={
                key: value
                for key, value in entry.options.items()
                if key not in REMOVED_OPTIONS
            },
            version=2,
        )
        LOGGER.debug("Migrated entry %s to version 2", entry.title)
    return True


async def _async_migrate_ids_v1(hass: HomeAssistant, entry: ConfigEntry) -> None:
    descriptor = vendor_of(entry)
    # version 1 knew only vendors signed in with a key
    key = descriptor.identity(entry_credentials(descriptor, entry.data)) or ""
    old_prefix = f"{descriptor.key}_"

    def new_identifier(old: str) -> str:
        return device_identifier(
            entry.entry_id, descriptor.device_id_after_v1(old, key)
        )

    devices = dr.async_get(hass)
    # HA device id -> the version 1 device id its identifier held
    old_ids: dict[str, str] = {}
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        ours = {
            identifier
            for domain, identifier in device.identifiers
            if domain == DOMAIN and identifier.startswith(old_prefix)
        }
        if not ours:
            continue
        new = {(DOMAIN, new_identifier(old.removeprefix(old_prefix))) for old in ours}
        old_ids[device.id] = max(ours, key=len).removeprefix(old_prefix)
        # a device another account shares (HA before 2026.8) keeps the old
        # identifier for that account's own migration
        shared = device_config_entry_ids(device) - {entry.entry_id}
        kept = device.identifiers - {(DOMAIN, old) for old in ours}
        devices.async_update_device(
            device.id,
            new_identifiers=device.identifiers | new if shared else kept | new,
        )

    def move(entity: er.RegistryEntry) -> dict[str, str] | None:
        if entity.platform != DOMAIN or not entity.unique_id.startswith(old_prefix):
            return None
        rest = entity.unique_id.removeprefix(old_prefix)
        device_id = old_ids.get(entity.device_id or "")
        candidates = [device_id] if device_id else sorted(old_ids.values(), key=len)
        for old in reversed(candidates):
            if rest.startswith(f"{old}_"):
                suffix = rest.removeprefix(old)
                return {"new_unique_id": new_identifier(old) + suffix}
        return None

    await er.async_migrate_entries(hass, entry.entry_id, move)


async def async_setup_entry(hass: HomeAssistant, entry: PetSmartHubConfigEntry) -> bool:
    """Open the vendor account, make the first refresh, start it and set up platforms."""
    descriptor = await async_vendor(hass, entry.data[CONF_VENDOR])
    token = client_secret = None
    if descriptor.sign_in is SignIn.OAUTH2:
        try:
            implementation = (
                await config_entry_oauth2_flow.async_get_config_entry_implementation(
                    hass, entry
                )
            )
        except ConfigEntryAuthFailed:
            raise  # HA 2026.x: credentials the entry names are gone (reauth)
        except ValueError as err:  # HA 2025.4; later releases raise their own
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN, translation_key="oauth2_unavailable"
            ) from err
        implementation = rebased_implementation(
            hass, implementation, descriptor, entry.data.get(CONF_BASE_URL)
        )
        token = oauth2_token_getter(
            hass, config_entry_oauth2_flow.OAuth2Session(hass, entry, implementation)
        )
        client_secret = getattr(implementation, "client_secret", None)
    account = open_account(
        hass, descriptor, entry.data, entry.options, token, client_secret
    )
    coordinator = PetSmartHubCoordinator(hass, entry, account)
    journal = coordinator.journal
    await journal.async_load()
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    entry.async_on_unload(journal.async_stop)
    await account.async_start(coordinator.async_apply_update)
    entry.async_on_unload(account.async_stop)
    push = PushManager(hass, entry, coordinator)
    coordinator.push = push
    coordinator.on_push_missed = push.async_push_missed
    entry.async_on_unload(push.async_stop)
    await push.async_start()
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
    # meals missed while Home Assistant was down fire to their event entities
    journal.async_start()
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: PetSmartHubConfigEntry
) -> bool:
    """Unload the platforms; the coordinator stops with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete what the entry kept in storage (its meals, feeds and photos)."""
    await async_remove_storage(hass, entry.entry_id)


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
