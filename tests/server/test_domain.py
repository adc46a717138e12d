"""The hall's pure rules: ticket and window lifecycles, dispatch, estimates, numbering.

Every case is a row in a table with a fixed `now`; no server, no mocks.
"""

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from queue_server import catalogue
from queue_server.dispatch import choose_next, dispatch_order, resume_window, score
from queue_server.domain import (
    TICKET_TRANSITIONS,
    WINDOW_TRANSITIONS,
    Entry,
    Hall,
    Lane,
    Policy,
    PriorityClass,
    Skills,
    Ticket,
    TicketAction,
    Window,
    WindowAction,
    apply_ticket,
    apply_window,
    format_number,
    ticket_status_zh,
    window_state_zh,
)
from queue_server.errors import InvalidTransition
from queue_server.estimate import Estimate, _solve, estimate
from queue_server.protocol import TicketStatus, WindowState

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
CATALOGUE = catalogue.load()

S = TicketStatus
A = TicketAction
WS = WindowState
WA = WindowAction

HUKOU = "HZ-SFZ-HL"  # 居民身份证换领, category hukou, prefix A; target wait 20 min
PASSPORT = "CRJ-HZ-SC"  # 普通护照首次申领, category exit_entry, prefix B; 20 min
LICENCE = "JSR-QM-HZ"  # category driver, prefix C; 20 min
VEHICLE = "JDC-ZC-DJ"  # category vehicle, prefix D; 30 min
CERTIFICATE = "HZ-HJ-ZM"  # 户籍证明开具, category hukou, prefix A; 15 min
# As the server loads a hall: each service's target wait from the catalogue.
TARGET_FIRST = Policy(targets=CATALOGUE.targets())


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def make_ticket(
    number: str = "A001",
    *,
    service: str = HUKOU,
    waited_min: float = 0,
    issued_min: float | None = None,
    priority: PriorityClass = PriorityClass.NORMAL,
    status: TicketStatus = TicketStatus.WAITING,
    entry: Entry = Entry.WALK_IN,
    directed_window: int | None = None,
    window: int | None = None,
    called_min: float | None = None,
    started_min: float | None = None,
    finished_min: float | None = None,
    outcome: str | None = None,
) -> Ticket:
    """A ticket of the Shanghai test hall that arrived `waited_min` minutes before NOW.

    The other times are also given in minutes before NOW; issued defaults to arrival.
    """
    svc = CATALOGUE.services[service]
    arrived = ago(waited_min)
    return Ticket(
        id=f"t-{number}-{service}-{entry.value}",
        hall="main",
        business_date=date(2026, 11, 25),
        number=number,
        service=service,
        category=svc.category,
        priority=priority,
        status=status,
        arrived_at=arrived,
        issued_at=arrived if issued_min is None else ago(issued_min),
        entry=entry,
        window=window,
        directed_window=directed_window,
        first_called_at=None if called_min is None else ago(called_min),
        called_at=None if called_min is None else ago(called_min),
        started_at=None if started_min is None else ago(started_min),
        finished_at=None if finished_min is None else ago(finished_min),
        outcome=outcome,
    )


def make_window(
    number: int = 1,
    *,
    state: WindowState = WindowState.OPEN,
    skills: Skills | None = None,
    lane: Lane = Lane.STANDARD,
    ticket_id: str | None = None,
) -> Window:
    return Window(
        hall="main",
        number=number,
        label=f"{number}号窗口",
        skills=skills or Skills(),
        lane=lane,
        state=state,
        ticket_id=ticket_id,
        state_since=ago(60),
    )


# A ticket in each status, with the times a ticket in that status would carry.
TICKET_IN: dict[TicketStatus, Ticket] = {
    S.WAITING: make_ticket(waited_min=10),
    S.CALLED: make_ticket(waited_min=10, status=S.CALLED, window=3, called_min=5),
    S.SERVING: make_ticket(waited_min=10, status=S.SERVING, window=3, called_min=5, started_min=4),
    S.SUSPENDED: make_ticket(
        waited_min=10, status=S.SUSPENDED, window=3, called_min=5, started_min=4
    ),
    S.DONE: make_ticket(
        waited_min=10,
        status=S.DONE,
        window=3,
        called_min=5,
        started_min=4,
        finished_min=1,
        outcome="办结",
    ),
    S.NO_SHOW: make_ticket(waited_min=10, status=S.NO_SHOW, window=3, called_min=5, finished_min=1),
    S.TRANSFERRED: make_ticket(
        waited_min=10, status=S.TRANSFERRED, window=3, called_min=5, started_min=4, finished_min=1
    ),
    S.CANCELLED: make_ticket(waited_min=10, status=S.CANCELLED, finished_min=1),
    S.UNSERVED: make_ticket(waited_min=10, status=S.UNSERVED, finished_min=1),
}


# ---------------------------------------------------------------- ticket lifecycle

# Written from DESIGN.md ("Lifecycle"), not copied from the code.
EXPECTED_TICKET_MOVES: dict[tuple[TicketStatus, TicketAction], TicketStatus] = {
    (S.WAITING, A.CALL): S.CALLED,
    (S.WAITING, A.CANCEL): S.CANCELLED,
    (S.WAITING, A.CLOSE_DAY): S.UNSERVED,
    (S.CALLED, A.RECALL): S.CALLED,
    (S.CALLED, A.START): S.SERVING,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.CALLED, A.TRANSFER): S.TRANSFERRED,
    (S.SERVING, A.FINISH): S.DONE,
    (S.SERVING, A.TRANSFER): S.TRANSFERRED,
    (S.SERVING, A.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, A.RESUME): S.WAITING,
    (S.SUSPENDED, A.CANCEL): S.CANCELLED,
    (S.SUSPENDED, A.CLOSE_DAY): S.UNSERVED,
    # 线上取号: a remote place's holder arrives, is passed over while away, or drops.
    (S.WAITING, A.CHECK_IN): S.WAITING,
    (S.WAITING, A.PASS): S.WAITING,
    (S.WAITING, A.DROP): S.NO_SHOW,
}
WHILE_AWAY = (A.CHECK_IN, A.PASS, A.DROP)


