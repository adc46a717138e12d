"""`scripts/bench --growth`: what each hot path costs as the queue grows.

One server process on SQLite (`queue-server serve`, as the tests start it)
for each queue length (100, 1,000, 5,000 and 20,000 waiting by default), each
with its own database, all running at once. Each hall of 16 open windows is
filled over HTTP with that many tickets (the catalogue's walk-in items, a
fifth of them green channel); then, in rounds that take the lengths in turn
(a new order each round, so a slow spell of the machine falls on all),
through the same HTTP API the devices use:
- issue: a ticket machine's request (its holder then cancels it: the length stays);
- status read: a holder's page polling a ticket in the middle of the queue;
- call-next: a window's call (then a no-show and a new ticket keep the length);
- call-to-screen: from the call request to `ticket.called` at 100 displays
  (a worker process per length, scripts/bench_displays.py).
Prints the medians and p90s with each median as a multiple of the shortest
queue's, writes var/growth.json and var/growth.png; judges nothing.

    scripts/bench --growth [--sizes 100 1000 5000 20000] [--rounds 10] [--displays 100]
"""

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import matplotlib

matplotlib.use("Agg")  # before pyplot: no display
import matplotlib.pyplot as plt
from bench_displays import DisplayFleet
from bench_setups import ROOT, start
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(ROOT))
from contextlib import AsyncExitStack

from queue_server import catalogue
from tests.live import LiveServer

WINDOWS = 16
ACTIONS = ("issue", "status read", "call-next", "call-to-screen")


class Hall:
    """One hall of the run, filled to a queue length, and its devices' requests."""

    def __init__(self, server: LiveServer, http: httpx.AsyncClient, name: str) -> None:
        self.name, self.http = name, http
        self.tokens = server.setup_hall(name, windows=WINDOWS)
        self.items = [c for c, s in catalogue.load().services.items() if s.walk_in]
        self.draw = random.Random(7)
        self.calls = 0
        self.waiting: dict[str, None] = {}  # the waiting tickets' ids, oldest first

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def post(self, path: str, role: str, **kwargs: Any) -> httpx.Response:
        reply = await self.http.post(
            f"/api/halls/{self.name}/{path}", headers=self.auth(role), **kwargs
        )
        if reply.status_code >= 300:
            raise RuntimeError(f"{path}: {reply.status_code} {reply.text[:300]}")
        return reply

    async def issue(self) -> str:
        body: dict[str, Any] = {"service": self.draw.choice(self.items)}
        if self.draw.random() < 0.2:
            body["priority"] = "military"  # claimed green channel
        reply = await self.post("tickets", "kiosk", json=body)
        ticket = str(reply.json()["id"])
        self.waiting[ticket] = None
        return ticket

    async def fill(self, size: int) -> None:
        for n in range(1, WINDOWS + 1):
            await self.post(f"windows/{n}/open", f"window-{n}")
        for start_at in range(0, size, 64):
            await asyncio.gather(*(self.issue() for _ in range(min(64, size - start_at))))

    async def call(self, window: int) -> None:
        reply = await self.post(f"windows/{window}/call-next", f"window-{window}")
        self.calls += 1  # each call is one `ticket.called` at the displays
        self.waiting.pop(reply.json()["ticket"]["id"])

    async def next_turn(self, window: int) -> int:
        """After a call: the visitor is a no-show, a new one comes; the board's seq."""
        await self.post(f"windows/{window}/no-show", f"window-{window}")
        await self.issue()
        board = await self.http.get(f"/api/halls/{self.name}/board", headers=self.auth("display"))
        return int(board.json()["seq"])


async def timed(action: Callable[[], Awaitable[object]], repeat: int) -> list[float]:
    found = []
    for _ in range(repeat):
        started = time.perf_counter()
        await action()
        found.append((time.perf_counter() - started) * 1000)
    return found


