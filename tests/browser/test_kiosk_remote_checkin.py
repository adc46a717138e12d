"""线上取号签到 at the ticket machine (1080x1920 portrait): places taken from
phones are checked in by each of the three ways the screen offers (the QR on
the holder's page, held to the scanner on the start screen; the ID number the
place was taken with; today's number and the code texted to the phone that
took it, after one wrong code), and every refusal is said in Chinese."""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_kiosk_for_everyone import in_kiosk, overflowing, said, scan
from tests.browser.test_visitor_pages import (
    ID_CARD,
    LANDSCAPE,
    PHONE,
    kiosk_page,  # noqa: F401 (a fixture)
    kiosk_url,
    open_page,
    resident_id,
    screen,
    type_keys,
)
from tests.live import LiveServer

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp")
CODE = re.compile(r"验证码为(\d{6})")


def last_code(server: LiveServer) -> str:
    """The last code the development SMS provider wrote to the server's log."""
    return CODE.findall(server.log_path.read_text("utf-8"))[-1]


def remote_hall(server: LiveServer, hall: str = "live") -> dict[str, str]:
    """A hall whose 居民身份证换领 may be queued for from a phone, with no cap
    on the share of remote places; its tokens."""
    tokens = server.setup_hall(hall, windows=1)
    server.api("PATCH", f"/api/halls/{hall}/catalogue/{ID_CARD}", json={"remote": True})
    server.api("PUT", f"/api/halls/{hall}/policy", json={"remote_share_pct": 100})
    return tokens


def take_place(server: LiveServer, phone: str, hall: str = "live", **more: str) -> Any:
    """A place taken as the phone page takes it: ask, then the texted code; the holder's view."""
    asked = server.api(
        "POST",
        f"/api/halls/{hall}/remote-tickets",
        json={"service": ID_CARD, "phone": phone, **more},
    )
    confirm = {"challenge": asked["challenge"], "code": last_code(server)}
    return server.api("POST", f"/api/halls/{hall}/remote-tickets/confirm", json=confirm)


def take_on_phone_page(server: LiveServer, browser: Browser, phone_number: str) -> str:
    """A place taken on the phone page (/remote/live); its ticket id."""
    with open_page(browser, PHONE, touch=True) as phone:
        phone.goto(f"{server.url}/remote/live")
        expect(phone.locator("body")).to_have_attribute("data-state", "ask")
        phone.fill("#phone", phone_number)
        phone.click("#send")
        expect(phone.locator("#sent")).to_contain_text("138****5678")
        phone.fill("#code", last_code(server))
        phone.click("#take")
        expect(phone).to_have_url(re.compile(r"/t/[A-Za-z0-9_-]+$"))
        expect(phone.locator(".s-arrival-qr")).to_be_visible()
        return phone.url.rsplit("/", 1)[-1]


def checked_in(server: LiveServer, ticket_id: str) -> bool:
    return bool(server.api("GET", f"/api/tickets/{ticket_id}")["checked_in"])


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"kiosk-remote-{name}.png"))
    assert overflowing(page) == []


def expect_checked_in(page: Page, number: str) -> None:
    screen(page, "result")
    expect(page.locator("#r-head")).to_have_text("签到成功，请留意叫号")
    expect(page.locator("#r-number")).to_have_text(number)
    expect(page.locator("#r-remote")).to_be_visible()
    expect(page.locator("#r-print")).to_contain_text("无需再取号")


