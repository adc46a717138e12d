"""The policy grid (issue 18) on a tiny grid: every cell is printed and written,
FIFO treats the green channel like everyone, strict priority beats the ratio
target, and Kleinrock's conservation law matches what FIFO and strict do."""

import json
from typing import Any

import pytest

from queue_server.simulation import bound
from tests.scripts import run_script


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("grid")
    args = ("--grid", "--grid-days", "2", "--grid-windows", "6", "--grid-green", "0.05,0.3")
    more = ("--grid-load", "0.85", "--grid-mix", "catalogue", "--jobs", "2", "--out", str(out))
    done = run_script("simulate.py", *args, *more, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads((out / "grid.json").read_text(encoding="utf-8"))


def test_the_table_prints_every_cell_with_its_targets(tiny: tuple[str, dict[str, Any]]) -> None:
    stdout, grid = tiny
    assert [c["label"] for c in grid["cells"]] == [
        "catalogue 6w 5% green load 0.85",
        "catalogue 6w 30% green load 0.85",
    ]
    for cell in grid["cells"]:
        assert cell["label"].split(" load")[0] in stdout
        assert set(cell["policies"]) == {
            "fifo", "strict", "green_only", "static", "ours", "edf", "cap20"
        }  # fmt: skip
        assert len(cell["policies"]["ours"]["targets"]) == 6
    assert grid["summary"]["cells"] == 2
    assert "cells where each policy meets every target" in stdout


def test_fifo_is_blind_and_strict_beats_the_ratio(tiny: tuple[str, dict[str, Any]]) -> None:
    for cell in tiny[1]["cells"]:
        policies = cell["policies"]
        assert 0.6 < policies["fifo"]["ratio"] < 1.6  # the same queue for everyone
        assert policies["strict"]["ratio"] < bound.RATIO_GOAL


def test_the_conservation_law_holds_for_fifo_and_strict(tiny: tuple[str, dict[str, Any]]) -> None:
    """s·W_green + (1−s)·W_normal is FIFO's mean wait under strict priority too."""
    for cell in tiny[1]["cells"]:
        fifo, strict = (cell["policies"][k]["pooled_mean"] for k in ("fifo", "strict"))
        assert strict == pytest.approx(fifo, rel=0.1)
        ratio = cell["policies"]["strict"]["ratio"]
        normal = cell["policies"]["strict"]["normal_mean"]
        blind = cell["fifo_mean"] * (1 + bound.normal_rise(cell["green_share_measured"], ratio))
        assert normal == pytest.approx(blind, rel=0.1)  # the bound's formula, met by strict


def test_the_bound_says_where_ratio_and_p90_conflict() -> None:
    assert bound.normal_rise(0.20) == pytest.approx(0.176, abs=0.001)
    assert not bound.conflict(0.05)
    assert bound.conflict(0.15) and bound.conflict(0.30)
    assert bound.normal_rise(0.30, 1.0) == 0  # no precedence, no cost
