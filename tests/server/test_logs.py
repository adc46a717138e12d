"""`QUEUE_LOG_FORMAT=json`: the real server writes one JSON object per line,
with the request id, route template, hall, status and latency, and nothing
personal or secret in any line."""

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from websockets.sync.client import connect

from queue_server.settings import Settings
from tests.live import LiveServer

ID_NUMBER = "11010519491231002X"  # a valid resident ID (checksum X)
PHONE = "13812345678"


def lines(server: LiveServer) -> list[dict[str, Any]]:
    text = server.log_path.read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_logs_carry_the_request_and_nothing_personal(tmp_path: Path) -> None:
    env = {"QUEUE_LOG_FORMAT": "json", "QUEUE_SMS_URL": "log:"}
    server = LiveServer(f"sqlite:///{tmp_path}/hall.db", tmp_path, env=env).start()
    try:
        tokens = server.setup_hall()
        kiosk = {"Authorization": f"Bearer {tokens['kiosk']}", "X-Request-Id": "kiosk-7.req_42"}
        body = {"service": "HZ-SFZ-HL", "id_number": ID_NUMBER}
        issued = httpx2.post(f"{server.url}/api/halls/live/tickets", headers=kiosk, json=body)
        assert issued.status_code == 201 and issued.headers["X-Request-Id"] == "kiosk-7.req_42"
        ticket = issued.json()
        assert httpx2.get(f"{server.url}/t/{ticket['id']}").status_code == 200
        odd = httpx2.get(
            f"{server.url}/api/tickets/{ticket['id']}", headers={"X-Request-Id": "a b"}
        )
        assert len(odd.headers["X-Request-Id"]) == 16  # not a sane id: one is made
        with connect(f"{server.ws_url}/ws/halls/live/board?token={tokens['display']}") as ws:
            ws.recv(timeout=5)
        # Text reminders: the phone travels in a body and a code goes to the (log) SMS.
        asked = httpx2.post(
            f"{server.url}/api/tickets/{ticket['id']}/reminders", json={"phone": PHONE, "ahead": 3}
        )
        assert asked.status_code in (200, 202), asked.text
    finally:
        server.stop()

    logged = lines(server)  # every line parses: one JSON object per line
    access = [e for e in logged if e["logger"] == "queue_server.access"]
    first = next(e for e in access if e.get("request_id") == "kiosk-7.req_42")
    assert (first["method"], first["route"], first["hall"], first["status"]) == (
        "POST", "/api/halls/{hall}/tickets", "live", 201
    )  # fmt: skip
    assert first["ms"] >= 0 and first["ts"].endswith("+00:00")
    assert any(e["route"] == "/t/{id}" for e in access)
    text = server.log_path.read_text("utf-8")
    secrets = [ticket["id"], ID_NUMBER, PHONE, *tokens.values()]
    assert not [s for s in secrets if s in text]
    assert "138****5678" in text  # the code's text message, its phone masked


def test_an_unknown_log_format_stops_the_server_with_a_message() -> None:
    with pytest.raises(SystemExit, match="QUEUE_LOG_FORMAT='xml' is not text or json"):
        Settings.from_env({"QUEUE_LOG_FORMAT": "XML"})
