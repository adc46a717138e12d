"""ESC/POS through python-escpos: ticket blocks to bytes, and the printers
that take them (network, USB, serial, device file) with their status.

The only module that imports escpos. Chinese is sent the way Chinese thermal
printers expect it: `FS &` enters Chinese character mode, the text goes as
GB18030 (or GBK, or Big5 for a Big5 printer) raw bytes, and `FS .` leaves the
mode before the cut. python-escpos's own code-page handling (`text()`) knows
only single-byte code pages and would print CJK as '?', so it is not used
for text; sizes, bold, alignment, the QR code and the cut are its commands.

A ticket is encoded whole before anything is sent: a character the printer's
code cannot print fails the ticket before a half ticket comes out.
"""

import errno
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy, File, Network, Serial, Usb

from .layout import QR, Align, Block, Cut, Feed, Paper, Rule, Text
from .status import (
    REQUEST_ERROR_CAUSE,
    REQUEST_OFFLINE_CAUSE,
    REQUEST_PAPER,
    REQUEST_PRINTER,
    PrinterFault,
    PrinterState,
    Status,
    decode,
    valid,
)

INIT = b"\x1b@"  # ESC @: forget what the previous job left set
CHINESE_ON = b"\x1c&"  # FS &: double-byte (GB) characters from here on
CHINESE_OFF = b"\x1c."  # FS .: back to single-byte characters
STATUS_REQUEST = b"\x10\x04"  # DLE EOT n
CUT_PREFIX = b"\x1dV"  # GS V m
QR_PREFIX = b"\x1d(k"  # GS ( k


class Encoding(StrEnum):
    """The double-byte code the printer's Chinese font is indexed by."""

    GB18030 = "gb18030"
    GBK = "gbk"
    BIG5 = "big5"


class QRMode(StrEnum):
    NATIVE = "native"  # GS ( k: the printer draws the code (most printers since ~2012)
    IMAGE = "image"  # a raster image, for printers without the command


@dataclass(frozen=True)
class Profile:
    """How one model of printer wants its bytes."""

    encoding: Encoding = Encoding.GB18030
    chinese_mode: bool = True  # send FS & first (printers that start in Chinese ignore it)
    qr: QRMode = QRMode.NATIVE


DEFAULT_PROFILE = Profile()


class Unprintable(ValueError):
    """Text the printer's character code has no place for."""


def encode(text: str, encoding: Encoding) -> bytes:
    """`text` in the printer's code; Unprintable names the first character it lacks."""
    try:
        return text.encode(encoding.value)
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise Unprintable(
            f"{bad!r} (U+{ord(bad[0]):04X}) in {text!r} cannot be printed in {encoding.value}"
        ) from None


def _style(printer: Escpos, line: Text) -> None:
    # GS ! sizes single- and double-byte characters alike (ESC ! would leave
    # the Chinese at normal size on most printers).
    printer.set(
        align=line.align.value,
        bold=line.bold,
        invert=line.invert,
        custom_size=True,
        width=line.width,
        height=line.height,
    )


PLAIN = Text("")


def render(blocks: Sequence[Block], paper: Paper, profile: Profile = DEFAULT_PROFILE) -> bytes:
    """The ESC/POS bytes of one ticket."""
    printer = Dummy()
    printer._raw(INIT)
    if profile.chinese_mode:
        printer._raw(CHINESE_ON)
    for block in blocks:
        match block:
            case Text(text=text) as line:
                if line.columns > paper.columns:
                    raise ValueError(f"{line!r} is wider than {paper.value} mm paper")
                _style(printer, line)
                printer._raw(encode(text, profile.encoding) + b"\n")
            case QR(data=content, module=module):
                _style(printer, Text("", align=Align.CENTER))
                if profile.qr is QRMode.NATIVE:
                    printer.qr(content, ec=QR_ECLEVEL_M, size=module, native=True)
                else:
                    # ESC a (set above) centres the raster too
                    printer.qr(content, ec=QR_ECLEVEL_M, size=module, native=False)
                printer._raw(b"\n")
            case Rule():
                _style(printer, PLAIN)
                printer._raw(b"-" * paper.columns + b"\n")
            case Feed(lines=lines):
                _style(printer, PLAIN)  # a blank line, not a tall (or inverted) one
                printer._raw(b"\n" * lines)
            case Cut():
                _style(printer, PLAIN)
                if profile.chinese_mode:
                    printer._raw(CHINESE_OFF)
                printer.cut()
    output: bytes = printer.output
    return output


# ---------------------------------------------------------------- printers


def _no_answer(exc: OSError) -> bool:
    return isinstance(exc, TimeoutError) or exc.errno in (errno.ETIMEDOUT, errno.EAGAIN)


