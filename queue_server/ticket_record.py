"""A ticket's record for the hall's supervisors and admins (issue 14: who
served whom): every step of a number's day — issued, called, started,
transferred, finished … — with its time, window and the 工号 of the member
who made it, over all the legs a transfer made. No visitor's data: the
record names the number, the service and the staff, never the holder.
Numbers restart every day: a number is looked up on one business day (the
hall's today unless a `date` says which)."""

from datetime import date
from typing import Any

from .access import Principal, Role, actor_staff_no, require
from .domain import Hall, Ticket
from .errors import NotFound
from .public import local_iso
from .reports import parse_date
from .store import Tx
from .transactions import Runner


class TicketRecord(Runner):
    def ticket_record(
        self, principal: Principal, hall_id: str, wanted: str, day: str | None = None
    ) -> dict[str, Any]:
        """The record of a ticket given by id, or by its number (A023) on `day`
        (YYYY-MM-DD; the hall's today by default). An id names its own day."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        when = parse_date(day) if day else None
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            today = hall.business_date(self.clock())
            ticket = _find(tx, hall, wanted, when or today, today)
            rows = tx.number_transitions(hall_id, ticket.business_date, ticket.number)
        service = self.catalogue.services.get(ticket.service)
        steps = [
            {
                "at": local_iso(row.at, hall.zone),
                "action": row.action,
                "from": row.from_status,
                "to": row.to_status,
                "window": row.window,
                "staff_no": actor_staff_no(row.actor, hall_id),
                "actor": row.actor,
            }
            # A call says why (叫号原因) and how many waiting tickets it passed over.
            | ({"reason": row.reason, "passed": row.passed} if row.action == "call" else {})
            for row in rows
        ]
        return {
            "hall": hall_id,
            "number": ticket.number,
            "date": ticket.business_date.isoformat(),
            "service": ticket.service,
            "service_name": service.name if service else ticket.service,
            "status": ticket.status.value,
            "steps": steps,
        }


def _find(tx: Tx, hall: Hall, wanted: str, day: date, today: date) -> Ticket:
    """A ticket of `hall` by id, else by its number on `day` (its live leg)."""
    try:
        ticket = tx.ticket(wanted)
    except NotFound:
        return _by_number(tx, hall, wanted.upper(), day, today)
    if ticket.hall != hall.id:  # another hall's id: as unknown as a made-up one
        raise NotFound(
            f"本大厅没有号码或编号为 {wanted} 的票",
            en=f"unknown ticket {wanted!r}",
            code="unknown_ticket",
        )
    return ticket


def _by_number(tx: Tx, hall: Hall, number: str, day: date, today: date) -> Ticket:
    """The live leg of `number` on `day`. Another day than today is named in
    the refusal: "今天没有 A023 号" would send the reader to the wrong day."""
    try:
        return tx.ticket_by_number(hall.id, day, number)
    except NotFound as refused:
        if day == today:
            raise
        raise NotFound(
            f"{day.isoformat()} 没有 {number} 号",
            en=f"no ticket {number} on {day.isoformat()} in hall {hall.id!r}",
            code="unknown_ticket",
        ) from refused