def sample(status: TicketStatus, action: TicketAction) -> Ticket:
    """The sample ticket in `status`; a remote place whose holder is away for
    the actions only such a place takes (test_remote_dispatch covers the rest)."""
    return replace(TICKET_IN[status], remote=action in WHILE_AWAY)


ALL_TICKET_PAIRS = list(itertools.product(TicketStatus, TicketAction))


def test_every_status_has_a_sample_ticket() -> None:
    assert set(TICKET_IN) == set(TicketStatus)


@pytest.mark.parametrize(
    ("status", "action"), ALL_TICKET_PAIRS, ids=[f"{s}-{a}" for s, a in ALL_TICKET_PAIRS]
)
def test_apply_ticket_follows_the_table_or_refuses(
    status: TicketStatus, action: TicketAction
) -> None:
    ticket = sample(status, action)
    before = replace(ticket)
    expected = TICKET_TRANSITIONS.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition) as refused:
            apply_ticket(ticket, action, now=NOW, window=5)
        assert f"当前为「{ticket_status_zh(status)}」" in str(refused.value)
        assert status.value in refused.value.en and action.value in refused.value.en
    else:
        after = apply_ticket(ticket, action, now=NOW, window=5)
        assert after.status is expected
        assert after.id == ticket.id and after.number == ticket.number
        assert after.arrived_at == ticket.arrived_at
    assert ticket == before


@pytest.mark.parametrize(
    ("status", "action"), ALL_TICKET_PAIRS, ids=[f"{s}-{a}" for s, a in ALL_TICKET_PAIRS]
)
def test_ticket_moves_match_the_design(status: TicketStatus, action: TicketAction) -> None:
    expected = EXPECTED_TICKET_MOVES.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            apply_ticket(sample(status, action), action, now=NOW, window=5)
    else:
        assert apply_ticket(sample(status, action), action, now=NOW, window=5).status is expected


@pytest.mark.parametrize(
    "status", [S.DONE, S.NO_SHOW, S.CANCELLED, S.TRANSFERRED, S.UNSERVED], ids=str
)
def test_ended_tickets_refuse_every_action(status: TicketStatus) -> None:
    for action in TicketAction:
        with pytest.raises(InvalidTransition):
            apply_ticket(sample(status, action), action, now=NOW, window=5)


def test_call_stamps_window_and_times() -> None:
    called = apply_ticket(TICKET_IN[S.WAITING], A.CALL, now=NOW, window=7)
    assert called.window == 7
    assert called.called_at == NOW
    assert called.first_called_at == NOW
    assert called.recalls == 0


def test_a_second_call_after_resume_keeps_the_first_call_time() -> None:
    t1, t2, t3, t4, t5 = (NOW + timedelta(minutes=m) for m in (0, 1, 4, 20, 21))
    ticket = apply_ticket(TICKET_IN[S.WAITING], A.CALL, now=t1, window=3)
    ticket = apply_ticket(ticket, A.START, now=t2)
    ticket = apply_ticket(ticket, A.SUSPEND, now=t3)
    ticket = apply_ticket(ticket, A.RESUME, now=t4)
    assert ticket.status is S.WAITING
    ticket = apply_ticket(ticket, A.CALL, now=t5, window=6)
    assert ticket.first_called_at == t1
    assert ticket.called_at == t5
    assert ticket.window == 6


def test_recall_counts_up_to_the_limit_then_refuses_naming_it() -> None:
    policy = Policy(max_recalls=2)
    ticket = apply_ticket(TICKET_IN[S.WAITING], A.CALL, now=NOW, window=3, policy=policy)
    later = NOW + timedelta(seconds=30)
    ticket = apply_ticket(ticket, A.RECALL, now=later, policy=policy)
    assert (ticket.recalls, ticket.called_at, ticket.first_called_at) == (1, later, NOW)
    ticket = apply_ticket(ticket, A.RECALL, now=later, policy=policy)
    assert ticket.recalls == 2
    with pytest.raises(InvalidTransition) as refused:
        apply_ticket(ticket, A.RECALL, now=later, policy=policy)
    message = str(refused.value)
    assert "上限（2 次），请按「过号」" in message
    assert ticket.number in message
    assert "allows 2" in refused.value.en and refused.value.code == "recall_limit"
    # no-show is still possible once recalls are used up
    assert apply_ticket(ticket, A.NO_SHOW, now=later).status is S.NO_SHOW


@pytest.mark.parametrize(("max_recalls", "allowed"), [(0, 0), (1, 1), (3, 3)])
def test_recall_limit_is_a_hall_setting(max_recalls: int, allowed: int) -> None:
    policy = Policy(max_recalls=max_recalls)
    ticket = TICKET_IN[S.CALLED]
    for _ in range(allowed):
        ticket = apply_ticket(ticket, A.RECALL, now=NOW, policy=policy)
    assert ticket.recalls == allowed
    with pytest.raises(InvalidTransition, match=f"上限（{max_recalls} 次）") as refused:
        apply_ticket(ticket, A.RECALL, now=NOW, policy=policy)
    assert f"allows {max_recalls}" in refused.value.en


def test_start_stamps_started_at() -> None:
    started = apply_ticket(TICKET_IN[S.CALLED], A.START, now=NOW)
    assert started.started_at == NOW
    assert started.window == 3


def test_finish_stamps_finished_at_and_outcome() -> None:
    done = apply_ticket(TICKET_IN[S.SERVING], A.FINISH, now=NOW, outcome="已受理")
    assert done.finished_at == NOW
    assert done.outcome == "已受理"
    assert done.started_at == TICKET_IN[S.SERVING].started_at


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.CALLED, A.NO_SHOW),
        (S.CALLED, A.TRANSFER),
        (S.SERVING, A.TRANSFER),
        (S.WAITING, A.CANCEL),
        (S.SUSPENDED, A.CANCEL),
        (S.WAITING, A.CLOSE_DAY),
        (S.SUSPENDED, A.CLOSE_DAY),
        (S.WAITING, A.DROP),
    ],
)
def test_ending_moves_stamp_finished_at(status: TicketStatus, action: TicketAction) -> None:
    assert apply_ticket(sample(status, action), action, now=NOW).finished_at == NOW


