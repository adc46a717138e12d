"""The staff on the record (issue 14): a number's steps with time, window and
工号; the window screens' staff line behind the hall's `window_shows_staff`
flag; and the audit of windows, staff accounts and window sign-ins."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from queue_server.access import actor_staff_no
from queue_server.day import HallDay
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import PASSPORT, Hall
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_staff import PASSWORD, add, patch
from tests.server.test_window_sign_in import member, sign_in, sign_out


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = Store(settings.database_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def jobs(store: Store, settings: Settings, clock: Clock) -> HallDay:
    """The day's jobs, on the app's database and the test's clock."""
    return HallDay(HallServices(store, settings, clock=clock))


def events_after(store: Store, seq: int, kind: str = "window.updated") -> list[dict[str, Any]]:
    with store.read() as tx:
        return [e.data for e in tx.events_since("h1", seq) if e.type == kind]


def last_seq(store: Store) -> int:
    with store.read() as tx:
        found = tx.events_since("h1", 0)
        return found[-1].seq if found else 0


def record(hall: Hall, wanted: str, headers: dict[str, str] | None = None) -> Any:
    path = f"/api/halls/h1/tickets/{wanted}/transitions"
    return hall.c.get(path, headers=headers if headers is not None else hall.supervisor)


def show_staff(hall: Hall, flag: int) -> None:
    body = {"window_shows_staff": flag}
    hall.ok(hall.c.put("/api/halls/h1/policy", json=body, headers=hall.admin))


# ------------------------------------------------------------ the ticket's record


def test_the_record_names_the_staff_number_of_each_step(hall: Hall) -> None:
    clerk = member(hall, "A001")
    hall.ok(sign_in(hall, 1, clerk))
    hall.ok(hall.act(1, "open", headers=clerk))
    ticket = hall.ticket()
    for action in ("call-next", "start", "finish"):
        hall.ok(hall.act(1, action, headers=clerk))
    by_number = hall.ok(record(hall, ticket["number"].lower()))
    assert hall.ok(record(hall, ticket["id"])) == by_number
    assert by_number["number"] == ticket["number"]
    assert by_number["service_name"] == "居民身份证换领"
    assert by_number["status"] == "done"
    steps = [(s["action"], s["window"], s["staff_no"]) for s in by_number["steps"]]
    assert steps == [
        ("issue", None, None),
        ("call", 1, "A001"),
        ("start", 1, "A001"),
        ("finish", 1, "A001"),
    ]
    assert by_number["steps"][1]["at"].endswith("+08:00")


def test_the_record_follows_a_transfer_to_the_next_window(hall: Hall) -> None:
    first, second = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 1, first))
    hall.ok(sign_in(hall, 4, second))
    hall.open(1, 4)
    ticket = hall.ticket()
    hall.ok(hall.act(1, "call-next", headers=first))
    hall.ok(hall.act(1, "transfer", {"service": PASSPORT}, headers=first))
    hall.ok(hall.act(4, "call-next", headers=second))
    steps = hall.ok(record(hall, ticket["number"]))["steps"]
    assert [(s["action"], s["window"], s["staff_no"]) for s in steps] == [
        ("issue", None, None),
        ("call", 1, "A001"),
        ("transfer", 1, "A001"),
        ("transfer-in", None, "A001"),  # the new leg, waiting for an exit-entry window
        ("call", 4, "A002"),
    ]


def test_a_token_s_step_has_no_staff_number(hall: Hall) -> None:
    hall.open(2)
    ticket = hall.ticket()
    hall.do(2, "call-next")
    call = hall.ok(record(hall, ticket["number"]))["steps"][1]
    assert (call["action"], call["staff_no"]) == ("call", None)
    assert call["actor"].startswith("window:")


def test_a_number_is_read_on_the_day_asked_for_numbers_restart_every_day(
    hall: Hall, clock: Clock
) -> None:
    hall.open(2)
    yesterday = hall.ticket()
    for action in ("call-next", "start", "finish"):
        hall.do(2, action)
    clock.advance(24 * 3600)  # Thursday 2026-11-26: the numbers start again
    today = hall.ticket()
    assert today["number"] == yesterday["number"]

    def steps(**query: str) -> list[str]:
        path = f"/api/halls/h1/tickets/{today['number']}/transitions"
        answer = hall.ok(hall.c.get(path, params=query, headers=hall.supervisor))
        return [answer["date"]] + [s["action"] for s in answer["steps"]]

    assert steps() == ["2026-11-26", "issue"]
    assert steps(date="2026-11-26") == ["2026-11-26", "issue"]
    assert steps(date="2026-11-25") == ["2026-11-25", "issue", "call", "start", "finish"]
    # An id names its own day, whatever the date says.
    by_id = hall.c.get(
        f"/api/halls/h1/tickets/{yesterday['id']}/transitions",
        params={"date": "2026-11-26"},
        headers=hall.supervisor,
    )
    assert hall.ok(by_id)["date"] == "2026-11-25"

    path = f"/api/halls/h1/tickets/{today['number']}/transitions"
    none = hall.c.get(path, params={"date": "2026-11-24"}, headers=hall.supervisor)
    assert none.status_code == 404
    assert none.json()["message"] == f"2026-11-24 没有 {today['number']} 号"
    bad = hall.c.get(path, params={"date": "20261125"}, headers=hall.supervisor)
    assert bad.status_code == 422 and bad.json()["error"] == "date_format"


