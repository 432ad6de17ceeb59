"""Images: the picture of the latest thing a camera saw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import LOGGER
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import CameraEvent, Device, DeviceKind, Feature

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PetSmartImageEntityDescription(ImageEntityDescription, PetSmartEntityDescription):
    """An image of a device."""


IMAGES: tuple[PetSmartImageEntityDescription, ...] = (
    PetSmartImageEntityDescription(
        key="latest_event",
        translation_key="latest_event",
        kinds=frozenset({DeviceKind.CAMERA}),
        available_offline=True,  # the picture is of then, not now
        exists_fn=lambda device: Feature.CAMERA_EVENTS in device.features,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the latest-event picture of every camera that tells its events."""
    async_add_device_entities(entry, async_add_entities, IMAGES, EventImage)


class EventImage(PetSmartEntity, ImageEntity):
    """The snapshot of a camera's latest event, fetched when it is first shown."""

    entity_description: PetSmartImageEntityDescription
    _attr_content_type = "image/jpeg"

    def __init__(
        self,
        coordinator: PetSmartHubCoordinator,
        device: Device,
        description: PetSmartImageEntityDescription,
    ) -> None:
        """Initialise both parents."""
        PetSmartEntity.__init__(self, coordinator, device, description)
        ImageEntity.__init__(self, coordinator.hass)
        self._shown: str | None = None  # the snapshot URL of the cached image
        self._image: bytes | None = None

    @property
    def _event(self) -> CameraEvent | None:
        camera = self.device.camera
        return camera.last_event if camera else None

    @property
    def image_last_updated(self) -> datetime | None:
        """When the event happened (a new event is a new picture)."""
        event = self._event
        return event.at if event else None

    @property
    def extra_state_attributes(self) -> dict[str, str | None] | None:
        """What the picture shows."""
        event = self._event
        if event is None:
            return None
        return {"event_type": event.type.value, "message": event.message}

    async def async_image(self) -> bytes | None:
        """The snapshot of the latest event (None: the event came without one)."""
        event = self._event
        if event is None or event.snapshot_url is None:
            return None
        if event.snapshot_url != self._shown:
            try:
                self._image = await self.coordinator.async_get_image(event.snapshot_url)
            except HomeAssistantError as err:
                LOGGER.debug("No picture of %s's event: %s", self.device.name, err)
                return None
            self._shown = event.snapshot_url
        return self._image
