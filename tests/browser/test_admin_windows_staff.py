"""The director's console for windows and staff, and a clerk on a staff
session, in a real browser (issue 14): an admin creates an exit-entry window
and a clerk; the clerk logs in from the window's console, signs in there,
calls and serves a ticket; the window's screen names them (the hall shows
staff) and the supervisor's 号码记录 shows their 工号 on each step, on the day
its date picker names (a past day recorded in the store)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.past_day import Visit, hall_today, record
from tests.live import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "s3cret-Pass-Word"
CLERK_PASSWORD = "clerk-Pass-2026"
DESK = {"width": 1366, "height": 768}


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browsers of their own (each its own cookies): the clerk's, the window screen's."""
    made: list[BrowserContext] = []
    errors: list[str] = []

    def new() -> BrowserContext:
        context = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="UTC")
        context.on("weberror", lambda error: errors.append(str(error.error)))
        made.append(context)
        return context

    yield [new(), new()]
    for context in made:
        context.close()
    assert not errors, f"a page threw: {errors}"


def log_in(page: Page, staff_no: str, password: str) -> None:
    page.fill("#staff_no", staff_no)
    page.fill("#password", password)
    page.click("#submit")


def test_an_admin_sets_up_a_window_and_a_clerk_who_serves_there(
    live_server: LiveServer, page: Page, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    body = {"staff_no": "D001", "name": "张主任", "role": "admin", "password": PASSWORD}
    live_server.api("POST", "/api/halls/live/staff", json=body)

    # (a) The admin: a window for 出入境 only, then a clerk.
    page.goto(f"{live_server.url}/login?hall=live")
    log_in(page, "D001", PASSWORD)
    page.wait_for_url(f"{live_server.url}/admin/live")
    page.click("#nav-windows")
    page.click("#window-add")
    expect(page.locator("#wf-number")).to_have_value("4")
    page.fill("#wf-label", "4号出入境窗口")
    page.check('#window-form input[data-category="exit_entry"]')
    expect(page.locator("#wf-some")).to_be_checked()
    page.screenshot(path=tmp_path / "admin-window-form.png", full_page=True)
    page.click("#wf-save")
    row = page.locator('#windows-table tr[data-window="4"]')
    expect(row.locator(".skills")).to_have_text("出入境（全类）")
    page.screenshot(path=tmp_path / "admin-windows.png", full_page=True)

    page.click("#nav-policy")  # the hall shows staff on its window screens
    page.check("#policy-window_shows_staff")
    page.click("#policy-save")
    expect(page.locator("#status")).to_contain_text("已保存 1 项调度规则")

    page.click("#nav-staff")
    page.fill("#sf-staff-no", "C001")
    page.fill("#sf-name", "王小明")
    page.select_option("#sf-role", "clerk")
    page.fill("#sf-password", CLERK_PASSWORD)
    page.click("#sf-add")
    added = page.locator('#staff-table tr[data-staff="C001"]')
    expect(added.locator("select")).to_have_value("clerk")
    expect(added.locator('input[data-field="password"]')).to_be_hidden()
    page.screenshot(path=tmp_path / "admin-staff.png", full_page=True)

    # (b) The clerk opens the window's console: not logged in, then signs in there.
    clerk = contexts[0].new_page()
    clerk.goto(f"{live_server.url}/window/live/4")
    expect(clerk.locator("#gate-title")).to_have_text("请先登录")
    clerk.screenshot(path=tmp_path / "clerk-not-logged-in.png")
    clerk.click("#gate-login")
    log_in(clerk, "C001", CLERK_PASSWORD)
    clerk.wait_for_url(f"{live_server.url}/window/live/4")
    expect(clerk.locator("#gate-sign-in")).to_be_visible()
    clerk.screenshot(path=tmp_path / "clerk-sign-in.png")
    screen = contexts[1].new_page()
    screen.goto(f"{live_server.url}/display/live/window/4?token={tokens['display']}")
    expect(screen.locator("body")).to_have_attribute("data-state", "live")
    expect(screen.locator("#window-staff")).to_be_hidden()

    clerk.click("#gate-sign-in")
    expect(clerk.locator("body")).to_have_attribute("data-state", "live")
    expect(clerk.locator("#staff-who")).to_have_text("工号 C001 王小明")
    expect(screen.locator("#window-staff")).to_have_text("工号 C001　王小明")

    issued = live_server.api(
        "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": "CRJ-HZ-SC"}
    )
    clerk.click('button[data-action="open"]')
    expect(clerk.locator("body")).to_have_attribute("data-window-state", "open")
    expect(clerk.locator("#queue-count")).to_have_text("1")
    clerk.click("#call-next")
    expect(clerk.locator("#ticket-number")).to_have_text(issued["number"])
    clerk.click('button[data-action="start"]')
    expect(clerk.locator("body")).to_have_attribute("data-window-state", "serving")
    clerk.click('button[data-action="finish"]')
    expect(clerk.locator("body")).to_have_attribute("data-window-state", "open")
    clerk.screenshot(path=tmp_path / "clerk-served.png")
    screen.screenshot(path=tmp_path / "window-screen.png")

    # The ticket's record, in the supervisor console of the admin's session.
    page.goto(f"{live_server.url}/supervisor/live")
    expect(page.locator("body")).to_have_attribute("data-state", "live")
    page.click("#record-open")
    page.fill("#record-number", issued["number"])
    page.press("#record-number", "Enter")
    steps = page.locator("#record-result tbody tr")
    expect(steps).to_have_count(4)
    expect(steps.nth(1)).to_contain_text("叫号")
    for n in (1, 2, 3):
        expect(steps.nth(n).locator(".record-by")).to_have_text("工号 C001")
    expect(steps.nth(0).locator(".record-by")).to_have_text("取号机")
    page.screenshot(path=tmp_path / "ticket-record.png")

    # 签退: the screen forgets the clerk, and the console asks to sign in again.
    clerk.click("#sign-out")
    expect(clerk.locator("#gate-sign-in")).to_be_visible()
    expect(screen.locator("#window-staff")).to_be_hidden()

    # The audit names the 工号 at each step of the window's staffing.
    page.goto(f"{live_server.url}/admin/live#audit")
    rows = page.locator("#audit-table tbody tr")
    for action in ("窗口签到", "开窗", "窗口签退"):
        row = rows.filter(has_text=action)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("工号 C001")
    page.screenshot(path=tmp_path / "admin-audit-staff.png", full_page=True)


