"""Binary sensors: connectivity, alerts, running cycles, detections and who is home."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .compat import BinarySensorDeviceClass
from .const import DOMAIN
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .entity import (
    JournalEntity,
    PetSmartEntity,
    PetSmartEntityDescription,
    async_add_device_entities,
)
from .happenings import iso
from .model import DETECTION_HOLD, Action, Detection, Device, DeviceKind, Person

if TYPE_CHECKING:
    from .journal import Journal

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PetSmartBinarySensorEntityDescription(
    BinarySensorEntityDescription, PetSmartEntityDescription
):
    """A binary sensor read from the neutral device model."""

    is_on_fn: Callable[[Device], bool | None]
    #: A detection reported only when it happens: it is over this long after
    #: the report (``DETECTION_HOLD``), unless the device says so before.
    detection: Detection | None = None


def _detection(
    detection: Detection, device_class: BinarySensorDeviceClass | None
) -> PetSmartBinarySensorEntityDescription:
    """The binary sensor of what a yes/no sensor detects (motion, an open door)."""
    return PetSmartBinarySensorEntityDescription(
        key=f"detection_{detection.value}",
        translation_key=None if device_class else f"detection_{detection.value}",
        device_class=device_class,
        available_offline=True,  # a PIR or contact tells nothing of its link
        exists_fn=lambda device: detection in device.detections,
        present_fn=lambda device: detection in device.detections,
        is_on_fn=lambda device: device.detections.get(detection),
        detection=detection,
    )


BINARY_SENSORS: tuple[PetSmartBinarySensorEntityDescription, ...] = (
    PetSmartBinarySensorEntityDescription(
        key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        available_offline=True,
        # zones share their controller's connection; a home is no device;
        # a device whose cloud never tells (a Ninja sensor) has none to show
        exists_fn=lambda device: (
            device.kind not in (DeviceKind.SPRINKLER_ZONE, DeviceKind.HOME)
            and device.online is not None
        ),
        is_on_fn=lambda device: device.online,
    ),
    PetSmartBinarySensorEntityDescription(
        key="watering",
        translation_key="watering",
        kinds=frozenset({DeviceKind.SPRINKLER_CONTROLLER}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.controller.watering
        if device.controller
        else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="food_low",
        translation_key="food_low",
        kinds=frozenset({DeviceKind.FEEDER}),
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda device: device.feeder.food_low if device.feeder else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="refill_recommended",
        translation_key="refill_recommended",
        kinds=frozenset({DeviceKind.FEEDER}),
        is_on_fn=lambda device: device.feeder.refill_recommended
        if device.feeder
        else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="pump_running",
        translation_key="pump_running",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.fountain.pump_running
        if device.fountain
        else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="fountain_cleaning",
        translation_key="cleaning",
        kinds=frozenset({DeviceKind.FOUNTAIN}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.fountain.cleaning if device.fountain else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="litter_box_cleaning",
        translation_key="cleaning",
        kinds=frozenset({DeviceKind.LITTER_BOX}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.litter_box.cleaning
        if device.litter_box
        else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="maintenance_needed",
        translation_key="maintenance_needed",
        kinds=frozenset({DeviceKind.LITTER_BOX}),
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda device: (
            device.litter_box.maintenance_needed if device.litter_box else None
        ),
    ),
    PetSmartBinarySensorEntityDescription(
        key="recording",
        translation_key="recording",
        kinds=frozenset({DeviceKind.CAMERA}),
        device_class=BinarySensorDeviceClass.RUNNING,
        # a camera told to record clips says whether it is recording one
        exists_fn=lambda device: Action.START_RECORDING in device.actions,
        is_on_fn=lambda device: device.camera.recording if device.camera else None,
    ),
    PetSmartBinarySensorEntityDescription(
        key="playing",
        translation_key="playing",
        kinds=frozenset({DeviceKind.TOY}),
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda device: device.toy.playing if device.toy else None,
    ),
    _detection(Detection.MOTION, BinarySensorDeviceClass.MOTION),
    _detection(Detection.OPENING, BinarySensorDeviceClass.OPENING),
    _detection(Detection.PRESS, None),
)


@cache
def value_binary_sensor(key: str) -> PetSmartBinarySensorEntityDescription:
    """The binary sensor of a yes/no reading its vendor names freely (by its key).

    Unavailable while the device's latest data lacks the key.
    """

    def is_on(device: Device) -> bool | None:
        found = device.values.get(key)
        return found if isinstance(found, bool) else None

    return PetSmartBinarySensorEntityDescription(
        key=f"value_{key}",
        name=key,
        exists_fn=lambda device: key in device.values,
        present_fn=lambda device: key in device.values,
        is_on_fn=is_on,
    )


def value_binary_sensors(
    device: Device,
) -> Iterable[PetSmartBinarySensorEntityDescription]:
    """A binary sensor per free-form reading that is a yes or a no."""
    for key, found in device.values.items():
        if isinstance(found, bool):
            yield value_binary_sensor(key)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add binary sensors for every device, now and when devices appear.

    Each person a home knows is a presence sensor of that home, added when
    the home first names them.
    """
    async_add_device_entities(
        entry,
        async_add_entities,
        BINARY_SENSORS,
        PetSmartBinarySensor,
        dynamic=value_binary_sensors,
    )
    coordinator = entry.runtime_data
    _drop_connectivity_nobody_tells(hass, entry)
    async_add_device_entities(entry, async_add_entities, MEAL_SENSORS, MealSensor)
    known: set[tuple[str, str]] = set()

    def add_new_persons() -> None:
        new: list[PersonPresence] = []
        for device in coordinator.data.devices.values():
            if device.home is None:
                continue
            for person_id in device.home.persons:
                if (device.id, person_id) not in known:
                    known.add((device.id, person_id))
                    new.append(PersonPresence(coordinator, device, person_id))
        if new:
            async_add_entities(new)

    add_new_persons()
    entry.async_on_unload(coordinator.async_add_listener(add_new_persons))


