"""Benchmark: OneNata accounts of 5 to 500 devices in a real Home Assistant.

Not a timed test: it measures what a big account costs, size by size. Every
account is a OneNata simulator answering each request 50 ms late
(``LATENCY``), with a mix of devices: the kinds taken in turn (feeder,
fountain, tracker, camera, litter box, toy, feeder...), so 5 devices are one
each of the first five kinds and 50 are 9 feeders, 9 fountains and 8 of each
other kind (``OneNataSimulator(devices=N)``). Home Assistant runs with its
recorder (``--no-recorder``: without).

1. An empty Home Assistant (started, onboarded, no entry): its RSS, the
   baseline of RSS per device, and its idle CPU.

2. Every size (``--sizes``) in a fresh ``hass`` of its own, one account:

   - idle CPU of that hass before the account is added (``--idle-seconds``);
   - setup: from submitting the config flow's last step to the flow
     returning (the entry created and set up), and to every device filled
     in: every enabled entity of each of its devices has a state, and not
     ``unavailable`` ("unknown" counts as a state), from ``/api/states`` and
     the entity registry every second, for at most ``--setup-timeout`` +
     ``--setup-timeout-per-device`` x devices seconds. Whether the log says
     "Setup of petsmart_hub is taking over" (Home Assistant 2025.4 times
     only the integration's own ``async_setup`` with it, not an entry's
     setup) and how many platforms' setup it said "is taking over" of;
   - polling (no push), ``--polls`` refreshes: the hass process's CPU
     (utime + stime of /proc/<pid>/stat, in 10 ms ticks) from each one's
     start to ``TAIL`` seconds after its last request, minus the idle CPU
     of the same hass between refreshes over as long; the median refresh's,
     and per device (each refresh's is printed: one that meets Home
     Assistant's own work every 5 minutes, the statistics it compiles for
     every sensor, is one of several, not a share of an average). Also
     printed: the CPU from the first refresh's start to the start of the one
     after the last, minus the idle before the entry was
     added (the recorder's work every 5 minutes lands in it, or not). A few
     devices make a few ticks: their number is rough. Its RSS (VmRSS of
     /proc/<pid>/status, the median of samples every 2 s) minus the empty
     one's, per device;
   - refresh wall time: the account's GET requests (its polls; webhook
     registration and commands are POSTs), in bursts split by more than
     ``GAP`` seconds without one; a refresh's wall = last arrival - first
     arrival + latency, its bound = latency x ceil(requests / ``CAP``)
     (OneNata's concurrency cap); the median wall and the median and worst
     wall / bound over the window's refreshes (each run to its end);
   - push healthy: HA's external URL made its own address and the entry
     reloaded, so the account registers its webhook; then ``--pushes``
     battery changes of random devices, ``--push-rate`` a second, each
     pushed to HA's webhook; CPU (minus idle) per event delivered (per
     event, not per device: the target is 500 devices <= 1.5 x 5 devices).

   Then Home Assistant's own floor (``--no-floor``: skipped): a fresh hass
   with the probe's plain sensors, as many devices as the biggest account
   and as many sensors a device as its entities a device, never changing;
   its RSS minus the empty one's over ``--floor-seconds``, per device and
   per entity, printed beside the account's.

3. Request rate and state writes of every size at once: ONE more hass with
   one account per size (each its own simulator, API key and port) and a
   one-feeder home, over one window of ``--minutes`` that starts once every
   account is filled in (or out of time):

   - requests per device-hour of each account, and by route. The slow tier
     (food level, water quality, statistics) is due every 15 minutes per
     device, the device list every 30 (as the product is meant to): a
     window of 30 minutes gives the true rate, 15 a close one;
   - state writes: ``state_changed`` over the websocket, and
     ``state_reported`` (a state written unchanged, which HA forwards to no
     plain subscription) through the benchmark's probe integration
     (``e2e/bench_probe``, loaded in every hass of the benchmark). Writes =
     both; changes = state_changed events whose state or attributes differ; recorded
     changes = every state_changed (the recorder writes each one), per
     device per poll. First a quiet home (``OneNataSimulator.quiet``:
     nothing changes but the devices' check-in times) for ``--quiet-polls``
     polls of every account, then the normal simulator until the window
     ends; the first poll after each switch is left out of both. What
     changed is printed by entity (sensor.last_report...).

The default run takes about 40 minutes on 2 cores (less once big accounts
set up fast). CPU and wall times are the machine's: run it on an idle one.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
import contextlib
from dataclasses import dataclass, field
import itertools
import math
import os
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time
from typing import Any, Self

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from e2e.hass import (
    DOMAIN,
    PROBE_DOMAIN,
    HassClient,
    HassError,
    HassProcess,
    HassWebSocket,
    wait_for,
)
from e2e.stack import OWNER_NAME, PASSWORD, USERNAME, remove_failed_onboarding_extras
from simulator.core import RecordedRequest, RunningSimulator, start_server
from simulator.onenata import DEVICE_KINDS, OneNataSimulator

#: Every request's delay at the simulator (seconds).
LATENCY = 0.05
#: OneNata's concurrency cap: how many requests of one account are in flight
#: at once (the product's MAX_CONCURRENT_REQUESTS).
CAP = 4
#: Seconds without a GET that end a refresh.
GAP = 5.0
#: What Home Assistant logs when an integration's setup takes more than 10 s.
SLOW_SETUP = "Setup of petsmart_hub is taking over"
#: ... and when a platform's setup does.
SLOW_PLATFORM = "platform petsmart_hub is taking over"
#: The refresh interval the windows wait for (with some slack).
POLL_WAIT = 150.0
#: A refresh's CPU is counted until this long after its last request (what
#: it makes Home Assistant do, a delayed save of 10 s included).
TAIL = 15.0
#: Route templates by the short names printed.
ROUTES = {
    "/v1/devices": "devices list",
    "/v1/devices/{device_id}/status": "status",
    "/v1/devices/{device_id}/location": "location",
    "/v1/devices/{device_id}/food-level": "food-level",
    "/v1/devices/{device_id}/water-quality": "water-quality",
    "/v1/devices/{device_id}/usage-stats": "usage-stats",
    "/v1/devices/{device_id}/health-insights": "health-insights",
    "/v1/devices/{device_id}/activity": "activity",
}
KIND_NAMES = {
    "feedingMachine": "feeder",
    "waterFountain": "fountain",
    "gpsTracker": "tracker",
    "camera": "camera",
    "litterBox": "litter box",
    "smartToy": "toy",
}
TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A step did not happen in time, or Home Assistant refused it."""


