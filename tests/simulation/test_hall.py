"""The simulated hall day: repeatable, conserving, and driving the real dispatch.

Small days and hand-made visitors; every case runs in milliseconds.
"""

from collections import Counter
from dataclasses import replace

import pytest

from queue_server import catalogue
from queue_server.domain import Policy, PriorityClass, Skills
from queue_server.protocol import TicketStatus
from queue_server.simulation import figures
from queue_server.simulation.day import (
    HallConfig,
    Staff,
    Visitor,
    comprehensive,
    dedicated,
    visitors,
)
from queue_server.simulation.hall import FIFO, STRICT, DayResult, run

CATALOGUE = catalogue.load()
SMALL = HallConfig(windows=6, arrivals=150)
NINE = 9 * 3600.0
NO_BREAKS = HallConfig(windows=2, break_minutes=0)


def person(
    index: int,
    at_s: float,
    *,
    service: str = "HZ-SFZ-HL",  # 居民身份证换领, hukou
    green: bool = False,
    handling_s: float = 600.0,
    absent: bool = False,
) -> Visitor:
    s = CATALOGUE.services[service]
    return Visitor(
        index=index,
        arrive_s=at_s,
        service=s.code,
        category=s.category,
        prefix=s.prefix,
        priority=PriorityClass.ELDERLY if green else PriorityClass.NORMAL,
        handling_s=handling_s,
        walk_s=0.0,
        absent=absent,
    )


def day(people: list[Visitor], staff: Staff, policy: Policy, config: HallConfig) -> DayResult:
    return run(people, staff, policy, config=config, catalogue=CATALOGUE)


def call_order(result: DayResult) -> list[int]:
    called = [o for o in result.outcomes if o.status is not TicketStatus.UNSERVED]
    return [o.visitor for o in sorted(called, key=lambda o: (o.arrived_s + o.wait_s, o.visitor))]


def test_a_seed_gives_the_same_day_twice_and_another_seed_another_day() -> None:
    first = visitors(SMALL, CATALOGUE, seed=7)
    assert first == visitors(SMALL, CATALOGUE, seed=7)
    assert first != visitors(SMALL, CATALOGUE, seed=8)
    staff = comprehensive(SMALL)
    assert day(list(first), staff, Policy(), SMALL) == day(list(first), staff, Policy(), SMALL)


def test_a_day_draws_visitors_inside_opening_hours_with_the_green_share() -> None:
    people = visitors(HallConfig(arrivals=2000, green_share=0.25), CATALOGUE, seed=1)
    assert 1800 < len(people) < 2200
    sessions = HallConfig().sessions
    assert all(any(a * 60 <= p.arrive_s < b * 60 for a, b in sessions) for p in people)
    green = sum(p.priority.green_channel for p in people) / len(people)
    assert 0.22 < green < 0.28
    assert all(CATALOGUE.services[p.service].walk_in for p in people)


@pytest.mark.parametrize("load", [0.85, 1.6])
def test_every_visitor_ends_served_no_show_or_unserved(load: float) -> None:
    config = HallConfig(windows=6, load=load, absent_share=0.1)
    people = visitors(config, CATALOGUE, seed=3)
    result = day(list(people), comprehensive(config), Policy(), config)
    assert [o.visitor for o in result.outcomes] == [p.index for p in people]
    ends = Counter(o.status for o in result.outcomes)
    assert set(ends) <= {TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.UNSERVED}
    assert sum(ends.values()) == len(people)
    for p, o in zip(people, result.outcomes, strict=True):
        assert (o.status is TicketStatus.NO_SHOW) == (
            p.absent and o.status is not TicketStatus.UNSERVED
        )
        assert (o.in_hall_s is not None) == (o.status is TicketStatus.DONE)
    if load > 1:
        assert ends[TicketStatus.UNSERVED] > 0  # an overloaded day leaves people at closing


