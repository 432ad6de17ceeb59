"""Instathings websockets: the cloud's JSON frames and the gateway's socket.io.

Cloud: a websocket at the origin root, `/?project=<id>&access_token=<JWT>`;
a wrong project or token is closed with 4001 right after the upgrade, and so is
a socket whose token expires (by the simulator clock) or is revoked while it is
open. Frames are text JSON `{"action", "payload"}`.

On premise: socket.io over Engine.IO v3 at `/socket.io/?EIO=3&transport=websocket`.
The server sends the open packet `0{"sid", "upgrades", "pingInterval",
"pingTimeout"}` and `40`, answers every `2` with `3`, drops a client that sent no
`2` within pingInterval + pingTimeout, and sends events as `42["name", data]`.

`SocketHub` keeps the open sockets, writes every socket's frames in order from a
task of its own, and breaks sockets on demand: drops them, sends garbage,
stalls them (no reading, no writing, no pong, yet open) and refuses new ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
import logging
import math
from typing import Any

from aiohttp import WSMsgType, web

from ..core import HUGE_BODY_SIZE, SimClock
from .auth import ApiError

_LOGGER = logging.getLogger(__name__)

CLOUD = "cloud"
SOCKET_IO = "socket.io"
UNAUTHORIZED_CLOSE = 4001
GOING_AWAY = 1001
CLOSE_TIMEOUT = 2.0  # seconds the server waits for the client's close reply
DEFAULT_PING_INTERVAL = 25.0
DEFAULT_PING_TIMEOUT = 5.0
# What send_garbage can send: not JSON, JSON of the wrong shape, a huge frame,
# a binary frame.
GARBAGE_KINDS = ("text", "shape", "huge", "binary")

type Frame = str | bytes


def cloud_frame(action: str, payload: Any) -> str:
    """A cloud websocket message."""
    return json.dumps({"action": action, "payload": payload})


def sio_event(name: str, data: Any) -> str:
    """A socket.io event packet (Engine.IO message 4, socket.io event 2)."""
    return "42" + json.dumps([name, data])


def sio_open(sid: str, ping_interval: float, ping_timeout: float) -> str:
    """The Engine.IO v3 open packet."""
    return "0" + json.dumps(
        {
            "sid": sid,
            "upgrades": [],
            "pingInterval": round(ping_interval * 1000),
            "pingTimeout": round(ping_timeout * 1000),
        }
    )


def garbage(kind: str, framing: str, size: int = HUGE_BODY_SIZE) -> Frame:
    """A frame a client can not use, in a framing's clothes."""
    if kind not in GARBAGE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(GARBAGE_KINDS)}")
    sio = framing == SOCKET_IO
    match kind:
        case "text":
            return '42["data", {"deviceId": "' if sio else "this is not JSON {"
        case "shape":
            return '42{"not": "an event"}' if sio else '["not", "an", "object"]'
        case "binary":
            return b"\x00\xff\xfe garbage \x81"
    head = (
        sio_event("data", {"deviceId": "huge", "payload": {"padding": ""}, "ts": ""})
        if sio
        else cloud_frame("data", {"padding": ""})
    )
    padding = "x" * max(0, size - len(head))
    if sio:
        return sio_event(
            "data", {"deviceId": "huge", "payload": {"padding": padding}, "ts": ""}
        )
    return cloud_frame("data", {"padding": padding})


@dataclass
class Handshake:
    """What a socket asked for when it opened."""

    path: str
    query: dict[str, str]


