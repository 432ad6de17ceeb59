"""Pet events and the latest photo through Home Assistant and the OneNata simulator.

Each event fires with its attributes from a poll (time moves past the poll
interval: 60 s for the status, 15 min for the slow tier) and from OneNata's
webhook (Home Assistant's HTTP on a real port is its external URL, so the
simulator delivers ``device.status.changed`` and ``device.alert`` to it):
a litter box visit and its cleaning, a fountain's cleaning and filter, a
toy's play session, a tracker leaving and entering its safe zone, and
alerts, each told once. The camera's latest photo is the one taken last,
fetched once however often its state is written.

What was dispatched to the event entities is recorded (the entity's state
holds only the last event, and two alike in the same frozen second would
not change it), and the entities' states are checked for the attributes.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.coordinator import event_signal
from custom_components.petsmart_hub.model import DeviceEvent, EventType
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from simulator.onenata import photo_jpeg
from simulator.onenata.devices import filter_life

from .conftest import Cloud
from .netatmo_fixtures import async_reachable_at, async_serve_http
from .registry import find_device

pytestmark = pytest.mark.freeze_time("2025-06-02 10:00:00+00:00")

FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
TRACKER = "gps_tracker_001"
CAMERA = "camera_001"
LITTER = "litterbox_001"
TOY = "smart_toy_001"

ACTIVITY = "event.litter_box_1_activity"
MAINTENANCE = "event.water_fountain_1_maintenance"
PLAY = "event.smart_toy_1_play_session"
SAFE_ZONE = "event.gps_tracker_1_safe_zone"
FEEDER_ALERT = "event.smart_feeder_1_alert"
FOUNTAIN_ALERT = "event.water_fountain_1_alert"
TRACKER_ALERT = "event.gps_tracker_1_alert"
PHOTO = "image.pet_camera_1_latest_photo"
VISITS = "sensor.litter_box_1_visits"
FILTER_LIFE = "sensor.water_fountain_1_filter_life"

STATUS = "/v1/devices/{device_id}/status"
PHOTO_ROUTE = "/photos/{device_id}/{photo}.jpg"
#: The slow tier's answers, and the device each is read for.
SLOW_READS = {
    "/v1/devices/{device_id}/food-level": FEEDER,
    "/v1/devices/{device_id}/water-quality": FOUNTAIN,
    "/v1/devices/{device_id}/usage-stats": LITTER,
    "/v1/devices/{device_id}/health-insights": LITTER,
    "/v1/devices/{device_id}/activity": TOY,
}
USAGE = "/v1/devices/{device_id}/usage-stats"
WATER = "/v1/devices/{device_id}/water-quality"

#: Past the status poll, and past the slow tier's interval (litter usage,
#: filter life). A device's slow tier is first due between one and two
#: intervals after setup (at its own point of the interval), then every
#: interval; a litter box reads its usage statistics and its health insights
#: in turn, the insights first.
FAST = timedelta(seconds=61)
SLOW = timedelta(minutes=15, seconds=1)

VISIT = EventType.VISIT
CLEANED = EventType.CLEANING_FINISHED
FILTER_DUE = EventType.FILTER_DUE
PLAYED = EventType.PLAY_SESSION
LEFT = EventType.LEFT_SAFE_ZONE
ENTERED = EventType.ENTERED_SAFE_ZONE
ALERT = EventType.ALERT


# --- fixtures and helpers ----------------------------------------------------------


@dataclass
class Fired:
    """Every event dispatched to the entry's event entities, in order."""

    events: list[DeviceEvent] = field(default_factory=list)

    def told(self) -> list[tuple[str, EventType]]:
        """(device, type) of every event."""
        return [(event.device_id, event.type) for event in self.events]

    def clear(self) -> None:
        self.events.clear()


