"""The 好差评 rating (issue 15): five grades, reasons for a bad one, a sealed
call-back phone, a short time to change it; a bad grade opens a case with a
deadline in working days, a change to a good one withdraws it; the provincial
platform's records wait in the outbox."""

from typing import Any

from starlette.testclient import TestClient

from queue_server.services import HallServices
from queue_server.settings import Settings
from tests.conftest import Clock
from tests.server.conftest import Hall


def services(client: TestClient) -> HallServices:
    found: HallServices = client.app_state["services"]
    return found


def served(hall: Hall, n: int = 1) -> dict[str, Any]:
    ticket = hall.ticket()
    hall.open(n)
    hall.serve(n)
    return ticket


def rate(hall: Hall, ticket_id: str, body: dict[str, Any], **headers: str) -> Any:
    return hall.c.post(f"/api/tickets/{ticket_id}/rating", json=body, headers=headers)


def cases_of(client: TestClient, ticket_id: str) -> list[Any]:
    with services(client).store.read() as tx:
        return tx.ticket_cases(ticket_id)


def test_a_bad_grade_names_its_reasons_and_a_good_one_none(hall: Hall) -> None:
    ticket = served(hall)
    form = hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}/rating"))
    assert [g["name"] for g in form["grades"]] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    assert "服务态度" in form["reasons"] and form["rating"] is None
    bare = rate(hall, ticket["id"], {"score": 2})
    assert bare.status_code == 422 and bare.json()["error"] == "reasons_required"
    assert "服务态度" in bare.json()["message"]
    odd = rate(hall, ticket["id"], {"score": 1, "reasons": ["太冷"]})
    assert odd.status_code == 422 and odd.json()["error"] == "unknown_reason"
    praise = rate(hall, ticket["id"], {"score": 5, "reasons": ["服务态度"]})
    assert praise.status_code == 422 and praise.json()["error"] == "reasons_not_wanted"
    phone = rate(hall, ticket["id"], {"score": 1, "reasons": ["办事效率"], "callback_phone": "12"})
    assert phone.status_code == 422 and phone.json()["error"] == "phone_format"
    assert cases_of(hall.c, ticket["id"]) == []  # nothing half-applied


def test_a_bad_grade_opens_a_case_that_a_change_withdraws(hall: Hall, clock: Clock) -> None:
    ticket = served(hall)
    body = {
        "score": 1,
        "reasons": ["办事效率", "服务态度"],
        "comment": "等太久",
        "callback_phone": "138 0013 8000",
    }
    hall.ok(rate(hall, ticket["id"], body), 201)
    [case] = cases_of(hall.c, ticket["id"])
    assert (case.kind, case.status, case.grade, case.window) == ("bad_rating", "open", 1, 1)
    assert case.reasons == ["办事效率", "服务态度"] and case.phone_masked == "138****8000"
    assert "13800138000" not in (case.phone_enc or "")  # sealed, not kept in clear
    assert services(hall.c).sealer.open(case.phone_enc or "") == "13800138000"
    # Wednesday 2026-11-25 + 15 working days (no holiday in between): 2026-12-16.
    assert case.due_date.isoformat() == "2026-12-16"
    given = hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}/rating"))["rating"]
    assert given["callback_phone"] == "138****8000" and given["changeable_until"]
    clock.advance(120)
    changed = hall.ok(rate(hall, ticket["id"], {"score": 4}), 201)
    assert changed["changed"] is True
    [case] = cases_of(hall.c, ticket["id"])
    assert case.status == "withdrawn" and [s["action"] for s in case.steps] == ["open", "withdraw"]
    clock.advance(10 * 60)
    late = rate(hall, ticket["id"], {"score": 1, "reasons": ["其他"]})
    assert late.status_code == 409 and late.json()["error"] == "already_rated"


