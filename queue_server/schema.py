"""The database's schema revision: Alembic migrations run in code, and the
check that the database is the one this code was written for.

Revisions live in `queue_server/migrations/versions/` (0001 is the schema of
commit 25e3d2a). A database made before migrations has no `alembic_version`
table; it is at the revision whose tables and columns it holds (`recognise`).
"""

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from .migrations import Shape

MIGRATE = "queue-server migrate"
# The newest revision, written here so that a server starting on a database
# already at it does not load Alembic (~7 MB a process); a test holds it
# equal to the newest migration's.
HEAD = "0009"
# The revisions a database made before migrations can be at: 0002 adds only
# what such a database lacks of it (see its docstring).
BEFORE_MIGRATIONS = ("0001", "0002")
# PostgreSQL, while the servers serve: a migration waits at most this long for
# a table's lock, then gives every lock back and is tried again a moment later.
# Waiting longer would queue every request on that table behind it, and may
# never end: a server's transaction that holds the table can itself be waiting
# (for a pooled connection) on requests queued behind the migration.
LOCK_TIMEOUT_S = 2.0
LOCK_TRIES = 30
# PostgreSQL's SQLSTATEs of a lock not had in time and of a deadlock (a server's
# transaction holding one altered table and wanting another): both undo the try.
TRY_AGAIN = {"55P03", "40P01"}

log = logging.getLogger("queue_server.schema")


class SchemaError(Exception):
    """The database's schema is not this code's; the message says what to do."""


def head_revision() -> str:
    """The newest revision: the schema this code is written for."""
    from .migrations import scripts

    head = scripts().get_current_head()
    assert head is not None
    return head


@contextmanager
def _locked(target: str | Engine) -> Iterator[Connection]:
    """A transaction no other process's schema work runs beside (SQLite: BEGIN
    IMMEDIATE, from the engine; PostgreSQL: an advisory lock)."""
    from .migrations import migration_engine  # here: Alembic is loaded only when needed

    engine = migration_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(7220120)"))
            yield conn
    finally:
        if engine is not target:
            engine.dispose()


def upgrade(
    url: str, to: str = "head", *, lock_timeout_s: float = LOCK_TIMEOUT_S, tries: int = LOCK_TRIES
) -> tuple[str | None, str]:
    """Migrate the database at `url` to `to`; (revision before, revision after).
    On PostgreSQL a try that waited `lock_timeout_s` for a lock, or deadlocked
    with a server's transaction, is undone and made again, up to `tries` times
    (see LOCK_TIMEOUT_S)."""
    for attempt in range(1, tries + 1):
        try:
            return _upgrade(url, to, lock_timeout_s)
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in TRY_AGAIN or attempt == tries:
                raise
            pause = min(5.0, 0.5 * attempt) * (0.5 + random.random())
            log.warning(
                "migration: tables busy (%s); undone, trying again in %.1f s (%d/%d)",
                type(exc.orig).__name__, pause, attempt, tries,
            )  # fmt: skip
            time.sleep(pause)
    raise AssertionError("unreachable")


def _upgrade(url: str, to: str, lock_timeout_s: float) -> tuple[str | None, str]:
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    from .migrations import config, scripts

    with _locked(url) as conn:
        if conn.dialect.name == "postgresql":  # after the advisory lock, which may wait
            conn.execute(text(f"SET LOCAL lock_timeout = {int(lock_timeout_s * 1000)}"))
        before, stored = _revision(conn)
        _refuse_unknown(before)
        if before is not None and not stored:
            MigrationContext.configure(conn).stamp(scripts(), before)
        command.upgrade(config(conn), to)
        return before, MigrationContext.configure(conn).get_current_revision() or "base"


def current_revision(url: str) -> str | None:
    """The database's revision (recognised if made before migrations); None if empty."""
    with _locked(url) as conn:
        return _revision(conn)[0]


def prepare(engine: Engine) -> None:
    """Ready the database for this code, or raise SchemaError naming the command.

    An empty database gets every table as the models declare them, stamped
    with the head (tests/server/test_migrations.py holds models == head). One
    made before migrations whose tables are the head's is stamped. Any other
    database must already be at the head.
    """
    with engine.begin() as conn:
        if _stored(conn) == HEAD:  # the usual start: nothing to do, Alembic not loaded
            return
    from alembic.runtime.migration import MigrationContext

    from .migrations import scripts

    head = head_revision()
    with _locked(engine) as conn:
        revision, stored = _revision(conn)
        if revision is None:
            SQLModel.metadata.create_all(conn)
        elif revision != head:
            _refuse_unknown(revision)
            raise SchemaError(
                f"数据库结构为版本 {revision}，本程序需要 {head}：请先运行 {MIGRATE} 升级数据库。"
                f"\nThe database schema is at revision {revision}, behind this code "
                f"({head}): run `{MIGRATE}` first."
            )
        if not stored:
            MigrationContext.configure(conn).stamp(scripts(), head)


def _stored(conn: Connection) -> str | None:
    """The revision `alembic_version` holds, if the table is there."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _refuse_unknown(revision: str | None) -> None:
    from .migrations import scripts

    if revision is not None and revision not in {s.revision for s in scripts().walk_revisions()}:
        raise SchemaError(
            f"数据库结构为版本 {revision}，比本程序（{head_revision()}）新，是更新版本的一窗"
            f"升级过的：请使用那个版本。\nThe database schema is at revision {revision}, "
            f"unknown to this code ({head_revision()}): a newer yichuang migrated it; run that."
        )


def _revision(conn: Connection) -> tuple[str | None, bool]:
    """(The database's revision, whether alembic_version holds it); None if empty."""
    from .migrations import shape_at, shape_of

    stored = _stored(conn)
    if stored is not None:
        return stored, True
    ours = set(SQLModel.metadata.tables)
    if not set(inspect(conn).get_table_names()) & ours:
        return None, False
    return recognise(shape_of(conn, ours | set(shape_at(BEFORE_MIGRATIONS[0])))), False


def recognise(shape: "Shape") -> str:
    """The revision of a database made before migrations, by its tables.

    Exactly the tables and columns of 0002 (those the last version before
    migrations made): 0002. Every table and column of 0001 (the schema of
    25e3d2a) and only some of what 0002 adds (the versions in between added
    it bit by bit): 0001. Anything else is refused.
    """
    from .migrations import shape_at

    baseline, last = (shape_at(r) for r in BEFORE_MIGRATIONS)
    if shape == last:
        return BEFORE_MIGRATIONS[1]
    found = [f"missing {t}.{c}" for t in sorted(shape) for c in _less(baseline, shape, t)]
    found += [f"missing table {t}" for t in sorted(baseline) if t not in shape]
    found += [f"unexpected {t}.{c}" for t in sorted(shape) for c in _less(shape, last, t)]
    if not found:
        return BEFORE_MIGRATIONS[0]
    listed = ", ".join(found[:5]) + (f", … {len(found) - 5} more" if len(found) > 5 else "")
    raise SchemaError(
        f"数据库中的表不是任何版本的一窗所建（{listed}）：请核对数据库地址。\nThe "
        f"database's tables match no yichuang schema ({listed}); check the database URL."
    )


def _less(shape: "Shape", other: "Shape", table: str) -> list[str]:
    """The columns of `table` in `shape` that `other` lacks, in order."""
    return sorted(shape.get(table, frozenset()) - other.get(table, frozenset()))
