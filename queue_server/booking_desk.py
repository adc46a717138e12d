"""Managing a booking once made: the holder views it (and its calendar entry),
the ticket machine checks it in, the day's job marks the missed ones. (The
holder's cancel and move are `booking_changes`: they need the phone's code.)

Every change of a booking's status goes through `appointments.apply_booking`
(its transition table and the time each move needs), in the hall's write
transaction: a refused move raises and changes nothing. Check-in is the
ticket machine's: the booking becomes a ticket with precedence inside its
slot, or a walk-in ticket when late.
"""

from datetime import datetime
from typing import Any

from sqlmodel import col

from . import identity
from .access import Principal, Role, require
from .appointments import (
    ACTIVE_BOOKINGS,
    Arrival,
    BookingAction,
    BookingStatus,
    apply_booking,
    ban_key,
    banned_until,
    check_in_action,
    is_missed,
)
from .bodies import CheckInIn
from .booking_ics import booking_calendar
from .booking_rows import booking_of, booking_view, find_booking, save_booking
from .domain import Entry, Hall, PriorityClass
from .errors import Conflict, InvalidInput, NotFound
from .hall_catalogue import here
from .hall_settings import ADDRESS
from .issuing import Stored
from .models import AppointmentRow, BookingBanRow, PendingBookingRow
from .protocol import Event
from .services import HallServices
from .store import Tx
from .views import live_leg

_LIVE = frozenset(s.value for s in ACTIVE_BOOKINGS)


