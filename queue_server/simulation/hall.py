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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from ..catalogue import Catalogue
from ..dispatch import choose_next
from ..domain import Hall, Policy, Ticket, TicketAction, Window, WindowAction
from ..hall_state import Day, HallState, Move, new_ticket, windows_in_order
from ..protocol import TicketStatus, WindowState
from ..state_parts import Logged
from ..waiting import WaitingQueue
from .day import HallConfig, Staff, Visitor

HALL = "sim"
ACTOR = "simulator"
ZONE = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 3, 2, tzinfo=ZONE)  # a Monday; any day works

FIFO = Policy(
    green_boost_s=0,
    appointment_boost_s=0,
    transfer_boost_s=0,
    return_boost_s=0,
    target_boost_s_per_min=0,
    green_calm_cap_min=0,
    green_busy_cap_min=0,
)
STRICT = Policy(  # green always first, then FIFO
    green_boost_s=10**7, target_boost_s_per_min=0, green_calm_cap_min=0, green_busy_cap_min=0
)

Chooser = Callable[[WaitingQueue, Window, Policy, datetime], Ticket | None]

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
    tickets: tuple[Ticket, ...] = ()  # every visitor's, as the day left it
    log: tuple[Logged, ...] = ()  # every ticket step, with run(keep_log=True)


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
    STAFFING = "staffing"  # the schedule changes; target = windows at work


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
    """One simulated day: the hall's state and the day's schedule; `run` owns it."""

    config: HallConfig
    chooser: Chooser
    tell_arrivals: bool
    people: Sequence[Visitor]
    targets: Mapping[str, float]
    state: HallState
    break_at: list[float | None]
    queue: list[tuple[float, int, Event]] = field(default_factory=list)
    tickets: dict[int, Ticket] = field(default_factory=dict)  # every visitor's, as it ends
    estimates: dict[int, int] = field(default_factory=dict)
    busy_s: list[float] = field(default_factory=list)
    called_s: list[float] = field(default_factory=list)
    phase: Phase = Phase.SHUT
    seq: int = 0
    at_work: int = 10**6  # windows 1..at_work work (HallConfig.schedule)
    log: list[Logged] | None = None  # every ticket step, when the caller keeps them

    def schedule(self, at: float, kind: Kind, target: int) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, Event(kind, target)))

    def __post_init__(self) -> None:
        """The plan's changes go first: one at a session's start is in force when it opens."""
        for minute, windows in self.config.schedule or ():
            self.schedule(minute * 60.0, Kind.STAFFING, windows)

    def window(self, number: int) -> Window:
        return self.state.windows[number]

    def handle(self, now: float, event: Event) -> None:
        """Run the event's handler (`on_` and the kind's name), then let idle windows call."""
        getattr(self, f"on_{event.kind.name.lower()}")(now, event.target)
        self.dispatch(now)

    def moved(self, move: Move) -> None:
        """Keep every visitor's ticket as its last move left it (and its steps, if kept)."""
        if self.log is not None:
            self.log.extend(move.steps)
        for ticket, _ in move.tickets:
            self.tickets[int(ticket.id)] = ticket

    def move(self, number: int, action: WindowAction, now: float) -> None:
        self.moved(self.state.open_or_close(number, action, at(now)))

    def act(self, number: int, action: TicketAction, now: float) -> Ticket:
        """Recall, start, finish or no-show the ticket window `number` holds."""
        move, _, ticket = self.state.on_current(number, action.value, at(now), ACTOR)
        self.moved(move)
        return ticket

    def held(self, number: int) -> Ticket:
        return self.state.current(self.window(number))

    # -------------------------------------------------------- handlers

    def on_session(self, now: float, _: int) -> None:
        self.phase = Phase.OPEN
        for w in self.state.window_list():
            if w.state is WindowState.CLOSED and w.number <= self.at_work:
                self.move(w.number, WindowAction.OPEN, now)

    def on_staffing(self, now: float, windows: int) -> None:
        """The plan changes: more windows open now, fewer close as they become free."""
        self.at_work = windows
        if self.phase is Phase.OPEN:
            self.on_session(now, 0)

    def on_arrive(self, now: float, index: int) -> None:
        person = self.people[index]
        service = self.state.service(person.service)
        ticket = new_ticket(self.state, service, person.priority, at(now), ticket_id=str(index))
        guess, move = self.state.issue(ticket, at(now), ACTOR, told=self.tell_arrivals)
        self.moved(move)
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
        ticket = self.act(number, TicketAction.START, now)
        self.schedule(now + self.people[int(ticket.id)].handling_s, Kind.FINISH, number)

    def on_finish(self, now: float, number: int) -> None:
        self.act(number, TicketAction.FINISH, now)
        self.free(now, number)

    def on_recall(self, now: float, number: int) -> None:
        ticket = self.act(number, TicketAction.RECALL, now)
        more = ticket.recalls < self.state.hall.policy.max_recalls
        self.schedule(now + self.config.recall_gap_s, Kind.RECALL if more else Kind.NO_SHOW, number)

    def on_no_show(self, now: float, number: int) -> None:
        self.act(number, TicketAction.NO_SHOW, now)
        self.free(now, number)

    def on_session_end(self, now: float, session: int) -> None:
        self.phase = Phase.OVERTIME
        for w in self.state.window_list():
            if w.state is WindowState.PAUSED:
                self.move(w.number, WindowAction.CLOSE, now)
        self.schedule(now + 60.0 * self.config.overtime_minutes, Kind.CUTOFF, session)

    def on_cutoff(self, now: float, session: int) -> None:
        self.phase = Phase.SHUT
        if session == len(self.config.sessions) - 1:
            for ticket in self.state.queue():
                self.moved(self.state.end(ticket, TicketAction.CLOSE_DAY, at(now), ACTOR))

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
        policy = self.state.hall.policy
        for w in self.state.window_list():
            if w.state is not WindowState.OPEN:
                continue
            if w.number > self.at_work:
                self.move(w.number, WindowAction.CLOSE, now)
                continue
            chosen = None
            if self.phase is not Phase.SHUT:
                chosen = self.chooser(self.state.waiting, w, self.state.policy_at(at(now)), at(now))
            if chosen is None:
                if self.phase is not Phase.OPEN:
                    self.move(w.number, WindowAction.CLOSE, now)
                continue
            move, _ = self.state.call(w.number, chosen, at(now), ACTOR)
            self.moved(move)
            self.called_s[w.number - 1] = now
            person = self.people[int(chosen.id)]
            if person.absent:
                recall = Kind.RECALL if policy.max_recalls > 0 else Kind.NO_SHOW
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
    keep_log: bool = False,
) -> DayResult:
    """Simulate one day of `people` at `staff`'s windows under `policy`.

    `chooser` defaults to the domain's (under the policy in force); another can be
    tried here before the domain changes. Each ticket's estimate is told the
    day's arrivals so far, unless `tell_arrivals` is false. With `keep_log`,
    the result holds every ticket step, as the server would log them."""
    state = _opening(staff, policy, catalogue)
    hall = _Hall(
        config=config,
        chooser=chooser,
        tell_arrivals=tell_arrivals,
        people=people,
        targets={c: s.target_wait_minutes * 60.0 for c, s in catalogue.services.items()},
        state=state,
        break_at=list(staff.break_at_s),
        busy_s=[0.0] * len(staff.skills),
        called_s=[0.0] * len(staff.skills),
        log=[] if keep_log else None,
    )
    for i, (start, end) in enumerate(config.sessions):
        hall.schedule(start * 60.0, Kind.SESSION, i)
        hall.schedule(end * 60.0, Kind.SESSION_END, i)
    for number, due in enumerate(staff.break_at_s, start=1):
        if due is not None:
            hall.schedule(due, Kind.BREAK, number)
    for person in people:
        hall.schedule(person.arrive_s, Kind.ARRIVE, person.index)

    while hall.queue:
        now, _, event = heapq.heappop(hall.queue)
        hall.handle(now, event)
    return DayResult(
        outcomes=tuple(_outcome(hall, p) for p in people),
        labels=staff.labels,
        busy_s=tuple(hall.busy_s),
        staffed_s=config.staffed_s(),
        tickets=tuple(hall.tickets[p.index] for p in people),
        log=tuple(hall.log or ()),
    )


def _opening(staff: Staff, policy: Policy, catalogue: Catalogue) -> HallState:
    """The simulated hall before its first visitor: every window closed."""
    windows = [
        Window(hall=HALL, number=i + 1, label=label, skills=skills)
        for i, (skills, label) in enumerate(zip(staff.skills, staff.labels, strict=True))
    ]
    return HallState(
        hall=Hall(id=HALL, name="模拟大厅", timezone=ZONE.key, policy=policy),
        services=catalogue.services,
        windows=windows_in_order(windows),
        tickets={},
        day=Day(DAY.date()),
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
