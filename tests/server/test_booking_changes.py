"""A booking cancelled or moved from the booking page: whoever holds the code
sees it masked, only a code texted to the booking's own phone changes it; a
move checks the new slot as a booking does and frees the old place; wrong,
expired and other bookings' codes change nothing; a client hammering the
page's endpoints is told, in Chinese, to wait."""

from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from queue_server.settings import Settings
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, Hall
from tests.server.test_appointments import (
    TOMORROW_10,
    book,
    booking_settings,
    cancel,
    person,
    sent_code,
    slots,
    strict_client,  # noqa: F401 (a fixture)
)
from tests.server.test_day import WEEKDAYS, set_hours

PHONE = "13812345678"
OTHER_PHONE = "13900000002"
TOMORROW_1030 = "2026-11-26T10:30:00+08:00"
TOMORROW_14 = "2026-11-26T14:00:00+08:00"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


@pytest.fixture
def open_hall(hall: Hall) -> Hall:
    """Weekday hours, and one place per slot for the identity card."""
    set_hours(hall, WEEKDAYS)
    hall.ok(
        hall.c.patch(
            f"/api/halls/h1/catalogue/{ID_CARD}", json={"slot_capacity": 1}, headers=hall.admin
        )
    )
    return hall


def challenge(hall: Hall, code: str, purpose: str = "move") -> Any:
    return hall.ok(
        hall.c.post(f"/api/appointments/{code}/challenge", json={"purpose": purpose}), 202
    )


def move(hall: Hall, code: str, slot: str, asked: Any, answer: str) -> httpx2.Response:
    body = {"slot": slot, "challenge": asked["challenge"], "code": answer}
    return hall.c.post(f"/api/appointments/{code}/move", json=body)


def shown(hall: Hall, code: str) -> Any:
    return hall.ok(hall.c.get(f"/api/appointments/{code}"))


def free(hall: Hall) -> dict[str, int]:
    return {s["start"]: s["free"] for s in slots(hall)}


def test_cancel_needs_a_code_texted_to_the_bookings_own_phone(open_hall: Hall) -> None:
    made = open_hall.ok(book(open_hall), 201)
    bare = open_hall.c.post(f"/api/appointments/{made['code']}/cancel")
    assert bare.status_code == 422 and bare.json()["error"] == "challenge_required"
    assert "验证码" in bare.json()["message"]
    # The caller cannot say where the code goes.
    elsewhere = {"purpose": "cancel", "phone": OTHER_PHONE}
    assert (
        open_hall.c.post(f"/api/appointments/{made['code']}/challenge", json=elsewhere).status_code
        == 422
    )
    cancelled = open_hall.ok(cancel(open_hall, made["code"]))
    assert (
        cancelled["status"] == "cancelled"
        and shown(open_hall, made["code"])["status"] == "cancelled"
    )
    assert free(open_hall)[TOMORROW_10] == 1


def test_move_to_a_free_slot_frees_the_old_place(open_hall: Hall) -> None:
    made = open_hall.ok(book(open_hall), 201)
    assert free(open_hall)[TOMORROW_10] == 0
    asked = challenge(open_hall, made["code"])
    assert asked["phone_masked"] == "138****5678" and "验证码已发送" in asked["message"]
    moved = open_hall.ok(
        move(open_hall, made["code"], TOMORROW_1030, asked, sent_code(open_hall.c, PHONE))
    )
    assert moved["slot_start"] == TOMORROW_1030 and moved["status"] == "booked"
    assert moved["code"] == made["code"]  # the same code, the same QR
    assert free(open_hall)[TOMORROW_10] == 1 and free(open_hall)[TOMORROW_1030] == 0


def test_a_full_slot_is_refused_before_the_code_is_spent(open_hall: Hall) -> None:
    mine = open_hall.ok(book(open_hall), 201)
    open_hall.ok(book(open_hall, slot=TOMORROW_14, id_number=person(2), phone=OTHER_PHONE), 201)
    asked = challenge(open_hall, mine["code"])
    answer = sent_code(open_hall.c, PHONE)
    full = move(open_hall, mine["code"], TOMORROW_14, asked, answer)
    assert full.status_code == 409 and full.json()["error"] == "slot_full"
    same = move(open_hall, mine["code"], TOMORROW_10, asked, answer)
    assert same.status_code == 409 and same.json()["error"] == "same_slot"
    far = move(open_hall, mine["code"], "2026-12-10T10:00:00+08:00", asked, answer)
    assert far.status_code == 409 and far.json()["error"] == "beyond_horizon"
    past = move(open_hall, mine["code"], "2026-11-25T09:00:00+08:00", asked, answer)
    assert past.status_code == 409 and past.json()["error"] == "slot_past"
    # The code still works for a slot with room.
    open_hall.ok(move(open_hall, mine["code"], TOMORROW_1030, asked, answer))
    assert free(open_hall)[TOMORROW_14] == 0  # the other booking kept its place


def test_wrong_and_expired_codes_change_nothing(open_hall: Hall, clock: Clock) -> None:
    made = open_hall.ok(book(open_hall), 201)
    asked = challenge(open_hall, made["code"])
    right = sent_code(open_hall.c, PHONE)
    wrong = move(
        open_hall, made["code"], TOMORROW_1030, asked, "000000" if right != "000000" else "111111"
    )
    assert wrong.status_code == 422 and wrong.json()["error"] == "otp_wrong"
    assert wrong.json()["message"] == "验证码不正确，还可再试4次"
    clock.advance(6 * 60)  # past the code's 5 minutes
    late = move(open_hall, made["code"], TOMORROW_1030, asked, right)
    assert late.status_code == 404 and late.json()["error"] == "otp_expired"
    assert shown(open_hall, made["code"])["slot_start"] == TOMORROW_10
    asked = challenge(open_hall, made["code"], "cancel")
    clock.advance(6 * 60)
    body = {"challenge": asked["challenge"], "code": sent_code(open_hall.c, PHONE)}
    expired = open_hall.c.post(f"/api/appointments/{made['code']}/cancel", json=body)
    assert expired.status_code == 404 and shown(open_hall, made["code"])["status"] == "booked"


