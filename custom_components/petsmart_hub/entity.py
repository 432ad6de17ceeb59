"""The one entity base class of the integration."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .model import Action, Device, DeviceKind, FeedingSlot

if TYPE_CHECKING:
    from .journal import Journal


@dataclass(frozen=True, kw_only=True)
class PetSmartEntityDescription(EntityDescription):
    """What every description of ours adds to Home Assistant's."""

    #: Device kinds the entity exists for (empty: every kind).
    kinds: frozenset[DeviceKind] = frozenset()
    #: Extra condition on the device (e.g. it reports a battery).
    exists_fn: Callable[[Device], bool] = lambda _: True
    #: Stay available while the cloud reports the device offline.
    available_offline: bool = False
    #: What the device must have now for the entity to be available (a
    #: reading the latest data carries); None: nothing more.
    present_fn: Callable[[Device], bool] | None = None

    def applies_to(self, device: Device) -> bool:
        """Tell whether a device gets this entity."""
        return (not self.kinds or device.kind in self.kinds) and self.exists_fn(device)


class PetSmartEntity(Entity):
    """An entity of one device of one account.

    It listens to its own device only: a refresh or a push that changed
    another device does not wake it, and one that woke it writes its state
    only when something it shows changed (an unchanged poll writes nothing).
    """

    _attr_has_entity_name = True
    _attr_should_poll = False
    #: What the state machine was last given: availability, state, attributes.
    _written: tuple[object, ...] | None = None
    # how old the data is while a budget pauses polling: context, not history
    _unrecorded_attributes = frozenset(
        {"polling_paused_until", "data_updated_at", "data_age_minutes"}
    )
    #: What Home Assistant itself rewrites and writes (a camera's and an
    #: image's access token, rotated every 5 minutes, and the picture URL
    #: that carries it): left out of what is compared, so that a rotation is
    #: not taken for news at the device's next update (a write of nothing new).
    _rewritten_by_ha: frozenset[str] = frozenset()
    entity_description: PetSmartEntityDescription

    def __init__(
        self,
        coordinator: PetSmartHubCoordinator,
        device: Device,
        description: PetSmartEntityDescription,
    ) -> None:
        """Bind the entity to its device and description."""
        self.coordinator = coordinator
        self.entity_description = description
        self.device_id = device.id
        identifier = coordinator.device_identifier(device.id)
        self._attr_unique_id = f"{identifier}_{description.key}"
        self._attr_device_info = coordinator.device_info(device)

    async def async_added_to_hass(self) -> None:
        """Listen for updates of this device alone (polled, pushed, after a command)."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_device_listener(
                self.device_id, self._handle_coordinator_update
            )
        )
        # (what Home Assistant writes once this returns)
        self._written = self._what_is_shown()

    async def async_update(self) -> None:
        """Read the account again (``homeassistant.update_entity``)."""
        if self.enabled:
            await self.coordinator.async_refresh_everything()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state when the device's update changed what it shows."""
        shown = self._what_is_shown()
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()

    @callback
    def async_write_shown(self) -> None:
        """Write the state now (news of the entity's own), remembering it."""
        self._written = self._what_is_shown()
        self.async_write_ha_state()

    def _what_is_shown(self) -> tuple[object, ...]:
        """Availability, state and attributes, as the state machine gets them."""
        if not self.available:
            return (False,)
        attributes = self.state_attributes
        ignored = self._rewritten_by_ha
        if ignored and attributes:
            attributes = {k: v for k, v in attributes.items() if k not in ignored}
        return (
            True,
            self.state,
            attributes,
            self.extra_state_attributes,
            self.capability_attributes,
            self.supported_features,
            self.icon,
            None if "entity_picture" in ignored else self.entity_picture,
        )

    @property
    def device(self) -> Device:
        """The device as of the last refresh."""
        return self.coordinator.data.devices[self.device_id]

    def _platform_attributes(self) -> Mapping[str, Any] | None:
        """Extra attributes of the platform's own (periods, alert lists...)."""
        return None

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """The platform's attributes, plus how old the data is while polling pauses.

        Only a device with a call budget (its own, like a Netro key's) gets the
        staleness attributes: nothing else is ever paused.
        """
        attributes = self._platform_attributes()
        paused = self.coordinator.data.polling_paused_until
        if paused is None or self.device.calls_remaining is None:
            return attributes
        updated = self.device.updated_at
        return {
            **(attributes or {}),
            "polling_paused_until": paused.isoformat(),
            "data_updated_at": updated.isoformat() if updated else None,
            "data_age_minutes": (
                round((dt_util.utcnow() - updated).total_seconds() / 60)
                if updated
                else None
            ),
        }

    @property
    def available(self) -> bool:
        """Available while the account and this device refresh fine (and it is online)."""
        data = self.coordinator.data
        if (
            not self.coordinator.last_update_success
            or self.device_id not in data.devices
        ):
            return False
        if self.device_id in data.failed:
            return False
        description = self.entity_description
        if description.present_fn is not None and not description.present_fn(
            self.device
        ):
            return False
        return description.available_offline or self.device.online is not False


