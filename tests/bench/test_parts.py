"""The benchmark's pure parts: reading messages and wrk's results, sharing
displays over workers, ratios and targets."""

import pytest

from scripts.bench_displays import head, shares
from scripts.bench_load import parse_wrk, percentile
from scripts.bench_report import ratios, targets

FEED = '{"type": "ticket.called", "seq": 12, "at": "2026-11-25T09:30:00+00:00", "data": {}}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FEED, ("ticket.called", 12)),
        ('{"type": "ticket.called", "seq": 3}', ("ticket.called", 3)),  # the bare broadcast
        ('{"seq": 7, "type": "snapshot", "data": {}}', ("snapshot", 7)),  # another layout
        ('{"type": "heartbeat"}', ("heartbeat", None)),
        ("not json", ("", None)),
        ("[1, 2]", ("", None)),
    ],
)
def test_head_reads_type_and_seq(text: str, expected: tuple[str, int | None]) -> None:
    assert head(text) == expected


@pytest.mark.parametrize(
    ("displays", "workers", "expected"),
    [
        (1, 8, [1]),
        (100, 8, [100]),
        (1000, 8, [125] * 8),
        (1001, 8, [126] + [125] * 7),
        (1000, 2, [500, 500]),
        (3, 8, [3]),
    ],
)
def test_shares_spread_displays_evenly(displays: int, workers: int, expected: list[int]) -> None:
    assert shares(displays, workers) == expected


def test_parse_wrk_reads_the_scripts_line() -> None:
    out = (
        "Running 1s test @ http://127.0.0.1:1/x\n"
        'BENCH-WRK {"requests": 3000, "non2xx": 2, "non2xx_statuses": "409 500 ", '
        '"non2xx_sample": "taken", "socket_errors": {"connect": 0, "read": 1, "write": 0, '
        '"timeout": 0}, "duration_us": 1500000, "p50_us": 1200, "p90_us": 2000, '
        '"p99_us": 9500, "max_us": 12000, "mean_us": 1300.5}\n'
    )
    level = parse_wrk(out, "", 16)
    assert level["per_s"] == 2000
    assert (level["p50_ms"], level["p99_ms"], level["max_ms"]) == (1.2, 9.5, 12.0)
    assert (level["non2xx"], level["non2xx_sample"], level["socket_errors"]) == (
        2,
        "409 500 taken",
        1,
    )
    with pytest.raises(RuntimeError, match="no results"):
        parse_wrk("", "unable to connect", 16)


def test_percentile_is_nearest_rank() -> None:
    values = [float(x) for x in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile([4.0], 0.99)) == (
        50.0,
        99.0,
        4.0,
    )


def test_ratios_and_targets_judge_ours_at_64_clients_and_1000_displays() -> None:
    def issuing(clients: int, per_s: int, p99: float) -> dict[str, float]:
        return {"clients": clients, "per_s": per_s, "p99_ms": p99}

    def screen(displays: int, p99: float, rss: float) -> dict[str, float]:
        return {"displays": displays, "p99_ms": p99, "server_rss_mb": rss}

    bare = {"issuing": [issuing(64, 10_000, 5)], "call_to_screen": [screen(1000, 20, 90)]}
    ours = {"issuing": [issuing(64, 2_000, 30)], "call_to_screen": [screen(1000, 8, 160)]}
    ratios(ours, bare)
    assert ours["issuing"][0]["of_bare"] == 0.2
    assert ours["call_to_screen"][0]["x_bare_p99"] == 0.4
    floor = {"call_to_screen": [screen(1000, 11, 60)]}
    found = {t["name"]: t for t in targets({"ours": ours, "bare": bare, "floor": floor})}
    assert {name: t["met"] for name, t in found.items()} == {
        "issuing at 64 clients, tickets/s": True,
        "issuing p99 at 64 clients, ms": False,
        "call-to-screen p99, 1,000 displays, ms": True,
        "server RSS with 1,000 displays, MB": False,  # 160 > 1.1 × 90
    }
    assert (
        found["call-to-screen p99, 1,000 displays, ms"].items() >= {"bare": 20, "floor": 11}.items()
    )
    assert found["issuing p99 at 64 clients, ms"]["bare"] == 5
    assert "floor" not in found["issuing p99 at 64 clients, ms"]  # no work floor measured
    # Issuing's floor: the ticket's own work (bench_work.py), and Little's law over
    # it plus bare's cost of a request: 64 × (0.3 + 1000 / 10,000) ms.
    work = {"cpu_ms_per_ticket": 0.3, "tickets_per_s_ceiling": 3333}
    found = {t["name"]: t for t in targets({"ours": ours, "bare": bare, "work_floor": work})}
    assert found["issuing at 64 clients, tickets/s"]["floor"] == 3333
    assert found["issuing p99 at 64 clients, ms"]["floor"] == 25.6
    ours["call_to_screen"][0]["server_rss_mb"] = 99
    assert targets({"ours": ours, "bare": bare})[-1]["met"]  # 99 <= 1.1 × 90
