"""Documents: each PDF's page count, counted by the extract_text job instead of by the
candidate page on every view (a child process, a storage round trip).

NULL: not counted yet (or not a PDF); 0: the PDF could not be counted, so it is shown
as text only. Every application that already has a PDF gets an extract_text job, so the
worker counts the PDFs stored before the upgrade; reading their text again on the way
changes nothing. Plain ALTER TABLE both ways (batch mode, never recreating the table): on
SQLite a recreated ``documents`` would be dropped and copied with its foreign keys on.
The downgrade drops the column and leaves the queued jobs: they still only read text.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:30:00.000000

"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("documents", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("page_count", sa.Integer(), nullable=True))
    jobs = sa.table(
        "jobs",
        sa.column("kind", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("status", sa.String),
        sa.column("attempts", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    documents = sa.table(
        "documents",
        sa.column("application_id", sa.Integer),
        sa.column("file_type", sa.String),
    )
    with_pdf = (
        op.get_bind()
        .execute(
            sa.select(documents.c.application_id)
            .where(documents.c.file_type == "pdf")
            .distinct()
            .order_by(documents.c.application_id)
        )
        .scalars()
        .all()
    )
    if with_pdf:
        created_at = datetime.now(timezone.utc).replace(tzinfo=None)
        op.bulk_insert(
            jobs,
            [
                {
                    "kind": "extract_text",
                    "payload": {"application_id": application_id},
                    "status": "queued",
                    "attempts": 0,
                    "created_at": created_at,
                }
                for application_id in with_pdf
            ],
        )


def downgrade():
    with op.batch_alter_table("documents", recreate="never") as batch_op:
        batch_op.drop_column("page_count")
