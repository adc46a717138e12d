"""The live hall feed: snapshot then events, in order, once, to every display."""

import asyncio
import json
from typing import Any

import pytest
from starlette.testclient import TestClient
from websockets.sync.client import ClientConnection, connect

from queue_server.live import QUEUE_SIZE, RESYNC, Subscriber
from tests.live import LiveServer
from tests.server.conftest import ID_CARD, PASSPORT, Hall
from tests.server.test_tickets_api import ELDER_ID

TIMEOUT = 10


def board_url(server: LiveServer, hall: str, token: str) -> str:
    return f"{server.ws_url}/ws/halls/{hall}/board?token={token}"


def receive(ws: ClientConnection) -> dict[str, Any]:
    """The next message that is not a heartbeat."""
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=TIMEOUT))
        if message["type"] != "heartbeat":
            return message


def test_snapshot_then_every_event_in_order(hall: Hall, client: TestClient) -> None:
    hall.ticket()
    with client.websocket_connect(
        f"/ws/halls/h1/board?token={hall.display['Authorization'][7:]}"
    ) as ws:
        snapshot = ws.receive_json()
        assert snapshot["type"] == "snapshot"
        assert snapshot["data"]["waiting"]["total"] == 1
        start = snapshot["seq"]
        hall.ticket(PASSPORT)
        hall.open(1)
        hall.do(1, "call-next")
        hall.do(1, "start")
        hall.do(1, "finish")
        messages = [ws.receive_json() for _ in range(5)]
    assert [m["seq"] for m in messages] == list(range(start + 1, start + 6))
    assert [m["type"] for m in messages] == [
        "ticket.issued",
        "window.opened",
        "ticket.called",
        "ticket.started",
        "ticket.finished",
    ]
    called = messages[2]["data"]
    assert called["announcement"]["voice"] == "请 A001 号到 1 号窗口办理"
    assert called["window"]["state"] == "calling" and called["window"]["ticket"] == "A001"
    assert called["waiting"]["total"] == 1  # B001 still waits
    assert messages[4]["data"]["window"]["state"] == "open"


def test_refused_connections_say_why(hall: Hall, client: TestClient) -> None:
    cases = [
        ("h1", "yc_nonsense", 4401),
        ("elsewhere", hall.display["Authorization"][7:], 4403),
        ("nowhere", "admin-secret-for-tests", 4404),
    ]
    for hall_id, token, code in cases:
        with client.websocket_connect(f"/ws/halls/{hall_id}/board?token={token}") as ws:
            message = ws.receive_json()
            assert message["type"] == "error" and message["message"]
            closed = ws.receive()
            assert closed["code"] == code


def test_no_personal_data_in_any_feed_message(hall: Hall, client: TestClient) -> None:
    token = hall.display["Authorization"][7:]
    with client.websocket_connect(f"/ws/halls/h1/board?token={token}") as ws:
        texts = [ws.receive_text()]
        ticket = hall.ticket(ID_CARD, id_number=ELDER_ID)
        hall.open(2)
        hall.do(2, "call-next")
        hall.do(2, "recall")
        hall.do(2, "start")
        hall.do(2, "transfer", {"service": PASSPORT})
        hall.do(2, "call-next")
        hall.do(2, "start")
        hall.do(2, "finish")
        hall.ok(client.post(f"/api/tickets/{ticket['id']}/rating", json={"score": 5}), 201)
        texts += [ws.receive_text() for _ in range(10)]
    assert json.loads(texts[-1])["type"] == "ticket.rated"
    for text in texts:
        for secret in (ELDER_ID, "1101****", "**********", "elderly", "id_number", "id_masked"):
            assert secret not in text, (secret, text)


def test_client_asking_for_resync_gets_a_fresh_snapshot(hall: Hall, client: TestClient) -> None:
    token = hall.display["Authorization"][7:]
    with client.websocket_connect(f"/ws/halls/h1/board?token={token}") as ws:
        first = ws.receive_json()
        hall.ticket()
        ws.receive_json()
        ws.send_json({"type": "resync"})
        again = ws.receive_json()
    assert again["type"] == "snapshot" and again["seq"] == first["seq"] + 1
    assert again["data"]["waiting"]["total"] == 1


