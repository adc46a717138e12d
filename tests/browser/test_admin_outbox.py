"""The console's 对外推送 section on a real server whose scheduler delivers to a
local fake platform: a record the platform refuses is shown given up (failed)
with the platform's answer, a record taken shows delivered, every attempt is
listed, and a supervisor reads it all."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_page import add_member, sign_in
from tests.live import LiveServer
from tests.server.conftest import ID_CARD
from tests.server.test_outbox import FakePlatform

pytestmark = pytest.mark.browser


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform(fail_first=99, fail_status=422)  # refuses, until told otherwise
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def server(tmp_path: Path, platform: FakePlatform) -> Iterator[LiveServer]:
    env = {"QUEUE_PROVINCE_URL": platform.url, "QUEUE_JOBS_INTERVAL_S": "0.5"}
    live = LiveServer(f"sqlite:///{tmp_path}/live.db", tmp_path, env=env).start()
    try:
        yield live
    finally:
        live.stop()


def served_and_rated(server: LiveServer, tokens: dict[str, str], score: int) -> None:
    ticket = server.api(
        "POST", "/api/halls/live/tickets", tokens["kiosk"], json={"service": ID_CARD}
    )
    for action in ("call-next", "start", "finish"):
        server.api("POST", f"/api/halls/live/windows/1/{action}", tokens["window-1"])
    server.api("POST", f"/api/tickets/{ticket['id']}/rating", json={"score": score})


def settled(server: LiveServer, token: str, wanted: dict[str, int]) -> dict[str, Any]:
    """The delivery log, once the scheduler has brought its counts to `wanted`."""
    deadline = time.monotonic() + 15
    while True:
        log: dict[str, Any] = server.api("GET", "/api/halls/live/outbox", token)
        if log["counts"] == wanted or time.monotonic() > deadline:
            return log
        time.sleep(0.2)


def test_the_director_sees_what_went_to_the_platform_and_what_failed(
    server: LiveServer, platform: FakePlatform, page: Page, tmp_path: Path
) -> None:
    tokens = server.setup_hall()
    server.api("POST", "/api/halls/live/windows/1/open", tokens["window-1"])
    served_and_rated(server, tokens, 4)
    log = settled(server, tokens["supervisor"], {"pending": 0, "delivered": 0, "given_up": 1})
    assert log["counts"]["given_up"] == 1, log
    platform.fail_first = 0  # the platform takes records again
    served_and_rated(server, tokens, 5)
    log = settled(server, tokens["supervisor"], {"pending": 0, "delivered": 1, "given_up": 1})
    assert log["counts"]["delivered"] == 1, log
    assert len(platform.accepted) == 1 and len(platform.requests) == 2

    add_member(server, "S001", "supervisor")
    page.goto(f"{server.url}/login?hall=live&next=/admin/live%23outbox")
    sign_in(page, "S001")
    page.wait_for_url(f"{server.url}/admin/live#outbox")
    counts = page.locator("#outbox-counts")
    expect(counts).to_contain_text("待发送 0")
    expect(counts).to_contain_text("已送达 1")
    expect(counts.locator(".alarm")).to_have_text("已放弃（失败） 1")
    rows = page.locator("#outbox-messages tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("已送达")
    expect(rows.nth(0)).to_contain_text("居民身份证换领 · 1 号窗口 · 非常满意")
    expect(rows.nth(1)).to_contain_text("已放弃")
    expect(rows.nth(1)).to_contain_text("HTTP 422")
    attempts = page.locator("#outbox-deliveries tbody tr")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(1)).to_contain_text("失败")
    expect(page.locator("#outbox-refresh")).to_be_enabled()  # a supervisor may refresh
    page.screenshot(path=tmp_path / "outbox.png", full_page=True)
