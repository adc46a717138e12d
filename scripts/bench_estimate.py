"""Time the pure `estimate.estimate` the server runs for every ticket it issues.

A hall of 16 windows (12 comprehensive, two exit-entry, one driver, one green
lane, all busy) and a seeded queue drawn from the simulator's service mix and
green-channel classes (20 %, plus a few transfers and booked visitors); the
ticket estimated is a new normal walk-in at the back, told the day's arrivals
as the queue's mix. Prints the best of `--repeat` runs in microseconds per
call and per waiting ticket; judges nothing.

`--against FILE` times an older, one-file domain.py (before estimate.py
was split out of it) side by side, runs
interleaved (this machine may be busy), e.g. the last commit's:

    git show HEAD:queue_server/domain.py > /tmp/domain_before.py
    .venv/bin/python scripts/bench_estimate.py --against /tmp/domain_before.py
"""

import argparse
import importlib.util
import inspect
import random
import sys
import timeit
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from queue_server import catalogue as catalogue_module
from queue_server import domain, estimate, protocol
from queue_server.simulation.day import GREEN_CLASSES, service_mix

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
CATALOGUE = catalogue_module.load()


def windows(d: Any) -> list[Any]:
    def window(number: int, skills: Any, lane: Any) -> Any:
        state = d.WindowState.SERVING if number % 5 else d.WindowState.CALLING
        return d.Window("main", number, f"{number}号窗口", skills, lane, state, str(number))

    found = [window(n, d.Skills(), d.Lane.STANDARD) for n in range(1, 13)]
    for n, category in ((13, "exit_entry"), (14, "exit_entry"), (15, "driver")):
        skills = d.Skills(accepts_all=False, categories=frozenset({category}))
        found.append(window(n, skills, d.Lane.STANDARD))
    found.append(window(16, d.Skills(), d.Lane.GREEN))
    return found


def queue(d: Any, size: int, seed: int = 1) -> list[Any]:
    """`size` waiting tickets, one every 3 s or so, oldest first."""
    mix = service_mix(CATALOGUE)
    draw = random.Random(seed)
    codes = draw.choices(list(mix), list(mix.values()), k=size)
    classes = [d.PriorityClass(c.value) for c, _ in GREEN_CLASSES]
    weights = [w for _, w in GREEN_CLASSES]
    tickets = []
    for i, code in enumerate(codes):
        service = CATALOGUE.services[code]
        arrived = NOW - timedelta(seconds=3 * (size - i) + draw.random())
        roll = draw.random()
        green = draw.choices(classes, weights)[0]
        tickets.append(
            d.Ticket(
                id=f"t{i}",
                hall="main",
                business_date=date(2026, 11, 25),
                number=f"{service.prefix}{i:03d}",
                service=code,
                category=service.category,
                priority=green if roll < 0.2 else d.PriorityClass.NORMAL,
                status=d.TicketStatus.WAITING,
                arrived_at=arrived,
                issued_at=arrived,
                entry=d.Entry.TRANSFER if roll > 0.97 else d.Entry.WALK_IN,
            )
        )
    for i in range(0, size, 50):  # one booked visitor in fifty, inside their slot
        tickets[i] = replace(tickets[i], entry=d.Entry.APPOINTMENT, appointment_at=NOW)
    return tickets


def caller(d: Any, size: int) -> Callable[[], Any]:
    """One estimate of a new normal walk-in behind `size` waiting tickets."""
    waiting = queue(d, size)
    mine = replace(
        waiting[-1],
        id="mine",
        number="A999",
        service="HZ-SFZ-HL",
        category="hukou",
        priority=d.PriorityClass.NORMAL,
        entry=d.Entry.WALK_IN,
        arrived_at=NOW,
        issued_at=NOW,
    )
    waiting.append(mine)
    staff = windows(d)
    handling = {c: s.minutes * 60.0 for c, s in CATALOGUE.services.items()}
    fields = d.Policy.__dataclass_fields__
    targets = {c: s.target_wait_minutes for c, s in CATALOGUE.services.items()}
    policy = d.Policy(targets=targets) if "targets" in fields else d.Policy()
    extra: dict[str, Any] = {}
    if "arrivals" in inspect.signature(d.estimate).parameters:
        extra["arrivals"] = Counter((t.service, t.category, t.green_channel) for t in waiting)
    return lambda: d.estimate(mine, waiting, staff, handling, policy, NOW, **extra)


def load(path: Path) -> ModuleType:
    """Another domain.py, imported inside the package so its relative imports work."""
    spec = importlib.util.spec_from_file_location("queue_server._timed_domain", path)
    assert spec is not None and spec.loader is not None, f"cannot import {path}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--against", type=Path, help="another domain.py to time alongside")
    args = parser.parse_args(argv)
    # The names the bench uses, wherever they live now (domain, protocol, estimate).
    this = SimpleNamespace(**(vars(protocol) | vars(domain)), estimate=estimate.estimate)
    versions = {"this": this} | ({"against": load(args.against)} if args.against else {})
    head = "".join(f" {name + ' µs/call':>18} {'µs/ticket':>10}" for name in versions)
    print(f"{'waiting':>8}{head}{'  ratio' if args.against else ''}")
    for size in args.sizes:
        calls = {name: caller(d, size) for name, d in versions.items()}
        number = max(1, 20_000 // size)
        best = dict.fromkeys(calls, float("inf"))
        for _ in range(args.repeat):  # interleaved, so a busy moment hits both
            for name, call in calls.items():
                best[name] = min(best[name], timeit.timeit(call, number=number) / number)
        cells = "".join(f" {b * 1e6:>18.1f} {b * 1e6 / size:>10.2f}" for b in best.values())
        ratio = f"  {best['against'] / best['this']:5.1f}×" if args.against else ""
        print(f"{size:>8}{cells}{ratio}")
        for name, call in calls.items():
            print(f"{'':>8} {name}: {call()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
