"""The benchmarks' probe inside a real hass (`scripts/bench scale`); not the product.

- ``bench_probe/reported``: every ``state_reported`` event (a state written
  unchanged), which Home Assistant forwards to no websocket subscription
  without an event filter, forwarded as its entity id.
- ``bench_probe/filled``: per config entry, how many of its devices are
  filled in (every enabled entity has a state, not ``unavailable``) and how
  many enabled entities its devices have. Worked out in the process, so that
  the benchmark's polling leaves nothing behind: ``/api/states`` and
  ``config/entity_registry/list`` would cache a JSON copy of every state and
  registry entry, memory that is the observer's, not the account's.
- A config entry of this domain adds plain sensors on plain devices
  (``sensor.py``): what Home Assistant itself costs for as many entities,
  the floor any integration's memory is measured against.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import voluptuous as vol

from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import websocket_command
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_STATE_REPORTED, STATE_UNAVAILABLE, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.typing import ConfigType

DOMAIN = "bench_probe"
CONFIG_SCHEMA = cv.empty_config_schema(DOMAIN)


@callback
def _every(data: Any) -> bool:
    """Let every event through (a listener of state_reported must filter)."""
    return True


@websocket_command({vol.Required("type"): f"{DOMAIN}/reported"})
@callback
def _subscribe_reported(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Forward the entity id of every state written unchanged."""

    @callback
    def forward(event: Event[Any]) -> None:
        connection.send_message(
            event_message(msg["id"], {"entity_id": event.data["entity_id"]})
        )

    connection.subscriptions[msg["id"]] = hass.bus.async_listen(
        EVENT_STATE_REPORTED, forward, event_filter=_every
    )
    connection.send_result(msg["id"])


@websocket_command(
    {vol.Required("type"): f"{DOMAIN}/filled", vol.Required("entry_ids"): [str]}
)
@callback
def _filled(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """Per entry: [devices filled in, enabled entities on its devices]."""
    registry = er.async_get(hass)
    result: dict[str, list[int]] = {}
    for entry_id in msg["entry_ids"]:
        by_device: defaultdict[str, list[str]] = defaultdict(list)
        for entity in er.async_entries_for_config_entry(registry, entry_id):
            if entity.device_id and not entity.disabled_by:
                by_device[entity.device_id].append(entity.entity_id)
        filled = sum(
            1
            for entity_ids in by_device.values()
            if all(_has_state(hass, entity_id) for entity_id in entity_ids)
        )
        result[entry_id] = [filled, sum(map(len, by_device.values()))]
    connection.send_result(msg["id"], result)


def _has_state(hass: HomeAssistant, entity_id: str) -> bool:
    """Whether the entity has a state ("unknown" counts), not unavailable."""
    state = hass.states.get(entity_id)
    return state is not None and state.state != STATE_UNAVAILABLE


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the websocket commands."""
    async_register_command(hass, _subscribe_reported)
    async_register_command(hass, _filled)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Add the entry's plain sensors."""
    await hass.config_entries.async_forward_entry_setups(entry, [Platform.SENSOR])
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Remove the entry's plain sensors."""
    return await hass.config_entries.async_unload_platforms(entry, [Platform.SENSOR])
