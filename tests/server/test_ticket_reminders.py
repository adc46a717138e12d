"""Text reminders for a ticket's holder: switched on from the holder's page with
a phone proved by a code (or the booking's phone), then one "N ahead" text and
one "called" text, through the outbox; never a phone in a log or an event."""

import json
import logging
import re
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server import outbox
from queue_server.day import HallDay
from queue_server.protocol import TicketStatus
from queue_server.reminders import Reminded, due
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.sms import MemorySms, SmsKind
from queue_server.store import Tx
from tests.conftest import Clock
from tests.server.conftest import Hall
from tests.server.test_appointments import book, booking_settings
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_outbox import deliver
from tests.server.test_tickets_api import ADULT_ID

PHONE = "13900001111"
BOOKED_PHONE = "13812345678"  # test_appointments.book's


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


@pytest.fixture
def sms(client: TestClient) -> MemorySms:
    found: MemorySms = client.app_state["bookings"].sms
    return found


@pytest.mark.parametrize(
    ("status", "position", "reminded", "wanted"),
    [
        (TicketStatus.WAITING, 4, None, None),
        (TicketStatus.WAITING, None, None, None),  # no staffed window takes it
        (TicketStatus.WAITING, 3, None, Reminded.AHEAD),
        (TicketStatus.WAITING, 0, None, Reminded.AHEAD),
        (TicketStatus.WAITING, 2, "ahead", None),
        (TicketStatus.CALLED, 0, "ahead", Reminded.CALLED),
        (TicketStatus.CALLED, 0, None, Reminded.CALLED),  # the queue moved fast
        (TicketStatus.CALLED, 0, "called", None),
        (TicketStatus.SERVING, 0, "ahead", None),
        (TicketStatus.SUSPENDED, 0, None, None),
    ],
)
def test_which_text_is_owed(
    status: TicketStatus, position: int | None, reminded: str | None, wanted: Reminded | None
) -> None:
    assert due(status, position, 3, reminded) == wanted


def code_to(sms: MemorySms, phone: str) -> str:
    found = re.search(r"验证码为(\d{6})", sms.last_to(phone))
    assert found, sms.sent
    return found.group(1)


def switch_on(hall: Hall, sms: MemorySms, ticket_id: str, ahead: int = 3) -> dict[str, Any]:
    path = f"/api/tickets/{ticket_id}/reminders"
    asked = hall.ok(hall.c.post(path, json={"phone": PHONE, "ahead": ahead}), 202)
    assert asked["phone_masked"] == "139****1111"
    confirm = {"challenge": asked["challenge"], "code": code_to(sms, PHONE)}
    result: dict[str, Any] = hall.ok(hall.c.post(f"{path}/confirm", json=confirm))
    return result


