"""Imports inside the integration only run downward, layer by layer.

From the top: the entry points (``__init__``, ``config_flow``, ``diagnostics``)
→ platforms (one module per Home Assistant platform) → ``entity`` and
``services`` → ``coordinator`` → the Home Assistant side helpers (``const``,
``compat``) → ``vendors/`` → ``model``. A module may import any lower layer;
only ``vendors/`` and the helpers import within their own layer. ``model`` and
``vendors/`` import nothing of Home Assistant. The sources are parsed, not
imported, so an import under ``TYPE_CHECKING`` or inside a function counts too.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

from custom_components import petsmart_hub
from homeassistant.const import Platform

PACKAGE = Path(petsmart_hub.__file__).resolve().parent

#: The layers, lowest first, and whether a module may import its own layer.
LAYERS: tuple[tuple[str, bool], ...] = (
    ("model", False),
    ("happenings", False),  # what a change of a device means (neutral)
    ("vendors", True),
    ("helpers", True),
    ("journal", False),  # what HA keeps of the devices: below its coordinator
    ("coordinator", False),
    ("push", False),  # webhooks and sockets: above the coordinator they feed
    ("entity/services", False),
    ("platform", False),
    ("top", False),
)
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
SAME_LAYER = {name for name, allowed in LAYERS if allowed}
#: Layers that must stay free of Home Assistant (the neutral side).
NO_HOMEASSISTANT = {"model", "happenings", "vendors"}
_NAMED = {
    "": "top",  # the package's __init__
    "config_flow": "top",
    "application_credentials": "top",
    "diagnostics": "top",
    "entity": "entity/services",
    "services": "entity/services",
    "coordinator": "coordinator",
    "push": "push",
    "const": "helpers",
    "compat": "helpers",
    "model": "model",
    "happenings": "happenings",
    "journal": "journal",
}
PLATFORMS = {platform.value for platform in Platform}


def layer_of(module: str) -> str | None:
    """Return the layer of a module (dotted, relative to the package)."""
    if module == "vendors" or module.startswith("vendors."):
        return "vendors"
    if module in _NAMED:
        return _NAMED[module]
    if module in PLATFORMS:
        return "platform"
    return None


def module_name(path: str) -> tuple[str, bool]:
    """Return the dotted name of a source path and whether it is a package."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _targets(
    module: str, is_package: bool, node: ast.ImportFrom, known: set[str]
) -> list[str]:
    """Return the modules of the package an ``import from`` refers to."""
    if node.level:
        base = module.split(".") if module else []
        if not is_package:
            base = base[:-1]
        base = base[: max(len(base) - node.level + 1, 0)]
        target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
    elif f"{node.module}.".startswith(f"{petsmart_hub.__name__}."):
        target = node.module.removeprefix(petsmart_hub.__name__).lstrip(".")
    else:
        return []
    found = []
    for alias in node.names:
        submodule = f"{target}.{alias.name}".lstrip(".")
        found.append(submodule if submodule in known else target)
    return found


def check_layering(sources: Mapping[str, str]) -> list[str]:
    """Return every import that runs against the layering, as a message.

    ``sources`` maps paths relative to the package (``"vendors/base.py"``) to
    their source text.
    """
    names = {path: module_name(path) for path in sources}
    known = {name for name, _ in names.values()}
    problems: list[str] = []
    for path, source in sorted(sources.items()):
        module, is_package = names[path]
        layer = layer_of(module)
        if layer is None:
            problems.append(
                f"{path}: no layer; add it to the layers in tests/test_layering.py"
            )
            continue
        allowed = sorted(
            {name for name in RANK if RANK[name] < RANK[layer]}
            | ({layer} if layer in SAME_LAYER else set()),
            key=RANK.__getitem__,
        )
        for node in ast.walk(ast.parse(source, filename=path)):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
                targets = [
                    name.removeprefix(petsmart_hub.__name__).lstrip(".")
                    for name in imported
                    if f"{name}.".startswith(f"{petsmart_hub.__name__}.")
                ]
            elif isinstance(node, ast.ImportFrom):
                imported = [node.module or ""] if not node.level else []
                targets = _targets(module, is_package, node, known)
            else:
                continue
            if layer in NO_HOMEASSISTANT:
                problems.extend(
                    f"{path}:{node.lineno} imports {name}: "
                    f"the {layer} layer stays free of Home Assistant"
                    for name in imported
                    if name.split(".")[0] == "homeassistant"
                )
            for target in targets:
                target_layer = layer_of(target)
                if target == module or target_layer in allowed:
                    continue
                problems.append(
                    f"{path}:{node.lineno} imports {target or '__init__'} "
                    f"(layer {target_layer}), but the {layer} layer may import "
                    f"only {', '.join(allowed) or 'nothing of the package'}"
                )
    return problems


