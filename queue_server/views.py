"""Read models built inside a transaction: what each kind of caller sees.

- the holder's view of their ticket (no personal data),
- the clerk's view of a window (the masked ID number, for the clerk only),
- the display board snapshot and the waiting counts (no personal data).
"""

from datetime import datetime, tzinfo
from typing import Any

from .catalogue import Catalogue
from .domain import Hall, Ticket, TicketStatus, Window, estimate
from .protocol import local_iso, public_device, public_ticket, public_window
from .store import Tx

LAST_CALLS = 10


def live_leg(tx: Tx, ticket_id: str) -> Ticket:
    """Follow transfers from the id on the paper to the leg that is live now."""
    row = tx.ticket_row(ticket_id)
    for _ in range(50):  # a chain longer than this is a loop, not a visitor
        if row.transferred_to is None:
            break
        row = tx.ticket_row(row.transferred_to)
    return tx.ticket(row.id)


def handling_means(tx: Tx, catalogue: Catalogue, hall: Hall, now: datetime) -> dict[str, float]:
    """Today's mean handling seconds per service, else the catalogue's minutes."""
    means = {code: s.minutes * 60.0 for code, s in catalogue.services.items()}
    return means | tx.handling_means(hall.id, hall.business_date(now))


def ticket_view(
    tx: Tx, catalogue: Catalogue, ticket: Ticket, now: datetime, public_url: str = ""
) -> dict[str, Any]:
    """The holder's view: status, people ahead, estimated wait, window once called,
    and the address of its live status page (what the printed QR code opens)."""
    hall = tx.hall(ticket.hall)
    service = catalogue.service(ticket.service)
    est = estimate(
        ticket,
        tx.waiting(hall.id),
        tx.windows(hall.id),
        handling_means(tx, catalogue, hall, now),
        hall.policy,
        now,
        arrivals=tx.arrivals(hall.id, hall.business_date(now)),
    )
    at_window = ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING)
    return {
        "id": ticket.id,
        "hall": hall.id,
        "hall_name": hall.name,
        "number": ticket.number,
        "service": service.code,
        "service_name": service.name,
        "materials": list(service.materials),
        "green_channel": ticket.green_channel,
        "status": ticket.status.value,
        "position": est.position,
        "estimated_wait_s": est.wait_s,
        "window": ticket.window if at_window else None,
        "issued_at": local_iso(ticket.issued_at, hall.zone),
        "called_at": local_iso(ticket.called_at, hall.zone),
        # Without a public address the printer and kiosk use the one they reached us by.
        "status_url": f"{public_url.rstrip('/')}/t/{ticket.id}" if public_url else None,
    }


def window_view(
    tx: Tx, catalogue: Catalogue, window: Window, now: datetime, ticket: Ticket | None = None
) -> dict[str, Any]:
    """The clerk's console: the window, and its ticket with the masked ID number."""
    current = ticket or (tx.ticket(window.ticket_id) if window.ticket_id else None)
    holding = current.number if current and window.ticket_id else None
    view: dict[str, Any] = {"window": public_window(window, holding, tx.hall(window.hall).zone)}
    if current is not None:
        service = catalogue.service(current.service)
        waited = (current.first_called_at or now) - current.arrived_at
        row = tx.ticket_row(current.id)
        view["ticket"] = public_ticket(current, service) | {
            "id": current.id,
            "materials": list(service.materials),
            "id_masked": row.id_masked,
            "waited_s": round(waited.total_seconds()),
            "entry": current.entry.value,
        }
        booking = tx.appointment(row.appointment_code) if row.appointment_code else None
        if booking is not None:
            # The clerk sees who booked and the pre-filled application (预填报).
            view["ticket"]["appointment"] = {
                "code": booking.code,
                "name": booking.name,
                "phone_masked": booking.phone_masked,
                "form": booking.form,
            }
    return view


def waiting_counts(tx: Tx, catalogue: Catalogue, hall_id: str) -> dict[str, Any]:
    """How many wait, in total, in the green channel and per category."""
    counts = tx.waiting_counts(hall_id)
    per_category = {code: 0 for code in catalogue.categories}
    for (category, _green), n in counts.items():
        per_category[category] = per_category.get(category, 0) + n
    return {
        "total": sum(counts.values()),
        "green_channel": sum(n for (_c, green), n in counts.items() if green),
        "by_category": [
            {"category": code, "name": catalogue.categories[code].name, "count": n}
            for code, n in per_category.items()
        ],
    }


def board_snapshot(tx: Tx, catalogue: Catalogue, hall_id: str, now: datetime) -> dict[str, Any]:
    """The display's whole board and the `seq` of the last event it reflects."""
    hall = tx.hall(hall_id)
    seq = tx.last_seq(hall_id)  # read first: the rest is at least this fresh
    held = tx.tickets_with_status(hall_id, [TicketStatus.CALLED, TicketStatus.SERVING])
    numbers = {t.id: t.number for t in held}
    calling = sorted(
        (t for t in held if t.status is TicketStatus.CALLED),
        key=lambda t: t.called_at or now,
        reverse=True,
    )
    last = last_calls(tx, hall, now)
    return {
        "seq": seq,
        "hall": {"id": hall.id, "name": hall.name, "timezone": hall.timezone},
        "now_calling": [call_entry(catalogue, t, hall.zone) for t in calling],
        "last_calls": [call_entry(catalogue, t, hall.zone) for t in last],
        "waiting": waiting_counts(tx, catalogue, hall_id),
        "windows": [
            public_window(w, numbers.get(w.ticket_id or ""), hall.zone) for w in tx.windows(hall_id)
        ],
        "devices": [
            public_device(d.token_id, d.label, d.state, d.detail, d.since, hall.zone)
            for d in tx.devices(hall_id)
        ],
    }


def last_calls(tx: Tx, hall: Hall, now: datetime) -> list[Ticket]:
    """The day's last LAST_CALLS calls, newest first, one per number.

    A number called again (back from a transfer or a suspension) shows only
    where it was called last: the old window would send the visitor astray.
    The screens fold the feed's calls by the same rule, so they agree with
    this snapshot whatever happened in between. A call without a window
    (rows written before resumed tickets kept theirs) is left out.
    """
    day, limit = hall.business_date(now), LAST_CALLS
    while True:
        rows = tx.recently_called(hall.id, day, limit)
        calls: dict[str, Ticket] = {}
        for t in rows:
            if t.window is not None:
                calls.setdefault(t.number, t)
        if len(calls) >= LAST_CALLS or len(rows) < limit:
            return list(calls.values())[:LAST_CALLS]
        limit *= 4  # repeated numbers filled the page: read further back


def call_entry(catalogue: Catalogue, ticket: Ticket, zone: tzinfo) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "window": ticket.window,
        "green_channel": ticket.green_channel,
        "service_name": catalogue.service(ticket.service).name,
        "called_at": local_iso(ticket.called_at, zone),
    }
