"""Cost follows change: writes, wakes and requests of an account, small or large.

- a poll that finds nothing changed writes no state;
- a push (or a command) wakes and writes only its own device's entities;
- the device list is inventory (every 30 minutes, or when something says it
  changed), the slow tier keeps its interval and is spread over it, a GPS
  tracker (two requests a reading) is read every other poll;
- a command does not push the account's next poll back;
- a large account sets up in batches without timeouts;
- an account imports only its own vendor's code.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
import copy
from datetime import timedelta
from itertools import pairwise
import json
from pathlib import Path
import subprocess
import sys
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.petsmart_hub import coordinator as coordinator_module
from custom_components.petsmart_hub.const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_VENDOR,
    DOMAIN,
)
from custom_components.petsmart_hub.model import Device, DeviceKind, merged_device
from custom_components.petsmart_hub.vendors.descriptor import account_unique_id
from custom_components.petsmart_hub.vendors.registry import VENDOR_PACKAGES, Vendors
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.util import dt as dt_util
from simulator.core import start_server
from simulator.onenata import OneNataSimulator

from .conftest import API_KEY, VENDOR_ONENATA, Cloud
from .registry import find_device

FROZEN = pytest.mark.freeze_time("2025-01-15 10:30:00+00:00")
MINUTE = timedelta(minutes=1)

DEVICES = "/v1/devices"
STATUS = "/v1/devices/{device_id}/status"
LOCATION = "/v1/devices/{device_id}/location"
FOOD = "/v1/devices/{device_id}/food-level"
USAGE = "/v1/devices/{device_id}/usage-stats"
INSIGHTS = "/v1/devices/{device_id}/health-insights"
SLOW_ROUTES = {
    FOOD,
    "/v1/devices/{device_id}/water-quality",
    USAGE,
    INSIGHTS,
    "/v1/devices/{device_id}/activity",
}
FEEDER = "feeding_machine_001"

type Tick = Callable[[timedelta], Awaitable[None]]


@pytest.fixture
def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    """Move frozen time on and let every timer that fell due run."""

    async def _tick(delta: timedelta) -> None:
        freezer.tick(delta)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    return _tick


class Writes:
    """Every state the state machine was given for the integration's entities."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry) -> None:
        self._hass = hass
        self._entry = entry
        #: (entity id, whether the state or its attributes changed)
        self.seen: list[tuple[str, bool]] = []
        hass.bus.async_listen("state_changed", self._heard)
        hass.bus.async_listen("state_reported", self._heard, event_filter=_every)

    @callback
    def _heard(self, event: Event[Any]) -> None:
        entity_id = event.data["entity_id"]
        entity = er.async_get(self._hass).async_get(entity_id)
        if entity is None or entity.config_entry_id != self._entry.entry_id:
            return
        self.seen.append((entity_id, event.event_type == "state_changed"))

    def entities(self) -> set[str]:
        return {entity_id for entity_id, _changed in self.seen}

    def devices(self) -> set[str]:
        """HA device ids of the entities written."""
        registry = er.async_get(self._hass)
        return {
            entry.device_id
            for entity_id in self.entities()
            if (entry := registry.async_get(entity_id)) is not None
            and entry.device_id is not None
        }


@callback
def _every(_data: Any) -> bool:
    return True


def ha_device(hass: HomeAssistant, entry: MockConfigEntry, device_id: str) -> str:
    """The HA device id of one of the account's devices."""
    device = find_device(hass, f"onenata_{device_id}")
    assert device is not None, device_id
    return device.id


def entity_objects(hass: HomeAssistant) -> list[Entity]:
    """The integration's entity objects, every platform's."""
    return [
        entity
        for platform in hass.data["entity_platform"][DOMAIN]
        for entity in platform.entities.values()
    ]


