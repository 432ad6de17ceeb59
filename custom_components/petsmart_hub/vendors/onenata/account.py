"""OneNata's account: the API mapped onto the neutral model.

No Home Assistant imports here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
import copy
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
import hashlib
import time
from typing import Any, Final

from ...model import (
    STATE_HOLDERS,
    Action,
    CleaningMode,
    Command,
    CommandResult,
    Deodorize,
    Device,
    DeviceKind,
    Difficulty,
    Feature,
    Feed,
    FlowRate,
    Intensity,
    Location,
    PauseFeedingSchedule,
    Photo,
    PlayMode,
    Portion,
    PumpMode,
    RecordingQuality,
    SetFeedingSchedule,
    SetGeofence,
    StartCleaning,
    StartPlay,
    StartPump,
    StartRecording,
    StartTraining,
    StreamInfo,
    TakePhoto,
    TestWaterQuality,
    plausible_moment,
    to_minutes,
)
from ..base import (
    AuthError,
    BadResponseError,
    CameraAccount,
    CannotConnectError,
    DeviceNotFoundError,
    EnrollingAccount,
    Inventory,
    LocationHistoryAccount,
    Pushed,
    Refresh,
    RefreshRequest,
    RequestRejectedError,
    VendorAccount,
    VendorError,
    WebhookAccount,
    carry_state,
    still_known,
)
from ..parse import (
    ParseReport,
    pick,
    present,
    to_alerts,
    to_bool,
    to_datetime,
    to_float,
    to_int,
    to_str,
    to_str_list,
)
from . import webhook
from .client import (
    _LOGGER,
    CONCURRENT_REQUESTS,
    DEVICE_TYPES,
    MANUFACTURER,
    OneNataClient,
)

# --- mapping onto the neutral model -------------------------------------------


def _paused(value: Any) -> bool | None:
    """A schedule's status word (``paused``/``active``) as paused-or-not."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in {
            "paused",
            "pause",
            "suspended",
            "stopped",
            "disabled",
            "inactive",
            "off",
        }:
            return True
        if word in {"active", "running", "enabled", "on", "resumed", "normal"}:
            return False
        return None
    return to_bool(value)


#: (model attribute, JSON keys, converter) for each kind's state holder.
_Field = tuple[str, tuple[str, ...], Callable[[Any], Any]]

#: Status fields a poll may find changed without push having missed anything:
#: when the device last checked in (OneNata pushes no check-in), and its alert
#: list, whose news comes as device.alert events (the Alert entity fires).
_CHECK_IN_FIELDS: Final = frozenset({"last_report", "last_seen", "alerts"})

_STATUS_FIELDS: Final[dict[DeviceKind, tuple[_Field, ...]]] = {
    DeviceKind.FEEDER: (
        ("food_level", ("foodLevel",), to_float),
        ("last_feed", ("lastFeedTime",), to_datetime),
        ("next_feed", ("nextScheduledFeed", "nextFeedTime"), to_datetime),
        ("scheduled_feeds", ("scheduledFeeds",), to_int),
        ("feeds_today", ("feedCount",), to_int),
        # doc-silent: whether the schedule is paused, as a flag or a word
        # ("paused", "active"); both are read, the word wins
        ("schedule_paused", ("schedulePaused",), to_bool),
        ("schedule_paused", ("scheduleStatus",), _paused),
    ),
    DeviceKind.FOUNTAIN: (
        ("water_level", ("waterLevel",), to_float),
        ("filter_status", ("filterStatus",), to_str),
        ("last_maintenance", ("lastMaintenance",), to_datetime),
        ("pump_running", ("pumpRunning",), to_bool),
        ("cleaning", ("cleaning",), to_bool),
    ),
    DeviceKind.TRACKER: (("last_seen", ("lastSeen",), to_datetime),),
    DeviceKind.CAMERA: (
        ("resolution", ("resolution",), to_str),
        ("night_vision", ("nightVision",), to_bool),
        ("audio", ("audioSupport",), to_bool),
        ("storage_used", ("storageUsed",), to_str),
        ("recording", ("recording",), to_bool),
    ),
    DeviceKind.LITTER_BOX: (
        ("litter_level", ("litterLevel",), to_float),
        ("waste_level", ("wasteLevel",), to_float),
        ("last_cleaned", ("lastCleaned",), to_datetime),
        ("odor_control", ("odorControl",), to_str),
        ("cleaning", ("cleaning",), to_bool),
        # doc-silent: when a pet last used it, every plausible name read (a
        # visit count in the status is not read: the doc's totalVisits is of
        # a period, from the usage statistics, and only it counts)
        (
            "last_visit",
            ("lastVisit", "lastVisitTime", "lastUse", "lastUsed"),
            to_datetime,
        ),
    ),
    DeviceKind.TOY: (
        ("play_modes", ("playModes",), to_str_list),
        ("last_play_session", ("lastPlaySession",), to_datetime),
        ("playing", ("playing",), to_bool),
        ("mode", ("mode",), to_str),
        # doc-silent: how long the last session lasted, in seconds
        (
            "last_session_duration",
            ("lastSessionDuration", "lastPlayDuration"),
            to_float,
        ),
    ),
}

