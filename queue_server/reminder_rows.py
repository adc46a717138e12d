"""A transaction's rows of text reminders: which tickets' holders opted in, and
what was sent. Written beside the ticket's own columns, never over its
version: a reminder is no move of the queue, and the hall's kept state stays
valid."""

from typing import Any

from sqlalchemy import Row, Table, bindparam, or_, update
from sqlalchemy import select as sa_select

from .models import TicketRow
from .protocol import TicketStatus
from .ticket_rows import Rows

TICKETS: Table = TicketRow.__table__  # type: ignore[attr-defined]
AHEAD, CALLED = "ahead", "called"  # reminders.Reminded: the texts a ticket's holder gets

_SET = update(TICKETS).where(TICKETS.c.id == bindparam("t_id"))


def next_leg_reminders(parent: Row[Any]) -> dict[str, Any]:
    """A transfer's next leg keeps its holder's text reminders: only its call
    is texted (the holder, just served, is in the hall: nothing is "near")."""
    on = parent.phone_enc is not None
    return {
        "phone_enc": parent.phone_enc,
        "remind_ahead": parent.remind_ahead,
        "reminded": AHEAD if on else None,
    }


class ReminderRows(Rows):
    def reminder_rows(self, hall_id: str) -> list[Row[Any]]:
        """The hall's waiting or called tickets whose holders opted in and have
        texts still to come: id, phone_enc, remind_ahead, reminded."""
        query = sa_select(
            TICKETS.c.id, TICKETS.c.phone_enc, TICKETS.c.remind_ahead, TICKETS.c.reminded
        ).where(
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.status.in_([TicketStatus.WAITING.value, TicketStatus.CALLED.value]),
            TICKETS.c.phone_enc.is_not(None),
            or_(TICKETS.c.reminded.is_(None), TICKETS.c.reminded != CALLED),
        )
        return list(self.s.execute(query))

    def set_reminder(
        self, ticket_id: str, phone_enc: str | None, ahead: int | None, reminded: str | None
    ) -> None:
        """Opt a ticket's holder in (a sealed phone and "N ahead") or out (None)."""
        values = {"phone_enc": phone_enc, "remind_ahead": ahead, "reminded": reminded}
        self.s.connection().execute(_SET, values | {"t_id": ticket_id})

    def mark_reminded(self, ticket_id: str, reminded: str) -> None:
        self.s.connection().execute(_SET, {"reminded": reminded, "t_id": ticket_id})
