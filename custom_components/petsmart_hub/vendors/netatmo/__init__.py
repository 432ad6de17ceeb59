"""Netatmo: its client, the parsing of its answers and its account (no Home Assistant imports).

``client`` speaks the API (OAuth2 bearer tokens, the envelope, the errors,
the hourly self-limit), ``payloads`` parses its answers, ``plan`` says when
each call is due, ``events`` and ``webhook`` read what the cameras tell, and
``account`` maps it all onto the neutral model.
"""

from __future__ import annotations

from ..base import VendorAccount
from ..descriptor import AccountContext, OAuth2Endpoints, Push, SignIn, VendorDescriptor
from .account import (
    CAMERA_ACTIONS,
    CAMERA_FEATURES,
    CAPABILITIES,
    HOME_ACTIONS,
    HOME_MODEL,
    SEEN_EVENTS,
    STREAM_RECHECK,
    NetatmoAccount,
)
from .client import (
    CALL_WINDOW,
    CAMERA_CAP,
    CAMERA_TIMEOUT,
    CAMERA_WINDOW,
    DEFAULT_BASE_URL,
    ERROR_DEVICE_NOT_FOUND,
    ERROR_INVALID_ARGUMENT,
    ERROR_INVALID_TOKEN,
    ERROR_SCOPE,
    ERROR_TOKEN_EXPIRED,
    ERROR_USAGE_REACHED,
    EVENTS_PAGE,
    HOURLY_CAP,
    LOCAL_PING_TIMEOUT,
    MANUFACTURER,
    MAX_IMAGE_BYTES,
    POLL_RESERVE,
    REQUEST_TIMEOUT,
    THROTTLE_BACKOFF,
    CallLimit,
    NetatmoClient,
    unwrap,
)
from .events import EVENT_TYPES, Occurrence
from .payloads import (
    CAMERA_MODELS,
    GATEWAY_TYPES,
    HOMECOACH_MODELS,
    STATION_MODELS,
    parse_events,
    parse_homesdata,
    parse_homestatus,
    parse_scenarios,
    parse_weather,
)
from .plan import (
    EVENTS_INTERVAL,
    RETRY_AFTER_FAILURE,
    STATUS_INTERVAL,
    TOPOLOGY_INTERVAL,
    WEATHER_INTERVAL,
    Call,
    PollPlan,
    calls_per_hour,
)
from .webhook import SIGNATURE_HEADER, signature, verify_signature

AUTHORIZE_URL = "https://api.netatmo.com/oauth2/authorize"
TOKEN_URL = "https://api.netatmo.com/oauth2/token"  # noqa: S105 - a URL, no secret
#: What the integration asks the user to grant: cameras, doorbells, weather
#: stations and home coaches, read and (cameras) switch.
SCOPES = (
    "read_camera",
    "write_camera",
    "access_camera",
    "read_presence",
    "write_presence",
    "access_presence",
    "read_doorbell",
    "access_doorbell",
    "read_station",
    "read_homecoach",
)


def _open(context: AccountContext) -> VendorAccount:
    if context.token is None:
        raise ValueError("Netatmo signs in with OAuth2: the account needs a token")
    return NetatmoAccount(
        NetatmoClient(
            context.session, context.token, context.base_url or DEFAULT_BASE_URL
        ),
        client_secret=context.client_secret,
    )


DESCRIPTOR = VendorDescriptor(
    key="netatmo",
    title="Netatmo",
    sign_in=SignIn.OAUTH2,
    default_url=DEFAULT_BASE_URL,
    factory=_open,
    oauth2=OAuth2Endpoints(
        authorize_url=AUTHORIZE_URL,
        token_url=TOKEN_URL,
        scopes=SCOPES,
        apps_url="https://dev.netatmo.com/apps/",
    ),
    push=Push.WEBHOOK,
    # the plan wakes the coordinator itself; this is only its fallback
    push_safety_net=STATUS_INTERVAL,
    capabilities=frozenset(CAPABILITIES),
)

__all__ = [
    "AUTHORIZE_URL",
    "CALL_WINDOW",
    "CAMERA_ACTIONS",
    "CAMERA_CAP",
    "CAMERA_FEATURES",
    "CAMERA_MODELS",
    "CAMERA_TIMEOUT",
    "CAMERA_WINDOW",
    "CAPABILITIES",
    "DEFAULT_BASE_URL",
    "DESCRIPTOR",
    "ERROR_DEVICE_NOT_FOUND",
    "ERROR_INVALID_ARGUMENT",
    "ERROR_INVALID_TOKEN",
    "ERROR_SCOPE",
    "ERROR_TOKEN_EXPIRED",
    "ERROR_USAGE_REACHED",
    "EVENTS_INTERVAL",
    "EVENTS_PAGE",
    "EVENT_TYPES",
    "GATEWAY_TYPES",
    "HOMECOACH_MODELS",
    "HOME_ACTIONS",
    "HOME_MODEL",
    "HOURLY_CAP",
    "LOCAL_PING_TIMEOUT",
    "MANUFACTURER",
    "MAX_IMAGE_BYTES",
    "POLL_RESERVE",
    "REQUEST_TIMEOUT",
    "RETRY_AFTER_FAILURE",
    "SCOPES",
    "SEEN_EVENTS",
    "SIGNATURE_HEADER",
    "STATION_MODELS",
    "STATUS_INTERVAL",
    "STREAM_RECHECK",
    "THROTTLE_BACKOFF",
    "TOKEN_URL",
    "TOPOLOGY_INTERVAL",
    "WEATHER_INTERVAL",
    "Call",
    "CallLimit",
    "NetatmoAccount",
    "NetatmoClient",
    "Occurrence",
    "PollPlan",
    "calls_per_hour",
    "parse_events",
    "parse_homesdata",
    "parse_homestatus",
    "parse_scenarios",
    "parse_weather",
    "signature",
    "unwrap",
    "verify_signature",
]
