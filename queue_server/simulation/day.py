"""A hall day's inputs: the visitors (drawn from a seed) and the staff.

Visitors arrive by a non-homogeneous Poisson process with a morning and an
afternoon peak, pick a service from a weighted mix over the catalogue and need
a lognormal handling time around its expected minutes; a share of them are
green-channel, a few are gone when called. Everything is drawn up front, so
two scenarios on the same day see the same people with the same handling
times: only the windows' skills or the dispatch policy differ.
"""

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..catalogue import Catalogue
from ..domain import Policy, PriorityClass, Skills
from .mixes import OTHER_MIXES

# Relative daily volume per walk-in service in a city's main hall: ID-card
# renewal, passports and Hong Kong/Macau permits, and licence renewals dominate;
# vehicle registrations and the no-criminal-record certificate follow; permits
# for businesses and the cyber-security items are rare. A walk-in item not listed
# weighs DEFAULT_WEIGHT; appointment-only items (walk_in false) are not drawn,
# since this model has no appointments.
MIX: Mapping[str, float] = {
    "HZ-SFZ-HL": 14,  # 居民身份证换领
    "HZ-SFZ-BL": 5,
    "HZ-SFZ-SL": 3,
    "HZ-SFZ-LS": 2,
    "HZ-HJ-ZM": 3,
    "HZ-JZZ-SL": 3,
    "HZ-CS-DJ": 2,
    "HZ-QR-TK": 1.5,
    "HZ-QR-RC": 1,
    "HZ-QR-GF": 1,
    "HZ-SW-ZX": 1,
    "HZ-DJ-BG": 1,
    "HZ-HKB-BL": 1,
    "CRJ-HZ-SC": 6,  # 普通护照首次申请
    "CRJ-HZ-HF": 3,
    "CRJ-HZ-BF": 1,
    "CRJ-GA-TXZ": 6,  # 往来港澳通行证
    "CRJ-GA-QZ": 6,
    "CRJ-TW-TXZ": 2,
    "CRJ-JL-CX": 1,
    "JSR-QM-HZ": 8,  # 驾驶证期满换证
    "JSR-WF-CL": 4,
    "JSR-TJ-ZM": 3,
    "JSR-YS-BZ": 2,
    "JSR-SH-HZ": 1,
    "JSR-ZR-HZ": 1,
    "JSR-XX-BA": 1,
    "JSR-YQ-HZ": 1,
    "JDC-ZC-DJ": 3,
    "JDC-ZY-DJ": 3,
    "JDC-JY-BZ": 2,
    "JDC-LS-HP": 1.5,
    "JDC-BG-DJ": 1,
    "JDC-DY-DJ": 1,
    "JDC-DY-JC": 1,
    "JDC-BL-HP": 1,
    "JDC-BL-XSZ": 1,
    "JDC-ZX-DJ": 1,
    "ZA-WFZ-ZM": 4,  # 无犯罪记录证明
    "ZA-YZ-BA": 1,
    "ZA-BAY-HF": 0.5,
}
DEFAULT_WEIGHT = 0.2

# Who the green channel serves, as a share of green-channel visitors.
GREEN_CLASSES: Sequence[tuple[PriorityClass, float]] = (
    (PriorityClass.ELDERLY, 0.60),
    (PriorityClass.MINOR, 0.20),
    (PriorityClass.DISABILITY, 0.10),
    (PriorityClass.MILITARY, 0.06),
    (PriorityClass.TALENT, 0.04),
)


@dataclass(frozen=True, slots=True)
class HallConfig:
    """One hall day; times of day in minutes since midnight."""

    windows: int = 16
    load: float = 0.85  # offered work / staffed window time over the day
    green_share: float = 0.20
    sigma: float = 0.45  # of log handling time; the mean stays the catalogue's minutes
    absent_share: float = 0.03  # of called visitors, who are gone: recalled, then no-show
    recall_gap_s: float = 30.0
    walk_s: tuple[float, float] = (10.0, 40.0)  # from the call to the window, uniform
    sessions: tuple[tuple[int, int], ...] = ((9 * 60, 12 * 60), (13 * 60 + 30, 17 * 60))
    # (minute of the day, width in minutes, height): a Gaussian bump in the arrival rate
    peaks: tuple[tuple[int, int, float], ...] = ((10 * 60, 50, 1.0), (14 * 60 + 45, 60, 0.8))
    base_rate: float = 0.3  # arrival rate floor, relative to the peaks' amplitude
    overtime_minutes: int = 30  # windows finish the queue up to this long after a session
    break_minutes: int = 30
    break_starts: tuple[int, ...] = (600, 630, 660, 840, 870, 900, 930)  # staggered slots
    arrivals: float | None = None  # expected visitors; None: from `load`
    mix: str = "catalogue"  # the service mix: `MIX`, or one of `mixes.OTHER_MIXES`
    # (minute of the day, windows at work from then on): a staffing plan; windows
    # 1..n work, the others close when free. None: every window, all day.
    schedule: tuple[tuple[int, int], ...] | None = None

    def staffed_s(self) -> float:
        """One window's planned time at work: the sessions minus its break."""
        rest = self.break_minutes if self.break_starts else 0
        return 60.0 * (sum(end - start for start, end in self.sessions) - rest)


@dataclass(frozen=True, slots=True)
class Visitor:
    """One person's whole day, drawn before any scenario runs."""

    index: int
    arrive_s: float
    service: str
    category: str
    prefix: str
    priority: PriorityClass
    handling_s: float
    walk_s: float
    absent: bool


