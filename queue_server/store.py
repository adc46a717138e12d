"""Persistence on SQLite or PostgreSQL, chosen by URL; returns domain objects.

Concurrency is the database's job, never a Python lock, so several server
processes can share one database:
- every write runs in one transaction (`Store.write()`); on SQLite it begins
  IMMEDIATE, so writers queue on the database lock instead of failing midway;
- ticket and window rows carry a version; `save_*` updates only the version
  it read and raises StaleState otherwise, and the caller retries;
- sequences (ticket numbers, the hall's event seq) are single-statement
  increments in the same transaction as the change they number;
- a transaction that holds its hall's lock (`Tx.lock_hall`) keeps what it
  read of the hall (queue, windows, means, seq, counters) in step with its own
  writes, so a batch of writes (services.HallServices.write) reads each once.
"""

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    Row,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, col, select

from .domain import Hall, PriorityClass, Step, Ticket, Window
from .errors import NotFound, StaleState
from .estimate import ArrivalKind
from .hours import parse_hours
from .models import (
    AlertAckRow,
    AlertRow,
    AppointmentRow,
    BookingBanRow,
    CounterRow,
    DayReportRow,
    DeviceRow,
    EventRow,
    FigureSnapshotRow,
    HallRow,
    MetaRow,
    PendingBookingRow,
    RatingRow,
    TicketRow,
    TokenRow,
    TransitionRow,
    WindowRow,
    hall_policy,
    ticket_changes,
    ticket_from_row,
    window_from_row,
)
from .protocol import Event, TicketStatus

TICKETS: Table = TicketRow.__table__  # type: ignore[attr-defined]
TRANSITIONS: Table = TransitionRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]
COUNTERS: Table = CounterRow.__table__  # type: ignore[attr-defined]
WINDOWS: Table = WindowRow.__table__  # type: ignore[attr-defined]
HALLS: Table = HallRow.__table__  # type: ignore[attr-defined]
APPOINTMENTS: Table = AppointmentRow.__table__  # type: ignore[attr-defined]

# Hot statements, built once (SQLAlchemy caches their compiled form by identity).
_INSERT_TICKET = insert(TICKETS)
_INSERT_STEP = insert(TRANSITIONS)
_INSERT_EVENT = insert(EVENTS)
_SET_SEQ = update(HALLS).where(HALLS.c.id == bindparam("hall")).values(seq=bindparam("new_seq"))
_SET_COUNTER = (
    update(COUNTERS)
    .where(
        COUNTERS.c.hall_id == bindparam("hall"),
        COUNTERS.c.business_date == bindparam("day"),
        COUNTERS.c.prefix == bindparam("prefix_"),
    )
    .values(value=bindparam("new_value"))
)
_TICKET = sa_select(TICKETS).where(TICKETS.c.id == bindparam("t_id"))
# UPDATEs whose SET clause is the parameters named after columns.
_SAVE_TICKET = update(TICKETS).where(
    TICKETS.c.id == bindparam("t_id"), TICKETS.c.version == bindparam("t_version")
)
_SAVE_WINDOW = update(WINDOWS).where(
    WINDOWS.c.hall_id == bindparam("w_hall"),
    WINDOWS.c.number == bindparam("w_number"),
    WINDOWS.c.version == bindparam("w_version"),
)
_HALL = sa_select(HALLS).where(HALLS.c.id == bindparam("hall"))
_LOCK_HALL = _HALL.with_for_update()
_BY_IDEM_KEY = sa_select(TICKETS.c.id, TICKETS.c.service).where(
    TICKETS.c.hall_id == bindparam("hall"), TICKETS.c.idem_key == bindparam("key")
)
_ARRIVALS = (
    sa_select(TICKETS.c.service, TICKETS.c.category, TICKETS.c.priority, func.count())
    .where(
        TICKETS.c.hall_id == bindparam("hall"),
        TICKETS.c.business_date == bindparam("day"),
        TICKETS.c.parent_id.is_(None),  # a transfer leg is not an arrival
    )
    .group_by(TICKETS.c.service, TICKETS.c.category, TICKETS.c.priority)
)


def unknown_hall(hall_id: str) -> NotFound:
    return NotFound(
        f"找不到大厅「{hall_id}」，请核对地址", en=f"unknown hall {hall_id!r}", code="unknown_hall"
    )