def test_a_window_another_member_holds_is_refused_with_their_number(
    live_server: LiveServer, page: Page, contexts: list[BrowserContext]
) -> None:
    live_server.setup_hall()
    for staff_no in ("C001", "C002"):
        body = {"staff_no": staff_no, "name": "王小明", "role": "clerk", "password": PASSWORD}
        live_server.api("POST", "/api/halls/live/staff", json=body)
    first = contexts[0].new_page()
    first.goto(f"{live_server.url}/login?hall=live&next=/window/live/2")
    log_in(first, "C001", PASSWORD)
    first.click("#gate-sign-in")
    expect(first.locator("#staff-who")).to_have_text("工号 C001 王小明")

    page.goto(f"{live_server.url}/login?hall=live&next=/window/live/2")
    log_in(page, "C002", PASSWORD)
    page.click("#gate-sign-in")
    expect(page.locator("#gate-message")).to_have_text("2 号窗口已由工号 C001 签到，请先签退")
    expect(page.locator("#gate-sign-in")).to_be_enabled()
    first.click("#sign-out")
    expect(first.locator("#gate-sign-in")).to_be_visible()
    page.click("#gate-sign-in")
    expect(page.locator("#staff-who")).to_have_text("工号 C002 王小明")


def test_the_supervisor_reads_a_number_s_record_on_a_past_day(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    """Numbers restart every day: the record dialog's date says which day's A001."""
    tokens = live_server.setup_hall()
    issued = live_server.api(
        "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": "HZ-SFZ-HL"}
    )
    number, today = issued["number"], hall_today()
    past = today - timedelta(days=1)
    record(live_server.database_url, "live", past, [Visit(number, "09:00", 2, "C001")])

    page.goto(f"{live_server.url}/supervisor/live?token={tokens['supervisor']}")
    expect(page.locator("#kpi-issued")).to_have_text("1")  # today's figures are in
    page.click("#record-open")
    picked = page.locator("#record-date")
    expect(picked).to_have_value(today.isoformat())
    page.fill("#record-number", number)
    page.press("#record-number", "Enter")
    steps = page.locator("#record-result tbody tr")
    expect(steps).to_have_count(1)  # today's: only taken
    expect(page.locator("#record-result .picker-sub")).to_contain_text(today.isoformat())

    picked.fill(past.isoformat())  # the same number, yesterday: served at window 2
    expect(steps).to_have_count(4)
    expect(page.locator("#record-result .picker-sub")).to_contain_text(past.isoformat())
    expect(steps.nth(3)).to_contain_text("办结")
    for n in (1, 2, 3):
        expect(steps.nth(n)).to_contain_text("2号窗口")
        expect(steps.nth(n).locator(".record-by")).to_have_text("工号 C001")
    page.screenshot(path=tmp_path / "ticket-record-past-day.png")

    before = (past - timedelta(days=1)).isoformat()
    picked.fill(before)  # no such number that day: the server says so
    expect(page.locator("#record-result")).to_have_text(f"{before} 没有 {number} 号")
    page.screenshot(path=tmp_path / "ticket-record-refused.png")


