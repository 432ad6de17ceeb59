"""The vendors the integration offers: one line per vendor package.

Each package exports its ``DESCRIPTOR`` (see ``descriptor.py``); the config
flow offers them in this order.
"""

from __future__ import annotations

import importlib
from typing import Final

from .descriptor import VendorDescriptor

#: The vendor packages, in the order the config flow offers them.
VENDOR_PACKAGES: Final = ("onenata", "netro", "netatmo", "instathings", "ninjablocks")


def _load(package: str) -> VendorDescriptor:
    descriptor = importlib.import_module(f"{__package__}.{package}").DESCRIPTOR
    if not isinstance(descriptor, VendorDescriptor):
        raise TypeError(f"vendors.{package}.DESCRIPTOR is no VendorDescriptor")
    return descriptor


#: Vendor key -> its descriptor.
VENDORS: Final[dict[str, VendorDescriptor]] = {
    descriptor.key: descriptor for descriptor in map(_load, VENDOR_PACKAGES)
}
