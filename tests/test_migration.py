"""Moving a version 1 entry to version 2's ids (no secret, scoped to the entry).

Version 1 named a device ``<vendor>_<device id>`` and an entity
``<vendor>_<device id>_<key>``. A Netro device id was its serial, which is the
API key, and so was a Netro entry's unique id. Version 2 scopes identifiers
and unique ids to the entry, names Netro's devices ``device`` and ``zone<n>``,
and hashes every key. The registry entries move: entity ids, their registry
entries (and so their history and customisations) stay.
"""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub.const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.petsmart_hub.vendors.descriptor import account_unique_id
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .conftest import (
    API_KEY,
    CONTROLLER_KEY,
    VENDOR_NETRO,
    VENDOR_ONENATA,
    Cloud,
    NetroCloud,
)
from .registry import entry_ids

pytestmark = pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")


def version_1(vendor: str, key: str, base_url: str, unique_id: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        version=1,
        title=vendor,
        unique_id=unique_id,
        data={CONF_VENDOR: vendor, CONF_API_KEY: key, CONF_BASE_URL: base_url},
    )


def registered(
    hass: HomeAssistant, entry: MockConfigEntry
) -> tuple[list[dr.DeviceEntry], list[er.RegistryEntry]]:
    return (
        dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id),
        er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id),
    )


async def test_a_netro_entry_of_version_1_moves_to_ids_without_the_serial(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    netro: NetroCloud,
) -> None:
    entry = version_1(VENDOR_NETRO, CONTROLLER_KEY, netro.base_url, CONTROLLER_KEY)
    entry.add_to_hass(hass)
    # what version 1 registered
    controller = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"netro_{CONTROLLER_KEY}")},
        name="Front Yard Sprite",
    )
    zone = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"netro_{CONTROLLER_KEY}_zone1")},
        name="Front Lawn",
    )
    status = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"netro_{CONTROLLER_KEY}_controller_status",
        config_entry=entry,
        device_id=controller.id,
        suggested_object_id="front_yard_sprite_status",
    )
    moisture = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"netro_{CONTROLLER_KEY}_zone1_zone_moisture",
        config_entry=entry,
        device_id=zone.id,
        suggested_object_id="front_lawn_moisture",
    )
    # a user's customisation survives the move
    entity_registry.async_update_entity(moisture.entity_id, name="Lawn wetness")

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert entry.version == 2
    assert entry.unique_id == account_unique_id(VENDOR_NETRO, CONTROLLER_KEY)
    # the same registry entries, under their new unique ids
    moved_status = entity_registry.async_get(status.entity_id)
    assert moved_status is not None
    assert moved_status.id == status.id
    assert moved_status.unique_id == f"{entry.entry_id}_device_controller_status"
    moved_moisture = entity_registry.async_get(moisture.entity_id)
    assert moved_moisture is not None
    assert moved_moisture.id == moisture.id
    assert moved_moisture.unique_id == f"{entry.entry_id}_zone1_zone_moisture"
    assert moved_moisture.name == "Lawn wetness"
    # live, and not duplicated by new entities
    assert hass.states.get("sensor.front_yard_sprite_status").state == "online"
    assert hass.states.get("sensor.front_lawn_moisture") is not None
    assert hass.states.get("sensor.front_yard_sprite_status_2") is None
    assert hass.states.get("sensor.front_lawn_moisture_2") is None
    # the same devices, under their new identifiers
    moved_controller = device_registry.async_get(controller.id)
    assert moved_controller is not None
    assert moved_controller.identifiers == {(DOMAIN, f"{entry.entry_id}_device")}
    moved_zone = device_registry.async_get(zone.id)
    assert moved_zone is not None
    assert moved_zone.identifiers == {(DOMAIN, f"{entry.entry_id}_zone1")}
    assert moved_zone.via_device_id == controller.id  # linked by the set-up
    # the serial (the key) is in no id any more
    devices, entities = registered(hass, entry)
    assert len(devices) == 6  # the controller and its 5 enabled zones
    for device in devices:
        for _, identifier in device.identifiers:
            assert CONTROLLER_KEY not in identifier
    for entity in entities:
        assert CONTROLLER_KEY not in entity.unique_id
    assert CONTROLLER_KEY not in str(entry.unique_id)


async def test_a_onenata_entry_of_version_1_is_scoped_to_its_entry(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    onenata: Cloud,
) -> None:
    unique_id = account_unique_id(VENDOR_ONENATA, API_KEY)  # already a hash
    entry = version_1(VENDOR_ONENATA, API_KEY, onenata.base_url, unique_id)
    entry.add_to_hass(hass)
    # polling intervals were options in version 1
    hass.config_entries.async_update_entry(
        entry, options={"scan_interval": 30, "slow_scan_interval": 5, "feed_amount": 40}
    )
    feeder = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, "onenata_feeding_machine_001")},
        name="Smart Feeder 1",
    )
    food = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        "onenata_feeding_machine_001_food_level",
        config_entry=entry,
        device_id=feeder.id,
        suggested_object_id="smart_feeder_1_food_level",
    )
    # another integration's entity of the same entry is left alone
    other = entity_registry.async_get_or_create(
        "sensor", "other_pets", "onenata_feeding_machine_001_x", config_entry=entry
    )
    # an entity without a device is matched by its unique id alone
    loose = entity_registry.async_get_or_create(
        "sensor", DOMAIN, "onenata_feeding_machine_001_extra", config_entry=entry
    )
    # one of no device we know stays as it is (and is not set up)
    stray = entity_registry.async_get_or_create(
        "sensor", DOMAIN, "onenata_gone_device_9_food_level", config_entry=entry
    )
    # a device without a version 1 identifier is left alone
    unrelated = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={("other_pets", "feeder")},
        name="Another feeder",
    )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.version == 2
    assert entry.unique_id == unique_id
    assert entry.options == {"feed_amount": 40}  # the intervals are no options
    moved = entity_registry.async_get(food.entity_id)
    assert moved is not None
    assert moved.unique_id == f"{entry.entry_id}_feeding_machine_001_food_level"
    assert hass.states.get("sensor.smart_feeder_1_food_level") is not None
    assert hass.states.get("sensor.smart_feeder_1_food_level_2") is None
    assert device_registry.async_get(feeder.id).identifiers == {
        (DOMAIN, f"{entry.entry_id}_feeding_machine_001")
    }
    untouched = entity_registry.async_get(other.entity_id)
    assert untouched is not None
    assert untouched.unique_id == "onenata_feeding_machine_001_x"
    moved_loose = entity_registry.async_get(loose.entity_id)
    assert moved_loose is not None
    assert moved_loose.unique_id == f"{entry.entry_id}_feeding_machine_001_extra"
    kept = entity_registry.async_get(stray.entity_id)
    assert kept is not None
    assert kept.unique_id == "onenata_gone_device_9_food_level"
    assert device_registry.async_get(unrelated.id).identifiers == {
        ("other_pets", "feeder")
    }
    assert entry_ids(device_registry.async_get(feeder.id)) == {entry.entry_id}


async def test_an_entry_from_a_newer_version_is_not_set_up(
    hass: HomeAssistant, onenata: Cloud
) -> None:
    entry = version_1(VENDOR_ONENATA, API_KEY, onenata.base_url, "x")
    entry = MockConfigEntry(
        domain=DOMAIN, version=3, unique_id="x", data=dict(entry.data)
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.version == 3
