"""What supervisors read: the queue, the board, the day's figures and snapshots,
the tickets as CSV, the alerts (with their acknowledgement) and the audit."""

import re
from datetime import date, datetime, timedelta
from typing import Any

from . import export
from .access import HALL_ROLES, Principal, Role, require
from .audit import audit_view, record
from .call_figures import day_calls, reasons_report
from .domain import Hall
from .errors import InvalidInput, NotFound
from .models import AlertAckRow, AlertRow
from .protocol import Event, EventType, TicketStatus
from .public import local_iso, public_ticket
from .staff_report import staff_day
from .stats import day_figures
from .store import Tx
from .transactions import Runner
from .views import alert_view, board_snapshot

_QUEUED = (TicketStatus.WAITING, TicketStatus.SUSPENDED)


class Reports(Runner):
    def alerts(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        """The day's alerts (超时预警), oldest first, each with whether and by whom it
        was acknowledged: a console opened after they fired shows them all."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            rows = tx.day_alerts(hall_id, when)
            acks = tx.alert_acks(hall_id, [r.public_id for r in rows])
        # Alerts raised in one run share a time: then by ticket number or category.
        rows.sort(key=lambda r: (r.at, str(r.data.get("number") or r.data.get("category"))))
        return {
            "hall": hall_id,
            "date": when.isoformat(),
            "alerts": [alert_view(r, acks.get(r.public_id), hall.zone) for r in rows],
        }

    def ack_alert(self, principal: Principal, hall_id: str, alert_id: str) -> dict[str, Any]:
        """A supervisor has seen to an alert: recorded once (who, when) and announced
        (`alert.acked`) so every console drops it from its open alerts. Acknowledging
        it again answers the first acknowledgement and changes nothing."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            row = _find_alert(tx, hall_id, alert_id)
            ack = tx.alert_acks(hall_id, [alert_id]).get(alert_id)
            if ack is None:
                ack = AlertAckRow(
                    hall_id=hall_id,
                    alert_id=alert_id,
                    by=principal.actor,
                    by_label=principal.label or principal.role.value,
                    at=now,
                )
                tx.add_alert_ack(ack)
                record(tx, principal, hall_id, "alert.ack", alert_id, now=now)
                # Who acknowledged stays with the supervisors (GET …/alerts): the
                # feed also reaches displays, and a token's label may name a person.
                view = alert_view(row, ack, hall.zone)
                view["acked"] = {"at": view["acked"]["at"]}
                events.append(Event(EventType.ALERT_ACKED, {"alert": view}))
            return alert_view(row, ack, hall.zone)

        return self.write(hall_id, work)

    def audit(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        """The day's records of a hall, oldest first (a supervisor may read them)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            start = datetime.combine(when, datetime.min.time(), hall.zone)
            rows = tx.audit_rows(hall_id, start, start + timedelta(days=1))
        return {
            "hall": hall_id,
            "date": when.isoformat(),
            "records": [audit_view(row, hall.zone) for row in rows],
        }

    def queues(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        """Who waits, per service and ticket (oldest wait, target), and who is suspended:
        the supervisor's and the clerk's view of the queue. No personal data. A
        remote place whose holder has not arrived is `away` (未到场), counted apart."""
        require(principal, {Role.SUPERVISOR, Role.WINDOW}, hall=hall_id)
        now = self.clock()
        with self.store.read() as tx:
            state = self.state(tx, hall_id, now)
            queued = [t for t in state.tickets.values() if t.status in _QUEUED]
        hall = state.hall
        rows = sorted(queued, key=lambda t: t.arrived_at)
        per_service: dict[str, dict[str, Any]] = {}
        for t in sorted(rows, key=lambda t: t.away):  # the oldest wait: of a callable one
            if t.status is not TicketStatus.WAITING:
                continue
            service = state.service(t.service)  # the hall's own target wait
            entry = per_service.setdefault(
                t.service,
                {
                    "service": t.service,
                    "service_name": service.name,
                    "category": t.category,
                    "waiting": 0,
                    "away": 0,  # remote places whose holders have not arrived: not callable
                    "oldest_wait_s": round((now - t.arrived_at).total_seconds()),
                    "target_s": service.target_wait_minutes * 60,
                },
            )
            entry["away" if t.away else "waiting"] += 1
        return {
            "hall": hall.id,
            "services": sorted(per_service.values(), key=lambda e: -e["oldest_wait_s"]),
            "tickets": [
                public_ticket(t, state.service(t.service))
                | {
                    "waited_s": round((now - t.arrived_at).total_seconds()),
                    "target_s": state.service(t.service).target_wait_minutes * 60,
                    "entry": t.entry.value,
                    "directed_window": t.directed_window,
                    "away": t.away,  # 未到场: a remote place not called until its holder arrives
                }
                for t in rows
            ],
        }

    def tickets_csv(
        self, principal: Principal, hall_id: str, day: str | None, *, english: bool = False
    ) -> str:
        """The day's tickets as CSV for the supervisor: times, no ID numbers or names."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            tickets = tx.day_tickets(hall_id, when)
        return export.tickets_csv(tickets, self.catalogue, hall.zone, english=english)

    def board(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        require(principal, HALL_ROLES, hall=hall_id)
        return self.snapshot(hall_id)

    def snapshot(self, hall_id: str) -> dict[str, Any]:
        """The board a display starts from (the caller checked who asks)."""
        with self.store.read() as tx:
            now = self.clock()
            return board_snapshot(tx, self.state(tx, hall_id, now), self.catalogue, now)

    def hall_exists(self, hall_id: str) -> None:
        """NotFound unless the hall exists."""
        with self.store.read() as tx:
            tx.hall(hall_id)

    def snapshots(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        """The figures taken every 5 minutes, for the supervisor's charts."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            rows = tx.figure_snapshots(hall_id, when)
        keys = ("waiting", "in_progress", "served", "mean_wait_s", "open_windows")
        return {
            "hall": hall_id,
            "date": when.isoformat(),
            "snapshots": [
                {"at": local_iso(r.at, hall.zone)} | {k: getattr(r, k) for k in keys} for r in rows
            ],
        }

    def stats(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            tickets = tx.day_tickets(hall_id, when)
            ratings = [r.score for r in tx.day_ratings(hall_id, when)]
            steps = tx.day_steps(hall_id, when)
            staff = staff_day(tx, hall, when, self.clock())
        figures = day_figures(tickets, self.catalogue.services, ratings, steps, hall.zone)
        return {"hall": hall_id, "date": when.isoformat()} | figures | {"staff": staff}

    def call_reasons(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        """The day's calls by reason, and the out-of-order ones with the tickets
        they passed over and the wait that cost them (`call_figures`)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            steps = tx.day_call_steps(hall_id, when)
        report = reasons_report(day_calls(steps), hall.zone)
        return {"hall": hall_id, "date": when.isoformat()} | report


def _day(day: str | None, hall: Hall, now: datetime) -> date:
    """The `date` query parameter, or the hall's business day now."""
    return parse_date(day) if day else hall.business_date(now)


def parse_date(day: str) -> date:
    """A YYYY-MM-DD query parameter, or a refusal that says what is wrong with it:
    the way it is written, a day no calendar has, or a year far from ours (a
    day's bounds in the hall's zone must not leave the calendar: 9999-12-31
    has no next day)."""
    shown = repr(day[:40])
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day):  # fromisoformat takes 20261125 too
        raise _bad_date(
            f"日期应写成 2026-11-25 这样的格式，而不是 {shown}",
            f"date must look like 2026-11-25, not {shown}",
        )
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise _bad_date(f"没有 {day} 这一天", f"{day} is not a day of the calendar") from None
    if not 2000 <= when.year <= 2999:
        raise _bad_date(
            f"只能查 2000 至 2999 年的日子，{day} 不在其中",
            f"only days of the years 2000 to 2999 can be asked for, not {day}",
        )
    return when


def _bad_date(zh: str, en: str) -> InvalidInput:
    return InvalidInput(zh, en=en, code="date_format")


def _find_alert(tx: Tx, hall_id: str, alert_id: str) -> AlertRow:
    """The alert an id names (its day is the id's first part), else NotFound."""
    unknown = NotFound(
        f"本大厅没有编号为 {alert_id} 的预警",
        en=f"hall {hall_id} has no alert {alert_id!r}",
        code="unknown_alert",
    )
    try:
        day = datetime.strptime(alert_id.partition("-")[0], "%Y%m%d").date()
    except ValueError:
        raise unknown from None
    found = [r for r in tx.day_alerts(hall_id, day) if r.public_id == alert_id]
    if not found:
        raise unknown
    return found[0]
