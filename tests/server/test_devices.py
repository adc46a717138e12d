"""Device credentials handed over by one-time links, revoked at once and
audited; heartbeats; the hall's device list; the city view (issue 14)."""

from pathlib import Path
from typing import Any

import httpx2
import pytest
from websockets.sync.client import connect

from queue_server.day import HallDay
from queue_server.devices import BEAT_WRITE_S, SILENT_S
from tests.conftest import Clock
from tests.live import LiveServer
from tests.server.conftest import Hall, bearer
from tests.server.test_cases import at
from tests.server.test_hall_settings import put_hours
from tests.server.test_staff import add, login
from tests.server.test_trust import alerts

EN = {"Accept-Language": "en"}


def create(hall: Hall, headers: dict[str, str] | None = None, **body: Any) -> httpx2.Response:
    body = {"role": "display", "label": "大厅综合屏"} | body
    return hall.c.post(
        "/api/halls/h1/devices", json=body, headers=hall.admin if headers is None else headers
    )


def code_of(made: dict[str, Any]) -> str:
    return str(made["link"]).rsplit("/", 1)[1]


def claim(hall: Hall, code: str) -> httpx2.Response:
    return hall.c.post(f"/api/devices/claim/{code}", headers=EN)


def listed(hall: Hall, headers: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    entries = hall.ok(hall.c.get("/api/halls/h1/devices", headers=headers or hall.supervisor))
    return {e["id"]: e for e in entries}


def audit(hall: Hall) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = hall.ok(
        hall.c.get("/api/halls/h1/audit", headers=hall.supervisor)
    )["records"]
    return records


def test_a_link_hands_the_credential_over_once(hall: Hall) -> None:
    made = hall.ok(create(hall, expires_in_days=30), 201)
    assert made["link"].startswith("http://testserver/device/claim/")
    assert made["qr_svg"].startswith("<svg")
    assert made["state"] == "unclaimed" and "token" not in made
    assert made["expires_at"] == "2026-12-25T01:30:00+00:00"
    assert made["link_expires_at"] == "2026-11-26T09:30:00+08:00"
    assert listed(hall)[made["id"]]["credential"] == "unclaimed"
    # The page the link opens changes nothing (a link preview must not use it up).
    page = hall.c.get(f"/device/claim/{code_of(made)}")
    assert page.status_code == 200 and "在本设备上启用" in page.text
    got = hall.ok(claim(hall, code_of(made)))
    assert got["page"] == "/display/h1" and got["token"].startswith("yc_")
    me = hall.ok(hall.c.get("/api/whoami", headers=bearer(got["token"])))
    assert (me["role"], me["hall"], me["token_id"]) == ("display", "h1", made["id"])
    again = claim(hall, code_of(made))
    assert (again.status_code, again.json()["error"]) == (409, "link_used")
    assert listed(hall)[made["id"]]["credential"] == "active"
    assert listed(hall)[made["id"]]["link_expires_at"] is None
    unknown = claim(hall, "not-a-code")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_link")


@pytest.mark.parametrize(
    ("body", "page"),
    [
        ({"role": "kiosk"}, "/kiosk/h1"),
        ({"role": "display", "window": 3}, "/display/h1/window/3"),
        ({"role": "evaluator", "window": 2}, "/window/h1/2/rate"),
    ],
)
def test_each_device_opens_its_own_page(hall: Hall, body: dict[str, Any], page: str) -> None:
    got = hall.ok(claim(hall, code_of(hall.ok(create(hall, **body), 201))))
    assert got["page"] == page
    assert hall.c.get(page + f"?token={got['token']}").status_code == 200


def test_a_link_not_opened_within_a_day_is_refused(hall: Hall, clock: Clock) -> None:
    made = hall.ok(create(hall), 201)
    clock.advance(24 * 3600)
    late = claim(hall, code_of(made))
    assert (late.status_code, late.json()["error"]) == (409, "link_expired")
    assert "expired" in late.json()["message"]


def test_a_revoked_credential_is_refused_at_once_and_its_link_too(hall: Hall) -> None:
    made = hall.ok(create(hall), 201)
    got = hall.ok(claim(hall, code_of(made)))
    for _ in range(2):  # now cached by the process
        assert hall.c.get("/api/whoami", headers=bearer(got["token"])).status_code == 200
    revoked = hall.ok(hall.c.post(f"/api/tokens/{made['id']}/revoke", headers=hall.admin))
    assert revoked["state"] == "revoked"
    assert hall.c.get("/api/whoami", headers=bearer(got["token"])).status_code == 401
    beat = hall.c.post("/api/halls/h1/devices/heartbeat", headers=bearer(got["token"]))
    assert beat.status_code == 401
    entry = listed(hall)[made["id"]]
    assert entry["credential"] == "revoked" and entry["revoked_at"]
    unused = hall.ok(create(hall), 201)
    hall.ok(hall.c.post(f"/api/tokens/{unused['id']}/revoke", headers=hall.admin))
    assert claim(hall, code_of(unused)).json()["error"] == "link_revoked"


def test_a_revoked_devices_open_feed_is_told_and_closed(hall: Hall) -> None:
    got = hall.ok(claim(hall, code_of(hall.ok(create(hall), 201))))
    other = hall.display["Authorization"].removeprefix("Bearer ")
    feed = "/ws/halls/h1/board"
    with (
        hall.c.websocket_connect(feed, ["yichuang", f"bearer.{got['token']}"]) as revoked,
        hall.c.websocket_connect(feed, ["yichuang", f"bearer.{other}"]) as kept,
    ):
        assert revoked.receive_json()["type"] == "snapshot"
        assert kept.receive_json()["type"] == "snapshot"
        hall.ok(hall.c.post(f"/api/tokens/{got['id']}/revoke", headers=hall.admin))
        told = revoked.receive_json()
        assert (told["type"], told["error"]) == ("error", "bad_token")
        hall.ticket()  # the other display is still fed
        assert kept.receive_json()["type"] == "ticket.issued"


def test_a_halls_admin_makes_and_revokes_its_own_devices_only(hall: Hall) -> None:
    hall.ok(add(hall, "D001", "admin"))
    hall.ok(login(hall.c, "D001"))
    made = hall.ok(create(hall, headers={}), 201)  # the session cookie
    other = hall.ok(hall.c.post("/api/tokens", json={"role": "display"} | {"hall": "h1"},
                                headers=hall.admin))  # fmt: skip
    hall.ok(hall.c.post(f"/api/tokens/{made['id']}/revoke"))
    hall.ok(hall.c.post(f"/api/tokens/{other['id']}/revoke"))
    hall.ok(hall.c.post("/api/halls", json={"id": "h2", "name": "二号大厅"}, headers=hall.admin))
    elsewhere = hall.ok(
        hall.c.post("/api/tokens", json={"role": "kiosk", "hall": "h2"}, headers=hall.admin)
    )
    refused = hall.c.post(f"/api/tokens/{elsewhere['id']}/revoke")
    assert (refused.status_code, refused.json()["error"]) == (403, "wrong_hall")
    assert (
        hall.c.post("/api/halls/h2/devices", json={"role": "kiosk", "label": "x"}).status_code
        == 403
    )
    server_wide = hall.ok(hall.c.post("/api/tokens", json={"role": "admin"}, headers=hall.admin))
    assert hall.c.post(f"/api/tokens/{server_wide['id']}/revoke").status_code == 403


def test_only_an_admin_makes_device_links(hall: Hall) -> None:
    for headers in (hall.supervisor, hall.kiosk, hall.windows[1]):
        assert create(hall, headers=headers).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"role": "printer", "label": "x"},
        {"role": "kiosk", "label": ""},
        {"role": "kiosk", "label": "x" * 61},
        {"role": "evaluator", "label": "评价器"},  # which window?
        {"role": "kiosk", "label": "取号机", "window": 1},
        {"role": "display", "label": "窗口屏", "window": 42},  # no such window
        {"role": "kiosk", "label": "取号机", "expires_in_days": 0},
        {"role": "kiosk", "label": "取号机", "expires_in_days": 99999},
        {"role": "kiosk", "label": "取号机", "secret": "mine"},
    ],
)
def test_bad_device_bodies_are_refused_in_chinese(hall: Hall, body: dict[str, Any]) -> None:
    refused = hall.c.post("/api/halls/h1/devices", json=body, headers=hall.admin)
    assert refused.status_code in (404, 422), refused.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.json()["message"])
    assert not [e for e in listed(hall).values() if e["credential"] == "unclaimed"]


