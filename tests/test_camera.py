"""Cameras: a signed HLS stream renewed before it expires, and still images."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import create_autospec

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.camera import (
    CameraState,
    async_get_image,
    async_get_stream_source,
    get_camera_from_entity_id,
)
from homeassistant.components.stream import Stream
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from simulator.media import JPEG_BYTES
from simulator.onenata import api as onenata_api

from .conftest import Cloud

CAMERA = "camera.pet_camera_1"
STREAM = "/v1/devices/{device_id}/stream"
THUMBNAIL = "/thumbnails/{image}.jpg"


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_camera_entity(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    onenata: Cloud,
    init_integration: MockConfigEntry,
) -> None:
    """The camera streams HLS and is idle until it records."""
    state = hass.states.get(CAMERA)
    assert state.state == CameraState.IDLE
    assert state.attributes["supported_features"] == 2
    # what the frontend asks for (the frontend_stream_type attribute is gone
    # from newer Home Assistant)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "camera/capabilities", "entity_id": CAMERA})
    response = await client.receive_json()
    assert response["success"]
    assert response["result"] == {"frontend_stream_types": ["hls"]}
    # setting up asks for no stream yet: URLs are signed and expire
    assert onenata.sim.count("GET", STREAM) == 0


async def test_stream_source(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The stream URL is the cloud's, reused until shortly before it expires."""
    sim = onenata.sim
    expected = f"{onenata.server.url}/live/camera_001/playlist.m3u8"

    assert await async_get_stream_source(hass, CAMERA) == expected
    assert sim.count("GET", STREAM, device_id="camera_001") == 1
    request = next(r for r in sim.requests if r.route == STREAM)
    assert request.query == {"quality": "1080p", "audio": "true", "format": "hls"}

    # the simulator signs URLs for 10 minutes: reuse it for 9
    assert await async_get_stream_source(hass, CAMERA) == expected
    await _tick(hass, freezer, timedelta(minutes=8, seconds=59))
    assert await async_get_stream_source(hass, CAMERA) == expected
    assert sim.count("GET", STREAM) == 1

    # 60 s before expiresAt a new URL is fetched (nobody watches: only on demand)
    await _tick(hass, freezer, timedelta(seconds=2))
    assert sim.count("GET", STREAM) == 1
    assert await async_get_stream_source(hass, CAMERA) == expected
    assert sim.count("GET", STREAM) == 2
    assert await async_get_stream_source(hass, CAMERA) == expected
    assert sim.count("GET", STREAM) == 2


