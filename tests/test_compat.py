"""The compatibility helpers: both branches on whichever Home Assistant runs.

The integration tests exercise the branch of the running release against the
real device registry; here each helper is pinned, on a stand-in registry, to
the API it must call on either side of the HA 2026.8 change, so both
branches are covered in both test runs.
"""

from __future__ import annotations

import importlib
from pathlib import Path
import subprocess
import sys
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
import voluptuous as vol

from custom_components.petsmart_hub import compat
from custom_components.petsmart_hub.const import DOMAIN
from homeassistant.components import binary_sensor, camera, device_tracker
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.helpers import config_validation as cv

ENTRY_ID = "entry_a"
IDENTIFIER = (DOMAIN, "netro_CTRL00000001")


@pytest.fixture(params=[False, True], ids=["ha2025.4", "ha2026.10"])
def newer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run a test as on HA 2025.4 (False) and as on HA 2026.10 (True)."""
    monkeypatch.setattr(compat, "SINGLE_ENTRY_DEVICES", request.param)
    return bool(request.param)


def _device(device_id: str = "device_1", *entries: str) -> SimpleNamespace:
    entries = entries or (ENTRY_ID,)
    return SimpleNamespace(
        id=device_id, config_entry_id=entries[0], config_entries=set(entries)
    )


_IMPORT_ALL = """
import importlib, logging, pkgutil
logging.basicConfig(level=logging.WARNING, format="%(message)s")
import custom_components.petsmart_hub as package
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
"""


def test_importing_uses_no_deprecated_name() -> None:
    """No module of ours imports a name the running release deprecates.

    Home Assistant logs such use (a moved class, a renamed constant, an
    overridden deprecated property) when the module is imported, usually while
    pytest collects the tests and before any fixture could notice: import
    them afresh in a child process and read what it logs.
    """
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    reports = [
        line
        for line in result.stderr.splitlines()
        if "petsmart_hub" in line and "deprecated" in line.lower()
    ]
    assert not reports


def test_feature_detection_matches_the_running_release() -> None:
    """The flags follow the release the suite runs on."""
    running = (MAJOR_VERSION, MINOR_VERSION)
    if running < (2026, 8):
        assert not compat.SINGLE_ENTRY_DEVICES
    if running >= (2026, 10):
        assert compat.SINGLE_ENTRY_DEVICES


def test_moved_names_come_from_the_platform_packages() -> None:
    """Names that moved between modules are Home Assistant's own classes."""
    assert compat.CameraEntityFeature is camera.CameraEntityFeature
    assert compat.TrackerEntity is device_tracker.TrackerEntity
    assert compat.TrackerEntityDescription is device_tracker.TrackerEntityDescription
    assert compat.BinarySensorDeviceClass is binary_sensor.BinarySensorDeviceClass
    assert "__getattr__" not in vars(compat)
    if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10):  # where the removal note points
        assert {
            compat.BinarySensorDeviceClass.__module__,
            compat.CameraEntityFeature.__module__,
            compat.TrackerEntity.__module__,
            compat.TrackerEntityDescription.__module__,
        } == {
            "homeassistant.components.binary_sensor.const",
            "homeassistant.components.camera.const",
            "homeassistant.components.device_tracker.entity",
        }


def test_voluptuous_is_what_the_type_checker_sees() -> None:
    """``import voluptuous`` gives the schema library Home Assistant validates with.

    From HA 2026.10 that is probatio, which is what ``typings/voluptuous`` tells
    the type checker; HA 2025.4 has no probatio and validates with voluptuous.
    """
    assert vol.Schema is type(cv.PLATFORM_SCHEMA)
    if (MAJOR_VERSION, MINOR_VERSION) < (2026, 10):
        return
    probatio = importlib.import_module("probatio")
    assert vol.Schema is probatio.Schema
    assert set(vol.__all__) <= set(probatio.__all__)


def test_entry_device_by_identifier(newer: bool) -> None:
    """One entry's device with an identifier, through the API of the release."""
    registry = MagicMock()
    device = _device()
    registry.async_get_device_by_identifier.return_value = device
    registry.async_get_device.return_value = device

    assert compat.async_get_entry_device(registry, ENTRY_ID, IDENTIFIER) is device

    if newer:
        registry.async_get_device_by_identifier.assert_called_once_with(
            IDENTIFIER, ENTRY_ID
        )
        registry.async_get_device.assert_not_called()
    else:
        registry.async_get_device.assert_called_once_with(identifiers={IDENTIFIER})
        registry.async_get_device_by_identifier.assert_not_called()


def test_entry_device_of_another_entry_is_not_ours() -> None:
    """Before 2026.8 the identifier lookup is global: another entry's device is no match."""
    registry = MagicMock()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compat, "SINGLE_ENTRY_DEVICES", False)
        registry.async_get_device.return_value = _device("device_2", "entry_b")
        assert compat.async_get_entry_device(registry, ENTRY_ID, IDENTIFIER) is None
        registry.async_get_device.return_value = None
        assert compat.async_get_entry_device(registry, ENTRY_ID, IDENTIFIER) is None
        shared = _device("device_3", "entry_b", ENTRY_ID)
        registry.async_get_device.return_value = shared
        assert compat.async_get_entry_device(registry, ENTRY_ID, IDENTIFIER) is shared


def test_config_entry_ids(newer: bool) -> None:
    """The entries of a device, without the property 2026.8 deprecated."""
    device = MagicMock()
    device.config_entry_id = ENTRY_ID
    device.config_entries = {ENTRY_ID, "entry_b"}

    ids = compat.device_config_entry_ids(device)

    assert ids == ({ENTRY_ID} if newer else {ENTRY_ID, "entry_b"})


def test_via_device_info(newer: bool) -> None:
    """A registered parent is linked by id from 2026.8, by identifier before."""
    registry = MagicMock()
    parent = _device("controller_1")
    registry.async_get_device_by_identifier.return_value = parent
    registry.async_get_device.return_value = parent

    info = compat.via_device_info(registry, ENTRY_ID, IDENTIFIER)

    assert info == (
        {"via_device_id": "controller_1"} if newer else {"via_device": IDENTIFIER}
    )


def test_via_device_info_without_parent(newer: bool) -> None:
    """No registered parent, no link (instead of a warning or an error)."""
    registry = MagicMock()
    registry.async_get_device_by_identifier.return_value = None
    registry.async_get_device.return_value = None

    assert compat.via_device_info(registry, ENTRY_ID, IDENTIFIER) == {}


def test_remove_entry_device(newer: bool) -> None:
    """A device leaves the entry: removed from 2026.8, detached before."""
    registry = MagicMock()
    device = _device()

    compat.async_remove_entry_device(registry, device, ENTRY_ID)

    if newer:
        registry.async_remove_device.assert_called_once_with("device_1")
        registry.async_update_device.assert_not_called()
    else:
        registry.async_update_device.assert_called_once_with(
            "device_1", remove_config_entry_id=ENTRY_ID
        )
        registry.async_remove_device.assert_not_called()
