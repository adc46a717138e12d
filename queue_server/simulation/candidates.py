"""Changes to the domain's dispatch and estimate, tried in the simulator first.

Nothing here is used by the server. Each candidate plugs into `hall.run` (a
`Policy` subclass drives the real `choose_next`; an estimator has
`domain.estimate`'s signature), so `scripts/simulate` can put its figures next
to the domain's before anyone edits `domain.py`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..domain import (
    Entry,
    Estimate,
    Policy,
    PriorityClass,
    Ticket,
    TicketStatus,
    Window,
    WindowState,
    score,
)
from .hall import Estimator

_STAFFED = frozenset({WindowState.OPEN, WindowState.CALLING, WindowState.SERVING})
_BUSY = frozenset({WindowState.CALLING, WindowState.SERVING})


@dataclass(frozen=True, slots=True)
class TargetFirst(Policy):
    """The domain's boosts plus a head start from the service's target wait.

    A ticket whose service targets T minutes gets `per_minute_s` * (reference
    - T) seconds. With 120 s a minute the score is seconds waited minus twice
    the target (plus a constant): the earliest "twice the target" deadline is
    called first, which is the order that keeps the largest overrun of that
    deadline smallest. Items with short targets are mostly quick ones, so
    normal waits fall too, which pays for the green channel's precedence.
    """

    targets: Mapping[str, float] = field(default_factory=dict)  # service: minutes
    per_minute_s: float = 120.0
    reference_minutes: float = 30.0

    def boost(self, ticket: Ticket, now: datetime) -> int:
        target = self.targets.get(ticket.service, self.reference_minutes)
        head_start = self.per_minute_s * (self.reference_minutes - target)
        return Policy.boost(self, ticket, now) + round(head_start)


def _rank(
    ticket: Ticket, policy: Policy, now: datetime
) -> tuple[float, datetime, datetime, int, str]:
    # The domain's hall-wide order (domain._rank): best score, then earliest arrival.
    number = ticket.number
    return (-score(ticket, policy, now), ticket.arrived_at, ticket.issued_at, len(number), number)


def _solve(base: float, overtakers: Sequence[tuple[float, float]]) -> float:
    """The W with W = base + sum(share * min(W, head_start)) over (share, head_start).

    The right side is piecewise linear with a slope below 1, so scan the head
    starts in order and solve on the segment where the answer falls.
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


def corrected_estimate(mix: Mapping[str, float], green_share: float) -> Estimator:
    """`domain.estimate` with two corrections, from the hall's recent arrival mix.

    `mix` is each service's share of arrivals and `green_share` the share of
    green-channel tickets (a hall would take both from its recent days).

    1. The ticket is called when the (position + 1)-th window frees up; busy
       windows free one every (mean handling / windows), so the wait is
       (work ahead + one mean handling) / windows, not plus half a handling
       time per busy window (which over-counts by about h/2 when all are busy).
    2. Visitors who arrive later with a larger boost (green channel, or any
       boost the policy gives) overtake this ticket while it has waited less
       than the difference. With a queue they arrive at the windows' pace, so
       each kind adds its share of the work for min(W, head start): the wait W
       solves W = base + sum(work share * min(W, head start)).
    Walk-in boosts do not change during the day, so the overtakers of each
    kind of ticket are worked out once per policy.
    """
    kinds = [
        (service, priority, share * (green_share if green else 1 - green_share))
        for service, share in mix.items()
        for green, priority in ((True, PriorityClass.ELDERLY), (False, PriorityClass.NORMAL))
    ]
    cache: dict[tuple[int, str, bool, Entry], list[tuple[float, float]]] = {}

    def overtakers(
        ticket: Ticket, handling_s: Mapping[str, float], policy: Policy, now: datetime
    ) -> list[tuple[float, float]]:
        key = (id(policy), ticket.service, ticket.green_channel, ticket.entry)
        if key not in cache:
            mine = policy.boost(ticket, now)
            total = sum(p * handling_s.get(s, 600.0) for s, _, p in kinds) or 1.0
            found = []
            for service, priority, share in kinds:
                other = replace(ticket, service=service, priority=priority, entry=Entry.WALK_IN)
                head_start = policy.boost(other, now) - mine
                if head_start > 0:
                    weight = share * handling_s.get(service, 600.0)
                    found.append((weight / total, float(head_start)))
            cache[key] = found
        return cache[key]

    def guess(
        ticket: Ticket,
        waiting: Sequence[Ticket],
        windows: Sequence[Window],
        handling_s: Mapping[str, float],
        policy: Policy,
        now: datetime,
    ) -> Estimate:
        if ticket.status is not TicketStatus.WAITING:
            return Estimate(position=0, wait_s=0)
        able = [w for w in windows if w.accepts(ticket)]
        staffed = [w for w in able if w.state in _STAFFED] or able
        mine = _rank(ticket, policy, now)
        ahead = [
            t
            for t in waiting
            if t.id != ticket.id
            and t.status is TicketStatus.WAITING
            and _rank(t, policy, now) < mine
            and any(w.accepts(t) for w in staffed)
        ]
        busy = sum(w.state in _BUSY for w in staffed)
        if not ahead and busy < len(staffed):
            return Estimate(position=0, wait_s=0)
        spans = [handling_s.get(t.service, 600.0) for t in (*ahead, ticket)]
        base = (sum(spans[:-1]) + sum(spans) / len(spans)) / max(1, len(staffed))
        wait = _solve(base, overtakers(ticket, handling_s, policy, now))
        return Estimate(position=len(ahead), wait_s=round(wait))

    return guess
