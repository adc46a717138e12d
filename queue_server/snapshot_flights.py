"""One read of a hall's board at a time, shared by the displays that wait for it.

When a server process dies, its displays reconnect to another one all at
once: twenty screens of one hall each asking for a snapshot would cost twenty
reads of the same board, queued behind the requests of the clerks and phones
that moved over too. Here they share one read.

A display joins only a read that has not begun: its socket already listens
to the hall's feed (live.py subscribes before it asks), so the snapshot, read
after that, is never older than what the feed will send next, and no event
falls between the two. Askers arriving while a read runs wait for the next
one, which begins as soon as the running one ends.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

Snapshot = dict[str, Any]


class SnapshotFlights:
    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[Snapshot]] = {}  # per hall: a read not begun
        self.locks: dict[str, asyncio.Lock] = {}  # per hall: held while a read runs
        self.reads = 0  # reads made (the tests count them)
        self._tasks: set[asyncio.Task[None]] = set()

    def board(self, hall: str, read: Callable[[], Snapshot]) -> Callable[[], Awaitable[Snapshot]]:
        """The board callable of one display: `read` (blocking) run in a thread,
        shared with the other displays of the hall asking meanwhile."""

        async def shared() -> Snapshot:
            return await self.snapshot(hall, read)

        return shared

    async def snapshot(self, hall: str, read: Callable[[], Snapshot]) -> Snapshot:
        future = self.waiting.get(hall)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            future.add_done_callback(_retrieved)
            self.waiting[hall] = future
            task = asyncio.create_task(self._read(hall, future, read))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # Shielded: one display leaving must not cancel the read the others wait for.
        return await asyncio.shield(future)

    async def _read(
        self, hall: str, future: asyncio.Future[Snapshot], read: Callable[[], Snapshot]
    ) -> None:
        async with self.locks.setdefault(hall, asyncio.Lock()):
            if self.waiting.get(hall) is future:
                del self.waiting[hall]  # begun: later askers wait for the next read
            self.reads += 1
            try:
                future.set_result(await run_in_threadpool(read))
            except Exception as exc:  # each waiting display gets it (and reconnects)
                future.set_exception(exc)


def _retrieved(future: asyncio.Future[Snapshot]) -> None:
    """Mark a failed read's exception seen, even when every asker has left."""
    if not future.cancelled():
        future.exception()