def test_a_lagging_subscriber_is_told_to_resync_not_waited_for() -> None:
    async def scenario() -> list[tuple[int, str]]:
        subscriber = Subscriber()
        for seq in range(1, QUEUE_SIZE + 50):
            subscriber.offer((seq, f"event {seq}"))  # never blocks the relay
        return [subscriber.queue.get_nowait() for _ in range(subscriber.queue.qsize())]

    queued = asyncio.run(scenario())
    # The backlog was dropped: first a resync, then only what came after it.
    assert queued[0] == RESYNC and len(queued) <= QUEUE_SIZE
    assert [seq for seq, _ in queued[1:]] == list(range(QUEUE_SIZE + 2, QUEUE_SIZE + 50))


def test_seq_continues_across_a_server_restart(live_server: LiveServer) -> None:
    tokens = live_server.setup_hall()
    live_server.api(
        "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
    )
    with connect(board_url(live_server, "live", tokens["display"])) as ws:
        before = receive(ws)["seq"]
    live_server.restart()
    with connect(board_url(live_server, "live", tokens["display"])) as ws:
        assert receive(ws)["seq"] == before
        live_server.api("POST", "/api/halls/live/windows/1/open", token=tokens["window-1"])
        event = receive(ws)
    assert (event["type"], event["seq"]) == ("window.opened", before + 1)


def test_a_display_that_does_not_read_does_not_delay_the_others(
    live_server: LiveServer,
) -> None:
    tokens = live_server.setup_hall()
    url = board_url(live_server, "live", tokens["display"])
    with connect(url) as stalled, connect(url) as reader:
        stalled.recv(timeout=TIMEOUT)  # takes its snapshot, then never reads again
        start = receive(reader)["seq"]
        count = QUEUE_SIZE + 100
        for _ in range(count):
            live_server.api(
                "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
            )
        seqs = [receive(reader)["seq"] for _ in range(count)]
    assert seqs == list(range(start + 1, start + count + 1))


@pytest.mark.postgres
@pytest.mark.redis
def test_two_processes_over_redis_deliver_every_call_in_order(
    pg_url: str, redis_url: str, tmp_path: Any
) -> None:
    a = LiveServer(pg_url, tmp_path, redis_url=redis_url).start()
    b = LiveServer(pg_url, tmp_path, redis_url=redis_url).start()
    try:
        tokens = a.setup_hall()
        with connect(board_url(b, "live", tokens["display"])) as ws:
            start = receive(ws)["seq"]
            a.api(
                "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
            )
            a.api("POST", "/api/halls/live/windows/2/open", token=tokens["window-2"])
            a.api("POST", "/api/halls/live/windows/2/call-next", token=tokens["window-2"])
            b.api(
                "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": PASSPORT}
            )
            events = [receive(ws) for _ in range(4)]
    finally:
        a.stop()
        b.stop()
    assert [e["seq"] for e in events] == list(range(start + 1, start + 5))
    assert [e["type"] for e in events] == [
        "ticket.issued",
        "window.opened",
        "ticket.called",
        "ticket.issued",
    ]
    assert events[2]["data"]["announcement"]["voice"] == "请 A001 号到 2 号窗口办理"


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_outage_keeps_local_displays_live_and_heals(
    pg_url: str, private_redis: Any, tmp_path: Any
) -> None:
    a = LiveServer(pg_url, tmp_path, redis_url=private_redis.url).start()
    b = LiveServer(pg_url, tmp_path, redis_url=private_redis.url).start()
    try:
        tokens = a.setup_hall()
        kiosk = {"token": tokens["kiosk"], "json": {"service": ID_CARD}}
        with (
            connect(board_url(a, "live", tokens["display"])) as on_a,
            connect(board_url(b, "live", tokens["display"])) as on_b,
        ):
            start = receive(on_a)["seq"]
            assert receive(on_b)["seq"] == start
            private_redis.stop()
            # The API keeps working and A's own display still hears A at once.
            a.api("POST", "/api/halls/live/tickets", **kiosk)
            assert receive(on_a)["seq"] == start + 1
            # B's display is not lost: the event arrives by the relay's poll.
            assert receive(on_b)["seq"] == start + 1
            private_redis.start()
            a.api("POST", "/api/halls/live/tickets", **kiosk)
            b.api("POST", "/api/halls/live/tickets", **kiosk)
            tail_a = [receive(on_a)["seq"] for _ in range(2)]
            tail_b = [receive(on_b)["seq"] for _ in range(2)]
    finally:
        a.stop()
        b.stop()
    assert tail_a == tail_b == [start + 2, start + 3]