_FOOD_LEVEL_FIELDS: Final[tuple[_Field, ...]] = (
    ("food_remaining", ("currentLevel",), to_float),
    ("capacity", ("maxCapacity",), to_float),
    ("food_level", ("percentage",), to_float),
    ("days_remaining", ("estimatedDaysRemaining",), to_float),
    ("daily_consumption", ("dailyConsumption",), to_float),
    ("food_low", ("lowLevelAlert",), to_bool),
    ("refill_recommended", ("refillRecommended",), to_bool),
    ("last_refill", ("lastRefill",), to_datetime),
)

_WATER_QUALITY_FIELDS: Final[tuple[_Field, ...]] = (
    ("ph", ("ph", "pH"), to_float),
    ("tds", ("tds",), to_float),
    ("temperature", ("temperature",), to_float),
    ("chlorine", ("chlorine",), to_float),
    ("quality", ("quality",), to_str),
    ("last_tested", ("lastTested",), to_datetime),
    ("filter_life", ("filterLifeRemaining",), to_float),
    ("recommendations", ("recommendations",), to_str_list),
)

_USAGE_FIELDS: Final[tuple[_Field, ...]] = (
    ("visits_period", ("period",), to_str),
    ("visits", ("totalVisits",), to_int),
    ("average_visits_per_day", ("averageVisitsPerDay",), to_float),
    ("average_visit_duration", ("averageDuration",), to_float),
    ("litter_level", ("litterLevel",), to_float),
    ("waste_level", ("wasteLevel",), to_float),
    ("maintenance_needed", ("maintenanceNeeded",), to_bool),
)

_HEALTH_FIELDS: Final[tuple[_Field, ...]] = (
    ("overall_health", ("overallHealth",), to_str),
    ("recommendations", ("recommendations",), to_str_list),
)

_ACTIVITY_FIELDS: Final[tuple[_Field, ...]] = (
    ("total_play_time", ("totalPlayTime",), to_float),
    ("average_session", ("averageSessionDuration",), to_float),
    ("sessions", ("totalSessions",), to_int),
    ("calories", ("caloriesBurned",), to_float),
    ("activity_level", ("activityLevel",), to_str),
    ("favorite_mode", ("favoritePlayMode",), to_str),
)


type _Fetch = Callable[[OneNataClient, str], Awaitable[dict[str, Any]]]

#: The slow tier of each kind: which answers it reads and the fields of each.
_SLOW_TIER: Final[dict[DeviceKind, tuple[tuple[_Fetch, tuple[_Field, ...]], ...]]] = {
    DeviceKind.FEEDER: ((OneNataClient.async_get_food_level, _FOOD_LEVEL_FIELDS),),
    DeviceKind.FOUNTAIN: (
        (OneNataClient.async_get_water_quality, _WATER_QUALITY_FIELDS),
    ),
    DeviceKind.LITTER_BOX: (
        (OneNataClient.async_get_usage_stats, _USAGE_FIELDS),
        (OneNataClient.async_get_health_insights, _HEALTH_FIELDS),
    ),
    DeviceKind.TOY: ((OneNataClient.async_get_activity, _ACTIVITY_FIELDS),),
}


def _slow_fetches(
    kind: DeviceKind, slow_read: int
) -> tuple[tuple[_Fetch, tuple[_Field, ...]], ...]:
    """The slow-tier answers a device's ``slow_read``-th slow read asks for.

    A kind with several answers reads them all the first time (every entity
    has its value from the start), then one in turn at each slow read: a
    litter box's statistics and insights each every other interval, so it
    costs one request an interval like any other kind.
    """
    fetches = _SLOW_TIER.get(kind, ())
    if slow_read == 0 or len(fetches) < 2:
        return fetches
    return (fetches[slow_read % len(fetches)],)


def _apply(
    target: object,
    data: Mapping[str, Any],
    fields: tuple[_Field, ...],
    report: ParseReport,
    prefix: str = "",
) -> None:
    """Copy each field present in ``data`` onto ``target``.

    A key the cloud left out keeps its last value; a key sent as null becomes
    unknown, and so does a value we cannot read (a word where a number
    belongs, NaN): that one is counted as rejected.
    """
    for attr, keys, convert in fields:
        value = pick(data, *keys)
        if not present(value):
            continue
        converted = convert(value)
        if converted is None and value is not None:
            report.reject(f"{prefix}{attr}", value)
        setattr(target, attr, converted)