def test_only_supervisors_and_admins_read_a_record_of_their_own_hall(hall: Hall) -> None:
    ticket = hall.ticket()
    assert record(hall, ticket["number"], hall.windows[1]).status_code == 403
    assert record(hall, ticket["number"], hall.display).status_code == 403
    hall.ok(record(hall, ticket["number"], hall.admin))
    other = Hall(hall.c, "h2")
    elsewhere = hall.c.get(f"/api/halls/h2/tickets/{ticket['id']}/transitions", headers=other.admin)
    assert elsewhere.status_code == 404 and elsewhere.json()["error"] == "unknown_ticket"
    unknown = record(hall, "Z999")
    assert unknown.status_code == 404 and "Z999" in unknown.json()["message"]


@pytest.mark.parametrize(
    ("actor", "staff_no"),
    [
        ("window:staff A001@h1#1", "A001"),
        ("supervisor:staff S@1#2@h1#4", "S@1#2"),
        ("clerk:staff A001@h1", "A001"),
        ("window:tok-abc@h1#1", None),
        ("system:scheduler", None),
        ("window:staff A001@h2#1", None),
    ],
)
def test_the_staff_number_is_read_back_from_the_actor(actor: str, staff_no: str | None) -> None:
    assert actor_staff_no(actor, "h1") == staff_no


# ------------------------------------------------------------ the window screens' staff line


def test_without_the_flag_no_staff_reaches_the_screens(hall: Hall, store: Store) -> None:
    seq = last_seq(store)
    hall.ok(sign_in(hall, 1, member(hall, "A001")))
    assert events_after(store, seq) == []
    board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    assert all("staff" not in w for w in board["windows"])


def test_with_the_flag_the_screens_follow_sign_in_and_sign_out(hall: Hall, store: Store) -> None:
    show_staff(hall, 1)
    clerk = member(hall, "A001")
    seq = last_seq(store)
    hall.ok(sign_in(hall, 2, clerk))
    (signed,) = events_after(store, seq)
    assert signed["window"]["number"] == 2
    assert signed["window"]["staff"] == {"staff_no": "A001", "name": "王小明"}
    board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    staff = {w["number"]: w["staff"] for w in board["windows"]}
    assert staff == {1: None, 2: {"staff_no": "A001", "name": "王小明"}, 3: None, 4: None, 5: None}
    seq = last_seq(store)
    hall.ok(sign_in(hall, 3, clerk))  # moves: window 2 loses its member
    moved = {e["window"]["number"]: e["window"]["staff"] for e in events_after(store, seq)}
    assert moved == {2: None, 3: {"staff_no": "A001", "name": "王小明"}}
    records = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"]
    signs = [(r["target"], r["before"]) for r in records if r["action"] == "window.sign_in"]
    assert signs == [("window 2", None), ("window 3", {"window": 2})]
    seq = last_seq(store)
    assert sign_out(hall, 3, clerk).status_code == 204
    assert [e["window"]["staff"] for e in events_after(store, seq)] == [None]


def test_closing_or_deactivating_clears_the_screen(hall: Hall, store: Store) -> None:
    show_staff(hall, 1)
    clerk, other = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 1, clerk))
    hall.ok(hall.act(1, "open", headers=clerk))
    seq = last_seq(store)
    hall.ok(hall.act(1, "close", headers=clerk))
    assert [(e["window"]["state"], e["window"]["staff"]) for e in events_after(store, seq)] == [
        ("closed", None)
    ]
    hall.ok(sign_in(hall, 2, other))
    seq = last_seq(store)
    patch(hall, "A002", active=False)
    assert [(e["window"]["number"], e["window"]["staff"]) for e in events_after(store, seq)] == [
        (2, None)
    ]


def test_turning_the_flag_on_and_off_tells_every_screen(hall: Hall, store: Store) -> None:
    hall.ok(sign_in(hall, 5, member(hall, "A001")))
    seq = last_seq(store)
    show_staff(hall, 1)
    shown = {e["window"]["number"]: e["window"]["staff"] for e in events_after(store, seq)}
    assert shown[5] == {"staff_no": "A001", "name": "王小明"} and shown[1] is None
    assert len(shown) == 5
    seq = last_seq(store)
    show_staff(hall, 1)  # no change, no events
    assert events_after(store, seq) == []
    show_staff(hall, 0)
    assert [e["window"]["staff"] for e in events_after(store, seq)] == [None] * 5
    refused = hall.c.put("/api/halls/h1/policy", json={"window_shows_staff": 2}, headers=hall.admin)
    assert refused.status_code == 422


