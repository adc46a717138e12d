"""The clerk's actions on a window, through the HTTP API, on both databases."""

from datetime import timedelta

from starlette.testclient import TestClient

from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, PASSPORT, Hall
from tests.server.test_tickets_api import ELDER_ID

VEHICLE = "JDC-ZC-DJ"  # 机动车注册登记, prefix D


def test_a_closed_window_cannot_call_and_an_empty_queue_answers_204(hall: Hall) -> None:
    reply = hall.act(1, "call-next")
    assert reply.status_code == 409 and reply.json()["error"] == "invalid_transition"
    assert reply.json()["message"] == "1 号窗口当前为「未开启」，不能叫号"
    english = hall.act(1, "call-next", headers=hall.windows[1] | {"Accept-Language": "en"})
    assert "window 1 is closed" in english.json()["message"]
    hall.open(1)
    assert hall.act(1, "call-next").status_code == 204


def test_full_lifecycle_call_recall_start_finish(hall: Hall, clock: Clock) -> None:
    ticket = hall.ticket()
    hall.open(1)
    clock.advance(300)
    called = hall.do(1, "call-next")
    assert called["window"]["state"] == "calling" and called["window"]["ticket"] == "A001"
    assert called["ticket"]["id"] == ticket["id"] and called["ticket"]["waited_s"] == 300
    assert called["ticket"]["materials"]  # the clerk sees the checklist
    assert hall.do(1, "recall")["ticket"]["recalls"] == 1
    assert hall.do(1, "recall")["ticket"]["recalls"] == 2
    third = hall.act(1, "recall")
    assert third.status_code == 409 and third.json()["error"] == "recall_limit"
    assert "请按「过号」" in third.json()["message"]
    assert hall.do(1, "start")["window"]["state"] == "serving"
    clock.advance(120)
    done = hall.do(1, "finish", {"outcome": "办结"})
    assert done["window"]["state"] == "open" and done["window"]["ticket"] is None
    assert done["ticket"]["status"] == "done"
    figures = hall.stats()
    assert figures["wait_s"]["max"] == 300 and figures["handling_s"]["max"] == 120
    assert figures["served"] == 1 and figures["by_window"]["1"] == {"served": 1, "busy_s": 120}


def test_actions_that_do_not_fit_the_state_are_409_and_change_nothing(hall: Hall) -> None:
    hall.ticket()
    hall.open(1)
    english = hall.windows[1] | {"Accept-Language": "en"}
    for action in ("start", "finish", "recall", "no-show", "suspend", "resume", "open"):
        reply = hall.act(1, action, headers=english)
        assert reply.status_code == 409, action
        assert "open" in reply.json()["message"], action
    hall.do(1, "call-next")
    for action in ("call-next", "pause", "close", "finish", "suspend"):
        reply = hall.act(1, action, headers=english)
        assert reply.status_code == 409, action
        assert "calling" in reply.json()["message"]
    board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    assert board["windows"][0]["state"] == "calling" and board["windows"][0]["ticket"] == "A001"


def test_double_call_next_gets_one_ticket(hall: Hall) -> None:
    hall.ticket()
    hall.ticket()
    hall.open(1)
    first = hall.act(1, "call-next")
    second = hall.act(1, "call-next")
    assert first.status_code == 200 and second.status_code == 409
    assert hall.stats()["in_progress"] == 1 and hall.stats()["waiting"] == 1


def test_window_token_acts_on_its_own_window_only(hall: Hall) -> None:
    reply = hall.act(2, "open", headers=hall.windows[1])
    assert reply.status_code == 403 and "window 1 only" in reply.json()["message"]
    assert hall.act(2, "open", headers=hall.supervisor).status_code == 200
    assert hall.act(3, "open", headers=hall.display).status_code == 403
    assert hall.act(3, "open", headers=hall.kiosk).status_code == 403
    assert hall.act(3, "open", headers={}).status_code == 401


def test_call_a_specific_number(hall: Hall) -> None:
    hall.ticket()
    wanted = hall.ticket()
    hall.open(1)
    called = hall.do(1, "call", {"ticket": wanted["number"].lower()})
    assert called["ticket"]["id"] == wanted["id"]
    hall.do(1, "no-show")
    again = hall.act(1, "call", {"ticket": wanted["id"]})
    assert again.status_code == 409 and again.json()["error"] == "ticket_not_waiting"
    assert hall.act(1, "call", {"ticket": "Z999"}).status_code == 404
    assert hall.act(1, "call", {}).status_code == 422


