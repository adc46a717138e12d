"""The outbox's delivery log for the hall's director: what went out, what waits,
what failed, and each attempt (`GET /api/halls/{hall}/outbox`).

A message is shown by what it is (a rating's item and grade, a case's step, a
短信评价 link), never by its payload: no phone, sealed or not, and no ticket
id (the holder's key to the ticket's page) leaves here.
"""

from datetime import tzinfo
from typing import Any

from . import outbox
from .access import Principal, Role, require
from .errors import InvalidInput
from .feedback_models import DeliveryRow, OutboxRow
from .public import local_iso
from .transactions import Runner

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

KIND_ZH = {
    "rating": "评价数据",
    "case": "差评工单",
    "rating_link": "短信评价链接",
    "followup_reminder": "容缺补交提醒",
    "visit_scheduled": "上门服务安排通知",
    "visit_declined": "上门服务未予安排通知",
    "remind_ahead": "排队提醒（快到号）",
    "remind_called": "排队提醒（已叫号）",
}
CHANNEL_ZH = {outbox.PROVINCE: "省好差评平台", outbox.SMS: "短信", outbox.WEBHOOK: "Webhook 推送"}
STATUS_ZH = {"pending": "待发送", "delivered": "已送达", "given_up": "已放弃"}


class OutboxLog(Runner):
    def outbox_log(self, principal: Principal, hall_id: str, limit: str | None) -> dict[str, Any]:
        """The hall's recent messages (newest first) with their state, the recent
        delivery attempts, and how many messages are pending, delivered, given up."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        wanted = _limit(limit)
        with self.store.read() as tx:
            zone = tx.hall(hall_id).zone  # an unknown hall is refused here
            counts = tx.outbox_counts(hall_id)
            rows = tx.outbox_rows(hall_id, wanted)
            attempts = tx.deliveries(hall_id, wanted)
        return {
            "counts": counts,
            "configured": {"province": bool(self.settings.province_url)},
            "messages": [message_view(r, zone) for r in rows],
            "deliveries": [delivery_view(d, zone) for d in attempts],
        }


def status_of(row: OutboxRow) -> str:
    if row.delivered_at is not None:
        return "delivered"
    return "given_up" if row.gave_up_at is not None else "pending"


def message_view(row: OutboxRow, zone: tzinfo) -> dict[str, Any]:
    status = status_of(row)
    return {
        "id": row.id,
        "channel": row.channel,
        "channel_name": CHANNEL_ZH.get(row.channel, row.channel),
        "kind": row.kind,
        "kind_name": KIND_ZH.get(row.kind, row.kind),
        "about": about(row),
        "status": status,
        "status_name": STATUS_ZH[status],
        "attempts": row.attempts,
        "created_at": local_iso(row.created_at, zone),
        "next_at": local_iso(row.next_at, zone) if status == "pending" else None,
        "delivered_at": local_iso(row.delivered_at, zone),
        "gave_up_at": local_iso(row.gave_up_at, zone),
        "last_error": row.last_error,
    }


def about(row: OutboxRow) -> str:
    """What the message is about, in a few words a director recognises."""
    p = row.payload
    if row.kind == "rating":
        grade = p.get("grade_name") or p.get("grade")
        where = f"{p['window']} 号窗口" if p.get("window") else ""
        return " · ".join(
            str(x) for x in (p.get("item_name") or p.get("item_code"), where, grade) if x
        )
    if row.kind == "case":
        return f"工单 {p.get('case_id')} · {p.get('action_name') or p.get('action')}"
    if row.kind == "rating_link":
        return f"{p.get('number') or ''} 号办结后的评价短信".strip()
    if row.kind.startswith("visit_"):
        return f"上门服务申请 {p.get('visit_id') or ''}".strip()
    if row.channel == outbox.WEBHOOK:
        return f"订阅 {p.get('webhook')} · 事件 {p.get('seq')}"
    if row.kind in ("remind_ahead", "remind_called"):
        return f"{p.get('number') or ''} 号的排队短信提醒".strip()
    return ""


def delivery_view(row: DeliveryRow, zone: tzinfo) -> dict[str, Any]:
    return {
        "outbox_id": row.outbox_id,
        "at": local_iso(row.at, zone),
        "ok": row.ok,
        "status": row.status,
        "detail": row.detail,
        "ms": row.ms,
    }


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidInput(
            f"limit 须为 1 到 {MAX_LIMIT} 之间的整数",
            en=f"limit must be a whole number from 1 to {MAX_LIMIT}",
            code="bad_limit",
        )
    return int(text)
