"""The hall's rules, with no I/O: tickets, windows, their lifecycles, dispatch.

Everything here is a pure function of its arguments; time comes in as `now`.
The storage and HTTP layers load domain objects, ask this module what the
next state is, and save what it returns. An illegal move raises a
`QueueError` and changes nothing, so a refused action is never half-applied.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .hours import Hours

# ---------------------------------------------------------------- errors


class QueueError(Exception):
    """Base of every refusal the domain can give.

    `status` is the HTTP status the edge maps it to; `code` is a stable
    machine-readable name; the message is for the person at the other end.
    """

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, en: str | None = None, code: str | None = None, **details: str
    ) -> None:
        """`message` is for the hall's staff and visitors (Chinese); `en` the same in
        English for operators and clients that ask for it; `code` a finer stable
        name than the class's, for clients that must tell refusals apart."""
        super().__init__(message)
        self.en = en or message
        if code is not None:
            self.code = code
        self.details = details  # machine-readable facts for the client (e.g. opens_at)

    def message_for(self, english: bool) -> str:
        return self.en if english else str(self)


class NotFound(QueueError):
    status = 404
    code = "not_found"


class Forbidden(QueueError):
    status = 403
    code = "forbidden"


class Unauthorized(QueueError):
    status = 401
    code = "unauthorized"


class InvalidInput(QueueError):
    status = 422
    code = "invalid_input"


class Conflict(QueueError):
    """The request is valid but the current state does not allow it."""

    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class DuplicateTicket(Conflict):
    code = "duplicate_ticket"


class HallClosed(Conflict):
    code = "hall_closed"


class TooLateToday(Conflict):
    code = "too_late_today"


class StaleState(Conflict):
    """Someone else changed the row between our read and our write; retry."""

    code = "stale_state"


# ---------------------------------------------------------------- vocabulary


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"
    SUSPENDED = "suspended"
    UNSERVED = "unserved"


ACTIVE_STATUSES = frozenset(
    {TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.SUSPENDED}
)


class PriorityClass(StrEnum):
    """Why a ticket is green-channel. Stored for statistics, never shown."""

    NORMAL = "normal"
    ELDERLY = "elderly"
    MINOR = "minor"
    MILITARY = "military"
    TALENT = "talent"
    DISABILITY = "disability"
    OTHER = "other"

    @property
    def green_channel(self) -> bool:
        return self is not PriorityClass.NORMAL


class Entry(StrEnum):
    """How a ticket entered the queue it waits in now; drives its boost."""

    WALK_IN = "walk_in"
    APPOINTMENT = "appointment"
    TRANSFER = "transfer"
    RETURN = "return"  # came back from a suspension: head of the queue


class WindowState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"  # open and idle
    CALLING = "calling"
    SERVING = "serving"
    PAUSED = "paused"


class Lane(StrEnum):
    """A green lane window calls green-channel tickets strictly first."""

    STANDARD = "standard"
    GREEN = "green"


