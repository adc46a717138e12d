"""A run that skipped tests for want of a component says so in its last lines."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_missing_component_is_named_at_the_end(tmp_path: Path) -> None:
    report = tmp_path / "skips.txt"
    env = {k: v for k, v in os.environ.items() if k != "CI"}  # CI=true fails instead
    env |= {
        "TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
        "YC_SKIP_REPORT": str(report),
    }
    test = (
        "tests/server/test_tickets_api.py::"
        "test_issue_numbers_per_prefix_and_returns_the_holder_view[postgresql]"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    line = report.read_text(encoding="utf-8")
    assert line.startswith("1 test SKIPPED: PostgreSQL at postgresql://postgres@127.0.0.1:1/")
    assert "scripts/install-system-deps" in line
    assert line.strip() in run.stdout
