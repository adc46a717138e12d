"""The kiosk's bookkeeping, without a server process: reading the feed, the
journal, and the retry queue against an in-memory printer and a fake server."""

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.printer.conftest import ticket_view
from ticket_printer.feed import CatchUp, FeedCursor, Issued
from ticket_printer.journal import Journal
from ticket_printer.kiosk import Kiosk, KioskOptions
from ticket_printer.layout import Block, Paper, Text
from ticket_printer.server import HallClient
from ticket_printer.status import OK, PrinterFault, PrinterState, Status

ME, OTHER = "kiosk-1", "kiosk-2"


def issued(seq: int, number: str, by: str = ME) -> dict[str, Any]:
    return {
        "type": "ticket.issued",
        "seq": seq,
        "data": {"ticket": {"number": number, "issued_by": by}, "position": 0},
    }


# ---------------------------------------------------------------- the feed


def test_a_fresh_kiosk_starts_from_the_snapshot() -> None:
    cursor = FeedCursor(ME)
    assert cursor.take({"type": "snapshot", "seq": 41, "data": {}}) == []
    assert cursor.last == 41


def test_its_own_tickets_are_noticed_and_others_are_not() -> None:
    cursor = FeedCursor(ME, 41)
    assert cursor.take({"type": "snapshot", "seq": 41}) == []
    assert cursor.take(issued(42, "A001")) == [Issued("A001", 42)]
    assert cursor.take(issued(43, "A002", by=OTHER)) == []
    assert cursor.take({"type": "ticket.called", "seq": 44, "data": {}}) == []
    assert cursor.take(issued(42, "A001")) == []  # a duplicate
    assert cursor.last == 44


def test_a_snapshot_ahead_of_what_was_seen_means_catching_up() -> None:
    cursor = FeedCursor(ME, 41)  # remembered from before a restart
    assert cursor.take({"type": "snapshot", "seq": 45}) == [CatchUp(41)]
    assert cursor.take({"type": "heartbeat", "seq": 45}) == []
    assert cursor.take({"type": "heartbeat", "seq": 47}) == [CatchUp(45)]


def test_a_gap_in_the_events_means_catching_up() -> None:
    cursor = FeedCursor(ME, 41)
    assert cursor.take(issued(44, "A003")) == [CatchUp(41), Issued("A003", 44)]


def test_a_ticket_id_on_the_feed_is_used_when_there_is_one() -> None:
    message = issued(42, "A001")
    message["data"]["ticket"]["id"] = "abc"
    assert FeedCursor(ME, 41).take(message) == [Issued("A001", 42, "abc")]


# ---------------------------------------------------------------- the journal


def test_the_journal_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "var" / "kiosk.journal"
    journal = Journal(path)
    assert "t1" not in journal and journal.cursor() is None
    journal.record("t1")
    journal.save_cursor(42)
    again = Journal(path)
    assert "t1" in again and len(again) == 1
    assert again.cursor() == 42
    assert path.read_text() == "t1\n"


# ---------------------------------------------------------------- the queue


class MemoryPrinter:
    """A printer whose state the test sets; it keeps what it printed."""

    def __init__(self) -> None:
        self.name = "memory:"
        self.paper = Paper.MM58
        self.state = OK
        self.printed: list[str] = []

    def status(self) -> Status:
        return self.state

    def print_ticket(self, blocks: Sequence[Block], job: str = "ticket") -> Status:
        if not self.state.printable:
            raise PrinterFault(self.state)
        number = max((b for b in blocks if isinstance(b, Text)), key=lambda t: t.width)
        self.printed.append(number.text)
        return self.state


class FakeServer:
    """The server's few endpoints the kiosk calls, over httpx's MockTransport."""

    def __init__(self) -> None:
        self.tickets: dict[str, dict[str, Any]] = {}
        self.reports: list[dict[str, Any]] = []
        self.beats = 0
        self.hears_beats = True  # False: a server from before heartbeats (404)

    def add(self, ticket_id: str, number: str, **changes: Any) -> None:
        self.tickets[ticket_id] = ticket_view(id=ticket_id, number=number, **changes)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/api/tickets/"):
            view = self.tickets.get(path.rsplit("/", 1)[1])
            if view is None:
                return httpx.Response(404, json={"error": "not_found", "message": "no ticket"})
            return httpx.Response(200, json=view)
        if path == "/api/halls/demo/tickets":
            return httpx.Response(200, json={"tickets": list(self.tickets.values())})
        if path == "/api/halls/demo/devices/heartbeat" and self.hears_beats:
            self.beats += 1
            return httpx.Response(204)
        if path == "/api/halls/demo/devices/status":
            self.reports.append(json.loads(request.content))
            return httpx.Response(200, json={})
        return httpx.Response(404, text="Not Found")


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