def _drop_connectivity_nobody_tells(
    hass: HomeAssistant, entry: PetSmartHubConfigEntry
) -> None:
    """Remove Connectivity sensors earlier versions made that only said unknown.

    A device whose cloud never tells whether it is online (an Instathings
    virtual device) has none now. Only for a device read without it; one
    whose read failed keeps its own.
    """
    coordinator = entry.runtime_data
    registry = er.async_get(hass)
    for device in coordinator.data.devices.values():
        if device.online is not None or device.updated_at is None:
            continue
        unique_id = f"{coordinator.device_identifier(device.id)}_connectivity"
        entity_id = registry.async_get_entity_id("binary_sensor", DOMAIN, unique_id)
        if entity_id is not None:
            registry.async_remove(entity_id)


class PetSmartBinarySensor(PetSmartEntity, BinarySensorEntity):
    """A binary sensor of a device."""

    entity_description: PetSmartBinarySensorEntityDescription
    _cancel_hold: CALLBACK_TYPE | None = None

    @property
    def is_on(self) -> bool | None:
        """Read the value from the device model (a held detection ends in time)."""
        found = self.entity_description.is_on_fn(self.device)
        ends = self._held_until()
        if found and ends is not None and ends <= dt_util.utcnow():
            return False
        return found

    def _held_until(self) -> datetime | None:
        """When a detection reported only as it happens is over (None: not one)."""
        detection = self.entity_description.detection
        hold = DETECTION_HOLD.get(detection) if detection is not None else None
        reported = self.device.last_report
        if hold is None or reported is None:
            return None
        return reported + hold

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state; a held detection is looked at again when it ends."""
        self._plan_hold_end()
        super()._handle_coordinator_update()

    async def async_added_to_hass(self) -> None:
        """Plan the end of a held detection from the start."""
        await super().async_added_to_hass()
        self._plan_hold_end()
        self.async_on_remove(self._cancel_hold_end)

    @callback
    def _cancel_hold_end(self) -> None:
        if self._cancel_hold is not None:
            self._cancel_hold()
            self._cancel_hold = None

    @callback
    def _plan_hold_end(self) -> None:
        self._cancel_hold_end()
        ends = self._held_until()
        if ends is None or ends <= dt_util.utcnow():
            return
        if not self.entity_description.is_on_fn(self.device):
            return

        @callback
        def ended(_now: datetime) -> None:
            self._cancel_hold = None
            self.async_write_shown()

        self._cancel_hold = async_track_point_in_utc_time(self.hass, ended, ends)


PERSON = PetSmartBinarySensorEntityDescription(
    key="person",
    device_class=BinarySensorDeviceClass.PRESENCE,
    kinds=frozenset({DeviceKind.HOME}),
    is_on_fn=lambda _: None,  # per person: PersonPresence reads its own
)


class PersonPresence(PetSmartEntity, BinarySensorEntity):
    """Whether a person the home knows is at home; named after them."""

    entity_description: PetSmartBinarySensorEntityDescription

    def __init__(
        self, coordinator: PetSmartHubCoordinator, home: Device, person_id: str
    ) -> None:
        """A presence sensor of one person of a home."""
        super().__init__(coordinator, home, PERSON)
        self.person_id = person_id
        self._attr_unique_id = f"{self._attr_unique_id}_{person_id}"
        person = self._person
        self._attr_name = person.name if person and person.name else person_id

    @property
    def _person(self) -> Person | None:
        home = self.device.home
        return home.persons.get(self.person_id) if home else None

    @property
    def available(self) -> bool:
        """Available while the home still knows the person."""
        return super().available and self._person is not None

    @property
    def is_on(self) -> bool | None:
        """Whether the home sees the person at home."""
        person = self._person
        return person.at_home if person else None

    def _platform_attributes(self) -> Mapping[str, Any] | None:
        """When the home last saw the person."""
        person = self._person
        seen = person.last_seen if person else None
        return {"last_seen": seen.isoformat() if seen else None}


@dataclass(frozen=True, kw_only=True)
class MealBinarySensorEntityDescription(
    BinarySensorEntityDescription, PetSmartEntityDescription
):
    """A feeder's binary sensor worked out from the journal (its meals)."""

    journal_fn: Callable[[Journal, str], bool | None]
    attributes_fn: Callable[[Journal, str], Mapping[str, Any] | None]


