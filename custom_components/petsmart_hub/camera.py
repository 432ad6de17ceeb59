"""Pet cameras: HLS live stream and still images."""

from __future__ import annotations

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import LOGGER
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import Device, DeviceKind

PARALLEL_UPDATES = 1

CAMERAS: tuple[PetSmartEntityDescription, ...] = (
    PetSmartEntityDescription(
        key="camera", name=None, kinds=frozenset({DeviceKind.CAMERA})
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PetSmartHubConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a camera entity for every camera, now and when cameras appear."""
    async_add_device_entities(entry, async_add_entities, CAMERAS, PetSmartCamera)


class PetSmartCamera(PetSmartEntity, Camera):
    """A camera with a signed HLS stream that is renewed before it expires."""

    _attr_supported_features = CameraEntityFeature.STREAM

    def __init__(
        self,
        coordinator: PetSmartHubCoordinator,
        device: Device,
        description: PetSmartEntityDescription,
    ) -> None:
        """Initialise both parents."""
        PetSmartEntity.__init__(self, coordinator, device, description)
        Camera.__init__(self)

    async def stream_source(self) -> str | None:
        """Return a stream URL that is valid for a while yet."""
        stream = await self.coordinator.async_get_stream(self.device_id)
        return stream.stream_url

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Return the camera's current thumbnail."""
        try:
            stream = await self.coordinator.async_get_stream(self.device_id)
            if stream.thumbnail_url is None:
                return None
            return await self.coordinator.async_get_image(stream.thumbnail_url)
        except HomeAssistantError as err:
            LOGGER.debug("No still image from %s: %s", self.device.name, err)
            return None
