"""The OneNata API surface: GET endpoints and device commands, table-driven.

Every endpoint and command is a plain function of a `Ctx` returning the `data`
of the doc's {code, msg, data} envelope; the tables `DEVICE_ENDPOINTS` and
`COMMANDS` say which device kinds accept it and what its parameters are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
import math
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .devices import (
    CAMERA,
    DEVICE_KINDS,
    FEEDER,
    FOOD_CAPACITY_GRAMS,
    FOUNTAIN,
    JSON,
    LITTER_BOX,
    LOW_LEVEL_PERCENT,
    PLAY_MODES,
    TOY,
    TRACKER,
    TRACKER_FIX_SECONDS,
    ScheduleEntry,
    SimDevice,
    device_status,
    enabled_meals,
    filter_life,
    floor_time,
    food_percentage,
    inside_fence,
    iso,
    iso_or_none,
    kind_status,
    last_report,
    next_feed,
    position,
    record_feed,
    track_point,
    waste_level,
)

STREAM_LIFETIME = timedelta(minutes=10)
# Water quality word by the filter life (percent) it needs at least.
QUALITY_BANDS = ((60, "excellent"), (30, "good"), (10, "fair"))


class ApiError(Exception):
    """An error the API reports as HTTP `status` with envelope code `status`."""

    def __init__(self, status: int, message: str) -> None:
        """Store the HTTP status and message."""
        super().__init__(message)
        self.status = status
        self.message = message


def envelope(msg: str, data: Any, code: int = 200) -> JSON:
    """Wrap data in the doc's {code, msg, data} envelope."""
    return {"code": code, "msg": msg, "data": data}


# --- request arguments (query strings and command parameters alike) -----------


def arg_int(
    args: Mapping[str, Any], name: str, default: int, low: int, high: int
) -> int:
    """Read an integer argument given as a number or a digit string."""
    raw = args.get(name)
    if raw is None:
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"-?\d+", raw):
        value = int(raw)
    else:
        raise ApiError(400, f"Invalid parameter {name}: must be an integer")
    if not low <= value <= high:
        raise ApiError(
            400, f"Invalid parameter {name}: must be between {low} and {high}"
        )
    return value


def arg_bool(args: Mapping[str, Any], name: str, default: bool) -> bool:
    """Read a boolean argument given as a bool or "true"/"false"."""
    raw = args.get(name)
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false", "1", "0"):
        return raw.lower() in ("true", "1")
    raise ApiError(400, f"Invalid parameter {name}: must be true or false")


def arg_choice(
    args: Mapping[str, Any], name: str, default: str, choices: tuple[str, ...]
) -> str:
    """Read a string argument restricted to `choices`."""
    raw = args.get(name, default)
    if raw not in choices:
        raise ApiError(
            400, f"Invalid parameter {name}: must be one of {', '.join(choices)}"
        )
    return str(raw)


def arg_time(args: Mapping[str, Any], name: str, default: datetime) -> datetime:
    """Read an ISO 8601 time; a time without zone is taken as UTC."""
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None:
        raise ApiError(400, f"Invalid parameter {name}: must be an ISO 8601 time")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def arg_period(
    args: Mapping[str, Any], name: str, default: str
) -> tuple[str, timedelta]:
    """Read a period such as 24h, 7d or 4w."""
    raw = args.get(name, default)
    match = (
        re.fullmatch(r"([1-9]\d{0,2})([hdw])", raw) if isinstance(raw, str) else None
    )
    if match is None:
        raise ApiError(
            400, f"Invalid parameter {name}: use a period like 24h, 7d or 4w"
        )
    unit = {"h": "hours", "d": "days", "w": "weeks"}[match[2]]
    span = timedelta(**{unit: int(match[1])})
    if span > timedelta(days=366):
        raise ApiError(400, f"Invalid parameter {name}: at most one year")
    return str(raw), span


# --- response data -------------------------------------------------------------


@dataclass
class Ctx:
    """Everything a data builder or command needs for one request."""

    next_id: Callable[[str], str]  # issues ids such as feed_001
    device: SimDevice
    now: datetime
    args: Mapping[str, Any]
    base_url: str

    @property
    def readings_at(self) -> datetime:
        """When the device's own readings are from (see `SimDevice.value_time`)."""
        return self.device.value_time(self.now)


