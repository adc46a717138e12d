"""What the printer's DLE EOT answers mean (Epson ESC/POS bit layout)."""

import pytest

from tests.printer import fakes
from ticket_printer.status import PrinterState, Status, decode


def answers(table: dict[int, int]) -> tuple[int | None, ...]:
    return tuple(table.get(n) for n in (1, 2, 3, 4))


@pytest.mark.parametrize(
    ("table", "state"),
    [
        (fakes.READY, PrinterState.OK),
        (fakes.PAPER_LOW, PrinterState.PAPER_LOW),
        (fakes.PAPER_OUT, PrinterState.PAPER_OUT),
        (fakes.COVER_OPEN, PrinterState.COVER_OPEN),
        # the cover is open to put paper in: say the cover first
        (fakes.PAPER_OUT | {2: 0x12 | 0x20 | 0x04}, PrinterState.COVER_OPEN),
        # paper out seen by the offline cause only (no roll sensor answer)
        ({1: 0x1A, 2: 0x32}, PrinterState.PAPER_OUT),
        (fakes.READY | {1: 0x1A, 2: 0x52, 3: 0x12 | 0x08}, PrinterState.ERROR),  # cutter
        (fakes.READY | {3: 0x12 | 0x20}, PrinterState.ERROR),  # unrecoverable
        (fakes.READY | {1: 0x1A}, PrinterState.OFFLINE),
        # an answer without the fixed bits is noise, not a state
        (fakes.READY | {4: 0xFF}, PrinterState.OK),
    ],
)
def test_answers_decode_to_a_state(table: dict[int, int], state: PrinterState) -> None:
    assert decode(*answers(table)).state is state


def test_a_printer_that_never_answers_is_taken_as_ok_and_says_so() -> None:
    status = decode(None)
    assert status.state is PrinterState.OK
    assert status.detail and "does not report" in status.detail


@pytest.mark.parametrize("state", list(PrinterState))
def test_only_ok_and_low_paper_print(state: PrinterState) -> None:
    assert Status(state).printable is (state in (PrinterState.OK, PrinterState.PAPER_LOW))
