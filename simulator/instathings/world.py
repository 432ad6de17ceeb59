"""The Instathings world: protocols, device types, gateways and their devices.

A project holds gateways (an Instathings "gate": a box running one container
per protocol) and the devices paired to them, plus devices of their own (the
doc's virtual "device1"). Every device keeps its current state (what a status
request answers), the data it reported (what the data endpoint pages through)
and, for gateways, the log lines of its containers.

The default world, per gateway: a temperature and humidity sensor, a soil
moisture sensor, a Hue lamp, a Zigbee smart plug, a Shelly Plug S reached over
HTTP (its state is Shelly's own /status), and a pet fountain whose keys nobody
knows; one standalone virtual device besides. Ids are 8 characters like the
doc's, derived from the seed, so a seed always builds the same world.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import hashlib
import random
import string
from typing import Any, Final, TypeGuard

type JSON = dict[str, Any]

ID_ALPHABET = string.ascii_letters + string.digits
DEFAULT_PROJECT_ID = "77JTOK6B"
DEFAULT_GATE_VERSION = "instathings/gate:1.7.1"
RECORD_TTL = timedelta(days=1)
HISTORY_STEP = timedelta(minutes=10)

# --- protocols -----------------------------------------------------------------------


@dataclass(frozen=True)
class Protocol:
    """A protocol a gateway can speak (each runs as a container on the gate)."""

    protocol_id: str
    name: str
    slug: str
    container: str | None = None

    def as_json(self) -> JSON:
        """The protocol as /device/v1/protocols/:id answers it."""
        return {"id": self.protocol_id, "name": self.name, "slug": self.slug}


ZIGBEE: Final = Protocol("vRy6GTde", "Zigbee", "zigbee", "instathings-zigbee2mqtt")
HTTP: Final = Protocol("IuYtREd0", "HTTP", "http", "instathings-http")
ZWAVE: Final = Protocol("R2Jh6IhT", "Z-Wave", "zwave", "instathings-zwave2mqtt")
KNX: Final = Protocol("knx", "KNX", "knx", "instathings-knx2mqtt")
AUTOMATIONS: Final = Protocol("vRy7GTde", "Automations", "automations")
PROTOCOLS: Final = {p.protocol_id: p for p in (ZIGBEE, HTTP, ZWAVE, KNX, AUTOMATIONS)}

# Containers every gate runs whatever its protocols.
BASE_CONTAINERS = ("gate", "eclipse-mosquitto")
CONTAINER_VERSIONS = {
    "gate": DEFAULT_GATE_VERSION,
    "eclipse-mosquitto": "eclipse-mosquitto:1.6.9",
    "instathings-zigbee2mqtt": "instathings/zigbee2mqtt:1.14.1",
    "instathings-http": "instathings/http2mqtt:1.0.3",
    "instathings-zwave2mqtt": "instathings/zwave2mqtt:1.0.0",
    "instathings-knx2mqtt": "instathings/knx2mqtt:1.0.1",
}

# --- device types --------------------------------------------------------------------

ROOMS = (
    "closed-office",
    "meeting-room",
    "toilet",
    "archive",
    "living-room",
    "bedroom",
    "kitchen",
    "open-space",
)


@dataclass(frozen=True)
class DeviceType:
    """A device model the project can pair (GET /device/v1/types)."""

    type_id: str
    manufacturer: str
    model: str
    description: str
    add_on: str
    protocols: tuple[str, ...]
    kind: str = "sensor"
    pairing_methods: tuple[str, ...] = ()
    fake_sample_label: str = "value"

    @property
    def is_http(self) -> bool:
        """Whether devices of this type are HTTP devices (they need the headers)."""
        return "http" in self.add_on or any(
            PROTOCOLS[p].slug == "http" for p in self.protocols if p in PROTOCOLS
        )

    def as_json(self) -> JSON:
        """The type as /device/v1/types answers it."""
        return {
            "addOn": self.add_on,
            "description": self.description,
            "fakeSampleLabel": self.fake_sample_label,
            "id": self.type_id,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "pairingMethods": list(self.pairing_methods),
            "physicalParameter": [],
            "protocols": list(self.protocols),
            "rooms": list(ROOMS),
            "space": ["workspace", "home"],
            "type": self.kind,
        }


ZIGBEE_ADDON = "@instathings/gate-addon-zigbee"
HTTP_ADDON = "@instathings/gate-addon-http"

# The kinds of device the world knows, and the type of each.
GATEWAY = "gateway"
CLIMATE = "climate"
SOIL = "soil"
LAMP = "lamp"
PLUG = "plug"
SHELLY = "shelly"
FOUNTAIN = "fountain"
VIRTUAL = "virtual"
SUB_DEVICE_KINDS = (CLIMATE, SOIL, LAMP, PLUG, SHELLY, FOUNTAIN)

TYPES: Final = {
    GATEWAY: DeviceType(
        "4023bd5d-9f88-4761-97c2-0e682aef5437",
        "Instathings",
        "Gate",
        "Instathings gateway",
        "@instathings/gate",
        (),
        "gateway",
    ),
    CLIMATE: DeviceType(
        "01c2fd9f-fb3a-45cf-8be3-97e00b7510c6",
        "Xiaomi",
        "WSDCGQ11LM",
        "Aqara temperature, humidity and pressure sensor",
        ZIGBEE_ADDON,
        (ZIGBEE.protocol_id,),
        pairing_methods=("button",),
        fake_sample_label="temperature",
    ),
    SOIL: DeviceType(
        "5b0e3c1a-7d2f-4e8b-9a61-2c4f8d9e0a17",
        "TuYa",
        "TS0601_soil",
        "Soil moisture and temperature sensor",
        ZIGBEE_ADDON,
        (ZIGBEE.protocol_id,),
        pairing_methods=("button",),
        fake_sample_label="soil_moisture",
    ),
    LAMP: DeviceType(
        "4023br5d-9f88-4f31-97c2-0e682aef543f",
        "Philips",
        "9290012573A",
        "Hue white and color ambiance",
        ZIGBEE_ADDON,
        (ZIGBEE.protocol_id,),
        pairing_methods=("touchlink",),
        fake_sample_label="onoff",
    ),
    PLUG: DeviceType(
        "7e3a9c52-1b4d-4f6e-8a20-9d5c3b7f1e04",
        "Innr",
        "SP 120",
        "Smart plug with power metering",
        ZIGBEE_ADDON,
        (ZIGBEE.protocol_id,),
        "actuator",
        ("button",),
        "onoff",
    ),
    SHELLY: DeviceType(
        "c2d8f4a6-3e1b-4c7d-9f05-6a8b2e4d1c93",
        "Shelly",
        "SHPLG-S",
        "Shelly Plug S",
        HTTP_ADDON,
        (HTTP.protocol_id,),
        "actuator",
        ("ip",),
        "onoff",
    ),
    FOUNTAIN: DeviceType(
        "e9f1a3b5-7c2d-4e6f-8a09-1b3c5d7e9f20",
        "Acme",
        "PF-1",
        "Pet fountain",
        ZIGBEE_ADDON,
        (ZIGBEE.protocol_id,),
        pairing_methods=("button",),
    ),
}
TYPES_BY_ID: Final = {t.type_id: t for t in TYPES.values()}

NAMES = {
    GATEWAY: "Gateway",
    CLIMATE: "Terrarium climate",
    SOIL: "Garden soil",
    LAMP: "Hue lamp",
    PLUG: "Aquarium plug",
    SHELLY: "Heater plug",
    FOUNTAIN: "Pet fountain",
    VIRTUAL: "Virtual sensor",
}
MAX_NAME = 20
PLUG_LOAD = 12.4  # W, the aquarium pump behind the Zigbee plug
SHELLY_LOAD = 45.0  # W, the terrarium heater behind the Shelly
# A reading's plausible band while it drifts (tick).
BANDS = {
    "temperature": (18.0, 32.0),
    "humidity": (30.0, 85.0),
    "soil_moisture": (10.0, 70.0),
}


def short_id(seed: int, *parts: object, length: int = 8) -> str:
    """An id like the doc's ("A1Owj4Eu"), always the same for the same parts."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return "".join(ID_ALPHABET[byte % len(ID_ALPHABET)] for byte in digest[:length])


