"""Shared fixtures of the Instathings tests through Home Assistant.

An Instathings project simulator on 127.0.0.1 (cloud mode by default; a test
module overrides ``instathings_on_premise``) and an account set up on it.
Test modules import the fixtures they use by their function names (each
fixture is registered under its short name).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub.const import CONF_BASE_URL, CONF_VENDOR, DOMAIN
from homeassistant.core import HomeAssistant
from simulator.core import RunningSimulator, start_server
from simulator.instathings import InstathingsSimulator

VENDOR = "instathings"
#: Fixed, so that unique ids (scoped to the entry) are too.
ENTRY_ID = "01JQINSTATHINGS0000000000001"
PROJECT = "77JTOK6B"

# The simulator's default world (seed 0).
GATEWAY = "4SVlb721"
CLIMATE = "VAvVrKLY"  # Xiaomi temperature and humidity, battery, linkquality
SOIL = "TyXwSmYG"  # soil moisture, temperature, battery
LAMP = "WEmHqvrc"  # Hue lamp: state, brightness, color xy, color_temp
PLUG = "ypGa3jFB"  # Zigbee plug: state, power, energy, voltage, current
SHELLY = "Xg5Ya73n"  # Shelly Plug S behind the gateway (HTTP)
FOUNTAIN = "hBnhlINI"  # unknown keys: cycles (number), mode (text), filter_ok
VIRTUAL = "3LEeBgsM"  # no parent, no type: {value, isVirtualData}


@dataclass
class InstathingsCloud:
    """A running Instathings simulator."""

    sim: InstathingsSimulator
    server: RunningSimulator

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(name="instathings_on_premise")
def fixture_instathings_on_premise() -> bool:
    """Whether the simulator is an on-premise gateway (no token, socket.io)."""
    return False


@pytest.fixture(name="instathings")
async def fixture_instathings(
    socket_enabled: None, instathings_on_premise: bool
) -> AsyncGenerator[InstathingsCloud]:
    """An Instathings project (a gateway with Zigbee and HTTP devices)."""
    sim = InstathingsSimulator(on_premise=instathings_on_premise, status_delay=0.05)
    server = await start_server(sim)
    yield InstathingsCloud(sim, server)
    await sim.drop_sockets()
    await server.close()


def instathings_entry(
    cloud: InstathingsCloud, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """The project's account as the config flow stores it."""
    return MockConfigEntry(
        domain=DOMAIN,
        version=2,
        entry_id=ENTRY_ID,
        title="Instathings",
        unique_id=f"{VENDOR}_{PROJECT}",
        data={
            CONF_VENDOR: VENDOR,
            CONF_BASE_URL: cloud.url,
            "client_id": cloud.sim.client_id,
            "client_secret": cloud.sim.client_secret,
        },
        options=options or {},
    )


@pytest.fixture(name="instathings_options")
def fixture_instathings_options() -> dict[str, Any]:
    """Options of the account under test."""
    return {}


@pytest.fixture(name="instathings_entry")
async def fixture_instathings_entry(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_options: dict[str, Any],
) -> MockConfigEntry:
    """The account, set up, its entities made."""
    entry = instathings_entry(instathings, instathings_options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
