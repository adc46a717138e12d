"""Rows <-> domain objects: windows and tickets as the queue's core uses them."""

from typing import Any

from .domain import Entry, Lane, PriorityClass, Skills, Ticket, Window
from .protocol import CallReason, TicketStatus, WindowState


def window_from_row(row: Any) -> Window:
    return Window(
        hall=row.hall_id,
        number=row.number,
        label=row.label,
        skills=Skills(
            accepts_all=row.accepts_all,
            services=frozenset(row.services or ()),
            categories=frozenset(row.categories or ()),
        ),
        lane=Lane(row.lane),
        state=WindowState(row.state),
        ticket_id=row.ticket_id,
        state_since=row.state_since,
        version=row.version,
    )


# Enum lookups by value, cheaper than calling the enum for every row of a long queue.
_PRIORITIES = {p.value: p for p in PriorityClass}
_STATUSES = {s.value: s for s in TicketStatus}
_ENTRIES = {e.value: e for e in Entry}
_REASONS = {r.value: r for r in CallReason}


def ticket_from_row(row: Any) -> Ticket:
    """From a TicketRow or a plain result row of the ticket table."""
    return Ticket(
        id=row.id,
        hall=row.hall_id,
        business_date=row.business_date,
        number=row.number,
        service=row.service,
        category=row.category,
        priority=_PRIORITIES[row.priority],
        status=_STATUSES[row.status],
        entry=_ENTRIES[row.entry],
        arrived_at=row.arrived_at,
        issued_at=row.issued_at,
        window=row.window,
        directed_window=row.directed_window,
        first_called_at=row.first_called_at,
        called_at=row.called_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        recalls=row.recalls,
        outcome=row.outcome,
        parent_id=row.parent_id,
        appointment_at=row.appointment_at,
        remote=row.remote,
        checked_in_at=row.checked_in_at,
        passed_at=row.passed_at,
        # A reason this server does not know (written by a newer one) is no reason.
        call_reason=_REASONS.get(row.call_reason) if row.call_reason else None,
        version=row.version,
    )


TICKET_FIELDS = [
    "status",
    "entry",
    "window",
    "directed_window",
    "first_called_at",
    "called_at",
    "started_at",
    "finished_at",
    "recalls",
    "outcome",
    "checked_in_at",
    "passed_at",
    "call_reason",
]


def ticket_changes(ticket: Ticket) -> dict[str, Any]:
    """The mutable columns of `ticket`, as stored."""
    values = {name: getattr(ticket, name) for name in TICKET_FIELDS}
    values["status"] = ticket.status.value
    values["entry"] = ticket.entry.value
    values["call_reason"] = ticket.call_reason.value if ticket.call_reason else None
    return values
