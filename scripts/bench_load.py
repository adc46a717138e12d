"""Ticket issuing load for scripts/bench: wrk when installed, else an httpx client.

`wrk` (C, epoll) drives the server from its own process with
scripts/bench_issue.lua: each request carries the kiosk token and an
Idempotency-Key of its own, and the script reports requests, non-2xx answers
and latency percentiles from wrk's histogram. One wrk thread per server
process (thread i sends to server i), so one histogram covers both servers
of a two-process setup. Without wrk, `httpx_issuing` runs the same load from
this process (asyncio): it measures the client too, and says so.

Both answer the same shape: clients, driver, requests, per_s, p50/p99/max
in ms, non2xx (with a sample) and socket errors. A figure with non-2xx
answers or socket errors is not a figure; the benchmark reports it as an error.
"""

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

LUA = Path(__file__).resolve().with_name("bench_issue.lua")
MARK = "BENCH-WRK "


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version(path: str) -> str:
    done = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of a non-empty list."""
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(share * len(data)) - 1))]


async def wrk_issuing(
    wrk: str,
    ports: list[int],
    path: str,
    token: str,
    body: dict[str, Any],
    clients: int,
    seconds: float,
) -> dict[str, Any]:
    """`clients` connections for `seconds`, spread over the servers at `ports`."""
    threads = max(1, min(clients, len(ports)))
    env = os.environ | {
        "BENCH_PORTS": ",".join(str(p) for p in ports),
        "BENCH_TOKEN": token,
        "BENCH_BODY": json.dumps(body),
        "BENCH_KEY_PREFIX": "bench-" + secrets.token_hex(6),
    }
    process = await asyncio.create_subprocess_exec(
        wrk,
        f"-t{threads}",
        f"-c{clients}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{ports[0]}{path}",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), seconds + 60)
    finally:
        if process.returncode is None:  # timed out or interrupted: leave no wrk behind
            process.kill()
            await process.wait()
    return parse_wrk(out.decode(errors="replace"), err.decode(errors="replace"), clients)


def parse_wrk(stdout: str, stderr: str, clients: int) -> dict[str, Any]:
    """The figures from the line bench_issue.lua's done() prints."""
    line = next((x for x in stdout.splitlines() if x.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no results: {(stderr or stdout)[-500:]}")
    raw = json.loads(line[len(MARK) :])
    seconds = raw["duration_us"] / 1e6
    return {
        "clients": clients,
        "driver": "wrk",
        "seconds": round(seconds, 2),
        "requests": raw["requests"],
        "per_s": round(raw["requests"] / seconds) if seconds else 0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "non2xx": raw["non2xx"],
        "non2xx_sample": f"{raw['non2xx_statuses'].strip()} {raw['non2xx_sample']}".strip(),
        "socket_errors": sum(raw["socket_errors"].values()),
    }


async def httpx_issuing(
    urls: list[str],
    path: str,
    token: str,
    body: dict[str, Any],
    clients: int,
    seconds: float,
    most: int = 5000,
) -> dict[str, Any]:
    """The fallback: `clients` asyncio kiosks in this process, for `seconds` or `most` tickets."""
    latencies: list[float] = []
    remaining = [most]
    non2xx: list[str] = []
    errors = [0]
    prefix = "bench-" + secrets.token_hex(6)
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def kiosk(http: httpx.AsyncClient) -> None:
        while remaining[0] > 0 and time.perf_counter() < deadline:
            remaining[0] -= 1
            key = f"{prefix}-{remaining[0]}"
            t0 = time.perf_counter()
            try:
                reply = await http.post(path, json=body, headers=headers | {"Idempotency-Key": key})
            except httpx.HTTPError:
                errors[0] += 1
                continue
            latencies.append(time.perf_counter() - t0)
            if not 200 <= reply.status_code < 300:
                non2xx.append(f"{reply.status_code} {reply.text[:200]}")

    per_url = max(1, clients // len(urls))
    limits = httpx.Limits(max_connections=per_url, max_keepalive_connections=per_url)
    https = [httpx.AsyncClient(base_url=u, limits=limits, timeout=10) for u in urls]
    start = time.perf_counter()
    try:
        await asyncio.gather(*(kiosk(https[i % len(https)]) for i in range(clients)))
    finally:
        elapsed = time.perf_counter() - start
        for http in https:
            await http.aclose()
    return {
        "clients": clients,
        "driver": "httpx",
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "per_s": round(len(latencies) / elapsed) if elapsed else 0,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 2) if latencies else None,
        "non2xx": len(non2xx),
        "non2xx_sample": non2xx[0] if non2xx else "",
        "socket_errors": errors[0],
    }
