"""Simulate hall days: the one-window reform, dispatch policies and wait estimates.

Drives the real dispatch (domain.choose_next) and estimate (domain.estimate) on
a virtual clock; on each seeded day every scenario sees the same visitors and
the same staff. Prints tables and writes DIR/simulation.json (every figure) and
DIR/waits.png (waits over the day per policy).

    scripts/simulate [--seed 1] [--days 30] [--windows 16] [--green-share 0.2]
                     [--load 0.85] [--out var/simulation]
"""

import argparse
import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no GUI toolkit
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from rich.console import Console
from rich.table import Table
from simulate_grid import add_arguments as add_grid_arguments
from simulate_grid import main as run_grid

from queue_server import catalogue as catalogue_module
from queue_server.catalogue import Catalogue
from queue_server.domain import Policy
from queue_server.simulation import figures
from queue_server.simulation.day import (
    HallConfig,
    Visitor,
    comprehensive,
    dedicated,
    expected_arrivals,
    visitors,
)
from queue_server.simulation.hall import FIFO, STRICT, DayResult, run

console = Console()
if not console.is_terminal:
    console = Console(width=120)  # a log or a pipe: do not squeeze the tables to 80 columns


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    title: str
    dedicated: bool  # windows per category (before the reform), else comprehensive
    policy: Policy
    tell_arrivals: bool = True  # the estimate knows the day's arrivals so far
    judged: bool = False  # issue 6's targets are shown for it
    estimate_only: bool = False  # the same dispatch as another scenario: skip its waits


def scenarios(catalogue: Catalogue) -> list[Scenario]:
    ours = Policy(targets=catalogue.targets())  # as the server loads a hall
    return [
        Scenario("dedicated", "dedicated", True, ours),
        Scenario("fifo", "plain FIFO", False, FIFO),
        Scenario("strict", "strict green", False, STRICT),
        Scenario(
            "green_only",
            "green boost only",
            False,
            replace(ours, target_boost_s_per_min=0, green_calm_cap_min=0, green_busy_cap_min=0),
            judged=True,
        ),
        Scenario(
            "static",
            "ours without the green deadlines",  # the default until issue 18
            False,
            replace(ours, green_calm_cap_min=0, green_busy_cap_min=0),
            judged=True,
        ),
        Scenario("ours", "ours: Policy()", False, ours, judged=True),
        Scenario(
            "ours_untold",
            "ours, estimate without arrivals",
            False,
            ours,
            tell_arrivals=False,
            estimate_only=True,
        ),
    ]


def simulate(
    config: HallConfig, catalogue: Catalogue, seeds: Sequence[int]
) -> tuple[list[Scenario], dict[str, list[DayResult]], list[tuple[Visitor, ...]]]:
    days = [visitors(config, catalogue, seed) for seed in seeds]
    staff = {True: dedicated(config, catalogue), False: comprehensive(config)}
    plan = scenarios(catalogue)
    results = {
        s.key: [
            run(
                people,
                staff[s.dedicated],
                s.policy,
                config=config,
                catalogue=catalogue,
                tell_arrivals=s.tell_arrivals,
            )
            for people in days
        ]
        for s in plan
    }
    return plan, results, days


def all_figures(
    config: HallConfig,
    plan: Sequence[Scenario],
    results: dict[str, list[DayResult]],
    days: Sequence[tuple[Visitor, ...]],
    seeds: Sequence[int],
    expected: float,
) -> dict[str, Any]:
    fifo = results["fifo"]
    reform = figures.reform(results["dedicated"], results["ours"])
    comprehensive_keys = [s.key for s in plan if not s.dedicated]
    policies = {k: figures.policy(k, results[k], fifo) for k in comprehensive_keys}
    guesses = {k: figures.estimates(results[k]) for k in comprehensive_keys}
    fifo_figures = policies["fifo"]
    waits = [s.key for s in plan if not s.dedicated and not s.estimate_only]
    return {
        "run": {
            "units": "minutes, unless a name ends in _s (seconds) or _pct",
            "seeds": list(seeds),
            "windows": config.windows,
            "load": config.load,
            "green_share": config.green_share,
            "expected_visitors_per_day": round(expected, 1),
            "visitors_per_day": sum(len(d) for d in days) / len(days),
            "utilisation": reform.utilisation,
        },
        "config": asdict(config),
        "scenarios": {s.key: {"title": s.title, "policy": s.policy.settings()} for s in plan},
        "reform": asdict(reform),
        "policies": {k: asdict(v) for k, v in policies.items() if k in waits},
        "by_target": {
            k: [asdict(g) for g in figures.by_target(results[k], green=False)] for k in waits
        },
        "estimates": {k: asdict(v) for k, v in guesses.items()},
        "targets": [
            asdict(t)
            for t in figures.targets(reform, policies["ours"], fifo_figures, guesses["ours"].all)
        ],
        "judged_targets": {
            s.key: [
                asdict(t)
                for t in figures.targets(reform, policies[s.key], fifo_figures, guesses[s.key].all)
            ]
            for s in plan
            if s.judged
        },
        "by_issue_time": {
            k: {
                "all": figures.by_issue_time(results[k]),
                "green": figures.by_issue_time(results[k], green=True),
                "normal": figures.by_issue_time(results[k], green=False),
                "estimate": figures.by_issue_time(results[k], of=lambda o: o.estimate_s),
            }
            for k in results
        },
    }


