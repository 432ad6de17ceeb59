"""Instathings in the config flow: the project's URL and its API client.

Flows run through Home Assistant's flow manager against the simulator (its
project 77JTOK6B); an entry the flow creates or changes is set up for real.
The form asks for the project URL first, then the client id and secret;
every error leaves the form open, and the right data then goes through.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
import time
from typing import Any

from aiohttp import web
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub.const import CONF_BASE_URL, CONF_VENDOR, DOMAIN
from custom_components.petsmart_hub.push import OPT_PUSH, PushState
from custom_components.petsmart_hub.vendors.instathings import account as account_module
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from simulator.core import FaultKind, RunningSimulator, start_server
from simulator.instathings import DEVICES_ROUTE, TOKEN_ROUTE, InstathingsSimulator

from .flow import STRINGS, assert_abort, assert_form, closed_port_url, form_defaults
from .instathings_fixtures import (  # noqa: F401 - fixtures
    PROJECT,
    InstathingsCloud,
    fixture_instathings,
    fixture_instathings_entry,
    fixture_instathings_on_premise,
    fixture_instathings_options,
)

VENDOR = "instathings"
CLIENT_ID = "client_id"
CLIENT_SECRET = "client_secret"
OTHER_PROJECT = "ZZ9PLURA"
TEMPERATURE = "sensor.terrarium_climate_temperature"


@pytest.fixture(autouse=True)
def quick_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll status answers (due after 0.05 s) without the full back-off."""
    monkeypatch.setattr(account_module, "STATUS_BACKOFF", (0.06, 0.1, 0.2, 0.4))


@pytest.fixture(autouse=True)
async def unload_before_the_cloud_goes(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> AsyncGenerator[None]:
    """Unload every account while its simulator still runs (a quiet teardown)."""
    yield
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def other_project() -> AsyncGenerator[RunningSimulator]:
    """Another project (its own id, client and devices) on another port."""
    sim = InstathingsSimulator(
        "other-client-id",
        "other-client-secret",
        project_id=OTHER_PROJECT,
        status_delay=0.05,
        seed=1,
    )
    server = await start_server(sim)
    yield server
    await sim.drop_sockets()
    await server.close()


@pytest.fixture
async def web_page() -> AsyncGenerator[str]:
    """A web server that answers every request with a page (not the API)."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text="<html><body>Welcome to nginx!</body></html>",
            content_type="text/html",
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


def credentials(cloud: InstathingsCloud, **changes: str) -> dict[str, str]:
    """The form's fields for the simulator's project (some changed)."""
    return {
        CONF_BASE_URL: cloud.url,
        CLIENT_ID: cloud.sim.client_id,
        CLIENT_SECRET: cloud.sim.client_secret,
        **changes,
    }


async def start(hass: HomeAssistant) -> FlowResult:
    """Add integration → PetSmart Hub → Instathings: its form, the URL first."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert VENDOR in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR}
    )
    assert_form(result, VENDOR)
    fields = [str(marker) for marker in result["data_schema"].schema]
    assert fields == [CONF_BASE_URL, CLIENT_ID, CLIENT_SECRET]
    assert set(fields) == set(STRINGS["config"]["step"][VENDOR]["data"])
    return result


async def until(
    hass: HomeAssistant, condition: Callable[[], Any], within: float = 5.0
) -> None:
    """Let the event loop run (the socket opens) until ``condition`` holds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)
    await hass.async_block_till_done()


def entries(hass: HomeAssistant) -> list[Any]:
    return hass.config_entries.async_entries(DOMAIN)


# --- sign in ----------------------------------------------------------------------


async def test_sign_in(hass: HomeAssistant, instathings: InstathingsCloud) -> None:
    """URL, client id and secret: the entry is the project's, and set up."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        credentials(instathings, **{CONF_BASE_URL: f" {instathings.url} "}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.title == "Instathings"
    assert entry.unique_id == f"instathings_{PROJECT}"
    assert entry.data == {
        CONF_VENDOR: VENDOR,
        CONF_BASE_URL: instathings.url,
        CLIENT_ID: instathings.sim.client_id,
        CLIENT_SECRET: instathings.sim.client_secret,
    }
    assert entry.options == {}
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(TEMPERATURE) is not None
    # the flow traded the credentials once, and so did the entry's setup
    assert instathings.sim.auth.grants == 2


