"""Staff accounts and sign-in (issue 14, first slice): accounts per hall with
argon2 passwords, sessions in an HttpOnly cookie, the lock after five wrong
passwords, and what a signed-in admin, supervisor and clerk may do."""

import json
import logging
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from tests.conftest import Clock
from tests.server.conftest import Hall

PASSWORD = "s3cret-Pass-Word"
EN = {"Accept-Language": "en"}


def add(hall: Hall, staff_no: str, role: str = "clerk", **extra: Any) -> httpx2.Response:
    body = {"staff_no": staff_no, "name": "王小明", "role": role, "password": PASSWORD} | extra
    return hall.c.post(f"/api/halls/{hall.id}/staff", json=body, headers=hall.admin)


def login(
    c: TestClient, staff_no: str, password: str = PASSWORD, hall: str = "h1", url: str = ""
) -> httpx2.Response:
    """Sign in; the client's cookie jar keeps the session, as a browser would."""
    body = {"hall": hall, "staff_no": staff_no, "password": password}
    return c.post(f"{url}/api/login", json=body)


def patch(hall: Hall, staff_no: str, **body: Any) -> Any:
    return hall.ok(
        hall.c.patch(f"/api/halls/{hall.id}/staff/{staff_no}", json=body, headers=hall.admin)
    )


def test_an_admin_adds_staff_and_the_supervisor_lists_them(hall: Hall) -> None:
    made = hall.ok(add(hall, "A001", "supervisor"), 201)
    assert made == {
        "hall": "h1",
        "staff_no": "A001",
        "name": "王小明",
        "role": "supervisor",
        "active": True,
        "locked_until": None,
        "created_at": "2026-11-25T09:30:00+08:00",
    }
    hall.ok(add(hall, "A002"), 201)
    listed = hall.ok(hall.c.get("/api/halls/h1/staff", headers=hall.supervisor))["staff"]
    assert [(s["staff_no"], s["role"]) for s in listed] == [
        ("A001", "supervisor"),
        ("A002", "clerk"),
    ]
    refused = hall.c.get("/api/halls/h1/staff", headers=hall.display)
    assert refused.status_code == 403


def test_a_staff_number_is_taken_once_per_hall(hall: Hall) -> None:
    hall.ok(add(hall, "A001"), 201)
    again = add(hall, "A001", name="李四")
    assert again.status_code == 409
    assert again.json()["error"] == "staff_exists"
    assert "工号 A001" in again.json()["message"] and "已有人使用" in again.json()["message"]


def test_a_short_password_is_refused_with_what_to_do(hall: Hall) -> None:
    short = add(hall, "A001", password="1234567")
    assert short.status_code == 422
    assert short.json()["error"] == "short_password"
    assert "至少需要 8 个字符" in short.json()["message"]
    assert hall.ok(hall.c.get("/api/halls/h1/staff", headers=hall.admin))["staff"] == []
    hall.ok(add(hall, "A001", password="12345678"), 201)
    reset = hall.c.patch("/api/halls/h1/staff/A001", json={"password": "short"}, headers=hall.admin)
    assert reset.status_code == 422 and reset.json()["error"] == "short_password"


def test_a_new_role_holds_on_the_next_request(hall: Hall) -> None:
    hall.ok(add(hall, "A001"), 201)
    hall.ok(login(hall.c, "A001"))
    assert hall.c.get("/api/halls/h1/stats").status_code == 403  # a clerk
    changed = patch(hall, "A001", role="supervisor", name="王大明")
    assert (changed["role"], changed["name"]) == ("supervisor", "王大明")
    assert hall.c.get("/api/halls/h1/stats").status_code == 200  # same session
    assert hall.ok(hall.c.get("/api/whoami"))["role"] == "supervisor"


def test_a_deactivated_member_is_signed_out_and_cannot_sign_in(hall: Hall) -> None:
    hall.ok(add(hall, "A001", "supervisor"), 201)
    hall.ok(login(hall.c, "A001"))
    assert hall.c.get("/api/whoami").status_code == 200
    assert patch(hall, "A001", active=False)["active"] is False
    gone = hall.c.get("/api/whoami")
    assert gone.status_code == 401 and gone.json()["error"] == "bad_session"
    again = login(hall.c, "A001")
    assert again.status_code == 403 and again.json()["error"] == "staff_inactive"
    assert "已停用" in again.json()["message"]
    assert "set-cookie" not in again.headers
    patch(hall, "A001", active=True)
    hall.ok(login(hall.c, "A001"))


def test_a_new_password_ends_the_old_sessions(hall: Hall) -> None:
    hall.ok(add(hall, "A001"), 201)
    hall.ok(login(hall.c, "A001"))
    patch(hall, "A001", password="another-password")
    assert hall.c.get("/api/whoami").status_code == 401
    assert login(hall.c, "A001").status_code == 401
    hall.ok(login(hall.c, "A001", "another-password"))


