"""Schema migrations: a day stored by 25e3d2a is migrated and served; a
database behind (or ahead of) the code is refused with the command to run; the
models are exactly the migrations' head; a database from before migrations is
recognised by its tables.

The day (`day_25e3d2a.json`) was made by 25e3d2a's own server through its API
and read back row by row; it is inserted here into the tables migration 0001
makes, through reflected tables, so no model of today is involved.
"""

import json
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Date, DateTime, MetaData, String, Table, create_engine, inspect, text
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from queue_server import migrations, schema
from queue_server.app import create_app
from queue_server.cli import main
from queue_server.settings import Settings
from queue_server.store import Store, normalise_url
from tests.conftest import Clock
from tests.server.conftest import ADMIN, bearer

DAY: dict[str, Any] = json.loads(Path(__file__).with_name("day_25e3d2a.json").read_text("utf-8"))
TOKENS = {role: bearer(token) for role, token in DAY["tokens"].items()}
HEAD = schema.head_revision()


def settings(url: str) -> Settings:
    return Settings(database_url=url, admin_token=ADMIN, secret_key="test-key", jobs_interval_s=0)


def execute(url: str, *statements: str) -> None:
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def fill_with_the_day(url: str) -> None:
    """The day's rows, in 25e3d2a's tables (transition ids come from the database)."""
    engine = create_engine(normalise_url(url))
    tables = MetaData()
    with engine.begin() as conn:
        tables.reflect(conn, only=list(DAY["tables"]))
        for name, rows in DAY["tables"].items():
            table = tables.tables[name]
            conn.execute(table.insert(), [typed(table, row) for row in rows])
    engine.dispose()


def typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The row with dates and times back from their JSON strings."""
    values = {k: v for k, v in row.items() if (table.name, k) != ("transition", "id")}
    for name, value in values.items():
        kind = table.c[name].type
        if isinstance(value, str) and isinstance(kind, DateTime):
            values[name] = datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(kind, Date):
            values[name] = date.fromisoformat(value)
    return values


def a_25e3d2a_database(url: str, *, versioned: bool = True) -> None:
    """25e3d2a's schema (migration 0001 only) holding the day; without
    alembic_version when made before migrations."""
    assert schema.upgrade(url, "0001") == (None, "0001")
    fill_with_the_day(url)
    if not versioned:
        execute(url, "DROP TABLE alembic_version")


def serves_the_day(url: str) -> None:
    """The migrated day on the board, the status page and the stats; new tickets issue."""
    clock = Clock(datetime(2026, 11, 25, 1, 45, tzinfo=UTC))  # 09:45, after the day's rows
    with TestClient(create_app(settings(url), clock=clock)) as c:
        board = c.get("/api/halls/h1/board", headers=TOKENS["display"]).json()
        assert {w["number"]: (w["state"], w["ticket"]) for w in board["windows"]} == {
            1: ("open", None),
            2: ("serving", "A002"),
            3: ("closed", None),
            4: ("calling", "B001"),
            5: ("closed", None),
        }
        assert [call["number"] for call in board["last_calls"]] == ["B001", "A002", "A001", "A003"]
        waiting = next(t for t in DAY["tables"]["ticket"] if t["status"] == "waiting")
        view = c.get(f"/api/tickets/{waiting['id']}").json()
        assert (view["number"], view["status"]) == (waiting["number"], "waiting")
        assert c.get(f"/t/{waiting['id']}").status_code == 200
        stats = c.get("/api/halls/h1/stats", headers=TOKENS["supervisor"]).json()
        counts = ("issued", "served", "no_show", "cancelled", "waiting", "in_progress")
        assert [stats[k] for k in counts] == [6, 1, 1, 1, 1, 2]
        assert (stats["handling_s"]["mean"], stats["ratings"]["count"]) == (300, 1)
        code = DAY["tables"]["appointment"][0]["code"]
        assert c.get(f"/api/appointments/{code}").json()["status"] == "booked"
        issued = c.post(
            "/api/halls/h1/tickets", json={"service": "HZ-SFZ-HL"}, headers=TOKENS["kiosk"]
        )
        assert issued.status_code == 201 and issued.json()["number"] == "A005", issued.text
        called = c.post("/api/halls/h1/windows/1/call-next", headers=TOKENS["window_1"])
        assert called.status_code == 200 and called.json()["ticket"]["number"] in ("B002", "A005")


def test_a_day_stored_by_25e3d2a_is_migrated_and_served(db_url: str) -> None:
    a_25e3d2a_database(db_url)
    assert schema.upgrade(db_url) == ("0001", HEAD)
    serves_the_day(db_url)


def test_a_database_behind_is_refused_naming_the_command(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a_25e3d2a_database(db_url)
    with (
        pytest.raises(schema.SchemaError, match="queue-server migrate"),
        TestClient(create_app(settings(db_url))),
    ):
        pass
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("served a database behind"))
    assert main(["serve", "--database-url", db_url]) == 2
    refusal = capsys.readouterr().out
    assert "0001" in refusal and "queue-server migrate" in refusal
    assert main(["migrate", "--database-url", db_url]) == 0
    assert f"from revision 0001 to {HEAD}" in capsys.readouterr().out
    assert main(["migrate", "--database-url", db_url]) == 0
    assert f"already at revision {HEAD}" in capsys.readouterr().out
    serves_the_day(db_url)


def made(url: str) -> None:
    """What the server does on start: an empty database gets its tables."""
    store = Store(url)
    store.create_all()
    store.dispose()


def test_a_database_migrated_by_newer_code_is_refused(db_url: str) -> None:
    made(db_url)
    execute(db_url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(schema.SchemaError, match=r"9999.*newer"):
        Store(db_url).create_all()
    with pytest.raises(schema.SchemaError, match="9999"):
        schema.upgrade(db_url)


def schema_diff(url: str, metadata: MetaData) -> list[Any]:
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        found: list[Any] = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    return found


def test_the_models_are_the_migrations_head(db_url: str) -> None:
    """The guard: a change to the models without its migration fails here."""
    assert schema.upgrade(db_url) == (None, HEAD)
    assert schema_diff(db_url, SQLModel.metadata) == []
    changed = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["token"].append_column(Column("added_without_a_migration", String()))
    assert [d[0] for d in schema_diff(db_url, changed)] == ["add_column"]


def test_an_empty_database_is_made_from_the_models_at_the_head(db_url: str) -> None:
    made(db_url)
    made(db_url)  # again: already there
    assert schema.current_revision(db_url) == HEAD
    assert schema_diff(db_url, SQLModel.metadata) == []


def test_the_migrations_go_down_to_the_baseline_and_to_nothing(db_url: str) -> None:
    schema.upgrade(db_url)
    engine = migrations.migration_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(migrations.config(conn), "0001")
    assert schema.current_revision(db_url) == "0001"
    with engine.begin() as conn:
        command.downgrade(migrations.config(conn), "base")
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_a_database_from_before_migrations_is_recognised_and_upgraded(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a_25e3d2a_database(db_url, versioned=False)
    assert schema.current_revision(db_url) == "0001"
    with pytest.raises(schema.SchemaError, match="queue-server migrate"):
        Store(db_url).create_all()
    assert main(["migrate", "--database-url", db_url]) == 0
    assert f"from revision 0001 to {HEAD}" in capsys.readouterr().out
    serves_the_day(db_url)


def test_a_database_from_between_25e3d2a_and_migrations_is_at_the_baseline(db_url: str) -> None:
    """A version in between had added the token's expiry, not yet the bookings' tables."""
    a_25e3d2a_database(db_url, versioned=False)
    kind = "DATETIME" if db_url.startswith("sqlite") else "TIMESTAMP"  # as that version wrote it
    execute(
        db_url,
        f"ALTER TABLE token ADD COLUMN expires_at {kind}",
        f"ALTER TABLE token ADD COLUMN revoked_at {kind}",
    )
    assert schema.current_revision(db_url) == "0001"
    assert schema.upgrade(db_url) == ("0001", HEAD)
    assert schema_diff(db_url, SQLModel.metadata) == []


def test_a_database_made_by_the_last_version_before_migrations_is_at_0002(db_url: str) -> None:
    schema.upgrade(db_url, "0002")
    execute(db_url, "DROP TABLE alembic_version")  # that version made the tables, not migrations
    assert schema.current_revision(db_url) == "0002"
    if HEAD == "0002":  # until the next migration, such a database serves as it is
        made(db_url)
        with TestClient(create_app(settings(db_url))) as c:
            assert c.get("/healthz").status_code == 200
    assert schema.upgrade(db_url) == ("0002", HEAD)


def test_tables_of_no_known_version_are_refused(db_url: str) -> None:
    execute(db_url, "CREATE TABLE hall (id VARCHAR PRIMARY KEY)")
    with pytest.raises(schema.SchemaError, match=r"no yichuang schema \(missing hall\.created_at"):
        Store(db_url).create_all()


def test_the_written_head_is_the_newest_migration() -> None:
    assert schema.head_revision() == schema.HEAD


def test_a_server_starting_on_a_database_at_the_head_does_not_load_alembic(
    tmp_path: Path,
) -> None:
    """Alembic costs each server process ~7 MB; a start with nothing to migrate
    reads the revision with one query instead."""
    url = f"sqlite:///{tmp_path}/at-head.db"
    Store(url).create_all()
    started = subprocess.run(
        [sys.executable, "-c", START.format(url=url)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["ready", "alembic:False"]


START = """
import sys
from queue_server.store import Store
store = Store({url!r})
store.create_all()
store.dispose()
print("ready", f"alembic:{{'alembic' in sys.modules}}")
"""


@pytest.mark.postgres
def test_a_migration_waiting_on_a_busy_table_gives_its_locks_back_and_tries_again(
    pg_url: str,
) -> None:
    """While the servers serve: a transaction holding `ticket` (as a server's
    might, waiting on requests queued behind the migration) must not freeze the
    city. The migration waits `lock_timeout_s` for the table, undoes itself (the
    tables it had altered are free again at once) and succeeds once it is free."""
    schema.upgrade(pg_url, "0007")
    engine = create_engine(normalise_url(pg_url))
    busy = engine.connect()
    busy.begin()
    busy.execute(text("SELECT count(*) FROM ticket"))  # holds ticket until it ends
    done: list[tuple[str | None, str]] = []
    migrating = threading.Thread(
        target=lambda: done.append(schema.upgrade(pg_url, lock_timeout_s=0.2, tries=50))
    )
    migrating.start()
    try:
        # Meanwhile a request on a table the migration alters before `ticket`
        # is answered: the migration never sits on its locks for long.
        for _ in range(5):
            with engine.connect() as other:
                other.execute(text("SET lock_timeout = 2000"))
                other.execute(text("SELECT count(*) FROM appointment"))
        assert migrating.is_alive() and not done  # it still waits for ticket
    finally:
        busy.rollback()
        busy.close()
    migrating.join(timeout=60)
    engine.dispose()
    assert done == [("0007", HEAD)]
