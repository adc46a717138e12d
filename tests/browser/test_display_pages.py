"""The hall screens in a real browser, against a real server process.

Each test drives the hall through the REST API, as the kiosk and the clerks
would, and waits (bounded) for the page to show it.
"""

import json
import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, WebSocket, WebSocketRoute, expect

from queue_server import protocol, protocol_js
from tests.live import LiveServer

pytestmark = pytest.mark.browser

ID_CARD = "HZ-SFZ-HL"  # 居民身份证换领, prefix A
PASSPORT = "CRJ-HZ-SC"  # 普通护照首次申请, prefix B
ELDER_ID = "11010519491231002X"  # born 1949-12-31: a green-channel ticket


# ---------------------------------------------------------------- helpers


def board_url(server: LiveServer, token: str, hall: str = "live") -> str:
    return f"{server.url}/display/{hall}?token={token}"


def window_url(server: LiveServer, token: str, window: int, hall: str = "live") -> str:
    return f"{server.url}/display/{hall}/window/{window}?token={token}"


def issue(server: LiveServer, tokens: dict[str, str], **body: Any) -> Any:
    body.setdefault("service", ID_CARD)
    return server.api("POST", "/api/halls/live/tickets", token=tokens["kiosk"], json=body)


def act(server: LiveServer, tokens: dict[str, str], window: int, action: str) -> Any:
    path = f"/api/halls/live/windows/{window}/{action}"
    return server.api("POST", path, token=tokens[f"window-{window}"])


def call_next(server: LiveServer, tokens: dict[str, str], window: int) -> Any:
    return act(server, tokens, window, "call-next")["ticket"]["number"]


