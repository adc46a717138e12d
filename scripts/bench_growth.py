"""How the hall's hot paths cost as the queue grows (issue 13's curve).

For each queue length (100, 1,000, 5,000, 20,000 waiting by default) a fresh
SQLite hall of 16 open windows is seeded with that many waiting tickets (the
catalogue's service mix, 20 % green channel) straight into the database; then
the real use cases are timed on it: issuing a ticket, a holder's status read
of a ticket in the middle of the queue, and call-next (each followed by a
new ticket, so the queue keeps its length). Prints the median and p90 per
action and length, and each median as a multiple of the shortest queue's;
judges nothing.

    .venv/bin/python scripts/bench_growth.py [--sizes 100 1000 5000 20000] [--repeat 200]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rich.console import Console
from rich.table import Table

from queue_server.access import Principal, Role
from queue_server.bodies import HallIn, TicketIn, WindowIn
from queue_server.desk import new_ticket_id
from queue_server.domain import PriorityClass
from queue_server.hall_state import Move, new_ticket
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.simulation.day import service_mix
from queue_server.store import Store

ADMIN = Principal(Role.ADMIN)
HALL = "g"
WINDOWS = 16


def seeded(path: Path, waiting: int) -> HallServices:
    """A hall with 16 open windows and `waiting` tickets in its queue."""
    store = Store(f"sqlite:///{path}")
    store.create_all()
    services = HallServices(store, Settings(database_url=store.url, secret_key="bench"))
    services.create_hall(ADMIN, HallIn(id=HALL, name="增长"))
    for n in range(1, WINDOWS + 1):
        services.put_window(ADMIN, HALL, n, WindowIn(label=f"{n}号", services="all"))
        services.window_action(ADMIN, HALL, n, "open", None)
    mix = service_mix(services.catalogue)
    draw = random.Random(13)
    codes = draw.choices(list(mix), list(mix.values()), k=waiting)
    walk_ins = [c for c in codes if services.catalogue.services[c].walk_in]
    with store.write() as tx:
        tx.lock_hall(HALL)
        now = datetime.now(UTC)
        state = services.state(tx, HALL, now)
        move = Move()
        for n, code in enumerate(walk_ins):
            arrived = now - timedelta(seconds=2 * (len(walk_ins) - n))  # one every 2 s
            green = draw.random() < 0.2
            priority = PriorityClass.ELDERLY if green else PriorityClass.NORMAL
            service = services.catalogue.services[code]
            ticket = new_ticket(state, service, priority, arrived, ticket_id=new_ticket_id())
            state.issue(ticket, arrived, "bench")  # its estimate is not what is timed here
            move.added.append(ticket)
        tx.save(state, move)
    return services


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    found = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        found.append((time.perf_counter() - started) * 1000)
    return found


def measure(waiting: int, repeat: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        services = seeded(Path(folder) / "growth.db", waiting)
        body = TicketIn(service="HZ-SFZ-HL")
        issue = lambda: services.issue_ticket(ADMIN, HALL, body, None)  # noqa: E731
        middle = services.queues(ADMIN, HALL)["tickets"]
        with services.store.read() as tx:
            state = services.state(tx, HALL, services.clock())
            ids = sorted(state.waiting.tickets, key=lambda i: state.waiting.tickets[i].arrived_at)
        ticket_id = ids[len(ids) // 2] if ids else issue()[0]["id"]
        windows = iter(range(repeat * 2))

        def call_next() -> None:
            number = next(windows) % WINDOWS + 1
            services.window_action(ADMIN, HALL, number, "call-next", None)
            services.window_action(ADMIN, HALL, number, "no-show", None)
            issue()

        figures = {
            "issue": timed(issue, repeat),
            "status read": timed(lambda: services.ticket_view(ticket_id), repeat),
            "call-next (+ no-show, issue)": timed(call_next, max(repeat // 4, 10)),
        }
        assert len(middle) >= waiting * 0.9, "the hall was not seeded"
        services.store.dispose()
        return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    results = {size: measure(size, args.repeat) for size in args.sizes}
    table = Table(title="cost by queue length (ms; median / p90; × the shortest queue's median)")
    table.add_column("action")
    for size in args.sizes:
        table.add_column(f"{size:,} waiting", justify="right")
    first = args.sizes[0]
    for action in results[first]:
        base = statistics.median(results[first][action])
        cells = []
        for size in args.sizes:
            times = sorted(results[size][action])
            median, p90 = statistics.median(times), times[int(len(times) * 0.9)]
            cells.append(f"{median:.2f} / {p90:.2f}  ×{median / base:.2f}")
        table.add_row(action, *cells)
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
