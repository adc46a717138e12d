"""A transaction's records beside the queue: ratings, tokens, devices, alerts,
the day's reports and figure snapshots, bookings, booking bans, the audit and meta.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from .errors import NotFound
from .models import (
    AlertAckRow,
    AlertRow,
    AppointmentRow,
    AuditRow,
    BookingBanRow,
    DayReportRow,
    DeviceRow,
    FigureSnapshotRow,
    HallRow,
    MetaRow,
    PendingBookingRow,
    RatingRow,
    TicketRow,
    TokenRow,
)
from .ticket_rows import Rows

TICKETS: Table = TicketRow.__table__  # type: ignore[attr-defined]
APPOINTMENTS: Table = AppointmentRow.__table__  # type: ignore[attr-defined]


class Records(Rows):
    """Reads and writes of everything but the queue itself."""

    def add_rating(self, row: RatingRow) -> None:
        self._save(row)

    def rating(self, ticket_id: str) -> RatingRow | None:
        return self.s.get(RatingRow, ticket_id)

    def day_ratings(self, hall_id: str, day: date) -> list[RatingRow]:
        return list(
            self.s.scalars(
                select(RatingRow).where(
                    col(RatingRow.hall_id) == hall_id, col(RatingRow.business_date) == day
                )
            )
        )

    def add_audit(self, row: AuditRow) -> None:
        self._save(row)

    def audit_rows(self, hall_id: str, start: datetime, end: datetime) -> list[AuditRow]:
        return list(
            self.s.scalars(
                select(AuditRow)
                .where(
                    col(AuditRow.hall_id) == hall_id,
                    col(AuditRow.at) >= start,
                    col(AuditRow.at) < end,
                )
                .order_by(col(AuditRow.at), col(AuditRow.id))
            )
        )

    def add_token(self, row: TokenRow) -> None:
        self._save(row)

    def token(self, token_hash: str) -> TokenRow | None:
        return self.s.scalars(
            select(TokenRow).where(col(TokenRow.token_hash) == token_hash)
        ).first()

    def token_by_claim(self, claim_hash: str) -> TokenRow | None:
        return self.s.scalars(
            select(TokenRow).where(col(TokenRow.claim_hash) == claim_hash)
        ).first()

    def token_by_id(self, token_id: str) -> TokenRow:
        row = self.s.get(TokenRow, token_id)
        if row is None:
            raise NotFound(
                f"没有编号为 {token_id[:16]} 的令牌",
                en=f"no token with id {token_id[:16]!r}",
                code="unknown_token",
            )
        return row

    def tokens(self, hall_id: str | None) -> list[TokenRow]:
        query = select(TokenRow).order_by(col(TokenRow.created_at), col(TokenRow.id))
        if hall_id is not None:
            query = query.where(col(TokenRow.hall_id) == hall_id)
        return list(self.s.scalars(query))

    def save_token(self, row: TokenRow) -> None:
        self._save(row)

    def delete_tokens(self, hall_id: str, label: str) -> int:
        rows = list(
            self.s.scalars(
                select(TokenRow).where(
                    col(TokenRow.hall_id) == hall_id, col(TokenRow.label) == label
                )
            )
        )
        for row in rows:
            self.s.delete(row)
        return len(rows)

    def device(self, token_id: str) -> DeviceRow | None:
        return self.s.get(DeviceRow, token_id)

    def save_device(self, row: DeviceRow) -> None:
        self._save(row)

    def devices(self, hall_id: str) -> list[DeviceRow]:
        return list(
            self.s.scalars(
                select(DeviceRow)
                .where(col(DeviceRow.hall_id) == hall_id)
                .order_by(col(DeviceRow.token_id))
            )
        )

    def reporting_devices(self, hall_id: str) -> list[DeviceRow]:
        """The devices that reported a state (printers), of credentials still
        valid: a page that only beats, or a revoked device, is nobody's fault."""
        return list(
            self.s.scalars(
                select(DeviceRow)
                .join(TokenRow, col(TokenRow.id) == col(DeviceRow.token_id))
                .where(
                    col(DeviceRow.hall_id) == hall_id,
                    col(DeviceRow.state) != "",
                    col(TokenRow.revoked_at).is_(None),
                )
                .order_by(col(DeviceRow.token_id))
            )
        )

    def alert(self, hall_id: str, kind: str, key: str) -> AlertRow | None:
        return self.s.get(AlertRow, (hall_id, kind, key))

    def add_alert(self, row: AlertRow) -> None:
        self._save(row)

    def day_alerts(self, hall_id: str, day: date) -> list[AlertRow]:
        return list(
            self.s.scalars(
                select(AlertRow)
                .where(col(AlertRow.hall_id) == hall_id, col(AlertRow.business_date) == day)
                .order_by(col(AlertRow.at))
            )
        )

    def alert_acks(self, hall_id: str, alert_ids: list[str]) -> dict[str, AlertAckRow]:
        if not alert_ids:
            return {}
        rows = self.s.scalars(
            select(AlertAckRow).where(
                col(AlertAckRow.hall_id) == hall_id, col(AlertAckRow.alert_id).in_(alert_ids)
            )
        )
        return {row.alert_id: row for row in rows}

    def add_alert_ack(self, row: AlertAckRow) -> None:
        self._save(row)

    def day_report(self, hall_id: str, day: date) -> DayReportRow | None:
        return self.s.get(DayReportRow, (hall_id, day))

    def add_day_report(self, row: DayReportRow) -> None:
        self._save(row)

    def figure_snapshot(self, hall_id: str, at: datetime) -> FigureSnapshotRow | None:
        return self.s.get(FigureSnapshotRow, (hall_id, at))

    def add_figure_snapshot(self, row: FigureSnapshotRow) -> None:
        self._save(row)

    def figure_snapshots(self, hall_id: str, day: date) -> list[FigureSnapshotRow]:
        return list(
            self.s.scalars(
                select(FigureSnapshotRow)
                .where(
                    col(FigureSnapshotRow.hall_id) == hall_id,
                    col(FigureSnapshotRow.business_date) == day,
                )
                .order_by(col(FigureSnapshotRow.at))
            )
        )

    def hall_ids(self) -> list[str]:
        return list(self.s.scalars(select(HallRow.id).order_by(col(HallRow.id))))

    def appointment(self, code: str) -> AppointmentRow | None:
        return self.s.get(AppointmentRow, code)

    def save_appointment(self, row: AppointmentRow) -> None:
        self._save(row)

    def appointments(self, *where: Any) -> list[AppointmentRow]:
        return list(self.s.scalars(select(AppointmentRow).where(*where)))

    def pending_booking(self, pending_id: str) -> PendingBookingRow | None:
        return self.s.get(PendingBookingRow, pending_id)

    def save_pending_booking(self, row: PendingBookingRow) -> None:
        self._save(row)

    def drop_pending_bookings(self, *where: Any) -> None:
        """Forget pending bookings (a confirmed one, or those past their time)."""
        self.s.execute(delete(PendingBookingRow).where(*where))

    def ban(self, id_hash: str) -> BookingBanRow | None:
        return self.s.get(BookingBanRow, id_hash)

    def save_ban(self, row: BookingBanRow) -> None:
        self._save(row, merge=True)

    def meta(self, key: str) -> str | None:
        row = self.s.get(MetaRow, key)
        return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._save(MetaRow(key=key, value=value), merge=True)

    def delete_meta(self, key: str) -> None:
        self.s.execute(delete(MetaRow).where(col(MetaRow.key) == key))

    def shrink_id_masks(self, mask: Callable[[str], str]) -> int:
        """Rewrite the ID masks of tickets and bookings as `mask` gives them
        (masks written before it kept 8 of 18 characters); the rows changed."""
        changed = 0
        for table, key in ((TICKETS, TICKETS.c.id), (APPOINTMENTS, APPOINTMENTS.c.code)):
            rows = self.s.execute(
                sa_select(key, table.c.id_masked).where(table.c.id_masked.is_not(None))
            ).all()
            for row_key, old in rows:
                if (new := mask(old)) != old:
                    self.s.execute(update(table).where(key == row_key).values(id_masked=new))
                    changed += 1
        return changed
