"""Who may do what: roles, principals and the one rule that checks them.

Every caller presents a bearer token that names a role and, except for an
admin, a hall; a window token also names its window and acts on it alone.
A signed-in staff member (a session cookie) is a principal too: an admin of
one hall acts on that hall alone, a clerk acts as a window token once signed
in at a window, and on nothing before.
"""

import hashlib
import hmac
import math
import re
import secrets
import threading
from collections import deque
from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum

from .errors import Forbidden, TooManyFailures


class Role(StrEnum):
    KIOSK = "kiosk"
    WINDOW = "window"
    DISPLAY = "display"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    CLERK = "clerk"  # a signed-in clerk; acts at a window once signed in at one


# Every role a hall's own devices and staff act in; a use case open to all of
# them names this rather than set(Role), so a new role gets nothing by default.
HALL_ROLES: frozenset[Role] = frozenset({Role.KIOSK, Role.WINDOW, Role.DISPLAY, Role.SUPERVISOR})


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    hall: str | None = None
    window: int | None = None
    token_id: str = "admin"
    label: str = ""
    staff_no: str | None = None  # set for a signed-in staff member, not for a token
    staff_hall: str | None = None  # the member's own hall (a city admin acts on all)

    @property
    def actor(self) -> str:
        """How the transition log names this caller (never a secret)."""
        home = self.hall or self.staff_hall
        where = f"@{home}" if home else ""
        at = f"#{self.window}" if self.window is not None else ""
        by = f"staff {self.staff_no}" if self.staff_no is not None else self.token_id
        return f"{self.role.value}:{by}{where}{at}"


def actor_staff_no(actor: str, hall: str) -> str | None:
    """The 工号 in an actor of `hall` as `Principal.actor` wrote it; None for a
    token or the system. Matched whole, so a 工号 may hold "@" or "#"."""
    found = re.fullmatch(rf"[a-z_]+:staff (.+)@{re.escape(hall)}(?:#\d+)?", actor)
    return found.group(1) if found else None


def require(
    principal: Principal, roles: Set[Role], *, hall: str | None = None, window: int | None = None
) -> None:
    """Raise Forbidden unless `principal` may act on `hall` (and `window`).

    The server's admin may do anything; a hall's admin (a staff member) anything
    in its hall but nothing server-wide; a supervisor anything in its hall; a
    window token only on its own window.
    """
    if principal.role is Role.ADMIN:
        if principal.hall is not None and principal.hall != hall:
            raise _hall_admin_elsewhere(principal.hall, hall)
        return
    if principal.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles | {Role.ADMIN}))
        raise Forbidden(
            f"{_who_zh(principal)}无权进行此操作，需要：{allowed}",
            en=f"{_who_en(principal)} cannot do this; it needs: {allowed}",
            code="wrong_role",
        )
    if hall is not None and principal.hall != hall:
        raise Forbidden(
            f"{_who_zh(principal)}属于大厅 {principal.hall}，不能操作大厅 {hall}",
            en=f"{_who_en(principal)} belongs to hall {principal.hall!r}, not {hall!r}",
            code="wrong_hall",
        )
    if principal.role is Role.WINDOW and window is not None and principal.window != window:
        raise Forbidden(
            f"此令牌只能操作 {principal.window} 号窗口，不能操作 {window} 号窗口",
            en=f"this token acts on window {principal.window} only, not window {window}",
            code="wrong_window",
        )


def _who_zh(principal: Principal) -> str:
    """The caller as a refusal names it: a signed-in member by 工号, else the token."""
    if principal.staff_no is not None:
        return f"工号 {principal.staff_no}（{principal.role.value}）"
    return f"此令牌（{principal.role.value}）"


def _who_en(principal: Principal) -> str:
    if principal.staff_no is not None:
        return f"staff {principal.staff_no} ({principal.role.value})"
    return f"a {principal.role.value} token"


def _hall_admin_elsewhere(own: str, hall: str | None) -> Forbidden:
    if hall is None:
        return Forbidden(
            f"大厅 {own} 的管理员不能进行全系统的操作，请联系系统管理员",
            en=f"an admin of hall {own!r} cannot make server-wide changes; ask the server's admin",
            code="wrong_hall",
        )
    return Forbidden(
        f"您是大厅 {own} 的管理员，不能管理大厅 {hall}",
        en=f"you administer hall {own!r}, not {hall!r}",
        code="wrong_hall",
    )


def new_token() -> str:
    return "yc_" + secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """Tokens are stored as SHA-256: long random secrets need no slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class FailureWindow:
    """Failures (token checks, sign-ins) per client address within a sliding window.

    After `limit` failures within `window_s`, the address is refused (429)
    until its oldest counted failure leaves the window. Thread-safe: token
    checks run in the thread pool. Times are arguments (monotonic seconds).
    """

    MAX_ADDRESSES = 10_000  # past this, addresses with no recent failure are forgotten

    TOKENS = ("令牌错误", "failed token checks")  # what failed, for the refusal

    def __init__(self, limit: int, window_s: float, what: tuple[str, str] = TOKENS) -> None:
        self.limit = limit
        self.window_s = window_s
        self.what_zh, self.what_en = what
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, address: str, now: float) -> None:
        """Raise TooManyFailures while `address` is over the limit (a limit of 0: never)."""
        if self.limit <= 0:
            return
        with self._lock:
            times = self._failures.get(address)
            if times is None:
                return
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) < self.limit:
                return
            wait = math.ceil(times[0] + self.window_s - now)
        raise TooManyFailures(
            f"{self.what_zh}次数过多，请 {wait} 秒后再试",
            en=f"too many {self.what_en} from this address; retry in {wait} s",
            retry_after_s=str(wait),
        )

    def failed(self, address: str, now: float) -> None:
        with self._lock:
            if len(self._failures) >= self.MAX_ADDRESSES:
                self._forget_quiet(now)
            times = self._failures.setdefault(address, deque(maxlen=self.limit))
            times.append(now)

    def _forget_quiet(self, now: float) -> None:
        quiet = [a for a, t in self._failures.items() if not t or t[-1] <= now - self.window_s]
        for address in quiet:
            del self._failures[address]
        if len(self._failures) >= self.MAX_ADDRESSES:  # a flood from many addresses
            self._failures.clear()
