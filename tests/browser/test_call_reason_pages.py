"""Why this ticket (issue 18) as people read it: the clerk sees why the number
was called, the lobby board shows a neutral line, the holder passed over reads
on the phone why the number called went first, and the supervisor's 叫号原因
dialog counts it, today's or, through its date picker, a past day's (recorded
in the store). With REASON_SHOTS=<dir>, the phone (390×844), the board and the
supervisor's dialog (1920×1080) are also saved there as PNGs, to look at.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import open_page
from tests.browser.past_day import Visit, hall_today, record
from tests.browser.test_staff_pages import HALL, expect_window_state, open_clerk
from tests.browser.test_visitor_pages import ELDER_ID, LANDSCAPE, PHONE
from tests.live import LiveServer

pytestmark = pytest.mark.browser


def shoot(page: Page, name: str) -> None:
    if shots := os.environ.get("REASON_SHOTS"):
        page.screenshot(path=str(Path(shots) / f"{name}.png"))


def test_a_green_channel_call_is_explained_to_the_clerk_the_hall_and_the_holder(
    live_server: LiveServer, browser: Browser, page: Page
) -> None:
    tokens = live_server.setup_hall(HALL)

    def take(**body: Any) -> Any:
        body = {"service": "HZ-SFZ-HL", **body}
        return live_server.api(
            "POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json=body
        )

    first = take()
    green = take(id_number=ELDER_ID)
    live_server.api("POST", f"/api/halls/{HALL}/windows/1/open", token=tokens["window-1"])
    open_clerk(page, live_server, tokens)
    page.keyboard.press("Space")  # 叫号: the green channel goes first

    reason = page.get_by_test_id("call-reason")
    expect(page.locator("#ticket-number")).to_have_text(green["number"])
    expect(reason).to_have_text("绿色通道优先")

    with open_page(browser, PHONE, touch=True) as phone:
        phone.goto(first["status_url"])
        line = phone.locator("#s-went li")
        expect(line).to_have_text(f"刚才叫的 {green['number']} 号为绿色通道，优先办理")
        expect(phone.locator("#s-ahead")).to_have_text("0")
        shoot(phone, "phone")

    with open_page(browser, LANDSCAPE) as board:
        board.goto(f"{live_server.url}/display/{HALL}?token={tokens['display']}")
        expect(board.locator("#latest-number")).to_have_text(green["number"])
        expect(board.locator("#latest-reason")).to_have_text("绿色通道优先办理")
        shoot(board, "board")
        text = board.locator("body").inner_text()
        assert "老" not in text and "76" not in text  # never who, nor why

    # The next call is in arrival order: the clerk and the board say so.
    page.keyboard.press("s")
    expect_window_state(page, "serving")
    page.keyboard.press("f")
    expect_window_state(page, "open")
    page.keyboard.press("Space")
    expect(page.locator("#ticket-number")).to_have_text(first["number"])
    expect(reason).to_have_text("等候最久")

    page.goto(f"{live_server.url}/supervisor/{HALL}?token={tokens['supervisor']}")
    page.locator("#reasons-open").click()
    figures = page.locator("#reasons-figures")
    expect(figures.locator("tr", has_text="绿色通道").first).to_contain_text("1")
    expect(page.locator("#reasons-day")).to_contain_text("不按取号先后 1 次")
    expect(figures).to_contain_text(green["number"])


def test_the_clerk_shows_no_tag_for_a_reason_it_does_not_know(
    live_server: LiveServer, page: Page
) -> None:
    """A newer server's reason, or one named like a property every object has
    ("constructor"), is no tag: never 「function Object() { [native code] }优先」."""
    tokens = live_server.setup_hall(HALL)
    open_clerk(page, live_server, tokens)
    tags = page.evaluate(
        """() => ["green", "by_number", "constructor", "toString", "__proto__",
                  "hasOwnProperty", "queue_jump", ["green"], 7, null]
                 .map((r) => ClerkCore.reasonTag(r))"""
    )
    assert tags == ["绿色通道优先", "指定叫号", "", "", "", "", "", "", "", ""]


def test_the_supervisor_reads_a_past_day_s_call_reasons_and_a_refusal(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall(HALL)
    today = hall_today()
    past = today - timedelta(days=2)
    visits = [
        Visit("A001", "09:00", 1),
        Visit("A002", "09:05", 1),
        Visit("A003", "09:06", 2, reason="green", passed=2),  # 8 minutes at the window
        Visit("A004", "09:30", 1),
    ]
    record(live_server.database_url, HALL, past, visits)

    page.goto(f"{live_server.url}/supervisor/{HALL}?token={tokens['supervisor']}")
    expect(page.locator("#kpi-issued")).to_have_text("0")  # today's figures are in
    page.locator("#reasons-open").click()
    picked = page.locator("#reasons-date")
    figures = page.locator("#reasons-figures")
    expect(picked).to_have_value(today.isoformat())
    expect(figures).to_have_text("今天还没有叫号")

    picked.fill(past.isoformat())
    day = page.locator("#reasons-day")
    expect(day).to_have_text(
        f"{past.isoformat()} · 叫号 4 次，其中不按取号先后 1 次，"
        "越过 2 人次，被越过者估计共多等 16分"
    )
    green = figures.locator("tr", has_text="绿色通道").first.locator("td")
    assert green.all_inner_texts() == ["绿色通道", "1", "2", "16分"]
    expect(figures.locator("tbody").nth(1)).to_contain_text("A003")
    shoot(page, "supervisor-reasons-past-day")

    picked.fill("1999-12-31")
    expect(figures).to_have_text("只能查 2000 至 2999 年的日子，1999-12-31 不在其中")
    expect(day).to_have_text("")
    shoot(page, "supervisor-reasons-refused")
