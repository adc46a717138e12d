"""The 办事指引 of a ticket's item, for its holder's page (`/t/{id}`).

The holder sees the personal 收件清单 when the ticket carries answers (given
at the kiosk or with the booking); without them, the item's tree, so the
page can walk it there and then. Nothing is written: the answers a visitor
gives on the page stay on the page.
"""

from typing import Any

from .guide_trees import answered
from .transactions import Runner
from .views import live_leg


class TicketGuides(Runner):
    def ticket_checklist(self, ticket_id: str) -> dict[str, Any]:
        """The ticket's item, its tree (None without one), the answers given and
        the personal checklist (no token: the unguessable id is the key)."""
        with self.store.read() as tx:
            ticket = live_leg(tx, ticket_id)
            answers = tx.ticket_row(ticket.id).answers
            hall = tx.hall(ticket.hall)
        service = self.catalogue.for_hall(hall)[0][ticket.service]
        guide = self.catalogue.guide(service.code, hall)
        return {
            "id": ticket_id,
            "service": service.code,
            "service_name": service.name,
            "materials": list(service.materials),
            "guide": guide.public() if guide else None,
        } | answered(guide, answers, service.materials)
