"""A clerk signs in at a window (issue 14): the session then acts as that
window with the cookie alone, one member per window, and every move it makes
is recorded with the member's staff number."""

import httpx2

from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import Hall
from tests.server.test_staff import PASSWORD, add


def member(hall: Hall, staff_no: str, role: str = "clerk") -> dict[str, str]:
    """A new member of `hall`, logged in: the Cookie header of their session.
    The client's cookie jar is emptied, so each request names its session."""
    c = hall.c
    hall.ok(add(hall, staff_no, role), 201)
    body = {"hall": hall.id, "staff_no": staff_no, "password": PASSWORD}
    hall.ok(c.post("/api/login", json=body))
    secret = c.cookies["yc_session"]
    c.cookies.clear()
    return {"Cookie": f"yc_session={secret}"}


def sign_in(hall: Hall, n: int, session: dict[str, str]) -> httpx2.Response:
    return hall.c.post(f"/api/halls/{hall.id}/windows/{n}/sign-in", headers=session)


def sign_out(hall: Hall, n: int, headers: dict[str, str]) -> httpx2.Response:
    return hall.c.post(f"/api/halls/{hall.id}/windows/{n}/sign-out", headers=headers)


def test_a_clerk_signs_in_and_calls_with_the_cookie_alone(hall: Hall) -> None:
    clerk = member(hall, "A001")
    assert hall.act(1, "open", headers=clerk).status_code == 403  # not signed in yet
    signed = hall.ok(sign_in(hall, 1, clerk))
    assert signed == {"window": 1, "staff": {"staff_no": "A001", "name": "王小明"}}
    assert hall.ok(hall.c.get("/api/whoami", headers=clerk))["window"] == 1
    ticket = hall.ticket()
    hall.ok(hall.act(1, "open", headers=clerk))
    called = hall.ok(hall.act(1, "call-next", headers=clerk))
    assert called["ticket"]["id"] == ticket["id"]
    refused = hall.act(2, "open", headers=clerk)
    assert refused.status_code == 403 and refused.json()["error"] == "wrong_window"


def test_a_second_member_is_refused_naming_the_first(hall: Hall) -> None:
    first, second = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 3, first))
    taken = sign_in(hall, 3, second)
    assert taken.status_code == 409 and taken.json()["error"] == "window_taken"
    assert taken.json()["message"] == "3 号窗口已由工号 A001 签到，请先签退"
    english = hall.c.post(
        "/api/halls/h1/windows/3/sign-in", headers=second | {"Accept-Language": "en"}
    )
    assert "staff A001" in english.json()["message"]
    hall.ok(sign_in(hall, 3, first))  # signing in again where one is: no refusal


def test_signing_in_at_another_window_moves_the_session(hall: Hall) -> None:
    first, second = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 1, first))
    hall.ok(sign_in(hall, 2, first))
    assert hall.act(1, "open", headers=first).status_code == 403
    hall.ok(hall.act(2, "open", headers=first))
    hall.ok(sign_in(hall, 1, second))  # window 1 is free again


def test_after_sign_out_the_session_acts_on_no_window(hall: Hall) -> None:
    clerk, other = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 1, clerk))
    hall.ok(hall.act(1, "open", headers=clerk))
    hall.ticket()
    assert sign_out(hall, 1, other).status_code == 403  # a clerk of no window
    assert sign_out(hall, 1, clerk).status_code == 204
    refused = hall.act(1, "call-next", headers=clerk)
    assert refused.status_code == 403 and refused.json()["error"] == "wrong_role"
    assert hall.ok(hall.c.get("/api/whoami", headers=clerk))["window"] is None
    hall.ok(sign_in(hall, 1, other))


def test_a_supervisor_signs_a_member_out(hall: Hall) -> None:
    clerk, other = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 1, clerk))
    assert sign_out(hall, 1, hall.supervisor).status_code == 204
    assert hall.act(1, "open", headers=clerk).status_code == 403
    hall.ok(sign_in(hall, 1, other))


def test_closing_the_window_signs_its_member_out(hall: Hall) -> None:
    clerk, other = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 2, clerk))
    hall.ok(hall.act(2, "open", headers=clerk))
    hall.ok(hall.act(2, "close", headers=clerk))
    assert hall.act(2, "open", headers=clerk).status_code == 403
    assert hall.ok(hall.c.get("/api/whoami", headers=clerk))["role"] == "clerk"
    hall.ok(sign_in(hall, 2, other))


