"""The model-based feed test (issue 11, part C).

Seeded random sequences of every window and ticket action (open, pause,
resume, close, call-next, call, recall, start, finish, no-show, transfer,
suspend, resume-ticket; issue, cancel, check-in of a booking, rating) against a
real server process, with the real clients following its feed: the
`display_client` (its reducer, in its own reconnecting loop), the lobby board
in Chromium (feed.js's state, as the page holds it) and the ticket printer's
kiosk (its feed follower, printing on a printer in memory). After every step
each client shows exactly what the server's board holds
(GET /api/halls/{hall}/board), the kiosk has printed every ticket it issued,
once, and no client has stopped.

Bounded in steps and time; the environment asks for more:
    FEED_MODEL_STEPS=300     steps per seed
    FEED_MODEL_SEEDS=11      seeds, comma-separated (each runs on a fresh server)
    FEED_MODEL_SECONDS=45    time budget per seed: the steps stop when it is spent
"""

import asyncio
import io
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from playwright.sync_api import Page, expect

from display_client.client import (
    Display,
    Options,
    Patience,
    bearer_subprotocols,
    board_url,
    follow,
)
from tests.feed_views import View, browser_view, reducer_view, server_view
from tests.live import LiveServer
from tests.printer.test_kiosk import MemoryPrinter
from tests.server.test_tickets_api import valid_id
from ticket_printer.journal import Journal
from ticket_printer.kiosk import Kiosk, KioskOptions
from ticket_printer.server import HallClient

pytestmark = pytest.mark.browser

STEPS = int(os.environ.get("FEED_MODEL_STEPS", "300"))
SEEDS = [int(s) for s in os.environ.get("FEED_MODEL_SEEDS", "11").split(",") if s.strip()]
SECONDS = float(os.environ.get("FEED_MODEL_SECONDS", "45"))
AGREE_S = 10.0  # how long the clients may take to show one step

HALL = "model"
SERVICES = ["HZ-SFZ-HL", "CRJ-HZ-SC", "JDC-ZC-DJ"]  # 户政 A, 出入境 B, 机动车 D
WINDOWS = (1, 2, 3, 4)  # 1-3 comprehensive, 4 exit-entry only
ALL_DAY = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def zone_at_noon() -> str:
    """A time zone where it is about noon now: a hall open all day has no
    closing or date change near, whenever the suite runs."""
    east = 12 - datetime.now(UTC).hour
    return "Etc/GMT" if east == 0 else f"Etc/GMT{-east:+d}"  # Etc/GMT-8 is UTC+8


