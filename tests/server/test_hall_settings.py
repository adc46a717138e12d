"""The hall's own settings (issue 14, the console's 大厅 and 办公时间 sections):
name, time zone and lobby announcement; the national holiday calendar in the
hours; 专项服务 extra sessions; today's 延时服务. Each change is audited, and
the lobby's announcement reaches the feed."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server.app import create_app
from queue_server.day import HallDay
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, PASSPORT, Hall
from tests.server.test_day import WEEKDAYS
from tests.server.test_staff import add, login

EN = {"Accept-Language": "en"}


def events(day: HallDay, kind: str) -> list[dict[str, Any]]:
    with day.services.store.read() as tx:
        return [e.data for e in tx.events_since("h1", 0) if e.type == kind]


def audit(hall: Hall, action: str, date: str = "") -> list[dict[str, Any]]:
    query = f"?date={date}" if date else ""
    listed = hall.ok(hall.c.get(f"/api/halls/h1/audit{query}", headers=hall.supervisor))
    return [r for r in listed["records"] if r["action"] == action]


def view(hall: Hall) -> dict[str, Any]:
    result: dict[str, Any] = hall.ok(hall.c.get("/api/halls/h1", headers=hall.kiosk))
    return result


def put_hours(hall: Hall, **body: Any) -> Any:
    body = {"weekly": WEEKDAYS, "closed_dates": []} | body
    return hall.ok(hall.c.put("/api/halls/h1/hours", json=body, headers=hall.admin))


def patch(hall: Hall, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return hall.c.patch("/api/halls/h1", json=body, headers=headers or hall.admin)


# ---------------------------------------------------------------- name, zone, announcement


def test_the_announcement_reaches_the_view_the_board_and_the_feed(hall: Hall, day: HallDay) -> None:
    line = "本周六 9:00-12:00 开设港澳通行证延时服务专场"
    changed = hall.ok(patch(hall, {"announcement": line, "name": "遂宁市公安局政务服务中心"}))
    assert changed["announcement"] == line and changed["name"] == "遂宁市公安局政务服务中心"
    assert view(hall)["announcement"] == line
    board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    assert (
        board["hall"]
        == changed
        == {
            "id": "h1",
            "name": "遂宁市公安局政务服务中心",
            "timezone": "Asia/Shanghai",
            "announcement": line,
        }
    )
    [announced] = events(day, "hall.updated")
    assert announced["hall"] == changed and "waiting" in announced
    [record] = audit(hall, "hall.update")
    assert record["before"] == {"name": "测试大厅", "announcement": ""}
    assert record["after"] == {"name": "遂宁市公安局政务服务中心", "announcement": line}
    assert record["actor"].startswith("admin:")


def test_the_same_values_again_change_and_announce_nothing(hall: Hall, day: HallDay) -> None:
    hall.ok(patch(hall, {"announcement": "请提前准备材料"}))
    hall.ok(patch(hall, {"announcement": " 请提前准备材料 ", "timezone": "Asia/Shanghai"}))
    assert len(events(day, "hall.updated")) == 1
    assert len(audit(hall, "hall.update")) == 1
    hall.ok(patch(hall, {"announcement": ""}))  # an empty line takes the announcement down
    assert view(hall)["announcement"] == ""
    assert events(day, "hall.updated")[-1]["hall"]["announcement"] == ""


def test_control_characters_leave_the_announcement_one_clean_line(hall: Hall) -> None:
    dirty = "今日\n外网\t故障，\u202e请到 3 号窗口\u0007  咨询\u200b"
    changed = hall.ok(patch(hall, {"announcement": dirty, "name": "新\r\n大厅"}))
    assert changed["announcement"] == "今日 外网 故障，请到 3 号窗口 咨询"
    assert changed["name"] == "新 大厅"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"timezone": "Mars/Olympus"}, "未知时区"),
        ({"timezone": "Asia"}, "未知时区"),
        ({"announcement": "长" * 201}, "最多 200 个字"),
        ({"announcement": "长" * 1001}, ""),
        ({}, "没有要修改的内容"),
        ({"name": ""}, ""),
        ({"name": "\u200b\n"}, "大厅名称不能为空"),
        ({"colour": "red"}, ""),
    ],
)
def test_bad_hall_settings_are_refused_and_nothing_changes(
    hall: Hall, body: dict[str, Any], words: str
) -> None:
    reply = patch(hall, body)
    assert reply.status_code == 422, reply.text
    assert words in reply.json()["message"]
    assert view(hall)["timezone"] == "Asia/Shanghai" and view(hall)["announcement"] == ""
    assert audit(hall, "hall.update") == []


def test_a_new_time_zone_moves_the_hall_clock(hall: Hall) -> None:
    hall.ok(patch(hall, {"timezone": "Asia/Urumqi"}))
    assert view(hall)["timezone"] == "Asia/Urumqi"
    assert view(hall)["today"]["date"] == "2026-11-25"


def test_only_an_admin_of_the_hall_changes_it(client: TestClient) -> None:
    h1, h2 = Hall(client), Hall(client, "h2")
    refused = patch(h1, {"announcement": "x"}, h1.supervisor)
    assert refused.status_code == 403 and refused.json()["error"] == "wrong_role"
    h2.ok(add(h2, "M02", "admin"), 201)
    h2.ok(login(client, "M02", hall="h2"))
    elsewhere = client.patch("/api/halls/h1", json={"announcement": "x"})
    assert elsewhere.status_code == 403 and elsewhere.json()["error"] == "wrong_hall"
    assert h2.ok(client.patch("/api/halls/h2", json={"announcement": "欢迎"}))["announcement"]


# ---------------------------------------------------------------- hours and the holiday calendar


def at(client_clock: Clock, when: str) -> None:
    """Set the clock to `when`, a local time in Shanghai."""
    local = datetime.fromisoformat(when + "+08:00")
    client_clock.now = local.astimezone(UTC)


def test_hours_changes_are_audited_before_and_after(hall: Hall) -> None:
    put_hours(hall)
    put_hours(hall, closed_dates=["2026-12-31"], holidays="cn")
    first, second = audit(hall, "hours.put")
    assert first["before"] == {"weekly": {}, "closed_dates": [], "holidays": None}
    assert second["before"]["holidays"] is None and second["after"]["holidays"] == "cn"
    assert second["after"]["closed_dates"] == ["2026-12-31"]
    bad = hall.c.put(
        "/api/halls/h1/hours", json={"weekly": {}, "holidays": "us"}, headers=hall.admin
    )
    assert bad.status_code == 422
    assert len(audit(hall, "hours.put")) == 2


def test_with_the_calendar_the_hall_closes_on_holidays(hall: Hall, clock: Clock) -> None:
    put_hours(hall, holidays="cn")
    at(clock, "2026-10-01T10:00")  # a Thursday, 国庆节
    closed = hall.issue()
    assert closed.status_code == 409 and closed.json()["error"] == "hall_closed"
    assert "2026-10-08 09:00" in closed.json()["message"]  # the holiday runs to the 7th
    put_hours(hall)  # the calendar off: an ordinary Thursday
    assert hall.issue().status_code == 201


def test_a_makeup_working_weekend_opens_with_mondays_hours(hall: Hall, clock: Clock) -> None:
    put_hours(hall, weekly=WEEKDAYS | {"mon": [["08:30", "12:00"]]}, holidays="cn")
    at(clock, "2026-10-10T08:45")  # Saturday, a 调休 working day after 国庆节
    assert hall.issue("JSR-TJ-ZM").status_code == 201
    today = view(hall)["today"]
    assert today["sessions"] == [["08:30", "12:00"]] and today["closes_at"].endswith(
        "12:00:00+08:00"
    )
    at(clock, "2026-10-17T09:30")  # an ordinary Saturday
    assert hall.issue().status_code == 409


def test_the_view_lists_the_holidays_ahead(hall: Hall, clock: Clock) -> None:
    put_hours(hall, holidays="cn")
    at(clock, "2026-09-01T09:30")
    calendar = view(hall)["calendar"]
    assert calendar["warning"] is None and calendar["years"][1] == 2026
    upcoming = {d["date"]: d for d in calendar["upcoming"]}
    assert upcoming["2026-10-01"] == {"date": "2026-10-01", "working": False, "holiday": "国庆节"}
    assert upcoming["2026-09-20"]["working"] is True


def test_years_the_calendar_does_not_know_are_said_and_served_by_the_week(
    hall: Hall, clock: Clock
) -> None:
    put_hours(hall, holidays="cn")
    assert "2027 年的法定节假日" in view(hall)["calendar"]["warning"]  # 60 days from 25 Nov
    at(clock, "2027-10-01T10:00")  # a Friday in a year the library does not hold
    assert hall.issue().status_code == 201
    assert view(hall)["calendar"]["warning"].startswith("节假日日历只收录到 2026 年")
    put_hours(hall)
    assert view(hall)["calendar"] is None


# ---------------------------------------------------------------- 专项服务 extra sessions

SATURDAY = "2026-11-28"


def put_extra(
    hall: Hall, sessions: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> Any:
    return hall.c.put(
        "/api/halls/h1/extra-sessions", json={"sessions": sessions}, headers=headers or hall.admin
    )


def test_an_extra_session_serves_its_items_only(hall: Hall, clock: Clock) -> None:
    put_hours(hall)
    special = {"date": SATURDAY, "start": "09:00", "end": "12:00", "services": [PASSPORT]}
    stored = hall.ok(put_extra(hall, [special | {"label": "学生护照专场"}]))["extra_sessions"]
    assert stored == [special | {"label": "学生护照专场"}]
    assert view(hall)["extra_sessions"] == stored
    at(clock, f"{SATURDAY}T09:30")
    assert view(hall)["open_now"] is True
    assert hall.issue(PASSPORT).status_code == 201
    refused = hall.issue(ID_CARD)
    assert refused.status_code == 409 and refused.json()["error"] == "special_session_only"
    assert "「学生护照专场」" in refused.json()["message"]
    assert "2026-11-30 09:00" in refused.json()["message"]  # Monday, for the ID card
    at(clock, f"{SATURDAY}T12:30")
    assert hall.issue(PASSPORT).json()["error"] == "hall_closed"


def test_an_extra_session_for_every_item(hall: Hall, clock: Clock) -> None:
    put_hours(hall)
    hall.ok(put_extra(hall, [{"date": SATURDAY, "start": "09:00", "end": "12:00"}]))
    at(clock, f"{SATURDAY}T11:00")
    assert hall.issue(ID_CARD).status_code == 201 and hall.issue(PASSPORT).status_code == 201


@pytest.mark.parametrize(
    ("session", "words"),
    [
        ({"date": "28/11/2026", "start": "09:00", "end": "12:00"}, "2026-10-01"),
        ({"date": SATURDAY, "start": "12:00", "end": "09:00"}, "结束时间应晚于开始时间"),
        ({"date": SATURDAY, "start": "9am", "end": "12:00"}, "09:00 这样的格式"),
        ({"date": SATURDAY, "start": "09:00", "end": "12:00", "services": ["NO-SUCH"]}, "NO-SUCH"),
        ({"date": SATURDAY, "start": "09:00", "end": "12:00", "services": []}, "没有事项"),
        ({"date": SATURDAY, "start": "09:00"}, ""),
    ],
)
def test_bad_extra_sessions_are_refused(hall: Hall, session: dict[str, Any], words: str) -> None:
    put_hours(hall)
    reply = put_extra(hall, [session])
    assert reply.status_code == 422, reply.text
    assert words in reply.json()["message"]
    assert view(hall)["extra_sessions"] == []


def test_overlapping_extra_sessions_and_a_hall_without_hours_are_refused(hall: Hall) -> None:
    morning = {"date": SATURDAY, "start": "09:00", "end": "12:00"}
    no_hours = put_extra(hall, [morning])
    assert no_hours.status_code == 409 and no_hours.json()["error"] == "no_hours"
    put_hours(hall)
    overlap = put_extra(hall, [morning, morning | {"start": "11:00", "end": "13:00"}])
    assert overlap.status_code == 422 and "重叠" in overlap.json()["message"]
    assert put_extra(hall, [morning], hall.supervisor).status_code == 403


def test_extra_sessions_keep_the_other_specials_and_are_audited(
    hall: Hall, settings: Settings
) -> None:
    put_hours(hall)
    store = Store(settings.database_url)
    try:
        with store.write() as tx:  # another helper's key in the same JSON
            tx.set_hall("h1", specials={"green_channels": [{"group": "高考考生"}]})
        morning = {"date": SATURDAY, "start": "09:00", "end": "12:00"}
        hall.ok(put_extra(hall, [morning]))
        hall.ok(put_extra(hall, []))
        with store.read() as tx:
            specials = tx.specials("h1")
        assert specials == {"green_channels": [{"group": "高考考生"}], "extra_sessions": []}
    finally:
        store.dispose()
    first, second = audit(hall, "hours.extra_sessions")
    assert first["before"] == {"sessions": []} and first["after"]["sessions"][0]["date"] == SATURDAY
    assert second["after"] == {"sessions": []}


# ---------------------------------------------------------------- 延时服务 on the day


def extend(hall: Hall, until: str, headers: dict[str, str] | None = None) -> Any:
    return hall.c.post(
        "/api/halls/h1/extend", json={"until": until}, headers=headers or hall.supervisor
    )


def test_an_extension_serves_the_waiting_and_takes_no_walk_ins(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    put_hours(hall)
    at(clock, "2026-11-25T16:30")
    hall.ticket("JSR-TJ-ZM")
    hall.ticket("JSR-TJ-ZM")
    extended = hall.ok(extend(hall, "18:30"))
    assert extended["extended"] == {"date": "2026-11-25", "until": "18:30"}
    assert extended["closes_at"] == "2026-11-25T17:00:00+08:00"
    assert view(hall)["today"]["extended"] == {"date": "2026-11-25", "until": "18:30"}
    at(clock, "2026-11-25T17:00:01")
    assert hall.issue("JSR-TJ-ZM").json()["error"] == "hall_closed"  # no new walk-ins
    assert day.close_day("h1", clock.now) == 0  # the waiting are still served
    hall.open(1)
    hall.serve(1)
    at(clock, "2026-11-25T18:30")
    assert day.close_day("h1", clock.now) > 0  # the extension is over
    assert hall.stats()["unserved"] == 1 and hall.stats()["served"] == 1
    [record] = audit(hall, "hall.extend", "2026-11-25")
    assert record["after"] == {"extended": {"date": "2026-11-25", "until": "18:30"}}
    assert record["before"] is None and record["actor"].startswith("supervisor:")
    late = extend(hall, "19:00")
    assert late.status_code == 409 and late.json()["error"] == "day_closed"


def test_an_extension_does_not_outlive_its_day(hall: Hall, day: HallDay, clock: Clock) -> None:
    put_hours(hall)
    at(clock, "2026-11-25T16:30")
    hall.ok(extend(hall, "18:30"))
    hall.ok(extend(hall, "18:00"))  # shortened: still after closing
    assert audit(hall, "hall.extend")[1]["before"]["extended"]["until"] == "18:30"
    at(clock, "2026-11-26T16:30")
    hall.ticket("JSR-TJ-ZM")
    assert view(hall)["today"]["extended"] is None
    at(clock, "2026-11-26T17:00")
    assert day.close_day("h1", clock.now) > 0


@pytest.mark.parametrize(
    ("until", "status", "words"),
    [
        ("16:45", 422, "晚于今天的下班时间 17:00"),
        ("6pm", 422, "09:00 这样的格式"),
        ("25:00", 422, "09:00 这样的格式"),
    ],
)
def test_bad_extensions_are_refused(
    hall: Hall, clock: Clock, until: str, status: int, words: str
) -> None:
    put_hours(hall)
    at(clock, "2026-11-25T16:30")
    reply = extend(hall, until)
    assert reply.status_code == status and words in reply.json()["message"]
    assert audit(hall, "hall.extend") == []


def test_an_extension_needs_a_working_day_and_a_supervisor(hall: Hall, clock: Clock) -> None:
    no_hours = extend(hall, "18:30")
    assert no_hours.status_code == 409 and no_hours.json()["error"] == "no_hours_today"
    put_hours(hall)
    at(clock, "2026-11-28T10:00")  # a Saturday
    assert extend(hall, "18:30").json()["error"] == "no_hours_today"
    at(clock, "2026-11-25T16:30")
    assert extend(hall, "18:30", hall.kiosk).status_code == 403
    assert extend(hall, "18:30", hall.windows[1]).status_code == 403
    assert extend(hall, "18:30", hall.admin).status_code == 200
    english = extend(hall, "16:00", hall.admin | EN).json()["message"]
    assert english == "an extension must end after today's closing at 17:00"


def test_the_closing_time_today_and_an_extension_past_now(hall: Hall, clock: Clock) -> None:
    put_hours(hall)
    at(clock, "2026-11-25T19:00")  # closed, but the day's closing job has not run
    past = extend(hall, "18:30")
    assert past.status_code == 422 and "已过" in past.json()["message"]
    assert view(hall)["today"]["closes_at"] == "2026-11-25T17:00:00+08:00"


def test_a_fresh_app_reads_the_settings_back(settings: Settings, clock: Clock, hall: Hall) -> None:
    put_hours(hall, holidays="cn")
    hall.ok(patch(hall, {"announcement": "欢迎"}))
    hall.ok(put_extra(hall, [{"date": SATURDAY, "start": "09:00", "end": "12:00"}]))
    with TestClient(create_app(settings, clock=clock)) as other:
        seen = other.get("/api/halls/h1", headers=hall.kiosk).json()
    assert seen["hours"]["holidays"] == "cn" and seen["announcement"] == "欢迎"
    assert seen["extra_sessions"][0]["date"] == SATURDAY
    assert datetime.fromisoformat(seen["today"]["closes_at"]) - clock.now > timedelta(hours=7)


def test_appointment_slots_follow_the_items_of_an_extra_session(hall: Hall) -> None:
    put_hours(hall)
    session = {"date": SATURDAY, "start": "09:00", "end": "12:00", "services": [PASSPORT]}
    hall.ok(put_extra(hall, [session]))

    def slots(service: str) -> list[Any]:
        query = f"service={service}&date={SATURDAY}"
        found: list[Any] = hall.ok(hall.c.get(f"/api/halls/h1/slots?{query}"))["slots"]
        return found

    assert slots(PASSPORT) and slots(PASSPORT)[0]["start"].startswith(f"{SATURDAY}T09:00")
    assert slots(ID_CARD) == []
