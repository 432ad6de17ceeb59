"""Benchmark: Instathings calls per device-hour, socket healthy and not; socket latency.

A project of N gateways (default 1; each with six devices: a climate sensor,
a soil sensor, a Hue lamp, a Zigbee plug, a Shelly plug over HTTP and a pet
fountain) and the standalone virtual device, against the Instathings
simulator on 127.0.0.1. The integration's own ``InstathingsAccount`` is
driven as the coordinator drives it, with a simulated clock shared by the
account and the simulator (token lifetimes, the hourly read of the device
types), for ``--hours`` simulated hours (default 6); the world ticks every
30 s of simulated time (its readings drift and are reported).

1. Socket healthy: the socket is open (read and applied as the push module
   does, and opened again when its token is about to end) and a refresh
   runs every ``push_safety_net`` (15 min) saying push is healthy.
2. No socket: a refresh every SCAN_INTERVAL (60 s) saying push is not
   healthy, so the switches and lights are asked their status too (POST
   status, then fetch; the back-off between fetches is made zero-length and
   the simulator answers at once, so the run is quick).
3. Socket latency, in real time: K readings reported one after another; each
   timed from ``sim.report(...)`` to the moment ``parse_socket_message`` of
   the message received yields that device's update with that value.

Printed: REST calls (the socket's upgrades are not REST and are counted
apart), calls per device-hour (mean over the whole hours after the first,
which also reads the types and asks every status once), the busiest sliding
hour, calls by route; the latency's p50, p95, max. Targets: <= 6 calls per
device-hour with the socket healthy, <= 150 without (for information),
p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
from pathlib import Path
import random
import statistics
import sys
import time
from unittest.mock import patch

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.petsmart_hub.const import SCAN_INTERVAL
from custom_components.petsmart_hub.model import Device, DeviceKind, Measurement
from custom_components.petsmart_hub.vendors.base import (
    PushRejectedError,
    PushSocket,
    RefreshRequest,
    VendorError,
)
from custom_components.petsmart_hub.vendors.instathings import (
    DESCRIPTOR,
    account as account_module,
)
from custom_components.petsmart_hub.vendors.instathings.account import (
    InstathingsAccount,
)
from custom_components.petsmart_hub.vendors.instathings.client import InstathingsClient
from simulator.core import RunningSimulator, start_server
from simulator.instathings import SOCKET_ROUTES, InstathingsSimulator

#: Calls per device-hour: socket healthy, no socket.
TARGETS = {True: 6.0, False: 150.0}
LATENCY_TARGET_MS = 50.0
#: The world reports its readings this often (simulated seconds).
TICK = timedelta(seconds=30)
#: How long a reported reading may take to come back by the socket.
EVENT_TIMEOUT = 2.0
#: The least the coordinator waits for a refresh its account plans.
MIN_PLANNED_WAIT = timedelta(seconds=5)


@dataclass
class CallsResult:
    """What one account cost over the simulated hours."""

    push: bool
    devices: int
    hours: int
    total: int
    per_device_hour: float
    busiest: int
    #: route -> (calls in all, per device-hour after the first hour)
    routes: dict[str, tuple[int, float]]
    socket_opens: int
    pushed: int
    failed: Counter[str] = field(default_factory=Counter)


@dataclass
class LatencyResult:
    """How long the socket took to bring reported readings."""

    sent: int
    latencies_ms: list[float]


def _account(
    session: aiohttp.ClientSession, sim: InstathingsSimulator, url: str
) -> InstathingsAccount:
    """The integration's account on the simulator, on its clock."""
    client = InstathingsClient(
        session, url, sim.client_id, sim.client_secret, now=sim.clock.now
    )
    return InstathingsAccount(client)


class _Reader:
    """Reads an open socket and applies what it brings, as the push module does."""

    def __init__(self, account: InstathingsAccount, known: dict[str, Device]) -> None:
        """Apply onto ``known`` (the devices Home Assistant holds)."""
        self.account = account
        self.known = known
        self.socket: PushSocket | None = None
        self.task: asyncio.Task[None] | None = None
        self.applied = 0
        self.refused: Counter[str] = Counter()

    async def open(self) -> None:
        """Open the socket and start reading it."""
        self.socket = await self.account.async_open_socket()
        self.task = asyncio.get_running_loop().create_task(self._read(self.socket))

    async def close(self) -> None:
        """Close the socket and wait for the reader to end."""
        if self.socket is not None:
            await self.socket.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self.socket = self.task = None

    async def _read(self, socket: PushSocket) -> None:
        while True:
            try:
                message = await socket.receive()
            except PushRejectedError as err:
                self.refused[f"socket frame: {err.reason}"] += 1
                continue
            except VendorError as err:
                self.refused[f"socket failed: {type(err).__name__}: {err}"] += 1
                return
            if message is None:
                return
            try:
                pushed = self.account.parse_socket_message(message, self.known)
            except PushRejectedError as err:
                self.refused[f"socket message: {err.reason}"] += 1
                continue
            for update in pushed.updates:
                self.known[update.device.id] = update.device
                self.applied += 1


