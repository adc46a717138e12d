"""The kiosk for everyone (适老化), on its 1080x1920 portrait screen: large type,
spoken prompts, the 绿色通道 button, the ID-card reader bridge (the fake one,
a real process on a free port), readers and scanners that type like a
keyboard, and groups no ID number shows, confirmed by the clerk."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_guide_page import PASSWORD
from tests.browser.test_staff_pages import action_button, expect_window_state, open_clerk
from tests.browser.test_visitor_pages import (
    ELDER_ID,
    ID_CARD,
    choose,
    kiosk_page,  # noqa: F401 (a fixture)
    kiosk_url,
    noon_hall,
    noon_zone,
    resident_id,
    screen,
)
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp")


@contextmanager
def fake_reader() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The fake bridge (display_client.fake_id_reader) on a free port: (its URL, the process)."""
    command = [sys.executable, "-m", "display_client.fake_id_reader", "--port", "0"]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
    with subprocess.Popen(command, cwd=ROOT, text=True, **pipes) as process:  # closes the pipes
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[-1]  # "listening on ws://127.0.0.1:PORT/"
            assert url.startswith("ws://127.0.0.1:"), url
            yield url, process
        finally:
            process.terminate()
            process.wait(5)


def place_card(process: subprocess.Popen[str], number: str, name: str = "张三") -> None:
    assert process.stdin is not None
    process.stdin.write(f"card {number} {name}\n")
    process.stdin.flush()


def scan(page: Page, text: str) -> None:
    """A reader or scanner that types like a keyboard: every key and Enter in one
    burst (Playwright's own typing may be slowed past a person's pace on a busy machine)."""
    page.evaluate(
        """(text) => {
          for (const key of [...text, "Enter"]) {
            document.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
          }
        }""",
        text,
    )


def said(page: Page, text: str) -> None:
    expect(page.locator("body")).to_have_attribute("data-said", text)


def overflowing(page: Page) -> list[str]:
    """What spills out of the current screen: a screen or list taller than its
    room, or a button or tile whose text is wider than itself."""
    found: list[str] = page.evaluate(
        """() => {
          const out = [];
          const tall = (node) => node.scrollHeight > node.clientHeight + 1;
          const shown = document.querySelector(`[data-for="${document.body.dataset.screen}"]`);
          const by = `${shown.scrollHeight - shown.clientHeight}px`;
          if (tall(shown)) out.push(`screen ${shown.dataset.for} over by ${by}`);
          for (const list of shown.querySelectorAll(".tiles, .m-list-box")) {
            if (list.offsetParent && tall(list)) out.push(list.className);
          }
          for (const node of document.querySelectorAll(".k-btn, .tile, .k-tool, .key")) {
            if (!node.offsetParent) continue;
            if (node.scrollWidth > node.clientWidth + 1) out.push(node.textContent.trim());
          }
          return out;
        }"""
    )
    return found


def test_large_type_flow_driven_only_by_the_fake_card_reader(
    live_server: LiveServer,
    kiosk_page: Page,  # noqa: F811
) -> None:
    tokens = live_server.setup_hall()
    page = kiosk_page
    with fake_reader() as (url, reader):
        page.goto(kiosk_url(live_server, tokens["kiosk"], reader=url))
        screen(page, "categories")
        expect(page.locator("body")).to_have_attribute("data-reader", "ok")
        page.locator("#large").tap()
        expect(page.locator("body")).to_have_attribute("data-large", "true")
        page.screenshot(path=SHOTS / "kiosk-large-home.png")
        assert overflowing(page) == []

        page.locator("#to-green").tap()
        screen(page, "green")
        said(page, "请将身份证放在读卡区。军人、残疾人、孕妇等，请选择您所属的群体")
        page.screenshot(path=SHOTS / "kiosk-large-green.png")
        assert overflowing(page) == []

        place_card(reader, ELDER_ID)
        screen(page, "categories")
        said(page, "已进入绿色通道，请选择要办理的业务")
        banner = page.locator("#green-banner")
        expect(banner).to_have_text("绿色通道：已读取身份证（尾号 002X），符合优先条件")
        choose(page)
        expect(page.locator("#m-id-status")).to_contain_text("尾号 002X")
        page.screenshot(path=SHOTS / "kiosk-large-materials.png")
        assert overflowing(page) == []
        page.locator("#take").tap()
        screen(page, "result")

    expect(page.locator("#r-green")).to_be_visible()
    said(page, "取号成功，您的号码是 A零零一，请取走号票，留意叫号")
    expect(page.locator("body")).to_have_attribute("data-large", "true")  # the whole visit
    page.screenshot(path=SHOTS / "kiosk-large-result.png")
    assert overflowing(page) == []
    html = page.content()
    assert ELDER_ID not in html and "张三" not in html
    since = live_server.api("GET", "/api/halls/live/tickets?since_seq=0", token=tokens["kiosk"])
    [ticket] = since["tickets"]
    assert ticket["green_channel"] is True


