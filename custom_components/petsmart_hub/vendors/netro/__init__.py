"""Netro: its client, the parsing of its answers and its account (no Home Assistant imports).

``client`` speaks the API and parses its JSON, ``account`` maps that onto
the neutral model, ``budget`` plans the calls under the daily budget.
"""

from __future__ import annotations

from dataclasses import replace

from ..base import VendorAccount
from ..descriptor import AccountContext, OptionSpec, SignIn, VendorDescriptor, option
from .account import (
    ACTIONS,
    CLOCK_SKEW,
    DEVICE_ID,
    MANUFACTURER,
    MAX_POLL_GAP,
    MOISTURE_MAX_AGE,
    RETRY_AFTER_FAILURE,
    NetroAccount,
    _stopped,
    migrate_device_id,
    weather_report,
    zone_device_id,
)
from .budget import Call, CallBudget, PollPlan, PollPolicy, next_midnight_utc
from .client import (
    CONTROLLER_STATUSES,
    DAILY_LIMIT,
    DEFAULT_BASE_URL,
    ERROR_INTERNAL,
    ERROR_INVALID_DEVICE,
    ERROR_INVALID_KEY,
    ERROR_LIMIT,
    ERROR_PARAMETER,
    REQUEST_CAP,
    REQUEST_TIMEOUT,
    REQUEST_WINDOW,
    SCHEDULE_SOURCES,
    SCHEDULE_STATUSES,
    SMART_MODES,
    WEATHER_CONDITIONS,
    NetroClient,
    NetroEvent,
    NetroInfo,
    NetroMeta,
    NetroMoisture,
    NetroSchedule,
    NetroSensorReading,
    NetroZone,
    parse_events,
    parse_info,
    parse_meta,
    parse_moistures,
    parse_schedules,
    parse_sensor_data,
)


def _open(context: AccountContext) -> VendorAccount:
    policy = PollPolicy()
    if "reserve" in context.options:
        policy = replace(policy, reserve=int(context.options["reserve"]))
    return NetroAccount(
        NetroClient(
            context.session,
            context.credentials["api_key"],
            context.base_url or DEFAULT_BASE_URL,
        ),
        policy=policy,
    )


DESCRIPTOR = VendorDescriptor(
    key="netro",
    title="Netro",
    sign_in=SignIn.DEVICE_KEY,
    default_url=DEFAULT_BASE_URL,
    factory=_open,
    options=(
        option("zone_duration"),
        OptionSpec(key="reserve", default=100, low=20, high=1000),
    ),
    capabilities=frozenset().union(*ACTIONS.values()),
    migrate_device_id=migrate_device_id,
)

__all__ = [
    "ACTIONS",
    "CLOCK_SKEW",
    "CONTROLLER_STATUSES",
    "DAILY_LIMIT",
    "DEFAULT_BASE_URL",
    "DESCRIPTOR",
    "DEVICE_ID",
    "ERROR_INTERNAL",
    "ERROR_INVALID_DEVICE",
    "ERROR_INVALID_KEY",
    "ERROR_LIMIT",
    "ERROR_PARAMETER",
    "MANUFACTURER",
    "MAX_POLL_GAP",
    "MOISTURE_MAX_AGE",
    "REQUEST_CAP",
    "REQUEST_TIMEOUT",
    "REQUEST_WINDOW",
    "RETRY_AFTER_FAILURE",
    "SCHEDULE_SOURCES",
    "SCHEDULE_STATUSES",
    "SMART_MODES",
    "WEATHER_CONDITIONS",
    "Call",
    "CallBudget",
    "NetroAccount",
    "NetroClient",
    "NetroEvent",
    "NetroInfo",
    "NetroMeta",
    "NetroMoisture",
    "NetroSchedule",
    "NetroSensorReading",
    "NetroZone",
    "PollPlan",
    "PollPolicy",
    "_stopped",
    "migrate_device_id",
    "next_midnight_utc",
    "parse_events",
    "parse_info",
    "parse_meta",
    "parse_moistures",
    "parse_schedules",
    "parse_sensor_data",
    "weather_report",
    "zone_device_id",
]
