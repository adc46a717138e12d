"""How many windows to open per half-hour so that the targets hold (issue 18).

Pure (standard library only). Each half-hour is an M/M/c queue at its own
forecast rate (Erlang C, the pointwise-stationary approximation): arrivals
λ = the slot's forecast visitors / 30 min, the mean window time per visitor
s = the slot's forecast work / its visitors (the hall's recorded handling, walk
and recalls), so the offered load is a = work / 30 min, in windows. The
recommendation is the fewest windows c > a for which

    share within target = Σ_k p_k (1 - C(c, a) e^{-(c - a) T_k / s}) ≥ TARGET_SHARE

where p_k is the share of visitors whose item's target wait is T_k (the mix
of the history days): the day report's 「目标内叫号率」 with the 80 % goal.
Green and normal tickets are not distinguished: the conservation law keeps
the mean wait of a work-conserving dispatch the FIFO one when both kinds need
the same window time, so the mean wait stands for both, and the green channel's
share within target is only better. No abandonment term: in the simulator and
in the records, a visitor who left is found out at the call (过号) and their
recalls are window time, already in the work. Since a half-hour is shorter
than a visitor's window time, a queue left at the end of a busy slot spills
over: a slot is planned for no less than the mean of its load and the one
before, even a slot that expects no one (its windows still serve that
queue). And the forecast errs (a day's volume by some 9 %, a half-hour's by
some 16 %): each slot is planned for its load plus `SAFETY` × √load, the
square-root rule's margin. 0.3 is the least that held 80 % in every half-hour
of every held-out simulated day (seeds 1-3, then checked on seeds 4-8;
docs/performance.md, "Staffing advice"). Erlang C assumes exponential window
times and FIFO; the simulator's are less variable and our dispatch favours
short targets, so the expected waits shown are upper figures.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .forecast import SLOT_MINUTES, Slot

TARGET_SHARE = 0.8  # of visitors called within their item's target wait
SAFETY = 0.3  # × √load, windows of load added for the forecast's error
MAX_WINDOWS = 500


def erlang_c(c: int, a: float) -> float:
    """The probability that a visitor waits, with `c` windows and `a` erlangs offered."""
    if a <= 0:
        return 0.0
    if c <= a:
        return 1.0
    b = 1.0  # Erlang B by its recursion, stable for large c
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b / (1 - (a / c) * (1 - b))


def mean_wait_s(c: int, a: float, service_s: float) -> float:
    """The mean wait of every visitor (those not waiting count 0)."""
    if a <= 0:
        return 0.0
    if c <= a:
        return math.inf
    return erlang_c(c, a) * service_s / (c - a)


def within_share(c: int, a: float, service_s: float, targets: Mapping[float, float]) -> float:
    """The share called within their target wait (`targets`: target seconds → share)."""
    if a <= 0:
        return 1.0
    if c <= a:
        return 0.0
    waits = erlang_c(c, a)
    scale = service_s / (c - a)
    return sum(p * (1 - waits * math.exp(-t / scale)) for t, p in targets.items())


@dataclass(frozen=True, slots=True)
class Advice:
    """One half-hour: the forecast, the windows to open and what they give."""

    start: int  # minutes since midnight
    arrivals: float
    work_min: float
    windows: int
    mean_wait_s: float
    within_share: float


def windows_for(
    slot: Slot,
    targets: Mapping[float, float],
    *,
    share: float = TARGET_SHARE,
    safety: float = SAFETY,
    before: Slot | None = None,
    least: int = 1,
) -> Advice:
    """The fewest windows (at least `least`) that hold `share` in `slot`, planned
    for its load plus `safety` × √load, and no less than the mean of its load
    and the slot `before`'s (the queue a busier half-hour leaves, served even
    in a half-hour that expects no one)."""
    load = slot.work_min / SLOT_MINUTES
    prior = before.work_min / SLOT_MINUTES if before is not None else 0.0
    planned = max(load, (load + prior) / 2)
    a = planned + safety * math.sqrt(planned)
    service_s = _service_s(slot, before)
    c = max(least, math.floor(a) + 1 if a > 0 else least)
    while c < MAX_WINDOWS and within_share(c, a, service_s, targets) < share:
        c += 1
    return Advice(
        start=slot.start,
        arrivals=slot.arrivals,
        work_min=slot.work_min,
        windows=c,
        mean_wait_s=mean_wait_s(c, load, service_s),
        within_share=within_share(c, load, service_s, targets),
    )


def _service_s(slot: Slot, before: Slot | None) -> float:
    """The mean window time per visitor of `slot`, or of `before` when `slot`
    expects no one or no work (its windows serve the queue `before` left)."""
    for s in (slot, before):
        # Arrivals with no work yet (today's, not finished) give no window time.
        if s is not None and s.arrivals > 0 and s.work_min > 0:
            return 60 * s.work_min / s.arrivals
    return 60.0


def advise(
    slots: Sequence[Slot],
    targets: Mapping[float, float],
    *,
    share: float = TARGET_SHARE,
    safety: float = SAFETY,
) -> list[Advice]:
    """The windows per half-hour of a forecast day (one at least while open); the
    half-hour just before a slot (not the one before a midday break) is its `before`."""
    by_start = {s.start: s for s in slots}
    return [
        windows_for(
            s, targets, share=share, safety=safety, before=by_start.get(s.start - SLOT_MINUTES)
        )
        for s in slots
    ]


def target_mix(targets_s: Sequence[float]) -> dict[float, float]:
    """Each target wait's share among visitors (one target per visitor); an
    empty list reads as a single 20-minute target."""
    if not targets_s:
        return {1200.0: 1.0}
    counts: dict[float, int] = {}
    for t in targets_s:
        counts[t] = counts.get(t, 0) + 1
    return {t: n / len(targets_s) for t, n in sorted(counts.items())}


def window_hours(advice: Sequence[Advice]) -> float:
    return sum(a.windows for a in advice) * SLOT_MINUTES / 60
