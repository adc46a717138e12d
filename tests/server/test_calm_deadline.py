"""The green deadline in force (`dispatch.in_force`, issue 18).

While no normal walk-in has waited 90 % of its target, a green ticket is
called by 20 minutes after it came, ahead of normal quick items; once a normal
one has, by 30 minutes, so that a green long item is not left behind every
quick normal one at the hall's busiest.
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
    boost_alone = replace(TARGET_FIRST, green_calm_cap_min=0, green_busy_cap_min=0)
    assert choose_next(queue, window, in_force(boost_alone, queue, NOW), NOW) == id_card
    now = in_force(TARGET_FIRST, queue, NOW)
    assert now.green_cap_min == 20
    assert choose_next(queue, window, now, NOW) == vehicle


def test_a_normal_ticket_near_its_target_loosens_the_deadline() -> None:
    id_card = make_ticket("A001", service=HUKOU, waited_min=19)  # over 90 % of its 20 minutes
    vehicle = make_ticket("D001", service=VEHICLE, waited_min=1, priority=GREEN)
    queue = WaitingQueue.of([id_card, vehicle])
    busy = in_force(TARGET_FIRST, queue, NOW)
    assert busy.green_cap_min == 30
    assert choose_next(queue, make_window(), busy, NOW) == id_card  # due in 21 minutes, not 29
    calm = WaitingQueue.of([make_ticket("A001", service=HUKOU, waited_min=17), vehicle])
    assert in_force(TARGET_FIRST, calm, NOW).green_cap_min == 20


def test_at_the_busiest_a_green_long_item_is_still_due_by_30_minutes() -> None:
    # The ID card is due 40 minutes after it came, in 21; by the green head
    # start alone the vehicle registration would be due in 28 (40 after it
    # came), so every quick normal item coming in the next 7 minutes would
    # pass it too. By the busy deadline it is due in 18.
    id_card = make_ticket("A001", service=HUKOU, waited_min=19)
    vehicle = make_ticket("D001", service=VEHICLE, waited_min=12, priority=GREEN)
    queue = WaitingQueue.of([id_card, vehicle])
    window = make_window()
    head_start_alone = replace(TARGET_FIRST, green_busy_cap_min=0)
    assert in_force(head_start_alone, queue, NOW) is head_start_alone
    assert choose_next(queue, window, head_start_alone, NOW) == id_card
    assert choose_next(queue, window, in_force(TARGET_FIRST, queue, NOW), NOW) == vehicle


def test_only_normal_tickets_count_as_overdue() -> None:
    late_green = make_ticket("A001", service=HUKOU, waited_min=45, priority=GREEN)
    queue = WaitingQueue.of([late_green, make_ticket("A002", service=HUKOU, waited_min=17)])
    assert in_force(TARGET_FIRST, queue, NOW).green_cap_min == 20


def test_a_halls_own_tighter_deadline_or_none_at_all_is_kept() -> None:
    queue = WaitingQueue.of([make_ticket("A001", service=HUKOU, waited_min=1)])
    tight = replace(TARGET_FIRST, green_cap_min=10)
    assert in_force(tight, queue, NOW) is tight
    looser = replace(TARGET_FIRST, green_cap_min=25)
    assert in_force(looser, queue, NOW).green_cap_min == 20
    busy = WaitingQueue.of([make_ticket("A001", service=HUKOU, waited_min=19)])
    assert in_force(looser, busy, NOW) is looser  # tighter than the busy 30 minutes
    off = replace(TARGET_FIRST, green_calm_cap_min=0, green_busy_cap_min=0)
    assert in_force(off, queue, NOW) is off
    busy_only = replace(TARGET_FIRST, green_calm_cap_min=0)
    assert in_force(busy_only, queue, NOW).green_cap_min == 30