def test_one_text_at_three_ahead_and_one_when_called(
    hall: Hall,
    client: TestClient,
    clock: Clock,
    sms: MemorySms,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        hall.ticket()
    mine = hall.ticket()
    assert mine["position"] == 5
    shown = hall.ok(hall.c.get(f"/api/tickets/{mine['id']}/reminders"))
    assert (shown["on"], shown["default_ahead"], shown["booked_phone"]) == (False, 3, None)
    on = switch_on(hall, sms, mine["id"])
    assert (on["on"], on["phone_masked"], on["ahead"], on["reminded"]) == (
        True,
        "139****1111",
        3,
        None,
    )
    assert sms.kinds_to(PHONE) == [SmsKind.CODE]

    hall.open(1)
    hall.serve(1)  # 4 ahead
    assert deliver(client, clock()) == {}
    hall.serve(1)  # 3 ahead: the text
    assert deliver(client, clock()) == {"delivered": 1}
    assert sms.last_to(PHONE) == (
        f"【一窗】测试大厅：您的{mine['number']}号前面还有3人，请回到等候区留意叫号。"
    )
    hall.serve(1)
    hall.serve(1)
    HallDay(client.app_state["services"]).tick(clock())  # the job finds nothing more owed
    hall.serve(1)
    assert deliver(client, clock()) == {}
    called = hall.do(1, "call-next")
    assert called["ticket"]["id"] == mine["id"]
    assert deliver(client, clock()) == {"delivered": 1}
    assert sms.last_to(PHONE) == f"【一窗】测试大厅：请{mine['number']}号到1号窗口办理。"
    hall.do(1, "recall")
    HallDay(client.app_state["services"]).tick(clock())
    assert deliver(client, clock()) == {}
    assert sms.kinds_to(PHONE) == [SmsKind.CODE, SmsKind.AHEAD, SmsKind.CALLED]

    services: HallServices = client.app_state["services"]
    with services.store.read() as tx:
        events = json.dumps([row.data for row in tx.events_since("h1", 0)], ensure_ascii=False)
    answer = hall.c.get("/api/halls/h1/outbox", headers=hall.supervisor).json()
    log = json.dumps(answer, ensure_ascii=False)
    assert PHONE not in events and PHONE not in log and "139****" not in log
    assert "的排队短信提醒" in log
    assert not [r for r in caplog.records if PHONE in r.getMessage()]


def test_the_job_texts_when_a_cancel_moves_the_queue(
    hall: Hall, client: TestClient, clock: Clock, sms: MemorySms
) -> None:
    hall.open(1)  # with no window open that takes it, no ticket is near
    first = hall.ticket()
    for _ in range(3):
        hall.ticket()
    mine = hall.ticket()  # 4 ahead
    switch_on(hall, sms, mine["id"])
    hall.ok(hall.c.post(f"/api/tickets/{first['id']}/cancel"))
    assert deliver(client, clock()) == {}  # a cancel is no call: the job sees it
    done = HallDay(client.app_state["services"]).tick(clock())
    assert done["ticket_reminders"] == 1
    assert deliver(client, clock()) == {"delivered": 1}
    assert "前面还有3人" in sms.last_to(PHONE)
    assert HallDay(client.app_state["services"]).tick(clock())["ticket_reminders"] == 0


def test_near_already_only_the_call_is_texted_and_off_means_off(
    hall: Hall, client: TestClient, clock: Clock, sms: MemorySms
) -> None:
    hall.ticket()
    mine = hall.ticket()  # 1 ahead, but no window is open: not near yet
    assert switch_on(hall, sms, mine["id"])["reminded"] is None
    hall.open(1)
    assert switch_on(hall, sms, mine["id"])["reminded"] == "ahead"  # the page says so already
    other = hall.ticket()
    switch_on(hall, sms, other["id"], ahead=1)
    off = hall.ok(hall.c.delete(f"/api/tickets/{other['id']}/reminders"))
    assert (off["on"], off["phone_masked"]) == (False, None)
    hall.serve(1)
    hall.do(1, "call-next")
    assert deliver(client, clock()) == {"delivered": 1}
    hall.do(1, "start")
    hall.do(1, "finish")
    hall.do(1, "call-next")  # the one switched off
    assert deliver(client, clock()) == {}
    assert sms.kinds_to(PHONE) == [SmsKind.CODE] * 3 + [SmsKind.CALLED]


def test_a_booked_ticket_uses_its_verified_phone_without_a_new_code(
    hall: Hall, client: TestClient, clock: Clock, sms: MemorySms
) -> None:
    set_hours(hall, WEEKDAYS)
    hall.ok(book(hall), 201)
    clock.advance(24 * 3600 + 15 * 60)  # Thursday 09:45, inside the check-in window
    checked_in = hall.c.post(
        "/api/halls/h1/appointments/check-in", json={"id_number": ADULT_ID}, headers=hall.kiosk
    )
    booked = hall.ok(checked_in, 201)["id"]
    path = f"/api/tickets/{booked}/reminders"
    assert hall.ok(hall.c.get(path))["booked_phone"] == "138****5678"
    codes = len(sms.sent)
    on = hall.ok(hall.c.post(path, json={"ahead": 2}), 200)
    assert (on["on"], on["phone_masked"], on["ahead"]) == (True, "138****5678", 2)
    assert len(sms.sent) == codes  # no new code
    hall.open(1)
    hall.do(1, "call-next")
    assert deliver(client, clock()) == {"delivered": 1}
    assert sms.kinds_to(BOOKED_PHONE)[-1] is SmsKind.CALLED

    walk_in = hall.ticket()
    refused = hall.c.post(f"/api/tickets/{walk_in['id']}/reminders", json={"ahead": 2})
    assert (refused.status_code, refused.json()["error"]) == (422, "phone_required")


def test_refusals_are_clear(hall: Hall, sms: MemorySms) -> None:
    ticket = hall.ticket()
    path = f"/api/tickets/{ticket['id']}/reminders"
    for body in ({"phone": PHONE, "ahead": 0}, {"phone": PHONE, "ahead": 11}, {"ahead": "3"}):
        refused = hall.c.post(path, json=body)
        assert refused.status_code == 422, body
        assert "提前提醒人数" in refused.json()["message"]
    bad_phone = hall.c.post(path, json={"phone": "12345", "ahead": 3})
    assert (bad_phone.status_code, bad_phone.json()["error"]) == (422, "phone_format")
    asked = hall.ok(hall.c.post(path, json={"phone": PHONE, "ahead": 3}), 202)
    wrong = hall.c.post(f"{path}/confirm", json={"challenge": asked["challenge"], "code": "000000"})
    assert (wrong.status_code, wrong.json()["error"]) == (422, "otp_wrong")
    other = hall.ticket()
    stolen = {"challenge": asked["challenge"], "code": code_to(sms, PHONE)}
    elsewhere = hall.c.post(f"/api/tickets/{other['id']}/reminders/confirm", json=stolen)
    assert elsewhere.status_code == 404
    assert hall.c.get("/api/tickets/nope/reminders").status_code == 404
    hall.open(1)
    hall.serve(1)
    over = hall.c.post(path, json={"phone": PHONE, "ahead": 3})
    assert (over.status_code, over.json()["error"]) == (409, "ticket_not_waiting")


def test_the_hall_s_default_is_a_policy_setting(hall: Hall) -> None:
    hall.ok(hall.c.put("/api/halls/h1/policy", json={"remind_ahead": 5}, headers=hall.admin))
    ticket = hall.ticket()
    assert hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}/reminders"))["default_ahead"] == 5


