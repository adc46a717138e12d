"""A city's day, with faults: a bounded, seeded load test of a whole city on
this machine (scripts/soak).

Two `queue-server serve` processes over a private PostgreSQL cluster (initdb
into a temporary directory) and a private Redis; worker processes
(scripts/soak_city.py) play the halls' kiosks, clerks, lobby displays and
visitors' phones. During the run: `kill -9` of one server (its clients move
to the other; it is restarted after), a Redis restart, a PostgreSQL restart
(`pg_ctl restart -m fast`) and a few displays' network cut. Then every
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
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import soak_report
from scripts.soak_cluster import (
    PrivatePostgres,
    ServerPair,
    missing,
    new_cluster,
    server_url,
)
from tests.live import PrivateRedis

CITY = Path(__file__).resolve().parent / "soak_city.py"
REVIVE_AFTER_S = 3  # the killed server is restarted this long after


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

    def set_up(self) -> None:
        self.postgres, self.redis = new_cluster(self.root)
        self.pair = ServerPair(server_url(self.postgres), self.redis.url, self.root)
        self.pair.start()
        first = self.pair.servers[0]
        a = self.args
        for n in range(a.halls):
            hall = f"soak{n + 1:02d}"
            windows = spread(a.windows, a.halls, n)
            self.halls.append(
                {
                    "id": hall,
                    "tokens": first.setup_hall(hall, windows=windows),
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
                "servers": self.pair.urls,
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

    async def fault(self, name: str, inject: Callable[[], None]) -> None:
        """Inject a fault; once it is over, tell the displays the seq each hall is at."""
        t0 = time.monotonic()
        await self.tell({"mark": True})
        await asyncio.to_thread(inject)
        took = time.monotonic() - t0
        if name == "display_cut":
            await self.tell({"cut": self.args.cut, "t0": t0})
        else:
            await self.tell({"fault": name, "t0": t0, "seqs": await self.seqs()})
        at = round(t0 - self.start_t, 1)
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
        """The run: faults at a fifth, two fifths, three and four fifths of it."""
        assert self.pair and self.redis and self.postgres
        pair, redis_server, postgres = self.pair, self.redis, self.postgres
        seconds = self.args.minutes * 60
        self.start_t = time.monotonic()
        started = pair.sample()
        before_kill: dict[str, Any] = {}

        def kill() -> None:
            before_kill.update(pair.sample()[1])
            pair.kill(1)

        def restart_redis() -> None:
            redis_server.stop()
            redis_server.start()

        plan: list[tuple[str, Callable[[], None]]] = [
            ("server_kill_9", kill),
            ("redis_restart", restart_redis),
            ("postgres_restart", postgres.restart),
            ("display_cut", lambda: None),
        ]
        revived: dict[str, Any] = {}
        for n, (name, inject) in enumerate(plan, start=1):
            await self.until(seconds * n / (len(plan) + 1))
            await self.fault(name, inject)
            if name == "server_kill_9":
                await asyncio.sleep(REVIVE_AFTER_S)
                await asyncio.to_thread(pair.revive, 1)
                revived = pair.sample()[1]
        await self.until(seconds)
        ended = pair.sample()
        elapsed = time.monotonic() - self.start_t
        cpu = [
            ended[0]["cpu_s"] - started[0]["cpu_s"],
            before_kill.get("cpu_s", 0)
            - started[1]["cpu_s"]
            + ended[1]["cpu_s"]
            - revived.get("cpu_s", 0),
        ]
        servers = [
            {"start": started[0], "end": ended[0], "cpu_s": round(cpu[0], 1)},
            {"start": revived or started[1], "end": ended[1], "cpu_s": round(cpu[1], 1),
             "first_process": {"start": started[1], "killed": before_kill}},
        ]  # fmt: skip
        return {"seconds": round(elapsed, 1), "servers": servers, "faults": self.faults}

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
        db = soak_report.check_database(soak.postgres.url, merged["acked"])
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
        "cpus": os.cpu_count(),
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