def test_a_code_for_another_booking_changes_nothing_and_says_nothing(open_hall: Hall) -> None:
    victim = open_hall.ok(book(open_hall), 201)
    mine = open_hall.ok(
        book(open_hall, slot=TOMORROW_14, id_number=person(2), phone=OTHER_PHONE), 201
    )
    asked = challenge(open_hall, mine["code"], "cancel")
    body = {"challenge": asked["challenge"], "code": sent_code(open_hall.c, OTHER_PHONE)}
    refused = open_hall.c.post(f"/api/appointments/{victim['code']}/cancel", json=body)
    assert refused.status_code == 404 and refused.json()["error"] == "otp_expired"
    assert refused.json()["message"] == "验证码已失效，请重新获取"
    assert shown(open_hall, victim["code"])["status"] == "booked"
    asked = challenge(open_hall, mine["code"])
    stolen = move(
        open_hall, victim["code"], TOMORROW_1030, asked, sent_code(open_hall.c, OTHER_PHONE)
    )
    assert (
        stolen.status_code == 404 and shown(open_hall, victim["code"])["slot_start"] == TOMORROW_10
    )
    # A code asked for either booking answers alike, each to its own phone.
    assert challenge(open_hall, victim["code"]).keys() == challenge(open_hall, mine["code"]).keys()


def test_a_booking_checked_in_or_started_cannot_move(open_hall: Hall, clock: Clock) -> None:
    made = open_hall.ok(book(open_hall), 201)
    clock.advance(24 * 3600 + 31 * 60)  # Thursday 10:01: its slot has started
    late = open_hall.c.post(f"/api/appointments/{made['code']}/challenge", json={"purpose": "move"})
    assert late.status_code == 409 and late.json()["error"] == "move_too_late"
    open_hall.ok(
        open_hall.c.post(
            "/api/halls/h1/appointments/check-in",
            json={"code": made["code"]},
            headers=open_hall.kiosk,
        ),
        201,
    )
    used = open_hall.c.post(f"/api/appointments/{made['code']}/challenge", json={"purpose": "move"})
    assert used.status_code == 409 and used.json()["error"] == "appointment_not_movable"


def test_hammering_the_pages_endpoints_is_limited_in_chinese(strict_client: TestClient) -> None:  # noqa: F811
    hall = Hall(strict_client)
    set_hours(hall, WEEKDAYS)
    made = hall.ok(book(hall), 201)  # 1 of the address's 10 a minute
    url = f"/api/appointments/{made['code']}/challenge"
    answers = [hall.c.post(url, json={"purpose": "cancel"}) for _ in range(12)]
    statuses = [a.status_code for a in answers]
    assert 429 in statuses and statuses[0] == 202
    limited = answers[statuses.index(429)].json()
    assert limited["error"] == "rate_limited" and "请稍后再试" in limited["message"]
    assert int(limited["details"]["retry_after_s"]) >= 1
    booked = hall.c.post("/api/halls/h1/appointments", json={"service": ID_CARD})
    assert booked.status_code in (422, 429)  # a bad body is refused, or the address is spent
    guesses = [
        hall.c.post(
            f"/api/appointments/{made['code']}/cancel", json={"challenge": "x", "code": "1"}
        )
        for _ in range(35)
    ]
    assert guesses[-1].status_code == 429 and "验证码尝试过于频繁" in guesses[-1].json()["message"]
    # Guessing booking codes: 60 lookups a minute from one address (the changes
    # above asked by code too), then told to wait.
    looks = [hall.c.get(f"/api/appointments/GUESS{n:03d}").status_code for n in range(61)]
    assert looks == [404] * (60 - 12 - 35) + [429] * (61 - 13)


@pytest.mark.parametrize("action", ["challenge", "cancel", "move"])
def test_guessing_codes_through_the_changes_is_limited_as_lookups_are(
    strict_client: TestClient,  # noqa: F811
    action: str,
) -> None:
    # A 404 here tells a guess from a booking as GET /api/appointments/{code} does:
    # the same 60 a minute per address, or the lookup limit is for nothing.
    body = {"purpose": "cancel", "challenge": "x", "code": "1", "slot": TOMORROW_1030}
    wanted = {"challenge": ["purpose"], "cancel": ["challenge", "code"]}.get(action)
    sent = {k: v for k, v in body.items() if wanted is None or k in wanted}
    if action == "move":
        sent.pop("purpose")
    guesses = [
        strict_client.post(f"/api/appointments/GUESS{n:03d}/{action}", json=sent) for n in range(61)
    ]
    assert {r.status_code for r in guesses[:60]} == {404}
    assert guesses[60].status_code == 429
    assert guesses[60].json()["message"] == "查询预约过于频繁，请稍后再试"


def test_a_purpose_that_is_neither_is_named_in_chinese_punctuation(open_hall: Hall) -> None:
    made = open_hall.ok(book(open_hall), 201)
    odd = open_hall.c.post(f"/api/appointments/{made['code']}/challenge", json={"purpose": "x"})
    assert odd.status_code == 422
    assert odd.json()["message"] == "请求内容有误：验证码用途应为：cancel、move"
