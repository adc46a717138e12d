"""Baseline: the schema of commit 25e3d2a, the last before migrations.

Written out table by table, not taken from the models, which keep changing.
A database made before migrations holding exactly these tables and columns is
at this revision (see `queue_server.schema.recognise`).

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The statuses of a ticket still in the hall, as 25e3d2a wrote them.
ACTIVE = sa.text("status IN ('called', 'serving', 'suspended', 'waiting')")


def _str(name: str, *, nullable: bool = False, length: int | None = None) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _int(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def _date(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Date(), nullable=False)


def _json(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON(), nullable=nullable)


def upgrade() -> None:
    _hall_and_windows()
    _tickets()
    _feed_and_tokens()
    _reports()
    _appointments()


def _hall_and_windows() -> None:
    op.create_table(
        "hall",
        _str("id", length=32),
        _str("name"),
        _str("timezone"),
        _json("services"),
        _json("policy"),
        _json("hours"),
        _int("seq"),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "window",
        _str("hall_id"),
        _int("number"),
        _str("label"),
        sa.Column("accepts_all", sa.Boolean(), nullable=False),
        _json("services"),
        _json("categories"),
        _str("lane"),
        _str("state"),
        _str("ticket_id", nullable=True),
        _time("state_since", nullable=True),
        _int("version"),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"]),
        sa.PrimaryKeyConstraint("hall_id", "number"),
    )
    op.create_table(
        "counter",
        _str("hall_id"),
        _date("business_date"),
        _str("prefix"),
        _int("value"),
        sa.PrimaryKeyConstraint("hall_id", "business_date", "prefix"),
    )
    op.create_table("meta", _str("key"), _str("value"), sa.PrimaryKeyConstraint("key"))


def _tickets() -> None:
    op.create_table(
        "ticket",
        _str("id", length=24),
        _str("hall_id"),
        _date("business_date"),
        *(_str(name) for name in ("number", "service", "category", "priority", "status")),
        _str("entry"),
        _time("arrived_at"),
        _time("issued_at"),
        _int("window", nullable=True),
        _int("directed_window", nullable=True),
        *(_time(f"{name}_at", nullable=True) for name in ("first_called", "called", "started")),
        _time("finished_at", nullable=True),
        _int("recalls"),
        _str("outcome", nullable=True),
        _str("parent_id", nullable=True),
        _time("appointment_at", nullable=True),
        *(_str(name, nullable=True) for name in ("appointment_code", "transferred_to")),
        *(_str(name, nullable=True) for name in ("id_hash", "id_masked", "idem_key")),
        _str("issued_by", nullable=True),
        _int("version"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hall_id", "idem_key", name="uq_ticket_idem"),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"]),
    )
    op.create_index("ix_ticket_day", "ticket", ["hall_id", "business_date"])
    op.create_index("ix_ticket_queue", "ticket", ["hall_id", "status"])
    op.create_index(
        "uq_ticket_person",
        "ticket",
        ["hall_id", "service", "id_hash"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "transition",
        sa.Column("id", sa.Integer(), nullable=False),
        _str("hall_id"),
        _str("ticket_id"),
        _str("action"),
        _str("from_status", nullable=True),
        _str("to_status"),
        _time("at"),
        _int("window", nullable=True),
        _str("actor"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transition_hall_id", "transition", ["hall_id"])
    op.create_index("ix_transition_ticket_id", "transition", ["ticket_id"])


def _feed_and_tokens() -> None:
    op.create_table(
        "event",
        _str("hall_id"),
        _int("seq"),
        _str("type"),
        _json("data", nullable=False),
        _str("ticket_id", nullable=True),
        _time("at"),
        sa.PrimaryKeyConstraint("hall_id", "seq"),
    )
    op.create_table(
        "token",
        _str("id", length=16),
        _str("token_hash"),
        _str("role"),
        _str("hall_id", nullable=True),
        _int("window", nullable=True),
        _str("label"),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "device",
        _str("token_id", length=16),
        _str("hall_id"),
        _str("label"),
        _str("state"),
        _str("detail", nullable=True),
        _time("since"),
        sa.PrimaryKeyConstraint("token_id"),
    )
    op.create_index("ix_device_hall_id", "device", ["hall_id"])


def _reports() -> None:
    op.create_table(
        "rating",
        _str("ticket_id"),
        _str("hall_id"),
        _date("business_date"),
        _int("window", nullable=True),
        _int("score"),
        _str("comment", nullable=True),
        _time("at"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("ix_rating_hall_id", "rating", ["hall_id"])
    op.create_table(
        "alert",
        _str("hall_id"),
        _str("kind"),
        _str("key"),
        _date("business_date"),
        _json("data", nullable=False),
        _time("at"),
        sa.PrimaryKeyConstraint("hall_id", "kind", "key"),
    )
    op.create_table(
        "day_report",
        _str("hall_id"),
        _date("business_date"),
        _json("figures", nullable=False),
        _time("at"),
        sa.PrimaryKeyConstraint("hall_id", "business_date"),
    )
    op.create_table(
        "figure_snapshot",
        _str("hall_id"),
        _time("at"),
        _date("business_date"),
        *(_int(name) for name in ("waiting", "in_progress", "served")),
        _int("mean_wait_s", nullable=True),
        _int("open_windows"),
        sa.PrimaryKeyConstraint("hall_id", "at"),
    )
    op.create_index("ix_figure_snapshot_business_date", "figure_snapshot", ["business_date"])


def _appointments() -> None:
    op.create_table(
        "appointment",
        _str("code", length=16),
        _str("hall_id"),
        _str("service"),
        _date("business_date"),
        _time("slot_start"),
        _time("slot_end"),
        *(_str(name) for name in ("name", "id_hash", "id_masked", "phone_masked", "priority")),
        _json("form"),
        _str("status"),
        _str("ticket_id", nullable=True),
        _time("created_at"),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"]),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_appointment_slot", "appointment", ["hall_id", "service", "slot_start"])
    op.create_index("ix_appointment_person", "appointment", ["id_hash", "business_date"])
    op.create_table(
        "booking_ban",
        _str("id_hash"),
        _time("until"),
        _int("strikes"),
        sa.PrimaryKeyConstraint("id_hash"),
    )


TABLES = (
    "booking_ban",
    "appointment",
    "figure_snapshot",
    "day_report",
    "alert",
    "rating",
    "device",
    "token",
    "event",
    "transition",
    "ticket",
    "meta",
    "counter",
    "window",
    "hall",
)


def downgrade() -> None:
    for table in TABLES:  # those holding a foreign key before the hall they name
        op.drop_table(table)
