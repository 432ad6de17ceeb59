"""What Home Assistant's hassfest and HACS's validators check, applied to our files.

The checks follow script/hassfest/ (manifest, translations, services, icons,
quality_scale) and HACS's integration rules, as far as they apply to a custom
integration, plus the promises quality_scale.yaml makes that a file can show.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
import pytest
import voluptuous as vol

from custom_components.petsmart_hub import (
    PLATFORMS,
    binary_sensor,
    button,
    calendar,
    camera,
    const,
    device_tracker,
    event,
    image,
    number,
    select,
    sensor,
    switch,
    time,
)
from custom_components.petsmart_hub.push import OPT_PUSH
from custom_components.petsmart_hub.vendors.descriptor import OPT_TAKE_OVER
from custom_components.petsmart_hub.vendors.registry import VENDORS
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import Platform, __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "petsmart_hub"
MANIFEST: dict[str, Any] = json.loads((INTEGRATION / "manifest.json").read_text())
STRINGS: dict[str, Any] = json.loads((INTEGRATION / "strings.json").read_text())
ICONS: dict[str, Any] = json.loads((INTEGRATION / "icons.json").read_text())
SERVICES: dict[str, Any] = load_yaml_dict(str(INTEGRATION / "services.yaml"))
SOURCES = sorted(INTEGRATION.rglob("*.py"))

#: Entity descriptions of every platform module.
DESCRIPTIONS: dict[str, tuple[Any, ...]] = {
    "binary_sensor": binary_sensor.BINARY_SENSORS + binary_sensor.MEAL_SENSORS,
    "button": button.BUTTONS,
    "calendar": calendar.CALENDARS,
    "camera": camera.CAMERAS,
    "device_tracker": device_tracker.TRACKERS,
    "event": event.EVENTS,
    "image": image.IMAGES,
    # a meal's entities: described per meal (the first stands for all)
    "number": (number.FEED_AMOUNT, number.MEALS_PER_DAY, number.meal_amount(1)),
    "select": select.SELECTS,
    "sensor": sensor.SENSORS,
    "switch": (*switch.SWITCHES, switch.meal_enabled(1)),
    "time": (time.meal_time(1),),
}

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service"}
#: hassfest's dependencies.py: integrations one may import without depending on.
ALLOWED_USED_COMPONENTS = {
    *(platform.value for platform in Platform),
    "alert",
    "automation",
    "conversation",
    "device_automation",
    "frontend",
    "group",
    "homeassistant",
    "media_source",
    "onboarding",
    "persistent_notification",
    "person",
    "script",
    "sun",
    "system_health",
    "system_log",
    "webhook",
    "websocket_api",
    "zone",
    "mjpeg",
    "stream",
}
#: The keys HACS's hacs.json schema knows.
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "persistent_directory",
    "render_readme",
    "hacs",
}
#: script/hassfest/quality_scale.py: ALL_RULES, by tier.
QUALITY_RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
#: Platforms whose entity is the device itself and takes the device's name.
MAIN_FEATURES = {"camera", "device_tracker"}
ICON = re.compile(r"^mdi:[a-z0-9]+(-[a-z0-9]+)*$")


def source(name: str) -> str:
    return (INTEGRATION / name).read_text()


def trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text(), str(path))


def literal(node: ast.AST | None) -> str | None:
    return (
        node.value
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        else None
    )


def call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


# --- manifest.json and hacs.json ----------------------------------------------


def test_manifest() -> None:
    """The keys hassfest wants for a custom integration, with valid values."""
    assert set(MANIFEST) == {
        "domain",
        "name",
        "after_dependencies",
        "codeowners",
        "config_flow",
        "dependencies",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "requirements",
        "version",
    }
    # hassfest: domain and name first, the rest sorted
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert MANIFEST["domain"] == INTEGRATION.name == const.DOMAIN
    assert MANIFEST["name"].strip()
    assert SEMVER.match(MANIFEST["version"]), MANIFEST["version"]
    assert AwesomeVersion(MANIFEST["version"]).valid
    assert MANIFEST["codeowners"]
    assert all(re.fullmatch(r"@[\w.-]+(/[\w.-]+)?", o) for o in MANIFEST["codeowners"])
    assert MANIFEST["config_flow"] is True
    for url in (MANIFEST["documentation"], MANIFEST["issue_tracker"]):
        assert re.fullmatch(r"https://[\w.-]+/\S*", url), url
    assert MANIFEST["iot_class"] in IOT_CLASSES
    assert MANIFEST["integration_type"] in INTEGRATION_TYPES
    assert MANIFEST["requirements"] == []
    # push; the user's own OAuth2 app (Netatmo)
    assert MANIFEST["dependencies"] == ["application_credentials", "webhook"]
    assert MANIFEST["after_dependencies"] == ["cloud"]  # a cloudhook, when there


def test_used_integrations_are_dependencies() -> None:
    """Every other integration we import is a platform, allowed, or a dependency."""
    own_modules = {path.stem for path in INTEGRATION.glob("*.py")}
    allowed = (
        ALLOWED_USED_COMPONENTS
        | own_modules
        | set(MANIFEST["dependencies"])
        | set(MANIFEST.get("after_dependencies", []))
    )
    used: set[str] = set()
    for _, tree in trees():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("homeassistant.components."):
                    used.add(name.split(".")[2])
    assert used, "the integration imports no entity platform?"
    assert used <= allowed, used - allowed


def test_hacs_json() -> None:
    """hacs.json has only keys HACS knows; the repository has the layout it wants."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert set(hacs) <= HACS_KEYS, set(hacs) - HACS_KEYS
    assert hacs["name"] == MANIFEST["name"]
    assert not hacs.get("content_in_root", False)
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(ha_version)
    assert isinstance(hacs.get("render_readme", False), bool)
    # exactly one integration, in custom_components/<domain>/
    assert [p.name for p in (ROOT / "custom_components").iterdir() if p.is_dir()] == [
        MANIFEST["domain"]
    ]
    assert (ROOT / "README.md").is_file()


