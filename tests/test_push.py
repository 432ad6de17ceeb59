"""Push through Home Assistant: OneNata's webhook updates entities the moment it is called.

The account registers HA's webhook with the simulator; the tests call the
webhook as the cloud would (HA's own ``/api/webhook/<id>``) and read states.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
import json
import logging
import sys
from types import ModuleType
from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp import ClientResponse
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.push import MAX_BODY, OPT_PUSH, RETRY_MIN, PushState
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID, STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import issue_registry as ir

from .conftest import Cloud

BATTERY = "sensor.smart_feeder_1_battery"
FOOD_LEVEL = "sensor.smart_feeder_1_food_level"
CONNECTIVITY = "binary_sensor.smart_feeder_1_connectivity"
ALERT = "event.smart_feeder_1_alert"
FEEDER = "feeding_machine_001"
EXTERNAL = "https://ha.example.com"

type Post = Callable[[Any], Awaitable[ClientResponse]]

#: A status change of nothing the feeder's entities show (the doc's example field).
UNSHOWN_CHANGE: dict[str, Any] = {
    "event": "device.status.changed",
    "data": {"deviceId": FEEDER, "status": {"temperature": 25.5}},
}


@pytest.fixture
async def reachable(hass: HomeAssistant) -> None:
    """Home Assistant has an external URL the cloud can reach."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL})


@pytest.fixture
async def post(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> Post:
    """Call the entry's webhook as the cloud would (HA's HTTP once it is set up)."""
    clients: list[Any] = []

    async def call(body: Any) -> ClientResponse:
        if not clients:
            clients.append(await hass_client_no_auth())
        client = clients[0]
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        raw = body if isinstance(body, bytes | str) else json.dumps(body)
        response = await client.post(
            f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}",
            data=raw,
            headers={"Content-Type": "application/json"},
        )
        await hass.async_block_till_done()
        return response

    return call


def status_event(battery: float, timestamp: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event": "device.status.changed",
        "data": {
            "deviceId": FEEDER,
            "status": {"isOnline": True, "batteryLevel": battery},
        },
    }
    if timestamp:
        event["timestamp"] = timestamp
    return event


def fake_cloud(cloudhook: AsyncMock) -> Any:
    """HA Cloud with an active subscription (its real module needs libraries
    the newest test environment lacks, so a stand-in takes its place)."""
    module = ModuleType("homeassistant.components.cloud")
    module.async_active_subscription = lambda hass: True  # type: ignore[attr-defined]
    module.async_get_or_create_cloudhook = cloudhook  # type: ignore[attr-defined]
    return patch.dict(sys.modules, {"homeassistant.components.cloud": module})


def push_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"push_failed_{entry.entry_id}")


@pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")  # (setup included)
@pytest.mark.usefixtures("reachable")
async def test_registration_and_the_safety_net(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The webhook is registered with the cloud, and polling slows to a safety net."""
    entry = init_integration
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    assert len(webhook_id) == 64
    int(webhook_id, 16)  # secrets.token_hex(32)
    hook = onenata.sim.webhook
    assert hook is not None
    assert hook.url == f"{EXTERNAL}/api/webhook/{webhook_id}"
    assert list(hook.events) == [
        "device.status.changed",
        "device.offline",
        "device.alert",
    ]
    coordinator = entry.runtime_data
    assert coordinator.push is not None
    assert coordinator.push.state == PushState.HEALTHY
    assert coordinator.push_healthy
    assert coordinator.update_interval == timedelta(minutes=15)

    # the safety net reads levels and statistics every other poll only (and
    # the device list every 30 minutes)
    food = "/v1/devices/{device_id}/food-level"
    onenata.sim.reset_requests()
    for _ in range(2):
        freezer.tick(timedelta(minutes=15, seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert onenata.sim.count("GET", "/v1/devices/{device_id}/status", FEEDER) == 2
    assert onenata.sim.count("GET", "/v1/devices") == 1
    assert onenata.sim.count("GET", food, FEEDER) == 1
    # check-ins moved the report times; nothing push should have brought
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.push_healthy
    assert push_issue(hass, init_integration) is None

    # the webhook id survives a reload: the cloud keeps calling the same URL
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.data[CONF_WEBHOOK_ID] == webhook_id


@pytest.mark.usefixtures("reachable")
async def test_a_status_event_updates_the_entity_without_a_request(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, post: Post
) -> None:
    food = hass.states.get(FOOD_LEVEL).state
    fountain = hass.states.get("sensor.water_fountain_1_water_level")
    onenata.sim.reset_requests()
    response = await post(status_event(12, "2030-01-01T10:00:00Z"))
    assert response.status == 200
    assert hass.states.get(BATTERY).state == "12.0"
    assert hass.states.get(FOOD_LEVEL).state == food  # not in the event: kept
    assert onenata.sim.requests == []
    # only the feeder's entities were woken: the fountain's state is untouched
    after = hass.states.get("sensor.water_fountain_1_water_level")
    assert after.last_reported == fountain.last_reported

    # a duplicate is harmless, an older event never rolls the state back
    assert (await post(status_event(12, "2030-01-01T10:00:00Z"))).status == 200
    assert (await post(status_event(80, "2030-01-01T09:59:00Z"))).status == 200
    assert hass.states.get(BATTERY).state == "12.0"
    assert (await post(status_event(30, "2030-01-01T10:01:00Z"))).status == 200
    assert hass.states.get(BATTERY).state == "30.0"
    assert onenata.sim.requests == []


@pytest.mark.usefixtures("reachable")
async def test_offline_and_alert_events(
    hass: HomeAssistant, init_integration: MockConfigEntry, post: Post
) -> None:
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert hass.states.get(ALERT).state == STATE_UNKNOWN
    await post({"event": "device.offline", "data": {"deviceId": FEEDER}})
    assert hass.states.get(CONNECTIVITY).state == STATE_OFF

    response = await post(
        {
            "event": "device.alert",
            "timestamp": "2030-01-01T10:00:00Z",
            "data": {
                "deviceId": FEEDER,
                "alert": {"type": "food_low", "message": "Food is running low"},
            },
        }
    )
    assert response.status == 200
    alert = hass.states.get(ALERT)
    assert alert.state not in (STATE_UNKNOWN, "unavailable")  # offline: still tells
    assert alert.attributes["event_type"] == "alert"
    assert alert.attributes["type"] == "food_low"
    assert alert.attributes["message"] == "Food is running low"


@pytest.mark.usefixtures("reachable")
async def test_bad_calls_are_refused_and_change_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    post: Post,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = {state.entity_id: state.state for state in hass.states.async_all()}
    devices = set(init_integration.runtime_data.data.devices)
    caplog.set_level(logging.DEBUG)
    calls: list[tuple[Any, int]] = [
        (b"x" * (MAX_BODY + 1), 413),
        ("{not json", 400),
        ({"event": "device.deleted", "data": {"deviceId": FEEDER}}, 400),
        ([1, 2], 400),
    ]
    for body, status in calls:
        assert (await post(body)).status == status
    after = {state.entity_id: state.state for state in hass.states.async_all()}
    assert after == before
    assert set(init_integration.runtime_data.data.devices) == devices
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    push = init_integration.runtime_data.push
    assert push is not None
    diagnostics = push.diagnostics()
    assert diagnostics["refused"] == {
        "too_large": 1,
        "not_json": 1,
        "unknown_event": 1,
        "not_an_object": 1,
    }
    assert diagnostics["accepted"] == 0


@pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")
@pytest.mark.usefixtures("reachable")
async def test_a_call_naming_a_device_we_do_not_know_reads_the_device_list(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    post: Post,
) -> None:
    """Never a device from a push alone: the device list tells whether it is new."""
    sim = onenata.sim
    before = {state.entity_id: state.state for state in hass.states.async_all()}
    devices = set(init_integration.runtime_data.data.devices)
    sim.reset_requests()
    # a device the cloud does not list either: accepted, and nothing changes
    response = await post(
        {"event": "device.offline", "data": {"deviceId": "new_device_999"}}
    )
    assert response.status == 200
    assert sim.count("GET", "/v1/devices") == 1
    assert set(init_integration.runtime_data.data.devices) == devices
    after = {state.entity_id: state.state for state in hass.states.async_all()}
    assert after == before
    push = init_integration.runtime_data.push
    assert push is not None
    assert "unknown_device" not in push.diagnostics()["refused"]


@pytest.mark.usefixtures("reachable")
async def test_a_device_added_in_the_app_comes_with_its_first_call(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    post: Post,
) -> None:
    """A call naming a device just added has the list read: it comes at once."""
    sim = onenata.sim
    devices = set(init_integration.runtime_data.data.devices)
    sim.reset_requests()
    added = sim.add_device("feedingMachine", serial="ON-SF-777")
    assert added.device_id not in devices
    response = await post(
        {
            "event": "device.status.changed",
            "data": {"deviceId": added.device_id, "status": {"batteryLevel": 50}},
        }
    )
    assert response.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert sim.count("GET", "/v1/devices") == 1
    assert added.device_id in init_integration.runtime_data.data.devices
    assert hass.states.get("sensor.smart_feeder_2_food_level") is not None


@pytest.mark.usefixtures("reachable")
async def test_failed_registration_falls_back_and_backs_off(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    onenata.sim.add_fault("http_500", route="/v1/webhooks")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = config_entry.runtime_data
    assert coordinator.push.state == PushState.FAILED
    assert not coordinator.push_healthy
    assert coordinator.update_interval == timedelta(seconds=60)
    issue = push_issue(hass, config_entry)
    assert issue is not None
    assert issue.translation_key == "push_failed"
    assert "registration failed" in issue.translation_placeholders["error"]

    def registrations() -> int:
        return onenata.sim.count("POST", "/v1/webhooks")

    # 1 min, then 2 min, then 4 min: never a storm
    for wait in (RETRY_MIN, RETRY_MIN * 2):
        count = registrations()
        freezer.tick(wait - timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert registrations() == count
        freezer.tick(timedelta(seconds=2))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert registrations() == count + 1

    onenata.sim.clear_faults()
    freezer.tick(RETRY_MIN * 4 + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.push.state == PushState.HEALTHY
    assert coordinator.update_interval == timedelta(minutes=15)
    assert push_issue(hass, config_entry) is None


@pytest.mark.usefixtures("reachable")
async def test_a_change_only_polling_found_turns_push_off_until_it_works(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = init_integration.runtime_data
    assert coordinator.push_healthy
    # the cloud changes the feeder but never calls us (the URL is unreachable)
    onenata.sim.devices[FEEDER].battery_level = 5
    freezer.tick(timedelta(minutes=15, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(BATTERY).state == "5.0"  # the safety net caught it
    assert coordinator.push_healthy  # its push may still be on the way
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not coordinator.push_healthy
    assert coordinator.update_interval == timedelta(seconds=60)
    assert push_issue(hass, init_integration) is not None
    # registration is tried again after the back-off and push comes back
    freezer.tick(RETRY_MIN + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.push_healthy
    assert push_issue(hass, init_integration) is None


async def test_no_reachable_url_polls_as_today(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data
    assert coordinator.push.state == PushState.NO_URL
    assert onenata.sim.webhook is None
    assert coordinator.update_interval == timedelta(seconds=60)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["description_placeholders"] == {"push": "no_url"}


@pytest.mark.usefixtures("reachable")
@pytest.mark.parametrize("entry_options", [{OPT_PUSH: False}])
async def test_push_turned_off(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    assert init_integration.runtime_data.push.state == PushState.OFF
    assert onenata.sim.webhook is None
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["description_placeholders"] == {"push": "off"}
    assert OPT_PUSH in [str(key) for key in result["data_schema"].schema]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"feed_amount": 40, "pump_duration": 30, "play_duration": 600, OPT_PUSH: True},
    )
    await hass.async_block_till_done()
    assert init_integration.options[OPT_PUSH] is True
    assert init_integration.runtime_data.push.state == PushState.HEALTHY


@pytest.mark.usefixtures("reachable")
async def test_a_cloudhook_is_preferred(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> None:
    hass.config.components.add("cloud")
    with (
        fake_cloud(AsyncMock(return_value="https://hooks.nabu.casa/abc")),
    ):
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    assert onenata.sim.webhook.url == "https://hooks.nabu.casa/abc"


@pytest.mark.usefixtures("reachable")
async def test_a_late_push_clears_the_suspicion(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    post: Post,
) -> None:
    """A change the poll saw first, whose push comes after: push stays healthy."""
    coordinator = init_integration.runtime_data
    onenata.sim.devices[FEEDER].battery_level = 7
    freezer.tick(timedelta(minutes=15, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await post(status_event(7))
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.push_healthy
    assert push_issue(hass, init_integration) is None


@pytest.mark.usefixtures("reachable")
async def test_a_change_the_event_does_not_show_reads_the_device_once(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    post: Post,
) -> None:
    """Only the doc's temperature changed: the feeder is read again, debounced.

    Its slow tier (food level) is read only by such a read: a regular poll
    is not due for it for another 15 minutes.
    """
    food = "/v1/devices/{device_id}/food-level"
    await hass.async_block_till_done(wait_background_tasks=True)
    onenata.sim.reset_requests()
    event = UNSHOWN_CHANGE
    for _ in range(3):
        assert (await post(event)).status == 200
    freezer.tick(timedelta(seconds=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert onenata.sim.count("GET", food, FEEDER) == 1
    push = init_integration.runtime_data.push
    assert push is not None
    assert push.diagnostics()["accepted"] == 3


@pytest.mark.usefixtures("reachable")
async def test_unload_removes_the_handler(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    webhook_id = init_integration.data[CONF_WEBHOOK_ID]
    assert webhook_id in hass.data[webhook.DOMAIN]
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert webhook_id not in hass.data[webhook.DOMAIN]


async def test_a_vendor_that_does_not_push(
    hass: HomeAssistant, netro_controller: MockConfigEntry
) -> None:
    """Netro has no push: it polls by its plan, and the options say so."""
    push = netro_controller.runtime_data.push
    assert push is not None
    assert push.state == PushState.UNSUPPORTED
    result = await hass.config_entries.options.async_init(netro_controller.entry_id)
    assert result["description_placeholders"] == {"push": "unsupported"}
    assert OPT_PUSH not in [str(key) for key in result["data_schema"].schema]


async def test_a_failing_cloudhook_without_an_external_url_polls(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> None:
    hass.config.components.add("cloud")
    with (
        fake_cloud(AsyncMock(side_effect=RuntimeError("not connected"))),
    ):
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    assert config_entry.runtime_data.push.state == PushState.NO_URL
    assert onenata.sim.webhook is None


@pytest.mark.usefixtures("reachable")
async def test_a_vendor_bug_is_refused_not_raised(
    hass: HomeAssistant, init_integration: MockConfigEntry, post: Post
) -> None:
    with patch(
        "custom_components.petsmart_hub.vendors.onenata.OneNataAccount.parse_webhook",
        side_effect=KeyError("boom"),
    ):
        assert (await post(status_event(10))).status == 400
    push = init_integration.runtime_data.push
    assert push is not None
    assert push.diagnostics()["refused"] == {"unreadable": 1}


@pytest.mark.usefixtures("reachable")
async def test_a_device_gone_before_its_read_is_not_read(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    post: Post,
) -> None:
    await hass.async_block_till_done(wait_background_tasks=True)
    event = UNSHOWN_CHANGE
    assert (await post(event)).status == 200
    coordinator = init_integration.runtime_data
    coordinator.data.devices.pop(FEEDER)
    onenata.sim.reset_requests()
    freezer.tick(timedelta(seconds=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert onenata.sim.requests == []


@pytest.mark.usefixtures("reachable")
async def test_unload_cancels_a_pending_retry_and_read(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    post: Post,
) -> None:
    onenata.sim.add_fault("http_500", route="/v1/webhooks")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    event = UNSHOWN_CHANGE
    assert (await post(event)).status == 200
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert push_issue(hass, config_entry) is None  # no issue outlives its entry


@pytest.mark.usefixtures("reachable")
@pytest.mark.parametrize("read", ["after the push", "before the push"])
async def test_a_push_during_a_poll_is_kept_and_not_a_miss(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    read: str,
) -> None:
    """A push applied while a (long) safety-net poll runs wins over what it read.

    The poll may read the device after the push (the change it finds is no
    miss) or before it (what it read is older than the push: no roll-back).
    A big account's poll takes seconds, so both happen.
    """
    coordinator = init_integration.runtime_data
    assert coordinator.push_healthy
    account = coordinator.account
    poll = account.async_refresh

    async def push() -> None:
        # what the webhook handler does with a status event, mid-poll
        onenata.sim.devices[FEEDER].battery_level = 7
        pushed = account.parse_webhook(status_event(7), coordinator.data.devices)
        for update in pushed.updates:
            coordinator.async_apply_update(update)

    async def refresh_with_a_push(request: Any) -> Any:
        if read == "after the push":
            await push()
            return await poll(request)
        result = await poll(request)
        await push()
        return result

    with patch.object(account, "async_refresh", refresh_with_a_push):
        freezer.tick(timedelta(minutes=15, seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(BATTERY).state == "7.0"
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.push_healthy
    assert push_issue(hass, init_integration) is None