def test_a_transferred_matter_s_next_leg_texts_its_call(
    hall: Hall, client: TestClient, clock: Clock, sms: MemorySms
) -> None:
    hall.open(1, 2)
    mine = hall.ticket()
    switch_on(hall, sms, mine["id"])
    hall.do(1, "call-next")
    hall.do(1, "start")
    leg = hall.do(1, "transfer", {"window": 2})["new_ticket"]
    HallDay(client.app_state["services"]).tick(clock())  # the leg is not "near": no text
    hall.do(2, "call-next")
    assert deliver(client, clock()) == {"delivered": 2}
    assert sms.kinds_to(PHONE) == [SmsKind.CODE, SmsKind.CALLED, SmsKind.CALLED]
    assert sms.last_to(PHONE) == f"【一窗】测试大厅：请{leg['number']}号到2号窗口办理。"
    shown = hall.ok(hall.c.get(f"/api/tickets/{mine['id']}/reminders"))
    assert (shown["on"], shown["reminded"]) == (True, "called")


def test_a_message_of_an_unknown_kind_is_given_up_not_retried(
    hall: Hall, client: TestClient, clock: Clock, sms: MemorySms
) -> None:
    services: HallServices = client.app_state["services"]

    def queue(tx: Tx, now: datetime, _events: list[Any]) -> None:
        payload = {"phone": services.sealer.seal(PHONE), "sms": {"kind": "nope", "params": {}}}
        outbox.enqueue(tx, "h1", outbox.SMS, "remind_called", payload, now)

    services.write(None, queue)
    assert deliver(client, clock()) == {"give_up": 1}
    assert sms.sent == []
