"""容缺受理 (issue 15): a finish that lists the missing materials and their
due date; the hall's follow-up list; closing it when they arrive."""

from typing import Any

from tests.conftest import Clock
from tests.server.conftest import Hall
from tests.server.test_rating_loop import services

GAPS = "容缺受理"


def finish_with_gaps(hall: Hall, body: dict[str, Any]) -> Any:
    hall.ticket()
    hall.open(1)
    hall.do(1, "call-next")
    hall.do(1, "start")
    return hall.c.post("/api/halls/h1/windows/1/finish", json=body, headers=hall.windows[1])


def test_a_finish_with_gaps_opens_a_follow_up_until_the_materials_arrive(
    hall: Hall, clock: Clock
) -> None:
    body = {"outcome": GAPS, "missing": ["户口簿复印件", "户口簿复印件", "照片回执"]}
    done = hall.ok(finish_with_gaps(hall, body))
    [item] = hall.ok(hall.c.get("/api/halls/h1/followups", headers=hall.windows[2]))["followups"]
    assert item["number"] == done["ticket"]["number"] and item["window"] == 1
    assert item["missing"] == ["户口簿复印件", "照片回执"]
    # Wednesday 2026-11-25 + 5 working days by default: Wednesday 2026-12-02.
    assert item["due_date"] == "2026-12-02" and item["days_left"] == 7
    assert not item["overdue"] and not item["reminded"]
    clock.advance(8 * 86400)  # the day after the due date
    [late] = hall.ok(hall.c.get("/api/halls/h1/followups", headers=hall.supervisor))["followups"]
    assert late["overdue"] and late["days_left"] == -1
    path = f"/api/halls/h1/followups/{item['ticket_id']}/close"
    closed = hall.ok(hall.c.post(path, json={"note": "已补交"}, headers=hall.windows[3]))
    assert closed["closed_at"] and not closed["overdue"]
    again = hall.c.post(path, json={}, headers=hall.windows[3])
    assert again.status_code == 409 and again.json()["error"] == "followup_closed"
    assert (
        hall.ok(hall.c.get("/api/halls/h1/followups", headers=hall.supervisor))["followups"] == []
    )
    every = hall.c.get("/api/halls/h1/followups?status=all", headers=hall.supervisor)
    assert len(hall.ok(every)["followups"]) == 1


def test_missing_materials_go_with_that_outcome_only(hall: Hall) -> None:
    phone = finish_with_gaps(hall, {"outcome": GAPS, "missing": ["本人电话 138 0013 8000"]})
    assert phone.status_code == 422 and phone.json()["error"] == "missing_has_personal_data"
    wrong = hall.c.post(
        "/api/halls/h1/windows/1/finish",
        json={"outcome": "办结", "missing": ["照片"]},
        headers=hall.windows[1],
    )
    assert wrong.status_code == 422 and wrong.json()["error"] == "missing_not_wanted"
    empty = hall.c.post(
        "/api/halls/h1/windows/1/finish", json={"outcome": GAPS}, headers=hall.windows[1]
    )
    assert empty.status_code == 422 and empty.json()["error"] == "missing_required"
    past = hall.c.post(
        "/api/halls/h1/windows/1/finish",
        json={"outcome": GAPS, "missing": ["照片"], "due": "2026-11-25"},
        headers=hall.windows[1],
    )
    assert past.status_code == 422 and past.json()["error"] == "due_out_of_range"
    # Nothing was half-applied: the ticket is still in hand, and no follow-up exists.
    window = hall.ok(hall.c.get("/api/halls/h1/windows/1", headers=hall.windows[1]))
    assert window["window"]["state"] == "serving"
    assert (
        hall.ok(hall.c.get("/api/halls/h1/followups", headers=hall.supervisor))["followups"] == []
    )


def test_a_display_may_not_read_the_follow_ups(hall: Hall) -> None:
    refused = hall.c.get("/api/halls/h1/followups", headers=hall.display)
    assert refused.status_code == 403


def test_the_reminder_goes_once_when_the_date_comes_near(hall: Hall, clock: Clock) -> None:
    hall.ok(finish_with_gaps(hall, {"outcome": GAPS, "missing": ["照片"], "due": "2026-11-27"}))
    hub = services(hall.c)
    assert hub.remind_followups("h1", clock()) == 0  # two days before: not yet
    [item] = hall.ok(hall.c.get("/api/halls/h1/followups", headers=hall.supervisor))["followups"]
    assert not item["reminded"]
    clock.advance(86400)
    hub.remind_followups("h1", clock())  # a walk-in gave no phone: marked, no text
    [item] = hall.ok(hall.c.get("/api/halls/h1/followups", headers=hall.supervisor))["followups"]
    assert item["reminded"]


def test_a_second_close_names_the_day_the_materials_came_in_the_halls_zone(
    hall: Hall, clock: Clock
) -> None:
    hall.ok(finish_with_gaps(hall, {"outcome": GAPS, "missing": ["照片"]}))
    [item] = hall.ok(hall.c.get("/api/halls/h1/followups", headers=hall.supervisor))["followups"]
    clock.advance(86400 - 2.5 * 3600)  # Thursday 07:00 in Shanghai, still Wednesday in UTC
    path = f"/api/halls/h1/followups/{item['ticket_id']}/close"
    hall.ok(hall.c.post(path, json={}, headers=hall.windows[2]))
    again = hall.c.post(path, json={}, headers=hall.windows[2])
    assert again.status_code == 409
    assert again.json()["message"] == f"{item['number']} 号的容缺材料已于 11-26 补齐"


def test_a_wrong_finish_or_close_is_refused_in_the_clerks_words(hall: Hall) -> None:
    empty = finish_with_gaps(hall, {"outcome": GAPS, "missing": [""], "due": "2026-13-01"})
    assert empty.status_code == 422
    assert empty.json()["message"] == (
        "请求内容有误：所缺材料第 1 项不能为空；补交日期应写成 2026-12-11 这样的日期"
    )
    hall.ok(
        hall.c.post(
            "/api/halls/h1/windows/1/finish",
            json={"outcome": GAPS, "missing": ["照片"]},
            headers=hall.windows[1],
        )
    )
    [item] = hall.ok(hall.c.get("/api/halls/h1/followups", headers=hall.supervisor))["followups"]
    path = f"/api/halls/h1/followups/{item['ticket_id']}/close"
    long = hall.c.post(path, json={"note": "字" * 201}, headers=hall.windows[2])
    assert long.json()["message"] == "请求内容有误：备注最多 200 个字"  # not the 导办's note
