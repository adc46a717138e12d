"""送服务上门: home visits, their lifecycle and the checks on each step. Pure: no I/O.

A person who cannot come to the hall (mobility, illness), or a company with
many staff, asks for a visit; the hall schedules it (a time on one of its
working days, a member of its staff who goes) or declines it; the requester
may cancel it before it happens; once done it is recorded like a served
ticket (`HallState.record_visit`).

    requested ─schedule→ scheduled ─schedule→ scheduled   (a new time or member)
    requested / scheduled ─done→ done  (scheduled only)
    requested / scheduled ─decline→ declined   (by the hall, with a reason)
    requested / scheduled ─cancel→ cancelled   (by the requester, with a phone code)

Every move appends a step (who, when, what was entered) to the visit's record.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from .errors import Conflict, InvalidInput, NotFound
from .hours import Hours


class VisitKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class VisitReason(StrEnum):
    MOBILITY = "mobility"
    ILLNESS = "illness"
    COMPANY = "company"
    OTHER = "other"


class VisitStatus(StrEnum):
    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    DONE = "done"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class VisitAction(StrEnum):
    SCHEDULE = "schedule"
    DONE = "done"
    DECLINE = "decline"
    CANCEL = "cancel"


class Mover(StrEnum):
    """Who may take a move: the hall's supervisors, or the requester (by phone code)."""

    HALL = "hall"
    REQUESTER = "requester"


KIND_ZH = {VisitKind.PERSON: "个人", VisitKind.COMPANY: "企业"}
REASON_ZH = {
    VisitReason.MOBILITY: "行动不便",
    VisitReason.ILLNESS: "患病",
    VisitReason.COMPANY: "企业员工较多",
    VisitReason.OTHER: "其他",
}
STATUS_ZH = {
    VisitStatus.REQUESTED: "待安排",
    VisitStatus.SCHEDULED: "已安排",
    VisitStatus.DONE: "已办结",
    VisitStatus.DECLINED: "未予安排",
    VisitStatus.CANCELLED: "已取消",
}
ACTION_ZH = {
    VisitAction.SCHEDULE: "安排上门",
    VisitAction.DONE: "登记办结",
    VisitAction.DECLINE: "不予安排",
    VisitAction.CANCEL: "取消申请",
}
STEP_ZH = {"request": "提交申请", "open_contact": "查看地址电话"} | {
    a.value: zh for a, zh in ACTION_ZH.items()
}

_R, _S = VisitStatus.REQUESTED, VisitStatus.SCHEDULED
# action: (the states it may be taken from, the state it leads to, who may take it)
MOVES: Mapping[VisitAction, tuple[frozenset[VisitStatus], VisitStatus, Mover]] = {
    VisitAction.SCHEDULE: (frozenset({_R, _S}), _S, Mover.HALL),
    VisitAction.DONE: (frozenset({_S}), VisitStatus.DONE, Mover.HALL),
    VisitAction.DECLINE: (frozenset({_R, _S}), VisitStatus.DECLINED, Mover.HALL),
    VisitAction.CANCEL: (frozenset({_R, _S}), VisitStatus.CANCELLED, Mover.REQUESTER),
}
ENDED = frozenset({VisitStatus.DONE, VisitStatus.DECLINED, VisitStatus.CANCELLED})

PEOPLE_MAX = 500


def next_moves(status: VisitStatus, by: Mover) -> list[VisitAction]:
    return [a for a, (froms, _to, who) in MOVES.items() if status in froms and who is by]


def next_status(status: VisitStatus, action: VisitAction, by: Mover) -> VisitStatus:
    """The state `action` leads to; Conflict (`wrong_visit_state`) when the visit's
    state does not allow it, and when `by` may not take it at all."""
    froms, to, who = MOVES[action]
    if status in froms and who is by:
        return to
    can = "、".join(ACTION_ZH[a] for a in next_moves(status, by)) or "无（申请已结束）"
    raise Conflict(
        f"上门服务申请当前为「{STATUS_ZH[status]}」，不能{ACTION_ZH[action]}；现在可以：{can}",
        en=f"the home visit is {status.value}; {action.value} is not possible "
        f"(next: {', '.join(next_moves(status, by)) or 'none'})",
        code="wrong_visit_state",
    )


