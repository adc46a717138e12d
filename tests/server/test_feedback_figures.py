"""The 好差评 report's and the 人员绩效 figures, computed directly (pure)."""

from datetime import UTC, date, datetime, timedelta

from queue_server.cases import CaseStatus
from queue_server.feedback_figures import (
    By,
    Case,
    Facts,
    Followup,
    Rated,
    Trip,
    Where,
    case_figures,
    matters,
    one_visit_figures,
    rating_figures,
    report,
    sent_back,
)
from queue_server.staff_figures import Signing, StaffStep, staff_figures

DAY = date(2026, 11, 25)
T0 = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)


def at(
    day: date = DAY, window: int | None = 1, staff: str | None = "A001", service: str = "S"
) -> Where:
    return Where(window, staff, service, day)


def weekdays(d: date) -> bool:
    return d.weekday() < 5


def utc_day(t: datetime) -> date:
    return t.date()


def test_no_ratings_gives_no_rates_rather_than_a_division_error() -> None:
    figures = rating_figures([], served=0)
    assert figures["count"] == 0
    assert figures["good_share"] is None
    assert figures["bad_share"] is None
    assert figures["coverage"] is None
    assert figures["mean"] is None
    assert rating_figures([], served=4)["coverage"] == 0.0


def test_basic_satisfaction_is_a_good_grade_and_the_reasons_of_bad_ones_are_ranked() -> None:
    rated = [
        Rated(at(), 5),
        Rated(at(), 3),
        Rated(at(), 2, ("办事效率", "服务态度")),
        Rated(at(), 1, ("服务态度",)),
        Rated(at(), 4, ("服务态度",)),  # a good grade's reasons are no 差评 reasons
    ]
    figures = rating_figures(rated, served=10)
    assert figures["by_grade"] == {"5": 1, "4": 1, "3": 1, "2": 1, "1": 1}
    assert (figures["good"], figures["bad"]) == (3, 2)
    assert (figures["good_share"], figures["bad_share"], figures["coverage"]) == (0.6, 0.4, 0.5)
    assert figures["bad_reasons"] == [
        {"reason": "服务态度", "count": 2},
        {"reason": "办事效率", "count": 1},
    ]


def case(status: CaseStatus, days: float | None = None, called_back: bool = False) -> Case:
    closed = T0 + timedelta(days=days) if days is not None else None
    return Case(at(), status, T0, closed, DAY + timedelta(days=21), called_back)


def test_unfounded_and_withdrawn_cases_leave_the_rectification_and_callback_rates() -> None:
    cases = [
        case(CaseStatus.CLOSED, days=6.5, called_back=True),  # Wed -> Tue: 4 working days
        case(CaseStatus.CALLED_BACK, called_back=True),
        case(CaseStatus.RECTIFIED),
        case(CaseStatus.VERIFIED),
        case(CaseStatus.DISMISSED),
        case(CaseStatus.WITHDRAWN),
    ]
    figures = case_figures(cases, DAY, weekdays, utc_day)
    assert (figures["opened"], figures["dismissed"], figures["withdrawn"]) == (6, 1, 1)
    assert figures["founded"] == 4
    assert (figures["rectified"], figures["rectified_share"]) == (3, 0.75)
    assert (figures["called_back"], figures["callback_share"]) == (2, 0.5)
    assert figures["mean_days_to_close"] == 6.5
    assert figures["mean_working_days_to_close"] == 4
    assert figures["overdue"] == 0
    late = case_figures(cases, DAY + timedelta(days=22), weekdays, utc_day)
    assert late["overdue"] == 3  # the running ones; closed, dismissed, withdrawn are not


def test_only_dismissed_cases_give_no_rates() -> None:
    figures = case_figures([case(CaseStatus.DISMISSED)], DAY, weekdays, utc_day)
    assert figures["rectified_share"] is None
    assert figures["callback_share"] is None
    assert figures["mean_days_to_close"] is None


def trip(
    n: int, days: int, person: str | None = "p1", back: bool = False, service: str = "S"
) -> Trip:
    when = T0 + timedelta(days=days)
    return Trip(at(when.date(), service=service), f"t{n}", when, person, back)


def test_a_return_within_the_repeat_days_after_a_send_back_is_a_second_trip() -> None:
    found = matters([trip(1, 0, back=True), trip(2, 30)], repeat_visit_days=30)
    assert [(m.first.ticket_id, m.trips) for m in found] == [("t1", 2)]
    assert one_visit_figures(found, 0)["one_visit_share"] == 0.0


def test_a_return_a_day_past_the_repeat_days_is_a_new_matter() -> None:
    found = matters([trip(1, 0, back=True), trip(2, 31)], repeat_visit_days=30)
    assert [(m.first.ticket_id, m.trips) for m in found] == [("t1", 1), ("t2", 1)]
    figures = one_visit_figures(found, 0)
    assert (figures["matters"], figures["one_visit"], figures["one_visit_share"]) == (2, 2, 1.0)


