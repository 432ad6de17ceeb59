"""The Instathings answers: their shapes and the variants our wire contract allows.

`Shapes` holds every switch between the alternatives `docs/instathings-wire.md`
lists (token key, device list envelope, data record format, Location header,
the pending fetch answer...). The functions here render the world's objects as
the REST API and the websockets show them.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
from dataclasses import dataclass, fields, replace
from datetime import datetime
from http import HTTPStatus
import math
from typing import Any

from .auth import ApiError
from .world import (
    JSON,
    PROTOCOLS,
    RECORD_TTL,
    DataRecord,
    LogLine,
    SimDevice,
    World,
    iso,
    ms,
)

# The choices of every switch (None, where allowed, means "as the mode does").
CHOICES: Mapping[str, tuple[Any, ...]] = {
    "token": ("access_token", "accessToken", "token"),
    "bad_credentials": (401, 400, 403),
    "on_premise_token": (404, 405),
    "socket_close": (4001, 1008),
    "expires_in": (False, True),
    "jwt_exp": (True, False),
    "devices": ("list", "data", "items"),
    "list_sub_devices": ("ids", "objects"),
    "device_sub_devices": ("objects", "ids"),
    "data_order": (None, "newest", "oldest"),
    "data_ts": (None, "ms", "iso"),
    "data_record": (None, "flat", "enveloped"),
    "values": ("plain", "units"),
    "color": ("xy", "rgb", "hex"),
    "location": ("absolute", "relative"),
    "status_body": ("empty", "request_id"),
    "pending": ("202", "404", "200"),
    "response": (None, "flat", "enveloped"),
}

# Units of the readings the "units" shape wraps as {"value", "unit"}.
UNITS = {
    "temperature": "°C",
    "humidity": "%",
    "soil_moisture": "%",
    "battery": "%",
    "power": "W",
    "energy": "kWh",
    "voltage": "V",
    "current": "A",
}

# The plan object the doc's `disconnected` event carries.
PLAN: JSON = {
    "interval_count": 1,
    "amount": 600,
    "metadata": {"ingestion_limit": "5"},
    "product": "prod_GxpMPerafMhwEP",
    "tiers": None,
    "livemode": False,
    "created": 1584983290,
    "amount_decimal": "600",
    "transform_usage": None,
    "active": True,
    "aggregate_usage": None,
    "billing_scheme": "per_unit",
    "trial_period_days": 14,
    "tiers_mode": None,
    "usage_type": "licensed",
    "nickname": "Monthly",
    "currency": "usd",
    "interval": "month",
    "id": "plan_GxpPxBtYRJZ3W8",
    "object": "plan",
}


@dataclass(frozen=True, kw_only=True)
class Shapes:
    """Which of the allowed alternatives every answer takes.

    - `token`: the token answer's key (access_token, accessToken, token);
      `expires_in`: add the lifetime in seconds; `jwt_exp`: put `exp` in the JWT;
      `bad_credentials`: the status of wrong credentials (401, 400 or 403);
      `on_premise_token`: what the token endpoint answers on premise (404 or
      405); `socket_close`: the close code of a cloud socket whose token is
      wrong or expires (4001 or 1008).
    - `devices`: the device list bare ("list"), as {"data": [...]} or
      {"items": [...]}; `list_sub_devices` / `device_sub_devices`: a gateway's
      subDevices as ids or as objects, in the list and in the by-id answer.
    - `data_order`, `data_ts`, `data_record`: the data endpoint's default order
      (newest or oldest first), record times (ms or ISO) and record data (flat
      or {type: "data", message: {data}}); None follows the mode (cloud: newest,
      ms, flat; on premise: oldest, ISO, enveloped).
    - `values`: readings as plain numbers or {"value", "unit"} objects;
      `color`: a light's color as {x, y}, {r, g, b} or {hex}.
    - `location`: the status answer's Location absolute or relative;
      `status_body`: its body {} or {"requestId"}; `pending`: what fetch answers
      while the device has not answered (202, 404, or 200 without response);
      `response`: the answered response flat or enveloped (None: HTTP devices
      enveloped, the others flat).
    """

    token: str = "access_token"  # noqa: S105 - the name of a key
    bad_credentials: int = 401
    on_premise_token: int = 404
    socket_close: int = 4001
    expires_in: bool = False
    jwt_exp: bool = True
    devices: str = "list"
    list_sub_devices: str = "ids"
    device_sub_devices: str = "objects"
    data_order: str | None = None
    data_ts: str | None = None
    data_record: str | None = None
    values: str = "plain"
    color: str = "xy"
    location: str = "absolute"
    status_body: str = "empty"
    pending: str = "202"
    response: str | None = None

    def __post_init__(self) -> None:
        """Refuse a value that is not one of the switch's choices."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value not in CHOICES[spec.name]:
                choices = ", ".join(repr(c) for c in CHOICES[spec.name])
                raise ValueError(f"{spec.name} must be one of {choices}")

    def but(self, **changes: Any) -> Shapes:
        """A copy with some switches changed."""
        return replace(self, **changes)


