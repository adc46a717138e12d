"""线上取号 through the API: a place taken from a phone with a texted code, the
hall's share of remote places, a closed hall, the grace that ends in a drop,
a retried confirmation, and the holder's arrival at the door or the kiosk."""

import re
from datetime import date
from typing import Any

import pytest

from queue_server.day import HallDay
from queue_server.remote_queue import RemotePlaces, door_code
from queue_server.settings import Settings
from queue_server.sms import MemorySms
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, PASSPORT, Hall
from tests.server.test_appointments import booking_settings
from tests.server.test_day import WEEKDAYS, set_hours

PHONE = "13812345678"
ELDER_ID = "11010519491231002X"  # born 1949: the green channel


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


def allow(hall: Hall, service: str = ID_CARD, allowed: bool = True) -> None:
    reply = hall.c.patch(
        f"/api/halls/h1/catalogue/{service}", json={"remote": allowed}, headers=hall.admin
    )
    assert hall.ok(reply)["remote"] is allowed


def ask(hall: Hall, phone: str = PHONE, service: str = ID_CARD, **extra: Any) -> Any:
    body = {"service": service, "phone": phone} | extra
    return hall.c.post("/api/halls/h1/remote-tickets", json=body)


def texted(hall: Hall, phone: str = PHONE) -> str:
    sms = hall.c.app_state["bookings"].sms
    assert isinstance(sms, MemorySms)
    found = re.search(r"验证码为(\d{6})", sms.last_to(phone))
    assert found
    return found.group(1)


def take(hall: Hall, phone: str = PHONE, **extra: Any) -> dict[str, Any]:
    """A place taken from `phone`: the request, then the texted code."""
    challenge = hall.ok(ask(hall, phone, **extra), 202)["challenge"]
    body = {"challenge": challenge, "code": texted(hall, phone)}
    reply = hall.c.post("/api/halls/h1/remote-tickets/confirm", json=body)
    return dict(hall.ok(reply, 201)) | {"challenge": challenge}


def arrive(hall: Hall, ticket: str, door: str) -> Any:
    return hall.c.post(f"/api/tickets/{ticket}/check-in", json={"door": door})


def today_door(hall: Hall) -> str:
    remote: RemotePlaces = hall.c.app_state["remote"]
    return door_code(remote.services.id_key(), "h1", date(2026, 11, 25))


def test_a_place_taken_from_home_is_remote_and_waits_for_its_holder(hall: Hall) -> None:
    allow(hall)
    offer = hall.ok(hall.c.get("/api/halls/h1/remote-tickets"))
    assert offer["open"] and [s["code"] for s in offer["services"]] == [ID_CARD]
    hall.open(1, 2)
    walk_in = hall.ticket()  # A001
    mine = take(hall)
    assert mine["number"] == "A002" and mine["remote"] and not mine["checked_in"]
    assert mine["status_url"] is None or mine["status_url"].endswith(f"/t/{mine['id']}")
    queues = hall.ok(hall.c.get("/api/halls/h1/queues", headers=hall.supervisor))
    away = {t["number"]: t["away"] for t in queues["tickets"]}
    assert away == {"A001": False, "A002": True}
    assert queues["services"][0]["waiting"] == 1 and queues["services"][0]["away"] == 1
    called_by_number = hall.act(2, "call", {"ticket": "A002"})  # 指呼 of a holder not here
    assert called_by_number.status_code == 409
    assert called_by_number.json()["error"] == "holder_away"
    assert hall.do(1, "call-next")["ticket"]["number"] == walk_in["number"]


def test_the_phone_code_is_needed_and_a_retry_gets_the_same_ticket(hall: Hall) -> None:
    allow(hall)
    challenge = hall.ok(ask(hall), 202)["challenge"]
    code = texted(hall)
    wrong = hall.c.post(
        "/api/halls/h1/remote-tickets/confirm",
        json={"challenge": challenge, "code": "111111" if code == "000000" else "000000"},
    )
    assert wrong.status_code == 422
    body = {"challenge": challenge, "code": code}
    first = hall.ok(hall.c.post("/api/halls/h1/remote-tickets/confirm", json=body), 201)
    again = hall.c.post("/api/halls/h1/remote-tickets/confirm", json=body)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    # One live place per phone in a hall: a second request is refused before any text.
    second = ask(hall)
    assert second.status_code == 409 and second.json()["error"] == "duplicate_ticket"
    assert "A001" in second.json()["message"]


