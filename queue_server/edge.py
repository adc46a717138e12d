"""The HTTP edge: what every request meets before a route, and what leaves the process.

- `Guard`, a pure ASGI middleware: refuses a body over the limit while it
  streams in (a declared Content-Length at once, a chunked body at the first
  byte past the limit, so no route ever holds more than the limit), a body
  that stalls, and a state-changing request whose body is not JSON (a
  cross-site form or `text/plain` POST needs no CORS preflight; JSON does);
  stamps `X-Content-Type-Options: nosniff` on every answer and
  `Cache-Control: no-store` on every API answer (several carry a booker's
  name or a ticket's private id).
- `header_timeout_protocol`: uvicorn's HTTP protocol with a deadline for a
  request's headers, so a connection that never finishes its request is closed.
- `Redact`: the log filter that keeps bearer tokens and the ids that act as a
  holder's key (ticket ids, booking codes) out of uvicorn's log lines.
"""

import asyncio
import logging
import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .errors import (
    BadCharacters,
    BadJson,
    BodyTimeout,
    ClientGone,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    NotJson,
    PayloadTooLarge,
    QueueError,
    TooMany,
    Unauthorized,
    Unavailable,
)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CLOSE_AFTER = frozenset({408, 413})  # the rest of such a body is not worth reading

# The one table from a refusal to its HTTP status; the nearest class listed wins.
STATUS: dict[type[QueueError], int] = {
    QueueError: 400,
    BadJson: 400,
    BadCharacters: 400,
    ClientGone: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    BodyTimeout: 408,
    Conflict: 409,
    PayloadTooLarge: 413,
    NotJson: 415,
    InvalidInput: 422,
    TooMany: 429,
    Unavailable: 503,
}


def http_status(exc: QueueError) -> int:
    return next(STATUS[c] for c in type(exc).__mro__ if c in STATUS)


def close_code(exc: QueueError) -> int:
    """The websocket close code of a refusal: 4000 + its HTTP status (4401, 4404 …),
    in the range RFC 6455 leaves to applications."""
    return 4000 + http_status(exc)


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"请求内容超过 {limit} 字节上限",
        en=f"request body is larger than {limit} bytes",
    )


def prefers_english(accept_language: str | None) -> bool:
    """True when the client ranks English above Chinese (the hall's language wins ties).

    `Accept-Language: en` or `en-US,en;q=0.9` → True; `zh-CN,en;q=0.8`, none → False.
    """
    best_en = best_zh = 0.0
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary == "en":
            best_en = max(best_en, q)
        elif primary == "zh":
            best_zh = max(best_zh, q)
    return best_en > best_zh


def refusal(exc: QueueError, accept_language: str | None) -> JSONResponse:
    """The one shape of every refusal: `{"error", "message"[, "details"]}`."""
    body: dict[str, object] = {
        "error": exc.code,
        "message": exc.message_for(prefers_english(accept_language)),
    }
    if exc.details:
        body["details"] = exc.details
    headers = {}
    status = http_status(exc)
    if status in CLOSE_AFTER:
        headers["Connection"] = "close"
    if "retry_after_s" in exc.details:
        headers["Retry-After"] = exc.details["retry_after_s"]
    return JSONResponse(body, status_code=status, headers=headers)


