"""Benchmark: Ninja Blocks calls per device-hour, callbacks healthy and not; latency.

An account of N blocks (default 1; each with the simulator's eleven devices:
humidity, temperature, RGB LED, RF 433 hub, PIR, door contact, button,
relay, distance, light and a webcam) and the virtual webhook device, against
the Ninja Blocks simulator on 127.0.0.1. The integration's own
``NinjaBlocksAccount`` is driven as the coordinator drives it, with a
simulated clock shared by the account and the simulator, for ``--hours``
simulated hours (default 6); every 30 s of simulated time the world's
measuring sensors (humidity, temperature, distance, light) report a new
reading (``sim.report``), which the simulator POSTs to the device's callback.

Our callback URL is served by an aiohttp server on 127.0.0.1 that reads
each POSTed body and hands it to ``parse_webhook`` as the push module does
(the updates applied onto the devices Home Assistant holds).

1. Callbacks healthy: our URL registered (``async_register_webhook``), then
   a refresh every ``push_safety_net`` (15 min) saying push is healthy, or
   sooner when ``next_refresh`` asks.
2. One callback taken: the first block's temperature sensor already has
   another app's callback (``set_foreign_callback``); the same as 1, so
   that device alone is heartbeat-polled (``next_refresh`` asks each
   minute).
3. No push: a refresh every SCAN_INTERVAL (60 s) saying push is not
   healthy (or sooner when ``next_refresh`` asks).
4. Callback latency, in real time: K readings reported one after another;
   each timed from ``sim.report(...)`` to the moment our receiving server
   has parsed the body into that device's update with that value.

Printed: REST calls to the cloud (callback POSTs to us are not REST calls
and are counted apart), calls per device-hour (devices = the GUID devices,
not the blocks nor the sub-devices; mean over the whole hours after the
first, which also holds the first listing and the callback registrations),
the busiest sliding hour, calls by route template, heartbeat reads by
device; the latency's p50, p95, max. Targets: <= 6 calls per device-hour
with callbacks healthy (1 and 2), none without (for information), p95 <= 50
ms.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import json
import math
from pathlib import Path
import random
import statistics
import sys
import time

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.petsmart_hub.const import SCAN_INTERVAL
from custom_components.petsmart_hub.model import Device, Measurement
from custom_components.petsmart_hub.vendors.base import (
    PushRejectedError,
    RefreshRequest,
    VendorError,
)
from custom_components.petsmart_hub.vendors.ninjablocks import (
    DESCRIPTOR,
    POLL_INTERVAL,
    NinjaBlocksAccount,
    NinjaBlocksClient,
)
from simulator.core import start_server
from simulator.ninjablocks import (
    BASE_PATH,
    DISTANCE,
    HEARTBEAT_ROUTE,
    HUMIDITY,
    LIGHT,
    TEMPERATURE,
    NinjaBlocksSimulator,
    block_guids,
)

#: Calls per device-hour with callbacks healthy.
HEALTHY_TARGET = 6.0
LATENCY_TARGET_MS = 50.0
#: The world reports its readings this often (simulated seconds).
TICK = timedelta(seconds=30)
#: How long a reported reading may take to come back by the callback.
EVENT_TIMEOUT = 2.0
#: The least the coordinator waits for a refresh its account plans.
MIN_PLANNED_WAIT = timedelta(seconds=5)
#: Our webhook's path (what the push module registers: /api/webhook/<id>).
WEBHOOK_PATH = "/api/webhook/bench-ninjablocks"
#: Another app's callback path (served beside ours, so its POSTs land somewhere).
FOREIGN_PATH = "/another-app/ninja/callback"
#: The most a callback body may be (as the push module reads it).
MAX_BODY = 64 * 1024

#: Measuring sensors' readings: (low, high, largest step) of a random walk.
WALKS: dict[str, tuple[float, float, float]] = {
    HUMIDITY: (30.0, 80.0, 1.0),
    TEMPERATURE: (15.0, 30.0, 0.3),
    DISTANCE: (20.0, 300.0, 10.0),
    LIGHT: (0.0, 1000.0, 25.0),
}


class Mode(StrEnum):
    """The three call cases."""

    HEALTHY = "callbacks healthy"
    TAKEN = "one callback taken"
    NO_PUSH = "no push"

    @property
    def push(self) -> bool:
        """Whether callbacks are registered and push is said to be healthy."""
        return self is not Mode.NO_PUSH


@dataclass
class CallsResult:
    """What one account cost over the simulated hours."""

    mode: Mode
    devices: int
    reporting: int
    blocks: int
    subdevices: int
    hours: int
    total: int
    per_device_hour: float
    per_device_hour_all: float
    busiest: int
    #: route -> (calls in all, per device-hour after the first hour)
    routes: dict[str, tuple[int, float]]
    #: GUID -> heartbeat reads
    heartbeats: Counter[str]
    covered: int
    taken: dict[str, str]
    reports: int
    delivered: int
    accepted: int
    applied: int
    foreign: int
    missed: int
    failed: Counter[str] = field(default_factory=Counter)


@dataclass
class LatencyResult:
    """How long callbacks took to bring reported readings."""

    sent: int
    latencies_ms: list[float]
    refused: Counter[str]


class _Receiver:
    """Our webhook on 127.0.0.1: each POSTed body to ``parse_webhook``, applied.

    As the push module does: the body read (at most MAX_BODY), checked,
    parsed against the devices Home Assistant holds (``known``) and its
    updates applied onto them; refused bodies are counted by reason.
    """

    def __init__(
        self,
        account: NinjaBlocksAccount,
        known: dict[str, Device],
        seen: Callable[[Device], None] | None = None,
    ) -> None:
        """Apply onto ``known``; hand every update to ``seen`` (the latency case)."""
        self.account = account
        self.known = known
        self.seen = seen
        self.accepted = 0
        self.applied = 0
        self.relists = 0
        self.foreign = 0
        self.refused: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.foreign_url = ""

    async def start(self) -> None:
        """Serve the webhook on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self._handle)
        app.router.add_post(FOREIGN_PATH, self._handle_foreign)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port: int = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        self.foreign_url = f"http://127.0.0.1:{port}{FOREIGN_PATH}"

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle_foreign(self, request: web.Request) -> web.Response:
        """The other app's callback: counted, nothing more."""
        await request.read()
        self.foreign += 1
        return web.Response(status=200)

    def _refuse(self, reason: str, status: int) -> web.Response:
        self.refused[reason] += 1
        return web.Response(status=status)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return self._refuse("too_large", 413)
        account = self.account
        try:
            account.verify_webhook(body, request.headers)
        except PushRejectedError as err:
            return self._refuse(err.reason, 401)
        try:
            payload = json.loads(body)
        except ValueError:
            return self._refuse("not_json", account.ignored_status)
        try:
            pushed = account.parse_webhook(payload, self.known)
        except PushRejectedError as err:
            return self._refuse(err.reason, account.ignored_status)
        self.accepted += 1
        for update in pushed.updates:
            if self.seen is not None:
                self.seen(update.device)
            self.known[update.device.id] = update.device
            self.applied += 1
        if pushed.relist:
            self.relists += 1  # the account's next_refresh asks for it at once
        return web.Response(status=200)