def status_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/status."""
    return device_status(ctx.device, ctx.now)


def food_level_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/food-level."""
    device, now = ctx.device, ctx.readings_at
    meals = enabled_meals(device)
    if meals and not device.schedule_paused:
        daily = sum(entry.amount for entry in meals)
    else:
        week_ago = now - timedelta(days=7)
        daily = round(sum(grams for at, grams in device.feed_log if at >= week_ago) / 7)
    low = food_percentage(device) < LOW_LEVEL_PERCENT
    data: JSON = {
        "currentLevel": device.food_grams,
        "maxCapacity": FOOD_CAPACITY_GRAMS,
        "percentage": food_percentage(device),
        "estimatedDaysRemaining": device.food_grams // daily if daily else None,
        "dailyConsumption": daily,
        "lowLevelAlert": low,
        "refillRecommended": low,
        "lastRefill": iso_or_none(device.last_refill),
    }
    if arg_bool(ctx.args, "includeHistory", False):
        days = arg_int(ctx.args, "days", 7, 1, 90)
        today = now.date()
        dispensed: Counter[str] = Counter()
        for at, grams in device.feed_log:
            dispensed[at.date().isoformat()] += grams
        data["history"] = [
            {"date": day, "amountDispensed": dispensed[day]}
            for day in (
                (today - timedelta(days=back)).isoformat()
                for back in range(days - 1, -1, -1)
            )
        ]
    return data


def location_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/location."""
    accuracy = arg_choice(ctx.args, "accuracy", "high", ("high", "medium", "low"))
    fix = track_point(ctx.device, last_report(ctx.device, ctx.now, TRACKER_FIX_SECONDS))
    fix["accuracy"] = round(
        fix["accuracy"] * {"high": 1, "medium": 2, "low": 5}[accuracy], 1
    )
    if arg_bool(ctx.args, "includeAddress", True):
        fix["address"] = ctx.device.address
    fix["batteryLevel"] = ctx.device.battery_level
    return fix


def history_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/location/history: one fix every `interval` seconds."""
    end = arg_time(ctx.args, "endDate", ctx.now)
    start = arg_time(ctx.args, "startDate", end - timedelta(days=1))
    if start > end:
        raise ApiError(400, "startDate must be before endDate")
    limit = arg_int(ctx.args, "limit", 100, 1, 1000)
    interval = arg_int(ctx.args, "interval", 300, 10, 86400)
    first = math.ceil(start.timestamp() / interval) * interval
    last = math.floor(min(end, ctx.now).timestamp() / interval) * interval
    total = (last - first) // interval + 1 if last >= first else 0
    locations = []
    for step in range(min(total, limit)):
        fix = track_point(
            ctx.device, datetime.fromtimestamp(first + step * interval, UTC)
        )
        locations.append(
            {
                key: fix[key]
                for key in ("latitude", "longitude", "timestamp", "accuracy")
            }
        )
    return {"locations": locations, "totalCount": total, "hasMore": total > limit}


def _water_reading(device: SimDevice, hour: datetime) -> JSON:
    """Water sensor values for one hour, deterministic from the seed."""
    rng = device.rng("water", int(hour.timestamp()))
    temperature = device.target_temperature
    if temperature is None:
        temperature = round(21.5 + rng.uniform(-1.0, 1.5), 1)
    return {
        "ph": round(7.0 + rng.uniform(-0.3, 0.4), 1),
        "tds": rng.randint(120, 180),
        "temperature": temperature,
        "chlorine": round(rng.uniform(0.05, 0.15), 2),
    }


