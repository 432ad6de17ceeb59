"""Run a real `hass` process and talk to it over its HTTP and websocket APIs."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import itertools
import json
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parent.parent
INTEGRATION = REPO / "custom_components" / "petsmart_hub"
DOMAIN = "petsmart_hub"

#: Only what the UI, the config flow API and the integration need: `default_config`
#: would also start cloud, bluetooth, zeroconf, ssdp, DHCP watching and more, which
#: are slow, want hardware or the Internet, and have nothing to do with this demo.
#: The home sits on Home Assistant's own default location (Amsterdam) so the
#: onboarding's weather integration stays away, as it does for a fresh install.
CONFIGURATION_YAML = """\
homeassistant:
  name: PetSmart Hub demo
  latitude: 52.3731339
  longitude: 4.8903147
  elevation: 0
  unit_system: metric
  time_zone: {time_zone}
  country: NL
  currency: EUR
  language: en

{http}
frontend:
config:
{history}
logger:
  default: info
  logs:
    custom_components.petsmart_hub: debug
"""

#: Where Home Assistant 2025.4 takes the HTTP server's settings from; 2026.x
#: from .storage/http (see `HassProcess.write_http_store`).
HTTP_YAML = """\
http:
  server_host: 127.0.0.1
  server_port: {port}
"""

#: History of states for the more-info dialogs and the device page's logbook.
HISTORY_YAML = """\
recorder:
  commit_interval: 1
history:
logbook:
"""

#: The benchmarks' probe (not part of the product, `e2e/bench_probe`): it
#: forwards `state_reported` (a state written unchanged, which Home Assistant
#: forwards to no websocket subscription without an event filter), counts the
#: devices filled in without caching JSON copies of every state, and adds plain
#: sensors (Home Assistant's own cost per entity). See `HassProcess.bench_probe`.
PROBE_DOMAIN = "bench_probe"
PROBE_PACKAGE = REPO / "e2e" / PROBE_DOMAIN

#: A record's first line. Home Assistant 2026.x adds the UTC offset to the time
#: (`2026-11-22 12:15:24.553+00:00`); 2025.4 writes `2025-11-22 12:15:24.553`.
LOG_LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+(?:[+-]\d\d:?\d\d|Z)?) "
    r"(?P<level>[A-Z]+) "
    r"\((?P<thread>[^)]*)\) \[(?P<logger>[^\]]+)\] (?P<message>.*)$"
)


class HassError(Exception):
    """Home Assistant did not start or answered an API call with an error."""


#: Which Home Assistant to run: a venv (its `bin/python`), a Python interpreter or a
#: `hass` executable. Unset: the interpreter running this code (the test venv's HA).
HASS_ENV = "PETSMART_E2E_HASS"

#: The Home Assistant version the caller expects `hass` to be (checked by the
#: end-to-end tests, so that a run claiming 2026.11 really ran 2026.11).
VERSION_ENV = "PETSMART_E2E_HA_VERSION"

#: Python's warnings that are hidden by default. Shown, Home Assistant logs them
#: (logger `py.warnings`, with the file that caused them), and the end-to-end test
#: fails on those that name the integration.
PYTHONWARNINGS = "default::DeprecationWarning,default::PendingDeprecationWarning"


def hass_python() -> str:
    """The Python interpreter whose Home Assistant runs (`python -m homeassistant`)."""
    chosen = os.environ.get(HASS_ENV, "")
    if not chosen:
        return sys.executable
    path = Path(chosen).absolute()
    if path.is_dir():
        path = path / "bin" / "python"
    elif not path.name.startswith("python"):
        path = path.parent / "python"  # `hass` next to its venv's python
    if not path.is_file():
        raise HassError(f"{HASS_ENV}={chosen}: no Python at {path}")
    return str(path)


#: Asks a Python what its Home Assistant is: the version, and whether `http`
#: keeps its settings in .storage/http (2026.x: YAML is migrated once into a
#: *pending* trial configuration that reverts itself after 5 minutes unless a
#: person confirms it in a dialog). Prints JSON.
PROBE = """
import json
from homeassistant.const import __version__
try:
    from homeassistant.components.http import config
