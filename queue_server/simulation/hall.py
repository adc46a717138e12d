"""A hall day on a virtual clock, driving the real dispatch and estimate.

Windows open per session, take staggered breaks, and call with the domain's
`choose_next`; every ticket and window move goes through the domain's
transition tables, and every ticket gets the domain's `estimate` when issued.
An absent visitor is recalled up to the policy's `max_recalls` times, then
marked no-show; the window loses that time. No clock is read and nothing
sleeps: an event loop pops (time, seq, event) from a heap. Times are seconds
since midnight, turned into datetimes only for the domain.
"""

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from ..catalogue import Catalogue
from ..dispatch import choose_next
from ..domain import (
    Policy,
    Ticket,
    TicketAction,
    Window,
    WindowAction,
    apply_ticket,
    apply_window,
    format_number,
)
from ..estimate import ArrivalKind, estimate
from ..protocol import TicketStatus, WindowState
from .day import HallConfig, Staff, Visitor

HALL = "sim"
DAY = datetime(2026, 3, 2, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday; any day works

FIFO = Policy(
    green_boost_s=0,
    appointment_boost_s=0,
    transfer_boost_s=0,
    return_boost_s=0,
    target_boost_s_per_min=0,
)
STRICT = Policy(green_boost_s=10**7, target_boost_s_per_min=0)  # green always first, then FIFO

Chooser = Callable[[Iterable[Ticket], Window, Policy, datetime], Ticket | None]

# ---------------------------------------------------------------- the day's results


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one visitor (seconds)."""

    visitor: int
    service: str
    green: bool
    status: TicketStatus
    arrived_s: float
    wait_s: float  # first call - issue; for an unserved ticket, closing - issue
    in_hall_s: float | None  # finish - issue, for served (done) tickets
    estimate_s: int  # the estimate printed on the ticket
    target_wait_s: float


@dataclass(frozen=True, slots=True)
class DayResult:
    outcomes: tuple[Outcome, ...]
    labels: tuple[str, ...]  # per window
    busy_s: tuple[float, ...]  # per window: calling or serving
    staffed_s: float  # planned per window


# ---------------------------------------------------------------- the event loop


class Kind(StrEnum):
    SESSION = "session"  # a session opens; target = session index
    ARRIVE = "arrive"  # target = visitor index
    BREAK = "break"  # target = window number, here and below
    RESUME = "resume"
    START = "start"
    FINISH = "finish"
    RECALL = "recall"
    NO_SHOW = "no-show"
    SESSION_END = "session-end"  # target = session index
    CUTOFF = "cutoff"  # overtime is over; target = session index


class Phase(StrEnum):
    OPEN = "open"  # windows call and take breaks
    OVERTIME = "overtime"  # windows call while someone they accept waits, then close
    SHUT = "shut"  # windows close as they become free


@dataclass(frozen=True, slots=True)
class Event:
    kind: Kind
    target: int


@dataclass
class _Hall:
    """The mutable state of one simulated day; `run` owns it."""

    config: HallConfig
    policy: Policy
    chooser: Chooser
    tell_arrivals: bool
    people: Sequence[Visitor]
    targets: Mapping[str, float]
    windows: list[Window]
    break_at: list[float | None]
    handling: dict[str, float]  # the estimate's recent means, seeded by the catalogue
    queue: list[tuple[float, int, Event]] = field(default_factory=list)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    waiting: dict[str, Ticket] = field(default_factory=dict)
    estimates: dict[int, int] = field(default_factory=dict)
    arrivals: Counter[ArrivalKind] = field(default_factory=Counter)  # today's, so far
    done: dict[str, tuple[float, int]] = field(default_factory=dict)  # service: sum, count
    busy_s: list[float] = field(default_factory=list)
    called_s: list[float] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    phase: Phase = Phase.SHUT
    seq: int = 0

    def schedule(self, at: float, kind: Kind, target: int) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, Event(kind, target)))

    def window(self, number: int) -> Window:
        return self.windows[number - 1]

    def move(
        self, number: int, action: WindowAction, now: float, ticket: str | None = None
    ) -> None:
        self.windows[number - 1] = apply_window(
            self.window(number), action, now=at(now), ticket_id=ticket
        )

    def held(self, number: int) -> Ticket:
        ticket_id = self.window(number).ticket_id
        assert ticket_id is not None, f"window {number} holds no ticket"
        return self.tickets[int(ticket_id)]

    def step(
        self, ticket: Ticket, action: TicketAction, now: float, window: int | None = None
    ) -> Ticket:
        moved = apply_ticket(ticket, action, now=at(now), window=window, policy=self.policy)
        self.tickets[int(ticket.id)] = moved
        if moved.status is TicketStatus.WAITING:
            self.waiting[moved.id] = moved
        else:
            self.waiting.pop(moved.id, None)
        return moved

    # -------------------------------------------------------- handlers

    def on_session(self, now: float, _: int) -> None:
        self.phase = Phase.OPEN
        for w in self.windows:
            if w.state is WindowState.CLOSED:
                self.move(w.number, WindowAction.OPEN, now)

    def on_arrive(self, now: float, index: int) -> None:
        person = self.people[index]
        self.numbers[person.prefix] = self.numbers.get(person.prefix, 0) + 1
        ticket = Ticket(
            id=str(index),
            hall=HALL,
            business_date=DAY.date(),
            number=format_number(person.prefix, self.numbers[person.prefix]),
            service=person.service,
            category=person.category,
            priority=person.priority,
            status=TicketStatus.WAITING,
            arrived_at=at(now),
            issued_at=at(now),
        )
        self.tickets[index] = ticket
        self.waiting[ticket.id] = ticket
        self.arrivals[(ticket.service, ticket.category, ticket.green_channel)] += 1
        guess = estimate(
            ticket,
            list(self.waiting.values()),
            self.windows,
            self.handling,
            self.policy,
            at(now),
            arrivals=self.arrivals if self.tell_arrivals else None,
        )
        self.estimates[index] = guess.wait_s

    def on_break(self, now: float, number: int) -> None:
        state = self.window(number).state
        if state is WindowState.OPEN:
            self.take_break(now, number)
        elif state is WindowState.CLOSED:
            self.break_at[number - 1] = None
        # a busy window takes its break when it becomes free (`free`)

    def on_resume(self, now: float, number: int) -> None:
        if self.window(number).state is WindowState.PAUSED:
            action = WindowAction.RESUME if self.phase is Phase.OPEN else WindowAction.CLOSE
            self.move(number, action, now)

    def on_start(self, now: float, number: int) -> None:
        self.step(self.held(number), TicketAction.START, now, number)
        self.move(number, WindowAction.START, now)
        self.schedule(now + self.people[int(self.held(number).id)].handling_s, Kind.FINISH, number)

    def on_finish(self, now: float, number: int) -> None:
        ticket = self.step(self.held(number), TicketAction.FINISH, now, number)
        assert ticket.started_at is not None
        total, count = self.done.get(ticket.service, (0.0, 0))
        self.done[ticket.service] = (total + (now - seconds(ticket.started_at)), count + 1)
        self.handling[ticket.service] = self.done[ticket.service][0] / (count + 1)
        self.move(number, WindowAction.FINISH, now)
        self.free(now, number)

    def on_recall(self, now: float, number: int) -> None:
        ticket = self.step(self.held(number), TicketAction.RECALL, now, number)
        self.move(number, WindowAction.RECALL, now)
        more = ticket.recalls < self.policy.max_recalls
        self.schedule(now + self.config.recall_gap_s, Kind.RECALL if more else Kind.NO_SHOW, number)

    def on_no_show(self, now: float, number: int) -> None:
        self.step(self.held(number), TicketAction.NO_SHOW, now, number)
        self.move(number, WindowAction.NO_SHOW, now)
        self.free(now, number)

    def on_session_end(self, now: float, session: int) -> None:
        self.phase = Phase.OVERTIME
        for w in self.windows:
            if w.state is WindowState.PAUSED:
                self.move(w.number, WindowAction.CLOSE, now)
        self.schedule(now + 60.0 * self.config.overtime_minutes, Kind.CUTOFF, session)

    def on_cutoff(self, now: float, session: int) -> None:
        self.phase = Phase.SHUT
        if session == len(self.config.sessions) - 1:
            for ticket in list(self.waiting.values()):
                self.step(ticket, TicketAction.CLOSE_DAY, now)

    # -------------------------------------------------------- calling

    def free(self, now: float, number: int) -> None:
        """A window just became free: its pending break comes first."""
        self.busy_s[number - 1] += now - self.called_s[number - 1]
        due = self.break_at[number - 1]
        if due is not None and due <= now and self.phase is Phase.OPEN:
            self.take_break(now, number)

    def take_break(self, now: float, number: int) -> None:
        self.break_at[number - 1] = None
        self.move(number, WindowAction.PAUSE, now)
        self.schedule(now + 60.0 * self.config.break_minutes, Kind.RESUME, number)

    def dispatch(self, now: float) -> None:
        """Every idle window calls its next ticket, in window order; idle ones close when due."""
        for w in list(self.windows):
            if w.state is not WindowState.OPEN:
                continue
            chosen = None
            if self.phase is not Phase.SHUT:
                chosen = self.chooser(self.waiting.values(), w, self.policy, at(now))
            if chosen is None:
                if self.phase is not Phase.OPEN:
                    self.move(w.number, WindowAction.CLOSE, now)
                continue
            self.step(chosen, TicketAction.CALL, now, w.number)
            self.move(w.number, WindowAction.CALL, now, chosen.id)
            self.called_s[w.number - 1] = now
            person = self.people[int(chosen.id)]
            if person.absent:
                recall = Kind.RECALL if self.policy.max_recalls > 0 else Kind.NO_SHOW
                self.schedule(now + self.config.recall_gap_s, recall, w.number)
            else:
                self.schedule(now + person.walk_s, Kind.START, w.number)


def at(s: float) -> datetime:
    """Seconds since midnight as the simulated day's datetime."""
    return DAY + timedelta(seconds=s)


def seconds(t: datetime) -> float:
    return (t - DAY).total_seconds()


def run(
    people: Sequence[Visitor],
    staff: Staff,
    policy: Policy,
    *,
    config: HallConfig,
    catalogue: Catalogue,
    chooser: Chooser = choose_next,
    tell_arrivals: bool = True,
) -> DayResult:
    """Simulate one day of `people` at `staff`'s windows under `policy`.

    `chooser` defaults to the domain's; another can be tried here before the
    domain changes. Each ticket's estimate is told the day's arrivals so far
    (by service, category and green channel), unless `tell_arrivals` is false.
    """
    hall = _Hall(
        config=config,
        policy=policy,
        chooser=chooser,
        tell_arrivals=tell_arrivals,
        people=people,
        targets={c: s.target_wait_minutes * 60.0 for c, s in catalogue.services.items()},
        windows=[
            Window(hall=HALL, number=i + 1, label=label, skills=skills)
            for i, (skills, label) in enumerate(zip(staff.skills, staff.labels, strict=True))
        ],
        break_at=list(staff.break_at_s),
        handling={c: s.minutes * 60.0 for c, s in catalogue.services.items()},
        busy_s=[0.0] * len(staff.skills),
        called_s=[0.0] * len(staff.skills),
    )
    for i, (start, end) in enumerate(config.sessions):
        hall.schedule(start * 60.0, Kind.SESSION, i)
        hall.schedule(end * 60.0, Kind.SESSION_END, i)
    for number, due in enumerate(staff.break_at_s, start=1):
        if due is not None:
            hall.schedule(due, Kind.BREAK, number)
    for person in people:
        hall.schedule(person.arrive_s, Kind.ARRIVE, person.index)

    handlers: Mapping[Kind, Callable[[float, int], None]] = {
        Kind.SESSION: hall.on_session,
        Kind.ARRIVE: hall.on_arrive,
        Kind.BREAK: hall.on_break,
        Kind.RESUME: hall.on_resume,
        Kind.START: hall.on_start,
        Kind.FINISH: hall.on_finish,
        Kind.RECALL: hall.on_recall,
        Kind.NO_SHOW: hall.on_no_show,
        Kind.SESSION_END: hall.on_session_end,
        Kind.CUTOFF: hall.on_cutoff,
    }
    while hall.queue:
        now, _, event = heapq.heappop(hall.queue)
        handlers[event.kind](now, event.target)
        hall.dispatch(now)
    return DayResult(
        outcomes=tuple(_outcome(hall, p) for p in people),
        labels=staff.labels,
        busy_s=tuple(hall.busy_s),
        staffed_s=config.staffed_s(),
    )


def _outcome(hall: _Hall, person: Visitor) -> Outcome:
    ticket = hall.tickets[person.index]
    issued = seconds(ticket.issued_at)
    end = ticket.first_called_at or ticket.finished_at
    assert end is not None, f"ticket {ticket.number} is still {ticket.status} after the day"
    finished = ticket.finished_at if ticket.status is TicketStatus.DONE else None
    return Outcome(
        visitor=person.index,
        service=person.service,
        green=ticket.green_channel,
        status=ticket.status,
        arrived_s=issued,
        wait_s=seconds(end) - issued,
        in_hall_s=None if finished is None else seconds(finished) - issued,
        estimate_s=hall.estimates[person.index],
        target_wait_s=hall.targets[person.service],
    )
