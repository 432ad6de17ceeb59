"""Netro in the config flow: the serial as the key, errors, reauth, options.

Flows run through Home Assistant's flow manager against the Netro simulator
(controller key CTRL00000001 "Front Yard Sprite", sensor key SENS00000001
"Whisperer 1"); created and updated entries are set up for real.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

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
    OPT_RESERVE,
    OPT_ZONE_DURATION,
)
from custom_components.petsmart_hub.vendors.descriptor import account_unique_id
from custom_components.petsmart_hub.vendors.netro.budget import PollPolicy
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType, InvalidData
from homeassistant.exceptions import HomeAssistantError
from simulator.core import start_server
from simulator.netro import NetroSimulator

from .conftest import (
    CONTROLLER_KEY,
    DEFAULT_RESERVE,
    DEFAULT_ZONE_DURATION,
    NETRO_DEFAULT_BASE_URL,
    SENSOR_KEY,
    VENDOR_NETRO,
    NetroCloud,
    netro_entry,
)
from .flow import (
    STRINGS,
    assert_abort,
    assert_form,
    closed_port_url,
    credentials,
    form_defaults,
)

INFO = "/npa/v1/info.json"
FRONT_LAWN = "switch.front_lawn_watering"
MOISTURE = "sensor.front_lawn_moisture"
SOIL_MOISTURE = "sensor.whisperer_1_moisture"

pytestmark = pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")


# --- helpers ----------------------------------------------------------------


async def start_netro_form(hass: HomeAssistant) -> FlowResult:
    """Open the user flow and pick Netro in the vendor menu."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert VENDOR_NETRO in result["menu_options"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": VENDOR_NETRO}
    )


async def submit(
    hass: HomeAssistant, result: FlowResult, key: str, url: str
) -> FlowResult:
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials(key, url)
    )


async def assert_created(
    hass: HomeAssistant, result: FlowResult, key: str, base_url: str, title: str
) -> ConfigEntry:
    """The flow created a loaded Netro entry named after its device."""
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["title"] == title
    assert result["data"] == {
        CONF_VENDOR: VENDOR_NETRO,
        CONF_API_KEY: key,
        CONF_BASE_URL: base_url,
    }
    entry = result["result"]
    # a hash of the serial: the serial is the key, and no id holds a secret
    assert entry.unique_id == account_unique_id(VENDOR_NETRO, key)
    assert key not in entry.unique_id
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass a minute at a time, running every due poll."""
    remaining = delta
    while remaining > timedelta(0):
        step = min(remaining, timedelta(minutes=1))
        freezer.tick(step)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        remaining -= step


def reauth_flows(hass: HomeAssistant, entry: ConfigEntry) -> list[dict[str, Any]]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
        and flow["context"]["entry_id"] == entry.entry_id
    ]


@pytest.fixture
async def netro_variant(
    request: pytest.FixtureRequest, socket_enabled: None
) -> AsyncGenerator[NetroCloud]:
    """A Netro cloud built with the test's parameters (indirect)."""
    sim = NetroSimulator(**request.param)
    server = await start_server(sim)
    yield NetroCloud(sim, server)
    await server.close()


# --- the Netro step ----------------------------------------------------------


async def test_netro_form(hass: HomeAssistant) -> None:
    """Choosing Netro asks for the serial; the base URL is folded away."""
    result = await start_netro_form(hass)
    assert_form(result, VENDOR_NETRO)
    assert form_defaults(result["data_schema"]) == {
        CONF_API_KEY: "",
        CONF_ADVANCED: {CONF_BASE_URL: NETRO_DEFAULT_BASE_URL},
    }
    assert result["data_schema"].schema[CONF_ADVANCED].options == {"collapsed": True}
    assert "netro" in STRINGS["config"]["step"]


async def test_controller_key_creates_entry(
    hass: HomeAssistant, netro: NetroCloud
) -> None:
    """A controller serial: entry named after it, unique id = the serial."""
    result = await start_netro_form(hass)
    result = await submit(hass, result, f" {CONTROLLER_KEY} ", f" {netro.base_url} ")
    await assert_created(
        hass, result, CONTROLLER_KEY, netro.base_url, "Front Yard Sprite"
    )
    validation = netro.sim.requests[0]
    assert (validation.method, validation.route) == ("GET", INFO)
    assert validation.query == {"key": CONTROLLER_KEY}
    assert hass.states.get(FRONT_LAWN).state == "off"


