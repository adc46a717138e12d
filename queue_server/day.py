"""The hall's clock-driven work: closing, auto no-show, alerts, snapshots, bookings,
reminders.

Each job body takes `now` (tests drive it; the scheduler in jobs.py passes the
clock) and is idempotent and safe when several server processes run it at
once: it runs in the hall's write transaction (the hall row lock on
PostgreSQL, the database lock on SQLite), changes only rows still in the state
it expects, and records "done once" facts (an alert, the day's report, a
snapshot) under a primary key, so a second run finds them and does nothing.
"""

import logging
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from .bookings import Bookings
from .domain import STAFFED, Hall, Ticket, TicketAction, Window, WindowAction
from .estimate import extra_windows
from .hall_state import HallState
from .models import AlertRow, DayReportRow, FigureSnapshotRow
from .protocol import Event, EventType, TicketStatus, WindowState
from .remote_queue import drop_missed
from .retention import purge_personal
from .services import HallServices
from .stats import day_figures
from .store import Tx
from .ticket_reminders import remind_holders
from .views import alert_view
from .window_staff import staff_events

SYSTEM = "system:scheduler"
SNAPSHOT_EVERY = timedelta(minutes=5)
_LEFT = (TicketStatus.WAITING, TicketStatus.SUSPENDED)  # what closing ends as unserved

log = logging.getLogger("queue_server.day")


