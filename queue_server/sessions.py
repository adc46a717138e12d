"""Staff signing in and out: a session per sign-in, carried by a cookie.

The cookie holds a random secret; the database only its SHA-256, with the
member and an end 12 hours on. Every request with the cookie reads the
session and its member again, so logout, deactivation, a new password or a
new role take effect on the next request. Five wrong passwords in a row lock
the account for 15 minutes; a wrong hall, number or password all get the
same answer, so the refusal does not tell which was wrong.
"""

import time
from datetime import datetime, timedelta, tzinfo
from typing import Any

from . import audit
from .access import Principal, Role, new_token, require, token_hash
from .bodies import LoginIn
from .domain import WindowAction
from .errors import AccountLocked, Conflict, Forbidden, QueueError, Unauthorized
from .hall_state import HallState
from .models import StaffRow, StaffSessionRow
from .protocol import Event, WindowState
from .public import local_iso
from .staff import CITY_ADMIN, password_matches, staff_view
from .store import Tx
from .transactions import Runner
from .window_staff import staff_events, staff_line

SESSION_COOKIE = "yc_session"
SESSION_S = 12 * 3600
MAX_FAILURES = 5
LOCK_S = 15 * 60


def _bad_credentials() -> Unauthorized:
    return Unauthorized(
        "大厅、工号或密码不正确，请核对后重试",
        en="wrong hall, staff number or password",
        code="bad_login",
    )


def _session_ended() -> Unauthorized:
    return Unauthorized(
        "登录已失效或已退出，请重新登录",
        en="this session ended or expired; sign in again",
        code="bad_session",
    )


def _locked(until: datetime, now: datetime, zone: tzinfo) -> AccountLocked:
    at = until.astimezone(zone).strftime("%H:%M")
    return AccountLocked(
        f"密码连续输错 {MAX_FAILURES} 次，账户已锁定，请于 {at} 后再试，或请管理员重设密码",
        en=f"{MAX_FAILURES} wrong passwords in a row: the account is locked until {at}"
        " (hall time); try again then, or ask an admin to reset the password",
        retry_after_s=str(max(1, round((until - now).total_seconds()))),
        locked_until=local_iso(until, zone) or "",
    )


