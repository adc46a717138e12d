"""Benchmark the real server over loopback: ticket issuing and call-to-screen.

Starts `queue-server serve` (uvicorn, as scripts/serve does) in a subprocess
on a fresh SQLite database, drives it from this process, prints a table and
writes the figures as JSON. Every loop is bounded in count and time.

    scripts/bench [--quick] [--json var/bench.json]
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live import LiveServer

console = Console()


def percentile(values: list[float], share: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(share * len(data)) - 1))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def issuing(
    server: LiveServer, kiosk: str, clients: int, total: int, limit_s: float
) -> dict[str, Any]:
    """`clients` concurrent kiosks issue up to `total` tickets (or stop at `limit_s`)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + limit_s
    remaining = [total]
    headers = {"Authorization": f"Bearer {kiosk}"}

    async def kiosk_loop(http: httpx.AsyncClient) -> None:
        while remaining[0] > 0 and time.perf_counter() < deadline:
            remaining[0] -= 1
            t0 = time.perf_counter()
            r = await http.post(
                "/api/halls/bench/tickets", json={"service": "HZ-SFZ-HL"}, headers=headers
            )
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 201, r.text

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as http:
        start = time.perf_counter()
        await asyncio.gather(*(kiosk_loop(http) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "requests": len(latencies),
        "per_s": round(len(latencies) / elapsed),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


async def call_to_screen(
    server: LiveServer, tokens: dict[str, str], displays: int, calls: int
) -> dict[str, Any]:
    """Latency from the call-next request to `ticket.called` at every display."""
    url = f"{server.ws_url}/ws/halls/screen/board?token={tokens['display']}"
    sockets: list[ClientConnection] = []
    for _ in range(displays):
        ws = await connect(url, max_size=2**22, open_timeout=30)
        await ws.recv()  # the snapshot
        sockets.append(ws)
    rss = rss_mb(server.process.pid) if server.process else float("nan")
    window = {"Authorization": f"Bearer {tokens['window-1']}"}
    kiosk = {"Authorization": f"Bearer {tokens['kiosk']}"}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for _ in range(calls):
            await http.post(
                "/api/halls/screen/tickets", json={"service": "HZ-SFZ-HL"}, headers=kiosk
            )
            t0 = time.perf_counter()
            arrivals = [asyncio.create_task(_until_called(ws)) for ws in sockets]
            call = await http.post("/api/halls/screen/windows/1/call-next", headers=window)
            assert call.status_code == 200, call.text
            latencies += [t - t0 for t in await asyncio.gather(*arrivals)]
            for action in ("start", "finish"):
                await http.post(f"/api/halls/screen/windows/1/{action}", headers=window)
    await asyncio.gather(*(ws.close() for ws in sockets))
    return {
        "displays": displays,
        "calls": calls,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
        "server_rss_mb": round(rss, 1),
    }


async def _until_called(ws: ClientConnection) -> float:
    """The arrival time of the next `ticket.called` on this socket."""
    while True:
        text = await asyncio.wait_for(ws.recv(), 30)
        if isinstance(text, str) and '"ticket.called"' in text[:40]:
            return time.perf_counter()


def table(title: str, rows: list[dict[str, Any]]) -> Table:
    out = Table(title=title)
    for key in rows[0]:
        out.add_column(key, justify="right")
    for row in rows:
        out.add_row(*(str(v) for v in row.values()))
    return out


async def run(quick: bool) -> dict[str, Any]:
    scale: Callable[[int], int] = (lambda n: max(1, n // 10)) if quick else (lambda n: n)
    results: dict[str, Any] = {"machine": {"cpus": _cpus()}}
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(f"sqlite:///{tmp}/bench.db", Path(tmp)).start()
        try:
            tokens = server.setup_hall("bench", windows=1)
            results["issuing"] = [
                await issuing(server, tokens["kiosk"], c, scale(n), 20.0)
                for c, n in ((1, 500), (16, 2000), (64, 3000))
            ]
            # A hall of its own, with an empty queue: call-next takes each new ticket.
            screen = server.setup_hall("screen", windows=1)
            server.api("POST", "/api/halls/screen/windows/1/open", token=screen["window-1"])
            results["call_to_screen"] = [
                await call_to_screen(server, screen, scale(d) if d > 1 else 1, scale(c))
                for d, c in ((1, 200), (100, 100), (1000, 50))
            ]
        finally:
            server.stop()
    return results


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the work (smoke run)")
    parser.add_argument("--json", type=Path, default=Path("var/bench.json"))
    args = parser.parse_args()
    results = asyncio.run(run(args.quick))
    console.print(table("ticket issuing (SQLite, one server process)", results["issuing"]))
    console.print(
        table("call-to-screen (ticket.called at every display)", results["call_to_screen"])
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    console.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
