"""Ratings: a criterion may be "can't judge yet", stored as NULL.

The five criterion columns become nullable. On SQLite that recreates the ``ratings``
table (batch mode); no table refers to ``ratings``, so no child row can be lost with it,
and the named CHECK constraints (1 to 5, which NULL passes) are carried over.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 06:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CRITERIA = ("regional_expertise", "german_writing", "sourcing", "story_ideas", "reliability")


def upgrade():
    with op.batch_alter_table("ratings") as batch_op:
        for name in CRITERIA:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Refuse rather than invent a score or drop an editor's rating.
    unknown = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT COUNT(*) FROM ratings WHERE "
                + " OR ".join(f"{n} IS NULL" for n in CRITERIA)
            )
        )
        .scalar()
    )
    if unknown:
        raise RuntimeError(
            f'{unknown} rating(s) have a criterion marked "can\'t judge yet"; '
            "give them a score before downgrading below 0008"
        )
    with op.batch_alter_table("ratings") as batch_op:
        for name in CRITERIA:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
