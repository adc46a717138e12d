"""好差评 on the three surfaces facing the visitor, in Chromium: the evaluator
beside the window, the holder's phone page and the ticket machine.

All three draw one form (web/rating-form.js): five grades; 不满意 and
非常不满意 ask for the hall's reasons, an optional text and an optional
call-back phone. Each test rates as a visitor would (touch, the on-screen
pad, a QR scanner typing the status address) and reads back what the server
recorded. Screenshots go to /tmp/rate-*.png for a human to look at.
"""

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.browser.conftest import open_page
from tests.live import LiveServer

pytestmark = pytest.mark.browser

HALL = "live"
ID_CARD = "HZ-SFZ-HL"  # 居民身份证换领
GRADE_NAMES = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
EVALUATOR = {"width": 1280, "height": 800}
CLERK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1080, "height": 1920}


def served(server: LiveServer, tokens: dict[str, str], window: int = 1) -> Any:
    """A ticket taken at the kiosk and finished at `window`: ready to be rated."""
    ticket = server.api(
        "POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
    )
    for action in ("open", "call-next", "start", "finish"):
        path = f"/api/halls/{HALL}/windows/{window}/{action}"
        try:
            server.api("POST", path, token=tokens[f"window-{window}"])
        except AssertionError:
            assert action == "open"  # opened already
    return ticket


def rating_of(server: LiveServer, ticket_id: str) -> Any:
    return server.api("GET", f"/api/tickets/{ticket_id}/rating")["rating"]


def posts_to(page: Page, ending: str) -> list[Any]:
    """The JSON bodies of every POST the page sends to a path ending so."""
    bodies: list[Any] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(ending):
            bodies.append(json.loads(request.post_data or "null"))

    page.on("request", record)
    return bodies


def fits(page: Page, selector: str) -> None:
    """Nothing in `selector` is cut: no element wider than its box, no page scrolling sideways."""
    overflow = page.evaluate(
        """(selector) => {
          const cut = [...document.querySelectorAll(selector + " *")]
            .filter((n) => n.offsetParent !== null && n.scrollWidth > n.clientWidth + 1
                           && getComputedStyle(n).overflowX !== "auto")
            .map((n) => n.className || n.tagName);
          const root = document.documentElement;
          return {cut, sideways: root.scrollWidth - root.clientWidth};
        }""",
        selector,
    )
    assert overflow == {"cut": [], "sideways": 0}, overflow


def bad_step(page: Page, scope: str, score: int, reasons: list[str]) -> None:
    """Choose a bad grade, see that a reason is required, tick `reasons`."""
    page.locator(f"{scope} .rf-grade[data-score='{score}']").click()
    expect(page.locator(f"{scope} .rf-chosen-name")).to_have_text(
        f"您的评价：{GRADE_NAMES[5 - score]}"
    )
    page.locator(f"{scope} [data-action='submit']").click()
    expect(page.locator(f"{scope} .rf-error")).to_have_text("请至少选择一项原因")
    for reason in reasons:
        page.locator(f"{scope} .rf-chip[data-reason='{reason}']").click()
        expect(page.locator(f"{scope} .rf-chip[data-reason='{reason}']")).to_have_attribute(
            "aria-pressed", "true"
        )


def type_on_pad(page: Page, scope: str, digits: str) -> None:
    for digit in digits:
        page.locator(f"{scope} .rf-key[data-key='{digit}']").click()


# ---------------------------------------------------------------- the evaluator


