"""Simulated weeks of a hall, for the staffing advice (issue 18).

- `weeks`: several weeks of working days (Monday to Friday) with a weekday
  effect (Monday busier, Friday afternoon quieter) and a day-to-day noise in
  volume on top of the arrivals' own Poisson noise;
- `held_out`: train the forecast on weeks 1..k, forecast week k+1, return the
  pairs (forecast, what came) the error is measured on;
- `check`: run a day's visitors with the windows per half-hour a plan asks for
  (`HallConfig.schedule`), and with a fixed number of windows, through the
  real dispatch; `fewest_fixed` finds the fewest fixed windows that hold.

Pure: the standard library, the domain and the simulator.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..catalogue import Catalogue
from ..domain import Policy, Skills
from ..forecast import (
    DayKind,
    DayRecord,
    Forecast,
    forecast,
    history,
    open_slots,
    slot_of,
)
from ..protocol import TicketStatus
from ..staffing import Advice, window_hours
from .day import HallConfig, Staff, Visitor, arrival_profile, expected_arrivals, visitors
from .hall import DayResult, run

# Relative daily volume, Monday to Friday (the week's first day catches the weekend's).
WEEKDAY_VOLUME = (1.25, 1.0, 1.0, 0.95, 0.9)
FRIDAY_AFTERNOON = 0.55  # the afternoon peak's height on a Friday, against other days'
DAY_NOISE = 0.08  # σ of a day's log volume
FIRST_MONDAY = date(2026, 3, 2)
TARGET_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class SimDay:
    day: date
    config: HallConfig
    people: tuple[Visitor, ...]


def day_config(base: HallConfig, catalogue: Catalogue, day: date, rng: random.Random) -> HallConfig:
    """The hall on `day`: the weekday's volume and profile, and the day's noise."""
    weekday = day.weekday()
    volume = WEEKDAY_VOLUME[weekday] * math.exp(rng.gauss(0, DAY_NOISE) - DAY_NOISE**2 / 2)
    peaks = base.peaks
    if weekday == 4:
        peaks = tuple((at, w, h * FRIDAY_AFTERNOON if at >= 12 * 60 else h) for at, w, h in peaks)
    return replace(base, peaks=peaks, arrivals=expected_arrivals(base, catalogue) * volume)


def weeks(base: HallConfig, catalogue: Catalogue, seed: int, count: int) -> list[SimDay]:
    """`count` weeks of working days from FIRST_MONDAY, drawn from `seed`."""
    rng = random.Random(f"{seed}:weeks")
    days = []
    for k in range(7 * count):
        day = FIRST_MONDAY + timedelta(days=k)
        if day.weekday() < 5:
            config = day_config(base, catalogue, day, rng)
            days.append(SimDay(day, config, visitors(config, catalogue, seed * 1000 + k)))
    return days


def work_s(person: Visitor, config: HallConfig) -> float:
    """The window time a visitor takes: walk and handling, or the recalls if absent."""
    if person.absent:
        return (Policy().max_recalls + 1) * config.recall_gap_s
    return person.walk_s + person.handling_s


def record(sim: SimDay) -> DayRecord:
    """What the hall's records would show of the day: arrivals and work per slot."""
    arrivals: dict[int, int] = {}
    work: dict[int, float] = {}
    for p in sim.people:
        s = slot_of(p.arrive_s / 60)
        arrivals[s] = arrivals.get(s, 0) + 1
        work[s] = work.get(s, 0.0) + work_s(p, sim.config)
    return DayRecord(sim.day, arrivals, work)


def forecast_of(sim: SimDay, past: Sequence[SimDay]) -> Forecast:
    """The forecast of `sim`'s day from the days before it (all ordinary working days)."""
    records = {d.day: record(d) for d in past}
    used = history(sim.day, DayKind.ORDINARY, records, lambda _: DayKind.ORDINARY)
    return forecast(
        sim.day, DayKind.ORDINARY, [records[d] for d in used], open_slots(sim.config.sessions)
    )


