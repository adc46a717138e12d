"""Webhook receivers inside the network are refused unless the operator allows
them (QUEUE_WEBHOOK_PRIVATE=1): an admin's URL must not make the server reach
its own machine, the hall network or a cloud's metadata service."""

import socket
from typing import Any

import pytest
from starlette.testclient import TestClient

from queue_server import webhook_guard, webhooks
from queue_server.settings import Settings
from tests.conftest import Clock
from tests.server.conftest import ADMIN, Hall
from tests.server.test_outbox import FakePlatform, deliver, delivery_log
from tests.server.test_webhooks import HOOKS, receiver, subscribe

__all__ = ["receiver"]  # the local receiver fixture, shared


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, admin_token=ADMIN, secret_key="k", jobs_interval_s=0)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/in",
        "http://localhost/in",
        "http://10.20.30.40/in",
        "http://172.16.0.9/in",
        "https://192.168.1.20/in",
        "http://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "http://100.64.0.1/in",  # carrier-grade NAT
        "http://[::1]:8000/in",
        "http://[fd00::1]/in",
        "http://[::ffff:10.0.0.1]/in",
        "http://0.0.0.0/in",
        # Spellings of loopback a stranger tries: hex, short, decimal, mapped.
        "http://0x7f000001/in",
        "http://127.1/in",
        "http://2130706433/in",
        "http://[::ffff:127.0.0.1]/in",
        # Always loopback (RFC 6761), even where the resolver does not say so.
        "http://localhost./in",
        "http://app.localhost/in",
        "http://localhost\u3002/in",  # an ideographic full stop: httpx reads "localhost."
        "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54./in",  # full width
        # IPv6 carrying an inside IPv4 address: NAT64, 6to4, IPv4-compatible.
        "http://[64:ff9b::a00:1]/in",
        "http://[2002:7f00:1::]/in",
        "http://[::127.0.0.1]/in",
        "http://[::ffff:0:7f00:1]/in",
        "http://127.0.0.1./in",  # a trailing dot: not parsed as an IP, nor resolved here
    ],
)
def test_a_receiver_inside_the_network_is_refused(hall: Hall, url: str) -> None:
    reply = hall.c.post(HOOKS, json={"url": url, "events": ["ticket.issued"]}, headers=hall.admin)
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"] == "webhook_private"
    assert "QUEUE_WEBHOOK_PRIVATE=1" in reply.json()["message"]
    assert hall.ok(hall.c.get(HOOKS, headers=hall.admin))["webhooks"] == []


def test_public_addresses_pass_and_the_operator_may_allow_inside_ones() -> None:
    assert webhook_guard.inside_address("8.8.8.8") is None
    assert webhook_guard.inside_address("2001:4860:4860::8888") is None
    assert webhook_guard.inside_address("no-such-name.invalid") is None  # fails at delivery
    assert webhook_guard.inside_address("127.0.0.1") == "127.0.0.1"
    assert webhook_guard.inside_address("64:ff9b::808:808") is None  # NAT64 of 8.8.8.8
    assert webhook_guard.inside_address("2002:808:808::") is None  # 6to4 of 8.8.8.8
    assert webhook_guard.inside_address("localhost.example.com") is None  # only under localhost
    webhook_guard.check_receiver("10.0.0.1", allow_inside=True)  # no refusal
    assert Settings.from_env({"QUEUE_WEBHOOK_PRIVATE": "1"}).webhook_private
    assert not Settings.from_env({}).webhook_private


def test_a_stored_receiver_that_points_inside_is_given_up_before_any_request(
    client: TestClient, hall: Hall, clock: Clock, receiver: FakePlatform
) -> None:
    # A name that pointed outside when subscribed and inside now (or a row
    # kept from before the rule): checked again before each delivery.
    made = subscribe(hall, "https://example.org/in", ["ticket.issued"])
    services = client.app_state["services"]

    def repoint(tx: Any, _now: Any, _events: Any) -> None:
        specials = tx.specials("h1")
        hooks = [h | {"url": receiver.url} for h in specials[webhooks.KEY] if h["id"] == made["id"]]
        tx.set_hall("h1", specials=specials | {webhooks.KEY: hooks})

    services.write("h1", repoint)
    hall.ticket()
    assert deliver(client, clock.now) == {"give_up": 1}
    assert receiver.requests == []
    given_up = [m for m in delivery_log(hall)["messages"] if m["status"] == "given_up"]
    assert "inside the network (127.0.0.1)" in given_up[0]["last_error"]


def test_the_guard_resolves_the_ascii_host_a_delivery_reaches(
    client: TestClient, hall: Hall, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # faß.de is fass.de to the resolver's IDNA 2003 but xn--fa-hia.de to the
    # HTTP client's IDNA 2008: the guard must judge the one a delivery reaches.
    asked: list[str] = []
    points_to = {"xn--fa-hia.de": "93.184.215.14", "fass.de": "93.184.215.15"}
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in points_to:
            return real(host, *args, **kwargs)
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (points_to[host], 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    made = subscribe(hall, "https://faß.de/h", ["ticket.issued"])
    assert made["url"] == "https://xn--fa-hia.de/h"
    assert asked == ["xn--fa-hia.de"]
    points_to["xn--fa-hia.de"] = "10.0.0.7"  # it points inside now
    hall.ticket()
    assert deliver(client, clock.now) == {"give_up": 1}
    assert asked == ["xn--fa-hia.de", "xn--fa-hia.de"]
    given_up = [m for m in delivery_log(hall)["messages"] if m["status"] == "given_up"]
    assert "inside the network (10.0.0.7)" in given_up[0]["last_error"]
