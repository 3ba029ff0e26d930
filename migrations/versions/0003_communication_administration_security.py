"""Email templates, call targets and privacy notices, retention, status links, two-factor sign-in.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:42:14.336106

"""

import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "email_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "key IN ('acknowledgement', 'request_info', 'trial_invitation', 'acceptance', 'rejection', 'withdrawal_confirmation')",
            name=op.f("ck_email_templates_key_valid"),
        ),
        sa.CheckConstraint(
            "language IN ('de', 'en', 'ru')", name=op.f("ck_email_templates_language_valid")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_email_templates_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_templates")),
        sa.UniqueConstraint("key", "language", name="uq_email_templates_key_language"),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"])

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("access_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_applications_name_key"), ["name_key"])
        batch_op.create_index("ix_applications_status_decided", ["status", "decided_at"])
    # Every existing application gets its own secret for its status link.
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM applications")).scalars().all()
    for application_id in ids:
        connection.execute(
            sa.text("UPDATE applications SET access_key = :key WHERE id = :id"),
            {"key": secrets.token_urlsafe(24), "id": application_id},
        )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.alter_column("access_key", existing_type=sa.String(length=64), nullable=False)

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("targets", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("privacy_notice", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(sa.Column("privacy_version", sa.String(length=40), nullable=True))

    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_emails_created_by_id_users"),
            "users",
            ["created_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")

    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_emails_created_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("created_by_id")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("privacy_version")
        batch_op.drop_column("privacy_notice")
        batch_op.drop_column("targets")

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_status_decided")
        batch_op.drop_index(batch_op.f("ix_applications_name_key"))
        batch_op.drop_column("access_key")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("name_key")

    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")

    op.drop_table("recovery_codes")
    op.drop_table("email_templates")