def _account(
    session: aiohttp.ClientSession, sim: NinjaBlocksSimulator, url: str
) -> NinjaBlocksAccount:
    """The integration's account on the simulator, on its clock."""
    client = NinjaBlocksClient(
        session, f"{url}{BASE_PATH}", sim.token, now=sim.clock.now
    )
    return NinjaBlocksAccount(client)


class _World:
    """The measuring sensors of every block, reporting a drifting reading each tick."""

    def __init__(self, sim: NinjaBlocksSimulator, seed: int) -> None:
        """Start each walk from the device's last report."""
        self.sim = sim
        self.rng = random.Random(seed)  # noqa: S311 - readings, no secret
        self.values: dict[str, tuple[str, float]] = {}
        for node in sim.nodes:
            for device_type, guid in block_guids(node).items():
                if device_type not in WALKS:
                    continue
                last = sim.device(guid).last_data
                low, high, _ = WALKS[device_type]
                start = (low + high) / 2
                if last is not None and isinstance(last.da, int | float):
                    start = float(last.da)
                self.values[guid] = (device_type, start)
        self.reports = 0

    def tick(self) -> None:
        """Every measuring sensor reports a new reading (POSTed to its callback)."""
        for guid, (device_type, value) in self.values.items():
            low, high, step = WALKS[device_type]
            moved = value
            while moved == value:
                moved = round(
                    min(high, max(low, value + self.rng.uniform(-step, step))), 1
                )
            self.values[guid] = (device_type, moved)
            self.sim.report(guid, moved)
            self.reports += 1