def _require_any(data: Mapping[str, Any], keys: Iterable[str], what: str) -> None:
    """Refuse an answer that carries none of the fields we read from it.

    An answer holding only ``deviceId`` (or nothing) tells nothing: it is a
    bad answer for that device, not a reason to keep showing old values as
    fresh ones.
    """
    if not any(key in data for key in keys):
        raise BadResponseError(f"{what} without any reading")


def _field_keys(fields: tuple[_Field, ...]) -> list[str]:
    return [key for _attr, keys, _convert in fields for key in keys]


#: What a status answer says of every device, whatever its kind. With the
#: kind's own fields these are the keys that carry something (``status`` is
#: only the container of the kind's readings, ``deviceId`` only names it).
_DEVICE_STATUS_FIELDS: Final[tuple[_Field, ...]] = (
    ("online", ("isOnline", "online"), to_bool),
    ("battery", ("batteryLevel", "battery"), to_float),
    ("last_report", ("lastReportTime", "lastSeen"), to_datetime),
    ("alerts", ("alerts",), to_alerts),
)


def apply_status(
    device: Device, data: Mapping[str, Any], report: ParseReport | None = None
) -> None:
    """Map ``GET /status`` data onto ``device``.

    The doc puts kind readings in a nested ``status`` object while the validate
    answers show them at the top level: both places are read, nested wins.
    """
    report = report if report is not None else ParseReport()
    nested = data.get("status")
    merged = {**data, **nested} if isinstance(nested, dict) else dict(data)
    kind_fields = _STATUS_FIELDS[device.kind]
    _require_any(merged, _field_keys(_DEVICE_STATUS_FIELDS + kind_fields), "status")
    _apply(device, data, _DEVICE_STATUS_FIELDS, report)
    _apply(device.kind_state, merged, kind_fields, report, _prefix(device))


def _prefix(device: Device) -> str:
    """How rejected readings of the device's kind state are named (``feeder.``)."""
    return f"{STATE_HOLDERS[device.kind][0]}."


_LATITUDE_KEYS: Final = ("latitude", "lat")
_LONGITUDE_KEYS: Final = ("longitude", "lng", "lon")


def parse_location(data: Mapping[str, Any]) -> Location:
    """Map a location object; latitude and longitude are required."""
    latitude = to_float(pick(data, *_LATITUDE_KEYS))
    longitude = to_float(pick(data, *_LONGITUDE_KEYS))
    if latitude is None or longitude is None:
        raise BadResponseError("location without latitude/longitude")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise BadResponseError("location out of range")
    return Location(
        latitude=latitude,
        longitude=longitude,
        accuracy=to_float(pick(data, "accuracy")),
        altitude=to_float(pick(data, "altitude")),
        speed=to_float(pick(data, "speed")),
        heading=to_float(pick(data, "heading")),
        timestamp=to_datetime(pick(data, "timestamp")),
        address=to_str(pick(data, "address")),
    )


def parse_stream(data: Mapping[str, Any]) -> StreamInfo:
    """Map ``GET /stream`` data; a stream URL is required."""
    url = to_str(pick(data, "streamUrl", "url"))
    if not url:
        raise BadResponseError("stream without streamUrl")
    stream = StreamInfo(
        stream_url=url,
        thumbnail_url=to_str(pick(data, "thumbnailUrl")),
        expires_at=to_datetime(pick(data, "expiresAt")),
    )
    if stream.expires_at is not None and not plausible_moment(stream.expires_at):
        stream.expires_at = None  # an impossible expiry is no expiry
    return stream


# --- actions: what each device type can do, and the command of each action -----

#: Per device type, from the doc's command list and its per-type sections: what
#: it can be asked to do, and what else it offers.
CAPABILITIES: Final[dict[DeviceKind, tuple[frozenset[Action], frozenset[Feature]]]] = {
    DeviceKind.FEEDER: (
        frozenset(
            {Action.FEED, Action.SET_FEEDING_SCHEDULE, Action.PAUSE_FEEDING_SCHEDULE}
        ),
        frozenset({Feature.ALERTS}),
    ),
    DeviceKind.FOUNTAIN: (
        frozenset(
            {Action.START_PUMP, Action.START_CLEANING, Action.TEST_WATER_QUALITY}
        ),
        frozenset({Feature.ALERTS}),
    ),
    DeviceKind.TRACKER: (
        frozenset({Action.SET_GEOFENCE}),
        frozenset({Feature.LOCATION_HISTORY, Feature.ALERTS}),
    ),
    DeviceKind.CAMERA: (
        frozenset({Action.TAKE_PHOTO, Action.START_RECORDING}),
        frozenset({Feature.LIVE_STREAM, Feature.ALERTS}),
    ),
    DeviceKind.LITTER_BOX: (
        frozenset({Action.START_CLEANING, Action.DEODORIZE}),
        frozenset({Feature.ALERTS}),
    ),
    DeviceKind.TOY: (
        frozenset({Action.START_PLAY, Action.START_TRAINING}),
        frozenset({Feature.ALERTS}),
    ),
}