def test_no_show_frees_the_window_and_the_next_is_called(hall: Hall) -> None:
    hall.ticket()
    second = hall.ticket()
    hall.open(1)
    hall.do(1, "call-next")
    assert hall.do(1, "no-show")["window"]["state"] == "open"
    assert hall.do(1, "call-next")["ticket"]["id"] == second["id"]
    assert hall.stats()["no_show"] == 1


def test_exit_entry_window_calls_only_exit_entry_tickets(hall: Hall) -> None:
    hall.ticket(ID_CARD)
    passport = hall.ticket(PASSPORT)
    hall.open(4)
    assert hall.do(4, "call-next")["ticket"]["id"] == passport["id"]
    hall.do(4, "no-show")
    assert hall.act(4, "call-next").status_code == 204


def test_green_lane_window_serves_green_first_even_behind_long_waits(
    hall: Hall, clock: Clock
) -> None:
    normal = hall.ticket()
    clock.advance(3 * 3600)  # far beyond the green boost
    green = hall.ticket(PASSPORT, id_number=ELDER_ID)
    hall.open(1, 5)
    assert hall.do(5, "call-next")["ticket"]["id"] == green["id"]
    assert hall.do(1, "call-next")["ticket"]["id"] == normal["id"]


def test_green_channel_is_bounded_at_a_standard_window(hall: Hall, clock: Clock) -> None:
    old = hall.ticket()
    clock.advance(600)
    green = hall.ticket(PASSPORT, id_number=ELDER_ID)
    hall.open(1)
    assert hall.do(1, "call-next")["ticket"]["id"] == green["id"]  # within the boost
    hall.do(1, "no-show")
    hall.c.put("/api/halls/h1/policy", json={"green_boost_s": 0}, headers=hall.admin)
    assert hall.do(1, "call-next")["ticket"]["id"] == old["id"]


def test_a_short_target_item_goes_before_a_longer_one_issued_a_little_earlier(
    hall: Hall, clock: Clock
) -> None:
    vehicle = hall.ticket(VEHICLE)  # 机动车注册登记: 30-minute target wait
    clock.advance(300)
    card = hall.ticket(ID_CARD)  # 20-minute target: a 20-minute head start
    hall.open(1)
    assert hall.do(1, "call-next")["ticket"]["id"] == card["id"]
    hall.do(1, "no-show")
    hall.ticket(ID_CARD)
    hall.c.put("/api/halls/h1/policy", json={"target_boost_s_per_min": 0}, headers=hall.admin)
    assert hall.do(1, "call-next")["ticket"]["id"] == vehicle["id"]  # by wait alone


def test_transfer_to_another_service_keeps_number_and_place(
    hall: Hall, client: TestClient, clock: Clock
) -> None:
    first = hall.ticket(ID_CARD)
    clock.advance(60)
    later = hall.ticket(PASSPORT)
    hall.open(1, 2)
    hall.do(1, "call-next")
    hall.do(1, "start")
    moved = hall.do(1, "transfer", {"service": PASSPORT})
    assert moved["window"]["state"] == "open" and moved["ticket"]["status"] == "transferred"
    leg = moved["new_ticket"]
    assert (leg["number"], leg["service"], leg["status"]) == ("A001", PASSPORT, "waiting")
    holder = client.get(f"/api/tickets/{first['id']}").json()
    assert holder["id"] == leg["id"] and holder["service"] == PASSPORT
    # The transferred visitor kept their arrival: called before the later ticket.
    assert hall.do(2, "call-next")["ticket"]["number"] == "A001"
    assert later["id"] != leg["id"]
    hall.do(2, "start")
    hall.do(2, "finish")
    figures = hall.stats()
    assert figures["issued"] == 2 and figures["transferred"] == 1 and figures["served"] == 1


def test_transfer_to_a_window_sends_the_ticket_there_only(hall: Hall) -> None:
    hall.ticket(PASSPORT)
    hall.open(1, 2, 4)
    hall.do(1, "call-next")
    hall.do(1, "start")
    leg = hall.do(1, "transfer", {"window": 4})["new_ticket"]
    assert hall.act(2, "call-next").status_code == 204
    assert hall.do(4, "call-next")["ticket"]["id"] == leg["id"]


def test_closing_a_window_releases_the_tickets_sent_to_it(hall: Hall) -> None:
    hall.ticket(ID_CARD)
    hall.open(1, 2, 3)
    hall.do(1, "call-next")
    hall.do(1, "start")
    leg = hall.do(1, "transfer", {"window": 3})["new_ticket"]
    assert hall.act(2, "call-next").status_code == 204
    hall.do(3, "close")
    assert hall.do(2, "call-next")["ticket"]["id"] == leg["id"]


