"""A city admin (市级管理员, issue 14): a staff account that manages every hall
of the server, made only by the city level, never by a hall's own admin."""

from typing import Any

from starlette.testclient import TestClient

from tests.server.conftest import Hall
from tests.server.test_staff import PASSWORD, add, login


def session_of(c: TestClient) -> dict[str, str]:
    """The cookie of the last sign-in, as a header; the jar is emptied."""
    cookie = {"Cookie": f"yc_session={c.cookies['yc_session']}"}
    c.cookies.clear()
    return cookie


def make_city_admin(hall: Hall, staff_no: str = "CITY1") -> dict[str, str]:
    hall.ok(add(hall, staff_no, "city_admin"), 201)
    hall.ok(login(hall.c, staff_no))
    return session_of(hall.c)


def test_a_city_admin_manages_every_hall_and_sees_the_city(hall: Hall) -> None:
    Hall(hall.c, "h2")
    city = make_city_admin(hall)
    who: Any = hall.ok(hall.c.get("/api/whoami", headers=city))
    assert (who["role"], who["hall"], who["staff"]["staff_no"]) == ("admin", None, "CITY1")
    renamed = hall.c.patch("/api/halls/h2", json={"name": "船山分中心"}, headers=city)
    assert hall.ok(renamed)["name"] == "船山分中心"
    assert [h["id"] for h in hall.ok(hall.c.get("/api/city", headers=city))["halls"]] == [
        "h1",
        "h2",
    ]
    [record] = [
        r
        for r in hall.ok(hall.c.get("/api/halls/h2/audit", headers=city))["records"]
        if r["action"] == "hall.update"
    ]
    assert record["actor"] == "admin:staff CITY1@h1"  # the account's own hall names it


def test_a_halls_admin_cannot_make_promote_or_take_over_a_city_admin(hall: Hall) -> None:
    hall.ok(add(hall, "A001", "admin"), 201)
    hall.ok(login(hall.c, "A001"))
    hall_admin = session_of(hall.c)
    body = {"staff_no": "X1", "name": "王", "role": "city_admin", "password": PASSWORD}
    made = hall.c.post("/api/halls/h1/staff", json=body, headers=hall_admin)
    assert made.status_code == 403 and made.json()["error"] == "city_admin_only"
    hall.ok(add(hall, "C001"), 201)
    promote = hall.c.patch(
        "/api/halls/h1/staff/C001", json={"role": "city_admin"}, headers=hall_admin
    )
    assert promote.status_code == 403
    make_city_admin(hall)
    reset = {"password": "another-Pass-1"}
    takeover = hall.c.patch("/api/halls/h1/staff/CITY1", json=reset, headers=hall_admin)
    assert takeover.status_code == 403 and "市级管理员" in takeover.json()["message"]
    hall.ok(login(hall.c, "CITY1"))  # the old password still signs in


def test_a_city_admin_does_not_sign_in_at_a_window(hall: Hall) -> None:
    city = make_city_admin(hall)
    refused = hall.c.post("/api/halls/h1/windows/1/sign-in", headers=city)
    assert refused.status_code == 403 and "市级管理员不在窗口签到" in refused.json()["message"]
