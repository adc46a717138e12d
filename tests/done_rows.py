"""A finished ticket as the store keeps it, for tests that write a past day
straight into the database (the staffing forecast's history, a browser test's
day before today)."""

from datetime import UTC, date, datetime

from queue_server.models import TicketRow


def done_ticket(
    ticket_id: str,
    hall: str,
    number: str,
    service: tuple[str, str],
    times: tuple[datetime, datetime, datetime],
    window: int,
    priority: str = "normal",
) -> TicketRow:
    """Ticket `number` of `service` (code, category): taken, called (and started
    at once) and finished at `times` (in the hall's zone: the first one's date is the business day)
    by `window`."""
    issued, called, finished = (t.astimezone(UTC) for t in times)
    day: date = times[0].date()
    return TicketRow(
        id=ticket_id,
        hall_id=hall,
        business_date=day,
        number=number,
        service=service[0],
        category=service[1],
        priority=priority,
        status="done",
        arrived_at=issued,
        issued_at=issued,
        first_called_at=called,
        called_at=called,
        started_at=called,
        finished_at=finished,
        window=window,
    )