#: The doc's words for the neutral choices.
PORTIONS: Final = {
    Portion.SMALL: "small",
    Portion.NORMAL: "normal",
    Portion.LARGE: "large",
}
FLOW_RATES: Final = {
    FlowRate.LOW: "low",
    FlowRate.NORMAL: "normal",
    FlowRate.HIGH: "high",
}
PUMP_MODES: Final = {
    PumpMode.CONTINUOUS: "continuous",
    PumpMode.INTERMITTENT: "intermittent",
}
CLEANING_MODES: Final = {
    CleaningMode.QUICK: "quick",
    CleaningMode.NORMAL: "normal",
    CleaningMode.DEEP: "deep",
}
RECORDING_QUALITIES: Final = {
    RecordingQuality.SD: "480p",
    RecordingQuality.HD: "720p",
    RecordingQuality.FULL_HD: "1080p",
}
PLAY_MODES: Final = {
    PlayMode.INTERACTIVE: "interactive",
    PlayMode.AUTOMATIC: "automatic",
    PlayMode.TRAINING: "training",
}
INTENSITIES: Final = {
    Intensity.LOW: "low",
    Intensity.MEDIUM: "medium",
    Intensity.HIGH: "high",
}
DIFFICULTIES: Final = {
    Difficulty.BEGINNER: "beginner",
    Difficulty.INTERMEDIATE: "intermediate",
    Difficulty.ADVANCED: "advanced",
}


def _given(**parameters: Any) -> dict[str, Any]:
    """The parameters that were given (None: left to the device)."""
    return {key: value for key, value in parameters.items() if value is not None}


def _word[E: StrEnum](words: Mapping[E, str], choice: E | None) -> str | None:
    return None if choice is None else words[choice]


def command_body(command: Command) -> tuple[str, dict[str, Any]]:
    """The OneNata command and its parameters for a neutral command."""
    match command:
        case Feed():
            return "feed", {
                "amount": command.amount,
                "schedule": "immediate",
                "recordFeeding": True,
                **_given(
                    portion=_word(PORTIONS, command.portion),
                    soundAlert=command.sound_alert,
                ),
            }
        case SetFeedingSchedule():
            return "setSchedule", {
                "schedule": [
                    {"time": slot.time, "amount": slot.amount, "enabled": slot.enabled}
                    for slot in command.slots
                ],
                "timezone": command.timezone,
                "autoAdjust": command.auto_adjust,
            }
        case PauseFeedingSchedule():
            return "pauseSchedule", {}
        case SetGeofence():
            return "setFence", {
                "latitude": command.latitude,
                "longitude": command.longitude,
                "radius": command.radius,
                "name": command.name,
                "alertOnExit": command.alert_on_exit,
                "alertOnEntry": command.alert_on_entry,
                "enabled": True,
            }
        case StartPump():
            # startPump counts minutes (the doc's 30 ends 30 minutes later)
            return "startPump", {
                **_given(
                    duration=None
                    if command.duration_s is None
                    else to_minutes(command.duration_s),
                    flowRate=_word(FLOW_RATES, command.flow_rate),
                    mode=_word(PUMP_MODES, command.mode),
                ),
                "autoStop": True,
            }
        case StartCleaning():
            return "startClean", _given(
                mode=_word(CLEANING_MODES, command.mode), duration=command.duration_s
            )
        case TestWaterQuality():
            return "testQuality", {}
        case TakePhoto():
            return "takePhoto", {
                "quality": "high",
                "timestamp": True,
                "format": "jpeg",
                "saveToCloud": True,
            }
        case StartRecording():
            return "startRecord", {
                "autoStop": True,
                "saveToCloud": True,
                **_given(
                    duration=command.duration_s,
                    quality=_word(RECORDING_QUALITIES, command.quality),
                ),
            }
        case Deodorize():
            return "enableDeodorize", {}
        case StartPlay():
            return "startPlay", _given(
                mode=_word(PLAY_MODES, command.mode),
                duration=command.duration_s,
                intensity=_word(INTENSITIES, command.intensity),
            )
        case StartTraining():
            return "startTraining", {
                "rewardSystem": True,
                "progressTracking": True,
                **_given(
                    skill=command.skill,
                    difficulty=_word(DIFFICULTIES, command.difficulty),
                    duration=command.duration_s,
                ),
            }
    raise RequestRejectedError(f"OneNata devices can not {command.action}")


