"""What scripts/soak runs the city on, all private to the run: a PostgreSQL
cluster initialised into a temporary directory, a redis-server, and two
`queue-server serve` processes (tests/live.py's LiveServer) over both; for
the upgrade, the older version's code exported from git (`old_code`).

Nothing here touches the machine's shared PostgreSQL (5432) or Redis (6379):
the soak restarts its own, and other people's tests keep theirs.
"""

import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.bench_proc import process_cpu_s, rss_mb  # noqa: E402
from tests.live import LiveServer, PrivateRedis, free_port  # noqa: E402

# The last commit before schema 0008: the version the soak upgrades from.
OLD_COMMIT = "b11bbba"
OLD_REVISION = "0007"
START_TIMEOUT_S = 120
# Room for a city's bookings from one address (the soak's clients share 127.0.0.1).
SERVER_ENV = {
    f"QUEUE_BOOKING_LIMIT_{what}": "1000000/minute" for what in ("ADDRESS", "ID", "PHONE")
}


def missing() -> str | None:
    """None when initdb and redis-server are installed; else what is missing."""
    if not pg_bin():
        return "PostgreSQL's initdb is not installed (/usr/lib/postgresql/*/bin/initdb)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    return None


def pg_bin() -> str | None:
    """The newest PostgreSQL's bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return str(Path(found[-1]).parent)
    initdb = shutil.which("initdb")
    return str(Path(initdb).parent) if initdb else None


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class PrivatePostgres:
    """initdb into `root`, served on a free port with its socket in `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "pgdata"
        self.port = free_port()
        self.bin = pg_bin() or ""
        self.log = root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        # PostgreSQL refuses to run as root: as root, run its tools as `postgres`.
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(
            f"{self.bin}/initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        self._pg_ctl("start", "-o", options)
        self._wait()

    def restart(self) -> None:
        """A fast restart, as an operator's (or a crash's) would be: sessions are cut."""
        self._pg_ctl("restart", "-m", "fast")
        self._wait()

    def stop(self) -> None:
        if self.data.exists():
            self._pg_ctl("stop", "-m", "immediate")

    def _pg_ctl(self, *args: str) -> None:
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", *args)

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2):
                    return
            except psycopg.Error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def old_code(root: Path, commit: str = OLD_COMMIT) -> Path | None:
    """The older version's queue_server exported under `root`/old; None when this
    clone does not hold the commit (a shallow clone)."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        return None
    tree = root / "old"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "queue_server"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


class ServerPair:
    """Two server processes on one database and one Redis; either may be killed.
    With `old`, they start on that older code until `upgrade` moves each."""

    def __init__(
        self, database_url: str, redis_url: str, log_dir: Path, old: Path | None = None
    ) -> None:
        env = SERVER_ENV | ({"PYTHONPATH": str(old)} if old else {})
        self.servers = [
            LiveServer(database_url, log_dir, redis_url=redis_url, env=env, cwd=old)
            for _ in range(2)
        ]
        for server in self.servers:  # a loaded machine starts a process slowly
            server.start_timeout_s = START_TIMEOUT_S
        self.database_url = database_url
        self.restarts = 0
        # Per slot: the processes it has had (pid, RSS and CPU at their end), and
        # the CPU seconds of those that ended.
        self.ended: list[list[dict[str, float | int]]] = [[], []]

    def start(self) -> None:
        for server in self.servers:
            server.start()

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    def pid(self, slot: int) -> int:
        process = self.servers[slot].process
        return process.pid if process else 0

    def kill(self, slot: int) -> None:
        """kill -9: no goodbye to its sockets, its transactions cut mid-way."""
        process = self.servers[slot].process
        assert process is not None
        self.ended[slot].append(self.sample()[slot])
        process.kill()
        process.wait()
        self.servers[slot].process = None

    def revive(self, slot: int) -> None:
        self.servers[slot].start()
        self.restarts += 1

    def migrate(self) -> dict[str, Any]:
        """`queue-server migrate` of this (the new) version while the servers serve:
        what it said, and how many tries it undid (a table busy, a deadlock)."""
        done = subprocess.run(
            [sys.executable, "-m", "queue_server.cli", "migrate"],
            cwd=ROOT,
            env=os.environ | {"QUEUE_DATABASE_URL": self.database_url},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"queue-server migrate failed: {done.stdout}{done.stderr}")
        undone = done.stderr.count("trying again")
        return {"said": done.stdout.strip().splitlines()[-1], "tries_undone": undone}

    def stop_one(self, slot: int) -> None:
        """SIGTERM, as an operator's restart: requests in flight are finished."""
        self.ended[slot].append(self.sample()[slot])
        self.servers[slot].stop()

    def start_new(self, slot: int) -> dict[str, float]:
        """Start a stopped process on this version and wait until it is ready:
        how long starting (until /healthz answers) and readiness took (s)."""
        server = self.servers[slot]
        t0 = time.monotonic()
        server.cwd = None
        server.env = SERVER_ENV | {"PYTHONPATH": str(ROOT)}
        server.start()
        t1 = time.monotonic()
        deadline = t1 + 30
        while httpx.get(f"{server.url}/readyz", timeout=5).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server.url} is not ready 30 s after it started")
            time.sleep(0.05)
        self.restarts += 1
        return {"start_s": round(t1 - t0, 2), "ready_s": round(time.monotonic() - t1, 2)}

    def sample(self) -> list[dict[str, float | int]]:
        """Each process's pid, RSS (MB) and CPU seconds now."""
        return [
            {"pid": (pid := self.pid(n)), "rss_mb": rss_mb(pid), "cpu_s": process_cpu_s(pid)}
            for n in range(2)
        ]

    def cpu_s(self) -> list[float]:
        """Each slot's CPU seconds so far, its ended processes' included."""
        now = self.sample()
        return [float(now[n]["cpu_s"]) + sum(p["cpu_s"] for p in self.ended[n]) for n in range(2)]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def new_cluster(root: Path) -> tuple[PrivatePostgres, PrivateRedis]:
    postgres = PrivatePostgres(root)
    postgres.start()
    redis_server = PrivateRedis(free_port())
    redis_server.start()
    return postgres, redis_server


def server_url(postgres: PrivatePostgres) -> str:
    return postgres.url.replace("postgresql://", "postgresql+psycopg://", 1)
