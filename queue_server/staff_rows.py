"""A transaction's reads and writes of a hall's staff and their sign-in sessions."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select

from .errors import NotFound
from .models import StaffRow, StaffSessionRow
from .ticket_rows import Rows


class StaffRows(Rows):
    def staff_member(self, hall_id: str, staff_no: str) -> StaffRow | None:
        return self.s.get(StaffRow, (hall_id, staff_no))

    def known_staff_member(self, hall_id: str, staff_no: str) -> StaffRow:
        row = self.staff_member(hall_id, staff_no)
        if row is None:
            raise NotFound(
                f"大厅 {hall_id} 没有工号为 {staff_no} 的工作人员",
                en=f"hall {hall_id!r} has no staff member {staff_no!r}",
                code="unknown_staff",
            )
        return row

    def staff(self, hall_id: str) -> list[StaffRow]:
        return list(
            self.s.scalars(
                select(StaffRow)
                .where(col(StaffRow.hall_id) == hall_id)
                .order_by(col(StaffRow.staff_no))
            )
        )

    def save_staff_member(self, row: StaffRow) -> None:
        self._save(row)

    def add_staff_session(self, row: StaffSessionRow) -> None:
        self._save(row)

    def staff_session(self, token_hash: str) -> tuple[StaffSessionRow, StaffRow] | None:
        """The session with this hash and its member, in one query."""
        found = self.s.exec(
            select(StaffSessionRow, StaffRow).where(
                col(StaffSessionRow.token_hash) == token_hash,
                col(StaffRow.hall_id) == col(StaffSessionRow.hall_id),
                col(StaffRow.staff_no) == col(StaffSessionRow.staff_no),
            )
        ).first()
        return None if found is None else (found[0], found[1])

    def end_staff_session(self, token_hash: str) -> None:
        self.s.execute(delete(StaffSessionRow).where(col(StaffSessionRow.token_hash) == token_hash))

    def expired_at_windows(self, now: datetime) -> list[tuple[StaffSessionRow, StaffRow]]:
        """Sessions ended by `now` but still signed in at a window, with their members."""
        found = self.s.exec(
            select(StaffSessionRow, StaffRow).where(
                col(StaffSessionRow.expires_at) <= now,
                col(StaffSessionRow.window).is_not(None),
                col(StaffRow.hall_id) == col(StaffSessionRow.hall_id),
                col(StaffRow.staff_no) == col(StaffSessionRow.staff_no),
            )
        )
        return [(session, member) for session, member in found]

    def end_expired_sessions(self, now: datetime) -> int:
        """Delete the sessions that ended by `now` (refused anyway); how many."""
        ended = self.s.connection().execute(
            delete(StaffSessionRow).where(col(StaffSessionRow.expires_at) <= now)
        )
        return ended.rowcount

    def end_staff_sessions(self, hall_id: str, staff_no: str) -> None:
        """End every session of one member (deactivated, or a new password)."""
        self.s.execute(
            delete(StaffSessionRow).where(
                col(StaffSessionRow.hall_id) == hall_id,
                col(StaffSessionRow.staff_no) == staff_no,
            )
        )

    def window_sessions(self, hall_id: str, number: int) -> list[StaffSessionRow]:
        """The sessions signed in at one window (expired ones too, until deleted)."""
        return list(
            self.s.scalars(
                select(StaffSessionRow).where(
                    col(StaffSessionRow.hall_id) == hall_id,
                    col(StaffSessionRow.window) == number,
                )
            )
        )

    def signed_in(self, hall_id: str, now: datetime) -> dict[int, StaffRow]:
        """Who is signed in at each window of the hall now (live sessions only)."""
        rows = self.s.exec(
            select(col(StaffSessionRow.window), StaffRow).where(
                col(StaffSessionRow.hall_id) == hall_id,
                col(StaffSessionRow.window).is_not(None),
                col(StaffSessionRow.expires_at) > now,
                col(StaffRow.hall_id) == col(StaffSessionRow.hall_id),
                col(StaffRow.staff_no) == col(StaffSessionRow.staff_no),
            )
        )
        return {window: member for window, member in rows if window is not None}

    def member_windows(self, hall_id: str, staff_no: str) -> list[int]:
        """The windows one member's sessions are signed in at (ended sessions too)."""
        return sorted(
            w
            for w in self.s.scalars(
                select(col(StaffSessionRow.window)).where(
                    col(StaffSessionRow.hall_id) == hall_id,
                    col(StaffSessionRow.staff_no) == staff_no,
                    col(StaffSessionRow.window).is_not(None),
                )
            )
            if w is not None
        )

    def sign_out_window(self, hall_id: str, number: int) -> None:
        """Whoever is signed in at this window no longer is (their session goes on)."""
        self.s.execute(
            update(StaffSessionRow)
            .where(
                col(StaffSessionRow.hall_id) == hall_id,
                col(StaffSessionRow.window) == number,
            )
            .values(window=None)
        )
