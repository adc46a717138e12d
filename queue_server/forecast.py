"""Arrivals and work per half-hour for a chosen day, from the recorded days of
the same weekday over recent weeks (issue 18, staffing advice).

Pure (standard library only): the caller reads the records and hands in how
the hall's calendar sees each date. The rules, and why:

- history: the same weekday over the last `WEEKS` weeks that were ordinary
  open days with records (looking back at most `LOOKBACK_WEEKS` weeks); a
  closed day, a 法定节假日, a 调休 working day and the first day after a long
  break are skipped, since none of them looks like an ordinary day of that
  weekday;
- a 调休 working day (a Saturday or Sunday worked to make up for a holiday) is
  forecast as a Monday: `hours` opens it with Monday's hours for the same
  reason (the calendar does not say which weekday it stands for, and the
  weekday of the week's first working day is the closest in volume);
- the first open day after `LONG_BREAK_DAYS` or more closed days in a row
  (the day after 国庆 or 春节) is the same weekday's forecast times
  `AFTER_BREAK_UPLIFT`: the people who would have come during the break come
  then. 1.25 is an assumption, not a measured figure (the simulated weeks the
  error is measured on have no holidays); a hall with such days on record can
  read its own ratio from the day report;
- each half-hour's forecast is the mean of the history days' arrivals (and
  work) in that half-hour: with 4 weeks the mean beats the median on the
  simulated weeks (see docs/performance.md, "Staffing advice").

Work is window-minutes: the window time the slot's visitors took from their
first call to the end of their ticket (walking up, recalls, handling).
"""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

SLOT_MINUTES = 30
WEEKS = 4
LOOKBACK_WEEKS = 8
LONG_BREAK_DAYS = 3
AFTER_BREAK_UPLIFT = 1.25
MONDAY = 0


class DayKind(StrEnum):
    CLOSED = "closed"
    ORDINARY = "ordinary"
    MAKEUP = "makeup"  # 调休 working day
    AFTER_BREAK = "after_break"  # the first open day after a long break


KIND_ZH = {
    DayKind.CLOSED: "不办公",
    DayKind.ORDINARY: "普通工作日",
    DayKind.MAKEUP: "调休工作日（按周一预测）",
    DayKind.AFTER_BREAK: "长假后首个工作日（上浮 25%）",
}


@dataclass(frozen=True, slots=True)
class DayRecord:
    """One recorded day: per slot (its start, minutes since midnight) the
    visitors who took a ticket then, and the window seconds their tickets took."""

    day: date
    arrivals: Mapping[int, int]
    work_s: Mapping[int, float]

    @property
    def total(self) -> int:
        return sum(self.arrivals.values())


@dataclass(frozen=True, slots=True)
class Slot:
    start: int  # minutes since midnight
    arrivals: float
    work_min: float  # window-minutes


@dataclass(frozen=True, slots=True)
class Forecast:
    day: date
    kind: DayKind
    weekday: int  # the weekday whose history it is (0 = Monday)
    history: tuple[date, ...]
    uplift: float
    slots: tuple[Slot, ...]

    @property
    def arrivals(self) -> float:
        return sum(s.arrivals for s in self.slots)


def slot_of(minute: float) -> int:
    """The start of the half-hour `minute` (since midnight) falls in."""
    return int(minute // SLOT_MINUTES) * SLOT_MINUTES


def kind_of(
    day: date, is_open: Callable[[date], bool], is_makeup: Callable[[date], bool]
) -> DayKind:
    """How the forecast treats `day` (the module's rules)."""
    if not is_open(day):
        return DayKind.CLOSED
    if is_makeup(day):
        return DayKind.MAKEUP
    shut = 0
    while shut < LONG_BREAK_DAYS and not is_open(day - timedelta(days=shut + 1)):
        shut += 1
    return DayKind.AFTER_BREAK if shut >= LONG_BREAK_DAYS else DayKind.ORDINARY


def basis_weekday(day: date, kind: DayKind) -> int:
    return MONDAY if kind is DayKind.MAKEUP else day.weekday()


def candidates(day: date, kind: DayKind, lookback: int = LOOKBACK_WEEKS) -> list[date]:
    """The dates of the basis weekday before `day`, newest first, `lookback` of them."""
    back = (day.weekday() - basis_weekday(day, kind)) % 7 or 7
    latest = day - timedelta(days=back)
    return [latest - timedelta(weeks=k) for k in range(lookback)]


def history(
    day: date,
    kind: DayKind,
    recorded: Collection[date],
    kind_on: Callable[[date], DayKind],
    weeks: int = WEEKS,
) -> list[date]:
    """The ordinary recorded days the forecast of `day` averages, newest first."""
    usable = [d for d in candidates(day, kind) if d in recorded and kind_on(d) is DayKind.ORDINARY]
    return usable[:weeks]


def forecast(
    day: date,
    kind: DayKind,
    records: Sequence[DayRecord],
    slots: Sequence[int] | None = None,
) -> Forecast:
    """The mean per slot of `records` (the history days), times the uplift of a
    day after a long break; over `slots` (the day's open half-hours) if given,
    else over every slot a history day had arrivals in."""
    uplift = AFTER_BREAK_UPLIFT if kind is DayKind.AFTER_BREAK else 1.0
    starts = sorted(slots if slots is not None else {s for r in records for s in r.arrivals})
    n = max(1, len(records))
    return Forecast(
        day=day,
        kind=kind,
        weekday=basis_weekday(day, kind),
        history=tuple(r.day for r in records),
        uplift=uplift,
        slots=tuple(
            Slot(
                start=s,
                arrivals=uplift * sum(r.arrivals.get(s, 0) for r in records) / n,
                work_min=uplift * sum(r.work_s.get(s, 0.0) for r in records) / n / 60,
            )
            for s in starts
        ),
    )


def open_slots(sessions: Sequence[tuple[int, int]]) -> list[int]:
    """The half-hours (starts) that overlap the day's sessions (minutes since midnight)."""
    starts: set[int] = set()
    for start, end in sessions:
        starts.update(range(slot_of(start), end, SLOT_MINUTES))
    return sorted(starts)


@dataclass(frozen=True, slots=True)
class Error:
    """A forecast against what came: WAPE (Σ|f - a| / Σa) and MAPE (mean of
    |f - a| / a over the slots with arrivals), per slot and of the daily totals."""

    slot_wape: float
    slot_mape: float
    day_wape: float
    day_mape: float


def error(pairs: Sequence[tuple[Forecast, DayRecord]]) -> Error:
    """The forecasts' error against the days that came (slots with neither count 0)."""
    cells = [
        (s.arrivals, float(actual.arrivals.get(s.start, 0))) for f, actual in pairs for s in f.slots
    ]
    days = [(f.arrivals, float(actual.total)) for f, actual in pairs]
    return Error(
        slot_wape=_wape(cells),
        slot_mape=_mape(cells),
        day_wape=_wape(days),
        day_mape=_mape(days),
    )


def _wape(cells: Sequence[tuple[float, float]]) -> float:
    total = sum(a for _, a in cells)
    return sum(abs(f - a) for f, a in cells) / total if total else 0.0


def _mape(cells: Sequence[tuple[float, float]]) -> float:
    seen = [(f, a) for f, a in cells if a > 0]
    return sum(abs(f - a) / a for f, a in seen) / len(seen) if seen else 0.0
