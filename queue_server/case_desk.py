"""The supervisors' 好差评 case desk: the hall's cases, one case's whole
record, and its moves — 核实, 整改, 回访, 办结, or 认定不实 with a reason —
each a step of the record (who, when, what they entered), audited and
reported to the provincial platform. Overdue and near-due cases become the
hall's alerts (`case_alerts`, run by the day's alert job).

The call-back phone is shown whole only to a supervisor or an admin signed
in by 工号 (they dial it for the 回访); tokens and everyone else see it masked.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from .access import Principal, Role, require
from .audit import record
from .case_bodies import (
    CaseAssignIn,
    CaseCallbackIn,
    CaseCloseIn,
    CaseDismissIn,
    CaseRectifyIn,
    CaseVerifyIn,
)
from .case_book import province_case, report
from .case_views import (
    case_view,
    day_bound,
    kind_wanted,
    next_moves,
    statuses_wanted,
    urgency_order,
)
from .cases import (
    ACTION_ZH,
    ENDED,
    KIND_ZH,
    STATUS_ZH,
    CaseAction,
    CaseKind,
    CaseMoveError,
    CaseStatus,
    next_status,
    step,
    urgency,
)
from .domain import Hall
from .errors import Conflict, InvalidInput, NotFound
from .feedback_models import CaseRow
from .protocol import Event
from .store import Tx
from .transactions import Runner

# The body each move takes.
MOVE_BODIES: dict[str, type[BaseModel]] = {
    CaseAction.VERIFY: CaseVerifyIn,
    CaseAction.RECTIFY: CaseRectifyIn,
    CaseAction.CALLBACK: CaseCallbackIn,
    CaseAction.CLOSE: CaseCloseIn,
    CaseAction.DISMISS: CaseDismissIn,
}
CASE_ALERTS = ("case_overdue", "case_due_soon")
TOKEN_WORDS = {Role.SUPERVISOR: "主管令牌", Role.ADMIN: "管理员令牌"}


def who_acts(principal: Principal) -> str:
    """How a case's record names the actor: the 工号, else the token's label."""
    if principal.staff_no is not None:
        return principal.staff_no
    return principal.label or TOKEN_WORDS.get(principal.role, principal.role.value)


def sees_whole_phone(principal: Principal) -> bool:
    return principal.staff_no is not None and principal.role in (Role.SUPERVISOR, Role.ADMIN)


def unknown_case(hall_id: str, case_id: str) -> NotFound:
    return NotFound(
        f"本大厅没有编号为 {case_id[:20]} 的工单",
        en=f"hall {hall_id} has no case {case_id[:20]!r}",
        code="unknown_case",
    )


class CaseDesk(Runner):
    def cases(
        self,
        principal: Principal,
        hall_id: str,
        status: str | None = None,
        kind: str | None = None,
        from_day: str | None = None,
        to_day: str | None = None,
    ) -> dict[str, Any]:
        """The hall's cases (running ones by default), the most pressing first."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        statuses, wanted_kind = statuses_wanted(status), kind_wanted(kind)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            start = day_bound(hall, from_day, "from", end=False)
            end = day_bound(hall, to_day, "to", end=True)
            if start is not None and end is not None and end <= start:
                raise InvalidInput(
                    f"结束日期 {to_day} 早于开始日期 {from_day}",
                    en=f"to ({to_day}) is before from ({from_day})",
                    code="bad_range",
                )
            rows = tx.cases(hall_id, statuses, start, end)
        today = hall.business_date(self.clock())
        views = [
            case_view(r, hall, today, self.catalogue)
            for r in rows
            if wanted_kind is None or r.kind == wanted_kind
        ]
        views.sort(key=urgency_order)
        return {
            "hall": hall_id,
            "today": today.isoformat(),
            "status": status or "running",
            "overdue": sum(1 for v in views if v["overdue"]),
            "near_due": sum(1 for v in views if v["near_due"]),
            "cases": views,
        }

    def case(self, principal: Principal, hall_id: str, case_id: str) -> dict[str, Any]:
        """One case with its whole record (and, for a supervisor or admin signed
        in by 工号, the whole call-back phone)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            row = _case_of(tx, hall_id, case_id)
        return self._case_view(principal, row, hall, self.clock())

    def _case_view(
        self, principal: Principal, row: CaseRow, hall: Hall, now: datetime
    ) -> dict[str, Any]:
        phone = None
        if row.phone_enc and sees_whole_phone(principal):
            phone = self.sealer.open(row.phone_enc)
        return case_view(row, hall, hall.business_date(now), self.catalogue, phone)

    def move_case(
        self, principal: Principal, hall_id: str, case_id: str, action: str, body: BaseModel
    ) -> dict[str, Any]:
        """核实, 整改, 回访, 办结 or 认定不实: the case's next state, a step in its
        record, the audit and the provincial record, in one transaction."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        move = CaseAction(action)
        said = body.model_dump(exclude_none=True)
        if isinstance(body, CaseCallbackIn) and body.reached and body.satisfaction is None:
            raise InvalidInput(
                "回访联系上办事人时，请填写办事人的满意度（1-5）",
                en="a call-back that reached the visitor needs their satisfaction (1-5)",
                code="satisfaction_required",
            )
        if isinstance(body, CaseVerifyIn) and body.founded is False:
            raise InvalidInput(
                "核实为不属实时，请用「认定不实」并写明理由，理由将留存在记录中",
                en="a complaint found unfounded is dismissed (认定不实) with its reason",
                code="use_dismiss",
            )
        if move is CaseAction.CALLBACK and "by" in said:
            said["caller"] = said.pop("by")  # the record's `by` is whoever entered it
        # A call that did not reach the visitor is kept, and the case waits for another.
        missed = isinstance(body, CaseCallbackIn) and not body.reached
        name = "callback_failed" if missed else move.value

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            row = _case_of(tx, hall_id, case_id)
            before = row.status
            try:
                after = next_status(CaseStatus(before), move).value
            except CaseMoveError:
                raise _wrong_state(row, move) from None
            row.status = before if missed else after
            if row.status in ENDED:
                row.closed_at = now
            row.steps = [*row.steps, step(name, who_acts(principal), now.isoformat(), **said)]
            tx.save_case(row)
            record(
                tx,
                principal,
                hall_id,
                f"case.{name}",
                row.id,
                before={"status": before},
                # What was entered, but not the name of who called (the 工号 is the actor).
                after={"status": row.status} | {k: v for k, v in said.items() if k != "caller"},
                now=now,
            )
            report(tx, self.settings, hall_id, province_case(hall, row, name, now), now)
            return self._case_view(principal, row, hall, now)

        return self.write(hall_id, work)

    def assign_case(
        self, principal: Principal, hall_id: str, case_id: str, body: CaseAssignIn
    ) -> dict[str, Any]:
        """Hand a running case to one supervisor of the hall (by 工号)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            row = _case_of(tx, hall_id, case_id)
            if CaseStatus(row.status) in ENDED:
                raise Conflict(
                    f"工单 {row.id} 已{STATUS_ZH[CaseStatus(row.status)]}，无需再指派",
                    en=f"case {row.id} has ended ({row.status}); nothing to assign",
                    code="case_ended",
                )
            supervisors = {
                m.staff_no
                for m in tx.staff(hall_id)
                if m.active and m.role in (Role.SUPERVISOR.value, Role.ADMIN.value)
            }
            if body.staff_no not in supervisors:
                raise InvalidInput(
                    f"工号 {body.staff_no} 不是本大厅在职的主管或管理员",
                    en=f"{body.staff_no!r} is no active supervisor or admin of hall {hall_id}",
                    code="not_a_supervisor",
                )
            before, row.assignee = row.assignee, body.staff_no
            row.steps = [
                *row.steps,
                step("assign", who_acts(principal), now.isoformat(), assignee=body.staff_no),
            ]
            tx.save_case(row)
            change = ({"assignee": before}, {"assignee": body.staff_no})
            record(
                tx,
                principal,
                hall_id,
                "case.assign",
                row.id,
                before=change[0],
                after=change[1],
                now=now,
            )
            return self._case_view(principal, row, hall, now)

        return self.write(hall_id, work)

    def case_alerts(
        self, tx: Tx, hall: Hall, now: datetime
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """The alerts the hall's running cases call for and do not have yet:
        (kind, case id, what the alert says): overdue, else near its due date."""
        today = hall.business_date(now)
        wanted = []
        running = [s.value for s in CaseStatus if s not in ENDED]
        for row in tx.cases(hall.id, running):
            pressing = urgency(
                CaseStatus(row.status),
                today,
                row.due_date,
                hall.policy.case_warn_days,
                hall.hours.is_working_day,
            )
            if pressing is None or not (pressing.overdue or pressing.near_due):
                continue
            kind = CASE_ALERTS[0] if pressing.overdue else CASE_ALERTS[1]
            if tx.alert(hall.id, kind, row.id) is None:
                wanted.append((kind, row.id, self._alert_data(row, pressing.days_left)))
        return wanted

    def _alert_data(self, row: CaseRow, days_left: int) -> dict[str, Any]:
        item = self.catalogue.services.get(row.service or "")
        return {
            "case_id": row.id,
            "case_kind": row.kind,
            "kind_name": KIND_ZH[CaseKind(row.kind)],
            "number": row.number,
            "service_name": item.name if item is not None else None,
            "status_name": STATUS_ZH[CaseStatus(row.status)],
            "due_date": row.due_date.isoformat(),
            "days_left": days_left,
        }


def _case_of(tx: Tx, hall_id: str, case_id: str) -> CaseRow:
    row = tx.case(case_id)
    if row is None or row.hall_id != hall_id:  # another hall's case: as unknown as none
        raise unknown_case(hall_id, case_id)
    return row


def _wrong_state(row: CaseRow, move: CaseAction) -> Conflict:
    status = CaseStatus(row.status)
    can = [ACTION_ZH[CaseAction(a)] for a in next_moves(status)]
    then = f"，现在可以：{'、'.join(can)}" if can else "，工单已结束"
    return Conflict(
        f"工单 {row.id} 当前为「{STATUS_ZH[status]}」，不能{ACTION_ZH[move]}{then}",
        en=f"case {row.id} is {status.value}; it cannot be {move.value}-ed "
        f"(next: {', '.join(next_moves(status)) or 'none, it has ended'})",
        code="wrong_case_state",
    )
