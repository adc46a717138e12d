"""The issuing floor under HTTP: what a ticket's own work costs, with no server.

The same `HallServices` the server runs, on SQLite in a temporary folder, in
this process: batches of 64 kiosk requests (as 64 waiting kiosks form them),
each run as the server's group commit runs it (`Runner._run_batch`: one
transaction, a savepoint per ticket, the events written), timed on the CPU
of this process alone. The inverse is the most tickets a second one process
could issue if HTTP cost nothing; by Little's law 64 kiosks then wait at
least 64 / that rate for each ticket, which bounds the p99 at 64 clients.

With --durability it times commits on the wall clock instead, at SQLite's
two fsync levels (synchronous=NORMAL and FULL) and at batch sizes 1 and 64:
what making every acknowledged ticket survive a power cut costs.

    .venv/bin/python scripts/bench_work.py [--batches 40] [--durability]
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from queue_server.access import Principal, Role  # noqa: E402
from queue_server.bodies import HallIn, TicketIn, WindowIn  # noqa: E402
from queue_server.group_commit import Job  # noqa: E402
from queue_server.services import HallServices  # noqa: E402
from queue_server.settings import Settings  # noqa: E402
from queue_server.store import Store  # noqa: E402

BATCH = 64
SERVICE = "HZ-SFZ-HL"


def _hall(url: str, synchronous: str = "FULL") -> tuple[Store, HallServices, str]:
    """A hall with three windows on a fresh database."""
    store = Store(url, synchronous=synchronous)
    store.create_all()
    hub = HallServices(store, Settings(database_url=url, secret_key="k", jobs_interval_s=0))
    admin, hall = Principal(Role.ADMIN), "work"
    hub.create_hall(admin, HallIn(id=hall, name="floor"))
    for n in (1, 2, 3):
        hub.put_window(admin, hall, n, WindowIn(label=str(n), services="all"))
    return store, hub, hall


def _issue_batch(hub: HallServices, hall: str, size: int, tag: str) -> None:
    """`size` kiosk requests in one transaction, as the group commit's thread runs them."""
    kiosk = Principal(Role.KIOSK, hall)
    jobs = [
        Job(hub.issuing(kiosk, hall, TicketIn(service=SERVICE), f"{tag}-{i}")) for i in range(size)
    ]
    hub._run_batch(hall, jobs)
    if any(job.error for job in jobs):
        raise RuntimeError(f"a ticket was refused: {next(j.error for j in jobs)}")


def work_floor(batches: int) -> dict[str, Any]:
    """CPU ms per ticket over `batches` batches of BATCH, after one untimed batch."""
    with tempfile.TemporaryDirectory(prefix="bench-work-") as tmp:
        store, hub, hall = _hall(f"sqlite:///{tmp}/work.db")
        cpu = 0.0
        for b in range(batches + 1):
            started = time.process_time()
            _issue_batch(hub, hall, BATCH, f"k{b}")
            if b:
                cpu += time.process_time() - started
        store.dispose()
    per_ticket_ms = cpu * 1000 / (batches * BATCH)
    ceiling = 1000 / per_ticket_ms
    return {
        "batch": BATCH,
        "tickets": batches * BATCH,
        "cpu_ms_per_ticket": round(per_ticket_ms, 3),
        "tickets_per_s_ceiling": round(ceiling),
        "p99_floor_ms_at_64": round(64 * 1000 / ceiling, 1),
    }


def durability(batches: int) -> list[dict[str, Any]]:
    """Wall-clock ms per commit and tickets/s, per fsync level and batch size."""
    rows = []
    for synchronous in ("NORMAL", "FULL"):
        for size in (1, BATCH):
            with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
                store, hub, hall = _hall(f"sqlite:///{tmp}/sync.db", synchronous)
                _issue_batch(hub, hall, size, "warm")
                started = time.perf_counter()
                for b in range(batches):
                    _issue_batch(hub, hall, size, f"k{b}")
                wall = time.perf_counter() - started
                store.dispose()
            rows.append(
                {
                    "synchronous": synchronous,
                    "batch": size,
                    "ms_per_commit": round(wall * 1000 / batches, 2),
                    "tickets_per_s": round(batches * size / wall),
                }
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--durability", action="store_true", help="fsync levels, wall clock")
    args = parser.parse_args()
    figures = durability(args.batches) if args.durability else work_floor(args.batches)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
