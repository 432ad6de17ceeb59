"""What a Netatmo camera event means in the neutral model (no Home Assistant imports).

Polled events (getevents) and pushed ones (the webhook) speak the same
types; both become ``Occurrence`` records here, and both change a camera
the same way (``Effects``): monitoring switched, connection lost or back,
memory card or power supply changed, and the latest thing it saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from ...model import CameraEvent, CameraState, EventType, PowerSupply, SdCard
from .payloads import POWER_STATUSES, SD_STATUSES, CloudEvent, Snapshot

#: Netatmo's event types (polled ``type``, pushed ``event_type``) -> neutral.
#: ``outdoor`` is an outdoor camera's event: its detections (``subevents``)
#: say what it saw; without any it is a movement.
EVENT_TYPES: Final[dict[str, EventType]] = {
    "animal": EventType.ANIMAL,
    "human": EventType.HUMAN,
    "vehicle": EventType.VEHICLE,
    "movement": EventType.MOVEMENT,
    "motion": EventType.MOVEMENT,  # the doc's word for it
    "outdoor": EventType.MOVEMENT,
    "person": EventType.PERSON,
    "person_away": EventType.PERSON_AWAY,
    "on": EventType.MONITORING_ON,
    "off": EventType.MONITORING_OFF,
    "connection": EventType.CONNECTED,
    "disconnection": EventType.DISCONNECTED,
    "boot": EventType.BOOTED,
    "sd": EventType.SD_CARD,
    "alim": EventType.POWER,
    "incoming_call": EventType.DOORBELL,
    "accepted_call": EventType.CALL_ANSWERED,
    "missed_call": EventType.CALL_MISSED,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Occurrence:
    """One thing a camera saw or went through (an event, or a detection in one)."""

    #: The event's id (a detection's own id): what tells a repeat.
    id: str
    type: EventType
    at: datetime
    camera_id: str
    message: str | None = None
    snapshot_url: str | None = None
    #: The persons a person event is about (ids).
    person_ids: tuple[str, ...] = ()
    #: An sd or alim event's new state (the sd_status/alim_status number).
    sub_type: int | None = None

    def camera_event(self) -> CameraEvent:
        """The camera's latest event, as the model holds it."""
        return CameraEvent(
            type=self.type,
            at=self.at,
            id=self.id,
            message=self.message,
            snapshot_url=self.snapshot_url,
        )

    def data(self, person_names: Callable[[str], str | None]) -> dict[str, str]:
        """What the event entity shows: message, picture, id (and who, if a person)."""
        data = {"event_id": self.id}
        if self.message:
            data["message"] = self.message
        if self.snapshot_url:
            data["snapshot_url"] = self.snapshot_url
        if self.person_ids:
            data["person"] = ", ".join(
                person_names(person) or person for person in self.person_ids
            )
        return data


type SnapshotUrl = Callable[[Snapshot | None, str], str | None]


def occurrences(event: CloudEvent, snapshot_url: SnapshotUrl) -> list[Occurrence]:
    """What a polled event tells, oldest first (unknown types: nothing).

    ``snapshot_url`` turns an event's picture into a URL for its camera.
    """
    camera = event.module_id
    if camera is None:
        return []
    if event.type == "outdoor" and event.subevents:
        found = [
            Occurrence(
                id=sub.id,
                type=EVENT_TYPES[sub.type],
                at=sub.time,
                camera_id=camera,
                message=sub.message or event.message,
                snapshot_url=snapshot_url(sub.snapshot, camera)
                or snapshot_url(event.snapshot, camera),
            )
            for sub in event.subevents
            if sub.type in EVENT_TYPES
        ]
        return sorted(found, key=lambda occurrence: occurrence.at)
    kind = EVENT_TYPES.get(event.type)
    if kind is None:
        return []
    return [
        Occurrence(
            id=event.id,
            type=kind,
            at=event.time,
            camera_id=camera,
            message=event.message,
            snapshot_url=snapshot_url(event.snapshot, camera),
            person_ids=(event.person_id,) if event.person_id else (),
            sub_type=event.sub_type,
        )
    ]


@dataclass(frozen=True, slots=True)
class Effects:
    """How an occurrence changes its camera (None: it does not say)."""

    monitoring: bool | None = None
    online: bool | None = None
    sd_card: SdCard | None = None
    power_supply: PowerSupply | None = None


def effects(occurrence: Occurrence) -> Effects:
    """What an occurrence says of its camera's state."""
    match occurrence.type:
        case EventType.MONITORING_ON:
            return Effects(monitoring=True)
        case EventType.MONITORING_OFF:
            return Effects(monitoring=False)
        case EventType.CONNECTED | EventType.BOOTED:
            return Effects(online=True)
        case EventType.DISCONNECTED:
            return Effects(online=False)
        case EventType.SD_CARD if occurrence.sub_type is not None:
            return Effects(sd_card=SD_STATUSES.get(occurrence.sub_type))
        case EventType.POWER if occurrence.sub_type is not None:
            return Effects(power_supply=POWER_STATUSES.get(occurrence.sub_type))
    return Effects()


def record(camera: CameraState, occurrence: Occurrence) -> None:
    """Make ``occurrence`` the camera's latest event (an older one changes nothing)."""
    latest = camera.last_event
    if latest is None or occurrence.at >= latest.at:
        camera.last_event = occurrence.camera_event()
    if occurrence.type is EventType.ANIMAL and (
        camera.last_animal is None or occurrence.at > camera.last_animal
    ):
        camera.last_animal = occurrence.at
