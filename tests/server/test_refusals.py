"""Refusals over HTTP: a stable `error` code, a Chinese message by default, its
English twin when the client asks for it (Accept-Language), on both databases."""

import re
from collections.abc import Callable

import httpx2
import pytest

from queue_server.app import prefers_english
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, Hall, bearer
from tests.server.test_tickets_api import ADULT_ID

CJK = re.compile(r"[\u4e00-\u9fff]")
WEEKDAYS = {d: [["09:00", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu")}

# Each case sends one request a person could get wrong; `send(hall, headers)`
# adds `headers` (the language) to whatever the request needs.
Send = Callable[[Hall, dict[str, str]], httpx2.Response]


def bad_json(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    headers = hall.kiosk | {"Content-Type": "application/json"} | lang
    return hall.c.post("/api/halls/h1/tickets", content=b'{"service": ', headers=headers)


def no_token(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    return hall.c.get("/api/halls/h1/board", headers=lang)


def unknown_token(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    return hall.c.get("/api/halls/h1/board", headers=bearer("yc_nobody") | lang)


def foreign_qr(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    return hall.c.get("/qr.svg", params={"data": "https://evil.example/t/abc"}, headers=lang)


def unknown_hall(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    return hall.c.get("/api/halls/nowhere/board", headers=hall.admin | lang)


def unknown_ticket(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    return hall.c.get("/api/tickets/no-such-ticket", headers=lang)


def unknown_service(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    return hall.c.post(
        "/api/halls/h1/tickets", json={"service": "NO-SUCH"}, headers=hall.kiosk | lang
    )


def closed_window_calls(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    return hall.act(1, "call-next", headers=hall.windows[1] | lang)


def bad_since_seq(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    return hall.c.get("/api/halls/h1/tickets?since_seq=x", headers=hall.kiosk | lang)


def bad_hours(hall: Hall, lang: dict[str, str]) -> httpx2.Response:
    body = {"weekly": {"mon": [["12:00", "09:00"]]}}
    return hall.c.put("/api/halls/h1/hours", json=body, headers=hall.admin | lang)


CASES: list[tuple[Send, int, str, str, str]] = [
    # send, status, error, words of the Chinese message, words of the English one
    (bad_json, 400, "bad_json", "", "not valid JSON"),
    (no_token, 401, "no_token", "令牌", "Authorization: Bearer"),
    (unknown_token, 401, "bad_token", "令牌无效", "unknown, expired or was revoked"),
    (foreign_qr, 403, "forbidden", "二维码", "QR codes only"),
    (unknown_hall, 404, "unknown_hall", "找不到大厅「nowhere」", "unknown hall 'nowhere'"),
    (unknown_ticket, 404, "unknown_ticket", "找不到这张号票", "unknown ticket"),
    (unknown_service, 404, "unknown_service", "没有编码为「NO-SUCH」的事项", "unknown service"),
    (
        closed_window_calls,
        409,
        "invalid_transition",
        "1 号窗口当前为「未开启」，不能叫号",
        "closed",
    ),
    (bad_since_seq, 422, "invalid_input", "since_seq 须为整数", "whole number"),
    (bad_hours, 422, "invalid_input", "周一：时段的结束时间应晚于开始时间", "must end after"),
]


@pytest.mark.parametrize(
    ("send", "status", "error", "zh", "en"), CASES, ids=[c[0].__name__ for c in CASES]
)
def test_a_refusal_speaks_chinese_unless_asked_for_english(
    hall: Hall, send: Send, status: int, error: str, zh: str, en: str
) -> None:
    for lang in ({}, {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}):
        reply = send(hall, lang)
        assert (reply.status_code, reply.json()["error"]) == (status, error), reply.text
        assert CJK.search(reply.json()["message"]), reply.json()
        assert zh in reply.json()["message"]
    english = send(hall, {"Accept-Language": "en-US,en;q=0.9"})
    assert (english.status_code, english.json()["error"]) == (status, error)
    assert en in english.json()["message"] and not CJK.search(english.json()["message"])


def test_the_hall_closed_refusal_speaks_both_and_keeps_its_details(
    hall: Hall, clock: Clock
) -> None:
    reply = hall.c.put("/api/halls/h1/hours", json={"weekly": WEEKDAYS}, headers=hall.admin)
    assert reply.status_code == 200
    clock.advance(3 * 3600)  # Wednesday 12:30: the midday break
    chinese = hall.issue(ID_CARD)
    english = hall.c.post(
        "/api/halls/h1/tickets",
        json={"service": ID_CARD},
        headers=hall.kiosk | {"Accept-Language": "en"},
    )
    for reply in (chinese, english):
        assert (reply.status_code, reply.json()["error"]) == (409, "hall_closed")
        assert reply.json()["details"]["opens_at"].startswith("2026-11-25T13:30:00+08:00")
    assert (
        chinese.json()["message"]
        == "大厅现在不办理业务，将于 2026-11-25 13:30 开始办理，请届时再来"
    )
    assert english.json()["message"] == "the hall is closed now; it opens again at 2026-11-25 13:30"


def test_a_second_ticket_for_the_same_person_names_the_first_in_chinese(hall: Hall) -> None:
    first = hall.ticket(ID_CARD, id_number=ADULT_ID)
    reply = hall.issue(ID_CARD, id_number=ADULT_ID)
    assert (reply.status_code, reply.json()["error"]) == (409, "duplicate_ticket")
    assert reply.json()["message"] == (
        f"您已领取「居民身份证换领」的号码 {first['number']}，请留意叫号，无需重复取号"
    )


@pytest.mark.parametrize(
    ("header", "english"),
    [
        ("en", True),
        ("en-US,en;q=0.9", True),
        ("EN-gb", True),
        ("zh-CN,en;q=0.8", False),
        ("en;q=0.5,zh;q=0.9", False),
        ("zh-CN,zh;q=0.9,en;q=0.9", False),  # a tie goes to the hall's language
        ("fr-FR,en;q=0.3", True),
        ("fr-FR", False),
        (None, False),
        ("", False),
        ("*", False),
        ("en;q=abc", False),
        (";;;,,,q=,en-;q=", False),
        ("\x00garbage\u2603", False),
    ],
)
def test_prefers_english_ranks_the_header(header: str | None, english: bool) -> None:
    assert prefers_english(header) is english


def test_a_malformed_date_is_refused_with_how_to_write_it(hall: Hall) -> None:
    for path in ("stats", "snapshots", "alerts", "tickets.csv", "staffing"):
        for written in ("25.11.2026", "20261125", "2026-W48-3"):
            reply = hall.c.get(f"/api/halls/h1/{path}?date={written}", headers=hall.supervisor)
            assert reply.status_code == 422, (path, written, reply.text)
            assert reply.json()["error"] == "date_format"
            assert "2026-11-25" in reply.json()["message"]


def test_a_date_written_right_but_not_askable_says_why(hall: Hall) -> None:
    """Written as asked, so the refusal must not send the reader back to the format."""
    for written, told in (
        ("2026-02-30", "没有 2026-02-30 这一天"),
        ("1999-12-31", "只能查 2000 至 2999 年的日子，1999-12-31 不在其中"),
    ):
        reply = hall.c.get(f"/api/halls/h1/stats?date={written}", headers=hall.supervisor)
        assert reply.status_code == 422 and reply.json()["error"] == "date_format"
        assert reply.json()["message"] == told


def test_a_nul_character_is_refused_not_a_database_error(hall: Hall) -> None:
    # PostgreSQL cannot compare or store text holding NUL: found by the fuzz as a 500.
    for reply in (
        hall.c.post("/api/tickets/%00/cancel"),
        hall.c.get("/api/tickets/a%00b"),
        hall.c.get("/api/halls/h1/slots?service=%00&date=2026-11-25"),
        hall.c.post("/api/halls", json={"id": "a\u0000b", "name": "x"}, headers=hall.admin),
    ):
        assert reply.status_code == 400, reply.text
        assert reply.json()["error"] == "bad_characters"
