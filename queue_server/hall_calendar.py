"""The national holiday calendar, and a hall's stored hours as an `Hours`.

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
