"""The figures of simulated hall days, and issue 6's targets checked against them.

Pure functions of `hall.DayResult`s; every figure is in minutes unless
named otherwise. A scenario is a list of days; the days of two scenarios are
aligned (day i of each was run on the same visitors), so a visitor can be
compared with themself under another policy.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..protocol import TicketStatus
from ..stats import percentile
from .hall import DayResult, Outcome

REFORM_CUT_PCT = 33.7  # the seeds' reported cut in time in hall


@dataclass(frozen=True, slots=True)
class Stats:
    """count, mean, p90 and max, in minutes (0 when empty)."""

    count: int
    mean: float
    p90: float
    max: float


def stats(seconds: Iterable[float]) -> Stats:
    data = sorted(s / 60 for s in seconds)
    if not data:
        return Stats(0, 0.0, 0.0, 0.0)
    return Stats(len(data), sum(data) / len(data), percentile(data, 0.9), data[-1])


def outcomes(days: Sequence[DayResult]) -> Iterator[Outcome]:
    return (o for day in days for o in day.outcomes)


def utilisation(days: Sequence[DayResult]) -> float:
    """Busy window time (calling or serving) over planned staffed time."""
    busy = sum(sum(d.busy_s) for d in days)
    return busy / sum(d.staffed_s * len(d.busy_s) for d in days)


def _unserved(days: Sequence[DayResult]) -> int:
    return sum(o.status is TicketStatus.UNSERVED for o in outcomes(days))


@dataclass(frozen=True, slots=True)
class Group:
    """Windows with the same label (a category before the reform)."""

    label: str
    windows: int
    utilisation: float


def groups(days: Sequence[DayResult]) -> tuple[Group, ...]:
    busy: dict[str, float] = {}
    count: dict[str, int] = {}
    for label in days[0].labels:
        count[label] = count.get(label, 0) + 1
    for day in days:
        for label, b in zip(day.labels, day.busy_s, strict=True):
            busy[label] = busy.get(label, 0.0) + b
    staffed = sum(d.staffed_s for d in days)
    return tuple(Group(k, n, busy[k] / (n * staffed)) for k, n in count.items())


@dataclass(frozen=True, slots=True)
class Reform:
    """Dedicated windows per category (before) against comprehensive windows (after)."""

    dedicated_in_hall: Stats  # served visitors: finish - issue
    comprehensive_in_hall: Stats
    dedicated_wait: Stats
    comprehensive_wait: Stats
    change_pct: float  # of the mean time in hall, after vs before
    dedicated_unserved: int
    comprehensive_unserved: int
    utilisation: float
    dedicated_windows: tuple[Group, ...]


def reform(dedicated: Sequence[DayResult], comprehensive: Sequence[DayResult]) -> Reform:
    before = stats(o.in_hall_s for o in outcomes(dedicated) if o.in_hall_s is not None)
    after = stats(o.in_hall_s for o in outcomes(comprehensive) if o.in_hall_s is not None)
    return Reform(
        dedicated_in_hall=before,
        comprehensive_in_hall=after,
        dedicated_wait=stats(o.wait_s for o in outcomes(dedicated)),
        comprehensive_wait=stats(o.wait_s for o in outcomes(comprehensive)),
        change_pct=100 * (after.mean - before.mean) / before.mean if before.mean else 0.0,
        dedicated_unserved=_unserved(dedicated),
        comprehensive_unserved=_unserved(comprehensive),
        utilisation=utilisation(comprehensive),
        dedicated_windows=groups(dedicated),
    )


@dataclass(frozen=True, slots=True)
class PolicyFigures:
    """Waits under one dispatch policy, green channel against normal tickets."""

    name: str
    green: Stats
    normal: Stats
    over_twice_target: int  # normal tickets that waited more than twice their target
    over_because_green: int  # ... of which the same visitor under FIFO did not
    unserved: int


def _over(o: Outcome) -> bool:
    return not o.green and o.wait_s > 2 * o.target_wait_s


def policy(name: str, days: Sequence[DayResult], fifo: Sequence[DayResult]) -> PolicyFigures:
    """Waits (unserved tickets count as waiting until closing) under `days`' policy."""
    over = {(i, o.visitor) for i, d in enumerate(days) for o in d.outcomes if _over(o)}
    over_fifo = {(i, o.visitor) for i, d in enumerate(fifo) for o in d.outcomes if _over(o)}
    return PolicyFigures(
        name=name,
        green=stats(o.wait_s for o in outcomes(days) if o.green),
        normal=stats(o.wait_s for o in outcomes(days) if not o.green),
        over_twice_target=len(over),
        over_because_green=len(over - over_fifo),
        unserved=_unserved(days),
    )