except ImportError:
    store = None
else:
    store = {
        "version": config.STORAGE_VERSION,
        "minor_version": config.STORAGE_MINOR_VERSION,
        "defaults": dict(getattr(config, "_DEFAULT_CONFIG", {})),
    }
print(json.dumps({"version": __version__, "http_store": store}))
"""


@dataclass
class HomeAssistantInfo:
    """What `PROBE` found out."""

    version: str
    http_store: dict[str, Any] | None


def probe(python: str) -> HomeAssistantInfo:
    """Ask `python` about its Home Assistant (takes a second)."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [python, "-c", PROBE], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise HassError(f"{python} has no usable Home Assistant:\n{done.stderr}")
    found = json.loads(done.stdout)
    return HomeAssistantInfo(found["version"], found["http_store"])


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_for[T](
    probe: Callable[[], Awaitable[T]],
    *,
    within: float,
    interval: float = 0.25,
    what: str = "a condition",
) -> T:
    """Call `probe` until it returns something truthy; return that value."""
    try:
        async with asyncio.timeout(within):
            while True:
                value = await probe()
                if value:
                    return value
                await asyncio.sleep(interval)
    except TimeoutError:
        raise TimeoutError(
            f"timed out after {within:.0f} s waiting for {what}"
        ) from None


async def terminate(process: asyncio.subprocess.Process, grace: float) -> int:
    """Send SIGTERM, wait up to `grace` seconds, then SIGKILL; return the exit code."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(grace):
                await process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
    return await process.wait()


@dataclass
class LogEntry:
    """One record of home-assistant.log (with its traceback, if any)."""

    level: str
    logger: str
    message: str

    def __str__(self) -> str:
        """Render the entry as one readable line."""
        return f"{self.level} [{self.logger}] {self.message}"


def parse_log(text: str) -> list[LogEntry]:
    """Split Home Assistant's log into records; lines without a header continue one."""
    entries: list[LogEntry] = []
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match:
            entries.append(
                LogEntry(match["level"], match["logger"], match["message"].rstrip())
            )
        elif entries:
            entries[-1].message += "\n" + line.rstrip()
    return entries