def test_refusals_name_the_reason(hall: Hall, clock: Clock) -> None:
    not_allowed = ask(hall)
    assert not_allowed.status_code == 409 and not_allowed.json()["error"] == "remote_not_offered"
    assert "不开放线上取号" in not_allowed.json()["message"]
    allow(hall)
    set_hours(hall, WEEKDAYS)
    clock.advance(3 * 3600)  # 12:30: the midday break
    closed = ask(hall)
    assert closed.status_code == 409 and closed.json()["error"] == "hall_closed"
    assert "13:30" in closed.json()["message"]
    assert not hall.ok(hall.c.get("/api/halls/h1/remote-tickets"))["open"]


def test_the_hall_caps_the_share_of_remote_places(hall: Hall) -> None:
    allow(hall)
    hall.c.put("/api/halls/h1/policy", json={"remote_share_pct": 50}, headers=hall.admin)
    take(hall, "13800000001")  # the first of 1: an empty hall takes one
    full = ask(hall, "13800000002")
    assert full.status_code == 409 and full.json()["error"] == "remote_share_full"
    assert "名额已满" in full.json()["message"]
    hall.ticket()  # with one walk-in: 2 remote of 3 is 50 % of 3 rounded up
    take(hall, "13800000002")
    assert ask(hall, "13800000003").json()["error"] == "remote_share_full"  # 3 of 4
    hall.c.put("/api/halls/h1/policy", json={"remote_share_pct": 0}, headers=hall.admin)
    hall.ticket()
    hall.ticket()
    assert ask(hall, "13800000003").json()["error"] == "remote_share_full"  # 0 %: off


def test_a_holder_passed_over_keeps_the_place_then_it_drops(
    hall: Hall, clock: Clock, day: HallDay
) -> None:
    allow(hall)
    hall.open(1)
    mine = take(hall)  # A001, from home
    clock.advance(60)
    walk_in = hall.ticket()  # A002, at the kiosk
    assert hall.do(1, "call-next")["ticket"]["number"] == walk_in["number"]
    view = hall.ok(hall.c.get(f"/api/tickets/{mine['id']}"))
    assert view["passed_at"] and view["kept_until"].startswith("2026-11-25T09:46")
    hall.do(1, "start")
    hall.do(1, "finish")
    assert hall.act(1, "call-next").status_code == 204  # nobody callable: A001 is away
    clock.advance(14 * 60)
    assert day.tick(clock())["missed_remote"] == 0
    clock.advance(60)  # 15 minutes after the pass
    assert day.tick(clock())["missed_remote"] == 1
    assert hall.ok(hall.c.get(f"/api/tickets/{mine['id']}"))["status"] == "no_show"
    assert arrive(hall, mine["id"], today_door(hall)).json()["error"] == "remote_ended"
    assert hall.stats()["no_show"] == 1


def test_after_check_in_at_the_door_the_place_is_called_before_later_tickets(
    hall: Hall, clock: Clock
) -> None:
    allow(hall)
    hall.open(1)
    mine = take(hall)  # A001
    clock.advance(60)
    hall.ticket()  # A002
    hall.do(1, "call-next")  # A002 called: A001 passed over
    hall.do(1, "start")
    hall.do(1, "finish")
    later = hall.ticket()  # A003
    wrong = arrive(hall, mine["id"], "not-the-code")
    assert wrong.status_code == 403 and wrong.json()["error"] == "door_code_wrong"
    arrived = hall.ok(arrive(hall, mine["id"], today_door(hall)))
    assert arrived["checked_in"] and arrived["kept_until"] is None
    assert hall.ok(arrive(hall, mine["id"], today_door(hall)))["checked_in"]  # again: same
    assert hall.do(1, "call-next")["ticket"]["number"] == "A001"
    assert later["number"] == "A003"


