"""Ninja Blocks: its client, the parsing of its answers and its account.

``client`` speaks the REST API (the access token as a query parameter, the
``result``/``error`` envelope, the errors), ``payloads`` parses its answers
and maps each device's ``DA`` onto the model by its ``device_type``, and
``account`` puts it together: the listing-or-heartbeat plan, the commands,
the per-device callbacks (push), snapshots and history. See
``docs/ninjablocks-wire.md``. No Home Assistant imports here.
"""

from __future__ import annotations

from datetime import timedelta

from ..base import VendorAccount
from ..descriptor import OPT_TAKE_OVER, AccountContext, Push, SignIn, VendorDescriptor
from .account import (
    CAPABILITIES,
    LISTING_INTERVAL,
    POLL_INTERVAL,
    WHITE,
    NinjaBlocksAccount,
    account_id_of,
    light_da,
)
from .client import (
    DEFAULT_BASE_URL,
    DEVICES_PATH,
    MAX_SNAPSHOT_BYTES,
    REDACTED,
    REQUEST_CAP,
    REQUEST_TIMEOUT,
    REQUEST_WINDOW,
    THROTTLE_BACKOFF,
    TOKEN_PARAM,
    CallbackExistsError,
    NinjaBlocksClient,
    stream_base,
)
from .payloads import (
    BLACK,
    BLOCK_MODEL,
    CODE_KEY,
    GUID_PATTERN,
    IMPLAUSIBLE,
    LAST_CODE,
    MALFORMED,
    MANUFACTURER,
    RF_MODEL,
    SUBDEVICE_SEPARATOR,
    UNKNOWN_DEVICE,
    WEBHOOK_MODEL,
    parse_history,
    parse_listing,
    parse_push,
    parse_rgb,
    rgb_hex,
    split_subdevice_id,
    subdevice_id,
    truthy,
)


def _open(context: AccountContext) -> VendorAccount:
    return NinjaBlocksAccount(
        NinjaBlocksClient(
            context.session,
            context.base_url or DEFAULT_BASE_URL,
            context.credentials["access_token"],
        ),
        take_over=bool(context.options.get(OPT_TAKE_OVER, False)),
    )


DESCRIPTOR = VendorDescriptor(
    key="ninjablocks",
    title="Ninja Blocks",
    sign_in=SignIn.ACCESS_TOKEN,
    default_url=DEFAULT_BASE_URL,
    factory=_open,
    push=Push.WEBHOOK,
    push_safety_net=timedelta(minutes=15),
    push_takeover=True,
    capabilities=CAPABILITIES,
)

__all__ = [
    "BLACK",
    "BLOCK_MODEL",
    "CAPABILITIES",
    "CODE_KEY",
    "DEFAULT_BASE_URL",
    "DESCRIPTOR",
    "DEVICES_PATH",
    "GUID_PATTERN",
    "IMPLAUSIBLE",
    "LAST_CODE",
    "LISTING_INTERVAL",
    "MALFORMED",
    "MANUFACTURER",
    "MAX_SNAPSHOT_BYTES",
    "POLL_INTERVAL",
    "REDACTED",
    "REQUEST_CAP",
    "REQUEST_TIMEOUT",
    "REQUEST_WINDOW",
    "RF_MODEL",
    "SUBDEVICE_SEPARATOR",
    "THROTTLE_BACKOFF",
    "TOKEN_PARAM",
    "UNKNOWN_DEVICE",
    "WEBHOOK_MODEL",
    "WHITE",
    "CallbackExistsError",
    "NinjaBlocksAccount",
    "NinjaBlocksClient",
    "account_id_of",
    "light_da",
    "parse_history",
    "parse_listing",
    "parse_push",
    "parse_rgb",
    "rgb_hex",
    "split_subdevice_id",
    "stream_base",
    "subdevice_id",
    "truthy",
]
