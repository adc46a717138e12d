"""Every browser page that follows the hall feed survives any message it cannot
read (issue 11): it skips it, says each kind once on the console, resyncs from
a fresh snapshot and keeps drawing. The hostile messages are slipped into the
real server's feed between the server and the page."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, WebSocketRoute, expect

from tests.live import LiveServer

pytestmark = pytest.mark.browser

SKIPPED = "已跳过无法读取的消息"


class Relay:
    """Passes the feed through both ways and lets the test add frames of its own."""

    def __init__(self) -> None:
        self.route: WebSocketRoute | None = None

    def __call__(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        server.on_message(ws.send)
        ws.on_message(server.send)
        self.route = ws

    def send(self, frame: Any) -> None:
        assert self.route is not None
        self.route.send(frame if isinstance(frame, str) else json.dumps(frame))


def hostile(seq: int) -> list[Any]:
    """Frames no page can read, and a snapshot like the one of issue 11."""
    broken_board = {
        "seq": seq,
        "hall": None,
        "now_calling": [{"number": "A001", "window": None}],
        "last_calls": [{"number": "A009", "window": None, "green_channel": False}, 7],
        "waiting": {"total": "many"},
        "windows": [{"number": None, "state": "open"}, "1号窗口"],
    }
    return [
        "not json {",
        "not json {",
        "null",
        "[1, 2]",
        '"ticket.called"',
        "42",
        {"type": "ticket.called", "seq": "x"},
        {"type": "heartbeat", "seq": None},
        {"type": "error", "error": 5, "message": ["?"]},
        {"type": "snapshot", "seq": seq, "data": None},
        {"type": "snapshot", "seq": seq, "data": broken_board},
        {"type": "ticket.called", "seq": seq + 1, "data": {"ticket": None, "window": 3}},
        {"type": "device.status", "seq": seq + 1, "data": {"device": "printer"}},
        {"type": "alert.raised", "seq": seq + 1, "data": {"alert": [1]}},
        {"type": "window.opened", "seq": seq + 1, "data": {"window": {"number": "1"}}},
        {"type": "ticket.teleported", "seq": seq + 50},
    ]


def api(server: LiveServer, tokens: dict[str, str], who: str, method: str, path: str) -> Any:
    return server.api(method, f"/api/halls/live{path}", token=tokens[who], json=None)


def server_seq(server: LiveServer, tokens: dict[str, str]) -> int:
    seq: int = api(server, tokens, "display", "GET", "/board")["seq"]
    return seq


PAGES: dict[str, tuple[str, str, Callable[[Page], None]]] = {
    "lobby board": (
        "/display/live",
        "display",
        lambda page: (
            expect(page.locator("#latest-number")).to_have_text("A001"),
            expect(page.locator("#latest-window")).to_have_text(re.compile(r"^1号")),
        ),
    ),
    "window screen": (
        "/display/live/window/1",
        "display",
        lambda page: expect(page.locator("#window-number")).to_have_text("A001"),
    ),
    "clerk console": (
        "/window/live/1",
        "window-1",
        lambda page: expect(page.locator("body")).to_have_attribute("data-window-state", "calling"),
    ),
    "supervisor console": (
        "/supervisor/live",
        "supervisor",
        lambda page: expect(
            page.locator('.window-tile[data-window="1"] .tile-ticket')
        ).to_have_text("A001"),
    ),
}


@pytest.mark.parametrize("name", PAGES, ids=list(PAGES))
def test_a_page_survives_any_feed_message(live_server: LiveServer, page: Page, name: str) -> None:
    path, who, shows_the_call = PAGES[name]
    tokens = live_server.setup_hall()
    warnings: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if SKIPPED in message.text:
            warnings.append(message.text)

    page.on("console", console)
    relay = Relay()
    page.route_web_socket(re.compile(r"/ws/halls/"), relay)
    page.goto(f"{live_server.url}{path}?token={tokens[who]}")
    expect(page.locator("body")).to_have_attribute("data-state", "live")

    seq = server_seq(live_server, tokens)
    for frame in hostile(seq):
        relay.send(frame)
    live_server.api(
        "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": "HZ-SFZ-HL"}
    )
    api(live_server, tokens, "window-1", "POST", "/windows/1/open")
    api(live_server, tokens, "window-1", "POST", "/windows/1/call-next")

    shows_the_call(page)
    expect(page.locator("body")).to_have_attribute("data-state", "live")
    expect(page.locator("body")).to_have_attribute("data-seq", str(server_seq(live_server, tokens)))
    assert "null号" not in page.content()
    assert warnings, "the skipped messages were said"
    assert len(warnings) == len(set(warnings)), warnings  # each kind once
    assert sum("not JSON" in w for w in warnings) == 1
