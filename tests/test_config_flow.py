"""Config flow: vendor menu, OneNata sign-in, reauth, reconfigure and options.

Every flow runs through Home Assistant's flow manager against the OneNata
simulator; created and updated entries are set up for real.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub.const import (
    CONF_ADVANCED,
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_VENDOR,
    DOMAIN,
    OPT_FEED_AMOUNT,
    OPT_PLAY_DURATION,
    OPT_PUMP_DURATION,
    SCAN_INTERVAL,
)
from custom_components.petsmart_hub.vendors.descriptor import account_unique_id
from custom_components.petsmart_hub.vendors.onenata import OneNataClient
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType, InvalidData
from homeassistant.helpers import device_registry as dr, entity_registry as er
from simulator.core import start_server
from simulator.onenata import OneNataSimulator

from .conftest import (
    API_KEY,
    DEFAULT_FEED_AMOUNT,
    DEFAULT_PLAY_DURATION,
    DEFAULT_PUMP_DURATION,
    ONENATA_DEFAULT_BASE_URL,
    VENDOR_NETRO,
    VENDOR_ONENATA,
    Cloud,
)
from .flow import (
    STRINGS,
    assert_abort,
    assert_form,
    closed_port_url,
    credentials,
    form_defaults,
)

FOOD_LEVEL = "sensor.smart_feeder_1_food_level"
FEED_BUTTON = "button.smart_feeder_1_feed"
COMMANDS_ROUTE = "/v1/devices/{device_id}/commands"
DEVICES_ROUTE = "/v1/devices"
STATUS_ROUTE = "/v1/devices/{device_id}/status"

type StartCloud = Callable[..., Awaitable[Cloud]]


# --- helpers ----------------------------------------------------------------


def device_ids(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Registry ids of the entry's devices."""
    return {
        device.id
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
    }


def entity_ids(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Entity ids of the entry's entities."""
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }


def make_other_account(sim: OneNataSimulator, api_key: str) -> None:
    """Turn the simulated account into another one: new key, disjoint devices."""
    for device_id in list(sim.devices):
        kind = sim.devices[device_id].kind
        sim.remove_device(device_id)
        sim.add_device(kind)  # next free index: *_002, serials *-002
    sim.api_key = api_key


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Move time on and let every due refresh finish."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    # the coordinator refreshes in a background task
    await hass.async_block_till_done(wait_background_tasks=True)


async def start_onenata_form(hass: HomeAssistant) -> FlowResult:
    """Open the user flow and pick OneNata in the vendor menu."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_ONENATA}
    )


async def assert_created(
    hass: HomeAssistant, result: FlowResult, api_key: str, base_url: str
) -> ConfigEntry:
    """The flow created a loaded OneNata entry for `api_key` at `base_url`."""
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["title"] == "OneNata"
    assert result["data"] == {
        CONF_VENDOR: VENDOR_ONENATA,
        CONF_API_KEY: api_key,
        CONF_BASE_URL: base_url,
    }
    entry = result["result"]
    assert entry.unique_id == account_unique_id(VENDOR_ONENATA, api_key)
    assert api_key not in entry.unique_id
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(FOOD_LEVEL) is not None
    return entry


def feed_commands(sim: OneNataSimulator) -> list[dict[str, Any]]:
    """Bodies of every feed command the simulator received."""
    return [
        request.json
        for request in sim.requests
        if request.route == COMMANDS_ROUTE
        and request.method == "POST"
        and request.json["command"] == "feed"
    ]


# --- fixtures ---------------------------------------------------------------


@pytest.fixture
async def start_cloud(socket_enabled: None) -> AsyncGenerator[StartCloud]:
    """Start more simulated OneNata clouds (other servers, other accounts)."""
    clouds: list[Cloud] = []

    async def _start(**kwargs: Any) -> Cloud:
        sim = OneNataSimulator(**kwargs)
        cloud = Cloud(sim, await start_server(sim))
        clouds.append(cloud)
        return cloud

    yield _start
    for cloud in clouds:
        await cloud.server.close()


@pytest.fixture
async def html_site(socket_enabled: None) -> AsyncGenerator[str]:
    """A web site answering every URL with an HTML page and HTTP 200."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text="<html><body><h1>Welcome</h1></body></html>",
            content_type="text/html",
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
    await runner.cleanup()


