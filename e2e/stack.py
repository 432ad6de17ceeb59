"""The simulators, a real Home Assistant, and the vendor accounts between them."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field
from html import unescape as html_unescape
import os
from pathlib import Path
import re
from typing import Any

import aiohttp
from yarl import URL

from simulator.core import RunningSimulator, start_server
from simulator.instathings import InstathingsSimulator
from simulator.netatmo import NetatmoSimulator
from simulator.netro import BASE_PATH as NETRO_BASE_PATH, NetroSimulator
from simulator.ninjablocks import (
    BASE_PATH as NINJABLOCKS_BASE_PATH,
    NinjaBlocksSimulator,
)
from simulator.onenata import OneNataSimulator

from .hass import (
    DOMAIN,
    HASS_ENV,
    VERSION_ENV,
    HassClient,
    HassError,
    HassProcess,
    wait_for,
)

ONENATA_API_KEY = "demo-key"
OWNER_NAME = "Demo"
USERNAME = "demo"
PASSWORD = "petsmart-demo"  # noqa: S105 - the demo's published login


@dataclass
class Fleet:
    """The vendor clouds, each on its own 127.0.0.1 port."""

    onenata: OneNataSimulator
    onenata_server: RunningSimulator
    netro: NetroSimulator
    netro_server: RunningSimulator
    netatmo: NetatmoSimulator
    netatmo_server: RunningSimulator
    instathings: InstathingsSimulator
    instathings_server: RunningSimulator
    ninjablocks: NinjaBlocksSimulator
    ninjablocks_server: RunningSimulator

    @property
    def onenata_url(self) -> str:
        """OneNata's API base URL (what the config flow's advanced section takes)."""
        return f"{self.onenata_server.url}/v1"

    @property
    def netro_url(self) -> str:
        """Netro's API base URL."""
        return f"{self.netro_server.url}{NETRO_BASE_PATH}"

    @property
    def netro_controller(self) -> str:
        """Serial number (the key) of the demo's sprinkler controller."""
        return next(iter(self.netro.controllers))

    @property
    def netro_sensor(self) -> str:
        """Serial number (the key) of the demo's soil sensor."""
        return next(iter(self.netro.sensors))

    @property
    def netatmo_url(self) -> str:
        """Netatmo's base URL (API, OAuth2 and the cameras' relay)."""
        return self.netatmo_server.url

    @property
    def instathings_url(self) -> str:
        """The Instathings project's URL (REST, token and websocket)."""
        return self.instathings_server.url

    @property
    def ninjablocks_url(self) -> str:
        """Ninja Blocks' API base URL (its snapshots are served there too)."""
        return f"{self.ninjablocks_server.url}{NINJABLOCKS_BASE_PATH}"

    async def close(self) -> None:
        """Stop serving the clouds."""
        await self.ninjablocks.close_deliveries()
        await self.ninjablocks_server.close()
        await self.instathings.drop_sockets()
        await self.instathings_server.close()
        await self.onenata_server.close()
        await self.netro_server.close()
        await self.netatmo.close_deliveries()
        await self.netatmo_server.close()


async def start_fleet(
    *,
    onenata_port: int = 0,
    netro_port: int = 0,
    netatmo_port: int = 0,
    instathings_port: int = 0,
    ninjablocks_port: int = 0,
    api_key: str = ONENATA_API_KEY,
    devices_per_kind: int = 1,
    zones: int = 6,
) -> Fleet:
    """The three clouds' accounts.

    Every OneNata kind; a Netro controller with zones plus a soil sensor; a
    Netatmo account of two homes with cameras, a weather station and a home
    coach; an Instathings project of a gateway with Zigbee and HTTP devices;
    a Ninja Block with its sensors, LED, relay, RF433 remotes and webcam.
    """
    onenata = OneNataSimulator(api_key=api_key, devices_per_kind=devices_per_kind)
    netro = NetroSimulator(controllers=1, zones=zones, sensors=1)
    netatmo = NetatmoSimulator()
    instathings = InstathingsSimulator()
    ninjablocks = NinjaBlocksSimulator()
    servers: list[RunningSimulator] = []
    try:
        for sim, port in (
            (onenata, onenata_port),
            (netro, netro_port),
            (netatmo, netatmo_port),
            (instathings, instathings_port),
            (ninjablocks, ninjablocks_port),
        ):
            servers.append(await start_server(sim, port=port))
    except BaseException:
        for server in servers:
            await server.close()
        raise
    (
        onenata_server,
        netro_server,
        netatmo_server,
        instathings_server,
        ninjablocks_server,
    ) = servers
    return Fleet(
        onenata,
        onenata_server,
        netro,
        netro_server,
        netatmo,
        netatmo_server,
        instathings,
        instathings_server,
        ninjablocks,
        ninjablocks_server,
    )