async def run_calls(push: bool, gateways: int, hours: int, seed: int) -> CallsResult:
    """One account for ``hours`` simulated hours, socket healthy or not; what it cost."""
    sim = InstathingsSimulator(gateways=gateways, seed=seed, status_delay=0.0)
    server = await start_server(sim)
    clock = sim.clock
    failed: Counter[str] = Counter()
    zero_backoff = tuple(0.0 for _ in account_module.STATUS_BACKOFF)
    try:
        async with aiohttp.ClientSession() as session:
            acct = _account(session, sim, server.url)
            start = clock.now()
            known = dict((await acct.async_refresh(RefreshRequest())).devices)
            devices = len(known)
            reader = _Reader(acct, known)
            if push:
                await reader.open()
            interval = (
                DESCRIPTOR.push_safety_net if push else timedelta(seconds=SCAN_INTERVAL)
            )
            end = start + timedelta(hours=hours)
            next_tick = start + TICK
            next_refresh = clock.now() + interval
            with patch.object(account_module, "STATUS_BACKOFF", zero_backoff):
                while True:
                    now = clock.now()
                    plan = acct.next_refresh(now)
                    refresh_at = next_refresh
                    if plan.at is not None:
                        refresh_at = min(
                            refresh_at, max(plan.at, now + MIN_PLANNED_WAIT)
                        )
                    wake = min(next_tick, refresh_at)
                    renew_at = reader.socket.renew_at if reader.socket else None
                    if renew_at is not None:
                        wake = min(wake, renew_at)
                    if wake >= end:
                        break
                    if wake > now:
                        clock.advance((wake - now).total_seconds())
                    now = clock.now()
                    if renew_at is not None and renew_at <= now:
                        # the push module opens the socket again with a new token
                        await reader.close()
                        await reader.open()
                    if next_tick <= now:
                        sim.tick(TICK.total_seconds())
                        next_tick += TICK
                        if push:
                            await sim.sockets_idle()
                    if refresh_at <= now:
                        await _refresh(acct, reader.known, push, failed)
                        next_refresh = clock.now() + interval
            if push:
                await sim.sockets_idle()
                await asyncio.sleep(0.05)
            pushed = reader.applied
            failed.update(reader.refused)
            await reader.close()
    finally:
        await server.close()
    return summarize(sim, start, hours, push, devices, pushed, failed)


async def _refresh(
    acct: InstathingsAccount,
    known: dict[str, Device],
    push: bool,
    failed: Counter[str],
) -> None:
    """One refresh as the coordinator asks it; its devices onto ``known``."""
    try:
        refresh = await acct.async_refresh(
            RefreshRequest(known=dict(known), push_healthy=push)
        )
    except VendorError as err:
        failed[f"refresh: {type(err).__name__}: {err}"] += 1
        return
    known.update(refresh.devices)
    for error in refresh.failed.values():
        failed[f"{type(error).__name__}: {error}"] += 1


def summarize(
    sim: InstathingsSimulator,
    start: datetime,
    hours: int,
    push: bool,
    devices: int,
    pushed: int,
    failed: Counter[str],
) -> CallsResult:
    """Calls per device-hour (after the first hour), the busiest hour, by route."""
    calls = [
        (f"{r.method} {r.route}", r.at)
        for r in sim.requests
        if r.at is not None and r.route not in SOCKET_ROUTES
    ]
    moments = sorted(at for _, at in calls)
    first_hour_over = start + timedelta(hours=1)
    later_hours = max(1, hours - 1)
    after = sum(1 for m in moments if m >= first_hour_over)
    busiest = 0
    low = 0
    for high, moment in enumerate(moments):
        while moments[low] <= moment - timedelta(hours=1):
            low += 1
        busiest = max(busiest, high - low + 1)
    totals = Counter(name for name, _ in calls)
    later = Counter(name for name, at in calls if at >= first_hour_over)
    routes = {
        name: (count, later[name] / later_hours / devices)
        for name, count in totals.most_common()
    }
    return CallsResult(
        push=push,
        devices=devices,
        hours=hours,
        total=len(calls),
        per_device_hour=after / later_hours / devices,
        busiest=busiest,
        routes=routes,
        socket_opens=sim.socket_connections,
        pushed=pushed,
        failed=failed,
    )


