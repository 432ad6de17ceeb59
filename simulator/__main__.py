"""Run a simulator from the command line.

python -m simulator onenata --port 8900 --devices 3
python -m simulator netro --port 8901 --controllers 1 --zones 6 --sensors 1
python -m simulator netatmo --port 8902 --homes 2
python -m simulator instathings --port 8903 --gateways 1 [--on-premise]
python -m simulator ninjablocks --port 8904 --blocks 1 [--token TOKEN]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
import contextlib
from dataclasses import dataclass
import logging
import signal
import sys

from .core import BaseSimulator, start_server
from .instathings import (
    DEFAULT_CLIENT_ID as INSTATHINGS_CLIENT_ID,
    DEFAULT_CLIENT_SECRET as INSTATHINGS_CLIENT_SECRET,
    InstathingsSimulator,
)
from .instathings.auth import DEFAULT_TOKEN_TTL as INSTATHINGS_TOKEN_TTL
from .netatmo import NetatmoSimulator
from .netro import BASE_PATH as NETRO_BASE_PATH, NetroSimulator, describe
from .netro.api import ERROR_HTTP_STATUS_MODES, SENSOR_INFO_SHAPES
from .ninjablocks import (
    BASE_PATH as NINJABLOCKS_BASE_PATH,
    DEFAULT_TOKEN as NINJABLOCKS_TOKEN,
    NinjaBlocksSimulator,
    describe as describe_ninjablocks,
)
from .ninjablocks.api import CHOICES as NINJABLOCKS_SHAPES, Shapes as NinjaShapes
from .onenata import OneNataSimulator


@dataclass(frozen=True)
class Vendor:
    """How to offer one vendor's simulator on the command line."""

    help: str
    base_path: str
    default_port: int
    add_arguments: Callable[[argparse.ArgumentParser], None]
    build: Callable[[argparse.Namespace], tuple[BaseSimulator, list[str]]]


