"""Appointments (预约): slots, booking, capacity under concurrency, check-in, strikes;
and public booking under guard: the phone answers a one-time code, requests are
rate-limited, nobody learns whether an ID number holds a booking, the form
follows the service's fields, slots are ahead and inside the horizon, and
foreigners and Hong Kong, Macao and Taiwan residents book with their documents."""

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from queue_server import otp
from queue_server.bookings import Bookings
from queue_server.identity import mask_name
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.sms import LogSms, MemorySms
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import ADMIN, ID_CARD, PASSPORT, Hall
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_tickets_api import ADULT_ID, ELDER_ID, valid_id

TOMORROW_10 = "2026-11-26T10:00:00+08:00"  # the clock starts Wednesday 25th, 09:30


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


def booking_settings(db_url: str) -> Settings:
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


def sent_code(client: TestClient, phone: str) -> str:
    """The last one-time code the test SMS provider took for `phone`."""
    sms = client.app_state["bookings"].sms
    assert isinstance(sms, MemorySms)
    found = re.search(r"验证码为(\d{6})", sms.last_to(phone))
    assert found is not None
    return found.group(1)


def cancel(hall: Hall, code: str, phone: str = "13812345678") -> httpx2.Response:
    """Cancel as the booking page does: a code to the booking's phone, then the cancel."""
    asked = hall.c.post(f"/api/appointments/{code}/challenge", json={"purpose": "cancel"})
    if asked.status_code != 202:
        return asked
    body = {"challenge": asked.json()["challenge"], "code": sent_code(hall.c, phone)}
    return hall.c.post(f"/api/appointments/{code}/cancel", json=body)


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
    phones = [f"139{n:08d}" for n in range(1, capacity + 7)]
    pending = [
        (open_hall.ok(ask(open_hall, id_number=person(n), phone=phone), 202)["pending_id"], phone)
        for n, phone in enumerate(phones, start=1)
    ]
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
    cancelled = open_hall.ok(cancel(open_hall, first["code"]))
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


def test_check_in_by_id_finds_the_booking_made_after_a_cancelled_one(
    open_hall: Hall, clock: Clock
) -> None:
    """A visitor cancels the day before and books the same day again: checking in
    with the ID number finds the live booking, not the cancelled one."""
    first = open_hall.ok(book(open_hall), 201)
    open_hall.ok(cancel(open_hall, first["code"]))
    second = open_hall.ok(book(open_hall), 201)
    clock.advance(24 * 3600 - 10 * 60 + 25 * 60)  # Thursday 09:45, inside the check-in window
    url = "/api/halls/h1/appointments/check-in"
    ticket = open_hall.ok(
        open_hall.c.post(url, json={"id_number": ADULT_ID}, headers=open_hall.kiosk), 201
    )
    assert ticket["appointment"]["code"] == second["code"]
    assert ticket["appointment"]["status"] == "checked_in"


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
    # The whole phone, or its masked form: a random token id may hold "138" by chance.
    assert "张三" not in issued and "12345678" not in issued and "138****" not in issued
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


# ---------------------------------------------------------------- guards on public booking

VISA = "CRJ-WG-QZ"  # 外国人签证延期: passport or permanent residence card, by appointment
VISA_FORM = {"nationality": "美国", "visa_type": "Z", "visa_expiry": "2026-12-20"}
APPOINTMENTS = "/api/halls/h1/appointments"


def ask(hall: Hall, **changes: Any) -> httpx2.Response:
    body = {
        "service": ID_CARD,
        "slot": TOMORROW_10,
        "name": "张三",
        "id_number": ADULT_ID,
        "phone": "13812345678",
        "form": FILLED_FORMS[ID_CARD],
    } | changes
    return hall.c.post(APPOINTMENTS, json=body)


