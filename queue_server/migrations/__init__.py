"""Alembic migrations of yichuang's database, and the plumbing to run them in
code (no alembic.ini): the configuration, the engine, the tables at a revision.
`queue_server.schema` decides when they run.
"""

from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.pool import NullPool

from ..store import normalise_url

VERSION_TABLE = "alembic_version"
Shape = dict[str, frozenset[str]]  # table -> its columns


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration; env.py migrates `connection` when given."""
    cfg = Config(attributes={"connection": connection})
    cfg.set_main_option("script_location", str(Path(__file__).parent))
    return cfg


@cache
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def migration_engine(url: str) -> Engine:
    """An engine for migrations; on SQLite a whole upgrade is one transaction."""
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(conn: Any, _record: Any) -> None:
            conn.isolation_level = None  # BEGIN comes from the listener below

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def shape_of(conn: Connection, tables: set[str]) -> Shape:
    """The columns of those of `tables` the database holds."""
    found = inspect(conn)
    return {
        t: frozenset(c["name"] for c in found.get_columns(t))
        for t in found.get_table_names()
        if t in tables
    }


@cache
def shape_at(revision: str) -> Shape:
    """The tables and columns at `revision`, from its migrations run in memory."""
    with migration_engine("sqlite://").begin() as conn:
        command.upgrade(config(conn), revision)
        return shape_of(conn, set(inspect(conn).get_table_names()) - {VERSION_TABLE})