@pytest.mark.parametrize("back_to", [3, None])
def test_resume_returns_to_the_queue_head_for_the_window_given(back_to: int | None) -> None:
    suspended = replace(TICKET_IN[S.SUSPENDED], directed_window=7)
    resumed = apply_ticket(suspended, A.RESUME, now=NOW, window=back_to)
    assert resumed.status is S.WAITING
    assert resumed.entry is Entry.RETURN
    assert resumed.window == 3  # where it was last called: the board's last calls show it
    assert resumed.directed_window == back_to
    assert resumed.arrived_at == suspended.arrived_at


EXIT_ONLY = Skills(accepts_all=False, categories=frozenset({"exit_entry"}))

# The window that suspended the ticket (3), its state and skills -> where the ticket goes back.
RESUME_CASES = {
    "open: back to it": (WS.OPEN, None, 3),
    "calling someone else: back to it": (WS.CALLING, None, 3),
    "serving someone else: back to it": (WS.SERVING, None, 3),
    "paused: any window": (WS.PAUSED, None, None),
    "closed: any window": (WS.CLOSED, None, None),
    "no longer takes the service: any window": (WS.OPEN, EXIT_ONLY, None),
    "gone from the hall: any window": (None, None, None),
}


@pytest.mark.parametrize("case", RESUME_CASES, ids=list(RESUME_CASES))
def test_resume_window(case: str) -> None:
    state, skills, expected = RESUME_CASES[case]
    others = [make_window(1), make_window(2, state=WS.PAUSED)]
    home = [] if state is None else [make_window(3, state=state, skills=skills)]
    assert resume_window(TICKET_IN[S.SUSPENDED], [*others, *home]) == expected


def test_a_ticket_resumed_for_its_window_is_called_there_first_and_nowhere_else() -> None:
    back = apply_ticket(TICKET_IN[S.SUSPENDED], A.RESUME, now=NOW, window=3)
    early = make_ticket("A000", waited_min=300)
    assert choose_next([early, back], make_window(3), Policy(), NOW) == back
    assert choose_next([early, back], make_window(1), Policy(), NOW) == early
    anywhere = apply_ticket(TICKET_IN[S.SUSPENDED], A.RESUME, now=NOW)
    assert choose_next([early, anywhere], make_window(1), Policy(), NOW) == anywhere


def test_ticket_status_sets() -> None:
    assert {s for s in TicketStatus if TICKET_IN[s].active} == {
        S.WAITING,
        S.CALLED,
        S.SERVING,
        S.SUSPENDED,
    }


@pytest.mark.parametrize(
    ("priority", "green"),
    [(p, p is not PriorityClass.NORMAL) for p in PriorityClass],
    ids=str,
)
def test_every_class_but_normal_is_green_channel(priority: PriorityClass, green: bool) -> None:
    assert make_ticket(priority=priority).green_channel is green


# ---------------------------------------------------------------- window lifecycle

EXPECTED_WINDOW_MOVES: dict[tuple[WindowState, WindowAction], WindowState] = {
    (WS.CLOSED, WA.OPEN): WS.OPEN,
    (WS.OPEN, WA.PAUSE): WS.PAUSED,
    (WS.OPEN, WA.CLOSE): WS.CLOSED,
    (WS.OPEN, WA.CALL): WS.CALLING,
    (WS.PAUSED, WA.RESUME): WS.OPEN,
    (WS.PAUSED, WA.CLOSE): WS.CLOSED,
    (WS.CALLING, WA.RECALL): WS.CALLING,
    (WS.CALLING, WA.START): WS.SERVING,
    (WS.CALLING, WA.NO_SHOW): WS.OPEN,
    (WS.CALLING, WA.TRANSFER): WS.OPEN,
    (WS.SERVING, WA.FINISH): WS.OPEN,
    (WS.SERVING, WA.TRANSFER): WS.OPEN,
    (WS.SERVING, WA.SUSPEND): WS.OPEN,
}

WINDOW_IN: dict[WindowState, Window] = {
    WS.CLOSED: make_window(7, state=WS.CLOSED),
    WS.OPEN: make_window(7, state=WS.OPEN),
    WS.PAUSED: make_window(7, state=WS.PAUSED),
    WS.CALLING: make_window(7, state=WS.CALLING, ticket_id="t-A023"),
    WS.SERVING: make_window(7, state=WS.SERVING, ticket_id="t-A023"),
}

ALL_WINDOW_PAIRS = list(itertools.product(WindowState, WindowAction))


@pytest.mark.parametrize(
    ("state", "action"), ALL_WINDOW_PAIRS, ids=[f"{s}-{a}" for s, a in ALL_WINDOW_PAIRS]
)
def test_apply_window_follows_the_table_or_refuses(
    state: WindowState, action: WindowAction
) -> None:
    window = WINDOW_IN[state]
    before = replace(window)
    expected = WINDOW_TRANSITIONS.get((state, action))
    assert expected == EXPECTED_WINDOW_MOVES.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition) as refused:
            apply_window(window, action, now=NOW, ticket_id="t-A024")
        assert f"7 号窗口当前为「{window_state_zh(state)}」" in str(refused.value)
        english = refused.value.en
        assert "window 7" in english
        assert state.value in english
        assert action.value in english
    else:
        assert apply_window(window, action, now=NOW, ticket_id="t-A024").state is expected
    assert window == before


@pytest.mark.parametrize(
    ("state", "action", "ticket_id", "holds"),
    [
        (WS.OPEN, WA.CALL, "t-A024", "t-A024"),
        (WS.CALLING, WA.RECALL, None, "t-A023"),
        (WS.CALLING, WA.START, None, "t-A023"),
        (WS.CALLING, WA.NO_SHOW, None, None),
        (WS.CALLING, WA.TRANSFER, None, None),
        (WS.SERVING, WA.FINISH, None, None),
        (WS.SERVING, WA.TRANSFER, None, None),
        (WS.SERVING, WA.SUSPEND, None, None),
        (WS.CLOSED, WA.OPEN, None, None),
        (WS.OPEN, WA.PAUSE, None, None),
        (WS.PAUSED, WA.RESUME, None, None),
        (WS.OPEN, WA.CLOSE, None, None),
        # a stray ticket id is not held by a window that is not calling or serving
        (WS.OPEN, WA.PAUSE, "t-A024", None),
        (WS.SERVING, WA.FINISH, "t-A024", None),
    ],
)
def test_window_holds_a_ticket_only_while_calling_or_serving(
    state: WindowState, action: WindowAction, ticket_id: str | None, holds: str | None
) -> None:
    after = apply_window(WINDOW_IN[state], action, now=NOW, ticket_id=ticket_id)
    assert after.ticket_id == holds


