"""The hall feed's vocabulary and grammar, shared by the server and its clients.

Standard library only, and nothing else of `queue_server`: the display client
and the ticket printer import this one module of the server package, and
nothing else of it (tests/test_boundaries.py holds both lines). The browser
pages get the same names from `/static/protocol.js`, generated from this
module when the server starts (`protocol_js.py`).

It holds:
- the names on the wire: message and event types, ticket and window states
  with the words a screen shows for them, device states, why a ticket was
  called (`CallReason`) with its words;
- the sequence rule: what a client does with a message of seq n after the
  last event it applied (`seq_verdict`);
- the encoding of feed messages (`encode`, `feed_message`, `error_message`)
  and their first reading on a client (`decode`, `seq_of`).

The builders of public views (what a ticket or window looks like on the feed)
live on the server, in `public.py`.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# ---------------------------------------------------------------- states


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"
    SUSPENDED = "suspended"
    UNSERVED = "unserved"


class WindowState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"  # open and idle
    CALLING = "calling"
    SERVING = "serving"
    PAUSED = "paused"


WINDOW_STATE_ZH: Mapping[str, str] = {
    WindowState.CLOSED: "未开启",
    WindowState.OPEN: "空闲",
    WindowState.CALLING: "叫号中",
    WindowState.SERVING: "办理中",
    WindowState.PAUSED: "暂停服务",
}

# A window holds a ticket (its WINDOW's `ticket` is a number) only in these.
HOLDING_STATES = frozenset({WindowState.CALLING, WindowState.SERVING})


class DeviceState(StrEnum):
    """A ticket machine's printer, as it reports it (`device.status`)."""

    OK = "ok"
    OFFLINE = "offline"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"


DEVICE_STATES_ZH: Mapping[str, str] = {
    DeviceState.OK: "正常",
    DeviceState.OFFLINE: "打印机离线",
    DeviceState.PAPER_LOW: "纸将用尽",
    DeviceState.PAPER_OUT: "缺纸",
    DeviceState.COVER_OPEN: "纸仓盖未关",
    DeviceState.ERROR: "故障",
}


class CallReason(StrEnum):
    """Why a window called the ticket it called (`call_reasons.why_called`)."""

    LONGEST_WAIT = "longest_wait"  # nobody it could call had waited longer
    GREEN = "green"  # the green channel's head start
    APPOINTMENT = "appointment"  # a booking, checked in for its slot
    TARGET = "target"  # an item with a shorter target wait (限时事项)
    TRANSFER = "transfer"  # sent on from another window (转办)
    RESUMED = "resumed"  # back from a suspension (挂起返回)
    BY_NUMBER = "by_number"  # the clerk called this number, not the next


# The reason's name, for the clerk and the reports.
CALL_REASON_ZH: Mapping[str, str] = {
    CallReason.LONGEST_WAIT: "等候最久",
    CallReason.GREEN: "绿色通道",
    CallReason.APPOINTMENT: "预约",
    CallReason.TARGET: "限时事项",
    CallReason.TRANSFER: "转办回流",
    CallReason.RESUMED: "挂起返回",
    CallReason.BY_NUMBER: "指定叫号",
}

# The neutral line a lobby screen and a holder's page show after the number
# ("A031 号：绿色通道优先办理"): the kind of head start, never who has it or why.
CALL_REASON_BOARD: Mapping[str, str] = {
    CallReason.LONGEST_WAIT: "依次叫号",
    CallReason.GREEN: "绿色通道优先办理",
    CallReason.APPOINTMENT: "预约号按时签到，优先办理",
    CallReason.TARGET: "限时办理事项，优先办理",
    CallReason.TRANSFER: "转办的号码，优先办理",
    CallReason.RESUMED: "补齐材料返回，优先办理",
    CallReason.BY_NUMBER: "窗口指定叫号",
}


def call_reason_of(value: object) -> CallReason | None:
    """A call's reason as read off the wire: None for anything else (an older
    server sends none, a newer one may send a reason this client does not know)."""
    return CallReason(value) if isinstance(value, str) and value in _REASONS else None


_REASONS = frozenset(CallReason)

# ---------------------------------------------------------------- messages


class MessageType(StrEnum):
    """The messages of the feed that are not events."""

    SNAPSHOT = "snapshot"  # the whole board, and the seq it reflects
    HEARTBEAT = "heartbeat"  # the seq of the last event sent, when idle
    ERROR = "error"  # a refusal; the close that follows says more
    RESYNC = "resync"  # from a client: send a fresh snapshot


