"""The forecast's calendar rules and the Erlang C recommendation (pure), and
the simulator's window plan (HallConfig.schedule)."""

from dataclasses import replace
from datetime import date

from queue_server import catalogue as catalogue_module
from queue_server.domain import Policy, Skills
from queue_server.forecast import (
    DayKind,
    DayRecord,
    Slot,
    candidates,
    error,
    forecast,
    kind_of,
    open_slots,
)
from queue_server.simulation.day import HallConfig, Staff, visitors
from queue_server.simulation.hall import run
from queue_server.staffing import advise, erlang_c, mean_wait_s, windows_for

HOLIDAYS = {date(2026, 10, d) for d in range(1, 8)}
MAKEUP = {date(2026, 10, 10)}


def is_open(d: date) -> bool:
    return (d.weekday() < 5 or d in MAKEUP) and d not in HOLIDAYS


def test_calendar_rules() -> None:
    assert kind_of(date(2026, 10, 2), is_open, MAKEUP.__contains__) is DayKind.CLOSED
    assert kind_of(date(2026, 10, 8), is_open, MAKEUP.__contains__) is DayKind.AFTER_BREAK
    assert kind_of(date(2026, 10, 9), is_open, MAKEUP.__contains__) is DayKind.ORDINARY
    assert (
        kind_of(date(2026, 10, 12), is_open, MAKEUP.__contains__) is DayKind.ORDINARY
    )  # a weekend
    assert kind_of(date(2026, 10, 10), is_open, MAKEUP.__contains__) is DayKind.MAKEUP
    # A 调休 Saturday looks back at Mondays; any other day at its own weekday.
    assert candidates(date(2026, 10, 10), DayKind.MAKEUP, 2) == [
        date(2026, 10, 5),
        date(2026, 9, 28),
    ]
    assert candidates(date(2026, 10, 8), DayKind.ORDINARY, 2) == [
        date(2026, 10, 1),
        date(2026, 9, 24),
    ]
    assert (
        open_slots([(540, 720), (810, 1020)])[:2] == [540, 570]
        and len(open_slots([(540, 720), (810, 1020)])) == 13
    )


def test_the_forecast_averages_and_the_error_is_measured() -> None:
    days = [DayRecord(date(2026, 9, d), {540: n}, {540: 600.0 * n}) for d, n in ((3, 10), (10, 20))]
    f = forecast(date(2026, 9, 17), DayKind.AFTER_BREAK, days, [540, 570])
    assert [s.arrivals for s in f.slots] == [18.75, 0.0] and f.slots[0].work_min == 187.5
    came = DayRecord(date(2026, 9, 17), {540: 15, 570: 5}, {})
    e = error([(f, came)])
    assert e.slot_wape == (3.75 + 5) / 20 and e.day_wape == 1.25 / 20


def test_erlang_c_and_the_windows() -> None:
    assert erlang_c(1, 0.5) == 0.5  # M/M/1: P(wait) = ρ
    assert mean_wait_s(1, 0.5, 600) == 600  # ρ/(1-ρ) × s
    advice = windows_for(Slot(540, 30, 300), {1200.0: 1.0}, safety=0)  # 10 windows of load
    assert advice.windows > 10 and advice.within_share >= 0.8
    fewer = windows_for(Slot(540, 30, 300), {1200.0: 1.0}, share=0.5, safety=0)
    assert fewer.windows <= advice.windows
    # The half-hour after a busy one keeps windows for its queue; not across a break.
    plan = advise([Slot(540, 40, 400), Slot(570, 4, 40), Slot(810, 4, 40)], {1200.0: 1.0})
    assert plan[1].windows > plan[2].windows


def test_a_half_hour_that_expects_no_one_still_serves_the_queue_before() -> None:
    # 11:30 has 92 window-minutes of 10-minute visitors, 12:00 none: the queue
    # left at 11:30 is served at 12:00, with more than one window.
    plan = advise([Slot(690, 9.2, 92), Slot(720, 0, 0), Slot(750, 0, 0)], {1200.0: 1.0})
    assert plan[1].windows >= 3 and plan[1].windows < plan[0].windows
    assert plan[2].windows == 1  # nothing left by then
    alone = advise([Slot(720, 0, 0)], {1200.0: 1.0})
    assert alone[0].windows == 1 and alone[0].within_share == 1.0
    # Visitors whose work is not yet recorded (today's, still waiting) plan on
    # the half-hour before's window time, not on none: found as a 500 at 17:00.
    unfinished = advise([Slot(990, 13, 100), Slot(1020, 0.25, 0)], {1200.0: 1.0})
    assert unfinished[1].windows >= 2


def test_the_simulator_follows_a_window_plan() -> None:
    catalogue = catalogue_module.load()
    config = HallConfig(windows=4, arrivals=40)
    people = visitors(config, catalogue, 1)
    staff = Staff((Skills(),) * 4, ("综合窗口",) * 4, (None,) * 4)
    plan = replace(config, schedule=((540, 1), (600, 4)))
    one_early = run(people, staff, Policy(), config=plan, catalogue=catalogue)
    all_day = run(people, staff, Policy(), config=config, catalogue=catalogue)
    busy = one_early.busy_s
    assert busy[0] > 0 and sum(busy[1:]) < sum(all_day.busy_s[1:])
    early = [o.wait_s for o in one_early.outcomes if o.arrived_s < 600 * 60]
    assert sum(early) > sum(o.wait_s for o in all_day.outcomes if o.arrived_s < 600 * 60)