@pytest.mark.parametrize(
    ("state", "action"),
    list(EXPECTED_WINDOW_MOVES),
    ids=[f"{s}-{a}" for s, a in EXPECTED_WINDOW_MOVES],
)
def test_state_since_changes_only_with_the_state(state: WindowState, action: WindowAction) -> None:
    window = WINDOW_IN[state]
    after = apply_window(window, action, now=NOW, ticket_id="t-A024")
    if after.state is window.state:
        assert after.state_since == window.state_since
    else:
        assert after.state_since == NOW


def test_refusal_names_the_ticket_a_busy_window_holds() -> None:
    with pytest.raises(InvalidTransition) as refused:
        apply_window(WINDOW_IN[WS.SERVING], WA.CLOSE, now=NOW)
    assert "window 7 is serving (t-A023)" in refused.value.en


# ---------------------------------------------------------------- dispatch

EVERYTHING = Skills()
EXIT_ENTRY_ONLY = Skills(accepts_all=False, categories=frozenset({"exit_entry"}))
PASSPORT_ONLY = Skills(accepts_all=False, services=frozenset({PASSPORT}))
DRIVER_AND_HUKOU_ID = Skills(
    accepts_all=False, services=frozenset({HUKOU}), categories=frozenset({"driver"})
)
NOTHING = Skills(accepts_all=False)

DISPATCH_CASES: list[tuple[str, list[Ticket], Window, Policy, str | None]] = [
    (
        "fifo among equal tickets",
        [
            make_ticket("A002", waited_min=20),
            make_ticket("A001", waited_min=30),
            make_ticket("A003", waited_min=10),
        ],
        make_window(),
        Policy(),
        "A001",
    ),
    (
        "same arrival: lower number first",
        [make_ticket("A002", waited_min=10), make_ticket("A001", waited_min=10)],
        make_window(),
        Policy(),
        "A001",
    ),
    (
        "equal score: earlier arrival first",
        [
            make_ticket("A002", waited_min=0, priority=PriorityClass.ELDERLY),
            make_ticket("A001", waited_min=20),  # 1200 s waited == the 1200 s boost
        ],
        make_window(),
        Policy(green_boost_s=1200),
        "A001",
    ),
    (
        "equal score: a transfer leg keeps its first arrival, not the leg's issue time",
        [
            make_ticket("A002", waited_min=5, priority=PriorityClass.ELDERLY),  # 300 + 1200
            make_ticket("C001", waited_min=25, issued_min=1, entry=Entry.TRANSFER),  # 1500 + 0
        ],
        make_window(),
        Policy(green_boost_s=1200, transfer_boost_s=0),
        "C001",
    ),
    (
        "green channel within its boost goes first",
        [
            make_ticket("A001", waited_min=10),
            make_ticket("A002", waited_min=5, priority=PriorityClass.ELDERLY),
        ],
        make_window(),
        Policy(green_boost_s=1200),
        "A002",
    ),
    (
        "no starvation: a normal ticket that waited longer than the boost",
        [
            make_ticket("A001", waited_min=25),
            make_ticket("A009", waited_min=0, priority=PriorityClass.MILITARY),
        ],
        make_window(),
        Policy(green_boost_s=1200),
        "A001",
    ),
    (
        "green_boost_s=0 is plain fifo",
        [
            make_ticket("A001", waited_min=10),
            make_ticket("A002", waited_min=5, priority=PriorityClass.ELDERLY),
        ],
        make_window(),
        Policy(green_boost_s=0),
        "A001",
    ),
    (
        "a larger boost lets a later green ticket pass",
        [
            make_ticket("A001", waited_min=25),
            make_ticket("A009", waited_min=0, priority=PriorityClass.DISABILITY),
        ],
        make_window(),
        Policy(green_boost_s=1800),
        "A009",
    ),
    (
        "skills: window for one service skips an older ticket of another",
        [make_ticket("A001", waited_min=60), make_ticket("B001", service=PASSPORT, waited_min=1)],
        make_window(skills=PASSPORT_ONLY),
        Policy(),
        "B001",
    ),
    (
        "skills: window for a category",
        [
            make_ticket("A001", waited_min=60),
            make_ticket("C001", service=LICENCE, waited_min=50),
            make_ticket("B001", service=PASSPORT, waited_min=5),
        ],
        make_window(skills=EXIT_ENTRY_ONLY),
        Policy(),
        "B001",
    ),
    (
        "skills: services plus categories",
        [
            make_ticket("D001", service=VEHICLE, waited_min=60),
            make_ticket("B001", service=PASSPORT, waited_min=50),
            make_ticket("C001", service=LICENCE, waited_min=5),
            make_ticket("A001", waited_min=3),
        ],
        make_window(skills=DRIVER_AND_HUKOU_ID),
        Policy(),
        "C001",
    ),
    (
        "skills: no accepted ticket waiting -> None",
        [make_ticket("A001", waited_min=60), make_ticket("C001", service=LICENCE)],
        make_window(skills=EXIT_ENTRY_ONLY),
        Policy(),
        None,
    ),
    (
        "skills: a window accepting nothing",
        [make_ticket("A001", waited_min=60)],
        make_window(skills=NOTHING),
        Policy(),
        None,
    ),
    (
        "directed ticket is not called by another window",
        [make_ticket("A001", waited_min=60, directed_window=5), make_ticket("A002", waited_min=1)],
        make_window(3),
        Policy(),
        "A002",
    ),
    (
        "directed ticket at its window, no boost: by wait",
        [make_ticket("A002", waited_min=30), make_ticket("A001", waited_min=1, directed_window=5)],
        make_window(5),
        Policy(transfer_boost_s=0),
        "A002",
    ),
    (
        "directed ticket gets the transfer boost at its window",
        [make_ticket("A002", waited_min=8), make_ticket("A001", waited_min=1, directed_window=5)],
        make_window(5),
        Policy(transfer_boost_s=600),
        "A001",
    ),
    (
        "transfer boost: a transferred visitor does not start again at the back",
        [
            make_ticket("A001", waited_min=12),
            make_ticket("A077", waited_min=5, entry=Entry.TRANSFER),
        ],
        make_window(),
        Policy(transfer_boost_s=600),
        "A077",
    ),
    (
        "transfer boost of 0 is fifo",
        [
            make_ticket("A001", waited_min=12),
            make_ticket("A077", waited_min=5, entry=Entry.TRANSFER),
        ],
        make_window(),
        Policy(transfer_boost_s=0),
        "A001",
    ),
    (
        "appointment inside its slot goes first",
        [
            make_ticket("A001", waited_min=14),
            make_ticket("A002", waited_min=1, entry=Entry.APPOINTMENT),
        ],
        make_window(),
        Policy(appointment_boost_s=900),
        "A002",
    ),
    (
        "returning from a suspension goes to the head",
        [
            make_ticket("A001", waited_min=180),
            make_ticket("A002", waited_min=170, priority=PriorityClass.ELDERLY),
            make_ticket("A050", waited_min=1, entry=Entry.RETURN),
        ],
        make_window(),
        Policy(),
        "A050",
    ),
    (
        "green lane window: green strictly first, whatever the wait",
        [
            make_ticket("A001", waited_min=240),
            make_ticket("A090", waited_min=0, priority=PriorityClass.ELDERLY),
        ],
        make_window(lane=Lane.GREEN),
        Policy(),
        "A090",
    ),
    (
        "green lane window: strictly first even with no boost",
        [
            make_ticket("A001", waited_min=240),
            make_ticket("A090", waited_min=0, priority=PriorityClass.MINOR),
        ],
        make_window(lane=Lane.GREEN),
        Policy(green_boost_s=0),
        "A090",
    ),
    (
        "green lane window: normal tickets when no green one waits",
        [make_ticket("A002", waited_min=10), make_ticket("A001", waited_min=20)],
        make_window(lane=Lane.GREEN),
        Policy(),
        "A001",
    ),
    (
        "standard window: the long-waiting normal ticket first",
        [
            make_ticket("A001", waited_min=240),
            make_ticket("A090", waited_min=0, priority=PriorityClass.ELDERLY),
        ],
        make_window(lane=Lane.STANDARD),
        Policy(),
        "A001",
    ),
    (
        "non-waiting tickets are ignored",
        [
            make_ticket("A001", waited_min=90, status=S.CALLED, window=2),
            make_ticket("A002", waited_min=80, status=S.SERVING, window=3),
            make_ticket("A003", waited_min=70, status=S.SUSPENDED, window=4),
            make_ticket("A004", waited_min=60, status=S.DONE),
            make_ticket("A005", waited_min=50, status=S.NO_SHOW),
            make_ticket("A006", waited_min=40, status=S.CANCELLED),
            make_ticket("A007", waited_min=30, status=S.TRANSFERRED),
            make_ticket("A008", waited_min=20, status=S.UNSERVED),
            make_ticket("A009", waited_min=1),
        ],
        make_window(),
        Policy(),
        "A009",
    ),
    (
        "only non-waiting tickets -> None",
        [
            make_ticket("A001", waited_min=90, status=S.CALLED, window=2),
            make_ticket("A003", waited_min=70, status=S.SUSPENDED, window=4),
        ],
        make_window(),
        Policy(),
        None,
    ),
    ("empty hall -> None", [], make_window(), Policy(), None),
]


