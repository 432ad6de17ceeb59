"""The forgiving JSON converters of vendors/parse.py and the pure parsers."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone
import email.utils
from pathlib import Path
from typing import Any

import pytest

from custom_components.petsmart_hub.model import DeviceKind
from custom_components.petsmart_hub.vendors import onenata, parse
from custom_components.petsmart_hub.vendors.base import BadResponseError
from custom_components.petsmart_hub.vendors.onenata import (
    kind_from_type,
    parse_device_list,
    parse_location,
    parse_stream,
)
from custom_components.petsmart_hub.vendors.parse import (
    pick,
    present,
    to_bool,
    to_datetime,
    to_float,
    to_int,
    to_str,
    to_str_list,
)

MISSING = pick({}, "absent")
JAN_15 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)

# --- pick / present ------------------------------------------------------------


def test_pick_returns_the_first_present_key() -> None:
    data = {"b": 2, "c": 3, "n": None}
    assert pick(data, "a", "b", "c") == 2
    assert pick(data, "c", "b") == 3
    # A key sent as null is present: the value is None, not missing.
    assert pick(data, "n", "b") is None
    assert present(pick(data, "n"))


def test_pick_missing_is_not_present() -> None:
    assert not present(pick({"a": 1}, "b", "c"))
    assert not present(pick({}))
    assert present(pick({"a": 0}, "a"))
    assert present(False)


# --- to_float / to_int ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (75, 75.0),
        (7.2, 7.2),
        (0, 0.0),
        (-3, -3.0),
        ("75", 75.0),
        (" 7.5 ", 7.5),
        ("75%", 75.0),
        ("75 %", 75.0),
        ("-0.5", -0.5),
        ("1e3", 1000.0),
        (True, None),
        (False, None),
        (None, None),
        (MISSING, None),
        ("", None),
        ("abc", None),
        ("75kg", None),
        ("%", None),
        ([75], None),
        ({"value": 75}, None),
        (float("nan"), None),
        (float("inf"), None),
        (float("-inf"), None),
        ("NaN", None),
        ("Infinity", None),
        ("-inf", None),
    ],
)
def test_to_float(value: Any, expected: float | None) -> None:
    assert to_float(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (3.4, 3),
        (3.6, 4),
        ("3", 3),
        ("42.0", 42),
        ("90%", 90),
        (True, None),
        ("three", None),
        (None, None),
        (MISSING, None),
        (float("nan"), None),
        ("inf", None),
        (1e300, round(1e300)),
    ],
)
def test_to_int(value: Any, expected: int | None) -> None:
    result = to_int(value)
    assert result == expected
    assert result is None or type(result) is int


# --- to_bool -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (2, True),
        (1.0, True),
        (0.0, False),
        ("true", True),
        ("True", True),
        (" TRUE ", True),
        ("1", True),
        ("yes", True),
        ("Yes", True),
        ("on", True),
        ("false", False),
        ("FALSE", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("", None),
        ("maybe", None),
        ("2", None),
        (None, None),
        (MISSING, None),
        ([], None),
        ({}, None),
        (float("nan"), None),
    ],
)
def test_to_bool(value: Any, expected: bool | None) -> None:
    assert to_bool(value) is expected


# --- to_str / to_str_list ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("good", "good"),
        ("", ""),
        (5, "5"),
        (7.5, "7.5"),
        (True, "True"),
        (None, None),
        (MISSING, None),
        ([1, 2], None),
        ({"a": 1}, None),
    ],
)
def test_to_str(value: Any, expected: str | None) -> None:
    assert to_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["a", "b"], ["a", "b"]),
        ([], []),
        ([1, 2.5, True], ["1", "2.5", "True"]),
        (["a", None, "", "b"], ["a", "b"]),
        (
            [
                {"message": "Food level is low", "type": "lowFood"},
                {"msg": "from msg"},
                {"type": "onlyType"},
                {"code": 17},
                {"name": "named"},
                {"severity": "warning"},
                {"message": None},
                {"message": {"nested": True}},
            ],
            ["Food level is low", "from msg", "onlyType", "17", "named"],
        ),
        ([["nested"], "x"], ["x"]),
        ("not a list", []),
        ({"a": 1}, []),
        (None, []),
        (MISSING, []),
        (5, []),
    ],
)
def test_to_str_list(value: Any, expected: list[str]) -> None:
    assert to_str_list(value) == expected


# --- to_datetime ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-15T10:30:00Z", JAN_15),
        ("2024-01-15T10:30:00z", JAN_15),
        (" 2024-01-15T10:30:00Z ", JAN_15),
        ("2024-01-15T10:30:00+00:00", JAN_15),
        ("2024-01-15T11:30:00+01:00", JAN_15),
        ("2024-01-15T05:30:00-05:00", JAN_15),
        ("2024-01-15T10:30:00", JAN_15),  # naive: taken as UTC
        ("2024-01-15 10:30:00", JAN_15),
        ("2024-01-15T10:30:00.000Z", JAN_15),
        ("2024-01-15T10:30:00.250Z", JAN_15 + timedelta(milliseconds=250)),
        ("2024-01-15", datetime(2024, 1, 15, tzinfo=UTC)),
        (1705314600, JAN_15),  # epoch seconds
        (1705314600.5, JAN_15 + timedelta(milliseconds=500)),
        (1705314600000, JAN_15),  # epoch milliseconds
        (1705314600250, JAN_15 + timedelta(milliseconds=250)),
        ("1705314600", JAN_15),  # epoch seconds as a string
        ("1705314600000", JAN_15),  # epoch milliseconds as a string
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        ("", None),
        ("   ", None),
        ("yesterday", None),
        ("2024-13-45T99:99:99Z", None),
        ("15/01/2024 10:30", None),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 once in UTC
        (True, None),
        (False, None),
        (None, None),
        (MISSING, None),
        ([2024, 1, 15], None),
        ({"ts": 1}, None),
        (10**20, None),
        (-(10**20), None),
        (float("nan"), None),
        (float("inf"), None),
    ],
)
def test_to_datetime(value: Any, expected: datetime | None) -> None:
    result = to_datetime(value)
    assert result == expected
    if result is not None:
        assert result.tzinfo is not None
        assert result.utcoffset() == timedelta(0)


def test_to_datetime_converts_offsets_to_utc() -> None:
    result = to_datetime("2024-01-15T18:30:00+08:00")
    assert result is not None
    assert result.tzinfo is UTC
    assert result.hour == 10


# --- kind_from_type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "kind"),
    [
        ("feedingMachine", DeviceKind.FEEDER),
        ("feeding_machine", DeviceKind.FEEDER),
        ("Feeder", DeviceKind.FEEDER),
        ("smart-feeder", DeviceKind.FEEDER),
        ("waterFountain", DeviceKind.FOUNTAIN),
        ("FOUNTAIN", DeviceKind.FOUNTAIN),
        ("gpsTracker", DeviceKind.TRACKER),
        ("GPS", DeviceKind.TRACKER),
        ("tracker", DeviceKind.TRACKER),
        ("camera", DeviceKind.CAMERA),
        ("pet_camera", DeviceKind.CAMERA),
        ("SmartCamera", DeviceKind.CAMERA),
        ("litterBox", DeviceKind.LITTER_BOX),
        ("litter_box", DeviceKind.LITTER_BOX),
        ("smartLitterBox", DeviceKind.LITTER_BOX),
        ("smartToy", DeviceKind.TOY),
        ("toy", DeviceKind.TOY),
        ("robotVacuum", None),
        ("", None),
        (None, None),
        (42, None),
        (["camera"], None),
    ],
)
def test_kind_from_type(device_type: Any, kind: DeviceKind | None) -> None:
    assert kind_from_type(device_type) is kind


# --- parse_device_list ---------------------------------------------------------

ENTRY = {
    "deviceId": "feeding_machine_001",
    "serialNumber": "ON-SF-001",
    "deviceType": "feedingMachine",
    "deviceModel": "piFI",
    "manufacturer": "onenata",
    "name": "Kitchen feeder",
    "firmwareVersion": "1.4.2",
    "status": "active",
}


@pytest.mark.parametrize(
    "body",
    [
        [ENTRY],
        {"code": 200, "msg": "Success", "data": [ENTRY]},
        {"code": 200, "msg": "Success", "data": {"devices": [ENTRY], "total": 1}},
        {"code": 200, "msg": "Success", "data": {"items": [ENTRY]}},
        {"code": 200, "msg": "Success", "data": {"list": [ENTRY]}},
        {"data": {"records": [ENTRY]}},
        {"data": {"results": [ENTRY]}},
        {"devices": [ENTRY]},
        {"items": [ENTRY]},
    ],
    ids=[
        "bare_list",
        "envelope_list",
        "envelope_devices",
        "envelope_items",
        "envelope_list_key",
        "data_records",
        "data_results",
        "object_devices",
        "object_items",
    ],
)
def test_parse_device_list_shapes(body: Any) -> None:
    (device,) = parse_device_list(body)
    assert device == onenata.OneNataDevice(
        device_id="feeding_machine_001",
        device_type="feedingMachine",
        kind=DeviceKind.FEEDER,
        serial="ON-SF-001",
        model="piFI",
        name="Kitchen feeder",
        firmware="1.4.2",
    )


def test_parse_device_list_aliases() -> None:
    devices = parse_device_list(
        {
            "data": {
                "items": [
                    {
                        "id": 17,
                        "type": "gps_tracker",
                        "serial": "ON-GPS-017",
                        "model": "GPS-Pro",
                        "deviceName": "Rex",
                        "firmware": "3.0.5",
                    },
                    {
                        "device_id": "cam-2",
                        "device_type": "camera",
                        "sn": "ON-CAM-002",
                        "nickname": "Hall",
                        "fwVersion": "5.2.1",
                    },
                    {"deviceId": "vac_1", "deviceType": "robotVacuum"},
                    {"deviceId": "mystery_1"},
                ]
            }
        }
    )
    assert [
        (d.device_id, d.device_type, d.kind, d.serial, d.model, d.name, d.firmware)
        for d in devices
    ] == [
        (
            "17",
            "gps_tracker",
            DeviceKind.TRACKER,
            "ON-GPS-017",
            "GPS-Pro",
            "Rex",
            "3.0.5",
        ),
        ("cam-2", "camera", DeviceKind.CAMERA, "ON-CAM-002", None, "Hall", "5.2.1"),
        ("vac_1", "robotVacuum", None, None, None, None, None),
        ("mystery_1", "", None, None, None, None, None),
    ]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"code": 200, "msg": "Success", "data": []},
        {"code": 200, "msg": "Success", "data": {"devices": [], "total": 0}},
    ],
)
def test_parse_device_list_empty(body: Any) -> None:
    assert parse_device_list(body) == []


@pytest.mark.parametrize(
    "body",
    [
        None,
        5,
        "devices",
        True,
        {},
        {"code": 200, "msg": "Success"},
        {"code": 200, "msg": "Success", "data": None},
        {"code": 200, "msg": "Success", "data": "feeding_machine_001"},
        {"code": 200, "msg": "Success", "data": {"total": 3}},
        {"code": 200, "msg": "Success", "data": {"devices": None}},
        {"code": 200, "msg": "Success", "data": {"devices": {"a": ENTRY}}},
        {"code": 200, "msg": "Success", "data": {"data": [ENTRY]}},
        {"devices": "all of them"},
        {"device": ENTRY},
        [ENTRY, "feeding_machine_002"],
        [None],
        [[ENTRY]],
        [{k: v for k, v in ENTRY.items() if k != "deviceId"}],
        [{**ENTRY, "deviceId": None}],
        [{**ENTRY, "deviceId": ""}],
        [{**ENTRY, "deviceId": {"value": "x"}}],
        [{**ENTRY, "deviceId": ["x"]}],
    ],
)
def test_parse_device_list_malformed(body: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_device_list(body)


# --- parse_location / parse_stream ---------------------------------------------


def test_parse_location_full() -> None:
    location = parse_location(
        {
            "latitude": 40.7128,
            "longitude": -74.006,
            "accuracy": 5.2,
            "altitude": "10.5",
            "speed": 0,
            "heading": 0,
            "timestamp": "2024-01-15T10:30:00Z",
            "address": "New York, NY, USA",
            "batteryLevel": 85,
        }
    )
    assert location.latitude == 40.7128
    assert location.longitude == -74.006
    assert location.accuracy == 5.2
    assert location.altitude == 10.5
    assert location.speed == 0.0
    assert location.heading == 0.0
    assert location.timestamp == JAN_15
    assert location.address == "New York, NY, USA"


def test_parse_location_aliases_and_unknowns() -> None:
    location = parse_location(
        {"lat": "51.5", "lng": "-0.12", "accuracy": "n/a", "timestamp": "soon"}
    )
    assert (location.latitude, location.longitude) == (51.5, -0.12)
    assert location.accuracy is None
    assert location.altitude is None
    assert location.timestamp is None
    assert location.address is None
    assert parse_location({"lat": 1, "lon": 2}).longitude == 2.0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"latitude": 40.7},
        {"longitude": -74.0},
        {"latitude": None, "longitude": None},
        {"latitude": "north", "longitude": -74.0},
        {"latitude": True, "longitude": False},
        {"latitude": 91, "longitude": 0},
        {"latitude": -90.5, "longitude": 0},
        {"latitude": 0, "longitude": 180.1},
        {"latitude": 0, "longitude": -181},
        {"latitude": float("nan"), "longitude": 0},
    ],
)
def test_parse_location_rejects(data: dict[str, Any]) -> None:
    with pytest.raises(BadResponseError):
        parse_location(data)


def test_parse_location_bounds_are_inclusive() -> None:
    assert parse_location({"latitude": 90, "longitude": -180}).latitude == 90.0
    assert parse_location({"latitude": -90, "longitude": 180}).longitude == 180.0


def test_parse_stream() -> None:
    stream = parse_stream(
        {
            "streamUrl": "https://stream.onenata.com/live/camera_001/playlist.m3u8",
            "thumbnailUrl": "https://cdn.onenata.com/thumbnails/camera_001.jpg",
            "quality": "1080p",
            "fps": 30,
            "audioEnabled": True,
            "expiresAt": "2024-01-15T12:30:00Z",
        }
    )
    assert stream.stream_url == (
        "https://stream.onenata.com/live/camera_001/playlist.m3u8"
    )
    assert stream.thumbnail_url == "https://cdn.onenata.com/thumbnails/camera_001.jpg"
    assert stream.expires_at == datetime(2024, 1, 15, 12, 30, tzinfo=UTC)

    minimal = parse_stream({"url": "https://example.com/a.m3u8", "expiresAt": "x"})
    assert minimal.stream_url == "https://example.com/a.m3u8"
    assert minimal.thumbnail_url is None
    assert minimal.expires_at is None


@pytest.mark.parametrize(
    "data", [{}, {"streamUrl": None}, {"streamUrl": ""}, {"streamUrl": ["x"]}]
)
def test_parse_stream_rejects(data: dict[str, Any]) -> None:
    with pytest.raises(BadResponseError):
        parse_stream(data)


# --- Retry-After -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("30", 30.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("-10", 0.0),
        ("1.5", 1.5),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: retry now
        ("Wed, 99 Oct 2015 07:28:00 GMT", None),
    ],
)
def test_retry_after(header: str | None, expected: float | None) -> None:
    assert onenata._retry_after(header) == expected


@pytest.mark.parametrize("usegmt", [True, False])
def test_retry_after_http_date(usegmt: bool) -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    header = email.utils.format_datetime(when, usegmt=usegmt)
    result = onenata._retry_after(header)
    assert result is not None
    assert 115 <= result <= 120


def test_retry_after_http_date_without_zone_is_utc() -> None:
    when = datetime.now(UTC) + timedelta(seconds=300)
    header = email.utils.format_datetime(when.replace(tzinfo=None))  # "-0000"
    assert header.endswith("-0000")
    result = onenata._retry_after(header)
    assert result is not None
    assert 295 <= result <= 300


def test_retry_after_http_date_with_offset() -> None:
    when = (datetime.now(UTC) + timedelta(seconds=60)).astimezone(
        timezone(timedelta(hours=-5))
    )
    result = onenata._retry_after(email.utils.format_datetime(when))
    assert result is not None
    assert 55 <= result <= 60


# --- the vendor package stays free of Home Assistant --------------------------

PACKAGE = Path(parse.__file__).resolve().parent  # .../petsmart_hub/vendors


def _imports(path: Path) -> list[tuple[str, int]]:
    """Return (module, relative level) of every import in a source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
            if node.level and not node.module:
                found.extend((alias.name, node.level) for alias in node.names)
    return found


