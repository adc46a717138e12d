"""The hall server as the ticket printer sees it: a small httpx client.

    GET  /api/whoami                          who the kiosk token is (its token_id)
    GET  /api/tickets/{id}                    a ticket as its holder sees it
    GET  /api/halls/{hall}/tickets?since_seq=N&issued_by=me
                                              this kiosk's tickets issued after seq N
    POST /api/halls/{hall}/devices/status     the printer's state, for the board
    POST /api/halls/{hall}/devices/heartbeat  alive (every status_interval_s)

Refusals carry the server's own message (`{"error", "message"}`).
"""

from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from websockets.typing import Subprotocol

from .status import PrinterState, Status


class ServerError(Exception):
    """A call to the server failed; the message says how."""


class Unreachable(ServerError):
    """No answer from the server (down, restarting, or the network)."""


class Refused(ServerError):
    """The server answered with an error status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class NotSupported(ServerError):
    """The server has no such endpoint (an older server)."""


def feed_url(server: str, hall: str) -> str:
    """The hall feed's ws:// (wss:// for https) URL under the server's base URL."""
    parts = urlsplit(server)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"the server must be an http:// or https:// URL, not {server!r}")
    path = f"{parts.path.rstrip('/')}/ws/halls/{quote(hall, safe='')}/board"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def feed_subprotocols(token: str) -> list[Subprotocol]:
    """The token rides in the handshake's Sec-WebSocket-Protocol, out of every URL log."""
    return [Subprotocol("yichuang"), Subprotocol(f"bearer.{token}")]


class HallClient:
    """Calls to one server, with one kiosk's token (if any)."""

    def __init__(
        self,
        server: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            base_url=self.server, headers=headers, timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(
                f"{self.server} does not answer: {exc or type(exc).__name__}"
            ) from exc
        if response.is_success:
            return response.json() if response.content else None
        try:
            body = response.json()
            code, message = str(body["error"]), str(body["message"])
        except (ValueError, KeyError, TypeError):
            if response.status_code in (404, 405):
                raise NotSupported(f"{self.server} has no {method} {path}") from None
            code, message = "http_error", response.text[:200]
        raise Refused(response.status_code, code, message)

    async def whoami(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", "/api/whoami")
        return result

    async def ticket(self, ticket_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            "GET", f"/api/tickets/{quote(ticket_id, safe='')}"
        )
        return result

    async def tickets_since(self, hall: str, since_seq: int) -> list[dict[str, Any]]:
        """This kiosk's tickets issued after event `since_seq`, oldest first."""
        result = await self._call(
            "GET",
            f"/api/halls/{quote(hall, safe='')}/tickets",
            params={"since_seq": since_seq, "issued_by": "me"},
        )
        tickets: list[dict[str, Any]] = result["tickets"]
        return tickets

    async def heartbeat(self, hall: str) -> None:
        """This device is alive: the director's console shows when it was last heard."""
        await self._call("POST", f"/api/halls/{quote(hall, safe='')}/devices/heartbeat")

    async def report(self, hall: str, status: Status) -> dict[str, Any]:
        """Tell the server the printer's state (the detail is cut to 200 characters)."""
        body: dict[str, Any] = {"state": status.state.value}
        if status.detail and status.state is not PrinterState.OK:
            body["detail"] = status.detail[:200]
        result: dict[str, Any] = await self._call(
            "POST", f"/api/halls/{quote(hall, safe='')}/devices/status", json=body
        )
        return result
