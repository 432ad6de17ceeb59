"""Pet cameras: HLS live stream and still images (or still images alone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.camera import Camera, CameraEntityDescription
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .compat import CameraEntityFeature
from .const import LOGGER, STREAM_REFRESH_MARGIN
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .entity import PetSmartEntity, PetSmartEntityDescription, async_add_device_entities
from .model import Device, Feature, StreamInfo

PARALLEL_UPDATES = 1

#: Never renew a live stream more often than this (a cloud answering with
#: URLs that expire almost at once must not make us ask in a loop).
MIN_STREAM_RENEWAL = timedelta(seconds=30)


@dataclass(frozen=True, kw_only=True)
class PetSmartCameraEntityDescription(
    CameraEntityDescription, PetSmartEntityDescription
):
    """The camera of a device."""


CAMERAS: tuple[PetSmartCameraEntityDescription, ...] = (
    PetSmartCameraEntityDescription(
        # any device with a live stream (a camera, or a feeder with one), or
        # a webcam that serves still images only
        key="camera",
        name=None,
        exists_fn=lambda device: bool(
            {Feature.LIVE_STREAM, Feature.SNAPSHOT} & device.features
        ),
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

    entity_description: PetSmartCameraEntityDescription
    _rewritten_by_ha = frozenset({"access_token", "entity_picture"})

    def __init__(
        self,
        coordinator: PetSmartHubCoordinator,
        device: Device,
        description: PetSmartCameraEntityDescription,
    ) -> None:
        """Initialise both parents."""
        PetSmartEntity.__init__(self, coordinator, device, description)
        Camera.__init__(self)
        self._cancel_renewal: CALLBACK_TYPE | None = None
        #: A camera without a live stream serves still images alone.
        self._streams = Feature.LIVE_STREAM in device.features
        if self._streams:
            self._attr_supported_features = CameraEntityFeature.STREAM

    @property
    def is_recording(self) -> bool:
        """Whether the camera is recording a clip."""
        camera = self.device.camera
        return bool(camera and camera.recording)

    async def async_will_remove_from_hass(self) -> None:
        """Stop renewing the stream URL."""
        await super().async_will_remove_from_hass()
        self._cancel_stream_renewal()

    async def stream_source(self) -> str | None:
        """Return a stream URL that is valid for a while yet."""
        if not self._streams:
            return None
        stream = await self.coordinator.async_get_stream(self.device_id)
        self._schedule_stream_renewal(stream)
        return stream.stream_url

    def _cancel_stream_renewal(self) -> None:
        if self._cancel_renewal is not None:
            self._cancel_renewal()
            self._cancel_renewal = None

    def _schedule_stream_renewal(self, stream: StreamInfo) -> None:
        """Plan to hand the running stream a new URL before this one expires."""
        self._cancel_stream_renewal()
        if stream.expires_at is None:
            return
        when = max(
            stream.expires_at - STREAM_REFRESH_MARGIN,
            dt_util.utcnow() + MIN_STREAM_RENEWAL,
        )
        self._cancel_renewal = async_track_point_in_utc_time(
            self.hass, self._async_renew_stream, when
        )

    async def _async_renew_stream(self, _now: datetime) -> None:
        """Give the running stream a fresh signed URL (HA keeps its first one)."""
        self._cancel_renewal = None
        if self.stream is None:
            # nobody is watching: the next stream_source asks for a new URL
            return
        try:
            stream = await self.coordinator.async_get_stream(self.device_id)
        except HomeAssistantError as err:
            LOGGER.debug("Renewing the stream of %s failed: %s", self.device.name, err)
            self._cancel_renewal = async_track_point_in_utc_time(
                self.hass,
                self._async_renew_stream,
                dt_util.utcnow() + MIN_STREAM_RENEWAL,
            )
            return
        self.stream.update_source(stream.stream_url)
        self._schedule_stream_renewal(stream)

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Return the camera's current thumbnail (or the webcam's snapshot)."""
        try:
            if not self._streams:
                return await self.coordinator.async_get_snapshot(self.device_id)
            stream = await self.coordinator.async_get_stream(self.device_id)
            if stream.thumbnail_url is None:
                return None
            return await self.coordinator.async_get_image(stream.thumbnail_url)
        except HomeAssistantError as err:
            LOGGER.debug("No still image from %s: %s", self.device.name, err)
            return None
