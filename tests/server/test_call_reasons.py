"""Why a window called the ticket it called (call_reasons), as a table: the
called ticket, the tickets waiting with it, the window, and the reason with how
many it passed over. Pure: no server."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from queue_server.call_reasons import CallWhy, boost_parts, holder_line, went_before, why_called
from queue_server.dispatch import choose_next
from queue_server.domain import Entry, Lane, Policy, PriorityClass, Skills, Ticket, Window
from queue_server.protocol import (
    CALL_REASON_BOARD,
    CALL_REASON_ZH,
    CallReason,
    TicketStatus,
    WindowState,
)
from queue_server.waiting import WaitingQueue

from .test_domain import (
    CERTIFICATE,
    HUKOU,
    NOW,
    PASSPORT,
    TARGET_FIRST,
    VEHICLE,
    ago,
    make_ticket,
)

R = CallReason
ANY = Window("main", 1, "1", state=WindowState.OPEN)
GREEN_LANE = replace(ANY, lane=Lane.GREEN)
HUKOU_ONLY = replace(ANY, skills=Skills(accepts_all=False, categories=frozenset({"hukou"})))
OLD = PriorityClass.ELDERLY


def appointment(number: str, waited: float, slot_in: float = 0) -> Ticket:
    t = make_ticket(number, waited_min=waited, entry=Entry.APPOINTMENT)
    return replace(t, appointment_at=NOW + timedelta(minutes=slot_in))


CASES = [
    # (name, called, the others waiting, window, reason, passed)
    ("alone", make_ticket("A001", waited_min=9), [], ANY, R.LONGEST_WAIT, 0),
    (
        "the first to arrive, long enough before the green channel",
        make_ticket("A001", waited_min=30),
        [make_ticket("A002", waited_min=5, priority=OLD)],
        ANY,
        R.LONGEST_WAIT,
        0,
    ),
    (
        "green channel",
        make_ticket("A003", waited_min=2, priority=OLD),
        [make_ticket("A001", waited_min=9), make_ticket("A002", waited_min=5)],
        ANY,
        R.GREEN,
        2,
    ),
    (
        "green over green: the shorter target",
        make_ticket("A004", service=CERTIFICATE, waited_min=2, priority=OLD),
        [make_ticket("A001", waited_min=5, priority=OLD)],
        ANY,
        R.TARGET,
        1,
    ),
    (
        "a shorter target wait",
        make_ticket("A005", service=CERTIFICATE, waited_min=4),
        [make_ticket("D001", service=VEHICLE, waited_min=9)],
        ANY,
        R.TARGET,
        1,
    ),
    (
        "appointment",
        appointment("A006", 1),
        [make_ticket("A001", waited_min=9)],
        ANY,
        R.APPOINTMENT,
        1,
    ),
    (
        "transfer",
        make_ticket("B001", service=PASSPORT, waited_min=3, entry=Entry.TRANSFER),
        [make_ticket("A001", waited_min=9)],
        ANY,
        R.TRANSFER,
        1,
    ),
    (
        "back from a suspension",
        make_ticket("A007", waited_min=30, entry=Entry.RETURN),
        [make_ticket("A010", waited_min=40), make_ticket("A011", waited_min=35, priority=OLD)],
        ANY,
        R.RESUMED,
        2,
    ),
    (
        "a green lane takes the green channel first",
        make_ticket("A008", waited_min=1, priority=OLD),
        [make_ticket("A001", waited_min=60)],
        GREEN_LANE,
        R.GREEN,
        1,
    ),
    (
        "tickets the window cannot call are not passed over",
        make_ticket("A009", waited_min=1),
        [make_ticket("B002", service=PASSPORT, waited_min=30)],
        HUKOU_ONLY,
        R.LONGEST_WAIT,
        0,
    ),
]


@pytest.mark.parametrize(
    ("called", "others", "window", "reason", "passed"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_calls_reason(
    called: Ticket, others: list[Ticket], window: Window, reason: CallReason, passed: int
) -> None:
    waiting = [called, *others]
    # Dispatch calls this ticket: the reason says why, over a list and an indexed queue.
    assert choose_next(waiting, window, TARGET_FIRST, NOW) == called
    for queue in (waiting, WaitingQueue.of(waiting)):
        why = why_called(called, queue, window, TARGET_FIRST, NOW)
        assert (why.reason, why.passed) == (reason, passed)
        first = min((t.arrived_at for t in others if window.accepts(t)), default=None)
        assert why.earliest == (first if passed else None)


def test_a_number_called_out_of_turn_is_by_number_unless_it_was_first() -> None:
    first, later = make_ticket("A001", waited_min=9), make_ticket("A002", waited_min=2)
    queue = WaitingQueue.of([first, later])
    by_hand = why_called(later, queue, ANY, TARGET_FIRST, NOW, by_number=True)
    assert by_hand == CallWhy(R.BY_NUMBER, 1, ago(9))
    # A clerk's call of the longest-waiting number passed nobody over.
    assert why_called(first, queue, ANY, TARGET_FIRST, NOW, by_number=True).reason is (
        R.LONGEST_WAIT
    )


@pytest.mark.parametrize(
    "ticket",
    [
        make_ticket("A001"),
        make_ticket("A002", service=CERTIFICATE, priority=OLD),
        make_ticket("D001", service=VEHICLE, entry=Entry.TRANSFER),
        make_ticket("A003", directed_window=4),
        make_ticket("A004", entry=Entry.RETURN, priority=OLD),
        appointment("A005", 0, slot_in=5),
        appointment("A006", 0, slot_in=120),  # too early for its slot: no head start yet
        make_ticket("B001", service=PASSPORT, priority=OLD),
        make_ticket("D002", service=VEHICLE, priority=OLD, entry=Entry.TRANSFER),
    ],
)
def test_the_head_starts_add_up_to_the_policys_boost(ticket: Ticket) -> None:
    # A green deadline (green_cap_min) raises the green head start of a long item.
    capped = replace(TARGET_FIRST, green_cap_min=20)
    for policy in (Policy(), TARGET_FIRST, capped, replace(capped, green_boost_s=0)):
        assert sum(boost_parts(ticket, policy, NOW).values()) == policy.boost(ticket, NOW)


def test_every_reason_has_its_words() -> None:
    assert set(CALL_REASON_ZH) == set(CALL_REASON_BOARD) == set(CallReason)
    assert CALL_REASON_ZH[R.LONGEST_WAIT] == "等候最久"
    assert CALL_REASON_BOARD[R.GREEN] == "绿色通道优先办理"
    assert HUKOU  # the test hall's default item, as in test_domain


def test_a_holder_reads_why_the_numbers_at_the_windows_went_first() -> None:
    mine = make_ticket("A001", waited_min=20)

    def at_window(number: str, reason: CallReason, window: int, **kw: Any) -> Ticket:
        t = make_ticket(number, status=TicketStatus.CALLED, window=window, **kw)
        return replace(t, call_reason=reason)

    green = at_window("A005", R.GREEN, 1, waited_min=5, called_min=1)
    by_hand = at_window("A006", R.BY_NUMBER, 2, waited_min=4, called_min=0)
    held = [
        green,
        by_hand,
        at_window("A007", R.LONGEST_WAIT, 1, waited_min=3, called_min=0),  # in its turn
        at_window("A000", R.GREEN, 1, waited_min=30, called_min=0),  # took before mine
        # by a window that cannot call mine
        at_window("B001", R.TARGET, 3, service=PASSPORT, waited_min=2, called_min=0),
    ]
    exit_entry = Skills(accepts_all=False, categories=frozenset({"exit_entry"}))
    windows = [ANY, replace(ANY, number=2), replace(ANY, number=3, skills=exit_entry)]
    assert went_before(mine, held, windows) == [by_hand, green]  # newest call first
    assert [holder_line(t) for t in went_before(mine, held, windows)] == [
        "刚才叫的 A006 号由窗口指定叫号",
        "刚才叫的 A005 号为绿色通道，优先办理",
    ]
    assert went_before(replace(mine, status=TicketStatus.CALLED), held, windows) == []


def test_a_green_deadline_is_the_green_channels_head_start() -> None:
    """A hall that gives the green channel only a deadline (green_cap_min, no
    green_boost_s): a green transfer called ahead went first for being green."""
    deadline = replace(TARGET_FIRST, green_boost_s=0, green_cap_min=20)
    first = make_ticket("D001", service=VEHICLE, waited_min=15)
    green = make_ticket("D002", service=VEHICLE, priority=OLD, entry=Entry.TRANSFER, waited_min=5)
    queue = WaitingQueue.of([first, green])
    assert choose_next(queue, ANY, deadline, NOW) == green
    assert why_called(green, queue, ANY, deadline, NOW).reason is R.GREEN
