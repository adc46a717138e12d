"""The figures of simulated days, the targets, and the candidate changes' arithmetic."""

from datetime import UTC, date, datetime

import pytest

from queue_server import catalogue
from queue_server.domain import Policy, PriorityClass, Ticket, TicketStatus
from queue_server.simulation import figures
from queue_server.simulation.candidates import TargetFirst, _solve, corrected_estimate
from queue_server.simulation.day import HallConfig, comprehensive, service_mix, visitors
from queue_server.simulation.hall import DayResult, Outcome, run

CATALOGUE = catalogue.load()


def outcome(
    visitor: int,
    wait_min: float,
    *,
    green: bool = False,
    target_min: float = 20,
    estimate_min: float | None = None,
) -> Outcome:
    return Outcome(
        visitor=visitor,
        service="HZ-SFZ-HL",
        green=green,
        status=TicketStatus.DONE,
        arrived_s=9 * 3600.0,
        wait_s=wait_min * 60,
        in_hall_s=(wait_min + 6) * 60,
        estimate_s=round((wait_min if estimate_min is None else estimate_min) * 60),
        target_wait_s=target_min * 60,
    )


def result(*outcomes: Outcome) -> DayResult:
    return DayResult(outcomes=outcomes, labels=("综合窗口",), busy_s=(3600.0,), staffed_s=7200.0)


def test_stats_are_in_minutes_with_a_nearest_rank_p90() -> None:
    s = figures.stats(60.0 * m for m in range(1, 11))
    assert (s.count, s.mean, s.p90, s.max) == (10, 5.5, 9.0, 10.0)
    assert figures.stats([]) == figures.Stats(0, 0.0, 0.0, 0.0)


def test_over_twice_the_target_counts_against_green_only_if_fifo_kept_it_under() -> None:
    fifo = [result(outcome(0, 30), outcome(1, 50), outcome(2, 1, green=True))]
    ours = [result(outcome(0, 45), outcome(1, 55), outcome(2, 0.5, green=True))]
    p = figures.policy("ours", ours, fifo)
    assert p.over_twice_target == 2  # both normal tickets waited more than 40 minutes
    assert p.over_because_green == 1  # visitor 1 was over under FIFO too
    assert p.green.mean == 0.5 and p.normal.mean == 50


def test_estimate_accuracy_counts_error_within_five_minutes_and_bias() -> None:
    items = [outcome(0, 10), outcome(1, 10, estimate_min=16), outcome(2, 10)]
    acc = figures.accuracy(items)
    assert acc.count == 3
    assert acc.within_5 == pytest.approx(2 / 3)
    assert acc.bias == pytest.approx(2.0)
    assert acc.mae == pytest.approx(2.0)


def test_targets_name_what_was_measured_and_whether_it_was_met() -> None:
    day = [result(outcome(0, 10), outcome(1, 1, green=True))]
    cut = figures.reform(day, day)
    rows = figures.targets(
        cut,
        figures.policy("x", day, day),
        figures.policy("f", day, day),
        figures.accuracy(day[0].outcomes),
    )
    assert [t.met for t in rows] == [False, True, True, True, True, True]
    assert rows[0].measured == "+0.0%"


@pytest.mark.parametrize(
    ("base", "overtakers", "wait"),
    [
        (600, [], 600),
        (600, [(0.2, 10_000)], 750),  # overtaken all along: base / (1 - 0.2)
        (600, [(0.2, 60)], 612),  # overtaken only during the first minute
        (600, [(0.2, 700), (0.2, 60)], 600 + 12 + 0.2 * 700),  # solved on the last segment
    ],
)
def test_the_overtaking_correction_solves_its_fixed_point(
    base: float, overtakers: list[tuple[float, float]], wait: float
) -> None:
    assert _solve(base, overtakers) == pytest.approx(wait)
    w = _solve(base, overtakers)
    assert w == pytest.approx(base + sum(s * min(w, h) for s, h in overtakers))


def ticket(service: str, priority: PriorityClass) -> Ticket:
    at = datetime(2026, 3, 2, 1, tzinfo=UTC)
    return Ticket(
        id="1",
        hall="h",
        business_date=date(2026, 3, 2),
        number="A001",
        service=service,
        category="hukou",
        priority=priority,
        status=TicketStatus.WAITING,
        arrived_at=at,
        issued_at=at,
    )


def test_target_first_gives_short_targets_a_head_start_on_top_of_the_green_boost() -> None:
    policy = TargetFirst(targets={"quick": 15.0, "long": 30.0})
    now = datetime(2026, 3, 2, 2, tzinfo=UTC)
    green = Policy().green_boost_s
    assert policy.boost(ticket("long", PriorityClass.NORMAL), now) == 0
    assert policy.boost(ticket("quick", PriorityClass.NORMAL), now) == 2 * 15 * 60
    assert policy.boost(ticket("quick", PriorityClass.ELDERLY), now) == 2 * 15 * 60 + green


def test_the_corrected_estimate_drives_a_day_like_the_domains() -> None:
    config = HallConfig(windows=6, arrivals=150)
    people = list(visitors(config, CATALOGUE, seed=4))
    guess = corrected_estimate(service_mix(CATALOGUE), config.green_share)
    day = run(
        people, comprehensive(config), Policy(), config=config, catalogue=CATALOGUE, estimator=guess
    )
    assert len(day.outcomes) == len(people)
    assert figures.accuracy(day.outcomes).count > 0