@FROZEN
async def test_a_poll_without_change_writes_no_state(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """The cloud says the same thing again: the poll reads it and writes nothing."""
    sim = onenata.sim
    writes = Writes(hass, init_integration)
    for _ in range(3):
        sim.reset_requests()
        sim.clock.advance(-60)  # the simulated world stands still
        await tick(MINUTE)
        assert sim.count("GET", STATUS) >= 5  # the poll ran
    assert writes.seen == []


@FROZEN
async def test_a_poll_writes_only_what_changed(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """One device's battery drops: that entity alone is written."""
    sim = onenata.sim
    writes = Writes(hass, init_integration)
    sim.update_device(FEEDER, battery_level=42)
    sim.clock.advance(-60)  # nothing else changes
    await tick(MINUTE)
    assert writes.seen == [("sensor.smart_feeder_1_battery", True)]
    assert hass.states.get("sensor.smart_feeder_1_battery").state == "42.0"


@pytest.fixture
async def post(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> Callable[[Any], Awaitable[int]]:
    """Call the entry's webhook as the cloud would; its answer's HTTP status."""

    async def call(body: Any) -> int:
        client = await hass_client_no_auth()
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        response = await client.post(
            f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        await hass.async_block_till_done()
        return response.status

    return call


@pytest.fixture
async def reachable(hass: HomeAssistant) -> None:
    """Home Assistant has an external URL the cloud can reach."""
    await async_process_ha_core_config(hass, {"external_url": "https://ha.example.com"})


@pytest.mark.usefixtures("reachable")
@pytest.mark.parametrize("devices_per_kind", [3])
async def test_a_push_writes_only_its_devices_entities(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    post: Callable[[Any], Awaitable[int]],
) -> None:
    """A status change of one feeder of eighteen devices writes that feeder alone."""
    entry = init_integration
    assert onenata.sim.webhook is not None  # push is set up
    writes = Writes(hass, entry)
    await post(
        {
            "event": "device.status.changed",
            "data": {
                "deviceId": FEEDER,
                "status": {"batteryLevel": 17, "foodLevel": 9},
            },
        }
    )
    assert writes.devices() == {ha_device(hass, entry, FEEDER)}
    assert ("sensor.smart_feeder_1_battery", True) in writes.seen
    assert ("sensor.smart_feeder_1_food_level", True) in writes.seen
    # every other entity of the feeder kept its state: not written at all
    assert all(changed for _entity, changed in writes.seen)


@pytest.mark.usefixtures("reachable")
async def test_a_push_naming_an_unknown_device_reads_the_device_list(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    post: Callable[[Any], Awaitable[int]],
) -> None:
    """A device added in the app pushes first: the list is read, and it appears."""
    sim = onenata.sim
    new = sim.add_device("feedingMachine", serial="ON-SF-NEW").device_id
    sim.reset_requests()
    assert (
        await post(
            {
                "event": "device.status.changed",
                "data": {"deviceId": new, "status": {"batteryLevel": 80}},
            }
        )
        == 200
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert sim.count("GET", DEVICES) == 1
    assert ha_device(hass, init_integration, new)


@FROZEN
@pytest.mark.parametrize("devices_per_kind", [4])
async def test_requests_follow_need(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Over 91 minutes: the list every 30, the slow tier every 15 spread, trackers
    every other minute, a litter box's two statistics in turn."""
    sim = onenata.sim
    start = dt_util.utcnow()
    sim.reset_requests()
    for _ in range(91):
        await tick(MINUTE)

    def minutes(route: str, device_id: str | None = None) -> list[int]:
        return [
            round((request.at - start).total_seconds() / 60)
            for request in sim.requests
            if request.route == route
            and request.at is not None
            and (device_id is None or request.device_id == device_id)
        ]

    assert minutes(DEVICES) == [30, 60, 90]
    kinds = {device_id: device.kind for device_id, device in sim.devices.items()}
    for device_id, kind in kinds.items():
        status = minutes(STATUS, device_id)
        if kind == "gpsTracker":
            assert len(status) in (45, 46), device_id
            assert all(b - a == 2 for a, b in pairwise(status))
            assert minutes(LOCATION, device_id) == status
        else:
            assert status == list(range(1, 92)), device_id
    # the slow tier: every 15 minutes exactly, each device at its own minute
    second_reads: set[int] = set()
    for device_id in kinds:
        reads = sorted({m for route in SLOW_ROUTES for m in minutes(route, device_id)})
        if not reads:
            continue
        assert 15 <= reads[0] <= 30, device_id
        assert all(b - a == 15 for a, b in pairwise(reads))
        assert len(reads) in (5, 6), device_id
        second_reads.add(reads[0])
    assert len(second_reads) >= 4  # spread, not all on one poll
    for device_id, kind in kinds.items():
        if kind == "litterBox":
            usage, insights = minutes(USAGE, device_id), minutes(INSIGHTS, device_id)
            assert not set(usage) & set(insights)  # one or the other each time
            assert abs(len(usage) - len(insights)) <= 1


@FROZEN
async def test_a_command_does_not_delay_the_next_poll(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Feeding half-way between polls reads the feeder; the others are polled on time."""
    sim = onenata.sim
    await tick(MINUTE)
    await tick(timedelta(seconds=30))
    sim.reset_requests()
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.smart_feeder_1_feed"}, blocking=True
    )
    assert {request.device_id for request in sim.requests} == {FEEDER}
    sim.reset_requests()
    await tick(timedelta(seconds=31))
    assert sim.count("GET", STATUS) >= 5  # the poll came when it was due


@pytest.mark.parametrize("devices_per_kind", [3])
async def test_a_push_during_setup_is_kept_while_the_rest_fills_in(
    hass: HomeAssistant,
    onenata: Cloud,
    config_entry: MockConfigEntry,
    post: Callable[[Any], Awaitable[int]],
) -> None:
    """Push works from the start of a setup that fills in over several batches.

    A push for a device already read is shown at once and kept by the batches
    after it; one for a device not yet read answers 200 and the device comes
    with the rest.
    """
    sim = onenata.sim
    # a URL the cloud registers (its own deliveries are refused at once)
    await async_process_ha_core_config(hass, {"external_url": "http://127.0.0.1:9"})
    config_entry.add_to_hass(hass)
    with patch.object(coordinator_module, "FILL_DEADLINE", 0.0):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        coordinator = config_entry.runtime_data
        assert sim.webhook is not None  # push registered during setup
        read = set(coordinator.data.devices)
        assert 0 < len(read) < len(sim.devices)  # setup returned after a batch
        pushed_read = next(d for d in read if sim.devices[d].battery_level is not None)
        pushed_unread = next(
            d
            for d in sim.devices
            if d not in read and sim.devices[d].battery_level is not None
        )
        for device_id in (pushed_read, pushed_unread):
            assert (
                await post(
                    {
                        "event": "device.status.changed",
                        "data": {"deviceId": device_id, "status": {"batteryLevel": 7}},
                    }
                )
                == 200
            )
        assert coordinator.data.devices[pushed_read].battery == 7  # shown at once
        for _ in range(50):
            if len(coordinator.data.devices) == len(sim.devices):
                break
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
            await hass.async_block_till_done(wait_background_tasks=True)
    assert set(coordinator.data.devices) == set(sim.devices)  # all filled in
    # the batches after it read other devices: the push is kept
    assert coordinator.data.devices[pushed_read].battery == 7
    [battery] = [
        entity.entity_id
        for entity in er.async_entries_for_device(
            er.async_get(hass), ha_device(hass, config_entry, pushed_read)
        )
        if entity.entity_id.startswith("sensor.")
        and entity.entity_id.endswith("_battery")
    ]
    assert hass.states.get(battery).state == "7.0"
    # the device not yet read came with the rest, with what the cloud says
    assert coordinator.data.devices[pushed_unread].battery == (
        sim.devices[pushed_unread].battery_level
    )


@pytest.fixture
async def big_cloud(socket_enabled: None) -> AsyncGenerator[OneNataSimulator]:
    """A OneNata account of 204 devices, each request answered after 5 ms."""
    sim = OneNataSimulator(api_key=API_KEY, devices_per_kind=34, latency=0.005)
    server = await start_server(sim)
    sim.base_url = f"{server.url}/v1"  # type: ignore[attr-defined]
    yield sim
    await server.close()


async def test_a_200_device_account_sets_up_in_batches(
    hass: HomeAssistant, big_cloud: OneNataSimulator
) -> None:
    """Setup returns after one batch; the rest comes in batches a second apart.

    (With push working from the start: the test before.)
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title="OneNata",
        unique_id=account_unique_id(VENDOR_ONENATA, API_KEY),
        data={
            CONF_VENDOR: VENDOR_ONENATA,
            CONF_API_KEY: API_KEY,
            CONF_BASE_URL: big_cloud.base_url,  # type: ignore[attr-defined]
        },
    )
    entry.add_to_hass(hass)
    sizes: list[int] = []
    with patch.object(coordinator_module, "FILL_DEADLINE", 0.15):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        coordinator = entry.runtime_data
        sizes.append(len(coordinator.data.devices))
        for _ in range(400):  # (a busy machine reads fewer in each batch)
            if len(coordinator.data.devices) == len(big_cloud.devices):
                break
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
            await hass.async_block_till_done(wait_background_tasks=True)
            sizes.append(len(coordinator.data.devices))
    assert len(big_cloud.devices) == 204, sizes
    assert 0 < sizes[0] < 204, sizes  # setup returned after the first batch
    assert sizes[-1] == 204, sizes
    assert len(set(sizes)) >= 3  # filled in over several batches
    # then polled
    assert big_cloud.webhook is None
    assert coordinator.update_interval == timedelta(seconds=60)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 204
    battery = hass.states.get("sensor.smart_feeder_34_battery")
    assert battery is not None and battery.state not in ("unknown", "unavailable")
    # every device read; one read before is not read again by each batch (only
    # once its status is due again, 30 s on, on a slow machine)
    statuses = [r.device_id for r in big_cloud.requests if r.route == STATUS]
    assert set(statuses) == set(big_cloud.devices)
    assert len(statuses) < 2 * len(big_cloud.devices)


def test_a_push_during_a_poll_keeps_its_changes_and_the_polls_readings() -> None:
    """The push's battery and level win; the poll's food remaining is kept."""
    base = Device(
        id=FEEDER, kind=DeviceKind.FEEDER, name="Feeder", manufacturer="OneNata"
    )
    base.battery = 50
    assert base.feeder is not None
    base.feeder.food_level, base.feeder.food_remaining = 40, 100
    pushed = copy.deepcopy(base)
    pushed.battery = 20
    assert pushed.feeder is not None
    pushed.feeder.food_level = 30
    polled = copy.deepcopy(base)
    assert polled.feeder is not None
    polled.feeder.food_level, polled.feeder.food_remaining = 35, 80
    merged = merged_device(base, pushed, polled)
    assert merged.battery == 20
    assert merged.feeder is not None
    assert (merged.feeder.food_level, merged.feeder.food_remaining) == (30, 80)
    assert base.feeder.food_remaining == 100  # none of the three is changed
    assert pushed.feeder.food_remaining == 100
    other = Device(id=FEEDER, kind=DeviceKind.TOY, name="Toy", manufacturer="OneNata")
    assert merged_device(base, pushed, other) is pushed  # a kind change: the push


async def test_a_devices_entities_share_one_registry_description(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """Every entity of a device keeps the same DeviceInfo, not a copy of its own."""
    coordinator = init_integration.runtime_data
    device = coordinator.data.devices[FEEDER]
    info = coordinator.device_info(device)
    assert coordinator.device_info(copy.deepcopy(device)) is info
    entities = [
        entity
        for entity in entity_objects(hass)
        if getattr(entity, "device_id", None) == FEEDER
    ]
    assert len(entities) > 5
    assert all(entity.device_info is info for entity in entities)
    # a device that changed gets a new description (and keeps it)
    newer = copy.deepcopy(device)
    newer.firmware = "9.9.9"
    changed = coordinator.device_info(newer)
    assert changed is not info and changed["sw_version"] == "9.9.9"
    assert coordinator.device_info(newer) is changed


@FROZEN
async def test_a_rotated_access_token_is_not_written_again(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry, tick: Tick
) -> None:
    """Home Assistant rotates (and writes) a camera's and an image's token itself.

    When the camera's device changes next in a way neither shows, neither
    writes its state again: the rotated token is not news.
    """
    sim = onenata.sim
    camera = next(d for d in sim.devices.values() if d.kind == "camera")
    rotated = [
        entity
        for entity in entity_objects(hass)
        if entity.entity_id
        in {"camera.pet_camera_1", "image.pet_camera_1_latest_photo"}
    ]
    assert len(rotated) == 2
    writes = Writes(hass, init_integration)
    for entity in rotated:  # what Home Assistant does every 5 minutes
        before = hass.states.get(entity.entity_id).attributes["access_token"]
        entity.async_update_token()
        entity.async_write_ha_state()
        after = hass.states.get(entity.entity_id).attributes["access_token"]
        assert after != before
    writes.seen.clear()
    coordinator = init_integration.runtime_data
    woken: list[object] = []
    listeners = coordinator._device_listeners[camera.device_id]
    for listener in list(listeners):  # count the wakes of the camera's entities
        listeners.discard(listener)

        def counted(listener: Callable[[], None] = listener) -> None:
            woken.append(listener)
            listener()

        listeners.add(counted)
    sim.update_device(camera.device_id, night_vision=not camera.night_vision)
    await tick(MINUTE)
    held = coordinator.data.devices[camera.device_id].camera
    assert held is not None and held.night_vision is camera.night_vision  # read
    assert len(woken) == len(listeners) > 2  # its entities looked at it
    assert writes.entities() & {entity.entity_id for entity in rotated} == set()


@pytest.fixture
def fresh_vendors(monkeypatch: pytest.MonkeyPatch) -> Vendors:
    """A registry that has imported no vendor yet, for the entry set up next."""
    vendors = Vendors(VENDOR_PACKAGES)
    monkeypatch.setattr(coordinator_module, "VENDORS", vendors)
    return vendors


async def test_an_account_loads_only_its_vendors_code(
    hass: HomeAssistant,
    fresh_vendors: Vendors,
    onenata: Cloud,
    init_integration: MockConfigEntry,
) -> None:
    """A OneNata account set up: OneNata's package is loaded, no other vendor's."""
    assert hass.states.get("sensor.smart_feeder_1_food_level") is not None
    assert fresh_vendors.loaded() == ["onenata"]


def test_the_integrations_modules_import_no_vendor_package() -> None:
    """Home Assistant loading the integration (every platform, the flows) imports
    no vendor's code; looking a vendor up imports that vendor's alone."""
    code = """
import importlib, json, pkgutil, sys
import custom_components.petsmart_hub as ours
for module in pkgutil.iter_modules(ours.__path__):
    if module.name != "vendors":
        importlib.import_module(f"{ours.__name__}.{module.name}")
from custom_components.petsmart_hub.vendors.registry import VENDOR_PACKAGES, VENDORS
def loaded():
    return sorted(p for p in VENDOR_PACKAGES if f"{ours.__name__}.vendors.{p}" in sys.modules)
before = loaded()
menu = list(VENDORS)
VENDORS["netro"]
print(json.dumps([before, menu, loaded(), VENDORS.loaded()]))
"""
    root = Path(__file__).parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    before, menu, after, loaded = json.loads(result.stdout.splitlines()[-1])
    assert before == []
    assert menu == list(VENDOR_PACKAGES)
    assert after == loaded == ["netro"]
