"""Ninja Blocks' answers parsed and mapped (no cloud, no Home Assistant).

Every listing shape, every row of the contract's device_type table, the
DA words, implausible values, the LED's colour both ways, sub-devices,
the events a report fires, history points and every pushed body shape.
"""

from __future__ import annotations

from datetime import UTC, datetime
import math
from typing import Any

import pytest

from custom_components.petsmart_hub.model import (
    Action,
    Detection,
    Device,
    DeviceKind,
    EventType,
    Feature,
    LightMode,
    LightState,
    Measurement,
)
from custom_components.petsmart_hub.vendors.base import (
    BadResponseError,
    PushRejectedError,
)
from custom_components.petsmart_hub.vendors.ninjablocks import (
    BLACK,
    LAST_CODE,
    MALFORMED,
    MANUFACTURER,
    RF_MODEL,
    WEBHOOK_MODEL,
    parse_history,
    parse_listing,
    parse_push,
    parse_rgb,
    rgb_hex,
    split_subdevice_id,
    subdevice_id,
    truthy,
)
from custom_components.petsmart_hub.vendors.ninjablocks.payloads import (
    MAX_TEXT,
    Entry,
    Report,
    build_block,
    build_device,
    build_subdevice,
    events_of,
    is_newer,
    light_of,
    node_of,
    parse_callback_url,
    parse_created_id,
    parse_device,
    parse_heartbeat,
)
from custom_components.petsmart_hub.vendors.parse import ParseReport

from .conftest import (
    DOORBELL,
    DOORBELL_CODE,
    GUIDS,
    HOOK_OUT,
    LAMP_ON,
    LED,
    NODE,
    RF,
    RF_CODE,
    SMS,
    START,
    T0_MS,
    TEMPERATURE,
    TICKLE,
    WEBHOOK,
    device,
    devices,
    heartbeat,
)

AT = datetime.fromtimestamp((T0_MS - 60_000) / 1000, UTC)
GUID = f"{NODE}_0_0_99"


def entry_of(item: dict[str, Any], report: ParseReport | None = None) -> Entry:
    return parse_device(
        {**item, "guid": item.get("guid", GUID)}, report or ParseReport()
    )


def mapped(
    device_type: str, da: Any, held: Device | None = None, **extra: Any
) -> tuple[Device, ParseReport]:
    report = ParseReport()
    entry = entry_of(device(GUID, device_type, da, **extra), report)
    return build_device(entry, held, report, START), report


# --- the listing ------------------------------------------------------------------------


def test_the_doc_listing_an_object_keyed_by_guid() -> None:
    report = ParseReport()
    listing = parse_listing(devices(), report)

    assert [entry.guid for entry in listing.entries] == GUIDS
    assert listing.unreadable == 0
    assert listing.nodes == [NODE]  # the webhook service is on no block
    hook = next(entry for entry in listing.entries if entry.guid == WEBHOOK)
    assert hook.node is None
    assert {sub.node for sub in hook.subs} == {WEBHOOK}  # they hang under it
    rf = next(entry for entry in listing.entries if entry.guid == RF)
    assert [sub.id for sub in rf.subs] == [DOORBELL, LAMP_ON]
    assert rf.subs[0].device_id == f"{RF}:{DOORBELL}"
    assert rf.subs[0].code == DOORBELL_CODE
    # the SMS sub-device is skipped, and said so
    assert listing.skipped == {f"{WEBHOOK}:{SMS}"}
    assert report.skipped["sub-device"] == 1


def test_a_list_of_devices_each_with_its_guid() -> None:
    items = [{**item, "guid": guid} for guid, item in devices().items()]
    items.append({**items[0]})  # a duplicate is read once
    items.append({"device_type": "humidity"})  # no GUID: unreadable
    items.append("garbage")
    report = ParseReport()

    listing = parse_listing(items, report)

    assert [entry.guid for entry in listing.entries] == GUIDS
    assert listing.unreadable == 2
    assert report.skipped["device list entry"] == 2


