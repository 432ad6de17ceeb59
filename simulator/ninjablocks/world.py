"""The Ninja Blocks world: blocks, their devices, sub-devices and history.

Devices are the first-class citizens of the Ninja API, addressed by GUIDs of
the form NODE_G_V_D (the block's serial, the port, the vendor and the device
id). Every block (node) of the default world carries the same set of devices:

- the doc's four: humidity `<node>_0301_0_30` (DA 58), temperature
  `<node>_0301_0_31` (DA 26.6), the on-board RGB LED `<node>_0_0_1000`
  (DA "22B42B") and the RF 433 MHz transceiver `<node>_0_0_11` with the doc's
  Door Bell sensor sub-device `6l8At` and an RF actuator sub-device `MB0FH`
  ("Heat lamp on");
- a PIR `<node>_1_0_7`, a relay board `<node>_2_0_1002`, a light sensor
  `<node>_3_0_6`, a distance sensor `<node>_4_0_10`, the on-board button
  `<node>_0_0_5`, an RF door contact `<node>_0302_0_14` and a webcam
  `<node>_0_0_1004`. The device ids (D) are those of Ninja's Arduino firmware
  (button 5, light 6, PIR 7, distance 10, RF 11, relay board 1002); the
  contact's 14 is made up.

The account also has the Webhook service device `WEBHOOK_0_0_108`: a virtual
device of the virtual node "WEBHOOK" (the doc's tickle example and what real
listings show), with one webhook sensor sub-device `LA9EJ` ("Dinner bell")
whose token is the doc's. Tickling a webhook sensor makes the webhook device
report the sub-device's id as its DA, as real listings show.

Devices with `has_time_series` 1 (humidity, temperature, light, distance) have
a deterministic history: one sample every 10 minutes from 400 days before the
world was built up to now, a daily wave plus noise that depends only on the
seed, the GUID and the sample's time, merged with the values reported since.
Sub-devices keep the times they were actuated (seeded the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import math
import random
import string
from typing import Any, Final
import uuid

type JSON = dict[str, Any]

DEFAULT_NODE: Final = "ASTEALTHYNODE01"
WEBHOOK_NODE: Final = "WEBHOOK"
WEBHOOK_GUID: Final = "WEBHOOK_0_0_108"

HISTORY_DAYS: Final = 400
SAMPLE_STEP_MS: Final = 10 * 60 * 1000
DAY_MS: Final = 24 * 60 * 60 * 1000

SUBDEVICE_ID_ALPHABET: Final = string.ascii_letters + string.digits
SUBDEVICE_ID_LENGTH: Final = 5

# The doc's sample sub-devices (and the seeded ones).
DOOR_BELL_ID: Final = "6l8At"
DOOR_BELL_CODE: Final = "011111110001010100110000"
HEAT_LAMP_ID: Final = "MB0FH"
HEAT_LAMP_CODE: Final = "010101010101010101010101"
DINNER_BELL_ID: Final = "LA9EJ"
DINNER_BELL_TOKEN: Final = "1c0c8929-3318-411d-96e0-36fb7872ea5d"  # noqa: S105 - the doc's
RF433_LAST_CODE: Final = "010001010101010100010101"

# device_type values of the world.
HUMIDITY: Final = "humidity"
TEMPERATURE: Final = "temperature"
RGBLED: Final = "rgbled"
RF433: Final = "rf433"
PIR: Final = "pir"
CONTACT: Final = "contact"
BUTTON: Final = "button"
RELAY: Final = "relay"
DISTANCE: Final = "distance"
LIGHT: Final = "light"
WEBCAM: Final = "webcam"
WEBHOOK: Final = "webhook"


@dataclass(frozen=True)
class Spec:
    """What a kind of device is: its address on a block and its listing fields.

    `da` is the DA it starts with (None: it never reported), `age` how long
    before the world was built it reported it.
    """

    gid: str
    vid: str
    did: str
    device_type: str
    default_name: str
    css_class: str
    is_sensor: int
    is_actuator: int
    is_silent: int = 0
    has_time_series: int = 0
    has_subdevice_count: int = 0
    da: Any = None
    age: timedelta = timedelta()

    def guid(self, node: str) -> str:
        """The GUID of this device on `node`: NODE_G_V_D."""
        return f"{node}_{self.gid}_{self.vid}_{self.did}"


# Every block's devices, in listing order. The doc's four come first, with the
# doc's values and their timestamps' spacing (humidity and temperature 1 ms
# apart, the LED 26 minutes and the RF code 32 minutes before them).
BLOCK_SPECS: Final[tuple[Spec, ...]] = (
    Spec(
        "0301",
        "0",
        "30",
        HUMIDITY,
        "Humidity",
        "sensor rf digital humidity",
        1,
        0,
        has_time_series=1,
        da=58,
        age=timedelta(minutes=1, milliseconds=1),
    ),
    Spec(
        "0301",
        "0",
        "31",
        TEMPERATURE,
        "Temperature",
        "sensor rf digital temperature",
        1,
        0,
        has_time_series=1,
        da=26.6,
        age=timedelta(minutes=1),
    ),
    Spec(
        "0",
        "0",
        "1000",
        RGBLED,
        "On Board RGB LED",
        "actuator cape led rgbled",
        1,
        1,
        da="22B42B",
        age=timedelta(minutes=1, milliseconds=1_595_395),
    ),
    Spec(
        "0",
        "0",
        "11",
        RF433,
        "RF 433Mhz",
        "sensor serial rf rf433 receiver transmitter",
        1,
        1,
        has_subdevice_count=1,
        da=RF433_LAST_CODE,
        age=timedelta(minutes=1, milliseconds=1_913_151),
    ),
    Spec(
        "1",
        "0",
        "7",
        PIR,
        "PIR Motion Sensor",
        "sensor serial digital pir motion",
        1,
        0,
        da=0,
        age=timedelta(minutes=10),
    ),
    Spec(
        "0302",
        "0",
        "14",
        CONTACT,
        "Door Contact",
        "sensor rf digital contact",
        1,
        0,
        da=0,
        age=timedelta(hours=3),
    ),
    Spec(
        "0",
        "0",
        "5",
        BUTTON,
        "Push Button",
        "sensor cape button",
        1,
        0,
        da=0,
        age=timedelta(days=1),
    ),
    Spec(
        "2",
        "0",
        "1002",
        RELAY,
        "Relay Board",
        "actuator breakout relay",
        1,
        1,
        da=0,
        age=timedelta(hours=2),
    ),
    Spec(
        "4",
        "0",
        "10",
        DISTANCE,
        "Distance Sensor",
        "sensor serial analog distance",
        1,
        0,
        has_time_series=1,
        da=120,
        age=timedelta(minutes=5),
    ),
    Spec(
        "3",
        "0",
        "6",
        LIGHT,
        "Light Sensor",
        "sensor serial analog light",
        1,
        0,
        has_time_series=1,
        da=350,
        age=timedelta(minutes=5),
    ),
    Spec("0", "0", "1004", WEBCAM, "Web Cam", "usb camera webcam", 0, 0),
)
WEBHOOK_SPEC: Final = Spec(
    "0",
    "0",
    "108",
    WEBHOOK,
    "Webhook",
    "webservice virtual webhook",
    1,
    1,
    is_silent=1,
    has_subdevice_count=1,
    da=DINNER_BELL_ID,
    age=timedelta(days=2),
)
SPECS_BY_TYPE: Final = {spec.device_type: spec for spec in (*BLOCK_SPECS, WEBHOOK_SPEC)}


def block_guids(node: str = DEFAULT_NODE) -> dict[str, str]:
    """The GUIDs of a block's devices by device_type."""
    return {spec.device_type: spec.guid(node) for spec in BLOCK_SPECS}


