"""The vendor descriptor and the registry: what they promise on their own."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from custom_components.petsmart_hub.vendors import registry
from custom_components.petsmart_hub.vendors.descriptor import (
    OAuth2Endpoints,
    SignIn,
    VendorDescriptor,
    account_unique_id,
    option,
)

from ..signin import DESCRIPTORS


def _descriptor(sign_in: SignIn, **extra: Any) -> VendorDescriptor:
    return VendorDescriptor(
        key="x",
        title="X",
        sign_in=sign_in,
        default_url=None,
        factory=lambda context: None,  # type: ignore[arg-type,return-value]
        **extra,
    )


def test_oauth2_endpoints_go_with_oauth2_sign_in() -> None:
    endpoints = OAuth2Endpoints(authorize_url="a", token_url="t")
    with pytest.raises(ValueError, match="OAuth2 endpoints"):
        _descriptor(SignIn.OAUTH2)
    with pytest.raises(ValueError, match="OAuth2 endpoints"):
        _descriptor(SignIn.API_KEY, oauth2=endpoints)
    assert _descriptor(SignIn.OAUTH2, oauth2=endpoints).credentials == ()


@pytest.mark.parametrize(
    ("sign_in", "credentials", "identity"),
    [
        (SignIn.API_KEY, {"api_key": "KEY-1234"}, "KEY-1234"),
        (SignIn.DEVICE_KEY, {"api_key": "SERIAL-99"}, "SERIAL-99"),
        (SignIn.ACCESS_TOKEN, {"access_token": "TOKEN-77"}, "TOKEN-77"),
        # the client id names its client, never the secret
        (
            SignIn.CLIENT_CREDENTIALS,
            {"client_id": "CLIENT-5", "client_secret": "SECRET-6"},
            "CLIENT-5",
        ),
        (SignIn.OAUTH2, {}, None),
    ],
)
def test_identity_and_unique_id(
    sign_in: SignIn, credentials: dict[str, str], identity: str | None
) -> None:
    descriptor = DESCRIPTORS[f"fake_{sign_in.value}"]
    assert descriptor.identity(credentials) == identity
    assert descriptor.key_is_device is (sign_in is SignIn.DEVICE_KEY)
    assert descriptor.unique_id(credentials, "acct") == f"{descriptor.key}_acct"
    if identity is None:
        with pytest.raises(ValueError, match="did not say who it is"):
            descriptor.unique_id(credentials, None)
    else:
        unique_id = descriptor.unique_id(credentials, None)
        assert unique_id == account_unique_id(descriptor.key, identity)
        assert identity not in unique_id


def test_device_ids_after_version_1() -> None:
    plain = _descriptor(SignIn.API_KEY)
    assert plain.device_id_after_v1("feeder_1", "key") == "feeder_1"
    renaming = _descriptor(
        SignIn.DEVICE_KEY, migrate_device_id=lambda old, key: old.replace(key, "d")
    )
    assert renaming.device_id_after_v1("SERIAL", "SERIAL") == "d"


def test_an_option_takes_its_range_and_default_from_the_table() -> None:
    feed = option("feed_amount")
    assert (feed.low, feed.high, feed.unit, feed.default) == (1, 500, "g", 50)
    assert option("feed_amount", 20).default == 20


def test_the_registry_lists_every_vendor_package_in_order() -> None:
    assert list(registry.VENDORS) == list(registry.VENDOR_PACKAGES)
    assert len(registry.VENDORS) == len(registry.VENDOR_PACKAGES)
    # a vendor's key is its package's name
    assert all(registry.VENDORS[key].key == key for key in registry.VENDOR_PACKAGES)
    assert "nobody" not in registry.VENDORS
    with pytest.raises(KeyError):
        registry.VENDORS["nobody"]


def test_the_registry_takes_and_drops_vendors_of_a_test() -> None:
    vendors = registry.Vendors(["onenata"])
    netro = registry.VENDORS["netro"]
    vendors["netro"] = netro
    assert list(vendors) == ["onenata", "netro"]
    assert vendors.loaded() == ["netro"]
    del vendors["onenata"]
    assert list(vendors) == ["netro"] and vendors["netro"] is netro
    with pytest.raises(KeyError):
        del vendors["onenata"]


def test_the_registry_refuses_a_package_without_a_descriptor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        registry.importlib,
        "import_module",
        lambda name: SimpleNamespace(DESCRIPTOR="not one"),
    )
    with pytest.raises(TypeError, match="no VendorDescriptor"):
        registry._load("broken")
