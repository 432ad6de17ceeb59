"""Netatmo's commands (setstate) and live streams (no Home Assistant).

Switching a camera's monitoring and running a home's scenario through its
gateway, each as one setstate call; what cannot be done is refused before
any call. A live stream plays from the camera's LAN URL when it answers
there, else through Netatmo's VPN, and is checked again when it expires.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from custom_components.petsmart_hub.model import (
    Action,
    CommandResult,
    Device,
    Feed,
    RunScenario,
    SetMonitoring,
)
from custom_components.petsmart_hub.vendors.base import (
    BadResponseError,
    CannotConnectError,
    InvalidParameterError,
    RefreshRequest,
    RequestRejectedError,
)
from custom_components.petsmart_hub.vendors.netatmo import (
    STREAM_RECHECK,
    NetatmoAccount,
)

from .conftest import (
    COACH,
    DOORBELL,
    GATEWAY,
    HOME,
    INDOOR,
    OUTDOOR,
    START,
    Clock,
    Cloud,
    Reply,
    error,
    homesdata,
    homestatus,
    ok,
)


@pytest.fixture
async def known(account: NetatmoAccount) -> dict[str, Device]:
    return (await account.async_refresh(RefreshRequest())).devices


# --- commands ------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "word"), [(True, "on"), (False, "off")])
async def test_set_monitoring(
    account: NetatmoAccount,
    cloud: Cloud,
    known: dict[str, Device],
    on: bool,
    word: str,
) -> None:
    mark = len(cloud.requests)

    result = await account.async_execute(known[INDOOR], SetMonitoring(on=on))

    assert result == CommandResult()
    (sent,) = cloud.requests[mark:]
    assert (sent.method, sent.endpoint) == ("POST", "setstate")
    assert sent.json == {
        "home": {"id": HOME, "modules": [{"id": INDOOR, "monitoring": word}]}
    }
    # shown at once, before the read after the command
    camera = account.devices[INDOOR].camera
    assert camera is not None
    assert camera.monitoring is on


async def test_monitoring_confirmed_by_the_read_after_it(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device], clock: Clock
) -> None:
    await account.async_execute(known[OUTDOOR], SetMonitoring(on=True))
    status = homestatus(cloud.base_url)
    status["home"]["modules"][1]["monitoring"] = "on"
    cloud.reply("homestatus", ok(status))
    clock.advance(timedelta(seconds=2))

    refresh = await account.async_refresh(RefreshRequest(device_id=OUTDOOR))

    camera = refresh.devices[OUTDOOR].camera
    assert camera is not None
    assert camera.monitoring is True


async def test_run_a_scenario_through_the_gateway(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device]
) -> None:
    for wanted, sent in (
        ("away", "away"),
        ("Movie night", "5f1a2b3c"),  # by its name
        ("HOME", "home"),  # whatever the case
    ):
        mark = len(cloud.requests)
        await account.async_execute(known[HOME], RunScenario(scenario=wanted))
        (request,) = cloud.requests[mark:]
        assert request.json == {
            "home": {"id": HOME, "modules": [{"id": GATEWAY, "scenario": sent}]}
        }


async def test_an_unknown_scenario_is_refused_before_any_call(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device]
) -> None:
    calls = cloud.calls()

    with pytest.raises(InvalidParameterError):
        await account.async_execute(known[HOME], RunScenario(scenario="party"))

    assert cloud.calls() == calls


async def test_scenarios_not_read_let_the_cloud_decide(
    account: NetatmoAccount, cloud: Cloud
) -> None:
    cloud.reply("getscenarios", Reply(error(21, "Invalid argument"), status=400))
    known = (await account.async_refresh(RefreshRequest())).devices
    assert known[HOME].home is not None
    assert known[HOME].home.scenarios == []

    await account.async_execute(known[HOME], RunScenario(scenario="party"))

    assert cloud.requests[-1].json["home"]["modules"] == [
        {"id": GATEWAY, "scenario": "party"}
    ]


async def test_what_a_device_cannot_do_is_refused_before_any_call(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device]
) -> None:
    calls = cloud.calls()

    for device, command in (
        (known[DOORBELL], SetMonitoring(on=False)),  # a doorbell has none
        (known[INDOOR], RunScenario(scenario="away")),
        (known[HOME], SetMonitoring(on=True)),
        (known[COACH], SetMonitoring(on=True)),
        (known[INDOOR], Feed(amount=10)),
    ):
        with pytest.raises(RequestRejectedError):
            await account.async_execute(device, command)

    # a device said to feed (not one the account built) is refused all the same
    odd = copy.deepcopy(known[INDOOR])
    odd.actions = frozenset({Action.FEED})
    with pytest.raises(RequestRejectedError, match="Netatmo devices"):
        await account.async_execute(odd, Feed(amount=10))
    assert cloud.calls() == calls


async def test_a_home_without_gateway_cannot_run_scenarios(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device]
) -> None:
    topology = homesdata()
    topology["homes"][0]["modules"] = topology["homes"][0]["modules"][:3]
    cloud.reply("homesdata", ok(topology))
    await account.async_identify()

    with pytest.raises(RequestRejectedError, match="no gateway"):
        # a device object from before the gateway went
        await account.async_execute(known[HOME], RunScenario(scenario="away"))


async def test_the_cloud_refusing_a_command(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device]
) -> None:
    cloud.reply("setstate", Reply(error(21, "Invalid argument"), status=400))

    with pytest.raises(InvalidParameterError):
        await account.async_execute(known[OUTDOOR], SetMonitoring(on=True))

    camera = account.devices[OUTDOOR].camera
    assert camera is not None
    assert camera.monitoring is False  # nothing changed


# --- live stream --------------------------------------------------------------------------


def lan(cloud: Cloud, camera: str = "indoor") -> None:
    """The camera's VPN ping names its LAN URL (on the canned cloud)."""
    cloud.reply(
        f"vpn/{camera}/command/ping",
        {"local_url": f"{cloud.base_url}/local/{camera}", "product_name": "Camera"},
    )