class Guard:
    """See the module's docstring; websockets pass through untouched."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_timeout_s: float) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and has_nul(scope):
            await receive()  # the handshake: refused before it is accepted (HTTP 403)
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        exchange = Exchange(self, receive, send, scope["path"], has_body)
        try:
            if has_nul(scope):
                raise BadCharacters(
                    "地址中含有空字符（%00），请检查链接",
                    en="the address holds a NUL character (%00); check the link",
                )
            self.check_headers(scope["method"], headers)
        except QueueError as exc:
            await refusal(exc, headers.get("accept-language"))(scope, receive, exchange.send)
            return
        await self.app(scope, exchange.receive, exchange.send)

    def check_headers(self, method: str, headers: Headers) -> None:
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            raise too_large(self.limit)
        if method not in STATE_CHANGING:
            return
        media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
        has_body = declared not in (None, "0") or "transfer-encoding" in headers
        if (media_type or has_body) and media_type != "application/json":
            raise NotJson(
                "请求内容须为 JSON（Content-Type: application/json）",
                en="send the request body as JSON (Content-Type: application/json)",
            )


def has_nul(scope: Scope) -> bool:
    """A NUL in the path or query: no id, hall or code holds one, and PostgreSQL
    refuses to compare text with it (an error, not a miss) if it got that far."""
    return "\x00" in scope["path"] or b"%00" in scope["query_string"]


class Exchange:
    """One request through the Guard: its body bounded in size and time, its
    answer stamped. An answer that leaves before the body was read whole (a
    refusal, a route that reads none) closes the connection, so the server
    is not left reading and discarding the rest of a huge body."""

    def __init__(self, guard: Guard, receive: Receive, send: Send, path: str, body: bool) -> None:
        self.guard = guard
        self._receive = receive
        self._send = send
        self.api = path.startswith("/api/")
        self.received = 0
        self.complete = not body

    async def receive(self) -> Message:
        if self.complete:  # later receives wait for a disconnect: no deadline
            return await self._receive()
        timeout_s = self.guard.body_timeout_s
        try:
            async with asyncio.timeout(timeout_s):
                message = await self._receive()
        except TimeoutError:
            raise BodyTimeout(
                f"请求内容 {timeout_s:g} 秒内未送达，连接已关闭",
                en=f"the request body did not arrive within {timeout_s:g} s",
            ) from None
        if message["type"] != "http.request":
            self.complete = True
            return message
        self.received += len(message.get("body", b""))
        if self.received > self.guard.limit:
            raise too_large(self.guard.limit)
        self.complete = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers["X-Content-Type-Options"] = "nosniff"
            if self.api and "cache-control" not in headers:
                headers["Cache-Control"] = "no-store"
            if not self.complete:
                headers["Connection"] = "close"
        await self._send(message)


def header_timeout_protocol(timeout_s: float) -> type[HttpToolsProtocol]:
    """uvicorn's HTTP protocol, closing a connection whose next request's headers
    are not complete `timeout_s` after the connection opened or the last request
    began (uvicorn itself waits forever for a first request)."""

    class HeaderTimeoutProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm(None)

        def _arm(self, cycle: object) -> None:
            self.loop.call_later(timeout_s, self._check, cycle)

        def _check(self, cycle_at_arming: object) -> None:
            if self.transport.is_closing() or self.transport.get_protocol() is not self:
                return  # closed, or upgraded to a websocket
            cycle = self.cycle
            idle = cycle is None or bool(getattr(cycle, "response_complete", True))
            if cycle is cycle_at_arming and idle:
                self.transport.close()  # no new request has got past its headers
                return
            self._arm(cycle)

    return HeaderTimeoutProtocol


class Redact(logging.Filter):
    """Rewrites the arguments of uvicorn's access and websocket lines:
    `?token=yc_…` → `?token=***` (and the QR's `?data=`), `/t/3f9…` → `/t/***`,
    and likewise the ids of `/api/tickets/…`, the codes of `/api/appointments/…`,
    of the booking page (`/book/{hall}/…`), of home visits (`/home-visits/…`,
    `/visit/{hall}?v=…`) and of the one-time device links (`/device/claim/…`)."""

    PATTERNS = (
        (re.compile(r"((?:token|data)=)[^&\s\"]+"), r"\1***"),  # data=: the QR of /t/…
        (
            re.compile(
                r"(/t/|/api/tickets/|/api/appointments/|/device/claim/|/api/devices/claim/)(?!check-in\b)[^/?\s\"]+"
            ),
            r"\1***",
        ),
        (re.compile(r"(/book/[^/?\s\"]+/)[^/?\s\"]+"), r"\1***"),
        # a home visit's code: its API paths and its page's ?v=
        (re.compile(r"(/home-visits/)(?!(?:form|confirm)(?:[/?\s\"]|$))[^/?\s\"]+"), r"\1***"),
        (re.compile(r"(/visit/[^/?\s\"]+\?(?:[^\s\"]*&)?v=)[^&\s\"]+"), r"\1***"),
    )

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.scrub(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = self.scrub(record.msg)
        return True

    @classmethod
    def scrub(cls, text: str) -> str:
        for pattern, replacement in cls.PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def redact_server_logs() -> None:
    """Install `Redact` on uvicorn's loggers once (the websocket lines go to `uvicorn.error`)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, Redact) for f in logger.filters):
            logger.addFilter(Redact())
