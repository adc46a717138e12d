"""An index of the day's calls: the board's last calls, newest first, read
without sorting every ticket of the day (issue 13: cost flat in queue length).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.create_index(
            "ix_ticket_calls", ["hall_id", "business_date", "called_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_index("ix_ticket_calls")
