"""Shared fixtures: a database per test on SQLite and on the real PostgreSQL.

PostgreSQL tests use a fresh schema per test on 127.0.0.1:5432/test; on a
machine without it they are skipped with the reason, except under CI=true,
where a missing database is a failure.
"""

import os
import secrets
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis

from tests.live import LiveServer, PrivateRedis, free_port

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_URL} unreachable: {exc}".splitlines()[0]


_PG_PROBLEM = _postgres_reachable()


def require_postgres() -> None:
    if _PG_PROBLEM is not None:
        skip_or_fail(_PG_PROBLEM)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema of its own, dropped after."""
    require_postgres()
    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Each test that takes it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/hall.db"
    url: str = request.getfixturevalue("pg_url")
    return url


class Clock:
    """A clock the tests move by hand; starts on a weekday morning in Shanghai."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 09:30 +08:00

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server process on SQLite; stopped after the test."""
    server = LiveServer(f"sqlite:///{tmp_path}/live.db", tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say at the end which tests were skipped for want of a component, and the fix.

    A green run that skipped the browser tests proves much less than one that
    ran them; the line must not hide in the dots. scripts/test prints it last.
    """
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = Counter(_skip_reason(report) for report in skipped)
    listed = "; ".join(f"{reason} ({n})" for reason, n in reasons.most_common())
    line = (
        f"{len(skipped)} test{'s' if len(skipped) > 1 else ''} SKIPPED: {listed}. "
        "Install what they need with: "
        "sudo bash scripts/install-system-deps (PostgreSQL and Redis: see README)"
    )
    terminalreporter.write_line(line, yellow=True, bold=True)
    if report_path := os.environ.get("YC_SKIP_REPORT"):
        Path(report_path).write_text(line + "\n", encoding="utf-8")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")[:160]


def skip_or_fail(reason: str) -> None:
    """Skip on a developer machine without the component; fail under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    """The machine's Redis (the feed only publishes rings on it; nothing is stored)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {REDIS_URL} unreachable: {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed (apt-get install redis-server)")
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