def expect_live(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-state", "live")


def server_seq(server: LiveServer, tokens: dict[str, str]) -> int:
    seq: int = server.api("GET", "/api/halls/live/board", token=tokens["display"])["seq"]
    return seq


def tile(page: Page, label: str) -> Any:
    return page.locator(".window-tile", has_text=label)


# ---------------------------------------------------------------- the lobby board


def test_board_shows_a_call_made_through_the_api(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.goto(board_url(live_server, tokens["display"]))
    expect_live(page)
    expect(page.locator("#hall-name")).to_have_text("实时测试大厅")
    expect(page.locator("#waiting-total")).to_have_text("0")
    expect(page.locator("#latest-number")).to_have_text("今日暂无叫号")

    issue(live_server, tokens)
    issue(live_server, tokens, service=PASSPORT)
    expect(page.locator("#waiting-total")).to_have_text("2")
    expect(page.locator(".category", has_text="户政")).to_contain_text("1")
    expect(page.locator(".category", has_text="出入境")).to_contain_text("1")

    act(live_server, tokens, 1, "open")
    expect(tile(page, "1号综合窗口")).to_contain_text("空闲")
    number = call_next(live_server, tokens, 1)
    assert number == "A001"

    expect(page.locator("#latest-number")).to_have_text("A001")
    expect(page.locator("#latest-window")).to_have_text(re.compile(r"^1号"))
    expect(page.locator("#latest")).to_have_class(re.compile(r"\bflash\b"))
    expect(page.locator("#waiting-total")).to_have_text("1")
    expect(page.locator(".category", has_text="户政")).to_contain_text("0")
    expect(tile(page, "1号综合窗口")).to_contain_text("A001")
    expect(tile(page, "1号综合窗口")).to_contain_text("叫号中")
    expect(page.locator("body")).to_have_attribute("data-seq", str(server_seq(live_server, tokens)))

    # The next call takes the big area; the previous one moves to the list.
    act(live_server, tokens, 1, "start")
    act(live_server, tokens, 2, "open")
    assert call_next(live_server, tokens, 2) == "B001"
    expect(page.locator("#latest-number")).to_have_text("B001")
    expect(page.locator("#recent")).to_contain_text("A001")
    expect(tile(page, "1号综合窗口")).to_contain_text("办理中")
    expect(page.locator("#waiting-total")).to_have_text("0")


def test_board_clock_shows_the_hall_time_not_the_screen_time(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()  # Asia/Shanghai by default; the page's own zone is UTC
    page.goto(board_url(live_server, tokens["display"]))
    expect_live(page)
    shown = page.locator("#time").inner_text(timeout=5_000)
    hall_now = datetime.now(ZoneInfo("Asia/Shanghai"))
    near = {(hall_now + timedelta(minutes=m)).strftime("%H:%M") for m in (-1, 0, 1)}
    assert shown[:5] in near, (shown, near)


def test_board_recovers_after_the_server_restarts(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.goto(board_url(live_server, tokens["display"]))
    expect_live(page)

    live_server.restart()  # same port, same database
    act(live_server, tokens, 1, "open")
    issue(live_server, tokens)
    assert call_next(live_server, tokens, 1) == "A001"

    expect(page.locator("#latest-number")).to_have_text("A001")
    expect_live(page)
    expect(page.locator("#banner")).to_be_hidden()
    states = page.evaluate("window.__states")
    assert "disconnected" in states, states
    expect(page.locator("body")).to_have_attribute("data-seq", str(server_seq(live_server, tokens)))


def test_board_says_so_while_the_server_is_gone(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.goto(board_url(live_server, tokens["display"]))
    expect_live(page)
    live_server.stop()
    expect(page.locator("body")).to_have_attribute("data-state", "disconnected")
    expect(page.locator("#banner")).to_have_text("连接中断，正在重连…")
    expect(page.locator("#banner")).to_be_visible()
    live_server.start()
    expect_live(page)
    expect(page.locator("#banner")).to_be_hidden()


@contextmanager
def frozen(server: LiveServer) -> Iterator[None]:
    """The server process stopped dead: its sockets stay open but nothing answers."""
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.process.pid, signal.SIGCONT)


def test_watchdog_gives_up_on_a_silent_connection(live_server: LiveServer, page: Page) -> None:
    # A frozen server closes nothing: only the watchdog can notice. It waits 45 s
    # by default (three heartbeats); the page lets a test shorten that.
    tokens = live_server.setup_hall()
    page.goto(board_url(live_server, tokens["display"]) + "&watchdog_s=3")
    expect_live(page)
    with frozen(live_server):
        expect(page.locator("body")).to_have_attribute("data-state", "disconnected")
        expect(page.locator("#banner")).to_be_visible()
    expect_live(page)
    issue(live_server, tokens)
    expect(page.locator("#waiting-total")).to_have_text("1")


def test_a_missed_event_is_healed_by_a_resync(live_server: LiveServer, page: Page) -> None:
    # Between the server and the page, lose the first ticket.issued on the way:
    # the next event shows a gap, the page asks for a resync, and the snapshot
    # it gets brings it back in step.
    tokens = live_server.setup_hall()
    sent_by_page: list[str] = []
    dropped: list[str] = []

    def relay(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            text = message if isinstance(message, str) else message.decode()
            if not dropped and json.loads(text)["type"] == "ticket.issued":
                dropped.append(text)
                return
            ws.send(text)

        def to_server(message: str | bytes) -> None:
            sent_by_page.append(message if isinstance(message, str) else message.decode())
            server.send(message)

        server.on_message(to_page)
        ws.on_message(to_server)

    page.route_web_socket(re.compile(r"/ws/halls/"), relay)
    page.goto(board_url(live_server, tokens["display"]))
    expect_live(page)
    issue(live_server, tokens)  # lost on the way
    act(live_server, tokens, 1, "open")  # seq + 2: a gap
    expect(page.locator("body")).to_have_attribute("data-seq", str(server_seq(live_server, tokens)))
    expect(page.locator("#waiting-total")).to_have_text("1")
    expect(tile(page, "1号综合窗口")).to_contain_text("空闲")
    # Counts ride on every event, so only the resync itself proves the gap was seen.
    assert dropped
    assert [json.loads(m) for m in sent_by_page] == [{"type": "resync"}]
    expect_live(page)


# ---------------------------------------------------------------- the window-top screen


def test_window_screen_shows_only_its_own_window(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.set_viewport_size({"width": 1280, "height": 400})
    page.goto(window_url(live_server, tokens["display"], 2))
    expect_live(page)
    expect(page.locator("#window-label")).to_have_text("2号综合窗口")
    expect(page.locator("#window-state")).to_have_text("未开启")

    issue(live_server, tokens)
    issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    act(live_server, tokens, 2, "open")
    expect(page.locator("#window-state")).to_have_text("空闲")
    assert call_next(live_server, tokens, 1) == "A001"
    assert call_next(live_server, tokens, 2) == "A002"

    expect(page.locator("#window-number")).to_have_text("A002")
    expect(page.locator("#window-state")).to_have_text("叫号中")
    expect(page.locator("#window-note")).to_have_text("请 A002 号到本窗口办理")
    assert "A001" not in page.content()

    act(live_server, tokens, 2, "start")
    expect(page.locator("#window-state")).to_have_text("办理中")
    expect(page.locator("#window-number")).to_have_text("A002")
    act(live_server, tokens, 2, "finish")
    expect(page.locator("#window-state")).to_have_text("空闲")
    expect(page.locator("#window-number")).to_be_hidden()
    assert "A001" not in page.content()


def test_window_screen_for_a_window_the_hall_lacks(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall(windows=2)
    page.goto(window_url(live_server, tokens["display"], 7))
    expect(page.locator("#fatal")).to_contain_text("本大厅没有 7 号窗口")


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("yc_not-a-real-token", "显示令牌无效或已被撤销"),
        ("another-hall", "此令牌无权查看本大厅"),
        (None, "缺少令牌"),
    ],
)
def test_a_bad_token_shows_why_instead_of_a_blank_board(
    live_server: LiveServer, page: Page, token: str | None, message: str
) -> None:
    tokens = live_server.setup_hall()
    tokens["another-hall"] = live_server.setup_hall("other", windows=1)["display"]
    url = f"{live_server.url}/display/live"
    if token is not None:
        url += f"?token={tokens.get(token, token)}"
    page.goto(url)
    expect(page.locator("#fatal")).to_be_visible()
    expect(page.locator("#fatal-message")).to_contain_text(message)
    expect(page.locator("body")).to_have_attribute("data-state", "error")
    expect(page.locator("#banner")).to_be_hidden()


# ---------------------------------------------------------------- privacy


def test_no_personal_data_reaches_the_page(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    frames: list[str] = []

    def record(ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", record)
    page.goto(board_url(live_server, tokens["display"]))
    expect_live(page)

    ticket = issue(live_server, tokens, id_number=ELDER_ID)
    assert ticket["green_channel"] is True
    act(live_server, tokens, 1, "open")
    assert call_next(live_server, tokens, 1) == ticket["number"]

    expect(page.locator("#latest-number")).to_have_text(ticket["number"])
    expect(page.locator("#latest-badge")).to_have_text("绿色通道")
    expect(page.locator("#latest-badge")).to_be_visible()
    html = page.content()
    for seen in (html, *frames):
        assert ELDER_ID not in seen
        assert re.search(r"1101\*+", seen) is None
        assert "elderly" not in seen  # the mark is neutral: never which green channel
    assert len(frames) >= 2  # the snapshot and the events were really looked at


# ---------------------------------------------------------------- voice

# Stands in for speechSynthesis: records what is said, in order, and whether a
# new utterance started while another was still speaking.
FAKE_SPEECH = """
window.__spoken = [];
window.__overlaps = 0;
const fake = {
  active: null,
  getVoices() { return []; },
  speak(utterance) {
    if (this.active) window.__overlaps += 1;
    this.active = utterance;
    window.__spoken.push([utterance.text, utterance.lang]);
    setTimeout(() => { this.active = null; utterance.onend && utterance.onend(); }, 150);
  },
  cancel() {},
};
Object.defineProperty(window, "speechSynthesis", {value: fake, configurable: true});
"""


def test_calls_are_spoken_twice_in_turn_once_enabled(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.add_init_script(FAKE_SPEECH)
    page.goto(board_url(live_server, tokens["display"]))
    expect_live(page)
    issue(live_server, tokens)
    issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    act(live_server, tokens, 2, "open")
    call_next(live_server, tokens, 1)  # before the click: shown, not spoken
    expect(page.locator("#latest-number")).to_have_text("A001")
    assert page.evaluate("window.__spoken") == []

    page.locator("#voice").click()
    expect(page.locator("body")).to_have_attribute("data-voice", "on")
    expect(page.locator("#voice")).to_be_hidden()
    call_next(live_server, tokens, 2)
    act(live_server, tokens, 1, "recall")

    # The speech text spells the number digit by digit, as halls read it aloud.
    first, second = "请 A 0 0 2 号，到 2 号窗口办理", "请 A 0 0 1 号，到 1 号窗口办理"
    page.wait_for_function("() => window.__spoken.length >= 5", timeout=15_000)
    spoken = page.evaluate("window.__spoken")
    assert spoken == [
        ["语音播报已启用", "zh-CN"],
        [first, "zh-CN"],
        [first, "zh-CN"],
        [second, "zh-CN"],
        [second, "zh-CN"],
    ]
    assert page.evaluate("window.__overlaps") == 0


def test_a_browser_without_speech_still_shows_calls(live_server: LiveServer, page: Page) -> None:
    tokens = live_server.setup_hall()
    page.add_init_script("delete window.speechSynthesis; delete Window.prototype.speechSynthesis;")
    page.goto(board_url(live_server, tokens["display"]))
    expect_live(page)
    expect(page.locator("body")).to_have_attribute("data-voice", "unsupported")
    expect(page.locator("#voice")).to_be_hidden()
    issue(live_server, tokens)
    act(live_server, tokens, 1, "open")
    call_next(live_server, tokens, 1)
    expect(page.locator("#latest-number")).to_have_text("A001")


# ---------------------------------------------------------------- the reducer, as data

# feed.js is pure: these cases run it in the page, with no server messages involved.
REDUCER_CASES = """
() => {
  const F = window.YiChuangFeed;
  const windowOne = {number: 1, label: "1号窗口", state: "open", state_zh: "空闲",
                     lane: "standard", ticket: null, since: null};
  const snapshot = {type: "snapshot", seq: 10, data: {
    hall: {id: "h", name: "大厅", timezone: "Asia/Shanghai"},
    now_calling: [], last_calls: [], windows: [windowOne],
    waiting: {total: 3, green_channel: 0, by_category: []}}};
  const called = (seq, number) => ({type: "ticket.called", seq, at: "2026-11-25T01:31:02+00:00",
    data: {ticket: {number, window: 1, green_channel: true, service_name: "换领"},
           window: {...windowOne, state: "calling", state_zh: "叫号中", ticket: number},
           announcement: {voice: `请 ${number} 号到 1 号窗口办理`},
           waiting: {total: 2, green_channel: 0, by_category: []}}});
  const step = (state, msg) => F.applyMessage(state, msg);
  const base = step(F.initialState(), snapshot).state;
  const next = step(base, called(11, "A001"));
  const duplicate = step(next.state, called(11, "A001"));
  const gap = step(next.state, called(13, "A003"));
  const afterGap = step(gap.state, called(14, "A004"));
  const beforeSnapshot = step(F.initialState(), called(1, "A001"));
  const lateHeartbeat = step(next.state, {type: "heartbeat", seq: 12});
  const sameHeartbeat = step(next.state, {type: "heartbeat", seq: 11});
  const started = step(next.state, {type: "ticket.started", seq: 12,
    data: {ticket: {number: "A001"}, window: {...windowOne, state: "serving", state_zh: "办理中",
           ticket: "A001"}, waiting: {total: 2, green_channel: 0, by_category: []}}});
  const updated = step(next.state, {type: "window.updated", seq: 12, data: {
    window: {number: 2, label: "2号窗口", state: "closed", state_zh: "未开启", lane: "green",
             ticket: null, since: null}, waiting: {total: 2, green_channel: 0, by_category: []}}});
  const bare = step(next.state, {type: "window.paused", seq: 12, data: {
    window: {number: 3, state: "paused"}}});
  const unknown = step(next.state, {type: "something.new", seq: 12, data: {}});
  return {
    baseSeq: base.seq,
    nextSeq: next.state.seq, effects: next.effects.map((e) => e.type),
    voice: next.effects[0].voice, latest: F.latestCall(next.state).number,
    green: F.isGreen(next.state, "A001"), waiting: next.state.waiting.total,
    windowState: F.windowOf(next.state, 1).state,
    duplicateSame: duplicate.state === next.state, duplicateEffects: duplicate.effects.length,
    gapEffects: gap.effects.map((e) => e.type), gapSeq: gap.state.seq,
    afterGapEffects: afterGap.effects.length, afterGapSeq: afterGap.state.seq,
    beforeSnapshotSeq: beforeSnapshot.state.seq,
    lateHeartbeat: lateHeartbeat.effects.map((e) => e.type),
    sameHeartbeat: sameHeartbeat.effects.length,
    startedCalling: started.state.nowCalling.length, startedRecent: started.state.lastCalls.length,
    startedLatest: F.latestCall(started.state).number,
    updatedWindows: updated.state.windows.map((w) => [w.number, w.state_zh, w.lane, w.ticket]),
    updatedKeys: Object.keys(F.windowOf(updated.state, 2)).sort(),
    bareWindow: bare.state.windows.map((w) => [w.number, w.state_zh, w.lane, w.ticket]),
    unknownSeq: unknown.state.seq, unknownEffects: unknown.effects.length,
  };
}
"""


def test_feed_reducer_follows_the_seq_rules(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/display/live")  # no token: the page stays offline
    result = page.evaluate(REDUCER_CASES)
    assert result == {
        "baseSeq": 10,
        "nextSeq": 11,
        "effects": ["call"],
        "voice": "请 A001 号到 1 号窗口办理",
        "latest": "A001",
        "green": True,
        "waiting": 2,
        "windowState": "calling",
        "duplicateSame": True,
        "duplicateEffects": 0,
        "gapEffects": ["resync"],
        "gapSeq": 11,
        "afterGapEffects": 0,  # waits for the snapshot the resync asked for
        "afterGapSeq": 11,
        "beforeSnapshotSeq": None,
        "lateHeartbeat": ["resync"],
        "sameHeartbeat": 0,
        "startedCalling": 0,
        "startedRecent": 1,
        "startedLatest": "A001",
        "updatedWindows": [[1, "叫号中", "standard", "A001"], [2, "未开启", "green", None]],
        "updatedKeys": ["label", "lane", "number", "since", "staff", "state", "state_zh", "ticket"],
        # a window without its words gets them from /static/protocol.js
        "bareWindow": [[1, "叫号中", "standard", "A001"], [3, "暂停服务", "standard", None]],
        "unknownSeq": 12,
        "unknownEffects": 0,
    }


def test_the_pages_take_the_servers_names_and_seq_rule(live_server: LiveServer, page: Page) -> None:
    """/static/protocol.js is protocol.py: the same names, and the same verdict
    for every (last, seq, kind) a page may meet."""
    page.goto(f"{live_server.url}/display/live")  # no token: the page stays offline
    served = page.evaluate("JSON.parse(JSON.stringify(window.YiChuangProtocol))")
    assert served == protocol_js.vocabulary()
    kinds = [None, "ticket.called", "something.new", "heartbeat", "snapshot"]
    cases = [(last, seq, kind) for last in (0, 5) for seq in range(-1, 9) for kind in kinds]
    verdicts = page.evaluate(
        "(cases) => cases.map(([l, s, k]) => window.YiChuangProtocol.seqVerdict(l, s, k))", cases
    )
    assert verdicts == [protocol.seq_verdict(last, seq, kind).value for last, seq, kind in cases]
