"""How a home visit (送服务上门) is shown: to its requester (by its code) and
to the hall's supervisors. Both see the contact's name and phone masked and
never the address; the whole address and phone are opened one at a time, to
the member who goes, and audited (`VisitDesk.home_visit_contact`)."""

from datetime import datetime, tzinfo
from typing import Any

from .catalogue import Catalogue
from .citizen_models import HomeVisitRow
from .domain import Hall
from .errors import InvalidInput
from .home_visits import (
    ENDED,
    KIND_ZH,
    REASON_ZH,
    STATUS_ZH,
    STEP_ZH,
    Mover,
    VisitKind,
    VisitReason,
    VisitStatus,
    next_moves,
)
from .public import local_iso

OPEN = "open"  # ?status=open: requested or scheduled (the default)
ALL = "all"


def statuses_wanted(status: str | None) -> list[str]:
    wanted = (status or OPEN).strip()
    if wanted == ALL:
        return [s.value for s in VisitStatus]
    if wanted == OPEN:
        return [s.value for s in VisitStatus if s not in ENDED]
    if wanted in VisitStatus.__members__.values():
        return [wanted]
    known = ", ".join([OPEN, ALL, *VisitStatus])
    raise InvalidInput(
        f"没有“{wanted[:20]}”这种上门服务状态，可用：{known}",
        en=f"unknown home visit status {wanted[:20]!r}; use one of: {known}",
        code="unknown_status",
    )


def visit_view(row: HomeVisitRow, hall: Hall, catalogue: Catalogue, *, by: Mover) -> dict[str, Any]:
    """The visit as `by` sees it: the requester, or the hall (who also gets the
    record of steps and the moves it may take)."""
    status = VisitStatus(row.status)
    item = catalogue.services.get(row.service)
    zone = hall.zone
    view: dict[str, Any] = {
        "id": row.id,
        "hall": row.hall_id,
        "hall_name": hall.name,
        "kind": row.kind,
        "kind_name": KIND_ZH[VisitKind(row.kind)],
        "service": row.service,
        "service_name": item.name if item is not None else row.service,
        "reason": row.reason,
        "reason_name": REASON_ZH[VisitReason(row.reason)],
        "people": row.people,
        "contact_masked": row.contact_masked,
        "phone_masked": row.phone_masked,
        "wanted_date": row.wanted_date.isoformat(),
        "status": status.value,
        "status_name": STATUS_ZH[status],
        "scheduled_at": local_iso(row.scheduled_at, zone),
        "staff_no": row.staff_no,
        "created_at": local_iso(row.created_at, zone),
        "next": [a.value for a in next_moves(status, by)],
    }
    declined = [s for s in row.steps or [] if s["action"] == "decline"]
    view["decline_reason"] = declined[-1].get("reason") if declined else None
    if by is Mover.HALL:
        view |= {
            "note": row.note,
            "ticket_id": row.ticket_id,
            "number": _number(row),
            "steps": [_step_view(s, zone) for s in row.steps or []],
        }
    return view


def _step_view(said: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """A step of the record, its time in the hall's zone and its name in Chinese."""
    at = local_iso(datetime.fromisoformat(said["at"]), zone)
    return said | {"at": at, "action_name": STEP_ZH.get(said["action"], said["action"])}


def _number(row: HomeVisitRow) -> str | None:
    done = [s for s in row.steps or [] if s["action"] == "done"]
    found: str | None = done[-1].get("number") if done else None
    return found
