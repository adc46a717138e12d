"""A hall's webhook subscriptions, managed by its admin (`webhooks.py` holds the rules).

The secret is made here and shown once, when the subscription is made; the
hall keeps it sealed (`sealed`), since signing needs it back. Making and
removing a subscription are audited, never with the secret.
"""

import secrets
from datetime import datetime, tzinfo
from typing import Any

from . import audit, webhook_guard, webhook_url, webhooks
from .access import Principal, require
from .bodies import WebhookIn
from .errors import Conflict, NotFound
from .protocol import Event
from .public import local_iso
from .store import Tx
from .transactions import Runner


class WebhookDesk(Runner):
    def webhooks(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        require(principal, set(), hall=hall_id)
        with self.store.read() as tx:
            hooks = tx.specials(hall_id).get(webhooks.KEY) or []
            zone = tx.hall(hall_id).zone
        return {
            "webhooks": [_view(h, zone) for h in hooks],
            "events": list(webhooks.EVENT_TYPES),
        }

    def add_webhook(self, principal: Principal, hall_id: str, body: WebhookIn) -> dict[str, Any]:
        """A new subscription; its secret is in this answer and nowhere else."""
        require(principal, set(), hall=hall_id)
        url = webhook_url.receiver_url(body.url)
        events = webhooks.check_events(body.events)
        webhook_guard.check_receiver(webhook_url.host_of(url), self.settings.webhook_private)
        secret = "whsec_" + secrets.token_urlsafe(24)

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            specials = tx.specials(hall_id)
            hooks = list(specials.get(webhooks.KEY) or [])
            if len(hooks) >= webhooks.MAX_HOOKS:
                raise Conflict(
                    f"本大厅已有 {webhooks.MAX_HOOKS} 个推送订阅，请先删除不用的",
                    en=f"this hall already has {webhooks.MAX_HOOKS} webhooks; remove one first",
                    code="too_many_webhooks",
                )
            hook: dict[str, Any] = {
                "id": "wh_" + secrets.token_hex(4),
                "url": url,
                "events": events,
                "description": body.description,
                "created_at": now.isoformat(),
                "created_by": principal.actor,
            }
            stored = hook | {"secret": self.sealer.seal(secret)}
            tx.set_hall(hall_id, specials=specials | {webhooks.KEY: [*hooks, stored]})
            audit.record(tx, principal, hall_id, "webhook.create", hook["id"], after=hook, now=now)
            return _view(hook, tx.hall(hall_id).zone) | {"secret": secret}

        return self.write(hall_id, work)

    def remove_webhook(self, principal: Principal, hall_id: str, hook_id: str) -> dict[str, Any]:
        """Unsubscribe; messages still waiting for it are given up when their turn comes."""
        require(principal, set(), hall=hall_id)

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            specials = tx.specials(hall_id)
            hooks = list(specials.get(webhooks.KEY) or [])
            gone = next((h for h in hooks if h["id"] == hook_id), None)
            if gone is None:
                raise NotFound(
                    "没有这个推送订阅", en=f"no webhook {hook_id!r}", code="unknown_webhook"
                )
            kept = [h for h in hooks if h["id"] != hook_id]
            tx.set_hall(hall_id, specials=specials | {webhooks.KEY: kept})
            before = _view(gone, tx.hall(hall_id).zone)
            audit.record(tx, principal, hall_id, "webhook.delete", hook_id, before=before, now=now)
            return {"id": hook_id, "removed": True}

        return self.write(hall_id, work)


def _view(hook: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """A subscription as the console shows it: never its secret."""
    made = datetime.fromisoformat(hook["created_at"])
    return {k: hook[k] for k in ("id", "url", "events", "description", "created_by")} | {
        "created_at": local_iso(made, zone)
    }
