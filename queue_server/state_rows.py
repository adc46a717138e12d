"""A hall's `HallState` in a transaction: loaded once under the hall's lock (or
taken from what the last transaction kept, if the hall's seq has not moved
since), each `Move` saved as it comes, and the state kept after commit.
"""

import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session

from .catalogue import Catalogue
from .domain import ACTIVE_STATUSES, Entry, Hall, PriorityClass, Service, Window
from .errors import StaleState
from .hall_rows import COUNTERS, WINDOWS, HallRows
from .hall_state import Day, HallState, Logged, Move, windows_in_order
from .models import WindowRow
from .protocol import TicketStatus
from .reminder_rows import next_leg_reminders
from .row_mapping import ticket_changes, ticket_from_row
from .ticket_rows import TICKETS

_INSERT_TICKET = insert(TICKETS)
# UPDATEs whose SET clause is the parameters named after columns.
_SAVE_TICKET = update(TICKETS).where(
    TICKETS.c.id == bindparam("t_id"), TICKETS.c.version == bindparam("t_version")
)
_SAVE_WINDOW = update(WINDOWS).where(
    WINDOWS.c.hall_id == bindparam("w_hall"),
    WINDOWS.c.number == bindparam("w_number"),
    WINDOWS.c.version == bindparam("w_version"),
)
_ACTIVE = sa_select(TICKETS).where(
    TICKETS.c.hall_id == bindparam("hall"),
    TICKETS.c.status.in_([s.value for s in ACTIVE_STATUSES]),
)


class Kept:
    """Per hall, the state its last committed transaction left (as of its seq),
    and the lock that guards it in this process.

    A writer holds a hall's lock from taking the state until its transaction
    ends: it changes the state in place (no copy of a long queue), and one that
    fails leaves nothing kept. A reader holds it while it reads, so it never
    sees a state halfway through a change. The lock guards this process's copy
    only; the database orders the writers of every process.
    """

    def __init__(self) -> None:
        self.states: dict[str, HallState] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()

    def lock(self, hall_id: str) -> "threading.RLock":
        with self._guard:
            found = self._locks.get(hall_id)
            if found is None:
                found = self._locks[hall_id] = threading.RLock()
            return found


