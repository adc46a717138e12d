"""A transaction's reads for the 好差评 report and the per-staff figures:
ratings over dates, done tickets with the 工号 that finished them, and a
day's transitions with their actors. Plain tuples, no ORM instances."""

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, and_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from .call_figures import CallStep
from .models import RatingRow, TicketRow, TransitionRow
from .protocol import TicketStatus
from .ticket_rows import Rows

TICKETS: Table = TicketRow.__table__  # type: ignore[attr-defined]
TRANSITIONS: Table = TransitionRow.__table__  # type: ignore[attr-defined]


class DoneTicket(NamedTuple):
    id: str
    service: str
    window: int | None
    business_date: date
    finished_at: datetime
    id_hash: str | None
    outcome: str | None
    finished_by: str | None  # the finish transition's actor


class ActorStep(NamedTuple):
    ticket_id: str
    action: str
    window: int | None
    at: datetime
    actor: str


class ReportRows(Rows):
    def ratings_between(self, hall_id: str, start: date, end: date) -> list[RatingRow]:
        """The ratings of the business days [start, end]."""
        return list(
            self.s.scalars(
                select(RatingRow).where(
                    col(RatingRow.hall_id) == hall_id,
                    col(RatingRow.business_date) >= start,
                    col(RatingRow.business_date) <= end,
                )
            )
        )

    def done_between(self, hall_id: str, start: date, end: date) -> list[DoneTicket]:
        """The done tickets of the business days [start, end], each with the
        actor of its finish (the 工号 is in it when a member finished it)."""
        self._insert_steps()
        query = (
            sa_select(
                TICKETS.c.id,
                TICKETS.c.service,
                TICKETS.c.window,
                TICKETS.c.business_date,
                TICKETS.c.finished_at,
                TICKETS.c.id_hash,
                TICKETS.c.outcome,
                TRANSITIONS.c.actor,
            )
            .outerjoin(
                TRANSITIONS,
                and_(TRANSITIONS.c.ticket_id == TICKETS.c.id, TRANSITIONS.c.action == "finish"),
            )
            .where(
                TICKETS.c.hall_id == hall_id,
                TICKETS.c.status == TicketStatus.DONE.value,
                TICKETS.c.business_date >= start,
                TICKETS.c.business_date <= end,
            )
            .order_by(TICKETS.c.finished_at)
        )
        return [DoneTicket(*r) for r in self.s.execute(query)]

    def day_actor_steps(self, hall_id: str, day: date) -> list[ActorStep]:
        """The transitions of the day's tickets with their actors, as stored."""
        t = TRANSITIONS.c
        rows = self._day_transitions(hall_id, day, t.ticket_id, t.action, t.window, t.at, t.actor)
        return [ActorStep(*r) for r in rows]

    def day_call_steps(self, hall_id: str, day: date) -> list[CallStep]:
        """The transitions of the day's tickets with their numbers and, for a
        call, its reason and the tickets it passed over; as stored."""
        t = TRANSITIONS.c
        columns = (t.ticket_id, TICKETS.c.number, t.action, t.at, t.window)
        rows = self._day_transitions(hall_id, day, *columns, t.reason, t.passed, t.passed_since)
        return [CallStep(*r) for r in rows]

    def _day_transitions(self, hall_id: str, day: date, *columns: Any) -> list[Any]:
        """`columns` of the transitions of the day's tickets, in the order stored."""
        self._insert_steps()
        query = (
            sa_select(*columns)
            .join(TICKETS, TICKETS.c.id == TRANSITIONS.c.ticket_id)
            .where(TICKETS.c.hall_id == hall_id, TICKETS.c.business_date == day)
            .order_by(TRANSITIONS.c.id)
        )
        return list(self.s.execute(query))
