"""The edge against a real `queue-server serve` (issue 11, items 13 and 14):
memory under a huge chunked body, requests that never finish, the log, and a
websocket that authenticates without its token in the URL."""

import contextlib
import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.live import LiveServer


def peak_rss_kb(pid: int) -> int:
    """The process's high-water resident set (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def post_chunked(
    port: int, path: str, total: int, chunk: int = 64 * 1024, *, heed: bool = True
) -> tuple[int, int]:
    """POST `total` bytes chunked, stopping once the server answers (unless not
    `heed`, as an attacker would) or hangs up.

    (status, bytes sent); status 0 when the server reset the connection before
    its answer could be read (it closes a refused body's connection unread).
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    sock.sendall(head.encode())
    piece = f"{chunk:x}\r\n".encode() + b"7" * chunk + b"\r\n"
    sent = 0
    try:
        while sent < total and not (heed and select.select([sock], [], [], 0)[0]):
            sock.sendall(piece)
            sent += chunk
        if sent >= total:
            sock.sendall(b"0\r\n\r\n")
        answer = sock.recv(4096)
    except (ConnectionResetError, BrokenPipeError):
        return 0, sent
    finally:
        sock.close()
    return int(answer.split(b" ", 2)[1]), sent


def test_a_huge_chunked_body_is_refused_with_memory_bounded(live_server: LiveServer) -> None:
    live_server.setup_hall()
    assert live_server.process is not None
    pid = live_server.process.pid
    post_chunked(live_server.port, "/api/halls/live/appointments", 256 * 1024)  # warm up
    before = peak_rss_kb(pid)
    total = 40 * 1024 * 1024
    for path in ("/api/halls/live/appointments", "/api/tickets/x/rating", "/healthz"):
        for heed in (True, False):  # a polite client, and one that ignores the answer
            status, sent = post_chunked(live_server.port, path, total, heed=heed)
            assert status in (413, 405, 0), (path, status)
            assert sent < total, f"the server read the whole body of {path}"
    growth_mb = (peak_rss_kb(pid) - before) / 1024
    assert growth_mb < 8, f"peak RSS grew {growth_mb:.1f} MB"
    assert live_server.api("GET", "/healthz") == {"status": "ok"}


@pytest.fixture
def impatient_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    monkeypatch.setenv("QUEUE_HEADER_TIMEOUT_S", "1")
    monkeypatch.setenv("QUEUE_BODY_TIMEOUT_S", "1")
    server = LiveServer(f"sqlite:///{tmp_path}/live.db", tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


def closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sends before closing, or None if still open after `seconds`."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    return received


def test_half_open_requests_are_closed(impatient_server: LiveServer) -> None:
    port = impatient_server.port
    silent = socket.create_connection(("127.0.0.1", port))
    partial = socket.create_connection(("127.0.0.1", port))
    partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finish
    stalled = socket.create_connection(("127.0.0.1", port))
    stalled.sendall(
        b"POST /api/halls/x/appointments HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    started = time.monotonic()
    assert closed_within(silent, 5) == b""
    assert closed_within(partial, 5) == b""
    answer = closed_within(stalled, 5)
    assert answer is not None and answer.startswith(b"HTTP/1.1 408"), answer
    assert time.monotonic() - started < 5
    for sock in (silent, partial, stalled):
        sock.close()
    # A keep-alive connection that asks again in time is served.
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for _ in range(3):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while not answer.endswith(b'{"status":"ok"}'):
                answer += sock.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200")
            time.sleep(0.6)


def test_the_websocket_takes_its_token_in_a_subprotocol(live_server: LiveServer) -> None:
    tokens = live_server.setup_hall()
    url = f"{live_server.ws_url}/ws/halls/live/board"
    with connect(url, subprotocols=["yichuang", f"bearer.{tokens['display']}"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "yichuang"
        assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
    with connect(url, subprotocols=["yichuang", "bearer.yc_wrong"]) as ws:  # type: ignore[list-item]
        refusal = json.loads(ws.recv(timeout=10))
        assert (refusal["type"], refusal["error"]) == ("error", "bad_token")
    with connect(f"{url}?token={tokens['display']}") as ws:  # existing devices keep working
        assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"


def test_the_server_log_holds_no_token_ticket_id_or_booking_code(
    live_server: LiveServer,
) -> None:
    tokens = live_server.setup_hall()
    ticket = live_server.api(
        "POST", "/api/halls/live/tickets", tokens["kiosk"], json={"service": "HZ-SFZ-HL"}
    )
    with connect(f"{live_server.ws_url}/ws/halls/live/board?token={tokens['display']}") as ws:
        ws.recv(timeout=10)
    live_server.api("GET", f"/api/tickets/{ticket['id']}")
    assert httpx2.get(f"{live_server.url}/t/{ticket['id']}").status_code == 200
    with contextlib.suppress(InvalidStatus):
        connect(f"{live_server.ws_url}/ws/nowhere?token={tokens['kiosk']}").close()
    time.sleep(0.3)  # the access log is written after the answer
    log = live_server.log_path.read_text()
    assert "/t/***" in log and "WebSocket /ws/halls/live/board?token=***" in log
    for secret in (tokens["display"], tokens["kiosk"], ticket["id"]):
        assert secret not in log
