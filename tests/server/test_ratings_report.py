"""The 好差评 report (GET …/ratings/report and its CSV) and the 人员绩效 in
stats, from a hall that serves, rates and sends visitors back (issue 15)."""

import csv
import io
from typing import Any

import pytest

from tests.conftest import Clock
from tests.server.conftest import PASSPORT, Hall
from tests.server.test_tickets_api import valid_id
from tests.server.test_window_sign_in import member, sign_in, sign_out

REPORT = "/api/halls/h1/ratings/report"
FIRST_DAY, LATER_DAY = "2026-11-25", "2026-12-01"
PERSON = valid_id("11010519900101001")


def rate(hall: Hall, ticket: dict[str, Any], score: int, *reasons: str) -> None:
    body: dict[str, Any] = {"score": score} | ({"reasons": list(reasons)} if reasons else {})
    hall.ok(hall.c.post(f"/api/tickets/{ticket['id']}/rating", json=body))


def serve(
    hall: Hall,
    clock: Clock,
    n: int,
    headers: dict[str, str],
    outcome: str | None = None,
) -> dict[str, Any]:
    """A minute with nothing in hand, then call, 30 s, start, 270 s, finish."""
    clock.advance(60)
    hall.ok(hall.act(n, "call-next", headers=headers))
    clock.advance(30)
    hall.ok(hall.act(n, "start", headers=headers))
    clock.advance(270)
    body = {"outcome": outcome} if outcome else None
    return dict(hall.ok(hall.act(n, "finish", body, headers=headers))["ticket"])


def report(hall: Hall, by: str, start: str = FIRST_DAY, end: str = LATER_DAY) -> dict[str, Any]:
    query = {"from": start, "to": end, "by": by}
    answer: dict[str, Any] = hall.ok(hall.c.get(REPORT, params=query, headers=hall.supervisor))
    return answer


@pytest.fixture
def served(hall: Hall, clock: Clock) -> dict[str, Any]:
    """Day 1: A001 at window 1 serves three (5, 4, 1 with a reason) and signs
    out; A002 at window 2 serves two (3, 2) and lets one go (过号); the person
    PERSON is sent back for 补正材料. Day 2, six days on: PERSON comes back
    to window 3 (a token, no member), and a passport is served there."""
    a001, a002 = member(hall, "A001"), member(hall, "A002")
    for n, session in ((1, a001), (2, a002)):
        hall.ok(sign_in(hall, n, session))
        hall.ok(hall.act(n, "open", headers=session))
    for _ in range(3):
        hall.ticket()
    first = [serve(hall, clock, 1, a001) for _ in range(3)]
    hall.ok(sign_out(hall, 1, a001), 204)
    hall.ticket(id_number=PERSON)
    hall.ticket()
    hall.ticket()
    second = [serve(hall, clock, 2, a002, outcome="补正材料"), serve(hall, clock, 2, a002)]
    hall.ok(hall.act(2, "call-next", headers=a002))
    clock.advance(120)
    hall.ok(hall.act(2, "no-show", headers=a002))
    for ticket, grade in zip(first + second, (5, 4, 1, 3, 2), strict=True):
        rate(
            hall,
            ticket,
            grade,
            *(["服务态度"] if grade == 1 else ["办事效率"] if grade == 2 else []),
        )
    staff = {row["staff_no"]: row for row in hall.stats()["staff"]}
    clock.advance(6 * 86400)
    hall.do(3, "open")
    hall.ticket(id_number=PERSON)
    hall.ticket(PASSPORT)
    rate(hall, hall.serve(3), 5)
    hall.serve(3)
    return staff