def test_fifo_on_one_window_calls_in_arrival_order_and_strict_does_not() -> None:
    config = HallConfig(windows=1, arrivals=60, green_share=0.5)
    people = list(visitors(config, CATALOGUE, seed=5))
    staff = comprehensive(config)
    assert call_order(day(people, staff, FIFO, config)) == sorted(
        call_order(day(people, staff, FIFO, config))
    )
    assert call_order(day(people, staff, STRICT, config)) != [p.index for p in people]


def test_comprehensive_windows_take_the_queue_a_dedicated_window_leaves_waiting() -> None:
    # Three ID-card visitors, ten minutes each; one hukou and one exit-entry window.
    people = [person(i, NINE + 10 * (i + 1)) for i in range(3)]
    split = Staff(
        skills=(
            Skills(accepts_all=False, categories=frozenset({"hukou"})),
            Skills(accepts_all=False, categories=frozenset({"exit_entry"})),
        ),
        labels=("户政", "出入境"),
        break_at_s=(None, None),
    )
    before = day(people, split, Policy(), NO_BREAKS)
    after = day(people, comprehensive(NO_BREAKS), Policy(), NO_BREAKS)
    assert [o.wait_s for o in before.outcomes] == [0, 590, 1180]
    assert [o.wait_s for o in after.outcomes] == [0, 0, 580]
    reform = figures.reform([before], [after])
    assert reform.dedicated_in_hall.mean == pytest.approx((600 + 1190 + 1780) / 3 / 60)
    assert reform.change_pct == pytest.approx(-33.33, abs=0.01)
    assert [(g.label, g.windows) for g in reform.dedicated_windows] == [("户政", 1), ("出入境", 1)]


def test_an_absent_visitor_costs_the_window_its_recalls() -> None:
    config = HallConfig(windows=1, break_minutes=0, recall_gap_s=30)
    people = [person(0, NINE + 10, absent=True), person(1, NINE + 20)]
    result = day(people, comprehensive(config), Policy(max_recalls=2), config)
    gone, next_one = result.outcomes
    assert gone.status is TicketStatus.NO_SHOW
    # called at +10 s, recalled at +40 and +70, no-show at +100: the next is called then
    assert next_one.wait_s == pytest.approx(100 - 20)


def test_a_window_on_break_calls_nobody() -> None:
    config = HallConfig(windows=1, break_starts=(9 * 60 + 5,), break_minutes=30)
    people = [person(0, NINE + 600)]  # arrives at 09:10, the window rests 09:05-09:35
    (only,) = day(people, comprehensive(config), Policy(), config).outcomes
    assert only.wait_s == pytest.approx(25 * 60)


def test_green_channel_precedence_is_bounded_by_the_boost() -> None:
    # One window busy until 09:10; a normal visitor waits from 09:00:20, a green
    # one arrives later. With a 5-minute boost the green one goes first only if
    # the normal one has waited less than 5 minutes more than them.
    busy = person(0, NINE + 1, handling_s=600)
    normal = person(1, NINE + 20)
    early_green = person(2, NINE + 200, green=True)
    config = HallConfig(windows=1, break_minutes=0)
    staff = comprehensive(config)
    policy = Policy(
        green_boost_s=300, green_calm_cap_min=0, green_busy_cap_min=0
    )  # the boost alone
    assert call_order(day([busy, normal, early_green], staff, policy, config)) == [0, 2, 1]
    late_green = person(2, NINE + 500, green=True)
    assert call_order(day([busy, normal, late_green], staff, policy, config)) == [0, 1, 2]


def id_card_then_vehicle(busy_s: float, policy: Policy, normal: str = "HZ-SFZ-HL") -> list[int]:
    """The call order when one window is busy from 09:00:01 for `busy_s`, a
    normal ID-card renewal (20-minute target: called by 40 minutes; or another
    `normal` item) waits from 09:00:20 and a green vehicle registration
    (30-minute target) comes at 09:03:20."""
    people = [
        person(0, NINE + 1, handling_s=busy_s),
        person(1, NINE + 20, service=normal),
        person(2, NINE + 200, service="JDC-ZC-DJ", green=True),
    ]
    config = HallConfig(windows=1, break_minutes=0)
    return call_order(day(people, comprehensive(config), policy, config))


