"""The live hall feed: per-hall relays and the display websocket.

`WS /ws/halls/{hall}/board` (the token in the subprotocols `yichuang`,
`bearer.<token>`, or in `?token=…`; with no token, a staff member's session
cookie) sends one `snapshot` (with the `seq` it reflects), then every event
of the hall in seq order, each exactly once, and a `heartbeat` when idle. A
client seeing a gap sends `{"type": "resync"}` (or reconnects): a fresh snapshot.
A token revoked while its socket is open (in any process) gets an `error`
and the close code of a refusal within a second (`Tokens.until_refused`).

One `HallRelay` per hall with listeners reads new events from the database
when the doorbell rings (or every `poll_s`, in case a ring was lost),
serialises each once and hands the same message to every subscriber.

A subscriber is sent to straight from the relay while nothing is in flight
to it, which is the usual case: uvicorn's send hands the frame to the socket
and returns without waiting, so a thousand displays cost a thousand socket
writes in one pass, with no task, queue or wake-up per display (those cost
more than the writes). A send waits only when the display reads too slowly
and its socket's buffer is full: that send then goes on in a task of its own
and later messages wait in the subscriber's bounded backlog; a backlog that
overflows is dropped and the display gets a fresh snapshot instead. So the
relay never waits for any display. The relay also sends the heartbeats.
"""

import asyncio
import contextlib
import logging
import time
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import WebSocketRoute
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from .access import Role, require
from .edge import close_code, prefers_english
from .errors import QueueError
from .models import EventRow
from .protocol import (
    MessageType,
    SeqVerdict,
    Unreadable,
    decode,
    error_message,
    feed_message,
    seq_verdict,
)
from .services import HallServices
from .sessions import SESSION_COOKIE
from .snapshot_flights import SnapshotFlights
from .store import Store

log = logging.getLogger("queue_server.live")

QUEUE_SIZE = 256  # messages a display may fall behind before it is resynced
READ_BATCH = 1000  # events read at once; a longer burst is read on at once
HEARTBEAT_S = 15.0
BEAT_EVERY_S = 3.0  # how often a relay looks for displays due a heartbeat

Board = Callable[[], Awaitable[dict[str, Any]]]  # a fresh snapshot of the hall's board
SEND_ERRORS = (WebSocketDisconnect, RuntimeError, OSError)  # the display is gone
Lag = Callable[[float], None]


def event_message(row: EventRow) -> str:
    return feed_message(row.type, row.seq, row.at, row.data)


def text_message(text: str) -> Message:
    """One ASGI send message; the same object goes to every display."""
    return {"type": "websocket.send", "text": text}


class Subscriber:
    """One display's place in its hall's fan-out.

    `owned` means a coroutine other than the relay is sending to the socket
    (the first snapshot, a resync, or a send that had to wait); while it
    holds, `offer` only queues, so the socket sees messages in seq order.
    `sent` is the seq of the last snapshot or event handed to the socket.
    """

    def __init__(self, websocket: WebSocket, board: Board) -> None:
        self.websocket = websocket
        self.board = board
        self.sent = -1
        self.backlog: deque[tuple[int, Message]] = deque()
        self.owned = True  # by the handler, until its first snapshot is out
        self.stale = True  # the next thing to send is a fresh snapshot
        self.closed = False
        self.last_send = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    def offer(self, seq: int, message: Message) -> None:
        """Send event `seq` now, or queue it; never waits."""
        if self.closed or seq_verdict(self.sent, seq) is SeqVerdict.STALE:
            return  # a snapshot already reflects it
        if not self.owned:
            self._send_now(message)
            self.sent = seq
        elif self.stale:
            pass  # a snapshot is due anyway and will reflect it
        elif len(self.backlog) >= QUEUE_SIZE:
            self.backlog.clear()  # too far behind: a snapshot replaces the backlog
            self.stale = True
        else:
            self.backlog.append((seq, message))

    def heartbeat(self, now: float, messages: dict[int, Message]) -> None:
        """A heartbeat if nothing went out for about HEARTBEAT_S (and nothing is in flight).

        Looked at every BEAT_EVERY_S, so the gap between two messages stays
        within a few seconds of HEARTBEAT_S either way.
        """
        if self.owned or self.closed or now - self.last_send < HEARTBEAT_S - BEAT_EVERY_S:
            return
        message = messages.get(self.sent)
        if message is None:
            heartbeat = feed_message(MessageType.HEARTBEAT, self.sent, _now())
            message = messages[self.sent] = text_message(heartbeat)
        self._send_now(message)

    def resync(self) -> None:
        """Send a fresh snapshot next (the display asked for one)."""
        if self.closed:
            return
        self.backlog.clear()
        self.stale = True
        if not self.owned:
            self.owned = True
            self._task = asyncio.create_task(self._in_background(None, None))

    async def drain(self) -> None:
        """While owning the socket: the snapshot if one is due, then the backlog, in order."""
        try:
            while not self.closed:
                if self.stale:
                    self.stale = False
                    board = await self.board()
                    seq = int(board["seq"])
                    await self._send(feed_message(MessageType.SNAPSHOT, seq, _now(), board))
                    self.sent = max(self.sent, seq)
                elif self.backlog:
                    seq, message = self.backlog.popleft()
                    if seq_verdict(self.sent, seq) is not SeqVerdict.STALE:
                        await self.websocket.send(message)
                        self.last_send = time.monotonic()
                        self.sent = seq
                else:
                    break
        except SEND_ERRORS:
            self.closed = True
        finally:
            # Given back in the same step that found nothing left to send, so
            # the relay's next offer goes straight to the socket.
            self.owned = False

    async def _send(self, text: str) -> None:
        await self.websocket.send(text_message(text))
        self.last_send = time.monotonic()

    def _send_now(self, message: Message) -> None:
        """Hand `message` to the socket without waiting; if the socket makes it
        wait, that send finishes in a task and the subscriber is owned until then."""
        self.last_send = time.monotonic()
        send = self.websocket.send(message)
        try:
            waiting = send.send(None)
        except StopIteration:
            return  # the usual case: buffered for the socket
        except SEND_ERRORS:
            self.closed = True
            return
        except Exception:  # never let one display stop the relay for the others
            log.exception("sending to a display failed; closing it so it reconnects")
            self.closed = True
            self._task = asyncio.create_task(self._close())
            return
        self.owned = True
        self._task = asyncio.create_task(self._in_background(send, waiting))

    async def _in_background(self, send: Coroutine[Any, Any, None] | None, waiting: object) -> None:
        """Finish a send that had to wait (if any), then drain; owned until done."""
        try:
            if send is not None:
                await _resume(send, waiting)
            await self.drain()
        except SEND_ERRORS:
            self.closed = True
            self.owned = False
        except Exception:  # e.g. the database failed a snapshot: let the display reconnect
            log.exception("sending to a display failed; closing it so it reconnects")
            self.closed = True
            self.owned = False
            await self._close()

    async def _close(self) -> None:
        with contextlib.suppress(*SEND_ERRORS):
            await self.websocket.close(code=1011)

    async def stop(self) -> None:
        self.closed = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@types.coroutine