async def test_sensor_key_creates_entry(hass: HomeAssistant, netro: NetroCloud) -> None:
    """A soil sensor serial: the sensor's entry, with its soil entities."""
    result = await start_netro_form(hass)
    result = await submit(hass, result, SENSOR_KEY, netro.base_url)
    await assert_created(hass, result, SENSOR_KEY, netro.base_url, "Whisperer 1")
    assert hass.states.get(SOIL_MOISTURE) is not None
    assert hass.states.get(FRONT_LAWN) is None


@pytest.mark.parametrize(
    "netro_variant", [{"sensor_info_shape": "device"}], indirect=True
)
async def test_sensor_in_the_device_shape(
    hass: HomeAssistant, netro_variant: NetroCloud
) -> None:
    """A sensor answering info.json as a device without zones is still a sensor."""
    result = await start_netro_form(hass)
    result = await submit(hass, result, SENSOR_KEY, netro_variant.base_url)
    await assert_created(
        hass, result, SENSOR_KEY, netro_variant.base_url, "Whisperer 1"
    )
    assert hass.states.get(SOIL_MOISTURE).state not in ("unknown", STATE_UNAVAILABLE)
    # validating reads info.json only; setup then reads it as a sensor, never as
    # a controller
    assert netro_variant.sim.count(route="/npa/v1/sensor_data.json") == 1
    assert netro_variant.sim.count(route="/npa/v1/schedules.json") == 0


@pytest.mark.parametrize(
    "netro_variant",
    [{"error_http_status": "ok"}, {"error_http_status": "codes"}],
    indirect=True,
)
async def test_invalid_key_then_recovery(
    hass: HomeAssistant, netro_variant: NetroCloud
) -> None:
    """Code 1 (with HTTP 200 or 401) is invalid_auth; the right serial works."""
    result = await start_netro_form(hass)
    result = await submit(hass, result, "NOT-A-SERIAL", netro_variant.base_url)
    assert_form(result, VENDOR_NETRO, {"base": "invalid_auth"})
    # the form keeps what was typed
    assert form_defaults(result["data_schema"]) == credentials(
        "NOT-A-SERIAL", netro_variant.base_url
    )
    assert not hass.config_entries.async_entries(DOMAIN)

    result = await submit(hass, result, CONTROLLER_KEY, netro_variant.base_url)
    await assert_created(
        hass, result, CONTROLLER_KEY, netro_variant.base_url, "Front Yard Sprite"
    )


async def test_empty_key(hass: HomeAssistant, netro: NetroCloud) -> None:
    """Blanks are no key; nothing is asked of the cloud."""
    result = await start_netro_form(hass)
    result = await submit(hass, result, "   ", netro.base_url)
    assert_form(result, VENDOR_NETRO, {CONF_API_KEY: "invalid_auth"})
    assert not netro.sim.requests


async def test_network_down_then_recovery(
    hass: HomeAssistant, netro: NetroCloud
) -> None:
    """Nothing listening is cannot_connect; the right URL then works."""
    result = await start_netro_form(hass)
    result = await submit(hass, result, CONTROLLER_KEY, closed_port_url("/npa/v1"))
    assert_form(result, VENDOR_NETRO, {"base": "cannot_connect"})

    result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    await assert_created(
        hass, result, CONTROLLER_KEY, netro.base_url, "Front Yard Sprite"
    )


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("http_500", "cannot_connect"),
        ("html_error", "cannot_connect"),
        ("body_code", "cannot_connect"),  # Netro's code 5
        ("http_429", "rate_limited"),  # with Retry-After: wait, not a spent day
        ("malformed_json", "invalid_response"),
        ("missing_fields", "invalid_response"),
        ("http_401", "invalid_auth"),
    ],
)
async def test_cloud_fault_then_recovery(
    hass: HomeAssistant, netro: NetroCloud, fault: str, error: str
) -> None:
    """A failing info.json is shown on the form; the next try succeeds."""
    netro.sim.add_fault(fault, route=INFO, times=1)
    result = await start_netro_form(hass)
    result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    assert_form(result, VENDOR_NETRO, {"base": error})

    result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    await assert_created(
        hass, result, CONTROLLER_KEY, netro.base_url, "Front Yard Sprite"
    )