def confirm(hall: Hall, pending_id: str, code: str) -> httpx2.Response:
    return hall.c.post(f"{APPOINTMENTS}/confirm", json={"pending_id": pending_id, "code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# ---------------------------------------------------------------- one-time code


def test_a_booking_is_made_only_when_the_phone_answers_the_code(
    open_hall: Hall, clock: Clock
) -> None:
    asked = open_hall.ok(ask(open_hall), 202)
    assert asked["phone_masked"] == "138****5678" and asked["expires_in_s"] == 300
    assert "验证码已发送" in asked["message"]
    assert slots(open_hall)[2]["booked"] == 0  # nothing is held before the code
    code = sent_code(open_hall.c, "13812345678")
    refused = confirm(open_hall, asked["pending_id"], wrong(code))
    assert refused.status_code == 422 and refused.json()["error"] == "otp_wrong"
    assert refused.json()["details"]["tries_left"] == "4"
    made = open_hall.ok(confirm(open_hall, asked["pending_id"], code), 201)
    assert len(made["code"]) == 8 and made["status"] == "booked"
    assert slots(open_hall)[2]["booked"] == 1
    again = confirm(open_hall, asked["pending_id"], code)  # a code works once
    assert again.status_code == 404 and again.json()["error"] == "otp_expired"


def test_codes_expire_and_allow_few_tries(
    open_hall: Hall, clock: Clock, bookings: Bookings, settings: Settings
) -> None:
    first = open_hall.ok(ask(open_hall), 202)
    code = sent_code(open_hall.c, "13812345678")
    for _ in range(4):
        assert confirm(open_hall, first["pending_id"], wrong(code)).json()["error"] == "otp_wrong"
    spent = confirm(open_hall, first["pending_id"], wrong(code))
    assert spent.json()["error"] == "otp_exhausted"
    late = confirm(open_hall, first["pending_id"], code)  # even the right code, now
    assert late.status_code == 404 and late.json()["error"] == "otp_expired"

    second = open_hall.ok(ask(open_hall), 202)
    code = sent_code(open_hall.c, "13812345678")
    clock.advance(5 * 60 + 1)
    expired = confirm(open_hall, second["pending_id"], code)
    assert expired.status_code == 404 and expired.json()["error"] == "otp_expired"
    # the scheduler's job forgets the request, and the name it held
    bookings.release_missed("h1", clock.now)
    store = Store(settings.database_url)
    with store.read() as tx:
        assert tx.pending_booking(second["pending_id"]) is None
    store.dispose()


def test_the_development_provider_logs_the_code_with_the_phone_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="queue_server.sms"):
        LogSms().send("13812345678", "【一窗】您预约居民身份证换领的验证码为123456")
    assert "138****5678" in caplog.text and "123456" in caplog.text
    assert "13812345678" not in caplog.text


# ---------------------------------------------------------------- nobody learns another's booking


def test_the_answer_is_the_same_whether_or_not_the_id_number_holds_a_booking(
    open_hall: Hall,
) -> None:
    free = ask(open_hall, id_number=person(1), phone="13900000001")
    open_hall.ok(book(open_hall), 201)  # ADULT_ID now holds a booking for tomorrow
    taken = ask(open_hall, phone="13900000002", slot="2026-11-26T14:00:00+08:00")
    assert (free.status_code, taken.status_code) == (202, 202)
    assert free.json().keys() == taken.json().keys()
    assert taken.json()["message"].replace("002", "001") == free.json()["message"]
    # only the verified phone learns it, and without the booking's details
    refused = confirm(open_hall, taken.json()["pending_id"], sent_code(open_hall.c, "13900000002"))
    assert refused.status_code == 409 and refused.json()["error"] == "already_booked"
    assert "14:00" not in refused.text and "10:00" not in refused.text


def test_missed_bookings_under_someone_elses_id_do_not_suspend_them(
    open_hall: Hall, bookings: Bookings, clock: Clock
) -> None:
    open_hall.c.put(
        "/api/halls/h1/policy", json={"noshow_strikes": 2, "ban_days": 30}, headers=open_hall.admin
    )
    for day in ("2026-11-26", "2026-11-27"):  # the attacker books the victim's ID, twice
        open_hall.ok(book(open_hall, slot=f"{day}T10:00:00+08:00", phone="13999999999"), 201)
        clock.advance(24 * 3600 + 3600)
        assert bookings.release_missed("h1", clock.now) == 1
    attacker = book(open_hall, slot="2026-11-30T10:00:00+08:00", phone="13999999999")
    assert attacker.status_code == 409 and attacker.json()["error"] == "booking_suspended"
    victim = book(open_hall, slot="2026-11-30T10:00:00+08:00", phone="13812345678")
    assert victim.status_code == 201


# ---------------------------------------------------------------- rate limits


@pytest.fixture
def strict_client(db_url: str, clock: Clock) -> Any:
    from queue_server.app import create_app

    settings = Settings(
        database_url=db_url,
        admin_token=ADMIN,
        secret_key="test-key",
        jobs_interval_s=0,
        sms_url="memory:",
    )  # the default limits
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def test_one_client_cannot_grab_a_whole_day(strict_client: TestClient) -> None:
    from tests.server.test_day import WEEKDAYS, set_hours

    hall = Hall(strict_client)
    set_hours(hall, WEEKDAYS)
    day = slots(hall)
    answers = [
        ask(hall, id_number=person(n), phone=f"139{n:08d}", slot=day[n % len(day)]["start"])
        for n in range(1, 40)
    ]
    statuses = [a.status_code for a in answers]
    assert statuses[:10] == [202] * 10 and set(statuses[10:]) == {429}
    limited = answers[10].json()
    assert limited["error"] == "rate_limited" and int(limited["details"]["retry_after_s"]) >= 1
    assert "过于频繁" in limited["message"]
    # and nothing was booked without the phones answering
    assert sum(s["booked"] for s in slots(hall)) == 0


def test_limits_per_id_number_and_per_phone(db_url: str, clock: Clock) -> None:
    from queue_server.app import create_app
    from tests.server.test_day import WEEKDAYS, set_hours

    settings = Settings(
        database_url=db_url,
        admin_token=ADMIN,
        secret_key="test-key",
        jobs_interval_s=0,
        sms_url="memory:",
        booking_limit_address="1000/minute",
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        hall = Hall(client)
        set_hours(hall, WEEKDAYS)
        same_id = [ask(hall, phone=f"139{n:08d}").status_code for n in range(7)]
        assert same_id == [202] * 5 + [429] * 2  # 5 an hour for one ID number
        same_phone = [ask(hall, id_number=person(n)).status_code for n in range(1, 6)]
        assert same_phone == [202] * 3 + [429] * 2  # 3 codes in 10 minutes to one phone
        # a request refused for its content costs nothing
        typo = ask(hall, id_number=person(9), phone="13700000000", slot="2026-11-26T10:10:00+08:00")
        assert typo.status_code == 422
        fine = [ask(hall, id_number=person(9), phone="13700000000").status_code for _ in range(3)]
        assert fine == [202] * 3


# ---------------------------------------------------------------- the form


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"reason": "有效期满", "note": "x"}, "form_unknown_field"),
        ({"hukou_place": "西城"}, "form_required"),  # the reason is required
        ({"reason": "想换"}, "form_choice"),
        ({"reason": "有效期满", "hukou_place": "长" * 61}, "form_too_long"),
        ({"reason": {"nested": "object"}}, "invalid_body"),
        ({f"k{n}": "v" for n in range(21)}, "invalid_body"),  # more fields than any form
        ({"reason": "x" * 30_000}, "invalid_body"),  # bounded before the fields are read
    ],
)
def test_the_form_follows_the_services_fields(
    open_hall: Hall, form: dict[str, Any], error: str
) -> None:
    refused = ask(open_hall, form=form)
    assert refused.status_code == 422 and refused.json()["error"] == error


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200d ", "\u202e\n"])
def test_a_name_of_invisible_characters_is_no_name(open_hall: Hall, name: str) -> None:
    refused = ask(open_hall, name=name)
    assert refused.status_code == 422
    assert refused.json()["message"] == "请求内容有误：名称填写有误"


