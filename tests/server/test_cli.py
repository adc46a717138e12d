"""`queue-server` as an operator meets it: init, token create, serve --demo."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from queue_server.cli import main


def test_init_and_token_create(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert main(["init", "--demo", "--database-url", url]) == 0

    def create_window_token(n: int) -> int:
        return main(
            f"token create --role window --hall demo --window {n} --database-url {url}".split()
        )

    assert create_window_token(3) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("yc_") and len(token) > 30
    # A window token for a window the hall lacks is refused with a message, not a trace.
    assert create_window_token(99) == 2
    assert "no window 99" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_prints_working_tokens(tmp_path: Path) -> None:
    port = _free_port()
    env = os.environ | {"QUEUE_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db", "COLUMNS": "200"}
    env.pop("QUEUE_ADMIN_TOKEN", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "queue_server.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        assert server.stdout is not None
        for line in server.stdout:
            lines.append(line)
            if "Uvicorn running" in line or "Application startup complete" in line:
                break
        printed = "".join(lines)
        tokens = dict(re.findall(r"│ (kiosk|supervisor)\s+│\s+│ (yc_\S+)", printed))
        windows = dict(re.findall(r"│ window\s+│ (\d+)\s+│ (yc_\S+)", printed))
        assert set(tokens) == {"kiosk", "supervisor"} and len(windows) == 10, printed
        base = f"http://127.0.0.1:{port}/api"
        with httpx2.Client(timeout=10) as http:
            for _ in range(50):
                try:
                    http.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx2.ConnectError:
                    time.sleep(0.1)
            ticket = http.post(
                f"{base}/halls/demo/tickets",
                json={"service": "HZ-SFZ-HL"},
                headers={"Authorization": f"Bearer {tokens['kiosk']}"},
            )
            assert ticket.status_code == 201 and ticket.json()["number"] == "A001"
            w9 = {"Authorization": f"Bearer {windows['9']}"}
            assert http.post(f"{base}/halls/demo/windows/9/open", headers=w9).status_code == 200
            # Window 9 takes exit-entry only: the ID-card ticket is not its to call.
            assert (
                http.post(f"{base}/halls/demo/windows/9/call-next", headers=w9).status_code == 204
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout:
            server.stdout.close()