async def test_http_429_without_retry_after_is_a_spent_day(
    hass: HomeAssistant, netro: NetroCloud
) -> None:
    """A 429 that does not say when to come back is Netro's code 3."""
    netro.sim.add_fault("http_429", route=INFO, times=1, retry_after=None)
    result = await start_netro_form(hass)
    result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    assert_form(result, VENDOR_NETRO, {"base": "budget_exhausted"})


async def test_budget_spent_then_recovery(
    hass: HomeAssistant, netro: NetroCloud
) -> None:
    """Code 3 while validating: the form cannot go on until calls are back."""
    netro.sim.daily_limit = 0
    result = await start_netro_form(hass)
    result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    assert_form(result, VENDOR_NETRO, {"base": "budget_exhausted"})
    assert netro.sim.code3_count(CONTROLLER_KEY) == 1

    netro.sim.daily_limit = 2000
    result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    await assert_created(
        hass, result, CONTROLLER_KEY, netro.base_url, "Front Yard Sprite"
    )


async def test_unexpected_error(hass: HomeAssistant, netro: NetroCloud) -> None:
    """A bug while validating is "unknown", not a crash of the flow."""
    result = await start_netro_form(hass)
    with patch(
        "custom_components.petsmart_hub.vendors.netro.NetroAccount.async_identify",
        side_effect=RuntimeError("boom"),
    ):
        result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    assert_form(result, VENDOR_NETRO, {"base": "unknown"})


async def test_invalid_url(hass: HomeAssistant) -> None:
    """A URL that is not http(s) is refused before any request."""
    result = await start_netro_form(hass)
    result = await submit(hass, result, CONTROLLER_KEY, "ftp://api.netrohome.com")
    assert_form(result, VENDOR_NETRO, {"base": "invalid_url"})


async def test_duplicate_serial(hass: HomeAssistant, netro: NetroCloud) -> None:
    """The same serial twice is already_configured."""
    netro_entry(netro, CONTROLLER_KEY).add_to_hass(hass)
    result = await start_netro_form(hass)
    result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    assert_abort(result, "already_configured")
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_controller_and_sensor_side_by_side(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Each serial is its own entry: the sensor is added next to the controller."""
    result = await start_netro_form(hass)
    result = await submit(hass, result, SENSOR_KEY, netro.base_url)
    await assert_created(hass, result, SENSOR_KEY, netro.base_url, "Whisperer 1")
    assert len(hass.config_entries.async_entries(DOMAIN)) == 2
    assert hass.states.get(FRONT_LAWN).state == "off"


# --- reauth -------------------------------------------------------------------


async def test_code_1_while_polling_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """The key turns invalid: a reauth flow; the serial entered again fixes it."""
    sim = netro.sim
    controller = sim.controllers.pop(CONTROLLER_KEY)  # Netro forgets the serial
    await tick(hass, freezer, PollPolicy().idle_status)

    flows = reauth_flows(hass, netro_controller)
    assert len(flows) == 1
    assert flows[0]["step_id"] == "reauth_confirm"
    assert hass.states.get(FRONT_LAWN).state == STATE_UNAVAILABLE
    assert netro_controller.state is ConfigEntryState.LOADED

    # still rejected: the form says so
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_API_KEY: CONTROLLER_KEY}
    )
    assert_form(result, "reauth_confirm", {"base": "invalid_auth"})
    assert result["description_placeholders"]["vendor"] == "Netro"

    sim.controllers[CONTROLLER_KEY] = controller  # fixed on Netro's side
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: CONTROLLER_KEY}
    )
    assert_abort(result, "reauth_successful")
    await hass.async_block_till_done()
    assert netro_controller.state is ConfigEntryState.LOADED
    assert netro_controller.data[CONF_API_KEY] == CONTROLLER_KEY
    assert hass.states.get(FRONT_LAWN).state == "off"
    assert not reauth_flows(hass, netro_controller)


async def test_reauth_with_another_devices_serial(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Reauth must stay on the same device: the sensor's serial is wrong_account."""
    result = await netro_controller.start_reauth_flow(hass)
    assert_form(result, "reauth_confirm")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: SENSOR_KEY}
    )
    assert_form(result, "reauth_confirm", {"base": "wrong_account"})
    assert netro_controller.data[CONF_API_KEY] == CONTROLLER_KEY

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: CONTROLLER_KEY}
    )
    assert_abort(result, "reauth_successful")


