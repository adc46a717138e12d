"""The HTTP edge (issue 11, items 13, 14, 15, 18): body limits while streaming,
JSON-only state changes, the headers every answer carries, bad input that
must be a 4xx, and what the server log may not hold."""

import json
import logging
from collections.abc import Iterator

import pytest

from queue_server.edge import Redact
from tests.server.conftest import ID_CARD, Hall

JSON = {"content-type": "application/json"}


def chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    """A body of `total` bytes sent chunked (no Content-Length)."""
    yield b'{"pad": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


# ---------------------------------------------------------------- 13: body limit


def test_a_chunked_body_past_the_limit_is_refused_on_every_kind_of_route(hall: Hall) -> None:
    ticket = hall.ticket()
    for path in (
        "/api/halls/h1/appointments",
        f"/api/tickets/{ticket['id']}/rating",
        "/api/halls/h1/tickets",
        "/api/halls/h1/windows/1/open",
    ):
        reply = hall.c.post(path, content=chunks(200_000), headers=JSON | hall.kiosk)
        assert reply.status_code == 413, (path, reply.text)
        assert reply.json()["error"] == "payload_too_large"
        assert reply.headers["connection"] == "close"
    assert hall.stats()["issued"] == 1


def test_a_declared_length_past_the_limit_is_refused_before_any_route(hall: Hall) -> None:
    reply = hall.c.post(
        "/api/healthz-does-not-exist",
        content=b"x" * 70_000,
        headers=JSON | {"Accept-Language": "en"},
    )
    assert reply.status_code == 413
    assert reply.json()["message"] == "request body is larger than 65536 bytes"
    assert reply.headers["x-content-type-options"] == "nosniff"


# ---------------------------------------------------------------- 18: JSON only


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"{}"),
        ("application/x-www-form-urlencoded", b"a=1"),
        ("multipart/form-data; boundary=x", b"--x--"),
        ("text/plain", b""),
        (None, b"{}"),
    ],
)
def test_a_state_change_refuses_a_body_that_is_not_json(
    hall: Hall, content_type: str | None, body: bytes
) -> None:
    # A cross-site page may send these without a CORS preflight; JSON it may not.
    ticket = hall.ticket()
    headers = {"content-type": content_type} if content_type else {}
    reply = hall.c.post(f"/api/tickets/{ticket['id']}/cancel", content=body, headers=headers)
    assert reply.status_code == 415, reply.text
    assert reply.json()["error"] == "unsupported_media_type"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert hall.c.get(f"/api/tickets/{ticket['id']}").json()["status"] == "waiting"


def test_bodiless_actions_and_json_with_a_charset_are_accepted(hall: Hall) -> None:
    ticket = hall.ticket()
    assert hall.c.post(f"/api/tickets/{ticket['id']}/cancel").status_code == 200
    reply = hall.c.post(
        "/api/halls/h1/windows/1/open",
        content=b"",
        headers=hall.windows[1] | {"content-type": "application/json; charset=utf-8"},
    )
    assert reply.status_code in (200, 204), reply.text


# ---------------------------------------------------------------- 18: headers


def test_every_answer_says_nosniff_and_api_answers_are_not_stored(hall: Hall) -> None:
    ticket = hall.ticket()
    for path in ("/healthz", f"/t/{ticket['id']}", "/api/nothing", "/static/api.js"):
        assert hall.c.get(path).headers["x-content-type-options"] == "nosniff", path
    hall.open(1)
    called = hall.act(1, "call-next")
    clerk = hall.c.get("/api/halls/h1/windows/1", headers=hall.windows[1])
    for reply in (called, clerk, hall.c.get(f"/api/tickets/{ticket['id']}")):
        assert reply.headers["cache-control"] == "no-store"
        assert reply.headers["x-content-type-options"] == "nosniff"


# ---------------------------------------------------------------- 15: bad input is a 4xx


@pytest.mark.parametrize(
    "body",
    [
        b'{"score": ' + b"9" * 5000 + b"}",  # past Python's 4,300-digit int limit
        b'{"score": ' + b"[" * 1000 + b"]" * 1000 + b"}",  # RecursionError in json
        b'{"score": ' + b"[" * 100 + b"]" * 100 + b"}",  # parses; too deep for us
        b'{"score": 1e999}',
        b'{"score": NaN}',
        b'{"score": "\xed\xa0\x80"}',  # a lone surrogate in UTF-8
    ],
)
def test_hostile_json_is_a_4xx(hall: Hall, body: bytes) -> None:
    ticket = hall.ticket()
    hall.open(1)
    hall.serve(1)
    reply = hall.c.post(f"/api/tickets/{ticket['id']}/rating", content=body, headers=JSON)
    assert 400 <= reply.status_code < 500, reply.text
    assert reply.json()["message"]


