"""Instathings' push sockets: the cloud's JSON frames, and a gateway's socket.io.

The cloud's socket is ``wss://wss.instathings.io/?project=&access_token=``
(a cloud-compatible server elsewhere serves it at its own origin root):
each text frame is one JSON message. It closes with 4001 (or 1008) when the
token is wrong or ended: the token is renewed and the socket opened again
once; refused again, that is an AuthError.

A gateway's socket (on premise) is socket.io over Engine.IO v3 at
``/socket.io/?EIO=3&transport=websocket``: ``0{...}`` opens (its
``pingInterval``), ``40`` joins, the client pings ``2`` every interval and
the server answers ``3``; ``42["<event>", {...}]`` is an event, ``41`` or
``1`` the end. Its ``data`` and ``status`` events are handed over as
``{"action": <event>, "payload": <object>}``; ``data_<id>``,
``status_<id>`` and ``<deviceId>`` repeat them and are skipped.

Either way a stalled server is found by the websocket's own heartbeat
(``SOCKET_HEARTBEAT``). No Home Assistant imports here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
import json
import logging
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from yarl import URL

from ..base import AuthError, CannotConnectError, PushRejectedError, PushSocket
from .client import InstathingsClient, project_name
from .messages import ACTIONS, DATA, STATUS

_LOGGER = logging.getLogger(__name__)

#: Seconds between the websocket's pings (a missing pong ends the socket).
SOCKET_HEARTBEAT: Final = 30.0
#: The least a token must still be good for when a socket opens with it
#: (else it is renewed first).
SOCKET_TOKEN_LIFE: Final = timedelta(minutes=1)
#: Seconds the websocket's handshake may take.
CONNECT_TIMEOUT: Final = 20.0
CLOUD_SOCKET_URL: Final = "wss://wss.instathings.io/"
SOCKETIO_PATH: Final = "/socket.io/?EIO=3&transport=websocket"
#: Close codes that say the token was refused.
AUTH_CLOSE_CODES: Final = frozenset({4001, 1008})
#: The Engine.IO ping interval when the server does not say (its default).
DEFAULT_PING_INTERVAL: Final = 25.0
#: Why a frame was refused (``PushRejectedError.reason``).
NOT_JSON: Final = "not_json"
BAD_FRAME: Final = "bad_frame"
#: socket.io events handed over: data and status (the others repeat them),
#: and the cloud's actions, should a gateway send them too.
SOCKETIO_EVENTS: Final = frozenset({DATA, STATUS}) | ACTIONS
_CLOSED: Final = frozenset(
    {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED}
)


def cloud_socket_url(base_url: str) -> str:
    """The cloud's socket for a project URL (its own origin's root elsewhere)."""
    if project_name(base_url):
        return CLOUD_SOCKET_URL
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme in ("https", "wss") else "ws"
    return urlunsplit((scheme, parts.netloc, "/", "", ""))


def socketio_url(base_url: str) -> str:
    """A gateway's socket.io endpoint."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme in ("https", "wss") else "ws"
    return f"{urlunsplit((scheme, parts.netloc, '', '', ''))}{SOCKETIO_PATH}"


class _HandshakeRefusedError(Exception):
    """The server refused the websocket's handshake (401, 403)."""


async def _connect(
    session: aiohttp.ClientSession, url: str | URL
) -> aiohttp.ClientWebSocketResponse:
    """Open a websocket; a refused handshake and every failure typed."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await session.ws_connect(url, heartbeat=SOCKET_HEARTBEAT)
    except aiohttp.WSServerHandshakeError as err:
        if err.status in (401, 403):
            raise _HandshakeRefusedError from err
        raise CannotConnectError(
            f"the socket's handshake failed: HTTP {err.status}"
        ) from err
    except TimeoutError as err:
        raise CannotConnectError("the socket's handshake timed out") from err
    except aiohttp.ClientError as err:
        raise CannotConnectError(f"the socket failed: {type(err).__name__}") from err


async def _close(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Close a websocket, and stop its heartbeat for good.

    aiohttp (3.12 and later) arms the heartbeat again when the server's
    close frame arrives after we closed, leaving a timer that would ping a
    closed socket: it is cancelled here (a private method, looked up with
    care; an aiohttp without it leaves nothing behind).
    """
    await ws.close()
    cancel = getattr(ws, "_cancel_heartbeat", None)
    if callable(cancel):  # pragma: no branch - every aiohttp we support has it
        cancel()


