"""A day of 好差评 (issue 15), end to end through the API.

Wednesday 23 September 2026: three clerks serve 50 visitors, who rate on the
three surfaces (the window's evaluator, their phone, the kiosk); five are
差评 with reasons, each opening a case. Two are verified, rectified, called
back and closed, one is dismissed as 不实, one is left, and one visitor also
reports a matter that could not be done. The case left open falls due after
15 working days across 中秋节, two weekends, 国庆节 and the 调休 Saturday,
and is an overdue alert the day after. The provincial platform fails the
first two attempts at every record and gets each once in the end.

Run with `-s` to see the day's report as the closing note quotes it.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from queue_server.day import HallDay
from queue_server.settings import Settings
from tests.conftest import Clock
from tests.server.conftest import ADMIN, Hall
from tests.server.test_cases import at, move
from tests.server.test_hall_settings import put_hours
from tests.server.test_outbox import FakePlatform, deliver
from tests.server.test_tickets_api import valid_id
from tests.server.test_window_sign_in import member, sign_in

BAD = {  # the visitor's index: (grade, reasons, call-back phone)
    4: (1, ["服务态度"], "13800138004"),
    11: (2, ["办事效率", "办事流程"], None),
    23: (2, ["材料要求"], "13800138023"),
    30: (1, ["服务态度", "其他"], "13800138030"),
    41: (2, ["服务环境"], None),
}
GOOD = (5, 5, 4, 5, 3, 5, 4)
SENT_BACK, WITH_GAPS, RETURN = 9, 15, 49  # 补正材料; 容缺受理; visitor 9 back again
OUTCOMES = {SENT_BACK: {"outcome": "补正材料"}} | {
    WITH_GAPS: {"outcome": "容缺受理", "missing": ["户口簿复印件"]}
}
SURFACES = ("evaluator", "phone", "kiosk")


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform(fail_first=2)
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def settings(db_url: str, platform: FakePlatform) -> Settings:
    return Settings(
        database_url=db_url,
        admin_token=ADMIN,
        secret_key="test-key",
        jobs_interval_s=0,
        province_url=platform.url,
        province_token="t",
    )


def person(i: int) -> str:
    return valid_id(f"11010519900101{i:03d}")


def rating_body(i: int) -> dict[str, Any]:
    if i in BAD:
        grade, reasons, phone = BAD[i]
        body: dict[str, Any] = {"score": grade, "reasons": reasons, "comment": f"第{i}位的意见"}
        return body | ({"callback_phone": phone} if phone else {})
    return {"score": GOOD[i % len(GOOD)]}


def serve_and_rate(hall: Hall, clock: Clock, i: int, clerks: dict[int, dict[str, str]]) -> str:
    """Visitor i at window 1 + i % 3: called, served for four minutes, rated
    on surface i % 3 right after the finish; the ticket's id."""
    n = 1 + i % 3
    hall.ok(hall.act(n, "call-next", headers=clerks[n]))
    clock.advance(20)
    hall.ok(hall.act(n, "start", headers=clerks[n]))
    clock.advance(220)
    finish = OUTCOMES.get(i, {"outcome": "办结"})
    ticket = hall.ok(hall.act(n, "finish", finish, headers=clerks[n]))["ticket"]
    surface = SURFACES[i % 3]
    headers = {"evaluator": hall.windows[n], "phone": {}, "kiosk": hall.kiosk}[surface]
    path = f"/api/tickets/{ticket['id']}/rating"
    hall.ok(hall.c.post(path, json=rating_body(i), headers=headers), 201)
    return str(ticket["id"])


def report(hall: Hall, by: str) -> dict[str, Any]:
    query = {"from": "2026-09-23", "to": "2026-09-23", "by": by}
    return dict(
        hall.ok(hall.c.get("/api/halls/h1/ratings/report", params=query, headers=hall.supervisor))
    )


