"""Netro as real devices report it (issue 9), without Home Assistant.

Real Sprite, Pixie and Whisperer answers (as published with other Netro
clients) carry fields the doc leaves out: the device's own ``last_active``,
``battery_level`` as a 0-1 fraction in info.json and as a percent in each
sensor_data row, and ``version`` (the hardware). ``moistures.json`` can stop
days before today. The answers below follow those shapes with our own values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import aiohttp
import pytest

from custom_components.petsmart_hub.model import Device, DeviceKind
from custom_components.petsmart_hub.vendors.base import AuthError
from custom_components.petsmart_hub.vendors.netro import (
    CLOCK_SKEW,
    DEVICE_ID,
    MOISTURE_MAX_AGE,
    NetroAccount,
    NetroClient,
    parse_info,
    parse_schedules,
    parse_sensor_data,
    zone_device_id,
)
from custom_components.petsmart_hub.vendors.netro.budget import (
    Call,
    PollPlan,
    PollPolicy,
)
from custom_components.petsmart_hub.vendors.parse import ParseReport

from .conftest import Canned
from .policy import POLICY

CONTROLLER = "CTRL00000001"
SENSOR = "SENS00000001"
NOW = datetime(2025, 9, 28, 20, 14, 48, tzinfo=UTC)


def meta(now: datetime = NOW) -> dict[str, Any]:
    """The doc's meta; its last_active is the key's last call, not the device's."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "time": stamp,
        "tid": f"{int(now.timestamp())}_MfGR",
        "version": "1.0",
        "token_limit": 2000,
        "token_remaining": 704,
        "last_active": stamp,
        "token_reset": "2025-09-29T00:00:00",
    }


def ok(data: Any, now: datetime = NOW) -> dict[str, Any]:
    return {"status": "OK", "meta": meta(now), "data": data}


def sprite(**extra: Any) -> dict[str, Any]:
    """A Sprite's info.json device: hardware 1.2, software 1.1.1, no battery."""
    return {
        "device": {
            "name": "Pontaillac",
            "serial": CONTROLLER,
            "zone_num": 4,
            "status": "ONLINE",
            "version": "1.2",
            "sw_version": "1.1.1",
            "last_active": "2025-09-28T20:02:05",  # 12 min before meta.time
            "zones": [
                {"name": "Well", "ith": 1, "enabled": True, "smart": "SMART"},
                {"name": "Willow", "ith": 2, "enabled": True, "smart": "SMART"},
                {"name": "Roses", "ith": 3, "enabled": True, "smart": "TIMER"},
                {"name": "Zone 4", "ith": 4, "enabled": False, "smart": "SMART"},
            ],
            **extra,
        }
    }


def whisperer(**extra: Any) -> dict[str, Any]:
    """A Whisperer's info.json, in the ``sensor`` shape."""
    return {
        "sensor": {
            "name": "Hydrangea",
            "serial": SENSOR,
            "status": "ONLINE",
            "version": "3.1",
            "sw_version": "3.1.3",
            "last_active": "2025-09-28T17:03:26",
            "battery_level": 0.63,
            **extra,
        }
    }


def row(moment: str, battery: Any = 39, **extra: Any) -> dict[str, Any]:
    """One sensor_data row (newest first in real answers)."""
    item = {
        "sunlight": 0.144,
        "time": moment,
        "id": 89224577,
        "local_date": moment[:10],
        "celsius": 13.625,
        "local_time": "23:46:30",
        "fahrenheit": 56.525,
        "moisture": 78,
        **extra,
    }
    if battery is not None:
        item["battery_level"] = battery
    return item


def schedule(start: str, end: str, local_date: str, local_start: str) -> dict[str, Any]:
    return {
        "id": 63828923,
        "zone": 1,
        "start_time": start,
        "end_time": end,
        "local_date": local_date,
        "local_start_time": local_start,
        "local_end_time": local_start,
        "source": "SMART",
        "status": "EXECUTED",
    }


# --- parsing ----------------------------------------------------------------------


def test_a_sprite_reports_hardware_and_last_active_but_no_battery() -> None:
    info = parse_info(sprite())
    assert info.version == "1.2"
    assert info.sw_version == "1.1.1"
    assert info.last_active == datetime(2025, 9, 28, 20, 2, 5, tzinfo=UTC)
    assert info.battery is None


