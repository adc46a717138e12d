"""A city's day, with faults: a bounded, seeded load test of a whole city on
this machine (scripts/soak).

Two `queue-server serve` processes over a private PostgreSQL cluster (initdb
into a temporary directory) and a private Redis; worker processes
(scripts/soak_city.py) play the halls' kiosks, clerks, lobby displays and
visitors' phones, and visitors who book today's next slot and check in. The
servers start on an older version (commit OLD_COMMIT, schema 0007); while
they serve, the new version's `queue-server migrate` runs and then each
process is restarted on the new version, one by one. Then: `kill -9` of one
server (its clients move to the other; it is restarted after), a Redis
restart, a PostgreSQL restart (`pg_ctl restart -m fast`) and a few displays'
network cut. Then every
acknowledged ticket is looked up in the database, the calls are counted, and
the figures go to a table and to var/soak.json. Exits 1 when a ticket was lost
or called twice or a display saw a seq gap; 2 when PostgreSQL or Redis is not
installed. Seeded: the arrivals, handling times, services and which displays
are cut follow --seed; the machine's timing does not.
"""

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import soak_report
from scripts.soak_cluster import (
    OLD_COMMIT,
    PrivatePostgres,
    ServerPair,
    missing,
    new_cluster,
    old_code,
    server_url,
)
from tests.live import PrivateRedis

CITY = Path(__file__).resolve().parent / "soak_city.py"
REVIVE_AFTER_S = 3  # the killed server is restarted this long after
SETTLE_S = 5  # the run goes on at least this long after the last fault


