"""The 导办 desk (issue 14): items by pinyin, "how long for X?", a ticket issued
on a visitor's behalf with a pre-check note the clerk sees, and temporary
green channels (专项服务) that hold only within their dates."""

from typing import Any

import pytest

from queue_server.errors import InvalidInput
from queue_server.identity import check_note
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, PASSPORT, Hall
from tests.server.test_window_sign_in import member, sign_in

GAOKAO = {
    "group_label": "高考考生",
    "services": [ID_CARD],
    "from": "2026-11-20",
    "to": "2026-11-30",
}


def items(hall: Hall, query: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    found = hall.ok(hall.c.get(f"/api/halls/{hall.id}/items", params={"q": query}, headers=headers))
    return list(found["items"])


def issue_for(hall: Hall, session: dict[str, str], **body: Any) -> Any:
    return hall.c.post(
        f"/api/halls/{hall.id}/tickets", json={"service": ID_CARD} | body, headers=session
    )


def audit(hall: Hall) -> list[dict[str, Any]]:
    return list(hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"])


def test_items_by_pinyin_initials_spelling_or_name(hall: Hall) -> None:
    greeter = member(hall, "D001")
    initials = items(hall, "sfz", greeter)
    assert initials and all("身份证" in i["name"] for i in initials[:4])
    first = initials[0]
    assert first["code"] == "HZ-SFZ-SL" and first["materials"][0] == "本人居民户口簿"
    assert first["category_name"] == "户政"
    assert [i["code"] for i in items(hall, "JMSFZ", greeter)][:3] == [
        "HZ-SFZ-SL",
        "HZ-SFZ-HL",
        "HZ-SFZ-BL",
    ]
    assert items(hall, "shenfenzheng", greeter)[0]["code"] == "HZ-SFZ-SL"
    assert {i["code"] for i in items(hall, "身份证换领", greeter)} == {ID_CARD}
    assert items(hall, "zzzzqqq", greeter) == []


def test_items_only_for_staff_of_the_hall(hall: Hall) -> None:
    assert hall.c.get("/api/halls/h1/items?q=sfz", headers=hall.kiosk).status_code == 403
    other = Hall(hall.c, "h2")
    elsewhere = member(other, "X001")
    refused = hall.c.get("/api/halls/h1/items?q=sfz", headers=elsewhere)
    assert refused.status_code == 403 and refused.json()["error"] == "wrong_hall"


def test_how_long_for_an_item_matches_the_ticket_it_would_get(hall: Hall) -> None:
    greeter = member(hall, "D001")
    hall.open(1)
    for _ in range(3):
        hall.ticket()
    hall.ticket(priority="military")  # a mix of arrivals: later green tickets overtake
    hall.ticket(PASSPORT)
    asked = hall.ok(hall.c.get(f"/api/halls/h1/estimate?service={ID_CARD}", headers=greeter))
    assert asked["windows_open"] == 1 and asked["refusal"] is None
    taken = hall.ticket()
    assert (asked["position"], asked["estimated_wait_s"]) == (
        taken["position"],
        taken["estimated_wait_s"],
    )
    missing = hall.c.get("/api/halls/h1/estimate", headers=greeter)
    assert missing.status_code == 422


def test_a_greeter_issues_with_a_note_the_clerk_sees(hall: Hall, settings: Settings) -> None:
    greeter, clerk = member(hall, "D001"), member(hall, "C001")
    note = "户口簿已核，缺相片，可现场采集"
    ticket = hall.ok(issue_for(hall, greeter, note=note, priority="military"), 201)
    assert ticket["green_channel"] is True
    hall.ok(sign_in(hall, 1, clerk))
    hall.ok(hall.act(1, "open", headers=clerk))
    called = hall.ok(hall.act(1, "call-next", headers=clerk))
    assert called["ticket"]["number"] == ticket["number"] and called["ticket"]["note"] == note
    (record,) = [r for r in audit(hall) if r["action"] == "ticket.issue_for"]
    assert record["actor"] == "clerk:staff D001@h1" and record["target"] == ticket["number"]
    assert record["after"] == {
        "service": ID_CARD,
        "green_channel": True,
        "special": None,
        "note": True,
    }
    assert note not in str(record)
    issued = hall.ok(hall.c.get("/api/halls/h1/tickets?since_seq=0", headers=hall.supervisor))
    assert issued["tickets"][0]["number"] == ticket["number"]
    # The kiosk's catch-up leaves the 导办's ticket alone: its printer is not the 导办's.
    mine = hall.ok(hall.c.get("/api/halls/h1/tickets?since_seq=0", headers=hall.kiosk))
    assert mine["tickets"] == []
    store = Store(settings.database_url)
    with store.read() as tx:
        assert tx.ticket_row(ticket["id"]).issued_by == "staff:D001"
        issue = tx.transitions(ticket["id"])[0]
        assert (issue.action, issue.actor) == ("issue", "clerk:staff D001@h1")  # who vouched
        # The feed reaches displays: it says a member issued it, not which one.
        (event,) = [e for e in tx.events_since("h1", 0) if e.type == "ticket.issued"]
        assert event.data["ticket"]["issued_by"] == "staff" and note not in str(event.data)
    store.dispose()


def test_the_note_follows_a_transfer(hall: Hall) -> None:
    greeter = member(hall, "D001")
    hall.ok(issue_for(hall, greeter, note="材料齐全"), 201)
    hall.open(1)
    hall.do(1, "call-next")
    hall.do(1, "transfer", {"service": PASSPORT})
    hall.open(4)
    assert hall.do(4, "call-next")["ticket"]["note"] == "材料齐全"


@pytest.mark.parametrize(
    ("note", "code"),
    [
        ("身份证 11010519491231002X 已核", "note_has_id_number"),
        ("证号 110105 1949 1231 002x", "note_has_id_number"),
        ("旧证 110105491231002", "note_has_id_number"),
        ("联系电话 13812345678", "note_has_phone"),
        ("电话 138-1234-5678", "note_has_phone"),
        ("电话 １３８１２３４５６７８", "note_has_phone"),
        ("tel +86 13800138000", "note_has_phone"),
        ("+8613800138000", "note_has_phone"),
        ("86 138 0013 8000", "note_has_phone"),
        ("0086-13800138000", "note_has_phone"),
    ],
)
def test_a_note_with_an_id_number_or_a_phone_is_refused(hall: Hall, note: str, code: str) -> None:
    greeter = member(hall, "D001")
    refused = issue_for(hall, greeter, note=note)
    assert refused.status_code == 422 and refused.json()["error"] == code
    assert "不能填写" in refused.json()["message"]
    queued = hall.ok(hall.c.get("/api/halls/h1/queues", headers=hall.supervisor))
    assert queued["tickets"] == []  # nothing issued


def test_notes_that_pass() -> None:
    for fine in ("2 张相片", "户口簿第 3 页有误，2026年11月25日", "办理人 78 岁，行动不便"):
        check_note(fine)
    with pytest.raises(InvalidInput):
        check_note("13812345678")


def test_only_staff_add_notes_and_notes_are_capped(hall: Hall) -> None:
    refused = hall.issue(note="材料齐全")
    assert refused.status_code == 403 and refused.json()["error"] == "note_needs_staff"
    greeter = member(hall, "D001")
    long = issue_for(hall, greeter, note="字" * 201)
    assert long.status_code == 422
    assert long.json()["message"] == "请求内容有误：备注最多 200 个字"
    device = hall.c.post(
        "/api/halls/h1/tickets", json={"service": ID_CARD}, headers=hall.windows[1]
    )
    assert device.status_code == 403  # a window's device token issues nothing
    other = Hall(hall.c, "h2")
    elsewhere = member(other, "X001")
    assert issue_for(hall, elsewhere).status_code == 403


def test_a_temporary_green_channel_holds_within_its_dates(hall: Hall, clock: Clock) -> None:
    made = hall.ok(
        hall.c.post("/api/halls/h1/green-channels", json=GAOKAO, headers=hall.admin), 201
    )
    assert made["running"] is True and made["service_names"] == ["居民身份证换领"]
    listed = hall.ok(hall.c.get("/api/halls/h1/green-channels", headers=hall.kiosk))
    assert [c["id"] for c in listed["green_channels"]] == [made["id"]]
    ticket = hall.ticket(special=made["id"])
    assert ticket["green_channel"] is True
    greeter = member(hall, "D001")
    by_greeter = hall.ok(issue_for(hall, greeter, special=made["id"]), 201)
    assert by_greeter["green_channel"] is True
    (record,) = [r for r in audit(hall) if r["action"] == "ticket.issue_for"]
    assert record["after"]["special"] == "高考考生"
    other_item = hall.issue(PASSPORT, special=made["id"])
    assert other_item.status_code == 422
    assert other_item.json()["error"] == "green_channel_not_for_service"
    clock.advance(6 * 86_400)  # 2026-12-01: over
    late = hall.issue(special=made["id"])
    assert late.status_code == 409 and late.json()["error"] == "green_channel_not_running"
    assert "2026-11-20 至 2026-11-30" in late.json()["message"]
    listed = hall.ok(hall.c.get("/api/halls/h1/green-channels", headers=hall.kiosk))
    assert listed["green_channels"][0]["running"] is False
    assert hall.ticket()["green_channel"] is False


def test_a_green_channel_before_it_opens(hall: Hall) -> None:
    future = GAOKAO | {"from": "2026-12-01", "to": "2026-12-10"}
    made = hall.ok(hall.c.post("/api/halls/h1/green-channels", json=future, headers=hall.admin))
    refused = hall.issue(special=made["id"])
    assert refused.status_code == 409 and refused.json()["error"] == "green_channel_not_running"
    unknown = hall.issue(special="nope")
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_green_channel"


def test_green_channels_are_audited_and_keep_other_specials(hall: Hall, settings: Settings) -> None:
    store = Store(settings.database_url)
    try:
        extra = {"date": "2026-11-28", "start": "09:00", "end": "12:00"}
        others = {"extra_sessions": [extra], "extended": {"date": "2026-11-25", "until": "18:30"}}
        with store.write() as tx:
            tx.set_hall("h1", specials=others)
        made = hall.ok(hall.c.post("/api/halls/h1/green-channels", json=GAOKAO, headers=hall.admin))
        with store.read() as tx:
            assert tx.specials("h1") == others | {"green_channels": [GAOKAO | {"id": made["id"]}]}
        gone = hall.ok(
            hall.c.delete(f"/api/halls/h1/green-channels/{made['id']}", headers=hall.admin)
        )
        assert gone == {"id": made["id"], "removed": True}
        with store.read() as tx:
            assert tx.specials("h1") == others | {"green_channels": []}
    finally:
        store.dispose()
    records = [r for r in audit(hall) if r["action"].startswith("green_channel.")]
    assert [(r["action"], r["target"]) for r in records] == [
        ("green_channel.add", made["id"]),
        ("green_channel.remove", made["id"]),
    ]
    assert records[0]["before"] is None and records[0]["after"]["group_label"] == "高考考生"
    assert records[1]["before"]["services"] == [ID_CARD] and records[1]["after"] is None
    again = hall.c.delete(f"/api/halls/h1/green-channels/{made['id']}", headers=hall.admin)
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"to": "2026-11-01"}, 422),  # before from
        ({"to": "2027-12-01"}, 422),  # more than a year
        ({"services": ["NO-SUCH"]}, 422),
        ({"services": []}, 422),
        ({"group_label": ""}, 422),
        ({"from": "not a date"}, 422),
    ],
)
def test_bad_green_channels_are_refused(hall: Hall, change: dict[str, Any], status: int) -> None:
    refused = hall.c.post("/api/halls/h1/green-channels", json=GAOKAO | change, headers=hall.admin)
    assert refused.status_code == status, refused.text
    assert (
        hall.ok(hall.c.get("/api/halls/h1/green-channels", headers=hall.kiosk))["green_channels"]
        == []
    )


