"""送服务上门 in a real browser: a request from a 390×844 phone with its code,
then the supervisor schedules it on the console (the address opened for them,
signed in by 工号) and records it done: a served ticket of the day."""

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_visitor_pages import PHONE, open_page
from tests.live import LiveServer

HALL = "live"
ADDRESS = "幸福路88号3栋502室"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    with open_page(browser, PHONE, touch=True) as page:
        yield page


def next_working_day() -> date:
    day = date.today() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.mark.browser
def test_a_visit_asked_on_the_phone_is_scheduled_and_done_on_the_console(
    live_server: LiveServer, phone: Page, page: Page
) -> None:
    server = live_server
    server.setup_hall()
    for staff_no, role in (("C001", "clerk"), ("S001", "supervisor")):
        body = {"staff_no": staff_no, "name": "王小明", "role": role, "password": "pass-word-1"}
        server.api("POST", f"/api/halls/{HALL}/staff", json=body)

    # On the phone: the form, the code from the (development) text, the request's code.
    phone.goto(f"{server.url}/visit/{HALL}")
    expect(phone.locator("body")).to_have_attribute("data-step", "form")
    expect(phone.locator("#hall-name")).to_have_text("实时测试大厅 · 送服务上门")
    phone.get_by_role("radio", name="患病").click()
    phone.select_option("#service", label="居民身份证换领")
    phone.fill("#contact", "张三丰")
    phone.fill("#phone", "13912345678")
    phone.fill("#address", ADDRESS)
    phone.fill("#note", "老人卧床，请上午来")
    phone.screenshot(path="/tmp/visit-form.png", full_page=True)
    phone.click("#send")
    expect(phone.locator("body")).to_have_attribute("data-step", "code")
    expect(phone.locator("#code-sent")).to_contain_text("139****5678")
    code = re.findall(r"验证码为(\d{6})", server.log_path.read_text("utf-8"))[-1]
    phone.fill("#code", code)
    phone.screenshot(path="/tmp/visit-code.png")
    phone.click("#confirm")
    expect(phone.locator("body")).to_have_attribute("data-status", "requested")
    expect(phone.locator("#v-status")).to_have_text("待安排")
    expect(phone.locator("#v-contact")).to_have_text("张**（139****5678）")
    expect(phone.locator("#v-reason")).to_have_text("个人 · 患病")
    assert ADDRESS not in phone.content() and "13912345678" not in phone.content()
    visit_id = phone.locator("#v-id").inner_text()
    assert phone.url.endswith(f"?v={visit_id}")
    phone.screenshot(path="/tmp/visit-asked.png", full_page=True)

    # On the console, signed in by 工号: the visit, its address, a time and a member.
    page.request.post(
        f"{server.url}/api/login",
        data={"hall": HALL, "staff_no": "S001", "password": "pass-word-1"},
    )
    page.goto(f"{server.url}/supervisor/{HALL}")
    expect(page.locator("#visits-count")).to_have_text("1")
    expect(page.locator("#visits-waiting")).to_contain_text("待安排 1")
    page.click("#visits-open")
    page.locator(f"#visit-list [data-visit='{visit_id}']").click()
    expect(page.locator("#visit-detail")).to_contain_text("张**（139****5678）")
    expect(page.locator("#visit-detail")).not_to_contain_text(ADDRESS)
    page.click("#visit-contact")
    expect(page.locator(".visit-address")).to_have_text(ADDRESS)
    day = next_working_day()
    page.fill("#visit-schedule input[name=at]", f"{day.isoformat()}T10:00")
    page.select_option("#visit-schedule select[name=staff_no]", "C001")
    page.click("#visit-submit")
    expect(page.locator("#visits-note")).to_contain_text("已安排上门")
    expect(page.locator("#visit-detail")).to_contain_text("工号 C001")
    page.screenshot(path="/tmp/visit-console.png")
    phone.reload()  # the requester sees the time and who comes
    expect(phone.locator("#v-status")).to_have_text("已安排")
    expect(phone.locator("#v-when")).to_have_text(f"{day.month}月{day.day}日 10:00")
    expect(phone.locator("#v-staff")).to_have_text("工号 C001")
    phone.screenshot(path="/tmp/visit-scheduled.png", full_page=True)

    page.locator("#visit-detail [data-action=done]").click()
    page.select_option("#visit-done select[name=outcome]", "办结")
    page.click("#visit-submit")
    expect(page.locator("#visits-note")).to_contain_text("已登记办结，记为号码 A001")
    expect(page.locator("#visits-count")).to_have_text("0")
    page.screenshot(path="/tmp/visit-done.png")
    stats = server.api("GET", f"/api/halls/{HALL}/stats")
    assert stats["served"] == 1

    # The phone's page shows it done, with nothing left to cancel.
    phone.reload()
    expect(phone.locator("#v-status")).to_have_text("已办结")
    expect(phone.locator("#cancel-box")).to_be_hidden()
