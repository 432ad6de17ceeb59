"""Tests of the OneNata simulator: the vendor doc's API and state."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
import io
import itertools
from typing import Any

from aiohttp import ClientOSError, ClientSession, ServerDisconnectedError
import pytest

from simulator.__main__ import parse_args
from simulator.core import HUGE_BODY_SIZE, KEEP_ID, FaultKind, start_server
from simulator.media import JPEG_BYTES
from simulator.onenata import (
    COMMANDS,
    DEVICE_ENDPOINTS,
    DEVICE_KINDS,
    STRIP_TYPE,
    OneNataSimulator,
    photo_jpeg,
)
from simulator.onenata.devices import KINDS

from .. import Api, served

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)

FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
TRACKER = "gps_tracker_001"
CAMERA = "camera_001"
LITTER = "litterbox_001"
TOY = "smart_toy_001"

# The command list of the vendor doc, plus startTraining from its own section.
DOC_COMMANDS = {
    "feed", "play_sound", "set_temperature", "take_photo", "start_video",
    "setSchedule", "pauseSchedule", "checkFood", "getLocation", "setFence",
    "enableSOS", "getHistory", "startPump", "checkWater", "testQuality",
    "replaceFilter", "takePhoto", "startRecord", "enableNightVision", "startTalk",
    "startClean", "checkStatus", "enableDeodorize", "getUsageStats", "startPlay",
    "setMode", "enableAuto", "getActivity", "startTraining",
}  # fmt: skip

# Response `data` keys exactly as the doc shows them.
FOOD_LEVEL_KEYS = {
    "currentLevel", "maxCapacity", "percentage", "estimatedDaysRemaining",
    "dailyConsumption", "lowLevelAlert", "refillRecommended", "lastRefill",
}  # fmt: skip
LOCATION_KEYS = {
    "latitude", "longitude", "accuracy", "altitude", "speed", "heading",
    "timestamp", "address", "batteryLevel",
}  # fmt: skip
HISTORY_KEYS = {"locations", "totalCount", "hasMore"}
WATER_QUALITY_KEYS = {
    "ph", "tds", "temperature", "chlorine", "quality", "lastTested",
    "filterLifeRemaining", "recommendations",
}  # fmt: skip
STREAM_KEYS = {
    "streamUrl",
    "thumbnailUrl",
    "quality",
    "fps",
    "audioEnabled",
    "expiresAt",
}
USAGE_KEYS = {
    "period", "totalVisits", "averageVisitsPerDay", "averageDuration", "litterLevel",
    "wasteLevel", "healthMetrics", "maintenanceNeeded",
}  # fmt: skip
HEALTH_KEYS = {
    "period", "overallHealth", "patterns", "alerts", "recommendations", "vetConsultation",
}  # fmt: skip
ACTIVITY_KEYS = {
    "period", "totalPlayTime", "averageSessionDuration", "totalSessions",
    "caloriesBurned", "activityLevel", "favoritePlayMode", "peakActivityHours",
    "recommendations",
}  # fmt: skip
ACK_KEYS = {"commandId", "status", "timestamp"}
PHOTO_KEYS = {"photoId", "url", "thumbnailUrl", "timestamp", "fileSize", "resolution"}
RECORD_KEYS = {
    "recordingId", "status", "startTime", "estimatedEndTime", "quality", "storageLocation",
}  # fmt: skip

# status.status per kind, as agreed for the client
KIND_STATUS_KEYS = {
    FEEDER: {"foodLevel", "feedCount", "lastFeedTime", "nextScheduledFeed", "scheduledFeeds"},
    FOUNTAIN: {"waterLevel", "filterStatus", "lastMaintenance", "pumpRunning", "cleaning"},
    TRACKER: set(),
    CAMERA: {"resolution", "nightVision", "audioSupport", "storageUsed", "recording"},
    LITTER: {"litterLevel", "wasteLevel", "lastCleaned", "odorControl", "cleaning", "lastVisit"},
    TOY: {"playModes", "aiEnabled", "lastPlaySession", "lastSessionDuration", "playing", "mode"},
}  # fmt: skip


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


# --- authentication -----------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-key", "Basic test-key", "test-key", "Bearer"]
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/devices"),
        ("GET", f"/devices/{FEEDER}/status"),
        ("POST", "/devices/validate"),
        ("POST", f"/devices/{FEEDER}/commands"),
        ("POST", "/webhooks"),
        ("GET", "/no/such/route"),
    ],
)
async def test_every_api_route_needs_the_key(
    api: Api, method: str, path: str, authorization: str | None
) -> None:
    reply = await api.request(method, path, auth=authorization, body={})
    assert reply.status == 401
    assert reply.body == {"code": 401, "msg": "Invalid API key", "data": None}


async def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    reply = await api.request("GET", "/devices", auth="bearer test-key")
    assert reply.status == 200


async def test_changing_the_key_revokes_the_old_one(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.api_key = "rotated"
    assert (await api.get("/devices")).status == 401
    api.key = "rotated"
    assert (await api.get("/devices")).status == 200


# --- the device list --------------------------------------------------------------------

EXPECTED_DEVICES = [
    (FEEDER, "ON-SF-001", "feedingMachine", "piFI", "Smart Feeder 1"),
    (FOUNTAIN, "ON-WF-001", "waterFountain", "AquaPure", "Water Fountain 1"),
    (TRACKER, "ON-GPS-001", "gpsTracker", "GPS-Pro", "GPS Tracker 1"),
    (CAMERA, "ON-CAM-001", "camera", "PetCam-HD", "Pet Camera 1"),
    (LITTER, "ON-LB-001", "litterBox", "AutoClean-Pro", "Litter Box 1"),
    (TOY, "ON-TOY-001", "smartToy", "PlayMate-AI", "Smart Toy 1"),
]


async def test_device_list(api: Api) -> None:
    reply = await api.get("/devices")
    assert reply.body["code"] == 200
    assert reply.body["msg"] == "Success"
    entries = reply.data
    assert [
        (e["deviceId"], e["serialNumber"], e["deviceType"], e["deviceModel"], e["name"])
        for e in entries
    ] == EXPECTED_DEVICES
    for entry in entries:
        assert set(entry) == {
            "deviceId", "serialNumber", "deviceType", "deviceModel", "manufacturer",
            "name", "firmwareVersion", "status",
        }  # fmt: skip
        assert entry["manufacturer"] == "onenata"
        assert entry["status"] == "active"
        assert entry["firmwareVersion"].count(".") == 2
    assert entries[0]["firmwareVersion"] == "1.4.2"


@pytest.mark.parametrize(
    ("shape", "entries_of"),
    [
        ("envelope_list", lambda body: body["data"]),
        ("envelope_object", lambda body: body["data"]["devices"]),
        ("bare_list", lambda body: body),
        ("object", lambda body: body["devices"]),
    ],
)
async def test_device_list_shapes(
    api: Api, sim: OneNataSimulator, shape: str, entries_of: Any
) -> None:
    sim.devices_shape = shape
    body = (await api.get("/devices")).body
    assert [entry["deviceId"] for entry in entries_of(body)] == [
        device[0] for device in EXPECTED_DEVICES
    ]
    if shape == "envelope_object":
        assert body["data"]["total"] == 6
    if shape == "object":
        assert set(body) == {"devices"}


def test_unknown_shape_is_rejected() -> None:
    with pytest.raises(ValueError):
        OneNataSimulator(devices_shape="xml")


def test_several_devices_per_kind() -> None:
    sim = OneNataSimulator(devices_per_kind=2)
    assert list(sim.devices)[:2] == [FEEDER, "feeding_machine_002"]
    second = sim.devices["smart_toy_002"]
    assert (second.serial, second.name) == ("ON-TOY-002", "Smart Toy 2")
    assert len(sim.devices) == 12
    assert OneNataSimulator(devices_per_kind=0).devices == {}


def test_a_number_of_devices_takes_the_kinds_in_turn() -> None:
    five = OneNataSimulator(devices=5)
    assert [device.kind for device in five.devices.values()] == list(DEVICE_KINDS[:5])
    assert list(five.devices) == [FEEDER, FOUNTAIN, TRACKER, CAMERA, LITTER]
    fifty = OneNataSimulator(devices=50, devices_per_kind=3)
    assert Counter(device.kind for device in fifty.devices.values()) == {
        "feedingMachine": 9, "waterFountain": 9, "gpsTracker": 8,
        "camera": 8, "litterBox": 8, "smartToy": 8,
    }  # fmt: skip
    assert list(fifty.devices)[6:8] == ["feeding_machine_002", "water_fountain_002"]
    assert OneNataSimulator(devices=0).devices == {}
    with pytest.raises(ValueError):
        OneNataSimulator(devices=-1)


def test_add_and_remove_devices(sim: OneNataSimulator) -> None:
    added = sim.add_device("camera")
    assert (added.device_id, added.serial, added.model) == (
        "camera_002",
        "ON-CAM-002",
        "PetCam-HD",
    )
    custom = sim.add_device("camera", serial="ON-CAM-777", model="PetCam-2K")
    assert (custom.device_id, custom.serial, custom.model) == (
        "camera_003",
        "ON-CAM-777",
        "PetCam-2K",
    )
    sim.remove_device("camera_002")
    assert "camera_002" not in sim.devices
    assert sim.add_device("camera").device_id == "camera_004"  # ids are never reused
    with pytest.raises(ValueError):
        sim.add_device("toaster")
    with pytest.raises(ValueError):
        sim.add_device("camera", serial="ON-CAM-777")


def test_default_serial_skips_taken_ones() -> None:
    sim = OneNataSimulator(devices_per_kind=0)
    sim.add_device("camera", serial="ON-CAM-002")
    assert sim.add_device("camera").serial == "ON-CAM-003"


def test_device_kinds_cover_the_doc() -> None:
    assert DEVICE_KINDS == (
        "feedingMachine", "waterFountain", "gpsTracker", "camera", "litterBox", "smartToy",
    )  # fmt: skip


# --- validate -------------------------------------------------------------------------------

VALIDATE_CASES = [
    # the doc's request, its deviceId, msg and data keys
    (
        {"serialNumber": "ON-SF-001", "deviceType": "feedingMachine", "deviceModel": "piFI"},
        FEEDER,
        "Feeding machine validated successfully",
        {"foodLevel", "batteryLevel", "lastFeedTime", "scheduledFeeds"},
    ),
    (
        {"serialNumber": "ON-GPS-001", "deviceType": "gpsTracker", "deviceModel": "GPS-Pro"},
        TRACKER,
        "Device validated successfully",
        {"batteryLevel", "lastSeen"},
    ),
    (
        {"serialNumber": "ON-WF-001", "deviceType": "waterFountain", "deviceModel": "AquaPure"},
        FOUNTAIN,
        "Water fountain validated successfully",
        {"waterLevel", "filterStatus", "lastMaintenance"},
    ),
    (
        {"serialNumber": "ON-CAM-001", "deviceType": "camera", "deviceModel": "PetCam-HD"},
        CAMERA,
        "Camera validated successfully",
        {"resolution", "nightVision", "audioSupport", "storageUsed"},
    ),
    (
        {"serialNumber": "ON-LB-001", "deviceType": "litterBox", "deviceModel": "AutoClean-Pro"},
        LITTER,
        "Litter box validated successfully",
        {"litterLevel", "wasteLevel", "lastCleaned", "odorControl"},
    ),
    (
        {"serialNumber": "ON-TOY-001", "deviceType": "smartToy", "deviceModel": "PlayMate-AI"},
        TOY,
        "Smart toy validated successfully",
        {"batteryLevel", "playModes", "aiEnabled", "lastPlaySession"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("request_body", "device_id", "msg", "keys"), VALIDATE_CASES)
@pytest.mark.parametrize("devices_per_kind", [0])
async def test_validate_registers_a_device(
    api: Api,
    request_body: dict[str, str],
    device_id: str,
    msg: str,
    keys: set[str],
) -> None:
    reply = await api.post(
        "/devices/validate", {**request_body, "manufacturer": "onenata"}
    )
    assert reply.body["msg"] == msg
    data = reply.data
    assert set(data) == {"deviceId", "status", *keys}
    assert data["deviceId"] == device_id
    assert data["status"] == "active"
    listed = (await api.get("/devices")).data
    assert [(d["deviceId"], d["serialNumber"]) for d in listed] == [
        (device_id, request_body["serialNumber"])
    ]


async def test_validate_known_serial_returns_the_existing_device(
    api: Api, sim: OneNataSimulator
) -> None:
    body = {"serialNumber": "ON-CAM-001", "deviceType": "camera", "deviceModel": "X"}
    assert (await api.post("/devices/validate", body)).data["deviceId"] == CAMERA
    assert len(sim.devices) == 6
    assert sim.devices[CAMERA].model == "PetCam-HD"


async def test_validate_new_serial_gets_the_next_id(
    api: Api, sim: OneNataSimulator
) -> None:
    body = {
        "serialNumber": "ON-SF-123",
        "deviceType": "feedingMachine",
        "deviceModel": "piFI-2",
        "manufacturer": "acme",
    }
    data = (await api.post("/devices/validate", body)).data
    assert data["deviceId"] == "feeding_machine_002"
    device = sim.devices["feeding_machine_002"]
    assert (device.serial, device.model, device.manufacturer) == (
        "ON-SF-123",
        "piFI-2",
        "acme",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"deviceType": "camera"},
        {"serialNumber": "", "deviceType": "camera"},
        {"serialNumber": "X-1", "deviceType": "toaster"},
        {"serialNumber": "X-1"},
        {"serialNumber": "X-1", "deviceType": "camera", "deviceModel": 7},
        {"serialNumber": "X-1", "deviceType": "camera", "manufacturer": None},
        {"serialNumber": "ON-CAM-001", "deviceType": "smartToy"},
        ["not", "an", "object"],
    ],
)
async def test_validate_rejects_bad_requests(api: Api, body: Any) -> None:
    reply = await api.post("/devices/validate", body)
    assert reply.status == 400
    assert reply.body["code"] == 400
    assert reply.body["data"] is None


async def test_validate_rejects_invalid_json(api: Api) -> None:
    reply = await api.request("POST", "/devices/validate", raw_body="{")
    assert reply.status == 400
    assert reply.body["code"] == 400


# --- status ---------------------------------------------------------------------------------


@pytest.mark.parametrize("device_id", list(KIND_STATUS_KEYS))
async def test_status_shape(api: Api, device_id: str) -> None:
    reply = await api.get(f"/devices/{device_id}/status")
    assert reply.body["msg"] == "Success"
    data = reply.data
    mains = device_id in (CAMERA, LITTER)
    top = {"deviceId", "isOnline", "lastReportTime", "status", "alerts"}
    top |= set() if mains else {"batteryLevel"}
    top |= {"lastSeen"} if device_id == TRACKER else set()
    assert set(data) == top
    assert data["deviceId"] == device_id
    assert data["isOnline"] is True
    assert data["alerts"] == []
    assert KIND_STATUS_KEYS[device_id] <= set(data["status"])
    assert parse(data["lastReportTime"]) <= datetime.now(UTC)


async def test_status_values_start_plausible(api: Api) -> None:
    feeder = (await api.status(FEEDER))["status"]
    assert feeder["foodLevel"] == 60
    assert feeder["scheduledFeeds"] == 3
    assert feeder["feedCount"] == 0
    fountain = (await api.status(FOUNTAIN))["status"]
    assert fountain == fountain | {"waterLevel": 75, "filterStatus": "good"}
    camera = (await api.status(CAMERA))["status"]
    assert camera == camera | {"resolution": "1080p", "storageUsed": "2.5GB"}
    litter = (await api.status(LITTER))["status"]
    assert litter == litter | {"litterLevel": 85, "wasteLevel": 15, "cleaning": False}
    toy = (await api.status(TOY))["status"]
    assert toy["playModes"] == ["interactive", "automatic", "training"]


async def test_unknown_device_is_404(api: Api) -> None:
    for reply in (
        await api.get("/devices/nope/status"),
        await api.get("/devices/nope/food-level"),
        await api.command("nope", "feed", amount=5),
    ):
        assert reply.status == 404
        assert reply.body == {"code": 404, "msg": "Device not found", "data": None}


WRONG_KIND_ENDPOINTS = [
    (endpoint.path, f"{KINDS[kind].id_prefix}_001")
    for endpoint in DEVICE_ENDPOINTS
    for kind in DEVICE_KINDS
    if kind not in endpoint.kinds
]


@pytest.mark.parametrize(("path", "device_id"), WRONG_KIND_ENDPOINTS)
async def test_endpoint_on_the_wrong_kind_is_400(
    api: Api, path: str, device_id: str
) -> None:
    reply = await api.get(f"/devices/{device_id}/{path}")
    assert reply.status == 400
    assert reply.body["code"] == 400


async def test_wrong_method_is_405(api: Api) -> None:
    reply = await api.request("DELETE", "/devices")
    assert reply.status == 405
    assert reply.body["code"] == 405


# --- the kind-specific endpoints ------------------------------------------------------------


async def test_food_level(api: Api) -> None:
    reply = await api.get(f"/devices/{FEEDER}/food-level")
    assert reply.body["msg"] == "Food level retrieved"
    assert reply.data == reply.data | {
        "currentLevel": 1200,
        "maxCapacity": 2000,
        "percentage": 60,
        "estimatedDaysRemaining": 7,
        "dailyConsumption": 160,
        "lowLevelAlert": False,
        "refillRecommended": False,
    }
    assert set(reply.data) == FOOD_LEVEL_KEYS


async def test_food_level_history(api: Api) -> None:
    await api.command(FEEDER, "feed", amount=30)
    await api.command(FEEDER, "feed", amount=20)
    data = (
        await api.get(f"/devices/{FEEDER}/food-level", includeHistory="true", days="3")
    ).data
    assert len(data["history"]) == 3
    assert data["history"][-1]["amountDispensed"] == 50
    assert data["history"][0]["amountDispensed"] == 0


async def test_location(api: Api) -> None:
    reply = await api.get(f"/devices/{TRACKER}/location")
    assert reply.body["msg"] == "Location retrieved successfully"
    data = reply.data
    assert set(data) == LOCATION_KEYS
    assert abs(data["latitude"] - 40.7128) < 0.01
    assert abs(data["longitude"] + 74.0060) < 0.01
    assert data["address"] == "New York, NY, USA"
    assert data["batteryLevel"] == 85
    assert 0 <= data["heading"] < 360
    no_address = (
        await api.get(f"/devices/{TRACKER}/location", includeAddress="false")
    ).data
    assert "address" not in no_address
    coarse = (await api.get(f"/devices/{TRACKER}/location", accuracy="low")).data
    assert coarse["accuracy"] > data["accuracy"]


async def test_location_history_window(api: Api, sim: OneNataSimulator) -> None:
    sim.clock.set(datetime(2024, 1, 15, 12, 0, 0, 500_000, tzinfo=UTC))
    reply = await api.get(
        f"/devices/{TRACKER}/location/history",
        startDate="2024-01-15T10:00:00Z",
        endDate="2024-01-15T11:00:00Z",
        limit="5",
        interval="300",
    )
    assert reply.body["msg"] == "Location history retrieved"
    data = reply.data
    assert set(data) == HISTORY_KEYS
    assert data["totalCount"] == 13
    assert data["hasMore"] is True
    assert [point["timestamp"] for point in data["locations"]] == [
        f"2024-01-15T10:{minute:02d}:00Z" for minute in (0, 5, 10, 15, 20)
    ]
    assert set(data["locations"][0]) == {
        "latitude",
        "longitude",
        "timestamp",
        "accuracy",
    }

    future = (
        await api.get(
            f"/devices/{TRACKER}/location/history",
            startDate="2024-01-15T11:50:00Z",
            endDate="2024-01-15T13:00:00Z",
        )
    ).data
    assert [point["timestamp"][11:16] for point in future["locations"]] == [
        "11:50",
        "11:55",
        "12:00",
    ]
    assert future["hasMore"] is False


async def test_location_history_defaults_to_the_last_day(api: Api) -> None:
    data = (await api.get(f"/devices/{TRACKER}/location/history")).data
    assert data["totalCount"] in (288, 289)
    assert len(data["locations"]) == 100
    assert data["hasMore"] is True
    stamps = [parse(point["timestamp"]) for point in data["locations"]]
    assert stamps == sorted(stamps)
    assert stamps[0] >= datetime.now(UTC) - timedelta(days=1, minutes=5)
    assert {b - a for a, b in itertools.pairwise(stamps)} == {timedelta(minutes=5)}


@pytest.mark.parametrize(
    "query",
    [
        {"startDate": "yesterday"},
        {"startDate": "2024-01-15T12:00:00Z", "endDate": "2024-01-15T11:00:00Z"},
        {"limit": "0"},
        {"limit": "many"},
        {"interval": "1"},
    ],
)
async def test_location_history_rejects_bad_queries(
    api: Api, query: dict[str, str]
) -> None:
    reply = await api.get(f"/devices/{TRACKER}/location/history", **query)
    assert reply.status == 400
    assert reply.body["code"] == 400


async def test_water_quality(api: Api) -> None:
    reply = await api.get(f"/devices/{FOUNTAIN}/water-quality")
    assert reply.body["msg"] == "Water quality data retrieved"
    data = reply.data
    assert set(data) == WATER_QUALITY_KEYS
    assert 6.5 <= data["ph"] <= 7.5
    assert 100 <= data["tds"] <= 200
    assert 18 <= data["temperature"] <= 25
    assert data["filterLifeRemaining"] == 85
    assert data["quality"] == "excellent"
    assert data["recommendations"] == []
    history = (
        await api.get(
            f"/devices/{FOUNTAIN}/water-quality", includeHistory="true", hours="6"
        )
    ).data["history"]
    assert len(history) == 6
    assert {"timestamp", "ph", "tds", "temperature", "chlorine"} == set(history[0])


async def test_stream_points_back_at_the_simulator(api: Api) -> None:
    reply = await api.get(f"/devices/{CAMERA}/stream", quality="720p")
    assert reply.body["msg"] == "Stream URL generated"
    data = reply.data
    assert set(data) == STREAM_KEYS
    assert data["streamUrl"] == f"{api.url}/live/{CAMERA}/playlist.m3u8"
    assert data["thumbnailUrl"] == f"{api.url}/thumbnails/{CAMERA}.jpg"
    assert data["quality"] == "720p"
    assert data["fps"] == 30
    assert data["audioEnabled"] is True
    expires = parse(data["expiresAt"]) - datetime.now(UTC)
    assert timedelta(minutes=9) < expires <= timedelta(minutes=10)
    assert (await api.get(f"/devices/{CAMERA}/stream", quality="8k")).status == 400
    assert (await api.get(f"/devices/{CAMERA}/stream", format="rtsp")).status == 400
    muted = (await api.get(f"/devices/{CAMERA}/stream", audio="false")).data
    assert muted["audioEnabled"] is False


async def test_stream_playlist_and_segments(api: Api) -> None:
    stream = (await api.get(f"/devices/{CAMERA}/stream")).data
    playlist = await api.request("GET", stream["streamUrl"], auth=None)
    assert playlist.status == 200
    assert playlist.content_type == "application/vnd.apple.mpegurl"
    lines = playlist.raw.decode().splitlines()
    assert lines[0] == "#EXTM3U"
    assert lines[-1] == "#EXT-X-ENDLIST"
    segments = [line for line in lines if line and not line.startswith("#")]
    assert segments
    base = stream["streamUrl"].rsplit("/", 1)[0]
    for segment in segments:
        reply = await api.request("GET", f"{base}/{segment}", auth=None)
        assert reply.content_type == "video/mp2t"
        assert len(reply.raw) % 188 == 0
        assert reply.raw[::188] == b"\x47" * (len(reply.raw) // 188)
    other = await api.request("GET", f"{api.url}/live/{FEEDER}/playlist.m3u8")
    assert other.status == 404


async def test_thumbnail_is_a_real_jpeg(api: Api) -> None:
    stream = (await api.get(f"/devices/{CAMERA}/stream")).data
    reply = await api.request("GET", stream["thumbnailUrl"], auth=None)
    assert reply.status == 200
    assert reply.content_type == "image/jpeg"
    assert reply.raw == JPEG_BYTES
    assert reply.raw[:2] == b"\xff\xd8"
    assert reply.raw[-2:] == b"\xff\xd9"
    image_module = pytest.importorskip("PIL.Image")
    with image_module.open(io.BytesIO(reply.raw)) as image:
        image.load()
        assert image.format == "JPEG"
        assert image.size == (64, 48)
    missing = await api.request("GET", f"{api.url}/thumbnails/{FEEDER}.jpg")
    assert missing.status == 404


async def test_public_url_is_used_for_media_links() -> None:
    sim = OneNataSimulator(public_url="https://sim.example:8443/")
    running = await start_server(sim)
    try:
        async with ClientSession() as session:
            api = Api(session, running.url)
            data = (await api.get(f"/devices/{CAMERA}/stream")).data
            photo = (await api.command(CAMERA, "takePhoto")).data
    finally:
        await running.close()
    assert data["streamUrl"] == f"https://sim.example:8443/live/{CAMERA}/playlist.m3u8"
    assert photo["url"].startswith("https://sim.example:8443/photos/")


async def test_usage_stats(api: Api) -> None:
    reply = await api.get(f"/devices/{LITTER}/usage-stats")
    assert reply.body["msg"] == "Usage statistics retrieved"
    data = reply.data
    assert set(data) == USAGE_KEYS
    assert data["period"] == "7d"
    assert data["totalVisits"] == data["averageVisitsPerDay"] * 7
    assert 150 <= data["averageDuration"] <= 210
    assert set(data["healthMetrics"]) == {"frequencyNormal", "durationNormal", "alerts"}
    assert data["maintenanceNeeded"] is False
    month = (await api.get(f"/devices/{LITTER}/usage-stats", period="30d")).data
    assert month["totalVisits"] == data["averageVisitsPerDay"] * 30
    lean = (await api.get(f"/devices/{LITTER}/usage-stats", includeHealth="false")).data
    assert "healthMetrics" not in lean


async def test_health_insights(api: Api) -> None:
    reply = await api.get(f"/devices/{LITTER}/health-insights")
    assert reply.body["msg"] == "Health insights generated"
    data = reply.data
    assert set(data) == HEALTH_KEYS
    assert data["period"] == "30d"
    assert set(data["patterns"]) == {
        "frequencyTrend",
        "durationTrend",
        "timeOfDayPattern",
    }


async def test_activity(api: Api) -> None:
    reply = await api.get(f"/devices/{TOY}/activity")
    assert reply.body["msg"] == "Activity data retrieved"
    data = reply.data
    assert set(data) == ACTIVITY_KEYS
    assert data["period"] == "7d"
    assert (
        data["totalPlayTime"] == data["totalSessions"] * data["averageSessionDuration"]
    )
    assert data["activityLevel"] in ("low", "medium", "high")
    day = (await api.get(f"/devices/{TOY}/activity", period="24h")).data
    assert day["totalSessions"] * 7 == data["totalSessions"]


@pytest.mark.parametrize("period", ["7", "0d", "seven", "2000d", "7y"])
@pytest.mark.parametrize(
    ("device_id", "path"),
    [(LITTER, "usage-stats"), (LITTER, "health-insights"), (TOY, "activity")],
)
async def test_bad_periods_are_400(
    api: Api, device_id: str, path: str, period: str
) -> None:
    reply = await api.get(f"/devices/{device_id}/{path}", period=period)
    assert reply.status == 400


async def test_boolean_query_values_are_checked(api: Api) -> None:
    reply = await api.get(f"/devices/{FEEDER}/food-level", includeHistory="maybe")
    assert reply.status == 400


# --- commands ----------------------------------------------------------------------------


def test_every_doc_command_is_implemented() -> None:
    assert set(COMMANDS) == DOC_COMMANDS


DOC_SCHEDULE = {
    "schedule": [
        {"time": "08:00", "amount": 60, "enabled": True},
        {"time": "12:00", "amount": 40, "enabled": True},
        {"time": "18:00", "amount": 60, "enabled": True},
    ],
    "timezone": "UTC",
    "autoAdjust": True,
}

COMMAND_CASES = [
    # command, device, the doc's parameters (or plausible ones), msg, data keys
    (
        "feed", FEEDER,
        {"amount": 50, "schedule": "immediate", "portion": "normal", "soundAlert": True,
         "recordFeeding": True},
        "Feeding completed successfully",
        {"feedingId", "timestamp", "amountDispensed", "remainingFood", "nextScheduledFeed"},
    ),
    ("play_sound", TOY, {"sound": "squeak"}, None, ACK_KEYS | {"sound", "volume"}),
    ("play_sound", FEEDER, {}, None, ACK_KEYS | {"sound", "volume"}),
    ("set_temperature", FOUNTAIN, {"temperature": 24.5}, None, ACK_KEYS | {"targetTemperature"}),
    ("take_photo", CAMERA, {}, "Photo captured successfully", PHOTO_KEYS),
    ("start_video", CAMERA, {"duration": 60}, "Recording started successfully", RECORD_KEYS),
    (
        "setSchedule", FEEDER, DOC_SCHEDULE, "Feeding schedule updated",
        {"scheduleId", "totalDailyFeeds", "totalDailyAmount", "nextFeedTime", "status"},
    ),
    ("pauseSchedule", FEEDER, {}, None, ACK_KEYS | {"nextScheduledFeed"}),
    ("checkFood", FEEDER, {}, "Food level retrieved", FOOD_LEVEL_KEYS),
    ("getLocation", TRACKER, {}, "Location retrieved successfully", LOCATION_KEYS),
    (
        "setFence", TRACKER,
        {"latitude": 40.7128, "longitude": -74.0060, "radius": 500, "name": "Home Safe Zone",
         "alertOnExit": True, "alertOnEntry": False, "enabled": True},
        "Geo-fence created successfully",
        {"fenceId", "status", "createdAt"},
    ),
    ("enableSOS", TRACKER, {"enabled": True}, None, ACK_KEYS | {"sosEnabled"}),
    ("getHistory", TRACKER, {"limit": 5}, "Location history retrieved", HISTORY_KEYS),
    (
        "startPump", FOUNTAIN,
        {"duration": 30, "flowRate": "normal", "mode": "continuous", "autoStop": True,
         "minWaterLevel": 20},
        "Pump started successfully",
        {"commandId", "status", "estimatedStopTime", "currentFlowRate"},
    ),
    ("checkWater", FOUNTAIN, {}, None, {"waterLevel", "lowWater", "pumpRunning", "timestamp"}),
    ("testQuality", FOUNTAIN, {}, "Water quality data retrieved", WATER_QUALITY_KEYS),
    ("replaceFilter", FOUNTAIN, {}, None, ACK_KEYS | {"filterLifeRemaining", "lastMaintenance"}),
    (
        "takePhoto", CAMERA,
        {"quality": "high", "timestamp": True, "resolution": "1920x1080", "format": "jpeg",
         "saveToCloud": True, "enableFlash": False},
        "Photo captured successfully",
        PHOTO_KEYS,
    ),
    (
        "startRecord", CAMERA,
        {"duration": 300, "quality": "1080p", "fps": 30, "audio": True,
         "motionDetection": True, "autoStop": True, "saveToCloud": True},
        "Recording started successfully",
        RECORD_KEYS,
    ),
    ("enableNightVision", CAMERA, {"enabled": False}, None, ACK_KEYS | {"nightVision"}),
    (
        "startTalk", CAMERA,
        {"duration": 60, "volume": 80, "noiseReduction": True, "echoCancel": True,
         "autoEnd": True},
        "Two-way audio session started",
        {"sessionId", "status", "audioUrl", "maxDuration", "expiresAt"},
    ),
    (
        "startClean", FOUNTAIN,
        {"mode": "deep", "duration": 300, "useUV": True, "drainFirst": True,
         "refillAfter": True},
        "Cleaning cycle started",
        {"cleaningId", "status", "estimatedCompletion", "currentPhase"},
    ),
    (
        "startClean", LITTER,
        {"mode": "deep", "delay": 0, "duration": 180, "useDeodorizer": True,
         "autoRefill": True, "safetyCheck": True},
        "Cleaning cycle started",
        {"cleaningId", "status", "mode", "startTime", "estimatedCompletion", "currentPhase"},
    ),
    ("checkStatus", LITTER, {}, "Success", KIND_STATUS_KEYS[LITTER]),
    ("enableDeodorize", LITTER, {"enabled": True}, None, ACK_KEYS | {"odorControl"}),
    ("getUsageStats", LITTER, {"period": "7d"}, "Usage statistics retrieved", USAGE_KEYS),
    (
        "startPlay", TOY,
        {"mode": "interactive", "duration": 600, "intensity": "medium", "adaptToMood": True,
         "enableAI": True, "soundEffects": True, "autoAdjust": True},
        "Play session started",
        {"sessionId", "status", "mode", "startTime", "estimatedEndTime",
         "currentIntensity", "aiAdaptation"},
    ),
    ("setMode", TOY, {"mode": "training"}, None, ACK_KEYS | {"mode"}),
    ("enableAuto", TOY, {"enabled": True}, None, ACK_KEYS | {"autoMode"}),
    ("getActivity", TOY, {"period": "7d"}, "Activity data retrieved", ACTIVITY_KEYS),
    (
        "startTraining", TOY,
        {"skill": "fetch", "difficulty": "beginner", "duration": 300, "rewardSystem": True,
         "progressTracking": True, "voiceCommands": True,
         "customCues": ["good boy", "well done"]},
        "Training session started",
        {"trainingId", "status", "skill", "difficulty", "progress", "estimatedCompletion",
         "currentPhase"},
    ),
]  # fmt: skip


def test_command_cases_cover_every_command() -> None:
    assert {case[0] for case in COMMAND_CASES} == DOC_COMMANDS


@pytest.mark.parametrize(
    ("command", "device_id", "parameters", "msg", "keys"),
    COMMAND_CASES,
    ids=[f"{case[0]}-{case[1]}" for case in COMMAND_CASES],
)
async def test_command(
    api: Api,
    command: str,
    device_id: str,
    parameters: dict[str, Any],
    msg: str | None,
    keys: set[str],
) -> None:
    reply = await api.command(device_id, command, **parameters)
    assert reply.body["msg"] == (msg or "Command executed successfully")
    assert set(reply.data) == keys


async def test_doc_examples_answer_like_the_doc(api: Api) -> None:
    feed = (await api.command(FEEDER, "feed", amount=50)).data
    assert feed["feedingId"] == "feed_001"
    assert feed["amountDispensed"] == 50
    assert feed["remainingFood"] == 1150
    schedule = (await api.command(FEEDER, "setSchedule", **DOC_SCHEDULE)).data
    assert schedule | {"nextFeedTime": None} == {
        "scheduleId": "schedule_001",
        "totalDailyFeeds": 3,
        "totalDailyAmount": 160,
        "nextFeedTime": None,
        "status": "active",
    }
    fence = (
        await api.command(TRACKER, "setFence", latitude=40.7, longitude=-74.0)
    ).data
    assert fence["fenceId"] == "fence_001"
    assert fence["status"] == "active"
    training = (await api.command(TOY, "startTraining", skill="fetch")).data
    assert training | {"trainingId": None, "estimatedCompletion": None} == {
        "trainingId": None,
        "status": "active",
        "skill": "fetch",
        "difficulty": "beginner",
        "progress": 0,
        "estimatedCompletion": None,
        "currentPhase": "introduction",
    }
    pump = (await api.command(FOUNTAIN, "startPump")).data
    assert pump["status"] == "running"
    assert pump["commandId"].startswith("cmd_")


WRONG_KIND_COMMANDS = [
    (name, f"{KINDS[kind].id_prefix}_001")
    for name, command in COMMANDS.items()
    for kind in DEVICE_KINDS
    if kind not in command.kinds
]


@pytest.mark.parametrize(("command", "device_id"), WRONG_KIND_COMMANDS)
async def test_command_on_the_wrong_kind_is_400(
    api: Api, command: str, device_id: str
) -> None:
    reply = await api.command(device_id, command)
    assert reply.status == 400
    assert reply.body["code"] == 400
    assert reply.body["data"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"command": "selfDestruct"},
        {"parameters": {}},
        {"command": 7},
        {"command": "feed", "parameters": [50]},
    ],
)
async def test_bad_command_requests_are_400(api: Api, body: dict[str, Any]) -> None:
    reply = await api.post(f"/devices/{FEEDER}/commands", body)
    assert reply.status == 400
    assert reply.body["code"] == 400


@pytest.mark.parametrize(
    ("command", "device_id", "parameters"),
    [
        ("feed", FEEDER, {}),
        ("feed", FEEDER, {"amount": -5}),
        ("feed", FEEDER, {"amount": 0}),
        ("feed", FEEDER, {"amount": 10_000}),
        ("feed", FEEDER, {"amount": "50"}),
        ("feed", FEEDER, {"amount": 50.5}),
        ("feed", FEEDER, {"amount": True}),
        ("feed", FEEDER, {"amount": 50, "portion": "huge"}),
        ("feed", FEEDER, {"amount": 50, "soundAlert": "yes"}),
        ("setSchedule", FEEDER, {}),
        ("setSchedule", FEEDER, {"schedule": "08:00"}),
        ("setSchedule", FEEDER, {"schedule": [{"time": "25:00", "amount": 10}]}),
        ("setSchedule", FEEDER, {"schedule": [{"time": "08:00"}]}),
        ("setSchedule", FEEDER, {"schedule": [{"time": "08:00", "amount": -1}]}),
        ("setSchedule", FEEDER, {"schedule": ["08:00"]}),
        ("setSchedule", FEEDER, {"schedule": [], "timezone": "Mars/Olympus"}),
        ("setFence", TRACKER, {"latitude": 100, "longitude": 0}),
        ("setFence", TRACKER, {"latitude": 10}),
        ("setFence", TRACKER, {"latitude": 10, "longitude": 10, "radius": 1}),
        ("getHistory", TRACKER, {"limit": -1}),
        ("startPump", FOUNTAIN, {"flowRate": "turbo"}),
        ("startPump", FOUNTAIN, {"duration": 0}),
        ("set_temperature", FOUNTAIN, {"temperature": 99}),
        ("set_temperature", FOUNTAIN, {}),
        ("startClean", LITTER, {"delay": -10}),
        ("startClean", FOUNTAIN, {"mode": "nuclear"}),
        ("takePhoto", CAMERA, {"resolution": "big"}),
        ("take_photo", CAMERA, {"quality": "ultra"}),
        ("startRecord", CAMERA, {"duration": 100_000}),
        ("startTalk", CAMERA, {"volume": 101}),
        ("enableNightVision", CAMERA, {"enabled": "on"}),
        ("getUsageStats", LITTER, {"period": "forever"}),
        ("startPlay", TOY, {"mode": "dance"}),
        ("setMode", TOY, {}),
        ("setMode", TOY, {"mode": "dance"}),
        ("startTraining", TOY, {}),
        ("startTraining", TOY, {"skill": "  "}),
        ("startTraining", TOY, {"skill": "sit", "customCues": [1, 2]}),
        ("startTraining", TOY, {"skill": "sit", "difficulty": "expert"}),
        ("getActivity", TOY, {"period": 7}),
        ("play_sound", CAMERA, {"volume": -1}),
    ],
)
async def test_bad_parameters_are_400(
    api: Api, sim: OneNataSimulator, command: str, device_id: str, parameters: Any
) -> None:
    reply = await api.command(device_id, command, **parameters)
    assert reply.status == 400, reply.body
    assert reply.body["code"] == 400
    assert reply.body["msg"]
    assert sim.devices[FEEDER].food_grams == 1200


async def test_offline_device_refuses_commands(api: Api, sim: OneNataSimulator) -> None:
    sim.set_online(CAMERA, False)
    went_offline = (await api.status(CAMERA))["lastReportTime"]
    sim.clock.advance(600)
    status = await api.status(CAMERA)
    assert status["isOnline"] is False
    assert status["lastReportTime"] == went_offline
    reply = await api.command(CAMERA, "takePhoto")
    assert reply.status == 409
    assert reply.body == {"code": 409, "msg": "Device is offline", "data": None}
    sim.set_online(CAMERA, True)
    assert (await api.command(CAMERA, "takePhoto")).status == 200


# --- state that reacts ---------------------------------------------------------------------


async def test_setting_the_clock_moves_history_along(
    api: Api, sim: OneNataSimulator
) -> None:
    await api.command(FEEDER, "feed", amount=10)
    await api.command(LITTER, "startClean", duration=600)
    sim.clock.set(T0)
    last_fed = parse((await api.status(FEEDER))["status"]["lastFeedTime"])
    assert T0 - timedelta(seconds=2) <= last_fed <= T0
    litter = (await api.status(LITTER))["status"]
    assert litter["cleaning"] is True
    assert litter["wasteLevel"] == 15
    sim.clock.advance(601)
    assert (await api.status(LITTER))["status"]["cleaning"] is False


async def test_feeding_empties_the_store(api: Api, sim: OneNataSimulator) -> None:
    sim.clock.set(T0)
    first = (await api.command(FEEDER, "feed", amount=500)).data
    assert first["remainingFood"] == 700
    status = (await api.status(FEEDER))["status"]
    assert status["foodLevel"] == 35
    assert status["feedCount"] == 1
    assert status["lastFeedTime"] == first["timestamp"]
    assert parse(status["lastFeedTime"]) - T0 < timedelta(seconds=5)

    await api.command(FEEDER, "feed", amount=400)
    level = (await api.get(f"/devices/{FEEDER}/food-level")).data
    assert level | {"lastRefill": None} == {
        "currentLevel": 300,
        "maxCapacity": 2000,
        "percentage": 15,
        "estimatedDaysRemaining": 1,
        "dailyConsumption": 160,
        "lowLevelAlert": True,
        "refillRecommended": True,
        "lastRefill": None,
    }
    status = await api.status(FEEDER)
    assert [alert["type"] for alert in status["alerts"]] == ["lowFood"]
    assert set(status["alerts"][0]) == {"type", "severity", "message", "timestamp"}

    last = (await api.command(FEEDER, "feed", amount=500)).data
    assert (last["amountDispensed"], last["remainingFood"]) == (300, 0)
    empty = (await api.command(FEEDER, "feed", amount=10)).data
    assert (empty["amountDispensed"], empty["remainingFood"]) == (0, 0)
    assert (await api.status(FEEDER))["status"]["feedCount"] == 4


async def test_schedule_in_a_time_zone(api: Api, sim: OneNataSimulator) -> None:
    sim.clock.set(T0)  # 10:30 UTC is 11:30 in Berlin
    status = (await api.status(FEEDER))["status"]
    assert status["nextScheduledFeed"] == "2024-01-15T12:00:00Z"

    meals = [
        {"time": "07:00", "amount": 30},
        {"time": "12:00", "amount": 50, "enabled": True},
        {"time": "11:00", "amount": 80, "enabled": False},
    ]
    data = (
        await api.command(
            FEEDER, "setSchedule", schedule=meals, timezone="Europe/Berlin"
        )
    ).data
    assert data["totalDailyFeeds"] == 2
    assert data["totalDailyAmount"] == 80
    assert data["nextFeedTime"] == "2024-01-15T11:00:00Z"
    status = (await api.status(FEEDER))["status"]
    assert status["scheduledFeeds"] == 2
    assert status["nextScheduledFeed"] == "2024-01-15T11:00:00Z"

    sim.clock.advance(3600)  # 12:30 in Berlin: next is tomorrow 07:00 (06:00 UTC)
    status = (await api.status(FEEDER))["status"]
    assert status["nextScheduledFeed"] == "2024-01-16T06:00:00Z"
    # the 12:00 meal (11:00 UTC) was served on the way
    assert status["lastFeedTime"] == "2024-01-15T11:00:00Z"
    level = (await api.get(f"/devices/{FEEDER}/food-level")).data
    assert level["dailyConsumption"] == 80
    assert level["currentLevel"] == 1150
    assert level["estimatedDaysRemaining"] == 14


async def test_pausing_and_resuming_the_schedule(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.clock.set(T0)
    paused = (await api.command(FEEDER, "pauseSchedule")).data
    assert paused["status"] == "paused"
    assert paused["nextScheduledFeed"] is None
    status = (await api.status(FEEDER))["status"]
    assert status["nextScheduledFeed"] is None
    assert status["scheduleStatus"] == "paused"
    feed = (await api.command(FEEDER, "feed", amount=70)).data
    assert feed["nextScheduledFeed"] is None
    level = (await api.get(f"/devices/{FEEDER}/food-level")).data
    assert level["dailyConsumption"] == 10  # 70 g over the last week

    resumed = (await api.command(FEEDER, "pauseSchedule", paused=False)).data
    assert resumed["status"] == "active"
    assert resumed["nextScheduledFeed"] == "2024-01-15T12:00:00Z"


async def test_empty_schedule(api: Api) -> None:
    data = (await api.command(FEEDER, "setSchedule", schedule=[])).data
    assert (data["totalDailyFeeds"], data["nextFeedTime"]) == (0, None)
    level = (await api.get(f"/devices/{FEEDER}/food-level")).data
    assert level["dailyConsumption"] == 0
    assert level["estimatedDaysRemaining"] is None


async def test_tracker_wanders_with_the_clock(api: Api, sim: OneNataSimulator) -> None:
    sim.clock.set(T0)
    here = (await api.get(f"/devices/{TRACKER}/location")).data
    assert here["timestamp"] == "2024-01-15T10:30:00Z"
    assert (await api.status(TRACKER))["lastSeen"] == "2024-01-15T10:30:00Z"
    sim.clock.advance(600)
    there = (await api.get(f"/devices/{TRACKER}/location")).data
    assert there["timestamp"] == "2024-01-15T10:40:00Z"
    assert (here["latitude"], here["longitude"]) != (
        there["latitude"],
        there["longitude"],
    )
    assert abs(here["latitude"] - there["latitude"]) < 0.005
    assert abs(here["longitude"] - there["longitude"]) < 0.005
    assert there["speed"] < 5


async def test_history_replays_past_positions(api: Api, sim: OneNataSimulator) -> None:
    sim.clock.set(T0)
    now = (await api.get(f"/devices/{TRACKER}/location")).data
    sim.clock.advance(3600)
    history = (
        await api.get(
            f"/devices/{TRACKER}/location/history",
            startDate="2024-01-15T10:30:00Z",
            endDate="2024-01-15T10:30:00Z",
        )
    ).data
    assert history["totalCount"] == 1
    past = history["locations"][0]
    assert (past["latitude"], past["longitude"]) == (now["latitude"], now["longitude"])


async def _read(sim: OneNataSimulator, path: str) -> Any:
    """GET one path from a fresh server for `sim`."""
    running = await start_server(sim)
    try:
        async with ClientSession() as session:
            return (await Api(session, running.url).get(path)).data
    finally:
        await running.close()


@pytest.mark.parametrize(
    "path",
    [
        f"/devices/{TRACKER}/location",
        f"/devices/{FOUNTAIN}/water-quality",
        f"/devices/{LITTER}/usage-stats",
        f"/devices/{TOY}/activity",
    ],
)
async def test_readings_are_deterministic_from_the_seed(path: str) -> None:
    def at_t0(seed: int) -> OneNataSimulator:
        sim = OneNataSimulator(seed=seed)
        sim.clock.set(T0)
        return sim

    first = await _read(at_t0(1), path)
    assert await _read(at_t0(1), path) == first
    others = [await _read(at_t0(seed), path) for seed in (2, 3, 4)]
    assert any(other != first for other in others)


async def test_litter_box_cleaning_cycle(api: Api, sim: OneNataSimulator) -> None:
    sim.clock.set(T0)
    assert (await api.status(LITTER))["status"]["wasteLevel"] == 15
    clean = (await api.command(LITTER, "startClean", mode="quick", duration=180)).data
    assert clean["status"] == "in_progress"
    assert clean["mode"] == "quick"
    assert parse(clean["estimatedCompletion"]) - parse(clean["startTime"]) == timedelta(
        seconds=180
    )
    assert (await api.status(LITTER))["status"]["cleaning"] is True

    sim.clock.advance(170)
    assert (await api.status(LITTER))["status"]["cleaning"] is True
    sim.clock.advance(11)
    status = (await api.status(LITTER))["status"]
    assert status["cleaning"] is False
    assert status["wasteLevel"] == 0
    assert status["lastCleaned"] == clean["estimatedCompletion"]

    sim.clock.advance(5 * 3600)
    assert (await api.status(LITTER))["status"]["wasteLevel"] == 5
    sim.clock.advance(80 * 3600)
    status = await api.status(LITTER)
    assert status["status"]["wasteLevel"] == 85
    assert [alert["type"] for alert in status["alerts"]] == ["wasteBinFull"]
    usage = (await api.get(f"/devices/{LITTER}/usage-stats")).data
    assert usage["maintenanceNeeded"] is True


async def test_litter_box_delayed_cleaning(api: Api, sim: OneNataSimulator) -> None:
    clean = (await api.command(LITTER, "startClean", delay=60)).data
    assert clean["status"] == "scheduled"
    assert (await api.status(LITTER))["status"]["cleaning"] is False
    sim.clock.advance(61)
    assert (await api.status(LITTER))["status"]["cleaning"] is True
    sim.clock.advance(180)
    assert (await api.status(LITTER))["status"]["cleaning"] is False


async def test_fountain_cleaning_and_pump(api: Api, sim: OneNataSimulator) -> None:
    clean = (await api.command(FOUNTAIN, "startClean", duration=300)).data
    assert clean["currentPhase"] == "draining"
    pump = (await api.command(FOUNTAIN, "startPump", duration=30, flowRate="low")).data
    assert pump["currentFlowRate"] == "low"
    status = (await api.status(FOUNTAIN))["status"]
    assert (status["cleaning"], status["pumpRunning"]) == (True, True)
    assert (await api.command(FOUNTAIN, "checkWater")).data["pumpRunning"] is True

    # the pump counts minutes (the doc's 30 stops 30 minutes later)
    started = datetime.fromisoformat(clean["estimatedCompletion"]) - timedelta(
        seconds=300
    )
    stop = datetime.fromisoformat(pump["estimatedStopTime"])
    assert stop - started == timedelta(minutes=30)
    sim.clock.advance(301)
    status = (await api.status(FOUNTAIN))["status"]
    assert (status["cleaning"], status["pumpRunning"]) == (False, True)
    assert status["lastMaintenance"] == clean["estimatedCompletion"]
    sim.clock.advance(30 * 60)
    status = (await api.status(FOUNTAIN))["status"]
    assert (status["cleaning"], status["pumpRunning"]) == (False, False)


async def test_filter_wears_out_and_is_replaced(
    api: Api, sim: OneNataSimulator
) -> None:
    replaced = (await api.command(FOUNTAIN, "replaceFilter")).data
    assert replaced["filterLifeRemaining"] == 100
    assert (await api.get(f"/devices/{FOUNTAIN}/water-quality")).data[
        "filterLifeRemaining"
    ] == 100
    sim.clock.advance(30 * 86400)
    quality = (await api.get(f"/devices/{FOUNTAIN}/water-quality")).data
    assert (quality["filterLifeRemaining"], quality["quality"]) == (50, "good")
    sim.clock.advance(27 * 86400)
    quality = (await api.get(f"/devices/{FOUNTAIN}/water-quality")).data
    assert (quality["filterLifeRemaining"], quality["quality"]) == (5, "poor")
    assert quality["recommendations"] == ["Replace the filter soon"]
    status = await api.status(FOUNTAIN)
    assert status["status"]["filterStatus"] == "replace"
    assert [alert["type"] for alert in status["alerts"]] == ["filterReplace"]


async def test_water_tests_and_temperature(api: Api, sim: OneNataSimulator) -> None:
    sim.clock.set(T0)
    tested = (await api.command(FOUNTAIN, "testQuality")).data
    assert tested["lastTested"] == "2024-01-15T10:30:00Z"
    await api.command(FOUNTAIN, "set_temperature", temperature=24.5)
    quality = (await api.get(f"/devices/{FOUNTAIN}/water-quality")).data
    assert quality["temperature"] == 24.5
    assert quality["lastTested"] == "2024-01-15T10:30:00Z"
    sim.clock.advance(3600)
    quality = (await api.get(f"/devices/{FOUNTAIN}/water-quality")).data
    assert quality["lastTested"] == "2024-01-15T11:00:00Z"


async def test_low_water_alert(api: Api, sim: OneNataSimulator) -> None:
    sim.devices[FOUNTAIN].water_level = 10
    status = await api.status(FOUNTAIN)
    assert [alert["type"] for alert in status["alerts"]] == ["lowWater"]
    assert (await api.command(FOUNTAIN, "checkWater")).data["lowWater"] is True


async def test_low_battery_alert(api: Api, sim: OneNataSimulator) -> None:
    sim.devices[TOY].battery_level = 5
    status = await api.status(TOY)
    assert status["batteryLevel"] == 5
    assert [alert["type"] for alert in status["alerts"]] == ["lowBattery"]


async def test_play_session_adds_to_activity(api: Api, sim: OneNataSimulator) -> None:
    before = (await api.get(f"/devices/{TOY}/activity")).data
    play = (await api.command(TOY, "startPlay", mode="automatic", duration=600)).data
    assert (await api.status(TOY))["status"]["playing"] is True
    assert (await api.get(f"/devices/{TOY}/activity")).data == before

    sim.clock.advance(601)
    status = (await api.status(TOY))["status"]
    assert status["playing"] is False
    assert status["lastPlaySession"] == play["estimatedEndTime"]
    after = (await api.get(f"/devices/{TOY}/activity")).data
    assert after["totalSessions"] == before["totalSessions"] + 1
    assert after["totalPlayTime"] == before["totalPlayTime"] + 10
    assert after["favoritePlayMode"] == "automatic"

    sim.clock.advance(8 * 86400)  # the session drops out of the 7-day window
    assert (await api.get(f"/devices/{TOY}/activity")).data == before


async def test_training_is_a_play_session(api: Api, sim: OneNataSimulator) -> None:
    await api.command(TOY, "startTraining", skill="sit", duration=300)
    assert (await api.status(TOY))["status"]["playing"] is True
    sim.clock.advance(301)
    activity = (await api.get(f"/devices/{TOY}/activity")).data
    assert activity["favoritePlayMode"] == "training"


async def test_recording_runs_and_fills_storage(
    api: Api, sim: OneNataSimulator
) -> None:
    record = (await api.command(CAMERA, "startRecord", duration=300)).data
    assert record["storageLocation"] == "cloud"
    status = (await api.status(CAMERA))["status"]
    assert (status["recording"], status["storageUsed"]) == (True, "2.5GB")
    sim.clock.advance(301)
    status = (await api.status(CAMERA))["status"]
    assert (status["recording"], status["storageUsed"]) == (False, "2.6GB")
    local = (await api.command(CAMERA, "start_video", saveToCloud=False)).data
    assert local["storageLocation"] == "local"


async def test_photos_are_served(api: Api) -> None:
    photo = (await api.command(CAMERA, "takePhoto", quality="medium")).data
    assert photo["photoId"] == "photo_001"
    assert photo["url"] == f"{api.url}/photos/{CAMERA}/photo_001.jpg"
    assert photo["fileSize"] == "1.2MB"
    for url, name in (
        (photo["url"], f"{CAMERA}/photo_001"),
        (photo["thumbnailUrl"], "photo_001_thumb"),
    ):
        reply = await api.request("GET", url, auth=None)
        assert (reply.status, reply.content_type) == (200, "image/jpeg")
        assert reply.raw == photo_jpeg(name)
    second = (await api.command(CAMERA, "take_photo")).data
    assert second["photoId"] == "photo_002"
    missing = await api.request("GET", f"{api.url}/photos/{CAMERA}/photo_999.jpg")
    assert missing.status == 404


async def test_two_way_talk_echoes(api: Api) -> None:
    talk = (await api.command(CAMERA, "startTalk", duration=30)).data
    assert talk["audioUrl"] == f"{api.url.replace('http', 'ws', 1)}/talk/{CAMERA}"
    assert talk["maxDuration"] == 30
    async with api.session.ws_connect(talk["audioUrl"]) as socket:
        await socket.send_str("hello")
        assert await socket.receive_str() == "hello"
        await socket.send_bytes(b"\x00\x01")
        assert await socket.receive_bytes() == b"\x00\x01"


@pytest.mark.parametrize(
    ("device_id", "command", "parameters", "field", "value"),
    [
        (CAMERA, "enableNightVision", {"enabled": False}, "nightVision", False),
        (CAMERA, "enableNightVision", {}, "nightVision", True),
        (LITTER, "enableDeodorize", {"enabled": False}, "odorControl", "inactive"),
        (TOY, "setMode", {"mode": "automatic"}, "mode", "automatic"),
        (TOY, "enableAuto", {"enabled": True}, "autoMode", True),
    ],
)
async def test_switch_commands_show_in_status(
    api: Api,
    device_id: str,
    command: str,
    parameters: dict[str, Any],
    field: str,
    value: Any,
) -> None:
    await api.command(device_id, command, **parameters)
    assert (await api.status(device_id))["status"][field] == value


async def test_tracker_commands_change_state(api: Api, sim: OneNataSimulator) -> None:
    await api.command(TRACKER, "enableSOS")
    await api.command(TRACKER, "setFence", latitude=40.7, longitude=-74.0, radius=250)
    tracker = sim.devices[TRACKER]
    assert tracker.sos_enabled is True
    assert tracker.fences[0]["radius"] == 250
    disabled = (await api.command(TRACKER, "enableSOS", enabled=False)).data
    assert disabled["status"] == "inactive"


# What a device reports by itself; what stays is its check-in times.
QUIET_READINGS = [
    f"/devices/{device_id}/status"
    for device_id in (FEEDER, FOUNTAIN, TRACKER, CAMERA, LITTER, TOY)
] + [
    f"/devices/{FEEDER}/food-level",
    f"/devices/{FOUNTAIN}/water-quality",
    f"/devices/{TRACKER}/location",
    f"/devices/{LITTER}/usage-stats",
    f"/devices/{TOY}/activity",
]
CHECK_IN_FIELDS = {"lastReportTime", "lastSeen", "timestamp", "lastTested"}


async def _quiet_readings(api: Api) -> dict[str, dict[str, Any]]:
    """Every reading of QUIET_READINGS but its check-in times, by path."""
    readings = {}
    for path in QUIET_READINGS:
        data = (await api.get(path)).data
        readings[path] = {k: v for k, v in data.items() if k not in CHECK_IN_FIELDS}
    return readings


async def test_a_quiet_home_only_checks_in(api: Api, sim: OneNataSimulator) -> None:
    sim.clock.set(T0)  # 10:30: the feeder's 12:00 meal falls in the quiet
    sim.quiet = True
    assert sim.quiet is True
    sim.clock.advance(30)  # the tracker's first fix since: it stands still
    before = await _quiet_readings(api)
    assert before[f"/devices/{TRACKER}/location"]["speed"] == 0
    sim.clock.advance(3 * 3600)
    sim.quiet = True  # again: changes nothing
    assert await _quiet_readings(api) == before
    status = await api.status(TRACKER)
    assert (status["lastReportTime"], status["lastSeen"]) == (
        "2024-01-15T13:30:00Z",
        "2024-01-15T13:30:30Z",
    )
    location = (await api.get(f"/devices/{TRACKER}/location")).data
    assert location["timestamp"] == "2024-01-15T13:30:30Z"
    quality = (await api.get(f"/devices/{FOUNTAIN}/water-quality")).data
    assert quality["lastTested"] == "2024-01-15T13:00:00Z"

    # no longer quiet: the devices report what they did meanwhile
    sim.quiet = False
    after = await _quiet_readings(api)
    feeder = after[f"/devices/{FEEDER}/status"]["status"]
    assert feeder["lastFeedTime"] == "2024-01-15T12:00:00Z"
    assert feeder["nextScheduledFeed"] == "2024-01-15T18:00:00Z"
    assert after[f"/devices/{LITTER}/status"]["status"]["wasteLevel"] == 18
    assert (
        after[f"/devices/{TRACKER}/location"] != before[f"/devices/{TRACKER}/location"]
    )


async def test_a_quiet_home_still_does_what_it_is_told(
    api: Api, sim: OneNataSimulator
) -> None:
    sim.clock.set(T0)
    sim.quiet = True
    await api.command(LITTER, "startClean", duration=180)
    sim.clock.advance(181)
    status = (await api.status(LITTER))["status"]
    assert (status["cleaning"], status["wasteLevel"]) == (False, 0)
    sim.move_tracker(TRACKER, 40.7, -74.0)
    location = (await api.get(f"/devices/{TRACKER}/location")).data
    assert (location["latitude"], location["longitude"]) == (40.7, -74.0)
    added = sim.add_device("camera")
    assert added.frozen_at is not None


# --- standalone -----------------------------------------------------------------------------


def test_command_line_defaults() -> None:
    args = parse_args(["onenata"])
    assert (args.host, args.port, args.devices, args.api_key, args.latency) == (
        "127.0.0.1",
        8900,
        1,
        "demo-key",
        0.0,
    )


async def test_serve_prints_how_to_connect(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["onenata", "--port", "0", "--devices", "2", "--api-key", "k"]
    async with served(argv, capsys) as lines, ClientSession() as session:
        base_url = lines["Base URL"]
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/v1")
        assert lines["API key"] == "k"
        async with session.get(
            f"{base_url}/devices", headers={"Authorization": "Bearer k"}
        ) as reply:
            assert len((await reply.json())["data"]) == 12


# --- the fault matrix -------------------------------------------------------------
# (the older fault kinds are tested in test_sim_core.py)

DEVICES = "/v1/devices"
STATUS = "/v1/devices/{device_id}/status"
DEVICE_IDS = [device[0] for device in EXPECTED_DEVICES]
SHAPES = [
    ("envelope_list", lambda body: body["data"]),
    ("envelope_object", lambda body: body["data"]["devices"]),
    ("bare_list", lambda body: body),
    ("object", lambda body: body["devices"]),
]


def numbers(value: Any) -> list[Any]:
    """Every number (not boolean) inside `value`."""
    if isinstance(value, dict):
        return numbers(list(value.values()))
    if isinstance(value, list):
        return [number for item in value for number in numbers(item)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [value]
    return []


async def test_http_503_fault(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HTTP_503, route=STATUS, times=1)
    reply = await api.get(f"/devices/{CAMERA}/status")
    assert (reply.status, reply.content_type) == (503, "text/html")
    assert "Retry-After" not in reply.headers
    assert b"<h1>503 Service Temporarily Unavailable</h1>" in reply.raw
    assert (await api.get(f"/devices/{CAMERA}/status")).status == 200
    assert sim.count("GET", STATUS, CAMERA) == 2
    sim.add_fault(FaultKind.HTTP_503, retry_after=120, times=1)
    assert (await api.get("/devices")).headers["Retry-After"] == "120"


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [(None, None), ("Wed, 21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026 07:28:00 GMT")],
)
async def test_http_429_retry_after_forms(
    api: Api, sim: OneNataSimulator, retry_after: str | None, header: str | None
) -> None:
    sim.add_fault(FaultKind.HTTP_429, retry_after=retry_after, times=1)
    reply = await api.get("/devices")
    assert reply.status == 429
    assert reply.body == {"code": 429, "msg": "Rate limit exceeded", "data": None}
    assert reply.headers.get("Retry-After") == header
    assert (await api.get("/devices")).status == 200
    assert sim.count(route=DEVICES) == 2


async def test_huge_body_fault(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.HUGE_BODY, device_id=FEEDER, times=1)
    reply = await api.get(f"/devices/{FEEDER}/food-level")
    assert (reply.status, reply.content_type) == (200, "application/json")
    assert len(reply.raw) == HUGE_BODY_SIZE == 5 * 1024 * 1024
    body = reply.body
    assert set(body) == {"code", "msg", "data"}
    assert (body["code"], body["msg"], list(body["data"])) == (
        200,
        "Success",
        ["padding"],
    )
    assert set(body["data"]["padding"]) == {"x"}
    assert len((await api.get(f"/devices/{FEEDER}/food-level")).raw) < 1000
    sim.add_fault(FaultKind.HUGE_BODY, size=2000, times=1)
    assert len((await api.get("/devices")).raw) == 2000
    assert sim.count(device_id=FEEDER) == 2
    assert sim.count() == 3


async def test_connection_reset_fault(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.CONNECTION_RESET, route="/v1/devices/{device_id}/commands", times=1)  # fmt: skip
    with pytest.raises((ServerDisconnectedError, ClientOSError)):
        await api.command(FEEDER, "feed", amount=100)
    assert sim.devices[FEEDER].food_grams == 1200  # the API never saw it
    assert (await api.command(FEEDER, "feed", amount=100)).status == 200
    assert sim.count("POST", device_id=FEEDER) == 2
    # aiohttp retries an idempotent request once after a reset: it takes a
    # fault that lasts (or times=2) for a GET to fail.
    sim.add_fault(FaultKind.CONNECTION_RESET)
    with pytest.raises((ServerDisconnectedError, ClientOSError)):
        await api.get("/devices")
    assert sim.count(route=DEVICES) >= 1
    sim.clear_faults()
    assert (await api.get("/devices")).status == 200


async def test_data_null_fault_on_an_object(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.DATA_NULL, route=STATUS, times=1)
    reply = await api.get(f"/devices/{CAMERA}/status")
    assert reply.status == 200
    assert reply.body == {"code": 200, "msg": "Success", "data": None}
    assert (await api.status(CAMERA))["deviceId"] == CAMERA
    assert (await api.get("/devices/nope/status")).status == 404
    assert sim.count(route=STATUS) == 3


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("envelope_list", {"code": 200, "msg": "Success", "data": None}),
        ("envelope_object", {"code": 200, "msg": "Success", "data": None}),
        ("bare_list", {"devices": None}),
        ("object", {"devices": None}),
    ],
)
async def test_data_null_fault_on_the_device_list(
    api: Api, sim: OneNataSimulator, shape: str, expected: Any
) -> None:
    sim.devices_shape = shape
    sim.add_fault(FaultKind.DATA_NULL, times=1)
    reply = await api.get("/devices")
    assert (reply.status, reply.body) == (200, expected)
    assert (await api.get("/devices")).body != expected
    assert sim.count(route=DEVICES) == 2


async def test_wrong_types_fault(api: Api, sim: OneNataSimulator) -> None:
    sim.devices_shape = "envelope_object"
    sim.add_fault(FaultKind.WRONG_TYPES, times=2)
    body = (await api.get("/devices")).body
    assert (body["code"], body["msg"]) == (200, "Success")
    assert body["data"]["total"] == "abc"
    assert [entry["deviceId"] for entry in body["data"]["devices"]] == DEVICE_IDS
    for entry in body["data"]["devices"]:
        assert entry == dict.fromkeys(entry, 12345) | {"deviceId": entry["deviceId"]}
    data = (await api.get(f"/devices/{FEEDER}/status")).data
    assert data["deviceId"] == FEEDER
    assert (data["isOnline"], data["batteryLevel"]) == ("maybe", "abc")
    assert data["lastReportTime"] == 12345
    assert data["status"]["foodLevel"] == "abc"
    assert data["status"]["scheduleStatus"] == 12345
    assert data["alerts"] == []
    assert (await api.status(FEEDER))["isOnline"] is True
    assert sim.count() == 3


@pytest.mark.parametrize("value", [-20, 250, 1e308, "NaN", "Infinity"])
async def test_out_of_range_fault(api: Api, sim: OneNataSimulator, value: Any) -> None:
    sim.add_fault(FaultKind.OUT_OF_RANGE, value=value, device_id=FEEDER, times=2)
    reply = await api.get(f"/devices/{FEEDER}/food-level")
    assert (reply.body["code"], reply.body["msg"]) == (200, "Food level retrieved")
    data = reply.data
    assert data["currentLevel"] == data["percentage"] == value
    assert data["lowLevelAlert"] is False  # booleans are not numbers
    assert data["lastRefill"].endswith("Z")
    if value == 1e308:
        assert b'"currentLevel": 1e+308' in reply.raw
    data = (await api.get(f"/devices/{FEEDER}/status")).data
    assert data["deviceId"] == FEEDER
    assert data["isOnline"] is True
    assert all(number == value for number in numbers(data))
    assert data["batteryLevel"] == data["status"]["foodLevel"] == value
    assert (await api.status(FEEDER))["batteryLevel"] == 90
    assert sim.count(device_id=FEEDER) == 3


@pytest.mark.parametrize("value", [None, STRIP_TYPE])
async def test_bad_entries_fault(
    api: Api, sim: OneNataSimulator, value: str | None
) -> None:
    sim.add_fault(FaultKind.BAD_ENTRIES, value=value, times=1)
    await api.status(CAMERA)  # another route: not broken, the fault is not used up
    entries = (await api.get("/devices")).data
    real, extra = entries[:6], entries[6:]
    assert [entry["deviceId"] for entry in real] == DEVICE_IDS
    assert all(("deviceType" in entry) == (value is None) for entry in real)
    assert all(len(entry) == (8 if value is None else 7) for entry in real)
    assert len(extra) == 4
    assert "deviceType" not in extra[0]
    assert "deviceId" in extra[0]
    assert "deviceId" not in extra[1]
    assert "deviceType" in extra[1]
    assert extra[2:] == ["garbage", None]
    assert len((await api.get("/devices")).data) == 6
    assert sim.count(route=DEVICES) == 2


@pytest.mark.parametrize(("shape", "entries_of"), SHAPES)
async def test_empty_list_fault(
    api: Api, sim: OneNataSimulator, shape: str, entries_of: Any
) -> None:
    sim.devices_shape = shape
    sim.add_fault(FaultKind.EMPTY_LIST, times=1)
    assert (await api.get(f"/devices/{CAMERA}/status")).status == 200
    body = (await api.get("/devices")).body
    assert entries_of(body) == []
    if shape == "envelope_object":
        assert body["data"]["total"] == 0
    assert len(entries_of((await api.get("/devices")).body)) == 6
    assert sim.count(route=DEVICES) == 2


@pytest.mark.parametrize(("shape", "entries_of"), SHAPES)
async def test_drop_device_fault(
    api: Api, sim: OneNataSimulator, shape: str, entries_of: Any
) -> None:
    sim.devices_shape = shape
    sim.add_fault(FaultKind.DROP_DEVICE, value=CAMERA, times=1)
    await api.status(CAMERA)
    body = (await api.get("/devices")).body
    assert [entry["deviceId"] for entry in entries_of(body)] == [
        device_id for device_id in DEVICE_IDS if device_id != CAMERA
    ]
    if shape == "envelope_object":
        assert body["data"]["total"] == 5
    body = (await api.get("/devices")).body  # missing once only
    assert [entry["deviceId"] for entry in entries_of(body)] == DEVICE_IDS
    assert sim.count(route=DEVICES) == 2


async def test_minimal_entries_fault(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.MINIMAL_ENTRIES, times=1)
    entries = (await api.get("/devices")).data
    assert entries == [
        {"deviceId": device_id, "deviceType": kind}
        for device_id, _, kind, _, _ in EXPECTED_DEVICES
    ]
    assert len((await api.get("/devices")).data[0]) == 8
    assert sim.count(route=DEVICES) == 2


@pytest.mark.parametrize(
    ("code", "msg"),
    [
        (None, "Internal server error"),
        (401, "Invalid API key"),
        (429, "Rate limit exceeded"),
        (503, "Service Unavailable"),
        (1001, "Error 1001"),
    ],
)
async def test_body_code_fault_with_a_code(
    api: Api, sim: OneNataSimulator, code: int | None, msg: str
) -> None:
    sim.add_fault(FaultKind.BODY_CODE, code=code, route=STATUS, times=1)
    reply = await api.get(f"/devices/{TOY}/status")
    assert (reply.status, reply.content_type) == (200, "application/json")
    assert reply.body == {"code": code or 500, "msg": msg, "data": None}
    assert (await api.status(TOY))["deviceId"] == TOY
    assert sim.count(route=STATUS, device_id=TOY) == 2


async def test_missing_fields_keep_id(api: Api, sim: OneNataSimulator) -> None:
    sim.add_fault(FaultKind.MISSING_FIELDS, value=KEEP_ID, times=3)
    reply = await api.get(f"/devices/{FEEDER}/status")
    assert reply.body == {"code": 200, "msg": "Success", "data": {"deviceId": FEEDER}}
    # Slow-tier answers carry no deviceId: nothing is left of them.
    assert (await api.get(f"/devices/{FEEDER}/food-level")).data == {}
    assert (await api.get("/devices")).data == [{"deviceId": d} for d in DEVICE_IDS]
    assert len(await api.status(FEEDER)) > 1
    assert sim.count() == 4
