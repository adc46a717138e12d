"""Test doubles for the printer side: a network thermal printer on 127.0.0.1
that records what it is sent and answers DLE EOT status requests, a decoder
of the ESC/POS stream it records, and a TCP relay that can cut a client off.
"""

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DLE_EOT = b"\x10\x04"

# Answers to DLE EOT 1..4 (printer, offline cause, error cause, paper sensor);
# bits 1 and 4 are always set in a real answer.
READY = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
PAPER_LOW = READY | {4: 0x12 | 0x0C}
PAPER_OUT = {1: 0x12 | 0x08, 2: 0x12 | 0x20, 3: 0x12, 4: 0x12 | 0x60}
COVER_OPEN = {1: 0x12 | 0x08, 2: 0x12 | 0x04, 3: 0x12, 4: 0x12}
SILENT: dict[int, int] = {}  # a printer (or print server) that never answers


class FakePrinter:
    """A raw-port (9100) printer. `connections` holds the bytes of each connection."""

    def __init__(self, answers: dict[int, int] | None = None) -> None:
        self.answers = dict(READY if answers is None else answers)
        self.connections: list[bytearray] = []
        self.lock = threading.Lock()
        printer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                received = bytearray()
                with printer.lock:
                    printer.connections.append(received)
                scanned = 0
                while True:
                    try:
                        chunk = self.request.recv(65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    with printer.lock:
                        received.extend(chunk)
                        replies, scanned = printer._answers_for(received, scanned)
                    if replies:
                        with contextlib.suppress(OSError):
                            self.request.sendall(replies)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answers_for(self, data: bytearray, start: int) -> tuple[bytes, int]:
        """Replies to the DLE EOT requests found after `start`; where to scan next."""
        replies = bytearray()
        i = max(0, start)
        while (i := data.find(DLE_EOT, i)) != -1 and i + 2 < len(data):
            n = data[i + 2]
            if n in self.answers:
                replies.append(self.answers[n])
            i += 3
        resume = (
            len(data) - 2
            if data.endswith(DLE_EOT)
            else len(data) - 1
            if data.endswith(b"\x10")
            else len(data)
        )
        return bytes(replies), resume

    def set(self, answers: dict[int, int]) -> None:
        with self.lock:
            self.answers = dict(answers)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"tcp://{host}:{port}"

    @property
    def data(self) -> bytes:
        with self.lock:
            return b"".join(bytes(c) for c in self.connections)

    def tickets(self) -> list["Ticket"]:
        """Every ticket printed so far, decoded (a ticket ends with its cut)."""
        return [t for t in (decode(chunk) for chunk in split_tickets(self.data)) if t.cut]

    def __enter__(self) -> "FakePrinter":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def split_tickets(data: bytes) -> list[bytes]:
    """The stream cut after each GS V (m, or 'B' n) command."""
    out: list[bytes] = []
    start = 0
    i = 0
    while (i := data.find(b"\x1dV", i)) != -1:
        end = i + (4 if data[i + 2 : i + 3] in (b"A", b"B", b"a", b"b") else 3)
        out.append(data[start:end])
        start = i = end
    if start < len(data):
        out.append(data[start:])
    return out


# ---------------------------------------------------------------- ESC/POS decoding


@dataclass
class Line:
    text: str
    chinese: bool  # FS & was in force
    width: int
    height: int
    bold: bool
    invert: bool
    align: int


@dataclass
class Ticket:
    """What a printer would make of one job."""

    lines: list[Line] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    images: int = 0
    cut: bool = False
    commands: list[str] = field(default_factory=list)  # every command, in order

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def line(self, contains: str) -> Line:
        found = [line for line in self.lines if contains in line.text]
        assert found, f"no line with {contains!r} in:\n{self.text}"
        return found[0]


def decode(data: bytes, encoding: str = "gb18030") -> Ticket:
    """Interpret the ESC/POS commands this project sends, as a printer would.

    Text is decoded as `encoding` while Chinese mode (FS &) is on, else as
    ASCII (anything else shows as U+FFFD). Raises on a command it does not know,
    so a test sees anything unexpected.
    """
    ticket = Ticket()
    state: dict[str, Any] = dict(
        chinese=False, width=1, height=1, bold=False, invert=False, align=0
    )
    text = bytearray()

    def flush() -> None:
        raw = bytes(text)
        codec = encoding if state["chinese"] else "ascii"
        ticket.lines.append(
            Line(
                raw.decode(codec, errors="replace"),
                state["chinese"],
                state["width"],
                state["height"],
                state["bold"],
                state["invert"],
                state["align"],
            )
        )
        text.clear()

    i = 0
    while i < len(data):
        b = data[i]
        two = data[i : i + 2]
        if b == 0x0A:
            flush()
            i += 1
        elif two == b"\x1b@":
            ticket.commands.append("ESC @")
            state.update(chinese=False, width=1, height=1, bold=False, invert=False, align=0)
            i += 2
        elif two == b"\x1c&":
            ticket.commands.append("FS &")
            state["chinese"] = True
            i += 2
        elif two == b"\x1c.":
            ticket.commands.append("FS .")
            state["chinese"] = False
            i += 2
        elif two == b"\x1d!":
            n = data[i + 2]
            state["width"], state["height"] = (n >> 4) + 1, (n & 0x0F) + 1
            ticket.commands.append(f"GS ! {n:#04x}")
            i += 3
        elif two == b"\x1bE":
            state["bold"] = bool(data[i + 2])
            ticket.commands.append(f"ESC E {data[i + 2]}")
            i += 3
        elif two == b"\x1ba":
            state["align"] = data[i + 2]
            ticket.commands.append(f"ESC a {data[i + 2]}")
            i += 3
        elif two == b"\x1dB":
            state["invert"] = bool(data[i + 2])
            ticket.commands.append(f"GS B {data[i + 2]}")
            i += 3
        elif two == b"\x1bt":
            ticket.commands.append(f"ESC t {data[i + 2]}")
            i += 3
        elif two == b"\x1bd":
            ticket.commands.append(f"ESC d {data[i + 2]}")
            i += 3
        elif two == b"\x10\x04":
            ticket.commands.append(f"DLE EOT {data[i + 2]}")
            i += 3
        elif data[i : i + 3] == b"\x1d(k":
            size = data[i + 3] | data[i + 4] << 8
            body = data[i + 5 : i + 5 + size]
            cn, fn = body[0:1], body[1:2]
            ticket.commands.append(f"GS ( k {fn.decode()}")
            if cn == b"1" and fn == b"P":
                ticket.qr.append(body[3:].decode("utf-8"))
            i += 5 + size
        elif data[i : i + 3] == b"\x1dv0":
            width_bytes = data[i + 4] | data[i + 5] << 8
            rows = data[i + 6] | data[i + 7] << 8
            ticket.images += 1
            ticket.commands.append("GS v 0")
            i += 8 + width_bytes * rows
        elif two == b"\x1dV":
            ticket.commands.append("GS V")
            ticket.cut = True
            i += 4 if data[i + 2 : i + 3] in (b"A", b"B", b"a", b"b") else 3
        elif b < 0x20 and b not in (0x0D,):
            raise ValueError(f"unknown command at {i}: {data[i : i + 8]!r}")
        else:
            text.append(b)
            i += 1
    if text:
        flush()
    return ticket


# ---------------------------------------------------------------- a relay that can cut clients off


class Relay:
    """Forwards 127.0.0.1:port to `target`; `block()` drops every client until `unblock()`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.blocked = threading.Event()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        relay = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                if relay.blocked.is_set():
                    return
                try:
                    upstream = socket.create_connection(("127.0.0.1", relay.target_port), timeout=5)
                except OSError:
                    return
                upstream.settimeout(None)
                with relay.lock:
                    relay.sockets.update({self.request, upstream})
                pump = threading.Thread(target=_pipe, args=(upstream, self.request), daemon=True)
                pump.start()
                _pipe(self.request, upstream)
                pump.join(timeout=5)
                with relay.lock:
                    relay.sockets.difference_update({self.request, upstream})
                upstream.close()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def block(self) -> None:
        self.blocked.set()
        with self.lock:
            for s in list(self.sockets):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def unblock(self) -> None:
        self.blocked.clear()

    def __enter__(self) -> "Relay":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.block()
        self.server.shutdown()
        self.server.server_close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    for s in (source, sink):
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)


def wait_until(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
