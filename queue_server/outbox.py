"""The outbox: messages for the world outside, written in the transaction of
what they report, so a rating is never recorded without its record for the
provincial platform, nor sent without being recorded.

`province`: the 好差评 records (docs/province.md), when `QUEUE_PROVINCE_URL`
is set. `sms`: text messages (the 短信评价 link, 容缺 reminders); the phone
travels sealed. `webhook`: the hall's events to its subscribers (webhooks.py).
"""

from datetime import datetime
from typing import Any

from .feedback_models import OutboxRow
from .store import Tx

PROVINCE = "province"
SMS = "sms"
WEBHOOK = "webhook"  # a hall's subscribers (webhooks.py), one message per event and subscription


def enqueue(
    tx: Tx,
    hall_id: str,
    channel: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    send_at: datetime | None = None,
) -> None:
    """Queue a message, to be sent from `send_at` (default: at once)."""
    row = OutboxRow(hall_id=hall_id, channel=channel, kind=kind, payload=payload)
    row.created_at, row.next_at = now, send_at or now
    tx.add_outbox(row)
