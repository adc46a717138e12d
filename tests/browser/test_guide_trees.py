"""办事指引 in a real browser (issue 16): a holder walks the item's tree on a
390x844 phone and sees the personal 收件清单; answers given with the ticket
reach the clerk's console as question -> answer lines, and the checklist the
clerk ticks is the personal one."""

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_admin_catalogue import console
from tests.browser.test_login_page import add_member
from tests.browser.test_staff_pages import action_button, expect_window_state, open_clerk
from tests.browser.test_visitor_pages import PHONE, open_page
from tests.live import LiveServer
from tests.server.conftest import ID_CARD

pytestmark = pytest.mark.browser

HALL = "live"
HOUSEHOLD = "HZ-QR-TK"  # 户口迁移（投靠亲属）
LICENCE = "JSR-QM-HZ"  # 驾驶证期满换证


def test_a_holder_walks_the_tree_on_the_phone(live_server: LiveServer, browser: Browser) -> None:
    tokens = live_server.setup_hall()
    ticket = live_server.api(
        "POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json={"service": HOUSEHOLD}
    )
    with open_page(browser, PHONE, touch=True) as phone:
        phone.goto(f"{live_server.url}/t/{ticket['id']}")
        box = phone.locator("#guide-box")
        expect(box).to_be_visible()
        expect(phone.locator("#materials-box")).to_be_visible()  # the generic list, meanwhile
        expect(box.locator(".gt-question")).to_have_text("您要投靠谁？")
        phone.screenshot(path="/tmp/guide-phone-1.png")
        box.locator(".gt-option", has_text="投靠配偶").tap()
        expect(box.locator(".gt-question")).to_have_text("你们结婚多久了？")
        box.locator(".gt-option", has_text="不满2年，但已生育子女").tap()
        box.locator(".gt-option", has_text="住在亲属名下的房子").tap()
        expect(box.locator(".gt-question")).to_have_text("申请人的户口原来在哪里？")
        box.locator(".gt-back").tap()  # changed their mind about the house
        expect(box.locator(".gt-question")).to_have_text("被投靠人在本市有住房吗？")
        box.locator(".gt-option", has_text="有，房子在被投靠人名下").tap()
        box.locator(".gt-option", has_text="外省").tap()
        items = box.locator(".gt-list li")
        expect(items).to_have_count(6)
        expect(items.nth(2)).to_contain_text("结婚证")
        expect(box.locator(".gt-added")).to_have_count(4)
        expect(box).to_contain_text("被投靠人的不动产权证书（房产证）")
        expect(box).not_to_contain_text("房屋产权人同意入户的书面意见")  # the path left
        expect(phone.locator("#materials-box")).to_be_hidden()  # the personal list replaces it
        phone.screenshot(path="/tmp/guide-phone-2.png", full_page=True)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]  # nothing sticks out sideways
    # The page wrote nothing: the ticket still has no answers.
    kept = live_server.api("GET", f"/api/tickets/{ticket['id']}/checklist")
    assert kept["answers"] == []