# ---------------------------------------------------------------- tables


def spread(stats: dict[str, float]) -> str:
    """mean / p90 / max in minutes."""
    return f"{stats['mean']:.1f} / {stats['p90']:.1f} / {stats['max']:.1f}"


def print_tables(fig: dict[str, Any], plan: Sequence[Scenario], elapsed: float) -> None:
    run_ = fig["run"]
    console.print(
        f"[bold]hall day simulation[/]: {len(run_['seeds'])} day(s), seeds {run_['seeds'][0]}"
        f"-{run_['seeds'][-1]}, {run_['windows']} windows, offered load {run_['load']:.2f} "
        f"(measured utilisation {run_['utilisation']:.1%}), "
        f"{run_['visitors_per_day']:.0f} visitors a day, green channel "
        f"{run_['green_share']:.0%}; {elapsed:.1f} s. Times in minutes."
    )
    reform = fig["reform"]
    table = Table(title="(a) the one-window reform: same visitors, same staff, our policy")
    for col in ("windows", "wait mean / p90 / max", "in hall mean / p90 / max", "unserved"):
        table.add_column(col, justify="right")
    for key in ("dedicated", "comprehensive"):
        table.add_row(
            key,
            spread(reform[f"{key}_wait"]),
            spread(reform[f"{key}_in_hall"]),
            str(reform[f"{key}_unserved"]),
        )
    console.print(table)
    console.print(
        f"change in mean time in hall: [bold]{reform['change_pct']:+.1f}%[/] (seeds: -33.7%); "
        "dedicated windows: "
        + ", ".join(
            f"{g['label']} {g['windows']} ({g['utilisation']:.0%} busy)"
            for g in reform["dedicated_windows"]
        )
    )

    titles = {s.key: s.title for s in plan}
    fifo_p90 = fig["policies"]["fifo"]["normal"]["p90"]
    table = Table(title="(b) dispatch policies on comprehensive windows: waits")
    for col in (
        "policy",
        "green mean / p90 / max",
        "normal mean / p90 / max",
        "normal p90 vs FIFO",
        "normal > 2× target",
        "… not under FIFO",
    ):
        table.add_column(col, justify="right")
    for key, p in fig["policies"].items():
        rise = 100 * (p["normal"]["p90"] / fifo_p90 - 1) if fifo_p90 else 0.0
        table.add_row(
            titles[key],
            spread(p["green"]),
            spread(p["normal"]),
            f"{rise:+.1f}%",
            str(p["over_twice_target"]),
            str(p["over_because_green"]),
        )
    console.print(table)

    targets = sorted({g["target_min"] for groups in fig["by_target"].values() for g in groups})
    table = Table(title="(c) normal tickets' waits by their service's target wait")
    table.add_column("policy", justify="right")
    for minutes in targets:
        table.add_column(f"{minutes:g}-min target: mean / p90", justify="right")
    for key, groups in fig["by_target"].items():
        found = {g["target_min"]: g["waits"] for g in groups}
        table.add_row(
            titles[key],
            *(
                f"{found[m]['mean']:.1f} / {found[m]['p90']:.1f}" if m in found else "-"
                for m in targets
            ),
        )
    table.caption = "tickets a day: " + ", ".join(
        f"{g['target_min']:g} min {g['waits']['count'] / len(run_['seeds']):.0f}"
        for g in next(iter(fig["by_target"].values()))
    )
    console.print(table)

    table = Table(title="(d) estimated wait on the ticket vs the wait it then had")
    for col in ("policy, estimate", "tickets", "MAE", "within ±5", "bias", "bias green / normal"):
        table.add_column(col, justify="right")
    for key, e in fig["estimates"].items():
        a = e["all"]
        table.add_row(
            titles[key],
            str(a["count"]),
            f"{a['mae']:.2f}",
            f"{a['within_5']:.1%}",
            f"{a['bias']:+.2f}",
            f"{e['green']['bias']:+.2f} / {e['normal']['bias']:+.2f}",
        )
    console.print(table)

    table = Table(title="issue 6 targets")
    table.add_column("target")
    table.add_column("goal")
    for key in fig["judged_targets"]:
        table.add_column(titles[key], justify="right")
    columns = list(fig["judged_targets"].values())
    for i, target in enumerate(fig["targets"]):
        cells = [
            f"{c[i]['measured']} " + ("[green]✓[/]" if c[i]["met"] else "[red]✗[/]")
            for c in columns
        ]
        table.add_row(target["name"], target["goal"], *cells)
    table.caption = "(every column keeps the reform figure of our policy)"
    console.print(table)


# ---------------------------------------------------------------- chart

