"""Instathings: its client, the parsing of its answers, its sockets and its account.

``client`` speaks the REST API (the client-credentials JWT, the errors),
``payloads`` parses its answers and maps a device's free-form data onto the
model, ``socket`` reads the cloud's socket and a gateway's socket.io,
``messages`` turns what they tell into device updates, and ``account``
puts it together. The user gives a project's URL
(``https://<project>.instathings.io``) or a gateway's (on premise). No Home
Assistant imports here.
"""

from __future__ import annotations

from datetime import timedelta

from ..base import VendorAccount
from ..descriptor import AccountContext, Push, SignIn, VendorDescriptor
from .account import (
    CAPABILITIES,
    MAX_BRIGHTNESS,
    RELAY_HEADERS,
    STATUS_BACKOFF,
    STATUS_HEADERS,
    TYPES_INTERVAL,
    TYPES_RETRY,
    InstathingsAccount,
    light_body,
)
from .client import (
    CONTROL_PATH,
    DEVICES_PATH,
    METHOD_HEADER,
    PATH_HEADER,
    PROTOCOLS_PATH,
    REQUEST_CAP,
    REQUEST_TIMEOUT,
    REQUEST_WINDOW,
    THROTTLE_BACKOFF,
    TOKEN_MARGIN,
    TOKEN_PATH,
    TYPES_PATH,
    InstathingsClient,
    StatusTicket,
    Token,
    host_port,
    jwt_expiry,
    parse_token,
    project_name,
)
from .messages import ACTIONS, MALFORMED, UNKNOWN_DEVICE, UNKNOWN_EVENT
from .payloads import (
    DATA_PAGE,
    MANUFACTURER,
    MAX_TEXT,
    MAX_VALUES,
    map_data,
    parse_listing,
    parse_records,
    parse_types,
)
from .socket import (
    AUTH_CLOSE_CODES,
    BAD_FRAME,
    CLOUD_SOCKET_URL,
    CONNECT_TIMEOUT,
    NOT_JSON,
    SOCKET_HEARTBEAT,
    SOCKET_TOKEN_LIFE,
    SOCKETIO_PATH,
    CloudSocket,
    SocketIoSocket,
    cloud_socket_url,
    socketio_url,
)


def _open(context: AccountContext) -> VendorAccount:
    if not context.base_url:
        raise ValueError("Instathings needs the project's (or gateway's) URL")
    return InstathingsAccount(
        InstathingsClient(
            context.session,
            context.base_url,
            context.credentials["client_id"],
            context.credentials["client_secret"],
        )
    )


DESCRIPTOR = VendorDescriptor(
    key="instathings",
    title="Instathings",
    sign_in=SignIn.CLIENT_CREDENTIALS,
    default_url=None,
    url_asked=True,
    factory=_open,
    push=Push.SOCKET,
    push_safety_net=timedelta(minutes=15),
    capabilities=CAPABILITIES,
)

__all__ = [
    "ACTIONS",
    "AUTH_CLOSE_CODES",
    "BAD_FRAME",
    "CAPABILITIES",
    "CLOUD_SOCKET_URL",
    "CONNECT_TIMEOUT",
    "CONTROL_PATH",
    "DATA_PAGE",
    "DESCRIPTOR",
    "DEVICES_PATH",
    "MALFORMED",
    "MANUFACTURER",
    "MAX_BRIGHTNESS",
    "MAX_TEXT",
    "MAX_VALUES",
    "METHOD_HEADER",
    "NOT_JSON",
    "PATH_HEADER",
    "PROTOCOLS_PATH",
    "RELAY_HEADERS",
    "REQUEST_CAP",
    "REQUEST_TIMEOUT",
    "REQUEST_WINDOW",
    "SOCKETIO_PATH",
    "SOCKET_HEARTBEAT",
    "SOCKET_TOKEN_LIFE",
    "STATUS_BACKOFF",
    "STATUS_HEADERS",
    "THROTTLE_BACKOFF",
    "TOKEN_MARGIN",
    "TOKEN_PATH",
    "TYPES_INTERVAL",
    "TYPES_PATH",
    "TYPES_RETRY",
    "UNKNOWN_DEVICE",
    "UNKNOWN_EVENT",
    "CloudSocket",
    "InstathingsAccount",
    "InstathingsClient",
    "SocketIoSocket",
    "StatusTicket",
    "Token",
    "cloud_socket_url",
    "host_port",
    "jwt_expiry",
    "light_body",
    "map_data",
    "parse_listing",
    "parse_records",
    "parse_token",
    "parse_types",
    "project_name",
    "socketio_url",
]
