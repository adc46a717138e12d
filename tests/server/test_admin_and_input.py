"""Set-up endpoints, the board, and bad input: a clear 4xx, never a 500."""

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.server.conftest import ADMIN, ID_CARD, Hall, bearer

ADMIN_H = bearer(ADMIN)


def test_health_and_catalogue_are_public(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    catalogue = client.get("/api/services").json()
    services = catalogue["services"]
    assert len(services) >= 40
    assert {c["name"] for c in catalogue["categories"]} >= {"户政", "出入境", "治安"}
    card = next(s for s in services if s["code"] == ID_CARD)
    assert card["name"] == "居民身份证换领" and card["prefix"] == "A"
    assert card["materials"] and card["minutes"] > 0 and card["target_wait_minutes"] > 0
    assert {"walk_in", "category"} <= card.keys()


def test_create_hall_refusals(client: TestClient) -> None:
    good = {"id": "main", "name": "市局政务服务中心", "timezone": "Asia/Urumqi"}
    created = client.post("/api/halls", json=good, headers=ADMIN_H)
    assert created.status_code == 201 and created.json()["timezone"] == "Asia/Urumqi"
    assert client.post("/api/halls", json=good, headers=ADMIN_H).status_code == 409
    cases = [
        {"id": "Bad Id!", "name": "x"},
        {"id": "ok", "name": ""},
        {"id": "ok", "name": "x", "timezone": "Mars/Base"},
        {"id": "ok", "name": "x", "services": ["NOPE"]},
        {"id": "ok", "name": "x", "colour": "red"},
    ]
    for body in cases:
        reply = client.post("/api/halls", json=body, headers=ADMIN_H)
        assert reply.status_code == 422, body
        assert reply.json()["message"], body
    assert client.post("/api/halls", json=good).status_code == 401


def test_window_configuration(hall: Hall, client: TestClient) -> None:
    cfg = hall.put_window(6, {"label": "6号", "services": [ID_CARD], "categories": ["driver"]})
    assert cfg["services"] == [ID_CARD] and cfg["categories"] == ["driver"]
    for body in (
        {"label": "x", "categories": ["nope"]},
        {"label": "x", "services": []},
        {"label": ""},
        {"label": "x", "lane": "vip"},
    ):
        reply = client.put("/api/halls/h1/windows/6", json=body, headers=ADMIN_H)
        assert reply.status_code == 422, body
    assert (
        client.put("/api/halls/h1/windows/0", json={"label": "x"}, headers=ADMIN_H).status_code
        == 422
    )
    assert (
        client.put("/api/halls/zz/windows/1", json={"label": "x"}, headers=ADMIN_H).status_code
        == 404
    )
    assert (
        client.put(
            "/api/halls/h1/windows/6", json={"label": "x"}, headers=hall.supervisor
        ).status_code
        == 403
    )
    view = hall.ok(client.get("/api/halls/h1", headers=hall.kiosk))
    assert [w["number"] for w in view["windows"]] == [1, 2, 3, 4, 5, 6]


def test_token_rules(hall: Hall, client: TestClient) -> None:
    cases = [
        ({"role": "window", "hall": "h1"}, 422),
        ({"role": "kiosk"}, 422),
        ({"role": "kiosk", "hall": "h1", "window": 1}, 422),
        ({"role": "wizard", "hall": "h1"}, 422),
        ({"role": "kiosk", "hall": "nowhere"}, 404),
        ({"role": "window", "hall": "h1", "window": 99}, 404),
    ]
    for body, status in cases:
        assert client.post("/api/tokens", json=body, headers=ADMIN_H).status_code == status, body
    by_supervisor = client.post(
        "/api/tokens", json={"role": "kiosk", "hall": "h1"}, headers=hall.supervisor
    )
    assert by_supervisor.status_code == 403


def test_board_has_the_calls_windows_and_counts_and_grows_its_seq(hall: Hall) -> None:
    before = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    hall.ticket()
    hall.ticket("CRJ-HZ-SC")
    hall.open(2)
    hall.do(2, "call-next")
    board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    assert board["seq"] == before["seq"] + 4  # 2 issued, window opened, 1 called
    assert board["now_calling"][0] == {
        "number": "A001",
        "window": 2,
        "green_channel": False,
        "service_name": "居民身份证换领",
        "called_at": board["now_calling"][0]["called_at"],
        "call_reason": "longest_wait",  # the board's neutral line: 依次叫号
    }
    counts = {c["category"]: c["count"] for c in board["waiting"]["by_category"]}
    assert counts["exit_entry"] == 1 and counts["hukou"] == 0
    assert board["windows"][1]["state"] == "calling"
    other = hall.c.get("/api/halls/h1/board", headers=bearer("yc_nope"))
    assert other.status_code == 401


def test_stats_need_a_supervisor_and_a_real_date(hall: Hall) -> None:
    assert hall.c.get("/api/halls/h1/stats", headers=hall.display).status_code == 403
    bad = hall.c.get("/api/halls/h1/stats?date=25-11-2026", headers=hall.supervisor)
    assert bad.status_code == 422 and "2026-11-25" in bad.json()["message"]
    empty = hall.ok(hall.c.get("/api/halls/h1/stats?date=2020-01-01", headers=hall.supervisor))
    assert empty["issued"] == 0 and empty["wait_s"]["mean"] is None


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b"null",
        b"\xff\xfe",
        b'{"service": 5}',
        b'{"service": ["A"]}',
        b'{"service": "HZ-SFZ-HL", "priority": "king"}',
        b'{"service": "HZ-SFZ-HL", "id_number": 11010519491231002}',
        b'{"service": "' + b"x" * 500 + b'"}',
    ],
)
def test_malformed_ticket_bodies_get_4xx_with_a_message(hall: Hall, body: bytes) -> None:
    reply = hall.c.post(
        "/api/halls/h1/tickets",
        content=body,
        headers=hall.kiosk | {"content-type": "application/json"},
    )
    assert reply.status_code in (400, 404, 422), reply.text
    assert reply.json()["message"]
    assert hall.stats()["issued"] == 0