@dataclass(frozen=True, slots=True)
class _Closed:
    """The socket closed (with this close code, where it had one)."""

    code: int | None = None


class _Socket(PushSocket):
    """A websocket read frame by frame."""

    def __init__(self) -> None:
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._closed = False

    async def _frame(self) -> str | _Closed:
        """The next text frame, or how the socket ended.

        Pings and pongs are aiohttp's own (it answers them); a binary frame
        is a bad frame (the socket stays open); a failed socket (a missing
        pong among them) is a CannotConnectError.
        """
        ws = self._ws
        if self._closed or ws is None:
            return _Closed()
        message = await ws.receive()
        if message.type is aiohttp.WSMsgType.TEXT:
            return str(message.data)
        if message.type is aiohttp.WSMsgType.BINARY:
            raise PushRejectedError(BAD_FRAME)
        await _close(ws)  # its heartbeat ends with it
        if message.type is aiohttp.WSMsgType.ERROR:
            raise CannotConnectError(f"the socket failed: {message.data!r}")
        if message.type is aiohttp.WSMsgType.CLOSE and isinstance(message.data, int):
            return _Closed(message.data)
        return _Closed(ws.close_code)

    async def close(self) -> None:
        """Close the socket (nothing more is received)."""
        self._closed = True
        if self._ws is not None:
            await _close(self._ws)


class CloudSocket(_Socket):
    """The cloud's socket: one JSON message a text frame."""

    def __init__(self, client: InstathingsClient, project: str | None) -> None:
        """Open with ``client``'s token, for ``project``."""
        super().__init__()
        self._client = client
        self._project = project
        self._token: str | None = None
        #: The socket was opened again after a refused token and has not
        #: brought a message since: refused again, the token is no good.
        self._reopened = False

    def url(self, token: str | None) -> URL:
        """The socket's URL with the project and the token."""
        query = {"project": self._project or ""}
        if token is not None:
            query["access_token"] = token
        return URL(cloud_socket_url(self._client.base_url)).with_query(query)

    async def open(self) -> None:
        """Connect; a refused handshake renews the token once."""
        for attempt in range(2):
            token = await self._client.async_token(valid_for=SOCKET_TOKEN_LIFE)
            try:
                self._ws = await _connect(self._client.session, self.url(token))
            except _HandshakeRefusedError as err:
                if attempt:
                    raise AuthError(
                        "the socket refused the token after a renewal"
                    ) from err
                _LOGGER.debug("The socket refused the token; renewing it")
                await self._client.async_renew(token)
                continue
            self._token = token
            self.renew_at = self._client.renew_at
            return

    async def receive(self) -> Any:
        """The next message (None: closed); see ``PushSocket.receive``."""
        while True:
            frame = await self._frame()
            if isinstance(frame, str):
                self._reopened = False
                return _decode(frame)
            if self._closed or frame.code not in AUTH_CLOSE_CODES:
                return None
            if self._reopened:
                raise AuthError("the socket refused the token after a renewal")
            _LOGGER.debug("The socket ended the token; renewing it")
            await self._client.async_renew(self._token)
            await self.open()
            self._reopened = True


