"""Why this ticket (issue 18), through the API on SQLite and PostgreSQL: each
call's reason reaches the clerk, the board and the holder's page, a recall
keeps it, and the supervisor's report counts the day's calls by reason with
the wait the out-of-order ones cost the tickets they passed over."""

from typing import Any

from tests.conftest import Clock

from .conftest import ID_CARD, Hall
from .test_tickets_api import ELDER_ID


def reasons(hall: Hall, **query: str) -> Any:
    return hall.c.get(f"/api/halls/{hall.id}/calls/reasons", params=query, headers=hall.supervisor)


def test_each_call_says_why_and_the_report_counts_what_it_cost(hall: Hall, clock: Clock) -> None:
    hall.open(1)
    first = hall.ticket(ID_CARD)
    clock.advance(60)
    green = hall.ticket(ID_CARD, id_number=ELDER_ID)
    clock.advance(60)

    # The green channel goes first, and says so to the clerk and the board.
    called = hall.do(1, "call-next")["ticket"]
    assert (called["number"], called["call_reason"]) == (green["number"], "green")
    board = hall.ok(hall.c.get(f"/api/halls/{hall.id}/board", headers=hall.display))
    assert board["now_calling"][0]["call_reason"] == "green"
    # The holder passed over reads why, in plain words and without who.
    view = hall.ok(hall.c.get(f"/api/tickets/{first['id']}"))
    assert view["went_before"] == [
        {
            "number": green["number"],
            "reason": "green",
            "line": f"刚才叫的 {green['number']} 号为绿色通道，优先办理",
        }
    ]
    assert "76" not in str(view["went_before"]) and "elderly" not in str(view)

    clock.advance(30)
    assert hall.do(1, "recall")["ticket"]["call_reason"] == "green"  # kept
    hall.do(1, "start")
    clock.advance(270)
    hall.do(1, "finish")  # the window spent 300 s on the green ticket

    # Nobody arrived before the first ticket: 等候最久; the holder's page moves on.
    assert hall.do(1, "call-next")["ticket"]["call_reason"] == "longest_wait"
    clock.advance(10)
    hall.do(1, "no-show")  # 10 s at the window, passing nobody

    # The clerk calls a later number by hand: 指定叫号.
    earlier = hall.ticket(ID_CARD)
    clock.advance(5)
    later = hall.ticket(ID_CARD)
    by_hand = hall.do(1, "call", {"ticket": later["number"]})["ticket"]
    assert by_hand["call_reason"] == "by_number"
    assert hall.ok(hall.c.get(f"/api/tickets/{earlier['id']}"))["went_before"][0]["line"] == (
        f"刚才叫的 {later['number']} 号由窗口指定叫号"
    )

    report = hall.ok(reasons(hall))
    assert (report["calls"], report["out_of_order"], report["passed"]) == (3, 2, 2)
    rows = {r["reason"]: r for r in report["by_reason"]}
    assert [r["reason"] for r in report["by_reason"]] == [
        "longest_wait",
        "green",
        "appointment",
        "target",
        "transfer",
        "resumed",
        "by_number",
    ]
    assert (rows["green"]["calls"], rows["green"]["passed"]) == (1, 1)
    assert rows["green"]["imposed_wait_s"] == 300  # one passed over × 300 s at the window
    assert rows["longest_wait"] == {
        "reason": "longest_wait",
        "reason_zh": "等候最久",
        "calls": 1,
        "passed": 0,
        "imposed_wait_s": 0,
    }
    costly, in_hand = report["out_of_order_calls"]
    assert costly | {"at": None} == {
        "at": None,
        "number": green["number"],
        "window": 1,
        "reason": "green",
        "reason_zh": "绿色通道",
        "passed": 1,
        "longest_passed_wait_s": 120,  # the first ticket had waited 2 minutes at the call
        "window_s": 300,
        "imposed_wait_s": 300,
    }
    assert costly["at"].endswith("+08:00")
    # The number called by hand still holds the window: no window time yet.
    assert (in_hand["reason"], in_hand["window_s"], in_hand["imposed_wait_s"]) == (
        "by_number",
        None,
        None,
    )
    assert report["imposed_wait_s"] == 300
    # The number's record (号码记录) says why each call took it.
    path = f"/api/halls/{hall.id}/tickets/{green['number']}/transitions"
    steps = hall.ok(hall.c.get(path, headers=hall.supervisor))["steps"]
    calls = [
        (s["action"], s.get("reason"), s.get("passed")) for s in steps if "call" in s["action"]
    ]
    assert calls == [("call", "green", 1), ("recall", None, None)]


def test_the_report_is_for_supervisors_and_reads_a_date(hall: Hall) -> None:
    assert reasons(hall, date="2026-13-01").status_code == 422
    assert (
        hall.c.get(f"/api/halls/{hall.id}/calls/reasons", headers=hall.windows[1]).status_code
        == 403
    )
    empty = hall.ok(reasons(hall, date="2026-11-24"))
    assert (empty["date"], empty["calls"], empty["out_of_order_calls"]) == ("2026-11-24", 0, [])
    admin = hall.c.get(f"/api/halls/{hall.id}/calls/reasons", headers=hall.admin)
    assert admin.status_code == 200
