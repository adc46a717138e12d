"""The holder's page alerts its holder: at "3 ahead" and when called, once each,
with a banner, a tone, a vibration and a browser notification; and switches
text reminders on with a phone and a code.

Headless Chromium shows no notification and has no motor: an init script
wraps `Notification`, `navigator.vibrate` and the Web Audio oscillator to
record each call, and passes it on to the real one.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import open_page
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ID_CARD = "HZ-SFZ-HL"
PHONE_VIEW = {"width": 390, "height": 844}

RECORD_ALERTS = """
window.__vibrations = [];
window.__notes = [];
window.__tones = 0;
const realVibrate = navigator.vibrate ? navigator.vibrate.bind(navigator) : null;
navigator.vibrate = (pattern) => {
  window.__vibrations.push(pattern);
  return realVibrate ? realVibrate(pattern) : true;
};
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) {
    super(title, options);
    window.__notes.push({ title, body: options && options.body });
  }
};
const realOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.__tones += 1;
  return realOscillator.call(this);
};
"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for this file's tests (each its own hall): a start costs seconds."""
    folder = tmp_path_factory.mktemp("reminders")
    server = LiveServer(f"sqlite:///{folder}/live.db", folder).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def holder(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone that allowed the hall's page to notify."""

    def allow(context: BrowserContext) -> None:
        context.grant_permissions(["notifications"], origin=live_server.url)
        context.add_init_script(RECORD_ALERTS)

    with open_page(browser, PHONE_VIEW, touch=True, prepare=allow) as page:
        yield page


def recorded(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        "({vibrations: window.__vibrations, notes: window.__notes, tones: window.__tones})"
    )
    return found


def poll_now(page: Page) -> None:
    """What the page does when it is looked at again: ask at once."""
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def serve_next(server: LiveServer, token: str) -> None:
    for action in ("call-next", "start", "finish"):
        server.api("POST", f"/api/halls/live/windows/1/{action}", token=token)


def test_a_holder_s_page_alerts_at_three_ahead_and_when_called(
    live_server: LiveServer, holder: Page
) -> None:
    tokens = live_server.setup_hall(windows=1)
    issue = {"service": ID_CARD}
    for _ in range(4):
        live_server.api("POST", "/api/halls/live/tickets", token=tokens["kiosk"], json=issue)
    mine = live_server.api("POST", "/api/halls/live/tickets", token=tokens["kiosk"], json=issue)
    page = holder
    page.goto(mine["status_url"])
    body = page.locator("body")
    expect(page.locator("#s-ahead")).to_have_text("4")
    expect(page.locator("#r-ahead")).to_have_value("3")  # the hall's default
    expect(body).to_have_attribute("data-remind", "off")
    page.locator("#r-enable").tap()
    expect(body).to_have_attribute("data-remind", "on")
    expect(page.locator("#r-state")).to_contain_text("已开启")
    assert recorded(page)["tones"] == 1  # the tap plays the tone once, to unlock the sound
    assert recorded(page)["notes"] == [] and recorded(page)["vibrations"] == []
    expect(page.locator("#r-banner")).to_be_hidden()

    window = tokens["window-1"]
    live_server.api("POST", "/api/halls/live/windows/1/open", token=window)
    serve_next(live_server, window)  # 3 ahead
    poll_now(page)
    banner = page.locator("#r-banner")
    expect(banner).to_be_visible()
    expect(page.locator("#r-banner-title")).to_have_text("快到您了")
    expect(page.locator("#r-banner-body")).to_have_text(
        f"{mine['number']} 号：前面还有 3 人，请回到等候区留意叫号"
    )
    expect(body).to_have_attribute("data-alerted", "ahead")
    assert re.match(r"^【快到您了】", page.title())
    page.screenshot(path="/tmp/status-remind-3-ahead.png", full_page=False)
    seen = recorded(page)
    assert seen["notes"] == [
        {"title": "快到您了", "body": f"{mine['number']} 号：前面还有 3 人，请回到等候区留意叫号"}
    ]
    assert seen["vibrations"] == [[300, 150, 300]] and seen["tones"] == 1 + 2

    page.locator("#r-banner-ok").tap()
    expect(banner).to_be_hidden()
    serve_next(live_server, window)  # 2 ahead: no second alert
    poll_now(page)
    expect(page.locator("#s-ahead")).to_have_text("2")
    poll_now(page)
    expect(banner).to_be_hidden()
    assert len(recorded(page)["notes"]) == 1

    serve_next(live_server, window)
    serve_next(live_server, window)
    called = live_server.api("POST", "/api/halls/live/windows/1/call-next", token=window)
    assert called["ticket"]["id"] == mine["id"]
    poll_now(page)
    expect(page.locator("#r-banner-title")).to_have_text("请到 1 号窗口")
    expect(banner).to_have_class(re.compile(r"\bcalled\b"))
    expect(body).to_have_attribute("data-alerted", "ahead called")
    page.screenshot(path="/tmp/status-remind-called.png", full_page=False)
    seen = recorded(page)
    assert [n["title"] for n in seen["notes"]] == ["快到您了", "请到 1 号窗口"]
    assert len(seen["vibrations"]) == 2

    page.reload()  # the alerts were given: a reload does not give them again
    expect(page.locator("#s-call")).to_have_text("请到 1 号窗口")
    expect(body).to_have_attribute("data-alerted", "ahead called")
    expect(banner).to_be_hidden()
    assert recorded(page)["notes"] == []


def test_text_reminders_are_switched_on_with_a_code(live_server: LiveServer, holder: Page) -> None:
    tokens = live_server.setup_hall("texts", windows=1)
    issue = {"service": ID_CARD}
    mine = live_server.api("POST", "/api/halls/texts/tickets", token=tokens["kiosk"], json=issue)
    page = holder
    page.goto(mine["status_url"])
    body = page.locator("body")
    expect(body).to_have_attribute("data-sms", "off")
    page.locator("#r-ahead").select_option("2")
    page.locator("#r-phone").fill("139 0000 1111")
    page.locator("#r-send").tap()
    expect(body).to_have_attribute("data-sms", "code")
    sent = "验证码已发送至 139****1111，请在5分钟内输入"
    expect(page.locator("#r-sms-message")).to_have_text(sent)
    page.locator("#r-sms").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/status-remind-code.png")
    code = re.findall(r"验证码为(\d{6})", live_server.log_path.read_text())[-1]
    page.locator("#r-code").fill("000000")
    page.locator("#r-confirm").tap()
    expect(page.locator("#r-sms-message")).to_have_text(re.compile("验证码不正确"))
    page.locator("#r-code").fill(code)
    page.locator("#r-confirm").tap()
    expect(body).to_have_attribute("data-sms", "on")
    expect(page.locator("#r-sms-said")).to_have_text(
        "短信提醒已开启：前面还剩 2 人时和叫到号时，各发一条短信到 139****1111。"
    )
    expect(page.locator("#r-banner")).to_be_hidden()  # no window is open: nothing is near
    page.locator("#r-sms").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/status-remind-sms.png")
    assert "13900001111" not in page.content()
    page.locator("#r-sms-off").tap()
    expect(body).to_have_attribute("data-sms", "off")
    expect(page.locator("#r-sms-message")).to_have_text("短信提醒已关闭")
