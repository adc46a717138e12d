"""The hall feed's vocabulary, shared by the server and its clients.

Standard library only: the display client and the ticket printer import this
module and nothing else of the server. It holds the event types, the names of
ticket and window states (with the words a screen shows for them) and the
device states. The builders of public views live on the server (`public.py`).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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


WINDOW_STATE_ZH = {
    WindowState.CLOSED: "未开启",
    WindowState.OPEN: "空闲",
    WindowState.CALLING: "叫号中",
    WindowState.SERVING: "办理中",
    WindowState.PAUSED: "暂停服务",
}

DEVICE_STATES_ZH = {
    "ok": "正常",
    "offline": "打印机离线",
    "paper_low": "纸将用尽",
    "paper_out": "缺纸",
    "cover_open": "纸仓盖未关",
    "error": "故障",
}


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
    WINDOW_OPENED = "window.opened"
    WINDOW_PAUSED = "window.paused"
    WINDOW_RESUMED = "window.resumed"
    WINDOW_CLOSED = "window.closed"
    WINDOW_UPDATED = "window.updated"
    DEVICE_STATUS = "device.status"
    ALERT_RAISED = "alert.raised"
    ALERT_ACKED = "alert.acked"
    HALL_CLOSED = "hall.closed"


@dataclass(frozen=True, slots=True)
class Event:
    """One change to announce. `ticket_id` is stored with it, never sent."""

    type: EventType
    data: dict[str, Any]
    ticket_id: str | None = None
