"""The fake ID-card reader bridge (docs/id-reader.md): its commands, and a page's view of it."""

import asyncio
import json
import sys

import pytest
from websockets.asyncio.client import connect

from display_client.fake_id_reader import card, message

ELDER_ID = "11010519491231002X"


@pytest.mark.parametrize(
    ("line", "sent"),
    [
        ("card 11010519491231002x 张 三", card(ELDER_ID, "张 三")),
        ("removed", {"type": "removed"}),
        ("absent", {"type": "status", "reader": "absent"}),
        ("ok\n", {"type": "status", "reader": "ok"}),
        ("card 1234", None),
        ("", None),
        ("eject", None),
    ],
)
def test_each_command_line_is_one_message(line: str, sent: dict[str, str] | None) -> None:
    assert message(line) == sent


def test_a_card_carries_its_birth_date_from_the_number() -> None:
    assert card(ELDER_ID)["birth_date"] == "1949-12-31"


def test_a_page_hears_the_status_then_the_cards_typed_in() -> None:
    asyncio.run(a_page_and_the_bridge())


async def a_page_and_the_bridge() -> None:
    bridge = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "display_client.fake_id_reader",
        "--port",
        "0",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert bridge.stdin is not None and bridge.stdout is not None
    try:
        url = (await bridge.stdout.readline()).decode().split()[-1]
        async with connect(url) as page:
            assert json.loads(await page.recv()) == {"type": "status", "reader": "ok"}
            bridge.stdin.write(f"card {ELDER_ID} 张三\nremoved\n".encode())
            await bridge.stdin.drain()
            placed = json.loads(await asyncio.wait_for(page.recv(), 10))
            assert (placed["type"], placed["id_number"]) == ("card", ELDER_ID)
            assert json.loads(await asyncio.wait_for(page.recv(), 10)) == {"type": "removed"}
    finally:
        bridge.terminate()
        await bridge.wait()
