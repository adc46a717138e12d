"""What the server tells the hall: public views of tickets, windows and devices,
the announcement of a call, and which event announces which move.

Everything built here may be shown on a lobby screen, so it carries numbers,
services and windows, never a name, phone or ID number (a Ticket holds none,
by construction).
"""

from datetime import datetime, tzinfo
from typing import Any

from .domain import Hall, Service, Ticket, TicketAction, Window, WindowAction
from .protocol import DEVICE_STATES_ZH, WINDOW_STATE_ZH, EventType

TICKET_EVENTS: dict[TicketAction, EventType] = {
    TicketAction.CALL: EventType.TICKET_CALLED,
    TicketAction.RECALL: EventType.TICKET_RECALLED,
    TicketAction.START: EventType.TICKET_STARTED,
    TicketAction.FINISH: EventType.TICKET_FINISHED,
    TicketAction.NO_SHOW: EventType.TICKET_NO_SHOW,
    TicketAction.TRANSFER: EventType.TICKET_TRANSFERRED,
    TicketAction.SUSPEND: EventType.TICKET_SUSPENDED,
    TicketAction.RESUME: EventType.TICKET_RESUMED,
    TicketAction.CANCEL: EventType.TICKET_CANCELLED,
    TicketAction.CLOSE_DAY: EventType.TICKET_UNSERVED,
    TicketAction.CHECK_IN: EventType.TICKET_CHECKED_IN,
    TicketAction.PASS: EventType.TICKET_PASSED,
    TicketAction.DROP: EventType.TICKET_NO_SHOW,
}

WINDOW_EVENTS: dict[WindowAction, EventType] = {
    WindowAction.OPEN: EventType.WINDOW_OPENED,
    WindowAction.PAUSE: EventType.WINDOW_PAUSED,
    WindowAction.RESUME: EventType.WINDOW_RESUMED,
    WindowAction.CLOSE: EventType.WINDOW_CLOSED,
}


def public_hall(hall: Hall) -> dict[str, str]:
    """The hall as a screen shows it (the board's `hall`, `hall.updated`'s too)."""
    return {
        "id": hall.id,
        "name": hall.name,
        "timezone": hall.timezone,
        "announcement": hall.announcement,
    }


def public_ticket(ticket: Ticket, service: Service) -> dict[str, Any]:
    """A ticket as a screen may show it: the green mark, never its class.

    Not its id either: the id is the holder's key to their ticket (status,
    cancel, rating), so it never goes on the feed.
    """
    return {
        "number": ticket.number,
        "service": ticket.service,
        "service_name": service.name,
        "category": ticket.category,
        "green_channel": ticket.green_channel,
        "status": ticket.status.value,
        "window": ticket.window,
        "recalls": ticket.recalls,
        # Why its last call chose it (protocol.CallReason): a kind of head start,
        # never who has it or why.
        "call_reason": ticket.call_reason.value if ticket.call_reason else None,
    }


def local_iso(moment: datetime | None, zone: tzinfo) -> str | None:
    """ISO 8601 in the hall's time zone (the offset says which)."""
    return moment.astimezone(zone).isoformat() if moment else None


def public_window(window: Window, ticket_number: str | None, zone: tzinfo) -> dict[str, Any]:
    return {
        "number": window.number,
        "label": window.label,
        "state": window.state.value,
        "state_zh": WINDOW_STATE_ZH[window.state],
        "lane": window.lane.value,
        "ticket": ticket_number,
        "since": local_iso(window.state_since, zone),
    }


def announcement(number: str, window: int) -> dict[str, str]:
    """What the loudspeaker says and the short line a screen shows.

    `speech` is `voice` for a speech synthesiser: halls read a ticket number
    digit by digit ("A 零二三"), not as a quantity ("A 二十三").
    """
    digits = " ".join(number)
    return {
        "voice": f"请 {number} 号到 {window} 号窗口办理",
        "speech": f"请 {digits} 号，到 {window} 号窗口办理",
        "screen": f"{number} → {window}号窗口",
    }


def public_device(
    token_id: str, label: str, state: str, detail: str | None, since: datetime, zone: tzinfo
) -> dict[str, Any]:
    return {
        "id": token_id,
        "label": label,
        "state": state,
        "state_zh": DEVICE_STATES_ZH.get(state, state),
        "detail": detail,
        "since": local_iso(since, zone),
    }