async def add_onenata_account(
    client: HassClient, base_url: str, api_key: str
) -> dict[str, Any]:
    """Settings → Add integration → PetSmart Hub → OneNata, key and API URL."""
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "onenata"})
    return _created(
        await client.flow_step(
            form["flow_id"], {"api_key": api_key, "advanced": {"base_url": base_url}}
        )
    )


async def add_netro_account(
    client: HassClient, base_url: str, serial: str
) -> dict[str, Any]:
    """Settings → Add integration → PetSmart Hub → Netro, a device's serial."""
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "netro"})
    return _created(
        await client.flow_step(
            form["flow_id"], {"api_key": serial, "advanced": {"base_url": base_url}}
        )
    )


async def add_instathings_account(
    client: HassClient, project_url: str, client_id: str, client_secret: str
) -> dict[str, Any]:
    """Settings → Add integration → PetSmart Hub → Instathings: URL, id, secret."""
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "instathings"})
    return _created(
        await client.flow_step(
            form["flow_id"],
            {
                "base_url": project_url,
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
    )


async def add_ninjablocks_account(
    client: HassClient, base_url: str, token: str
) -> dict[str, Any]:
    """Settings → Add integration → PetSmart Hub → Ninja Blocks, token and API URL."""
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "ninjablocks"})
    return _created(
        await client.flow_step(
            form["flow_id"],
            {"access_token": token, "advanced": {"base_url": base_url}},
        )
    )


async def add_netatmo_account(
    client: HassClient,
    session: aiohttp.ClientSession,
    netatmo: NetatmoSimulator,
    base_url: str,
) -> dict[str, Any]:
    """Add a Netatmo account as a user does, sign-in page and all.

    Settings → Application credentials → the user's Netatmo app; then Add
    integration → PetSmart Hub → Netatmo (unfolded: the simulator's URL), and
    Netatmo's own sign-in page in the browser, which sends the user back
    through Home Assistant's /auth/external/callback.
    """
    async with client.websocket() as ws:
        await ws.command(
            "application_credentials/create",
            domain=DOMAIN,
            client_id=netatmo.client_id,
            client_secret=netatmo.client_secret,
            name="Netatmo",
        )
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "netatmo"})
    external = await client.flow_step(
        form["flow_id"], {"advanced": {"base_url": base_url}}
    )
    if external.get("type") != "external":
        raise HassError(f"expected Netatmo's sign-in page, got {external}")
    # the browser: Netatmo's login page, its form approved
    async with session.get(external["url"]) as page:
        html = await page.text()
        login_url = page.url
    action = re.search(r'<form method="post" action="([^"]*)"', html)
    if action is None:
        raise HassError(f"no sign-in form on {login_url}: {html[:200]}")
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    fields["action"] = "approve"
    target = login_url.join(URL(html_unescape(action.group(1))))
    async with session.post(target, data=fields, allow_redirects=False) as answer:
        callback = answer.headers.get("Location")
    if not callback or "/auth/external/callback" not in callback:
        raise HassError(f"Netatmo did not send the browser back: {callback}")
    async with session.get(callback) as back:  # Home Assistant resumes the flow
        if back.status != 200:
            raise HassError(f"{callback}: HTTP {back.status}")
    return _created(await client.flow_step(form["flow_id"], {}))


def _created(result: dict[str, Any]) -> dict[str, Any]:
    """The entry a finished flow created; raise with the form's errors otherwise."""
    if result.get("type") != "create_entry":
        raise HassError(f"the config flow did not create an entry: {result}")
    entry: dict[str, Any] = result["result"]
    return entry


#: Integrations onboarding's location step adds on its own (see
#: homeassistant/components/onboarding/views.py). Their libraries are not
#: installed here (`hass` runs with --skip-pip, offline), so the ones that got as
#: far as an entry only show "Failed to set up"; the demo removes those.
ONBOARDING_EXTRAS = ("google_translate", "met", "radio_browser")


async def remove_failed_onboarding_extras(client: HassClient) -> list[str]:
    """Delete the entries onboarding added that cannot load offline."""

    async def settled() -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = await client.get(
            "/api/config/config_entries/entry"
        )
        extras = [e for e in entries if e["domain"] in ONBOARDING_EXTRAS]
        return extras if all(e["state"] != "setup_in_progress" for e in extras) else []

    try:
        extras = await wait_for(settled, within=5, what="onboarding's extras")
    except TimeoutError:
        return []
    removed = []
    for entry in extras:
        if entry["state"] in ("setup_error", "not_loaded", "setup_retry"):
            await client.remove_entry(entry["entry_id"])
            removed.append(entry["domain"])
    return removed


