"""The hall's day: opening hours, closing, auto no-show, alerts, snapshots.

The jobs run with a driven clock (the scheduler is off in these tests), twice
and from two threads at once, to show that a second run changes nothing.
"""

import threading
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from queue_server.day import HallDay
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, PASSPORT, Hall

# Clock starts Wednesday 2026-11-25 09:30 in Shanghai.
WEEKDAYS = {"mon": [["09:00", "12:00"], ["13:30", "17:00"]]} | {
    d: [["09:00", "12:00"], ["13:30", "17:00"]] for d in ("tue", "wed", "thu", "fri")
}


def events(day: HallDay, hall: str = "h1", after: int = 0) -> list[tuple[str, dict[str, Any]]]:
    with day.services.store.read() as tx:
        return [(e.type, e.data) for e in tx.events_since(hall, after)]


def set_hours(hall: Hall, weekly: dict[str, Any], closed: list[str] | None = None) -> Any:
    return hall.ok(
        hall.c.put(
            "/api/halls/h1/hours",
            json={"weekly": weekly, "closed_dates": closed or []},
            headers=hall.admin,
        )
    )


# ---------------------------------------------------------------- opening hours


def test_hours_are_validated_and_shown(hall: Hall) -> None:
    stored = set_hours(hall, WEEKDAYS, ["2026-10-01"])
    assert stored["weekly"]["wed"] == [["09:00", "12:00"], ["13:30", "17:00"]]
    assert hall.ok(hall.c.get("/api/halls/h1", headers=hall.kiosk))["hours"] == stored
    bad = [
        {"weekly": {"funday": [["09:00", "12:00"]]}},
        {"weekly": {"mon": [["12:00", "09:00"]]}},
        {"weekly": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}},
        {"weekly": {"mon": [["9am", "noon"]]}},
        {"weekly": {}, "closed_dates": ["1 Oct"]},
    ]
    for body in bad:
        reply = hall.c.put("/api/halls/h1/hours", json=body, headers=hall.admin)
        assert reply.status_code == 422, body
        assert reply.json()["message"]


def test_a_hall_without_hours_is_always_open(hall: Hall, clock: Clock) -> None:
    clock.advance(14 * 3600)  # 23:30
    assert hall.issue().status_code == 201


def test_outside_hours_the_kiosk_is_told_the_next_opening(hall: Hall, clock: Clock) -> None:
    set_hours(hall, WEEKDAYS)
    clock.advance(3 * 3600)  # 12:30: the midday break
    reply = hall.issue()
    assert reply.status_code == 409 and reply.json()["error"] == "hall_closed"
    assert "2026-11-25 13:30" in reply.json()["message"]
    assert reply.json()["details"]["opens_at"].startswith("2026-11-25T13:30:00+08:00")
    clock.advance(1.5 * 3600)  # 14:00
    assert hall.issue().status_code == 201


def test_closed_dates_and_weekends_point_to_the_next_working_day(hall: Hall, clock: Clock) -> None:
    set_hours(hall, WEEKDAYS, ["2026-11-26", "2026-11-27"])
    clock.advance(8 * 3600)  # Wednesday 17:30, then Thursday and Friday are closed dates
    reply = hall.issue()
    assert reply.status_code == 409
    assert "2026-11-30 09:00" in reply.json()["message"]  # the Monday after


def test_a_service_that_no_longer_fits_before_closing_says_so(hall: Hall, clock: Clock) -> None:
    set_hours(hall, WEEKDAYS)
    clock.advance(7 * 3600 + 20 * 60)  # 16:50
    reply = hall.issue("JDC-ZC-DJ")  # 机动车注册登记 takes longer than 10 minutes
    assert reply.status_code == 409 and reply.json()["error"] == "too_late_today"
    assert "17:00" in reply.json()["message"]
    assert hall.issue("JSR-TJ-ZM").status_code == 201  # a short item still fits


# ---------------------------------------------------------------- closing