class TicketAction(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    TRANSFER = "transfer"
    SUSPEND = "suspend"
    RESUME = "resume-ticket"
    CANCEL = "cancel"
    CLOSE_DAY = "close-day"


class WindowAction(StrEnum):
    OPEN = "open"
    PAUSE = "pause"
    RESUME = "resume"
    CLOSE = "close"
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    TRANSFER = "transfer"
    SUSPEND = "suspend"


_T = TicketStatus
TICKET_TRANSITIONS: Mapping[tuple[TicketStatus, TicketAction], TicketStatus] = {
    (_T.WAITING, TicketAction.CALL): _T.CALLED,
    (_T.WAITING, TicketAction.CANCEL): _T.CANCELLED,
    (_T.WAITING, TicketAction.CLOSE_DAY): _T.UNSERVED,
    (_T.CALLED, TicketAction.RECALL): _T.CALLED,
    (_T.CALLED, TicketAction.START): _T.SERVING,
    (_T.CALLED, TicketAction.NO_SHOW): _T.NO_SHOW,
    (_T.CALLED, TicketAction.TRANSFER): _T.TRANSFERRED,
    (_T.SERVING, TicketAction.FINISH): _T.DONE,
    (_T.SERVING, TicketAction.TRANSFER): _T.TRANSFERRED,
    (_T.SERVING, TicketAction.SUSPEND): _T.SUSPENDED,
    (_T.SUSPENDED, TicketAction.RESUME): _T.WAITING,
    (_T.SUSPENDED, TicketAction.CANCEL): _T.CANCELLED,
    (_T.SUSPENDED, TicketAction.CLOSE_DAY): _T.UNSERVED,
}

_W = WindowState
WINDOW_TRANSITIONS: Mapping[tuple[WindowState, WindowAction], WindowState] = {
    (_W.CLOSED, WindowAction.OPEN): _W.OPEN,
    (_W.OPEN, WindowAction.PAUSE): _W.PAUSED,
    (_W.PAUSED, WindowAction.RESUME): _W.OPEN,
    (_W.OPEN, WindowAction.CLOSE): _W.CLOSED,
    (_W.PAUSED, WindowAction.CLOSE): _W.CLOSED,
    (_W.OPEN, WindowAction.CALL): _W.CALLING,
    (_W.CALLING, WindowAction.RECALL): _W.CALLING,
    (_W.CALLING, WindowAction.START): _W.SERVING,
    (_W.CALLING, WindowAction.NO_SHOW): _W.OPEN,
    (_W.CALLING, WindowAction.TRANSFER): _W.OPEN,
    (_W.SERVING, WindowAction.FINISH): _W.OPEN,
    (_W.SERVING, WindowAction.TRANSFER): _W.OPEN,
    (_W.SERVING, WindowAction.SUSPEND): _W.OPEN,
}

_WINDOW_STATE_ZH = {
    _W.CLOSED: "未开启",
    _W.OPEN: "空闲",
    _W.CALLING: "叫号中",
    _W.SERVING: "办理中",
    _W.PAUSED: "暂停服务",
}

# The words a clerk and a visitor read in refusals (the pages use the same).
# Actions are keyed by value: a ticket's and a window's "call" read alike.
_TICKET_STATUS_ZH = {
    _T.WAITING: "等候中",
    _T.CALLED: "已叫号",
    _T.SERVING: "办理中",
    _T.DONE: "已办结",
    _T.NO_SHOW: "已过号",
    _T.CANCELLED: "已取消",
    _T.TRANSFERRED: "已转办",
    _T.SUSPENDED: "挂起",
    _T.UNSERVED: "未办理",
}

_ACTION_ZH: Mapping[str, str] = {
    "open": "开窗",
    "pause": "暂停",
    "resume": "恢复服务",
    "close": "关窗",
    "call": "叫号",
    "recall": "重呼",
    "start": "开始办理",
    "finish": "办结",
    "no-show": "过号",
    "transfer": "转办",
    "suspend": "挂起",
    "resume-ticket": "恢复挂起号",
    "cancel": "取消",
    "close-day": "日终结转",
}

# ---------------------------------------------------------------- objects


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    prefix: str


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name: str
    category: str
    prefix: str
    minutes: int
    target_wait_minutes: int
    walk_in: bool
    materials: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Skills:
    """What a window accepts: everything, or listed services and categories."""

    accepts_all: bool = True
    services: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    def accepts(self, service: str, category: str) -> bool:
        return self.accepts_all or service in self.services or category in self.categories


@dataclass(frozen=True, slots=True)
class Window:
    hall: str
    number: int
    label: str
    skills: Skills = field(default_factory=Skills)
    lane: Lane = Lane.STANDARD
    state: WindowState = WindowState.CLOSED
    ticket_id: str | None = None
    state_since: datetime | None = None
    version: int = 0

    def accepts(self, ticket: "Ticket") -> bool:
        if ticket.directed_window is not None and ticket.directed_window != self.number:
            return False
        return self.skills.accepts(ticket.service, ticket.category)


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    hall: str
    business_date: date
    number: str
    service: str
    category: str
    priority: PriorityClass
    status: TicketStatus
    arrived_at: datetime  # kept across transfers: the visitor's place in line
    issued_at: datetime
    entry: Entry = Entry.WALK_IN
    window: int | None = None  # the window it was last called to (kept: the board's last calls)
    directed_window: int | None = None
    first_called_at: datetime | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0
    outcome: str | None = None
    parent_id: str | None = None
    appointment_at: datetime | None = None  # the booked slot's start
    version: int = 0

    @property
    def green_channel(self) -> bool:
        return self.priority.green_channel

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class Step:
    """One stored transition, as the figures need it."""

    ticket_id: str
    action: str
    window: int | None
    at: datetime


_NORMAL = PriorityClass.NORMAL
_WAITING = TicketStatus.WAITING
TARGET_REFERENCE_MIN = 30  # a service with this target wait gets no target boost


@dataclass(frozen=True, slots=True)
class Policy:
    """Per-hall dispatch and lifecycle settings (seconds unless named).

    `targets` is not a setting: it is each service's target wait in minutes,
    from the catalogue, filled in where a hall is loaded. A service missing
    from it gets no target boost.
    """

    green_boost_s: int = 1200
    appointment_boost_s: int = 900
    transfer_boost_s: int = 600
    return_boost_s: int = 86_400  # larger than any day's wait: head of the queue
    target_boost_s_per_min: int = 120  # per minute a service's target wait is under 30; 0: off
    max_recalls: int = 2
    no_show_after_s: int = 120  # after the last allowed recall, the window is freed
    queue_alert_length: int = 30  # waiting tickets in one category that raise an alert
    slot_minutes: int = 30
    appointment_share_pct: int = 30  # share of window time held for bookings
    checkin_early_min: int = 15
    checkin_grace_min: int = 10
    noshow_strikes: int = 3  # missed bookings within strike_days suspend booking
    strike_days: int = 180
    ban_days: int = 30
    targets: Mapping[str, int] = field(default_factory=dict, repr=False, hash=False)

    def settings(self) -> dict[str, int]:
        """The hall's own settings, as stored and shown: everything but `targets`."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "targets"}

    def target_boost(self, service: str) -> int:
        """Head start from the service's target wait (negative above 30 minutes).

        With the default 120 s a minute, a ticket's score is its wait minus
        twice its target (plus a constant): the earliest "twice the target"
        deadline is called first, which keeps the worst overrun of that
        deadline smallest. Short targets mostly belong to quick items, so
        normal waits fall too, which pays for the green channel's precedence.
        """
        minutes = self.targets.get(service, TARGET_REFERENCE_MIN)
        return self.target_boost_s_per_min * (TARGET_REFERENCE_MIN - minutes)

    def walk_in_boost(self, service: str, green_channel: bool) -> int:
        """The boost of a walk-in ticket: its target boost, plus the green channel's."""
        return self.target_boost(service) + (self.green_boost_s if green_channel else 0)

    def boost(self, ticket: Ticket, now: datetime) -> int:
        boost = self.walk_in_boost(ticket.service, ticket.priority is not _NORMAL)
        if ticket.entry is Entry.APPOINTMENT:
            # Precedence inside the slot: from a few minutes early on, not before.
            opens = ticket.appointment_at or now
            if now >= opens - timedelta(minutes=self.checkin_early_min):
                boost += self.appointment_boost_s
        elif ticket.entry is Entry.RETURN:  # sent back to its window or not: the head
            boost += self.return_boost_s
        elif ticket.entry is Entry.TRANSFER or ticket.directed_window is not None:
            boost += self.transfer_boost_s
        return boost


@dataclass(frozen=True, slots=True)
class Hall:
    id: str
    name: str
    timezone: str
    services: frozenset[str] | None = None  # enabled subset; None = whole catalogue
    policy: Policy = Policy()
    hours: Hours = field(default_factory=Hours)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def business_date(self, now: datetime) -> date:
        """The hall's calendar day at `now`: numbering restarts when it changes."""
        return now.astimezone(self.zone).date()

    def offers(self, service: str) -> bool:
        return self.services is None or service in self.services


# ---------------------------------------------------------------- lifecycles


def window_state_zh(state: WindowState) -> str:
    return _WINDOW_STATE_ZH[state]


def ticket_status_zh(status: TicketStatus) -> str:
    return _TICKET_STATUS_ZH[status]


def next_ticket_status(status: TicketStatus, action: TicketAction) -> TicketStatus:
    try:
        return TICKET_TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(
            f"该号码当前为「{ticket_status_zh(status)}」，不能{_ACTION_ZH[action.value]}",
            en=f"ticket is {status.value}; '{action.value}' is not allowed in that state",
        ) from None


def next_window_state(window: Window, action: WindowAction) -> WindowState:
    try:
        return WINDOW_TRANSITIONS[(window.state, action)]
    except KeyError:
        current = f" ({window.ticket_id})" if window.ticket_id else ""
        raise InvalidTransition(
            f"{window.number} 号窗口当前为「{window_state_zh(window.state)}」，"
            f"不能{_ACTION_ZH[action.value]}",
            en=f"window {window.number} is {window.state.value}{current}; "
            f"'{action.value}' is not allowed in that state",
        ) from None


def apply_ticket(
    ticket: Ticket,
    action: TicketAction,
    *,
    now: datetime,
    window: int | None = None,
    policy: Policy = Policy(),
    outcome: str | None = None,
) -> Ticket:
    """The ticket after `action`, or InvalidTransition. Stamps the times."""
    status = next_ticket_status(ticket.status, action)
    if action is TicketAction.RECALL and ticket.recalls >= policy.max_recalls:
        raise InvalidTransition(
            f"{ticket.number} 已重呼 {ticket.recalls} 次，达到本大厅上限"
            f"（{policy.max_recalls} 次），请按「过号」",
            en=f"ticket {ticket.number} was already recalled {ticket.recalls} times "
            f"(the hall allows {policy.max_recalls}); mark it no-show instead",
            code="recall_limit",
        )
    changes: dict[str, object] = {"status": status}
    match action:
        case TicketAction.CALL:
            changes |= {
                "window": window,
                "called_at": now,
                "first_called_at": ticket.first_called_at or now,
                "recalls": 0,
            }
        case TicketAction.RECALL:
            changes |= {"called_at": now, "recalls": ticket.recalls + 1}
        case TicketAction.START:
            changes |= {"started_at": now}
        case TicketAction.FINISH:
            changes |= {"finished_at": now, "outcome": outcome}
        case TicketAction.NO_SHOW | TicketAction.TRANSFER | TicketAction.CANCEL:
            changes |= {"finished_at": now}
        case TicketAction.CLOSE_DAY:
            changes |= {"finished_at": now}
        case TicketAction.RESUME:
            # Back at the head of the queue, for `window` (see `resume_window`) or for any
            # window when None. `window` itself keeps the last call's: the board shows it.
            changes |= {"entry": Entry.RETURN, "directed_window": window}
        case TicketAction.SUSPEND:
            pass
    return replace(ticket, **changes)  # type: ignore[arg-type]


def apply_window(
    window: Window, action: WindowAction, *, now: datetime, ticket_id: str | None = None
) -> Window:
    """The window after `action`; it holds a ticket only while calling or serving."""
    state = next_window_state(window, action)
    holds = state in (WindowState.CALLING, WindowState.SERVING)
    new_ticket = (ticket_id or window.ticket_id) if holds else None
    since = window.state_since if state is window.state else now
    return replace(window, state=state, ticket_id=new_ticket, state_since=since)


# ---------------------------------------------------------------- dispatch


def score(ticket: Ticket, policy: Policy, now: datetime) -> float:
    """Seconds waited plus bounded boosts: higher is called first.

    A boost is a head start measured in seconds, so a normal ticket that has
    waited longer than the green-channel boost is still served first: the green
    channel gets precedence without starving anyone. The target boost orders
    services by their target waits the same way (`Policy.target_boost`).
    """
    return (now - ticket.arrived_at).total_seconds() + policy.boost(ticket, now)


_Rank = tuple[datetime, datetime, datetime, int, str]
_BoostKey = tuple[str, PriorityClass, Entry, int | None, datetime | None]


def _ranker(policy: Policy, now: datetime) -> Callable[[Ticket], _Rank]:
    """Sort key of the hall-wide order: best score, then earliest arrival.

    The best score is the earliest arrival moved forward by the boost: the
    order of `score`, in exact datetime arithmetic. Boosts are worked out
    once per kind of ticket. The number breaks the last tie by its length
    first, so A999 < A1000.
    """
    boosts: dict[_BoostKey, timedelta] = {}

    def rank(t: Ticket) -> _Rank:
        key = (t.service, t.priority, t.entry, t.directed_window, t.appointment_at)
        boost = boosts.get(key)
        if boost is None:
            boost = boosts[key] = timedelta(seconds=policy.boost(t, now))
        return (t.arrived_at - boost, t.arrived_at, t.issued_at, len(t.number), t.number)

    return rank


def dispatch_order(
    waiting: Iterable[Ticket], window: Window, policy: Policy, now: datetime
) -> list[Ticket]:
    """The tickets `window` may call, best first (ties by arrival, then number)."""
    eligible = _eligible(waiting, window)
    rank = _ranker(policy, now)
    if window.lane is Lane.GREEN:
        return sorted(eligible, key=lambda t: (_lane_last(t), rank(t)))
    return sorted(eligible, key=rank)


def choose_next(
    waiting: Iterable[Ticket], window: Window, policy: Policy, now: datetime
) -> Ticket | None:
    """The ticket `window` should call now, or None when nobody eligible waits."""
    eligible = _eligible(waiting, window)
    rank = _ranker(policy, now)
    if window.lane is Lane.GREEN:
        return min(eligible, key=lambda t: (_lane_last(t), rank(t)), default=None)
    return min(eligible, key=rank, default=None)


def resume_window(ticket: Ticket, windows: Iterable[Window]) -> int | None:
    """Where a suspended visitor goes back to: the window that suspended them (its
    clerk has their file), or None (any window that serves them) when that window
    is closed or paused now, or no longer takes the service."""
    home = next((w for w in windows if w.number == ticket.window), None)
    if home is None or home.state not in _STAFFED:
        return None
    return home.number if home.skills.accepts(ticket.service, ticket.category) else None


def _eligible(waiting: Iterable[Ticket], window: Window) -> list[Ticket]:
    return [t for t in waiting if t.status is _WAITING and window.accepts(t)]


def _lane_last(ticket: Ticket) -> bool:
    """False for the tickets a green lane calls strictly first: green-channel
    ones, and a visitor back from a suspension, who keeps the head there too."""
    return ticket.priority is _NORMAL and ticket.entry is not Entry.RETURN


# ---------------------------------------------------------------- estimates


_STAFFED = frozenset({WindowState.OPEN, WindowState.CALLING, WindowState.SERVING})
_BUSY = frozenset({WindowState.CALLING, WindowState.SERVING})
_WALK_IN = Entry.WALK_IN
_DEFAULT_HANDLING_S = 600.0  # a service with neither a recent mean nor catalogue minutes

ArrivalKind = tuple[str, str, bool]  # service, its category, green channel


@dataclass(frozen=True, slots=True)
class Estimate:
    position: int  # tickets that will be called before this one
    wait_s: int


def estimate(
    ticket: Ticket,
    waiting: Sequence[Ticket],
    windows: Sequence[Window],
    handling_s: Mapping[str, float],
    policy: Policy,
    now: datetime,
    *,
    arrivals: Mapping[ArrivalKind, float] | None = None,
) -> Estimate:
    """People ahead of `ticket` and its expected wait.

    Ahead = waiting tickets that rank before `ticket` in the dispatch order
    now and that a staffed window (open, calling or serving) able to take
    `ticket` could take instead; with none staffed, any window able to take
    it counts. Each needs its service's handling time (`handling_s`: recent
    means, else the catalogue's minutes).

    Of c such windows, the idle ones call the first tickets ahead at once
    (no wait if one is left for `ticket`; unstaffed ones count as idle: they
    call when they open); then windows free up one every mean handling / c,
    the first after about a mean handling / (busy + 1), or a whole one if
    all have just started. With every window busy, the wait is about
    (work ahead + one mean handling) / c.

    Visitors who come later with a larger boost (green channel, a shorter
    target wait) overtake the ticket while it has waited less than their head
    start. `arrivals` (the hall's recent arrivals, e.g. today's tickets so
    far, counted per service, category and green channel) gives their mix:
    arriving at the windows' pace, each kind adds its share of the work for
    as long as it overtakes, W = base + sum(share * min(W, head start)).
    Without `arrivals` that term is left out and waits come out short.
    Deliberately simple (it ignores green lanes); its accuracy is measured
    by the simulator.
    """
    if ticket.status is not _WAITING:
        return Estimate(position=0, wait_s=0)
    able = [w for w in windows if w.accepts(ticket)]
    staffed = [w for w in able if w.state in _STAFFED] or able
    if not staffed:
        return Estimate(position=0, wait_s=0)
    mine = policy.boost(ticket, now)
    known = _Known(staffed, handling_s, policy, now, ticket.arrived_at - timedelta(seconds=mine))
    position, work = _ahead(ticket, waiting, known)
    busy = sum(w.state in _BUSY for w in staffed)
    idle = len(staffed) - busy
    if position < idle:
        return Estimate(position=position, wait_s=0)
    mean = (work + handling_s.get(ticket.service, _DEFAULT_HANDLING_S)) / (position + 1)
    later = work * (position - idle) / position if position else 0.0
    base = later / len(staffed) + (mean / (busy + 1) if busy else mean)
    wait = base
    if arrivals:
        waited = (now - ticket.arrived_at).total_seconds()
        wait = _solve(base, _overtakers(arrivals, known, mine + waited))
    return Estimate(position=position, wait_s=round(wait))


_KindKey = tuple[str, PriorityClass, Entry, int | None, datetime | None, TicketStatus]
_Kind = tuple[datetime, float]  # such tickets rank ahead if they arrived before; their handling
_SKIP: _Kind = (datetime.min, 0.0)  # tickets that cannot be ahead (compared by identity)


class _Known:
    """What one estimate works out once per service, boost and kind of ticket.

    Tickets of one kind (everything their boost and windows depend on) rank
    before the estimated ticket if they arrived before the same instant:
    its arrival moved forward by its boost, and back by theirs.
    """

    def __init__(
        self,
        staffed: Sequence[Window],
        handling_s: Mapping[str, float],
        policy: Policy,
        now: datetime,
        rank: datetime,
    ) -> None:
        self.staffed = staffed
        self.everything = all(w.skills.accepts_all for w in staffed)
        self.numbers = {w.number for w in staffed}
        self.handling_s = handling_s
        self.policy = policy
        self.now = now
        self.rank = rank  # the estimated ticket's arrival moved forward by its boost
        self.services: dict[str, tuple[bool, float, int]] = {}
        self.instants: dict[int, datetime] = {}

    def service(self, service: str, category: str) -> tuple[bool, float, int]:
        """Whether a staffed window takes it, its handling seconds, its target boost.

        Worked out once per service: a service's category never changes.
        """
        found = self.services.get(service)
        if found is None:
            takes = self.everything or any(
                w.skills.accepts(service, category) for w in self.staffed
            )
            handling = self.handling_s.get(service, _DEFAULT_HANDLING_S)
            found = self.services[service] = (takes, handling, self.policy.target_boost(service))
        return found

    def instant(self, boost: int) -> datetime:
        """A ticket with `boost` ranks ahead if it arrived before this."""
        found = self.instants.get(boost)
        if found is None:
            found = self.instants[boost] = self.rank + timedelta(seconds=boost)
        return found

    def walk_ins(self, service: str, category: str) -> tuple[_Kind, _Kind]:
        """The kinds of the green-channel and of the normal walk-ins of `service`."""
        takes, handling, boost = self.service(service, category)
        if not takes:
            return _SKIP, _SKIP
        green = self.instant(boost + self.policy.green_boost_s)
        return (green, handling), (self.instant(boost), handling)

    def kind(self, t: Ticket) -> _Kind:
        """The kind of any ticket (transferred, directed, booked, not waiting, ...)."""
        if t.status is not _WAITING:
            return _SKIP
        takes, handling, _ = self.service(t.service, t.category)
        if t.directed_window is not None:
            takes = t.directed_window in self.numbers and any(w.accepts(t) for w in self.staffed)
        if not takes:
            return _SKIP
        return self.instant(self.policy.boost(t, self.now)), handling


def _ahead(ticket: Ticket, waiting: Sequence[Ticket], known: _Known) -> tuple[int, float]:
    """How many of `waiting` rank before `ticket` and can take its windows, and their work.

    t ranks before `ticket` when t.arrived_at - boost(t) is earlier than
    ticket.arrived_at - boost(ticket) (as in `_ranker`). The server runs this
    for every ticket it issues, with up to ~1,000 waiting, so each kind of
    ticket is worked out once; then a ticket costs a lookup and a comparison.
    Most are plain walk-ins, looked up by their service alone.
    """
    last = (ticket.arrived_at, ticket.issued_at, len(ticket.number), ticket.number)
    walk_ins: dict[str, tuple[_Kind, _Kind]] = {}
    others: dict[_KindKey, _Kind] = {}
    position, work = 0, 0.0
    for t in waiting:
        if t.entry is _WALK_IN and t.directed_window is None and t.status is _WAITING:
            pair = walk_ins.get(t.service)
            if pair is None:
                pair = walk_ins[t.service] = known.walk_ins(t.service, t.category)
            kind = pair[t.priority is _NORMAL]
        else:
            key = (t.service, t.priority, t.entry, t.directed_window, t.appointment_at, t.status)
            kind = others.get(key) or others.setdefault(key, known.kind(t))
        if kind is _SKIP:
            continue
        at = t.arrived_at
        if at < kind[0] or (
            at == kind[0]
            and t.id != ticket.id
            and (at, t.issued_at, len(t.number), t.number) < last
        ):
            position += 1
            work += kind[1]
    return position, work


def _overtakers(
    arrivals: Mapping[ArrivalKind, float], known: _Known, mine: float
) -> list[tuple[float, float]]:
    """(share of the work, head start in seconds) of each kind of later walk-in
    that overtakes a ticket whose boost plus wait so far is `mine`. Their
    boosts are `Policy.walk_in_boost`, from the target boosts known already."""
    total, found = 0.0, []
    green_boost = known.policy.green_boost_s
    for (service, category, green), count in arrivals.items():
        takes, handling, boost = known.service(service, category)
        if takes and count > 0:
            total += count * handling
            if green:
                boost += green_boost
            if boost > mine:
                found.append((count * handling, boost - mine))
    if total <= 0:
        return []
    return [(work / total, head_start) for work, head_start in found]


def _solve(base: float, overtakers: Sequence[tuple[float, float]]) -> float:
    """The W with W = base + sum(share * min(W, head start)) over (share, head start).

    The right side is piecewise linear in W with a slope below 1 (the shares
    sum to at most 1), so scan the head starts in order and solve on the
    segment where the answer falls.
    """
    fixed, slope = 0.0, sum(share for share, _ in overtakers)
    for share, head_start in sorted(overtakers, key=lambda o: o[1]):
        if slope < 1:
            wait = (base + fixed) / (1 - slope)
            if wait <= head_start:
                return wait
        fixed += share * head_start
        slope -= share
    return base + fixed


# ---------------------------------------------------------------- opening hours


def admit(hall: Hall, service: Service, now: datetime, wait_s: int) -> None:
    """Refuse a ticket outside opening hours, or for a service that can no longer
    be finished before today's closing (the expected wait plus its handling)."""
    hours, zone = hall.hours, hall.zone
    if hours.always_open:
        return
    if hours.session_at(now, zone) is None:
        opens = hours.next_opening(now, zone)
        when = f"{opens.astimezone(zone):%Y-%m-%d %H:%M}" if opens else ""
        raise HallClosed(
            f"大厅现在不办理业务，将于 {when} 开始办理，请届时再来"
            if opens
            else "大厅现在不办理业务，开放时间请咨询工作人员",
            en=f"the hall is closed now; it opens again at {when or 'a date not yet set'}",
            opens_at=opens.isoformat() if opens else "",
        )
    closes = hours.day_close(now.astimezone(zone).date(), zone)
    done = now + timedelta(seconds=wait_s + service.minutes * 60)
    if closes is not None and done > closes:
        raise TooLateToday(
            f"本大厅今天 {closes:%H:%M} 停止办理，按目前排队情况「{service.name}」今天无法办结，"
            "请下一个工作日再来，或在网上预约",
            en=f"{service.name} can no longer be finished before closing at {closes:%H:%M} "
            "today; please come back on the next working day or book an appointment",
            closes_at=closes.isoformat(),
        )


def extra_windows(work_s: float, staffed: int, target_s: float) -> int:
    """How many more windows would bring the queue's expected wait under target."""
    if target_s <= 0:
        return 0
    needed = -(-work_s // target_s)  # ceiling division
    return max(0, int(needed) - staffed)


# ---------------------------------------------------------------- numbering


def format_number(prefix: str, sequence: int) -> str:
    """'A' and 23 -> 'A023'; the digits widen past 999 rather than wrap."""
    return f"{prefix}{sequence:03d}"