@pytest.fixture
async def fired(
    hass: HomeAssistant, onenata: Cloud, config_entry: MockConfigEntry
) -> Fired:
    """Record what is dispatched, from before the entry is set up."""
    record = Fired()

    @callback
    def append(event: DeviceEvent) -> None:
        record.events.append(event)

    for device_id in onenata.sim.devices:
        for event_type in EventType:
            async_dispatcher_connect(
                hass, event_signal(config_entry.entry_id, device_id, event_type), append
            )
    return record


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def polled(
    hass: HomeAssistant, config_entry: MockConfigEntry, fired: Fired
) -> MockConfigEntry:
    """The account, polled every minute (Home Assistant has no URL for push)."""
    await set_up(hass, config_entry)
    assert config_entry.runtime_data.update_interval == timedelta(seconds=60)
    return config_entry


@pytest.fixture
async def pushing(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    fired: Fired,
    hass_client_no_auth: ClientSessionGenerator,
) -> AsyncGenerator[MockConfigEntry]:
    """The account with push: the simulator delivers its webhook to HA's HTTP."""
    client = await async_serve_http(hass, hass_client_no_auth)
    await async_reachable_at(hass, client)
    await set_up(hass, config_entry)
    coordinator = config_entry.runtime_data
    assert coordinator.push_healthy
    assert onenata.sim.webhook is not None
    await delivered(hass, onenata)
    yield config_entry
    await onenata.sim.close_deliveries()


async def delivered(hass: HomeAssistant, onenata: Cloud) -> None:
    """Wait until the simulator's webhook calls are answered and HA is idle."""
    await onenata.sim.deliveries_idle()
    await hass.async_block_till_done()


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass: the poll that fell due runs (one poll per call)."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": entity_id}, blocking=True
    )
    await hass.async_block_till_done()


def ha_device(hass: HomeAssistant, device_id: str) -> str:
    device = find_device(hass, f"onenata_{device_id}")
    assert device is not None, device_id
    return device.id


def told(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    """The last event an event entity shows: its type and attributes."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    assert state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE), entity_id
    return {
        key: value
        for key, value in state.attributes.items()
        if key not in ("event_types", "friendly_name", "device_class", "icon")
    }


def now_iso() -> str:
    return dt_util.utcnow().isoformat()


async def set_fence(hass: HomeAssistant, onenata: Cloud) -> tuple[float, float]:
    """A safe zone of 500 m around the tracker's home, alerting both ways."""
    home = onenata.sim.devices[TRACKER].home
    await hass.services.async_call(
        DOMAIN,
        "set_geofence",
        {
            "device_id": ha_device(hass, TRACKER),
            "latitude": home[0],
            "longitude": home[1],
            "radius": 500,
            "name": "Home Safe Zone",
            "alert_on_exit": True,
            "alert_on_entry": True,
        },
        blocking=True,
    )
    await hass.async_block_till_done()
    return home


def push_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"push_failed_{entry.entry_id}")


PET_EVENTS = (ACTIVITY, MAINTENANCE, PLAY, SAFE_ZONE)


# --- the first refresh ----------------------------------------------------------------


