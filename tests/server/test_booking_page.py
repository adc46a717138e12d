"""What the booking page (/book/{hall}) reads: the hall's offer (items by
category, days up to the horizon), a booking's masked view, and its calendar
entry (.ics) parsed back with icalendar."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from queue_server.settings import Settings
from tests.server.conftest import ID_CARD, PASSPORT, Hall
from tests.server.test_appointments import TOMORROW_10, book, booking_settings
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_edge import _line
from tests.server.test_hall_settings import audit
from tests.server.test_tickets_api import ADULT_ID

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


@pytest.fixture
def open_hall(hall: Hall) -> Hall:
    set_hours(hall, WEEKDAYS)
    return hall


def test_the_offer_groups_items_and_lists_the_open_days(open_hall: Hall) -> None:
    offer = open_hall.ok(open_hall.c.get("/api/halls/h1/booking"))
    assert offer["hall_name"] == "测试大厅" and offer["today"] == "2026-11-25"
    days = {d["date"]: d["open"] for d in offer["days"]}
    assert len(days) == 15 and offer["bookable_until"] == "2026-12-09"
    assert days["2026-11-26"] and not days["2026-11-28"]  # Thursday open, Saturday closed
    categories = {c["name"]: c["items"] for c in offer["categories"]}
    items = {i["code"]: i for i in categories["出入境"]}
    foreign = items["CRJ-WG-QZ"]
    assert foreign["booking_only"] and foreign["documents"] == ["passport", "foreign_pr"]
    assert foreign["form"][0]["label"] == "国籍"
    card = {i["code"]: i for i in categories["户政"]}[ID_CARD]
    assert not card["booking_only"] and "原居民身份证" in card["materials"]
    assert card["guide"]["start"] == "why" and foreign["guide"] is None  # 办事指引 where it has one
    assert open_hall.c.get("/api/halls/nope/booking").status_code == 404


def test_anyone_with_the_code_sees_only_a_masked_booking(open_hall: Hall) -> None:
    made = open_hall.ok(book(open_hall), 201)
    shown = open_hall.ok(open_hall.c.get(f"/api/appointments/{made['code']}"))
    assert shown["name_masked"] == "张*" and shown["phone_masked"] == "138****5678"
    assert shown["id_masked"] == "11***************0"
    assert "张三" not in str(shown) and ADULT_ID not in str(shown)


def test_the_calendar_entry_holds_the_slot_in_the_halls_zone_and_nothing_personal(
    open_hall: Hall,
) -> None:
    open_hall.ok(
        open_hall.c.patch(
            "/api/halls/h1", json={"address": "遂宁市船山区公园路 1 号"}, headers=open_hall.admin
        )
    )
    made = open_hall.ok(book(open_hall, service=PASSPORT, form={"purpose": "旅游"}), 201)
    reply = open_hall.c.get(f"/api/appointments/{made['code'].lower()}.ics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/calendar")
    assert "张三" not in reply.text and "13812345678" not in reply.text
    assert ADULT_ID not in reply.text and "5678" not in reply.text
    calendar = Calendar.from_ical(reply.content)
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == datetime.fromisoformat(TOMORROW_10)
    assert str(start.tzinfo) == "Asia/Shanghai"  # TZID, not UTC
    assert "TZID=Asia/Shanghai" in reply.text and calendar.walk("VTIMEZONE")
    assert event.decoded("dtend") - start == timedelta(minutes=30)
    assert "普通护照首次申请" in str(event["summary"])
    assert str(event["location"]) == "测试大厅 遂宁市船山区公园路 1 号"
    assert made["code"] in str(event["description"]) and "09:45" in str(event["description"])
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(hours=2)
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("sequence") > 0  # a later copy (after a move) supersedes this one
    unknown = open_hall.c.get("/api/appointments/NOPE2345.ics")
    assert unknown.status_code == 404 and unknown.json()["error"] == "appointment_unknown"


def test_the_address_is_audited_and_the_screens_are_not_told(open_hall: Hall) -> None:
    body = {"address": "公园路 1 号"}
    changed = open_hall.ok(open_hall.c.patch("/api/halls/h1", json=body, headers=open_hall.admin))
    assert "address" not in changed  # the board's hall, as before
    [entry] = audit(open_hall, "hall.update")
    assert entry["after"] == {"address": "公园路 1 号"}
    offer = open_hall.ok(open_hall.c.get("/api/halls/h1/booking"))
    assert offer["address"] == "公园路 1 号"


def test_the_booking_pages_address_keeps_its_code_out_of_the_log() -> None:
    line = _line(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        "1.2.3.4:5",
        "GET",
        "/book/demo/K7QX2M9P",
        "1.1",
        200,
    )
    assert "/book/demo/***" in line and "K7QX2M9P" not in line
    ics = _line(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        "1.2.3.4:5",
        "GET",
        "/api/appointments/K7QX2M9P.ics",
        "1.1",
        200,
    )
    assert "K7QX2M9P" not in ics
