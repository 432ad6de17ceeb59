"""A real Home Assistant next to the vendor cloud simulators.

Shared by the one-command demo (`scripts/demo`) and the end-to-end tests
(`tests/e2e/`): start the simulators, start `hass` with a fresh configuration
directory that links `custom_components/petsmart_hub` in, finish onboarding and
add the vendor accounts through Home Assistant's own HTTP API, and drive a
headless Chromium over the DevTools protocol.
"""