def test_made_claimed_and_revoked_are_audited_without_secrets(hall: Hall) -> None:
    made = hall.ok(create(hall, label="东门取号机", role="kiosk"), 201)
    got = hall.ok(claim(hall, code_of(made)))
    hall.ok(hall.c.post(f"/api/tokens/{made['id']}/revoke", headers=hall.admin))
    hall.ok(hall.c.post(f"/api/tokens/{made['id']}/revoke", headers=hall.admin))  # once only
    records = [r for r in audit(hall) if r["target"].startswith(made["id"])]
    assert [r["action"] for r in records] == ["device.link", "device.claim", "token.revoke"]
    assert records[0]["actor"] == "admin:admin"
    assert records[1]["actor"] == f"kiosk:{made['id']}@h1"
    assert records[2]["before"]["state"] == "active" and records[2]["after"]["state"] == "revoked"
    text = str(audit(hall))
    assert got["token"] not in text and code_of(made) not in text


def test_heartbeats_show_and_are_written_seldom(hall: Hall, clock: Clock) -> None:
    def beat() -> httpx2.Response:
        return hall.c.post("/api/halls/h1/devices/heartbeat", headers=hall.display)

    assert beat().status_code == 204
    display_id = hall.ok(hall.c.get("/api/whoami", headers=hall.display))["token_id"]
    first = listed(hall)[display_id]
    assert first["seen_at"] == "2026-11-25T09:30:00+08:00" and first["online"]
    assert first["state"] is None and first["fault"] is None
    clock.advance(10)
    assert beat().status_code == 204
    assert listed(hall)[display_id]["seen_at"] == first["seen_at"]  # not written again so soon
    clock.advance(BEAT_WRITE_S)
    assert beat().status_code == 204
    assert listed(hall)[display_id]["seen_at"] == "2026-11-25T09:30:40+08:00"
    clock.advance(600)
    assert not listed(hall)[display_id]["online"]
    refused = hall.c.post("/api/halls/h1/devices/heartbeat", headers=hall.supervisor)
    assert refused.status_code == 403
    assert hall.c.post("/api/halls/h2/devices/heartbeat", headers=hall.display).status_code == 403