async def run_calls(mode: Mode, blocks: int, hours: int, seed: int) -> CallsResult:
    """One account for ``hours`` simulated hours in ``mode``; what it cost."""
    sim = NinjaBlocksSimulator(blocks=blocks, seed=seed)
    server = await start_server(sim)
    clock = sim.clock
    failed: Counter[str] = Counter()
    world = _World(sim, seed)
    missed = 0
    try:
        async with aiohttp.ClientSession() as session:
            acct = _account(session, sim, server.url)
            known: dict[str, Device] = {}
            receiver = _Receiver(acct, known)
            await receiver.start()
            try:
                if mode is Mode.TAKEN:
                    sim.set_foreign_callback(
                        block_guids(sim.nodes[0])[TEMPERATURE], receiver.foreign_url
                    )
                start = clock.now()
                known.update((await acct.async_refresh(RefreshRequest())).devices)
                if mode.push:
                    await acct.async_register_webhook(receiver.url)
                interval = (
                    DESCRIPTOR.push_safety_net
                    if mode.push
                    else timedelta(seconds=SCAN_INTERVAL)
                )
                end = start + timedelta(hours=hours)
                next_tick = start + TICK
                refresh_at = _plan(acct, clock.now(), interval)
                while True:
                    now = clock.now()
                    wake = min(next_tick, refresh_at)
                    if wake >= end:
                        break
                    if wake > now:
                        clock.advance((wake - now).total_seconds())
                    now = clock.now()
                    if next_tick <= now:
                        world.tick()
                        next_tick += TICK
                        relists = receiver.relists
                        await sim.deliveries_idle()
                        if receiver.relists > relists:
                            # the push module asks the coordinator for a refresh
                            refresh_at = now
                    if refresh_at <= now:
                        missed += await _refresh(acct, known, mode.push, failed)
                        refresh_at = _plan(acct, clock.now(), interval)
                await sim.deliveries_idle()
            finally:
                await receiver.close()
            failed.update(receiver.refused)
            if receiver.relists:
                failed["pushed an unknown GUID (relist)"] += receiver.relists
            devices = len(acct.entries)
            reporting = sum(1 for entry in acct.entries.values() if entry.reporting)
            covered = len(acct.covered)
            taken = dict(acct.push_taken())
            accepted, applied = receiver.accepted, receiver.applied
            foreign = receiver.foreign
            ours = receiver.url
    finally:
        await server.close()
    delivered = sum(
        1
        for d in sim.callback_deliveries()
        if d.url == ours and d.outcome == "sent" and d.status == 200
    )
    return summarize(
        sim,
        start,
        hours,
        mode,
        Counts(
            devices=devices,
            reporting=reporting,
            blocks=len(sim.nodes),
            subdevices=sum(len(d.sub_devices) for d in sim.devices.values()),
            covered=covered,
            reports=world.reports,
            delivered=delivered,
            accepted=accepted,
            applied=applied,
            foreign=foreign,
            missed=missed,
        ),
        taken,
        failed,
    )


def _plan(acct: NinjaBlocksAccount, now: datetime, interval: timedelta) -> datetime:
    """When the coordinator refreshes next, planned right after a refresh.

    As ``_plan_next_poll`` does: the account's ``next_refresh`` when it
    names a moment (at least MIN_PLANNED_WAIT away), else the regular
    interval (the safety net while push is healthy, else SCAN_INTERVAL).
    """
    plan = acct.next_refresh(now)
    if plan.at is None:
        return now + interval
    return now + max(plan.at - now, MIN_PLANNED_WAIT)


