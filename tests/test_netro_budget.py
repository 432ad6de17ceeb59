"""Netro's daily call budget, seen from Home Assistant.

The simulator counts every call of a key and answers code 3 once the day's
limit is spent. These tests run the account through the coordinator with
frozen time: polling stops at the reserve (or on code 3) with a repair issue,
entities keep their last values and say how old they are, user actions spend
what is left and never more, and midnight UTC brings everything back.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.vendors.netro import MAX_POLL_GAP
from custom_components.petsmart_hub.vendors.netro.budget import PollPolicy
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from simulator.core import start_server
from simulator.netro import NetroSimulator

from .conftest import CONTROLLER_KEY, NetroCloud, netro_entry

FRONT_LAWN = "switch.front_lawn_watering"
BACK_LAWN = "switch.back_lawn_watering"
WATERING = "binary_sensor.front_yard_sprite_watering"
MOISTURE = "sensor.front_lawn_moisture"
STATUS = "sensor.front_yard_sprite_status"
CALLS = "sensor.front_yard_sprite_api_calls_remaining_today"
STOP = "button.front_yard_sprite_stop_watering"
INFO = "/npa/v1/info.json"
SCHEDULES = "/npa/v1/schedules.json"
MIDNIGHT = datetime(2025, 6, 11, tzinfo=UTC)
IDLE_STATUS = PollPolicy().idle_status


def assert_age(minutes: int, since: datetime) -> None:
    """The data age attribute, refreshed at least every MAX_POLL_GAP (no call)."""
    true_age = (dt_util.utcnow() - since).total_seconds() / 60
    assert true_age - MAX_POLL_GAP.total_seconds() / 60 - 1 <= minutes <= true_age + 1


@pytest.fixture
async def tight_netro(socket_enabled: None) -> AsyncGenerator[NetroCloud]:
    """A Netro cloud whose keys may make only 6 calls a day."""
    sim = NetroSimulator(controllers=1, zones=6, sensors=1, daily_limit=6)
    server = await start_server(sim)
    yield NetroCloud(sim, server)
    await server.close()


async def set_up(
    hass: HomeAssistant, cloud: NetroCloud, **options: int
) -> MockConfigEntry:
    entry = netro_entry(cloud, CONTROLLER_KEY, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def advance(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    delta: timedelta,
    step: timedelta = timedelta(seconds=10),
) -> None:
    """Let `delta` pass in small steps, running every poll that falls due."""
    end = dt_util.utcnow() + delta
    while (now := dt_util.utcnow()) < end:
        freezer.tick(min(step, end - now))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def advance_to(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    moment: datetime,
    step: timedelta = timedelta(minutes=1),
) -> None:
    """Let time pass until `moment`, running every poll that falls due."""
    await advance(hass, freezer, moment - dt_util.utcnow(), step)


async def jump(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime
) -> None:
    """Move straight to `moment` and run the poll that is due."""
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"budget_exhausted_{entry.entry_id}"
    )


async def press_stop(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: STOP}, blocking=True
    )
    await hass.async_block_till_done()


@pytest.mark.freeze_time("2025-06-10T11:59:00+00:00")
async def test_reserve_pauses_polling_until_midnight(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, tight_netro: NetroCloud
) -> None:
    """At the reserve polling stops; actions spend the rest; midnight resumes."""
    sim = tight_netro.sim
    entry = await set_up(hass, tight_netro, reserve=2)
    assert sim.tokens_used(CONTROLLER_KEY) == 3  # info, schedules, moistures
    assert hass.states.get(CALLS).state == "3"
    assert issue(hass, entry) is None
    assert "polling_paused_until" not in hass.states.get(MOISTURE).attributes

    # 12:00 the first zone starts; one schedules call confirms it, which
    # leaves only the reserve
    await advance(hass, freezer, timedelta(minutes=1, seconds=30))
    assert hass.states.get(FRONT_LAWN).state == "on"
    assert sim.count(route=SCHEDULES) == 2
    assert sim.tokens_remaining(CONTROLLER_KEY) == 2
    assert hass.states.get(CALLS).state == "2"

    repair = issue(hass, entry)
    assert repair is not None
    assert repair.translation_key == "budget_exhausted"
    assert repair.severity is ir.IssueSeverity.WARNING
    assert not repair.is_fixable
    assert repair.translation_placeholders == {
        "account": CONTROLLER_KEY,
        "vendor": "Netro",
        "reset": "2025-06-10 17:00",  # midnight UTC in US/Pacific
    }

    # nothing more reaches the cloud, yet the zones follow their schedules
    requests = len(sim.requests)
    await advance(hass, freezer, timedelta(minutes=3))  # 12:03:30
    assert len(sim.requests) == requests
    assert hass.states.get(FRONT_LAWN).state == "off"
    assert hass.states.get(BACK_LAWN).state == "on"
    assert sim.zone_watering(CONTROLLER_KEY)[2] is True

    await advance(hass, freezer, timedelta(hours=1), step=timedelta(minutes=1))
    assert len(sim.requests) == requests
    moisture = hass.states.get(MOISTURE)
    assert moisture.state == "62.0"  # the last value, still available
    assert moisture.attributes["polling_paused_until"] == MIDNIGHT.isoformat()
    assert moisture.attributes["data_updated_at"] == "2025-06-10T11:59:00+00:00"
    setup = datetime(2025, 6, 10, 11, 59, tzinfo=UTC)
    assert_age(moisture.attributes["data_age_minutes"], setup)
    assert_age(hass.states.get(STATUS).attributes["data_age_minutes"], setup)
    assert hass.states.get(CALLS).attributes["reset"] == MIDNIGHT.isoformat()

    # a user action may spend the reserve: stop_water and its read-back
    await press_stop(hass)
    assert sim.count(route="/npa/v1/stop_water.json") == 1
    assert sim.tokens_remaining(CONTROLLER_KEY) == 0
    assert not any(sim.zone_watering(CONTROLLER_KEY).values())
    assert hass.states.get(BACK_LAWN).state == "off"
    assert hass.states.get(CALLS).state == "0"
    # the action did not lift the pause
    assert hass.states.get(MOISTURE).attributes["polling_paused_until"] == (
        MIDNIGHT.isoformat()
    )
    assert issue(hass, entry) is not None

    # once the budget is spent an action fails before any call
    requests = len(sim.requests)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: FRONT_LAWN}, blocking=True
        )
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "budget_exhausted"
    assert err.value.translation_placeholders == {"reset": "2025-06-10 17:00"}
    assert len(sim.requests) == requests
    assert sim.code3_count(CONTROLLER_KEY) == 0

    # after midnight UTC polling resumes and the repair issue goes
    await jump(hass, freezer, MIDNIGHT + timedelta(seconds=30))
    assert len(sim.requests) > requests
    assert sim.code3_count(CONTROLLER_KEY) == 0
    assert issue(hass, entry) is None
    moisture = hass.states.get(MOISTURE)
    assert "polling_paused_until" not in moisture.attributes
    assert int(hass.states.get(CALLS).state) == sim.tokens_remaining(CONTROLLER_KEY)
    assert hass.states.get(CALLS).attributes["reset"] == (
        (MIDNIGHT + timedelta(days=1)).isoformat()
    )


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_action_that_reaches_the_reserve_pauses_at_once(
    hass: HomeAssistant, tight_netro: NetroCloud
) -> None:
    """The repair issue and the attributes come with the action, not a poll later."""
    sim = tight_netro.sim
    entry = await set_up(hass, tight_netro, reserve=2)
    assert issue(hass, entry) is None

    await press_stop(hass)  # stop_water, then the schedules read back
    assert sim.tokens_remaining(CONTROLLER_KEY) == 1
    assert hass.states.get(CALLS).state == "1"
    assert issue(hass, entry) is not None
    assert hass.states.get(MOISTURE).attributes["polling_paused_until"] == (
        MIDNIGHT.isoformat()
    )


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_code_3_pauses_polling_like_the_reserve(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, netro: NetroCloud
) -> None:
    """Another app spent the key's calls: code 3 pauses us until midnight UTC."""
    sim = netro.sim
    entry = await set_up(hass, netro)
    assert hass.states.get(CALLS).state == "1997"
    moisture = hass.states.get(MOISTURE).state

    sim.daily_limit = sim.tokens_used(CONTROLLER_KEY)  # used up elsewhere
    await advance(hass, freezer, IDLE_STATUS, step=timedelta(seconds=30))
    assert sim.code3_count(CONTROLLER_KEY) == 1  # the status poll, only

    repair = issue(hass, entry)
    assert repair is not None
    assert repair.translation_key == "budget_exhausted"
    state = hass.states.get(MOISTURE)
    assert state.state == moisture
    assert state.attributes["polling_paused_until"] == MIDNIGHT.isoformat()
    assert state.attributes["data_updated_at"] == "2025-06-10T10:00:00+00:00"
    assert state.attributes["data_age_minutes"] == IDLE_STATUS // timedelta(minutes=1)
    assert hass.states.get(CALLS).state == "0"
    assert hass.states.get(STATUS).state == "online"

    # the schedule still drives the zones; no call is tried all day
    requests = len(sim.requests)
    await advance_to(hass, freezer, datetime(2025, 6, 10, 12, 1, tzinfo=UTC))
    assert hass.states.get(FRONT_LAWN).state == "on"
    assert hass.states.get(WATERING).state == "on"
    assert len(sim.requests) == requests

    with pytest.raises(HomeAssistantError) as err:
        await press_stop(hass)
    assert err.value.translation_key == "budget_exhausted"
    assert len(sim.requests) == requests
    assert sim.code3_count(CONTROLLER_KEY) == 1

    await advance(hass, freezer, timedelta(hours=3), step=timedelta(minutes=5))
    assert len(sim.requests) == requests
    assert issue(hass, entry) is not None

    sim.daily_limit = 2000  # the other app is gone; tomorrow is a new day
    await jump(hass, freezer, MIDNIGHT + timedelta(seconds=30))
    assert sim.count(route=INFO) > 2
    assert sim.code3_count(CONTROLLER_KEY) == 1
    assert issue(hass, entry) is None
    assert "polling_paused_until" not in hass.states.get(MOISTURE).attributes


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_code_3_from_an_action(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, netro: NetroCloud
) -> None:
    """Code 3 answering an action fails it and pauses polling too."""
    sim = netro.sim
    entry = await set_up(hass, netro)
    sim.daily_limit = sim.tokens_used(CONTROLLER_KEY)

    with pytest.raises(HomeAssistantError) as err:
        await press_stop(hass)
    assert err.value.translation_key == "budget_exhausted"
    assert sim.code3_count(CONTROLLER_KEY) == 1

    requests = len(sim.requests)
    await advance(hass, freezer, timedelta(minutes=30), step=timedelta(minutes=1))
    assert len(sim.requests) == requests
    assert issue(hass, entry) is not None
    assert hass.states.get(MOISTURE).attributes["polling_paused_until"] == (
        MIDNIGHT.isoformat()
    )