async def run_latency(gateways: int, events: int, seed: int) -> LatencyResult:
    """Report ``events`` readings in real time; how long each took to be parsed."""
    rng = random.Random(seed)  # noqa: S311 - which device reports what, no secret
    sim = InstathingsSimulator(gateways=gateways, seed=seed)
    server: RunningSimulator = await start_server(sim)
    latencies: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:
            acct = _account(session, sim, server.url)
            known = dict((await acct.async_refresh(RefreshRequest())).devices)
            targets = sorted(
                d.id
                for d in known.values()
                if d.kind is not DeviceKind.GATEWAY
                and Measurement.TEMPERATURE in d.readings
            )
            loop = asyncio.get_running_loop()
            expected: dict[str, tuple[float, asyncio.Future[float]]] = {}

            def seen(device: Device) -> None:
                wanted = expected.get(device.id)
                if wanted is None:
                    return
                value, arrived = wanted
                got = device.readings.get(Measurement.TEMPERATURE)
                if got is not None and math.isclose(got, value) and not arrived.done():
                    arrived.set_result(time.perf_counter())
                    del expected[device.id]

            socket = await acct.async_open_socket()
            reader = loop.create_task(_timed_read(acct, socket, known, seen))
            try:
                for _ in range(events):
                    device_id = rng.choice(targets)
                    held = known[device_id].readings.get(Measurement.TEMPERATURE)
                    value = held
                    while value == held:
                        value = round(rng.uniform(19.0, 31.0), 1)
                    assert value is not None
                    arrived = loop.create_future()
                    expected[device_id] = (value, arrived)
                    sent = time.perf_counter()
                    sim.report(device_id, temperature=value)
                    try:
                        async with asyncio.timeout(EVENT_TIMEOUT):
                            at = await arrived
                    except TimeoutError:
                        expected.pop(device_id, None)
                        continue
                    latencies.append((at - sent) * 1000)
            finally:
                await socket.close()
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
    finally:
        await server.close()
    return LatencyResult(sent=events, latencies_ms=latencies)


async def _timed_read(
    acct: InstathingsAccount,
    socket: PushSocket,
    known: dict[str, Device],
    seen: Callable[[Device], None],
) -> None:
    """Read the socket; hand every device update to ``seen`` once parsed."""
    while True:
        try:
            message = await socket.receive()
        except PushRejectedError:
            continue
        except VendorError:
            return
        if message is None:
            return
        try:
            pushed = acct.parse_socket_message(message, known)
        except PushRejectedError:
            continue
        for update in pushed.updates:
            seen(update.device)
            known[update.device.id] = update.device


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def print_calls(result: CallsResult) -> None:
    """One case's calls."""
    target = TARGETS[result.push]
    verdict = "ok" if result.per_device_hour <= target else "OVER"
    if result.push:
        label = "socket healthy (a refresh every 15 min)"
    else:
        label = f"no socket (a refresh every {SCAN_INTERVAL} s, statuses asked)"
    print(f"  {label}:")
    print(
        f"    {result.total} REST calls in {result.hours} h; "
        f"{result.per_device_hour:.2f} per device-hour after the first hour "
        f"(target <= {target:g}: {verdict}); busiest sliding hour "
        f"{result.busiest} calls = {result.busiest / result.devices:.2f} per device"
    )
    extras = f"    socket opened {result.socket_opens} times"
    if result.push:
        extras += f", {result.pushed} device updates pushed"
    print(extras)
    print("    by route (calls in all; per device-hour after the first hour):")
    width = max(len(name) for name in result.routes)
    for name, (count, rate) in result.routes.items():
        print(f"      {name:<{width}}  {count:>6}  {rate:6.2f}")
    if result.failed:
        print(f"    refused or failed: {dict(result.failed)}")


def print_latency(result: LatencyResult) -> None:
    """The socket's latency."""
    arrived = len(result.latencies_ms)
    print("  socket latency (real time, report -> parsed update):")
    if not arrived:
        print(
            f"    0 of {result.sent} arrived (target p95 <= {LATENCY_TARGET_MS:g} ms)"
        )
        return
    p95 = percentile(result.latencies_ms, 0.95)
    verdict = "ok" if p95 <= LATENCY_TARGET_MS and arrived == result.sent else "OVER"
    print(
        f"    {arrived} of {result.sent} arrived; "
        f"p50 {statistics.median(result.latencies_ms):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(result.latencies_ms):.1f} ms "
        f"(target p95 <= {LATENCY_TARGET_MS:g} ms: {verdict})"
    )


def main() -> None:
    """Parse the arguments, run the three cases and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateways", type=int, default=1)
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.gateways < 1 or args.hours < 1 or args.events < 1:
        parser.error("--gateways, --hours and --events must be at least 1")
    for push in (True, False):
        result = asyncio.run(run_calls(push, args.gateways, args.hours, args.seed))
        if push:
            print(
                f"Instathings: {args.gateways} gateway(s), each with 6 devices, "
                f"and a virtual device = {result.devices} devices; {args.hours} "
                f"simulated hours, readings reported every "
                f"{TICK.total_seconds():g} s"
            )
        print_calls(result)
    print_latency(asyncio.run(run_latency(args.gateways, args.events, args.seed)))


if __name__ == "__main__":
    main()
