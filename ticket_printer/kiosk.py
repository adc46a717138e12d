"""`ticket-printer kiosk`: print each ticket this ticket machine issues, once.

The kiosk follows the hall feed (`/ws/halls/{hall}/board`) and prints every
`ticket.issued` event whose `issued_by` is its own token id (from
`/api/whoami`). The feed names no ticket id (an id is its holder's key to
the ticket), so the kiosk asks the server for its own tickets issued since
the event before (`GET /api/halls/{hall}/tickets?since_seq=N`) and prints
those. Three promises, and how they are kept:

- Never twice. A journal file lists the ids printed, one a line, fsync'd
  after each ticket went out; a ticket in it is not printed again, across
  restarts. (A crash between sending and writing the line would print that
  one ticket again: the only case, and the reprint a visitor would rather get.)
- Nothing missed. The feed sends a snapshot and then only new events, so what
  happened while the kiosk was away comes from the server's list of this
  kiosk's tickets since the last event seen (`since_seq`). The last seq is
  kept beside the journal (`PATH.seq`), held back to before the oldest ticket
  not yet printed, so a restart asks again for anything still owed.
- Faults are visible and outlived. Offline, paper out, cover open: the
  ticket stays valid on the server, the state is reported to it (the board
  and the supervisor see it), and the ticket waits in order in the retry
  queue while the printer is asked again with growing pauses; it prints
  when the printer is back. The printer is also asked every
  `status_interval_s` when idle, so paper out shows before a visitor finds it.
"""

import asyncio
import contextlib
import logging
import random
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from queue_server.protocol import MessageType, Unreadable, decode

from .device import TicketPrinter
from .escpos_render import Unprintable
from .feed import Action, CatchUp, FeedCursor, Skipped
from .journal import Journal
from .layout import TicketData, layout
from .server import (
    HallClient,
    NotSupported,
    Refused,
    ServerError,
    Unreachable,
    feed_subprotocols,
    feed_url,
)
from .status import PrinterFault, PrinterState, Status

log = logging.getLogger("ticket_printer.kiosk")

REFUSAL_CODES = frozenset({4401, 4403, 4404})  # 4000 + HTTP status: retrying cannot help
EXIT_REFUSED = 2


@dataclass(frozen=True)
class KioskOptions:
    server: str
    hall: str
    token: str
    journal: Path
    status_interval_s: float = 30.0  # ask an idle printer this often
    retry_min_s: float = 0.5  # first pause before asking a faulty printer again
    retry_max_s: float = 30.0
    reconnect_max_s: float = 10.0
    silence_s: float = 45.0  # no message this long (three heartbeats): reconnect


class KioskRefused(Exception):
    """The server will not have this token as this hall's ticket machine."""


# ---------------------------------------------------------------- the kiosk


