"""A small smoke run of scripts/bench_staffing.py (one seed, two weeks of
history): it prints both tables and writes every figure. Figures are printed,
not judged."""

import json
from pathlib import Path

from tests.scripts import run_script


def test_a_small_run_prints_the_error_and_the_simulator_check(tmp_path: Path) -> None:
    out = tmp_path / "staffing.json"
    args = ("--seeds", "1", "--train", "2", "--windows", "6", "--json", str(out))
    done = run_script("bench_staffing.py", *args, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "(a) forecast error on the held-out week" in done.stdout
    assert "(b) the plan run through the simulator" in done.stdout
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["train_weeks"] == 2 and len(figures["days"]) == 5  # Monday to Friday
    assert {"slot_wape", "slot_mape", "day_wape", "day_mape"} <= set(
        figures["errors"]["1"]["forecast"]
    )
    assert {"plan_window_hours", "fixed_in_hindsight_window_hours"} <= set(figures["summary"])
