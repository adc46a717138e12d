"""排班建议 on the supervisor console, in Chromium: four recorded weeks of the
same weekday as tomorrow, then the dialog's bars and table for tomorrow; a day
past the holiday calendar's years carries its warning."""

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from queue_server.hall_calendar import national
from tests.live import LiveServer
from tests.server.test_staffing import record

HALL = "live"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.mark.browser
def test_the_supervisor_reads_tomorrow_s_windows_per_half_hour(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()
    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    for k in range(1, 5):
        slots = {"09:00": 20 + 2 * k, "09:30": 30, "10:00": 24, "14:00": 12, "16:30": 4}
        record(live_server.database_url, tomorrow - timedelta(weeks=k), slots, hall=HALL)

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/supervisor/{HALL}?token={tokens['supervisor']}")
    page.locator("#staffing-open").click()
    dialog = page.locator("#staffing")
    expect(dialog.locator(".staffing-table")).to_be_visible()
    assert page.locator("#staffing-date").input_value() == tomorrow.isoformat()
    sub = page.locator("#staffing-sub").inner_text()
    assert "普通工作日" in sub and (tomorrow - timedelta(weeks=1)).isoformat() in sub
    first = dialog.locator('tr[data-start="09:00"] td').all_inner_texts()
    assert first[0] == "09:00-09:30" and first[1] == "25.0"  # (22+24+26+28)/4
    # 250 window-minutes in 30: more than 8 windows, more than the hall's 3.
    assert int(first[3].split("（")[0]) >= 9 and first[3].endswith("（超出窗口数）")
    assert "超出能办这些事项的窗口数（3）" in sub
    expect(page.locator("#staffing-warning")).to_be_hidden()  # the hall follows no calendar
    assert dialog.locator(".staffing-chart rect.bar").count() == 5
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "supervisor-staffing.png"))

    page.locator("#staffing-date").fill(tomorrow.replace(year=tomorrow.year - 1).isoformat())
    page.locator("#staffing-look").click()
    expect(dialog.locator(".picker-text")).to_contain_text("没有可参考的历史记录")

    # With the national calendar, a day in a year it does not know yet.
    week = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    body = {"weekly": week, "closed_dates": [], "holidays": "cn"}
    live_server.api("PUT", f"/api/halls/{HALL}/hours", json=body)
    beyond = date(national().last_year + 1, 1, 4)
    for k in range(1, 5):
        record(live_server.database_url, beyond - timedelta(weeks=k), {"11:00": 10}, hall=HALL)
    page.locator("#staffing-date").fill(beyond.isoformat())
    page.locator("#staffing-look").click()
    expect(page.locator("#staffing-warning")).to_contain_text(
        f"节假日日历只收录到 {beyond.year - 1} 年"
    )
    expect(dialog.locator(".staffing-table")).to_be_visible()