class EventType(StrEnum):
    TICKET_ISSUED = "ticket.issued"
    TICKET_CALLED = "ticket.called"
    TICKET_RECALLED = "ticket.recalled"
    TICKET_STARTED = "ticket.started"
    TICKET_FINISHED = "ticket.finished"
    TICKET_NO_SHOW = "ticket.no_show"
    TICKET_TRANSFERRED = "ticket.transferred"
    TICKET_SUSPENDED = "ticket.suspended"
    TICKET_RESUMED = "ticket.resumed"
    TICKET_CANCELLED = "ticket.cancelled"
    TICKET_UNSERVED = "ticket.unserved"
    TICKET_RATED = "ticket.rated"
    TICKET_CHECKED_IN = "ticket.checked_in"  # a remote place's holder arrived
    TICKET_PASSED = "ticket.passed"  # a remote place passed over while its holder is away
    WINDOW_OPENED = "window.opened"
    WINDOW_PAUSED = "window.paused"
    WINDOW_RESUMED = "window.resumed"
    WINDOW_CLOSED = "window.closed"
    WINDOW_UPDATED = "window.updated"
    DEVICE_STATUS = "device.status"
    ALERT_RAISED = "alert.raised"
    ALERT_ACKED = "alert.acked"
    HALL_CLOSED = "hall.closed"
    HALL_UPDATED = "hall.updated"  # name, time zone or the lobby's announcement line


# The events that call a visitor to a window (a screen flashes and speaks them).
CALL_EVENTS = frozenset({EventType.TICKET_CALLED, EventType.TICKET_RECALLED})

# After these a ticket no longer stands called at a window.
ENDS_CALL = frozenset(
    {
        EventType.TICKET_STARTED,
        EventType.TICKET_FINISHED,
        EventType.TICKET_NO_SHOW,
        EventType.TICKET_TRANSFERRED,
        EventType.TICKET_SUSPENDED,
        EventType.TICKET_CANCELLED,
        EventType.TICKET_UNSERVED,
    }
)


@dataclass(frozen=True, slots=True)
class Event:
    """One change to announce. `ticket_id` is stored with it, never sent;
    `took_s` (the wait at a call, the handling time at a finish) only feeds
    this process's metrics."""

    type: EventType
    data: dict[str, Any]
    ticket_id: str | None = None
    took_s: float | None = None


# ---------------------------------------------------------------- the sequence rule


# Messages that state how far the server is, rather than change the board.
REPORTS_SEQ = frozenset({MessageType.SNAPSHOT, MessageType.HEARTBEAT})


class SeqVerdict(StrEnum):
    APPLY = "apply"  # the very next event: apply it
    STALE = "stale"  # at or below the last one applied: a duplicate, ignore it
    RESYNC = "resync"  # ahead: something was missed; ask for a snapshot (or catch up)


def seq_verdict(last: int, seq: int, kind: str | None = None) -> SeqVerdict:
    """What a client that has applied every event up to `last` does with a
    message of type `kind` (None: an event) carrying `seq` (docs/feed.md).

    An event applies when it is the next one, `last + 1`. A heartbeat repeats
    the seq of the last event the server sent, so it is never applied: ahead
    of `last`, an event was lost on the way. A client that keeps a whole board
    takes a snapshot without asking (it replaces the board); one that follows
    the feed without reading snapshots (the ticket printer) judges a snapshot
    as it judges a heartbeat. The browser pages run the same rule
    (`seqVerdict` in /static/protocol.js).
    """
    if seq <= last:
        return SeqVerdict.STALE
    if seq == last + 1 and not (isinstance(kind, str) and kind in REPORTS_SEQ):
        return SeqVerdict.APPLY
    return SeqVerdict.RESYNC


# ---------------------------------------------------------------- encoding


class Unreadable(ValueError):
    """A message, or a part of one, without the shape docs/feed.md gives it.

    The text names the field and the type found, never a value: clients log it
    once per kind, and a value would make every occurrence a new kind.
    """


def encode(message: Mapping[str, Any]) -> str:
    """A message as the text frame that carries it: compact UTF-8 JSON."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def feed_message(kind: str, seq: int, at: datetime, data: Any = None) -> str:
    """A snapshot, heartbeat or event: `{"type", "seq", "at", "data"}`, in that
    order (benchmarks read the type and seq from a frame's start); a heartbeat
    has no `data`."""
    message: dict[str, Any] = {"type": kind, "seq": seq, "at": at.isoformat()}
    if data is not None:
        message["data"] = data
    return encode(message)


def error_message(code: str, message: str) -> str:
    """A refusal: `{"type": "error", "error": code, "message": …}`."""
    return encode({"type": MessageType.ERROR, "error": code, "message": message})


RESYNC_REQUEST = encode({"type": MessageType.RESYNC})


def decode(frame: str | bytes) -> dict[str, Any]:
    """The message in a text frame; Unreadable if it is not a JSON object."""
    try:
        message = json.loads(frame)
    except ValueError:
        raise Unreadable("a message that is not JSON") from None
    if not isinstance(message, dict):
        raise Unreadable(f"a message that is {type(message).__name__}, not an object")
    return message


def seq_of(message: Mapping[str, Any], what: str = "seq") -> int:
    """The message's `seq`, a whole number (not a bool); Unreadable otherwise."""
    seq = message.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise Unreadable(f"{what} is {type(seq).__name__}, not a whole number")
    return seq