def test_answers_given_with_the_ticket_reach_the_clerk_and_the_holder(
    live_server: LiveServer, page: Page, browser: Browser
) -> None:
    tokens = live_server.setup_hall()
    answers = {"kind": "small", "age": "ge70", "expiry": "due"}
    ticket = live_server.api(
        "POST",
        f"/api/halls/{HALL}/tickets",
        token=tokens["kiosk"],
        json={"service": LICENCE, "answers": answers},
    )
    open_clerk(page, live_server, tokens)
    action_button(page, "open").click()
    expect_window_state(page, "open")
    page.keyboard.press("Space")
    expect_window_state(page, "calling")
    shown = page.locator("#answers-box")
    expect(shown).to_be_visible()
    expect(shown.locator(".fact dt")).to_have_text(
        ["您的驾驶证是什么车型？", "您年满70周岁了吗？", "驾驶证现在是什么情况？"]
    )
    expect(shown.locator(".fact dd")).to_have_text(
        ["小型汽车、小型自动挡汽车、摩托车", "年满70周岁", "有效期满前90天内"]
    )
    expect(page.locator("#materials-hint")).to_have_text("（按办事指引生成，核对后勾选）")
    expect(page.locator("#materials li")).to_have_count(5)
    expect(page.locator("#materials")).to_contain_text("记忆力、判断力、反应力测试")
    page.screenshot(path="/tmp/guide-clerk.png")

    with open_page(browser, PHONE, touch=True) as phone:
        phone.goto(f"{live_server.url}/t/{ticket['id']}")
        box = phone.locator("#guide-box")
        expect(box.locator("#guide-title")).to_have_text("您的收件清单")
        expect(box.locator("#guide-answers li")).to_have_count(3)
        expect(box.locator("#guide-list li")).to_have_count(5)
        expect(box.locator(".gt-option")).to_have_count(0)  # nothing to walk again
        expect(phone.locator("#materials-box")).to_be_hidden()
        phone.screenshot(path="/tmp/guide-phone-3.png", full_page=True)


OWN_TREE = {
    "start": "lost",
    "questions": [
        {
            "id": "lost",
            "text": "原证还在吗？",
            "options": [
                {"id": "yes", "label": "在", "materials": [], "next": None},
                {"id": "no", "label": "丢了", "materials": ["挂失证明"], "next": None},
            ],
        }
    ],
}


def test_a_director_replaces_an_items_tree_with_a_live_preview(
    live_server: LiveServer, page: Page
) -> None:
    live_server.setup_hall()
    add_member(live_server, "M001", "admin")
    console(live_server, page, "catalogue")
    expect(page.locator("#guide-count")).to_contain_text("6 个事项有办事指引")
    toggle = page.get_by_test_id(f"guide-toggle-{ID_CARD}")
    expect(toggle).to_have_text("指引：3 问")
    toggle.click()
    preview = page.get_by_test_id(f"guide-preview-{ID_CARD}")
    expect(preview.locator(".gt-question")).to_have_text("为什么要换领身份证？")
    preview.locator(".gt-option", has_text="证件损坏").click()  # the preview answers taps
    expect(preview.locator(".gt-question")).to_have_text("申领人多大？")

    editor = page.get_by_test_id(f"guide-{ID_CARD}")
    looped = json.loads(json.dumps(OWN_TREE))
    looped["questions"][0]["options"][0]["next"] = "lost"
    editor.fill(json.dumps(looped, ensure_ascii=False))
    page.get_by_test_id(f"guide-save-{ID_CARD}").click()
    problem = page.get_by_test_id(f"guide-problem-{ID_CARD}")
    expect(problem).to_have_text("办事指引有误：问题之间形成循环：lost→lost")
    editor.fill("{ not json")
    expect(problem).to_contain_text("JSON 格式有误")

    editor.fill(json.dumps(OWN_TREE, ensure_ascii=False, indent=2))
    expect(preview.locator(".gt-question")).to_have_text("原证还在吗？")
    page.get_by_test_id(f"guide-save-{ID_CARD}").click()
    expect(page.locator("#status")).to_contain_text("已保存：居民身份证换领")
    expect(page.get_by_test_id(f"guide-toggle-{ID_CARD}")).to_have_text("指引：1 问（本厅）")
    expect(page.get_by_test_id(f"guide-preview-{ID_CARD}")).to_be_visible()  # still open
    page.screenshot(path="/tmp/guide-admin.png")
    listed = live_server.api("GET", "/api/services")  # the catalogue's stays as shipped
    assert {s["code"]: s for s in listed["services"]}[ID_CARD]["guide"]["start"] == "why"
    slots = live_server.api("GET", f"/api/halls/{HALL}/slots?service={ID_CARD}&date=2099-01-01")
    assert slots["guide"] == OWN_TREE