async def test_code_1_answering_an_action_starts_reauth(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A rejected key on an action fails it and asks for the key again."""
    netro.sim.add_fault("http_401", route="/npa/v1/water.json", times=1)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: FRONT_LAWN}, blocking=True
        )
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    assert len(reauth_flows(hass, netro_controller)) == 1


# --- reconfigure --------------------------------------------------------------


async def test_reconfigure_base_url(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A new API URL (e.g. the v2 one) is checked, stored and the entry reloaded."""
    result = await netro_controller.start_reconfigure_flow(hass)
    assert_form(result, "reconfigure")
    assert result["description_placeholders"]["vendor"] == "Netro"
    assert form_defaults(result["data_schema"]) == credentials(
        CONTROLLER_KEY, netro.base_url
    )

    new_url = f"{netro.base_url}/"
    before = netro.sim.count(route=INFO)
    result = await submit(hass, result, CONTROLLER_KEY, new_url)
    assert_abort(result, "reconfigure_successful")
    await hass.async_block_till_done()
    assert netro_controller.data[CONF_BASE_URL] == new_url
    assert netro_controller.unique_id == account_unique_id(VENDOR_NETRO, CONTROLLER_KEY)
    assert netro_controller.state is ConfigEntryState.LOADED
    # the check, then one reload (not a second one from the update listener)
    assert netro.sim.count(route=INFO) == before + 2
    assert hass.states.get(FRONT_LAWN).state == "off"


@pytest.mark.parametrize(
    ("key", "url", "error"),
    [
        (SENSOR_KEY, None, "wrong_account"),
        ("NOT-A-SERIAL", None, "invalid_auth"),
        (CONTROLLER_KEY, "closed", "cannot_connect"),
    ],
)
async def test_reconfigure_errors_then_recovery(
    hass: HomeAssistant,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
    key: str,
    url: str | None,
    error: str,
) -> None:
    """Another device's serial, a bad serial, or no server: shown, then fixed."""
    result = await netro_controller.start_reconfigure_flow(hass)
    base_url = closed_port_url("/npa/v1") if url == "closed" else netro.base_url
    result = await submit(hass, result, key, base_url)
    assert_form(result, "reconfigure", {"base": error})
    assert netro_controller.data[CONF_API_KEY] == CONTROLLER_KEY
    assert netro_controller.data[CONF_BASE_URL] == netro.base_url

    result = await submit(hass, result, CONTROLLER_KEY, netro.base_url)
    assert_abort(result, "reconfigure_successful")


# --- options -------------------------------------------------------------------


async def test_netro_options(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A Netro entry offers run time and reserve (no polling interval)."""
    result = await hass.config_entries.options.async_init(netro_controller.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert form_defaults(result["data_schema"]) == {
        OPT_ZONE_DURATION: DEFAULT_ZONE_DURATION,
        OPT_RESERVE: DEFAULT_RESERVE,
    }
    for key in (OPT_ZONE_DURATION, OPT_RESERVE):
        assert key in STRINGS["options"]["step"]["init"]["data"]

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {OPT_ZONE_DURATION: 25.0, OPT_RESERVE: 200},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert netro_controller.options == {OPT_ZONE_DURATION: 25, OPT_RESERVE: 200}
    # the entry was reloaded with them: the account plans with them
    account = netro_controller.runtime_data.account
    assert account.plan.policy.idle_status == PollPolicy().idle_status  # the plan's
    assert account.budget.reserve == 200
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: FRONT_LAWN}, blocking=True
    )
    water = [r.json for r in netro.sim.requests if r.route == "/npa/v1/water.json"]
    assert water == [{"key": CONTROLLER_KEY, "duration": 25, "zones": [1]}]

    # the form shows the stored values next time
    result = await hass.config_entries.options.async_init(netro_controller.entry_id)
    assert form_defaults(result["data_schema"]) == netro_controller.options


async def test_netro_options_ranges(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A reserve below 20 calls is refused by the form."""
    result = await hass.config_entries.options.async_init(netro_controller.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {OPT_ZONE_DURATION: 10, OPT_RESERVE: 10},
        )
    assert netro_controller.options == {}


async def test_onenata_entry_has_onenata_options(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The options follow the vendor: no Netro fields on a OneNata entry."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    fields = set(form_defaults(result["data_schema"]))
    assert fields == {
        "feed_amount",
        "pump_duration",
        "play_duration",
        "missed_meal_grace",
        "push",  # OneNata pushes
    }
    assert not fields & {OPT_ZONE_DURATION, OPT_RESERVE}