def normalise_url(url: str) -> str:
    """Accept plain postgres URLs and use psycopg 3 for them."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _sqlite_engine(url: str, *, begin: str, connections: int) -> Engine:
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
        cursor.execute("PRAGMA synchronous=NORMAL")
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

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        if self.url.startswith("sqlite"):
            self.dialect = "sqlite"
            # One writer connection per process: threads queue for it in the pool
            # (first come, first served) instead of in SQLite's busy handler,
            # which sleeps up to 100 ms per retry. Atomicity still comes from
            # SQLite's lock, which also orders writers of other processes.
            self._writer = _sqlite_engine(self.url, begin="BEGIN IMMEDIATE", connections=1)
            self._reader = _sqlite_engine(self.url, begin="BEGIN", connections=8)
        else:
            self.dialect = "postgresql"
            self._writer = create_engine(self.url, pool_size=10, max_overflow=20)
            # One consistent view per read: a board snapshot and its seq agree.
            self._reader = self._writer.execution_options(isolation_level="REPEATABLE READ")
        self._kept: Kept = {}

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

    def dispose(self) -> None:
        self._writer.dispose()
        self._reader.dispose()

    @contextmanager
    def write(self) -> Iterator["Tx"]:
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            tx = Tx(session, self.dialect, self._kept)
            yield tx
            tx.write_deferred()
        tx.keep()

    @contextmanager
    def read(self) -> Iterator["Tx"]:
        with Session(self._reader, expire_on_commit=False) as session, session.begin():
            yield Tx(session, self.dialect, self._kept, reading=True)


@dataclass
class WaitingQueue:
    """A hall's waiting tickets by id, and how many per (category, green channel)."""

    tickets: dict[str, Ticket]
    counts: Counter[tuple[str, bool]]

    @classmethod
    def of(cls, tickets: Sequence[Ticket]) -> "WaitingQueue":
        counts = Counter((t.category, t.green_channel) for t in tickets)
        return cls({t.id: t for t in tickets}, counts)

    def copy(self) -> "WaitingQueue":
        return WaitingQueue(dict(self.tickets), Counter(self.counts))

    def put(self, ticket: Ticket) -> None:
        """Take in a ticket just stored: kept if waiting, else dropped."""
        if (old := self.tickets.pop(ticket.id, None)) is not None:
            self.counts[(old.category, old.green_channel)] -= 1
        if ticket.status is TicketStatus.WAITING:
            self.tickets[ticket.id] = ticket
            self.counts[(ticket.category, ticket.green_channel)] += 1


@dataclass
class KeptHall:
    """What a committed transaction knew of a hall, for the next one to start from."""

    waiting: WaitingQueue | None
    windows: list[Window] | None
    means: dict[date, dict[str, float]]
    arrivals: dict[date, dict[ArrivalKind, int]]
    counters: dict[tuple[date, str], int]


# Per hall, its state as of the hall's seq, kept between transactions by the
# process that committed them. Valid only while the seq has not moved: every
# change to tickets, windows and numbering is announced by an event (the hall's
# own row, which changes silently, is read afresh under its lock).
Kept = dict[str, tuple[int, KeptHall]]


@dataclass
class _Memo:
    """What a hall-locked transaction read of its hall, updated by its own writes.

    Reads (queue, windows, means) are dropped when a savepoint rolls back;
    the deferred sequences (event seq, ticket counters) go back to where the
    savepoint began and are written once, before commit.
    """

    halls: dict[str, Hall] = field(default_factory=dict)
    windows: dict[str, list[Window]] = field(default_factory=dict)
    waiting: dict[str, WaitingQueue] = field(default_factory=dict)
    means: dict[tuple[str, date], dict[str, float]] = field(default_factory=dict)
    arrivals: dict[tuple[str, date], dict[ArrivalKind, int]] = field(default_factory=dict)
    seqs: dict[str, int] = field(default_factory=dict)  # halls whose lock we hold
    counters: dict[tuple[str, date, str], int] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)  # rows not inserted yet
    # The sequences as the database holds them, to write only what moved.
    written: tuple[dict[str, int], dict[tuple[str, date, str], int]] = field(
        default_factory=lambda: ({}, {})
    )


@dataclass(frozen=True)
class _Mark:
    seqs: dict[str, int]
    counters: dict[tuple[str, date, str], int]
    steps: int


