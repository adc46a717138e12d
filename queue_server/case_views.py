"""How a 好差评 case is shown to the hall's supervisors: its words in Chinese,
its times in the hall's zone, how pressing it is (working days left), and
the filters of the case list."""

from datetime import date, datetime, time, timedelta
from typing import Any

from .cases import (
    ENDED,
    GRADES,
    KIND_ZH,
    MOVES,
    STATUS_ZH,
    STEP_ZH,
    CaseKind,
    CaseStatus,
    urgency,
)
from .catalogue import Catalogue
from .domain import Hall
from .errors import InvalidInput
from .feedback_models import CaseRow
from .public import local_iso

RUNNING = "running"  # ?status=running: every case not yet ended (the default)
ALL = "all"
SOURCE_ZH = {
    "evaluator": "窗口评价器",
    "phone": "手机",
    "sms": "短信评价",
    "kiosk": "取号机",
    "staff": "工作人员代为反映",
    "window": "窗口代为反映",
}
RATED_FOR = {
    "staff": "工作人员代为评价",
    "window": "窗口代为评价",
}  # a 差评 given on the visitor's word


def statuses_wanted(status: str | None) -> list[str] | None:
    """The statuses `?status=` asks for (None: every one)."""
    wanted = (status or RUNNING).strip()
    if wanted == ALL:
        return None
    if wanted == RUNNING:
        return [s.value for s in CaseStatus if s not in ENDED]
    if wanted in CaseStatus.__members__.values():
        return [wanted]
    known = ", ".join([RUNNING, ALL, *CaseStatus])
    raise InvalidInput(
        f"没有“{wanted[:20]}”这种工单状态，可用：{known}",
        en=f"unknown case status {wanted[:20]!r}; use one of: {known}",
        code="unknown_status",
    )


def kind_wanted(kind: str | None) -> str | None:
    if not kind:
        return None
    if kind in CaseKind.__members__.values():
        return kind
    known = ", ".join(CaseKind)
    raise InvalidInput(
        f"没有“{kind[:20]}”这种工单类型，可用：{known}",
        en=f"unknown case kind {kind[:20]!r}; use one of: {known}",
        code="unknown_kind",
    )


def day_bound(hall: Hall, text: str | None, name: str, *, end: bool) -> datetime | None:
    """The start of a `?from=` day, or the end of a `?to=` day, in the hall's zone."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
        if not 2000 <= day.year <= 2999:  # 9999-12-31 has no next day to end on
            raise ValueError(text)
    except ValueError:
        raise InvalidInput(
            f"{name} 应为日期，如 2026-10-08（2000 至 2999 年）",
            en=f"{name} must be a date such as 2026-10-08 (years 2000 to 2999)",
            code="bad_date",
        ) from None
    return datetime.combine(day + timedelta(days=1 if end else 0), time(), hall.zone)


def next_moves(status: CaseStatus) -> list[str]:
    """The actions a case in `status` may take next."""
    return [a.value for a, (allowed, _) in MOVES.items() if status in allowed]


def case_view(
    case: CaseRow,
    hall: Hall,
    today: date,
    catalogue: Catalogue,
    phone: str | None = None,
) -> dict[str, Any]:
    """One case as the supervisors see it; `phone` the whole call-back number,
    given to a supervisor or admin signed in by 工号 only."""
    status = CaseStatus(case.status)
    pressing = urgency(
        status, today, case.due_date, hall.policy.case_warn_days, hall.hours.is_working_day
    )
    item = catalogue.services.get(case.service or "")
    view = {
        "id": case.id,
        "kind": case.kind,
        "kind_name": KIND_ZH[CaseKind(case.kind)],
        "source": case.source,
        "source_name": source_name(case),
        "number": case.number,
        "service": case.service,
        "service_name": item.name if item is not None else None,
        "window": case.window,
        "staff_no": case.staff_no,
        "grade": case.grade,
        "grade_name": GRADES.get(case.grade) if case.grade is not None else None,
        "reasons": case.reasons or [],
        "comment": case.comment,
        "phone_masked": case.phone_masked,
        "status": case.status,
        "status_name": STATUS_ZH[status],
        "ended": status in ENDED,
        "next": next_moves(status),
        "opened_at": local_iso(case.opened_at, hall.zone),
        "closed_at": local_iso(case.closed_at, hall.zone),
        "due_date": case.due_date.isoformat(),
        "days_left": pressing.days_left if pressing else None,
        "overdue": pressing.overdue if pressing else False,
        "near_due": pressing.near_due if pressing else False,
        "assignee": case.assignee,
        "steps": [step_view(s, hall) for s in case.steps],
    }
    if phone is not None:
        view["callback_phone"] = phone
    return view


def source_name(case: CaseRow) -> str:
    if case.kind == CaseKind.BAD_RATING and case.source in RATED_FOR:
        return RATED_FOR[case.source]
    return SOURCE_ZH.get(case.source, case.source)


def step_view(step: dict[str, Any], hall: Hall) -> dict[str, Any]:
    """A line of the record, its time in the hall's zone and its name in Chinese."""
    at = step.get("at")
    try:
        shown = local_iso(datetime.fromisoformat(at), hall.zone) if at else None
    except ValueError:
        shown = at
    return step | {"at": shown, "action_name": STEP_ZH.get(step.get("action", ""), "")}


def urgency_order(view: dict[str, Any]) -> tuple[bool, str, str]:
    """Running cases by deadline, the ended ones after them."""
    return (view["ended"], view["due_date"], view["opened_at"] or "")
