"""Shared fixtures of the Netatmo tests through Home Assistant.

A Netatmo simulator on 127.0.0.1, the user's application credentials for it
(its client id and secret, as Settings → Application credentials stores
them), and an account moved to the simulator's URL with a token the
simulator handed out. Test modules import the fixtures they use by their
function names (each fixture is registered under its short name, so a test
argument never shadows the import).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
import time
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub import PLATFORMS
from custom_components.petsmart_hub.const import CONF_BASE_URL, CONF_VENDOR, DOMAIN
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.setup import async_setup_component
from simulator.core import RunningSimulator, start_server
from simulator.netatmo import NetatmoSimulator

VENDOR = "netatmo"
#: The application credentials' auth domain, as the entry names it.
AUTH_IMPLEMENTATION = "netatmo"
#: Fixed, so that unique ids (scoped to the entry) are too.
ENTRY_ID = "01JQNETATMO00000000000000001"

# The simulator's default world.
USER_ID = "5c8100000000000000000001"
HOME = "5e1d00000000000000000001"
HOME_2 = "5e1d00000000000000000002"
PET_CAM = "70:ee:50:01:01:01"  # NACamera "Pet cam"
GARDEN = "70:ee:50:01:02:01"  # NOC
FRONT_DOOR = "70:ee:50:01:03:01"  # NDB
HOME_2_CAM = "70:ee:50:02:01:01"  # NACamera of the home without a gateway
STATION = "70:ee:50:bb:00:01"  # NAMain
OUTDOOR = "02:00:00:bb:00:01"  # NAModule1
PET_ROOM = "03:00:00:bb:00:01"  # NAModule4
BEDROOM = "70:ee:50:cc:00:01"  # NHC


@dataclass
class NetatmoCloud:
    """A running Netatmo simulator."""

    sim: NetatmoSimulator
    server: RunningSimulator

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(name="netatmo_history")
def fixture_netatmo_history() -> bool:
    """Whether every camera has an event (a day old) before the test starts."""
    return True


@pytest.fixture(name="netatmo")
async def fixture_netatmo(
    socket_enabled: None, netatmo_history: bool
) -> AsyncGenerator[NetatmoCloud]:
    """A Netatmo cloud (two homes, a station, a home coach) on 127.0.0.1."""
    sim = NetatmoSimulator(history=netatmo_history)
    server = await start_server(sim)
    yield NetatmoCloud(sim, server)
    await server.close()


@pytest.fixture(name="netatmo_credentials")
async def fixture_netatmo_credentials(
    hass: HomeAssistant, netatmo: NetatmoCloud
) -> None:
    """The user's Netatmo app (the simulator's client id and secret)."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential(netatmo.sim.client_id, netatmo.sim.client_secret),
        AUTH_IMPLEMENTATION,
    )


def netatmo_entry(
    netatmo: NetatmoCloud,
    *,
    expires_in: float = 3600,
    token: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    unique_id: str | None = None,
) -> MockConfigEntry:
    """A Netatmo account on the simulator, its token expiring in ``expires_in`` s."""
    token = token if token is not None else netatmo.sim.issue_token()
    return MockConfigEntry(
        domain=DOMAIN,
        version=2,
        entry_id=ENTRY_ID,
        title="Netatmo",
        unique_id=unique_id or f"{VENDOR}_{netatmo.sim.user_id}",
        data={
            CONF_VENDOR: VENDOR,
            CONF_BASE_URL: netatmo.url,
            "auth_implementation": AUTH_IMPLEMENTATION,
            "token": {**token, "expires_at": time.time() + expires_in},
        },
        options=options or {},
    )


@pytest.fixture(name="netatmo_options")
def fixture_netatmo_options() -> dict[str, Any]:
    """Options of the account under test."""
    return {}


@pytest.fixture(name="netatmo_config_entry")
def fixture_netatmo_config_entry(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    netatmo_credentials: None,
    netatmo_options: dict[str, Any],
) -> MockConfigEntry:
    """The account, added to Home Assistant (not set up yet)."""
    entry = netatmo_entry(netatmo, options=netatmo_options)
    entry.add_to_hass(hass)
    return entry


@pytest.fixture(name="init_netatmo")
async def fixture_init_netatmo(
    hass: HomeAssistant, netatmo_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The account, set up, its entities created."""
    assert await hass.config_entries.async_setup(netatmo_config_entry.entry_id)
    await hass.async_block_till_done()
    return netatmo_config_entry


type Tick = Callable[[timedelta], Awaitable[None]]


@pytest.fixture(name="tick")
def fixture_tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    """Let time pass, fire what was due and wait for it."""

    async def tick(delta: timedelta) -> None:
        freezer.tick(delta)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    return tick


#: Integrations whose HTTP views must exist before a test client starts
#: (the client freezes HA's router): the OAuth2 callback, webhooks,
#: diagnostics and every platform the account sets up.
HTTP_DOMAINS = (
    "auth",
    "webhook",
    "diagnostics",
    "application_credentials",
    *(platform.value for platform in PLATFORMS),
)


async def async_serve_http(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> TestClient:
    """Home Assistant's HTTP on a real 127.0.0.1 port (the simulator calls it)."""
    for domain in HTTP_DOMAINS:
        assert await async_setup_component(hass, domain, {})
    return await hass_client_no_auth()


async def async_reachable_at(hass: HomeAssistant, client: TestClient) -> str:
    """Make HA's external URL the test server's: the simulator delivers there."""
    url = str(client.make_url("/")).rstrip("/")
    await async_process_ha_core_config(hass, {"external_url": url})
    return url
