"""Headless Chromium driven over the DevTools protocol (a websocket, via aiohttp)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
import contextlib
import itertools
import json
from pathlib import Path
import shutil
import tempfile
from typing import Any

import aiohttp

from .hass import terminate, wait_for

#: Debian's package installs `chromium`; other distributions name it differently.
BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = (
    "--headless",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    # Only this machine: the frontend's brand images and the like stay unresolved.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--force-device-scale-factor=1",
    "--lang=en-US",
)

#: Text of the page including every open shadow root (Home Assistant's frontend
#: is web components all the way down, so `innerText` alone sees almost nothing).
DEEP_TEXT_JS = """
(() => {
  const parts = [];
  const skip = new Set(["SCRIPT", "STYLE", "TEMPLATE"]);
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.nodeValue.trim();
      if (text) parts.push(text);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_NODE
        && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
    if (node.nodeType === Node.ELEMENT_NODE) {
      if (skip.has(node.tagName)) return;
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document);
  return parts.join("\\n");
})()
"""


#: Icons whose SVG path has not arrived yet (the frontend loads icon sets lazily)
#: and images still loading (a camera's still).
ICONS_PENDING_JS = """
(() => {
  const drawn = (el) => {
    const roots = [el, el.shadowRoot].filter(Boolean);
    for (const root of roots) {
      for (const child of root.querySelectorAll("*")) {
        if (child.tagName === "HA-SVG-ICON" && child.path) return true;
        if (child.shadowRoot && drawn(child)) return true;
      }
    }
    return false;
  };
  let pending = 0;
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if ((el.tagName === "HA-STATE-ICON" || el.tagName === "HA-ICON")
          && el.getClientRects().length && !drawn(el))
        pending++;
      if (el.tagName === "IMG" && !el.complete) pending++;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return pending;
})()
"""


#: The no-break spaces (U+00A0, U+202F narrow) that `Page.text` reads as spaces.
NO_BREAK_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


#: How often a script interrupted by a navigation is run again.
NAVIGATION_RETRIES = 10
#: What DevTools says when a navigation destroyed a script's context.
_NAVIGATED = (
    "Inspected target navigated or closed",
    "Execution context was destroyed",
    "Cannot find context with specified id",
)


def find_chromium() -> str | None:
    """Path of a Chromium on PATH, if there is one."""
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


class DevToolsError(Exception):
    """Chromium did not start or a DevTools command failed."""


class Page:
    """One tab, driven through its DevTools websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Use a connected DevTools websocket of a page target."""
        self._ws = ws
        self._ids = itertools.count(1)
        self.console: list[str] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a DevTools command and return its result."""
        message_id = next(self._ids)
        await self._ws.send_json({"id": message_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive()
            if message.type is not aiohttp.WSMsgType.TEXT:
                raise DevToolsError(f"DevTools connection closed during {method}")
            data = json.loads(message.data)
            if data.get("method") == "Runtime.consoleAPICalled":
                args = data["params"].get("args", [])
                self.console.append(
                    " ".join(
                        str(arg.get("value", arg.get("description"))) for arg in args
                    )
                )
            if data.get("id") != message_id:
                continue
            if "error" in data:
                raise DevToolsError(f"{method}: {data['error']}")
            result: dict[str, Any] = data.get("result", {})
            return result

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value.

        A page that navigates while the script runs (the login page hands
        over to the app by itself) destroys the script's context: that is
        transient, so the script is run again in the new page.
        """
        for attempt in itertools.count(1):
            try:
                result = await self.send(
                    "Runtime.evaluate",
                    expression=expression,
                    returnByValue=True,
                    awaitPromise=True,
                )
                break
            except DevToolsError as err:
                if attempt >= NAVIGATION_RETRIES or not any(
                    sign in str(err) for sign in _NAVIGATED
                ):
                    raise
                await asyncio.sleep(0.2)
        if "exceptionDetails" in result:
            raise DevToolsError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def navigate(self, url: str) -> None:
        """Open `url` in this tab."""
        await self.send("Page.navigate", url=url)

    async def text(self) -> str:
        """Every piece of text on the page, shadow roots included.

        No-break spaces read as spaces: the frontend of Home Assistant 2026.x puts
        one between a value and its unit (`1,200\u00a0g`), 2025.4's a plain space.
        """
        text = str(await self.evaluate(DEEP_TEXT_JS) or "")
        return text.translate(NO_BREAK_SPACES)

    async def wait_for_text(self, *needles: str, within: float = 30) -> str:
        """Wait until every needle is on the page; return the page's text."""

        async def shown() -> str:
            text = await self.text()
            return text if all(needle in text for needle in needles) else ""

        try:
            return await wait_for(shown, within=within, what=f"{needles} on the page")
        except TimeoutError as err:
            raise DevToolsError(
                f"{err}; the page shows:\n{(await self.text())[:3000]}"
            ) from None

    async def icons_pending(self) -> int:
        """How many icons on the page are still waiting for their SVG path."""
        return int(await self.evaluate(ICONS_PENDING_JS) or 0)

    async def settle(self, within: float = 10) -> None:
        """Wait until icons (loaded lazily, in chunks) and images are drawn."""
        calm = 0

        async def drawn() -> bool:
            nonlocal calm
            calm = calm + 1 if await self.icons_pending() == 0 else 0
            return calm >= 3

        with contextlib.suppress(TimeoutError):
            await wait_for(drawn, within=within, interval=0.2, what="the page")

    async def screenshot(self, path: Path) -> Path:
        """Save a PNG of the visible page once it has settled."""
        await self.settle()
        result = await self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(result["data"]))
        return path


class Chromium:
    """A headless Chromium with a throw-away profile."""

    def __init__(self, binary: str, *, width: int = 1280, height: int = 1000) -> None:
        """Prepare to run `binary` with a window of width x height."""
        self.binary = binary
        self.width = width
        self.height = height
        self.process: asyncio.subprocess.Process | None = None
        self._profile: str | None = None
        self._session: aiohttp.ClientSession | None = None
        self.debug_url = ""

    async def start(self, within: float = 30) -> None:
        """Start the browser and wait for its DevTools endpoint."""
        self._profile = tempfile.mkdtemp(prefix="petsmart-chromium-")
        self.process = await asyncio.create_subprocess_exec(
            self.binary,
            *FLAGS,
            f"--user-data-dir={self._profile}",
            f"--window-size={self.width},{self.height}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        port_file = Path(self._profile) / "DevToolsActivePort"

        async def port() -> str:
            if self.process is not None and self.process.returncode is not None:
                raise DevToolsError(
                    f"{self.binary} exited with code {self.process.returncode}"
                )
            if port_file.exists():
                return port_file.read_text().split("\n", 1)[0].strip()
            return ""

        number = await wait_for(port, within=within, what="Chromium's DevTools")
        self.debug_url = f"http://127.0.0.1:{number}"
        self._session = aiohttp.ClientSession()

    @contextlib.asynccontextmanager
    async def page(self) -> AsyncIterator[Page]:
        """A new tab with the page domains enabled."""
        assert self._session is not None, "start the browser first"
        async with self._session.put(f"{self.debug_url}/json/new?about:blank") as resp:
            if resp.status != 200:
                raise DevToolsError(f"cannot open a tab: HTTP {resp.status}")
            target = await resp.json()
        async with self._session.ws_connect(
            target["webSocketDebuggerUrl"], max_msg_size=0
        ) as ws:
            page = Page(ws)
            await page.send("Page.enable")
            await page.send("Runtime.enable")
            await page.send(
                "Emulation.setDeviceMetricsOverride",
                width=self.width,
                height=self.height,
                deviceScaleFactor=1,
                mobile=False,
            )
            yield page

    async def stop(self) -> None:
        """Close the browser and delete its profile."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self.process is not None:
            await terminate(self.process, 10)
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None


@contextlib.asynccontextmanager
async def chromium(binary: str, **kwargs: Any) -> AsyncIterator[Chromium]:
    """A running headless Chromium, stopped on exit."""
    browser = Chromium(binary, **kwargs)
    try:
        await browser.start()
        yield browser
    finally:
        await browser.stop()


#: The first element matching a CSS selector, looking inside every shadow root.
DEEP_QUERY_JS = """
((selector) => {
  const find = (root) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) {
        const inner = find(el.shadowRoot);
        if (inner) return inner;
      }
    }
    return null;
  };
  return find(document);
})
"""


async def click_button(page: Page, label: str, *, only: bool = False) -> bool:
    """Click the button labelled `label` (the only one, if `only`); False if none."""
    return bool(
        await page.evaluate(
            "(() => { const hits = []; const walk = (root) => {"
            " for (const el of root.querySelectorAll('*')) {"
            " if (/BUTTON$/.test(el.tagName)"
            f" && el.textContent.trim() === {json.dumps(label)}) hits.push(el);"
            " if (el.shadowRoot) walk(el.shadowRoot); } };"
            f" walk(document); if (!hits.length || ({json.dumps(only)} && hits.length > 1))"
            " return false; hits[0].click(); return true; })()"
        )
    )


#: Every <img> whose address contains a string, in every shadow root: its
#: address, whether it has loaded, its natural size and whether it is shown.
IMAGES_JS = """
((part, scroll) => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "IMG" && el.src.includes(part)) {
        if (scroll && !found.length) el.scrollIntoView({block: "center"});
        found.push({
          src: el.src,
          complete: el.complete,
          width: el.naturalWidth,
          height: el.naturalHeight,
          shown: el.getClientRects().length > 0
            && getComputedStyle(el).visibility !== "hidden",
        });
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
})
"""


async def images(
    page: Page, containing: str, *, scroll: bool = False
) -> list[dict[str, Any]]:
    """The page's images whose address contains `containing`, shadow roots included.

    Each: `src`, `complete`, `width` and `height` (natural: 0 while it has not
    loaded or is broken) and `shown`. With `scroll`, the first is scrolled into view.
    """
    found = await page.evaluate(
        f"{IMAGES_JS}({json.dumps(containing)}, {json.dumps(scroll)})"
    )
    return list(found or [])


async def _focus(page: Page, selector: str) -> bool:
    """Focus the first element matching `selector` (in any shadow root)."""
    return bool(
        await page.evaluate(
            f"(() => {{ const el = {DEEP_QUERY_JS}({json.dumps(selector)});"
            " if (!el) return false; el.focus(); return true; })()"
        )
    )


async def log_in(page: Page, hass_url: str, username: str, password: str) -> None:
    """Sign in on Home Assistant's login page, as a person types it."""
    await page.navigate(f"{hass_url}/")
    for selector, text in (
        ("input[name=username]", username),
        ("input[name=password]", password),
    ):

        async def focused(selector: str = selector) -> bool:
            return await _focus(page, selector)

        await wait_for(focused, within=30, what=f"the login form's {selector}")
        await page.send("Input.insertText", text=text)

    async def clicked() -> bool:
        return await click_button(page, "Log in")

    await wait_for(clicked, within=30, what="the login page's Log in button")

    async def signed_in() -> bool:
        href = str(await page.evaluate("location.href"))
        stored = await page.evaluate("localStorage.getItem('hassTokens')")
        return "/auth/authorize" not in href and bool(stored)

    try:
        await wait_for(signed_in, within=30, what="the login to finish")
    except TimeoutError as err:
        raise DevToolsError(
            f"{err}; the page shows:\n{(await page.text())[:2000]}"
        ) from None
