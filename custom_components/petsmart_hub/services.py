"""Actions (services) of the integration, registered once for every entry."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
import json
import re
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.util import dt as dt_util

from .compat import async_get_entry_device, device_config_entry_ids
from .const import DOMAIN
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .model import (
    CODE_PATTERN,
    LIMITS,
    MAX_NAME,
    Action,
    AddSubdevice,
    CleaningMode,
    Command,
    DeviceKind,
    Difficulty,
    Feature,
    Feed,
    FeedingSlot,
    FlowRate,
    HistoryFold,
    HistoryQuery,
    HistoryUnit,
    Intensity,
    Limit,
    NoWater,
    PauseFeedingSchedule,
    PlayMode,
    Portion,
    PumpMode,
    Range,
    RecordingQuality,
    RemoveSubdevice,
    Rename,
    ReportWeather,
    SendCommand,
    SetFeedingSchedule,
    SetGeofence,
    SetMoisture,
    StartCleaning,
    StartPlay,
    StartPump,
    StartRecording,
    StartTraining,
    StopWatering,
    TakePhoto,
    UpdateSubdevice,
    Water,
    WeatherCondition,
)

ATTR_DEVICE_ID = "device_id"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"

#: HH:MM, or HH:MM:SS as HA's time selector gives it (seconds are dropped).
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


@dataclass(frozen=True, slots=True)
class Target:
    """A device an action was aimed at, resolved to its account."""

    coordinator: PetSmartHubCoordinator
    device_id: str  # the vendor's id


# --- validation with translated errors ----------------------------------------


def _invalid(key: str, **placeholders: Any) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()},
    )


def _check(field: str, value: Any, limit: Limit) -> None:
    """Refuse a value outside its range or choices (the table's words)."""
    if isinstance(limit, Range):
        if value not in limit:
            raise _invalid(
                "out_of_range", field=field, value=value, min=limit.low, max=limit.high
            )
    elif value not in limit:
        raise _invalid(
            "invalid_choice", field=field, value=value, choices=", ".join(limit)
        )


#: Service -> the action it runs (the others: location history, add_device).
_ACTIONS: dict[str, Action] = {action.value: action for action in Action}


def _validate(service: str, data: Mapping[str, Any]) -> None:
    """Check every field against model.LIMITS before any request is made."""
    action = _ACTIONS.get(service)
    own = LIMITS.actions.get(action, {}) if action is not None else {}
    for field, limit in {**LIMITS.fields, **own}.items():
        if field in data:
            _check(field, data[field], limit)


def _seconds(minutes: int | None) -> int | None:
    """A duration the user gives in minutes, as the model counts it."""
    return None if minutes is None else 60 * minutes


def _choice[E: StrEnum](choices: type[E], value: str | None) -> E | None:
    """A validated word as the model's enum."""
    return None if value is None else choices(value)


# --- targets -------------------------------------------------------------------


def _resolve(
    hass: HomeAssistant,
    device_id: str,
    action: Action | None,
    feature: Feature | None,
) -> Target:
    """Find the loaded account and vendor device behind a HA device id."""
    device_entry = dr.async_get(hass).async_get(device_id)
    if not isinstance(device_entry, dr.DeviceEntry):
        # unknown, or a child device (HA 2026.9 has them; we register none)
        raise _invalid("device_not_found", device_id=device_id)
    identifiers = {
        ident for domain, ident in device_entry.identifiers if domain == DOMAIN
    }
    for entry_id in device_config_entry_ids(device_entry):
        entry: PetSmartHubConfigEntry | None = hass.config_entries.async_get_entry(
            entry_id
        )
        if entry is None or entry.domain != DOMAIN:
            continue
        if entry.state is not ConfigEntryState.LOADED:
            continue
        coordinator = entry.runtime_data
        for vendor_id, device in coordinator.data.devices.items():
            if coordinator.device_identifier(vendor_id) not in identifiers:
                continue
            if (action is not None and action not in device.actions) or (
                feature is not None and feature not in device.features
            ):
                raise _invalid(
                    "wrong_device_kind", device=device.name, kind=device.kind.value
                )
            return Target(coordinator, vendor_id)
    raise _invalid("device_not_found", device_id=device_entry.name or device_id)


def _targets(
    hass: HomeAssistant,
    call: ServiceCall,
    action: Action | None,
    feature: Feature | None = None,
) -> list[Target]:
    """Resolve every device of a call (all are checked before anything is sent)."""
    return [
        _resolve(hass, device_id, action, feature)
        for device_id in dict.fromkeys(call.data[ATTR_DEVICE_ID])
    ]


# --- command builders (service data -> typed commands) ------------------------


def _feed(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    return Feed(
        amount=data["amount"],
        portion=_choice(Portion, data.get("portion")),
        sound_alert=data.get("sound_alert"),
    )


def _schedule(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    slots: list[FeedingSlot] = []
    for index, item in enumerate(data["schedule"], start=1):
        time = str(item.get("time", ""))
        if not _TIME.match(time):
            raise _invalid("invalid_time", index=index, value=item.get("time"))
        amount = item.get("amount")
        if not isinstance(amount, int | float) or isinstance(amount, bool):
            raise _invalid("invalid_amount", index=index, value=amount)
        _check("amount", amount, LIMITS.fields["amount"])
        try:
            enabled = cv.boolean(item.get("enabled", True))
        except vol.Invalid as err:
            raise _invalid(
                "invalid_enabled", index=index, value=item.get("enabled")
            ) from err
        slots.append(FeedingSlot(time[:5], int(amount), enabled))
    if len(slots) not in LIMITS.feeding_slots:
        raise _invalid("invalid_schedule_length", count=len(slots))
    timezone = data.get("timezone") or hass.config.time_zone
    if dt_util.get_time_zone(timezone) is None:
        raise _invalid("invalid_timezone", value=timezone)
    return SetFeedingSchedule(slots=tuple(slots), timezone=timezone)


def _fence(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    if not data["name"].strip():
        raise _invalid("empty_value", field="name")
    return SetGeofence(
        latitude=data["latitude"],
        longitude=data["longitude"],
        radius=data["radius"],
        name=data["name"],
        alert_on_exit=data["alert_on_exit"],
        alert_on_entry=data["alert_on_entry"],
    )


def _pump(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    return StartPump(
        duration_s=_seconds(data.get("duration")),  # minutes
        flow_rate=_choice(FlowRate, data.get("flow_rate")),
        mode=_choice(PumpMode, data.get("mode")),
    )


def _cleaning(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    return StartCleaning(
        mode=_choice(CleaningMode, data.get("mode")),
        duration_s=data.get("duration"),  # seconds
    )


def _recording(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    return StartRecording(
        duration_s=data.get("duration"),  # seconds
        quality=_choice(RecordingQuality, data.get("recording_quality")),
    )


def _play(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    return StartPlay(
        mode=_choice(PlayMode, data.get("mode")),
        duration_s=data.get("duration"),  # seconds
        intensity=_choice(Intensity, data.get("intensity")),
    )


def _training(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    if not data["skill"].strip():
        raise _invalid("empty_value", field="skill")
    return StartTraining(
        skill=data["skill"],
        difficulty=_choice(Difficulty, data.get("difficulty")),
        duration_s=data.get("duration"),  # seconds
    )


def _water(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    if "delay" in data and "start_time" in data:
        raise _invalid("delay_and_start_time")
    start: datetime | None = None
    if "start_time" in data:
        start = dt_util.as_utc(dt_util.as_local(data["start_time"]))
        if start <= dt_util.utcnow():
            raise _invalid("start_time_in_past", value=data["start_time"])
    return Water(
        duration_s=60 * data["duration"],  # minutes
        delay_s=_seconds(data.get("delay")),  # minutes
        start_time=start,
    )


_WEATHER_FIELDS = (
    "condition",
    "rain",
    "rain_probability",
    "temperature",
    "temperature_min",
    "temperature_max",
    "dew_point",
    "wind_speed",
    "humidity",
    "pressure",
)


def _weather(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    yesterday = dt_util.now().date() - timedelta(days=1)
    if data["date"] < yesterday:
        raise _invalid("date_too_early", value=data["date"], earliest=yesterday)
    low, high = data.get("temperature_min"), data.get("temperature_max")
    if low is not None and high is not None and low > high:
        raise _invalid("min_above_max", min=low, max=high)
    return ReportWeather(
        day=data["date"],
        condition=_choice(WeatherCondition, data.get("condition")),
        rain=data.get("rain"),
        rain_probability=data.get("rain_probability"),
        temperature=data.get("temperature"),
        temperature_min=low,
        temperature_max=high,
        dew_point=data.get("dew_point"),
        wind_speed=data.get("wind_speed"),
        humidity=data.get("humidity"),
        pressure=data.get("pressure"),
    )


#: The largest raw payload sent (bytes of JSON).
MAX_PAYLOAD_BYTES = 16 * 1024
_PATH = re.compile(r"^/[\x21-\x7e]*$")


def _raw_command(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    """A raw payload: a JSON object (or its text), and an HTTP device's path."""
    payload = data["payload"]
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError as err:
            raise _invalid("payload_not_json", error=str(err)) from err
    if not isinstance(payload, dict):
        raise _invalid("payload_not_object")
    try:
        size = len(json.dumps(payload).encode())
    except (TypeError, ValueError) as err:
        raise _invalid("payload_not_json", error=str(err)) from err
    if size > MAX_PAYLOAD_BYTES:
        raise _invalid("payload_too_large", size=size, max=MAX_PAYLOAD_BYTES)
    path, method = data.get("path"), data.get("method")
    if (path is None) != (method is None):
        raise _invalid("path_and_method")
    if path is not None and not _PATH.match(path):
        raise _invalid("invalid_path", value=path)
    query = data.get("query") or {}
    if not isinstance(query, dict) or not all(
        isinstance(value, str | int | float) and not isinstance(value, bool)
        for value in query.values()
    ):
        raise _invalid("invalid_query")
    return SendCommand(
        payload=payload,
        path=path,
        method=method,
        query={str(key): str(value) for key, value in query.items()},
    )


def _name(data: Mapping[str, Any], field: str = "name") -> str | None:
    """A name for the cloud: trimmed, not empty, not too long (None: not given)."""
    if field not in data:
        return None
    name = str(data[field]).strip()
    if not name:
        raise _invalid("empty_value", field=field)
    if len(name) > MAX_NAME:
        raise _invalid("name_too_long", field=field, max=MAX_NAME)
    return name


def _code(data: Mapping[str, Any]) -> str | None:
    """A remote's code as 0s and 1s (None: not given)."""
    code = str(data.get("code") or "").strip()
    if not code:  # left empty: the code the hub heard last (add_rf_subdevice)
        return None
    if not CODE_PATTERN.match(code):
        raise _invalid("invalid_code", value=code)
    return code


def _rename(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    name = _name(data)
    assert name is not None  # required by the schema
    return Rename(name=name)


def _add_subdevice(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    name = _name(data)
    assert name is not None  # required by the schema
    return AddSubdevice(
        name=name, sensor=data["subdevice_type"] == "sensor", code=_code(data)
    )


def _update_subdevice(hass: HomeAssistant, data: Mapping[str, Any]) -> Command:
    name, code = _name(data), _code(data)
    if name is None and code is None:
        raise _invalid("nothing_to_change")
    return UpdateSubdevice(name=name, code=code)


# --- schemas -------------------------------------------------------------------

_DEVICES = vol.All(cv.ensure_list, [cv.string])
_DURATION = vol.Coerce(int)

_SCHEMAS: dict[str, vol.Schema] = {
    "feed": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("amount"): vol.Coerce(int),
            vol.Optional("portion"): cv.string,
            vol.Optional("sound_alert"): cv.boolean,
        }
    ),
    "set_feeding_schedule": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("schedule"): vol.All(cv.ensure_list, [dict]),
            vol.Optional("timezone"): cv.string,
        }
    ),
    "pause_feeding_schedule": vol.Schema({vol.Required(ATTR_DEVICE_ID): _DEVICES}),
    "set_geofence": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("latitude"): vol.Coerce(float),
            vol.Required("longitude"): vol.Coerce(float),
            vol.Required("radius"): vol.Coerce(float),
            vol.Required("name"): cv.string,
            vol.Optional("alert_on_exit", default=True): cv.boolean,
            vol.Optional("alert_on_entry", default=False): cv.boolean,
        }
    ),
    "start_pump": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Optional("duration"): _DURATION,
            vol.Optional("flow_rate"): cv.string,
            vol.Optional("mode"): cv.string,
        }
    ),
    "start_cleaning": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Optional("mode"): cv.string,
            vol.Optional("duration"): _DURATION,
        }
    ),
    "take_photo": vol.Schema({vol.Required(ATTR_DEVICE_ID): _DEVICES}),
    "start_recording": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Optional("duration"): _DURATION,
            vol.Optional("recording_quality"): cv.string,
        }
    ),
    "start_play": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Optional("mode"): cv.string,
            vol.Optional("duration"): _DURATION,
            vol.Optional("intensity"): cv.string,
        }
    ),
    "start_training": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("skill"): cv.string,
            vol.Optional("difficulty"): cv.string,
            vol.Optional("duration"): _DURATION,
        }
    ),
    "get_location_history": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Optional("start"): cv.datetime,
            vol.Optional("end"): cv.datetime,
            vol.Optional("limit", default=100): vol.Coerce(int),
        }
    ),
    "water": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("duration"): _DURATION,
            vol.Optional("delay"): vol.Coerce(int),
            vol.Optional("start_time"): cv.datetime,
        }
    ),
    "stop_watering": vol.Schema({vol.Required(ATTR_DEVICE_ID): _DEVICES}),
    "no_water": vol.Schema(
        {vol.Required(ATTR_DEVICE_ID): _DEVICES, vol.Required("days"): vol.Coerce(int)}
    ),
    "set_moisture": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("moisture"): vol.Coerce(int),
        }
    ),
    "report_weather": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("date"): cv.date,
            vol.Optional("condition"): cv.string,
        }
    ).extend(
        {
            vol.Optional(field): vol.Coerce(float)
            for field in _WEATHER_FIELDS
            if field != "condition"
        }
    ),
    "send_command": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("payload"): vol.Any(dict, cv.string),
            vol.Optional("path"): cv.string,
            vol.Optional("method"): cv.string,
            vol.Optional("query"): dict,
        }
    ),
    "rename_device": vol.Schema(
        {vol.Required(ATTR_DEVICE_ID): _DEVICES, vol.Required("name"): cv.string}
    ),
    "add_rf_subdevice": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Required("name"): cv.string,
            vol.Required("subdevice_type"): vol.In(("actuator", "sensor")),
            vol.Optional("code"): cv.string,
        }
    ),
    "update_rf_subdevice": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Optional("name"): cv.string,
            vol.Optional("code"): cv.string,
        }
    ),
    "remove_rf_subdevice": vol.Schema({vol.Required(ATTR_DEVICE_ID): _DEVICES}),
    "get_history": vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): _DEVICES,
            vol.Optional("start"): cv.datetime,
            vol.Optional("end"): cv.datetime,
            vol.Optional("interval"): vol.Coerce(int),
            vol.Optional("interval_unit"): cv.string,
            vol.Optional("fn"): cv.string,
        }
    ),
    "add_device": vol.Schema(
        {
            vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Required("serial"): cv.string,
            vol.Required("device_type"): cv.string,
            vol.Optional("model"): cv.string,
        }
    ),
}

