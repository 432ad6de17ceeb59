"""Netatmo security events: what cameras record, and how the API and webhooks show it.

An event belongs to a home and a device. The kinds each device type raises:

- NACamera: movement, person (a known face: the person is seen), person_away
  (the person left), animal;
- NOC: outdoor, which carries its detections as subevents (human, animal,
  vehicle); raising "human", "animal" or "vehicle" on an NOC makes an outdoor
  event with that one detection, as the real camera reports them;
- NDB: incoming_call, accepted_call, missed_call;
- every camera: on, off (monitoring; not the doorbell), connection,
  disconnection, boot, sd, alim.

getevents lists events newest first; webhooks send one message per event, and
one per detection for an NOC's outdoor event (push_type "NOC-human" ...), the
way Netatmo pushes them. Snapshots are served by the simulator: as a URL, or
(older answers) as an id and key to fetch through getcamerapicture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import uuid

from .homes import (
    JSON,
    NACAMERA,
    NDB,
    NOC,
    Image,
    SimHome,
    SimModule,
    World,
    digest,
    object_id,
    stamp,
)

COMMON_TYPES = ("on", "off", "connection", "disconnection", "boot", "sd", "alim")
DETECTIONS = ("human", "animal", "vehicle")
CALL_TYPES = ("incoming_call", "accepted_call", "missed_call")
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    NACAMERA: ("movement", "person", "person_away", "animal", *COMMON_TYPES),
    NOC: ("outdoor", *DETECTIONS, *COMMON_TYPES),
    NDB: (*CALL_TYPES, *(kind for kind in COMMON_TYPES if kind not in ("on", "off"))),
}
PERSON_TYPES = ("person", "person_away")
SNAPSHOT_TYPES = frozenset({"movement", "person", "animal", *CALL_TYPES})
VIDEO_TYPES = SNAPSHOT_TYPES | {"outdoor"}
DETECTION_WORDS = {"human": "Person", "animal": "Animal", "vehicle": "Vehicle"}
SUBEVENT_SPACING = timedelta(seconds=3)  # between an outdoor event's detections

SNAPSHOT_SHAPES = ("url", "id_key")
EVENTS_SHAPES = ("real", "doc", "motion")


@dataclass
class SubEvent:
    """One detection of an NOC's outdoor event."""

    subevent_id: str
    type: str
    time: datetime
    offset: int
    snapshot: Image
    vignette: Image
    message: str


@dataclass
class SimEvent:
    """An event of a home's device."""

    event_id: str
    home_id: str
    module_id: str
    type: str
    time: datetime
    message: str | None
    snapshot: Image | None = None
    person_id: str | None = None
    video_id: str | None = None
    subevents: list[SubEvent] = field(default_factory=list)
    sub_type: int | None = None  # sd and alim events: the new status code

    @property
    def images(self) -> list[Image]:
        """Every picture of the event (the first is its main snapshot)."""
        images = [self.snapshot] if self.snapshot is not None else []
        for sub in self.subevents:
            images += [sub.snapshot, sub.vignette]
        return images


def _message(kind: str, module: SimModule, pseudo: str | None) -> str:
    """The message Netatmo writes for an event of `kind`."""
    name = module.name
    return {
        "movement": f"Motion detected by {name}",
        "person": f"<b>{pseudo}</b> seen by {name}",
        "person_away": f"<b>{pseudo}</b> has left",
        "animal": f"<b>Animal</b> seen by {name}",
        "incoming_call": f"Someone rang at {name}",
        "accepted_call": f"Call answered at {name}",
        "missed_call": f"Missed call at {name}",
        "on": f"{name} is on",
        "off": f"{name} is off",
        "connection": f"{name} connected",
        "disconnection": f"{name} disconnected",
        "boot": f"{name} started",
        "sd": f"{name}: SD card status changed",
        "alim": f"{name}: power supply status changed",
    }[kind]


def _uuid(world: World, *salt: object) -> str:
    """A stable UUID for a video or subevent."""
    return str(uuid.UUID(digest(world.seed, *salt)[:32]))


def build_event(
    world: World,
    home: SimHome,
    module: SimModule,
    kind: str,
    when: datetime,
    *,
    person_id: str | None = None,
    detections: tuple[str, ...] | None = None,
    message: str | None = None,
) -> SimEvent:
    """Make an event of `kind` (see the module doc); ValueError if it can not be."""
    allowed = EVENT_TYPES.get(module.type, ())
    if kind not in allowed:
        raise ValueError(
            f"A {module.type} raises none of {kind!r}; it raises {', '.join(allowed)}"
        )
    if module.type == NOC and kind in DETECTIONS:
        kind, detections = "outdoor", (kind,)
    serial = world.next_serial()
    when = when.replace(microsecond=0)
    event = SimEvent(
        object_id("5f3e", world.seed, serial),
        home.home_id,
        module.module_id,
        kind,
        when,
        message,
    )
    pseudo = None
    if kind in PERSON_TYPES:
        person_id = person_id or next(iter(home.persons), None)
        if person_id not in home.persons:
            raise ValueError(f"{home.name} knows no person {person_id!r}")
        event.person_id = person_id
        pseudo = home.persons[person_id].pseudo
    if kind == "outdoor":
        found = detections or ("animal",)
        if unknown := set(found) - set(DETECTIONS):
            raise ValueError(f"Unknown detections: {', '.join(sorted(unknown))}")
        event.subevents = [
            SubEvent(
                _uuid(world, "subevent", serial, index),
                detection,
                when + index * SUBEVENT_SPACING,
                index * int(SUBEVENT_SPACING.total_seconds()),
                world.new_image(),
                world.new_image(),
                f"{DETECTION_WORDS[detection]} seen by {module.name}",
            )
            for index, detection in enumerate(found)
        ]
    elif message is None:
        event.message = _message(kind, module, pseudo)
    if kind in SNAPSHOT_TYPES:
        event.snapshot = world.new_image()
    if kind in VIDEO_TYPES:
        event.video_id = _uuid(world, "video", serial)
    if kind == "sd":
        event.sub_type = module.sd_status
    elif kind == "alim":
        event.sub_type = module.alim_status
    return event


