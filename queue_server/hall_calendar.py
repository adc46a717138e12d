"""The national holiday calendar (and what to say of the years it does not
know), and a hall's stored hours as an `Hours`.

The only module that imports `chinese_calendar` (法定节假日 and 调休 working
weekends as the State Council announces them each year; the library knows
the years up to its release, a newer release adds the next year). `hours.py`
stays pure: it is handed the calendar as plain sets of dates.
"""

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

import chinese_calendar

from .hours import (
    HolidayCalendar,
    Hours,
    parse_extension,
    parse_extra_sessions,
    parse_hours,
)

NATIONAL = "cn"
# The 专项服务 keys this module reads in HallRow.specials (other keys belong to others).
EXTRA_SESSIONS = "extra_sessions"
EXTENDED = "extended"


@cache
def national() -> HolidayCalendar:
    """China's calendar as the installed chinese-calendar release knows it."""
    days_off: dict[date, str] = {d: _zh(h) for d, h in chinese_calendar.holidays.items()}
    workdays: dict[date, str] = {d: _zh(h) for d, h in chinese_calendar.workdays.items()}
    years = [d.year for d in days_off]
    return HolidayCalendar(
        name=NATIONAL,
        days_off=days_off,
        workdays=workdays,
        first_year=min(years),
        last_year=max(years),
    )


def _zh(english: str) -> str:
    """The holiday's Chinese name (the library keys them by their English one)."""
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def calendar_named(name: str | None) -> HolidayCalendar | None:
    return national() if name == NATIONAL else None


def unknown_warning(calendar: HolidayCalendar | None, first: date, days: int = 0) -> str | None:
    """What to tell a hall whose holiday calendar holds no data for some day from
    `first` to `days` later (None: it covers them, or the hall follows none):
    the hall view says it for the days ahead, the staffing advice for its day."""
    if calendar is None:
        return None
    unknown = calendar.first_unknown(first, days)
    if unknown is None:
        return None
    if unknown.year < calendar.first_year:  # the staffing advice asked about a year long past
        return (
            f"节假日日历从 {calendar.first_year} 年起收录：{unknown.year} 年的法定节假日和调休安排"
            "未收录，这些日期按每周办公时间计算"
        )
    return (
        f"节假日日历只收录到 {calendar.last_year} 年：{unknown.year} 年的法定节假日和调休安排"
        "尚未收录，这些日期按每周办公时间办公。请升级节假日日历（chinese-calendar），"
        "或把放假日期加入「不办公日期」"
    )


def stored_hours(hours: Mapping[str, Any] | None, specials: Mapping[str, Any] | None) -> Hours:
    """The hall's hours from its row: `hours` JSON and the 专项服务 keys of `specials`."""
    hours, specials = hours or {}, specials or {}
    parsed = parse_hours(hours.get("weekly", {}), hours.get("closed_dates", []))
    return Hours(
        weekly=parsed.weekly,
        closed_dates=parsed.closed_dates,
        calendar=calendar_named(hours.get("holidays")),
        extra=parse_extra_sessions(specials.get(EXTRA_SESSIONS) or []),
        extension=parse_extension(specials.get(EXTENDED)),
    )