def test_oversized_body_is_413(hall: Hall) -> None:
    body = b'{"service": "HZ-SFZ-HL", "pad": "' + b"x" * 100_000 + b'"}'
    reply = hall.c.post("/api/halls/h1/tickets", content=body, headers=hall.kiosk)
    assert reply.status_code == 413


def test_unknown_paths_and_methods_are_json(client: TestClient) -> None:
    assert client.get("/api/nothing").json()["error"] == "http_error"
    assert client.delete("/api/services").status_code == 405


def test_policy_is_admin_only_and_validated(hall: Hall) -> None:
    assert (
        hall.c.put(
            "/api/halls/h1/policy", json={"green_boost_s": -1}, headers=hall.admin
        ).status_code
        == 422
    )
    assert (
        hall.c.put(
            "/api/halls/h1/policy", json={"max_recalls": 1}, headers=hall.supervisor
        ).status_code
        == 403
    )
    policy = hall.ok(
        hall.c.put("/api/halls/h1/policy", json={"max_recalls": 1}, headers=hall.admin)
    )
    assert policy["max_recalls"] == 1 and policy["green_boost_s"] == 1200
    assert policy["target_boost_s_per_min"] == 120 and "targets" not in policy
    off = {"target_boost_s_per_min": 0}
    assert hall.ok(hall.c.put("/api/halls/h1/policy", json=off, headers=hall.admin)) == {
        **policy,
        **off,
    }
    hall.ticket()
    hall.open(1)
    hall.do(1, "call-next")
    hall.do(1, "recall")
    assert hall.act(1, "recall").status_code == 409


def test_whoami_names_the_token(hall: Hall) -> None:
    me = hall.ok(hall.c.get("/api/whoami", headers=hall.windows[2]))
    assert me["role"] == "window" and me["hall"] == "h1" and me["window"] == 2
    assert me["token_id"] and "token" not in me


def test_printer_faults_reach_the_feed_and_the_board_once(hall: Hall) -> None:
    token = hall.display["Authorization"][7:]
    url = "/api/halls/h1/devices/status"
    with hall.c.websocket_connect(f"/ws/halls/h1/board?token={token}") as ws:
        ws.receive_json()
        out = hall.ok(hall.c.post(url, json={"state": "paper_out"}, headers=hall.kiosk))
        assert out["state_zh"] == "缺纸"
        hall.ok(hall.c.post(url, json={"state": "paper_out"}, headers=hall.kiosk))  # no change
        hall.ok(hall.c.post(url, json={"state": "ok"}, headers=hall.kiosk))
        events = [ws.receive_json() for _ in range(2)]
    assert [e["data"]["device"]["state"] for e in events] == ["paper_out", "ok"]
    assert events[1]["seq"] == events[0]["seq"] + 1
    board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.supervisor))
    assert [d["state"] for d in board["devices"]] == ["ok"]
    assert hall.c.post(url, json={"state": "on fire"}, headers=hall.kiosk).status_code == 422
    assert hall.c.post(url, json={"state": "ok"}, headers=hall.display).status_code == 403


def test_queues_show_who_waits_longest_without_personal_data(hall: Hall, clock: Any) -> None:
    hall.ticket(ID_CARD, id_number="11010519491231002X")
    clock.advance(300)
    hall.ticket("CRJ-HZ-SC")
    queues = hall.ok(hall.c.get("/api/halls/h1/queues", headers=hall.supervisor))
    assert [s["service"] for s in queues["services"]] == [ID_CARD, "CRJ-HZ-SC"]
    assert queues["services"][0]["oldest_wait_s"] == 300
    assert [t["number"] for t in queues["tickets"]] == ["A001", "B001"]
    assert "1101" not in str(queues) and "id" not in queues["tickets"][0]
    assert hall.c.get("/api/halls/h1/queues", headers=hall.display).status_code == 403


def test_supervisor_cancels_by_number_and_exports_the_day(hall: Hall) -> None:
    hall.ticket(ID_CARD, id_number="11010519491231002X")
    hall.ticket(ID_CARD)
    done = hall.ok(hall.c.post("/api/halls/h1/tickets/A002/cancel", headers=hall.supervisor))
    assert done == {"number": "A002", "status": "cancelled"}
    assert (
        hall.c.post("/api/halls/h1/tickets/A002/cancel", headers=hall.supervisor).status_code == 409
    )
    assert (
        hall.c.post("/api/halls/h1/tickets/A001/cancel", headers=hall.windows[1]).status_code == 403
    )
    reply = hall.c.get("/api/halls/h1/tickets.csv", headers=hall.supervisor)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    lines = reply.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("号码,事项编码,事项名称")
    assert lines[1].startswith("A001,HZ-SFZ-HL,居民身份证换领") and len(lines) == 3
    assert "1101" not in reply.text and "11010519491231002X" not in reply.text
    by_hour = hall.stats()["by_hour"]
    assert by_hour == [{"hour": 9, "arrivals": 2, "wait_s": by_hour[0]["wait_s"]}]
