"""Events: what a device tells the moment it happens (an alert pushed by its cloud)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import DeviceEvent, EventType, Feature
from .push import event_signal

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PetSmartEventEntityDescription(EventEntityDescription, PetSmartEntityDescription):
    """An event entity that fires one kind of device event."""

    event: EventType


EVENTS: tuple[PetSmartEventEntityDescription, ...] = (
    PetSmartEventEntityDescription(
        key="alert",
        translation_key="alert",
        event=EventType.ALERT,
        event_types=[EventType.ALERT.value],
        exists_fn=lambda device: Feature.ALERTS in device.features,
        available_offline=True,  # an offline device's alert still tells
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add event entities for every device that pushes them."""
    async_add_device_entities(entry, async_add_entities, EVENTS, PetSmartEvent)


class PetSmartEvent(PetSmartEntity, EventEntity):
    """Fires when the device's cloud pushes an event of its kind."""

    entity_description: PetSmartEventEntityDescription

    async def async_added_to_hass(self) -> None:
        """Listen for this device's pushed events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                event_signal(
                    self.coordinator.config_entry.entry_id,
                    self.device_id,
                    self.entity_description.event,
                ),
                self._async_pushed,
            )
        )

    @callback
    def _async_pushed(self, event: DeviceEvent) -> None:
        self._trigger_event(event.type.value, dict(event.data))
        self.async_write_ha_state()