@pytest.mark.parametrize("data", [None, "devices", 3])
def test_a_listing_that_is_neither_object_nor_list(data: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_listing(data, ParseReport())


def test_an_empty_listing() -> None:
    assert parse_listing({}, ParseReport()).entries == []
    assert parse_listing([], ParseReport()).nodes == []


@pytest.mark.parametrize(
    "subs",
    [
        [],
        {},
        None,
        "nothing",
    ],
)
def test_empty_sub_devices_in_every_shape(subs: Any) -> None:
    item = device(RF, "rf433", RF_CODE)
    item["subDevices"] = subs
    assert entry_of(item).subs == []


def test_sub_devices_as_a_list_of_objects_and_unreadable_ones() -> None:
    report = ParseReport()
    item = device(
        RF,
        "rf433",
        RF_CODE,
        subs=[
            {"id": "A1", "category": "RF", "type": "Actuator", "data": "0101010101"},
            {"category": "rf"},  # no id
            "B2",
            {"id": "C3", "category": "zigbee"},
            {"id": "D4", "category": "rf", "type": "remote", "data": "not bits"},
        ],
    )
    entry = entry_of(item, report)

    assert [sub.id for sub in entry.subs] == ["A1", "D4"]
    assert entry.subs[0].type == "actuator"
    assert entry.subs[1].type is None
    assert entry.subs[1].code is None
    assert report.skipped["sub-device"] == 3


def test_one_device_answer_needs_its_guid() -> None:
    with pytest.raises(BadResponseError):
        parse_device({"device_type": "humidity"}, ParseReport())
    with pytest.raises(BadResponseError):
        parse_device([], ParseReport())


def test_a_node_missing_is_the_guids_serial() -> None:
    item = device(GUID, "humidity", 50)
    del item["node"]
    assert entry_of(item).node == NODE
    assert node_of("nounderscore") is None


# --- the device_type table ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_type", "da", "measurement", "value"),
    [
        ("temperature", 26.6, Measurement.TEMPERATURE, 26.6),
        ("Temperature", "24.9", Measurement.TEMPERATURE, 24.9),
        ("humidity", 58, Measurement.HUMIDITY, 58),
        ("light", 320, Measurement.ILLUMINANCE, 320),
        # the doc is silent: a distance's DA in cm, kept in m
        ("distance", 150, Measurement.DISTANCE, 1.5),
    ],
)
def test_readings(
    device_type: str, da: Any, measurement: Measurement, value: float
) -> None:
    found, _ = mapped(device_type, da, has_time_series=1)

    assert found.kind is DeviceKind.GENERIC
    assert found.readings == {measurement: value}
    assert found.measures == frozenset({measurement})
    assert found.actions == frozenset({Action.RENAME})
    assert found.features == frozenset({Feature.HISTORY})
    assert found.manufacturer == MANUFACTURER
    assert found.via_device == NODE
    assert found.last_report == AT
    assert found.generic is not None
    assert found.generic.measured_at == AT
    assert found.online is None
    assert found.updated_at == START


@pytest.mark.parametrize(
    ("device_type", "da"),
    [
        ("temperature", 500),
        ("temperature", "hot"),
        ("humidity", 120),
        ("light", -5),
        ("distance", 20_000),  # 200 m: no ranger sees that far
        ("distance", True),
    ],
)
def test_implausible_readings_are_dropped(device_type: str, da: Any) -> None:
    found, report = mapped(device_type, da)
    assert found.readings == {}
    assert found.measures  # still what it measures
    assert sum(report.rejected.values()) == 1


@pytest.mark.parametrize(
    ("device_type", "detection"),
    [
        ("pir", Detection.MOTION),
        ("motion", Detection.MOTION),
        ("contact", Detection.OPENING),
        ("door", Detection.OPENING),
        ("window", Detection.OPENING),
        ("reed", Detection.OPENING),
        ("button", Detection.PRESS),
    ],
)
@pytest.mark.parametrize(
    ("da", "state"),
    [
        (1, True),
        ("1", True),
        (True, True),
        ("on", True),
        ("OPEN", True),
        ("true", True),
        (0, False),
        ("0", False),
        (False, False),
        ("off", False),
        ("Closed", False),
        ("false", False),
    ],
)
def test_detections_and_their_words(
    device_type: str, detection: Detection, da: Any, state: bool
) -> None:
    found, _ = mapped(device_type, da)
    assert found.detections == {detection: state}