def parse_photo(data: Mapping[str, Any]) -> Photo:
    """Map a takePhoto answer; what it leaves out stays unknown."""
    timestamp = to_datetime(pick(data, "timestamp"))
    return Photo(
        id=to_str(pick(data, "photoId")),
        url=to_str(pick(data, "url")),
        thumbnail_url=to_str(pick(data, "thumbnailUrl")),
        timestamp=timestamp
        if timestamp is not None and plausible_moment(timestamp)
        else None,
        resolution=to_str(pick(data, "resolution")),
    )


#: How often slow-changing data is read: levels, quality, statistics (status
#: and location are read on every refresh).
SLOW_TIER_INTERVAL: Final = timedelta(minutes=15)
#: ... and while push brings every status change (every other safety-net poll).
SLOW_TIER_WHILE_PUSHED: Final = timedelta(minutes=30)
#: How often the device list is read: it is inventory, and changes when a
#: device is added or removed (a command that adds one, a push naming one we
#: do not know, or a device the cloud no longer knows reads it at once).
INVENTORY_INTERVAL: Final = timedelta(minutes=30)
#: The shortest gap between two reads of a device's status by the regular
#: poll (a minute): half of it, so a device read a little late in one poll
#: is still read at the next one.
FAST_TOLERANCE: Final = 30.0
#: How often a device of a kind is read by the regular poll, in polls: a GPS
#: tracker's reading takes two requests (its status and its position), so it
#: is read every other poll and costs what any other device costs.
FAST_EVERY: Final[dict[DeviceKind, int]] = {DeviceKind.TRACKER: 2}
#: The minute the regular poll comes every (the coordinator's interval).
POLL_SECONDS: Final = 60.0


def _phase(device_id: str) -> float:
    """Where in its interval a device's periodic reads fall, in [0, 1).

    Stable for a device (the same every run), and spread evenly over many
    devices: their slow reads do not all land on one poll.
    """
    digest = hashlib.blake2s(device_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest) / 2**32


def _raise_if_unreachable(refresh: Refresh, targets: int) -> None:
    """Fail the refresh when the cloud could not be reached for any device.

    Without the device list (read every 30 minutes) a cloud outage shows as
    each device failing to connect; it is the account's failure, told once,
    not a device's. A device answering something we cannot use (bad data, a
    404, throttling) fails on its own, and a refresh whose device list was
    read fine reached the cloud.
    """
    errors = list(refresh.failed.values())
    if (
        targets
        and refresh.listing is None
        and len(errors) == targets
        and not refresh.devices
        and all(type(err) is CannotConnectError for err in errors)
    ):
        raise errors[0]


def _never() -> bool:
    """A refresh without a deadline never expires."""
    return False


class _PendingError(Exception):
    """A device the refresh's deadline left unread."""