# --- how getevents shows an event -----------------------------------------------------


def image_url(base_url: str, image: Image) -> str:
    """Where the simulator serves a picture."""
    return f"{base_url}/images/{image.image_id}"


def image_ref(image: Image, base_url: str, shape: str) -> JSON:
    """A snapshot or vignette object: {"url"} or (older answers) {"id", "key"}."""
    if shape == "id_key":
        return {"id": image.image_id, "key": image.key}
    return {"url": image_url(base_url, image)}


def event_json(
    event: SimEvent, home: SimHome, base_url: str, shape: str, snapshot: str
) -> JSON:
    """One event of getevents, in the real shape or a doc variant.

    "real": id, type, time, module_id... as the API answers today. "doc": the
    doc's keys, event_id, event_type, timestamp, device_id and camera_id (and
    home_id). "motion": the doc's other snippet, type with "motion" for
    movement and timestamp for time.
    """
    data: JSON = {
        "id": event.event_id,
        "type": event.type,
        "time": stamp(event.time),
        "module_id": event.module_id,
    }
    if event.message is not None:
        data["message"] = event.message
    if event.snapshot is not None:
        data["snapshot"] = image_ref(event.snapshot, base_url, snapshot)
    if event.person_id is not None:
        data["person_id"] = event.person_id
        data["out_of_sight"] = event.type == "person_away"
    if event.video_id is not None:
        data["video_id"] = event.video_id
        data["video_status"] = "available"
    if event.sub_type is not None:
        data["sub_type"] = event.sub_type
    if event.subevents:
        data["subevents"] = [
            {
                "id": sub.subevent_id,
                "type": sub.type,
                "time": stamp(sub.time),
                "verified": True,
                "offset": sub.offset,
                "snapshot": image_ref(sub.snapshot, base_url, snapshot),
                "vignette": image_ref(sub.vignette, base_url, snapshot),
                "message": sub.message,
            }
            for sub in event.subevents
        ]
    if shape == "doc":
        renamed = {
            "event_id": data.pop("id"),
            "event_type": data.pop("type"),
            "timestamp": data.pop("time"),
            "device_id": event.module_id,
            "camera_id": data.pop("module_id"),
            "home_id": home.home_id,
            "home_name": home.name,
        }
        return renamed | data
    if shape == "motion":
        if data["type"] == "movement":
            data["type"] = "motion"
        data["timestamp"] = data.pop("time")
    return data


# --- webhooks ----------------------------------------------------------------------


def _user(world: World) -> JSON:
    """The user fields every webhook message starts with."""
    return {
        "user_id": world.user_id,
        "user": {"id": world.user_id, "email": world.email},
    }


def activation_payload(world: World) -> JSON:
    """The message Netatmo sends a webhook as soon as it is added."""
    return {**_user(world), "push_type": "webhook_activation"}


def _picture_fields(name: str, image: Image, base_url: str, shape: str) -> JSON:
    """snapshot_url (or snapshot_id and snapshot_key) for a webhook message."""
    if shape == "id_key":
        return {f"{name}_id": image.image_id, f"{name}_key": image.key}
    return {f"{name}_url": image_url(base_url, image)}


def webhook_payloads(
    world: World,
    home: SimHome,
    module: SimModule,
    event: SimEvent,
    base_url: str,
    snapshot: str,
) -> list[JSON]:
    """The webhook messages of one event (an outdoor event: one per detection)."""
    common: JSON = {
        **_user(world),
        "home_id": home.home_id,
        "home_name": home.name,
        "camera_id": module.module_id,
        "device_id": module.module_id,
        "event_id": event.event_id,
    }
    if event.subevents:
        return [
            {
                **common,
                "event_type": sub.type,
                "push_type": f"{module.type}-{sub.type}",
                "subevent_id": sub.subevent_id,
                **_picture_fields("snapshot", sub.snapshot, base_url, snapshot),
                **_picture_fields("vignette", sub.vignette, base_url, snapshot),
                "message": sub.message,
                "time": stamp(sub.time),
            }
            for sub in event.subevents
        ]
    payload: JSON = {
        **common,
        "event_type": event.type,
        "push_type": f"{module.type}-{event.type}",
        "message": event.message,
        "time": stamp(event.time),
    }
    if event.snapshot is not None:
        payload |= _picture_fields("snapshot", event.snapshot, base_url, snapshot)
    if event.person_id is not None:
        person = home.persons[event.person_id]
        payload["persons"] = [
            {
                "id": person.person_id,
                "face_id": person.face.image_id,
                "face_key": person.face.key,
                "is_known": True,
                "face_url": image_url(base_url, person.face),
            }
        ]
    if event.sub_type is not None:
        payload["sub_type"] = event.sub_type
    return [payload]
