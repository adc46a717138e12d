"""What goes on a paper ticket, as a list of blocks; pure, no I/O.

`layout(ticket, paper)` turns a ticket (as the server describes it) into
`Text`, `QR`, `Rule`, `Feed` and `Cut` blocks that every output draws the same
way: ESC/POS bytes for a thermal printer, a PNG, a terminal preview. Each
`Text` is one printed line, already wrapped: its display width times its
`width` magnification never passes the paper's columns, so no printer wraps a line on its own.

Widths follow the printer's character grid in Chinese mode: a character the
GB codes print double width (East Asian Wide, Fullwidth and Ambiguous, such as
★ or ·) takes two columns, anything else one. 58 mm paper has 32 columns at
normal size (16 Chinese characters), 80 mm has 48 (24).

The green-channel mark is neutral: it says that a ticket is green-channel,
never why (age or military status are nobody's business at the machine).
"""

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

GREEN_MARK = "★ 绿色通道 ★"
QR_CAPTION = "扫码查看排队进度"
MATERIALS_TITLE = "收件清单"
FOOTER = ("请留意叫号，过号需重新取号", "温馨提示：请妥善保管此票")
ENDED = frozenset({"done", "cancelled", "no_show", "unserved", "transferred"})

# Characters a line may not start with (closing punctuation), nor end with
# (opening punctuation): the break moves one character to keep them attached.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕…—,.;:?!)]}%")
NO_LINE_END = frozenset("（《「『【〔([{")


class Paper(IntEnum):
    """Paper width in millimetres; `columns` half-width characters fit a line."""

    MM58 = 58
    MM80 = 80

    @property
    def columns(self) -> int:
        return 32 if self is Paper.MM58 else 48

    @property
    def dots(self) -> int:
        """Printable width in dots at 203 dpi (12 dots per half-width column)."""
        return self.columns * 12


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """One printed line; `width` and `height` magnify the characters (1-8 each);
    `invert` prints white on black."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    invert: bool = False
    align: Align = Align.LEFT

    @property
    def columns(self) -> int:
        """Normal-size columns the line takes on the paper."""
        return display_width(self.text) * self.width


@dataclass(frozen=True)
class QR:
    """A QR code of `data`; `module` is the dot size of one square."""

    data: str
    module: int = 6


@dataclass(frozen=True)
class Rule:
    """A dashed line across the paper."""


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """The end of the ticket: feed past the cutter and cut."""


Block = Text | QR | Rule | Feed | Cut


@dataclass(frozen=True)
class TicketData:
    """The ticket as the server's `GET /api/tickets/{id}` describes it."""

    id: str
    hall: str
    hall_name: str
    number: str
    service: str
    service_name: str
    materials: tuple[str, ...]
    green_channel: bool
    status: str
    position: int
    estimated_wait_s: int
    window: int | None
    issued_at: datetime
    status_url: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any], server: str) -> "TicketData":
        """Read the server's ticket view; the status page is `{server}/t/{id}`
        unless the view names its own `status_url` (the server's public URL).

        Raises KeyError, TypeError or ValueError on a view that lacks a field.
        """
        issued_at = datetime.fromisoformat(str(data["issued_at"]))
        if issued_at.tzinfo is None:
            raise ValueError(f"issued_at has no UTC offset: {data['issued_at']!r}")
        url = data.get("status_url") or f"{server.rstrip('/')}/t/{data['id']}"
        window = data.get("window")
        return cls(
            id=str(data["id"]),
            hall=str(data["hall"]),
            hall_name=str(data["hall_name"]),
            number=str(data["number"]),
            service=str(data["service"]),
            service_name=str(data["service_name"]),
            materials=tuple(str(m) for m in data.get("materials") or ()),
            green_channel=bool(data["green_channel"]),
            status=str(data["status"]),
            position=int(data.get("position") or 0),
            estimated_wait_s=int(data.get("estimated_wait_s") or 0),
            window=int(window) if window is not None else None,
            issued_at=issued_at,
            status_url=str(url),
        )

    @property
    def ended(self) -> bool:
        """Whether the ticket's visit is over, so paper for it helps nobody."""
        return self.status in ENDED


# ---------------------------------------------------------------- widths and wrapping