type CommandBuilder = Callable[[HomeAssistant, Mapping[str, Any]], Command]

#: Actions that run one command on every targeted device.
_COMMAND_SERVICES: dict[str, CommandBuilder] = {
    "feed": _feed,
    "set_feeding_schedule": _schedule,
    "pause_feeding_schedule": lambda hass, data: PauseFeedingSchedule(),
    "set_geofence": _fence,
    "start_pump": _pump,
    "start_cleaning": _cleaning,
    "start_recording": _recording,
    "start_play": _play,
    "start_training": _training,
    "water": _water,
    "stop_watering": lambda hass, data: StopWatering(),
    "no_water": lambda hass, data: NoWater(days=data["days"]),
    "set_moisture": lambda hass, data: SetMoisture(moisture=data["moisture"]),
    "report_weather": _weather,
    "send_command": _raw_command,
}


async def _async_command(
    hass: HomeAssistant, build: CommandBuilder, call: ServiceCall
) -> None:
    """Validate everything, then run the command on the targeted devices.

    Each account gets its devices at once: its vendor decides how many calls
    that takes (Netro waters several zones in one).
    """
    _validate(call.service, call.data)
    command = build(hass, call.data)
    accounts: dict[PetSmartHubCoordinator, list[str]] = {}
    for target in _targets(hass, call, command.action):
        accounts.setdefault(target.coordinator, []).append(target.device_id)
    for coordinator, device_ids in accounts.items():
        await coordinator.async_execute_many(device_ids, command)


