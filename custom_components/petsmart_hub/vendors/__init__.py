"""Vendor clouds: HTTP clients, parsing and mapping onto the neutral model.

Nothing in this package imports Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import aiohttp

from .base import VendorAccount
from .netro import DEFAULT_BASE_URL as NETRO_BASE_URL, NetroAccount, NetroClient
from .netro_budget import PollPolicy
from .onenata import DEFAULT_BASE_URL as ONENATA_BASE_URL, OneNataAccount, OneNataClient

type AccountFactory = Callable[
    [aiohttp.ClientSession, Mapping[str, Any], Mapping[str, Any]], VendorAccount
]


def _onenata(
    session: aiohttp.ClientSession, data: Mapping[str, Any], options: Mapping[str, Any]
) -> VendorAccount:
    return OneNataAccount(
        OneNataClient(
            session, data["api_key"], data.get("base_url") or ONENATA_BASE_URL
        )
    )


def _netro(
    session: aiohttp.ClientSession, data: Mapping[str, Any], options: Mapping[str, Any]
) -> VendorAccount:
    policy = PollPolicy()
    if "idle_status_interval" in options:
        policy = replace(
            policy, idle_status=timedelta(minutes=options["idle_status_interval"])
        )
    if "reserve" in options:
        policy = replace(policy, reserve=int(options["reserve"]))
    return NetroAccount(
        NetroClient(session, data["api_key"], data.get("base_url") or NETRO_BASE_URL),
        policy=policy,
    )


#: How to open an account of each vendor from a config entry's data and options.
ACCOUNT_FACTORIES: dict[str, AccountFactory] = {"onenata": _onenata, "netro": _netro}
