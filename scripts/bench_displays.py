"""Display websockets for scripts/bench, spread over several client processes.

One Python process cannot receive a broadcast to 1,000 sockets quickly enough
to time it: it would measure its own event loop. So `DisplayFleet` (used by
the benchmark, in its asyncio loop) starts a few worker processes, this
module run as a script, each holding a share of the displays. A worker
connects its share, then on every message notes `time.monotonic()` at once
(CLOCK_MONOTONIC is system-wide on Linux, so the benchmark compares it with
its own stamp of the call request) and answers commands, one JSON object a
line on stdin (with an "id", echoed), with one JSON line on stdout:

    {"called": n, "timeout": s}  -> {"arrivals": [...], "missing": m}
        the arrival times of the n-th `ticket.called` at each display
    {"seq": s, "timeout": s}     -> {"missing": m}
        once every display has seen an event with seq >= s (drained)
    {"close": true}              -> {"lagged": l, "closed": c}, then exits

A display the server dropped (it sends a fresh snapshot to a laggard) or
closed is left out of later waits and counted in `lagged` / `closed`; a wait
that times out answers the displays still missing. A worker exits when its
stdin closes, so none outlives the benchmark.

    python scripts/bench_displays.py WS_URL COUNT   (a worker; the fleet starts them)
"""

import asyncio
import contextlib
import json
import math
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

WORKER = Path(__file__).resolve()
CONNECTING = 50  # handshakes in flight per worker
PER_WORKER = 125  # displays per worker, up to `max_workers`
# The feed's and the bare broadcast's messages start {"type": "...", "seq": N
HEAD = re.compile(r'\{\s*"type"\s*:\s*"([^"]+)"\s*,\s*"seq"\s*:\s*(-?\d+)')


def head(text: str) -> tuple[str, int | None]:
    """A message's type and seq, cheaply from its start; json when it is laid out otherwise."""
    found = HEAD.match(text)
    if found:
        return found[1], int(found[2])
    try:
        message = json.loads(text)
    except ValueError:
        return "", None
    if not isinstance(message, dict):
        return "", None
    seq = message.get("seq")
    return str(message.get("type", "")), seq if isinstance(seq, int) else None


