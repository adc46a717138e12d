"""Reading the hall feed for one kiosk; pure, no I/O.

`FeedCursor.take(message)` says what a feed message means to the kiosk: a
ticket it issued (`Issued`), or that events were missed and its tickets must
be asked for (`CatchUp`). The feed sends a snapshot, then each event once in
seq order; a snapshot or heartbeat ahead of the last seq seen, or a gap
between events, means something was missed (docs/feed.md).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CatchUp:
    """Events after `since` were missed: ask the server for this kiosk's tickets."""

    since: int


@dataclass(frozen=True)
class Issued:
    """This kiosk issued ticket `number` (event `seq`). The feed does not carry
    ticket ids (an id is its holder's key), so `ticket_id` is usually None and
    the id comes from the server's list of this kiosk's tickets."""

    number: str
    seq: int
    ticket_id: str | None = None


Action = CatchUp | Issued


class FeedCursor:
    """Turns feed messages into what the kiosk must do; remembers the last seq.

    `last` is None until the first snapshot when the kiosk has no memory of
    an earlier run: then there is nothing to catch up on.
    """

    def __init__(self, me: str, last: int | None = None) -> None:
        self.me = me
        self.last = last

    def take(self, message: Mapping[str, Any]) -> list[Action]:
        kind = message.get("type")
        seq = message.get("seq")
        if not isinstance(seq, int) or kind == "error":
            return []
        actions: list[Action] = []
        if kind in ("snapshot", "heartbeat"):
            # A snapshot (or an idle heartbeat) ahead of us: events were missed.
            if self.last is not None and seq > self.last:
                actions.append(CatchUp(self.last))
            if self.last is None or seq > self.last or kind == "snapshot":
                self.last = seq
            return actions
        if self.last is not None and seq <= self.last:
            return []  # already seen
        if self.last is not None and seq > self.last + 1:
            actions.append(CatchUp(self.last))
        self.last = seq
        if kind == "ticket.issued":
            ticket = (message.get("data") or {}).get("ticket") or {}
            if ticket.get("issued_by") == self.me:
                ticket_id = str(ticket["id"]) if ticket.get("id") else None
                actions.append(Issued(str(ticket.get("number", "?")), seq, ticket_id))
        return actions
