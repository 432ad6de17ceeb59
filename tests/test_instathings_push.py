"""Instathings push through Home Assistant: the project's websocket.

The account opens its socket once set up; what the socket brings updates
entities at once, and polling slows to the safety net while it is open. A
socket that drops, stalls or sends garbage is opened again (jittered
back-off), before its token ends too; a long outage raises a repair issue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.petsmart_hub import push as push_module
from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.coordinator import SCAN_INTERVAL
from custom_components.petsmart_hub.push import PushState
from custom_components.petsmart_hub.vendors.instathings import socket as it_socket
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .instathings_fixtures import (
    CLIMATE,
    InstathingsCloud,
    fixture_instathings,  # noqa: F401 - a fixture
    fixture_instathings_entry,  # noqa: F401 - a fixture
    fixture_instathings_on_premise,  # noqa: F401 - a fixture
    fixture_instathings_options,  # noqa: F401 - a fixture
    instathings_entry,
)

TEMPERATURE = "sensor.terrarium_climate_temperature"


@pytest.fixture(autouse=True)
def quick_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reopen a socket after tenths of a second (not 1 s doubling to 5 min)."""
    monkeypatch.setattr(push_module, "SOCKET_RETRY_MIN", timedelta(seconds=0.05))
    monkeypatch.setattr(push_module, "SOCKET_RETRY_MAX", timedelta(seconds=0.2))


async def until(
    hass: HomeAssistant, condition: Callable[[], Any], within: float = 5.0
) -> None:
    """Wait (real time: the socket lives on the event loop) until ``condition``."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)
    await hass.async_block_till_done()


def _push(entry: MockConfigEntry) -> Any:
    return entry.runtime_data.push


async def healthy(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """The entry's push, once its socket is open."""
    push = _push(entry)
    await until(hass, lambda: push.state is PushState.HEALTHY)
    return push


async def arrives(
    hass: HomeAssistant, cloud: InstathingsCloud, temperature: float
) -> None:
    """The terrarium sensor sends a temperature; its sensor shows it (pushed)."""
    cloud.sim.report(CLIMATE, temperature=temperature)
    await until(hass, lambda: _state(hass, TEMPERATURE) == str(temperature))


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_socket_opens_and_polling_slows(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
) -> None:
    """Set up: the socket is open, push is healthy, polls are the safety net."""
    push = await healthy(hass, instathings_entry)
    coordinator = instathings_entry.runtime_data
    assert coordinator.push_healthy
    assert coordinator.update_interval == timedelta(minutes=15)
    assert instathings.sim.socket_connections == 1
    assert push.diagnostics()["transport"] == "socket"
    assert push.diagnostics()["sockets_opened"] == 1


async def test_data_arrives_at_once_without_a_poll(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
) -> None:
    """A device's data event updates its sensor; nothing is read over REST."""
    push = await healthy(hass, instathings_entry)
    before = len(instathings.sim.requests)
    await arrives(hass, instathings, 27.5)
    assert len(instathings.sim.requests) == before
    assert push.accepted >= 1


async def test_a_dropped_socket_is_opened_again(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
) -> None:
    """The cloud closes the socket: polling resumes, the socket comes back."""
    coordinator = instathings_entry.runtime_data
    push = await healthy(hass, instathings_entry)
    await instathings.sim.drop_sockets()
    await until(hass, lambda: instathings.sim.socket_connections == 2)
    await until(hass, lambda: push.state is PushState.HEALTHY)
    assert coordinator.push_healthy
    await arrives(hass, instathings, 19.25)


async def test_garbage_frames_are_refused_and_the_socket_stays(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
) -> None:
    """Frames that are not JSON, or JSON of no known shape, change nothing."""
    push = await healthy(hass, instathings_entry)
    before = _state(hass, TEMPERATURE)
    for kind in ("text", "shape", "binary"):
        assert instathings.sim.send_garbage(kind) == 1
    await until(hass, lambda: sum(push.refused.values()) >= 3)
    assert _state(hass, TEMPERATURE) == before
    assert push.state is PushState.HEALTHY
    assert instathings.sim.socket_connections == 1
    await arrives(hass, instathings, 22.0)


async def test_a_huge_frame_ends_the_socket_which_comes_back(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
) -> None:
    """A frame beyond what we read closes that socket; a new one opens."""
    push = await healthy(hass, instathings_entry)
    instathings.sim.send_garbage("huge")
    await until(hass, lambda: instathings.sim.socket_connections == 2)
    await until(hass, lambda: push.state is PushState.HEALTHY)