def _ask(printer: Escpos, n: int) -> int | None:
    """One DLE EOT request; its answer byte, or None when none came."""
    try:
        answer: bytes = printer.query_status(STATUS_REQUEST + bytes([n]))
    except NotImplementedError:  # a device file or a print server: it cannot answer
        return None
    except OSError as exc:
        if _no_answer(exc):
            return None
        raise
    return answer[0] if answer else None


def read_status(printer: Escpos) -> Status:
    """Ask an open printer for its state (four real-time requests)."""
    first = _ask(printer, REQUEST_PRINTER)
    if not valid(first):
        return decode(first)
    return decode(
        first,
        _ask(printer, REQUEST_OFFLINE_CAUSE),
        _ask(printer, REQUEST_ERROR_CAUSE),
        _ask(printer, REQUEST_PAPER),
    )


class EscposPrinter:
    """A printer reached through python-escpos; opened for each job and closed after.

    `status()` never raises: a printer that cannot be reached is `offline`.
    `print_ticket()` checks the state on the same connection first and sends
    nothing unless it is printable; it raises PrinterFault when the ticket
    did not go out, and returns the state it printed in (e.g. paper_low).
    """

    def __init__(
        self, name: str, connect: Callable[[], Escpos], paper: Paper, profile: Profile
    ) -> None:
        self.name = name
        self._connect = connect
        self.paper = paper
        self.profile = profile

    @contextmanager
    def _open(self) -> Iterator[Escpos]:
        try:
            printer = self._connect()
            printer.open()
        except (EscposError, OSError, ValueError, RuntimeError) as exc:
            # ValueError/RuntimeError: pyusb without a libusb backend, or no pyusb/pyserial
            raise PrinterFault(Status(PrinterState.OFFLINE, _short(exc))) from exc
        try:
            yield printer
        finally:
            printer.close()

    def status(self) -> Status:
        try:
            with self._open() as printer:
                return read_status(printer)
        except PrinterFault as fault:
            return fault.status
        except (EscposError, OSError) as exc:
            return Status(PrinterState.OFFLINE, _short(exc))

    def print_ticket(self, blocks: Sequence[Block], job: str = "ticket") -> Status:
        data = render(blocks, self.paper, self.profile)
        with self._open() as printer:
            try:
                status = read_status(printer)
                if not status.printable:
                    raise PrinterFault(status)
                printer._raw(data)
            except (EscposError, OSError) as exc:
                raise PrinterFault(Status(PrinterState.OFFLINE, _short(exc))) from exc
        return status


def _short(exc: BaseException) -> str:
    """An exception as a one-line detail the server accepts (200 characters)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


class _Network(Network):  # type: ignore[misc]
    """Network, but a failed connect closes its socket (python-escpos 3.1 leaks it)."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise DeviceNotFoundError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc


def network(host: str, port: int, paper: Paper, profile: Profile, timeout: float) -> EscposPrinter:
    return EscposPrinter(
        f"tcp://{host}:{port}", lambda: _Network(host, port, timeout=timeout), paper, profile
    )


def usb(vendor: int, product: int, paper: Paper, profile: Profile, timeout: float) -> EscposPrinter:
    ms = int(timeout * 1000)  # pyusb counts milliseconds
    return EscposPrinter(
        f"usb://{vendor:04x}:{product:04x}",
        lambda: Usb(vendor, product, timeout=ms),
        paper,
        profile,
    )


def serial(
    device: str, baudrate: int, paper: Paper, profile: Profile, timeout: float
) -> EscposPrinter:
    return EscposPrinter(
        f"serial://{device}",
        lambda: Serial(device, baudrate=baudrate, timeout=timeout),
        paper,
        profile,
    )


class FilePrinter(EscposPrinter):
    """A device file (e.g. /dev/usb/lp0): written to, never asked (nobody would
    read the answer, and opening the file to ask would truncate a plain file)."""

    def __init__(self, path: str, paper: Paper, profile: Profile) -> None:
        super().__init__(f"file://{path}", lambda: File(path), paper, profile)
        self.path = Path(path)

    def status(self) -> Status:
        there = self.path if self.path.exists() else self.path.parent
        if not there.exists() or not os.access(there, os.W_OK):
            return Status(PrinterState.OFFLINE, f"cannot write to {self.path}")
        return decode(None)

    def print_ticket(self, blocks: Sequence[Block], job: str = "ticket") -> Status:
        data = render(blocks, self.paper, self.profile)
        with self._open() as printer:
            try:
                printer._raw(data)
            except (EscposError, OSError) as exc:
                raise PrinterFault(Status(PrinterState.OFFLINE, _short(exc))) from exc
        return decode(None)


def device_file(path: str, paper: Paper, profile: Profile) -> EscposPrinter:
    return FilePrinter(path, paper, profile)