class Length:
    """One queue length: its own server, database, hall and displays."""

    def __init__(self, size: int, hall: Hall, server: LiveServer, fleet: DisplayFleet) -> None:
        self.size, self.hall, self.server, self.fleet = size, hall, server, fleet
        self.figures: dict[str, list[float]] = {action: [] for action in ACTIONS}

    async def issue_and_cancel(self) -> None:
        """A timed ticket; its holder then cancels it, so the length stays."""
        started = time.perf_counter()
        ticket = await self.hall.issue()
        self.figures["issue"].append((time.perf_counter() - started) * 1000)
        await self.hall.http.post(f"/api/tickets/{ticket}/cancel")
        del self.hall.waiting[ticket]

    async def round(self, args: argparse.Namespace) -> None:
        """A share of every action's samples; rounds alternate the lengths."""
        hall = self.hall
        middle = list(hall.waiting)[len(hall.waiting) // 2]  # waiting, whatever was called
        for _ in range(args.repeat):
            await self.issue_and_cancel()
        self.figures["status read"] += await timed(
            lambda: hall.http.get(f"/api/tickets/{middle}"), args.repeat
        )
        for n in range(args.repeat // 2):
            window = n % WINDOWS + 1
            self.figures["call-next"] += await timed(lambda w=window: hall.call(w), 1)  # type: ignore[misc]
            await hall.next_turn(window)
        for n in range(args.calls):
            window = n % WINDOWS + 1
            t0 = time.monotonic()
            await hall.call(window)
            arrivals, _ = await self.fleet.arrivals(hall.calls)
            self.figures["call-to-screen"] += [(t - t0) * 1000 for t in arrivals]
            await self.fleet.drained(await hall.next_turn(window))


async def open_length(stack: AsyncExitStack, size: int, args: argparse.Namespace) -> Length:
    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="growth-"))
    server = start(stack, LiveServer(f"sqlite:///{tmp}/growth.db", Path(tmp)))
    http = await stack.enter_async_context(httpx.AsyncClient(base_url=server.url, timeout=60))
    hall = Hall(server, http, "growth")
    url = f"{server.ws_url}/ws/halls/{hall.name}/board?token={hall.tokens['display']}"
    fleet = DisplayFleet(url, args.displays, max_workers=1)
    stack.push_async_callback(fleet.close)
    await fleet.start()
    length = Length(size, hall, server, fleet)
    await hall.fill(size)
    # One untimed call first: the displays' first message of a run is not timed.
    await hall.call(1)
    await fleet.arrivals(hall.calls)
    await fleet.drained(await hall.next_turn(1))
    return length


async def run(args: argparse.Namespace) -> dict[int, dict[str, list[float]]]:
    """Every length's server runs at once; each round measures them in turn
    (in a new order each round), so a slow spell of the machine falls on all."""
    async with AsyncExitStack() as stack:
        lengths = [await open_length(stack, size, args) for size in args.sizes]
        order = random.Random(11)
        for _ in range(args.rounds):
            for length in order.sample(lengths, len(lengths)):
                await length.round(args)
        return {length.size: length.figures for length in lengths}


def report(results: dict[int, dict[str, list[float]]], out: Path) -> None:
    sizes = sorted(results)
    table = Table(
        title="cost by queue length, over HTTP (ms: median / p90, × the shortest queue's)"
    )
    table.add_column("action")
    for size in sizes:
        table.add_column(f"{size:,} waiting", justify="right")
    summary: dict[str, Any] = {}
    for action in ACTIONS:
        base = statistics.median(results[sizes[0]][action])
        cells, medians = [], []
        for size in sizes:
            times = sorted(results[size][action])
            median, p90 = statistics.median(times), times[int(len(times) * 0.9)]
            medians.append(median)
            cells.append(f"{median:.2f} / {p90:.2f}  ×{median / base:.2f}")
        table.add_row(action, *cells)
        summary[action] = {str(s): round(m, 3) for s, m in zip(sizes, medians, strict=True)}
    Console().print(table)
    out.mkdir(parents=True, exist_ok=True)
    (out / "growth.json").write_text(json.dumps({"median_ms": summary}, indent=2))
    figure, axes = plt.subplots(figsize=(7, 4))
    for action in ACTIONS:
        axes.plot(sizes, list(summary[action].values()), marker="o", label=action)
    axes.set_xscale("log")
    axes.set_ylim(bottom=0)
    axes.set_xlabel("tickets waiting")
    axes.set_ylabel("median ms")
    axes.set_title("cost by queue length (one process, SQLite)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(out / "growth.png", dpi=120)
    print(f"figures written to {out / 'growth.json'} and {out / 'growth.png'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--growth", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000, 20000])
    parser.add_argument("--rounds", type=int, default=10, help="rounds over every length")
    parser.add_argument(
        "--repeat", type=int, default=40, help="issues and status reads per length and round"
    )
    parser.add_argument("--calls", type=int, default=4, help="timed calls per length and round")
    parser.add_argument("--displays", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("var"))
    args = parser.parse_args(argv)
    report(asyncio.run(run(args)), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
