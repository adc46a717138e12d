"""The director's console (issue 14): the audit; a hall's lobby line, per-item
settings and 专项服务; a 导办 note on a ticket; one-time links that hand a
device its credential; a device's last heartbeat.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index("ix_audit_hall_at", ["hall_id", "at"], unique=False)

    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("hall", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("announcement", sa.String(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("catalogue", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("specials", sa.JSON(), nullable=True))

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.String(), nullable=True))

    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claim_expires_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_token_claim_hash"), ["claim_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_claim_hash"))
        batch_op.drop_column("claim_expires_at")
        batch_op.drop_column("claim_hash")

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("note")

    with op.batch_alter_table("hall", schema=None) as batch_op:
        batch_op.drop_column("specials")
        batch_op.drop_column("catalogue")
        batch_op.drop_column("announcement")

    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("seen_at")

    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_hall_at")

    op.drop_table("audit")
