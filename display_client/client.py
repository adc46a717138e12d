"""`display-client`: a hall's board in a terminal, fed by the server's websocket.

The I/O shell around `state` (the reducer) and `view` (the drawing): it
connects to `/ws/halls/{hall}/board`, folds each message into the board,
asks for a resync on a gap, and reconnects forever with capped exponential
backoff and jitter. Only a refusal by the server (bad token, wrong hall or
role, unknown hall) ends it, with exit code 2, since retrying cannot help.

    display-client --server http://127.0.0.1:8000 --hall demo --token yc_…
    display-client … --window 5      # the small screen above window 5
    display-client … --jsonl         # every message as a JSON line, no drawing
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import TextIOWrapper
from typing import Any, TextIO
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from rich.console import Console, RenderableType
from rich.live import Live
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

from queue_server.protocol import RESYNC_REQUEST, MessageType, Unreadable, decode

from .state import Board, Resync, apply, disconnected, new_call
from .view import render, render_window
from .voice import ESPEAK, Announcer

BEAT_EVERY_S = 20.0  # as the web pages beat (web/device-beat.js)
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 10.0
REFUSAL_CODES = frozenset({4401, 4403, 4404})  # 4000 + HTTP status: retrying cannot help
EXIT_REFUSED = 2
RESYNC = RESYNC_REQUEST
TOKEN_ENV = "DISPLAY_CLIENT_TOKEN"
COMPACT_BELOW_ROWS = 34  # the full board with the large number needs about this many


@dataclass(frozen=True)
class Options:
    server: str
    hall: str
    token: str
    voice: bool = False
    jsonl: bool = False
    window: int | None = None


@dataclass(frozen=True)
class Patience:
    """How long the client waits before it gives a connection up."""

    silence_s: float = 45.0  # three missed heartbeats: the connection is dead (docs/feed.md)
    resync_s: float = 10.0  # a resync request unanswered this long: reconnect instead


def board_url(server: str, hall: str) -> str:
    """The feed's ws:// (or wss:// for https) URL under the server's base URL."""
    parts = urlsplit(server)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"the server must be an http:// or https:// URL, not {server!r}")
    path = f"{parts.path.rstrip('/')}/ws/halls/{quote(hall, safe='')}/board"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def bearer_subprotocols(token: str) -> list[Subprotocol]:
    """The token rides in the handshake's Sec-WebSocket-Protocol, not in the URL,
    so no server or proxy log line holds it."""
    if not HEADER_TOKEN.fullmatch(token):
        raise ValueError("the token has characters a websocket header cannot carry")
    return [Subprotocol("yichuang"), Subprotocol(f"bearer.{token}")]


HEADER_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token characters


def backoff(attempt: int, rng: random.Random) -> float:
    """Seconds to wait before reconnect number `attempt` (0 first).

    Doubles from BACKOFF_MIN_S up to BACKOFF_MAX_S, and is drawn from the
    upper half of that, so the displays of a hall that lost the server
    together do not all come back in the same instant.
    """
    ceiling = min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** min(attempt, 16))
    return max(BACKOFF_MIN_S, rng.uniform(ceiling / 2, ceiling))


class Display:
    """The board between messages, and where it goes: the screen or JSON lines."""

    def __init__(
        self,
        options: Options,
        out: TextIO,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.options = options
        self.out = out
        self.clock = clock
        self.board = Board()
        self.snapshots = 0
        self.status: str | None = None  # why the feed is down, for the screen
        self.voice_problem: str | None = None
        self.announcer: Announcer | None = None
        self.console: Console | None = None  # the terminal, when drawing
        self.refusal: str | None = None  # the server's `error` message, before its close
        self.skipped = 0  # messages (or parts) that could not be read
        self.said: set[str] = set()  # the kinds of those already logged

    def handle(self, text: str) -> str | None:
        """Take one message; the reply to send (a resync request), if any.

        Whatever arrives, the board keeps drawing: a message that cannot be read
        is skipped, said once per kind (`unreadable`), and a fresh snapshot is
        asked for, since it may have hidden a change.
        """
        message: dict[str, Any] | None = None
        problem = ""
        try:
            message = decode(text)
        except Unreadable as exc:
            problem = str(exc)
        if self.options.jsonl and message is not None:
            self.out.write(json.dumps(message, ensure_ascii=False) + "\n")
            self.out.flush()
        kind = message.get("type") if message is not None else None
        if message is not None and kind == MessageType.ERROR:
            # A refusal: the close that follows carries its code (docs/feed.md).
            self.refusal = str(message.get("message") or message.get("error") or "refused")
            return None
        before = self.board
        result = apply(before, message, self.clock())
        if isinstance(result, Resync):
            if message is None:
                self.unreadable(problem)
            elif result.reason:
                self.unreadable(result.reason)
            self.board = result.board
            # Already waiting for a snapshot: the resync deadline takes it from here.
            return None if before.awaiting_snapshot else RESYNC
        self.board = result
        if kind == MessageType.SNAPSHOT:
            self.snapshots += 1
            self.status = None
            for reason in result.unread:
                self.unreadable(f"snapshot: left out {reason}")
        call = new_call(before, result)
        if call and self.announcer and self.options.window in (None, call.call.window):
            self.announcer.say(call.voice)  # a window's own screen announces only its calls
        return None

    def unreadable(self, reason: str) -> None:
        """Count a message (or part) that could not be read; say each kind once."""
        self.skipped += 1
        if reason not in self.said:
            self.said.add(reason)
            self.note(f"skipped what could not be read ({reason}); resyncing")

    def lost(self, reason: str, retry_in: float) -> None:
        self.board = disconnected(self.board)
        self.note(f"disconnected ({reason}); reconnecting in {retry_in:.1f} s")

    def note(self, status: str) -> None:
        """A line about the connection: on stderr with --jsonl, else on screen."""
        self.status = status
        if self.options.jsonl:
            print(f"display-client: {status}", file=sys.stderr, flush=True)

    def voice_unavailable(self, message: str) -> None:
        self.voice_problem = message
        print(message, file=sys.stderr, flush=True)

    def compact(self) -> bool:
        """Whether the terminal is too short for the large number (read on every
        frame, so a resized terminal switches)."""
        return self.console is not None and self.console.size.height < COMPACT_BELOW_ROWS

    def renderable(self) -> RenderableType:
        notice = " · ".join(n for n in (self.status, self.voice_problem) if n) or None
        if self.options.window is not None:
            return render_window(self.board, self.options.window, self.clock(), notice=notice)
        return render(self.board, self.clock(), notice=notice, compact=self.compact())


async def follow(
    url: str,
    display: Display,
    patience: Patience = Patience(),
    subprotocols: Sequence[Subprotocol] = (),
) -> int:
    """Keep the display fed until the server refuses it; returns EXIT_REFUSED."""
    rng = random.Random()
    attempt = 0
    while True:
        seen = display.snapshots
        try:
            async with connect(
                url, subprotocols=list(subprotocols) or None, open_timeout=10, close_timeout=2
            ) as websocket:
                reason = await _receive(websocket, display, patience)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            if code in REFUSAL_CODES:
                why = display.refusal or (exc.rcvd.reason if exc.rcvd else "")
                display.note(f"refused by the server: {code} {why}")
                return EXIT_REFUSED
            reason = f"connection closed, code {code}"
        except (OSError, TimeoutError, WebSocketException) as exc:
            reason = str(exc) or type(exc).__name__
        if display.snapshots > seen:
            attempt = 0  # it worked for a while: start the backoff over
        delay = backoff(attempt, rng)
        attempt += 1
        display.lost(reason, delay)
        await asyncio.sleep(delay)


async def _receive(websocket: ClientConnection, display: Display, patience: Patience) -> str:
    """Feed the display until the connection closes (raises) or should be
    given up (returns why): silent too long, or a resync left unanswered."""
    loop = asyncio.get_running_loop()
    resync_deadline: float | None = None
    while True:
        timeout = patience.silence_s
        if resync_deadline is not None:
            timeout = min(timeout, resync_deadline - loop.time())
        try:
            # Cancelling recv() is safe in websockets: no message is lost or split.
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a
            # cancellation (Ctrl-C, SIGTERM) that comes as a message arrives.
            async with asyncio.timeout(max(timeout, 0)):
                frame = await websocket.recv()
        except TimeoutError:
            if resync_deadline is not None and loop.time() >= resync_deadline:
                return f"no snapshot {patience.resync_s:g} s after asking for one"
            return f"no message for {patience.silence_s:g} s"
        text = frame.decode() if isinstance(frame, bytes) else frame
        if (reply := display.handle(text)) is not None:
            await websocket.send(reply)
            # A server that does not answer is reconnected to: that brings a snapshot too.
            resync_deadline = loop.time() + patience.resync_s
        elif not display.board.awaiting_snapshot:
            resync_deadline = None


async def run(
    options: Options,
    *,
    out: TextIO = sys.stdout,
    patience: Patience = Patience(),
    voice_command: Sequence[str] = ESPEAK,
) -> int:
    """Draw (or print) the hall's board until refused or cancelled."""
    url = board_url(options.server, options.hall)
    display = Display(options, out)
    _stop_on_sigterm()
    async with contextlib.AsyncExitStack() as stack:
        if options.voice:
            display.announcer = await stack.enter_async_context(
                Announcer(voice_command, report=display.voice_unavailable)
            )
        if not options.jsonl:
            display.console = Console()
            stack.enter_context(
                Live(
                    get_renderable=display.renderable,
                    console=display.console,
                    screen=True,
                    refresh_per_second=4,  # the clock ticks and a call's highlight fades
                    redirect_stdout=False,
                    redirect_stderr=False,
                    vertical_overflow="crop",
                )
            )
        beats = asyncio.create_task(heartbeats(options))
        try:
            code = await follow(url, display, patience, bearer_subprotocols(options.token))
        finally:
            beats.cancel()
    if code == EXIT_REFUSED and not options.jsonl:
        print(f"display-client: {display.status}", file=sys.stderr)  # after the screen is gone
    return code