def step(action: str, by: str, at: str, **said: Any) -> dict[str, Any]:
    """One line of a visit's record; `said` holds only what the actor entered."""
    return {"action": action, "by": by, "at": at} | {k: v for k, v in said.items() if v is not None}


# ---------------------------------------------------------------- the request


@dataclass(frozen=True, slots=True)
class VisitRequest:
    kind: VisitKind
    service: str
    reason: VisitReason
    people: int
    wanted_date: date


def check_request(
    req: VisitRequest,
    *,
    today: date,
    horizon_days: int,
    company_min: int,
    offered: Collection[str],
) -> None:
    """Refuse (InvalidInput; NotFound for an item the hall does not offer) a
    request that cannot be a home visit of this hall."""
    if req.service not in offered:
        raise NotFound(
            "本大厅不提供该事项的上门服务，请重新选择事项",
            en=f"the hall does not offer {req.service!r}",
            code="service_not_offered",
        )
    company = req.kind is VisitKind.COMPANY
    if company != (req.reason is VisitReason.COMPANY):
        raise InvalidInput(
            "企业申请请选择「企业员工较多」，个人申请请选择行动不便、患病或其他",
            en="a company asks for the reason company; a person for mobility, illness or other",
            code="visit_reason",
        )
    if not 1 <= req.people <= PEOPLE_MAX:
        raise InvalidInput(
            f"办理人数应为 1 到 {PEOPLE_MAX} 人",
            en=f"people must be 1 to {PEOPLE_MAX}",
            code="visit_people",
        )
    if company and req.people < company_min:
        raise InvalidInput(
            f"企业上门服务须至少 {company_min} 人办理；人数较少请到大厅办理或预约",
            en=f"a company visit needs at least {company_min} people",
            code="visit_people",
        )
    last = today + timedelta(days=horizon_days)
    if not today < req.wanted_date <= last:
        raise InvalidInput(
            f"期望日期应在明天到 {last.isoformat()} 之间",
            en=f"the wanted date must be from tomorrow to {last.isoformat()}",
            code="visit_date",
        )


# ---------------------------------------------------------------- schedule and done


def check_schedule(
    at: datetime,
    hours: Hours,
    zone: ZoneInfo,
    *,
    now: datetime,
    horizon_days: int,
    staff_no: str,
    staff: Collection[str],
) -> None:
    """A visit goes at a time inside the hall's working hours (on a hall without
    hours, a working day), not past, not beyond the horizon, with an active
    member of the hall's staff."""
    if staff_no not in staff:
        raise InvalidInput(
            f"工号 {staff_no} 不是本大厅在职的工作人员",
            en=f"{staff_no!r} is no active member of the hall's staff",
            code="unknown_staff",
        )
    local = at.astimezone(zone)
    if at <= now or local.date() > now.astimezone(zone).date() + timedelta(days=horizon_days):
        raise InvalidInput(
            f"上门时间应在现在之后的 {horizon_days} 天内",
            en=f"the visit's time must be after now and within {horizon_days} days",
            code="visit_time",
        )
    if hours.always_open:
        working = hours.is_working_day(local.date())
    else:
        working = any(start <= at < end for start, end in hours.sessions(local.date(), zone))
    if not working:
        raise InvalidInput(
            f"{local:%Y-%m-%d %H:%M} 不在本大厅的工作时间内，请另选时间",
            en=f"{local:%Y-%m-%d %H:%M} is outside the hall's working hours",
            code="visit_time",
        )


def visit_times(
    scheduled_at: datetime,
    started: datetime | None,
    finished: datetime | None,
    *,
    now: datetime,
    day_start: datetime,
    minutes: int,
) -> tuple[datetime, datetime]:
    """When the visit began and ended, as its ticket records them. Both fall on
    today's business day (from `day_start`, not after `now`): the ticket counts
    in today's figures. Left out: it ended now, and began at its scheduled time
    when that was today, else the item's usual `minutes` before the end."""
    end = finished or now
    if started is not None:
        begin = started
    elif day_start <= scheduled_at <= end:
        begin = scheduled_at
    else:
        begin = max(day_start, end - timedelta(minutes=minutes))
    if not day_start <= begin <= end <= now:
        raise InvalidInput(
            "上门办理的开始和结束时间须在今天、不晚于现在，且开始不晚于结束；请在上门当天登记办结",
            en="the visit's start and end must be today, not after now, start before end",
            code="visit_times",
        )
    return begin, end