# --- user step and the OneNata step ------------------------------------------


async def test_user_menu_offers_implemented_vendors(hass: HomeAssistant) -> None:
    """The first step is a menu of the vendors that are implemented."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == [
        VENDOR_ONENATA,
        VENDOR_NETRO,
        "netatmo",
        "instathings",
        "ninjablocks",
    ]
    assert set(result["menu_options"]) == set(
        STRINGS["config"]["step"]["user"]["menu_options"]
    )


async def test_onenata_form(hass: HomeAssistant) -> None:
    """Choosing OneNata shows the key form with the base URL folded away."""
    result = await start_onenata_form(hass)
    assert_form(result, VENDOR_ONENATA)
    assert form_defaults(result["data_schema"]) == {
        CONF_API_KEY: "",
        CONF_ADVANCED: {CONF_BASE_URL: ONENATA_DEFAULT_BASE_URL},
    }
    advanced = result["data_schema"].schema[CONF_ADVANCED]
    assert advanced.options == {"collapsed": True}


async def test_create_entry(hass: HomeAssistant, onenata: Cloud) -> None:
    """A valid key creates a loaded entry; the key was checked with GET /devices."""
    result = await start_onenata_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(f"  {API_KEY} ", f" {onenata.base_url} ")
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)
    validation = onenata.sim.requests[0]
    assert (validation.method, validation.route) == ("GET", DEVICES_ROUTE)
    assert validation.headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("http_401", "invalid_auth"),
        ("http_500", "cannot_connect"),
        ("http_429", "rate_limited"),
        ("html_error", "cannot_connect"),
        ("malformed_json", "invalid_response"),
        ("body_code", "cannot_connect"),  # code 500 inside an HTTP 200
        ("missing_fields", "invalid_response"),
    ],
)
async def test_cloud_fault_then_recovery(
    hass: HomeAssistant, onenata: Cloud, fault: str, error: str
) -> None:
    """A failing validation is shown on the form; the next try succeeds."""
    onenata.sim.add_fault(fault, route=DEVICES_ROUTE, times=1)
    result = await start_onenata_form(hass)
    user_input = credentials(API_KEY, onenata.base_url)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    assert_form(result, VENDOR_ONENATA, {"base": error})
    # the form keeps what was typed
    assert form_defaults(result["data_schema"]) == user_input
    assert not hass.config_entries.async_entries(DOMAIN)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)


async def test_wrong_key_then_recovery(hass: HomeAssistant, onenata: Cloud) -> None:
    """A key the cloud rejects is invalid_auth; the right key then works."""
    result = await start_onenata_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials("not-my-key", onenata.base_url)
    )
    assert_form(result, VENDOR_ONENATA, {"base": "invalid_auth"})
    assert onenata.sim.count("GET", DEVICES_ROUTE) == 1

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)


async def test_timeout_then_recovery(
    hass: HomeAssistant, onenata: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cloud that does not answer in time is cannot_connect (no 20 s wait)."""
    # REQUEST_TIMEOUT is bound as the client's default argument when the module
    # loads, so shorten the default itself.
    monkeypatch.setitem(OneNataClient.__init__.__kwdefaults__, "request_timeout", 0.3)
    onenata.sim.add_fault("timeout", route=DEVICES_ROUTE, times=1)
    result = await start_onenata_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    assert_form(result, VENDOR_ONENATA, {"base": "cannot_connect"})

    monkeypatch.undo()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)


async def test_nothing_listening_then_recovery(
    hass: HomeAssistant, onenata: Cloud
) -> None:
    """A base URL where nothing listens is cannot_connect; fixing it works."""
    result = await start_onenata_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, closed_port_url("/v1"))
    )
    assert_form(result, VENDOR_ONENATA, {"base": "cannot_connect"})

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)


async def test_web_page_instead_of_api_then_recovery(
    hass: HomeAssistant, onenata: Cloud, html_site: str
) -> None:
    """An HTML page served with HTTP 200 is invalid_response, not an entry."""
    result = await start_onenata_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, html_site)
    )
    assert_form(result, VENDOR_ONENATA, {"base": "invalid_response"})

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)


