"""Actions (services) of the integration, registered once for every entry."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
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

from .compat import device_config_entry_ids
from .const import DOMAIN
from .coordinator import PetSmartHubConfigEntry, PetSmartHubCoordinator
from .model import Action, DeviceKind, FeedingSlot

ATTR_DEVICE_ID = "device_id"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"

PORTIONS = ["small", "normal", "large"]
FLOW_RATES = ["low", "normal", "high"]
PUMP_MODES = ["continuous", "intermittent"]
CLEANING_MODES = ["quick", "normal", "deep"]
RECORDING_QUALITIES = ["480p", "720p", "1080p"]
PLAY_MODES = ["interactive", "automatic", "training"]
INTENSITIES = ["low", "medium", "high"]
DIFFICULTIES = ["beginner", "intermediate", "advanced"]
#: Kinds a device can be registered as with add_device (the pet devices).
DEVICE_TYPES = [
    kind.value
    for kind in (
        DeviceKind.FEEDER,
        DeviceKind.FOUNTAIN,
        DeviceKind.TRACKER,
        DeviceKind.CAMERA,
        DeviceKind.LITTER_BOX,
        DeviceKind.TOY,
    )
]

WEATHER_CONDITIONS = ["clear", "cloudy", "rain", "snow", "wind"]

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


def _check_range(data: Mapping[str, Any], field: str, low: float, high: float) -> None:
    value = data.get(field)
    if value is not None and not low <= value <= high:
        raise _invalid("out_of_range", field=field, value=value, min=low, max=high)


def _check_choice(data: Mapping[str, Any], field: str, choices: Sequence[str]) -> None:
    value = data.get(field)
    if value is not None and value not in choices:
        raise _invalid(
            "invalid_choice", field=field, value=value, choices=", ".join(choices)
        )


#: Per field: (low, high) for numbers or a list of choices for words.
_RULES: dict[str, tuple[float, float] | list[str]] = {
    "amount": (1, 500),
    "portion": PORTIONS,
    "latitude": (-90, 90),
    "longitude": (-180, 180),
    "radius": (10, 50_000),
    "flow_rate": FLOW_RATES,
    "recording_quality": RECORDING_QUALITIES,
    "intensity": INTENSITIES,
    "difficulty": DIFFICULTIES,
    "limit": (1, 1000),
    "device_type": DEVICE_TYPES,
    "days": (1, 100),
    "moisture": (0, 100),
    "delay": (0, 1440),
    "condition": WEATHER_CONDITIONS,
    "rain": (0, 1000),
    "rain_probability": (0, 100),
    "temperature": (-60, 60),
    "temperature_min": (-60, 60),
    "temperature_max": (-60, 60),
    "dew_point": (-60, 60),
    "wind_speed": (0, 100),
    "humidity": (0, 100),
    "pressure": (800, 1200),
}

#: Per action: its own duration range (units as the vendor counts them) and modes.
_DURATIONS: dict[str, tuple[float, float]] = {
    "start_pump": (1, 1440),  # minutes
    "start_cleaning": (30, 3600),  # seconds
    "start_recording": (5, 3600),
    "start_play": (10, 3600),
    "start_training": (30, 3600),
    "water": (1, 720),  # minutes
}
_MODES: dict[str, list[str]] = {
    "start_pump": PUMP_MODES,
    "start_cleaning": CLEANING_MODES,
    "start_play": PLAY_MODES,
}


def _validate(service: str, data: Mapping[str, Any]) -> None:
    """Check every documented range before any request is made."""
    for field, rule in _RULES.items():
        if isinstance(rule, list):
            _check_choice(data, field, rule)
        else:
            _check_range(data, field, *rule)
    if service in _DURATIONS:
        _check_range(data, "duration", *_DURATIONS[service])
    if service in _MODES:
        _check_choice(data, "mode", _MODES[service])


# --- targets -------------------------------------------------------------------


def _resolve(
    hass: HomeAssistant, device_id: str, action: Action | None, kind: DeviceKind | None
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
                kind is not None and device.kind is not kind
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
    kind: DeviceKind | None = None,
) -> list[Target]:
    """Resolve every device of a call (all are checked before anything is sent)."""
    return [
        _resolve(hass, device_id, action, kind)
        for device_id in dict.fromkeys(call.data[ATTR_DEVICE_ID])
    ]


# --- parameter builders (service data -> neutral action parameters) -----------


def _feed_params(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
    params = {"amount": data["amount"]}
    for field in ("portion", "sound_alert"):
        if field in data:
            params[field] = data[field]
    return params


def _schedule_params(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
    slots: list[FeedingSlot] = []
    for index, item in enumerate(data["schedule"], start=1):
        time = str(item.get("time", ""))
        if not _TIME.match(time):
            raise _invalid("invalid_time", index=index, value=item.get("time"))
        amount = item.get("amount")
        if not isinstance(amount, int | float) or isinstance(amount, bool):
            raise _invalid("invalid_amount", index=index, value=amount)
        _check_range({"amount": amount}, "amount", *_RULES["amount"])
        try:
            enabled = cv.boolean(item.get("enabled", True))
        except vol.Invalid as err:
            raise _invalid(
                "invalid_enabled", index=index, value=item.get("enabled")
            ) from err
        slots.append(FeedingSlot(time[:5], int(amount), enabled))
    if not 1 <= len(slots) <= 10:
        raise _invalid("invalid_schedule_length", count=len(slots))
    timezone = data.get("timezone") or hass.config.time_zone
    if dt_util.get_time_zone(timezone) is None:
        raise _invalid("invalid_timezone", value=timezone)
    return {"schedule": slots, "timezone": timezone}


def _fence_params(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
    if not data["name"].strip():
        raise _invalid("empty_value", field="name")
    return {
        key: data[key]
        for key in (
            "latitude",
            "longitude",
            "radius",
            "name",
            "alert_on_exit",
            "alert_on_entry",
        )
    }


def _copy(*fields: str) -> Callable[[HomeAssistant, Mapping[str, Any]], dict[str, Any]]:
    """Build a parameter builder that passes the given fields through."""

    def build(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
        params = {field: data[field] for field in fields if field in data}
        if "recording_quality" in params:
            params["quality"] = params.pop("recording_quality")
        return params

    return build


def _training_params(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
    if not data["skill"].strip():
        raise _invalid("empty_value", field="skill")
    return _copy("skill", "difficulty", "duration")(hass, data)


def _water_params(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"duration": data["duration"]}
    if "delay" in data and "start_time" in data:
        raise _invalid("delay_and_start_time")
    if "delay" in data:
        params["delay"] = data["delay"]
    if "start_time" in data:
        start = dt_util.as_utc(dt_util.as_local(data["start_time"]))
        if start <= dt_util.utcnow():
            raise _invalid("start_time_in_past", value=data["start_time"])
        params["start_time"] = start
    return params


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


def _weather_params(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, Any]:
    yesterday = dt_util.now().date() - timedelta(days=1)
    if data["date"] < yesterday:
        raise _invalid("date_too_early", value=data["date"], earliest=yesterday)
    low, high = data.get("temperature_min"), data.get("temperature_max")
    if low is not None and high is not None and low > high:
        raise _invalid("min_above_max", min=low, max=high)
    return {
        "date": data["date"],
        **{field: data[field] for field in _WEATHER_FIELDS if field in data},
    }


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
    "add_device": vol.Schema(
        {
            vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
            vol.Required("serial"): cv.string,
            vol.Required("device_type"): cv.string,
            vol.Optional("model"): cv.string,
        }
    ),
}

#: Actions that run one vendor command on every targeted device.
_COMMAND_SERVICES: dict[
    str, tuple[Action, Callable[[HomeAssistant, Mapping[str, Any]], dict[str, Any]]]
] = {
    "feed": (Action.FEED, _feed_params),
    "set_feeding_schedule": (Action.SET_FEEDING_SCHEDULE, _schedule_params),
    "pause_feeding_schedule": (Action.PAUSE_FEEDING_SCHEDULE, _copy()),
    "set_geofence": (Action.SET_GEOFENCE, _fence_params),
    "start_pump": (Action.START_PUMP, _copy("duration", "flow_rate", "mode")),
    "start_cleaning": (Action.START_CLEANING, _copy("mode", "duration")),
    "start_recording": (Action.START_RECORDING, _copy("duration", "recording_quality")),
    "start_play": (Action.START_PLAY, _copy("mode", "duration", "intensity")),
    "start_training": (Action.START_TRAINING, _training_params),
    "water": (Action.WATER, _water_params),
    "stop_watering": (Action.STOP_WATERING, _copy()),
    "no_water": (Action.NO_WATER, _copy("days")),
    "set_moisture": (Action.SET_MOISTURE, _copy("moisture")),
    "report_weather": (Action.REPORT_WEATHER, _weather_params),
}

#: Actions that act on a whole account whichever of its devices is targeted
#: (Netro's stop_water stops every zone of the controller).
_ONCE_PER_ACCOUNT = frozenset({Action.STOP_WATERING})
#: Actions one call takes for several zones of a controller. Netro runs the
#: zones of one water call one after another; separate calls would all start
#: at once, each cutting the previous one short.
_ZONES_IN_ONE_CALL = frozenset({Action.WATER, Action.SET_MOISTURE})


def _calls(
    action: Action, targets: list[Target], params: dict[str, Any]
) -> list[tuple[Target, dict[str, Any]]]:
    """The commands to send: one per device, or one per account where it should."""
    accounts: dict[PetSmartHubCoordinator, list[Target]] = {}
    for target in targets:
        accounts.setdefault(target.coordinator, []).append(target)
    calls: list[tuple[Target, dict[str, Any]]] = []
    for coordinator, group in accounts.items():
        if action in _ONCE_PER_ACCOUNT:
            calls.append((group[0], params))
        elif action in _ZONES_IN_ONE_CALL and len(group) > 1:
            zones = [coordinator.device(target.device_id).zone for target in group]
            whole = [t for t, z in zip(group, zones, strict=True) if z is None]
            if whole:  # the controller itself: every zone
                calls.append((whole[0], params))
            else:
                indices = [z.index for z in zones if z is not None]
                calls.append((group[0], {**params, "zones": indices}))
        else:
            calls.extend((target, params) for target in group)
    return calls


async def _async_command(
    hass: HomeAssistant,
    action: Action,
    build: Callable[[HomeAssistant, Mapping[str, Any]], dict[str, Any]],
    call: ServiceCall,
) -> None:
    """Validate everything, then run the command on each targeted device."""
    _validate(call.service, call.data)
    params = build(hass, call.data)
    targets = _targets(hass, call, action)
    for target, target_params in _calls(action, targets, params):
        await target.coordinator.async_execute(target.device_id, action, target_params)


def _single(
    hass: HomeAssistant,
    call: ServiceCall,
    action: Action | None,
    kind: DeviceKind | None = None,
) -> Target:
    targets = _targets(hass, call, action, kind)
    if len(targets) != 1:
        raise _invalid("single_device_required", count=len(targets))
    return targets[0]


async def _async_take_photo(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Take a photo and return where it is."""
    target = _single(hass, call, Action.TAKE_PHOTO)
    result = await target.coordinator.async_execute(
        target.device_id, Action.TAKE_PHOTO, {}
    )
    return {
        key: result.get(theirs)
        for key, theirs in (
            ("photo_id", "photoId"),
            ("url", "url"),
            ("thumbnail_url", "thumbnailUrl"),
            ("timestamp", "timestamp"),
            ("resolution", "resolution"),
        )
    }


async def _async_location_history(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Return a tracker's past positions (default: the last 24 hours)."""
    _validate(call.service, call.data)
    end: datetime = call.data.get("end") or dt_util.utcnow()
    start: datetime = call.data.get("start") or end - timedelta(days=1)
    start, end = (dt_util.as_utc(moment) for moment in (start, end))
    if start >= end:
        raise _invalid("start_after_end")
    target = _single(hass, call, None, DeviceKind.TRACKER)
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
    for service, (action, build) in _COMMAND_SERVICES.items():
        hass.services.async_register(
            DOMAIN,
            service,
            partial(_async_command, hass, action, build),
            schema=_SCHEMAS[service],
        )
    responders: dict[
        str,
        Callable[[HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]],
    ] = {
        "take_photo": _async_take_photo,
        "get_location_history": _async_location_history,
        "add_device": _async_add_device,
    }
    for service, handler in responders.items():
        hass.services.async_register(
            DOMAIN,
            service,
            partial(handler, hass),
            schema=_SCHEMAS[service],
            supports_response=SupportsResponse.OPTIONAL,
        )
