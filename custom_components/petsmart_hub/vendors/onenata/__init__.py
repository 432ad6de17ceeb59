"""OneNata: its client, the parsing of its answers and its account (no Home Assistant imports).

``client`` speaks the API and parses its JSON, ``account`` maps that onto
the neutral model.
"""

from __future__ import annotations

from ..base import VendorAccount
from ..descriptor import AccountContext, Push, SignIn, VendorDescriptor, option
from .account import (
    CAPABILITIES,
    SLOW_TIER_INTERVAL,
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


def _open(context: AccountContext) -> VendorAccount:
    return OneNataAccount(
        OneNataClient(
            context.session,
            context.credentials["api_key"],
            context.base_url or DEFAULT_BASE_URL,
        )
    )


DESCRIPTOR = VendorDescriptor(
    key="onenata",
    title="OneNata",
    sign_in=SignIn.API_KEY,
    default_url=DEFAULT_BASE_URL,
    factory=_open,
    options=(
        option("feed_amount"),
        option("pump_duration"),
        option("play_duration"),
        option("missed_meal_grace"),
    ),
    # what its device types can do, from the API doc (each device says its own)
    capabilities=frozenset().union(
        *(actions | features for actions, features in CAPABILITIES.values())
    ),
    push=Push.WEBHOOK,
)

__all__ = [
    "CAPABILITIES",
    "DEFAULT_BASE_URL",
    "DESCRIPTOR",
    "DEVICE_TYPES",
    "MANUFACTURER",
    "MAX_IMAGE_BYTES",
    "REQUEST_CAP",
    "REQUEST_TIMEOUT",
    "REQUEST_WINDOW",
    "SLOW_TIER_INTERVAL",
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