def test_a_day_of_ratings_cases_and_the_provincial_platform(
    hall: Hall, clock: Clock, day: HallDay, platform: FakePlatform
) -> None:
    put_hours(hall, holidays="cn")
    at(clock, "2026-09-23T09:00")
    clerks = {n: member(hall, f"C10{n}") for n in (1, 2, 3)}
    for n, session in clerks.items():
        hall.ok(sign_in(hall, n, session))
        hall.ok(hall.act(n, "open", headers=session))
    for i in range(RETURN):  # each gives an ID number: the keyed hash matches trips
        hall.ticket(id_number=person(i))
    ids = [serve_and_rate(hall, clock, i, clerks) for i in range(RETURN)]
    at(clock, "2026-09-23T14:00")  # after the midday break
    hall.ticket(id_number=person(SENT_BACK))  # back with the missing materials
    ids.append(serve_and_rate(hall, clock, RETURN, clerks))

    listed = hall.ok(hall.c.get("/api/halls/h1/cases", headers=hall.supervisor))
    cases = {c["number"]: c for c in listed["cases"]}
    assert len(cases) == 5 and {c["due_date"] for c in cases.values()} == {"2026-10-21"}
    by_visitor = [cases[n] for n in sorted(cases)]  # numbers follow the visitors' order
    assert [c["grade"] for c in by_visitor] == [BAD[i][0] for i in sorted(BAD)]
    assert [c["source"] for c in by_visitor] == [SURFACES[i % 3] for i in sorted(BAD)]
    assert by_visitor[0]["staff_no"] == "C102" and by_visitor[0]["window"] == 2

    # Two cases closed after a call-back, one found 不实, one only verified.
    for case in by_visitor[:2]:
        hall.ok(move(hall, case["id"], "verify", {"finding": "调取录像，情况属实"}))
        hall.ok(move(hall, case["id"], "rectify", {"measures": "窗口人员培训，调整叫号"}))
        clock.advance(3600)
        callback = {"reached": True, "result": "已致歉，办事人认可", "satisfaction": 4}
        hall.ok(move(hall, case["id"], "callback", callback))
        hall.ok(move(hall, case["id"], "close", {}))
    hall.ok(move(hall, by_visitor[2]["id"], "dismiss", {"reason": "材料要求系法定要求"}))
    hall.ok(move(hall, by_visitor[3]["id"], "verify", {"finding": "属实"}))
    # A visitor reports from the phone page that a matter could not be done.
    not_done = {"ticket_id": ids[7], "comment": "异地户口无法办理", "callback_phone": "13900139000"}
    reported = hall.ok(hall.c.post("/api/halls/h1/cases", json=not_done), 201)

    # The provincial platform: every record, each once, after two failures.
    rounds = 0
    while delivery_pending(hall) and rounds < 12:
        deliver(hall.c, clock())
        clock.advance(300)
        rounds += 1
    keys = {r["key"] for r in platform.requests}
    assert len(platform.accepted) == len(keys) and len(platform.requests) == 3 * len(keys)
    records = [r["record"] for r in platform.accepted.values()]
    assert records.count("rating") == 50
    assert records.count("case") == 5 + 2 * 4 + 1 + 1 + 1  # opened, moves, not_done

    # The cases left running are overdue the day after their due date.
    at(clock, "2026-10-22T09:30")
    day.tick(clock.now)
    alerts = hall.ok(hall.c.get("/api/halls/h1/alerts", headers=hall.supervisor))["alerts"]
    overdue = [a for a in alerts if a["kind"] == "case_overdue"]
    left = {by_visitor[3]["id"], by_visitor[4]["id"], reported["id"]}
    assert {a["case_id"] for a in overdue} == left

    whole = report(hall, "hall")["total"]
    assert (whole["ratings"]["count"], whole["ratings"]["bad"], whole["ratings"]["coverage"]) == (
        50,
        5,
        1.0,
    )
    assert whole["cases"]["opened"] == 6 and whole["cases"]["founded"] == 5
    assert (whole["cases"]["rectified_share"], whole["cases"]["callback_share"]) == (0.4, 0.4)
    assert whole["one_visit"] == {
        "matters": 49,
        "one_visit": 48,
        "second_trips": 1,
        "one_visit_share": 0.9796,
        "unmatched": 0,
    }
    assert whole["followups"] == {"accepted": 1, "closed": 0, "open": 1, "overdue": 1}
    print(
        json.dumps(
            {
                "hall": whole,
                "by_window": report(hall, "window")["rows"],
                "by_staff": report(hall, "staff")["rows"],
            },
            ensure_ascii=False,
            indent=1,
        )
    )


def delivery_pending(hall: Hall) -> int:
    log = hall.ok(hall.c.get("/api/halls/h1/outbox", headers=hall.supervisor))
    return int(log["counts"]["pending"])
