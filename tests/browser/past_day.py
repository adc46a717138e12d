"""A past day of a live server's hall, written through the store: the browser
tests run the server on the real clock, so a day before today is recorded as
the hall would have stored it. Each visitor took a number, was called (with
the call's reason and the waiting tickets it passed over), served and
finished by a window, and may have rated it."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from queue_server.models import RatingRow, TransitionRow
from queue_server.store import Store
from tests.done_rows import done_ticket

ZONE = ZoneInfo("Asia/Shanghai")
SERVICE = ("HZ-SFZ-HL", "household")  # 居民身份证换领


def hall_today() -> date:
    """The hall's day now, as the server counts it (Asia/Shanghai)."""
    return datetime.now(ZONE).date()


@dataclass(frozen=True)
class Visit:
    number: str
    issued: str  # HH:MM, the hall's time
    window: int
    staff_no: str | None = None  # None: the window's token called and served
    reason: str = "longest_wait"  # protocol.CallReason
    passed: int = 0
    score: int | None = None


def record(url: str, hall: str, day: date, visits: list[Visit]) -> None:
    """Store `visits` on `day` at `hall` (database `url`): called 5 minutes
    after the number was taken, started at once, finished 8 minutes later."""
    store = Store(url)
    try:
        with store.write() as tx:
            for k, v in enumerate(visits):
                hour, minute = map(int, v.issued.split(":"))
                issued = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)
                called = issued + timedelta(minutes=5)
                done = called + timedelta(minutes=8)
                ticket_id = f"past{day:%m%d}{k:03d}"
                times = (issued, called, done)
                priority = "green" if v.reason == "green" else "normal"
                tx.s.add(done_ticket(ticket_id, hall, v.number, SERVICE, times, v.window, priority))
                clerk = f"staff {v.staff_no}" if v.staff_no else "tok-past"
                by = f"window:{clerk}@{hall}#{v.window}"
                steps = [
                    ("issue", None, "waiting", issued, None, f"kiosk:tok-kiosk@{hall}"),
                    ("call", "waiting", "calling", called, v.window, by),
                    ("start", "calling", "serving", called, v.window, by),
                    ("finish", "serving", "done", done, v.window, by),
                ]
                for action, before, after, at, window, actor in steps:
                    call = action == "call"
                    tx.s.add(
                        TransitionRow(
                            hall_id=hall,
                            ticket_id=ticket_id,
                            action=action,
                            from_status=before,
                            to_status=after,
                            at=at.astimezone(UTC),
                            window=window,
                            actor=actor,
                            reason=v.reason if call else None,
                            passed=v.passed if call else None,
                            passed_since=(issued - timedelta(minutes=10)).astimezone(UTC)
                            if call and v.passed
                            else None,
                        )
                    )
                if v.score is not None:
                    tx.s.add(
                        RatingRow(
                            ticket_id=ticket_id,
                            hall_id=hall,
                            business_date=day,
                            window=v.window,
                            score=v.score,
                            at=done.astimezone(UTC),
                            service=SERVICE[0],
                            staff_no=v.staff_no,
                            source="evaluator",
                        )
                    )
    finally:
        store.dispose()