def char_width(char: str) -> int:
    """Columns one character takes on a Chinese thermal printer (0 for combining)."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def _tokens(text: str) -> list[str]:
    """Runs of ASCII letters and digits stay whole ("16周岁" breaks as 16|周|岁)."""
    tokens: list[str] = []
    for char in text:
        if _wordy(char) and tokens and _wordy(tokens[-1][-1]):
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


def wrap(text: str, width: int, indent: int = 0) -> list[str]:
    """Break `text` into lines of at most `width` columns; lines after the first
    start with `indent` spaces. A word wider than a line is cut; a closing mark
    does not start a line, nor an opening one end it, where the line can spare
    the character that keeps them attached.
    """
    room = width - indent
    if room < 2 or indent < 0:
        raise ValueError(f"cannot wrap to {width} columns with an indent of {indent}")
    lines: list[list[str]] = []
    line: list[str] = []
    for token in _tokens(text.strip()):
        for piece in [token] if display_width(token) <= room else list(token):
            limit = width if not lines else room
            if _width(line) + display_width(piece) <= limit:
                if piece != " " or line:
                    line.append(piece)
                continue
            carry: list[str] = []
            if piece[0] in NO_LINE_START and len(line) > 1:
                carry.append(line.pop())
            while len(line) > 1 and line[-1] in NO_LINE_END:
                carry.insert(0, line.pop())
            if _width(carry) + display_width(piece) > room:  # no room to carry: break anyway
                line += carry
                carry = []
            lines.append(line)
            line = carry + ([piece] if piece != " " else [])
    lines.append(line)
    if len(lines) > 1 and len(line) == 1 and len(line[0]) == 1 and len(lines[-2]) > 2:
        # One character alone on the last line reads badly: give it a companion.
        mate = lines[-2][-1]
        if (
            mate not in NO_LINE_START | {" "}
            and line[0] not in NO_LINE_START
            and _width(line) + display_width(mate) <= room
        ):
            line.insert(0, lines[-2].pop())
    text_lines = ["".join(t).rstrip() for t in lines]
    return text_lines[:1] + [" " * indent + t for t in text_lines[1:] if t]


def _wordy(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _width(tokens: list[str]) -> int:
    return sum(display_width(t) for t in tokens)


# ---------------------------------------------------------------- the ticket


def _fit(text: str, columns: int, size: int, **style: Any) -> list[Text]:
    """`text` magnified `size` times if it fits one line, else wrapped at normal
    width (keeping the height, so a long name stays as tall as a short one)."""
    if display_width(text) * size <= columns:
        return [Text(text, width=size, height=size, **style)]
    return [Text(line, width=1, height=size, **style) for line in wrap(text, columns)]


def number_size(number: str, paper: Paper) -> int:
    """The largest magnification the number fits at, up to 5 on 58 mm and 6 on 80 mm."""
    most = 5 if paper is Paper.MM58 else 6
    return max(1, min(most, paper.columns // max(1, display_width(number))))


def wait_line(seconds: int) -> str:
    if seconds < 60:
        return "预计等候不到 1 分钟"
    return f"预计等候约 {round(seconds / 60)} 分钟"


def layout(ticket: TicketData, paper: Paper | int = Paper.MM58) -> list[Block]:
    """The ticket's blocks, top to bottom, for `paper` (58 or 80 mm)."""
    paper = Paper(paper)
    cols = paper.columns
    blocks: list[Block] = []
    center = Align.CENTER
    blocks += _fit(ticket.hall_name, cols, 1, bold=True, align=center)
    blocks.append(Rule())
    big = number_size(ticket.number, paper)
    blocks.append(Text(ticket.number, width=big, height=big, bold=True, align=center))
    blocks += _fit(ticket.service_name, cols, 2, bold=True, align=center)
    if ticket.green_channel:
        blocks.append(Text(f" {GREEN_MARK} ", height=2, bold=True, invert=True, align=center))
    blocks.append(Feed())
    if ticket.status == "waiting":
        blocks.append(Text(f"前面还有 {ticket.position} 人", height=2, bold=True))
        blocks.append(Text(wait_line(ticket.estimated_wait_s)))
    elif ticket.window is not None:
        blocks += _fit(f"请到 {ticket.window} 号窗口办理", cols, 1, bold=True)
    blocks.append(Text(f"取号时间 {ticket.issued_at:%Y-%m-%d %H:%M}"))
    blocks.append(Rule())
    blocks.append(QR(ticket.status_url, module=6 if paper is Paper.MM58 else 8))
    blocks.append(Text(QR_CAPTION, align=center))
    if ticket.materials:
        blocks.append(Rule())
        blocks.append(Text(MATERIALS_TITLE, bold=True))
        for i, item in enumerate(ticket.materials, 1):
            label = f"{i}. "
            lines = wrap(label + item, cols, indent=display_width(label))
            blocks += [Text(line) for line in lines]
    blocks.append(Rule())
    blocks += [t for line in FOOTER for t in _fit(line, cols, 1, align=center)]
    blocks.append(Cut())
    return blocks


def plain_text(blocks: Sequence[Block], paper: Paper | int = Paper.MM58) -> str:
    """The blocks as text lines (QR as a marker), for logs and quick checks."""
    cols = Paper(paper).columns
    out: list[str] = []
    for block in blocks:
        match block:
            case Text(text=text, align=align) as line:
                pad = cols - line.columns
                left = pad // 2 if align is Align.CENTER else pad if align is Align.RIGHT else 0
                out.append(" " * left + text)
            case QR(data=data):
                out.append(f"[QR {data}]")
            case Rule():
                out.append("-" * cols)
            case Feed(lines=n):
                out.extend([""] * n)
            case Cut():
                out.append("✂")
    return "\n".join(out)
