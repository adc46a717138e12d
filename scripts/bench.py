"""Benchmark the real server over loopback against what the framework does at all.

Starts the servers it measures (uvicorn, as scripts/serve runs it) in
subprocesses and drives them from other processes: `wrk` issues tickets
(scripts/bench_load.py; an httpx client in this process when wrk is missing,
said in the output and the JSON), and worker processes hold the display
websockets (scripts/bench_displays.py). Prints tables and writes every figure
as JSON; then stops everything it started. Every loop is bounded in count and
time. Setups, all started at once and measured in turn at each level, so that
a ratio compares figures taken moments apart:
- `bare`: a bare Starlette endpoint and a bare websocket broadcast
  (scripts/bare_app.py), so each figure is also a ratio to the framework;
- `floor`: a socket-only writer (scripts/floor_ws.py: the websockets library's
  own server, no ASGI) for call-to-screen and memory: what this machine's
  event loop and sockets allow at all;
- `work_floor` (with `ours`): a ticket's own work with no HTTP, in this process
  (scripts/bench_work.py): the most tickets a second one process could issue;
- `bare_stack` (`stack`): the bare app with the libraries our server holds at
  rest imported (sqlmodel, APScheduler, limits), for the displays: the memory
  floor of that stack;
- `ours`: one server process on SQLite (the embedded default);
- `ours_pg_redis_2proc`: two server processes on PostgreSQL + Redis, when
  both are reachable (issuing split over both; displays on B, calls through A).

    scripts/bench [--quick | --smoke] [--setups bare,floor,stack,ours,pg] [--driver auto|wrk|httpx]
                  [--json var/bench.json]
    scripts/bench --growth [--sizes 100 1000 5000 20000]   (cost by queue length:
                  scripts/bench_growth.py)

Exits 1 when a figure is not one: a non-2xx answer, a socket error, a display
that missed a call or was dropped. Its parts, beside this driver: bench_setups.py
(what is measured), bench_load.py and bench_issue.lua (issuing),
bench_displays.py (the displays), bench_proc.py (RSS, other processes' CPU) and
bench_report.py (ratios, targets, tables).
"""

import argparse
import asyncio
import json
import os
import platform
import signal
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_displays import DisplayFleet
from bench_load import httpx_issuing, percentile, wrk_issuing, wrk_path, wrk_version
from bench_proc import CpuWatch, rss_mb
from bench_report import print_report, ratios, targets
from bench_setups import ISSUE_BODY, Target, start_setups
from bench_work import work_floor

SETUPS = ("bare", "floor", "stack", "ours", "pg")


@dataclass(frozen=True)
class Plan:
    """How much work a run does: issuing levels, displays levels, and their bounds."""

    mode: str
    clients: tuple[int, ...]  # concurrent kiosks, one level each
    seconds: float  # per issuing level
    screens: tuple[tuple[int, int], ...]  # (displays, calls)
    calls_s: float  # at most, per displays level
    work_batches: int  # batches of 64 tickets timed in-process (bench_work.py)


PLANS = {
    "full": Plan("full", (1, 16, 64), 3.0, ((1, 200), (100, 100), (1000, 50)), 60.0, 40),
    "quick": Plan("quick", (1, 16, 64), 1.0, ((1, 20), (100, 10), (1000, 5)), 20.0, 10),
    "smoke": Plan("smoke", (4,), 1.0, ((5, 5),), 15.0, 1),
}


@dataclass
class Run:
    plan: Plan
    wrk: str | None
    max_workers: int
    tmp: Path
    errors: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- measurements


async def issuing(run: Run, target: Target, clients: int, pids: list[int]) -> dict[str, Any]:
    """One issuing level, on a fresh hall."""
    path, token = target.prepare(clients)
    ports, urls = [p for p, _ in target.servers], [u for _, u in target.servers]
    watch = CpuWatch(pids)
    if run.wrk:
        level = await wrk_issuing(
            run.wrk, ports, path, token, ISSUE_BODY, clients, run.plan.seconds
        )
    else:
        level = await httpx_issuing(urls, path, token, ISSUE_BODY, clients, run.plan.seconds)
    level["other_cpu_pct"] = watch.other_pct()
    if level["non2xx"] or level["socket_errors"]:
        run.errors.append(
            f"{target.name}: issuing at {clients} clients: {level['non2xx']} non-2xx answers"
            f" ({level['non2xx_sample'][:120]}), {level['socket_errors']} socket errors"
        )
    return level


async def call_to_screen(
    run: Run, target: Target, displays: int, calls: int, pids: list[int]
) -> dict[str, Any]:
    """One displays level: from the call request to `ticket.called` at each display."""
    fleet = DisplayFleet(target.ws_url, displays, run.max_workers)
    watch = CpuWatch(pids)
    try:
        started = await fleet.start()
        rss = [rss_mb(pid) for pid in target.pids]
        level = await timed_calls(fleet, target, calls, run.plan.calls_s)
    finally:
        dropped = await fleet.close()
    level = {
        "displays": displays,
        "workers": started["workers"],
        **level,
        "dropped": dropped["lagged"] + dropped["closed"],
        "connect_s": started["connect_s"],
        "server_rss_mb": rss[-1],
        **({"other_rss_mb": rss[:-1]} if len(rss) > 1 else {}),
        "other_cpu_pct": watch.other_pct(),
    }
    problems = {
        "displays failed to connect": started["failed"],
        "arrivals missed": level["missed"],
        "displays dropped": level["dropped"],
        "drains timed out": level.pop("undrained"),
        "arrivals before their call": level["negative"],
    }
    if any(problems.values()) or started["errors"]:
        said = ", ".join(f"{n} {what}" for what, n in problems.items() if n)
        run.errors.append(
            f"{target.name}: call-to-screen at {displays} displays: {said} {started['errors']}"
        )
    return level