def test_a_printer_fault_shows_in_the_list(hall: Hall) -> None:
    url = "/api/halls/h1/devices/status"
    hall.ok(hall.c.post(url, json={"state": "paper_out"}, headers=hall.kiosk))
    kiosk_id = hall.ok(hall.c.get("/api/whoami", headers=hall.kiosk))["token_id"]
    entry = listed(hall, hall.kiosk)[kiosk_id]
    assert (entry["state"], entry["fault"], entry["role"]) == ("paper_out", "缺纸", "kiosk")
    assert entry["seen_at"] is not None
    assert not any("token" in e or "token_hash" in e for e in listed(hall).values())


def test_the_city_sees_every_hall(hall: Hall, clock: Clock) -> None:
    hall.ok(hall.c.post("/api/halls", json={"id": "h2", "name": "二号大厅"}, headers=hall.admin))
    hall.open(1, 2)
    hall.ticket()
    hall.ticket()
    clock.advance(300)
    city = hall.ok(hall.c.get("/api/city", headers=hall.admin))
    by_id = {h["id"]: h for h in city["halls"]}
    assert by_id["h1"] | {"oldest_since": None} == {
        "id": "h1",
        "name": "测试大厅",
        "timezone": "Asia/Shanghai",
        "waiting": 2,
        "open_windows": 2,
        "paused_windows": 0,
        "windows": 5,
        "longest_wait_s": 300,
        "oldest_since": None,
        "open_alerts": 0,
    }
    assert by_id["h2"]["waiting"] == 0 and by_id["h2"]["longest_wait_s"] == 0
    assert hall.c.get("/api/city", headers=hall.supervisor).status_code == 403
    assert hall.c.get("/admin").status_code == 200


