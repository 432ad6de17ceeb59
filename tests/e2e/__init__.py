"""End-to-end tests: the simulators and a real `hass` process, over HTTP."""
