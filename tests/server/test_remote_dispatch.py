"""线上取号 in the pure core: a remote place whose holder is away keeps its rank
but is never called; a call that would have picked it passes it over once;
after check-in it is called in its place; a place passed over drops when the
hall's grace ends. Tables with a fixed `now`, as in test_domain."""

from dataclasses import replace
from datetime import timedelta

import pytest

from queue_server.dispatch import choose_next, dispatch_order, passed_over
from queue_server.domain import Policy, Skills, Ticket, TicketAction, apply_ticket
from queue_server.errors import InvalidTransition
from queue_server.estimate import estimate
from queue_server.protocol import TicketStatus
from queue_server.remote_rules import grace_ends, grace_over, takes_remote
from queue_server.waiting import WaitingQueue

from .test_domain import HUKOU, NOW, PASSPORT, make_ticket, make_window

POLICY = Policy()


def remote(number: str, waited_min: float, **kw: object) -> Ticket:
    """A place taken from a phone `waited_min` minutes ago; its holder is away."""
    return replace(make_ticket(number, waited_min=waited_min), remote=True, **kw)  # type: ignore[arg-type]


def both(tickets: list[Ticket]) -> list[list[Ticket] | WaitingQueue]:
    """The same tickets as a plain list and as the server's indexed queue."""
    return [tickets, WaitingQueue.of(tickets)]


@pytest.mark.parametrize("indexed", [False, True])
def test_an_away_holder_is_skipped_and_passed_over_once(indexed: bool) -> None:
    away, here = remote("A001", 30), make_ticket("A002", waited_min=10)
    waiting = both([away, here])[indexed]
    window = make_window()
    assert choose_next(waiting, window, POLICY, NOW) == here
    assert passed_over(waiting, window, POLICY, NOW, here) == [away]
    # Already passed over: the next call does not pass it again.
    again = replace(away, passed_at=NOW - timedelta(minutes=1))
    assert passed_over(both([again, here])[indexed], window, POLICY, NOW, here) == []


def test_only_away_places_ranked_before_the_call_are_passed_over() -> None:
    early, late = remote("A001", 30), remote("A003", 5)
    here = make_ticket("A002", waited_min=10)
    window = make_window()
    assert passed_over([early, late, here], window, POLICY, NOW, here) == [early]
    # Nobody to call: every away place the window takes had its turn.
    assert passed_over([early, late], window, POLICY, NOW, None) == [early, late]
    # A window that does not take the item passes nobody over.
    passports = make_window(skills=Skills(accepts_all=False, services=frozenset({PASSPORT})))
    assert passed_over([early, here], passports, POLICY, NOW, None) == []


def test_a_checked_in_holder_is_called_in_the_place_taken_at_home() -> None:
    taken = remote("A001", 30, passed_at=NOW - timedelta(minutes=5))
    later = make_ticket("A002", waited_min=10)
    arrived = apply_ticket(taken, TicketAction.CHECK_IN, now=NOW)
    assert not arrived.away and arrived.checked_in_at == NOW
    assert arrived.arrived_at == taken.arrived_at  # the place counts from when it was taken
    for waiting in both([arrived, later]):
        assert choose_next(waiting, make_window(), POLICY, NOW) == arrived
    assert dispatch_order([later, arrived], make_window(), POLICY, NOW) == [arrived, later]


def test_pass_stamps_the_first_time_only_and_keeps_the_ticket_waiting() -> None:
    first = apply_ticket(remote("A001", 30), TicketAction.PASS, now=NOW)
    assert first.status is TicketStatus.WAITING and first.passed_at == NOW
    again = apply_ticket(first, TicketAction.PASS, now=NOW + timedelta(minutes=3))
    assert again.passed_at == NOW


@pytest.mark.parametrize("action", [TicketAction.CHECK_IN, TicketAction.PASS, TicketAction.DROP])
def test_arrival_moves_refuse_a_ticket_whose_holder_is_here(action: TicketAction) -> None:
    present = make_ticket("A001", waited_min=5)
    checked_in = replace(remote("A002", 5), checked_in_at=NOW)
    for ticket in (present, checked_in):
        with pytest.raises(InvalidTransition) as refused:
            apply_ticket(ticket, action, now=NOW)
        assert refused.value.code == "not_away"


def test_the_grace_runs_from_the_first_pass_and_ends_with_arrival() -> None:
    policy = Policy(remote_grace_min=15)
    assert grace_ends(remote("A001", 30), policy) is None  # not passed over yet
    passed = remote("A001", 30, passed_at=NOW)
    assert grace_ends(passed, policy) == NOW + timedelta(minutes=15)
    assert grace_ends(replace(passed, checked_in_at=NOW), policy) is None
    dropped = apply_ticket(passed, TicketAction.DROP, now=NOW + timedelta(minutes=15))
    assert dropped.status is TicketStatus.NO_SHOW


def test_the_estimate_counts_only_holders_who_will_be_called_before() -> None:
    away = remote("A001", 30)
    here = [make_ticket(f"A00{n}", waited_min=20 - n) for n in range(2, 5)]
    mine = remote("A009", 1)
    windows = [make_window(ticket_id="x", state=make_window().state)]
    means = {HUKOU: 600.0}
    for waiting in both([away, *here, mine]):
        got = estimate(mine, waiting, windows, means, POLICY, NOW)
        assert got.position == 3  # the three here; not the away holder ahead
        first = estimate(here[0], waiting, windows, means, POLICY, NOW)
        assert first.position == 0  # the away place ranked first is not ahead of anyone


def test_a_dropped_place_is_one_whose_grace_ended() -> None:
    policy = Policy(remote_grace_min=15)
    over = remote("A001", 40, passed_at=NOW - timedelta(minutes=15))
    kept = remote("A002", 40, passed_at=NOW - timedelta(minutes=14))
    arrived = replace(over, id="arrived", checked_in_at=NOW - timedelta(minutes=1))
    assert grace_over([over, kept, arrived, remote("A003", 5)], policy, NOW) == [over]


@pytest.mark.parametrize(
    ("share", "others", "remotes", "takes"),
    [
        (30, 0, 0, True),  # an empty hall takes one
        (30, 0, 1, False),
        (30, 6, 2, True),  # the 3rd of 9: 30 % of 9 is 2.7, rounded up 3
        (30, 3, 2, False),  # the 3rd of 6: 30 % of 6 is 1.8, rounded up 2
        (0, 10, 0, False),  # 0 % turns remote queueing off
        (100, 0, 5, True),
    ],
)
def test_the_remote_share_counts_every_waiting_ticket_and_the_new_place(
    share: int, others: int, remotes: int, takes: bool
) -> None:
    waiting = [make_ticket(f"A{n:03d}", waited_min=1) for n in range(others)]
    waiting += [remote(f"R{n:03d}", 1) for n in range(remotes)]
    assert takes_remote(waiting, Policy(remote_share_pct=share)) is takes
