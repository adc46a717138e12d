"""Staff sign-in in a real browser (issue 14): /login, then the supervisor
console on the session cookie alone, with no token in any address."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.live import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "s3cret-Pass-Word"


def add_member(server: LiveServer, staff_no: str, role: str) -> None:
    body = {"staff_no": staff_no, "name": "李主管", "role": role, "password": PASSWORD}
    server.api("POST", "/api/halls/live/staff", json=body)


def sign_in(page: Page, staff_no: str, password: str = PASSWORD) -> None:
    page.fill("#staff_no", staff_no)
    page.fill("#password", password)
    page.click("#submit")


def test_a_supervisor_signs_in_and_follows_the_hall_without_a_token(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    add_member(live_server, "S001", "supervisor")
    page.goto(f"{live_server.url}/login?hall=live")
    expect(page.locator("#hall")).to_have_value("live")
    sign_in(page, "S001", "wrong-password")
    expect(page.locator("#error")).to_have_text("大厅、工号或密码不正确，请核对后重试")
    page.screenshot(path=tmp_path / "login-refused.png")
    sign_in(page, "S001")
    page.wait_for_url(f"{live_server.url}/supervisor/live")
    expect(page.locator("body")).to_have_attribute("data-state", "live")
    expect(page.locator("#fatal")).to_be_hidden()
    # The console reads the hall with the session: a new ticket shows in its queues.
    live_server.api(
        "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": "HZ-SFZ-HL"}
    )
    expect(page.locator("body")).not_to_have_attribute("data-seq", "")
    page.screenshot(path=tmp_path / "supervisor-signed-in.png")
    assert "token" not in page.url


def test_a_clerk_is_told_who_is_signed_in_and_can_sign_out(
    live_server: LiveServer, page: Page
) -> None:
    live_server.setup_hall()
    add_member(live_server, "C001", "clerk")
    page.goto(f"{live_server.url}/login?hall=live")
    sign_in(page, "C001")
    expect(page.locator("#who")).to_contain_text("工号 C001")
    places = page.locator("#places a")  # the hall's windows and the 导办 desk, to go on
    expect(places).to_have_count(4)
    expect(places.nth(1)).to_have_text("2号综合窗口")
    expect(places.nth(3)).to_have_text("导办台")
    page.click("#logout")
    expect(page.locator("#form")).to_be_visible()
    answer = page.evaluate(
        "async () => (await fetch('/api/whoami', {headers: {Authorization: 'Bearer '}})).status"
    )
    assert answer == 401  # the session is over
    sign_in(page, "C001")
    page.locator("#places a", has_text="2号综合窗口").click()
    page.wait_for_url(f"{live_server.url}/window/live/2")
    expect(page.locator("#gate-sign-in")).to_be_visible()


def test_the_console_without_token_or_session_says_to_sign_in(
    live_server: LiveServer, page: Page
) -> None:
    live_server.setup_hall()
    page.goto(f"{live_server.url}/supervisor/live")
    expect(page.locator("#fatal")).to_be_visible()
    # Whichever refuses first, the feed or a REST call, the words say to sign in.
    expect(page.locator("#fatal-message")).to_contain_text("请重新登录")
    expect(page.locator("#fatal a")).to_have_attribute("href", "/login?hall=live")
