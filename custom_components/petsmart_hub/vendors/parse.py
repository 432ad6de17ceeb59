"""Forgiving converters for vendor JSON values.

Vendor clouds send numbers as strings, booleans as 0/1 and timestamps in more
than one format. A value of the wrong type becomes ``None`` (shown as unknown)
rather than failing the whole device; a response whose *structure* is wrong is
the caller's to reject with ``BadResponseError``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
import math
import re
from typing import Any

from ..model import Alert, drop_implausible

_LOGGER = logging.getLogger(__name__)

_MISSING = object()
#: A bare number of 9+ digits is an epoch (seconds or ms), not a basic ISO date.
_EPOCH = re.compile(r"-?\d{9,}(\.\d+)?")


def pick(data: Mapping[str, Any], *keys: str) -> Any:
    """Return the first of ``keys`` present in ``data`` (or ``_MISSING``)."""
    for key in keys:
        if key in data:
            return data[key]
    return _MISSING


def present(value: Any) -> bool:
    """Tell whether ``pick`` found something."""
    return value is not _MISSING


def to_float(value: Any) -> float | None:
    """Convert a number or numeric string; anything else is unknown.

    NaN and infinities (which ``json`` and ``float`` both accept) are unknown
    too: they are not readings, and ``round`` would fail on them.
    """
    if isinstance(value, bool) or value is None or value is _MISSING:
        return None
    number: float
    try:
        if isinstance(value, int | float):
            number = float(value)  # a 400-digit JSON integer overflows here
        elif isinstance(value, str):
            number = float(value.strip().rstrip("%"))
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def to_int(value: Any) -> int | None:
    """Convert an integer-like value; anything else is unknown."""
    number = to_float(value)
    return None if number is None else round(number)


def to_bool(value: Any) -> bool | None:
    """Convert true/false, 1/0 and their string forms; anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, float):
        return bool(value) if math.isfinite(value) else None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes", "on"}:
            return True
        if lowered in {"false", "0", "no", "off"}:
            return False
    return None


def to_str(value: Any) -> str | None:
    """Convert a scalar to a string; containers and null are unknown."""
    if value is None or value is _MISSING or isinstance(value, dict | list):
        return None
    return str(value)


def to_text(value: Any) -> str | None:
    """A name, model, version or word: a non-empty string, nothing else.

    Stricter than ``to_str``: a number or boolean where text belongs is a
    wrong type (``12345`` is not a device name) and becomes unknown, so it
    can never overwrite a name we know.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text or None


def to_datetime(value: Any) -> datetime | None:
    """Convert ISO 8601 (with ``Z`` or an offset) or epoch seconds/ms to UTC.

    Epochs may come as numbers or as digit strings; a naive ISO time is UTC.
    """
    if isinstance(value, bool) or value is None or value is _MISSING:
        return None
    if isinstance(value, str) and _EPOCH.fullmatch(value.strip()):
        value = float(value)
    if isinstance(value, int | float):
        try:
            seconds = value / 1000 if value > 10**11 else value
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        except (ValueError, OverflowError):  # garbage, or beyond year 1..9999
            return None
    return None


def to_str_list(value: Any) -> list[str]:
    """Convert a list of scalars (or of objects with a message) to strings."""
    if not isinstance(value, list):
        return []
    result: list[str] = []
    for item in value:
        if isinstance(item, dict):
            text = to_str(pick(item, "message", "msg", "type", "code", "name"))
        else:
            text = to_str(item)
        if text:
            result.append(text)
    return result


def to_alerts(value: Any) -> list[Alert]:
    """Convert an alert list: words, or objects with a type and a message.

    The object's keys vary by vendor and doc (``type``/``alertType``/``code``,
    ``message``/``msg``/``description``, a geofence's ``fenceName``/``zone``):
    every plausible one is read; an entry with neither type nor message is
    left out. A word alone is both its type and its message.
    """
    if not isinstance(value, list):
        return []
    result: list[Alert] = []
    for item in value:
        if isinstance(item, Mapping):
            kind = to_str(pick(item, "type", "alertType", "code", "name"))
            message = to_str(pick(item, "message", "msg", "description", "text"))
            zone = to_str(
                pick(item, "fenceName", "fence", "zoneName", "zone", "geofence")
            )
            if kind or message:
                result.append(
                    Alert(
                        type=(kind or "alert").strip(),
                        message=(message or kind or "").strip(),
                        zone=zone.strip() if zone else None,
                    )
                )
        elif text := to_text(item):  # (a bare number is no alert)
            result.append(Alert(type=text, message=text))
    return result


@dataclass(slots=True)
class ParseReport:
    """What parsing had to leave out, for diagnostics.

    ``skipped`` counts entries of a list that could not be read (a device
    list entry without an id or a type, a schedule without a start);
    ``rejected`` counts values that were sent but are not plausible readings
    (wrong type, NaN, out of range). Each kind is logged once, at debug.
    """

    skipped: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    _logged: set[str] = field(default_factory=set)

    def skip(self, what: str, why: str) -> None:
        """Count an unreadable entry of a list."""
        self.skipped[what] += 1
        self._log_once(f"skip {what}", "Skipping an unreadable %s: %s", what, why)

    def reject(self, name: str, value: Any) -> None:
        """Count a value that is not a plausible reading."""
        self.rejected[name] += 1
        self._log_once(
            f"reject {name}",
            "Ignoring %s = %.40r: not a plausible reading",
            name,
            value,
        )

    def drop_implausible(self, holder: object, prefix: str = "") -> None:
        """Drop (and count) every implausible reading of a mapped model object."""
        for name, value in drop_implausible(holder):
            self.reject(f"{prefix}{name}", value)

    def _log_once(self, key: str, message: str, *args: Any) -> None:
        if key not in self._logged:
            self._logged.add(key)
            _LOGGER.debug(message, *args)

    def as_dict(self) -> dict[str, dict[str, int]]:
        """The counters, for diagnostics."""
        return {
            "skipped_entries": dict(sorted(self.skipped.items())),
            "rejected_values": dict(sorted(self.rejected.items())),
        }
