"""The hall board as drawn: rendered into a recording console and read back."""

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console, RenderableType

from display_client.bigtext import BigText, big_lines
from display_client.state import Board, apply, disconnected, from_snapshot
from display_client.view import BANNER, FLASH_S, render, render_window
from tests.display.feed import call, called, snapshot, waiting, window

NOW = datetime(2026, 11, 25, 1, 31, 5, tzinfo=UTC)  # 09:31:05 in Shanghai, a Wednesday


def draw(renderable: RenderableType, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, record=True)
    console.print(renderable)
    return console.export_text()


def dimmed_lines_with(text: str, renderable: RenderableType) -> list[bool]:
    """For each drawn piece holding `text`: whether it is dimmed."""
    console = Console(file=io.StringIO(), width=120)
    return [bool(s.style and s.style.dim) for s in console.render(renderable) if text in s.text]


def hall(**kw: object) -> Board:
    """A busy morning: A023 called to window 5 just now, B007 (green) earlier."""
    message = snapshot(
        57,
        now_calling=[call("A023", 5, called_at="09:31:00"), call("B007", 10, green=True)],
        last_calls=[
            call("A023", 5, called_at="09:31:00"),
            call("B007", 10, green=True, called_at="09:29:00"),
            call("A021", 1, called_at="09:20:00"),
        ],
        windows=[
            window(1, "serving", "A021"),
            window(2, "paused"),
            window(3, "closed"),
            window(5, "calling", "A023"),
            window(10, "calling", "B007", label="10号绿色通道窗口"),
        ],
        queue=waiting(12, green=2, hukou=7),
    )
    return from_snapshot(message, NOW)


def test_the_header_shows_the_hall_and_its_local_time() -> None:
    text = draw(render(hall(), NOW))
    assert "市公安局政务服务中心（演示大厅）" in text
    assert "2026-11-25 星期三 09:31:05" in text


def test_the_called_number_is_large_with_its_window() -> None:
    text = draw(render(hall(), NOW))
    assert big_lines("A023 → 5")[0] in text
    assert "请 A023 号到 5号窗口办理" in text
    assert "同时叫号：B007 → 10号窗口（绿色通道）" in text


def test_green_channel_is_marked_without_the_reason() -> None:
    board = hall()
    green_first = apply(board, called(58, "B008", 10, green=True), NOW)
    assert isinstance(green_first, Board)
    text = draw(render(green_first, NOW))
    assert "【绿色通道】" in text
    assert "B007 绿色通道" in text  # in the last calls
    for reason in ("老年", "军人", "elderly", "military", "残疾"):
        assert reason not in text


def test_no_green_mark_when_nothing_is_green() -> None:
    message = snapshot(3, now_calling=[call("A001", 1)], last_calls=[call("A001", 1)])
    assert "绿色通道" not in draw(render(from_snapshot(message, NOW), NOW))


def test_last_calls_windows_and_waiting_counts() -> None:
    text = draw(render(hall(), NOW))
    assert "最近叫号" in text and "窗口状态" in text
    lines = text.splitlines()
    assert any("A021" in line and "1号" in line and "09:20" in line for line in lines)
    for label, state in [
        ("1号综合窗口", "办理中"),
        ("2号综合窗口", "暂停服务"),
        ("3号综合窗口", "未开启"),
        ("5号综合窗口", "叫号中"),
        ("10号绿色通道窗口", "叫号中"),
    ]:
        assert any(label in line and state in line for line in lines), (label, state)
    assert any("1号综合窗口" in line and "A021" in line for line in lines)
    assert "等候 12 人" in text
    assert "绿色通道 2 人" in text
    assert "户政 7" in text and "出入境 0" in text