class SocketSession:
    """One open websocket and what goes through it."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        framing: str,
        handshake: Handshake,
        *,
        sid: str,
        transport: asyncio.BaseTransport | None = None,
        token: str | None = None,
        ping_interval: float = DEFAULT_PING_INTERVAL,
        ping_timeout: float = DEFAULT_PING_TIMEOUT,
    ) -> None:
        """Wrap an upgraded websocket."""
        loop = asyncio.get_running_loop()
        self.ws = ws
        self.transport = transport
        self.framing = framing
        self.handshake = handshake
        self.sid = sid
        self.token = token
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.last_ping = loop.time()
        #: text frames the client sent
        self.received: list[str] = []
        #: frames written to the client
        self.sent = 0
        #: engine.io pings answered (socket.io) and websocket pongs sent
        self.pongs = 0
        #: the close code and reason when the server closed the socket
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.wake = asyncio.Event()
        self._queue: asyncio.Queue[Frame] = asyncio.Queue()
        self._resume = asyncio.Event()
        self._resume.set()
        self._closer: asyncio.Task[None] | None = None

    @property
    def open(self) -> bool:
        """Whether the socket is still open."""
        return not self.ws.closed and self._closer is None

    @property
    def stalled(self) -> bool:
        """Whether the server stopped reading and writing this socket."""
        return not self._resume.is_set()

    def push(self, *frames: Frame) -> None:
        """Queue frames for the client (sent in order by the writer)."""
        for frame in frames:
            self._queue.put_nowait(frame)

    def stall(self) -> None:
        """Stop reading and writing (frames wait, pings go unanswered)."""
        self._resume.clear()

    def unstall(self) -> None:
        """Read and write again (what waited goes out now)."""
        self._resume.set()
        self.wake.set()

    def close(self, code: int, reason: str = "") -> asyncio.Task[None]:
        """Close the socket with `code` (once; later calls return the same task)."""
        if self._closer is None:
            self.close_code = code
            self.close_reason = reason
            self._closer = asyncio.get_running_loop().create_task(
                self._close(code, reason)
            )
            self._resume.set()  # a stalled reader must see the close too
        return self._closer

    async def _close(self, code: int, reason: str) -> None:
        """Send the close frame and wait a little for the client's."""
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, message=reason.encode()[:120])

    def abort(self) -> None:
        """Cut the connection without a close frame."""
        self.close_code = None
        self.close_reason = "aborted"
        if isinstance(self.transport, asyncio.Transport):
            self.transport.abort()
        self._resume.set()

    async def wait_resumed(self) -> None:
        """Wait while the socket is stalled."""
        await self._resume.wait()

    async def drained(self) -> None:
        """Wait until every queued frame is written (or given up)."""
        await self._queue.join()

    async def write_loop(self) -> None:
        """Write queued frames in order; after a failure, drop the rest."""
        while True:
            frame = await self._queue.get()
            try:
                await self._resume.wait()
                if self.ws.closed:
                    continue
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
                self.sent += 1
            except (ConnectionError, RuntimeError) as err:
                _LOGGER.debug("Socket %s: write failed: %s", self.sid, err)
            finally:
                self._queue.task_done()

    def discard_pending(self) -> None:
        """Forget frames still queued (the socket is gone)."""
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()

    async def wait_closed(self) -> None:
        """Wait for a requested close to finish."""
        if self._closer is not None:
            await self._closer