def test_a_reader_that_types_and_a_group_the_clerk_confirms(
    live_server: LiveServer,
    kiosk_page: Page,  # noqa: F811
) -> None:
    tokens = live_server.setup_hall()
    page = kiosk_page
    page.goto(kiosk_url(live_server, tokens["kiosk"], reader="off", idle_s="8"))
    screen(page, "categories")
    page.locator("#large").tap()
    page.locator("#to-green").tap()
    screen(page, "green")
    page.locator("#g-type").tap()  # the keypad, in large type, fits the screen too
    screen(page, "idnumber")
    page.screenshot(path=SHOTS / "kiosk-large-keypad.png")
    assert overflowing(page) == []
    page.locator("#back").tap()
    screen(page, "green")
    # A keyboard-wedge reader: 18 characters and Enter, faster than any hand.
    adult = resident_id("19900101")
    scan(page, adult)
    expect(page.locator("#g-note")).to_contain_text("按年龄不在绿色通道范围")
    page.locator(".g-group", has_text="我是现役军人及军属").tap()
    screen(page, "categories")
    expect(page.locator("#green-banner")).to_have_text(
        "绿色通道：现役军人及军属（请到窗口出示相关证件）"
    )
    choose(page)
    page.locator("#take").tap()
    screen(page, "result")
    expect(page.locator("#r-green")).to_be_visible()
    # Left alone, the machine starts over in normal type for the next visitor.
    screen(page, "categories")
    expect(page.locator("body")).to_have_attribute("data-large", "false")

    window = tokens["window-1"]
    live_server.api("POST", "/api/halls/live/windows/1/open", token=window)
    called = live_server.api("POST", "/api/halls/live/windows/1/call-next", token=window)
    assert (called["ticket"]["green_check"], called["ticket"]["green_group"]) == (
        "claimed",
        "现役军人及军属",
    )
    checked = live_server.api(
        "POST", "/api/halls/live/windows/1/green-check", token=window, json={"confirm": True}
    )
    assert checked["ticket"]["green_check"] == "confirmed"


def test_a_booking_qr_scanned_on_the_start_screen_checks_in(
    live_server: LiveServer,
    kiosk_page: Page,  # noqa: F811
) -> None:
    kiosk = noon_hall(live_server, noon_zone())
    live_server.api("PUT", "/api/halls/noon/policy", json={"checkin_early_min": 60})
    today = datetime.now(UTC).isoformat()[:10]
    slots = live_server.api("GET", f"/api/halls/noon/slots?service={ID_CARD}&date={today}")
    now = datetime.now(UTC)
    soon = next(s for s in slots["slots"] if datetime.fromisoformat(s["start"]) > now and s["free"])
    body = {
        "service": ID_CARD,
        "slot": soon["start"],
        "name": "李四",
        "id_number": resident_id("19850505"),
        "phone": "13800138000",
        "form": {"reason": "有效期满"},
    }
    code = live_server.book("noon", body)["code"]
    page = kiosk_page
    page.goto(kiosk_url(live_server, kiosk, hall="noon", reader="off"))
    screen(page, "categories")
    scan(page, code)  # the scanner types the code (it may start with a digit)
    screen(page, "result")
    expect(page.locator("#r-number")).to_have_text("A001")
    expect(page.locator("#r-appointment")).to_be_visible()


