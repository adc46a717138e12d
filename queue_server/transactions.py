"""The transaction runner: load -> decide -> save -> publish after commit.

Every use case runs its change as `work(tx, now, events)` through `write`. The
change runs in one database transaction, retried when a concurrent writer got
there first (StaleState, or a unique index that caught a race), and only after
the commit are its events handed to the feed: a refused or failed change is
never announced, and an announced change is always stored. Changes to one hall
that queue up together share a transaction (group commit), each in its own
savepoint: one refused change leaves the others of its batch alone.
"""

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from . import catalogue as catalogue_module
from . import outbox
from .access import FailureWindow
from .catalogue import Catalogue
from .domain import Hall
from .errors import StaleState
from .group_commit import GroupCommit, Job, LoopBatches
from .hall_state import HallState, Move
from .id_key import load_id_key
from .metrics import Metrics
from .protocol import Event
from .public import local_iso
from .sealed import Sealer
from .settings import Settings
from .store import Store, Tx
from .tokens import Tokens
from .views import waiting_counts
from .webhooks import takers

Notify = Callable[[str, int], None]  # (hall, last seq) after a commit
R = TypeVar("R")
Work = Callable[[Tx, datetime, list[Event]], R]  # a change, run inside a hall's transaction

MAX_ATTEMPTS = 8


def utcnow() -> datetime:
    return datetime.now(UTC)


def collided() -> StaleState:
    """The refusal after every retry of a change met a concurrent one."""
    return StaleState(
        "系统繁忙，请稍候再试一次", en="this change kept colliding with others; please retry"
    )


class Runner:
    """What every use case shares: the store, settings, catalogue, clock and feed."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        catalogue: Catalogue | None = None,
        clock: Callable[[], datetime] = utcnow,
        notify: Notify | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.settings = settings
        self.catalogue = catalogue or catalogue_module.load()
        self.clock = clock
        self.notify = notify or (lambda _hall, _seq: None)
        self._id_key: bytes | None = None
        self.tokens = Tokens(store, settings, self.write, clock)
        # Wrong sign-ins per address, beside each account's own lock: guessing
        # across many 工号 from one place is slowed down too.
        self.sign_in_failures = FailureWindow(
            settings.auth_failures, settings.auth_window_s, ("登录失败", "failed sign-ins")
        )
        self._commits = GroupCommit(self._run_batch)
        self._loop_batches = LoopBatches(self._run_batch)

    def state(self, tx: Tx, hall_id: str, now: datetime, *, reading: bool = False) -> HallState:
        """The hall's state in `tx`: a writer's own to change, unless `reading`."""
        return tx.hall_state(hall_id, now, self.catalogue, reading=reading)

    def apply(
        self, tx: Tx, state: HallState, move: Move, events: list[Event], **holder: Any
    ) -> None:
        """Save a move of `state` and queue its events for after the commit."""
        tx.save(state, move, holder or None)
        events.extend(move.events)

    async def write_from_loop(self, hall_id: str, work: Work[R]) -> R:
        """`write` for the event loop: the caller waits on the loop, not in a thread
        of its own, and one thread runs each batch (the kiosks' hot path)."""
        result: R = await self._loop_batches.submit(hall_id, work)
        return result

    def write(self, hall_id: str | None, work: Work[R]) -> R:
        """Run `work` in a write transaction, retrying races; publish after commit.

        A change to a hall may share its transaction with others queued for
        the same hall (see `_run_batch`)."""
        if hall_id is not None:
            result: R = self._commits.submit(hall_id, work)
            return result
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self.store.write() as tx:
                    return work(tx, self.clock(), [])
            except IntegrityError:
                if attempt >= 1:
                    raise
        raise collided()

    def _run_batch(self, hall_id: str, jobs: list[Job]) -> None:
        """Run the queued changes to one hall in one transaction; settle each job
        after the commit, then ring the feed once."""
        for attempt in range(MAX_ATTEMPTS):
            outcomes: list[tuple[Any, BaseException | None]] = []
            last_seq = None
            committed: list[Event] = []
            started = time.perf_counter()
            try:
                with self.store.write() as tx:
                    tx.lock_hall(hall_id)
                    for job in jobs:
                        result, error, seq = self._run_job(tx, hall_id, job, committed)
                        outcomes.append((result, error))
                        last_seq = seq or last_seq
            except (IntegrityError, StaleState):
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # de-synchronise retries
                continue
            self.metrics.committed(hall_id, committed, len(jobs), time.perf_counter() - started)
            for job, (result, error) in zip(jobs, outcomes, strict=True):
                if error is not None:
                    job.fail(error)
                else:
                    job.succeed(result)
            if last_seq is not None:
                self.notify(hall_id, last_seq)
            return
        busy = collided()
        for job in jobs:
            job.fail(busy)

    def _run_job(
        self, tx: Tx, hall_id: str, job: Job, committed: list[Event]
    ) -> tuple[Any, BaseException | None, int | None]:
        """(result, error, last seq) of one change, in its own savepoint; its
        events join `committed`."""
        for attempt in range(MAX_ATTEMPTS):
            events: list[Event] = []
            try:
                with tx.savepoint():
                    now = self.clock()
                    result = job.work(tx, now, events)
                    seq = self._append_events(tx, hall_id, events, now)
                committed.extend(events)
                return result, None, seq
            except IntegrityError as error:
                # A unique index caught a twin (same idempotency key, same
                # person) committed meanwhile: the retry sees it and answers.
                if attempt >= 1:
                    return None, error, None
            except StaleState:
                continue
            except Exception as error:  # a refusal (QueueError) or a bug: this job's alone
                return None, error, None
        return None, collided(), None

    def _append_events(
        self, tx: Tx, hall_id: str, events: list[Event], now: datetime
    ) -> int | None:
        """Store the events with the hall's next seqs; the last seq, or None if none."""
        if not events:
            return None
        # Every event carries the queue's counts after the change, so a display
        # never has to add and subtract, and cannot drift.
        state = self.state(tx, hall_id, now, reading=True)
        counts = waiting_counts(state, self.catalogue)
        last = tx.append_events(hall_id, events, {"waiting": counts}, now)
        if state.hall.webhooks:
            first = last - len(events) + 1
            for seq, event in enumerate(events, first):
                self._hook(tx, state.hall, seq, event, now)
        return last

    @staticmethod
    def _hook(tx: Tx, hall: Hall, seq: int, event: Event, now: datetime) -> None:
        """Queue `event` for each subscription that takes it, in this transaction:
        it goes out if and only if the change commits."""
        for hook_id, name in takers(hall.webhooks, event):
            payload = {
                "id": f"{hall.id}-{seq}-{hook_id}",  # the same on every retry: dedupe by it
                "type": name,
                "hall": hall.id,
                "seq": seq,
                "at": local_iso(now, hall.zone),
                "data": event.data,
                "webhook": hook_id,
            }
            outbox.enqueue(tx, hall.id, outbox.WEBHOOK, name, payload, now)

    def local_today(self, now: datetime) -> date:
        """Today in the server's default time zone (a birth date may not be after it)."""
        return now.astimezone(ZoneInfo(self.settings.timezone)).date()

    @cached_property
    def sealer(self) -> Sealer:
        """Seals the phones the hall must read back (call-backs, 短信评价)."""
        return Sealer(self.id_key())

    def id_key(self) -> bytes:
        """The ID-number hash key: from the settings or a file, never the database."""
        if self._id_key is None:
            self._id_key = load_id_key(self.settings, self.store)
        return self._id_key
