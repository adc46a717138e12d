"""How long a ticket will wait, and whether a service still fits in today.

`estimate` walks the waiting tickets a ticket's windows would call first and
adds the visitors expected to overtake it later (the day's arrival mix so
far); `admit` refuses a ticket the hall cannot serve before it closes.
Pure: time, the queue and the means are arguments.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .domain import STAFFED, Entry, Hall, Policy, PriorityClass, Service, Ticket, Window
from .errors import HallClosed, TooLateToday
from .protocol import TicketStatus, WindowState
from .waiting import WaitingQueue, arrival

_BUSY = frozenset({WindowState.CALLING, WindowState.SERVING})
_WALK_IN = Entry.WALK_IN
_NORMAL = PriorityClass.NORMAL
_WAITING = TicketStatus.WAITING
_DEFAULT_HANDLING_S = 600.0  # a service with neither a recent mean nor catalogue minutes

ArrivalKind = tuple[str, str, bool]  # service, its category, green channel


@dataclass(frozen=True, slots=True)
class Estimate:
    position: int  # tickets that will be called before this one
    wait_s: int


def estimate(
    ticket: Ticket,
    waiting: Sequence[Ticket] | WaitingQueue,
    windows: Sequence[Window],
    handling_s: Mapping[str, float],
    policy: Policy,
    now: datetime,
    *,
    arrivals: Mapping[ArrivalKind, float] | None = None,
) -> Estimate:
    """People ahead of `ticket` and its expected wait.

    Ahead = waiting tickets that rank before `ticket` in the dispatch order
    now and that a staffed window (open, calling or serving) able to take
    `ticket` could take instead; with none staffed, any window able to take
    it counts. Each needs its service's handling time (`handling_s`: recent
    means, else the catalogue's minutes).

    Of c such windows, the idle ones call the first tickets ahead at once
    (no wait if one is left for `ticket`; unstaffed ones count as idle: they
    call when they open); then windows free up one every mean handling / c,
    the first after about a mean handling / (busy + 1), or a whole one if
    all have just started. With every window busy, the wait is about
    (work ahead + one mean handling) / c.

    Visitors who come later with a larger boost (green channel, a shorter
    target wait) overtake the ticket while it has waited less than their head
    start. `arrivals` (the hall's recent arrivals, e.g. today's tickets so
    far, counted per service, category and green channel) gives their mix:
    arriving at the windows' pace, each kind adds its share of the work for
    as long as it overtakes, W = base + sum(share * min(W, head start)).
    Without `arrivals` that term is left out and waits come out short.
    Deliberately simple (it ignores green lanes); its accuracy is measured
    by the simulator. Remote places whose holders are away are ahead of
    nobody; a remote holder's own estimate is the wait once arrived.
    """
    if ticket.status is not _WAITING:
        return Estimate(position=0, wait_s=0)
    able = [w for w in windows if w.accepts(ticket)]
    staffed = [w for w in able if w.state in STAFFED] or able
    if not staffed:
        return Estimate(position=0, wait_s=0)
    mine = policy.boost(ticket, now)
    known = _Known(staffed, handling_s, policy, now, ticket.arrived_at - timedelta(seconds=mine))
    if isinstance(waiting, WaitingQueue):
        position, work = _ahead_in(ticket, waiting, known)
    else:
        position, work = _ahead(ticket, waiting, known)
    busy = sum(w.state in _BUSY for w in staffed)
    idle = len(staffed) - busy
    if position < idle:
        return Estimate(position=position, wait_s=0)
    mean = (work + handling_s.get(ticket.service, _DEFAULT_HANDLING_S)) / (position + 1)
    later = work * (position - idle) / position if position else 0.0
    base = later / len(staffed) + (mean / (busy + 1) if busy else mean)
    wait = base
    if arrivals:
        waited = (now - ticket.arrived_at).total_seconds()
        wait = _solve(base, _overtakers(arrivals, known, mine + waited))
    return Estimate(position=position, wait_s=round(wait))


_KindKey = tuple[str, PriorityClass, Entry, int | None, datetime | None, TicketStatus, bool]
_Kind = tuple[datetime, float]  # such tickets rank ahead if they arrived before; their handling
_SKIP: _Kind = (datetime.min, 0.0)  # tickets that cannot be ahead (compared by identity)


class _Known:
    """What one estimate works out once per service, boost and kind of ticket.

    Tickets of one kind (everything their boost and windows depend on) rank
    before the estimated ticket if they arrived before the same instant:
    its arrival moved forward by its boost, and back by theirs.
    """

    def __init__(
        self,
        staffed: Sequence[Window],
        handling_s: Mapping[str, float],
        policy: Policy,
        now: datetime,
        rank: datetime,
    ) -> None:
        self.staffed = staffed
        self.everything = all(w.skills.accepts_all for w in staffed)
        self.numbers = {w.number for w in staffed}
        self.handling_s = handling_s
        self.policy = policy
        self.now = now
        self.rank = rank  # the estimated ticket's arrival moved forward by its boost
        self.services: dict[str, tuple[bool, float, int]] = {}
        self.instants: dict[int, datetime] = {}

    def service(self, service: str, category: str) -> tuple[bool, float, int]:
        """Whether a staffed window takes it, its handling seconds, its target boost.

        Worked out once per service: a service's category never changes.
        """
        found = self.services.get(service)
        if found is None:
            takes = self.everything or any(
                w.skills.accepts(service, category) for w in self.staffed
            )
            handling = self.handling_s.get(service, _DEFAULT_HANDLING_S)
            found = self.services[service] = (takes, handling, self.policy.target_boost(service))
        return found

    def instant(self, boost: int) -> datetime:
        """A ticket with `boost` ranks ahead if it arrived before this."""
        found = self.instants.get(boost)
        if found is None:
            found = self.instants[boost] = self.rank + timedelta(seconds=boost)
        return found

    def walk_ins(self, service: str, category: str) -> tuple[_Kind, _Kind]:
        """The kinds of the green-channel and of the normal walk-ins of `service`."""
        takes, handling, boost = self.service(service, category)
        if not takes:
            return _SKIP, _SKIP
        green = self.instant(self.policy.walk_in_boost(service, True))
        return (green, handling), (self.instant(boost), handling)

    def kind(self, t: Ticket) -> _Kind:
        """The kind of any ticket (transferred, directed, booked, not waiting, ...)."""
        if t.status is not _WAITING or t.away:
            return _SKIP
        takes, handling, _ = self.service(t.service, t.category)
        if t.directed_window is not None:
            takes = t.directed_window in self.numbers and any(w.accepts(t) for w in self.staffed)
        if not takes:
            return _SKIP
        return self.instant(self.policy.boost(t, self.now)), handling


def _ahead(ticket: Ticket, waiting: Sequence[Ticket], known: _Known) -> tuple[int, float]:
    """How many of `waiting` rank before `ticket` and can take its windows, and their work.

    t ranks before `ticket` when t.arrived_at - boost(t) is earlier than
    ticket.arrived_at - boost(ticket) (as in `_ranker`). The server runs this
    for every ticket it issues, with up to ~1,000 waiting, so each kind of
    ticket is worked out once; then a ticket costs a lookup and a comparison.
    Most are plain walk-ins, looked up by their service alone.
    """
    last = (ticket.arrived_at, ticket.issued_at, len(ticket.number), ticket.number)
    walk_ins: dict[str, tuple[_Kind, _Kind]] = {}
    others: dict[_KindKey, _Kind] = {}
    position, work = 0, 0.0
    for t in waiting:
        if (
            t.entry is _WALK_IN
            and t.directed_window is None
            and t.status is _WAITING
            and not t.away
        ):
            pair = walk_ins.get(t.service)
            if pair is None:
                pair = walk_ins[t.service] = known.walk_ins(t.service, t.category)
            kind = pair[t.priority is _NORMAL]
        else:
            when, status = t.appointment_at, t.status
            key = (t.service, t.priority, t.entry, t.directed_window, when, status, t.away)
            kind = others.get(key) or others.setdefault(key, known.kind(t))
        if kind is _SKIP:
            continue
        at = t.arrived_at
        if at < kind[0] or (
            at == kind[0]
            and t.id != ticket.id
            and (at, t.issued_at, len(t.number), t.number) < last
        ):
            position += 1
            work += kind[1]
    return position, work


def _ahead_in(ticket: Ticket, queue: WaitingQueue, known: _Known) -> tuple[int, float]:
    """`_ahead` on an indexed queue, in time that does not grow with it: per kind
    of plain walk-in, the tickets that arrived before the kind's instant are a
    prefix of its list (one bisection, none when all or none did); the few
    other tickets are walked."""
    last = (ticket.arrived_at, ticket.issued_at, len(ticket.number), ticket.number)
    position, work = 0, 0.0
    queue.ranked(known.policy)  # the kinds' boosts (`shift`) under this policy
    for kind, keys in queue.kinds.items():
        takes, handling, _ = known.service(kind[0], kind[1])
        if not takes:
            continue
        instant = known.rank + queue.shift(kind)
        if keys[-1][0] < instant:
            ahead = len(keys)
        elif keys[0][0] > instant:
            ahead = 0
        # Same instant: ahead if issued before `ticket` (then by number), as in `_ahead`.
        elif instant < ticket.arrived_at:
            ahead = bisect_right(keys, instant, key=arrival)
        elif instant > ticket.arrived_at:
            ahead = bisect_left(keys, instant, key=arrival)
        else:
            ahead = bisect_left(keys, last)
        position += ahead
        work += ahead * handling
    others = _ahead(ticket, list(queue.others.values()), known)
    return position + others[0], work + others[1]


def _overtakers(
    arrivals: Mapping[ArrivalKind, float], known: _Known, mine: float
) -> list[tuple[float, float]]:
    """(share of the work, head start in seconds) of each kind of later walk-in
    that overtakes a ticket whose boost plus wait so far is `mine`. Their
    boosts are `Policy.walk_in_boost`, from the target boosts known already."""
    total, found = 0.0, []
    for (service, category, green), count in arrivals.items():
        takes, handling, boost = known.service(service, category)
        if takes and count > 0:
            total += count * handling
            if green:
                boost = known.policy.walk_in_boost(service, True)
            if boost > mine:
                found.append((count * handling, boost - mine))
    if total <= 0:
        return []
    return [(work / total, head_start) for work, head_start in found]


def _solve(base: float, overtakers: Sequence[tuple[float, float]]) -> float:
    """The W with W = base + sum(share * min(W, head start)) over (share, head start).

    The right side is piecewise linear in W with a slope below 1 (the shares
    sum to at most 1), so scan the head starts in order and solve on the
    segment where the answer falls.
    """
    fixed, slope = 0.0, sum(share for share, _ in overtakers)
    for share, head_start in sorted(overtakers, key=lambda o: o[1]):
        if slope < 1:
            wait = (base + fixed) / (1 - slope)
            if wait <= head_start:
                return wait
        fixed += share * head_start
        slope -= share
    return base + fixed


# ---------------------------------------------------------------- opening hours


def admit(hall: Hall, service: Service, now: datetime, wait_s: int) -> None:
    """Refuse a ticket outside opening hours, for an item a 专项服务 session does
    not serve, or for a service that can no longer be finished before today's
    closing (the expected wait plus its handling)."""
    hours, zone = hall.hours, hall.zone
    if hours.always_open:
        return
    if hours.session_at(now, zone) is None:
        opens = hours.next_opening(now, zone)
        when = f"{opens.astimezone(zone):%Y-%m-%d %H:%M}" if opens else ""
        raise HallClosed(
            f"大厅现在不办理业务，将于 {when} 开始办理，请届时再来"
            if opens
            else "大厅现在不办理业务，开放时间请咨询工作人员",
            en=f"the hall is closed now; it opens again at {when or 'a date not yet set'}",
            opens_at=opens.isoformat() if opens else "",
        )
    if hours.session_at(now, zone, service.code) is None:
        _special_only(hall, service, now)
    closes = hours.day_close(now.astimezone(zone).date(), zone, service.code)
    done = now + timedelta(seconds=wait_s + service.minutes * 60)
    if closes is not None and done > closes:
        raise TooLateToday(
            f"本大厅今天 {closes:%H:%M} 停止办理，按目前排队情况「{service.name}」今天无法办结，"
            "请下一个工作日再来，或在网上预约",
            en=f"{service.name} can no longer be finished before closing at {closes:%H:%M} "
            "today; please come back on the next working day or book an appointment",
            closes_at=closes.isoformat(),
        )


def _special_only(hall: Hall, service: Service, now: datetime) -> None:
    """Refuse `service` in a 专项服务 session that serves other items only."""
    hours, zone = hall.hours, hall.zone
    session = hours.extra_at(now, zone)
    name = f"「{session.label}」" if session is not None and session.label else "专项服务"
    opens = hours.next_opening(now, zone, service=service.code)
    when = f"{opens.astimezone(zone):%Y-%m-%d %H:%M}" if opens else ""
    raise HallClosed(
        f"现在是{name}时段，只办理指定事项；「{service.name}」"
        + (f"请于 {when} 起再来办理" if opens else "请在正常办公时间办理"),
        en=f"this is a special session for some items only; {service.name} is served "
        + (f"again from {when}" if opens else "in the usual opening hours"),
        code="special_session_only",
        opens_at=opens.isoformat() if opens else "",
    )


def extra_windows(work_s: float, staffed: int, target_s: float) -> int:
    """How many more windows would bring the queue's expected wait under target."""
    if target_s <= 0:
        return 0
    needed = -(-work_s // target_s)  # ceiling division
    return max(0, int(needed) - staffed)
