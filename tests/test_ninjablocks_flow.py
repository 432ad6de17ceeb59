"""Ninja Blocks in the config flow: an API access token, the API URL folded away.

Flows run through Home Assistant's flow manager against the simulator (the
doc's block ASTEALTHYNODE01 and the account's webhook service); an entry the
flow creates or changes is set up for real. The account is named by its
blocks (a hash of their nodes): a new token of the same account is the same
entry, and a token that lists none of the entry's devices is another account.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import timedelta
import re
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub.const import (
    CONF_ADVANCED,
    CONF_BASE_URL,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.petsmart_hub.push import OPT_PUSH
from custom_components.petsmart_hub.vendors.descriptor import OPT_TAKE_OVER
from custom_components.petsmart_hub.vendors.ninjablocks import (
    DEFAULT_BASE_URL,
    account_id_of,
)
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import TextSelector, TextSelectorType
from homeassistant.util import dt as dt_util
from simulator.core import start_server
from simulator.ninjablocks import (
    DEVICES_ROUTE,
    WEBHOOK_GUID,
    NinjaBlocksSimulator,
    block_guids,
)

from .flow import STRINGS, assert_abort, assert_form, closed_port_url, form_defaults
from .ninjablocks_fixtures import (  # noqa: F401 - fixtures
    NODE,
    TEMPERATURE,
    NinjaCloud,
    fixture_ninjablocks,
    fixture_ninjablocks_entry,
    fixture_ninjablocks_options,
    fixture_unload_before_the_cloud_goes,
    ninjablocks_entry as stored_entry,
)

VENDOR = "ninjablocks"
TOKEN = "access_token"
TEMPERATURE_ENTITY = "sensor.temperature_temperature"
OTHER_NODE = "0TH3RBL0CK0001"
NEW_TOKEN = "a-new-access-token"

type StartCloud = Callable[..., Awaitable[NinjaCloud]]


@pytest.fixture
async def start_cloud(socket_enabled: None) -> AsyncGenerator[StartCloud]:
    """Start more simulators (another account, or the same one elsewhere)."""
    running: list[NinjaCloud] = []

    async def start(
        token: str, *, node: str | None = None, webhook_service: bool = True
    ) -> NinjaCloud:
        """A cloud whose one block is `node` (None: the default block)."""
        sim = NinjaBlocksSimulator(token, blocks=0 if node else 1)
        if node is not None:
            sim.add_block(node)
        if not webhook_service:
            sim.remove_device(WEBHOOK_GUID)
        cloud = NinjaCloud(sim, await start_server(sim))
        running.append(cloud)
        return cloud

    yield start
    for cloud in running:
        await cloud.sim.close_deliveries()
        await cloud.server.close()


def credentials(token: str, base_url: str) -> dict[str, Any]:
    """What the vendor and reconfigure forms submit."""
    return {TOKEN: token, CONF_ADVANCED: {CONF_BASE_URL: base_url}}


def good(cloud: NinjaCloud) -> dict[str, Any]:
    """The simulator's token at the simulator's URL."""
    return credentials(cloud.sim.token, cloud.url)


def unique_id_of(sim: NinjaBlocksSimulator) -> str:
    """The entry's unique id: the vendor and a hash of the account's blocks."""
    return f"{VENDOR}_{account_id_of(sim.nodes)}"


def entries(hass: HomeAssistant) -> list[Any]:
    return hass.config_entries.async_entries(DOMAIN)


def device_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Registry ids of the entry's devices."""
    return {
        device.id
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
    }


def entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Entity ids of the entry's entities."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }


def become_another_account(sim: NinjaBlocksSimulator, token: str) -> None:
    """The simulator's URL now serves another account: another block, another token."""
    for guid in block_guids(NODE).values():
        sim.remove_device(guid)
    sim.add_block(OTHER_NODE)
    sim.token = token


async def start(hass: HomeAssistant) -> FlowResult:
    """Add integration → PetSmart Hub → Ninja Blocks: the token form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert VENDOR in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR}
    )
    assert_form(result, VENDOR)
    return result


async def poll(hass: HomeAssistant) -> None:
    """Let a minute pass: the account refreshes."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done(wait_background_tasks=True)


