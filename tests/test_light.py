"""The light platform: what a lamp can be set to, and the mode it is in.

Through Home Assistant with an Instathings RGB lamp (the simulator's lamp
reporting ``color: {r, g, b}``), and the mode rules on their own for the
lamps no simulator has (a dimmer, an on/off lamp).
"""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.petsmart_hub.compat import ColorMode
from custom_components.petsmart_hub.light import current_mode, supported_modes
from custom_components.petsmart_hub.model import LightMode, LightState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant

from .instathings_fixtures import (
    LAMP,
    InstathingsCloud,
    fixture_instathings,  # noqa: F401 - a fixture
    fixture_instathings_on_premise,  # noqa: F401 - a fixture
    fixture_instathings_options,  # noqa: F401 - a fixture
    instathings_entry,
)

LAMP_LIGHT = "light.hue_lamp"


async def test_an_rgb_lamp_is_shown_and_set_in_rgb(
    hass: HomeAssistant, instathings: InstathingsCloud
) -> None:
    """A lamp reporting its colour as RGB: RGB mode, and RGB is what it is sent."""
    instathings.sim.set_shapes(color="rgb")
    entry: MockConfigEntry = instathings_entry(instathings)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get(LAMP_LIGHT)
    assert state is not None
    assert ColorMode.RGB in state.attributes["supported_color_modes"]
    assert state.attributes["color_mode"] == ColorMode.RGB
    assert state.attributes["rgb_color"] is not None

    await hass.services.async_call(
        "light",
        "turn_on",
        {ATTR_ENTITY_ID: LAMP_LIGHT, "rgb_color": (255, 40, 0)},
        blocking=True,
    )
    sent = [c for c in instathings.sim.controls if c.device_id == LAMP][-1]
    assert sent.body == {"state": "ON", "color": {"r": 255, "g": 40, "b": 0}}
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("light", "supported", "mode"),
    [
        # a dimmer: brightness alone
        (
            LightState(modes=frozenset({LightMode.BRIGHTNESS})),
            {ColorMode.BRIGHTNESS},
            ColorMode.BRIGHTNESS,
        ),
        # nothing but on and off
        (LightState(modes=frozenset()), {ColorMode.ONOFF}, ColorMode.ONOFF),
        # colour modes it has, but no colour reported yet: the first of them
        (
            LightState(modes=frozenset({LightMode.XY, LightMode.COLOR_TEMP})),
            {ColorMode.XY, ColorMode.COLOR_TEMP},
            ColorMode.COLOR_TEMP,
        ),
        # it says it is in colour temperature, though it reports an xy too
        (
            LightState(
                modes=frozenset({LightMode.XY, LightMode.COLOR_TEMP}),
                xy=(0.3, 0.4),
                color_temp_kelvin=4000,
                mode=LightMode.COLOR_TEMP,
            ),
            {ColorMode.XY, ColorMode.COLOR_TEMP},
            ColorMode.COLOR_TEMP,
        ),
        # a mode it cannot be in is not believed: its colour tells
        (
            LightState(
                modes=frozenset({LightMode.XY}), xy=(0.3, 0.4), mode=LightMode.RGB
            ),
            {ColorMode.XY},
            ColorMode.XY,
        ),
    ],
)
def test_modes(light: LightState, supported: set[ColorMode], mode: ColorMode) -> None:
    """On/off and brightness stand alone; the current mode is said or shown."""
    assert supported_modes(light) == supported
    assert current_mode(light) == mode
