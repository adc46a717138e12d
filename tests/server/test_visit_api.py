"""送服务上门 through the API: a request proved by a phone code, masked views,
the hall's moves by supervisors only, the address opened to the member who
goes (audited), and a visit done recorded as a served ticket of the day."""

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server.phone_challenges import PhoneChallenges
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.sms import MemorySms, Sms
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, Hall
from tests.server.test_appointments import booking_settings
from tests.server.test_staff import add, login

PHONE = "13912345678"
ADDRESS = "幸福路88号3栋502室"
VISITS = "/api/halls/h1/home-visits"
REQUEST = {
    "kind": "person",
    "service": ID_CARD,
    "reason": "mobility",
    "people": 1,
    "contact_name": "张三丰",
    "phone": PHONE,
    "address": ADDRESS,
    "wanted_date": "2026-11-27",
    "note": "老人卧床，请上午来",
}


@pytest.fixture
def settings(db_url: str) -> Settings:
    return replace(booking_settings(db_url), public_url="https://yc.example")


@pytest.fixture
def staffed(hall: Hall) -> Iterator[Hall]:
    for staff_no, role in (("C001", "clerk"), ("C002", "clerk"), ("S001", "supervisor")):
        hall.ok(add(hall, staff_no, role), 201)
    yield hall


def texted_code(client: TestClient, phone: str = PHONE) -> str:
    challenges: PhoneChallenges = client.app_state["phone_challenges"]
    assert isinstance(challenges.sms, MemorySms)
    found = re.search(r"验证码为(\d{6})", challenges.sms.last_to(phone))
    assert found
    return found.group(1)


def ask(hall: Hall, **change: Any) -> dict[str, Any]:
    sent = hall.ok(hall.c.post(VISITS, json=REQUEST | change), 202)
    code = texted_code(hall.c)
    body = {"challenge": sent["challenge"], "code": code}
    made: dict[str, Any] = hall.ok(hall.c.post(f"{VISITS}/confirm", json=body), 201)
    return made


def move(hall: Hall, vid: str, action: str, body: dict[str, Any], **kw: Any) -> Any:
    headers = kw.get("headers", hall.supervisor)
    return hall.c.post(f"{VISITS}/{vid}/{action}", json=body, headers=headers)


def services(client: TestClient) -> HallServices:
    found: HallServices = client.app_state["services"]
    return found


def texts(client: TestClient) -> list[dict[str, Any]]:
    with services(client).store.read() as tx:
        rows = tx.outbox_rows("h1", 20)
        return [
            dict(r.payload) | {"kind": r.kind, "text": Sms.from_payload(r.payload).text}
            for r in rows
        ]


def test_a_request_needs_the_phone_s_code_and_is_shown_masked(hall: Hall) -> None:
    sent = hall.ok(hall.c.post(VISITS, json=REQUEST), 202)
    assert sent["phone_masked"] == "139****5678"
    assert "申请上门服务的验证码" in hall.c.app_state["phone_challenges"].sms.last_to(PHONE)
    code = texted_code(hall.c)
    wrong = "000000" if code != "000000" else "111111"
    refused = hall.c.post(f"{VISITS}/confirm", json={"challenge": sent["challenge"], "code": wrong})
    assert refused.status_code == 422 and refused.json()["error"] == "otp_wrong"
    made = hall.ok(
        hall.c.post(f"{VISITS}/confirm", json={"challenge": sent["challenge"], "code": code}), 201
    )
    assert made["status"] == "requested" and made["status_name"] == "待安排"
    assert made["contact_masked"] == "张**" and made["phone_masked"] == "139****5678"
    assert made["service_name"] == "居民身份证换领" and made["reason_name"] == "行动不便"
    assert made["next"] == ["cancel"]
    shown = hall.ok(hall.c.get(f"/api/home-visits/{made['id']}"))
    assert shown == made
    for view in (made, shown):
        text = json.dumps(view, ensure_ascii=False)
        assert ADDRESS not in text and PHONE not in text and "张三丰" not in text
    # Stored: the name masked, the phone and address sealed, never in the clear.
    with services(hall.c).store.read() as tx:
        row = tx.home_visit(made["id"])
        assert row is not None
        stored = json.dumps(row.model_dump(mode="json"), ensure_ascii=False)
    assert ADDRESS not in stored and PHONE not in stored and "张三丰" not in stored
    assert services(hall.c).sealer.open(row.address_enc) == ADDRESS
    assert hall.c.get("/api/home-visits/nope").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"kind": "company", "reason": "company", "people": 2}, 422, "visit_people"),
        ({"kind": "company"}, 422, "visit_reason"),
        ({"wanted_date": "2026-11-25"}, 422, "visit_date"),
        ({"service": "NO-SUCH"}, 404, "service_not_offered"),
        ({"note": "电话 139 1234 5678"}, 422, "note_personal_data"),
        ({"phone": "12345678901"}, 422, "phone_format"),
        ({"people": "3"}, 422, "invalid_body"),
        ({"address": ""}, 422, "invalid_body"),
    ],
)
def test_a_request_that_cannot_be_a_visit_is_refused_before_any_text(
    hall: Hall, change: dict[str, Any], status: int, code: str
) -> None:
    refused = hall.c.post(VISITS, json=REQUEST | change)
    assert refused.status_code == status and refused.json()["error"] == code, refused.text
    assert hall.c.app_state["phone_challenges"].sms.sent == []


