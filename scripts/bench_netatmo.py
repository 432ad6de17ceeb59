"""Benchmark: Netatmo calls an hour, with the webhook healthy and without it.

One home with three cameras (indoor, outdoor, doorbell), a weather station
and a home coach, against the Netatmo simulator on 127.0.0.1, for N
simulated hours (default 6). The integration's own ``NetatmoAccount`` is
driven as the coordinator drives it: a refresh when ``next_refresh`` says
so, and at the latest after the coordinator's interval (60 s; the vendor's
safety net while push is healthy). With push, the account registers its
webhook first and every refresh says push is healthy; the simulator's
cameras see an animal every few minutes either way (events then come by
webhook, or by polling). The simulator and the account share one simulated
clock, so the cloud's own limits (50 per 10 s, 500 an hour) and token
lifetimes apply as they would.

Printed per case: API calls an hour (mean over the whole hours after the
first, which also reads the topology; the busiest sliding hour), by
endpoint, and any call the cloud refused. Targets (issue): <= 30 an hour
with the webhook healthy, <= 120 without.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
import random
import sys

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.petsmart_hub.const import SCAN_INTERVAL
from custom_components.petsmart_hub.vendors.base import RefreshRequest, VendorError
from custom_components.petsmart_hub.vendors.netatmo import DESCRIPTOR
from custom_components.petsmart_hub.vendors.netatmo.account import NetatmoAccount
from custom_components.petsmart_hub.vendors.netatmo.client import NetatmoClient
from simulator.core import BaseSimulator, start_server
from simulator.netatmo import NetatmoSimulator

TARGETS = {True: 30, False: 120}


class _Receiver(BaseSimulator):
    """Home Assistant's webhook, as far as the cloud can tell: 200 to everything."""

    def __init__(self) -> None:
        """One catch-all POST route."""
        super().__init__()

        async def answer(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(status=200)

        self.app.router.add_post("/api/webhook/{webhook_id}", answer)


async def run_case(push: bool, hours: int, seed: int) -> dict[str, object]:
    """One account for ``hours`` simulated hours; what it cost."""
    rng = random.Random(seed)  # noqa: S311 - when animals pass, not a secret
    sim = NetatmoSimulator(homes=1, stations=1, coaches=1, seed=seed)
    server = await start_server(sim)
    clock = sim.clock
    tokens = sim.issue_token()

    async def token(*, refresh: bool = False) -> str:
        nonlocal tokens
        if refresh:
            tokens = sim.issue_token()
        return str(tokens["access_token"])

    refused: Counter[str] = Counter()
    receiver = await start_server(_Receiver())
    try:
        async with aiohttp.ClientSession() as session:
            client = NetatmoClient(session, token, server.url)
            account = NetatmoAccount(
                client, client_secret=sim.client_secret, now=clock.now
            )
            start = clock.now()
            known = (await account.async_refresh(RefreshRequest())).devices
            if push:
                # Home Assistant's webhook stands in: it answers every delivery
                await account.async_register_webhook(f"{receiver.url}/api/webhook/x")
            # the cameras that see animals (a doorbell tells of rings)
            cameras = [
                d.id
                for d in known.values()
                if d.kind.value == "camera" and d.model != "Smart Video Doorbell"
            ]
            interval = (
                DESCRIPTOR.push_safety_net if push else timedelta(seconds=SCAN_INTERVAL)
            )
            end = start + timedelta(hours=hours)
            next_animal = start + timedelta(minutes=rng.uniform(2, 10))
            while clock.now() < end:
                now = clock.now()
                plan = account.next_refresh(now)
                wake = now + interval
                if plan.at is not None:
                    wake = min(wake, max(plan.at, now + timedelta(seconds=5)))
                if next_animal <= wake:
                    clock.advance((next_animal - now).total_seconds())
                    sim.raise_event(rng.choice(cameras), "animal")
                    next_animal += timedelta(minutes=rng.uniform(2, 10))
                    continue
                clock.advance((wake - now).total_seconds())
                try:
                    refresh = await account.async_refresh(
                        RefreshRequest(known=known, push_healthy=push)
                    )
                except VendorError as err:
                    refused[f"{type(err).__name__}: {err}"] += 1
                    continue
                known = {**known, **refresh.devices}
                for error in refresh.failed.values():
                    refused[f"{type(error).__name__}: {error}"] += 1
    finally:
        await sim.close_deliveries()
        await server.close()
        await receiver.close()
    return summarize(sim, start, hours, push, refused)


def summarize(
    sim: NetatmoSimulator,
    start: datetime,
    hours: int,
    push: bool,
    refused: Counter[str],
) -> dict[str, object]:
    """Calls an hour (after the first hour), the busiest sliding hour, by endpoint."""
    calls = sim.api_requests()
    moments = sorted(at for _, at in calls)
    first_hour_over = start + timedelta(hours=1)
    per_hour = sum(1 for m in moments if m >= first_hour_over) / max(1, hours - 1)
    busiest = 0
    low = 0
    for high, moment in enumerate(moments):
        while moments[low] <= moment - timedelta(hours=1):
            low += 1
        busiest = max(busiest, high - low + 1)
    endpoints = Counter(name for name, at in calls if at >= first_hour_over)
    return {
        "push": push,
        "per_hour": per_hour,
        "busiest": busiest,
        "endpoints": {k: v / max(1, hours - 1) for k, v in endpoints.most_common()},
        "refused": dict(refused),
        "target": TARGETS[push],
    }


def main() -> None:
    """Parse the arguments, run both cases and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        "one home: 3 cameras (indoor, outdoor, doorbell), a weather station "
        f"(2 modules), a home coach; {args.hours} simulated hours"
    )
    for push in (True, False):
        result = asyncio.run(run_case(push, args.hours, args.seed))
        label = "webhook healthy" if push else "no webhook    "
        verdict = "ok" if result["per_hour"] <= result["target"] else "OVER"  # type: ignore[operator]
        print(
            f"  {label}: {result['per_hour']:.1f} calls/h "
            f"(busiest hour {result['busiest']}; target <= {result['target']}: "
            f"{verdict})"
        )
        endpoints = ", ".join(
            f"{name} {count:.1f}"
            for name, count in result["endpoints"].items()  # type: ignore[attr-defined]
        )
        print(f"    per hour: {endpoints}")
        if result["refused"]:
            print(f"    refused or failed: {result['refused']}")


if __name__ == "__main__":
    main()