@dataclass
class HassProcess:
    """`python -m homeassistant` on 127.0.0.1 with its own configuration directory."""

    config_dir: Path
    port: int = 0
    time_zone: str = "UTC"
    history: bool = True
    #: Load the benchmarks' probe (`PROBE_DOMAIN`): `state_reported` over the
    #: websocket with `HassWebSocket.subscribe(f"{PROBE_DOMAIN}/reported")`,
    #: devices filled in with `HassWebSocket.command(f"{PROBE_DOMAIN}/filled")`,
    #: plain sensors from a config flow of its own.
    bench_probe: bool = False
    #: The interpreter that runs Home Assistant (`PETSMART_E2E_HASS`, or this one).
    python: str = field(default_factory=hass_python)
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)
    info: HomeAssistantInfo | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """Where the frontend and the API answer."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """Home Assistant's own log file."""
        return self.config_dir / "home-assistant.log"

    @property
    def output_path(self) -> Path:
        """What the process printed (start-up problems before logging is set up)."""
        return self.config_dir / "hass.out"

    def prepare(self) -> None:
        """Write configuration.yaml and link the integration in."""
        if not self.port:
            self.port = free_port()
        if self.info is None:
            self.info = probe(self.python)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        if self.info.http_store is not None:
            self.write_http_store(self.info.http_store)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION_YAML.format(
                http=""
                if self.info.http_store is not None
                else HTTP_YAML.format(port=self.port),
                time_zone=self.time_zone,
                history=HISTORY_YAML if self.history else "",
            )
            + (f"{PROBE_DOMAIN}:\n" if self.bench_probe else "")
        )
        custom = self.config_dir / "custom_components"
        custom.mkdir(exist_ok=True)
        links = {
            DOMAIN: INTEGRATION,
            PROBE_DOMAIN: PROBE_PACKAGE if self.bench_probe else None,
        }
        for domain, target in links.items():
            link = custom / domain
            if link.is_symlink() or link.exists():
                link.unlink()
            if target is not None:
                link.symlink_to(target, target_is_directory=True)

    def write_http_store(self, store: dict[str, Any]) -> None:
        """Our port and address as the confirmed (stable) HTTP settings.

        Home Assistant 2026.x migrates an `http:` YAML section into a trial that
        shows a "Confirm new HTTP server configuration" dialog and, unconfirmed,
        restarts on the defaults (port 8123, every address) five minutes later.
        """
        storage = self.config_dir / ".storage"
        storage.mkdir(exist_ok=True)
        stable = {
            **store["defaults"],
            "server_host": ["127.0.0.1"],
            "server_port": self.port,
            "created_at": datetime.now(UTC).isoformat(),
            "error": None,
            "error_message": None,
        }
        (storage / "http").write_text(
            json.dumps(
                {
                    "version": store["version"],
                    "minor_version": store["minor_version"],
                    "key": "http",
                    "data": {
                        "stable": stable,
                        "pending": None,
                        "yaml_migration_done": True,
                    },
                },
                indent=2,
            )
        )

    def _environment(self) -> dict[str, str]:
        """The caller's environment without pytest-cov's subprocess hooks."""
        return {
            **{
                key: value
                for key, value in os.environ.items()
                if not key.startswith("COV_CORE_")
            },
            "PYTHONWARNINGS": PYTHONWARNINGS,
        }

    async def start(self, within: float = 90) -> None:
        """Start Home Assistant and wait until its HTTP server answers."""
        self.prepare()
        with self.output_path.open("wb") as output:
            self.process = await asyncio.create_subprocess_exec(
                self.python,
                "-m",
                "homeassistant",
                "--config",
                str(self.config_dir),
                # Everything the configuration needs is installed with the test
                # requirements; never reach out to PyPI at run time.
                "--skip-pip",
                cwd=self.config_dir,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=self._environment(),
                # Ctrl-C in the demo's terminal reaches only the demo, which then
                # stops Home Assistant itself, before the simulators.
                start_new_session=True,
            )
        async with aiohttp.ClientSession() as session:

            async def answers() -> bool:
                self._check_alive()
                try:
                    async with session.get(f"{self.url}/api/onboarding") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            await wait_for(answers, within=within, what="Home Assistant to start")

    def _check_alive(self) -> None:
        """Raise with the end of the log when the process has died."""
        if self.process is not None and self.process.returncode is not None:
            raise HassError(
                f"Home Assistant exited with code {self.process.returncode}:\n"
                + self.tail()
            )

    def tail(self, lines: int = 40) -> str:
        """The last lines Home Assistant printed or logged."""
        for path in (self.log_path, self.output_path):
            if path.exists() and path.stat().st_size:
                return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        return "(no output)"

    async def stop(self, grace: float = 30) -> int | None:
        """Ask Home Assistant to stop (SIGTERM); kill it if it does not."""
        if self.process is None:
            return None
        return await terminate(self.process, grace)

    def log(self) -> list[LogEntry]:
        """Home Assistant's log so far, as records."""
        if not self.log_path.exists():
            return []
        return parse_log(self.log_path.read_text(errors="replace"))