@pytest.mark.parametrize(
    "base_url",
    [
        "api.onenata.com/v1",
        "ftp://api.onenata.com/v1",
        "http://",
        "http://[::1",
        "https://api.onenata.com:99999/v1",
    ],
)
async def test_invalid_url_then_recovery(
    hass: HomeAssistant, onenata: Cloud, base_url: str
) -> None:
    """A base URL that is not http(s)://host is refused before any request."""
    result = await start_onenata_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, base_url)
    )
    assert_form(result, VENDOR_ONENATA, {"base": "invalid_url"})
    assert not onenata.sim.requests

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)


@pytest.mark.parametrize("api_key", ["", "   "])
async def test_empty_key_then_recovery(
    hass: HomeAssistant, onenata: Cloud, api_key: str
) -> None:
    """An empty key is flagged on the key field before any request."""
    result = await start_onenata_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(api_key, onenata.base_url)
    )
    assert_form(result, VENDOR_ONENATA, {CONF_API_KEY: "invalid_auth"})
    assert not onenata.sim.requests

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)


async def test_unexpected_error_then_recovery(
    hass: HomeAssistant, onenata: Cloud, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug while validating is 'unknown' and logged; the flow survives it."""
    result = await start_onenata_form(hass)
    with patch(
        "custom_components.petsmart_hub.vendors.onenata.OneNataAccount.async_identify",
        side_effect=Exception("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], credentials(API_KEY, onenata.base_url)
        )
    assert_form(result, VENDOR_ONENATA, {"base": "unknown"})
    assert "Unexpected error while validating a onenata account" in caplog.text

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    await assert_created(hass, result, API_KEY, onenata.base_url)


async def test_duplicate_account_aborts(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> None:
    """The same account (same key) cannot be added twice."""
    config_entry.add_to_hass(hass)
    result = await start_onenata_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, onenata.base_url)
    )
    assert_abort(result, "already_configured")
    assert hass.config_entries.async_entries(DOMAIN) == [config_entry]


# --- reauth -----------------------------------------------------------------


async def test_rejected_key_starts_reauth_and_new_key_fixes_it(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 401 while polling starts reauth; a new key restores everything."""
    entry = init_integration
    devices = device_ids(hass, entry)
    entities = entity_ids(hass, entry)
    assert devices
    assert entities
    coordinator = entry.runtime_data

    onenata.sim.api_key = "rotated-key"  # the stored key is now rejected
    await tick(hass, freezer, SCAN_INTERVAL + 1)

    assert hass.states.get(FOOD_LEVEL).state == STATE_UNAVAILABLE
    flows = [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == SOURCE_REAUTH
    ]
    assert len(flows) == 1
    assert flows[0]["context"]["entry_id"] == entry.entry_id
    assert flows[0]["step_id"] == "reauth_confirm"
    flow_id = flows[0]["flow_id"]

    # a wrong key is refused and the flow stays open
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "still-wrong"}
    )
    assert_form(result, "reauth_confirm", {"base": "invalid_auth"})
    assert result["description_placeholders"]["vendor"] == "OneNata"
    assert entry.data[CONF_API_KEY] == API_KEY

    onenata.sim.reset_requests()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: " rotated-key "}
    )
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()

    assert entry.data == {
        CONF_VENDOR: VENDOR_ONENATA,
        CONF_API_KEY: "rotated-key",
        CONF_BASE_URL: onenata.base_url,
    }
    assert entry.unique_id == account_unique_id(VENDOR_ONENATA, "rotated-key")
    # reloaded with the new key, nothing deleted
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not coordinator
    assert device_ids(hass, entry) == devices
    assert entity_ids(hass, entry) == entities
    assert hass.states.get(FOOD_LEVEL).state != STATE_UNAVAILABLE
    assert onenata.sim.requests
    assert {r.headers["Authorization"] for r in onenata.sim.requests} == {
        "Bearer rotated-key"
    }
    assert not hass.config_entries.flow.async_progress()