def test_by_window_the_grades_and_rates_of_each(hall: Hall, served: dict[str, Any]) -> None:
    rows = {r["key"]: r for r in report(hall, "window")["rows"]}
    assert [rows[k]["label"] for k in rows] == ["1号窗口", "2号窗口", "3号窗口"]
    one, two, three = (rows[k]["ratings"] for k in ("1", "2", "3"))
    assert one["by_grade"] == {"5": 1, "4": 1, "3": 0, "2": 0, "1": 1}
    assert (one["good_share"], one["bad_share"], one["coverage"]) == (0.6667, 0.3333, 1.0)
    assert (two["count"], two["good"], two["bad"]) == (2, 1, 1)  # 基本满意 is 好评
    assert (three["served"], three["count"], three["coverage"]) == (2, 1, 0.5)
    assert one["bad_reasons"] == [{"reason": "服务态度", "count": 1}]
    assert two["bad_reasons"] == [{"reason": "办事效率", "count": 1}]
    assert rows["1"]["cases"]["opened"] == 1  # each 差评 opened a case
    assert rows["1"]["cases"]["rectified_share"] == 0.0


def test_by_staff_the_member_is_named_and_a_token_s_work_is_unrecorded(
    hall: Hall, served: dict[str, Any]
) -> None:
    rows = report(hall, "staff")["rows"]
    assert [(r["label"], r["ratings"]["served"], r["ratings"]["count"]) for r in rows] == [
        ("A001 王小明", 3, 3),
        ("A002 王小明", 2, 2),
        ("未记录", 2, 1),
    ]


def test_by_service_day_month_and_the_whole_hall(hall: Hall, served: dict[str, Any]) -> None:
    by_service = {r["label"]: r["ratings"]["served"] for r in report(hall, "service")["rows"]}
    assert by_service == {"居民身份证换领": 6, "普通护照首次申请": 1}
    by_day = {r["key"]: r["ratings"]["count"] for r in report(hall, "day")["rows"]}
    assert by_day == {FIRST_DAY: 5, LATER_DAY: 1}
    by_month = {r["label"]: r["ratings"]["served"] for r in report(hall, "month")["rows"]}
    assert by_month == {"2026-11": 5, "2026-12": 2}
    whole = report(hall, "hall")
    assert [r["label"] for r in whole["rows"]] == ["测试大厅"]
    total = whole["total"]
    assert (total["ratings"]["count"], total["ratings"]["bad_share"]) == (6, 0.3333)
    assert (total["cases"]["opened"], total["cases"]["founded"]) == (2, 2)


def test_the_person_sent_back_for_materials_made_a_second_trip(
    hall: Hall, served: dict[str, Any]
) -> None:
    total = report(hall, "hall")["total"]["one_visit"]
    # PERSON's matter took two visits; the other five tickets carried no ID
    # number and cannot be matched.
    assert total == {
        "matters": 1,
        "one_visit": 0,
        "second_trips": 1,
        "one_visit_share": 0.0,
        "unmatched": 5,
    }
    # Seen from the second day alone, the return is no new matter either.
    later = report(hall, "hall", LATER_DAY, LATER_DAY)["total"]["one_visit"]
    assert (later["matters"], later["unmatched"]) == (0, 1)


def test_the_staff_figures_in_stats(hall: Hall, served: dict[str, Any]) -> None:
    a001, a002 = served["A001"], served["A002"]
    assert (a001["name"], a001["served"], a001["no_show"]) == ("王小明", 3, 0)
    assert (a001["handling_s"]["mean"], a001["handling_s"]["p90"]) == (270, 270)
    # Signed in for 3 × 360 s, each ticket in hand for 300 s of them.
    assert (a001["signed_in_s"], a001["busy_s"], a001["idle_share"]) == (1080, 900, 0.1667)
    assert (a002["served"], a002["no_show"]) == (2, 1)
    assert a002["ratings"] == {"count": 2, "mean": 2.5, "good_share": 0.5, "bad": 1}
    assert a002["idle_share"] is not None and 0 < a002["idle_share"] < 1