class Tx:
    """One open transaction; every method reads or writes through it."""

    def __init__(
        self, session: Session, dialect: str, kept: Kept | None = None, *, reading: bool = False
    ) -> None:
        self.s = session
        self.dialect = dialect
        self._memo = _Memo()
        self._kept: Kept = {} if kept is None else kept
        self._reading = reading

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that can fail alone (one write of a batch)."""
        memo = self._memo
        mark = _Mark(dict(memo.seqs), dict(memo.counters), len(memo.steps))
        try:
            with self.s.begin_nested():
                yield
        except BaseException:
            memo.halls.clear()
            memo.windows.clear()
            memo.waiting.clear()
            memo.means.clear()
            memo.arrivals.clear()
            memo.seqs, memo.counters = mark.seqs, mark.counters
            del memo.steps[mark.steps :]
            self.s.expire_all()
            raise
        # The next part may read rows this one changed with bulk UPDATEs.
        self.s.expire_all()

    def write_deferred(self) -> None:
        """Store the sequences and steps kept in memory; called once before commit."""
        memo = self._memo
        self._insert_steps()
        seqs, counters = memo.written
        connection = self.s.connection()
        for hall_id, seq in memo.seqs.items():
            if seqs.get(hall_id) != seq:
                connection.execute(_SET_SEQ, {"hall": hall_id, "new_seq": seq})
        for (hall_id, day, prefix), value in memo.counters.items():
            if counters.get((hall_id, day, prefix)) != value:
                params = {"hall": hall_id, "day": day, "prefix_": prefix, "new_value": value}
                connection.execute(_SET_COUNTER, params)
        memo.written = (dict(memo.seqs), dict(memo.counters))

    def keep(self) -> None:
        """After commit: keep what we know of the locked halls, as of their new seq."""
        memo = self._memo
        for hall_id, seq in memo.seqs.items():
            self._kept[hall_id] = (
                seq,
                KeptHall(
                    waiting=memo.waiting.get(hall_id),
                    windows=memo.windows.get(hall_id),
                    means={d: m for (h, d), m in memo.means.items() if h == hall_id},
                    arrivals={d: a for (h, d), a in memo.arrivals.items() if h == hall_id},
                    counters={(d, p): v for (h, d, p), v in memo.counters.items() if h == hall_id},
                ),
            )

    def _start_from_kept(self, hall_id: str, seq: int) -> None:
        """Begin with what the last transaction on this hall knew, if still current."""
        found = self._kept.pop(hall_id, None)  # taken: this transaction may change it
        if found is None or found[0] != seq:
            return
        kept, memo = found[1], self._memo
        if kept.waiting is not None:
            memo.waiting[hall_id] = kept.waiting.copy()  # readers may hold the original
        if kept.windows is not None:
            memo.windows[hall_id] = kept.windows
        memo.means |= {(hall_id, d): m for d, m in kept.means.items()}
        memo.arrivals |= {(hall_id, d): dict(a) for d, a in kept.arrivals.items()}
        counters = {(hall_id, d, p): v for (d, p), v in kept.counters.items()}
        memo.counters |= counters
        memo.written[1].update(counters)

    def _peek_kept(self, hall_id: str) -> KeptHall | None:
        """For a read: the kept state of the hall, if it is what this snapshot sees."""
        if not self._reading or (found := self._kept.get(hall_id)) is None:
            return None
        seq, kept = found
        return kept if seq == self.last_seq(hall_id) else None

    def _insert_steps(self) -> None:
        if self._memo.steps:
            self.s.connection().execute(_INSERT_STEP, self._memo.steps)
            self._memo.steps.clear()

    # ------------------------------------------------------------ halls

    def hall(self, hall_id: str) -> Hall:
        if (known := self._memo.halls.get(hall_id)) is not None:
            return known
        row = self.s.connection().execute(_HALL, {"hall": hall_id}).first()
        if row is None:
            raise unknown_hall(hall_id)
        return self._remember_hall(row)

    def _remember_hall(self, row: Any) -> Hall:
        hours = row.hours or {}
        hall = Hall(
            id=row.id,
            name=row.name,
            timezone=row.timezone,
            services=frozenset(row.services) if row.services is not None else None,
            policy=hall_policy(row.policy),
            hours=parse_hours(hours.get("weekly", {}), hours.get("closed_dates", [])),
        )
        self._memo.halls[row.id] = hall
        return hall

    def lock_hall(self, hall_id: str) -> None:
        """Take the hall's row lock until commit (PostgreSQL; SQLite locks the file).

        Writes to one hall then queue in the database instead of colliding:
        N windows pressing call-next together each get the next ticket in turn.
        Holding the lock, this transaction numbers the hall's events in memory.
        """
        row = self.s.connection().execute(_LOCK_HALL, {"hall": hall_id}).first()
        if row is None:
            return
        self._remember_hall(row)
        self._memo.seqs[hall_id] = row.seq
        self._memo.written[0][hall_id] = row.seq
        self._start_from_kept(hall_id, row.seq)

    def hall_exists(self, hall_id: str) -> bool:
        return self.s.get(HallRow, hall_id) is not None

    def add_hall(self, hall: Hall, now: datetime) -> None:
        services = sorted(hall.services) if hall.services is not None else None
        self.s.add(
            HallRow(
                id=hall.id,
                name=hall.name,
                timezone=hall.timezone,
                services=services,
                policy={},
                created_at=now,
            )
        )
        self.s.flush()

    def set_hours(self, hall_id: str, hours: dict[str, Any]) -> None:
        row = self.s.get(HallRow, hall_id)
        if row is None:
            raise unknown_hall(hall_id)
        row.hours = hours
        self.s.add(row)
        self.s.flush()  # hall() reads the row with Core, past the session
        self._memo.halls.pop(hall_id, None)

    def set_policy(self, hall_id: str, policy: dict[str, int]) -> None:
        row = self.s.get(HallRow, hall_id)
        if row is None:
            raise unknown_hall(hall_id)
        row.policy = policy
        self.s.add(row)
        self.s.flush()  # hall() reads the row with Core, past the session
        self._memo.halls.pop(hall_id, None)

    def halls(self) -> list[Hall]:
        return [self.hall(h) for h in self.s.scalars(select(HallRow.id).order_by(col(HallRow.id)))]

    # ------------------------------------------------------------ windows

    def windows(self, hall_id: str) -> list[Window]:
        if (known := self._memo.windows.get(hall_id)) is not None:
            return list(known)
        if (kept := self._peek_kept(hall_id)) is not None and kept.windows is not None:
            return list(kept.windows)
        rows = self.s.execute(
            sa_select(WINDOWS).where(WINDOWS.c.hall_id == hall_id).order_by(WINDOWS.c.number)
        )
        windows = [window_from_row(r) for r in rows]
        self._memo.windows[hall_id] = windows
        return list(windows)

    def window(self, hall_id: str, number: int) -> Window:
        for window in self.windows(hall_id):
            if window.number == number:
                return window
        raise NotFound(
            f"本大厅没有 {number} 号窗口",
            en=f"hall {hall_id!r} has no window {number}",
            code="unknown_window",
        )

    def release_directed(self, hall_id: str, number: int) -> None:
        """Waiting tickets directed to window `number` may go to any window that takes them."""
        self.s.execute(
            update(TicketRow)
            .where(
                col(TicketRow.hall_id) == hall_id,
                col(TicketRow.directed_window) == number,
                col(TicketRow.status) == TicketStatus.WAITING.value,
            )
            .values(directed_window=None, version=col(TicketRow.version) + 1)
            .execution_options(synchronize_session=False)
        )
        self._memo.waiting.pop(hall_id, None)

    def put_window(self, window: Window) -> None:
        """Create a window or replace its label, skills and lane (not its state)."""
        row = self.s.get(WindowRow, (window.hall, window.number)) or WindowRow(
            hall_id=window.hall, number=window.number, label=window.label
        )
        row.label = window.label
        row.accepts_all = window.skills.accepts_all
        row.services = sorted(window.skills.services)
        row.categories = sorted(window.skills.categories)
        row.lane = window.lane.value
        row.version += 1
        self.s.add(row)
        self.s.flush()
        self._memo.windows.pop(window.hall, None)

    def save_window(self, window: Window) -> Window:
        values = {
            "state": window.state.value,
            "ticket_id": window.ticket_id,
            "state_since": window.state_since,
            "version": window.version + 1,
            "w_hall": window.hall,
            "w_number": window.number,
            "w_version": window.version,
        }
        result = self.s.connection().execute(_SAVE_WINDOW, values)
        if result.rowcount != 1:
            raise StaleState(
                f"{window.number} 号窗口刚被其他设备改动，请核对后重试",
                en=f"window {window.number} changed meanwhile",
            )
        saved = replace(window, version=window.version + 1)
        if (known := self._memo.windows.get(window.hall)) is not None:
            self._memo.windows[window.hall] = [
                saved if w.number == window.number else w for w in known
            ]
        return saved

    # ------------------------------------------------------------ tickets

    def ticket(self, ticket_id: str) -> Ticket:
        return ticket_from_row(self.ticket_row(ticket_id))

    def ticket_row(self, ticket_id: str) -> Row[Any]:
        """The stored row, with what the domain ticket does not carry (masked ID, ...)."""
        row = self.s.connection().execute(_TICKET, {"t_id": ticket_id}).first()
        if row is None:
            raise NotFound(
                "找不到这张号票，请核对号票地址或号码",
                en=f"unknown ticket {ticket_id!r}",
                code="unknown_ticket",
            )
        return row

    def ticket_by_number(self, hall_id: str, day: date, number: str) -> Ticket:
        """The live leg of today's ticket with that number (transfers share it)."""
        row = self.s.scalars(
            select(TicketRow)
            .where(
                col(TicketRow.hall_id) == hall_id,
                col(TicketRow.business_date) == day,
                col(TicketRow.number) == number,
                col(TicketRow.transferred_to).is_(None),
            )
            .limit(1)
        ).first()
        if row is None:
            raise NotFound(
                f"今天没有 {number} 号",
                en=f"no ticket {number} today in hall {hall_id!r}",
                code="unknown_ticket",
            )
        return ticket_from_row(row)

    def _tickets(self, *where: Any, order: Any = (), limit: int | None = None) -> list[Ticket]:
        """Tickets as plain rows (no ORM instances): lists can be long and hot."""
        query = sa_select(TICKETS).where(*where).order_by(*order).limit(limit)
        return [ticket_from_row(r) for r in self.s.execute(query)]

    def waiting(self, hall_id: str) -> list[Ticket]:
        if (kept := self._peek_kept(hall_id)) is not None and kept.waiting is not None:
            return list(kept.waiting.tickets.values())
        if (known := self._memo.waiting.get(hall_id)) is None:
            tickets = self._tickets(
                TICKETS.c.hall_id == hall_id, TICKETS.c.status == TicketStatus.WAITING.value
            )
            known = self._memo.waiting[hall_id] = WaitingQueue.of(tickets)
        return list(known.tickets.values())

    def waiting_counts(self, hall_id: str) -> dict[tuple[str, bool], int]:
        """Waiting tickets per (category, green channel)."""
        kept = self._peek_kept(hall_id)
        known = self._memo.waiting.get(hall_id) or (kept.waiting if kept else None)
        if known is not None:
            return {key: n for key, n in known.counts.items() if n > 0}
        rows = self.s.execute(
            select(col(TicketRow.category), col(TicketRow.priority), func.count())
            .where(
                col(TicketRow.hall_id) == hall_id,
                col(TicketRow.status) == TicketStatus.WAITING.value,
            )
            .group_by(col(TicketRow.category), col(TicketRow.priority))
        )
        counts: dict[tuple[str, bool], int] = {}
        for category, priority, n in rows:
            key = (category, PriorityClass(priority).green_channel)
            counts[key] = counts.get(key, 0) + n
        return counts

    def arrivals(self, hall_id: str, day: date) -> dict[ArrivalKind, int]:
        """The day's tickets so far per (service, category, green channel): the
        mix of later visitors `domain.estimate` expects to overtake a ticket."""
        if (known := self._memo.arrivals.get((hall_id, day))) is not None:
            return dict(known)
        if (kept := self._peek_kept(hall_id)) is not None and day in kept.arrivals:
            return dict(kept.arrivals[day])
        rows = self.s.connection().execute(_ARRIVALS, {"hall": hall_id, "day": day})
        found: dict[ArrivalKind, int] = {}
        for service, category, priority, n in rows:
            key = (service, category, PriorityClass(priority).green_channel)
            found[key] = found.get(key, 0) + n
        self._memo.arrivals[(hall_id, day)] = found
        return dict(found)

    def tickets_with_status(self, hall_id: str, statuses: Sequence[TicketStatus]) -> list[Ticket]:
        return self._tickets(
            TICKETS.c.hall_id == hall_id, TICKETS.c.status.in_([s.value for s in statuses])
        )

    def day_tickets(self, hall_id: str, day: date) -> list[Ticket]:
        return self._tickets(
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.business_date == day,
            order=(TICKETS.c.issued_at, TICKETS.c.number),  # same-instant tickets by number
        )

    def recently_called(self, hall_id: str, day: date, limit: int) -> list[Ticket]:
        return self._tickets(
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.business_date == day,
            TICKETS.c.called_at.is_not(None),
            order=(TICKETS.c.called_at.desc(),),
            limit=limit,
        )

    def called_since(self, hall_id: str, day: date, window: int, since: datetime) -> list[Ticket]:
        """The tickets window `window` has called (or recalled) after `since` on `day`."""
        return self._tickets(
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.business_date == day,
            TICKETS.c.window == window,
            TICKETS.c.called_at > since,
        )

    def idempotent(self, hall_id: str, key: str) -> tuple[str, str] | None:
        """(ticket id, service) of the ticket issued under this Idempotency-Key."""
        row = self.s.connection().execute(_BY_IDEM_KEY, {"hall": hall_id, "key": key}).first()
        return (row.id, row.service) if row else None

    def active_for_person(self, hall_id: str, service: str, id_hash: str) -> Ticket | None:
        row = self.s.scalars(
            select(TicketRow).where(
                col(TicketRow.hall_id) == hall_id,
                col(TicketRow.service) == service,
                col(TicketRow.id_hash) == id_hash,
                col(TicketRow.status).in_(
                    [
                        TicketStatus.WAITING,
                        TicketStatus.CALLED,
                        TicketStatus.SERVING,
                        TicketStatus.SUSPENDED,
                    ]
                ),
            )
        ).first()
        return ticket_from_row(row) if row else None

    def next_number(self, hall_id: str, day: date, prefix: str) -> int:
        """Atomically take the next sequence value for (hall, day, prefix).

        Under the hall's lock, only the first number of a transaction goes to
        the database; the rest count on in memory (written before commit).
        """
        key = (hall_id, day, prefix)
        if (known := self._memo.counters.get(key)) is not None:
            self._memo.counters[key] = known + 1
            return known + 1
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        upsert = (
            dialect_insert(CounterRow)
            .values(hall_id=hall_id, business_date=day, prefix=prefix, value=1)
            .on_conflict_do_update(
                index_elements=["hall_id", "business_date", "prefix"],
                set_={"value": col(CounterRow.value) + 1},
            )
            .returning(col(CounterRow.value))
        )
        value = int(self.s.execute(upsert).scalar_one())
        if hall_id in self._memo.seqs:
            self._memo.counters[key] = self._memo.written[1][key] = value
        return value

    def add_ticket(
        self,
        ticket: Ticket,
        *,
        id_hash: str | None = None,
        id_masked: str | None = None,
        idem_key: str | None = None,
        issued_by: str | None = None,
        appointment_code: str | None = None,
    ) -> None:
        """Insert; IntegrityError if the idempotency key or person rule clashes."""
        row = ticket_changes(ticket) | {
            "id": ticket.id,
            "hall_id": ticket.hall,
            "business_date": ticket.business_date,
            "number": ticket.number,
            "service": ticket.service,
            "category": ticket.category,
            "priority": ticket.priority.value,
            "arrived_at": ticket.arrived_at,
            "issued_at": ticket.issued_at,
            "parent_id": ticket.parent_id,
            "id_hash": id_hash,
            "id_masked": id_masked,
            "idem_key": idem_key,
            "issued_by": issued_by,
            "appointment_at": ticket.appointment_at,
            "appointment_code": appointment_code,
            "transferred_to": None,
            "version": ticket.version,
        }
        self.s.connection().execute(_INSERT_TICKET, row)
        self._remember(ticket)
        arrivals = self._memo.arrivals.get((ticket.hall, ticket.business_date))
        if arrivals is not None and ticket.parent_id is None:
            kind = (ticket.service, ticket.category, ticket.green_channel)
            arrivals[kind] = arrivals.get(kind, 0) + 1

    def save_ticket(self, ticket: Ticket, *, transferred_to: str | None = None) -> Ticket:
        values = ticket_changes(ticket) | {"version": ticket.version + 1}
        if transferred_to is not None:
            values["transferred_to"] = transferred_to
        where = {"t_id": ticket.id, "t_version": ticket.version}
        result = self.s.connection().execute(_SAVE_TICKET, values | where)
        if result.rowcount != 1:
            raise StaleState(
                f"{ticket.number} 号刚被其他设备改动，请核对后重试",
                en=f"ticket {ticket.number} changed meanwhile",
            )
        saved = replace(ticket, version=ticket.version + 1)
        self._remember(saved)
        if saved.status is TicketStatus.DONE:  # today's handling means move
            for key in [k for k in self._memo.means if k[0] == saved.hall]:
                del self._memo.means[key]
        return saved

    def _remember(self, ticket: Ticket) -> None:
        """Keep the remembered queue in step with a ticket just stored."""
        if (queue := self._memo.waiting.get(ticket.hall)) is not None:
            queue.put(ticket)

    def record(
        self, ticket: Ticket, action: str, before: TicketStatus | None, at: datetime, actor: str
    ) -> None:
        """Log a transition; inserted with the others before anyone reads them."""
        self._memo.steps.append(
            {
                "hall_id": ticket.hall,
                "ticket_id": ticket.id,
                "action": action,
                "from_status": before.value if before else None,
                "to_status": ticket.status.value,
                "at": at,
                "window": ticket.window,
                "actor": actor,
            }
        )

    def transitions(self, ticket_id: str) -> list[TransitionRow]:
        self._insert_steps()
        return list(
            self.s.scalars(
                select(TransitionRow)
                .where(TransitionRow.ticket_id == ticket_id)
                .order_by(col(TransitionRow.id))
            )
        )

    def day_steps(self, hall_id: str, day: date) -> list[Step]:
        """The transitions of the day's tickets, in the order they were stored."""
        self._insert_steps()
        rows = self.s.execute(
            select(
                col(TransitionRow.ticket_id),
                col(TransitionRow.action),
                col(TransitionRow.window),
                col(TransitionRow.at),
            )
            .join(TicketRow, col(TicketRow.id) == col(TransitionRow.ticket_id))
            .where(col(TicketRow.hall_id) == hall_id, col(TicketRow.business_date) == day)
            .order_by(col(TransitionRow.id))
        )
        return [Step(ticket_id=t, action=a, window=w, at=at) for t, a, w, at in rows]

    def handling_means(self, hall_id: str, day: date) -> dict[str, float]:
        """Mean handling seconds per service over the day's finished tickets."""
        if (known := self._memo.means.get((hall_id, day))) is not None:
            return dict(known)
        if (kept := self._peek_kept(hall_id)) is not None and day in kept.means:
            return dict(kept.means[day])
        rows = self.s.execute(
            select(
                col(TicketRow.service), col(TicketRow.started_at), col(TicketRow.finished_at)
            ).where(
                col(TicketRow.hall_id) == hall_id,
                col(TicketRow.business_date) == day,
                col(TicketRow.status) == TicketStatus.DONE.value,
            )
        )
        spans: dict[str, list[float]] = {}
        for service, started, finished in rows:
            if started and finished:
                spans.setdefault(service, []).append((finished - started).total_seconds())
        means = {s: sum(v) / len(v) for s, v in spans.items()}
        self._memo.means[(hall_id, day)] = means
        return dict(means)

    # ------------------------------------------------------------ events

    def append_events(
        self, hall_id: str, events: Sequence[Event], extra: dict[str, Any], at: datetime
    ) -> int:
        """Number and store `events` (each with `extra` data) after the hall's last
        seq; the last seq stored.

        The hall row stays locked until commit (by `lock_hall`, else by the
        UPDATE here), so seqs are handed out in commit order across processes
        and never repeat or skip.
        """
        if (last := self._memo.seqs.get(hall_id)) is not None:
            last += len(events)
            self._memo.seqs[hall_id] = last
        else:
            last = self.s.execute(
                update(HallRow)
                .where(col(HallRow.id) == hall_id)
                .values(seq=col(HallRow.seq) + len(events))
                .returning(col(HallRow.seq))
            ).scalar_one()
        first = last - len(events) + 1
        rows = [
            {
                "hall_id": hall_id,
                "seq": first + i,
                "type": e.type.value,
                "data": e.data | extra,
                "ticket_id": e.ticket_id,
                "at": at,
            }
            for i, e in enumerate(events)
        ]
        self.s.connection().execute(_INSERT_EVENT, rows)
        return last

    def events_since(self, hall_id: str, after: int, limit: int = 1000) -> list[EventRow]:
        return list(
            self.s.scalars(
                select(EventRow)
                .where(EventRow.hall_id == hall_id, EventRow.seq > after)
                .order_by(col(EventRow.seq))
                .limit(limit)
            )
        )

    def last_seq(self, hall_id: str) -> int:
        if (known := self._memo.seqs.get(hall_id)) is not None:
            return known
        seq = self.s.scalar(select(HallRow.seq).where(col(HallRow.id) == hall_id))
        if seq is None:
            raise unknown_hall(hall_id)
        return int(seq)

    # ------------------------------------------------------------ ratings, tokens, meta

    def add_rating(self, row: RatingRow) -> None:
        self.s.add(row)
        self.s.flush()

    def rating(self, ticket_id: str) -> RatingRow | None:
        return self.s.get(RatingRow, ticket_id)

    def day_ratings(self, hall_id: str, day: date) -> list[RatingRow]:
        return list(
            self.s.scalars(
                select(RatingRow).where(
                    col(RatingRow.hall_id) == hall_id, col(RatingRow.business_date) == day
                )
            )
        )

    def add_token(self, row: TokenRow) -> None:
        self.s.add(row)
        self.s.flush()

    def token(self, token_hash: str) -> TokenRow | None:
        return self.s.scalars(
            select(TokenRow).where(col(TokenRow.token_hash) == token_hash)
        ).first()

    def token_by_id(self, token_id: str) -> TokenRow:
        row = self.s.get(TokenRow, token_id)
        if row is None:
            raise NotFound(
                f"没有编号为 {token_id[:16]} 的令牌",
                en=f"no token with id {token_id[:16]!r}",
                code="unknown_token",
            )
        return row

    def tokens(self, hall_id: str | None) -> list[TokenRow]:
        query = select(TokenRow).order_by(col(TokenRow.created_at), col(TokenRow.id))
        if hall_id is not None:
            query = query.where(col(TokenRow.hall_id) == hall_id)
        return list(self.s.scalars(query))

    def save_token(self, row: TokenRow) -> None:
        self.s.add(row)
        self.s.flush()

    def delete_tokens(self, hall_id: str, label: str) -> int:
        rows = list(
            self.s.scalars(
                select(TokenRow).where(
                    col(TokenRow.hall_id) == hall_id, col(TokenRow.label) == label
                )
            )
        )
        for row in rows:
            self.s.delete(row)
        return len(rows)

    def device(self, token_id: str) -> DeviceRow | None:
        return self.s.get(DeviceRow, token_id)

    def save_device(self, row: DeviceRow) -> None:
        self.s.add(row)
        self.s.flush()

    def devices(self, hall_id: str) -> list[DeviceRow]:
        return list(
            self.s.scalars(
                select(DeviceRow)
                .where(col(DeviceRow.hall_id) == hall_id)
                .order_by(col(DeviceRow.token_id))
            )
        )

    def alert(self, hall_id: str, kind: str, key: str) -> AlertRow | None:
        return self.s.get(AlertRow, (hall_id, kind, key))

    def add_alert(self, row: AlertRow) -> None:
        self.s.add(row)
        self.s.flush()

    def day_alerts(self, hall_id: str, day: date) -> list[AlertRow]:
        return list(
            self.s.scalars(
                select(AlertRow)
                .where(col(AlertRow.hall_id) == hall_id, col(AlertRow.business_date) == day)
                .order_by(col(AlertRow.at))
            )
        )

    def alert_acks(self, hall_id: str, alert_ids: list[str]) -> dict[str, AlertAckRow]:
        if not alert_ids:
            return {}
        rows = self.s.scalars(
            select(AlertAckRow).where(
                col(AlertAckRow.hall_id) == hall_id, col(AlertAckRow.alert_id).in_(alert_ids)
            )
        )
        return {row.alert_id: row for row in rows}

    def add_alert_ack(self, row: AlertAckRow) -> None:
        self.s.add(row)
        self.s.flush()

    def day_report(self, hall_id: str, day: date) -> DayReportRow | None:
        return self.s.get(DayReportRow, (hall_id, day))

    def add_day_report(self, row: DayReportRow) -> None:
        self.s.add(row)
        self.s.flush()

    def figure_snapshot(self, hall_id: str, at: datetime) -> FigureSnapshotRow | None:
        return self.s.get(FigureSnapshotRow, (hall_id, at))

    def add_figure_snapshot(self, row: FigureSnapshotRow) -> None:
        self.s.add(row)
        self.s.flush()

    def figure_snapshots(self, hall_id: str, day: date) -> list[FigureSnapshotRow]:
        return list(
            self.s.scalars(
                select(FigureSnapshotRow)
                .where(
                    col(FigureSnapshotRow.hall_id) == hall_id,
                    col(FigureSnapshotRow.business_date) == day,
                )
                .order_by(col(FigureSnapshotRow.at))
            )
        )

    def hall_ids(self) -> list[str]:
        return list(self.s.scalars(select(HallRow.id).order_by(col(HallRow.id))))

    def appointment(self, code: str) -> AppointmentRow | None:
        return self.s.get(AppointmentRow, code)

    def save_appointment(self, row: AppointmentRow) -> None:
        self.s.add(row)
        self.s.flush()

    def appointments(self, *where: Any) -> list[AppointmentRow]:
        return list(self.s.scalars(select(AppointmentRow).where(*where)))

    def pending_booking(self, pending_id: str) -> PendingBookingRow | None:
        return self.s.get(PendingBookingRow, pending_id)

    def save_pending_booking(self, row: PendingBookingRow) -> None:
        self.s.add(row)
        self.s.flush()

    def drop_pending_bookings(self, *where: Any) -> None:
        """Forget pending bookings (a confirmed one, or those past their time)."""
        self.s.execute(delete(PendingBookingRow).where(*where))

    def ban(self, id_hash: str) -> BookingBanRow | None:
        return self.s.get(BookingBanRow, id_hash)

    def save_ban(self, row: BookingBanRow) -> None:
        self.s.merge(row)
        self.s.flush()

    def meta(self, key: str) -> str | None:
        row = self.s.get(MetaRow, key)
        return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.s.merge(MetaRow(key=key, value=value))
        self.s.flush()

    def delete_meta(self, key: str) -> None:
        self.s.execute(delete(MetaRow).where(col(MetaRow.key) == key))

    def shrink_id_masks(self, mask: Callable[[str], str]) -> int:
        """Rewrite the ID masks of tickets and bookings as `mask` gives them
        (masks written before it kept 8 of 18 characters); the rows changed."""
        changed = 0
        for table, key in ((TICKETS, TICKETS.c.id), (APPOINTMENTS, APPOINTMENTS.c.code)):
            rows = self.s.execute(
                sa_select(key, table.c.id_masked).where(table.c.id_masked.is_not(None))
            ).all()
            for row_key, old in rows:
                if (new := mask(old)) != old:
                    self.s.execute(update(table).where(key == row_key).values(id_masked=new))
                    changed += 1
        return changed


__all__ = ["IntegrityError", "Store", "Tx"]
