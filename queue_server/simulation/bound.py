"""Kleinrock's conservation law for the green channel, and a grid cell's verdict.

For a work-conserving, non-preemptive dispatch, Σ ρ_k · W_k over the classes
of tickets is the same whatever the order (exactly for one window with
Poisson arrivals, M/G/1; approximately for c windows when the classes share
one service-time distribution). The green channel and normal tickets draw
their services from one mix, so their loads are in proportion to their
counts: with s the green share of the work and W the mean waits,

    s · W_green + (1 − s) · W_normal = W_FIFO.

Asking W_green = r · W_normal leaves the normal tickets

    W_normal / W_FIFO = 1 / (1 − s · (1 − r)),

which is `normal_rise`. With r = 0.25 that is +3.9 % at s = 5 %, +12.7 % at
15 %, +17.6 % at 20 % and +29.0 % at 30 %: above 12.1 % green share a
ratio of 0.25 costs normal tickets more than the +10 % the p90 target allows
(`conflict`). The law holds for the work-weighted means of any order; the
visitors' plain means follow it only for an order blind to the service. An
order that looks at the service (target-first) can beat the plain-mean bound
by calling quick items first, which moves the cost onto the long ones.

Pure: the standard library only.
"""

from collections.abc import Mapping
from dataclasses import dataclass

RATIO_GOAL = 0.25  # green / normal mean wait
P90_RISE_GOAL = 0.10  # normal p90 over FIFO's


def normal_rise(green_share: float, ratio: float = RATIO_GOAL) -> float:
    """The least rise of the normal mean wait over FIFO's (0.176 for +17.6 %) for
    a green/normal mean-wait `ratio`, green being `green_share` of the work."""
    if not 0 <= green_share < 1:
        raise ValueError(f"green share {green_share} is not in [0, 1)")
    return 1 / (1 - green_share * (1 - ratio)) - 1


def conserved(green_share: float, green_mean: float, normal_mean: float) -> float:
    """The share-weighted mean wait s · W_green + (1 − s) · W_normal, which the law
    keeps at FIFO's mean wait."""
    return green_share * green_mean + (1 - green_share) * normal_mean


def conflict(green_share: float) -> bool:
    """Whether the law forbids a blind order both the ratio goal and a normal
    rise within the p90 goal."""
    return normal_rise(green_share) > P90_RISE_GOAL


@dataclass(frozen=True, slots=True)
class Verdict:
    """One cell of the grid, judged."""

    met: bool  # our policy meets every target
    achievable: bool  # some policy of the family meets every target
    conflict: bool  # the law says ratio and p90 goals cannot both hold for a blind order
    best: str  # the family's policy with the fewest targets missed (ties: the first)
    bound_rise_pct: float  # the least normal mean rise at our measured ratio, blind order
    ours_rise_pct: float  # our normal mean rise over FIFO's
    ours_p90_rise_pct: float  # our normal p90 rise over FIFO's (what the p90 target judges)
    distance_pct: float  # our p90 rise minus the bound, points: at or below 0, within it


def verdict(
    green_share: float,
    missed: Mapping[str, int],
    ours: str,
    ratio: float,
    rises: tuple[float, float],
) -> Verdict:
    """Judge a cell from each policy's count of missed targets, our green/normal
    ratio and our normal mean and p90 rises over FIFO's (fractions)."""
    bound = 100 * normal_rise(green_share, min(ratio, 1.0))
    rise, p90 = 100 * rises[0], 100 * rises[1]
    return Verdict(
        met=missed[ours] == 0,
        achievable=min(missed.values()) == 0,
        conflict=conflict(green_share),
        best=min(missed, key=lambda k: missed[k]),
        bound_rise_pct=bound,
        ours_rise_pct=rise,
        ours_p90_rise_pct=p90,
        distance_pct=p90 - bound,
    )
