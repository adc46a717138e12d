"""One worker process of scripts/soak: the people and devices of a share of
the city's halls, in one asyncio loop.

Per hall: a kiosk issuing tickets (Poisson arrivals, an `Idempotency-Key`
each, retried on the other server when one fails), its windows' clerks
(call-next, start, finish on sped-up handling times), display websockets and
phones polling `GET /api/tickets/{id}`, and visitors who book a slot and check
in at the kiosk (scripts/soak_bookings.py). Every client has a home server and
moves to the other when its own fails.

Commands arrive one JSON object a line on stdin:

    {"fault": name, "t0": T, "seqs": {hall: seq}}   each display must get
        a message after T (CLOCK_MONOTONIC, system-wide) that brings it to
        its hall's seq: the time it took goes to the fault's recoveries
    {"cut": n, "t0": T}    cut n displays' sockets abruptly; they reconnect
    {"stop": true}         stop every client; answer the run's record, exit

    python scripts/soak_city.py CONFIG.json   (a worker; scripts/soak starts them)
"""

import asyncio
import contextlib
import json
import random
import secrets
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.bench_displays import head
from scripts.soak_bookings import Visitors

RETRY_FOR_S = 20  # a client gives an action up after this long
SERVICES = ["HZ-SFZ-HL", "HZ-SFZ-BL", "HZ-HJ-ZM", "CRJ-HZ-SC"]  # walk-in items


class Display:
    """One lobby screen: its seq as the feed rule (docs/feed.md) keeps it."""

    def __init__(self, hall: str, home: int) -> None:
        self.hall = hall
        self.home = home
        self.ws: ClientConnection | None = None
        self.seq = -1
        self.seq_t = 0.0  # when it reached that seq
        self.resyncing = False
        self.pending: dict[str, tuple[float, int]] = {}  # fault -> (t0, seq to reach)
        self.conn = 0  # connections made so far
        self.marked_conn = 0
        self.history: list[tuple[float, int]] | None = None  # (when, seq) since a fault began
        # The last connection's story: when it dropped, the next one opened, its snapshot came.
        self.lost_t = self.open_t = self.snap_t = 0.0


