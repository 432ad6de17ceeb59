"""model.LIMITS is the one table of ranges: services.yaml and the options agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from custom_components.petsmart_hub import const, services
from custom_components.petsmart_hub.const import DOMAIN
from custom_components.petsmart_hub.model import (
    LIMITS,
    OPTION_RANGES,
    Action,
    Limit,
    Range,
)
from custom_components.petsmart_hub.vendors.registry import VENDORS

COMPONENT = Path(services.__file__).parent
STRINGS = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))
SERVICES_YAML: dict[str, Any] = yaml.safe_load(
    (COMPONENT / "services.yaml").read_text("utf-8")
)


def _limit(service: str, field: str) -> Limit | None:
    action = Action(service) if service in set(Action) else None
    return LIMITS.of(action, field)


def _selectors() -> dict[tuple[str, str], dict[str, Any]]:
    """(service, field) -> selector of every number and select in services.yaml."""
    return {
        (service, field): spec["selector"]
        for service, service_spec in SERVICES_YAML.items()
        for field, spec in service_spec["fields"].items()
        if {"number", "select"} & set(spec["selector"])
    }


def test_services_yaml_numbers_and_choices_are_the_table() -> None:
    """Every number selector's min/max/unit and every select's options."""
    selectors = _selectors()
    assert len(selectors) >= 30
    for (service, field), selector in selectors.items():
        limit = _limit(service, field)
        if "number" in selector:
            number = selector["number"]
            assert isinstance(limit, Range), (service, field)
            assert (number["min"], number["max"]) == (limit.low, limit.high), (
                service,
                field,
            )
            assert number.get("unit_of_measurement") == limit.unit, (service, field)
        else:
            options = selector["select"]["options"]
            assert isinstance(limit, tuple), (service, field)
            assert options == list(limit), (service, field)
            translated = STRINGS["selector"][selector["select"]["translation_key"]]
            assert set(translated["options"]) == set(options), (service, field)


def test_every_limit_of_the_table_is_in_services_yaml() -> None:
    """And the other way round: the table has nothing services.yaml lacks."""
    selectors = _selectors()
    for field in LIMITS.fields:
        assert any(name == field for _, name in selectors), field
    for action, own in LIMITS.actions.items():
        for field in own:
            assert (action.value, field) in selectors, (action, field)


#: Actions that answer for, or change, exactly one device.
SINGLE_DEVICE_SERVICES = (
    "take_photo",
    "get_location_history",
    "get_history",
    "rename_device",
    "add_rf_subdevice",
    "update_rf_subdevice",
    "remove_rf_subdevice",
)


def test_device_selectors() -> None:
    """Devices come from this integration; responders take exactly one."""
    for service, spec in SERVICES_YAML.items():
        for field_spec in spec["fields"].values():
            selector = field_spec["selector"]
            if "device" in selector:
                assert selector["device"]["filter"] == {"integration": DOMAIN}
                assert selector["device"].get("multiple", False) == (
                    service not in SINGLE_DEVICE_SERVICES
                ), service


def test_option_ranges_are_the_table() -> None:
    """The options form shows the table's numbers (and each default fits)."""
    shown = {
        option.key: (option.low, option.high, option.unit)
        for vendor in VENDORS.values()
        for option in vendor.options
    }
    assert set(OPTION_RANGES) == {
        const.OPT_FEED_AMOUNT,
        const.OPT_PUMP_DURATION,
        const.OPT_PLAY_DURATION,
        const.OPT_ZONE_DURATION,
        const.OPT_MISSED_MEAL_GRACE,
    }
    for key, limit in OPTION_RANGES.items():
        assert shown[key] == (limit.low, limit.high, limit.unit), key
    for vendor in VENDORS.values():
        for option in vendor.options:
            assert option.low <= option.default <= option.high, option.key
    # an option sends what the action takes: the same ranges
    assert OPTION_RANGES[const.OPT_FEED_AMOUNT] == LIMITS.fields["amount"]
    for option, action in (
        (const.OPT_PUMP_DURATION, Action.START_PUMP),
        (const.OPT_PLAY_DURATION, Action.START_PLAY),
        (const.OPT_ZONE_DURATION, Action.WATER),
    ):
        assert OPTION_RANGES[option] == LIMITS.actions[action]["duration"]


def test_range_holds_numbers_only() -> None:
    limit = Range(1, 10)
    assert 1 in limit
    assert 10.0 in limit
    assert 0 not in limit
    assert 11 not in limit
    assert True not in limit
    assert "5" not in limit
    assert LIMITS.of(None, "amount") == Range(1, 500, "g")
    assert LIMITS.of(Action.WATER, "duration") == Range(1, 720, "min")
    assert LIMITS.of(Action.FEED, "duration") is None
