"""The indexed waiting queue answers exactly as walking the whole list does.

`choose_next`, `estimate` and the holder's order reasons run on the index the
hall keeps (one sorted list per kind of plain walk-in, the rest walked); the
reference is the same function on the plain list. Generated queues mix
services, green channel, appointments, transfers, returns, directed tickets
and same-instant arrivals; windows mix skills, lanes and states.
"""

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.dispatch import choose_next
from queue_server.domain import Entry, Lane, PriorityClass, Skills, Ticket, Window
from queue_server.estimate import estimate
from queue_server.protocol import TicketStatus, WindowState
from queue_server.views import order_reasons
from queue_server.waiting import WaitingQueue
from tests.server.test_domain import (
    HUKOU,
    LICENCE,
    NOW,
    PASSPORT,
    TARGET_FIRST,
    VEHICLE,
    make_ticket,
    make_window,
)

SERVICES = [HUKOU, PASSPORT, LICENCE, VEHICLE]
MEANS = {HUKOU: 600.0, PASSPORT: 900.0, LICENCE: 420.0, VEHICLE: 1200.0}

tickets = st.lists(
    st.tuples(
        st.sampled_from(SERVICES),
        st.integers(0, 240),  # minutes waited: repeats make same-instant arrivals
        st.sampled_from([PriorityClass.NORMAL] * 4 + [PriorityClass.ELDERLY]),
        st.sampled_from([Entry.WALK_IN] * 6 + [Entry.APPOINTMENT, Entry.TRANSFER, Entry.RETURN]),
        st.sampled_from([None] * 8 + [1, 2]),  # directed to a window
    ),
    max_size=60,
)
windows = st.lists(
    st.tuples(
        st.sampled_from([None, "hukou", "exit_entry", "driver"]),  # None: takes everything
        st.sampled_from([Lane.STANDARD, Lane.STANDARD, Lane.GREEN]),
        st.sampled_from([WindowState.OPEN, WindowState.SERVING, WindowState.CLOSED]),
    ),
    min_size=1,
    max_size=4,
)


def queue_of(drawn: list[tuple[str, int, PriorityClass, Entry, int | None]]) -> list[Ticket]:
    found = []
    for n, (service, waited, priority, entry, directed) in enumerate(drawn, start=1):
        ticket = make_ticket(
            f"A{n:03d}", service=service, waited_min=waited, priority=priority, entry=entry
        )
        appointment_at = NOW - timedelta(minutes=5) if entry is Entry.APPOINTMENT else None
        found.append(
            replace(
                ticket,
                id=f"t{n}",
                directed_window=directed,
                appointment_at=appointment_at,
            )
        )
    return found


def windows_of(drawn: list[tuple[str | None, Lane, WindowState]]) -> list[Window]:
    found = []
    for n, (category, lane, state) in enumerate(drawn, start=1):
        skills = Skills() if category is None else Skills(False, categories=frozenset({category}))
        found.append(make_window(n, state=state, skills=skills, lane=lane))
    return found


@settings(max_examples=300, deadline=None)
@given(tickets, windows)
def test_the_index_calls_the_same_ticket(drawn: list, drawn_windows: list) -> None:
    waiting = queue_of(drawn)
    queue = WaitingQueue.of(waiting)
    for window in windows_of(drawn_windows):
        walked = choose_next(waiting, window, TARGET_FIRST, NOW)
        indexed = choose_next(queue, window, TARGET_FIRST, NOW)
        assert indexed == walked


