"""The UI in a real browser: headless Chromium on Home Assistant's own frontend.

Log in on the login page, open the device pages of a feeder and of a fountain and
the Overview dashboard, press the Feed button, and save screenshots under
artifacts/screenshots/<Home Assistant version>/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import struct
import sys
import warnings

import pytest

from e2e.browser import Page, chromium, click_button, find_chromium, images, log_in
from e2e.hass import DOMAIN, INTEGRATION, REPO, wait_for
from e2e.stack import PASSWORD, USERNAME, Stack, expected_version, running_stack
from simulator.onenata.devices import food_percentage

pytestmark = pytest.mark.timeout(300)

SCREENSHOTS = REPO / "artifacts" / "screenshots"
FEEDER = "feeding_machine_001"
FOUNTAIN = "water_fountain_001"
PET_ROOM = "03:00:00:bb:00:01"  # Netatmo: the weather station's indoor module
TERRARIUM = "VAvVrKLY"  # Instathings: a Zigbee climate sensor behind the gateway
#: Ninja Blocks: the distance sensor of the doc's sample block (120 cm)
NINJA_DISTANCE = "ASTEALTHYNODE01_4_0_10"
COMMANDS = "/v1/devices/{device_id}/commands"


def raw_keys() -> set[str]:
    """Every translation key of our entities and of their states.

    One of these alone on a line of the page means a translation is missing.
    """
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    keys: set[str] = set()
    for platform in strings["entity"].values():
        for key, entity in platform.items():
            keys.add(key)
            keys.update(entity.get("state", {}))
    return keys


def value_of(text: str, label: str) -> str:
    """The line shown right after an entity's name on a device page."""
    lines = text.splitlines()
    assert label in lines, f"{label!r} is not on the page"
    return lines[lines.index(label) + 1]


def check_translated(text: str) -> None:
    """No untranslated key is shown, as a name or as a value."""
    shown_raw = raw_keys() & set(text.splitlines())
    assert not shown_raw, f"untranslated keys on the page: {sorted(shown_raw)}"
    assert "component.petsmart_hub" not in text


async def open_device(page: Page, stack: Stack, device_id: str, *needles: str) -> str:
    """Open a device's page and wait until it shows every needle."""
    await page.navigate(f"{stack.hass.url}/config/devices/device/{device_id}")
    return await page.wait_for_text(*needles)


def overview_url(stack: Stack) -> str:
    """Where the Overview shows every device.

    Home Assistant 2026.x replaced the generated Overview with one of areas and
    summaries; devices in no area are on its "Other devices" view.
    """
    major = int(stack.version.split(".")[0])
    path = "/home/other-devices" if major >= 2026 else "/lovelace/0"
    return f"{stack.hass.url}{path}"


async def shoot(page: Page, name: str) -> Path:
    """Save a screenshot under artifacts/screenshots/ (`name` may have a folder)."""
    return await page.screenshot(SCREENSHOTS / f"{name}.png")


# --- Our own brand images --------------------------------------------------------

#: Home Assistant serves a custom integration's own brand/ folder from 2026.3 on
#: (homeassistant/components/brands/); before, the frontend took every brand
#: image from brands.home-assistant.io, which has none of ours.
BRAND_FOLDER_SINCE = (2026, 3)
#: Where the frontend shows our icon: page, the image it asks for, screenshot.
BRAND_PAGES = (
    ("/config/integrations/dashboard", "icon.png", "integrations-brand"),
    (f"/config/integrations/integration/{DOMAIN}", "icon@2x.png", "integration-brand"),
)


def serves_brand_folder(version: str) -> bool:
    """Whether this Home Assistant serves custom_components/<domain>/brand/."""
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= BRAND_FOLDER_SINCE