# --- devices -------------------------------------------------------------------------


@dataclass
class LastData:
    """A device's last report: its DA and when (ms since the epoch)."""

    da: Any
    timestamp: int

    def as_json(self) -> JSON:
        """{"DA", "timestamp"}."""
        return {"DA": self.da, "timestamp": self.timestamp}


@dataclass
class SubDevice:
    """A sub-device: an RF code, a webhook or an SMS number stored on a device."""

    sub_id: str
    category: str
    type: str
    short_name: str
    data: str = ""
    url: str | None = None
    token: str | None = None
    #: when it was actuated (ms since the epoch), oldest first
    actuations: list[int] = field(default_factory=list)

    def as_json(self) -> JSON:
        """{category, type, shortName, data[, url][, token]}."""
        out: JSON = {
            "category": self.category,
            "data": self.data,
            "shortName": self.short_name,
            "type": self.type,
        }
        if self.url is not None:
            out["url"] = self.url
        if self.token is not None:
            out["token"] = self.token
        return out


@dataclass
class SimDevice:
    """A device of the account, as the cloud knows it."""

    node: str
    spec: Spec
    short_name: str
    last_data: LastData | None = None
    sub_devices: dict[str, SubDevice] = field(default_factory=dict)
    meta: JSON = field(default_factory=dict)
    #: numeric values reported while simulated (ms, value), merged into the history
    reported: list[tuple[int, float]] = field(default_factory=list)

    @property
    def guid(self) -> str:
        """NODE_G_V_D."""
        return self.spec.guid(self.node)

    @property
    def device_type(self) -> str:
        """The device's type (humidity, rgbled, rf433...)."""
        return self.spec.device_type

    def as_json(
        self,
        *,
        with_guid: bool,
        empty_subdevices: str = "object",
        no_data: str = "empty",
    ) -> JSON:
        """The device object of the listing (with `guid` in GET /device/:guid).

        `empty_subdevices` renders no sub-devices as {} ("object") or []
        ("list"); `no_data` a device that never reported as `last_data: {}`
        ("empty") or without `last_data` ("missing").
        """
        spec = self.spec
        subs: Any = {key: sub.as_json() for key, sub in self.sub_devices.items()}
        if not subs and empty_subdevices == "list":
            subs = []
        out: JSON = {
            "css_class": spec.css_class,
            "default_name": spec.default_name,
            "device_type": spec.device_type,
            "did": spec.did,
            "gid": spec.gid,
        }
        if with_guid:
            out["guid"] = self.guid
        out |= {
            "has_subdevice_count": spec.has_subdevice_count,
            "has_time_series": spec.has_time_series,
            "is_actuator": spec.is_actuator,
            "is_sensor": spec.is_sensor,
            "is_silent": spec.is_silent,
        }
        if self.last_data is not None:
            out["last_data"] = self.last_data.as_json()
        elif no_data == "empty":
            out["last_data"] = {}
        out |= {
            "meta": dict(self.meta),
            "node": self.node,
            "shortName": self.short_name,
            "subDevices": subs,
            "vid": spec.vid,
        }
        return out

    def heartbeat(self, report: LastData | None = None) -> JSON:
        """{G, V, D, DA, GUID, timestamp, node} of `report` (default: the last one).

        A device that never reported has neither DA nor timestamp.
        """
        spec = self.spec
        last = report if report is not None else self.last_data
        out: JSON = {"G": spec.gid, "V": int(spec.vid), "D": int(spec.did)}
        if last is not None:
            out["DA"] = last.da
        out["GUID"] = self.guid
        if last is not None:
            out["timestamp"] = last.timestamp
        out["node"] = self.node
        return out


