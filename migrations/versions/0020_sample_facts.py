"""sample_facts, sample_bands, sample_matches: what the worker learns of writing samples.

``sample_facts`` holds each writing sample's word count and detected language,
``sample_bands`` its MinHash LSH band keys (looked up by key: the candidates for a
near-duplicate), ``sample_matches`` each possible copy, one row per direction with its
share and passages. Facts and matches count as changes of "applications" (change_counts,
migration 0013): the inbox filters by them. Every stored writing sample is queued for
measuring.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 06:30:00.000000

"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

COUNTED = ("sample_facts", "sample_matches")
# As migration 0013 counts the other tables (and tracker/models.py when this was written).
SQLITE_DDL = [
    f"CREATE TRIGGER change_count_{table}_{operation.lower()} AFTER {operation} ON {table} "
    "BEGIN INSERT INTO change_counts (name, value) VALUES ('applications', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counts.value + 1; END"
    for table in COUNTED
    for operation in ("INSERT", "UPDATE", "DELETE")
]
POSTGRES_DDL = [
    f"CREATE CONSTRAINT TRIGGER change_count_{table} "
    f"AFTER INSERT OR UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW EXECUTE FUNCTION count_change('applications')"
    for table in COUNTED
]


def _foreign_key(table, column, target):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade():
    op.create_table(
        "sample_facts",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("has_text", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("language_confidence", sa.Double(), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        _foreign_key("sample_facts", "application_id", "applications"),
        _foreign_key("sample_facts", "document_id", "documents"),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_sample_facts")),
    )
    op.create_index(op.f("ix_sample_facts_application_id"), "sample_facts", ["application_id"])
    op.create_index("ix_sample_facts_language", "sample_facts", ["language", "application_id"])
    op.create_table(
        "sample_bands",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        _foreign_key("sample_bands", "application_id", "applications"),
        _foreign_key("sample_bands", "document_id", "documents"),
        sa.PrimaryKeyConstraint("band_key", "document_id", name=op.f("pk_sample_bands")),
    )
    op.create_index(op.f("ix_sample_bands_application_id"), "sample_bands", ["application_id"])
    op.create_index(op.f("ix_sample_bands_document_id"), "sample_bands", ["document_id"])
    op.create_table(
        "sample_matches",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("other_document_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("other_application_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.Column("passages", sa.JSON(), nullable=False),
        _foreign_key("sample_matches", "application_id", "applications"),
        _foreign_key("sample_matches", "document_id", "documents"),
        sa.ForeignKeyConstraint(
            ["other_application_id"],
            ["applications.id"],
            name=op.f("fk_sample_matches_other_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_document_id"],
            ["documents.id"],
            name=op.f("fk_sample_matches_other_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "other_document_id", name=op.f("pk_sample_matches")),
    )
    op.create_index(
        "ix_sample_matches_application",
        "sample_matches",
        ["application_id", "other_application_id"],
    )
    op.create_index(
        op.f("ix_sample_matches_other_application_id"),
        "sample_matches",
        ["other_application_id"],
    )
    op.create_index(
        op.f("ix_sample_matches_other_document_id"), "sample_matches", ["other_document_id"]
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DDL if postgresql else SQLITE_DDL:
        op.execute(statement)
    _queue_stored_samples()


def _queue_stored_samples():
    """Queue the measuring of every application that has a writing sample."""
    jobs = sa.table(
        "jobs",
        sa.column("kind", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("status", sa.String),
        sa.column("attempts", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    documents = sa.table(
        "documents", sa.column("application_id", sa.Integer), sa.column("kind", sa.String)
    )
    with_sample = (
        op.get_bind()
        .execute(
            sa.select(documents.c.application_id)
            .where(documents.c.kind == "writing_sample")
            .distinct()
            .order_by(documents.c.application_id)
        )
        .scalars()
        .all()
    )
    if with_sample:
        created_at = datetime.now(timezone.utc).replace(tzinfo=None)
        op.bulk_insert(
            jobs,
            [
                {
                    "kind": "sample_facts",
                    "payload": {"application_id": application_id},
                    "status": "queued",
                    "attempts": 0,
                    "created_at": created_at,
                }
                for application_id in with_sample
            ],
        )


def downgrade():
    # Dropping a table drops its triggers and indexes with it.
    op.execute(sa.text("DELETE FROM jobs WHERE kind = 'sample_facts'"))
    op.drop_table("sample_matches")
    op.drop_table("sample_bands")
    op.drop_table("sample_facts")