#: What ends one measurement (the others still run): a step not done in time
#: (TimeoutError is an OSError), HA refusing or gone, its process gone.
FAILURES = (BenchError, HassError, OSError, aiohttp.ClientError)


def say(text: str = "") -> None:
    """Print a progress line at once."""
    print(text, flush=True)


# --- the hass process ----------------------------------------------------------


@dataclass(frozen=True)
class CpuSample:
    """The process's CPU seconds (user + system) at a monotonic moment."""

    cpu: float
    at: float


def cpu_sample(pid: int) -> CpuSample:
    """Read utime + stime of /proc/<pid>/stat."""
    # the fields after the command's closing parenthesis start at field 3
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return CpuSample((int(fields[11]) + int(fields[12])) / TICKS, time.monotonic())


def cpu_spent(start: CpuSample, end: CpuSample, idle_rate: float) -> float:
    """CPU seconds from `start` to `end` beyond the idle rate (CPU s per s)."""
    return end.cpu - start.cpu - idle_rate * (end.at - start.at)


def rss_mb(pid: int) -> float:
    """The process's resident set (VmRSS), in MB (2^20 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


def pid_of(hass: HassProcess) -> int:
    """The hass process's id."""
    if hass.process is None:
        raise BenchError("Home Assistant is not running")
    return hass.process.pid


async def idle_rate(pid: int, seconds: float) -> float:
    """CPU seconds per second the process spends doing nothing in particular."""
    start = cpu_sample(pid)
    await asyncio.sleep(seconds)
    return cpu_spent(start, cpu_sample(pid), 0.0) / seconds


class RssSampler:
    """The process's RSS every few seconds while the block runs."""

    def __init__(self, pid: int, every: float = 2.0) -> None:
        """Sample `pid` every `every` seconds."""
        self.pid = pid
        self.every = every
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.samples.append(rss_mb(self.pid))
            await asyncio.sleep(self.every)

    def __enter__(self) -> Self:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.samples.append(rss_mb(self.pid))

    @property
    def median(self) -> float:
        """The median sample."""
        return statistics.median(self.samples)


@contextlib.asynccontextmanager
async def home_assistant(
    config_dir: Path, *, recorder: bool
) -> AsyncIterator[tuple[HassProcess, HassClient]]:
    """A started, onboarded hass with the probe, a signed-in client; stopped on exit."""
    hass = HassProcess(config_dir, history=recorder, bench_probe=True)
    try:
        await hass.start()
        # no total timeout: a big account's config flow takes a while
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            client = HassClient(session, hass.url)
            await client.onboard(OWNER_NAME, USERNAME, PASSWORD)
            await client.wait_running()
            await remove_failed_onboarding_extras(client)
            yield hass, client
    finally:
        await hass.stop()


@contextlib.asynccontextmanager
async def serving(
    sims: Sequence[OneNataSimulator],
) -> AsyncIterator[list[RunningSimulator]]:
    """Serve every simulator on a port of its own; close them on exit."""
    servers: list[RunningSimulator] = []
    try:
        for sim in sims:
            servers.append(await start_server(sim))  # noqa: PERF401 - closed if one fails
        yield servers
    finally:
        for server in servers:
            await server.close()


def new_simulator(devices: int, api_key: str, seed: int) -> OneNataSimulator:
    """An account of `devices` devices of mixed kinds, answering LATENCY late."""
    sim = OneNataSimulator(api_key=api_key, devices=devices, seed=seed, latency=LATENCY)
    # a request costs the simulator the same whatever the fleet (as a real
    # cloud's would): it shares the machine with the hass it measures
    sim.scale = True
    return sim


def mix(devices: int) -> str:
    """How many devices of each kind an account of `devices` has."""
    kinds = Counter(DEVICE_KINDS[n % len(DEVICE_KINDS)] for n in range(devices))
    return ", ".join(
        f"{kinds[kind]} {KIND_NAMES[kind]}" for kind in DEVICE_KINDS if kinds[kind]
    )


# --- setup ---------------------------------------------------------------------


@dataclass
class Setup:
    """How long an account took to set up."""

    entry_id: str
    devices: int
    #: when the flow's last step was submitted (monotonic)
    submitted: float
    #: seconds from submitting to the flow returning
    flow: float
    within: float
    #: seconds from submitting to every device filled in (None: not in time)
    filled: float | None = None
    filled_devices: int = 0
    entities: int = 0


