"""Every kind of sign-in through the one config flow, proven with a test vendor.

The vendors of ``tests/signin`` sign in with an API key, a device key, a user
access token, client credentials and OAuth2 (through Home Assistant's own
OAuth2 steps and test helpers). Each is driven through HA: the vendor menu,
the sign-in form or the external OAuth2 step, errors, the created entry,
setup, reauth and reconfigure.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
import time
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub.const import CONF_ADVANCED, CONF_BASE_URL, DOMAIN
from custom_components.petsmart_hub.vendors.base import DeviceUpdate
from custom_components.petsmart_hub.vendors.descriptor import (
    CREDENTIALS,
    SignIn,
    account_unique_id,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.setup import async_setup_component

from .flow import assert_abort, assert_form
from .signin import (
    AUTHORIZE_URL,
    DESCRIPTORS,
    OAUTH2_USER,
    OPENED,
    REJECTED,
    SCOPES,
    TOKEN_URL,
    UNREACHABLE,
    FakeAccount,
)

FOOD_LEVEL = "sensor.fake_bowl_food_level"
FORM_KINDS = [kind for kind in SignIn if kind is not SignIn.OAUTH2]
CLIENT_ID = "our-client"
CLIENT_SECRET = "our-secret"


@pytest.fixture(autouse=True)
def fake_vendors() -> Generator[None]:
    """Offer the test vendors besides the real ones."""
    OPENED.clear()
    with patch.dict(
        "custom_components.petsmart_hub.vendors.registry.VENDORS", DESCRIPTORS
    ):
        yield


def key(kind: SignIn) -> str:
    return f"fake_{kind.value}"


def answers(kind: SignIn, value: str) -> dict[str, str]:
    """A sign-in form's fields, each filled with ``value``."""
    return {field.key: value for field in CREDENTIALS[kind]}


def form(
    kind: SignIn, value: str, url: str = "https://api.fake.example/v1"
) -> dict[str, Any]:
    """A sign-in or reconfigure form as the frontend submits it (with its section)."""
    return {**answers(kind, value), CONF_ADVANCED: {CONF_BASE_URL: url}}


def account() -> FakeAccount:
    return OPENED[-1]


async def pick(hass: HomeAssistant, kind: SignIn) -> FlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert key(kind) in result["menu_options"]
    assert {"onenata", "netro"} <= set(result["menu_options"])
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": key(kind)}
    )


def fields_of(result: FlowResult) -> list[str]:
    return [str(marker) for marker in result["data_schema"].schema]


@pytest.mark.parametrize("kind", FORM_KINDS)
async def test_sign_in_with_a_form(hass: HomeAssistant, kind: SignIn) -> None:
    """The kind's fields, its errors, then an entry that sets up and is started."""
    result = await pick(hass, kind)
    assert_form(result, key(kind))
    assert fields_of(result) == [
        *(field.key for field in CREDENTIALS[kind]),
        CONF_ADVANCED,
    ]
    flow_id = result["flow_id"]
    first = CREDENTIALS[kind][0].key

    empty = {**form(kind, "ok"), first: "  "}
    result = await hass.config_entries.flow.async_configure(flow_id, empty)
    assert_form(result, key(kind), {first: "invalid_auth"})
    for value, error in ((REJECTED, "invalid_auth"), (UNREACHABLE, "cannot_connect")):
        result = await hass.config_entries.flow.async_configure(
            flow_id, form(kind, value)
        )
        assert_form(result, key(kind), {"base": error})
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(kind, "good", "ftp://x")
    )
    assert_form(result, key(kind), {"base": "invalid_url"})

    result = await hass.config_entries.flow.async_configure(
        flow_id, form(kind, " good ")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    # a key that is a device names the entry after it
    title = "Fake bowl" if kind is SignIn.DEVICE_KEY else f"Fake {kind.value}"
    assert entry.title == title
    assert entry.data == {
        "vendor": key(kind),
        **answers(kind, "good"),  # stripped
        CONF_BASE_URL: "https://api.fake.example/v1",
    }
    if kind is SignIn.CLIENT_CREDENTIALS:  # the account names itself
        assert entry.unique_id == f"{key(kind)}_project-good"
    else:  # a hash of the secret, never the secret
        assert entry.unique_id == account_unique_id(key(kind), "good")
        assert "good" not in entry.unique_id
    assert entry.state is ConfigEntryState.LOADED
    assert account().context.credentials == answers(kind, "good")
    assert account().context.token is None
    assert account().started
    assert hass.states.get(FOOD_LEVEL).state == "42.0"

    # the same account again
    result = await pick(hass, kind)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(kind, "good")
    )
    assert_abort(result, "already_configured")

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert not account().started