def test_refused_transfer_changes_nothing(hall: Hall) -> None:
    hall.ticket(ID_CARD)
    hall.open(1, 4)
    hall.do(1, "call-next")
    hall.do(1, "start")
    for body, status in (
        ({"window": 4}, 422),
        ({}, 422),
        ({"window": 1}, 422),
        ({"window": 77}, 404),
        ({"service": "NOPE"}, 404),
    ):
        reply = hall.act(1, "transfer", body)
        assert reply.status_code == status, (body, reply.text)
    board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    assert board["windows"][0]["state"] == "serving"
    assert hall.stats()["transferred"] == 0


def test_suspended_visitor_returns_to_the_head_of_the_queue(hall: Hall, clock: Clock) -> None:
    away = hall.ticket()
    clock.advance(60)
    hall.ticket()
    hall.open(1, 2)
    hall.do(1, "call-next")
    hall.do(1, "start")
    assert hall.do(1, "suspend")["ticket"]["status"] == "suspended"
    clock.advance(1800)
    hall.ticket()  # others keep arriving
    back = hall.do(2, "resume-ticket", {"ticket": away["number"]})
    assert back["resumed"]["status"] == "waiting" and back["resumed"]["position"] == 0
    # Back to window 1, which suspended it (its clerk has the file), not to window 2.
    assert hall.do(2, "call-next")["ticket"]["id"] != away["id"]
    assert hall.do(1, "call-next")["ticket"]["id"] == away["id"]


def test_a_suspended_visitor_whose_window_paused_returns_to_any_window(hall: Hall) -> None:
    away = hall.ticket()
    hall.open(1, 2)
    hall.do(1, "call-next")
    hall.do(1, "start")
    hall.do(1, "suspend")
    hall.do(1, "pause")
    hall.do(1, "resume-ticket", {"ticket": away["number"]})
    assert hall.do(2, "call-next")["ticket"]["id"] == away["id"]


def test_a_visitor_sent_back_to_a_window_that_then_pauses_goes_to_any_window(hall: Hall) -> None:
    away = hall.ticket()
    hall.open(1, 2)
    hall.do(1, "call-next")
    hall.do(1, "start")
    hall.do(1, "suspend")
    hall.do(2, "resume-ticket", {"ticket": away["number"]})
    hall.do(1, "pause")  # its screen says 「暂停服务，请到其他窗口办理」
    assert hall.do(2, "call-next")["ticket"]["id"] == away["id"]


def test_pause_resume_close(hall: Hall) -> None:
    hall.open(1)
    assert hall.do(1, "pause")["window"]["state"] == "paused"
    assert hall.act(1, "call-next").status_code == 409
    assert hall.do(1, "resume")["window"]["state"] == "open"
    assert hall.do(1, "close")["window"]["state"] == "closed"


def test_unknown_action_and_window(hall: Hall) -> None:
    reply = hall.act(1, "explode")
    assert reply.status_code == 404 and "call-next" in reply.json()["message"]
    assert hall.act(42, "open", headers=hall.admin).status_code == 404
    assert hall.c.post("/api/halls/h1/windows/x/open", headers=hall.admin).status_code == 404


def test_every_transition_is_recorded_with_time_window_and_actor(
    hall: Hall, settings: Settings, clock: Clock
) -> None:
    ticket = hall.ticket()
    hall.open(3)
    clock.advance(30)
    hall.serve(3)
    store = Store(settings.database_url)
    with store.read() as tx:
        log = tx.transitions(ticket["id"])
    store.dispose()
    assert [(r.action, r.from_status, r.to_status) for r in log] == [
        ("issue", None, "waiting"),
        ("call", "waiting", "called"),
        ("start", "called", "serving"),
        ("finish", "serving", "done"),
    ]
    assert all(r.window == 3 for r in log[1:])
    assert log[0].actor.startswith("kiosk:") and log[1].actor.startswith("window:")
    assert log[1].at == clock.now and log[0].at == clock.now - timedelta(seconds=30)


def test_a_console_opened_later_reads_the_window_and_the_day_s_alerts(
    hall: Hall, clock: Clock
) -> None:
    hall.ticket(ID_CARD, id_number="11010519491231002X")
    hall.open(2)
    hall.do(2, "call-next")
    view = hall.ok(hall.c.get("/api/halls/h1/windows/2", headers=hall.windows[2]))
    assert view["window"]["state"] == "calling" and view["ticket"]["number"] == "A001"
    assert view["ticket"]["id_masked"] == "1101**********002X"
    assert hall.c.get("/api/halls/h1/windows/2", headers=hall.windows[1]).status_code == 403
    assert hall.c.get("/api/halls/h1/windows/2", headers=hall.display).status_code == 403
    alerts = hall.ok(hall.c.get("/api/halls/h1/alerts", headers=hall.supervisor))
    assert alerts["alerts"] == []
