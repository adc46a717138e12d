"""挂起 → 恢复: the board and every screen stay right, and the visitor goes back
to the window that suspended them (the clerk has their file)."""

import json
from datetime import UTC, datetime
from typing import Any

from starlette.testclient import TestClient

from display_client.state import Board, Resync, apply
from tests.feed_views import reducer_view, server_view
from tests.server.conftest import Hall

NOW = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)


def board(hall: Hall) -> dict[str, Any]:
    result: dict[str, Any] = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.display))
    return result


def test_a_resumed_ticket_keeps_its_call_on_the_board_and_screens_follow(
    hall: Hall, client: TestClient
) -> None:
    away = hall.ticket()
    hall.open(1)
    token = hall.display["Authorization"][7:]
    with client.websocket_connect(f"/ws/halls/h1/board?token={token}") as ws:
        screen = Board()
        result = apply(screen, ws.receive_json(), NOW)
        assert isinstance(result, Board)
        screen = result
        hall.do(1, "call-next")
        hall.do(1, "start")
        hall.do(1, "suspend")
        hall.do(1, "resume-ticket", {"ticket": away["number"]})
        for _ in range(4):
            result = apply(screen, ws.receive_json(), NOW)
            assert isinstance(result, Board), result
            screen = result
        ws.send_text(json.dumps({"type": "resync"}))
        fresh = ws.receive_json()
    now = board(hall)
    # The lobby's 最近呼叫 still says where A001 was called, never 「null号窗口」.
    assert now["last_calls"][0]["number"] == "A001"
    assert now["last_calls"][0]["window"] == 1
    assert reducer_view(screen) == server_view(now)
    resynced = apply(screen, fresh, NOW)
    assert not isinstance(resynced, Resync)
    assert reducer_view(resynced) == server_view(now)


def refused(hall: Hall, n: int, action: str, body: Any, status: int, code: str, words: str) -> None:
    reply = hall.act(n, action, body)
    assert (reply.status_code, reply.json().get("error")) == (status, code), reply.text
    assert words in reply.json()["message"]
    english = hall.c.post(
        f"/api/halls/h1/windows/{n}/{action}",
        json=body,
        headers=hall.windows[n] | {"Accept-Language": "en"},
    )
    assert english.json()["error"] == code
    assert words not in english.json()["message"]


def test_clerk_refusals_speak_chinese_with_an_english_twin_and_a_code(hall: Hall) -> None:
    away = hall.ticket()
    hall.open(1, 2)
    hall.do(1, "call", {"ticket": away["number"]})
    refused(hall, 2, "call", {"ticket": away["number"]}, 409, "ticket_not_waiting", "不在等候中")
    refused(hall, 1, "transfer", {}, 422, "transfer_needs_target", "转移需要指定事项或窗口")
    refused(hall, 1, "transfer", {"window": 1}, 422, "transfer_to_same_window", "不能转到本窗口")
    refused(hall, 1, "transfer", {"window": 4}, 422, "window_does_not_take", "4 号窗口不办理")