@pytest.mark.parametrize("since", ["99999999999999999999", "²", "-1", "1.5", " 1"])
def test_a_since_seq_that_is_no_seq_is_a_422(hall: Hall, since: str) -> None:
    reply = hall.c.get(f"/api/halls/h1/tickets?since_seq={since}", headers=hall.kiosk)
    assert reply.status_code == 422, reply.text


@pytest.mark.parametrize("zone", ["Asia/" + "x" * 300, "Asia", "Etc"])  # too long; folders
def test_a_time_zone_that_names_no_zone_file_is_a_422(hall: Hall, zone: str) -> None:
    body = {"id": "h2", "name": "长时区", "timezone": zone}
    reply = hall.c.post("/api/halls", json=body, headers=hall.admin)
    assert reply.status_code == 422, reply.text


def test_unknown_window_action_names_the_known_ones(hall: Hall) -> None:
    reply = hall.act(1, "dance", headers=hall.windows[1] | {"Accept-Language": "en"})
    assert reply.status_code == 404
    assert reply.json()["error"] == "unknown_action"
    assert "call-next" in reply.json()["message"]
    assert "窗口操作" in hall.act(1, "dance").json()["message"]


# ---------------------------------------------------------------- 14: the log


def _line(logger: str, fmt: str, *args: object) -> str:
    record = logging.LogRecord(logger, logging.INFO, __file__, 1, fmt, args, None)
    assert Redact().filter(record)
    return record.getMessage()


def test_log_lines_keep_no_token_ticket_id_or_booking_code() -> None:
    access = '%s - "%s %s HTTP/%s" %d'
    secrets = {
        "/ws/halls/demo/board?token=yc_secret&x=1": "/ws/halls/demo/board?token=***&x=1",
        "/t/3f9a0c2e11aa": "/t/***",
        "/api/tickets/3f9a0c2e11aa/rating": "/api/tickets/***/rating",
        "/api/appointments/K7Q2M9/cancel": "/api/appointments/***/cancel",
        "/qr.svg?data=http%3A%2F%2Fh%2Ft%2F3f9a0c2e11aa": "/qr.svg?data=***",
        "/api/halls/demo/appointments/check-in": "/api/halls/demo/appointments/check-in",
    }
    for path, shown in secrets.items():
        line = _line("uvicorn.access", access, "127.0.0.1:5000", "POST", path, "1.1", 200)
        assert shown in line, line
    ws = _line("uvicorn.error", '%s - "WebSocket %s" [accepted]', "1.2.3.4:5", "/ws/x?token=yc_abc")
    assert "yc_abc" not in ws


def test_log_lines_keep_no_home_visit_code() -> None:
    # A visit's code is the key to its view and its cancel, as a booking's is.
    access = '%s - "%s %s HTTP/%s" %d'
    secrets = {
        "/api/home-visits/n_F_7DYVEzFPEtLy": "/api/home-visits/***",
        "/api/home-visits/n_F_7DYVEzFPEtLy/cancel/confirm": "/api/home-visits/***/cancel/confirm",
        "/visit/demo?v=n_F_7DYVEzFPEtLy": "/visit/demo?v=***",
        "/api/halls/demo/home-visits/n_F_7DYVEzFPEtLy/done": "/api/halls/demo/home-visits/***/done",
        "/api/halls/demo/home-visits/confirm": "/api/halls/demo/home-visits/confirm",
        "/api/home-visits/form-7DYVEzFPEtLy": "/api/home-visits/***",
        "/api/halls/demo/home-visits/form": "/api/halls/demo/home-visits/form",
    }
    for path, shown in secrets.items():
        line = _line("uvicorn.access", access, "127.0.0.1:5000", "GET", path, "1.1", 200)
        assert shown in line, line


def test_the_same_ticket_body_parses_as_before(hall: Hall) -> None:
    # The edge hands the route the body it read, unchanged.
    body = json.dumps({"service": ID_CARD}).encode()
    reply = hall.c.post("/api/halls/h1/tickets", content=body, headers=JSON | hall.kiosk)
    assert reply.status_code == 201
