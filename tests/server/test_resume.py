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