class Soak:
    def __init__(self, args: argparse.Namespace, root: Path) -> None:
        self.args = args
        self.root = root
        self.postgres: PrivatePostgres | None = None
        self.redis: PrivateRedis | None = None
        self.pair: ServerPair | None = None
        self.halls: list[dict[str, Any]] = []
        self.workers: list[asyncio.subprocess.Process] = []
        self.faults: list[dict[str, Any]] = []
        self.start_t = 0.0
        self.upgrade: dict[str, Any] = {}

    def set_up(self) -> None:
        self.postgres, self.redis = new_cluster(self.root)
        old = None
        if self.args.upgrade_from:
            old = old_code(self.root, self.args.upgrade_from)
            if old is None:
                reason = f"commit {self.args.upgrade_from} is not in this clone (a shallow one?)"
                self.upgrade = {"skipped": f"NO UPGRADE: {reason}"}
                print(f"soak: WARNING: {self.upgrade['skipped']}", file=sys.stderr, flush=True)
            else:
                self.upgrade = {"from": self.args.upgrade_from, "steps": []}
        self.pair = ServerPair(server_url(self.postgres), self.redis.url, self.root, old)
        self.pair.start()
        first = self.pair.servers[0]
        a = self.args
        for n in range(a.halls):
            hall = f"soak{n + 1:02d}"
            windows = spread(a.windows, a.halls, n)
            tokens = first.setup_hall(hall, windows=windows)
            open_for_bookings(first, hall)
            self.halls.append(
                {
                    "id": hall,
                    "tokens": tokens,
                    "windows": windows,
                    "displays": spread(a.displays, a.halls, n),
                    "phones": spread(a.phones, a.halls, n),
                }
            )

    async def start_workers(self) -> None:
        count = max(1, min(self.args.workers, len(self.halls)))
        assert self.pair is not None
        for n in range(count):
            config = {
                "worker": n,
                "servers": self.pair.urls,
                "logs": [str(s.log_path) for s in self.pair.servers],
                "book_per_s": self.args.book_per_hour * 10 / 3600,
                "halls": self.halls[n::count],
                "seed": self.args.seed * 1000 + n,
                "issue_per_s": self.args.issue_per_hour * 10 / 3600,  # 10x a morning peak
                "handling_s": self.args.handling_s,
                "phone_every_s": self.args.phone_every,
            }
            path = self.root / f"city-{n}.json"
            path.write_text(json.dumps(config))
            self.workers.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(CITY),
                    str(path),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    limit=2**28,
                )
            )
        for worker in self.workers:
            await self.read(worker)

    async def read(self, worker: asyncio.subprocess.Process) -> dict[str, Any]:
        assert worker.stdout is not None
        line = await worker.stdout.readline()
        if not line:
            raise RuntimeError(f"a city worker exited ({await worker.wait()})")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def tell(self, command: dict[str, Any]) -> None:
        for worker in self.workers:
            assert worker.stdin is not None
            worker.stdin.write((json.dumps(command) + "\n").encode())
            await worker.stdin.drain()

    async def fault(self, name: str, inject: Callable[[], None], from_end: bool = False) -> None:
        """Inject a fault; once it is over, tell the displays the seq each hall is at.
        Their recovery is timed from the fault's start, or its end (`from_end`:
        a migration, during which the city goes on)."""
        t0 = time.monotonic()
        at = round(t0 - self.start_t, 1)
        await self.tell({"mark": True})
        await asyncio.to_thread(inject)
        took = time.monotonic() - t0
        if from_end:
            t0 += took
        if name == "display_cut":
            await self.tell({"cut": self.args.cut, "t0": t0})
        else:
            await self.tell({"fault": name, "t0": t0, "seqs": await self.seqs()})
        self.faults.append({"name": name, "at_s": at, "took_s": round(took, 2)})
        print(f"  {at:6.1f} s  {name} ({took:.2f} s)", flush=True)

    async def seqs(self) -> dict[str, int]:
        """Each hall's seq now, from whichever server answers."""
        assert self.pair is not None
        found: dict[str, int] = {}

        async def board(http: httpx.AsyncClient, url: str, hall: dict[str, Any]) -> None:
            token = {"Authorization": f"Bearer {hall['tokens']['display']}"}
            with contextlib.suppress(httpx.HTTPError):
                reply = await http.get(f"{url}/api/halls/{hall['id']}/board", headers=token)
                if reply.status_code == 200:
                    found[hall["id"]] = reply.json()["seq"]

        async with httpx.AsyncClient(timeout=5) as http:
            for _ in range(60):
                for url in self.pair.urls:
                    missing = [h for h in self.halls if h["id"] not in found]
                    await asyncio.gather(*(board(http, url, h) for h in missing))
                if len(found) == len(self.halls):
                    return found
                await asyncio.sleep(0.1)
        raise RuntimeError("no server answered the boards after a fault")

    async def day(self) -> dict[str, Any]:
        """The run: the upgrade and four faults at a sixth, two sixths … of it
        (later when the one before overran)."""
        assert self.pair and self.redis and self.postgres
        pair, redis_server, postgres = self.pair, self.redis, self.postgres
        seconds = self.args.minutes * 60
        self.start_t = time.monotonic()
        started, cpu_start = pair.sample(), pair.cpu_s()

        def restart_redis() -> None:
            redis_server.stop()
            redis_server.start()

        plan: list[tuple[str, Callable[[], None]]] = [
            ("upgrade", lambda: None),
            ("server_kill_9", partial(pair.kill, 1)),
            ("redis_restart", restart_redis),
            ("postgres_restart", postgres.restart),
            ("display_cut", lambda: None),
        ]
        for n, (name, inject) in enumerate(plan, start=1):
            await self.until(seconds * n / (len(plan) + 1))
            if name == "upgrade":
                await self.upgrade_city()
                continue
            await self.fault(name, inject)
            if name == "server_kill_9":
                await asyncio.sleep(REVIVE_AFTER_S)
                await asyncio.to_thread(pair.revive, 1)
        await self.until(max(seconds, time.monotonic() - self.start_t + SETTLE_S))
        ended, cpu_end = pair.sample(), pair.cpu_s()
        elapsed = time.monotonic() - self.start_t
        servers = [
            {"start": started[n], "end": ended[n], "cpu_s": round(cpu_end[n] - cpu_start[n], 1),
             "processes": [*pair.ended[n], ended[n]]}
            for n in range(2)
        ]  # fmt: skip
        return {"seconds": round(elapsed, 1), "servers": servers, "faults": self.faults}

    async def upgrade_city(self) -> None:
        """Migrate while the old version serves, then move each process to the
        new version, one by one: stopped (a fault whose displays are timed),
        started on the new code, ready."""
        if "steps" not in self.upgrade:
            return
        assert self.pair is not None
        pair, steps = self.pair, self.upgrade["steps"]
        said: list[dict[str, Any]] = []
        await self.fault("upgrade_migrate", lambda: said.append(pair.migrate()), from_end=True)
        steps.append({"step": "migrate", "took_s": self.faults[-1]["took_s"]} | said[0])
        for slot in (0, 1):
            await self.fault(f"upgrade_stop_{slot}", partial(pair.stop_one, slot))
            started = await asyncio.to_thread(pair.start_new, slot)
            steps.append({"step": f"restart_{slot}", "stop_s": self.faults[-1]["took_s"]} | started)
            print(f"         new version on server {slot}: {started}", flush=True)

    async def until(self, at_s: float) -> None:
        await asyncio.sleep(max(0.0, self.start_t + at_s - time.monotonic()))

    async def stop_workers(self) -> list[dict[str, Any]]:
        await self.tell({"stop": True})
        records = [await self.read(worker) for worker in self.workers]
        for worker in self.workers:
            await worker.wait()
        return records

    def tear_down(self) -> None:
        for part in (self.pair, self.redis, self.postgres):
            if part is not None:
                part.stop()


