"""A hall's own catalogue (issue 14): items switched on and off, their target
wait, handling minutes, walk-in or appointment-only, slot capacity and
materials; what each change reaches (kiosk listing, tickets, dispatch,
estimate, bookings, other processes) and its audit record."""

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server.app import create_app
from queue_server.settings import Settings
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, SET_UP, Hall
from tests.server.test_appointments import book, booking_settings, person
from tests.server.test_day import WEEKDAYS, set_hours

FIRST_ID = "HZ-SFZ-SL"  # 居民身份证首次申领: same category and target as ID_CARD
CATALOGUE = "/api/halls/h1/catalogue"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return booking_settings(db_url)


def items(hall: Hall, client: TestClient | None = None) -> dict[str, dict[str, Any]]:
    listed = hall.ok((client or hall.c).get(CATALOGUE, headers=hall.kiosk))
    return {s["code"]: s for s in listed["services"]}


def patch(hall: Hall, code: str, body: dict[str, Any], headers: Any = None) -> Any:
    chosen = hall.admin if headers is None else headers
    return hall.c.patch(f"{CATALOGUE}/{code}", json=body, headers=chosen)


def audit(hall: Hall) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = hall.ok(
        hall.c.get("/api/halls/h1/audit", headers=hall.supervisor)
    )["records"]
    return [r for r in records if r["action"] not in SET_UP]  # set-up


def test_the_catalogue_lists_every_item_as_the_shipped_one_until_the_hall_sets_its_own(
    hall: Hall,
) -> None:
    listed = hall.ok(hall.c.get(CATALOGUE, headers=hall.kiosk))
    assert [c["code"] for c in listed["categories"]][:2] == ["hukou", "exit_entry"]
    item = {s["code"]: s for s in listed["services"]}[ID_CARD]
    assert item["enabled"] and item["overridden"] == [] and item["slot_capacity"] is None
    assert {k: item[k] for k in item["defaults"]} == item["defaults"]
    assert item["defaults"]["minutes"] == 6 and item["name"] == "居民身份证换领"


def test_an_item_set_and_set_back_is_audited_with_before_and_after(hall: Hall) -> None:
    changed = hall.ok(
        patch(hall, ID_CARD, {"minutes": 12, "materials": ["本人居民户口簿", "原居民身份证"]})
    )
    assert changed["minutes"] == 12 and changed["overridden"] == ["minutes", "materials"]
    assert changed["defaults"]["minutes"] == 6
    # The catalogue's own value, or null, is no override of the hall's.
    again = hall.ok(patch(hall, ID_CARD, {"minutes": 6, "materials": None}))
    assert again["overridden"] == [] and again["materials"] == again["defaults"]["materials"]
    assert items(hall)[ID_CARD]["overridden"] == []
    records = [r for r in audit(hall) if r["action"] == "catalogue.item"]
    assert [r["target"] for r in records] == [ID_CARD, ID_CARD]
    assert records[0]["before"]["minutes"] == 6 and records[0]["after"]["minutes"] == 12
    assert records[0]["after"]["materials"] == ["本人居民户口簿", "原居民身份证"]
    assert records[1]["before"]["minutes"] == 12 and records[1]["after"]["minutes"] == 6
    assert records[0]["actor"] == records[1]["actor"] != ""


@pytest.mark.parametrize(
    ("code", "body", "status", "error"),
    [
        ("NO-SUCH-ITEM", {"minutes": 5}, 404, "unknown_service"),
        (ID_CARD, {"minutes": -5}, 422, "invalid_body"),
        (ID_CARD, {"target_wait_minutes": 0}, 422, "invalid_body"),
        (ID_CARD, {"slot_capacity": 100_000}, 422, "invalid_body"),
        (
            ID_CARD,
            {"minutes": 9, "materials": [f"材料{i}" for i in range(41)]},
            422,
            "invalid_body",
        ),
        (ID_CARD, {"minutes": 9, "materials": ["长" * 121]}, 422, "invalid_body"),
        (ID_CARD, {"materials": ["  "]}, 422, "invalid_body"),
        (ID_CARD, {"minutes": 9, "materials": ["户口簿", "户口簿"]}, 422, "repeated_material"),
        (ID_CARD, {"walk_in": "sometimes"}, 422, "invalid_body"),
        (ID_CARD, {"colour": "red"}, 422, "invalid_body"),
        (ID_CARD, {}, 422, "nothing_to_change"),
    ],
)
def test_bad_settings_are_refused_in_chinese_and_change_nothing(
    hall: Hall, code: str, body: dict[str, Any], status: int, error: str
) -> None:
    refused = patch(hall, code, body)  # a good field beside a bad one is not applied
    assert (refused.status_code, refused.json()["error"]) == (status, error)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.json()["message"])
    assert all(s["overridden"] == [] and s["enabled"] for s in items(hall).values())
    assert audit(hall) == []