@pytest.mark.parametrize(
    ("waiting", "window", "policy", "expected"),
    [case[1:] for case in DISPATCH_CASES],
    ids=[case[0] for case in DISPATCH_CASES],
)
def test_choose_next(
    waiting: list[Ticket], window: Window, policy: Policy, expected: str | None
) -> None:
    chosen = choose_next(waiting, window, policy, NOW)
    assert (chosen.number if chosen else None) == expected
    # the input order does not matter
    again = choose_next(list(reversed(waiting)), window, policy, NOW)
    assert (again.number if again else None) == expected


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (make_window(5), ["A050", "A020", "A003", "B001", "A010", "C001", "A001"]),
        (make_window(5, skills=EXIT_ENTRY_ONLY), ["B001"]),
        (  # green first, but a visitor back from a suspension keeps the head
            make_window(5, lane=Lane.GREEN),
            ["A050", "A020", "A003", "B001", "A010", "C001", "A001"],
        ),
        (make_window(4), ["A050", "A020", "A003", "B001", "C001", "A001"]),
    ],
    ids=["standard", "exit-entry only", "green lane", "not the directed window"],
)
def test_dispatch_order(window: Window, expected: list[str]) -> None:
    policy = Policy(green_boost_s=1200, transfer_boost_s=600, return_boost_s=86_400)
    waiting = [
        make_ticket("A001", waited_min=1),  # 60
        make_ticket("A003", waited_min=50),  # 3000
        make_ticket("B001", service=PASSPORT, waited_min=40),  # 2400
        make_ticket("A010", waited_min=12, directed_window=5),  # 720 + 600, window 5 only
        make_ticket("C001", service=LICENCE, waited_min=3, entry=Entry.TRANSFER),  # 180 + 600
        make_ticket("A020", waited_min=40, priority=PriorityClass.ELDERLY),  # 2400 + 1200
        make_ticket("A050", waited_min=2, entry=Entry.RETURN),  # 120 + 86400
        make_ticket("A002", waited_min=100, status=S.CALLED, window=2),
    ]
    order = [t.number for t in dispatch_order(waiting, window, policy, NOW)]
    assert order == expected