# --- errors --------------------------------------------------------------------------


def error_body(status: int, message: str | None = None) -> JSON:
    """The error body (the doc shows none: a Node/Boom-style one)."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {"statusCode": status, "error": reason, "message": message or reason}


# --- devices -------------------------------------------------------------------------


def gateway_status(world: World, device: SimDevice) -> JSON:
    """A gateway's connection status, as its device and its events carry it."""
    at = device.status_at or device.created
    status: JSON = {
        "principalIdentifier": device.certificate_id,
        "clientId": device.device_id,
        "eventType": "connected" if device.connected else "disconnected",
        "sessionIdentifier": device.session_id,
        "versionNumber": 0,
        "timestamp": ms(at),
    }
    if device.connected:
        status["ipAddress"] = device.ip_address
    else:
        status["disconnectReason"] = device.disconnect_reason or "CONNECTION_LOST"
        status["clientInitiatedDisconnect"] = (
            device.disconnect_reason == "CLIENT_INITIATED_DISCONNECT"
        )
    return status


def device_json(world: World, device: SimDevice, sub_devices: str = "ids") -> JSON:
    """A device as the REST API lists it; a gateway's subDevices as ids or objects."""
    out: JSON = {
        "projectId": world.project_id,
        "ts": ms(device.created),
        "isVirtual": device.is_virtual,
        "demoActive": device.demo_active,
        "id": device.device_id,
        "isGateway": device.is_gateway,
        "name": device.name,
    }
    if device.type_id is not None:
        out["type"] = device.type_id
    if device.protocols:
        out["protocols"] = list(device.protocols)
    if device.parent is not None:
        out["parentDevice"] = device.parent
        out["status"] = {"eventType": "paired", "timestamp": ms(device.created)}
    if device.frequency is not None:
        out["frequency"] = device.frequency
    if device.is_gateway:
        subs = [world.devices[s] for s in device.sub_devices if s in world.devices]
        out["subDevices"] = (
            [device_json(world, sub) for sub in subs]
            if sub_devices == "objects"
            else [sub.device_id for sub in subs]
        )
        out["env"] = world.env
        out["certificateId"] = device.certificate_id
        out["stats"] = {"ingestion": device.ingestion}
        out["status"] = gateway_status(world, device)
        out["version"] = {"gate": device.version}
    return out


def device_list(world: World, shapes: Shapes) -> Any:
    """GET /device/v1/devices in the shapes' envelope."""
    items = [
        device_json(world, device, shapes.list_sub_devices)
        for device in world.devices.values()
    ]
    if shapes.devices == "data":
        return {"data": items, "totalItems": len(items)}
    if shapes.devices == "items":
        return {"items": items, "count": len(items)}
    return items


def gateway_event(world: World, device: SimDevice, *, full: bool) -> JSON:
    """The payload of connected / disconnected / software_version."""
    out: JSON = {
        "projectId": world.project_id,
        "ts": ms(device.created),
        "stats": {"ingestion": device.ingestion},
        "certificateId": device.certificate_id,
        "subDevices": [s for s in device.sub_devices if s in world.devices],
        "status": gateway_status(world, device),
        "protocols": list(device.protocols),
        "id": device.device_id,
        "env": world.env,
        "isGateway": True,
        "name": device.name,
        "type": device.type_id,
    }
    if full:
        out["version"] = {"gate": device.version}
    return out


def pairing_event(world: World, device: SimDevice, event_type: str) -> JSON:
    """The payload of discovering / paired / not_paired."""
    return {
        "projectId": world.project_id,
        "ts": ms(device.created),
        "status": {"eventType": event_type},
        "parentDevice": device.parent,
        "id": device.device_id,
        "env": world.env,
        "isGateway": False,
        "name": device.name,
        "type": device.type_id,
    }


