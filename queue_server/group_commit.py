"""Group commit: writes to one hall that arrive together share one transaction.

Each hall's writes are serialised anyway (by its row lock, or SQLite's single
writer), so while one transaction runs, the writes queuing behind it wait. The
first of them to get its turn takes all that queued and runs them as one
batch: one BEGIN, one lock, one read of the queue, one commit, instead of one
of each per write. Each waiting caller still gets its own result or error, and
only after the commit that made its change durable.

    commits = GroupCommit(run_batch)
    result = commits.submit("hall-1", work)   # from any thread

    batches = LoopBatches(run_batch)
    result = await batches.submit("hall-1", work)   # on the event loop

The two may run a batch for the same key at once; the database serialises
them (the hall's lock), as it does batches of several processes.
"""

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anyio import to_thread


@dataclass(eq=False, slots=True)
class Job:
    """One caller's write: run by whichever thread leads its batch."""

    work: Callable[..., Any]
    done: bool = False
    result: Any = None
    error: BaseException | None = None

    def succeed(self, result: Any) -> None:
        self.result, self.done = result, True

    def fail(self, error: BaseException) -> None:
        self.error, self.done = error, True

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit:
    """Runs each key's queued jobs in batches, one batch per key at a time.

    `run_batch(key, jobs)` must settle every job (succeed or fail); if it
    raises instead, the jobs it left unsettled fail with that error.
    """

    def __init__(self, run_batch: Callable[[str, list[Job]], None]) -> None:
        self._run_batch = run_batch
        self._changed = threading.Condition()
        self._queued: dict[str, list[Job]] = {}
        self._running: set[str] = set()

    def submit(self, key: str, work: Callable[..., Any]) -> Any:
        job = Job(work)
        with self._changed:
            self._queued.setdefault(key, []).append(job)
            while not job.done and key in self._running:
                self._changed.wait()
            if job.done:
                return job.outcome()
            # Our turn, and our job is still queued: lead a batch of all queued.
            self._running.add(key)
            batch = self._queued.pop(key)
        try:
            self._run_batch(key, batch)
        except BaseException as error:
            for unsettled in (j for j in batch if not j.done):
                unsettled.fail(error)
        finally:
            with self._changed:
                self._running.discard(key)
                self._changed.notify_all()
        return job.outcome()


class LoopBatches:
    """Group commit for callers on the event loop: they wait on the loop, not
    each in a thread of its own, and one worker thread runs each key's batch."""

    def __init__(self, run_batch: Callable[[str, list[Job]], None]) -> None:
        self._run_batch = run_batch
        self._queued: dict[str, list[tuple[Job, asyncio.Future[None]]]] = {}
        self._drains: dict[str, asyncio.Task[None]] = {}

    async def submit(self, key: str, work: Callable[..., Any]) -> Any:
        job, settled = Job(work), asyncio.get_running_loop().create_future()
        self._queued.setdefault(key, []).append((job, settled))
        if key not in self._drains:
            self._drains[key] = asyncio.create_task(self._drain(key))
        await settled
        return job.outcome()

    async def _drain(self, key: str) -> None:
        """Run batches of whatever queued for `key` until nothing is left."""
        try:
            while queued := self._queued.pop(key, None):
                jobs = [job for job, _ in queued]
                try:
                    await to_thread.run_sync(self._run_batch, key, jobs)
                except BaseException as error:  # cancelled too: nobody may wait forever
                    for unsettled in (j for j in jobs if not j.done):
                        unsettled.fail(error)
                    if not isinstance(error, Exception):
                        raise
                finally:
                    for _, settled in queued:
                        if not settled.done():
                            settled.set_result(None)
        finally:
            del self._drains[key]
            for job, settled in self._queued.pop(key, []):  # only left when cancelled
                job.fail(RuntimeError("the server is stopping"))
                settled.set_result(None)