def test_only_an_admin_changes_the_catalogue_and_the_halls_people_read_it(hall: Hall) -> None:
    for who in (hall.supervisor, hall.kiosk):
        assert patch(hall, ID_CARD, {"enabled": False}, who).status_code == 403
    assert hall.c.get(CATALOGUE).status_code == 401
    member = {"staff_no": "C001", "name": "王导办", "role": "clerk", "password": "pass-word-1"}
    hall.ok(hall.c.post("/api/halls/h1/staff", json=member, headers=hall.admin), 201)
    login = {"hall": "h1", "staff_no": "C001", "password": "pass-word-1"}
    hall.ok(hall.c.post("/api/login", json=login))
    assert hall.ok(hall.c.get(CATALOGUE))["services"][0]["enabled"]  # on the session
    assert patch(hall, ID_CARD, {"enabled": False}, {}).status_code == 403  # the session
    assert items(hall)[ID_CARD]["enabled"]


def test_a_disabled_item_leaves_the_kiosk_and_takes_no_tickets_until_enabled(hall: Hall) -> None:
    off = hall.ok(patch(hall, ID_CARD, {"enabled": False}))
    assert off["enabled"] is False
    assert ID_CARD not in hall.ok(hall.c.get("/api/halls/h1", headers=hall.kiosk))["services"]
    assert items(hall)[ID_CARD]["enabled"] is False and items(hall)[FIRST_ID]["enabled"]
    refused = hall.issue(ID_CARD)
    assert refused.status_code == 404 and refused.json()["error"] == "service_not_offered"
    assert "本大厅不办理「居民身份证换领」" in refused.json()["message"]
    hall.ticket(FIRST_ID)
    hall.ok(patch(hall, ID_CARD, {"enabled": True}))
    hall.ticket(ID_CARD)
    view = hall.ok(hall.c.get("/api/halls/h1", headers=hall.kiosk))
    assert ID_CARD in view["services"] and len(view["services"]) == len(items(hall))
    (record_off, record_on) = [r for r in audit(hall) if r["action"] == "catalogue.item"]
    assert (record_off["before"], record_off["after"]) == ({"enabled": True}, {"enabled": False})
    assert record_on["after"] == {"enabled": True}


def test_an_appointment_only_item_refuses_walk_ins_and_still_checks_bookings_in(
    hall: Hall, clock: Clock
) -> None:
    set_hours(hall, WEEKDAYS)
    made = hall.ok(book(hall), 201)
    hall.ok(patch(hall, ID_CARD, {"walk_in": False}))
    refused = hall.issue(ID_CARD)
    assert refused.status_code == 409 and refused.json()["error"] == "appointment_only"
    assert refused.json()["message"] == "「居民身份证换领」需预约办理：请先预约，再到取号机签到"
    clock.advance(24 * 3600 + 25 * 60)  # Thursday 09:55, the booking's check-in
    checked_in = hall.c.post(
        "/api/halls/h1/appointments/check-in", json={"code": made["code"]}, headers=hall.kiosk
    )
    assert checked_in.status_code == 201, checked_in.text
    assert checked_in.json()["service"] == ID_CARD


