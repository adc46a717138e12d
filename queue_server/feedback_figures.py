"""The 好差评 report's figures, from plain facts: pure, so it is tested directly.

For any grouping (`By`: the hall, a window, a staff member, an item, a day, a
month), from the facts the shell reads:

- ratings: count by grade, 好评率 = grades 3–5 / rated (GB/T 39734: 基本满意
  is 好评), 差评率 = grades 1–2 / rated, coverage = rated / served, and the
  reasons given for 差评;
- cases (by the day they opened): opened, dismissed (不实), withdrawn, founded
  (neither), 整改率 = founded cases rectified or further (rectified, called
  back, closed) / founded, 回访率 = founded cases with a 回访 step / founded,
  overdue now, and the mean days from opening to closing of the closed ones,
  in calendar days (fractional) and in the hall's working days;
- 最多跑一次 (`trips`): a done ticket is a second trip when the same person
  (the keyed ID hash, never the number) finished the same item before, within
  `repeat_visit_days`, and that previous visit ended in 补正材料 or 容缺受理.
  Only the person's previous visit for the item counts: once a visit got the
  matter done, a return is a new matter. Matters = done tickets that are not
  second trips; 一次办结率 = matters without a second trip / matters. A ticket
  without an ID hash cannot be matched: counted apart (`unmatched`), in no rate;
- 容缺受理 follow-ups (by the day they opened): accepted, closed, open, overdue
  (open past the due date).

Every rate is None when its denominator is 0, never a division error.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from .cases import BAD_GRADES, ENDED, GRADES, CaseStatus

RECTIFIED = frozenset({CaseStatus.RECTIFIED, CaseStatus.CALLED_BACK, CaseStatus.CLOSED})
UNFOUNDED = frozenset({CaseStatus.DISMISSED, CaseStatus.WITHDRAWN})
SENT_BACK = ("补正材料", "容缺受理")  # outcomes that send the visitor away to come back


class By(StrEnum):
    HALL = "hall"
    WINDOW = "window"
    STAFF = "staff"
    SERVICE = "service"
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Where:
    """Who and what a fact belongs to: its window, 工号, item and business day."""

    window: int | None
    staff_no: str | None
    service: str | None
    day: date

    def key(self, by: By) -> str:
        """The group this fact falls in ("" when the fact does not say)."""
        value: object = {
            By.HALL: "hall",
            By.WINDOW: self.window,
            By.STAFF: self.staff_no,
            By.SERVICE: self.service,
            By.DAY: self.day.isoformat(),
            By.MONTH: self.day.isoformat()[:7],
        }[by]
        return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Rated:
    where: Where
    score: int
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Trip:
    """A done ticket (one visit), with the person's keyed ID hash if known."""

    where: Where
    ticket_id: str
    finished_at: datetime
    id_hash: str | None
    sent_back: bool  # ended in 补正材料 or 容缺受理


@dataclass(frozen=True, slots=True)
class Case:
    where: Where  # day: the day it opened
    status: CaseStatus
    opened_at: datetime
    closed_at: datetime | None
    due_date: date
    called_back: bool


@dataclass(frozen=True, slots=True)
class Followup:
    where: Where  # day: the day it opened
    due_date: date
    closed_at: datetime | None


def sent_back(outcome: str | None) -> bool:
    """Whether a clerk's outcome sent the visitor away to return (补正材料, 容缺受理)."""
    return outcome is not None and outcome.strip().startswith(SENT_BACK)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rating_figures(rated: Sequence[Rated], served: int) -> dict[str, Any]:
    grades = Counter(r.score for r in rated)
    count = len(rated)
    bad = sum(grades[g] for g in BAD_GRADES)
    good = count - bad
    return {
        "served": served,
        "count": count,
        "by_grade": {str(g): grades[g] for g in GRADES},
        "mean": round(sum(r.score for r in rated) / count, 2) if count else None,
        "good": good,
        "bad": bad,
        "good_share": share(good, count),
        "bad_share": share(bad, count),
        "coverage": share(count, served),
        "bad_reasons": top_reasons(rated),
    }


def top_reasons(rated: Iterable[Rated], limit: int = 5) -> list[dict[str, Any]]:
    """The reasons given for 差评, most frequent first (then by name)."""
    counts = Counter(reason for r in rated if r.score in BAD_GRADES for reason in r.reasons)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"reason": reason, "count": n} for reason, n in ranked[:limit]]


WorkingDay = Callable[[date], bool]


def working_days_between(start: date, end: date, is_working: WorkingDay) -> int:
    """Working days after `start` up to and including `end` (0 on the same day)."""
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if is_working(date.fromordinal(start.toordinal() + n))
    )


def case_figures(
    cases: Sequence[Case], today: date, is_working: WorkingDay, local: Callable[[datetime], date]
) -> dict[str, Any]:
    """The cases' figures; `local` gives a time's date in the hall's zone."""
    founded = [c for c in cases if c.status not in UNFOUNDED]
    closed = [c for c in cases if c.status is CaseStatus.CLOSED and c.closed_at is not None]
    calendar = [(c.closed_at - c.opened_at).total_seconds() / 86400 for c in closed if c.closed_at]
    working = [
        working_days_between(local(c.opened_at), local(c.closed_at), is_working)
        for c in closed
        if c.closed_at
    ]
    rectified = sum(1 for c in founded if c.status in RECTIFIED)
    called_back = sum(1 for c in founded if c.called_back)
    return {
        "opened": len(cases),
        "dismissed": sum(1 for c in cases if c.status is CaseStatus.DISMISSED),
        "withdrawn": sum(1 for c in cases if c.status is CaseStatus.WITHDRAWN),
        "founded": len(founded),
        "rectified": rectified,
        "called_back": called_back,
        "closed": len(closed),
        "rectified_share": share(rectified, len(founded)),
        "callback_share": share(called_back, len(founded)),
        "overdue": sum(1 for c in cases if c.status not in ENDED and today > c.due_date),
        "mean_days_to_close": round(sum(calendar) / len(calendar), 1) if calendar else None,
        "mean_working_days_to_close": round(sum(working) / len(working), 1) if working else None,
    }