# --- translations -----------------------------------------------------------------


def test_strings_equal_english_translation() -> None:
    """translations/en.json is strings.json (custom integrations ship both)."""
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    assert english == STRINGS
    assert (INTEGRATION / "translations" / "en.json").read_text() == source(
        "strings.json"
    )


def strings_with_placeholders() -> Iterator[tuple[str, str]]:
    def walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}" if path else key)
        else:
            yield path, node

    yield from walk(STRINGS, "")


def test_strings_are_plain_nonempty_text() -> None:
    """Every leaf is non-empty text; no HTML; balanced placeholders."""
    for path, text in strings_with_placeholders():
        assert isinstance(text, str), path
        assert text.strip(), path
        assert "<" not in text or "[%key:" in text, path
        assert text.count("{") == text.count("}"), path


def config_flow_literals(keyword: str) -> set[str]:
    """String values passed as `keyword=` in config_flow.py."""
    found = set()
    for node in ast.walk(ast.parse(source("config_flow.py"))):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == keyword and (value := literal(kw.value)):
                    found.add(value)
    return found


def test_config_flow_strings() -> None:
    """Steps, errors and aborts the flow uses have strings; every field is explained."""
    config = STRINGS["config"]
    flow_source = source("config_flow.py")
    step_methods = set(re.findall(r"async def async_step_(\w+)", flow_source))
    shown_steps = {
        # reauth shows reauth_confirm; auth is HA's external OAuth2 step
        step
        for step in step_methods
        if step not in {"reauth", "auth"}
    } | config_flow_literals("step_id")
    shown_steps -= {"init"}  # the options flow's step
    assert shown_steps <= set(config["step"]), shown_steps - set(config["step"])
    assert set(config["step"]["user"]["menu_options"]) == set(VENDORS)

    errors = set(re.findall(r'"base": "(\w+)"', flow_source))
    errors |= set(re.findall(r'CONF_API_KEY: "(\w+)"', flow_source))
    assert errors, "no errors found in config_flow.py"
    assert errors <= set(config["error"]), errors - set(config["error"])
    aborts = {"already_configured"} | set(
        re.findall(r'"(\w+_successful)"', flow_source)
    )
    aborts |= config_flow_literals("reason")
    assert aborts <= set(config["abort"]), aborts - set(config["abort"])

    for name, step in config["step"].items():
        assert step.get("title"), name
        blocks = [step, *step.get("sections", {}).values()]
        for block in blocks:
            assert set(block.get("data", {})) == set(
                block.get("data_description", {})
            ), f"{name}: every field needs a data_description"

    options = STRINGS["options"]["step"]["init"]
    fields = {option.key for vendor in VENDORS.values() for option in vendor.options}
    fields.add(OPT_PUSH)  # every vendor that pushes
    if any(vendor.push_takeover for vendor in VENDORS.values()):
        fields.add(OPT_TAKE_OVER)  # a vendor whose callbacks another app may hold
    assert set(options["data"]) == fields
    assert set(options["data_description"]) == fields


