"""Vendor clouds: HTTP clients, parsing and mapping onto the neutral model.

Nothing in this package imports Home Assistant. ``registry.VENDORS`` holds
one descriptor per vendor; ``descriptor.py`` says what a descriptor is.
"""
