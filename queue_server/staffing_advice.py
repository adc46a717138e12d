"""排班建议 (GET /api/halls/{hall}/staffing?date=): arrivals and work per
half-hour forecast from the recorded days of the same weekday, and the windows
to open per half-hour so that 80 % of visitors are called within their item's
target wait. Reads the records and the hall's calendar, hands them to the pure
`forecast` and `staffing` (whose docstrings give the method)."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from .access import Principal, Role, require
from .domain import Hall, Service, Window
from .errors import InvalidInput
from .forecast import (
    KIND_ZH,
    SLOT_MINUTES,
    WEEKS,
    DayKind,
    DayRecord,
    Forecast,
    candidates,
    forecast,
    history,
    kind_of,
    open_slots,
    slot_of,
)
from .hall_calendar import unknown_warning
from .hours import WEEKDAYS, WEEKDAYS_ZH
from .reports import parse_date
from .staffing import TARGET_SHARE, Advice, advise, target_mix, window_hours
from .staffing_rows import Leg
from .transactions import Runner


def _minute(t: datetime, hall: Hall) -> float:
    local = t.astimezone(hall.zone)
    return local.hour * 60 + local.minute + local.second / 60


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def day_records(legs: Sequence[Leg], hall: Hall) -> dict[date, DayRecord]:
    """Per business day: visitors per slot of their first ticket, and the window
    seconds of every leg (first call to its end) in the slot it was issued in."""
    arrivals: defaultdict[date, dict[int, int]] = defaultdict(dict)
    work: defaultdict[date, dict[int, float]] = defaultdict(dict)
    for leg in legs:
        slot = slot_of(_minute(leg.issued_at, hall))
        day = leg.business_date
        if leg.first_leg:
            arrivals[day][slot] = arrivals[day].get(slot, 0) + 1
        if leg.first_called_at is not None and leg.finished_at is not None:
            seconds = max(0.0, (leg.finished_at - leg.first_called_at).total_seconds())
            work[day][slot] = work[day].get(slot, 0.0) + seconds
    return {d: DayRecord(d, arrivals[d], work[d]) for d in arrivals}


def able(windows: Sequence[Window], services: Collection[str], items: Mapping[str, Service]) -> int:
    """The windows that take at least one of `services` (the history's items):
    a window that takes only exit-entry items is no help on a day of 户政 ones."""
    kinds = [(s, items[s].category if s in items else "") for s in services]
    return sum(1 for w in windows if any(w.skills.accepts(s, c) for s, c in kinds))


class StaffingAdvice(Runner):
    def staffing(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        """The advice for `day` (default: tomorrow in the hall's zone)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        now = self.clock()
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = parse_date(day) if day else hall.business_date(now) + timedelta(days=1)
            all_windows = tx.windows(hall_id)
            kind = self._kind(hall, when)
            # A day past the calendar's years is planned as the week has it: say so.
            warning = unknown_warning(hall.hours.calendar, when)
            if kind is DayKind.CLOSED:
                return _closed(hall, when, len(all_windows), warning)
            # Only days that have ended are history: today's counts are still growing.
            today = hall.business_date(now)
            legs = tx.legs_on(hall_id, [d for d in candidates(when, kind) if d < today])
        items, targets = self.catalogue.for_hall(hall)
        records = day_records(legs, hall)
        used = history(when, kind, records, lambda d: self._kind(hall, d))
        if not used:
            raise InvalidInput(
                f"{when} 没有可参考的历史记录：此前 8 周的同一星期几（调休日按周一）"
                "没有正常办公且有取号记录的日子，无法预测",
                en=f"no history for {when}: no ordinary open day with tickets on the same "
                "weekday in the 8 weeks before",
                code="no_history",
            )
        base = [records[d] for d in used]
        spans = [
            (int(_minute(s, hall)), int(_minute(e, hall)))
            for s, e in hall.hours.sessions(when, hall.zone)
        ]
        guess = forecast(when, kind, base, open_slots(spans) if spans else None)
        mix = target_mix(
            [
                60.0 * targets.get(leg.service, 20)
                for leg in legs
                if leg.first_leg and leg.business_date in used
            ]
        )
        seen = {leg.service for leg in legs if leg.business_date in used}
        return _answer(hall, guess, used, mix, able(all_windows, seen, items), warning)

    def _kind(self, hall: Hall, day: date) -> DayKind:
        hours = hall.hours
        calendar = hours.calendar

        def is_open(d: date) -> bool:
            return hours.always_open or bool(hours.sessions(d, hall.zone))

        def is_makeup(d: date) -> bool:
            return calendar is not None and calendar.knows(d) and d in calendar.workdays

        return kind_of(day, is_open, is_makeup)


def _weekday(day: date | int) -> str:
    return f"周{WEEKDAYS_ZH[WEEKDAYS[day if isinstance(day, int) else day.weekday()]]}"


def _answer(
    hall: Hall,
    guess: Forecast,
    used: Sequence[date],
    mix: Mapping[float, float],
    windows: int,
    warning: str | None,
) -> dict[str, Any]:
    advice = advise(guess.slots, mix)
    return {
        "hall": hall.id,
        "date": guess.day.isoformat(),
        "weekday": _weekday(guess.day),
        "closed": False,
        "kind": guess.kind.value,
        "kind_zh": KIND_ZH[guess.kind],
        "basis_weekday": _weekday(guess.weekday),
        "uplift": guess.uplift,
        "calendar_warning": warning,
        "history": {
            "weeks": len(used),
            "wanted_weeks": WEEKS,
            "dates": [d.isoformat() for d in used],
        },
        "target": {
            "within_share": TARGET_SHARE,
            "mix": [
                {"target_minutes": round(t / 60), "share": round(p, 4)} for t, p in mix.items()
            ],
        },
        "windows_available": windows,
        "slots": [_slot(a, windows) for a in advice],
        "totals": _totals(advice, windows),
    }


def _slot(a: Advice, windows: int) -> dict[str, Any]:
    return {
        "start": _hhmm(a.start),
        "end": _hhmm(a.start + SLOT_MINUTES),
        "arrivals": round(a.arrivals, 1),
        "work_minutes": round(a.work_min, 1),
        "windows": a.windows,
        "short": a.windows > windows,
        "mean_wait_minutes": round(a.mean_wait_s / 60, 1),
        "within_target_share": round(a.within_share, 3),
    }


def _totals(advice: Sequence[Advice], windows: int) -> Mapping[str, Any]:
    return {
        "arrivals": round(sum(a.arrivals for a in advice), 1),
        "work_hours": round(sum(a.work_min for a in advice) / 60, 1),
        "window_hours": window_hours(advice),
        "peak_windows": max((a.windows for a in advice), default=0),
        "short_slots": sum(a.windows > windows for a in advice),
    }


def _closed(hall: Hall, when: date, windows: int, warning: str | None) -> dict[str, Any]:
    return {
        "hall": hall.id,
        "date": when.isoformat(),
        "weekday": _weekday(when),
        "closed": True,
        "kind": DayKind.CLOSED.value,
        "kind_zh": KIND_ZH[DayKind.CLOSED],
        "windows_available": windows,
        "slots": [],
        "calendar_warning": warning,
    }
