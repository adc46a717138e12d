"""Large block letters for ticket numbers, readable across a hall.

Ticket numbers are a letter prefix and digits ("A023"), so a 5-row font of
A-Z, 0-9 and a few signs is enough. `BigText` draws in it when the text and
the width allow, and falls back to plain bold text otherwise (Chinese, or a
narrow terminal), so nothing is ever cut in half.
"""

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style, StyleType
from rich.text import Text

_ROWS = 5
_FONT: dict[str, tuple[str, ...]] = {
    "0": ("█████", "█   █", "█   █", "█   █", "█████"),
    "1": ("  ██ ", " ███ ", "  ██ ", "  ██ ", " ████"),
    "2": ("█████", "    █", "█████", "█    ", "█████"),
    "3": ("█████", "    █", " ████", "    █", "█████"),
    "4": ("█   █", "█   █", "█████", "    █", "    █"),
    "5": ("█████", "█    ", "█████", "    █", "█████"),
    "6": ("█████", "█    ", "█████", "█   █", "█████"),
    "7": ("█████", "    █", "   █ ", "  █  ", "  █  "),
    "8": ("█████", "█   █", "█████", "█   █", "█████"),
    "9": ("█████", "█   █", "█████", "    █", "█████"),
    "A": (" ███ ", "█   █", "█████", "█   █", "█   █"),
    "B": ("████ ", "█   █", "████ ", "█   █", "████ "),
    "C": (" ████", "█    ", "█    ", "█    ", " ████"),
    "D": ("████ ", "█   █", "█   █", "█   █", "████ "),
    "E": ("█████", "█    ", "████ ", "█    ", "█████"),
    "F": ("█████", "█    ", "████ ", "█    ", "█    "),
    "G": (" ████", "█    ", "█  ██", "█   █", " ████"),
    "H": ("█   █", "█   █", "█████", "█   █", "█   █"),
    "I": ("█████", "  █  ", "  █  ", "  █  ", "█████"),
    "J": ("█████", "   █ ", "   █ ", "█  █ ", " ██  "),
    "K": ("█   █", "█  █ ", "███  ", "█  █ ", "█   █"),
    "L": ("█    ", "█    ", "█    ", "█    ", "█████"),
    "M": ("█   █", "██ ██", "█ █ █", "█   █", "█   █"),
    "N": ("█   █", "██  █", "█ █ █", "█  ██", "█   █"),
    "O": (" ███ ", "█   █", "█   █", "█   █", " ███ "),
    "P": ("████ ", "█   █", "████ ", "█    ", "█    "),
    "Q": (" ███ ", "█   █", "█ █ █", "█  █ ", " ██ █"),
    "R": ("████ ", "█   █", "████ ", "█  █ ", "█   █"),
    "S": (" ████", "█    ", " ███ ", "    █", "████ "),
    "T": ("█████", "  █  ", "  █  ", "  █  ", "  █  "),
    "U": ("█   █", "█   █", "█   █", "█   █", " ███ "),
    "V": ("█   █", "█   █", "█   █", " █ █ ", "  █  "),
    "W": ("█   █", "█   █", "█ █ █", "██ ██", "█   █"),
    "X": ("█   █", " █ █ ", "  █  ", " █ █ ", "█   █"),
    "Y": ("█   █", " █ █ ", "  █  ", "  █  ", "  █  "),
    "Z": ("█████", "   █ ", "  █  ", " █   ", "█████"),
    "-": ("     ", "     ", "█████", "     ", "     "),
    "→": ("     ", "   █ ", "█████", "   █ ", "     "),
    " ": ("  ", "  ", "  ", "  ", "  "),
}
_GAP = " "


def can_draw(text: str) -> bool:
    return bool(text) and all(ch in _FONT for ch in text.upper())


def big_lines(text: str) -> list[str]:
    """The rows of `text` in the block font; every character must be drawable."""
    glyphs = [_FONT[ch] for ch in text.upper()]
    return [_GAP.join(glyph[row] for glyph in glyphs) for row in range(_ROWS)]


class BigText:
    """`text` in block letters, centred; plain bold text when it cannot be."""

    def __init__(self, text: str, style: StyleType = "") -> None:
        self.text = text
        self.style = style

    def _width(self) -> int:
        return len(big_lines(self.text)[0]) if can_draw(self.text) else len(self.text)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        style = console.get_style(self.style) if self.style else Style()
        width = self._width()
        if can_draw(self.text) and width <= options.max_width:
            # Centred by hand: rich's centring strips trailing spaces line by
            # line, which would shift the rows of one glyph against each other.
            pad = " " * ((options.max_width - width) // 2)
            for line in big_lines(self.text):
                yield Text.assemble(pad, (line, style), justify="left", no_wrap=True)
        else:
            yield Text(self.text, style=style + Style(bold=True), justify="center")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(len(self.text), options.max_width), options.max_width)
