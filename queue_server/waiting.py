"""A hall's waiting tickets, indexed so that no question walks them all.

Most waiting tickets are plain walk-ins: no appointment, transfer, return, nor a
window they were sent to. Plain tickets of one kind (service, and green channel
or not) all have the same boost, so among them the dispatch order is their
order of arrival: each kind is one list, kept sorted by (arrival, issue, number).
Who a window calls next is then the best head among the kinds it takes, and how
many of a kind rank before a ticket is one bisection. The few other tickets
are looked at one by one. Pure: standard library and the domain only.
"""

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from .domain import Entry, Ticket
from .protocol import TicketStatus

Kind = tuple[str, str, bool]  # service, its category, green channel
Key = tuple[datetime, datetime, int, str, str]  # arrived, issued, len(number), number, id


arrival = itemgetter(0)  # of a Key


def is_plain(ticket: Ticket) -> bool:
    return ticket.entry is Entry.WALK_IN and ticket.directed_window is None


def key_of(ticket: Ticket) -> Key:
    return (ticket.arrived_at, ticket.issued_at, len(ticket.number), ticket.number, ticket.id)


@dataclass
class WaitingQueue:
    """The waiting tickets by id, how many per (category, green channel), and
    the plain ones by kind in arrival order (`kinds`), the rest in `others`."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    counts: Counter[tuple[str, bool]] = field(default_factory=Counter)
    kinds: dict[Kind, list[Key]] = field(default_factory=dict)
    others: dict[str, Ticket] = field(default_factory=dict)

    @classmethod
    def of(cls, tickets: Iterable[Ticket]) -> "WaitingQueue":
        queue = cls()
        for ticket in tickets:
            queue.put(ticket)
        return queue

    def put(self, ticket: Ticket) -> None:
        """Take in a ticket's new state: kept if waiting, else dropped."""
        if (old := self.tickets.pop(ticket.id, None)) is not None:
            self.counts[(old.category, old.green_channel)] -= 1
            self._unindex(old)
        if ticket.status is TicketStatus.WAITING:
            self.tickets[ticket.id] = ticket
            self.counts[(ticket.category, ticket.green_channel)] += 1
            if is_plain(ticket):
                kind = (ticket.service, ticket.category, ticket.green_channel)
                insort(self.kinds.setdefault(kind, []), key_of(ticket))
            else:
                self.others[ticket.id] = ticket

    def _unindex(self, ticket: Ticket) -> None:
        if not is_plain(ticket):
            self.others.pop(ticket.id, None)
            return
        kind = (ticket.service, ticket.category, ticket.green_channel)
        keys = self.kinds[kind]
        key = key_of(ticket)
        del keys[bisect_left(keys, key)]
        if not keys:
            del self.kinds[kind]

    def head(self, kind: Kind) -> Ticket:
        """The first ticket of a kind in the dispatch order."""
        return self.tickets[self.kinds[kind][0][4]]

    def later(self, kind: Kind, arrived: datetime) -> Ticket | None:
        """The first ticket of a kind that arrived after `arrived`, if any."""
        keys = self.kinds[kind]
        i = bisect_right(keys, arrived, key=arrival)
        return self.tickets[keys[i][4]] if i < len(keys) else None
