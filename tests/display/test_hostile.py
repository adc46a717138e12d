"""Whatever the feed sends, the display keeps drawing: a message it cannot read
is skipped, said once, and a fresh snapshot is asked for (issue 11, item 1)."""

import asyncio
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from display_client.client import RESYNC, Display, Options, run
from display_client.state import Board, Resync, apply
from tests.display.feed import AT, call, called, event, snapshot, ticket, window
from tests.display.test_client import WAIT_S, fake_options, until

T0 = datetime(2026, 11, 25, 1, 31, 2, tzinfo=UTC)
BASE = snapshot(
    40,
    now_calling=[call("A022", 2)],
    last_calls=[call("A022", 2), call("A021", 1)],
    windows=[window(1), window(2, "calling", "A022"), window(5)],
)

HOSTILE: dict[str, Any] = {
    "null": None,
    "a list": [1, 2],
    "a string": "ticket.called",
    "a number": 41,
    "no type, no seq": {"data": {}},
    "an unknown type without seq": {"type": "ticket.teleported"},
    "seq as text": called(41, "A023", 5) | {"seq": "41"},
    "seq null": called(41, "A023", 5) | {"seq": None},
    "seq true": called(41, "A023", 5) | {"seq": True},
    "seq a fraction": called(41, "A023", 5) | {"seq": 41.5},
    "data a list": {"type": "ticket.issued", "seq": 41, "data": [1]},
    "a call without a ticket": event("ticket.called", 41, window=window(5, "calling", "A023")),
    "a call without any window": event("ticket.called", 41, ticket=ticket("A023", None)),
    "a call whose window is text": event(
        "ticket.called", 41, ticket=ticket("A023", None), window=window(5) | {"number": "5"}
    ),
    "a number that is a number": event(
        "ticket.called", 41, ticket=ticket("A023", 5) | {"number": 23}
    ),
    "green as text": event("ticket.called", 41, ticket=ticket("A023", 5) | {"green_channel": "y"}),
    "counts as text": event("ticket.issued", 41, waiting={"total": "3"}),
    "counts null": event("ticket.issued", 41) | {"data": {"waiting": None}},
    "categories a string": event(
        "ticket.issued", 41, waiting={"total": 1, "green_channel": 0, "by_category": "户政"}
    ),
    "a window event without a window": event("window.opened", 41),
    "a window without a number": event("window.opened", 41, window={"state": "open"}),
    "a window label that is a list": event("window.opened", 41, window=window(1) | {"label": []}),
    "a finish without a ticket": event("ticket.finished", 41, window=window(2)),
    "a heartbeat with seq text": {"type": "heartbeat", "seq": "x"},
    "a snapshot without a board": {"type": "snapshot", "seq": 41, "data": None},
    "a snapshot without a seq": {"type": "snapshot", "data": BASE["data"] | {"seq": None}},
}


def base() -> Board:
    board = apply(Board(), BASE, T0)
    assert isinstance(board, Board)
    return board


@pytest.mark.parametrize("name", HOSTILE, ids=list(HOSTILE))
def test_a_message_that_cannot_be_read_is_skipped_and_resynced(name: str) -> None:
    board = base()
    result = apply(board, HOSTILE[name], T0)
    assert isinstance(result, Resync), result
    assert result.reason  # said, to be logged
    kept = result.board
    assert kept.awaiting_snapshot
    assert (kept.seq, kept.now_calling, kept.last_calls, kept.windows, kept.waiting) == (
        board.seq,
        board.now_calling,
        board.last_calls,
        board.windows,
        board.waiting,
    )
    # what is in flight meanwhile is not applied to a board that may be wrong
    assert apply(kept, called(41, "A023", 5), T0) == kept
    fresh = apply(kept, snapshot(42, last_calls=[call("A023", 5)]), T0)
    assert isinstance(fresh, Board) and not fresh.awaiting_snapshot and fresh.seq == 42


def test_an_unknown_event_with_a_seq_is_understood_enough() -> None:
    after = apply(base(), {"type": "queue.reshuffled", "seq": 41, "data": {"whatever": [1]}}, T0)
    assert isinstance(after, Board) and after.seq == 41


