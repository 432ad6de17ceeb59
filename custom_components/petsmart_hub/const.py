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

VENDOR_ONENATA: Final = "onenata"
VENDOR_NETRO: Final = "netro"
#: Vendors offered by the config flow, in the order shown.
IMPLEMENTED_VENDORS: Final = (VENDOR_ONENATA, VENDOR_NETRO)

ONENATA_DEFAULT_BASE_URL: Final = "https://api.onenata.com/v1"
NETRO_DEFAULT_BASE_URL: Final = "https://api.netrohome.com/npa/v1"

# Options
OPT_SCAN_INTERVAL: Final = "scan_interval"
OPT_SLOW_SCAN_INTERVAL: Final = "slow_scan_interval"
OPT_FEED_AMOUNT: Final = "feed_amount"
OPT_PUMP_DURATION: Final = "pump_duration"
OPT_PLAY_DURATION: Final = "play_duration"
OPT_ZONE_DURATION: Final = "zone_duration"
OPT_IDLE_STATUS_INTERVAL: Final = "idle_status_interval"
OPT_RESERVE: Final = "reserve"

DEFAULT_SCAN_INTERVAL: Final = 60  # seconds: status of every device, tracker location
DEFAULT_SLOW_SCAN_INTERVAL: Final = 15  # minutes: levels, quality, statistics
DEFAULT_FEED_AMOUNT: Final = 50  # grams
DEFAULT_PUMP_DURATION: Final = 30  # minutes
DEFAULT_PLAY_DURATION: Final = 600  # seconds
DEFAULT_ZONE_DURATION: Final = 10  # minutes a zone switch waters
DEFAULT_IDLE_STATUS_INTERVAL: Final = 6  # minutes between Netro status calls when idle
DEFAULT_RESERVE: Final = 100  # Netro calls kept for the user's actions

MIN_SCAN_INTERVAL: Final = 30
MAX_SCAN_INTERVAL: Final = 3600
MIN_SLOW_SCAN_INTERVAL: Final = 5
MAX_SLOW_SCAN_INTERVAL: Final = 24 * 60

#: Concurrent requests one account refresh may have in flight.
MAX_CONCURRENT_REQUESTS: Final = 4
#: How long before a camera stream URL expires we fetch a new one.
STREAM_REFRESH_MARGIN: Final = timedelta(seconds=60)
