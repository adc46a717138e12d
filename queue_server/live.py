"""The live hall feed: per-hall relays and the display websocket.

`WS /ws/halls/{hall}/board?token=…` sends one `snapshot` (with the `seq` it
reflects), then every event of the hall in seq order, each exactly once, and
a `heartbeat` when idle. A client that sees a gap sends `{"type": "resync"}`
(or reconnects) and gets a fresh snapshot.

One `HallRelay` per hall with listeners reads new events from the database
when the doorbell rings (or every `poll_s`, in case a ring was lost),
serialises each once and offers it to every subscriber's bounded queue. A
subscriber whose queue is full is not waited for: its queue is replaced by a
resync marker, and its handler sends it a fresh snapshot instead.
"""

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .access import Role, require
from .domain import QueueError
from .models import EventRow
from .services import HallServices
from .store import Store

log = logging.getLogger("queue_server.live")

QUEUE_SIZE = 256
HEARTBEAT_S = 15.0
RESYNC = (-1, "")  # queue marker: this subscriber lagged; send it a new snapshot

Item = tuple[int, str]  # (seq, serialised message)


def event_message(row: EventRow) -> str:
    return json.dumps(
        {"type": row.type, "seq": row.seq, "at": row.at.isoformat(), "data": row.data},
        ensure_ascii=False,
    )


@dataclass(eq=False)
class Subscriber:
    queue: asyncio.Queue[Item] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, item: Item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)

    def resync(self) -> None:
        self.offer(RESYNC)


class HallRelay:
    """Reads a hall's new events from the database and fans them out, in order."""

    def __init__(self, hall: str, store: Store, last: int, poll_s: float) -> None:
        self.hall = hall
        self.store = store
        self.last = last
        self.poll_s = poll_s
        self.subscribers: set[Subscriber] = set()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"relay-{hall}")

    def ring(self, seq: int) -> None:
        if seq > self.last:
            self._wake.set()

    def heal(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()
            try:
                rows = await run_in_threadpool(self._read)
            except Exception:  # the database blinked: keep the relay, retry next round
                log.exception("reading events of hall %s failed", self.hall)
                continue
            for row in rows:
                item = (row.seq, event_message(row))
                self.last = row.seq
                for subscriber in list(self.subscribers):
                    subscriber.offer(item)

    def _read(self) -> list[EventRow]:
        with self.store.read() as tx:
            return tx.events_since(self.hall, self.last)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class HallFeed:
    """This process's relays, made on a hall's first subscriber, dropped with its last."""

    def __init__(self, store: Store, poll_s: float = 2.0) -> None:
        self.store = store
        self.poll_s = poll_s
        self.relays: dict[str, HallRelay] = {}

    def ring(self, hall: str, seq: int) -> None:
        relay = self.relays.get(hall)
        if relay is not None:
            relay.ring(seq)

    def heal(self) -> None:
        for relay in self.relays.values():
            relay.heal()

    async def subscribe(self, hall: str) -> Subscriber:
        """Listen before taking the snapshot, so no event falls between the two."""
        relay = self.relays.get(hall)
        if relay is None:
            last = await run_in_threadpool(self._last_seq, hall)
            relay = self.relays.get(hall) or HallRelay(hall, self.store, last, self.poll_s)
            self.relays[hall] = relay
        subscriber = Subscriber()
        relay.subscribers.add(subscriber)
        return subscriber

    def _last_seq(self, hall: str) -> int:
        with self.store.read() as tx:
            return tx.last_seq(hall)

    async def unsubscribe(self, hall: str, subscriber: Subscriber) -> None:
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


async def board_socket(websocket: WebSocket) -> None:
    services: HallServices = websocket.state.services
    feed: HallFeed = websocket.state.feed
    hall = websocket.path_params["hall"]
    await websocket.accept()
    try:
        principal = await run_in_threadpool(
            services.authenticate, f"Bearer {websocket.query_params.get('token', '')}"
        )
        require(principal, {Role.DISPLAY, Role.SUPERVISOR, Role.WINDOW, Role.KIOSK}, hall=hall)
        await run_in_threadpool(services.hall_exists, hall)
    except QueueError as exc:
        await websocket.send_json({"type": "error", "error": exc.code, "message": str(exc)})
        await websocket.close(code=4000 + exc.status, reason=exc.code)
        return
    subscriber = await feed.subscribe(hall)
    try:
        await _serve(websocket, services, hall, subscriber)
    finally:
        await feed.unsubscribe(hall, subscriber)


async def _serve(
    websocket: WebSocket, services: HallServices, hall: str, subscriber: Subscriber
) -> None:
    """Race the relay against the client: whichever ends first ends both."""
    sender = asyncio.create_task(_send_events(websocket, services, hall, subscriber))
    listener = asyncio.create_task(_listen(websocket, subscriber))
    done, pending = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await task
    for task in done:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            task.result()


async def _send_events(
    websocket: WebSocket, services: HallServices, hall: str, subscriber: Subscriber
) -> None:
    sent = await _send_snapshot(websocket, services, hall)
    while True:
        try:
            seq, text = await asyncio.wait_for(subscriber.queue.get(), HEARTBEAT_S)
        except TimeoutError:
            await websocket.send_json({"type": "heartbeat", "seq": sent, "at": _now()})
            continue
        if (seq, text) == RESYNC:
            sent = await _send_snapshot(websocket, services, hall)
        elif seq > sent:  # events the snapshot already reflects are skipped
            await websocket.send_text(text)
            sent = seq


async def _send_snapshot(websocket: WebSocket, services: HallServices, hall: str) -> int:
    board: dict[str, Any] = await run_in_threadpool(services.snapshot, hall)
    seq = int(board["seq"])
    await websocket.send_json({"type": "snapshot", "seq": seq, "at": _now(), "data": board})
    return seq


async def _listen(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Until the client leaves; `{"type": "resync"}` asks for a fresh snapshot."""
    while True:
        text = await websocket.receive_text()
        with contextlib.suppress(ValueError, AttributeError):
            if json.loads(text).get("type") == "resync":
                subscriber.resync()


def _now() -> str:
    return datetime.now(UTC).isoformat()


routes = [WebSocketRoute("/ws/halls/{hall}/board", board_socket)]
