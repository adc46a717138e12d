"""Alembic's entry point for yichuang's migrations.

`queue_server.schema` runs it in-process with an open connection in
`config.attributes["connection"]`; the alembic command line (only to write a
new migration, see the README) runs it on QUEUE_DATABASE_URL.
"""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.types import DateTime, String, TypeDecorator
from sqlmodel import SQLModel

import queue_server.citizen_models
import queue_server.feedback_models
import queue_server.models  # noqa: F401
from queue_server.migrations import migration_engine
from queue_server.settings import Settings


def render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Write the models' column types as plain SQLAlchemy types: a migration
    must not import the models, which keep changing after it is written."""
    if kind != "type":
        return False
    plain = obj.impl if isinstance(obj, TypeDecorator) else obj  # AutoString, UTCDateTime
    if type(plain) is DateTime:
        return "sa.DateTime()"
    if type(plain) is String:
        return f"sa.String(length={plain.length})" if plain.length else "sa.String()"
    return False  # alembic's own rendering


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite alters a table by copying it; PostgreSQL ignores this
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("yichuang's migrations run against a database, not as SQL (--sql)")
shared: Connection | None = context.config.attributes.get("connection")
if shared is not None:
    run(shared)
else:
    engine = migration_engine(Settings.from_env().database_url)
    try:
        with engine.begin() as connection:
            run(connection)
    finally:
        engine.dispose()
