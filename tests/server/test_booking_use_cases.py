"""The booking use cases behind the routes: they read the catalogue the services
were given (never the shipped one behind their back), and a move the booking's
lifecycle refuses changes nothing."""

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from queue_server import catalogue
from queue_server.access import Principal, Role
from queue_server.bodies import AppointmentIn, CancelIn, ChallengeIn, CheckInIn, ConfirmIn
from queue_server.bookings import Bookings
from queue_server.catalogue import Catalogue
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.sms import MemorySms
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, Hall
from tests.server.test_appointments import TOMORROW_10, book, booking_settings, cancel, person
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_tickets_api import ADULT_ID

ONLY_INJECTED = "HZ-TEST-ZS"  # an item the shipped catalogue does not have
CHECK_IN = "/api/halls/h1/appointments/check-in"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


@pytest.fixture
def open_hall(hall: Hall) -> Hall:
    set_hours(hall, WEEKDAYS)
    return hall


@pytest.fixture
def injected() -> Catalogue:
    shipped = catalogue.load()
    item = replace(
        shipped.services[ID_CARD], code=ONLY_INJECTED, name="注入目录的事项", materials=("甲",)
    )
    return replace(shipped, services=shipped.services | {ONLY_INJECTED: item})


@pytest.fixture
def bookings(
    settings: Settings, clock: Clock, client: TestClient, injected: Catalogue
) -> Iterator[Bookings]:
    store = Store(settings.database_url)
    try:
        services = HallServices(store, settings, clock=clock, catalogue=injected)
        yield Bookings(services, sms=MemorySms())
    finally:
        store.dispose()


def booked(bookings: Bookings, slot: str, id_number: str) -> dict[str, object]:
    asked = bookings.book(
        "h1",
        AppointmentIn.model_validate(
            {
                "service": ONLY_INJECTED,
                "slot": slot,
                "name": "张三",
                "id_number": id_number,
                "phone": "13812345678",
            }
        ),
        "192.0.2.1",
    )
    body = ConfirmIn(pending_id=str(asked["pending_id"]), code=texted(bookings))
    return bookings.confirm("h1", body, "192.0.2.1")


def texted(bookings: Bookings) -> str:
    """The last code texted to the booker's phone."""
    sms = bookings.sms
    assert isinstance(sms, MemorySms)
    found = re.search(r"验证码为(\d{6})", sms.last_to("13812345678"))
    assert found is not None
    return found.group(1)


def test_every_booking_use_case_reads_the_injected_catalogue(
    open_hall: Hall, bookings: Bookings, clock: Clock
) -> None:
    listed = bookings.slots("h1", ONLY_INJECTED, "2026-11-26")
    assert listed["service_name"] == "注入目录的事项" and listed["slots"]
    made = booked(bookings, TOMORROW_10, ADULT_ID)
    assert (made["service_name"], made["materials"]) == ("注入目录的事项", ["甲"])
    assert bookings.show(str(made["code"]), "192.0.2.1")["service"] == ONLY_INJECTED
    other = booked(bookings, "2026-11-27T10:00:00+08:00", person(3))
    code = str(other["code"])
    sent = bookings.challenge(code, ChallengeIn(purpose="cancel"), "192.0.2.1")
    answer = CancelIn(challenge=sent["challenge"], code=texted(bookings))
    assert bookings.cancel(code, answer, "192.0.2.1")["service_name"] == "注入目录的事项"
    clock.advance(24 * 3600 + 25 * 60)  # Thursday 09:55
    kiosk = Principal(Role.KIOSK, hall="h1")
    ticket, created = bookings.check_in(kiosk, "h1", CheckInIn(code=str(made["code"])))
    assert created and ticket["service_name"] == "注入目录的事项"
    assert ticket["appointment"]["status"] == "checked_in"
    # The app runs on the shipped catalogue, which does not know the item.
    refused = open_hall.c.get(f"/api/halls/h1/slots?service={ONLY_INJECTED}&date=2026-11-26")
    assert refused.status_code == 404 and refused.json()["error"] == "unknown_service"


def test_a_cancelled_booking_is_not_checked_in_and_stays_cancelled(
    open_hall: Hall, clock: Clock
) -> None:
    made = open_hall.ok(book(open_hall), 201)
    open_hall.ok(cancel(open_hall, made["code"]))
    again = open_hall.c.post(f"/api/appointments/{made['code']}/cancel")
    assert again.status_code == 409 and again.json()["error"] == "appointment_not_cancellable"
    assert again.json()["message"] == "该预约已取消，不能取消"
    clock.advance(24 * 3600 + 25 * 60)  # Thursday 09:55
    refused = open_hall.c.post(CHECK_IN, json={"code": made["code"]}, headers=open_hall.kiosk)
    assert refused.status_code == 409 and refused.json()["error"] == "appointment_not_active"
    assert refused.json()["message"] == f"预约{made['code']}已取消"
    shown = open_hall.ok(open_hall.c.get(f"/api/appointments/{made['code']}"))
    assert shown["status"] == "cancelled"
    assert open_hall.stats()["issued"] == 0  # and no ticket was issued


def test_a_refused_cancel_or_check_in_leaves_the_booking_as_it_was(
    open_hall: Hall, clock: Clock
) -> None:
    made = open_hall.ok(book(open_hall), 201)
    clock.advance(15 * 3600)  # Thursday 00:30: too late to cancel, too early to check in
    late = open_hall.c.post(f"/api/appointments/{made['code']}/cancel")
    assert late.status_code == 409 and late.json()["error"] == "cancel_too_late"
    early = open_hall.c.post(CHECK_IN, json={"code": made["code"]}, headers=open_hall.kiosk)
    assert early.status_code == 409 and early.json()["error"] == "checkin_too_early"
    assert early.json()["details"] == {"slot_start": TOMORROW_10}
    assert open_hall.ok(open_hall.c.get(f"/api/appointments/{made['code']}"))["status"] == "booked"
