"""Text reminders (短信提醒) for a ticket's holder who opted in with a verified phone.

Two texts at most per leg of a ticket, each once: "N ahead" when the people
ahead (as the holder's page counts them) fall to the holder's N, and
"called" when it is called to a window. `due` decides, pure; `queue_due`
writes the texts due to the outbox in the hall's write transaction and marks
the ticket (`TicketRow.reminded`), so a text is never sent for a change that
did not commit, nor twice. Calling a ticket runs it in the call's own
transaction (a call is what moves the queue; the outbox's sender delivers
later, so a slow provider never slows a call); the hall's frequent job
(`ticket_reminders.remind_holders`) runs it for whatever else moved the
queue (a cancel, a no-show, a window opened).

The phone stays sealed in the ticket's row and the outbox; no phone reaches
an event, a log line or the delivery log.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from . import outbox
from .domain import STAFFED, Ticket
from .hall_state import HallState
from .protocol import TicketStatus
from .reminder_rows import AHEAD, CALLED
from .sms import Sms, SmsKind
from .store import Tx


class Reminded(StrEnum):
    """The last text a ticket's holder got (`TicketRow.reminded`)."""

    AHEAD = AHEAD
    CALLED = CALLED


KIND = {Reminded.AHEAD: SmsKind.AHEAD, Reminded.CALLED: SmsKind.CALLED}


def due(
    status: TicketStatus, position: int | None, ahead: int, reminded: str | None
) -> Reminded | None:
    """The text a ticket's holder is owed now, if any: "called" once called
    (even if "N ahead" never came: a queue can move fast), "N ahead" once
    while waiting with `ahead` people or fewer before it (`position`; None
    while no staffed window takes it: nobody is calling, nothing is near)."""
    if status is TicketStatus.CALLED:
        return None if reminded == Reminded.CALLED else Reminded.CALLED
    near = position is not None and position <= ahead
    if status is TicketStatus.WAITING and reminded is None and near:
        return Reminded.AHEAD
    return None


def position(state: HallState, ticket: Ticket, now: datetime) -> int | None:
    """The people ahead of a waiting ticket, as its holder's page counts them;
    None while no staffed window takes it (the page says so instead)."""
    if ticket.status is not TicketStatus.WAITING:
        return None
    if not any(w.accepts(ticket) and w.state in STAFFED for w in state.window_list()):
        return None
    return state.estimate(ticket, now).position


@dataclass(frozen=True, slots=True)
class Owed:
    ticket_id: str
    reminded: Reminded
    sms: Sms
    number: str
    phone_enc: str


def owed(tx: Tx, state: HallState, now: datetime) -> list[Owed]:
    """The texts the hall's opted-in holders are owed at `now` (reads only)."""
    found = []
    for row in tx.reminder_rows(state.hall.id):
        ticket = state.tickets.get(row.id)
        if ticket is None:
            continue
        ahead = position(state, ticket, now)
        step = due(ticket.status, ahead, row.remind_ahead or 0, row.reminded)
        if step is None:
            continue
        hall, number = state.hall.name, ticket.number
        if step is Reminded.AHEAD:
            sms = Sms.of(SmsKind.AHEAD, hall=hall, number=number, ahead=ahead)
        else:
            sms = Sms.of(SmsKind.CALLED, hall=hall, number=number, window=ticket.window)
        found.append(Owed(ticket.id, step, sms, number, row.phone_enc))
    return found


def queue_due(tx: Tx, state: HallState, now: datetime) -> int:
    """Queue the texts owed (in the hall's write transaction); how many."""
    texts = owed(tx, state, now)
    for text in texts:
        if text.reminded is Reminded.CALLED:  # an "N ahead" still waiting is late now
            for row in tx.unsent(state.hall.id, SmsKind.AHEAD.value):
                if row.payload.get("ticket_id") == text.ticket_id:
                    tx.drop_outbox(row)
        payload = {
            "phone": text.phone_enc,
            "sms": text.sms.payload(),
            "number": text.number,
            "ticket_id": text.ticket_id,  # never shown: the delivery log names the number
        }
        outbox.enqueue(tx, state.hall.id, outbox.SMS, KIND[text.reminded].value, payload, now)
        tx.mark_reminded(text.ticket_id, text.reminded.value)
    return len(texts)