def _onenata_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the OneNata options."""
    parser.add_argument("--devices", type=int, default=1, help="devices of every kind")
    parser.add_argument("--api-key", default="demo-key")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--public-url", help="base URL clients use, if not host:port")


def _onenata(args: argparse.Namespace) -> tuple[BaseSimulator, list[str]]:
    """Build a OneNata simulator and the lines describing how to reach it."""
    sim = OneNataSimulator(
        api_key=args.api_key,
        devices_per_kind=args.devices,
        latency=args.latency,
        seed=args.seed,
        public_url=args.public_url,
    )
    return sim, [f"API key:  {sim.api_key}", f"Devices:  {', '.join(sim.devices)}"]


def _netro_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Netro options."""
    parser.add_argument("--controllers", type=int, default=1)
    parser.add_argument("--zones", type=int, default=6, help="zones per controller")
    parser.add_argument("--sensors", type=int, default=1)
    parser.add_argument(
        "--daily-limit", type=int, default=2000, help="calls per key and UTC day"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timezone", default="America/Los_Angeles")
    parser.add_argument(
        "--error-http-status",
        choices=ERROR_HTTP_STATUS_MODES,
        default="ok",
        help="HTTP status of ERROR bodies: always 200, or one per error code",
    )
    parser.add_argument(
        "--sensor-info-shape", choices=SENSOR_INFO_SHAPES, default="sensor"
    )


def _netro(args: argparse.Namespace) -> tuple[BaseSimulator, list[str]]:
    """Build a Netro simulator and the lines describing how to reach it."""
    sim = NetroSimulator(
        controllers=args.controllers,
        zones=args.zones,
        sensors=args.sensors,
        daily_limit=args.daily_limit,
        latency=args.latency,
        seed=args.seed,
        timezone=args.timezone,
        error_http_status=args.error_http_status,
        sensor_info_shape=args.sensor_info_shape,
    )
    return sim, describe(sim)


def _netatmo_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Netatmo options."""
    parser.add_argument("--homes", type=int, default=2)
    parser.add_argument("--client-id", default="sim-netatmo-client-id")
    parser.add_argument("--client-secret", default="sim-netatmo-client-secret")
    parser.add_argument("--shapes", choices=("real", "doc"), default="real")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--public-url", help="base URL clients use, if not host:port")


def _netatmo(args: argparse.Namespace) -> tuple[BaseSimulator, list[str]]:
    """Build a Netatmo simulator and the lines describing how to reach it."""
    sim = NetatmoSimulator(
        args.client_id,
        args.client_secret,
        homes=args.homes,
        shapes=args.shapes,
        latency=args.latency,
        seed=args.seed,
        public_url=args.public_url,
    )
    return sim, [
        f"Client ID:     {sim.client_id}",
        f"Client secret: {sim.client_secret}",
        f"Sign in as:    {sim.email}",
    ]


def _instathings_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Instathings options."""
    parser.add_argument("--client-id", default=INSTATHINGS_CLIENT_ID)
    parser.add_argument("--client-secret", default=INSTATHINGS_CLIENT_SECRET)
    parser.add_argument("--gateways", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--on-premise",
        action="store_true",
        help="serve a gateway's server: no auth, socket.io websocket",
    )
    parser.add_argument(
        "--token-ttl",
        type=int,
        default=INSTATHINGS_TOKEN_TTL,
        help="seconds a token lives",
    )
    parser.add_argument(
        "--status-delay",
        type=float,
        default=0.5,
        help="seconds a device takes to answer a status request",
    )
    parser.add_argument(
        "--tick", type=float, help="move the readings every this many seconds"
    )
    parser.add_argument("--public-url", help="base URL clients use, if not host:port")


def _instathings(args: argparse.Namespace) -> tuple[BaseSimulator, list[str]]:
    """Build an Instathings simulator and the lines describing how to reach it."""
    sim = InstathingsSimulator(
        args.client_id,
        args.client_secret,
        gateways=args.gateways,
        on_premise=args.on_premise,
        token_ttl=args.token_ttl,
        status_delay=args.status_delay,
        tick_interval=args.tick,
        latency=args.latency,
        seed=args.seed,
        public_url=args.public_url,
    )
    devices = ", ".join(f"{d.device_id} ({d.name})" for d in sim.devices.values())
    if sim.on_premise:
        return sim, [
            "Mode:          on premise (no authentication)",
            "Websocket:     /socket.io/?EIO=3&transport=websocket",
            f"Devices:       {devices}",
        ]
    return sim, [
        f"Client ID:     {sim.client_id}",
        f"Client secret: {sim.client_secret}",
        f"Project:       {sim.project_id}",
        f"Websocket:     /?project={sim.project_id}&access_token=<JWT>",
        f"Devices:       {devices}",
    ]


def _ninjablocks_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Ninja Blocks options."""
    parser.add_argument(
        "--token", default=NINJABLOCKS_TOKEN, help="the valid user_access_token"
    )
    parser.add_argument(
        "--blocks", type=int, default=1, help="blocks, each with every device"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--listing",
        choices=NINJABLOCKS_SHAPES["listing"],
        default="object",
        help="GET /devices' data keyed by GUID (the doc) or a list",
    )
    parser.add_argument(
        "--callback-exists",
        choices=NINJABLOCKS_SHAPES["callback_exists"],
        default="409",
        help="an existing callback: HTTP 409, or HTTP 200 with the envelope",
    )
    parser.add_argument("--public-url", help="base URL clients use, if not host:port")


def _ninjablocks(args: argparse.Namespace) -> tuple[BaseSimulator, list[str]]:
    """Build a Ninja Blocks simulator and the lines describing how to reach it."""
    if args.blocks < 0:
        raise SystemExit("--blocks can not be negative")
    sim = NinjaBlocksSimulator(
        args.token,
        blocks=args.blocks,
        shapes=NinjaShapes(listing=args.listing, callback_exists=args.callback_exists),
        seed=args.seed,
        latency=args.latency,
        public_url=args.public_url,
    )
    return sim, describe_ninjablocks(sim)


VENDORS = {
    "onenata": Vendor(
        "the OneNata pet device cloud", "/v1", 8900, _onenata_arguments, _onenata
    ),
    "netro": Vendor(
        "the Netro irrigation cloud (NPA)",
        NETRO_BASE_PATH,
        8901,
        _netro_arguments,
        _netro,
    ),
    "netatmo": Vendor(
        "the Netatmo cloud (OAuth2, homes, cameras, stations)",
        "",
        8902,
        _netatmo_arguments,
        _netatmo,
    ),
    "instathings": Vendor(
        "the Instathings IoT cloud (JWT, gateways, websocket), or --on-premise",
        "",
        8903,
        _instathings_arguments,
        _instathings,
    ),
    "ninjablocks": Vendor(
        "the Ninja Blocks cloud (REST v0, callbacks, snapshots)",
        NINJABLOCKS_BASE_PATH,
        8904,
        _ninjablocks_arguments,
        _ninjablocks,
    ),
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    subparsers = parser.add_subparsers(dest="vendor", required=True)
    for name, vendor in VENDORS.items():
        sub = subparsers.add_parser(name, help=vendor.help)
        vendor.add_arguments(sub)
        sub.add_argument("--host", default="127.0.0.1", help="address to bind")
        sub.add_argument("--port", type=int, default=vendor.default_port)
        sub.add_argument(
            "--latency", type=float, default=0.0, help="seconds added to every request"
        )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace, stop: asyncio.Event | None = None) -> None:
    """Serve the chosen simulator until `stop` is set (or the task is cancelled)."""
    vendor = VENDORS[args.vendor]
    sim, lines = vendor.build(args)
    running = await start_server(sim, args.host, args.port)
    sys.stdout.write(
        "\n".join(
            [
                f"{args.vendor} simulator",
                f"Base URL: {running.url}{vendor.base_path}",
                *lines,
            ]
        )
        + "\nPress Ctrl-C to stop.\n"
    )
    sys.stdout.flush()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await running.close()


async def serve_until_signalled(args: argparse.Namespace) -> None:
    """Serve until SIGINT (Ctrl-C) or SIGTERM, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    await serve(args, stop)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_until_signalled(args))


if __name__ == "__main__":
    main()
