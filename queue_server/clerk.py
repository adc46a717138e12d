"""The clerk's actions on a window, inside one transaction.

A `Desk` is made per transaction with the caller, the time and the list the
events go to; each action asks the domain for the next window and ticket
states, saves them at the versions it read, records the transition and
describes the event. It never commits: `services.HallServices` does, then
publishes.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from .catalogue import Catalogue
from .dispatch import choose_next, resume_window
from .domain import (
    Entry,
    Hall,
    Ticket,
    TicketAction,
    Window,
    WindowAction,
    apply_ticket,
    apply_window,
    next_window_state,
    window_state_zh,
)
from .errors import Conflict, InvalidInput, NotFound
from .models import CallIn, FinishIn, TicketRefIn, TransferIn
from .protocol import Event, TicketStatus, WindowState
from .public import (
    TICKET_EVENTS,
    WINDOW_EVENTS,
    announcement,
    local_iso,
    public_ticket,
    public_window,
)
from .store import Tx
from .views import ticket_view, window_view

STATUS_ZH = {
    TicketStatus.WAITING: "等候中",
    TicketStatus.CALLED: "已叫号",
    TicketStatus.SERVING: "正在办理",
    TicketStatus.DONE: "已办结",
    TicketStatus.NO_SHOW: "已过号",
    TicketStatus.CANCELLED: "已取消",
    TicketStatus.TRANSFERRED: "已转移",
    TicketStatus.SUSPENDED: "已挂起",
    TicketStatus.UNSERVED: "今日未办理",
}

# Actions on the ticket the window holds: the window and the ticket move together.
ON_CURRENT = {"recall", "start", "finish", "no-show", "suspend"}


def new_ticket_id() -> str:
    """Unguessable: the id is the holder's only key to their ticket's status."""
    return secrets.token_urlsafe(12)


@dataclass
class Desk:
    tx: Tx
    catalogue: Catalogue
    now: datetime
    actor: str
    events: list[Event] = field(default_factory=list)

    def act(self, window: Window, action: str, body: BaseModel | None) -> dict[str, Any] | None:
        """Run one window action; None when call-next finds nobody eligible."""
        if action in {a.value for a in WINDOW_EVENTS}:
            window = self.window_step(window, WindowAction(action))
            if window.state in (WindowState.CLOSED, WindowState.PAUSED):
                # Visitors sent to this window must not wait for it until tomorrow, nor
                # through a break: its screen tells them to go to another window.
                self.tx.release_directed(window.hall, window.number)
            return window_view(self.tx, self.catalogue, window, self.now)
        if action == "call-next":
            return self.call(window, None)
        if action == "call" and isinstance(body, CallIn):
            return self.call(window, body.ticket)
        if action in ON_CURRENT:
            outcome = body.outcome if isinstance(body, FinishIn) else None
            return self.on_current(window, action, outcome)
        if action == "transfer" and isinstance(body, TransferIn):
            return self.transfer(window, body)
        if action == "resume-ticket" and isinstance(body, TicketRefIn):
            return self.resume(window, body.ticket)
        raise NotFound(
            f"窗口没有“{action}”这项操作",
            en=f"unknown window action {action!r}",
            code="unknown_window_action",
        )

    # ------------------------------------------------------------ steps

    def window_step(
        self, window: Window, action: WindowAction, ticket_id: str | None = None
    ) -> Window:
        window = self.tx.save_window(
            apply_window(window, action, now=self.now, ticket_id=ticket_id)
        )
        if action in WINDOW_EVENTS:
            self.events.append(Event(WINDOW_EVENTS[action], {"window": self._public(window)}))
        return window

    def ticket_step(
        self,
        ticket: Ticket,
        action: TicketAction,
        *,
        window: Window | None = None,
        outcome: str | None = None,
        transferred_to: str | None = None,
        back_to: int | None = None,
    ) -> Ticket:
        """Move `ticket`; its event carries the window's new state when one is given.
        `back_to` is the window a resumed ticket returns to (None: any)."""
        hall = self.tx.hall(ticket.hall)
        before = ticket.status
        changed = apply_ticket(
            ticket,
            action,
            now=self.now,
            window=window.number if window else back_to,
            policy=hall.policy,
            outcome=outcome,
        )
        changed = self.tx.save_ticket(changed, transferred_to=transferred_to)
        self.tx.record(changed, action.value, before, self.now, self.actor)
        data: dict[str, Any] = {
            "ticket": public_ticket(changed, self.catalogue.service(changed.service))
        }
        if window is not None:
            data["window"] = self._public(window)
        if action in (TicketAction.CALL, TicketAction.RECALL) and changed.window is not None:
            data["announcement"] = announcement(changed.number, changed.window)
            data["called_at"] = local_iso(changed.called_at, hall.zone)
        self.events.append(Event(TICKET_EVENTS[action], data, ticket_id=changed.id))
        return changed

    def _public(self, window: Window) -> dict[str, Any]:
        number = None
        if window.ticket_id is not None:
            number = self.tx.ticket(window.ticket_id).number
        return public_window(window, number, self.tx.hall(window.hall).zone)

    # ------------------------------------------------------------ actions

    def call(self, window: Window, wanted: str | None) -> dict[str, Any] | None:
        """Call the next eligible ticket, or the one named (指呼)."""
        hall = self.tx.hall(window.hall)
        next_window_state(window, WindowAction.CALL)  # a busy window is refused first
        if wanted is None:
            ticket = choose_next(self.tx.waiting(hall.id), window, hall.policy, self.now)
            if ticket is None:
                return None
        else:
            ticket = self.find(hall, wanted)
            if ticket.status is not TicketStatus.WAITING:
                raise Conflict(
                    f"{ticket.number} 号当前{STATUS_ZH[ticket.status]}，不在等候中，不能叫号",
                    en=f"ticket {ticket.number} is {ticket.status.value}, not waiting",
                    code="ticket_not_waiting",
                )
            if not window.accepts(ticket):
                name = self.catalogue.service(ticket.service).name
                raise Conflict(
                    f"{window.number} 号窗口不办理 {ticket.number} 号的事项（{name}）",
                    en=f"window {window.number} does not take ticket {ticket.number} ({name})",
                    code="window_does_not_take",
                )
        window = self.window_step(window, WindowAction.CALL, ticket.id)
        ticket = self.ticket_step(ticket, TicketAction.CALL, window=window)
        return window_view(self.tx, self.catalogue, window, self.now, ticket)

    def find(self, hall: Hall, wanted: str) -> Ticket:
        """A ticket of this hall by id, or by today's number (A023)."""
        try:
            ticket = self.tx.ticket(wanted)
        except NotFound:
            day = hall.business_date(self.now)
            return self.tx.ticket_by_number(hall.id, day, wanted.upper())
        if ticket.hall != hall.id:
            raise NotFound(
                f"本大厅没有号码或编号为 {wanted} 的票",
                en=f"unknown ticket {wanted!r}",
                code="unknown_ticket",
            )
        return ticket

    def current(self, window: Window) -> Ticket:
        if window.ticket_id is None:
            raise Conflict(
                f"{window.number} 号窗口{window_state_zh(window.state)}，没有在办的号，请先叫号",
                en=f"window {window.number} is {window.state.value} with no ticket; call one first",
                code="window_has_no_ticket",
            )
        return self.tx.ticket(window.ticket_id)

    def on_current(self, window: Window, action: str, outcome: str | None) -> dict[str, Any]:
        waction = WindowAction(action)
        next_window_state(window, waction)  # the window's state decides first
        ticket = self.current(window)
        window = self.window_step(window, waction)
        ticket = self.ticket_step(ticket, TicketAction(action), window=window, outcome=outcome)
        return window_view(self.tx, self.catalogue, window, self.now, ticket)

    def transfer(self, window: Window, body: TransferIn) -> dict[str, Any]:
        """End this leg and queue a new one (same number, same arrival) elsewhere."""
        next_window_state(window, WindowAction.TRANSFER)
        ticket = self.current(window)
        hall = self.tx.hall(window.hall)
        if body.service is None and body.window is None:
            raise InvalidInput(
                "转移需要指定事项或窗口（或两者）",
                en="transfer needs a service or a window (or both)",
                code="transfer_needs_target",
            )
        service = self.catalogue.service(body.service or ticket.service)
        if not hall.offers(service.code):
            raise InvalidInput(
                f"本大厅不办理{service.name}",
                en=f"hall {hall.id!r} does not offer {service.name}",
                code="service_not_offered",
            )
        leg = Ticket(
            id=new_ticket_id(),
            hall=hall.id,
            business_date=ticket.business_date,
            number=ticket.number,
            service=service.code,
            category=service.category,
            priority=ticket.priority,
            status=TicketStatus.WAITING,
            entry=Entry.TRANSFER,
            arrived_at=ticket.arrived_at,
            issued_at=self.now,
            directed_window=body.window,
            parent_id=ticket.id,
        )
        if body.window is not None:
            target = self.tx.window(hall.id, body.window)
            if target.number == window.number:
                raise InvalidInput(
                    "请转移到其他窗口，不能转到本窗口",
                    en="transfer to another window, not to this one",
                    code="transfer_to_same_window",
                )
            if not target.accepts(leg):
                raise InvalidInput(
                    f"{target.number} 号窗口不办理{service.name}",
                    en=f"window {target.number} does not accept {service.name}",
                    code="window_does_not_take",
                )
        window = self.window_step(window, WindowAction.TRANSFER)
        old = self.ticket_step(ticket, TicketAction.TRANSFER, window=window, transferred_to=leg.id)
        row = self.tx.ticket_row(ticket.id)
        self.tx.add_ticket(
            leg, id_hash=row.id_hash, id_masked=row.id_masked, issued_by=row.issued_by
        )
        self.tx.record(leg, "transfer-in", None, self.now, self.actor)
        self.events[-1].data["to"] = public_ticket(leg, service)
        return window_view(self.tx, self.catalogue, window, self.now, old) | {
            "new_ticket": ticket_view(self.tx, self.catalogue, leg, self.now)
        }

    def resume(self, window: Window, wanted: str) -> dict[str, Any]:
        """A suspended visitor is back: the head of the queue, at the window that
        suspended them while it serves, else at any window (`resume_window`)."""
        ticket = self.find(self.tx.hall(window.hall), wanted)
        back_to = resume_window(ticket, self.tx.windows(window.hall))
        ticket = self.ticket_step(ticket, TicketAction.RESUME, back_to=back_to)
        return window_view(self.tx, self.catalogue, window, self.now) | {
            "resumed": ticket_view(self.tx, self.catalogue, ticket, self.now)
        }