def test_closing_ends_the_day_once_even_when_run_twice_at_once(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    set_hours(hall, WEEKDAYS)
    hall.ticket()
    hall.ticket()
    hall.ticket(PASSPORT)
    hall.open(1, 2, 3)
    hall.do(1, "call-next")
    hall.do(1, "start")  # window 1 is still serving at closing
    hall.do(2, "pause")
    assert day.close_day("h1", clock.now) == 0  # not yet
    clock.advance(7.5 * 3600 + 1)  # 17:00:01
    results: list[int] = []
    runs = [
        threading.Thread(target=lambda: results.append(day.close_day("h1", clock.now)))
        for _ in range(2)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=30)
    assert sorted(results)[0] == 0 and sorted(results)[1] > 0  # one did it, one found it done
    figures = hall.stats()
    assert figures["unserved"] == 2 and figures["in_progress"] == 1
    board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    states = {w["number"]: w["state"] for w in board["windows"]}
    assert states == {1: "serving", 2: "closed", 3: "closed", 4: "closed", 5: "closed"}
    closed = [data for kind, data in events(day) if kind == "hall.closed"]
    assert len(closed) == 1 and closed[0]["unserved"] == 2 and closed[0]["issued"] == 3
    # Once the last visitor is finished, the next run closes window 1 too.
    hall.do(1, "finish")
    assert day.close_day("h1", clock.now) == 1
    assert day.close_day("h1", clock.now) == 0


def test_tickets_left_from_an_earlier_day_end_unserved(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    set_hours(hall, WEEKDAYS)
    hall.ticket()
    clock.advance(24 * 3600)  # the server missed yesterday's closing; Thursday 09:30
    assert day.close_day("h1", clock.now) == 1
    yesterday = hall.ok(hall.c.get("/api/halls/h1/stats?date=2026-11-25", headers=hall.supervisor))
    assert yesterday["unserved"] == 1 and yesterday["waiting"] == 0
    assert day.close_day("h1", clock.now) == 0


# ---------------------------------------------------------------- auto no-show


def test_a_called_visitor_who_never_comes_is_a_no_show_after_the_last_recall(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    hall.ticket()
    nxt = hall.ticket()
    hall.open(1)
    hall.do(1, "call-next")
    clock.advance(600)
    assert day.auto_no_show("h1", clock.now) == 0  # recalls not used up yet
    hall.do(1, "recall")
    hall.do(1, "recall")
    clock.advance(119)
    assert day.auto_no_show("h1", clock.now) == 0  # 2 minutes after the last recall
    clock.advance(2)
    assert day.auto_no_show("h1", clock.now) == 1
    assert day.auto_no_show("h1", clock.now) == 0
    assert hall.stats()["no_show"] == 1
    assert hall.do(1, "call-next")["ticket"]["id"] == nxt["id"]  # the window is free


# ---------------------------------------------------------------- alerts


def test_over_wait_alerts_are_raised_once_with_the_windows_needed(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    hall.open(1)
    for _ in range(6):
        hall.ticket(ID_CARD)  # target 20 minutes
    clock.advance(19 * 60)
    assert day.raise_alerts("h1", clock.now) == 0
    clock.advance(2 * 60)
    assert day.raise_alerts("h1", clock.now) == 6
    assert day.raise_alerts("h1", clock.now) == 0
    alerts = [data["alert"] for kind, data in events(day) if kind == "alert.raised"]
    assert len(alerts) == 6
    first = alerts[0]
    assert first["kind"] == "over_wait" and first["number"] == "A001"
    assert first["waited_s"] == 21 * 60 and first["target_s"] == 20 * 60
    # 6 visitors of ~6 minutes on one open window: 2 windows bring it under 20 minutes.
    assert first["extra_windows"] >= 1
    listed = hall.ok(hall.c.get("/api/halls/h1/alerts", headers=hall.supervisor))["alerts"]
    assert [a["number"] for a in listed] == [a["number"] for a in alerts]
    assert listed[0]["at"].endswith("+08:00")


def test_a_long_queue_raises_one_alert_per_category_per_day(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    hall.c.put("/api/halls/h1/policy", json={"queue_alert_length": 3}, headers=hall.admin)
    for _ in range(3):
        hall.ticket(PASSPORT)
    hall.ticket(ID_CARD)
    assert day.raise_alerts("h1", clock.now) == 1
    hall.ticket(PASSPORT)
    assert day.raise_alerts("h1", clock.now) == 0
    alert = next(d["alert"] for k, d in events(day) if k == "alert.raised")
    assert alert["kind"] == "queue_length" and alert["category"] == "exit_entry"
    assert alert["waiting"] == 3 and alert["extra_windows"] >= 1


# ---------------------------------------------------------------- snapshots


def test_figure_snapshots_are_one_per_five_minutes(hall: Hall, day: HallDay, clock: Clock) -> None:
    hall.ticket()
    hall.open(1)
    assert day.snapshot_figures("h1", clock.now) == 1
    clock.advance(60)
    assert day.snapshot_figures("h1", clock.now) == 0  # same 5-minute slot
    hall.serve(1)  # waited 60 s
    clock.advance(150)
    hall.ticket()
    clock.advance(30)
    hall.serve(1)  # waited 30 s
    hall.ticket()  # still waiting: no wait yet
    clock.advance(5 * 60)
    assert day.tick(clock.now)["snapshots"] == 1
    rows = hall.ok(hall.c.get("/api/halls/h1/snapshots", headers=hall.supervisor))["snapshots"]
    assert [(r["waiting"], r["served"], r["mean_wait_s"]) for r in rows] == [
        (1, 0, None),
        (1, 2, 45),
    ]
    assert rows[1]["at"] > rows[0]["at"] and rows[1]["open_windows"] == 1


def test_tick_runs_every_job_for_every_hall(hall: Hall, day: HallDay, clock: Clock) -> None:
    done = day.tick(clock.now + timedelta(hours=10))
    assert set(done) == {
        *("no_show", "alerts", "snapshots", "missed_bookings", "closed", "sessions_ended"),
        *("followup_reminders", "ticket_reminders", "personal_data_erased", "missed_remote"),
    }


def test_the_tick_forgets_sign_ins_past_their_twelve_hours(
    hall: Hall, day: HallDay, clock: Clock
) -> None:
    password = "s3cret-Pass-Word"
    member = {"staff_no": "A001", "name": "王小明", "role": "clerk", "password": password}
    hall.ok(hall.c.post("/api/halls/h1/staff", json=member, headers=hall.admin), 201)
    sign_in = {"hall": "h1", "staff_no": "A001", "password": password}
    hall.ok(hall.c.post("/api/login", json=sign_in))
    clock.advance(6 * 3600)
    hall.ok(hall.c.post("/api/login", json=sign_in))  # the browser keeps this one
    clock.advance(6 * 3600)  # the first session's 12 hours are up
    assert day.tick(clock.now)["sessions_ended"] == 1
    assert day.tick(clock.now)["sessions_ended"] == 0
    assert hall.ok(hall.c.get("/api/whoami"))["staff"]["staff_no"] == "A001"


def test_two_processes_ticking_at_once_change_nothing_twice(
    hall: Hall, settings: Settings, clock: Clock, client: TestClient
) -> None:
    """Two schedulers (separate stores, as two server processes have) run every job
    at the same instant: each alert, no-show and snapshot happens once."""
    hall.c.put("/api/halls/h1/policy", json={"queue_alert_length": 2}, headers=hall.admin)
    for _ in range(3):
        hall.ticket()
    hall.open(1)
    hall.do(1, "call-next")
    hall.do(1, "recall")
    hall.do(1, "recall")
    clock.advance(25 * 60)
    stores = [Store(settings.database_url) for _ in range(2)]
    days = [HallDay(HallServices(store, settings, clock=clock)) for store in stores]
    results: list[dict[str, int]] = []
    threads = [threading.Thread(target=lambda d=d: results.append(d.tick(clock.now))) for d in days]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        kinds = [d["alert"]["kind"] for k, d in events(days[0]) if k == "alert.raised"]
    finally:
        for store in stores:
            store.dispose()
    total = {k: sum(r[k] for r in results) for k in results[0]}
    # One no-show, alerts for 2 waiting tickets past target plus the hukou queue, one snapshot.
    assert total["no_show"] == 1 and total["snapshots"] == 1
    assert total["alerts"] == 3
    assert sorted(kinds) == ["over_wait", "over_wait", "queue_length"]