def test_the_hall_may_name_its_own_reasons(hall: Hall) -> None:
    with services(hall.c).store.write() as tx:
        from queue_server.models import HallRow

        row = tx.s.get(HallRow, "h1")
        assert row is not None
        row.feedback = {"reasons": ["排队太久", "其他"]}
    ticket = served(hall)
    assert hall.ok(hall.c.get(f"/api/tickets/{ticket['id']}/rating"))["reasons"] == [
        "排队太久",
        "其他",
    ]
    refused = rate(hall, ticket["id"], {"score": 2, "reasons": ["服务态度"]})
    assert refused.status_code == 422 and "排队太久" in refused.json()["message"]
    hall.ok(rate(hall, ticket["id"], {"score": 2, "reasons": ["排队太久"]}), 201)


def test_ratings_and_cases_wait_in_the_outbox_for_the_province(
    settings: Settings, clock: Clock
) -> None:
    from queue_server.app import create_app

    with TestClient(
        create_app(settings.with_(province_url="http://127.0.0.1:9/p"), clock=clock)
    ) as c:
        hall = Hall(c)
        ticket = served(hall)
        hall.ok(rate(hall, ticket["id"], {"score": 2, "reasons": ["办事流程"]}), 201)
        with services(c).store.read() as tx:
            rows = sorted(tx.outbox_rows("h1", 10), key=lambda r: r.id or 0)
        records = [r.payload for r in rows]
        assert [(r.channel, r.kind) for r in rows] == [("province", "case"), ("province", "rating")]
        rating = records[1]
        assert rating["service_no"] == ticket["id"] and rating["grade_name"] == "不满意"
        assert rating["reasons"] == ["办事流程"] and rating["window"] == 1
        assert rating["rated_at"].endswith("+08:00")
        assert records[0]["action"] == "open" and records[0]["status_name"] == "待核实"


def source_of_rating(client: TestClient, ticket_id: str) -> str | None:
    with services(client).store.read() as tx:
        row = tx.rating(ticket_id)
        return None if row is None else row.source


def test_a_display_or_another_halls_device_does_not_rate_for_the_visitor(hall: Hall) -> None:
    other = Hall(hall.c, "h2")
    ticket = served(hall)
    for headers, code in [
        (hall.display, "wrong_role"),
        (other.kiosk, "wrong_hall"),
        (other.supervisor, "wrong_hall"),
    ]:
        refused = rate(hall, ticket["id"], {"score": 5}, **headers)
        assert refused.status_code == 403 and refused.json()["error"] == code
    assert source_of_rating(hall.c, ticket["id"]) is None
    elsewhere = rate(hall, ticket["id"], {"score": 5}, **other.kiosk).json()["message"]
    assert elsewhere == f"{ticket['number']} 号不是本大厅的号票，请用手机扫描号票上的二维码评价"
    hall.ok(rate(hall, ticket["id"], {"score": 5}, **hall.kiosk), 201)
    assert source_of_rating(hall.c, ticket["id"]) == "kiosk"


def test_a_clerk_signed_in_at_the_window_rates_as_its_evaluator(hall: Hall, clock: Clock) -> None:
    from tests.server.test_window_sign_in import member, sign_in

    clerk = member(hall, "A001")
    hall.ok(sign_in(hall, 1, clerk))
    first = hall.ticket()
    hall.ticket()
    for action in ("open", "call-next", "start", "finish"):
        hall.ok(hall.act(1, action, headers=clerk))
    hall.ok(rate(hall, first["id"], {"score": 5}, **clerk), 201)
    assert source_of_rating(hall.c, first["id"]) == "evaluator"  # not the visitor's phone
    clock.advance(30)
    hall.ok(hall.act(1, "call-next", headers=clerk))  # the next visitor stands there
    late = rate(hall, first["id"], {"score": 4}, **clerk)
    assert late.status_code == 409 and late.json()["error"] == "rating_not_at_window"


