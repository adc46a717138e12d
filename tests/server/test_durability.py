"""Durable means durable: an acknowledged ticket survives the server's death.

SQLite commits with synchronous=FULL (the WAL is fsynced before a commit
returns), so an acknowledged ticket is on disk through a power cut, not only
through a killed process. A power cut cannot be staged here; `kill -9` in
the middle of a rush can, and a kiosk retrying with its Idempotency-Key
then gets the ticket it was given, never a second one.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest

from queue_server.settings import Settings
from queue_server.store import Store
from tests.live import LiveServer

ID_CARD = "HZ-SFZ-HL"
LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def synchronous_of(store: Store) -> str:
    with store.write() as tx:
        level = tx.s.connection().exec_driver_sql("PRAGMA synchronous").scalar()
    return LEVELS[int(level)]


def test_sqlite_commits_are_fsynced_unless_the_operator_says_otherwise(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/hall.db"
    settings = Settings.from_env({"QUEUE_DATABASE_URL": url})
    assert settings.sqlite_synchronous == "FULL"
    store = Store(url, synchronous=settings.sqlite_synchronous)
    try:
        assert synchronous_of(store) == "FULL"
    finally:
        store.dispose()
    relaxed = Settings.from_env({"QUEUE_DATABASE_URL": url, "QUEUE_SQLITE_SYNCHRONOUS": "normal"})
    store = Store(url, synchronous=relaxed.sqlite_synchronous)
    try:
        assert synchronous_of(store) == "NORMAL"
    finally:
        store.dispose()
    with pytest.raises(SystemExit, match="QUEUE_SQLITE_SYNCHRONOUS='OFF' is not one of FULL"):
        Settings.from_env({"QUEUE_SQLITE_SYNCHRONOUS": "off"})


def test_kill_9_in_a_rush_loses_no_acknowledged_ticket(live_server: LiveServer) -> None:
    tokens = live_server.setup_hall()
    headers = {"Authorization": f"Bearer {tokens['kiosk']}"}
    path = f"{live_server.url}/api/halls/live/tickets"
    acknowledged: dict[str, str] = {}  # Idempotency-Key -> ticket id
    lock, stop = threading.Lock(), threading.Event()

    def kiosk(n: int) -> None:
        with httpx2.Client(timeout=5) as http:
            for i in range(10_000):
                if stop.is_set():
                    return
                key = f"kiosk{n}-{i}"
                try:
                    answer = http.post(
                        path,
                        headers=headers | {"Idempotency-Key": key},
                        json={"service": ID_CARD},
                    )
                except httpx2.HTTPError:
                    return  # the server died under this request: not acknowledged
                if answer.status_code == 201:
                    with lock:
                        acknowledged[key] = answer.json()["id"]

    with ThreadPoolExecutor(6) as kiosks:
        running = [kiosks.submit(kiosk, n) for n in range(6)]
        while len(acknowledged) < 150:  # well into the rush
            time.sleep(0.01)
        assert live_server.process is not None
        live_server.process.kill()  # SIGKILL: no shutdown, no last flush
        live_server.process.wait()
        stop.set()
        for future in running:
            future.result()

    live_server.start()  # same database, same port
    supervisor = tokens["supervisor"]
    for ticket_id in acknowledged.values():  # every ticket a kiosk printed is there
        assert live_server.api("GET", f"/api/tickets/{ticket_id}")["status"] == "waiting"
    queue = live_server.api("GET", "/api/halls/live/queues", token=supervisor)
    numbers = [t["number"] for t in queue["tickets"]]
    assert len(numbers) >= len(acknowledged)
    assert len(numbers) == len(set(numbers))  # and no number was given twice
    # A kiosk retrying a request it had an answer to gets the same ticket back.
    key, ticket_id = next(iter(acknowledged.items()))
    again = httpx2.post(
        path, headers=headers | {"Idempotency-Key": key}, json={"service": ID_CARD}, timeout=5
    )
    assert again.status_code == 200 and again.json()["id"] == ticket_id
