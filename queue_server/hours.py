"""Opening hours: weekly sessions (a midday break splits a day), closed dates,
the national holiday calendar, 专项服务 extra sessions and today's 延时服务.

Pure (standard library only: the domain's Hall holds an `Hours`). Times are
wall-clock times in the hall's time zone; a hall without weekly hours is
always open (the demo hall, and tests, run at any hour). Malformed input
raises HoursError with a message a person can act on.

Which hours a day has, first rule that applies:
1. a closed date of the hall: none;
2. with the holiday calendar on and the day in a year it knows: a 法定节假日
   (or a day off around one): none; a 调休 working weekend: the hours of an
   ordinary working day, that is Monday's (the first weekday from Monday to
   Friday with hours, for a hall closed on Mondays). The calendar does not
   say which weekday a 调休 day stands for, and halls post one timetable for
   every working day, so that is the rule;
3. the weekday's hours.
Extra sessions (a weekend 延时服务专场) are added on their date whatever the
rules above say: the director set them for that very date. An extra session
may serve some items only; a regular session at the same time serves all.
The 延时服务 of a day (`Extension`) moves only the end of that day's service
for tickets already issued: no session is added, so no new ticket is taken.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_ZH = dict(zip(WEEKDAYS, "一二三四五六日", strict=True))
Session = tuple[time, time]
MAX_EXTRA_SESSIONS = 100
LABEL_MAX = 40


class HoursError(ValueError):
    """Malformed hours: the message in Chinese, `en` its English twin (this
    module sits below the domain's QueueError, which the caller raises)."""

    def __init__(self, message: str, *, en: str) -> None:
        super().__init__(message)
        self.en = en


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """A national calendar as a library knows it, for the years it covers."""

    name: str  # as the hall's hours name it: "cn"
    days_off: Mapping[date, str]  # 法定节假日 and the days off around them: the holiday
    workdays: Mapping[date, str]  # 调休 working weekends: the holiday they make up for
    first_year: int
    last_year: int

    def knows(self, day: date) -> bool:
        return self.first_year <= day.year <= self.last_year

    def first_unknown(self, today: date, days: int) -> date | None:
        """The first day from `today` to `days` later the calendar holds no data
        for (None when it covers them all): a hall must add those holidays as
        closed dates itself, until a newer calendar is installed."""
        if not self.knows(today):
            return today
        end = today + timedelta(days=days)
        return date(self.last_year + 1, 1, 1) if end.year > self.last_year else None

    def between(self, first: date, last: date) -> list[tuple[date, bool, str]]:
        """The calendar's days from `first` to `last`: (day, a working day?, holiday)."""
        days = [(d, False, name) for d, name in self.days_off.items() if first <= d <= last]
        days += [(d, True, name) for d, name in self.workdays.items() if first <= d <= last]
        return sorted(days)


@dataclass(frozen=True, slots=True)
class ExtraSession:
    """专项服务: a session outside the usual hours on one date, for some items or all."""

    day: date
    start: time
    end: time
    services: frozenset[str] | None = None  # None: every item the hall offers
    label: str = ""

    def serves(self, service: str | None) -> bool:
        return service is None or self.services is None or service in self.services


@dataclass(frozen=True, slots=True)
class Extension:
    """延时服务: on `day`, tickets already issued are served until `until`."""

    day: date
    until: time


@dataclass(frozen=True, slots=True)
class Hours:
    weekly: Mapping[int, tuple[Session, ...]] = field(default_factory=dict)  # 0 = Monday
    closed_dates: frozenset[date] = frozenset()
    calendar: HolidayCalendar | None = None  # None: the holiday calendar is off
    extra: tuple[ExtraSession, ...] = ()
    extension: Extension | None = None

    @property
    def always_open(self) -> bool:
        return not self.weekly

    def regular(self, day: date) -> tuple[Session, ...]:
        """The day's usual sessions (rules 1 to 3 of the module's docstring)."""
        if day in self.closed_dates:
            return ()
        calendar = self.calendar
        if calendar is not None and calendar.knows(day):
            if day in calendar.days_off:
                return ()
            if day in calendar.workdays:
                return next((self.weekly[d] for d in range(5) if d in self.weekly), ())
        return self.weekly.get(day.weekday(), ())

    def is_working_day(self, day: date) -> bool:
        """A 工作日 for deadlines (a case's 15 working days): Monday to Friday,
        minus the holidays and plus the 调休 weekends when the national calendar
        is on, minus the hall's closed dates; whatever the hall's own hours."""
        if day in self.closed_dates:
            return False
        calendar = self.calendar
        if calendar is not None and calendar.knows(day):
            if day in calendar.days_off:
                return False
            if day in calendar.workdays:
                return True
        return day.weekday() < 5

    def sessions(
        self, day: date, zone: ZoneInfo, service: str | None = None
    ) -> list[tuple[datetime, datetime]]:
        """The day's open sessions as aware datetimes, in order, overlapping ones
        merged; with `service`, only the sessions that serve it."""
        extra = [(x.start, x.end) for x in self.extra if x.day == day and x.serves(service)]
        return [
            (datetime.combine(day, start, zone), datetime.combine(day, end, zone))
            for start, end in _merged([*self.regular(day), *extra])
        ]

    def session_at(
        self, now: datetime, zone: ZoneInfo, service: str | None = None
    ) -> tuple[datetime, datetime] | None:
        """The session `now` falls in (one serving `service`, if given), or None."""
        for start, end in self.sessions(now.astimezone(zone).date(), zone, service):
            if start <= now < end:
                return start, end
        return None

    def extra_at(self, now: datetime, zone: ZoneInfo) -> ExtraSession | None:
        """The extra session `now` falls in, if any."""
        today = now.astimezone(zone).date()
        for x in self.extra:
            if x.day == today and _at(x.day, x.start, zone) <= now < _at(x.day, x.end, zone):
                return x
        return None

    def next_opening(
        self, now: datetime, zone: ZoneInfo, horizon_days: int = 60, service: str | None = None
    ) -> datetime | None:
        """The next session start after `now` within the horizon (None if none)."""
        today = now.astimezone(zone).date()
        for offset in range(horizon_days + 1):
            for start, _end in self.sessions(today + timedelta(days=offset), zone, service):
                if start > now:
                    return start
        return None

    def day_close(self, day: date, zone: ZoneInfo, service: str | None = None) -> datetime | None:
        """When the day's last session ends (None on a day without sessions)."""
        sessions = self.sessions(day, zone, service)
        return sessions[-1][1] if sessions else None

    def service_ends(self, day: date, zone: ZoneInfo) -> datetime | None:
        """When the day's service ends for tickets already issued: the close, or
        the day's 延时服务 if it is later (the end-of-day job waits for it)."""
        closes = self.day_close(day, zone)
        extension = self.extension
        if closes is None or extension is None or extension.day != day:
            return closes
        return max(closes, _at(day, extension.until, zone))


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, zone)