def test_evaluator_takes_a_bad_rating_with_reasons_and_phone_then_forgets_it(
    live_server: LiveServer, browser: Browser
) -> None:
    tokens = live_server.setup_hall()
    ticket = live_server.api(
        "POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
    )
    live_server.api("POST", f"/api/halls/{HALL}/windows/1/open", token=tokens["window-1"])
    with open_page(browser, EVALUATOR, touch=True) as rate:
        # The clerk's console and the evaluator share one browser on the clerk's PC.
        clerk = rate.context.new_page()
        clerk.set_viewport_size(CLERK)
        rate.goto(f"{live_server.url}/window/{HALL}/1/rate?token={tokens['window-1']}")
        expect(rate.locator("body")).to_have_attribute("data-state", "live")
        clerk.goto(f"{live_server.url}/window/{HALL}/1?token={tokens['window-1']}")
        expect(clerk.locator("body")).to_have_attribute("data-state", "live")
        expect(clerk.locator("button[data-action]:not([hidden]):enabled").first).to_be_visible()
        for key, state in (("Space", "calling"), ("s", "serving"), ("f", "open")):
            clerk.keyboard.press(key)
            expect(clerk.locator("body")).to_have_attribute("data-window-state", state)
            expect(clerk.locator("body")).to_have_attribute("data-busy", "")  # ready for a key

        expect(rate.locator("body")).to_have_attribute("data-view", "prompt")
        expect(rate.locator("#prompt-ticket")).to_contain_text(ticket["number"])
        expect(rate.locator(".rf-grade")).to_have_text(GRADE_NAMES)
        fits(rate, "#prompt")
        rate.screenshot(path="/tmp/rate-evaluator-grades.png")
        bad_step(rate, "#rate-form", 2, ["服务态度", "办事效率"])
        rate.locator("#rate-form .rf-comment").fill("等了很久没人解释")
        type_on_pad(rate, "#rate-form", "1380013800")
        rate.locator("#rate-form .rf-key[data-key='back']").click()
        type_on_pad(rate, "#rate-form", "00")
        expect(rate.locator("#rate-form .rf-phone-input")).to_have_value("13800138000")
        rate.keyboard.press("5")  # a hard key on the second step is not a grade
        expect(rate.locator("body")).to_have_attribute("data-view", "prompt")
        fits(rate, "#prompt")
        rate.screenshot(path="/tmp/rate-evaluator.png")
        rate.locator("#rate-form [data-action='submit']").click()

        expect(rate.locator("body")).to_have_attribute("data-view", "thanks")
        expect(rate.locator("#thanks-note")).to_have_text(
            "您的评价：不满意 我们会尽快核实整改，并按您留下的电话回访"
        )
        rate.screenshot(path="/tmp/rate-evaluator-thanks.png")
        given = rating_of(live_server, ticket["id"])
        assert given["score"] == 2 and given["reasons"] == ["服务态度", "办事效率"]
        assert given["callback_phone"] == "138****8000"
        # Back to the greeting, and nothing of that rating is left on the screen.
        expect(rate.locator("body")).to_have_attribute("data-view", "idle", timeout=10_000)
        expect(rate.locator("#rate-form")).to_be_empty()
        assert "不满意" not in rate.locator("body").inner_text()
        assert "138" not in rate.content()


# ---------------------------------------------------------------- the phone


def test_phone_rates_badly_changes_its_mind_then_is_told_it_is_rated(
    live_server: LiveServer, browser: Browser
) -> None:
    tokens = live_server.setup_hall()
    ticket = served(live_server, tokens)
    with open_page(browser, PHONE, touch=True) as page:
        sent = posts_to(page, "/rating")
        page.goto(f"{ticket['status_url']}?via=sms")  # the 短信评价 link
        form = page.locator("#rating-box")
        expect(form.locator(".rf-grade")).to_have_text(GRADE_NAMES)
        fits(page, "#rating")
        bad_step(page, "#rating-box", 1, ["办事效率"])
        form.locator(".rf-comment").fill("材料要求前后说法不一")
        phone = form.locator(".rf-phone-input")
        assert phone.get_attribute("inputmode") == "numeric"  # the digit keyboard
        assert phone.get_attribute("type") == "tel"
        phone.fill("138 0013 800")
        form.locator("[data-action='submit']").tap()
        expect(form.locator(".rf-error")).to_contain_text("11 位")  # one digit short
        phone.fill("138 0013 8000")
        fits(page, "#rating")
        form.locator(".rf-step2").scroll_into_view_if_needed()
        page.screenshot(path="/tmp/rate-phone.png", full_page=True)
        form.locator("[data-action='submit']").tap()

        expect(form.locator(".rf-thanks")).to_have_text("感谢您的评价！")
        expect(form.locator(".rf-given")).to_contain_text("非常不满意")
        expect(form.locator(".rf-given")).to_contain_text("原因：办事效率")
        expect(form.locator(".rf-given")).to_contain_text("回访电话：138****8000")
        expect(form).to_contain_text("分钟内可以修改")
        page.screenshot(path="/tmp/rate-phone-given.png", full_page=True)
        assert sent[0] == {
            "score": 1,
            "reasons": ["办事效率"],
            "comment": "材料要求前后说法不一",
            "callback_phone": "13800138000",
            "via": "sms",
        }

        # Within the change window: 满意 instead (the case is withdrawn server-side).
        form.locator("[data-action='change']").tap()
        form.locator(".rf-grade[data-score='4']").tap()
        expect(form.locator(".rf-thanks")).to_have_text("评价已修改，感谢您的反馈")
        expect(form.locator(".rf-given")).to_contain_text("满意")
        expect(form.locator(".rf-given")).not_to_contain_text("回访电话")
        assert rating_of(live_server, ticket["id"])["score"] == 4

        # The hall closes the window while the page still offers a change.
        live_server.api("PUT", f"/api/halls/{HALL}/policy", json={"rating_change_min": 0})
        form.locator("[data-action='change']").tap()
        form.locator(".rf-grade[data-score='5']").tap()
        rated = f"{ticket['number']} 号已评价过，感谢您的反馈"
        expect(form.locator(".rf-thanks")).to_have_text(rated)
        expect(form.locator("[data-action='change']")).to_have_count(0)
        assert rating_of(live_server, ticket["id"])["score"] == 4
        page.reload()
        expect(form.locator(".rf-given")).to_contain_text("满意")
        expect(form).to_contain_text("评价已提交")


