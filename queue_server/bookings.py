"""Appointments (预约): slots, booking, cancelling, check-in, missed bookings.

Booking is public (a visitor books online under a real name and ID number);
check-in is the ticket machine's. Capacity is checked and the booking written
in one transaction under the hall's lock, so a slot is never overbooked,
whatever the number of server processes. The name is kept for the clerk;
the ID number only as a keyed hash and a masked form, the phone only masked.
"""

import secrets
from datetime import date, datetime
from typing import Any

from sqlmodel import col

from . import identity
from .access import Principal, Role, require
from .appointments import (
    ACTIVE_BOOKINGS,
    Arrival,
    BookingStatus,
    arrival,
    banned_until,
    day_slots,
    is_missed,
    mask_phone,
)
from .domain import (
    Conflict,
    Entry,
    Hall,
    InvalidInput,
    NotFound,
    PriorityClass,
    Service,
)
from .models import AppointmentIn, AppointmentRow, BookingBanRow, CheckInIn
from .protocol import Event, local_iso
from .services import HallServices, Stored
from .store import Tx
from .views import live_leg

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class Bookings:
    def __init__(self, services: HallServices) -> None:
        self.services = services
        self.catalogue = services.catalogue

    # ------------------------------------------------------------ slots

    def slots(self, hall_id: str, service_code: str | None, day: str | None) -> dict[str, Any]:
        """Free capacity per slot for a service on a day (public)."""
        if not service_code or not day:
            raise InvalidInput("give ?service=<code>&date=YYYY-MM-DD")
        service = self.catalogue.service(service_code)
        when = _date(day)
        with self.services.store.read() as tx:
            hall = tx.hall(hall_id)
            self._offered(hall, service)
            booked = self._booked(tx, hall_id, service.code, when)
            slots = day_slots(hall, service, when, tx.windows(hall_id))
        return {
            "hall": hall_id,
            "service": service.code,
            "service_name": service.name,
            "date": when.isoformat(),
            "slots": [
                {
                    "start": local_iso(s.start, hall.zone),
                    "end": local_iso(s.end, hall.zone),
                    "capacity": s.capacity,
                    "booked": booked.get(s.start, 0),
                    "free": max(0, s.capacity - booked.get(s.start, 0)),
                }
                for s in slots
            ],
        }

    @staticmethod
    def _booked(tx: Tx, hall_id: str, service: str, day: date) -> dict[datetime, int]:
        counts: dict[datetime, int] = {}
        for row in tx.appointments(
            col(AppointmentRow.hall_id) == hall_id,
            col(AppointmentRow.service) == service,
            col(AppointmentRow.business_date) == day,
            col(AppointmentRow.status).in_([s.value for s in ACTIVE_BOOKINGS]),
        ):
            counts[row.slot_start] = counts.get(row.slot_start, 0) + 1
        return counts

    def _offered(self, hall: Hall, service: Service) -> None:
        if not hall.offers(service.code):
            raise NotFound(f"hall {hall.id!r} does not offer {service.name}")

    # ------------------------------------------------------------ booking

    def book(self, hall_id: str, body: AppointmentIn) -> dict[str, Any]:
        service = self.catalogue.service(body.service)
        now = self.services.clock()
        person = identity.parse_resident_id(body.id_number, today=self.services.local_today(now))
        id_hash = identity.keyed_hash(person, self.services.id_key())
        if body.slot.tzinfo is None:
            raise InvalidInput("slot must carry its offset, as GET /slots lists it")

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            self._offered(hall, service)
            day = body.slot.astimezone(hall.zone).date()
            slot = next(
                (
                    s
                    for s in day_slots(hall, service, day, tx.windows(hall_id))
                    if s.start == body.slot
                ),
                None,
            )
            if slot is None:
                raise InvalidInput(
                    f"{body.slot.isoformat()} is not a slot of {day}; "
                    "GET /api/halls/{hall}/slots lists them"
                )
            if slot.start <= now:
                raise Conflict("this slot has already started; choose a later one")
            ban = tx.ban(id_hash)
            if ban is not None and ban.until > now:
                raise Conflict(
                    f"booking is suspended until {local_iso(ban.until, hall.zone)} after "
                    f"{ban.strikes} missed appointments; you may still take a ticket on site",
                    until=local_iso(ban.until, hall.zone) or "",
                )
            if tx.appointments(
                col(AppointmentRow.id_hash) == id_hash,
                col(AppointmentRow.business_date) == day,
                col(AppointmentRow.status).in_([s.value for s in ACTIVE_BOOKINGS]),
            ):
                raise Conflict(f"this person already has a booking on {day}")
            if self._booked(tx, hall_id, service.code, day).get(slot.start, 0) >= slot.capacity:
                raise Conflict("this slot is full; choose another")
            row = AppointmentRow(
                code=new_code(),
                hall_id=hall_id,
                service=service.code,
                business_date=day,
                slot_start=slot.start,
                slot_end=slot.end,
                name=body.name,
                id_hash=id_hash,
                id_masked=person.masked,
                phone_masked=mask_phone(body.phone),
                priority=identity.age_class(person, day).value,
                form=body.form,
                status=BookingStatus.BOOKED.value,
                created_at=now,
            )
            tx.save_appointment(row)
            return self._view(row, hall)

        return self.services.write(hall_id, work)

    def _view(self, row: AppointmentRow, hall: Hall) -> dict[str, Any]:
        service = self.catalogue.service(row.service)
        return {
            "code": row.code,
            "hall": hall.id,
            "hall_name": hall.name,
            "service": service.code,
            "service_name": service.name,
            "slot_start": local_iso(row.slot_start, hall.zone),
            "slot_end": local_iso(row.slot_end, hall.zone),
            "status": row.status,
            "id_masked": row.id_masked,
            "phone_masked": row.phone_masked,
            "materials": list(service.materials),
        }

    def show(self, code: str) -> dict[str, Any]:
        with self.services.store.read() as tx:
            row = self._find(tx, code)
            return self._view(row, tx.hall(row.hall_id))

    @staticmethod
    def _find(tx: Tx, code: str) -> AppointmentRow:
        row = tx.appointment(code.strip().upper())
        if row is None:
            raise NotFound("unknown appointment code")
        return row

    def cancel(self, code: str) -> dict[str, Any]:
        """Cancel up to the day before the appointment."""
        with self.services.store.read() as tx:
            hall_id = self._find(tx, code).hall_id

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            row = self._find(tx, code)
            hall = tx.hall(hall_id)
            if row.status != BookingStatus.BOOKED:
                raise Conflict(f"this appointment is {row.status}; it cannot be cancelled")
            if hall.business_date(now) >= row.business_date:
                raise Conflict("appointments can be cancelled up to the day before")
            row.status = BookingStatus.CANCELLED.value
            tx.save_appointment(row)
            return self._view(row, hall)

        return self.services.write(hall_id, work)

    # ------------------------------------------------------------ check-in

    def check_in(
        self, principal: Principal, hall_id: str, body: CheckInIn
    ) -> tuple[dict[str, Any], bool]:
        """At the ticket machine, by code or ID number: the booking becomes a ticket
        with precedence inside its slot, or a walk-in ticket when late; (view,
        created). Checking in again returns the same ticket while it is live."""
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
        if not body.code and not body.id_number:
            raise InvalidInput("check in with the appointment code or the ID number")
        now = self.services.clock()
        id_hash = None
        if body.id_number:
            person = identity.parse_resident_id(
                body.id_number, today=self.services.local_today(now)
            )
            id_hash = identity.keyed_hash(person, self.services.id_key())

        def work(tx: Tx, now: datetime, events: list[Event]) -> tuple[dict[str, Any], bool]:
            hall = tx.hall(hall_id)
            row = self._todays(tx, hall, body.code, id_hash, now)
            if row.ticket_id is not None:
                return self._checked_in(tx, row, now), False
            timing = arrival(hall, row.slot_start, now)
            if timing is Arrival.EARLY:
                opens = row.slot_start.astimezone(hall.zone)
                raise Conflict(
                    f"check-in for this {opens:%H:%M} appointment opens "
                    f"{hall.policy.checkin_early_min} minutes before it",
                    slot_start=opens.isoformat(),
                )
            service = self.catalogue.service(row.service)
            on_time = timing is Arrival.ON_TIME
            stored = Stored(row.id_hash, row.id_masked, None, row.code)
            ticket, view = self.services.new_ticket(
                tx,
                hall,
                service,
                PriorityClass(row.priority),
                now,
                principal,
                stored,
                events,
                entry=Entry.APPOINTMENT if on_time else Entry.WALK_IN,
                appointment_at=row.slot_start if on_time else None,
            )
            row.status = (BookingStatus.CHECKED_IN if on_time else BookingStatus.LATE).value
            row.ticket_id = ticket.id
            tx.save_appointment(row)
            return view | {
                "appointment": {"code": row.code, "status": row.status, "arrival": timing.value}
            }, True

        return self.services.write(hall_id, work)

    def _checked_in(self, tx: Tx, row: AppointmentRow, now: datetime) -> dict[str, Any]:
        """A second check-in (a retry after a lost answer, or the visitor again)
        gets the ticket of the first while it is live, never a second one."""
        assert row.ticket_id is not None
        ticket = live_leg(tx, row.ticket_id)
        if not ticket.active:
            raise Conflict(
                f"appointment {row.code} was already used: ticket {ticket.number} "
                f"is {ticket.status.value}"
            )
        arrived = Arrival.ON_TIME if row.status == BookingStatus.CHECKED_IN else Arrival.LATE
        return self.services.view_of(tx, ticket, now) | {
            "appointment": {"code": row.code, "status": row.status, "arrival": arrived.value}
        }

    def _todays(
        self, tx: Tx, hall: Hall, code: str | None, id_hash: str | None, now: datetime
    ) -> AppointmentRow:
        today = hall.business_date(now)
        if code:
            row = self._find(tx, code)
            if row.hall_id != hall.id or row.business_date != today:
                raise Conflict(
                    f"appointment {row.code} is for {row.business_date} at hall "
                    f"{row.hall_id!r}, not today here"
                )
        else:
            rows = tx.appointments(
                col(AppointmentRow.hall_id) == hall.id,
                col(AppointmentRow.id_hash) == id_hash,
                col(AppointmentRow.business_date) == today,
            )
            if not rows:
                raise NotFound("no appointment today for this ID number")
            row = rows[0]
        if row.status not in (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.LATE):
            raise Conflict(f"appointment {row.code} is {row.status}")
        return row

    # ------------------------------------------------------------ missed bookings

    def release_missed(self, hall_id: str, now: datetime) -> int:
        """Bookings never checked in become no-shows after their grace period; repeated
        no-shows suspend booking for the person. Idempotent."""

        def work(tx: Tx, now: datetime, _events: list[Event]) -> int:
            hall = tx.hall(hall_id)
            missed = [
                row
                for row in tx.appointments(
                    col(AppointmentRow.hall_id) == hall_id,
                    col(AppointmentRow.status) == BookingStatus.BOOKED.value,
                    col(AppointmentRow.slot_start) <= now,
                )
                if is_missed(hall, row.slot_start, now)
            ]
            for row in missed:
                row.status = BookingStatus.NO_SHOW.value
                tx.save_appointment(row)
                history = [
                    r.slot_start
                    for r in tx.appointments(
                        col(AppointmentRow.id_hash) == row.id_hash,
                        col(AppointmentRow.status) == BookingStatus.NO_SHOW.value,
                    )
                ]
                until = banned_until(hall, history, now)
                if until is not None:
                    tx.save_ban(
                        BookingBanRow(id_hash=row.id_hash, until=until, strikes=len(history))
                    )
            return len(missed)

        return self.services.write(hall_id, work)


def _date(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(f"date must look like 2026-11-25, not {day!r}") from None
