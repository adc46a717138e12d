"""差评 and 「办不成事」 cases: their states, moves and deadlines. Pure: no I/O.

A case opens on a bad rating (不满意 or 非常不满意) or a report that a matter
could not be done, and must be rectified and called back within the hall's
working days (`Policy.case_due_days`, counted on `Hours.is_working_day`).

    open ─verify→ verified ─rectify→ rectified ─callback→ called_back ─close→ closed
    open / verified ─dismiss→ dismissed   (不实: unfounded, with a reason)
    open / verified ─(the visitor changed the rating to a good one)→ withdrawn

Every move appends a step (who, when, what was said) to the case's record,
so a dismissed case still shows why.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class CaseKind(StrEnum):
    BAD_RATING = "bad_rating"
    NOT_DONE = "not_done"  # 「办不成事」


class CaseStatus(StrEnum):
    OPEN = "open"
    VERIFIED = "verified"
    RECTIFIED = "rectified"
    CALLED_BACK = "called_back"
    CLOSED = "closed"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


class CaseAction(StrEnum):
    VERIFY = "verify"
    RECTIFY = "rectify"
    CALLBACK = "callback"
    CLOSE = "close"
    DISMISS = "dismiss"


KIND_ZH = {CaseKind.BAD_RATING: "差评", CaseKind.NOT_DONE: "办不成事"}
STATUS_ZH = {
    CaseStatus.OPEN: "待核实",
    CaseStatus.VERIFIED: "已核实，待整改",
    CaseStatus.RECTIFIED: "已整改，待回访",
    CaseStatus.CALLED_BACK: "已回访，待办结",
    CaseStatus.CLOSED: "已办结",
    CaseStatus.DISMISSED: "不实",
    CaseStatus.WITHDRAWN: "已撤回（办事人改评）",
}
ACTION_ZH = {
    CaseAction.VERIFY: "核实",
    CaseAction.RECTIFY: "整改",
    CaseAction.CALLBACK: "回访",
    CaseAction.CLOSE: "办结",
    CaseAction.DISMISS: "认定不实",
}
# Every step a case's record may hold, in the supervisor's words.
STEP_ZH = {
    "open": "立案",
    "regrade": "办事人改评",
    "withdraw": "办事人改为满意，撤回",
    "callback_failed": "回访未联系上",
} | {a.value: zh for a, zh in ACTION_ZH.items()}
# The states a case ends in; the others are still running against the deadline.
ENDED = frozenset({CaseStatus.CLOSED, CaseStatus.DISMISSED, CaseStatus.WITHDRAWN})
# action: (the states it may be taken from, the state it leads to)
MOVES: Mapping[CaseAction, tuple[frozenset[CaseStatus], CaseStatus]] = {
    CaseAction.VERIFY: (frozenset({CaseStatus.OPEN}), CaseStatus.VERIFIED),
    CaseAction.RECTIFY: (frozenset({CaseStatus.VERIFIED}), CaseStatus.RECTIFIED),
    CaseAction.CALLBACK: (frozenset({CaseStatus.RECTIFIED}), CaseStatus.CALLED_BACK),
    CaseAction.CLOSE: (frozenset({CaseStatus.CALLED_BACK}), CaseStatus.CLOSED),
    CaseAction.DISMISS: (frozenset({CaseStatus.OPEN, CaseStatus.VERIFIED}), CaseStatus.DISMISSED),
}

GRADES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_GRADES = frozenset({1, 2})  # 差评; 3 to 5 are 好评 (GB/T 39734: 基本满意 is not 差评)
DEFAULT_REASONS = ("服务态度", "办事效率", "办事流程", "材料要求", "服务环境", "其他")


class CaseMoveError(ValueError):
    """The case is not in a state the action may be taken from."""


def next_status(status: CaseStatus, action: CaseAction) -> CaseStatus:
    allowed, target = MOVES[action]
    if status not in allowed:
        raise CaseMoveError(f"{action.value} from {status.value}")
    return target


def step(action: str, by: str, at: str, **said: Any) -> dict[str, Any]:
    """One line of a case's record; `said` holds only what the actor entered."""
    return {"action": action, "by": by, "at": at} | {k: v for k, v in said.items() if v is not None}


WorkingDay = Callable[[date], bool]


def due_date(opened: date, working_days: int, is_working: WorkingDay) -> date:
    """The `working_days`-th working day after the day the case opened."""
    day, left = opened, working_days
    while left > 0:
        day += timedelta(days=1)
        if is_working(day):
            left -= 1
    return day


def working_days_left(today: date, due: date, is_working: WorkingDay) -> int:
    """Working days from after `today` up to and including `due`; negative when
    overdue (the working days since `due`), 0 on the due day itself."""
    if today > due:
        return -sum(1 for n in range(1, (today - due).days + 1) if is_working(due + timedelta(n)))
    return sum(1 for n in range(1, (due - today).days + 1) if is_working(today + timedelta(n)))


@dataclass(frozen=True, slots=True)
class Urgency:
    overdue: bool
    near_due: bool
    days_left: int


def urgency(
    status: CaseStatus, today: date, due: date, warn_days: int, is_working: WorkingDay
) -> Urgency | None:
    """How pressing a running case is (None for an ended one): overdue once its
    due date has passed, near-due when `warn_days` working days or fewer remain."""
    if status in ENDED:
        return None
    left = working_days_left(today, due, is_working)
    overdue = today > due
    return Urgency(overdue=overdue, near_due=not overdue and left <= warn_days, days_left=left)
