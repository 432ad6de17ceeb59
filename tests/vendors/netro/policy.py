"""The poll policy the Netro vendor tests pin (independent of our defaults)."""

from __future__ import annotations

from datetime import timedelta

from custom_components.petsmart_hub.vendors.netro.budget import PollPolicy

POLICY = PollPolicy(
    idle_status=timedelta(minutes=10),
    watering_status=timedelta(minutes=1),
    schedules=timedelta(hours=2),
    moistures=timedelta(hours=6),
    sensor=timedelta(hours=1),
    sensor_info=timedelta(hours=6),
    soon=timedelta(minutes=2),
    confirm_after=timedelta(seconds=20),
    reserve=100,
)
