"""change_counts: numbers that grow with every change to what the inbox reads.

"applications" counts changes to what its filters read, "calls" and "staff" to the calls
and accounts it names; the inbox keeps its status tabs, calls, accounts and tags under them
(tracker/inbox/counts.py). Triggers on each table count the changes: on SQLite per changed
row, on PostgreSQL once per transaction at COMMIT (models.POSTGRES_CHANGE_COUNT_DDL, the
same statements).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 22:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

# As in tracker/models.py when this was written (a migration stays as it was run).
COUNTED = {
    "applications": (
        "applications",
        "application_regions",
        "application_languages",
        "application_topics",
        "application_tags",
        "tags",
        "ratings",
        "recusals",
        "search_entries",
    ),
    "calls": ("calls",),
    "staff": ("users",),
}
SQLITE_DDL = [
    f"CREATE TRIGGER change_count_{table}_{operation.lower()} AFTER {operation} ON {table} "
    f"BEGIN INSERT INTO change_counts (name, value) VALUES ('{name}', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counts.value + 1; END"
    for name, tables in COUNTED.items()
    for table in tables
    for operation in ("INSERT", "UPDATE", "DELETE")
]
POSTGRES_DDL = [
    "CREATE OR REPLACE FUNCTION count_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF current_setting('tracker.counted_' || TG_ARGV[0], true) = 'yes' THEN RETURN NULL; "
    "END IF; "
    "INSERT INTO change_counts (name, value) VALUES (TG_ARGV[0], 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counts.value + 1; "
    "PERFORM set_config('tracker.counted_' || TG_ARGV[0], 'yes', true); "
    "RETURN NULL; END $$",
    *(
        f"CREATE CONSTRAINT TRIGGER change_count_{table} "
        f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW EXECUTE FUNCTION count_change('{name}')"
        for name, tables in COUNTED.items()
        for table in tables
    ),
]


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "change_counts",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counts")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DDL if postgresql else SQLITE_DDL:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for tables in COUNTED.values():
            for table in tables:
                op.execute(f"DROP TRIGGER change_count_{table} ON {table}")
        op.execute("DROP FUNCTION count_change()")
    else:
        for tables in COUNTED.values():
            for table in tables:
                for operation in ("insert", "update", "delete"):
                    op.execute(f"DROP TRIGGER change_count_{table}_{operation}")
    op.drop_table("change_counts")