def async_add_device_entities[D: PetSmartEntityDescription](
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
    descriptions: Iterable[D],
    factory: Callable[[PetSmartHubCoordinator, Device, D], Entity],
    dynamic: Callable[[Device], Iterable[D]] | None = None,
) -> None:
    """Add entities for every device now and for what appears later.

    A device that appears, and what a device gains (a new reading, a new
    action), get their entities when they appear.

    ``dynamic`` gives a device's own descriptions beyond the fixed ones (a
    sensor per reading its vendor names freely). A device is looked at again
    only when its ``entity_shape`` changed (worked out once per device
    object for every platform); an entity once added stays (one
    whose reading is gone is unavailable, not deleted).
    """
    coordinator = entry.runtime_data
    wanted = tuple(descriptions)
    #: Device id -> its shape when last looked at, and its entities' keys.
    added: dict[str, tuple[tuple[object, ...], set[str]]] = {}

    def add_new_entities() -> None:
        devices = coordinator.data.devices
        for device_id in set(added) - set(devices):
            del added[device_id]
        new: list[Entity] = []
        for device in devices.values():
            shape = coordinator.entity_shape(device)
            held = added.get(device.id)
            if held is not None and held[0] == shape:
                continue
            keys = held[1] if held is not None else set()
            candidates = (*wanted, *(dynamic(device) if dynamic else ()))
            for description in candidates:
                if description.key not in keys and description.applies_to(device):
                    keys.add(description.key)
                    new.append(factory(coordinator, device, description))
            added[device.id] = (shape, keys)
        if new:
            async_add_entities(new)

    add_new_entities()
    entry.async_on_unload(coordinator.async_add_listener(add_new_entities))


class JournalEntity(PetSmartEntity):
    """An entity showing what the entry's journal keeps of its device.

    It is written when the journal's record of its device changes (a meal
    edited, a feed seen, a photo taken), besides the device's updates.
    """

    @property
    def journal(self) -> Journal:
        """The entry's journal."""
        return self.coordinator.journal

    async def async_added_to_hass(self) -> None:
        """Also listen for the journal's news of this device."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.journal.async_add_listener(self.device_id, self._journal_changed)
        )

    @callback
    def _journal_changed(self) -> None:
        self.async_write_shown()


class MealEntity(JournalEntity):
    """An entity that edits a feeder's meals (or its Feed amount) in the journal.

    Its edits are not held to the platform's one-call-at-a-time: the journal
    gathers them into one schedule and sends one at a time itself (editing
    two meals' amounts at once is one send, not two in a row).
    """

    async def async_request_call[T](self, coro: Coroutine[Any, Any, T]) -> T:
        """Run the edit at once (the journal serialises what it sends)."""
        return await coro


class MealSlotEntity(MealEntity):
    """An entity of one meal of a feeder's schedule (its time, amount or switch)."""

    def __init__(
        self,
        coordinator: PetSmartHubCoordinator,
        device: Device,
        description: PetSmartEntityDescription,
        meal: int,
    ) -> None:
        """Bind to a meal of the schedule (1-based)."""
        super().__init__(coordinator, device, description)
        self.meal = meal

    @property
    def slot(self) -> FeedingSlot | None:
        """The meal as last sent, or being sent (None: the schedule lost it)."""
        slots = self.journal.slots(self.device_id) or []
        return slots[self.meal - 1] if self.meal <= len(slots) else None


def meal_key(meal: int, what: str) -> str:
    """The key (and unique id suffix) of one meal's entity: ``meal_2_time``."""
    return f"meal_{meal}_{what}"


def async_add_meal_entities[D: PetSmartEntityDescription](
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
    platform: str,
    description_fn: Callable[[int], D],
    factory: Callable[[PetSmartHubCoordinator, Device, D, int], Entity],
) -> None:
    """Add an entity per meal of each feeder's schedule, as meals come and go.

    A feeder whose schedule can be set gets one entity per meal of the
    schedule last sent (``description_fn(meal)`` describes it); a meal
    added later gets its entity then, and a meal the schedule lost has its
    entity removed from the registry.
    """
    coordinator = entry.runtime_data
    journal = coordinator.journal
    #: Feeder id -> the meals it has entities for, and its journal listener.
    added: dict[str, tuple[set[int], Callable[[], None]]] = {}

    @callback
    def update(device_id: str) -> None:
        device = coordinator.data.devices.get(device_id)
        meals, _ = added[device_id]
        count = len(journal.slots(device_id) or []) if device is not None else 0
        registry = er.async_get(coordinator.hass)
        for meal in sorted(m for m in meals if m > count):
            meals.discard(meal)
            unique_id = (
                f"{coordinator.device_identifier(device_id)}_{description_fn(meal).key}"
            )
            entity_id = registry.async_get_entity_id(platform, DOMAIN, unique_id)
            if entity_id is not None:
                registry.async_remove(entity_id)
        new = [
            factory(coordinator, device, description_fn(meal), meal)
            for meal in range(1, count + 1)
            if meal not in meals and device is not None
        ]
        meals.update(range(1, count + 1))
        if new:
            async_add_entities(new)

    @callback
    def add_feeders() -> None:
        for device in coordinator.data.devices.values():
            if Action.SET_FEEDING_SCHEDULE not in device.actions or device.id in added:
                continue
            remove = journal.async_add_listener(device.id, partial(update, device.id))
            added[device.id] = (set(), remove)
            entry.async_on_unload(remove)
            update(device.id)

    add_feeders()
    entry.async_on_unload(coordinator.async_add_listener(add_feeders))