def test_a_green_long_item_keeps_its_deadline_against_normal_quick_ones() -> None:
    # The window frees at 09:10. The boost alone ranks the vehicle 20 minutes
    # ahead, as though it came at 08:43:20 with a 60-minute deadline: behind. A
    # 20-minute green deadline (09:23:20) is before the ID card's 40 (09:40:20):
    # first.
    ours = Policy(targets=CATALOGUE.targets())
    boost_alone = replace(ours, green_calm_cap_min=0, green_busy_cap_min=0)
    assert id_card_then_vehicle(600, boost_alone) == [0, 1, 2]
    assert id_card_then_vehicle(600, replace(boost_alone, green_cap_min=20)) == [0, 2, 1]
    # The default gives that deadline while no normal ticket is past its target:
    # at 09:10 the ID card has waited 9 min 40 s of its 20.
    assert id_card_then_vehicle(600, ours) == [0, 2, 1]


def test_the_calm_green_deadline_gives_way_once_a_normal_ticket_nears_its_target() -> None:
    # A normal 户籍证明 (15-minute target) is due by 09:30:20. While it has
    # waited under 90 % of its target (the window frees at 09:10), the green
    # vehicle's calm deadline (09:23:20) comes first; once it has (at 09:25),
    # the busy deadline (09:33:20) comes after it.
    ours = Policy(targets=CATALOGUE.targets())
    assert id_card_then_vehicle(600, ours, normal="HZ-HJ-ZM") == [0, 2, 1]
    assert id_card_then_vehicle(1500, ours, normal="HZ-HJ-ZM") == [0, 1, 2]


def test_at_the_busiest_a_green_long_item_is_due_by_30_minutes() -> None:
    # At 09:25 the ID card (due 09:40:20) is past its target; by the green head
    # start alone the vehicle would be due at 09:43:20, by the busy deadline
    # at 09:33:20.
    ours = Policy(targets=CATALOGUE.targets())
    assert id_card_then_vehicle(1500, ours) == [0, 2, 1]
    assert id_card_then_vehicle(1500, replace(ours, green_busy_cap_min=0)) == [0, 1, 2]


def test_a_short_target_visitor_goes_before_a_long_target_one_who_came_earlier() -> None:
    # One window busy until 09:10; a vehicle registration (30-minute target)
    # waits from 09:00:20, an ID-card renewal (20 minutes) comes at 09:03:20.
    busy = person(0, NINE + 1, handling_s=600)
    vehicle = person(1, NINE + 20, service="JDC-ZC-DJ")
    id_card = person(2, NINE + 200)
    config = HallConfig(windows=1, break_minutes=0)
    staff = comprehensive(config)
    ours = Policy(targets=CATALOGUE.targets())
    assert call_order(day([busy, vehicle, id_card], staff, ours, config)) == [0, 2, 1]
    plain = replace(ours, target_boost_s_per_min=0)
    assert call_order(day([busy, vehicle, id_card], staff, plain, config)) == [0, 1, 2]


def test_dedicated_windows_follow_the_workload_with_one_per_category() -> None:
    staff = dedicated(HallConfig(windows=16), CATALOGUE)
    counts = Counter(staff.labels)
    assert sum(counts.values()) == 16
    assert set(counts) == {c.name for c in CATALOGUE.categories.values()}
    assert min(counts.values()) >= 1
    assert counts["户政"] == max(counts.values())
    assert all(not s.accepts_all and len(s.categories) == 1 for s in staff.skills)
    with pytest.raises(ValueError, match="at least one per category"):
        dedicated(HallConfig(windows=5), CATALOGUE)


def test_estimates_are_printed_for_every_ticket() -> None:
    people = visitors(SMALL, CATALOGUE, seed=2)
    result = day(list(people), comprehensive(SMALL), Policy(), SMALL)
    assert all(o.estimate_s >= 0 for o in result.outcomes)
    assert any(o.estimate_s > 0 for o in result.outcomes)