def test_only_a_send_back_makes_the_next_visit_a_second_trip() -> None:
    # t1 done at once; t2 (a new matter) sent back; t3 its second trip; t4 sent
    # back again, t5 a third trip of the same matter.
    trips = [
        trip(1, 0),
        trip(2, 5, back=True),
        trip(3, 6, back=True),
        trip(4, 7),
        trip(5, 8, service="other", back=True),
        trip(6, 9, person="p2", back=True),
    ]
    found = matters(trips, repeat_visit_days=30)
    assert sorted((m.first.ticket_id, m.trips) for m in found) == [
        ("t1", 1),
        ("t2", 3),
        ("t5", 1),
        ("t6", 1),
    ]
    figures = one_visit_figures(found, 0)
    assert (figures["one_visit"], figures["second_trips"]) == (3, 2)


def test_tickets_without_an_id_hash_are_counted_apart() -> None:
    trips = [trip(1, 0, person=None, back=True), trip(2, 1, person=None), trip(3, 1)]
    facts = Facts(DAY, DAY + timedelta(days=2), DAY, 30, [], trips, [], [])
    total = report(facts, By.HALL, weekdays, utc_day)["total"]
    assert total["one_visit"] == {
        "matters": 1,
        "one_visit": 1,
        "second_trips": 0,
        "one_visit_share": 1.0,
        "unmatched": 2,
    }
    assert total["ratings"]["served"] == 3


def test_a_second_trip_after_the_dates_still_counts_against_the_matter() -> None:
    trips = [trip(1, -2, back=True), trip(2, 0, back=True), trip(3, 3)]
    facts = Facts(DAY, DAY, DAY, 30, [], trips, [], [])
    one_visit = report(facts, By.DAY, weekdays, utc_day)["total"]["one_visit"]
    # t1 began before the dates; t2 is its second trip and t3 its third: no
    # matter began on DAY.
    assert one_visit["matters"] == 0
    assert one_visit["one_visit_share"] is None


def test_the_outcomes_that_send_a_visitor_back() -> None:
    assert sent_back("补正材料")
    assert sent_back(" 容缺受理：缺户口本复印件")
    assert not sent_back("办结")
    assert not sent_back(None)


def test_groups_by_window_month_and_the_follow_ups() -> None:
    later = date(2026, 12, 1)
    facts = Facts(
        DAY,
        later,
        later,
        30,
        [Rated(at(), 5), Rated(at(later, window=10), 1, ("其他",)), Rated(at(window=None), 4)],
        [],
        [],
        [
            Followup(at(), DAY + timedelta(days=5), None),
            Followup(at(), DAY + timedelta(days=5), T0),
            Followup(at(later, window=10), later + timedelta(days=5), None),
        ],
    )
    by_window = report(facts, By.WINDOW, weekdays, utc_day)["rows"]
    assert list(by_window) == ["1", "10", ""]  # windows by number; unrecorded last
    assert by_window["1"]["followups"] == {"accepted": 2, "closed": 1, "open": 1, "overdue": 1}
    by_month = report(facts, By.MONTH, weekdays, utc_day)["rows"]
    assert {k: v["ratings"]["count"] for k, v in by_month.items()} == {"2026-11": 2, "2026-12": 1}


def step(
    n: int, action: str, seconds: int, staff: str | None = "A001", window: int = 1
) -> StaffStep:
    return StaffStep(f"t{n}", action, window, T0 + timedelta(seconds=seconds), staff)


def test_idle_share_is_the_signed_in_time_without_a_ticket_in_hand() -> None:
    steps = [
        step(1, "call", 60),
        step(1, "start", 90),
        step(1, "finish", 360),
        step(2, "call", 420),
        step(2, "no-show", 480),
    ]
    signings = [
        Signing(T0, 1, "A001", True),
        Signing(T0 + timedelta(seconds=600), 1, "A001", False),
    ]
    figures = staff_figures(
        steps, signings, [("A001", 5), ("A001", 2), (None, 1)], {}, T0 + timedelta(hours=1)
    )
    a = figures["A001"]
    assert (a["served"], a["no_show"]) == (1, 1)
    assert a["handling_s"]["mean"] == 270
    assert (a["signed_in_s"], a["busy_s"], a["idle_share"]) == (600, 360, 0.4)
    assert a["ratings"] == {"count": 2, "mean": 3.5, "good_share": 0.5, "bad": 1}
    assert a["open_sign_ins"] == 0


def test_a_sign_in_without_a_recorded_end_runs_to_the_last_action_and_is_flagged() -> None:
    steps = [step(1, "call", 100), step(1, "start", 100), step(1, "finish", 400)]
    signings = [Signing(T0, 1, "A001", True)]
    until = T0 + timedelta(hours=2)
    gone = staff_figures(steps, signings, [], {}, until)["A001"]
    assert (gone["signed_in_s"], gone["idle_share"], gone["open_sign_ins"]) == (400, 0.25, 1)
    still = staff_figures(steps, signings, [], {1: "A001"}, until)["A001"]
    assert (still["signed_in_s"], still["open_sign_ins"]) == (7200, 0)


def test_a_member_who_never_signed_in_has_no_idle_share() -> None:
    steps = [
        step(1, "call", 0, staff="S01"),
        step(1, "start", 10, staff="S01"),
        step(1, "finish", 70, staff="S01"),
    ]
    figures = staff_figures(steps, [], [], {}, T0 + timedelta(hours=1))
    assert figures["S01"]["idle_share"] is None
    assert figures["S01"]["served"] == 1
