"""The setups scripts/bench measures, each started and yielded as a `Target`.

- `bare`: scripts/bare_app.py, a bare Starlette endpoint and websocket broadcast;
- `floor`: scripts/floor_ws.py, a socket-only writer (no ASGI), for the displays;
- `bare_stack`: bare_app.py with our libraries imported, for memory;
- `ours`: `queue-server serve` processes (tests/live.py's LiveServer, as the
  tests run it): issuing through every one, displays on the last, calls
  through the first, on a hall whose queue stays BACKLOG long;
- PostgreSQL + Redis: a schema of its own, dropped at the end.
"""

import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.live import LiveServer, free_port  # noqa: E402 (the tests' own harness)

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ISSUE_BODY = {"service": "HZ-SFZ-HL"}
BACKLOG = 20  # tickets waiting in the call-to-screen hall, as in a busy hour


@dataclass
class Target:
    """One setup, running: where to issue, where displays listen, how to call."""

    name: str
    servers: list[tuple[int, str]]  # (port, base URL)
    pids: list[int]  # server processes; the last holds the displays
    prepare: Callable[[int], tuple[str, str]]  # clients -> (issue path, kiosk token)
    ws_url: str
    call: Callable[[], Awaitable[None]]
    after: Callable[[], Awaitable[int | None]]  # between calls; the seq to drain to
    issues: bool = True  # measured at issuing too (the socket-only floor is not)


@asynccontextmanager
async def ours(name: str, servers: list[LiveServer]) -> AsyncIterator[Target]:
    """Issuing through every server; displays on the last, calls through the first."""
    first, last = servers[0], servers[-1]

    def prepare(clients: int) -> tuple[str, str]:
        hall = f"issue{clients}"  # a fresh hall each level: the queue starts empty
        return f"/api/halls/{hall}/tickets", first.setup_hall(hall, windows=3)["kiosk"]

    tokens = first.setup_hall("screen", windows=1)
    first.api("POST", "/api/halls/screen/windows/1/open", token=tokens["window-1"])
    window = {"Authorization": f"Bearer {tokens['window-1']}"}
    kiosk = {"Authorization": f"Bearer {tokens['kiosk']}"}
    display = {"Authorization": f"Bearer {tokens['display']}"}
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as http:

        async def post(path: str, **kwargs: Any) -> httpx.Response:
            reply = await http.post(f"/api/halls/screen/{path}", **kwargs)
            if reply.status_code >= 300:
                raise RuntimeError(f"{path}: {reply.status_code} {reply.text[:300]}")
            return reply

        async def issue() -> None:
            key = {"Idempotency-Key": secrets.token_hex(8)}
            await post("tickets", json=ISSUE_BODY, headers=kiosk | key)

        async def call() -> None:
            if (await post("windows/1/call-next", headers=window)).status_code != 200:
                raise RuntimeError("call-next found nobody to call")

        async def after() -> int:
            for action in ("start", "finish"):
                await post(f"windows/1/{action}", headers=window)
            await issue()  # the queue stays BACKLOG long
            board = await http.get("/api/halls/screen/board", headers=display)
            return int(board.json()["seq"])

        for _ in range(BACKLOG):
            await issue()
        yield Target(
            name=name,
            servers=[(s.port, s.url) for s in servers],
            pids=[s.process.pid for s in servers if s.process],
            prepare=prepare,
            ws_url=f"{last.ws_url}/ws/halls/screen/board?token={tokens['display']}",
            call=call,
            after=after,
        )


@asynccontextmanager
async def floor(name: str, script: str, tmp: Path, *args: str) -> AsyncIterator[Target]:
    """A floor to compare with (scripts/bare_app.py or scripts/floor_ws.py): displays at
    /ws, `POST /broadcast` sends one message to each, `/tickets` (bare only) issues."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / script), "--port", str(port), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(url, process)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:

            async def call() -> None:
                (await http.post("/broadcast")).raise_for_status()

            async def after() -> None:
                return None

            yield Target(
                name=name,
                servers=[(port, url)],
                pids=[process.pid],
                prepare=lambda _clients: ("/tickets", ""),
                ws_url=f"ws://127.0.0.1:{port}/ws",
                call=call,
                after=after,
                issues=name == "bare",
            )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


def pg_and_redis() -> str | None:
    """None when both answer; else why not."""
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_URL} unreachable: {str(exc).splitlines()[0]}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} unreachable: {exc}"
    finally:
        client.close()
    return None


def pg_schema(stack: AsyncExitStack) -> str:
    """A fresh schema, dropped when `stack` closes; the server URL that uses it."""
    schema = "bench_" + secrets.token_hex(4)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")

    stack.callback(drop)
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}?options=-csearch_path%3D{schema}"


def start(stack: AsyncExitStack, server: LiveServer) -> LiveServer:
    stack.callback(server.stop)
    return server.start()


async def start_setups(
    stack: AsyncExitStack, setups: set[str], tmp: Path
) -> tuple[list[Target], dict[str, str]]:
    """Start the setups asked for (any of bare, floor, stack, ours, pg), to be stopped when `stack`
    closes; the targets, and the setups skipped with the reason."""
    found: list[Target] = []
    skipped: dict[str, str] = {}
    if "bare" in setups:
        found.append(await stack.enter_async_context(floor("bare", "bare_app.py", tmp)))
    if "floor" in setups:
        found.append(await stack.enter_async_context(floor("floor", "floor_ws.py", tmp)))
    if "stack" in setups:
        stacked = floor("bare_stack", "bare_app.py", tmp, "--with-stack")
        found.append(await stack.enter_async_context(stacked))
    if "ours" in setups:
        server = start(stack, LiveServer(f"sqlite:///{tmp}/bench.db", tmp))
        found.append(await stack.enter_async_context(ours("ours", [server])))
    if "pg" in setups:
        if (problem := pg_and_redis()) is None:
            url = pg_schema(stack)
            pair = [start(stack, LiveServer(url, tmp, redis_url=REDIS_URL)) for _ in range(2)]
            found.append(await stack.enter_async_context(ours("ours_pg_redis_2proc", pair)))
        else:
            skipped["ours_pg_redis_2proc"] = problem
    return found, skipped