class BookingDesk:
    """A booking's life after it is made: show, check in, no-shows."""

    def __init__(self, services: HallServices) -> None:
        self.services = services
        self.catalogue = services.catalogue

    # ------------------------------------------------------------ the holder

    def show(self, code: str) -> dict[str, Any]:
        with self.services.store.read() as tx:
            row = find_booking(tx, code)
            return booking_view(self.catalogue, row, tx.hall(row.hall_id))

    def calendar(self, code: str) -> bytes:
        """The booking as a calendar entry (.ics): nothing personal in it."""
        with self.services.store.read() as tx:
            row = find_booking(tx, code)
            hall = tx.hall(row.hall_id)
            address = str(tx.specials(row.hall_id).get(ADDRESS) or "")
        service = here(self.catalogue.service(row.service), hall)
        return booking_calendar(row, hall, service, address, self.services.clock())

    # ------------------------------------------------------------ check-in

    def check_in(
        self, principal: Principal, hall_id: str, body: CheckInIn
    ) -> tuple[dict[str, Any], bool]:
        """At the ticket machine, by code or ID number: the booking becomes a ticket
        with precedence inside its slot, or a walk-in ticket when late; (view,
        created). Checking in again returns the same ticket while it is live."""
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
        if not body.code and not body.id_number:
            raise InvalidInput(
                "请输入预约码或证件号码签到",
                en="check in with the appointment code or the ID number",
                code="checkin_needs_code_or_id",
            )
        id_hash = None
        if body.id_number:
            person = identity.parse_document(
                body.document_type,
                body.id_number,
                today=self.services.local_today(self.services.clock()),
            )
            id_hash = identity.keyed_hash(person, self.services.id_key())

        def work(tx: Tx, now: datetime, events: list[Event]) -> tuple[dict[str, Any], bool]:
            hall = tx.hall(hall_id)
            row = self._todays(tx, hall, body.code, id_hash, now)
            if row.ticket_id is not None:  # only a checked-in booking holds a ticket
                return self._checked_in(tx, row, now), False
            return self._ticket_for(tx, hall, row, principal, now, events), True

        return self.services.write(hall_id, work)

    def _ticket_for(
        self,
        tx: Tx,
        hall: Hall,
        row: AppointmentRow,
        principal: Principal,
        now: datetime,
        events: list[Event],
    ) -> dict[str, Any]:
        """Check the booking in (the table refuses one not booked, or too early)
        and issue its ticket; the holder's view."""
        action = check_in_action(hall, row.slot_start, now)
        booking = apply_booking(booking_of(row), action, hall=hall, now=now)
        on_time = booking.status is BookingStatus.CHECKED_IN
        ticket, view = self.services.new_ticket(
            tx,
            self.services.state(tx, hall.id, now),
            self.catalogue.service(row.service),
            PriorityClass(row.priority),
            now,
            principal,
            Stored(row.id_hash, row.id_masked, None, row.code, answers=row.answers),
            events,
            entry=Entry.APPOINTMENT if on_time else Entry.WALK_IN,
            appointment_at=row.slot_start if on_time else None,
        )
        row.ticket_id = ticket.id
        save_booking(tx, row, booking)
        arrived = Arrival.ON_TIME if on_time else Arrival.LATE
        return view | {
            "appointment": {"code": row.code, "status": row.status, "arrival": arrived.value}
        }

    def _checked_in(self, tx: Tx, row: AppointmentRow, now: datetime) -> dict[str, Any]:
        """A second check-in (a retry after a lost answer, or the visitor again)
        gets the ticket of the first while it is live, never a second one."""
        assert row.ticket_id is not None
        ticket = live_leg(tx, row.ticket_id)
        if not ticket.active:
            raise Conflict(
                f"预约{row.code}已签到使用过（{ticket.number}号已结束），不能再次签到",
                en=f"appointment {row.code} was already used: ticket {ticket.number} "
                f"is {ticket.status.value}",
                code="appointment_used",
            )
        arrived = Arrival.ON_TIME if row.status == BookingStatus.CHECKED_IN else Arrival.LATE
        state = self.services.state(tx, ticket.hall, now)
        return self.services.view_of(state, ticket, now) | {
            "appointment": {"code": row.code, "status": row.status, "arrival": arrived.value}
        }

    @staticmethod
    def _todays(
        tx: Tx, hall: Hall, code: str | None, id_hash: str | None, now: datetime
    ) -> AppointmentRow:
        """Today's booking in this hall, by its code or the booker's ID number."""
        today = hall.business_date(now)
        if code:
            row = find_booking(tx, code)
            if row.hall_id != hall.id or row.business_date != today:
                raise Conflict(
                    f"预约{row.code}不是今天在本大厅的预约（预约日期 {row.business_date}）",
                    en=f"appointment {row.code} is for {row.business_date} at hall "
                    f"{row.hall_id!r}, not today here",
                    code="appointment_not_today_here",
                )
            return row
        rows = tx.appointments(
            col(AppointmentRow.hall_id) == hall.id,
            col(AppointmentRow.id_hash) == id_hash,
            col(AppointmentRow.business_date) == today,
        )
        if not rows:
            raise NotFound(
                "未查到该证件号码今天的预约",
                en="no appointment today for this ID number",
                code="appointment_none_today",
            )
        # A booking cancelled earlier may share the day with the one made after it.
        live = [r for r in rows if r.status in _LIVE]
        return min(live or rows, key=lambda r: r.slot_start)

    # ------------------------------------------------------------ missed bookings

    def release_missed(self, hall_id: str, now: datetime) -> int:
        """Bookings never checked in become no-shows after their grace period; repeated
        no-shows suspend booking for the person; requests whose code expired are
        forgotten. Idempotent."""

        def work(tx: Tx, now: datetime, _events: list[Event]) -> int:
            hall = tx.hall(hall_id)
            # Requests whose code was never answered: their names go too.
            tx.drop_pending_bookings(
                col(PendingBookingRow.hall_id) == hall_id,
                col(PendingBookingRow.expires_at) <= now,
            )
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
                booking = apply_booking(booking_of(row), BookingAction.MISS, hall=hall, now=now)
                save_booking(tx, row, booking)
                self._strike(tx, hall, row, now)
            return len(missed)

        return self.services.write(hall_id, work)

    @staticmethod
    def _strike(tx: Tx, hall: Hall, row: AppointmentRow, now: datetime) -> None:
        """Count a no-show against the ID number and the phone that booked; enough
        of them suspend booking."""
        history = [
            r.slot_start
            for r in tx.appointments(
                col(AppointmentRow.id_hash) == row.id_hash,
                col(AppointmentRow.phone_hash) == row.phone_hash
                if row.phone_hash
                else col(AppointmentRow.phone_hash).is_(None),
                col(AppointmentRow.status) == BookingStatus.NO_SHOW.value,
            )
        ]
        until = banned_until(hall, history, now)
        if until is not None:
            key = ban_key(row.id_hash, row.phone_hash)
            tx.save_ban(BookingBanRow(id_hash=key, until=until, strikes=len(history)))