def hex_digest(seed: int, *parts: object) -> str:
    """A 64-hex string (certificate ids, principals)."""
    return hashlib.sha256(repr(("hex", seed, *parts)).encode()).hexdigest()


def uuid_like(seed: int, *parts: object) -> str:
    """A UUID-shaped id (data record ids, session identifiers)."""
    h = hashlib.sha256(repr(("uuid", seed, *parts)).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


def ms(moment: datetime) -> int:
    """Milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def iso(moment: datetime) -> str:
    """The on-premise server's time format: 2020-05-20T08:39:55.995Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- devices -------------------------------------------------------------------------


@dataclass
class DataRecord:
    """One data message a device sent (a row of the data endpoint)."""

    record_id: str
    device_id: str
    at: datetime
    data: JSON
    client_id: str
    principal: str
    local_id: str  # the on-premise server's Mongo-style _id


@dataclass
class LogLine:
    """One line a gateway container logged."""

    at: datetime
    message: str
    type: str = "LOG"  # or "ERR"
    container: str = "gate"
    ingested: datetime | None = None


@dataclass
class SimDevice:
    """A device of the project: a gateway, a device paired to one, or standalone."""

    device_id: str
    name: str
    kind: str
    created: datetime
    certificate_id: str
    type_id: str | None = None
    parent: str | None = None
    is_gateway: bool = False
    is_virtual: bool = False
    demo_active: bool = False
    frequency: int | None = None
    protocols: list[str] = field(default_factory=list)
    sub_devices: list[str] = field(default_factory=list)
    #: the current state: what the device last reported (Shelly: its /status)
    state: JSON = field(default_factory=dict)
    records: list[DataRecord] = field(default_factory=list)
    # --- gateways --------------------------------------------------------------
    connected: bool = True
    disconnect_reason: str | None = None
    status_at: datetime | None = None
    session_id: str = ""
    ip_address: str = "84.220.143.221"
    version: str | None = None
    containers: list[str] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    ingestion: int = 0
    # --- behaviour switches --------------------------------------------------------
    #: the device never answers a status request (and ignores commands)
    never_answers: bool = False
    #: seconds before it answers a status request (None: the simulator's default)
    answer_delay: float | None = None

    @property
    def device_type(self) -> DeviceType | None:
        """The device's type, if it has a known one."""
        return TYPES_BY_ID.get(self.type_id or "")

    @property
    def is_http(self) -> bool:
        """Whether it is an HTTP device (control needs instathings-path/-method)."""
        device_type = self.device_type
        return device_type is not None and device_type.is_http


def initial_state(kind: str, rng: random.Random) -> JSON:
    """What a device of `kind` reports when it is new."""
    match kind:
        case "climate":
            return {
                "temperature": round(rng.uniform(23.0, 26.0), 1),
                "humidity": round(rng.uniform(50.0, 60.0), 1),
                "battery": 91,
                "linkquality": 87,
            }
        case "soil":
            return {
                "soil_moisture": round(rng.uniform(38.0, 46.0), 1),
                "temperature": round(rng.uniform(18.0, 21.0), 1),
                "battery": 78,
                "linkquality": 64,
            }
        case "lamp":
            return {
                "state": "ON",
                "brightness": 254,
                "color": {"x": 0.3068, "y": 0.4143},
                "color_temp": 155,
                "linkquality": 110,
            }
        case "plug":
            return {
                "state": "ON",
                "power": PLUG_LOAD,
                "energy": 3.21,
                "voltage": 230.1,
                "current": round(PLUG_LOAD / 230.1, 3),
                "linkquality": 102,
            }
        case "shelly":
            return shelly_status(rng)
        case "fountain":
            return {"cycles": 42, "mode": "eco", "filter_ok": True}
        case "virtual":
            return {"value": 33, "isVirtualData": True}
    return {}


def shelly_status(rng: random.Random) -> JSON:
    """A Shelly Plug S's /status (Gen1 API), relay off."""
    mac = "".join(rng.choice("0123456789ABCDEF") for _ in range(12))
    return {
        "wifi_sta": {
            "connected": True,
            "ssid": "PetHome",
            "ip": "192.168.1.42",
            "rssi": -58,
        },
        "cloud": {"enabled": False, "connected": False},
        "mqtt": {"connected": False},
        "time": "16:54",
        "serial": 1,
        "has_update": False,
        "mac": mac,
        "relays": [
            {
                "ison": False,
                "has_timer": False,
                "timer_started": 0,
                "timer_duration": 0,
                "timer_remaining": 0,
                "overpower": False,
                "source": "http",
            }
        ],
        "meters": [
            {
                "power": 0.0,
                "overpower": 0.0,
                "is_valid": True,
                "timestamp": 0,
                "counters": [0.0, 0.0, 0.0],
                "total": 18233,
            }
        ],
        "temperature": 30.82,
        "overtemperature": False,
        "tmp": {"tC": 30.82, "tF": 87.48, "is_valid": True},
        "ram_total": 50608,
        "ram_free": 40304,
        "fs_size": 233681,
        "fs_free": 168923,
        "uptime": 458,
    }


def set_relay(state: JSON, on: bool) -> None:
    """Switch a Shelly's relay in its /status; its meter follows."""
    relay = state["relays"][0]
    relay["ison"] = on
    state["meters"][0]["power"] = SHELLY_LOAD if on else 0.0


def apply_command(kind: str, state: JSON, body: JSON) -> bool:
    """Apply a Zigbee command (zigbee2mqtt's set payload); True if it changed the state.

    `state` ON, OFF or TOGGLE (any case), `brightness` 0-254 (turns the light
    on, or off at 0, unless `state` says otherwise), `color` {x, y} and
    `color_temp` (mireds, 150-500) act on a device that has them; anything
    else is ignored, as a device ignores what it does not understand.
    """
    before = copy.deepcopy(state)
    wanted = body.get("state")
    if "state" in state and isinstance(wanted, str):
        wanted = wanted.upper()
        if wanted == "TOGGLE":
            wanted = "OFF" if state["state"] == "ON" else "ON"
        if wanted in ("ON", "OFF"):
            state["state"] = wanted
    brightness = body.get("brightness")
    if "brightness" in state and _is_number(brightness):
        state["brightness"] = min(254, max(0, round(brightness)))
        if "state" not in body:
            state["state"] = "ON" if state["brightness"] > 0 else "OFF"
    color = body.get("color")
    if (
        "color" in state
        and isinstance(color, dict)
        and _is_number(color.get("x"))
        and _is_number(color.get("y"))
    ):
        state["color"] = {"x": round(color["x"], 4), "y": round(color["y"], 4)}
    color_temp = body.get("color_temp")
    if "color_temp" in state and _is_number(color_temp):
        state["color_temp"] = min(500, max(150, round(color_temp)))
    if kind == PLUG:
        power = PLUG_LOAD if state["state"] == "ON" else 0.0
        if (state["state"] == "ON") != (before["state"] == "ON"):
            state["power"] = power
            state["current"] = round(power / state.get("voltage", 230.0), 3)
    return state != before


def shelly_call(state: JSON, path: str, query: dict[str, str]) -> tuple[Any, bool]:
    """A Shelly Gen1 HTTP call: (what the plug answers, whether it switched).

    /relay/0 with turn=on|off|toggle switches the relay and answers the relay;
    /status, /meter/0 and /settings answer as a Shelly does; any other path
    answers {"error": "Not Found"}.
    """
    path = "/" + path.strip("/")
    if path == "/relay/0":
        relay = state["relays"][0]
        turn = query.get("turn", "").lower()
        was = relay["ison"]
        if turn in ("on", "off", "toggle"):
            set_relay(state, not was if turn == "toggle" else turn == "on")
        return copy.deepcopy(relay), relay["ison"] != was
    if path == "/status":
        return copy.deepcopy(state), False
    if path == "/meter/0":
        return copy.deepcopy(state["meters"][0]), False
    if path == "/settings":
        return {
            "device": {
                "type": "SHPLG-S",
                "mac": state["mac"],
                "hostname": f"shellyplug-s-{state['mac'][-6:]}",
            },
            "relays": [{"default_state": "off", "max_power": 2500}],
        }, False
    return {"error": "Not Found"}, False


def _is_number(value: Any) -> TypeGuard[float]:
    """Whether a JSON value is a number (not a boolean)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def drift(kind: str, state: JSON, rng: random.Random, seconds: float) -> bool:
    """Move a device's readings as `seconds` pass; True if anything changed."""
    match kind:
        case "climate":
            _wander(state, "temperature", rng.uniform(-0.3, 0.3))
            _wander(state, "humidity", rng.uniform(-1.5, 1.5))
        case "soil":
            _wander(state, "soil_moisture", -rng.uniform(0.1, 0.6))
            if state["soil_moisture"] <= BANDS["soil_moisture"][0] + 2:
                state["soil_moisture"] = 60.0  # somebody watered the garden
            _wander(state, "temperature", rng.uniform(-0.2, 0.2))
        case "plug":
            on = state.get("state") == "ON"
            power = round(PLUG_LOAD + rng.uniform(-0.8, 0.8), 1) if on else 0.0
            state["power"] = power
            state["current"] = round(power / state.get("voltage", 230.0), 3)
            state["energy"] = round(state["energy"] + power * seconds / 3_600_000, 4)
        case "shelly":
            meter = state["meters"][0]
            if state["relays"][0]["ison"]:
                meter["power"] = round(SHELLY_LOAD + rng.uniform(-1.5, 1.5), 2)
            meter["total"] = int(meter["total"] + meter["power"] * seconds / 60)
            state["uptime"] = int(state["uptime"] + seconds)
            temperature = round(state["temperature"] + rng.uniform(-0.2, 0.2), 2)
            state["temperature"] = temperature
            state["tmp"]["tC"] = temperature
            state["tmp"]["tF"] = round(temperature * 9 / 5 + 32, 2)
        case "fountain":
            state["cycles"] += 1
        case "virtual":
            state["value"] = rng.randint(0, 100)
        case _:
            return False
    return True


def _wander(state: JSON, key: str, step: float) -> None:
    """Move a reading by `step`, kept inside its band."""
    low, high = BANDS[key]
    state[key] = round(min(high, max(low, state[key] + step)), 1)


# --- the world -------------------------------------------------------------------------


@dataclass
class World:
    """A project: its devices (gateways first, each followed by its own)."""

    project_id: str
    seed: int
    env: str
    devices: dict[str, SimDevice] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    serial: int = 0

    def next_serial(self) -> int:
        """A number never handed out before (for fresh ids)."""
        self.serial += 1
        return self.serial

    def find(self, device_id: str) -> SimDevice:
        """A device by id (KeyError if unknown)."""
        return self.devices[device_id]

    @property
    def gateways(self) -> list[SimDevice]:
        """The gateways, in order."""
        return [d for d in self.devices.values() if d.is_gateway]

    def gateway_of(self, device: SimDevice) -> SimDevice | None:
        """The gateway a device is paired to (itself for a gateway)."""
        if device.is_gateway:
            return device
        return self.devices.get(device.parent or "")

    def reachable(self, device: SimDevice) -> bool:
        """Whether the device can answer: it does, and its gateway is connected."""
        gateway = self.gateway_of(device)
        return not device.never_answers and (gateway is None or gateway.connected)

    def new_device(
        self,
        kind: str,
        now: datetime,
        *,
        device_id: str,
        name: str,
        parent: SimDevice | None = None,
    ) -> SimDevice:
        """Create a device of `kind` (not yet added to the world)."""
        device_type = TYPES.get(kind)
        device = SimDevice(
            device_id=device_id,
            name=name,
            kind=kind,
            created=now,
            certificate_id=hex_digest(self.seed, "certificate", device_id),
            type_id=device_type.type_id if device_type is not None else None,
            parent=parent.device_id if parent is not None else None,
            is_gateway=kind == GATEWAY,
            is_virtual=kind == VIRTUAL,
            protocols=list(device_type.protocols) if device_type is not None else [],
            state=initial_state(kind, self.rng),
        )
        if device.is_gateway:
            device.protocols = [ZIGBEE.protocol_id, HTTP.protocol_id]
            device.containers = [
                *BASE_CONTAINERS,
                *(
                    container
                    for p in device.protocols
                    if (container := PROTOCOLS[p].container) is not None
                ),
            ]
            device.version = DEFAULT_GATE_VERSION
            device.status_at = now
            device.session_id = uuid_like(self.seed, "session", device_id, 0)
        return device

    def add(self, device: SimDevice) -> None:
        """Put a device in the world (after its gateway's other devices)."""
        if device.parent is None:
            self.devices[device.device_id] = device
            return
        self.devices[device.parent].sub_devices.append(device.device_id)
        self.devices[device.device_id] = device
        self._reorder()

    def _reorder(self) -> None:
        """List every gateway's devices right behind it, in pairing order."""
        ordered: dict[str, SimDevice] = {}
        for device in self.devices.values():
            if device.parent is not None and device.parent in self.devices:
                continue
            ordered[device.device_id] = device
            for sub_id in device.sub_devices:
                if sub_id in self.devices:
                    ordered[sub_id] = self.devices[sub_id]
        self.devices = ordered

    def remove(self, device: SimDevice) -> list[SimDevice]:
        """Take a device (a gateway with its devices) out; return what went."""
        gone = [device]
        if device.is_gateway:
            gone = [self.devices[s] for s in device.sub_devices] + [device]
        for item in gone:
            self.devices.pop(item.device_id, None)
        parent = self.devices.get(device.parent or "")
        if parent is not None and device.device_id in parent.sub_devices:
            parent.sub_devices.remove(device.device_id)
        return gone

    def record(self, device: SimDevice, data: JSON, at: datetime) -> DataRecord:
        """Store one data message of a device."""
        gateway = self.gateway_of(device)
        client_id = "N/A" if device.is_virtual else (gateway or device).device_id
        principal = (gateway or device).certificate_id
        serial = self.next_serial()
        record = DataRecord(
            record_id=uuid_like(self.seed, "record", serial),
            device_id=device.device_id,
            at=at,
            data=copy.deepcopy(data),
            client_id=client_id,
            principal=principal,
            local_id=hashlib.sha256(
                repr(("oid", self.seed, serial)).encode()
            ).hexdigest()[:24],
        )
        device.records.append(record)
        if gateway is not None:
            gateway.ingestion += 1
        return record

    def shift(self, delta: timedelta) -> None:
        """Move every stored time by `delta` (the clock was set)."""
        for device in self.devices.values():
            device.created += delta
            if device.status_at is not None:
                device.status_at += delta
            for record in device.records:
                record.at += delta
            for line in device.logs:
                line.at += delta
                if line.ingested is not None:
                    line.ingested += delta


def build_world(
    *,
    project_id: str,
    seed: int,
    env: str,
    gateways: int,
    standalone: bool,
    history: int,
    now: datetime,
) -> World:
    """The default world: `gateways` gateways, each with one device of every kind."""
    world = World(project_id, seed, env, rng=random.Random(seed))
    start = now - HISTORY_STEP * history - timedelta(days=30)
    for index in range(1, gateways + 1):
        suffix = "" if index == 1 else f" {index}"
        gateway = world.new_device(
            GATEWAY,
            start,
            device_id=short_id(seed, "device", index, GATEWAY),
            name=f"{NAMES[GATEWAY]}{suffix}",
        )
        world.add(gateway)
        for kind in SUB_DEVICE_KINDS:
            world.add(
                world.new_device(
                    kind,
                    start + timedelta(minutes=SUB_DEVICE_KINDS.index(kind) + 1),
                    device_id=short_id(seed, "device", index, kind),
                    name=f"{NAMES[kind]}{suffix}",
                    parent=gateway,
                )
            )
        gateway.logs.extend(boot_logs(world, gateway, now - timedelta(minutes=5)))
    if standalone:
        world.add(
            world.new_device(
                VIRTUAL,
                start,
                device_id=short_id(seed, "device", 0, VIRTUAL),
                name=NAMES[VIRTUAL],
            )
        )
    for device in world.devices.values():
        if device.is_gateway:
            continue
        for step in range(history, 0, -1):
            drift(device.kind, device.state, world.rng, HISTORY_STEP.total_seconds())
            world.record(device, device.state, now - HISTORY_STEP * step)
    return world


def boot_logs(world: World, gateway: SimDevice, at: datetime) -> list[LogLine]:
    """What a gate logs when it starts."""
    topic = f"discover/{world.project_id}/{gateway.device_id}/device/post"
    return [
        LogLine(at, f"{iso(at)} gate Connecting...\n", ingested=at),
        LogLine(at, f"{iso(at)} gate Subscribing to {topic}\n", ingested=at),
        LogLine(
            at,
            f"{iso(at)} Zigbee: started (version 1.14.1)\n",
            container="instathings-zigbee2mqtt",
            ingested=at,
        ),
    ]
