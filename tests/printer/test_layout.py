"""The paper ticket's layout: what a visitor reads, on 58 and 80 mm paper."""

from typing import Any

import pytest

from tests.printer.conftest import ticket_view
from ticket_printer.layout import (
    GREEN_MARK,
    QR,
    QR_CAPTION,
    Align,
    Cut,
    Paper,
    Text,
    TicketData,
    char_width,
    display_width,
    layout,
    plain_text,
    wrap,
)

SERVER = "http://hall.example:8000"


def ticket(**changes: Any) -> TicketData:
    return TicketData.from_json(ticket_view(**changes), SERVER)


def texts(blocks: list[Any]) -> list[Text]:
    return [b for b in blocks if isinstance(b, Text)]


def all_text(blocks: list[Any]) -> str:
    return "\n".join(t.text for t in texts(blocks))


@pytest.mark.parametrize("paper", [58, 80])
def test_the_number_is_in_the_largest_type(paper: int) -> None:
    blocks = layout(ticket(green_channel=True), paper)
    number = next(t for t in texts(blocks) if t.text == "A023")
    others = [t for t in texts(blocks) if t is not number]
    assert number.width >= 4 and number.height >= 4
    assert all(number.width * number.height > t.width * t.height for t in others)
    assert number.align is Align.CENTER and number.bold


@pytest.mark.parametrize("paper", [58, 80])
def test_the_ticket_reads_top_to_bottom(paper: int) -> None:
    text = plain_text(layout(ticket(), paper), paper)
    order = [
        "市公安局政务服务中心（演示大厅）",
        "A023",
        "居民身份证换领",
        "前面还有 3 人",
        "预计等候约 12 分钟",
        "取号时间 2026-11-26 09:31",
        f"[QR {SERVER}/t/vufEw-aA2IwK_mj2]",
        QR_CAPTION,
        "收件清单",
        "1. 本人居民户口簿",
        "2. 原居民身份证",
        "3. 符合标准的相片（可现场采集）",
        "请留意叫号，过号需重新取号",
        "温馨提示：请妥善保管此票",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions), text
    assert isinstance(layout(ticket(), paper)[-1], Cut)


def test_the_green_channel_mark_shows_only_on_green_tickets_and_never_why() -> None:
    green = all_text(layout(ticket(green_channel=True)))
    normal = all_text(layout(ticket(green_channel=False)))
    assert GREEN_MARK in green
    assert "绿色通道" not in normal
    for reason in ("老", "岁", "军", "残", "人才", "elderly", "minor", "military"):
        assert reason not in green.replace("未满16周岁", "")


