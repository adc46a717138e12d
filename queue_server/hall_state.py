"""One hall as one object: its windows, the tickets in play, the queue and the day.

`HallState` holds everything a decision about a hall reads: the windows, the
active tickets (waiting, called, serving, suspended) with the waiting queue and
its counts, today's numbering, arrivals and handling times, and the feed's seq
(the data and its reads are `state_parts.StateBase`). Its operations are the
hall's moves: issue a ticket, call, each window action, each ticket action.
Each one checks first and refuses (a QueueError) before it changes anything;
then it changes the state in place and returns a `Move`: the tickets and
windows to save, the transitions to log and the events to announce.

No I/O, no clock: the store loads a HallState under the hall's lock, saves each
Move, and keeps the last state by seq for the next transaction; the simulator
drives the same object on a virtual clock.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from .call_reasons import why_called
from .dispatch import choose_next, passed_over, resume_window
from .domain import (
    Entry,
    PriorityClass,
    Service,
    Ticket,
    TicketAction,
    Window,
    WindowAction,
    apply_ticket,
    format_number,
    next_window_state,
)
from .errors import Conflict, InvalidInput
from .estimate import Estimate, admit
from .lifecycle_words import ticket_status_zh
from .protocol import Event, EventType, TicketStatus, WindowState
from .public import public_ticket
from .state_parts import Day, Logged, Move, StateBase
from .waiting import WaitingQueue

__all__ = ["Day", "HallState", "Logged", "Move", "WaitingQueue", "new_ticket", "windows_in_order"]

# Actions on the ticket a window holds: the window and the ticket move together.
ON_CURRENT = frozenset({"recall", "start", "finish", "no-show", "suspend"})


class HallState(StateBase):
    """A hall and its moves (see the module's docstring)."""

    # ------------------------------------------------------------ issuing

    def next_number(self, prefix: str) -> str:
        return format_number(prefix, self.day.counters.get(prefix, 0) + 1)

    def issue(
        self,
        ticket: Ticket,
        now: datetime,
        actor: str,
        *,
        check_hours: bool = False,
        issued_by: str | None = None,
        told: bool = True,
    ) -> tuple[Estimate, Move]:
        """Queue a new ticket numbered `next_number` (its first leg: an arrival).

        Its estimate is worked out once, as the ticket will wait; with
        `check_hours`, a ticket the hall cannot serve before closing is refused
        (`estimate.admit`) and nothing changes. `told` as for `estimate`."""
        kind = (ticket.service, ticket.category, ticket.green_channel)
        self.day.arrivals[kind] += 1
        try:
            guess = self.estimate(ticket, now, told=told)
            if check_hours:
                admit(self.hall, self.service(ticket.service), now, guess.wait_s)
        except BaseException:
            self.day.arrivals[kind] -= 1
            raise
        prefix = self.service(ticket.service).prefix
        self.day.counters[prefix] = self.day.counters.get(prefix, 0) + 1
        self._put(ticket)
        move = Move(added=[ticket])
        move.steps.append(Logged(ticket, "issue", None, actor, now))
        data = {
            "ticket": public_ticket(ticket, self.service(ticket.service))
            | {"issued_by": issued_by},
            "position": guess.position,
            "estimated_wait_s": guess.wait_s,
        }
        move.events.append(Event(EventType.TICKET_ISSUED, data, ticket_id=ticket.id))
        return guess, move

    # ------------------------------------------------------------ windows at work

    def open_or_close(self, number: int, action: WindowAction, now: datetime) -> Move:
        """Open, pause, resume or close a window. A window that stops calling
        frees the tickets sent to it: they may go to any window that takes them."""
        move = Move()
        window = self.window_step(move, self.window(number), action, now)
        if window.state in (WindowState.CLOSED, WindowState.PAUSED):
            for ticket in list(self.waiting.others.values()):  # directed ones are not plain
                if ticket.directed_window == number:
                    freed = replace(ticket, directed_window=None, version=ticket.version + 1)
                    self._put(freed)
                    move.tickets.append((freed, None))
        return move

    def next_for(self, number: int, now: datetime) -> Ticket | None:
        """The ticket window `number` would call next (the domain's dispatch)."""
        return choose_next(self.waiting, self.window(number), self.policy_at(now), now)

    def call(
        self, number: int, ticket: Ticket | None, now: datetime, actor: str
    ) -> tuple[Move, Ticket | None]:
        """Call `ticket` (指呼), or the next in dispatch order when None; (move,
        ticket called), with no ticket when nobody is eligible. Calling the next
        passes over the remote places ranked before it whose holders are away
        (`dispatch.passed_over`): their grace starts. The call records why it
        took the ticket (`call_reasons.why_called`)."""
        window = self.window(number)
        next_window_state(window, WindowAction.CALL)  # a busy window is refused first
        move = Move()
        policy, by_number = self.policy_at(now), False
        if ticket is None:
            ticket = self.next_for(number, now)
            for away in passed_over(self.waiting, window, policy, now, ticket):
                self.ticket_step(move, away, TicketAction.PASS, now, actor)
            if ticket is None:
                return move, None
        else:
            self._check_callable(window, ticket)
            # 指定叫号 only when the clerk's number is not the one dispatch would call.
            by_number = getattr(self.next_for(number, now), "id", None) != ticket.id
        why = why_called(ticket, self.waiting, window, policy, now, by_number=by_number)
        window = self.window_step(move, window, WindowAction.CALL, now, ticket.id)
        return move, self.ticket_step(
            move, ticket, TicketAction.CALL, now, actor, window=window, why=why
        )

    def _check_callable(self, window: Window, ticket: Ticket) -> None:
        if ticket.status is not TicketStatus.WAITING:
            raise Conflict(
                f"{ticket.number} 号当前{ticket_status_zh(ticket.status)}，不在等候中，不能叫号",
                en=f"ticket {ticket.number} is {ticket.status.value}, not waiting",
                code="ticket_not_waiting",
            )
        if ticket.away:
            raise Conflict(
                f"{ticket.number} 号是线上取号，取号人尚未到场签到，不能叫号",
                en=f"ticket {ticket.number} is a remote place whose holder has not checked in",
                code="holder_away",
            )
        if not window.accepts(ticket):
            name = self.service(ticket.service).name
            raise Conflict(
                f"{window.number} 号窗口不办理 {ticket.number} 号的事项（{name}）",
                en=f"window {window.number} does not take ticket {ticket.number} ({name})",
                code="window_does_not_take",
            )

    def on_current(
        self, number: int, action: str, now: datetime, actor: str, outcome: str | None = None
    ) -> tuple[Move, Window, Ticket]:
        """Recall, start, finish, no-show or suspend the ticket the window holds."""
        waction = WindowAction(action)
        window = self.window(number)
        next_window_state(window, waction)  # the window's state decides first
        ticket = self.current(window)
        move = Move()
        window = self.window_step(move, window, waction, now)
        ticket = self.ticket_step(
            move, ticket, TicketAction(action), now, actor, window=window, outcome=outcome
        )
        return move, window, ticket

    def transfer(
        self,
        number: int,
        service: Service,
        to_window: int | None,
        now: datetime,
        actor: str,
        *,
        leg_id: str,
    ) -> tuple[Move, Ticket, Ticket]:
        """End the held ticket's leg and queue a new one (same number, same arrival)
        for `service`, directed to `to_window` if given; (move, old leg, new leg)."""
        window = self.window(number)
        next_window_state(window, WindowAction.TRANSFER)
        ticket = self.current(window)
        if not self.hall.offers(service.code):
            raise InvalidInput(
                f"本大厅不办理{service.name}",
                en=f"hall {self.hall.id!r} does not offer {service.name}",
                code="service_not_offered",
            )
        leg = Ticket(
            id=leg_id,
            hall=self.hall.id,
            business_date=ticket.business_date,
            number=ticket.number,
            service=service.code,
            category=service.category,
            priority=ticket.priority,
            status=TicketStatus.WAITING,
            entry=Entry.TRANSFER,
            arrived_at=ticket.arrived_at,
            issued_at=now,
            directed_window=to_window,
            parent_id=ticket.id,
        )
        if to_window is not None:
            self._check_target(number, self.window(to_window), leg, service)
        move = Move()
        window = self.window_step(move, window, WindowAction.TRANSFER, now)
        old = self.ticket_step(
            move, ticket, TicketAction.TRANSFER, now, actor, window=window, new_leg=leg.id
        )
        self._put(leg)
        move.added.append(leg)
        move.steps.append(Logged(leg, "transfer-in", None, actor, now))
        move.events[-1].data["to"] = public_ticket(leg, service)
        return move, old, leg

    @staticmethod
    def _check_target(number: int, target: Window, leg: Ticket, service: Service) -> None:
        if target.number == number:
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

    def resume(self, ticket: Ticket, now: datetime, actor: str) -> tuple[Move, Ticket]:
        """A suspended visitor is back: the head of the queue, at the window that
        suspended them while it serves, else at any window (`resume_window`)."""
        back_to = resume_window(ticket, self.window_list())
        move = Move()
        return move, self.ticket_step(
            move, ticket, TicketAction.RESUME, now, actor, back_to=back_to
        )

    def record_visit(
        self,
        service: Service,
        ticket_id: str,
        times: tuple[datetime, datetime],
        actor: str,
        outcome: str,
    ) -> tuple[Move, Ticket]:
        """A matter served at the visitor's home (送服务上门), recorded as a ticket
        of today: numbered like any other, taken through the ticket's own
        lifecycle (issue, call, start at the visit's start; finish at its end),
        each step logged with `actor`, the member who went. No window and no
        announcement; one `ticket.finished` event moves the feed's seq (the
        numbering changed) and tells the consoles. Not an arrival for the
        estimate, nor a handling time for the windows' means."""
        began, ended = times
        ticket = new_ticket(
            self, service, PriorityClass.NORMAL, began, ticket_id=ticket_id, entry=Entry.HOME_VISIT
        )
        self.day.counters[service.prefix] = self.day.counters.get(service.prefix, 0) + 1
        move = Move()
        move.steps.append(Logged(ticket, "issue", None, actor, began))
        path = (
            (TicketAction.CALL, began),
            (TicketAction.START, began),
            (TicketAction.FINISH, ended),
        )
        for action, at in path:
            moved = apply_ticket(ticket, action, now=at, outcome=outcome)
            move.steps.append(Logged(moved, action.value, ticket.status, actor, at))
            ticket = moved
        self._put(ticket)
        move.added.append(ticket)
        data = {"ticket": public_ticket(ticket, service)}
        move.events.append(Event(EventType.TICKET_FINISHED, data, ticket_id=ticket.id))
        return move, ticket

    def end(self, ticket: Ticket, action: TicketAction, now: datetime, actor: str) -> Move:
        """A move of a waiting ticket with no window involved: cancel it, end it
        as unserved at closing, or a remote place's check-in or drop."""
        move = Move()
        self.ticket_step(move, ticket, action, now, actor)
        return move

    def reclassify(
        self, ticket: Ticket, priority: PriorityClass, now: datetime, actor: str, action: str
    ) -> Move:
        """A clerk's verdict on a claimed green channel (declared_groups): the
        ticket keeps its status and place, and is counted in `priority` from now."""
        changed = replace(ticket, priority=priority)
        self._put(changed)
        return Move(steps=[Logged(changed, action, ticket.status, actor, now)])

    def configure(self, window: Window) -> Move:
        """Add a window, or change its label, skills or lane (not its state)."""
        old = self.windows.get(window.number)
        configured = replace(window, version=old.version + 1 if old else 1)
        self.revision += 1
        self.windows = dict(sorted((self.windows | {window.number: configured}).items()))
        return Move(configured=[configured])


def new_ticket(
    state: HallState,
    service: Service,
    priority: PriorityClass,
    now: datetime,
    *,
    ticket_id: str,
    entry: Entry = Entry.WALK_IN,
    appointment_at: datetime | None = None,
    remote: bool = False,
) -> Ticket:
    """The hall's next waiting ticket for `service` (numbered, not yet issued);
    `remote`: a place taken from a phone, called once its holder has arrived."""
    return Ticket(
        id=ticket_id,
        hall=state.hall.id,
        business_date=state.day.date,
        number=state.next_number(service.prefix),
        service=service.code,
        category=service.category,
        priority=priority,
        status=TicketStatus.WAITING,
        entry=entry,
        arrived_at=now,
        issued_at=now,
        appointment_at=appointment_at,
        remote=remote,
    )


def windows_in_order(windows: Sequence[Window]) -> dict[int, Window]:
    return {w.number: w for w in sorted(windows, key=lambda w: w.number)}