def test_a_names_control_and_direction_characters_are_dropped(open_hall: Hall) -> None:
    # The clerk reads the name on the console: a right-to-left override would
    # show it reversed, a line break split it.
    made = open_hall.ok(book(open_hall, name="\u202e张\n三\u200b"), 201)
    assert made["name_masked"] == "张*"


def test_a_bookers_long_name_is_masked_to_a_few_stars() -> None:
    # shown on the booking's page on a phone: 40 stars would run off its screen
    assert mask_name("MUHAMMAD ABDULLAH BIN HASSAN AL-RASHID") == "M***"
    assert (mask_name("张三"), mask_name("张三丰"), mask_name("欧阳娜娜")) == (
        "张*",
        "张**",
        "欧***",
    )


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({}, "事项必须填写；时段必须填写；名称必须填写；证件号码必须填写；手机号码必须填写"),
        ({"form": {"reason": {"nested": "object"}}}, "理由应为文字；理由应为整数"),
        ({"form": [1]}, "预填表单填写有误"),
        ({"document_type": "driver"}, "证件类型填写有误"),
    ],
)
def test_a_wrong_booking_body_is_told_in_chinese_words(
    open_hall: Hall, body: dict[str, Any], said: str
) -> None:
    # The booker reads the message: no English field names, no pydantic type tags.
    person = {"service": ID_CARD, "slot": TOMORROW_10, "name": "张三", "id_number": ADULT_ID}
    sent = person | {"phone": "13812345678"} | body if body else {}
    refused = open_hall.c.post(APPOINTMENTS, json=sent)
    assert refused.status_code == 422
    assert refused.json()["message"] == f"请求内容有误：{said}"