class SocketHub:
    """Every open socket, the connection counters and the socket faults."""

    def __init__(
        self,
        clock: SimClock,
        *,
        ping_interval: float = DEFAULT_PING_INTERVAL,
        ping_timeout: float = DEFAULT_PING_TIMEOUT,
    ) -> None:
        """Start with no socket."""
        self.clock = clock
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.sessions: list[SocketSession] = []
        #: upgrades accepted, either framing (closed ones included)
        self.connections = 0
        #: handshakes refused by `refuse`
        self.refused = 0
        self._refusing = False
        self._refuse_until: datetime | None = None
        self._serial = 0
        self._timers: set[asyncio.TimerHandle] = set()

    @property
    def open_sessions(self) -> list[SocketSession]:
        """The sockets open right now."""
        return [s for s in self.sessions if s.open]

    # --- refusing ---------------------------------------------------------------------

    def refuse(self, seconds: float | None = None) -> None:
        """Refuse new sockets (503) for `seconds` of the simulator clock.

        None: until `accept`.
        """
        self._refusing = True
        self._refuse_until = (
            None if seconds is None else self.clock.now() + timedelta(seconds=seconds)
        )

    def accept(self) -> None:
        """Accept new sockets again."""
        self._refusing = False
        self._refuse_until = None

    def refusal(self) -> tuple[bool, int | None]:
        """Whether a handshake now is refused, and the Retry-After to send."""
        if not self._refusing:
            return False, None
        if self._refuse_until is None:
            return True, None
        left = (self._refuse_until - self.clock.now()).total_seconds()
        if left <= 0:
            self.accept()
            return False, None
        return True, max(1, math.ceil(left))

    # --- serving ------------------------------------------------------------------------

    def new_sid(self) -> str:
        """A session id for a new socket."""
        self._serial += 1
        return f"sim{self._serial:017d}"

    async def upgrade(self, request: web.Request) -> web.WebSocketResponse:
        """Upgrade the request to a websocket (pongs are the hub's business)."""
        ws = web.WebSocketResponse(autoping=False, timeout=CLOSE_TIMEOUT)
        await ws.prepare(request)
        self.connections += 1
        return ws

    async def serve_cloud(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        token: str | None,
        seconds_left: Callable[[str | None], float | None],
        close_code: Callable[[], int] = lambda: UNAUTHORIZED_CLOSE,
    ) -> None:
        """Serve an authorized cloud socket until it closes.

        `seconds_left` says how long the token still works (None: no known end)
        and raises ApiError once it does not; the socket is then closed with
        `close_code()`.
        """
        session = SocketSession(
            ws,
            CLOUD,
            _handshake(request),
            sid=self.new_sid(),
            transport=request.transport,
            token=token,
        )
        await self._run(
            session, lambda: self._guard_token(session, seconds_left, close_code)
        )

    async def serve_socket_io(
        self, request: web.Request, ws: web.WebSocketResponse
    ) -> None:
        """Serve a socket.io socket until it closes."""
        session = SocketSession(
            ws,
            SOCKET_IO,
            _handshake(request),
            sid=self.new_sid(),
            transport=request.transport,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
        )
        session.push(
            sio_open(session.sid, session.ping_interval, session.ping_timeout), "40"
        )
        await self._run(session, lambda: self._guard_heartbeat(session))

    async def _run(self, session: SocketSession, guard: Callable[[], Any]) -> None:
        """Write, watch and read one socket until it is closed."""
        loop = asyncio.get_running_loop()
        self.sessions.append(session)
        writer = loop.create_task(session.write_loop())
        watchdog = loop.create_task(guard())
        try:
            await self._read(session)
        finally:
            # First what can not fail: the handler may be cancelled below, when
            # the client goes away while the close handshake runs.
            self.sessions.remove(session)
            watchdog.cancel()
            writer.cancel()
            session.discard_pending()
            with contextlib.suppress(Exception):
                await session.wait_closed()
                if not session.ws.closed:
                    await session.ws.close()

    async def _read(self, session: SocketSession) -> None:
        """Read the client's frames (not while stalled); answer pings."""
        ws = session.ws
        while not ws.closed:
            await session.wait_resumed()
            message = await ws.receive()
            if message.type in (
                WSMsgType.CLOSE,
                WSMsgType.CLOSING,
                WSMsgType.CLOSED,
                WSMsgType.ERROR,
            ):
                return
            if session.stalled:  # arrived as the stall began: read once resumed
                await session.wait_resumed()
                if _closed(ws):  # (a call: the stall may have closed it)
                    return
            if message.type is WSMsgType.PING:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.pong(message.data)
                    session.pongs += 1
            elif message.type is WSMsgType.TEXT:
                session.received.append(message.data)
                if session.framing == SOCKET_IO and self._on_packet(
                    session, message.data
                ):
                    await session.close(1000, "client disconnect")
                    return

    def _on_packet(self, session: SocketSession, packet: str) -> bool:
        """Handle an Engine.IO / socket.io packet; True when the client leaves."""
        if packet.startswith("2"):  # ping (or "2probe")
            session.last_ping = asyncio.get_running_loop().time()
            session.pongs += 1
            session.push("3" + packet[1:])
            return False
        return packet in ("1", "41")

    async def _guard_token(
        self,
        session: SocketSession,
        seconds_left: Callable[[str | None], float | None],
        close_code: Callable[[], int],
    ) -> None:
        """Close (4001) once the socket's token expires or is revoked."""
        while session.open:
            session.wake.clear()
            if session.stalled:
                await session.wake.wait()
                continue
            try:
                left = seconds_left(session.token)
            except ApiError as err:
                session.close(close_code(), err.message)
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    session.wake.wait(), None if left is None else max(left, 0.005)
                )

    async def _guard_heartbeat(self, session: SocketSession) -> None:
        """Drop a socket.io client that sent no ping for pingInterval + pingTimeout."""
        loop = asyncio.get_running_loop()
        while session.open:
            session.wake.clear()
            if session.stalled:
                await session.wake.wait()
                continue
            deadline = session.last_ping + session.ping_interval + session.ping_timeout
            left = deadline - loop.time()
            if left <= 0:
                session.close(1000, "ping timeout")
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(session.wake.wait(), left)

    # --- sending --------------------------------------------------------------------------

    def broadcast(self, cloud: list[Frame], socket_io: list[Frame]) -> None:
        """Queue frames for every open socket, each in its framing."""
        for session in self.open_sessions:
            session.push(*(cloud if session.framing == CLOUD else socket_io))

    def wake_all(self) -> None:
        """Make every watchdog look again (the clock moved, tokens changed)."""
        for session in self.sessions:
            session.wake.set()

    async def idle(self) -> None:
        """Wait until every open, unstalled socket has written what is queued."""
        await asyncio.gather(
            *(s.drained() for s in self.open_sessions if not s.stalled)
        )

    # --- faults -----------------------------------------------------------------------------

    async def drop(
        self, code: int = GOING_AWAY, reason: str = "", *, abort: bool = False
    ) -> int:
        """Close every open socket (with `code`, or cut without a close frame)."""
        sessions = self.open_sessions
        if abort:
            for session in sessions:
                session.abort()
            return len(sessions)
        await asyncio.gather(*(s.close(code, reason) for s in sessions))
        return len(sessions)

    def send_garbage(self, kind: str = "text", size: int = HUGE_BODY_SIZE) -> int:
        """Send every open socket a frame it can not use; return how many got one."""
        sessions = self.open_sessions
        for session in sessions:
            session.push(garbage(kind, session.framing, size))
        return len(sessions)

    def stall(self, seconds: float | None = None) -> int:
        """Stall every open socket, for `seconds` (real time) or until `unstall`."""
        sessions = self.open_sessions
        for session in sessions:
            session.stall()
        if seconds is not None:
            handle = asyncio.get_running_loop().call_later(seconds, _unstall, sessions)
            self._timers.add(handle)
        return len(sessions)

    def unstall(self) -> int:
        """Resume every stalled socket; return how many there were."""
        stalled = [s for s in self.sessions if s.stalled]
        for session in stalled:
            session.unstall()
        return len(stalled)

    async def close_all(self, grace: float = 0.5) -> None:
        """Shut down: cancel timers, close every socket, cut the slow ones."""
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        _unstall(self.sessions)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drop(GOING_AWAY, "server shutdown"), grace)
        for session in self.sessions:
            if not session.ws.closed:
                session.abort()


def _unstall(sessions: list[SocketSession]) -> None:
    """Resume these sockets."""
    for session in sessions:
        session.unstall()


def _handshake(request: web.Request) -> Handshake:
    """The path and query a socket opened with (the token left out)."""
    query = {k: v for k, v in request.query.items() if k != "access_token"}
    return Handshake(request.path, query)


def _closed(ws: web.WebSocketResponse) -> bool:
    """Whether the socket is closed now."""
    return ws.closed