def water_quality_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/water-quality.

    The sensor reports every hour (lastTested), a quiet one the same readings.
    """
    device, now = ctx.device, ctx.readings_at
    hour = floor_time(now, 3600)
    tested = floor_time(ctx.now, 3600)
    life = filter_life(device, now)
    quality = next((word for least, word in QUALITY_BANDS if life >= least), "poor")
    recommendations = []
    if life < 30:
        recommendations.append("Replace the filter soon")
    if device.water_level < LOW_LEVEL_PERCENT:
        recommendations.append("Refill the water tank")
    data: JSON = {
        **_water_reading(device, hour),
        "quality": quality,
        "lastTested": iso(max(device.last_tested or tested, tested)),
        "filterLifeRemaining": life,
        "recommendations": recommendations,
    }
    if arg_bool(ctx.args, "includeHistory", False):
        hours = arg_int(ctx.args, "hours", 24, 1, 168)
        data["history"] = [
            {"timestamp": iso(at), **_water_reading(device, at)}
            for at in (
                hour - timedelta(hours=back) for back in range(hours - 1, -1, -1)
            )
        ]
    return data


def stream_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/stream: URLs served by this simulator."""
    device = ctx.device
    quality = arg_choice(
        ctx.args, "quality", device.resolution, ("480p", "720p", "1080p")
    )
    arg_choice(ctx.args, "format", "hls", ("hls",))
    return {
        "streamUrl": f"{ctx.base_url}/live/{device.device_id}/playlist.m3u8",
        "thumbnailUrl": f"{ctx.base_url}/thumbnails/{device.device_id}.jpg",
        "quality": quality,
        "fps": 30,
        "audioEnabled": arg_bool(ctx.args, "audio", True) and device.audio_support,
        "expiresAt": iso(ctx.now + STREAM_LIFETIME),
    }


def usage_stats_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/usage-stats: a baseline plus the visits logged here.

    The baseline is the device's usual visits a day of its usual length; the
    visits `OneNataSimulator.visit` logged inside the period come on top.
    """
    device, now = ctx.device, ctx.readings_at
    period, span = arg_period(ctx.args, "period", "7d")
    days = span.total_seconds() / 86400
    waste = waste_level(device, now)
    logged = [seconds for at, seconds in device.visit_log if now - span <= at <= now]
    baseline = device.visits_per_day * days
    visits = round(baseline) + len(logged)
    per_day = round(device.visits_per_day + len(logged) / days)
    seconds = baseline * device.visit_seconds + sum(logged)
    weight = baseline + len(logged)
    duration = round(seconds / weight) if weight else device.visit_seconds
    data: JSON = {
        "period": period,
        "totalVisits": visits,
        "averageVisitsPerDay": per_day,
        "averageDuration": duration,
        "litterLevel": device.litter_level,
        "wasteLevel": waste,
    }
    if arg_bool(ctx.args, "includeHealth", True):
        data["healthMetrics"] = {
            "frequencyNormal": 3 <= per_day <= 8,
            "durationNormal": 60 <= duration <= 300,
            "alerts": [],
        }
    data["maintenanceNeeded"] = waste >= 80 or device.litter_level <= LOW_LEVEL_PERCENT
    return data


def health_insights_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/health-insights."""
    period, _ = arg_period(ctx.args, "period", "30d")
    data: JSON = {
        "period": period,
        "overallHealth": "good",
        "patterns": {
            "frequencyTrend": "stable",
            "durationTrend": "normal",
            "timeOfDayPattern": "consistent",
        },
        "alerts": [],
    }
    if arg_bool(ctx.args, "includeRecommendations", True):
        data["recommendations"] = [
            "Maintain current feeding schedule",
            "Consider increasing water intake",
        ]
    data["vetConsultation"] = False
    return data


def activity_data(ctx: Ctx) -> JSON:
    """GET /devices/{id}/activity: a baseline plus the sessions played here."""
    device, now = ctx.device, ctx.readings_at
    period, span = arg_period(ctx.args, "period", "7d")
    days = span.total_seconds() / 86400
    played = [entry for entry in device.play_log if entry[0] >= now - span]
    sessions = round(device.sessions_per_day * days) + len(played)
    minutes = device.sessions_per_day * days * device.session_minutes
    minutes += sum(seconds for _, seconds, _ in played) / 60
    per_day = minutes / days
    level = "high" if per_day >= 45 else "medium" if per_day >= 20 else "low"
    modes = Counter(mode for _, _, mode in played)
    data: JSON = {
        "period": period,
        "totalPlayTime": round(minutes),
        "averageSessionDuration": round(minutes / sessions) if sessions else 0,
        "totalSessions": sessions,
    }
    if arg_bool(ctx.args, "includeCalories", True):
        data["caloriesBurned"] = round(minutes * 5 / 6)
    data |= {
        "activityLevel": level,
        "favoritePlayMode": modes.most_common(1)[0][0] if modes else device.mode,
        "peakActivityHours": ["08:00", "18:00"],
        "recommendations": {
            "high": ["Increase play duration", "Try training mode"],
            "medium": ["Add one more play session a day"],
            "low": ["Schedule short play sessions", "Enable auto mode"],
        }[level],
    }
    return data