async def test_running_stream_gets_new_url(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A stream that is playing is handed a fresh URL before the old one expires."""
    sim = onenata.sim
    camera = get_camera_from_entity_id(hass, CAMERA)
    url = await camera.stream_source()
    # what HA's camera does with the first URL (no PyAV here)
    stream = create_autospec(Stream, instance=True)
    camera.stream = stream

    await _tick(hass, freezer, timedelta(minutes=8))
    stream.update_source.assert_not_called()
    await _tick(hass, freezer, timedelta(minutes=1, seconds=1))
    stream.update_source.assert_called_once_with(url)
    assert sim.count("GET", STREAM) == 2

    # and again for the next URL, also when the cloud fails once
    sim.add_fault("http_500", route=STREAM, times=1)
    await _tick(hass, freezer, timedelta(minutes=9))
    assert sim.count("GET", STREAM) == 3
    assert stream.update_source.call_count == 1
    await _tick(hass, freezer, timedelta(seconds=31))
    assert sim.count("GET", STREAM) == 4
    assert stream.update_source.call_count == 2

    # once HA dropped the stream, renewals stop
    camera.stream = None
    await _tick(hass, freezer, timedelta(minutes=10))
    assert sim.count("GET", STREAM) == 4


async def test_stream_renewal_stops_on_unload(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unloading the account cancels the planned renewal."""
    camera = get_camera_from_entity_id(hass, CAMERA)
    await camera.stream_source()
    camera.stream = create_autospec(Stream, instance=True)
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    await _tick(hass, freezer, timedelta(minutes=20))
    assert onenata.sim.count("GET", STREAM) == 1
    camera.stream.update_source.assert_not_called()


async def test_short_lived_urls_are_not_renewed_in_a_loop(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """URLs that expire within the margin are renewed at most every 30 s."""
    monkeypatch.setattr(onenata_api, "STREAM_LIFETIME", timedelta(seconds=20))
    camera = get_camera_from_entity_id(hass, CAMERA)
    await camera.stream_source()
    camera.stream = create_autospec(Stream, instance=True)

    await _tick(hass, freezer, timedelta(seconds=29))
    assert onenata.sim.count("GET", STREAM) == 1
    await _tick(hass, freezer, timedelta(seconds=2))
    assert onenata.sim.count("GET", STREAM) == 2
    camera.stream.update_source.assert_called_once()


async def test_stream_failure(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A stream the cloud cannot give is a translated error, not a crash."""
    onenata.sim.add_fault("http_500", route=STREAM, times=1)
    with pytest.raises(HomeAssistantError) as err:
        await async_get_stream_source(hass, CAMERA)
    assert err.value.translation_key == "cannot_connect"
    # the next attempt works
    assert await async_get_stream_source(hass, CAMERA)


async def test_stream_rejected_key_starts_reauth(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """A 401 on the stream asks the user to sign in again."""
    onenata.sim.add_fault("http_401", route=STREAM)
    with pytest.raises(HomeAssistantError) as err:
        await async_get_stream_source(hass, CAMERA)
    assert err.value.translation_key == "auth_failed"
    flows = hass.config_entries.flow.async_progress_by_handler("petsmart_hub")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_camera_image(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """The still image is the cloud's JPEG thumbnail."""
    sim = onenata.sim
    image = await async_get_image(hass, CAMERA)
    assert image.content == JPEG_BYTES
    assert image.content_type == "image/jpeg"
    thumbnails = [r for r in sim.requests if r.route == THUMBNAIL]
    assert [r.path for r in thumbnails] == ["/thumbnails/camera_001.jpg"]
    # the signed thumbnail URL needs no API key
    assert "Authorization" not in thumbnails[0].headers

    # a second image reuses the signed URL but downloads a fresh picture
    assert (await async_get_image(hass, CAMERA)).content == JPEG_BYTES
    assert sim.count("GET", STREAM) == 1
    assert sim.count("GET", THUMBNAIL) == 2


async def test_camera_image_proxy(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """The frontend gets the picture through HA's camera proxy."""
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy/{CAMERA}")
    assert response.status == 200
    assert await response.read() == JPEG_BYTES


@pytest.mark.parametrize(
    ("route", "fault"),
    [
        (THUMBNAIL, "http_500"),
        (THUMBNAIL, "http_401"),
        (STREAM, "http_500"),
        (STREAM, "body_code"),
        (STREAM, "missing_fields"),
    ],
)
async def test_camera_image_failure(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    route: str,
    fault: str,
) -> None:
    """No picture is no picture: nothing escapes the entity."""
    onenata.sim.add_fault(fault, route=route)
    camera = get_camera_from_entity_id(hass, CAMERA)
    assert await camera.async_camera_image() is None
    # HA's helper turns the missing picture into its own error
    with pytest.raises(HomeAssistantError, match="Unable to get image"):
        await async_get_image(hass, CAMERA)
    # media URLs are signed and sent without the API key: a refusal there says
    # nothing about the key, so no reauthentication
    assert route == STREAM or not hass.config_entries.flow.async_progress()
    onenata.sim.clear_faults()
    assert await camera.async_camera_image() == JPEG_BYTES


async def test_camera_image_without_thumbnail(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stream answer without thumbnailUrl means no picture."""

    def without_thumbnail(ctx: onenata_api.Ctx) -> dict[str, object]:
        data = onenata_api.stream_data(ctx)
        del data["thumbnailUrl"]
        return data

    endpoint = next(e for e in onenata_api.DEVICE_ENDPOINTS if e.path == "stream")
    # the endpoint is a frozen dataclass: swap its builder for this test only
    monkeypatch.setitem(endpoint.__dict__, "build", without_thumbnail)
    camera = get_camera_from_entity_id(hass, CAMERA)
    assert await camera.async_camera_image() is None
    assert onenata.sim.count("GET", THUMBNAIL) == 0


async def test_recording_state(
    hass: HomeAssistant, onenata: Cloud, init_integration: MockConfigEntry
) -> None:
    """While a clip is recorded the camera says so."""
    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: "button.pet_camera_1_start_recording"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert hass.states.get(CAMERA).state == CameraState.RECORDING


async def test_stream_without_expiry(
    hass: HomeAssistant,
    onenata: Cloud,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stream URL without expiresAt is kept and never renewed."""

    def without_expiry(ctx: onenata_api.Ctx) -> dict[str, object]:
        data = onenata_api.stream_data(ctx)
        del data["expiresAt"]
        return data

    endpoint = next(e for e in onenata_api.DEVICE_ENDPOINTS if e.path == "stream")
    monkeypatch.setitem(endpoint.__dict__, "build", without_expiry)
    camera = get_camera_from_entity_id(hass, CAMERA)
    url = await camera.stream_source()
    camera.stream = create_autospec(Stream, instance=True)

    await _tick(hass, freezer, timedelta(hours=2))
    assert await camera.stream_source() == url
    assert onenata.sim.count("GET", STREAM) == 1
    camera.stream.update_source.assert_not_called()