class OneNataAccount(
    VendorAccount,
    CameraAccount,
    LocationHistoryAccount,
    EnrollingAccount,
    WebhookAccount,
):
    """A OneNata account seen through the neutral model.

    A refresh reads every device that is due, at most ``CONCURRENT_REQUESTS``
    requests at a time: its status (and a tracker's location) every minute
    (a tracker every other minute), its slow tier every 15 minutes, each
    device at its own point of the interval. The device list is read every
    30 minutes, or at once when something says it changed.
    """

    vendor = "onenata"

    def __init__(self, client: OneNataClient) -> None:
        """Wrap a client."""
        self.client = client
        self.gate = client.gate
        self.report = ParseReport()
        self._unsupported_logged: set[str] = set()
        self._limit = asyncio.Semaphore(CONCURRENT_REQUESTS)
        #: monotonic time at which each device's status is next due
        self._fast_due: dict[str, float] = {}
        #: monotonic time at which each device's slow tier is next due
        self._slow_due: dict[str, float] = {}
        #: slow reads of each device so far (a litter box alternates its two)
        self._slow_reads: dict[str, int] = {}
        #: monotonic time at which the device list is next due (0: now)
        self._list_due = 0.0
        #: the devices of the last listing, by id
        self._listed: dict[str, Device] = {}
        #: a litter box's health alerts, per answer they came in
        self._health_alerts: dict[str, dict[str, list[str]]] = {}
        #: ids the last listing named but we skip (unsupported, unreadable)
        self._skipped: frozenset[str] = frozenset()
        #: unknown device id -> when (monotonic) its push had the list read
        self._relisted_for: dict[str, float] = {}

    async def async_identify(self) -> Inventory:
        """The device list: one call checks the key."""
        return await self.async_list()

    async def async_refresh(self, request: RefreshRequest) -> Refresh:
        """Read the devices that are due (one device only, after a command)."""
        if request.device_id is not None:
            device = copy.deepcopy(request.known[request.device_id])
            refresh = Refresh()
            await self._async_read_one(device, refresh, slow=True, expired=_never)
            return refresh
        now = time.monotonic()
        listing: Inventory | None = None
        if request.relist or self._list_due <= now:
            listing = await self.async_list()
            self._listed = {device.id: device for device in listing}
            self._skipped = listing.skipped_ids
            for device_id, asked in list(self._relisted_for.items()):
                if now - asked >= INVENTORY_INTERVAL.total_seconds():
                    del self._relisted_for[device_id]
            self._list_due = now + INVENTORY_INTERVAL.total_seconds()
        targets: dict[str, Device] = {}
        for device_id, listed in self._listed.items():
            known = request.known.get(device_id)
            if known is None:
                targets[device_id] = copy.deepcopy(listed)  # the listing's is kept
            elif request.read_all or self._due(device_id, now):
                targets[device_id] = carry_state(listed, known)
        # a known device a listing left out is read with it (does it still
        # answer?), and when due until it is confirmed removed
        for device_id, known in request.known.items():
            if device_id in self._listed:
                continue
            if listing is not None or self._due(device_id, now):
                targets[device_id] = copy.deepcopy(known)
        refresh = Refresh(listing=listing)
        slow_interval = (
            SLOW_TIER_WHILE_PUSHED if request.push_healthy else SLOW_TIER_INTERVAL
        )
        expired = _never
        if request.deadline is not None:
            # counted from the first read; a refresh reads one device at least
            deadline = time.monotonic() + request.deadline

            def expired() -> bool:
                return time.monotonic() >= deadline and bool(
                    refresh.devices or refresh.failed
                )

        await asyncio.gather(
            *(
                self._async_read_one(
                    device,
                    refresh,
                    slow=self._slow_due.get(device.id, 0) <= now,
                    slow_interval=slow_interval,
                    expired=expired,
                )
                for device in targets.values()
            )
        )
        _raise_if_unreachable(refresh, len(targets))
        for held in (
            self._fast_due,
            self._slow_due,
            self._slow_reads,
            self._health_alerts,
        ):
            for device_id in set(held) - set(self._listed) - set(request.known):
                del held[device_id]
        return refresh

    def _due(self, device_id: str, now: float) -> bool:
        """Whether the regular poll reads a device HA holds now."""
        return self._fast_due.get(device_id, 0) <= now + FAST_TOLERANCE

    async def _async_read_one(
        self,
        device: Device,
        refresh: Refresh,
        *,
        slow: bool,
        slow_interval: timedelta = SLOW_TIER_INTERVAL,
        expired: Callable[[], bool],
    ) -> None:
        """Read one device into ``refresh``; a failure only fails that device."""
        started = time.monotonic()
        reads = self._slow_reads.get(device.id, 0)
        try:
            await self._async_read_into(
                device, slow=slow, slow_read=reads, expired=expired
            )
        except _PendingError:
            refresh.pending.add(device.id)
            return
        except AuthError:
            raise
        except VendorError as err:
            _LOGGER.debug("Refreshing %s failed: %s", device.name, err)
            refresh.failed[device.id] = err
            if isinstance(err, DeviceNotFoundError):
                self._list_due = 0.0  # the cloud forgot it: was it removed?
            return
        refresh.devices[device.id] = device
        self._plan_reads(device, started, slow, slow_interval)

    def _plan_reads(
        self, device: Device, started: float, slow: bool, slow_interval: timedelta
    ) -> None:
        """When the device is next due: its status and its slow tier.

        A device read every other poll starts on the poll its phase gives, so
        half of them are read on each. The slow tier keeps its interval
        exactly (the next read is due one interval after the last was due,
        not after it ended), and each device's first interval is stretched by
        its phase, so the slow reads of many devices are spread over it.
        """
        every = FAST_EVERY.get(device.kind, 1)
        polls = (
            every if device.id in self._fast_due else 1 + int(_phase(device.id) * every)
        )
        self._fast_due[device.id] = started + POLL_SECONDS * polls
        if not slow:
            return
        self._slow_reads[device.id] = self._slow_reads.get(device.id, 0) + 1
        interval = slow_interval.total_seconds()
        due = self._slow_due.get(device.id)
        if due is None:
            due = started + interval * (1 + _phase(device.id))
        while due <= started:
            due += interval
        self._slow_due[device.id] = due

    async def async_register_webhook(self, url: str) -> None:
        """Register ``url`` for the three documented events."""
        await self.client.async_register_webhook(url, list(webhook.EVENTS))

    def parse_webhook(self, payload: Any, known: Mapping[str, Device]) -> Pushed:
        """A webhook call into updates of known devices (see ``webhook``)."""
        return webhook.parse_event(
            payload, known, self.report, apply_status, self._may_relist
        )

    def _may_relist(self, device_id: str) -> bool:
        """Whether a push naming a device we do not hold has the list read.

        Once per device and inventory interval, and never for one the last
        listing named but we skip (a type we do not support): its pushes
        would read the list again and again.
        """
        now = time.monotonic()
        asked = self._relisted_for.get(device_id)
        if device_id in self._skipped or (
            asked is not None and now - asked < INVENTORY_INTERVAL.total_seconds()
        ):
            return False
        self._relisted_for[device_id] = now
        return True

    def push_missed(self, held: Device, polled: Device) -> bool:
        """Whether the status a poll read differs from what pushes left us.

        Only what a status event carries counts (the device's status fields
        and its kind's): slow-tier readings are never pushed.
        """
        # the report time (a tracker's "last seen") moves with every
        # check-in, which OneNata never pushes, and alerts come as events:
        # only a change of what the device reports counts
        kind_fields = [
            name
            for name, _keys, _convert in _STATUS_FIELDS[held.kind]
            if name not in _CHECK_IN_FIELDS
        ]
        device_fields = [
            name
            for name, _keys, _convert in _DEVICE_STATUS_FIELDS
            if name not in _CHECK_IN_FIELDS
        ]
        if held.kind is not polled.kind:
            return False
        return any(
            getattr(held, name) != getattr(polled, name) for name in device_fields
        ) or any(
            getattr(held.kind_state, name) != getattr(polled.kind_state, name)
            for name in kind_fields
        )

    async def async_list(self) -> Inventory:
        """Return the inventory; entries we cannot use are skipped.

        Entries of a type we do not support are logged once at info; entries
        without a type are unreadable and counted. Either way their ids are
        reported, so a device whose entry turned unreadable is not taken for
        removed.
        """
        listing = await self.client.async_get_devices(self.report)
        devices: list[Device] = []
        skipped: list[str] = []
        for entry in listing.entries:
            if entry.kind is None:
                skipped.append(entry.device_id)
                if not entry.device_type:
                    self.report.skip("device list entry", "no deviceType")
                elif entry.device_type not in self._unsupported_logged:
                    self._unsupported_logged.add(entry.device_type)
                    _LOGGER.info(
                        "Skipping OneNata device type %r: not supported yet",
                        entry.device_type,
                    )
                continue
            devices.append(
                Device(
                    id=entry.device_id,
                    kind=entry.kind,
                    name=entry.name or entry.model or entry.device_id,
                    name_reported=entry.name is not None,
                    manufacturer=MANUFACTURER,
                    model=entry.model,
                    serial=entry.serial,
                    firmware=entry.firmware,
                    actions=CAPABILITIES[entry.kind][0],
                    features=CAPABILITIES[entry.kind][1],
                )
            )
        return Inventory(devices, unreadable=listing.unreadable, skipped_ids=skipped)

    async def async_probe_device(self, device_id: str) -> bool | None:
        """Ask for the device's status: does the cloud still know it?

        One it does not know has the device list read at the next refresh
        (its removal is confirmed by listings).
        """
        known = await still_known(self.client.async_get_status(device_id))
        if known is False:
            self._list_due = 0.0
        return known

    async def async_read(self, device: Device, *, slow: bool) -> Device:
        """Read a device afresh: a new object, ``device`` stays as it was."""
        fresh = copy.deepcopy(device)
        await self._async_read_into(fresh, slow=slow)
        return fresh

    async def _async_read_into(
        self,
        device: Device,
        *,
        slow: bool,
        slow_read: int = 0,
        expired: Callable[[], bool] = _never,
    ) -> None:
        """Fetch status (and location); with ``slow`` also levels and statistics.

        ``device`` is the account's own new object. The requests go out
        together (at most ``CONCURRENT_REQUESTS`` of the account's at once),
        and every answer is checked before anything is written. Readings that
        are not plausible become unknown (and are counted). A request that
        that would start once the refresh ``expired`` leaves the device unread
        (pending).
        """
        client = self.client
        kind = device.kind
        fetches = _slow_fetches(kind, slow_read) if slow else ()
        calls: list[Callable[[], Awaitable[dict[str, Any]]]] = [
            partial(client.async_get_status, device.id)
        ]
        if kind is DeviceKind.TRACKER:
            calls.append(partial(client.async_get_location, device.id))
        calls += [partial(fetch, client, device.id) for fetch, _fields in fetches]
        # the device's first request to get a slot (the status: the slots
        # are taken in order) decides whether it is read now: the others
        # follow it, so a device is never half read
        started: list[bool] = []

        def late() -> bool:
            if not started:
                started.append(not expired())
            return not started[0]

        answers = await asyncio.gather(
            *(self._async_request(call, late) for call in calls),
            return_exceptions=True,
        )
        for wanted in (AuthError, _PendingError, BaseException):
            for answer in answers:
                if isinstance(answer, wanted):
                    raise answer
        status, *rest = (answer for answer in answers if isinstance(answer, dict))
        location = rest.pop(0) if kind is DeviceKind.TRACKER else None
        extra = [
            (data, fields) for data, (_fetch, fields) in zip(rest, fetches, strict=True)
        ]
        if location is not None:
            _require_any(location, _LATITUDE_KEYS + _LONGITUDE_KEYS, "location")
        for data, fields in extra:
            _require_any(data, _field_keys(fields), "slow-tier answer")
        parsed_location: Location | None = None
        if location is not None:
            try:
                parsed_location = parse_location(location)
            except BadResponseError:
                self.report.reject("tracker.location", location)
        apply_status(device, status, self.report)
        if device.tracker is not None and location is not None:
            device.tracker.location = parsed_location
            if parsed_location is not None and parsed_location.timestamp is not None:
                device.tracker.last_seen = parsed_location.timestamp
            # the fix's battery, where sent, is newer than the status's
            battery = pick(location, "batteryLevel")
            if present(battery) and battery is not None:
                if (value := to_float(battery)) is None:
                    self.report.reject("battery", battery)
                else:
                    device.battery = value
        for data, fields in extra:
            _apply(device.kind_state, data, fields, self.report, _prefix(device))
        if device.litter_box is not None and extra:
            self._apply_health_alerts(device, extra)
        self.report.drop_implausible(device)

    def _apply_health_alerts(
        self, device: Device, extra: list[tuple[dict[str, Any], tuple[_Field, ...]]]
    ) -> None:
        """A litter box's health alerts, from whichever of its answers were read.

        The usage statistics and the health insights are read in turn: the
        alerts each answered last are kept, and shown together.
        """
        held = self._health_alerts.setdefault(device.id, {})
        for data, fields in extra:
            if fields is _USAGE_FIELDS:
                health = data.get("healthMetrics")
                held["usage"] = (
                    to_str_list(health.get("alerts"))
                    if isinstance(health, dict)
                    else []
                )
            else:
                held["insights"] = to_str_list(data.get("alerts"))
        if device.litter_box is not None:
            device.litter_box.health_alerts = list(
                dict.fromkeys(held.get("insights", []) + held.get("usage", []))
            )

    async def _async_request(
        self, call: Callable[[], Awaitable[dict[str, Any]]], expired: Callable[[], bool]
    ) -> dict[str, Any]:
        """Send one request of a refresh when a slot is free (unless too late)."""
        async with self._limit:
            if expired():
                raise _PendingError
            return await call()

    async def async_execute(self, device: Device, command: Command) -> CommandResult:
        """Send the OneNata command behind ``command``."""
        name, parameters = command_body(command)
        answer = await self.client.async_send_command(device.id, name, parameters)
        if isinstance(command, TakePhoto):
            return CommandResult(photo=parse_photo(answer))
        return CommandResult()

    async def async_get_stream(self, device: Device) -> StreamInfo:
        """Ask for a new signed HLS URL."""
        return parse_stream(await self.client.async_get_stream(device.id))

    async def async_get_image(self, url: str) -> bytes:
        """Download a thumbnail or photo."""
        return await self.client.async_get_bytes(url)

    async def async_get_location_history(
        self, device: Device, start: datetime, end: datetime, limit: int
    ) -> list[Location]:
        """Return past positions; entries we cannot read are skipped."""
        data = await self.client.async_get_location_history(
            device.id, start, end, limit
        )
        points = data.get("locations")
        if not isinstance(points, list):
            raise BadResponseError("location history without a locations list")
        history: list[Location] = []
        for point in points:
            if not isinstance(point, dict):
                self.report.skip("history point", "not an object")
                continue
            try:
                location = parse_location(point)
            except BadResponseError:
                self.report.skip("history point", "no plausible position")
                continue
            self.report.drop_implausible(location, "history.")
            history.append(location)
        return history

    async def async_add_device(
        self, serial: str, kind: DeviceKind, model: str | None
    ) -> str:
        """``POST /devices/validate`` and return the new device's id."""
        data = await self.client.async_validate_device(
            serial, DEVICE_TYPES[kind], model
        )
        device_id = to_str(pick(data, "deviceId", "id"))
        if not device_id:
            raise BadResponseError("validate answered without a deviceId")
        return device_id
