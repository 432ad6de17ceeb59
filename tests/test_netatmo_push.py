"""Netatmo's webhook through Home Assistant: the simulator delivers to HA's HTTP.

Home Assistant's HTTP runs on a real 127.0.0.1 port and is its external URL:
the account registers its webhook there (addwebhook), and the simulator
POSTs each camera event to it, signed with the app's secret, the moment the
event happens. What arrives changes the entities without a poll.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from importlib import import_module
import json
from typing import Any

from aiohttp.test_utils import TestClient
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.push import (
    OPT_PUSH,
    REFRESH_DELAY,
    RETRY_MIN,
    PushState,
)
from custom_components.petsmart_hub.vendors.netatmo import (
    SIGNATURE_HEADER,
    STATUS_INTERVAL,
)
from homeassistant.components import webhook
from homeassistant.const import (
    CONF_WEBHOOK_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from simulator.media import JPEG_BYTES

from .netatmo_fixtures import (  # noqa: F401 - fixtures
    GARDEN,
    HOME,
    PET_CAM,
    USER_ID,
    NetatmoCloud,
    Tick,
    async_reachable_at,
    async_serve_http,
    fixture_netatmo,
    fixture_netatmo_config_entry,
    fixture_netatmo_credentials,
    fixture_netatmo_history,
    fixture_netatmo_options,
    fixture_tick,
)

# Diagnostics downloads import the Supervisor client, whose models cannot be
# compiled while freezegun has replaced datetime (see test_diagnostics.py).
import_module("homeassistant.components.hassio")

pytestmark = pytest.mark.freeze_time("2025-06-10 10:00:00+00:00")

EVENT = "event.pet_cam_camera_event"
LAST_ANIMAL = "sensor.pet_cam_last_animal_seen"
IMAGE = "image.pet_cam_latest_event"


@pytest.fixture
async def http(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> TestClient:
    """Home Assistant's HTTP on a real port, which is its external URL."""
    client = await async_serve_http(hass, hass_client_no_auth)
    await async_reachable_at(hass, client)
    return client


@pytest.fixture
async def pushing(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    http: TestClient,
    netatmo_config_entry: MockConfigEntry,
) -> AsyncGenerator[MockConfigEntry]:
    """The account set up with push, the activation delivered."""
    entry = netatmo_config_entry
    assert await hass.config_entries.async_setup(entry.entry_id)
    await delivered(hass, netatmo)
    yield entry
    await netatmo.sim.close_deliveries()


async def delivered(hass: HomeAssistant, netatmo: NetatmoCloud) -> None:
    """Wait until the simulator's deliveries are answered and HA is idle."""
    await netatmo.sim.deliveries_idle()
    await hass.async_block_till_done()