@pytest.mark.parametrize(
    ("ticket", "policy", "expected"),
    [
        (make_ticket(waited_min=10), Policy(), 600),
        (make_ticket(waited_min=10, priority=PriorityClass.ELDERLY), Policy(), 1800),
        (make_ticket(waited_min=10, priority=PriorityClass.TALENT), Policy(green_boost_s=60), 660),
        (make_ticket(waited_min=10, entry=Entry.APPOINTMENT), Policy(), 1500),
        (make_ticket(waited_min=10, entry=Entry.TRANSFER), Policy(), 1200),
        (make_ticket(waited_min=10, directed_window=3), Policy(), 1200),
        (make_ticket(waited_min=10, entry=Entry.RETURN), Policy(), 87_000),
        (
            make_ticket(waited_min=10, priority=PriorityClass.OTHER, entry=Entry.APPOINTMENT),
            Policy(),
            2700,
        ),
        (make_ticket(waited_min=0), Policy(), 0),
    ],
)
def test_score(ticket: Ticket, policy: Policy, expected: float) -> None:
    assert score(ticket, policy, NOW) == expected


SKILL_SETS = {
    "everything": EVERYTHING,
    "exit-entry": EXIT_ENTRY_ONLY,
    "passport": PASSPORT_ONLY,
    "driver+hukou-id": DRIVER_AND_HUKOU_ID,
    "nothing": NOTHING,
}


@pytest.mark.parametrize("skills", list(SKILL_SETS.values()), ids=list(SKILL_SETS))
@pytest.mark.parametrize("lane", list(Lane), ids=str)
def test_a_window_never_gets_a_service_it_does_not_accept(skills: Skills, lane: Lane) -> None:
    window = make_window(5, skills=skills, lane=lane)
    services = [HUKOU, PASSPORT, LICENCE, VEHICLE, "CRJ-HZ-HF", "JSR-YS-BZ"]
    waiting = [
        make_ticket(f"X{i:03d}", service=code, waited_min=i, priority=priority)
        for i, (code, priority) in enumerate(
            itertools.product(services, [PriorityClass.NORMAL, PriorityClass.ELDERLY])
        )
    ]

    def accepted(t: Ticket) -> bool:
        return (
            skills.accepts_all
            or t.service in skills.services
            or CATALOGUE.services[t.service].category in skills.categories
        )

    order = dispatch_order(waiting, window, Policy(), NOW)
    assert {t.number for t in order} == {t.number for t in waiting if accepted(t)}


def test_tie_by_number_follows_the_sequence_past_999() -> None:
    waiting = [make_ticket("A1000", waited_min=10), make_ticket("A999", waited_min=10)]
    chosen = choose_next(waiting, make_window(), Policy(), NOW)
    assert chosen is not None and chosen.number == "A999"


# ---------------------------------------------------------------- target-first

TARGET_CASES: list[tuple[str, list[Ticket], str]] = [
    (
        "a 20-minute item overtakes a 30-minute one that came a little earlier",
        [make_ticket("D001", service=VEHICLE, waited_min=15), make_ticket("A001", waited_min=5)],
        "A001",
    ),
    (
        "but not one that has waited 20 minutes longer than it (its head start)",
        [make_ticket("D001", service=VEHICLE, waited_min=21), make_ticket("A001", waited_min=0)],
        "D001",
    ),
    (
        "a 15-minute item goes before a 20-minute one that came 9 minutes earlier",
        [make_ticket("A001", waited_min=9), make_ticket("A002", service=CERTIFICATE, waited_min=0)],
        "A002",
    ),
    (
        "a normal ticket that has waited an hour goes before a fresh green 15-minute item",
        [
            make_ticket("D001", service=VEHICLE, waited_min=60),
            make_ticket("A009", service=CERTIFICATE, priority=PriorityClass.ELDERLY),
        ],
        "D001",
    ),
    (
        "a green ticket keeps its 20-minute head start over normal ones of its service",
        [make_ticket("A001", waited_min=15), make_ticket("A009", priority=PriorityClass.ELDERLY)],
        "A009",
    ),
]


@pytest.mark.parametrize(
    ("waiting", "expected"),
    [case[1:] for case in TARGET_CASES],
    ids=[case[0] for case in TARGET_CASES],
)
def test_target_first_calls_the_earliest_twice_the_target_deadline_first(
    waiting: list[Ticket], expected: str
) -> None:
    chosen = choose_next(waiting, make_window(), TARGET_FIRST, NOW)
    assert chosen is not None and chosen.number == expected


def test_target_boost_is_per_minute_under_30_and_0_turns_it_off() -> None:
    assert [TARGET_FIRST.target_boost(s) for s in (CERTIFICATE, HUKOU, VEHICLE)] == [1800, 1200, 0]
    assert TARGET_FIRST.target_boost("not-in-the-catalogue") == 0
    assert Policy().target_boost(HUKOU) == 0  # no targets given: no head start
    off = replace(TARGET_FIRST, target_boost_s_per_min=0)
    waiting = [
        make_ticket("D001", service=VEHICLE, waited_min=15),
        make_ticket("A001", waited_min=5),
    ]
    chosen = choose_next(waiting, make_window(), off, NOW)
    assert chosen is not None and chosen.number == "D001"  # plain wait, as before


def test_a_long_target_falls_behind_by_its_minutes_over_30() -> None:
    policy = Policy(targets={"slow": 40, HUKOU: 20})
    assert policy.target_boost("slow") == -1200
    assert score(make_ticket(waited_min=10), policy, NOW) == 600 + 1200


def test_the_targets_are_not_a_setting() -> None:
    settings = TARGET_FIRST.settings()
    assert "targets" not in settings and settings["target_boost_s_per_min"] == 120
    assert Policy(**settings) == replace(TARGET_FIRST, targets={})
    assert "targets" not in repr(TARGET_FIRST)


# ---------------------------------------------------------------- estimates

HANDLING = {HUKOU: 300.0, PASSPORT: 480.0, LICENCE: 360.0, CERTIFICATE: 300.0}


def test_no_estimate_for_a_ticket_that_is_not_waiting() -> None:
    called = make_ticket("A005", waited_min=5, status=S.CALLED, window=1)
    ahead = [make_ticket(f"A00{i}", waited_min=10 + i) for i in range(4)]
    windows = [make_window(1, state=WS.SERVING)]
    assert estimate(called, ahead, windows, HANDLING, Policy(), NOW) == Estimate(0, 0)


