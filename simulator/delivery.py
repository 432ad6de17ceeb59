"""Vendor-neutral webhook delivery: a fake cloud POSTing events to a receiver.

A simulator hands events to a `WebhookSender`, which POSTs them as JSON from a
task of its own, so that request handling never waits for a receiver. Tests
can make the delivery misbehave the way real clouds do (late, lost, twice, out
of order) through `DeliverySwitches`; every outcome is logged and counted, and
nothing a receiver does ever raises into the simulator.

A delivery may carry its own headers and raw body (a vendor that signs what it
sends, such as Netatmo's HMAC header, signs the exact bytes); `on_record`
hears of every outcome, and `cancel` withdraws what is still queued for a URL.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
import logging
import random
from typing import Any

from aiohttp import ClientSession, ClientTimeout

_LOGGER = logging.getLogger(__name__)

DEFAULT_DELIVERY_TIMEOUT = 10.0

# Outcomes of a delivery, also the keys of `WebhookSender.counts`.
SENT = "sent"  # the receiver answered 2xx
FAILED = "failed"  # no answer (refused, reset, timeout) or a non-2xx answer
DROPPED = "dropped"  # never sent: a drop switch ate it
CANCELLED = "cancelled"  # still pending when the sender was closed
OUTCOMES = (SENT, FAILED, DROPPED, CANCELLED)


@dataclass
class DeliverySwitches:
    """How deliveries misbehave; tests change these at any time.

    `delay`: seconds between an event and its POST (deliveries keep their order).
    `drop_next`: drop this many coming events, then deliver again.
    `drop_rate`: drop each event with this probability, drawn from a generator
    seeded by the simulator's seed (reseeded by `WebhookSender.configure`).
    `duplicate`: POST every event twice.
    `reorder`: hold an event back and POST it right after the next one, so
    events arrive swapped in pairs (a held event nobody follows goes out when
    `WebhookSender.idle` is awaited, or when `reorder` is switched off).
    """

    delay: float = 0.0
    drop_next: int = 0
    drop_rate: float = 0.0
    duplicate: bool = False
    reorder: bool = False


@dataclass
class Delivery:
    """One event's fate: a POST (one per copy), or its drop or cancellation.

    `at` is the simulator clock when the outcome was known; `latency` the real
    seconds from the event to the outcome (None when nothing was sent).
    """

    event: str
    device_id: str | None
    url: str
    payload: Any
    outcome: str
    at: datetime
    status: int | None = None
    error: str | None = None
    latency: float | None = None
    #: the delivery's own headers, if it was sent with some
    headers: dict[str, str] | None = None


@dataclass
class _Pending:
    """An event waiting to be POSTed."""

    event: str
    device_id: str | None
    url: str
    payload: Any
    delay: float
    queued: float | None  # loop time of the event (None: no loop was running)
    released: bool = False  # a held event that must not be held again
    copies: int = 1
    headers: dict[str, str] | None = None
    body: bytes | None = None  # sent as is (JSON) instead of encoding payload


class WebhookSender:
    """Deliver events in order from one task; log, count and never raise."""

    def __init__(
        self,
        now: Callable[[], datetime],
        seed: int = 0,
        *,
        timeout: float = DEFAULT_DELIVERY_TIMEOUT,
    ) -> None:
        """Use `now` (the simulator clock) to stamp the log."""
        self._now = now
        self._seed = seed
        self.timeout = timeout
        self.switches = DeliverySwitches()
        self.log: list[Delivery] = []
        self.counts: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
        self._rng = self._new_rng()
        self._outbox: deque[_Pending] = deque()
        self._held: _Pending | None = None
        self._posting = 0
        self._worker: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None
        #: called with every outcome as it is logged (errors are logged, not raised)
        self.on_record: Callable[[Delivery], None] | None = None

    def _new_rng(self) -> random.Random:
        """A generator for `drop_rate`, the same for the same seed."""
        return random.Random(f"{self._seed}:webhook-drops")

    # --- settings ---------------------------------------------------------------

    def configure(self, **changes: Any) -> DeliverySwitches:
        """Change some switches (see `DeliverySwitches`) and return them all.

        Changing `drop_rate` restarts its generator, so a test sees the same
        drops whatever ran before it; switching `reorder` off releases a held
        event.
        """
        known = {spec.name for spec in fields(DeliverySwitches)}
        if unknown := set(changes) - known:
            raise TypeError(f"Unknown delivery switches: {', '.join(sorted(unknown))}")
        if changes.get("delay", 0) < 0:
            raise ValueError("delay can not be negative")
        if changes.get("drop_next", 0) < 0:
            raise ValueError("drop_next can not be negative")
        if not 0 <= changes.get("drop_rate", 0) <= 1:
            raise ValueError("drop_rate must be between 0 and 1")
        for name, value in changes.items():
            setattr(self.switches, name, value)
        if "drop_rate" in changes:
            self._rng = self._new_rng()
        if not self.switches.reorder:
            self._release_held()
        return self.switches

    # --- sending ----------------------------------------------------------------

    def send(
        self,
        url: str,
        event: str,
        payload: Any,
        device_id: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> None:
        """Queue an event for `url`; it is POSTed from a task, never here.

        `headers` are added to the POST; `body`, if given, is sent as the JSON
        body byte for byte instead of encoding `payload` (which is still what
        the log shows).
        """
        switches = self.switches
        extra = dict(headers) if headers is not None else None
        if switches.drop_next > 0 or (
            switches.drop_rate > 0 and self._rng.random() < switches.drop_rate
        ):
            switches.drop_next = max(0, switches.drop_next - 1)
            self._record(
                Delivery(
                    event, device_id, url, payload, DROPPED, self._now(), headers=extra
                )
            )
            return
        self._outbox.append(
            _Pending(
                event,
                device_id,
                url,
                payload,
                switches.delay,
                _loop_time(),
                copies=2 if switches.duplicate else 1,
                headers=extra,
                body=body,
            )
        )
        self._kick()

    def cancel(self, url: str) -> int:
        """Withdraw every event still queued or held for `url`; return how many.

        They are logged as cancelled. A POST already under way is not stopped.
        """
        keep: deque[_Pending] = deque()
        withdrawn: list[_Pending] = []
        for item in self._outbox:
            (withdrawn if item.url == url else keep).append(item)
        self._outbox = keep
        if self._held is not None and self._held.url == url:
            withdrawn.append(self._held)
            self._held = None
        for item in withdrawn:
            self._record(
                Delivery(
                    item.event,
                    item.device_id,
                    item.url,
                    item.payload,
                    CANCELLED,
                    self._now(),
                    headers=item.headers,
                )
            )
        return len(withdrawn)

    @property
    def pending(self) -> int:
        """Events queued, held back or being POSTed."""
        return len(self._outbox) + (self._held is not None) + self._posting

    async def idle(self, *, release_held: bool = True) -> None:
        """Wait until every queued event is delivered (or failed).

        An event held back by `reorder` with no event after it is sent now,
        unless `release_held` is False.
        """
        while True:
            if self._worker is not None:
                await asyncio.wait([self._worker])
            elif self._outbox:
                self._kick()
            elif release_held and self._held is not None:
                self._release_held()
            else:
                return

    async def close(self) -> None:
        """Cancel what is pending (logged as cancelled) and close the session."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            await asyncio.wait([worker])
        leftovers = [*self._outbox, *([self._held] if self._held else [])]
        self._outbox.clear()
        self._held = None
        for item in leftovers:
            self._record(
                Delivery(
                    item.event,
                    item.device_id,
                    item.url,
                    item.payload,
                    CANCELLED,
                    self._now(),
                )
            )
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # --- the worker ---------------------------------------------------------------

    def _kick(self) -> None:
        """Start the worker if there is work and a running loop to do it in."""
        if self._worker is not None or not self._outbox:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # queued from synchronous code: sent once a loop runs it
        self._worker = loop.create_task(self._work(), name="simulator webhooks")

    def _release_held(self) -> None:
        """Put a held event back at the head of the queue."""
        if self._held is not None:
            held, self._held = self._held, None
            held.released = True
            self._outbox.appendleft(held)
            self._kick()

    async def _work(self) -> None:
        """POST the queued events in order, then end (no task lingers idle)."""
        loop = asyncio.get_running_loop()
        try:
            while self._outbox:
                item = self._outbox[0]
                if item.queued is None:
                    item.queued = loop.time()
                if item.delay > 0:
                    await asyncio.sleep(max(0, item.queued + item.delay - loop.time()))
                    if not self._outbox or self._outbox[0] is not item:
                        continue  # withdrawn by `cancel` while it waited
                self._outbox.popleft()
                if self.switches.reorder and not item.released and self._held is None:
                    self._held = item
                    continue
                await self._post(item)
                if self._held is not None:
                    held, self._held = self._held, None
                    await self._post(held)
        finally:
            if self._worker is asyncio.current_task():
                self._worker = None

    async def _post(self, item: _Pending) -> None:
        """POST every copy of one event, recording each outcome."""
        self._posting += 1
        try:
            for _ in range(item.copies):
                await self._post_once(item)
        finally:
            self._posting -= 1

    async def _post_once(self, item: _Pending) -> None:
        """POST one copy, recording the outcome instead of raising."""
        loop = asyncio.get_running_loop()
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=self.timeout))
        status: int | None = None
        error: str | None = None
        outcome = FAILED
        if item.body is not None:
            request: dict[str, Any] = {
                "data": item.body,
                "headers": {"Content-Type": "application/json", **(item.headers or {})},
            }
        else:
            request = {"json": item.payload, "headers": item.headers}
        try:
            async with self._session.post(item.url, **request) as response:
                status = response.status
                await response.read()
        except asyncio.CancelledError:
            outcome = CANCELLED
            raise
        except Exception as err:  # noqa: BLE001 - a receiver never breaks the simulator
            error = f"{type(err).__name__}: {err}"
        else:
            if 200 <= status < 300:
                outcome = SENT
            else:
                error = f"HTTP {status}"
        finally:
            started = item.queued if item.queued is not None else loop.time()
            self._record(
                Delivery(
                    item.event,
                    item.device_id,
                    item.url,
                    item.payload,
                    outcome,
                    self._now(),
                    status,
                    error,
                    loop.time() - started,
                    item.headers,
                )
            )
        if error is not None:
            _LOGGER.warning("Webhook %s to %s failed: %s", item.event, item.url, error)

    def _record(self, delivery: Delivery) -> None:
        """Log and count one outcome, then tell `on_record`."""
        self.log.append(delivery)
        self.counts[delivery.outcome] += 1
        if self.on_record is not None:
            try:
                self.on_record(delivery)
            except Exception:
                _LOGGER.exception("Delivery listener failed")


def _loop_time() -> float | None:
    """The running loop's time, or None outside a loop."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return None


class DeliversWebhooks:
    """What a simulator that calls webhooks offers its tests: deliveries and switches.

    The simulator creates ``webhook_sender`` in its ``__init__``.
    """

    webhook_sender: WebhookSender

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery outcome so far, in order."""
        return self.webhook_sender.log

    @property
    def delivery_counts(self) -> Counter[str]:
        """Deliveries by outcome: sent, failed, dropped, cancelled."""
        return self.webhook_sender.counts

    @property
    def delivery(self) -> DeliverySwitches:
        """The switches that make deliveries late, lost, doubled or swapped."""
        return self.webhook_sender.switches

    def set_delivery(self, **switches: Any) -> DeliverySwitches:
        """Change delivery switches: delay, drop_next, drop_rate, duplicate, reorder."""
        return self.webhook_sender.configure(**switches)

    async def deliveries_idle(self) -> None:
        """Wait until every pending delivery is done (held ones are released)."""
        await self.webhook_sender.idle()

    async def close_deliveries(self) -> None:
        """Cancel pending deliveries and close their HTTP session."""
        await self.webhook_sender.close()
