"""Small smoke runs of scripts/bench.py: it starts the servers, drives them from
other processes (wrk, display workers), prints its tables and writes the JSON
with every figure. Figures are printed, not judged: no timing assertions, but a
figure built on an error (a non-2xx answer, a missed call) fails the run."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL, require_postgres
from tests.scripts import run_script

ISSUING = {"clients", "driver", "requests", "per_s", "p50_ms", "p99_ms", "max_ms", "non2xx"}
SCREEN = {"displays", "workers", "calls", "samples", "p50_ms", "p99_ms", "max_ms"}
SCREEN_ALSO = {"missed", "dropped", "server_rss_mb"}


def bench(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = tmp_path / "bench.json"
    done = run_script("bench.py", "--smoke", "--json", str(out), *args, timeout=120, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr
    figures: dict[str, Any] = json.loads(out.read_text())
    assert figures["errors"] == []
    assert figures["run"]["mode"] == "smoke"
    assert "summary" in done.stdout
    return figures


def check_setup(setup: dict[str, Any]) -> None:
    assert len(setup["issuing"]) == 1 and len(setup["call_to_screen"]) == 1
    issuing, screen = setup["issuing"][0], setup["call_to_screen"][0]
    assert set(issuing) >= ISSUING
    assert issuing["requests"] > 0 and issuing["non2xx"] == 0 and issuing["socket_errors"] == 0
    assert set(screen) >= SCREEN | SCREEN_ALSO
    assert screen["samples"] == screen["displays"] * screen["calls"] > 0
    assert screen["missed"] == screen["dropped"] == 0
    assert screen["server_rss_mb"] > 0


def test_a_smoke_run_measures_ours_and_bare_and_writes_every_figure(tmp_path: Path) -> None:
    # wrk when installed (scripts/install-system-deps installs it under CI=true),
    # else the httpx fallback, which the output says.
    figures = bench(tmp_path, "--setups", "bare,floor,stack,ours")
    driver = figures["run"]["issue_driver"]
    assert driver.startswith("wrk") or driver == "httpx"
    for name in ("bare", "ours"):
        check_setup(figures[name])
    for name in ("floor", "bare_stack"):  # the displays' floors: no issuing
        assert figures[name]["issuing"] == []
        check_setup(figures[name] | {"issuing": figures["bare"]["issuing"]})
    # The libraries ours holds at rest weigh more than bare Starlette alone.
    stacked, bare = (
        figures[n]["call_to_screen"][0]["server_rss_mb"] for n in ("bare_stack", "bare")
    )
    assert stacked > bare + 10
    assert "of_bare" in figures["ours"]["issuing"][0]
    assert "x_bare_p99" in figures["ours"]["call_to_screen"][0]
    assert figures["targets"] == []  # a smoke run has none of the targets' levels
    assert figures["work_floor"]["cpu_ms_per_ticket"] > 0  # the issuing floor under HTTP


def test_the_httpx_fallback_says_so(tmp_path: Path) -> None:
    figures = bench(tmp_path, "--setups", "bare", "--driver", "httpx")
    assert figures["run"]["issue_driver"] == "httpx"
    assert "own process" in figures["run"]["issue_driver_note"]
    check_setup(figures["bare"])


@pytest.mark.postgres
@pytest.mark.redis
def test_a_smoke_run_on_postgresql_and_redis_uses_two_processes(
    tmp_path: Path, redis_url: str
) -> None:
    require_postgres()
    env = {"BENCH_POSTGRES_URL": PG_URL, "BENCH_REDIS_URL": redis_url}
    figures = bench(tmp_path, "--setups", "pg", env=env)
    assert figures["skipped"] == {}
    setup = figures["ours_pg_redis_2proc"]
    assert setup["servers"] == 2
    check_setup(setup)


def test_the_growth_run_times_every_action_at_every_length(tmp_path: Path) -> None:
    done = run_script(
        "bench.py",
        *("--growth", "--sizes", "20", "60"),
        *("--rounds", "2", "--repeat", "5", "--calls", "2", "--displays", "3"),
        *("--out", str(tmp_path)),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    medians = json.loads((tmp_path / "growth.json").read_text())["median_ms"]
    assert set(medians) == {"issue", "status read", "call-next", "call-to-screen"}
    assert all(set(by_size) == {"20", "60"} for by_size in medians.values())
    assert all(ms > 0 for by_size in medians.values() for ms in by_size.values())
    assert (tmp_path / "growth.png").stat().st_size > 10_000