# --- the form ------------------------------------------------------------------------


async def test_the_form_asks_for_a_token_and_folds_the_url_away(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> None:
    """A password field, and the API URL under advanced at the real cloud's."""
    result = await start(hass)
    schema = result["data_schema"].schema
    assert [str(marker) for marker in schema] == [TOKEN, CONF_ADVANCED]
    selector = schema[next(m for m in schema if str(m) == TOKEN)]
    assert isinstance(selector, TextSelector)
    assert selector.config["type"] == TextSelectorType.PASSWORD
    assert form_defaults(result["data_schema"]) == {
        TOKEN: "",
        CONF_ADVANCED: {CONF_BASE_URL: DEFAULT_BASE_URL},
    }
    assert DEFAULT_BASE_URL == "https://api.ninja.is/rest/v0"
    strings = STRINGS["config"]["step"][VENDOR]
    assert set(strings["data"]) == {TOKEN}
    assert set(strings["sections"][CONF_ADVANCED]["data"]) == {CONF_BASE_URL}
    assert ninjablocks.sim.total_requests == 0  # nothing asked yet


# --- sign in -----------------------------------------------------------------------


async def test_sign_in(hass: HomeAssistant, ninjablocks: NinjaCloud) -> None:
    """Token and URL: the entry is the account of the block, and set up."""
    sim = ninjablocks.sim
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(f" {sim.token} ", f" {ninjablocks.url} ")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.title == "Ninja Blocks"
    assert entry.data == {
        CONF_VENDOR: VENDOR,
        TOKEN: sim.token,
        CONF_BASE_URL: ninjablocks.url,
    }
    assert entry.options == {}
    # named by its blocks, never by its token
    assert re.fullmatch(r"ninjablocks_[0-9a-f]{32}", entry.unique_id)
    assert sim.token not in entry.unique_id
    assert entry.unique_id == f"{VENDOR}_{account_id_of([NODE])}"
    assert entry.unique_id == unique_id_of(sim)
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(TEMPERATURE_ENTITY).state == "26.6"
    # the flow listed the devices with the token as a query parameter
    listing = [r for r in sim.requests if r.route == DEVICES_ROUTE]
    assert len(listing) >= 2  # the flow's, then the entry's


async def test_the_same_account_twice(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """An account already set up is not added again."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], good(ninjablocks)
    )
    assert_abort(result, "already_configured")
    assert entries(hass) == [ninjablocks_entry]


async def test_the_same_account_after_a_block_was_added(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A block added since changes the account's id; it is the same account."""
    ninjablocks.sim.add_block()
    assert unique_id_of(ninjablocks.sim) != ninjablocks_entry.unique_id
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], good(ninjablocks)
    )
    assert_abort(result, "already_configured")
    assert entries(hass) == [ninjablocks_entry]


def _wrong_token(cloud: NinjaCloud) -> dict[str, Any]:
    return credentials("not-the-token", cloud.url)


def _auth_on_200(cloud: NinjaCloud) -> dict[str, Any]:
    # {"result": 0, "error": "Invalid Token", "id": 401} on HTTP 200
    cloud.sim.set_shapes(auth_error="200")
    return credentials("not-the-token", cloud.url)


def _rejected_on_200(cloud: NinjaCloud) -> dict[str, Any]:
    cloud.sim.add_rejection("Database unavailable", code=500, times=1)
    return good(cloud)


def _http_500(cloud: NinjaCloud) -> dict[str, Any]:
    cloud.sim.add_http_error(500, route=DEVICES_ROUTE, times=1)
    return good(cloud)


def _html_page(cloud: NinjaCloud) -> dict[str, Any]:
    cloud.sim.add_html_page(times=1)
    return good(cloud)


def _garbage(cloud: NinjaCloud) -> dict[str, Any]:
    cloud.sim.add_garbage(route=DEVICES_ROUTE, times=1)
    return good(cloud)


