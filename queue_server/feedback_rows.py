"""A transaction's 好差评 records: cases, 容缺受理 follow-ups and the outbox."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import col, select

from .feedback_models import CaseRow, DeliveryRow, FollowupRow, OutboxRow
from .models import HallRow, RatingRow
from .ticket_rows import Rows


class FeedbackRows(Rows):
    def save_rating(self, row: RatingRow) -> None:
        self._save(row, merge=True)

    def hall_feedback(self, hall_id: str) -> dict[str, Any]:
        """The hall's 好差评 settings ({"reasons": [...]}); {} when it has none."""
        row = self.s.get(HallRow, hall_id)
        return dict(row.feedback or {}) if row is not None else {}

    def add_case(self, row: CaseRow) -> None:
        self._save(row)

    def case(self, case_id: str) -> CaseRow | None:
        return self.s.get(CaseRow, case_id)

    def ticket_cases(self, ticket_id: str) -> list[CaseRow]:
        query = select(CaseRow).where(col(CaseRow.ticket_id) == ticket_id)
        return list(self.s.scalars(query.order_by(col(CaseRow.opened_at))))

    def cases(
        self,
        hall_id: str,
        statuses: Sequence[str] | None = None,
        opened_from: datetime | None = None,
        opened_to: datetime | None = None,
    ) -> list[CaseRow]:
        query = select(CaseRow).where(col(CaseRow.hall_id) == hall_id)
        if statuses is not None:
            query = query.where(col(CaseRow.status).in_(statuses))
        if opened_from is not None:
            query = query.where(col(CaseRow.opened_at) >= opened_from)
        if opened_to is not None:
            query = query.where(col(CaseRow.opened_at) < opened_to)
        return list(self.s.scalars(query.order_by(col(CaseRow.opened_at), col(CaseRow.id))))

    def save_case(self, row: CaseRow) -> None:
        """Write a changed case; its `version` guards against a second writer."""
        row.version += 1
        self._save(row)

    def add_followup(self, row: FollowupRow) -> None:
        self._save(row)

    def followup(self, ticket_id: str) -> FollowupRow | None:
        return self.s.get(FollowupRow, ticket_id)

    def followups(self, hall_id: str, open_only: bool = True) -> list[FollowupRow]:
        query = select(FollowupRow).where(col(FollowupRow.hall_id) == hall_id)
        if open_only:
            query = query.where(col(FollowupRow.closed_at).is_(None))
        return list(self.s.scalars(query.order_by(col(FollowupRow.due_date))))

    def followups_opened(self, hall_id: str, start: datetime, end: datetime) -> list[FollowupRow]:
        query = select(FollowupRow).where(
            col(FollowupRow.hall_id) == hall_id,
            col(FollowupRow.opened_at) >= start,
            col(FollowupRow.opened_at) < end,
        )
        return list(self.s.scalars(query.order_by(col(FollowupRow.opened_at))))

    def save_followup(self, row: FollowupRow) -> None:
        self._save(row)

    def add_outbox(self, row: OutboxRow) -> None:
        self._save(row)

    def outbox_due(self, now: datetime, limit: int, channel: str | None = None) -> list[OutboxRow]:
        """Undelivered messages (of `channel`, or all) whose next attempt is due,
        oldest first."""
        query = select(OutboxRow).where(
            col(OutboxRow.delivered_at).is_(None),
            col(OutboxRow.gave_up_at).is_(None),
            col(OutboxRow.next_at) <= now,
        )
        if channel is not None:
            query = query.where(col(OutboxRow.channel) == channel)
        order = (col(OutboxRow.next_at), col(OutboxRow.id))
        return list(self.s.scalars(query.order_by(*order).limit(limit)))

    def claim_outbox(self, row: OutboxRow, until: datetime) -> bool:
        """Take a message for one attempt: push its next attempt to `until`, so
        another process does not send it meanwhile. False when another took it."""
        taken = self.s.connection().execute(
            update(OutboxRow)
            .where(col(OutboxRow.id) == row.id, col(OutboxRow.next_at) == row.next_at)
            .values(next_at=until)
        )
        return taken.rowcount == 1

    def outbox(self, outbox_id: int) -> OutboxRow | None:
        return self.s.get(OutboxRow, outbox_id)

    def outbox_counts(self, hall_id: str) -> dict[str, int]:
        """The hall's messages by state: pending, delivered, given_up."""
        state = case(
            (col(OutboxRow.delivered_at).is_not(None), "delivered"),
            (col(OutboxRow.gave_up_at).is_not(None), "given_up"),
            else_="pending",
        )
        query = select(state, func.count()).where(col(OutboxRow.hall_id) == hall_id).group_by(state)
        found = {str(k): int(n) for k, n in self.s.execute(query)}
        return {k: found.get(k, 0) for k in ("pending", "delivered", "given_up")}

    def outbox_rows(self, hall_id: str, limit: int) -> list[OutboxRow]:
        query = select(OutboxRow).where(col(OutboxRow.hall_id) == hall_id)
        return list(self.s.scalars(query.order_by(col(OutboxRow.id).desc()).limit(limit)))

    def unsent(self, hall_id: str, kind: str) -> list[OutboxRow]:
        """A hall's messages of `kind` neither sent nor given up."""
        query = select(OutboxRow).where(
            col(OutboxRow.hall_id) == hall_id,
            col(OutboxRow.kind) == kind,
            col(OutboxRow.delivered_at).is_(None),
            col(OutboxRow.gave_up_at).is_(None),
        )
        return list(self.s.scalars(query))

    def drop_outbox(self, row: OutboxRow) -> None:
        with self._writing():
            self.s.delete(row)

    def save_outbox(self, row: OutboxRow) -> None:
        self._save(row, merge=True)

    def add_delivery(self, row: DeliveryRow) -> None:
        self._save(row)

    def deliveries(self, hall_id: str, limit: int) -> list[DeliveryRow]:
        query = select(DeliveryRow).where(col(DeliveryRow.hall_id) == hall_id)
        return list(self.s.scalars(query.order_by(col(DeliveryRow.id).desc()).limit(limit)))