async def timed_calls(
    fleet: DisplayFleet, target: Target, calls: int, limit_s: float
) -> dict[str, Any]:
    """`calls` calls, each timed at every display; between two, `after` runs and the
    displays drain its events (up to the seq it answers), so no call queues behind them."""
    latencies: list[float] = []
    requests: list[float] = []
    missed = undrained = done = 0
    deadline = time.monotonic() + limit_s
    for n in range(calls + 1):  # call 0 warms up (first sends, lazy imports): not counted
        if n and time.monotonic() > deadline:
            break
        t0 = time.monotonic()  # the same clock the display workers stamp arrivals with
        await target.call()
        answered = time.monotonic()
        arrivals, missing = await fleet.arrivals(n + 1)
        if n:
            done += 1
            requests.append((answered - t0) * 1000)
            latencies += [t - t0 for t in arrivals]
            missed += missing
        seq = await target.after()
        if seq is not None:
            undrained += await fleet.drained(seq)
    ms = sorted(x * 1000 for x in latencies)
    return {
        "calls": done,
        "samples": len(latencies),
        "p50_ms": round(percentile(ms, 0.5), 2) if ms else None,
        "p99_ms": round(percentile(ms, 0.99), 2) if ms else None,
        "max_ms": round(ms[-1], 2) if ms else None,
        "mean_ms": round(sum(ms) / len(ms), 2) if ms else None,
        "call_request_p50_ms": round(percentile(requests, 0.5), 2) if requests else None,
        "missed": missed,
        "undrained": undrained,
        "negative": sum(1 for x in latencies if x < 0),
    }


# ---------------------------------------------------------------- setups


# ---------------------------------------------------------------- the run


async def run_all(plan: Plan, setups: set[str], driver: str, max_workers: int) -> dict[str, Any]:
    found = wrk_path()
    if driver == "wrk" and found is None:
        raise SystemExit(
            "wrk is not installed (apt-get install wrk, or scripts/install-system-deps)"
        )
    wrk = found if driver != "httpx" else None
    started = time.monotonic()
    idle = CpuWatch([])
    await asyncio.sleep(1)
    results: dict[str, Any] = {
        "run": {
            "mode": plan.mode,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in os.getloadavg()],
            "other_cpu_pct_before": idle.other_pct(),  # over 1 s, before starting anything
            "python": platform.python_version(),
            "issue_driver": wrk_version(wrk) if wrk else "httpx",
            "issue_driver_note": (
                "wrk, one thread per server process, in its own process"
                if wrk
                else "httpx in the benchmark's own process: it measures the client too"
                + (" (wrk not found)" if found is None else " (--driver httpx)")
            ),
            "issue_seconds_per_level": plan.seconds,
            "display_workers_max": max_workers,
        },
    }
    if "ours" in setups:  # the issuing floor under HTTP, before any server starts
        results["work_floor"] = work_floor(plan.work_batches)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        run = Run(plan, wrk, max_workers, Path(tmp))
        async with AsyncExitStack() as stack:
            found_targets, results["skipped"] = await start_setups(stack, setups, run.tmp)
            await measure(run, found_targets, results)
    if "bare" in results:
        for name in ("ours", "ours_pg_redis_2proc"):
            if name in results:
                ratios(results[name], results["bare"])
    results["targets"] = targets(results)
    results["errors"] = run.errors
    results["run"]["seconds"] = round(time.monotonic() - started, 1)
    results["run"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


async def measure(run: Run, found: list[Target], results: dict[str, Any]) -> None:
    """Each level on every setup in turn, so noise on the machine hits them alike."""
    every_pid = [pid for t in found for pid in t.pids]
    for target in found:
        results[target.name] = {"servers": len(target.servers), "issuing": [], "call_to_screen": []}
    for clients in run.plan.clients:
        for target in (t for t in found if t.issues):
            level = await issuing(run, target, clients, every_pid)
            results[target.name]["issuing"].append(level)
    for displays, calls in run.plan.screens:
        for target in found:
            level = await call_to_screen(run, target, displays, calls, every_pid)
            results[target.name]["call_to_screen"].append(level)


def main() -> int:
    if "--growth" in sys.argv[1:]:  # its own run and options: scripts/bench_growth.py
        from bench_growth import main as growth

        return growth(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="every level, about a tenth of the work")
    size.add_argument("--smoke", action="store_true", help="one tiny level each (the test suite)")
    parser.add_argument(
        "--setups", default=",".join(SETUPS), help="any of bare,floor,stack,ours,pg"
    )
    parser.add_argument("--skip-pg", action="store_true", help="same as leaving pg out of --setups")
    parser.add_argument("--driver", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--display-workers", type=int, default=8, help="display processes, at most")
    parser.add_argument("--json", type=Path, default=Path("var/bench.json"))
    args = parser.parse_args()
    setups = {s.strip() for s in args.setups.split(",") if s.strip()}
    if unknown := setups - set(SETUPS):
        parser.error(f"unknown setups: {', '.join(sorted(unknown))}")
    if args.skip_pg:
        setups.discard("pg")
    plan = PLANS["smoke" if args.smoke else "quick" if args.quick else "full"]
    # Stopped by SIGTERM as by Ctrl-C, so the servers, wrk and the display workers go too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        results = asyncio.run(run_all(plan, setups, args.driver, args.display_workers))
    except KeyboardInterrupt:
        print("interrupted: everything the benchmark started is stopped; no figures written")
        return 130
    print_report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"figures written to {args.json}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