def _web_site(cloud: NinjaCloud) -> dict[str, Any]:
    # the simulator's root: no API there (404 in the simulator's envelope)
    return credentials(cloud.sim.token, cloud.server.url)


def _nothing_listens(cloud: NinjaCloud) -> dict[str, Any]:
    return credentials(cloud.sim.token, closed_port_url("/rest/v0"))


def _not_a_url(cloud: NinjaCloud) -> dict[str, Any]:
    return credentials(cloud.sim.token, "api.ninja.is rest v0")


def _ftp(cloud: NinjaCloud) -> dict[str, Any]:
    return credentials(cloud.sim.token, "ftp://api.ninja.is/rest/v0")


def _no_host(cloud: NinjaCloud) -> dict[str, Any]:
    return credentials(cloud.sim.token, "https://")


ERRORS: list[tuple[str, Callable[[NinjaCloud], dict[str, Any]], dict[str, str]]] = [
    ("wrong token 401", _wrong_token, {"base": "invalid_auth"}),
    ("wrong token 200", _auth_on_200, {"base": "invalid_auth"}),
    ("result 0 on 200", _rejected_on_200, {"base": "invalid_response"}),
    ("http 500", _http_500, {"base": "cannot_connect"}),
    ("nothing listens", _nothing_listens, {"base": "cannot_connect"}),
    ("an html page", _html_page, {"base": "invalid_url"}),
    ("not json", _garbage, {"base": "invalid_url"}),
    ("no api at the url", _web_site, {"base": "invalid_url"}),
    ("not a url", _not_a_url, {"base": "invalid_url"}),
    ("ftp", _ftp, {"base": "invalid_url"}),
    ("no host", _no_host, {"base": "invalid_url"}),
    (
        "empty token",
        lambda cloud: credentials("  ", cloud.url),
        {TOKEN: "invalid_auth"},
    ),
]


@pytest.mark.parametrize(
    ("form", "errors"),
    [(form, errors) for _, form, errors in ERRORS],
    ids=[name for name, _, _ in ERRORS],
)
async def test_errors_are_recoverable(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    form: Callable[[NinjaCloud], dict[str, Any]],
    errors: dict[str, str],
) -> None:
    """Each error is shown on the form, which keeps what was typed, then signs in."""
    result = await start(hass)
    sent = form(ninjablocks)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], sent)
    assert_form(result, VENDOR, errors)
    assert form_defaults(result["data_schema"]) == sent
    assert entries(hass) == []
    ninjablocks.sim.set_shapes(auth_error="401")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], good(ninjablocks)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["result"].unique_id == unique_id_of(ninjablocks.sim)


async def test_nothing_is_sent_without_a_token_or_a_url(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> None:
    """A blank token or a bad URL is refused before any request."""
    result = await start(hass)
    for sent in (
        credentials("", ninjablocks.url),
        credentials(ninjablocks.sim.token, "nonsense"),
    ):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], sent)
        assert result["type"] is FlowResultType.FORM
    assert ninjablocks.sim.total_requests == 0


