"""What a hall's staff and visitors rely on (issue 11): alerts that stay until a
supervisor acknowledges them, an evaluator that rates only its own visitor, a
CSV a spreadsheet cannot be tricked by, and a holder's view that says when no
window serves the ticket and why later numbers may be called first."""

import csv
import io
from typing import Any

import pytest

from queue_server.day import HallDay
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, PASSPORT, Hall

QUICK = "HZ-HJ-ZM"  # 户籍证明开具: hukou, target 15 minutes
SLOW = "HZ-QR-TK"  # 户口迁移（投靠亲属）: hukou, target 30 minutes
ELDER_ID = "11010519491231002X"


# ---------------------------------------------------------------- alerts (item 3)


def alerts(hall: Hall) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = hall.ok(
        hall.c.get("/api/halls/h1/alerts", headers=hall.supervisor)
    )["alerts"]
    return listed


def test_an_alert_stays_until_a_supervisor_acknowledges_it(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    hall.open(1)
    hall.ticket(ID_CARD)
    clock.advance(21 * 60)
    assert day.raise_alerts("h1", clock.now) == 1
    [alert] = alerts(hall)
    assert alert["number"] == "A001" and alert["acked"] is None
    assert alert["id"].startswith("20261125-")
    raised = [d["alert"] for k, d in events(day) if k == "alert.raised"]
    assert raised[0]["id"] == alert["id"]  # the feed names the id a console acknowledges

    clock.advance(60)
    path = f"/api/halls/h1/alerts/{alert['id']}/ack"
    acked = hall.ok(hall.c.post(path, headers=hall.supervisor))
    assert acked["acked"] == {"by": "supervisor", "at": "2026-11-25T09:52:00+08:00"}
    assert alerts(hall)[0]["acked"] == acked["acked"]  # kept: the day's history
    [announced] = [d["alert"] for k, d in events(day) if k == "alert.acked"]
    assert announced["id"] == alert["id"]
    assert announced["acked"] == {"at": acked["acked"]["at"]}  # who: for supervisors only

    clock.advance(60)
    again = hall.ok(hall.c.post(path, headers=hall.supervisor))
    assert again["acked"] == acked["acked"]  # the first acknowledgement stands
    assert len([k for k, _ in events(day) if k == "alert.acked"]) == 1


def test_acknowledging_is_for_the_halls_supervisor_and_a_known_alert(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    hall.ticket(ID_CARD)
    clock.advance(21 * 60)
    day.raise_alerts("h1", clock.now)
    alert_id = alerts(hall)[0]["id"]
    path = f"/api/halls/h1/alerts/{alert_id}/ack"
    assert hall.c.post(path, headers=hall.windows[1]).status_code == 403
    assert hall.c.post(path, headers=hall.display).status_code == 403
    for unknown in ("20261125-000000000000", "nonsense", "99999999-x"):
        reply = hall.c.post(f"/api/halls/h1/alerts/{unknown}/ack", headers=hall.supervisor)
        assert reply.status_code == 404 and reply.json()["error"] == "unknown_alert"
    assert alerts(hall)[0]["acked"] is None


def events(day: HallDay) -> list[tuple[str, dict[str, Any]]]:
    with day.services.store.read() as tx:
        return [(e.type, e.data) for e in tx.events_since("h1", 0)]


# ---------------------------------------------------------------- the evaluator (item 4)


def rate(hall: Hall, ticket_id: str, headers: dict[str, str] | None = None) -> Any:
    return hall.c.post(f"/api/tickets/{ticket_id}/rating", json={"score": 5}, headers=headers)


def test_an_evaluator_rates_only_the_visitor_its_window_just_served(
    hall: Hall, clock: Clock
) -> None:
    first, second = hall.ticket(), hall.ticket()
    hall.open(1)
    served = hall.serve(1)
    assert served["id"] == first["id"]
    hall.ok(rate(hall, second["id"], hall.windows[1]), 409)  # not finished: nothing to rate
    clock.advance(30)
    hall.do(1, "call-next")  # the next visitor stands at the window now
    refused = rate(hall, first["id"], hall.windows[1])
    assert refused.status_code == 409 and refused.json()["error"] == "rating_not_at_window"
    # The holder still rates from the phone page (no token).
    hall.ok(rate(hall, first["id"]), 201)

    clock.advance(300)
    hall.do(1, "start")
    hall.do(1, "finish")
    assert rate(hall, second["id"], hall.windows[2]).status_code == 409  # another window's
    hall.ok(rate(hall, second["id"], hall.windows[1]), 201)


def test_an_evaluator_may_not_rate_after_a_no_show_took_the_window(
    hall: Hall, clock: Clock
) -> None:
    first = hall.ticket()
    hall.ticket()
    hall.open(1)
    hall.serve(1)
    clock.advance(30)
    hall.do(1, "call-next")
    hall.do(1, "no-show")  # the window is idle again, but it called someone since
    assert rate(hall, first["id"], hall.windows[1]).status_code == 409
    hall.ok(rate(hall, first["id"], hall.supervisor), 201)  # staff rating on the visitor's word


# ---------------------------------------------------------------- CSV (item 9)


def csv_rows(hall: Hall, query: str = "", **headers: str) -> list[dict[str, str]]:
    reply = hall.c.get(f"/api/halls/h1/tickets.csv{query}", headers=hall.supervisor | headers)
    assert reply.status_code == 200
    return list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))


