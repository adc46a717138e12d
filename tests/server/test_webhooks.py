"""Signed webhooks: a hall's events reach its subscribers through the outbox,
at least once, in the transaction of the change, checked by a local receiver
that verifies every signature as docs/webhooks.md tells receivers to."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from queue_server import webhook_url, webhooks
from queue_server.settings import Settings
from tests.conftest import Clock
from tests.server.conftest import ADMIN, Hall
from tests.server.test_devices import audit
from tests.server.test_outbox import FakePlatform, deliver, delivery_log

HOOKS = "/api/halls/h1/webhooks"


@pytest.fixture
def receiver() -> Iterator[FakePlatform]:
    fake = FakePlatform(fail_first=0, key_header="X-Yichuang-Delivery")
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def settings(db_url: str) -> Settings:
    """The receiver is on 127.0.0.1: allowed, as an operator allows it (webhook_guard.py)."""
    return Settings(
        database_url=db_url,
        admin_token=ADMIN,
        secret_key="k",
        jobs_interval_s=0,
        webhook_private=True,
    )


def subscribe(hall: Hall, url: str, events: list[str]) -> dict[str, Any]:
    body = {"url": url, "events": events, "description": "市局数据中台"}
    made: dict[str, Any] = hall.ok(hall.c.post(HOOKS, json=body, headers=hall.admin), 201)
    return made


def received(receiver: FakePlatform, secret: str) -> list[dict[str, Any]]:
    """The bodies a receiver took, each checked as a receiver must check it."""
    bodies = []
    for request in receiver.requests:
        signature = request["headers"]["X-Yichuang-Signature"]
        assert webhooks.verify(secret, signature, request["raw"]), signature
        assert not webhooks.verify("whsec_someone_else", signature, request["raw"])
        body = json.loads(request["raw"])
        assert request["headers"]["X-Yichuang-Delivery"] == body["id"]
        assert request["headers"]["X-Yichuang-Event"] == body["type"]
        bodies.append(body)
    return bodies


def test_subscribed_events_arrive_signed_in_order_and_nothing_else(
    client: TestClient, hall: Hall, clock: Clock, receiver: FakePlatform
) -> None:
    made = subscribe(hall, receiver.url, ["ticket.issued", "ticket.called", "rating.bad"])
    secret = made["secret"]
    assert secret.startswith("whsec_") and made["events"] == sorted(made["events"])
    listed = hall.ok(hall.c.get(HOOKS, headers=hall.admin))
    assert secret not in json.dumps(listed) and listed["webhooks"][0]["id"] == made["id"]
    assert "rating.bad" in listed["events"]

    first, second = hall.ticket(), hall.ticket()
    hall.open(1)  # window.opened: not subscribed
    hall.serve(1)
    bad = {"score": 1, "reasons": ["服务态度"]}
    hall.ok(hall.c.post(f"/api/tickets/{first['id']}/rating", json=bad))
    assert deliver(client, clock.now) == {"delivered": 4}

    bodies = received(receiver, secret)
    assert [b["type"] for b in bodies] == ["ticket.issued"] * 2 + ["ticket.called", "rating.bad"]
    seqs = [b["seq"] for b in bodies]
    assert seqs == sorted(seqs) and len(set(b["id"] for b in bodies)) == 4
    assert bodies[0]["data"]["ticket"]["number"] == first["number"]
    assert bodies[0]["hall"] == "h1" and bodies[0]["at"].endswith("+08:00")
    sent = b"".join(r["raw"] for r in receiver.requests).decode()
    assert first["id"] not in sent and second["id"] not in sent  # the holder's key stays home
    log = delivery_log(hall)
    assert {m["channel_name"] for m in log["messages"]} == {"Webhook 推送"}


def test_a_failing_receiver_is_retried_with_the_same_delivery_id(
    client: TestClient, hall: Hall, clock: Clock
) -> None:
    flaky = FakePlatform(fail_first=2, key_header="X-Yichuang-Delivery")
    try:
        secret = subscribe(hall, flaky.url, ["ticket.issued"])["secret"]
        hall.ticket()
        assert deliver(client, clock.now) == {"retry": 1}
        clock.advance(60)
        assert deliver(client, clock.now) == {"retry": 1}
        clock.advance(timedelta(hours=1).total_seconds())
        assert deliver(client, clock.now) == {"delivered": 1}
        assert deliver(client, clock.now) == {}  # once taken, never again
        ids = {r["headers"]["X-Yichuang-Delivery"] for r in flaky.requests}
        attempts = [r["headers"]["X-Yichuang-Attempt"] for r in flaky.requests]
        assert len(ids) == 1 and attempts == ["1", "2", "3"]
        assert len(received(flaky, secret)) == 3
        tries = [d["ok"] for d in delivery_log(hall)["deliveries"]]
        assert sorted(tries) == [False, False, True]
    finally:
        flaky.stop()


def test_an_unsubscribed_receiver_gets_nothing_more(
    client: TestClient, hall: Hall, clock: Clock, receiver: FakePlatform
) -> None:
    made = subscribe(hall, receiver.url, ["ticket.issued"])
    hall.ticket()  # queued while subscribed
    hall.ok(hall.c.delete(f"{HOOKS}/{made['id']}", headers=hall.admin))
    hall.ticket()  # after: not queued
    assert deliver(client, clock.now) == {"give_up": 1}
    assert receiver.requests == []
    assert delivery_log(hall)["messages"][0]["last_error"] == "the subscription was removed"
    records = audit(hall)
    actions = [e["action"] for e in records]
    assert "webhook.create" in actions and "webhook.delete" in actions
    assert made["secret"] not in json.dumps(records)


def test_bad_subscriptions_are_refused_plainly(hall: Hall) -> None:
    def refused(body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return hall.c.post(HOOKS, json=body, headers=headers or hall.admin)

    ftp = refused({"url": "ftp://example.org/in", "events": ["ticket.issued"]})
    assert ftp.status_code == 422 and ftp.json()["error"] == "webhook_url"
    creds = refused({"url": "https://u:p@example.org/in", "events": ["ticket.issued"]})
    assert creds.status_code == 422 and "签名" in creds.json()["message"]
    odd = refused({"url": "https://example.org/in", "events": ["ticket.sold"]})
    assert odd.status_code == 422 and "ticket.sold" in odd.json()["message"]
    body = {"url": "https://example.org/in", "events": ["ticket.issued"]}
    assert refused(body, hall.supervisor).status_code == 403
    for _ in range(webhooks.MAX_HOOKS):
        hall.ok(refused(body), 201)
    assert refused(body).json()["error"] == "too_many_webhooks"
    assert hall.c.delete(f"{HOOKS}/wh_nothing", headers=hall.admin).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",  # an unclosed IPv6 host
        "http://example.org:99999/in",  # no such port
        "http://example.org:0/in",  # port 0 reaches no receiver
        "http://-/in",  # no name a resolver would look up
        "http://a..b/in",
        "http://-example.org/in",
        "http://" + "a" * 64 + ".example.org/in",
        "http://example.org/in\r\nHost: evil.example",  # a header smuggled in
        "https://example.org/a b",
        "https://example.org/\x00",
    ],
)
def test_a_url_no_request_could_go_to_is_refused_plainly(hall: Hall, url: str) -> None:
    # Refused at once with the form's words, never a 500 nor a subscription
    # whose every delivery would fail.
    reply = hall.c.post(HOOKS, json={"url": url, "events": ["ticket.issued"]}, headers=hall.admin)
    assert reply.status_code in (400, 422), reply.text
    assert reply.json()["error"] in ("webhook_url", "bad_characters")
    listed = hall.ok(hall.c.get(HOOKS, headers=hall.admin))
    assert listed["webhooks"] == []


def test_a_stored_url_no_request_can_go_to_is_given_up_and_the_rest_delivered(
    client: TestClient, hall: Hall, clock: Clock, receiver: FakePlatform
) -> None:
    # A subscription kept from before URLs were checked this closely: its
    # deliveries are given up, plainly logged, and the round goes on.
    broken = subscribe(hall, "https://example.org/in", ["ticket.issued"])
    secret = subscribe(hall, receiver.url, ["ticket.issued"])["secret"]
    services = client.app_state["services"]

    def spoil(tx: Any, _now: Any, _events: Any) -> None:
        specials = tx.specials("h1")
        hooks = [
            h | {"url": "http://example.org/\r\nHost: evil"} if h["id"] == broken["id"] else h
            for h in specials[webhooks.KEY]
        ]
        tx.set_hall("h1", specials=specials | {webhooks.KEY: hooks})

    services.write("h1", spoil)
    hall.ticket()
    assert deliver(client, clock.now) == {"give_up": 1, "delivered": 1}
    assert [b["type"] for b in received(receiver, secret)] == ["ticket.issued"]
    given_up = [m for m in delivery_log(hall)["messages"] if m["status"] == "given_up"]
    assert "address" in given_up[0]["last_error"]


def test_the_signature_is_checked_as_documented() -> None:
    body = b'{"id":"h1-7-wh_1","type":"ticket.called"}'
    header = webhooks.sign("whsec_test", body, timestamp=1_765_000_000)
    assert header.startswith("t=1765000000,v1=")
    assert webhooks.verify("whsec_test", header, body, now=1_765_000_100)
    assert not webhooks.verify("whsec_test", header, body + b" ", now=1_765_000_100)
    assert not webhooks.verify("whsec_test", header, body, now=1_765_000_000 + 301)  # replayed
    assert not webhooks.verify("whsec_test", "v1=abc", body)


def test_an_international_or_fully_qualified_name_is_a_receiver() -> None:
    for host in ("example.org.", "hooks-1.example.org"):
        url = webhook_url.receiver_url(f"https://{host}/in")
        assert url == f"https://{host}/in"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("https://例子.中国/in", "https://xn--fsqu00a.xn--fiqs8s/in"),
        ("https://例子。中国./in", "https://xn--fsqu00a.xn--fiqs8s./in"),  # 。 and a final dot
        ("https://faß.de:8443/h?a=1", "https://xn--fa-hia.de:8443/h?a=1"),  # IDNA 2008, not fass.de
        ("https://ＥＸＡＭＰＬＥ.com/h", "https://example.com/h"),  # full width, as browsers map it
        ("https://Ⅸ.com/h", "https://ix.com/h"),  # a Roman numeral: UTS #46 maps it to ix
        ("HTTPS://Hooks.Example.ORG/In?Q", "https://hooks.example.org/In?Q"),
        ("http://[::1]:8000/in", "http://[::1]:8000/in"),
    ],
)
def test_a_receiver_is_stored_with_the_ascii_host_the_client_connects_to(
    written: str, stored: str
) -> None:
    # The one host httpx will reach, kept in the subscription: the guard
    # resolves that very name, and no delivery fails on how it is written.
    url = webhook_url.receiver_url(written)
    assert url == stored
    assert httpx.URL(url).raw_host.decode() == webhook_url.host_of(url)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://☃.com/h", "主机名“☃.com”无效"),  # a symbol IDNA 2008 has no form for
        ("https://a_b.例子.中国/in", "主机名"),  # "_" in an international name: IDNA 2008 refuses
        ("https://-/in", "主机名“-”无效"),
        ("https://[v1.x]/in", "主机名"),
        ("https://[::1/in", "方括号"),
        ("https://example.org:0/in", "端口"),
        ("https://example.org:65536/in", "端口"),
        ("https://example.org/a b", "空格"),
        ("ftp://example.org/in", "http:// 或 https://"),
    ],
)
def test_a_refused_url_says_what_is_wrong_with_it(hall: Hall, url: str, words: str) -> None:
    reply = hall.c.post(HOOKS, json={"url": url, "events": ["ticket.issued"]}, headers=hall.admin)
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"] == "webhook_url"
    assert words in reply.json()["message"]


def test_an_international_receiver_is_listed_in_its_ascii_form(hall: Hall) -> None:
    made = subscribe(hall, "https://例子.中国/in", ["ticket.issued"])
    assert made["url"] == "https://xn--fsqu00a.xn--fiqs8s/in"
    listed = hall.ok(hall.c.get(HOOKS, headers=hall.admin))["webhooks"]
    assert [h["url"] for h in listed] == ["https://xn--fsqu00a.xn--fiqs8s/in"]