async def test_the_token_never_shows_in_the_log(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed sign-in is logged without the token (it is a query parameter)."""
    caplog.set_level("DEBUG")
    result = await start(hass)
    secret = "my-very-secret-token-123"
    ninjablocks.sim.token = secret
    ninjablocks.sim.add_rejection("Database unavailable", code=500, times=1)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(secret, ninjablocks.url)
    )
    assert_form(result, VENDOR, {"base": "invalid_response"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials("wrong-secret-456", ninjablocks.url)
    )
    assert_form(result, VENDOR, {"base": "invalid_auth"})
    assert secret not in caplog.text
    assert "wrong-secret-456" not in caplog.text


# --- reauth ------------------------------------------------------------------------


async def test_a_rejected_token_at_setup_starts_reauth(
    hass: HomeAssistant, ninjablocks: NinjaCloud
) -> None:
    """The token was revoked while HA was off: set-up fails and asks for a new one."""
    entry = stored_entry(ninjablocks)
    entry.add_to_hass(hass)
    ninjablocks.sim.token = NEW_TOKEN
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert len(flows) == 1
    assert flows[0]["step_id"] == "reauth_confirm"


async def test_reauth_with_a_new_token(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """The token was regenerated: a poll starts reauth; the new token is stored."""
    sim = ninjablocks.sim
    entry = ninjablocks_entry
    old = dict(entry.data)
    devices = device_ids(hass, entry)
    entities = entity_ids(hass, entry)
    sim.token = NEW_TOKEN
    await poll(hass)
    flows = list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert len(flows) == 1
    assert entry.state is ConfigEntryState.LOADED  # it keeps what it showed

    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"])
    assert_form(result, "reauth_confirm")
    # the URL is the entry's; a stored token is never shown again
    assert [str(marker) for marker in result["data_schema"].schema] == [TOKEN]
    assert form_defaults(result["data_schema"]) == {}
    assert result["description_placeholders"]["vendor"] == "Ninja Blocks"
    for token, errors in (
        (old[TOKEN], {"base": "invalid_auth"}),
        (" ", {TOKEN: "invalid_auth"}),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {TOKEN: token}
        )
        assert_form(result, "reauth_confirm", errors)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {TOKEN: NEW_TOKEN}
    )
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()
    assert entry.data == {**old, TOKEN: NEW_TOKEN}
    assert entry.unique_id == unique_id_of(sim)
    assert entry.state is ConfigEntryState.LOADED
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    # reloaded with the new token: nothing was lost
    assert device_ids(hass, entry) == devices
    assert entity_ids(hass, entry) == entities
    assert hass.states.get(TEMPERATURE_ENTITY).state == "26.6"
    # and it polls with it
    sim.reset_requests()
    sim.report(TEMPERATURE, 27.0)
    await poll(hass)
    assert sim.total_requests >= 1
    assert {r.query.get("user_access_token") for r in sim.requests} == {NEW_TOKEN}
    assert hass.states.get(TEMPERATURE_ENTITY).state == "27.0"
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def test_reauth_with_an_account_that_gained_a_block(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A block added since changes the account's id, not who it is."""
    sim = ninjablocks.sim
    entry = ninjablocks_entry
    devices = device_ids(hass, entry)
    sim.add_block()
    sim.token = NEW_TOKEN
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {TOKEN: NEW_TOKEN}
    )
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()
    assert entry.data[TOKEN] == NEW_TOKEN
    # the id follows the blocks (a flow for the account finds this entry)
    assert entry.unique_id == unique_id_of(sim) != f"{VENDOR}_{account_id_of([NODE])}"
    assert entry.state is ConfigEntryState.LOADED
    assert devices < device_ids(hass, entry)  # the new block's devices joined


async def test_reauth_with_another_accounts_token(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A token whose account lists none of the entry's devices is refused."""
    sim = ninjablocks.sim
    entry = ninjablocks_entry
    old = dict(entry.data)
    become_another_account(sim, "another-accounts-token")
    sim.remove_device(WEBHOOK_GUID)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {TOKEN: "another-accounts-token"}
    )
    assert_form(result, "reauth_confirm", {"base": "wrong_account"})
    assert dict(entry.data) == old
    assert entry.unique_id == f"{VENDOR}_{account_id_of([NODE])}"


