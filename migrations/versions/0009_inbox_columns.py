"""Inbox columns: which optional columns of the inbox each staff member shows; recusals
indexed by editor, for the inbox's "not rated by me" that leaves them out.

Plain ALTER TABLE both ways (batch mode, never recreating the table): on SQLite a
recreated ``users`` would be dropped with foreign keys on, and that DROP would delete or
orphan every rating, recusal and comment of the team through their foreign keys.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 10:15:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # NULL for everyone: the default set until a person chooses.
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("inbox_columns", sa.JSON(), nullable=True))
    op.create_index(op.f("ix_recusals_user_id"), "recusals", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_recusals_user_id"), table_name="recusals")
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("inbox_columns")
