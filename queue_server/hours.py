"""Opening hours: weekly sessions (a midday break splits a day) and closed dates.

Pure (standard library only: the domain's Hall holds an `Hours`). Times are
wall-clock times in the hall's time zone; a hall without hours is always open
(the demo hall, and tests, run at any hour). Malformed input raises
HoursError with a message a person can act on.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_ZH = dict(zip(WEEKDAYS, "一二三四五六日", strict=True))
Session = tuple[time, time]


class HoursError(ValueError):
    """Malformed hours: the message in Chinese, `en` its English twin (this
    module sits below the domain's QueueError, which the caller raises)."""

    def __init__(self, message: str, *, en: str) -> None:
        super().__init__(message)
        self.en = en


@dataclass(frozen=True, slots=True)
class Hours:
    weekly: Mapping[int, tuple[Session, ...]] = field(default_factory=dict)  # 0 = Monday
    closed_dates: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not self.weekly

    def sessions(self, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The day's open sessions as aware datetimes (none on a closed date)."""
        if day in self.closed_dates:
            return []
        return [
            (datetime.combine(day, start, zone), datetime.combine(day, end, zone))
            for start, end in self.weekly.get(day.weekday(), ())
        ]

    def session_at(self, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The session `now` falls in, or None when the hall is closed."""
        for start, end in self.sessions(now.astimezone(zone).date(), zone):
            if start <= now < end:
                return start, end
        return None

    def next_opening(
        self, now: datetime, zone: ZoneInfo, horizon_days: int = 60
    ) -> datetime | None:
        """The next session start after `now` within the horizon (None if none)."""
        for start, _end in self._upcoming(now, zone, horizon_days):
            if start > now:
                return start
        return None

    def day_close(self, day: date, zone: ZoneInfo) -> datetime | None:
        """When the day's last session ends (None on a day without sessions)."""
        sessions = self.sessions(day, zone)
        return sessions[-1][1] if sessions else None

    def _upcoming(
        self, now: datetime, zone: ZoneInfo, days: int
    ) -> Iterator[tuple[datetime, datetime]]:
        today = now.astimezone(zone).date()
        for offset in range(days + 1):
            yield from self.sessions(today + timedelta(days=offset), zone)


def parse_hours(weekly: Mapping[str, list[list[str]]], closed: list[str]) -> Hours:
    """From the API's shape: {"mon": [["09:00","12:00"],["13:30","17:00"]], …}, ["2026-10-01"]."""
    parsed: dict[int, tuple[Session, ...]] = {}
    for name, sessions in weekly.items():
        if name not in WEEKDAYS:
            raise HoursError(
                f"没有「{name}」这一天：星期请写成 {', '.join(WEEKDAYS)}",
                en=f"unknown weekday {name!r}; use {', '.join(WEEKDAYS)}",
            )
        spans = sorted(_session(name, pair) for pair in sessions)
        for (_s1, e1), (s2, _e2) in pairwise(spans):
            if s2 < e1:
                raise HoursError(
                    f"周{WEEKDAYS_ZH[name]}的时段重叠（{e1:%H:%M} 晚于 {s2:%H:%M}）",
                    en=f"{name}: sessions overlap ({e1:%H:%M} > {s2:%H:%M})",
                )
        if spans:
            parsed[WEEKDAYS.index(name)] = tuple(spans)
    try:
        dates = frozenset(date.fromisoformat(d) for d in closed)
    except ValueError as exc:
        raise HoursError(
            "不办公日期应写成 2026-10-01 这样的格式",
            en=f"closed dates must look like 2026-10-01: {exc}",
        ) from None
    return Hours(weekly=parsed, closed_dates=dates)


def _session(day: str, pair: list[str]) -> Session:
    if len(pair) != 2:
        raise HoursError(
            f"周{WEEKDAYS_ZH[day]}：每个时段写成 [开始, 结束]，例如 ['09:00', '12:00']",
            en=f"{day}: a session is [start, end], e.g. ['09:00', '12:00']",
        )
    try:
        start, end = time.fromisoformat(pair[0]), time.fromisoformat(pair[1])
    except ValueError:
        raise HoursError(
            f"周{WEEKDAYS_ZH[day]}：时间应写成 09:00 这样的格式，而不是 {pair!r}",
            en=f"{day}: times look like 09:00, not {pair!r}",
        ) from None
    if not start < end:
        raise HoursError(
            f"周{WEEKDAYS_ZH[day]}：时段的结束时间应晚于开始时间（{pair[0]}-{pair[1]}）",
            en=f"{day}: a session must end after it starts ({pair[0]}-{pair[1]})",
        )
    return start, end


def hours_json(hours: Hours) -> dict[str, object]:
    return {
        "weekly": {
            WEEKDAYS[d]: [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in sessions]
            for d, sessions in sorted(hours.weekly.items())
        },
        "closed_dates": sorted(d.isoformat() for d in hours.closed_dates),
    }