def entity_translation_keys() -> Iterator[tuple[str, Any]]:
    for platform, descriptions in DESCRIPTIONS.items():
        for description in descriptions:
            yield platform, description


def test_entity_translation_keys_have_strings() -> None:
    """Every entity description's translation_key is named in strings.json."""
    for platform, description in entity_translation_keys():
        key = description.translation_key
        if key is None:
            # Named by its device class, as Home Assistant does (e.g. Battery), or
            # the device's main feature, named after the device (camera, tracker).
            assert description.device_class is not None or platform in MAIN_FEATURES, (
                f"{platform}.{description.key} has no name"
            )
            continue
        assert key in STRINGS["entity"].get(platform, {}), f"{platform}.{key}"
        if description.name is None:
            # the device's main feature (a stored remote code's button or
            # event): named after the device; its key translates its states
            assert "name" not in STRINGS["entity"][platform][key], f"{platform}.{key}"
            continue
        assert STRINGS["entity"][platform][key]["name"], f"{platform}.{key}"
    used = {(p, d.translation_key) for p, d in entity_translation_keys()}
    for platform, keys in STRINGS["entity"].items():
        for key in keys:
            assert (platform, key) in used, f"unused string entity.{platform}.{key}"


def test_enum_states_have_strings() -> None:
    """Every option of an enum sensor is translated (never shown as a raw key)."""
    for description in sensor.SENSORS:
        if description.device_class is SensorDeviceClass.ENUM:
            states = STRINGS["entity"]["sensor"][description.translation_key]["state"]
            assert set(description.options) == set(states), description.key


def translation_keys_in_code() -> dict[str, set[str]]:
    """translation_key values of exceptions and issues, as the code passes them.

    Literals, the literals a helper such as `_invalid("key")` forwards, and the
    literals a function such as `error_translation_key` returns.
    """
    found: dict[str, set[str]] = {"exceptions": set(), "issues": set()}
    forwarders: dict[str, int] = {}
    returners: dict[str, set[str]] = {}
    parsed = list(trees())
    for _, tree in parsed:
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            params = [arg.arg for arg in func.args.args]
            for node in ast.walk(func):
                # (a description made by a helper is an entity's, not an error's)
                if isinstance(node, ast.Call) and not call_name(node).endswith(
                    "EntityDescription"
                ):
                    for kw in node.keywords:
                        if (
                            kw.arg == "translation_key"
                            and isinstance(kw.value, ast.Name)
                            and kw.value.id in params
                        ):
                            forwarders[func.name] = params.index(kw.value.id)
            returns = {
                literal(node.value)
                for node in ast.walk(func)
                if isinstance(node, ast.Return)
            }
            if returns and None not in returns:
                returners[func.name] = {r for r in returns if r}

    for _, tree in parsed:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node)
            if name.endswith(("EntityDescription", "SelectorConfig")):
                continue  # entity descriptions and selectors are checked elsewhere
            category = "issues" if name == "async_create_issue" else "exceptions"
            for kw in node.keywords:
                if kw.arg != "translation_key":
                    continue
                if value := literal(kw.value):
                    found[category].add(value)
                elif (
                    isinstance(kw.value, ast.Call) and call_name(kw.value) in returners
                ):
                    found[category] |= returners[call_name(kw.value)]
            if (
                name in forwarders
                and len(node.args) > forwarders[name]
                and (value := literal(node.args[forwarders[name]]))
            ):
                found["exceptions"].add(value)
    return found


