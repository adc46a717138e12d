"""Bearer tokens: issue (with an optional end), check, list, and forget on revocation
(revoking, like handing a device its token by a one-time link, is devices.py's).

A device sends its token with every request, so a token seen lately is
answered from memory for TOKEN_CACHE_S without the database. That memory is
trusted only while every revocation reaches this process at once (the app
points `cache_trusted` at its doorbell, which is always so in one process and
so over Redis while it is connected); a revocation, here or in any process,
clears it. Failed checks are counted per client address (429 past a limit).
"""

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from .access import FailureWindow, Principal, Role, new_token, require, same_secret, token_hash
from .audit import record
from .bodies import MAX_TTL_S, TokenIn
from .errors import InvalidInput, Unauthorized
from .models import TokenRow
from .protocol import Event
from .settings import Settings
from .store import Store, Tx

R = TypeVar("R")


class Write(Protocol):
    """HallServices.write: run `work` in one transaction, retried on a race."""

    def __call__(
        self, hall_id: str | None, work: Callable[[Tx, datetime, list[Event]], R]
    ) -> R: ...


# The token_hash of a credential whose one-time link is not yet opened: no
# SHA-256 hex digest starts so, so no bearer matches it until the claim.
UNCLAIMED = "unclaimed:"

TOKEN_CACHE_S = 10.0  # a token seen lately is not looked up again for this long
RECHECK_S = 60.0  # an open feed's token is checked again this often, revoked or not


@dataclass(frozen=True, slots=True)
class KnownToken:
    principal: Principal
    until: float  # monotonic time until which the cache may answer
    expires_at: datetime | None


