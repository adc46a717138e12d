"""The visitor's pages in a real browser: the ticket machine and the status page.

Each test runs a real server process, drives the page by touch, click or
keyboard as a visitor would, and checks both what the page shows and what the
server recorded (a double tap must not make two tickets; an invalid ID number
must not make any).
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from queue_server.identity import check_char
from tests.browser.conftest import WAIT_MS, open_page
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ID_CARD = "HZ-SFZ-HL"  # 居民身份证换领 (户政, prefix A)
ELDER_ID = "11010519491231002X"  # born 1949-12-31: green channel
BAD_CHECK_DIGIT = "110105194912310021"
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def resident_id(birth: str, sequence: str = "123") -> str:
    """A valid ID number born on `birth` (YYYYMMDD), with its check digit."""
    first17 = f"110105{birth}{sequence}"
    return first17 + check_char(first17)


# ---------------------------------------------------------------- pages and helpers


@pytest.fixture
def kiosk_page(browser: Browser) -> Iterator[Page]:
    """The ticket machine's portrait touch screen."""
    with open_page(browser, PORTRAIT, touch=True) as page:
        yield page


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    with open_page(browser, PHONE, touch=True) as page:
        yield page


def kiosk_url(server: LiveServer, token: str, hall: str = "live", **params: str) -> str:
    query = "".join(f"&{k}={v}" for k, v in params.items())
    return f"{server.url}/kiosk/{hall}?token={token}{query}"


def screen(page: Page, name: str) -> None:
    expect(page.locator("body")).to_have_attribute("data-screen", name)


def choose(page: Page, category: str = "户政", service: str = "居民身份证换领") -> None:
    """Categories -> services -> materials, by touch."""
    screen(page, "categories")
    page.locator("#categories .tile", has_text=category).tap()
    screen(page, "services")
    page.locator("#services .tile", has_text=service).tap()
    screen(page, "materials")


def type_keys(page: Page, keypad: str, text: str) -> None:
    for char in text:
        page.locator(f"#{keypad} [data-key='{char}']").tap()


def issued(server: LiveServer, tokens: dict[str, str], hall: str = "live") -> int:
    stats = server.api("GET", f"/api/halls/{hall}/stats", token=tokens["supervisor"])
    count: int = stats["issued"]
    return count


def ticket_posts(page: Page) -> list[Request]:
    """Every POST to the ticket endpoint the page makes from now on."""
    posts: list[Request] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/tickets"):
            posts.append(request)

    page.on("request", record)
    return posts


def hall_local_today(zone: str = "Asia/Shanghai") -> str:
    return datetime.now(ZoneInfo(zone)).date().isoformat()


# ---------------------------------------------------------------- taking a ticket


def test_take_a_ticket_by_touch(live_server: LiveServer, kiosk_page: Page) -> None:
    tokens = live_server.setup_hall()
    page = kiosk_page
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    expect(page.locator("#hall-name")).to_have_text("实时测试大厅")
    choose(page)
    # The checklist comes before the ticket, so the visitor knows what to bring.
    expect(page.locator("#m-name")).to_have_text("居民身份证换领")
    expect(page.locator("#m-list")).to_contain_text("原居民身份证")
    expect(page.locator("#m-list li")).to_have_count(3)
    assert issued(live_server, tokens) == 0

    page.locator("#take").tap()
    screen(page, "result")
    expect(page.locator("#r-number")).to_have_text("A001")
    expect(page.locator("#r-service")).to_have_text("居民身份证换领")
    expect(page.locator("#r-ahead")).to_have_text("0")
    expect(page.locator("#r-green")).to_be_hidden()
    expect(page.locator("#r-print")).to_contain_text("号票正在打印")
    qr = page.locator("#r-qr")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("src", re.compile(r"/qr\.svg\?data=.*%2Ft%2F"))
    # The server drew it. (wait_for_function would poll with eval, which the
    # page's CSP forbids whenever the image is not loaded at the first look.)
    expect(qr).to_have_js_property("complete", True, timeout=WAIT_MS)
    assert qr.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#countdown")).to_contain_text("秒后自动返回首页")
    assert issued(live_server, tokens) == 1


def test_an_invalid_id_number_is_explained_and_gives_no_ticket(
    live_server: LiveServer, kiosk_page: Page
) -> None:
    tokens = live_server.setup_hall()
    page = kiosk_page
    posts = ticket_posts(page)
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    choose(page)
    page.locator("#to-id").tap()
    screen(page, "idnumber")
    message = page.locator("#id-message")

    type_keys(page, "id-keypad", "1101")
    page.locator("#id-take").tap()
    expect(message).to_contain_text("应为 18 位，您输入了 4 位")
    expect(message).to_have_class(re.compile(r"\berror\b"))

    page.locator("#id-keypad [data-key='clear']").tap()
    type_keys(page, "id-keypad", BAD_CHECK_DIGIT)
    # Explained as soon as the 18th character is in, before anything is sent.
    expect(message).to_contain_text("校验位不符")
    page.locator("#id-take").tap()
    screen(page, "idnumber")
    expect(message).to_contain_text("校验位不符")

    page.locator("#id-keypad [data-key='clear']").tap()
    type_keys(page, "id-keypad", "110105194902300021")  # 30 February
    expect(message).to_contain_text("出生日期（1949年02月30日）不存在")
    page.locator("#id-take").tap()
    screen(page, "idnumber")

    assert posts == []
    assert issued(live_server, tokens) == 0


