"""A ticket's record for the hall's supervisors and admins (issue 14: who
served whom): every step of a number's day — issued, called, started,
transferred, finished … — with its time, window and the 工号 of the member
who made it, over all the legs a transfer made. No visitor's data: the
record names the number, the service and the staff, never the holder."""

from datetime import datetime
from typing import Any

from .access import Principal, Role, actor_staff_no, require
from .domain import Hall, Ticket
from .errors import NotFound
from .public import local_iso
from .store import Tx
from .transactions import Runner


class TicketRecord(Runner):
    def ticket_record(self, principal: Principal, hall_id: str, wanted: str) -> dict[str, Any]:
        """The record of a ticket given by id, or by today's number (A023)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            ticket = _find(tx, hall, wanted, self.clock())
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


def _find(tx: Tx, hall: Hall, wanted: str, now: datetime) -> Ticket:
    """A ticket of `hall` by id, else by today's number (its live leg)."""
    try:
        ticket = tx.ticket(wanted)
    except NotFound:
        return tx.ticket_by_number(hall.id, hall.business_date(now), wanted.upper())
    if ticket.hall != hall.id:  # another hall's id: as unknown as a made-up one
        raise NotFound(
            f"本大厅没有号码或编号为 {wanted} 的票",
            en=f"unknown ticket {wanted!r}",
            code="unknown_ticket",
        )
    return ticket