async def test_reauth_with_another_accounts_token_and_its_webhook_service(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Another account lists its own WEBHOOK_0_0_108, as every account does."""
    sim = ninjablocks.sim
    entry = ninjablocks_entry
    old = dict(entry.data)
    become_another_account(sim, "another-accounts-token")
    assert WEBHOOK_GUID in sim.devices
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {TOKEN: "another-accounts-token"}
    )
    assert_form(result, "reauth_confirm", {"base": "wrong_account"})
    assert dict(entry.data) == old


# --- reconfigure ---------------------------------------------------------------------


async def test_reconfigure_the_url_and_the_token(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
    start_cloud: StartCloud,
) -> None:
    """Errors are shown and recoverable; success moves the entry to the new URL."""
    entry = ninjablocks_entry
    unique_id = entry.unique_id
    devices = device_ids(hass, entry)
    moved = await start_cloud(NEW_TOKEN)  # the same block, served elsewhere
    stranger = await start_cloud(
        "strangers-token", node=OTHER_NODE, webhook_service=False
    )

    result = await entry.start_reconfigure_flow(hass)
    assert_form(result, "reconfigure")
    assert result["description_placeholders"] == {"vendor": "Ninja Blocks"}
    assert form_defaults(result["data_schema"]) == good(ninjablocks)
    flow_id = result["flow_id"]
    for user_input, errors in (
        (credentials(NEW_TOKEN, "ftp://example.com/rest/v0"), {"base": "invalid_url"}),
        (
            credentials(NEW_TOKEN, closed_port_url("/rest/v0")),
            {"base": "cannot_connect"},
        ),
        (credentials("not-my-token", moved.url), {"base": "invalid_auth"}),
        (credentials("", moved.url), {TOKEN: "invalid_auth"}),
        (good(stranger), {"base": "wrong_account"}),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
        assert_form(result, "reconfigure", errors)
        assert form_defaults(result["data_schema"]) == user_input
        assert entry.data[CONF_BASE_URL] == ninjablocks.url

    result = await hass.config_entries.flow.async_configure(flow_id, good(moved))
    assert_abort(result, "reconfigure_successful")
    await hass.async_block_till_done()
    assert entry.data == {
        CONF_VENDOR: VENDOR,
        TOKEN: NEW_TOKEN,
        CONF_BASE_URL: moved.url,
    }
    assert entry.unique_id == unique_id
    assert entry.state is ConfigEntryState.LOADED
    assert device_ids(hass, entry) == devices
    # reloaded: the account reads the block where it moved
    assert moved.sim.count("GET", DEVICES_ROUTE) >= 2
    ninjablocks.sim.reset_requests()
    moved.sim.report(TEMPERATURE, 21.5)
    await poll(hass)
    assert hass.states.get(TEMPERATURE_ENTITY).state == "21.5"
    assert ninjablocks.sim.total_requests == 0


async def test_reconfigure_the_token_only(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """A new token at the same URL: stored, the unique id stays."""
    entry = ninjablocks_entry
    unique_id = entry.unique_id
    ninjablocks.sim.token = NEW_TOKEN
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(NEW_TOKEN, ninjablocks.url)
    )
    assert_abort(result, "reconfigure_successful")
    await hass.async_block_till_done()
    assert entry.data[TOKEN] == NEW_TOKEN
    assert entry.unique_id == unique_id
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(TEMPERATURE_ENTITY).state != STATE_UNAVAILABLE


# --- options -----------------------------------------------------------------------


async def test_options_push_and_take_over(
    hass: HomeAssistant,
    ninjablocks: NinjaCloud,
    ninjablocks_entry: MockConfigEntry,
) -> None:
    """Push and taking over other apps' callbacks: two toggles, stored as bools."""
    entry = ninjablocks_entry
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert form_defaults(result["data_schema"]) == {
        OPT_PUSH: True,
        OPT_TAKE_OVER: False,
    }
    # no external URL in this test: push has nowhere to call
    assert result["description_placeholders"] == {"push": "no_url"}
    assert {OPT_PUSH, OPT_TAKE_OVER} <= set(STRINGS["options"]["step"]["init"]["data"])
    assert OPT_TAKE_OVER in STRINGS["options"]["step"]["init"]["data_description"]

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {OPT_PUSH: True, OPT_TAKE_OVER: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {OPT_PUSH: True, OPT_TAKE_OVER: True}
    assert all(type(value) is bool for value in entry.options.values())
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.account.take_over is True  # reloaded with it

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert form_defaults(result["data_schema"]) == {
        OPT_PUSH: True,
        OPT_TAKE_OVER: True,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {OPT_PUSH: False, OPT_TAKE_OVER: False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {OPT_PUSH: False, OPT_TAKE_OVER: False}
    assert entry.runtime_data.account.take_over is False

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["description_placeholders"] == {"push": "off"}
