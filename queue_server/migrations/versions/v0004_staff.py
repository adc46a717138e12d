"""Staff accounts and their sign-in sessions (issue 14): a hall's staff with
argon2 password hashes and a lock after repeated failures, and sessions kept
only as the SHA-256 of their cookie, so that a deleted row ends one at once.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("hall_id", sa.String(length=32), nullable=False),
        sa.Column("staff_no", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"]),
        sa.PrimaryKeyConstraint("hall_id", "staff_no"),
    )
    op.create_table(
        "staff_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hall_id", sa.String(length=32), nullable=False),
        sa.Column("staff_no", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("staff_session") as batch_op:
        batch_op.create_index("ix_staff_session_member", ["hall_id", "staff_no"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_session") as batch_op:
        batch_op.drop_index("ix_staff_session_member")
    op.drop_table("staff_session")
    op.drop_table("staff")
