"""The director's console frame (/admin/{hall}) in a real browser: who may open
it, read-only for a supervisor, and the audit section with its export."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_page import PASSWORD, add_member, sign_in
from tests.live import LiveServer
from tests.server.conftest import ID_CARD

pytestmark = pytest.mark.browser


def test_an_admin_lands_on_the_console_and_reads_the_audit(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    add_member(live_server, "M001", "admin")
    ticket = live_server.api(
        "POST", "/api/halls/live/tickets", json={"service": ID_CARD}, token=tokens["kiosk"]
    )
    live_server.api(
        "POST", f"/api/halls/live/tickets/{ticket['number']}/cancel", token=tokens["supervisor"]
    )
    page.goto(f"{live_server.url}/login?hall=live")
    sign_in(page, "M001")
    page.wait_for_url(f"{live_server.url}/admin/live")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    expect(page.locator("#who")).to_contain_text("工号 M001")
    page.click("#nav-audit")
    row = page.locator("#audit-table tbody tr").last  # after the set-up's window.put
    expect(row).to_contain_text("取消号码")  # the code in the hall's words
    expect(row).to_contain_text(ticket["number"])
    page.screenshot(path=tmp_path / "admin-audit.png", full_page=True)
    with page.expect_download() as download:
        page.click("#audit-csv")
    assert "ticket.cancel" in Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_a_supervisor_reads_but_cannot_change_and_a_clerk_is_turned_away(
    live_server: LiveServer, page: Page
) -> None:
    live_server.setup_hall()
    add_member(live_server, "S001", "supervisor")
    add_member(live_server, "C001", "clerk")
    page.goto(f"{live_server.url}/login?hall=live&next=/admin/live%23audit")
    sign_in(page, "S001")
    page.wait_for_url(f"{live_server.url}/admin/live#audit")
    expect(page.locator("#readonly-note")).to_be_visible()
    expect(page.locator("#audit-date")).to_be_enabled()  # reading other days stays possible
    page.click("#logout")
    page.wait_for_url(f"{live_server.url}/login?hall=live")
    sign_in(page, "C001", PASSWORD)
    expect(page.locator("#who")).to_contain_text("工号 C001")
    page.goto(f"{live_server.url}/admin/live")
    expect(page.locator("#fatal")).to_contain_text("只有本大厅的管理员和值班主管")
    expect(page.locator("#to-login")).to_be_visible()


def test_a_city_admin_lands_on_the_city_view_and_opens_a_hall(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    live_server.setup_hall()
    live_server.setup_hall("east", windows=1)
    add_member(live_server, "CITY1", "city_admin")
    page.goto(f"{live_server.url}/login?hall=live")
    sign_in(page, "CITY1")
    page.wait_for_url(f"{live_server.url}/admin")
    expect(page.locator("tr[data-hall]")).to_have_count(2)
    page.screenshot(path=tmp_path / "city.png", full_page=True)
    page.locator('tr[data-hall="east"] a').click()
    page.wait_for_url(f"{live_server.url}/admin/east")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    expect(page.locator("#who")).to_contain_text("工号 CITY1")
    expect(page.locator("#readonly-note")).to_be_hidden()


def test_a_hall_that_does_not_exist_is_said_so(live_server: LiveServer, page: Page) -> None:
    live_server.setup_hall()
    page.goto(f"{live_server.url}/admin/nohall?token={live_server.admin['Authorization'][7:]}")
    expect(page.locator("#fatal")).to_contain_text("nohall")
    expect(page.locator("#fatal")).not_to_contain_text("只有本大厅")
