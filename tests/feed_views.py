"""What a hall screen shows, reduced to plain data, from the server's board
(GET /api/halls/{hall}/board, or a snapshot) and from each client's state, so
tests can say "this client shows what the server holds" in one comparison."""

from collections.abc import Mapping, Sequence
from typing import Any

from display_client.state import Board, Call

View = dict[str, Any]


def _call(number: Any, window: Any, green: Any, reason: Any) -> list[Any]:
    return [number, window, bool(green), reason]


def _server_calls(calls: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    return [
        _call(c["number"], c["window"], c["green_channel"], c.get("call_reason")) for c in calls
    ]


def server_view(board: Mapping[str, Any]) -> View:
    """The parts of a BOARD every screen draws (docs/feed.md)."""
    waiting = board["waiting"]
    return {
        "seq": board["seq"],
        "now_calling": _server_calls(board["now_calling"]),
        "last_calls": _server_calls(board["last_calls"]),
        "windows": [
            [w["number"], w["label"], w["state"], w["state_zh"], w["lane"], w["ticket"]]
            for w in board["windows"]
        ],
        "waiting": [
            waiting["total"],
            waiting["green_channel"],
            [[c["category"], c["count"]] for c in waiting["by_category"]],
        ],
    }


def _calls(calls: Sequence[Call]) -> list[list[Any]]:
    return [_call(c.number, c.window, c.green_channel, c.reason) for c in calls]


def reducer_view(board: Board) -> View:
    """The same parts of display_client's board."""
    return {
        "seq": board.seq,
        "now_calling": _calls(board.now_calling),
        "last_calls": _calls(board.last_calls),
        "windows": [
            [w.number, w.label, w.state, w.state_zh, w.lane, w.ticket] for w in board.windows
        ],
        "waiting": [
            board.waiting.total,
            board.waiting.green_channel,
            [[c.category, c.count] for c in board.waiting.by_category],
        ],
    }


def browser_view(state: Mapping[str, Any]) -> View:
    """The same parts of feed.js's state (as the lobby page exposes it)."""
    waiting = state["waiting"] or {"total": 0, "green_channel": 0, "by_category": []}
    return server_view(
        {
            "seq": state["seq"],
            "now_calling": state["nowCalling"],
            "last_calls": state["lastCalls"],
            "windows": state["windows"],
            "waiting": waiting,
        }
    )
