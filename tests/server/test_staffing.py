"""排班建议 (GET /api/halls/{hall}/staffing?date=, issue 18): the forecast reads
recorded tickets written through the store, weeks of the same weekday, with
the national calendar's holidays, 调休 days and the day after a long break."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from queue_server.hall_calendar import national, unknown_warning
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.done_rows import done_ticket
from tests.server.conftest import ID_CARD, Hall

ZONE = ZoneInfo("Asia/Shanghai")
PATH = "/api/halls/h1/staffing"
DAYS = {d: [["09:00", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def record(
    url: str, day: date, slots: dict[str, int], work_s: float = 600, hall: str = "h1"
) -> None:
    """`slots[HH:MM]` visitors took a ticket in that half-hour of `day` at `hall`
    (database `url`), each called 5 minutes later and done `work_s` after the call."""
    store = Store(url)
    try:
        with store.write() as tx:
            for hhmm, count in slots.items():
                hour, minute = map(int, hhmm.split(":"))
                for i in range(count):
                    issued = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)
                    issued += timedelta(seconds=20 * i)
                    called = issued + timedelta(minutes=5)
                    done = called + timedelta(seconds=work_s)
                    ticket_id = f"{day:%m%d}{hhmm.replace(':', '')}{i:03d}"
                    times = (issued, called, done)
                    number = f"A{i:03d}"
                    tx.s.add(done_ticket(ticket_id, hall, number, (ID_CARD, "household"), times, 1))
    finally:
        store.dispose()


def advice(hall: Hall, day: str | None = None, status: int = 200) -> Any:
    query = {"date": day} if day else {}
    return hall.ok(hall.c.get(PATH, params=query, headers=hall.supervisor), status)


@pytest.fixture
def weekdays(hall: Hall) -> Hall:
    hall.ok(
        hall.c.put(
            "/api/halls/h1/hours",
            json={"weekly": DAYS, "closed_dates": [], "holidays": "cn"},
            headers=hall.admin,
        )
    )
    return hall


def test_tomorrow_is_forecast_from_the_last_four_same_weekdays(
    weekdays: Hall, settings: Settings
) -> None:
    # The test clock is Wednesday 2026-11-25: tomorrow is a Thursday.
    for k, count in enumerate((10, 12, 14, 16, 40)):  # newest first; the 5th is too old
        record(
            settings.database_url,
            date(2026, 11, 19) - timedelta(weeks=k),
            {"09:00": count, "14:00": 6},
        )
    record(
        settings.database_url, date(2026, 11, 18), {"09:00": 90}
    )  # a Wednesday: not Thursday's history

    answer = advice(weekdays)
    assert answer["date"] == "2026-11-26" and answer["weekday"] == "周四"
    assert answer["kind"] == "ordinary" and answer["closed"] is False
    assert answer["calendar_warning"] is None  # a day the calendar knows
    assert answer["history"]["dates"] == ["2026-11-19", "2026-11-12", "2026-11-05", "2026-10-29"]
    slots = {s["start"]: s for s in answer["slots"]}
    assert sorted(slots) == list(slots) and min(slots) == "09:00" and max(slots) == "16:30"
    assert len(slots) == 13
    first = slots["09:00"]
    assert first["arrivals"] == 13.0 and first["work_minutes"] == 130.0  # 13 × 10 minutes
    # 4.3 windows of work: at least 5 windows, and the Erlang C wait they give.
    assert first["windows"] >= 5 and first["within_target_share"] >= 0.8
    assert 0 < first["mean_wait_minutes"] < 20
    assert slots["10:00"]["arrivals"] == 0 and slots["10:00"]["windows"] == 1
    assert slots["14:00"]["arrivals"] == 6.0
    assert answer["totals"]["window_hours"] == sum(s["windows"] for s in slots.values()) / 2
    assert answer["windows_available"] == 4  # window 4 takes only exit-entry items


def test_windows_that_cannot_take_the_days_items_are_not_counted(
    weekdays: Hall, settings: Settings
) -> None:
    """A hall of 户政 visitors whose windows 2-5 take only exit-entry items has
    one window for them: 8 windows' worth of work is short of 1, not of 5."""
    for n in (2, 3, 5):
        weekdays.put_window(n, {"label": f"{n}号出入境", "categories": ["exit_entry"]})
    for k in range(4):
        record(settings.database_url, date(2026, 11, 19) - timedelta(weeks=k), {"09:00": 24})
    answer = advice(weekdays)
    assert answer["windows_available"] == 1
    first = next(s for s in answer["slots"] if s["start"] == "09:00")
    assert first["windows"] >= 2 and first["short"] is True
    assert answer["totals"]["short_slots"] >= 1