class Tokens:
    def __init__(
        self, store: Store, settings: Settings, write: Write, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.settings = settings
        self.write = write
        self.clock = clock
        self._known: dict[str, KnownToken] = {}
        self._generation = 0
        self.cache_trusted: Callable[[], bool] = lambda: True
        self.failures = FailureWindow(settings.auth_failures, settings.auth_window_s)

    def cached_principal(self, authorization: str | None) -> Principal | None:
        """The caller when known without the database (the admin, or a token seen
        lately), else None; Unauthorized for a missing or malformed header."""
        token = _bearer(authorization)
        if self.settings.admin_token and same_secret(token, self.settings.admin_token):
            return Principal(Role.ADMIN)
        cached = self._known.get(token_hash(token))
        if cached is None or cached.until <= time.monotonic() or not self.cache_trusted():
            return None
        if cached.expires_at is not None and cached.expires_at <= self.clock():
            return None
        return cached.principal

    def authenticate(self, authorization: str | None, address: str | None = None) -> Principal:
        """The caller named by a bearer token. Unknown, expired and revoked tokens are
        Unauthorized; after many from one `address`, TooManyFailures (429)."""
        if (known := self.cached_principal(authorization)) is not None:
            return known
        if address is not None:
            self.failures.check(address, time.monotonic())
        digest = token_hash(_bearer(authorization))
        generation = self._generation
        with self.store.read() as tx:
            row = tx.token(digest)
        now = self.clock()
        if row is None or row.revoked_at is not None or expired(row, now):
            if address is not None:
                self.failures.failed(address, time.monotonic())
            raise Unauthorized(
                "令牌无效、已过期或已被吊销，请向管理员申请新令牌",
                en="this token is unknown, expired or was revoked",
                code="bad_token",
            )
        principal = Principal(
            Role(row.role), hall=row.hall_id, window=row.window, token_id=row.id, label=row.label
        )
        if len(self._known) > 10_000:
            self._known.clear()
        if generation == self._generation:  # no revocation came in meanwhile
            until = time.monotonic() + TOKEN_CACHE_S
            self._known[digest] = KnownToken(principal, until, row.expires_at)
        return principal

    async def until_refused(self, token: str, poll_s: float = 1.0) -> Unauthorized:
        """Wait until `token` no longer authenticates, and say why. Checked within
        `poll_s` of each revocation this process hears of, and every RECHECK_S in
        case one went unheard (Redis down) or the token expired: the feed closes
        a revoked device's open socket so."""
        seen, checked = self._generation, time.monotonic()
        while True:
            await asyncio.sleep(poll_s)
            if self._generation == seen and time.monotonic() - checked < RECHECK_S:
                continue
            seen, checked = self._generation, time.monotonic()
            try:
                await asyncio.to_thread(self.authenticate, f"Bearer {token}")
            except Unauthorized as refusal:
                return refusal
            except SQLAlchemyError:
                continue  # the database is away: the next check decides

    def forget(self) -> None:
        """A token was revoked (here or in another process): check every token anew."""
        self._generation += 1
        self._known.clear()

    def create(self, principal: Principal, body: TokenIn) -> dict[str, Any]:
        """POST /api/tokens: a token made with its secret at once, for the server's
        admin; one for a hall is on the hall's audit (never its secret)."""
        require(principal, set())
        expires_at = _expiry(body, self.clock())
        role = Role(body.role)
        return self.issue(role, body.hall, body.window, body.label, expires_at, by=principal)

    def issue(
        self,
        role: Role,
        hall_id: str | None,
        window: int | None,
        label: str = "",
        expires_at: datetime | None = None,
        by: Principal | None = None,
    ) -> dict[str, Any]:
        """A new token and its secret (shown this once); audited when `by` someone."""
        if role is not Role.ADMIN and hall_id is None:
            raise InvalidInput(
                f"{role.value} 令牌须指定大厅", en=f"a {role.value} token needs a hall"
            )
        if role is Role.WINDOW and window is None:
            raise InvalidInput("窗口令牌须指定窗口号", en="a window token needs a window number")
        if role is not Role.WINDOW and window is not None:
            raise InvalidInput(
                "只有窗口令牌可以指定窗口号", en="only a window token takes a window number"
            )
        token = new_token()

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            if hall_id is not None:
                tx.hall(hall_id)
            if window is not None and hall_id is not None:
                tx.window(hall_id, window)
            row = TokenRow(
                id=secrets.token_hex(4),
                token_hash=token_hash(token),
                role=role.value,
                hall_id=hall_id,
                window=window,
                label=label,
                created_at=now,
                expires_at=expires_at,
            )
            tx.add_token(row)
            view = token_view(row, now)
            if by is not None and hall_id is not None:
                made = {k: view[k] for k in ("role", "window", "label", "expires_at")}
                record(tx, by, hall_id, "token.create", f"token {row.id}", after=made, now=now)
            return {"token": token} | view

        return self.write(None, work)

    def list(self, principal: Principal, hall_id: str | None) -> dict[str, Any]:
        """Every token (never its secret), oldest first; of one hall with `hall_id`."""
        require(principal, set())
        now = self.clock()
        with self.store.read() as tx:
            return {"tokens": [token_view(row, now) for row in tx.tokens(hall_id)]}

    def revoke_labelled(self, hall_id: str, label: str) -> int:
        try:
            return self.write(None, lambda tx, _now, _ev: tx.delete_tokens(hall_id, label))
        finally:
            self.forget()


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized(
            "缺少令牌：请在请求头中提供 Authorization: Bearer <令牌>，令牌向管理员申请",
            en="send 'Authorization: Bearer <token>'; ask an admin for a token",
            code="no_token",
        )
    return authorization.removeprefix("Bearer ").strip()


def expired(row: TokenRow, now: datetime) -> bool:
    return row.expires_at is not None and row.expires_at <= now


def _expiry(body: TokenIn, now: datetime) -> datetime | None:
    """When a new token stops working: `ttl_s` from now, or `expires_at`; None: never."""
    if body.ttl_s is not None and body.expires_at is not None:
        raise InvalidInput(
            "ttl_s 与 expires_at 只能给一个", en="give ttl_s or expires_at, not both"
        )
    if body.ttl_s is not None:
        return now + timedelta(seconds=body.ttl_s)
    if body.expires_at is None:
        return None
    latest = now + timedelta(seconds=MAX_TTL_S)
    try:
        at = body.expires_at.astimezone(UTC)
    except OverflowError:
        at = None
    if at is None or not now < at <= latest:
        raise InvalidInput(
            "expires_at 须在现在之后、十年之内",
            en="expires_at must lie in the future and within ten years",
            code="bad_expiry",
        )
    return at


def token_state(row: TokenRow, now: datetime) -> str:
    """revoked, expired, unclaimed (its one-time link not yet opened), or active."""
    if row.revoked_at is not None:
        return "revoked"
    if expired(row, now):
        return "expired"
    if row.token_hash.startswith(UNCLAIMED):
        return "unclaimed"
    return "active"


def token_view(row: TokenRow, now: datetime) -> dict[str, Any]:
    """A token as the API lists it: never its secret or its hash."""
    state = token_state(row, now)
    return {
        "id": row.id,
        "role": row.role,
        "hall": row.hall_id,
        "window": row.window,
        "label": row.label,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "state": state,
    }
