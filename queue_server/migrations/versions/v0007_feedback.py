"""好差评 (issue 15): rating reasons and the 办件 record on a rating; 差评 and
「办不成事」 cases; 容缺受理 follow-ups; the outbox to the provincial platform
and for text messages, with its delivery log; a hall's feedback settings; a
booking's sealed phone for the 短信评价 link.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_case",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("hall_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=True),
        sa.Column("number", sa.String(), nullable=True),
        sa.Column("service", sa.String(), nullable=True),
        sa.Column("window", sa.Integer(), nullable=True),
        sa.Column("staff_no", sa.String(), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("comment", sa.String(), nullable=True),
        sa.Column("phone_enc", sa.String(), nullable=True),
        sa.Column("phone_masked", sa.String(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("assignee", sa.String(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback_case", schema=None) as batch_op:
        batch_op.create_index("ix_case_hall_status", ["hall_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_case_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "followup",
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("hall_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=True),
        sa.Column("staff_no", sa.String(), nullable=True),
        sa.Column("id_hash", sa.String(), nullable=True),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.create_index("ix_followup_hall_open", ["hall_id", "closed_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("gave_up_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["delivered_at", "next_at"], unique=False)

    op.create_table(
        "outbox_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_delivery_hall_id"), ["hall_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_delivery_outbox_id"), ["outbox_id"], unique=False
        )

    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_enc", sa.String(), nullable=True))

    with op.batch_alter_table("hall", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback", sa.JSON(), nullable=True))

    with op.batch_alter_table("pending_booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_enc", sa.String(), nullable=True))

    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reasons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("service", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("staff_no", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("phone_enc", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("phone_masked", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_column("changed_at")
        batch_op.drop_column("phone_masked")
        batch_op.drop_column("phone_enc")
        batch_op.drop_column("staff_no")
        batch_op.drop_column("service")
        batch_op.drop_column("source")
        batch_op.drop_column("reasons")

    with op.batch_alter_table("pending_booking", schema=None) as batch_op:
        batch_op.drop_column("phone_enc")

    with op.batch_alter_table("hall", schema=None) as batch_op:
        batch_op.drop_column("feedback")

    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_column("phone_enc")

    with op.batch_alter_table("outbox_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_delivery_outbox_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_delivery_hall_id"))

    op.drop_table("outbox_delivery")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_hall_open")

    op.drop_table("followup")
    with op.batch_alter_table("feedback_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_case_ticket_id"))
        batch_op.drop_index("ix_case_hall_status")

    op.drop_table("feedback_case")
