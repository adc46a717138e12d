"""Read models: what each kind of caller sees, from the hall's state and rows.

- the holder's view of their ticket (no personal data),
- the clerk's view of a window (the masked ID number, for the clerk only),
- the display board snapshot and the waiting counts (no personal data),
- an alert as the supervisor console shows it.
"""

from datetime import datetime, timedelta, tzinfo
from typing import Any

from .call_reasons import holder_line, went_before
from .catalogue import Catalogue
from .declared_groups import claim_label
from .dispatch import called_before, lane_last
from .domain import STAFFED, Entry, Hall, Lane, Policy, Ticket, Window
from .estimate import Estimate
from .guide_trees import answered
from .hall_state import HallState
from .models import AlertAckRow, AlertRow
from .protocol import TicketStatus
from .public import local_iso, public_device, public_hall, public_ticket, public_window
from .remote_rules import grace_ends
from .store import Tx
from .waiting import WaitingQueue
from .window_staff import board_staff

LAST_CALLS = 10
_AT_WINDOW = (TicketStatus.CALLED, TicketStatus.SERVING)


def live_leg(tx: Tx, ticket_id: str) -> Ticket:
    """Follow transfers from the id on the paper to the leg that is live now."""
    row = tx.ticket_row(ticket_id)
    for _ in range(50):  # a chain longer than this is a loop, not a visitor
        if row.transferred_to is None:
            break
        row = tx.ticket_row(row.transferred_to)
    return tx.ticket(row.id)


def ticket_view(
    state: HallState,
    ticket: Ticket,
    now: datetime,
    public_url: str = "",
    est: Estimate | None = None,
) -> dict[str, Any]:
    """The holder's view: status, people ahead, estimated wait (`est` if worked
    out already), window once called, and the address of its live status page
    (what the printed QR code opens)."""
    hall = state.hall
    service = state.service(ticket.service)  # the hall's own materials
    waiting, windows = state.waiting, state.window_list()
    est = est or state.estimate(ticket, now)
    at_window = ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING)
    reasons = order_reasons(ticket, waiting, windows, state.policy_at(now), now)
    return {
        "id": ticket.id,
        "hall": hall.id,
        "hall_name": hall.name,
        "number": ticket.number,
        "service": service.code,
        "service_name": service.name,
        "materials": list(service.materials),
        "green_channel": ticket.green_channel,
        "status": ticket.status.value,
        "position": est.position,
        "estimated_wait_s": est.wait_s,
        "window": ticket.window if at_window else None,
        "issued_at": local_iso(ticket.issued_at, hall.zone),
        "called_at": local_iso(ticket.called_at, hall.zone),
        # Without a public address the printer and kiosk use the one they reached us by.
        "status_url": f"{public_url.rstrip('/')}/t/{ticket.id}" if public_url else None,
        # Staffed windows that take this ticket: 0 means nobody can call it now,
        # and the estimate only says what happens once one opens.
        "windows_open": sum(1 for w in windows if w.accepts(ticket) and w.state in STAFFED),
        "order_reasons": reasons,
        "order_note": order_note(reasons),
        "went_before": went_before_view(state, ticket),
    } | remote_view(ticket, hall)


def went_before_view(state: HallState, ticket: Ticket) -> list[dict[str, Any]]:
    """The numbers at a window now that were called before `ticket` while it
    waited, each with its neutral line (`call_reasons.went_before`). Only the
    tickets the windows hold are looked at: no walk of the queue or the day."""
    return [
        {"number": t.number, "reason": t.call_reason, "line": holder_line(t)}
        for t in went_before(ticket, held_tickets(state), state.window_list())
    ]


def held_tickets(state: HallState) -> list[Ticket]:
    """The tickets the windows hold (called or being served)."""
    return [t for w in state.window_list() if w.ticket_id and (t := state.tickets.get(w.ticket_id))]


def remote_view(ticket: Ticket, hall: Hall) -> dict[str, Any]:
    """A remote place's (线上取号) arrival: whether its holder has checked in, and,
    once passed over while away, until when the place is kept."""
    if not ticket.remote:
        return {"remote": False}
    keep = grace_ends(ticket, hall.policy)
    return {
        "remote": True,
        "checked_in": ticket.checked_in_at is not None,
        "passed_at": local_iso(ticket.passed_at, hall.zone),
        "kept_until": local_iso(keep, hall.zone),
    }


# Why a ticket taken later may be called first, in the order the note names them.
ORDER_REASONS_ZH = {
    "short_target": "办理时限较短的事项",
    "appointment": "按时签到的预约号",
    "green_channel": "绿色通道号",
    "transfer": "转办的号码",
    "return": "补齐材料返回的号码",
}


