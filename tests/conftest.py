"""Shared fixtures: the vendor cloud simulator and a set-up OneNata account."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

from custom_components.petsmart_hub.const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.petsmart_hub.model import OPTION_DEFAULTS
from custom_components.petsmart_hub.vendors import netro as netro_vendor, onenata
from custom_components.petsmart_hub.vendors.descriptor import account_unique_id
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import HomeAssistant
from simulator.core import RunningSimulator, start_server
from simulator.netro import NetroSimulator
from simulator.onenata import OneNataSimulator

API_KEY = "test-key"

#: Vendor keys and default API URLs, as the descriptors have them.
VENDOR_ONENATA = onenata.DESCRIPTOR.key
VENDOR_NETRO = netro_vendor.DESCRIPTOR.key
ONENATA_DEFAULT_BASE_URL = onenata.DEFAULT_BASE_URL
NETRO_DEFAULT_BASE_URL = netro_vendor.DEFAULT_BASE_URL
#: Option defaults, as the descriptors have them.
DEFAULT_FEED_AMOUNT = OPTION_DEFAULTS["feed_amount"]
DEFAULT_PUMP_DURATION = OPTION_DEFAULTS["pump_duration"]
DEFAULT_PLAY_DURATION = OPTION_DEFAULTS["play_duration"]
DEFAULT_ZONE_DURATION = OPTION_DEFAULTS["zone_duration"]
DEFAULT_RESERVE = next(
    spec.default for spec in netro_vendor.DESCRIPTOR.options if spec.key == "reserve"
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None,
) -> Generator[None]:
    """Let Home Assistant load custom_components/petsmart_hub."""
    yield


#: Test modules whose snapshots legitimately differ between Home Assistant
#: releases (how the registry serialises entity aliases, which attributes a
#: state carries); they keep one snapshot file per release in
#: snapshots_ha<major>.<minor>/. Every other module shares snapshots/. (A
#: release directory inside snapshots/ would be walked by Home Assistant's own
#: snapshot extension, which would then delete the other release's files.)
VERSIONED_SNAPSHOTS = frozenset(
    {
        "test_binary_sensor",
        "test_calendar",
        "test_init",
        "test_netro_entities",
        "test_sensor",
        "test_switch",
    }
)
SNAPSHOTS = Path(__file__).parent / "snapshots"


def snapshot_release_dir() -> Path:
    """The snapshot directory of the running release.

    The newest snapshots_ha<major>.<minor> not newer than the running Home
    Assistant, so a later release reuses the closest snapshots.
    """
    running = (MAJOR_VERSION, MINOR_VERSION)
    releases = sorted(
        (int(major), int(minor))
        for major, minor in (
            path.name.removeprefix("snapshots_ha").split(".", 1)
            for path in SNAPSHOTS.parent.glob("snapshots_ha*.*")
            if path.is_dir()
        )
    )
    major, minor = max(
        (release for release in releases if release <= running), default=running
    )
    return SNAPSHOTS.parent / f"snapshots_ha{major}.{minor}"


class VersionedSnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshots, per release for the modules that differ."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """Pick the shared or the release's snapshot directory."""
        if Path(test_location.filepath).stem in VERSIONED_SNAPSHOTS:
            return str(snapshot_release_dir())
        return str(SNAPSHOTS)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Syrupy with per-release snapshot files where releases differ."""
    return snapshot.use_extension(VersionedSnapshotExtension)


#: What Home Assistant logs (instead of raising) when a custom integration
#: uses a deprecated API or blocks the event loop.
_REPORTS = ("Detected that custom integration 'petsmart_hub'", "Detected blocking call")


class _ReportCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(report in message for report in _REPORTS) or (
            # deprecated aliases and constants: "... was used from petsmart_hub"
            "petsmart_hub" in message and "deprecated" in message.lower()
        ):
            self.reports.append(message)


@pytest.fixture(autouse=True)
def no_deprecated_usage() -> Generator[None]:
    """Fail a test in which Home Assistant reports our use of a deprecated API."""
    collector = _ReportCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    assert not collector.reports, collector.reports


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
        version=2,
        # fixed, so that unique ids (scoped to the entry) are too, in snapshots
        entry_id="01JQ0NENATA0000000000000001",
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
        version=2,
        # fixed per key (never the key), so unique ids are too, in snapshots
        entry_id=f"01JQNETR0{hashlib.sha256(key.encode()).hexdigest()[:17].upper()}",
        title=key,
        unique_id=account_unique_id(VENDOR_NETRO, key),
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
