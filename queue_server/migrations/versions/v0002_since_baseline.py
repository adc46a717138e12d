"""Changes from 25e3d2a until migrations began.

Token expiry and revocation, alert acknowledgements, booking by one-time code
(document type and phone hash on appointments, pending bookings).

The versions in between created tables and added nullable columns on start,
one change at a time, so a database they made may already hold part of this:
each step here is taken only if it is missing. Later migrations are plain.

Revision ID: 0002
Revises: 0001
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS: dict[str, tuple[tuple[str, type[sa.types.TypeEngine[Any]]], ...]] = {
    "token": (("expires_at", sa.DateTime), ("revoked_at", sa.DateTime)),
    "appointment": (("document_type", sa.String), ("phone_hash", sa.String)),
}


def upgrade() -> None:
    found = sa.inspect(op.get_bind())
    tables = set(found.get_table_names())
    for table, columns in COLUMNS.items():
        have = {c["name"] for c in found.get_columns(table)}
        with op.batch_alter_table(table) as batch:
            for name, kind in columns:
                if name not in have:
                    batch.add_column(sa.Column(name, kind(), nullable=True))
    if "pending_booking" not in tables:
        _pending_booking()
    if "alert_ack" not in tables:
        op.create_table(
            "alert_ack",
            sa.Column("hall_id", sa.String(), nullable=False),
            sa.Column("alert_id", sa.String(), nullable=False),
            sa.Column("by", sa.String(), nullable=False),
            sa.Column("by_label", sa.String(), nullable=False),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("hall_id", "alert_id"),
        )


def _pending_booking() -> None:
    op.create_table(
        "pending_booking",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("hall_id", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("slot_start", sa.DateTime(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("document_type", sa.String(), nullable=False),
        sa.Column("id_hash", sa.String(), nullable=False),
        sa.Column("id_masked", sa.String(), nullable=False),
        sa.Column("phone_hash", sa.String(), nullable=False),
        sa.Column("phone_masked", sa.String(), nullable=False),
        sa.Column("priority", sa.String(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=True),
        sa.Column("code_hash", sa.String(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("alert_ack")
    op.drop_table("pending_booking")
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, _kind in reversed(columns):
                batch.drop_column(name)
