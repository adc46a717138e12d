"""`queue-server backup` and `restore` for a hall on SQLite.

A backup is taken with SQLite's online backup API while the server runs: the
copy is one consistent moment of the database, whatever is being written.
It is written beside its destination and renamed into place only once it
has passed `PRAGMA integrity_check`, so a half-written file never looks
like a backup. The ID-hash key is not in the database (see `id_key`):
keep the key file with the backups, apart from them, or hashes made after a
restore will not match the ones before.

A restore checks the backup the same way, keeps the database it replaces
beside it (`<name>.before-restore-<time>`), and writes the backup into
place with the same API, which takes SQLite's locks: stop the servers of
that database first (`docs/operations.md`), or they keep serving what they
had read. PostgreSQL is backed up with its own tools (pg_dump, see the docs).
"""

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .schema import head_revision

_COUNTED = ("hall", "ticket", "appointment")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def sqlite_file(database_url: str) -> Path:
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or ":memory:" in database_url:
        raise BackupError(
            "backup and restore work on SQLite files; for PostgreSQL use pg_dump and "
            "pg_restore (docs/operations.md#backup-and-restore)"
        )
    return Path(database_url[len(prefix) :].split("?")[0])


def backup(database: Path, dest: Path) -> dict[str, Any]:
    """Copy the live `database` to `dest`; what the copy holds."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    if dest.exists():
        raise BackupError(f"{dest} exists; choose a new file name")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as out:
            source.backup(out)
        summary = inspect(partial)
    except (sqlite3.Error, BackupError):
        partial.unlink(missing_ok=True)
        raise
    partial.rename(dest)
    return summary | {"file": str(dest), "bytes": dest.stat().st_size}


def restore(backup_file: Path, database: Path) -> dict[str, Any]:
    """Replace `database` with `backup_file`; what it now holds and where the old one went."""
    summary = inspect(backup_file)
    kept = None
    if database.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        with closing(sqlite3.connect(database)) as old, closing(sqlite3.connect(kept)) as out:
            old.backup(out)
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(backup_file)) as source, closing(sqlite3.connect(database)) as db:
        source.backup(db)
    return summary | {"file": str(database), "replaced_kept_as": str(kept) if kept else None}


def inspect(path: Path) -> dict[str, Any]:
    """A database file's integrity, schema revision and row counts; BackupError if unfit."""
    if not path.exists():
        raise BackupError(f"no file at {path}")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path} is damaged: {verdict}")
            revision = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _COUNTED}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a yichuang database ({exc})") from None
    head = head_revision()
    if revision > head:
        raise BackupError(f"{path} is at schema {revision}, newer than this version ({head})")
    return {"revision": revision, "counts": counts, "needs_migrate": revision != head}