def test_a_supervisor_session_is_recorded_at_its_window(hall: Hall) -> None:
    boss = member(hall, "S01", "supervisor")
    signed = hall.ok(sign_in(hall, 4, boss))
    assert signed["window"] == 4
    seen = hall.ok(hall.c.get("/api/whoami", headers=boss))
    assert (seen["role"], seen["window"]) == ("supervisor", 4)
    hall.ok(hall.c.get("/api/halls/h1/stats", headers=boss))  # still a supervisor


def test_unknown_windows_other_halls_and_no_session_are_refused(hall: Hall) -> None:
    h2 = Hall(hall.c, "h2")
    clerk = member(hall, "A001")
    stranger = member(h2, "B001")
    assert sign_in(hall, 42, clerk).status_code == 404
    elsewhere = sign_in(hall, 1, stranger)
    assert elsewhere.status_code == 403 and elsewhere.json()["error"] == "wrong_hall"
    nobody = sign_in(hall, 1, {})
    assert nobody.status_code == 401 and nobody.json()["error"] == "no_session"
    hall.ok(sign_in(h2, 1, stranger))
    assert hall.act(1, "open", headers=stranger).status_code == 403


def test_each_move_of_a_signed_in_clerk_records_the_staff_number(
    hall: Hall, settings: Settings
) -> None:
    clerk = member(hall, "A001")
    hall.ok(sign_in(hall, 1, clerk))
    hall.ok(hall.act(1, "open", headers=clerk))
    ticket = hall.ticket()
    for action in ("call-next", "start", "finish"):
        hall.ok(hall.act(1, action, headers=clerk))
    store = Store(settings.database_url)
    with store.read() as tx:
        log = tx.transitions(ticket["id"])
    store.dispose()
    assert [(r.action, r.actor) for r in log[1:]] == [
        (action, "window:staff A001@h1#1") for action in ("call", "start", "finish")
    ]


def test_signing_out_closes_an_idle_window_and_waits_for_a_ticket_in_hand(hall: Hall) -> None:
    clerk = member(hall, "A001")
    hall.ok(sign_in(hall, 1, clerk))
    hall.ok(hall.act(1, "open", headers=clerk))
    hall.ticket()
    hall.ok(hall.act(1, "call-next", headers=clerk))
    busy = sign_out(hall, 1, clerk)
    assert busy.status_code == 409 and busy.json()["error"] == "window_busy"
    assert "请先办结、转办或挂起" in busy.json()["message"]
    hall.ok(hall.act(1, "start", headers=clerk))
    hall.ok(hall.act(1, "finish", headers=clerk))
    assert sign_out(hall, 1, clerk).status_code == 204
    window = hall.ok(hall.c.get("/api/halls/h1/windows/1", headers=hall.supervisor))
    assert window["window"]["state"] == "closed"  # nobody there: not counted as open
    records = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"]
    [out] = [r for r in records if r["action"] == "window.sign_out"]
    assert out["before"] == {"staff_no": "A001"} and out["after"] == {"window": "closed"}


def test_a_logout_or_an_expiry_at_a_window_is_a_sign_out_on_the_audit(
    hall: Hall, clock: Clock
) -> None:
    """So a member's time at the window ends where they left (the idle share)."""
    first, second = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 1, first))
    hall.ok(sign_in(hall, 2, second))
    clock.advance(600)
    hall.ok(hall.c.post("/api/logout", headers=first), 204)
    clock.advance(13 * 3600)  # past the second session's 12 hours
    services: HallServices = hall.c.app_state["services"]
    services.end_expired_sessions()
    records = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"]
    outs = [r for r in records if r["action"] == "window.sign_out"]
    assert [(r["target"], r["before"], r["after"]) for r in outs] == [
        ("window 1", {"staff_no": "A001"}, {"ended": "logout"}),
        ("window 2", {"staff_no": "A002"}, {"ended": "expired"}),
    ]
    assert outs[0]["at"].endswith("09:40:00+08:00") and outs[1]["at"].endswith("21:30:00+08:00")