ERRORS: list[tuple[str, Callable[[InstathingsCloud, str], dict[str, str]], str]] = [
    (
        "wrong secret",
        lambda cloud, page: credentials(cloud, **{CLIENT_SECRET: "wrong"}),
        "invalid_auth",
    ),
    (
        "unknown client",
        lambda cloud, page: credentials(cloud, **{CLIENT_ID: "somebody-else"}),
        "invalid_auth",
    ),
    (
        "nothing listens",
        lambda cloud, page: credentials(cloud, **{CONF_BASE_URL: closed_port_url("")}),
        "cannot_connect",
    ),
    (
        "a path of the simulator that is no API",
        lambda cloud, page: credentials(
            cloud, **{CONF_BASE_URL: f"{cloud.url}/nothing"}
        ),
        "invalid_url",
    ),
    (
        "a web page",
        lambda cloud, page: credentials(cloud, **{CONF_BASE_URL: page}),
        "invalid_url",
    ),
    (
        "ftp",
        lambda cloud, page: credentials(
            cloud, **{CONF_BASE_URL: "ftp://77jtok6b.instathings.io"}
        ),
        "invalid_url",
    ),
    (
        "no host",
        lambda cloud, page: credentials(cloud, **{CONF_BASE_URL: "https://"}),
        "invalid_url",
    ),
]


@pytest.mark.parametrize(
    ("form", "error"),
    [(form, error) for _, form, error in ERRORS],
    ids=[name for name, _, _ in ERRORS],
)
async def test_errors_are_recoverable(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    web_page: str,
    form: Callable[[InstathingsCloud, str], dict[str, str]],
    error: str,
) -> None:
    """Each error is shown on the form, which then takes the right data."""
    result = await start(hass)
    sent = form(instathings, web_page)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], sent)
    assert_form(result, VENDOR, {"base": error})
    # what the user typed stays in the form
    assert form_defaults(result["data_schema"]) == sent
    assert entries(hass) == []
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(instathings)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["result"].unique_id == f"instathings_{PROJECT}"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (
            {"kind": FaultKind.HTTP_429, "route": TOKEN_ROUTE, "retry_after": 60},
            "rate_limited",
        ),
        (
            {"kind": FaultKind.HTTP_429, "route": DEVICES_ROUTE, "retry_after": None},
            "rate_limited",
        ),
        ({"kind": FaultKind.HTTP_500, "route": DEVICES_ROUTE}, "cannot_connect"),
        ({"kind": FaultKind.HTTP_503, "route": TOKEN_ROUTE}, "cannot_connect"),
        (
            {"kind": FaultKind.BODY_CODE, "route": DEVICES_ROUTE, "code": 409},
            "invalid_response",
        ),
        ({"kind": FaultKind.MALFORMED_JSON, "route": DEVICES_ROUTE}, "invalid_url"),
    ],
    ids=["429 token", "429 devices", "500", "503", "409", "cut off"],
)
async def test_cloud_errors_are_recoverable(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    fault: dict[str, Any],
    error: str,
) -> None:
    """The cloud throttles or fails once: said on the form; the next try works."""
    result = await start(hass)
    instathings.sim.add_fault(times=1, **fault)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(instathings)
    )
    assert_form(result, VENDOR, {"base": error})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(instathings)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result


async def test_an_empty_field_is_refused(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> None:
    """A blank secret is not sent anywhere."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(instathings, **{CLIENT_SECRET: "  "})
    )
    assert_form(result, VENDOR, {CLIENT_SECRET: "invalid_auth"})
    assert instathings.sim.count(route=TOKEN_ROUTE) == 0


async def test_the_same_project_twice(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """A project already set up is not added again."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(instathings)
    )
    assert_abort(result, "already_configured")
    assert entries(hass) == [instathings_entry]


class TestOnPremise:
    """A gateway's own server: no token; the project is the one it serves."""

    @pytest.fixture(name="instathings_on_premise")
    def fixture_on_premise(self) -> bool:
        return True

    async def test_sign_in_to_a_gateway(
        self, hass: HomeAssistant, instathings: InstathingsCloud
    ) -> None:
        result = await start(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], credentials(instathings)
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        await hass.async_block_till_done()
        assert result["result"].unique_id == f"instathings_{PROJECT}"
        assert instathings.sim.auth.grants == 0
        assert result["result"].state is ConfigEntryState.LOADED
        assert hass.states.get(TEMPERATURE) is not None


# --- reauth ------------------------------------------------------------------------