# --- the world -------------------------------------------------------------------


@dataclass
class World:
    """Every device of the account, plus what was deleted (it comes back on a report)."""

    seed: int
    #: the first history sample (ms since the epoch)
    history_start: int
    devices: dict[str, SimDevice] = field(default_factory=dict)
    deleted: dict[str, SimDevice] = field(default_factory=dict)

    @property
    def nodes(self) -> list[str]:
        """The blocks' nodes (not the virtual WEBHOOK node), in order."""
        seen: dict[str, None] = {}
        for device in self.devices.values():
            if device.node != WEBHOOK_NODE:
                seen[device.node] = None
        return list(seen)

    def add(self, device: SimDevice) -> SimDevice:
        """List a device (ValueError if its GUID is taken)."""
        if device.guid in self.devices:
            raise ValueError(f"{device.guid} already exists")
        self.deleted.pop(device.guid, None)
        self.devices[device.guid] = device
        return device

    def delete(self, guid: str) -> SimDevice:
        """Take a device out (KeyError if unknown); remember it for `revive`."""
        device = self.devices.pop(guid)
        self.deleted[guid] = device
        return device

    def revive(self, guid: str) -> SimDevice:
        """A deleted device heart-beats again: listed anew, as it was first named."""
        device = self.deleted.pop(guid)
        device.short_name = device.spec.default_name
        device.meta = {}
        self.devices[guid] = device
        return device

    def shift(self, delta_ms: int) -> None:
        """Move every stored time by `delta_ms` (the clock was set)."""
        self.history_start += delta_ms
        for device in (*self.devices.values(), *self.deleted.values()):
            if device.last_data is not None:
                device.last_data.timestamp += delta_ms
            device.reported = [(t + delta_ms, v) for t, v in device.reported]
            for sub in device.sub_devices.values():
                sub.actuations = [t + delta_ms for t in sub.actuations]