POLICY_LINES = (
    ("dedicated", "dedicated windows (before)", "tab:gray"),
    ("fifo", "plain FIFO", "tab:blue"),
    ("strict", "strict green priority", "tab:red"),
    ("green_only", "green boost only (before issue 6)", "tab:orange"),
    ("ours", "our policy", "tab:green"),
)
BUCKET_H = 0.5


def plot(axis: Axes, points: list[list[float]], style: str, **kwargs: Any) -> None:
    """One series of (bucket start, mean, count), at bucket centres; a gap (lunch)
    breaks the line instead of bridging it."""
    if not points:
        return
    first, last = points[0][0], points[-1][0]
    means = {round(h / BUCKET_H): m for h, m, _ in points}
    steps = range(round(first / BUCKET_H), round(last / BUCKET_H) + 1)
    axis.plot(
        [i * BUCKET_H + BUCKET_H / 2 for i in steps],
        [means.get(i, math.nan) for i in steps],
        style,
        **kwargs,
    )


def chart(fig: dict[str, Any], days: int, path: Path) -> None:
    """Three panels over the day, by 30-minute bucket of issue time."""
    series = fig["by_issue_time"]
    plt.rcParams.update({"font.size": 9})
    figure, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 11.5), sharex=True)

    arrivals = series["fifo"]["all"]
    bars = top.twinx()
    bars.bar(
        [h + BUCKET_H / 2 for h, _, _ in arrivals],
        [n / days for _, _, n in arrivals],
        width=BUCKET_H * 0.9,
        color="0.9",
    )
    bars.set_ylabel("visitors per 30 min (grey bars)")
    top.set_zorder(bars.get_zorder() + 1)  # lines over the bars
    top.patch.set_visible(False)
    for key, label, color in POLICY_LINES:
        plot(top, series[key]["all"], "o-", ms=3, color=color, label=label)
    top.set_title("Mean wait by issue time, all tickets")
    top.set_ylabel("mean wait (min)")
    top.legend(loc="upper center", fontsize=8)  # in the lunch gap

    for key, label, color in POLICY_LINES[1:]:
        plot(middle, series[key]["normal"], "-", color=color, label=f"{label}: normal")
        plot(middle, series[key]["green"], "--", color=color, label=f"{label}: green")
    middle.set_title("Green-channel (dashed) vs normal (solid) tickets, comprehensive windows")
    middle.set_ylabel("mean wait (min)")
    middle.legend(loc="upper center", fontsize=7, ncol=2)

    plot(bottom, series["ours"]["all"], "-", color="black", label="actual wait")
    plot(bottom, series["ours"]["estimate"], "--", color="tab:green", label="domain estimate")
    plot(
        bottom,
        series["ours_untold"]["estimate"],
        ":",
        color="tab:gray",
        label="domain estimate, not told the day's arrivals",
    )
    bottom.set_title("Our policy: the wait printed on the ticket vs the wait it then had")
    bottom.set_ylabel("mean (min)")
    bottom.set_xlabel("issue time (hour of day)")
    bottom.legend(loc="upper center", fontsize=8)
    bottom.set_xticks(range(9, 18))
    for axis in (top, middle, bottom):
        axis.grid(alpha=0.3)
        axis.set_ylim(bottom=0)
    run_ = fig["run"]
    figure.suptitle(
        f"Simulated hall days: {run_['windows']} windows, offered load {run_['load']:.2f}, "
        f"green channel {run_['green_share']:.0%}, {days} day(s) from seed {run_['seeds'][0]}"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# ---------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    defaults = HallConfig()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="first day's seed (default 1)")
    parser.add_argument("--days", type=int, default=30, help="seeded days to pool (default 30)")
    parser.add_argument("--windows", type=int, default=defaults.windows)
    parser.add_argument("--green-share", type=float, default=defaults.green_share)
    parser.add_argument(
        "--load", type=float, default=defaults.load, help="offered work / staffed window time"
    )
    parser.add_argument(
        "--arrivals", type=float, default=None, help="expected visitors a day (overrides --load)"
    )
    parser.add_argument("--out", type=Path, default=Path("var/simulation"))
    add_grid_arguments(parser)
    args = parser.parse_args(argv)
    if args.grid:
        return run_grid(args)
    if args.days < 1:
        parser.error("--days must be at least 1")

    config = HallConfig(
        windows=args.windows, load=args.load, green_share=args.green_share, arrivals=args.arrivals
    )
    catalogue = catalogue_module.load()
    seeds = list(range(args.seed, args.seed + args.days))
    started = time.perf_counter()
    plan, results, days = simulate(config, catalogue, seeds)
    fig = all_figures(config, plan, results, days, seeds, expected_arrivals(config, catalogue))
    elapsed = time.perf_counter() - started
    fig["run"]["seconds"] = round(elapsed, 2)

    print_tables(fig, plan, elapsed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "simulation.json").write_text(
        json.dumps(fig, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    chart(fig, args.days, args.out / "waits.png")
    console.print(f"figures written to {args.out / 'simulation.json'} and {args.out / 'waits.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