def test_phone_page_survives_answers_it_cannot_read(
    live_server: LiveServer, browser: Browser
) -> None:
    tokens = live_server.setup_hall()
    ticket = served(live_server, tokens)
    garbage = {"body": "<html>proxy error</html>"}

    def ticket_answer(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=garbage["body"])

    def rating_answer(route: Route) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        odd = {"status": "done", "grades": "?", "reasons": [3, None], "rating": {"score": "x"}}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(odd))

    with open_page(browser, PHONE, touch=True) as page:
        page.route("**/api/tickets/*", ticket_answer)
        page.goto(ticket["status_url"])
        expect(page.locator("#broken")).to_be_visible()
        expect(page.locator("#broken")).to_contain_text("服务器的答复无法识别")
        page.unroute("**/api/tickets/*")
        page.route("**/api/tickets/*/rating", rating_answer)
        page.reload()
        # A rating answer with nothing usable: the national grades and reasons stand in.
        form = page.locator("#rating-box")
        expect(form.locator(".rf-grade")).to_have_text(GRADE_NAMES)
        form.locator(".rf-grade[data-score='2']").tap()
        expect(form.locator(".rf-chip")).to_have_count(6)
        expect(form.locator(".rf-chip").first).to_have_text("服务态度")


# ---------------------------------------------------------------- the kiosk


def test_kiosk_scans_a_ticket_and_takes_a_bad_and_a_good_rating(
    live_server: LiveServer, browser: Browser
) -> None:
    tokens = live_server.setup_hall()
    first = served(live_server, tokens)
    second = served(live_server, tokens)
    waiting, gone = (
        live_server.api(
            "POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
        )
        for _ in range(2)
    )
    live_server.api("POST", f"/api/tickets/{gone['id']}/cancel")
    with open_page(browser, KIOSK, touch=True) as page:
        sent = posts_to(page, "/rating")
        page.goto(f"{live_server.url}/kiosk/{HALL}?token={tokens['kiosk']}")
        body = page.locator("body")
        expect(body).to_have_attribute("data-screen", "categories")
        page.locator("#to-feedback").tap()
        expect(body).to_have_attribute("data-screen", "feedback")
        feedback = page.locator("#feedback")
        expect(feedback).to_have_attribute("data-step", "scan")
        page.screenshot(path="/tmp/rate-kiosk-scan.png")

        # What a scanner may type: the status address (with the SMS link's query), or the id.
        read = page.evaluate(
            """() => ["https://h.example/t/Ab_c-0123456789?via=sms", "/t/Ab_c-0123456789/",
                      " Ab_c-0123456789 ", "https://h.example/kiosk/live", "hello"]
                     .map((text) => KioskFeedback.ticketOf(text))"""
        )
        assert read == ["Ab_c-0123456789"] * 3 + [None, None]
        page.keyboard.type("hello")  # not one of our tickets
        page.keyboard.press("Enter")
        expect(feedback.locator(".fb-error")).to_have_text(
            "未能识别该二维码，请扫描本大厅号票上的二维码"
        )
        page.keyboard.type(waiting["status_url"])
        page.keyboard.press("Enter")
        expect(feedback.locator(".rf-note")).to_have_text(
            f"{waiting['number']} 号当前为「等候中」，业务办结后才能评价"
        )
        page.keyboard.type(gone["status_url"])  # cancelled: it never will be
        page.keyboard.press("Enter")
        expect(feedback.locator(".rf-note")).to_have_text(
            f"{gone['number']} 号当前为「已取消」，没有办结的业务可以评价"
        )

        page.keyboard.type(first["status_url"])  # the scanner types the QR's address
        page.keyboard.press("Enter")
        expect(feedback).to_have_attribute("data-step", "ticket")
        expect(feedback.locator("h1")).to_have_text(f"{first['number']} 号 · 服务评价")
        expect(feedback.locator(".rf-grade")).to_have_text(GRADE_NAMES)
        bad_step(page, "#feedback", 1, ["服务环境", "其他"])
        type_on_pad(page, "#feedback", "13912345678")
        fits(page, "#feedback")
        page.screenshot(path="/tmp/rate-kiosk.png")
        feedback.locator("[data-action='submit']").tap()
        expect(feedback).to_have_attribute("data-step", "thanks")
        expect(feedback).to_contain_text(
            "您的评价：非常不满意。我们会尽快核实整改，并按您留下的电话回访"
        )
        # It starts over by itself: the next visitor finds the start screen.
        expect(body).to_have_attribute("data-screen", "categories", timeout=12_000)
        expect(feedback).to_be_empty()

        page.locator("#to-feedback").tap()
        page.keyboard.type(second["id"])  # a scanner set to the bare id
        page.keyboard.press("Enter")
        feedback.locator(".rf-grade[data-score='5']").tap()
        expect(feedback).to_contain_text("感谢您的评价！")
        feedback.locator("[data-action='finish']").tap()
        expect(body).to_have_attribute("data-screen", "categories")

        page.locator("#to-feedback").tap()
        page.keyboard.type(first["status_url"])
        page.keyboard.press("Enter")
        expect(feedback.locator(".rf-given")).to_contain_text("非常不满意")
        expect(feedback.locator(".rf-given")).to_contain_text("回访电话：139****5678")

    assert rating_of(live_server, first["id"])["reasons"] == ["服务环境", "其他"]
    assert rating_of(live_server, second["id"])["score"] == 5
    assert [b["score"] for b in sent] == [1, 5]
    assert sent[0]["callback_phone"] == "13912345678" and "via" not in sent[0]


