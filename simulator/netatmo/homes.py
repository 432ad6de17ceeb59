"""Netatmo's world: homes with cameras, persons and scenarios; stations and coaches.

The account owns homes (the security side: indoor cameras NACamera, outdoor
cameras NOC, doorbells NDB and the Legrand gateway NLG that runs scenarios) and,
apart from homes, weather stations (NAMain with its NAModule1/NAModule4
modules) and home coaches (NHC), as the real API keeps them apart.

Readings are functions of time: every measure wanders around a base value by a
seeded, smooth wave (a daily cycle for temperatures, faster ones for CO2 and
noise), evaluated at the device's latest measurement, which comes every five
minutes at a seeded offset as real stations do. So readings drift as the
simulator clock moves, two simulators built alike read alike, and a test can
pin a value (`SimSensor.pinned`) that then holds until it is unpinned.

Everything random is derived from the seed; ids follow the real formats (24 hex
digits for users, homes and events, MAC addresses for devices, UUIDs for
persons).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
import hashlib
import math
import random
from typing import TYPE_CHECKING, Any
import uuid
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .events import SimEvent

type JSON = dict[str, Any]

# Security devices (in homes).
NACAMERA = "NACamera"  # Smart Indoor Camera (Welcome)
NOC = "NOC"  # Smart Outdoor Camera (Presence)
NDB = "NDB"  # Smart Video Doorbell
NLG = "NLG"  # Legrand gateway: runs scenarios
CAMERA_TYPES = (NACAMERA, NOC, NDB)
# Types whose monitoring can be switched (a doorbell has none).
MONITORED_TYPES = (NACAMERA, NOC)
# Weather and air quality devices (outside homes).
NAMAIN = "NAMain"
NAMODULE1 = "NAModule1"  # outdoor module
NAMODULE4 = "NAModule4"  # additional indoor module
NHC = "NHC"  # home coach

PRODUCT_NAMES = {
    NACAMERA: "Smart Indoor Camera",
    NOC: "Smart Outdoor Camera",
    NDB: "Smart Video Doorbell",
    NLG: "Home + Control Gateway",
    NAMAIN: "Smart Home Weather Station",
    NAMODULE1: "Smart Outdoor Module",
    NAMODULE4: "Smart Indoor Module",
    NHC: "Smart Indoor Air Quality Monitor",
}
# The middle bytes of a home device's MAC address, per type.
_TYPE_CODES = {NACAMERA: 0x01, NOC: 0x02, NDB: 0x03, NLG: 0x09}
# A scope a client needs to read (and to write) each kind of camera.
READ_SCOPES = {NACAMERA: "read_camera", NOC: "read_presence", NDB: "read_doorbell"}
WRITE_SCOPES = {NACAMERA: "write_camera", NOC: "write_presence"}

# How a camera's VPN or local URL answers (see `SimModule.vpn_link`).
LINK_OK = "ok"
LINK_404 = "404"
LINK_503 = "503"
LINK_TIMEOUT = "timeout"
LINK_MODES = (LINK_OK, LINK_404, LINK_503, LINK_TIMEOUT)

# sd_status and alim_status codes (homestatus).
SD_READY = 4
ALIM_OK = 2

MEASURE_INTERVAL = timedelta(minutes=5)
ALTITUDE_OFFSET_HPA = 6.1  # Pressure (sea level) minus AbsolutePressure
PLACE: JSON = {
    "altitude": 35,
    "city": "Paris",
    "country": "FR",
    "timezone": "Europe/Paris",
    "location": [2.3522, 48.8566],
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stamp(dt: datetime) -> int:
    """A Unix timestamp in whole seconds, as every Netatmo time is."""
    return int(dt.timestamp())


def seeded(*salt: object) -> random.Random:
    """A generator derived from `salt` (the seed first)."""
    return random.Random(":".join(map(str, salt)))


def digest(*salt: object) -> str:
    """64 hex digits derived from `salt`."""
    return hashlib.sha256(":".join(map(str, salt)).encode()).hexdigest()


def object_id(prefix: str, seed: int, index: int) -> str:
    """A 24-hex-digit id like Netatmo's: a 4-digit prefix, the seed, an index."""
    return f"{prefix}{seed % 0x10000:04x}{index:016x}"


