"""scripts/soak --quick: a small city for about a minute on two server
processes over a private PostgreSQL and Redis, through a rolling upgrade from
the version at schema 0007 (migrated to the head while it serves, then each process
restarted on this version), a server killed with `kill -9`, a Redis restart,
a PostgreSQL restart and displays' network cut; visitors book and check in.

Judged on what a city would notice: no acknowledged ticket lost, none called
at two windows, no display skipping an event, every display right again after
every fault, every booking confirmed still there and checked in once. The
upgrade needs the older commit: a shallow clone without it skips the test
(fails under CI=true) after the rest has been judged. Timings are printed,
not judged (the machine is shared); the 3-second recovery goal is the full
run's, in docs/reliability.md.
"""

import json
import sys
from pathlib import Path

import pytest

from queue_server import schema
from tests.conftest import skip_or_fail
from tests.scripts import run_script

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from scripts.soak_cluster import missing  # noqa: E402

FAULTS = {"server_kill_9", "redis_restart", "postgres_restart", "display_cut"}
UPGRADE = {"upgrade_migrate", "upgrade_stop_0", "upgrade_stop_1"}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_a_small_city_keeps_every_ticket_through_four_faults(tmp_path: Path) -> None:
    if problem := missing():
        skip_or_fail(problem)
    out = tmp_path / "soak.json"
    done = run_script("soak.py", "--quick", "--seed", "7", "--json", str(out), timeout=240)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    goals = report["goals"]
    for goal in (
        "acked_tickets_lost",
        "tickets_called_twice",
        "display_seq_gaps",
        "acked_bookings_lost",
        "booking_checked_in_twice",
    ):
        assert goals[goal]["value"] == 0, (goal, report)
    assert goals["idempotency_key_two_tickets"]["value"] == 0
    # The city did work: tickets issued, called, polled, and the faults all happened.
    assert report["acked_tickets"] > 10 and report["tickets_in_db"] >= report["acked_tickets"]
    assert report["actions"]["call-next"]["count"] > 0 and report["actions"]["poll"]["count"] > 0
    assert report["bookings"]["confirmed"] > 0 and report["bookings"]["checked_in"] > 0
    upgraded = "steps" in report["run"]["upgrade"]
    faults = FAULTS | (UPGRADE if upgraded else set())
    assert {f["name"] for f in report["run"]["faults"]} == faults
    assert not any(k.startswith("crash.") for k in report["counts"]), report["counts"]
    # Every display was right again after every fault (how fast is printed).
    for fault in faults:
        assert report["recovery"][fault]["not_recovered"] == 0, (fault, report["recovery"])
        assert report["recovery"][fault]["displays"] > 0
    killed = report["run"]["servers"][1]["processes"]
    assert len(killed) == 2 + upgraded  # killed and restarted (and upgraded before)
    if not upgraded:
        skip_or_fail(f"soak: {report['run']['upgrade']['skipped']} (git fetch --unshallow)")
    steps = report["run"]["upgrade"]["steps"]
    assert [s["step"] for s in steps] == ["migrate", "restart_0", "restart_1"]
    assert f"0007 to {schema.HEAD}" in steps[0]["said"]  # through every later migration
