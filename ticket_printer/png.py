"""A ticket drawn as a PNG, the way a 203 dpi thermal printer prints it.

Characters sit on the printer's grid: 12 x 24 dots a half-width column at
normal size, magnified `size` times, so what fits the paper here fits it
there. Chinese needs a CJK font: WenQuanYi Micro Hei (Debian's
fonts-wqy-microhei) or Noto Sans CJK (fonts-noto-cjk), or the file named by
TICKET_PRINTER_FONT.
"""

import os
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .layout import QR, Align, Block, Cut, Feed, Paper, Rule, Text, char_width
from .qr import qr_matrix
from .status import OK, PrinterFault, PrinterState, Status

FONT_ENV = "TICKET_PRINTER_FONT"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
COLUMN_DOTS, LINE_DOTS, LEADING_DOTS = 12, 24, 8
MARGIN = 24  # the paper beyond the printable width, each side, and top and bottom
QR_BORDER = 2  # modules of quiet zone (the printer adds white paper around it too)


class NoCJKFont(RuntimeError):
    """No font that has Chinese glyphs was found."""


def find_font() -> Path:
    """The CJK font file to draw with; NoCJKFont says how to install one."""
    named = os.environ.get(FONT_ENV)
    if named:
        if not Path(named).is_file():
            raise NoCJKFont(f"{FONT_ENV}={named} is not a font file")
        return Path(named)
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise NoCJKFont(
        "no CJK font found to draw the ticket: install one "
        "(apt-get install fonts-wqy-microhei, or fonts-noto-cjk), "
        f"or set {FONT_ENV} to a .ttf/.ttc/.otf file that has Chinese glyphs"
    )


class Drawing:
    """Draws blocks onto a ticket image for one paper width."""

    def __init__(self, paper: Paper, font_path: Path | None = None) -> None:
        self.paper = paper
        self.font_path = font_path or find_font()
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._fonts:
            self._fonts[size] = ImageFont.truetype(str(self.font_path), LINE_DOTS * size)
        return self._fonts[size]

    def height(self, block: Block) -> int:
        match block:
            case Text(height=height):
                return (LINE_DOTS + LEADING_DOTS) * height
            case QR(data=data, module=module):
                return (len(qr_matrix(data, QR_BORDER)) * module) + LEADING_DOTS
            case Rule():
                return LINE_DOTS + LEADING_DOTS
            case Feed(lines=lines):
                return (LINE_DOTS + LEADING_DOTS) * lines
            case Cut():
                return LINE_DOTS
        raise TypeError(f"not a ticket block: {block!r}")

    def image(self, blocks: Sequence[Block]) -> Image.Image:
        width = self.paper.dots + 2 * MARGIN
        height = sum(self.height(b) for b in blocks) + 2 * MARGIN
        image = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(image)
        y = MARGIN
        for block in blocks:
            if isinstance(block, Text):
                line = self.line(block)
                free = self.paper.dots - line.width
                shift = {Align.LEFT: 0, Align.CENTER: free // 2, Align.RIGHT: free}[block.align]
                image.paste(line, (MARGIN + shift, y))
            else:
                self._draw(draw, block, y)
            y += self.height(block)
        return image

    def line(self, text: Text) -> Image.Image:
        """One line drawn at its height's scale, then stretched to its width's."""
        scale = text.height
        cell = COLUMN_DOTS * scale
        size = (sum(char_width(c) for c in text.text) * cell, LINE_DOTS * scale)
        ink, paper = (255, 0) if text.invert else (0, 255)
        image = Image.new("L", (max(1, size[0]), size[1]), paper)
        draw = ImageDraw.Draw(image)
        font = self.font(scale)
        # Emphasis as the printer does it: the dots struck again, shifted right.
        strikes = range(scale + 1) if text.bold else range(1)
        x = 0
        for char in text.text:
            w = char_width(char) * cell
            if not char.isspace():
                for dx in strikes:
                    draw.text((x + w / 2 + dx, size[1] / 2), char, font=font, fill=ink, anchor="mm")
            x += w
        if text.width != text.height:
            wide = max(1, size[0] * text.width // text.height)
            image = image.resize((wide, size[1]), Image.Resampling.LANCZOS)
        return image

    def _draw(self, draw: ImageDraw.ImageDraw, block: Block, y: int) -> None:
        left = MARGIN
        match block:
            case QR(data=data, module=module):
                matrix = qr_matrix(data, QR_BORDER)
                x0 = left + (self.paper.dots - len(matrix) * module) // 2
                for r, row in enumerate(matrix):
                    for c, dark in enumerate(row):
                        if dark:
                            x, top = x0 + c * module, y + r * module
                            draw.rectangle((x, top, x + module - 1, top + module - 1), fill=0)
            case Rule():
                mid = y + LINE_DOTS // 2
                for x in range(left, left + self.paper.dots, COLUMN_DOTS):
                    draw.line((x + 2, mid, x + COLUMN_DOTS - 3, mid), fill=0, width=2)
            case Cut():
                for x in range(0, self.paper.dots + 2 * MARGIN, 16):
                    draw.line((x, y + LINE_DOTS, x + 8, y + LINE_DOTS), fill=160, width=1)
            case Feed():
                pass


class PngPrinter:
    """Writes each ticket to a PNG file; `{job}` in the path is the ticket's name."""

    def __init__(self, path: str, paper: Paper) -> None:
        self.name = f"png://{path}"
        self.path = path
        self.paper = paper

    def target(self, job: str) -> Path:
        return Path(self.path.replace("{job}", job))

    def status(self) -> Status:
        try:
            find_font()
        except NoCJKFont as exc:
            return Status(PrinterState.ERROR, str(exc)[:200])
        folder = self.target("x").parent
        if not folder.is_dir():
            return Status(PrinterState.OFFLINE, f"no folder {folder}")
        return OK

    def print_ticket(self, blocks: Sequence[Block], job: str = "ticket") -> Status:
        try:
            image = Drawing(self.paper).image(blocks)
            target = self.target(job)
            image.save(target, format="PNG")
        except NoCJKFont as exc:
            raise PrinterFault(Status(PrinterState.ERROR, str(exc)[:200])) from exc
        except OSError as exc:
            raise PrinterFault(Status(PrinterState.OFFLINE, str(exc)[:200])) from exc
        return OK
