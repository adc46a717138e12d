"""The lobby board as a pure reducer over the hall feed (docs/feed.md).

`from_snapshot()` builds a `Board` from a `snapshot` message; `apply()` folds
one message into it and returns the next `Board`, or a `Resync` when the
`seq` jumped and the client must ask for a fresh snapshot. Nothing here does
I/O or reads a clock: the time a message was received is an argument, so the
same messages always give the same board. The names on the wire, and the rule
for a message's `seq`, come from `queue_server.protocol` (the one module of the
server a client may import).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from queue_server.protocol import (
    CALL_EVENTS,
    ENDS_CALL,
    HOLDING_STATES,
    WINDOW_STATE_ZH,
    MessageType,
    SeqVerdict,
    Unreadable,
    WindowState,
    call_reason_of,
    seq_of,
    seq_verdict,
)

LAST_CALLS = 10

Message = Mapping[str, Any]


@dataclass(frozen=True)
class Call:
    """One call as the screen shows it: the number and where to go."""

    number: str
    window: int
    green_channel: bool = False
    service_name: str = ""
    called_at: datetime | None = None
    reason: str | None = None  # protocol.CallReason: the kind of head start, if known


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
    unread: tuple[str, ...] = ()  # what the last snapshot held that could not be read

    def window(self, number: int) -> WindowInfo | None:
        return next((w for w in self.windows if w.number == number), None)


@dataclass(frozen=True)
class Resync:
    """The feed skipped from `expected` to `got`, or a message could not be read
    (`reason` says why): send `{"type": "resync"}`.

    `board` is the board to keep meanwhile (marked as awaiting the snapshot,
    so the events still in flight are not taken for further gaps).
    """

    board: Board
    expected: int
    got: int
    reason: str | None = None


# ---------------------------------------------------------------- parsing


_T = TypeVar("_T")


def _map(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Unreadable(f"{what} is {type(value).__name__}, not an object")
    return value


def _list(value: Any, what: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        raise Unreadable(f"{what} is {type(value).__name__}, not a list")
    return value


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unreadable(f"{what} is {type(value).__name__}, not a whole number")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise Unreadable(f"{what} is {type(value).__name__}, not text")
    return value


def _optional_str(value: Any, what: str) -> str | None:
    return None if value is None else _str(value, what)


def _bool(value: Any, what: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise Unreadable(f"{what} is {type(value).__name__}, not true or false")
    return value


def _time(value: Any) -> datetime | None:
    """A time if it reads as one: a bad one only costs the clock shown beside a call."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _call(data: Any) -> Call:
    data = _map(data, "call")
    return Call(
        number=_str(data.get("number"), "call number"),
        window=_int(data.get("window"), "call window"),
        green_channel=_bool(data.get("green_channel"), "call green_channel"),
        service_name=_optional_str(data.get("service_name"), "call service_name") or "",
        called_at=_time(data.get("called_at")),
        reason=call_reason_of(data.get("call_reason")),
    )


def _window(data: Any) -> WindowInfo:
    """A window from a WINDOW: a snapshot's entry, or the `window` of any event
    (every window event, `window.updated` too, carries the whole WINDOW)."""
    data = _map(data, "window")
    number = _int(data.get("number"), "window number")
    state = _optional_str(data.get("state"), "window state") or WindowState.CLOSED.value
    ticket = _optional_str(data.get("ticket"), "window ticket")
    return WindowInfo(
        number=number,
        label=_optional_str(data.get("label"), "window label") or f"{number}号窗口",
        state=state,
        state_zh=_optional_str(data.get("state_zh"), "window state_zh")
        or WINDOW_STATE_ZH.get(state, state),
        lane=_optional_str(data.get("lane"), "window lane") or "standard",
        ticket=ticket if ticket and state in HOLDING_STATES else None,
        since=_time(data.get("since")),
    )


def _waiting(data: Any) -> Waiting:
    data = _map(data, "waiting")
    categories = []
    for entry in _list(data.get("by_category", ()), "waiting by_category"):
        c = _map(entry, "waiting category")
        code = _str(c.get("category"), "waiting category code")
        name = _optional_str(c.get("name"), "waiting category name") or code
        categories.append(CategoryCount(code, name, _int(c.get("count"), "waiting count")))
    return Waiting(
        total=_int(data.get("total", 0), "waiting total"),
        green_channel=_int(data.get("green_channel", 0), "waiting green_channel"),
        by_category=tuple(categories),
    )


