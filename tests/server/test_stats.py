"""A hall day's figures from known tickets: counts, times, percentiles, ratings."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from queue_server import catalogue
from queue_server.domain import Entry, PriorityClass, Step, Ticket, TicketAction
from queue_server.protocol import TicketStatus
from queue_server.stats import day_figures, percentile, summary, window_figures

SERVICES = catalogue.load().services
OPENING = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

S = TicketStatus
HUKOU = "HZ-SFZ-HL"  # target wait 20 min
PASSPORT = "CRJ-HZ-SC"  # target wait 20 min
LICENCE = "JSR-QM-HZ"  # target wait 20 min
LICENCE_RENEW = "JSR-YS-BZ"
REPORT = "ZA-WFZ-ZM"  # 无犯罪记录证明, target wait 20 min
ROAD_PERMIT = "ZA-DXHD-XK"  # target wait 40 min


def at(minutes: float) -> datetime:
    return OPENING + timedelta(minutes=minutes)


def maybe_at(minutes: float | None) -> datetime | None:
    return None if minutes is None else at(minutes)


def make_ticket(
    number: str,
    status: TicketStatus,
    *,
    service: str = HUKOU,
    issued: float = 0,
    arrived: float | None = None,
    called: float | None = None,
    started: float | None = None,
    finished: float | None = None,
    window: int | None = None,
    priority: PriorityClass = PriorityClass.NORMAL,
    parent_id: str | None = None,
    entry: Entry = Entry.WALK_IN,
) -> Ticket:
    """A ticket whose times are minutes after opening."""
    issued_at = at(issued)
    return Ticket(
        id=f"t-{number}-{issued}",
        hall="main",
        business_date=date(2026, 11, 25),
        number=number,
        service=service,
        category=SERVICES[service].category,
        priority=priority,
        status=status,
        arrived_at=issued_at if arrived is None else at(arrived),
        issued_at=issued_at,
        entry=entry,
        window=window,
        first_called_at=maybe_at(called),
        called_at=maybe_at(called),
        started_at=maybe_at(started),
        finished_at=maybe_at(finished),
        parent_id=parent_id,
    )


_END_ACTION = {
    TicketStatus.DONE: TicketAction.FINISH,
    TicketStatus.TRANSFERRED: TicketAction.TRANSFER,
    TicketStatus.NO_SHOW: TicketAction.NO_SHOW,
    TicketStatus.CANCELLED: TicketAction.CANCEL,
    TicketStatus.UNSERVED: TicketAction.CLOSE_DAY,
}


def steps_of(tickets: list[Ticket]) -> list[Step]:
    """The transitions the server would have stored for these simple tickets."""
    steps = []
    for t in tickets:
        if t.called_at:
            steps.append(Step(t.id, TicketAction.CALL.value, t.window, t.called_at))
        if t.started_at:
            steps.append(Step(t.id, TicketAction.START.value, t.window, t.started_at))
        if t.finished_at:
            steps.append(Step(t.id, _END_ACTION[t.status].value, t.window, t.finished_at))
    return steps


# ---------------------------------------------------------------- percentiles


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        (list(range(1, 11)), 0.5, 5),
        (list(range(1, 11)), 0.9, 9),
        (list(range(1, 11)), 1.0, 10),
        (list(range(1, 11)), 0.1, 1),
        (list(range(1, 11)), 0.0, 1),
        (list(range(1, 101)), 0.9, 90),
        (list(range(1, 101)), 0.95, 95),
        ([7], 0.5, 7),
        ([7], 0.9, 7),
        ([10, 20, 30], 0.5, 20),
        ([10, 20, 30], 0.9, 30),
        ([10, 20, 30, 40], 0.5, 20),
        ([1.5, 2.5], 0.5, 1.5),
    ],
)
def test_percentile_by_nearest_rank(values: list[float], share: float, expected: float) -> None:
    assert percentile(values, share) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (range(1, 11), {"count": 10, "mean": 6, "p50": 5, "p90": 9, "max": 10}),
        ([600, 60, 120], {"count": 3, "mean": 260, "p50": 120, "p90": 600, "max": 600}),
        ([45.4], {"count": 1, "mean": 45, "p50": 45, "p90": 45, "max": 45}),
        ([], {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}),
    ],
)
def test_summary(values: list[float], expected: dict[str, Any]) -> None:
    assert summary(values) == expected


# ---------------------------------------------------------------- a known day

# Times in minutes after opening.
T1 = make_ticket("A001", S.DONE, issued=0, called=5, started=6, finished=12, window=1)
T2 = make_ticket(
    "A002",
    S.DONE,
    issued=2,
    called=4,
    started=5,
    finished=10,
    window=2,
    priority=PriorityClass.ELDERLY,
)
T3 = make_ticket("B001", S.NO_SHOW, service=PASSPORT, issued=1, called=31, finished=33, window=1)
T4 = make_ticket("A003", S.CANCELLED, issued=3, finished=8)
T5 = make_ticket("A004", S.UNSERVED, issued=5, finished=540)
T6 = make_ticket(
    "C001",
    S.TRANSFERRED,
    service=LICENCE,
    issued=10,
    called=15,
    started=16,
    finished=20,
    window=2,
)
T7 = make_ticket(  # T6's second leg: same visitor, same arrival
    "C001",
    S.DONE,
    service=LICENCE_RENEW,
    issued=20,
    arrived=10,
    called=25,
    started=26,
    finished=36,
    window=3,
    parent_id=T6.id,
    entry=Entry.TRANSFER,
)
DAY = [T1, T2, T3, T4, T5, T6, T7]
RATINGS = [5, 5, 4, 3, 1]


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return day_figures(DAY, SERVICES, RATINGS, steps_of(DAY))


def test_counts(figures: dict[str, Any]) -> None:
    counts = {
        k: figures[k]
        for k in (
            "issued",
            "served",
            "no_show",
            "cancelled",
            "unserved",
            "transferred",
            "waiting",
            "in_progress",
            "suspended",
        )
    }
    assert counts == {
        "issued": 6,  # the transfer leg is the same visitor
        "served": 3,
        "no_show": 1,
        "cancelled": 1,
        "unserved": 1,
        "transferred": 1,
        "waiting": 0,
        "in_progress": 0,
        "suspended": 0,
    }


def test_wait_is_first_call_minus_issue(figures: dict[str, Any]) -> None:
    # A001 300, A002 120, B001 1800, C001 300; the transfer leg has no wait of its own
    assert figures["wait_s"] == {"count": 4, "mean": 630, "p50": 300, "p90": 1800, "max": 1800}


def test_handling_counts_finished_services_only(figures: dict[str, Any]) -> None:
    # A001 360, A002 300, C001's second leg 600; not the transferred first leg
    assert figures["handling_s"] == {
        "count": 3,
        "mean": 420,
        "p50": 360,
        "p90": 600,
        "max": 600,
    }


def test_time_in_hall_runs_from_arrival_to_finish(figures: dict[str, Any]) -> None:
    # A001 720, A002 480, C001 from its first arrival: 26 minutes
    assert figures["time_in_hall_s"] == {
        "count": 3,
        "mean": 920,
        "p50": 720,
        "p90": 1560,
        "max": 1560,
    }


def test_within_target_share(figures: dict[str, Any]) -> None:
    # B001 waited 30 minutes against a 20-minute target; the other three were within
    assert figures["within_target_share"] == 0.75


def test_green_and_normal_channels(figures: dict[str, Any]) -> None:
    green, normal = figures["by_channel"]["green"], figures["by_channel"]["normal"]
    assert green["issued"] == 1
    assert green["wait_s"] == {"count": 1, "mean": 120, "p50": 120, "p90": 120, "max": 120}
    assert green["handling_s"]["count"] == 1
    assert green["handling_s"]["mean"] == 300
    assert normal["issued"] == 5
    assert normal["wait_s"] == {"count": 3, "mean": 800, "p50": 300, "p90": 1800, "max": 1800}
    assert normal["handling_s"]["count"] == 2
    assert normal["handling_s"]["mean"] == 480


def test_by_service(figures: dict[str, Any]) -> None:
    by_service = figures["by_service"]
    assert set(by_service) == {HUKOU, PASSPORT, LICENCE, LICENCE_RENEW}
    hukou = by_service[HUKOU]
    assert hukou["name"] == SERVICES[HUKOU].name == "居民身份证换领"
    assert hukou["issued"] == 4
    assert (hukou["wait_s"]["count"], hukou["wait_s"]["max"]) == (2, 300)
    assert (hukou["handling_s"]["count"], hukou["handling_s"]["mean"]) == (2, 330)
    assert by_service[PASSPORT]["issued"] == 1
    assert by_service[PASSPORT]["handling_s"]["count"] == 0
    assert by_service[LICENCE]["issued"] == 1
    assert by_service[LICENCE]["handling_s"]["count"] == 0
    assert by_service[LICENCE_RENEW]["issued"] == 0
    assert by_service[LICENCE_RENEW]["handling_s"]["mean"] == 600


def test_by_window(figures: dict[str, Any]) -> None:
    assert figures["by_window"] == {
        "1": {"served": 1, "busy_s": 360},  # A001; B001 never started
        "2": {"served": 1, "busy_s": 540},  # A002 300 + C001 until its transfer 240
        "3": {"served": 1, "busy_s": 600},
    }


def test_ratings(figures: dict[str, Any]) -> None:
    assert figures["ratings"] == {
        "count": 5,
        "mean": 3.6,
        "by_grade": {"5": 2, "4": 1, "3": 1, "2": 0, "1": 1},
    }


def test_an_empty_day() -> None:
    figures = day_figures([], SERVICES, [], [])
    nothing = {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}
    assert figures["issued"] == figures["served"] == figures["no_show"] == 0
    assert figures["wait_s"] == figures["handling_s"] == figures["time_in_hall_s"] == nothing
    assert figures["within_target_share"] is None
    assert figures["by_channel"]["green"] == {"issued": 0, "wait_s": nothing, "handling_s": nothing}
    assert figures["by_service"] == {}
    assert figures["by_window"] == {}
    assert figures["ratings"] == {
        "count": 0,
        "mean": None,
        "by_grade": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0},
    }


def test_a_morning_with_nobody_called_yet() -> None:
    waiting = [make_ticket(f"A00{i}", S.WAITING, issued=i) for i in range(3)]
    figures = day_figures(waiting, SERVICES, [], steps_of(waiting))
    assert (figures["issued"], figures["waiting"], figures["served"]) == (3, 3, 0)
    assert figures["wait_s"]["count"] == 0
    assert figures["within_target_share"] is None
    assert figures["by_window"] == {}


@pytest.mark.parametrize(
    ("service", "waited_min", "within"),
    [
        (HUKOU, 19, 1.0),
        (HUKOU, 20, 1.0),  # exactly on target counts as within
        (HUKOU, 21, 0.0),
        (ROAD_PERMIT, 39, 1.0),  # each service has its own target
        (ROAD_PERMIT, 41, 0.0),
        (REPORT, 30, 0.0),
    ],
)
def test_within_target_uses_the_services_target(
    service: str, waited_min: float, within: float
) -> None:
    ticket = make_ticket(
        "E001", S.DONE, service=service, called=waited_min, started=waited_min + 1, finished=50
    )
    assert day_figures([ticket], SERVICES, [], steps_of([ticket]))["within_target_share"] == within


def test_wait_counts_from_the_first_call_not_a_recall() -> None:
    ticket = make_ticket("A001", S.CALLED, issued=0, called=10, window=1)
    ticket = replace(ticket, called_at=at(14), recalls=2)
    assert day_figures([ticket], SERVICES, [], steps_of([ticket]))["wait_s"]["max"] == 600


@pytest.mark.parametrize(
    ("status", "in_progress", "suspended"),
    [(S.CALLED, 1, 0), (S.SERVING, 1, 0), (S.SUSPENDED, 0, 1)],
)
def test_live_tickets_are_counted_as_such(
    status: TicketStatus, in_progress: int, suspended: int
) -> None:
    ticket = make_ticket("A001", status, called=3, started=4, window=1)
    figures = day_figures([ticket], SERVICES, [], steps_of([ticket]))
    assert (figures["in_progress"], figures["suspended"], figures["served"]) == (
        in_progress,
        suspended,
        0,
    )
    assert figures["handling_s"]["count"] == 0


@pytest.mark.parametrize(
    ("ratings", "mean"),
    [([5], 5.0), ([1, 2], 1.5), ([5, 4, 4], 4.33), ([3, 3, 3, 4], 3.25)],
)
def test_ratings_mean(ratings: list[int], mean: float) -> None:
    assert day_figures([], SERVICES, ratings, [])["ratings"]["mean"] == mean


def _suspended_visitor(ending: str) -> list[Step]:
    """Served at window 1 from 2 to 5 min, suspended; then `ending` (as stored steps)."""
    steps = [
        Step("t", TicketAction.CALL.value, 1, at(1)),
        Step("t", TicketAction.START.value, 1, at(2)),
        Step("t", TicketAction.SUSPEND.value, 1, at(5)),
    ]
    if ending == "never came back":
        return [*steps, Step("t", TicketAction.CLOSE_DAY.value, None, at(540))]
    return [
        *steps,
        Step("t", TicketAction.RESUME.value, None, at(60)),
        Step("t", TicketAction.CALL.value, 2, at(61)),
        Step("t", TicketAction.NO_SHOW.value, 2, at(65)),
    ]


@pytest.mark.parametrize("ending", ["never came back", "came back, no-show at window 2"])
def test_busy_time_is_the_time_spent_serving(ending: str) -> None:
    by_window = window_figures(_suspended_visitor(ending))
    assert by_window == {"1": {"served": 0, "busy_s": 180}}  # window 2 never served


def test_a_resumed_visitor_served_at_another_window_counts_there() -> None:
    steps = [
        *_suspended_visitor("came back, no-show at window 2")[:4],
        Step("t", TicketAction.CALL.value, 2, at(61)),
        Step("t", TicketAction.START.value, 2, at(62)),
        Step("t", TicketAction.FINISH.value, 2, at(70)),
    ]
    assert window_figures(steps) == {
        "1": {"served": 0, "busy_s": 180},
        "2": {"served": 1, "busy_s": 480},
    }