@pytest.mark.freeze_time("2025-06-10T06:00:00+00:00")
@pytest.mark.parametrize("options", [{}, {"idle_status_interval": 30}])
async def test_idle_polling_follows_the_plan(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    netro: NetroCloud,
    options: dict[str, int],
) -> None:
    """While idle, status comes every 6 min, the rest far rarer; no option changes it."""
    sim = netro.sim
    interval = PollPolicy().idle_status // timedelta(minutes=1)
    await set_up(hass, netro, **options)
    sim.reset_requests()
    policy = PollPolicy()
    # the next watering is at 12:00; from 11:58 on it is "about to" water
    span = timedelta(hours=5, minutes=57)

    await advance(hass, freezer, span, step=timedelta(minutes=1))

    assert sim.count(route=INFO) == span // timedelta(minutes=interval)
    assert sim.count(route=SCHEDULES) == span // policy.schedules
    assert sim.count(route="/npa/v1/moistures.json") == span // policy.moistures
    assert sim.code3_count(CONTROLLER_KEY) == 0


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_paused_at_setup(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, tight_netro: NetroCloud
) -> None:
    """Already at the reserve when set up: entities exist, the issue explains."""
    entry = await set_up(hass, tight_netro)  # reserve 100 > the 6-call limit
    # info.json tells what the key is; nothing else is read into the reserve
    assert tight_netro.sim.count(route=INFO) == 1
    assert len(tight_netro.sim.requests) == 1
    assert hass.states.get(FRONT_LAWN).state == "off"
    assert hass.states.get(MOISTURE).state == "unknown"
    assert hass.states.get(CALLS).state == "5"
    assert issue(hass, entry) is not None
    requests = len(tight_netro.sim.requests)
    await advance(hass, freezer, timedelta(hours=1), step=timedelta(minutes=5))
    assert len(tight_netro.sim.requests) == requests


@pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")
async def test_removing_the_entry_removes_its_repair_issue(
    hass: HomeAssistant, tight_netro: NetroCloud
) -> None:
    """No repair issue outlives its account."""
    entry = await set_up(hass, tight_netro)
    assert issue(hass, entry) is not None

    # a reload (new options) finds the budget still spent: the issue stays
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, entry) is not None

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, entry) is None


@pytest.mark.freeze_time("2025-06-10T11:59:00+00:00")
async def test_staleness_attributes_are_not_recorded(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, tight_netro: NetroCloud
) -> None:
    """While polling pauses the state shows how old it is; history keeps no such noise.

    The recorder leaves out of history what a state's ``state_info`` names.
    """
    await set_up(hass, tight_netro, reserve=2)
    await advance(hass, freezer, timedelta(minutes=1, seconds=30))
    await advance(hass, freezer, timedelta(minutes=10), step=timedelta(minutes=1))
    stale = {"polling_paused_until", "data_updated_at", "data_age_minutes"}
    for entity_id in (MOISTURE, STATUS, CALLS):
        state = hass.states.get(entity_id)
        assert state is not None
        assert stale <= set(state.attributes)
        assert state.state_info is not None
        assert stale <= state.state_info["unrecorded_attributes"]
