"""办事指引 answers on their way (issue 16): given at the kiosk or with a
booking, checked against the item's tree as the hall runs it, shown to the
clerk as question -> answer lines with the personal 收件清单, and to the
holder's page; a hall replaces or switches off a tree, audited."""

from typing import Any

import pytest

from queue_server.settings import Settings
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, PASSPORT, Hall
from tests.server.test_appointments import book, booking_settings
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_hall_catalogue import CATALOGUE, audit, items, patch

EXPIRED = {"why": "expired", "age": "adult", "where": "local"}
CHANGED = {"why": "changed", "age": "minor", "where": "other"}
NO_TREE = "HZ-SFZ-SL"  # 居民身份证首次申领: no tree shipped


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


def clerk_sees(hall: Hall, window: int = 1) -> dict[str, Any]:
    shown: dict[str, Any] = hall.ok(
        hall.c.get(f"/api/halls/h1/windows/{window}", headers=hall.windows[window])
    )["ticket"]
    return shown


def test_answers_reach_the_clerk_as_lines_with_the_personal_checklist(hall: Hall) -> None:
    ticket = hall.ticket(ID_CARD, answers=CHANGED)
    hall.open(1)
    called = hall.do(1, "call-next")["ticket"]
    assert called["number"] == ticket["number"]
    assert called["answers"] == [
        {"question": "为什么要换领身份证？", "answer": "姓名、出生日期等信息变更"},
        {"question": "申领人多大？", "answer": "未满16周岁"},
        {"question": "您的户口在本市吗？", "answer": "不在本市（异地换领）"},
    ]
    assert called["answers_complete"] is True
    assert called["materials"][:3] == [
        "本人居民户口簿",
        "原居民身份证",
        "符合标准的相片（可现场采集）",
    ]
    assert "监护人的居民身份证（监护人陪同到场）" in called["materials"]
    assert "已变更登记信息的居民户口簿（先在户籍地办好变更）" in called["materials"]
    assert clerk_sees(hall) == called  # a console opened later sees the same
    # The holder's page: the same personal list.
    mine = hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}/checklist"))
    assert mine["checklist"] == called["materials"] and mine["answers"] == called["answers"]
    assert mine["guide"]["start"] == "why" and mine["service_name"] == "居民身份证换领"


def test_a_ticket_without_answers_shows_the_items_list_and_offers_the_tree(hall: Hall) -> None:
    ticket = hall.ticket(ID_CARD)
    plain = hall.ticket(NO_TREE)
    hall.open(1)
    called = hall.do(1, "call-next")["ticket"]
    assert called["answers"] == [] and called["answers_complete"] is None
    assert called["materials"] == ["本人居民户口簿", "原居民身份证", "符合标准的相片（可现场采集）"]
    mine = hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}/checklist"))
    assert mine["guide"]["questions"][0]["id"] == "why" and mine["answers"] == []
    assert mine["checklist"] == mine["materials"]
    assert hall.ok(hall.c.get(f"/api/tickets/{plain['id']}/checklist"))["guide"] is None
    partial = hall.ticket(PASSPORT, answers={"age": "adult"})  # a path not walked to its end
    walked = hall.ok(hall.c.get(f"/api/tickets/{partial['id']}/checklist"))
    assert walked["answers_complete"] is False and len(walked["answers"]) == 1


@pytest.mark.parametrize(
    ("service", "answers", "error"),
    [
        (ID_CARD, {"why": "lost"}, "answers_invalid"),  # no such option
        (ID_CARD, {"age": "adult"}, "answers_invalid"),  # not from the start
        (PASSPORT, {"age": "minor", "official": "yes"}, "answers_invalid"),  # off the path
        (NO_TREE, {"why": "expired"}, "answers_not_expected"),
        (ID_CARD, {f"q{n}": "a" for n in range(21)}, "invalid_body"),
        (ID_CARD, {"why": "x" * 25}, "invalid_body"),
    ],
)
def test_bad_answers_are_refused_and_issue_nothing(
    hall: Hall, service: str, answers: dict[str, str], error: str
) -> None:
    refused = hall.issue(service, answers=answers)
    assert refused.status_code == 422 and refused.json()["error"] == error
    assert refused.json()["message"]
    assert hall.ticket(service)["number"].endswith("001")  # no number was used up


def test_a_bookings_answers_reach_the_clerk_after_check_in(hall: Hall, clock: Clock) -> None:
    set_hours(hall, WEEKDAYS)
    bad = book(hall, answers={"why": "nonsense"})
    assert bad.status_code == 422 and bad.json()["error"] == "answers_invalid"
    booked = hall.ok(book(hall, answers=EXPIRED), 201)
    assert booked["answers"][0]["answer"] == "有效期满或即将到期"
    shown = hall.ok(hall.c.get(f"/api/appointments/{booked['code']}"))
    assert shown["checklist"] == booked["checklist"] == shown["materials"]  # nothing added
    assert shown["answers_complete"] is True
    clock.advance(24 * 3600 + 20 * 60)  # Thursday 09:50
    hall.ok(
        hall.c.post(
            "/api/halls/h1/appointments/check-in",
            json={"code": booked["code"]},
            headers=hall.kiosk,
        ),
        201,
    )
    hall.open(1)
    called = hall.do(1, "call-next")["ticket"]
    assert called["appointment"]["code"] == booked["code"]
    assert [a["answer"] for a in called["answers"]] == [
        "有效期满或即将到期",
        "16周岁及以上",
        "在本市",
    ]