def _resume(coro: Coroutine[Any, Any, None], waiting: object) -> Generator[Any, Any, None]:
    """Go on driving `coro`, already run by hand until it yielded `waiting`.

    This is what `await` does after the first step: whatever the coroutine
    waits on goes up to the task, and what the task sends or throws back
    (a result, a cancellation) goes down to the coroutine.
    """
    while True:
        try:
            value = yield waiting
        except BaseException as exc:
            try:
                waiting = coro.throw(exc)
            except StopIteration:
                return
        else:
            try:
                waiting = coro.send(value)
            except StopIteration:
                return


class HallRelay:
    """Reads a hall's new events from the database and fans them out, in order."""

    def __init__(self, hall: str, store: Store, last: int, poll_s: float, lag: Lag) -> None:
        self.hall = hall
        self.lag = lag
        self.store = store
        self.last = last
        self.poll_s = poll_s
        self.subscribers: set[Subscriber] = set()
        self._wake = asyncio.Event()
        self._beat_at = time.monotonic() + BEAT_EVERY_S
        self._task = asyncio.create_task(self._run(), name=f"relay-{hall}")

    def ring(self, seq: int) -> None:
        if seq > self.last:
            self._wake.set()

    def heal(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                rows = await run_in_threadpool(self._read)
            except Exception:  # the database blinked: keep the relay, retry next round
                log.exception("reading events of hall %s failed", self.hall)
                rows = []
            self.publish(rows)
            if len(rows) >= READ_BATCH:
                self._wake.set()
            if time.monotonic() >= self._beat_at:
                self._heartbeats()

    def publish(self, rows: list[EventRow]) -> None:
        """Hand each new event, serialised once, to every subscriber."""
        for row in rows:
            if row.seq <= self.last:
                continue
            self.lag(max(0.0, (datetime.now(UTC) - row.at).total_seconds()))
            message = text_message(event_message(row))
            self.last = row.seq
            for subscriber in list(self.subscribers):
                subscriber.offer(row.seq, message)

    def _heartbeats(self) -> None:
        now = time.monotonic()
        self._beat_at = now + BEAT_EVERY_S
        messages: dict[int, Message] = {}  # one heartbeat per seq, shared
        for subscriber in list(self.subscribers):
            subscriber.heartbeat(now, messages)

    def _read(self) -> list[EventRow]:
        with self.store.read() as tx:
            return tx.events_since(self.hall, self.last, limit=READ_BATCH)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class HallFeed:
    """This process's relays, made on a hall's first subscriber, dropped with its last."""

    def __init__(self, store: Store, poll_s: float = 2.0, lag: Lag = lambda _s: None) -> None:
        self.store = store
        self.poll_s = poll_s
        self.lag = lag  # seconds from an event's commit to its hand-off (the metrics)
        self.relays: dict[str, HallRelay] = {}
        self.snapshots = SnapshotFlights()  # a hall's displays reconnecting at once share a read

    def ring(self, hall: str, seq: int) -> None:
        relay = self.relays.get(hall)
        if relay is not None:
            relay.ring(seq)

    def heal(self) -> None:
        for relay in self.relays.values():
            relay.heal()

    async def subscribe(self, hall: str, websocket: WebSocket, board: Board) -> Subscriber:
        """Listen before taking the snapshot, so no event falls between the two.

        The subscriber starts owned by the caller, who sends its first
        snapshot with `drain()`.
        """
        relay = self.relays.get(hall)
        if relay is None:
            last = await run_in_threadpool(self._last_seq, hall)
            relay = self.relays.get(hall) or HallRelay(
                hall, self.store, last, self.poll_s, self.lag
            )
            self.relays[hall] = relay
        subscriber = Subscriber(websocket, board)
        relay.subscribers.add(subscriber)
        return subscriber

    def _last_seq(self, hall: str) -> int:
        with self.store.read() as tx:
            return tx.last_seq(hall)

    async def unsubscribe(self, hall: str, subscriber: Subscriber) -> None:
        await subscriber.stop()
        relay = self.relays.get(hall)
        if relay is None:
            return
        relay.subscribers.discard(subscriber)
        if not relay.subscribers:
            del self.relays[hall]
            await relay.stop()

    async def stop(self) -> None:
        for relay in list(self.relays.values()):
            await relay.stop()
        self.relays.clear()


# ---------------------------------------------------------------- the websocket


SUBPROTOCOL = "yichuang"  # offered with "bearer.<token>": the token stays out of the URL
BEARER_PREFIX = "bearer."


async def board_socket(websocket: WebSocket) -> None:
    services: HallServices = websocket.state.services
    feed: HallFeed = websocket.state.feed
    hall = websocket.path_params["hall"]
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    address = websocket.client.host if websocket.client else None
    token, session = socket_token(websocket), websocket.cookies.get(SESSION_COOKIE)
    try:
        if session and not token:  # a signed-in member's page (the browser sends the cookie)
            principal = await run_in_threadpool(services.session_principal, session)
        else:
            principal = await run_in_threadpool(
                services.tokens.authenticate, f"Bearer {token}", address
            )
        require(principal, {Role.DISPLAY, Role.SUPERVISOR, Role.WINDOW, Role.KIOSK}, hall=hall)
        await run_in_threadpool(services.hall_exists, hall)
    except QueueError as exc:
        english = prefers_english(websocket.headers.get("accept-language"))
        message = exc.message_for(english)
        await websocket.send_text(error_message(exc.code, message))
        await websocket.close(code=close_code(exc), reason=exc.code)
        return

    board = feed.snapshots.board(hall, lambda: services.snapshot(hall))
    subscriber = await feed.subscribe(hall, websocket, board)
    try:
        await subscriber.drain()
        if session and not token:
            await _listen(websocket, subscriber)
        else:  # a device: a revocation, in any process, closes its feed at once
            refused = services.tokens.until_refused(token)
            await _listen_until_refused(websocket, subscriber, refused)
    finally:
        await feed.unsubscribe(hall, subscriber)


async def _listen_until_refused(
    websocket: WebSocket, subscriber: Subscriber, refused: Awaitable[QueueError]
) -> None:
    """`_listen`, until `refused` says why the token no longer holds: then the
    display is told so (as at connect) and closed."""
    listening = asyncio.ensure_future(_listen(websocket, subscriber))
    watching = asyncio.ensure_future(refused)
    try:
        done, _ = await asyncio.wait({listening, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        listening.cancel()
        watching.cancel()
    if listening in done:
        return listening.result()  # the display left (a failure is raised as before)
    exc = watching.result()
    subscriber.closed = True  # the relay sends it nothing more
    english = prefers_english(websocket.headers.get("accept-language"))
    with contextlib.suppress(*SEND_ERRORS):
        await websocket.send_text(error_message(exc.code, exc.message_for(english)))
        await websocket.close(code=close_code(exc), reason=exc.code)


async def _listen(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Until the client leaves; `{"type": "resync"}` asks for a fresh snapshot."""
    while not subscriber.closed:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        with contextlib.suppress(Unreadable):
            if decode(message.get("text") or "").get("type") == MessageType.RESYNC:
                subscriber.resync()


def socket_token(websocket: WebSocket) -> str:
    """The token from the `bearer.<token>` subprotocol, else from `?token=`."""
    for protocol in websocket.scope.get("subprotocols") or []:
        if protocol.startswith(BEARER_PREFIX):
            return str(protocol[len(BEARER_PREFIX) :])
    return websocket.query_params.get("token", "")


def _now() -> datetime:
    return datetime.now(UTC)


routes = [WebSocketRoute("/ws/halls/{hall}/board", board_socket)]