@dataclass(frozen=True, slots=True)
class Matter:
    """A person's matter for an item: its first visit and how many came after."""

    first: Trip
    trips: int = 1


def matters(trips: Iterable[Trip], repeat_visit_days: int) -> list[Matter]:
    """The matched trips (an ID hash known) grouped into matters (see the module)."""
    by_person: defaultdict[tuple[str, str | None], list[Trip]] = defaultdict(list)
    for trip in trips:
        if trip.id_hash is not None:
            by_person[(trip.id_hash, trip.where.service)].append(trip)
    found: list[Matter] = []
    for visits in by_person.values():
        visits.sort(key=lambda t: (t.finished_at, t.ticket_id))
        previous: Trip | None = None
        for trip in visits:
            back = (
                previous is not None
                and previous.sent_back
                and (trip.where.day - previous.where.day).days <= repeat_visit_days
            )
            if back:
                found[-1] = Matter(found[-1].first, found[-1].trips + 1)
            else:
                found.append(Matter(trip))
            previous = trip
    return found


def one_visit_figures(found: Sequence[Matter], unmatched: int) -> dict[str, Any]:
    once = sum(1 for m in found if m.trips == 1)
    return {
        "matters": len(found),
        "one_visit": once,
        "second_trips": sum(m.trips - 1 for m in found),
        "one_visit_share": share(once, len(found)),
        "unmatched": unmatched,
    }


def followup_figures(followups: Sequence[Followup], today: date) -> dict[str, Any]:
    still = [f for f in followups if f.closed_at is None]
    return {
        "accepted": len(followups),
        "closed": len(followups) - len(still),
        "open": len(still),
        "overdue": sum(1 for f in still if today > f.due_date),
    }


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a report reads, for the dates [start, end] (business days).

    `trips` may reach `repeat_visit_days` before `start` (to tell a second
    trip) and after `end` (to see a matter's later trips); only matters that
    began within the dates are reported."""

    start: date
    end: date
    today: date
    repeat_visit_days: int
    rated: Sequence[Rated]
    trips: Sequence[Trip]
    cases: Sequence[Case]
    followups: Sequence[Followup]


@dataclass(slots=True)
class _Bucket:
    """The facts of one group (or of the whole dates)."""

    rated: list[Rated] = field(default_factory=list)
    served: int = 0
    unmatched: int = 0
    cases: list[Case] = field(default_factory=list)
    matters: list[Matter] = field(default_factory=list)
    followups: list[Followup] = field(default_factory=list)


def report(
    facts: Facts, by: By, is_working: WorkingDay, local: Callable[[datetime], date]
) -> dict[str, Any]:
    """{"rows": {key: figures}, "total": figures}: one row per group with any fact."""

    def within(where: Where) -> bool:
        return facts.start <= where.day <= facts.end

    total = _Bucket()
    groups: defaultdict[str, _Bucket] = defaultdict(_Bucket)

    def buckets(where: Where) -> tuple[_Bucket, ...]:
        return (total, groups[where.key(by)]) if within(where) else ()

    for r in facts.rated:
        for bucket in buckets(r.where):
            bucket.rated.append(r)
    for t in facts.trips:
        for bucket in buckets(t.where):
            bucket.served += 1
            bucket.unmatched += t.id_hash is None
    for m in matters(facts.trips, facts.repeat_visit_days):
        for bucket in buckets(m.first.where):
            bucket.matters.append(m)
    for c in facts.cases:
        for bucket in buckets(c.where):
            bucket.cases.append(c)
    for f in facts.followups:
        for bucket in buckets(f.where):
            bucket.followups.append(f)

    def figures(bucket: _Bucket) -> dict[str, Any]:
        return {
            "ratings": rating_figures(bucket.rated, bucket.served),
            "cases": case_figures(bucket.cases, facts.today, is_working, local),
            "one_visit": one_visit_figures(bucket.matters, bucket.unmatched),
            "followups": followup_figures(bucket.followups, facts.today),
        }

    keys = sorted(groups, key=_key_order(by))
    return {"rows": {key: figures(groups[key]) for key in keys}, "total": figures(total)}


def _key_order(by: By) -> Callable[[str], tuple[int, int, str]]:
    """Windows by number, the rest as text; the group without a key last."""

    def order(key: str) -> tuple[int, int, str]:
        if key == "":
            return (1, 0, "")
        if by is By.WINDOW and key.isdigit():
            return (0, int(key), key)
        return (0, 0, key)

    return order


def labelled(rows: Mapping[str, Any], label: Callable[[str], str]) -> list[dict[str, Any]]:
    """The rows as a list, each with its key and the label a person reads."""
    return [{"key": key, "label": label(key)} | figures for key, figures in rows.items()]