def test_only_the_hall_admin_opens_green_channels(hall: Hall) -> None:
    url = "/api/halls/h1/green-channels"
    assert hall.c.post(url, json=GAOKAO, headers=hall.supervisor).status_code == 403
    other = Hall(hall.c, "h2")
    admin_elsewhere = member(other, "X001", "admin")
    refused = hall.c.post(url, json=GAOKAO, headers=admin_elsewhere)
    assert refused.status_code == 403 and refused.json()["error"] == "wrong_hall"
    admin_here = member(hall, "M001", "admin")
    hall.ok(hall.c.post(url, json=GAOKAO, headers=admin_here), 201)
    assert hall.c.get("/api/halls/h2/green-channels", headers=hall.kiosk).status_code == 403


def test_items_as_the_hall_runs_them(hall: Hall) -> None:
    greeter = member(hall, "D001")
    own = {"materials": ["本人居民户口簿", "原居民身份证"], "minutes": 12}
    hall.ok(hall.c.patch(f"/api/halls/h1/catalogue/{ID_CARD}", json=own, headers=hall.admin))
    hall.ok(
        hall.c.patch(
            "/api/halls/h1/catalogue/HZ-SFZ-BL", json={"enabled": False}, headers=hall.admin
        )
    )
    found = {i["code"]: i for i in items(hall, "sfz", greeter)}
    assert found[ID_CARD]["materials"] == own["materials"] and found[ID_CARD]["minutes"] == 12
    assert "HZ-SFZ-BL" not in found  # disabled here: the 导办 does not offer it
    asked = hall.ok(hall.c.get("/api/halls/h1/estimate?service=HZ-SFZ-BL", headers=greeter))
    assert asked["refusal"] == "本大厅不办理此事项"