def test_the_csv_speaks_chinese_and_neutralises_formulas(hall: Hall) -> None:
    hall.ticket(ID_CARD, id_number=ELDER_ID)
    hall.ticket(PASSPORT)
    hall.open(1)
    hall.do(1, "call-next")
    hall.do(1, "start")
    hall.do(1, "finish", {"outcome": '=HYPERLINK("http://evil.example","点此")'})
    rows = csv_rows(hall)
    assert list(rows[0])[:6] == ["号码", "事项编码", "事项名称", "业务类别", "绿色通道", "状态"]
    assert (rows[0]["号码"], rows[0]["状态"], rows[0]["绿色通道"]) == ("A001", "已办结", "是")
    assert (rows[1]["状态"], rows[1]["业务类别"]) == ("等候中", "出入境")
    assert rows[0]["办理结果"] == '\'=HYPERLINK("http://evil.example","点此")'
    english = csv_rows(hall, "?lang=en")
    assert (english[0]["number"], english[0]["status"], english[0]["green_channel"]) == (
        "A001",
        "done",
        "1",
    )
    assert csv_rows(hall, **{"Accept-Language": "en-US,en;q=0.9"})[1]["status"] == "waiting"
    assert "状态" in csv_rows(hall, "?lang=zh", **{"Accept-Language": "en"})[0]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("办结", "办结"),
        (12, 12),
    ],
)
def test_formula_leads_are_neutralised(cell: str | int, written: str | int) -> None:
    from queue_server.export import neutralise

    assert neutralise(cell) == written


# ---------------------------------------------------------------- the holder's view (6, 7)


def view(hall: Hall, ticket: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}"))
    return found


def test_the_holder_hears_when_no_window_serves_the_item(hall: Hall) -> None:
    ticket = hall.ticket(PASSPORT)
    assert ticket["windows_open"] == 0
    hall.open(1)
    assert view(hall, ticket)["windows_open"] == 1
    hall.open(4)
    assert view(hall, ticket)["windows_open"] == 2
    hall.do(1, "pause")
    assert view(hall, ticket)["windows_open"] == 1


def test_the_hall_view_says_whether_the_hall_is_open(hall: Hall, clock: Clock) -> None:
    assert hall.ok(hall.c.get("/api/halls/h1", headers=hall.kiosk))["open_now"] is True
    weekly = {d: [["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    hall.ok(
        hall.c.put(
            "/api/halls/h1/hours", json={"weekly": weekly, "closed_dates": []}, headers=hall.admin
        )
    )
    shown = hall.ok(hall.c.get("/api/halls/h1", headers=hall.kiosk))
    assert shown["open_now"] is False and shown["opens_at"] == "2026-11-25T13:30:00+08:00"


def test_a_later_ticket_called_first_is_explained_neutrally(hall: Hall, clock: Clock) -> None:
    slow = hall.ticket(SLOW)
    clock.advance(60)
    hall.ticket(QUICK)
    clock.advance(60)
    hall.ticket(SLOW, id_number=ELDER_ID)
    hall.open(1)
    mine = view(hall, slow)
    assert mine["position"] == 2
    assert mine["order_reasons"] == ["short_target", "green_channel"]
    assert mine["order_note"] == (
        "办理时限较短的事项、绿色通道号优先叫号，取号晚于您的号码可能先被叫到"
    )
    # Never who: no number, and never an age or any other class of the green channel.
    for word in ("A002", "A003", "老", "年龄", "军"):
        assert word not in mine["order_note"]


def test_in_order_tickets_have_no_note(hall: Hall, clock: Clock) -> None:
    first = hall.ticket(ID_CARD)
    clock.advance(60)
    second = hall.ticket(ID_CARD)
    hall.open(1)
    assert view(hall, first)["order_note"] is None and view(hall, first)["order_reasons"] == []
    assert view(hall, second)["order_note"] is None


def test_a_dedicated_window_is_named_as_a_reason(hall: Hall, clock: Clock) -> None:
    hall.put_window(6, {"label": "6号户籍证明专窗", "services": [QUICK]})
    hall.c.put("/api/halls/h1/policy", json={"target_boost_s_per_min": 0}, headers=hall.admin)
    slow = hall.ticket(SLOW)
    clock.advance(60)
    hall.ticket(QUICK)
    hall.open(1)
    assert view(hall, slow)["order_note"] is None
    hall.ok(hall.c.post("/api/halls/h1/windows/6/open", headers=hall.admin))
    assert view(hall, slow)["order_reasons"] == ["dedicated_window"]
    assert view(hall, slow)["order_note"] == "部分窗口专办特定事项，取号晚于您的号码可能先被叫到"
