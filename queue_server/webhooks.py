"""Webhooks, pure: what a subscription is, which events it takes, the signature.

A hall's subscriptions live in its `specials` JSON under "webhooks": a list
of {id, url, events, description, secret (sealed), created_at, created_by}.
The hot path only asks which subscriptions take an event (`takers`), from
the hall row every write transaction reads anyway.

An event is a feed event (`ticket.issued`, `ticket.called`, …, `alert.raised`)
or one of two derived names: `rating.bad` (a rating of 不满意 or 非常不满意)
and `device.fault` (a device reporting any state but ok).

Each delivery is signed: `X-Yichuang-Signature: t=<unix seconds>,v1=<hex>`,
where v1 is HMAC-SHA256 with the subscription's secret over
`<t>.<the body's bytes>` (docs/webhooks.md shows the check).

The receiver's URL is checked, and stored in the form the HTTP client
reads, by webhook_url.py.
"""

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InvalidInput
from .protocol import Event, EventType

KEY = "webhooks"
DERIVED = ("rating.bad", "device.fault")
EVENT_TYPES = tuple(sorted({e.value for e in EventType} | set(DERIVED)))
BAD_GRADES = frozenset({1, 2})
TOLERANCE_S = 300  # a receiver refuses signatures older than this (replays)
MAX_HOOKS = 10


def names_of(event: Event) -> set[str]:
    """The names `event` goes by: its type, and a derived name when it has one."""
    names = {event.type.value}
    if event.type is EventType.TICKET_RATED and event.data.get("score") in BAD_GRADES:
        names.add("rating.bad")
    if event.type is EventType.DEVICE_STATUS:
        device = event.data.get("device") or {}
        if isinstance(device, Mapping) and device.get("state") not in (None, "ok"):
            names.add("device.fault")
    return names


def subscribed(specials: Mapping[str, Any] | None) -> dict[str, frozenset[str]]:
    """The hall's subscriptions as the hot path needs them: id -> event names."""
    hooks = (specials or {}).get(KEY) or []
    return {h["id"]: frozenset(h["events"]) for h in hooks}


def takers(hooks: Mapping[str, frozenset[str]], event: Event) -> list[tuple[str, str]]:
    """(subscription id, the event's name it asked for) for each taker of `event`."""
    names = names_of(event)
    found = []
    for hook_id, wanted in hooks.items():
        for name in sorted(names & wanted):
            found.append((hook_id, name))
    return found


def check_events(events: Sequence[str]) -> list[str]:
    """The events a subscription takes, checked; InvalidInput names the unknown."""
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if not events or unknown:
        raise InvalidInput(
            "请选择要推送的事件" + (f"；不认识：{'、'.join(unknown)}" if unknown else ""),
            en=f"events must be some of {', '.join(EVENT_TYPES)}",
            code="webhook_events",
        )
    return sorted(set(events))


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Yichuang-Signature header's value for `body`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """What a receiver does: the signature matches and is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        t = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > TOLERANCE_S:
        return False
    expected = sign(secret, body, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
