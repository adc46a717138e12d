"""好差评 cases (issue 15): a 差评 or a 「办不成事」 report opens a case that the
hall's supervisors verify, rectify, call back and close (or dismiss as 不实
with a reason), against a deadline in working days; overdue and near-due
cases are alerts on the supervisor console."""

from datetime import UTC, datetime
from typing import Any

from starlette.testclient import TestClient

from queue_server.day import HallDay
from tests.conftest import Clock
from tests.server.conftest import Hall
from tests.server.test_hall_settings import audit, put_hours
from tests.server.test_staff import add, login

CASES = "/api/halls/h1/cases"
PHONE = "13812345678"


def at(clock: Clock, when: str) -> None:
    """Set the clock to `when`, a local time in Shanghai."""
    clock.now = datetime.fromisoformat(when + "+08:00").astimezone(UTC)


def bad_rating(hall: Hall, phone: str | None = PHONE) -> dict[str, Any]:
    """A ticket served at window 1 and rated 非常不满意; the ticket."""
    ticket = hall.ticket()
    hall.open(1)
    hall.serve(1)
    body = {"score": 1, "reasons": ["服务态度"], "comment": "窗口人员态度冷淡"}
    hall.ok(
        hall.c.post(f"/api/tickets/{ticket['id']}/rating", json=body | {"callback_phone": phone})
    )
    return ticket


def running(hall: Hall, headers: dict[str, str] | None = None, query: str = "") -> Any:
    return hall.ok(hall.c.get(CASES + query, headers=headers or hall.supervisor))


def move(hall: Hall, case_id: str, action: str, body: dict[str, Any] | None = None) -> Any:
    return hall.c.post(f"{CASES}/{case_id}/{action}", json=body or {}, headers=hall.supervisor)


def test_a_bad_rating_is_verified_rectified_called_back_and_closed(hall: Hall) -> None:
    ticket = bad_rating(hall)
    listed = running(hall)
    (case,) = listed["cases"]
    assert case["kind_name"] == "差评" and case["number"] == ticket["number"]
    assert case["service_name"] == "居民身份证换领" and case["window"] == 1
    assert case["grade_name"] == "非常不满意" and case["reasons"] == ["服务态度"]
    assert case["phone_masked"] == "138****5678" and "callback_phone" not in case
    assert case["status_name"] == "待核实" and case["assignee"] is None
    assert case["source_name"] == "手机"
    # Opened Wednesday 2026-11-25: 15 working days (no calendar: Monday to Friday).
    assert case["due_date"] == "2026-12-16" and case["days_left"] == 15
    assert not case["overdue"] and not case["near_due"]
    assert [s["action_name"] for s in case["steps"]] == ["立案"]
    assert case["opened_at"].endswith("+08:00")

    cid = case["id"]
    verified = hall.ok(
        move(hall, cid, "verify", {"finding": "调取录像，确有态度问题", "founded": True})
    )
    assert verified["status_name"] == "已核实，待整改" and verified["next"] == [
        "rectify",
        "dismiss",
    ]
    hall.ok(move(hall, cid, "rectify", {"measures": "批评教育，组织服务礼仪培训"}))
    called = {"reached": True, "result": "办事人表示认可", "satisfaction": 4, "by": "张主管"}
    hall.ok(move(hall, cid, "callback", called))
    closed = hall.ok(move(hall, cid, "close", {"note": "整改到位"}))
    assert closed["status"] == "closed" and closed["status_name"] == "已办结"
    assert closed["closed_at"] is not None and closed["ended"] and closed["days_left"] is None
    steps = closed["steps"]
    assert [s["action_name"] for s in steps] == ["立案", "核实", "整改", "回访", "办结"]
    assert steps[1]["finding"] == "调取录像，确有态度问题" and steps[1]["founded"] is True
    assert steps[2]["measures"] == "批评教育，组织服务礼仪培训"
    assert steps[3]["reached"] is True and steps[3]["satisfaction"] == 4
    assert steps[3]["caller"] == "张主管" and steps[3]["by"] == "主管令牌"
    assert running(hall)["cases"] == []
    assert [c["id"] for c in running(hall, query="?status=closed")["cases"]] == [cid]
    assert [c["id"] for c in running(hall, query="?status=all")["cases"]] == [cid]
    actions = ["case.verify", "case.rectify", "case.callback", "case.close"]
    assert [len(audit(hall, a)) for a in actions] == [1, 1, 1, 1]
    assert audit(hall, "case.verify")[0]["target"] == cid
    assert audit(hall, "case.callback")[0]["after"] == {
        "status": "called_back",
        "reached": True,
        "result": "办事人表示认可",
        "satisfaction": 4,
    }


