"""One hall as one object: its windows, the tickets in play, the queue and the day.

`HallState` holds everything a decision about a hall reads: the windows, the
active tickets (waiting, called, serving, suspended) with the waiting queue and
its counts, today's numbering, arrivals and handling times, and the feed's seq.
Its operations are the hall's moves: issue a ticket, call, each window action,
each ticket action. Each one checks first and refuses (a QueueError) before it
changes anything; then it changes the state in place and returns a `Move`: the
tickets and windows to save, the transitions to log and the events to announce.

No I/O, no clock: the store loads a HallState under the hall's lock, saves each
Move, and keeps the last state by seq for the next transaction; the simulator
drives the same object on a virtual clock.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from .dispatch import choose_next, resume_window
from .domain import (
    Entry,
    Hall,
    PriorityClass,
    Service,
    Ticket,
    TicketAction,
    Window,
    WindowAction,
    apply_ticket,
    apply_window,
    format_number,
    next_window_state,
)
from .errors import Conflict, InvalidInput, NotFound
from .estimate import ArrivalKind, Estimate, admit, estimate
from .protocol import WINDOW_STATE_ZH, Event, EventType, TicketStatus, WindowState
from .public import TICKET_EVENTS, WINDOW_EVENTS, announcement, local_iso, public_ticket
from .public import public_window as public_window_of

# Actions on the ticket a window holds: the window and the ticket move together.
ON_CURRENT = frozenset({"recall", "start", "finish", "no-show", "suspend"})
_DEFAULT_HANDLING_S = 600.0


@dataclass
class WaitingQueue:
    """The waiting tickets by id, and how many per (category, green channel)."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    counts: Counter[tuple[str, bool]] = field(default_factory=Counter)

    @classmethod
    def of(cls, tickets: Iterable[Ticket]) -> "WaitingQueue":
        queue = cls()
        for ticket in tickets:
            queue.put(ticket)
        return queue

    def copy(self) -> "WaitingQueue":
        return WaitingQueue(dict(self.tickets), Counter(self.counts))

    def put(self, ticket: Ticket) -> None:
        """Take in a ticket's new state: kept if waiting, else dropped."""
        if (old := self.tickets.pop(ticket.id, None)) is not None:
            self.counts[(old.category, old.green_channel)] -= 1
        if ticket.status is TicketStatus.WAITING:
            self.tickets[ticket.id] = ticket
            self.counts[(ticket.category, ticket.green_channel)] += 1


@dataclass
class Day:
    """The hall's business day so far: what numbering and the estimate need."""

    date: date
    counters: dict[str, int] = field(default_factory=dict)  # prefix: last number given
    arrivals: Counter[ArrivalKind] = field(default_factory=Counter)  # first legs only
    handled: dict[str, tuple[float, int]] = field(default_factory=dict)  # service: sum s, count

    def copy(self) -> "Day":
        return Day(self.date, dict(self.counters), Counter(self.arrivals), dict(self.handled))


@dataclass(frozen=True, slots=True)
class Logged:
    """One transition for the log."""

    ticket: Ticket
    action: str
    before: TicketStatus | None
    actor: str
    at: datetime


@dataclass
class Move:
    """What one operation changed. Tickets and windows carry their new version
    (the store saves each only over the version before it)."""

    added: list[Ticket] = field(default_factory=list)
    tickets: list[tuple[Ticket, str | None]] = field(default_factory=list)  # (ticket, new leg)
    windows: list[Window] = field(default_factory=list)
    configured: list[Window] = field(default_factory=list)  # label, skills or lane changed
    steps: list[Logged] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