def test_a_pixie_reports_its_battery_as_a_fraction() -> None:
    info = parse_info(sprite(battery_level=0.81))
    assert info.battery == 81


def test_a_whisperer_reports_battery_and_last_active() -> None:
    info = parse_info(whisperer())
    assert info.is_sensor
    assert info.battery == 63
    assert info.last_active == datetime(2025, 9, 28, 17, 3, 26, tzinfo=UTC)
    assert info.version == "3.1"


def test_a_serial_with_only_a_battery_or_last_active_is_a_reading() -> None:
    assert (
        parse_info({"sensor": {"serial": SENSOR, "battery_level": 0.5}}).battery == 50
    )
    info = parse_info({"sensor": {"serial": SENSOR, "last_active": 1759078800}})
    assert info.last_active == datetime(2025, 9, 28, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "in_info", "in_row"),
    [
        (0.63, 63, 63),  # a fraction, wherever it comes
        (39, 39, 39),  # a percent, wherever it comes
        (0, 0, 0),
        (0.0, 0, 0),
        (100, 100, 100),
        (1, 100, 1),  # ambiguous: each field's usual form
        (1.0, 100, 1),
        (0.999, 99.9, 99.9),
        (1.5, 1.5, 1.5),  # over 1: a percent
        ("0.63", 63, 63),  # numeric strings count as their number
        ("39%", 39, 39),
    ],
)
def test_battery_forms(raw: Any, in_info: float, in_row: float) -> None:
    """A 0-1 fraction is scaled to percent, a value over 1 is a percent."""
    info = parse_info(whisperer(battery_level=raw))
    assert info.battery == pytest.approx(in_info)
    rows = parse_sensor_data({"sensor_data": [row("2025-09-28T19:46:30", raw)]})
    assert rows[0].battery == pytest.approx(in_row)


@pytest.mark.parametrize("raw", [101, 250, -0.2, -5, True, "low", {}, [0.5], "nan"])
def test_implausible_batteries_are_rejected_and_counted(raw: Any) -> None:
    report = ParseReport()
    info = parse_info(whisperer(battery_level=raw), report)
    rows = parse_sensor_data({"sensor_data": [row("2025-09-28T19:46:30", raw)]}, report)
    assert info.battery is None
    assert rows[0].battery is None
    assert rows[0].moisture == 78  # the row's other readings stand
    assert report.rejected["battery_level"] == 2


def test_an_absent_or_null_battery_is_no_battery_and_no_rejection() -> None:
    report = ParseReport()
    assert parse_info(sprite(), report).battery is None
    assert parse_info(whisperer(battery_level=None), report).battery is None
    rows = parse_sensor_data(
        {"sensor_data": [row("2025-09-28T19:46:30", battery=None)]}, report
    )
    assert rows[0].battery is None
    assert not report.rejected


@pytest.mark.parametrize(
    "raw", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "yesterday", 12, True]
)
def test_an_implausible_last_active_is_unknown(raw: Any) -> None:
    assert parse_info(sprite(last_active=raw)).last_active is None


@pytest.mark.parametrize(
    ("start", "local_date", "local_start", "offset"),
    [
        # the doc's example: 05:00 local is 13:00 UTC (Los Angeles in winter)
        ("2020-12-30T13:00:00", "2020-12-30", "05:00:00", timedelta(hours=-8)),
        # local date before the UTC date
        ("2021-01-01T03:00:00", "2020-12-31", "19:00:00", timedelta(hours=-8)),
        # local date after the UTC date, a half-hour zone
        ("2021-01-01T20:00:00", "2021-01-02", "01:30:00", timedelta(hours=5.5)),
        # Chatham: +13:45; seconds of latency between the fields round away
        ("2021-01-01T00:00:07", "2021-01-01", "13:45:00", timedelta(hours=13.75)),
        ("2021-01-01T12:00:00", "2021-01-01", "12:00:00", timedelta(0)),
    ],
)
def test_schedules_tell_the_controllers_utc_offset(
    start: str, local_date: str, local_start: str, offset: timedelta
) -> None:
    parsed = parse_schedules(
        {"schedules": [schedule(start, start, local_date, local_start)]}
    )
    assert parsed[0].utc_offset == offset