def expected_version() -> str | None:
    """The Home Assistant version the caller asked for (`PETSMART_E2E_HA_VERSION`)."""
    return os.environ.get(VERSION_ENV) or None


async def check_version(client: HassClient) -> str:
    """The running Home Assistant's version; raise when it is not the expected one."""
    version = await client.version()
    expected = expected_version()
    if expected is not None and version != expected:
        raise HassError(
            f"expected Home Assistant {expected}, but {HASS_ENV}="
            f"{os.environ.get(HASS_ENV, '(unset)')} runs {version}"
        )
    return version


@dataclass
class Stack:
    """Everything the demo and the end-to-end tests run."""

    fleet: Fleet
    hass: HassProcess
    client: HassClient
    entries: list[dict[str, Any]] = field(default_factory=list)
    #: The running Home Assistant's version.
    version: str = ""

    async def reach_from_the_cloud(self) -> None:
        """Make HA's external URL its own address, so the simulators can push to it."""
        async with self.client.websocket() as ws:
            await ws.command("config/core/update", external_url=self.hass.url)

    async def add_accounts(self) -> list[dict[str, Any]]:
        """Add OneNata, both Netro devices, Netatmo, Instathings, Ninja Blocks."""
        fleet = self.fleet
        self.entries = [
            await add_onenata_account(
                self.client, fleet.onenata_url, fleet.onenata.api_key
            ),
            await add_netro_account(
                self.client, fleet.netro_url, fleet.netro_controller
            ),
            await add_netro_account(self.client, fleet.netro_url, fleet.netro_sensor),
            await add_netatmo_account(
                self.client, self.client.session, fleet.netatmo, fleet.netatmo_url
            ),
            await add_instathings_account(
                self.client,
                fleet.instathings_url,
                fleet.instathings.client_id,
                fleet.instathings.client_secret,
            ),
            await add_ninjablocks_account(
                self.client, fleet.ninjablocks_url, fleet.ninjablocks.token
            ),
        ]
        await self.send_feeding_schedules()
        return self.entries

    async def send_feeding_schedules(self) -> None:
        """Send each OneNata feeder its own meals once from Home Assistant.

        OneNata tells only how many meals a feeder has: a schedule sent from
        Home Assistant is one it knows, with an entity per meal to edit.
        """
        sim = self.fleet.onenata
        async with self.client.websocket() as ws:
            devices = await ws.devices()
        for device in devices:
            for domain, identifier in device["identifiers"]:
                feeder = sim.devices.get(identifier.split("_", 1)[-1])
                if (
                    domain != DOMAIN
                    or feeder is None
                    or feeder.kind != "feedingMachine"
                ):
                    continue
                await self.client.call(
                    DOMAIN,
                    "set_feeding_schedule",
                    {
                        "device_id": device["id"],
                        "timezone": feeder.schedule_tz,
                        "schedule": [
                            {
                                "time": meal.time.strftime("%H:%M"),
                                "amount": meal.amount,
                                "enabled": meal.enabled,
                            }
                            for meal in feeder.schedule
                        ],
                    },
                )


@contextlib.asynccontextmanager
async def running_stack(
    config_dir: Path,
    *,
    port: int = 0,
    onenata_port: int = 0,
    netro_port: int = 0,
    netatmo_port: int = 0,
    instathings_port: int = 0,
    ninjablocks_port: int = 0,
    api_key: str = ONENATA_API_KEY,
    time_zone: str = "UTC",
    history: bool = True,
    devices_per_kind: int = 1,
) -> AsyncIterator[Stack]:
    """Start the clouds and Home Assistant, onboard; stop everything on exit."""
    fleet = await start_fleet(
        onenata_port=onenata_port,
        netro_port=netro_port,
        netatmo_port=netatmo_port,
        instathings_port=instathings_port,
        ninjablocks_port=ninjablocks_port,
        api_key=api_key,
        devices_per_kind=devices_per_kind,
    )
    hass = HassProcess(config_dir, port=port, time_zone=time_zone, history=history)
    try:
        await hass.start()
        async with aiohttp.ClientSession() as session:
            client = HassClient(session, hass.url)
            await client.onboard(OWNER_NAME, USERNAME, PASSWORD)
            await client.wait_running()
            version = await check_version(client)
            await remove_failed_onboarding_extras(client)
            yield Stack(fleet, hass, client, version=version)
    finally:
        # Home Assistant first, so it never polls a cloud that is gone.
        await hass.stop()
        await fleet.close()
