"""The supervisor console's 好差评工单 in a real browser: an overdue case shows
red in the top bar, in the alerts and in the list, and the supervisor takes
it through 核实 → 整改 → 回访 → 办结 with the forms."""

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.live import LiveServer

HALL = "live"
SHOT = "/tmp/cases.png"


@pytest.fixture
def jobs_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """A live server whose scheduler runs the hall's jobs (alerts) every second."""
    monkeypatch.setenv("QUEUE_JOBS_INTERVAL_S", "1")
    server = LiveServer(f"sqlite:///{tmp_path}/cases.db", tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


def cases_path() -> str:
    return f"/api/halls/{HALL}/cases"


def a_bad_rating(server: LiveServer, tokens: dict[str, str]) -> None:
    """A001 served at window 1 and rated 不满意 from the phone."""
    ticket = server.api(
        "POST", f"/api/halls/{HALL}/tickets", token=tokens["kiosk"], json={"service": "HZ-SFZ-HL"}
    )
    for action in ("open", "call-next", "start", "finish"):
        server.api("POST", f"/api/halls/{HALL}/windows/1/{action}", token=tokens["window-1"])
    body = {"score": 2, "reasons": ["办事效率"], "comment": "等了很久"}
    rated = httpx2.post(f"{server.url}/api/tickets/{ticket['id']}/rating", json=body, timeout=10)
    assert rated.status_code == 201, rated.text


@pytest.mark.browser
def test_a_supervisor_sees_an_overdue_case_in_red_and_sees_it_through(
    jobs_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    server = jobs_server
    tokens = server.setup_hall()
    said = {"comment": "户口迁移材料齐全却被告知无法办理", "callback_phone": "13812345678"}
    late = server.api("POST", cases_path(), token=tokens["supervisor"], json=said)
    a_bad_rating(server, tokens)
    # The 「办不成事」 case was opened weeks ago: its deadline has passed.
    with sqlite3.connect(tmp_path / "cases.db") as db:
        past = (date.today() - timedelta(days=10)).isoformat()
        db.execute("UPDATE feedback_case SET due_date = ? WHERE id = ?", (past, late["id"]))

    page.goto(f"{server.url}/supervisor/{HALL}?token={tokens['supervisor']}")
    expect(page.locator("body")).to_have_attribute("data-state", "live")
    opener = page.locator("#cases-open")
    expect(opener).to_have_class("export cases-open has-overdue")
    expect(page.locator("#cases-count")).to_have_text("2")
    expect(page.locator("#cases-late")).to_contain_text("超期 1")
    overdue_alert = page.locator("#alerts .alert.kind-case_overdue")  # the scheduler: every 1 s
    expect(overdue_alert).to_contain_text(f"工单 {late['id']} 已超期")
    expect(overdue_alert).to_contain_text("办不成事")
    page.screenshot(path="/tmp/cases-console.png")

    opener.click()
    first = page.locator("#case-list .case-item").first
    expect(first).to_have_class("case-item overdue")  # the most pressing first
    expect(first).to_contain_text("超期")
    color = first.locator(".case-pick").evaluate("b => getComputedStyle(b).borderLeftColor")
    assert color == "rgb(239, 68, 68)"  # red
    second = page.locator("#case-list .case-item").nth(1)
    expect(second).to_contain_text("差评")
    expect(second).to_contain_text("A001")
    expect(second).to_contain_text("剩 15 个工作日")
    second.locator(".case-pick").click()
    expect(page.locator("#case-detail")).to_contain_text("来源手机")
    expect(page.locator("#case-detail")).to_contain_text("原因办事效率")

    first.locator(".case-pick").click()
    detail = page.locator("#case-detail")
    expect(detail).to_contain_text("户口迁移材料齐全却被告知无法办理")
    expect(detail).to_contain_text("138****5678")  # a token: masked
    expect(detail.locator(".case-title")).to_have_class("case-title overdue")
    page.screenshot(path=SHOT)

    detail.locator('#case-verify textarea[name="finding"]').fill("经核实，窗口人员对政策理解有误")
    expect(detail.locator("#case-verify")).to_contain_text("请改用「认定不实」")
    detail.locator("#case-submit").click()
    expect(detail.locator(".case-state")).to_have_text("已核实，待整改")
    detail.locator('#case-rectify textarea[name="measures"]').fill(
        "组织户籍政策培训，当面为办事人办理"
    )
    detail.locator("#case-submit").click()
    expect(detail.locator(".case-state")).to_have_text("已整改，待回访")
    detail.locator('#case-callback textarea[name="result"]').fill("办事人表示满意")
    detail.locator("#case-callback select[name=satisfaction]").select_option("5")
    detail.locator('#case-callback input[name="by"]').fill("李主管")
    detail.locator("#case-submit").click()
    expect(detail.locator(".case-state")).to_have_text("已回访，待办结")
    detail.locator("#case-submit").click()  # 办结, no note
    expect(detail.locator(".case-state")).to_have_text("已办结")
    expect(detail.locator(".case-step")).to_have_count(5)
    expect(detail).to_contain_text("回访人：李主管")
    expect(detail).to_contain_text("满意度：非常满意")
    expect(page.locator("#cases-note")).to_have_text(
        f"工单 {late['id']} 已提交办结，现为「已办结」"
    )
    expect(page.locator("#cases-count")).to_have_text("1")
    expect(opener).not_to_have_class("export cases-open has-overdue")

    record = server.api("GET", f"{cases_path()}/{late['id']}", token=tokens["supervisor"])
    assert [s["action"] for s in record["steps"]] == [
        "open",
        "verify",
        "rectify",
        "callback",
        "close",
    ]
    assert record["steps"][2]["measures"] == "组织户籍政策培训，当面为办事人办理"
    page.screenshot(path="/tmp/cases-closed.png")
