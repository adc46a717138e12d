"""The lobby board as a pure reducer over the hall feed (docs/feed.md).

`from_snapshot()` builds a `Board` from a `snapshot` message; `apply()` folds
one message into it and returns the next `Board`, or a `Resync` when the
`seq` jumped and the client must ask for a fresh snapshot. Nothing here does
I/O or reads a clock: the time a message was received is an argument, so the
same messages always give the same board.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

LAST_CALLS = 10

# The server sends `state_zh` with full windows, but `window.updated` carries
# only the configuration, so the client keeps its own copy of the names.
STATE_ZH = {
    "closed": "未开启",
    "open": "空闲",
    "calling": "叫号中",
    "serving": "办理中",
    "paused": "暂停服务",
}
HOLDING = frozenset({"calling", "serving"})  # a window holds a ticket only in these

Message = Mapping[str, Any]


@dataclass(frozen=True)
class Call:
    """One call as the screen shows it: the number and where to go."""

    number: str
    window: int
    green_channel: bool = False
    service_name: str = ""
    called_at: datetime | None = None


@dataclass(frozen=True)
class WindowInfo:
    number: int
    label: str
    state: str  # closed, open, calling, serving, paused
    state_zh: str
    lane: str = "standard"
    ticket: str | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class CategoryCount:
    category: str
    name: str
    count: int


@dataclass(frozen=True)
class Waiting:
    total: int = 0
    green_channel: int = 0
    by_category: tuple[CategoryCount, ...] = ()


@dataclass(frozen=True)
class Flash:
    """The latest call, for the view to highlight and the speaker to say.

    `seq` identifies the call event: a new flash has a new seq, so the client
    speaks each call once, and a resync snapshot keeps the flash it had.
    """

    call: Call
    voice: str
    seq: int
    at: datetime


@dataclass(frozen=True)
class Board:
    """What a lobby display knows. `seq is None` until the first snapshot."""

    hall_id: str = ""
    hall_name: str = ""
    timezone: str = "Asia/Shanghai"
    seq: int | None = None
    connected: bool = False
    awaiting_snapshot: bool = False  # a resync was asked for; events wait for it
    now_calling: tuple[Call, ...] = ()  # called and not yet started, newest first
    last_calls: tuple[Call, ...] = ()  # newest first, one per number and window
    windows: tuple[WindowInfo, ...] = ()  # by number
    waiting: Waiting = Waiting()
    flash: Flash | None = None
    last_message_at: datetime | None = None

    def window(self, number: int) -> WindowInfo | None:
        return next((w for w in self.windows if w.number == number), None)


@dataclass(frozen=True)
class Resync:
    """The feed skipped from `expected` to `got`: send `{"type": "resync"}`.

    `board` is the board to keep meanwhile (marked as awaiting the snapshot,
    so the events still in flight are not taken for further gaps).
    """

    board: Board
    expected: int
    got: int


# ---------------------------------------------------------------- parsing


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _call(data: Mapping[str, Any]) -> Call:
    return Call(
        number=str(data["number"]),
        window=int(data["window"]),
        green_channel=bool(data.get("green_channel", False)),
        service_name=str(data.get("service_name") or ""),
        called_at=_time(data.get("called_at")),
    )


def _window(data: Mapping[str, Any], before: WindowInfo | None = None) -> WindowInfo:
    """A window from a WINDOW, or from a `window.updated` configuration merged
    into what was known (the configuration carries no ticket or `since`)."""
    state = str(data.get("state") or (before.state if before else "closed"))
    ticket = data.get("ticket", before.ticket if before else None)
    since = _time(data.get("since")) or (before.since if before else None)
    return WindowInfo(
        number=int(data["number"]),
        label=str(data.get("label") or (before.label if before else f"{data['number']}号窗口")),
        state=state,
        state_zh=str(data.get("state_zh") or STATE_ZH.get(state, state)),
        lane=str(data.get("lane") or (before.lane if before else "standard")),
        ticket=str(ticket) if ticket and state in HOLDING else None,
        since=since,
    )


def _waiting(data: Mapping[str, Any]) -> Waiting:
    return Waiting(
        total=int(data.get("total", 0)),
        green_channel=int(data.get("green_channel", 0)),
        by_category=tuple(
            CategoryCount(str(c["category"]), str(c.get("name") or c["category"]), int(c["count"]))
            for c in data.get("by_category", ())
        ),
    )


# ---------------------------------------------------------------- the reducer


def from_snapshot(
    message: Message, now: datetime | None = None, before: Board | None = None
) -> Board:
    """The whole board from a `snapshot`; connected, at the snapshot's seq.

    A flash from `before` survives if the snapshot still shows that call as the
    newest, so a resync neither drops a fresh highlight nor repeats a call.
    """
    data = message["data"]
    hall = data.get("hall", {})
    last_calls = tuple(_call(c) for c in data.get("last_calls", ()))[:LAST_CALLS]
    flash = before.flash if before else None
    if flash and not (last_calls and same_call(last_calls[0], flash.call)):
        flash = None
    return Board(
        hall_id=str(hall.get("id", "")),
        hall_name=str(hall.get("name", "")),
        timezone=str(hall.get("timezone") or "Asia/Shanghai"),
        seq=int(message.get("seq", data.get("seq", 0))),
        connected=True,
        now_calling=tuple(_call(c) for c in data.get("now_calling", ())),
        last_calls=last_calls,
        windows=tuple(sorted((_window(w) for w in data.get("windows", ())), key=_number)),
        waiting=_waiting(data.get("waiting", {})),
        flash=flash,
        last_message_at=now or _time(message.get("at")),
    )


def apply(board: Board, message: Message, now: datetime | None = None) -> Board | Resync:
    """Fold one feed message into the board.

    `now` is when the client received it (the flash fades by the client's
    clock, so a server clock that is off neither hides a call nor keeps it
    lit); it defaults to the message's `at`.

    - `snapshot`: the whole board, whatever came before.
    - an event with `seq` at or below the board's: a duplicate, ignored.
    - an event with `seq` above the board's plus one: a gap, `Resync`.
    - a `heartbeat` moves nothing but `last_message_at`; a heartbeat whose
      `seq` is ahead of the board also reveals a gap.
    - while a resync is awaited, events are ignored until the snapshot.
    - `error` and unknown message kinds leave the board unchanged.
    """
    received = now or _time(message.get("at"))
    kind = message.get("type")
    if kind == "snapshot":
        return from_snapshot(message, received, board)
    if board.seq is None:
        return board  # nothing is known yet; the server sends a snapshot first
    seen = replace(board, last_message_at=received or board.last_message_at)
    if kind == "error" or "seq" not in message:
        return board
    seq = int(message["seq"])
    if board.awaiting_snapshot:
        return seen
    if kind == "heartbeat":
        if seq > board.seq:
            return Resync(replace(seen, awaiting_snapshot=True), board.seq + 1, seq)
        return seen
    if seq <= board.seq:
        return board
    if seq > board.seq + 1:
        return Resync(replace(seen, awaiting_snapshot=True), board.seq + 1, seq)
    return _event(replace(seen, seq=seq), str(kind), message.get("data") or {}, received)


def disconnected(board: Board) -> Board:
    """The connection is gone: the board is kept but no longer live."""
    return replace(board, connected=False, awaiting_snapshot=False)


def new_call(before: Board, after: Board) -> Flash | None:
    """The call `after` adds over `before`, if any: what the speaker announces."""
    flash = after.flash
    if flash is None or (before.flash is not None and before.flash.seq == flash.seq):
        return None
    return flash


# ---------------------------------------------------------------- events

# Ticket events after which the ticket no longer stands at a window being called.
_LEAVES_CALL = frozenset(
    {
        "ticket.started",
        "ticket.finished",
        "ticket.no_show",
        "ticket.transferred",
        "ticket.suspended",
        "ticket.cancelled",
        "ticket.unserved",
    }
)


def _event(board: Board, kind: str, data: Mapping[str, Any], now: datetime | None) -> Board:
    """Apply one in-order event. Unknown kinds still move `seq` and the counts."""
    if "waiting" in data:
        board = replace(board, waiting=_waiting(data["waiting"]))
    window = data.get("window")
    if isinstance(window, Mapping):  # ticket.rated carries only the window's number
        board = _put_window(board, window)
    ticket = data.get("ticket")
    if kind in ("ticket.called", "ticket.recalled") and isinstance(ticket, Mapping):
        at = int(window["number"]) if isinstance(window, Mapping) else None
        board = _called(board, ticket, at, data.get("announcement") or {}, now)
    elif kind in _LEAVES_CALL and isinstance(ticket, Mapping):
        board = replace(
            board, now_calling=tuple(c for c in board.now_calling if not _is(c, ticket))
        )
    if kind.startswith("window.") and isinstance(window, Mapping):
        board = _drop_stale_calls(board, int(window["number"]))
    return board


def _put_window(board: Board, data: Mapping[str, Any]) -> Board:
    """Replace (or add, for a new window) one window, keeping them by number."""
    number = int(data["number"])
    updated = _window(data, board.window(number))
    others = [w for w in board.windows if w.number != number]
    return replace(board, windows=tuple(sorted([*others, updated], key=_number)))


def _called(
    board: Board,
    ticket: Mapping[str, Any],
    window: int | None,
    announcement: Mapping[str, Any],
    now: datetime | None,
) -> Board:
    """A call or recall: it goes on top of both lists, once, and flashes."""
    at = ticket.get("window") or window
    if at is None:
        raise KeyError("a call without a window")
    call = Call(
        number=str(ticket["number"]),
        window=int(at),
        green_channel=bool(ticket.get("green_channel", False)),
        service_name=str(ticket.get("service_name") or ""),
        called_at=now,
    )
    now_calling = (call, *(c for c in board.now_calling if not same_call(c, call)))
    last_calls = (call, *(c for c in board.last_calls if not same_call(c, call)))
    flash = Flash(
        call=call,
        # `speech` spells the number digit by digit, as halls read it aloud.
        voice=str(
            announcement.get("speech")
            or announcement.get("voice")
            or f"请 {call.number} 号到 {call.window} 号窗口办理"
        ),
        seq=board.seq or 0,
        at=now or datetime.min,
    )
    return replace(board, now_calling=now_calling, last_calls=last_calls[:LAST_CALLS], flash=flash)


def _drop_stale_calls(board: Board, number: int) -> Board:
    """A window that stopped calling no longer calls anyone (e.g. closed)."""
    window = board.window(number)
    if window is None:
        return board
    kept = tuple(
        c
        for c in board.now_calling
        if c.window != number or (window.state == "calling" and window.ticket in (None, c.number))
    )
    return replace(board, now_calling=kept)


def _is(call: Call, ticket: Mapping[str, Any]) -> bool:
    """Whether `call` is this ticket's (at its window, when the ticket says which)."""
    window = ticket.get("window")
    return call.number == ticket.get("number") and window in (None, call.window)


def same_call(a: Call, b: Call) -> bool:
    return a.number == b.number and a.window == b.window


def _number(window: WindowInfo) -> int:
    return window.number
