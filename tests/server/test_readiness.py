"""`/readyz` tells a load balancer whether this process can serve; `/healthz`
only that it is alive."""

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from queue_server.readiness import _database
from queue_server.store import Store
from tests.live import LiveServer


def test_ready_on_one_process_without_redis_or_scheduler(client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": True, "detail": "not configured (one process)"}
    assert body["checks"]["scheduler"] == {"ok": True, "detail": "off (QUEUE_JOBS_INTERVAL_S=0)"}


def test_a_database_that_does_not_answer_is_not_ready() -> None:
    store = Store("postgresql://postgres@127.0.0.1:1/test")  # nothing listens on port 1
    try:
        check = asyncio.run(_database(store))
    finally:
        store.dispose()
    assert check == {"ok": False, "detail": "OperationalError"}


def readyz(server: LiveServer) -> tuple[int, dict[str, Any]]:
    answer = httpx2.get(f"{server.url}/readyz", timeout=5)
    return answer.status_code, answer.json()


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_going_away_takes_the_process_out_until_it_is_back(
    pg_url: str, private_redis: Any, tmp_path: Path
) -> None:
    server = LiveServer(pg_url, tmp_path, redis_url=private_redis.url).start()
    try:
        status, body = readyz(server)
        assert status == 200, body
        assert body["checks"]["redis"] == {"ok": True, "detail": "answering"}
        assert body["checks"]["scheduler"] == {"ok": True, "detail": "running"}
        assert httpx2.get(f"{server.url}/healthz", timeout=5).status_code == 200

        private_redis.stop()
        status, body = readyz(server)
        assert status == 503
        assert body["status"] == "not_ready"
        assert body["checks"]["redis"] == {"ok": False, "detail": "no answer"}
        assert body["checks"]["database"]["ok"] is True
        assert httpx2.get(f"{server.url}/healthz", timeout=5).status_code == 200  # alive

        private_redis.start()
        deadline = time.monotonic() + 10
        while (status := readyz(server)[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status == 200
    finally:
        server.stop()
