"""Benchmark: Netro calls a day and zone-state staleness over simulated days.

One controller (6 zones) and one soil sensor run against the Netro simulator
on 127.0.0.1 for N simulated days (default 30). The integration's own
``NetroAccount`` objects are driven exactly as the coordinator drives them:
a refresh (``async_poll``) whenever ``next_poll`` says so, never sooner
than the coordinator's 5 s floor. Each day has the simulator's smart schedule
plus random manual waterings: some started from Home Assistant (through the
account, like the zone switch) and some from the Netro app (straight to the
cloud, which we only learn about by polling).

Printed: calls a day for controller + sensor (mean, max), code-3 errors, and
zone-state staleness: for every real start and stop of a zone (from the
simulator's own log), how long until the state we derive showed it. A
transition is "while watering" when some zone was watering (or had just
stopped) in the minute before it, and "while idle" otherwise.

A second scenario holds a disagreement for an hour: the controller waters a
zone it started itself (its own button), which schedules.json never lists, so
the status says WATERING while no schedule runs. Printed: the calls that hour
cost, by endpoint, next to an idle hour's.
"""

from __future__ import annotations

import argparse
import asyncio
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
import random
import statistics
import sys
import time
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.petsmart_hub.model import DeviceKind, Water
from custom_components.petsmart_hub.vendors.http import RequestGate
from custom_components.petsmart_hub.vendors.netro import NetroAccount, NetroClient
from simulator.core import start_server
from simulator.netro import NetroSimulator

VERBOSE = False
STEP = timedelta(seconds=5)  # the coordinator's shortest gap between refreshes
CONTROLLER = "CTRL00000001"
SENSOR = "SENS00000001"


