"""Retention: a hall's personal data is erased once it is older than the hall's
`retention_days` (90 by default); the figures and the audit stay.

What goes, per record older than the cut-off (the hall's business day):
- tickets: the ID number's keyed hash and mask, the sealed phone of text
  reminders;
- bookings: the name, the ID hash and mask, the phone (hash, mask, sealed),
  the pre-fill form; a missed booking keeps its ID and phone hashes for the
  hall's `strike_days` too, since the booking suspension counts them;
- ratings: the call-back phone (sealed and masked); the grade, reasons and
  comment stay, they are the rating;
- 差评 cases, once ended: the call-back phone;
- 容缺 follow-ups, once closed: the ID hash;
- home visits, once ended: the contact, phone and address;
- booking suspensions that have run out.

What stays: ticket numbers, items, windows, times, outcomes, ratings' grades,
the day's figures and snapshots, the events (which never held anything
personal) and the audit. Erasing is idempotent: a row already erased is
left as it is, so the job may run every round, in every process.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, and_, delete, or_, update
from sqlmodel import col

from .cases import ENDED as CASE_ENDED
from .citizen_models import HomeVisitRow
from .domain import Hall
from .feedback_models import CaseRow, FollowupRow
from .home_visits import ENDED as VISIT_ENDED
from .models import AppointmentRow, BookingBanRow, RatingRow, TicketRow
from .store import Tx

ERASED = ""  # what a personal column that may not be empty holds once erased


def cut_off(hall: Hall, now: datetime) -> tuple[date, datetime]:
    """The first business day kept, and its start (records before it are erased)."""
    first_kept = hall.business_date(now) - timedelta(days=hall.policy.retention_days)
    start = datetime.combine(first_kept, time(), hall.zone)
    return first_kept, start


def purge_personal(tx: Tx, hall: Hall, now: datetime) -> dict[str, int]:
    """Erase what is past the hall's retention; rows changed per kind."""
    day, start = cut_off(hall, now)
    # The suspension rule counts missed bookings over strike_days: kept that long.
    strikes_from = hall.business_date(now) - timedelta(days=hall.policy.strike_days)
    t, a, r, c, f, v = TicketRow, AppointmentRow, RatingRow, CaseRow, FollowupRow, HomeVisitRow
    missed = col(a.status) == "no_show"
    jobs: list[tuple[str, Any, list[ColumnElement[bool]], dict[str, Any]]] = [
        ("tickets", t, [col(t.business_date) < day], _TICKET),
        # A remote place's idem_key holds its phone's keyed hash (remote_rows).
        ("remote_tickets", t, [col(t.business_date) < day, col(t.remote).is_(True)], _REMOTE),
        ("bookings", a, [col(a.business_date) < day], _BOOKING),
        ("booking_hashes", a, [col(a.business_date) < day, ~missed], _HASHES),
        ("missed_hashes", a, [col(a.business_date) < min(day, strikes_from), missed], _HASHES),
        ("ratings", r, [col(r.at) < start], _CALL_BACK),
        ("cases", c, [col(c.opened_at) < start, col(c.status).in_(_CASE_ENDED)], _CALL_BACK),
        ("followups", f, [col(f.closed_at) < start], {"id_hash": None}),
        ("home_visits", v, [col(v.created_at) < start, col(v.status).in_(_VISIT_ENDED)], _VISIT),
    ]
    done = {
        kind: _erase(tx, table, [col(table.hall_id) == hall.id, *where], values)
        for kind, table, where, values in jobs
    }
    return done | {"bans": _expired_bans(tx, now)}


_CASE_ENDED = [s.value for s in CASE_ENDED]
_VISIT_ENDED = [s.value for s in VISIT_ENDED]
# Per table, the columns erased and what they become.
_TICKET = {"id_hash": None, "id_masked": None, "phone_enc": None}
_REMOTE = {"idem_key": None}
_BOOKING = {
    "name": ERASED,
    "id_masked": ERASED,
    "phone_masked": ERASED,
    "phone_enc": None,
    "form": None,
}
_HASHES = {"id_hash": ERASED, "phone_hash": None}
_CALL_BACK = {"phone_enc": None, "phone_masked": None}
_VISIT = {
    "contact_masked": ERASED,
    "phone_masked": ERASED,
    "phone_hash": ERASED,
    "phone_enc": ERASED,
    "address_enc": ERASED,
}


def _erase(tx: Tx, table: Any, where: list[ColumnElement[bool]], values: dict[str, Any]) -> int:
    """Set `values` on the rows matching `where` that still hold any of them."""
    holding = [getattr(table, name).is_distinct_from(value) for name, value in values.items()]
    return _changed(tx, update(table).where(and_(*where), or_(*holding)).values(**values))


def _expired_bans(tx: Tx, now: datetime) -> int:
    return _changed(tx, delete(BookingBanRow).where(col(BookingBanRow.until) < now))


def _changed(tx: Tx, query: Any) -> int:
    """Run an UPDATE or DELETE; the rows it changed."""
    result: CursorResult[Any] = tx.s.connection().execute(query)
    return result.rowcount
