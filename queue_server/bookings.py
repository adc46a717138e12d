"""Appointments (预约): slots, booking, cancelling, check-in, missed bookings.

Booking is public (a visitor books online under a real name and a document);
check-in is the ticket machine's. `Bookings` is the one door the routes, the
application state and the day's jobs use; behind it the use cases live by
concept:

    booking_slots.py     what can be booked: the day's slots, a slot still open
    booking_requests.py  booking with a one-time code: the request, the code
    booking_desk.py      a booking once made: view, calendar entry, check-in, no-shows
    booking_changes.py   cancel or move from the booking's phone (its code)
    booking_rows.py      a booking's row: found by code, its view, its lifecycle
    appointments.py      the pure rules: the lifecycle table, slots, timing, strikes

Every use case reads the catalogue the services were given.
"""

from datetime import datetime
from typing import Any

from .access import Principal
from .bodies import AppointmentIn, CancelIn, ChallengeIn, CheckInIn, ConfirmIn, MoveIn
from .booking_changes import BookingChanges
from .booking_desk import BookingDesk
from .booking_requests import BookingRequests
from .booking_slots import booking_offer, list_slots
from .phone_challenges import PhoneChallenges
from .services import HallServices
from .sms import SmsProvider, sms_for


class Bookings:
    def __init__(self, services: HallServices, sms: SmsProvider | None = None) -> None:
        self.services = services
        self.catalogue = services.catalogue
        self.sms = sms or sms_for(services.settings)
        self.requests = BookingRequests(services, self.sms)
        self.desk = BookingDesk(services)
        # The server's one PhoneChallenges (app state `phone_challenges`): one set of limits.
        self.challenges = PhoneChallenges(services, self.sms, self.requests.limits)
        self.changes = BookingChanges(services, self.challenges)

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

    def show(self, code: str, client: str) -> dict[str, Any]:
        """A booking, masked (lookups by code are limited per address)."""
        self.requests.limits.check("lookup", client)
        return self.desk.show(code)

    def calendar(self, code: str, client: str) -> bytes:
        """The booking as an .ics calendar entry (a lookup by code, as `show`)."""
        self.requests.limits.check("lookup", client)
        return self.desk.calendar(code)

    def offer(self, hall_id: str) -> dict[str, Any]:
        """What the booking page offers: the items by category, the days (public)."""
        return booking_offer(self.services.store, self.catalogue, hall_id, self.services.clock())

    def challenge(self, code: str, body: ChallengeIn, client: str) -> dict[str, Any]:
        """A code texted to the booking's phone, to cancel or move it."""
        self.requests.limits.check("lookup", client)  # a 404 tells a guess from a booking
        return self.changes.challenge(code, body, client)

    def cancel(self, code: str, body: CancelIn, client: str) -> dict[str, Any]:
        """Cancel up to the day before the appointment, with the phone's code."""
        self.requests.limits.check("lookup", client)  # a 404 tells a guess from a booking
        return self.changes.cancel(code, body, client)

    def move(self, code: str, body: MoveIn, client: str) -> dict[str, Any]:
        """Move to another free slot of the item, with the phone's code."""
        self.requests.limits.check("lookup", client)  # a 404 tells a guess from a booking
        return self.changes.move(code, body, client)

    def check_in(
        self, principal: Principal, hall_id: str, body: CheckInIn
    ) -> tuple[dict[str, Any], bool]:
        """At the ticket machine: the booking's ticket; (view, created)."""
        return self.desk.check_in(principal, hall_id, body)

    def release_missed(self, hall_id: str, now: datetime) -> int:
        """The day's job: missed bookings become no-shows; expired requests go."""
        return self.desk.release_missed(hall_id, now)
