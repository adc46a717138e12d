"""A real server in a subprocess (uvicorn, as `scripts/serve` runs it), for
tests that need the network: websockets from another process, browsers,
several processes on one database, restarts."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import redis

ADMIN = "live-admin-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`queue-server serve` on a free port; restart() keeps the port and database."""

    def __init__(
        self,
        database_url: str,
        log_dir: Path,
        *,
        redis_url: str | None = None,
        port: int | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.database_url = database_url
        self.env = env or {}
        self.cwd = cwd  # where `python -m queue_server.cli` finds queue_server (default: here)
        self.start_timeout_s = 20.0
        self.redis_url = redis_url
        self.port = port or free_port()
        self.log_path = log_dir / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.admin = {"Authorization": f"Bearer {ADMIN}"}
        # One client, its connections kept alive: a test's many calls do not
        # each pay for a new client (its TLS context) and a new connection.
        self.http = httpx2.Client(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "LiveServer":
        env = (
            os.environ
            | {
                "QUEUE_DATABASE_URL": self.database_url,
                "QUEUE_ADMIN_TOKEN": ADMIN,
                "QUEUE_SECRET_KEY": "live-test-key",
                "QUEUE_PUBLIC_URL": self.url,
            }
            | self.env
        )
        env.pop("QUEUE_REDIS_URL", None)
        if self.redis_url:
            env["QUEUE_REDIS_URL"] = self.redis_url
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "queue_server.cli", "serve", "--port", str(self.port)],
                env=env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx2.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx2.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.http.close()  # connections to the stopped process are dead
        self.http = httpx2.Client(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        """Call the API (as admin unless a token is given); the JSON, or None for 204."""
        headers = {"Authorization": f"Bearer {token}"} if token else self.admin
        response = self.http.request(method, f"{self.url}{path}", headers=headers, **kwargs)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json() if response.content else None

    def book(self, hall: str, body: dict[str, Any]) -> Any:
        """Book as a visitor does: ask, read the one-time code where the development
        SMS provider writes it (this server's log), confirm; the booking."""
        asked = self.api("POST", f"/api/halls/{hall}/appointments", json=body)
        code = re.findall(r"验证码为(\d{6})", self.log_path.read_text("utf-8"))[-1]
        confirm = {"pending_id": asked["pending_id"], "code": code}
        return self.api("POST", f"/api/halls/{hall}/appointments/confirm", json=confirm)

    def setup_hall(self, hall: str = "live", windows: int = 3) -> dict[str, str]:
        """A hall with comprehensive windows 1..n; its tokens by role (and window-N)."""
        self.api("POST", "/api/halls", json={"id": hall, "name": "实时测试大厅"})
        tokens = {}
        for n in range(1, windows + 1):
            self.api(
                "PUT",
                f"/api/halls/{hall}/windows/{n}",
                json={"label": f"{n}号综合窗口", "services": "all"},
            )
            tokens[f"window-{n}"] = self.api(
                "POST", "/api/tokens", json={"role": "window", "hall": hall, "window": n}
            )["token"]
        for role in ("kiosk", "display", "supervisor"):
            tokens[role] = self.api("POST", "/api/tokens", json={"role": role, "hall": hall})[
                "token"
            ]
        return tokens


class PrivateRedis:
    """A redis-server of the test's own, so the test may stop and restart it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
