"""The kiosk's feed follower survives any message: it skips what it cannot
read, says each kind once, catches up on its own tickets from the server (the
skipped message may have been one of them) and keeps following (issue 11)."""

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.server import ServerConnection, serve

from tests.printer.test_kiosk import ME, FakeServer, MemoryPrinter, issued
from ticket_printer.feed import CatchUp, FeedCursor, Issued, Skipped
from ticket_printer.journal import Journal
from ticket_printer.kiosk import Kiosk, KioskOptions
from ticket_printer.server import HallClient

HOSTILE: dict[str, Any] = {
    "null": None,
    "a list": [1],
    "text": "ticket.issued",
    "a number": 7,
    "no seq": {"type": "ticket.issued", "data": {}},
    "seq as text": issued(42, "A001") | {"seq": "42"},
    "seq true": issued(42, "A001") | {"seq": True},
    "a type that is a list": {"type": [], "seq": None},
}

BROKEN_ISSUES: dict[str, Any] = {
    "data null": {"type": "ticket.issued", "seq": 42, "data": None},
    "data a list": {"type": "ticket.issued", "seq": 42, "data": []},
    "ticket text": {"type": "ticket.issued", "seq": 42, "data": {"ticket": "A001"}},
    "number null": {"type": "ticket.issued", "seq": 42, "data": {"ticket": {"number": None}}},
}


@pytest.mark.parametrize("name", HOSTILE, ids=list(HOSTILE))
def test_an_unreadable_message_is_skipped_and_caught_up_on(name: str) -> None:
    cursor = FeedCursor(ME, 41)
    actions = cursor.take(HOSTILE[name])
    assert len(actions) == 2 and isinstance(actions[0], Skipped)
    assert actions[1] == CatchUp(41)
    assert cursor.last == 41
    assert cursor.take(issued(42, "A001")) == [Issued("A001", 42)]  # and it goes on
    fresh = FeedCursor(ME)  # before any snapshot there is nothing to catch up from
    assert [type(a) for a in fresh.take(HOSTILE[name])] == [Skipped]


@pytest.mark.parametrize("name", BROKEN_ISSUES, ids=list(BROKEN_ISSUES))
def test_an_issue_that_cannot_be_read_is_asked_of_the_server(name: str) -> None:
    cursor = FeedCursor(ME, 41)
    actions = cursor.take(BROKEN_ISSUES[name])
    assert isinstance(actions[0], Skipped) and actions[1:] == [CatchUp(41)]
    assert cursor.last == 42


def test_odd_but_readable_fields_are_not_trusted() -> None:
    message = issued(42, "A001")
    message["data"]["ticket"]["id"] = 12345  # not an id
    assert FeedCursor(ME, 41).take(message) == [Issued("A001", 42, None)]
    assert FeedCursor(ME, 41).take({"type": "error", "error": None}) == []


def test_the_kiosk_follows_a_hostile_feed_and_prints_its_ticket(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    http = FakeServer()
    http.add("t1", "A001")
    printer = MemoryPrinter()
    frames = [json.dumps({"type": "snapshot", "seq": 41, "data": {}})]
    frames += ["not json {", "not json {", json.dumps(None)]
    frames += [json.dumps(m) for m in HOSTILE.values()] * 2
    frames += [json.dumps(BROKEN_ISSUES["ticket text"])]
    frames += [json.dumps({"type": "heartbeat", "seq": 42})]

    async def feed(websocket: ServerConnection) -> None:
        for frame in frames:
            await websocket.send(frame)
        await websocket.wait_closed()

    async def scenario() -> Kiosk:
        async with serve(feed, "127.0.0.1", 0) as ws_server:
            port = ws_server.sockets[0].getsockname()[1]
            options = KioskOptions(f"http://127.0.0.1:{port}", "demo", "t", tmp_path / "k.j")
            client = HallClient("http://hall", "token", transport=httpx.MockTransport(http.handle))
            k = Kiosk(options, printer, client, Journal(options.journal))
            k.cursor = FeedCursor(ME)
            task = asyncio.create_task(k.feed_loop())
            printing = asyncio.create_task(k.print_loop())
            async with asyncio.timeout(20):
                while not printer.printed or k.cursor.last != 42:
                    await asyncio.sleep(0.02)
            assert not task.done()  # still following
            task.cancel()
            printing.cancel()
            await client.aclose()
            return k

    with caplog.at_level(logging.WARNING, logger="ticket_printer.kiosk"):
        k = asyncio.run(scenario())
    assert printer.printed == ["A001"]  # caught up from the server, printed once
    said = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    # each kind once: 8 in HOSTILE, the frames that are not JSON, and the issue
    assert len(said) == len(set(said)) == 10
    assert k.unreadable == 3 + 2 * len(HOSTILE) + 1
