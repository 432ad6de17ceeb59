"""OneNata: its client, the parsing of its answers and its account (no Home Assistant imports).

``client`` speaks the API and parses its JSON, ``account`` maps that onto
the neutral model.
"""

from __future__ import annotations

from .account import (
    CAPABILITIES,
    OneNataAccount,
    apply_status,
    command_body,
    parse_location,
    parse_photo,
    parse_stream,
)
from .client import (
    DEFAULT_BASE_URL,
    DEVICE_TYPES,
    MANUFACTURER,
    MAX_IMAGE_BYTES,
    REQUEST_CAP,
    REQUEST_TIMEOUT,
    REQUEST_WINDOW,
    DeviceListing,
    OneNataClient,
    OneNataDevice,
    kind_from_type,
    parse_device_list,
)

__all__ = [
    "CAPABILITIES",
    "DEFAULT_BASE_URL",
    "DEVICE_TYPES",
    "MANUFACTURER",
    "MAX_IMAGE_BYTES",
    "REQUEST_CAP",
    "REQUEST_TIMEOUT",
    "REQUEST_WINDOW",
    "DeviceListing",
    "OneNataAccount",
    "OneNataClient",
    "OneNataDevice",
    "apply_status",
    "command_body",
    "kind_from_type",
    "parse_device_list",
    "parse_location",
    "parse_photo",
    "parse_stream",
]
