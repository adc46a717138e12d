"""The display client stays a client: none of the server's stack is imported."""

import subprocess
import sys

FORBIDDEN = ("starlette", "sqlmodel", "sqlalchemy", "redis", "apscheduler", "queue_server")


def test_the_client_imports_none_of_the_server_stack() -> None:
    check = (
        "import sys, display_client.client; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