def certificate_json(world: World, device: SimDevice, serial: int) -> JSON:
    """The sandbox certificate answer (fresh credentials every time)."""
    return {
        "certificateId": device.certificate_id,
        "credentials": {
            "certificatePem": (
                "-----BEGIN CERTIFICATE-----\n"
                f"SIMULATED{serial:04d}{device.device_id}\n"
                "-----END CERTIFICATE-----\n"
            ),
            "privateKey": (
                "-----BEGIN RSA PRIVATE KEY-----\n"
                f"SIMULATED{serial:04d}\n"
                "-----END RSA PRIVATE KEY-----\n"
            ),
            "publicKey": (
                f"-----BEGIN PUBLIC KEY-----\nSIMULATED{serial:04d}\n"
                "-----END PUBLIC KEY-----\n"
            ),
        },
        "demoActive": device.demo_active,
        "env": world.env,
        "id": device.device_id,
        "isGateway": device.is_gateway,
        "name": device.name,
        "projectId": world.project_id,
        "protocols": list(device.protocols),
        "subDevices": list(device.sub_devices),
        "ts": ms(device.created),
        "type": device.type_id,
    }


# --- patch -----------------------------------------------------------------------------


def check_patch(body: Any) -> JSON:
    """The changes of a PATCH body (ApiError 400 if any is invalid)."""
    if not isinstance(body, dict) or not body:
        raise ApiError(400, "A JSON object with name, frequency or demoActive")
    if unknown := set(body) - {"name", "frequency", "demoActive"}:
        raise ApiError(400, f"Unknown fields: {', '.join(sorted(unknown))}")
    name = body.get("name")
    if "name" in body and (
        not isinstance(name, str) or not name.strip() or len(name) > 20
    ):
        raise ApiError(400, "name must be a string of 1 to 20 characters")
    frequency = body.get("frequency")
    if "frequency" in body and (
        not isinstance(frequency, int) or isinstance(frequency, bool) or frequency < 30
    ):
        raise ApiError(400, "frequency must be an integer of at least 30")
    if "demoActive" in body and not isinstance(body["demoActive"], bool):
        raise ApiError(400, "demoActive must be a boolean")
    return dict(body)


# --- data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """The data endpoint's query: page, perPage, start, end, sort."""

    page: int = 1
    per_page: int = 10
    start: int | None = None
    end: int | None = None
    descending: bool | None = None  # None: the default order


def _int_arg(query: Mapping[str, str], name: str) -> int | None:
    """An integer query parameter (ApiError 400 if not one)."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None


def parse_page(query: Mapping[str, str]) -> Page:
    """Check the data endpoint's query (ApiError 400 when out of bounds)."""
    page = _int_arg(query, "page")
    per_page = _int_arg(query, "perPage")
    if page is not None and page < 1:
        raise ApiError(400, "page starts at 1")
    if per_page is not None and not 1 <= per_page <= 100:
        raise ApiError(400, "perPage must be between 1 and 100")
    sort = query.get("sort")
    descending: bool | None = None
    if sort is not None:
        if sort.strip() in ("ts", "+ts"):  # "+" may arrive decoded as a space
            descending = False
        elif sort == "-ts":
            descending = True
        else:
            raise ApiError(400, f"Can not sort by {sort}")
    return Page(
        page or 1,
        per_page or 10,
        _int_arg(query, "start"),
        _int_arg(query, "end"),
        descending,
    )


def select_records(
    records: list[DataRecord], page: Page, default_descending: bool
) -> tuple[list[DataRecord], int]:
    """The records of one page, and how many match the time window."""
    matching = [
        r
        for r in records
        if (page.start is None or ms(r.at) >= page.start)
        and (page.end is None or ms(r.at) <= page.end)
    ]
    descending = default_descending if page.descending is None else page.descending
    matching.sort(key=lambda r: r.at, reverse=descending)
    first = (page.page - 1) * page.per_page
    return matching[first : first + page.per_page], len(matching)


def envelope(data: Any) -> JSON:
    """The on-premise / HTTP-device envelope of a device's message."""
    return {"type": "data", "message": {"data": data}}


def render_values(data: Any, shapes: Shapes) -> Any:
    """A device's message with the shapes' colour and unit forms applied."""
    if not isinstance(data, dict):
        return data
    out = copy.deepcopy(data)
    color = out.get("color")
    if (
        shapes.color != "xy"
        and isinstance(color, dict)
        and isinstance(color.get("x"), int | float)
        and isinstance(color.get("y"), int | float)
    ):
        red, green, blue = xy_to_rgb(color["x"], color["y"])
        out["color"] = (
            {"r": red, "g": green, "b": blue}
            if shapes.color == "rgb"
            else {"hex": f"#{red:02x}{green:02x}{blue:02x}"}
        )
    if shapes.values == "units":
        for key, unit in UNITS.items():
            value = out.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = {"value": value, "unit": unit}
    return out


