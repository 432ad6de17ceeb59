"""Fake vendor clouds for developing and testing petsmart_hub without hardware.

`core` holds the vendor-neutral machinery (clock, request log, latency, faults,
server runner); each vendor has its own module, e.g. `onenata`.
"""

from .core import BaseSimulator, FaultKind, RunningSimulator, SimClock, start_server
from .onenata import OneNataSimulator

__all__ = [
    "BaseSimulator",
    "FaultKind",
    "OneNataSimulator",
    "RunningSimulator",
    "SimClock",
    "start_server",
]