def test_a_wrong_hall_number_or_password_get_one_answer(client: TestClient) -> None:
    hall = Hall(client)
    Hall(client, "h2")
    hall.ok(add(hall, "A001"), 201)
    answers = [
        login(client, "A001", "wrong-password"),
        login(client, "A999"),
        login(client, "A001", hall="h2"),
        login(client, "A001", hall="nowhere"),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1
    assert answers[0].json() == {
        "error": "bad_login",
        "message": "大厅、工号或密码不正确，请核对后重试",
    }


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    hall: Hall, clock: Clock
) -> None:
    hall.ok(add(hall, "A001"), 201)
    for _ in range(4):
        assert login(hall.c, "A001", "wrong-password").status_code == 401
    locked = login(hall.c, "A001", "wrong-password")
    assert locked.status_code == 429
    assert locked.json()["error"] == "account_locked"
    assert "09:45 后再试" in locked.json()["message"]  # the hall's time (Asia/Shanghai)
    assert locked.headers["retry-after"] == "900"
    clock.advance(14 * 60)
    still = login(hall.c, "A001")  # the right password does not open a locked account
    assert still.status_code == 429 and still.headers["retry-after"] == "60"
    listed = hall.ok(hall.c.get("/api/halls/h1/staff", headers=hall.admin))["staff"]
    assert listed[0]["locked_until"] == "2026-11-25T09:45:00+08:00"
    clock.advance(60)
    hall.ok(login(hall.c, "A001"))
    for _ in range(4):  # the success started the count again
        assert login(hall.c, "A001", "wrong-password").status_code == 401
    hall.ok(login(hall.c, "A001"))


def test_many_wrong_sign_ins_from_one_address_are_refused_for_a_while(hall: Hall) -> None:
    """Beside each account's own lock: guessing across many 工号 from one address
    (20 wrong sign-ins a minute, as for tokens) is refused, even a right password."""
    hall.ok(add(hall, "A001"), 201)
    for n in range(20):
        assert login(hall.c, f"B{n:03d}", "guess-password").status_code == 401
    refused = login(hall.c, "A001")
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_failures"
    assert refused.json()["message"].startswith("登录失败次数过多，请")
    assert 0 < int(refused.headers["retry-after"]) <= 60


def test_an_admin_lifts_a_lock_with_a_new_password(hall: Hall) -> None:
    hall.ok(add(hall, "A001"), 201)
    for _ in range(5):
        login(hall.c, "A001", "wrong-password")
    assert login(hall.c, "A001").status_code == 429
    assert patch(hall, "A001", password="a-new-password")["locked_until"] is None
    hall.ok(login(hall.c, "A001", "a-new-password"))


def test_the_session_cookie_and_whoami(hall: Hall, clock: Clock) -> None:
    hall.ok(add(hall, "A001", "supervisor"), 201)
    signed_in = login(hall.c, "A001")
    assert hall.ok(signed_in)["staff_no"] == "A001"
    cookie = signed_in.headers["set-cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/", "max-age=43200"} <= flags
    assert "secure" not in flags  # over plain http a browser would drop a Secure cookie
    assert cookie.startswith("yc_session=") and "A001" not in cookie
    me = hall.ok(hall.c.get("/api/whoami"))
    assert (me["role"], me["hall"]) == ("supervisor", "h1")
    assert (me["staff"]["staff_no"], me["staff"]["name"]) == ("A001", "王小明")
    clock.advance(12 * 3600)
    assert hall.c.get("/api/whoami").status_code == 401  # the session's 12 hours are up
    over_https = login(hall.c, "A001", url="https://testserver")
    assert "secure" in over_https.headers["set-cookie"].lower().split("; ")


def test_logout_ends_the_session_and_clears_the_cookie(hall: Hall) -> None:
    hall.ok(add(hall, "A001"), 201)
    hall.ok(login(hall.c, "A001"))
    secret = hall.c.cookies["yc_session"]
    out = hall.c.post("/api/logout")
    assert out.status_code == 204
    assert 'yc_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert "yc_session" not in hall.c.cookies
    hall.c.cookies.set("yc_session", secret)  # a copy kept by someone else
    refused = hall.c.get("/api/whoami")
    assert refused.status_code == 401 and refused.json()["error"] == "bad_session"


def test_a_hall_admin_manages_its_own_hall_only(client: TestClient) -> None:
    h1, h2 = Hall(client), Hall(client, "h2")
    h1.ok(add(h1, "M01", "admin"), 201)
    h1.ok(login(client, "M01"))
    h1.ok(client.post("/api/halls/h1/staff", json=staff("A002")), 201)
    h1.ok(client.put("/api/halls/h1/policy", json={"max_recalls": 3}))
    elsewhere = client.post("/api/halls/h2/staff", json=staff("A003"))
    assert elsewhere.status_code == 403 and elsewhere.json()["error"] == "wrong_hall"
    assert "不能管理大厅 h2" in elsewhere.json()["message"]
    assert client.put("/api/halls/h2/policy", json={"max_recalls": 3}).status_code == 403
    assert client.get("/api/halls/h2/staff").status_code == 403
    server_wide = client.post("/api/tokens", json={"role": "admin"})
    assert server_wide.status_code == 403 and "全系统" in server_wide.json()["message"]
    assert client.post("/api/halls", json={"id": "h3", "name": "新大厅"}).status_code == 403
    assert h2.ok(client.get("/api/halls/h2/staff", headers=h2.admin))["staff"] == []


