"""A staff session's window (issue 14): a clerk signed in at a window acts as
that window until signing out or closing it; no window while only logged in.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_session") as batch_op:
        batch_op.add_column(sa.Column("window", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_session") as batch_op:
        batch_op.drop_column("window")
