"""Replies: applicants' answers filed on the candidate, bounced emails, the reply address.

``reply_addresses`` holds each application's opaque reply token (experts+r-<token>@…);
the applications already stored get a fresh random one here. ``applicant_replies`` and
``reply_attachments`` hold the replies fetched from the desk's mailbox and their files,
``mailbox_cursors`` how far the fetcher has read a folder. An outbox email may now be
``bounced``. The downgrade drops the tables and turns bounced emails
back into sent ones (which they were before the bounce arrived).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:30:00.000000

"""

import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('draft', 'queued', 'sending', 'sent', 'failed')"
NEW_STATUSES = "status IN ('draft', 'queued', 'sending', 'sent', 'failed', 'bounced')"
FILE_TYPES = "file_type IN ('pdf', 'docx', 'odt', 'rtf', 'txt')"


def _email_statuses(condition: str) -> None:
    # SQLite changes a CHECK only by copying the table (batch mode); outbox_emails has no
    # triggers that a copy would lose.
    with op.batch_alter_table("outbox_emails", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_emails_status_valid"), type_="check")
        batch_op.create_check_constraint("status_valid", condition)


def upgrade():
    op.create_table(
        "reply_addresses",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_reply_addresses_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_reply_addresses")),
        sa.UniqueConstraint("token", name=op.f("uq_reply_addresses_token")),
    )
    # Every application stored before gets its reply address now.
    connection = op.get_bind()
    ids = connection.scalars(sa.text("SELECT id FROM applications ORDER BY id")).all()
    addresses = sa.table(
        "reply_addresses", sa.column("application_id", sa.Integer), sa.column("token", sa.String)
    )
    if ids:
        connection.execute(
            addresses.insert(),
            [{"application_id": id_, "token": secrets.token_hex(16)} for id_ in ids],
        )

    op.create_table(
        "applicant_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("from_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("refused", sa.JSON(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_applicant_replies_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicant_replies")),
        sa.UniqueConstraint("message_id", name=op.f("uq_applicant_replies_message_id")),
    )
    op.create_index(
        "ix_applicant_replies_application_read", "applicant_replies", ["application_id", "read_at"]
    )
    op.create_table(
        "reply_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(FILE_TYPES, name=op.f("ck_reply_attachments_file_type_valid")),
        sa.CheckConstraint("size > 0", name=op.f("ck_reply_attachments_size_positive")),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["applicant_replies.id"],
            name=op.f("fk_reply_attachments_reply_id_applicant_replies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_reply_attachments_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_attachments")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_reply_attachments_storage_key")),
    )
    op.create_index(op.f("ix_reply_attachments_reply_id"), "reply_attachments", ["reply_id"])
    op.create_index(
        op.f("ix_reply_attachments_application_id"), "reply_attachments", ["application_id"]
    )
    op.create_table(
        "mailbox_cursors",
        sa.Column("mailbox", sa.String(length=300), nullable=False),
        sa.Column("uid_validity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_mailbox_cursors")),
    )
    _email_statuses(NEW_STATUSES)


def downgrade():
    op.execute("UPDATE outbox_emails SET status = 'sent' WHERE status = 'bounced'")
    _email_statuses(OLD_STATUSES)
    op.drop_table("mailbox_cursors")
    op.drop_index(op.f("ix_reply_attachments_application_id"), table_name="reply_attachments")
    op.drop_index(op.f("ix_reply_attachments_reply_id"), table_name="reply_attachments")
    op.drop_table("reply_attachments")
    op.drop_index("ix_applicant_replies_application_read", table_name="applicant_replies")
    op.drop_table("applicant_replies")
    op.drop_table("reply_addresses")