class Background:
    """A coroutine on an event loop of its own, in a thread."""

    def __init__(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        self.loop = asyncio.new_event_loop()
        self.task: asyncio.Task[Any] | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(make,), daemon=True)
        self.thread.start()

    def _run(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        async def main() -> None:
            self.task = asyncio.current_task()
            await make()

        try:
            self.loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # reported by the test as a stopped client
            self.error = exc
        finally:
            self.loop.close()

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def stop(self) -> None:
        if self.task is not None and self.running:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(timeout=10)


class Hall:
    """The hall under test, its tokens, and what the test learnt from the answers."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx2.Client(base_url=server.url, timeout=10)  # one connection, kept
        server.api(
            "POST", "/api/halls", json={"id": HALL, "name": "模型大厅", "timezone": zone_at_noon()}
        )
        self.tokens: dict[str, str] = {}
        for n in WINDOWS:
            skills: dict[str, Any] = (
                {"services": "all"} if n < 4 else {"categories": ["exit_entry"]}
            )
            server.api(
                "PUT", f"/api/halls/{HALL}/windows/{n}", json={"label": f"{n}号窗口"} | skills
            )
            self.tokens[f"window-{n}"] = self.token("window", n)
        for role in ("kiosk", "display"):
            self.tokens[role] = self.token(role)
        server.api("PUT", f"/api/halls/{HALL}/hours", json={"weekly": ALL_DAY, "closed_dates": []})
        server.api("PUT", f"/api/halls/{HALL}/policy", json={"checkin_early_min": 60})
        self.ids: list[str] = []  # tickets issued, by id
        self.numbers: list[str] = []  # their numbers, in order of issue
        self.suspended: list[str] = []  # numbers
        self.finished: list[str] = []  # ids of done tickets not rated yet
        self.codes = self.book(6)

    def token(self, role: str, window: int | None = None) -> str:
        body = {"role": role, "hall": HALL, "window": window}
        return str(self.server.api("POST", "/api/tokens", json=body)["token"])

    def request(self, method: str, path: str, who: str | None, body: Any = None) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.http.request(method, path, headers=headers, json=body)

    def board(self) -> dict[str, Any]:
        reply = self.request("GET", f"/api/halls/{HALL}/board", "display")
        assert reply.status_code == 200, reply.text
        result: dict[str, Any] = reply.json()
        return result

    def book(self, people: int) -> list[str]:
        """Bookings for the next slot, to check in during the run: their codes."""
        codes = []
        now = datetime.now(UTC)
        day = now.astimezone(ZoneInfo(self.board()["hall"]["timezone"])).date().isoformat()
        for n in range(people):
            service = SERVICES[n % 2]
            slots = self.request(
                "GET", f"/api/halls/{HALL}/slots?service={service}&date={day}", None
            )
            assert slots.status_code == 200, slots.text
            free = [
                s
                for s in slots.json()["slots"]
                if s["free"] > 0 and datetime.fromisoformat(s["start"]) > now
            ]
            if not free:
                continue
            body = {
                "service": service,
                "slot": free[0]["start"],
                "name": "测试",
                "id_number": valid_id(f"110105198001{n:02d}00{n % 10}"),
                "phone": "13812345678",
            }
            reply = self.request("POST", f"/api/halls/{HALL}/appointments", None, body)
            if reply.status_code == 201:
                codes.append(reply.json()["code"])
        return codes


class Model:
    """Chooses each step's action, mostly one that fits the state (so the hall
    moves), sometimes any action at all (so refusals are exercised too)."""

    def __init__(self, hall: Hall, rng: random.Random) -> None:
        self.hall = hall
        self.rng = rng
        self.counts: Counter[str] = Counter()

    def step(self, board: dict[str, Any]) -> str:
        roll = self.rng.random()
        waiting = board["waiting"]["total"]
        if roll < (0.3 if waiting < 12 else 0.08):
            return self.issue()
        if roll < 0.36:
            return self.ticket_action()
        if roll < 0.41:
            n = self.rng.choice(WINDOWS)
            return self.window(n, self.rng.choice(sorted(ACTIONS)))
        window = self.rng.choice(board["windows"])
        choices = FITTING[window["state"]]
        return self.window(window["number"], self.rng.choices(*zip(*choices, strict=True))[0])

    def record(self, name: str, reply: httpx2.Response) -> str:
        assert reply.status_code < 500, (name, reply.status_code, reply.text)
        outcome = "ok" if reply.status_code < 300 else "refused"
        self.counts[f"{name} {outcome}"] += 1
        return f"{name}: {reply.status_code}"

    def issue(self) -> str:
        body = {"service": self.rng.choice(SERVICES)}
        reply = self.hall.request("POST", f"/api/halls/{HALL}/tickets", "kiosk", body)
        if reply.status_code == 201:
            self.hall.ids.append(reply.json()["id"])
            self.hall.numbers.append(reply.json()["number"])
        return self.record("issue", reply)

    def ticket_action(self) -> str:
        hall, rng = self.hall, self.rng
        kind = rng.choice(["cancel", "check-in", "rating"])
        if kind == "check-in" and hall.codes:
            code = hall.codes.pop()
            body = {"code": code}
            reply = hall.request("POST", f"/api/halls/{HALL}/appointments/check-in", "kiosk", body)
            if reply.status_code == 201:
                hall.ids.append(reply.json()["id"])
                hall.numbers.append(reply.json()["number"])
            return self.record("check-in", reply)
        if kind == "rating" and hall.finished:
            ticket = hall.finished.pop(rng.randrange(len(hall.finished)))
            body = {"score": rng.randint(1, 5)}
            return self.record(
                "rating", hall.request("POST", f"/api/tickets/{ticket}/rating", None, body)
            )
        if not hall.ids:
            return self.issue()
        ticket = rng.choice(hall.ids)
        return self.record(
            "cancel", hall.request("POST", f"/api/tickets/{ticket}/cancel", None, {})
        )

    def window(self, n: int, action: str) -> str:
        hall, rng = self.hall, self.rng
        body: Any = None
        if action == "call":
            body = {"ticket": rng.choice(hall.numbers) if hall.numbers else "A001"}
        elif action == "finish":
            body = {"outcome": "办结"}
        elif action == "transfer":
            other = rng.choice([w for w in WINDOWS if w != n])
            body = rng.choice([{"service": rng.choice(SERVICES)}, {"window": other}])
        elif action == "resume-ticket":
            if not hall.suspended:
                action, body = "call-next", None
            else:
                body = {"ticket": rng.choice(hall.suspended)}
        path = f"/api/halls/{HALL}/windows/{n}/{action}"
        reply = hall.request("POST", path, f"window-{n}", body)
        if reply.status_code == 200:
            ticket = reply.json().get("ticket") or {}
            if action == "suspend":
                hall.suspended.append(ticket["number"])
            elif action == "resume-ticket":
                hall.suspended.remove(body["ticket"])
            elif action == "finish":
                hall.finished.append(ticket["id"])
        return self.record(action, reply)


ACTIONS = {
    "open",
    "pause",
    "resume",
    "close",
    "call-next",
    "call",
    "recall",
    "start",
    "finish",
    "no-show",
    "transfer",
    "suspend",
    "resume-ticket",
}
# What a clerk would do next at a window in each state, with weights.
FITTING: dict[str, list[tuple[str, float]]] = {
    "closed": [("open", 0.9), ("close", 0.1)],
    "open": [("call-next", 5), ("call", 1.5), ("resume-ticket", 1), ("pause", 1), ("close", 0.5)],
    "calling": [("start", 4.5), ("recall", 2.5), ("no-show", 1.5), ("transfer", 1.5)],
    "serving": [("finish", 5), ("suspend", 2), ("transfer", 2)],
    "paused": [("resume", 7), ("close", 3)],
}


class Clients:
    """The three real clients following the hall's feed."""

    def __init__(self, server: LiveServer, hall: Hall, page: Page, tmp_path: Path) -> None:
        self.display = Display(Options(server.url, HALL, hall.tokens["display"]), io.StringIO())
        url = board_url(server.url, HALL)
        bearer = bearer_subprotocols(hall.tokens["display"])
        self.display_loop = Background(lambda: follow(url, self.display, Patience(), bearer))
        self.printer = MemoryPrinter()
        self.kiosks: list[Kiosk] = []
        options = KioskOptions(server.url, HALL, hall.tokens["kiosk"], tmp_path / "kiosk.journal")

        async def kiosk() -> None:
            async with HallClient(server.url, hall.tokens["kiosk"]) as client:
                self.kiosks.append(Kiosk(options, self.printer, client, Journal(options.journal)))
                await self.kiosks[0].run()

        self.kiosk_loop = Background(kiosk)
        self.page = page
        page.goto(f"{server.url}/display/{HALL}?token={hall.tokens['display']}")
        expect(page.locator("body")).to_have_attribute("data-state", "live")

    def stopped(self) -> list[str]:
        stopped = []
        if not self.display_loop.running:
            stopped.append(f"display-client ({self.display_loop.error!r})")
        if not self.kiosk_loop.running:
            stopped.append(f"kiosk ({self.kiosk_loop.error!r})")
        if self.page.evaluate("document.body.dataset.state") != "live":
            stopped.append("browser board (not live)")
        return stopped

    def views(self) -> dict[str, Any]:
        kiosk = self.kiosks[0] if self.kiosks else None
        return {
            "display-client": reducer_view(self.display.board),
            "browser": browser_view(self.page.evaluate("window.YiChuangBoard.state()")),
            "kiosk": {
                "seq": kiosk.cursor.last if kiosk and kiosk.cursor else None,
                "printed": list(self.printer.printed),
                "pending": len(kiosk.pending) if kiosk else None,
            },
        }

    def stop(self) -> None:
        self.display_loop.stop()
        self.kiosk_loop.stop()