def test_places_taken_from_phones_check_in_by_qr_id_number_and_texted_code(
    live_server: LiveServer,
    browser: Browser,
    kiosk_page: Page,  # noqa: F811
) -> None:
    server = live_server
    tokens = remote_hall(server)
    server.api("POST", "/api/halls/live/windows/1/open", tokens["window-1"])
    walk_in = server.api(
        "POST", "/api/halls/live/tickets", tokens["kiosk"], json={"service": ID_CARD}
    )
    by_phone_page = take_on_phone_page(server, browser, "13812345678")
    by_qr = take_place(server, "13900001111")
    adult = resident_id("19800101")
    by_id = take_place(server, "13700002222", id_number=adult)
    assert [walk_in["number"], by_qr["number"], by_id["number"]] == ["A001", "A003", "A004"]
    page = kiosk_page
    page.goto(kiosk_url(server, tokens["kiosk"], reader="off"))
    screen(page, "categories")
    expect(page.locator("#to-remote")).to_contain_text("线上取号签到")
    shot(page, "0-home")

    # 1. The QR on the holder's page, held to the scanner on the start screen.
    scan(page, f"/t/{by_qr['id']}")
    expect_checked_in(page, "A003")
    # Ahead: the walk-in; A002, still away, is ahead of nobody.
    expect(page.locator("#r-ahead")).to_have_text("1")
    said(page, "签到成功，您的号码是 A零零三，请留意叫号")
    shot(page, "1-scanned")
    assert checked_in(server, by_qr["id"])

    # 2. The ID number the place was taken with, on the keypad.
    page.locator("#home").tap()
    page.locator("#to-remote").tap()
    screen(page, "remote")
    expect(page.locator("[data-for=remote]")).to_have_attribute("data-mode", "scan")
    shot(page, "2-choose")
    page.locator("#remote-id").tap()
    type_keys(page, "remote-keypad", adult)
    shot(page, "3-id")
    page.locator("#remote-go").tap()
    expect_checked_in(page, "A004")
    assert checked_in(server, by_id["id"])

    # 3. Today's number, then the code texted to the phone that took it; one wrong first.
    page.locator("#r-done").tap()
    page.locator("#to-remote").tap()
    page.locator("#remote-number").tap()
    type_keys(page, "remote-keypad", "A002")
    expect(page.locator("#remote-display")).to_have_text("A002")
    expect(page.locator("#remote-go")).to_have_text("发送验证码")
    shot(page, "4-number")
    page.locator("#remote-go").tap()
    expect(page.locator("#remote-sent")).to_contain_text("验证码已发送至 138****5678")
    code = last_code(server)
    type_keys(page, "remote-keypad", "000000" if code != "000000" else "111111")
    page.locator("#remote-go").tap()
    expect(page.locator("#remote-message")).to_have_text("验证码不正确，还可再试4次")
    expect(page.locator("#remote-display")).to_have_text("")
    shot(page, "5-wrong-code")
    assert not checked_in(server, by_phone_page)
    page.locator("#large").tap()  # 大字, for the rest of this visit
    type_keys(page, "remote-keypad", code)
    shot(page, "6-code-large")
    page.locator("#remote-go").tap()
    expect_checked_in(page, "A002")
    shot(page, "7-done-large")
    assert checked_in(server, by_phone_page)
    assert "13812345678" not in page.content()


def test_each_refusal_is_said_on_the_screen(
    live_server: LiveServer,
    kiosk_page: Page,  # noqa: F811
) -> None:
    server = live_server
    tokens = remote_hall(server)
    remote_hall(server, "east")
    server.api("PATCH", "/api/halls/east", json={"name": "东区大厅"})
    walk_in = server.api(
        "POST", "/api/halls/live/tickets", tokens["kiosk"], json={"service": ID_CARD}
    )
    other_hall = take_place(server, "13600003333", hall="east")
    page = kiosk_page
    page.goto(kiosk_url(server, tokens["kiosk"], reader="off"))
    screen(page, "categories")

    def refused(title: str, message: str, name: str) -> None:
        screen(page, "error")
        expect(page.locator("#e-title")).to_have_text(title)
        expect(page.locator("#e-message")).to_contain_text(message)
        shot(page, name)
        page.locator("#e-home").tap()
        screen(page, "categories")

    # A paper ticket's QR on the start screen: nothing to check in.
    scan(page, f"{server.url}/t/{walk_in['id']}")
    refused("无需签到", "A001 号是在大厅取的号，无需签到", "8-not-remote")
    # Another hall's place, scanned on this screen.
    page.locator("#to-remote").tap()
    scan(page, other_hall["id"])
    refused("不是本大厅的号码", "这是「东区大厅」的号码 A001，请到该大厅签到", "9-other-hall")
    # An id nobody holds.
    page.locator("#to-remote").tap()
    scan(page, "NoSuchTicket0000")
    refused("未查到线上取号", "找不到这张号票", "9-unknown-ticket")
    # A number nobody took from a phone today.
    page.locator("#to-remote").tap()
    page.locator("#remote-number").tap()
    type_keys(page, "remote-keypad", "A009")
    page.locator("#remote-go").tap()
    refused("未查到线上取号", "今天没有尚未签到的线上取号 A009", "10-unknown-number")
    # An ID number with no place, and a half-typed one (said beside the keypad).
    page.locator("#to-remote").tap()
    page.locator("#remote-id").tap()
    type_keys(page, "remote-keypad", "1101")
    page.locator("#remote-go").tap()
    expect(page.locator("#remote-message")).to_have_class(re.compile("error"))
    page.locator("#remote-scan").tap()
    scan(page, resident_id("19750505"))  # a reader that types: the ID way, filled in
    expect(page.locator("[data-for=remote]")).to_have_attribute("data-mode", "id")
    expect(page.locator("#remote-display")).to_have_text("110105 19750505 1239")
    page.locator("#remote-go").tap()
    refused("未查到线上取号", "未查到在本大厅等候的线上取号", "11-unknown-id")
    # A place that ended before its holder came (cancelled by the hall).
    ended = take_place(server, "13500004444")
    server.api("POST", f"/api/halls/live/tickets/{ended['number']}/cancel", tokens["supervisor"])
    page.locator("#to-checkin").tap()  # 预约签到 by mistake: the QR still goes to 线上取号签到
    screen(page, "checkin")
    scan(page, f"/t/{ended['id']}")
    refused("号码已失效", "不能签到", "12-ended")
    # Checked in before and called since: scanned again, the window to go to.
    called = take_place(server, "13400005555")
    check_in = {"ticket": called["id"]}
    server.api("POST", "/api/halls/live/remote-tickets/check-in", tokens["kiosk"], json=check_in)
    window = tokens["window-1"]
    server.api("POST", "/api/halls/live/windows/1/open", window)
    for step in ("call-next", "start", "finish", "call-next"):  # the walk-in first, then this place
        server.api("POST", f"/api/halls/live/windows/1/{step}", window)
    scan(page, f"/t/{called['id']}")
    refused(f"{called['number']} 号请前往窗口", "已叫到您的号码，请到 1 号窗口办理", "13-called")

    # The landscape machine: three buttons in a row, the keypad beside the entry.
    page.set_viewport_size(LANDSCAPE)
    shot(page, "14-landscape-home")
    page.locator("#to-remote").tap()
    page.locator("#remote-number").tap()
    shot(page, "15-landscape-number")


