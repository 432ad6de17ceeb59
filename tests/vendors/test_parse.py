"""The forgiving JSON converters of vendors/parse.py and the pure parsers."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
import logging
from pathlib import Path
from typing import Any

import pytest

from custom_components.petsmart_hub.model import (
    DeviceKind,
    FeederState,
    Location,
    TrackerState,
)
from custom_components.petsmart_hub.vendors import onenata, parse
from custom_components.petsmart_hub.vendors.base import BadResponseError
from custom_components.petsmart_hub.vendors.onenata import (
    DeviceListing,
    kind_from_type,
    parse_device_list,
    parse_location,
    parse_stream,
)
from custom_components.petsmart_hub.vendors.parse import (
    ParseReport,
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
    listing = parse_device_list(body)
    assert listing.unreadable == 0
    (device,) = listing.entries
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
    report = ParseReport()
    listing = parse_device_list(
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
        },
        report,
    )
    assert [
        (d.device_id, d.device_type, d.kind, d.serial, d.model, d.name, d.firmware)
        for d in listing.entries
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
    # unsupported or untyped entries are still listed: the account decides
    assert listing.unreadable == 0
    assert report == ParseReport()


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"code": 200, "msg": "Success", "data": []},
        {"code": 200, "msg": "Success", "data": {"devices": [], "total": 0}},
    ],
)
def test_parse_device_list_empty(body: Any) -> None:
    assert parse_device_list(body) == DeviceListing([], unreadable=0)


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
        # a list none of whose entries can be read
        [None],
        [[ENTRY]],
        [{k: v for k, v in ENTRY.items() if k != "deviceId"}],
        [{**ENTRY, "deviceId": None}],
        [{**ENTRY, "deviceId": ""}],
        [{**ENTRY, "deviceId": {"value": "x"}}],
        [{**ENTRY, "deviceId": ["x"]}],
        ["feeding_machine_001", "feeding_machine_002"],
    ],
)
def test_parse_device_list_malformed(body: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_device_list(body)


NO_ID = {k: v for k, v in ENTRY.items() if k != "deviceId"}


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (["feeding_machine_002"], "not an object"),
        ([None], "not an object"),
        ([[ENTRY]], "not an object"),
        ([NO_ID], "no deviceId"),
        ([{**ENTRY, "deviceId": None}], "no deviceId"),
        ([{**ENTRY, "deviceId": ""}], "no deviceId"),
        ([{**ENTRY, "deviceId": ["x"]}], "no deviceId"),
        ([42, NO_ID, "x"], "not an object"),
    ],
)
def test_parse_device_list_skips_unreadable_entries(
    bad: list[Any], why: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Readable entries survive unreadable ones; the listing says it is short."""
    report = ParseReport()
    with caplog.at_level(logging.DEBUG, logger=parse.__name__):
        listing = parse_device_list({"code": 200, "data": [*bad, ENTRY, *bad]}, report)
    assert [entry.device_id for entry in listing.entries] == ["feeding_machine_001"]
    assert listing.unreadable == 2 * len(bad)
    assert report.skipped == {"device list entry": 2 * len(bad)}
    assert report.rejected == {}
    # logged once (the first reason), at debug
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, f"Skipping an unreadable device list entry: {why}")
    ]


def test_parse_device_list_without_a_report() -> None:
    listing = parse_device_list([ENTRY, None])
    assert (len(listing.entries), listing.unreadable) == (1, 1)


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


@pytest.mark.parametrize(
    ("converter", "value", "expected"),
    [
        (to_float, 10**400, None),
        (to_float, -(10**400), None),
        (to_int, 10**400, None),
        (to_bool, 10**400, True),  # any non-zero integer is true, as 2 is
        (to_bool, 0 * 10**400, False),
        (to_datetime, 10**400, None),
        (to_datetime, -(10**400), None),
    ],
)
def test_converters_survive_integers_too_large_for_a_float(
    converter: Any, value: int, expected: Any
) -> None:
    """A 400-digit JSON integer is unknown (or a plain boolean), never a crash."""
    assert converter(value) is expected


# --- ParseReport ---------------------------------------------------------------------


def test_parse_report_counts_and_logs_each_kind_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    report = ParseReport()
    with caplog.at_level(logging.DEBUG, logger=parse.__name__):
        report.skip("schedule", "no start")
        report.skip("schedule", "no end")
        report.skip("zone entry", "no ith")
        report.reject("moisture", 150)
        report.reject("moisture", -3)
        report.reject("battery", "x" * 100)
    assert report.skipped == {"schedule": 2, "zone entry": 1}
    assert report.rejected == {"moisture": 2, "battery": 1}
    assert [r.levelno for r in caplog.records] == [logging.DEBUG] * 4
    messages = [r.getMessage() for r in caplog.records]
    assert messages[:3] == [
        "Skipping an unreadable schedule: no start",
        "Skipping an unreadable zone entry: no ith",
        "Ignoring moisture = 150: not a plausible reading",
    ]
    # a long value is cut short in the log
    assert (
        messages[3] == f"Ignoring battery = {"'" + 'x' * 39}: not a plausible reading"
    )
    assert report.as_dict() == {
        "skipped_entries": {"schedule": 2, "zone entry": 1},
        "rejected_values": {"battery": 1, "moisture": 2},
    }
    assert list(report.as_dict()["rejected_values"]) == ["battery", "moisture"]
    assert ParseReport().as_dict() == {"skipped_entries": {}, "rejected_values": {}}


def test_parse_report_drop_implausible_counts_what_it_drops() -> None:
    report = ParseReport()
    state = FeederState(food_level=250, capacity=2000, feeds_today=-1)
    report.drop_implausible(state)
    assert (state.food_level, state.capacity, state.feeds_today) == (None, 2000, None)
    tracker = TrackerState(location=Location(latitude=95, longitude=0))
    report.drop_implausible(tracker, prefix="gps.")
    assert tracker.location is None
    assert report.rejected == {
        "food_level": 1,
        "feeds_today": 1,
        "gps.location.latitude": 1,
    }
    report.drop_implausible(state)  # nothing left: nothing counted
    assert sum(report.rejected.values()) == 3
    assert report.skipped == {}


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
    """Scan vendors/ (each vendor's package too) and what they import (model.py)."""
    sources = sorted(PACKAGE.rglob("*.py"))
    assert {p.relative_to(PACKAGE).as_posix() for p in sources} >= {
        "__init__.py",
        "base.py",
        "http.py",
        "parse.py",
        "netro/__init__.py",
        "netro/client.py",
        "netro/account.py",
        "netro/budget.py",
        "onenata/__init__.py",
        "onenata/client.py",
        "onenata/account.py",
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
            # Follow modules, and the vendors packages; not the integration's
            # own __init__.py, which is HA glue by design.
            if target is not None and (
                target.name != "__init__.py"
                or target.parent == PACKAGE
                or PACKAGE in target.parents
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