def _entries(items: Any, what: str, read: Callable[[Any], _T], unread: list[str]) -> list[_T]:
    """The entries of a snapshot list that can be read; what could not, in `unread`."""
    if items is None:
        return []
    try:
        listed = _list(items, what)
    except Unreadable as exc:
        unread.append(str(exc))
        return []
    read_ok = []
    for item in listed:
        try:
            read_ok.append(read(item))
        except Unreadable as exc:
            unread.append(f"{what}: {exc}")
    return read_ok


# ---------------------------------------------------------------- the reducer


def from_snapshot(
    message: Message, now: datetime | None = None, before: Board | None = None
) -> Board:
    """The whole board from a `snapshot`; connected, at the snapshot's seq.

    Entries that cannot be read (a call without a window, a window without a
    number, ...) are left out and named in `Board.unread`: a screen shows the
    rest rather than nothing, since asking again would bring the same snapshot.
    Raises Unreadable only when the snapshot has no board or no seq at all.

    A flash from `before` survives if the snapshot still shows that call as the
    newest, so a resync neither drops a fresh highlight nor repeats a call.
    """
    data = _map(message.get("data"), "snapshot data")
    seq = _int(message.get("seq", data.get("seq")), "snapshot seq")
    unread: list[str] = []
    hall: Mapping[str, Any] = {}
    try:
        hall = _map(data.get("hall", {}), "hall")
        names = [_optional_str(hall.get(k), f"hall {k}") for k in ("id", "name", "timezone")]
    except Unreadable as exc:
        unread.append(str(exc))
        names = [None, None, None]
    last_calls = tuple(_entries(data.get("last_calls"), "last_calls", _call, unread))
    windows = _entries(data.get("windows"), "windows", _window, unread)
    try:
        waiting = _waiting(data.get("waiting", {}))
    except Unreadable as exc:
        unread.append(str(exc))
        waiting = Waiting()
    flash = before.flash if before else None
    if flash and not (last_calls and same_call(last_calls[0], flash.call)):
        flash = None
    return Board(
        hall_id=names[0] or "",
        hall_name=names[1] or "",
        timezone=names[2] or "Asia/Shanghai",
        seq=seq,
        connected=True,
        now_calling=tuple(_entries(data.get("now_calling"), "now_calling", _call, unread)),
        last_calls=last_calls[:LAST_CALLS],
        windows=tuple(sorted({w.number: w for w in windows}.values(), key=_number)),
        waiting=waiting,
        flash=flash,
        last_message_at=now or _time(message.get("at")),
        unread=tuple(unread),
    )


def apply(board: Board, message: Any, now: datetime | None = None) -> Board | Resync:
    """Fold one feed message into the board. Never raises, whatever `message` is.

    `now` is when the client received it (the flash fades by the client's
    clock, so a server clock that is off neither hides a call nor keeps it
    lit); it defaults to the message's `at`.

    - `snapshot`: the whole board, whatever came before.
    - an event with `seq` at or below the board's: a duplicate, ignored.
    - an event with `seq` above the board's plus one: a gap, `Resync`.
    - a `heartbeat` moves nothing but `last_message_at`; a heartbeat whose
      `seq` is ahead of the board also reveals a gap.
    - while a resync is awaited, events are ignored until the snapshot.
    - an `error` leaves the board unchanged (the close that follows says more);
      an event of a kind not known here moves `seq` and the counts.
    - a message that cannot be read (not an object, no seq, a field of the
      wrong type, ...) is skipped: `Resync` with its `reason`, since it may
      have hidden a change.
    """
    try:
        return _apply(board, _map(message, "message"), now)
    except (Unreadable, LookupError, TypeError, ValueError, AttributeError) as exc:
        kind = message.get("type") if isinstance(message, Mapping) else None
        reason = f"{kind if isinstance(kind, str) else 'message'}: {exc}"
        return Resync(replace(board, awaiting_snapshot=True), (board.seq or 0) + 1, 0, reason)


