"""A printer's state, and how ESC/POS status bytes say it; pure.

The states are the ones the server takes on `POST /api/halls/{hall}/devices/status`
(`queue_server.protocol.DeviceState`, here under the name `PrinterState`).
A printer answers each real-time status request `DLE EOT n` with one byte
whose bits 1 and 4 are always set and bits 0 and 7 always clear (Epson
ESC/POS; the Chinese printers follow it):

- n=1 printer: bit 3 offline.
- n=2 offline cause: bit 2 cover open, bit 5 stopped at paper end, bit 6 error.
- n=3 error cause: bit 3 autocutter, bit 5 unrecoverable, bit 6 auto-recoverable.
- n=4 paper roll sensor: bits 2-3 paper near its end, bits 5-6 paper out.
"""

from dataclasses import dataclass

from queue_server.protocol import DeviceState

PrinterState = DeviceState  # the printer's states are the device states on the wire

# The states in which a ticket sent now comes out (low paper still prints).
PRINTABLE = frozenset({PrinterState.OK, PrinterState.PAPER_LOW})


@dataclass(frozen=True)
class Status:
    state: PrinterState
    detail: str | None = None

    @property
    def printable(self) -> bool:
        return self.state in PRINTABLE


OK = Status(PrinterState.OK)


class PrinterFault(Exception):
    """The ticket did not print; `status` says what the printer is doing."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.detail or status.state.value)
        self.status = status


# DLE EOT n requests, and the bits of their answers.
REQUEST_PRINTER, REQUEST_OFFLINE_CAUSE, REQUEST_ERROR_CAUSE, REQUEST_PAPER = 1, 2, 3, 4
FIXED_MASK, FIXED_BITS = 0x93, 0x12
PRINTER_OFFLINE = 0x08
CAUSE_COVER_OPEN, CAUSE_PAPER_END, CAUSE_ERROR = 0x04, 0x20, 0x40
ERROR_CUTTER, ERROR_UNRECOVERABLE, ERROR_AUTO_RECOVERABLE = 0x08, 0x20, 0x40
PAPER_NEAR_END, PAPER_END = 0x0C, 0x60


def valid(byte: int | None) -> bool:
    """Whether `byte` looks like a status answer (its fixed bits are right)."""
    return byte is not None and byte & FIXED_MASK == FIXED_BITS


def _bits(byte: int | None) -> int:
    """The answer's bits, or none set when there was no (valid) answer."""
    return byte if byte is not None and valid(byte) else 0


def decode(
    printer: int | None,
    offline_cause: int | None = None,
    error_cause: int | None = None,
    paper: int | None = None,
) -> Status:
    """The state the four answers (None: not asked, or no answer) add up to.

    A printer that does not answer at all cannot be judged: it is taken as
    ok (many print servers and serial links never answer), with a detail
    that says so. Cover open is said before paper out (opening the cover is
    how paper goes in), both before a general error and offline.
    """
    if not valid(printer):
        return Status(PrinterState.OK, "the printer does not report its status")
    cause, error, roll = _bits(offline_cause), _bits(error_cause), _bits(paper)
    if cause & CAUSE_COVER_OPEN:
        return Status(PrinterState.COVER_OPEN, "the paper cover is open")
    if roll & PAPER_END or cause & CAUSE_PAPER_END:
        return Status(PrinterState.PAPER_OUT, "out of paper")
    if error & ERROR_CUTTER:
        return Status(PrinterState.ERROR, "the autocutter is jammed")
    if error & ERROR_UNRECOVERABLE:
        return Status(PrinterState.ERROR, "unrecoverable printer error")
    if error & ERROR_AUTO_RECOVERABLE or cause & CAUSE_ERROR:
        return Status(PrinterState.ERROR, "printer error (print head too hot?)")
    if _bits(printer) & PRINTER_OFFLINE:
        return Status(PrinterState.OFFLINE, "the printer is offline")
    if roll & PAPER_NEAR_END:
        return Status(PrinterState.PAPER_LOW, "paper is running low")
    return OK