async def test_reauth_with_a_new_secret(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """The secret was changed in the console: the new one is stored, nothing else."""
    sim = instathings.sim
    old = dict(instathings_entry.data)
    sim.auth.client_secret = "the-new-secret"
    result = await instathings_entry.start_reauth_flow(hass)
    assert_form(result, "reauth_confirm")
    # the URL is the entry's; a stored secret is never shown again
    assert [str(marker) for marker in result["data_schema"].schema] == [
        CLIENT_ID,
        CLIENT_SECRET,
    ]
    assert form_defaults(result["data_schema"]) == {}
    assert result["description_placeholders"]["vendor"] == "Instathings"
    # the old secret still fails
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CLIENT_ID: sim.client_id, CLIENT_SECRET: old[CLIENT_SECRET]},
    )
    assert_form(result, "reauth_confirm", {"base": "invalid_auth"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CLIENT_ID: sim.client_id, CLIENT_SECRET: "the-new-secret"}
    )
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()
    assert instathings_entry.data == {**old, CLIENT_SECRET: "the-new-secret"}
    assert instathings_entry.unique_id == f"instathings_{PROJECT}"
    assert instathings_entry.state is ConfigEntryState.LOADED
    assert not list(instathings_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert hass.states.get(TEMPERATURE).state != "unavailable"


async def test_reauth_with_another_project(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> None:
    """The URL now serves another project than the entry's: refused, nothing stored."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title="Instathings",
        unique_id=f"instathings_{OTHER_PROJECT}",
        data={
            CONF_VENDOR: VENDOR,
            CONF_BASE_URL: instathings.url,
            CLIENT_ID: "other-client-id",
            CLIENT_SECRET: "other-client-secret",
        },
    )
    entry.add_to_hass(hass)
    old = dict(entry.data)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CLIENT_ID: instathings.sim.client_id,
            CLIENT_SECRET: instathings.sim.client_secret,
        },
    )
    assert_form(result, "reauth_confirm", {"base": "wrong_account"})
    assert dict(entry.data) == old
    assert entry.unique_id == f"instathings_{OTHER_PROJECT}"


# --- reconfigure ---------------------------------------------------------------------


async def test_reconfigure_to_a_new_url(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
    other_project: RunningSimulator,
) -> None:
    """The project moved: the new URL is stored; another project's is refused."""
    # the same project, served from another address
    moved = InstathingsSimulator(status_delay=0.05)
    server = await start_server(moved)
    try:
        result = await instathings_entry.start_reconfigure_flow(hass)
        assert_form(result, "reconfigure")
        assert form_defaults(result["data_schema"])[CONF_BASE_URL] == instathings.url
        for url, error in (
            ("ftp://nowhere", "invalid_url"),
            (other_project.url, "invalid_auth"),
        ):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], credentials(instathings, **{CONF_BASE_URL: url})
            )
            assert_form(result, "reconfigure", {"base": error})
        # another project's credentials at its URL: another account
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_BASE_URL: other_project.url,
                CLIENT_ID: "other-client-id",
                CLIENT_SECRET: "other-client-secret",
            },
        )
        assert_form(result, "reconfigure", {"base": "wrong_account"})
        assert instathings_entry.data[CONF_BASE_URL] == instathings.url

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], credentials(instathings, **{CONF_BASE_URL: server.url})
        )
        assert_abort(result, "reconfigure_successful")
        await hass.async_block_till_done()
        assert instathings_entry.data[CONF_BASE_URL] == server.url
        assert instathings_entry.unique_id == f"instathings_{PROJECT}"
        assert instathings_entry.state is ConfigEntryState.LOADED
        # reloaded: the account reads the project where it moved
        assert moved.count(route=DEVICES_ROUTE) >= 2
        assert hass.states.get(TEMPERATURE).state != "unavailable"
    finally:
        for entry in entries(hass):
            await hass.config_entries.async_unload(entry.entry_id)
        await moved.drop_sockets()
        await server.close()


# --- options -----------------------------------------------------------------------


async def test_options_turn_push_off(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    instathings_entry: MockConfigEntry,
) -> None:
    """The push toggle alone (no amounts to set), with where push stands."""
    push = instathings_entry.runtime_data.push
    await until(hass, lambda: push.state is PushState.HEALTHY)
    result = await hass.config_entries.options.async_init(instathings_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert form_defaults(result["data_schema"]) == {OPT_PUSH: True}
    assert result["description_placeholders"] == {"push": "healthy"}
    assert OPT_PUSH in STRINGS["options"]["step"]["init"]["data"]

    sockets = instathings.sim.socket_connections
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {OPT_PUSH: False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert instathings_entry.options == {OPT_PUSH: False}
    # reloaded without a socket: polling only
    assert instathings_entry.state is ConfigEntryState.LOADED
    assert instathings_entry.runtime_data.push.state is PushState.OFF
    assert not instathings_entry.runtime_data.push_healthy
    assert instathings.sim.socket_connections == sockets
    assert instathings.sim.open_sockets == []

    result = await hass.config_entries.options.async_init(instathings_entry.entry_id)
    assert form_defaults(result["data_schema"]) == {OPT_PUSH: False}
    assert result["description_placeholders"] == {"push": "off"}
