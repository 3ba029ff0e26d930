"""Notifications: what each staff member is told about, their email choices per event,
the regions they chose not to follow, the daily digests sent, and each person's language.

Following is stored as opt-outs (unfollowed_regions): everyone follows every region of
every open call unless a row says otherwise, so new calls and new staff need no rows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 00:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

EVENTS = (
    "'new_application', 'assigned', 'mentioned', 'status_changed', 'withdrew', 'replied', 'bounced'"
)


def upgrade():
    # Plain ALTER TABLE (never recreating users: see 0009).
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(f"event IN ({EVENTS})", name=op.f("ck_notifications_event_valid")),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_notifications_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_notifications_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_notifications_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_application_id"), "notifications", ["application_id"])
    op.create_index(op.f("ix_notifications_comment_id"), "notifications", ["comment_id"])
    op.create_index("ix_notifications_user_read", "notifications", ["user_id", "read_at"])
    op.create_index(
        "ix_notifications_user_created", "notifications", ["user_id", "created_at", "id"]
    )
    op.create_table(
        "notification_choices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("delivery", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            f"event IN ({EVENTS})", name=op.f("ck_notification_choices_event_valid")
        ),
        sa.CheckConstraint(
            "delivery IN ('at_once', 'digest', 'never')",
            name=op.f("ck_notification_choices_delivery_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_choices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "event", name=op.f("pk_notification_choices")),
    )
    op.create_table(
        "unfollowed_regions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_unfollowed_regions_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_unfollowed_regions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "call_id", "region", name=op.f("pk_unfollowed_regions")),
    )
    op.create_table(
        "digests_sent",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_digests_sent_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_digests_sent")),
    )


def downgrade():
    op.drop_table("digests_sent")
    op.drop_table("unfollowed_regions")
    op.drop_table("notification_choices")
    op.drop_index("ix_notifications_user_created", table_name="notifications")
    op.drop_index("ix_notifications_user_read", table_name="notifications")
    op.drop_index(op.f("ix_notifications_comment_id"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_application_id"), table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("language")