async def test_a_stalled_socket_is_noticed_and_replaced(
    hass: HomeAssistant,
    instathings: InstathingsCloud,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No pong within the heartbeat: the socket is closed and opened again."""
    monkeypatch.setattr(it_socket, "SOCKET_HEARTBEAT", 1.0)  # not 30 s
    entry = instathings_entry(instathings)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    push = await healthy(hass, entry)
    instathings.sim.stall_sockets()
    await until(hass, lambda: instathings.sim.socket_connections == 2, within=10)
    await until(hass, lambda: push.state is PushState.HEALTHY)
    await arrives(hass, instathings, 23.5)


async def test_the_socket_reopens_before_its_token_ends(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> None:
    """A token about to end: a new token, a new socket, push stays healthy."""
    instathings.sim.token_ttl = 61  # renewed a minute early: after a second
    entry = instathings_entry(instathings)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    push = _push(entry)
    await until(hass, lambda: instathings.sim.socket_connections >= 2, within=6)
    assert instathings.sim.auth.grants >= 2
    await until(hass, lambda: push.state is PushState.HEALTHY)
    assert not push.refused
    instathings.sim.token_ttl = 3600
    await arrives(hass, instathings, 24.5)


async def test_a_long_outage_raises_a_repair_issue(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Handshakes refused for long: polling as usual, Repairs says why, then clears."""
    monkeypatch.setattr(push_module, "SOCKET_ISSUE_AFTER", timedelta(seconds=0.2))
    coordinator = instathings_entry.runtime_data
    push = await healthy(hass, instathings_entry)
    instathings.sim.refuse_sockets()
    await instathings.sim.drop_sockets()
    issues = ir.async_get(hass)
    issue_id = f"push_failed_{instathings_entry.entry_id}"
    await until(hass, lambda: issues.async_get_issue(DOMAIN, issue_id) is not None)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "push_socket_down"
    assert push.state is PushState.FAILED
    assert not coordinator.push_healthy
    assert coordinator.update_interval == timedelta(seconds=SCAN_INTERVAL)
    attempts = instathings.sim.socket_connections
    await asyncio.sleep(0.5)
    # backing off: a few tries, not a storm (0.05 s doubling to 0.2 s)
    assert instathings.sim.socket_connections - attempts <= 6
    instathings.sim.accept_sockets()
    await until(hass, lambda: push.state is PushState.HEALTHY)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert coordinator.update_interval == timedelta(minutes=15)


async def test_a_change_the_socket_missed_reopens_it(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A poll finds a change no message brought: the socket is replaced."""
    coordinator = instathings_entry.runtime_data
    push = await healthy(hass, instathings_entry)
    connections = instathings.sim.socket_connections
    instathings.sim.stall_sockets()
    instathings.sim.report(CLIMATE, temperature=30.5)
    await coordinator.async_refresh()  # the safety net reads it
    assert _state(hass, TEMPERATURE) == "30.5"
    # the change's push had its grace minute: none came
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=61))
    await hass.async_block_till_done()
    instathings.sim.unstall_sockets()
    await until(hass, lambda: instathings.sim.socket_connections > connections)
    await until(hass, lambda: push.state is PushState.HEALTHY)


async def test_unload_closes_the_socket_for_good(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
) -> None:
    """Unloaded: the socket is closed and never opened again."""
    push = await healthy(hass, instathings_entry)
    assert await hass.config_entries.async_unload(instathings_entry.entry_id)
    await hass.async_block_till_done()
    assert instathings_entry.state is ConfigEntryState.NOT_LOADED
    await until(hass, lambda: not instathings.sim.open_sockets)
    await asyncio.sleep(0.3)
    assert instathings.sim.socket_connections == 1
    assert push.state is PushState.OFF


@pytest.mark.parametrize("instathings_options", [{"push": False}])
async def test_push_turned_off_opens_no_socket(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
) -> None:
    """The user turned push off: no socket, polling every minute."""
    await asyncio.sleep(0.1)
    assert instathings.sim.socket_connections == 0
    assert _push(instathings_entry).state is PushState.OFF
    assert instathings_entry.runtime_data.update_interval == timedelta(
        seconds=SCAN_INTERVAL
    )


@pytest.mark.parametrize("instathings_on_premise", [True])
async def test_on_premise_socket_io_push(
    hass: HomeAssistant,
    instathings_entry: MockConfigEntry,
    instathings: InstathingsCloud,
) -> None:
    """On premise: the gateway's socket.io brings data the same way."""
    await healthy(hass, instathings_entry)
    await arrives(hass, instathings, 26.25)
    assert instathings.sim.count("GET", "/socket.io/") >= 1