@pytest.mark.parametrize("kind", FORM_KINDS)
async def test_reauth_and_reconfigure_with_a_form(
    hass: HomeAssistant, kind: SignIn
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title="Fake",
        data={"vendor": key(kind), **answers(kind, "old")},
        unique_id=DESCRIPTORS[key(kind)].unique_id(
            answers(kind, "old"),
            "project-old" if kind.value == "client_credentials" else None,
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await entry.start_reauth_flow(hass)
    assert_form(result, "reauth_confirm")
    assert fields_of(result) == [field.key for field in CREDENTIALS[kind]]
    assert result["description_placeholders"]["vendor"] == f"Fake {kind.value}"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], answers(kind, REJECTED)
    )
    assert_form(result, "reauth_confirm", {"base": "invalid_auth"})
    new = {**answers(kind, "new")}
    if kind in (SignIn.CLIENT_CREDENTIALS, SignIn.DEVICE_KEY):
        # another client id is another project, another device key another
        # device: refused, then the account's own
        result = await hass.config_entries.flow.async_configure(result["flow_id"], new)
        assert_form(result, "reauth_confirm", {"base": "wrong_account"})
        new = (
            {"client_id": "old", "client_secret": "new"}
            if kind is SignIn.CLIENT_CREDENTIALS
            else answers(kind, "old")
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], new)
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()
    assert {k: entry.data[k] for k in new} == new
    assert entry.state is ConfigEntryState.LOADED

    result = await entry.start_reconfigure_flow(hass)
    assert_form(result, "reconfigure")
    assert fields_of(result)[-1] == CONF_ADVANCED
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**new, CONF_ADVANCED: {CONF_BASE_URL: "https://eu.fake.example/v1"}},
    )
    assert_abort(result, "reconfigure_successful")
    await hass.async_block_till_done()
    assert entry.data[CONF_BASE_URL] == "https://eu.fake.example/v1"
    assert account().context.base_url == "https://eu.fake.example/v1"