def record_json(record: DataRecord, shapes: Shapes, *, on_premise: bool) -> JSON:
    """One data record; its fields as the cloud's or the on-premise server's."""
    use_iso = (shapes.data_ts or ("iso" if on_premise else "ms")) == "iso"
    ts: Any = iso(record.at) if use_iso else ms(record.at)
    data = render_values(record.data, shapes)
    if (shapes.data_record or ("enveloped" if on_premise else "flat")) == "enveloped":
        data = envelope(data)
    if on_premise:
        return {
            "_id": record.local_id,
            "data": data,
            "deviceId": record.device_id,
            "ts": ts,
        }
    return {
        "ts": ts,
        "deviceId": record.device_id,
        "data": data,
        "ttl": int((record.at + RECORD_TTL).timestamp()),
        "principal": record.principal,
        "id": record.record_id,
        "clientId": record.client_id,
    }


def data_event(record: DataRecord, shapes: Shapes) -> JSON:
    """The cloud websocket's `data` payload."""
    return {
        "id": record.record_id,
        "clientId": record.client_id,
        "principal": record.principal,
        "ts": ms(record.at),
        "ttl": int((record.at + RECORD_TTL).timestamp()),
        "deviceId": record.device_id,
        "data": render_values(record.data, shapes),
    }


# --- logs ----------------------------------------------------------------------------


def logs_window(query: Mapping[str, str]) -> tuple[int | None, int | None]:
    """The start and end of the logs query: both or neither (ApiError 400)."""
    start, end = _int_arg(query, "start"), _int_arg(query, "end")
    if (start is None) != (end is None):
        raise ApiError(400, "start and end go together")
    return start, end


def log_json(line: LogLine) -> JSON:
    """A log line as the logs endpoint answers it."""
    return {
        "timestamp": ms(line.at),
        "type": line.type,
        "message": line.message,
        "ingestionTime": ms(line.ingested or line.at),
    }


def log_event(device: SimDevice, container: str, lines: list[LogLine]) -> JSON:
    """The websocket's `log` payload."""
    return {
        "logs": [
            {"message": line.message, "type": line.type, "timestamp": ms(line.at)}
            for line in lines
        ],
        "deviceId": device.device_id,
        "containerName": container,
    }


# --- installation --------------------------------------------------------------------


def installation_event(
    world: World,
    gateway: SimDevice,
    protocol_id: str,
    success: bool,
    at: datetime,
    new_containers: list[str],
    versions: dict[str, str],
) -> JSON:
    """The payload of installation_succeded / installation_failed."""
    protocol = PROTOCOLS.get(protocol_id)
    slug = protocol.slug if protocol is not None else protocol_id
    stdout = ""
    if success and new_containers:
        image = versions.get(new_containers[0], "")
        stdout = (
            f"{image.split(':')[-1]}: Pulling from {image.split(':')[0]}\n"
            f"Status: Image is up to date for {image}\ndocker.io/{image}\n"
        )
    return {
        "event": {
            "dt_install": ms(at),
            "protocol": slug,
            "protocolId": protocol_id,
            "exitStatus": 0 if success else 1,
            "installationSuccess": success,
            "stdout": stdout,
            "stderr": "",
            "versions": versions,
            "newContainers": new_containers,
            "projectId": world.project_id,
            "deviceId": gateway.device_id,
        }
    }


# --- colours -----------------------------------------------------------------------------


def xy_to_rgb(x: float, y: float) -> tuple[int, int, int]:
    """A CIE xy colour as 8-bit sRGB (full brightness), the way Hue's docs do it."""
    y = max(y, 1e-6)
    big_y = 1.0
    big_x = big_y / y * x
    big_z = big_y / y * (1.0 - x - y)
    rgb = [
        big_x * 1.656492 - big_y * 0.354851 - big_z * 0.255038,
        -big_x * 0.707196 + big_y * 1.655397 + big_z * 0.036152,
        big_x * 0.051713 - big_y * 0.121364 + big_z * 1.011530,
    ]
    rgb = [max(0.0, c) for c in rgb]
    peak = max(rgb) or 1.0
    out = []
    for c in (c / peak for c in rgb):
        gamma = 12.92 * c if c <= 0.0031308 else 1.055 * math.pow(c, 1 / 2.4) - 0.055
        out.append(round(min(1.0, max(0.0, gamma)) * 255))
    return out[0], out[1], out[2]
