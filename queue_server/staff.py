"""A hall's staff accounts: created and changed by the hall's admins, listed
for its supervisors too. The only module that imports argon2.

A password is hashed with argon2 and neither it nor its hash leaves this
module's callers: views carry no hash, and nothing here logs. A new password
or a deactivation ends the member's sessions in the same transaction.
"""

import threading
from datetime import datetime, tzinfo
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import audit
from .access import Principal, Role, require
from .bodies import StaffIn, StaffPatchIn
from .errors import Conflict, Forbidden, InvalidInput
from .models import StaffRow
from .protocol import Event
from .public import local_iso
from .store import Tx
from .transactions import Runner
from .window_staff import staff_events

MIN_PASSWORD = 8
CITY_ADMIN = "city_admin"  # a member who acts as the server's admin, on every hall
# argon2id at OWASP's first setting (19 MiB, 2 passes) rather than the library's
# 64 MiB: every hash holds its memory while it runs, and sign-ins run in the
# thread pool. At most two at once (the server's cores), so a burst of sign-ins
# costs ~40 MB and waits its turn instead of taking the process's memory.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_HASHING = threading.BoundedSemaphore(2)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"密码太短：至少需要 {MIN_PASSWORD} 个字符，请换一个更长的密码",
            en=f"the password is too short: use at least {MIN_PASSWORD} characters",
            code="short_password",
        )
    with _HASHING:
        return _HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; for an unknown member (None) a hash
    is checked all the same, so the answer takes as long either way."""
    stored = password_hash or _unknown_member()
    try:
        with _HASHING:
            matched = _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


@cache
def _unknown_member() -> str:
    with _HASHING:
        return _HASHER.hash("no such member")


def staff_view(row: StaffRow, zone: tzinfo) -> dict[str, Any]:
    """A staff member as the API shows them: never the password's hash."""
    return {
        "hall": row.hall_id,
        "staff_no": row.staff_no,
        "name": row.name,
        "role": row.role,
        "active": row.active,
        "locked_until": local_iso(row.locked_until, zone),
        "created_at": local_iso(row.created_at, zone),
    }


class StaffAccounts(Runner):
    def create_staff(self, principal: Principal, hall_id: str, body: StaffIn) -> dict[str, Any]:
        require(principal, set(), hall=hall_id)
        if body.role == CITY_ADMIN:
            _require_city_level(principal)
        password_hash = hash_password(body.password)  # slow: outside the transaction

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            zone = tx.hall(hall_id).zone
            if tx.staff_member(hall_id, body.staff_no) is not None:
                raise Conflict(
                    f"工号 {body.staff_no} 在大厅 {hall_id} 已有人使用，请换一个工号",
                    en=f"staff number {body.staff_no!r} is taken in hall {hall_id!r}",
                    code="staff_exists",
                )
            row = StaffRow(
                hall_id=hall_id,
                staff_no=body.staff_no,
                name=body.name,
                role=body.role,
                password_hash=password_hash,
                created_at=now,
            )
            tx.save_staff_member(row)
            audit.record(
                tx, principal, hall_id, "staff.create", row.staff_no, after=_audited(row), now=now
            )
            return staff_view(row, zone)

        return self.write(hall_id, work)

    def list_staff(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        """The hall's members, each with the window they are signed in at (or null)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            zone = tx.hall(hall_id).zone
            at = {m.staff_no: n for n, m in tx.signed_in(hall_id, self.clock()).items()}
            return {
                "staff": [
                    staff_view(row, zone) | {"window": at.get(row.staff_no)}
                    for row in tx.staff(hall_id)
                ]
            }

    def change_staff(
        self, principal: Principal, hall_id: str, staff_no: str, body: StaffPatchIn
    ) -> dict[str, Any]:
        """Change a member; a new password also lifts a lock. A new password or
        a deactivation signs the member out everywhere at once."""
        require(principal, set(), hall=hall_id)
        password_hash = None if body.password is None else hash_password(body.password)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            zone = tx.hall(hall_id).zone
            row = tx.known_staff_member(hall_id, staff_no)
            if CITY_ADMIN in (row.role, body.role):  # no hall admin makes or unmakes one
                _require_city_level(principal)
            if _unmakes_admin(row, body):
                _keep_an_admin(tx, hall_id, staff_no)
            before = _audited(row)
            row.name = body.name or row.name
            row.role = body.role or row.role
            if body.active is not None:
                row.active = body.active
            if password_hash is not None:
                row.password_hash, row.failed_logins, row.locked_until = password_hash, 0, None
            tx.save_staff_member(row)
            after = _audited(row) | ({"password_reset": True} if password_hash else {})
            audit.record(
                tx,
                principal,
                hall_id,
                "staff.change",
                staff_no,
                before=before,
                after=after,
                now=now,
            )
            if password_hash is not None or body.active is False:
                windows = tx.member_windows(hall_id, staff_no)
                tx.end_staff_sessions(hall_id, staff_no)
                state = self.state(tx, hall_id, now, reading=True)
                events.extend(staff_events(tx, state, windows, now))  # signed out there too
            return staff_view(row, zone)

        return self.write(hall_id, work)


def _unmakes_admin(row: StaffRow, body: StaffPatchIn) -> bool:
    demoted = body.role is not None and body.role != "admin"
    return row.role == "admin" and row.active and (demoted or body.active is False)


def _keep_an_admin(tx: Tx, hall_id: str, staff_no: str) -> None:
    """Refuse to leave the hall without an active admin of its own: nobody but
    the city could then open its console."""
    others = [m for m in tx.staff(hall_id) if m.role == "admin" and m.active]
    if all(m.staff_no == staff_no for m in others):
        raise Conflict(
            f"工号 {staff_no} 是本大厅唯一在用的管理员：请先添加另一名管理员，再改其角色或停用",
            en=f"{staff_no} is the hall's only active admin: add another admin first",
            code="last_admin",
        )


def _require_city_level(principal: Principal) -> None:
    if principal.role is not Role.ADMIN or principal.hall is not None:
        raise Forbidden(
            "只有市级管理员（或服务器管理员令牌）可以设置或修改市级管理员账户",
            en="only a city admin (or the server's admin token) sets up or changes a city admin",
            code="city_admin_only",
        )


def _audited(row: StaffRow) -> dict[str, Any]:
    """What the audit keeps of a member: never the password or its hash."""
    return {"staff_no": row.staff_no, "name": row.name, "role": row.role, "active": row.active}
