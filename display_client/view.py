"""The hall board drawn with rich: a pure function of the board and the time.

`render()` is the lobby screen (综合屏): the hall and its clock, the ticket
being called in large type, the last calls, every window and the waiting
counts. `render_window()` is the small screen above one window (窗口屏).
Both dim the board under a red banner while the feed is down, so a stale
board is never taken for a live one. The time is an argument: the clock
and the fading of a new call's highlight are tested without waiting.
"""

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.styled import Styled
from rich.table import Table
from rich.text import Text

from queue_server.protocol import CALL_REASON_BOARD, WindowState

from .bigtext import BigText
from .state import Board, Call, WindowInfo, same_call

FLASH_S = 8.0  # how long a new call stays highlighted
BANNER = "连接中断，正在重连… / disconnected, reconnecting"
GREEN_MARK = "绿色通道"  # neutral: never says why a ticket is green-channel
WEEKDAYS = "一二三四五六日"
STATE_STYLE: dict[str, str] = {
    WindowState.CLOSED: "dim",
    WindowState.OPEN: "cyan",
    WindowState.CALLING: "bold yellow",
    WindowState.SERVING: "green",
    WindowState.PAUSED: "magenta",
}
FLASH_STYLE = "bold black on bright_yellow"


@lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def clock_text(board: Board, now: datetime) -> str:
    """The hall's local date, weekday and time, e.g. 2026-11-25 星期三 09:31:05."""
    local = now.astimezone(_zone(board.timezone))
    return f"{local:%Y-%m-%d} 星期{WEEKDAYS[local.weekday()]} {local:%H:%M:%S}"


def _hhmm(board: Board, moment: datetime | None) -> str:
    return moment.astimezone(_zone(board.timezone)).strftime("%H:%M") if moment else ""


def is_flashing(board: Board, call: Call, now: datetime) -> bool:
    """Whether `call` arrived less than FLASH_S ago (by the client's clock)."""
    flash = board.flash
    if flash is None or flash.at is None or not same_call(flash.call, call):
        return False
    return 0 <= (now - flash.at).total_seconds() < FLASH_S


def screen_line(call: Call) -> str:
    """The short form, as the server's `announcement.screen`: A023 → 5号窗口."""
    return f"{call.number} → {call.window}号窗口"


def spoken_line(call: Call) -> str:
    """The sentence the loudspeaker says, for those who cannot hear it."""
    return f"请 {call.number} 号到 {call.window}号窗口办理"


def _short(call: Call) -> str:
    return screen_line(call) + (f"（{GREEN_MARK}）" if call.green_channel else "")


def _number(call: Call) -> Text:
    text = Text(call.number, style="bold")
    if call.green_channel:
        text.append(f" {GREEN_MARK}", style="bold green")
    return text


# ---------------------------------------------------------------- the lobby board


def render(
    board: Board, now: datetime, *, notice: str | None = None, compact: bool = False
) -> RenderableType:
    """The whole hall board. `notice` is a line from the client (e.g. why the
    feed is down, or that voice is unavailable), shown in the footer.
    `compact` draws the called number in ordinary type, for short terminals."""
    if board.seq is None:
        return _waiting_for_first(board, now, notice)
    body = Group(
        _header(board, board.hall_name, now),
        _now_calling(board, now, compact),
        _waiting(board),
        _lists(board),
        _footer(board, notice),
    )
    return body if board.connected else _stale(body)


def _waiting_for_first(board: Board, now: datetime, notice: str | None) -> RenderableType:
    parts: list[RenderableType] = [
        _header(board, "一窗 叫号显示", now),
        Panel(Text("正在连接服务器… / connecting", justify="center", style="bold yellow")),
    ]
    if notice:
        parts.append(Text(notice, style="dim"))
    return Group(*parts)


def _stale(body: RenderableType) -> RenderableType:
    banner = Panel(Text(BANNER, justify="center", style="bold white on red"), style="bold red")
    return Group(banner, Styled(body, "dim"))


def _header(board: Board, title: str, now: datetime) -> RenderableType:
    grid = Table.grid(expand=True)
    grid.add_column(justify="left", ratio=1)
    grid.add_column(justify="right", no_wrap=True)  # the clock never wraps
    grid.add_row(Text(title, style="bold"), Text(clock_text(board, now), style="bold cyan"))
    return Panel(grid, box=box.HEAVY, style="blue")