def test_the_target_wait_feeds_dispatch_and_the_queue_view(hall: Hall, clock: Clock) -> None:
    hall.open(1)
    first = hall.ticket(ID_CARD)
    clock.advance(60)
    later = hall.ticket(FIRST_ID)
    # Same target (20 minutes): the earlier ticket first. A 5-minute target
    # gives the later one 25 x 120 s of head start against 10 x 120 s.
    hall.ok(patch(hall, FIRST_ID, {"target_wait_minutes": 5}))
    queues = hall.ok(hall.c.get("/api/halls/h1/queues", headers=hall.supervisor))
    assert {s["service"]: s["target_s"] for s in queues["services"]}[FIRST_ID] == 300
    assert hall.do(1, "call-next")["ticket"]["number"] == later["number"]
    hall.do(1, "start")
    hall.do(1, "finish")
    assert hall.do(1, "call-next")["ticket"]["number"] == first["number"]


def test_the_handling_minutes_feed_the_estimate(hall: Hall) -> None:
    hall.open(1)
    tickets = [hall.ticket(ID_CARD) for _ in range(3)]
    before = hall.ok(hall.c.get(f"/api/tickets/{tickets[-1]['id']}"))["estimated_wait_s"]
    hall.ok(patch(hall, ID_CARD, {"minutes": 30}))
    after = hall.ok(hall.c.get(f"/api/tickets/{tickets[-1]['id']}"))["estimated_wait_s"]
    assert before > 0 and after == pytest.approx(before * 5, rel=0.05)


def test_the_materials_edited_are_what_the_ticket_shows(hall: Hall) -> None:
    hall.ok(patch(hall, ID_CARD, {"materials": ["原居民身份证", "户口簿首页及本人页"]}))
    ticket = hall.ticket(ID_CARD)
    assert ticket["materials"] == ["原居民身份证", "户口簿首页及本人页"]


def test_a_slot_capacity_of_the_halls_own_limits_bookings(hall: Hall) -> None:
    set_hours(hall, WEEKDAYS)
    slots = f"/api/halls/h1/slots?service={ID_CARD}&date=2026-11-26"
    assert hall.ok(hall.c.get(slots))["slots"][0]["capacity"] > 1
    hall.ok(patch(hall, ID_CARD, {"slot_capacity": 1}))
    assert {s["capacity"] for s in hall.ok(hall.c.get(slots))["slots"]} == {1}
    hall.ok(book(hall), 201)
    full = book(hall, id_number=person(2))
    assert full.status_code == 409 and full.json()["error"] == "slot_full"
    hall.ok(patch(hall, ID_CARD, {"slot_capacity": None}))
    hall.ok(book(hall, id_number=person(2)), 201)


@pytest.fixture
def other_process(settings: Settings, clock: Clock, hall: Hall) -> Iterator[TestClient]:
    """A second server on the same database, as another worker process is."""
    with TestClient(create_app(settings, clock=clock)) as second:
        yield second


def test_another_process_follows_a_change_at_once(hall: Hall, other_process: TestClient) -> None:
    issue = f"/api/halls/{hall.id}/tickets"
    # The other process has the hall's state in hand (kept after this ticket).
    taken = other_process.post(issue, json={"service": ID_CARD}, headers=hall.kiosk)
    assert taken.status_code == 201
    hall.ok(patch(hall, ID_CARD, {"enabled": False}))
    refused = other_process.post(issue, json={"service": ID_CARD}, headers=hall.kiosk)
    assert refused.status_code == 404 and refused.json()["error"] == "service_not_offered"
    assert items(hall, other_process)[ID_CARD]["enabled"] is False
    hall.ok(patch(hall, FIRST_ID, {"walk_in": False}))
    refused = other_process.post(issue, json={"service": FIRST_ID}, headers=hall.kiosk)
    assert refused.status_code == 409 and refused.json()["error"] == "appointment_only"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("catalogue/HZ-SFZ-HL", {"minutes": True}),
        ("catalogue/HZ-SFZ-HL", {"minutes": "5"}),
        ("catalogue/HZ-SFZ-HL", {"enabled": "no"}),
        ("catalogue/HZ-SFZ-HL", {"enabled": 0}),
        ("policy", {"max_recalls": "3"}),
        ("policy", {"window_shows_staff": True}),
    ],
)
def test_a_setting_of_the_wrong_json_type_is_refused_not_converted(
    hall: Hall, path: str, body: dict[str, Any]
) -> None:
    method = hall.c.patch if path.startswith("catalogue") else hall.c.put
    refused = method(f"/api/halls/h1/{path}", json=body, headers=hall.admin)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_body"
