"""Vendor clouds: HTTP clients, parsing and mapping onto the neutral model.

Nothing in this package imports Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
import hashlib
from typing import Any

import aiohttp

from .base import VendorAccount
from .netro import (
    DEFAULT_BASE_URL as NETRO_BASE_URL,
    NetroAccount,
    NetroClient,
    migrate_device_id as netro_device_id,
)
from .netro.budget import PollPolicy
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
    if "reserve" in options:
        policy = replace(policy, reserve=int(options["reserve"]))
    return NetroAccount(
        NetroClient(session, data["api_key"], data.get("base_url") or NETRO_BASE_URL),
        policy=policy,
    )


#: How to open an account of each vendor from a config entry's data and options.
ACCOUNT_FACTORIES: dict[str, AccountFactory] = {"onenata": _onenata, "netro": _netro}


def account_unique_id(vendor: str, key: str) -> str:
    """A stable id of an account that tells nothing of its key.

    A hash of the key: the same key is the same account (a Netro key, the
    device's serial, is the device), and no id ever holds a secret.
    """
    digest = hashlib.sha256(f"{vendor}:{key}".encode()).hexdigest()
    return f"{vendor}_{digest[:32]}"


#: Version 1 device ids that version 2 renamed: (old id, the account's key) -> id.
_DEVICE_ID_MIGRATIONS: dict[str, Callable[[str, str], str]] = {"netro": netro_device_id}


def migrated_device_id(vendor: str, old: str, key: str) -> str:
    """The version 2 id of a device version 1 called ``old`` (most are kept)."""
    rename = _DEVICE_ID_MIGRATIONS.get(vendor)
    return old if rename is None else rename(old, key)