def agree(hall: Hall, clients: Clients, where: str) -> dict[str, Any]:
    """Wait (bounded) until every client shows the server's board; that board."""
    deadline = time.monotonic() + AGREE_S
    while True:
        board = hall.board()
        want: View = server_view(board)
        wanted = {
            "display-client": want,
            "browser": want,
            "kiosk": {"seq": board["seq"], "printed": hall.numbers, "pending": 0},
        }
        got = clients.views()
        if got == wanted and not clients.stopped():
            return board
        if time.monotonic() > deadline:
            differ = {
                k: {"client": got[k], "server": wanted[k]} for k in got if got[k] != wanted[k]
            }
            raise AssertionError(f"{where}: stopped {clients.stopped()}; differ {differ}")
        time.sleep(0.01)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_client_follows_the_board_through_random_days(
    live_server: LiveServer, page: Page, tmp_path: Path, seed: int
) -> None:
    hall = Hall(live_server)
    clients = Clients(live_server, hall, page, tmp_path)
    model = Model(hall, random.Random(seed))
    history: list[str] = []
    started = time.monotonic()
    try:
        board = agree(hall, clients, f"seed {seed}, start")
        for step in range(STEPS):
            if time.monotonic() - started > SECONDS:
                break
            history.append(model.step(board))
            board = agree(hall, clients, f"seed {seed}, step {step} after {history[-8:]}")
        # The real feed never sent anything its clients could not read.
        assert clients.display.skipped == 0
        assert clients.kiosks[0].unreadable == 0
        assert page.evaluate("window.YiChuangBoard.problems().count") == 0
        assert "null号" not in page.content()
    finally:
        clients.stop()
        hall.http.close()
    elapsed = time.monotonic() - started
    ok = Counter({k.rsplit(" ", 1)[0]: v for k, v in model.counts.items() if k.endswith(" ok")})
    print(
        f"\nfeed model: seed {seed}, {len(history)} steps in {elapsed:.1f} s; {dict(model.counts)}"
    )
    assert len(history) >= min(STEPS, 50), f"only {len(history)} steps in {SECONDS} s"
    # Every action took effect at least once, so each was followed by the clients.
    if len(history) >= 200:
        missing = (ACTIONS | {"issue", "cancel", "rating"}) - set(ok)
        assert not missing, (missing, model.counts)
        if model.counts["check-in ok"] + model.counts["check-in refused"]:
            assert ok["check-in"] >= 1, model.counts