def test_holidays_tiaoxiu_and_the_day_after_a_long_break(
    weekdays: Hall, settings: Settings
) -> None:
    # 2026: 中秋 25-27 Sep, 国庆 1-7 Oct, 调休 working Saturday 10 Oct.
    record(settings.database_url, date(2026, 9, 28), {"09:00": 30})  # Monday after the 中秋 break
    record(settings.database_url, date(2026, 9, 21), {"09:00": 10})  # an ordinary Monday
    record(settings.database_url, date(2026, 9, 24), {"09:00": 8})  # an ordinary Thursday

    makeup = advice(weekdays, "2026-10-10")
    assert makeup["kind"] == "makeup" and makeup["basis_weekday"] == "周一"
    assert makeup["history"]["dates"] == ["2026-09-21"]  # 28 Sep came after a break
    assert makeup["slots"][0]["arrivals"] == 10.0

    after = advice(weekdays, "2026-10-08")  # the Thursday after 国庆
    assert after["kind"] == "after_break" and after["uplift"] == 1.25
    assert after["history"]["dates"] == ["2026-09-24"]
    assert after["slots"][0]["arrivals"] == 10.0  # 8 × 1.25

    for closed in ("2026-10-01", "2026-11-28"):  # 国庆, a Saturday
        answer = advice(weekdays, closed)
        assert answer["closed"] is True and answer["slots"] == []
        assert answer["kind_zh"] == "不办公"


def test_a_day_past_the_holiday_calendar_is_planned_with_its_warning(
    weekdays: Hall, settings: Settings, clock: Clock
) -> None:
    """The calendar knows no holiday in a year past its last: the day is planned
    as the week has it, and the answer says so as the hall view does."""
    year = national().last_year + 1
    beyond = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).weekday() < 5)
    clock.now = datetime(beyond.year, beyond.month, beyond.day, tzinfo=ZONE)  # its weeks are past
    for k in range(1, 5):
        record(settings.database_url, beyond - timedelta(weeks=k), {"09:00": 10})
    answer = advice(weekdays, beyond.isoformat())
    assert answer["kind"] == "ordinary" and answer["slots"][0]["arrivals"] == 10.0
    warning = answer["calendar_warning"]
    assert warning.startswith(f"节假日日历只收录到 {year - 1} 年：{year} 年的法定节假日")
    saturday = beyond + timedelta(days=5 - beyond.weekday())
    closed = advice(weekdays, saturday.isoformat())
    assert closed["closed"] is True and closed["calendar_warning"] == warning
    weekdays.ok(
        weekdays.c.put(
            "/api/halls/h1/hours",
            json={"weekly": DAYS, "closed_dates": []},
            headers=weekdays.admin,
        )
    )
    assert advice(weekdays, beyond.isoformat())["calendar_warning"] is None  # no calendar


def test_today_still_running_is_not_history_for_next_week(
    weekdays: Hall, settings: Settings
) -> None:
    """Today (Wednesday 2026-11-25, 09:30) has its morning rush and nothing
    after: it is not yet what a Wednesday looks like, so next Wednesday's
    plan reads only the Wednesdays that have ended."""
    record(settings.database_url, date(2026, 11, 18), {"09:00": 10, "14:00": 6})
    record(settings.database_url, date(2026, 11, 25), {"09:00": 90})
    answer = advice(weekdays, "2026-12-02")
    assert answer["history"]["dates"] == ["2026-11-18"]
    assert {s["start"]: s["arrivals"] for s in answer["slots"]}["09:00"] == 10.0


def test_bad_dates_days_without_history_and_roles_are_refused(hall: Hall) -> None:
    bad = hall.c.get(PATH, params={"date": "26-11-2026"}, headers=hall.supervisor)
    assert bad.status_code == 422 and "日期应写成" in bad.json()["message"]
    empty = hall.c.get(PATH, params={"date": "2026-11-24"}, headers=hall.supervisor)
    assert empty.status_code == 422 and empty.json()["error"] == "no_history"
    assert "没有可参考的历史记录" in empty.json()["message"]
    assert hall.c.get(PATH, headers=hall.windows[1]).status_code == 403
    assert hall.c.get(PATH, headers=hall.admin).status_code == 422  # the admin may ask


def test_a_year_before_the_calendar_is_told_as_such() -> None:
    calendar = national()
    long_ago = date(calendar.first_year - 1, 6, 1)
    warning = unknown_warning(calendar, long_ago)
    assert warning is not None
    assert warning.startswith(f"节假日日历从 {calendar.first_year} 年起收录：{long_ago.year} 年")