def open_for_bookings(server: Any, hall: str) -> None:
    """Open every day around the clock, in 10-minute slots of the windows' whole
    time, check-in two hours before the slot: a visitor who books today's next
    slot with room may check in at once, on time."""
    every_day = {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    server.api("PUT", f"/api/halls/{hall}/hours", json={"weekly": every_day, "closed_dates": []})
    policy = {"slot_minutes": 10, "appointment_share_pct": 100, "checkin_early_min": 120}
    server.api("PUT", f"/api/halls/{hall}/policy", json=policy)


def spread(total: int, parts: int, n: int) -> int:
    """The n-th of `parts` shares of `total`, as even as can be."""
    return total // parts + (1 if n < total % parts else 0)


async def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    soak = Soak(args, root)
    try:
        print("setting up: PostgreSQL, Redis, 2 servers, the halls ...", flush=True)
        await asyncio.to_thread(soak.set_up)
        await soak.start_workers()
        print(f"running {args.minutes * 60:.0f} s", flush=True)
        timing = await soak.day()
        records = await soak.stop_workers()
        merged = soak_report.merge(records)
        assert soak.postgres is not None
        db = soak_report.check_database(soak.postgres.url, merged)
    finally:
        for worker in soak.workers:
            if worker.returncode is None:
                worker.kill()
        soak.tear_down()
    a = args
    run_info = {
        "seed": a.seed, "halls": a.halls, "windows": a.windows, "displays": merged["displays"],
        "phones": a.phones, "phone_every_s": a.phone_every, "workers": len(soak.workers),
        "issue_per_hall_per_hour": a.issue_per_hour * 10, "handling_s": a.handling_s,
        "book_per_hall_per_hour": a.book_per_hour * 10, "cpus": os.cpu_count(),
        "upgrade": soak.upgrade,
    } | timing  # fmt: skip
    return soak_report.figures(merged, db, run_info)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small city for about a minute")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=float, help="the run's length (full: 8, quick: 0.75)")
    parser.add_argument("--halls", type=int)
    parser.add_argument("--windows", type=int, help="in all, spread over the halls")
    parser.add_argument("--displays", type=int, help="in all")
    parser.add_argument("--phones", type=int, help="in all")
    parser.add_argument(
        "--phone-every", type=float, default=5.0, help="s between polls (the page: 5)"
    )
    parser.add_argument("--issue-per-hour", type=float, default=60, help="a hall's morning peak")
    parser.add_argument("--book-per-hour", type=float, default=20, help="a hall's bookings (x10)")
    parser.add_argument("--upgrade-from", default=OLD_COMMIT,
                        help="start on this commit, upgrade while serving ('': none)")  # fmt: skip
    parser.add_argument("--handling-s", type=float, nargs=2, default=(4.0, 12.0),
                        help="a service's time, sped up (real: 4-12 minutes)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--cut", type=int, help="displays whose network is cut, per worker")
    parser.add_argument("--json", type=Path, default=Path("var/soak.json"))
    args = parser.parse_args(argv)
    full = {"minutes": 8, "halls": 50, "windows": 500, "displays": 1000, "phones": 5000, "cut": 5}
    quick = {"minutes": 0.75, "halls": 5, "windows": 20, "displays": 50, "phones": 200, "cut": 2}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if problem := missing():
        print(f"soak: {problem}", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        report = asyncio.run(run(args, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    soak_report.show(report)
    if failed := soak_report.failed(report):
        print(f"soak: goals missed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
