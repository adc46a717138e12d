"""线上取号, the rules: how many remote places a hall takes, how long a place
passed over while its holder is away is kept, and which places drop now.

A place taken from a phone ranks from when it was taken (`Ticket.arrived_at`)
but is called only once its holder has arrived (`Ticket.away`, `dispatch`).
Pure: the domain's objects, time passed in.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from .domain import Policy, Ticket
from .errors import Conflict


def grace_ends(ticket: Ticket, policy: Policy) -> datetime | None:
    """When a remote place passed over while its holder is away drops; None while
    it has not been passed over, or once its holder has arrived."""
    if not ticket.away or ticket.passed_at is None:
        return None
    return ticket.passed_at + timedelta(minutes=policy.remote_grace_min)


def grace_over(tickets: Iterable[Ticket], policy: Policy, now: datetime) -> list[Ticket]:
    """The places whose grace has ended without their holders arriving."""
    return [t for t in tickets if (ends := grace_ends(t, policy)) is not None and ends <= now]


def takes_remote(waiting: Iterable[Ticket], policy: Policy) -> bool:
    """Whether the hall takes one more remote place now.

    Remote places still waiting (arrived or not) may be at most
    `remote_share_pct` of all the hall's waiting tickets, the new place
    counted, rounded up: an empty hall takes one, 0 % takes none.
    """
    remote = total = 0
    for ticket in waiting:
        total += 1
        remote += ticket.remote
    return remote + 1 <= -(-policy.remote_share_pct * (total + 1) // 100)


def check_share(waiting: Iterable[Ticket], policy: Policy) -> None:
    """Refuse a remote place when the hall's share of them is taken."""
    if not takes_remote(waiting, policy):
        raise Conflict(
            "线上取号名额已满，请稍后再试，或到大厅取号机现场取号",
            en="the hall's remote places are all taken; try again later or take a "
            "ticket at the hall's ticket machine",
            code="remote_share_full",
        )
