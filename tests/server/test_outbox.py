"""The outbox delivers to a real local platform (an HTTP server in a thread):
records as docs/province.md lists them, retried with backoff on the test's
clock, every attempt logged; a dead or slow platform never blocks the hall; a
refused record is given up at once; two senders do not both send a record; the
短信评价 link goes out when a booked ticket is finished, without the phone ever
reaching a log."""

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server import outbox, outbox_sender, rating_link
from queue_server.outbox_sender import OutboxSender
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.sms import MemorySms
from queue_server.store import Store, Tx
from tests.conftest import Clock
from tests.server.conftest import ADMIN, Hall
from tests.server.test_appointments import book
from tests.server.test_day import WEEKDAYS, set_hours
from tests.server.test_tickets_api import ADULT_ID

DOCS = Path(__file__).resolve().parents[2] / "docs" / "province.md"
TOKEN = "province-token-for-tests"
PUBLIC = "https://yc.example.cn"
PHONE = "13812345678"


class FakePlatform:
    """The provincial platform (or a webhook's receiver) on 127.0.0.1: each
    record, known by its `key_header`, is answered `fail_status` for its first
    `fail_first` attempts, then taken (200, or 409 for one it holds already);
    every request is kept."""

    def __init__(
        self, fail_first: int = 2, fail_status: int = 503, key_header: str = "Idempotency-Key"
    ) -> None:
        self.fail_first, self.fail_status, self.delay_s = fail_first, fail_status, 0.0
        self.key_header = key_header
        self.requests: list[dict[str, Any]] = []
        self.accepted: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                status = platform.answer(dict(self.headers), raw)
                time.sleep(platform.delay_s)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/records"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, headers: dict[str, str], raw: bytes) -> int:
        key = headers[self.key_header]
        with self.lock:
            before = sum(r["key"] == key for r in self.requests)
            self.requests.append({"key": key, "headers": headers, "raw": raw})
            if before < self.fail_first:
                return self.fail_status
            if key in self.accepted:
                return 409
            self.accepted[key] = json.loads(raw)
            return 200

    def stop(self) -> None:
        """From now on, connections to its address are refused."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def settings(db_url: str, platform: FakePlatform) -> Settings:
    return Settings(
        database_url=db_url,
        admin_token=ADMIN,
        secret_key="test-key",
        jobs_interval_s=0,
        sms_url="memory:",
        public_url=PUBLIC,
        province_url=platform.url,
        province_token=TOKEN,
        booking_limit_address="10000/minute",
        booking_limit_id="10000/minute",
        booking_limit_phone="10000/minute",
    )


def deliver(client: TestClient, now: datetime) -> dict[str, int]:
    sender: OutboxSender = client.app_state["outbox"]
    return sender.deliver_due(now)


def delivery_log(hall: Hall, limit: int = 50) -> dict[str, Any]:
    reply = hall.c.get(f"/api/halls/h1/outbox?limit={limit}", headers=hall.supervisor)
    result: dict[str, Any] = hall.ok(reply)
    return result


def rate(hall: Hall, ticket_id: str, score: int, **extra: Any) -> Any:
    body = {"score": score} | extra
    return hall.ok(hall.c.post(f"/api/tickets/{ticket_id}/rating", json=body))


def documented_fields(record: str) -> list[str]:
    """The fields docs/province.md lists for `record`, in order."""
    text = DOCS.read_text(encoding="utf-8")
    table = text.split(f"<!-- record: {record} -->", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)


def served_and_rated(hall: Hall) -> tuple[str, str]:
    """A good rating at window 1 and a bad one at window 2: three records."""
    hall.open(1, 2)
    good, bad = hall.ticket()["id"], hall.ticket()["id"]
    assert hall.serve(1)["id"] == good and hall.serve(2)["id"] == bad
    rate(hall, good, 5)
    reasons = ["服务态度"]
    rate(hall, bad, 1, reasons=reasons, comment="等了很久没人理", callback_phone="13900001111")
    return good, bad


def pending_waits(hall: Hall, now: datetime) -> list[float]:
    """Seconds from `now` to each pending message's next attempt."""
    return [
        (datetime.fromisoformat(m["next_at"]) - now).total_seconds()
        for m in delivery_log(hall)["messages"]
        if m["status"] == "pending"
    ]


