"""scripts/soak's figures: the workers' records merged, the database checked,
the goals judged, printed as rich tables.

Pure over the records but for `check_database` (the private cluster) and
`show` (the terminal).
"""

from collections import Counter
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

RECOVERY_GOAL_S = 3.0
# A reconnected display's time: until its socket dropped, until the next one
# opened, until that one's snapshot came.
PHASES = ("dropped", "reconnected", "snapshot")


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def merge(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The workers' records as one."""
    latency: dict[str, list[float]] = {}
    counts: Counter[str] = Counter()
    recoveries: dict[str, list[float]] = {}
    unrecovered: Counter[str] = Counter()
    merged: dict[str, Any] = {"acked": [], "calls": [], "gaps": [], "key_conflicts": 0}
    merged |= {"displays": 0, "booked": [], "checked_in": {}, "booking_two_tickets": 0}
    during: dict[str, Counter[str]] = {}
    phases: dict[str, list[list[float]]] = {}
    for record in records:
        for action, values in record["latency_ms"].items():
            latency.setdefault(action, []).extend(values)
        for fault, values in record["recoveries"].items():
            recoveries.setdefault(fault, []).extend(values)
        counts.update(record["counts"])
        unrecovered.update(record["unrecovered"])
        for key in ("acked", "calls", "gaps", "booked"):
            merged[key] += record[key]
        for key in ("key_conflicts", "displays", "booking_two_tickets"):
            merged[key] += record[key]
        merged["checked_in"] |= record["checked_in"]
        for fault, values in record["phases"].items():
            phases.setdefault(fault, []).extend(values)
        for fault, seen in record["during"].items():
            window = during.setdefault(fault, Counter())
            slowest = max(window.pop("slowest_ms", 0), seen.get("slowest_ms", 0))
            window.update({k: v for k, v in seen.items() if k != "slowest_ms"})
            window["slowest_ms"] = slowest
    return merged | {
        "during": {fault: dict(sorted(seen.items())) for fault, seen in during.items()},
        "phases": phases,
        "latency": latency,
        "counts": counts,
        "recoveries": recoveries,
        "unrecovered": unrecovered,
    }


def check_database(url: str, merged: dict[str, Any]) -> dict[str, Any]:
    """Which acknowledged tickets and bookings are gone, which tickets were called
    twice, which checked-in bookings hold another ticket than the kiosk was given."""
    acked = merged["acked"] + list(merged["checked_in"].values())
    with psycopg.connect(url) as conn:
        found = {
            row[0]
            for row in conn.execute("SELECT id FROM ticket WHERE id = ANY(%s)", (list(acked),))
        }
        twice = conn.execute(
            'SELECT ticket_id, count(*), count(DISTINCT "window") FROM transition'
            " WHERE action = 'call' GROUP BY ticket_id HAVING count(*) > 1"
        ).fetchall()
        tickets = conn.execute("SELECT count(*) FROM ticket").fetchone()
        bookings = dict(
            conn.execute(
                "SELECT code, ticket_id FROM appointment WHERE code = ANY(%s)", (merged["booked"],)
            ).fetchall()
        )
    lost = sorted(set(acked) - found)
    return {
        "bookings_lost": sorted(set(merged["booked"]) - set(bookings)),
        "booking_other_ticket": sorted(
            code for code, ticket in merged["checked_in"].items() if bookings.get(code) != ticket
        ),
        "tickets_in_db": tickets[0] if tickets else 0,
        "lost": lost,
        "called_twice_db": [{"ticket": t, "calls": n, "windows": w} for t, n, w in twice],
    }


def called_twice(calls: list[list[Any]]) -> list[str]:
    """Tickets a call-next answered at two windows or twice (recalls are another action)."""
    seen = Counter(ticket for ticket, _hall, _window in calls)
    return sorted(t for t, n in seen.items() if n > 1)


def figures(merged: dict[str, Any], db: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    actions = {
        action: {
            "count": len(values),
            "p50_ms": pct(values, 0.5),
            "p99_ms": pct(values, 0.99),
            "max_ms": pct(values, 1.0),
            "per_s": round(len(values) / run["seconds"], 1),
        }
        for action, values in sorted(merged["latency"].items())
    }
    recovery = {
        fault: {
            "displays": len(values),
            "p50_s": _s(pct(values, 0.5)),
            "p99_s": _s(pct(values, 0.99)),
            "max_s": _s(pct(values, 1.0)),
            "not_recovered": merged["unrecovered"].get(fault, 0),
        }
        for fault, values in merged["recoveries"].items()
    }
    for fault, values in merged["phases"].items():
        recovery[fault]["reconnected"] = {
            phase: {"p50_s": _s(pct(column, 0.5)), "p99_s": _s(pct(column, 0.99)),
                    "max_s": _s(pct(column, 1.0))}
            for phase, column in zip(PHASES, zip(*values, strict=True), strict=True)
        }  # fmt: skip
    for fault in merged["unrecovered"]:
        recovery.setdefault(fault, {"displays": 0, "not_recovered": merged["unrecovered"][fault]})
    twice = sorted(
        set(called_twice(merged["calls"])) | {r["ticket"] for r in db["called_twice_db"]}
    )
    goals = {
        "acked_tickets_lost": _goal(len(db["lost"]), 0),
        "tickets_called_twice": _goal(len(twice), 0),
        "idempotency_key_two_tickets": _goal(merged["key_conflicts"], 0),
        "display_seq_gaps": _goal(len(merged["gaps"]), 0),
        "acked_bookings_lost": _goal(len(db["bookings_lost"]), 0),
        "booking_checked_in_twice": _goal(
            merged["booking_two_tickets"] + len(db["booking_other_ticket"]), 0
        ),
    }
    worst = max((r.get("max_s") or 0 for r in recovery.values()), default=0)
    stuck = sum(r["not_recovered"] for r in recovery.values())
    goals["recovery_max_s"] = {
        "value": worst,
        "goal": RECOVERY_GOAL_S,
        "not_recovered": stuck,
        "met": worst <= RECOVERY_GOAL_S and stuck == 0,
    }
    return {
        "run": run,
        "actions": actions,
        "counts": dict(sorted(merged["counts"].items())),
        "acked_tickets": len(merged["acked"]) + len(merged["checked_in"]),
        "bookings": {
            "confirmed": len(merged["booked"]),
            "checked_in": len(merged["checked_in"]),
            "lost": db["bookings_lost"][:20],
            "other_ticket": db["booking_other_ticket"][:20],
        },
        "during": merged["during"],
        "tickets_in_db": db["tickets_in_db"],
        "lost": db["lost"][:20],
        "called_twice": twice[:20],
        "gaps": merged["gaps"][:20],
        "recovery": recovery,
        "goals": goals,
    }


def _s(ms_or_s: float | None) -> float | None:
    return None if ms_or_s is None else round(ms_or_s, 2)


def _goal(value: int, goal: int) -> dict[str, Any]:
    return {"value": value, "goal": goal, "met": value <= goal}


def failed(report: dict[str, Any]) -> list[str]:
    """The goals that make the run fail: tickets lost or called twice, seq gaps.
    The recovery goal is reported, not fatal: a shared machine's stall is not a bug."""
    fatal = ("acked_tickets_lost", "tickets_called_twice", "idempotency_key_two_tickets",
             "acked_bookings_lost", "booking_checked_in_twice")  # fmt: skip
    return [g for g in (*fatal, "display_seq_gaps") if not report["goals"][g]["met"]]


def show(report: dict[str, Any]) -> None:
    console = Console()
    run = report["run"]
    console.print(
        f"[bold]soak[/]: {run['halls']} halls, {run['windows']} windows,"
        f" {run['displays']} displays, {run['phones']} phones,"
        f" {run['seconds']:.0f} s, seed {run['seed']}"
    )
    table = Table("action", "count", "per s", "p50 ms", "p99 ms", "max ms", title="actions")
    for action, row in report["actions"].items():
        table.add_row(
            action, *(str(row[k]) for k in ("count", "per_s", "p50_ms", "p99_ms", "max_ms"))
        )
    console.print(table)
    faults = Table("fault", "at s", "took s", "displays", "p50 s", "p99 s", "max s", "not right",
                   title="displays right again after each fault")  # fmt: skip
    for fault in run["faults"]:
        row = report["recovery"].get(fault["name"], {})
        cells = [row.get(k) for k in ("displays", "p50_s", "p99_s", "max_s", "not_recovered")]
        faults.add_row(fault["name"], str(fault["at_s"]), str(fault["took_s"]), *map(str, cells))
    console.print(faults)
    servers = Table("server", "processes (pid: RSS MB at its end)", "RSS MB at start", "CPU s",
                    title="server processes")  # fmt: skip
    for n, proc in enumerate(run["servers"]):
        lives = ", ".join(f"{p['pid']}: {p['rss_mb']}" for p in proc["processes"])
        servers.add_row(str(n), lives, str(proc["start"]["rss_mb"]), str(proc["cpu_s"]))
    console.print(servers)
    goals = Table("goal", "value", "goal", "met", title="goals")
    for name, goal in report["goals"].items():
        mark = "[green]yes[/]" if goal["met"] else "[red]NO[/]"
        goals.add_row(name, str(goal["value"]), str(goal["goal"]), mark)
    console.print(goals)
    b = report["bookings"]
    console.print(
        f"bookings: {b['confirmed']} confirmed, {b['checked_in']} checked in,"
        f" {len(b['lost'])} lost, {len(b['other_ticket'])} with another ticket"
    )
    upgrade = run.get("upgrade") or {"skipped": "not asked for (--upgrade-from '')"}
    if "skipped" in upgrade:
        console.print(f"[bold red]upgrade: {upgrade['skipped']}[/]")
    for step in upgrade.get("steps", []):
        console.print(f"upgrade from {upgrade['from']}:", step)
    for fault, row in report["recovery"].items():
        if "reconnected" in row:
            console.print(f"reconnected displays, {fault}:", row["reconnected"])
    for fault, seen in report["during"].items():
        console.print(f"clients saw, {fault}:", ", ".join(f"{k} {v}" for k, v in seen.items()))
    if report["counts"]:
        console.print("counts:", ", ".join(f"{k} {v}" for k, v in report["counts"].items()))
