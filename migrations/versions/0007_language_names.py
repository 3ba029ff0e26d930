"""Language names: what an applicant typed for a language our list lacks ("other").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 05:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application_languages") as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table("application_languages") as batch_op:
        batch_op.drop_column("name")
