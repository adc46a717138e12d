"""ESC/POS bytes, decoded as a Chinese thermal printer would read them,
on a fake network printer that records what it is sent."""

from typing import Any

import pytest

from tests.printer.conftest import ticket_view
from tests.printer.fakes import (
    COVER_OPEN,
    PAPER_LOW,
    PAPER_OUT,
    SILENT,
    FakePrinter,
    decode,
    wait_until,
)
from ticket_printer.device import open_printer
from ticket_printer.escpos_render import (
    CHINESE_ON,
    Encoding,
    Profile,
    QRMode,
    Unprintable,
    encode,
    render,
)
from ticket_printer.layout import Paper, TicketData, layout
from ticket_printer.status import PrinterFault, PrinterState

SERVER = "http://127.0.0.1:8000"
STATUS_URL = f"{SERVER}/t/vufEw-aA2IwK_mj2"


def blocks(paper: Paper = Paper.MM58, **changes: Any) -> list[Any]:
    return layout(TicketData.from_json(ticket_view(**changes), SERVER), paper)


def test_a_ticket_on_the_network_printer(fake_printer: FakePrinter) -> None:
    printer = open_printer(fake_printer.url, Paper.MM58, timeout=3)
    status = printer.print_ticket(blocks(green_channel=True))
    assert status.state is PrinterState.OK
    [ticket] = wait_until(fake_printer.tickets, 5, "the ticket")
    data = fake_printer.data

    # the Chinese text went as GB18030 bytes, after FS &
    for text in ("市公安局政务服务中心（演示大厅）", "居民身份证换领", "前面还有 3 人", "收件清单"):
        encoded = text.encode("gb18030")
        assert encoded in data, text
        assert data.index(CHINESE_ON) < data.index(encoded)
    assert "A023".encode("gb18030") in data
    assert "居民身份证换领".encode() not in data  # no UTF-8 mojibake

    # and a printer reads it back as it was meant
    assert "★ 绿色通道 ★" in ticket.text
    number = ticket.line("A023")
    assert (number.width, number.height, number.bold, number.align) == (5, 5, True, 1)
    assert ticket.line("市公安局").chinese
    assert ticket.line("★ 绿色通道 ★").invert
    assert "?" not in ticket.text and "\ufffd" not in ticket.text

    # the QR code carries the status page; the cut ends the ticket
    assert ticket.qr == [STATUS_URL]
    assert ticket.commands.index("GS ( k P") > ticket.commands.index("FS &")
    assert ticket.commands[-1] == "GS V"
    assert data.endswith(b"\x1dV\x00")
    assert ticket.commands[-3:] == ["FS .", "ESC d 6", "GS V"]  # leave Chinese mode, feed, cut


def test_the_printer_is_asked_before_it_is_sent_a_ticket(fake_printer: FakePrinter) -> None:
    open_printer(fake_printer.url, Paper.MM58, timeout=3).print_ticket(blocks())
    [ticket] = wait_until(fake_printer.tickets, 5, "the ticket")
    assert ticket.commands[:5] == ["DLE EOT 1", "DLE EOT 2", "DLE EOT 3", "DLE EOT 4", "ESC @"]


@pytest.mark.parametrize(
    ("answers", "state"),
    [(PAPER_OUT, PrinterState.PAPER_OUT), (COVER_OPEN, PrinterState.COVER_OPEN)],
)
def test_a_printer_in_fault_is_sent_nothing(answers: dict[int, int], state: PrinterState) -> None:
    with FakePrinter(answers) as fake:
        printer = open_printer(fake.url, Paper.MM58, timeout=3)
        assert printer.status().state is state
        with pytest.raises(PrinterFault) as fault:
            printer.print_ticket(blocks())
        assert fault.value.status.state is state
        wait_until(lambda: len(fake.connections) == 2, 5, "both connections")
        assert b"\x1dV" not in fake.data and b"A023" not in fake.data


def test_low_paper_still_prints_and_says_so() -> None:
    with FakePrinter(PAPER_LOW) as fake:
        status = open_printer(fake.url, Paper.MM58, timeout=3).print_ticket(blocks())
        assert status.state is PrinterState.PAPER_LOW
        wait_until(fake.tickets, 5, "the ticket")


def test_a_printer_that_is_not_there_is_offline() -> None:
    with FakePrinter() as fake:
        url = fake.url
    printer = open_printer(url, Paper.MM58, timeout=1)
    status = printer.status()
    assert status.state is PrinterState.OFFLINE
    assert status.detail and "refused" in status.detail.lower()
    with pytest.raises(PrinterFault) as fault:
        printer.print_ticket(blocks())
    assert fault.value.status.state is PrinterState.OFFLINE


def test_a_printer_that_never_answers_status_requests_still_prints() -> None:
    with FakePrinter(SILENT) as fake:
        printer = open_printer(fake.url, Paper.MM58, timeout=0.3)
        assert printer.status().state is PrinterState.OK
        printer.print_ticket(blocks())
        [ticket] = wait_until(fake.tickets, 5, "the ticket")
        assert ticket.qr == [STATUS_URL]


@pytest.mark.parametrize("encoding", [Encoding.GB18030, Encoding.GBK])
@pytest.mark.parametrize("paper", [Paper.MM58, Paper.MM80])
def test_every_catalogue_ticket_prints_without_a_question_mark(
    encoding: Encoding, paper: Paper, catalogue: dict[str, Any]
) -> None:
    profile = Profile(encoding=encoding)
    for service in catalogue["services"]:
        for text in (service["name"], *service["materials"]):
            assert encode(text, encoding).decode(encoding.value) == text
        data = render(
            blocks(
                paper,
                service=service["code"],
                service_name=service["name"],
                materials=service["materials"],
                green_channel=True,
            ),
            paper,
            profile,
        )
        ticket = decode(data, encoding.value)
        assert "?" not in ticket.text and "\ufffd" not in ticket.text, service["code"]
        assert service["name"] in ticket.text.replace("\n", "")
        printed = ticket.text.replace("\n", "").replace(" ", "")
        for item in service["materials"]:
            assert item.replace(" ", "") in printed


def test_a_character_the_printer_lacks_is_refused_before_anything_prints() -> None:
    with pytest.raises(Unprintable, match="big5"):
        render(blocks(), Paper.MM58, Profile(encoding=Encoding.BIG5))


def test_a_printer_without_chinese_mode_gets_no_fs_commands() -> None:
    data = render(blocks(), Paper.MM58, Profile(chinese_mode=False))
    assert b"\x1c&" not in data and b"\x1c." not in data
    assert "居民身份证换领".encode("gb18030") in data


def test_the_qr_code_can_go_as_an_image_for_printers_without_the_command() -> None:
    ticket = decode(render(blocks(), Paper.MM58, Profile(qr=QRMode.IMAGE)))
    assert ticket.qr == [] and ticket.images == 1
    assert ticket.cut