REMOTE_CASES = """
() => {
  const R = window.YiChuangKioskRemote, F = window.YiChuangKiosk;
  const run = (state, actions) => actions.reduce((s, a) => F.reduce(s, a).state, state);
  const keys = (text) => [...text].map((key) => ({ type: "key", key }));
  const sent = { challenge: "c1", phone_masked: "138****5678", number: "A023" };
  const start = { ...F.initialState(), screen: "categories" };
  const asked = run(start, [{ type: "remote-entry" }, { type: "remote-mode", mode: "number" },
    ...keys("A023"), { type: "remote-go" }, { type: "challenged", sent }, ...keys("123456"),
    { type: "remote-go" }]);
  const wrong = run(asked, [{ type: "code-wrong", message: "验证码不正确" }]);
  const back = run(wrong, [{ type: "back" }]);
  const spent = run(asked, [{ type: "refused", error: { title: "t", message: "m", retry: false } },
    { type: "back" }]);
  const blip = run(asked, [{ type: "refused", error: { title: "t", message: "m", retry: true } }]);
  const card = run(start, [{ type: "remote-entry" },
    { type: "card", number: "110105198001011238", today: "2026-12-06" }]);
  return {
    sent: [wrong.screen, wrong.remoteBuffer, back.remoteMode, back.remoteBuffer, spent.screen,
      spent.remoteBuffer],
    kept: [blip.remoteSent.challenge,
      F.reduce(blip, { type: "retry" }).effects[0].body.challenge],
    card: [card.remoteMode, card.remoteBuffer],
    titles: [[429, "rate_limited"], [404, "remote_not_found"], [422, "otp_exhausted"],
      [404, "otp_expired"], [409, "remote_ended"]].map(([status, code]) =>
      R.explain({ title: "无法签到", message: "m", retry: false }, status, code).title),
    tickets: ["https://x/t/Ab_-12345678cdEF", "/t/Ab_-12345678cdEF?x=1", "Ab_-12345678cdEF",
      "ABCD2345"].map((t) => [R.ticketOf(t, false), R.ticketOf(t, true)]),
    prefixes: R.numberKeys(["A", "b", "A", "", "C1"]).filter((k) => k.cls === "prefix")
      .map((k) => k.key),
  };
}
"""


def test_the_number_pad_and_the_scanned_ticket_as_pure_functions(
    live_server: LiveServer,
    kiosk_page: Page,  # noqa: F811
) -> None:
    assert in_kiosk(live_server, kiosk_page, REMOTE_CASES) == {
        "sent": ["remote", "", "number", "A023", "remote", "A023"],
        "kept": ["c1", "c1"],  # a network blip: "重试" sends the same code again
        "card": ["id", "110105198001011238"],
        "titles": [
            "操作过于频繁",
            "未查到线上取号",
            "验证码错误次数过多",
            "验证码已失效",
            "号码已失效",
        ],
        "tickets": [
            ["Ab_-12345678cdEF", "Ab_-12345678cdEF"],
            ["Ab_-12345678cdEF", "Ab_-12345678cdEF"],
            [None, "Ab_-12345678cdEF"],  # a lone id on the start screen could be a booking code
            [None, "ABCD2345"],
        ],
        "prefixes": ["A", "B"],
    }
