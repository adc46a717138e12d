"""The hall's declared green-channel groups, and the clerk's check of a claim
(see declared_groups for what they are): `GET|PUT /api/halls/{hall}/declared-groups`
and the window action `green-check`."""

from datetime import datetime
from typing import Any

from . import audit
from .access import HALL_ROLES, Principal, Role, require
from .bodies import DeclaredGroupsIn, GreenCheckIn
from .declared_groups import CLAIMED, CONFIRMED, KEY, REMOVED, check_unique, groups
from .domain import PriorityClass
from .errors import Conflict
from .protocol import Event
from .store import Tx
from .transactions import Runner
from .views import window_view


class DeclaredGroups(Runner):
    def declared_groups(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        require(principal, HALL_ROLES | {Role.CLERK}, hall=hall_id)
        with self.store.read() as tx:
            return {"hall": hall_id, "groups": groups(tx.specials(hall_id))}

    def set_declared_groups(
        self, principal: Principal, hall_id: str, body: DeclaredGroupsIn
    ) -> dict[str, Any]:
        """Replace the hall's list (the director's console edits it whole)."""
        require(principal, set(), hall=hall_id)
        chosen = [g.model_dump() for g in body.groups]
        check_unique(chosen)

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            specials = tx.specials(hall_id)
            before = groups(specials)
            tx.set_hall(hall_id, specials=specials | {KEY: chosen})
            audit.record(
                tx,
                principal,
                hall_id,
                "declared_groups.set",
                "绿色通道群体",
                before={"groups": before},
                after={"groups": chosen},
                now=now,
            )
            return {"hall": hall_id, "groups": chosen}

        return self.write(hall_id, work)

    def green_check(
        self, principal: Principal, hall_id: str, number: int, body: GreenCheckIn
    ) -> dict[str, Any]:
        """The clerk (or a supervisor) confirms or removes the claim of the window's ticket."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id, window=number)
        verdict = CONFIRMED if body.confirm else REMOVED

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            state = self.state(tx, hall_id, now)
            window = state.window(number)
            ticket = state.tickets.get(window.ticket_id or "")
            if ticket is None or tx.ticket_row(ticket.id).green_check != CLAIMED:
                raise Conflict(
                    "当前号票没有待核验的绿色通道",
                    en="the window's ticket has no green channel waiting to be checked",
                    code="no_green_claim",
                )
            priority = ticket.priority if body.confirm else PriorityClass.NORMAL
            move = state.reclassify(ticket, priority, now, principal.actor, f"green_{verdict}")
            self.apply(tx, state, move, events)
            tx.set_green_check(ticket.id, verdict, priority.value)
            audit.record(
                tx,
                principal,
                hall_id,
                f"ticket.green_{'confirm' if body.confirm else 'remove'}",
                ticket.number,
                before={"green_check": CLAIMED},
                after={"green_check": verdict},
                now=now,
            )
            return window_view(tx, self.catalogue, state, state.window(number), now)

        return self.write(hall_id, work)