def test_a_new_call_is_highlighted_for_a_few_seconds() -> None:
    board = apply(hall(), called(58, "A024", 2), NOW)
    assert isinstance(board, Board)
    assert "新叫号" in draw(render(board, NOW + timedelta(seconds=1)))
    later = draw(render(board, NOW + timedelta(seconds=FLASH_S + 1)))
    assert "新叫号" not in later and "正在叫号" in later
    assert "请 A024 号到 2号窗口办理" in later


def test_an_idle_hall_asks_to_wait() -> None:
    text = draw(render(from_snapshot(snapshot(0), NOW), NOW))
    assert "请留意叫号" in text
    assert "今日尚无叫号" in text


def test_disconnected_shows_a_red_banner_and_dims_the_board() -> None:
    stale = disconnected(hall())
    text = draw(render(stale, NOW, notice="connection refused; retrying in 2.0 s"))
    assert BANNER in text
    assert "connection refused; retrying in 2.0 s" in text
    assert "A023" in text  # still there for reference, but dimmed
    assert dimmed_lines_with("市公安局", render(stale, NOW)) == [True]
    assert dimmed_lines_with("市公安局", render(hall(), NOW)) == [False]
    assert BANNER not in draw(render(hall(), NOW))


def test_before_the_first_snapshot_it_says_it_is_connecting() -> None:
    text = draw(render(Board(), NOW, notice="espeak-ng not found"))
    assert "正在连接" in text and "espeak-ng not found" in text


def test_compact_keeps_the_call_but_not_the_large_type() -> None:
    text = draw(render(hall(), NOW, compact=True))
    assert "请 A023 号到 5号窗口办理" in text
    assert big_lines("A023 → 5")[0] not in text


def test_a_narrow_terminal_keeps_numbers_marks_and_times() -> None:
    text = draw(render(hall(), NOW, compact=True), width=80)
    assert "B007 绿色通道" in text
    assert "09:29" in text


def test_the_window_screen_shows_its_ticket_large() -> None:
    text = draw(render_window(hall(), 5, NOW), width=80)
    assert "5号综合窗口" in text
    assert big_lines("A023")[0] in text
    assert "请 A023 号到本窗口办理" in text
    serving = draw(render_window(hall(), 1, NOW), width=80)
    assert "正在办理 A021 号" in serving
    green = draw(render_window(hall(), 10, NOW), width=80)
    assert "绿色通道" in green


def test_the_window_screen_when_idle_unknown_or_stale() -> None:
    assert "暂停服务" in draw(render_window(hall(), 2, NOW), width=80)
    assert "本厅没有 7 号窗口" in draw(render_window(hall(), 7, NOW), width=80)
    assert BANNER in draw(render_window(disconnected(hall()), 5, NOW), width=80)


def test_big_text_falls_back_to_plain_text() -> None:
    assert draw(BigText("空闲"), width=40).strip() == "空闲"
    assert draw(BigText("A023"), width=10).strip() == "A023"  # too narrow for block letters
    assert big_lines("A023")[2] in draw(BigText("a023"), width=40)


def test_a_resync_right_after_a_call_keeps_it_highlighted() -> None:
    board = apply(hall(), called(58, "A024", 2), NOW)
    assert isinstance(board, Board)
    resynced = from_snapshot(
        snapshot(58, now_calling=[call("A024", 2)], last_calls=[call("A024", 2)]), NOW, board
    )
    assert "新叫号" in draw(render(resynced, NOW + timedelta(seconds=2)))


def test_the_latest_call_says_why_in_neutral_words() -> None:
    message = called(58, "A031", 5, green=True)
    message["data"]["ticket"]["call_reason"] = "green"
    board = apply(hall(), message, NOW)
    assert isinstance(board, Board)
    assert "绿色通道优先办理" in draw(render(board, NOW))
    in_turn = called(59, "A032", 6)
    in_turn["data"]["ticket"]["call_reason"] = "longest_wait"
    board = apply(board, in_turn, NOW)
    assert isinstance(board, Board)
    assert "依次叫号" in draw(render(board, NOW))
