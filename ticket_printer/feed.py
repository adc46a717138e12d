"""Reading the hall feed for one kiosk; pure, no I/O.

`FeedCursor.take(message)` says what a feed message means to the kiosk: a
ticket it issued (`Issued`), or that events were missed and its tickets must
be asked for (`CatchUp`). The feed sends a snapshot, then each event once in
seq order; a snapshot or heartbeat ahead of the last seq seen, or a gap
between events, means something was missed (docs/feed.md): the rule is
`queue_server.protocol.seq_verdict`, a snapshot judged like a heartbeat.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from queue_server.protocol import (
    EventType,
    MessageType,
    SeqVerdict,
    Unreadable,
    seq_of,
    seq_verdict,
)


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


@dataclass(frozen=True)
class Skipped:
    """A message that could not be read (`reason` names the field and the type
    found, never a value, so the kiosk can say each kind once). It may have been
    one of this kiosk's tickets: a `CatchUp` follows it whenever there is a seq
    to catch up from."""

    reason: str


Action = CatchUp | Issued | Skipped


class FeedCursor:
    """Turns feed messages into what the kiosk must do; remembers the last seq.

    `last` is None until the first snapshot when the kiosk has no memory of
    an earlier run: then there is nothing to catch up on. Any message at all
    may come in (a newer server, a broken proxy): `take` never raises.
    """

    def __init__(self, me: str, last: int | None = None) -> None:
        self.me = me
        self.last = last

    def take(self, message: Any) -> list[Action]:
        if not isinstance(message, Mapping):
            return self.skip(f"a message that is {type(message).__name__}, not an object")
        kind = message.get("type")
        if kind == MessageType.ERROR:
            return []
        try:
            seq = seq_of(message)
        except Unreadable as exc:
            return self.skip(f"{kind!s:.40}: {exc}")
        verdict = SeqVerdict.APPLY if self.last is None else seq_verdict(self.last, seq, kind)
        actions: list[Action] = []
        if verdict is SeqVerdict.RESYNC and self.last is not None:
            # A snapshot (or an idle heartbeat) ahead of us, or a gap: events were missed.
            actions.append(CatchUp(self.last))
        if kind in (MessageType.SNAPSHOT, MessageType.HEARTBEAT):
            if verdict is not SeqVerdict.STALE or kind == MessageType.SNAPSHOT:
                self.last = seq
            return actions
        if verdict is SeqVerdict.STALE:
            return []  # already seen
        self.last = seq
        if kind == EventType.TICKET_ISSUED:
            actions += self._issued(message.get("data"), seq)
        return actions

    def _issued(self, data: Any, seq: int) -> list[Action]:
        ticket = data.get("ticket") if isinstance(data, Mapping) else None
        if not isinstance(ticket, Mapping) or not isinstance(ticket.get("number"), str):
            # Ours or not, it cannot be told: the server's list of our tickets can.
            return [Skipped("ticket.issued: no ticket with a number"), CatchUp(seq - 1)]
        if ticket.get("issued_by") != self.me:
            return []
        ticket_id = ticket.get("id")
        return [Issued(ticket["number"], seq, ticket_id if isinstance(ticket_id, str) else None)]

    def skip(self, reason: str) -> list[Action]:
        """Skip it; catch up, in case it was one of ours, from the last seq seen."""
        actions: list[Action] = [Skipped(reason)]
        if self.last is not None:
            actions.append(CatchUp(self.last))
        return actions