def person_uuid(seed: int, *salt: object) -> str:
    """A stable UUID for a person."""
    return str(uuid.UUID(digest(seed, "person", *salt)[:32]))


# --- homes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """A picture the simulator serves: a snapshot, a vignette or a face."""

    image_id: str
    key: str


@dataclass
class Room:
    """A room of a home."""

    room_id: str
    name: str
    type: str


@dataclass
class SimModule:
    """A device of a home: a camera, a doorbell or the gateway.

    `vpn_link` and `local_link` say how the camera's VPN and local URLs answer:
    "ok", "404", "503" or "timeout" (no answer until the client gives up).
    A module that is not `reachable` is listed in homestatus' `errors` (code 6)
    instead of its modules, and both its URLs fail.
    """

    module_id: str
    type: str
    name: str
    room_id: str | None
    setup: datetime
    firmware: int
    camera_hash: str = ""
    monitoring: str | None = None  # "on"/"off" for NACamera and NOC
    sd_status: int | None = None
    alim_status: int | None = None
    wifi_strength: int = 60
    is_local: bool = True
    floodlight: str | None = None  # NOC: "on", "off" or "auto"
    reachable: bool = True
    vpn_link: str = LINK_OK
    local_link: str = LINK_OK
    last_seen: datetime | None = None

    @property
    def is_camera(self) -> bool:
        """Whether this is a camera or a doorbell (it streams)."""
        return self.type in CAMERA_TYPES


@dataclass
class SimPerson:
    """A known face of a home."""

    person_id: str
    pseudo: str
    face: Image
    out_of_sight: bool
    last_seen: datetime


@dataclass(frozen=True)
class Scenario:
    """A gateway scenario: the built-in ones have their type as id."""

    scenario_id: str
    type: str
    name: str


@dataclass
class ScenarioRun:
    """A scenario run through setstate."""

    home_id: str
    scenario_id: str
    at: datetime


@dataclass
class SimHome:
    """A home: rooms, devices, persons, scenarios and its events (oldest first)."""

    home_id: str
    name: str
    timezone: str
    rooms: list[Room]
    modules: dict[str, SimModule]
    persons: dict[str, SimPerson] = field(default_factory=dict)
    scenarios: list[Scenario] = field(default_factory=list)
    events: list[SimEvent] = field(default_factory=list)
    active_scenario: str | None = None

    @property
    def gateway(self) -> SimModule | None:
        """The home's NLG gateway, if it has one."""
        return next((m for m in self.modules.values() if m.type == NLG), None)

    @property
    def cameras(self) -> list[SimModule]:
        """The home's cameras and doorbells."""
        return [module for module in self.modules.values() if module.is_camera]

    def scenario(self, wanted: str) -> Scenario | None:
        """The scenario whose id, type or name (any case) is `wanted`.

        The doc's plain-string scenario list only gives names, so a client that
        read that shape can only run a scenario by its name.
        """
        folded = wanted.casefold()
        for scenario in self.scenarios:
            if wanted in (scenario.scenario_id, scenario.type) or (
                scenario.name.casefold() == folded
            ):
                return scenario
        return None


