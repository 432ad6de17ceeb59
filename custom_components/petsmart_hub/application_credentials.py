"""Application credentials: the user's own OAuth2 app of an OAuth2 vendor (Netatmo).

Home Assistant keeps the app's client id and secret (Settings → Devices &
services → Application credentials) and runs the OAuth2 steps against the
authorization server given here. The server is the OAuth2 vendor's own, as
its descriptor says; an account moved to another API URL authorizes there
(``coordinator.rebased_implementation``).
"""

from __future__ import annotations

from homeassistant.components.application_credentials import AuthorizationServer
from homeassistant.core import HomeAssistant

from .vendors.descriptor import OAuth2Endpoints, SignIn
from .vendors.registry import VENDORS


async def _async_endpoints(hass: HomeAssistant) -> OAuth2Endpoints:
    """The OAuth2 vendor's endpoints.

    Application credentials belong to a domain, not to one of its vendors:
    Netatmo is our one OAuth2 vendor (a second one would bring its own
    implementation through ``async_get_auth_implementation``). Finding it
    imports every vendor's package, in the import executor.
    """
    descriptors = await hass.async_add_import_executor_job(list, VENDORS.values())
    return next(
        descriptor.oauth2
        for descriptor in descriptors
        if descriptor.sign_in is SignIn.OAUTH2 and descriptor.oauth2 is not None
    )


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Where the user's app authorizes and gets its tokens."""
    endpoints = await _async_endpoints(hass)
    return AuthorizationServer(
        authorize_url=endpoints.authorize_url, token_url=endpoints.token_url
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Where the user makes an app, for the credentials form's description."""
    return {
        "apps_url": (await _async_endpoints(hass)).apps_url or "",
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }
