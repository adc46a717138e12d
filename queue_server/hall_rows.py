"""A hall's rows: its settings, its `HallState` loaded and saved, and its events.

Under the hall's lock a transaction loads the state once (or takes the one
the last transaction kept, if the hall's seq has not moved since), saves
each `Move` as it comes, and writes the sequences it handed out in memory
(event seq, ticket numbers) once, before commit.
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from .catalogue import Catalogue
from .domain import ACTIVE_STATUSES, Hall, Policy, PriorityClass, Window
from .errors import NotFound, StaleState
from .hall_state import Day, HallState, Move, windows_in_order
from .hours import parse_hours
from .models import (
    CounterRow,
    EventRow,
    HallRow,
    WindowRow,
    ticket_changes,
    ticket_from_row,
    window_from_row,
)
from .protocol import Event, TicketStatus
from .ticket_rows import EVENTS, TICKETS, TicketRows

COUNTERS: Table = CounterRow.__table__  # type: ignore[attr-defined]
WINDOWS: Table = WindowRow.__table__  # type: ignore[attr-defined]
HALLS: Table = HallRow.__table__  # type: ignore[attr-defined]

# Hot statements, built once (SQLAlchemy caches their compiled form by identity).
_INSERT_TICKET = insert(TICKETS)
_INSERT_EVENT = insert(EVENTS)
_SET_SEQ = update(HALLS).where(HALLS.c.id == bindparam("hall")).values(seq=bindparam("new_seq"))
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
_ACTIVE = sa_select(TICKETS).where(
    TICKETS.c.hall_id == bindparam("hall"),
    TICKETS.c.status.in_([s.value for s in ACTIVE_STATUSES]),
)

# Per hall, the state its last committed transaction left, as of its seq.
Kept = dict[str, HallState]


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
    def __init__(
        self, session: Session, dialect: str, kept: Kept | None = None, *, reading: bool = False
    ) -> None:
        super().__init__(session, dialect)
        self._kept: Kept = {} if kept is None else kept
        self._reading = reading
        self._halls: dict[str, Hall] = {}
        self._states: dict[str, HallState] = {}  # the locked halls' states, ours to change
        self._fresh: dict[str, HallState] = {}  # kept states still current, not copied yet
        self._sequences: dict[str, _Sequences] = {}  # halls whose lock we hold

    # ------------------------------------------------------------ transaction

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that can fail alone (one write of a batch).

        If it fails after changing a hall's state, the state is dropped (the
        next part loads it again from the rolled-back rows) and the sequences
        go back to where the part began."""
        seqs = {h: (s.seq, dict(s.counters)) for h, s in self._sequences.items()}
        revisions = {h: s.revision for h, s in self._states.items()}
        steps = len(self._steps)
        try:
            with self.s.begin_nested():
                yield
        except BaseException:
            for hall_id, state in list(self._states.items()):
                if revisions.get(hall_id) != state.revision:
                    del self._states[hall_id]
            for hall_id, (seq, counters) in seqs.items():
                self._sequences[hall_id].seq, self._sequences[hall_id].counters = seq, counters
            del self._steps[steps:]
            self.s.expire_all()
            raise
        self.s.expire_all()  # the next part may read rows this one changed in bulk

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

    def keep(self) -> None:
        """After commit: keep each locked hall's state, as of its new seq."""
        for hall_id, seqs in self._sequences.items():
            state = self._states.get(hall_id) or self._fresh.get(hall_id)
            if state is not None:
                self._kept[hall_id] = replace(state, seq=seqs.seq)

    # ------------------------------------------------------------ halls

    def hall(self, hall_id: str) -> Hall:
        if (known := self._halls.get(hall_id)) is not None:
            return known
        row = self.s.connection().execute(_HALL, {"hall": hall_id}).first()
        if row is None:
            raise unknown_hall(hall_id)
        return self._remember_hall(row)

    def _remember_hall(self, row: Any) -> Hall:
        hours = row.hours or {}
        settings = {k: v for k, v in (row.policy or {}).items() if k != "targets"}
        hall = Hall(
            id=row.id,
            name=row.name,
            timezone=row.timezone,
            services=frozenset(row.services) if row.services is not None else None,
            policy=Policy(**settings),
            hours=parse_hours(hours.get("weekly", {}), hours.get("closed_dates", [])),
        )
        self._halls[row.id] = hall
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
        self._sequences[hall_id] = _Sequences(row.seq, row.seq, {}, {})
        found = self._kept.pop(hall_id, None)  # taken: this transaction may change it
        if found is not None and found.seq == row.seq:
            self._fresh[hall_id] = found

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

    def set_hall(self, hall_id: str, **values: Any) -> None:
        """Change the hall's stored `hours` or `policy` (not announced: read afresh
        under the hall's lock by every transaction)."""
        row = self.s.get(HallRow, hall_id)
        if row is None:
            raise unknown_hall(hall_id)
        for name, value in values.items():
            setattr(row, name, value)
        self.s.add(row)
        self.s.flush()  # hall() reads the row with Core, past the session
        self._halls.pop(hall_id, None)

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

    # ------------------------------------------------------------ the hall's state

    def hall_state(
        self, hall_id: str, now: datetime, catalogue: Catalogue, *, reading: bool = False
    ) -> HallState:
        """The hall as of this transaction, for its business day at `now`.

        A writer must hold the hall's lock and gets a state of its own to
        change. A reader (or a writer `reading`) may get the kept state, if
        it is what its snapshot sees, and must not change it."""
        hall = self.hall(hall_id)
        hall = replace(hall, policy=replace(hall.policy, targets=catalogue.target_waits))
        day = hall.business_date(now)
        if self._reading:
            state = self._kept.get(hall_id)
            if state is None or state.seq != self.last_seq(hall_id):
                state = self._load_state(hall, catalogue, day)
        elif reading and hall_id not in self._states and hall_id in self._fresh:
            state = self._fresh[hall_id]
        else:
            return self._own_state(hall, catalogue, day)
        if state.day.date != day:
            state = replace(state, day=self._load_day(hall_id, day))
        return replace(state, hall=hall, services=catalogue.services)

    def _own_state(self, hall: Hall, catalogue: Catalogue, day: date) -> HallState:
        state = self._states.get(hall.id)
        if state is None:
            fresh = self._fresh.pop(hall.id, None)
            state = fresh.copy() if fresh else self._load_state(hall, catalogue, day)
            self._states[hall.id] = state
            self._counters_into(hall.id, state)
        state.hall, state.services = hall, catalogue.services
        if state.day.date != day:
            state.day = self._load_day(hall.id, day)
            self._counters_into(hall.id, state)
        return state

    def _counters_into(self, hall_id: str, state: HallState) -> None:
        """The state numbers from what this transaction has handed out so far."""
        seqs = self._sequences.get(hall_id)
        if seqs is None:
            return
        day = state.day.date
        for (when, prefix), value in seqs.counters.items():
            if when == day:
                state.day.counters[prefix] = value
        for prefix, value in state.day.counters.items():
            seqs.counters.setdefault((day, prefix), value)
            seqs.stored_counters.setdefault((day, prefix), value)

    def _load_state(self, hall: Hall, catalogue: Catalogue, day: date) -> HallState:
        connection = self.s.connection()
        tickets = [ticket_from_row(r) for r in connection.execute(_ACTIVE, {"hall": hall.id})]
        return HallState(
            hall=hall,
            services=catalogue.services,
            windows=windows_in_order(self.windows(hall.id)),
            tickets={t.id: t for t in tickets},
            day=self._load_day(hall.id, day),
            seq=self.last_seq(hall.id),
        )

    def _load_day(self, hall_id: str, day: date) -> Day:
        """The day's numbering, arrivals (first legs) and handling times so far."""
        counters = self.s.execute(
            sa_select(COUNTERS.c.prefix, COUNTERS.c.value).where(
                COUNTERS.c.hall_id == hall_id, COUNTERS.c.business_date == day
            )
        )
        today = (TICKETS.c.hall_id == hall_id, TICKETS.c.business_date == day)
        first_legs = self.s.execute(
            sa_select(TICKETS.c.service, TICKETS.c.category, TICKETS.c.priority).where(
                *today, TICKETS.c.parent_id.is_(None)
            )
        )
        arrivals: Counter[tuple[str, str, bool]] = Counter(
            (service, category, PriorityClass(priority).green_channel)
            for service, category, priority in first_legs
        )
        done = self.s.execute(
            sa_select(TICKETS.c.service, TICKETS.c.started_at, TICKETS.c.finished_at).where(
                *today, TICKETS.c.status == TicketStatus.DONE.value
            )
        )
        handled: dict[str, tuple[float, int]] = {}
        for service, started, finished in done:
            if started and finished:
                total, count = handled.get(service, (0.0, 0))
                handled[service] = (total + (finished - started).total_seconds(), count + 1)
        return Day(day, {prefix: value for prefix, value in counters}, arrivals, handled)

    def save(self, state: HallState, move: Move, holder: dict[str, Any] | None = None) -> None:
        """Store what a move changed: each ticket and window only over the version
        before it (StaleState otherwise). New tickets get `holder`'s columns (ID
        hash and mask, idempotency key, …); a transfer's leg its first leg's."""
        connection = self.s.connection()
        for ticket, new_leg in move.tickets:
            values = ticket_changes(ticket) | {"version": ticket.version}
            if new_leg is not None:
                values["transferred_to"] = new_leg
            where = {"t_id": ticket.id, "t_version": ticket.version - 1}
            if connection.execute(_SAVE_TICKET, values | where).rowcount != 1:
                raise StaleState(
                    f"{ticket.number} 号刚被其他设备改动，请核对后重试",
                    en=f"ticket {ticket.number} changed meanwhile",
                )
        # A transfer's old leg ends before its new one starts: one live ticket per person.
        for ticket in move.added:
            extra = holder or {}
            if ticket.parent_id is not None:
                parent = self.ticket_row(ticket.parent_id)
                extra = {k: getattr(parent, k) for k in ("id_hash", "id_masked", "issued_by")}
            connection.execute(_INSERT_TICKET, _new_ticket_row(ticket) | extra)
        for window in move.windows:
            self._save_window(window)
        for window in move.configured:
            self._configure_window(window)
        self._steps.extend(
            _step_row(s.ticket, s.action, s.before, s.at, s.actor) for s in move.steps
        )
        self._counters_from(state)

    def _counters_from(self, state: HallState) -> None:
        seqs = self._sequences.get(state.hall.id)
        if seqs is not None:
            for prefix, value in state.day.counters.items():
                seqs.counters[(state.day.date, prefix)] = value

    def _save_window(self, window: Window) -> None:
        values = {
            "state": window.state.value,
            "ticket_id": window.ticket_id,
            "state_since": window.state_since,
            "version": window.version,
            "w_hall": window.hall,
            "w_number": window.number,
            "w_version": window.version - 1,
        }
        if self.s.connection().execute(_SAVE_WINDOW, values).rowcount != 1:
            raise StaleState(
                f"{window.number} 号窗口刚被其他设备改动，请核对后重试",
                en=f"window {window.number} changed meanwhile",
            )

    def _configure_window(self, window: Window) -> None:
        """Create a window or replace its label, skills and lane (not its state)."""
        row = self.s.get(WindowRow, (window.hall, window.number)) or WindowRow(
            hall_id=window.hall, number=window.number, label=window.label
        )
        row.label = window.label
        row.accepts_all = window.skills.accepts_all
        row.services = sorted(window.skills.services)
        row.categories = sorted(window.skills.categories)
        row.lane = window.lane.value
        row.version = window.version
        self.s.add(row)
        self.s.flush()

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


def _new_ticket_row(ticket: Any) -> dict[str, Any]:
    return ticket_changes(ticket) | {
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
        "appointment_at": ticket.appointment_at,
        "id_hash": None,
        "id_masked": None,
        "idem_key": None,
        "issued_by": None,
        "appointment_code": None,
        "transferred_to": None,
        "version": ticket.version,
    }


def _step_row(ticket: Any, action: str, before: Any, at: datetime, actor: str) -> dict[str, Any]:
    return {
        "hall_id": ticket.hall,
        "ticket_id": ticket.id,
        "action": action,
        "from_status": before.value if before else None,
        "to_status": ticket.status.value,
        "at": at,
        "window": ticket.window,
        "actor": actor,
    }
