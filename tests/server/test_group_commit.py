"""Group commit: changes to one hall that queue up together share a transaction,
yet each caller gets its own answer, and one refusal spoils nothing else."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy.exc import IntegrityError

from queue_server.access import Principal, Role
from queue_server.bodies import HallIn, TicketIn, WindowIn
from queue_server.errors import DuplicateTicket
from queue_server.group_commit import GroupCommit, Job, LoopBatches
from queue_server.models import FigureSnapshotRow
from queue_server.protocol import Event
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.store import Store, Tx

ADMIN = Principal(Role.ADMIN)
ELDER = "11010519491231002X"  # valid check digit, born 1949


class SlowFirstBatch:
    """A batch runner that holds its first batch 0.2 s, so the next callers queue
    behind it; caller 3's work is refused, the others answer ten times their n."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.first_running = threading.Event()

    def __call__(self, _key: str, jobs: list[Job]) -> None:
        self.batches.append(len(jobs))
        if len(self.batches) == 1:
            self.first_running.set()
            time.sleep(0.2)
        for job in jobs:
            try:
                job.succeed(job.work())
            except ValueError as error:
                job.fail(error)

    @staticmethod
    def work(n: int) -> Callable[[], int]:
        def work() -> int:
            if n == 3:
                raise ValueError("refused")
            return n * 10

        return work

    EXPECTED: ClassVar[list[object]] = [n * 10 if n != 3 else "refused" for n in range(9)]


def test_jobs_queued_behind_a_batch_run_together_and_each_gets_its_answer() -> None:
    run_batch = SlowFirstBatch()
    commits = GroupCommit(run_batch)
    answers: dict[int, Any] = {}

    def caller(n: int) -> None:
        try:
            answers[n] = commits.submit("hall", run_batch.work(n))
        except ValueError as error:
            answers[n] = str(error)

    first = threading.Thread(target=caller, args=(0,))
    first.start()
    assert run_batch.first_running.wait(5)
    others = [threading.Thread(target=caller, args=(n,)) for n in range(1, 9)]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join(10)
    assert run_batch.batches == [1, 8]
    assert [answers[n] for n in range(9)] == SlowFirstBatch.EXPECTED


def test_a_batch_that_cannot_run_fails_every_caller_in_it() -> None:
    def broken(_key: str, _jobs: list[Job]) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        GroupCommit(broken).submit("hall", lambda: 1)


@pytest.fixture
def hub(db_url: str) -> Iterator[HallServices]:
    store = Store(db_url)
    store.create_all()
    hub = HallServices(store, Settings(database_url=db_url, secret_key="k", jobs_interval_s=0))
    hub.create_hall(ADMIN, HallIn(id="h", name="大厅"))
    hub.put_window(ADMIN, "h", 1, WindowIn(label="1", services="all"))
    yield hub
    store.dispose()


def test_a_refusal_inside_a_batch_leaves_the_other_tickets_of_the_batch(
    hub: HallServices,
) -> None:
    gate = threading.Event()
    seqs: list[int] = []
    hub.notify = lambda _hall, seq: seqs.append(seq)

    def hold_the_hall(_tx: Tx, _now: datetime, _events: list[Event]) -> None:
        gate.wait(5)  # the hall's transaction stays open; the next writes queue

    holder = threading.Thread(target=hub.write, args=("h", hold_the_hall))
    holder.start()
    time.sleep(0.1)
    outcomes: dict[int, Any] = {}

    def kiosk(n: int) -> None:
        body = TicketIn(service="HZ-SFZ-HL", id_number=ELDER if n in (1, 2) else None)
        try:
            outcomes[n] = hub.issue_ticket(ADMIN, "h", body, idem_key=f"key-{n}")[0]["number"]
        except DuplicateTicket as refusal:
            outcomes[n] = refusal

    kiosks = [threading.Thread(target=kiosk, args=(n,)) for n in range(5)]
    for t in kiosks:
        t.start()
    time.sleep(0.3)  # all five are queued behind the open transaction
    gate.set()
    for t in [holder, *kiosks]:
        t.join(10)

    refused = [n for n, o in outcomes.items() if isinstance(o, DuplicateTicket)]
    numbers = sorted(o for o in outcomes.values() if isinstance(o, str))
    assert len(refused) == 1 and refused[0] in (1, 2)  # the same person twice: one refused
    assert numbers == ["A001", "A002", "A003", "A004"]  # no gap left by the refusal
    assert seqs and seqs[-1] == 4 + 1  # window.updated, then four ticket.issued
    with hub.store.read() as tx:
        stored = tx.events_since("h", 0)
        assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
        assert [e.data["waiting"]["total"] for e in stored[1:]] == [1, 2, 3, 4]
        assert len(hub.state(tx, "h", hub.clock()).queue()) == 4