# --- stations and home coaches --------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A measure wandering around `base` by at most `amplitude`.

    The wave repeats every `period_hours`, with a faster ripple on top; values
    are rounded to `decimals` (0: an integer).
    """

    base: float
    amplitude: float
    period_hours: float
    decimals: int

    def at(self, when: datetime, phase: float) -> float | int:
        """The value at `when` for a device whose wave starts at `phase`."""
        hours = when.timestamp() / 3600
        turn = 2 * math.pi * hours / self.period_hours
        wave = 0.8 * math.sin(turn + phase) + 0.2 * math.sin(7.3 * turn + 2 * phase)
        value = self.base + self.amplitude * wave
        if self.decimals:
            return round(value, self.decimals)
        return round(value)


MEASURES: dict[str, dict[str, Drift]] = {
    NAMAIN: {
        "Temperature": Drift(21.5, 1.2, 24, 1),
        "CO2": Drift(650, 150, 6, 0),
        "Humidity": Drift(45, 5, 12, 0),
        "Noise": Drift(38, 4, 1, 0),
        "Pressure": Drift(1015.2, 3, 48, 1),
    },
    NAMODULE1: {
        "Temperature": Drift(9.5, 5, 24, 1),
        "Humidity": Drift(80, 10, 24, 0),
    },
    NAMODULE4: {
        "Temperature": Drift(21.0, 1, 24, 1),
        "CO2": Drift(700, 120, 6, 0),
        "Humidity": Drift(50, 5, 12, 0),
    },
    NHC: {
        "Temperature": Drift(22.5, 1, 24, 1),
        "CO2": Drift(850, 250, 6, 0),
        "Humidity": Drift(48, 6, 12, 0),
        "Noise": Drift(40, 5, 1, 0),
        "Pressure": Drift(1014.0, 3, 48, 1),
    },
}
# The data_type lists the API gives each type.
DATA_TYPES = {
    NAMAIN: ["Temperature", "CO2", "Humidity", "Noise", "Pressure"],
    NAMODULE1: ["Temperature", "Humidity"],
    NAMODULE4: ["Temperature", "CO2", "Humidity"],
    NHC: ["Temperature", "CO2", "Humidity", "Noise", "Pressure", "health_idx"],
}


@dataclass
class SimSensor:
    """A weather station (with its `modules`), a station module or a home coach.

    `name` is the module_name (a home coach's name is its `station_name`).
    `pinned` holds readings a test set: they replace the drifting value (a
    pinned Temperature also counts in min_temp/max_temp) until removed.
    """

    device_id: str
    type: str
    name: str
    firmware: int
    setup: datetime
    seed_key: str
    station_name: str | None = None
    reachable: bool = True
    battery_percent: int | None = None
    rf_status: int | None = None
    wifi_status: int | None = None
    timezone: str = "Europe/Paris"
    lost_at: datetime | None = None  # when it stopped being reachable
    pinned: dict[str, Any] = field(default_factory=dict)
    modules: list[SimSensor] = field(default_factory=list)

    @property
    def measures(self) -> dict[str, Drift]:
        """How each of this device's measures drifts."""
        return MEASURES[self.type]

    def phase(self, name: str) -> float:
        """Where this device's wave of measure `name` starts."""
        return seeded(self.seed_key, "phase", name).uniform(0, 2 * math.pi)

    def measured_at(self, now: datetime) -> datetime:
        """The device's latest measurement up to `now` (one every five minutes)."""
        offset = timedelta(seconds=seeded(self.seed_key, "tick").randrange(300))
        return (
            EPOCH
            + offset
            + (now - offset - EPOCH) // MEASURE_INTERVAL * (MEASURE_INTERVAL)
        )

    def drifting(self, name: str, when: datetime) -> float | int:
        """The unpinned value of measure `name` at `when`."""
        return self.measures[name].at(when, self.phase(name))

    def value(self, name: str, when: datetime) -> Any:
        """The value of measure `name` at `when`, pinned or drifting."""
        if name in self.pinned:
            return self.pinned[name]
        return self.drifting(name, when)

    def dashboard_data(self, now: datetime) -> JSON:
        """The dashboard_data of the latest measurement, as the API gives it."""
        tick = self.measured_at(now)
        data: JSON = {"time_utc": stamp(tick)}
        for name in self.measures:
            data[name] = self.value(name, tick)
        if "Pressure" in data:
            data["AbsolutePressure"] = round(data["Pressure"] - ALTITUDE_OFFSET_HPA, 1)
        if self.type == NHC:
            data["health_idx"] = health_index(data["CO2"], data["Humidity"])
        data.update(self._temperature_extremes(tick, data["Temperature"]))
        data["temp_trend"] = self._trend("Temperature", tick, 0.3)
        if self.type == NAMAIN:
            data["pressure_trend"] = self._trend("Pressure", tick, 0.5)
        data.update(self.pinned)
        return data

    def _temperature_extremes(self, tick: datetime, current: Any) -> JSON:
        """min_temp/max_temp since local midnight (sampled twice an hour)."""
        tz = ZoneInfo(self.timezone)
        midnight = datetime.combine(tick.astimezone(tz).date(), time(), tz)
        samples = [(tick, current)]
        moment = midnight
        while moment < tick:
            samples.append((moment, self.drifting("Temperature", moment)))
            moment += timedelta(minutes=30)
        low = min(samples, key=lambda sample: sample[1])
        high = max(samples, key=lambda sample: sample[1])
        return {
            "min_temp": low[1],
            "max_temp": high[1],
            "date_min_temp": stamp(low[0]),
            "date_max_temp": stamp(high[0]),
        }

    def _trend(self, name: str, tick: datetime, threshold: float) -> str:
        """up, down or stable: the measure against three hours earlier."""
        if name in self.pinned:
            return "stable"
        change = self.drifting(name, tick) - self.drifting(
            name, tick - timedelta(hours=3)
        )
        if change > threshold:
            return "up"
        if change < -threshold:
            return "down"
        return "stable"


def health_index(co2: Any, humidity: Any) -> int:
    """A home coach's health_idx: 0 healthy ... 4 unhealthy, from CO2 and humidity."""
    try:
        level = sum(float(co2) >= limit for limit in (800, 1000, 1400, 2000))
        if not 30 <= float(humidity) <= 70:
            level += 1
    except (TypeError, ValueError):
        return 0
    return min(4, level)


def battery_vp(percent: int) -> int:
    """A module's battery voltage (mV) for a charge in percent."""
    return 4200 + 18 * percent


def battery_word(percent: int) -> str:
    """The doc's battery_level word for a charge in percent."""
    for limit, word in ((80, "Full"), (60, "High"), (40, "Medium"), (20, "Low")):
        if percent >= limit:
            return word
    return "Very Low"


def radio_word(rf_status: int) -> str:
    """The doc's radio_status word for an rf_status (lower is stronger)."""
    if rf_status < 70:
        return "Good"
    return "Average" if rf_status < 85 else "Bad"


# --- the world -----------------------------------------------------------------------


@dataclass
class World:
    """Everything the account owns, plus what the simulator serves for it."""

    seed: int
    user_id: str
    email: str
    homes: dict[str, SimHome] = field(default_factory=dict)
    stations: dict[str, SimSensor] = field(default_factory=dict)
    coaches: dict[str, SimSensor] = field(default_factory=dict)
    #: every picture served under /images/<id> (snapshots, vignettes, faces)
    images: dict[str, Image] = field(default_factory=dict)
    scenario_runs: list[ScenarioRun] = field(default_factory=list)
    #: called with every new event (the simulator pushes it to the webhook)
    listeners: list[Callable[[SimHome, SimEvent], None]] = field(default_factory=list)
    _serial: int = 0

    def next_serial(self) -> int:
        """A counter for ids that must never repeat."""
        self._serial += 1
        return self._serial

    def new_image(self) -> Image:
        """A new picture, registered so the simulator serves it."""
        serial = self.next_serial()
        image = Image(
            digest(self.seed, "image", serial)[:28],
            digest(self.seed, "image-key", serial)[:32],
        )
        self.images[image.image_id] = image
        return image

    def find_module(self, module_id: str) -> tuple[SimHome, SimModule]:
        """The home and device with this id (KeyError if none)."""
        for home in self.homes.values():
            if module_id in home.modules:
                return home, home.modules[module_id]
        raise KeyError(module_id)

    def camera_by_hash(self, camera_hash: str) -> tuple[SimHome, SimModule] | None:
        """The camera whose VPN/local URL ends in `camera_hash`, if any."""
        for home in self.homes.values():
            for module in home.cameras:
                if module.camera_hash == camera_hash:
                    return home, module
        return None

    def find_sensor(self, device_id: str) -> SimSensor:
        """A station, station module or home coach (KeyError if none)."""
        for device in [*self.stations.values(), *self.coaches.values()]:
            if device.device_id == device_id:
                return device
            for module in device.modules:
                if module.device_id == device_id:
                    return module
        raise KeyError(device_id)

    def station_of(self, device_id: str) -> SimSensor | None:
        """The station a module belongs to (None for a station or a coach)."""
        for station in self.stations.values():
            if any(module.device_id == device_id for module in station.modules):
                return station
        return None

    def add_event(self, home: SimHome, event: SimEvent) -> None:
        """Store an event (kept in time order) and tell the listeners.

        A person event marks its person seen (person) or gone (person_away).
        """
        person = home.persons.get(event.person_id or "")
        if person is not None:
            person.out_of_sight = event.type == "person_away"
            person.last_seen = event.time
        home.events.append(event)
        home.events.sort(key=lambda item: item.time)
        for listener in self.listeners:
            listener(home, event)

    def shift(self, delta: timedelta) -> None:
        """Move every stored time by `delta` (the simulator clock was set)."""
        for home in self.homes.values():
            for module in home.modules.values():
                module.setup += delta
                if module.last_seen is not None:
                    module.last_seen += delta
            for person in home.persons.values():
                person.last_seen += delta
            for event in home.events:
                event.time += delta
                for sub in event.subevents:
                    sub.time += delta
        for device in [*self.stations.values(), *self.coaches.values()]:
            for sensor in [device, *device.modules]:
                sensor.setup += delta
                if sensor.lost_at is not None:
                    sensor.lost_at += delta
        for run in self.scenario_runs:
            run.at += delta


@dataclass(frozen=True)
class WorldSpec:
    """How big the default world is (see `build_world`)."""

    homes: int = 2
    indoor_cameras: int = 1
    outdoor_cameras: int = 1
    doorbells: int = 1
    gateway: bool = True
    stations: int = 1
    coaches: int = 1

    def __post_init__(self) -> None:
        """Refuse impossible sizes."""
        counts = (
            self.homes,
            self.indoor_cameras,
            self.outdoor_cameras,
            self.doorbells,
            self.stations,
            self.coaches,
        )
        if any(count < 0 for count in counts):
            raise ValueError("world sizes can not be negative")
        if max(self.indoor_cameras, self.outdoor_cameras, self.doorbells) > 0xFF:
            raise ValueError("at most 255 devices of a type per home")
        if self.homes > 0xFF:
            raise ValueError("at most 255 homes")


def module_mac(home_index: int, module_type: str, index: int) -> str:
    """The MAC-style id of a home device, e.g. 70:ee:50:01:01:01."""
    return f"70:ee:50:{home_index:02x}:{_TYPE_CODES[module_type]:02x}:{index:02x}"


def build_world(
    spec: WorldSpec, seed: int, now: datetime, user_id: str, email: str
) -> World:
    """Build the default world.

    Home 1 ("Home"): `indoor_cameras` NACamera (the first is the pet cam in the
    living room), `outdoor_cameras` NOC in the garden, `doorbells` NDB and the
    NLG gateway at the entrance, and two persons, Alice at home and Bob away.
    Every further home ("Home 2", ...) has `indoor_cameras` NACamera and no
    gateway. Then `stations` weather stations, each an NAMain with an outdoor
    NAModule1 and an NAModule4 in the "Pet room", and `coaches` NHC.
    """
    world = World(seed, user_id, email)
    for index in range(1, spec.homes + 1):
        home = _build_home(world, spec, index, now)
        world.homes[home.home_id] = home
    for index in range(1, spec.stations + 1):
        station = _build_station(seed, index, now)
        world.stations[station.device_id] = station
    for index in range(1, spec.coaches + 1):
        coach = _build_coach(seed, index, now)
        world.coaches[coach.device_id] = coach
    return world


def _build_home(world: World, spec: WorldSpec, index: int, now: datetime) -> SimHome:
    """Build home `index` (1: the full one)."""
    seed = world.seed
    first = index == 1
    home_id = object_id("5e1d", seed, index)
    setup = (now - timedelta(days=400 - index)).replace(microsecond=0)
    rooms: list[Room] = []
    modules: dict[str, SimModule] = {}

    def room(name: str, kind: str) -> str:
        room_id = str(1000 * index + len(rooms) + 1)
        rooms.append(Room(room_id, name, kind))
        return room_id

    def add(module_type: str, number: int, name: str, room_id: str) -> SimModule:
        module_id = module_mac(index, module_type, number)
        rng = seeded(seed, module_id)
        module = SimModule(
            module_id,
            module_type,
            name,
            room_id,
            setup + timedelta(minutes=len(modules)),
            firmware={NACAMERA: 181, NOC: 3002000, NDB: 2018000, NLG: 211}[module_type],
            wifi_strength=rng.randint(45, 75),
            last_seen=now,
        )
        if module.is_camera:
            module.camera_hash = digest(seed, module_id, "vpn")[:32]
            module.sd_status, module.alim_status = SD_READY, ALIM_OK
            module.is_local = module_type != NOC
        if module_type in MONITORED_TYPES:
            module.monitoring = "on"
        if module_type == NOC:
            module.floodlight = "auto"
        modules[module_id] = module
        return module

    living = room("Living room" if first else "Kitchen", "livingroom")
    for number in range(1, spec.indoor_cameras + 1):
        base = "Pet cam" if first else f"Home {index} cam"
        add(NACAMERA, number, base if number == 1 else f"{base} {number}", living)
    home = SimHome(
        home_id,
        "Home" if first else f"Home {index}",
        "Europe/Paris",
        rooms,
        modules,
    )
    if not first:
        return home
    if spec.outdoor_cameras:
        garden = room("Garden", "outdoor")
        for number in range(1, spec.outdoor_cameras + 1):
            add(NOC, number, "Garden" if number == 1 else f"Garden {number}", garden)
    if spec.doorbells or spec.gateway:
        entrance = room("Entrance", "lobby")
        for number in range(1, spec.doorbells + 1):
            name = "Front door" if number == 1 else f"Front door {number}"
            add(NDB, number, name, entrance)
        if spec.gateway:
            add(NLG, 1, "Gateway", entrance)
            home.scenarios = [
                Scenario("home", "home", "Home"),
                Scenario("away", "away", "Away"),
                Scenario("wake_up", "wake_up", "Wake up"),
                Scenario("bedtime", "bedtime", "Bedtime"),
                Scenario(object_id("5f1c", seed, 1), "custom", "Movie night"),
            ]
    for number, (pseudo, home_now) in enumerate((("Alice", True), ("Bob", False)), 1):
        person = SimPerson(
            person_uuid(seed, index, number),
            pseudo,
            world.new_image(),
            out_of_sight=not home_now,
            last_seen=(now - timedelta(minutes=20 if home_now else 26 * 60)).replace(
                microsecond=0
            ),
        )
        home.persons[person.person_id] = person
    return home


def _build_station(seed: int, index: int, now: datetime) -> SimSensor:
    """A weather station with an outdoor and a "Pet room" module."""
    setup = (now - timedelta(days=300 + index)).replace(microsecond=0)
    station_id = f"70:ee:50:bb:00:{index:02x}"
    rng = seeded(seed, station_id)
    outdoor_id = f"02:00:00:bb:00:{index:02x}"
    pet_room_id = f"03:00:00:bb:00:{index:02x}"
    return SimSensor(
        station_id,
        NAMAIN,
        "Indoor",
        181,
        setup,
        f"{seed}:{station_id}",
        station_name="Home" if index == 1 else f"Station {index}",
        wifi_status=rng.randint(45, 65),
        modules=[
            SimSensor(
                outdoor_id,
                NAMODULE1,
                "Outdoor",
                50,
                setup,
                f"{seed}:{outdoor_id}",
                battery_percent=79,
                rf_status=rng.randint(55, 75),
            ),
            SimSensor(
                pet_room_id,
                NAMODULE4,
                "Pet room",
                50,
                setup,
                f"{seed}:{pet_room_id}",
                battery_percent=60,
                rf_status=rng.randint(55, 75),
            ),
        ],
    )


def _build_coach(seed: int, index: int, now: datetime) -> SimSensor:
    """A home coach in the bedroom."""
    coach_id = f"70:ee:50:cc:00:{index:02x}"
    name = "Bedroom" if index == 1 else f"Bedroom {index}"
    return SimSensor(
        coach_id,
        NHC,
        name,
        45,
        (now - timedelta(days=200 + index)).replace(microsecond=0),
        f"{seed}:{coach_id}",
        station_name=name,
        wifi_status=seeded(seed, coach_id).randint(45, 70),
    )
