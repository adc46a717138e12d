"""The real client against a real server (and, for what a real server will not
do on demand, a small fake feed): JSON lines out, reconnects, refusals."""

import asyncio
import io
import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from display_client.client import (
    TOKEN_ENV,
    Options,
    Patience,
    backoff,
    bearer_subprotocols,
    board_url,
    parse_args,
    run,
)
from tests.display.feed import AT, called, snapshot
from tests.live import LiveServer

ELDER_ID = "11010519491231002X"  # born 1949: green channel by age
ELDER_MASKED = "11***************X"
ID_CARD = "HZ-SFZ-HL"  # 居民身份证换领, prefix A
WAIT_S = 30.0  # the bound on every wait; the usual wait is well under a second

Message = dict[str, Any]


class Feed:
    """The JSON lines a client subprocess prints, read by a thread as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.messages: list[Message] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def close(self) -> None:
        """Once the process has ended: the reader sees the end, the pipe closes."""
        self._reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.messages.append(json.loads(line))
                self._changed.notify_all()

    def wait_for(self, what: str, found: Callable[[Message], bool], after: int = 0) -> int:
        """The index of the first message from `after` on that `found` accepts."""
        deadline = time.monotonic() + WAIT_S
        with self._changed:
            while True:
                for i, message in enumerate(self.messages[after:], after):
                    if found(message):
                        return i
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"no {what} in {self.messages}")
                self._changed.wait(min(left, 0.5))


def kind(name: str) -> Callable[[Message], bool]:
    return lambda message: message["type"] == name


def call_of(number: str) -> Callable[[Message], bool]:
    return lambda m: m["type"] == "ticket.called" and m["data"]["ticket"]["number"] == number


@contextmanager
def client(server: LiveServer, token: str, tmp_path: Path, hall: str = "live") -> Iterator[Feed]:
    stderr = (tmp_path / "client.err").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "display_client.client",
            "--server",
            server.url,
            "--hall",
            hall,
            "--token",
            token,
            "--jsonl",
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        encoding="utf-8",
    )
    feed = Feed(process)
    try:
        yield feed
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        feed.close()
        stderr.close()


def call_next(server: LiveServer, tokens: dict[str, str], window: int) -> None:
    token = tokens[f"window-{window}"]
    server.api("POST", f"/api/halls/live/windows/{window}/open", token=token)
    server.api("POST", f"/api/halls/live/windows/{window}/call-next", token=token)


def issue(server: LiveServer, tokens: dict[str, str], **body: str) -> str:
    ticket = server.api(
        "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": ID_CARD} | body
    )
    return str(ticket["number"])


@pytest.mark.slow
def test_follows_a_real_server_through_calls_and_a_restart(
    live_server: LiveServer, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    with client(live_server, tokens["display"], tmp_path) as feed:
        first = feed.wait_for("snapshot", kind("snapshot"))
        assert feed.messages[first]["data"]["hall"]["name"] == "实时测试大厅"

        number = issue(live_server, tokens, id_number=ELDER_ID)
        call_next(live_server, tokens, 1)
        issued = feed.wait_for("ticket.issued", kind("ticket.issued"), first)
        call = feed.wait_for("ticket.called", call_of(number), issued)
        data = feed.messages[call]["data"]
        assert data["announcement"]["voice"] == f"请 {number} 号到 1 号窗口办理"
        assert data["announcement"]["screen"] == f"{number} → 1号窗口"
        assert data["announcement"]["speech"] == f"请 {' '.join(number)} 号，到 1 号窗口办理"
        assert data["ticket"]["green_channel"] is True
        assert data["window"]["state"] == "calling"
        seqs = [m["seq"] for m in feed.messages[first : call + 1]]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gap, no repeat
        printed = json.dumps(feed.messages, ensure_ascii=False)
        for personal in (ELDER_ID, ELDER_MASKED, "elderly", "id_masked", "id_hash"):
            assert personal not in printed

        live_server.restart()
        again = feed.wait_for("a snapshot after the restart", kind("snapshot"), call + 1)
        board = feed.messages[again]["data"]
        assert [c["number"] for c in board["now_calling"]] == [number]

        later = issue(live_server, tokens)
        call_next(live_server, tokens, 2)
        after = feed.wait_for("a call after the restart", call_of(later), again)
        assert (
            feed.messages[after]["data"]["announcement"]["voice"] == f"请 {later} 号到 2 号窗口办理"
        )

        feed.process.send_signal(signal.SIGINT)  # Ctrl-C
        assert feed.process.wait(timeout=WAIT_S) == 0
    said = (tmp_path / "client.err").read_text()
    assert "reconnecting in" in said and "Traceback" not in said


def test_the_screen_tells_the_hall_it_is_on(live_server: LiveServer, tmp_path: Path) -> None:
    # As the web pages do: the director's device list shows when it was last heard.
    tokens = live_server.setup_hall()
    whoami = live_server.api("GET", "/api/whoami", token=tokens["display"])
    with client(live_server, tokens["display"], tmp_path) as feed:
        feed.wait_for("snapshot", kind("snapshot"))
        deadline = time.monotonic() + WAIT_S
        while True:
            devices = live_server.api("GET", "/api/halls/live/devices", token=tokens["supervisor"])
            entry = next(d for d in devices if d["id"] == whoami["token_id"])
            if entry["online"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert entry["online"] and entry["seen_at"] is not None


def test_a_refused_token_exits_with_code_2_and_says_why(
    live_server: LiveServer, tmp_path: Path
) -> None:
    live_server.setup_hall()
    with client(live_server, "yc_not-a-token", tmp_path) as feed:
        assert feed.process.wait(timeout=WAIT_S) == 2
        feed.wait_for("the error", kind("error"))
    assert "令牌无效" in (tmp_path / "client.err").read_text()


def test_voice_announces_each_call_from_the_server_twice(
    live_server: LiveServer, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    log = tmp_path / "spoken.txt"
    speaker = [
        sys.executable,
        "-c",
        "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')",
    ]
    options = Options(live_server.url, "live", tokens["display"], voice=True, jsonl=True)

    async def scenario() -> None:
        out = io.StringIO()
        task = asyncio.create_task(run(options, out=out, voice_command=[*speaker, str(log)]))
        await until(lambda: '"snapshot"' in out.getvalue())
        number = await asyncio.to_thread(issue, live_server, tokens)
        await asyncio.to_thread(call_next, live_server, tokens, 3)
        await until(lambda: log.exists() and len(log.read_text().splitlines()) == 2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (
            log.read_text(encoding="utf-8").splitlines()
            == [f"请 {' '.join(number)} 号，到 3 号窗口办理"] * 2
        )

    asyncio.run(scenario())


# ---------------------------------------------------------------- a fake feed


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_S):
        while not condition():
            await asyncio.sleep(0.02)


def fake_options(port: int) -> Options:
    return Options(f"http://127.0.0.1:{port}", "demo", "t", jsonl=True)


def test_a_gap_asks_the_server_for_a_resync() -> None:
    received: list[Any] = []

    async def feed(websocket: ServerConnection) -> None:
        await websocket.send(json.dumps(snapshot(5)))
        await websocket.send(json.dumps(called(7, "A023", 5)))  # 6 went missing
        received.append(json.loads(await websocket.recv()))
        await websocket.send(json.dumps(snapshot(7)))
        await websocket.send(json.dumps(called(8, "A024", 2)))
        await websocket.wait_closed()

    async def scenario() -> list[int]:
        out = io.StringIO()
        async with serve(feed, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            task = asyncio.create_task(run(fake_options(port), out=out))
            await until(lambda: '"seq": 8' in out.getvalue())
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                async with asyncio.timeout(WAIT_S):  # a lost cancel fails, not hangs
                    await task
        return [json.loads(line)["seq"] for line in out.getvalue().splitlines()]

    assert asyncio.run(scenario()) == [5, 7, 7, 8]
    assert received == [{"type": "resync"}]


def test_a_message_the_client_cannot_read_is_resynced_over() -> None:
    received: list[Any] = []
    broken = {"type": "ticket.called", "seq": 6, "at": AT, "data": {"ticket": {"number": "A1"}}}

    async def feed(websocket: ServerConnection) -> None:
        await websocket.send(json.dumps(snapshot(5)))
        await websocket.send(json.dumps(broken))
        received.append(json.loads(await websocket.recv()))
        await websocket.send(json.dumps(snapshot(6)))
        await websocket.wait_closed()

    async def scenario() -> None:
        out = io.StringIO()
        async with serve(feed, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            task = asyncio.create_task(run(fake_options(port), out=out))
            await until(lambda: out.getvalue().count('"snapshot"') == 2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                async with asyncio.timeout(WAIT_S):  # a lost cancel fails, not hangs
                    await task

    asyncio.run(scenario())
    assert received == [{"type": "resync"}]


def test_a_silent_connection_is_dropped_and_made_again() -> None:
    connections: list[tuple[str, str]] = []

    async def feed(websocket: ServerConnection) -> None:
        request = websocket.request
        assert request is not None
        protocols = request.headers.get("Sec-WebSocket-Protocol", "")
        connections.append((request.path, protocols))
        await websocket.send(json.dumps(snapshot(5)))
        await websocket.wait_closed()  # and then never a heartbeat

    async def scenario() -> None:
        async with serve(feed, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            task = asyncio.create_task(
                run(fake_options(port), out=io.StringIO(), patience=Patience(silence_s=0.2))
            )
            await until(lambda: len(connections) >= 2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                async with asyncio.timeout(WAIT_S):  # a lost cancel fails, not hangs
                    await task

    asyncio.run(scenario())
    assert connections[0] == ("/ws/halls/demo/board", "yichuang, bearer.t")  # no token in the URL
    assert connections[1] == connections[0]


def test_an_unanswered_resync_is_given_up_for_a_new_connection() -> None:
    connections: list[int] = []

    async def feed(websocket: ServerConnection) -> None:
        connections.append(1)
        await websocket.send(json.dumps(snapshot(5)))
        await websocket.send(json.dumps(called(7, "A023", 5)))
        async for _ignored in websocket:  # a resync is asked for, and never answered
            await websocket.send(json.dumps({"type": "heartbeat", "seq": 7, "at": AT}))

    async def scenario() -> None:
        patience = Patience(silence_s=WAIT_S, resync_s=0.2)
        async with serve(feed, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            task = asyncio.create_task(
                run(fake_options(port), out=io.StringIO(), patience=patience)
            )
            await until(lambda: len(connections) >= 2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                async with asyncio.timeout(WAIT_S):  # a lost cancel fails, not hangs
                    await task

    asyncio.run(scenario())


def test_a_close_with_a_refusal_code_ends_the_client() -> None:
    async def feed(websocket: ServerConnection) -> None:
        await websocket.close(4403, "forbidden")

    async def scenario() -> int:
        async with serve(feed, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            return await asyncio.wait_for(run(fake_options(port), out=io.StringIO()), WAIT_S)

    assert asyncio.run(scenario()) == 2


# ---------------------------------------------------------------- small pure parts


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("http://127.0.0.1:8000", "ws://127.0.0.1:8000/ws/halls/demo/board"),
        ("https://hall.example/", "wss://hall.example/ws/halls/demo/board"),
        ("https://example.cn/queue", "wss://example.cn/queue/ws/halls/demo/board"),
    ],
)
def test_the_feed_url_follows_the_server_url(server: str, url: str) -> None:
    assert board_url(server, "demo") == url


def test_the_token_rides_in_the_subprotocols_and_odd_servers_are_refused() -> None:
    assert bearer_subprotocols("yc_a-b") == ["yichuang", "bearer.yc_a-b"]
    with pytest.raises(ValueError, match="header"):
        bearer_subprotocols("a b")
    with pytest.raises(ValueError, match="http"):
        board_url("ftp://h", "demo")


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [[backoff(attempt, rng) for attempt in range(12)] for _ in range(20)]
    assert all(0.5 <= d <= 10 for run_ in delays for d in run_)
    assert all(run_[0] == 0.5 for run_ in delays)
    assert all(run_[-1] >= 5 for run_ in delays)
    assert len({run_[5] for run_ in delays}) > 1  # not in lockstep


def test_arguments(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    options = parse_args(["--hall", "demo", "--token", "yc_a", "--window", "5", "--voice"])
    assert options == Options("http://127.0.0.1:8000", "demo", "yc_a", voice=True, window=5)
    monkeypatch.setenv(TOKEN_ENV, "yc_from_env")
    assert parse_args(["--hall", "demo"]).token == "yc_from_env"
    monkeypatch.delenv(TOKEN_ENV)
    for wrong, complaint in [
        (["--hall", "demo"], "--token is required"),
        (["--hall", "demo", "--token", "t", "--server", "127.0.0.1:8000"], "http:// or https://"),
        (["--hall", "demo", "--token", "t", "--window", "0"], "window number"),
    ]:
        with pytest.raises(SystemExit) as stop:
            parse_args(wrong)
        assert stop.value.code == 2
        assert complaint in capsys.readouterr().err
