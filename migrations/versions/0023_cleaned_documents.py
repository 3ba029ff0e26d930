"""Documents are stored as cleaned copies: the original's sha256 and what was removed.

``original_sha256`` is the sha256 of a file as the applicant uploaded it (``sha256`` is now
the stored, cleaned copy's) and ``metadata_removed`` the kinds of metadata removed from it
(tracker.documents.clean), on documents and reply attachments alike. Rows stored before
cleaning existed keep NULL in both: their files were stored as uploaded.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 10:40:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TABLES = ("documents", "reply_attachments")


def upgrade():
    for table in _TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("original_sha256", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("metadata_removed", sa.JSON(), nullable=True))


def downgrade():
    for table in _TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("metadata_removed")
            batch_op.drop_column("original_sha256")