def test_exception_and_issue_keys_have_strings() -> None:
    """Every translated error and repair issue raised in the code has its text."""
    used = translation_keys_in_code()
    assert len(used["exceptions"]) >= 10, used
    assert used["issues"], used
    for category, keys in used.items():
        missing = keys - set(STRINGS[category])
        assert not missing, f"{category} without strings: {sorted(missing)}"
        for key in keys:
            entry = STRINGS[category][key]
            assert entry.get("message") or entry.get("title"), f"{category}.{key}"


# --- services.yaml --------------------------------------------------------------


async def test_services_yaml_matches_registered_actions(hass: HomeAssistant) -> None:
    """services.yaml describes exactly the actions the integration registers."""
    assert await async_setup_component(hass, const.DOMAIN, {})
    registered = set(hass.services.async_services_for_domain(const.DOMAIN))
    assert registered == set(SERVICES)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_service_description(service: str) -> None:
    """Each action has a name, a description, and a valid selector per field."""
    texts = STRINGS["services"][service]
    assert texts["name"]
    assert texts["description"]
    fields = (SERVICES[service] or {}).get("fields", {})
    assert set(fields) == set(texts.get("fields", {}))
    for name, field in fields.items():
        assert "selector" in field, f"{service}.{name} has no selector"
        try:
            selector.validate_selector(field["selector"])
        except vol.Invalid as err:
            pytest.fail(f"{service}.{name}: invalid selector: {err}")
        assert texts["fields"][name]["name"], f"{service}.{name}"
        assert texts["fields"][name]["description"], f"{service}.{name}"
        select = field["selector"].get("select") or {}
        if key := select.get("translation_key"):
            options = {
                option["value"] if isinstance(option, dict) else option
                for option in select["options"]
            }
            translated = set(STRINGS["selector"][key]["options"])
            assert options <= translated, f"{service}.{name}: {options - translated}"


# --- icons.json -----------------------------------------------------------------


def mdi_icons() -> set[str] | None:
    """The Material Design Icons the installed frontend ships, if it is installed."""
    try:
        import hass_frontend  # a test requirement; optional here
    except ImportError:
        return None
    listing = Path(hass_frontend.where()) / "static" / "mdi" / "iconList.json"
    return {f"mdi:{icon['name']}" for icon in json.loads(listing.read_text())}


def icon_values() -> Iterator[tuple[str, str]]:
    for platform, entities in ICONS["entity"].items():
        for key, icon in entities.items():
            yield f"entity.{platform}.{key}", icon["default"]
            for state, state_icon in icon.get("state", {}).items():
                yield f"entity.{platform}.{key}.state.{state}", state_icon
            for attribute, attr in icon.get("state_attributes", {}).items():
                yield f"entity.{platform}.{key}.{attribute}", attr["default"]
                for state, state_icon in attr.get("state", {}).items():
                    yield f"entity.{platform}.{key}.{attribute}.{state}", state_icon
    for service, icon in ICONS["services"].items():
        yield f"services.{service}", icon["service"]


def test_icons() -> None:
    """Icons exist for real keys, are valid MDI names, and every action has one."""
    assert set(ICONS) <= {"entity", "services"}
    for platform, entities in ICONS["entity"].items():
        for key, icon in entities.items():
            assert key in STRINGS["entity"].get(platform, {}), (
                f"icon of {platform}.{key}"
            )
            assert set(icon) <= {"default", "state", "state_attributes", "range"}
    assert set(ICONS["services"]) == set(SERVICES)
    known = mdi_icons()
    for where, icon in icon_values():
        assert ICON.match(icon), f"{where}: {icon}"
        if known is not None:
            assert icon in known, f"{where}: {icon} is not a Material Design Icon"


