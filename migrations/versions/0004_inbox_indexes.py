"""Inbox indexes: filter by region and status, newest first.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 14:20:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_applications_region_status_created",
        "applications",
        ["region", "status", "created_at"],
    )


def downgrade():
    op.drop_index("ix_applications_region_status_created", table_name="applications")