@pytest.mark.parametrize("da", ["maybe", 2, 0.5, [], None, math.nan])
def test_words_that_are_no_reading(da: Any) -> None:
    assert truthy(da) is None
    found, report = mapped("contact", "x" if da is None else da)
    assert found.detections == {}
    assert sum(report.rejected.values()) == 1


def test_an_unreported_device_has_no_reading() -> None:
    found, report = mapped("contact", None)
    assert found.detections == {}
    assert found.last_report is None
    assert not report.rejected
    item = device(GUID, "humidity", 50)
    item["last_data"] = {}
    assert build_device(entry_of(item), None, ParseReport()).readings == {}
    del item["last_data"]
    assert entry_of(item).report == Report()


def test_an_absurd_timestamp_is_no_moment() -> None:
    found, _ = mapped("humidity", 50, at_ms=0)
    assert found.last_report is None
    assert found.readings == {Measurement.HUMIDITY: 50}


@pytest.mark.parametrize("device_type", ["rgbled", "led", "RGBLED"])
def test_an_rgb_led(device_type: str) -> None:
    found, _ = mapped(device_type, "22B42B")

    assert found.actions == frozenset({Action.RENAME, Action.SET_LIGHT})
    assert found.light is not None
    assert found.light.modes == frozenset({LightMode.RGB})
    assert found.light.on is True
    # the colour at full brightness, and how bright it shows
    assert found.light.rgb == (48, 255, 61)
    assert found.light.brightness == pytest.approx(70.6)


def test_a_black_led_is_off_and_keeps_its_colour() -> None:
    held, _ = mapped("rgbled", "FF0080")
    found, _ = mapped("rgbled", "000000", held)
    assert found.light == LightState(
        modes=frozenset({LightMode.RGB}), on=False, rgb=(255, 0, 128), brightness=100
    )
    first, _ = mapped("rgbled", "#000000")
    assert first.light is not None
    assert (first.light.on, first.light.rgb, first.light.brightness) == (
        False,
        None,
        None,
    )


def test_an_unreadable_led_colour_keeps_the_colour_held() -> None:
    held, _ = mapped("rgbled", "FF0080")
    found, report = mapped("rgbled", "purple", held)
    assert found.light is not None
    assert (found.light.on, found.light.rgb) == (None, (255, 0, 128))
    assert sum(report.rejected.values()) == 1
    unheld, _ = mapped("rgbled", "purple")
    assert unheld.light == LightState(modes=frozenset({LightMode.RGB}))


@pytest.mark.parametrize(
    ("da", "channels"),
    [
        ("22B42B", (0x22, 0xB4, 0x2B)),
        ("#ff00ff", (255, 0, 255)),
        ("ff00FF", (255, 0, 255)),
        (" 00ff00 ", (0, 255, 0)),
        ("GG0000", None),
        ("12345", None),
        ("#1234567", None),
        (0xFF00FF, None),
    ],
)
def test_rgb_hex_parsing(da: Any, channels: tuple[int, int, int] | None) -> None:
    assert parse_rgb(da) == channels


def test_the_colour_round_trip() -> None:
    """SetLight(rgb=(255, 0, 128), brightness=50) and back."""
    da = rgb_hex((255, 0, 128), 50)
    assert da == "800040"
    channels = parse_rgb(da)
    assert channels is not None
    on, rgb, brightness = light_of(channels, None)
    assert on is True
    assert rgb == (255, 0, 128)
    assert brightness == pytest.approx(50, abs=0.5)


@pytest.mark.parametrize(
    ("rgb", "brightness", "da"),
    [
        ((255, 255, 255), 100, "FFFFFF"),
        ((128, 0, 0), 100, "FF0000"),  # the colour is scaled to full first
        ((255, 0, 0), 0, BLACK),
        ((0, 0, 0), 100, "FFFFFF"),  # no colour: white
        ((255, 0, 0), 0.1, "010000"),  # very dim still glows
        ((255, 0, 0), 150, "FF0000"),
    ],
)
def test_rgb_hex_scaling(rgb: tuple[int, int, int], brightness: float, da: str) -> None:
    assert rgb_hex(rgb, brightness) == da


@pytest.mark.parametrize("device_type", ["relay", "switch", "socket", "plug"])
def test_a_relay(device_type: str) -> None:
    found, _ = mapped(device_type, "1", is_sensor=0)
    assert found.power is True
    assert found.actions == frozenset({Action.RENAME, Action.SET_POWER})
    off, _ = mapped(device_type, 0, is_sensor=0)
    assert off.power is False