async def _refresh(
    acct: NinjaBlocksAccount,
    known: dict[str, Device],
    push: bool,
    failed: Counter[str],
) -> int:
    """One refresh as the coordinator asks it; its devices onto ``known``.

    Returns how many polled devices changed without a push (``push_missed``,
    as the coordinator judges it while push is healthy).
    """
    try:
        refresh = await acct.async_refresh(
            RefreshRequest(known=dict(known), push_healthy=push)
        )
    except VendorError as err:
        failed[f"refresh: {type(err).__name__}: {err}"] += 1
        return 0
    missed = 0
    if push:
        for device_id, polled in refresh.devices.items():
            held = known.get(device_id)
            if held is not None and acct.push_missed(held, polled):
                missed += 1
    known.update(refresh.devices)
    for error in refresh.failed.values():
        failed[f"{type(error).__name__}: {error}"] += 1
    return missed


@dataclass
class Counts:
    """What a run counted besides the simulator's requests."""

    devices: int
    reporting: int
    blocks: int
    subdevices: int
    covered: int
    reports: int
    delivered: int
    accepted: int
    applied: int
    foreign: int
    missed: int


def summarize(
    sim: NinjaBlocksSimulator,
    start: datetime,
    hours: int,
    mode: Mode,
    counts: Counts,
    taken: dict[str, str],
    failed: Counter[str],
) -> CallsResult:
    """Calls per device-hour (after the first hour), the busiest hour, by route."""
    calls = [(f"{r.method} {r.route}", r.at) for r in sim.requests if r.at is not None]
    moments = sorted(at for _, at in calls)
    first_hour_over = start + timedelta(hours=1)
    later_hours = max(1, hours - 1)
    devices = counts.devices
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
    heartbeats = Counter(
        r.device_id or "?" for r in sim.requests if r.route == HEARTBEAT_ROUTE
    )
    return CallsResult(
        mode=mode,
        devices=devices,
        reporting=counts.reporting,
        blocks=counts.blocks,
        subdevices=counts.subdevices,
        hours=hours,
        total=len(calls),
        per_device_hour=after / later_hours / devices,
        per_device_hour_all=len(calls) / hours / devices,
        busiest=busiest,
        routes=routes,
        heartbeats=heartbeats,
        covered=counts.covered,
        taken=taken,
        reports=counts.reports,
        delivered=counts.delivered,
        accepted=counts.accepted,
        applied=counts.applied,
        foreign=counts.foreign,
        missed=counts.missed,
        failed=failed,
    )