def test_a_move_from_the_wrong_state_says_where_the_case_is(hall: Hall) -> None:
    bad_rating(hall)
    cid = running(hall)["cases"][0]["id"]
    early = move(hall, cid, "close", {})
    assert early.status_code == 409 and early.json()["error"] == "wrong_case_state"
    assert "「待核实」" in early.json()["message"] and "核实、认定不实" in early.json()["message"]
    skipped = move(hall, cid, "callback", {"reached": False, "result": "无人接听"})
    assert skipped.status_code == 409
    assert move(hall, cid, "verify", {}).status_code == 422  # 核实情况 is required
    no_grade = move(hall, cid, "rectify", {"measures": ""})
    assert no_grade.status_code == 422
    assert move(hall, cid, "approve", {}).status_code == 404
    hall.ok(move(hall, cid, "verify", {"finding": "属实"}))
    hall.ok(move(hall, cid, "rectify", {"measures": "培训"}))
    reached = move(hall, cid, "callback", {"reached": True, "result": "满意"})
    assert reached.status_code == 422 and "满意度" in reached.json()["message"]
    assert running(hall)["cases"][0]["status"] == "rectified"
    # A call nobody answered is kept in the record; the case still waits for its 回访.
    missed = hall.ok(move(hall, cid, "callback", {"reached": False, "result": "无人接听"}))
    assert missed["status"] == "rectified" and missed["steps"][-1]["action_name"] == "回访未联系上"
    assert [a["action"] for a in audit(hall, "case.callback_failed")] == ["case.callback_failed"]
    hall.ok(move(hall, cid, "callback", {"reached": True, "result": "满意", "satisfaction": 5}))
    assert running(hall)["cases"][0]["status"] == "called_back"
    assert move(hall, "KNOPE", "verify", {"finding": "x"}).status_code == 404


def test_a_dismissal_keeps_its_reason_and_ends_the_case(hall: Hall) -> None:
    bad_rating(hall)
    cid = running(hall)["cases"][0]["id"]
    unfounded = move(hall, cid, "verify", {"finding": "录像显示正常接待", "founded": False})
    assert unfounded.status_code == 422 and "认定不实" in unfounded.json()["message"]
    dismissed = hall.ok(move(hall, cid, "dismiss", {"reason": "办事人材料不全，已一次性告知"}))
    assert dismissed["status_name"] == "不实" and dismissed["next"] == []
    assert dismissed["steps"][-1]["reason"] == "办事人材料不全，已一次性告知"
    again = move(hall, cid, "rectify", {"measures": "x"})
    assert again.status_code == 409 and "工单已结束" in again.json()["message"]
    kept = hall.ok(hall.c.get(f"{CASES}/{cid}", headers=hall.supervisor))
    assert kept["steps"][-1]["action_name"] == "认定不实"
    assert audit(hall, "case.dismiss")[0]["after"]["reason"] == "办事人材料不全，已一次性告知"
    assert move(hall, cid, "dismiss", {}).status_code == 422  # a reason is required


