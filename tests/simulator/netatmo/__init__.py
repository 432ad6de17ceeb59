"""Tests of the Netatmo simulator, plus a small client for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from .. import Reply

T0 = datetime(2024, 6, 15, 10, 0, tzinfo=UTC)
HOME = "5e1d00000000000000000001"
HOME2 = "5e1d00000000000000000002"
CAM = "70:ee:50:01:01:01"  # NACamera "Pet cam"
NOC = "70:ee:50:01:02:01"  # "Garden"
NDB = "70:ee:50:01:03:01"  # "Front door"
NLG = "70:ee:50:01:09:01"  # "Gateway"
CAM2 = "70:ee:50:02:01:01"  # Home 2's NACamera
STATION = "70:ee:50:bb:00:01"
OUTDOOR = "02:00:00:bb:00:01"
PET_ROOM = "03:00:00:bb:00:01"
COACH = "70:ee:50:cc:00:01"
USER = "5c8100000000000000000001"
MOVIE_NIGHT = "5f1c00000000000000000001"
KEEP = object()  # "use the client's own token"


@dataclass
class Netatmo:
    """Talks to a running Netatmo simulator the way a client would."""

    session: ClientSession
    url: str  # server root, e.g. http://127.0.0.1:54321
    token: str | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        token: Any = KEEP,
        headers: Mapping[str, str] | None = None,
        give_up: float | None = None,
    ) -> Reply:
        """Send a request; `path` is below the server root unless a full URL.

        `give_up` is the client's own timeout in seconds.
        """
        url = path if path.startswith("http") else f"{self.url}{path}"
        sent = dict(headers or {})
        bearer = self.token if token is KEEP else token
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        async with self.session.request(
            method,
            url,
            params=params,
            data=data,
            json=json,
            headers=sent,
            allow_redirects=False,
            timeout=ClientTimeout(total=give_up) if give_up else None,
        ) as response:
            return Reply(
                response.status,
                response.content_type,
                dict(response.headers),
                await response.read(),
            )

    async def get(self, name: str, **params: str) -> Reply:
        """GET /api/<name> with query parameters."""
        return await self.request("GET", f"/api/{name}", params=params or None)

    async def body(self, name: str, **params: str) -> Any:
        """GET /api/<name> and return the body of the (real) success envelope."""
        reply = await self.get(name, **params)
        assert reply.status == 200, reply.raw
        payload = reply.body
        assert payload["status"] == "ok", payload
        return payload["body"]

    async def setstate(self, home_id: str, *modules: dict[str, Any]) -> Reply:
        """POST /api/setstate for some modules of a home."""
        return await self.request(
            "POST",
            "/api/setstate",
            json={"home": {"id": home_id, "modules": list(modules)}},
        )


def error_of(reply: Reply) -> tuple[int, int]:
    """(HTTP status, Netatmo code) of an error answer."""
    payload = reply.body
    assert set(payload) == {"error"}, payload
    assert set(payload["error"]) == {"code", "message"}
    return reply.status, payload["error"]["code"]