def test_the_staff_figures_count_the_ratings_of_the_day(hall: Hall, served: dict[str, Any]) -> None:
    day = hall.ok(
        hall.c.get("/api/halls/h1/stats", params={"date": FIRST_DAY}, headers=hall.supervisor)
    )
    staff = {row["staff_no"]: row for row in day["staff"]}
    assert staff["A001"]["ratings"] == {"count": 3, "mean": 3.33, "good_share": 0.6667, "bad": 1}
    assert staff["A002"]["ratings"]["bad"] == 1
    assert staff["A002"]["open_sign_ins"] == 1  # never signed out: its session ran out


def test_the_csv_has_chinese_headers_and_a_bom(hall: Hall, served: dict[str, Any]) -> None:
    query = {"from": FIRST_DAY, "to": LATER_DAY, "by": "window"}
    answer = hall.c.get(f"{REPORT}.csv", params=query, headers=hall.supervisor)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["窗口"] for r in rows] == ["1号窗口", "2号窗口", "3号窗口", "合计"]
    first = rows[0]
    assert (first["评价数"], first["好评率"], first["差评率"]) == ("3", "66.7%", "33.3%")
    assert first["差评主要原因"] == "服务态度（1）"
    assert rows[-1]["差评案件"] == "2"
    assert rows[-1]["最多跑一次率"] == "0.0%"
    assert rows[-1]["无身份信息未计入"] == "5"
    assert "整改率" in first and "回访率" in first and "平均办结天数（自然日）" in first


def test_a_year_and_a_day_wrong_groups_and_dates_are_refused(hall: Hall) -> None:
    def refused(query: dict[str, str]) -> Any:
        return hall.ok(hall.c.get(REPORT, params=query, headers=hall.supervisor), 422)

    assert refused({"from": "2024-01-01", "to": "2025-01-01"})["error"] == "range_too_long"
    assert (
        hall.ok(
            hall.c.get(
                REPORT, params={"from": "2024-01-01", "to": "2024-12-31"}, headers=hall.supervisor
            )
        )["by"]
        == "hall"
    )
    assert refused({"by": "floor"})["error"] == "bad_group"
    assert refused({"from": "2026-13-01"})["error"] == "date_format"
    assert refused({"from": "2026-11-25", "to": "2026-11-24"})["error"] == "bad_range"


def test_only_supervisors_read_the_report(hall: Hall) -> None:
    assert hall.c.get(REPORT, headers=hall.windows[1]).status_code == 403
    assert hall.c.get(f"{REPORT}.csv", headers=hall.kiosk).status_code == 403
    assert hall.c.get(REPORT).status_code == 401
    assert hall.ok(hall.c.get(REPORT, headers=hall.admin))["from"] == FIRST_DAY


def test_a_followup_counts_in_the_report_and_its_return_is_a_second_trip(
    hall: Hall, clock: Clock
) -> None:
    """容缺受理 twice (one closed on time, one past due and open); the first
    person returns within the repeat days: a second trip."""
    hall.open(1)
    other = valid_id("11010519850202002")
    hall.ticket(id_number=PERSON)
    hall.ticket(id_number=other)
    gaps = {"outcome": "容缺受理", "missing": ["户口簿复印件"], "due": "2026-11-27"}
    for _ in range(2):
        hall.do(1, "call-next")
        hall.do(1, "start")
        finished = hall.do(1, "finish", gaps)["ticket"]
    path = f"/api/halls/h1/followups/{finished['id']}/close"
    hall.ok(hall.c.post(path, json={}, headers=hall.windows[1]))
    clock.advance(3 * 86400)  # 2026-11-28: the open follow-up is past due
    hall.ticket(id_number=PERSON)
    hall.serve(1)
    total = report(hall, "hall", FIRST_DAY, "2026-11-28")["total"]
    assert total["followups"] == {"accepted": 2, "closed": 1, "open": 1, "overdue": 1}
    assert total["one_visit"] == {
        "matters": 2,
        "one_visit": 1,
        "second_trips": 1,
        "one_visit_share": 0.5,
        "unmatched": 0,
    }