async def check_brand_images(page: Page, stack: Stack) -> list[Path]:
    """Our icon on the integrations page and on the integration's own page.

    The frontend asks Home Assistant for /api/brands/integration/petsmart_hub/
    <image>, which it answers from our brand/ folder (the browser reaches no
    other host here): the image must load, at its size, with our file's bytes.
    """
    shots = []
    for path, image, shot in BRAND_PAGES:
        await page.navigate(f"{stack.hass.url}{path}")
        await page.wait_for_text("PetSmart Hub")
        wanted = f"/api/brands/integration/{DOMAIN}/{image}"

        async def loaded(wanted: str = wanted) -> list[dict[str, object]]:
            found = await images(page, wanted, scroll=True)
            return [img for img in found if img["complete"] and img["width"]]

        try:
            img = (await wait_for(loaded, within=30, what=f"{wanted} on {path}"))[0]
        except TimeoutError as err:
            found = await images(page, "/api/brands/")
            raise AssertionError(f"{err}; the page's brand images: {found}") from None
        ours = (INTEGRATION / "brand" / image).read_bytes()
        assert (img["width"], img["height"]) == struct.unpack(">II", ours[16:24])
        assert img["shown"], f"{image} is hidden on {path}"
        async with stack.client.session.get(str(img["src"])) as resp:
            assert resp.status == 200, f"{img['src']}: HTTP {resp.status}"
            assert resp.content_type == "image/png"
            assert await resp.read() == ours, f"{wanted} is not our brand/{image}"
        shots.append(await shoot(page, f"{stack.version}/{shot}"))
    return shots


