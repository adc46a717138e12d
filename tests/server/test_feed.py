"""The live hall feed: snapshot then events, in order, once, to every display."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import pytest
from starlette.testclient import TestClient
from starlette.types import Message
from starlette.websockets import WebSocket
from websockets.sync.client import ClientConnection, connect

from queue_server.live import HEARTBEAT_S, QUEUE_SIZE, Subscriber, text_message
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
        for secret in (
            ELDER_ID,
            "1101****",
            "11****",
            "**********",
            "elderly",
            "id_number",
            "id_masked",
        ):
            assert secret not in text, (secret, text)


def test_window_updated_carries_the_window_as_the_board_shows_it(
    hall: Hall, client: TestClient
) -> None:
    """Like every window event: the WINDOW of the board, and the counts; the
    window's skills are for GET /api/halls/{hall}, not for the screens."""
    hall.ticket()
    hall.open(2)
    called = hall.do(2, "call-next")["ticket"]["number"]
    token = hall.display["Authorization"][7:]
    with client.websocket_connect(f"/ws/halls/h1/board?token={token}") as ws:
        ws.receive_json()
        reply = hall.put_window(2, {"label": "2号通办窗口", "services": "all", "lane": "green"})
        updated = ws.receive_json()
    assert reply["services"] == "all"  # the admin's answer is the configuration, as before
    board = hall.ok(client.get("/api/halls/h1/board", headers=hall.display))
    shown = next(w for w in board["windows"] if w["number"] == 2)
    assert updated["type"] == "window.updated"
    assert updated["data"]["window"] == shown
    assert (shown["label"], shown["state_zh"], shown["lane"], shown["ticket"]) == (
        "2号通办窗口",
        "叫号中",
        "green",
        called,
    )
    assert updated["data"]["waiting"] == board["waiting"]


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


