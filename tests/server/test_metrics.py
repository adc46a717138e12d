"""`GET /metrics` as Prometheus reads it (prometheus-client's own parser)."""

import json
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from websockets.sync.client import connect

from queue_server.settings import Settings
from tests.conftest import Clock
from tests.live import LiveServer
from tests.server.conftest import Hall

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-secret-for-tests"
ID_CARD = "HZ-SFZ-HL"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, metrics_token=TOKEN)


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample by (name, sorted labels), as a scraper stores them."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(client: TestClient) -> Samples:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(answer.text)


def hall_value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted({"hall": "h1", **labels}.items())))]


def test_a_mornings_work_is_counted_and_timed(client: TestClient, hall: Hall, clock: Clock) -> None:
    tickets = [hall.ticket() for _ in range(3)]
    clock.advance(600)  # ten minutes in the queue
    hall.open(1)
    hall.do(1, "call-next")
    hall.do(1, "start")
    clock.advance(240)
    hall.do(1, "finish")
    hall.do(1, "call-next")
    hall.do(1, "no-show")

    samples = scrape(client)
    events = ("issued", "called", "served", "no_show")
    counted = {e: hall_value(samples, "yichuang_tickets_total", event=e) for e in events}
    assert counted == {"issued": 3, "called": 2, "served": 1, "no_show": 1}
    assert hall_value(samples, "yichuang_wait_seconds_count") == 2
    assert hall_value(samples, "yichuang_wait_seconds_sum") == 600 + 840
    assert hall_value(samples, "yichuang_handling_seconds_sum") == 240
    assert hall_value(samples, "yichuang_handling_seconds_bucket", le="300.0") == 1
    assert hall_value(samples, "yichuang_waiting") == 1
    assert hall_value(samples, "yichuang_longest_wait_seconds") == 840
    assert hall_value(samples, "yichuang_open_windows") == 1
    assert samples[("yichuang_group_commit_batch_size_count", ())] >= 7
    assert samples[("yichuang_db_transaction_seconds_count", ())] >= 7

    route = (("method", "POST"), ("route", "/api/halls/{hall}/tickets"), ("status", "201"))
    issued = ("yichuang_http_request_seconds_count", route)
    assert samples[issued] == 3
    # Series are named by route templates: no ticket id, token or number in any label.
    labels = " ".join(str(key[1]) for key in samples)
    assert not any(t["id"] in labels or t["number"] in labels for t in tickets)
    assert "Bearer" not in labels and "yc_" not in labels


def test_without_the_token_nobody_scrapes(client: TestClient, hall: Hall) -> None:
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert "QUEUE_METRICS_TOKEN" in wrong.json()["message"]


def test_an_untokened_server_answers_its_own_machine_only(tmp_path: Path) -> None:
    server = LiveServer(
        f"sqlite:///{tmp_path}/hall.db", tmp_path, env={"QUEUE_JOBS_INTERVAL_S": "0.2"}
    ).start()
    try:
        tokens = server.setup_hall()
        board = f"{server.ws_url}/ws/halls/live/board?token={tokens['display']}"
        with connect(board) as display:
            display.recv(timeout=5)  # the snapshot
            kiosk = tokens["kiosk"]
            server.api("POST", "/api/halls/live/tickets", token=kiosk, json={"service": ID_CARD})
            display.recv(timeout=5)  # the ticket.issued event
            time.sleep(0.5)  # a few scheduler rounds
            samples = parse(httpx2.get(f"{server.url}/metrics", timeout=5).text)
        assert samples[("yichuang_displays_connected", (("hall", "live"),))] == 1
        assert samples[("yichuang_feed_lag_seconds_count", ())] >= 1
        runs = ("yichuang_scheduler_runs_total", (("job", "hall-day"), ("result", "ok")))
        assert samples[runs] >= 1
    finally:
        server.stop()


def test_a_client_from_the_lan_is_refused_without_a_token(client: TestClient, hall: Hall) -> None:
    # Starlette's test client is not a loopback address: it stands for any other machine.
    unset: Any = client.app_state["services"].settings
    client.app_state["services"].settings = replace(unset, metrics_token=None)
    answer = client.get("/metrics")
    assert answer.status_code == 403
    assert "QUEUE_METRICS_TOKEN" in answer.json()["message"]


def test_the_grafana_dashboard_asks_only_for_what_the_server_exposes(
    client: TestClient, hall: Hall
) -> None:
    hall.ticket()
    hall.open(1)
    hall.serve(1)  # every counter and histogram has a sample now
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    families = list(text_string_to_metric_families(text))  # with or without samples yet
    exposed = {s.name for f in families for s in f.samples} | {f.name for f in families}
    exposed |= {f"{f.name}_total" for f in families if f.type == "counter"}
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text("utf-8"))
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"yichuang_[a-z_]+", target["expr"])
    }
    assert len(asked) >= 10
    assert asked <= exposed, asked - exposed