def test_an_elderly_id_number_gives_the_green_mark(
    live_server: LiveServer, kiosk_page: Page
) -> None:
    tokens = live_server.setup_hall()
    page = kiosk_page
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    choose(page)
    page.locator("#to-id").tap()
    type_keys(page, "id-keypad", ELDER_ID)
    expect(page.locator("#id-display")).to_have_text("110105 19491231 002X")
    expect(page.locator("#id-message")).to_have_text("号码有效，符合绿色通道条件")
    page.locator("#id-take").tap()
    screen(page, "result")
    expect(page.locator("#r-green")).to_be_visible()
    expect(page.locator("#r-green")).to_have_text("绿色通道")  # neutral: never which class
    html = page.content()
    assert ELDER_ID not in html and "elderly" not in html
    assert re.search(r"1101\*+", html) is None
    since = live_server.api("GET", "/api/halls/live/tickets?since_seq=0", token=tokens["kiosk"])
    [ticket] = since["tickets"]
    assert ticket["green_channel"] is True
    assert ticket["number"] == page.locator("#r-number").inner_text()


def test_a_double_tap_on_take_gives_one_ticket(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    posts = ticket_posts(page)
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    screen(page, "categories")
    page.locator("#categories .tile", has_text="户政").click()
    page.locator("#services .tile", has_text="居民身份证换领").click()
    page.locator("#take").dblclick()
    screen(page, "result")
    expect(page.locator("#r-number")).to_have_text("A001")
    assert issued(live_server, tokens) == 1
    assert len(posts) == 1


def test_a_network_blip_retries_with_the_same_key(live_server: LiveServer, page: Page) -> None:
    # The first request reaches the server (a ticket is issued) but its answer
    # is lost on the way back; the page retries by itself with the same
    # Idempotency-Key and shows that very ticket, not a second one.
    tokens = live_server.setup_hall()
    keys: list[str] = []

    def lose_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the server does the work...
            route.abort("failed")  # ...and the page never hears of it
        else:
            route.continue_()

    page.route(re.compile(r"/api/halls/live/tickets$"), lose_first_answer)
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    choose_by_click(page)
    page.locator("#take").click()
    screen(page, "result")
    expect(page.locator("#r-number")).to_have_text("A001")
    assert len(keys) == 2 and keys[0] == keys[1]
    assert issued(live_server, tokens) == 1

    # The next visitor's attempt is a new one: a new key, a new ticket.
    page.locator("#r-done").click()
    choose_by_click(page)
    page.locator("#take").click()
    expect(page.locator("#r-number")).to_have_text("A002")
    assert len(keys) == 3 and keys[2] != keys[0]


def choose_by_click(page: Page) -> None:
    screen(page, "categories")
    page.locator("#categories .tile", has_text="户政").click()
    page.locator("#services .tile", has_text="居民身份证换领").click()
    screen(page, "materials")


def test_the_keyboard_works_too(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    screen(page, "categories")
    page.keyboard.press("1")  # 户政
    screen(page, "services")
    page.keyboard.press("2")  # 居民身份证换领
    screen(page, "materials")
    page.keyboard.press("Escape")
    screen(page, "services")
    page.keyboard.press("2")
    page.locator("#to-id").click()
    page.keyboard.type("11010519491231002x")
    expect(page.locator("#id-message")).to_have_text("号码有效，符合绿色通道条件")
    page.keyboard.press("Backspace")
    expect(page.locator("#id-message")).to_have_text("已输入 17 / 18 位")
    page.keyboard.press("X")
    page.keyboard.press("Enter")
    screen(page, "result")
    expect(page.locator("#r-green")).to_be_visible()
    page.keyboard.press("Escape")
    screen(page, "categories")


def test_the_kiosk_returns_to_the_start_when_left_alone(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()
    page.goto(kiosk_url(live_server, tokens["kiosk"], idle_s="3"))
    choose_by_click(page)
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^[1-3] 秒后自动返回首页$"))
    screen(page, "categories")
    expect(page.locator("#countdown")).not_to_contain_text("秒后")

    # The result screen too, and nothing of the last visitor stays behind.
    choose_by_click(page)
    page.locator("#take").click()
    screen(page, "result")
    screen(page, "categories")
    page.locator("#categories .tile", has_text="户政").click()
    page.locator("#services .tile", has_text="居民身份证换领").click()
    expect(page.locator("#m-id-status")).to_be_hidden()


def test_a_printer_fault_keeps_the_number_on_screen(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    live_server.api(
        "POST",
        "/api/halls/live/devices/status",
        token=tokens["kiosk"],
        json={"state": "paper_out"},
    )
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    expect(page.locator("body")).to_have_attribute("data-printer", "fault")
    expect(page.locator("#printer-chip")).to_have_text("⚠ 打印机缺纸")
    choose_by_click(page)
    page.locator("#take").click()
    screen(page, "result")
    expect(page.locator("#r-number")).to_have_text("A001")
    expect(page.locator("#r-print")).to_have_text("打印机缺纸，请记下您的号码或扫码查看")
    # The visitor gets longer to write the number down or scan it.
    expect(page.locator("#countdown")).to_contain_text(re.compile(r"(60|59|58) 秒"))

    live_server.api(
        "POST", "/api/halls/live/devices/status", token=tokens["kiosk"], json={"state": "ok"}
    )
    expect(page.locator("#r-print")).to_have_text("号票正在打印，请取走号票")
    expect(page.locator("#printer-chip")).to_be_hidden()


def test_a_service_by_appointment_only_offers_check_in(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    screen(page, "categories")
    page.locator("#categories .tile", has_text="出入境").click()
    tile = page.locator("#services .tile", has_text="外国人签证延期")
    expect(tile.locator(".tag")).to_have_text("需预约")
    tile.click()
    screen(page, "materials")
    expect(page.locator("#m-appointment")).to_contain_text("该事项需预约办理")
    expect(page.locator("#take")).to_be_hidden()
    page.keyboard.press("Enter")  # no ticket: Enter leads to check-in
    screen(page, "checkin")
    assert issued(live_server, tokens) == 0


def test_a_closed_hall_says_when_it_opens(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    every_day = {d: [["09:00", "17:00"]] for d in WEEK}
    live_server.api(
        "PUT",
        "/api/halls/live/hours",
        json={"weekly": every_day, "closed_dates": [hall_local_today()]},
    )
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    # On the first screen, before anyone picks an item the server would refuse.
    screen(page, "categories")
    expect(page.locator("#closed-note")).to_be_visible()
    expect(page.locator("#closed-title")).to_have_text("大厅现在不办理业务")
    expect(page.locator("#closed-message")).to_have_text(
        "本大厅将于 明天 09:00 开始办理，请届时再来取号"
    )
    expect(page.locator("#categories")).to_be_hidden()
    assert issued(live_server, tokens) == 0


def test_a_kiosk_learns_that_the_hall_opened(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    every_day = {d: [["09:00", "17:00"]] for d in WEEK}
    hours = {"weekly": every_day, "closed_dates": [hall_local_today()]}
    live_server.api("PUT", "/api/halls/live/hours", json=hours)
    page.clock.install()
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    expect(page.locator("#closed-note")).to_be_visible()
    live_server.api("PUT", "/api/halls/live/hours", json={"weekly": {}, "closed_dates": []})
    page.clock.run_for(90_000)  # the kiosk refreshes the hall's data between visitors
    expect(page.locator("#closed-note")).to_be_hidden()
    expect(page.locator("#categories .tile")).to_have_count(6)


def test_no_open_window_is_said_honestly(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()  # every window closed
    for _ in range(2):
        live_server.api(
            "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
        )
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    choose_by_click(page)
    expect(page.locator("#m-note")).to_have_text(
        "目前没有开放的窗口受理该事项：可以取号，窗口开放后按顺序叫号"
    )
    page.locator("#take").click()
    screen(page, "result")
    expect(page.locator("#r-ahead")).to_have_text("2")
    expect(page.locator("#r-wait")).to_have_text("暂无窗口办理")  # never "即将叫号"
    expect(page.locator("#r-nowindow")).to_contain_text("目前没有开放的窗口办理该事项")

    live_server.api("POST", "/api/halls/live/windows/1/open", token=tokens["window-1"])
    page.locator("#r-done").click()
    with page.expect_response(re.compile(r"/tickets$")):
        choose_by_click(page)
        page.locator("#take").click()
    screen(page, "result")
    expect(page.locator("#r-wait")).to_have_text(re.compile(r"^约 \d+ 分钟$"))
    expect(page.locator("#r-nowindow")).to_be_hidden()


def test_an_appointment_only_item_never_says_take_a_ticket(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()  # every window closed
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    screen(page, "categories")
    page.locator("#categories .tile", has_text="出入境").click()
    page.locator("#services .tile", has_text="外国人签证延期").click()
    screen(page, "materials")
    expect(page.locator("#m-appointment")).to_contain_text("该事项需预约办理")
    expect(page.locator("#m-note")).to_have_text("受理该事项的窗口目前未开放")
    assert "取号后" not in page.locator(".m-actions").inner_text()


def test_a_long_hall_name_is_never_cut_in_portrait(
    live_server: LiveServer, kiosk_page: Page
) -> None:
    name = "市公安局政务服务中心（演示大厅）"
    live_server.api("POST", "/api/halls", json={"id": "long", "name": name})
    kiosk = live_server.api("POST", "/api/tokens", json={"role": "kiosk", "hall": "long"})["token"]
    kiosk_page.goto(kiosk_url(live_server, kiosk, hall="long"))
    hall = kiosk_page.locator("#hall-name")
    expect(hall).to_have_text(name)
    cut = hall.evaluate("(e) => [e.scrollWidth - e.clientWidth, e.scrollHeight - e.clientHeight]")
    assert cut[0] <= 0 and cut[1] <= 1, cut


# ---------------------------------------------------------------- a hall's hours and bookings


def noon_zone() -> str:
    """A fixed-offset zone where it is about noon now, so the day's sessions are around us."""
    now = datetime.now(UTC)
    offset = max(-12, min(14, round(12 - now.hour - now.minute / 60)))
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc names invert the sign


def noon_hall(server: LiveServer, zone: str, closes: str = "22:00") -> str:
    """Hall `noon` in `zone`, open daily 06:00 to `closes`; a kiosk token for it."""
    server.api("POST", "/api/halls", json={"id": "noon", "name": "签到测试大厅", "timezone": zone})
    server.api("PUT", "/api/halls/noon/windows/1", json={"label": "1号窗口", "services": "all"})
    weekly = {d: [["06:00", closes]] for d in WEEK}
    server.api("PUT", "/api/halls/noon/hours", json={"weekly": weekly})
    kiosk: str = server.api("POST", "/api/tokens", json={"role": "kiosk", "hall": "noon"})["token"]
    return kiosk


def test_a_service_that_no_longer_fits_today_says_so(live_server: LiveServer, page: Page) -> None:
    # The hall closes in four minutes; the ID card takes six to handle.
    zone = noon_zone()
    closes = (datetime.now(ZoneInfo(zone)) + timedelta(minutes=4)).strftime("%H:%M")
    kiosk = noon_hall(live_server, zone, closes=closes)
    page.goto(kiosk_url(live_server, kiosk, hall="noon"))
    choose_by_click(page)
    page.locator("#take").click()
    screen(page, "error")
    expect(page.locator("#e-title")).to_have_text("今日已来不及办理该事项")
    expect(page.locator("#e-message")).to_contain_text(f"本大厅今天 {closes} 停止办理")


def test_appointment_check_in_too_early_then_on_time(live_server: LiveServer, page: Page) -> None:
    zone = noon_zone()
    kiosk = noon_hall(live_server, zone)
    today = hall_local_today(zone)
    slots = live_server.api("GET", f"/api/halls/noon/slots?service={ID_CARD}&date={today}")
    now = datetime.now(UTC)
    ahead = [s for s in slots["slots"] if datetime.fromisoformat(s["start"]) > now and s["free"]]
    early, soon = ahead[4], ahead[0]  # two hours away; within half an hour

    def book(slot: dict[str, Any], id_number: str) -> str:
        body = {
            "service": ID_CARD,
            "slot": slot["start"],
            "name": "张三",
            "id_number": id_number,
            "phone": "13800138000",
            "form": {"reason": "有效期满"},
        }
        code: str = live_server.book("noon", body)["code"]
        return code

    early_id, soon_id = resident_id("19800101"), resident_id("19900202")
    book(early, early_id)
    soon_code = book(soon, soon_id)

    page.goto(kiosk_url(live_server, kiosk, hall="noon"))
    screen(page, "categories")
    page.locator("#to-checkin").click()
    screen(page, "checkin")
    page.locator("#mode-id").click()
    page.keyboard.type(early_id)
    page.keyboard.press("Enter")
    screen(page, "error")
    expect(page.locator("#e-title")).to_have_text("还未到签到时间")
    slot_time = early["start"][11:16]
    opens = (datetime.fromisoformat(early["start"]) - timedelta(minutes=15)).strftime("%H:%M")
    expect(page.locator("#e-message")).to_have_text(
        f"您预约的是 {slot_time} 的时段，请于 {opens} 以后再来签到"
    )

    # Check-in opens an hour before the slot from now on: the next booking is on time.
    live_server.api("PUT", "/api/halls/noon/policy", json={"checkin_early_min": 60})
    page.locator("#e-home").click()
    page.locator("#to-checkin").click()
    page.keyboard.type(soon_code.lower())  # a scanner or a keyboard may send lower case
    expect(page.locator("#checkin-display")).to_have_text(soon_code)
    page.locator("#checkin-go").click()
    screen(page, "result")
    expect(page.locator("#r-number")).to_have_text("A001")
    expect(page.locator("#r-appointment")).to_be_visible()

    # A second check-in with the same code gives no second ticket: it says which one.
    page.locator("#r-done").click()
    page.locator("#to-checkin").click()
    page.keyboard.type(soon_code)
    page.keyboard.press("Enter")
    screen(page, "error")
    expect(page.locator("#e-title")).to_have_text("已签到")
    expect(page.locator("#e-message")).to_have_text("该预约已签到，您的号码是 A001，请留意叫号")


def test_an_unknown_booking_code_is_explained(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.goto(kiosk_url(live_server, tokens["kiosk"]))
    screen(page, "categories")
    page.locator("#to-checkin").click()
    page.keyboard.type("AB")
    page.keyboard.press("Enter")
    expect(page.locator("#checkin-message")).to_contain_text("请输入完整的预约码")
    page.keyboard.type("CDEFGH")
    with page.expect_response(re.compile(r"/check-in$")) as answered:
        page.keyboard.press("Enter")
    screen(page, "error")
    expect(page.locator("#e-title")).to_have_text("无法签到")
    # The server's words for the refusal, asked for in Chinese, are shown as they are.
    assert answered.value.request.headers["accept-language"] == "zh-CN"
    expect(page.locator("#e-message")).to_have_text(answered.value.json()["message"])
    page.locator("#e-back").click()
    screen(page, "checkin")


# ---------------------------------------------------------------- layout


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_every_category_fits_the_screen_without_scrolling(
    live_server: LiveServer, browser: Browser, viewport: dict[str, int]
) -> None:
    tokens = live_server.setup_hall()
    with open_page(browser, viewport) as page:
        page.goto(kiosk_url(live_server, tokens["kiosk"]))
        screen(page, "categories")
        names = page.locator("#categories .tile-name").all_inner_texts()
        assert len(names) == 6
        for name in names:
            page.locator("#categories .tile", has_text=name).click()
            screen(page, "services")
            hidden = page.evaluate(
                """() => {
                  const list = document.getElementById("services");
                  const root = document.documentElement;
                  return [
                    list.scrollHeight - list.clientHeight,
                    root.scrollWidth - root.clientWidth,
                  ];
                }"""
            )
            assert hidden[0] <= 1 and hidden[1] <= 0, (name, hidden)
            page.locator("#back").click()
            screen(page, "categories")


# ---------------------------------------------------------------- the status page


def test_status_page_follows_the_ticket_to_the_window_and_the_rating(
    live_server: LiveServer, phone: Page
) -> None:
    tokens = live_server.setup_hall()
    ticket = live_server.api(
        "POST",
        "/api/halls/live/tickets",
        token=tokens["kiosk"],
        json={"service": ID_CARD, "id_number": ELDER_ID},
    )
    assert ticket["status_url"] == f"{live_server.url}/t/{ticket['id']}"
    page = phone
    page.goto(ticket["status_url"])
    body = page.locator("body")
    expect(body).to_have_attribute("data-status", "waiting")
    expect(page.locator("#s-number")).to_have_text(ticket["number"])
    expect(page.locator("#s-status")).to_have_text("等候中")
    expect(page.locator("#s-green")).to_have_text("绿色通道")
    expect(page.locator("#s-ahead")).to_have_text("0")
    expect(page.locator("#s-materials")).to_contain_text("原居民身份证")
    expect(page.locator("#s-updated")).to_have_text(re.compile(r"^\d{2}:\d{2}:\d{2}$"))
    expect(page.locator("#rating")).to_be_hidden()
    html = page.content()
    assert ELDER_ID not in html and re.search(r"1101\*+", html) is None

    live_server.api("POST", "/api/halls/live/windows/2/open", token=tokens["window-2"])
    live_server.api("POST", "/api/halls/live/windows/2/call-next", token=tokens["window-2"])
    expect(body).to_have_attribute("data-status", "called")
    expect(page.locator("#s-call")).to_have_text("请到 2 号窗口")
    expect(page.locator("#s-status")).to_have_text("请前往窗口")
    expect(page.locator("#cancel-box")).to_be_hidden()

    live_server.api("POST", "/api/halls/live/windows/2/start", token=tokens["window-2"])
    expect(page.locator("#s-status")).to_have_text("办理中")
    live_server.api("POST", "/api/halls/live/windows/2/finish", token=tokens["window-2"])
    expect(page.locator("#s-status")).to_have_text("已办结")
    expect(page.locator("#s-call")).to_be_hidden()
    rating = page.locator("#rating")
    expect(rating).to_be_visible()
    expect(rating.locator(".rf-grade")).to_have_text(
        ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    )
    rating.locator(".rf-grade[data-score='5']").tap()
    expect(rating.locator(".rf-thanks")).to_have_text("感谢您的评价！")
    expect(rating.locator(".rf-given")).to_have_text("非常满意")
    expect(rating.locator(".rf-grade")).to_have_count(0)

    stats = live_server.api("GET", "/api/halls/live/stats", token=tokens["supervisor"])
    assert stats["ratings"]["by_grade"]["5"] == 1
    page.reload()  # and the page shows the rating given, from the server
    expect(rating.locator(".rf-given")).to_have_text("非常满意")
    expect(rating.locator(".rf-grade")).to_have_count(0)


def test_status_page_explains_why_a_later_number_goes_first(
    live_server: LiveServer, phone: Page
) -> None:
    tokens = live_server.setup_hall()

    def take(service: str) -> Any:
        path = "/api/halls/live/tickets"
        return live_server.api("POST", path, token=tokens["kiosk"], json={"service": service})

    slow = take("HZ-QR-TK")  # 户口迁移（投靠亲属）: target 30 minutes
    take("HZ-HJ-ZM")  # 户籍证明开具, taken later: target 15 minutes
    phone.goto(slow["status_url"])
    expect(phone.locator("#s-ahead")).to_have_text("1")
    expect(phone.locator("#s-wait")).to_have_text("暂无窗口办理")
    expect(phone.locator("#s-nowindow")).to_be_visible()
    order = phone.locator("#s-order")
    expect(order).to_have_text("办理时限较短的事项优先叫号，取号晚于您的号码可能先被叫到")
    live_server.api("POST", "/api/halls/live/windows/1/open", token=tokens["window-1"])
    phone.reload()
    expect(phone.locator("#s-nowindow")).to_be_hidden()
    expect(phone.locator("#s-wait")).to_have_text(re.compile("分钟|即将叫号"))
    expect(order).to_be_visible()


def test_the_board_says_the_order_is_not_strictly_by_number(
    live_server: LiveServer, browser: Browser
) -> None:
    tokens = live_server.setup_hall()
    with open_page(browser, LANDSCAPE) as page:
        page.goto(f"{live_server.url}/display/live?token={tokens['display']}")
        note = page.locator(".order-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text("号码不一定按取号先后叫出")
        assert "老" not in note.inner_text()


def test_status_page_cancels_only_after_confirmation(live_server: LiveServer, phone: Page) -> None:
    tokens = live_server.setup_hall()
    ticket = live_server.api(
        "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
    )
    page = phone
    page.goto(f"{live_server.url}/t/{ticket['id']}")
    expect(page.locator("#s-status")).to_have_text("等候中")
    page.locator("#cancel").tap()
    expect(page.locator("#cancel-confirm")).to_be_visible()
    page.locator("#cancel-no").tap()
    expect(page.locator("#cancel-confirm")).to_be_hidden()
    assert live_server.api("GET", f"/api/tickets/{ticket['id']}")["status"] == "waiting"

    page.locator("#cancel").tap()
    page.locator("#cancel-yes").tap()
    expect(page.locator("#s-status")).to_have_text("已取消")
    expect(page.locator("#cancel-box")).to_be_hidden()
    assert live_server.api("GET", f"/api/tickets/{ticket['id']}")["status"] == "cancelled"


def test_status_page_for_an_unknown_ticket(live_server: LiveServer, phone: Page) -> None:
    phone.goto(f"{live_server.url}/t/no-such-ticket")
    expect(phone.locator("body")).to_have_attribute("data-state", "missing")
    expect(phone.locator("#missing")).to_contain_text("找不到这张号票")
    expect(phone.locator("#ticket")).to_be_hidden()


def test_an_english_browser_still_reads_the_refusal_in_chinese(
    live_server: LiveServer, browser: Browser
) -> None:
    # A kiosk PC left in English: the server's refusal must still be the hall's language.
    tokens = live_server.setup_hall()
    adult = resident_id("19800101")
    held = live_server.api(
        "POST",
        "/api/halls/live/tickets",
        token=tokens["kiosk"],
        json={"service": ID_CARD, "id_number": adult},
    )
    with open_page(browser, PORTRAIT, touch=True, locale="en-US") as page:
        page.goto(kiosk_url(live_server, tokens["kiosk"]))
        choose(page)
        page.locator("#to-id").tap()
        type_keys(page, "id-keypad", adult)
        page.locator("#id-take").tap()
        screen(page, "error")
        expect(page.locator("#e-title")).to_have_text("您已取过号")
        expect(page.locator("#e-message")).to_have_text(
            f"您已领取「居民身份证换领」的号码 {held['number']}，请留意叫号，无需重复取号"
        )
        expect(page.locator("#e-retry")).to_be_hidden()
    assert issued(live_server, tokens) == 1


# ---------------------------------------------------------------- the QR route; the pages over HTTP


def test_qr_route_draws_only_our_status_addresses(live_server: LiveServer) -> None:
    tokens = live_server.setup_hall()
    ticket = live_server.api(
        "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
    )
    for ours in (ticket["status_url"], f"/t/{ticket['id']}"):
        drawn = httpx2.get(f"{live_server.url}/qr.svg", params={"data": ours})
        assert drawn.status_code == 200, ours
        assert drawn.headers["content-type"].startswith("image/svg+xml")
        assert drawn.text.startswith("<svg") and "<script" not in drawn.text
    for foreign in (
        "https://evil.example/t/abc",
        f"{live_server.url}.evil.example/t/abc",
        f"{live_server.url}/t/abc/../../admin",
        "javascript:alert(1)",
        "/t/" + "a" * 400,
    ):
        refused = httpx2.get(f"{live_server.url}/qr.svg", params={"data": foreign})
        assert refused.status_code == 403, foreign
        assert refused.json()["error"] == "forbidden"
    assert httpx2.get(f"{live_server.url}/qr.svg").status_code == 422


@pytest.mark.parametrize("path", ["/kiosk/live?token=t", "/t/some-ticket-id"])
def test_visitor_pages_are_utf8_and_self_contained(live_server: LiveServer, path: str) -> None:
    response = httpx2.get(f"{live_server.url}{path}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    page = response.text
    assert '<meta charset="utf-8">' in page and '<html lang="zh-CN"' in page
    assert "<script>" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)""", page):
        assert httpx2.get(f"{live_server.url}{asset}").status_code == 200, asset


# ---------------------------------------------------------------- pure rules, run in the browser


ID_CASES = """() => {
  const check = (n) => YiChuangId.check(n, "2026-11-25");
  const reason = (n) => check(n).reason || "ok";
  return {
    elder: [check("11010519491231002X").ok, check("11010519491231002X").greenByAge],
    lowerX: check("11010519491231002x").number,
    fullWidth: check("１１０１０５１９４９１２３１００２Ｘ").ok,
    spaces: check("110105 19491231 002X").ok,
    adult: check("110105198001011238").ok ? check("110105198001011238").greenByAge : "invalid",
    short: reason("1101"),
    letters: reason("11010519491231002A"),
    xInside: reason("1101X5194912310021"),
    feb30: reason("110105194902300021"),
    future: reason("110105203001010010"),
    checkDigit: reason("110105194912310021"),
  };
}"""

EXPLAIN_CASES = """() => {
  const T = YiChuangText;
  const say = (status, error, message, context, details = {}) => {
    const r = T.explain({status, data: {error, message, details}}, context,
                        {todayIso: "2026-11-25", checkinEarlyMin: 15});
    return [r.title, r.message, r.retry];
  };
  return {
    network: [T.explain({status: 0, data: {}}, "issue").title, T.explain(null, "issue").retry],
    server: ((r) => [r.title, r.retry])(T.explain({status: 500, data: {}}, "issue")),
    stale: say(409, "stale_state", "A001 号刚被其他设备改动，请核对后重试", "issue"),
    closed: say(409, "hall_closed", "大厅现在不办理业务，将于 2026-11-26 09:00 开始办理", "issue",
                {opens_at: "2026-11-26T09:00:00+08:00"}),
    closedUnknown: say(409, "hall_closed", "大厅现在不办理业务，开放时间请咨询工作人员", "issue",
                       {opens_at: ""}),
    duplicate: say(409, "duplicate_ticket", "您已领取「居民身份证换领」的号码 A001", "issue"),
    tooEarly: say(409, "conflict", "还未到签到时间", "checkin",
                  {slot_start: "2026-11-25T10:00:00+08:00"}),
    checkin: say(409, "conflict", "该预约已取消", "checkin"),
    rated: say(409, "already_rated", "A001 号已评价过，感谢您的反馈", "rate"),
    cancel: say(409, "invalid_transition", "该号码当前为「已叫号」，不能取消", "cancel"),
    invalid: say(422, "invalid_input", "身份证号码校验位不符", "issue"),
    silent: say(404, undefined, undefined, "ticket"),
  };
}"""

FLOW_CASES = """() => {
  const K = YiChuangKiosk;
  let s = K.initialState();
  const step = (action) => { const r = K.reduce(s, action); s = r.state; return r.effects; };
  const today = "2026-11-25";
  step({type: "ready"});
  step({type: "category", code: "hukou"});
  step({type: "service", code: "HZ-SFZ-HL", walkIn: true});
  const first = step({type: "take", key: "k1", today});
  const whileBusy = step({type: "take", key: "k2", today});
  step({type: "refused", error: {title: "", message: "", retry: true}});
  const afterError = s.screen;
  const retried = step({type: "retry"});
  step({type: "refused", error: {title: "", message: "", retry: true}});
  step({type: "back"});
  const fromMaterials = step({type: "take", key: "k3", today});
  step({type: "issued", ticket: {number: "A001"}});
  const afterIssue = [s.screen, s.key];
  step({type: "home"});
  step({type: "category", code: "exit_entry"});
  step({type: "service", code: "CRJ-WG-QZ", walkIn: false});
  const notWalkIn = step({type: "take", key: "k4", today});
  return {
    first: first.map((e) => [e.type, e.key, e.body.service]),
    whileBusy: whileBusy.length,
    afterError,
    retried: retried.map((e) => e.key),
    fromMaterials: fromMaterials.map((e) => e.key),
    afterIssue,
    notWalkIn: notWalkIn.length,
    printer: [null, {state: "ok"}, {state: "paper_low"}, {state: "cover_open"}].map(
      (device) => K.printerStatus(device).state),
    idle: [
      K.idleLimit({screen: "categories", busy: false}, {result: 30, other: 60}),
      K.idleLimit({screen: "result", busy: false}, {result: 30, other: 60}),
      K.idleLimit({screen: "materials", busy: false}, {result: 30, other: 60}),
      K.idleLimit({screen: "materials", busy: true}, {result: 30, other: 60}),
    ],
  };
}"""


def test_id_rules_and_the_kiosk_flow_as_pure_functions(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/kiosk/live")  # no token: the page stops at its fatal screen
    screen(page, "fatal")
    expect(page.locator("#fatal-message")).to_contain_text("缺少令牌")
    assert page.evaluate(ID_CASES) == {
        "elder": [True, True],
        "lowerX": ELDER_ID,
        "fullWidth": True,
        "spaces": True,
        "adult": False,
        "short": "length",
        "letters": "characters",
        "xInside": "x_position",
        "feb30": "birth_date",
        "future": "birth_date",
        "checkDigit": "check_digit",
    }
    assert page.evaluate(EXPLAIN_CASES) == {
        "network": ["网络连接失败", True],
        "server": ["服务器暂时无法处理", True],
        "stale": ["系统繁忙", "请稍候再试一次", True],
        "closed": ["大厅现在不办理业务", "本大厅将于 明天 09:00 开始办理，请届时再来取号", False],
        "closedUnknown": [
            "大厅现在不办理业务",
            "大厅现在不办理业务，开放时间请咨询工作人员",
            False,
        ],
        "duplicate": ["您已取过号", "您已领取「居民身份证换领」的号码 A001", False],
        "tooEarly": ["还未到签到时间", "您预约的是 10:00 的时段，请于 09:45 以后再来签到", False],
        "checkin": ["无法签到", "该预约已取消", False],
        "rated": ["已评价", "A001 号已评价过，感谢您的反馈", False],
        "cancel": ["无法取消", "该号码当前为「已叫号」，不能取消", False],
        "invalid": ["输入有误", "身份证号码校验位不符", False],
        "silent": ["未找到", "服务器拒绝了请求（404）", False],
    }
    assert page.evaluate(FLOW_CASES) == {
        "first": [["issue", "k1", ID_CARD]],
        "whileBusy": 0,
        "afterError": "error",
        "retried": ["k1"],  # a retry reuses the attempt's key
        "fromMaterials": ["k1"],  # so does a second tap after going back
        "afterIssue": ["result", None],  # the attempt is over: the next one gets a new key
        "notWalkIn": 0,
        "printer": ["unknown", "ok", "low", "fault"],
        "idle": [None, 30, 60, None],
    }


TEXT_CASES = """
() => {
  const T = window.YiChuangText;
  const waiting = {status: "waiting", estimated_wait_s: 0, position: 6};
  return {
    noWindow: T.queueFacts({...waiting, windows_open: 0}),
    open: T.queueFacts({...waiting, windows_open: 2, estimated_wait_s: 600,
                        order_note: "办理时限较短的事项优先叫号"}),
    closed: [T.hallClosed("2026-11-26T09:00:00+08:00", "2026-11-25"), T.hallClosed(null, "")],
  };
}
"""


def test_what_the_visitor_reads_as_pure_functions(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/kiosk/live")
    screen(page, "fatal")
    assert page.evaluate(TEXT_CASES) == {
        # Six ahead and no window: never "即将叫号".
        "noWindow": {
            "wait": "暂无窗口办理",
            "noWindow": "目前没有开放的窗口办理该事项，窗口开放后按顺序叫号，请留意大厅屏幕",
            "order": None,
        },
        "open": {"wait": "约 10 分钟", "noWindow": None, "order": "办理时限较短的事项优先叫号"},
        "closed": [
            {
                "title": "大厅现在不办理业务",
                "message": "本大厅将于 明天 09:00 开始办理，请届时再来取号",
            },
            {
                "title": "大厅现在不办理业务",
                "message": "本大厅暂停取号，开放时间请咨询工作人员",
            },
        ],
    }
