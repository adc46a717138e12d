"""The clerk's actions on a window: each is one move of the hall's state.

The route names the window and the action; here the hall's state decides
(`HallState.call`, `on_current`, `transfer`, …), the move is saved, and the
clerk gets the window's view back. Nothing here commits: the runner does,
then publishes.
"""

import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from . import audit
from .access import Principal, Role, require
from .audit import record
from .bodies import CallIn, FinishIn, TicketRefIn, TransferIn
from .domain import Ticket, TicketAction, WindowAction, next_window_state
from .errors import InvalidInput, NotFound
from .followups import check_finish, open_followup
from .hall_state import ON_CURRENT, HallState
from .protocol import Event
from .public import WINDOW_EVENTS
from .rating_link import queue_rating_link
from .reminders import queue_due
from .store import Tx
from .transactions import Runner
from .views import ticket_view, window_view
from .window_staff import staff_events

OPEN_AND_CLOSE = frozenset(a.value for a in WINDOW_EVENTS)


def new_ticket_id() -> str:
    """Unguessable: the id is the holder's only key to their ticket's status.
    Never starting with '-', which a command line reads as an option
    (`ticket-printer print --ticket ID`)."""
    while (found := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return found


class Desk(Runner):
    def window_action(
        self, principal: Principal, hall_id: str, number: int, action: str, body: Any
    ) -> dict[str, Any] | None:
        """One clerk action on window `number`; None when call-next finds nobody."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id, window=number)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any] | None:
            state = self.state(tx, hall_id, now)
            view = self.act(tx, state, number, action, body, now, principal.actor, events)
            if action in OPEN_AND_CLOSE:  # who staffed the window when: the audit's
                audit.record(
                    tx, principal, hall_id, f"window.{action}", f"window {number}", now=now
                )
            if action == WindowAction.CLOSE:  # its member was signed out: the screen says so
                events.extend(staff_events(tx, state, [number], now))
            return view

        return self.write(hall_id, work)

    def act(
        self,
        tx: Tx,
        state: HallState,
        number: int,
        action: str,
        body: BaseModel | None,
        now: datetime,
        actor: str,
        events: list[Event],
    ) -> dict[str, Any] | None:
        """Run one window action; None when call-next finds nobody eligible."""
        window = state.window(number)  # an unknown window is refused first
        shown: Ticket | None = None  # the ticket the clerk's view shows, if not the held one
        if action in OPEN_AND_CLOSE:
            move = state.open_or_close(number, WindowAction(action), now)
            if action == WindowAction.CLOSE:  # a closed window keeps no member signed in
                tx.sign_out_window(state.hall.id, number)
        elif action == "call-next" or (action == "call" and isinstance(body, CallIn)):
            next_window_state(window, WindowAction.CALL)  # a busy window is refused first
            wanted = self.find(tx, state, body.ticket, now) if isinstance(body, CallIn) else None
            move, shown = state.call(number, wanted, now, actor)
            if shown is None:  # nobody to call; remote places may have been passed over
                self.apply(tx, state, move, events)
                return None
        elif action in ON_CURRENT:
            finish = body if isinstance(body, FinishIn) else FinishIn()
            due = check_finish(finish, state.hall, state.day.date)
            move, _, shown = state.on_current(number, action, now, actor, finish.outcome)
            if due is not None and action == "finish":
                open_followup(tx, shown, finish.missing, due, actor, now)
        elif action == "transfer" and isinstance(body, TransferIn):
            return self._transfer(tx, state, number, body, now, actor, events)
        elif action == "resume-ticket" and isinstance(body, TicketRefIn):
            ticket = self.find(tx, state, body.ticket, now)
            move, resumed = state.resume(ticket, now, actor)
            self.apply(tx, state, move, events)
            return window_view(tx, self.catalogue, state, state.window(number), now) | {
                "resumed": ticket_view(state, resumed, now)
            }
        else:
            raise NotFound(
                f"窗口没有“{action}”这项操作",
                en=f"unknown window action {action!r}",
                code="unknown_window_action",
            )
        self.apply(tx, state, move, events)
        if action in ("call-next", "call"):  # the queue moved: texts owed to those who opted in
            queue_due(tx, state, now)
        if action == "finish" and shown is not None:  # the 短信评价 link, with the finish
            name = state.service(shown.service).name
            queue_rating_link(tx, self.settings.public_url, state.hall, shown, name, now)
        return window_view(tx, self.catalogue, state, state.window(number), now, shown)

    def _transfer(
        self,
        tx: Tx,
        state: HallState,
        number: int,
        body: TransferIn,
        now: datetime,
        actor: str,
        events: list[Event],
    ) -> dict[str, Any]:
        window = state.window(number)
        next_window_state(window, WindowAction.TRANSFER)
        current = state.current(window)
        if body.service is None and body.window is None:
            raise InvalidInput(
                "转移需要指定事项或窗口（或两者）",
                en="transfer needs a service or a window (or both)",
                code="transfer_needs_target",
            )
        service = self.catalogue.service(body.service or current.service)
        move, old, leg = state.transfer(
            number, service, body.window, now, actor, leg_id=new_ticket_id()
        )
        self.apply(tx, state, move, events)
        return window_view(tx, self.catalogue, state, state.window(number), now, old) | {
            "new_ticket": ticket_view(state, leg, now)
        }

    def find(self, tx: Tx, state: HallState, wanted: str, now: datetime) -> Ticket:
        """A ticket of this hall by id, or by today's number (A023)."""
        if (found := state.find(wanted, state.day.date)) is not None:
            return found
        try:
            ticket = tx.ticket(wanted)
        except NotFound:
            return tx.ticket_by_number(state.hall.id, state.day.date, wanted.upper())
        if ticket.hall != state.hall.id:
            raise NotFound(
                f"本大厅没有号码或编号为 {wanted} 的票",
                en=f"unknown ticket {wanted!r}",
                code="unknown_ticket",
            )
        return ticket

    def cancel_by_staff(self, principal: Principal, hall_id: str, wanted: str) -> dict[str, Any]:
        """A supervisor cancels a waiting or suspended ticket, by id or today's number."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            state = self.state(tx, hall_id, now)
            ticket = self.find(tx, state, wanted, now)
            move = state.end(ticket, TicketAction.CANCEL, now, principal.actor)
            self.apply(tx, state, move, events)
            ticket = move.tickets[-1][0]
            record(tx, principal, hall_id, "ticket.cancel", ticket.number, now=now)
            return {"number": ticket.number, "status": ticket.status.value}

        return self.write(hall_id, work)

    def window_view(self, principal: Principal, hall_id: str, number: int) -> dict[str, Any]:
        """The clerk's view of a window, for a console that opens while it is busy."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id, window=number)
        with self.store.read() as tx:
            now = self.clock()
            state = self.state(tx, hall_id, now)
            return window_view(tx, self.catalogue, state, state.window(number), now)