def test_a_foreigner_takes_a_ticket_with_a_passport_in_english(
    live_server: LiveServer,
    kiosk_page: Page,  # noqa: F811
) -> None:
    tokens = live_server.setup_hall()
    page = kiosk_page
    posts: list[Any] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.goto(kiosk_url(live_server, tokens["kiosk"], reader="off"))
    choose(page, "出入境", "外国人住宿登记")
    expect(page.locator("#to-id-label")).to_contain_text("Enter your passport")
    page.locator("#to-id").tap()
    screen(page, "idnumber")
    page.locator("#id-docs [data-kind='passport']").tap()
    expect(page.locator("#id-title")).to_have_text("输入护照号码 · Passport number")
    for char in "E12345678":
        page.locator(f"#id-keypad [data-key='{char}']").tap()
    page.screenshot(path=SHOTS / "kiosk-passport.png")
    assert overflowing(page) == []
    page.locator("#large").tap()
    page.screenshot(path=SHOTS / "kiosk-passport-large.png")
    assert overflowing(page) == []
    page.locator("#id-take").tap()
    screen(page, "result")
    [sent] = [r.post_data_json for r in posts if r.url.endswith("/tickets")]
    assert sent == {
        "service": "CRJ-WG-ZS",
        "id_number": "E12345678",
        "document_type": "passport",
    }


READER_CASES = """
() => {
  const R = window.IdReader, F = window.YiChuangKiosk;
  const typed = (keys, gap) => {
    const w = R.wedge();
    let out = null;
    keys.split("").forEach((k, i) => { out = w.key(k === "\\n" ? "Enter" : k, i * gap) || out; });
    return out;
  };
  const start = { ...F.initialState(), screen: "categories" };
  const adult = "110105199001010010";
  const day = "2026-12-06";
  const card = (state, number) => F.reduce(state, { type: "card", number, today: day }).state;
  const green = F.reduce(start, { type: "green-entry" }).state;
  const onGreen = card(green, adult);
  return {
    parse: [
      R.parse('{"type":"card","id_number":"11010519491231002x","name":"张三"}'),
      R.parse('{"type":"status","reader":"ok"}'),
      R.parse('{"type":"card","id_number":"123"}'),
      R.parse('{"type":"eject"}'),
      R.parse("not json"),
    ],
    scanned: [typed("ABCD2345\\n", 5), typed("ABCD2345\\n", 200), typed("A\\n", 5)],
    codes: [R.bookingCode("abcd2345"), R.bookingCode("https://x/b/h1/ABCD2345"),
            R.bookingCode("https://x/b?code=ABCD2345"), R.bookingCode("hello world")],
    elderHome: [card(start, "11010519491231002X").green, card(start, adult).green],
    adultGreen: [onGreen.screen, onGreen.green, Boolean(onGreen.greenNote)],
    declared: (() => {
      const s = F.reduce(onGreen, { type: "declare", id: "military" }).state;
      const m = F.reduce(F.reduce(s, { type: "service", code: "X", walkIn: true }).state,
                         { type: "take", key: "k", today: day });
      return [s.screen, m.effects[0].body];
    })(),
    scan: F.reduce(start, { type: "scan-code", code: "ABCD2345" }).effects,
    prompt: [F.prompt(green), F.prompt({ ...start, screen: "result", ticket: { number: "B015" } })],
  };
}
"""


def in_kiosk(server: LiveServer, page: Page, script: str) -> Any:
    """What `script` returns in the kiosk page, its scripts loaded (no token: the fatal screen)."""
    page.goto(f"{server.url}/kiosk/live")
    screen(page, "fatal")
    return page.evaluate(script)


def test_readers_and_the_green_flow_as_pure_functions(
    live_server: LiveServer,
    kiosk_page: Page,  # noqa: F811
) -> None:
    assert in_kiosk(live_server, kiosk_page, READER_CASES) == {
        "parse": [
            {"type": "card", "id_number": ELDER_ID},  # the name goes no further
            {"type": "status", "reader": "ok"},
            None,
            None,
            None,
        ],
        "scanned": ["ABCD2345", None, None],  # a person types slower than a scanner
        "codes": ["ABCD2345", "ABCD2345", "ABCD2345", None],
        "elderHome": ["id", None],
        "adultGreen": ["green", None, True],
        "declared": [
            "categories",
            {"service": "X", "id_number": "110105199001010010", "declared": "military"},
        ],
        "scan": [{"type": "checkin", "body": {"code": "ABCD2345"}}],
        "prompt": [
            "请将身份证放在读卡区。军人、残疾人、孕妇等，请选择您所属的群体",
            "取号成功，您的号码是 B零一五，请取走号票，留意叫号",
        ],
    }


