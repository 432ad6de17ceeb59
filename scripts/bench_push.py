"""Benchmark: OneNata push in a real Home Assistant (not a timed test).

A OneNata account of N devices (every kind, ``--per-kind`` of each) is added
to a real ``hass`` next to the simulator. With ``--push`` HA's external URL is
its own 127.0.0.1 address, so the account registers its webhook and the
simulator calls HA's ``/api/webhook/<id>``; without it, HA polls as today.
For ``--minutes`` of real time the simulator changes a random device about
once a second (its battery level), and every change is delivered at once.

Printed:
- latency from the simulator's change to HA's answer to the webhook call
  (p50, p95, max): HA applies the pushed state to the entity before it
  answers, so this is change → new state;
- requests per device-hour the account made in the window (webhook
  registration included), push on or off.
A window shorter than the 15-minute safety net misses its poll: run at least
16 minutes for the push-healthy request rate.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from e2e.hass import wait_for
from e2e.stack import PASSWORD, USERNAME, add_onenata_account, running_stack

API_KEY = "bench-key"


def percentile(values: list[float], share: float) -> float:
    """The value ``share`` of the way up the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(per_kind: int, minutes: float, push: bool, seed: int) -> None:
    """One account in a real hass for ``minutes``; print what it cost."""
    rng = random.Random(seed)  # noqa: S311 - which device changes, not a secret
    with tempfile.TemporaryDirectory() as config_dir:
        async with running_stack(
            Path(config_dir) / "config",
            api_key=API_KEY,
            history=False,
            devices_per_kind=per_kind,
        ) as stack:
            sim = stack.fleet.onenata
            if push:
                await stack.reach_from_the_cloud()
            entry = await add_onenata_account(
                stack.client, stack.fleet.onenata_url, API_KEY
            )
            if push:

                async def registered() -> bool:
                    return sim.webhook is not None

                # a big account takes a while to set up before it registers
                await wait_for(
                    registered, within=30 + len(sim.devices), what="the webhook"
                )
            devices = len(sim.devices)
            batteries = [d for d in sim.devices.values() if d.battery_level is not None]
            await asyncio.sleep(5)  # setup settled
            before = len(sim.requests)
            delivered_before = len(sim.deliveries)
            start = time.monotonic()
            changes = 0
            while time.monotonic() - start < minutes * 60:
                device = rng.choice(batteries)
                level = device.battery_level or 50
                sim.update_device(device.device_id, battery_level=(level % 95) + 5)
                sim.notify_changes()
                changes += 1
                await asyncio.sleep(rng.uniform(0.8, 1.2))
            await sim.deliveries_idle()
            elapsed_h = (time.monotonic() - start) / 3600
            requests = len(sim.requests) - before
            deliveries = sim.deliveries[delivered_before:]
            latencies = [
                d.latency * 1000
                for d in deliveries
                if d.outcome == "sent" and d.status == 200 and d.latency is not None
            ]
            print(
                f"devices {devices}, push {'on' if push else 'off'}, "
                f"{minutes:g} min, {changes} changes"
            )
            print(
                f"  requests {requests}: {requests / devices / elapsed_h:.1f} "
                "per device-hour"
            )
            routes = Counter(r.route for r in sim.requests[before:])
            print(
                "  by route: "
                + ", ".join(f"{route} {count}" for route, count in routes.most_common())
            )
            if push:
                # Home Assistant's access tokens last 30 minutes
                await stack.client.login(USERNAME, PASSWORD)
                diagnostics = await stack.client.get(
                    f"/api/diagnostics/config_entry/{entry['entry_id']}"
                )
                health = diagnostics["data"]["push"]
                print(
                    f"  push at the end: {health['state']}"
                    + (f" ({health['error']})" if health.get("error") else "")
                )
                failed = [
                    d for d in deliveries if d.outcome != "sent" or d.status != 200
                ]
                print(
                    f"  deliveries {len(deliveries)} ({len(failed)} not answered 200)"
                )
                if latencies:
                    print(
                        f"  latency change -> new state: p50 "
                        f"{statistics.median(latencies):.1f} ms, p95 "
                        f"{percentile(latencies, 0.95):.1f} ms, max "
                        f"{max(latencies):.1f} ms over {len(latencies)} events"
                    )


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=9, help="devices of each kind")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--push", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.per_kind, args.minutes, args.push, args.seed))


if __name__ == "__main__":
    main()