def not_done(hall: Hall, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return hall.c.post(CASES, json=body, headers=headers or {})


def test_not_done_from_the_phone_the_kiosk_a_window_and_staff(
    hall: Hall, client: TestClient, clock: Clock
) -> None:
    ticket, other = hall.ticket(), hall.ticket()
    no_ticket = not_done(hall, {"comment": "材料齐全却不予受理"})
    assert no_ticket.status_code == 422 and no_ticket.json()["error"] == "ticket_required"
    made = hall.ok(not_done(hall, {"ticket_id": other["id"], "comment": "材料齐全却不予受理"}), 201)
    assert made["status"] == "open" and made["due_date"] == "2026-12-16"
    twice = not_done(hall, {"ticket_id": other["id"], "comment": "再反映一次"})
    assert twice.status_code == 409 and twice.json()["error"] == "case_running"
    unknown = not_done(hall, {"ticket_id": "T-made-up", "comment": "x"})
    assert unknown.status_code == 404
    by_number = not_done(hall, {"ticket_id": ticket["number"], "comment": "x"})
    assert by_number.status_code == 404  # the phone page gives the secret id, not the number

    clock.advance(60)
    hall.ok(not_done(hall, {"service": "CRJ-HZ-SC", "comment": "系统故障办不了"}, hall.kiosk), 201)
    by_window = {"comment": "需跨部门", "callback_phone": "139 0000 1111"}
    clock.advance(60)
    hall.ok(not_done(hall, by_window, hall.windows[2]), 201)
    clock.advance(60)
    hall.ok(add(hall, "C001"), 201)
    hall.ok(login(client, "C001"))
    spoken = {"ticket_id": ticket["number"], "comment": "办事人口述：跑了三次"}  # A001
    hall.ok(not_done(hall, spoken), 201)  # the clerk's session, by today's number
    client.cookies.clear()
    shown = running(hall, query="?kind=not_done")["cases"]
    assert [c["source_name"] for c in shown] == [
        "手机",
        "取号机",
        "窗口代为反映",
        "工作人员代为反映",
    ]
    assert shown[0]["number"] == other["number"] and shown[0]["service_name"] == "居民身份证换领"
    assert shown[3]["number"] == ticket["number"]
    assert shown[1]["service_name"] == "普通护照首次申请" and shown[1]["number"] is None
    assert shown[2]["phone_masked"] == "139****1111"
    assert [s["by"] for c in shown for s in c["steps"]] == ["visitor", "visitor", "window", "C001"]
    assert {c["kind_name"] for c in shown} == {"办不成事"}
    refused = not_done(hall, {"comment": "x"}, hall.display)
    assert refused.status_code == 403
    assert running(hall, query="?kind=bad_rating")["cases"] == []


def test_the_phone_page_is_rate_limited(hall: Hall) -> None:
    answers = [
        not_done(hall, {"ticket_id": hall.ticket()["id"], "comment": "办不成"}).status_code
        for _ in range(6)
    ]
    assert answers == [201] * 5 + [429]


def test_a_kiosk_is_rate_limited_too_but_not_staff(hall: Hall) -> None:
    answers = [not_done(hall, {"comment": "办不成"}, hall.kiosk).status_code for _ in range(11)]
    assert answers == [201] * 10 + [429]
    assert not_done(hall, {"comment": "办不成"}, hall.supervisor).status_code == 201


def test_another_halls_cases_are_not_shown_nor_moved(hall: Hall, client: TestClient) -> None:
    bad_rating(hall)
    cid = running(hall)["cases"][0]["id"]
    other = Hall(client, "h2")
    assert client.get(CASES, headers=other.supervisor).status_code == 403
    assert move_elsewhere(client, other, cid).status_code == 404  # h1's case through h2
    theirs = other.ticket()
    wrong = not_done(hall, {"ticket_id": theirs["id"], "comment": "x"})  # h2's ticket at h1
    assert wrong.status_code == 404
    assert client.get(CASES, headers=hall.kiosk).status_code == 403
    assert client.get(CASES).status_code == 401
    assert client.post(f"{CASES}/{cid}/verify", json={"finding": "x"}).status_code == 401


def move_elsewhere(client: TestClient, other: Hall, cid: str) -> Any:
    return client.post(
        f"/api/halls/h2/cases/{cid}/verify", json={"finding": "x"}, headers=other.supervisor
    )


def test_the_whole_phone_is_for_a_supervisor_signed_in(hall: Hall, client: TestClient) -> None:
    bad_rating(hall)
    cid = running(hall)["cases"][0]["id"]
    with_token = hall.ok(client.get(f"{CASES}/{cid}", headers=hall.supervisor))
    assert "callback_phone" not in with_token and with_token["phone_masked"] == "138****5678"
    hall.ok(add(hall, "S001", "supervisor"), 201)
    hall.ok(login(client, "S001"))
    signed_in = hall.ok(client.get(f"{CASES}/{cid}"))
    assert signed_in["callback_phone"] == PHONE
    assert "callback_phone" not in running(hall, {})["cases"][0]  # the list: masked only
    verified = hall.ok(client.post(f"{CASES}/{cid}/verify", json={"finding": "属实"}))
    assert verified["steps"][-1]["by"] == "S001"
    client.cookies.clear()
    hall.ok(add(hall, "C002"), 201)
    hall.ok(login(client, "C002"))
    assert client.get(f"{CASES}/{cid}").status_code == 403


def test_a_case_is_assigned_to_a_supervisor_of_the_hall(hall: Hall) -> None:
    bad_rating(hall)
    cid = running(hall)["cases"][0]["id"]
    hall.ok(add(hall, "S001", "supervisor"), 201)
    hall.ok(add(hall, "C001"), 201)
    to = f"{CASES}/{cid}/assign"
    clerk = hall.c.post(to, json={"staff_no": "C001"}, headers=hall.supervisor)
    assert clerk.status_code == 422 and clerk.json()["error"] == "not_a_supervisor"
    given = hall.ok(hall.c.post(to, json={"staff_no": "S001"}, headers=hall.supervisor))
    assert given["assignee"] == "S001" and running(hall)["cases"][0]["assignee"] == "S001"
    assert audit(hall, "case.assign")[0]["after"] == {"assignee": "S001"}


def test_the_deadline_runs_on_working_days_and_alerts_come_near_and_past_it(
    hall: Hall, clock: Clock, day: HallDay
) -> None:
    put_hours(hall, holidays="cn")
    at(clock, "2026-09-25T10:00")  # Friday, 中秋节; then 国庆节 and the 调休 Saturday 10 Oct
    made = hall.ok(not_done(hall, {"comment": "异地业务无法办理"}, hall.supervisor), 201)
    assert made["due_date"] == "2026-10-22"

    def case_alerts(when: str) -> list[dict[str, Any]]:
        at(clock, when)
        day.tick(clock.now)
        listed = hall.ok(hall.c.get("/api/halls/h1/alerts", headers=hall.supervisor))
        return [a for a in listed["alerts"] if a["kind"].startswith("case_")]

    assert case_alerts("2026-10-16T09:30") == []  # four working days left
    (soon,) = case_alerts("2026-10-19T09:30")  # Monday: 20, 21, 22 left
    assert soon["kind"] == "case_due_soon" and soon["case_id"] == made["id"]
    assert soon["days_left"] == 3 and soon["due_date"] == "2026-10-22"
    assert running(hall)["cases"][0]["near_due"] and running(hall)["near_due"] == 1
    assert case_alerts("2026-10-22T16:00") == []  # due today: not yet overdue, said once
    (late,) = case_alerts("2026-10-23T09:30")
    assert late["kind"] == "case_overdue" and late["kind_name"] == "办不成事"
    listed = running(hall)
    assert listed["overdue"] == 1 and listed["cases"][0]["days_left"] == -1
    assert case_alerts("2026-10-23T10:30") == [late]  # raised once
    hall.ok(move(hall, made["id"], "dismiss", {"reason": "非本厅业务"}))
    assert case_alerts("2026-10-26T09:30") == []  # an ended case is no longer pressing


def test_the_halls_reasons_are_set_by_an_admin(hall: Hall) -> None:
    path = "/api/halls/h1/feedback"
    shown = hall.ok(hall.c.get(path, headers=hall.kiosk))
    assert shown["default"] and shown["reasons"][0] == "服务态度"
    reasons = ["态度生硬", "等候太久", "材料反复要求"]
    assert hall.c.put(path, json={"reasons": reasons}, headers=hall.supervisor).status_code == 403
    twice = hall.c.put(path, json={"reasons": ["等候太久", "等候太久"]}, headers=hall.admin)
    assert twice.status_code == 422 and twice.json()["error"] == "duplicate_reason"
    many = [f"原因{n}" for n in range(13)]
    assert hall.c.put(path, json={"reasons": many}, headers=hall.admin).status_code == 422
    none = hall.c.put(path, json={"reasons": []}, headers=hall.admin)
    assert none.status_code == 422 and none.json()["message"] == "请求内容有误：原因至少 1 项"
    assert hall.c.put(path, json={"reasons": ["长" * 21]}, headers=hall.admin).status_code == 422
    hall.ok(hall.c.put(path, json={"reasons": reasons}, headers=hall.admin))
    assert hall.ok(hall.c.get(path, headers=hall.kiosk))["reasons"] == reasons
    ticket = hall.ticket()
    hall.open(1)
    hall.serve(1)
    form = hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}/rating"))
    assert form["reasons"] == reasons
    (change,) = audit(hall, "feedback.put")
    assert change["before"]["reasons"][0] == "服务态度" and change["after"]["reasons"] == reasons


def test_the_days_of_a_case_list_are_read_with_care(hall: Hall) -> None:
    path = "/api/halls/h1/cases?status=all"
    for odd in ("&to=9999-12-31", "&from=0001-01-01", "&from=2026-02-30"):
        refused = hall.c.get(path + odd, headers=hall.supervisor)
        assert refused.status_code == 422 and refused.json()["error"] == "bad_date", odd
    backwards = hall.c.get(f"{path}&from=2026-11-25&to=2026-11-01", headers=hall.supervisor)
    assert backwards.status_code == 422
    assert backwards.json()["message"] == "结束日期 2026-11-01 早于开始日期 2026-11-25"
    one_day = hall.c.get(f"{path}&from=2026-11-25&to=2026-11-25", headers=hall.supervisor)
    assert hall.ok(one_day)["cases"] == []
