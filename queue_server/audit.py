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

import csv
import io
import json
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from .access import Principal
from .export import neutralise
from .models import AuditRow
from .public import local_iso
from .store import Tx

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


def audit_csv(day: Mapping[str, Any]) -> str:
    """The `audit` answer as CSV text, headed in Chinese (the route adds a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["时间", "操作人", "操作", "对象", "修改前", "修改后"])
    for r in day["records"]:
        changes = [_json_cell(r["before"]), _json_cell(r["after"])]
        cells = [r["at"], r["actor"], r["action"], r["target"], *changes]
        writer.writerow(neutralise(c) for c in cells)
    return out.getvalue()


def _json_cell(values: Mapping[str, Any] | None) -> str:
    return "" if values is None else json.dumps(values, ensure_ascii=False)


def audit_view(row: AuditRow, zone: tzinfo) -> dict[str, Any]:
    return {
        "at": local_iso(row.at, zone),
        "actor": row.actor,
        "action": row.action,
        "target": row.target,
        "before": row.before,
        "after": row.after,
    }
