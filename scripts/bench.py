"""Benchmark the real server over loopback against what the framework does at all.

Starts the servers it measures (uvicorn, as scripts/serve runs it) in
subprocesses, drives them from this process, prints tables and writes every
figure as JSON; then stops everything it started. Loops are bounded in count
and time. Setups:
- `ours`: one server process on SQLite (the embedded default);
- `bare`: a bare Starlette endpoint and a bare websocket broadcast
  (scripts/bare_app.py), so each figure is also a ratio to the framework;
- `ours-pg`: two server processes on PostgreSQL + Redis, when both are
  reachable (clients split over both; displays on B, calls through A).

    scripts/bench [--quick] [--json var/bench.json] [--skip-pg]
"""

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
from rich.console import Console
from rich.table import Table
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.live import LiveServer, free_port  # noqa: E402 (the tests' own harness)

console = Console()
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ISSUE_BODY = {"service": "HZ-SFZ-HL"}
ISSUING = ((1, 500), (16, 1000), (64, 1000))  # (concurrent clients, tickets)
SCREENS = ((1, 200), (100, 100), (1000, 50))  # (displays, calls)


def percentile(values: list[float], share: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(share * len(data)) - 1))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- measurements


async def issuing(
    urls: list[str],
    path: str,
    headers: dict[str, str],
    clients: int,
    total: int,
    limit_s: float = 30.0,
) -> dict[str, Any]:
    """`clients` concurrent kiosks (spread over `urls`) issue `total` tickets."""
    latencies: list[float] = []
    remaining = [total]
    deadline = time.perf_counter() + limit_s

    async def kiosk(http: httpx.AsyncClient) -> None:
        while remaining[0] > 0 and time.perf_counter() < deadline:
            remaining[0] -= 1
            t0 = time.perf_counter()
            reply = await http.post(path, json=ISSUE_BODY, headers=headers)
            latencies.append(time.perf_counter() - t0)
            assert reply.status_code == 201, reply.text

    per_url = max(1, clients // len(urls))
    limits = httpx.Limits(max_connections=per_url, max_keepalive_connections=per_url)
    https = [httpx.AsyncClient(base_url=u, limits=limits, timeout=60) for u in urls]
    start = time.perf_counter()
    await asyncio.gather(*(kiosk(https[i % len(https)]) for i in range(clients)))
    elapsed = time.perf_counter() - start
    for http in https:
        await http.aclose()
    return {
        "clients": clients,
        "tickets": len(latencies),
        "per_s": round(len(latencies) / elapsed),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


async def call_to_screen(
    ws_url: str,
    call: Callable[[], Awaitable[None]],
    after: Callable[[], Awaitable[None]],
    displays: int,
    calls: int,
    pid: int | None,
) -> dict[str, Any]:
    """Latency from the call request to `ticket.called` arriving at every display."""
    sockets: list[ClientConnection] = []
    for _ in range(displays):
        ws = await connect(ws_url, max_size=2**22, open_timeout=60)
        await ws.recv()  # the snapshot
        sockets.append(ws)
    rss = rss_mb(pid) if pid else float("nan")
    latencies: list[float] = []
    for _ in range(calls):
        arrivals = [asyncio.create_task(_until_called(ws)) for ws in sockets]
        t0 = time.perf_counter()
        await call()
        latencies += [t - t0 for t in await asyncio.gather(*arrivals)]
        await after()
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
    while True:
        text = await asyncio.wait_for(ws.recv(), 60)
        if isinstance(text, str) and '"ticket.called"' in text[:40]:
            return time.perf_counter()


# ---------------------------------------------------------------- setups


async def bench_ours(servers: list[LiveServer], scale: Callable[[int], int]) -> dict[str, Any]:
    """Issuing through every server; displays on the last, calls through the first."""
    first, last = servers[0], servers[-1]
    results: dict[str, Any] = {"issuing": [], "call_to_screen": []}
    for clients, total in ISSUING:
        hall = f"issue{clients}"  # a fresh hall each time: the queue starts empty
        tokens = first.setup_hall(hall, windows=3)
        path = f"/api/halls/{hall}/tickets"
        auth = {"Authorization": f"Bearer {tokens['kiosk']}"}
        urls = [s.url for s in servers]
        results["issuing"].append(await issuing(urls, path, auth, clients, scale(total)))
    tokens = first.setup_hall("screen", windows=1)
    window = {"Authorization": f"Bearer {tokens['window-1']}"}
    first.api("POST", "/api/halls/screen/windows/1/open", token=tokens["window-1"])
    async with httpx.AsyncClient(base_url=first.url, timeout=60) as http:

        async def call() -> None:
            reply = await http.post("/api/halls/screen/windows/1/call-next", headers=window)
            assert reply.status_code == 200, reply.text

        async def after() -> None:
            for action in ("start", "finish"):
                await http.post(f"/api/halls/screen/windows/1/{action}", headers=window)
            await http.post(
                "/api/halls/screen/tickets",
                json=ISSUE_BODY,
                headers={"Authorization": f"Bearer {tokens['kiosk']}"},
            )

        await after()  # the first ticket to call
        ws_url = f"{last.ws_url}/ws/halls/screen/board?token={tokens['display']}"
        pid = last.process.pid if last.process else None
        for displays, calls in SCREENS:
            n = displays if displays == 1 else scale(displays)
            results["call_to_screen"].append(
                await call_to_screen(ws_url, call, after, n, scale(calls), pid)
            )
    return results


async def bench_bare(scale: Callable[[int], int]) -> dict[str, Any]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(ROOT / "scripts"),
            "bare_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url)
        results: dict[str, Any] = {"issuing": [], "call_to_screen": []}
        for clients, total in ISSUING:
            results["issuing"].append(await issuing([url], "/tickets", {}, clients, scale(total)))
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:

            async def call() -> None:
                await http.post("/broadcast")

            async def after() -> None:
                return None

            for displays, calls in SCREENS:
                n = displays if displays == 1 else scale(displays)
                results["call_to_screen"].append(
                    await call_to_screen(
                        f"ws://127.0.0.1:{port}/ws", call, after, n, scale(calls), process.pid
                    )
                )
        return results
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


def _pg_and_redis() -> bool:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            pass
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except (psycopg.Error, redis.RedisError):
        return False


# ---------------------------------------------------------------- report


def ratios(ours: dict[str, Any], bare: dict[str, Any]) -> None:
    for mine, floor in zip(ours["issuing"], bare["issuing"], strict=True):
        mine["of_bare"] = round(mine["per_s"] / floor["per_s"], 3) if floor["per_s"] else None
    for mine, floor in zip(ours["call_to_screen"], bare["call_to_screen"], strict=True):
        mine["x_bare_p99"] = round(mine["p99_ms"] / floor["p99_ms"], 2) if floor["p99_ms"] else None


def table(title: str, rows: list[dict[str, Any]]) -> Table:
    out = Table(title=title)
    for key in rows[0]:
        out.add_column(key, justify="right")
    for row in rows:
        out.add_row(*(str(v) for v in row.values()))
    return out


async def run(quick: bool, skip_pg: bool) -> dict[str, Any]:
    scale: Callable[[int], int] = (lambda n: max(1, n // 10)) if quick else (lambda n: n)
    results: dict[str, Any] = {"cpus": os.cpu_count(), "quick": quick}
    results["bare"] = await bench_bare(scale)
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(f"sqlite:///{tmp}/bench.db", Path(tmp)).start()
        try:
            results["ours"] = await bench_ours([server], scale)
        finally:
            server.stop()
        ratios(results["ours"], results["bare"])
        if not skip_pg and _pg_and_redis():
            schema = "bench_" + secrets.token_hex(4)
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            url = (
                PG_URL.replace("postgresql://", "postgresql+psycopg://")
                + f"?options=-csearch_path%3D{schema}"
            )
            pair = [LiveServer(url, Path(tmp), redis_url=REDIS_URL).start() for _ in range(2)]
            try:
                results["ours_pg_redis_2proc"] = await bench_ours(pair, scale)
            finally:
                for s in pair:
                    s.stop()
                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the work (smoke run)")
    parser.add_argument("--skip-pg", action="store_true", help="SQLite and bare only")
    parser.add_argument("--json", type=Path, default=Path("var/bench.json"))
    args = parser.parse_args()
    socket.setdefaulttimeout(60)
    results = asyncio.run(run(args.quick, args.skip_pg))
    for name in ("ours", "bare", "ours_pg_redis_2proc"):
        if name in results:
            console.print(table(f"{name}: ticket issuing", results[name]["issuing"]))
            console.print(table(f"{name}: call-to-screen", results[name]["call_to_screen"]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    console.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
