"""Shared fixtures: the vendor cloud simulator and a set-up OneNata account."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub.config_flow import account_unique_id
from custom_components.petsmart_hub.const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_VENDOR,
    DOMAIN,
    VENDOR_NETRO,
    VENDOR_ONENATA,
)
from homeassistant.core import HomeAssistant
from simulator.core import RunningSimulator, start_server
from simulator.netro import NetroSimulator
from simulator.onenata import OneNataSimulator

API_KEY = "test-key"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None,
) -> Generator[None]:
    """Let Home Assistant load custom_components/petsmart_hub."""
    yield


@dataclass
class Cloud:
    """A running OneNata simulator."""

    sim: OneNataSimulator
    server: RunningSimulator

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/v1"


@pytest.fixture
def devices_per_kind() -> int:
    """How many devices of each kind the simulated account has."""
    return 1


@pytest.fixture
async def onenata(devices_per_kind: int, socket_enabled: None) -> AsyncGenerator[Cloud]:
    """A OneNata cloud on a free 127.0.0.1 port (the only socket tests may open)."""
    sim = OneNataSimulator(api_key=API_KEY, devices_per_kind=devices_per_kind)
    server = await start_server(sim)
    yield Cloud(sim, server)
    await server.close()


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Options of the account under test."""
    return {}


@pytest.fixture
def config_entry(onenata: Cloud, entry_options: dict[str, Any]) -> MockConfigEntry:
    """A OneNata account pointing at the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="OneNata",
        unique_id=account_unique_id(VENDOR_ONENATA, API_KEY),
        data={
            CONF_VENDOR: VENDOR_ONENATA,
            CONF_API_KEY: API_KEY,
            CONF_BASE_URL: onenata.base_url,
        },
        options=entry_options,
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the account up and wait until its entities exist."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


CONTROLLER_KEY = "CTRL00000001"
SENSOR_KEY = "SENS00000001"


@dataclass
class NetroCloud:
    """A running Netro simulator."""

    sim: NetroSimulator
    server: RunningSimulator

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/npa/v1"


@pytest.fixture
async def netro(socket_enabled: None) -> AsyncGenerator[NetroCloud]:
    """A Netro cloud (one controller with 6 zones, one soil sensor) on 127.0.0.1."""
    sim = NetroSimulator(controllers=1, zones=6, sensors=1)
    server = await start_server(sim)
    yield NetroCloud(sim, server)
    await server.close()


def netro_entry(netro: NetroCloud, key: str, **options: Any) -> MockConfigEntry:
    """A Netro account (one key) pointing at the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=key,
        unique_id=key,
        data={
            CONF_VENDOR: VENDOR_NETRO,
            CONF_API_KEY: key,
            CONF_BASE_URL: netro.base_url,
        },
        options=options,
    )


@pytest.fixture
async def netro_controller(hass: HomeAssistant, netro: NetroCloud) -> MockConfigEntry:
    """The Netro controller account, set up."""
    entry = netro_entry(netro, CONTROLLER_KEY)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def netro_sensor(hass: HomeAssistant, netro: NetroCloud) -> MockConfigEntry:
    """The Netro soil sensor account, set up."""
    entry = netro_entry(netro, SENSOR_KEY)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