@pytest.mark.postgres
@pytest.mark.redis
def test_a_device_revoked_in_one_process_is_refused_at_once_in_another(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    a = LiveServer(pg_url, tmp_path, redis_url=redis_url).start()
    b = LiveServer(pg_url, tmp_path, redis_url=redis_url).start()
    try:
        a.setup_hall()
        made = a.api("POST", "/api/halls/live/devices", json={"role": "display", "label": "屏"})
        code = made["link"].rsplit("/", 1)[1]
        got = httpx2.post(f"{b.url}/api/devices/claim/{code}").json()
        auth = {"Authorization": f"Bearer {got['token']}"}
        for server in (a, b, a, b):  # known, and so cached, in both
            assert httpx2.get(f"{server.url}/api/whoami", headers=auth).status_code == 200
        url = f"{b.ws_url}/ws/halls/live/board"
        protocols = ["yichuang", f"bearer.{got['token']}"]
        with connect(url, subprotocols=protocols) as open_feed:  # type: ignore[arg-type]
            assert '"snapshot"' in str(open_feed.recv(timeout=10))
            a.api("POST", f"/api/tokens/{made['id']}/revoke")
            for server in (b, a):
                assert httpx2.get(f"{server.url}/api/whoami", headers=auth).status_code == 401
            assert '"bad_token"' in str(open_feed.recv(timeout=5))  # B closes it at once
        with connect(url, subprotocols=protocols) as ws:  # type: ignore[arg-type]
            assert '"bad_token"' in str(ws.recv(timeout=10))
    finally:
        a.stop()
        b.stop()


def test_the_board_lists_the_printers_that_reported_of_valid_credentials(hall: Hall) -> None:
    """The supervisor's fault panel reads the board's devices: a page that only
    beats is no printer, and a revoked machine is nobody's fault any more."""

    def board_devices() -> list[Any]:
        board = hall.ok(hall.c.get("/api/halls/h1/board", headers=hall.supervisor))
        return [(d["state"], d["detail"]) for d in board["devices"]]

    hall.ok(hall.c.post("/api/halls/h1/devices/heartbeat", headers=hall.display), 204)
    assert board_devices() == []
    jam = {"state": "paper_out", "detail": "纸仓空"}
    hall.ok(hall.c.post("/api/halls/h1/devices/status", json=jam, headers=hall.kiosk))
    assert board_devices() == [("paper_out", "纸仓空")]
    tokens = hall.ok(hall.c.get("/api/tokens?hall=h1", headers=hall.admin))["tokens"]
    [kiosk] = [t for t in tokens if t["role"] == "kiosk"]
    hall.ok(hall.c.post(f"/api/tokens/{kiosk['id']}/revoke", headers=hall.admin))
    assert board_devices() == []


def test_a_device_silent_while_the_hall_is_open_is_an_alert_once(
    hall: Hall, clock: Clock, day: HallDay
) -> None:
    put_hours(hall)  # weekdays 09:00-12:00, 13:30-17:00; the clock is Wed 09:30
    assert hall.c.post("/api/halls/h1/devices/heartbeat", headers=hall.display).status_code == 204
    clock.advance(SILENT_S - 1)
    assert day.raise_alerts("h1", clock.now) == 0  # quiet, not yet silent
    clock.advance(1)
    assert day.raise_alerts("h1", clock.now) == 1
    assert day.raise_alerts("h1", clock.now) == 0  # once per silence
    alert = alerts(hall)[-1]
    assert alert["kind"] == "device_silent"
    assert alert["seen_at"] == "2026-11-25T09:30:00+08:00" and alert["silent_s"] == SILENT_S
    # Back, then silent again: a new alert. Over the lunch break, none.
    assert hall.c.post("/api/halls/h1/devices/heartbeat", headers=hall.display).status_code == 204
    clock.advance(SILENT_S)
    assert day.raise_alerts("h1", clock.now) == 1
    at(clock, "2026-11-25T12:30")
    hall.c.post("/api/halls/h1/devices/heartbeat", headers=hall.display)
    at(clock, "2026-11-25T13:20")
    assert day.raise_alerts("h1", clock.now) == 0  # the hall is closed for lunch


def test_a_revoked_devices_silence_is_no_alert(hall: Hall, clock: Clock, day: HallDay) -> None:
    put_hours(hall)
    made = hall.ok(create(hall), 201)
    device = bearer(hall.ok(claim(hall, code_of(made)))["token"])
    assert hall.c.post("/api/halls/h1/devices/heartbeat", headers=device).status_code == 204
    hall.ok(hall.c.delete(f"/api/tokens/{made['id']}", headers=hall.admin), (200, 204))
    clock.advance(2 * SILENT_S)
    assert day.raise_alerts("h1", clock.now) == 0