def test_a_relay_whose_word_is_unreadable_keeps_its_state() -> None:
    held, _ = mapped("relay", "on")
    found, report = mapped("relay", "??", held)
    assert found.power is True
    assert sum(report.rejected.values()) == 1
    unheld, _ = mapped("relay", None)
    assert unheld.power is None


def test_an_rf433_hub() -> None:
    found, _ = mapped("rf433", RF_CODE)
    assert found.values == {LAST_CODE: RF_CODE}
    assert found.actions == frozenset({Action.RENAME, Action.ADD_SUBDEVICE})
    for bad in ("0102", 1010101010, "01"):
        garbled, report = mapped("rf433", bad)
        assert garbled.values == {}
        assert sum(report.rejected.values()) == 1


@pytest.mark.parametrize("device_type", ["webcam", "camera"])
def test_a_webcam(device_type: str) -> None:
    found, _ = mapped(device_type, "anything", has_time_series=1)
    assert found.kind is DeviceKind.CAMERA
    assert found.features == frozenset({Feature.SNAPSHOT, Feature.HISTORY})
    assert found.actions == frozenset({Action.RENAME})
    assert found.values == {}
    assert found.last_report == AT


@pytest.mark.parametrize("device_type", ["webhook", "sms"])
def test_hubs_of_webhooks_and_sms(device_type: str) -> None:
    found, report = mapped(device_type, "something")
    assert (found.readings, found.values, found.detections) == ({}, {}, {})
    assert found.power is None
    assert found.light is None
    assert not report.rejected


def test_anything_else_a_sensor_reports_is_a_value() -> None:
    number, _ = mapped("Pressure", "1013.2")
    assert number.values == {"pressure": 1013.2}
    text, _ = mapped("colour", " blue " + "x" * 400)
    assert text.values["colour"] == ("blue " + "x" * 400)[:MAX_TEXT]
    nothing, report = mapped("colour", {"not": "scalar"})
    assert nothing.values == {}
    assert sum(report.rejected.values()) == 1
    untyped, _ = mapped("", 3)
    assert untyped.values == {"value": 3}
    actuator, _ = mapped("gizmo", 3, is_sensor=0)
    assert actuator.values == {}


def test_names_and_models() -> None:
    named, _ = mapped("humidity", 50, name="Bathroom")
    assert (named.name, named.name_reported, named.model) == (
        "Bathroom",
        True,
        "Humidity",
    )
    item = device(GUID, "humidity", 50)
    del item["shortName"]
    unnamed = build_device(entry_of(item), None, ParseReport())
    assert (unnamed.name, unnamed.name_reported) == ("Humidity", False)
    del item["default_name"]
    bare = build_device(entry_of(item), None, ParseReport())
    assert (bare.name, bare.name_reported, bare.model) == (GUID, False, None)


def test_a_block() -> None:
    block = build_block(NODE, AT)
    assert block.id == NODE
    assert block.kind is DeviceKind.GATEWAY
    assert block.name == f"Ninja Block {NODE}"
    assert (block.model, block.serial, block.manufacturer) == (
        "Ninja Block",
        NODE,
        MANUFACTURER,
    )
    assert block.actions == frozenset()
    assert block.last_report == AT


def test_sub_devices() -> None:
    listing = parse_listing(devices(), ParseReport())
    subs = {
        sub.device_id: build_subdevice(sub)
        for entry in listing.entries
        for sub in entry.subs
    }
    base = {Action.RENAME, Action.UPDATE_SUBDEVICE, Action.REMOVE_SUBDEVICE}

    doorbell = subs[f"{RF}:{DOORBELL}"]
    assert (doorbell.name, doorbell.model, doorbell.via_device) == (
        "Door Bell",
        RF_MODEL,
        NODE,
    )
    assert doorbell.actions == base
    assert doorbell.features == frozenset({Feature.CODE_EVENTS, Feature.HISTORY})
    assert subs[f"{RF}:{LAMP_ON}"].actions == base | {Action.TRANSMIT}
    tickle = subs[f"{WEBHOOK}:{TICKLE}"]
    assert (tickle.model, tickle.actions) == (WEBHOOK_MODEL, base | {Action.TRANSMIT})
    hook = subs[f"{WEBHOOK}:{HOOK_OUT}"]
    assert (hook.actions, hook.features) == (base, frozenset({Feature.HISTORY}))
    assert f"{WEBHOOK}:{SMS}" not in subs

    unnamed = parse_listing(
        {RF: device(RF, "rf433", RF_CODE, subs={"Z": {"category": "rf"}})},
        ParseReport(),
    )
    sub = build_subdevice(unnamed.entries[0].subs[0])
    assert (sub.name, sub.name_reported) == (f"{RF_MODEL} Z", False)
    assert sub.actions == base  # an actuator without a code sends nothing


