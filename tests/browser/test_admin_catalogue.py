"""The console's catalogue and policy sections in a real browser: an admin
switches an item off and the ticket machine stops offering it; edits an
item's materials and walk-in rule and the machine shows them; changes a
policy setting; a supervisor reads them without changing anything."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_login_page import add_member, sign_in
from tests.browser.test_visitor_pages import PORTRAIT, kiosk_url, open_page, screen
from tests.live import LiveServer
from tests.server.conftest import ID_CARD

pytestmark = pytest.mark.browser

FIRST_ID = "HZ-SFZ-SL"  # 居民身份证首次申领


def console(server: LiveServer, page: Page, section: str, staff_no: str = "M001") -> None:
    page.goto(f"{server.url}/login?hall=live&next=/admin/live%23{section}")
    sign_in(page, staff_no)
    page.wait_for_url(f"{server.url}/admin/live#{section}")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")


def offered(kiosk: Page) -> list[str]:
    """The hukou items the ticket machine offers, from its first screen."""
    kiosk.reload()
    screen(kiosk, "categories")
    kiosk.locator("#categories .tile", has_text="户政").tap()
    screen(kiosk, "services")
    return kiosk.locator("#services .tile .tile-name").all_inner_texts()


def test_an_admin_switches_an_item_off_and_the_kiosk_stops_offering_it(
    live_server: LiveServer, page: Page, browser: Browser, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    add_member(live_server, "M001", "admin")
    with open_page(browser, PORTRAIT, touch=True) as kiosk:
        kiosk.goto(kiosk_url(live_server, tokens["kiosk"]))
        assert "居民身份证换领" in offered(kiosk)

        console(live_server, page, "catalogue")
        row = page.locator(f"tr[data-code='{ID_CARD}']")
        expect(row).to_contain_text("居民身份证换领")
        page.fill("#catalogue-search", "身份证")
        expect(page.locator(".catalogue-group:visible")).to_have_count(1)
        page.get_by_test_id(f"enable-{ID_CARD}").uncheck()
        expect(page.locator("#status")).to_contain_text("已保存：居民身份证换领")
        expect(row).to_have_class(re.compile(r"\boff\b"))
        page.screenshot(path=tmp_path / "admin-catalogue.png", full_page=True)
        page.set_viewport_size({"width": 1366, "height": 768})  # a desk screen
        name = row.locator("td").nth(1)
        page.screenshot(path=tmp_path / "admin-catalogue-1366.png")
        assert (name.bounding_box() or {"width": 0})["width"] >= 150

        items = offered(kiosk)
        assert "居民身份证换领" not in items and "居民身份证首次申领" in items
        kiosk.screenshot(path=tmp_path / "kiosk-without-item.png")
    records = live_server.api("GET", "/api/halls/live/audit", token=tokens["supervisor"])
    (record,) = [r for r in records["records"] if r["action"] == "catalogue.item"]
    assert (record["action"], record["target"]) == ("catalogue.item", ID_CARD)
    assert (record["before"], record["after"]) == ({"enabled": True}, {"enabled": False})
    assert "M001" in record["actor"]


def test_a_kiosk_that_listed_an_item_switched_off_since_says_so_and_lists_again(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    with open_page(browser, PORTRAIT, touch=True) as kiosk:
        kiosk.goto(kiosk_url(live_server, tokens["kiosk"]))
        offered(kiosk)
        kiosk.locator("#services .tile", has_text="居民身份证换领").tap()
        screen(kiosk, "materials")
        live_server.api("PATCH", f"/api/halls/live/catalogue/{ID_CARD}", json={"enabled": False})
        kiosk.locator("#take").tap()
        screen(kiosk, "error")
        expect(kiosk.locator("#e-title")).to_have_text("本大厅暂不办理该事项")
        expect(kiosk.locator("#e-message")).to_contain_text("本大厅不办理「居民身份证换领」")
        kiosk.screenshot(path=tmp_path / "kiosk-refused.png")
        kiosk.locator("#e-home").tap()
        screen(kiosk, "categories")
        # The machine lists the hall's items again, with no reload.
        listed = live_server.api("GET", "/api/halls/live/catalogue")["services"]
        hukou = sum(1 for s in listed if s["category"] == "hukou" and s["enabled"])
        tile = kiosk.locator("#categories .tile", has_text="户政")
        expect(tile).to_contain_text(f"{hukou} 项业务")
        tile.tap()
        screen(kiosk, "services")
        expect(kiosk.locator("#services .tile", has_text="居民身份证换领")).to_have_count(0)
        expect(kiosk.locator("#services .tile", has_text="居民身份证补领")).to_have_count(1)


def test_materials_and_appointment_only_reach_the_kiosk_and_can_be_set_back(
    live_server: LiveServer, page: Page, browser: Browser, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    add_member(live_server, "M001", "admin")
    console(live_server, page, "catalogue")
    row = page.locator(f"tr[data-code='{FIRST_ID}']")
    row.get_by_role("button", name=re.compile("编辑")).click()
    page.get_by_test_id(f"materials-{FIRST_ID}").fill("本人居民户口簿\n监护人居民身份证\n")
    page.get_by_test_id(f"walk_in-{FIRST_ID}").select_option("false")
    page.get_by_test_id(f"target_wait_minutes-{FIRST_ID}").fill("15")
    page.get_by_test_id(f"save-{FIRST_ID}").click()
    expect(page.locator("#status")).to_contain_text("已保存：居民身份证首次申领")
    expect(row.locator(".tag")).to_have_count(3)  # 本厅 marks
    expect(row).to_contain_text("2 项 · 编辑")
    page.screenshot(path=tmp_path / "admin-catalogue-edited.png", full_page=True)
    item = next(
        s
        for s in live_server.api("GET", "/api/halls/live/catalogue")["services"]
        if s["code"] == FIRST_ID
    )
    assert item["overridden"] == ["target_wait_minutes", "walk_in", "materials"]
    assert item["materials"] == ["本人居民户口簿", "监护人居民身份证"]

    with open_page(browser, PORTRAIT, touch=True) as kiosk:
        kiosk.goto(kiosk_url(live_server, tokens["kiosk"]))
        offered(kiosk)
        tile = kiosk.locator("#services .tile", has_text="居民身份证首次申领")
        expect(tile).to_contain_text("需预约")
        tile.tap()
        screen(kiosk, "materials")
        expect(kiosk.locator("#m-list li")).to_have_count(2)
        expect(kiosk.locator("#m-list")).to_contain_text("监护人居民身份证")
        kiosk.screenshot(path=tmp_path / "kiosk-materials.png")

    row.get_by_role("button", name="恢复默认").click()
    expect(row.locator(".tag")).to_have_count(0)
    expect(row).to_contain_text("3 项 · 编辑")


def test_an_admin_changes_a_policy_setting_with_its_explanation_in_view(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    live_server.setup_hall()
    add_member(live_server, "M001", "admin")
    console(live_server, page, "policy")
    recalls = page.locator("tr[data-setting='max_recalls']")
    expect(recalls).to_contain_text("最多重呼次数")
    expect(recalls).to_contain_text("之后只能过号")
    expect(recalls).to_contain_text("2 次")  # the default
    page.fill("#policy-max_recalls", "3")
    page.click("#policy-save")
    expect(page.locator("#status")).to_contain_text("已保存 1 项调度规则")
    expect(page.locator("tr[data-setting='max_recalls']")).to_have_class(re.compile(r"\bown\b"))
    page.screenshot(path=tmp_path / "admin-policy.png", full_page=True)
    assert live_server.api("GET", "/api/halls/live")["policy"]["max_recalls"] == 3
    page.fill("#policy-slot_minutes", "")
    page.click("#policy-save")
    expect(page.locator("#status")).to_contain_text("「预约时段长度」应填整数")


def test_a_supervisor_reads_the_catalogue_and_policy_but_cannot_change_them(
    live_server: LiveServer, page: Page
) -> None:
    live_server.setup_hall()
    add_member(live_server, "S001", "supervisor")
    console(live_server, page, "catalogue", "S001")
    expect(page.get_by_test_id(f"enable-{ID_CARD}")).to_be_disabled()
    expect(page.get_by_test_id(f"save-{ID_CARD}")).to_be_disabled()
    expect(page.locator("#catalogue-search")).to_be_enabled()
    page.click("#nav-policy")
    expect(page.locator("#policy-save")).to_be_disabled()
    expect(page.locator("#policy-max_recalls")).to_be_disabled()


def test_an_admin_chooses_a_trade_off_in_plain_words(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    live_server.setup_hall()
    add_member(live_server, "M001", "admin")
    console(live_server, page, "policy")
    expect(page.locator("#tradeoff-current")).to_contain_text("按办理时限排队")
    page.select_option("#tradeoff-phrase", "green_cap")
    expect(page.locator("#tradeoff-explanation")).to_contain_text("期限")
    page.fill("#tradeoff-minutes", "12")
    page.click("#tradeoff-apply")
    expect(page.locator("#status")).to_contain_text("已按「绿色通道最长等候不超过 12 分钟」设置")
    expect(page.locator("#tradeoff-current")).to_contain_text("不超过 12 分钟")
    expect(page.locator("#policy-green_cap_min")).to_have_value("12")
    page.screenshot(path=tmp_path / "admin-tradeoff.png", full_page=True)
    assert live_server.api("GET", "/api/halls/live")["policy"]["green_cap_min"] == 12
    page.fill("#tradeoff-minutes", "90")
    page.click("#tradeoff-apply")
    expect(page.locator("#status")).to_contain_text("分钟数应在 5–30 之间")
