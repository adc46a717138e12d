"""The parts a hall's state is made of, and the single steps every move is built from.

`WaitingQueue` (the waiting tickets and their counts), `Day` (today's numbering,
arrivals and handling times), `Move` (what one operation changed) and
`StateBase`: the hall's data, what can be read from it, and one ticket or
window step at a time. `hall_state.HallState` builds the hall's moves on it.
Pure: no I/O, no clock.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from .call_reasons import CallWhy
from .dispatch import in_force
from .domain import (
    Hall,
    Policy,
    Service,
    Ticket,
    TicketAction,
    Window,
    WindowAction,
    apply_ticket,
    apply_window,
)
from .errors import Conflict, NotFound
from .estimate import ArrivalKind, Estimate, estimate
from .protocol import WINDOW_STATE_ZH, Event, TicketStatus
from .public import TICKET_EVENTS, WINDOW_EVENTS, announcement, local_iso, public_ticket
from .public import public_window as public_window_of
from .waiting import WaitingQueue


@dataclass
class Day:
    """The hall's business day so far: what numbering and the estimate need."""

    date: date
    counters: dict[str, int] = field(default_factory=dict)  # prefix: last number given
    arrivals: Counter[ArrivalKind] = field(default_factory=Counter)  # first legs only
    handled: dict[str, tuple[float, int]] = field(default_factory=dict)  # service: sum s, count


@dataclass(frozen=True, slots=True)
class Logged:
    """One transition for the log."""

    ticket: Ticket
    action: str
    before: TicketStatus | None
    actor: str
    at: datetime
    why: CallWhy | None = None  # a call's reason and the tickets it passed over


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
class StateBase:
    hall: Hall
    services: Mapping[str, Service]  # the catalogue's items as the hall runs them
    windows: dict[int, Window]
    tickets: dict[str, Ticket]  # the active ones: waiting, called, serving, suspended
    day: Day
    seq: int = 0
    waiting: WaitingQueue = field(default_factory=WaitingQueue)
    revision: int = 0  # counts changes: a failed part of a transaction is undone by a reload

    def __post_init__(self) -> None:
        if not self.waiting.tickets:
            self.waiting = WaitingQueue.of(self.tickets.values())

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
        """Today's mean handling seconds per service, else the hall's minutes for it."""
        means = {code: s.minutes * 60.0 for code, s in self.services.items()}
        return means | {s: total / n for s, (total, n) in self.day.handled.items()}

    def policy_at(self, now: datetime) -> Policy:
        """The hall's policy as calls and estimates use it now (`dispatch.in_force`)."""
        return in_force(self.hall.policy, self.waiting, now)

    def estimate(self, ticket: Ticket, now: datetime, *, told: bool = True) -> Estimate:
        """`ticket`'s people ahead and expected wait (domain `estimate`), told
        today's arrivals unless `told` is false."""
        arrivals = self.day.arrivals if told else None
        return estimate(
            ticket, self.waiting, self.window_list(), self.means(), self.policy_at(now), now,
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
        why: CallWhy | None = None,
    ) -> Ticket:
        """Move `ticket`; its event carries the window's new state when one is given.
        `back_to` is the window a resumed ticket returns to (None: any); `why` a
        call's reason (the ticket keeps it until its next call)."""
        moved = apply_ticket(
            ticket,
            action,
            now=now,
            window=window.number if window else back_to,
            policy=self.hall.policy,
            outcome=outcome,
        )
        moved = replace(moved, version=ticket.version + 1)
        if why is not None:
            moved = replace(moved, call_reason=why.reason)
        self._put(moved)
        if moved.status is TicketStatus.DONE:
            self._handled(moved)
        move.tickets.append((moved, new_leg))
        move.steps.append(Logged(moved, action.value, ticket.status, actor, now, why))
        data: dict[str, object] = {"ticket": public_ticket(moved, self.service(moved.service))}
        if window is not None:
            data["window"] = self.public_window(window)
        if action in (TicketAction.CALL, TicketAction.RECALL) and moved.window is not None:
            data["announcement"] = announcement(moved.number, moved.window)
            data["called_at"] = local_iso(moved.called_at, self.hall.zone)
        move.events.append(Event(TICKET_EVENTS[action], data, moved.id, _took(moved, action)))
        return moved

    def _handled(self, ticket: Ticket) -> None:
        """A ticket done today: its handling time joins the day's means."""
        if ticket.business_date != self.day.date or not (ticket.started_at and ticket.finished_at):
            return
        total, count = self.day.handled.get(ticket.service, (0.0, 0))
        spent = (ticket.finished_at - ticket.started_at).total_seconds()
        self.day.handled[ticket.service] = (total + spent, count + 1)

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


def _took(ticket: Ticket, action: TicketAction) -> float | None:
    """The wait a call ends, or the handling a finish ends (the metrics' figures)."""
    if action is TicketAction.CALL and ticket.called_at is not None:
        return (ticket.called_at - ticket.arrived_at).total_seconds()
    if action is TicketAction.FINISH and ticket.started_at and ticket.finished_at:
        return (ticket.finished_at - ticket.started_at).total_seconds()
    return None