@pytest.mark.parametrize(
    ("local_date", "local_start"),
    [
        (None, "05:00:00"),
        ("2020-12-30", None),
        ("2020-12-30", "five"),
        ("2020-12-30", 5),
        ("2020-12-20", "05:00:00"),  # ten days off: no zone is that far
    ],
)
def test_a_schedule_without_readable_local_times_has_no_offset(
    local_date: Any, local_start: Any
) -> None:
    item = schedule("2020-12-30T13:00:00", "2020-12-30T13:05:00", "", "")
    item["local_date"] = local_date
    item["local_start_time"] = local_start
    parsed = parse_schedules({"schedules": [item]})
    assert parsed[0].utc_offset is None
    assert parsed[0].start == datetime(2020, 12, 30, 13, tzinfo=UTC)


# --- the re-read back-off ------------------------------------------------------------


def test_recheck_backs_off_once_then_5_then_15_minutes() -> None:
    plan = PollPlan(PollPolicy())
    t0 = NOW
    calls = (Call.INFO, Call.SCHEDULES, Call.MOISTURES)
    for call in calls:
        plan.done(call, t0 - timedelta(minutes=1))
    plan.disagree("WATERING", t0, status_read=t0)
    # once, at once
    assert plan.next_due(calls, t0, active=True) == t0
    assert Call.SCHEDULES in plan.due(calls, t0, active=True)
    plan.done(Call.SCHEDULES, t0)
    # the watering rate (once a minute) does not apply while they disagree
    assert Call.SCHEDULES not in plan.due(calls, t0 + timedelta(minutes=2), active=True)
    gaps = []
    moment = t0
    for _ in range(4):
        plan.disagree("WATERING", moment, status_read=moment)  # the same: goes on
        due = plan.next_due((Call.SCHEDULES,), moment, active=True)
        gaps.append(due - moment)
        assert Call.SCHEDULES not in plan.due(
            calls, due - timedelta(seconds=1), active=True
        )
        assert Call.SCHEDULES in plan.due(calls, due, active=True)
        plan.done(Call.SCHEDULES, due)
        moment = due
    assert gaps == [
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(minutes=15),
        timedelta(minutes=15),
    ]
    # agreement ends the back-off: the watering rate applies again
    plan.agree()
    assert plan.recheck is None
    assert plan.disagreement is None
    later = moment + timedelta(minutes=1)
    assert Call.SCHEDULES in plan.due(calls, later, active=True)


def test_a_new_status_starts_the_back_off_over() -> None:
    plan = PollPlan(PollPolicy())
    plan.disagree("WATERING", NOW, status_read=NOW)
    plan.done(Call.SCHEDULES, NOW)
    plan.done(Call.SCHEDULES, NOW + timedelta(minutes=5))
    assert plan.recheck == NOW + timedelta(minutes=20)
    later = NOW + timedelta(minutes=6)
    plan.disagree("ONLINE", later, status_read=later)
    assert plan.recheck == later
    assert plan.rechecks == 0


def test_without_a_disagreement_schedules_reads_do_not_plan_rechecks() -> None:
    plan = PollPlan(PollPolicy())
    plan.done(Call.SCHEDULES, NOW)
    assert plan.recheck is None
    assert plan.rechecks == 0


# --- the account, against canned real-shaped answers ----------------------------------


def account(
    canned: Canned, session: aiohttp.ClientSession, key: str, clock: list[datetime]
) -> NetroAccount:
    client = NetroClient(session, key, canned.base_url, request_timeout=2)
    return NetroAccount(client, policy=POLICY, now=lambda: clock[0])


def by_id(devices: list[Device]) -> dict[str, Device]:
    return {device.id: device for device in devices}


def controller_answers(
    canned: Canned,
    *,
    info: dict[str, Any] | None = None,
    moistures: list[dict[str, Any]] | None = None,
    schedules: list[dict[str, Any]] | None = None,
) -> None:
    canned.reply("info", ok(info or sprite()))
    canned.reply("schedules", ok({"schedules": schedules or []}))
    canned.reply("moistures", ok({"moistures": moistures or []}))


