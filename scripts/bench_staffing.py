"""Staffing advice on simulated weeks (issue 18): the forecast's error on held-out
weeks, and the recommended windows per half-hour run through the simulator.

For each seed: `--train` weeks of working days (Monday busier, Friday afternoon
quieter, a day-to-day noise in volume) are the history; the week after is held
out. Each held-out day is forecast from the same weekday of the weeks before
(queue_server.forecast), its windows per half-hour recommended (Erlang C,
queue_server.staffing), then its real visitors are run with that plan and with
the fewest windows open all day that hold the same targets on that very day
(found afterwards, knowing the day: a bound no fixed plan made ahead can beat).

    scripts/bench_staffing.py [--seeds 1,2,3,4,5] [--train 4] [--windows 16]
                              [--load 0.85] [--safety 0.3] [--json FILE]
"""

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from queue_server import catalogue as catalogue_module
from queue_server.catalogue import Catalogue
from queue_server.forecast import DayKind, Error, error, forecast
from queue_server.simulation.day import HallConfig
from queue_server.simulation.weeks import (
    Check,
    SimDay,
    expected_record,
    fewest_fixed,
    held_out,
    planned,
    record,
)
from queue_server.staffing import SAFETY, advise, target_mix

console = Console()
if not console.is_terminal:
    console = Console(width=120)
WEEKDAY_ZH = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class DayRun:
    seed: int
    day: str
    forecast: float
    actual: int
    plan: Check
    fixed_windows: int
    fixed: Check
    peak_windows: int


def run_seed(
    seed: int, config: HallConfig, catalogue: Catalogue, train: int, safety: float
) -> tuple[list[DayRun], Error, Error]:
    """The held-out week of `seed`: each day's runs, the forecast's error and
    the Poisson floor's (the process's own mean as the forecast)."""
    week = held_out(config, catalogue, seed, train)
    runs = []
    for sim, guess in week:
        mix = target_mix(
            [catalogue.services[p.service].target_wait_minutes * 60 for p in sim.people]
        )
        advice = advise(guess.slots, mix, safety=safety)
        n, best_fixed = fewest_fixed(sim, catalogue)
        runs.append(
            DayRun(
                seed=seed,
                day=f"{sim.day:%m-%d} 周{WEEKDAY_ZH[sim.day.weekday()]}",
                forecast=guess.arrivals,
                actual=len(sim.people),
                plan=planned(sim, catalogue, advice),
                fixed_windows=n,
                fixed=best_fixed,
                peak_windows=max(a.windows for a in advice),
            )
        )
    return runs, error([(f, record(s)) for s, f in week]), error(_floor(week, catalogue))


def _floor(week: Sequence[tuple[SimDay, Any]], catalogue: Catalogue) -> list[Any]:
    pairs = []
    for sim, guess in week:
        starts = [s.start for s in guess.slots]
        mean = forecast(sim.day, DayKind.ORDINARY, [expected_record(sim, catalogue)], starts)
        pairs.append((mean, record(sim)))
    return pairs


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def error_table(errors: dict[int, tuple[Error, Error]]) -> Table:
    table = Table(title="(a) forecast error on the held-out week (arrivals)")
    for name in ("seed", "slot WAPE", "slot MAPE", "day WAPE", "day MAPE", "floor slot WAPE"):
        table.add_column(name, justify="right")
    for seed, (e, floor) in errors.items():
        table.add_row(
            str(seed),
            _pct(e.slot_wape),
            _pct(e.slot_mape),
            _pct(e.day_wape),
            _pct(e.day_mape),
            _pct(floor.slot_wape),
        )
    n = len(errors)
    table.add_row(
        "mean",
        *(_pct(sum(getattr(e, k) for e, _ in errors.values()) / n) for k in Error.__slots__),
        _pct(sum(f.slot_wape for _, f in errors.values()) / n),
        style="bold",
    )
    return table


def check_table(runs: Sequence[DayRun]) -> Table:
    table = Table(title="(b) the plan run through the simulator (80 % called within target)")
    for name in (
        "seed",
        "day",
        "forecast",
        "came",
        "plan: within",
        "worst ½h",
        "wait",
        "window-h",
        "fixed n",
        "fixed: worst ½h",
        "window-h",
    ):
        table.add_column(name, justify="right")
    for r in runs:
        table.add_row(
            str(r.seed),
            r.day,
            f"{r.forecast:.0f}",
            str(r.actual),
            _pct(r.plan.within_share),
            _pct(r.plan.worst_slot_share),
            f"{r.plan.mean_wait_min:.1f}",
            f"{r.plan.window_hours:.1f}",
            str(r.fixed_windows),
            _pct(r.fixed.worst_slot_share),
            f"{r.fixed.window_hours:.1f}",
        )
    return table


def summary(runs: Sequence[DayRun]) -> dict[str, Any]:
    plan_h = sum(r.plan.window_hours for r in runs)
    fixed_h = sum(r.fixed.window_hours for r in runs)
    peak_h = sum(r.peak_windows * r.fixed.window_hours / r.fixed_windows for r in runs)
    return {
        "days": len(runs),
        "plan_held": sum(r.plan.holds for r in runs),
        "plan_worst_half_hour": min(r.plan.worst_slot_share for r in runs),
        "plan_window_hours": plan_h,
        "fixed_in_hindsight_window_hours": fixed_h,
        "fixed_at_plan_peak_window_hours": peak_h,
        "plan_vs_hindsight_pct": 100 * (plan_h / fixed_h - 1),
        "plan_vs_peak_pct": 100 * (plan_h / peak_h - 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = HallConfig()
    parser.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated (default 1-5)")
    parser.add_argument("--train", type=int, default=4, help="weeks of history (default 4)")
    parser.add_argument("--windows", type=int, default=defaults.windows)
    parser.add_argument("--load", type=float, default=defaults.load)
    parser.add_argument("--safety", type=float, default=None, help="× √load (default: staffing's)")
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    config = HallConfig(windows=args.windows, load=args.load)
    catalogue = catalogue_module.load()
    safety = SAFETY if args.safety is None else args.safety
    started = time.perf_counter()
    runs: list[DayRun] = []
    errors: dict[int, tuple[Error, Error]] = {}
    for seed in seeds:
        day_runs, e, floor = run_seed(seed, config, catalogue, args.train, safety)
        runs += day_runs
        errors[seed] = (e, floor)
    console.print(error_table(errors))
    console.print(check_table(runs))
    figures = summary(runs)
    console.print(
        f"plan held the target in every half-hour on {figures['plan_held']} of "
        f"{figures['days']} days (worst half-hour {_pct(figures['plan_worst_half_hour'])}); "
        f"window-hours: plan {figures['plan_window_hours']:.1f}, fewest fixed in hindsight "
        f"{figures['fixed_in_hindsight_window_hours']:.1f} "
        f"({figures['plan_vs_hindsight_pct']:+.1f}%), fixed at the plan's peak "
        f"{figures['fixed_at_plan_peak_window_hours']:.1f} ({figures['plan_vs_peak_pct']:+.1f}%)"
    )
    console.print(f"{len(runs)} days, safety {safety}, {time.perf_counter() - started:.1f} s")
    if args.json:
        dump = {
            "seeds": seeds,
            "train_weeks": args.train,
            "safety": safety,
            "errors": {
                s: {"forecast": asdict(e), "floor": asdict(f)} for s, (e, f) in errors.items()
            },
            "days": [asdict(r) for r in runs],
            "summary": figures,
        }
        args.json.write_text(json.dumps(dump, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