@pytest.mark.parametrize(
    ("issued_at", "shown"),
    [
        ("2026-11-26T09:31:02+08:00", "2026-11-26 09:31"),  # Shanghai
        ("2026-11-26T23:59:59+08:00", "2026-11-26 23:59"),  # not tomorrow in UTC terms
        ("2026-11-26T07:31:02+06:00", "2026-11-26 07:31"),  # a hall in Urumqi time
    ],
)
def test_the_issue_time_is_the_halls_clock(
    issued_at: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # the kiosk's own zone does not matter
    assert f"取号时间 {shown}" in all_text(layout(ticket(issued_at=issued_at)))


def test_a_time_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        ticket(issued_at="2026-11-26T09:31:02")


@pytest.mark.parametrize(
    ("position", "wait_s", "lines"),
    [
        (0, 0, ["前面还有 0 人", "预计等候不到 1 分钟"]),
        (3, 725, ["前面还有 3 人", "预计等候约 12 分钟"]),
        (41, 5400, ["前面还有 41 人", "预计等候约 90 分钟"]),
    ],
)
def test_people_ahead_and_the_wait(position: int, wait_s: int, lines: list[str]) -> None:
    text = all_text(layout(ticket(position=position, estimated_wait_s=wait_s)))
    for line in lines:
        assert line in text


def test_a_reprint_of_a_called_ticket_sends_the_visitor_to_the_window() -> None:
    text = all_text(layout(ticket(status="called", window=5, position=0)))
    assert "请到 5 号窗口办理" in text
    assert "前面还有" not in text


def test_the_qr_code_opens_the_status_page() -> None:
    blocks = layout(ticket())
    qr = next(b for b in blocks if isinstance(b, QR))
    assert qr.data == f"{SERVER}/t/vufEw-aA2IwK_mj2"
    after = blocks[blocks.index(qr) + 1]
    assert isinstance(after, Text) and after.text == QR_CAPTION


def test_the_server_may_name_the_public_status_url() -> None:
    data = ticket(status_url="https://hall.gov.cn/t/vufEw-aA2IwK_mj2")
    assert data.status_url == "https://hall.gov.cn/t/vufEw-aA2IwK_mj2"


def test_a_service_without_materials_has_no_checklist() -> None:
    assert "收件清单" not in all_text(layout(ticket(materials=[])))


@pytest.mark.parametrize("paper", [Paper.MM58, Paper.MM80])
def test_no_line_of_any_catalogue_ticket_is_wider_than_the_paper(
    paper: Paper, catalogue: dict[str, Any]
) -> None:
    for service in catalogue["services"]:
        for green in (False, True):
            view = ticket_view(
                service=service["code"],
                service_name=service["name"],
                materials=service["materials"],
                green_channel=green,
                number="A1234",
            )
            blocks = layout(TicketData.from_json(view, SERVER), paper)
            for line in texts(blocks):
                assert line.columns <= paper.columns, (service["code"], line)
            body = all_text(blocks).replace("\n", "").replace(" ", "")
            for item in service["materials"]:
                assert item.replace(" ", "") in body  # wrapped, never cut short


@pytest.mark.parametrize("paper", [Paper.MM58, Paper.MM80])
def test_materials_are_numbered_and_continue_under_their_text(paper: Paper) -> None:
    long = "未满16周岁的由监护人陪同，提交监护人居民身份证及户口簿原件和复印件各一份"
    lines = [t.text for t in texts(layout(ticket(materials=["原居民身份证", long]), paper))]
    first = next(i for i, line in enumerate(lines) if line.startswith("2. "))
    assert lines[first + 1].startswith("   ") and not lines[first + 1].startswith("    ")
    assert "16周岁" in "".join(lines)  # the number is not split across lines


@pytest.mark.parametrize(
    ("text", "width", "indent", "lines"),
    [
        ("本人居民户口簿", 16, 0, ["本人居民户口簿"]),
        ("一二三四五六七八九", 16, 0, ["一二三四五六七", "八九"]),  # no orphan
        # a closing mark does not start a line: it takes the character before along
        ("一二三四五六七八，九十", 16, 0, ["一二三四五六七", "八，九十"]),
        # an opening mark does not end a line
        ("一二三四五六七（八九）", 16, 0, ["一二三四五六七", "（八九）"]),
        # digits stay together
        ("一二三四五六七16岁", 16, 0, ["一二三四五六七", "16岁"]),
        # continuation lines are indented; no character left alone at the end
        ("1. 一二三四五六七八九十", 16, 3, ["1. 一二三四五六", "   七八九十"]),
        ("1. 一二三四五六甲乙丙丁戊己庚", 16, 3, ["1. 一二三四五六", "   甲乙丙丁戊", "   己庚"]),
        (
            "1. 一二三四五六甲乙丙丁戊己庚辛",
            16,
            3,
            ["1. 一二三四五六", "   甲乙丙丁戊己", "   庚辛"],
        ),
        (
            "https://example.com/a-very-long-address",
            16,
            0,
            ["https://example.", "com/a-very-long-", "address"],
        ),
    ],
)
def test_wrapping(text: str, width: int, indent: int, lines: list[str]) -> None:
    assert wrap(text, width, indent) == lines
    assert all(display_width(line) <= width for line in lines)


def test_widths_follow_the_printers_double_byte_characters(catalogue: dict[str, Any]) -> None:
    """A character takes two columns exactly when GB18030 prints it double width."""
    chars = {"★", "·", "（", "）", "，", "A", "1", " ", "/"}
    for service in catalogue["services"]:
        chars |= set(service["name"]) | {c for m in service["materials"] for c in m}
    for char in chars:
        assert char_width(char) == min(2, len(char.encode("gb18030"))), char
