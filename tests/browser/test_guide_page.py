"""The 导办 desk in a real browser (issue 14), on a tablet (1280x800): a member
signs in, finds an item by pinyin initials, reads its materials and the
estimate, and issues a ticket with a pre-check note on a temporary green
channel; the clerk console calls it and shows the note."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import RECORD_STATES, WAIT_MS
from tests.browser.test_visitor_pages import PORTRAIT, choose, kiosk_url, open_page, screen
from tests.live import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "s3cret-Pass-Word"
TABLET = {"width": 1280, "height": 800}
NOTE = "户口簿已核，需现场采集相片"


@pytest.fixture
def tablet(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET, locale="zh-CN", timezone_id="UTC")
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(RECORD_STATES)
    errors: list[str] = []
    new = context.new_page()
    new.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield new
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"


def open_gaokao_channel(server: LiveServer, label: str = "高考考生", days: int = 0) -> None:
    """A channel for 居民身份证换领 over five days from `days` days on."""
    start = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=days)
    body = {
        "group_label": label,
        "services": ["HZ-SFZ-HL"],
        "from": start.isoformat(),
        "to": (start + timedelta(days=5)).isoformat(),
    }
    server.api("POST", "/api/halls/live/green-channels", json=body)


def test_a_greeter_finds_an_item_and_issues_with_a_note_the_clerk_sees(
    live_server: LiveServer, tablet: Page, page: Page, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    member = {"staff_no": "D001", "name": "赵导办", "role": "clerk", "password": PASSWORD}
    live_server.api("POST", "/api/halls/live/staff", json=member)
    open_gaokao_channel(live_server)
    live_server.api("POST", "/api/halls/live/windows/2/open", token=tokens["window-2"])
    for _ in range(2):  # people already waiting: the estimate has something to say
        live_server.api(
            "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": "HZ-SFZ-HL"}
        )

    tablet.goto(f"{live_server.url}/guide/live")
    expect(tablet.locator("#signin")).to_be_visible()
    tablet.click("#login-link")
    tablet.fill("#staff_no", "D001")
    tablet.fill("#password", PASSWORD)
    tablet.click("#submit")
    tablet.wait_for_url(f"{live_server.url}/guide/live")
    expect(tablet.locator("body")).to_have_attribute("data-state", "ready")
    expect(tablet.locator("#who")).to_have_text("工号 D001 赵导办")

    tablet.fill("#guide-search", "sfzhl")
    items = tablet.locator("#guide-items .item")
    expect(items.first).to_contain_text("居民身份证换领")
    items.first.click()
    expect(tablet.locator("#item-materials li").first).to_have_text("本人居民户口簿")
    expect(tablet.get_by_test_id("guide-estimate")).to_contain_text("前面约 2 人，预计等候约")
    tablet.fill("#guide-note", "联系电话 13812345678")
    tablet.select_option("#guide-group", label="专项服务：高考考生")
    tablet.screenshot(path=tmp_path / "guide-item.png")
    tablet.click("#guide-issue")
    expect(tablet.locator("#guide-error")).to_contain_text("不能填写手机号码")
    tablet.fill("#guide-note", NOTE)
    tablet.click("#guide-issue")
    result = tablet.get_by_test_id("guide-result")
    expect(result).to_be_visible()
    expect(tablet.locator("#result-green")).to_be_visible()
    number = tablet.locator("#result-number").inner_text()
    assert number.startswith("A")
    tablet.screenshot(path=tmp_path / "guide-issued.png")
    tablet.click("#guide-next")  # the next visitor, no green channel: no green mark
    tablet.fill("#guide-search", "sfzhl")
    items.first.click()
    tablet.click("#guide-issue")
    expect(result).to_be_visible()
    expect(tablet.locator("#result-number")).not_to_have_text(number)
    expect(tablet.locator("#result-green")).to_be_hidden()

    # The clerk at window 1 calls: the green channel goes first, the note shows.
    page.goto(f"{live_server.url}/window/live/1?token={tokens['window-1']}")
    expect(page.locator("body")).to_have_attribute("data-window-state", "closed")
    page.keyboard.press("o")
    expect(page.locator("body")).to_have_attribute("data-window-state", "open")
    expect(page.locator("body")).to_have_attribute("data-busy", "")  # the open's answer is in
    page.keyboard.press("Space")
    expect(page.locator("#ticket-number")).to_have_text(number)
    expect(page.get_by_test_id("guide-note")).to_be_visible()
    expect(page.locator("#guide-note-text")).to_have_text(NOTE)
    page.screenshot(path=tmp_path / "clerk-note.png")

    audit = live_server.api("GET", "/api/halls/live/audit")["records"]
    issued = [r for r in audit if r["action"] == "ticket.issue_for"]
    assert (issued[0]["actor"], issued[0]["target"]) == ("clerk:staff D001@live", number)
    assert issued[0]["after"]["special"] == "高考考生"


def test_an_admin_opens_and_removes_a_temporary_green_channel(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    live_server.setup_hall()
    member = {"staff_no": "M001", "name": "钱主任", "role": "admin", "password": PASSWORD}
    live_server.api("POST", "/api/halls/live/staff", json=member)
    page.goto(f"{live_server.url}/login?hall=live&next=/admin/live%23specials")
    page.fill("#staff_no", "M001")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{live_server.url}/admin/live#specials")
    expect(page.locator("#specials-table")).to_contain_text("尚未开设临时绿色通道")
    page.fill("#gc-label", "高考考生")
    page.select_option("#gc-services", ["HZ-SFZ-HL", "HZ-SFZ-BL"])
    page.click("#gc-add")
    row = page.locator("#specials-table tbody tr").first
    expect(row).to_contain_text("居民身份证换领、居民身份证补领")
    expect(row.get_by_test_id("channel-status")).to_have_text("进行中")
    page.screenshot(path=tmp_path / "admin-specials.png", full_page=True)
    running = live_server.api("GET", "/api/halls/live/green-channels")["green_channels"]
    assert [c["group_label"] for c in running] == ["高考考生"]
    page.fill("#gc-label", "退伍军人")
    page.fill("#gc-from", "2026-12-10")
    page.fill("#gc-to", "2026-12-01")
    page.select_option("#gc-services", ["HZ-SFZ-HL"])
    page.click("#gc-add")
    expect(page.locator("#status")).to_have_text("结束日期不能早于开始日期")
    row.get_by_test_id("channel-remove").click()
    expect(row.get_by_test_id("channel-remove")).to_have_text("确认撤销")
    row.get_by_test_id("channel-remove").click()
    expect(page.locator("#specials-table")).to_contain_text("尚未开设临时绿色通道")
    actions = [r["action"] for r in live_server.api("GET", "/api/halls/live/audit")["records"]]
    assert actions[-2:] == ["green_channel.add", "green_channel.remove"]


def test_the_kiosk_offers_a_running_channel_for_its_items_only(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    open_gaokao_channel(live_server)
    open_gaokao_channel(live_server, "退伍军人", days=3)  # not yet: not offered
    with open_page(browser, PORTRAIT, touch=True) as kiosk:
        kiosk.goto(kiosk_url(live_server, tokens["kiosk"]))
        choose(kiosk, service="居民身份证首次申领")
        expect(kiosk.locator("#m-specials")).to_be_hidden()
        kiosk.locator("#back").tap()
        kiosk.locator("#services .tile", has_text="居民身份证换领").tap()
        offered = kiosk.locator("#m-specials button")
        expect(offered).to_have_count(1)
        expect(offered).to_contain_text("我是高考考生")
        offered.tap()
        expect(offered).to_have_attribute("aria-pressed", "true")
        kiosk.screenshot(path=tmp_path / "kiosk-special.png")
        kiosk.locator("#take").tap()
        screen(kiosk, "result")
        expect(kiosk.locator("#r-green")).to_be_visible()
        kiosk.locator("#r-done").tap()
        choose(kiosk)  # the next visitor starts without the claim
        expect(kiosk.locator("#m-specials button")).to_have_attribute("aria-pressed", "false")
        kiosk.locator("#take").tap()
        screen(kiosk, "result")
        expect(kiosk.locator("#r-green")).to_be_hidden()
