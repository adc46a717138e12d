"""The audit: every change a person or a token makes to a hall's set-up.

A use case that changes configuration (the hall, its hours, policy, windows,
catalogue, 专项服务, staff, device credentials) or acts for a person (a
sign-in, a cancellation by staff) calls `record` inside the transaction of the
change: the record commits with it or not at all. The ticket flow itself
(call, start, finish …) is recorded per ticket in the transition log, with the
staff number, and is not repeated here.

Nothing recorded may carry an ID number, a phone or a password: callers pass
the settings they changed, and `record` drops the keys below whatever they are.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .access import Principal, Role, require
from .models import AuditRow
from .public import local_iso
from .reports import parse_date
from .store import Tx
from .transactions import Runner

# Keys that never enter the audit, at any depth: secrets and personal data.
_WITHHELD = frozenset({"password", "password_hash", "token", "secret", "id_number", "phone"})


def record(
    tx: Tx,
    principal: Principal,
    hall_id: str | None,
    action: str,
    target: str = "",
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    now: datetime,
) -> None:
    """Add one audit record to `tx` (see the module's docstring)."""
    tx.add_audit(
        AuditRow(
            hall_id=hall_id,
            at=now,
            actor=principal.actor,
            action=action,
            target=target[:80],
            before=_cleaned(before),
            after=_cleaned(after),
        )
    )


def _cleaned(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: _clean(v) for k, v in values.items() if k not in _WITHHELD}


def _clean(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _cleaned(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    return value


class AuditLog(Runner):
    def audit(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        """The day's records of a hall, oldest first (a supervisor may read them)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = parse_date(day) if day else hall.business_date(self.clock())
            start = datetime.combine(when, datetime.min.time(), hall.zone)
            rows = tx.audit_rows(hall_id, start, start + timedelta(days=1))
        return {
            "hall": hall_id,
            "date": when.isoformat(),
            "records": [_view(row, hall.zone) for row in rows],
        }


def _view(row: AuditRow, zone: Any) -> dict[str, Any]:
    return {
        "at": local_iso(row.at, zone),
        "actor": row.actor,
        "action": row.action,
        "target": row.target,
        "before": row.before,
        "after": row.after,
    }