def test_the_staff_list_says_where_each_member_is_signed_in(hall: Hall) -> None:
    hall.ok(sign_in(hall, 4, member(hall, "A001")))
    hall.ok(add(hall, "A002"), 201)
    listed = hall.ok(hall.c.get("/api/halls/h1/staff", headers=hall.supervisor))["staff"]
    assert [(s["staff_no"], s["window"]) for s in listed] == [("A001", 4), ("A002", None)]


# ------------------------------------------------------------ the audit


def test_windows_staff_and_sign_ins_are_audited(hall: Hall) -> None:
    hall.put_window(6, {"label": "6号", "categories": ["exit_entry"], "lane": "green"})
    hall.put_window(6, {"label": "6号出入境", "categories": ["exit_entry"]})
    clerk = member(hall, "A001")
    patch(hall, "A001", role="supervisor", password="another-Pass-1")
    login = {"hall": "h1", "staff_no": "A001", "password": "another-Pass-1"}
    hall.ok(hall.c.post("/api/login", json=login))
    clerk = {"Cookie": f"yc_session={hall.c.cookies['yc_session']}"}
    hall.c.cookies.clear()
    hall.ok(sign_in(hall, 6, clerk))
    hall.ok(hall.act(6, "open", headers=clerk))
    hall.ok(hall.act(6, "close", headers=clerk))
    records = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"]
    mine = [r for r in records if r["target"] in ("window 6", "A001")]
    assert [(r["action"], r["actor"]) for r in mine] == [
        ("window.put", "admin:admin"),
        ("window.put", "admin:admin"),
        ("staff.create", "admin:admin"),
        ("staff.change", "admin:admin"),
        ("window.sign_in", "supervisor:staff A001@h1"),
        ("window.open", "supervisor:staff A001@h1#6"),
        ("window.close", "supervisor:staff A001@h1#6"),
    ]
    created, changed = mine[2], mine[3]
    assert mine[0]["before"] is None and mine[0]["after"]["lane"] == "green"
    assert mine[1]["before"]["label"] == "6号" and mine[1]["after"]["label"] == "6号出入境"
    assert created["after"] == {
        "staff_no": "A001",
        "name": "王小明",
        "role": "clerk",
        "active": True,
    }
    assert changed["before"]["role"] == "clerk"
    assert changed["after"] == {
        "staff_no": "A001",
        "name": "王小明",
        "role": "supervisor",
        "active": True,
        "password_reset": True,
    }
    assert PASSWORD not in str(records) and "another-Pass-1" not in str(records)


def test_a_sign_out_is_audited_only_when_someone_was_signed_in(hall: Hall) -> None:
    clerk = member(hall, "A001")
    hall.ok(sign_in(hall, 2, clerk))
    assert sign_out(hall, 2, hall.supervisor).status_code == 204
    assert sign_out(hall, 2, hall.supervisor).status_code == 204  # nobody: no record
    records = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"]
    outs = [r for r in records if r["action"] == "window.sign_out"]
    assert [(r["target"], r["before"]) for r in outs] == [("window 2", {"staff_no": "A001"})]
    assert outs[0]["actor"].startswith("supervisor:")


def test_the_day_s_close_signs_out_the_members_of_the_windows_it_closes(
    hall: Hall, store: Store, jobs: HallDay, clock: Clock
) -> None:
    set_hours(hall, WEEKDAYS)
    show_staff(hall, 1)
    clerk, other = member(hall, "A001"), member(hall, "A002")
    hall.ok(sign_in(hall, 1, clerk))
    hall.ok(sign_in(hall, 2, other))
    hall.ok(hall.act(1, "open", headers=clerk))
    clock.advance(7.5 * 3600 + 1)  # 17:00:01
    seq = last_seq(store)
    jobs.close_day("h1", clock.now)
    assert [(e["window"]["number"], e["window"]["staff"]) for e in events_after(store, seq)] == [
        (1, None)
    ]
    assert hall.ok(hall.c.get("/api/whoami", headers=clerk))["window"] is None
    assert hall.ok(hall.c.get("/api/whoami", headers=other))["window"] == 2  # a closed window


def test_a_clerk_signed_in_at_a_window_follows_the_feed_on_the_session(hall: Hall) -> None:
    hall.ok(add(hall, "C001"), 201)
    login = {"hall": "h1", "staff_no": "C001", "password": PASSWORD}
    hall.ok(hall.c.post("/api/login", json=login))  # the client's jar keeps the cookie
    hall.ok(hall.c.post("/api/halls/h1/windows/3/sign-in"))
    with hall.c.websocket_connect("/ws/halls/h1/board", subprotocols=["yichuang"]) as ws:
        snapshot = json.loads(ws.receive_text())
        assert snapshot["type"] == "snapshot" and snapshot["seq"] >= 0
