"""A transaction's reads of tickets, one by one or by the day, and of their
transitions. `Rows` is the base of the query classes `store.Tx` is made of.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, bindparam, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from .domain import Entry, Step, Ticket
from .errors import NotFound
from .models import EventRow, TicketRow, TransitionRow
from .protocol import TicketStatus
from .row_mapping import ticket_from_row

TICKETS: Table = TicketRow.__table__  # type: ignore[attr-defined]
TRANSITIONS: Table = TransitionRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]

_INSERT_STEP = insert(TRANSITIONS)
_TICKET = sa_select(TICKETS).where(TICKETS.c.id == bindparam("t_id"))
_SET_GREEN_CHECK = (
    TICKETS.update()
    .where(TICKETS.c.id == bindparam("t_id"))
    .values(green_check=bindparam("g_check"), priority=bindparam("g_priority"))
)
_BY_IDEM_KEY = sa_select(TICKETS.c.id, TICKETS.c.service).where(
    TICKETS.c.hall_id == bindparam("hall"), TICKETS.c.idem_key == bindparam("key")
)


class Rows:
    """The open session a transaction's queries run in, and the transitions it
    has logged but not inserted yet (one INSERT for all, before anyone reads them)."""

    def __init__(self, session: Session, dialect: str) -> None:
        self.s = session
        self.dialect = dialect
        self._steps: list[dict[str, Any]] = []

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """ORM changes made inside are flushed in a savepoint of their own.

        A batch's parts are plain SAVEPOINTs (`StateRows.savepoint`), and a
        failed ORM flush outside a nested transaction ends the session's whole
        transaction: a row the database refuses must fail its own change only.
        Every ORM write goes through here (the hot paths write with Core)."""
        with self.s.begin_nested():
            yield

    def _save(self, row: Any, *, merge: bool = False) -> None:
        with self._writing():
            self.s.merge(row) if merge else self.s.add(row)

    def _insert_steps(self) -> None:
        if self._steps:
            self.s.connection().execute(_INSERT_STEP, self._steps)
            self._steps.clear()


class TicketRows(Rows):
    """Tickets as stored, with what the domain ticket does not carry (masked ID, ...)."""

    def ticket(self, ticket_id: str) -> Ticket:
        return ticket_from_row(self.ticket_row(ticket_id))

    def ticket_row(self, ticket_id: str) -> Row[Any]:
        """The stored row, with what the domain ticket does not carry (masked ID, ...)."""
        row = self.s.connection().execute(_TICKET, {"t_id": ticket_id}).first()
        if row is None:
            raise NotFound(
                "找不到这张号票，请核对号票地址或号码",
                en=f"unknown ticket {ticket_id!r}",
                code="unknown_ticket",
            )
        return row

    def set_green_check(self, ticket_id: str, verdict: str, priority: str) -> None:
        """A clerk's verdict on a claimed green channel (declared_groups), and
        the class the figures count the ticket in."""
        values = {"t_id": ticket_id, "g_check": verdict, "g_priority": priority}
        self.s.connection().execute(_SET_GREEN_CHECK, values)

    def ticket_by_number(self, hall_id: str, day: date, number: str) -> Ticket:
        """The live leg of today's ticket with that number (transfers share it)."""
        row = self.s.scalars(
            select(TicketRow)
            .where(
                col(TicketRow.hall_id) == hall_id,
                col(TicketRow.business_date) == day,
                col(TicketRow.number) == number,
                col(TicketRow.transferred_to).is_(None),
            )
            .limit(1)
        ).first()
        if row is None:
            raise NotFound(
                f"今天没有 {number} 号",
                en=f"no ticket {number} today in hall {hall_id!r}",
                code="unknown_ticket",
            )
        return ticket_from_row(row)

    def _tickets(self, *where: Any, order: Any = (), limit: int | None = None) -> list[Ticket]:
        """Tickets as plain rows (no ORM instances): lists can be long and hot."""
        query = sa_select(TICKETS).where(*where).order_by(*order).limit(limit)
        return [ticket_from_row(r) for r in self.s.execute(query)]

    def tickets_with_status(self, hall_id: str, statuses: Sequence[TicketStatus]) -> list[Ticket]:
        return self._tickets(
            TICKETS.c.hall_id == hall_id, TICKETS.c.status.in_([s.value for s in statuses])
        )

    def day_tickets(self, hall_id: str, day: date) -> list[Ticket]:
        return self._tickets(
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.business_date == day,
            order=(TICKETS.c.issued_at, TICKETS.c.number),  # same-instant tickets by number
        )

    def day_counts(self, hall_id: str, day: date) -> tuple[dict[TicketStatus, int], float | None]:
        """The day's tickets by status, and the mean wait (s, issue to first call) of
        the first legs called: counted by the database, none loaded, so the cost of
        asking does not grow with the day while the hall waits for the answer."""
        of_day = (TICKETS.c.hall_id == hall_id, TICKETS.c.business_date == day)
        counts = self.s.execute(
            sa_select(TICKETS.c.status, func.count()).where(*of_day).group_by(TICKETS.c.status)
        )
        waited = self._seconds(TICKETS.c.first_called_at, TICKETS.c.issued_at)
        mean = self.s.execute(
            sa_select(func.avg(waited)).where(
                *of_day,
                TICKETS.c.parent_id.is_(None),
                TICKETS.c.first_called_at.is_not(None),
                TICKETS.c.entry != Entry.HOME_VISIT.value,  # waited in no hall
            )
        ).scalar()
        by_status = {TicketStatus(status): n for status, n in counts}
        return by_status, None if mean is None else float(mean)

    def _seconds(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return func.extract("epoch", later - earlier)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def recently_called(self, hall_id: str, day: date, limit: int) -> list[Ticket]:
        return self._tickets(
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.business_date == day,
            TICKETS.c.called_at.is_not(None),
            order=(TICKETS.c.called_at.desc(),),
            limit=limit,
        )

    def called_since(self, hall_id: str, day: date, window: int, since: datetime) -> list[Ticket]:
        """The tickets window `window` has called (or recalled) after `since` on `day`."""
        return self._tickets(
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.business_date == day,
            TICKETS.c.window == window,
            TICKETS.c.called_at > since,
        )

    def idempotent(self, hall_id: str, key: str) -> tuple[str, str] | None:
        """(ticket id, service) of the ticket issued under this Idempotency-Key."""
        row = self.s.connection().execute(_BY_IDEM_KEY, {"hall": hall_id, "key": key}).first()
        return (row.id, row.service) if row else None

    def active_for_person(self, hall_id: str, service: str, id_hash: str) -> Ticket | None:
        row = self.s.scalars(
            select(TicketRow).where(
                col(TicketRow.hall_id) == hall_id,
                col(TicketRow.service) == service,
                col(TicketRow.id_hash) == id_hash,
                col(TicketRow.status).in_(
                    [
                        TicketStatus.WAITING,
                        TicketStatus.CALLED,
                        TicketStatus.SERVING,
                        TicketStatus.SUSPENDED,
                    ]
                ),
            )
        ).first()
        return ticket_from_row(row) if row else None

    def issued_after(
        self, hall_id: str, after: int, *, by: str | None, limit: int
    ) -> list[tuple[int, Ticket]]:
        """(seq, ticket as it is now) of the tickets issued after feed seq `after`,
        oldest first; only those issued by token `by`, when given."""
        query = (
            sa_select(EVENTS.c.seq, TICKETS)
            .join(TICKETS, TICKETS.c.id == EVENTS.c.ticket_id)
            .where(
                EVENTS.c.hall_id == hall_id,
                EVENTS.c.seq > after,
                EVENTS.c.type == "ticket.issued",
            )
            .order_by(EVENTS.c.seq)
            .limit(limit)
        )
        if by is not None:
            query = query.where(TICKETS.c.issued_by == by)
        return [(row.seq, ticket_from_row(row)) for row in self.s.execute(query)]

    def transitions(self, ticket_id: str) -> list[TransitionRow]:
        self._insert_steps()
        return list(
            self.s.scalars(
                select(TransitionRow)
                .where(TransitionRow.ticket_id == ticket_id)
                .order_by(col(TransitionRow.id))
            )
        )

    def number_transitions(self, hall_id: str, day: date, number: str) -> list[TransitionRow]:
        """Every step of one number's day, over all its legs (a transfer makes a
        new leg with the same number), in the order they were stored."""
        self._insert_steps()
        return list(
            self.s.scalars(
                select(TransitionRow)
                .join(TicketRow, col(TicketRow.id) == col(TransitionRow.ticket_id))
                .where(
                    col(TicketRow.hall_id) == hall_id,
                    col(TicketRow.business_date) == day,
                    col(TicketRow.number) == number,
                )
                .order_by(col(TransitionRow.id))
            )
        )

    def day_steps(self, hall_id: str, day: date) -> list[Step]:
        """The transitions of the day's tickets, in the order they were stored."""
        self._insert_steps()
        rows = self.s.execute(
            select(
                col(TransitionRow.ticket_id),
                col(TransitionRow.action),
                col(TransitionRow.window),
                col(TransitionRow.at),
            )
            .join(TicketRow, col(TicketRow.id) == col(TransitionRow.ticket_id))
            .where(col(TicketRow.hall_id) == hall_id, col(TicketRow.business_date) == day)
            .order_by(col(TransitionRow.id))
        )
        return [Step(ticket_id=t, action=a, window=w, at=at) for t, a, w, at in rows]
