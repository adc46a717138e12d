"""Appointments (预约): slots, booking, cancelling, check-in, missed bookings.

Booking is public (a visitor books online under a real name and a document);
check-in is the ticket machine's. `Bookings` is the one door the routes, the
application state and the day's jobs use; behind it the use cases live by
concept:

    booking_slots.py     what can be booked: the day's slots, a slot still open
    booking_requests.py  booking with a one-time code: the request, the code
    booking_desk.py      a booking once made: view, cancel, check-in, no-shows
    booking_rows.py      a booking's row: found by code, its view, its lifecycle
    appointments.py      the pure rules: the lifecycle table, slots, timing, strikes

Every use case reads the catalogue the services were given.
"""

from datetime import datetime
from typing import Any

from .access import Principal
from .bodies import AppointmentIn, CheckInIn, ConfirmIn
from .booking_desk import BookingDesk
from .booking_requests import BookingRequests
from .booking_slots import list_slots
from .services import HallServices
from .sms import SmsProvider, sms_for


class Bookings:
    def __init__(self, services: HallServices, sms: SmsProvider | None = None) -> None:
        self.services = services
        self.catalogue = services.catalogue
        self.sms = sms or sms_for(services.settings)
        self.requests = BookingRequests(services, self.sms)
        self.desk = BookingDesk(services)

    def slots(self, hall_id: str, service_code: str | None, day: str | None) -> dict[str, Any]:
        """Free capacity per slot for a service on a day (public)."""
        store, now = self.services.store, self.services.clock()
        return list_slots(store, self.catalogue, hall_id, service_code, day, now)

    def book(self, hall_id: str, body: AppointmentIn, client: str) -> dict[str, Any]:
        """A request checked and a one-time code sent to the phone (202)."""
        return self.requests.book(hall_id, body, client)

    def confirm(self, hall_id: str, body: ConfirmIn, client: str) -> dict[str, Any]:
        """The code answered: the booking (201), or the refusal."""
        return self.requests.confirm(hall_id, body, client)

    def show(self, code: str) -> dict[str, Any]:
        return self.desk.show(code)

    def cancel(self, code: str) -> dict[str, Any]:
        """Cancel up to the day before the appointment."""
        return self.desk.cancel(code)

    def check_in(
        self, principal: Principal, hall_id: str, body: CheckInIn
    ) -> tuple[dict[str, Any], bool]:
        """At the ticket machine: the booking's ticket; (view, created)."""
        return self.desk.check_in(principal, hall_id, body)

    def release_missed(self, hall_id: str, now: datetime) -> int:
        """The day's job: missed bookings become no-shows; expired requests go."""
        return self.desk.release_missed(hall_id, now)
