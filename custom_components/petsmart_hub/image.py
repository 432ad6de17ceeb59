"""Images: a camera's latest photo, taken on request or of the latest thing it saw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import LOGGER
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .entity import JournalEntity, PetSmartEntityDescription, async_add_device_entities
from .model import Action, CameraEvent, Device, DeviceKind, Feature

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class PetSmartImageEntityDescription(ImageEntityDescription, PetSmartEntityDescription):
    """An image of a device."""


IMAGES: tuple[PetSmartImageEntityDescription, ...] = (
    PetSmartImageEntityDescription(
        # a camera that tells what it saw: its latest event's picture (or a
        # photo taken since, where it takes them)
        key="latest_event",
        translation_key="latest_event",
        kinds=frozenset({DeviceKind.CAMERA}),
        available_offline=True,  # the picture is of then, not now
        exists_fn=lambda device: Feature.CAMERA_EVENTS in device.features,
    ),
    PetSmartImageEntityDescription(
        # a camera that takes photos on request: the latest one
        key="latest_photo",
        translation_key="latest_photo",
        kinds=frozenset({DeviceKind.CAMERA}),
        available_offline=True,
        exists_fn=lambda device: (
            Action.TAKE_PHOTO in device.actions
            and Feature.CAMERA_EVENTS not in device.features
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the latest photo of every camera that takes photos or tells its events."""
    async_add_device_entities(entry, async_add_entities, IMAGES, LatestPhoto)


@dataclass(frozen=True, slots=True)
class _Picture:
    """The newest picture of a camera: where it is, when, and what it shows."""

    url: str | None
    at: datetime
    event_type: str
    message: str | None


class LatestPhoto(JournalEntity, ImageEntity):
    """The newest of the photo taken last and the latest event's snapshot.

    Its bytes are fetched once, when first shown, and kept until a newer
    picture exists.
    """

    entity_description: PetSmartImageEntityDescription
    _attr_content_type = "image/jpeg"
    _rewritten_by_ha = frozenset({"access_token", "entity_picture"})

    def __init__(
        self,
        coordinator: PetSmartHubCoordinator,
        device: Device,
        description: PetSmartImageEntityDescription,
    ) -> None:
        """Initialise both parents."""
        JournalEntity.__init__(self, coordinator, device, description)
        ImageEntity.__init__(self, coordinator.hass)
        self._shown: str | None = None  # the snapshot URL of the cached image
        self._image: bytes | None = None

    @property
    def _picture(self) -> _Picture | None:
        camera = self.device.camera
        event: CameraEvent | None = camera.last_event if camera else None
        photo = self.journal.photo(self.device_id)
        pictures = []
        if event is not None:
            pictures.append(
                _Picture(event.snapshot_url, event.at, event.type.value, event.message)
            )
        if photo is not None and photo.timestamp is not None:
            pictures.append(_Picture(photo.url, photo.timestamp, "photo", None))
        return max(pictures, key=lambda picture: picture.at, default=None)

    @property
    def image_last_updated(self) -> datetime | None:
        """When the picture was taken (a new picture is a new image)."""
        picture = self._picture
        return picture.at if picture else None

    def _platform_attributes(self) -> dict[str, str | None] | None:
        """What the picture shows: a photo taken on request, or an event's."""
        picture = self._picture
        if picture is None:
            return None
        return {"event_type": picture.event_type, "message": picture.message}

    async def async_image(self) -> bytes | None:
        """The newest picture's bytes (None: it came without one)."""
        picture = self._picture
        if picture is None or picture.url is None:
            return None
        if picture.url != self._shown:
            try:
                self._image = await self.coordinator.async_get_image(picture.url)
            except HomeAssistantError as err:
                LOGGER.debug("No picture of %s: %s", self.device.name, err)
                return None
            self._shown = picture.url
        return self._image