class Kiosk:
    """The retry queue, the printer's reported state and the three loops."""

    def __init__(
        self,
        options: KioskOptions,
        printer: TicketPrinter,
        client: HallClient,
        journal: Journal,
    ) -> None:
        self.options = options
        self.printer = printer
        self.client = client
        self.journal = journal
        self.pending: dict[str, int] = {}  # ticket id -> seq it was issued at, in order
        self.owed: int | None = None  # a catch-up from this seq that has not worked yet
        self.cursor: FeedCursor | None = None
        self.reported: Status | None = None
        self._failing: str | None = None  # the ticket whose fault was logged
        self._wake = asyncio.Event()
        self._printer_lock = asyncio.Lock()
        self._warned_no_catch_up = False
        self._saved: int | None = None
        self.unreadable = 0  # feed messages that could not be read
        self._said: set[str] = set()  # the kinds of those already logged

    # -- the queue

    def enqueue(self, ticket_id: str, seq: int) -> None:
        if ticket_id in self.journal:
            return
        if ticket_id not in self.pending:
            self.pending[ticket_id] = seq
            self._wake.set()

    def save_cursor(self) -> None:
        """Keep the seq to catch up from after a restart: before anything still owed."""
        if self.cursor is None or self.cursor.last is None:
            return
        marks = [self.cursor.last, *(seq - 1 for seq in self.pending.values())]
        if self.owed is not None:
            marks.append(self.owed)
        low = min(marks)
        if low != self._saved:
            self.journal.save_cursor(low)
            self._saved = low

    async def catch_up(self, since: int) -> None:
        """Queue this kiosk's tickets issued after `since`; retried later if it fails."""
        try:
            tickets = await self._tickets_since(since)
        except NotSupported as exc:
            if not self._warned_no_catch_up:
                log.warning(
                    "cannot catch up on tickets issued while disconnected: %s; "
                    "they print only when reprinted by hand",
                    exc,
                )
                self._warned_no_catch_up = True
            self.owed = min(since, self.owed if self.owed is not None else since)
            return
        except ServerError as exc:
            log.warning("catching up from seq %d failed (%s); will try again", since, exc)
            self.owed = min(since, self.owed if self.owed is not None else since)
            return
        if self.owed is not None and self.owed >= since:
            self.owed = None
        for ticket in tickets:
            seq = ticket.get("seq")
            if ticket.get("id"):
                self.enqueue(str(ticket["id"]), seq if isinstance(seq, int) else since + 1)

    async def _tickets_since(self, since: int) -> list[dict[str, Any]]:
        """All pages: a page ends where its last ticket's `seq` says, when views carry it."""
        tickets: list[dict[str, Any]] = []
        while True:
            page = await self.client.tickets_since(self.options.hall, since)
            tickets += page
            last = page[-1].get("seq") if page else None
            if not isinstance(last, int) or last <= since:
                return tickets
            since = last

    # -- the printer

    async def report(self, status: Status) -> None:
        """Tell the server the printer's state when it changed (retried when it failed)."""
        shown = Status(status.state, None if status.state is PrinterState.OK else status.detail)
        if shown == self.reported:
            return
        try:
            await self.client.report(self.options.hall, shown)
        except ServerError as exc:
            log.warning("could not report printer state %s: %s", shown.state.value, exc)
            return
        if self.reported is None or shown.state != self.reported.state:
            log.info("printer %s%s", shown.state.value, f": {shown.detail}" if shown.detail else "")
        self.reported = shown

    async def beat(self) -> None:
        try:
            await self.client.heartbeat(self.options.hall)
        except ServerError as exc:  # an older server (404), or a pause: the next beat is soon
            log.debug("heartbeat not heard: %s", exc)

    async def check_printer(self) -> Status:
        async with self._printer_lock:
            status = await asyncio.to_thread(self.printer.status)
        await self.report(status)
        return status

    async def print_next(self) -> bool:
        """Try the oldest pending ticket; whether the queue moved on."""
        ticket_id = next(iter(self.pending))
        if ticket_id in self.journal:
            del self.pending[ticket_id]
            return True
        try:
            view = await self.client.ticket(ticket_id)
        except Refused as exc:
            if exc.status == 404:
                log.error("ticket %s is unknown to the server; not printed", ticket_id)
                del self.pending[ticket_id]
                return True
            log.warning("fetching ticket %s failed: %s", ticket_id, exc)
            return False
        except ServerError as exc:
            log.warning("fetching ticket %s failed: %s", ticket_id, exc)
            return False
        try:
            ticket = TicketData.from_json(view, self.options.server)
        except (KeyError, TypeError, ValueError) as exc:
            log.error(
                "ticket %s: the server's view cannot be read (%r); not printed", ticket_id, exc
            )
            del self.pending[ticket_id]
            return True
        if ticket.ended:
            log.info("not printing %s: it is already %s", ticket.number, ticket.status)
            del self.pending[ticket_id]
            return True
        blocks = layout(ticket, self.printer.paper)
        try:
            async with self._printer_lock:
                status = await asyncio.to_thread(
                    self.printer.print_ticket, blocks, f"{ticket.number}-{ticket.id}"
                )
        except PrinterFault as fault:
            if self._failing != ticket_id:  # said once, not at every retry
                log.warning("%s not printed: %s; it waits for the printer", ticket.number, fault)
                self._failing = ticket_id
            await self.report(fault.status)
            return False
        except Unprintable as exc:
            log.error("%s cannot be printed on this printer: %s", ticket.number, exc)
            await self.report(Status(PrinterState.ERROR, str(exc)))
            del self.pending[ticket_id]
            return True
        self.journal.record(ticket_id)
        del self.pending[ticket_id]
        self._failing = None
        log.info("printed %s (%s)", ticket.number, ticket.id)
        await self.report(status)
        return True

    async def print_loop(self) -> None:
        attempt = 0
        while True:
            if not self.pending:
                self._wake.clear()
                self.save_cursor()
                await self._wake.wait()
                continue
            if await self.print_next():
                attempt = 0
                self.save_cursor()
                continue
            pause = min(self.options.retry_max_s, self.options.retry_min_s * 2 ** min(attempt, 16))
            attempt += 1
            await asyncio.sleep(pause)

    async def monitor_loop(self) -> None:
        """An idle printer is asked now and then; a failed catch-up is tried again;
        the server hears that the agent is alive."""
        while True:
            await asyncio.sleep(self.options.status_interval_s)
            await self.beat()
            if self.owed is not None:
                await self.catch_up(self.owed)
                self.save_cursor()
            if not self.pending:
                await self.check_printer()

    # -- the feed

    async def feed_loop(self) -> None:
        """Follow the feed until refused; reconnects with backoff and jitter."""
        assert self.cursor is not None
        url = feed_url(self.options.server, self.options.hall)
        subprotocols = feed_subprotocols(self.options.token)
        rng = random.Random()
        attempt = 0
        while True:
            try:
                async with connect(
                    url, subprotocols=subprotocols, open_timeout=10, close_timeout=2
                ) as websocket:
                    attempt = 0
                    reason = await self._receive(websocket)
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
                if code in REFUSAL_CODES:
                    why = exc.rcvd.reason if exc.rcvd else ""
                    raise KioskRefused(f"the feed refused this token: {code} {why}") from None
                reason = f"connection closed, code {code}"
            except (OSError, TimeoutError, WebSocketException) as exc:
                reason = str(exc) or type(exc).__name__
            ceiling = min(self.options.reconnect_max_s, 0.5 * 2 ** min(attempt, 16))
            delay = rng.uniform(ceiling / 2, ceiling)
            attempt += 1
            log.warning("feed lost (%s); reconnecting in %.1f s", reason, delay)
            await asyncio.sleep(delay)

    async def _receive(self, websocket: ClientConnection) -> str:
        assert self.cursor is not None
        while True:
            try:
                # Not wait_for: on Python 3.11 it can drop a cancellation (a stop).
                async with asyncio.timeout(self.options.silence_s):
                    frame = await websocket.recv()
            except TimeoutError:
                return f"no message for {self.options.silence_s:g} s"
            for action in self._read(frame):
                if isinstance(action, Skipped):
                    self.skipped(action.reason)
                elif isinstance(action, CatchUp):
                    log.info("events after seq %d were missed; catching up", action.since)
                    await self.catch_up(action.since)
                else:
                    log.info("ticket %s issued here (seq %d)", action.number, action.seq)
                    if action.ticket_id is not None:
                        self.enqueue(action.ticket_id, action.seq)
                    else:
                        await self.catch_up(action.seq - 1)
            self.save_cursor()

    def _read(self, frame: str | bytes) -> list[Action]:
        """What one frame of the feed asks of the kiosk."""
        assert self.cursor is not None
        try:
            message = decode(frame)
        except Unreadable as exc:
            return self.cursor.skip(str(exc))  # it may have been one of ours: catch up
        kind = message.get("type")
        if kind == MessageType.ERROR:
            log.error("the feed refused: %s", message.get("message"))
            return []  # the close that follows carries the code
        if kind == MessageType.SNAPSHOT:
            log.info("following hall %s from seq %s", self.options.hall, message.get("seq"))
        return self.cursor.take(message)

    def skipped(self, reason: str) -> None:
        """A feed message that could not be read: said once per kind, counted always."""
        self.unreadable += 1
        if reason not in self._said:
            self._said.add(reason)
            log.warning("skipped a feed message that could not be read (%s); catching up", reason)

    # -- start

    async def identify(self) -> str:
        """This kiosk's token id, once the server answers; KioskRefused if it will not do."""
        attempt = 0
        while True:
            try:
                me = await self.client.whoami()
                break
            except (Refused, NotSupported) as exc:
                raise KioskRefused(f"the server refused the token: {exc}") from None
            except Unreachable as exc:
                delay = min(self.options.reconnect_max_s, 0.5 * 2 ** min(attempt, 16))
                attempt += 1
                log.warning("%s; trying again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
        if me.get("role") != "kiosk":
            raise KioskRefused(f"this is a {me.get('role')} token; a kiosk token is needed")
        if me.get("hall") not in (None, self.options.hall):
            raise KioskRefused(
                f"this token belongs to hall {me.get('hall')!r}, not {self.options.hall!r}"
            )
        return str(me["token_id"])

    async def run(self) -> None:
        """Print until cancelled; raises KioskRefused when the server refuses."""
        me = await self.identify()
        self.cursor = FeedCursor(me, self.journal.cursor())
        log.info(
            "kiosk %s of hall %s printing on %s (%d printed before)",
            me,
            self.options.hall,
            self.printer.name,
            len(self.journal),
        )
        await self.check_printer()
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self.print_loop(), name="print")
            tasks.create_task(self.monitor_loop(), name="monitor")
            tasks.create_task(self.feed_loop(), name="feed")


async def run_kiosk(options: KioskOptions, printer: TicketPrinter) -> int:
    """The kiosk until SIGTERM/Ctrl-C (0) or a refusal (EXIT_REFUSED)."""
    _stop_on_sigterm()
    async with HallClient(options.server, options.token) as client:
        kiosk = Kiosk(options, printer, client, Journal(options.journal))
        refusals: list[BaseException] = []
        try:
            await kiosk.run()
        except* KioskRefused as group:
            refusals.extend(group.exceptions)
    for exc in refusals:
        log.error("%s", exc)
    return EXIT_REFUSED if refusals else 0


def _stop_on_sigterm() -> None:
    task = asyncio.current_task()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        if task is not None:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
