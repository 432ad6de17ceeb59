"""The calendar of a Netro controller's watering schedules.

Events come from the schedules the account already fetched (no extra call to
the cloud); each names its zone, its source (smart, fix, manual) and status.
Time is frozen at 10:00 UTC (03:00 in US/Pacific, Home Assistant's test time
zone); the daily waterings run from 12:00 UTC, zone after zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.petsmart_hub.const import DOMAIN
from homeassistant.components.calendar import DOMAIN as CALENDAR_DOMAIN
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .conftest import CONTROLLER_KEY, NetroCloud, netro_entry
from .registry import find_device

pytestmark = pytest.mark.freeze_time("2025-06-10T10:00:00+00:00")

CALENDAR = "calendar.front_yard_sprite_watering_schedule"
ZONE_NAMES = {
    1: "Front Lawn",
    2: "Back Lawn",
    3: "Flower Beds",
    4: "Vegetable Garden",
    5: "Side Yard",
}


async def get_events(
    hass: HomeAssistant, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The calendar's events in [start, end) through calendar.get_events."""
    response = await hass.services.async_call(
        CALENDAR_DOMAIN,
        "get_events",
        {"entity_id": CALENDAR, "start_date_time": start, "end_date_time": end},
        blocking=True,
        return_response=True,
    )
    return response[CALENDAR]["events"]


def expected(netro: NetroCloud, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The simulator's schedules overlapping [start, end), as calendar events."""
    now = netro.sim.clock.now()
    schedules = netro.sim.controllers[CONTROLLER_KEY].schedules(
        now, date(2025, 1, 1), date(2025, 12, 31), None
    )
    return [
        {
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "summary": f"Water {ZONE_NAMES[s.zone]}",
            "description": (
                f"Zone {s.zone}, source: {s.source.lower()}, status: {s.status.lower()}"
            ),
        }
        for s in schedules
        if s.end > start and s.start < end
    ]


async def test_events_past_and_upcoming(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Yesterday's runs (executed) and today's (valid), zone by zone (UTC times)."""
    start = datetime(2025, 6, 9, 0, 0, tzinfo=UTC)
    end = datetime(2025, 6, 11, 0, 0, tzinfo=UTC)
    requests = len(netro.sim.requests)

    events = await get_events(hass, start, end)

    assert events == expected(netro, start, end)
    assert len(events) == 10  # five zones, two days
    assert events[0] == {
        "start": "2025-06-09T12:00:00+00:00",
        "end": "2025-06-09T12:03:00+00:00",
        "summary": "Water Front Lawn",
        "description": "Zone 1, source: smart, status: executed",
    }
    assert events[5] == {
        "start": "2025-06-10T12:00:00+00:00",
        "end": "2025-06-10T12:03:00+00:00",
        "summary": "Water Front Lawn",
        "description": "Zone 1, source: smart, status: valid",
    }
    # the TIMER zone waters from its program: source "fix"
    assert events[8]["description"] == "Zone 4, source: fix, status: valid"
    assert len(netro.sim.requests) == requests  # read from what was fetched


async def test_events_of_the_past_month_and_the_next(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Netro lists a month back and a month ahead; all of it is in the calendar."""
    start = datetime(2025, 5, 1, tzinfo=UTC)
    end = datetime(2025, 8, 1, tzinfo=UTC)
    events = await get_events(hass, start, end)
    assert events == expected(netro, start, end)
    days = {event["start"][:10] for event in events}
    assert min(days) == "2025-05-10"
    assert max(days) == "2025-07-10"


async def test_empty_range(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """No watering between two daily runs."""
    events = await get_events(
        hass,
        datetime(2025, 6, 10, 13, 0, tzinfo=UTC),
        datetime(2025, 6, 11, 11, 59, tzinfo=UTC),
    )
    assert events == []


async def test_state_is_the_next_watering(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """Off between runs, describing the next one."""
    state = hass.states.get(CALENDAR)
    assert state.state == "off"
    assert state.attributes["message"] == "Water Front Lawn"
    assert state.attributes["start_time"] == "2025-06-10 05:00:00"
    assert state.attributes["end_time"] == "2025-06-10 05:03:00"
    assert state.attributes["description"] == ("Zone 1, source: smart, status: valid")


async def test_manual_watering_appears(
    hass: HomeAssistant, netro: NetroCloud, netro_controller: MockConfigEntry
) -> None:
    """A watering asked for through HA is an event at once, source manual."""
    zone = find_device(hass, f"netro_{CONTROLLER_KEY}_zone2")
    assert zone is not None
    await hass.services.async_call(
        DOMAIN,
        "water",
        {"device_id": [zone.id], "duration": 15, "delay": 30},
        blocking=True,
    )
    await hass.async_block_till_done()

    start = datetime(2025, 6, 10, 10, 30, tzinfo=UTC)
    events = await get_events(
        hass, start - timedelta(hours=1), start + timedelta(hours=1)
    )
    assert events == [
        {
            "start": "2025-06-10T10:30:00+00:00",
            "end": "2025-06-10T10:45:00+00:00",
            "summary": "Water Back Lawn",
            "description": "Zone 2, source: manual, status: valid",
        }
    ]
    assert events == expected(
        netro, start - timedelta(hours=1), start + timedelta(hours=1)
    )
    state = hass.states.get(CALENDAR)
    assert state.state == "off"
    assert state.attributes["message"] == "Water Back Lawn"
    assert state.attributes["start_time"] == "2025-06-10 03:30:00"


async def test_events_over_http(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    netro: NetroCloud,
    netro_controller: MockConfigEntry,
) -> None:
    """The calendar API the frontend uses; each event has the schedule's id."""
    client = await hass_client()
    response = await client.get(
        f"/api/calendars/{CALENDAR}",
        params={"start": "2025-06-10T00:00:00Z", "end": "2025-06-11T00:00:00Z"},
    )
    assert response.status == HTTPStatus.OK
    events = await response.json()
    now = netro.sim.clock.now()
    schedules = netro.sim.controllers[CONTROLLER_KEY].schedules(
        now, date(2025, 6, 10), date(2025, 6, 10), None
    )
    assert [event["uid"] for event in events] == [str(s.id) for s in schedules]
    assert [event["summary"] for event in events] == [
        f"Water {ZONE_NAMES[ith]}" for ith in range(1, 6)
    ]
    assert events[0]["start"] == {"dateTime": "2025-06-10T05:00:00-07:00"}


async def test_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    netro: NetroCloud,
) -> None:
    """The controller's calendar: registry entry and state."""
    entry = netro_entry(netro, CONTROLLER_KEY)
    entry.add_to_hass(hass)
    with patch("custom_components.petsmart_hub.PLATFORMS", [Platform.CALENDAR]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
