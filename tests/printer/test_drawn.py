"""The drawn outputs a person looks at: the PNG and the terminal preview."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from rich.console import Console

from tests.printer.conftest import ticket_view
from ticket_printer.device import BadPrinterURL, open_printer
from ticket_printer.layout import Paper, TicketData, layout
from ticket_printer.png import FONT_ENV, NoCJKFont, find_font
from ticket_printer.status import PrinterFault, PrinterState

SERVER = "http://127.0.0.1:8000"


def blocks(paper: Paper, **changes: Any) -> list[Any]:
    return layout(TicketData.from_json(ticket_view(**changes), SERVER), paper)


@pytest.mark.parametrize(("paper", "width"), [(Paper.MM58, 384), (Paper.MM80, 576)])
def test_a_png_ticket_is_as_wide_as_the_paper_and_longer_than_wide(
    paper: Paper, width: int, tmp_path: Path, cjk_font: Path
) -> None:
    target = tmp_path / "ticket.png"
    printer = open_printer(f"png://{target}", paper)
    assert printer.status().state is PrinterState.OK
    printer.print_ticket(blocks(paper, green_channel=True))
    with Image.open(target) as image:
        assert image.format == "PNG"
        assert width < image.width <= width + 64  # the printable width plus the paper's edges
        assert 1.5 * image.width < image.height < 6 * image.width
        gray = image.convert("L")
        assert 0.03 < dark_share(gray) < 0.5  # ink on paper, not a blank or a black page
        # the number's band, under the hall name, is the densest ink but the QR code's
        number_band = gray.crop((0, image.height // 15, image.width, image.height // 5))
        assert dark_share(number_band) > 0.1


def dark_share(image: Image.Image) -> float:
    histogram = image.histogram()
    return sum(histogram[:128]) / (image.width * image.height)


def test_the_png_path_can_name_each_ticket(tmp_path: Path, cjk_font: Path) -> None:
    printer = open_printer(f"png://{tmp_path}/{{job}}.png", Paper.MM58)
    printer.print_ticket(blocks(Paper.MM58), job="A023-x")
    assert (tmp_path / "A023-x.png").is_file()


def test_without_a_cjk_font_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "missing.ttc"))
    with pytest.raises(NoCJKFont, match=r"missing\.ttc"):
        find_font()
    printer = open_printer(f"png://{tmp_path}/t.png", Paper.MM58)
    assert printer.status().state is PrinterState.ERROR
    with pytest.raises(PrinterFault):
        printer.print_ticket(blocks(Paper.MM58))
    monkeypatch.delenv(FONT_ENV)
    monkeypatch.setattr("ticket_printer.png.FONT_CANDIDATES", (str(tmp_path / "none.ttc"),))
    with pytest.raises(NoCJKFont, match="fonts-wqy-microhei"):
        find_font()


def test_the_terminal_preview_shows_the_ticket() -> None:
    out = StringIO()
    console = Console(file=out, width=60, color_system=None)
    open_printer("preview:", Paper.MM58, console=console).print_ticket(
        blocks(Paper.MM58, green_channel=True)
    )
    text = out.getvalue()
    for part in (
        "58 mm",
        "A    0    2    3",
        "居  民  身  份  证  换  领",
        "★ 绿色通道 ★",
        "扫码查看排队进度",
    ):
        assert part in text
    assert "█" in text  # the QR code, in half blocks


@pytest.mark.parametrize(
    "url",
    [
        "tcp://",
        "tcp://host:port",
        "usb://04b8",
        "usb://xyz:0202",
        "serial://",
        "file://",
        "png://",
        "lpt1",
    ],
)
def test_a_bad_printer_url_says_what_would_do(url: str) -> None:
    with pytest.raises(BadPrinterURL):
        open_printer(url)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("tcp://10.0.0.7", "tcp://10.0.0.7:9100"),
        ("tcp://10.0.0.7:9101", "tcp://10.0.0.7:9101"),
        ("usb://04B8:0202", "usb://04b8:0202"),
        ("serial:///dev/ttyS0?baudrate=19200", "serial:///dev/ttyS0"),
        ("file:///dev/usb/lp0", "file:///dev/usb/lp0"),
        ("png:///tmp/t.png", "png:///tmp/t.png"),
        ("preview:", "preview:"),
    ],
)
def test_printers_by_url(url: str, name: str) -> None:
    assert open_printer(url).name == name  # nothing is connected until it is used


def test_a_device_file_printer_writes_the_ticket(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    printer = open_printer(f"file://{target}", Paper.MM58)
    assert printer.status().state is PrinterState.OK  # a file cannot say more
    printer.print_ticket(blocks(Paper.MM58))
    data = target.read_bytes()
    assert data.startswith(b"\x1b@\x1c&") and data.endswith(b"\x1dV\x00")  # no DLE EOT
    assert open_printer(f"file://{tmp_path}/no/such/dir/lp0").status().state is PrinterState.OFFLINE