def test_sub_device_ids() -> None:
    assert subdevice_id(RF, DOORBELL) == f"{RF}:{DOORBELL}"
    assert split_subdevice_id(f"{RF}:{DOORBELL}") == (RF, DOORBELL)
    assert split_subdevice_id(RF) is None
    assert split_subdevice_id(f"{RF}:") is None


# --- events ----------------------------------------------------------------------------


def held_at(moment: datetime | None) -> Device:
    return Device(
        id=GUID,
        kind=DeviceKind.GENERIC,
        name="x",
        manufacturer=MANUFACTURER,
        last_report=moment,
    )


def test_a_report_is_new_only_against_an_older_one_held() -> None:
    report = Report(da=1, at=AT, has_da=True)
    assert is_newer(report, held_at(None))
    assert is_newer(report, held_at(datetime(2020, 1, 1, tzinfo=UTC)))
    assert not is_newer(report, held_at(AT))
    assert not is_newer(report, None)  # nothing held: the first poll
    assert not is_newer(Report(da=1, has_da=True), held_at(None))


@pytest.mark.parametrize(
    ("device_type", "da", "events"),
    [
        ("pir", 1, [EventType.MOTION]),
        ("pir", 0, []),  # motion has no "over" event
        ("contact", "open", [EventType.OPENED]),
        ("contact", "closed", [EventType.CLOSED]),
        ("button", 1, [EventType.PRESSED]),
        ("button", 0, [EventType.RELEASED]),
        ("temperature", 20, []),
        ("contact", "ajar", []),
    ],
)
def test_detection_events(device_type: str, da: Any, events: list[EventType]) -> None:
    entry = entry_of(device(GUID, device_type, da))
    found = build_device(entry, None, ParseReport())
    fired = events_of(entry, found)
    assert [event.type for event in fired] == events
    assert all(event.device_id == GUID and event.at == AT for event in fired)


def test_a_code_fires_received_on_its_rf_sensor_sub_devices() -> None:
    subs = rf_subs_with_twin()
    entry = entry_of({**device(RF, "rf433", DOORBELL_CODE, subs=subs), "guid": RF})
    found = build_device(entry, None, ParseReport())

    fired = events_of(entry, found)

    assert [(event.device_id, event.type, event.data) for event in fired] == [
        (f"{RF}:{DOORBELL}", EventType.RECEIVED, {"code": DOORBELL_CODE}),
        (f"{RF}:TWIN", EventType.RECEIVED, {"code": DOORBELL_CODE}),
    ]
    other = entry_of({**device(RF, "rf433", "1111000011110000", subs=subs), "guid": RF})
    assert events_of(other, build_device(other, None, ParseReport())) == []


def rf_subs_with_twin() -> dict[str, Any]:
    return {
        DOORBELL: {"category": "rf", "type": "sensor", "data": DOORBELL_CODE},
        "TWIN": {"category": "rf", "type": "sensor", "data": DOORBELL_CODE},
        # an actuator sends the code: hearing it is no event of its own
        "SEND": {"category": "rf", "type": "actuator", "data": DOORBELL_CODE},
        "OTHER": {"category": "rf", "type": "sensor", "data": RF_CODE},
    }


# --- heartbeats, callbacks, created ids ------------------------------------------------


def test_a_heartbeat() -> None:
    report = parse_heartbeat(heartbeat(TEMPERATURE, 24.9, T0_MS))
    assert report == Report(da=24.9, at=START, has_da=True)
    assert parse_heartbeat({"GUID": TEMPERATURE}) == Report()
    with pytest.raises(BadResponseError):
        parse_heartbeat(None)


