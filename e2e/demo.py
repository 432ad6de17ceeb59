"""The one-command demo: simulated clouds and a real Home Assistant with the accounts.

Run it with `scripts/demo` (which sets up the venv first); `--help` lists the
options. Everything runs on 127.0.0.1 and stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import os
from pathlib import Path
import shutil
import signal
import socket
import sys

from .hass import REPO, HassError
from .stack import PASSWORD, USERNAME, Stack, running_stack

#: A file that marks a directory as the demo's own, so a fresh start may wipe it.
MARKER = ".petsmart-demo"


def say(text: str, *, error: bool = False) -> None:
    """Tell the person at the terminal."""
    stream = sys.stderr if error else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def local_time_zone() -> str:
    """The machine's IANA time zone (for the demo's clock), or UTC."""
    zone = os.environ.get("TZ", "").lstrip(":")
    if zone and "/" in zone:
        return zone
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    return "UTC"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's port")
    parser.add_argument(
        "--config-dir",
        type=Path,
        default=REPO / ".demo",
        help="Home Assistant's configuration directory (wiped at every start)",
    )
    parser.add_argument("--onenata-port", type=int, default=8900)
    parser.add_argument("--netro-port", type=int, default=8901)
    parser.add_argument("--netatmo-port", type=int, default=8902)
    parser.add_argument("--instathings-port", type=int, default=8903)
    parser.add_argument("--ninjablocks-port", type=int, default=8904)
    parser.add_argument("--time-zone", default=local_time_zone())
    return parser.parse_args(argv)


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def fresh_config_dir(path: Path) -> None:
    """Empty the demo's configuration directory (only if it is the demo's)."""
    if path.exists():
        if not (path / MARKER).exists() and any(path.iterdir()):
            raise SystemExit(
                f"{path} exists and is not a demo configuration; "
                "choose another --config-dir"
            )
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("Created by scripts/demo; wiped at every start.\n")


def banner(stack: Stack, config_dir: Path) -> str:
    """What to tell the person who started the demo."""
    fleet = stack.fleet
    onenata = ", ".join(device.name for device in fleet.onenata.devices.values())
    controller = fleet.netro.controllers[fleet.netro_controller]
    zones = ", ".join(zone.name for zone in controller.zones.values() if zone.enabled)
    sensor = fleet.netro.sensors[fleet.netro_sensor]
    netatmo = fleet.netatmo
    instathings = fleet.instathings
    things = ", ".join(device.name for device in instathings.devices.values())
    ninja = fleet.ninjablocks
    try:
        shown = config_dir.relative_to(Path.cwd())
    except ValueError:
        shown = config_dir
    return "\n".join(
        [
            "",
            "PetSmart Hub demo is running.",
            "",
            f"  Open        {stack.hass.url}",
            f"  Log in as   {USERNAME} / {PASSWORD}",
            "",
            f"  OneNata     {fleet.onenata_url} (API key {fleet.onenata.api_key})",
            f"              {onenata}",
            f"  Netro       {fleet.netro_url}",
            f"              {controller.name} ({controller.serial}): {zones}",
            f"              {sensor.name} ({sensor.serial})",
            f"  Netatmo     {fleet.netatmo_url} (app {netatmo.client_id};"
            f" sign-in {netatmo.email} / {netatmo.password})",
            "              two homes: cameras, persons, scenarios; a weather station,"
            " a home coach",
            f"  Instathings {fleet.instathings_url} (client {instathings.client_id};"
            f" secret {instathings.client_secret})",
            f"              {things}",
            f"  Ninja Blocks {fleet.ninjablocks_url} (token {ninja.token})",
            f"              blocks {', '.join(ninja.nodes)}: temperature, humidity,"
            " PIR, contact, LED, relay, RF433 remotes, a webcam",
            "",
            "  Settings → Devices & services → PetSmart Hub shows the six accounts,",
            "  added through the config flow; every device has its own page.",
            f"  Configuration and log: {shown}/ (fresh at every start)",
            "",
            "Press Ctrl-C to stop.",
            "",
        ]
    )


async def run(args: argparse.Namespace) -> int:
    """Start everything, print how to get in, wait for Ctrl-C, stop everything."""
    config_dir = args.config_dir.resolve()
    for name, port in (
        ("Home Assistant", args.port),
        ("OneNata", args.onenata_port),
        ("Netro", args.netro_port),
        ("Netatmo", args.netatmo_port),
        ("Instathings", args.instathings_port),
        ("Ninja Blocks", args.ninjablocks_port),
    ):
        if not port_is_free(port):
            say(
                f"Port {port} ({name}) is in use; choose another (scripts/demo --help)."
            )
            return 1
    fresh_config_dir(config_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    say("Starting the simulated clouds and Home Assistant…")
    async with running_stack(
        config_dir,
        port=args.port,
        onenata_port=args.onenata_port,
        netro_port=args.netro_port,
        netatmo_port=args.netatmo_port,
        instathings_port=args.instathings_port,
        ninjablocks_port=args.ninjablocks_port,
        time_zone=args.time_zone,
    ) as stack:
        # HA's own address is the URL the simulated clouds call: the OneNata
        # and Netatmo accounts register their webhooks, and changes show the
        # moment they happen
        await stack.reach_from_the_cloud()
        await stack.add_accounts()
        say(banner(stack, config_dir))
        process = stack.hass.process
        assert process is not None
        exited = asyncio.ensure_future(process.wait())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({exited, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for task in (exited, stopped):
            task.cancel()
        if process.returncode is not None:
            say(
                f"Home Assistant stopped by itself (code {process.returncode}):\n"
                + stack.hass.tail(),
                error=True,
            )
            return 1
        say("\nStopping Home Assistant and the simulators…")
    say("Stopped.")
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of scripts/demo."""
    args = parse_args(argv)
    try:
        sys.exit(asyncio.run(run(args)))
    except (HassError, OSError, TimeoutError) as err:
        sys.exit(f"The demo could not start: {err}")


if __name__ == "__main__":
    main()