@dataclass
class Tokens:
    """What /auth/token hands out."""

    access_token: str
    refresh_token: str
    expires_in: int
    client_id: str

    def local_storage(self, hass_url: str) -> dict[str, Any]:
        """The `hassTokens` object the frontend keeps in localStorage."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "hassUrl": hass_url,
            "clientId": self.client_id,
            "expires": int(time.time() * 1000) + self.expires_in * 1000,
        }


class HassClient:
    """Home Assistant's REST and websocket API as a signed-in user."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Talk to the Home Assistant at `url`."""
        self.session = session
        self.url = url
        self.client_id = f"{url}/"
        self.tokens: Tokens | None = None

    def _headers(self) -> dict[str, str]:
        # the frontend names itself on every call: OAuth2 steps build their
        # redirect URI from it
        headers = {"HA-Frontend-Base": self.url}
        if self.tokens is not None:
            headers["Authorization"] = f"Bearer {self.tokens.access_token}"
        return headers

    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        expect: tuple[int, ...] = (200, 201),
    ) -> Any:
        """Call the REST API; return the JSON answer (None when empty)."""
        async with self.session.request(
            method, f"{self.url}{path}", json=json, headers=self._headers()
        ) as response:
            text = await response.text()
            if response.status not in expect:
                raise HassError(f"{method} {path}: HTTP {response.status}: {text}")
            if not text:
                return None
            with contextlib.suppress(ValueError):
                return await response.json(content_type=None)
            return text

    async def get(self, path: str, **kwargs: Any) -> Any:
        """GET a REST path."""
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        """POST JSON to a REST path."""
        return await self.request("POST", path, {} if json is None else json, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Any:
        """DELETE a REST path."""
        return await self.request("DELETE", path, **kwargs)

    async def _token(self, code: str) -> Tokens:
        """Trade an authorization code for tokens."""
        async with self.session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        ) as response:
            if response.status != 200:
                raise HassError(f"/auth/token: HTTP {response.status}")
            body = await response.json()
        return Tokens(
            body["access_token"],
            body["refresh_token"],
            int(body["expires_in"]),
            self.client_id,
        )

    async def onboard(
        self, name: str, username: str, password: str, language: str = "en"
    ) -> Tokens:
        """Finish onboarding as a person does in the UI: owner, location, analytics."""
        created = await self.post(
            "/api/onboarding/users",
            {
                "client_id": self.client_id,
                "name": name,
                "username": username,
                "password": password,
                "language": language,
            },
        )
        self.tokens = await self._token(created["auth_code"])
        await self.post("/api/onboarding/core_config")
        await self.post("/api/onboarding/analytics")
        await self.post(
            "/api/onboarding/integration",
            {
                "client_id": self.client_id,
                "redirect_uri": f"{self.client_id}?auth_callback=1",
            },
        )
        steps = await self.get("/api/onboarding", expect=(200, 401))
        if steps and any(not step["done"] for step in steps):
            raise HassError(f"onboarding is not complete: {steps}")
        return self.tokens

    async def login(self, username: str, password: str) -> Tokens:
        """Sign in through the login flow the frontend's login page uses."""
        flow = await self.post(
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.client_id}?auth_callback=1",
            },
        )
        done = await self.post(
            f"/auth/login_flow/{flow['flow_id']}",
            {
                "client_id": self.client_id,
                "username": username,
                "password": password,
            },
        )
        if done.get("type") != "create_entry":
            raise HassError(f"login failed: {done}")
        self.tokens = await self._token(done["result"])
        return self.tokens

    async def wait_running(self, within: float = 60) -> None:
        """Wait until Home Assistant has finished starting."""

        async def running() -> bool:
            config = await self.get("/api/config")
            return bool(config["state"] == "RUNNING")

        await wait_for(running, within=within, what="Home Assistant to be running")

    async def version(self) -> str:
        """The version of the Home Assistant answering."""
        config = await self.get("/api/config")
        return str(config["version"])

    # --- states and actions ----------------------------------------------------

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """The state object of an entity, or None when it has none."""
        result = await self.get(f"/api/states/{entity_id}", expect=(200, 404))
        return result if isinstance(result, dict) and "state" in result else None

    async def states(self) -> dict[str, dict[str, Any]]:
        """Every state, by entity id."""
        return {state["entity_id"]: state for state in await self.get("/api/states")}

    async def call(
        self, domain: str, service: str, data: dict[str, Any] | None = None
    ) -> Any:
        """Perform an action and wait until it has been carried out."""
        return await self.post(f"/api/services/{domain}/{service}", data or {})

    # --- config entries and their flows ----------------------------------------

    async def start_flow(self, handler: str) -> dict[str, Any]:
        """Start a config flow, as Settings → Add integration does."""
        result: dict[str, Any] = await self.post(
            "/api/config/config_entries/flow",
            {"handler": handler, "show_advanced_options": False},
        )
        return result

    async def flow_step(self, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Answer the current step of a config flow."""
        result: dict[str, Any] = await self.post(
            f"/api/config/config_entries/flow/{flow_id}", data
        )
        return result

    async def options_flow(self, entry_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Open an entry's options and submit `data` (merged with the shown defaults)."""
        form = await self.post(
            "/api/config/config_entries/options/flow", {"handler": entry_id}
        )
        defaults = {
            field["name"]: field["default"]
            for field in form["data_schema"]
            if "default" in field
        }
        result: dict[str, Any] = await self.post(
            f"/api/config/config_entries/options/flow/{form['flow_id']}",
            {**defaults, **data},
        )
        return result

    async def entries(self, domain: str = DOMAIN) -> list[dict[str, Any]]:
        """The config entries of an integration."""
        result: list[dict[str, Any]] = await self.get(
            f"/api/config/config_entries/entry?domain={domain}"
        )
        return result

    async def remove_entry(self, entry_id: str) -> dict[str, Any]:
        """Delete a config entry, as ⋮ → Delete does."""
        result: dict[str, Any] = await self.delete(
            f"/api/config/config_entries/entry/{entry_id}"
        )
        return result

    # --- websocket ---------------------------------------------------------

    @contextlib.asynccontextmanager
    async def websocket(self) -> Any:
        """A signed-in websocket connection (`HassWebSocket`)."""
        assert self.tokens is not None, "sign in first"
        async with self.session.ws_connect(
            f"{self.url}/api/websocket", max_msg_size=0
        ) as ws:
            hello = await ws.receive_json()
            if hello["type"] != "auth_required":
                raise HassError(f"unexpected websocket greeting {hello}")
            await ws.send_json(
                {"type": "auth", "access_token": self.tokens.access_token}
            )
            answer = await ws.receive_json()
            if answer["type"] != "auth_ok":
                raise HassError(f"websocket authentication failed: {answer}")
            yield HassWebSocket(ws)


class HassWebSocket:
    """Commands over one websocket connection."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Use an authenticated connection."""
        self._ws = ws
        self._ids = itertools.count(1)
        #: Event messages that came while a command waited for its result.
        self._events: deque[dict[str, Any]] = deque()

    async def command(self, type_: str, **data: Any) -> Any:
        """Send a command and return its result (raise on an error answer)."""
        return (await self._ask(type_, data))[1]

    async def subscribe(self, type_: str, **data: Any) -> int:
        """Start a subscription (`subscribe_events`...); return its id.

        Its messages come from `events`, with those of the connection's other
        subscriptions (tell them apart by their "id").
        """
        return (await self._ask(type_, data))[0]

    async def _ask(self, type_: str, data: dict[str, Any]) -> tuple[int, Any]:
        """Send a command; return its id and result (raise on an error answer).

        Event messages that come meanwhile are kept for `events`.
        """
        message_id = next(self._ids)
        await self._ws.send_json({"id": message_id, "type": type_, **data})
        while True:
            answer = await self._ws.receive_json()
            if answer.get("type") == "event":
                self._events.append(answer)
                continue
            if answer.get("id") != message_id or answer.get("type") != "result":
                continue
            if not answer["success"]:
                raise HassError(f"{type_}: {answer['error']}")
            return message_id, answer["result"]

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """The event messages of this connection's subscriptions, as they come.

        Raise HassError when the connection closes.
        """
        while True:
            while self._events:
                yield self._events.popleft()
            message = await self._ws.receive()
            if message.type is not aiohttp.WSMsgType.TEXT:
                raise HassError(f"the websocket closed ({message.type.name})")
            answer: dict[str, Any] = json.loads(message.data)
            if answer.get("type") == "event":
                yield answer

    async def devices(self) -> list[dict[str, Any]]:
        """The device registry."""
        result: list[dict[str, Any]] = await self.command("config/device_registry/list")
        return result

    async def entities(self) -> list[dict[str, Any]]:
        """The entity registry."""
        result: list[dict[str, Any]] = await self.command("config/entity_registry/list")
        return result