def test_the_snapshot_of_issue_11_draws_what_it_can() -> None:
    # What the server sent after 挂起 → 恢复: a last call with a null window.
    broken = snapshot(
        45,
        last_calls=[call("A001", 1) | {"window": None}, call("A000", 2)],
        windows=[window(1), {"number": None, "state": "open"}, window(2) | {"label": 7}],
    )
    board = apply(Board(), broken, T0)
    assert isinstance(board, Board), board
    assert board.seq == 45 and board.connected
    assert [(c.number, c.window) for c in board.last_calls] == [("A000", 2)]
    assert [w.number for w in board.windows] == [1]
    assert len(board.unread) == 3
    assert all("None" not in r or "NoneType" in r for r in board.unread)


def test_a_snapshot_whose_parts_are_all_wrong_still_gives_a_board() -> None:
    data = {"hall": [], "now_calling": 3, "last_calls": "x", "windows": None, "waiting": []}
    board = apply(Board(), {"type": "snapshot", "seq": 7, "data": data}, T0)
    assert isinstance(board, Board) and board.seq == 7
    assert board.windows == () and board.last_calls == () and board.now_calling == ()
    assert len(board.unread) == 4


def display() -> Display:
    return Display(Options("http://x", "demo", "t", jsonl=True), io.StringIO(), lambda: T0)


def test_the_client_says_each_kind_once_asks_once_and_keeps_drawing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    screen = display()
    assert screen.handle(json.dumps(BASE)) is None
    replies = [screen.handle(json.dumps(HOSTILE["seq as text"])) for _ in range(3)]
    replies += [screen.handle("not json {") for _ in range(3)]
    replies += [screen.handle(json.dumps(m)) for m in HOSTILE.values()]
    assert replies.count(RESYNC) == 1  # asked once; the resync deadline covers the rest
    screen.renderable()  # still draws
    assert screen.board.seq == 40 and screen.board.window(2) is not None
    assert screen.handle(json.dumps(snapshot(41))) is None
    assert not screen.board.awaiting_snapshot and screen.board.seq == 41
    # the same kind again after the snapshot: resynced, but not said again
    assert screen.handle(json.dumps(HOSTILE["seq as text"])) == RESYNC
    said = capsys.readouterr().err.splitlines()
    assert len(said) == len(set(said))
    assert sum("ticket.called: seq is str" in line for line in said) == 1
    assert sum("not JSON" in line for line in said) == 1
    assert screen.skipped > 3 + 3  # each counted, while awaiting too, though said once


def test_an_error_message_alone_does_not_end_the_client() -> None:
    screen = display()
    screen.handle(json.dumps(BASE))
    assert screen.handle(json.dumps({"type": "error", "error": 5, "message": None})) is None
    assert screen.handle(json.dumps(called(41, "A023", 5))) is None
    assert screen.board.seq == 41


def test_a_client_that_got_the_bad_snapshot_first_does_not_freeze() -> None:
    # Issue 11: every display-client froze for good on this snapshot.
    received: list[Any] = []
    broken = snapshot(5, last_calls=[call("A001", 1) | {"window": None}])

    async def feed(websocket: ServerConnection) -> None:
        await websocket.send(json.dumps(broken))
        await websocket.send(json.dumps({"type": "error", "error": "odd"}))
        await websocket.send(json.dumps(called(6, "A002", 1)))
        await websocket.send(json.dumps({"type": "heartbeat", "seq": 6, "at": AT}))
        async for message in websocket:
            received.append(json.loads(message))

    async def scenario() -> str:
        out = io.StringIO()
        async with serve(feed, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            task = asyncio.create_task(run(fake_options(port), out=out))
            await until(lambda: '"heartbeat"' in out.getvalue())
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        return out.getvalue()

    out = asyncio.run(asyncio.wait_for(scenario(), WAIT_S))
    assert '"A002"' in out
    assert received == []  # nothing to resync: the board was drawn from what could be read
