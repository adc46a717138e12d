"""The figures of simulated days and the targets they are judged against."""

import pytest

from queue_server import catalogue
from queue_server.domain import Policy
from queue_server.protocol import TicketStatus
from queue_server.simulation import figures
from queue_server.simulation.day import HallConfig, comprehensive, visitors
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


def test_waits_by_target_put_each_ticket_under_its_services_target() -> None:
    day = [
        result(
            outcome(0, 10, target_min=20),
            outcome(1, 30, target_min=30),
            outcome(2, 20, target_min=20),
            outcome(3, 1, green=True, target_min=30),
        )
    ]
    groups = figures.by_target(day, green=False)
    assert [(g.target_min, g.waits.count, g.waits.mean) for g in groups] == [
        (20, 2, 15.0),
        (30, 1, 30.0),
    ]
    assert [g.waits.count for g in figures.by_target(day)] == [2, 2]


def test_the_estimate_told_the_days_arrivals_only_adds_the_overtakers() -> None:
    config = HallConfig(windows=6, arrivals=150)
    people = list(visitors(config, CATALOGUE, seed=4))
    policy = Policy(targets=CATALOGUE.targets())

    def estimates(tell: bool) -> list[int]:
        day = run(
            people,
            comprehensive(config),
            policy,
            config=config,
            catalogue=CATALOGUE,
            tell_arrivals=tell,
        )
        return [o.estimate_s for o in day.outcomes]

    told, untold = estimates(True), estimates(False)
    assert all(t >= u for t, u in zip(told, untold, strict=True))  # same dispatch, same queue
    assert sum(told) > sum(untold)
