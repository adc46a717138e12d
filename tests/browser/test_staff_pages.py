"""The staff pages in a real browser: clerk console, evaluator, supervisor console.

Each test drives the page as a clerk or a supervisor would (clicks, keys) and
checks what the server recorded through the REST API; the visitors' side (the
ticket machine) is played through the API. Every wait is bounded (WAIT_MS in
conftest.py, or an explicit timeout).
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from playwright.sync_api import Page, WebSocketRoute, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.live import LiveServer

browser = pytest.mark.browser

HALL = "live"
ID_CARD = "HZ-SFZ-HL"  # 居民身份证换领, prefix A (hukou)
FIRST_ID_CARD = "HZ-SFZ-SL"  # 居民身份证首次申领 (hukou)
PASSPORT = "CRJ-HZ-SC"  # 普通护照首次申请, prefix B (exit_entry)
ELDER_ID = "11010519491231002X"  # born 1949-12-31: a green-channel ticket
CLERK_SCREEN = {"width": 1366, "height": 768}
RATE_SCREEN = {"width": 1280, "height": 800}


# ---------------------------------------------------------------- helpers


def clerk_url(server: LiveServer, token: str, window: int = 1) -> str:
    return f"{server.url}/window/{HALL}/{window}?token={token}"


def rate_url(server: LiveServer, token: str, window: int = 1) -> str:
    return f"{server.url}/window/{HALL}/{window}/rate?token={token}"


def supervisor_url(server: LiveServer, token: str) -> str:
    return f"{server.url}/supervisor/{HALL}?token={token}"


def issue(server: LiveServer, tokens: dict[str, str], **body: Any) -> Any:
    body.setdefault("service", ID_CARD)
    return server.api("POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json=body)


def act(server: LiveServer, tokens: dict[str, str], window: int, action: str, **body: Any) -> Any:
    path = f"/api/halls/{HALL}/windows/{window}/{action}"
    return server.api("POST", path, token=tokens[f"window-{window}"], json=body or None)


def stats(server: LiveServer, tokens: dict[str, str]) -> Any:
    return server.api("GET", f"/api/halls/{HALL}/stats", token=tokens["supervisor"])


def expect_live(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-state", "live")


def expect_window_state(page: Page, state: str) -> None:
    """The window is in `state` and no action is out (keys pressed meanwhile are ignored)."""
    expect(page.locator("body")).to_have_attribute("data-window-state", state)
    expect(page.locator("body")).to_have_attribute("data-busy", "")


_ENABLED_JS = """() => [...document.querySelectorAll("button[data-action]")]
    .filter((b) => !b.hidden && !b.disabled).map((b) => b.dataset.action)"""


def expect_enabled(page: Page, actions: set[str]) -> None:
    """The clerk's buttons shown and pressable settle on exactly `actions`.

    Waits like `expect` does: the buttons follow the window's state a frame
    after it changes, and a call in flight greys them all out meanwhile."""
    wanted = json.dumps(sorted(actions), separators=(",", ":"))  # as JSON.stringify writes it
    try:
        page.wait_for_function(
            f"() => JSON.stringify(({_ENABLED_JS})().sort()) === {json.dumps(wanted)}",
            timeout=5000,
        )
    except PlaywrightTimeout:
        assert set(page.evaluate(_ENABLED_JS)) == actions


def open_clerk(page: Page, server: LiveServer, tokens: dict[str, str], window: int = 1) -> None:
    page.set_viewport_size(CLERK_SCREEN)
    page.goto(clerk_url(server, tokens[f"window-{window}"], window))
    expect_live(page)
    # The hall's configuration has arrived once a state-fitting button is enabled.
    expect(page.locator("button[data-action]:not([hidden]):enabled").first).to_be_visible()


def action_button(page: Page, action: str) -> Any:
    return page.locator(f'button[data-action="{action}"]')


@pytest.fixture
def second_page(page: Page) -> Iterator[Page]:
    """Another screen in the same browser (the clerk's PC runs the console and the evaluator)."""
    errors: list[str] = []
    other = page.context.new_page()
    other.on("pageerror", lambda error: errors.append(str(error)))
    yield other
    assert not errors, f"the second page threw: {errors}"


@pytest.fixture
def fast_jobs_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """A live server whose scheduler runs the hall's jobs (alerts…) every second.

    LiveServer passes os.environ to the server process; monkeypatch restores it.
    """
    monkeypatch.setenv("QUEUE_JOBS_INTERVAL_S", "1")
    server = LiveServer(f"sqlite:///{tmp_path}/jobs.db", tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- the pages over HTTP


@pytest.mark.parametrize("path", ["/window/h1/3", "/window/h1/3/rate", "/supervisor/h1"])
def test_staff_pages_are_utf8_chinese_and_self_contained(
    live_server: LiveServer, path: str
) -> None:
    response = httpx2.get(f"{live_server.url}{path}?token=t", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<meta charset="utf-8">' in page and '<html lang="zh-CN"' in page
    assert 'data-hall="h1"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script>" not in page
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for asset in re.findall(r"""(?:src|href)="(/static/[^"?]+)""", page):
        loaded = httpx2.get(f"{live_server.url}{asset}", timeout=10)
        assert loaded.status_code == 200 and loaded.content, asset


# ---------------------------------------------------------------- the clerk console


@browser
def test_clerk_calls_starts_and_finishes_a_ticket(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    ticket = issue(live_server, tokens, id_number=ELDER_ID)
    open_clerk(page, live_server, tokens)
    expect_window_state(page, "closed")
    expect(page.locator("#window-label")).to_have_text("1号综合窗口")

    action_button(page, "open").click()
    expect_window_state(page, "open")
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page.locator("#queue-green")).to_have_text("绿色通道 1")

    page.keyboard.press("Space")
    expect_window_state(page, "calling")
    expect(page.locator("#ticket-number")).to_have_text(ticket["number"])
    expect(page.locator("#ticket-green")).to_be_visible()
    expect(page.locator("#ticket-service")).to_have_text("居民身份证换领")
    expect(page.locator("#fact-id")).to_have_text("11***************X")
    expect(page.locator("#fact-recalls")).to_have_text("0/2")
    expect(page.locator("#materials")).to_contain_text("原居民身份证")
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(page.locator("#message")).to_contain_text(f"已叫号 {ticket['number']}")

    action_button(page, "recall").click()
    expect(page.locator("#fact-recalls")).to_have_text("1/2")
    action_button(page, "start").click()
    expect_window_state(page, "serving")
    page.keyboard.press("2")  # outcome 受理
    expect(page.locator('button[data-outcome="受理"]')).to_have_attribute("aria-checked", "true")
    page.keyboard.press("f")
    expect_window_state(page, "open")
    expect(page.locator("#ticket-number")).to_have_text("—")

    figures = stats(live_server, tokens)
    assert (figures["served"], figures["in_progress"], figures["waiting"]) == (1, 0, 0)
    csv_text = httpx2.get(
        f"{live_server.url}/api/halls/{HALL}/tickets.csv",
        headers={"Authorization": f"Bearer {tokens['supervisor']}"},
        timeout=10,
    ).text
    assert "受理" in csv_text  # the outcome the clerk picked was recorded


@browser
def test_keys_work_after_a_material_is_ticked_with_the_mouse(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()
    issue(live_server, tokens)
    issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    open_clerk(page, live_server, tokens)
    page.keyboard.press("Space")
    expect_window_state(page, "calling")
    first = page.locator("#material-0")
    first.click()  # the clerk ticks a material: focus stays on the checkbox
    expect(first).to_be_checked()
    page.keyboard.press("s")
    expect_window_state(page, "serving")
    second = page.locator("#material-1")
    second.click()
    page.keyboard.press("3")  # the outcome
    expect(page.locator('button[data-outcome="补正材料"]')).to_have_attribute(
        "aria-checked", "true"
    )
    expect(second).to_be_checked()
    page.keyboard.press("f")
    expect_window_state(page, "open")
    page.keyboard.press("Space")  # calls the next visitor, whatever had focus before
    expect_window_state(page, "calling")
    expect(page.locator("#ticket-number")).to_have_text("A002")
    page.locator("#material-0").click()
    page.keyboard.press("Space")  # not a calling-state key: the box keeps its own meaning
    expect(page.locator("#material-0")).not_to_be_checked()
    page.keyboard.press("n")
    expect_window_state(page, "open")
    assert stats(live_server, tokens)["ratings"]["count"] == 0


@browser
def test_the_evaluator_resets_when_its_window_calls_the_next_visitor(
    live_server: LiveServer, page: Page, second_page: Page
) -> None:
    tokens = live_server.setup_hall()
    first = issue(live_server, tokens)
    issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    rate = second_page
    rate.set_viewport_size(RATE_SCREEN)
    rate.goto(rate_url(live_server, tokens["window-1"]))
    expect_live(rate)
    open_clerk(page, live_server, tokens)
    for key, state in (("Space", "calling"), ("s", "serving"), ("f", "open")):
        page.keyboard.press(key)
        expect_window_state(page, state)
    expect_window_state(page, "open")
    expect(rate.locator("body")).to_have_attribute("data-view", "prompt")
    expect(rate.locator("#prompt-ticket")).to_contain_text(first["number"])
    page.keyboard.press("Space")  # A002 steps up: A001 has left the window
    expect_window_state(page, "calling")
    expect(rate.locator("body")).to_have_attribute("data-view", "idle")
    rate.keyboard.press("5")  # nothing to rate now
    expect(rate.locator("body")).to_have_attribute("data-view", "idle")
    rate.reload()  # nor after a reload: the window holds someone else
    expect_live(rate)
    expect(rate.locator("body")).to_have_attribute("data-view", "idle")
    assert stats(live_server, tokens)["ratings"]["count"] == 0


@browser
def test_the_evaluator_says_so_when_the_server_refuses_a_gone_visitor(
    live_server: LiveServer, page: Page, second_page: Page
) -> None:
    # The evaluator misses the call (its feed is cut): the server still refuses.
    tokens = live_server.setup_hall()
    issue(live_server, tokens)
    issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    rate = second_page
    deaf = {"now": False}

    def relay(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda message: None if deaf["now"] else ws.send(message))
        ws.on_message(server.send)

    rate.route_web_socket(re.compile(r"/ws/halls/"), relay)
    rate.set_viewport_size(RATE_SCREEN)
    rate.goto(rate_url(live_server, tokens["window-1"]))
    expect_live(rate)
    open_clerk(page, live_server, tokens)
    for key, state in (("Space", "calling"), ("s", "serving"), ("f", "open")):
        page.keyboard.press(key)
        expect_window_state(page, state)
    expect(rate.locator("body")).to_have_attribute("data-view", "prompt")
    deaf["now"] = True
    act(live_server, tokens, 1, "call-next")
    rate.locator('button[data-score="5"]').click()
    expect(rate.locator("body")).to_have_attribute("data-view", "thanks")
    expect(rate.locator("#thanks-title")).to_have_text("未记录评价")
    expect(rate.locator("#thanks-note")).to_contain_text("手机上评价")
    assert stats(live_server, tokens)["ratings"]["count"] == 0


@browser
def test_only_state_fitting_buttons_are_enabled(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    live_server.api("PUT", f"/api/halls/{HALL}/policy", json={"max_recalls": 1})
    issue(live_server, tokens)
    open_clerk(page, live_server, tokens)

    expect_enabled(page, {"open"})
    page.keyboard.press("Space")  # no call from a closed window, whatever the key
    expect_window_state(page, "closed")

    page.keyboard.press("o")
    expect_window_state(page, "open")
    # 恢复挂起 is shown but stays disabled while nobody is suspended.
    expect(action_button(page, "resume-ticket")).to_be_disabled()
    expect_enabled(page, {"call-next", "call", "pause", "close"})

    page.keyboard.press("F1")
    expect_window_state(page, "calling")
    expect_enabled(page, {"recall", "start", "no-show", "transfer"})
    expect(action_button(page, "recall")).to_contain_text("R")  # the shortcut is on the button
    page.keyboard.press("r")
    # The hall allows one recall: after it, 重呼 is greyed out and 过号 is the way on.
    expect(action_button(page, "recall")).to_be_disabled()
    expect(action_button(page, "recall")).to_contain_text("已重呼 1/1 次")
    expect_enabled(page, {"start", "no-show", "transfer"})

    page.keyboard.press("s")
    expect_window_state(page, "serving")
    expect_enabled(page, {"finish", "suspend", "transfer"})
    expect(page.locator("#outcomes")).to_be_visible()

    page.keyboard.press("f")
    expect_window_state(page, "open")
    page.keyboard.press("p")
    expect_window_state(page, "paused")
    expect_enabled(page, {"resume", "close"})
    expect(page.locator("#call-next")).to_be_hidden()
    page.keyboard.press("p")
    expect_window_state(page, "open")
    page.keyboard.press("x")
    expect_window_state(page, "closed")
    expect_enabled(page, {"open"})


@browser
def test_a_double_click_on_call_next_calls_exactly_one_ticket(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()
    for _ in range(3):
        issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    open_clerk(page, live_server, tokens)
    expect(page.locator("#queue-count")).to_have_text("3")
    before = stats(live_server, tokens)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/call-next") else None)

    page.locator("#call-next").dblclick()
    expect_window_state(page, "calling")
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#queue-count")).to_have_text("2")

    after = stats(live_server, tokens)
    assert after["in_progress"] == 1
    assert after["waiting"] == before["waiting"] - 1
    assert len(sent) == 1, sent
    expect(page.locator("#message")).not_to_have_class(re.compile(r"\berror\b"))


@browser
def test_a_call_refused_by_the_server_is_explained_and_healed(
    live_server: LiveServer, page: Page
) -> None:
    # The page misses the feed's ticket.called (another device called on this
    # window): it still shows an idle window, the server answers 409 to its
    # call-next, the clerk reads why in Chinese, and a resync brings the truth.
    tokens = live_server.setup_hall()
    issue(live_server, tokens)
    issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    sent_by_page: list[str] = []

    def relay(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            text = message if isinstance(message, str) else message.decode()
            if json.loads(text)["type"] != "ticket.called":
                ws.send(text)

        def to_server(message: str | bytes) -> None:
            sent_by_page.append(message if isinstance(message, str) else message.decode())
            server.send(message)

        server.on_message(to_page)
        ws.on_message(to_server)

    page.route_web_socket(re.compile(r"/ws/halls/"), relay)
    open_clerk(page, live_server, tokens)
    expect_window_state(page, "open")
    assert act(live_server, tokens, 1, "call-next")["ticket"]["number"] == "A001"

    page.keyboard.press("Space")
    expect(page.locator("#message")).to_have_text("1 号窗口当前为「叫号中」，不能叫号")
    expect(page.locator("#message")).to_have_class(re.compile(r"\berror\b"))
    expect_window_state(page, "calling")  # from the snapshot the resync brought
    expect(page.locator("#ticket-number")).to_have_text("A001")
    assert {"type": "resync"} in [json.loads(m) for m in sent_by_page]
    assert stats(live_server, tokens)["in_progress"] == 1


@browser
def test_a_ticket_called_elsewhere_shows_what_the_hall_knows(
    live_server: LiveServer, page: Page
) -> None:
    # A supervisor (or another tab) calls on this window: the feed tells the
    # number and service; the checklist comes from the catalogue.
    tokens = live_server.setup_hall()
    issue(live_server, tokens, id_number=ELDER_ID)
    act(live_server, tokens, 1, "open")
    open_clerk(page, live_server, tokens)
    path = f"/api/halls/{HALL}/windows/1/call-next"
    live_server.api("POST", path, token=tokens["supervisor"])
    expect_window_state(page, "calling")
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#ticket-green")).to_be_visible()
    expect(page.locator("#ticket-service")).to_have_text("居民身份证换领")
    expect(page.locator("#materials")).to_contain_text("原居民身份证")
    # The window's view (GET …/windows/1) fills in what the feed never carries.
    expect(page.locator("#fact-id")).to_have_text("11***************X")
    expect(page.locator("#fact-waited")).to_be_visible()
    page.keyboard.press("s")  # and the clerk carries on from here
    expect_window_state(page, "serving")


@browser
def test_call_by_number_suspend_resume_and_transfer(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    issue(live_server, tokens)
    second = issue(live_server, tokens, service=FIRST_ID_CARD)
    act(live_server, tokens, 1, "open")
    open_clerk(page, live_server, tokens)
    expect(page.locator("#queue-count")).to_have_text("2")

    page.keyboard.press("c")  # 指定叫号
    dialog = page.locator("dialog.picker")
    expect(dialog).to_be_visible()
    expect(dialog.locator(f'[data-number="{second["number"]}"]')).to_be_visible()
    dialog.locator("input").fill(second["number"].lower())
    dialog.locator("input").press("Enter")
    expect(page.locator("#ticket-number")).to_have_text(second["number"])
    expect(page.locator("#ticket-service")).to_have_text("居民身份证首次申领")

    page.keyboard.press("s")
    expect_window_state(page, "serving")
    page.keyboard.press("g")  # 挂起: the visitor fetches a missing document
    expect_window_state(page, "open")
    expect(action_button(page, "resume-ticket")).to_contain_text("挂起 1 个")
    page.keyboard.press("h")
    dialog.locator(f'[data-number="{second["number"]}"]').click()
    expect(page.locator("#message")).to_have_text(f"{second['number']} 已恢复，排在队首")

    page.keyboard.press("Space")  # back at the head of the queue
    expect_window_state(page, "calling")  # the feed may show the number before the call returns
    expect(page.locator("#ticket-number")).to_have_text(second["number"])
    page.keyboard.press("t")
    expect(dialog).to_be_visible()
    dialog.locator(".pick-tab", has_text="出入境").click()
    dialog.locator(f'[data-service="{PASSPORT}"]').click()
    dialog.locator('[data-window="2"]').click()
    dialog.locator("button.pick-go").click()
    expect(page.locator("#message")).to_contain_text("已转办至「普通护照首次申请」")
    expect_window_state(page, "open")

    queues = live_server.api("GET", f"/api/halls/{HALL}/queues", token=tokens["supervisor"])
    moved = [t for t in queues["tickets"] if t["number"] == second["number"]]
    assert [(t["service"], t["directed_window"]) for t in moved] == [(PASSPORT, 2)]


# Whatever the hour of the test run, one of these zones is in office hours.
OFFICE_ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York")
BOOKER_ID = "110105198001010016"  # a valid ID number, born 1980


def appointment_hall(server: LiveServer) -> tuple[dict[str, str], str]:
    """A hall in office hours now, with 5-minute slots bookable for today.

    Returns the tokens and the hall's local date. Check-in opens 10 minutes
    before a slot, so the next slot can always be checked into at once.
    """
    now = datetime.now(UTC)
    zone = next(z for z in OFFICE_ZONES if 8 <= now.astimezone(ZoneInfo(z)).hour < 20)
    server.api("POST", "/api/halls", json={"id": HALL, "name": "预约测试大厅", "timezone": zone})
    server.api(
        "PUT",
        f"/api/halls/{HALL}/windows/1",
        json={"label": "1号综合窗口", "services": "all"},
    )
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    server.api(
        "PUT",
        f"/api/halls/{HALL}/hours",
        json={"weekly": {d: [["00:00", "23:59"]] for d in days}, "closed_dates": []},
    )
    server.api(
        "PUT",
        f"/api/halls/{HALL}/policy",
        json={"slot_minutes": 5, "checkin_early_min": 10, "appointment_share_pct": 100},
    )
    tokens = {
        "window-1": server.api(
            "POST", "/api/tokens", json={"role": "window", "hall": HALL, "window": 1}
        )["token"],
        "kiosk": server.api("POST", "/api/tokens", json={"role": "kiosk", "hall": HALL})["token"],
    }
    return tokens, now.astimezone(ZoneInfo(zone)).date().isoformat()


@browser
def test_clerk_sees_the_booking_of_an_appointment_ticket(
    live_server: LiveServer, page: Page, second_page: Page
) -> None:
    tokens, today = appointment_hall(live_server)
    slots = httpx2.get(
        f"{live_server.url}/api/halls/{HALL}/slots",
        params={"service": ID_CARD, "date": today},
        timeout=10,
    ).json()["slots"]
    soon = datetime.now(UTC) + timedelta(seconds=20)  # still bookable when the request lands
    slot = next(s for s in slots if datetime.fromisoformat(s["start"]) > soon and s["free"])
    booking = live_server.book(
        HALL,
        {
            "service": ID_CARD,
            "slot": slot["start"],
            "name": "张三",
            "id_number": BOOKER_ID,
            "phone": "13800138000",
            "form": {"reason": "有效期满", "hukou_place": "北京市西城区"},
        },
    )
    live_server.api(
        "POST",
        f"/api/halls/{HALL}/appointments/check-in",
        token=tokens["kiosk"],
        json={"code": booking["code"]},
    )
    act(live_server, tokens, 1, "open")
    open_clerk(page, live_server, tokens)
    page.keyboard.press("Space")
    expect_window_state(page, "calling")
    box = page.locator("#appointment")
    expect(box).to_be_visible()
    expect(box).to_contain_text("预约人：张三")
    expect(box).to_contain_text("换领原因")
    expect(box).to_contain_text("有效期满")
    expect(page.locator("#fact-id")).to_have_text(re.compile(r"^11\*+6$"))

    # A console opened afresh (a reload, a new tab) shows the same, from the server.
    for reopened in (page, second_page):
        reopened.set_viewport_size(CLERK_SCREEN)
        reopened.goto(clerk_url(live_server, tokens["window-1"]))
        expect(reopened.locator("#appointment")).to_contain_text("预约人：张三")
        expect(reopened.locator("#appointment")).to_contain_text("有效期满")
        expect(reopened.locator("#fact-id")).to_have_text(re.compile(r"^11\*+6$"))
    assert page.evaluate("() => sessionStorage.length + localStorage.length") == 0


@browser
def test_clerk_queue_counts_only_the_windows_services(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    live_server.api(
        "PUT",
        f"/api/halls/{HALL}/windows/3",
        json={"label": "3号出入境窗口", "categories": ["exit_entry"]},
    )
    issue(live_server, tokens)
    issue(live_server, tokens, service=PASSPORT)
    open_clerk(page, live_server, tokens, window=3)
    expect(page.locator("#window-label")).to_have_text("3号出入境窗口")
    expect(page.locator("#queue-count")).to_have_text("1")
    issue(live_server, tokens, service=PASSPORT)  # live: the feed says something changed
    expect(page.locator("#queue-count")).to_have_text("2")
    issue(live_server, tokens)
    page.wait_for_timeout(1500)  # a hukou ticket is not this window's
    expect(page.locator("#queue-count")).to_have_text("2")


@browser
def test_clerk_keeps_working_through_a_server_restart(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    act(live_server, tokens, 1, "open")
    open_clerk(page, live_server, tokens)
    expect_window_state(page, "open")

    live_server.stop()
    expect(page.locator("body")).to_have_attribute("data-state", "disconnected")
    expect(page.locator("#banner")).to_have_text("连接中断，正在重连…")
    expect(page.locator("#banner")).to_be_visible()
    live_server.start()  # same port, same database
    expect_live(page)
    expect(page.locator("#banner")).to_be_hidden()

    issue(live_server, tokens)
    expect(page.locator("#queue-count")).to_have_text("1")
    page.keyboard.press("Space")
    expect(page.locator("#ticket-number")).to_have_text("A001")
    assert stats(live_server, tokens)["in_progress"] == 1
    assert "disconnected" in page.evaluate("window.__states")


@browser
@pytest.mark.parametrize(
    ("path", "token", "message"),
    [
        ("/window/live/1", "window-2", "此令牌属于 2 号窗口，不能用于 1 号窗口"),
        ("/window/live/7", "supervisor", "本大厅没有 7 号窗口"),
        ("/supervisor/live", "window-1", "主管台需要主管令牌"),
        ("/supervisor/live", "yc_not-a-real-token", "令牌无效"),
        ("/window/live/1/rate", None, "缺少令牌"),
    ],
)
def test_a_wrong_token_or_window_says_why(
    live_server: LiveServer, page: Page, path: str, token: str | None, message: str
) -> None:
    tokens = live_server.setup_hall(windows=2)
    url = f"{live_server.url}{path}"
    if token is not None:
        url += f"?token={tokens.get(token, token)}"
    page.goto(url)
    expect(page.locator("#fatal")).to_be_visible()
    expect(page.locator("#fatal-message")).to_contain_text(message)


# ---------------------------------------------------------------- the evaluator


@browser
def test_rate_page_asks_after_a_finish_and_records_the_rating(
    live_server: LiveServer, page: Page, second_page: Page
) -> None:
    tokens = live_server.setup_hall()
    issue(live_server, tokens)
    rate = second_page
    rate.set_viewport_size(RATE_SCREEN)
    rate.goto(rate_url(live_server, tokens["window-1"]))
    expect_live(rate)
    expect(rate.locator("body")).to_have_attribute("data-view", "idle")
    expect(rate.locator("#idle-window")).to_have_text("1号综合窗口")

    # A finish at another window is not this evaluator's business.
    issue(live_server, tokens)
    act(live_server, tokens, 2, "open")
    act(live_server, tokens, 2, "call-next")
    act(live_server, tokens, 2, "start")
    act(live_server, tokens, 2, "finish")

    open_clerk(page, live_server, tokens)
    page.keyboard.press("o")
    expect_window_state(page, "open")
    page.keyboard.press("Space")
    expect_window_state(page, "calling")
    number = page.locator("#ticket-number").inner_text()
    page.keyboard.press("s")
    expect_window_state(page, "serving")
    expect(rate.locator("body")).to_have_attribute("data-view", "idle")
    page.keyboard.press("f")
    expect_window_state(page, "open")

    expect(rate.locator("body")).to_have_attribute("data-view", "prompt")
    expect(rate.locator("#rate-form .rf-title")).to_have_text("请您对本次服务进行评价")
    expect(rate.locator("#prompt-ticket")).to_contain_text(number)
    grades = rate.locator("#rate-form .rf-grade")
    expect(grades).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])
    rate.locator('button[data-score="4"]').dblclick()  # one rating, however often it is tapped
    expect(rate.locator("body")).to_have_attribute("data-view", "thanks")
    expect(rate.locator("#thanks")).to_contain_text("感谢您的评价")

    ratings = stats(live_server, tokens)["ratings"]
    assert ratings["count"] == 1
    assert ratings["by_grade"]["4"] == 1
    # Back to the greeting after a few seconds, ready for the next visitor.
    expect(rate.locator("body")).to_have_attribute("data-view", "idle", timeout=10_000)


@browser
def test_rate_page_reloaded_just_after_a_finish_still_asks(
    live_server: LiveServer, page: Page, second_page: Page
) -> None:
    tokens = live_server.setup_hall()
    issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    open_clerk(page, live_server, tokens)
    page.keyboard.press("Space")
    expect_window_state(page, "calling")
    page.keyboard.press("s")
    expect_window_state(page, "serving")
    page.keyboard.press("f")
    expect_window_state(page, "open")

    second_page.set_viewport_size(RATE_SCREEN)
    second_page.goto(rate_url(live_server, tokens["window-1"]))  # opened after the finish
    expect(second_page.locator("body")).to_have_attribute("data-view", "prompt")
    second_page.keyboard.press("5")  # an evaluator's hard key: the digit is the score
    expect(second_page.locator("body")).to_have_attribute("data-view", "thanks")
    assert stats(live_server, tokens)["ratings"]["by_grade"]["5"] == 1


# ---------------------------------------------------------------- the supervisor console


def tile(page: Page, window: int) -> Any:
    return page.locator(f'.window-tile[data-window="{window}"]')


@browser
def test_supervisor_sees_the_clerks_calls_and_the_figures_change(
    live_server: LiveServer, page: Page, second_page: Page
) -> None:
    tokens = live_server.setup_hall()
    issue(live_server, tokens)
    issue(live_server, tokens, service=PASSPORT)
    page.goto(supervisor_url(live_server, tokens["supervisor"]))
    expect_live(page)
    expect(page.locator("#hall-name")).to_have_text("实时测试大厅")
    expect(page.locator("#kpi-issued")).to_have_text("2")
    expect(page.locator("#kpi-served")).to_have_text("0")
    expect(page.locator("#categories .category", has_text="户政")).to_contain_text("1")
    expect(page.locator("#services")).to_contain_text("普通护照首次申请")
    expect(tile(page, 1)).to_contain_text("未开启")

    clerk = second_page
    open_clerk(clerk, live_server, tokens)
    clerk.keyboard.press("o")
    expect(tile(page, 1)).to_contain_text("空闲")
    expect_window_state(clerk, "open")
    clerk.keyboard.press("Space")
    expect_window_state(clerk, "calling")
    expect(tile(page, 1).locator(".tile-ticket")).to_have_text("A001")
    expect(tile(page, 1)).to_contain_text("叫号中")
    expect(tile(page, 1).locator(".tile-age")).to_contain_text("叫号")
    expect(page.locator("#waiting-total")).to_have_text("1")
    expect(page.locator("#tickets")).not_to_contain_text("A001")

    clerk.keyboard.press("s")
    expect(tile(page, 1)).to_contain_text("办理中")
    expect_window_state(clerk, "serving")
    clerk.keyboard.press("f")
    expect(tile(page, 1)).to_contain_text("空闲")
    expect(page.locator("#kpi-served")).to_have_text("1")
    expect(page.locator("#hour-chart rect.bar")).to_have_count(1)


@browser
def test_supervisor_shows_alerts_and_printer_faults(
    fast_jobs_server: LiveServer, page: Page
) -> None:
    server = fast_jobs_server
    tokens = server.setup_hall()
    server.api("PUT", f"/api/halls/{HALL}/policy", json={"queue_alert_length": 2})
    page.goto(supervisor_url(server, tokens["supervisor"]))
    expect_live(page)
    expect(page.locator("#alerts-empty")).to_be_visible()

    issue(server, tokens)
    issue(server, tokens, service=FIRST_ID_CARD)  # two hukou tickets: past the threshold
    alert = page.locator("#alerts .alert")
    expect(alert).to_have_count(1)  # the scheduler runs every second here
    expect(alert).to_contain_text("户政 排队过长")
    expect(alert).to_contain_text("等候 2 人")
    expect(page.locator("#alerts-empty")).to_be_hidden()

    server.api(
        "POST",
        f"/api/halls/{HALL}/devices/status",
        token=tokens["kiosk"],
        json={"state": "paper_out", "detail": "纸仓空"},
    )
    expect(page.locator("#devices .device.fault")).to_contain_text("缺纸")
    expect(page.locator("#devices .device.fault")).to_contain_text("纸仓空")

    alert.locator(".alert-ack").click()
    expect(alert).to_have_count(0)
    expect(page.locator("#alerts-empty")).to_have_text("预警均已处理")
    history = page.locator("#alerts-done .alert")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("户政 排队过长")
    expect(history).to_contain_text("已确认")


@browser
def test_a_console_opened_late_shows_the_days_alerts_until_acknowledged(
    fast_jobs_server: LiveServer, page: Page, second_page: Page
) -> None:
    server = fast_jobs_server
    tokens = server.setup_hall()
    server.api("PUT", f"/api/halls/{HALL}/policy", json={"queue_alert_length": 2})
    issue(server, tokens)
    issue(server, tokens, service=FIRST_ID_CARD)
    path = f"/api/halls/{HALL}/alerts"
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while not server.api("GET", path, token=tokens["supervisor"])["alerts"]:
        assert datetime.now(UTC) < deadline, "the scheduler raised no alert"
    # Both consoles open after the alert fired: each loads the day's alerts.
    consoles = (page, second_page)
    for console in consoles:
        console.set_viewport_size({"width": 1920, "height": 1080})
        console.goto(supervisor_url(server, tokens["supervisor"]))
        expect(console.locator("#alerts .alert")).to_contain_text("户政 排队过长")
        expect(console.locator("#alerts-empty")).to_be_hidden()
        expect(console.locator("#alerts-count")).to_have_text("1 条待处理")
    page.locator("#alerts .alert-ack").click()
    for console in consoles:  # the other console hears alert.acked
        expect(console.locator("#alerts .alert")).to_have_count(0)
        expect(console.locator("#alerts-done .alert")).to_have_count(1)
    [listed] = server.api("GET", path, token=tokens["supervisor"])["alerts"]
    assert listed["acked"]["by"] and listed["acked"]["at"]
    page.reload()  # the history stays for the day
    expect(page.locator("#alerts-done-count")).to_have_text("1")
    expect(page.locator("#alerts .alert")).to_have_count(0)


@browser
def test_supervisor_acts_on_windows_and_tickets(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    first = issue(live_server, tokens)
    second = issue(live_server, tokens)
    page.goto(supervisor_url(live_server, tokens["supervisor"]))
    expect_live(page)

    tile(page, 2).locator('[data-action="open"]').click()
    expect(tile(page, 2)).to_contain_text("空闲")
    tile(page, 2).locator('[data-action="pause"]').click()
    expect(tile(page, 2)).to_contain_text("暂停服务")
    tile(page, 2).locator('[data-action="close"]').click()
    expect(tile(page, 2)).to_contain_text("未开启")

    # Cancel a waiting ticket, after a confirmation.
    row = page.locator(f'#tickets [data-number="{second["number"]}"]')
    row.locator(".ticket-cancel").click()
    page.locator("dialog.picker button.pick-go").click()
    expect(row).to_have_count(0)
    assert stats(live_server, tokens)["cancelled"] == 1

    # Transfer the visitor a window is serving, to a service of another category.
    act(live_server, tokens, 1, "open")
    act(live_server, tokens, 1, "call-next")
    act(live_server, tokens, 1, "start")
    expect(tile(page, 1)).to_contain_text("办理中")
    tile(page, 1).locator('[data-action="transfer"]').click()
    dialog = page.locator("dialog.picker")
    dialog.locator(".pick-tab", has_text="出入境").click()
    dialog.locator(f'[data-service="{PASSPORT}"]').click()
    dialog.locator("button.pick-go").click()
    expect(tile(page, 1)).to_contain_text("空闲")
    expect(page.locator(f'#tickets [data-number="{first["number"]}"]')).to_contain_text(
        "普通护照首次申请"
    )


@browser
def test_supervisor_exports_the_days_tickets_as_csv(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    tokens = live_server.setup_hall()
    issue(live_server, tokens, id_number=ELDER_ID)
    page.goto(supervisor_url(live_server, tokens["supervisor"]))
    expect_live(page)
    expect(page.locator("#kpi-issued")).to_have_text("1")  # the day's date has arrived too
    with page.expect_download() as caught:
        page.locator("#export").click()
    download = caught.value
    assert re.fullmatch(r"live-tickets-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    saved = tmp_path / "export.csv"
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["号码"], r["绿色通道"], r["状态"]) for r in rows] == [("A001", "是", "等候中")]
    assert ELDER_ID not in text and "1101**" not in text


# ---------------------------------------------------------------- the pure rules, as data

PURE_CASES = """
() => {
  const hallWindows = {
    all: {number: 1, services: "all", categories: []},
    exit: {number: 9, services: [], categories: ["exit_entry"]},
    one: {number: 5, services: ["HZ-SFZ-HL"], categories: []},
  };
  const t = (number, service, category, extra = {}) => ({number, service, category,
    status: "waiting", green_channel: false, waited_s: 60, directed_window: null, ...extra});
  const queues = {tickets: [
    t("A001", "HZ-SFZ-HL", "hukou", {waited_s: 300}),
    t("B001", "CRJ-HZ-SC", "exit_entry", {green_channel: true, waited_s: 900}),
    t("B002", "CRJ-HZ-SC", "exit_entry", {directed_window: 9}),
    t("A003", "HZ-SFZ-HL", "hukou", {status: "suspended"}),
  ]};
  const q = (w) => {
    const r = StaffCore.queueForWindow(queues, hallWindows[w]);
    return [r.count, r.green, r.oldestWaitS, r.waiting.map((x) => x.number), r.suspended.length];
  };
  const refused = (status, error, message) =>
    StaffCore.describeError({status, data: {error, message}}, "叫号");
  const g = HourChart.geometry([{hour: 9, arrivals: 12, wait_s: {mean: 600}},
                                {hour: 10, arrivals: 3, wait_s: {mean: null}}], 600, 300);
  return {
    states: Object.fromEntries(["closed", "open", "calling", "serving", "paused"]
      .map((s) => [s, ClerkCore.actionsFor(s)])),
    key: [ClerkCore.actionForKey({key: " "}, "open"), ClerkCore.actionForKey({key: "R"}, "calling"),
          ClerkCore.actionForKey({key: "r", ctrlKey: true}, "calling"),
          ClerkCore.actionForKey({key: "p"}, "paused"), ClerkCore.actionForKey({key: "s"}, "open")],
    recall: [ClerkCore.enabled("recall", "calling", {recalls: 1, maxRecalls: 2}),
             ClerkCore.enabled("recall", "calling", {recalls: 2, maxRecalls: 2})],
    queues: {all: q("all"), exit: q("exit"), one: q("one")},
    errors: [
      refused(409, "invalid_transition", "1 号窗口当前为「叫号中」，不能叫号"),
      refused(409, "recall_limit", "A001 已重呼 2 次，达到本大厅上限（2 次），请按「过号」"),
      refused(404, "unknown_ticket", "今天没有 A099 号"),
      refused(500, "internal", "服务器内部错误，已记录日志"),
      refused(502, "http_error", undefined),
      StaffCore.describeError({status: 0, data: {}}, "叫号"),
    ],
    durations: [45, 300, 3900, null].map(StaffCore.formatDuration),
    chart: {bars: g.bars.map((b) => [b.hour, Math.round(b.h)]),
            points: g.points.map((p) => [p.hour, p.minutes]),
            hours: [g.hourTicks[0].hour, g.hourTicks[g.hourTicks.length - 1].hour],
            left: g.leftTicks.map((x) => x.value), right: g.rightTicks.map((x) => x.value)},
    alerts: [SupervisorCore.alertText({kind: "over_wait", number: "A023",
                                       service_name: "居民身份证换领", waited_s: 2100,
                                       target_s: 1800, extra_windows: 1}),
             SupervisorCore.alertText({kind: "queue_length", category_name: "户政", waiting: 31,
                                       extra_windows: 0})],
    windowActions: ["closed", "open", "paused", "calling"].map(SupervisorCore.windowActions),
    alertLists: (() => {
      const lists = SupervisorCore.alertLists([{id: "a", acked: null}, {id: "b", acked: {at: "x"}},
                                               {id: "c", acked: null}]);
      return [lists.open.map((a) => a.id), lists.done.map((a) => a.id)];
    })(),
  };
}
"""


@browser
def test_the_pages_rules_as_data(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/supervisor/{HALL}")  # no token: the page stays offline
    page.add_script_tag(url="/static/clerk-core.js")
    result = page.evaluate(PURE_CASES)
    assert result["states"] == {
        "closed": ["open"],
        "open": ["call-next", "call", "resume-ticket", "pause", "close"],
        "calling": ["recall", "start", "no-show", "transfer"],
        "serving": ["finish", "suspend", "transfer"],
        "paused": ["resume", "close"],
    }
    assert result["key"] == ["call-next", "recall", None, "resume", None]
    assert result["recall"] == [True, False]
    assert result["queues"] == {
        "all": [2, 1, 900, ["B001", "A001"], 1],  # B002 is sent to window 9
        "exit": [2, 1, 900, ["B001", "B002"], 1],
        "one": [1, 0, 300, ["A001"], 1],
    }
    assert result["errors"] == [  # the server's words, as they are, unless it had none
        "1 号窗口当前为「叫号中」，不能叫号",
        "A001 已重呼 2 次，达到本大厅上限（2 次），请按「过号」",
        "今天没有 A099 号",
        "叫号失败（HTTP 500）：服务器内部错误，已记录日志",
        "叫号失败（HTTP 502）",
        "网络连接失败，请检查网络后重试",
    ]
    assert result["durations"] == ["45秒", "5分", "1小时05分", None]
    assert result["chart"] == {
        "bars": [[9, 195], [10, 49]],  # 12 and 3 on a scale to 15, over 244 units
        "points": [[9, 10]],
        "hours": [8, 17],
        "left": [0, 5, 10, 15],
        "right": [0, 5, 10],
    }
    assert result["alerts"] == [
        {
            "title": "A023 等候超时",
            "detail": "居民身份证换领：已等 35分（目标 30分），建议增开 1 个窗口",
        },
        {"title": "户政 排队过长", "detail": "等候 31 人"},
    ]
    assert result["windowActions"] == [
        ["open"],
        ["pause", "close"],
        ["resume", "close"],
        ["transfer"],
    ]
    # Open alerts newest first; the acknowledged ones are the day's history.
    assert result["alertLists"] == [["c", "a"], ["b"]]
