"""Fake vendor clouds for developing and testing petsmart_hub without hardware.

`core` holds the vendor-neutral machinery (clock, request log, latency, faults,
server runner); each vendor has its own module, e.g. `onenata`, `netro`.
"""

from .core import BaseSimulator, FaultKind, RunningSimulator, SimClock, start_server
from .netro import NetroSimulator
from .onenata import OneNataSimulator

__all__ = [
    "BaseSimulator",
    "FaultKind",
    "NetroSimulator",
    "OneNataSimulator",
    "RunningSimulator",
    "SimClock",
    "start_server",
]
