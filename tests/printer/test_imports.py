"""The ticket printer stays a client: none of the server's stack is imported."""

import subprocess
import sys

FORBIDDEN = ("starlette", "sqlmodel", "sqlalchemy", "redis", "apscheduler", "queue_server")


def test_the_printer_imports_none_of_the_server_stack() -> None:
    check = (
        "import sys, ticket_printer.cli; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_the_layout_is_pure() -> None:
    check = (
        "import sys, ticket_printer.layout, ticket_printer.status, ticket_printer.feed; "
        "print(sorted(m for m in ('escpos', 'PIL', 'qrcode', 'httpx', 'websockets', 'rich') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