def shares(displays: int, max_workers: int) -> list[int]:
    """How many displays each worker holds: about PER_WORKER each, evenly."""
    workers = max(1, min(max_workers, math.ceil(displays / PER_WORKER), displays))
    return [displays // workers + (1 if i < displays % workers else 0) for i in range(workers)]


# ---------------------------------------------------------------- the worker


@dataclass(eq=False)
class Display:
    ws: ClientConnection
    seq: int
    called: list[float] = field(default_factory=list)
    lagged: bool = False
    closed: bool = False

    @property
    def out(self) -> bool:
        return self.lagged or self.closed


class Worker:
    def __init__(self) -> None:
        self.displays: list[Display] = []
        self.changed = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def connect(self, url: str, count: int) -> list[str]:
        """Connect `count` displays, each past its snapshot; the errors, if any."""
        gate = asyncio.Semaphore(CONNECTING)
        errors: list[str] = []

        async def one() -> None:
            async with gate:
                try:
                    ws = await connect(url, max_size=2**22, open_timeout=60, ping_interval=None)
                    kind, seq = head(str(await asyncio.wait_for(ws.recv(), 60)))
                except (OSError, TimeoutError, WebSocketException) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    return
                if kind != "snapshot":
                    errors.append(f"first message was {kind!r}, not a snapshot")
                    await ws.close()
                    return
                display = Display(ws, seq or 0)
                self.displays.append(display)
                self.tasks.append(asyncio.create_task(self.receive(display)))

        await asyncio.gather(*(one() for _ in range(count)))
        return errors

    async def receive(self, display: Display) -> None:
        try:
            async for message in display.ws:
                now = time.monotonic()  # first: parsing must not count against the server
                kind, seq = head(str(message))
                if kind == "ticket.called":
                    display.called.append(now)
                elif kind == "snapshot":  # the server dropped us as a laggard
                    display.lagged = True
                if seq is not None and seq > display.seq:
                    display.seq = seq
                self.changed.set()
        except ConnectionClosed:
            pass
        finally:
            display.closed = True
            self.changed.set()

    async def until(self, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)

    async def answer(self, command: dict[str, Any]) -> dict[str, Any]:
        timeout = float(command.get("timeout", 30))
        if "called" in command:
            n = int(command["called"])
            await self.until(
                lambda: all(d.out or len(d.called) >= n for d in self.displays), timeout
            )
            arrivals = [d.called[n - 1] for d in self.displays if len(d.called) >= n]
            return {"arrivals": arrivals, "missing": len(self.displays) - len(arrivals)}
        if "seq" in command:
            seq = int(command["seq"])
            await self.until(lambda: all(d.out or d.seq >= seq for d in self.displays), timeout)
            return {"missing": sum(1 for d in self.displays if not d.out and d.seq < seq)}
        return {"error": f"unknown command {command!r}"}

    async def close(self) -> dict[str, Any]:
        lagged = sum(1 for d in self.displays if d.lagged)
        closed = sum(1 for d in self.displays if d.closed and not d.lagged)
        await asyncio.gather(*(d.ws.close() for d in self.displays), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        return {"lagged": lagged, "closed": closed}


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def work(url: str, count: int) -> None:
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    worker = Worker()
    start = time.monotonic()
    errors = await worker.connect(url, count)
    say(
        {
            "ready": len(worker.displays),
            "errors": errors[:3],
            "failed": len(errors),
            "connect_s": time.monotonic() - start,
        }
    )
    pending: set[asyncio.Task[None]] = set()

    async def reply(command: dict[str, Any]) -> None:
        say(await worker.answer(command) | {"id": command.get("id")})

    while line := await commands.readline():
        command = json.loads(line)
        if command.get("close"):  # at once, even while a wait is under way
            for task in pending:
                task.cancel()
            say(await worker.close() | {"id": command.get("id")})
            return
        task = asyncio.create_task(reply(command))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await worker.close()  # the benchmark went away


def worker_main() -> None:
    url, count = sys.argv[1], int(sys.argv[2])
    try:
        import uvloop  # the leanest receiving loop there is: less of us in the figure
    except ImportError:
        asyncio.run(work(url, count))
    else:
        uvloop.run(work(url, count))


# ---------------------------------------------------------------- the fleet


class FleetError(RuntimeError):
    """A worker died or did not answer."""


class DisplayFleet:
    """`displays` websockets at `url`, spread over up to `max_workers` processes."""

    def __init__(self, url: str, displays: int, max_workers: int = 8) -> None:
        self.url = url
        self.shares = shares(displays, max_workers)
        self.workers: list[asyncio.subprocess.Process] = []
        self.connected = 0
        self.asked = 0  # commands sent; each answer carries its command's number

    async def start(self, timeout: float = 120) -> dict[str, Any]:
        """Start the workers and wait until every display has its snapshot."""
        start = time.monotonic()
        for count in self.shares:
            self.workers.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(WORKER),
                    self.url,
                    str(count),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
            )
        replies = await asyncio.gather(*(self._read(w, timeout) for w in self.workers))
        self.connected = sum(r["ready"] for r in replies)
        errors = [e for r in replies for e in r["errors"]]
        return {
            "connected": self.connected,
            "failed": sum(r["failed"] for r in replies),
            "errors": errors[:3],
            "workers": len(self.workers),
            "connect_s": round(time.monotonic() - start, 2),
        }

    async def arrivals(self, n: int, timeout: float = 30) -> tuple[list[float], int]:
        """When the n-th `ticket.called` reached each display; and how many it did not."""
        replies = await self._ask({"called": n, "timeout": timeout}, timeout + 10)
        return [t for r in replies for t in r["arrivals"]], sum(r["missing"] for r in replies)

    async def drained(self, seq: int, timeout: float = 30) -> int:
        """Wait until every display has seen event `seq`; how many had not by the timeout."""
        replies = await self._ask({"seq": seq, "timeout": timeout}, timeout + 10)
        return sum(int(r["missing"]) for r in replies)

    async def close(self) -> dict[str, int]:
        """Close every display and end the workers; displays dropped or closed on the way."""
        summary = {"lagged": 0, "closed": 0}
        try:
            if all(w.returncode is None for w in self.workers):
                for reply in await self._ask({"close": True}, 30):
                    summary["lagged"] += reply["lagged"]
                    summary["closed"] += reply["closed"]
        finally:
            for worker in self.workers:
                with contextlib.suppress(ProcessLookupError):
                    if worker.returncode is None and worker.stdin is not None:
                        worker.stdin.close()
                try:
                    await asyncio.wait_for(worker.wait(), 10)
                except TimeoutError:
                    worker.kill()
                    await worker.wait()
            self.workers = []
        return summary

    async def _ask(self, command: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
        """Every worker's answer to `command`; an answer to an earlier command that
        was given up (interrupted) is skipped."""
        self.asked += 1
        line = (json.dumps(command | {"id": self.asked}) + "\n").encode()
        for worker in self.workers:
            assert worker.stdin is not None
            worker.stdin.write(line)
        await asyncio.gather(*(w.stdin.drain() for w in self.workers if w.stdin))
        return list(await asyncio.gather(*(self._answer(w, timeout) for w in self.workers)))

    async def _answer(self, worker: asyncio.subprocess.Process, timeout: float) -> dict[str, Any]:
        while (reply := await self._read(worker, timeout)).get("id") != self.asked:
            pass
        return reply

    async def _read(self, worker: asyncio.subprocess.Process, timeout: float) -> dict[str, Any]:
        assert worker.stdout is not None and worker.stderr is not None
        try:
            line = await asyncio.wait_for(worker.stdout.readline(), timeout)
        except TimeoutError:
            raise FleetError(f"a display worker did not answer within {timeout:.0f} s") from None
        if not line:
            await worker.wait()
            trace = (await worker.stderr.read()).decode(errors="replace")[-1500:]
            raise FleetError(f"a display worker exited ({worker.returncode}): {trace}")
        reply: dict[str, Any] = json.loads(line)
        return reply


if __name__ == "__main__":
    worker_main()
