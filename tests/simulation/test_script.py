"""A small smoke run of scripts/simulate.py: it prints its tables and writes the
JSON with every figure and the PNG chart. Figures are printed, not judged."""

import json
from pathlib import Path

from tests.scripts import run_script


def test_a_small_run_writes_every_figure_and_the_chart(tmp_path: Path) -> None:
    done = run_script(
        "simulate.py",
        *("--days", "2", "--windows", "8", "--arrivals", "80", "--out", str(tmp_path)),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr  # e.g. matplotlib missing a glyph

    figures = json.loads((tmp_path / "simulation.json").read_text(encoding="utf-8"))
    assert figures["run"]["seeds"] == [1, 2]
    reform = figures["reform"]
    assert {"change_pct", "dedicated_in_hall", "comprehensive_in_hall"} <= set(reform)
    assert {"fifo", "strict", "green_only", "ours"} <= set(figures["policies"])
    for kind in ("green", "normal"):
        assert {"mean", "p90", "max"} <= set(figures["policies"]["ours"][kind])
    assert {"target_min", "waits"} <= set(figures["by_target"]["ours"][0])
    assert {"mae", "within_5", "bias"} <= set(figures["estimates"]["ours"]["all"])
    assert {"ours", "ours_untold"} <= set(figures["estimates"])
    assert len(figures["targets"]) == 6
    assert figures["judged_targets"]["ours"] == figures["targets"]
    assert figures["scenarios"]["ours"]["policy"]["target_boost_s_per_min"] == 120
    assert all({"name", "goal", "measured", "met"} <= set(t) for t in figures["targets"])
    png = (tmp_path / "waits.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert "(a) the one-window reform" in done.stdout
