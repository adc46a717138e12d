"""Appointments (预约): slots, booking, capacity under concurrency, check-in, strikes."""

import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from queue_server import otp
from queue_server.bookings import Bookings
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.sms import MemorySms
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import ADMIN, ID_CARD, PASSPORT, Hall
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_tickets_api import ADULT_ID, ELDER_ID, valid_id

TOMORROW_10 = "2026-11-26T10:00:00+08:00"  # the clock starts Wednesday 25th, 09:30


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Codes kept for the test to read; room for many bookings from one address
    (test_booking_guards.py tests the limits)."""
    return Settings(
        database_url=db_url,
        admin_token=ADMIN,
        secret_key="test-key",
        jobs_interval_s=0,
        sms_url="memory:",
        booking_limit_address="10000/minute",
        booking_limit_id="10000/minute",
        booking_limit_phone="10000/minute",
    )


@pytest.fixture
def open_hall(hall: Hall) -> Hall:
    set_hours(hall, WEEKDAYS)
    return hall


@pytest.fixture
def bookings(settings: Settings, clock: Clock, client: TestClient) -> Iterator[Bookings]:
    store = Store(settings.database_url)
    try:
        yield Bookings(HallServices(store, settings, clock=clock))
    finally:
        store.dispose()


def person(n: int) -> str:
    """A distinct valid ID number of an adult, born in 1980."""
    return valid_id(f"110105198001{n:02d}00{n % 10}")


FILLED_FORMS = {ID_CARD: {"reason": "有效期满"}, PASSPORT: {"purpose": "旅游"}}


def book(
    hall: Hall,
    slot: str = TOMORROW_10,
    id_number: str = ADULT_ID,
    service: str = ID_CARD,
    **extra: Any,
) -> httpx2.Response:
    """Ask for a booking and answer the code sent to the phone: the booking (201)
    or the first refusal."""
    body = {
        "service": service,
        "slot": slot,
        "name": "张三",
        "id_number": id_number,
        "phone": "13812345678",
    } | extra
    if "form" not in extra:
        body["form"] = FILLED_FORMS.get(service)
    asked = hall.c.post("/api/halls/h1/appointments", json=body)
    if asked.status_code != 202:
        return asked
    phone = otp.normalise_phone(str(body["phone"]))
    return hall.c.post(
        "/api/halls/h1/appointments/confirm",
        json={"pending_id": asked.json()["pending_id"], "code": sent_code(hall.c, phone)},
    )


def ask(hall: Hall, id_number: str, phone: str) -> tuple[str, str]:
    """Ask for tomorrow 10:00; (pending id, phone) to confirm with."""
    body = {
        "service": ID_CARD,
        "slot": TOMORROW_10,
        "name": "李四",
        "id_number": id_number,
        "phone": phone,
        "form": FILLED_FORMS[ID_CARD],
    }
    asked = hall.ok(hall.c.post("/api/halls/h1/appointments", json=body), 202)
    return asked["pending_id"], phone


def sent_code(client: TestClient, phone: str) -> str:
    """The last one-time code the test SMS provider took for `phone`."""
    sms = client.app_state["bookings"].sms
    assert isinstance(sms, MemorySms)
    found = re.search(r"验证码为(\d{6})", sms.last_to(phone))
    assert found is not None
    return found.group(1)


def slots(hall: Hall, day: str = "2026-11-26", service: str = ID_CARD) -> list[dict[str, Any]]:
    reply = hall.c.get(f"/api/halls/h1/slots?service={service}&date={day}")
    result: list[dict[str, Any]] = hall.ok(reply)["slots"]
    return result


def test_slots_follow_the_opening_hours_with_capacity(open_hall: Hall) -> None:
    day = slots(open_hall)
    assert [s["start"][11:16] for s in day][:2] == ["09:00", "09:30"]
    assert len(day) == 6 + 7  # 09:00-12:00 and 13:30-17:00 in 30-minute slots
    assert all(s["capacity"] >= 1 and s["free"] == s["capacity"] for s in day)
    assert slots(open_hall, "2026-11-28") == []  # Saturday: closed
    assert open_hall.c.get("/api/halls/h1/slots?service=HZ-SFZ-HL").status_code == 422
    assert open_hall.c.get("/api/halls/h1/slots?service=NOPE&date=2026-11-26").status_code == 404


def test_booking_keeps_only_what_it_must(open_hall: Hall, settings: Settings) -> None:
    made = open_hall.ok(book(open_hall, form={"reason": "有效期满"}), 201)
    assert len(made["code"]) == 8 and made["slot_start"] == TOMORROW_10
    assert made["phone_masked"] == "138****5678" and made["id_masked"].startswith("11*")
    shown = open_hall.ok(open_hall.c.get(f"/api/appointments/{made['code'].lower()}"))
    assert shown["status"] == "booked" and "13812345678" not in str(shown)
    store = Store(settings.database_url)
    with store.read() as tx:
        row = tx.appointment(made["code"])
    store.dispose()
    assert row is not None and ADULT_ID not in str(row.model_dump())
    assert "13812345678" not in str(row.model_dump())
    assert slots(open_hall)[2]["booked"] == 1


def test_booking_refusals(open_hall: Hall, clock: Clock) -> None:
    assert book(open_hall, slot="2026-11-26T10:10:00+08:00").status_code == 422  # not a slot
    assert book(open_hall, slot="2026-11-25T09:00:00+08:00").status_code == 409  # started
    assert book(open_hall, id_number="110105194912310021").status_code == 422  # check digit
    assert book(open_hall, phone="call me").status_code == 422
    open_hall.ok(book(open_hall), 201)
    again = book(open_hall, slot="2026-11-26T14:00:00+08:00", service=PASSPORT)
    assert again.status_code == 409 and again.json()["error"] == "already_booked"


def test_a_slot_is_never_overbooked_under_concurrent_booking(open_hall: Hall) -> None:
    open_hall.c.put(
        "/api/halls/h1/policy", json={"appointment_share_pct": 5}, headers=open_hall.admin
    )
    capacity = slots(open_hall)[2]["capacity"]
    # Every request is accepted while the slot is free; the confirmations race.
    pending = [ask(open_hall, person(n), f"139{n:08d}") for n in range(1, capacity + 7)]
    results: list[int] = []
    lock = threading.Lock()

    def one(pending_id: str, phone: str) -> None:
        body = {"pending_id": pending_id, "code": sent_code(open_hall.c, phone)}
        status = open_hall.c.post("/api/halls/h1/appointments/confirm", json=body).status_code
        with lock:
            results.append(status)

    threads = [threading.Thread(target=one, args=p) for p in pending]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results.count(201) == capacity and results.count(409) == 6
    assert slots(open_hall)[2]["free"] == 0


def test_cancel_up_to_the_day_before(open_hall: Hall, clock: Clock) -> None:
    first = open_hall.ok(book(open_hall), 201)
    cancelled = open_hall.ok(open_hall.c.post(f"/api/appointments/{first['code']}/cancel"))
    assert cancelled["status"] == "cancelled"
    second = open_hall.ok(book(open_hall), 201)  # the person may book again
    clock.advance(15 * 3600)  # Thursday 00:30: the day itself
    late = open_hall.c.post(f"/api/appointments/{second['code']}/cancel")
    assert late.status_code == 409 and late.json()["error"] == "cancel_too_late"


def test_check_in_early_on_time_and_late(open_hall: Hall, clock: Clock) -> None:
    on_time = open_hall.ok(book(open_hall), 201)
    late = open_hall.ok(book(open_hall, id_number=ELDER_ID, service=PASSPORT), 201)
    clock.advance(24 * 3600 - 10 * 60)  # Thursday 09:20
    url = "/api/halls/h1/appointments/check-in"
    early = open_hall.c.post(url, json={"code": on_time["code"]}, headers=open_hall.kiosk)
    assert early.status_code == 409 and "10:00" in early.json()["message"]
    assert early.json()["error"] == "checkin_too_early"
    clock.advance(25 * 60)  # 09:45: inside the check-in window
    ticket = open_hall.ok(
        open_hall.c.post(url, json={"id_number": ADULT_ID}, headers=open_hall.kiosk), 201
    )
    assert ticket["appointment"]["status"] == "checked_in" and ticket["number"] == "A001"
    # A retry (the answer was lost) or the visitor again: the same ticket, not a second.
    again = open_hall.ok(
        open_hall.c.post(url, json={"code": on_time["code"]}, headers=open_hall.kiosk), 200
    )
    assert (again["id"], again["number"]) == (ticket["id"], "A001")
    assert again["appointment"] == ticket["appointment"]
    open_hall.open(1)
    assert open_hall.serve(1)["number"] == "A001"
    used = open_hall.c.post(url, json={"code": on_time["code"]}, headers=open_hall.kiosk)
    assert used.status_code == 409 and used.json()["error"] == "appointment_used"
    clock.advance(30 * 60)  # 10:15: the 10:00 passport booking is past its grace
    walk_in = open_hall.ok(
        open_hall.c.post(url, json={"code": late["code"]}, headers=open_hall.kiosk), 201
    )
    assert walk_in["appointment"]["status"] == "late"
    assert walk_in["green_channel"] is True  # the elder keeps the green channel
    nobody = open_hall.c.post(url, json={"id_number": person(7)}, headers=open_hall.kiosk)
    assert nobody.status_code == 404


def test_appointment_precedence_in_dispatch_and_the_clerk_sees_the_booking(
    open_hall: Hall, clock: Clock
) -> None:
    booked = open_hall.ok(book(open_hall, form={"reason": "证件损坏", "hukou_place": "西城"}), 201)
    clock.advance(24 * 3600 + 10 * 60)  # Thursday 09:40
    walk_in = open_hall.ticket()
    clock.advance(10 * 60)  # 09:50: the walk-in has waited 10 minutes
    token = open_hall.display["Authorization"][7:]
    with open_hall.c.websocket_connect(f"/ws/halls/h1/board?token={token}") as ws:
        ws.receive_json()
        open_hall.ok(
            open_hall.c.post(
                "/api/halls/h1/appointments/check-in",
                json={"code": booked["code"]},
                headers=open_hall.kiosk,
            ),
            201,
        )
        issued = ws.receive_text()
    assert "张三" not in issued and "138" not in issued
    open_hall.open(1)
    called = open_hall.do(1, "call-next")["ticket"]
    assert called["number"] != walk_in["number"]  # the booking goes first
    assert called["appointment"]["name"] == "张三"
    assert called["appointment"]["form"] == {"换领原因": "证件损坏", "户籍地": "西城"}
    assert called["id_masked"] == "11***************" + ADULT_ID[-1]


def test_missed_bookings_become_strikes_and_suspend_booking(
    open_hall: Hall, bookings: Bookings, clock: Clock
) -> None:
    open_hall.c.put(
        "/api/halls/h1/policy", json={"noshow_strikes": 2, "ban_days": 30}, headers=open_hall.admin
    )
    for day in ("2026-11-26", "2026-11-27"):
        open_hall.ok(book(open_hall, slot=f"{day}T10:00:00+08:00"), 201)
        clock.advance(24 * 3600 + 3600)  # the next day, after the 10:00 slot and its grace
        assert bookings.release_missed("h1", clock.now) == 1
        assert bookings.release_missed("h1", clock.now) == 0
    refused = book(open_hall, slot="2026-11-30T10:00:00+08:00")
    assert refused.status_code == 409
    assert (
        refused.json()["error"] == "booking_suspended" and "预约暂停至" in refused.json()["message"]
    )
    assert refused.json()["details"]["until"]
