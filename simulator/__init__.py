"""Fake vendor clouds for developing and testing petsmart_hub without hardware.

`core` holds the vendor-neutral machinery (clock, request log, latency, faults,
server runner); each vendor has its own module: `onenata`, `netro`, `netatmo`.
"""

from .core import BaseSimulator, FaultKind, RunningSimulator, SimClock, start_server
from .netatmo import NetatmoSimulator
from .netro import NetroSimulator
from .onenata import OneNataSimulator

__all__ = [
    "BaseSimulator",
    "FaultKind",
    "NetatmoSimulator",
    "NetroSimulator",
    "OneNataSimulator",
    "RunningSimulator",
    "SimClock",
    "start_server",
]
