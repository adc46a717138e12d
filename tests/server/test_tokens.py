"""Tokens (issue 11, item 17): expiry, listing and revocation through the API
and the CLI, revocation that holds at once in every process, and 429 after
repeated failures from one address."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient
from websockets.sync.client import connect

from queue_server.app import create_app
from queue_server.cli import main
from queue_server.settings import Settings
from tests.conftest import Clock
from tests.live import LiveServer
from tests.server.conftest import Hall, bearer

EN = {"Accept-Language": "en"}


def make(hall: Hall, **body: Any) -> httpx2.Response:
    return hall.c.post(
        "/api/tokens", json={"role": "display", "hall": "h1", **body}, headers=hall.admin
    )


def test_a_token_with_a_lifetime_stops_working_when_it_ends(hall: Hall, clock: Clock) -> None:
    made = hall.ok(make(hall, ttl_s=3600, label="大屏"), 201)
    assert made["expires_at"] == "2026-11-25T02:30:00+00:00"
    assert hall.c.get("/api/whoami", headers=bearer(made["token"])).status_code == 200
    clock.advance(3601)
    refused = hall.c.get("/api/whoami", headers=bearer(made["token"]) | EN)
    assert refused.status_code == 401
    assert refused.json()["error"] == "bad_token"
    listed = hall.ok(hall.c.get("/api/tokens?hall=h1", headers=hall.admin))["tokens"]
    assert [t["state"] for t in listed if t["id"] == made["id"]] == ["expired"]


@pytest.mark.parametrize(
    "body",
    [
        {"ttl_s": 3600, "expires_at": "2026-11-26T00:00:00+08:00"},
        {"expires_at": "2026-11-24T00:00:00+08:00"},  # past
        {"expires_at": "2026-11-26T00:00:00"},  # no offset
        {"expires_at": "0001-01-01T00:00:00+14:00"},
        {"expires_at": "9999-12-31T23:59:59-14:00"},
        {"ttl_s": 10},
        {"ttl_s": 10**40},
    ],
)
def test_a_lifetime_that_cannot_be_is_a_422(hall: Hall, body: dict[str, Any]) -> None:
    assert make(hall, **body).status_code == 422


def test_revoked_at_once_listed_and_never_shown_again(hall: Hall) -> None:
    made = hall.ok(make(hall), 201)
    other = hall.ok(make(hall), 201)
    for _ in range(2):  # now cached by the process
        assert hall.c.get("/api/whoami", headers=bearer(made["token"])).status_code == 200
    revoked = hall.ok(hall.c.delete(f"/api/tokens/{made['id']}", headers=hall.admin))
    assert revoked["state"] == "revoked" and "token" not in revoked
    assert hall.c.get("/api/whoami", headers=bearer(made["token"])).status_code == 401
    assert hall.c.get("/api/whoami", headers=bearer(other["token"])).status_code == 200
    again = hall.c.post(f"/api/tokens/{made['id']}/revoke", headers=hall.admin)
    assert again.status_code == 200  # idempotent
    listed = hall.ok(hall.c.get("/api/tokens", headers=hall.admin))["tokens"]
    states = {t["id"]: t["state"] for t in listed}
    assert states[made["id"]] == "revoked" and states[other["id"]] == "active"
    assert all(set(t) >= {"id", "role", "hall", "window", "label", "created_at"} for t in listed)
    assert not any("token" in t or "token_hash" in t for t in listed)


def test_only_an_admin_lists_and_revokes(hall: Hall) -> None:
    made = hall.ok(make(hall), 201)
    assert hall.c.get("/api/tokens", headers=hall.supervisor).status_code == 403
    assert hall.c.delete(f"/api/tokens/{made['id']}", headers=hall.supervisor).status_code == 403
    assert hall.c.delete("/api/tokens/nope", headers=hall.admin).json()["error"] == "unknown_token"
    assert hall.c.get("/api/whoami", headers=bearer(made["token"])).status_code == 200


def test_a_revoked_token_cannot_open_the_feed(hall: Hall) -> None:
    made = hall.ok(make(hall), 201)
    hall.ok(hall.c.delete(f"/api/tokens/{made['id']}", headers=hall.admin))
    with hall.c.websocket_connect(
        "/ws/halls/h1/board", subprotocols=["yichuang", f"bearer.{made['token']}"]
    ) as ws:
        assert ws.receive_json()["error"] == "bad_token"


@pytest.fixture
def strict_client(db_url: str, clock: Clock) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url,
        admin_token="admin-secret-for-tests",
        secret_key="k",
        jobs_interval_s=0,
        auth_failures=5,
        auth_window_s=1.5,
    )
    with TestClient(create_app(settings, clock=clock)) as c:
        yield c


def test_repeated_bad_tokens_from_one_address_get_429(strict_client: TestClient) -> None:
    hall = Hall(strict_client)
    assert strict_client.get("/api/whoami", headers=hall.kiosk).status_code == 200
    statuses = [
        strict_client.get("/api/whoami", headers=bearer(f"yc_guess{i}")).status_code
        for i in range(8)
    ]
    assert statuses == [401] * 5 + [429] * 3
    refused = strict_client.get("/api/whoami", headers=bearer("yc_guess") | EN)
    assert refused.json()["error"] == "too_many_failures"
    assert 1 <= int(refused.headers["retry-after"]) <= 2
    # A device already known keeps working; the admin too.
    assert strict_client.get("/api/whoami", headers=hall.kiosk).status_code == 200
    assert strict_client.get("/api/whoami", headers=hall.admin).status_code == 200
    time.sleep(1.6)
    assert strict_client.get("/api/whoami", headers=bearer("yc_x")).status_code == 401


def test_the_cli_lists_revokes_and_limits_tokens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert main(["init", "--demo", "--database-url", url]) == 0
    base = f"token create --role display --hall demo --label 大屏 --database-url {url}"
    assert main([*base.split(), "--ttl", "8h"]) == 0
    assert main(base.split()) == 0
    capsys.readouterr()
    assert main(["token", "list", "--hall", "demo", "--database-url", url]) == 0
    listing = capsys.readouterr().out
    assert listing.count("display") == 2 and listing.count("active") == 2
    token_id = next(line.split()[1] for line in listing.splitlines() if "display" in line)
    assert main(["token", "revoke", token_id, "--database-url", url]) == 0
    assert f"{token_id} revoked" in capsys.readouterr().out
    assert main(["token", "list", "--database-url", url]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["token", "revoke", "nope", "--database-url", url]) == 2
    with pytest.raises(SystemExit):
        main([*base.split(), "--ttl", "5s"])


@pytest.mark.postgres
@pytest.mark.redis
def test_a_revocation_holds_at_once_in_every_process(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    a = LiveServer(pg_url, tmp_path, redis_url=redis_url).start()
    b = LiveServer(pg_url, tmp_path, redis_url=redis_url).start()
    try:
        tokens = a.setup_hall()
        for round_ in range(5):
            made = a.api("POST", "/api/tokens", json={"role": "display", "hall": "live"})
            auth = {"Authorization": f"Bearer {made['token']}"}
            for _ in range(3):  # known, and so cached, in B
                assert httpx2.get(f"{b.url}/api/whoami", headers=auth).status_code == 200
            a.api("DELETE", f"/api/tokens/{made['id']}")
            refused = httpx2.get(f"{b.url}/api/whoami", headers=auth)
            assert refused.status_code == 401, (round_, refused.text)
        kiosk = {"Authorization": f"Bearer {tokens['kiosk']}"}
        assert httpx2.get(f"{b.url}/api/whoami", headers=kiosk).status_code == 200
        url = f"{b.ws_url}/ws/halls/live/board"
        with connect(url, subprotocols=["yichuang", f"bearer.{made['token']}"]) as ws:  # type: ignore[list-item]
            assert '"bad_token"' in str(ws.recv(timeout=10))
    finally:
        a.stop()
        b.stop()