def _merged(spans: Sequence[Session]) -> Iterator[Session]:
    """The spans in order, those that overlap or touch made one."""
    current: Session | None = None
    for start, end in sorted(spans):
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


# ---------------------------------------------------------------- parsing


def parse_hours(weekly: Mapping[str, list[list[str]]], closed: list[str]) -> Hours:
    """From the API's shape: {"mon": [["09:00","12:00"],["13:30","17:00"]], …}, ["2026-10-01"]."""
    parsed: dict[int, tuple[Session, ...]] = {}
    for name, sessions in weekly.items():
        if name not in WEEKDAYS:
            raise HoursError(
                f"没有「{name}」这一天：星期请写成 {', '.join(WEEKDAYS)}",
                en=f"unknown weekday {name!r}; use {', '.join(WEEKDAYS)}",
            )
        where = (f"周{WEEKDAYS_ZH[name]}", name)
        spans = sorted(_span(where, pair) for pair in sessions)
        _no_overlap(where, spans)
        if spans:
            parsed[WEEKDAYS.index(name)] = tuple(spans)
    dates = frozenset(_date(d, "不办公日期", "closed dates") for d in closed)
    return Hours(weekly=parsed, closed_dates=dates)


def parse_extra_sessions(items: Sequence[Mapping[str, Any]]) -> tuple[ExtraSession, ...]:
    """From [{"date": "2026-12-12", "start": "09:00", "end": "12:00",
    "services": ["CRJ-GA-TXZ"] or null, "label": "…"}, …], in order."""
    if len(items) > MAX_EXTRA_SESSIONS:
        raise HoursError(
            f"专项服务时段最多 {MAX_EXTRA_SESSIONS} 个，请删去已过去的时段",
            en=f"at most {MAX_EXTRA_SESSIONS} extra sessions; remove past ones",
        )
    sessions = sorted((_extra(item) for item in items), key=lambda x: (x.day, x.start))
    for a, b in pairwise(sessions):
        if a.day == b.day and b.start < a.end:
            raise HoursError(
                f"{a.day} 的专项服务时段重叠（{a.end:%H:%M} 晚于 {b.start:%H:%M}）",
                en=f"{a.day}: extra sessions overlap ({a.end:%H:%M} > {b.start:%H:%M})",
            )
    return tuple(sessions)


