"""A hall's waiting tickets, indexed so that no question walks them all.

Most waiting tickets are plain walk-ins: no appointment, transfer, return, nor a
window they were sent to, nor a remote place whose holder is away. Plain tickets
of one kind (service, and green channel or not) all have the same boost, so
among them the dispatch order is their order of arrival: each kind is one list,
kept sorted by (arrival, issue, number). Who a window calls next is then the
best head among the kinds it takes: the heads are kept in dispatch order
(`ranked`), so a window that takes everything looks at one. How many of a kind
rank before a ticket is one bisection. The few other tickets are looked at one
by one. Pure: standard library and the domain only.
"""

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter

from .domain import Entry, Policy, Ticket
from .protocol import TicketStatus

Kind = tuple[str, str, bool]  # service, its category, green channel
Key = tuple[datetime, datetime, int, str, str]  # arrived, issued, len(number), number, id
Head = tuple[datetime, Key, Kind]  # a kind's first ticket: its rank instant, its key


arrival = itemgetter(0)  # of a Key


def is_plain(ticket: Ticket) -> bool:
    return ticket.entry is Entry.WALK_IN and ticket.directed_window is None and not ticket.away


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
    # The heads in dispatch order under `_policy`: built by the first `ranked`,
    # then kept as heads change; a new policy builds them anew.
    _policy: Policy | None = field(default=None, repr=False)
    _shifts: dict[Kind, timedelta] = field(default_factory=dict, repr=False)
    _heads: list[Head] = field(default_factory=list, repr=False)

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
                keys = self.kinds.setdefault(kind, [])
                head = keys[0] if keys else None
                insort(keys, key_of(ticket))
                if keys[0] is not head:
                    self._head_moved(kind, head)
            else:
                self.others[ticket.id] = ticket

    def _unindex(self, ticket: Ticket) -> None:
        if not is_plain(ticket):
            self.others.pop(ticket.id, None)
            return
        kind = (ticket.service, ticket.category, ticket.green_channel)
        keys = self.kinds[kind]
        head = keys[0]
        del keys[bisect_left(keys, key_of(ticket))]
        if not keys:
            del self.kinds[kind]
        if not keys or keys[0] is not head:
            self._head_moved(kind, head)

    def ranked(self, policy: Policy) -> list[Head]:
        """Each kind's first ticket, best first: by its arrival moved forward by the
        kind's boost (`Policy.walk_in_boost`), then by its key, as `dispatch` ranks."""
        if policy is not self._policy:
            if policy != self._policy:  # the hall's settings are read anew each time
                self._shifts = {}
                self._policy = policy
                self._heads = sorted(self._head(kind) for kind in self.kinds)
            self._policy = policy
        return self._heads

    def shift(self, kind: Kind) -> timedelta:
        """The boost of a kind under the policy of the last `ranked`: kept, as it
        changes only with the policy."""
        found = self._shifts.get(kind)
        if found is None:
            assert self._policy is not None
            service, _, green = kind
            found = self._shifts[kind] = timedelta(
                seconds=self._policy.walk_in_boost(service, green)
            )
        return found

    def _head(self, kind: Kind) -> Head:
        key = self.kinds[kind][0]
        return key[0] - self.shift(kind), key, kind

    def _head_moved(self, kind: Kind, old: Key | None) -> None:
        if self._policy is None:
            return  # not ranked yet
        if old is not None:
            del self._heads[bisect_left(self._heads, (old[0] - self.shift(kind), old))]
        if kind in self.kinds:
            insort(self._heads, self._head(kind))

    def first_after(self, kind: Kind, arrived: datetime) -> Key | None:
        """The key of the first ticket of a kind that arrived after `arrived`, if any."""
        keys = self.kinds[kind]
        if keys[-1][0] <= arrived:
            return None  # the newest ticket's question, at every issue
        return keys[bisect_right(keys, arrived, key=arrival)]

    def later(self, kind: Kind, arrived: datetime) -> Ticket | None:
        """The first ticket of a kind that arrived after `arrived`, if any."""
        key = self.first_after(kind, arrived)
        return None if key is None else self.tickets[key[4]]
