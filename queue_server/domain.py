"""The hall's rules, with no I/O: tickets, windows, their lifecycles, dispatch.

Everything here is a pure function of its arguments; time comes in as `now`.
The storage and HTTP layers load domain objects, ask this module what the
next state is, and save what it returns. An illegal move raises a
`QueueError` and changes nothing, so a refused action is never half-applied.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .errors import InvalidTransition
from .hours import Hours
from .lifecycle_words import ACTION_ZH, ticket_status_zh, window_state_zh
from .protocol import CallReason, TicketStatus, WindowState

# ---------------------------------------------------------------- vocabulary

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
    HOME_VISIT = "home_visit"  # served at the visitor's home (送服务上门): never queued


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
    # 线上取号: the holder arrives, is passed over while away, drops after the grace.
    CHECK_IN = "check-in"
    PASS = "pass"
    DROP = "drop"


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
    (_T.WAITING, TicketAction.CHECK_IN): _T.WAITING,
    (_T.WAITING, TicketAction.PASS): _T.WAITING,
    # Its holder missed the turn: the figures count it as a no-show, never as served.
    (_T.WAITING, TicketAction.DROP): _T.NO_SHOW,
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

# Windows with a clerk at them (idle, calling or serving).
STAFFED = frozenset({WindowState.OPEN, WindowState.CALLING, WindowState.SERVING})

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
    slot_capacity: int | None = None  # bookings per slot; None: from the hall's share
    remote: bool = False  # a phone may take a place in today's queue (线上取号)


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
    # 线上取号 (`remote_rules`): ranks from `arrived_at`, when the place was taken.
    remote: bool = False
    checked_in_at: datetime | None = None
    passed_at: datetime | None = None
    call_reason: CallReason | None = None  # why its last call chose it; a recall keeps it
    version: int = 0

    @property
    def green_channel(self) -> bool:
        return self.priority.green_channel

    @property
    def away(self) -> bool:
        """A remote place whose holder has not arrived: it keeps its rank, but no
        window calls it."""
        return self.remote and self.checked_in_at is None

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
TARGET_REFERENCE_MIN = 30  # a service with this target wait gets no target boost


@dataclass(frozen=True, slots=True)
class Policy:
    """Per-hall dispatch and lifecycle settings (seconds unless named).

    `targets` is not a setting: it is each service's target wait in minutes, the
    hall's own or the catalogue's (`hall_catalogue`), filled in where a hall is
    loaded. A service missing from it gets no target boost."""

    green_boost_s: int = 1200
    appointment_boost_s: int = 900
    transfer_boost_s: int = 600
    return_boost_s: int = 86_400  # larger than any day's wait: head of the queue
    target_boost_s_per_min: int = 120  # per minute a service's target wait is under 30; 0: off
    green_cap_min: int = 0  # green boost at least a deadline this long on normal's 2×-target scale
    green_calm_cap_min: int = 20  # that deadline while no normal walk-in nears its target
    green_busy_cap_min: int = 30  # ... and while one does (dispatch.in_force)
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
    booking_horizon_days: int = 14  # how far ahead a slot may be booked
    window_shows_staff: int = 0  # 1: a window's screen names the clerk signed in there
    case_due_days: int = 15  # working days to rectify a 差评 or 「办不成事」 case
    case_warn_days: int = 3  # working days left when a case becomes near-due
    rating_change_min: int = 10  # a rating may be changed this long after it is given
    rating_sms: int = 1  # 1: a verified phone gets a 短信评价 link after the service
    repeat_visit_days: int = 30  # a return for the same item within this is a second trip
    followup_remind_days: int = 1  # 容缺受理: the reminder goes this many days before due
    remote_share_pct: int = 30  # 线上取号: remote places at most this share of the waiting
    remote_grace_min: int = 15  # a remote place passed over while away is kept this long
    visit_horizon_days: int = 30  # 送服务上门: how far ahead a visit may be wanted or set
    visit_company_min: int = 5  # the fewest people a company's home visit is for
    remind_ahead: int = 3  # the holder's page warns this many ahead (the holder may change it)
    retention_days: int = 90  # personal data older than this is erased (retention.py)
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
        boost = self.target_boost(service) + (self.green_boost_s if green_channel else 0)
        cap = self.target_boost_s_per_min * TARGET_REFERENCE_MIN - 60 * self.green_cap_min
        return max(boost, cap) if green_channel and self.green_cap_min > 0 else boost

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
    # The hall's own settings of catalogue items, {code: {field: value}} (hall_catalogue).
    overrides: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    announcement: str = ""  # the line the lobby screen scrolls
    # Webhook subscriptions: id -> the event names each takes (webhooks.py).
    webhooks: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def business_date(self, now: datetime) -> date:
        """The hall's calendar day at `now`: numbering restarts when it changes."""
        return now.astimezone(self.zone).date()

    def offers(self, service: str) -> bool:
        return self.services is None or service in self.services


# ---------------------------------------------------------------- lifecycles


def next_ticket_status(status: TicketStatus, action: TicketAction) -> TicketStatus:
    try:
        return TICKET_TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(
            f"该号码当前为「{ticket_status_zh(status)}」，不能{ACTION_ZH[action.value]}",
            en=f"ticket is {status.value}; '{action.value}' is not allowed in that state",
        ) from None


def next_window_state(window: Window, action: WindowAction) -> WindowState:
    try:
        return WINDOW_TRANSITIONS[(window.state, action)]
    except KeyError:
        current = f" ({window.ticket_id})" if window.ticket_id else ""
        raise InvalidTransition(
            f"{window.number} 号窗口当前为「{window_state_zh(window.state)}」，"
            f"不能{ACTION_ZH[action.value]}",
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
    if action in _WHILE_AWAY and not ticket.away:
        raise InvalidTransition(
            f"{ticket.number} 号不是尚未到场的线上取号，不能{ACTION_ZH[action.value]}",
            en=f"ticket {ticket.number} is not a remote place whose holder is away",
            code="not_away",
        )
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
        case TicketAction.CLOSE_DAY | TicketAction.DROP:
            changes |= {"finished_at": now}
        case TicketAction.CHECK_IN:
            changes |= {"checked_in_at": now}
        case TicketAction.PASS:
            changes |= {"passed_at": ticket.passed_at or now}
        case TicketAction.RESUME:
            # Back at the head of the queue, for `window` (see `resume_window`) or for any
            # window when None. `window` itself keeps the last call's: the board shows it.
            changes |= {"entry": Entry.RETURN, "directed_window": window}
        case TicketAction.SUSPEND:
            pass
    return replace(ticket, **changes)  # type: ignore[arg-type]


_WHILE_AWAY = frozenset({TicketAction.CHECK_IN, TicketAction.PASS, TicketAction.DROP})


def apply_window(
    window: Window, action: WindowAction, *, now: datetime, ticket_id: str | None = None
) -> Window:
    """The window after `action`; it holds a ticket only while calling or serving."""
    state = next_window_state(window, action)
    holds = state in (WindowState.CALLING, WindowState.SERVING)
    new_ticket = (ticket_id or window.ticket_id) if holds else None
    since = window.state_since if state is window.state else now
    return replace(window, state=state, ticket_id=new_ticket, state_since=since)


# ---------------------------------------------------------------- numbering


def format_number(prefix: str, sequence: int) -> str:
    """'A' and 23 -> 'A023'; the digits widen past 999 rather than wrap."""
    return f"{prefix}{sequence:03d}"