def test_only_supervisors_list_and_move_visits_and_lists_hold_no_address(
    staffed: Hall, clock: Clock
) -> None:
    hall = staffed
    vid = ask(hall)["id"]
    for headers in (hall.kiosk, hall.windows[1], hall.display, {}):
        assert hall.c.get(VISITS, headers=headers).status_code in (401, 403)
        at = {"at": "2026-11-26T10:00:00+08:00", "staff_no": "C001"}
        assert move(hall, vid, "schedule", at, headers=headers).status_code in (401, 403)
    listed = hall.ok(hall.c.get(VISITS, headers=hall.supervisor))
    assert [v["id"] for v in listed["visits"]] == [vid]
    assert {m["staff_no"] for m in listed["staff"]} == {"C001", "C002", "S001"}
    assert ADDRESS not in json.dumps(listed, ensure_ascii=False)
    assert PHONE not in json.dumps(listed, ensure_ascii=False)

    saturday = {"at": "2026-11-28T10:00:00+08:00", "staff_no": "C001"}
    assert move(hall, vid, "schedule", saturday).json()["error"] == "visit_time"
    nobody = {"at": "2026-11-26T10:00:00+08:00", "staff_no": "X99"}
    assert move(hall, vid, "schedule", nobody).json()["error"] == "unknown_staff"
    done_early = move(hall, vid, "done", {"outcome": "办结"})
    assert done_early.status_code == 409 and done_early.json()["error"] == "wrong_visit_state"
    set_ = hall.ok(
        move(hall, vid, "schedule", {"at": "2026-11-26T10:00:00+08:00", "staff_no": "C001"})
    )
    assert set_["status"] == "scheduled" and set_["staff_no"] == "C001"
    assert set_["scheduled_at"] == "2026-11-26T10:00:00+08:00"
    [text] = [t for t in texts(hall.c) if t["kind"] == "visit_scheduled"]
    assert "11月26日 10:00" in text["text"] and "工号 C001" in text["text"]
    assert f"https://yc.example/visit/h1?v={vid}" in text["text"]
    assert PHONE not in json.dumps(text)  # the phone travels sealed
    audit = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))
    assert ADDRESS not in json.dumps(audit, ensure_ascii=False)
    assert any(r["action"] == "home_visit.schedule" for r in audit["records"])


def test_the_address_is_opened_to_the_member_who_goes_and_audited(
    staffed: Hall, client: TestClient
) -> None:
    hall = staffed
    vid = ask(hall)["id"]
    hall.ok(move(hall, vid, "schedule", {"at": "2026-11-26T10:00:00+08:00", "staff_no": "C001"}))
    contact = f"{VISITS}/{vid}/contact"
    assert client.get(contact, headers=hall.supervisor).json()["error"] == "not_assigned"
    hall.ok(login(client, "C002"))
    assert client.get(contact).status_code == 403
    client.cookies.clear()
    hall.ok(login(client, "C001"))
    opened = hall.ok(client.get(contact))
    assert opened == {"id": vid, "address": ADDRESS, "phone": PHONE}
    client.cookies.clear()
    audit = hall.ok(client.get("/api/halls/h1/audit", headers=hall.supervisor))
    [seen] = [r for r in audit["records"] if r["action"] == "home_visit.open_contact"]
    assert "C001" in seen["actor"] and seen["target"] == vid
    assert ADDRESS not in json.dumps(audit, ensure_ascii=False)