def test_a_part_that_fails_after_writing_leaves_none_of_its_rows(hub: HallServices) -> None:
    """A change that wrote rows (flushed, and one still pending) and then failed
    leaves none of them, nor does one whose row the database refuses; the
    changes before and after them in their batch stay."""
    gate = threading.Event()
    holder = threading.Thread(target=hub.write, args=("h", lambda *_: gate.wait(5)))
    holder.start()
    time.sleep(0.1)
    slot = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)

    def snapshot(minutes: int, fail: bool) -> Callable[[Tx, datetime, list[Event]], None]:
        def work(tx: Tx, _now: datetime, _events: list[Event]) -> None:
            at = slot + timedelta(minutes=minutes)
            row = snapshot_row(at, waiting=minutes)
            tx.add_figure_snapshot(row)  # flushed
            if fail:
                tx.s.add(snapshot_row(at + timedelta(seconds=1)))  # not flushed
                raise ValueError("refused after writing")

        return work

    failures: list[BaseException] = []

    def run(minutes: int, fail: bool) -> None:
        try:
            hub.write("h", snapshot(minutes, fail))
        except (ValueError, IntegrityError) as error:
            failures.append(error)

    parts = [threading.Thread(target=run, args=(m, m == 5)) for m in (0, 5, 10)]
    # And one the database refuses: the slot of minute 0 again (its primary key).
    parts.append(threading.Thread(target=run, args=(0, False)))
    for part in parts:
        part.start()
        time.sleep(0.05)  # in this order, all queued behind the open transaction
    gate.set()
    for t in [holder, *parts]:
        t.join(10)
    assert sorted(type(f).__name__ for f in failures) == ["IntegrityError", "ValueError"]
    with hub.store.read() as tx:
        kept = tx.figure_snapshots("h", slot.date())
    assert [row.waiting for row in kept] == [0, 10]


def snapshot_row(at: datetime, waiting: int = 0) -> FigureSnapshotRow:
    return FigureSnapshotRow(
        hall_id="h",
        at=at,
        business_date=at.date(),
        waiting=waiting,
        in_progress=0,
        served=0,
        open_windows=1,
    )


def test_what_one_process_keeps_between_transactions_yields_to_another_process(
    db_url: str,
) -> None:
    """Two servers on one database: each sees the other's tickets and calls, and
    numbering stays gapless, although each keeps the queue between its writes."""
    hubs = []
    for _ in range(2):
        store = Store(db_url)
        store.create_all()
        hubs.append(HallServices(store, Settings(database_url=db_url, secret_key="k")))
    a, b = hubs
    a.create_hall(ADMIN, HallIn(id="h", name="大厅"))
    a.put_window(ADMIN, "h", 1, WindowIn(label="1", services="all"))

    ids: dict[str, str] = {}

    def issue(hub: HallServices) -> tuple[str, int]:
        view = hub.issue_ticket(ADMIN, "h", TicketIn(service="HZ-SFZ-HL"), idem_key=None)[0]
        ids[view["number"]] = view["id"]
        return view["number"], view["position"]

    try:
        assert issue(a) == ("A001", 0)
        assert issue(b) == ("A002", 1)
        assert issue(a) == ("A003", 2)  # a's kept queue had only A001
        assert a.ticket_view(ids["A003"])["position"] == 2
        b.window_action(ADMIN, "h", 1, "open", None)
        called = b.window_action(ADMIN, "h", 1, "call-next", None)
        assert called is not None and called["ticket"]["number"] == "A001"
        assert a.ticket_view(ids["A003"])["position"] == 1  # a's reads see b's call
        assert issue(a) == ("A004", 2)  # A001 left the queue through b
        with a.store.read() as tx:
            waiting = a.state(tx, "h", a.clock()).queue()
            assert sorted(t.number for t in waiting) == ["A002", "A003", "A004"]
    finally:
        for hub in hubs:
            hub.store.dispose()


def test_callers_on_the_event_loop_share_batches_and_hold_no_thread_while_waiting() -> None:
    run_batch = SlowFirstBatch()

    async def main() -> list[Any]:
        loop_batches = LoopBatches(run_batch)

        async def caller(n: int) -> Any:
            try:
                return await loop_batches.submit("hall", run_batch.work(n))
            except ValueError as error:
                return str(error)

        first = asyncio.create_task(caller(0))
        await asyncio.to_thread(run_batch.first_running.wait, 5)
        threads_before = threading.active_count()
        others = [asyncio.create_task(caller(n)) for n in range(1, 9)]
        await asyncio.sleep(0.05)
        assert threading.active_count() == threads_before  # eight callers, no new thread
        return await asyncio.gather(first, *others)

    answers = asyncio.run(main())
    assert run_batch.batches == [1, 8]
    assert answers == SlowFirstBatch.EXPECTED
