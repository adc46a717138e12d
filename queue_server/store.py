"""Persistence on SQLite or PostgreSQL, chosen by URL; returns domain objects.

Concurrency is the database's job, never a Python lock, so several server
processes can share one database:
- every write runs in one transaction (`Store.write()`); on SQLite it begins
  IMMEDIATE, so writers queue on the database lock instead of failing midway;
- a hall's writes take its row lock first (`Tx.lock_hall`); under it the
  transaction loads the hall's `HallState`, saves each `Move` of it (ticket
  and window rows only over the version read: StaleState otherwise, and the
  caller retries), and numbers events and tickets in memory, written once
  before commit;
- after commit the process keeps the hall's last state, valid while the
  hall's seq has not moved: every change to tickets, windows and numbering is
  announced by an event. The next transaction (or a read at that seq) starts
  from it instead of reading the queue again.

The queries live in `state_rows` (the hall's state), `hall_rows` (the hall,
its windows and events), `ticket_rows` (tickets) and `records` (ratings,
tokens, devices, alerts, bookings, meta), `staff_rows` (staff and sessions),
`visit_rows` (home visits).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from .citizen_rows import CitizenRows
from .feedback_rows import FeedbackRows
from .records import Records
from .reminder_rows import ReminderRows
from .remote_rows import RemoteRows
from .report_rows import ReportRows
from .staff_rows import StaffRows
from .staffing_rows import StaffingRows
from .state_rows import Kept, StateRows
from .visit_rows import VisitRows


def normalise_url(url: str) -> str:
    """Accept plain postgres URLs and use psycopg 3 for them."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _sqlite_engine(url: str, *, begin: str, connections: int, synchronous: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        poolclass=QueuePool,
        pool_size=connections,
        max_overflow=0,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(conn: Any, _record: Any) -> None:
        conn.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")  # a checked setting
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted or overwritten rows are zeroed, not left in free space: a copy of
        # the file must not give back personal data or a key that was removed.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Store:
    """Owns the engines. `write()` and `read()` open a transaction as a `Tx`."""

    def __init__(self, url: str, *, synchronous: str = "FULL") -> None:
        self.url = normalise_url(url)
        if self.url.startswith("sqlite"):
            self.dialect = "sqlite"
            # One writer connection per process: threads queue for it in the pool
            # (first come, first served) instead of in SQLite's busy handler,
            # which sleeps up to 100 ms per retry. Atomicity still comes from
            # SQLite's lock, which also orders writers of other processes.
            self._writer = _sqlite_engine(
                self.url, begin="BEGIN IMMEDIATE", connections=1, synchronous=synchronous
            )
            self._reader = _sqlite_engine(
                self.url, begin="BEGIN", connections=8, synchronous=synchronous
            )
        else:
            self.dialect = "postgresql"
            self._writer = create_engine(self.url, pool_size=10, max_overflow=20)
            # One consistent view per read: a board snapshot and its seq agree.
            self._reader = self._writer.execution_options(isolation_level="REPEATABLE READ")
        self._kept = Kept()

    def create_all(self) -> None:
        """Ready the database for this code: an empty one gets every table;
        any other must be at the newest migration (else schema.SchemaError,
        and this store is closed)."""
        from .schema import prepare  # schema imports this module

        try:
            prepare(self._writer)
        except BaseException:
            self.dispose()
            raise

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the file and empty it, so what
        was overwritten lives in neither (no-op on PostgreSQL)."""
        if self.dialect == "sqlite":
            conn = self._writer.raw_connection()  # outside a transaction, as the pragma needs
            try:
                conn.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
            finally:
                conn.close()

    def ping(self) -> None:
        """One round trip to the database (readiness); raises when it is away."""
        with self._reader.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self._writer.dispose()
        self._reader.dispose()

    @contextmanager
    def write(self) -> Iterator["Tx"]:
        tx = None
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                tx = Tx(session, self.dialect, self._kept)
                yield tx
                tx.write_deferred()
            tx.keep()
        finally:
            if tx is not None:
                tx.release()

    @contextmanager
    def read(self) -> Iterator["Tx"]:
        """A read. The hall states it reads are held for it until it ends: read
        inside the `with`, and keep it short."""
        with Session(self._reader, expire_on_commit=False) as session, session.begin():
            tx = Tx(session, self.dialect, self._kept, reading=True)
            try:
                yield tx
            finally:
                tx.release()


class Tx(
    StateRows,
    Records,
    StaffRows,
    FeedbackRows,
    ReportRows,
    CitizenRows,
    VisitRows,
    ReminderRows,
    RemoteRows,
    StaffingRows,
):
    """One open transaction; every method reads or writes through it."""


__all__ = ["Store", "Tx"]