class StateRows(HallRows):
    def __init__(
        self, session: Session, dialect: str, kept: Kept | None = None, *, reading: bool = False
    ) -> None:
        super().__init__(session, dialect)
        self._kept = Kept() if kept is None else kept
        self._reading = reading
        self._states: dict[str, HallState] = {}  # the locked halls' states, ours to change
        self._fresh: dict[str, HallState] = {}  # kept states still current, not changed yet
        self._held: list[threading.RLock] = []  # the halls' locks this transaction holds

    def _hold(self, hall_id: str) -> None:
        lock = self._kept.lock(hall_id)
        if lock not in self._held:
            lock.acquire()
            self._held.append(lock)

    def release(self) -> None:
        """At the transaction's end, committed or not: let the halls' states go."""
        while self._held:
            self._held.pop().release()

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
        # The SAVEPOINT statements themselves: the ORM's begin_nested() cost
        # ~100 µs a part, a sixth of a ticket's whole work in a batch.
        connection = self.s.connection()
        known = set(self.s.identity_map.keys())  # ORM rows loaded before this part
        connection.exec_driver_sql("SAVEPOINT part")
        try:
            yield
            self.s.flush()  # nothing of this part stays pending past its end
        except BaseException:
            connection.exec_driver_sql("ROLLBACK TO SAVEPOINT part")
            connection.exec_driver_sql("RELEASE SAVEPOINT part")
            for hall_id, state in list(self._states.items()):
                if revisions.get(hall_id) != state.revision:
                    del self._states[hall_id]
            for hall_id, (seq, counters) in seqs.items():
                self._sequences[hall_id].seq, self._sequences[hall_id].counters = seq, counters
            del self._steps[steps:]
            _forget_part(self.s, known)
            raise
        connection.exec_driver_sql("RELEASE SAVEPOINT part")
        self.s.expire_all()  # the next part may read rows this one changed in bulk

    def keep(self) -> None:
        """After commit: keep each locked hall's state, as of its new seq."""
        for hall_id, seqs in self._sequences.items():
            state = self._states.get(hall_id) or self._fresh.get(hall_id)
            if state is not None:
                state.seq = seqs.seq
                self._kept.states[hall_id] = state

    def lock_hall(self, hall_id: str) -> None:
        """Take the hall's row lock (`HallRows.lock_hall`), and the state the last
        transaction on it kept, if the hall's seq has not moved since."""
        super().lock_hall(hall_id)
        self._hold(hall_id)
        found = self._kept.states.pop(hall_id, None)  # taken: this transaction may change it
        seqs = self._sequences.get(hall_id)
        if found is not None and seqs is not None and found.seq == seqs.seq:
            self._fresh[hall_id] = found

    # ------------------------------------------------------------ the hall's state

    def hall_state(
        self, hall_id: str, now: datetime, catalogue: Catalogue, *, reading: bool = False
    ) -> HallState:
        """The hall as of this transaction, for its business day at `now`.

        A writer must hold the hall's lock and gets a state of its own to
        change. A reader (or a writer `reading`) may get the kept state, if
        it is what its snapshot sees, and must not change it."""
        hall = self.hall(hall_id)
        # The hall's own item settings come with the hall's row, read afresh by
        # each transaction: a change reaches every process's next one.
        services, targets = catalogue.for_hall(hall)
        hall = replace(hall, policy=replace(hall.policy, targets=targets))
        day = hall.business_date(now)
        if self._reading:
            self._hold(hall_id)
            state = self._kept.states.get(hall_id)
            if state is None or state.seq != self.last_seq(hall_id):
                state = self._load_state(hall, services, day)
                self._keep_if_newer(state)
        elif reading and hall_id not in self._states and hall_id in self._fresh:
            state = self._fresh[hall_id]
        else:
            return self._own_state(hall, services, day)
        if state.day.date != day:
            state = replace(state, day=self._load_day(hall_id, day))
        return replace(state, hall=hall, services=services)

    def _keep_if_newer(self, state: HallState) -> None:
        """A reader's state, loaded in one snapshot at its seq, serves the next
        transactions too (another process's writes, or a restart, left none
        newer). Whoever uses a kept state checks its seq first, so one kept a
        moment too late is never used."""
        kept = self._kept.states.get(state.hall.id)
        if kept is None or kept.seq < state.seq:
            self._kept.states[state.hall.id] = state

    def _own_state(self, hall: Hall, services: Mapping[str, Service], day: date) -> HallState:
        state = self._states.get(hall.id)
        if state is None:
            fresh = self._fresh.pop(hall.id, None)
            state = fresh or self._load_state(hall, services, day)
            self._states[hall.id] = state
            self._counters_into(hall.id, state)
        state.hall, state.services = hall, services
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

    def _load_state(self, hall: Hall, services: Mapping[str, Service], day: date) -> HallState:
        connection = self.s.connection()
        tickets = [ticket_from_row(r) for r in connection.execute(_ACTIVE, {"hall": hall.id})]
        return HallState(
            hall=hall,
            services=services,
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
        # A home visit (送服务上门) neither arrived in the hall nor held a window.
        today = (
            TICKETS.c.hall_id == hall_id,
            TICKETS.c.business_date == day,
            TICKETS.c.entry != Entry.HOME_VISIT.value,
        )
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
                kept: tuple[str, ...] = ("id_hash", "id_masked", "issued_by", "note")
                kept += ("green_check",)  # a declared group still to be checked
                # The 办事指引 answers fit only the item they were given for.
                kept += ("answers",) if parent.service == ticket.service else ()
                extra = {k: getattr(parent, k) for k in kept} | next_leg_reminders(parent)
            connection.execute(_INSERT_TICKET, new_ticket_row(ticket) | extra)
        for window in move.windows:
            self._save_window(window)
        for window in move.configured:
            self._configure_window(window)
        self._steps.extend(step_row(s) for s in move.steps)
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
        with self._writing():
            row.label = window.label
            row.accepts_all = window.skills.accepts_all
            row.services = sorted(window.skills.services)
            row.categories = sorted(window.skills.categories)
            row.lane = window.lane.value
            row.version = window.version
            self.s.add(row)


def _forget_part(session: Session, known: set[Any]) -> None:
    """After a part's ROLLBACK TO, as the ORM's own nested rollback does: the rows
    the part added are gone (forgotten), the others may have changed (read again
    when used)."""
    added = [session.identity_map.get(key) for key in set(session.identity_map.keys()) - known]
    for row in [*added, *session.new]:
        if row is not None:
            session.expunge(row)
    session.expire_all()


def new_ticket_row(ticket: Any) -> dict[str, Any]:
    """A new ticket's row: the columns a hall's move sets, and none of a holder's."""
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
        "remote": ticket.remote,
        "id_hash": None,
        "id_masked": None,
        "idem_key": None,
        "issued_by": None,
        "appointment_code": None,
        "transferred_to": None,
        "version": ticket.version,
    }


def step_row(step: Logged) -> dict[str, Any]:
    """A ticket step's row in the call log (`transition`)."""
    ticket, before, why = step.ticket, step.before, step.why
    return {
        "hall_id": ticket.hall,
        "ticket_id": ticket.id,
        "action": step.action,
        "from_status": before.value if before else None,
        "to_status": ticket.status.value,
        "at": step.at,
        "window": ticket.window,
        "actor": step.actor,
        "reason": why.reason.value if why else None,
        "passed": why.passed if why else None,
        "passed_since": why.earliest if why else None,
    }