def order_reasons(
    ticket: Ticket,
    waiting: list[Ticket] | WaitingQueue,
    windows: list[Window],
    policy: Policy,
    now: datetime,
) -> list[str]:
    """Why tickets taken after `ticket` are called before it: the kinds of head start
    they have (ORDER_REASONS_ZH), and "dedicated_window" when a window that cannot
    take `ticket` serves later tickets of its category. Kinds, never which ticket
    has which: the public learns that the green channel exists, not who is in it."""
    if ticket.status is not TicketStatus.WAITING:
        return []
    staffed = [w for w in windows if w.state in STAFFED]
    able = [w for w in staffed if w.accepts(ticket)] or [w for w in windows if w.accepts(ticket)]
    if isinstance(waiting, WaitingQueue):  # the plain walk-ins by kind, the rest walked
        later = [t for t in waiting.others.values() if t.arrived_at > ticket.arrived_at]
    else:
        later = [t for t in waiting if t.arrived_at > ticket.arrived_at and t.id != ticket.id]
    # Windows alike in what they take order the queue alike: one order per kind.
    directed = {t.directed_window for t in later}
    kinds = {(w.skills, w.lane, w.number if w.number in directed else None): w for w in able}
    found: set[str] = set()
    if isinstance(waiting, WaitingQueue):
        found = _plain_head_starts(ticket, waiting, list(kinds.values()), policy, now)
    for window in kinds.values():
        ahead = called_before(ticket, later, window, policy, now)
        # Head starts depend on these alone: each is worked out once.
        for service, green, entry, sent in {
            (t.service, t.green_channel, t.entry, t.directed_window is not None) for t in ahead
        }:
            found |= _head_starts(service, green, entry, sent, ticket, policy)
    if dedicated := [w for w in staffed if not w.accepts(ticket)]:
        later = _later(ticket, waiting)
        if any(w.accepts(t) for w in dedicated for t in later if t.category == ticket.category):
            found.add("dedicated_window")
    return [r for r in (*ORDER_REASONS_ZH, "dedicated_window") if r in found]


def _plain_head_starts(
    ticket: Ticket, queue: WaitingQueue, windows: list[Window], policy: Policy, now: datetime
) -> set[str]:
    """The head starts of the plain walk-ins that came after `ticket` and that one
    of `windows` calls before it. Per kind its first later ticket decides (the
    rest of the kind rank behind that one), ranked by the kind's boost."""
    mine = (lane_last(ticket), ticket.arrived_at - timedelta(seconds=policy.boost(ticket, now)))
    mine_target = policy.target_boost(ticket.service)
    queue.ranked(policy)  # the kinds' boosts under this policy
    found: set[str] = set()
    every = {"short_target"} if ticket.green_channel else {"short_target", "green_channel"}
    for kind in queue.kinds:
        first = queue.first_after(kind, ticket.arrived_at)
        if first is None:
            continue
        if found == every:
            break
        service, category, green = kind
        rank = first[0] - queue.shift(kind)
        if any(
            w.skills.accepts(service, category)
            and (w.lane is Lane.GREEN and not green, rank)
            < (w.lane is Lane.GREEN and mine[0], mine[1])
            for w in windows
        ):  # as `_head_starts` for a walk-in
            if policy.target_boost(service) > mine_target:
                found.add("short_target")
            if green and not ticket.green_channel:
                found.add("green_channel")
    return found


def _later(ticket: Ticket, waiting: list[Ticket] | WaitingQueue) -> list[Ticket]:
    """The tickets taken after `ticket` that may be called before it. On an indexed
    queue, of each kind of plain walk-in only the first to come after it: the
    others of its kind rank behind it and have the same head starts."""
    if not isinstance(waiting, WaitingQueue):
        return [t for t in waiting if t.arrived_at > ticket.arrived_at and t.id != ticket.id]
    firsts = (waiting.later(kind, ticket.arrived_at) for kind in waiting.kinds)
    others = (t for t in waiting.others.values() if t.arrived_at > ticket.arrived_at)
    return [t for t in (*firsts, *others) if t is not None and t.id != ticket.id]


def _head_starts(
    service: str, green: bool, entry: Entry, directed: bool, mine: Ticket, policy: Policy
) -> set[str]:
    """What puts a ticket of `service` (green channel, entry, sent to a window)
    ahead of `mine`."""
    kinds = set()
    if policy.target_boost(service) > policy.target_boost(mine.service):
        kinds.add("short_target")
    if green and not mine.green_channel:
        kinds.add("green_channel")
    if entry is Entry.APPOINTMENT:
        kinds.add("appointment")
    elif entry is Entry.TRANSFER or directed:
        kinds.add("transfer")
    elif entry is Entry.RETURN:
        kinds.add("return")
    return kinds


def order_note(reasons: list[str]) -> str | None:
    """One neutral line for the holder and the board: why later numbers go first."""
    if not reasons:
        return None
    parts = []
    ahead = [ORDER_REASONS_ZH[r] for r in reasons if r in ORDER_REASONS_ZH]
    if ahead:
        parts.append("、".join(ahead) + "优先叫号")
    if "dedicated_window" in reasons:
        parts.append("部分窗口专办特定事项")
    return "；".join(parts) + "，取号晚于您的号码可能先被叫到"