def test_a_visit_done_is_a_served_ticket_of_the_day_and_can_be_rated(
    staffed: Hall, clock: Clock
) -> None:
    hall = staffed
    vid = ask(hall)["id"]
    seq = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))["seq"]
    hall.ok(move(hall, vid, "schedule", {"at": "2026-11-25T10:00:00+08:00", "staff_no": "C001"}))
    clock.advance(90 * 60)  # 11:00: back from the visit
    done = hall.ok(move(hall, vid, "done", {"outcome": "办结"}))
    assert done["status"] == "done" and done["number"] == "A001"
    assert [s["action"] for s in done["steps"]] == ["request", "schedule", "done"]
    assert done["steps"][-1]["at"] == "2026-11-25T11:00:00+08:00"  # the hall's time
    assert done["steps"][-1]["started_at"] == "2026-11-25T10:00:00+08:00"
    tid = done["ticket_id"]
    ticket = hall.ok(hall.c.get(f"/api/tickets/{tid}"))
    assert ticket["status"] == "done" and ticket["number"] == "A001"
    stats = hall.stats()
    assert stats["served"] == 1 and stats["issued"] == 1
    assert stats["handling_s"]["mean"] == 3600  # 10:00 to 11:00
    assert stats["wait_s"]["count"] == 0  # it waited in no hall
    record = hall.ok(
        hall.c.get(f"/api/halls/h1/tickets/{tid}/transitions", headers=hall.supervisor)
    )
    steps = [s["action"] for s in record["steps"]]
    assert steps == ["issue", "call", "start", "finish"]
    assert {s["staff_no"] for s in record["steps"]} == {"C001"}
    # The next kiosk ticket follows in the numbering.
    assert hall.ticket()["number"] == "A002"
    # The 短信评价 link goes to the request's phone, sealed; the visitor rates.
    [link] = [t for t in texts(hall.c) if t["kind"] == "rating_link"]
    assert f"/t/{tid}?via=sms" in link["text"]
    assert services(hall.c).sealer.open(link["phone"]) == PHONE
    hall.ok(hall.c.post(f"/api/tickets/{tid}/rating", json={"score": 5, "via": "sms"}), 201)
    # Nothing personal reached the feed.
    with services(hall.c).store.read() as tx:
        events = json.dumps([e.data for e in tx.events_since("h1", seq)], ensure_ascii=False)
    assert ADDRESS not in events and PHONE not in events and "张" not in events
    again = move(hall, vid, "done", {"outcome": "办结"})
    assert again.status_code == 409


def test_the_requester_cancels_with_a_new_code(staffed: Hall) -> None:
    hall = staffed
    vid = ask(hall)["id"]
    sent = hall.ok(hall.c.post(f"/api/home-visits/{vid}/cancel"), 202)
    assert sent["phone_masked"] == "139****5678"
    code = texted_code(hall.c)
    body = {"challenge": sent["challenge"], "code": code}
    cancelled = hall.ok(hall.c.post(f"/api/home-visits/{vid}/cancel/confirm", json=body))
    assert cancelled["status"] == "cancelled" and cancelled["next"] == []
    late = move(hall, vid, "schedule", {"at": "2026-11-26T10:00:00+08:00", "staff_no": "C001"})
    assert late.status_code == 409 and "已取消" in late.json()["message"]
    assert hall.c.post(f"/api/home-visits/{vid}/cancel").status_code == 409


def test_a_declined_visit_tells_the_requester_why(staffed: Hall) -> None:
    hall = staffed
    company = {"kind": "company", "reason": "company", "people": 12, "contact_name": "李经理"}
    vid = ask(hall, **company)["id"]
    why = "该事项需本人到厅采集指纹，请预约到厅办理"
    declined = hall.ok(move(hall, vid, "decline", {"reason": why}))
    assert declined["status"] == "declined" and declined["next"] == []
    shown = hall.ok(hall.c.get(f"/api/home-visits/{vid}"))
    assert shown["decline_reason"] == why and shown["kind_name"] == "企业"
    assert shown["contact_masked"] == "李**" and shown["people"] == 12
    [text] = [t for t in texts(hall.c) if t["kind"] == "visit_declined"]
    assert why in text["text"]
    audit = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))
    [record] = [r for r in audit["records"] if r["action"] == "home_visit.decline"]
    assert record["after"] == {"status": "declined"}  # the reason stays in the visit's record