@dataclass
class HallState:
    hall: Hall
    services: Mapping[str, Service]  # the catalogue's items
    windows: dict[int, Window]
    tickets: dict[str, Ticket]  # the active ones: waiting, called, serving, suspended
    day: Day
    seq: int = 0
    waiting: WaitingQueue = field(default_factory=WaitingQueue)
    revision: int = 0  # counts changes: a failed part of a transaction is undone by a reload

    def __post_init__(self) -> None:
        if not self.waiting.tickets:
            self.waiting = WaitingQueue.of(self.tickets.values())

    def copy(self) -> "HallState":
        """A copy to change while others may still read this one."""
        return replace(
            self,
            windows=dict(self.windows),
            tickets=dict(self.tickets),
            day=self.day.copy(),
            waiting=self.waiting.copy(),
        )

    # ------------------------------------------------------------ reading

    def window(self, number: int) -> Window:
        if (found := self.windows.get(number)) is None:
            raise NotFound(
                f"本大厅没有 {number} 号窗口",
                en=f"hall {self.hall.id!r} has no window {number}",
                code="unknown_window",
            )
        return found

    def window_list(self) -> list[Window]:
        return list(self.windows.values())

    def queue(self) -> list[Ticket]:
        return list(self.waiting.tickets.values())

    def means(self) -> dict[str, float]:
        """Today's mean handling seconds per service, else the catalogue's minutes."""
        means = {code: s.minutes * 60.0 for code, s in self.services.items()}
        return means | {s: total / n for s, (total, n) in self.day.handled.items()}

    def estimate(self, ticket: Ticket, now: datetime, *, told: bool = True) -> Estimate:
        """`ticket`'s people ahead and expected wait (domain `estimate`), told
        today's arrivals unless `told` is false."""
        arrivals = self.day.arrivals if told else None
        return estimate(
            ticket, self.queue(), self.window_list(), self.means(), self.hall.policy, now,
            arrivals=arrivals,
        )  # fmt: skip

    def holding(self, window: Window) -> str | None:
        """The number of the ticket `window` holds, if any."""
        held = self.tickets.get(window.ticket_id) if window.ticket_id else None
        return held.number if held else None

    def public_window(self, window: Window) -> dict[str, object]:
        return public_window_of(window, self.holding(window), self.hall.zone)

    def find(self, wanted: str, today: date) -> Ticket | None:
        """An active ticket by id, or by today's number (A023); None if not in play."""
        if (found := self.tickets.get(wanted)) is not None:
            return found
        number = wanted.upper()
        for ticket in self.tickets.values():
            if ticket.number == number and ticket.business_date == today:
                return ticket
        return None

    def service(self, code: str) -> Service:
        if (found := self.services.get(code)) is None:
            raise NotFound(
                f"没有事项「{code}」", en=f"unknown service {code!r}", code="unknown_service"
            )
        return found

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
    ) -> tuple[Estimate, Move]:
        """Queue a new ticket numbered `next_number` (its first leg: an arrival).

        Its estimate is worked out once, as the ticket will wait; with
        `check_hours`, a ticket the hall cannot serve before closing is refused
        (`estimate.admit`) and nothing changes."""
        kind = (ticket.service, ticket.category, ticket.green_channel)
        self.day.arrivals[kind] += 1
        try:
            guess = self.estimate(ticket, now)
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

    # ------------------------------------------------------------ steps

    def _put(self, ticket: Ticket) -> None:
        self.revision += 1
        if ticket.active:
            self.tickets[ticket.id] = ticket
        else:
            self.tickets.pop(ticket.id, None)
        self.waiting.put(ticket)

    def window_step(
        self,
        move: Move,
        window: Window,
        action: WindowAction,
        now: datetime,
        ticket_id: str | None = None,
    ) -> Window:
        moved = apply_window(window, action, now=now, ticket_id=ticket_id)
        moved = replace(moved, version=window.version + 1)
        self.revision += 1
        self.windows[moved.number] = moved
        move.windows.append(moved)
        if action in WINDOW_EVENTS:
            data = {"window": self.public_window(moved)}
            move.events.append(Event(WINDOW_EVENTS[action], data))
        return moved

    def ticket_step(
        self,
        move: Move,
        ticket: Ticket,
        action: TicketAction,
        now: datetime,
        actor: str,
        *,
        window: Window | None = None,
        outcome: str | None = None,
        back_to: int | None = None,
        new_leg: str | None = None,
    ) -> Ticket:
        """Move `ticket`; its event carries the window's new state when one is given.
        `back_to` is the window a resumed ticket returns to (None: any)."""
        moved = apply_ticket(
            ticket,
            action,
            now=now,
            window=window.number if window else back_to,
            policy=self.hall.policy,
            outcome=outcome,
        )
        moved = replace(moved, version=ticket.version + 1)
        self._put(moved)
        if moved.status is TicketStatus.DONE:
            self._handled(moved)
        move.tickets.append((moved, new_leg))
        move.steps.append(Logged(moved, action.value, ticket.status, actor, now))
        data: dict[str, object] = {"ticket": public_ticket(moved, self.service(moved.service))}
        if window is not None:
            data["window"] = self.public_window(window)
        if action in (TicketAction.CALL, TicketAction.RECALL) and moved.window is not None:
            data["announcement"] = announcement(moved.number, moved.window)
            data["called_at"] = local_iso(moved.called_at, self.hall.zone)
        move.events.append(Event(TICKET_EVENTS[action], data, ticket_id=moved.id))
        return moved

    def _handled(self, ticket: Ticket) -> None:
        """A ticket done today: its handling time joins the day's means."""
        if ticket.business_date != self.day.date or not (ticket.started_at and ticket.finished_at):
            return
        total, count = self.day.handled.get(ticket.service, (0.0, 0))
        spent = (ticket.finished_at - ticket.started_at).total_seconds()
        self.day.handled[ticket.service] = (total + spent, count + 1)

    # ------------------------------------------------------------ windows at work

    def open_or_close(self, number: int, action: WindowAction, now: datetime) -> Move:
        """Open, pause, resume or close a window. A window that stops calling
        frees the tickets sent to it: they may go to any window that takes them."""
        move = Move()
        window = self.window_step(move, self.window(number), action, now)
        if window.state in (WindowState.CLOSED, WindowState.PAUSED):
            for ticket in self.queue():
                if ticket.directed_window == number:
                    freed = replace(ticket, directed_window=None, version=ticket.version + 1)
                    self._put(freed)
                    move.tickets.append((freed, None))
        return move

    def next_for(self, number: int, now: datetime) -> Ticket | None:
        """The ticket window `number` would call next (the domain's dispatch)."""
        return choose_next(
            self.waiting.tickets.values(), self.window(number), self.hall.policy, now
        )

    def call(
        self, number: int, ticket: Ticket | None, now: datetime, actor: str
    ) -> tuple[Move, Ticket | None]:
        """Call `ticket` (指呼), or the next in dispatch order when None; (move,
        ticket called), with no ticket and no change when nobody is eligible."""
        window = self.window(number)
        next_window_state(window, WindowAction.CALL)  # a busy window is refused first
        if ticket is None:
            ticket = self.next_for(number, now)
            if ticket is None:
                return Move(), None
        else:
            self._check_callable(window, ticket)
        move = Move()
        window = self.window_step(move, window, WindowAction.CALL, now, ticket.id)
        return move, self.ticket_step(move, ticket, TicketAction.CALL, now, actor, window=window)

    def _check_callable(self, window: Window, ticket: Ticket) -> None:
        if ticket.status is not TicketStatus.WAITING:
            raise Conflict(
                f"{ticket.number} 号当前{STATUS_ZH[ticket.status]}，不在等候中，不能叫号",
                en=f"ticket {ticket.number} is {ticket.status.value}, not waiting",
                code="ticket_not_waiting",
            )
        if not window.accepts(ticket):
            name = self.service(ticket.service).name
            raise Conflict(
                f"{window.number} 号窗口不办理 {ticket.number} 号的事项（{name}）",
                en=f"window {window.number} does not take ticket {ticket.number} ({name})",
                code="window_does_not_take",
            )

    def current(self, window: Window) -> Ticket:
        """The ticket `window` holds, or a refusal that says to call one first."""
        held = self.tickets.get(window.ticket_id) if window.ticket_id else None
        if held is None:
            raise Conflict(
                f"{window.number} 号窗口{WINDOW_STATE_ZH[window.state]}，没有在办的号，请先叫号",
                en=f"window {window.number} is {window.state.value} with no ticket; call one first",
                code="window_has_no_ticket",
            )
        return held

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

    def end(self, ticket: Ticket, action: TicketAction, now: datetime, actor: str) -> Move:
        """Cancel a ticket, or end it as unserved at closing (no window involved)."""
        move = Move()
        self.ticket_step(move, ticket, action, now, actor)
        return move

    def configure(self, window: Window) -> Move:
        """Add a window, or change its label, skills or lane (not its state)."""
        old = self.windows.get(window.number)
        configured = replace(window, version=old.version + 1 if old else 1)
        self.revision += 1
        self.windows = dict(sorted((self.windows | {window.number: configured}).items()))
        return Move(configured=[configured])


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


def new_ticket(
    state: HallState,
    service: Service,
    priority: PriorityClass,
    now: datetime,
    *,
    ticket_id: str,
    entry: Entry = Entry.WALK_IN,
    appointment_at: datetime | None = None,
) -> Ticket:
    """The hall's next waiting ticket for `service` (numbered, not yet issued)."""
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
    )


def windows_in_order(windows: Sequence[Window]) -> dict[int, Window]:
    return {w.number: w for w in sorted(windows, key=lambda w: w.number)}
