"""Who may do what: roles, principals and the one rule that checks them.

Every caller presents a bearer token that names a role and, except for an
admin, a hall; a window token also names its window and acts on it alone.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from .domain import Forbidden


class Role(StrEnum):
    KIOSK = "kiosk"
    WINDOW = "window"
    DISPLAY = "display"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    hall: str | None = None
    window: int | None = None
    token_id: str = "admin"
    label: str = ""

    @property
    def actor(self) -> str:
        """How the transition log names this caller (never a secret)."""
        where = f"@{self.hall}" if self.hall else ""
        at = f"#{self.window}" if self.window is not None else ""
        return f"{self.role.value}:{self.token_id}{where}{at}"


def require(
    principal: Principal, roles: set[Role], *, hall: str | None = None, window: int | None = None
) -> None:
    """Raise Forbidden unless `principal` may act on `hall` (and `window`).

    An admin may do anything; a supervisor anything in its hall; a window
    token only on its own window.
    """
    if principal.role is Role.ADMIN:
        return
    if principal.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles | {Role.ADMIN}))
        raise Forbidden(f"a {principal.role.value} token cannot do this; it needs: {allowed}")
    if hall is not None and principal.hall != hall:
        raise Forbidden(f"this token belongs to hall {principal.hall!r}, not {hall!r}")
    if principal.role is Role.WINDOW and window is not None and principal.window != window:
        raise Forbidden(f"this token acts on window {principal.window} only, not window {window}")


def new_token() -> str:
    return "yc_" + secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """Tokens are stored as SHA-256: long random secrets need no slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
