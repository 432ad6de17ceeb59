"""Fixtures of the end-to-end tests: no in-process `hass`, a real one instead."""

from __future__ import annotations

from collections.abc import Generator

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> Generator[None]:
    """Override the suite's autouse fixture: these tests start no test `hass`.

    Home Assistant runs in its own process here (see `e2e.hass`), with the
    integration linked into its configuration directory.
    """
    yield
