"""Events: what a device tells the moment it happens.

An alert, what a camera saw, what a yes/no sensor reported (motion, a door
opened, a button pressed) and a remote's code a hub heard.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.event import (
    EventDeviceClass,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import PetSmartHubConfigEntry, event_signal
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import (
    CAMERA_EVENT_TYPES,
    DETECTION_EVENTS,
    Detection,
    DeviceEvent,
    EventType,
    Feature,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PetSmartEventEntityDescription(EventEntityDescription, PetSmartEntityDescription):
    """An event entity that fires a device's events of some types."""

    events: tuple[EventType, ...]


def _detection_events(
    detection: Detection, device_class: EventDeviceClass | None
) -> PetSmartEventEntityDescription:
    """The events of what a yes/no sensor detects, fired at each of its reports."""
    events = tuple(event for event in DETECTION_EVENTS[detection] if event is not None)
    return PetSmartEventEntityDescription(
        key=f"detection_{detection.value}_event",
        translation_key=f"detection_{detection.value}",
        device_class=device_class,
        events=events,
        event_types=[event.value for event in events],
        exists_fn=lambda device: detection in device.detections,
        available_offline=True,
    )


EVENTS: tuple[PetSmartEventEntityDescription, ...] = (
    PetSmartEventEntityDescription(
        key="alert",
        translation_key="alert",
        events=(EventType.ALERT,),
        event_types=[EventType.ALERT.value],
        exists_fn=lambda device: Feature.ALERTS in device.features,
        available_offline=True,  # an offline device's alert still tells
    ),
    PetSmartEventEntityDescription(
        # what a camera saw (an animal, a person...) and what happened to it
        key="camera_event",
        translation_key="camera_event",
        events=CAMERA_EVENT_TYPES,
        event_types=[event.value for event in CAMERA_EVENT_TYPES],
        exists_fn=lambda device: Feature.CAMERA_EVENTS in device.features,
        available_offline=True,  # "disconnected" is news from an offline camera
    ),
    _detection_events(Detection.MOTION, EventDeviceClass.MOTION),
    _detection_events(Detection.OPENING, None),
    _detection_events(Detection.PRESS, EventDeviceClass.BUTTON),
    PetSmartEventEntityDescription(
        # a remote's code its hub heard (an RF door bell): the device itself
        key="code_received",
        translation_key="code_received",
        name=None,
        device_class=EventDeviceClass.BUTTON,
        events=(EventType.RECEIVED,),
        event_types=[EventType.RECEIVED.value],
        exists_fn=lambda device: Feature.CODE_EVENTS in device.features,
        available_offline=True,
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
        """Listen for this device's events of the description's types."""
        await super().async_added_to_hass()
        for event_type in self.entity_description.events:
            self.async_on_remove(
                async_dispatcher_connect(
                    self.hass,
                    event_signal(
                        self.coordinator.config_entry.entry_id,
                        self.device_id,
                        event_type,
                    ),
                    self._async_pushed,
                )
            )

    @callback
    def _async_pushed(self, event: DeviceEvent) -> None:
        self._trigger_event(event.type.value, dict(event.data))
        self.async_write_ha_state()