@dataclass(frozen=True)
class Endpoint:
    """A GET /devices/{id}/<path> endpoint and the kinds that offer it."""

    path: str
    kinds: tuple[str, ...]
    msg: str
    build: Callable[[Ctx], JSON]


DEVICE_ENDPOINTS = (
    Endpoint("status", DEVICE_KINDS, "Success", status_data),
    Endpoint("food-level", (FEEDER,), "Food level retrieved", food_level_data),
    Endpoint("location", (TRACKER,), "Location retrieved successfully", location_data),
    Endpoint(
        "location/history", (TRACKER,), "Location history retrieved", history_data
    ),
    Endpoint(
        "water-quality", (FOUNTAIN,), "Water quality data retrieved", water_quality_data
    ),
    Endpoint("stream", (CAMERA,), "Stream URL generated", stream_data),
    Endpoint(
        "usage-stats", (LITTER_BOX,), "Usage statistics retrieved", usage_stats_data
    ),
    Endpoint(
        "health-insights",
        (LITTER_BOX,),
        "Health insights generated",
        health_insights_data,
    ),
    Endpoint("activity", (TOY,), "Activity data retrieved", activity_data),
)


# --- commands -------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A typed command parameter with its allowed values."""

    type: type
    default: Any = None
    required: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    pattern: str | None = None

    def check(self, name: str, value: Any) -> Any:
        """Return `value` if it is acceptable, else raise ApiError(400)."""
        problem = self.problem(value)
        if problem is not None:
            raise ApiError(400, f"Invalid parameter {name}: {problem}")
        return value

    def problem(self, value: Any) -> str | None:
        """Say what is wrong with `value`, or None if nothing is."""
        wanted = (int, float) if self.type is float else self.type
        if isinstance(value, bool) is not (self.type is bool):
            return f"expected {self.type.__name__}"
        if not isinstance(value, wanted):
            return f"expected {self.type.__name__}"
        if self.low is not None and value < self.low:
            return f"must be at least {self.low}"
        if self.high is not None and value > self.high:
            return f"must be at most {self.high}"
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(map(str, self.choices))}"
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            return "bad format"
        return None


def validate_params(params: Mapping[str, Any], spec: Mapping[str, Param]) -> JSON:
    """Check `params` against `spec`; unknown parameters pass through untouched."""
    checked = dict(params)
    for name, param in spec.items():
        if params.get(name) is None:
            if param.required:
                raise ApiError(400, f"Missing parameter: {name}")
            checked[name] = param.default
        else:
            checked[name] = param.check(name, params[name])
    return checked


def _ack(ctx: Ctx, **extra: Any) -> JSON:
    """Answer "done" for a command the doc gives no response for."""
    return {
        "commandId": ctx.next_id("cmd"),
        "status": "completed",
        "timestamp": iso(ctx.now),
        **extra,
    }


def cmd_feed(ctx: Ctx) -> JSON:
    """Dispense food now."""
    device = ctx.device
    dispensed = record_feed(device, ctx.now, ctx.args["amount"])
    return {
        "feedingId": ctx.next_id("feed"),
        "timestamp": iso(ctx.now),
        "amountDispensed": dispensed,
        "remainingFood": device.food_grams,
        "nextScheduledFeed": iso_or_none(next_feed(device, ctx.now)),
    }


MEAL_PARAMS = {
    "time": Param(str, required=True, pattern=r"([01]\d|2[0-3]):[0-5]\d"),
    "amount": Param(int, required=True, low=1, high=500),
    "enabled": Param(bool, True),
}


