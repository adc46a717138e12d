"""A hall day's figures, computed from its tickets: pure, so it is tested directly.

Definitions (DESIGN.md): wait = first call - issue; handling = finish - start;
time in hall = finish - arrival (a transferred visitor keeps their arrival).
A transfer makes a new leg with the same number; "issued" counts visitors
(first legs), the outcome counts count each leg's end.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from .domain import Entry, Service, Step, Ticket, TicketAction
from .protocol import TicketStatus


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(values: Iterable[float]) -> dict[str, float | int | None]:
    """count, mean, p50, p90 and max in whole seconds (None when empty)."""
    data = sorted(values)
    if not data:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}
    return {
        "count": len(data),
        "mean": round(sum(data) / len(data)),
        "p50": round(percentile(data, 0.5)),
        "p90": round(percentile(data, 0.9)),
        "max": round(data[-1]),
    }


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds()


def wait_s(ticket: Ticket) -> float | None:
    return _seconds(ticket.first_called_at, ticket.issued_at)


def handling_s(ticket: Ticket) -> float | None:
    if ticket.status is not TicketStatus.DONE:
        return None
    return _seconds(ticket.finished_at, ticket.started_at)


def day_figures(
    tickets: Sequence[Ticket],
    services: Mapping[str, Service],
    ratings: Iterable[int],
    steps: Iterable[Step],
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """Every figure of the supervisor's day report (times in seconds).

    `steps` are the day's stored transitions: a window's busy time is the sum
    of its own service spans, which a ticket's columns alone cannot give once
    it was suspended at one window and resumed at another.
    """
    visitors = [t for t in tickets if t.parent_id is None]
    statuses = Counter(t.status for t in tickets)
    # A home visit (送服务上门) is served and handled, but waited in no hall.
    in_line = [t for t in visitors if t.entry is not Entry.HOME_VISIT]
    waits = [(t, w) for t in in_line if (w := wait_s(t)) is not None]
    handled = [(t, h) for t in tickets if (h := handling_s(t)) is not None]
    in_hall = [
        s
        for t in tickets
        if t.status is TicketStatus.DONE and t.entry is not Entry.HOME_VISIT
        if (s := _seconds(t.finished_at, t.arrived_at)) is not None
    ]
    within = [w <= services[t.service].target_wait_minutes * 60 for t, w in waits]
    grades = Counter(ratings)
    return {
        "issued": len(visitors),
        "served": statuses[TicketStatus.DONE],
        "no_show": statuses[TicketStatus.NO_SHOW],
        "cancelled": statuses[TicketStatus.CANCELLED],
        "unserved": statuses[TicketStatus.UNSERVED],
        "transferred": statuses[TicketStatus.TRANSFERRED],
        "waiting": statuses[TicketStatus.WAITING],
        "in_progress": statuses[TicketStatus.CALLED] + statuses[TicketStatus.SERVING],
        "suspended": statuses[TicketStatus.SUSPENDED],
        "wait_s": summary(w for _, w in waits),
        "handling_s": summary(h for _, h in handled),
        "time_in_hall_s": summary(in_hall),
        "within_target_share": round(sum(within) / len(within), 4) if within else None,
        "by_channel": {
            channel: {
                "issued": sum(1 for t in visitors if t.green_channel is green),
                "wait_s": summary(w for t, w in waits if t.green_channel is green),
                "handling_s": summary(h for t, h in handled if t.green_channel is green),
            }
            for channel, green in (("green", True), ("normal", False))
        },
        "by_service": _by_service(visitors, waits, handled, services),
        "by_window": window_figures(steps),
        "by_hour": _by_hour(visitors, waits, zone),
        "ratings": {
            "count": sum(grades.values()),
            "mean": round(sum(g * n for g, n in grades.items()) / sum(grades.values()), 2)
            if grades
            else None,
            "by_grade": {str(g): grades[g] for g in range(5, 0, -1)},
        },
    }


def _by_service(
    visitors: Sequence[Ticket],
    waits: Sequence[tuple[Ticket, float]],
    handled: Sequence[tuple[Ticket, float]],
    services: Mapping[str, Service],
) -> dict[str, Any]:
    codes = sorted({t.service for t in visitors} | {t.service for t, _ in handled})
    return {
        code: {
            "name": services[code].name,
            "issued": sum(1 for t in visitors if t.service == code),
            "wait_s": summary(w for t, w in waits if t.service == code),
            "handling_s": summary(h for t, h in handled if t.service == code),
        }
        for code in codes
    }


def _by_hour(
    visitors: Sequence[Ticket], waits: Sequence[tuple[Ticket, float]], zone: tzinfo
) -> list[dict[str, Any]]:
    """Arrivals and mean wait per hour of the day (by issue time, hall time zone)."""
    hours = sorted({t.issued_at.astimezone(zone).hour for t in visitors})
    return [
        {
            "hour": h,
            "arrivals": sum(1 for t in visitors if t.issued_at.astimezone(zone).hour == h),
            "wait_s": summary(w for t, w in waits if t.issued_at.astimezone(zone).hour == h),
        }
        for h in hours
    ]


_SPAN_ENDS = frozenset({TicketAction.FINISH, TicketAction.TRANSFER, TicketAction.SUSPEND})


def window_figures(steps: Iterable[Step]) -> dict[str, Any]:
    """Served count and busy seconds per window, from start to finish/transfer/suspend."""
    served: Counter[int] = Counter()
    busy: defaultdict[int, float] = defaultdict(float)
    spans: dict[str, tuple[int, datetime]] = {}
    for step in sorted(steps, key=lambda s: s.at):
        if step.action == TicketAction.START and step.window is not None:
            spans[step.ticket_id] = (step.window, step.at)
        elif step.action in _SPAN_ENDS and step.ticket_id in spans:
            window, since = spans.pop(step.ticket_id)
            busy[window] += (step.at - since).total_seconds()
            served[window] += step.action == TicketAction.FINISH
    windows = sorted(set(served) | set(busy))
    return {str(w): {"served": served[w], "busy_s": round(busy[w])} for w in windows}
