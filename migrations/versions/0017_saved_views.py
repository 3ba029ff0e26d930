"""saved_views and start_views: inbox filters kept under a name, and a person's start page.

Both count as changes of "staff" (change_counts, migration 0013), so the inbox keeps the
team's views under that number.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 00:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

TABLES = ("saved_views", "start_views")
# As migration 0013 counts the other tables (and tracker/models.py when this was written).
SQLITE_DDL = [
    f"CREATE TRIGGER change_count_{table}_{operation.lower()} AFTER {operation} ON {table} "
    "BEGIN INSERT INTO change_counts (name, value) VALUES ('staff', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counts.value + 1; END"
    for table in TABLES
    for operation in ("INSERT", "UPDATE", "DELETE")
]
POSTGRES_DDL = [
    f"CREATE CONSTRAINT TRIGGER change_count_{table} "
    f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW EXECUTE FUNCTION count_change('staff')"
    for table in TABLES
]


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_views_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_views_owner_name"),
    )
    op.create_table(
        "start_views",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("view_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_start_views_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["view_id"],
            ["saved_views.id"],
            name=op.f("fk_start_views_view_id_saved_views"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_start_views")),
    )
    op.create_index(op.f("ix_start_views_view_id"), "start_views", ["view_id"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DDL if postgresql else SQLITE_DDL:
        op.execute(statement)


def downgrade():
    # Dropping a table drops its triggers with it.
    op.drop_index(op.f("ix_start_views_view_id"), table_name="start_views")
    op.drop_table("start_views")
    op.drop_table("saved_views")