async def test_options_come_from_the_descriptor(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        data={"vendor": key(SignIn.ACCESS_TOKEN), "access_token": "t"},
        unique_id="u",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    (marker,) = result["data_schema"].schema
    assert str(marker) == "feed_amount"
    assert marker.default() == 5
    config = result["data_schema"].schema[marker].config
    assert (config["min"], config["max"], config["unit_of_measurement"]) == (1, 9, "g")


# --- OAuth2: Home Assistant's own steps hosted by our one flow handler ---------


@pytest.fixture
async def oauth2(hass: HomeAssistant) -> None:
    """The user's application credentials for the OAuth2 test vendor."""
    # auth serves /auth/external/callback (always loaded in a real Home Assistant)
    assert await async_setup_component(hass, "auth", {})
    config_entry_oauth2_flow.async_register_implementation(
        hass,
        DOMAIN,
        config_entry_oauth2_flow.LocalOAuth2Implementation(
            hass, DOMAIN, CLIENT_ID, CLIENT_SECRET, AUTHORIZE_URL, TOKEN_URL
        ),
    )


async def walk_oauth2(
    hass: HomeAssistant,
    result: FlowResult,
    client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    access_token: str = "access-1",
) -> FlowResult:
    """The external step: authorize, the callback, the code exchange."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP, result
    state = config_entry_oauth2_flow._encode_jwt(
        hass,
        {
            "flow_id": result["flow_id"],
            "redirect_uri": "https://example.com/auth/external/callback",
        },
    )
    assert result["url"] == (
        f"{AUTHORIZE_URL}?response_type=code&client_id={CLIENT_ID}"
        "&redirect_uri=https://example.com/auth/external/callback"
        f"&state={state}&scope={'+'.join(SCOPES)}"
    )
    http = await client()
    response = await http.get(f"/auth/external/callback?code=abcd&state={state}")
    assert response.status == HTTPStatus.OK
    aioclient_mock.clear_requests()
    aioclient_mock.post(
        TOKEN_URL,
        json={
            "access_token": access_token,
            "refresh_token": "refresh-1",
            "token_type": "Bearer",
            "expires_in": 10800,
        },
    )
    return await hass.config_entries.flow.async_configure(result["flow_id"])


@pytest.mark.usefixtures("current_request_with_host", "oauth2")
async def test_oauth2_sign_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Menu, HA's external step and code exchange; the account names itself."""
    kind = SignIn.OAUTH2
    result = await walk_oauth2(
        hass, await pick(hass, kind), hass_client_no_auth, aioclient_mock
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.unique_id == f"{key(kind)}_{OAUTH2_USER}"
    assert entry.data["vendor"] == key(kind)
    assert entry.data["auth_implementation"] == DOMAIN
    assert entry.data["token"]["refresh_token"] == "refresh-1"
    assert CONF_BASE_URL not in entry.data
    assert entry.state is ConfigEntryState.LOADED
    assert account().context.token is not None  # a getter, not HA's session
    assert account().tokens_used[-1] == "access-1"
    assert hass.states.get(FOOD_LEVEL).state == "42.0"

    # the same account again
    result = await walk_oauth2(
        hass, await pick(hass, kind), hass_client_no_auth, aioclient_mock
    )
    assert_abort(result, "already_configured")

    # a token the cloud refuses while identifying
    result = await walk_oauth2(
        hass, await pick(hass, kind), hass_client_no_auth, aioclient_mock, REJECTED
    )
    assert_abort(result, "invalid_auth")


@pytest.mark.usefixtures("current_request_with_host", "oauth2")
async def test_oauth2_reauth_and_reconfigure(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    entry = oauth2_entry(hass, expires_at=time.time() + 3600)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await entry.start_reauth_flow(hass)
    assert_form(result, "reauth_confirm")
    assert fields_of(result) == []
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await walk_oauth2(
        hass, result, hass_client_no_auth, aioclient_mock, "access-2"
    )
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()
    assert entry.data["token"]["access_token"] == "access-2"
    assert entry.state is ConfigEntryState.LOADED

    result = await entry.start_reconfigure_flow(hass)
    result = await walk_oauth2(
        hass, result, hass_client_no_auth, aioclient_mock, "access-3"
    )
    assert_abort(result, "reconfigure_successful")
    await hass.async_block_till_done()
    assert entry.data["token"]["access_token"] == "access-3"


@pytest.mark.usefixtures("current_request_with_host", "oauth2")
async def test_oauth2_reauth_into_another_account_is_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    entry = oauth2_entry(hass, expires_at=time.time() + 3600, user="someone-else")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await walk_oauth2(hass, result, hass_client_no_auth, aioclient_mock)
    assert_abort(result, "wrong_account")
    assert entry.data["token"]["access_token"] == "access-0"


def oauth2_entry(
    hass: HomeAssistant, *, expires_at: float, user: str = OAUTH2_USER
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title="Fake OAuth2",
        unique_id=f"{key(SignIn.OAUTH2)}_{user}",
        data={
            "vendor": key(SignIn.OAUTH2),
            "auth_implementation": DOMAIN,
            "token": {
                "access_token": "access-0",
                "refresh_token": "refresh-0",
                "token_type": "Bearer",
                "expires_in": 10800,
                "expires_at": expires_at,
            },
        },
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.usefixtures("oauth2")
async def test_oauth2_refresh_rotates_the_refresh_token(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """An expired token is refreshed before the call; the rotated one is stored."""
    entry = oauth2_entry(hass, expires_at=time.time() - 60)
    aioclient_mock.post(
        TOKEN_URL,
        json={
            "access_token": "access-1",
            "refresh_token": "refresh-rotated",
            "token_type": "Bearer",
            "expires_in": 10800,
        },
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["token"]["refresh_token"] == "refresh-rotated"
    assert account().tokens_used[0] == "access-1"
    (request,) = aioclient_mock.mock_calls
    assert request[2]["refresh_token"] == "refresh-0"


@pytest.mark.parametrize(
    ("status", "state", "reauth"),
    [
        (HTTPStatus.BAD_REQUEST, ConfigEntryState.SETUP_ERROR, True),
        (HTTPStatus.SERVICE_UNAVAILABLE, ConfigEntryState.SETUP_RETRY, False),
    ],
)
@pytest.mark.usefixtures("oauth2")
async def test_oauth2_refused_refresh_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    status: HTTPStatus,
    state: ConfigEntryState,
    reauth: bool,
) -> None:
    entry = oauth2_entry(hass, expires_at=time.time() - 60)
    aioclient_mock.post(TOKEN_URL, status=status, json={"error": "invalid_grant"})
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is state
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert bool([f for f in flows if f["context"]["source"] == "reauth"]) is reauth
    assert entry.data["token"]["refresh_token"] == "refresh-0"


async def test_oauth2_without_its_credentials_is_not_ready(hass: HomeAssistant) -> None:
    """The application credentials are gone: set up again later, nothing lost."""
    entry = oauth2_entry(hass, expires_at=time.time() + 3600)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state in (ConfigEntryState.SETUP_RETRY, ConfigEntryState.SETUP_ERROR)
    assert entry.data["token"]["access_token"] == "access-0"


# --- updates between refreshes --------------------------------------------------


async def test_updates_between_refreshes(hass: HomeAssistant) -> None:
    """A pushed state reaches the entity at once; an older one never rolls it back."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        data={"vendor": key(SignIn.API_KEY), "api_key": "k"},
        unique_id="u",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    fake = account()
    coordinator = entry.runtime_data
    held = coordinator.data.devices["bowl"]
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)

    fake.push_level(50.0, now)
    await hass.async_block_till_done()
    assert hass.states.get(FOOD_LEVEL).state == "50.0"
    assert held.feeder is not None
    assert held.feeder.food_level == 42  # the object we held was not changed

    fake.push_level(10.0, now - timedelta(seconds=1))  # older: dropped
    fake.push_level(20.0)  # no time: applied
    await hass.async_block_till_done()
    assert hass.states.get(FOOD_LEVEL).state == "20.0"

    # a device the coordinator does not hold is ignored
    stray = fake.feeder()
    stray.id = "stranger"
    coordinator.async_apply_update(DeviceUpdate(stray))
    assert "stranger" not in coordinator.data.devices

    assert await hass.config_entries.async_unload(entry.entry_id)
    fake.push_level(99)  # after stop: nobody listens
    assert coordinator.data.devices["bowl"].feeder.food_level == 20
