"""Constants for the PetSmart Hub integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "petsmart_hub"
LOGGER = logging.getLogger(__package__)

CONF_VENDOR: Final = "vendor"
CONF_API_KEY: Final = "api_key"
CONF_BASE_URL: Final = "base_url"
CONF_ADVANCED: Final = "advanced"

# Vendors, their titles and API URLs: vendors/registry.py and each vendor's
# descriptor (vendors/<vendor>/__init__.py).

# Options (no polling interval: the vendor's plan decides, as HA core's rule
# has it; users have homeassistant.update_entity)
OPT_FEED_AMOUNT: Final = "feed_amount"
OPT_PUMP_DURATION: Final = "pump_duration"
OPT_PLAY_DURATION: Final = "play_duration"
OPT_ZONE_DURATION: Final = "zone_duration"
OPT_RESERVE: Final = "reserve"
#: Minutes after a meal's time before it counts as missed.
OPT_MISSED_MEAL_GRACE: Final = "missed_meal_grace"
#: Options of earlier versions, dropped when an entry is migrated.
REMOVED_OPTIONS: Final = frozenset(
    {"scan_interval", "slow_scan_interval", "idle_status_interval"}
)

#: How often an account is polled (seconds) unless its own plan says when
#: (Netro's budget). A vendor reads slow-changing data less often itself.
SCAN_INTERVAL: Final = 60
# Option defaults: model.OPTION_DEFAULTS and the vendors' descriptors.

#: How long before a camera stream URL expires we fetch a new one.
STREAM_REFRESH_MARGIN: Final = timedelta(seconds=60)
