"""人员绩效 on the supervisor console, in Chromium: two clerks sign in at their
windows, serve and get rated; the supervisor opens the table."""

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.live import LiveServer

HALL = "live"
PASSWORD = "s3cret-Pass-Word"


@pytest.fixture
def sessions() -> Iterator[list[httpx2.Client]]:
    """The clerks' browsers, as HTTP clients keeping their cookies; closed after."""
    made: list[httpx2.Client] = []
    yield made
    for c in made:
        c.close()


def clerk(
    server: LiveServer, sessions: list[httpx2.Client], staff_no: str, name: str, window: int
) -> httpx2.Client:
    """A member added by the admin, logged in and signed in at `window`."""
    body = {"staff_no": staff_no, "name": name, "role": "clerk", "password": PASSWORD}
    server.api("POST", f"/api/halls/{HALL}/staff", json=body)
    c = httpx2.Client(base_url=server.url, timeout=10)
    sessions.append(c)
    login = {"hall": HALL, "staff_no": staff_no, "password": PASSWORD}
    assert c.post("/api/login", json=login).status_code == 200
    assert c.post(f"/api/halls/{HALL}/windows/{window}/sign-in").status_code == 200
    assert c.post(f"/api/halls/{HALL}/windows/{window}/open").status_code == 200
    return c


def serve(server: LiveServer, tokens: dict[str, str], c: httpx2.Client, window: int) -> Any:
    server.api(
        "POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json={"service": "HZ-SFZ-HL"}
    )
    for action in ("call-next", "start", "finish"):
        answer = c.post(f"/api/halls/{HALL}/windows/{window}/{action}")
        assert answer.status_code == 200, answer.text
    return answer.json()["ticket"]


@pytest.mark.browser
def test_the_supervisor_reads_each_clerk_s_figures(
    live_server: LiveServer, page: Page, sessions: list[httpx2.Client]
) -> None:
    tokens = live_server.setup_hall()
    li, zhang = (
        clerk(live_server, sessions, "C001", "李娜", 1),
        clerk(live_server, sessions, "C002", "张伟", 2),
    )
    grades = {1: [(5, []), (3, []), (1, ["服务态度"])], 2: [(4, [])]}
    for window, c in ((1, li), (2, zhang)):
        for score, reasons in grades[window]:
            ticket = serve(live_server, tokens, c, window)
            body = {"score": score, "reasons": reasons}
            live_server.api("POST", f"/api/tickets/{ticket['id']}/rating", json=body)
    live_server.api(
        "POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json={"service": "HZ-SFZ-HL"}
    )
    assert zhang.post(f"/api/halls/{HALL}/windows/2/call-next").status_code == 200
    assert zhang.post(f"/api/halls/{HALL}/windows/2/no-show").status_code == 200

    page.goto(f"{live_server.url}/supervisor/{HALL}?token={tokens['supervisor']}")
    page.locator("#staff-open").click()
    table = page.locator("#staff-perf .staff-table")
    expect(table).to_be_visible()
    heads = table.locator("th").all_inner_texts()
    assert heads == [
        "工号",
        "姓名",
        "办件数",
        "平均办理",
        "P90 办理",
        "空闲占比",
        "过号",
        "评价数",
        "好评率",
        "差评",
    ]
    first = table.locator('tr[data-staff="C001"] td').all_inner_texts()
    assert first[:3] == ["C001", "李娜", "3"]
    assert first[6:] == ["0", "3", "67%", "1"]
    second = table.locator('tr[data-staff="C002"] td').all_inner_texts()
    assert second[:3] == ["C002", "张伟", "1"]
    assert second[6:] == ["1", "1", "100%", "0"]
    assert first[5].endswith("%")  # signed in and still there: an idle share
    page.screenshot(path="/tmp/staff.png")