async def heartbeats(options: Options, every_s: float = BEAT_EVERY_S) -> None:
    """Tell the hall this screen is on, as the web pages do: a display not heard
    from for five minutes while the hall is open is an alert on the supervisor's
    console. A beat that fails is simply the next one's to make."""
    url = f"{options.server.rstrip('/')}/api/halls/{quote(options.hall, safe='')}/devices/heartbeat"
    headers = {"Authorization": f"Bearer {options.token}"}
    async with httpx.AsyncClient(timeout=5) as http:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                await http.post(url, headers=headers)
            await asyncio.sleep(every_s)


def _stop_on_sigterm() -> None:
    """SIGTERM (a service manager's stop) ends the client like Ctrl-C does, so the
    terminal is given back cleanly. Not where signals cannot be handled."""
    task = asyncio.current_task()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        if task is not None:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="display-client", description="一窗 hall board in a terminal (综合屏 / 窗口屏)"
    )
    parser.add_argument("--server", default="http://127.0.0.1:8000", help="the server's URL")
    parser.add_argument("--hall", required=True, help="the hall id, e.g. demo")
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"a display token of the hall (or set {TOKEN_ENV}, which keeps it out of `ps`)",
    )
    parser.add_argument("--voice", action="store_true", help="announce calls with espeak-ng")
    parser.add_argument(
        "--jsonl", action="store_true", help="print each message as a JSON line, do not draw"
    )
    parser.add_argument(
        "--window", type=int, metavar="N", help="show only window N (the screen above it)"
    )
    args = parser.parse_args(argv)
    if not args.token:
        parser.error(f"--token is required (or set {TOKEN_ENV})")
    if args.window is not None and args.window < 1:
        parser.error("--window takes a window number, 1 or more")
    try:
        board_url(args.server, args.hall)
        bearer_subprotocols(args.token)
    except ValueError as exc:
        parser.error(str(exc))
    return Options(args.server, args.hall, args.token, args.voice, args.jsonl, args.window)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    if options.jsonl and isinstance(sys.stdout, TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")  # JSON lines are UTF-8 whatever the locale
    try:
        return asyncio.run(run(options))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C or SIGTERM: a normal stop
        return 0


if __name__ == "__main__":
    sys.exit(main())