@dataclass(frozen=True, slots=True)
class TargetGroup:
    """The waits of tickets whose service has one target wait: who pays for what."""

    target_min: float
    waits: Stats


def by_target(days: Sequence[DayResult], *, green: bool | None = None) -> tuple[TargetGroup, ...]:
    """Waits per service target wait, shortest target first; `green` picks one kind."""
    groups: dict[float, list[float]] = {}
    for o in outcomes(days):
        if green is None or o.green is green:
            groups.setdefault(o.target_wait_s / 60, []).append(o.wait_s)
    return tuple(TargetGroup(t, stats(waits)) for t, waits in sorted(groups.items()))


@dataclass(frozen=True, slots=True)
class Accuracy:
    """The wait printed on the ticket against the wait it had (called tickets)."""

    count: int
    mae: float
    within_5: float  # share within ±5 minutes
    bias: float  # mean of estimate - actual


def accuracy(items: Iterable[Outcome]) -> Accuracy:
    errors = [
        (o.estimate_s - o.wait_s) / 60 for o in items if o.status is not TicketStatus.UNSERVED
    ]
    if not errors:
        return Accuracy(0, 0.0, 0.0, 0.0)
    n = len(errors)
    return Accuracy(
        count=n,
        mae=sum(abs(e) for e in errors) / n,
        within_5=sum(abs(e) <= 5 for e in errors) / n,
        bias=sum(errors) / n,
    )


@dataclass(frozen=True, slots=True)
class Estimates:
    all: Accuracy
    green: Accuracy
    normal: Accuracy


def estimates(days: Sequence[DayResult]) -> Estimates:
    return Estimates(
        all=accuracy(outcomes(days)),
        green=accuracy(o for o in outcomes(days) if o.green),
        normal=accuracy(o for o in outcomes(days) if not o.green),
    )


def _wait(o: Outcome) -> float:
    return o.wait_s


def by_issue_time(
    days: Sequence[DayResult],
    *,
    bucket_minutes: int = 30,
    green: bool | None = None,
    of: Callable[[Outcome], float] = _wait,
) -> list[tuple[float, float, int]]:
    """Per bucket of issue time with tickets: (start in hours of the day, mean of
    `of` in minutes (the wait by default), tickets). `green` picks one kind."""
    sums: dict[int, tuple[float, int]] = {}
    for o in outcomes(days):
        if green is not None and o.green is not green:
            continue
        bucket = int(o.arrived_s // (60 * bucket_minutes))
        total, count = sums.get(bucket, (0.0, 0))
        sums[bucket] = (total + of(o) / 60, count + 1)
    return [(b * bucket_minutes / 60, t / c, c) for b, (t, c) in sorted(sums.items())]


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    goal: str
    measured: str
    met: bool


def targets(cut: Reform, ours: PolicyFigures, fifo: PolicyFigures, guess: Accuracy) -> list[Target]:
    """Issue 6's targets for the simulator, each with the figure it was judged on."""
    ratio = ours.green.mean / ours.normal.mean if ours.normal.mean else 0.0
    p90_rise = 100 * (ours.normal.p90 / fifo.normal.p90 - 1) if fifo.normal.p90 else 0.0
    return [
        Target(
            "reform: mean time in hall",
            f"≤ -{REFORM_CUT_PCT}%",
            f"{cut.change_pct:+.1f}%",
            cut.change_pct <= -REFORM_CUT_PCT,
        ),
        Target("green / normal mean wait", "≤ 0.25", f"{ratio:.2f}", ratio <= 0.25),
        Target(
            "normal p90 wait vs FIFO",
            "≤ +10%",
            f"{p90_rise:+.1f}%",
            p90_rise <= 10,
        ),
        Target(
            "normal > 2× target, not under FIFO",
            "0",
            str(ours.over_because_green),
            ours.over_because_green == 0,
        ),
        Target(
            "estimates within ±5 min",
            "≥ 80%",
            f"{100 * guess.within_5:.1f}%",
            guess.within_5 >= 0.8,
        ),
        Target(
            "estimate mean bias", "within ±1 min", f"{guess.bias:+.2f} min", abs(guess.bias) <= 1
        ),
    ]
