"""人员绩效 on the supervisor console, in Chromium: two clerks sign in at their
windows, serve and get rated; the supervisor opens the table. A past day
(recorded in the store) is read through the dialog's date picker."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.browser.past_day import Visit, hall_today, record
from tests.live import LiveServer

HALL = "live"
PASSWORD = "s3cret-Pass-Word"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


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


@pytest.mark.browser
def test_the_supervisor_reads_a_past_day_s_figures_and_a_refusal(
    live_server: LiveServer, page: Page
) -> None:
    tokens = live_server.setup_hall()
    body = {"staff_no": "C001", "name": "李娜", "role": "clerk", "password": PASSWORD}
    live_server.api("POST", f"/api/halls/{HALL}/staff", json=body)
    today = hall_today()
    past = today - timedelta(days=3)
    visits = [
        Visit("A001", "09:00", 1, "C001", score=5),
        Visit("A002", "09:10", 1, "C001", score=1),
        Visit("A003", "09:20", 2, "C001"),
    ]
    record(live_server.database_url, HALL, past, visits)

    page.goto(f"{live_server.url}/supervisor/{HALL}?token={tokens['supervisor']}")
    expect(page.locator("#kpi-issued")).to_have_text("0")  # today's figures are in
    page.locator("#staff-open").click()
    picked = page.locator("#staff-date")
    expect(picked).to_have_value(today.isoformat())  # today at first: nobody yet
    expect(page.locator("#staff-figures")).to_have_text("今天还没有工作人员签到或办件")

    picked.fill(past.isoformat())
    row = page.locator('#staff-perf tr[data-staff="C001"] td')
    expect(row.nth(2)).to_have_text("3")
    assert row.all_inner_texts()[:3] == ["C001", "李娜", "3"]
    assert row.all_inner_texts()[7:] == ["2", "50%", "1"]
    expect(page.locator("#staff-day")).to_have_text(f"{past.isoformat()} · 1 人")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "supervisor-staff-past-day.png"))

    picked.fill((past - timedelta(days=1)).isoformat())  # a day with no records
    figures = page.locator("#staff-figures")
    expect(figures).to_have_text(f"{(past - timedelta(days=1)).isoformat()} 没有工作人员签到或办件")
    picked.fill("1999-12-31")  # before the years the server reads: refused, in its words
    expect(figures).to_have_text("只能查 2000 至 2999 年的日子，1999-12-31 不在其中")
    expect(page.locator("#staff-day")).to_have_text("")
    page.screenshot(path=str(SHOTS / "supervisor-staff-refused.png"))

    page.keyboard.press("Escape")  # opened again: back on today
    page.locator("#staff-open").click()
    expect(picked).to_have_value(today.isoformat())
    expect(figures).to_have_text("今天还没有工作人员签到或办件")


READS_OUT_OF_ORDER = """
async () => {
  const pending = {};
  const call = (method, path) => new Promise((done) => { pending[`${method} ${path}`] = done; });
  const read = SupervisorCore.dayReader(call);
  const older = read("/s", "2026-12-01");
  const newer = read("/s", "2026-12-02");
  pending["GET /s?date=2026-12-02"]({ok: true, data: {date: "2026-12-02"}});
  pending["GET /s?date=2026-12-01"]({ok: true, data: {date: "2026-12-01"}});
  const answers = [await older, await newer];
  const today = read("/s", "");
  pending["GET /s"]({ok: true, data: {date: "2026-12-06"}});
  return [...answers, await today];
}
"""


@pytest.mark.browser
def test_a_late_answer_for_an_older_pick_is_dropped(live_server: LiveServer, page: Page) -> None:
    """Two days picked in a row whose answers cross: the dialog draws the newer."""
    tokens = live_server.setup_hall()
    page.goto(f"{live_server.url}/supervisor/{HALL}?token={tokens['supervisor']}")
    older, newer, today = page.evaluate(READS_OUT_OF_ORDER)
    assert older is None
    assert newer == {"ok": True, "data": {"date": "2026-12-02"}}
    assert today == {"ok": True, "data": {"date": "2026-12-06"}}  # no date: the server's today