@dataclass
class Shown:
    """What Home Assistant would show per zone, as a timeline of changes."""

    changes: dict[int, list[tuple[datetime, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def record(self, moment: datetime, zone: int, watering: bool) -> None:
        """Note the state shown at ``moment`` (only changes are kept)."""
        timeline = self.changes[zone]
        if not timeline or timeline[-1][1] != watering:
            timeline.append((moment, watering))

    def first(self, zone: int, state: bool, after: datetime) -> datetime | None:
        """First moment at or after ``after`` at which the zone showed ``state``."""
        timeline = self.changes[zone]
        # the state shown at ``after`` may already be right
        index = bisect_left([moment for moment, _ in timeline], after)
        if index > 0 and timeline[index - 1][1] == state:
            return after
        for moment, shown in timeline[index:]:
            if shown == state:
                return moment
        return None


async def run(days: int, seed: int) -> dict[str, Any]:
    """Run the simulation and return the measured numbers."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable benchmark, not crypto
    sim = NetroSimulator(controllers=1, zones=6, sensors=1, seed=seed)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    sim.clock.set(start)
    now = start
    server = await start_server(sim)
    base_url = f"{server.url}/npa/v1"
    shown = Shown()
    code3 = 0
    held_back = 0
    try:
        async with aiohttp.ClientSession() as session:
            accounts = {
                key: NetroAccount(NetroClient(session, key, base_url), now=lambda: now)
                for key in (CONTROLLER, SENSOR)
            }
            # the Netro app is not us: our request cap does not hold it back
            app = NetroClient(
                session,
                CONTROLLER,
                base_url,
                gate=RequestGate(cap=10**9, window=timedelta(minutes=10)),
            )
            wake = dict.fromkeys(accounts, now)
            manual: list[tuple[datetime, str, int, int]] = []
            for day in range(days):
                for source in ("ha", "app"):
                    moment = start + timedelta(
                        days=day, hours=rng.uniform(8, 20), minutes=rng.uniform(0, 59)
                    )
                    manual.append(
                        (moment, source, rng.randint(1, 5), rng.randint(2, 8))
                    )
            manual.sort()
            end = start + timedelta(days=days)
            while now < end:
                sim.clock.set(now)
                while manual and manual[0][0] <= now:
                    _, source, zone, minutes = manual.pop(0)
                    if source == "app":
                        await app.async_water(minutes, zones=[zone])
                    else:
                        account = accounts[CONTROLLER]
                        device = next(
                            d
                            for d in await account.async_poll()
                            if d.kind is DeviceKind.SPRINKLER_ZONE
                            and d.zone is not None
                            and d.zone.index == zone
                        )
                        await account.async_execute(
                            device, Water(duration_s=60 * minutes)
                        )
                        wake[CONTROLLER] = now
                for key, account in accounts.items():
                    if now < wake[key]:
                        continue
                    try:
                        devices = await account.async_poll()
                    except Exception as err:  # noqa: BLE001 - counted, not fatal
                        print(f"{now}: {key}: {err}", file=sys.stderr)
                        devices = []
                    for device in devices:
                        if device.zone is not None:
                            shown.record(
                                now, device.zone.index, bool(device.zone.watering)
                            )
                    planned = account.next_refresh(now).at
                    wake[key] = max(planned or now + timedelta(minutes=1), now + STEP)
                now = min([*wake.values(), *(m[0] for m in manual[:1])])
            sim.clock.set(end)
            code3 = sum(sim.code3_count(key) for key in accounts)
            held_back = sum(account.gate.refused for account in accounts.values())
            per_day: dict[object, int] = defaultdict(int)
            for key in accounts:
                for day, count in sim.calls_per_day(key).items():
                    per_day[day] += count
            runs = [run for run in sim.watering_log(CONTROLLER) if run[1] >= start]
            by_route: dict[str, int] = defaultdict(int)
            for request in sim.requests:
                by_route[request.path.rsplit("/", 1)[-1]] += 1
    finally:
        await server.close()

    # A run cut short by another run of the same zone (a manual watering
    # started over a scheduled one) is one watering as far as anyone can see.
    merged: list[tuple[int, datetime, datetime]] = []
    for zone, run_start, run_end in sorted(runs, key=lambda run: (run[0], run[1])):
        if (
            merged
            and merged[-1][0] == zone
            and run_start - merged[-1][2] < timedelta(seconds=1)
        ):
            merged[-1] = (zone, merged[-1][1], run_end)
        else:
            merged.append((zone, run_start, run_end))
    runs = sorted(merged, key=lambda run: run[1])
    busy: list[tuple[datetime, datetime]] = [(s, e) for _, s, e in runs]

    def watering_near(moment: datetime) -> bool:
        window = moment - timedelta(minutes=1)
        return any(s < moment and e >= window for s, e in busy if s != moment)

    stale: dict[str, list[float]] = {"watering": [], "idle": []}
    missed = 0
    for zone, run_start, run_end in runs:
        for moment, state in ((run_start, True), (run_end, False)):
            seen = shown.first(zone, state, moment)
            if seen is None or (state and seen >= run_end):
                # never shown while it lasted (a short run started in the app
                # between two status reads): it only shows as last watering
                missed += 1
                continue
            mode = "watering" if (not state or watering_near(moment)) else "idle"
            stale[mode].append((seen - moment).total_seconds())
            if VERBOSE and mode == "watering" and (seen - moment).total_seconds() > 60:
                print("slow", zone, state, moment, seen, file=sys.stderr)
    counts = [per_day[day] for day in sorted(per_day)][:days]
    return {
        "days": len(counts),
        "calls_mean": statistics.mean(counts),
        "calls_max": max(counts),
        "code3": code3,
        "held_back": held_back,
        "runs": len(runs),
        "missed": missed,
        "stale_watering_max": max(stale["watering"], default=0.0),
        "stale_watering_mean": statistics.mean(stale["watering"] or [0.0]),
        "stale_idle_max": max(stale["idle"], default=0.0),
        "stale_idle_mean": statistics.mean(stale["idle"] or [0.0]),
        "transitions_watering": len(stale["watering"]),
        "transitions_idle": len(stale["idle"]),
        "by_route": {k: v / days for k, v in sorted(by_route.items())},
    }


async def hour_of_calls(seed: int, *, disagree: bool) -> dict[str, int]:
    """The controller's calls, by endpoint, in one hour (idle, or disagreeing)."""
    sim = NetroSimulator(controllers=1, zones=6, sensors=0, seed=seed)
    # 11:00 in Los Angeles: the day's smart schedule is long done
    start = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    now = start
    sim.clock.set(now)
    server = await start_server(sim)
    try:
        async with aiohttp.ClientSession() as session:
            account = NetroAccount(
                NetroClient(session, CONTROLLER, f"{server.url}/npa/v1"),
                now=lambda: now,
            )
            await account.async_poll()  # settled: everything read once
            mark = len(sim.requests)
            if disagree:
                sim.water_unlisted(CONTROLLER, 2, 60)
            end = start + timedelta(hours=1)
            while now < end:
                sim.clock.set(now)
                await account.async_poll()
                planned = account.next_refresh(now).at
                now = max(planned or now + timedelta(minutes=1), now + STEP)
            assert not disagree or sim.controllers[CONTROLLER].status == "WATERING"
            by_route: dict[str, int] = defaultdict(int)
            for request in sim.requests[mark:]:
                by_route[request.path.rsplit("/", 1)[-1]] += 1
    finally:
        await server.close()
    return dict(sorted(by_route.items()))


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--verbose", action="store_true", help="list transitions shown late (> 60 s)"
    )
    args = parser.parse_args()
    global VERBOSE  # noqa: PLW0603 - a debugging switch of this script
    VERBOSE = args.verbose
    began = time.monotonic()
    result = asyncio.run(run(args.days, args.seed))
    print(f"Netro budget benchmark: {result['days']} simulated days, seed {args.seed}")
    print(
        f"  calls/day (controller + sensor): mean {result['calls_mean']:.1f}, max {result['calls_max']}"
    )
    print(f"  code-3 errors: {result['code3']}")
    print(f"  requests held back by the request cap: {result['held_back']}")
    print(
        f"  zone runs: {result['runs']} (transitions never shown: {result['missed']})"
    )
    print(
        f"  staleness while watering: max {result['stale_watering_max']:.0f} s, "
        f"mean {result['stale_watering_mean']:.1f} s over {result['transitions_watering']} transitions"
    )
    print(
        f"  staleness while idle:     max {result['stale_idle_max']:.0f} s, "
        f"mean {result['stale_idle_mean']:.1f} s over {result['transitions_idle']} transitions"
    )
    routes = ", ".join(f"{k} {v:.0f}" for k, v in result["by_route"].items())
    print(f"  calls/day by endpoint: {routes}")
    for label, disagree in (("idle hour", False), ("disagreement hour", True)):
        hour = asyncio.run(hour_of_calls(args.seed, disagree=disagree))
        detail = ", ".join(f"{k} {v}" for k, v in hour.items())
        print(f"  {label + ':':19} {sum(hour.values())} calls ({detail})")
    took = time.monotonic() - began
    print(f"  wall time: {took:.1f} s")


if __name__ == "__main__":
    main()
