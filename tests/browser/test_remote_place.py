"""线上取号 in Chromium on a 390x844 phone: a place taken at home with a texted
code, passed over while its holder is away (a walk-in is called first), the
door QR scanned on arrival, and then called in the place taken at home."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_admin_catalogue import console
from tests.browser.test_login_page import add_member
from tests.browser.test_visitor_pages import PHONE, open_page
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ID_CARD = "HZ-SFZ-HL"  # 居民身份证换领 (户政, prefix A)
SHOTS = Path("/tmp")


def test_a_place_taken_at_home_is_passed_over_while_away_and_called_after_arrival(
    live_server: LiveServer, browser: Browser
) -> None:
    server = live_server
    tokens = server.setup_hall(windows=1)
    server.api("PATCH", f"/api/halls/live/catalogue/{ID_CARD}", json={"remote": True})
    window = tokens["window-1"]
    server.api("POST", "/api/halls/live/windows/1/open", window)

    with open_page(browser, PHONE, touch=True) as phone:
        # At home: the item, the phone, then the texted code.
        phone.goto(f"{server.url}/remote/live")
        expect(phone.locator("body")).to_have_attribute("data-state", "ask")
        expect(phone.locator("#materials li").first).to_be_visible()
        expect(phone.locator("#rule")).to_contain_text("保留 15 分钟")
        phone.screenshot(path=str(SHOTS / "remote-0-ask.png"))
        phone.fill("#phone", "13812345678")
        phone.click("#send")
        expect(phone.locator("#sent")).to_contain_text("138****5678")
        phone.screenshot(path=str(SHOTS / "remote-1-code.png"))
        code = re.findall(r"验证码为(\d{6})", server.log_path.read_text("utf-8"))[-1]
        phone.fill("#code", code)
        phone.click("#take")
        expect(phone).to_have_url(re.compile(r"/t/[A-Za-z0-9_-]+$"))
        ticket_id = phone.url.rsplit("/", 1)[-1]
        expect(phone.locator("#s-number")).to_have_text("A001")
        away = phone.locator(".s-arrival-text")
        expect(away).to_have_text("尚未签到：到达大厅后请扫描门口二维码或在取号机签到")
        expect(phone.locator(".s-arrival-qr")).to_be_visible()
        phone.screenshot(path=str(SHOTS / "remote-2-away.png"), full_page=True)

        # Still away: the walk-in who came later is called first, the place is kept.
        walk_in = server.api(
            "POST", "/api/halls/live/tickets", tokens["kiosk"], json={"service": ID_CARD}
        )
        called = server.api("POST", "/api/halls/live/windows/1/call-next", window)
        assert called["ticket"]["number"] == walk_in["number"] == "A002"
        expect(phone.locator(".s-arrival-late")).to_contain_text(
            re.compile(r"已过号，保留至 \d\d:\d\d")
        )
        phone.screenshot(path=str(SHOTS / "remote-3-passed.png"), full_page=True)
        server.api("POST", "/api/halls/live/windows/1/start", window)
        server.api("POST", "/api/halls/live/windows/1/finish", window)

        # At the hall: the door QR opens /arrive, which checks in this phone's place.
        door = server.api("GET", "/api/halls/live/door", tokens["supervisor"])
        phone.goto(f"{server.url}/door/live?token={tokens['supervisor']}")
        expect(phone.locator("#door-qr svg")).to_be_visible()
        phone.screenshot(path=str(SHOTS / "remote-door.png"))
        phone.goto(door["url"])
        expect(phone.locator("body")).to_have_attribute("data-state", "done")
        expect(phone.locator("#arrive-list")).to_contain_text("A001 号：已签到")
        phone.screenshot(path=str(SHOTS / "remote-4-arrived.png"))
        phone.click("#arrive-list a")
        expect(phone.locator("#s-number")).to_have_text("A001")
        expect(phone.locator(".s-arrival")).to_be_hidden()

        # Called in the place taken at home.
        later = server.api(
            "POST", "/api/halls/live/tickets", tokens["kiosk"], json={"service": ID_CARD}
        )
        called = server.api("POST", "/api/halls/live/windows/1/call-next", window)
        assert called["ticket"]["number"] == "A001" and later["number"] == "A003"
        assert called["ticket"]["id"] == ticket_id
        expect(phone.locator("#s-call")).to_contain_text("1")
        phone.screenshot(path=str(SHOTS / "remote-5-called.png"), full_page=True)


def test_the_director_allows_remote_queueing_per_item_in_the_catalogue(
    live_server: LiveServer, page: Page
) -> None:
    live_server.setup_hall(windows=1)
    add_member(live_server, "M001", "admin")
    console(live_server, page, "catalogue")
    page.set_viewport_size({"width": 1366, "height": 768})
    row = page.locator(f"tr[data-code='{ID_CARD}']")
    box = page.get_by_test_id(f"remote-{ID_CARD}")
    expect(box).not_to_be_checked()
    box.check()
    page.get_by_test_id(f"save-{ID_CARD}").click()
    expect(page.locator("#status")).to_contain_text("已保存：居民身份证换领")
    expect(page.get_by_test_id(f"remote-{ID_CARD}")).to_be_checked()
    expect(row.locator(".tag")).to_have_count(1)  # 本厅: the catalogue's default is off
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "remote-catalogue.png"))
    offer = live_server.api("GET", "/api/halls/live/remote-tickets")
    assert [s["code"] for s in offer["services"]] == [ID_CARD]