async def test_a_camera_on_our_lan_streams_locally(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device], clock: Clock
) -> None:
    lan(cloud)
    cloud.reply(
        "local/indoor/command/ping", {"local_url": f"{cloud.base_url}/local/indoor"}
    )
    calls = account.calls_last_hour

    stream = await account.async_get_stream(known[INDOOR])

    assert stream.stream_url == f"{cloud.base_url}/local/indoor/live/index_local.m3u8"
    assert (
        stream.thumbnail_url == f"{cloud.base_url}/local/indoor/live/snapshot_720.jpg"
    )
    assert stream.expires_at == START + STREAM_RECHECK
    assert cloud.endpoints()[-2:] == [
        "vpn/indoor/command/ping",
        "local/indoor/command/ping",
    ]
    assert account.calls_last_hour == calls  # camera calls are no API calls


@pytest.mark.parametrize(
    "local",
    [
        Reply(None, status=404),
        Reply({"local_url": "x"}, delay=1),  # longer than a LAN takes
        Reply("<html/>", content_type="text/html"),
    ],
)
async def test_a_camera_elsewhere_streams_through_the_vpn(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device], local: Reply
) -> None:
    lan(cloud)
    cloud.reply("local/indoor/command/ping", local)

    stream = await account.async_get_stream(known[INDOOR])

    assert stream.stream_url == f"{cloud.base_url}/vpn/indoor/live/index.m3u8"
    assert stream.thumbnail_url == f"{cloud.base_url}/vpn/indoor/live/snapshot_720.jpg"


async def test_a_vpn_ping_without_a_lan_url_streams_through_the_vpn(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device]
) -> None:
    cloud.reply("vpn/indoor/command/ping", {"product_name": "Camera"})

    stream = await account.async_get_stream(known[INDOOR])

    assert stream.stream_url.endswith("/vpn/indoor/live/index.m3u8")
    assert cloud.endpoints()[-1] == "vpn/indoor/command/ping"


async def test_the_choice_is_made_again_when_the_stream_expires(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device], clock: Clock
) -> None:
    lan(cloud)
    cloud.reply(
        "local/indoor/command/ping",
        {"local_url": "ok"},
        Reply(None, status=503),  # the LAN stopped answering
    )
    first = await account.async_get_stream(known[INDOOR])
    clock.advance(STREAM_RECHECK)

    second = await account.async_get_stream(known[INDOOR])

    assert "/local/" in first.stream_url
    assert second.stream_url == f"{cloud.base_url}/vpn/indoor/live/index.m3u8"
    assert second.expires_at == START + 2 * STREAM_RECHECK


async def test_a_camera_out_of_reach(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device]
) -> None:
    cloud.reply("vpn/indoor/command/ping", Reply(None, status=404))
    with pytest.raises(CannotConnectError):
        await account.async_get_stream(known[INDOOR])

    cloud.reply("vpn/indoor/command/ping", Reply("garbage", content_type="text/plain"))
    stream = await account.async_get_stream(known[INDOOR])
    assert "/vpn/" in stream.stream_url  # it answers: the VPN stream is tried


async def test_a_camera_without_a_vpn_url(
    account: NetatmoAccount, cloud: Cloud, clock: Clock
) -> None:
    status = homestatus(cloud.base_url)
    status["home"]["modules"] = status["home"]["modules"][1:]
    cloud.reply("homestatus", ok(status))
    known = (await account.async_refresh(RefreshRequest())).devices

    with pytest.raises(CannotConnectError, match="VPN URL"):
        await account.async_get_stream(known[INDOOR])


async def test_a_snapshot(
    account: NetatmoAccount, cloud: Cloud, known: dict[str, Device]
) -> None:
    cloud.reply(
        "vpn/indoor/live/snapshot_720.jpg",
        Reply(b"\xff\xd8\xff", content_type="image/jpeg"),
    )

    image = await account.async_get_image(
        f"{cloud.base_url}/vpn/indoor/live/snapshot_720.jpg"
    )

    assert image == b"\xff\xd8\xff"
    cloud.reply("vpn/indoor/live/snapshot_720.jpg", Reply(None, status=404))
    with pytest.raises(RequestRejectedError):
        await account.async_get_image(
            f"{cloud.base_url}/vpn/indoor/live/snapshot_720.jpg"
        )
    with pytest.raises(BadResponseError):
        cloud.reply("vpn/indoor/live/snapshot_720.jpg", Reply(b""))
        await account.async_get_image(
            f"{cloud.base_url}/vpn/indoor/live/snapshot_720.jpg"
        )