def new_device(spec: Spec, node: str, now_ms: int) -> SimDevice:
    """A device of `spec` on `node`, with its first report if it has one."""
    last = None
    if spec.da is not None:
        last = LastData(spec.da, now_ms - int(spec.age.total_seconds() * 1000))
    return SimDevice(node, spec, spec.default_name, last)


def build_world(*, blocks: int, now_ms: int, seed: int) -> World:
    """The default world: `blocks` blocks of every device, and the webhook device."""
    if blocks < 0:
        raise ValueError("blocks can not be negative")
    world = World(seed, now_ms - HISTORY_DAYS * DAY_MS)
    for index in range(1, blocks + 1):
        add_block(world, block_node(index), now_ms)
    webhook = world.add(new_device(WEBHOOK_SPEC, WEBHOOK_NODE, now_ms))
    webhook.sub_devices[DINNER_BELL_ID] = SubDevice(
        DINNER_BELL_ID, "webhook", "sensor", "Dinner bell", token=DINNER_BELL_TOKEN
    )
    seed_actuations(world, webhook)
    return world


def block_node(index: int) -> str:
    """The node (serial) of the index-th block: ASTEALTHYNODE01, 02..."""
    return f"ASTEALTHYNODE{index:02d}"


def add_block(world: World, node: str, now_ms: int) -> list[SimDevice]:
    """Add a block's devices (the RF transceiver with its two sub-devices)."""
    added = []
    for spec in BLOCK_SPECS:
        device = world.add(new_device(spec, node, now_ms))
        if spec.device_type == RF433:
            device.sub_devices[DOOR_BELL_ID] = SubDevice(
                DOOR_BELL_ID, "rf", "sensor", "Door Bell", DOOR_BELL_CODE
            )
            device.sub_devices[HEAT_LAMP_ID] = SubDevice(
                HEAT_LAMP_ID, "rf", "actuator", "Heat lamp on", HEAT_LAMP_CODE
            )
            seed_actuations(world, device)
        added.append(device)
    return added


