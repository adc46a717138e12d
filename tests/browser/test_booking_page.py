"""The booking page on a 390x844 phone, in a real browser against a real server:
from an empty phone to a confirmed booking with a pre-filled form, the code
read from the development SMS provider's log line; then the code checked in at
the kiosk and the form on the clerk's console; and the booking moved with a
code to its phone. A foreigner's booking in English beside Chinese, and the
page telling a client over the limits to wait. Screenshots of each step go to /tmp/book-*.png."""

import re

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_staff_pages import (
    HALL,
    ID_CARD,
    act,
    appointment_hall,
    expect_window_state,
    open_clerk,
)
from tests.browser.test_visitor_pages import PHONE, open_page, resident_id
from tests.live import LiveServer

pytestmark = pytest.mark.browser

BOOKER_PHONE = "13800138000"
BOOKER_ID = resident_id("19800101", "001")


def texted_code(server: LiveServer) -> str:
    """The last one-time code, as the development SMS provider logs it."""
    codes = re.findall(r"验证码为(\d{6})", server.log_path.read_text("utf-8"))
    assert codes, "no code was texted"
    return str(codes[-1])


def shot(page: Page, name: str) -> None:
    page.screenshot(path=f"/tmp/book-{name}.png", full_page=True)


def book_on_the_phone(phone: Page, server: LiveServer) -> str:
    """Item, time, person, form, code: the booking code on the result."""
    phone.goto(f"{server.url}/book/{HALL}")
    expect(phone.locator("#step-item")).to_be_visible()
    shot(phone, "1-items")
    phone.locator("#item-search").fill("身份证")
    phone.locator(".b-item", has_text="居民身份证换领").tap()
    # 办事指引: the first answer to each question, until the personal list shows.
    expect(phone.locator("#to-time")).to_be_disabled()
    guide = phone.locator("#guide")
    for _ in range(6):
        if guide.get_attribute("data-complete") == "true":
            break
        guide.locator(".gt-option").first.tap()
    expect(guide).to_have_attribute("data-complete", "true")
    expect(guide.locator(".gt-list")).to_contain_text("原居民身份证")
    shot(phone, "2-item")
    phone.locator("#to-time").tap()
    # The second slot still ahead: the first may start while we type.
    phone.locator(".b-slot:enabled").nth(1).tap()
    expect(phone.locator("#to-person")).to_be_enabled()
    shot(phone, "3-time")
    phone.locator("#to-person").tap()
    phone.locator("#name").fill("张三")
    phone.locator("#id-number").fill(BOOKER_ID[:-1] + ("0" if BOOKER_ID[-1] != "0" else "1"))
    phone.locator("#phone").fill(BOOKER_PHONE)
    phone.locator("#f-reason").select_option("有效期满")
    phone.locator("#f-hukou_place").fill("北京市西城区")
    phone.locator("#send-code").tap()
    expect(phone.locator("#err-id")).to_have_text(re.compile("校验位不符"))
    shot(phone, "4-typo")
    phone.locator("#id-number").fill(BOOKER_ID)
    phone.locator("#send-code").tap()
    expect(phone.locator("#code-sent")).to_contain_text("138****8000")
    phone.locator("#otp").fill(texted_code(server))
    shot(phone, "5-code")
    phone.locator("#confirm").tap()
    expect(phone.locator("#step-done")).to_be_visible()
    code = phone.locator("#done-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code), code
    expect(phone.locator("#done-qr")).to_have_js_property("complete", True)
    assert phone.locator("#done-qr").evaluate("img => img.naturalWidth") > 0
    expect(phone.locator("#done-materials")).to_contain_text("原居民身份证")
    shot(phone, "6-done")
    return code


def test_from_an_empty_phone_to_the_clerks_console(
    live_server: LiveServer, browser: Browser, page: Page
) -> None:
    tokens, _today = appointment_hall(live_server)
    # Check-in opens half an hour ahead: the moved booking (a few slots on) checks in now.
    live_server.api("PUT", f"/api/halls/{HALL}/policy", json={"checkin_early_min": 30})
    with open_page(browser, PHONE, touch=True) as phone:
        code = book_on_the_phone(phone, live_server)
        href = phone.locator("#done-ics").get_attribute("href")
        assert href == f"/api/appointments/{code}.ics"
        ics = httpx2.get(f"{live_server.url}{href}", timeout=10)
        assert ics.headers["content-type"].startswith("text/calendar")
        assert "BEGIN:VEVENT" in ics.text and "张三" not in ics.text
        # The booking's own page: masked, and moved with a code to its phone.
        phone.locator("#done-manage").tap()
        expect(phone.locator("#m-code")).to_have_text(code)
        expect(phone.locator("#m-facts")).to_contain_text("张*")
        expect(phone.locator("#m-facts")).to_contain_text("138****8000")
        expect(phone.locator("#m-materials")).to_contain_text("监护人")  # the 办事指引's own list
        shot(phone, "7-manage")
        phone.locator("#to-move").tap()
        phone.locator(".b-slot:enabled").nth(1).tap()
        phone.locator("#send-code").tap()
        expect(phone.locator("#code-sent")).to_contain_text("138****8000")
        phone.locator("#otp").fill(texted_code(live_server))
        shot(phone, "8-move")
        phone.locator("#apply").tap()
        expect(phone.locator("#note")).to_contain_text("已改约至")
        shot(phone, "9-moved")

    checked_in = live_server.api(
        "POST",
        f"/api/halls/{HALL}/appointments/check-in",
        token=tokens["kiosk"],
        json={"code": code},
    )
    assert checked_in["appointment"]["code"] == code and checked_in["service"] == ID_CARD
    act(live_server, tokens, 1, "open")
    open_clerk(page, live_server, tokens)
    page.keyboard.press("Space")
    expect_window_state(page, "calling")
    box = page.locator("#appointment")
    expect(box).to_contain_text("预约人：张三")
    expect(box).to_contain_text("有效期满")
    expect(box).to_contain_text("北京市西城区")
    expect(page.locator("#answers-box")).to_contain_text("为什么要换领身份证")
    page.screenshot(path="/tmp/book-10-clerk.png")


def test_a_foreigner_reads_english_and_picks_only_the_items_documents(
    live_server: LiveServer, browser: Browser
) -> None:
    appointment_hall(live_server)
    with open_page(browser, PHONE, touch=True) as phone:
        phone.goto(f"{live_server.url}/book/{HALL}")
        phone.locator(".b-cat", has_text="出入境").tap()
        phone.locator(".b-item", has_text="外国人签证延期").tap()
        expect(phone.locator("#item-need")).to_contain_text("须预约")
        expect(phone.get_by_text("Materials to bring")).to_be_visible()  # 出入境: English too
        phone.locator("#to-time").tap()
        phone.locator(".b-slot:enabled").nth(1).tap()
        phone.locator("#to-person").tap()
        options = phone.locator("#doc-type option").all_inner_texts()
        assert options == [
            "护照 Passport",
            "外国人永久居留身份证 Foreign Permanent Resident ID Card",
        ]
        phone.locator("#name").fill("JOHN SMITH")
        phone.locator("#id-number").fill("AB")
        phone.locator("#phone").fill("+85291234567")
        phone.locator("#f-nationality").fill("英国")
        phone.locator("#f-visa_type").fill("M")
        phone.locator("#f-visa_expiry").fill("2027-01-31")
        phone.locator("#send-code").tap()
        expect(phone.locator("#err-id")).to_have_text(re.compile("护照号码应为5至12位"))
        expect(phone.locator("#err-phone")).to_be_hidden()  # a number abroad is fine
        expect(phone.get_by_text("Current visa type")).to_be_visible()
        shot(phone, "11-foreigner")
        # Someone at the same address has spent its 10 requests a minute.
        typo = {"service": ID_CARD, "slot": "2026-01-01T10:00:00+08:00", "name": "x"}
        typo |= {"id_number": "1", "phone": BOOKER_PHONE}
        for _ in range(10):
            httpx2.post(f"{live_server.url}/api/halls/{HALL}/appointments", json=typo, timeout=10)
        phone.locator("#id-number").fill("E12345678")
        phone.locator("#send-code").tap()
        expect(phone.locator("#message")).to_have_text(re.compile(r"预约请求过于频繁.*秒后可再试"))
        expect(phone.locator("#step-person")).to_be_visible()  # nothing lost: wait and send again
        shot(phone, "12-limited")