STAFF_CASES = """
() => {
  const F = window.YiChuangFeed;
  const one = {number: 1, label: "1号窗口", state: "open", lane: "standard", ticket: null};
  const member = {staff_no: "C001", name: "王小明"};
  const waiting = {total: 0, green_channel: 0, by_category: []};
  const snapshot = {type: "snapshot", seq: 1, data: {hall: {id: "h", name: "大厅",
    timezone: "Asia/Shanghai"}, now_calling: [], last_calls: [], waiting,
    windows: [{...one, staff: member}, {...one, number: 2, staff: {staff_no: 7}}]}};
  const event = (seq, type, window) => ({type, seq, data: {window, waiting}});
  const staffOf = (state) => state.windows.map((w) => w.staff && w.staff.staff_no);
  let state = F.applyMessage(F.initialState(), snapshot).state;
  const fromSnapshot = staffOf(state);
  state = F.applyMessage(state, event(2, "window.paused", {...one, state: "paused"})).state;
  const afterPause = staffOf(state);
  state = F.applyMessage(state, event(3, "window.updated", {...one, staff: null})).state;
  const afterSignOut = staffOf(state);
  state = F.applyMessage(state, event(4, "window.updated",
    {...one, number: 2, staff: {staff_no: "C002", name: "李四"}})).state;
  return {fromSnapshot, afterPause, afterSignOut, afterSignIn: staffOf(state)};
}
"""


def test_the_feed_keeps_a_window_s_member_until_a_sign_in_or_out_says(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(f"{live_server.url}/display/live")  # no token: the page stays offline
    assert page.evaluate(STAFF_CASES) == {
        "fromSnapshot": ["C001", None],  # what cannot be read names nobody
        "afterPause": ["C001", None],  # a pause does not say who is there: still C001
        "afterSignOut": [None, None],
        "afterSignIn": [None, "C002"],
    }


def test_an_admin_gives_a_window_single_items_and_a_supervisor_only_reads(
    live_server: LiveServer, page: Page, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    live_server.setup_hall(windows=2)
    for staff_no, role in (("D001", "admin"), ("S001", "supervisor")):
        body = {"staff_no": staff_no, "name": "张主任", "role": role, "password": PASSWORD}
        live_server.api("POST", "/api/halls/live/staff", json=body)
    page.goto(f"{live_server.url}/login?hall=live&next=/admin/live%23windows")
    log_in(page, "D001", PASSWORD)
    page.locator('#windows-table tr[data-window="2"] button[data-action="edit"]').click()
    expect(page.locator("#wf-number")).to_have_attribute("readonly", "")
    page.locator("#window-form details").first.click()  # 户政: by item
    page.check('#window-form input[data-service="HZ-SFZ-HL"]')
    expect(page.locator("#wf-some")).to_be_checked()
    page.click("#wf-save")
    skills = page.locator('#windows-table tr[data-window="2"] .skills')
    expect(skills).to_have_text("居民身份证换领")
    window = live_server.api("GET", "/api/halls/live")["windows"][1]
    assert (window["services"], window["categories"]) == (["HZ-SFZ-HL"], [])

    supervisor = contexts[0].new_page()
    supervisor.goto(f"{live_server.url}/login?hall=live&next=/admin/live%23staff")
    log_in(supervisor, "S001", PASSWORD)
    expect(supervisor.locator("#staff-table")).to_be_visible()
    expect(supervisor.locator("#sf-add")).to_be_disabled()
    expect(supervisor.locator('#staff-table tr[data-staff="D001"] select')).to_be_disabled()
    supervisor.click("#nav-windows")
    expect(supervisor.locator("#window-add")).to_be_disabled()
    supervisor.screenshot(path=tmp_path / "supervisor-reads-windows.png", full_page=True)