@pytest.mark.parametrize(("ahead", "wait_s"), [(0, 0), (1, 300), (2, 600), (5, 1500)])
def test_wait_grows_with_tickets_ahead(ahead: int, wait_s: int) -> None:
    mine = make_ticket("A100", waited_min=1)
    others = [make_ticket(f"A{i:03d}", waited_min=10 + i) for i in range(ahead)]
    windows = [make_window(1)]
    est = estimate(mine, [*others, mine], windows, HANDLING, Policy(), NOW)
    assert est == Estimate(position=ahead, wait_s=wait_s)


@pytest.mark.parametrize(("open_windows", "wait_s"), [(1, 1200), (2, 600), (4, 300)])
def test_wait_shrinks_with_more_open_windows(open_windows: int, wait_s: int) -> None:
    mine = make_ticket("A100", waited_min=1)
    others = [make_ticket(f"A{i:03d}", waited_min=10 + i) for i in range(4)]
    windows = [make_window(n) for n in range(1, open_windows + 1)]
    windows.append(make_window(9, state=WS.CLOSED))
    est = estimate(mine, [mine, *others], windows, HANDLING, Policy(), NOW)
    assert est == Estimate(position=4, wait_s=wait_s)


def test_position_counts_only_tickets_competing_for_my_windows() -> None:
    mine = make_ticket("A100", waited_min=1)
    waiting = [
        mine,
        make_ticket("A001", waited_min=30),  # ahead, same windows
        make_ticket("B001", service=PASSPORT, waited_min=40),  # only the exit-entry window
        make_ticket("B002", service=PASSPORT, waited_min=35),
        make_ticket("C001", service=LICENCE, waited_min=50),  # only window 3
        make_ticket("A200", waited_min=0),  # behind me
        make_ticket("A300", waited_min=60, directed_window=4),  # only window 4
    ]
    windows = [
        make_window(1, skills=Skills(accepts_all=False, categories=frozenset({"hukou"}))),
        make_window(2, skills=EXIT_ENTRY_ONLY),
        make_window(3, skills=Skills(accepts_all=False, categories=frozenset({"driver"}))),
        make_window(4, skills=EXIT_ENTRY_ONLY),
    ]
    est = estimate(mine, waiting, windows, HANDLING, Policy(), NOW)
    assert est == Estimate(position=1, wait_s=300)


def test_a_shared_window_makes_other_services_compete() -> None:
    mine = make_ticket("A100", waited_min=1)
    waiting = [mine, make_ticket("B001", service=PASSPORT, waited_min=40)]
    windows = [make_window(1, skills=EVERYTHING), make_window(2, skills=EXIT_ENTRY_ONLY)]
    assert estimate(mine, waiting, windows, HANDLING, Policy(), NOW).position == 1


def test_green_ticket_estimate_puts_it_ahead_of_recent_normal_tickets() -> None:
    mine = make_ticket("A100", waited_min=1, priority=PriorityClass.ELDERLY)
    waiting = [mine, make_ticket("A001", waited_min=10), make_ticket("A002", waited_min=30)]
    est = estimate(mine, waiting, [make_window(1)], HANDLING, Policy(), NOW)
    assert est.position == 1


def test_nobody_ahead_and_an_idle_window_means_no_wait() -> None:
    mine = make_ticket("A100", waited_min=1)
    windows = [make_window(1, state=WS.SERVING, ticket_id="x"), make_window(2)]
    assert estimate(mine, [mine], windows, HANDLING, Policy(), NOW) == Estimate(0, 0)


def test_nobody_ahead_but_every_window_busy_means_some_wait() -> None:
    mine = make_ticket("A100", waited_min=1)
    windows = [make_window(1, state=WS.SERVING, ticket_id="x")]
    est = estimate(mine, [mine], windows, HANDLING, Policy(), NOW)
    assert est.position == 0
    assert 0 < est.wait_s <= HANDLING[HUKOU]


def test_tickets_only_a_closed_window_takes_are_not_ahead() -> None:
    mine = make_ticket("A100", waited_min=1)
    waiting = [mine, make_ticket("B001", service=PASSPORT, waited_min=40)]
    windows = [
        make_window(1, skills=Skills(accepts_all=False, categories=frozenset({"hukou"}))),
        make_window(2, skills=EVERYTHING, state=WS.CLOSED),
    ]
    assert estimate(mine, waiting, windows, HANDLING, Policy(), NOW) == Estimate(0, 0)


def test_an_idle_window_left_for_me_means_no_wait_even_with_someone_ahead() -> None:
    mine = make_ticket("A100", waited_min=1)
    waiting = [mine, make_ticket("A001", waited_min=10)]
    windows = [make_window(1), make_window(2)]
    assert estimate(mine, waiting, windows, HANDLING, Policy(), NOW) == Estimate(1, 0)


