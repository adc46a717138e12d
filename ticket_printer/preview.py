"""A ticket drawn in the terminal with rich: `ticket-printer preview`.

The terminal cannot magnify type, so a magnified line is letter-spaced to its
printed width and shown bold; the QR code is drawn with half blocks (two
module rows a text row) in black on white, so a phone can scan it from the
screen whatever the terminal's colours.
"""

from collections.abc import Sequence

from rich.align import Align as RichAlign
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.panel import Panel
from rich.text import Text as RichText

from .layout import QR, Align, Block, Cut, Feed, Paper, Rule, Text, char_width
from .qr import qr_matrix
from .status import OK, Status

JUSTIFY: dict[Align, JustifyMethod] = {
    Align.LEFT: "left",
    Align.CENTER: "center",
    Align.RIGHT: "right",
}
HALF_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def spaced(text: str, width: int) -> str:
    """`text` letter-spaced so it takes `width` times its columns."""
    if width <= 1:
        return text
    return "".join(c + " " * ((width - 1) * char_width(c)) for c in text).rstrip()


def qr_lines(data: str) -> list[str]:
    matrix = qr_matrix(data, border=2)
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return [
        "".join(HALF_BLOCKS[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(matrix[::2], matrix[1::2], strict=True)
    ]


def render_preview(blocks: Sequence[Block], paper: Paper) -> RenderableType:
    """The ticket as a panel as wide as the paper's columns."""
    parts: list[RenderableType] = []
    for block in blocks:
        match block:
            case Text(text=text, width=width, height=height, bold=bold, invert=invert, align=a):
                style = " ".join(
                    s for s, on in (("bold", bold or height > 1), ("reverse", invert)) if on
                )
                parts.append(RichText(spaced(text, width), style=style, justify=JUSTIFY[a]))
            case QR(data=data):
                code = RichText("\n".join(qr_lines(data)), style="black on white")
                parts.append(RichAlign.center(code))
            case Rule():
                parts.append(RichText("-" * paper.columns, style="dim"))
            case Feed(lines=lines):
                parts.extend(RichText("") for _ in range(lines))
            case Cut():
                pass
    return Panel(Group(*parts), width=paper.columns + 4, title=f"{paper.value} mm", expand=False)


class PreviewPrinter:
    """Shows each ticket in the terminal instead of printing it."""

    def __init__(self, paper: Paper, console: Console | None = None) -> None:
        self.name = "preview:"
        self.paper = paper
        self.console = console or Console()

    def status(self) -> Status:
        return OK

    def print_ticket(self, blocks: Sequence[Block], job: str = "ticket") -> Status:
        self.console.print(render_preview(blocks, self.paper))
        return OK