async def test_the_first_refresh_and_quiet_polls_fire_nothing(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every device already has a last visit, cleaning, session: none is news."""
    sim = onenata.sim
    assert sim.devices[LITTER].last_visit is not None
    assert sim.devices[TOY].last_play_session is not None
    for entity_id in PET_EVENTS:
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        assert state.state == STATE_UNKNOWN
    assert fired.events == []
    sim.reset_requests()
    await tick(hass, freezer, FAST)
    # the slow tier too, every answer of it
    await tick(hass, freezer, 2 * SLOW)
    await tick(hass, freezer, SLOW)
    for route, device_id in SLOW_READS.items():
        assert sim.count("GET", route, device_id) >= 1, route
    assert fired.events == []
    for entity_id in PET_EVENTS:
        assert hass.states.get(entity_id).state == STATE_UNKNOWN


async def test_a_device_read_late_tells_no_old_news(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    for device_id in (LITTER, TOY):
        onenata.sim.add_fault("http_500", route=STATUS, device_id=device_id, times=1)
    await set_up(hass, config_entry)
    assert config_entry.runtime_data.data.failed == {LITTER, TOY}
    await tick(hass, freezer, FAST)
    assert hass.states.get(VISITS).state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
    assert fired.told() == []


# --- litter box -------------------------------------------------------------------------


async def test_a_visit_from_a_poll(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    visits = int(hass.states.get(VISITS).state)
    freezer.tick(timedelta(seconds=5))
    sim.visit(LITTER)
    visit_at = sim.devices[LITTER].last_visit
    assert visit_at is not None
    await tick(hass, freezer, FAST)
    assert fired.told() == [(LITTER, VISIT)]
    assert told(hass, ACTIVITY) == {
        "event_type": "visit",
        "time": visit_at.isoformat(),
        "visits": visits,  # the usage statistics are read in the slow tier
        "count": 1,
    }
    # the statistics count the visit later (the litter box's second slow
    # read after setup): no second visit
    await tick(hass, freezer, 2 * SLOW)
    await tick(hass, freezer, SLOW)
    assert int(hass.states.get(VISITS).state) == visits + 1
    assert fired.told() == [(LITTER, VISIT)]


async def test_a_visit_from_the_webhook(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    visits = int(hass.states.get(VISITS).state)
    freezer.tick(timedelta(seconds=5))
    sim.reset_requests()
    sim.visit(LITTER)
    await delivered(hass, onenata)
    assert sim.count("GET", STATUS, LITTER) == 0  # nothing was polled for it
    assert fired.told() == [(LITTER, VISIT)]
    visit_at = sim.devices[LITTER].last_visit
    assert visit_at is not None
    assert told(hass, ACTIVITY) == {
        "event_type": "visit",
        "time": visit_at.isoformat(),
        "visits": visits,
        "count": 1,
    }
    # the safety net's poll tells nothing new
    await tick(hass, freezer, SLOW)
    assert fired.told() == [(LITTER, VISIT)]


async def test_a_pushed_visit_counted_by_the_safety_net_is_no_missed_push(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    sim.visit(LITTER)
    await delivered(hass, onenata)
    sim.reset_requests()
    # the safety net reads the statistics: its polls every 15 min read the
    # slow tier every 30 min while pushed, the litter box's usage statistics
    # at every other slow read (the insights first)
    for _ in range(4):
        await tick(hass, freezer, SLOW)
    assert sim.count("GET", USAGE, LITTER) == 1
    await tick(hass, freezer, FAST)  # (the grace before push is judged)
    coordinator = pushing.runtime_data
    assert coordinator.push_healthy
    assert push_issue(hass, pushing) is None


async def test_a_visit_pushed_while_a_poll_runs_is_told_once(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    account = pushing.runtime_data.account
    poll = account.async_refresh

    async def refresh_then_a_push(request: Any) -> Any:
        result = await poll(request)
        onenata.sim.visit(LITTER)  # pushed before the poll's answer is applied
        await delivered(hass, onenata)
        return result

    with patch.object(account, "async_refresh", refresh_then_a_push):
        await tick(hass, freezer, SLOW)
    assert fired.told() == [(LITTER, VISIT)]


async def test_a_litter_box_cleaning_from_a_poll(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    await press(hass, "button.litter_box_1_clean")
    session = sim.devices[LITTER].sessions["clean"]
    assert fired.events == []  # started: not finished
    await tick(hass, freezer, FAST)
    assert fired.events == []
    await tick(hass, freezer, session.end - dt_util.utcnow() + timedelta(seconds=1))
    assert fired.told() == [(LITTER, CLEANED)]
    assert sim.devices[LITTER].last_cleaned == session.end
    assert told(hass, ACTIVITY) == {
        "event_type": "cleaning_finished",
        "time": session.end.isoformat(),
    }
    await tick(hass, freezer, FAST)
    assert fired.told() == [(LITTER, CLEANED)]


async def test_a_litter_box_cleaning_from_the_webhook(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    await press(hass, "button.litter_box_1_clean")
    await delivered(hass, onenata)
    session = sim.devices[LITTER].sessions["clean"]
    assert fired.events == []
    sim.reset_requests()
    freezer.tick(session.end - dt_util.utcnow() + timedelta(seconds=1))
    sim.notify_changes()  # the cloud sees the cleaning end and pushes it
    await delivered(hass, onenata)
    assert sim.count("GET", STATUS) == 0
    assert fired.told() == [(LITTER, CLEANED)]
    assert told(hass, ACTIVITY) == {
        "event_type": "cleaning_finished",
        "time": session.end.isoformat(),
    }


# --- fountain ---------------------------------------------------------------------------


async def test_a_fountain_cleaning_from_a_poll(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    await press(hass, "button.water_fountain_1_start_cleaning")
    session = sim.devices[FOUNTAIN].sessions["clean"]
    await tick(hass, freezer, FAST)
    assert fired.events == []
    await tick(hass, freezer, session.end - dt_util.utcnow() + timedelta(seconds=1))
    assert fired.told() == [(FOUNTAIN, CLEANED)]
    assert told(hass, MAINTENANCE) == {
        "event_type": "cleaning_finished",
        "time": session.end.isoformat(),
    }
    assert sim.devices[FOUNTAIN].last_maintenance == session.end


async def test_a_fountain_cleaning_from_the_webhook(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    await press(hass, "button.water_fountain_1_start_cleaning")
    await delivered(hass, onenata)
    session = sim.devices[FOUNTAIN].sessions["clean"]
    assert fired.events == []
    freezer.tick(session.end - dt_util.utcnow() + timedelta(seconds=1))
    sim.notify_changes()
    await delivered(hass, onenata)
    assert fired.told() == [(FOUNTAIN, CLEANED)]
    assert told(hass, MAINTENANCE) == {
        "event_type": "cleaning_finished",
        "time": session.end.isoformat(),
    }


async def test_a_filter_due_from_a_poll(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    sim.age_filter(FOUNTAIN, 46)
    sim.reset_requests()
    # status and water quality (filter life): the fountain's slow tier is due
    await tick(hass, freezer, 2 * SLOW)
    assert sim.count("GET", WATER, FOUNTAIN) == 1
    life = filter_life(sim.devices[FOUNTAIN], sim.clock.now())
    assert life < 10
    # the filter, and the cloud's own alert of it
    assert fired.told() == [(FOUNTAIN, FILTER_DUE), (FOUNTAIN, ALERT)]
    assert told(hass, MAINTENANCE) == {
        "event_type": "filter_due",
        "filter_status": "replace",
        "filter_life": float(life),
    }
    assert told(hass, FOUNTAIN_ALERT) == {
        "event_type": "alert",
        "type": "filterReplace",
        "message": "Filter needs replacement",
    }
    # due it stays: told once
    await tick(hass, freezer, FAST)
    await tick(hass, freezer, SLOW)
    assert sim.count("GET", WATER, FOUNTAIN) == 2
    assert fired.told() == [(FOUNTAIN, FILTER_DUE), (FOUNTAIN, ALERT)]


async def test_a_filter_due_from_the_webhook(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    life = float(hass.states.get(FILTER_LIFE).state)
    sim.reset_requests()
    sim.age_filter(FOUNTAIN, 40)  # 49 days of 60: replace soon
    await delivered(hass, onenata)
    assert sim.requests == []
    assert fired.told() == [(FOUNTAIN, FILTER_DUE)]
    assert told(hass, MAINTENANCE) == {
        "event_type": "filter_due",
        "filter_status": "replace_soon",
        "filter_life": life,  # the life left is the slow tier's, not pushed
    }


# --- toy ----------------------------------------------------------------------------------


async def test_a_play_session_from_a_poll(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    await press(hass, "button.smart_toy_1_start_play")  # 600 s, the option's
    session = sim.devices[TOY].sessions["play"]
    assert session.seconds == 600
    await tick(hass, freezer, FAST)
    assert fired.events == []  # still playing
    await tick(hass, freezer, session.end - dt_util.utcnow() + timedelta(seconds=1))
    assert fired.told() == [(TOY, PLAYED)]
    assert told(hass, PLAY) == {
        "event_type": "play_session",
        "time": session.end.isoformat(),
        "duration": 600,
        "mode": "interactive",
    }
    await tick(hass, freezer, FAST)
    assert fired.told() == [(TOY, PLAYED)]


async def test_a_play_session_from_the_webhook(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    await hass.services.async_call(
        DOMAIN,
        "start_play",
        {"device_id": ha_device(hass, TOY), "duration": 120},
        blocking=True,
    )
    await delivered(hass, onenata)
    session = sim.devices[TOY].sessions["play"]
    assert fired.events == []
    freezer.tick(session.end - dt_util.utcnow() + timedelta(seconds=1))
    sim.notify_changes()
    await delivered(hass, onenata)
    assert fired.told() == [(TOY, PLAYED)]
    assert told(hass, PLAY) == {
        "event_type": "play_session",
        "time": session.end.isoformat(),
        "duration": 120,
        "mode": "interactive",
    }


# --- tracker -------------------------------------------------------------------------------


async def test_left_and_entered_the_safe_zone_from_polled_alerts(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    home = await set_fence(hass, onenata)  # (the tracker is read after it)
    assert fired.events == []
    sim.move_tracker(TRACKER, home[0] + 0.1, home[1])  # about 11 km north
    sim.reset_requests()
    # a tracker is read every other poll
    await tick(hass, freezer, FAST)
    await tick(hass, freezer, FAST)
    assert sim.count("GET", STATUS, TRACKER) == 1
    assert fired.told() == [(TRACKER, ALERT), (TRACKER, LEFT)]
    assert told(hass, SAFE_ZONE) == {
        "event_type": "left_safe_zone",
        "zone": "Home Safe Zone",
        "message": "Left Home Safe Zone",
        "time": now_iso(),
    }
    assert told(hass, TRACKER_ALERT) == {
        "event_type": "alert",
        "type": "geofenceExit",
        "message": "Left Home Safe Zone",
    }
    fired.clear()
    sim.move_tracker(TRACKER, *home)
    await tick(hass, freezer, FAST)
    await tick(hass, freezer, FAST)
    assert fired.told() == [(TRACKER, ALERT), (TRACKER, ENTERED)]
    assert told(hass, SAFE_ZONE) == {
        "event_type": "entered_safe_zone",
        "zone": "Home Safe Zone",
        "message": "Entered Home Safe Zone",
        "time": now_iso(),
    }
    sim.reset_requests()
    await tick(hass, freezer, FAST)
    await tick(hass, freezer, FAST)
    assert sim.count("GET", STATUS, TRACKER) == 1
    assert fired.told() == [(TRACKER, ALERT), (TRACKER, ENTERED)]


async def test_left_the_safe_zone_from_the_webhook(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The status change and the device.alert both tell it: one event each."""
    sim = onenata.sim
    home = await set_fence(hass, onenata)
    await delivered(hass, onenata)
    sim.reset_requests()
    sim.move_tracker(TRACKER, home[0] + 0.1, home[1])
    await delivered(hass, onenata)
    assert sim.count("GET", STATUS, TRACKER) == 0
    events = [
        delivery.event for delivery in sim.deliveries if delivery.device_id == TRACKER
    ]
    assert events[-2:] == ["device.status.changed", "device.alert"]
    assert fired.told() == [(TRACKER, ALERT), (TRACKER, LEFT)]
    assert told(hass, SAFE_ZONE) == {
        "event_type": "left_safe_zone",
        "zone": "Home Safe Zone",
        "message": "Left Home Safe Zone",
        "time": now_iso(),
    }
    await tick(hass, freezer, SLOW)  # the safety net lists the alert: told
    assert fired.told() == [(TRACKER, ALERT), (TRACKER, LEFT)]
    fired.clear()
    sim.move_tracker(TRACKER, *home)
    await delivered(hass, onenata)
    assert fired.told() == [(TRACKER, ALERT), (TRACKER, ENTERED)]
    assert told(hass, SAFE_ZONE) == {
        "event_type": "entered_safe_zone",
        "zone": "Home Safe Zone",
        "message": "Entered Home Safe Zone",
        "time": now_iso(),
    }


async def test_left_the_safe_zone_from_a_device_alert_alone(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
) -> None:
    """The status change is lost: the device.alert alone tells the zone."""
    sim = onenata.sim
    home = await set_fence(hass, onenata)
    await delivered(hass, onenata)
    sim.webhook_sender.configure(drop_next=1)  # the status change
    sim.move_tracker(TRACKER, home[0] + 0.1, home[1])
    await delivered(hass, onenata)
    assert fired.told() == [(TRACKER, ALERT), (TRACKER, LEFT)]
    assert told(hass, SAFE_ZONE) == {
        "event_type": "left_safe_zone",
        "zone": "Home Safe Zone",
        "message": "Left Home Safe Zone",
        "time": "2025-06-02T10:00:00+00:00",
    }


# --- alerts --------------------------------------------------------------------------------


async def test_an_alert_from_a_poll(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    onenata.sim.raise_alert(FEEDER, "jammed", "Food is stuck in the chute")
    await tick(hass, freezer, FAST)
    assert fired.told() == [(FEEDER, ALERT)]
    assert told(hass, FEEDER_ALERT) == {
        "event_type": "alert",
        "type": "jammed",
        "message": "Food is stuck in the chute",
    }
    # still listed at the next polls: told once
    await tick(hass, freezer, FAST)
    await tick(hass, freezer, FAST)
    assert fired.told() == [(FEEDER, ALERT)]
    # a new one of another kind is news
    onenata.sim.raise_alert(FEEDER, "lidOpen", "The lid is open")
    await tick(hass, freezer, FAST)
    assert fired.told() == [(FEEDER, ALERT), (FEEDER, ALERT)]
    assert told(hass, FEEDER_ALERT)["type"] == "lidOpen"


async def test_an_alert_from_the_webhook_is_told_once(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Its status change and its device.alert arrive; then the safety net lists it."""
    sim = onenata.sim
    sim.reset_requests()
    sim.raise_alert(FEEDER, "jammed", "Food is stuck in the chute")
    await delivered(hass, onenata)
    assert sim.count("GET", STATUS, FEEDER) == 0
    assert fired.told() == [(FEEDER, ALERT)]
    assert told(hass, FEEDER_ALERT) == {
        "event_type": "alert",
        "type": "jammed",
        "message": "Food is stuck in the chute",
    }
    await tick(hass, freezer, SLOW)
    assert fired.told() == [(FEEDER, ALERT)]


async def test_a_pushed_alert_then_a_poll_within_minutes_is_told_once(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Only the device.alert arrives; a poll five minutes later lists the alert."""
    sim = onenata.sim
    sim.webhook_sender.configure(drop_next=1)  # its status change is lost
    sim.raise_alert(FEEDER, "jammed", "Food is stuck in the chute")
    await delivered(hass, onenata)
    assert fired.told() == [(FEEDER, ALERT)]
    freezer.tick(timedelta(minutes=5))
    await pushing.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert fired.told() == [(FEEDER, ALERT)]


async def test_a_pushed_alert_then_the_safety_net_poll_is_told_once(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    sim.webhook_sender.configure(drop_next=1)
    sim.raise_alert(FEEDER, "jammed", "Food is stuck in the chute")
    await delivered(hass, onenata)
    assert fired.told() == [(FEEDER, ALERT)]
    await tick(hass, freezer, SLOW)
    assert fired.told() == [(FEEDER, ALERT)]


async def test_a_polled_alert_then_its_late_push_is_told_once(
    hass: HomeAssistant,
    onenata: Cloud,
    pushing: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    sim = onenata.sim
    sim.webhook_sender.configure(drop_next=2)  # both calls are lost...
    sim.raise_alert(FEEDER, "jammed", "Food is stuck in the chute")
    await delivered(hass, onenata)
    assert fired.events == []
    freezer.tick(timedelta(minutes=2))
    await pushing.runtime_data.async_refresh()  # ...a poll finds it
    await hass.async_block_till_done()
    assert fired.told() == [(FEEDER, ALERT)]
    # ...and the cloud sends the alert again, late
    sim.emit(
        "device.alert",
        {
            "deviceId": FEEDER,
            "alert": {"type": "jammed", "message": "Food is stuck in the chute"},
        },
    )
    await delivered(hass, onenata)
    assert sim.deliveries[-1].status == 200
    assert fired.told() == [(FEEDER, ALERT)]


# --- the latest photo --------------------------------------------------------------------


async def test_the_latest_photo_is_served_and_fetched_once(
    hass: HomeAssistant,
    onenata: Cloud,
    polled: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    sim = onenata.sim
    camera = sim.devices[CAMERA]
    client = await hass_client()
    assert hass.states.get(PHOTO).state == STATE_UNKNOWN

    async def picture() -> bytes:
        state = hass.states.get(PHOTO)
        response = await client.get(state.attributes["entity_picture"])
        assert response.status == 200
        assert response.content_type == "image/jpeg"
        return await response.read()

    # Take photo: the image is that photo
    await press(hass, "button.pet_camera_1_take_photo")
    (first,) = camera.photos
    state = hass.states.get(PHOTO)
    taken = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert state.state == taken.isoformat()
    assert state.attributes["event_type"] == "photo"
    assert state.attributes["message"] is None
    sim.reset_requests()
    # a poll that changes nothing it shows does not write its state...
    reported = hass.states.get(PHOTO).last_reported
    for _ in range(3):
        await tick(hass, freezer, FAST)
    assert hass.states.get(PHOTO).last_reported == reported
    # ...and however often it is written, nothing is downloaded for that
    assert await async_setup_component(hass, "homeassistant", {})
    for _ in range(3):
        reported = hass.states.get(PHOTO).last_reported
        freezer.tick(timedelta(seconds=1))
        await hass.services.async_call(
            "homeassistant", "update_entity", {"entity_id": PHOTO}, blocking=True
        )
        await hass.async_block_till_done()
        assert hass.states.get(PHOTO).last_reported > reported
    assert hass.states.get(PHOTO).state == taken.isoformat()
    assert sim.count("GET", PHOTO_ROUTE) == 0
    assert await picture() == photo_jpeg(f"{CAMERA}/{first}")
    await tick(hass, freezer, FAST)
    assert await picture() == photo_jpeg(f"{CAMERA}/{first}")
    assert sim.count("GET", PHOTO_ROUTE) == 1  # fetched once

    # a second photo (the action this time): a new image, its own bytes
    freezer.tick(timedelta(seconds=2))
    answer = await hass.services.async_call(
        DOMAIN,
        "take_photo",
        {"device_id": ha_device(hass, CAMERA)},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    assert answer is not None
    second = camera.photos[-1]
    assert second != first
    assert second in str(answer["url"])
    state = hass.states.get(PHOTO)
    assert state.state == now_iso()  # (frozen: the photo's second)
    assert state.attributes["event_type"] == "photo"
    await tick(hass, freezer, FAST)
    image = await picture()
    assert image == photo_jpeg(f"{CAMERA}/{second}")
    assert image != photo_jpeg(f"{CAMERA}/{first}")
    assert await picture() == image
    assert sim.count("GET", PHOTO_ROUTE) == 2  # once per photo
    assert [request.path for request in sim.requests if request.route == PHOTO_ROUTE][
        -1
    ] == f"/photos/{CAMERA}/{second}.jpg"
