"""Retention: a hall's personal data goes after `retention_days`; the figures,
the ticket's record and the audit stay."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from queue_server.day import HallDay
from queue_server.models import AppointmentRow, RatingRow, TicketRow
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import Hall
from tests.server.test_appointments import WEEKDAYS, book, booking_settings, person
from tests.server.test_day import set_hours
from tests.server.test_tickets_api import ADULT_ID

PHONE = "13912345678"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


def rows(settings: Settings, table: Any) -> list[Any]:
    store = Store(settings.database_url)
    try:
        with store.read() as tx:
            return list(tx.s.scalars(select(table)))
    finally:
        store.dispose()


def a_day_of_personal_data(hall: Hall, clock: Clock) -> dict[str, Any]:
    """A ticket with an ID number, served and rated badly with a call-back phone,
    and two bookings for the next day; what the hall knew that day."""
    set_hours(hall, WEEKDAYS)
    ticket = hall.ticket(id_number=ADULT_ID)
    hall.open(1)
    hall.serve(1)
    bad = {"score": 1, "reasons": ["服务态度"], "callback_phone": PHONE}
    hall.ok(hall.c.post(f"/api/tickets/{ticket['id']}/rating", json=bad))
    first = hall.ok(book(hall), 201)
    missed = hall.ok(book(hall, id_number=person(7), phone="13700001111"), 201)
    return {"ticket": ticket, "first": first["code"], "missed": missed["code"]}


def test_personal_data_goes_after_the_hall_s_retention_and_the_record_stays(
    hall: Hall, clock: Clock, day: HallDay, settings: Settings
) -> None:
    made = a_day_of_personal_data(hall, clock)
    served_day = hall.stats()["date"]
    clock.advance(timedelta(days=1, hours=2).total_seconds())  # the booked day, 11:30
    assert day.bookings.release_missed("h1", clock.now) == 2  # nobody came: no-shows
    assert day.erase_old_personal_data("h1", clock.now) == 0  # nothing is old yet

    clock.advance(timedelta(days=91).total_seconds())  # the booked day is 91 days ago
    erased = day.erase_old_personal_data("h1", clock.now)
    assert erased > 0
    assert day.erase_old_personal_data("h1", clock.now) == 0  # once a day

    [ticket] = [t for t in rows(settings, TicketRow) if t.id == made["ticket"]["id"]]
    assert (ticket.id_hash, ticket.id_masked, ticket.phone_enc) == (None, None, None)
    assert (ticket.number, ticket.service, ticket.status) == (
        made["ticket"]["number"], made["ticket"]["service"], "done"
    )  # fmt: skip
    [rating] = rows(settings, RatingRow)
    assert (rating.phone_enc, rating.phone_masked) == (None, None)
    assert rating.score == 1 and rating.reasons == ["服务态度"]  # the rating itself stays
    bookings = {b.code: b for b in rows(settings, AppointmentRow)}
    for code in (made["first"], made["missed"]):
        booking = bookings[code]
        assert (booking.name, booking.id_masked, booking.phone_masked) == ("", "", "")
        assert (booking.form, booking.phone_enc) == (None, None)
    # Missed bookings keep their hashes for strike_days (180): the suspension counts them.
    assert bookings[made["missed"]].id_hash not in ("", None)
    clock.advance(timedelta(days=91).total_seconds())
    day.erase_old_personal_data("h1", clock.now)
    bookings = {b.code: b for b in rows(settings, AppointmentRow)}
    assert bookings[made["missed"]].id_hash == "" and bookings[made["missed"]].phone_hash is None

    # The day's figures are still there, and nothing personal was in them.
    report = hall.c.get(f"/api/halls/h1/stats?date={served_day}", headers=hall.supervisor)
    assert hall.ok(report)["served"] == 1


def test_a_hall_sets_its_retention(hall: Hall, client: TestClient) -> None:
    put = hall.c.put("/api/halls/h1/policy", json={"retention_days": 30}, headers=hall.admin)
    assert hall.ok(put)["retention_days"] == 30
    short = hall.c.put("/api/halls/h1/policy", json={"retention_days": 3}, headers=hall.admin)
    assert short.status_code == 422
    served = hall.ok(hall.c.get("/api/policy-settings"))
    entry = next(s for s in served if s["name"] == "retention_days")
    assert entry["label"] == "个人信息保存期" and entry["default"] == 90