def test_forms_are_published_and_an_item_without_one_takes_none(open_hall: Hall) -> None:
    listed = open_hall.ok(open_hall.c.get(f"/api/halls/h1/slots?service={ID_CARD}&date=2026-11-26"))
    reason = listed["form"][0]
    assert (reason["name"], reason["label"], reason["required"]) == ("reason", "换领原因", True)
    assert "有效期满" in reason["options"] and listed["documents"] == ["resident_id"]
    no_form = ask(open_hall, service="HZ-HJ-ZM", form={"reason": "有效期满"})
    assert no_form.status_code == 422 and no_form.json()["error"] == "form_not_expected"
    assert ask(open_hall, service="HZ-HJ-ZM", form=None).status_code == 202


# ---------------------------------------------------------------- horizon and past slots


def test_slots_already_started_are_not_offered(open_hall: Hall) -> None:
    today = slots(open_hall, "2026-11-25")  # the clock says 09:30 on the 25th
    assert today[0]["start"] == "2026-11-25T10:00:00+08:00"
    assert len(today) == 4 + 7  # 09:00 and 09:30 have started
    past = ask(open_hall, slot="2026-11-25T09:00:00+08:00")
    assert past.status_code == 409 and past.json()["error"] == "slot_past"
    assert slots(open_hall, "2026-11-24") == []