def cmd_set_schedule(ctx: Ctx) -> JSON:
    """Replace the feeding schedule."""
    try:
        ZoneInfo(ctx.args["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ApiError(400, "Invalid parameter timezone: unknown time zone") from err
    meals = []
    for raw in ctx.args["schedule"]:
        if not isinstance(raw, dict):
            raise ApiError(400, "Invalid parameter schedule: entries must be objects")
        meal = validate_params(raw, MEAL_PARAMS)
        hours, minutes = map(int, meal["time"].split(":"))
        meals.append(
            ScheduleEntry(time(hours, minutes), meal["amount"], meal["enabled"])
        )
    device = ctx.device
    device.schedule = meals
    device.schedule_tz = ctx.args["timezone"]
    device.schedule_paused = False
    # the new schedule serves its meals from now on (one at 08:00 set at 07:59
    # is served), none of the time before
    device.meals_through = ctx.now
    enabled = enabled_meals(device)
    return {
        "scheduleId": ctx.next_id("schedule"),
        "totalDailyFeeds": len(enabled),
        "totalDailyAmount": sum(entry.amount for entry in enabled),
        "nextFeedTime": iso_or_none(next_feed(device, ctx.now)),
        "status": "active",
    }


def cmd_pause_schedule(ctx: Ctx) -> JSON:
    """Pause (or, with paused=false, resume) the feeding schedule."""
    ctx.device.schedule_paused = ctx.args["paused"]
    return _ack(
        ctx,
        status="paused" if ctx.device.schedule_paused else "active",
        nextScheduledFeed=iso_or_none(next_feed(ctx.device, ctx.now)),
    )


def cmd_set_fence(ctx: Ctx) -> JSON:
    """Create a geo-fence; crossing its edge later raises an alert.

    Where the tracker is when the fence is set (its current fix) is where it
    starts from: that raises no alert (see devices._watch_fences).
    """
    device = ctx.device
    fence = {
        "fenceId": ctx.next_id("fence"),
        "status": "active" if ctx.args["enabled"] else "inactive",
        "createdAt": iso(ctx.now),
    }
    stored = {**ctx.args, **fence}
    device.fences.append(stored)
    fix = position(device, floor_time(ctx.now, TRACKER_FIX_SECONDS))
    device.fence_inside[fence["fenceId"]] = inside_fence(stored, fix)
    return fence


def cmd_enable_sos(ctx: Ctx) -> JSON:
    """Switch SOS mode."""
    ctx.device.sos_enabled = ctx.args["enabled"]
    return _ack(
        ctx,
        status="active" if ctx.device.sos_enabled else "inactive",
        sosEnabled=ctx.device.sos_enabled,
    )


def cmd_start_pump(ctx: Ctx) -> JSON:
    """Run the pump for `duration` minutes.

    The doc's example asks for 30 and answers with a stop time 30 minutes after
    the 10:30 its other examples start at, so the pump counts minutes.
    """
    session = ctx.device.start(
        "pump", ctx.next_id("cmd"), ctx.now, ctx.args["duration"] * 60
    )
    return {
        "commandId": session.session_id,
        "status": "running",
        "estimatedStopTime": iso(session.end),
        "currentFlowRate": ctx.args["flowRate"],
    }


def cmd_check_water(ctx: Ctx) -> JSON:
    """Report the water level."""
    level = ctx.device.water_level
    return {
        "waterLevel": level,
        "lowWater": level < LOW_LEVEL_PERCENT,
        "pumpRunning": ctx.device.active("pump", ctx.now) is not None,
        "timestamp": iso(ctx.now),
    }


def cmd_test_quality(ctx: Ctx) -> JSON:
    """Measure water quality now."""
    ctx.device.last_tested = ctx.now
    return water_quality_data(ctx)


def cmd_replace_filter(ctx: Ctx) -> JSON:
    """Confirm a new filter: filter life is back to 100 %."""
    ctx.device.filter_replaced = ctx.device.last_maintenance = ctx.now
    return _ack(ctx, filterLifeRemaining=100, lastMaintenance=iso(ctx.now))


def cmd_set_temperature(ctx: Ctx) -> JSON:
    """Set the water heater target."""
    ctx.device.target_temperature = float(ctx.args["temperature"])
    return _ack(ctx, targetTemperature=ctx.device.target_temperature)


def cmd_start_clean(ctx: Ctx) -> JSON:
    """Start a cleaning cycle (fountain or litter box)."""
    device, args = ctx.device, ctx.args
    if device.kind == LITTER_BOX:
        start = ctx.now + timedelta(seconds=args["delay"])
        duration = args["duration"] if args["duration"] is not None else 180
    else:
        start = ctx.now
        duration = args["duration"] if args["duration"] is not None else 300
    session = device.start("clean", ctx.next_id("clean"), start, duration)
    if device.kind == LITTER_BOX:
        return {
            "cleaningId": session.session_id,
            "status": "in_progress" if args["delay"] == 0 else "scheduled",
            "mode": args["mode"],
            "startTime": iso(session.start),
            "estimatedCompletion": iso(session.end),
            "currentPhase": "waste_removal",
        }
    return {
        "cleaningId": session.session_id,
        "status": "in_progress",
        "estimatedCompletion": iso(session.end),
        "currentPhase": "draining" if args["drainFirst"] else "cleaning",
    }


def cmd_check_status(ctx: Ctx) -> JSON:
    """Report the litter box status object."""
    return kind_status(ctx.device, ctx.now)


def cmd_enable_deodorize(ctx: Ctx) -> JSON:
    """Switch odour control."""
    ctx.device.odor_control = ctx.args["enabled"]
    return _ack(ctx, odorControl="active" if ctx.device.odor_control else "inactive")


def cmd_take_photo(ctx: Ctx) -> JSON:
    """Take a photo that this simulator then serves."""
    photo_id = ctx.next_id("photo")
    device = ctx.device
    device.photos.append(photo_id)
    size_mb = {"low": 0.6, "medium": 1.2, "high": 2.5}[ctx.args["quality"]]
    device.storage_mb += size_mb
    return {
        "photoId": photo_id,
        "url": f"{ctx.base_url}/photos/{device.device_id}/{photo_id}.jpg",
        "thumbnailUrl": f"{ctx.base_url}/thumbnails/{photo_id}_thumb.jpg",
        "timestamp": iso(ctx.now),
        "fileSize": f"{size_mb}MB",
        "resolution": ctx.args["resolution"],
    }


def cmd_start_record(ctx: Ctx) -> JSON:
    """Record video for `duration` seconds."""
    args = ctx.args
    session = ctx.device.start("record", ctx.next_id("rec"), ctx.now, args["duration"])
    return {
        "recordingId": session.session_id,
        "status": "recording",
        "startTime": iso(session.start),
        "estimatedEndTime": iso(session.end),
        "quality": args["quality"],
        "storageLocation": "cloud" if args["saveToCloud"] else "local",
    }


def cmd_enable_night_vision(ctx: Ctx) -> JSON:
    """Switch night vision."""
    ctx.device.night_vision = ctx.args["enabled"]
    return _ack(ctx, nightVision=ctx.device.night_vision)


def cmd_start_talk(ctx: Ctx) -> JSON:
    """Open a two-way audio session (a websocket on this simulator)."""
    duration = ctx.args["duration"]
    session = ctx.device.start("talk", ctx.next_id("talk"), ctx.now, duration)
    ws_base = re.sub(r"^http", "ws", ctx.base_url)
    return {
        "sessionId": session.session_id,
        "status": "active",
        "audioUrl": f"{ws_base}/talk/{ctx.device.device_id}",
        "maxDuration": duration,
        "expiresAt": iso(session.end),
    }


def cmd_play_sound(ctx: Ctx) -> JSON:
    """Play a sound on the device."""
    return _ack(ctx, sound=ctx.args["sound"], volume=ctx.args["volume"])


def cmd_start_play(ctx: Ctx) -> JSON:
    """Start a play session; it counts in the activity totals once over."""
    args = ctx.args
    session = ctx.device.start(
        "play", ctx.next_id("play"), ctx.now, args["duration"], mode=args["mode"]
    )
    return {
        "sessionId": session.session_id,
        "status": "active",
        "mode": args["mode"],
        "startTime": iso(session.start),
        "estimatedEndTime": iso(session.end),
        "currentIntensity": args["intensity"],
        "aiAdaptation": "enabled"
        if args["enableAI"] and ctx.device.ai_enabled
        else "disabled",
    }


def cmd_start_training(ctx: Ctx) -> JSON:
    """Start a training session (a play session in training mode)."""
    args = ctx.args
    if not all(isinstance(cue, str) for cue in args["customCues"]):
        raise ApiError(400, "Invalid parameter customCues: expected a list of strings")
    session = ctx.device.start(
        "play", ctx.next_id("train"), ctx.now, args["duration"], mode="training"
    )
    return {
        "trainingId": session.session_id,
        "status": "active",
        "skill": args["skill"],
        "difficulty": args["difficulty"],
        "progress": 0,
        "estimatedCompletion": iso(session.end),
        "currentPhase": "introduction",
    }


def cmd_set_mode(ctx: Ctx) -> JSON:
    """Choose the toy's play mode."""
    ctx.device.mode = ctx.args["mode"]
    return _ack(ctx, mode=ctx.device.mode)


def cmd_enable_auto(ctx: Ctx) -> JSON:
    """Switch automatic play."""
    ctx.device.auto_mode = ctx.args["enabled"]
    return _ack(ctx, autoMode=ctx.device.auto_mode)


@dataclass(frozen=True)
class Command:
    """A command: which kinds accept it, its parameters and its effect."""

    kinds: tuple[str, ...]
    msg: str
    run: Callable[[Ctx], JSON]
    params: Mapping[str, Param] = field(default_factory=dict)


SWITCH = {"enabled": Param(bool, True)}
PHOTO_PARAMS = {
    "quality": Param(str, "high", choices=("low", "medium", "high")),
    "timestamp": Param(bool, True),
    "resolution": Param(str, "1920x1080", pattern=r"\d{2,5}x\d{2,5}"),
    "format": Param(str, "jpeg", choices=("jpeg", "jpg")),
    "saveToCloud": Param(bool, True),
    "enableFlash": Param(bool, False),
}
RECORD_PARAMS = {
    "duration": Param(int, 300, low=1, high=3600),
    "quality": Param(str, "1080p", choices=("480p", "720p", "1080p")),
    "fps": Param(int, 30, low=1, high=60),
    "audio": Param(bool, True),
    "motionDetection": Param(bool, False),
    "autoStop": Param(bool, True),
    "saveToCloud": Param(bool, True),
}
DONE = "Command executed successfully"

COMMANDS: dict[str, Command] = {
    # the doc's generic commands
    "feed": Command(
        (FEEDER,),
        "Feeding completed successfully",
        cmd_feed,
        {
            "amount": Param(int, required=True, low=1, high=500),
            "schedule": Param(str, "immediate"),
            "portion": Param(str, "normal", choices=("small", "normal", "large")),
            "soundAlert": Param(bool, True),
            "recordFeeding": Param(bool, True),
        },
    ),
    "play_sound": Command(
        (FEEDER, TRACKER, CAMERA, TOY),
        DONE,
        cmd_play_sound,
        {"sound": Param(str, "default"), "volume": Param(int, 70, low=0, high=100)},
    ),
    "set_temperature": Command(
        (FOUNTAIN,),
        DONE,
        cmd_set_temperature,
        {"temperature": Param(float, required=True, low=5, high=40)},
    ),
    "take_photo": Command(
        (CAMERA,), "Photo captured successfully", cmd_take_photo, PHOTO_PARAMS
    ),
    "start_video": Command(
        (CAMERA,), "Recording started successfully", cmd_start_record, RECORD_PARAMS
    ),
    # feeding machine
    "setSchedule": Command(
        (FEEDER,),
        "Feeding schedule updated",
        cmd_set_schedule,
        {
            "schedule": Param(list, required=True),
            "timezone": Param(str, "UTC"),
            "autoAdjust": Param(bool, False),
        },
    ),
    "pauseSchedule": Command(
        (FEEDER,), DONE, cmd_pause_schedule, {"paused": Param(bool, True)}
    ),
    "checkFood": Command((FEEDER,), "Food level retrieved", food_level_data),
    # GPS tracker
    "getLocation": Command(
        (TRACKER,), "Location retrieved successfully", location_data
    ),
    "setFence": Command(
        (TRACKER,),
        "Geo-fence created successfully",
        cmd_set_fence,
        {
            "latitude": Param(float, required=True, low=-90, high=90),
            "longitude": Param(float, required=True, low=-180, high=180),
            "radius": Param(float, 100, low=10, high=50_000),
            "name": Param(str, "Safe Zone"),
            "alertOnExit": Param(bool, True),
            "alertOnEntry": Param(bool, False),
            "enabled": Param(bool, True),
        },
    ),
    "enableSOS": Command((TRACKER,), DONE, cmd_enable_sos, SWITCH),
    "getHistory": Command((TRACKER,), "Location history retrieved", history_data),
    # water fountain
    "startPump": Command(
        (FOUNTAIN,),
        "Pump started successfully",
        cmd_start_pump,
        {
            "duration": Param(int, 30, low=1, high=1440),
            "flowRate": Param(str, "normal", choices=("low", "normal", "high")),
            "mode": Param(str, "continuous", choices=("continuous", "intermittent")),
            "autoStop": Param(bool, True),
            "minWaterLevel": Param(int, 20, low=0, high=100),
        },
    ),
    "checkWater": Command((FOUNTAIN,), DONE, cmd_check_water),
    "testQuality": Command(
        (FOUNTAIN,), "Water quality data retrieved", cmd_test_quality
    ),
    "replaceFilter": Command((FOUNTAIN,), DONE, cmd_replace_filter),
    # fountain and litter box
    "startClean": Command(
        (FOUNTAIN, LITTER_BOX),
        "Cleaning cycle started",
        cmd_start_clean,
        {
            "mode": Param(str, "normal", choices=("quick", "normal", "deep")),
            "duration": Param(int, None, low=1, high=7200),
            "delay": Param(int, 0, low=0, high=86_400),
            "useUV": Param(bool, False),
            "drainFirst": Param(bool, True),
            "refillAfter": Param(bool, True),
            "useDeodorizer": Param(bool, True),
            "autoRefill": Param(bool, True),
            "safetyCheck": Param(bool, True),
        },
    ),
    # camera
    "takePhoto": Command(
        (CAMERA,), "Photo captured successfully", cmd_take_photo, PHOTO_PARAMS
    ),
    "startRecord": Command(
        (CAMERA,), "Recording started successfully", cmd_start_record, RECORD_PARAMS
    ),
    "enableNightVision": Command((CAMERA,), DONE, cmd_enable_night_vision, SWITCH),
    "startTalk": Command(
        (CAMERA,),
        "Two-way audio session started",
        cmd_start_talk,
        {
            "duration": Param(int, 60, low=1, high=600),
            "volume": Param(int, 80, low=0, high=100),
            "noiseReduction": Param(bool, True),
            "echoCancel": Param(bool, True),
            "autoEnd": Param(bool, True),
        },
    ),
    # litter box
    "checkStatus": Command((LITTER_BOX,), "Success", cmd_check_status),
    "enableDeodorize": Command((LITTER_BOX,), DONE, cmd_enable_deodorize, SWITCH),
    "getUsageStats": Command(
        (LITTER_BOX,), "Usage statistics retrieved", usage_stats_data
    ),
    # smart toy
    "startPlay": Command(
        (TOY,),
        "Play session started",
        cmd_start_play,
        {
            "mode": Param(str, "interactive", choices=PLAY_MODES),
            "duration": Param(int, 600, low=1, high=7200),
            "intensity": Param(str, "medium", choices=("low", "medium", "high")),
            "adaptToMood": Param(bool, True),
            "enableAI": Param(bool, True),
            "soundEffects": Param(bool, True),
            "autoAdjust": Param(bool, True),
        },
    ),
    "setMode": Command(
        (TOY,),
        DONE,
        cmd_set_mode,
        {"mode": Param(str, required=True, choices=PLAY_MODES)},
    ),
    "enableAuto": Command((TOY,), DONE, cmd_enable_auto, SWITCH),
    "getActivity": Command((TOY,), "Activity data retrieved", activity_data),
    "startTraining": Command(
        (TOY,),
        "Training session started",
        cmd_start_training,
        {
            "skill": Param(str, required=True, pattern=r".*\S.*"),
            "difficulty": Param(
                str, "beginner", choices=("beginner", "intermediate", "advanced")
            ),
            "duration": Param(int, 300, low=1, high=3600),
            "rewardSystem": Param(bool, True),
            "progressTracking": Param(bool, True),
            "voiceCommands": Param(bool, True),
            "customCues": Param(list, ()),
        },
    ),
}