async def test_reauth_with_key_of_another_account(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A key whose devices share nothing with the entry's is wrong_account."""
    entry = init_integration
    devices = device_ids(hass, entry)
    fleet = dict(onenata.sim.devices)

    result = await entry.start_reauth_flow(hass)
    assert_form(result, "reauth_confirm")
    assert form_defaults(result["data_schema"]) == {}  # the old key is not shown

    make_other_account(onenata.sim, "other-key")
    assert not set(onenata.sim.devices) & set(fleet)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "other-key"}
    )
    assert_form(result, "reauth_confirm", {"base": "wrong_account"})
    assert entry.data[CONF_API_KEY] == API_KEY

    # back to the real account, under a new key
    onenata.sim.devices.clear()
    onenata.sim.devices.update(fleet)
    onenata.sim.api_key = "rotated-key"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "rotated-key"}
    )
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()
    assert entry.data[CONF_API_KEY] == "rotated-key"
    assert entry.state is ConfigEntryState.LOADED
    assert device_ids(hass, entry) == devices


async def test_reauth_of_entry_that_failed_setup(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> None:
    """A key rejected at startup starts reauth; the new key sets the entry up."""
    onenata.sim.api_key = "rotated-key"
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_REAUTH

    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_API_KEY: "rotated-key"}
    )
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(FOOD_LEVEL).state != STATE_UNAVAILABLE


# --- reconfigure ------------------------------------------------------------


async def test_reconfigure_key_and_base_url(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    start_cloud: StartCloud,
) -> None:
    """Errors are shown and recoverable; success moves the entry to the new URL."""
    entry = init_integration
    devices = device_ids(hass, entry)
    entities = entity_ids(hass, entry)
    moved = await start_cloud(api_key="moved-key")  # same account, new server
    stranger = await start_cloud(api_key="stranger-key", devices_per_kind=2)
    for device_id in [d for d in stranger.sim.devices if d.endswith("_001")]:
        stranger.sim.remove_device(device_id)

    result = await entry.start_reconfigure_flow(hass)
    assert_form(result, "reconfigure")
    assert result["description_placeholders"] == {"vendor": "OneNata"}
    assert form_defaults(result["data_schema"]) == credentials(
        API_KEY, onenata.base_url
    )
    flow_id = result["flow_id"]

    for user_input, error in (
        (credentials("moved-key", "ftp://example.com/v1"), "invalid_url"),
        (credentials("moved-key", closed_port_url("/v1")), "cannot_connect"),
        (credentials("not-my-key", moved.base_url), "invalid_auth"),
        (credentials("stranger-key", stranger.base_url), "wrong_account"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
        assert_form(result, "reconfigure", {"base": error})
        assert form_defaults(result["data_schema"]) == user_input
        assert entry.data[CONF_API_KEY] == API_KEY

    result = await hass.config_entries.flow.async_configure(
        flow_id, credentials("moved-key", moved.base_url)
    )
    assert_abort(result, "reconfigure_successful")
    await hass.async_block_till_done()

    assert entry.data == {
        CONF_VENDOR: VENDOR_ONENATA,
        CONF_API_KEY: "moved-key",
        CONF_BASE_URL: moved.base_url,
    }
    assert entry.unique_id == account_unique_id(VENDOR_ONENATA, "moved-key")
    assert entry.state is ConfigEntryState.LOADED
    assert device_ids(hass, entry) == devices
    assert entity_ids(hass, entry) == entities
    # validation and the reloaded entry both spoke to the new server
    assert moved.sim.count("GET", DEVICES_ROUTE) >= 2
    assert moved.sim.count("GET", "/v1/devices/{device_id}/status") >= 6
    assert hass.states.get(FOOD_LEVEL).state != STATE_UNAVAILABLE


async def test_reconfigure_base_url_only(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    start_cloud: StartCloud,
) -> None:
    """Same key, new URL: the unique id stays, the entry moves."""
    entry = init_integration
    unique_id = entry.unique_id
    mirror = await start_cloud(api_key=API_KEY)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(API_KEY, mirror.base_url)
    )
    assert_abort(result, "reconfigure_successful")
    await hass.async_block_till_done()
    assert entry.unique_id == unique_id
    assert entry.data[CONF_BASE_URL] == mirror.base_url
    assert entry.state is ConfigEntryState.LOADED
    assert mirror.sim.count("GET", DEVICES_ROUTE) >= 2


async def test_reconfigure_to_key_of_another_entry(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A key that belongs to another configured entry is already_configured."""
    entry = init_integration
    other = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title="OneNata",
        unique_id=account_unique_id(VENDOR_ONENATA, "second-key"),
        data={
            CONF_VENDOR: VENDOR_ONENATA,
            CONF_API_KEY: "second-key",
            CONF_BASE_URL: onenata.base_url,
        },
    )
    other.add_to_hass(hass)
    onenata.sim.api_key = "second-key"

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials("second-key", onenata.base_url)
    )
    assert_abort(result, "already_configured")
    assert entry.data[CONF_API_KEY] == API_KEY
    assert entry.unique_id == account_unique_id(VENDOR_ONENATA, API_KEY)
    assert other.data[CONF_API_KEY] == "second-key"


# --- options ----------------------------------------------------------------


async def test_options_flow(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Defaults are shown, values are stored as ints; polling is no option."""
    entry = init_integration
    coordinator = entry.runtime_data
    assert coordinator.update_interval == timedelta(seconds=SCAN_INTERVAL)

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert form_defaults(result["data_schema"]) == {
        OPT_FEED_AMOUNT: DEFAULT_FEED_AMOUNT,
        OPT_PUMP_DURATION: DEFAULT_PUMP_DURATION,
        OPT_PLAY_DURATION: DEFAULT_PLAY_DURATION,
        "missed_meal_grace": 10,
        "push": True,
    }
    assert set(result["data_schema"].schema) <= set(
        STRINGS["options"]["step"]["init"]["data"]
    )
    # HA core's rule: the integration decides how often it polls
    assert not {"scan_interval", "slow_scan_interval"} & set(
        STRINGS["options"]["step"]["init"]["data"]
    )

    # the number selectors enforce the limits
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                OPT_FEED_AMOUNT: 0.0,
                OPT_PUMP_DURATION: 5.0,
                OPT_PLAY_DURATION: 120.0,
            },
        )

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {OPT_FEED_AMOUNT: 75.0, OPT_PUMP_DURATION: 5.0, OPT_PLAY_DURATION: 120.0},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    expected = {
        OPT_FEED_AMOUNT: 75,
        OPT_PUMP_DURATION: 5,
        OPT_PLAY_DURATION: 120,
        "missed_meal_grace": 10,  # its default
        "push": True,  # on by default
    }
    assert entry.options == expected
    assert all(
        type(value) is int for key, value in entry.options.items() if key != "push"
    )
    await hass.async_block_till_done()

    # reloaded, polling as before
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not coordinator
    assert entry.runtime_data.update_interval == timedelta(seconds=SCAN_INTERVAL)

    # the form now shows the stored values
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert form_defaults(result["data_schema"]) == expected