def seed_actuations(world: World, device: SimDevice) -> None:
    """Give every sub-device 0-3 actuations a day over the history window."""
    end = world.history_start + HISTORY_DAYS * DAY_MS
    for sub in device.sub_devices.values():
        rng = random.Random(f"{world.seed}:{device.guid}:{sub.sub_id}:actuations")
        times: list[int] = []
        for day in range(world.history_start, end, DAY_MS):
            times.extend(day + rng.randrange(DAY_MS) for _ in range(rng.randint(0, 3)))
        sub.actuations = sorted(t for t in times if t <= end)


def new_subdevice_id(rng: random.Random, taken: set[str] | dict[str, Any]) -> str:
    """A 5-character id unique within its device (like the doc's "6l8At")."""
    while True:
        sub_id = "".join(
            rng.choice(SUBDEVICE_ID_ALPHABET) for _ in range(SUBDEVICE_ID_LENGTH)
        )
        if sub_id not in taken:
            return sub_id


def new_token(rng: random.Random) -> str:
    """A webhook sensor's token, a UUID like the doc's."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# --- history ---------------------------------------------------------------------


def _phase(seed: int, guid: str) -> tuple[float, int]:
    """A device's wave phase (radians) and noise salt, from the seed and GUID."""
    digest = hashlib.sha256(f"{seed}:{guid}".encode()).digest()
    phase = int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi / 8
    return phase, int.from_bytes(digest[4:12], "big")


def _noise(salt: int, index: int) -> float:
    """A deterministic value in [-1, 1) for sample `index` (a 64-bit mix)."""
    mask = (1 << 64) - 1
    x = (index * 0x9E3779B97F4A7C15 + salt) & mask
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
    x ^= x >> 31
    return (x >> 11) / 2**52 - 1.0


def _daily(t_ms: int, phase: float, peak_hour: float) -> float:
    """A daily wave in [-1, 1] peaking at `peak_hour` UTC (shifted by `phase`)."""
    hours = (t_ms % DAY_MS) / 3_600_000
    return math.cos((hours - peak_hour) / 24 * 2 * math.pi + phase)


type Wave = Callable[[int, float, float], float]

# device_type -> value(t_ms, phase, noise); rounded as the sensor reports it.
SERIES: Final[dict[str, Wave]] = {
    TEMPERATURE: lambda t, p, n: round(21.5 + 3.5 * _daily(t, p, 15) + 0.4 * n, 1),
    HUMIDITY: lambda t, p, n: float(round(55 - 12 * _daily(t, p, 15) + 2 * n)),
    LIGHT: lambda t, p, n: float(max(0, round(450 * _daily(t, p, 13) + 40 * n))),
    DISTANCE: lambda t, p, n: float(round(120 + 25 * _daily(t, p, 19) + 3 * n)),
}


def samples(
    world: World, device: SimDevice, start: int, end: int
) -> list[tuple[int, float]]:
    """A time-series device's points in [start, end] (ms): samples and reports.

    Samples are on the 10-minute grid from the world's history start up to the
    time the last point may have (`end`, which callers cap at now).
    """
    wave = SERIES.get(device.device_type)
    if not device.spec.has_time_series or wave is None:
        return []
    phase, salt = _phase(world.seed, device.guid)
    first = max(start, world.history_start)
    first += -first % SAMPLE_STEP_MS
    points = [
        (t, wave(t, phase, _noise(salt, t // SAMPLE_STEP_MS)))
        for t in range(first, end + 1, SAMPLE_STEP_MS)
    ]
    points.extend((t, v) for t, v in device.reported if start <= t <= end)
    points.sort(key=lambda point: point[0])
    return points


def ms(at: datetime) -> int:
    """Milliseconds since the epoch."""
    return int(at.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    """The UTC time of milliseconds since the epoch."""
    return datetime.fromtimestamp(value / 1000, UTC)


def iso(value: int) -> str:
    """The doc's data point time: 2012-12-18T00:00:00.000+0000."""
    at = from_ms(value)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value % 1000:03d}+0000"
