"""A config entry of plain sensors: how many devices, how many sensors each."""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from . import DOMAIN

DEVICES = "devices"
PER_DEVICE = "per_device"


class PlainSensorsFlow(ConfigFlow, domain=DOMAIN):
    """Ask for the number of devices and of sensors per device."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Create the entry at once from the numbers given."""
        if user_input is not None:
            return self.async_create_entry(
                title=f"{user_input[DEVICES]} plain devices", data=user_input
            )
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(DEVICES): vol.All(int, vol.Range(min=1)),
                    vol.Required(PER_DEVICE): vol.All(int, vol.Range(min=1)),
                }
            ),
        )
