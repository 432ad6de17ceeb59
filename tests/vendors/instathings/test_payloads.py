"""Instathings' answers parsed: listings, types, data records and a device's data.

Pure functions, no cloud: every shape the doc and the wire contract list,
and the plausible ones the parsing code says it reads as well.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.petsmart_hub.model import LightMode, LightState, Measurement
from custom_components.petsmart_hub.vendors.base import BadResponseError, NotAnApiError
from custom_components.petsmart_hub.vendors.instathings import (
    MAX_TEXT,
    MAX_VALUES,
    map_data,
    parse_listing,
    parse_records,
    parse_types,
)
from custom_components.petsmart_hub.vendors.instathings.payloads import (
    TypeInfo,
    firmware_of,
    is_http_type,
    map_state,
    merge_light,
    normal_modes,
    parse_connectivity,
    parse_protocol,
    unwrap,
)
from custom_components.petsmart_hub.vendors.parse import ParseReport

from .conftest import (
    GATEWAY,
    LAMP,
    PLUG,
    SENSOR,
    SHELLY_STATUS,
    T0_MS,
    devices,
    gateway,
    record,
    sub,
    types,
)


def at_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


# --- the device list ------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrap",
    [
        lambda items: items,
        lambda items: {"data": items},
        lambda items: {"items": items, "total": len(items)},
        lambda items: {"devices": items},
        lambda items: {"data": {"items": items}},
    ],
)
def test_every_listing_shape(wrap: Any) -> None:
    listing = parse_listing(wrap(devices()), ParseReport())

    assert [entry.id for entry in listing.entries] == [
        "iIrGFfgU",
        GATEWAY,
        SENSOR,
        LAMP,
        PLUG,
    ]
    assert listing.project_id == "77JTOK6B"
    assert listing.unreadable == 0
    assert not listing.mentioned


@pytest.mark.parametrize("body", [None, 42, "devices", {"message": "hi"}, {"data": 3}])
def test_a_listing_that_is_none(body: Any) -> None:
    with pytest.raises(NotAnApiError):
        parse_listing(body, ParseReport())


def test_the_gateway_entry() -> None:
    listing = parse_listing(devices(), ParseReport())
    entries = {entry.id: entry for entry in listing.entries}

    hub = entries[GATEWAY]
    assert hub.gateway
    assert hub.sub_devices == (SENSOR, LAMP, PLUG)
    assert hub.firmware == "1.7.1"
    assert hub.connectivity is not None
    assert hub.connectivity.connected
    assert hub.connectivity.at == at_ms(T0_MS - 3_600_000)
    assert entries[SENSOR].parent == GATEWAY
    assert not entries[SENSOR].gateway
    assert entries["iIrGFfgU"].parent is None


def test_sub_devices_as_objects_the_list_does_not_hold() -> None:
    """The by-id view: sub-devices as objects (here without parentDevice)."""
    nested = sub("Zz9", "nested", "t")
    del nested["parentDevice"]
    hub = gateway(subDevices=[nested, "gone1", {"name": "no id"}, 7])
    del hub["isGateway"]  # says nothing: its sub-devices make it a gateway

    listing = parse_listing([hub, hub, 5, {"name": "no id"}], report := ParseReport())

    assert [entry.id for entry in listing.entries] == [GATEWAY, "Zz9"]
    assert listing.entries[0].gateway
    assert listing.entries[1].parent == GATEWAY
    assert listing.mentioned == {"gone1"}
    assert listing.unreadable == 2
    assert report.skipped["device list entry"] == 2


def test_a_sub_device_named_by_its_gateway_gets_its_parent() -> None:
    orphan = sub(SENSOR, "doc", "t")
    del orphan["parentDevice"]

    listing = parse_listing([gateway(subDevices=[SENSOR]), orphan], ParseReport())

    assert listing.entries[1].parent == GATEWAY


def test_sub_devices_as_objects_the_list_holds_too() -> None:
    listing = parse_listing(
        [
            gateway(subDevices=[sub(SENSOR, "nested view", "t")]),
            sub(SENSOR, "doc", "t"),
        ],
        ParseReport(),
    )

    assert [(entry.id, entry.name) for entry in listing.entries] == [
        (GATEWAY, "gateway"),
        (SENSOR, "doc"),
    ]


def test_connectivity() -> None:
    lost = parse_connectivity(
        {
            "eventType": "disconnected",
            "disconnectReason": "CONNECTION_LOST",
            "timestamp": 1588924123011,
        }
    )
    assert lost is not None
    assert (lost.connected, lost.reason, lost.at) == (
        False,
        "CONNECTION_LOST",
        at_ms(1588924123011),
    )
    back = parse_connectivity({"eventType": "CONNECTED", "disconnectReason": "x"})
    assert back is not None
    assert (back.connected, back.reason) == (True, None)
    assert parse_connectivity({"eventType": "paired"}) is None
    assert parse_connectivity("connected") is None


def test_firmware() -> None:
    assert firmware_of({"gate": "instathings/gate:1.7.1"}) == "1.7.1"
    assert firmware_of({"gate": "2.0.0"}) == "2.0.0"
    assert firmware_of("instathings/gate:1.8.0") == "1.8.0"
    assert firmware_of({"gate": "instathings/gate:"}) is None
    assert firmware_of({"other": "1"}) is None
    assert firmware_of(None) is None


# --- types and protocols -------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrap", [lambda t: t, lambda t: {"data": t}, lambda t: {"items": t}]
)
def test_types(wrap: Any) -> None:
    parsed = parse_types(
        wrap([*types(), {"model": "no id"}, "junk"]), report := ParseReport()
    )

    assert len(parsed) == 4
    hue = parsed["4023br5d-9f88-4f31-97c2-0e682aef543f"]
    assert (hue.manufacturer, hue.model, hue.protocols) == (
        "Philips",
        "9290012573A",
        ("vRy6GTde",),
    )
    gate = parsed["4023bd5d-9f88-4761-97c2-0e682aef5437"]
    assert (gate.manufacturer, gate.model) == (None, "Instathings gate")
    assert report.skipped["device type"] == 2
    with pytest.raises(BadResponseError):
        parse_types({"message": "no"}, ParseReport())


def test_protocols_and_http_types() -> None:
    assert parse_protocol({"id": "a", "name": "Zigbee", "slug": "zigbee"}) == "zigbee"
    assert parse_protocol({"id": "a", "name": "HTTP"}) == "http"
    assert parse_protocol({"data": {"slug": "knx"}}) == "knx"
    assert parse_protocol({"id": "a"}) is None
    assert parse_protocol([]) is None

    assert is_http_type(TypeInfo("t", add_on="@instathings/gate-addon-HTTP"), {})
    assert is_http_type(TypeInfo("t", protocols=("p1", "p2")), {"p2": "http"})
    assert not is_http_type(TypeInfo("t", protocols=("p1",)), {"p1": "zigbee"})
    assert not is_http_type(
        TypeInfo("t", add_on="zigbee", protocols=("p9",)), {"p9": None}
    )


# --- data records ---------------------------------------------------------------------------


def test_the_cloud_docs_records_merge_newest_first() -> None:
    body = {
        "data": [
            record({"value": 88, "isVirtualData": True}, 1579597694912),
            record({"value": 33, "isVirtualData": True, "extra": 1}, 1579597755184),
            record({"value": 10, "older": "yes"}, 1579597600000),
        ],
        "totalItems": 3,
    }

    merged = parse_records(body, ParseReport())

    assert merged.data == {
        "value": 33,
        "isVirtualData": True,
        "extra": 1,
        "older": "yes",
    }
    assert merged.at == at_ms(1579597755184)
    assert merged.key_at["older"] == at_ms(1579597600000)
    assert merged.newest(["older", "nothing"]) == at_ms(1579597600000)
    assert merged.newest(["nothing"]) is None


def test_on_premise_records_iso_and_enveloped() -> None:
    body = {
        "data": [
            {
                "_id": "5ec4ecdc11f6c352cf3f372e",
                "data": {"type": "data", "message": {"data": dict(SHELLY_STATUS)}},
                "deviceId": PLUG,
                "ts": "2020-05-20T08:39:55.995Z",
            }
        ],
        "totalItems": 14,
    }

    merged = parse_records(body, ParseReport())

    assert merged.data == SHELLY_STATUS
    assert merged.at == datetime(2020, 5, 20, 8, 39, 55, 995000, tzinfo=UTC)


def test_record_shapes() -> None:
    body = [
        record({"data": 81}, T0_MS),  # the socket's shape: a value called data
        record({"data": {"humidity": 40}}, T0_MS - 1000),  # a lone wrapper
        {"ts": T0_MS - 2000, "deviceId": SENSOR, "temperature": 20, "id": "r1"},
        record({"type": "error", "message": "offline"}, T0_MS + 1000),  # no data
        record([1, 2], T0_MS + 2000),
        "junk",
        record({"late": True}, None),  # type: ignore[arg-type]
    ]

    merged = parse_records(body, report := ParseReport())

    assert merged.data == {"data": 81, "humidity": 40, "temperature": 20, "late": True}
    assert merged.at == at_ms(T0_MS)
    assert merged.key_at["late"] is None
    assert report.skipped["data record"] == 3
    assert parse_records({"data": []}, ParseReport()).at is None
    with pytest.raises(BadResponseError):
        parse_records({"message": "?"}, ParseReport())


def test_unwrap() -> None:
    assert unwrap({"type": "data", "message": {"data": {"a": 1}}}) == {"a": 1}
    assert unwrap({"type": "data", "message": {"a": 2}}) == {"a": 2}
    assert unwrap({"data": {"data": {"a": 3}}}) == {"a": 3}
    assert unwrap({"type": "data", "message": "text"}) is None
    assert unwrap("flat") is None
    assert unwrap({"data": {"data": {"data": {"data": {"a": 4}}}}}) == {
        "data": {"a": 4}
    }


# --- a device's data onto the model ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "measurement", "value"),
    [
        ({"temperature": 21.5}, Measurement.TEMPERATURE, 21.5),
        ({"Temperature": "22.5"}, Measurement.TEMPERATURE, 22.5),
        ({"temp": 20}, Measurement.TEMPERATURE, 20),
        ({"temperature_f": 71.6}, Measurement.TEMPERATURE, 22.0),
        ({"tempF": 32}, Measurement.TEMPERATURE, 0),
        ({"temperature": {"value": 50, "unit": "°F"}}, Measurement.TEMPERATURE, 10.0),
        ({"temperature": {"value": 300, "unit": "K"}}, Measurement.TEMPERATURE, 26.85),
        ({"temperature": {"value": 21, "unit": "°C"}}, Measurement.TEMPERATURE, 21),
        ({"humidity": "45%"}, Measurement.HUMIDITY, 45),
        ({"rh": 50}, Measurement.HUMIDITY, 50),
        ({"soil_moisture": 33}, Measurement.MOISTURE, 33),
        ({"soilMoisture": 34}, Measurement.MOISTURE, 34),
        ({"illuminance_lux": 300, "illuminance": 12000}, Measurement.ILLUMINANCE, 300),
        ({"lux": 200}, Measurement.ILLUMINANCE, 200),
        ({"power": 12.5}, Measurement.POWER, 12.5),
        ({"power": {"value": 1.5, "unit": "kW"}}, Measurement.POWER, 1500),
        ({"energy": 1.25}, Measurement.ENERGY, 1.25),
        ({"energy": {"value": 2500, "unit": "Wh"}}, Measurement.ENERGY, 2.5),
        ({"energy_wh": 1500}, Measurement.ENERGY, 1.5),
        ({"voltage": 230.1}, Measurement.VOLTAGE, 230.1),
        ({"voltage": {"value": 3300, "unit": "mV"}}, Measurement.VOLTAGE, 3.3),
        ({"current": 0.5}, Measurement.CURRENT, 0.5),
        ({"current": {"value": 250, "unit": "mA"}}, Measurement.CURRENT, 0.25),
        ({"co2": 612}, Measurement.CO2, 612),
        ({"eCO2": 700}, Measurement.CO2, 700),
        ({"water_level": 80}, Measurement.WATER_LEVEL, 80),
        ({"linkquality": 110}, Measurement.LINK_QUALITY, 110),
        ({"lqi": 90}, Measurement.LINK_QUALITY, 90),
    ],
)
def test_readings_by_key_and_unit(
    data: dict[str, Any], measurement: Measurement, value: float
) -> None:
    mapped = map_data(data, ParseReport())

    assert mapped.readings[measurement] == pytest.approx(value)
    assert len(mapped.readings) == 1


def test_the_first_alias_wins_and_the_others_stay_values() -> None:
    mapped = map_data(
        {"temp": 19, "temperature": 21, "illuminance": 9000}, ParseReport()
    )

    assert mapped.readings == {
        Measurement.TEMPERATURE: 21,
        Measurement.ILLUMINANCE: 9000,
    }
    assert mapped.values == {"temp": 19.0}


def test_battery_and_unknown_units() -> None:
    mapped = map_data(
        {
            "battery": 91,
            "temperature": {"value": 20, "unit": "bananas"},
            "voltage": {"value": 3, "unit": None},
        },
        report := ParseReport(),
    )

    assert mapped.battery == 91
    assert mapped.readings == {Measurement.VOLTAGE: 3}
    assert "temperature" not in mapped.values
    assert report.rejected["temperature"] == 1


def test_a_word_under_a_reading_key_stays_a_value() -> None:
    mapped = map_data(
        {"power": "ON", "battery": "low", "humidity": None}, ParseReport()
    )

    assert mapped.readings == {}
    assert mapped.battery is None
    assert mapped.values == {"power": "ON", "battery": "low"}
    assert mapped.power is None


def test_the_cloud_docs_value_is_a_value() -> None:
    mapped = map_data({"value": 33, "isVirtualData": True, "data": 81}, ParseReport())

    assert mapped.values == {"value": 33.0, "data": 81.0}
    assert mapped.readings == {}
    assert not mapped.has_state


def test_a_shelly_plug() -> None:
    mapped = map_data(SHELLY_STATUS, ParseReport())

    assert mapped.power is True
    assert mapped.light is None
    assert mapped.http
    assert mapped.has_state
    assert mapped.readings == {
        Measurement.POWER: 42.5,
        Measurement.ENERGY: pytest.approx(2.0),  # 120,000 watt-minutes
        Measurement.TEMPERATURE: 30.82,
    }
    assert mapped.values == {
        "relays_0_has_timer": False,
        "relays_0_timer_remaining": 0.0,
        "relays_0_overpower": False,
        "meters_0_overpower": 0.0,
        "overtemperature": False,
        "uptime": 458.0,
    }
    assert SHELLY_STATUS["relays"][0]["ison"] is True  # the input is left as it was


def test_a_shelly_em_and_a_top_level_reading_that_wins() -> None:
    mapped = map_data(
        {
            "power": 5,
            "emeters": [
                {
                    "power": 100,
                    "voltage": 231,
                    "current": 0.4,
                    "total": 3000,
                    "is_valid": True,
                }
            ],
            "meters": ["junk"],
        },
        ParseReport(),
    )

    assert mapped.readings == {
        Measurement.POWER: 5,
        Measurement.VOLTAGE: 231,
        Measurement.CURRENT: 0.4,
        Measurement.ENERGY: 3,
    }
    assert mapped.values == {"emeters_0_power": 100.0, "meters_0": "junk"}
    assert not mapped.http
    unread = map_data({"meters": [{"power": "n/a", "total": None}]}, ParseReport())
    assert unread.readings == {}
    assert unread.values == {"meters_0_power": "n/a"}


def test_a_relay_that_does_not_say() -> None:
    mapped = map_data({"relays": [{"ison": "maybe"}], "meters": []}, ParseReport())

    assert mapped.power is None
    assert mapped.http
    assert not mapped.has_state
    assert mapped.values == {"relays_0_ison": "maybe"}


@pytest.mark.parametrize(
    ("state", "power"), [("ON", True), ("off", False), (True, True), ("Off ", False)]
)
def test_a_switch(state: Any, power: bool) -> None:
    mapped = map_data({"state": state, "linkquality": 80}, ParseReport())

    assert mapped.power is power
    assert mapped.light is None
    assert mapped.has_state
    assert mapped.values == {}


@pytest.mark.parametrize("state", ["TOGGLE", 1])
def test_a_state_that_is_no_switch_is_a_value(state: Any) -> None:
    mapped = map_data({"state": state}, ParseReport())

    assert mapped.power is None
    assert not mapped.has_state
    assert mapped.values == {"state": state}


def test_a_hue_lamp() -> None:
    mapped = map_data(
        {
            "state": "ON",
            "brightness": 127,
            "color": {"x": 0.3068, "y": 0.4143, "hue": 3},
            "color_temp": 155,
            "color_mode": "xy",
        },
        ParseReport(),
    )

    assert mapped.power is None
    assert mapped.light == LightState(
        modes=frozenset({LightMode.XY, LightMode.COLOR_TEMP}),
        on=True,
        brightness=50.0,
        xy=(0.3068, 0.4143),
        color_temp_kelvin=6452,
        mode=LightMode.XY,
    )
    assert mapped.values == {}


@pytest.mark.parametrize(
    ("color_mode", "mode"),
    [
        ("color_temp", LightMode.COLOR_TEMP),
        ("XY", LightMode.XY),
        ("rgb", LightMode.RGB),
        ("hs", None),
        (3, None),
    ],
)
def test_the_mode_a_light_is_in(color_mode: Any, mode: LightMode | None) -> None:
    mapped = map_data(
        {"state": "ON", "color_temp": 250, "color_mode": color_mode}, ParseReport()
    )

    assert mapped.light is not None
    assert mapped.light.mode is mode
    assert mapped.values == {}


@pytest.mark.parametrize(
    ("color", "rgb"),
    [
        ({"r": 255, "g": 128, "b": 0}, (255, 128, 0)),
        ({"hex": "#00ff7f"}, (0, 255, 127)),
        ("#0000FF", (0, 0, 255)),
        ("ff0000", (255, 0, 0)),
    ],
)
def test_an_rgb_light(color: Any, rgb: tuple[int, int, int]) -> None:
    mapped = map_data({"state": "OFF", "color": color}, ParseReport())

    assert mapped.light is not None
    assert mapped.light.rgb == rgb
    assert mapped.light.on is False
    assert mapped.light.modes == {LightMode.RGB}


def test_a_dimmer_and_colours_it_cannot_read() -> None:
    mapped = map_data(
        {"brightness": 300, "color": {"hue": 10, "saturation": 50}, "color_temp": 0},
        ParseReport(),
    )
    number = map_data({"brightness": 10, "color": 5}, ParseReport())

    assert mapped.light == LightState(
        modes=frozenset({LightMode.BRIGHTNESS}), brightness=100.0
    )
    assert mapped.values == {
        "color_hue": 10.0,
        "color_saturation": 50.0,
        "color_temp": 0.0,
    }
    assert number.values == {"color": 5.0}


def test_light_modes_and_merging() -> None:
    assert normal_modes([LightMode.BRIGHTNESS, LightMode.XY]) == {LightMode.XY}
    assert normal_modes([LightMode.ONOFF, LightMode.BRIGHTNESS]) == {
        LightMode.BRIGHTNESS
    }
    assert normal_modes([]) == {LightMode.ONOFF}
    base = LightState(
        modes=frozenset({LightMode.XY}), on=True, brightness=20, xy=(0.1, 0.2)
    )
    merged = merge_light(
        base,
        LightState(
            modes=frozenset({LightMode.COLOR_TEMP}), on=False, color_temp_kelvin=3000
        ),
    )
    assert merged == LightState(
        modes=frozenset({LightMode.XY, LightMode.COLOR_TEMP}),
        on=False,
        brightness=20,
        xy=(0.1, 0.2),
        color_temp_kelvin=3000,
    )
    assert (
        merge_light(
            LightState(modes=frozenset({LightMode.XY}), mode=LightMode.XY),
            LightState(modes=frozenset(), on=True),
        ).mode
        is LightMode.XY
    )
    fresh = LightState(modes=frozenset({LightMode.RGB}), rgb=(1, 2, 3))
    assert merge_light(None, fresh) == fresh
    assert merge_light(None, fresh) is not fresh


def test_values_flatten_and_skip_metadata() -> None:
    mapped = map_data(
        {
            "isVirtualData": True,
            "ts": 5,
            "sensor": {
                "pm25": 12,
                "deviceId": "x",
                "inner": {"ok": "yes", "nothing": None},
            },
            "counts": [1, {"a": 2}],
            "nan": float("nan"),
            "huge": 10**400,
            "empty": None,
        },
        report := ParseReport(),
    )

    assert mapped.values == {
        "sensor_pm25": 12.0,
        "sensor_inner_ok": "yes",
        "counts_0": 1.0,
        "counts_1_a": 2.0,
    }
    assert report.rejected["nan"] == 1
    assert report.rejected["huge"] == 1


def test_values_are_capped() -> None:
    data: dict[str, Any] = {f"key{i:03}": i for i in range(MAX_VALUES + 10)}
    data["long"] = "x" * 1000
    data["k" * 100] = 1
    data["deep"] = {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}

    mapped = map_data(data, report := ParseReport())

    assert len(mapped.values) == MAX_VALUES
    assert "key049" in mapped.values
    assert "key050" not in mapped.values
    small = map_data(
        {"long": "x" * 1000, "k" * 100: 1, "deep": data["deep"]}, ParseReport()
    )
    assert small.values == {"long": "x" * MAX_TEXT}
    assert report.skipped["value"] >= 10


def test_a_lamp_telling_only_its_mode_is_still_the_lamp() -> None:
    """A message with only ``color_mode`` (and state) goes to the light, not a value."""
    power, light, used = map_state({"state": "ON", "color_mode": "color_temp"})

    assert power is None
    assert light is not None
    assert light.mode is LightMode.COLOR_TEMP
    assert light.on is True
    assert used == {"state", "color_mode"}