# ---------------------------------------------------------------- 办不成事


def test_a_matter_not_done_is_reported_from_the_phone_and_the_kiosk(
    live_server: LiveServer, browser: Browser
) -> None:
    """「办不成事」 from the phone (the ticket's id is the key) and from the kiosk
    (its token, no ticket, an item from its list) opens a case each; a server
    without the endpoint is explained, not a blank."""
    tokens = live_server.setup_hall()
    ticket = served(live_server, tokens)
    done_text = re.compile(r"^已收到您的反映，我们将在 \d{1,2} 月 \d{1,2} 日前核实处理")

    def old_server(route: Route) -> None:
        body = json.dumps({"error": "http_error", "message": "没有这个地址"})
        route.fulfill(status=404, content_type="application/json", body=body)

    with open_page(browser, PHONE, touch=True) as page:
        sent = posts_to(page, "/cases")
        page.goto(ticket["status_url"])
        page.locator("#to-case").tap()
        form = page.locator("#case-form")
        form.locator("[data-action='submit-case']").tap()
        expect(form.locator(".rf-error")).to_have_text("请点选或填写没办成的事")
        form.locator(".rf-chip[data-quick='材料不全，无法受理']").tap()
        form.locator(".rf-comment").press_sequentially("，窗口让我下周再来")
        form.locator(".rf-phone-input").fill("13800138000")
        fits(page, "#case-box")
        form.scroll_into_view_if_needed()
        page.screenshot(path="/tmp/case-phone.png", full_page=True)
        form.locator("[data-action='submit-case']").tap()
        expect(page.locator("#case-done")).to_have_text(done_text)
        expect(page.locator("#case-done")).to_contain_text("并回访您")
        assert sent == [
            {
                "comment": "材料不全，无法受理，窗口让我下周再来",
                "ticket_id": ticket["id"],
                "callback_phone": "13800138000",
            }
        ]

    with open_page(browser, KIOSK, touch=True) as page:
        page.goto(f"{live_server.url}/kiosk/{HALL}?token={tokens['kiosk']}")
        page.locator("#to-feedback").tap()
        feedback = page.locator("#feedback")
        feedback.locator("[data-action='to-case']").tap()  # no ticket at hand
        expect(feedback).to_have_attribute("data-step", "case")
        feedback.locator("select").select_option(label="居民身份证换领")
        feedback.locator(".rf-chip[data-quick='系统故障，办不了']").tap()
        fits(page, "#feedback")
        page.screenshot(path="/tmp/case-kiosk.png")
        page.route(f"**/api/halls/{HALL}/cases", old_server)
        feedback.locator("[data-action='submit-case']").tap()
        expect(feedback.locator(".rf-error")).to_have_text(
            "本大厅暂未开通网上反映，请到咨询台或值班负责人处反映"
        )
        page.unroute(f"**/api/halls/{HALL}/cases")
        feedback.locator("[data-action='submit-case']").tap()
        expect(feedback).to_have_attribute("data-step", "thanks")
        expect(feedback).to_contain_text("已收到您的反映")

    listed = live_server.api("GET", f"/api/halls/{HALL}/cases", token=tokens["supervisor"])
    cases = sorted(listed["cases"], key=lambda c: c["source"])
    assert [(c["kind"], c["source"]) for c in cases] == [
        ("not_done", "kiosk"),
        ("not_done", "phone"),
    ]
    kiosk, phone = cases
    assert (kiosk["service"], kiosk["comment"]) == (ID_CARD, "系统故障，办不了")
    assert kiosk["number"] is None
    assert phone["number"] == ticket["number"] and phone["phone_masked"] == "138****8000"