def _apply(board: Board, message: Mapping[str, Any], now: datetime | None) -> Board | Resync:
    received = now or _time(message.get("at"))
    kind = message.get("type")
    if kind == MessageType.SNAPSHOT:
        return from_snapshot(message, received, board)
    if kind == MessageType.ERROR:
        return board
    seq = seq_of(message)
    if board.seq is None:
        return board  # nothing is known yet; the server sends a snapshot first
    seen = replace(board, last_message_at=received or board.last_message_at)
    if board.awaiting_snapshot:
        return seen
    verdict = seq_verdict(board.seq, seq, kind)
    if verdict is SeqVerdict.RESYNC:
        return Resync(replace(seen, awaiting_snapshot=True), board.seq + 1, seq)
    if verdict is SeqVerdict.STALE:
        return seen if kind == MessageType.HEARTBEAT else board
    data = _map(message.get("data") or {}, "data")
    return _event(replace(seen, seq=seq), _str(kind, "type"), data, received)


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


def _event(board: Board, kind: str, data: Mapping[str, Any], now: datetime | None) -> Board:
    """Apply one in-order event. Unknown kinds still move `seq` and the counts.

    Raises Unreadable when a field it needs is missing or of the wrong type.
    """
    if "waiting" in data:
        board = replace(board, waiting=_waiting(data["waiting"]))
    window = data.get("window")
    if kind.startswith("window.") or isinstance(window, Mapping):
        # ticket.rated carries only the window's number, not a WINDOW
        board = _put_window(board, window)
    if kind in CALL_EVENTS:
        ticket = _map(data.get("ticket"), "ticket")
        at = _int(window["number"], "window number") if isinstance(window, Mapping) else None
        announcement = data.get("announcement")
        announcement = _map(announcement, "announcement") if announcement is not None else {}
        board = _called(board, ticket, at, announcement, _time(data.get("called_at")), now)
    elif kind in ENDS_CALL:
        ticket = _map(data.get("ticket"), "ticket")
        number = _str(ticket.get("number"), "ticket number")
        at = ticket.get("window")
        board = replace(
            board,
            now_calling=tuple(
                c for c in board.now_calling if c.number != number or at not in (None, c.window)
            ),
        )
    if kind.startswith("window.") and isinstance(window, Mapping):
        board = _drop_stale_calls(board, _int(window["number"], "window number"))
    return board


def _put_window(board: Board, data: Any) -> Board:
    """Replace (or add, for a new window) one window, keeping them by number."""
    updated = _window(data)
    others = [w for w in board.windows if w.number != updated.number]
    return replace(board, windows=tuple(sorted([*others, updated], key=_number)))


def _called(
    board: Board,
    ticket: Mapping[str, Any],
    window: int | None,
    announcement: Mapping[str, Any],
    called_at: datetime | None,
    now: datetime | None,
) -> Board:
    """A call or recall: on top of both lists, and it flashes. Once per number, as
    the server's snapshot keeps them: one called again is shown where they go now."""
    where = ticket.get("window")
    call = Call(
        number=_str(ticket.get("number"), "ticket number"),
        window=_int(where if where is not None else window, "ticket window"),
        green_channel=_bool(ticket.get("green_channel"), "ticket green_channel"),
        service_name=_optional_str(ticket.get("service_name"), "ticket service_name") or "",
        called_at=called_at or now,
        reason=call_reason_of(ticket.get("call_reason")),
    )
    voice = announcement.get("speech") or announcement.get("voice")
    now_calling = (call, *(c for c in board.now_calling if c.number != call.number))
    last_calls = (call, *(c for c in board.last_calls if c.number != call.number))
    flash = Flash(
        call=call,
        # `speech` spells the number digit by digit, as halls read it aloud.
        voice=voice
        if isinstance(voice, str) and voice
        else f"请 {call.number} 号到 {call.window} 号窗口办理",
        seq=board.seq or 0,
        at=now or datetime.min,  # it fades by the client's clock
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
        if c.window != number
        or (window.state == WindowState.CALLING and window.ticket in (None, c.number))
    )
    return replace(board, now_calling=kept)


def same_call(a: Call, b: Call) -> bool:
    return a.number == b.number and a.window == b.window


def _number(window: WindowInfo) -> int:
    return window.number
