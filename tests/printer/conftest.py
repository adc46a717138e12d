"""Fixtures of the printer tests: the real catalogue, a ticket view, a fake printer."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.printer.fakes import FakePrinter
from ticket_printer.png import NoCJKFont, find_font

CATALOGUE = Path(__file__).resolve().parents[2] / "queue_server" / "catalogue.json"


@pytest.fixture(scope="session")
def catalogue() -> dict[str, Any]:
    """The service catalogue the server ships (read as data, not imported)."""
    data: dict[str, Any] = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return data


def ticket_view(**changes: Any) -> dict[str, Any]:
    """A ticket as `GET /api/tickets/{id}` answers it."""
    view: dict[str, Any] = {
        "id": "vufEw-aA2IwK_mj2",
        "hall": "demo",
        "hall_name": "市公安局政务服务中心（演示大厅）",
        "number": "A023",
        "service": "HZ-SFZ-HL",
        "service_name": "居民身份证换领",
        "materials": ["本人居民户口簿", "原居民身份证", "符合标准的相片（可现场采集）"],
        "green_channel": False,
        "status": "waiting",
        "position": 3,
        "estimated_wait_s": 725,
        "window": None,
        "issued_at": "2026-11-26T09:31:02+08:00",
        "called_at": None,
    }
    return view | changes


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    with FakePrinter() as printer:
        yield printer


@pytest.fixture
def cjk_font() -> Path:
    """The CJK font the PNG printer draws with: skipped without one on a
    developer's machine, a failure under CI=true (install fonts-wqy-microhei)."""
    try:
        return find_font()
    except NoCJKFont as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