def test_the_guide_before_the_ticket_is_optional_and_its_answers_go_with_it(
    live_server: LiveServer,
    kiosk_page: Page,  # noqa: F811
) -> None:
    tokens = live_server.setup_hall()
    page = kiosk_page
    posts: list[Any] = []
    page.on("request", lambda r: posts.append(r) if r.url.endswith("/tickets") else None)
    page.goto(kiosk_url(live_server, tokens["kiosk"], reader="off"))
    choose(page)
    page.locator("#to-guide").tap()
    screen(page, "guide")
    said(page, "请回答几个问题，生成您的收件清单；也可以直接取号")
    page.locator(".gt-option", has_text="有效期满或即将到期").tap()
    page.locator(".gt-option", has_text="16周岁及以上").tap()
    page.screenshot(path=SHOTS / "kiosk-guide.png")
    assert overflowing(page) == []
    page.locator("#guide-take").tap()  # the last question is skipped: a partial path is fine
    screen(page, "result")
    [sent] = [r.post_data_json for r in posts if r.method == "POST"]
    assert sent["answers"] == {"why": "expired", "age": "adult"}


def test_the_clerk_confirms_or_removes_a_declared_group_on_the_console(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()
    for group in ("military", "pregnant"):
        live_server.api(
            "POST",
            "/api/halls/live/tickets",
            token=tokens["kiosk"],
            json={"service": ID_CARD, "declared": group},
        )
    open_clerk(page, live_server, tokens)
    action_button(page, "open").click()
    box = page.locator("#green-check")
    expect_window_state(page, "open")
    for group, verdict, shown in (
        ("现役军人及军属", "green-confirm", "现役军人及军属：已确认"),
        ("孕妇", "green-remove", "已取消绿色通道"),
    ):
        page.keyboard.press("Space")  # call next
        expect(box).to_contain_text(f"{group}（待核验）")
        page.screenshot(path=SHOTS / f"clerk-{verdict}.png")
        box.locator(f"[data-testid={verdict}]").click()
        expect(box).to_contain_text(shown)
        expect(page.locator("#ticket-green")).to_be_visible(visible=verdict == "green-confirm")
        action_button(page, "start").click()
        expect_window_state(page, "serving")
        page.keyboard.press("f")
        expect_window_state(page, "open")
    audit = live_server.api("GET", "/api/halls/live/audit", token=tokens["supervisor"])
    actions = [r["action"] for r in audit["records"] if r["action"].startswith("ticket.green")]
    assert sorted(actions) == ["ticket.green_confirm", "ticket.green_remove"]


def test_the_director_edits_the_declared_groups_beside_the_green_channels(
    live_server: LiveServer, page: Page
) -> None:
    live_server.setup_hall()
    member = {"staff_no": "M001", "name": "钱主任", "role": "admin", "password": PASSWORD}
    live_server.api("POST", "/api/halls/live/staff", json=member)
    page.goto(f"{live_server.url}/login?hall=live&next=/admin/live%23specials")
    page.fill("#staff_no", "M001")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    rows = page.locator("#declared-rows tr")
    expect(rows).to_have_count(4)
    rows.nth(3).get_by_role("button", name="删除").click()
    page.click("#declared-add")
    rows.nth(3).locator("[name=id]").fill("veteran")
    rows.nth(3).locator("[name=label]").fill("退役军人")
    rows.nth(3).locator("[name=priority]").select_option("military")
    page.click("#declared-save")
    expect(page.locator("#status")).to_have_text("已保存 4 个绿色通道群体")
    page.screenshot(path=SHOTS / "admin-declared.png", full_page=True)
    groups = live_server.api("GET", "/api/halls/live/declared-groups")["groups"]
    assert [g["label"] for g in groups] == ["现役军人及军属", "残疾人", "孕妇", "退役军人"]