def window_view(
    tx: Tx,
    catalogue: Catalogue,
    state: HallState,
    window: Window,
    now: datetime,
    ticket: Ticket | None = None,
) -> dict[str, Any]:
    """The clerk's console: the window, and its ticket with the masked ID number
    and the 办事指引 answers (the checklist they make replaces the item's)."""
    current = ticket or (tx.ticket(window.ticket_id) if window.ticket_id else None)
    holding = current.number if current and window.ticket_id else None
    view: dict[str, Any] = {"window": public_window(window, holding, state.hall.zone)}
    if current is not None:
        service = state.service(current.service)
        waited = (current.first_called_at or now) - current.arrived_at
        row = tx.ticket_row(current.id)
        guide = answered(catalogue.guide(service.code, state.hall), row.answers, service.materials)
        view["ticket"] = public_ticket(current, service) | {
            "id": current.id,
            "materials": guide["checklist"],
            "answers": guide["answers"],
            "answers_complete": guide["answers_complete"],
            "id_masked": row.id_masked,
            "note": row.note,  # the 导办's pre-check (资料预审), for the clerk only
            "green_check": row.green_check,  # a declared group: claimed, confirmed, removed
            "waited_s": round(waited.total_seconds()),
            "entry": current.entry.value,
        }
        if row.green_check is not None:
            specials = tx.specials(state.hall.id)
            view["ticket"]["green_group"] = claim_label(specials, current.priority)
        booking = tx.appointment(row.appointment_code) if row.appointment_code else None
        if booking is not None:
            # The clerk sees who booked and the pre-filled application (预填报).
            view["ticket"]["appointment"] = {
                "code": booking.code,
                "name": booking.name,
                "phone_masked": booking.phone_masked,
                "form": booking.form,
            }
    return view


def waiting_counts(state: HallState, catalogue: Catalogue) -> dict[str, Any]:
    """How many wait, in total, in the green channel and per category."""
    counts = {key: n for key, n in state.waiting.counts.items() if n > 0}
    per_category = {code: 0 for code in catalogue.categories}
    for (category, _green), n in counts.items():
        per_category[category] = per_category.get(category, 0) + n
    return {
        "total": sum(counts.values()),
        "green_channel": sum(n for (_c, green), n in counts.items() if green),
        "by_category": [
            {"category": code, "name": catalogue.categories[code].name, "count": n}
            for code, n in per_category.items()
        ],
    }


def board_snapshot(tx: Tx, state: HallState, catalogue: Catalogue, now: datetime) -> dict[str, Any]:
    """The display's whole board and the `seq` of the last event it reflects."""
    hall, hall_id, seq = state.hall, state.hall.id, state.seq
    # Called and serving tickets are held by their windows: no walk of the queue.
    held = [t for t in held_tickets(state) if t.status in _AT_WINDOW]
    calling = sorted(
        (t for t in held if t.status is TicketStatus.CALLED),
        key=lambda t: t.called_at or now,
        reverse=True,
    )
    last = last_calls(tx, hall, now)
    staff = board_staff(tx, state, now)  # each window's member, if the hall shows them
    return {
        "seq": seq,
        "hall": public_hall(hall),
        "now_calling": [call_entry(catalogue, t, hall.zone) for t in calling],
        "last_calls": [call_entry(catalogue, t, hall.zone) for t in last],
        "waiting": waiting_counts(state, catalogue),
        "windows": [
            state.public_window(w) | ({"staff": staff[w.number]} if staff else {})
            for w in state.window_list()
        ],
        "devices": [
            public_device(d.token_id, d.label, d.state, d.detail, d.since, hall.zone)
            for d in tx.reporting_devices(hall_id)
        ],
    }


def last_calls(tx: Tx, hall: Hall, now: datetime) -> list[Ticket]:
    """The day's last LAST_CALLS calls, newest first, one per number.

    A number called again (back from a transfer or a suspension) shows only
    where it was called last: the old window would send the visitor astray.
    The screens fold the feed's calls by the same rule, so they agree with
    this snapshot whatever happened in between. A call without a window
    (rows written before resumed tickets kept theirs) is left out.
    """
    day, limit = hall.business_date(now), LAST_CALLS
    while True:
        rows = tx.recently_called(hall.id, day, limit)
        calls: dict[str, Ticket] = {}
        for t in rows:
            if t.window is not None:
                calls.setdefault(t.number, t)
        if len(calls) >= LAST_CALLS or len(rows) < limit:
            return list(calls.values())[:LAST_CALLS]
        limit *= 4  # repeated numbers filled the page: read further back


def call_entry(catalogue: Catalogue, ticket: Ticket, zone: tzinfo) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "window": ticket.window,
        "green_channel": ticket.green_channel,
        "service_name": catalogue.service(ticket.service).name,
        "called_at": local_iso(ticket.called_at, zone),
        "call_reason": ticket.call_reason.value if ticket.call_reason else None,
    }


def alert_view(row: AlertRow, ack: AlertAckRow | None, zone: tzinfo) -> dict[str, Any]:
    """An alert for the supervisor: what it says, its id, when, and who acknowledged it."""
    acked = ack and {"by": ack.by_label or ack.by, "at": local_iso(ack.at, zone)}
    return row.data | {"id": row.public_id, "at": local_iso(row.at, zone), "acked": acked or None}
