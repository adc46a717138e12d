"""The benchmark's figures as ratios, targets and rich tables (scripts/bench).

Pure over the results dict that scripts/bench.py builds, apart from printing.
"""

import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

BUSY_PCT = 10  # other processes' share of the machine above which a figure is suspect
SETUP_NAMES = {
    "ours": "ours, SQLite, 1 process",
    "bare": "bare Starlette",
    "floor": "socket-only writer (no ASGI)",
    "bare_stack": "bare Starlette + our libraries imported",
    "ours_pg_redis_2proc": "ours, PostgreSQL + Redis, 2 processes",
}
ISSUING_COLUMNS = (
    "clients", "driver", "requests", "per_s", "of_bare", "p50_ms", "p99_ms", "max_ms",
    "non2xx", "socket_errors", "other_cpu_pct",
)  # fmt: skip
SCREEN_COLUMNS = (
    "displays", "workers", "calls", "samples", "p50_ms", "p99_ms", "max_ms", "x_bare_p99",
    "call_request_p50_ms", "missed", "dropped", "connect_s", "server_rss_mb", "other_cpu_pct",
)  # fmt: skip


def ratios(ours: dict[str, Any], bare: dict[str, Any]) -> None:
    """Add each figure's ratio to bare's at the same level (issuing: share; latency: times)."""
    floors = {level["clients"]: level for level in bare.get("issuing", [])}
    for mine in ours.get("issuing", []):
        floor = floors.get(mine["clients"])
        if floor and floor["per_s"]:
            mine["of_bare"] = round(mine["per_s"] / floor["per_s"], 3)
    screens = {level["displays"]: level for level in bare.get("call_to_screen", [])}
    for mine in ours.get("call_to_screen", []):
        floor = screens.get(mine["displays"])
        if floor and floor["p99_ms"] and mine["p99_ms"] is not None:
            mine["x_bare_p99"] = round(mine["p99_ms"] / floor["p99_ms"], 2)


