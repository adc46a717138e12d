"""Opening 差评 and 「办不成事」 cases, and their records for the provincial
platform. The routes that move a case along are in `case_desk`."""

import secrets
from datetime import datetime
from typing import Any

from . import outbox
from .cases import GRADES, KIND_ZH, STATUS_ZH, STEP_ZH, CaseKind, CaseStatus, due_date, step
from .domain import Hall
from .feedback_models import CaseRow
from .models import RatingRow
from .settings import Settings
from .store import Tx


def new_case_id() -> str:
    return "K" + secrets.token_hex(5).upper()  # K3F9A0C12B: short enough to read out on a call


def open_case(tx: Tx, hall: Hall, said: dict[str, Any], by: str, now: datetime) -> CaseRow:
    """Open a case on what the visitor said (`said`: its kind, source, ticket,
    grade, reasons …): its id, status, deadline and first step; stored."""
    opened = now.astimezone(hall.zone).date()
    row = CaseRow(
        **said,
        id=new_case_id(),
        hall_id=hall.id,
        status=CaseStatus.OPEN.value,
        opened_at=now,
        due_date=due_date(opened, hall.policy.case_due_days, hall.hours.is_working_day),
        steps=[step("open", by, now.isoformat())],
    )
    tx.add_case(row)
    return row


def case_from_rating(rating: RatingRow, number: str) -> dict[str, Any]:
    """What a bad rating tells its case."""
    return {
        "kind": CaseKind.BAD_RATING.value,
        "source": rating.source or "phone",
        "ticket_id": rating.ticket_id,
        "number": number,
        "service": rating.service,
        "window": rating.window,
        "staff_no": rating.staff_no,
        "grade": rating.score,
        "reasons": rating.reasons,
        "comment": rating.comment,
        "phone_enc": rating.phone_enc,
        "phone_masked": rating.phone_masked,
    }


def province_rating(hall: Hall, rating: RatingRow, service_name: str | None) -> dict[str, Any]:
    """The rating as the provincial platform takes it (docs/province.md)."""
    return {
        "record": "rating",
        "version": 1,
        "hall_id": hall.id,
        "hall_name": hall.name,
        "service_no": rating.ticket_id,  # 办件编号
        "item_code": rating.service,
        "item_name": service_name,
        "window": rating.window,
        "staff_no": rating.staff_no,
        "grade": rating.score,
        "grade_name": GRADES[rating.score],
        "reasons": rating.reasons or [],
        "source": rating.source,
        "rated_at": (rating.changed_at or rating.at).astimezone(hall.zone).isoformat(),
        "changed": rating.changed_at is not None,
    }


def province_case(hall: Hall, case: CaseRow, action: str, now: datetime) -> dict[str, Any]:
    """A case's change as the provincial platform takes it (docs/province.md)."""
    return {
        "record": "case",
        "version": 1,
        "hall_id": hall.id,
        "case_id": case.id,
        "kind": case.kind,
        "kind_name": KIND_ZH[CaseKind(case.kind)],
        "service_no": case.ticket_id,
        "item_code": case.service,
        "window": case.window,
        "staff_no": case.staff_no,
        "grade": case.grade,
        "reasons": case.reasons or [],
        "action": action,
        "action_name": STEP_ZH.get(action, action),
        "status": case.status,
        "status_name": STATUS_ZH[CaseStatus(case.status)],
        "due_date": case.due_date.isoformat(),
        "at": now.astimezone(hall.zone).isoformat(),
    }


def report(tx: Tx, settings: Settings, hall_id: str, record: dict[str, Any], now: datetime) -> None:
    """Queue `record` for the provincial platform, when the server has one."""
    if settings.province_url:
        outbox.enqueue(tx, hall_id, outbox.PROVINCE, record["record"], record, now)