def _missed_attributes(journal: Journal, device_id: str) -> Mapping[str, Any] | None:
    missed = journal.missed(device_id)
    if missed is None:
        return None
    return {"meal_time": iso(missed.at), "amount": missed.amount, "meal": missed.slot}


def _mismatch_attributes(journal: Journal, device_id: str) -> Mapping[str, Any] | None:
    reason = journal.mismatch(device_id)
    feeder = journal.coordinator.data.devices[device_id].feeder
    slots = journal.slots(device_id)
    return {
        "reason": reason,
        "cloud_scheduled_feeds": feeder.scheduled_feeds if feeder else None,
        "cloud_next_feed": iso(feeder.next_feed) if feeder else None,
        "meals_sent": None if slots is None else len(slots),
        "meals_enabled": None if slots is None else sum(s.enabled for s in slots),
    }


MEAL_SENSORS: tuple[MealBinarySensorEntityDescription, ...] = (
    MealBinarySensorEntityDescription(
        # on from a scheduled meal's time plus the grace until the next feed
        key="missed_meal",
        translation_key="missed_meal",
        device_class=BinarySensorDeviceClass.PROBLEM,
        kinds=frozenset({DeviceKind.FEEDER}),
        exists_fn=lambda device: Action.SET_FEEDING_SCHEDULE in device.actions,
        available_offline=True,  # a meal missed before it went offline stays missed
        journal_fn=lambda journal, device_id: journal.missed(device_id) is not None,
        attributes_fn=_missed_attributes,
    ),
    MealBinarySensorEntityDescription(
        # the cloud's count or next meal disagrees with the schedule last sent
        key="schedule_mismatch",
        translation_key="schedule_mismatch",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        kinds=frozenset({DeviceKind.FEEDER}),
        exists_fn=lambda device: Action.SET_FEEDING_SCHEDULE in device.actions,
        journal_fn=lambda journal, device_id: journal.mismatch(device_id) is not None,
        attributes_fn=_mismatch_attributes,
    ),
)


class MealSensor(JournalEntity, BinarySensorEntity):
    """A missed meal, or a schedule the cloud disagrees with."""

    entity_description: MealBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """What the journal says of the feeder's meals."""
        return self.entity_description.journal_fn(self.journal, self.device_id)

    def _platform_attributes(self) -> Mapping[str, Any] | None:
        """Which meal, and why the schedules disagree."""
        return self.entity_description.attributes_fn(self.journal, self.device_id)
