"""The calm hall's green deadline (`dispatch.in_force`, issue 18).

While no normal walk-in has waited past its target, a green ticket is called
by 20 minutes after it came, ahead of normal quick items; once a normal one is
overdue, the deadline-first order alone decides.
"""

from dataclasses import replace

from queue_server.dispatch import choose_next, in_force
from queue_server.domain import PriorityClass
from queue_server.waiting import WaitingQueue
from tests.server.test_domain import HUKOU, NOW, TARGET_FIRST, VEHICLE, make_ticket, make_window

GREEN = PriorityClass.ELDERLY


def test_a_green_long_item_goes_first_while_no_normal_ticket_is_overdue() -> None:
    # A normal ID card (20-minute target) has waited 9 minutes, a green vehicle
    # registration (30-minute target) 1 minute: by the boost alone the green
    # one ranks as though it had a 40-minute deadline, behind the ID card's 31.
    id_card = make_ticket("A001", service=HUKOU, waited_min=9)
    vehicle = make_ticket("D001", service=VEHICLE, waited_min=1, priority=GREEN)
    queue = WaitingQueue.of([id_card, vehicle])
    window = make_window()
    boost_alone = replace(TARGET_FIRST, green_calm_cap_min=0)
    assert choose_next(queue, window, in_force(boost_alone, queue, NOW), NOW) == id_card
    now = in_force(TARGET_FIRST, queue, NOW)
    assert now.green_cap_min == 20
    assert choose_next(queue, window, now, NOW) == vehicle


def test_a_normal_ticket_past_its_target_takes_the_deadline_away() -> None:
    id_card = make_ticket("A001", service=HUKOU, waited_min=21)  # past its 20 minutes
    vehicle = make_ticket("D001", service=VEHICLE, waited_min=1, priority=GREEN)
    queue = WaitingQueue.of([id_card, vehicle])
    assert in_force(TARGET_FIRST, queue, NOW) is TARGET_FIRST
    assert choose_next(queue, make_window(), TARGET_FIRST, NOW) == id_card


def test_only_normal_tickets_count_as_overdue() -> None:
    late_green = make_ticket("A001", service=HUKOU, waited_min=45, priority=GREEN)
    queue = WaitingQueue.of([late_green, make_ticket("A002", service=HUKOU, waited_min=19)])
    assert in_force(TARGET_FIRST, queue, NOW).green_cap_min == 20


def test_a_halls_own_tighter_deadline_or_none_at_all_is_kept() -> None:
    queue = WaitingQueue.of([make_ticket("A001", service=HUKOU, waited_min=1)])
    tight = replace(TARGET_FIRST, green_cap_min=10)
    assert in_force(tight, queue, NOW) is tight
    looser = replace(TARGET_FIRST, green_cap_min=25)
    assert in_force(looser, queue, NOW).green_cap_min == 20
    off = replace(TARGET_FIRST, green_calm_cap_min=0)
    assert in_force(off, queue, NOW) is off