def test_with_every_window_busy_the_work_ahead_is_shared_until_one_frees_up() -> None:
    mine = make_ticket("A100", waited_min=1)
    waiting = [mine, *(make_ticket(f"A00{i}", waited_min=10 + i) for i in range(3))]
    windows = [make_window(n, state=WS.SERVING, ticket_id=f"x{n}") for n in (1, 2)]
    est = estimate(mine, waiting, windows, HANDLING, Policy(), NOW)
    # 900 s of work over two windows, plus the first free-up: a mean handling / 3
    assert est == Estimate(position=3, wait_s=900 // 2 + 300 // 3)


def test_a_short_target_ticket_is_estimated_ahead_of_long_target_ones() -> None:
    mine = make_ticket("A100")  # a 20-minute item, just issued
    waiting = [
        mine,
        make_ticket("D001", service=VEHICLE, waited_min=15),  # a 30-minute item: behind me
        make_ticket("D002", service=VEHICLE, waited_min=25),  # waited longer than my head start
    ]
    windows = [make_window(1, state=WS.SERVING, ticket_id="x")]
    assert estimate(mine, waiting, windows, HANDLING, TARGET_FIRST, NOW).position == 1
    assert estimate(mine, waiting, windows, HANDLING, Policy(), NOW).position == 2


def test_the_position_is_the_place_in_the_call_order() -> None:
    services = [HUKOU, PASSPORT, VEHICLE, CERTIFICATE]
    waiting = [
        make_ticket(
            f"X{i:03d}",
            service=services[i % 4],
            waited_min=(7 * i) % 50,
            priority=PriorityClass.MINOR if i % 5 == 0 else PriorityClass.NORMAL,
            entry=Entry.TRANSFER if i % 11 == 0 else Entry.WALK_IN,
        )
        for i in range(40)
    ]
    window = make_window(1, state=WS.SERVING, ticket_id="x")
    order = dispatch_order(waiting, window, TARGET_FIRST, NOW)
    for place, ticket in enumerate(order):
        assert estimate(ticket, waiting, [window], HANDLING, TARGET_FIRST, NOW).position == place


# One busy window, one normal ticket ahead of mine: base wait 300 + 300 / 2.
AHEAD = make_ticket("A001", waited_min=5)
MINE = make_ticket("A100")
BUSY = [make_window(1, state=WS.SERVING, ticket_id="x")]
HUKOU_KIND = (HUKOU, "hukou")


@pytest.mark.parametrize(
    ("arrivals", "policy", "wait_s"),
    [
        (None, Policy(), 450),
        ({(*HUKOU_KIND, False): 4}, Policy(), 450),  # nobody overtakes a normal ticket
        # a quarter of the work is green and overtakes all along: 450 / (1 - 0.25)
        ({(*HUKOU_KIND, False): 3, (*HUKOU_KIND, True): 1}, Policy(), 600),
        # ... but only for a minute: 450 + 0.25 * 60
        ({(*HUKOU_KIND, False): 3, (*HUKOU_KIND, True): 1}, Policy(green_boost_s=60), 465),
        # later 15-minute items (half the work) overtake a 20-minute item for 10 minutes
        ({(*HUKOU_KIND, False): 1, (CERTIFICATE, "hukou", False): 1}, TARGET_FIRST, 450 + 300),
        # a kind no window of mine takes does not count, nor does a kind seen 0 times
        ({(*HUKOU_KIND, False): 3, (PASSPORT, "exit_entry", True): 9}, Policy(), 450),
        ({(*HUKOU_KIND, True): 0}, Policy(), 450),
    ],
    ids=[
        "none",
        "normal only",
        "green overtake",
        "short head start",
        "targets",
        "other windows",
        "none seen",
    ],
)
def test_later_arrivals_with_a_head_start_lengthen_the_wait(
    arrivals: dict[tuple[str, str, bool], float] | None, policy: Policy, wait_s: float
) -> None:
    hukou_only = Skills(accepts_all=False, categories=frozenset({"hukou"}))
    windows = [replace(w, skills=hukou_only) for w in BUSY]
    est = estimate(MINE, [AHEAD, MINE], windows, HANDLING, policy, NOW, arrivals=arrivals)
    assert est == Estimate(position=1, wait_s=round(wait_s))


def test_nobody_overtakes_a_ticket_that_has_waited_longer_than_any_head_start() -> None:
    arrivals = {(*HUKOU_KIND, False): 3, (*HUKOU_KIND, True): 1}
    old = make_ticket("A100", waited_min=21)  # more than the green channel's 20 minutes
    ahead = make_ticket("A001", waited_min=30)
    est = estimate(old, [ahead, old], BUSY, HANDLING, Policy(), NOW, arrivals=arrivals)
    assert est == Estimate(position=1, wait_s=450)


@pytest.mark.parametrize(
    ("base", "overtakers", "wait"),
    [
        (600, [], 600),
        (600, [(0.2, 10_000)], 750),  # overtaken all along: base / (1 - 0.2)
        (600, [(0.2, 60)], 612),  # overtaken only during the first minute
        (600, [(0.2, 700), (0.2, 60)], 600 + 12 + 0.2 * 700),  # solved on the last segment
    ],
)
def test_the_overtaking_term_solves_its_fixed_point(
    base: float, overtakers: list[tuple[float, float]], wait: float
) -> None:
    w = _solve(base, overtakers)
    assert w == pytest.approx(wait)
    assert w == pytest.approx(base + sum(s * min(w, h) for s, h in overtakers))


# ---------------------------------------------------------------- numbering and dates


@pytest.mark.parametrize(
    ("prefix", "sequence", "number"),
    [("A", 1, "A001"), ("A", 23, "A023"), ("B", 999, "B999"), ("A", 1000, "A1000")],
)
def test_format_number(prefix: str, sequence: int, number: str) -> None:
    assert format_number(prefix, sequence) == number


@pytest.mark.parametrize(
    ("zone", "now", "day"),
    [
        ("Asia/Shanghai", datetime(2026, 11, 25, 17, 30, tzinfo=UTC), date(2026, 11, 26)),
        ("Asia/Shanghai", datetime(2026, 11, 25, 15, 59, 59, tzinfo=UTC), date(2026, 11, 25)),
        ("Asia/Shanghai", datetime(2026, 11, 25, 16, 0, tzinfo=UTC), date(2026, 11, 26)),
        ("Asia/Urumqi", datetime(2026, 11, 25, 17, 30, tzinfo=UTC), date(2026, 11, 25)),
        ("UTC", datetime(2026, 11, 25, 23, 59, tzinfo=UTC), date(2026, 11, 25)),
    ],
)
def test_business_date_is_the_halls_calendar_day(zone: str, now: datetime, day: date) -> None:
    assert Hall(id="main", name="市民中心", timezone=zone).business_date(now) == day


@pytest.mark.parametrize(
    ("services", "code", "offered"),
    [
        (None, HUKOU, True),
        (frozenset({PASSPORT}), PASSPORT, True),
        (frozenset({PASSPORT}), HUKOU, False),
    ],
)
def test_hall_offers_its_enabled_services(
    services: frozenset[str] | None, code: str, offered: bool
) -> None:
    hall = Hall(id="town", name="镇派出所", timezone="Asia/Shanghai", services=services)
    assert hall.offers(code) is offered