class FakeSocket:
    """A display's socket: records what is sent; while `gate` is shut, a send waits."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.gate.set()
        self.sent: list[dict[str, Any]] = []
        self.messages: list[Message] = []
        self.closed_with: int | None = None

    async def send(self, message: Message) -> None:
        await self.gate.wait()
        self.messages.append(message)
        self.sent.append(json.loads(message["text"]))

    async def send_json(self, data: Any) -> None:
        await self.send({"type": "websocket.send", "text": json.dumps(data)})

    async def close(self, code: int = 1000) -> None:
        self.closed_with = code


class FakeHall:
    """The database side: a seq that moves on, and boards that reflect it."""

    def __init__(self) -> None:
        self.seq = 0

    async def board(self) -> dict[str, Any]:
        return {"seq": self.seq}

    def event(self) -> tuple[int, Message]:
        self.seq += 1
        return self.seq, text_message(json.dumps({"type": "ticket.issued", "seq": self.seq}))


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def subscriber(socket: FakeSocket, hall: FakeHall) -> Subscriber:
    return Subscriber(cast(WebSocket, socket), hall.board)


def test_a_lagging_display_is_resynced_not_waited_for() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        hall = FakeHall()
        stalled, reader = FakeSocket(), FakeSocket()
        subscribers = [subscriber(stalled, hall), subscriber(reader, hall)]
        for s in subscribers:
            await s.drain()  # the first snapshot
        stalled.gate.clear()  # from now on its socket's buffer is full
        for _ in range(QUEUE_SIZE + 50):
            seq, message = hall.event()
            for s in subscribers:
                s.offer(seq, message)  # returns at once, whoever is stalled
            assert len(subscribers[0].backlog) <= QUEUE_SIZE
        assert len(reader.sent) == QUEUE_SIZE + 51  # every event went out as it came
        stalled.gate.set()
        await settle()
        for _ in range(2):
            seq, message = hall.event()
            for s in subscribers:
                s.offer(seq, message)
        return stalled.sent, reader.sent

    stalled, reader = asyncio.run(scenario())
    last = QUEUE_SIZE + 50
    # The stalled display got the send it was in, then a fresh snapshot instead
    # of its dropped backlog, then everything after it, in order.
    assert [(m["type"], m["seq"]) for m in stalled] == [
        ("snapshot", 0),
        ("ticket.issued", 1),
        ("snapshot", last),
        ("ticket.issued", last + 1),
        ("ticket.issued", last + 2),
    ]
    assert [m["seq"] for m in reader] == list(range(last + 3))


def test_each_event_is_serialised_once_for_every_display() -> None:
    async def scenario() -> list[FakeSocket]:
        hall = FakeHall()
        sockets = [FakeSocket() for _ in range(3)]
        subscribers = [subscriber(socket, hall) for socket in sockets]
        for s in subscribers:
            await s.drain()
        seq, message = hall.event()
        for s in subscribers:
            s.offer(seq, message)
        return sockets

    sockets = asyncio.run(scenario())
    assert all(socket.messages[-1] is sockets[0].messages[-1] for socket in sockets)


def test_a_resync_asked_during_a_slow_send_follows_it() -> None:
    async def scenario() -> list[dict[str, Any]]:
        hall = FakeHall()
        socket = FakeSocket()
        s = subscriber(socket, hall)
        await s.drain()
        socket.gate.clear()
        for _ in range(3):
            s.offer(*hall.event())  # 1 waits in the socket, 2 and 3 queue behind it
        s.resync()  # the display asks for a snapshot meanwhile
        s.offer(*hall.event())
        socket.gate.set()
        await settle()
        s.offer(*hall.event())
        return socket.sent

    sent = asyncio.run(scenario())
    assert [(m["type"], m["seq"]) for m in sent] == [
        ("snapshot", 0),
        ("ticket.issued", 1),
        ("snapshot", 4),
        ("ticket.issued", 5),
    ]


def test_idle_displays_get_a_heartbeat_with_their_last_seq() -> None:
    async def scenario() -> list[FakeSocket]:
        hall = FakeHall()
        hall.event()
        sockets = [FakeSocket() for _ in range(3)]
        subscribers = [subscriber(socket, hall) for socket in sockets]
        for s in subscribers:
            await s.drain()
        messages: dict[int, Message] = {}
        now = subscribers[0].last_send + HEARTBEAT_S
        subscribers[2].last_send = now - 1  # this one sent something a second ago
        for s in subscribers:
            s.heartbeat(now, messages)
        return sockets

    idle, also_idle, busy = asyncio.run(scenario())
    assert idle.sent[-1]["type"] == "heartbeat" and idle.sent[-1]["seq"] == 1
    assert idle.messages[-1] is also_idle.messages[-1]  # one heartbeat per seq, shared
    assert [m["type"] for m in busy.sent] == ["snapshot"]


def test_a_display_that_is_gone_does_not_stop_the_others() -> None:
    class GoneSocket(FakeSocket):
        async def send(self, message: Message) -> None:
            if self.sent:
                raise OSError("connection reset")
            await super().send(message)

    async def scenario() -> tuple[Subscriber, FakeSocket]:
        hall = FakeHall()
        gone, reader = subscriber(GoneSocket(), hall), subscriber(FakeSocket(), hall)
        socket = cast(FakeSocket, reader.websocket)
        for s in (gone, reader):
            await s.drain()
        for _ in range(3):
            seq, message = hall.event()
            for s in (gone, reader):
                s.offer(seq, message)
        return gone, socket

    gone, reader = asyncio.run(scenario())
    assert gone.closed
    assert [m["seq"] for m in reader.sent] == [0, 1, 2, 3]


def test_a_display_leaving_during_a_slow_send_cancels_it() -> None:
    async def scenario() -> Subscriber:
        hall = FakeHall()
        socket = FakeSocket()
        s = subscriber(socket, hall)
        await s.drain()
        socket.gate.clear()
        s.offer(*hall.event())  # waits in the socket
        await settle()
        await s.stop()  # what unsubscribe does when the handler ends
        return s

    s = asyncio.run(scenario())
    assert s.closed and s._task is not None and s._task.cancelled()


def test_a_snapshot_that_fails_closes_the_display_so_it_reconnects(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> dict[str, Any]:
        raise ValueError("the database went away")

    async def scenario() -> tuple[Subscriber, FakeSocket]:
        hall = FakeHall()
        socket = FakeSocket()
        s = subscriber(socket, hall)
        await s.drain()
        s.board = broken
        s.resync()
        await settle()
        return s, socket

    s, socket = asyncio.run(scenario())
    assert s.closed and socket.closed_with == 1011
    assert "closing it so it reconnects" in caplog.text


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

        def issue(_: int) -> None:
            live_server.api(
                "POST", "/api/halls/live/tickets", token=tokens["kiosk"], json={"service": ID_CARD}
            )

        with ThreadPoolExecutor(8) as kiosks:  # a morning rush, and a quicker test
            list(kiosks.map(issue, range(count)))
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
