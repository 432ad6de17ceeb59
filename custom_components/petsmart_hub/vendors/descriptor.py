"""What the integration knows of a vendor: one frozen descriptor per vendor.

Every vendor package exports a ``DESCRIPTOR``; ``registry.py`` lists them.
The config flow, the options, the unique ids, setup and the migration read
only this, so adding a vendor touches its package, its simulator, the
strings and one line of the registry. Nothing here imports Home Assistant:
an OAuth2 vendor is handed a token getter, not HA's session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
import hashlib
from typing import Any, Final, Protocol

import aiohttp

from ..model import OPTION_DEFAULTS, OPTION_RANGES
from .base import VendorAccount


class SignIn(StrEnum):
    """How a user signs in to a vendor's cloud."""

    #: An API key of the account (OneNata).
    API_KEY = "api_key"
    #: A key that is one device: its serial (Netro). Another key is another device.
    DEVICE_KEY = "device_key"
    #: OAuth2 authorization code through HA's application credentials (Netatmo).
    OAUTH2 = "oauth2"
    #: A client id and secret traded for a token (Instathings).
    CLIENT_CREDENTIALS = "client_credentials"
    #: A user access token (Ninja Blocks).
    ACCESS_TOKEN = "access_token"  # noqa: S105 - a kind of sign-in, not a secret


class Push(StrEnum):
    """How a vendor's cloud tells us of changes between polls."""

    NONE = "none"
    #: It calls a webhook URL we register with it.
    WEBHOOK = "webhook"
    #: We open a socket to it.
    SOCKET = "socket"


@dataclass(frozen=True, slots=True)
class Credential:
    """One field of a sign-in form, as stored in the entry's data."""

    key: str
    secret: bool = True


#: The option that lets our callbacks replace another app's (a vendor with
#: ``push_takeover``; off unless the user turns it on).
OPT_TAKE_OVER: Final = "take_over_callbacks"

#: The fields each sign-in kind asks for (OAuth2: none, HA's steps sign in).
CREDENTIALS: Final[dict[SignIn, tuple[Credential, ...]]] = {
    SignIn.API_KEY: (Credential("api_key"),),
    SignIn.DEVICE_KEY: (Credential("api_key"),),
    SignIn.ACCESS_TOKEN: (Credential("access_token"),),
    SignIn.CLIENT_CREDENTIALS: (
        Credential("client_id", secret=False),
        Credential("client_secret"),
    ),
    SignIn.OAUTH2: (),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class OptionSpec:
    """A whole-number option of a vendor's accounts."""

    key: str
    default: int
    low: int
    high: int
    unit: str | None = None


def option(key: str, default: int | None = None) -> OptionSpec:
    """An option whose range is the one of the action it feeds (``OPTION_RANGES``).

    Its default is the neutral one (``OPTION_DEFAULTS``) unless given.
    """
    limit = OPTION_RANGES[key]
    return OptionSpec(
        key=key,
        default=OPTION_DEFAULTS[key] if default is None else default,
        low=int(limit.low),
        high=int(limit.high),
        unit=limit.unit,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class OAuth2Endpoints:
    """Where an OAuth2 vendor authorizes and hands out tokens, and what it asks for."""

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...] = ()
    #: Where a user makes their own app (client id and secret).
    apps_url: str | None = None


class TokenGetter(Protocol):
    """Hands an OAuth2 account a valid access token."""

    async def __call__(self, *, refresh: bool = False) -> str:
        """A valid access token; ``refresh``: a new one even if this one looks valid.

        (A cloud may end a token before its time: the account asks again
        with ``refresh=True`` once.) Raises AuthError when the cloud refuses
        the refresh token, CannotConnectError when it cannot be reached.
        """
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class AccountContext:
    """What an account factory is given to open an account."""

    session: aiohttp.ClientSession
    #: The sign-in fields (``CREDENTIALS`` of the vendor's kind), stripped.
    credentials: Mapping[str, str]
    #: The API base URL (the vendor's default unless the user changed it).
    base_url: str | None
    options: Mapping[str, Any]
    #: OAuth2 only: returns a valid access token, refreshing it when needed.
    token: TokenGetter | None = None
    #: OAuth2 only: the user's app's client secret (a cloud that signs its
    #: webhook calls with it lets the account check them).
    client_secret: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class VendorDescriptor:
    """Everything the integration needs to know of one vendor."""

    #: The config entry's ``vendor``, the flow's menu option and step id.
    key: str
    title: str
    sign_in: SignIn
    #: The API base URL; None: the vendor has no user-changeable URL (or,
    #: with ``url_asked``, no default one).
    default_url: str | None
    factory: Callable[[AccountContext], VendorAccount]
    options: tuple[OptionSpec, ...] = ()
    #: Everything this vendor's devices may offer (each device says what it does).
    capabilities: frozenset[str] = frozenset()
    push: Push = Push.NONE
    #: How often to poll while push works (the vendor's safety net).
    push_safety_net: timedelta = timedelta(minutes=15)
    oauth2: OAuth2Endpoints | None = None
    #: The cloud keeps one callback per device, which another app may hold:
    #: the options ask whether ours may replace it (``OPT_TAKE_OVER``).
    push_takeover: bool = False
    #: The user's own API URL (a project's, a local gateway's) is the sign-in
    #: form's first field, not a default folded away under advanced.
    url_asked: bool = False
    #: Version 1 device ids this vendor renamed: (old id, key) -> new id.
    migrate_device_id: Callable[[str, str], str] | None = None

    def __post_init__(self) -> None:
        """An OAuth2 vendor must say where to authorize (and only it)."""
        if (self.sign_in is SignIn.OAUTH2) != (self.oauth2 is not None):
            raise ValueError(f"{self.key}: OAuth2 endpoints go with OAuth2 sign-in")

    @property
    def credentials(self) -> tuple[Credential, ...]:
        """The fields the sign-in form asks for."""
        return CREDENTIALS[self.sign_in]

    @property
    def key_is_device(self) -> bool:
        """Whether a key is one device (another key is another device)."""
        return self.sign_in is SignIn.DEVICE_KEY

    def identity(self, credentials: Mapping[str, str]) -> str | None:
        """The credential that names the account (None: the account tells)."""
        fields = self.credentials
        if not fields:
            return None
        # a client id names its client; otherwise the (single) secret does
        named = [field for field in fields if not field.secret] or list(fields)
        return str(credentials.get(named[0].key, ""))

    def unique_id(self, credentials: Mapping[str, str], account_id: str | None) -> str:
        """The entry's unique id: the account's own id, else its credential's hash."""
        if account_id:
            return f"{self.key}_{account_id}"
        identity = self.identity(credentials)
        if identity is None:
            raise ValueError(f"{self.key}: the account did not say who it is")
        return account_unique_id(self.key, identity)

    def device_id_after_v1(self, old: str, key: str) -> str:
        """The version 2 id of a device version 1 called ``old`` (most are kept)."""
        return (
            old if self.migrate_device_id is None else self.migrate_device_id(old, key)
        )


def account_unique_id(vendor: str, key: str) -> str:
    """A stable id of an account that tells nothing of its key.

    A hash of the key: the same key is the same account (a Netro key, the
    device's serial, is the device), and no id ever holds a secret.
    """
    digest = hashlib.sha256(f"{vendor}:{key}".encode()).hexdigest()
    return f"{vendor}_{digest[:32]}"