def held_out(
    base: HallConfig, catalogue: Catalogue, seed: int, train_weeks: int = 4
) -> list[tuple[SimDay, Forecast]]:
    """Week `train_weeks + 1`'s days, each with its forecast from the weeks before."""
    days = weeks(base, catalogue, seed, train_weeks + 1)
    cut = FIRST_MONDAY + timedelta(weeks=train_weeks)
    past = [d for d in days if d.day < cut]
    return [(d, forecast_of(d, past)) for d in days if d.day >= cut]


def expected_record(sim: SimDay, catalogue: Catalogue) -> DayRecord:
    """The day's expected arrivals per slot (the process's mean, not a draw):
    its error against the draw is the Poisson floor no forecast can beat."""
    config = sim.config
    first = min(s for s, _ in config.sessions)
    last = max(e for _, e in config.sessions)
    rates = {m: arrival_profile(config, m + 0.5) for m in range(first, last)}
    scale = expected_arrivals(config, catalogue) / sum(rates.values())
    arrivals: dict[int, float] = {}
    for m, r in rates.items():
        arrivals[slot_of(m)] = arrivals.get(slot_of(m), 0.0) + r * scale
    return DayRecord(sim.day, {s: round(a) for s, a in arrivals.items()}, {})


# ---------------------------------------------------------------- the simulator check


@dataclass(frozen=True, slots=True)
class Check:
    """A day run with some windows: the targets' figures and the staff it took."""

    within_share: float  # visitors called within their item's target wait
    worst_slot_share: float  # the same, in the worst half-hour (by arrival)
    mean_wait_min: float
    unserved: int
    window_hours: float

    @property
    def holds(self) -> bool:
        """80 % called within target over the day and in every half-hour."""
        return min(self.within_share, self.worst_slot_share) >= TARGET_SHARE


def schedule_of(advice: Sequence[Advice]) -> tuple[tuple[int, int], ...]:
    return tuple((a.start, a.windows) for a in advice)


def check(
    sim: SimDay, catalogue: Catalogue, schedule: tuple[tuple[int, int], ...], hours: float
) -> Check:
    """Run `sim`'s visitors with windows 1..n per `schedule` (no breaks: the plan
    counts the windows at work, a break is someone else's half-hour)."""
    most = max(n for _, n in schedule)
    config = replace(sim.config, windows=most, schedule=schedule)
    staff = Staff(skills=(Skills(),) * most, labels=("综合窗口",) * most, break_at_s=(None,) * most)
    policy = Policy(targets=catalogue.targets())
    return _figures(run(sim.people, staff, policy, config=config, catalogue=catalogue), hours)


def _figures(result: DayResult, hours: float) -> Check:
    slots: dict[int, list[bool]] = {}
    for o in result.outcomes:
        slots.setdefault(slot_of(o.arrived_s / 60), []).append(o.wait_s <= o.target_wait_s)
    within = [w for ws in slots.values() for w in ws]
    waits = [o.wait_s for o in result.outcomes]
    return Check(
        within_share=sum(within) / len(within) if within else 1.0,
        worst_slot_share=min((sum(ws) / len(ws) for ws in slots.values()), default=1.0),
        mean_wait_min=sum(waits) / len(waits) / 60 if waits else 0.0,
        unserved=sum(o.status is TicketStatus.UNSERVED for o in result.outcomes),
        window_hours=hours,
    )


def planned(sim: SimDay, catalogue: Catalogue, advice: Sequence[Advice]) -> Check:
    return check(sim, catalogue, schedule_of(advice), window_hours(advice))


def fixed(sim: SimDay, catalogue: Catalogue, windows: int) -> Check:
    starts = open_slots(sim.config.sessions)
    return check(sim, catalogue, ((starts[0], windows),), windows * len(starts) / 2)


def fewest_fixed(sim: SimDay, catalogue: Catalogue) -> tuple[int, Check]:
    """The fewest windows open all day that hold the target on `sim`, counting
    up from the day's mean load (fewer cannot serve the day's work)."""
    record_ = record(sim)
    minutes = 30 * len(open_slots(sim.config.sessions))
    n = max(1, math.ceil(sum(record_.work_s.values()) / 60 / minutes))
    while True:
        result = fixed(sim, catalogue, n)
        if result.holds or n >= 200:
            return n, result
        n += 1