def _decode(text: str) -> Any:
    """A cloud frame's message (not an object: a bad frame)."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise PushRejectedError(NOT_JSON) from err
    if not isinstance(message, dict):
        raise PushRejectedError(BAD_FRAME)
    return message


class _Skip:
    """A frame that brings nothing to hand over."""


_SKIP: Final = _Skip()


class SocketIoSocket(_Socket):
    """A gateway's socket.io (Engine.IO v3) socket."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Connect to ``url`` when opened."""
        super().__init__()
        self._session = session
        self._url = url
        self._pinger: asyncio.Task[None] | None = None
        self._awaiting_pong = False
        #: The server answered no ping for a whole interval.
        self.stalled = False

    async def open(self) -> None:
        """Connect (a gateway wants no token: a refusal is an AuthError)."""
        try:
            self._ws = await _connect(self._session, self._url)
        except _HandshakeRefusedError as err:
            raise AuthError("the gateway's socket refused us") from err

    async def receive(self) -> Any:
        """The next ``data`` or ``status`` event (None: closed)."""
        while True:
            frame = await self._frame()
            if isinstance(frame, _Closed):
                await self._stop_pinging()
                if self.stalled:
                    raise CannotConnectError("the gateway's socket answers no ping")
                return None
            result = await self._packet(frame)
            if result is None:
                await self.close()
                return None
            if not isinstance(result, _Skip):
                return result

    async def _packet(self, text: str) -> Any:
        """One Engine.IO packet: an event, ``_SKIP``, or None (the end)."""
        kind, rest = text[:1], text[1:]
        if kind == "0":
            self._start_pinging(rest)
            return _SKIP
        if kind == "1":
            return None
        if kind == "2":  # the server pings (Engine.IO v4 style): answer it
            if self._ws is not None:
                await self._ws.send_str("3" + rest)
            return _SKIP
        if kind == "3":
            self._awaiting_pong = False
            return _SKIP
        if kind in ("5", "6"):
            return _SKIP
        if kind == "4":
            return self._socketio(rest)
        raise PushRejectedError(BAD_FRAME)

    def _socketio(self, packet: str) -> Any:
        """A socket.io packet inside an Engine.IO message."""
        kind, body = packet[:1], packet[1:]
        if kind in ("0", "3"):  # joined a namespace; an ack
            return _SKIP
        if kind == "1":
            return None
        if kind == "4":
            raise CannotConnectError("the gateway's socket refused the namespace")
        if kind != "2":
            raise PushRejectedError(BAD_FRAME)
        if body.startswith("/"):  # a namespace: "/name,"
            comma = body.find(",")
            if comma < 0:
                raise PushRejectedError(BAD_FRAME)
            body = body[comma + 1 :]
        body = body.lstrip("0123456789")  # an ack id
        try:
            event = json.loads(body)
        except (ValueError, RecursionError) as err:
            raise PushRejectedError(NOT_JSON) from err
        if not isinstance(event, list) or not event or not isinstance(event[0], str):
            raise PushRejectedError(BAD_FRAME)
        if event[0] not in SOCKETIO_EVENTS:
            return _SKIP  # data_<id>, status_<id>, <deviceId>: repeats
        return {"action": event[0], "payload": event[1] if len(event) > 1 else None}

    def _start_pinging(self, handshake: str) -> None:
        """Ping every ``pingInterval`` the open packet names."""
        interval = DEFAULT_PING_INTERVAL
        try:
            opened = json.loads(handshake)
        except (ValueError, RecursionError):
            opened = None
        if isinstance(opened, dict):
            value = opened.get("pingInterval")
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and value > 0
            ):
                interval = value / 1000
        if self._pinger is not None:
            self._pinger.cancel()
        self._awaiting_pong = False
        self._pinger = asyncio.create_task(self._ping(interval))

    async def _ping(self, interval: float) -> None:
        """Send ``2`` every interval; a ping left unanswered a whole interval ends it."""
        ws = self._ws
        while ws is not None and not ws.closed:
            await asyncio.sleep(interval)
            if self._awaiting_pong:
                _LOGGER.debug("The gateway's socket answered no ping")
                self.stalled = True
                await _close(ws)
                return
            self._awaiting_pong = True
            try:
                await ws.send_str("2")
            except (aiohttp.ClientError, ConnectionError):  # pragma: no cover - a race
                return  # with the socket's end: receive() tells

    async def _stop_pinging(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
            self._pinger = None

    async def close(self) -> None:
        """Stop pinging and close."""
        await self._stop_pinging()
        await super().close()