def test_a_platform_failing_twice_gets_every_record_once_as_documented(
    hall: Hall, client: TestClient, clock: Clock, platform: FakePlatform
) -> None:
    good, bad = served_and_rated(hall)
    start = clock()
    assert deliver(client, clock()) == {"retry": 3}  # 503 for all three
    waits = pending_waits(hall, clock())
    assert len(waits) == 3 and all(24 <= w <= 36 for w in waits)  # 30 s ± 20 %
    clock.advance(23)
    assert deliver(client, clock()) == {} and len(platform.requests) == 3  # not yet due
    clock.advance(14)  # 37 s
    assert deliver(client, clock()) == {"retry": 3}  # the second 503
    assert all(48 <= w <= 72 for w in pending_waits(hall, clock()))  # 60 s ± 20 %
    clock.advance(47)  # 84 s: still inside every backoff
    assert deliver(client, clock()) == {}
    clock.advance(26)  # 110 s
    assert deliver(client, clock()) == {"delivered": 3}
    assert (clock() - start).total_seconds() == 110
    clock.advance(3600)
    assert deliver(client, clock()) == {}  # delivered stays delivered

    # Each record: three attempts under one key, with the token; taken once.
    keys = {r["key"] for r in platform.requests}
    assert len(platform.requests) == 9 and len(keys) == 3 == len(platform.accepted)
    for key in keys:
        tries = [r["headers"] for r in platform.requests if r["key"] == key]
        assert [h["X-Yichuang-Attempt"] for h in tries] == ["1", "2", "3"]
        assert all(h["Authorization"] == f"Bearer {TOKEN}" for h in tries)
        assert tries[0]["Content-Type"].startswith("application/json")
    records = {(r["record"], r.get("service_no")): r for r in platform.accepted.values()}
    for record in records.values():
        assert list(record) == documented_fields(record["record"])
    rated = records[("rating", good)]
    assert rated["grade"] == 5 and rated["grade_name"] == "非常满意" and rated["window"] == 1
    assert rated["item_name"] == "居民身份证换领" and rated["reasons"] == []
    assert rated["source"] == "phone" and rated["changed"] is False
    assert rated["rated_at"].endswith("+08:00") and rated["hall_name"] == "测试大厅"
    assert records[("rating", bad)]["reasons"] == ["服务态度"]
    case = records[("case", bad)]
    assert (case["action"], case["status"], case["grade"], case["window"]) == ("open", "open", 1, 2)
    sent = b"".join(r["raw"] for r in platform.requests).decode()
    assert "13900001111" not in sent and "等了很久" not in sent  # these stay in the hall

    # The log: every attempt, newest first; the messages delivered.
    log = delivery_log(hall)
    assert log["counts"] == {"pending": 0, "delivered": 3, "given_up": 0}
    assert [(d["ok"], d["status"]) for d in log["deliveries"]] == [(True, 200)] * 3 + [
        (False, 503)
    ] * 6
    assert all(d["detail"].startswith("HTTP") and d["ms"] >= 0 for d in log["deliveries"])
    assert {(m["kind_name"], m["status_name"], m["attempts"]) for m in log["messages"]} == {
        ("评价数据", "已送达", 3),
        ("差评工单", "已送达", 3),
    }
    assert all(m["next_at"] is None and m["last_error"] is None for m in log["messages"])
    assert good not in json.dumps(log)  # the holder's key to the ticket stays out


