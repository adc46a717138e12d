"""容缺受理 at the clerk's console (issue 15): the outcome asks for the missing
materials, the hall's follow-up list shows them with their due date, and
「材料已补齐」 closes one."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_staff_pages import (
    ID_CARD,
    action_button,
    expect_window_state,
    issue,
    open_clerk,
)
from tests.live import LiveServer

HALL = "live"


@pytest.mark.browser
def test_a_finish_with_gaps_lists_what_is_missing_until_it_arrives(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()
    ticket = issue(live_server, tokens, service=ID_CARD)
    open_clerk(page, live_server, tokens)
    action_button(page, "open").click()
    expect_window_state(page, "open")
    page.keyboard.press("Space")
    expect_window_state(page, "calling")
    action_button(page, "start").click()
    expect_window_state(page, "serving")
    page.keyboard.press("4")  # outcome 容缺受理
    expect(page.locator('button[data-outcome="容缺受理"]')).to_have_attribute(
        "aria-checked", "true"
    )
    page.keyboard.press("f")
    dialog = page.locator("dialog.picker")
    expect(dialog).to_contain_text("所缺的非核心材料")
    go = dialog.locator("button.pick-go")
    expect(go).to_be_disabled()  # nothing ticked yet
    dialog.locator("label.pick-check", has_text="原居民身份证").click()
    dialog.locator('input[aria-label="其他所缺材料"]').fill("户口簿复印件")
    expect(dialog.locator(".pick-summary")).to_contain_text("缺 2 项材料")
    go.click()
    expect_window_state(page, "open")
    item = page.locator("#followups li.followup")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(ticket["number"])
    expect(item).to_contain_text("缺：原居民身份证、户口簿复印件")
    expect(page.locator("#followups h2")).to_have_text("容缺待补 1 件")
    page.screenshot(path="/tmp/clerk-followups.png")
    stored = live_server.api("GET", f"/api/halls/{HALL}/followups", token=tokens["supervisor"])
    assert stored["followups"][0]["missing"] == ["原居民身份证", "户口簿复印件"]

    item.locator("button.followup-close").click()
    page.locator("dialog.picker button.pick-go").click()
    expect(page.locator("#message")).to_contain_text("容缺材料已补齐")
    expect(page.locator("#followups")).to_be_hidden()