async def run_latency(blocks: int, events: int, seed: int) -> LatencyResult:
    """Report ``events`` readings in real time; how long each took to be parsed."""
    rng = random.Random(seed)  # noqa: S311 - which device reports what, no secret
    sim = NinjaBlocksSimulator(blocks=blocks, seed=seed)
    server = await start_server(sim)
    latencies: list[float] = []
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

    try:
        async with aiohttp.ClientSession() as session:
            acct = _account(session, sim, server.url)
            known = dict((await acct.async_refresh(RefreshRequest())).devices)
            receiver = _Receiver(acct, known, seen)
            await receiver.start()
            try:
                await acct.async_register_webhook(receiver.url)
                targets = sorted(
                    block_guids(node)[TEMPERATURE]
                    for node in sim.nodes
                    if block_guids(node)[TEMPERATURE] in acct.covered
                )
                for _ in range(events):
                    guid = rng.choice(targets)
                    held = known[guid].readings.get(Measurement.TEMPERATURE)
                    value = held
                    while value == held:
                        value = round(rng.uniform(19.0, 31.0), 1)
                    assert value is not None
                    arrived = loop.create_future()
                    expected[guid] = (value, arrived)
                    sent = time.perf_counter()
                    sim.report(guid, value)
                    try:
                        async with asyncio.timeout(EVENT_TIMEOUT):
                            at = await arrived
                    except TimeoutError:
                        expected.pop(guid, None)
                        continue
                    latencies.append((at - sent) * 1000)
                await sim.deliveries_idle()
            finally:
                await receiver.close()
    finally:
        await server.close()
    return LatencyResult(sent=events, latencies_ms=latencies, refused=receiver.refused)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _label(result: CallsResult) -> str:
    safety = int(DESCRIPTOR.push_safety_net.total_seconds() // 60)
    match result.mode:
        case Mode.HEALTHY:
            return f"1. callbacks healthy (a refresh every {safety} min)"
        case Mode.TAKEN:
            return (
                f"2. one callback taken by another app (a refresh every {safety} "
                f"min, or each {POLL_INTERVAL.total_seconds():g} s as next_refresh asks)"
            )
        case Mode.NO_PUSH:
            return (
                f"3. no push (a refresh every {SCAN_INTERVAL} s: the listing, one "
                "call for every device, where heartbeats would be one a device)"
            )


def _short(guid: str, names: Mapping[str, str]) -> str:
    name = names.get(guid)
    return f"{guid} ({name})" if name else guid


def print_calls(result: CallsResult, names: Mapping[str, str]) -> None:
    """One case's calls."""
    print(f"  {_label(result)}:")
    if result.mode.push:
        verdict = "ok" if result.per_device_hour <= HEALTHY_TARGET else "OVER"
        target = f"target <= {HEALTHY_TARGET:g}: {verdict}"
    else:
        target = "for information"
    print(
        f"    {result.total} REST calls in {result.hours} h; "
        f"{result.per_device_hour:.2f} per device-hour after the first hour "
        f"({target}), {result.per_device_hour_all:.2f} over all hours; "
        f"busiest sliding hour {result.busiest} calls = "
        f"{result.busiest / result.devices:.2f} per device"
    )
    if result.mode.push:
        print(
            f"    callbacks ours on {result.covered} devices, taken by another app: "
            f"{', '.join(_short(g, result.taken) for g in sorted(result.taken)) or 'none'}"
        )
        foreign = f", {result.foreign} to the other app" if result.foreign else ""
        print(
            f"    {result.reports} readings reported; callback POSTs: "
            f"{result.delivered} delivered to us{foreign}; {result.accepted} "
            f"parsed into {result.applied} device updates (blocks included); "
            f"polls that found a change push missed: {result.missed}"
        )
    else:
        print(f"    {result.reports} readings reported (no callbacks)")
    print("    by route (calls in all; per device-hour after the first hour):")
    width = max(len(name) for name in result.routes)
    for name, (count, rate) in result.routes.items():
        print(f"      {name:<{width}}  {count:>6}  {rate:6.2f}")
    beats = result.heartbeats
    if not beats:
        print("    heartbeats read: none")
    elif len(beats) <= 3:
        listed = ", ".join(f"{_short(g, names)} x{n}" for g, n in beats.most_common())
        print(f"    heartbeats read of {len(beats)} device(s): {listed}")
    else:
        counts = sorted(set(beats.values()))
        each = (
            f"{counts[0]} each"
            if len(counts) == 1
            else f"{counts[0]}-{counts[-1]} each"
        )
        print(
            f"    heartbeats read of {len(beats)} devices ({each}; "
            f"{result.reporting} reporting devices listed)"
        )
    if result.failed:
        print(f"    refused or failed: {dict(result.failed)}")


def print_latency(result: LatencyResult) -> None:
    """The callbacks' latency."""
    arrived = len(result.latencies_ms)
    print("  4. callback latency (real time, sim.report -> parsed update):")
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
    if result.refused:
        print(f"    refused: {dict(result.refused)}")


def _names(blocks: int, seed: int) -> dict[str, str]:
    """GUID -> device_type of the simulator's world (for the printout)."""
    sim = NinjaBlocksSimulator(blocks=blocks, seed=seed)
    return {guid: device.device_type for guid, device in sim.devices.items()}


def main() -> None:
    """Parse the arguments, run the four cases and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=1)
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.blocks < 1 or args.hours < 1 or args.events < 1:
        parser.error("--blocks, --hours and --events must be at least 1")
    names = _names(args.blocks, args.seed)
    for index, mode in enumerate(Mode):
        result = asyncio.run(run_calls(mode, args.blocks, args.hours, args.seed))
        if index == 0:
            print(
                f"Ninja Blocks: {result.blocks} block(s) of 11 devices and the "
                f"webhook device = {result.devices} devices (GUID devices, "
                f"{result.reporting} of them reporting; the {result.blocks} "
                f"block(s) and {result.subdevices} sub-devices are not counted); "
                f"{args.hours} simulated hours, the measuring sensors reporting "
                f"every {TICK.total_seconds():g} s"
            )
        print_calls(result, names)
    print_latency(asyncio.run(run_latency(args.blocks, args.events, args.seed)))


if __name__ == "__main__":
    main()