def _level(rows: list[dict[str, Any]], key: str, value: int) -> dict[str, Any] | None:
    return next((row for row in rows if row[key] == value), None)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 13's targets, judged on `ours` (SQLite, one process) where the run has the
    level, each beside the same figure of the floors measured in the same run (bare
    Starlette; for the displays the socket-only writer and bare with our libraries
    imported) and its level's other_cpu_pct:
    a target judged on a busy machine is suspect."""
    ours = results.get("ours")
    if not ours:
        return []
    judged = []
    for name, goal, kind, key, value, figure, limit, at_least in (
        ("issuing at 64 clients, tickets/s", "≥ 1500", "issuing", "clients", 64, "per_s", 1500,
         True),
        ("issuing p99 at 64 clients, ms", "≤ 20", "issuing", "clients", 64, "p99_ms", 20, False),
        ("call-to-screen p99, 1,000 displays, ms", "≤ 10", "call_to_screen", "displays", 1000,
         "p99_ms", 10, False),
        ("server RSS with 1,000 displays, MB", "≤ 1.1 × bare", "call_to_screen", "displays", 1000,
         "server_rss_mb", None, False),
    ):  # fmt: skip
        level = _level(ours[kind], key, value)
        if level is None:
            continue
        floors = {
            setup: found.get(figure)
            for setup in ("bare", "floor", "bare_stack")
            if (found := _level(results.get(setup, {}).get(kind, []), key, value))
        }
        if kind == "issuing" and (work := results.get("work_floor")):
            bare = _level(results.get("bare", {}).get("issuing", []), key, value) or {}
            floors["floor"] = _work_floor(work, figure, bare.get("per_s"))
        bound = limit if limit is not None else 1.1 * (floors.get("bare") or 0)  # × bare's
        if not bound:
            continue  # no bare setup in this run
        measured = level[figure]
        judged.append(
            {
                "name": name,
                "goal": goal,
                "measured": measured,
                "met": measured >= bound if at_least else measured <= bound,
                **floors,
                "other_cpu_pct": level.get("other_cpu_pct"),
            }
        )
    return judged


def _work_floor(work: dict[str, Any], figure: str, bare_per_s: float | None) -> float:
    """Issuing's floor: the ticket's own work alone (tickets/s), or for the p99 at 64
    clients, Little's law over that work plus bare Starlette's cost of a request."""
    if figure == "per_s":
        return float(work["tickets_per_s_ceiling"])
    request_ms = 1000 / bare_per_s if bare_per_s else 0.0
    return round(64 * (float(work["cpu_ms_per_ticket"]) + request_ms), 1)


def table(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Table:
    out = Table(title=title, title_justify="left")
    shown = [c for c in columns if any(c in row for row in rows)]
    for column in shown:
        out.add_column(column, justify="left" if column == "driver" else "right")
    for row in rows:
        out.add_row(*(_cell(row.get(c)) for c in shown))
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 1 else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def summary(results: dict[str, Any]) -> Table:
    """One row a setup, laid out as in docs/performance.md."""
    out = Table(title="summary", title_justify="left")
    for column in (
        "setup",
        "issuing by clients (tickets/s)",
        "p99 at most clients (ms)",
        "call-to-screen p99 by displays (ms)",
        "RSS, most displays",
    ):
        out.add_column(column, justify="left" if column == "setup" else "right")
    for key, name in SETUP_NAMES.items():
        if key not in results:
            continue
        issuing, screens = results[key]["issuing"], results[key]["call_to_screen"]
        out.add_row(
            name,
            " / ".join(_cell(x["per_s"]) for x in issuing) or "(displays only)",
            _cell(issuing[-1]["p99_ms"]) if issuing else "",
            " / ".join(_cell(x["p99_ms"]) for x in screens),
            f"{_cell(screens[-1]['server_rss_mb'])} MB" if screens else "",
        )
    return out


def print_report(results: dict[str, Any], console: Console | None = None) -> None:
    # Wide enough for the tables when piped to a file (rich assumes 80 columns there).
    console = console or (Console() if sys.stdout.isatty() else Console(width=150))
    run = results["run"]
    console.print(
        "[bold]scripts/bench[/] "
        + escape(
            f"{run['mode']} run of {run['started']}, {run['cpus']} CPUs, load "
            f"{run['load_before']} -> {run.get('load_after')}, {run.get('seconds')} s; other "
            f"processes used {run.get('other_cpu_pct_before')} % of the machine before it"
        )
    )
    console.print(escape(f"issuing driver: {run['issue_driver']}; {run['issue_driver_note']}"))
    worst = max(
        [
            run.get("other_cpu_pct_before", 0.0),
            *(
                level["other_cpu_pct"]
                for key in ("ours", "bare")  # on PostgreSQL, "other" includes PostgreSQL
                for kind in ("issuing", "call_to_screen")
                for level in results.get(key, {}).get(kind, [])
            ),
        ]
    )
    if worst > BUSY_PCT:
        console.print(
            f"[yellow]other processes used up to {worst} % of the machine during this run "
            "(other_cpu_pct): those figures are low and noisy; re-run on a quiet machine[/]"
        )
    if run["issue_driver"] == "httpx":
        console.print("[yellow]wrk is not used: issuing figures include this client's own cost[/]")
    for key, name in SETUP_NAMES.items():
        if key in results:
            console.print(
                table(f"{name}: ticket issuing", results[key]["issuing"], ISSUING_COLUMNS)
            )
            console.print(
                table(f"{name}: call-to-screen", results[key]["call_to_screen"], SCREEN_COLUMNS)
            )
    for key, why in results.get("skipped", {}).items():
        console.print(f"[yellow]skipped {SETUP_NAMES.get(key, key)}: {escape(why)}[/]")
    console.print(summary(results))
    if work := results.get("work_floor"):
        console.print(
            escape(
                f"a ticket's own work, no HTTP (scripts/bench_work.py): "
                f"{work['cpu_ms_per_ticket']} ms CPU in batches of {work['batch']}, "
                f"at most {work['tickets_per_s_ceiling']:,} tickets/s on one process"
            )
        )
    if results.get("targets"):
        out = Table(
            title="targets (issue 13), ours on SQLite, beside the floors (issuing's floor: "
            "the ticket's own work, no HTTP)",
            title_justify="left",
        )
        floors = ("bare", "floor", "bare_stack")
        for column in ("target", "goal", "measured", "met", *floors, "other_cpu_pct"):
            out.add_column(column)
        for t in results["targets"]:
            mark = "[green]met[/]" if t["met"] else "[red]missed[/]"
            out.add_row(
                t["name"], t["goal"], _cell(t["measured"]), mark,
                *(_cell(t.get(key)) for key in (*floors, "other_cpu_pct")),
            )  # fmt: skip
        console.print(out)
    for error in results.get("errors", []):
        console.print(f"[bold red]error:[/] {escape(error)}")
