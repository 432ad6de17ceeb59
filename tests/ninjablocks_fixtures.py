"""Shared fixtures of the Ninja Blocks tests through Home Assistant.

A Ninja Blocks cloud simulator on 127.0.0.1 (the doc's block with its
sensors, LED, relay, RF433 hub and webcam, plus the webhook service) and an
account set up on it. Test modules import the fixtures they use by their
function names (each fixture is registered under its short name).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub.const import CONF_BASE_URL, CONF_VENDOR, DOMAIN
from custom_components.petsmart_hub.vendors.ninjablocks.account import account_id_of
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from simulator.core import RunningSimulator, start_server
from simulator.ninjablocks import (
    BASE_PATH,
    DOOR_BELL_CODE,
    DOOR_BELL_ID,
    HEAT_LAMP_CODE,
    HEAT_LAMP_ID,
    WEBHOOK_GUID,
    NinjaBlocksSimulator,
)
from simulator.ninjablocks.world import DEFAULT_NODE, block_guids

VENDOR = "ninjablocks"
#: Fixed, so that unique ids (scoped to the entry) are too.
ENTRY_ID = "01JQNINJABLOCKS000000000001"
NODE = DEFAULT_NODE

# The simulator's default block (the doc's four devices and more).
_GUIDS = block_guids(NODE)
HUMIDITY = _GUIDS["humidity"]  # the doc's ASTEALTHYNODE01_0301_0_30, DA 58
TEMPERATURE = _GUIDS["temperature"]  # ..._0301_0_31, DA 26.6
LED = _GUIDS["rgbled"]  # ..._0_0_1000, DA "22B42B"
RF = _GUIDS["rf433"]  # ..._0_0_11: the Door Bell (sensor) and Heat lamp on (actuator)
PIR = _GUIDS["pir"]
CONTACT = _GUIDS["contact"]
BUTTON = _GUIDS["button"]
RELAY = _GUIDS["relay"]
DISTANCE = _GUIDS["distance"]  # DA in cm
LIGHT = _GUIDS["light"]
WEBCAM = _GUIDS["webcam"]  # ..._0_0_1004
WEBHOOK = WEBHOOK_GUID  # the webhook service, with the Dinner bell webhook sensor
DOOR_BELL = f"{RF}:{DOOR_BELL_ID}"
HEAT_LAMP = f"{RF}:{HEAT_LAMP_ID}"
__all__ = [
    "BUTTON",
    "CONTACT",
    "DISTANCE",
    "DOOR_BELL",
    "DOOR_BELL_CODE",
    "ENTRY_ID",
    "HEAT_LAMP",
    "HEAT_LAMP_CODE",
    "HUMIDITY",
    "LED",
    "LIGHT",
    "NODE",
    "PIR",
    "RELAY",
    "RF",
    "TEMPERATURE",
    "VENDOR",
    "WEBCAM",
    "WEBHOOK",
    "NinjaCloud",
    "ninjablocks_entry",
]


@dataclass
class NinjaCloud:
    """A running Ninja Blocks simulator."""

    sim: NinjaBlocksSimulator
    server: RunningSimulator

    @property
    def url(self) -> str:
        """The API base URL (what the config flow's advanced section takes)."""
        return f"{self.server.url}{BASE_PATH}"


@pytest.fixture(name="ninjablocks")
async def fixture_ninjablocks(socket_enabled: None) -> AsyncGenerator[NinjaCloud]:
    """A Ninja Blocks account: one block with every kind of device."""
    sim = NinjaBlocksSimulator()
    server = await start_server(sim)
    yield NinjaCloud(sim, server)
    await sim.close_deliveries()
    await server.close()


def ninjablocks_entry(
    cloud: NinjaCloud, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """The account as the config flow stores it."""
    nodes = {device.node for device in cloud.sim.devices.values()} - {"WEBHOOK"}
    return MockConfigEntry(
        domain=DOMAIN,
        version=2,
        entry_id=ENTRY_ID,
        title="Ninja Blocks",
        unique_id=f"{VENDOR}_{account_id_of(sorted(nodes))}",
        data={
            CONF_VENDOR: VENDOR,
            CONF_BASE_URL: cloud.url,
            "access_token": cloud.sim.token,
        },
        options=options or {},
    )


@pytest.fixture(name="ninjablocks_options")
def fixture_ninjablocks_options() -> dict[str, Any]:
    """Options of the account under test."""
    return {}


@pytest.fixture(name="unload_before_the_cloud_goes", autouse=True)
async def fixture_unload_before_the_cloud_goes(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> AsyncGenerator[None]:
    """Unload every account while its simulator still runs (a quiet teardown)."""
    yield
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture(name="ninjablocks_entry")
async def fixture_ninjablocks_entry(
    hass: HomeAssistant, ninjablocks: NinjaCloud, ninjablocks_options: dict[str, Any]
) -> MockConfigEntry:
    """The account, set up, its entities made."""
    entry = ninjablocks_entry(ninjablocks, ninjablocks_options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
