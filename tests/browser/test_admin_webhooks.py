"""The console's 推送订阅 section on a real server whose scheduler delivers: the
director subscribes a local receiver, copies the secret shown once, and the
receiver gets the hall's calls signed with it; then the subscription goes."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from queue_server import webhooks
from tests.browser.test_login_page import add_member, sign_in
from tests.live import LiveServer
from tests.server.conftest import ID_CARD
from tests.server.test_outbox import FakePlatform

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver() -> Iterator[FakePlatform]:
    fake = FakePlatform(fail_first=0, key_header="X-Yichuang-Delivery")
    try:
        yield fake
    finally:
        fake.stop()


def test_the_director_subscribes_a_receiver_and_removes_it(
    tmp_path: Path, receiver: FakePlatform, page: Page
) -> None:
    env = {"QUEUE_JOBS_INTERVAL_S": "0.3", "QUEUE_WEBHOOK_PRIVATE": "1"}  # a local receiver
    server = LiveServer(f"sqlite:///{tmp_path}/live.db", tmp_path, env=env).start()
    try:
        tokens = server.setup_hall()
        add_member(server, "A001", "admin")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(f"{server.url}/login?hall=live&next=/admin/live%23webhooks")
        sign_in(page, "A001")
        page.wait_for_url(f"{server.url}/admin/live#webhooks")
        expect(page.locator("#webhooks-table")).to_contain_text("尚无推送订阅")

        page.locator("#wh-url").fill(receiver.url)
        page.locator("#wh-description").fill("市局数据中台")
        page.locator(".wh-event[title='ticket.called']").locator("input").check()
        page.locator("#wh-add").click()
        secret = page.locator("#wh-secret-value").inner_text()
        assert secret.startswith("whsec_")
        page.screenshot(path="/tmp/webhooks-secret.png", full_page=True)
        page.get_by_role("button", name="已复制，完成").click()
        row = page.locator("#webhooks-table tbody tr")
        expect(row).to_contain_text("市局数据中台")
        expect(row).to_contain_text("叫号")
        assert secret not in page.content()  # shown once, then gone

        server.api("POST", "/api/halls/live/tickets", tokens["kiosk"], json={"service": ID_CARD})
        server.api("POST", "/api/halls/live/windows/1/open", tokens["window-1"])
        server.api("POST", "/api/halls/live/windows/1/call-next", tokens["window-1"])
        deadline = time.monotonic() + 15
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        [request] = receiver.requests
        signature = request["headers"]["X-Yichuang-Signature"]
        assert webhooks.verify(secret, signature, request["raw"])
        assert json.loads(request["raw"])["data"]["ticket"]["number"] == "A001"

        remove = page.get_by_test_id("webhook-remove")
        remove.click()
        expect(remove).to_have_text("确认删除")
        remove.click()
        expect(page.locator("#webhooks-table")).to_contain_text("尚无推送订阅")
    finally:
        server.stop()