def test_callback_urls_and_created_ids() -> None:
    assert parse_callback_url({"url": "http://x/y"}) == "http://x/y"
    assert parse_callback_url({}) is None
    assert parse_callback_url(None) is None
    assert parse_created_id({"id": "LA9EJ", "token": "t"}) == "LA9EJ"
    assert parse_created_id({"id": ""}) is None
    assert parse_created_id([]) is None


# --- history ---------------------------------------------------------------------------


def test_history_points_in_both_time_shapes_oldest_first() -> None:
    report = ParseReport()
    points = parse_history(
        [
            {"t": "2012-12-18T00:00:00.000+0000", "v": 26.560000000000002},
            {"t": 1355702400000, "v": 25},  # ms since the epoch (the contract)
            {"t": "2012-12-19T00:00:00.000+0000", "v": math.nan},
            {"t": "2012-12-19T00:00:00.000+0000", "v": "26"},
            {"t": "2012-12-19T00:00:00.000+0000", "v": True},
            {"t": "yesterday", "v": 1},
            "garbage",
        ],
        report,
    )

    assert [(point.at.isoformat(), point.value) for point in points] == [
        ("2012-12-17T00:00:00+00:00", 25.0),
        ("2012-12-18T00:00:00+00:00", 26.560000000000002),
    ]
    assert report.skipped["history point"] == 5
    assert parse_history(None, report) == []
    with pytest.raises(BadResponseError):
        parse_history({"t": 1}, report)


# --- pushed bodies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        # 1. the heartbeat's shape (what the simulator sends)
        heartbeat(TEMPERATURE, 24.9, T0_MS),
        # 2. lower case
        {"guid": TEMPERATURE, "da": 24.9, "timestamp": T0_MS},
        {"guid": TEMPERATURE, "DA": 24.9, "timestamp": str(T0_MS)},
        # 3. wrapped, or in a full envelope
        {"data": heartbeat(TEMPERATURE, 24.9, T0_MS)},
        {
            "result": 1,
            "error": None,
            "id": 0,
            "data": heartbeat(TEMPERATURE, 24.9, T0_MS),
        },
        {"data": {"data": {"guid": TEMPERATURE, "da": 24.9, "timestamp": T0_MS}}},
        # 4. no GUID: node, G, V, D
        {"node": NODE, "G": "0301", "V": 0, "D": 31, "DA": 24.9, "timestamp": T0_MS},
    ],
)
def test_every_pushed_shape(body: Any) -> None:
    assert parse_push(body, START.replace(year=2030)) == (
        TEMPERATURE,
        Report(da=24.9, at=START, has_da=True),
    )


def test_a_push_without_its_time_is_as_it_arrived() -> None:
    guid, report = parse_push({"guid": LED, "da": "FF0000"}, START)
    assert (guid, report.at) == (LED, START)
    _, report = parse_push({"guid": LED, "da": "FF0000", "timestamp": "soon"}, START)
    assert report.at == START


@pytest.mark.parametrize(
    "body",
    [
        None,
        [heartbeat(TEMPERATURE, 1, T0_MS)],
        "text",
        {"timestamp": T0_MS, "DA": 1},  # no GUID, no node/G/V/D
        {"node": NODE, "G": "0301", "V": 0, "DA": 1},  # D missing
        {"guid": TEMPERATURE, "timestamp": T0_MS},  # no DA
        {"guid": TEMPERATURE, "DA": None},
        {"result": 0, "error": "no", "data": heartbeat(TEMPERATURE, 1, T0_MS)},
        {"data": "text"},
    ],
)
def test_malformed_pushes(body: Any) -> None:
    with pytest.raises(PushRejectedError) as caught:
        parse_push(body, START)
    assert caught.value.reason == MALFORMED


def test_the_led_sample_of_the_listing() -> None:
    listing = parse_listing(devices(), ParseReport())
    led = next(entry for entry in listing.entries if entry.guid == LED)
    assert led.reporting
    assert led.is_actuator


def test_an_led_that_never_reported() -> None:
    found, report = mapped("rgbled", None)
    assert found.light == LightState(modes=frozenset({LightMode.RGB}))
    assert not report.rejected
