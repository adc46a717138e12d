"""The policy grid (issue 18): hall shapes × a small family of dispatch policies.

A cell is one hall shape (windows, green share, load, service mix); each runs
the same seeded days under every policy of `family` and, for the reform
target, under dedicated windows with our policy. `cell_figures` gives every
issue 6 target per policy, Kleinrock's bound (`bound`) and the cell's
verdict. `scripts/simulate --grid` runs the cells in parallel and prints them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import product
from typing import Any

from ..catalogue import Catalogue
from ..domain import Policy, PriorityClass
from . import bound, figures
from .day import HallConfig, Visitor, comprehensive, dedicated, visitors
from .hall import FIFO, STRICT, DayResult, run

WINDOWS = (6, 12, 24)
GREEN_SHARES = (0.05, 0.15, 0.30)
LOADS = (0.70, 0.85, 0.95)
MIXES = ("catalogue", "traffic")
OURS = "ours"
CAP = "cap20"  # our policy with a 20-minute green deadline (`Policy.green_cap_min`)
STATIC = "static"  # our policy without the green deadlines in force: the default until 2026-12-06
REFORM = "reform: mean time in hall"  # the one target that is not the policy's


@dataclass(frozen=True, slots=True)
class Cell:
    windows: int
    green_share: float
    load: float
    mix: str

    def config(self) -> HallConfig:
        return HallConfig(
            windows=self.windows, green_share=self.green_share, load=self.load, mix=self.mix
        )

    def label(self) -> str:
        return f"{self.mix} {self.windows}w {self.green_share:.0%} green load {self.load:.2f}"


def cells(
    windows: Iterable[int] = WINDOWS,
    green_shares: Iterable[float] = GREEN_SHARES,
    loads: Iterable[float] = LOADS,
    mixes: Iterable[str] = MIXES,
) -> list[Cell]:
    """Every combination, mix first, then windows, green share and load."""
    return [Cell(w, g, lo, m) for m, w, g, lo in product(mixes, windows, green_shares, loads)]


def family(catalogue: Catalogue) -> dict[str, Policy]:
    """The policies compared in every cell; `OURS` is the default `Policy()`."""
    ours = Policy(targets=catalogue.targets())  # as the server loads a hall
    static = replace(ours, green_calm_cap_min=0, green_busy_cap_min=0)
    return {
        "fifo": FIFO,
        "strict": STRICT,
        # the green boost alone: our policy before issue 6
        "green_only": replace(static, target_boost_s_per_min=0),
        STATIC: static,
        OURS: ours,
        "edf": replace(ours, green_boost_s=0, green_cap_min=10),  # deadlines: 2× target, 10 min
        CAP: replace(ours, green_cap_min=20),  # 「绿色通道最长等候不超过 20 分钟」
    }


def simulate_cell(cell: Cell, seeds: Sequence[int], catalogue: Catalogue) -> dict[str, Any]:
    """Run a cell's days under every policy and return its figures."""
    config = cell.config()
    days = [visitors(config, catalogue, seed) for seed in seeds]
    staff = comprehensive(config)
    policies = family(catalogue)
    results = {
        name: [run(p, staff, policy, config=config, catalogue=catalogue) for p in days]
        for name, policy in policies.items()
    }
    before = [
        run(p, dedicated(config, catalogue), policies[OURS], config=config, catalogue=catalogue)
        for p in days
    ]
    return cell_figures(cell, days, results, before)


def _work_wait(days: Sequence[Sequence[Visitor]], results: Sequence[DayResult]) -> float:
    """Mean wait weighted by handling time (minutes): what the law conserves."""
    total = weighted = 0.0
    for people, day in zip(days, results, strict=True):
        for o in day.outcomes:
            h = people[o.visitor].handling_s
            total += h
            weighted += h * o.wait_s / 60
    return weighted / total if total else 0.0


def cell_figures(
    cell: Cell,
    days: Sequence[Sequence[Visitor]],
    results: dict[str, list[DayResult]],
    dedicated_days: Sequence[DayResult],
) -> dict[str, Any]:
    """Every target per policy, the conservation check, the bound and the verdict."""
    people = [v for d in days for v in d]
    green = sum(v.priority is not PriorityClass.NORMAL for v in people)
    share = green / len(people) if people else 0.0
    fifo_days = results["fifo"]
    fifo = figures.policy("fifo", fifo_days, fifo_days)
    reform = figures.reform(dedicated_days, results[OURS])
    rows: dict[str, dict[str, Any]] = {}
    for name, res in results.items():
        p = figures.policy(name, res, fifo_days)
        guess = figures.estimates(res).all
        judged = figures.targets(reform, p, fifo, guess)
        ratio = p.green.mean / p.normal.mean if p.normal.mean else 0.0
        rows[name] = {
            "green_mean": p.green.mean,
            "green_max": p.green.max,
            "normal_mean": p.normal.mean,
            "normal_p90": p.normal.p90,
            "ratio": ratio,
            "p90_rise_pct": 100 * (p.normal.p90 / fifo.normal.p90 - 1) if fifo.normal.p90 else 0.0,
            "over_because_green": p.over_because_green,
            "unserved": p.unserved,
            "within_5": guess.within_5,
            "bias": guess.bias,
            "pooled_mean": bound.conserved(share, p.green.mean, p.normal.mean),
            "work_weighted_mean": _work_wait(days, res),
            "targets": [asdict(t) for t in judged],
            "missed": sum(not t.met for t in judged if t.name != REFORM),
        }
    found = {
        "cell": asdict(cell),
        "label": cell.label(),
        "days": len(days),
        "visitors_per_day": len(people) / len(days) if days else 0.0,
        "green_share_measured": share,
        "fifo_mean": bound.conserved(share, fifo.green.mean, fifo.normal.mean),
        "bound_rise_pct_at_goal": 100 * bound.normal_rise(share),
        "reform_change_pct": reform.change_pct,
        "policies": rows,
    }
    return found | {"verdict": judge(found)}


def judge(found: dict[str, Any]) -> dict[str, Any]:
    """A cell's verdict from its figures (as `cell_figures` gives, or grid.json keeps)."""
    rows, fifo = found["policies"], found["policies"]["fifo"]
    ours = rows[OURS]
    mean_rise = ours["normal_mean"] / fifo["normal_mean"] - 1 if fifo["normal_mean"] else 0.0
    verdict = bound.verdict(
        found["green_share_measured"],
        {k: r["missed"] for k, r in rows.items()},
        OURS,
        ours["ratio"],
        (mean_rise, ours["p90_rise_pct"] / 100),
    )
    return asdict(verdict)
