"""A test-only vendor package: one descriptor per kind of sign-in.

The account is an in-memory cloud, so the tests can prove what the config
flow, setup and the coordinator do with each sign-in kind (OAuth2 through
Home Assistant's own OAuth2 steps) without a vendor of that kind yet. It
honours only the base contract: no camera, tracker or enrolment capability.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from custom_components.petsmart_hub.model import (
    Command,
    CommandResult,
    Device,
    DeviceKind,
)
from custom_components.petsmart_hub.vendors.base import (
    AuthError,
    CannotConnectError,
    DeviceUpdate,
    Inventory,
    Refresh,
    RefreshRequest,
    RequestRejectedError,
    VendorAccount,
)
from custom_components.petsmart_hub.vendors.descriptor import (
    AccountContext,
    OAuth2Endpoints,
    OptionSpec,
    Push,
    SignIn,
    VendorDescriptor,
)
from custom_components.petsmart_hub.vendors.http import RequestGate
from custom_components.petsmart_hub.vendors.parse import ParseReport

#: A credential value the fake cloud rejects, and one it cannot be reached with.
REJECTED = "rejected"
UNREACHABLE = "unreachable"
#: The OAuth2 account the fake cloud says a valid token belongs to.
OAUTH2_USER = "user-4711"
AUTHORIZE_URL = "https://login.example.com/oauth2/authorize"
TOKEN_URL = "https://login.example.com/oauth2/token"
SCOPES = ("read_pets", "write_pets")
FEEDER_ID = "bowl"


class FakeAccount(VendorAccount):
    """An in-memory cloud with one feeder; it remembers how it was opened."""

    vendor = "fake"

    def __init__(self, context: AccountContext, sign_in: SignIn) -> None:
        self.context = context
        self.sign_in = sign_in
        self.report = ParseReport()
        self.gate = RequestGate(cap=100, window=timedelta(minutes=1))
        self.food_level = 42.0
        self.tokens_used: list[str] = []
        self.started = False

    async def _check(self) -> None:
        """What a cloud does with each request: check who asks."""
        if self.sign_in is SignIn.OAUTH2:
            assert self.context.token is not None
            token = await self.context.token()
            self.tokens_used.append(token)
            if token == REJECTED:
                raise AuthError("the token was rejected")
            self.account_id = OAUTH2_USER
            return
        values = set(self.context.credentials.values())
        if REJECTED in values:
            raise AuthError("the credentials were rejected")
        if UNREACHABLE in values:
            raise CannotConnectError("the cloud is down")
        if self.sign_in is SignIn.CLIENT_CREDENTIALS:
            # a project that names itself, as Instathings' devices do
            self.account_id = f"project-{self.context.credentials['client_id']}"

    def feeder(self) -> Device:
        device = Device(
            id=FEEDER_ID,
            kind=DeviceKind.FEEDER,
            name="Fake bowl",
            manufacturer="Fake",
            model="Bowl",
            online=True,
        )
        assert device.feeder is not None
        device.feeder.food_level = self.food_level
        return device

    async def async_identify(self) -> Inventory:
        await self._check()
        return Inventory([self.feeder()])

    async def async_refresh(self, request: RefreshRequest) -> Refresh:
        await self._check()
        device = self.feeder()
        listing = None if request.device_id else Inventory([self.feeder()])
        return Refresh(devices={device.id: device}, listing=listing)

    async def async_start(self, listener: Any) -> None:
        await super().async_start(listener)
        self.started = True

    async def async_stop(self) -> None:
        await super().async_stop()
        self.started = False

    def push_level(self, level: float, at: Any = None) -> None:
        """The cloud tells of a new food level between refreshes."""
        self.food_level = level
        self.publish(DeviceUpdate(self.feeder(), at))

    async def async_execute(self, device: Device, command: Command) -> CommandResult:
        raise RequestRejectedError("the fake cloud takes no commands")


#: Every account a descriptor below opened, newest last.
OPENED: list[FakeAccount] = []


def _factory(sign_in: SignIn) -> Any:
    def open_account(context: AccountContext) -> VendorAccount:
        account = FakeAccount(context, sign_in)
        OPENED.append(account)
        return account

    return open_account


def descriptor(sign_in: SignIn) -> VendorDescriptor:
    """A test vendor signing in with ``sign_in``."""
    oauth2 = sign_in is SignIn.OAUTH2
    return VendorDescriptor(
        key=f"fake_{sign_in.value}",
        title=f"Fake {sign_in.value}",
        sign_in=sign_in,
        default_url=None if oauth2 else "https://api.fake.example/v1",
        factory=_factory(sign_in),
        options=(OptionSpec(key="feed_amount", default=5, low=1, high=9, unit="g"),),
        push=Push.NONE,
        oauth2=OAuth2Endpoints(
            authorize_url=AUTHORIZE_URL, token_url=TOKEN_URL, scopes=SCOPES
        )
        if oauth2
        else None,
    )


#: One test vendor per kind of sign-in.
DESCRIPTORS: dict[str, VendorDescriptor] = {
    d.key: d for d in (descriptor(sign_in) for sign_in in SignIn)
}
