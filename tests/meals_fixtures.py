"""Helpers of the meal tests: the feeder's schedule, time, edits and fired events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.petsmart_hub.const import DOMAIN
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event

from .conftest import Cloud
from .registry import find_device

FEEDER = "feeding_machine_001"
COMMANDS = "/v1/devices/{device_id}/commands"
STATUS = "/v1/devices/{device_id}/status"

FEED_BUTTON = "button.smart_feeder_1_feed"
FEED_AMOUNT = "number.smart_feeder_1_feed_amount"
CALENDAR = "calendar.smart_feeder_1_meals"
MISSED = "binary_sensor.smart_feeder_1_missed_meal"
MISMATCH = "binary_sensor.smart_feeder_1_schedule_mismatch"
FED_EVENT = "event.smart_feeder_1_fed"
MISSED_EVENT = "event.smart_feeder_1_missed_meal"


def meal_time(meal: int) -> str:
    return f"time.smart_feeder_1_meal_{meal}_time"


def meal_amount(meal: int) -> str:
    return f"number.smart_feeder_1_meal_{meal}_amount"


def meal_switch(meal: int) -> str:
    return f"switch.smart_feeder_1_meal_{meal}"


def meal_entities(meal: int) -> tuple[str, str, str]:
    """The time, amount and switch of one meal slot."""
    return meal_time(meal), meal_amount(meal), meal_switch(meal)


def feeder_device(hass: HomeAssistant) -> str:
    """The Home Assistant device id of the simulated feeder."""
    device = find_device(hass, f"onenata_{FEEDER}")
    assert device is not None
    return device.id


async def set_schedule(
    hass: HomeAssistant, meals: list[dict[str, Any]], **extra: Any
) -> None:
    """Send a schedule with the set_feeding_schedule action."""
    await hass.services.async_call(
        DOMAIN,
        "set_feeding_schedule",
        {"device_id": feeder_device(hass), "schedule": meals, **extra},
        blocking=True,
    )
    await hass.async_block_till_done()


async def pause_schedule(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        DOMAIN,
        "pause_feeding_schedule",
        {"device_id": feeder_device(hass)},
        blocking=True,
    )
    await hass.async_block_till_done()


async def press_feed(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": FEED_BUTTON}, blocking=True
    )
    await hass.async_block_till_done()


def schedule_commands(cloud: Cloud) -> list[dict[str, Any]]:
    """The parameters of every setSchedule the simulator received."""
    return [
        request.json["parameters"]
        for request in cloud.sim.requests
        if request.route == COMMANDS and request.json["command"] == "setSchedule"
    ]


def sim_schedule(cloud: Cloud) -> list[dict[str, Any]]:
    """The simulated feeder's schedule, as setSchedule spells it."""
    return [
        {
            "time": entry.time.strftime("%H:%M"),
            "amount": entry.amount,
            "enabled": entry.enabled,
        }
        for entry in cloud.sim.devices[FEEDER].schedule
    ]


type Tick = Callable[[timedelta], Awaitable[None]]
type MoveTo = Callable[[datetime], Awaitable[None]]


def make_tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Tick:
    async def tick(delta: timedelta) -> None:
        freezer.tick(delta)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    return tick


def make_move_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MoveTo:
    async def move_to(moment: datetime) -> None:
        freezer.move_to(moment)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    return move_to


async def edit_meals(
    hass: HomeAssistant,
    tick: Tick,
    *calls: tuple[str, str, dict[str, Any]],
) -> list[BaseException | None]:
    """Make several meal edits at once, as a user clicking fast would.

    Each (domain, service, data) is a blocking service call running as its
    own task; the debounce is let pass, and what each call raised is
    returned (None: it went through).
    """
    tasks = [
        hass.async_create_task(
            hass.services.async_call(domain, service, data, blocking=True)
        )
        for domain, service, data in calls
    ]
    for _ in range(5):  # the calls reach the entities
        await asyncio.sleep(0)
    assert not any(task.done() for task in tasks), "returned before the send"
    await tick(timedelta(seconds=2))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return [result if isinstance(result, BaseException) else None for result in results]


class Fired:
    """The events an event entity fires from now on (its attributes each time).

    A reload restores the entity's last event: that is not a new one.
    """

    KEYS = ("event_type", "amount", "source", "time", "meal")

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        self.events: list[dict[str, Any]] = []
        state = hass.states.get(entity_id)
        self._last = (state.state, dict(state.attributes)) if state else None
        async_track_state_change_event(hass, [entity_id], self._changed)

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is None or new.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return
        seen = (new.state, dict(new.attributes))
        if seen == self._last:
            return  # restored after a reload
        self._last = seen
        self.events.append(
            {key: new.attributes[key] for key in self.KEYS if key in new.attributes}
        )