class HallDay:
    def __init__(self, services: HallServices) -> None:
        self.services = services
        self.catalogue = services.catalogue
        self.bookings = Bookings(services)
        self._erased_on: dict[str, date] = {}  # hall -> the business day its data was last erased

    def tick(self, now: datetime) -> dict[str, int]:
        """Run every job for every hall; how many changes each job made."""
        done: Counter[str] = Counter()
        with self.services.store.read() as tx:
            halls = tx.hall_ids()
        for hall_id in halls:
            done["no_show"] += self.auto_no_show(hall_id, now)
            done["alerts"] += self.raise_alerts(hall_id, now)
            done["snapshots"] += self.snapshot_figures(hall_id, now)
            done["missed_bookings"] += self.bookings.release_missed(hall_id, now)
            done["missed_remote"] += drop_missed(self.services, hall_id, now)
            done["followup_reminders"] += self.services.remind_followups(hall_id, now)
            done["ticket_reminders"] += remind_holders(self.services, hall_id, now)
            done["closed"] += self.close_day(hall_id, now)
            done["personal_data_erased"] += self.erase_old_personal_data(hall_id, now)
        done["sessions_ended"] = self.services.end_expired_sessions()
        return dict(done)

    def erase_old_personal_data(self, hall_id: str, now: datetime) -> int:
        """Once a business day per hall (and process): erase what is past the
        hall's retention (`retention.py`); rows changed. Old rows only, so the
        hall's queue is not locked meanwhile."""

        def work(tx: Tx, now: datetime, _events: list[Event]) -> tuple[date, dict[str, int]]:
            hall = tx.hall(hall_id)
            return hall.business_date(now), purge_personal(tx, hall, now)

        with self.services.store.read() as tx:
            today = tx.hall(hall_id).business_date(now)
        if self._erased_on.get(hall_id) == today:
            return 0
        day, erased = self.services.write(None, work)
        self._erased_on[hall_id] = day
        if any(erased.values()):
            log.info("hall %s: personal data past retention erased: %s", hall_id, erased)
        return sum(erased.values())

    # ------------------------------------------------------------ closing

    def close_day(self, hall_id: str, now: datetime) -> int:
        """After the day's last session (or its 延时服务, when the supervisor extended
        the day for the tickets already issued): waiting tickets end as unserved,
        idle windows close, the day's figures are frozen and announced (once)."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> int:
            hall = tx.hall(hall_id)
            if hall.hours.always_open:
                return 0
            day = hall.business_date(now)
            closes = hall.hours.service_ends(day, hall.zone)
            closing = closes is not None and now >= closes
            state = self.services.state(tx, hall_id, now)
            # Also tickets left from an earlier day (the server was down at closing).
            left = [
                t
                for t in state.tickets.values()
                if t.status in _LEFT and (closing or t.business_date < day)
            ]
            for ticket in left:
                move = state.end(ticket, TicketAction.CLOSE_DAY, now, SYSTEM)
                self.services.apply(tx, state, move, events)
            if not closing:
                return len(left)
            closed = []
            for window in state.window_list():
                if window.state in (WindowState.OPEN, WindowState.PAUSED):
                    move = state.open_or_close(window.number, WindowAction.CLOSE, now)
                    self.services.apply(tx, state, move, events)
                    tx.sign_out_window(hall_id, window.number)  # as a clerk's close does
                    closed.append(window.number)
            changed = len(events)  # tickets ended and windows closed
            events.extend(staff_events(tx, state, closed, now))  # their screens' staff line
            if tx.day_report(hall_id, day) is None:
                figures = day_figures(
                    tx.day_tickets(hall_id, day),
                    self.catalogue.services,
                    [r.score for r in tx.day_ratings(hall_id, day)],
                    tx.day_steps(hall_id, day),
                    hall.zone,
                )
                tx.add_day_report(
                    DayReportRow(hall_id=hall_id, business_date=day, figures=figures, at=now)
                )
                events.append(Event(EventType.HALL_CLOSED, _closing_summary(day, figures)))
                changed += 1
            return changed

        return self.services.write(hall_id, work)

    # ------------------------------------------------------------ no-shows

    def auto_no_show(self, hall_id: str, now: datetime) -> int:
        """A called ticket still not started `no_show_after_s` after its last allowed
        recall becomes a no-show, and its window is free again."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> int:
            state = self.services.state(tx, hall_id, now)
            policy = state.hall.policy
            late = now - timedelta(seconds=policy.no_show_after_s)
            count = 0
            for window in state.window_list():
                if window.state is not WindowState.CALLING or window.ticket_id is None:
                    continue
                ticket = state.current(window)
                called = ticket.called_at
                if ticket.recalls >= policy.max_recalls and called is not None and called <= late:
                    move, _, _ = state.on_current(window.number, "no-show", now, SYSTEM)
                    self.services.apply(tx, state, move, events)
                    count += 1
            return count

        return self.services.write(hall_id, work)

    # ------------------------------------------------------------ alerts

    def raise_alerts(self, hall_id: str, now: datetime) -> int:
        """超时预警: once per ticket past its target wait, once a day per category
        whose queue passes the hall's threshold; each says how many extra windows
        would bring the waits back under target. And once per 好差评 case near
        its due date, and once more when it is overdue (`case_alerts`); once
        per silence of a device while the hall is open (`device_alerts`)."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> int:
            state = self.services.state(tx, hall_id, now, reading=True)
            hall, waiting, windows, means = (
                state.hall,
                [t for t in state.queue() if not t.away],  # not in the hall: no alert yet
                state.window_list(),
                state.means(),
            )
            raised = 0
            for ticket in sorted(waiting, key=lambda t: (t.arrived_at, t.number)):
                target = state.service(ticket.service).target_wait_minutes * 60
                waited = (now - ticket.arrived_at).total_seconds()
                if waited > target and tx.alert(hall_id, "over_wait", ticket.id) is None:
                    data = self._over_wait(ticket, waited, target, waiting, windows, means)
                    raised += self._raise(tx, hall, "over_wait", ticket.id, data, now, events)
            by_category = Counter(t.category for t in waiting)
            for category, count in by_category.items():
                day_key = f"{category}:{hall.business_date(now)}"
                if count >= hall.policy.queue_alert_length and not tx.alert(
                    hall_id, "queue_length", day_key
                ):
                    data = self._queue(category, state, means)
                    raised += self._raise(tx, hall, "queue_length", day_key, data, now, events)
            pending = self.services.case_alerts(tx, hall, now)
            for kind, key, data in pending + self.services.device_alerts(tx, hall, now):
                raised += self._raise(tx, hall, kind, key, data, now, events)
            return raised

        return self.services.write(hall_id, work)

    def _raise(
        self,
        tx: Tx,
        hall: Hall,
        kind: str,
        key: str,
        data: dict[str, Any],
        now: datetime,
        events: list[Event],
    ) -> int:
        row = AlertRow(
            hall_id=hall.id,
            kind=kind,
            key=key,
            business_date=hall.business_date(now),
            data={"kind": kind} | data,
            at=now,
        )
        tx.add_alert(row)
        events.append(Event(EventType.ALERT_RAISED, {"alert": alert_view(row, None, hall.zone)}))
        return 1

    def _over_wait(
        self,
        ticket: Ticket,
        waited: float,
        target: float,
        waiting: list[Ticket],
        windows: list[Window],
        means: dict[str, float],
    ) -> dict[str, Any]:
        able = [w for w in windows if w.accepts(ticket)]
        competing = [t for t in waiting if any(w.accepts(t) for w in able)]
        work_s = sum(means.get(t.service, 600.0) for t in competing)
        staffed = sum(1 for w in able if w.state in STAFFED)
        return {
            "number": ticket.number,
            "service": ticket.service,
            "service_name": self.catalogue.service(ticket.service).name,
            "waited_s": round(waited),
            "target_s": round(target),
            "extra_windows": extra_windows(work_s, staffed, target),
        }

    def _queue(self, category: str, state: HallState, means: dict[str, float]) -> dict[str, Any]:
        windows = state.window_list()
        queue = [t for t in state.queue() if t.category == category]
        target = min(state.service(t.service).target_wait_minutes for t in queue) * 60
        able = [
            w for w in windows if w.skills.accepts("", category) or any(w.accepts(t) for t in queue)
        ]
        staffed = sum(1 for w in able if w.state in STAFFED)
        work_s = sum(means.get(t.service, 600.0) for t in queue)
        return {
            "category": category,
            "category_name": self.catalogue.categories[category].name,
            "waiting": len(queue),
            "target_s": target,
            "extra_windows": extra_windows(work_s, staffed, target),
        }

    # ------------------------------------------------------------ snapshots

    def snapshot_figures(self, hall_id: str, now: datetime) -> int:
        """The live figures every 5 minutes (one row per slot, whoever writes it)."""

        def work(tx: Tx, now: datetime, _events: list[Event]) -> int:
            hall = tx.hall(hall_id)
            slot = _floor(now, SNAPSHOT_EVERY)
            if tx.figure_snapshot(hall_id, slot) is not None:
                return 0
            day = hall.business_date(now)
            statuses, mean_wait = tx.day_counts(hall_id, day)
            tx.add_figure_snapshot(
                FigureSnapshotRow(
                    hall_id=hall_id,
                    at=slot,
                    business_date=day,
                    waiting=statuses.get(TicketStatus.WAITING, 0),
                    in_progress=sum(statuses.get(s, 0) for s in _AT_WINDOW),
                    served=statuses.get(TicketStatus.DONE, 0),
                    mean_wait_s=None if mean_wait is None else round(mean_wait),
                    open_windows=sum(1 for w in tx.windows(hall_id) if w.state in STAFFED),
                )
            )
            return 1

        return self.services.write(hall_id, work)


_AT_WINDOW = (TicketStatus.CALLED, TicketStatus.SERVING)


def _floor(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=moment.tzinfo)
    return moment - (moment - epoch) % step


def _closing_summary(day: Any, figures: dict[str, Any]) -> dict[str, Any]:
    """What the feed says at closing: the headline figures, no personal data."""
    keys = ("issued", "served", "no_show", "cancelled", "unserved", "within_target_share")
    return (
        {"date": day.isoformat()}
        | {k: figures[k] for k in keys}
        | {"wait_s": figures["wait_s"], "time_in_hall_s": figures["time_in_hall_s"]}
    )
