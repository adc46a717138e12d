"""What scripts/soak runs the city on, all private to the run: a PostgreSQL
cluster initialised into a temporary directory, a redis-server, and two
`queue-server serve` processes (tests/live.py's LiveServer) over both.

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

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.bench_proc import process_cpu_s, rss_mb  # noqa: E402
from tests.live import LiveServer, PrivateRedis, free_port  # noqa: E402


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


class ServerPair:
    """Two server processes on one database and one Redis; either may be killed."""

    def __init__(self, database_url: str, redis_url: str, log_dir: Path) -> None:
        self.servers = [LiveServer(database_url, log_dir, redis_url=redis_url) for _ in range(2)]
        self.samples: list[dict[str, float | int]] = [{}, {}]  # per slot: first sample
        self.restarts = 0

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
        process.kill()
        process.wait()
        self.servers[slot].process = None

    def revive(self, slot: int) -> None:
        self.servers[slot].start()
        self.restarts += 1

    def sample(self) -> list[dict[str, float | int]]:
        """Each process's pid, RSS (MB) and CPU seconds now."""
        return [
            {"pid": (pid := self.pid(n)), "rss_mb": rss_mb(pid), "cpu_s": process_cpu_s(pid)}
            for n in range(2)
        ]

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