def test_a_dead_platform_blocks_neither_rating_nor_the_hall_and_is_given_up_at_last(
    hall: Hall,
    client: TestClient,
    clock: Clock,
    platform: FakePlatform,
    caplog: pytest.LogCaptureFixture,
) -> None:
    platform.stop()  # connections refused from now on
    served_and_rated(hall)  # rated at once, the case opened
    began = time.monotonic()
    assert deliver(client, clock()) == {"retry": 1}  # one try; the others wait a round
    assert time.monotonic() - began < 2
    log = delivery_log(hall)
    assert log["counts"] == {"pending": 3, "delivered": 0, "given_up": 0}
    assert log["deliveries"][0]["status"] is None
    assert log["deliveries"][0]["detail"].startswith("no answer")
    assert [m["attempts"] for m in log["messages"]] == [0, 0, 1]
    hall.ticket()
    assert hall.serve(1)["status"] == "done"  # the hall goes on
    with caplog.at_level(logging.INFO, logger="queue_server.outbox"):
        for _ in range(80):  # an hour and more between rounds: each message is due
            clock.advance(3700)
            deliver(client, clock())
    log = delivery_log(hall, 200)
    assert log["counts"] == {"pending": 0, "delivered": 0, "given_up": 3}
    assert all(m["attempts"] == 20 and m["status_name"] == "已放弃" for m in log["messages"])
    assert all(m["last_error"].startswith("no answer") for m in log["messages"])
    given_up = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(given_up) == 3 and all("given up after 20 attempt(s)" in m for m in given_up)


def test_a_slow_platform_costs_one_timeout_a_round(
    hall: Hall, client: TestClient, clock: Clock, platform: FakePlatform
) -> None:
    platform.fail_first, platform.delay_s = 0, 1.0
    served_and_rated(hall)
    services: HallServices = client.app_state["services"]
    impatient = OutboxSender(services, MemorySms(), timeout_s=0.2)
    began = time.monotonic()
    assert impatient.deliver_due(clock()) == {"retry": 1}
    assert time.monotonic() - began < 0.9  # not three timeouts, not the platform's second
    assert delivery_log(hall)["deliveries"][0]["detail"] == "no answer within 0.2 s"


def test_a_refused_record_is_given_up_at_once_a_refused_token_is_retried(
    hall: Hall,
    client: TestClient,
    clock: Clock,
    platform: FakePlatform,
    caplog: pytest.LogCaptureFixture,
) -> None:
    platform.fail_first, platform.fail_status = 99, 422
    hall.open(1)
    first = hall.ticket()["id"]
    hall.serve(1)
    rate(hall, first, 4)
    with caplog.at_level(logging.WARNING, logger="queue_server.outbox"):
        assert deliver(client, clock()) == {"give_up": 1}
    assert "given up after 1 attempt(s): HTTP 422" in caplog.text
    platform.fail_status = 401  # the token expired: a setting to fix, not the record
    second = hall.ticket()["id"]
    hall.serve(1)
    rate(hall, second, 3)
    assert deliver(client, clock()) == {"retry": 1}
    log = delivery_log(hall)
    assert log["counts"] == {"pending": 1, "delivered": 0, "given_up": 1}
    assert [(m["status"], m["last_error"]) for m in log["messages"]] == [
        ("pending", "HTTP 401"),
        ("given_up", "HTTP 422"),
    ]
    clock.advance(3600)
    assert deliver(client, clock()) == {"retry": 1}  # the refused record is not sent again
    assert len(platform.requests) == 3


def test_two_senders_at_once_send_each_record_once(
    hall: Hall, client: TestClient, clock: Clock, platform: FakePlatform, settings: Settings
) -> None:
    platform.fail_first, platform.delay_s = 0, 0.01
    services: HallServices = client.app_state["services"]

    def queue(tx: Tx, now: datetime, _events: list[Any]) -> None:
        for n in range(12):
            outbox.enqueue(tx, "h1", outbox.PROVINCE, "rating", {"record": "rating", "n": n}, now)

    services.write(None, queue)
    other_store = Store(settings.database_url)  # a second server process
    try:
        other = OutboxSender(HallServices(other_store, settings, clock=clock), MemorySms())
        senders = [client.app_state["outbox"], other]
        start, results = threading.Barrier(2), [dict[str, int]() for _ in senders]

        def run(i: int) -> None:
            start.wait()
            results[i] = senders[i].deliver_due(clock())

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other_store.dispose()
    assert sum(r.get("delivered", 0) for r in results) == 12
    assert len(platform.requests) == 12 == len({r["key"] for r in platform.requests})
    assert delivery_log(hall)["counts"] == {"pending": 0, "delivered": 12, "given_up": 0}


