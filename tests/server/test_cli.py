"""`queue-server` as an operator meets it: init, token create, serve --demo."""

import os
import re
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
import pytest
from starlette.testclient import TestClient

from queue_server.app import create_app
from queue_server.cli import is_loopback_url, main, served_url
from queue_server.settings import Settings
from tests.conftest import Clock


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
    assert "没有 99 号窗口" in capsys.readouterr().out


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
            # The QR code points to the port actually served, not a fixed 8000.
            assert ticket.json()["status_url"].startswith(f"http://127.0.0.1:{port}/t/")
            # Loopback is unreachable from phones: the operator is told so, and how to fix it.
            assert "WARNING" in printed and "QUEUE_PUBLIC_URL" in printed
            # Every device's page is printed ready to open, with its token.
            kiosk_url = f"http://127.0.0.1:{port}/kiosk/demo?token={tokens['kiosk']}"
            assert kiosk_url in printed
            assert f"/window/demo/9?token={windows['9']}" in printed
            assert f"/supervisor/demo?token={tokens['supervisor']}" in printed
            assert http.get(kiosk_url).status_code == 200
            # The demo has four simulated weeks behind it: 排班建议 has a plan at once.
            assert "模拟记录" in printed
            next_week = (datetime.now(SHANGHAI) + timedelta(days=7)).date().isoformat()
            boss = {"Authorization": f"Bearer {tokens['supervisor']}"}
            plan = http.get(f"{base}/halls/demo/staffing?date={next_week}", headers=boss)
            assert plan.status_code == 200, plan.text
            assert plan.json()["history"]["weeks"] == 4
            by_start = {s["start"]: s for s in plan.json()["slots"]}
            assert by_start["10:00"]["arrivals"] > 0 and by_start["10:00"]["windows"] >= 1
            # Those days carry their call log, so a past day's reports agree.
            yesterday = (datetime.now(SHANGHAI) - timedelta(days=1)).date().isoformat()
            day = http.get(f"{base}/halls/demo/stats?date={yesterday}", headers=boss).json()
            calls = http.get(f"{base}/halls/demo/calls/reasons?date={yesterday}", headers=boss)
            assert day["served"] > 0 and day["by_window"]
            assert calls.json()["calls"] == day["issued"] - day["unserved"]
            # The demo admin's printed password signs in to the hall's console.
            [password] = re.findall(r"│ D001\s+│[^│]+│ admin\s+│ (\S+)", printed)
            assert "/admin/demo" in printed
            signed_in = http.post(
                f"{base}/login", json={"hall": "demo", "staff_no": "D001", "password": password}
            )
            assert signed_in.status_code == 200 and signed_in.json()["role"] == "admin"
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


def test_the_public_address_is_the_one_served() -> None:
    assert served_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert served_url("::1", 8080) == "http://[::1]:8080"
    # 0.0.0.0 cannot be opened by a phone: the machine's own address is named instead.
    assert "0.0.0.0" not in served_url("0.0.0.0", 8080)
    assert served_url("hall.example.cn", 80) == "http://hall.example.cn:80"
    assert is_loopback_url("http://127.0.0.1:8000") and is_loopback_url("http://localhost:1")
    assert is_loopback_url("http://[::1]:8000")
    assert not is_loopback_url("http://192.168.1.20:8000")
    assert not is_loopback_url("https://hall.example.cn")


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("hour", [3, 11, 22])  # Shanghai time: night, noon, evening
def test_the_demo_hall_offers_appointments_at_any_hour(tmp_path: Path, hour: int) -> None:
    url = f"sqlite:///{tmp_path}/demo.db"
    assert main(["init", "--demo", "--database-url", url]) == 0
    clock = Clock(datetime(2026, 12, 5, hour, tzinfo=SHANGHAI))
    settings = Settings(database_url=url, jobs_interval_s=0, secret_key="k")
    today = clock.now.date()
    with TestClient(create_app(settings, clock=clock)) as client:
        for day in (today, today + timedelta(days=1)):
            # 外国人签证 is appointment-only: the demo must not make it a dead end.
            answer = client.get(f"/api/halls/demo/slots?service=CRJ-WG-QZ&date={day}")
            assert answer.status_code == 200, answer.text
            free = [s for s in answer.json()["slots"] if s["free"] > 0]
            later = [s for s in free if datetime.fromisoformat(s["start"]) > clock.now]
            assert later, (day, answer.json())
