"""Lights: a lamp's on and off, brightness and colour, where its device has them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.light import LightEntity, LightEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .compat import (
    ATTR_BRIGHTNESS,
    ATTR_COLOR_TEMP_KELVIN,
    ATTR_RGB_COLOR,
    ATTR_XY_COLOR,
    ColorMode,
)
from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import Action, LightMode, LightState, SetLight

PARALLEL_UPDATES = 1

#: The colour temperatures a lamp that does not say takes (Zigbee's usual
#: 153-500 mireds).
MIN_KELVIN = 2000
MAX_KELVIN = 6500

_COLOUR_MODES: dict[LightMode, ColorMode] = {
    LightMode.XY: ColorMode.XY,
    LightMode.RGB: ColorMode.RGB,
    LightMode.COLOR_TEMP: ColorMode.COLOR_TEMP,
}


@dataclass(frozen=True, kw_only=True)
class PetSmartLightEntityDescription(LightEntityDescription, PetSmartEntityDescription):
    """A light of a device that lights (``Device.light``)."""


LIGHTS: tuple[PetSmartLightEntityDescription, ...] = (
    PetSmartLightEntityDescription(
        # a lamp: the device's own main entity (named as the device)
        key="light",
        name=None,
        exists_fn=lambda device: (
            device.light is not None and Action.SET_LIGHT in device.actions
        ),
    ),
)


def supported_modes(light: LightState) -> set[ColorMode]:
    """Home Assistant's colour modes of a light (on/off and brightness stand alone)."""
    colours = {_COLOUR_MODES[mode] for mode in light.modes if mode in _COLOUR_MODES}
    if colours:
        return colours
    if LightMode.BRIGHTNESS in light.modes:
        return {ColorMode.BRIGHTNESS}
    return {ColorMode.ONOFF}


def current_mode(light: LightState) -> ColorMode:
    """The mode a light is in: what it says, else what its colour tells."""
    supported = supported_modes(light)
    if light.mode is not None and _COLOUR_MODES.get(light.mode) in supported:
        return _COLOUR_MODES[light.mode]
    for mode, value in (
        (ColorMode.XY, light.xy),
        (ColorMode.RGB, light.rgb),
        (ColorMode.COLOR_TEMP, light.color_temp_kelvin),
    ):
        if mode in supported and value is not None:
            return mode
    return next(iter(sorted(supported)))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add lights for every device that lights, now and when one appears."""
    async_add_device_entities(entry, async_add_entities, LIGHTS, PetSmartLight)


class PetSmartLight(PetSmartEntity, LightEntity):
    """The light of a device."""

    entity_description: PetSmartLightEntityDescription
    _attr_min_color_temp_kelvin = MIN_KELVIN
    _attr_max_color_temp_kelvin = MAX_KELVIN

    @property
    def _light(self) -> LightState:
        return self.device.light or LightState()

    @property
    def supported_color_modes(self) -> set[ColorMode]:
        """What the lamp can be set to."""
        return supported_modes(self._light)

    @property
    def color_mode(self) -> ColorMode:
        """The mode it is in."""
        return current_mode(self._light)

    @property
    def is_on(self) -> bool | None:
        """Whether it is on."""
        return self._light.on

    @property
    def brightness(self) -> int | None:
        """Brightness, 0-255 (the model holds percent)."""
        if self._light.brightness is None:
            return None
        return round(self._light.brightness * 255 / 100)

    @property
    def xy_color(self) -> tuple[float, float] | None:
        """Its colour in CIE xy."""
        return self._light.xy

    @property
    def rgb_color(self) -> tuple[int, int, int] | None:
        """Its colour in RGB."""
        return self._light.rgb

    @property
    def color_temp_kelvin(self) -> int | None:
        """Its colour temperature."""
        return self._light.color_temp_kelvin

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch it on, with what the call gives of brightness and colour."""
        brightness = kwargs.get(ATTR_BRIGHTNESS)
        rgb = kwargs.get(ATTR_RGB_COLOR)
        xy = kwargs.get(ATTR_XY_COLOR)
        await self.coordinator.async_execute(
            self.device_id,
            SetLight(
                on=True,
                brightness=(
                    None if brightness is None else round(brightness * 100 / 255, 1)
                ),
                xy=None if xy is None else (float(xy[0]), float(xy[1])),
                rgb=None if rgb is None else (int(rgb[0]), int(rgb[1]), int(rgb[2])),
                color_temp_kelvin=kwargs.get(ATTR_COLOR_TEMP_KELVIN),
            ),
        )

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch it off."""
        await self.coordinator.async_execute(self.device_id, SetLight(on=False))