@pytest.mark.parametrize("home_assistant", [expected_version() or "this venv's"])
async def test_device_pages_in_chromium(
    tmp_path: Path,
    socket_enabled: None,
    capsys: pytest.CaptureFixture[str],
    home_assistant: str,
) -> None:
    """Names, values, units and a working button, as a person sees them."""
    binary = find_chromium()
    if binary is None:
        message = (
            "\n!!! BROWSER CHECK SKIPPED: no chromium on PATH. scripts/test installs "
            "Debian's `chromium` with apt-get; it could not here. !!!\n"
        )
        with capsys.disabled():
            sys.stderr.write(message)
        warnings.warn(message, stacklevel=1)
        pytest.skip(message.strip())

    shots: list[Path] = []
    async with running_stack(tmp_path / "config") as stack:
        assert home_assistant in ("this venv's", stack.version)
        await stack.add_accounts()
        async with stack.client.websocket() as ws:
            # identifiers are "<entry id>_<device id>"; OneNata's and Netatmo's
            # ids are unique here
            devices = {
                identifier.split("_", 1)[1]: device["id"]
                for device in await ws.devices()
                for domain, identifier in device["identifiers"]
                if domain == DOMAIN
            }
        sim = stack.fleet.onenata
        feeder = sim.devices[FEEDER]

        async with chromium(binary, height=1500) as browser, browser.page() as page:
            await log_in(page, stack.hass.url, USERNAME, PASSWORD)

            # The feeder: translated names, values with their units, a Feed button.
            text = await open_device(
                page,
                stack,
                devices[FEEDER],
                "Smart Feeder 1",
                "PetSmart Hub",
                "by OneNata",
                f"Serial number: {feeder.serial}",
                "Food level",
                "Food remaining",
                "Last feed",
                "Food low",
                "Connectivity",
                # its meals (the schedule was sent from Home Assistant), the
                # Feed amount and whether a meal was missed
                "Meal 1 time",
                "Meal 1 amount",
                "Meal 3",
                "Meals per day",
                "Feed amount",
                "Missed meal",
                # the values as shown, units and all (under load the page
                # first shows bare states, before their units are loaded)
                f"{food_percentage(feeder)}%",
                f"{feeder.food_grams:,} g",
            )
            shots.append(await shoot(page, f"{stack.version}/feeder"))
            check_translated(text)
            assert value_of(text, "Missed meal") == "OK"
            assert "Schedule mismatch" not in text or (
                value_of(text, "Schedule mismatch") == "OK"
            )
            assert value_of(text, "Food level") == f"{food_percentage(feeder)}%"
            assert value_of(text, "Food remaining") == f"{feeder.food_grams:,} g"
            assert value_of(text, "Battery") == f"{feeder.battery_level}%"
            assert value_of(text, "Connectivity") == "Connected"
            assert value_of(text, "Food low") == "OK"

            # Press Feed on the page: the cloud gets the command, the page updates.
            grams = feeder.food_grams
            sent = sim.count("POST", COMMANDS, device_id=FEEDER)  # (the schedule)
            assert await click_button(page, "Press", only=True), (
                "expected exactly one Press button (Feed) on the feeder's page"
            )

            async def fed() -> bool:
                return sim.count("POST", COMMANDS, device_id=FEEDER) == sent + 1

            await wait_for(fed, within=15, what="the feed command")
            assert feeder.food_grams < grams
            await page.wait_for_text(f"{feeder.food_grams:,} g")
            shots.append(await shoot(page, f"{stack.version}/feeder-after-feed"))

            # The fountain: an enum value translated, levels, pump and buttons.
            fountain = sim.devices[FOUNTAIN]
            text = await open_device(
                page,
                stack,
                devices[FOUNTAIN],
                "Water Fountain 1",
                "PetSmart Hub",
                "Water quality",
                "Water level",
                "Water temperature",
                "Pump",
                "pH",
                "Start pump",
                "Start cleaning",
                "Test water quality",
            )
            shots.append(await shoot(page, f"{stack.version}/fountain"))
            check_translated(text)
            assert value_of(text, "Water quality") in {
                "Excellent",
                "Good",
                "Fair",
                "Poor",
                "Bad",
            }
            assert value_of(text, "Water level") == f"{fountain.water_level}%"
            assert value_of(text, "Pump") == "Not running"
            assert re.fullmatch(r"\d+\.\d °C", value_of(text, "Water temperature"))

            # Netatmo's pet room (a weather station's indoor module): its
            # readings, named by what they measure, with their units.
            text = await open_device(
                page,
                stack,
                devices[PET_ROOM],
                "Pet room",
                "PetSmart Hub",
                "by Netatmo",
                "Temperature",
                "Humidity",
                "Carbon dioxide",
                "Battery",
            )
            shots.append(await shoot(page, f"{stack.version}/netatmo-pet-room"))
            check_translated(text)
            assert re.fullmatch(r"-?\d+\.\d °C", value_of(text, "Temperature"))
            assert re.fullmatch(r"\d+ ppm", value_of(text, "Carbon dioxide"))

            # Instathings' terrarium sensor: readings its Zigbee data carries,
            # recognised by their keys, and the gateway it is reached through.
            text = await open_device(
                page,
                stack,
                devices[TERRARIUM],
                "Terrarium climate",
                "PetSmart Hub",
                "Gateway",
                "Temperature",
                "Humidity",
                "Battery",
            )
            shots.append(await shoot(page, f"{stack.version}/instathings-terrarium"))
            check_translated(text)
            assert re.fullmatch(r"-?\d+\.\d °C", value_of(text, "Temperature"))
            assert re.fullmatch(r"\d+ ?%", value_of(text, "Humidity"))

            # Ninja Blocks' distance sensor on the doc's sample block: its
            # centimetres shown in metres, and the block it is reached through
            text = await open_device(
                page,
                stack,
                devices[NINJA_DISTANCE],
                "Distance Sensor",
                "by Ninja Blocks",
                "PetSmart Hub",
                "ASTEALTHYNODE01",
                "1 disabled entity",  # Last report: off until the user wants it
                " m\n",
            )
            shots.append(await shoot(page, f"{stack.version}/ninjablocks-distance"))
            check_translated(text)
            assert re.fullmatch(r"1\.20? ?m", value_of(text, "Distance"))

            # Overview: every device of every account, by its name.
            await page.navigate(overview_url(stack))
            names = [device.name for device in sim.devices.values()]
            controller = stack.fleet.netro.controllers[stack.fleet.netro_controller]
            names += [controller.name, "Front Lawn", "Whisperer 1"]
            names += ["Pet cam", "Garden", "Front door", "Pet room", "Bedroom"]
            names += ["Terrarium climate", "Hue lamp", "Aquarium plug"]
            names += ["On Board RGB LED", "PIR Motion Sensor", "Heat lamp on"]
            text = await page.wait_for_text(*names)
            shots.append(await shoot(page, f"{stack.version}/overview"))
            check_translated(text)

            # Our own icon, served from brand/ (not on 2025.4: no brand folder yet).
            brand_note = ""
            if serves_brand_folder(stack.version):
                shots += await check_brand_images(page, stack)
            else:
                brand_note = f"  (no brand image check: {stack.version} serves no brand/ folder)\n"

    with capsys.disabled():
        sys.stdout.write(
            "\nScreenshots of the UI:\n"
            + "".join(f"  {shot.relative_to(REPO)}\n" for shot in shots)
            + brand_note
        )