def _single(
    hass: HomeAssistant,
    call: ServiceCall,
    action: Action | None,
    feature: Feature | None = None,
) -> Target:
    targets = _targets(hass, call, action, feature)
    if len(targets) != 1:
        raise _invalid("single_device_required", count=len(targets))
    return targets[0]


async def _async_take_photo(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Take a photo and return where it is."""
    target = _single(hass, call, Action.TAKE_PHOTO)
    result = await target.coordinator.async_execute(target.device_id, TakePhoto())
    photo = result.photo
    if photo is None:
        return dict.fromkeys(
            ("photo_id", "url", "thumbnail_url", "timestamp", "resolution")
        )
    return {
        "photo_id": photo.id,
        "url": photo.url,
        "thumbnail_url": photo.thumbnail_url,
        "timestamp": photo.timestamp.isoformat() if photo.timestamp else None,
        "resolution": photo.resolution,
    }


def _period(call: ServiceCall) -> tuple[datetime, datetime]:
    """A history's ``start`` and ``end`` in UTC (default: the last 24 hours)."""
    end: datetime = call.data.get("end") or dt_util.utcnow()
    start: datetime = call.data.get("start") or end - timedelta(days=1)
    start, end = (dt_util.as_utc(moment) for moment in (start, end))
    if start >= end:
        raise _invalid("start_after_end")
    return start, end


async def _async_location_history(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Return a tracker's past positions (default: the last 24 hours)."""
    _validate(call.service, call.data)
    start, end = _period(call)
    target = _single(hass, call, None, Feature.LOCATION_HISTORY)
    history = await target.coordinator.async_get_location_history(
        target.device_id, start, end, call.data["limit"]
    )
    return {
        "locations": [
            {
                "latitude": point.latitude,
                "longitude": point.longitude,
                "accuracy": point.accuracy,
                "timestamp": point.timestamp.isoformat() if point.timestamp else None,
            }
            for point in history
        ]
    }


#: Actions that change what the cloud holds of one device (its name, a
#: hub's sub-devices): the account is read again at once, in full, so a
#: new name or a new sub-device shows without a reload.
_INVENTORY_SERVICES: dict[str, tuple[Action, CommandBuilder]] = {
    "rename_device": (Action.RENAME, _rename),
    "add_rf_subdevice": (Action.ADD_SUBDEVICE, _add_subdevice),
    "update_rf_subdevice": (Action.UPDATE_SUBDEVICE, _update_subdevice),
    "remove_rf_subdevice": (Action.REMOVE_SUBDEVICE, lambda h, d: RemoveSubdevice()),
}


async def _async_inventory_command(
    hass: HomeAssistant,
    call: ServiceCall,
    *,
    action: Action,
    build: CommandBuilder,
) -> ServiceResponse:
    """Validate, run on the one device, then read the account again.

    Returns the Home Assistant id of the device the command created (a new
    sub-device), or None.
    """
    command = build(hass, call.data)
    target = _single(hass, call, action)
    coordinator = target.coordinator
    result = await coordinator.async_execute(target.device_id, command, refresh=False)
    await coordinator.async_refresh_inventory()
    if action is Action.REMOVE_SUBDEVICE:
        # gone at once, once the cloud confirms it no longer knows it
        await coordinator.async_confirm_removed([target.device_id])
    created = None
    if result.device_id is not None:
        entry = async_get_entry_device(
            dr.async_get(hass),
            coordinator.config_entry.entry_id,
            (DOMAIN, coordinator.device_identifier(result.device_id)),
        )
        created = entry.id if entry is not None else None
    return {"device_id": created}


async def _async_history(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Return a device's past readings (default: the last 24 hours)."""
    _validate(call.service, call.data)
    interval, unit = call.data.get("interval"), call.data.get("interval_unit")
    if (interval is None) != (unit is None):
        raise _invalid("interval_and_unit")
    start, end = _period(call)
    target = _single(hass, call, None, Feature.HISTORY)
    points = await target.coordinator.async_get_history(
        target.device_id,
        HistoryQuery(
            start=start,
            end=end,
            interval=interval,
            unit=_choice(HistoryUnit, unit),
            fold=_choice(HistoryFold, call.data.get("fn")),
        ),
    )
    return {
        "points": [
            {"time": point.at.isoformat(), "value": point.value} for point in points
        ]
    }


async def _async_add_device(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Register a device with an account; it appears without a reload."""
    _validate(call.service, call.data)
    entry: PetSmartHubConfigEntry | None = hass.config_entries.async_get_entry(
        call.data[ATTR_CONFIG_ENTRY_ID]
    )
    if entry is None or entry.domain != DOMAIN:
        raise _invalid("entry_not_found", entry_id=call.data[ATTR_CONFIG_ENTRY_ID])
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", entry=entry.title)
    serial = call.data["serial"].strip()
    if not serial:
        raise _invalid("empty_value", field="serial")
    device_id = await entry.runtime_data.async_add_device(
        serial, DeviceKind(call.data["device_type"]), call.data.get("model")
    )
    return {"device_id": device_id}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration."""
    for service, build in _COMMAND_SERVICES.items():
        hass.services.async_register(
            DOMAIN,
            service,
            partial(_async_command, hass, build),
            schema=_SCHEMAS[service],
        )
    responders: dict[
        str,
        Callable[[HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]],
    ] = {
        "take_photo": _async_take_photo,
        "get_location_history": _async_location_history,
        "add_device": _async_add_device,
        "get_history": _async_history,
    }
    for service, (action, build) in _INVENTORY_SERVICES.items():
        responders[service] = partial(
            _async_inventory_command, action=action, build=build
        )
    for service, handler in responders.items():
        hass.services.async_register(
            DOMAIN,
            service,
            partial(handler, hass),
            schema=_SCHEMAS[service],
            supports_response=SupportsResponse.OPTIONAL,
        )