@settings(max_examples=200, deadline=None)
@given(tickets, windows, st.lists(st.integers(0, 59), max_size=20))
def test_the_ranked_heads_follow_the_queue_as_it_changes(
    drawn: list, drawn_windows: list, leaving: list[int]
) -> None:
    """Heads ranked once, then kept through arrivals, calls and a new policy:
    every window still calls what walking the queue calls."""
    waiting = queue_of(drawn)
    staff = windows_of(drawn_windows)
    queue = WaitingQueue.of(waiting[: len(waiting) // 2])
    queue.ranked(TARGET_FIRST)
    for ticket in waiting[len(waiting) // 2 :]:
        queue.put(ticket)
    policies = [TARGET_FIRST] * len(leaving) + [replace(TARGET_FIRST, green_boost_s=3600)]
    for pick, policy in zip([*leaving, 0], policies, strict=True):
        for window in staff:
            walked = choose_next(list(queue.tickets.values()), window, policy, NOW)
            assert choose_next(queue, window, policy, NOW) == walked
        if queue.tickets:
            gone = list(queue.tickets.values())[pick % len(queue.tickets)]
            queue.put(replace(gone, status=TicketStatus.CALLED))
    fresh = WaitingQueue.of(queue.tickets.values())
    assert queue.ranked(policies[-1]) == fresh.ranked(policies[-1])


@settings(max_examples=300, deadline=None)
@given(tickets, windows, st.integers(0, 59))
def test_the_index_gives_the_same_estimate(drawn: list, drawn_windows: list, pick: int) -> None:
    waiting = queue_of(drawn)
    if not waiting:
        return
    queue = WaitingQueue.of(waiting)
    staff = windows_of(drawn_windows)
    mine = waiting[pick % len(waiting)]
    arrivals = {(t.service, t.category, t.green_channel): 1 for t in waiting}
    walked = estimate(mine, waiting, staff, MEANS, TARGET_FIRST, NOW, arrivals=arrivals)
    indexed = estimate(mine, queue, staff, MEANS, TARGET_FIRST, NOW, arrivals=arrivals)
    assert indexed.position == walked.position
    assert abs(indexed.wait_s - walked.wait_s) <= 1  # sums of the same floats in another order


@settings(max_examples=300, deadline=None)
@given(tickets, windows, st.integers(0, 59))
def test_the_index_gives_the_same_order_reasons(
    drawn: list, drawn_windows: list, pick: int
) -> None:
    waiting = queue_of(drawn)
    if not waiting:
        return
    queue = WaitingQueue.of(waiting)
    staff = windows_of(drawn_windows)
    mine = waiting[pick % len(waiting)]
    walked = order_reasons(mine, waiting, staff, TARGET_FIRST, NOW)
    assert order_reasons(mine, queue, staff, TARGET_FIRST, NOW) == walked


def test_a_ticket_leaving_the_queue_leaves_its_kind() -> None:
    first, second = make_ticket("A001", waited_min=10), make_ticket("A002", waited_min=5)
    second = replace(second, id="t2")
    queue = WaitingQueue.of([first, second])
    assert [k[4] for k in queue.kinds[(HUKOU, "hukou", False)]] == [first.id, "t2"]
    queue.put(replace(first, status=TicketStatus.CALLED))
    assert [k[4] for k in queue.kinds[(HUKOU, "hukou", False)]] == ["t2"]
    queue.put(replace(second, status=TicketStatus.CANCELLED))
    assert queue.kinds == {} and queue.tickets == {}


def test_a_single_later_green_ticket_is_a_reason_on_the_index() -> None:
    mine = make_ticket("A001", waited_min=10)
    green = replace(make_ticket("A002", waited_min=5, priority=PriorityClass.ELDERLY), id="t-green")
    queue = WaitingQueue.of([mine, green])
    assert queue.later((HUKOU, "hukou", True), mine.arrived_at) == green
    assert queue.later((HUKOU, "hukou", True), green.arrived_at) is None
    staff = [make_window(1)]
    reasons = order_reasons(mine, queue, staff, TARGET_FIRST, NOW)
    assert (
        reasons == ["green_channel"] == order_reasons(mine, [mine, green], staff, TARGET_FIRST, NOW)
    )


def test_a_tie_at_the_instant_before_mine_counts_as_ahead() -> None:
    """A normal ticket that came exactly the green boost (20 min) before a green
    one ranks level with it; it came first, so it is ahead."""
    mine = make_ticket("A002", waited_min=10, priority=PriorityClass.ELDERLY)
    level = replace(make_ticket("A001", waited_min=30), id="t-level")
    staff = [make_window(1, state=WindowState.SERVING)]
    walked = estimate(mine, [level, mine], staff, MEANS, TARGET_FIRST, NOW)
    indexed = estimate(mine, WaitingQueue.of([level, mine]), staff, MEANS, TARGET_FIRST, NOW)
    assert indexed.position == walked.position == 1