class StaffSessions(Runner):
    def login(self, body: LoginIn, address: str | None = None) -> tuple[dict[str, Any], str]:
        """The member and the session's secret (for the cookie), or a refusal:
        Unauthorized, Forbidden (deactivated), AccountLocked, or TooManyFailures
        for an address with too many wrong sign-ins. An account's failures are
        counted in the database, so its lock holds across processes."""
        if address is not None:
            self.sign_in_failures.check(address, time.monotonic())
        try:
            return self._login(body)
        except (Unauthorized, AccountLocked):
            if address is not None:
                self.sign_in_failures.failed(address, time.monotonic())
            raise

    def _login(self, body: LoginIn) -> tuple[dict[str, Any], str]:
        with self.store.read() as tx:
            row = tx.staff_member(body.hall, body.staff_no)
            seen_hash = row.password_hash if row is not None else None
        matches = password_matches(seen_hash, body.password)  # slow: outside the transaction
        secret = new_token()

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any] | QueueError:
            # A refusal is returned, not raised, so that the failure count commits.
            row = tx.staff_member(body.hall, body.staff_no)
            if row is None:
                return _bad_credentials()
            zone = tx.hall(body.hall).zone
            if row.locked_until is not None and row.locked_until > now:
                return _locked(row.locked_until, now, zone)
            if not matches or row.password_hash != seen_hash:  # or changed meanwhile
                row.failed_logins += 1
                refusal: QueueError = _bad_credentials()
                if row.failed_logins >= MAX_FAILURES:
                    row.failed_logins, row.locked_until = 0, now + timedelta(seconds=LOCK_S)
                    refusal = _locked(row.locked_until, now, zone)
                tx.save_staff_member(row)
                return refusal
            if not row.active:
                return Forbidden(
                    "此账户已停用，请联系大厅管理员",
                    en="this account is deactivated; ask the hall's admin",
                    code="staff_inactive",
                )
            row.failed_logins, row.locked_until = 0, None
            tx.save_staff_member(row)
            tx.add_staff_session(
                StaffSessionRow(
                    token_hash=token_hash(secret),
                    hall_id=row.hall_id,
                    staff_no=row.staff_no,
                    expires_at=now + timedelta(seconds=SESSION_S),
                    created_at=now,
                )
            )
            return staff_view(row, zone)

        outcome = self.write(None, work)
        if isinstance(outcome, QueueError):
            raise outcome
        return outcome, secret

    def end_expired_sessions(self) -> int:
        """The day's job: forget the sessions past their 12 hours; how many. A
        session still signed in at a window leaves its sign-out on the audit
        (at its expiry), so a member's time at the window has an end."""

        def work(tx: Tx, now: datetime, _events: list[Event]) -> int:
            for session, member in tx.expired_at_windows(now):
                _signed_out(tx, session, member, "expired", session.expires_at)
            return tx.end_expired_sessions(now)

        return self.write(None, work)

    def logout(self, secret: str) -> None:
        def work(tx: Tx, now: datetime, _events: list[Event]) -> None:
            found = tx.staff_session(token_hash(secret))
            if found is not None and found[0].window is not None:
                _signed_out(tx, *found, "logout", now)
            tx.end_staff_session(token_hash(secret))

        self.write(None, work)

    def session_principal(self, secret: str) -> Principal:
        """The signed-in member as a caller: an admin or supervisor of their own
        hall, or a clerk, who acts as a window token while signed in at one."""
        with self.store.read() as tx:
            found = tx.staff_session(token_hash(secret))
        if found is None or found[0].expires_at <= self.clock():
            raise _session_ended()
        return _as_principal(*found)

    def sign_in_at_window(self, secret: str, hall_id: str, number: int) -> dict[str, Any]:
        """Sign the cookie's session in at window `number` of its own hall; from
        then on it acts as that window. A session signed in elsewhere moves
        here (one window per session); a window another live session holds is
        refused (Conflict) until that member signs out or the window closes."""
        principal = self.session_principal(secret)
        require(principal, {Role.CLERK, Role.WINDOW, Role.SUPERVISOR}, hall=hall_id)
        if principal.hall is None:
            raise Forbidden(
                "市级管理员不在窗口签到：请用本大厅的工号",
                en="a city admin does not sign in at windows; use a hall account",
                code="wrong_role",
            )

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            tx.window(hall_id, number)  # an unknown window is refused as on other window routes
            found = tx.staff_session(token_hash(secret))
            if found is None:  # logged out meanwhile
                raise _session_ended()
            session, member = found
            self._free_window(tx, session, number, now)
            moved_from = session.window
            session.window = number
            tx.add_staff_session(session)
            if moved_from != number:
                where, left = f"window {number}", {"window": moved_from} if moved_from else None
                audit.record(tx, principal, hall_id, "window.sign_in", where, before=left, now=now)
                state = self.state(tx, hall_id, now, reading=True)
                touched = [number] if moved_from is None else [number, moved_from]
                events.extend(staff_events(tx, state, touched, now))
            return {"window": number, "staff": staff_line(member)}

        return self.write(hall_id, work)

    @staticmethod
    def _free_window(tx: Tx, session: StaffSessionRow, number: int, now: datetime) -> None:
        """Refuse (Conflict) if another live session holds window `number`; an
        expired one holds it no longer."""
        for other in tx.window_sessions(session.hall_id, number):
            if other.token_hash == session.token_hash:
                continue
            if other.expires_at > now:
                raise Conflict(
                    f"{number} 号窗口已由工号 {other.staff_no} 签到，请先签退",
                    en=f"window {number} is signed in by staff {other.staff_no};"
                    " they sign out first",
                    code="window_taken",
                )
            other.window = None
            tx.add_staff_session(other)

    def sign_out_of_window(self, principal: Principal, hall_id: str, number: int) -> None:
        """Whoever may act on the window (its member, the hall's supervisor or
        admin) signs its member out; nobody signed in is no error."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id, window=number)

        def work(tx: Tx, now: datetime, events: list[Event]) -> None:
            tx.window(hall_id, number)
            member = tx.signed_in(hall_id, now).get(number)
            if member is None:
                return
            state = self.state(tx, hall_id, now)
            closed = self._close_behind(tx, state, number, now, events)
            tx.sign_out_window(hall_id, number)
            where, before = f"window {number}", {"staff_no": member.staff_no}
            after = {"window": WindowState.CLOSED.value} if closed else None
            audit.record(
                tx,
                principal,
                hall_id,
                "window.sign_out",
                where,
                before=before,
                after=after,
                now=now,
            )
            events.extend(staff_events(tx, state, [number], now))

        self.write(hall_id, work)

    def _close_behind(
        self, tx: Tx, state: HallState, number: int, now: datetime, events: list[Event]
    ) -> bool:
        """A member leaving closes an idle window (nobody is there to call: the
        board and the estimates must not count it); with a ticket in hand, the
        member finishes or hands it on first. Whether it closed."""
        window = state.window(number)
        if window.state in (WindowState.CALLING, WindowState.SERVING):
            raise Conflict(
                f"{number} 号窗口还有正在叫号或办理的号码：请先办结、转办或挂起，再签退",
                en=f"window {number} holds a ticket: finish, transfer or suspend it first",
                code="window_busy",
            )
        if window.state is WindowState.CLOSED:
            return False
        self.apply(tx, state, state.open_or_close(number, WindowAction.CLOSE, now), events)
        return True

    def staff_whoami(self, principal: Principal) -> dict[str, Any]:
        assert principal.staff_hall is not None and principal.staff_no is not None
        home = principal.staff_hall
        with self.store.read() as tx:
            zone = tx.hall(home).zone
            member = staff_view(tx.known_staff_member(home, principal.staff_no), zone)
        return {
            "role": principal.role.value,
            "hall": principal.hall,
            "window": principal.window,
        } | {"staff": member}


def _as_principal(session: StaffSessionRow, member: StaffRow) -> Principal:
    """A session's member as a caller (see `StaffSessions.session_principal`)."""
    if member.role == CITY_ADMIN:  # the server's admin, for every hall, by name
        role, hall = Role.ADMIN, None
    else:
        role, hall = Role(member.role), member.hall_id
    if role is Role.CLERK and session.window is not None:
        role = Role.WINDOW  # a supervisor or admin keeps its role, recorded at the window
    return Principal(
        role,
        hall=hall,
        staff_hall=member.hall_id,
        window=session.window,
        token_id="staff",
        label=member.staff_no,
        staff_no=member.staff_no,
    )


def _signed_out(tx: Tx, session: StaffSessionRow, member: StaffRow, why: str, at: datetime) -> None:
    """The audit's sign-out of a session that leaves its window without one (a
    logout, an expiry): the window's time with its member ends there."""
    where, before = f"window {session.window}", {"staff_no": member.staff_no}
    principal = _as_principal(session, member)
    audit.record(
        tx,
        principal,
        member.hall_id,
        "window.sign_out",
        where,
        before=before,
        after={"ended": why},
        now=at,
    )