def _package_sources() -> dict[str, str]:
    return {
        path.relative_to(PACKAGE).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_imports_run_downward() -> None:
    """Every module of the integration has a layer and imports only below it."""
    sources = _package_sources()
    assert {"model.py", "vendors/base.py", "coordinator.py", "sensor.py"} <= set(
        sources
    )
    problems = check_layering(sources)
    assert not problems, "imports against the layering:\n" + "\n".join(problems)


def test_every_layer_is_populated() -> None:
    """The checker sees each layer, so a renamed module cannot slip out of it."""
    layers = {layer_of(module_name(path)[0]) for path in _package_sources()}
    assert layers == set(RANK)


def test_the_checker_catches_violations() -> None:
    """A synthetic package with one violation of each rule."""
    sources = {
        "__init__.py": "from .coordinator import Coordinator\n",
        "model.py": "from .const import DOMAIN\n",
        "const.py": "DOMAIN = 'x'\n",
        "vendors/__init__.py": "from .client import Client\n",
        "vendors/client.py": (
            "from homeassistant.core import HomeAssistant\n"
            "from ..model import Device\n"
            "from ..coordinator import Coordinator\n"
        ),
        "coordinator.py": (
            "from . import const\n"
            "from .vendors import Client\n"
            "def late():\n"
            "    from .sensor import SENSORS\n"
        ),
        "entity.py": "from custom_components.petsmart_hub.switch import Switch\n",
        "services.py": "from .entity import Entity\n",
        "sensor.py": "from .entity import Entity\nfrom .switch import Switch\n",
        "switch.py": "import custom_components.petsmart_hub.model\n",
        "helpers_of_mine.py": "",
    }

    problems = check_layering(sources)

    assert problems == [
        "coordinator.py:4 imports sensor (layer platform), but the coordinator "
        "layer may import only model, happenings, vendors, helpers, journal",
        "entity.py:1 imports switch (layer platform), but the entity/services "
        "layer may import only model, happenings, vendors, helpers, journal, "
        "coordinator, push",
        "helpers_of_mine.py: no layer; add it to the layers in tests/test_layering.py",
        "model.py:1 imports const (layer helpers), but the model layer may import "
        "only nothing of the package",
        "sensor.py:2 imports switch (layer platform), but the platform layer may "
        "import only model, happenings, vendors, helpers, journal, coordinator, "
        "push, entity/services",
        "services.py:1 imports entity (layer entity/services), but the "
        "entity/services layer may import only model, happenings, vendors, "
        "helpers, journal, coordinator, push",
        "vendors/client.py:1 imports homeassistant.core: the vendors layer stays "
        "free of Home Assistant",
        "vendors/client.py:3 imports coordinator (layer coordinator), but the "
        "vendors layer may import only model, happenings, vendors",
    ]


def test_the_checker_passes_a_layered_package() -> None:
    """Downward imports, relative or absolute, at any depth, are accepted."""
    sources = {
        "__init__.py": "from .coordinator import C\nfrom .services import setup\n",
        "model.py": "import math\n",
        "vendors/__init__.py": "from .netro import Account\nfrom . import base\n",
        "vendors/base.py": "from ..model import Device\n",
        "vendors/netro/__init__.py": "from .client import Account\n",
        "vendors/netro/client.py": (
            "from ...model import Device\nfrom ..base import Base\n"
            "from custom_components.petsmart_hub.vendors import base\n"
        ),
        "const.py": "from .model import DeviceKind\n",
        "compat.py": "from .const import DOMAIN\nfrom homeassistant import const\n",
        "coordinator.py": "from .compat import x\nfrom .vendors.netro import A\n",
        "entity.py": "from .coordinator import C\n",
        "services.py": "from .coordinator import C\n",
        "camera.py": "from .entity import E\nfrom .const import LOGGER\n",
        "config_flow.py": "from .coordinator import C\nfrom .vendors import base\n",
    }

    assert check_layering(sources) == []