def test_booking_is_open_up_to_the_halls_horizon(open_hall: Hall) -> None:
    listed = open_hall.ok(open_hall.c.get(f"/api/halls/h1/slots?service={ID_CARD}&date=2026-12-09"))
    assert listed["bookable_until"] == "2026-12-09" and listed["slots"]  # 14 days ahead
    assert slots(open_hall, "2026-12-10") == []
    far = ask(open_hall, slot="2026-12-10T10:00:00+08:00")
    assert far.status_code == 409 and far.json()["error"] == "beyond_horizon"
    half_year = ask(open_hall, slot="2027-05-25T10:00:00+08:00")
    assert half_year.status_code == 409 and half_year.json()["error"] == "beyond_horizon"
    assert slots(open_hall, "2999-12-31") == []
    absurd = open_hall.c.get(f"/api/halls/h1/slots?service={ID_CARD}&date=9999-12-31")
    assert absurd.status_code == 422 and absurd.json()["error"] == "date_format"
    odd = ask(
        open_hall, slot="9999-12-31T23:59:00-14:00"
    )  # past the calendar in UTC: refused with the body
    assert odd.status_code == 422 and odd.json()["error"] == "invalid_body"
    open_hall.ok(
        open_hall.c.put(
            "/api/halls/h1/policy", json={"booking_horizon_days": 30}, headers=open_hall.admin
        )
    )
    assert ask(open_hall, slot="2026-12-10T10:00:00+08:00").status_code == 202


# ---------------------------------------------------------------- documents


def test_foreigners_book_with_a_passport_and_check_in_with_it(
    open_hall: Hall, clock: Clock
) -> None:
    asked = open_hall.ok(
        ask(
            open_hall,
            service=VISA,
            document_type="passport",
            id_number="c01x00t47",
            phone="+4915112345678",
            form=VISA_FORM,
        ),
        202,
    )
    made = open_hall.ok(
        confirm(open_hall, asked["pending_id"], sent_code(open_hall.c, "+4915112345678")), 201
    )
    assert made["document_type"] == "passport" and made["id_masked"] == "C*******7"
    clock.advance(24 * 3600 + 25 * 60)  # Thursday 09:55
    ticket = open_hall.ok(
        open_hall.c.post(
            f"{APPOINTMENTS}/check-in",
            json={"document_type": "passport", "id_number": "C01X00T47"},
            headers=open_hall.kiosk,
        ),
        201,
    )
    assert ticket["appointment"]["code"] == made["code"]


@pytest.mark.parametrize(
    ("service", "document_type", "number", "error"),
    [
        (VISA, "resident_id", ADULT_ID, "document_not_accepted"),
        (ID_CARD, "passport", "E12345678", "document_not_accepted"),
        (VISA, "passport", "E12", "passport_format"),
        ("CRJ-GAT-JZZ", "hk_macao_permit", "H1234567", "hk_macao_permit_format"),
        ("CRJ-GAT-JZZ", "taiwan_permit", "T2345678", "taiwan_permit_format"),
        (VISA, "foreign_pr", "US1110183060101", "foreign_pr_format"),
        (VISA, "driving_licence", "123456", "invalid_body"),
    ],
)
def test_each_document_is_checked_by_its_format_and_the_service(
    open_hall: Hall, service: str, document_type: str, number: str, error: str
) -> None:
    form = VISA_FORM if service == VISA else FILLED_FORMS.get(service)
    refused = ask(
        open_hall, service=service, document_type=document_type, id_number=number, form=form
    )
    assert refused.status_code == 422 and refused.json()["error"] == error


@pytest.mark.parametrize(
    ("document_type", "number"),
    [("hk_macao_permit", "H12345678"), ("taiwan_permit", "12345678")],
)
def test_hong_kong_macao_and_taiwan_residents_book_with_their_permits(
    open_hall: Hall, document_type: str, number: str
) -> None:
    asked = open_hall.ok(
        ask(
            open_hall,
            service="CRJ-GAT-JZZ",
            document_type=document_type,
            id_number=number,
            form=None,
        ),
        202,
    )
    code = sent_code(open_hall.c, "13812345678")
    made = open_hall.ok(confirm(open_hall, asked["pending_id"], code), 201)
    assert made["document_type"] == document_type
    assert made["id_masked"] == number[0] + "*" * (len(number) - 2) + number[-1]