def _now_calling(board: Board, now: datetime, compact: bool) -> RenderableType:
    if not board.now_calling:
        return Panel(
            Text("请留意叫号 / please wait for your number", justify="center", style="dim"),
            title="正在叫号 NOW CALLING",
            height=5,
        )
    call = board.now_calling[0]
    flashing = is_flashing(board, call, now)
    lines: list[RenderableType] = [
        Text(spoken_line(call), justify="center", style="bold"),
    ]
    if not compact:
        lines[:0] = [BigText(f"{call.number} → {call.window}"), Text("")]
    details = Text(justify="center")
    if call.green_channel:
        details.append(f"【{GREEN_MARK}】", style="bold green")
    details.append(call.service_name)
    if reason := CALL_REASON_BOARD.get(call.reason or ""):
        details.append(f"  {reason}", style="dim")
    lines.append(details)
    if others := board.now_calling[1:]:
        lines.append(Text("同时叫号：" + "   ".join(map(_short, others)), justify="center"))
    return Panel(
        Group(*lines),
        title="新叫号 NEW CALL" if flashing else "正在叫号 NOW CALLING",
        style=FLASH_STYLE if flashing else "yellow",
        box=box.DOUBLE,
    )


def _waiting(board: Board) -> RenderableType:
    waiting = board.waiting
    text = Text.assemble(("等候 ", "bold"), (f"{waiting.total}", "bold cyan"), (" 人", "bold"))
    if waiting.green_channel:
        text.append(f"（{GREEN_MARK} {waiting.green_channel} 人）", style="green")
    for category in waiting.by_category:
        text.append("   ")
        text.append(f"{category.name} {category.count}", style="" if category.count else "dim")
    return Panel(text, title="等候人数 WAITING", style="cyan")


def _lists(board: Board) -> RenderableType:
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(ratio=1)
    grid.add_column(ratio=1)
    grid.add_row(_last_calls(board), _windows(board.windows))
    return grid


def _last_calls(board: Board) -> RenderableType:
    table = Table(title="最近叫号 LAST CALLS", expand=True, box=box.SIMPLE_HEAD)
    # On a narrow screen the service name gives way; the number, its green mark,
    # the window and the time do not.
    table.add_column("号码", no_wrap=True, min_width=13)
    table.add_column("窗口", justify="right", no_wrap=True, min_width=4)
    table.add_column("业务", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("时间", justify="right", no_wrap=True, min_width=5)
    for call in board.last_calls:
        table.add_row(
            _number(call), f"{call.window}号", call.service_name, _hhmm(board, call.called_at)
        )
    if not board.last_calls:
        table.add_row(Text("今日尚无叫号", style="dim"), "", "", "")
    return table


def _windows(windows: tuple[WindowInfo, ...]) -> RenderableType:
    table = Table(title="窗口状态 WINDOWS", expand=True, box=box.SIMPLE_HEAD)
    table.add_column("窗口", justify="right", no_wrap=True)
    table.add_column("名称", overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column("状态", no_wrap=True, min_width=4)
    table.add_column("号码", no_wrap=True, min_width=4)
    for window in windows:
        style = STATE_STYLE.get(window.state, "")
        table.add_row(
            f"{window.number}",
            window.label,
            Text(window.state_zh, style=style),
            Text(window.ticket or "", style=style),
        )
    return table


def _footer(board: Board, notice: str | None) -> RenderableType:
    text = Text(f"seq {board.seq}", style="dim")
    if board.awaiting_snapshot:
        text.append("  同步中… / resyncing", style="yellow")
    if notice:
        text.append(f"  {notice}", style="dim")
    return text


# ---------------------------------------------------------------- one window


def render_window(
    board: Board, number: int, now: datetime, *, notice: str | None = None
) -> RenderableType:
    """The screen above window `number`: whom it calls or serves, large."""
    if board.seq is None:
        return _waiting_for_first(board, now, notice)
    window = board.window(number)
    title = window.label if window else f"{number}号窗口"
    parts: list[RenderableType] = [_header(board, title, now)]
    if window is None:
        parts.append(Panel(Text(f"本厅没有 {number} 号窗口 / no such window", justify="center")))
    else:
        parts.append(_window_panel(board, window, now))
    if notice:
        parts.append(Text(notice, style="dim"))
    body = Group(*parts)
    return body if board.connected else _stale(body)


def _window_panel(board: Board, window: WindowInfo, now: datetime) -> RenderableType:
    style = STATE_STYLE.get(window.state, "")
    if window.ticket is None:
        return Panel(
            Text(window.state_zh, justify="center", style=f"bold {style}"),
            style=style,
            box=box.DOUBLE,
        )
    call = next(
        (c for c in board.last_calls if (c.number, c.window) == (window.ticket, window.number)),
        None,
    )
    flashing = call is not None and is_flashing(board, call, now)
    line = (
        f"请 {window.ticket} 号到本窗口办理"
        if window.state == WindowState.CALLING
        else f"正在办理 {window.ticket} 号"
    )
    caption = Text(line, justify="center", style="bold")
    if call is not None and call.green_channel:
        caption.append(f"  {GREEN_MARK}", style="bold green")
    return Panel(
        Group(BigText(window.ticket), Text(""), caption),
        title=window.state_zh,
        style=FLASH_STYLE if flashing else style,
        box=box.DOUBLE,
    )
