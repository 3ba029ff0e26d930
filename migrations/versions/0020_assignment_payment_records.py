"""Assignments kept as payment records: an erased expert's paid pieces keep only the
reference, fee, currency and payment date, so the deadline may now be empty.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-05 03:15:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.alter_column("deadline_at", existing_type=sa.DateTime(), nullable=True)


def downgrade():
    # A payment record has no deadline: give it the day it was paid.
    op.execute(
        "UPDATE assignments SET deadline_at = paid_on WHERE deadline_at IS NULL "
        "AND paid_on IS NOT NULL"
    )
    op.execute("DELETE FROM assignments WHERE deadline_at IS NULL")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.alter_column("deadline_at", existing_type=sa.DateTime(), nullable=False)
