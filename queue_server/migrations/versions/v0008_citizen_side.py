"""The citizen's side (issue 16): 办事指引 answers on bookings and tickets;
remote places (线上取号) with check-in and grace; green-channel groups the
clerk confirms; text reminders; phone challenges for moving or cancelling a
booking; 送服务上门 home visits.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_visit",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("hall_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("contact_masked", sa.String(), nullable=False),
        sa.Column("phone_masked", sa.String(), nullable=False),
        sa.Column("phone_hash", sa.String(), nullable=False),
        sa.Column("phone_enc", sa.String(), nullable=False),
        sa.Column("address_enc", sa.String(), nullable=False),
        sa.Column("wanted_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=True),
        sa.Column("staff_no", sa.String(length=20), nullable=True),
        sa.Column("ticket_id", sa.String(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("home_visit", schema=None) as batch_op:
        batch_op.create_index("ix_home_visit_hall_status", ["hall_id", "status"], unique=False)

    op.create_table(
        "phone_challenge",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("hall_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("phone_hash", sa.String(), nullable=False),
        sa.Column("phone_enc", sa.String(), nullable=True),
        sa.Column("code_hash", sa.String(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))

    with op.batch_alter_table("pending_booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("remote", sa.Boolean(), server_default=sa.text("(false)"), nullable=False)
        )
        batch_op.add_column(sa.Column("checked_in_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("passed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("green_check", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("phone_enc", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("remind_ahead", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reminded", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("reminded")
        batch_op.drop_column("remind_ahead")
        batch_op.drop_column("phone_enc")
        batch_op.drop_column("green_check")
        batch_op.drop_column("passed_at")
        batch_op.drop_column("checked_in_at")
        batch_op.drop_column("remote")
        batch_op.drop_column("answers")

    with op.batch_alter_table("pending_booking", schema=None) as batch_op:
        batch_op.drop_column("answers")

    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_column("answers")

    op.drop_table("phone_challenge")
    with op.batch_alter_table("home_visit", schema=None) as batch_op:
        batch_op.drop_index("ix_home_visit_hall_status")

    op.drop_table("home_visit")
