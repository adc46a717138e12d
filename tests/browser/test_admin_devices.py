"""The console's devices section in a real browser (issue 14): an admin makes a
display credential, the one-time link turns a second browser into the hall's
display, revoking it refuses the display at once, and the link does not open
twice. The city view (/admin) lists the halls."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import FULL_HD, WAIT_MS
from tests.browser.test_login_page import add_member, sign_in
from tests.live import LiveServer
from tests.server.conftest import ID_CARD

pytestmark = pytest.mark.browser


def device_page(browser: Browser) -> Page:
    """A second browser (the device): its own storage, no staff session."""
    context = browser.new_context(viewport=FULL_HD, locale="zh-CN", timezone_id="UTC")
    context.set_default_timeout(WAIT_MS)
    return context.new_page()


def test_a_display_is_handed_over_by_link_and_revoked_at_once(
    live_server: LiveServer, page: Page, browser: Browser, tmp_path: Path
) -> None:
    live_server.setup_hall()
    add_member(live_server, "M001", "admin")
    page.goto(f"{live_server.url}/login?hall=live&next=/admin/live%23devices")
    sign_in(page, "M001")
    page.wait_for_url(f"{live_server.url}/admin/live#devices")
    page.select_option("#device-kind", "evaluator")
    expect(page.locator("#device-window")).to_be_visible()
    page.select_option("#device-kind", "display")
    expect(page.locator("#device-window")).to_be_hidden()
    page.fill("#device-label", "大厅综合屏")
    page.click("#device-create")
    link = page.locator("#device-link")
    expect(link).to_contain_text("/device/claim/")
    expect(page.locator("#device-qr")).to_be_visible()
    row = page.locator("#devices-table tr", has_text="大厅综合屏")
    expect(row).to_contain_text("待启用")
    page.screenshot(path=tmp_path / "devices-created.png", full_page=True)
    url = link.inner_text()

    device = device_page(browser)
    try:
        device.goto(url + "?beat_s=1")  # the link's page keeps nothing of the query
        expect(device.locator("#claim")).to_be_visible()
        device.screenshot(path=tmp_path / "claim.png")
        device.click("#claim")
        device.wait_for_url(f"{live_server.url}/display/live?token=*")
        expect(device.locator("body")).to_have_attribute("data-state", "live")
        kept = device.evaluate("localStorage.getItem('yichuang.device.live')")
        assert kept and '"page":"/display/live"' in kept
        device.screenshot(path=tmp_path / "display-live.png")
        # The page beats every 20 s; reload with ?beat_s=1 so the revocation shows soon.
        device.goto(device.url + "&beat_s=1")
        expect(device.locator("body")).to_have_attribute("data-state", "live")
        page.click("#devices-refresh")
        expect(row).to_contain_text("正常")
        expect(row).to_contain_text("刚刚")

        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="吊销").click()
        expect(row).to_contain_text("已吊销")
        expect(device.locator("#fatal")).to_be_visible()
        # The feed is closed at once (显示令牌无效或已被撤销), or the next heartbeat is refused.
        expect(device.locator("#fatal-message")).to_contain_text(re.compile("撤销|吊销"))
        expect(device.locator("body")).to_have_attribute("data-state", "error")
        device.screenshot(path=tmp_path / "display-revoked.png")
        page.screenshot(path=tmp_path / "devices-revoked.png", full_page=True)

        device.goto(url)
        device.click("#claim")
        expect(device.locator("#error")).to_contain_text("吊销")
        expect(device.locator("body")).to_have_attribute("data-state", "refused")
        device.screenshot(path=tmp_path / "claim-again.png")
    finally:
        device.context.close()


def test_a_link_opens_once_and_the_city_lists_its_halls(
    live_server: LiveServer, page: Page, browser: Browser, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    live_server.api("POST", "/api/halls/live/windows/1/open", token=tokens["window-1"])
    live_server.api(
        "POST", "/api/halls/live/tickets", json={"service": ID_CARD}, token=tokens["kiosk"]
    )
    made = live_server.api(
        "POST", "/api/halls/live/devices", json={"role": "kiosk", "label": "东门取号机"}
    )
    page.goto(made["link"])
    page.click("#claim")
    page.wait_for_url(f"{live_server.url}/kiosk/live?token=*")
    device = device_page(browser)
    try:
        device.goto(made["link"])
        device.click("#claim")
        expect(device.locator("#error")).to_contain_text("已经使用过")
        expect(device.locator("#claim")).to_be_hidden()
    finally:
        device.context.close()
    page.goto(f"{live_server.url}/admin?token=live-admin-token")
    hall = page.locator("#halls tr[data-hall=live]")
    expect(hall).to_contain_text("实时测试大厅")
    expect(hall.locator("td.waiting")).to_have_text("1")
    expect(hall).to_contain_text("1 / 3")
    expect(page.locator("#totals")).to_contain_text("共 1 个大厅，等候 1 人")
    expect(page.locator("#updated")).to_contain_text("更新于")
    page.screenshot(path=tmp_path / "city.png", full_page=True)
    hall.get_by_role("link", name="进入大厅管理").click()
    page.wait_for_url(f"{live_server.url}/admin/live?token=live-admin-token")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")


def test_a_supervisor_sees_faults_and_heartbeats_but_cannot_revoke(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    add_member(live_server, "S001", "supervisor")
    live_server.api(
        "POST",
        "/api/halls/live/devices/status",
        token=tokens["kiosk"],
        json={"state": "paper_out", "detail": "纸仓空"},
    )
    page.goto(f"{live_server.url}/login?hall=live&next=/admin/live%23devices")
    sign_in(page, "S001")
    page.wait_for_url(f"{live_server.url}/admin/live#devices")
    kiosk = page.locator("#devices-table tr", has_text="取号机")
    fault = kiosk.locator("td.fault")
    expect(fault).to_have_text("缺纸：纸仓空")
    expect(fault).to_have_css("color", "rgb(179, 38, 30)")
    expect(kiosk).to_contain_text("刚刚")
    expect(kiosk.get_by_role("button", name="吊销")).to_be_disabled()
    expect(page.locator("#device-create")).to_be_disabled()
    expect(page.locator("#devices-refresh")).to_be_enabled()
    page.screenshot(path=tmp_path / "devices-supervisor.png", full_page=True)