async def test_default_polling_waits_for_the_scan_interval(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """31 s is not enough for a poll; the scan interval is."""
    # the entry was set up before time froze: let the first poll happen
    await tick(hass, freezer, SCAN_INTERVAL + 1)
    onenata.sim.reset_requests()
    await tick(hass, freezer, 31)
    assert onenata.sim.requests == []
    await tick(hass, freezer, SCAN_INTERVAL - 31 + 1)
    # (a poll reads the devices' status; the list only every 30 minutes)
    assert onenata.sim.count("GET", STATUS_ROUTE, "feeding_machine_001") == 1


async def test_feed_amount_option_drives_the_feed_button(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The feed button sends the amount chosen in the options."""
    entry = init_integration
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: FEED_BUTTON}, blocking=True
    )
    assert [body["parameters"]["amount"] for body in feed_commands(onenata.sim)] == [
        DEFAULT_FEED_AMOUNT
    ]

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            OPT_FEED_AMOUNT: 75,
            OPT_PUMP_DURATION: DEFAULT_PUMP_DURATION,
            OPT_PLAY_DURATION: DEFAULT_PLAY_DURATION,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    onenata.sim.reset_requests()
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: FEED_BUTTON}, blocking=True
    )
    commands = [r for r in onenata.sim.requests if r.route == COMMANDS_ROUTE]
    assert len(commands) == 1
    assert commands[0].device_id == "feeding_machine_001"
    assert commands[0].json["command"] == "feed"
    assert commands[0].json["parameters"]["amount"] == 75
