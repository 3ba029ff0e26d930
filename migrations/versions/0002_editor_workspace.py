"""Editor workspace: ratings, recusals, comments, tags, history, audit log, full-text search.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:38:02.472511

"""

from alembic import op
import sqlalchemy as sa

# Full-text search: SQLite's FTS5 table kept in step with search_entries by triggers, and
# PostgreSQL's GIN index on the tsvector. The same statements are in tracker/models.py.
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_entries', "
    "content_rowid='application_id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, body) VALUES (new.application_id, new.body); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) "
    "VALUES ('delete', old.application_id, old.body); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) "
    "VALUES ('delete', old.application_id, old.body); "
    "INSERT INTO search_fts(rowid, body) VALUES (new.application_id, new.body); END",
)
POSTGRES_SEARCH_DDL = (
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (to_tsvector('simple', body))",
)


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        "ix_audit_events_application_created", "audit_events", ["application_id", "created_at"]
    )
    op.create_index("ix_audit_events_created", "audit_events", ["created_at"])

    op.create_table(
        "application_tags",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_tags_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"],
            ["tags.id"],
            name=op.f("fk_application_tags_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "tag_id", name=op.f("pk_application_tags")),
    )
    op.create_index("ix_application_tags_tag", "application_tags", ["tag_id", "application_id"])

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_comments_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_application_created", "comments", ["application_id", "created_at"])

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("regional_expertise", sa.Integer(), nullable=False),
        sa.Column("german_writing", sa.Integer(), nullable=False),
        sa.Column("sourcing", sa.Integer(), nullable=False),
        sa.Column("story_ideas", sa.Integer(), nullable=False),
        sa.Column("reliability", sa.Integer(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "recommendation IN ('strong_yes', 'yes', 'maybe', 'no')",
            name=op.f("ck_ratings_recommendation_valid"),
        ),
        sa.CheckConstraint(
            "german_writing BETWEEN 1 AND 5", name=op.f("ck_ratings_german_writing_range")
        ),
        sa.CheckConstraint(
            "regional_expertise BETWEEN 1 AND 5", name=op.f("ck_ratings_regional_expertise_range")
        ),
        sa.CheckConstraint(
            "reliability BETWEEN 1 AND 5", name=op.f("ck_ratings_reliability_range")
        ),
        sa.CheckConstraint("sourcing BETWEEN 1 AND 5", name=op.f("ck_ratings_sourcing_range")),
        sa.CheckConstraint(
            "story_ideas BETWEEN 1 AND 5", name=op.f("ck_ratings_story_ideas_range")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_ratings_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ratings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("application_id", "user_id", name="uq_ratings_application_user"),
    )
    op.create_index(op.f("ix_ratings_application_id"), "ratings", ["application_id"])
    op.create_index(op.f("ix_ratings_user_id"), "ratings", ["user_id"])

    op.create_table(
        "recusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_recusals_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recusals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recusals")),
        sa.UniqueConstraint("application_id", "user_id", name="uq_recusals_application_user"),
    )
    op.create_index(op.f("ix_recusals_application_id"), "recusals", ["application_id"])

    op.create_table(
        "search_entries",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_search_entries_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_search_entries")),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_SEARCH_DDL, "postgresql": POSTGRES_SEARCH_DDL}.get(
        dialect, ()
    ):
        op.execute(statement)
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "reason IS NULL OR reason IN ('region_covered', 'german_insufficient', 'experience_insufficient', 'sample_unsuitable', 'no_capacity', 'other')",
            name=op.f("ck_status_changes_reason_valid"),
        ),
        sa.CheckConstraint(
            "to_status IN ('new', 'in_review', 'shortlisted', 'trial', 'accepted', 'on_hold', 'rejected', 'withdrawn')",
            name=op.f("ck_status_changes_to_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_status_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_status_changes_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    op.create_index(
        "ix_status_changes_application_created", "status_changes", ["application_id", "created_at"]
    )

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("rating_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("rating_mean", sa.Double(), nullable=True))
        batch_op.create_index(batch_op.f("ix_applications_assignee_id"), ["assignee_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_applications_assignee_id_users"),
            "users",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("text")

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_applications_assignee_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_applications_assignee_id"))
        batch_op.drop_column("rating_mean")
        batch_op.drop_column("rating_count")
        batch_op.drop_column("assignee_id")

    op.drop_index("ix_status_changes_application_created", table_name="status_changes")

    op.drop_table("status_changes")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")  # its triggers go with search_entries
    op.drop_table("search_entries")
    op.drop_index(op.f("ix_recusals_application_id"), table_name="recusals")

    op.drop_table("recusals")
    op.drop_index(op.f("ix_ratings_user_id"), table_name="ratings")
    op.drop_index(op.f("ix_ratings_application_id"), table_name="ratings")

    op.drop_table("ratings")
    op.drop_index("ix_comments_application_created", table_name="comments")

    op.drop_table("comments")
    op.drop_index("ix_application_tags_tag", table_name="application_tags")

    op.drop_table("application_tags")
    op.drop_index("ix_audit_events_created", table_name="audit_events")
    op.drop_index("ix_audit_events_application_created", table_name="audit_events")

    op.drop_table("audit_events")
    op.drop_table("tags")
