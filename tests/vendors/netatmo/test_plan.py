"""Netatmo's polling plan over simulated hours (no Home Assistant).

The account wakes only when its plan says (``next_refresh``) and makes only
the calls that are due; the benchmark home (three cameras, a station, a home
coach) costs at most 30 calls an hour with push healthy and 120 without.
Failures wait for their retry, a lost cloud holds every call back, and the
hourly self-limit defers polls while commands keep their reserve.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from custom_components.petsmart_hub.model import RunScenario, SetMonitoring
from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    BadResponseError,
    CannotConnectError,
    RateLimitError,
    RefreshRequest,
)
from custom_components.petsmart_hub.vendors.netatmo import (
    EVENTS_INTERVAL,
    HOURLY_CAP,
    POLL_RESERVE,
    RETRY_AFTER_FAILURE,
    STATUS_INTERVAL,
    TOPOLOGY_INTERVAL,
    WEATHER_INTERVAL,
    NetatmoAccount,
    calls_per_hour,
)

from .conftest import (
    CAMERAS,
    CLIMATE,
    COACH,
    HOME,
    INDOOR,
    START,
    STATION,
    Clock,
    Cloud,
    Reply,
    error,
    homesdata,
    ok,
    stationsdata,
)

HOUR = timedelta(hours=1)


async def run_for(
    account: NetatmoAccount,
    clock: Clock,
    cloud: Cloud,
    duration: timedelta,
    *,
    push_healthy: bool,
) -> list[tuple[datetime, list[str]]]:
    """Refresh whenever the account asks to, for ``duration``: what each refresh called."""
    end = clock() + duration
    log: list[tuple[datetime, list[str]]] = []
    for _ in range(10_000):
        at = account.next_refresh(clock()).at
        assert at is not None
        if at >= end:
            break
        assert at >= clock()
        clock.to(at)
        mark = len(cloud.requests)
        await account.async_refresh(RefreshRequest(push_healthy=push_healthy))
        called = cloud.endpoints(mark)
        assert called, f"a wake-up at {at} with nothing due"
        log.append((clock(), called))
    else:  # pragma: no cover - a plan that never rests
        pytest.fail("the plan woke up without end")
    clock.to(end)
    return log


def per_window(log: list[tuple[datetime, list[str]]]) -> int:
    """The most calls any sliding hour of ``log`` holds."""
    moments = [moment for moment, called in log for _ in called]
    return max(
        sum(1 for m in moments if start <= m < start + HOUR) for start in moments
    )


async def test_the_first_refresh_reads_everything_once(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    assert account.next_refresh(clock()).at is None  # nothing known: the default

    await account.async_refresh(RefreshRequest())

    assert Counter(cloud.endpoints()) == {
        "homesdata": 1,
        "getscenarios": 1,
        "homestatus": 1,
        "getevents": 1,
        "getstationsdata": 1,
        "gethomecoachsdata": 1,
    }
    assert cloud.endpoints()[0] == "homesdata"  # the topology first
    assert account.next_refresh(clock()).at == START + EVENTS_INTERVAL
    account._push_healthy = True
    assert account.next_refresh(clock()).at == START + STATUS_INTERVAL


async def test_a_refresh_with_nothing_due_makes_no_call(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    first = await account.async_refresh(RefreshRequest())
    calls = cloud.calls()
    clock.advance(timedelta(seconds=30))

    again = await account.async_refresh(
        RefreshRequest(known=first.devices, push_healthy=True)
    )

    assert cloud.calls() == calls
    assert set(again.devices) == set(first.devices)
    assert all(again.devices[i] is not first.devices[i] for i in first.devices)
    assert again.listing is not None
    assert not again.listing.fresh  # no new answer of the cloud
    assert not again.failed


async def test_each_refresh_makes_only_what_is_due(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())

    log = await run_for(
        account, clock, cloud, TOPOLOGY_INTERVAL + HOUR, push_healthy=False
    )

    by_moment = {moment - START: called for moment, called in log}
    assert by_moment[timedelta(minutes=1)] == ["getevents"]
    assert Counter(by_moment[timedelta(minutes=5)]) == {"homestatus": 1, "getevents": 1}
    assert Counter(by_moment[timedelta(minutes=10)]) == {
        "homestatus": 1,
        "getevents": 1,
        "getstationsdata": 1,
        "gethomecoachsdata": 1,
    }
    # every 3 hours the topology, the scenarios with it, and the weather reads
    assert Counter(by_moment[TOPOLOGY_INTERVAL]) == {
        "homesdata": 1,
        "getscenarios": 1,
        "homestatus": 1,
        "getevents": 1,
        "getstationsdata": 1,
        "gethomecoachsdata": 1,
    }
    assert [m - START for m, called in log if "homesdata" in called] == [
        TOPOLOGY_INTERVAL
    ]
    statuses = [m for m, called in log if "homestatus" in called]
    assert {b - a for a, b in pairwise(statuses)} == {STATUS_INTERVAL}
    weather = [m for m, called in log if "getstationsdata" in called]
    assert {b - a for a, b in pairwise(weather)} == {WEATHER_INTERVAL}


async def push_starts(account: NetatmoAccount, cloud: Cloud) -> int:
    """Register the webhook as Home Assistant does after the first refresh."""
    await account.async_register_webhook("https://example.com/api/webhook/x")
    return len(cloud.requests)


async def test_the_benchmark_home_with_push_healthy(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    await push_starts(account, cloud)
    log = await run_for(account, clock, cloud, 3 * HOUR, push_healthy=True)

    calls = Counter(name for _m, called in log for name in called)
    assert "getevents" not in calls  # the webhook brings the events
    assert calls["homestatus"] == 35  # every 5 minutes after the first
    assert calls["getstationsdata"] == calls["gethomecoachsdata"] == 17
    assert "homesdata" not in calls  # next at 3 hours
    assert per_window(log) <= 30
    # over the 3 hours, the first refresh included: 75 calls
    assert cloud.calls() - cloud.calls("addwebhook") == 75
    assert calls_per_hour(1, push_healthy=True, stations=True, homecoachs=True) <= 30


async def test_the_benchmark_home_without_push(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    log = await run_for(account, clock, cloud, 3 * HOUR, push_healthy=False)

    calls = Counter(name for _m, called in log for name in called)
    assert calls["getevents"] == 179  # every minute after the first
    assert per_window(log) <= 120
    assert cloud.calls() == 75 + 179  # about 85 an hour
    assert calls_per_hour(1, push_healthy=False, stations=True, homecoachs=True) <= 120


async def test_events_resume_when_push_fails(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    await push_starts(account, cloud)
    await run_for(account, clock, cloud, 10 * EVENTS_INTERVAL, push_healthy=True)
    assert cloud.calls("getevents") == 1

    # push is lost: the events are due at once
    mark = len(cloud.requests)
    await account.async_refresh(RefreshRequest(push_healthy=False))

    assert "getevents" in cloud.endpoints(mark)


async def test_an_account_without_stations_stops_asking_until_the_topology(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    cloud.reply("getstationsdata", ok({"devices": [], "user": {}}))
    await account.async_refresh(RefreshRequest())
    await push_starts(account, cloud)

    log = await run_for(
        account, clock, cloud, TOPOLOGY_INTERVAL + HOUR, push_healthy=True
    )

    asked = [m - START for m, called in log if "getstationsdata" in called]
    assert asked == [TOPOLOGY_INTERVAL]  # checked again with the topology only
    assert cloud.calls("gethomecoachsdata") > 10


async def test_stations_listed_by_the_topology_are_read(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    cloud.reply("getstationsdata", ok({"devices": []}))
    await account.async_refresh(RefreshRequest())
    await push_starts(account, cloud)
    topology = homesdata()
    topology["homes"][0]["modules"].append({"id": STATION, "type": "NAMain"})
    cloud.reply("homesdata", ok(topology))
    cloud.reply("getstationsdata", ok(stationsdata()))
    clock.advance(TOPOLOGY_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest(push_healthy=True))
    log = await run_for(account, clock, cloud, HOUR, push_healthy=True)

    assert STATION in refresh.devices
    assert sum(called.count("getstationsdata") for _m, called in log) == 5
    # the topology names it, but only getstationsdata describes it
    assert STATION not in (refresh.listing.skipped_ids if refresh.listing else ())
    mark = len(cloud.requests)
    again = await account.async_refresh(RefreshRequest(device_id=STATION))
    assert cloud.endpoints(mark) == ["getstationsdata"]
    assert STATION in again.devices
    # its home's status failing does not fail it
    cloud.reply("homestatus", Reply({"status": "ok", "body": {}}))
    clock.advance(STATUS_INTERVAL)
    failing = await account.async_refresh(RefreshRequest(push_healthy=True))
    assert HOME in failing.failed
    assert STATION in failing.devices


async def test_a_device_refresh_reads_its_home_status_only(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    clock.advance(timedelta(seconds=20))
    mark = len(cloud.requests)

    refresh = await account.async_refresh(RefreshRequest(device_id=INDOOR))

    assert cloud.endpoints(mark) == ["homestatus"]
    assert set(refresh.devices) == {HOME, *CAMERAS}
    assert refresh.listing is None
    # the status is fresh: the next one is five minutes after this read
    account._push_healthy = True
    assert account.next_refresh(clock()).at == clock() + STATUS_INTERVAL


async def test_a_device_refresh_of_a_climate_sensor(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    await account.async_refresh(RefreshRequest())
    mark = len(cloud.requests)

    refresh = await account.async_refresh(RefreshRequest(device_id=COACH))
    unknown = await account.async_refresh(RefreshRequest(device_id="nobody"))

    assert cloud.endpoints(mark) == ["gethomecoachsdata"]
    assert set(refresh.devices) == {COACH}
    assert set(unknown.failed) == {"nobody"}


async def test_a_failed_status_fails_its_home_until_read_again(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply("homestatus", Reply({"body": {"home": "broken"}, "status": "ok"}))
    clock.advance(STATUS_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest(push_healthy=True))

    assert set(refresh.failed) == {HOME, *CAMERAS}
    assert all(isinstance(e, BadResponseError) for e in refresh.failed.values())
    assert set(refresh.devices) == set(CLIMATE)  # read fine
    # retried after a pause, failed meanwhile, fine once read again
    assert account.next_refresh(clock()).at == clock() + RETRY_AFTER_FAILURE
    clock.advance(timedelta(minutes=1))
    between = await account.async_refresh(RefreshRequest(push_healthy=True))
    assert set(between.failed) == {HOME, *CAMERAS}
    cloud.defaults()
    clock.advance(timedelta(minutes=1))
    back = await account.async_refresh(RefreshRequest(push_healthy=True))
    assert not back.failed
    assert set(back.devices) == {HOME, *CAMERAS, *CLIMATE}


async def test_a_lost_cloud_holds_every_call_back(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    for endpoint in ("homestatus", "getevents", "getstationsdata", "gethomecoachsdata"):
        cloud.reply(endpoint, Reply(error(1, "Internal error"), status=500))
    clock.advance(WEATHER_INTERVAL)
    mark = len(cloud.requests)

    with pytest.raises(CannotConnectError):
        await account.async_refresh(RefreshRequest())

    assert len(cloud.endpoints(mark)) == 1  # not every due call in turn
    hold = account.next_refresh(clock()).at
    assert hold == clock() + RETRY_AFTER_FAILURE
    # nothing is called before the hold ends
    clock.advance(timedelta(seconds=30))
    with pytest.raises(CannotConnectError):
        await account.async_refresh(RefreshRequest())
    assert len(cloud.endpoints(mark)) == 1


async def test_a_cloud_lost_after_a_success_fails_what_was_due(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply("getstationsdata", Reply(None, status=502))
    clock.advance(WEATHER_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest(push_healthy=True))

    # the status was read; the station call found the cloud gone, and the
    # home coach's call (due too) is not made and fails with it
    assert "homestatus" in cloud.endpoints()[6:]
    assert cloud.calls("gethomecoachsdata") == 1
    assert {*CAMERAS, HOME} <= set(refresh.devices)
    assert set(refresh.failed) == set(CLIMATE)


async def test_throttling_waits_as_long_as_the_cloud_says(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply(
        "getevents",
        Reply(
            error(26, "User usage reached"), status=403, headers={"Retry-After": "900"}
        ),
    )
    clock.advance(EVENTS_INTERVAL)

    with pytest.raises(RateLimitError) as caught:
        await account.async_refresh(RefreshRequest())

    assert caught.value.retry_after == 900
    assert account.next_refresh(clock()).at == clock() + timedelta(seconds=900)


async def test_the_first_topology_failing(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    cloud.reply("homesdata", Reply({"status": "ok", "body": {"homes": "x"}}))

    with pytest.raises(BadResponseError):
        await account.async_refresh(RefreshRequest())
    # nothing else is called without a topology, and it is retried later
    assert cloud.endpoints() == ["homesdata"]
    assert account.next_refresh(clock()).at == clock() + RETRY_AFTER_FAILURE
    with pytest.raises(BadResponseError):
        await account.async_refresh(RefreshRequest())
    assert cloud.calls() == 1
    with pytest.raises(BadResponseError):
        await account.async_identify()


async def test_a_failed_topology_keeps_the_last_one(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply("homesdata", Reply({"status": "ok", "body": {"homes": "x"}}))
    clock.advance(TOPOLOGY_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest(push_healthy=True))

    assert set(refresh.devices) == {HOME, *CAMERAS, *CLIMATE}
    assert refresh.listing is not None
    assert not refresh.listing.fresh  # no device is taken for gone


async def test_a_home_that_leaves(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply("homesdata", ok({"homes": [], "user": {"id": "u"}}))
    clock.advance(TOPOLOGY_INTERVAL)

    refresh = await account.async_refresh(RefreshRequest(push_healthy=True))
    log = await run_for(account, clock, cloud, HOUR, push_healthy=False)

    assert set(refresh.devices) == set(CLIMATE)
    assert refresh.listing is not None
    assert refresh.listing.fresh
    assert not any(
        name in ("homestatus", "getevents", "getscenarios")
        for _m, called in log
        for name in called
    )


async def test_polls_defer_at_the_self_limit(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    first = await account.async_refresh(RefreshRequest())
    gate = account.client.gate
    while gate.room(POLL_RESERVE) > 0:
        gate.admit("elsewhere")
    clock.advance(STATUS_INTERVAL)
    mark = len(cloud.requests)

    refresh = await account.async_refresh(RefreshRequest(known=first.devices))

    assert cloud.endpoints(mark) == []  # deferred, not failed
    assert not refresh.failed
    assert set(refresh.devices) == set(first.devices)
    plan = account.next_refresh(clock())
    assert plan.at == START + HOUR  # the first refresh's calls leave the window
    assert plan.paused_until is None  # our own limit: no budget for users to see
    clock.to(plan.at)
    await account.async_refresh(RefreshRequest())
    assert "homestatus" in cloud.endpoints(mark)


async def test_a_burst_of_commands_stops_at_the_hourly_cap(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    devices = (await account.async_refresh(RefreshRequest())).devices
    camera = devices[INDOOR]
    sent = 0
    with pytest.raises(RateLimitError) as caught:
        for _ in range(HOURLY_CAP + 1):
            clock.advance(timedelta(seconds=1))
            await account.async_execute(camera, SetMonitoring(on=sent % 2 == 0))
            sent += 1

    assert sent == HOURLY_CAP - 6  # the first refresh's six calls count too
    assert cloud.calls() == HOURLY_CAP
    # a slot frees when the first refresh's calls are an hour old
    assert caught.value.retry_after == pytest.approx(
        (START + HOUR - clock()).total_seconds()
    )
    # polls wait too, and the home shows the count
    mark = len(cloud.requests)
    clock.advance(STATUS_INTERVAL)
    refresh = await account.async_refresh(RefreshRequest())
    assert cloud.endpoints(mark) == []
    assert refresh.devices[HOME].calls_last_hour == HOURLY_CAP
    with pytest.raises(RateLimitError):
        await account.async_execute(devices[HOME], RunScenario(scenario="away"))


@pytest.mark.parametrize("code", [13, 2])
async def test_refused_credentials_end_the_refresh(
    account: NetatmoAccount, cloud: Cloud, clock: Clock, code: int
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply("homestatus", Reply(error(code, "refused"), status=403))
    clock.advance(STATUS_INTERVAL)

    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest())
    with pytest.raises(AuthError):
        await account.async_refresh(RefreshRequest(device_id=INDOOR))


async def test_a_throttled_cloud_says_how_long_is_left(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply(
        "getevents", Reply(error(26), status=403, headers={"Retry-After": "600"})
    )
    clock.advance(EVENTS_INTERVAL)
    with pytest.raises(RateLimitError):
        await account.async_refresh(RefreshRequest())
    calls = cloud.calls()
    clock.advance(timedelta(seconds=100))

    with pytest.raises(RateLimitError) as caught:
        await account.async_refresh(RefreshRequest())

    assert caught.value.retry_after == 500
    assert cloud.calls() == calls
    cloud.defaults()
    clock.advance(timedelta(seconds=500))
    refresh = await account.async_refresh(RefreshRequest())
    assert not refresh.failed


async def test_a_command_throttled_pauses_the_polls_too(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    devices = (await account.async_refresh(RefreshRequest())).devices
    cloud.reply(
        "setstate", Reply("slow down", status=429, headers={"Retry-After": "600"})
    )

    with pytest.raises(RateLimitError):
        await account.async_execute(devices[INDOOR], SetMonitoring(on=False))

    assert account.next_refresh(clock()).at == clock() + timedelta(seconds=600)


async def test_a_device_refresh_that_fails(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    cloud.reply("homestatus", Reply(None, status=500))
    clock.advance(timedelta(seconds=5))

    refresh = await account.async_refresh(RefreshRequest(device_id=INDOOR))

    assert set(refresh.failed) == {HOME, *CAMERAS}
    assert all(isinstance(e, CannotConnectError) for e in refresh.failed.values())
    assert refresh.devices == {}


async def test_a_device_refresh_held_back_by_the_self_limit(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    await account.async_refresh(RefreshRequest())
    gate = account.client.gate
    while gate.room(POLL_RESERVE) > 0:
        gate.admit("elsewhere")
    mark = len(cloud.requests)

    refresh = await account.async_refresh(RefreshRequest(device_id=INDOOR))

    assert cloud.endpoints(mark) == []
    assert set(refresh.devices) == {HOME, *CAMERAS}  # as they stand
    # read as soon as polls may call again
    clock.to(START + HOUR)
    await account.async_refresh(RefreshRequest(push_healthy=True))
    assert "homestatus" in cloud.endpoints(mark)
