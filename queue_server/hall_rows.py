"""A hall's rows: its settings and windows as stored, and its events.

Holding the hall's lock, a transaction hands out the hall's sequences (event
seq, ticket numbers) in memory and writes them once, before commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from . import tradeoff
from .domain import Hall, Policy, Window
from .errors import NotFound
from .hall_calendar import stored_hours
from .models import CounterRow, EventRow, HallRow, WindowRow
from .protocol import Event
from .row_mapping import window_from_row
from .ticket_rows import EVENTS, TicketRows
from .webhooks import subscribed

COUNTERS: Table = CounterRow.__table__  # type: ignore[attr-defined]
WINDOWS: Table = WindowRow.__table__  # type: ignore[attr-defined]
HALLS: Table = HallRow.__table__  # type: ignore[attr-defined]

# Hot statements, built once (SQLAlchemy caches their compiled form by identity).
_INSERT_EVENT = insert(EVENTS)
_SET_SEQ = update(HALLS).where(HALLS.c.id == bindparam("hall")).values(seq=bindparam("new_seq"))
_HALL = sa_select(HALLS).where(HALLS.c.id == bindparam("hall"))
_LOCK_HALL = _HALL.with_for_update()


def unknown_hall(hall_id: str) -> NotFound:
    return NotFound(
        f"找不到大厅「{hall_id}」，请核对地址", en=f"unknown hall {hall_id!r}", code="unknown_hall"
    )


@dataclass
class _Sequences:
    """A locked hall's sequences as this transaction hands them out, and as the
    database holds them (written once, before commit, where they moved)."""

    seq: int
    stored_seq: int
    counters: dict[tuple[date, str], int]
    stored_counters: dict[tuple[date, str], int]


class HallRows(TicketRows):
    """The hall's settings and windows as stored, its events, and the sequences a
    locked transaction hands out in memory."""

    def __init__(self, session: Session, dialect: str) -> None:
        super().__init__(session, dialect)
        self._halls: dict[str, Hall] = {}
        self._sequences: dict[str, _Sequences] = {}  # halls whose lock we hold

    def write_deferred(self) -> None:
        """Store the sequences and steps kept in memory; called once before commit."""
        self._insert_steps()
        connection = self.s.connection()
        for hall_id, seqs in self._sequences.items():
            if seqs.seq != seqs.stored_seq:
                connection.execute(_SET_SEQ, {"hall": hall_id, "new_seq": seqs.seq})
            for (day, prefix), value in seqs.counters.items():
                if seqs.stored_counters.get((day, prefix)) != value:
                    self._store_counter(hall_id, day, prefix, value)
            seqs.stored_seq, seqs.stored_counters = seqs.seq, dict(seqs.counters)

    def _store_counter(self, hall_id: str, day: date, prefix: str, value: int) -> None:
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        upsert = (
            dialect_insert(CounterRow)
            .values(hall_id=hall_id, business_date=day, prefix=prefix, value=value)
            .on_conflict_do_update(
                index_elements=["hall_id", "business_date", "prefix"], set_={"value": value}
            )
        )
        self.s.execute(upsert)

    # ------------------------------------------------------------ halls

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
        self._sequences[hall_id] = _Sequences(row.seq, row.seq, {}, {})

    def hall(self, hall_id: str) -> Hall:
        if (known := self._halls.get(hall_id)) is not None:
            return known
        row = self.s.connection().execute(_HALL, {"hall": hall_id}).first()
        if row is None:
            raise unknown_hall(hall_id)
        return self._remember_hall(row)

    def _remember_hall(self, row: Any) -> Hall:
        settings = tradeoff.stored(row.policy or {})
        hall = Hall(
            id=row.id,
            name=row.name,
            timezone=row.timezone,
            services=frozenset(row.services) if row.services is not None else None,
            policy=Policy(**settings),
            hours=stored_hours(row.hours, row.specials),
            announcement=row.announcement or "",
            overrides=row.catalogue or {},
            webhooks=subscribed(row.specials),
        )
        self._halls[row.id] = hall
        return hall

    def hall_exists(self, hall_id: str) -> bool:
        return self.s.get(HallRow, hall_id) is not None

    def add_hall(self, hall: Hall, now: datetime) -> None:
        services = sorted(hall.services) if hall.services is not None else None
        self._save(
            HallRow(
                id=hall.id,
                name=hall.name,
                timezone=hall.timezone,
                services=services,
                policy={},
                created_at=now,
            )
        )

    def set_hall(self, hall_id: str, **values: Any) -> None:
        """Change the hall's stored settings (`hours`, `policy`, `services`,
        `catalogue`, `name` …); not announced: every transaction reads them afresh."""
        row = self.s.get(HallRow, hall_id)
        if row is None:
            raise unknown_hall(hall_id)
        with self._writing():  # flushed: hall() reads the row with Core, past the session
            for name, value in values.items():
                setattr(row, name, value)
        self._halls.pop(hall_id, None)

    def specials(self, hall_id: str) -> dict[str, Any]:
        """The hall's 专项服务 as stored (a copy: change it, then `set_hall`)."""
        row = self.s.get(HallRow, hall_id)
        if row is None:
            raise unknown_hall(hall_id)
        return dict(row.specials or {})

    def halls(self) -> list[Hall]:
        return [self.hall(h) for h in self.s.scalars(select(HallRow.id).order_by(col(HallRow.id)))]

    def windows(self, hall_id: str) -> list[Window]:
        rows = self.s.execute(
            sa_select(WINDOWS).where(WINDOWS.c.hall_id == hall_id).order_by(WINDOWS.c.number)
        )
        return [window_from_row(r) for r in rows]

    def window(self, hall_id: str, number: int) -> Window:
        for window in self.windows(hall_id):
            if window.number == number:
                return window
        raise NotFound(
            f"本大厅没有 {number} 号窗口",
            en=f"hall {hall_id!r} has no window {number}",
            code="unknown_window",
        )

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
        if (seqs := self._sequences.get(hall_id)) is not None:
            seqs.seq += len(events)
            last = seqs.seq
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
        if (seqs := self._sequences.get(hall_id)) is not None:
            return seqs.seq
        seq = self.s.scalar(select(HallRow.seq).where(col(HallRow.id) == hall_id))
        if seq is None:
            raise unknown_hall(hall_id)
        return int(seq)
