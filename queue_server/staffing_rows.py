"""A transaction's read for the staffing advice: the legs of some business
days, with only the times the forecast needs. Plain tuples, no ORM instances."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Table
from sqlalchemy import select as sa_select

from .domain import Entry
from .models import TicketRow
from .ticket_rows import Rows

TICKETS: Table = TicketRow.__table__  # type: ignore[attr-defined]


class Leg(NamedTuple):
    business_date: date
    service: str
    first_leg: bool  # a visitor's first ticket (a transfer adds a leg, not a visitor)
    issued_at: datetime
    first_called_at: datetime | None
    finished_at: datetime | None


class StaffingRows(Rows):
    def legs_on(self, hall_id: str, days: Sequence[date]) -> list[Leg]:
        """The tickets of the business `days` that queued in the hall (home
        visits did not)."""
        if not days:
            return []
        query = sa_select(
            TICKETS.c.business_date,
            TICKETS.c.service,
            TICKETS.c.parent_id.is_(None),
            TICKETS.c.issued_at,
            TICKETS.c.first_called_at,
            TICKETS.c.finished_at,
        ).where(
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.business_date.in_(list(days)),
            TICKETS.c.entry != Entry.HOME_VISIT.value,
        )
        return [Leg(*r) for r in self.s.execute(query)]
