"""The day's calls by reason (`GET /api/halls/{hall}/calls/reasons`), pure.

Every `call` step of the day counts once, with the reason it recorded
(`call_reasons.why_called`); a recall keeps its call's reason and is not
counted again. A call is out of order when its reason is not 等候最久: it
passed over `passed` tickets the window could have called, which had arrived
earlier and still waited.

How long the passed-over tickets waited because of it (`imposed_wait_s`):
the window's time on the called ticket (from the call to the step that freed
the window: finish, no-show, transfer or suspension) times the number it
passed over. Each of them would have been that much nearer the window had
the call gone in arrival order: an estimate of the extra wait, not a replay
of the day. A call whose ticket still holds its window has no window time
yet (null) and adds nothing to the sums.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from .protocol import CALL_REASON_ZH, CallReason, call_reason_of

# The steps that end a ticket's time at the window it was called to.
FREES_WINDOW = frozenset({"finish", "no-show", "transfer", "suspend"})
UNRECORDED = "unrecorded"  # calls stored before reasons were (schema 0009)


class CallStep(NamedTuple):
    """One stored transition of the day's tickets, as the report reads it."""

    ticket_id: str
    number: str
    action: str
    at: datetime
    window: int | None
    reason: str | None
    passed: int | None
    passed_since: datetime | None


@dataclass(frozen=True, slots=True)
class CallFigure:
    at: datetime
    number: str
    window: int | None
    reason: CallReason | None  # None: not recorded
    passed: int
    longest_wait_s: float | None  # the longest wait among those passed over, at the call
    window_s: float | None  # the window's time on the called ticket; None while it holds it

    @property
    def imposed_s(self) -> float | None:
        return None if self.window_s is None else self.passed * self.window_s

    @property
    def out_of_order(self) -> bool:
        return self.reason is not None and self.reason is not CallReason.LONGEST_WAIT


def day_calls(steps: Iterable[CallStep]) -> list[CallFigure]:
    """The day's calls in the order they were stored, each with the window time
    its ticket took (the next step of that ticket that freed the window)."""
    calls: list[CallFigure] = []
    open_call: dict[str, int] = {}  # ticket id: its call still holding a window
    for step in steps:
        if step.action == "call":
            waited = step.passed_since and (step.at - step.passed_since).total_seconds()
            open_call[step.ticket_id] = len(calls)
            calls.append(
                CallFigure(
                    step.at,
                    step.number,
                    step.window,
                    call_reason_of(step.reason),
                    step.passed or 0,
                    waited or None,
                    None,
                )
            )
        elif step.action in FREES_WINDOW and (i := open_call.pop(step.ticket_id, None)) is not None:
            spent = (step.at - calls[i].at).total_seconds()
            calls[i] = replace(calls[i], window_s=max(spent, 0.0))
    return calls


def reasons_report(calls: list[CallFigure], zone: tzinfo) -> dict[str, Any]:
    """The day's calls by reason, and each out-of-order call, the costliest
    (most imposed wait) first."""
    rows = []
    for reason in [*CallReason, None]:
        mine = [c for c in calls if c.reason is reason]
        if reason is None and not mine:
            continue  # every call of the day has its reason
        rows.append(
            {
                "reason": reason.value if reason else UNRECORDED,
                "reason_zh": CALL_REASON_ZH[reason] if reason else "未记录",
                "calls": len(mine),
                "passed": sum(c.passed for c in mine),
                "imposed_wait_s": round(sum(c.imposed_s or 0.0 for c in mine)),
            }
        )
    late = sorted((c for c in calls if c.out_of_order), key=lambda c: (-(c.imposed_s or 0.0), c.at))
    return {
        "calls": len(calls),
        "out_of_order": len(late),
        "passed": sum(c.passed for c in late),
        "imposed_wait_s": round(sum(c.imposed_s or 0.0 for c in late)),
        "by_reason": rows,
        "out_of_order_calls": [_call_view(c, zone) for c in late],
    }


def _call_view(call: CallFigure, zone: tzinfo) -> dict[str, Any]:
    reason = call.reason or CallReason.LONGEST_WAIT
    return {
        "at": call.at.astimezone(zone).isoformat(),
        "number": call.number,
        "window": call.window,
        "reason": reason.value,
        "reason_zh": CALL_REASON_ZH[reason],
        "passed": call.passed,
        "longest_passed_wait_s": _rounded(call.longest_wait_s),
        "window_s": _rounded(call.window_s),
        "imposed_wait_s": _rounded(call.imposed_s),
    }


def _rounded(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds)