def test_a_change_to_a_good_grade_leaves_a_rectified_case_standing(
    hall: Hall, clock: Clock
) -> None:
    ticket = served(hall)
    hall.ok(rate(hall, ticket["id"], {"score": 1, "reasons": ["服务态度"]}), 201)
    [case] = cases_of(hall.c, ticket["id"])
    path = f"/api/halls/h1/cases/{case.id}"
    hall.ok(hall.c.post(f"{path}/verify", json={"finding": "属实"}, headers=hall.supervisor))
    hall.ok(hall.c.post(f"{path}/rectify", json={"measures": "当面致歉"}, headers=hall.supervisor))
    clock.advance(300)  # within the change time, the apology made
    hall.ok(rate(hall, ticket["id"], {"score": 5}), 201)
    after = hall.ok(hall.c.get(path, headers=hall.supervisor))
    assert after["status"] == "rectified" and after["next"] == ["callback"]
    assert [s["action"] for s in after["steps"]][-1] == "regrade"
    assert after["steps"][-1]["grade"] == 5


def test_a_ticket_not_served_says_so_rather_than_to_wait(hall: Hall) -> None:
    waiting, cancelled = hall.ticket(), hall.ticket()
    hall.ok(hall.c.post(f"/api/tickets/{cancelled['id']}/cancel"))
    early = rate(hall, waiting["id"], {"score": 5})
    assert early.status_code == 409
    assert early.json()["message"] == f"{waiting['number']} 号当前为「等候中」，业务办结后才能评价"
    never = rate(hall, cancelled["id"], {"score": 5})
    assert never.status_code == 409 and never.json()["error"] == "not_finished"
    assert (
        never.json()["message"]
        == f"{cancelled['number']} 号当前为「已取消」，没有办结的业务可以评价"
    )


def test_a_rating_flipped_over_and_over_is_stopped(hall: Hall) -> None:
    ticket = served(hall)
    for n in range(5):  # a visitor's few changes
        hall.ok(rate(hall, ticket["id"], {"score": 1 + n % 2, "reasons": ["其他"]}), 201)
    flipped = rate(hall, ticket["id"], {"score": 2, "reasons": ["其他"]})
    assert flipped.status_code == 429 and flipped.json()["error"] == "rate_limited"
    assert flipped.json()["message"] == "评价提交过于频繁，请稍后再试"
    [case] = cases_of(hall.c, ticket["id"])
    assert len(case.steps) == 5  # the record does not grow with every flip
    other = served(hall, 2)
    hall.ok(rate(hall, other["id"], {"score": 5}), 201)  # another ticket is not held up


def test_a_grade_is_a_number_and_a_reason_one_line(hall: Hall) -> None:
    ticket = served(hall)
    for loose in ("1", True, 1.5):
        refused = rate(hall, ticket["id"], {"score": loose, "reasons": ["其他"]})
        assert refused.status_code == 422, loose
    two_lines = rate(hall, ticket["id"], {"score": 1, "reasons": ["服务\n态度"]})
    assert two_lines.status_code == 422 and "原因" in two_lines.json()["message"]
    put = hall.c.put("/api/halls/h1/feedback", json={"reasons": ["a\nb"]}, headers=hall.admin)
    assert put.status_code == 422


def test_the_same_rating_sent_twice_is_recorded_once(settings: Settings, clock: Clock) -> None:
    from queue_server.app import create_app

    app = create_app(settings.with_(province_url="http://127.0.0.1:9/p"), clock=clock)
    with TestClient(app) as c:
        hall = Hall(c)
        ticket = served(hall)
        body = {"score": 2, "reasons": ["办事流程"], "callback_phone": "13800138000"}
        hall.ok(rate(hall, ticket["id"], body), 201)
        again = hall.ok(rate(hall, ticket["id"], body), 201)  # a double tap, a retry
        assert again["changed"] is False
        [case] = cases_of(c, ticket["id"])
        assert [s["action"] for s in case.steps] == ["open"]
        with services(c).store.read() as tx:
            assert len(tx.outbox_rows("h1", 10)) == 2  # the rating and the case, once each
