"""Why this ticket (issue 18): each call's reason, how many tickets it passed
over and when the first of them arrived (on the transition), and the reason of
a ticket's last call (on the ticket, for the board and the holder's page).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("call_reason", sa.String(length=16), nullable=True))
    with op.batch_alter_table("transition") as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("passed", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("passed_since", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transition") as batch_op:
        batch_op.drop_column("passed_since")
        batch_op.drop_column("passed")
        batch_op.drop_column("reason")
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_column("call_reason")
