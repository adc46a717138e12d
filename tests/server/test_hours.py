"""The pure hours (`queue_server.hours`): which sessions a day has, by table,
with a hand-made holiday calendar (no library: the core is handed dates)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from queue_server.hours import (
    Extension,
    ExtraSession,
    HolidayCalendar,
    Hours,
    HoursError,
    parse_extra_sessions,
    parse_hours,
)

ZONE = ZoneInfo("Asia/Shanghai")
DAY = [["09:00", "12:00"], ["13:30", "17:00"]]
CALENDAR = HolidayCalendar(
    name="cn",
    days_off={date(2026, 10, 1): "国庆节", date(2026, 10, 3): "国庆节"},  # a Thursday, a Saturday
    workdays={date(2026, 10, 10): "国庆节"},  # a Saturday
    first_year=2026,
    last_year=2026,
)


def hours(**weekly: list[list[str]]) -> Hours:
    return parse_hours(weekly or {"mon": DAY, "thu": DAY, "sat": [["09:00", "11:00"]]}, [])


def spans(h: Hours, day: date, service: str | None = None) -> list[str]:
    return [f"{s:%H:%M}-{e:%H:%M}" for s, e in h.sessions(day, ZONE, service)]


@pytest.mark.parametrize(
    ("day", "with_calendar", "expected"),
    [
        (date(2026, 10, 1), False, ["09:00-12:00", "13:30-17:00"]),  # Thursday
        (date(2026, 10, 1), True, []),  # 国庆节
        (date(2026, 10, 3), True, []),  # a Saturday inside the holiday
        (date(2026, 10, 10), False, ["09:00-11:00"]),  # Saturday hours
        (date(2026, 10, 10), True, ["09:00-12:00", "13:30-17:00"]),  # 调休: Monday's hours
        # A year the calendar does not know: by the week (国庆 2027 is not known as one).
        (date(2027, 10, 2), True, ["09:00-11:00"]),  # Saturday
        (date(2027, 10, 4), True, ["09:00-12:00", "13:30-17:00"]),  # Monday
    ],
)
def test_the_calendar_decides_before_the_week(
    day: date, with_calendar: bool, expected: list[str]
) -> None:
    h = Hours(weekly=hours().weekly, calendar=CALENDAR if with_calendar else None)
    assert spans(h, day) == expected


def test_a_makeup_day_of_a_hall_closed_on_mondays_takes_the_first_weekday_with_hours() -> None:
    h = Hours(weekly=hours(tue=[["08:00", "12:00"]], wed=DAY).weekly, calendar=CALENDAR)
    assert spans(h, date(2026, 10, 10)) == ["08:00-12:00"]


def test_a_closed_date_wins_over_a_makeup_day_and_an_extra_session_over_both() -> None:
    extra = ExtraSession(date(2026, 10, 10), time(14, 0), time(16, 0), frozenset({"CRJ"}))
    h = Hours(
        weekly=hours().weekly,
        closed_dates=frozenset({date(2026, 10, 10)}),
        calendar=CALENDAR,
        extra=(extra,),
    )
    assert spans(h, date(2026, 10, 10)) == ["14:00-16:00"]
    assert spans(h, date(2026, 10, 10), "CRJ") == ["14:00-16:00"]
    assert spans(h, date(2026, 10, 10), "HZ") == []
    at = datetime(2026, 10, 10, 15, 0, tzinfo=ZONE)
    assert h.session_at(at, ZONE) is not None and h.session_at(at, ZONE, "HZ") is None
    assert h.extra_at(at, ZONE) == extra


def test_an_extra_session_touching_a_regular_one_makes_one_span() -> None:
    extra = ExtraSession(date(2026, 10, 5), time(17, 0), time(19, 0))
    h = Hours(weekly=hours().weekly, extra=(extra,))
    assert spans(h, date(2026, 10, 5)) == ["09:00-12:00", "13:30-19:00"]
    assert h.day_close(date(2026, 10, 5), ZONE) == datetime(2026, 10, 5, 19, 0, tzinfo=ZONE)


def test_the_extension_moves_the_end_of_service_of_its_day_only() -> None:
    h = Hours(weekly=hours().weekly, extension=Extension(date(2026, 10, 5), time(18, 30)))
    monday, thursday = date(2026, 10, 5), date(2026, 10, 8)
    assert h.day_close(monday, ZONE) == datetime(2026, 10, 5, 17, 0, tzinfo=ZONE)
    assert h.service_ends(monday, ZONE) == datetime(2026, 10, 5, 18, 30, tzinfo=ZONE)
    assert h.service_ends(thursday, ZONE) == datetime(2026, 10, 8, 17, 0, tzinfo=ZONE)
    assert h.service_ends(date(2026, 10, 6), ZONE) is None  # no sessions on Tuesday


def test_the_calendar_says_where_its_years_end() -> None:
    assert CALENDAR.first_unknown(date(2026, 9, 1), 60) is None
    assert CALENDAR.first_unknown(date(2026, 12, 1), 60) == date(2027, 1, 1)
    assert CALENDAR.first_unknown(date(2027, 3, 1), 60) == date(2027, 3, 1)


def test_extra_sessions_are_parsed_in_order_and_checked() -> None:
    parsed = parse_extra_sessions(
        [
            {"date": "2026-12-13", "start": "09:00", "end": "12:00"},
            {"date": "2026-12-12", "start": "14:00", "end": "16:00", "services": ["A"]},
        ]
    )
    assert [x.day.day for x in parsed] == [12, 13] and parsed[0].services == {"A"}
    with pytest.raises(HoursError, match="重叠"):
        parse_extra_sessions(
            [
                {"date": "2026-12-12", "start": "09:00", "end": "12:00"},
                {"date": "2026-12-12", "start": "11:59", "end": "13:00"},
            ]
        )
    with pytest.raises(HoursError, match="最多 100 个"):
        parse_extra_sessions([{"date": "2026-12-12", "start": "09:00", "end": "10:00"}] * 101)