def states(hass: HomeAssistant) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every state with its attributes but the ever-changing access tokens."""
    return {
        state.entity_id: (
            state.state,
            {
                key: value
                for key, value in state.attributes.items()
                if key not in ("access_token", "entity_picture")
            },
        )
        for state in hass.states.async_all()
    }


async def test_push_is_registered_and_events_are_no_longer_polled(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    http: TestClient,
    pushing: MockConfigEntry,
    tick: Tick,
) -> None:
    sim = netatmo.sim
    webhook_id = pushing.data[CONF_WEBHOOK_ID]
    assert sim.webhook is not None
    assert sim.webhook.url == str(http.make_url(f"/api/webhook/{webhook_id}"))
    assert sim.api_calls("addwebhook") == 1
    # the activation call came, signed, and was taken
    (activation,) = sim.deliveries
    assert activation.event == "webhook_activation"
    assert activation.status == 200
    assert SIGNATURE_HEADER in (activation.headers or {})
    coordinator = pushing.runtime_data
    assert coordinator.push is not None
    assert coordinator.push.state == PushState.HEALTHY
    assert coordinator.push.diagnostics()["accepted"] == 1
    assert coordinator.push_healthy

    # statuses are still read (the safety net); events only come pushed
    sim.reset_requests()
    for _ in range(20):
        await tick(timedelta(seconds=30))
    assert sim.api_calls("getevents") == 0
    assert sim.api_calls("homestatus") == 4  # two homes, every five minutes
    assert coordinator.push_healthy


@pytest.mark.parametrize("netatmo_options", [{OPT_PUSH: False}])
async def test_push_turned_off_polls_the_events(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    http: TestClient,
    netatmo_config_entry: MockConfigEntry,
    tick: Tick,
) -> None:
    """The user turned push off: no webhook, events read every minute."""
    sim = netatmo.sim
    assert await hass.config_entries.async_setup(netatmo_config_entry.entry_id)
    await hass.async_block_till_done()
    assert netatmo_config_entry.runtime_data.push.state == PushState.OFF
    assert sim.webhook is None
    assert sim.api_calls("addwebhook") == 0
    sim.raise_event(PET_CAM, "animal")
    await tick(timedelta(seconds=61))
    assert hass.states.get(EVENT).attributes["event_type"] == "animal"
    assert sim.deliveries == []


async def test_an_animal_is_pushed_to_the_entities(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    http: TestClient,
    pushing: MockConfigEntry,
) -> None:
    """The event entity fires, the last animal and the picture change, no poll."""
    sim = netatmo.sim
    image_before = hass.states.get(IMAGE).state
    assert hass.states.get(EVENT).state == STATE_UNKNOWN
    assert hass.states.get(LAST_ANIMAL).state == STATE_UNKNOWN
    sim.reset_requests()

    sim.raise_event(PET_CAM, "animal")
    await delivered(hass, netatmo)

    event = hass.states.get(EVENT)
    assert event.state != STATE_UNKNOWN
    assert event.attributes["event_type"] == "animal"
    assert event.attributes["message"] == "Animal seen by Pet cam"
    snapshot_url = event.attributes["snapshot_url"]
    assert snapshot_url.startswith(f"{netatmo.url}/images/")
    assert hass.states.get(LAST_ANIMAL).state == "2025-06-10T10:00:00+00:00"
    image = hass.states.get(IMAGE)
    assert image.state != image_before
    assert image.state == "2025-06-10T10:00:00+00:00"
    assert image.attributes["event_type"] == "animal"
    assert sim.requests == []  # nothing was polled for it
    # the picture, through HA's image API: the simulator's JPEG
    response = await http.get(image.attributes["entity_picture"])
    assert response.status == 200
    assert await response.read() == JPEG_BYTES
    assert [request.path for request in sim.requests] == [
        snapshot_url.removeprefix(netatmo.url)
    ]

    # an outdoor camera's animal is a detection of its outdoor event
    sim.raise_event(GARDEN, "animal")
    await delivered(hass, netatmo)
    garden = hass.states.get("event.garden_camera_event")
    assert garden.attributes["event_type"] == "animal"
    assert garden.attributes["message"] == "Animal seen by Garden"
    assert hass.states.get("sensor.garden_last_animal_seen").state != STATE_UNKNOWN
    assert pushing.runtime_data.push.diagnostics()["accepted"] == 3


async def test_a_person_push_marks_them_at_home(
    hass: HomeAssistant, netatmo: NetatmoCloud, pushing: MockConfigEntry
) -> None:
    sim = netatmo.sim
    bob = next(
        person.person_id
        for person in sim.homes[HOME].persons.values()
        if person.pseudo == "Bob"
    )
    assert hass.states.get("binary_sensor.home_bob").state == STATE_OFF
    sim.raise_event(PET_CAM, "person", person_id=bob)
    await delivered(hass, netatmo)
    assert hass.states.get("binary_sensor.home_bob").state == STATE_ON
    event = hass.states.get(EVENT)
    assert event.attributes["event_type"] == "person"
    assert event.attributes["person"] == "Bob"


async def test_a_camera_going_offline_is_pushed(
    hass: HomeAssistant, netatmo: NetatmoCloud, pushing: MockConfigEntry, tick: Tick
) -> None:
    """Disconnection and connection come pushed; the status poll agrees."""
    sim = netatmo.sim
    sim.set_reachable(PET_CAM, False)
    await delivered(hass, netatmo)
    assert hass.states.get("binary_sensor.pet_cam_connectivity").state == STATE_OFF
    assert hass.states.get("switch.pet_cam_monitoring").state == STATE_UNAVAILABLE
    assert hass.states.get(EVENT).attributes["event_type"] == "disconnected"
    assert hass.states.get("switch.garden_monitoring").state == STATE_ON

    await tick(STATUS_INTERVAL)  # homestatus lists the camera in its errors
    assert hass.states.get("binary_sensor.pet_cam_connectivity").state == STATE_OFF
    await tick(timedelta(seconds=61))
    assert pushing.runtime_data.push_healthy  # push had brought it

    sim.set_reachable(PET_CAM, True)
    await delivered(hass, netatmo)
    assert hass.states.get("binary_sensor.pet_cam_connectivity").state == STATE_ON
    assert hass.states.get(EVENT).attributes["event_type"] == "connected"
    # what it shows was unknown while off line: its home's status is read again
    assert hass.states.get("switch.pet_cam_monitoring").state == STATE_UNKNOWN
    sim.reset_requests()
    await tick(timedelta(seconds=REFRESH_DELAY + 1))
    assert sim.api_calls() == sim.api_calls("homestatus") == 1
    assert hass.states.get("switch.pet_cam_monitoring").state == STATE_ON
    assert hass.states.get("sensor.pet_cam_memory_card").state == "ready"


async def test_a_change_push_never_brought_turns_it_off_for_a_while(
    hass: HomeAssistant, netatmo: NetatmoCloud, pushing: MockConfigEntry, tick: Tick
) -> None:
    """Monitoring switched with no event: events are polled again, push comes back."""
    sim = netatmo.sim
    coordinator = pushing.runtime_data
    issue_id = f"push_failed_{pushing.entry_id}"
    sim.update_module(PET_CAM, monitoring="off")  # no event, nothing pushed
    await tick(STATUS_INTERVAL)
    assert hass.states.get("switch.pet_cam_monitoring").state == STATE_OFF
    assert coordinator.push_healthy  # its push may still be on the way

    sim.reset_requests()
    await tick(timedelta(seconds=61))
    assert not coordinator.push_healthy
    assert coordinator.push.state == PushState.FAILED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert sim.api_calls("getevents") == 2  # both homes, polled again

    await tick(RETRY_MIN + timedelta(seconds=1))
    assert sim.api_calls("addwebhook") == 1  # registered again
    await delivered(hass, netatmo)
    assert coordinator.push.state == PushState.HEALTHY
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    sim.reset_requests()
    await tick(timedelta(minutes=2))
    assert sim.api_calls("getevents") == 0


async def test_unload_after_a_fallback_still_drops_the_webhook(
    hass: HomeAssistant, netatmo: NetatmoCloud, pushing: MockConfigEntry, tick: Tick
) -> None:
    """Push fell back to polling, but the cloud still holds the webhook: it goes."""
    sim = netatmo.sim
    coordinator = pushing.runtime_data
    sim.update_module(PET_CAM, monitoring="off")  # no event, nothing pushed
    await tick(STATUS_INTERVAL)
    await tick(timedelta(seconds=61))
    assert coordinator.push.state == PushState.FAILED
    assert sim.webhook is not None
    assert await hass.config_entries.async_unload(pushing.entry_id)
    await hass.async_block_till_done()
    assert sim.api_calls("dropwebhook") == 1
    assert sim.webhook is None


@pytest.mark.parametrize("signature", ["forged", "missing"])
async def test_an_unsigned_delivery_is_refused(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    netatmo: NetatmoCloud,
    pushing: MockConfigEntry,
    signature: str,
) -> None:
    """401, nothing changes, and diagnostics count it."""
    sim = netatmo.sim
    before = states(hass)
    sim.set_delivery(signature=signature)
    sim.raise_event(PET_CAM, "animal")
    await delivered(hass, netatmo)

    refused = sim.deliveries[-1]
    assert refused.event == "NACamera-animal"
    assert refused.status == 401
    assert states(hass) == before
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, pushing)
    assert diagnostics["push"]["refused"] == {"bad_signature": 1}
    assert diagnostics["push"]["accepted"] == 1  # the activation only

    # signed again, the next one is taken
    sim.set_delivery(signature="valid")
    sim.raise_event(PET_CAM, "animal")
    await delivered(hass, netatmo)
    assert sim.deliveries[-1].status == 200
    assert hass.states.get(EVENT).attributes["event_type"] == "animal"


async def test_what_we_ignore_is_still_answered_200(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    http: TestClient,
    pushing: MockConfigEntry,
) -> None:
    """Netatmo drops a webhook that fails five times: ignored calls get 200."""
    sim = netatmo.sim
    before = states(hass)
    path = f"/api/webhook/{pushing.data[CONF_WEBHOOK_ID]}"
    common = {"user_id": USER_ID, "home_id": HOME, "time": 1749549600}
    bodies: list[Any] = [
        # a camera the account does not have
        {
            **common,
            "event_type": "animal",
            "push_type": "NACamera-animal",
            "camera_id": "70:ee:50:99:99:99",
            "event_id": "5f3e99999999999999999999",
        },
        # an event we do not map
        {
            **common,
            "event_type": "tag_big_move",
            "push_type": "NACamera-tag_big_move",
            "camera_id": PET_CAM,
            "event_id": "5f3e99999999999999999998",
        },
        "not an event",
    ]
    for payload in bodies:
        body = json.dumps(payload).encode()
        response = await http.post(
            path, data=body, headers={SIGNATURE_HEADER: sim.sign(body)}
        )
        assert response.status == 200
    response = await http.post(path, data=b"{nope", headers={SIGNATURE_HEADER: "x"})
    assert response.status == 401
    await hass.async_block_till_done()

    assert states(hass) == before
    assert pushing.runtime_data.push.diagnostics()["refused"] == {
        "unknown_device": 1,
        "unknown_event": 1,
        "malformed": 1,
        "bad_signature": 1,
    }
    assert sim.webhook is not None  # never banned


async def test_unload_drops_the_webhook(
    hass: HomeAssistant,
    netatmo: NetatmoCloud,
    pushing: MockConfigEntry,
    tick: Tick,
) -> None:
    sim = netatmo.sim
    webhook_id = pushing.data[CONF_WEBHOOK_ID]
    assert webhook_id in hass.data[webhook.DOMAIN]
    assert await hass.config_entries.async_unload(pushing.entry_id)
    await hass.async_block_till_done()
    assert sim.api_calls("dropwebhook") == 1
    assert sim.webhook is None
    assert webhook_id not in hass.data[webhook.DOMAIN]
    sim.reset_requests()
    await tick(STATUS_INTERVAL * 3)
    assert sim.requests == []