@pytest.mark.parametrize("rating_sms", [1, 0])
def test_the_rating_link_goes_to_a_booked_visitor_s_phone_after_the_finish(
    hall: Hall,
    client: TestClient,
    clock: Clock,
    rating_sms: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    set_hours(hall, WEEKDAYS)
    hall.ok(hall.c.put("/api/halls/h1/policy", json={"rating_sms": rating_sms}, headers=hall.admin))
    sms: MemorySms = client.app_state["bookings"].sms
    caplog.set_level(logging.DEBUG)
    made = hall.ok(book(hall), 201)
    clock.advance(24 * 3600 + 15 * 60)  # Thursday 09:45, inside the check-in window
    checked_in = hall.c.post(
        "/api/halls/h1/appointments/check-in", json={"id_number": ADULT_ID}, headers=hall.kiosk
    )
    booked = hall.ok(checked_in, 201)["id"]
    hall.ticket()  # a walk-in: no booking, no phone
    hall.open(1)
    assert hall.serve(1)["id"] == booked
    hall.serve(1)
    codes = len(sms.sent)  # the booking's one-time code
    assert deliver(client, clock()) == {}  # the evaluator beside the window asks first
    clock.advance(rating_link.DELAY.total_seconds())
    assert deliver(client, clock()) == ({"delivered": 1} if rating_sms else {})
    log = delivery_log(hall)
    if not rating_sms:
        assert len(sms.sent) == codes and log["messages"] == []
        return
    assert len(sms.sent) == codes + 1
    to, text = sms.sent[-1]
    assert to == PHONE
    assert text == (
        "【一窗】您在测试大厅办理的居民身份证换领已办结，请为本次服务评价："
        f"{PUBLIC}/t/{booked}?via=sms"
    )
    [message] = log["messages"]
    assert (message["channel"], message["kind_name"], message["status"]) == (
        "sms",
        "短信评价链接",
        "delivered",
    )
    services: HallServices = client.app_state["services"]
    with services.store.read() as tx:
        sealed = tx.appointment(made["code"])
        kept = tx.outbox_rows("h1", 1)[0].payload
    assert sealed is not None and sealed.phone_enc and PHONE not in sealed.phone_enc
    assert "phone" not in kept  # sent: the sealed phone is dropped
    shown = json.dumps(log, ensure_ascii=False)
    assert PHONE not in shown and sealed.phone_enc not in shown and "138****" not in shown
    assert not [r for r in caplog.records if PHONE in r.getMessage()]


class RefusingSms:
    """A provider that fails, naming the phone in its error as some gateways do."""

    def send(self, phone: str, text: str) -> None:
        raise RuntimeError(f"gateway refused {phone}")


def test_no_link_goes_to_a_visitor_who_rated_at_the_window(
    hall: Hall, client: TestClient, clock: Clock
) -> None:
    set_hours(hall, WEEKDAYS)
    sms: MemorySms = client.app_state["bookings"].sms
    hall.ok(book(hall), 201)
    clock.advance(24 * 3600 + 15 * 60)
    checked_in = hall.c.post(
        "/api/halls/h1/appointments/check-in", json={"id_number": ADULT_ID}, headers=hall.kiosk
    )
    booked = hall.ok(checked_in, 201)["id"]
    hall.open(1)
    hall.serve(1)
    codes = len(sms.sent)
    rate(hall, booked, 5, via=None)  # at once, beside the window
    clock.advance(rating_link.DELAY.total_seconds() + 60)
    deliver(client, clock())
    assert len(sms.sent) == codes
    assert [m["kind"] for m in delivery_log(hall)["messages"]] == ["rating"]  # the province's


def test_a_failing_sms_provider_is_retried_and_the_phone_stays_out_of_every_log(
    hall: Hall, client: TestClient, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    services: HallServices = client.app_state["services"]
    sealed = services.sealer.seal(PHONE)

    def queue(tx: Tx, now: datetime, _events: list[Any]) -> None:
        payload = {"phone": sealed, "text": "请评价", "number": "A001"}
        outbox.enqueue(tx, "h1", outbox.SMS, "rating_link", payload, now)

    services.write(None, queue)
    caplog.set_level(logging.DEBUG)
    assert OutboxSender(services, RefusingSms()).deliver_due(clock()) == {"retry": 1}
    log = delivery_log(hall)
    assert log["deliveries"][0]["detail"] == "RuntimeError: gateway refused 138****5678"
    assert log["messages"][0]["last_error"] == "RuntimeError: gateway refused 138****5678"
    assert log["messages"][0]["about"] == "A001 号办结后的评价短信"
    assert not [r for r in caplog.records if PHONE in r.getMessage() or sealed in r.getMessage()]
    clock.advance(40)
    assert deliver(client, clock()) == {"delivered": 1}  # the hall's own provider takes it
    sms: MemorySms = client.app_state["bookings"].sms
    assert sms.sent == [(PHONE, "请评价")]


def test_a_transferred_booking_gets_its_link_when_its_last_leg_is_finished(
    hall: Hall, client: TestClient, clock: Clock
) -> None:
    set_hours(hall, WEEKDAYS)
    hall.ok(book(hall), 201)
    clock.advance(24 * 3600 + 15 * 60)  # Thursday 09:45
    checked_in = hall.c.post(
        "/api/halls/h1/appointments/check-in", json={"id_number": ADULT_ID}, headers=hall.kiosk
    )
    first = hall.ok(checked_in, 201)["id"]
    hall.open(1, 2)
    hall.do(1, "call-next")
    hall.do(1, "start")
    leg = hall.do(1, "transfer", {"window": 2})["new_ticket"]["id"]
    assert deliver(client, clock()) == {}  # a transfer is no finish
    assert hall.serve(2)["id"] == leg != first
    clock.advance(rating_link.DELAY.total_seconds())
    assert deliver(client, clock()) == {"delivered": 1}
    sms: MemorySms = client.app_state["bookings"].sms
    to, text = sms.sent[-1]
    assert to == PHONE and text.endswith(f"{PUBLIC}/t/{leg}?via=sms")


def test_the_delivery_log_is_the_director_s(hall: Hall) -> None:
    path = "/api/halls/h1/outbox"
    assert hall.c.get(path, headers=hall.windows[1]).status_code == 403
    assert hall.c.get(path, headers=hall.kiosk).status_code == 403
    assert hall.c.get(path).status_code == 401
    for bad in ("0", "201", "abc", "-1"):
        refused = hall.c.get(f"{path}?limit={bad}", headers=hall.supervisor)
        assert (refused.status_code, refused.json()["error"]) == (422, "bad_limit")
    empty = hall.ok(hall.c.get(path, headers=hall.admin))
    assert empty["counts"] == {"pending": 0, "delivered": 0, "given_up": 0}
    assert empty["messages"] == [] and empty["deliveries"] == []
    assert hall.c.get("/api/halls/nope/outbox", headers=hall.admin).status_code == 404


def test_a_platform_backlog_does_not_hold_the_text_messages_back(
    hall: Hall,
    client: TestClient,
    clock: Clock,
    platform: FakePlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_sender, "BATCH", 2)  # fewer than the platform's backlog
    platform.stop()
    served_and_rated(hall)  # three records for a dead platform, first in line
    services: HallServices = client.app_state["services"]

    def queue(tx: Tx, now: datetime, _events: list[Any]) -> None:
        payload = {"phone": services.sealer.seal(PHONE), "text": "请评价", "number": "A003"}
        outbox.enqueue(tx, "h1", outbox.SMS, "rating_link", payload, now)

    services.write(None, queue)
    assert deliver(client, clock()) == {"retry": 1, "delivered": 1}
    sms: MemorySms = client.app_state["bookings"].sms
    assert sms.sent == [(PHONE, "请评价")]