async def test_controller_last_report_is_the_devices_last_active(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    controller_answers(canned)
    devices = by_id(await account(canned, session, CONTROLLER, [NOW]).async_poll())
    last_active = datetime(2025, 9, 28, 20, 2, 5, tzinfo=UTC)
    assert devices[DEVICE_ID].last_report == last_active
    # not the fetch time, nor meta's last_active (the key's last call)
    assert devices[DEVICE_ID].last_report != NOW
    assert devices[DEVICE_ID].updated_at == NOW
    assert devices[DEVICE_ID].hardware == "1.2"
    assert devices[DEVICE_ID].firmware == "1.1.1"
    assert devices[DEVICE_ID].battery is None


async def test_without_last_active_the_last_report_is_unknown(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    info = sprite()
    del info["device"]["last_active"]
    controller_answers(canned, info=info)
    devices = by_id(await account(canned, session, CONTROLLER, [NOW]).async_poll())
    assert devices[DEVICE_ID].last_report is None


async def test_a_last_active_ahead_of_our_clock_is_rejected(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    ahead = NOW + CLOCK_SKEW + timedelta(minutes=1)
    controller_answers(
        canned, info=sprite(last_active=ahead.strftime("%Y-%m-%dT%H:%M:%S"))
    )
    netro = account(canned, session, CONTROLLER, [NOW])
    devices = by_id(await netro.async_poll())
    assert devices[DEVICE_ID].last_report is None
    assert netro.report.rejected["last_active"] == 1
    # within the skew it stands
    near = NOW + CLOCK_SKEW
    controller_answers(canned, info=sprite(last_active=near.isoformat()))
    netro = account(canned, session, CONTROLLER, [NOW])
    assert by_id(await netro.async_poll())[DEVICE_ID].last_report == near


async def test_a_pixie_shows_its_battery_and_a_version_only_device_its_hardware(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    info = sprite(battery_level=0.81)
    del info["device"]["sw_version"]
    controller_answers(canned, info=info)
    devices = by_id(await account(canned, session, CONTROLLER, [NOW]).async_poll())
    controller = devices[DEVICE_ID]
    assert controller.battery == 81
    assert controller.hardware == "1.2"
    assert controller.firmware is None  # "version" is the hardware, not firmware
    zone = devices[zone_device_id(1)]
    assert zone.battery is None
    assert zone.hardware is None


async def test_versions_left_out_later_stay_as_known(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    clock = [NOW]
    controller_answers(canned)
    netro = account(canned, session, CONTROLLER, clock)
    await netro.async_poll()
    info = sprite()
    del info["device"]["version"], info["device"]["sw_version"]
    controller_answers(canned, info=info)
    clock[0] = NOW + timedelta(hours=1)
    devices = by_id(await netro.async_poll())
    assert devices[DEVICE_ID].hardware == "1.2"
    assert devices[DEVICE_ID].firmware == "1.1.1"


def moisture(day: date, value: int, zone: int = 1) -> dict[str, Any]:
    return {"id": 183230306, "moisture": value, "zone": zone, "date": day.isoformat()}


async def test_moisture_carries_its_date_and_is_unknown_once_too_old(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    """Whole local days (UTC's with no schedule to tell the zone).

    On the 28th, the 25th's estimate (three days ago) shows; the 24th's, or
    anything older, is unknown.
    """
    today = NOW.date()
    clock = [NOW]
    controller_answers(
        canned,
        moistures=[
            moisture(today - timedelta(days=5), 70),
            moisture(today - timedelta(days=2), 85),  # the newest: 2 days old
            moisture(today - timedelta(days=3), 60, zone=2),
            moisture(today - timedelta(days=4), 50, zone=3),
            moisture(today + timedelta(days=5), 99),  # a future date is no reading
        ],
    )
    netro = account(canned, session, CONTROLLER, clock)
    devices = by_id(await netro.async_poll())
    zones = [devices[zone_device_id(ith)].zone for ith in (1, 2, 3)]
    assert [(z.moisture, z.moisture_date) for z in zones if z is not None] == [
        (85, today - timedelta(days=2)),
        (60, today - timedelta(days=3)),
        # four days: too old to pass for today's, its date still in sight
        (None, today - timedelta(days=4)),
    ]
    # zone 1's estimate turns unknown as its fourth day begins, no call needed
    newest = today - timedelta(days=2)
    fourth_day = datetime.combine(
        newest + MOISTURE_MAX_AGE + timedelta(days=1), datetime.min.time(), UTC
    )
    assert fourth_day.date() == today + timedelta(days=2)
    clock[0] = fourth_day - timedelta(seconds=1)
    zone = by_id(await netro.async_poll())[zone_device_id(1)].zone
    assert zone is not None and zone.moisture == 85
    sent = len(canned.sim.requests)
    clock[0] = fourth_day
    zone = by_id(await netro.async_poll())[zone_device_id(1)].zone
    assert zone is not None
    assert (zone.moisture, zone.moisture_date) == (None, today - timedelta(days=2))
    assert len(canned.sim.requests) == sent  # no call: the age alone decides


async def test_moisture_age_uses_the_controllers_local_days(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    """A schedule's local start beside its UTC one tells the controller's zone.

    At 20:14 UTC it is already the 29th in Auckland (UTC+13): the 29th's
    estimate is today's there, and the 25th's is four local days old.
    """
    auckland = [
        schedule("2025-09-28T17:00:00", "2025-09-28T17:05:00", "2025-09-29", "06:00:00")
    ]
    controller_answers(
        canned,
        schedules=auckland,
        moistures=[
            moisture(date(2025, 9, 29), 77),
            moisture(date(2025, 9, 25), 55, zone=2),
        ],
    )
    devices = by_id(await account(canned, session, CONTROLLER, [NOW]).async_poll())
    one = devices[zone_device_id(1)].zone
    two = devices[zone_device_id(2)].zone
    assert one is not None and two is not None
    assert (one.moisture, one.moisture_date) == (77, date(2025, 9, 29))
    # UTC's days would call the 25th's 3 days old; locally it is 4: unknown
    assert (two.moisture, two.moisture_date) == (None, date(2025, 9, 25))


async def test_the_offset_in_force_is_the_nearest_schedules(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    """Schedules span two months: past a daylight saving change, the offset differs.

    At 07:30 UTC on the 29th it is 00:30 on the 29th in Los Angeles (PDT,
    UTC-7); the schedule after the change in November says UTC-8, which
    would make it 23:30 on the 28th and the 29th's estimate a future one.
    """
    schedules = [
        schedule(
            "2025-09-28T12:00:00", "2025-09-28T12:05:00", "2025-09-28", "05:00:00"
        ),
        schedule(
            "2025-11-05T13:00:00", "2025-11-05T13:05:00", "2025-11-05", "05:00:00"
        ),
    ]
    schedules[1]["status"] = "VALID"
    controller_answers(
        canned, schedules=schedules, moistures=[moisture(date(2025, 9, 29), 64)]
    )
    clock = [datetime(2025, 9, 29, 7, 30, tzinfo=UTC)]
    devices = by_id(await account(canned, session, CONTROLLER, clock).async_poll())
    zone = devices[zone_device_id(1)].zone
    assert zone is not None
    assert (zone.moisture, zone.moisture_date) == (64, date(2025, 9, 29))


async def test_a_whisperers_battery_comes_from_its_newest_row(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    clock = [NOW]
    canned.reply("info", ok(whisperer()))
    canned.reply(
        "sensor_data",
        ok(
            {
                "sensor_data": [  # newest first, as real answers list them
                    row("2025-09-28T19:46:30", battery=None),
                    row("2025-09-28T18:46:34", battery=39),
                    row("2025-09-28T17:46:38", battery=41),
                ]
            }
        ),
    )
    netro = account(canned, session, SENSOR, clock)
    sensor = by_id(await netro.async_poll())[DEVICE_ID]
    assert sensor.kind is DeviceKind.SOIL_SENSOR
    # the newest row that has a battery wins over info.json's 0.63
    assert sensor.battery == 39
    # "last report": the newest reading, not info.json's last_active (17:03)
    assert sensor.last_report == datetime(2025, 9, 28, 19, 46, 30, tzinfo=UTC)
    assert sensor.hardware == "3.1"
    assert sensor.firmware == "3.1.3"


async def test_a_whisperer_without_rows_falls_back_to_info_json(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    canned.reply("info", ok(whisperer()))
    canned.reply("sensor_data", ok({"sensor_data": [row("2025-09-28T19:46:30", None)]}))
    sensor = by_id(await account(canned, session, SENSOR, [NOW]).async_poll())[
        DEVICE_ID
    ]
    assert sensor.battery == 63
    canned.reply("sensor_data", ok({"sensor_data": []}))
    sensor = by_id(await account(canned, session, SENSOR, [NOW]).async_poll())[
        DEVICE_ID
    ]
    assert sensor.battery == 63
    assert sensor.last_report == datetime(2025, 9, 28, 17, 3, 26, tzinfo=UTC)


async def test_status_and_schedules_disagreeing_for_an_hour_costs_few_reads(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    """WATERING with no schedule running: schedules once, then 5, 15, 15... min."""
    clock = [NOW]
    controller_answers(canned, info=sprite(status="WATERING"))
    netro = account(canned, session, CONTROLLER, clock)
    schedule_reads: list[datetime] = []
    end = NOW + timedelta(hours=1)
    while clock[0] < end:
        before = sum(r.path.endswith("schedules.json") for r in canned.sim.requests)
        await netro.async_poll()
        after = sum(r.path.endswith("schedules.json") for r in canned.sim.requests)
        if after > before:
            schedule_reads.append(clock[0])
        planned = netro.next_refresh(clock[0]).at
        assert planned is not None
        clock[0] = max(planned, clock[0] + timedelta(seconds=5))
    gaps = [b - a for a, b in pairwise(schedule_reads)]
    # the first read of all (with the status: it confirms the disagreement),
    # then the back-off: 5 reads in the hour instead of 60
    assert gaps == [
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(minutes=15),
        timedelta(minutes=15),
    ]
    # the status changes: the disagreement is over, and so is the back-off
    controller_answers(canned, info=sprite(status="ONLINE"))
    clock[0] += POLICY.idle_status
    await netro.async_poll()
    assert netro.plan.disagreement is None
    assert netro.plan.recheck is None


def test_a_read_since_the_status_is_the_confirming_one() -> None:
    """Status and schedules read in the same poll: no second read at once."""
    plan = PollPlan(PollPolicy())
    plan.done(Call.SCHEDULES, NOW)
    plan.disagree("WATERING", NOW, status_read=NOW - timedelta(seconds=1))
    assert plan.rechecks == 1
    assert plan.recheck == NOW + timedelta(minutes=5)
    assert Call.SCHEDULES not in plan.due((Call.SCHEDULES,), NOW, active=True)
    # a read older than the status does not count: one now
    plan.agree()
    plan.disagree("WATERING", NOW, status_read=NOW + timedelta(seconds=1))
    assert (plan.rechecks, plan.recheck) == (0, NOW)


@pytest.mark.parametrize("raw", ["yesterday", "0001-01-01T00:00:00", True, {}])
def test_an_unreadable_last_active_is_counted(raw: Any) -> None:
    report = ParseReport()
    assert parse_info(sprite(last_active=raw), report).last_active is None
    assert report.rejected["last_active"] == 1


async def test_a_future_last_active_is_counted_once_per_answer(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    ahead = (NOW + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S")
    controller_answers(canned, info=sprite(last_active=ahead))
    clock = [NOW]
    netro = account(canned, session, CONTROLLER, clock)
    for _ in range(3):  # one info.json read, three builds
        devices = by_id(await netro.async_poll())
        clock[0] += timedelta(seconds=30)
    assert devices[DEVICE_ID].last_report is None
    assert netro.report.rejected["last_active"] == 1


async def test_sensor_readings_from_the_future_are_skipped(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    canned.reply("info", ok(whisperer()))
    canned.reply(
        "sensor_data",
        ok(
            {
                "sensor_data": [
                    row("2025-09-28T23:46:30", battery=12),  # hours ahead of now
                    row("2025-09-28T19:46:30", battery=40),
                ]
            }
        ),
    )
    netro = account(canned, session, SENSOR, [NOW])
    sensor = by_id(await netro.async_poll())[DEVICE_ID]
    assert sensor.last_report == datetime(2025, 9, 28, 19, 46, 30, tzinfo=UTC)
    assert sensor.battery == 40
    assert netro.report.skipped["sensor reading"] == 1


async def test_the_key_never_reaches_an_error_message(
    canned: Canned, session: aiohttp.ClientSession
) -> None:
    """Netro echoes a bad key ("Invalid key: ..."); the key is the serial."""
    canned.reply(
        "info",
        {
            "status": "ERROR",
            "errors": [{"code": 1, "message": f"Invalid key: {CONTROLLER}"}],
            "meta": meta(),
        },
    )
    client = NetroClient(session, CONTROLLER, canned.base_url, request_timeout=2)
    with pytest.raises(AuthError) as caught:
        await client.async_info()
    assert CONTROLLER not in str(caught.value)
    assert "Invalid key: <key>" in str(caught.value)
