"""Many kiosks and windows at once, in threads and in separate processes.

Call-next and numbering are atomic in the database, so whatever the
interleaving: every ticket gets a distinct number, is called exactly once,
and none is left behind.
"""

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable

from queue_server.access import Principal, Role
from queue_server.bodies import HallIn, TicketIn, WindowIn
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.store import Store

ADMIN = Principal(Role.ADMIN)
SERVICES = ["HZ-SFZ-HL", "CRJ-HZ-SC", "JSR-QM-HZ"]
WINDOWS = 6


def _hub(url: str) -> HallServices:
    store = Store(url)
    store.create_all()
    return HallServices(store, Settings(database_url=url, secret_key="k"))


def _setup(url: str) -> None:
    hub = _hub(url)
    hub.create_hall(ADMIN, HallIn(id="busy", name="繁忙大厅"))
    for n in range(1, WINDOWS + 1):
        hub.put_window(ADMIN, "busy", n, WindowIn(label=f"{n}", services="all"))
        hub.window_action(ADMIN, "busy", n, "open", None)
    hub.store.dispose()


def issue_many(url: str, count: int, offset: int) -> list[str]:
    hub = _hub(url)
    ids = []
    for i in range(count):
        view, created = hub.issue_ticket(
            ADMIN, "busy", TicketIn(service=SERVICES[(i + offset) % 3]), idem_key=None
        )
        assert created
        ids.append(view["id"])
    hub.store.dispose()
    return ids


def call_until_empty(url: str, window: int, issuers_done: Callable[[], bool]) -> list[str]:
    """Call, start and finish at `window` until the issuers stop and nobody waits."""
    hub = _hub(url)
    called = []
    while True:
        finished = issuers_done()  # read before calling: a None after it means truly empty
        result = hub.window_action(ADMIN, "busy", window, "call-next", None)
        if result is None:
            if finished:
                break
            continue
        called.append(result["ticket"]["id"])
        hub.window_action(ADMIN, "busy", window, "start", None)
        hub.window_action(ADMIN, "busy", window, "finish", None)
    hub.store.dispose()
    return called


def _check(url: str, issued: list[str], called: list[str]) -> None:
    assert sorted(called) == sorted(issued), "every ticket called exactly once"
    assert not [t for t, n in Counter(called).items() if n > 1]
    store = Store(url)
    with store.read() as tx:
        day = tx.day_tickets("busy", tx.ticket(issued[0]).business_date)
        assert tx.last_seq("busy") == len(tx.events_since("busy", 0, limit=100_000))
    store.dispose()
    assert {t.status.value for t in day} == {"done"}
    numbers = [t.number for t in day]
    assert len(set(numbers)) == len(numbers)
    for prefix in {n[0] for n in numbers}:
        seqs = sorted(int(n[1:]) for n in numbers if n[0] == prefix)
        assert seqs == list(range(1, len(seqs) + 1)), "no gap, no repeat"


def test_threads_issue_and_call_at_once(db_url: str) -> None:
    _setup(db_url)
    issued: list[str] = []
    called: list[str] = []
    lock = threading.Lock()
    remaining = [4]

    def issuer(offset: int) -> None:
        ids = issue_many(db_url, 25, offset)
        with lock:
            issued.extend(ids)
            remaining[0] -= 1

    def caller(window: int) -> None:
        ids = call_until_empty(db_url, window, lambda: remaining[0] == 0)
        with lock:
            called.extend(ids)

    threads = [threading.Thread(target=issuer, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=caller, args=(n,)) for n in range(1, WINDOWS + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert len(issued) == 100
    _check(db_url, issued, called)


def _issuer_process(url: str, offset: int, out: "multiprocessing.Queue[list[str]]") -> None:
    out.put(issue_many(url, 30, offset))


def _caller_process(
    url: str, window: int, done: "threading.Event", out: "multiprocessing.Queue[list[str]]"
) -> None:
    out.put(call_until_empty(url, window, done.is_set))


def test_processes_issue_and_call_at_once(db_url: str) -> None:
    """Separate processes, separate connection pools: only the database coordinates."""
    _setup(db_url)
    ctx = multiprocessing.get_context("spawn")
    issued_q: multiprocessing.Queue[list[str]] = ctx.Queue()
    called_q: multiprocessing.Queue[list[str]] = ctx.Queue()
    done = ctx.Event()
    issuers = [ctx.Process(target=_issuer_process, args=(db_url, i, issued_q)) for i in range(3)]
    callers = [
        ctx.Process(target=_caller_process, args=(db_url, n, done, called_q)) for n in (1, 2, 3)
    ]
    for p in issuers + callers:
        p.start()
    issued = [t for _ in issuers for t in issued_q.get(timeout=120)]
    done.set()
    called = [t for _ in callers for t in called_q.get(timeout=120)]
    for p in issuers + callers:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert len(issued) == 90
    _check(db_url, issued, called)