def test_entities_without_device_class_have_icons() -> None:
    """Home Assistant has no default icon for them: we must give one."""
    for platform, description in entity_translation_keys():
        if platform in ("camera", "device_tracker", "calendar"):
            continue  # these platforms have their own icons
        if description.device_class is None and description.translation_key:
            assert description.translation_key in ICONS["entity"].get(platform, {}), (
                f"{platform}.{description.translation_key} has no icon"
            )


# --- quality_scale.yaml -----------------------------------------------------------


def _defines_parallel_updates() -> bool:
    return all(
        re.search(r"^PARALLEL_UPDATES = \d+$", source(f"{p.value}.py"), re.M)
        for p in PLATFORMS
    )


#: What a file shows of a rule marked done (hassfest validates several of these).
DONE_CHECKS: dict[str, Callable[[], bool]] = {
    "brands": lambda: {"icon.png", "logo.png", "dark_icon.png", "icon@2x.png"}
    <= {
        path.name for path in (ROOT / "custom_components/petsmart_hub/brand").iterdir()
    },
    "action-setup": lambda: "async_setup_services(hass)"
    in source("__init__.py").split("async def async_setup_entry")[0],
    "config-flow": lambda: MANIFEST["config_flow"] and bool(source("config_flow.py")),
    "dependency-transparency": lambda: MANIFEST["requirements"] == [],
    "diagnostics": lambda: "async_get_config_entry_diagnostics"
    in source("diagnostics.py"),
    "entity-unique-id": lambda: "_attr_unique_id" in source("entity.py"),
    "exception-translations": lambda: bool(STRINGS["exceptions"]),
    "has-entity-name": lambda: "_attr_has_entity_name = True" in source("entity.py"),
    "icon-translations": lambda: bool(ICONS["entity"]),
    "inject-websession": lambda: "async_get_clientsession" in source("coordinator.py")
    and not any("ClientSession(" in p.read_text() for p in SOURCES),
    "integration-owner": lambda: bool(MANIFEST["codeowners"]),
    "parallel-updates": _defines_parallel_updates,
    "reauthentication-flow": lambda: "async_step_reauth" in source("config_flow.py"),
    "reconfiguration-flow": lambda: "async_step_reconfigure"
    in source("config_flow.py"),
    "runtime-data": lambda: "runtime_data" in source("__init__.py")
    and not any("hass.data[" in p.read_text() for p in SOURCES),
    "strict-typing": lambda: "mypy --strict custom_components"
    in (ROOT / "scripts" / "test").read_text(),
    "test-before-setup": lambda: "async_config_entry_first_refresh"
    in source("__init__.py"),
    "unique-config-entry": lambda: "_abort_if_unique_id_configured"
    in source("config_flow.py"),
    "devices": lambda: "DeviceInfo(" in source("coordinator.py"),
    "repair-issues": lambda: bool(STRINGS.get("issues")),
    "entity-disabled-by-default": lambda: any(
        d.entity_registry_enabled_default is False for _, d in entity_translation_keys()
    ),
}


def test_quality_scale() -> None:
    """Every rule up to Platinum is done, todo or exempt, each with its reason."""
    data = load_yaml_dict(str(INTEGRATION / "quality_scale.yaml"))
    rules = data["rules"]
    every_rule = [rule for tier in QUALITY_RULES.values() for rule in tier]
    assert set(rules) == set(every_rule), set(rules) ^ set(every_rule)
    for rule, value in rules.items():
        assert isinstance(value, dict), f"{rule}: give a status and a comment"
        assert set(value) == {"status", "comment"}, rule
        assert value["status"] in {"done", "todo", "exempt"}, rule
        assert str(value["comment"]).strip(), f"{rule}: the comment says why"
        if value["status"] == "done" and rule in DONE_CHECKS:
            assert DONE_CHECKS[rule](), f"{rule} is marked done but is not"
