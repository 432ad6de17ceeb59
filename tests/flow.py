"""Helpers shared by the config flow tests of every vendor."""

from __future__ import annotations

import json
from pathlib import Path
import socket
from typing import Any

import voluptuous as vol

from custom_components.petsmart_hub.const import (
    CONF_ADVANCED,
    CONF_API_KEY,
    CONF_BASE_URL,
    DOMAIN,
)
from homeassistant.data_entry_flow import (
    FlowResult,
    FlowResultType,
    section as flow_section,
)

STRINGS = json.loads(
    (
        Path(__file__).parents[1] / "custom_components" / DOMAIN / "strings.json"
    ).read_text()
)


def credentials(api_key: str, base_url: str) -> dict[str, Any]:
    """What the vendor and reconfigure forms submit."""
    return {CONF_API_KEY: api_key, CONF_ADVANCED: {CONF_BASE_URL: base_url}}


def form_defaults(schema: vol.Schema) -> dict[str, Any]:
    """Default values a form shows, sections nested as the frontend sees them."""
    defaults: dict[str, Any] = {}
    for marker, value in schema.schema.items():
        if isinstance(value, flow_section):
            defaults[str(marker)] = form_defaults(value.schema)
        elif marker.default is not vol.UNDEFINED:
            defaults[str(marker)] = marker.default()
    return defaults


def assert_form(
    result: FlowResult, step_id: str, errors: dict[str, str] | None = None
) -> None:
    """The flow shows `step_id` with exactly `errors`, each of them translated."""
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == step_id
    assert result["errors"] == (errors or {})
    for error in (errors or {}).values():
        assert error in STRINGS["config"]["error"]


def assert_abort(result: FlowResult, reason: str) -> None:
    """The flow ended with a translated abort `reason`."""
    assert result["type"] is FlowResultType.ABORT, result
    assert result["reason"] == reason
    assert reason in STRINGS["config"]["abort"]


def closed_port_url(path: str) -> str:
    """A base URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
