"""Netatmo's sign-in through Home Assistant: OAuth2 against the simulator.

The user's app (application credentials) is the simulator's; the user
unfolds the form's advanced section and moves the account to the
simulator's URL, Home Assistant sends the "browser" to the simulator's login
page, whose approval comes back through HA's /auth/external/callback, and the
code is traded for tokens at the simulator. Reauth and reconfigure walk the
same steps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import html
import re

import aiohttp
from aiohttp.test_utils import TestClient
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.petsmart_hub.const import CONF_ADVANCED, CONF_BASE_URL, DOMAIN
from custom_components.petsmart_hub.vendors.netatmo import (
    AUTHORIZE_URL,
    DEFAULT_BASE_URL,
    SCOPES,
)
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import device_registry as dr

from .flow import assert_abort, assert_form, form_defaults
from .netatmo_fixtures import (  # noqa: F401 - fixtures
    AUTH_IMPLEMENTATION,
    PET_CAM,
    USER_ID,
    NetatmoCloud,
    async_serve_http,
    fixture_netatmo,
    fixture_netatmo_credentials,
    fixture_netatmo_history,
    netatmo_entry,
)

pytestmark = pytest.mark.usefixtures("current_request_with_host")

type SignIn = Callable[..., Awaitable[FlowResult]]


@pytest.fixture
async def http(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> TestClient:
    """Home Assistant's HTTP (its OAuth2 callback) for the "browser"."""
    return await async_serve_http(hass, hass_client_no_auth)


@pytest.fixture
def sign_in(hass: HomeAssistant, netatmo: NetatmoCloud, http: TestClient) -> SignIn:
    """Walk HA's external step: the simulator's login page, approved or denied."""

    async def walk(result: FlowResult, action: str = "approve") -> FlowResult:
        assert result["type"] is FlowResultType.EXTERNAL_STEP, result
        url = URL(result["url"])
        # HA's authorize URL, on the simulator (the account's cloud)
        assert str(url.with_query(None)) == f"{netatmo.url}/oauth2/authorize"
        assert url.query["client_id"] == netatmo.sim.client_id
        assert url.query["scope"].split() == list(SCOPES)
        assert url.query["redirect_uri"] == (
            "https://example.com/auth/external/callback"
        )
        async with aiohttp.ClientSession() as browser:
            async with browser.get(url) as page:
                assert page.status == 200
                text = await page.text()
                login = page.url
            for scope in SCOPES:  # the login page says what the app asks for
                assert f"<li>{scope}</li>" in text
            form = re.search(r'<form method="post" action="([^"]*)"', text)
            assert form is not None
            fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', text))
            fields["action"] = action
            async with browser.post(
                login.join(URL(html.unescape(form.group(1)))),
                data=fields,
                allow_redirects=False,
            ) as answer:
                assert answer.status == 302
                back = URL(answer.headers["Location"])
        assert back.path == "/auth/external/callback"
        assert back.query["state"] == url.query["state"]
        # the browser lands on Home Assistant, which resumes the flow
        response = await http.get(back.path_qs)
        assert response.status == 200
        return await hass.config_entries.flow.async_configure(result["flow_id"])

    return walk


async def start(hass: HomeAssistant) -> FlowResult:
    """Add integration → PetSmart Hub → Netatmo: its form, the URL folded away."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "netatmo" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "netatmo"}
    )
    assert_form(result, "netatmo")
    assert form_defaults(result["data_schema"]) == {
        CONF_ADVANCED: {CONF_BASE_URL: DEFAULT_BASE_URL}
    }
    assert result["data_schema"].schema[CONF_ADVANCED].options == {"collapsed": True}
    return result


def moved_to(url: str) -> dict[str, dict[str, str]]:
    """The advanced section of the Netatmo form, moved to ``url``."""
    return {CONF_ADVANCED: {CONF_BASE_URL: url}}


@pytest.mark.usefixtures("netatmo_credentials")
async def test_sign_in_on_the_simulator(
    hass: HomeAssistant, netatmo: NetatmoCloud, sign_in: SignIn
) -> None:
    """Advanced: the URL form, the login page, the code traded, the entry set up."""
    sim = netatmo.sim
    result = await start(hass)
    # a URL that is none is refused, then the right one is taken
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], moved_to("ftp://nowhere")
    )
    assert_form(result, "netatmo", {"base": "invalid_url"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], moved_to(netatmo.url)
    )
    result = await sign_in(result)

    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.title == "Netatmo"
    assert entry.unique_id == f"netatmo_{USER_ID}"
    assert entry.data["vendor"] == "netatmo"
    assert entry.data[CONF_BASE_URL] == netatmo.url
    assert entry.data["auth_implementation"] == AUTH_IMPLEMENTATION
    # the code was traded at the simulator: its tokens are the entry's
    (grant,) = sim.oauth.log
    assert grant.grant_type == "authorization_code"
    assert entry.data["token"]["access_token"] == grant.access_token
    assert entry.data["token"]["refresh_token"] == grant.refresh_token
    assert sim.oauth.access_tokens[grant.access_token].scopes == SCOPES
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("camera.pet_cam") is not None
    assert hass.states.get("switch.pet_cam_monitoring").state == "on"
    devices = {
        identifier: device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        for _, identifier in device.identifiers
    }
    assert devices[f"{entry.entry_id}_{PET_CAM}"].manufacturer == "Netatmo"

    # the same account again
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], moved_to(netatmo.url)
    )
    assert_abort(await sign_in(result), "already_configured")
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.usefixtures("netatmo_credentials")
async def test_the_form_as_shown_signs_in_at_netatmo(hass: HomeAssistant) -> None:
    """The URL left as it is: HA's steps send the user to Netatmo's own login page."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], moved_to(DEFAULT_BASE_URL)
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP, result
    url = URL(result["url"])
    assert str(url.with_query(None)) == AUTHORIZE_URL
    assert url.query["scope"].split() == list(SCOPES)
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_without_application_credentials(
    hass: HomeAssistant, netatmo: NetatmoCloud, http: TestClient
) -> None:
    """Without the user's app there is nothing to sign in with."""
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], moved_to(netatmo.url)
    )
    assert_abort(result, "missing_credentials")


