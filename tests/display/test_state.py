"""The board reducer: messages in, the board a lobby would show out."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from display_client.state import (
    Board,
    Resync,
    apply,
    disconnected,
    from_snapshot,
    new_call,
)
from tests.display.feed import (
    call,
    called,
    event,
    snapshot,
    ticket,
    waiting,
    window,
)

T0 = datetime(2026, 11, 25, 1, 31, 2, tzinfo=UTC)
AT_LATER = "2026-11-25T01:31:17+00:00"


def fold(*messages: dict[str, Any], board: Board | None = None) -> Board:
    """Apply messages in order, one second apart; fails on an unexpected resync."""
    board = board or Board()
    for i, message in enumerate(messages):
        result = apply(board, message, T0 + timedelta(seconds=i))
        assert isinstance(result, Board), result
        board = result
    return board


def calling(board: Board) -> list[tuple[str, int]]:
    return [(c.number, c.window) for c in board.now_calling]


def last(board: Board) -> list[tuple[str, int]]:
    return [(c.number, c.window) for c in board.last_calls]


def states(board: Board) -> dict[int, tuple[str, str | None]]:
    return {w.number: (w.state, w.ticket) for w in board.windows}


BASE = snapshot(
    40,
    now_calling=[call("A022", 2)],
    last_calls=[call("A022", 2), call("A021", 1, called_at="09:10:00")],
    windows=[window(1), window(2, "calling", "A022"), window(5)],
)


def test_a_snapshot_is_the_whole_board() -> None:
    board = fold(BASE)
    assert board.connected and board.seq == 40
    assert board.hall_name == "市公安局政务服务中心（演示大厅）"
    assert board.timezone == "Asia/Shanghai"
    assert calling(board) == [("A022", 2)]
    assert last(board) == [("A022", 2), ("A021", 1)]
    assert states(board) == {1: ("open", None), 2: ("calling", "A022"), 5: ("open", None)}
    assert [w.state_zh for w in board.windows] == ["空闲", "叫号中", "空闲"]
    assert board.waiting.total == 3
    assert [(c.name, c.count) for c in board.waiting.by_category] == [("户政", 3), ("出入境", 0)]
    assert board.flash is None  # a snapshot is not a new call


# Each case: events after BASE -> (now calling, last calls, window states that changed).
CASES: dict[str, tuple[list[dict[str, Any]], list[Any], list[Any], dict[int, Any]]] = {
    "issued changes only the counts": (
        [event("ticket.issued", 41, ticket=ticket("A023", status="waiting"), position=3)],
        [("A022", 2)],
        [("A022", 2), ("A021", 1)],
        {},
    ),
    "called goes on top of both lists": (
        [called(41, "A023", 5)],
        [("A023", 5), ("A022", 2)],
        [("A023", 5), ("A022", 2), ("A021", 1)],
        {5: ("calling", "A023")},
    ),
    "a recall moves the call to the top without a duplicate": (
        [called(41, "A023", 5), called(42, "A022", 2, kind="ticket.recalled")],
        [("A022", 2), ("A023", 5)],
        [("A022", 2), ("A023", 5), ("A021", 1)],
        {5: ("calling", "A023")},
    ),
    "started leaves the calls and the window serves": (
        [
            event(
                "ticket.started",
                41,
                ticket=ticket("A022", 2, "serving"),
                window=window(2, "serving", "A022"),
            )
        ],
        [],
        [("A022", 2), ("A021", 1)],
        {2: ("serving", "A022")},
    ),
    "finished frees the window": (
        [
            event(
                "ticket.started",
                41,
                ticket=ticket("A022", 2, "serving"),
                window=window(2, "serving", "A022"),
            ),
            event("ticket.finished", 42, ticket=ticket("A022", 2, "done"), window=window(2)),
        ],
        [],
        [("A022", 2), ("A021", 1)],
        {2: ("open", None)},
    ),
    "no-show frees the window and the call": (
        [event("ticket.no_show", 41, ticket=ticket("A022", 2, "no_show"), window=window(2))],
        [],
        [("A022", 2), ("A021", 1)],
        {2: ("open", None)},
    ),
    "a transfer frees the window; the new leg waits": (
        [
            event(
                "ticket.transferred",
                41,
                ticket=ticket("A022", 2, "transferred"),
                to=ticket("A022", None, "waiting"),
                window=window(2),
                waiting=waiting(4),
            )
        ],
        [],
        [("A022", 2), ("A021", 1)],
        {2: ("open", None)},
    ),
    "the transferred leg called elsewhere replaces its old line": (
        [
            event(
                "ticket.transferred", 41, ticket=ticket("A022", 2, "transferred"), window=window(2)
            ),
            called(42, "A022", 5),
        ],
        [("A022", 5)],
        [("A022", 5), ("A021", 1)],
        {2: ("open", None), 5: ("calling", "A022")},
    ),
    "suspended frees the window": (
        [
            event(
                "ticket.started",
                41,
                ticket=ticket("A022", 2, "serving"),
                window=window(2, "serving", "A022"),
            ),
            event("ticket.suspended", 42, ticket=ticket("A022", 2, "suspended"), window=window(2)),
        ],
        [],
        [("A022", 2), ("A021", 1)],
        {2: ("open", None)},
    ),
    "resumed, cancelled, unserved and rated change only counts": (
        [
            event("ticket.resumed", 41, ticket=ticket("A020", None, "waiting")),
            event("ticket.cancelled", 42, ticket=ticket("A019", None, "cancelled")),
            event("ticket.unserved", 43, ticket=ticket("A018", None, "unserved")),
            event("ticket.rated", 44, number="A017", window=1, score=5),
        ],
        [("A022", 2)],
        [("A022", 2), ("A021", 1)],
        {},
    ),
    "window events set the window's state": (
        [
            event("window.paused", 41, window=window(1, "paused")),
            event("window.closed", 42, window=window(5, "closed")),
        ],
        [("A022", 2)],
        [("A022", 2), ("A021", 1)],
        {1: ("paused", None), 5: ("closed", None)},
    ),
    "an unknown event still moves seq and counts": (
        [event("ticket.teleported", 41, ticket=ticket("A022", 2))],
        [("A022", 2)],
        [("A022", 2), ("A021", 1)],
        {},
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_events(case: str) -> None:
    events, now_calling, last_calls, changed = CASES[case]
    board = fold(BASE, *events)
    assert board.seq == events[-1]["seq"]
    assert calling(board) == now_calling
    assert last(board) == last_calls
    assert states(board) == states(fold(BASE)) | changed
    assert board.waiting.total == events[-1]["data"]["waiting"]["total"]


def test_counts_are_replaced_from_each_event() -> None:
    board = fold(BASE, called(41, "A023", 5, waiting=waiting(7, green=2, hukou=5)))
    assert (board.waiting.total, board.waiting.green_channel) == (7, 2)
    assert [c.count for c in board.waiting.by_category] == [5, 0]


def test_a_call_flashes_with_the_announcement_and_when_it_arrived() -> None:
    before = fold(BASE)
    after = apply(before, called(41, "B007", 5, green=True), T0)
    assert isinstance(after, Board) and after.flash is not None
    assert after.flash.voice == "请 B007 号到 5 号窗口办理"
    assert after.flash.at == T0
    assert after.flash.call.green_channel
    assert after.now_calling[0].called_at == T0
    assert new_call(before, after) == after.flash


def test_a_recall_is_a_new_call_to_announce() -> None:
    first = fold(BASE, called(41, "A023", 5))
    again = fold(called(42, "A023", 5, kind="ticket.recalled"), board=first)
    assert new_call(first, again) is not None
    assert last(again).count(("A023", 5)) == 1


def test_other_events_are_not_calls() -> None:
    board = fold(BASE, called(41, "A023", 5))
    started = fold(
        event(
            "ticket.started",
            42,
            ticket=ticket("A023", 5, "serving"),
            window=window(5, "serving", "A023"),
        ),
        board=board,
    )
    assert new_call(board, started) is None
    assert new_call(Board(), fold(BASE)) is None


def test_last_calls_keep_the_ten_newest() -> None:
    board = fold(BASE, *(called(41 + i, f"A{100 + i}", 5) for i in range(12)))
    assert len(board.last_calls) == 10
    assert board.last_calls[0].number == "A111"
    assert board.last_calls[-1].number == "A102"


def test_window_updated_adds_a_new_window_in_order() -> None:
    new_window = window(3, "closed", label="3号出入境窗口")
    board = fold(BASE, event("window.updated", 41, window=new_window))
    assert [w.number for w in board.windows] == [1, 2, 3, 5]
    new = board.window(3)
    assert new is not None and (new.label, new.state_zh, new.ticket) == (
        "3号出入境窗口",
        "未开启",
        None,
    )


def test_window_updated_carries_the_whole_window_as_other_window_events_do() -> None:
    renamed = window(2, "calling", "A022", label="2号综合窗口（通办）") | {"lane": "green"}
    before = fold(BASE)
    board = fold(event("window.updated", 41, window=renamed), board=before)
    updated, old = board.window(2), before.window(2)
    assert updated is not None and old is not None
    assert (updated.label, updated.lane, updated.ticket) == ("2号综合窗口（通办）", "green", "A022")
    assert updated.since == old.since
    assert calling(board) == [("A022", 2)]


def test_a_window_without_state_words_gets_them_from_the_protocol() -> None:
    bare = {"number": 3, "state": "paused"}
    board = fold(BASE, event("window.opened", 41, window=bare))
    new = board.window(3)
    assert new is not None
    assert (new.label, new.state_zh, new.lane, new.ticket) == (
        "3号窗口",
        "暂停服务",
        "standard",
        None,
    )


def test_a_window_that_stops_calling_drops_its_call() -> None:
    board = fold(BASE, event("window.closed", 41, window=window(2, "closed")))
    assert calling(board) == []


def test_duplicates_are_ignored() -> None:
    board = fold(BASE, called(41, "A023", 5))
    assert apply(board, called(41, "A023", 5), T0) is board
    assert apply(board, called(30, "A001", 1), T0) is board


def test_a_gap_asks_for_a_resync_and_waits_for_the_snapshot() -> None:
    board = fold(BASE)
    result = apply(board, called(43, "A023", 5), T0)
    assert isinstance(result, Resync)
    assert (result.expected, result.got) == (41, 43)
    assert result.board.awaiting_snapshot and result.board.seq == 40
    # what is still in flight is not a second gap, and changes nothing
    waiting_board = fold(called(44, "A024", 1), event("ticket.issued", 45), board=result.board)
    assert calling(waiting_board) == calling(board)
    fresh = fold(
        snapshot(45, now_calling=[call("A024", 1)], last_calls=[call("A024", 1)]),
        board=waiting_board,
    )
    assert not fresh.awaiting_snapshot and fresh.seq == 45
    assert calling(fresh) == [("A024", 1)]
    assert fold(called(46, "A025", 2), board=fresh).seq == 46


def test_a_heartbeat_changes_nothing_but_the_time_seen() -> None:
    board = fold(BASE)
    later = T0 + timedelta(seconds=15)
    after = apply(board, {"type": "heartbeat", "seq": 40, "at": AT_LATER}, later)
    assert isinstance(after, Board)
    assert after.last_message_at == later
    assert after == replace(board, last_message_at=later)


def test_a_heartbeat_ahead_of_the_board_reveals_a_gap() -> None:
    result = apply(fold(BASE), {"type": "heartbeat", "seq": 42, "at": AT_LATER}, T0)
    assert isinstance(result, Resync) and result.got == 42


def test_nothing_is_shown_before_the_first_snapshot() -> None:
    assert apply(Board(), called(41, "A023", 5), T0) == Board()
    assert Board().seq is None and not Board().connected


def test_disconnected_keeps_the_board_but_not_live_and_a_snapshot_revives_it() -> None:
    board = disconnected(fold(BASE, called(41, "A023", 5)))
    assert not board.connected
    assert calling(board) == [("A023", 5), ("A022", 2)]
    assert fold(BASE, board=board).connected


def test_a_resync_snapshot_keeps_a_fresh_flash_but_not_a_stale_one() -> None:
    board = fold(BASE, called(41, "A023", 5))
    same = from_snapshot(snapshot(41, last_calls=[call("A023", 5)]), T0, board)
    assert same.flash == board.flash
    assert new_call(board, same) is None  # not announced twice
    other = from_snapshot(snapshot(42, last_calls=[call("A024", 1)]), T0, board)
    assert other.flash is None


def test_without_a_receive_time_the_message_time_is_used() -> None:
    board = apply(fold(BASE), called(41, "A023", 5, at="2026-11-25T01:40:00+00:00"))
    assert isinstance(board, Board) and board.flash is not None
    assert board.flash.at == datetime(2026, 11, 25, 1, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ({"call_reason": "green"}, "green"),
        ({}, None),  # an older server sends no reason
        ({"call_reason": "moon_phase"}, None),  # a newer one, a reason this client does not know
        ({"call_reason": 7}, None),
    ],
)
def test_a_calls_reason_is_read_when_known_and_never_breaks_the_board(
    sent: dict[str, Any], read: str | None
) -> None:
    message = called(41, "A031", 3)
    message["data"]["ticket"] |= sent
    board = fold(BASE, message)
    assert (board.now_calling[0].number, board.now_calling[0].reason) == ("A031", read)
    again = fold(called(42, "A031", 3, kind="ticket.recalled"), board=board)
    assert again.seq == 42
    snap = fold(snapshot(50, now_calling=[call("A031", 3) | sent]))
    assert snap.now_calling[0].reason == read
