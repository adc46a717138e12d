"""Running one of the project's scripts the way an operator does: the same
Python, from the repository's root, its output printed for the test log."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_script(
    script: str, *args: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python scripts/<script> args…`, waited for; stdout is printed."""
    done = subprocess.run(
        [sys.executable, f"scripts/{script}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=os.environ | (env or {}),
    )
    print(done.stdout)
    return done
