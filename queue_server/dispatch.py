"""Who a window calls next: the dispatch order, pure and deterministic.

A ticket's rank is its arrival moved earlier by the boosts the hall's policy
gives it (green channel, appointment, transfer, return, short target wait);
a green lane window calls green-channel tickets strictly first. Ties go to
the earlier arrival, then the lower number, so every window and the
estimate agree on one order. A remote place whose holder has not arrived
(`Ticket.away`) keeps its rank but is never called: a call that would have
picked it passes it over (`passed_over`).
"""

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache

from .domain import (
    STAFFED,
    TARGET_REFERENCE_MIN,
    Entry,
    Lane,
    Policy,
    PriorityClass,
    Ticket,
    Window,
)
from .protocol import TicketStatus
from .waiting import WaitingQueue

_NORMAL = PriorityClass.NORMAL
_WAITING = TicketStatus.WAITING


def score(ticket: Ticket, policy: Policy, now: datetime) -> float:
    """Seconds waited plus bounded boosts: higher is called first.

    A boost is a head start measured in seconds, so a normal ticket that has
    waited longer than the green-channel boost is still served first: the green
    channel gets precedence without starving anyone. The target boost orders
    services by their target waits the same way (`Policy.target_boost`).
    """
    return (now - ticket.arrived_at).total_seconds() + policy.boost(ticket, now)


# A normal walk-in at this share of its target wait ends the calm: the calm
# deadline gives way before the ticket it would delay is late, not after.
CALM_UNTIL = 0.9


def in_force(policy: Policy, queue: WaitingQueue, now: datetime) -> Policy:
    """The hall's policy as it stands now, with the green channel's deadline of
    the moment: `green_calm_cap_min` while no plain normal walk-in has waited
    `CALM_UNTIL` of its service's target wait, `green_busy_cap_min` from the
    moment one has; the hall's own `green_cap_min` where it is tighter.

    Why: a green deadline costs normal tickets little while they are within
    their targets, and is what keeps the green channel's long items from giving
    way to every quick normal one in a quiet or small hall. Once a normal ticket
    nears its target, the looser deadline lets the deadline-first order serve it,
    while a green long item still has a promise (its target wait, where the
    green head start alone would leave it 40 minutes) instead of none. Only a
    kind's first ticket can be the oldest, so this looks at one ticket per kind.
    At any instant the order is still "arrival minus a per-kind constant",
    which the queue's index, the estimate and the call reasons rely on."""
    calm, busy = policy.green_calm_cap_min, policy.green_busy_cap_min
    if calm <= 0 and busy <= 0:
        return policy
    cap = calm if calm > 0 and _calm(policy, queue, now) else busy
    if cap <= 0 or 0 < policy.green_cap_min <= cap:
        return policy
    return _with_cap(policy, cap)


@lru_cache(maxsize=256)
def _with_cap(policy: Policy, cap: int) -> Policy:
    """One object per hall policy and deadline: the queue's index re-sorts only
    when it is handed a policy that is not the one it ranked by last."""
    return replace(policy, green_cap_min=cap)


def _calm(policy: Policy, queue: WaitingQueue, now: datetime) -> bool:
    targets = policy.targets
    for (service, _, green), keys in queue.kinds.items():
        limit = targets.get(service, TARGET_REFERENCE_MIN)
        if not green and (now - keys[0][0]).total_seconds() > 60 * CALM_UNTIL * limit:
            return False
    return True


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
    return sorted(_eligible(waiting, window), key=_order_key(window, policy, now))


def called_before(
    ticket: Ticket, others: Iterable[Ticket], window: Window, policy: Policy, now: datetime
) -> list[Ticket]:
    """Those of `others` that `window` would call before `ticket`: the part of
    `dispatch_order` ahead of it, without sorting."""
    key = _order_key(window, policy, now)
    mine = key(ticket)
    return [t for t in _eligible(others, window) if key(t) < mine]


def choose_next(
    waiting: Iterable[Ticket] | WaitingQueue, window: Window, policy: Policy, now: datetime
) -> Ticket | None:
    """The ticket `window` should call now, or None when nobody eligible waits.

    On an indexed queue the only plain walk-in that is a candidate is the best
    head the window takes; every other ticket is one too."""
    if isinstance(waiting, WaitingQueue):
        head = _best_head(waiting, window, policy)
        waiting = [*waiting.others.values(), *([head] if head else [])]
    return min(_eligible(waiting, window), key=_order_key(window, policy, now), default=None)


def passed_over(
    waiting: Iterable[Ticket] | WaitingQueue,
    window: Window,
    policy: Policy,
    now: datetime,
    called: Ticket | None,
) -> list[Ticket]:
    """The remote places `window` would have called before `called` (before
    nobody, when None) had their holders been here, not passed over before.

    Away tickets are never plain walk-ins, so on an indexed queue they are
    among its few `others`."""
    if isinstance(waiting, WaitingQueue):
        waiting = waiting.others.values()
    away = [
        t
        for t in waiting
        if t.away and t.passed_at is None and t.status is _WAITING and window.accepts(t)
    ]
    if called is None or not away:
        return away
    key = _order_key(window, policy, now)
    mine = key(called)
    return [t for t in away if key(t) < mine]


def _order_key(
    window: Window, policy: Policy, now: datetime
) -> Callable[[Ticket], tuple[bool, _Rank]]:
    """The window's order: the hall-wide rank, after green-channel tickets first
    on a green lane (`lane_last`)."""
    rank = _ranker(policy, now)
    if window.lane is Lane.GREEN:
        return lambda t: (lane_last(t), rank(t))
    return lambda t: (False, rank(t))


def _best_head(queue: WaitingQueue, window: Window, policy: Policy) -> Ticket | None:
    """The first head in dispatch order that `window` takes; on a green lane the
    first green-channel one, if any (`lane_last`)."""
    accepts, green_lane = window.skills.accepts, window.lane is Lane.GREEN
    first = None
    for _, key, (service, category, green) in queue.ranked(policy):
        if accepts(service, category):
            if green or not green_lane:
                return queue.tickets[key[4]]
            first = first or key
    return queue.tickets[first[4]] if first else None


def resume_window(ticket: Ticket, windows: Iterable[Window]) -> int | None:
    """Where a suspended visitor goes back to: the window that suspended them (its
    clerk has their file), or None (any window that serves them) when that window
    is closed or paused now, or no longer takes the service."""
    home = next((w for w in windows if w.number == ticket.window), None)
    if home is None or home.state not in STAFFED:
        return None
    return home.number if home.skills.accepts(ticket.service, ticket.category) else None


def _eligible(waiting: Iterable[Ticket], window: Window) -> list[Ticket]:
    return [t for t in waiting if t.status is _WAITING and not t.away and window.accepts(t)]


def lane_last(ticket: Ticket) -> bool:
    """False for the tickets a green lane calls strictly first: green-channel
    ones, and a visitor back from a suspension, who keeps the head there too."""
    return ticket.priority is _NORMAL and ticket.entry is not Entry.RETURN
