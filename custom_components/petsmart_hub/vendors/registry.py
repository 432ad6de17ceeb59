"""The vendors the integration offers: one line per vendor package.

Each package exports its ``DESCRIPTOR`` (see ``descriptor.py``); the config
flow offers them in this order. A package is imported when its descriptor
is first asked for: an account of one vendor never loads the other vendors'
code (half of the integration's), and listing the vendors imports none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
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


class Vendors(MutableMapping[str, VendorDescriptor]):
    """Vendor key (its package's name) -> its descriptor, imported when asked for.

    The first lookup of a vendor imports its package: Home Assistant's side
    makes it in the import executor (``coordinator.async_vendor``), not in
    the event loop. Keys, ``in`` and ``len`` import nothing. It is mutable
    for tests that offer vendors of their own.
    """

    def __init__(self, packages: Iterable[str]) -> None:
        """Offer these packages, in this order."""
        self._keys = list(packages)
        self._descriptors: dict[str, VendorDescriptor] = {}

    def __getitem__(self, key: str) -> VendorDescriptor:
        """The vendor's descriptor, its package imported the first time."""
        descriptor = self._descriptors.get(key)
        if descriptor is None:
            if key not in self._keys:
                raise KeyError(key)
            descriptor = self._descriptors[key] = _load(key)
        return descriptor

    def __setitem__(self, key: str, descriptor: VendorDescriptor) -> None:
        """Offer another vendor (tests), or replace one."""
        if key not in self._keys:
            self._keys.append(key)
        self._descriptors[key] = descriptor

    def __delitem__(self, key: str) -> None:
        """Offer a vendor no more (tests)."""
        if key not in self._keys:
            raise KeyError(key)
        self._keys.remove(key)
        self._descriptors.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        """The vendor keys, in the config flow's order (nothing imported)."""
        return iter(tuple(self._keys))

    def __len__(self) -> int:
        """How many vendors are offered."""
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        """Whether the vendor is offered (nothing imported)."""
        return key in self._keys

    def loaded(self) -> list[str]:
        """The vendors whose packages are imported."""
        return [key for key in self._keys if key in self._descriptors]


#: Vendor key -> its descriptor.
VENDORS: Final = Vendors(VENDOR_PACKAGES)
