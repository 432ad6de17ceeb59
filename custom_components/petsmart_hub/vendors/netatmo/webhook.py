"""Netatmo's webhook deliveries: their signature and their content (no Home Assistant imports).

After ``addwebhook`` the cloud POSTs JSON to our URL, signed in the
``X-Netatmo-secret`` header: the hex HMAC-SHA256 of the raw body, keyed with
the app's client secret. The first delivery is ``push_type:
webhook_activation``; the others are camera events, e.g. ``{"event_type":
"animal", "push_type": "NOC-animal", "home_id", "camera_id", "device_id",
"event_id", "subevent_id", "snapshot_url", "vignette_url", "message",
"time"}``, a person event with ``persons[]`` (``id``, ``is_known``...), an
sd or alim event with ``sub_type``. Read as well: an event named only by its
``push_type`` (``NACamera-movement``), the camera as ``module_id``, a
picture as ``snapshot_id`` + ``snapshot_key``, one person as ``person_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import hashlib
import hmac
import logging
from typing import Any, Final

from ...model import plausible_moment
from ..base import PushRejectedError
from ..parse import ParseReport, pick, to_datetime, to_int, to_str, to_text
from .events import EVENT_TYPES
from .payloads import Snapshot, clean_message

_LOGGER = logging.getLogger(__name__)

SIGNATURE_HEADER: Final = "X-Netatmo-secret"
ACTIVATION: Final = "webhook_activation"
#: Why a delivery was refused (``PushRejectedError.reason``).
BAD_SIGNATURE: Final = "bad_signature"
MALFORMED: Final = "malformed"
UNKNOWN_EVENT: Final = "unknown_event"
UNKNOWN_DEVICE: Final = "unknown_device"


def signature(secret: str, body: bytes) -> str:
    """The signature Netatmo sends with ``body``: hex HMAC-SHA256 keyed with the secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str | None, body: bytes, headers: Mapping[str, str]
) -> None:
    """Refuse a delivery whose signature is missing or wrong (or cannot be checked).

    The header's name is matched whatever its case; without the app's
    client secret nothing can be checked, so nothing is trusted.
    """
    if not secret:
        _LOGGER.debug("Refusing a webhook call: no client secret to check it with")
        raise PushRejectedError(BAD_SIGNATURE)
    wanted = SIGNATURE_HEADER.lower()
    given = next(
        (value for name, value in headers.items() if name.lower() == wanted), None
    )
    if not given or not hmac.compare_digest(
        signature(secret, body).encode(), given.strip().lower().encode()
    ):
        raise PushRejectedError(BAD_SIGNATURE)


@dataclass(frozen=True, kw_only=True, slots=True)
class PushedEvent:
    """A camera event as the webhook delivered it."""

    #: Netatmo's type (a key of ``EVENT_TYPES``).
    type: str
    camera_id: str
    home_id: str | None
    #: The event's id, or the detection's (``subevent_id``): what tells a repeat.
    id: str
    at: datetime | None
    message: str | None = None
    snapshot: Snapshot | None = None
    person_ids: tuple[str, ...] = ()
    sub_type: int | None = None


def _event_type(payload: Mapping[str, Any]) -> str:
    """The event's type, from ``event_type`` or the tail of ``push_type``."""
    kind = to_text(payload.get("event_type"))
    if kind is None:
        push_type = to_text(payload.get("push_type"))
        if push_type is None:
            raise PushRejectedError(MALFORMED)
        kind = push_type.rsplit("-", 1)[-1]
    return kind.lower()


def _persons(payload: Mapping[str, Any]) -> tuple[str, ...]:
    raw = payload.get("persons")
    persons = [
        pid
        for person in (raw if isinstance(raw, list) else [])
        if isinstance(person, Mapping) and (pid := to_str(person.get("id")))
    ]
    if not persons and (pid := to_str(payload.get("person_id"))):
        persons.append(pid)
    return tuple(persons)


def _snapshot(payload: Mapping[str, Any]) -> Snapshot | None:
    url = to_text(pick(payload, "snapshot_url", "vignette_url"))
    if url:
        return Snapshot(url=url)
    image_id = to_text(payload.get("snapshot_id"))
    key = to_text(payload.get("snapshot_key"))
    return Snapshot(id=image_id, key=key) if image_id and key else None


def parse_push(payload: Any, report: ParseReport) -> PushedEvent | None:
    """One delivery: its camera event, or None for the activation call.

    Raises PushRejectedError: ``malformed`` (not an object, no type, no
    camera), ``unknown_event`` (a type we do not map).
    """
    if not isinstance(payload, Mapping):
        raise PushRejectedError(MALFORMED)
    if ACTIVATION in (payload.get("push_type"), payload.get("event_type")):
        return None
    kind = _event_type(payload)
    if kind not in EVENT_TYPES:
        raise PushRejectedError(UNKNOWN_EVENT)
    camera = to_str(pick(payload, "camera_id", "device_id", "module_id"))
    if not camera or not camera.strip():
        raise PushRejectedError(MALFORMED)
    at = to_datetime(pick(payload, "time", "timestamp"))
    if at is not None and not plausible_moment(at):
        report.reject("webhook.time", payload.get("time"))
        at = None
    event_id = to_str(pick(payload, "subevent_id", "event_id", "id"))
    return PushedEvent(
        type=kind,
        camera_id=camera.strip(),
        home_id=to_str(payload.get("home_id")),
        id=event_id or f"{kind}:{camera.strip()}:{at.timestamp() if at else ''}",
        at=at,
        message=clean_message(payload.get("message")),
        snapshot=_snapshot(payload),
        person_ids=_persons(payload),
        sub_type=to_int(payload.get("sub_type")),
    )
