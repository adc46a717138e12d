"""Why a window called the ticket it called: the reason each call records.

A call passes over the tickets the window could have called that arrived
before the one it calls and still wait. When there are none, the call took
whoever had waited longest (等候最久). Otherwise one of the called ticket's
head starts in the dispatch order (`Policy.boost`, and a green lane's
precedence) put it ahead, and the reason names the one that gave it the most
over the longest-waiting ticket it passed: green channel, appointment, a
shorter target wait (限时事项), transfer, or a return from a suspension. A
clerk's call of a number other than the next is 指定叫号, whatever the
ticket's head starts. It also words, for a waiting holder, why the numbers
at a window now went before theirs (`went_before`, `holder_line`).

Pure: the domain and the protocol only, time passed in.
"""

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .domain import Entry, Lane, Policy, Ticket, Window
from .protocol import CallReason, TicketStatus
from .waiting import WaitingQueue, arrival

_R = CallReason
# When two head starts give the same advantage, the first named here is the reason.
_PRECEDENCE = (_R.RESUMED, _R.APPOINTMENT, _R.TRANSFER, _R.GREEN, _R.TARGET)


# What a waiting holder reads after "刚才叫的 A031 号": the kind of head start
# that took that number before theirs, never who has it or why.
HOLDER_WORDS = {
    _R.GREEN: "为绿色通道，优先办理",
    _R.APPOINTMENT: "为按时签到的预约号，优先办理",
    _R.TARGET: "办理时限较短，优先办理",
    _R.TRANSFER: "为转办的号码，优先办理",
    _R.RESUMED: "为补齐材料返回的号码，优先办理",
    _R.BY_NUMBER: "由窗口指定叫号",
}
WENT_BEFORE_SHOWN = 3  # the holder's page names at most this many calls


@dataclass(frozen=True, slots=True)
class CallWhy:
    """A call's reason, how many tickets it passed over (callable at that
    window, arrived earlier, still waiting) and when the first of them arrived."""

    reason: CallReason
    passed: int = 0
    earliest: datetime | None = None


def boost_parts(ticket: Ticket, policy: Policy, now: datetime) -> dict[CallReason, int]:
    """`Policy.boost` of `ticket`, split into its head starts (seconds; the
    target's is negative for a long target wait). They add up to the boost."""
    parts = dict.fromkeys(_PRECEDENCE, 0)
    parts[_R.TARGET] = policy.target_boost(ticket.service)
    if ticket.green_channel:  # with a green deadline (green_cap_min), more than green_boost_s
        parts[_R.GREEN] = policy.walk_in_boost(ticket.service, True) - parts[_R.TARGET]
    if ticket.entry is Entry.APPOINTMENT:
        opens = ticket.appointment_at or now
        if now >= opens - timedelta(minutes=policy.checkin_early_min):
            parts[_R.APPOINTMENT] = policy.appointment_boost_s
    elif ticket.entry is Entry.RETURN:
        parts[_R.RESUMED] = policy.return_boost_s
    elif ticket.entry is Entry.TRANSFER or ticket.directed_window is not None:
        parts[_R.TRANSFER] = policy.transfer_boost_s
    return parts


def reason_over(
    called: Ticket, first: Ticket, window: Window, policy: Policy, now: datetime
) -> CallReason:
    """What put `called` ahead of `first`, a ticket that arrived before it: the
    head start in which it leads `first` the most. On a green lane, the green
    channel and a return are called first whatever the boosts."""
    if window.lane is Lane.GREEN:
        for reason, holds in ((_R.RESUMED, _returned), (_R.GREEN, _green)):
            if holds(called) and not (_returned(first) or _green(first)):
                return reason
    mine, theirs = boost_parts(called, policy, now), boost_parts(first, policy, now)
    lead = {r: mine[r] - theirs[r] for r in _PRECEDENCE}
    best = max(_PRECEDENCE, key=lambda r: lead[r])  # the first of equals
    return best if lead[best] > 0 else _R.LONGEST_WAIT


def why_called(
    called: Ticket,
    waiting: Iterable[Ticket] | WaitingQueue,
    window: Window,
    policy: Policy,
    now: datetime,
    *,
    by_number: bool = False,
) -> CallWhy:
    """The reason of `window`'s call of `called` from `waiting` (which may hold
    `called`), with the tickets it passed over. `by_number`: the clerk chose
    the number and dispatch would have called another."""
    passed, first = earlier_waiting(called, waiting, window)
    if first is None:
        return CallWhy(_R.LONGEST_WAIT)
    reason = _R.BY_NUMBER if by_number else reason_over(called, first, window, policy, now)
    return CallWhy(reason, passed, first.arrived_at)


def earlier_waiting(
    called: Ticket, waiting: Iterable[Ticket] | WaitingQueue, window: Window
) -> tuple[int, Ticket | None]:
    """How many tickets `window` could call arrived before `called` and wait, and
    the first of them to arrive. On an indexed queue each kind of plain walk-in
    the window takes is one bisection."""
    if isinstance(waiting, WaitingQueue):
        count, first = _plain_before(called, waiting, window)
        waiting = waiting.others.values()
    else:
        count, first = 0, None
    for t in waiting:
        if (
            t.arrived_at < called.arrived_at
            and t.status is TicketStatus.WAITING
            and not t.away
            and t.id != called.id
            and window.accepts(t)
        ):
            count += 1
            first = t if first is None or t.arrived_at < first.arrived_at else first
    return count, first


def _plain_before(called: Ticket, queue: WaitingQueue, window: Window) -> tuple[int, Ticket | None]:
    count, first = 0, None
    for (service, category, _green), keys in queue.kinds.items():
        if not window.skills.accepts(service, category):
            continue
        before = bisect_left(keys, called.arrived_at, key=arrival)
        if before:
            count += before
            head = queue.tickets[keys[0][4]]
            first = head if first is None or head.arrived_at < first.arrived_at else first
    return count, first


def _green(ticket: Ticket) -> bool:
    return ticket.green_channel


def _returned(ticket: Ticket) -> bool:
    return ticket.entry is Entry.RETURN


def went_before(mine: Ticket, held: Iterable[Ticket], windows: Iterable[Window]) -> list[Ticket]:
    """The tickets at a window now (`held`: called or being served) that were
    called ahead of `mine` while it waited: taken after it, called by a window
    that takes it, for a reason other than the longest wait. Newest call first,
    at most WENT_BEFORE_SHOWN."""
    if mine.status is not TicketStatus.WAITING or mine.away:
        return []
    at = {w.number: w for w in windows}
    found = [
        t
        for t in held
        if t.id != mine.id
        and t.arrived_at > mine.arrived_at
        and t.called_at is not None
        and t.called_at >= mine.issued_at
        and t.call_reason in HOLDER_WORDS
        and (w := at.get(t.window or 0)) is not None
        and w.accepts(mine)
    ]
    found.sort(key=lambda t: t.called_at or mine.issued_at, reverse=True)
    return found[:WENT_BEFORE_SHOWN]


def holder_line(ticket: Ticket) -> str:
    """「刚才叫的 A031 号为绿色通道，优先办理」: why a number went before the holder's."""
    words = HOLDER_WORDS.get(ticket.call_reason or _R.LONGEST_WAIT, "")
    return f"刚才叫的 {ticket.number} 号{words}"
