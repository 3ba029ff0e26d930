"""Machine-translated previews and the site settings that switch them on.

``site_settings`` holds settings admins change on a page (one row per key, with who
changed it last); ``translation_previews`` the German machine translations of documents,
erased with their application (both foreign keys cascade).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 06:10:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_site_settings_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_settings")),
    )
    op.create_table(
        "translation_previews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("target_language", sa.String(length=5), nullable=False),
        sa.Column("service_host", sa.String(length=255), nullable=False),
        sa.Column("detected_language", sa.String(length=10), nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_translation_previews_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_translation_previews_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_translation_previews_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_previews")),
        sa.UniqueConstraint(
            "document_id", "target_language", name=op.f("uq_translation_previews_document")
        ),
    )
    op.create_index(
        op.f("ix_translation_previews_application_id"),
        "translation_previews",
        ["application_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_translation_previews_application_id"), table_name="translation_previews")
    op.drop_table("translation_previews")
    op.drop_table("site_settings")
