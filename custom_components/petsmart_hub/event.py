"""Events: what a device tells the moment it happens.

An alert, what a camera saw, what a yes/no sensor reported (motion, a door
opened, a button pressed), a remote's code a hub heard, and what a pet's
device did: a feed, a missed meal, a litter box visit, a finished cleaning,
a filter due, a play session, a safe zone left or entered.
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
    Action,
    Detection,
    DeviceEvent,
    DeviceKind,
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


def _pet_events(
    key: str, kind: DeviceKind, *events: EventType, action: Action | None = None
) -> PetSmartEventEntityDescription:
    """The events a pet's device tells of, worked out from its readings."""
    return PetSmartEventEntityDescription(
        key=key,
        translation_key=key,
        kinds=frozenset({kind}),
        events=events,
        event_types=[event.value for event in events],
        exists_fn=lambda device: action is None or action in device.actions,
        available_offline=True,  # (a feed seen late is still a feed)
    )


EVENTS: tuple[PetSmartEventEntityDescription, ...] = (
    # amount, source (scheduled, manual_home_assistant, manual_elsewhere),
    # time and the meal it was
    _pet_events("fed", DeviceKind.FEEDER, EventType.FED, action=Action.FEED),
    # time, amount and meal of the meal missed
    _pet_events(
        "missed_meal",
        DeviceKind.FEEDER,
        EventType.MISSED_MEAL,
        action=Action.SET_FEEDING_SCHEDULE,
    ),
    # a visit (time, visits, count) or a cleaning that finished (time)
    _pet_events(
        "litter_box_activity",
        DeviceKind.LITTER_BOX,
        EventType.VISIT,
        EventType.CLEANING_FINISHED,
    ),
    # a cleaning that finished (time) or a filter due (filter_status, filter_life)
    _pet_events(
        "fountain_maintenance",
        DeviceKind.FOUNTAIN,
        EventType.CLEANING_FINISHED,
        EventType.FILTER_DUE,
    ),
    # a session that ended: time, duration (seconds) and mode
    _pet_events("play_session", DeviceKind.TOY, EventType.PLAY_SESSION),
    # from the geofence alerts: zone, message and time
    _pet_events(
        "safe_zone",
        DeviceKind.TRACKER,
        EventType.LEFT_SAFE_ZONE,
        EventType.ENTERED_SAFE_ZONE,
    ),
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
        self.async_write_shown()