async def filled_in(
    ws: HassWebSocket, entry_ids: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """Per entry: its devices whose entities all have a state (not unavailable).

    And how many entities it has (the enabled ones, on a device). The probe
    works it out inside hass: reading every state and registry entry over
    the API once a second would leave a cached JSON copy of each in the
    process (about 0.09 MB per device at 500 devices), memory of the
    benchmark's, not of the account's.
    """
    found = await ws.command(f"{PROBE_DOMAIN}/filled", entry_ids=list(entry_ids))
    return {
        entry_id: (found[entry_id][0], found[entry_id][1]) for entry_id in entry_ids
    }


async def add_account(
    client: HassClient, server: RunningSimulator, sim: OneNataSimulator, within: float
) -> Setup:
    """Add the account as a user does; time its last step."""
    menu = await client.start_flow(DOMAIN)
    form = await client.flow_step(menu["flow_id"], {"next_step_id": "onenata"})
    return await last_step(
        client,
        form["flow_id"],
        {"api_key": sim.api_key, "advanced": {"base_url": f"{server.url}/v1"}},
        len(sim.devices),
        within,
    )


async def last_step(
    client: HassClient,
    flow_id: str,
    data: dict[str, Any],
    devices: int,
    within: float,
) -> Setup:
    """Submit a flow's last step, which creates the entry; time it."""
    submitted = time.monotonic()
    try:
        async with asyncio.timeout(within):
            result = await client.flow_step(flow_id, data)
    except TimeoutError:
        raise BenchError(
            f"the config flow of {devices} devices did not return in {within:.0f} s"
        ) from None
    flow = time.monotonic() - submitted
    if result.get("type") != "create_entry":
        raise BenchError(f"the config flow created no entry: {result}")
    return Setup(result["result"]["entry_id"], devices, submitted, flow, within)


async def wait_filled_in(client: HassClient, setups: Sequence[Setup]) -> None:
    """Wait until every account's devices are filled in, or its time is up."""
    waiting = list(setups)
    async with client.websocket() as ws:
        while waiting:
            found = await filled_in(ws, [setup.entry_id for setup in waiting])
            for setup in list(waiting):
                setup.filled_devices, setup.entities = found[setup.entry_id]
                elapsed = time.monotonic() - setup.submitted
                if setup.filled_devices >= setup.devices:
                    setup.filled = elapsed
                    waiting.remove(setup)
                elif elapsed > setup.within:
                    waiting.remove(setup)
            if waiting:
                await asyncio.sleep(1)


def log_warnings(hass: HassProcess) -> tuple[bool, int]:
    """Whether the log says the setup is slow; how many platforms' setup were."""
    text = hass.log_path.read_text(errors="replace") if hass.log_path.exists() else ""
    return SLOW_SETUP in text, text.count(SLOW_PLATFORM)


# --- refreshes -----------------------------------------------------------------


def is_poll(request: RecordedRequest) -> bool:
    """A GET of the API: a poll (webhook registration and commands are POSTs)."""
    return request.method == "GET" and request.path.startswith("/v1/")


def bursts(
    requests: Sequence[RecordedRequest], since: float = -math.inf
) -> list[list[RecordedRequest]]:
    """The polls from `since` on, in refreshes split by more than GAP seconds."""
    groups: list[list[RecordedRequest]] = []
    for request in requests:
        if not is_poll(request) or request.received < since:
            continue
        if groups and request.received - groups[-1][-1].received <= GAP:
            groups[-1].append(request)
        else:
            groups.append([request])
    return groups


@dataclass(frozen=True)
class Refresh:
    """One refresh's requests, wall time and lower bound."""

    requests: int
    wall: float
    bound: float

    @property
    def ratio(self) -> float:
        """Wall time over the bound."""
        return self.wall / self.bound


def refresh_of(group: Sequence[RecordedRequest]) -> Refresh:
    """Wall and bound of one burst of polls."""
    wall = group[-1].received - group[0].received + LATENCY
    return Refresh(len(group), wall, LATENCY * math.ceil(len(group) / CAP))


class PollWatch:
    """Watch a simulator's request log for refreshes starting, as they come."""

    def __init__(self, sim: OneNataSimulator) -> None:
        """Read what the log has so far (its refreshes count as started)."""
        self.sim = sim
        self.starts: list[float] = []
        self.last: float | None = None
        self._seen = 0
        self.scan()

    def scan(self) -> None:
        """Look at the requests that came since the last scan."""
        requests = self.sim.requests
        for request in requests[self._seen :]:
            if not is_poll(request):
                continue
            if self.last is None or request.received - self.last > GAP:
                self.starts.append(request.received)
            self.last = request.received
        self._seen = len(requests)

    def idle(self, seconds: float) -> bool:
        """Whether no poll came for `seconds`."""
        self.scan()
        return self.last is None or time.monotonic() - self.last > seconds

    async def next_start(self, what: str, within: float = POLL_WAIT) -> float:
        """Wait for the next refresh to start; return when it did."""
        self.scan()
        return await self.started(len(self.starts) + 1, what, within)

    async def started(self, count: int, what: str, within: float = POLL_WAIT) -> float:
        """Wait until `count` refreshes have started; return when the last did."""
        deadline = time.monotonic() + within
        self.scan()
        while len(self.starts) < count:
            if time.monotonic() > deadline:
                raise BenchError(f"no refresh started in {within:.0f} s ({what})")
            await asyncio.sleep(0.05)
            self.scan()
        return self.starts[count - 1]

    async def until_idle(self, what: str, within: float = POLL_WAIT) -> None:
        """Wait until no poll came for GAP seconds (a refresh has ended)."""
        deadline = time.monotonic() + within
        while not self.idle(GAP):
            if time.monotonic() > deadline:
                raise BenchError(
                    f"polls did not stop for {GAP:g} s in {within:.0f} s ({what})"
                )
            await asyncio.sleep(0.25)


# --- one size in a hass of its own ------------------------------------------------


@dataclass
class Empty:
    """An empty Home Assistant."""

    rss: float
    idle: float


@dataclass
class SizeResult:
    """What one size cost in its own hass."""

    devices: int
    setup: Setup | None = None
    slow_warning: bool = False
    slow_platforms: int = 0
    idle: float = 0.0
    refreshes: list[Refresh] = field(default_factory=list)
    polls: int = 0
    #: CPU seconds of each refresh: its own window minus the idle between refreshes
    cpu_refreshes: list[float] = field(default_factory=list)
    #: ... the median one
    cpu_per_refresh: float | None = None
    #: ... and over the whole window minus the idle before the entry
    cpu_whole_window: float | None = None
    #: CPU seconds per second between refreshes (the entry loaded)
    idle_between: float | None = None
    rss: float | None = None
    push_cpu: float | None = None
    push_events: int = 0
    push_answered: int = 0
    push_polls: int = 0
    push_state: str = "?"
    error: str | None = None


async def measure_empty(args: argparse.Namespace) -> Empty:
    """RSS and idle CPU of a hass with no entry."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        async with home_assistant(Path(tmp) / "config", recorder=args.recorder) as (
            hass,
            _client,
        ):
            pid = pid_of(hass)
            await asyncio.sleep(args.settle)
            with RssSampler(pid) as rss:
                idle = await idle_rate(pid, args.idle_seconds)
            return Empty(rss.median, idle)


async def measure_size(devices: int, args: argparse.Namespace) -> SizeResult:
    """One account of `devices` devices in a fresh hass: polling, then push."""
    result = SizeResult(devices)
    sim = new_simulator(devices, f"bench-{devices}", args.seed)
    rng = random.Random(args.seed)  # noqa: S311 - which device changes, not a secret
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        async with (
            serving([sim]) as (server,),
            home_assistant(Path(tmp) / "config", recorder=args.recorder) as (
                hass,
                client,
            ),
        ):
            pid = pid_of(hass)
            try:
                await asyncio.sleep(args.settle)
                result.idle = await idle_rate(pid, args.idle_seconds)
                say(f"  idle (no entry yet): {result.idle * 1000:.1f} ms CPU/s")
                setup = await add_account(
                    client, server, sim, setup_within(devices, args)
                )
                await wait_filled_in(client, [setup])
                result.setup = setup
                result.slow_warning, result.slow_platforms = log_warnings(hass)
                say(f"  setup: {describe_setup(setup)}; {describe_warning(result)}")

                watch = PollWatch(sim)
                with RssSampler(pid) as rss:
                    first = await measure_polls(pid, watch, result, args.polls)
                result.rss = rss.median
                result.refreshes = [refresh_of(g) for g in bursts(sim.requests, first)]
                say(f"  polling: {describe_polling(result)}")

                await measure_push(hass, client, sim, result, rng, args)
                say(f"  push: {describe_push(result)}")
            except FAILURES as err:
                result.error = f"{type(err).__name__}: {err}"
                say(
                    f"  FAILED: {result.error}\n  end of the hass log:\n{hass.tail(15)}"
                )
    return result


async def measure_polls(
    pid: int, watch: PollWatch, result: SizeResult, polls: int
) -> float:
    """CPU of `polls` refreshes, from the start of the next one on.

    Each refresh from its start to TAIL seconds after its last request;
    between that and the next refresh's start, the idle of the same hass.
    The refresh after the last one is waited for to its end (its wall time
    counts). Return when the first one started.
    """
    known = len(watch.starts)
    first = await watch.started(known + 1, "the first poll after setup")
    begin = mark = cpu_sample(pid)
    busy: list[tuple[CpuSample, CpuSample]] = []
    quiet: list[tuple[CpuSample, CpuSample]] = []
    for n in range(polls):
        await watch.until_idle(f"poll {n + 1} to end")
        # until TAIL after its last request, or the next refresh, if sooner
        assert watch.last is not None
        while (
            time.monotonic() < watch.last + TAIL and len(watch.starts) < known + n + 2
        ):
            await asyncio.sleep(0.1)
            watch.scan()
        done = cpu_sample(pid)
        busy.append((mark, done))
        await watch.started(known + n + 2, f"poll {n + 2} after setup")
        mark = cpu_sample(pid)
        quiet.append((done, mark))
    await watch.until_idle("the last poll to end")
    quiet_seconds = sum(b.at - a.at for a, b in quiet)
    result.idle_between = (
        sum(b.cpu - a.cpu for a, b in quiet) / quiet_seconds if quiet_seconds else 0.0
    )
    result.polls = polls
    result.cpu_refreshes = [cpu_spent(a, b, result.idle_between) for a, b in busy]
    result.cpu_per_refresh = statistics.median(result.cpu_refreshes)
    result.cpu_whole_window = cpu_spent(begin, mark, result.idle) / polls
    return first


def setup_within(devices: int, args: argparse.Namespace) -> float:
    """How long to wait for an account's setup (flow and filling in)."""
    return args.setup_timeout + devices * args.setup_timeout_per_device


async def measure_push(
    hass: HassProcess,
    client: HassClient,
    sim: OneNataSimulator,
    result: SizeResult,
    rng: random.Random,
    args: argparse.Namespace,
) -> None:
    """Reload the entry with push reachable; push battery changes; CPU per event."""
    assert result.setup is not None
    entry_id = result.setup.entry_id
    async with client.websocket() as ws:
        await ws.command("config/core/update", external_url=hass.url)
    within = setup_within(result.devices, args)
    reloaded = time.monotonic()
    try:
        async with asyncio.timeout(within):
            await client.post(f"/api/config/config_entries/entry/{entry_id}/reload")
    except TimeoutError:
        raise BenchError(f"the reload took more than {within:.0f} s") from None

    async def registered() -> bool:
        return sim.webhook is not None

    await wait_for(
        registered,
        within=max(1.0, within - (time.monotonic() - reloaded)),
        what="the webhook's registration after the reload",
    )
    watch = PollWatch(sim)
    await watch.until_idle("the setup after the reload", within)
    await asyncio.sleep(2)
    batteries = [d for d in sim.devices.values() if d.battery_level is not None]
    delivered = len(sim.deliveries)
    polls = len(sim.requests)
    start = cpu_sample(pid_of(hass))
    for n in range(args.pushes):
        device = rng.choice(batteries)
        level = device.battery_level or 50
        sim.update_device(device.device_id, battery_level=(level % 95) + 5)
        await asyncio.sleep(
            max(0.0, start.at + (n + 1) / args.push_rate - time.monotonic())
        )
    try:
        async with asyncio.timeout(60):
            await sim.deliveries_idle()
    except TimeoutError:
        raise BenchError("the pushes were not all delivered within 60 s") from None
    await asyncio.sleep(1)  # HA has written what the last one brought
    end = cpu_sample(pid_of(hass))
    deliveries = sim.deliveries[delivered:]
    result.push_events = len(deliveries)
    result.push_answered = sum(
        1 for d in deliveries if d.outcome == "sent" and d.status == 200
    )
    result.push_polls = sum(1 for r in sim.requests[polls:] if is_poll(r))
    if deliveries:
        result.push_cpu = cpu_spent(start, end, result.idle) / len(deliveries)
    with contextlib.suppress(HassError, aiohttp.ClientError, KeyError):
        diagnostics = await client.get(f"/api/diagnostics/config_entry/{entry_id}")
        result.push_state = str(diagnostics["data"]["push"]["state"])


# --- Home Assistant's own floor -----------------------------------------------------


@dataclass
class Floor:
    """Plain sensors on plain devices: what Home Assistant itself costs for them."""

    devices: int
    per_device: int
    setup: Setup | None = None
    rss: float | None = None
    error: str | None = None


async def add_plain_sensors(
    client: HassClient, devices: int, per_device: int, within: float
) -> Setup:
    """Add the probe's entry of `devices` devices of `per_device` sensors."""
    form = await client.start_flow(PROBE_DOMAIN)
    return await last_step(
        client,
        form["flow_id"],
        {"devices": devices, "per_device": per_device},
        devices,
        within,
    )


async def measure_floor(
    devices: int, per_device: int, args: argparse.Namespace
) -> Floor:
    """RSS of a fresh hass with as many devices of as many plain sensors."""
    floor = Floor(devices, per_device)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        async with home_assistant(Path(tmp) / "config", recorder=args.recorder) as (
            hass,
            client,
        ):
            try:
                await asyncio.sleep(args.settle)
                setup = await add_plain_sensors(
                    client, devices, per_device, setup_within(devices, args)
                )
                await wait_filled_in(client, [setup])
                floor.setup = setup
                with RssSampler(pid_of(hass)) as rss:
                    await asyncio.sleep(args.floor_seconds)
                floor.rss = rss.median
            except FAILURES as err:
                floor.error = f"{type(err).__name__}: {err}"
    return floor


def rss_per(rss: float, empty: Empty, devices: int, entities: int) -> str:
    """RSS above the empty hass per device (MB) and per entity (kB, 2^10 bytes)."""
    return (
        f"{(rss - empty.rss) / devices:.3f} MB per device, "
        f"{(rss - empty.rss) * 1024 / entities:.1f} kB per entity"
    )


def describe_floor(floor: Floor, empty: Empty | None) -> str:
    """The floor's setup and RSS."""
    if floor.error is not None or floor.setup is None or floor.rss is None:
        return f"FAILED: {floor.error}"
    parts = [f"setup {describe_setup(floor.setup)}", f"RSS {floor.rss:.0f} MB"]
    if empty is not None and floor.setup.entities:
        parts.append(rss_per(floor.rss, empty, floor.devices, floor.setup.entities))
    return "; ".join(parts)


# --- every size at once: request rate and state writes -----------------------------


@dataclass
class Write:
    """A state write Home Assistant made: when it was heard of, what it was."""

    at: float
    entity_id: str
    #: "changed" (state or attributes differ), "same" (a state_changed event
    #: that changed neither) or "reported" (written unchanged)
    kind: str


@dataclass
class Writes:
    """An account's state writes over a window of polls."""

    minutes: float
    polls: int
    changed: int
    same: int
    reported: int
    #: the real changes by what changed (domain.translation key), most first
    changed_by: list[tuple[str, int]] = field(default_factory=list)
    #: the unchanged writes (state_reported) by entity, most first
    reported_by: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class AccountRate:
    """One account of the shared hass: its requests and state writes."""

    label: str
    devices: int
    setup: Setup | None = None
    requests: int = 0
    hours: float = 0.0
    routes: Counter[str] = field(default_factory=Counter)
    normal: Writes | None = None
    quiet: Writes | None = None

    @property
    def per_device_hour(self) -> float:
        """Requests per device-hour."""
        return self.requests / self.devices / self.hours


@dataclass
class RateResult:
    """What the shared hass measured."""

    minutes: float
    accounts: list[AccountRate]
    error: str | None = None


async def record_writes(
    ws: HassWebSocket, reported_id: int, writes: list[Write]
) -> None:
    """Keep every state write the websocket tells of."""
    async for message in ws.events():
        now = time.monotonic()
        event = message["event"]
        if message["id"] == reported_id:
            writes.append(Write(now, event["entity_id"], "reported"))
            continue
        data = event["data"]
        old, new = data.get("old_state"), data.get("new_state")
        changed = (
            old is None
            or new is None
            or old["state"] != new["state"]
            or old["attributes"] != new["attributes"]
        )
        writes.append(Write(now, data["entity_id"], "changed" if changed else "same"))


def count_writes(
    writes: Sequence[Write],
    entities: dict[str, str],
    start: float,
    end: float,
    polls: int,
) -> Writes:
    """The writes of `entities` (entity id: what it is) from `start` to `end`."""
    mine = [w for w in writes if start <= w.at < end and w.entity_id in entities]
    kinds = Counter(w.kind for w in mine)
    changed_by = Counter(entities[w.entity_id] for w in mine if w.kind == "changed")
    reported_by = Counter(entities[w.entity_id] for w in mine if w.kind == "reported")
    return Writes(
        (end - start) / 60,
        polls,
        kinds["changed"],
        kinds["same"],
        kinds["reported"],
        changed_by.most_common(),
        reported_by.most_common(),
    )


def entity_kind(entity: dict[str, Any]) -> str:
    """What an entity of the registry is, whichever device: sensor.last_report.

    An entity named after its device (a camera, a tracker) is its domain alone.
    """
    domain = str(entity["entity_id"]).split(".", 1)[0]
    name = entity.get("translation_key") or entity.get("original_name")
    return f"{domain}.{name}" if name else domain


async def wait_for_quiet_polls(
    watches: Sequence[PollWatch], after: float, polls: int, deadline: float
) -> bool:
    """Wait until every account polled `polls` + 1 times after `after` and is idle.

    False when the deadline came first.
    """
    while time.monotonic() < deadline:
        done = True
        for watch in watches:
            watch.scan()
            started = sum(1 for s in watch.starts if s > after)
            done = done and started >= polls + 1 and watch.idle(1.0)
        if done:
            return True
        await asyncio.sleep(0.25)
    return False


async def measure_rates(sizes: Sequence[int], args: argparse.Namespace) -> RateResult:
    """One hass, an account per size and a one-feeder home, over one window."""
    labels = [str(size) for size in sizes] + ["one-feeder home"]
    sims = [new_simulator(size, f"bench-rate-{size}", args.seed) for size in sizes] + [
        new_simulator(1, "bench-rate-home", args.seed)
    ]
    accounts = [
        AccountRate(label, len(sim.devices))
        for label, sim in zip(labels, sims, strict=True)
    ]
    result = RateResult(args.minutes, accounts)
    writes: list[Write] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        async with (
            serving(sims) as servers,
            home_assistant(Path(tmp) / "config", recorder=args.recorder) as (
                hass,
                client,
            ),
        ):
            try:
                await run_rate_window(hass, client, sims, servers, result, writes, args)
            except FAILURES as err:
                result.error = f"{type(err).__name__}: {err}"
                say(
                    f"  FAILED: {result.error}\n  end of the hass log:\n{hass.tail(15)}"
                )
    return result


async def run_rate_window(
    hass: HassProcess,
    client: HassClient,
    sims: Sequence[OneNataSimulator],
    servers: Sequence[RunningSimulator],
    result: RateResult,
    writes: list[Write],
    args: argparse.Namespace,
) -> None:
    """Add the accounts, then the window: quiet first, then the normal simulator."""
    async with client.websocket() as ws:
        reported_id = await ws.subscribe(f"{PROBE_DOMAIN}/reported")
        await ws.subscribe("subscribe_events", event_type="state_changed")
        reader = asyncio.create_task(record_writes(ws, reported_id, writes))
        try:
            for account, sim, server in zip(
                result.accounts, sims, servers, strict=True
            ):
                account.setup = await add_account(
                    client, server, sim, setup_within(account.devices, args)
                )
            # together: the window starts once every account is set up
            await wait_filled_in(
                client, [a.setup for a in result.accounts if a.setup is not None]
            )
            for account in result.accounts:
                if account.setup is not None:
                    say(f"  {account.label}: {describe_setup(account.setup)}")
            watches = [PollWatch(sim) for sim in sims]
            await asyncio.sleep(2)
            start = time.monotonic()
            end = start + args.minutes * 60
            before = [len(sim.requests) for sim in sims]
            for sim in sims:
                sim.quiet = True
            say(
                f"  window of {args.minutes:g} min: quiet until every account polled "
                f"{args.quiet_polls} + 1 times"
            )
            quiet_done = await wait_for_quiet_polls(
                watches, start, args.quiet_polls, end
            )
            thawed = time.monotonic()
            for sim in sims:
                sim.quiet = False
            if not quiet_done:
                say("  (the window ended before the quiet polls did)")
            else:
                say(f"  quiet for {(thawed - start) / 60:.1f} min, then normal")
            await asyncio.sleep(max(0.0, end - time.monotonic()))
            if reader.done():
                reader.result()  # the websocket failed: say why
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    # Home Assistant's access tokens last 30 minutes
    await client.login(USERNAME, PASSWORD)
    async with client.websocket() as ws:
        registry = await ws.entities()
    for account, sim, watch, first in zip(
        result.accounts, sims, watches, before, strict=True
    ):
        if account.setup is None:
            continue
        window = [r for r in sim.requests[first:] if r.received < end]
        account.requests = len(window)
        account.hours = (end - start) / 3600
        account.routes = Counter(
            ROUTES.get(r.route, f"{r.method} {r.route}") for r in window
        )
        entities = {
            e["entity_id"]: entity_kind(e)
            for e in registry
            if e["config_entry_id"] == account.setup.entry_id
        }
        watch.scan()
        quiet = [s for s in watch.starts if start < s <= thawed]
        normal = [s for s in watch.starts if thawed < s <= end]
        after_thaw = normal[0] if normal else end
        if quiet_done and len(quiet) >= 2:
            account.quiet = count_writes(
                writes, entities, quiet[1], after_thaw, len(quiet) - 1
            )
        if len(normal) >= 3:
            # the first poll after the switch is left out, the last may be cut
            account.normal = count_writes(
                writes, entities, normal[1], normal[-1], len(normal) - 2
            )


# --- printing ----------------------------------------------------------------------


def seconds(value: float | None) -> str:
    """A duration for the table."""
    return "-" if value is None else f"{value:.1f} s"


def describe_setup(setup: Setup) -> str:
    """Setup times in words."""
    filled = (
        f"all {setup.devices} filled in after {setup.filled:.1f} s"
        if setup.filled is not None
        else f"NOT all filled in within {setup.within:.0f} s "
        f"({setup.filled_devices}/{setup.devices} devices)"
    )
    return (
        f"flow returned after {setup.flow:.1f} s, {filled}, {setup.entities} entities"
    )


def describe_warning(result: SizeResult) -> str:
    """The slow-setup warnings in words."""
    said = "logged" if result.slow_warning else "not logged"
    platforms = (
        f", {result.slow_platforms} platform setup(s) 'taking over 10 s'"
        if result.slow_platforms
        else ""
    )
    return f"'{SLOW_SETUP}' {said}{platforms}"


def describe_polling(result: SizeResult) -> str:
    """The polling window in words."""
    walls = [r.wall for r in result.refreshes]
    ratios = [r.ratio for r in result.refreshes]
    sizes = sorted({r.requests for r in result.refreshes})
    parts = [
        f"{len(result.refreshes)} refreshes of {'/'.join(map(str, sizes))} requests",
        f"wall median {statistics.median(walls):.2f} s" if walls else "no refresh",
    ]
    if ratios:
        parts.append(
            f"wall/bound median {statistics.median(ratios):.2f}, worst {max(ratios):.2f}"
        )
    if result.cpu_per_refresh is not None:
        parts.append(
            "CPU per refresh "
            + "/".join(f"{cpu * 1000:.0f}" for cpu in result.cpu_refreshes)
            + f" ms, median {result.cpu_per_refresh * 1000:.0f} ms, "
            f"{result.cpu_per_refresh * 1000 / result.devices:.2f} ms per device "
            f"(idle between refreshes {(result.idle_between or 0) * 1000:.1f} ms/s)"
        )
    if result.cpu_whole_window is not None:
        parts.append(
            f"over the whole window minus the idle before the entry "
            f"{result.cpu_whole_window * 1000:.0f} ms per refresh"
        )
    if result.rss is not None:
        parts.append(f"RSS {result.rss:.0f} MB")
    return "; ".join(parts)


def describe_push(result: SizeResult) -> str:
    """The push window in words."""
    cpu = "-" if result.push_cpu is None else f"{result.push_cpu * 1000:.1f} ms"
    return (
        f"{result.push_events} events ({result.push_answered} answered 200), "
        f"CPU {cpu} per event, {result.push_polls} polls meanwhile, "
        f"push state {result.push_state}"
    )


def writes_cell(writes: Writes | None, devices: int) -> str:
    """Writes/min vs changes/min (and per device per poll)."""
    if writes is None or writes.polls == 0:
        return "-"
    total = writes.changed + writes.same + writes.reported
    per = devices * writes.polls
    return (
        f"{total / writes.minutes:.0f} vs {writes.changed / writes.minutes:.0f} "
        f"({total / per:.1f} vs {writes.changed / per:.1f} /device/poll)"
    )


def recorded(writes: Writes | None, devices: int) -> str:
    """Recorded state changes per device per poll."""
    if writes is None or writes.polls == 0:
        return "-"
    return f"{(writes.changed + writes.same) / devices / writes.polls:.2f}"


def by_entity(counts: Sequence[tuple[str, int]], polls: int) -> str:
    """The six most written entities (what they are), per poll."""
    return ", ".join(f"{kind} {count / polls:g}" for kind, count in counts[:6])


def print_rates(rates: RateResult) -> None:
    """Requests per device-hour by route, and the write windows, per account."""
    say(f"\nRequests per device-hour over {rates.minutes:g} min (polling, defaults):")
    for account in rates.accounts:
        if not account.hours:
            say(f"  {account.label}: not measured")
            continue
        routes = ", ".join(
            f"{route} {count / account.devices / account.hours:.1f}"
            for route, count in account.routes.most_common()
        )
        say(
            f"  {account.label} ({account.devices} devices): "
            f"{account.per_device_hour:.1f}  [{routes}]"
        )
    say("State writes (writes = state_changed + state_reported; changes = real ones):")
    for account in rates.accounts:
        for name, writes in (("normal", account.normal), ("quiet", account.quiet)):
            if writes is None:
                say(f"  {account.label} {name}: not enough polls in the window")
                continue
            per_poll = by_entity(writes.changed_by, writes.polls)
            unchanged = by_entity(writes.reported_by, writes.polls)
            say(
                f"  {account.label} {name}: {writes.polls} polls in "
                f"{writes.minutes:.1f} min: {writes.changed} changed, {writes.same} "
                f"state_changed changing nothing, {writes.reported} reported; "
                f"writes/min vs changes/min {writes_cell(writes, account.devices)}; "
                f"recorded changes per device per poll "
                f"{recorded(writes, account.devices)}; changes a poll by entity: "
                f"{per_poll or 'none'}; unchanged writes a poll by entity: "
                f"{unchanged or 'none'}"
            )


def print_table(
    empty: Empty | None,
    results: Sequence[SizeResult],
    rates: RateResult | None,
    floor: Floor | None = None,
) -> None:
    """The final markdown table."""
    by_label = {a.label: a for a in rates.accounts} if rates is not None else {}
    say(
        "\n| devices | setup (flow returns / all filled in) | slow-setup warning "
        "| refresh wall median (ratio to bound median/worst) "
        "| CPU ms per refresh per device (median) | CPU ms per push event | RSS MB per device "
        "| requests per device-hour (polling"
        + (f", {rates.minutes:g} min" if rates else "")
        + ") "
        "| writes/min vs changes/min | recorded changes per device per poll "
        "(normal / quiet) |"
    )
    say("|---:|---|---|---|---:|---:|---:|---:|---|---|")
    for result in results:
        setup = result.setup
        setup_cell = "-"
        if setup is not None:
            filled = (
                seconds(setup.filled)
                if setup.filled is not None
                else f"> {setup.within:.0f} s"
            )
            setup_cell = f"{seconds(setup.flow)} / {filled}"
        walls = [r.wall for r in result.refreshes]
        ratios = [r.ratio for r in result.refreshes]
        wall_cell = (
            f"{statistics.median(walls):.2f} s ({statistics.median(ratios):.2f} / "
            f"{max(ratios):.2f})"
            if walls
            else "-"
        )
        cpu_cell = (
            f"{result.cpu_per_refresh * 1000 / result.devices:.2f}"
            if result.cpu_per_refresh is not None
            else "-"
        )
        push_cell = (
            f"{result.push_cpu * 1000:.2f}" if result.push_cpu is not None else "-"
        )
        rss_cell = (
            f"{(result.rss - empty.rss) / result.devices:.3f}"
            if result.rss is not None and empty is not None
            else "-"
        )
        account = by_label.get(str(result.devices))
        rate_cell = (
            f"{account.per_device_hour:.1f}" if account and account.hours else "-"
        )
        writes = writes_cell(account.normal, account.devices) if account else "-"
        recorded_cell = (
            f"{recorded(account.normal, account.devices)} / "
            f"{recorded(account.quiet, account.devices)}"
            if account
            else "-"
        )
        warning = ("yes" if result.slow_warning else "no") if setup is not None else "-"
        if result.error:
            warning += " (failed: see above)"
        say(
            f"| {result.devices} | {setup_cell} | {warning} | {wall_cell} | {cpu_cell} "
            f"| {push_cell} | {rss_cell} | {rate_cell} | {writes} | {recorded_cell} |"
        )
    home = by_label.get("one-feeder home")
    if home is not None and home.hours:
        say(
            f"\nOne-feeder home: {home.per_device_hour:.1f} requests per device-hour "
            f"over {home.hours * 60:.0f} min"
        )
    measured = sorted(
        ((r.devices, r.rss) for r in results if r.rss is not None), key=lambda m: m[0]
    )
    if len(measured) >= 2:
        say(
            "RSS per device added, size to size: "
            + ", ".join(
                f"{a} -> {b}: {(rss_b - rss_a) / (b - a):.3f} MB"
                for (a, rss_a), (b, rss_b) in itertools.pairwise(measured)
                if b > a
            )
        )
    print_floor(empty, results, floor)
    cpus = {r.devices: r.push_cpu for r in results if r.push_cpu is not None}
    if len(cpus) >= 2:
        small, big = min(cpus), max(cpus)
        say(
            f"CPU per push event, {big} vs {small} devices: "
            f"{cpus[big] / cpus[small]:.2f}x (target <= 1.5x)"
        )


def print_floor(
    empty: Empty | None, results: Sequence[SizeResult], floor: Floor | None
) -> None:
    """The account's RSS beside Home Assistant's own for as many entities."""
    if empty is None or floor is None or floor.rss is None or floor.setup is None:
        return
    say(
        f"Home Assistant's floor, {floor.devices} devices of {floor.per_device} plain "
        f"sensors: {rss_per(floor.rss, empty, floor.devices, floor.setup.entities)}"
    )
    for result in results:
        if result.devices == floor.devices and result.rss and result.setup:
            entities = result.setup.entities
            say(
                f"The account of {result.devices} devices "
                f"({entities / result.devices:.1f} entities a device): "
                f"{rss_per(result.rss, empty, result.devices, entities)}"
            )


# --- main --------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    """Every measurement, then the table."""
    started = time.monotonic()
    say(
        f"OneNata at {LATENCY * 1000:.0f} ms a request, concurrency cap {CAP}, "
        f"refreshes split by {GAP:g} s without a request; seed {args.seed}; "
        f"recorder {'on' if args.recorder else 'off'}"
    )
    say(
        "Mix: the kinds in turn (feeder, fountain, tracker, camera, litter box, toy, "
        "feeder...):"
    )
    for size in args.sizes:
        say(f"  {size}: {mix(size)}")
    empty: Empty | None = None
    say("\nEmpty Home Assistant (onboarded, no entry):")
    try:
        empty = await measure_empty(args)
        say(f"  RSS {empty.rss:.0f} MB, idle CPU {empty.idle * 1000:.1f} ms/s")
    except FAILURES as err:
        say(f"  FAILED: {type(err).__name__}: {err}")
    results = []
    for size in args.sizes:
        say(
            f"\n{size} devices, a hass of their own ({time.monotonic() - started:.0f} s in):"
        )
        results.append(await measure_size(size, args))
    floor = await floor_like(results, args) if args.floor else None
    if floor is not None:
        say(f"  {describe_floor(floor, empty)}")
    rates: RateResult | None = None
    if args.minutes > 0:
        say(
            f"\nEvery size at once in one more hass, and a one-feeder home "
            f"({time.monotonic() - started:.0f} s in):"
        )
        rates = await measure_rates(args.sizes, args)
        print_rates(rates)
    print_table(empty, results, rates, floor)
    say(f"\n(the run took {(time.monotonic() - started) / 60:.1f} min)")


async def floor_like(
    results: Sequence[SizeResult], args: argparse.Namespace
) -> Floor | None:
    """The floor for the biggest account set up: as many devices and entities."""
    measured = [r for r in results if r.setup is not None and r.setup.entities]
    if not measured:
        return None
    biggest = max(measured, key=lambda r: r.devices)
    assert biggest.setup is not None
    per_device = max(1, round(biggest.setup.entities / biggest.devices))
    say(
        f"\nHome Assistant's own floor: {biggest.devices} plain devices of "
        f"{per_device} plain sensors each, a hass of their own:"
    )
    return await measure_floor(biggest.devices, per_device, args)


def sizes(text: str) -> list[int]:
    """Parse --sizes: comma-separated device counts."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text}") from None
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError("sizes are device counts of at least 1")
    return values


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=sizes,
        default=[5, 50, 200, 500],
        help="devices per account, comma-separated",
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=16,
        help="the request-rate and state-write window (0: skip that hass)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--polls", type=int, default=3, help="refreshes in each size's CPU window"
    )
    parser.add_argument(
        "--quiet-polls", type=int, default=3, help="polls in the quiet sub-window"
    )
    parser.add_argument(
        "--idle-seconds", type=float, default=15, help="idle CPU window"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=5,
        help="seconds after onboarding before measuring idle",
    )
    parser.add_argument("--pushes", type=int, default=200, help="push events per size")
    parser.add_argument(
        "--push-rate", type=float, default=20, help="push events a second"
    )
    parser.add_argument(
        "--setup-timeout",
        type=float,
        default=60,
        help="seconds to wait for a setup, plus --setup-timeout-per-device each device",
    )
    parser.add_argument("--setup-timeout-per-device", type=float, default=0.15)
    parser.add_argument(
        "--recorder", action=argparse.BooleanOptionalAction, default=True
    )
    parser.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure plain sensors as many as the biggest account's entities",
    )
    parser.add_argument(
        "--floor-seconds", type=float, default=120, help="the floor's RSS window"
    )
    args = parser.parse_args()
    if args.polls < 1 or args.quiet_polls < 1 or args.pushes < 1 or args.push_rate <= 0:
        parser.error(
            "--polls, --quiet-polls, --pushes and --push-rate must be positive"
        )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