def _extra(item: Mapping[str, Any]) -> ExtraSession:
    day = _date(item.get("date"), "专项服务日期", "an extra session's date")
    start, end = _span((str(day), str(day)), [item.get("start"), item.get("end")])
    services = item.get("services")
    return ExtraSession(
        day=day,
        start=start,
        end=end,
        services=None if services is None else frozenset(services),
        label=str(item.get("label") or "")[:LABEL_MAX],
    )


def parse_extension(stored: Mapping[str, Any] | None) -> Extension | None:
    """From {"date": "2026-12-05", "until": "18:30"} (None: no 延时服务)."""
    if not stored:
        return None
    day = _date(stored.get("date"), "延时服务日期", "the extension's date")
    return Extension(day=day, until=parse_time(stored.get("until"), ("延时至", "until")))


def parse_time(text: Any, where: tuple[str, str]) -> time:
    try:
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        raise HoursError(
            f"{where[0]}：时间应写成 09:00 这样的格式，而不是 {str(text)[:20]!r}",
            en=f"{where[1]}: times look like 09:00, not {str(text)[:20]!r}",
        ) from None


def _date(text: Any, what_zh: str, what_en: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise HoursError(
            f"{what_zh}应写成 2026-10-01 这样的格式，而不是 {str(text)[:20]!r}",
            en=f"{what_en} must look like 2026-10-01, not {str(text)[:20]!r}",
        ) from None


def _span(where: tuple[str, str], pair: Sequence[Any]) -> Session:
    if len(pair) != 2:
        raise HoursError(
            f"{where[0]}：每个时段写成 [开始, 结束]，例如 ['09:00', '12:00']",
            en=f"{where[1]}: a session is [start, end], e.g. ['09:00', '12:00']",
        )
    start, end = parse_time(pair[0], where), parse_time(pair[1], where)
    if not start < end:
        raise HoursError(
            f"{where[0]}：时段的结束时间应晚于开始时间（{pair[0]}-{pair[1]}）",
            en=f"{where[1]}: a session must end after it starts ({pair[0]}-{pair[1]})",
        )
    return start, end


def _no_overlap(where: tuple[str, str], spans: Sequence[Session]) -> None:
    for (_s1, e1), (s2, _e2) in pairwise(spans):
        if s2 < e1:
            raise HoursError(
                f"{where[0]}的时段重叠（{e1:%H:%M} 晚于 {s2:%H:%M}）",
                en=f"{where[1]}: sessions overlap ({e1:%H:%M} > {s2:%H:%M})",
            )


# ---------------------------------------------------------------- as JSON


def hours_json(hours: Hours) -> dict[str, object]:
    """The hall's stored and shown hours (`holidays`: the calendar's name, or None)."""
    return {
        "weekly": {
            WEEKDAYS[d]: [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in sessions]
            for d, sessions in sorted(hours.weekly.items())
        },
        "closed_dates": sorted(d.isoformat() for d in hours.closed_dates),
        "holidays": hours.calendar.name if hours.calendar is not None else None,
    }


def extra_json(sessions: Sequence[ExtraSession]) -> list[dict[str, Any]]:
    return [
        {
            "date": x.day.isoformat(),
            "start": f"{x.start:%H:%M}",
            "end": f"{x.end:%H:%M}",
            "services": None if x.services is None else sorted(x.services),
            "label": x.label,
        }
        for x in sessions
    ]


def extension_json(extension: Extension | None) -> dict[str, str] | None:
    if extension is None:
        return None
    return {"date": extension.day.isoformat(), "until": f"{extension.until:%H:%M}"}
