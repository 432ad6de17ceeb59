"""Selects: a home's scenarios, run by choosing one."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import DOMAIN
from .coordinator import PetSmartHubConfigEntry
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import Action, DeviceKind, RunScenario, Scenario

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PetSmartSelectEntityDescription(
    SelectEntityDescription, PetSmartEntityDescription
):
    """A select of a device."""


SELECTS: tuple[PetSmartSelectEntityDescription, ...] = (
    PetSmartSelectEntityDescription(
        # only where the home can run them; elsewhere a sensor lists them
        key="scenario",
        translation_key="scenario",
        kinds=frozenset({DeviceKind.HOME}),
        exists_fn=lambda device: Action.RUN_SCENARIO in device.actions,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a scenario select to every home that can run its scenarios."""
    async_add_device_entities(entry, async_add_entities, SELECTS, ScenarioSelect)


class ScenarioSelect(PetSmartEntity, SelectEntity):
    """Choosing a scenario runs it; the select shows the last one run from here.

    The cloud does not say which scenario the home is in, so nothing is
    shown until one is chosen (and after a restart).
    """

    entity_description: PetSmartSelectEntityDescription
    _attr_current_option: str | None = None

    @property
    def _scenarios(self) -> list[Scenario]:
        home = self.device.home
        return home.scenarios if home else []

    @property
    def options(self) -> list[str]:
        """The home's scenarios, by name."""
        return [scenario.name for scenario in self._scenarios]

    async def async_select_option(self, option: str) -> None:
        """Run the scenario of that name."""
        scenario = next((s for s in self._scenarios if s.name == option), None)
        if scenario is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_scenario",
                translation_placeholders={"scenario": option},
            )
        await self.coordinator.async_execute(
            self.device_id, RunScenario(scenario=scenario.id)
        )
        self._attr_current_option = option
        self.async_write_shown()