@pytest.mark.usefixtures("netatmo_credentials")
async def test_the_user_denies(
    hass: HomeAssistant, netatmo: NetatmoCloud, sign_in: SignIn
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], moved_to(netatmo.url)
    )
    assert_abort(await sign_in(result, "deny"), "user_rejected_authorize")
    assert hass.config_entries.async_entries(DOMAIN) == []
    assert not netatmo.sim.grants


@pytest.mark.usefixtures("netatmo_credentials")
async def test_the_cloud_fails_to_say_who_signed_in(
    hass: HomeAssistant, netatmo: NetatmoCloud, sign_in: SignIn
) -> None:
    """Tokens, but homesdata fails: no entry (the user can try again)."""
    netatmo.sim.add_fault("http_500", route="/api/homesdata")
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], moved_to(netatmo.url)
    )
    assert_abort(await sign_in(result), "cannot_connect")
    assert hass.config_entries.async_entries(DOMAIN) == []


@pytest.mark.usefixtures("netatmo_credentials")
async def test_a_refused_refresh_asks_to_sign_in_again(
    hass: HomeAssistant, netatmo: NetatmoCloud, sign_in: SignIn
) -> None:
    """The refresh token is dead: reauth walks the login again; the token is replaced."""
    sim = netatmo.sim
    entry = netatmo_entry(netatmo, expires_in=-60)
    entry.add_to_hass(hass)
    sim.revoke_refresh()
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert sim.grant_errors["invalid_grant"] >= 1
    (flow,) = entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    old = dict(entry.data["token"])

    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert_form(result, "reauth_confirm")
    assert result["data_schema"].schema == {}
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert_abort(await sign_in(result), "reauth_successful")
    await hass.async_block_till_done()

    token = entry.data["token"]
    assert token["access_token"] != old["access_token"]
    assert token["refresh_token"] in sim.oauth.live_refresh_tokens
    assert sim.grants["authorization_code"] == 1
    assert entry.data[CONF_BASE_URL] == netatmo.url  # the account stays moved
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("switch.pet_cam_monitoring").state == "on"


@pytest.mark.usefixtures("netatmo_credentials")
async def test_reauth_into_another_account_is_refused(
    hass: HomeAssistant, netatmo: NetatmoCloud, sign_in: SignIn
) -> None:
    entry = netatmo_entry(netatmo, unique_id="netatmo_5c81ffffffffffffffffffff")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    old = dict(entry.data["token"])

    result = await entry.start_reauth_flow(hass)
    assert_form(result, "reauth_confirm")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert_abort(await sign_in(result), "wrong_account")
    assert entry.data["token"] == old
    assert entry.unique_id == "netatmo_5c81ffffffffffffffffffff"


@pytest.mark.usefixtures("netatmo_credentials")
async def test_reconfigure_signs_in_again_on_the_same_cloud(
    hass: HomeAssistant, netatmo: NetatmoCloud, sign_in: SignIn
) -> None:
    entry = netatmo_entry(netatmo)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    old = dict(entry.data["token"])

    result = await entry.start_reconfigure_flow(hass)
    assert_abort(await sign_in(result), "reconfigure_successful")
    await hass.async_block_till_done()
    assert entry.data["token"]["access_token"] != old["access_token"]
    assert entry.data["token"]["access_token"] == netatmo.sim.oauth.log[-1].access_token
    assert entry.data[CONF_BASE_URL] == netatmo.url
    assert entry.state is ConfigEntryState.LOADED