def kiosk(server: FakeServer, printer: MemoryPrinter, tmp_path: Path) -> Kiosk:
    options = KioskOptions("http://hall", "demo", "token", tmp_path / "k.journal")
    client = HallClient("http://hall", "token", transport=httpx.MockTransport(server.handle))
    return Kiosk(options, printer, client, Journal(options.journal))


@pytest.mark.parametrize("hears_beats", [True, False])
def test_the_agent_beats_and_an_older_server_does_not_stop_it(
    server: FakeServer, tmp_path: Path, hears_beats: bool
) -> None:
    server.hears_beats = hears_beats

    async def scenario() -> None:
        k = kiosk(server, MemoryPrinter(), tmp_path)
        await k.beat()
        await k.beat()
        await k.client.aclose()

    asyncio.run(scenario())
    assert server.beats == (2 if hears_beats else 0)


def test_a_ticket_prints_once_and_is_journaled(server: FakeServer, tmp_path: Path) -> None:
    printer = MemoryPrinter()
    server.add("t1", "A001")

    async def scenario() -> None:
        k = kiosk(server, printer, tmp_path)
        k.enqueue("t1", 42)
        k.enqueue("t1", 42)
        assert await k.print_next()
        assert not k.pending
        k.enqueue("t1", 42)  # seen again (a catch-up): already printed
        assert not k.pending
        await k.client.aclose()

    asyncio.run(scenario())
    assert printer.printed == ["A001"]
    assert "t1" in Journal(tmp_path / "k.journal")


def test_a_faulty_printer_keeps_the_ticket_and_the_server_hears_of_it(
    server: FakeServer, tmp_path: Path
) -> None:
    printer = MemoryPrinter()
    server.add("t1", "A001")
    printer.state = Status(PrinterState.PAPER_OUT, "out of paper")

    async def scenario() -> None:
        k = kiosk(server, printer, tmp_path)
        k.enqueue("t1", 42)
        assert not await k.print_next()
        assert not await k.print_next()
        assert list(k.pending) == ["t1"]
        printer.state = OK
        assert await k.print_next()
        await k.client.aclose()

    asyncio.run(scenario())
    assert printer.printed == ["A001"]
    assert server.reports == [{"state": "paper_out", "detail": "out of paper"}, {"state": "ok"}]


def test_a_ticket_already_over_is_not_printed(server: FakeServer, tmp_path: Path) -> None:
    printer = MemoryPrinter()
    server.add("t1", "A001", status="cancelled")

    async def scenario() -> None:
        k = kiosk(server, printer, tmp_path)
        k.enqueue("t1", 42)
        assert await k.print_next()
        assert not k.pending
        await k.client.aclose()

    asyncio.run(scenario())
    assert printer.printed == []


def test_the_cursor_is_kept_before_the_oldest_unprinted_ticket(
    server: FakeServer, tmp_path: Path
) -> None:
    async def scenario() -> None:
        k = kiosk(server, MemoryPrinter(), tmp_path)
        k.cursor = FeedCursor(ME, 50)
        k.enqueue("t1", 44)
        k.enqueue("t2", 47)
        k.save_cursor()
        assert k.journal.cursor() == 43
        del k.pending["t1"]
        k.save_cursor()
        assert k.journal.cursor() == 46
        await k.client.aclose()

    asyncio.run(scenario())


def test_catching_up_queues_this_kiosks_tickets(server: FakeServer, tmp_path: Path) -> None:
    server.add("t1", "A001")
    server.add("t2", "A002")

    async def scenario() -> None:
        k = kiosk(server, MemoryPrinter(), tmp_path)
        k.journal.record("t1")
        await k.catch_up(40)
        assert list(k.pending) == ["t2"]
        assert k.owed is None
        await k.client.aclose()

    asyncio.run(scenario())
