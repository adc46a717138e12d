"""A day's figures per staff member (人员绩效): pure, so it is tested directly.

From the day's transitions (each with the 工号 its actor carries), the
window sign-ins and sign-outs of the audit, and the day's ratings:

- served: the tickets the member finished; handling = that ticket's last
  start to its finish (seconds: mean and p90); no-shows: the tickets the member
  marked 过号;
- idle share = 1 - time with a ticket in hand / time signed in at a window.
  A ticket is in hand from its call (or resumption) at the window to its
  finish, 过号, transfer, suspension or cancellation. Signed in runs from a
  `window.sign_in` record to the first of: a `window.sign_out` of that window,
  the member's sign-in at another window, another member's sign-in there, the
  session's 12 hours, and `until` (now, or the day's end). A logout or an
  expiry at a window is recorded as its sign-out; a sign-in whose end the
  records do not hold (the member deactivated, or records from before those
  were kept) ends at the member's last action
  at that window, so the idle share is then a lower bound, and is flagged
  (`open_sign_ins`). A member who never signed in at a window (a token at
  the window, a supervisor's action) has no idle share (None);
- ratings: count, mean, 好评率 and 差评 count of the tickets they finished.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .cases import BAD_GRADES
from .stats import summary

SESSION = timedelta(hours=12)  # sessions.SESSION_S: a sign-in lasts no longer
_IN_HAND_FROM = frozenset({"call", "resume-ticket"})
_IN_HAND_TO = frozenset({"finish", "no-show", "transfer", "suspend", "cancel", "close-day"})


@dataclass(frozen=True, slots=True)
class StaffStep:
    """One transition, with the 工号 of the member who made it (None: no member)."""

    ticket_id: str
    action: str
    window: int | None
    at: datetime
    staff_no: str | None


@dataclass(frozen=True, slots=True)
class Signing:
    """A `window.sign_in` (staff_no: who signed in) or `window.sign_out`
    (staff_no: who was signed out) of the audit."""

    at: datetime
    window: int
    staff_no: str
    sign_in: bool


@dataclass(frozen=True, slots=True)
class Span:
    staff_no: str
    window: int
    start: datetime
    end: datetime
    open_end: bool = False  # the records did not say when it ended


def handling(steps: Sequence[StaffStep]) -> dict[str, list[float]]:
    """Each member's handling times (s) of the tickets they finished."""
    started: dict[str, datetime] = {}
    times: defaultdict[str, list[float]] = defaultdict(list)
    for step in steps:
        if step.action == "start":
            started[step.ticket_id] = step.at
        elif step.action == "finish" and step.staff_no is not None:
            since = started.pop(step.ticket_id, None)
            if since is not None:
                times[step.staff_no].append((step.at - since).total_seconds())
    return times


def in_hand(steps: Sequence[StaffStep]) -> dict[str, list[tuple[datetime, datetime]]]:
    """Each member's spans with a ticket in hand (the member who called it)."""
    held: dict[str, tuple[str, datetime]] = {}
    spans: defaultdict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for step in steps:
        if step.action in _IN_HAND_FROM and step.staff_no is not None:
            held[step.ticket_id] = (step.staff_no, step.at)
        elif step.action in _IN_HAND_TO and step.ticket_id in held:
            who, since = held.pop(step.ticket_id)
            spans[who].append((since, step.at))
    return spans


def signed_spans(
    signings: Iterable[Signing],
    steps: Sequence[StaffStep],
    live: Mapping[int, str],
    until: datetime,
) -> list[Span]:
    """The sign-ins as spans (see the module); `live`: who is signed in where now."""
    ordered = sorted(signings, key=lambda s: s.at)
    spans: list[Span] = []
    for i, s in enumerate(ordered):
        if not s.sign_in:
            continue
        end = next((o.at for o in ordered[i + 1 :] if _ends(s, o)), None)
        cap = min(until, s.at + SESSION)
        if end is not None:
            spans.append(Span(s.staff_no, s.window, s.at, min(end, cap)))
        elif live.get(s.window) == s.staff_no:
            spans.append(Span(s.staff_no, s.window, s.at, cap))
        else:
            acted = [
                t.at
                for t in steps
                if t.staff_no == s.staff_no and t.window == s.window and s.at <= t.at <= cap
            ]
            spans.append(Span(s.staff_no, s.window, s.at, max(acted, default=s.at), True))
    return [s for s in spans if s.end > s.start or s.open_end]


def _ends(signed: Signing, other: Signing) -> bool:
    if other.window == signed.window:
        return not other.sign_in or other.staff_no != signed.staff_no
    return other.sign_in and other.staff_no == signed.staff_no


def _overlap(spans: Iterable[tuple[datetime, datetime]], within: Sequence[Span]) -> float:
    total = 0.0
    for start, end in spans:
        for s in within:
            lo, hi = max(start, s.start), min(end, s.end)
            if hi > lo:
                total += (hi - lo).total_seconds()
    return total


def staff_figures(
    steps: Sequence[StaffStep],
    signings: Iterable[Signing],
    ratings: Iterable[tuple[str | None, int]],
    live: Mapping[int, str],
    until: datetime,
) -> dict[str, dict[str, Any]]:
    """{工号: figures} for every member with a step, a sign-in or a rating."""
    ordered = sorted(steps, key=lambda s: s.at)
    spans = signed_spans(signings, ordered, live, until)
    times, held = handling(ordered), in_hand(ordered)
    served = Counter(s.staff_no for s in ordered if s.action == "finish")
    no_show = Counter(s.staff_no for s in ordered if s.action == "no-show")
    scores: defaultdict[str, list[int]] = defaultdict(list)
    for staff_no, score in ratings:
        if staff_no is not None:
            scores[staff_no].append(score)
    members = {s.staff_no for s in ordered if s.staff_no} | {s.staff_no for s in spans}
    figures: dict[str, dict[str, Any]] = {}
    for member in sorted(members | set(scores)):
        mine = [s for s in spans if s.staff_no == member]
        signed = sum((s.end - s.start).total_seconds() for s in mine)
        busy = _overlap(held.get(member, []), mine)
        given = scores.get(member, [])
        bad = sum(1 for g in given if g in BAD_GRADES)
        figures[member] = {
            "staff_no": member,
            "served": served[member],
            "handling_s": summary(times.get(member, [])),
            "no_show": no_show[member],
            "signed_in_s": round(signed),
            "busy_s": round(busy),
            "idle_share": round(max(0.0, signed - busy) / signed, 4) if signed else None,
            "open_sign_ins": sum(1 for s in mine if s.open_end),
            "ratings": {
                "count": len(given),
                "mean": round(sum(given) / len(given), 2) if given else None,
                "good_share": round((len(given) - bad) / len(given), 4) if given else None,
                "bad": bad,
            },
        }
    return figures