@dataclass(frozen=True, slots=True)
class Staff:
    """The windows (numbered from 1): what each accepts and when it takes its break."""

    skills: tuple[Skills, ...]
    labels: tuple[str, ...]
    break_at_s: tuple[float | None, ...]  # None: no break


def service_mix(catalogue: Catalogue, mix: str = "catalogue") -> dict[str, float]:
    """The probability of each walk-in service in the named mix."""
    table = MIX if mix == "catalogue" else OTHER_MIXES[mix]
    weights = {
        code: table.get(code, DEFAULT_WEIGHT)
        for code, service in catalogue.services.items()
        if service.walk_in
    }
    total = sum(weights.values())
    return {code: w / total for code, w in weights.items()}


def mean_work_s(config: HallConfig, catalogue: Catalogue) -> float:
    """A visitor's expected window time: walk and handling, or the recalls if absent."""
    mix = service_mix(catalogue, config.mix)
    handling = sum(p * catalogue.services[s].minutes * 60 for s, p in mix.items())
    present = handling + sum(config.walk_s) / 2
    absent = (Policy().max_recalls + 1) * config.recall_gap_s
    return (1 - config.absent_share) * present + config.absent_share * absent


def expected_arrivals(config: HallConfig, catalogue: Catalogue) -> float:
    if config.arrivals is not None:
        return config.arrivals
    capacity = config.windows * config.staffed_s()
    return config.load * capacity / mean_work_s(config, catalogue)


def arrival_profile(config: HallConfig, minute: float) -> float:
    """Relative arrival rate at `minute`: a floor plus a bump per peak; 0 when shut."""
    if not any(start <= minute < end for start, end in config.sessions):
        return 0.0
    bumps = sum(a * math.exp(-0.5 * ((minute - at) / width) ** 2) for at, width, a in config.peaks)
    return config.base_rate + bumps


def visitors(config: HallConfig, catalogue: Catalogue, seed: int) -> tuple[Visitor, ...]:
    """The day's visitors in arrival order (thinning of a Poisson process)."""
    first = min(start for start, _ in config.sessions)
    last = max(end for _, end in config.sessions)
    minutes = range(first, last)
    area = sum(arrival_profile(config, m + 0.5) for m in minutes)
    peak = max(arrival_profile(config, m + 0.5) for m in minutes)
    rate_max = expected_arrivals(config, catalogue) / area * peak  # per minute

    # One stream per attribute, so changing the green share keeps the same
    # arrival times and services.
    clock, menu, green, work = (random.Random(f"{seed}:{name}") for name in "cmgw")
    mix = service_mix(catalogue, config.mix)
    codes, weights = list(mix), list(mix.values())
    classes = [c for c, _ in GREEN_CLASSES]
    class_weights = [w for _, w in GREEN_CLASSES]
    mu_shift = -(config.sigma**2) / 2  # keeps the lognormal's mean at the expected minutes

    people: list[Visitor] = []
    minute = float(first)
    while True:
        minute += clock.expovariate(rate_max)
        if minute >= last:
            break
        if clock.random() * peak >= arrival_profile(config, minute):
            continue
        service = catalogue.services[menu.choices(codes, weights)[0]]
        priority = (
            green.choices(classes, class_weights)[0]
            if green.random() < config.green_share
            else PriorityClass.NORMAL
        )
        mu = math.log(service.minutes * 60) + mu_shift
        people.append(
            Visitor(
                index=len(people),
                arrive_s=minute * 60,
                service=service.code,
                category=service.category,
                prefix=service.prefix,
                priority=priority,
                handling_s=work.lognormvariate(mu, config.sigma),
                walk_s=work.uniform(*config.walk_s),
                absent=work.random() < config.absent_share,
            )
        )
    return tuple(people)


def _break_times(config: HallConfig) -> tuple[float | None, ...]:
    """Window i takes slot i (mod the slots), so breaks are staggered."""
    slots = config.break_starts if config.break_minutes > 0 else ()
    return tuple(60.0 * slots[i % len(slots)] if slots else None for i in range(config.windows))


def comprehensive(config: HallConfig) -> Staff:
    """After the reform: every window accepts every service."""
    return Staff(
        skills=(Skills(),) * config.windows,
        labels=("综合窗口",) * config.windows,
        break_at_s=_break_times(config),
    )


def dedicated(config: HallConfig, catalogue: Catalogue) -> Staff:
    """Before the reform: windows split among categories by expected workload.

    Every category with visitors keeps at least one window (each department had
    its own counter); the rest go by largest remainder of the workload shares.
    """
    work: dict[str, float] = {}
    for code, p in service_mix(catalogue, config.mix).items():
        service = catalogue.services[code]
        work[service.category] = work.get(service.category, 0.0) + p * service.minutes
    if config.windows < len(work):
        raise ValueError(
            f"dedicated windows need at least one per category: {len(work)} categories, "
            f"{config.windows} windows"
        )
    total = sum(work.values())
    quota = {c: config.windows * w / total for c, w in work.items()}
    count = {c: max(1, math.floor(q)) for c, q in quota.items()}
    while sum(count.values()) > config.windows:
        c = max((c for c in count if count[c] > 1), key=lambda c: count[c] - quota[c])
        count[c] -= 1
    while sum(count.values()) < config.windows:
        c = max(count, key=lambda c: quota[c] - count[c])
        count[c] += 1
    categories = [c for c in catalogue.categories if c in count for _ in range(count[c])]
    return Staff(
        skills=tuple(Skills(accepts_all=False, categories=frozenset({c})) for c in categories),
        labels=tuple(catalogue.categories[c].name for c in categories),
        break_at_s=_break_times(config),
    )
