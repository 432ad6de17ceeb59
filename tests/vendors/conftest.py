"""Fixtures of the vendor tests: plain async Python, no Home Assistant."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the package-wide fixture: vendor code needs no Home Assistant.

    The package-wide fixture asks for ``hass``, a whole Home Assistant per
    test; the vendor packages import nothing of it (tests/test_layering.py).
    """