def _resolve(path: Path, module: str, level: int) -> Path | None:
    """Return the source file a relative import of ``path`` refers to."""
    base = path.parent
    for _ in range(level - 1):
        base = base.parent
    target = base.joinpath(*module.split(".")) if module else base
    if target.with_suffix(".py").is_file():
        return target.with_suffix(".py")
    if (target / "__init__.py").is_file():
        return target / "__init__.py"
    return None


def test_vendor_modules_do_not_import_homeassistant() -> None:
    """Scan vendors/*.py and every module they import relatively (model.py)."""
    sources = sorted(PACKAGE.glob("*.py"))
    assert {p.name for p in sources} >= {
        "__init__.py",
        "base.py",
        "onenata.py",
        "parse.py",
    }
    to_check = list(sources)
    checked: set[Path] = set()
    offenders: list[str] = []
    while to_check:
        path = to_check.pop()
        if path in checked:
            continue
        checked.add(path)
        text = path.read_text(encoding="utf-8")
        if "homeassistant" in text.replace("Home Assistant", ""):
            offenders.append(f"{path.name} mentions homeassistant")
        for module, level in _imports(path):
            if level == 0:
                if module.split(".")[0] == "homeassistant":
                    offenders.append(f"{path.name} imports {module}")
                continue
            target = _resolve(path, module, level)
            # Follow modules, and the vendors package itself; not the
            # integration's own __init__.py, which is HA glue by design.
            if target is not None and (
                target.name != "__init__.py" or target.parent == PACKAGE
            ):
                to_check.append(target)
    # model.py is reached through the relative imports and checked too.
    assert PACKAGE.parent / "model.py" in checked
    assert offenders == []


def test_import_scan_catches_homeassistant(tmp_path: Path) -> None:
    """The scanner itself notices the imports it is meant to forbid."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import homeassistant.core\n"
        "from homeassistant.helpers import entity\n"
        "from .sibling import x\n"
        "from . import other\n",
        encoding="utf-8",
    )
    assert _imports(bad) == [
        ("homeassistant.core", 0),
        ("homeassistant.helpers", 0),
        ("sibling", 1),
        ("", 1),
        ("other", 1),
    ]