def test_the_kiosk_checks_in_by_the_ticket_qr_or_the_id_number(hall: Hall) -> None:
    allow(hall)
    allow(hall, PASSPORT)
    hall.c.put("/api/halls/h1/policy", json={"remote_share_pct": 100}, headers=hall.admin)
    by_qr = take(hall, "13800000001")
    by_id = take(hall, "13800000002", service=PASSPORT, id_number=ELDER_ID)
    assert by_id["green_channel"]
    url = f"http://hall.example/t/{by_qr['id']}"
    kiosk, at_kiosk = hall.token("kiosk"), "/api/halls/h1/remote-tickets/check-in"
    reply = hall.c.post(at_kiosk, json={"ticket": url}, headers=kiosk)
    assert hall.ok(reply)["checked_in"]
    reply = hall.c.post(
        "/api/halls/h1/remote-tickets/check-in", json={"id_number": ELDER_ID}, headers=kiosk
    )
    assert hall.ok(reply)["number"] == by_id["number"] and reply.json()["checked_in"]
    unknown = hall.c.post(
        "/api/halls/h1/remote-tickets/check-in", json={"id_number": ELDER_ID}, headers=kiosk
    )
    assert unknown.status_code == 404 and unknown.json()["error"] == "remote_not_found"
    anyone = hall.c.post("/api/halls/h1/remote-tickets/check-in", json={"ticket": by_qr["id"]})
    assert anyone.status_code == 401


def test_the_door_sign_and_the_events_hold_no_personal_data(hall: Hall) -> None:
    allow(hall)
    sign = hall.ok(hall.c.get("/api/halls/h1/door", headers=hall.supervisor))
    assert sign["url"].endswith(f"/arrive/h1?k={today_door(hall)}") and "<svg" in sign["qr_svg"]
    assert hall.c.get("/api/halls/h1/door", headers=hall.kiosk).status_code == 403
    mine = take(hall, id_number=ELDER_ID)
    hall.ok(arrive(hall, mine["id"], today_door(hall)))
    remote: RemotePlaces = hall.c.app_state["remote"]
    with remote.services.store.read() as tx:
        feed = [(e.type, str(e.data)) for e in tx.events_since("h1", 0)]
        steps = [s.action for s in tx.transitions(mine["id"])]
    assert "ticket.checked_in" in [t for t, _ in feed]
    assert not any(PHONE in d or ELDER_ID in d or "138****" in d for _, d in feed)
    assert steps == ["issue", "check-in"]


def test_the_kiosk_checks_in_by_the_number_and_a_code_texted_to_the_phone(hall: Hall) -> None:
    allow(hall)
    mine = take(hall)
    remote: RemotePlaces = hall.c.app_state["remote"]
    with remote.services.store.read() as tx:
        row = tx.ticket_row(mine["id"])  # texted when 3 are ahead, as the holder's page says
        assert row.remind_ahead == 3 and PHONE not in (row.phone_enc or PHONE)
    at_kiosk = "/api/halls/h1/remote-tickets/check-in"
    sent = hall.c.post(at_kiosk, json={"number": "a001"}, headers=hall.kiosk)
    assert sent.status_code == 202 and sent.json()["phone_masked"] == "138****5678"
    assert "A001 号签到" in hall.c.app_state["bookings"].sms.last_to(PHONE)
    body = {"challenge": sent.json()["challenge"], "code": texted(hall)}
    arrived = hall.ok(hall.c.post(at_kiosk, json=body, headers=hall.kiosk))
    assert arrived["id"] == mine["id"] and arrived["checked_in"]
    # Arrived: no code is texted for that number any more.
    again = hall.c.post(at_kiosk, json={"number": "A001"}, headers=hall.kiosk)
    assert again.status_code == 404 and again.json()["error"] == "remote_not_found"


def test_the_phone_s_hash_goes_with_the_hall_s_retention(
    hall: Hall, clock: Clock, day: HallDay
) -> None:
    allow(hall)
    mine = take(hall)
    clock.advance(91 * 86400)  # past the default 90 days
    assert day.erase_old_personal_data("h1", clock.now) >= 1
    with day.services.store.read() as tx:
        row = tx.ticket_row(mine["id"])
    assert row.idem_key is None and row.phone_enc is None and row.remote