class City:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.rng = random.Random(config["seed"])
        self.running = True
        self.http = [
            httpx.AsyncClient(
                base_url=url,
                timeout=10,
                limits=httpx.Limits(max_connections=config.get("connections", 60)),
            )
            for url in config["servers"]
        ]
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.counts: Counter[str] = Counter()
        self.acked: dict[str, str] = {}  # idempotency key -> ticket id
        self.key_conflicts = 0  # one key answered with two tickets
        self.calls: list[tuple[str, str, int]] = []  # (ticket id, hall, window)
        self.recent: dict[str, deque[str]] = defaultdict(lambda: deque(maxlen=500))
        self.displays: list[Display] = []
        self.gaps: list[dict[str, Any]] = []
        self.recoveries: dict[str, list[float]] = defaultdict(list)
        self.phases: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        self.tasks: list[asyncio.Task[None]] = []
        self.visitors = Visitors(self, config.get("worker", 0), config.get("logs", []))
        self.window_counts: Counter[str] = Counter()  # counts when the fault's window began
        self.window_seen: dict[str, int] = {}  # latencies noted when it began, per action
        self.window_fault = "before_faults"
        self.during: dict[str, dict[str, int]] = {}  # what clients saw, fault by fault

    # ------------------------------------------------------------ requests

    async def request(
        self, action: str, client: list[int], method: str, path: str, token: str, **kw: Any
    ) -> httpx.Response | None:
        """Send to `client`'s home server (a one-element list), and to the other
        while it fails (no answer, or a 5xx), as a load balancer would; None if
        neither answered in time. The next request tries home again: a revived
        server gets its clients back."""
        headers = ({"Authorization": f"Bearer {token}"} if token else {}) | kw.pop("headers", {})
        start = time.monotonic()
        server = client[0]
        while self.running and time.monotonic() - start < RETRY_FOR_S:
            try:
                reply = await self.http[server].request(method, path, headers=headers, **kw)
            except (httpx.HTTPError, AttributeError):
                # AttributeError: anyio on uvloop, when a socket dies while it
                # connects (its transport has no socket left): a network fault.
                reply = None
            if reply is not None and reply.status_code < 500:
                self.latency[action].append((time.monotonic() - start) * 1000)
                return reply
            self.counts[f"{action}.retried"] += 1
            server = 1 - server
            await asyncio.sleep(0.1 + self.rng.random() * 0.2)
        self.counts[f"{action}.gave_up"] += 1
        return None

    # ------------------------------------------------------------ kiosk and phones

    async def kiosk(self, hall: dict[str, Any]) -> None:
        client = [self.rng.randrange(2)]
        rate = self.config["issue_per_s"]
        pending: set[asyncio.Task[None]] = set()
        while self.running:
            await asyncio.sleep(self.rng.expovariate(rate))
            task = asyncio.create_task(self.issue(hall, client))
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def issue(self, hall: dict[str, Any], client: list[int]) -> None:
        key = secrets.token_hex(12)
        body = {"service": self.rng.choice(SERVICES)}
        path = f"/api/halls/{hall['id']}/tickets"
        headers = {"Idempotency-Key": key}
        reply = await self.request(
            "issue", client, "POST", path, hall["tokens"]["kiosk"], json=body, headers=headers
        )
        if reply is None:
            return
        if reply.status_code not in (200, 201):
            self.counts[f"issue.{reply.status_code}"] += 1
            return
        ticket = reply.json()["id"]
        if self.acked.setdefault(key, ticket) != ticket:
            self.key_conflicts += 1
        self.recent[hall["id"]].append(ticket)

    async def phone(self, hall: dict[str, Any]) -> None:
        client = [self.rng.randrange(2)]
        every = self.config["phone_every_s"]
        await asyncio.sleep(self.rng.random() * every)
        while self.running:
            if tickets := self.recent[hall["id"]]:
                ticket = self.rng.choice(tickets)
                reply = await self.request("poll", client, "GET", f"/api/tickets/{ticket}", "")
                if reply is not None and reply.status_code != 200:
                    self.counts[f"poll.{reply.status_code}"] += 1
            await asyncio.sleep(every * (0.8 + 0.4 * self.rng.random()))

    # ------------------------------------------------------------ clerks

    async def clerk(self, hall: dict[str, Any], number: int) -> None:
        """A window's day, driven by the window's state: after any failure the
        clerk looks at the window again rather than repeating a call blindly."""
        client = [self.rng.randrange(2)]
        token = hall["tokens"][f"window-{number}"]
        base = f"/api/halls/{hall['id']}/windows/{number}"
        lo, hi = self.config["handling_s"]
        state = await self.window_state(client, base, token)
        while self.running:
            action = {"closed": "open", "open": "call-next", "calling": "start"}.get(
                state, "finish"
            )
            reply = await self.request(action, client, "POST", f"{base}/{action}", token)
            if reply is not None and reply.status_code == 204:  # nobody waits
                await asyncio.sleep(self.rng.uniform(2, 5))
                continue
            if reply is None or reply.status_code >= 300:
                if reply is not None:
                    self.counts[f"{action}.{reply.status_code}"] += 1
                state = await self.window_state(client, base, token)
                continue
            view = reply.json()
            state = view["window"]["state"]
            if action == "call-next":
                self.calls.append((view["ticket"]["id"], hall["id"], number))
                await asyncio.sleep(0.5 + self.rng.random())  # the visitor walks up
            elif action == "start":
                await asyncio.sleep(self.rng.uniform(lo, hi))

    async def window_state(self, client: list[int], base: str, token: str) -> str:
        while self.running:
            reply = await self.request("window", client, "GET", base, token)
            if reply is not None and reply.status_code == 200:
                return str(reply.json()["window"]["state"])
            await asyncio.sleep(0.5)
        return "closed"

    # ------------------------------------------------------------ displays

    async def display(self, display: Display, token: str) -> None:
        while self.running:
            url = self.config["servers"][display.home].replace("http", "ws", 1)
            try:
                async with connect(
                    f"{url}/ws/halls/{display.hall}/board?token={token}",
                    open_timeout=10,
                    ping_interval=None,
                    max_size=2**22,
                ) as ws:
                    display.ws, display.open_t = ws, time.monotonic()
                    display.conn += 1
                    async for message in ws:
                        await self.receive(display, str(message))
            except (OSError, TimeoutError, WebSocketException):
                pass
            except AttributeError:  # the same, in the websocket's handshake
                self.counts["display.handshake_cut"] += 1
            display.ws, display.lost_t = None, time.monotonic()
            if self.running:
                self.counts["display.reconnect"] += 1
                display.home = 1 - display.home
                await asyncio.sleep(0.1 + self.rng.random() * 0.3)

    async def receive(self, display: Display, message: str) -> None:
        now = time.monotonic()
        kind, seq = head(message)
        if seq is None:
            self.counts[f"display.{kind or 'unreadable'}"] += 1
            return
        if kind == "snapshot":
            display.seq, display.seq_t, display.resyncing = seq, now, False
            display.snap_t = now
        elif display.resyncing or seq == display.seq or (kind == "heartbeat" and seq < display.seq):
            pass
        elif seq == display.seq + 1 and kind != "heartbeat":
            display.seq, display.seq_t = seq, now
        elif seq <= display.seq:
            self.counts["display.duplicate"] += 1
        else:  # a seq skipped: something was missed
            self.gaps.append({"hall": display.hall, "had": display.seq, "got": seq, "kind": kind})
            display.resyncing = True
            assert display.ws is not None
            with contextlib.suppress(WebSocketException):
                await display.ws.send(json.dumps({"type": "resync"}))
        if display.history is not None and not display.resyncing:
            display.history.append((now, display.seq))
        self.settle(display, now)

    def settle(self, display: Display, now: float) -> None:
        """Note the faults this display is right again after."""
        for fault, (t0, target) in list(display.pending.items()):
            if display.ws is not None and not display.resyncing and display.seq >= target:
                self.recoveries[fault].append(now - t0)
                del display.pending[fault]
                self.note_phases(fault, display, t0)

    def note_phases(self, fault: str, d: Display, t0: float) -> None:
        """Where a display that reconnected after the fault spent its time."""
        if d.lost_t >= t0 and d.snap_t >= d.open_t >= d.lost_t:
            self.phases[fault].append((d.lost_t - t0, d.open_t - d.lost_t, d.snap_t - d.open_t))

    def close_window(self) -> None:
        """The counts (retries, reconnects, refusals) since the last fault began."""
        seen = self.counts - self.window_counts
        slowest = max(
            (max(v[self.window_seen.get(k, 0) :], default=0) for k, v in self.latency.items()),
            default=0,
        )
        self.during[self.window_fault] = dict(sorted(seen.items())) | {"slowest_ms": int(slowest)}
        self.window_counts = self.counts.copy()
        self.window_seen = {k: len(v) for k, v in self.latency.items()}

    def mark(self) -> None:
        """A fault begins: note what each display has, and from now on what it gets,
        until the fault's seqs are known (reading them takes a while)."""
        self.close_window()
        self.window_fault = "next_fault"
        for display in self.displays:
            right = display.ws is not None and not display.resyncing
            display.history = [(display.seq_t, display.seq)] if right else []
            display.marked_conn = display.conn

    def fault(self, name: str, t0: float, seqs: dict[str, int]) -> None:
        self.window_fault = name
        for display in self.displays:
            target = seqs[display.hall]
            history = display.history or []
            if history and (display.ws is None or display.conn != display.marked_conn):
                history = history[1:]  # what it had before the fault is not on screen now
            reached = next((t for t, seq in history if seq >= target), None)
            if reached is None:
                display.pending[name] = (t0, target)
            else:  # a display that had it all along was right at once
                self.recoveries[name].append(max(0.0, reached - t0))
                self.note_phases(name, display, t0)
            display.history = None

    def cut(self, count: int, t0: float) -> None:
        """A display's network cut: its socket dropped without a close handshake."""
        self.window_fault = "display_cut"
        live = [d for d in self.displays if d.ws is not None]
        for display in self.rng.sample(live, min(count, len(live))):
            display.pending["display_cut"] = (t0, display.seq)
            assert display.ws is not None
            display.ws.transport.abort()

    # ------------------------------------------------------------ the run

    def start(self) -> None:
        spawn: list[Awaitable[None]] = []
        for n, hall in enumerate(self.config["halls"]):
            spawn.append(self.kiosk(hall))
            spawn += [self.clerk(hall, w) for w in range(1, hall["windows"] + 1)]
            spawn += [self.phone(hall) for _ in range(hall["phones"])]
            if self.config.get("book_per_s"):
                spawn.append(self.visitors.stream(hall, self.config["book_per_s"]))
            for i in range(hall["displays"]):
                display = Display(hall["id"], (n + i) % 2)
                self.displays.append(display)
                spawn.append(self.display(display, hall["tokens"]["display"]))
        self.tasks = [asyncio.create_task(self.guard(coro)) for coro in spawn]

    async def guard(self, coro: Awaitable[None]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a client's bug must not pass as a quiet city
            self.counts[f"crash.{type(exc).__name__}"] += 1
            print(f"soak worker: {type(exc).__name__}: {exc}", file=sys.stderr)

    async def stop(self) -> dict[str, Any]:
        self.running = False
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for display in self.displays:
            if display.ws is not None:
                display.ws.transport.abort()
        for http in self.http:
            await http.aclose()
        self.close_window()
        unrecovered = Counter(f for d in self.displays for f in d.pending)
        return {
            "latency_ms": self.latency,
            "counts": self.counts,
            "acked": list(self.acked.values()),
            "key_conflicts": self.key_conflicts,
            "calls": self.calls,
            "gaps": self.gaps,
            "recoveries": self.recoveries,
            "unrecovered": unrecovered,
            "displays": len(self.displays),
            "during": self.during,
            "phases": self.phases,
        } | self.visitors.record()


async def work(config: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    city = City(config)
    city.start()
    say({"ready": True})
    handlers: dict[str, Callable[[dict[str, Any]], None]] = {
        "fault": lambda c: city.fault(c["fault"], c["t0"], c["seqs"]),
        "cut": lambda c: city.cut(c["cut"], c["t0"]),
        "mark": lambda _c: city.mark(),
    }
    while line := await commands.readline():
        command = json.loads(line)
        if command.get("stop"):
            break
        next(handlers[k] for k in handlers if k in command)(command)
    say(await city.stop())


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    settings = json.loads(Path(sys.argv[1]).read_text())
    try:
        import uvloop
    except ImportError:
        asyncio.run(work(settings))
    else:
        uvloop.run(work(settings))