def staff(staff_no: str, role: str = "clerk") -> dict[str, str]:
    return {"staff_no": staff_no, "name": "李四", "role": role, "password": PASSWORD}


def test_a_supervisor_session_lists_staff_but_does_not_add_them(hall: Hall) -> None:
    hall.ok(add(hall, "S01", "supervisor"), 201)
    hall.ok(login(hall.c, "S01"))
    assert [s["staff_no"] for s in hall.ok(hall.c.get("/api/halls/h1/staff"))["staff"]] == ["S01"]
    refused = hall.c.post("/api/halls/h1/staff", json=staff("A002"))
    assert refused.status_code == 403 and refused.json()["error"] == "wrong_role"
    assert hall.c.patch("/api/halls/h1/staff/S01", json={"role": "admin"}).status_code == 403


def test_a_clerk_session_has_no_window_yet(hall: Hall) -> None:
    hall.ok(add(hall, "A001"), 201)
    hall.ok(login(hall.c, "A001"))
    assert hall.ok(hall.c.get("/api/whoami"))["role"] == "clerk"
    for path in ("/api/halls/h1/board", "/api/halls/h1/queues"):
        assert hall.c.get(path).status_code == 403, path
    # The hall's set-up it reads: /login lists the windows to go to from it.
    assert [w["number"] for w in hall.ok(hall.c.get("/api/halls/h1"))["windows"]] == [1, 2, 3, 4, 5]
    assert hall.c.post("/api/halls/h1/windows/1/open").status_code == 403


def test_a_token_wins_over_a_session(hall: Hall) -> None:
    hall.ok(add(hall, "M01", "admin"), 201)
    hall.ok(login(hall.c, "M01"))
    assert hall.ok(hall.c.get("/api/whoami", headers=hall.display))["role"] == "display"


def test_passwords_and_their_hashes_reach_no_answer_and_no_log(
    hall: Hall, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [
        add(hall, "A001", "admin"),
        add(hall, "A002", password="tiny-pw"),
        login(hall.c, "A001", "wrong-password"),
        login(hall.c, "A001"),
        hall.c.get("/api/whoami"),
        hall.c.get("/api/halls/h1/staff"),
        hall.c.patch("/api/halls/h1/staff/A001", json={"password": "next-pass-word"}),
        hall.c.get("/api/halls/h1/staff", headers=hall.admin),
        hall.c.get("/api/openapi.json"),
    ]
    assert [a.status_code for a in answers[:4]] == [201, 422, 401, 200]
    for secret in (PASSWORD, "tiny-pw", "wrong-password", "next-pass-word", "$argon2"):
        assert all(secret not in a.text for a in answers), secret
        assert secret not in caplog.text, secret
    assert "王小明" not in caplog.text  # a name is personal data


def test_a_signed_in_supervisor_follows_the_feed_with_the_session_alone(hall: Hall) -> None:
    """The staff pages' websocket: no token, the browser's cookie is the credential."""
    hall.ok(add(hall, "A001", "supervisor"), 201)
    hall.ok(login(hall.c, "A001"))
    with hall.c.websocket_connect("/ws/halls/h1/board", subprotocols=["yichuang"]) as ws:
        snapshot = json.loads(ws.receive_text())
        assert snapshot["type"] == "snapshot" and "error" not in snapshot
    hall.ok(add(hall, "C001"), 201)  # a clerk's session: no window, no feed
    hall.ok(login(hall.c, "C001"))
    with hall.c.websocket_connect("/ws/halls/h1/board", subprotocols=["yichuang"]) as ws:
        assert json.loads(ws.receive_text())["error"] == "wrong_role"
    hall.c.post("/api/logout")
    with hall.c.websocket_connect("/ws/halls/h1/board", subprotocols=["yichuang"]) as ws:
        assert json.loads(ws.receive_text())["error"] == "bad_token"


def test_the_halls_last_admin_is_neither_demoted_nor_deactivated(hall: Hall) -> None:
    hall.ok(add(hall, "A001", "admin"), 201)
    for change in ({"role": "clerk"}, {"active": False}):
        refused = hall.c.patch("/api/halls/h1/staff/A001", json=change, headers=hall.admin)
        assert refused.status_code == 409 and refused.json()["error"] == "last_admin"
        assert "唯一在用的管理员" in refused.json()["message"]
    hall.ok(add(hall, "A002", "admin"), 201)
    assert patch(hall, "A001", role="clerk")["role"] == "clerk"  # another admin remains
    refused = hall.c.patch("/api/halls/h1/staff/A002", json={"active": False}, headers=hall.admin)
    assert refused.status_code == 409


def test_a_refusal_names_a_signed_in_member_by_staff_number_not_as_a_token(hall: Hall) -> None:
    hall.ok(add(hall, "C001"), 201)
    hall.ok(login(hall.c, "C001"))
    refused = hall.c.patch("/api/halls/h1", json={"name": "x"})
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("工号 C001（clerk）无权进行此操作")
    assert "令牌" not in refused.json()["message"]