def test_trees_are_listed_where_pages_read_items(hall: Hall) -> None:
    services = {s["code"]: s for s in hall.ok(hall.c.get("/api/services"))["services"]}
    assert services["HZ-QR-TK"]["guide"]["start"] == "who"
    assert services[NO_TREE]["guide"] is None
    assert services[ID_CARD]["materials"]  # the fields it had stay
    listed = items(hall)
    assert listed["JSR-QM-HZ"]["guide"]["start"] == "kind" and listed[NO_TREE]["guide"] is False
    slots = hall.ok(hall.c.get(f"/api/halls/h1/slots?service={ID_CARD}&date=2026-11-26"))
    assert slots["guide"]["start"] == "why" and slots["materials"][1] == "原居民身份证"


OWN_TREE = {
    "start": "lost",
    "questions": [
        {
            "id": "lost",
            "text": "原证还在吗？",
            "options": [
                {"id": "yes", "label": "在", "materials": [], "next": None},
                {"id": "no", "label": "丢了", "materials": ["挂失证明"], "next": None},
            ],
        }
    ],
}


def test_a_hall_replaces_and_switches_off_a_tree_audited(hall: Hall) -> None:
    mine = hall.ok(patch(hall, ID_CARD, {"guide": OWN_TREE}))
    assert mine["guide"] == OWN_TREE and mine["overridden"] == ["guide"]
    assert mine["defaults"]["guide"]["start"] == "why"
    # Tickets follow the hall's tree at once: its answers pass, the catalogue's do not.
    assert hall.issue(ID_CARD, answers=EXPIRED).json()["error"] == "answers_invalid"
    ticket = hall.ticket(ID_CARD, answers={"lost": "no"})
    assert hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}/checklist"))["checklist"][-1] == (
        "挂失证明"
    )
    off = hall.ok(patch(hall, ID_CARD, {"guide": False}))
    assert off["guide"] is False and items(hall)[ID_CARD]["guide"] is False
    assert hall.issue(ID_CARD, answers={"lost": "no"}).json()["error"] == "answers_not_expected"
    back = hall.ok(patch(hall, ID_CARD, {"guide": None}))
    assert back["guide"] == back["defaults"]["guide"] and back["overridden"] == []
    records = [r for r in audit(hall) if r["action"] == "catalogue.item"]
    assert [list(r["after"]) for r in records] == [["guide"]] * 3
    assert records[0]["after"]["guide"] == OWN_TREE
    assert records[1]["before"]["guide"] == OWN_TREE and records[1]["after"]["guide"] is False
    assert records[2]["after"]["guide"]["start"] == "why"


def test_a_broken_tree_is_refused_with_its_problem_and_changes_nothing(hall: Hall) -> None:
    looped = {
        "start": "a",
        "questions": [
            {
                "id": "a",
                "text": "甲？",
                "options": [{"id": "x", "label": "是", "next": "b"}, {"id": "y", "label": "否"}],
            },
            {
                "id": "b",
                "text": "乙？",
                "options": [{"id": "x", "label": "是", "next": "a"}, {"id": "y", "label": "否"}],
            },
        ],
    }
    refused = patch(hall, ID_CARD, {"guide": looped})
    assert refused.status_code == 422 and refused.json()["error"] == "guide_invalid"
    assert refused.json()["message"] == "办事指引有误：问题之间形成循环：a→b→a"
    assert patch(hall, ID_CARD, {"guide": True}).status_code == 422
    empty = patch(hall, ID_CARD, {"guide": {}})  # an empty editor is no tree, not "none here"
    assert empty.status_code == 422 and empty.json()["message"] == "办事指引有误：应有1到20个问题"
    assert patch(hall, ID_CARD, {"guide": OWN_TREE}, headers=hall.kiosk).status_code == 403
    assert items(hall)[ID_CARD]["overridden"] == []
    assert [r for r in audit(hall) if r["action"] == "catalogue.item"] == []
    assert hall.c.get(CATALOGUE, headers=hall.kiosk).status_code == 200


def test_answers_follow_a_transfer_to_another_window_not_to_another_item(hall: Hall) -> None:
    hall.ticket(ID_CARD, answers=CHANGED)
    hall.open(1, 2, 3)
    hall.do(1, "call-next")
    hall.do(1, "start")
    hall.do(1, "transfer", {"window": 2})  # the same item, at window 2
    again = hall.do(2, "call-next")["ticket"]
    assert (
        len(again["answers"]) == 3 and "监护人的居民身份证（监护人陪同到场）" in again["materials"]
    )
    hall.do(2, "start")
    hall.do(2, "transfer", {"service": PASSPORT})  # another item: its own tree, no answers
    other = hall.do(3, "call-next")["ticket"]
    assert other["service"] == PASSPORT and other["answers"] == []
