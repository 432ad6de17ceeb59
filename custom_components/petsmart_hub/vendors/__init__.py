"""Vendor clouds: HTTP clients, parsing and mapping onto the neutral model.

Nothing in this package imports Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from .base import VendorAccount
from .onenata import DEFAULT_BASE_URL as ONENATA_BASE_URL, OneNataAccount, OneNataClient


def _onenata(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> VendorAccount:
    return OneNataAccount(
        OneNataClient(
            session, data["api_key"], data.get("base_url") or ONENATA_BASE_URL
        )
    )


#: How to open an account of each vendor from a config entry's data.
ACCOUNT_FACTORIES: dict[
    str, Callable[[aiohttp.ClientSession, Mapping[str, Any]], VendorAccount]
] = {"onenata": _onenata}
