"""What can be booked: the public list of a day's slots, and the check, inside
the booking's own transaction, that a slot is still open (ahead, inside the
booking horizon, one of the day's slots, not full).

The capacity rules themselves are pure (`appointments.day_slots`); this module
counts the bookings that hold each slot. The catalogue is the one the services
were given; each item's slots are the hall's (its own capacity, handling
minutes: `hall_catalogue.here`).
"""

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col

from .appointments import ACTIVE_BOOKINGS, Slot, day_slots
from .catalogue import Catalogue
from .domain import Hall, Service
from .errors import Conflict, InvalidInput, NotFound
from .hall_catalogue import here
from .hall_settings import ADDRESS
from .models import AppointmentRow
from .public import local_iso
from .reports import parse_date
from .store import Store, Tx


def list_slots(
    store: Store,
    catalogue: Catalogue,
    hall_id: str,
    service_code: str | None,
    day: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Free capacity per slot for a service on a day (public): only slots still
    ahead and inside the booking horizon; with the documents the service
    accepts, its pre-fill form, materials and 办事指引 tree (None without one)."""
    if not service_code or not day:
        raise InvalidInput(
            "请给出事项和日期：?service=<事项编码>&date=YYYY-MM-DD",
            en="give ?service=<code>&date=YYYY-MM-DD",
            code="slots_query",
        )
    found = catalogue.service(service_code)
    when = parse_date(day)
    with store.read() as tx:
        hall = tx.hall(hall_id)
        service = here(found, hall)
        check_offered(hall, service)
        last = last_day(hall, now)
        slots: list[Slot] = []
        booked: dict[datetime, int] = {}
        if hall.business_date(now) <= when <= last:
            booked = booked_per_slot(tx, hall_id, service.code, when)
            windows = tx.windows(hall_id)
            slots = [s for s in day_slots(hall, service, when, windows) if s.start > now]
    return {
        "hall": hall_id,
        "service": service.code,
        "service_name": service.name,
        "date": when.isoformat(),
        "bookable_until": last.isoformat(),
        "documents": [d.value for d in catalogue.accepted_documents(service.code)],
        "form": [f.public() for f in catalogue.form(service.code)],
        "materials": list(service.materials),
        "guide": (guide := catalogue.guide(service.code, hall)) and guide.public(),
        "slots": [_slot_view(s, booked.get(s.start, 0), hall) for s in slots],
    }


def booking_offer(
    store: Store, catalogue: Catalogue, hall_id: str, now: datetime
) -> dict[str, Any]:
    """What the booking page offers (public): the hall's items by category, each
    with its materials, whether it needs a booking (not `walk_in`), the documents
    it accepts, its pre-fill form and its 办事指引 tree (None without one); and
    the days up to the horizon, open or not."""
    with store.read() as tx:
        hall = tx.hall(hall_id)
        address = str(tx.specials(hall_id).get(ADDRESS) or "")
    today, last = hall.business_date(now), last_day(hall, now)
    days = [today + timedelta(days=n) for n in range((last - today).days + 1)]
    items: dict[str, list[dict[str, Any]]] = {}
    for found in catalogue.services.values():
        if hall.offers(found.code):
            service = here(found, hall)
            items.setdefault(service.category, []).append(_item_view(catalogue, service, hall))
    return {
        "hall": hall_id,
        "hall_name": hall.name,
        "address": address,
        "timezone": hall.timezone,
        "today": today.isoformat(),
        "bookable_until": last.isoformat(),
        "days": [
            {"date": d.isoformat(), "open": bool(hall.hours.sessions(d, hall.zone))} for d in days
        ],
        "categories": [
            {"code": c.code, "name": c.name, "items": items[c.code]}
            for c in catalogue.categories.values()
            if c.code in items
        ],
    }


def _item_view(catalogue: Catalogue, service: Service, hall: Hall) -> dict[str, Any]:
    guide = catalogue.guide(service.code, hall)
    return {
        "code": service.code,
        "name": service.name,
        "category": service.category,
        "booking_only": not service.walk_in,
        "materials": list(service.materials),
        "documents": [d.value for d in catalogue.accepted_documents(service.code)],
        "form": [f.public() for f in catalogue.form(service.code)],
        "guide": guide.public() if guide else None,
    }


def _slot_view(slot: Slot, booked: int, hall: Hall) -> dict[str, Any]:
    return {
        "start": local_iso(slot.start, hall.zone),
        "end": local_iso(slot.end, hall.zone),
        "capacity": slot.capacity,
        "booked": booked,
        "free": max(0, slot.capacity - booked),
    }


def last_day(hall: Hall, now: datetime) -> date:
    """The last day a slot may be booked for, from `now` (the booking horizon)."""
    return hall.business_date(now) + timedelta(days=hall.policy.booking_horizon_days)


def booked_per_slot(tx: Tx, hall_id: str, service: str, day: date) -> dict[datetime, int]:
    """Active bookings of `service` on `day`, by slot start."""
    counts: dict[datetime, int] = {}
    for row in tx.appointments(
        col(AppointmentRow.hall_id) == hall_id,
        col(AppointmentRow.service) == service,
        col(AppointmentRow.business_date) == day,
        col(AppointmentRow.status).in_([s.value for s in ACTIVE_BOOKINGS]),
    ):
        counts[row.slot_start] = counts.get(row.slot_start, 0) + 1
    return counts


def check_offered(hall: Hall, service: Service) -> None:
    if not hall.offers(service.code):
        raise NotFound(
            f"本大厅不办理{service.name}",
            en=f"hall {hall.id!r} does not offer {service.name}",
            code="service_not_offered",
        )


def open_slot(tx: Tx, hall: Hall, service: Service, start: datetime, now: datetime) -> Slot:
    """The slot starting at `start` if it can still be booked: ahead, inside
    the horizon, one of the day's slots, not full."""
    not_a_slot = InvalidInput(
        "所选时段不是该事项的预约时段，请按可预约时段列表选择",
        en=f"{start.isoformat()} is not a slot; GET /api/halls/{{hall}}/slots lists them",
        code="slot_unknown",
    )
    if start <= now:
        raise Conflict(
            "该时段已开始，请选择之后的时段",
            en="this slot has already started; choose a later one",
            code="slot_past",
        )
    try:
        day = start.astimezone(hall.zone).date()
    except OverflowError:
        raise not_a_slot from None
    last = last_day(hall, now)
    if day > last:
        raise Conflict(
            f"只能预约{hall.policy.booking_horizon_days}天内（{last}及以前）的时段",
            en=f"slots can be booked up to {last} only",
            code="beyond_horizon",
            bookable_until=last.isoformat(),
        )
    windows = tx.windows(hall.id)
    slots = day_slots(hall, here(service, hall), day, windows)
    slot = next((s for s in slots if s.start == start), None)
    if slot is None:
        raise not_a_slot
    if booked_per_slot(tx, hall.id, service.code, day).get(slot.start, 0) >= slot.capacity:
        raise Conflict(
            "该时段已约满，请选择其他时段",
            en="this slot is full; choose another",
            code="slot_full",
        )
    return slot
