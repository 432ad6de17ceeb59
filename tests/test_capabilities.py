"""Capabilities are per device: entities and actions exist only where it can.

The vendor decides what each device can do. Here the OneNata table is
narrowed (and widened) as another vendor's devices could be: a camera
without a stream that cannot take photos, a tracker without history, a
feeder with a camera; and a Netro zone that cannot be stopped.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub import button, switch
from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.model import (
    OPTION_DEFAULTS,
    Action,
    DeviceKind,
    Feature,
)
from custom_components.petsmart_hub.vendors import netro as netro_vendor, onenata
from custom_components.petsmart_hub.vendors.netro import account as netro_account
from custom_components.petsmart_hub.vendors.registry import VENDORS
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .conftest import CONTROLLER_KEY, Cloud, NetroCloud, netro_entry
from .registry import find_device

CAMERA = "camera_001"
TRACKER = "gps_tracker_001"
FEEDER = "feeding_machine_001"


@pytest.fixture
def narrowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """OneNata's table, as another vendor's devices could have it."""
    table = dict(onenata.account.CAPABILITIES)
    table[DeviceKind.CAMERA] = (frozenset({Action.START_RECORDING}), frozenset())
    table[DeviceKind.TRACKER] = (frozenset(), frozenset())
    feeder_actions, _ = table[DeviceKind.FEEDER]
    table[DeviceKind.FEEDER] = (feeder_actions, frozenset({Feature.LIVE_STREAM}))
    monkeypatch.setattr(onenata.account, "CAPABILITIES", table)


def _entities(hass: HomeAssistant, entry: MockConfigEntry, domain: str) -> set[str]:
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.domain == domain
    }


def _ha_device(hass: HomeAssistant, vendor_id: str) -> str:
    device = find_device(hass, f"onenata_{vendor_id}")
    assert device is not None
    return device.id


async def test_entities_exist_only_where_the_device_can(
    hass: HomeAssistant, narrowed: None, init_integration: MockConfigEntry
) -> None:
    cameras = _entities(hass, init_integration, "camera")
    assert cameras == {"camera.smart_feeder_1"}  # the feeder's, not the camera's
    buttons = _entities(hass, init_integration, "button")
    assert "button.pet_camera_1_start_recording" in buttons
    assert "button.pet_camera_1_take_photo" not in buttons
    assert "button.smart_feeder_1_feed" in buttons
    assert _entities(hass, init_integration, "device_tracker") == {
        "device_tracker.gps_tracker_1"  # where it is: a reading, not a capability
    }


@pytest.mark.parametrize(
    ("service", "vendor_id", "data", "response"),
    [
        ("take_photo", CAMERA, {}, True),
        ("get_location_history", TRACKER, {}, True),
        (
            "set_geofence",
            TRACKER,
            {"latitude": 1, "longitude": 2, "radius": 100, "name": "Yard"},
            False,
        ),
    ],
)
async def test_actions_refuse_a_device_that_can_not(
    hass: HomeAssistant,
    onenata: Cloud,
    narrowed: None,
    init_integration: MockConfigEntry,
    service: str,
    vendor_id: str,
    data: dict[str, Any],
    response: bool,
) -> None:
    onenata.sim.reset_requests()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            service,
            {"device_id": [_ha_device(hass, vendor_id)], **data},
            blocking=True,
            return_response=response,
        )
    assert err.value.translation_key == "wrong_device_kind"
    assert onenata.sim.requests == []


async def test_a_zone_that_can_not_stop_has_no_switch(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, netro: NetroCloud
) -> None:
    """A switch needs both its actions: on (water) and off (stop)."""
    table = dict(netro_account.ACTIONS)
    table[DeviceKind.SPRINKLER_ZONE] = frozenset({Action.WATER})
    monkeypatch.setattr(netro_account, "ACTIONS", table)
    entry = netro_entry(netro, CONTROLLER_KEY)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert _entities(hass, entry, "switch") == {"switch.front_yard_sprite_enabled"}
    assert _entities(hass, entry, "button") == {
        "button.front_yard_sprite_stop_watering"
    }


def test_descriptions_build_the_command_of_their_action() -> None:
    """A button or switch exists for its action and sends that action's command."""
    options = dict(OPTION_DEFAULTS)  # what the coordinator hands them at least
    for description in button.BUTTONS:
        assert description.command_fn(options).action is description.action
    for switch_description in switch.SWITCHES:
        assert (
            switch_description.turn_on_fn(options).action
            is switch_description.on_action
        )
        assert (
            switch_description.turn_off_fn(options).action
            is switch_description.off_action
        )


async def test_every_device_stays_within_its_vendors_capabilities(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """What a device says it can do is what its descriptor says the vendor offers."""
    descriptor = VENDORS[init_integration.data["vendor"]]
    devices = init_integration.runtime_data.data.devices.values()
    offered = frozenset().union(*(d.actions | d.features for d in devices))
    assert offered == descriptor.capabilities
    assert netro_vendor.DESCRIPTOR.capabilities == frozenset().union(
        *netro_account.ACTIONS.values()
    )
